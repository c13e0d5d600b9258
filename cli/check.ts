// `npm run check -- HISTORY [...]`: judges a recorded history (JSONL, Jepsen EDN, etcd log,
// or a gregor trace) and exits 0 valid, 1 invalid, 2 bad usage or input (one line on
// stderr), 3 unknown (search budget exhausted). The format is guessed from the content and
// the model from the operations unless given. `--report PATH` hands the verdict to the HTML
// report writer (reports/check-report.ts), loaded only when asked for.

import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs, UsageError } from './args.ts';
import {
  checkHistory,
  guessModel,
  hasMicroOps,
  HistoryInputError,
  isKafkaHistory,
  isModelName,
  readHistory,
  FORMATS,
  MODEL_NAMES,
  type History,
  type HistoryFormat,
  type ModelName,
  type Verdict,
} from '../checkers/index.ts';

const USAGE = `usage: npm run check -- HISTORY [options]

Judges a history: Kafka histories (send/poll) get the Kafka anomaly and durability checks and
linearizability against a log (consumer-group histories: the committed-offset checks too;
Jepsen's transactional histories, :txn micro-ops: the transactional checks, G1c cycles with
their edges); register and key-value histories get linearizability.

options:
  --model M         log | log-strict | register | cas-register | kv (default: guessed:
                    send/poll → log, get/put/append → kv, read/write/cas → cas-register)
  --format F        jsonl | edn | etcd-log | trace (default: guessed from the content)
  --initial V       initial register value, JSON or nil (default nil)
  --json            print the verdict as JSON on stdout
  --report PATH     also write an HTML report of the verdict to PATH
  --max-steps N     search budget in steps (default 20000000); beyond it the verdict is unknown
  --no-fast-path    log models: always use the general search
  --final-read-complete
                    Kafka: the history's final read saw the whole committed log, so a
                    committed record beyond where it ended is lost (else: reported unseen)
  --help            this text

exit status: 0 valid, 1 invalid, 2 bad usage or input, 3 unknown`;

const FLAGS = {
  model: { kind: 'value' },
  format: { kind: 'value' },
  initial: { kind: 'value' },
  json: { kind: 'bool' },
  report: { kind: 'value' },
  'max-steps': { kind: 'value' },
  'no-fast-path': { kind: 'bool' },
  'final-read-complete': { kind: 'bool' },
  help: { kind: 'bool' },
} as const;

function parseInitial(text: string): unknown {
  if (text === 'nil' || text === 'null') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function verdictWord(v: Verdict): string {
  return v.valid === true ? 'VALID' : v.valid === false ? 'INVALID' : 'UNKNOWN';
}

interface Described {
  file: string;
  format: string;
  events: number;
  model: string;
  modelNote: string;
  /** What the reader accepted but the user should know. */
  notes: readonly string[];
}

function summary(d: Described, v: Verdict): string {
  const { file, format, events, model, modelNote } = d;
  const lines: string[] = [];
  const ops = v.stats?.operations ?? v.stats?.['linearizability.operations'] ?? v.stats?.['kafka.operations'];
  lines.push(`${file}: ${events} events${ops !== undefined ? `, ${ops} operations` : ''} (${format})`);
  lines.push(`model: ${model} (${modelNote})`);
  lines.push(`checked: ${v.checker}`);
  lines.push(`verdict: ${verdictWord(v)}`);
  const errors = v.anomalies.filter((a) => !a.informational);
  const notes = v.anomalies.filter((a) => a.informational);
  const byKind = new Map<string, number>();
  for (const a of errors) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
  if (byKind.size > 0) lines.push(`anomalies: ${[...byKind].map(([k, c]) => `${k} ×${c}`).join(', ')}`);
  for (const a of errors.slice(0, 5)) {
    lines.push(`  - ${a.kind}: ${a.explanation}`);
    for (const step of a.cycle ?? []) lines.push(`      ${step.rel}: ${step.explanation}`);
  }
  if (errors.length > 5) lines.push(`  … ${errors.length - 5} more (use --json for all)`);
  if (v.counterexample !== undefined) {
    const ce = v.counterexample;
    lines.push(
      `counterexample: longest linearizable prefix ${ce.longestPrefix.length} op(s)` +
        prefixIndices(ce.longestPrefix) +
        `, then index ${ce.failedOp} cannot be placed`,
    );
  }
  for (const a of notes.slice(0, 3)) lines.push(`  note: ${a.kind}: ${a.explanation}`);
  for (const n of d.notes) lines.push(`  note: ${n}`);
  return lines.join('\n');
}

function fail(message: string): never {
  process.stderr.write(`check: ${message.replace(/\s*\n\s*/g, ' ')}\n`);
  process.exit(2);
}

interface Options {
  file: string;
  formatFlag: HistoryFormat | undefined;
  modelFlag: ModelName | undefined;
  maxSteps: number | undefined;
  initial: unknown;
  json: boolean;
  reportPath: string | undefined;
  fastPath: 'auto' | 'off';
  finalReadComplete: boolean;
}

/** The command line, checked; exits 2 on bad usage, undefined for --help. */
function parseOptions(argv: string[]): Options | undefined {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(argv, FLAGS);
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  const { flags, positional } = parsed;
  if (flags.has('help')) return undefined;
  if (positional.length !== 1) {
    fail(positional.length === 0 ? 'which history? (see --help)' : `one history at a time, got ${positional.length}`);
  }
  const formatFlag = flags.get('format') as string | undefined;
  if (formatFlag !== undefined && !(FORMATS as readonly string[]).includes(formatFlag)) {
    fail(`--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(formatFlag)}`);
  }
  const modelFlag = flags.get('model') as string | undefined;
  if (modelFlag !== undefined && !isModelName(modelFlag)) {
    fail(`--model must be one of ${MODEL_NAMES.join(', ')}, got ${JSON.stringify(modelFlag)}`);
  }
  const stepsFlag = flags.get('max-steps') as string | undefined;
  if (stepsFlag !== undefined && (!/^\d+$/.test(stepsFlag) || Number(stepsFlag) < 1)) {
    fail(`--max-steps must be a whole number ≥ 1, got ${JSON.stringify(stepsFlag)}`);
  }
  return {
    file: positional[0],
    formatFlag: formatFlag as HistoryFormat | undefined,
    modelFlag: modelFlag as ModelName | undefined,
    maxSteps: stepsFlag === undefined ? undefined : Number(stepsFlag),
    initial: flags.has('initial') ? parseInitial(flags.get('initial') as string) : undefined,
    json: flags.has('json'),
    reportPath: flags.get('report') as string | undefined,
    fastPath: flags.has('no-fast-path') ? 'off' : 'auto',
    finalReadComplete: flags.has('final-read-complete'),
  };
}

interface Judged extends Omit<Described, 'model'> {
  history: History;
  model: ModelName | undefined;
  verdict: Verdict;
}

/** Reads and judges the history; exits 2 on bad input. */
function judge(o: Options, text: string): Judged {
  const { file, formatFlag, modelFlag } = o;
  try {
    const read = readHistory(text, formatFlag);
    const format =
      read.history.length === 0 && formatFlag === undefined
        ? 'empty'
        : formatFlag === undefined
          ? `${read.format}, guessed`
          : read.format;
    let model: ModelName | undefined = modelFlag;
    let modelNote = 'given';
    if (modelFlag === undefined) {
      const guess = guessModel(read.history);
      model = guess.model;
      modelNote = model === undefined ? guess.reason : `guessed from ${guess.reason}`;
      if (model === undefined && read.history.length > 0 && guess.reason !== 'the history has no operations') {
        fail(`${file}: cannot choose a model: ${guess.reason}; pass --model`);
      }
    }
    if (hasMicroOps(read.history)) {
      model = undefined;
      modelNote = "Jepsen's Kafka micro-ops: the Kafka anomaly and transactional checks only";
    } else if (isKafkaHistory(read.history)) modelNote += '; Kafka anomaly checks too';
    const verdict = checkHistory(read.history, {
      model,
      initial: o.initial,
      maxSteps: o.maxSteps,
      fastPath: o.fastPath,
      finalReadComplete: o.finalReadComplete,
      sourceLines: read.sourceLines,
    });
    const notes = read.notes ?? [];
    return { file, format, events: read.history.length, history: read.history, model, modelNote, notes, verdict };
  } catch (e) {
    if (e instanceof HistoryInputError) fail(`${file}: ${e.message}`);
    throw e;
  }
}

/** --report: hands the verdict to the HTML report writer, loaded only when asked for. */
async function writeReport(o: Options, j: Judged, reportPath: string): Promise<void> {
  let render: ((h: History, v: Verdict, meta: Record<string, string>) => string) | undefined;
  try {
    const mod = (await import(new URL('../reports/check-report.ts', import.meta.url).href)) as {
      renderCheckReport?: typeof render;
    };
    render = mod.renderCheckReport;
  } catch {
    render = undefined;
  }
  if (render === undefined) fail('--report: the HTML report writer (reports/check-report.ts) is not available');
  const given = [...(o.modelFlag ? ['--model', o.modelFlag] : []), ...(o.formatFlag ? ['--format', o.formatFlag] : [])];
  const command = ['npm run check --', o.file, ...given].join(' ');
  try {
    writeFileSync(reportPath, render(j.history, j.verdict, { source: o.file, model: j.model ?? 'none', command }));
  } catch (e) {
    fail(`--report: cannot write ${reportPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (o === undefined) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  let text: string;
  try {
    text = readFileSync(o.file, 'utf8');
  } catch (e) {
    fail(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const j = judge(o, text);
  if (o.reportPath !== undefined) await writeReport(o, j, o.reportPath);
  if (o.json) {
    const { file, format, model, modelNote, notes, verdict } = j;
    const out = { file, format: format.replace(', guessed', ''), model: model ?? null, modelNote, notes, verdict };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  } else {
    process.stdout.write(summary({ ...j, model: j.model ?? 'none' }, j.verdict) + '\n');
    if (o.reportPath !== undefined) process.stdout.write(`report: ${o.reportPath}\n`);
  }
  return j.verdict.valid === true ? 0 : j.verdict.valid === false ? 1 : 3;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`check: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);

/** " [history indices a b c …]" for a counterexample's prefix (at most 12), or nothing. */
function prefixIndices(prefix: readonly number[]): string {
  if (prefix.length === 0) return '';
  return ` [history indices ${prefix.slice(0, 12).join(' ')}${prefix.length > 12 ? ' …' : ''}]`;
}
