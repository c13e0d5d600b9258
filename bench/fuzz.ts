// bench/fuzz: seeds per second and simulated events per second of the fuzzer on the standard
// scenario (3 brokers, RF 3, one partition, 200 sends, 2 consumers, swarm faults; the
// `standard` scenario of scenarios/named.ts), with 1 worker (in this thread) and with 2
// worker threads, measured side by side in one run. Each configuration first warms up (JIT,
// and each worker thread loading tsx and the model), then runs the same seeds; the two must
// give the same digest. The last line is `events/s: X` for one core. With `--controllers N`
// the standard scenario runs with N KRaft controller voters (it draws 3; 1 is the single
// controller of earlier sessions), to compare the cost of the quorum; `--combined` runs the
// voters in combined mode (on brokers 1..N, one process with both roles).
//
// Targets (issue 5): ≥ 1,000,000 simulated events/s on one core; 2 workers ≥ 1.8× one.
// Usage: npx tsx bench/fuzz.ts [--seeds N] [--warmup W] [--base-seed B] [--controllers 1|3|5] [--combined]
//   (default: 600 measured seeds from seed 1 after W = 250 warm-up seeds per worker)
// The load average is printed: on a shared machine other processes take cores too.

import { availableParallelism, loadavg } from 'node:os';
import { createExecutor } from '../campaign/executor.ts';
import { scanSeeds } from '../campaign/campaign.ts';
import { digestOf } from '../campaign/summary.ts';
import { DEFAULT_DEPS_MODULE, type InputPlan } from '../campaign/tasks.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

const seeds = arg('seeds', 600);
const warmup = arg('warmup', 250);
const baseSeed = arg('base-seed', 1);
const SCENARIO = 'standard';
const controllers = arg('controllers', 3);
if (controllers !== 1 && controllers !== 3 && controllers !== 5) throw new Error('--controllers must be 1, 3 or 5');
const combined = process.argv.includes('--combined');
const input: InputPlan = { kind: 'overrides', overrides: combined ? { controllers, combined } : { controllers } };

interface Figures {
  workers: number;
  seeds: number;
  events: number;
  wallS: number;
  seedsPerS: number;
  eventsPerS: number;
  digest: string;
  outcomes: Record<string, number>;
}

async function measure(workers: number): Promise<Figures> {
  const executor = createExecutor(workers, DEFAULT_DEPS_MODULE);
  try {
    // Warm-up on other seeds: every worker thread loading tsx and the model, and the JIT
    // (the model reaches its steady speed after a couple of hundred runs per thread).
    await scanSeeds({
      scenario: SCENARIO,
      variant: 'correct',
      range: { baseSeed: 1_000_000, count: warmup * workers },
      input,
      workers,
      maxViolations: 0,
      checkDeterminism: false,
      executor,
    });
    const started = process.hrtime.bigint();
    const scan = await scanSeeds({
      scenario: SCENARIO,
      variant: 'correct',
      range: { baseSeed, count: seeds },
      input,
      workers,
      maxViolations: 0,
      checkDeterminism: false,
      executor,
    });
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    const events = scan.results.reduce((a, r) => a + r.events, 0);
    const outcomes: Record<string, number> = {};
    for (const r of scan.results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    return {
      workers,
      seeds: scan.results.length,
      events,
      wallS,
      seedsPerS: scan.results.length / wallS,
      eventsPerS: events / wallS,
      digest: digestOf(scan.results),
      outcomes,
    };
  } finally {
    await executor.destroy();
  }
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
console.log(
  `bench/fuzz: scenario ${SCENARIO} (3 brokers, RF 3, 1 partition, 200 sends, 2 consumers, swarm faults, ` +
    `${controllers} controller voter${controllers === 1 ? '' : 's'}${combined ? ', combined mode' : ''}), seeds ` +
    `${baseSeed}..${baseSeed + seeds - 1}, ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(2)}`,
);
const one = await measure(1);
console.log(
  `1 worker : ${one.seeds} seeds in ${one.wallS.toFixed(2)} s — ${one.seedsPerS.toFixed(1)} seeds/s, ` +
    `${fmt(one.eventsPerS)} events/s (${fmt(one.events / one.seeds)} events/seed) ${JSON.stringify(one.outcomes)}`,
);
const two = await measure(2);
console.log(
  `2 workers: ${two.seeds} seeds in ${two.wallS.toFixed(2)} s — ${two.seedsPerS.toFixed(1)} seeds/s, ` +
    `${fmt(two.eventsPerS)} events/s`,
);
const speedup = two.eventsPerS / one.eventsPerS;
console.log(`load average now ${loadavg()[0].toFixed(2)}`);
console.log(
  `2 workers / 1 worker: ${speedup.toFixed(2)}× (target ≥ ` +
    `1.8×)${two.digest === one.digest ? '' : ' — DIGESTS DIFFER: results depend on the worker count!'}`,
);
console.log(
  `one core: ${fmt(one.eventsPerS)} simulated events/s (target ≥ 1,000,000: ` +
    `${one.eventsPerS >= 1_000_000 ? 'met' : 'not met'})`,
);
console.log(`events/s: ${Math.round(one.eventsPerS)}`);
if (two.digest !== one.digest) process.exitCode = 1;
