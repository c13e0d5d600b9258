// `npm run replay -- TRACE.json`: re-runs the run a trace file records (its seed, variant and
// machine-readable fault schedule and workload), verifies that the event hash is the one the
// trace holds, and exits as the original run did: 0 (ok, a loss beyond Kafka's promise, or a Kafka finding),
// 1 (violation, stuck, crash), 3 (unknown verdict, or the hash or the outcome differs: the
// code changed since the trace was recorded, so the replay proves nothing). An unreadable
// file, garbage, a trace of another format or version, or one whose fields do not fit the
// schema (scenarios/schema.ts for the schedule): one line naming the field, exit 2.
// A trace whose content hash does not match what it says to run was edited: it is run as
// the edited input and exits by that run's outcome (older traces have no content hash).

import { pathToFileURL } from 'node:url';
import { bool, parseArgs, readJsonFile, UsageError, type FlagSpec } from './args.ts';
import { z } from 'zod';
import { TRACE_FORMAT, TRACE_VERSION } from '../checkers/trace.ts';
import type { ScenarioInput } from '../scenarios/input.ts';
import { firstIssue, parseScenarioInput } from '../scenarios/schema.ts';
import { VARIANT_NAMES, isZooKeeperVariant } from '../scenarios/variants.ts';
import type { VariantName } from '../model/config.ts';
import { runScenario, type RunOutcome } from '../driver/run.ts';
import { contentHashOf, DEFAULT_DEPS_MODULE, loadDeps } from '../campaign/tasks.ts';

const FLAGS: Record<string, FlagSpec> = { json: { kind: 'bool' }, help: { kind: 'bool' } };

export const REPLAY_USAGE = `usage: npm run replay -- TRACE.json [--json]

Re-runs the run recorded in TRACE.json (a trace file written by npm run fuzz), checks that it
reproduces the recorded event hash, and exits as the original run did.

  --json   the last line of stdout is a JSON result
  --help   this text

exit: 0 valid (or a loss beyond what Kafka promises, or a Kafka finding: Kafka's own known
      behaviour breaking its promise), 1 violation/stuck/crash,
      2 bad usage, unreadable or malformed trace (one line naming the field),
      3 unknown verdict, or hash/outcome mismatch (the code or the model changed).
A trace edited by hand (its content hash differs) runs as the edited input and exits
by its own outcome.`;

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
  /** The content hash the trace holds, if any (older traces have none). */
  contentHash?: string;
  /** The content hash of what the trace says to run, computed as it was read. */
  actualContentHash: string;
}

const hex16 = z.string().regex(/^[0-9a-f]{16}$/, { error: 'expected 16 hex digits' });

/**
 * The envelope of a trace file (checkers/trace.ts Trace) as replay needs it. Other fields
 * (history, timeline, verdict…) are for reports and pass through unchecked.
 */
const traceEnvelopeSchema = z.looseObject({
  format: z.literal(TRACE_FORMAT, {
    error: (iss) => `expected ${JSON.stringify(TRACE_FORMAT)}, got ${JSON.stringify(iss.input)}: not a gregor trace`,
  }),
  version: z.literal(TRACE_VERSION, {
    error: (iss) =>
      `expected ${TRACE_VERSION}, got ${JSON.stringify(iss.input)}: this gregor reads trace version ${TRACE_VERSION}`,
  }),
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER),
  scenario: z.string(),
  variant: z.enum(VARIANT_NAMES, {
    error: (iss) => `expected one of ${VARIANT_NAMES.join(', ')}, got ${JSON.stringify(iss.input)}`,
  }),
  config: z.record(z.string(), z.unknown()),
  faultSchedule: z.unknown(),
  hash: hex16,
  contentHash: hex16.optional(),
  outcome: z.string(),
});

/** Checks a parsed trace file; throws UsageError with one line naming the field at fault. */
export function validateTrace(value: unknown, path: string): ValidTrace {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new UsageError(`${path} is not a trace (not a JSON object)`);
  const env = traceEnvelopeSchema.safeParse(value, { reportInput: true });
  if (!env.success) throw new UsageError(`${path}: ${firstIssue(env.error)}`);
  const t = env.data;
  const input = parseScenarioInput(t.faultSchedule, ['faultSchedule']);
  if (!input.ok) throw new UsageError(`${path}: ${input.reason}`);
  // As `npm run fuzz` refuses it: the variant would change nothing, and the run would seem to clear it.
  if (isZooKeeperVariant(t.variant) && input.input.shape.zookeeper === undefined) {
    throw new UsageError(
      `${path}: variant: ${t.variant} changes a rule of ZooKeeper mode only, and faultSchedule.shape has no zookeeper`,
    );
  }
  // Over the file's own values, so that any edit of what it says to run shows.
  const { seed, scenario, variant, faultSchedule, config } = t;
  const actualContentHash = contentHashOf({ seed, scenario, variant, faultSchedule, config });
  return {
    seed: t.seed,
    scenario: t.scenario,
    variant: t.variant,
    input: input.input,
    hash: t.hash,
    outcome: t.outcome,
    ...(t.contentHash === undefined ? {} : { contentHash: t.contentHash }),
    actualContentHash,
  };
}

export function exitCodeForOutcome(outcome: RunOutcome | string): number {
  switch (outcome) {
    case 'ok':
    case 'expected-loss':
    // Kafka's own finding: the model did what Kafka does; named in the output, not a failure (README, Outcomes).
    case 'kafka-finding':
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
    if (p.positional.length !== 1)
      throw new UsageError(
        p.positional.length === 0 ? 'give the trace file to replay (see --help)' : 'give exactly one trace file',
      );
    const path = p.positional[0];
    t = validateTrace(readJsonFile(path), path);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`gregor replay: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const deps = await loadDeps(io.depsModule ?? DEFAULT_DEPS_MODULE);
  const r = runScenario(deps, { seed: t.seed, scenario: t.scenario, variant: t.variant, input: t.input });
  const v = compareWithTrace(t, r);
  const failing = r.verdict.anomalies.find((a) => a.informational !== true);
  const head =
    `replayed seed ${t.seed} (scenario ${t.scenario}, variant ${t.variant}, ` +
    `${t.input.faults.length} faults): ${r.outcome}` +
    (failing === undefined ? '' : ` — ${failing.kind}: ${failing.explanation}`);
  io.stdout.write(`${[head, ...v.lines].join('\n')}\n`);
  const code = v.edited || (v.hashMatches && v.outcomeMatches) ? exitCodeForOutcome(r.outcome) : 3;
  if (json) {
    io.stdout.write(
      `${JSON.stringify({
        seed: t.seed,
        scenario: t.scenario,
        variant: t.variant,
        outcome: r.outcome,
        recordedOutcome: t.outcome,
        hash: r.hash,
        recordedHash: t.hash,
        hashMatches: v.hashMatches,
        outcomeMatches: v.outcomeMatches,
        edited: v.edited,
        contentHash: t.actualContentHash,
        recordedContentHash: t.contentHash ?? null,
        events: r.eventCount,
        exitCode: code,
      })}\n`,
    );
  }
  return code;
}

/**
 * What the replay proves. An edited trace (its content hash differs) is a new input: it is
 * judged on its own, and its recorded hash and outcome are not compared. Otherwise the same
 * input gave other events or another outcome: the code or the model changed.
 */
function compareWithTrace(
  t: ValidTrace,
  r: { hash: string; outcome: string; eventCount: number },
): { edited: boolean; hashMatches: boolean; outcomeMatches: boolean; lines: string[] } {
  const hashMatches = r.hash === t.hash;
  const outcomeMatches = r.outcome === t.outcome;
  if (t.contentHash !== undefined && t.contentHash !== t.actualContentHash) {
    return {
      edited: true,
      hashMatches,
      outcomeMatches,
      lines: [
        `the trace was edited (content hash ${t.actualContentHash} ≠ ${t.contentHash} recorded): ` +
          `it was run as the edited input; its recorded hash and outcome (${t.outcome}) belong to the original`,
      ],
    };
  }
  const lines = [
    hashMatches
      ? `hash ${r.hash} matches the trace (${r.eventCount} events)`
      : `hash ${r.hash} differs from the trace's ${t.hash}: ` +
        (t.contentHash === undefined
          ? 'the code or the model changed since it was recorded, or the trace was edited ' +
            '(an older trace: no content hash to tell)'
          : 'same trace, different events: the code or the model changed since it was recorded') +
        ` (outcome then: ${t.outcome}, now: ${r.outcome})`,
  ];
  if (hashMatches && !outcomeMatches) {
    lines.push(
      `but the outcome differs from the trace's (${t.outcome}): the model or the checkers changed since it was ` +
        `recorded`,
    );
  }
  return { edited: false, hashMatches, outcomeMatches, lines };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  replayMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(
        `gregor replay: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 3;
    },
  );
}
