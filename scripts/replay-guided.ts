// scripts/replay-guided: the mutated input a guided campaign (bench/zoo, `npm run fuzz -- --guided`) gives one seed.
//
// Replays campaign/guided.ts's GuidedPlanner generation by generation, in process and on one thread, with the
// variant's own runs feeding the corpus (as bench/zoo's SeedSource does), up to the generation of --seed; then
// writes that seed's input to --out as a scenario file (`npm run fuzz -- --scenario-file FILE --seed S`).
// Assumes the model and planner are those of the campaign being replayed: another commit may plan other inputs.
//
// Usage: npx tsx scripts/replay-guided.ts --variant NAME --base-seed B --seed S[,S2...] --out FILE [--scenario swarm]
// With several seeds, FILE gets each seed's number before its extension (out.json -> out-S.json).

import { writeFileSync } from 'node:fs';
import { GENERATION_SEEDS, GuidedPlanner } from '../campaign/guided.ts';
import { executeTask, loadDeps, type SeedResult } from '../campaign/tasks.ts';
import type { VariantName } from '../model/config.ts';
import type { ScenarioInput } from '../scenarios/input.ts';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

const variant = (flag('variant') ?? 'correct') as VariantName;
const base = Number(flag('base-seed') ?? '1');
const targets = (flag('seed') ?? '').split(',').map(Number);
const target = Math.max(...targets);
const out = flag('out');
const scenario = flag('scenario') ?? 'swarm';
if (!targets.every((t) => Number.isSafeInteger(t) && t >= base) || out === undefined) {
  console.error('usage: --variant NAME --base-seed B --seed S --out FILE [--scenario swarm]');
  process.exit(2);
}

const deps = await loadDeps();
const planner = new GuidedPlanner(scenario, undefined);
const fileOf = (seed: number) => (targets.length === 1 ? out : out.replace(/(\.json)?$/, `-${seed}$1`));
let mutated = new Map<number, ScenarioInput>();
/** Writes the targets of the generation about to run. */
const dump = (first: number) => {
  for (const t of targets) {
    if (t < first || t >= first + GENERATION_SEEDS) continue;
    const input = mutated.get(t);
    if (input === undefined) {
      console.error(`seed ${t} runs the scenario's own draw (not mutated): npm run fuzz -- --seed ${t}`);
      continue;
    }
    writeFileSync(fileOf(t), `${JSON.stringify(input, null, 2)}\n`);
    console.error(`wrote ${fileOf(t)}: npm run fuzz -- --scenario-file ${fileOf(t)} --seed ${t}`);
  }
};
for (let first = base; target >= first; first += GENERATION_SEEDS) {
  dump(first);
  if (target < first + GENERATION_SEEDS) break;
  const results: SeedResult[] = [];
  for (let seed = first; seed < first + GENERATION_SEEDS; seed++) {
    const input = mutated.get(seed);
    const task = { type: 'seed' as const, scenario, variant, seed, checkDeterminism: false };
    results.push(
      executeTask(deps, input === undefined ? task : { ...task, input: { kind: 'fixed', input } }) as SeedResult,
    );
  }
  planner.admit(results, mutated);
  const next = first + GENERATION_SEEDS;
  mutated = planner.plan(Array.from({ length: GENERATION_SEEDS }, (_, i) => next + i));
  console.error(`generation ${first}: corpus ${planner.corpusSize}, mutated next ${mutated.size}`);
}
