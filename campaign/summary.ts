// The campaign summary: what `--json` prints as its last line, what DIR/summary.json holds,
// what `--merge` combines, and the exit code (DESIGN §6: 0 valid, 1 violation found, 2 bad
// usage or input, 3 unknown). Seeds whose only failing anomalies are witnessed Kafka findings
// (outcome kafka-finding, driver/kafka-findings.ts) are counted and named, and exit 0 unless
// the campaign was asked to fail on them (--fail-on-kafka-findings). Per-seed results go to
// DIR/seeds.jsonl so that shards can be merged exactly and two campaigns compared by their digest.
//
// Assumes results arrive in seed order (campaign/campaign.ts guarantees it).

import { EventHash } from '../harness/hash.ts';
import type { Trace } from '../checkers/trace.ts';
import { summarizeTrace, terminalSafe } from '../reports/terminal-summary.ts';
import { isFailureOutcome, type SeedOutcome, type SeedResult } from './tasks.ts';
import { countProbes, probeSummaryLine } from './probes.ts';
import { compareExpectedLosses, expectedLossLine, type ExpectedLossRate } from './reference-rates.ts';

export const SUMMARY_FORMAT = 'gregor-fuzz-summary';
export const SUMMARY_VERSION = 1;

export interface ViolationEntry {
  seed: number;
  kind: string;
  outcome: SeedOutcome;
  explanation: string;
  /** Faults in the (shrunk) counterexample, and in the seed's original schedule. */
  faults: number;
  originalFaults: number;
  sends: number;
  shrinkRuns: number;
  /** Paths of the written trace and HTML report (relative to the working directory). */
  trace: string | null;
  report: string | null;
  /** Replays the shrunk counterexample. */
  replay: string | null;
  /** Re-runs the seed's original (unshrunk) schedule. */
  rerun: string;
}

export interface CampaignSummary {
  format: typeof SUMMARY_FORMAT;
  version: number;
  scenario: string;
  variant: string;
  baseSeed: number;
  /** Seeds in the whole range (all shards). */
  seedsRequested: number;
  shard: string | null;
  /** Seeds judged: the completed prefix (up to the last reported failure when stopping early). */
  seeds: number;
  violations: ViolationEntry[];
  outcomes: Record<SeedOutcome, number>;
  /** Seeds whose schedule went beyond what Kafka promises. */
  beyondPromise: number;
  /**
   * The expected-loss rate beside the correct model's stored rate for the scenario
   * (campaign/reference-rates.ts); `finding` (exit 1) when it lies far above it.
   */
  expectedLossRate: ExpectedLossRate;
  /** Code probes: judged seeds that reached each probe of the catalog ({} when none were recorded). */
  probes: Record<string, number>;
  /** Kafka's own findings (driver/kafka-findings.ts): seeds labelled with each, by name. */
  kafkaFindings: Record<string, number>;
  /** The first MAX_FINDING_SEEDS seeds labelled with each finding, by name. */
  kafkaFindingSeeds: Record<string, number[]>;
  /** The campaign fails (exit 1) on a Kafka finding too (--fail-on-kafka-findings). */
  failOnKafkaFindings: boolean;
  events: number;
  virtualSeconds: number;
  /** Fold of every judged seed's (seed, hash) in seed order: equal digests, equal campaigns. */
  digest: string;
  maxViolations: number;
  checkDeterminism: boolean;
  interrupted: boolean;
  stoppedEarly: boolean;
  wallSeconds: number;
  seedsPerSecond: number;
  eventsPerSecond: number;
  exitCode: number;
  /** --guided: generation size, judged seeds that ran a mutated input, corpus entries at the end. */
  guided?: { generationSeeds: number; mutated: number; corpus: number };
}

function emptyOutcomes(): Record<SeedOutcome, number> {
  return {
    ok: 0,
    violation: 0,
    'kafka-finding': 0,
    'expected-loss': 0,
    unknown: 0,
    stuck: 0,
    crash: 0,
    nondeterminism: 0,
  };
}

/** How many seeds of each Kafka finding a summary lists. */
const MAX_FINDING_SEEDS = 100;

/** Seeds labelled with each Kafka finding: counts, and the first MAX_FINDING_SEEDS seeds. */
function countKafkaFindings(results: readonly SeedResult[]): {
  counts: Record<string, number>;
  seeds: Record<string, number[]>;
} {
  const counts: Record<string, number> = {};
  const seeds: Record<string, number[]> = {};
  for (const r of results) {
    if (r.outcome !== 'kafka-finding') continue;
    for (const name of r.kafkaFindings ?? ['unrecorded']) {
      counts[name] = (counts[name] ?? 0) + 1;
      const list = (seeds[name] ??= []);
      if (list.length < MAX_FINDING_SEEDS) list.push(r.seed);
    }
  }
  return { counts, seeds };
}

/** "divergence-below-log-start 3, zk-stale-controller-cache 1" (by name). */
function findingsList(counts: Record<string, number>): string {
  return Object.keys(counts)
    .sort()
    .map((name) => `${name} ${counts[name]}`)
    .join(', ');
}

/** The summary's line on Kafka's own findings, or null when the campaign met none. */
export function kafkaFindingsLine(s: Pick<CampaignSummary, 'outcomes' | 'kafkaFindings'>): string | null {
  const n = s.outcomes['kafka-finding'] ?? 0;
  if (n === 0) return null;
  return `  Kafka's own findings (known, not excused): ${n} — ${findingsList(s.kafkaFindings ?? {})}`;
}

export function digestOf(results: readonly SeedResult[]): string {
  const h = new EventHash();
  for (const r of results) {
    h.int(r.seed);
    h.str(r.hash);
    h.str(r.outcome);
  }
  return h.hex();
}

function exitCodeOf(
  outcomes: Record<SeedOutcome, number>,
  interrupted: boolean,
  rateFinding: boolean,
  failOnKafkaFindings: boolean,
): number {
  const failures = outcomes.violation + outcomes.stuck + outcomes.crash + outcomes.nondeterminism;
  if (failures > 0 || rateFinding) return 1;
  if (failOnKafkaFindings && outcomes['kafka-finding'] > 0) return 1;
  if (outcomes.unknown > 0 || interrupted) return 3;
  return 0;
}

export interface SummaryParts {
  scenario: string;
  variant: string;
  baseSeed: number;
  seedsRequested: number;
  shard: string | null;
  results: readonly SeedResult[];
  violations: ViolationEntry[];
  maxViolations: number;
  checkDeterminism: boolean;
  interrupted: boolean;
  stoppedEarly: boolean;
  wallMs: number;
  /** What the stored references call these inputs (reference-rates.ts drawsKey); null: none applies. */
  draws: string | null;
  /** --fail-on-kafka-findings: a Kafka finding makes the campaign exit 1 (default: counted, exit 0). */
  failOnKafkaFindings?: boolean;
}

export function buildSummary(p: SummaryParts): CampaignSummary {
  const outcomes = emptyOutcomes();
  let events = 0;
  let virtualUs = 0;
  let beyond = 0;
  const byRule: Record<string, number> = {};
  for (const r of p.results) {
    outcomes[r.outcome]++;
    events += r.events;
    virtualUs += r.endTimeUs;
    if (r.beyondPromise) beyond++;
    if (r.outcome === 'expected-loss') byRule[r.rule ?? 'unrecorded'] = (byRule[r.rule ?? 'unrecorded'] ?? 0) + 1;
  }
  const rate = compareExpectedLosses(p.draws, p.results.length, outcomes['expected-loss'], byRule);
  const wallSeconds = p.wallMs / 1000;
  const findings = countKafkaFindings(p.results);
  const failOnKafkaFindings = p.failOnKafkaFindings === true;
  return {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    scenario: p.scenario,
    variant: p.variant,
    baseSeed: p.baseSeed,
    seedsRequested: p.seedsRequested,
    shard: p.shard,
    seeds: p.results.length,
    violations: p.violations,
    outcomes,
    beyondPromise: beyond,
    expectedLossRate: rate,
    probes: countProbes(p.results),
    kafkaFindings: findings.counts,
    kafkaFindingSeeds: findings.seeds,
    failOnKafkaFindings,
    events,
    virtualSeconds: Math.round(virtualUs / 1000) / 1000,
    digest: digestOf(p.results),
    maxViolations: p.maxViolations,
    checkDeterminism: p.checkDeterminism,
    interrupted: p.interrupted,
    stoppedEarly: p.stoppedEarly,
    wallSeconds: round3(wallSeconds),
    seedsPerSecond: wallSeconds > 0 ? round3(p.results.length / wallSeconds) : 0,
    eventsPerSecond: wallSeconds > 0 ? Math.round(events / wallSeconds) : 0,
    exitCode: exitCodeOf(outcomes, p.interrupted, rate.finding, failOnKafkaFindings),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Failing results of an ordered list, cut at the Nth failure (N > 0) or complete. */
export function judgedPrefix(
  ordered: readonly SeedResult[],
  maxViolations: number,
): { prefix: SeedResult[]; failures: SeedResult[]; stoppedEarly: boolean } {
  const prefix: SeedResult[] = [];
  const failures: SeedResult[] = [];
  for (const r of ordered) {
    prefix.push(r);
    if (isFailureOutcome(r.outcome)) {
      failures.push(r);
      if (maxViolations > 0 && failures.length >= maxViolations) {
        return { prefix, failures, stoppedEarly: prefix.length < ordered.length };
      }
    }
  }
  return { prefix, failures, stoppedEarly: false };
}

// --- terminal text ------------------------------------------------------------------------------

/**
 * The campaign summary for a terminal. With the written traces (in the order of
 * s.violations), each violation gets the report's terminal story (verdict, anomaly, the
 * lost record's fate, the replay command). Every string from a run is terminal-escaped.
 */
export function formatSummary(s: CampaignSummary, traces: ReadonlyArray<Trace | null> = [], color = false): string {
  const lines: string[] = [];
  const o = s.outcomes;
  const where = `scenario ${s.scenario}, variant ${s.variant}${s.shard === null ? '' : `, shard ${s.shard}`}`;
  lines.push(
    `gregor fuzz: ${s.seeds} seed${s.seeds === 1 ? '' : 's'} judged (${where}, base seed ` +
      `${s.baseSeed})${s.interrupted ? ' — interrupted' : ''}`,
  );
  lines.push(
    `  ok ${o.ok}, violations ${o.violation}, stuck ${o.stuck}, crash ${o.crash}` +
      (o.nondeterminism > 0 || s.checkDeterminism ? `, nondeterministic ${o.nondeterminism}` : '') +
      `, unknown ${o.unknown}, expected losses (beyond Kafka's promise) ${o['expected-loss']}` +
      ((o['kafka-finding'] ?? 0) > 0 ? `, Kafka's own findings ${o['kafka-finding']}` : ''),
  );
  lines.push(
    `  ${s.events.toLocaleString('en-US')} simulated events, ${s.virtualSeconds.toFixed(0)} virtual s, ` +
      `${s.wallSeconds.toFixed(1)} s wall, ${s.seedsPerSecond.toFixed(1)} seeds/s, ` +
      `${s.eventsPerSecond.toLocaleString('en-US')} events/s`,
  );
  if (s.expectedLossRate !== undefined) lines.push(expectedLossLine(s.expectedLossRate));
  const findingsLine = kafkaFindingsLine(s);
  if (findingsLine !== null) lines.push(findingsLine);
  const probeLine = probeSummaryLine(s.probes ?? {}); // code probes never hit, if any
  if (probeLine !== null) lines.push(probeLine);
  if (s.guided !== undefined)
    lines.push(
      `  guided: ${s.guided.mutated} of ${s.seeds} seeds ran a mutated input (generations of ` +
        `${s.guided.generationSeeds} seeds, corpus ${s.guided.corpus})`,
    );
  if (s.stoppedEarly)
    lines.push(
      `  stopped at the ${ordinal(s.violations.length)} failure (--max-violations ${s.maxViolations}; 0 runs every ` +
        `seed)`,
    );
  s.violations.forEach((v, i) => {
    lines.push('');
    const trace = traces[i] ?? null;
    let story: string | undefined;
    if (trace !== null) {
      try {
        story = summarizeTrace(trace, { color, ...(v.report === null ? {} : { reportPath: v.report }) });
      } catch {
        story = undefined; // a report bug must not hide the finding
      }
    }
    if (story !== undefined) {
      lines.push(...story.split('\n').map((l) => `  ${l}`));
    } else {
      lines.push(
        `  ✗ seed ${v.seed}: ${terminalSafe(v.kind)}${v.outcome === 'violation' ? '' : ` (${v.outcome})`} — ` +
          `${terminalSafe(v.explanation)}`,
      );
      if (v.report !== null) lines.push(`    report: ${terminalSafe(v.report)}`);
      if (v.replay !== null) lines.push(`    replay: ${terminalSafe(v.replay)}`);
    }
    lines.push(
      `    counterexample: ${v.faults} fault${v.faults === 1 ? '' : 's'}, ${v.sends} sends (shrunk from ` +
        `${v.originalFaults} faults in ${v.shrinkRuns} runs)`,
    );
    lines.push(`    re-run the seed: ${v.rerun}`);
  });
  lines.push('');
  const rateOnly = s.exitCode === 1 && s.violations.length === 0 && s.expectedLossRate?.finding === true;
  const findingsOnly = s.exitCode === 1 && s.violations.length === 0 && (s.outcomes['kafka-finding'] ?? 0) > 0;
  const known =
    (s.outcomes['kafka-finding'] ?? 0) > 0 ? `, Kafka's own findings: ${findingsList(s.kafkaFindings)}` : '';
  const verdict =
    s.exitCode === 0
      ? `no violation found${known}`
      : findingsOnly && !rateOnly
        ? `Kafka's own findings (--fail-on-kafka-findings): ${findingsList(s.kafkaFindings)}`
        : rateOnly
          ? 'expected-loss rate far above the correct model: a finding'
          : s.exitCode === 1
            ? 'violation found'
            : s.interrupted
              ? 'interrupted before the end'
              : 'some verdicts unknown';
  lines.push(`result: ${verdict} (exit ${s.exitCode})`);
  return lines.join('\n');
}

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}
