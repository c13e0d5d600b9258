// A whole fuzzing campaign as `npm run fuzz` runs it: scan the seeds, shrink each reported
// failure, write its trace and report, write the campaign's files and return the summary.
// Usable as a library (bench/, tests, users' scripts); the CLI only parses flags around it.
//
// What must hold: the summary (seeds judged, failures, digest, counterexamples) is the same
// for every worker count; only wall-clock figures differ.

import type { VariantName } from '../model/config.ts';
import type { Trace } from '../checkers/trace.ts';
import { scanSeeds, type CampaignProgress } from './campaign.ts';
import { createExecutor, type Executor } from './executor.ts';
import { displayPath, writeCampaignFiles, writeViolation } from './output.ts';
import { formatShard, type SeedRange } from './seeds.ts';
import { buildSummary, type CampaignSummary, type ViolationEntry } from './summary.ts';
import { DEFAULT_DEPS_MODULE, inputFor, loadDeps } from './tasks.ts';
import type { InputPlan, SeedResult, ShrinkOutcome } from './tasks.ts';
import { DEFAULT_SHRINK_RUNS } from './shrink.ts';

export interface FuzzOptions {
  scenario: string;
  variant: VariantName;
  range: SeedRange;
  workers: number;
  maxViolations: number;
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
}

export interface FuzzOutcome {
  summary: CampaignSummary;
  results: SeedResult[];
  files: { summary: string; seeds: string; index: string };
  /** Written traces, in the order of summary.violations. */
  traces: Array<Trace | null>;
}

export function rerunCommand(
  scenario: string,
  variant: string,
  seed: number,
  scenarioFlags = `--scenario ${scenario}`,
): string {
  return `npm run fuzz -- ${scenarioFlags} --variant ${variant} --seed ${seed}`;
}

export async function runCampaign(opts: FuzzOptions): Promise<FuzzOutcome> {
  const depsModule = opts.depsModule ?? DEFAULT_DEPS_MODULE;
  // Fail fast (an internal error, not a failing seed) when the model or checkers cannot load.
  await loadDeps(depsModule);
  const executor: Executor = createExecutor(opts.workers, depsModule);
  try {
    const scan = await scanSeeds({
      scenario: opts.scenario,
      variant: opts.variant,
      range: opts.range,
      workers: opts.workers,
      maxViolations: opts.maxViolations,
      checkDeterminism: opts.checkDeterminism,
      ...(opts.input === undefined ? {} : { input: opts.input }),
      executor,
      ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
    });

    const shrinkRuns = opts.shrinkRuns ?? DEFAULT_SHRINK_RUNS;
    const violations: ViolationEntry[] = [];
    const traces: Array<Trace | null> = [];
    const interrupted = () => opts.signal?.aborted === true;
    // Shrink and trace every reported failure, in parallel on the pool, written in seed order.
    const jobs = scan.failures.map(async (f, i) => {
      if (interrupted()) return { f, shrunk: undefined, trace: undefined };
      opts.onShrink?.(i, scan.failures.length, f.seed);
      const plan = opts.input === undefined ? {} : { input: opts.input };
      const base = { scenario: opts.scenario, variant: opts.variant, seed: f.seed, ...plan };
      let shrunk: ShrinkOutcome | undefined;
      // A stuck run burns its whole event budget, and a nondeterministic one cannot be shrunk.
      if (shrinkRuns > 0 && (f.outcome === 'violation' || f.outcome === 'crash')) {
        shrunk = (await executor.run({ type: 'shrink', ...base, budgetRuns: shrinkRuns })) as ShrinkOutcome;
      }
      const input = shrunk?.input ?? inputFor(opts.scenario, f.seed, opts.input);
      const traceTask = { type: 'trace' as const, scenario: opts.scenario, variant: opts.variant, seed: f.seed, input };
      const trace = (await executor.run(traceTask)) as Trace;
      return { f, shrunk, trace };
    });
    const done = await Promise.all(jobs);
    for (const { f, shrunk, trace } of done) {
      const originalInput = inputFor(opts.scenario, f.seed, opts.input);
      let written: { trace: string; report: string; replay: string } | undefined;
      if (trace !== undefined) written = await writeViolation(opts.outDir, trace);
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
        rerun: rerunCommand(opts.scenario, opts.variant, f.seed, opts.scenarioFlags),
      });
      traces.push(trace === undefined ? null : written === undefined ? trace : { ...trace, command: written.replay });
    }

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
    });
    const files = await writeCampaignFiles(opts.outDir, summary, scan.results);
    return { summary, results: scan.results, files, traces };
  } finally {
    await executor.destroy();
  }
}

export { displayPath };
