// Guided campaigns (`npm run fuzz -- --guided`, issue 18 item 2): seeds whose runs reached
// rare code probes (model/code-probes.ts) are worth more than others, so their inputs go into
// a corpus, and about half of the later seeds run a mutation of a corpus entry
// (scenarios/mutate.ts: shift a trigger, change a target, add or drop a fault, swap a fault
// kind) instead of the scenario's fresh draw. The seed still drives the simulation's
// randomness; a mutated seed's input is recorded in its trace like any other, so it replays
// and shrinks like any other.
//
// What must hold:
// - Deterministic, and the same for every worker count: the seeds run in generations of
//   GENERATION_SEEDS (of the shard's seeds, in seed order); the inputs of generation g depend
//   only on the results of generations 0..g-1, taken in seed order, and on the seeds
//   themselves. A resumed campaign (--resume, `prior`) recomputes the same inputs from the
//   journal's results and runs only what is missing.
// - A seed is fresh or mutated by a hash of its number; its parent and its mutations by more
//   hashes of it, weighted by how rare the parent's probes still are. No other randomness.
// - The corpus is bounded (CORPUS_MAX entries); the entry whose probes have become the most
//   common leaves first.

import type { ScenarioInput } from '../scenarios/input.ts';
import { mutateInput } from '../scenarios/mutate.ts';
import { SWARM_MAX_FAULTS } from '../scenarios/named.ts';
import { decodeProbeSet } from '../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../model/code-probes.ts';
import { scanSeeds, type CampaignOptions, type CampaignScan } from './campaign.ts';
import { createExecutor } from './executor.ts';
import { seedAt, shardPositions, shardSize, type SeedRange } from './seeds.ts';
import { DEFAULT_DEPS_MODULE, inputFor, isFailureOutcome, type InputPlan, type SeedResult } from './tasks.ts';

/** Seeds per generation: the corpus is updated between generations. */
export const GENERATION_SEEDS = 100;
/** Corpus entries kept at most. */
const CORPUS_MAX = 200;
/** A probe is rare while at most this share of the seeds so far reached it (and always at ≤ RARE_MIN seeds). */
const RARE_SHARE = 0.02;
const RARE_MIN = 3;

interface CorpusEntry {
  seed: number;
  input: ScenarioInput;
  /** The rare probes it reached when it was admitted. */
  rare: string[];
}

export interface GuidedStats {
  generationSeeds: number;
  /** Judged seeds that ran a mutated input. */
  mutated: number;
  /** Corpus entries at the end. */
  corpus: number;
}

/**
 * The corpus and the choice of each seed's input. `plan(seeds)` gives the mutated inputs of
 * one generation; `admit(results, mutated)` feeds that generation's results back, in seed order.
 */
export class GuidedPlanner {
  private readonly counts = new Map<string, number>();
  private seen = 0;
  private readonly corpus: CorpusEntry[] = [];

  constructor(
    private readonly scenario: string,
    private readonly base: InputPlan | undefined,
    private readonly maxFaults: number = SWARM_MAX_FAULTS,
  ) {}

  get corpusSize(): number {
    return this.corpus.length;
  }

  /** Inputs of the seeds that run a mutation (the others run the scenario's own draw). */
  plan(seeds: readonly number[]): Map<number, ScenarioInput> {
    const out = new Map<number, ScenarioInput>();
    if (this.corpus.length === 0) return out;
    const weights = this.corpus.map((e) => this.weightOf(e));
    const totalWeight = weights.reduce((a, b) => a + b, 0);
    for (const seed of seeds) {
      if (hash32(seed, 1) % 2 === 0) continue; // a fresh draw
      let pick = hash32(seed, 2) % totalWeight;
      let i = 0;
      while (pick >= weights[i]) pick -= weights[i++];
      out.set(seed, mutateInput(this.corpus[i].input, hash32(seed, 3) | 0, this.maxFaults).input);
    }
    return out;
  }

  /** A finished generation's results, in seed order, with the mutated inputs it ran. */
  admit(results: readonly SeedResult[], mutated: ReadonlyMap<number, ScenarioInput>): void {
    const hits = results.map((r) => (r.codeProbes === undefined ? [] : decodeProbeSet(CODE_PROBE_NAMES, r.codeProbes)));
    for (const names of hits) for (const n of names) this.counts.set(n, (this.counts.get(n) ?? 0) + 1);
    this.seen += results.length;
    const threshold = Math.max(RARE_MIN, Math.ceil(this.seen * RARE_SHARE));
    results.forEach((r, k) => {
      const rare = hits[k].filter((n) => (this.counts.get(n) ?? 0) <= threshold);
      if (rare.length === 0) return;
      const input = mutated.get(r.seed) ?? inputFor(this.scenario, r.seed, this.base);
      this.corpus.push({ seed: r.seed, input, rare });
    });
    while (this.corpus.length > CORPUS_MAX) {
      let low = 0;
      let lowWeight = Infinity;
      this.corpus.forEach((e, i) => {
        const w = this.weightOf(e);
        if (w < lowWeight) {
          low = i;
          lowWeight = w;
        }
      });
      this.corpus.splice(low, 1);
    }
  }

  /** How much an entry is worth now: its rare probes, each by how few seeds have reached it. */
  private weightOf(e: CorpusEntry): number {
    let w = 0;
    for (const n of e.rare) w += 1000 / Math.max(1, this.counts.get(n) ?? 1);
    return Math.max(1, Math.floor(w));
  }
}

/** A 32-bit hash of a seed (any safe integer) and a salt: splitmix-style mixing. */
function hash32(seed: number, salt: number): number {
  let h = (seed % 0x1_0000_0000) ^ Math.imul(Math.floor(seed / 0x1_0000_0000), 0x9e3779b1);
  h = Math.imul(h ^ Math.imul(salt, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The seeds of one generation: positions [first, first+len) of the shard's seeds, as a range of their own. */
function generationRange(range: SeedRange, first: number, len: number): SeedRange {
  const step = range.shard?.count ?? 1;
  const offset = (range.shard?.index ?? 1) - 1;
  const baseSeed = seedAt(range, offset + step * first);
  return step === 1
    ? { baseSeed, count: len }
    : { baseSeed, count: step * (len - 1) + 1, shard: { index: 1, count: step } };
}

export interface GuidedScan extends CampaignScan {
  /** The mutated inputs of the failures (of every judged seed, with keepInputs), by seed. */
  inputs: Map<number, ScenarioInput>;
  stats: GuidedStats;
}

/** A guided scan: scanSeeds generation by generation, the planner choosing each generation's inputs. */
export async function scanGuided(opts: CampaignOptions & { keepInputs?: boolean }): Promise<GuidedScan> {
  const started = Date.now();
  const total = shardSize(opts.range);
  const executor = opts.executor ?? createExecutor(opts.workers, opts.depsModule ?? DEFAULT_DEPS_MODULE);
  const planner = new GuidedPlanner(opts.scenario, opts.input);
  const results: SeedResult[] = [];
  const failures: SeedResult[] = [];
  const inputs = new Map<number, ScenarioInput>();
  let mutatedJudged = 0;
  let events = 0;
  let failuresCompleted = 0;
  let interrupted = false;
  let stoppedEarly = false;
  try {
    for (let first = 0; first < total; first += GENERATION_SEEDS) {
      const len = Math.min(GENERATION_SEEDS, total - first);
      const range = generationRange(opts.range, first, len);
      const seeds = [...shardPositions(range)].map((p) => seedAt(range, p));
      const mutated = planner.plan(seeds);
      const scan = await scanSeeds({
        ...opts,
        range,
        executor,
        maxViolations: opts.maxViolations > 0 ? opts.maxViolations - failures.length : 0,
        inputOf: (seed) => {
          const input = mutated.get(seed);
          return input === undefined ? undefined : { kind: 'fixed', input };
        },
        onProgress: (p) =>
          opts.onProgress?.({
            completed: first + p.completed,
            total,
            failures: failuresCompleted + p.failures,
            events: events + p.events,
            elapsedMs: Date.now() - started,
          }),
      });
      results.push(...scan.results);
      failures.push(...scan.failures);
      for (const r of scan.results) {
        events += r.events;
        if (isFailureOutcome(r.outcome)) failuresCompleted++;
        const input = mutated.get(r.seed);
        if (input === undefined) continue;
        mutatedJudged++;
        if (opts.keepInputs === true || isFailureOutcome(r.outcome)) inputs.set(r.seed, input);
      }
      if (scan.interrupted) {
        interrupted = true;
        break;
      }
      if (opts.maxViolations > 0 && failures.length >= opts.maxViolations) {
        stoppedEarly = results.length < total;
        break;
      }
      planner.admit(scan.results, mutated);
    }
  } finally {
    if (opts.executor === undefined) await executor.destroy();
  }
  const stats = { generationSeeds: GENERATION_SEEDS, mutated: mutatedJudged, corpus: planner.corpusSize };
  return { results, failures, total, interrupted, stoppedEarly, wallMs: Date.now() - started, inputs, stats };
}
