// A fuzzing campaign: runs the seeds of a range (or of one shard of it) on an executor,
// puts the results back in seed order, and stops after the first N failures.
//
// What must hold (issue 5):
// - The result does not depend on the worker count: only the longest prefix of seeds that
//   have all completed is ever judged, and with --max-violations N the campaign ends at the
//   Nth failure of that prefix. So the failures reported are always those of the
//   lowest-numbered failing seeds, and "seeds run" is the same number for 1 or 8 workers.
// - A failure of the harness itself (a worker that dies) becomes a `crash` result of that
//   seed; the campaign goes on.
// - An abort (Ctrl-C) ends the campaign with what finished.
// - Seeds already judged by an earlier, interrupted run (`prior`, from its journal) are not run
//   again: they take their place in seed order as if just finished, so a resumed campaign
//   judges exactly what an uninterrupted one would.

import type { VariantName } from '../model/config.ts';
import { createExecutor, type Executor } from './executor.ts';
import { seedAt, shardPositions, shardSize, type SeedRange } from './seeds.ts';
import { DEFAULT_DEPS_MODULE, isFailureOutcome, type InputPlan, type SeedResult, type SeedTask } from './tasks.ts';

export interface CampaignOptions {
  scenario: string;
  variant: VariantName;
  range: SeedRange;
  workers: number;
  /** Stop after this many failures (0 = never stop early). */
  maxViolations: number;
  checkDeterminism: boolean;
  /** Inputs other than the scenario's own draws (--scenario-file, the shape knobs). */
  input?: InputPlan;
  depsModule?: string;
  /** Reuse an executor (the caller destroys it). */
  executor?: Executor;
  onProgress?: (p: CampaignProgress) => void;
  /** Aborting ends the campaign with the seeds that finished (Ctrl-C). */
  signal?: AbortSignal;
  /** Results of seeds judged before (--resume), by seed. */
  prior?: ReadonlyMap<number, SeedResult>;
  /** Called with each seed this scan runs, as it finishes (the journal); not for prior seeds. */
  onResult?: (r: SeedResult) => void;
  /** A seed's own input plan, instead of `input` (guided campaigns: campaign/guided.ts). */
  inputOf?: (seed: number) => InputPlan | undefined;
  /**
   * Seeds per task sent to the executor, fixed (default: the adaptive size of batchSize).
   * Results are the same for every batch size and worker count; batches only save a worker
   * pool its per-task messages.
   */
  batchSeeds?: number;
}

/** The most seeds one pool task carries: its round trip is then negligible beside its runs. */
const MAX_BATCH_SEEDS = 16;
/** Pool tasks per worker that the seeds not yet sent are cut into, at the least. */
const TASKS_PER_WORKER = 4;

/**
 * Seeds in the next task: one in this thread (no messages to save); on a pool, guided
 * self-scheduling (Polychronopoulos and Kuck, 1987): a share of the seeds not yet sent,
 * `remaining / (workers × TASKS_PER_WORKER)`, at most MAX_BATCH_SEEDS and at least one. Long
 * campaigns run full batches; the last tasks shrink to single seeds, so no worker idles at
 * the end while another runs a long batch, and progress stays smooth.
 */
export function batchSize(remaining: number, workers: number, fixed?: number): number {
  if (fixed !== undefined) return fixed;
  if (workers <= 1) return 1;
  return Math.max(1, Math.min(MAX_BATCH_SEEDS, Math.floor(remaining / (workers * TASKS_PER_WORKER))));
}

export interface CampaignProgress {
  /** Seeds completed (in any order). */
  completed: number;
  /** Seeds this campaign (shard) would run in all. */
  total: number;
  /** Failures among completed seeds. */
  failures: number;
  events: number;
  elapsedMs: number;
}

export interface CampaignScan {
  /** Results of the judged prefix, in seed order. */
  results: SeedResult[];
  /** Failing results of the prefix, lowest seeds first (at most maxViolations when > 0). */
  failures: SeedResult[];
  /** Seeds this shard would run in all. */
  total: number;
  interrupted: boolean;
  /** Ended at the Nth failure before running every seed. */
  stoppedEarly: boolean;
  wallMs: number;
}

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: closures share the in-flight, abort and order state
export async function scanSeeds(opts: CampaignOptions): Promise<CampaignScan> {
  const started = Date.now();
  const total = shardSize(opts.range);
  const executor = opts.executor ?? createExecutor(opts.workers, opts.depsModule ?? DEFAULT_DEPS_MODULE);
  const positions = shardPositions(opts.range);
  const maxInFlight = Math.max(1, executor.workers * 2);
  const results: (SeedResult | undefined)[] = [];
  const controllers = new Map<number, AbortController>();
  let nextK = 0;
  let frontier = 0; // results[0..frontier) all present
  let prefixFailures = 0;
  let completed = 0;
  let failuresCompleted = 0;
  let events = 0;
  let stopped = false;
  let interrupted = false;
  let stoppedEarly = false;

  try {
    await new Promise<void>((resolve) => {
      const finish = () => {
        if (stopped) return;
        stopped = true;
        for (const c of controllers.values()) c.abort();
        resolve();
      };
      const onAbort = () => {
        interrupted = true;
        finish();
      };
      if (opts.signal?.aborted === true) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const dispatch = () => {
        while (!stopped && controllers.size < maxInFlight && nextK < total) {
          // The next batch: up to `batch` consecutive seeds not judged before (--resume).
          const ks: number[] = [];
          const tasks: SeedTask[] = [];
          const batch = batchSize(total - nextK, executor.workers, opts.batchSeeds);
          while (ks.length < batch && nextK < total) {
            const k = nextK++;
            const seed = seedAt(opts.range, positions.next().value as number);
            const known = opts.prior?.get(seed);
            if (known !== undefined) {
              if (record(k, known)) return;
              continue;
            }
            const task: SeedTask = {
              type: 'seed',
              scenario: opts.scenario,
              variant: opts.variant,
              seed,
              checkDeterminism: opts.checkDeterminism,
            };
            const plan = opts.inputOf?.(seed) ?? opts.input;
            if (plan !== undefined) task.input = plan;
            ks.push(k);
            tasks.push(task);
          }
          if (ks.length === 0) continue;
          const id = ks[0];
          const controller = new AbortController();
          controllers.set(id, controller);
          const one = tasks.length === 1;
          executor.run(one ? tasks[0] : { type: 'seeds', tasks }, controller.signal).then(
            (r) => settleAll(id, ks, one ? [r as SeedResult] : (r as SeedResult[])),
            (err: unknown) => {
              if (stopped || controller.signal.aborted) {
                controllers.delete(id);
                return;
              }
              settleAll(
                id,
                ks,
                tasks.map((t) => harnessCrash(t.seed, err)),
              );
            },
          );
        }
        if (!stopped && controllers.size === 0 && nextK >= total) finish();
      };

      /** A batch finished: its seeds' results in order, then the next batches. */
      const settleAll = (id: number, ks: readonly number[], rs: readonly SeedResult[]) => {
        controllers.delete(id);
        for (let i = 0; i < ks.length; i++) {
          if (stopped) return;
          opts.onResult?.(rs[i]);
          if (record(ks[i], rs[i])) return;
        }
        if (!stopped) dispatch();
      };

      /** Puts a finished seed in place; true when the campaign has ended. */
      const record = (k: number, r: SeedResult): boolean => {
        results[k] = r;
        completed++;
        events += r.events;
        if (isFailureOutcome(r.outcome)) failuresCompleted++;
        while (frontier < total && results[frontier] !== undefined) {
          if (isFailureOutcome(results[frontier]!.outcome)) prefixFailures++;
          frontier++;
          if (opts.maxViolations > 0 && prefixFailures >= opts.maxViolations) break;
        }
        opts.onProgress?.({ completed, total, failures: failuresCompleted, events, elapsedMs: Date.now() - started });
        if (opts.maxViolations > 0 && prefixFailures >= opts.maxViolations) {
          stoppedEarly = frontier < total;
          finish();
          return true;
        }
        return false;
      };

      dispatch();
    });
  } finally {
    if (opts.executor === undefined) await executor.destroy();
  }

  const prefix = results.slice(0, frontier) as SeedResult[];
  let failures = prefix.filter((r) => isFailureOutcome(r.outcome));
  if (opts.maxViolations > 0) failures = failures.slice(0, opts.maxViolations);
  return { results: prefix, failures, total, interrupted, stoppedEarly, wallMs: Date.now() - started };
}

function harnessCrash(seed: number, err: unknown): SeedResult {
  const message = err instanceof Error ? err.message : String(err);
  return {
    seed,
    outcome: 'crash',
    kind: 'crash',
    explanation: `Seed ${seed}: the worker running it failed: ${message}`,
    hash: '',
    events: 0,
    endTimeUs: 0,
    beyondPromise: false,
    faults: 0,
    faultsFired: 0,
    wallMs: 0,
  };
}
