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
//   this machine (each a `--solo` process, warmed up like the pool and kept alive between
//   rounds). The pool and the pair run in alternating order, R rounds (`--pool-rounds`), and
//   the figure is the median of the per-round ratios, so a shared machine's changing load
//   touches both sides of a ratio alike. Target ≥ 0.95: what the pool costs beyond the
//   machine's own scaling (seeds are batched per task, campaign/campaign.ts). Printed beside
//   it, the same ratio in events per CPU-second (the pool process's CPU time, all its
//   threads, against the pair's): the pool's own overhead without the idle time.
// - `model/bare-loop ratio: X`: the model's events/s on the standard scenario in this thread
//   (CPU time, runScenario on the measured seeds) over the bare binary-heap loop's
//   (bench/bare-loop.ts, population BARE_POPULATION) run right next to it, the median of the
//   per-round ratios. Target ≥ 0.25.
//
// Targets (issue 5): ≥ 1,000,000 simulated events/s on one core; 2 workers ≥ 1.8× one.
// Usage: npx tsx bench/fuzz.ts [--seeds N] [--warmup W] [--base-seed B] [--controllers 1|3|5] [--combined]
//   [--rounds R] [--pool-rounds P] [--batch S]
//   (default: 600 measured seeds from seed 1 after W = 250 warm-up seeds per worker, R = 5 rounds
//   of the model against the bare loop, P = 3 rounds of the pool against 2 processes)
// The load average is printed: on a shared machine other processes take cores too.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deps } from '../driver/default-deps.ts';
import { runScenario } from '../driver/run.ts';
import { inputFor } from '../campaign/tasks.ts';
import { cpuMs, median, runBare } from './bare-loop.ts';
import { createExecutor, type Executor } from '../campaign/executor.ts';
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
const poolRounds = arg('pool-rounds', 3);
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
  /** CPU seconds of this process (every thread) over the measured seeds. */
  cpuS: number;
  seedsPerS: number;
  eventsPerS: number;
  digest: string;
  outcomes: Record<string, number>;
}

/** Warms an executor up on other seeds: every worker thread loading tsx and the model, and the JIT. */
async function warmUp(executor: Executor, workers: number): Promise<void> {
  // The model reaches its steady speed after a couple of hundred runs per thread.
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
}

/** The measured seeds on a warm executor. */
async function measureOn(executor: Executor, range = { baseSeed, count: seeds }): Promise<Figures> {
  const workers = executor.workers;
  const started = process.hrtime.bigint();
  const cpu0 = cpuMs();
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
  const cpuS = (cpuMs() - cpu0) / 1000;
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const events = scan.results.reduce((a, r) => a + r.events, 0);
  const outcomes: Record<string, number> = {};
  for (const r of scan.results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  return {
    workers,
    seeds: scan.results.length,
    events,
    wallS,
    cpuS,
    seedsPerS: scan.results.length / wallS,
    eventsPerS: events / wallS,
    digest: digestOf(scan.results),
    outcomes,
  };
}

/**
 * --solo: one warm single-threaded process for the pool-efficiency figure. It warms up, says
 * `ready`, then for each line `BASE COUNT` on stdin measures that seed range and prints one
 * JSON line ({events, wallS, cpuS}); it ends with stdin.
 */
async function soloServer(): Promise<void> {
  const executor = createExecutor(1, DEFAULT_DEPS_MODULE);
  await warmUp(executor, 1);
  console.log('ready');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    const [base, count] = line.trim().split(' ').map(Number);
    const f = await measureOn(executor, { baseSeed: base, count });
    console.log(JSON.stringify({ events: f.events, wallS: f.wallS, cpuS: f.cpuS }));
  }
}

if (process.argv.includes('--solo')) {
  await soloServer();
  process.exit(0);
}

async function measure(workers: number): Promise<Figures> {
  const executor = createExecutor(workers, DEFAULT_DEPS_MODULE);
  try {
    await warmUp(executor, workers);
    return await measureOn(executor);
  } finally {
    await executor.destroy();
  }
}

/** A warm `--solo` child process: ask it to measure a seed range. */
interface Solo {
  measure(base: number, count: number): Promise<{ events: number; wallS: number; cpuS: number }>;
  end(): void;
}

function startSolo(): Promise<Solo> {
  const args = ['--import', 'tsx', fileURLToPath(import.meta.url), '--solo', '--warmup', String(warmup)];
  args.push('--controllers', String(controllers), ...(combined ? ['--combined'] : []));
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const replies = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await replies.next();
    if (r.done === true) throw new Error('a --solo process ended early');
    return r.value;
  };
  const solo: Solo = {
    async measure(base, count) {
      child.stdin.write(`${base} ${count}\n`);
      return JSON.parse(await next()) as { events: number; wallS: number; cpuS: number };
    },
    end: () => child.stdin.end(),
  };
  return next().then(() => solo);
}

/** N warm single-threaded processes side by side, each on 1/N of the seeds: summed events per wall and CPU second. */
async function sideBySide(solos: readonly Solo[]): Promise<{ eventsPerS: number; eventsPerCpuS: number }> {
  const per = Math.floor(seeds / solos.length);
  const runs = await Promise.all(solos.map((s, i) => s.measure(baseSeed + i * per, per)));
  const events = runs.reduce((a, r) => a + r.events, 0);
  const cpuS = runs.reduce((a, r) => a + r.cpuS, 0);
  return { eventsPerS: runs.reduce((a, r) => a + r.events / r.wallS, 0), eventsPerCpuS: events / cpuS };
}

/** Pool efficiency: the warm pool and the warm pair of processes in alternating order, median of the round ratios. */
async function poolEfficiency(
  workers: number,
): Promise<{ pool: Figures[]; alone: number[]; ratios: number[]; cpuRatios: number[] }> {
  const executor = createExecutor(workers, DEFAULT_DEPS_MODULE);
  const starting = Array.from({ length: workers }, () => startSolo());
  const out = { pool: [] as Figures[], alone: [] as number[], ratios: [] as number[], cpuRatios: [] as number[] };
  let solos: Solo[] = [];
  try {
    await warmUp(executor, workers);
    solos = await Promise.all(starting);
    for (let r = 0; r < poolRounds; r++) {
      let pool: Figures;
      let alone: { eventsPerS: number; eventsPerCpuS: number };
      if (r % 2 === 0) {
        pool = await measureOn(executor);
        alone = await sideBySide(solos);
      } else {
        alone = await sideBySide(solos);
        pool = await measureOn(executor);
      }
      out.pool.push(pool);
      out.alone.push(alone.eventsPerS);
      out.ratios.push(pool.eventsPerS / alone.eventsPerS);
      out.cpuRatios.push(pool.events / pool.cpuS / alone.eventsPerCpuS);
    }
  } finally {
    for (const s of solos) s.end();
    await executor.destroy();
  }
  return out;
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
const eff = await poolEfficiency(2);
const two = eff.pool[0];
const twoEventsPerS = median(eff.pool.map((f) => f.eventsPerS));
console.log(
  `2 workers: ${two.seeds} seeds in ${median(eff.pool.map((f) => f.wallS)).toFixed(2)} s — ` +
    `${median(eff.pool.map((f) => f.seedsPerS)).toFixed(1)} seeds/s, ${fmt(twoEventsPerS)} events/s ` +
    `(median of ${poolRounds} rounds)`,
);
const speedup = twoEventsPerS / one.eventsPerS;
const digestsAgree = eff.pool.every((f) => f.digest === one.digest);
console.log(`load average now ${loadavg()[0].toFixed(2)}`);
console.log(
  `2 workers / 1 worker: ${speedup.toFixed(2)}× (target ≥ ` +
    `1.8×)${digestsAgree ? '' : ' — DIGESTS DIFFER: results depend on the worker count!'}`,
);
console.log(
  `one core: ${fmt(one.eventsPerS)} simulated events/s (target ≥ 1,000,000: ` +
    `${one.eventsPerS >= 1_000_000 ? 'met' : 'not met'})`,
);
const efficiency = median(eff.ratios);
console.log(
  `2 independent single-threaded processes side by side: ${fmt(median(eff.alone))} events/s in all; the 2-worker ` +
    `pool ${fmt(twoEventsPerS)}; round ratios ${eff.ratios.map((x) => x.toFixed(3)).join(', ')} ` +
    `(target ≥ 0.95: ${efficiency >= 0.95 ? 'met' : 'not met'}); in events per CPU-second ` +
    `${median(eff.cpuRatios).toFixed(3)} (rounds ${eff.cpuRatios.map((x) => x.toFixed(3)).join(', ')})`,
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
if (!digestsAgree) process.exitCode = 1;
