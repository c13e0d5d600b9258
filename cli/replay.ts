// `npm run replay -- TRACE.json`: re-runs the run a trace file records (its seed, variant and
// machine-readable fault schedule and workload), verifies that the event hash is the one the
// trace holds, and exits as the original run did: 0 (ok, or a loss beyond Kafka's promise),
// 1 (violation, stuck, crash), 3 (unknown verdict, or the hash or the outcome differs: the
// code changed since the trace was recorded, so the replay proves nothing). An unreadable file, garbage,
// or a trace of another format or version: one line on stderr, exit 2.

import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { bool, parseArgs, UsageError, type FlagSpec } from './args.ts';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from '../checkers/trace.ts';
import { invalidInputReason, type ScenarioInput } from '../scenarios/input.ts';
import { isVariantName } from '../scenarios/variants.ts';
import type { VariantName } from '../model/config.ts';
import { runScenario, type RunOutcome } from '../driver/run.ts';
import { DEFAULT_DEPS_MODULE, loadDeps } from '../campaign/tasks.ts';

const FLAGS: Record<string, FlagSpec> = { json: { kind: 'bool' }, help: { kind: 'bool' } };

export const REPLAY_USAGE = `usage: npm run replay -- TRACE.json [--json]

Re-runs the run recorded in TRACE.json (a trace file written by npm run fuzz), checks that it
reproduces the recorded event hash, and exits as the original run did.

  --json   the last line of stdout is a JSON result
  --help   this text

exit: 0 valid (or a loss beyond what Kafka promises), 1 violation/stuck/crash,
      2 bad usage or unreadable trace, 3 unknown verdict, or hash/outcome mismatch`;

export interface ReplayIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  depsModule?: string;
}

export interface ValidTrace {
  seed: number;
  scenario: string;
  variant: VariantName;
  input: ScenarioInput;
  hash: string;
  outcome: string;
}

/** Checks a parsed trace file; throws UsageError with the reason it cannot be replayed. */
export function validateTrace(value: unknown, path: string): ValidTrace {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UsageError(`${path} is not a trace (not a JSON object)`);
  const t = value as Partial<Trace>;
  if (t.format !== TRACE_FORMAT) throw new UsageError(`${path} is not a ${TRACE_FORMAT} file (format ${JSON.stringify(t.format)})`);
  if (t.version !== TRACE_VERSION) throw new UsageError(`${path} is trace version ${JSON.stringify(t.version)}; this gregor reads version ${TRACE_VERSION}`);
  if (typeof t.seed !== 'number' || !Number.isSafeInteger(t.seed) || t.seed < 0) throw new UsageError(`${path}: seed must be a non-negative integer`);
  if (typeof t.scenario !== 'string') throw new UsageError(`${path}: scenario must be a string`);
  if (typeof t.variant !== 'string' || !isVariantName(t.variant)) throw new UsageError(`${path}: unknown variant ${JSON.stringify(t.variant)}`);
  if (typeof t.hash !== 'string' || !/^[0-9a-f]{16}$/.test(t.hash)) throw new UsageError(`${path}: hash must be 16 hex digits`);
  const reason = invalidInputReason(t.faultSchedule);
  if (reason !== undefined) throw new UsageError(`${path}: ${reason}`);
  return { seed: t.seed, scenario: t.scenario, variant: t.variant, input: t.faultSchedule as ScenarioInput, hash: t.hash, outcome: String(t.outcome) };
}

export function exitCodeForOutcome(outcome: RunOutcome | string): number {
  switch (outcome) {
    case 'ok':
    case 'expected-loss':
      return 0;
    case 'violation':
    case 'stuck':
    case 'crash':
    case 'nondeterminism':
      return 1;
    default:
      return 3;
  }
}

export async function replayMain(argv: readonly string[], io: ReplayIo): Promise<number> {
  let t: ValidTrace;
  let json: boolean;
  try {
    const p = parseArgs(argv, FLAGS);
    if (bool(p, 'help')) {
      io.stdout.write(REPLAY_USAGE + '\n');
      return 0;
    }
    json = bool(p, 'json');
    if (p.positional.length !== 1) throw new UsageError(p.positional.length === 0 ? 'give the trace file to replay (see --help)' : 'give exactly one trace file');
    const path = p.positional[0];
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new UsageError(`${path} is not JSON`);
    }
    t = validateTrace(value, path);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gregor replay: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const deps = await loadDeps(io.depsModule ?? DEFAULT_DEPS_MODULE);
  const r = runScenario(deps, { seed: t.seed, scenario: t.scenario, variant: t.variant, input: t.input });
  const hashMatches = r.hash === t.hash;
  const outcomeMatches = r.outcome === t.outcome;
  const failing = r.verdict.anomalies.find((a) => a.informational !== true);
  const lines = [
    `replayed seed ${t.seed} (scenario ${t.scenario}, variant ${t.variant}, ${t.input.faults.length} faults): ${r.outcome}` +
      (failing === undefined ? '' : ` — ${failing.kind}: ${failing.explanation}`),
    hashMatches
      ? `hash ${r.hash} matches the trace (${r.eventCount} events)`
      : `hash ${r.hash} differs from the trace's ${t.hash}: the code or the model changed since it was recorded (outcome then: ${t.outcome}, now: ${r.outcome})`,
  ];
  if (hashMatches && !outcomeMatches) {
    lines.push(`but the outcome differs from the trace's (${t.outcome}): the model or the checkers changed since it was recorded`);
  }
  io.stdout.write(lines.join('\n') + '\n');
  const code = hashMatches && outcomeMatches ? exitCodeForOutcome(r.outcome) : 3;
  if (json) {
    io.stdout.write(JSON.stringify({ seed: t.seed, scenario: t.scenario, variant: t.variant, outcome: r.outcome, recordedOutcome: t.outcome, hash: r.hash, recordedHash: t.hash, hashMatches, outcomeMatches, events: r.eventCount, exitCode: code }) + '\n');
  }
  return code;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  replayMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`gregor replay: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 3;
    },
  );
}
