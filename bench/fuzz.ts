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
// Two more figures (issue 18 item 5), each measured side by side in this run:
// - `pool efficiency: X`: the 2-worker pool's events/s over the sum of what 2 independent
//   single-threaded processes reach running the same seeds (half each) at the same time on
//   this machine (each `--solo`, warmed up like the pool). Target ≥ 0.95: what the pool costs
//   beyond the machine's own scaling (seeds are batched per task, campaign/campaign.ts).
// - `model/bare-loop ratio: X`: the model's events/s on the standard scenario in this thread
//   (CPU time, runScenario on the measured seeds) over the bare binary-heap loop's
//   (bench/bare-loop.ts, population BARE_POPULATION) run right next to it, the median of the
//   per-round ratios. Target ≥ 0.25.
//
// Targets (issue 5): ≥ 1,000,000 simulated events/s on one core; 2 workers ≥ 1.8× one.
// Usage: npx tsx bench/fuzz.ts [--seeds N] [--warmup W] [--base-seed B] [--controllers 1|3|5] [--combined]
//   [--rounds R] [--batch S]
//   (default: 600 measured seeds from seed 1 after W = 250 warm-up seeds per worker, R = 5 rounds
//   of the model against the bare loop)
// The load average is printed: on a shared machine other processes take cores too.

import { spawn } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deps } from '../driver/default-deps.ts';
import { runScenario } from '../driver/run.ts';
import { inputFor } from '../campaign/tasks.ts';
import { cpuMs, median, runBare } from './bare-loop.ts';
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
const rounds = arg('rounds', 5);
/** --batch N: seeds per pool task (default: the campaign's own, campaign/campaign.ts); 1 = before batching. */
const batchIndex = process.argv.indexOf('--batch');
const batchSeeds = batchIndex === -1 ? undefined : arg('batch', 1);
/** The bare loop's standing population: about the model's event queue on the standard scenario. */
const BARE_POPULATION = 64;

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

async function measure(workers: number, range = { baseSeed, count: seeds }): Promise<Figures> {
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
      range,
      input,
      workers,
      ...(batchSeeds === undefined ? {} : { batchSeeds }),
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

/** --solo: one single-threaded measurement of a seed range, as one JSON line (for the pool-efficiency figure). */
if (process.argv.includes('--solo')) {
  const f = await measure(1);
  console.log(JSON.stringify({ events: f.events, wallS: f.wallS }));
  process.exit(0);
}

/** N independent single-threaded processes side by side, each on 1/N of the seeds: their summed events/s. */
async function sideBySide(n: number): Promise<number> {
  const script = fileURLToPath(import.meta.url);
  const per = Math.floor(seeds / n);
  const runs = Array.from({ length: n }, (_, i) => {
    const args = ['--import', 'tsx', script, '--solo', '--seeds', String(per), '--warmup', String(warmup)];
    args.push('--base-seed', String(baseSeed + i * per), '--controllers', String(controllers));
    return new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.on('error', reject);
      child.on('close', () => {
        const last = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { events?: number; wallS?: number };
        if (last.events === undefined || last.wallS === undefined) reject(new Error(`--solo printed ${out}`));
        else resolve(last.events / last.wallS);
      });
    });
  });
  return (await Promise.all(runs)).reduce((a, b) => a + b, 0);
}

/** The model on the measured seeds in this thread (CPU time) against the bare loop, round by round. */
function modelAgainstBare(): { model: number; bare: number; ratio: number } {
  const inputs = Array.from({ length: Math.min(seeds, 200) }, (_, i) => inputFor(SCENARIO, baseSeed + i, input));
  const runModel = () => {
    const t0 = cpuMs();
    let events = 0;
    for (let i = 0; i < inputs.length; i++) {
      const opts = { seed: baseSeed + i, scenario: SCENARIO, variant: 'correct' as const, input: inputs[i] };
      events += runScenario(deps, opts).eventCount;
    }
    return { events, rate: (events / (cpuMs() - t0)) * 1000 };
  };
  const models: number[] = [];
  const bares: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let m: { events: number; rate: number };
    let b: number;
    if (r % 2 === 0) {
      m = runModel();
      const bare = runBare(m.events, BARE_POPULATION);
      b = (bare.events / bare.ms) * 1000;
    } else {
      const bare = runBare(models.length === 0 ? 2_000_000 : Math.round(median(models)), BARE_POPULATION);
      b = (bare.events / bare.ms) * 1000;
      m = runModel();
    }
    models.push(m.rate);
    bares.push(b);
    ratios.push(m.rate / b);
  }
  return { model: median(models), bare: median(bares), ratio: median(ratios) };
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
const alone = await sideBySide(2);
const efficiency = two.eventsPerS / alone;
console.log(
  `2 independent single-threaded processes side by side: ${fmt(alone)} events/s in all; the 2-worker pool ` +
    `${fmt(two.eventsPerS)} (target ≥ 0.95 of them: ${efficiency >= 0.95 ? 'met' : 'not met'})`,
);
console.log(`pool efficiency: ${efficiency.toFixed(3)}`);
const vsBare = modelAgainstBare();
console.log(
  `model ${fmt(vsBare.model)} events/s (CPU time, this thread) against the bare loop's ${fmt(vsBare.bare)} ` +
    `(population ${BARE_POPULATION}), median of ${rounds} rounds ` +
    `(target ≥ 0.25: ${vsBare.ratio >= 0.25 ? 'met' : 'not met'})`,
);
console.log(`model/bare-loop ratio: ${vsBare.ratio.toFixed(3)}`);
console.log(`events/s: ${Math.round(one.eventsPerS)}`);
if (two.digest !== one.digest) process.exitCode = 1;
