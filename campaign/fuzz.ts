// A whole fuzzing campaign as `npm run fuzz` runs it: scan the seeds (journaling each as it
// finishes), shrink each reported failure, write its trace and report (and with `report`
// every other judged seed's), write the campaign's files and return the summary.
// Usable as a library (bench/, tests, users' scripts); the CLI only parses flags around it.
//
// What must hold: the summary (seeds judged, failures, digest, counterexamples) is the same
// for every worker count, and for a campaign resumed from its journal (`prior`) as for one run
// in one go; only wall-clock figures differ. A write that fails (a full disk) stops the scan
// like Ctrl-C; what was written and what was not is in `log`.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { VariantName } from '../model/config.ts';
import type { Trace } from '../checkers/trace.ts';
import { scanSeeds, type CampaignOptions, type CampaignProgress, type CampaignScan } from './campaign.ts';
import { scanGuided, type GuidedStats } from './guided.ts';
import { createExecutor, type Executor } from './executor.ts';
import { appendSeed, journalPath, startJournal } from './journal.ts';
import {
  displayPath,
  prepareOutDir,
  writeCampaignFiles,
  writeViolation,
  WriteLog,
  type CampaignFiles,
  type RunReport,
} from './output.ts';
import { formatShard, type SeedRange } from './seeds.ts';
import type { ScenarioInput } from '../scenarios/input.ts';
import { buildSummary, type CampaignSummary, type ViolationEntry } from './summary.ts';
import { drawsKey } from './reference-rates.ts';
import {
  DEFAULT_DEPS_MODULE,
  inputFor,
  isFailureOutcome,
  loadDeps,
  type InputPlan,
  type SeedResult,
  type ShrinkOutcome,
} from './tasks.ts';
import { DEFAULT_SHRINK_RUNS } from './shrink.ts';

export interface FuzzOptions {
  scenario: string;
  variant: VariantName;
  range: SeedRange;
  workers: number;
  maxViolations: number;
  /** --fail-on-kafka-findings: a seed labelled with a Kafka finding makes the campaign exit 1. */
  failOnKafkaFindings?: boolean;
  checkDeterminism: boolean;
  outDir: string;
  /** Inputs other than the scenario's own draws (--scenario-file, the shape knobs). */
  input?: InputPlan;
  /** The flags that choose the inputs, for the re-run command (default `--scenario NAME`). */
  scenarioFlags?: string;
  /** Simulation runs allowed per shrink (0 = do not shrink). */
  shrinkRuns?: number;
  depsModule?: string;
  signal?: AbortSignal;
  onProgress?: (p: CampaignProgress) => void;
  /** Called before each failure is shrunk and written. */
  onShrink?: (index: number, count: number, seed: number) => void;
  /** Also write the trace and report of every judged seed that is not a reported failure. */
  report?: boolean;
  /** Seeds judged by the interrupted run this one resumes (its journal), by seed. */
  prior?: ReadonlyMap<number, SeedResult>;
  /** --guided: mutate the inputs of seeds that reached rare code probes (campaign/guided.ts). */
  guided?: boolean;
}

export interface FuzzOutcome {
  summary: CampaignSummary;
  results: SeedResult[];
  files: CampaignFiles;
  /** Written traces, in the order of summary.violations. */
  traces: Array<Trace | null>;
  /** Seeds written with `report` (not reported failures). */
  runReports: RunReport[];
  /** Every file written, and every write that failed. */
  log: WriteLog;
}

function rerunCommand(
  scenario: string,
  variant: string,
  seed: number,
  scenarioFlags = `--scenario ${scenario}`,
): string {
  return `npm run fuzz -- ${scenarioFlags} --variant ${variant} --seed ${seed}`;
}

/** What the journal's first line records of a campaign, so `--resume` runs it as it was begun. */
function journalHeader(opts: FuzzOptions, shrinkRuns: number): Parameters<typeof startJournal>[1] {
  return {
    scenario: opts.scenario,
    variant: opts.variant,
    range: opts.range,
    maxViolations: opts.maxViolations,
    checkDeterminism: opts.checkDeterminism,
    shrinkRuns,
    report: opts.report === true,
    ...(opts.input === undefined ? {} : { input: opts.input }),
    ...(opts.scenarioFlags === undefined ? {} : { scenarioFlags: opts.scenarioFlags }),
    ...(opts.guided === true ? { guided: true } : {}),
    ...(opts.failOnKafkaFindings === true ? { failOnKafkaFindings: true } : {}),
  };
}

export async function runCampaign(opts: FuzzOptions): Promise<FuzzOutcome> {
  const depsModule = opts.depsModule ?? DEFAULT_DEPS_MODULE;
  // Fail fast (an internal error, not a failing seed) when the model or checkers cannot load.
  await loadDeps(depsModule);
  prepareOutDir(opts.outDir);
  const log = new WriteLog();
  const journal = journalPath(opts.outDir, opts.range);
  // Ctrl-C and a failed journal write both end the scan with what finished.
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (opts.signal?.aborted === true) stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const journalFailed = (err: unknown) => {
    log.fail(journal, err);
    stop.abort();
  };
  const shrinkRuns = opts.shrinkRuns ?? DEFAULT_SHRINK_RUNS;
  let journaled = 0;
  try {
    // Resuming in place appends to the interrupted run's journal: rewriting it could lose it to a still-full disk.
    if (opts.prior !== undefined && existsSync(journal)) journaled = opts.prior.size;
    else {
      startJournal(journal, journalHeader(opts, shrinkRuns));
      for (const r of [...(opts.prior?.values() ?? [])].sort((a, b) => a.seed - b.seed)) {
        appendSeed(journal, r);
        journaled++;
      }
    }
  } catch (err) {
    journalFailed(err);
  }
  const executor: Executor = createExecutor(opts.workers, depsModule);
  try {
    const scanOpts: CampaignOptions = {
      scenario: opts.scenario,
      variant: opts.variant,
      range: opts.range,
      workers: opts.workers,
      maxViolations: opts.maxViolations,
      checkDeterminism: opts.checkDeterminism,
      ...(opts.input === undefined ? {} : { input: opts.input }),
      executor,
      signal: stop.signal,
      onResult: (r: SeedResult) => {
        if (stop.signal.aborted) return;
        try {
          appendSeed(journal, r);
          journaled++;
        } catch (err) {
          journalFailed(err);
        }
      },
      ...(opts.prior === undefined ? {} : { prior: opts.prior }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    };
    const { scan, guided } = await scanOf(scanOpts, opts.guided === true, opts.report === true);
    if (journaled > 0) log.written.push(`${displayPath(journal)} (${journaled} seeds)`);
    const interrupted = () => stop.signal.aborted;
    const inputs = guided?.inputs ?? new Map<number, ScenarioInput>();
    const failed = { failures: scan.failures, inputs };
    const { violations, traces } = await reportFailures(opts, failed, executor, shrinkRuns, interrupted, log);
    const wantReports = opts.report === true && !interrupted();
    const runReports = wantReports ? await reportRuns(opts, scan.results, inputs, executor, log) : [];

    const summary = buildSummary({
      scenario: opts.scenario,
      variant: opts.variant,
      baseSeed: opts.range.baseSeed,
      seedsRequested: opts.range.count,
      shard: formatShard(opts.range.shard),
      results: scan.results,
      violations,
      maxViolations: opts.maxViolations,
      checkDeterminism: opts.checkDeterminism,
      interrupted: scan.interrupted || interrupted(),
      stoppedEarly: scan.stoppedEarly,
      // Rates measure the scan; shrinking and writing come after it.
      wallMs: scan.wallMs,
      draws: drawsKey(opts.scenario, opts.input, opts.guided === true),
      failOnKafkaFindings: opts.failOnKafkaFindings === true,
    });
    if (guided !== undefined) summary.guided = guided.stats;
    const files = writeCampaignFiles(opts.outDir, summary, scan.results, { log, runReports });
    return { summary, results: scan.results, files, traces, runReports, log };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await executor.destroy();
  }
}

/** Runs the scan, guided or not; a guided one also returns its mutated inputs and figures. */
async function scanOf(
  scanOpts: CampaignOptions,
  guided: boolean,
  keepInputs: boolean,
): Promise<{ scan: CampaignScan; guided?: { inputs: Map<number, ScenarioInput>; stats: GuidedStats } }> {
  if (!guided) return { scan: await scanSeeds(scanOpts) };
  const g = await scanGuided({ ...scanOpts, keepInputs });
  return { scan: g, guided: { inputs: g.inputs, stats: g.stats } };
}

/** Shrinks and traces every reported failure, in parallel on the pool, written in seed order. */
async function reportFailures(
  opts: FuzzOptions,
  failed: { failures: readonly SeedResult[]; inputs: ReadonlyMap<number, ScenarioInput> },
  executor: Executor,
  shrinkRuns: number,
  interrupted: () => boolean,
  log: WriteLog,
): Promise<{ violations: ViolationEntry[]; traces: Array<Trace | null> }> {
  const violations: ViolationEntry[] = [];
  const traces: Array<Trace | null> = [];
  const { failures, inputs } = failed;
  const planOf = (seed: number): InputPlan | undefined => {
    const mutated = inputs.get(seed);
    return mutated === undefined ? opts.input : { kind: 'fixed', input: mutated };
  };
  const jobs = failures.map(async (f, i) => {
    if (interrupted()) return { f, shrunk: undefined, trace: undefined };
    opts.onShrink?.(i, failures.length, f.seed);
    const seedPlan = planOf(f.seed);
    const plan = seedPlan === undefined ? {} : { input: seedPlan };
    const base = { scenario: opts.scenario, variant: opts.variant, seed: f.seed, ...plan };
    let shrunk: ShrinkOutcome | undefined;
    // A stuck run burns its whole event budget, and a nondeterministic one cannot be shrunk.
    if (shrinkRuns > 0 && (f.outcome === 'violation' || f.outcome === 'crash')) {
      shrunk = (await executor.run({ type: 'shrink', ...base, budgetRuns: shrinkRuns })) as ShrinkOutcome;
    }
    const input = shrunk?.input ?? inputFor(opts.scenario, f.seed, seedPlan);
    const trace = (await executor.run({ type: 'trace', ...base, input })) as Trace;
    return { f, shrunk, trace };
  });
  for (const { f, shrunk, trace } of await Promise.all(jobs)) {
    const originalInput = inputFor(opts.scenario, f.seed, planOf(f.seed));
    const written = trace === undefined ? undefined : writeViolation(opts.outDir, trace, log);
    // A mutated input is no scenario's draw: its re-run runs the input, written next to the trace.
    const rerunFlags = inputs.has(f.seed) ? writeMutatedInput(opts, f.seed, originalInput, log) : opts.scenarioFlags;
    const final = shrunk?.result ?? f;
    const input = shrunk?.input ?? originalInput;
    violations.push({
      seed: f.seed,
      kind: final.kind ?? f.kind ?? f.outcome,
      outcome: f.outcome,
      explanation: final.explanation ?? f.explanation ?? '',
      faults: input.faults.length,
      originalFaults: originalInput.faults.length,
      sends: input.workload.sends,
      shrinkRuns: shrunk?.runs ?? 0,
      trace: written?.trace ?? null,
      report: written?.report ?? null,
      replay: written?.replay ?? null,
      rerun: rerunCommand(opts.scenario, opts.variant, f.seed, rerunFlags),
    });
    traces.push(trace === undefined ? null : written === undefined ? trace : { ...trace, command: written.replay });
  }
  return { violations, traces };
}

/** --report: the trace and report of every judged seed that is not a failure (shown as it ran, unshrunk). */
async function reportRuns(
  opts: FuzzOptions,
  results: readonly SeedResult[],
  inputs: ReadonlyMap<number, ScenarioInput>,
  executor: Executor,
  log: WriteLog,
): Promise<RunReport[]> {
  const runs = results.filter((r) => !isFailureOutcome(r.outcome));
  const traces = await Promise.all(
    runs.map(async (r) => {
      const input = inputs.get(r.seed) ?? inputFor(opts.scenario, r.seed, opts.input);
      const task = { type: 'trace' as const, scenario: opts.scenario, variant: opts.variant, seed: r.seed, input };
      return (await executor.run(task)) as Trace;
    }),
  );
  const out: RunReport[] = [];
  for (const trace of traces) {
    const written = writeViolation(opts.outDir, trace, log);
    if (written !== undefined) out.push({ seed: trace.seed, report: written.report, trace: written.trace });
  }
  return out;
}

/** Writes a guided seed's mutated (unshrunk) input as a scenario file; the flags that re-run it. */
function writeMutatedInput(opts: FuzzOptions, seed: number, input: ScenarioInput, log: WriteLog): string | undefined {
  const path = displayPath(join(opts.outDir, `${opts.scenario}-${opts.variant}-seed-${seed}.input.json`));
  return log.write(path, `${JSON.stringify(input, null, 2)}\n`) ? `--scenario-file ${path}` : opts.scenarioFlags;
}
