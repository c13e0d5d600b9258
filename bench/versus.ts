// bench/versus: the model's speed against another checkout of gregor, side by side in one process.
//
// Loads `driver/run.ts` and `driver/default-deps.ts` of this checkout and of OTHER (a directory
// holding an older or newer checkout, e.g. a `git worktree add /tmp/old COMMIT` with its own
// node_modules or a link to these), warms both up, then runs the same named-scenario seeds
// through each in alternating order (round r runs this checkout first when r is odd) and times
// each in CPU time of this process. Prints per round both checkouts' simulated events per CPU
// second and events per seed, and the median of the per-round ratios (this / other): on a
// shared machine only such a ratio means anything, since the load touches both sides alike.
//
// Assumes: both checkouts export `runSeed(deps, scenario, variant, seed)` from driver/run.ts
// (every gregor since the driver's split) and `deps` from driver/default-deps.ts; the seeds are
// the named scenario's own draws in each checkout, so events per seed may differ when the model
// or the generators changed: the ratio compares events/s, the events-per-seed columns say how
// much work a seed is in each.
//
// Usage: npx tsx bench/versus.ts OTHER [--scenario standard] [--seeds 200] [--rounds 5]
//   [--base-seed 1]
// Last line: `versus events/s ratio (this/other): X`.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cpuMs, median } from './bare-loop.ts';

interface Checkout {
  dir: string;
  runSeed: (deps: unknown, scenario: string, variant: string, seed: number) => { eventCount: number };
  deps: unknown;
}

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : process.argv[i + 1];
}

function positive(name: string, fallback: number): number {
  const v = Number(flag(name, String(fallback)));
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`--${name} needs a positive integer`);
  return v;
}

async function load(dir: string): Promise<Checkout> {
  const file = (p: string) => pathToFileURL(resolve(dir, p)).href;
  if (!existsSync(resolve(dir, 'driver/run.ts'))) throw new Error(`${dir} has no driver/run.ts: not a gregor checkout`);
  const run = await import(file('driver/run.ts'));
  const { deps } = await import(file('driver/default-deps.ts'));
  return { dir, runSeed: run.runSeed, deps };
}

/** Events and events per CPU second of `seeds` seeds from `base` through one checkout. */
function timed(c: Checkout, scenario: string, base: number, seeds: number): { events: number; perS: number } {
  const t0 = cpuMs();
  let events = 0;
  for (let s = base; s < base + seeds; s++) events += c.runSeed(c.deps, scenario, 'correct', s).eventCount;
  return { events, perS: (events / (cpuMs() - t0)) * 1000 };
}

const other = process.argv[2];
if (other === undefined || other.startsWith('--')) {
  console.error('usage: npx tsx bench/versus.ts OTHER_CHECKOUT [--scenario S] [--seeds N] [--rounds R]');
  process.exit(2);
}
const scenario = flag('scenario', 'standard');
const seeds = positive('seeds', 200);
const rounds = positive('rounds', 5);
const baseSeed = positive('base-seed', 1);
const here = await load(resolve(import.meta.dirname, '..'));
const there = await load(other);
for (const c of [here, there]) timed(c, scenario, 1_000_000, Math.min(seeds, 100)); // JIT warm-up

const ratios: number[] = [];
const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? [there, here] : [here, there];
  const got = new Map(order.map((c) => [c, timed(c, scenario, baseSeed, seeds)]));
  const a = got.get(here)!;
  const b = got.get(there)!;
  ratios.push(a.perS / b.perS);
  console.log(
    `round ${r + 1}: this ${fmt(a.perS)} events/CPU-s (${fmt(a.events / seeds)}/seed), ` +
      `other ${fmt(b.perS)} (${fmt(b.events / seeds)}/seed), ratio ${(a.perS / b.perS).toFixed(3)}`,
  );
}
console.log(`${scenario}, ${seeds} seeds from ${baseSeed}, ${rounds} rounds; other: ${there.dir}`);
console.log(`versus events/s ratio (this/other): ${median(ratios).toFixed(3)}`);
