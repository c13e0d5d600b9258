// bench/zoo: how fast the fuzzer rediscovers each bug of the zoo from scratch (issue 6).
//
// For every variant, runs --campaigns campaigns (different base seeds) of the default
// scenario with that variant on, no hints, on --workers worker threads, each capped at
// --time-limit-s of wall time. A seed counts as a find only when the variant's run is a
// violation AND the same seed passes on the correct model (re-run at once, on the same pool):
// a seed that fails on the correct model too is a false positive of the model or of a
// checker, recorded with its seed and never counted. The wall time is measured here, from
// the campaign's first dispatched seed to the confirmation of its first find; the worker
// pool is started and warmed once, before any timing, and reused.
//
// With --modes plain,guided (the default) every variant gets its campaigns twice: plain swarm
// draws, and guided (campaign/guided.ts: generations of GENERATION_SEEDS seeds, about half of
// them mutations of inputs that reached rare code probes). A guided campaign waits at the end
// of each generation, as `npm run fuzz -- --guided` does, and its seeds, confirmations and
// shrinks run the mutated inputs.
//
// Each find is then shrunk (the fuzzer's own shrinker, campaign/shrink.ts) and the
// shrunk input is run once more on the correct model, which must pass it too.
//
// Output: a line per campaign as it ends, then a table per variant (finds, seeds and seconds
// per campaign, the medians, the shrunk sizes, the false positives), and the last line
// `zoo found: K/13, worst median s: X`. A variant is found when its median over the
// campaigns is within the time limit (a campaign that finds nothing counts as +∞); X is the
// largest median, `>LIMIT` when some variant is not found.
//
// Usage: npx tsx bench/zoo.ts [--campaigns 5] [--variants a,b] [--time-limit-s 60]
//          [--workers 2] [--base-seed 1] [--scenario swarm] [--shrink-runs 200]
//          [--exclude-kinds k1,k2] [--modes plain,guided] [--json FILE] [--dump-inputs DIR]
//
// --dump-inputs: writes the mutated input of every guided false positive and harness failure to
// DIR/VARIANT-SEED.json, so `npm run fuzz -- --scenario-file FILE --seed SEED` re-runs it (a guided
// seed's input is the planner's, not the scenario's draw; scripts/replay-guided.ts rebuilds one).
//
// --exclude-kinds: a variant's violation counts only when it has a failing anomaly of
// another kind (the variant's run is repeated with its full verdict to see every kind).
//
// Timings are wall-clock on a shared machine: rough, and longer when other work runs.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { createExecutor, type Executor } from '../campaign/executor.ts';
import { GENERATION_SEEDS, GuidedPlanner } from '../campaign/guided.ts';
import {
  DEFAULT_DEPS_MODULE,
  isFailureOutcome,
  loadDeps,
  type InputPlan,
  type SeedResult,
  type SeedTask,
  type ShrinkOutcome,
} from '../campaign/tasks.ts';
import type { Trace } from '../checkers/trace.ts';
import { CONFIG_VARIANTS, PROTOCOL_VARIANTS, type VariantName, ZOOKEEPER_VARIANTS } from '../model/config.ts';
import type { ScenarioInput } from '../scenarios/input.ts';
import { generateInput, isFailing } from '../driver/run.ts';

// --- arguments --------------------------------------------------------------------------------

/**
 * ZooKeeper mode's own variants are left out: the campaigns here draw KRaft mode. They are
 * found by test/zoo/discovery.test.ts and `npm run fuzz -- --controller zookeeper --variant NAME`.
 */
const ALL_VARIANTS: readonly VariantName[] = [
  ...CONFIG_VARIANTS,
  ...PROTOCOL_VARIANTS.filter((v) => !ZOOKEEPER_VARIANTS.includes(v)),
];

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}

function intFlag(name: string, fallback: number, min = 1): number {
  const raw = flag(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < min) {
    console.error(`--${name} needs an integer ≥ ${min}`);
    process.exit(2);
  }
  return v;
}

const campaigns = intFlag('campaigns', 5);
const timeLimitS = intFlag('time-limit-s', 60);
const workers = intFlag('workers', 2);
const baseSeed = intFlag('base-seed', 1, 0);
const shrinkRuns = intFlag('shrink-runs', 200, 0);
const scenario = flag('scenario') ?? 'swarm';
const jsonFile = flag('json');
const dumpDir = flag('dump-inputs');
/**
 * Anomaly kinds that do not count as a find (e.g. liveness,quorum-superset while their false positives are triaged).
 */
const excludeKinds = new Set(
  (flag('exclude-kinds') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
);
const variants: VariantName[] = (flag('variants')
  ?.split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '') ?? [...ALL_VARIANTS]) as VariantName[];
for (const v of variants) {
  if (!(ALL_VARIANTS as readonly string[]).includes(v)) {
    console.error(`unknown variant ${v}; one of ${ALL_VARIANTS.join(', ')}`);
    process.exit(2);
  }
}
type Mode = 'plain' | 'guided';
const modes = (flag('modes') ?? 'plain,guided')
  .split(',')
  .map((m) => m.trim())
  .filter((m) => m !== '') as Mode[];
for (const m of modes) {
  if (m !== 'plain' && m !== 'guided') {
    console.error(`unknown mode ${m}; plain or guided`);
    process.exit(2);
  }
}
/** Base seeds of the campaigns: far apart, so no two campaigns share a seed. */
const campaignBase = (c: number) => baseSeed + c * 1_000_000;

// --- one campaign -----------------------------------------------------------------------------

interface FalsePositive {
  seed: number;
  variantKind: string;
  correctOutcome: string;
  correctKind: string;
  /** The guided seed's mutated input (undefined: the scenario's own draw). */
  input?: ScenarioInput;
}

interface CampaignResult {
  variant: VariantName;
  mode: Mode;
  baseSeed: number;
  found: boolean;
  seed?: number;
  /** Position of the found seed in the campaign's range (1 = its base seed). */
  seedIndex?: number;
  kind?: string;
  /** Wall seconds to the confirmed find (or to the time limit). */
  wallS: number;
  /** Variant seeds completed when the campaign ended. */
  seedsRun: number;
  falsePositives: FalsePositive[];
  /** Variant violations whose every failing anomaly is of an excluded kind. */
  excluded: Array<{ seed: number; kinds: string }>;
  /** Variant seeds that ended stuck or crashed (not counted as finds). */
  harnessFailures: Array<{ seed: number; outcome: string; kind: string; input?: ScenarioInput }>;
  shrunk?: {
    faults: number;
    sends: number;
    originalFaults: number;
    kind: string;
    runs: number;
    correctOutcome: string;
    shrinkS: number;
  };
}

function seedTask(variant: VariantName, seed: number, input?: ScenarioInput): SeedTask {
  const plan: InputPlan | undefined = input === undefined ? undefined : { kind: 'fixed', input };
  return {
    type: 'seed',
    scenario,
    variant,
    seed,
    checkDeterminism: false,
    ...(plan === undefined ? {} : { input: plan }),
  };
}

/** Which seeds a campaign may run now, and their inputs: every seed (plain), or generation by generation (guided). */
class SeedSource {
  private readonly planner: GuidedPlanner | undefined;
  private genEnd: number;
  private mutated = new Map<number, ScenarioInput>();
  private readonly genResults = new Map<number, SeedResult>();
  constructor(
    mode: Mode,
    private genFirst: number,
  ) {
    this.planner = mode === 'guided' ? new GuidedPlanner(scenario, undefined) : undefined;
    this.genEnd = mode === 'guided' ? genFirst + GENERATION_SEEDS : Number.MAX_SAFE_INTEGER;
  }
  mayRun(seed: number): boolean {
    return seed < this.genEnd;
  }
  inputOf(seed: number): ScenarioInput | undefined {
    return this.mutated.get(seed);
  }
  /** A variant seed's result; at the end of a generation the planner takes it and plans the next. */
  record(r: SeedResult): void {
    if (this.planner === undefined) return;
    this.genResults.set(r.seed, r);
    if (this.genResults.size < this.genEnd - this.genFirst) return;
    const ordered = [...this.genResults.values()].sort((a, b) => a.seed - b.seed);
    this.planner.admit(ordered, this.mutated);
    this.genResults.clear();
    this.genFirst = this.genEnd;
    this.genEnd += GENERATION_SEEDS;
    const seeds = Array.from({ length: GENERATION_SEEDS }, (_, i) => this.genFirst + i);
    this.mutated = this.planner.plan(seeds);
  }
}

async function runCampaign(
  executor: Executor,
  variant: VariantName,
  base: number,
  mode: Mode,
): Promise<CampaignResult> {
  const limitMs = timeLimitS * 1000;
  const started = Date.now();
  const maxInFlight = executor.workers * 2;
  const result: CampaignResult = {
    variant,
    mode,
    baseSeed: base,
    found: false,
    wallS: 0,
    seedsRun: 0,
    falsePositives: [],
    excluded: [],
    harnessFailures: [],
  };
  const inFlight = new Set<Promise<void>>();
  let foundInput: ScenarioInput | undefined;
  const confirmQueue: SeedResult[] = [];
  const source = new SeedSource(mode, base);
  let next = base;
  let done = false;

  await new Promise<void>((resolve) => {
    const finish = () => {
      if (done) return;
      done = true;
      result.wallS = (Date.now() - started) / 1000;
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(finish, limitMs);
    const track = (p: Promise<void>) => {
      inFlight.add(p);
      void p.finally(() => {
        inFlight.delete(p);
        dispatch();
      });
    };
    const dispatch = () => {
      while (!done && inFlight.size < maxInFlight) {
        const suspect = confirmQueue.shift();
        if (suspect !== undefined) {
          // Confirm on the correct model before counting: same seed, same generated input.
          // With excluded kinds, first look at every failing anomaly of the variant's run.
          const kindsOk: Promise<string | undefined> =
            excludeKinds.size === 0
              ? Promise.resolve(suspect.kind ?? suspect.outcome)
              : (
                  executor.run({
                    type: 'trace',
                    scenario,
                    variant,
                    seed: suspect.seed,
                    input: source.inputOf(suspect.seed) ?? generateInput(scenario, suspect.seed),
                  }) as Promise<Trace>
                ).then((t) => {
                  const kinds = [...new Set(t.verdict.anomalies.filter(isFailing).map((a) => a.kind))];
                  const counted = kinds.filter((k) => !excludeKinds.has(k));
                  if (counted.length === 0) result.excluded.push({ seed: suspect.seed, kinds: kinds.join(',') });
                  return counted.length === 0 ? undefined : counted.join(',');
                });
          track(
            kindsOk.then(async (kinds) => {
              if (done || kinds === undefined) return;
              const c = (await executor.run(
                seedTask('correct', suspect.seed, source.inputOf(suspect.seed)),
              )) as SeedResult;
              if (done) return;
              if (!isFailureOutcome(c.outcome)) {
                result.found = true;
                result.seed = suspect.seed;
                result.seedIndex = suspect.seed - base + 1;
                result.kind = kinds;
                const found = source.inputOf(suspect.seed);
                if (found !== undefined) foundInput = found;
                finish();
              } else {
                const input = source.inputOf(suspect.seed);
                result.falsePositives.push({
                  seed: suspect.seed,
                  variantKind: suspect.kind ?? '?',
                  correctOutcome: c.outcome,
                  correctKind: c.kind ?? '?',
                  ...(input === undefined ? {} : { input }),
                });
              }
            }),
          );
          continue;
        }
        if (!source.mayRun(next)) break; // a guided generation waits for its last seeds
        const seed = next++;
        track(
          (executor.run(seedTask(variant, seed, source.inputOf(seed))) as Promise<SeedResult>).then((r) => {
            if (done) return;
            result.seedsRun++;
            source.record(r);
            if (r.outcome === 'violation') confirmQueue.push(r);
            else if (isFailureOutcome(r.outcome)) {
              const input = source.inputOf(seed);
              result.harnessFailures.push({
                seed,
                outcome: r.outcome,
                kind: r.kind ?? '?',
                ...(input ? { input } : {}),
              });
            }
          }),
        );
      }
    };
    dispatch();
  });
  // Let the seeds still running finish (ignored) so the next campaign starts on idle workers.
  await Promise.all([...inFlight]);

  if (result.found && shrinkRuns > 0) {
    const t0 = Date.now();
    const sh = (await executor.run({
      type: 'shrink',
      scenario,
      variant,
      seed: result.seed!,
      budgetRuns: shrinkRuns,
      ...(foundInput === undefined ? {} : { input: { kind: 'fixed', input: foundInput } }),
    })) as ShrinkOutcome;
    const onCorrect = (await executor.run({
      type: 'trace',
      scenario,
      variant: 'correct',
      seed: result.seed!,
      input: sh.input,
    })) as Trace;
    result.shrunk = {
      faults: sh.input.faults.length,
      sends: sh.input.workload.sends,
      originalFaults: sh.originalInput.faults.length,
      kind: sh.result.kind ?? sh.result.outcome,
      runs: sh.runs,
      correctOutcome: onCorrect.outcome,
      shrinkS: (Date.now() - t0) / 1000,
    };
    shrunkInputs.set(`${variant}/${result.seed}`, sh.input);
  }
  return result;
}

const shrunkInputs = new Map<string, ScenarioInput>();

// --- driver -----------------------------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Infinity;
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmtS = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : `>${timeLimitS}`);

console.log(
  `bench/zoo: scenario ${scenario}, ${campaigns} campaigns per variant (base seeds ${campaignBase(0)}, ` +
    `${campaignBase(1)}, …), ` +
    `${workers} workers, ${timeLimitS} s each, shrink budget ${shrinkRuns} runs, ${availableParallelism()} CPUs` +
    (excludeKinds.size > 0 ? `, not counting ${[...excludeKinds].join(', ')}` : ''),
);
await loadDeps(DEFAULT_DEPS_MODULE);
const executor = createExecutor(workers, DEFAULT_DEPS_MODULE);
const all: CampaignResult[] = [];
try {
  // Warm-up (untimed): every worker thread loads tsx, the model and the checkers, and JITs.
  await Promise.all(Array.from({ length: workers * 2 }, (_, i) => executor.run(seedTask('correct', 900_000_000 + i))));
  for (const variant of variants) {
    for (const mode of modes)
      for (let c = 0; c < campaigns; c++) {
        const r = await runCampaign(executor, variant, campaignBase(c), mode);
        all.push(r);
        const what = r.found
          ? `found seed ${r.seed} (#${r.seedIndex}) ${r.kind} in ${r.wallS.toFixed(1)} s` +
            (r.shrunk
              ? `; shrunk to ${r.shrunk.faults} faults, ${r.shrunk.sends} sends (${r.shrunk.kind}, correct model: ` +
                `${r.shrunk.correctOutcome})`
              : '')
          : `not found in ${timeLimitS} s (${r.seedsRun} seeds)`;
        const ex = r.excluded.length > 0 ? `; ${r.excluded.length} violations of excluded kinds only` : '';
        const fpShown = r.falsePositives.slice(0, 4).map((f) => `${f.seed} ${f.variantKind}/${f.correctKind}`);
        if (r.falsePositives.length > 4) fpShown.push(`… ${r.falsePositives.length - 4} more`);
        const fp = r.falsePositives.length > 0 ? `; false positives (variant/correct): ${fpShown.join(', ')}` : '';
        console.log(`  ${variant} ${mode} campaign ${c + 1} (base ${r.baseSeed}): ${what}${ex}${fp}`);
      }
  }
} finally {
  await executor.destroy();
}

// --- the table --------------------------------------------------------------------------------

const rows: string[][] = [
  [
    'variant',
    'mode',
    'found',
    'seeds to find',
    'wall s to find',
    'median s',
    'median seeds',
    'kinds',
    'shrunk faults',
    'shrunk sends',
    'false positives',
  ],
];
const foundCount: Record<Mode, number> = { plain: 0, guided: 0 };
const worst: Record<Mode, number> = { plain: 0, guided: 0 };
const perVariant: Record<string, unknown> = {};
/** Median seeds and seconds per variant and mode, for the side-by-side table. */
const medians = new Map<string, { seeds: number; s: number; found: string }>();
for (const variant of variants) {
  for (const mode of modes) {
    const rs = all.filter((r) => r.variant === variant && r.mode === mode);
    const hits = rs.filter((r) => r.found);
    const med = median(rs.map((r) => (r.found ? r.wallS : Infinity)));
    const medSeeds = median(rs.map((r) => (r.found ? r.seedIndex! : Infinity)));
    if (med <= timeLimitS) foundCount[mode]++;
    worst[mode] = Math.max(worst[mode], med);
    medians.set(`${variant}/${mode}`, { seeds: medSeeds, s: med, found: `${hits.length}/${rs.length}` });
    const kinds = [...new Set(hits.map((r) => r.kind))].join(',');
    const fps = rs.flatMap((r) => r.falsePositives);
    rows.push([
      variant,
      mode,
      `${hits.length}/${rs.length}`,
      rs.map((r) => (r.found ? String(r.seedIndex) : '-')).join(' '),
      rs.map((r) => (r.found ? r.wallS.toFixed(1) : '-')).join(' '),
      fmtS(med),
      Number.isFinite(medSeeds) ? String(medSeeds) : '-',
      kinds || '-',
      rs.map((r) => (r.shrunk ? String(r.shrunk.faults) : '-')).join(' '),
      rs.map((r) => (r.shrunk ? String(r.shrunk.sends) : '-')).join(' '),
      String(fps.length),
    ]);
    perVariant[`${variant}/${mode}`] = {
      medianS: Number.isFinite(med) ? med : null,
      medianSeeds: Number.isFinite(medSeeds) ? medSeeds : null,
      campaigns: rs,
    };
  }
}
const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
console.log('');
for (const r of rows)
  console.log(
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
const fpAll = all.flatMap((r) => r.falsePositives.map((f) => ({ variant: r.variant, ...f })));
if (fpAll.length > 0) {
  console.log('');
  console.log('False positives (the variant seed fails on the correct model too; not counted):');
  // Each seed once (campaigns of different variants share base seeds; a guided input is the variant's own).
  const seen = new Set<string>();
  for (const f of fpAll) {
    const key = f.input === undefined ? `${f.seed}` : `${f.variant}\u0000${f.seed}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(
      `  seed ${f.seed} (${f.variant}): variant ${f.variantKind}; correct model ${f.correctOutcome} ${f.correctKind} ` +
        `— ${rerunCommand(f.variant, f.seed, f.input)}`,
    );
  }
}
const guidedFailures = all.flatMap((r) =>
  r.harnessFailures.flatMap((h) => (h.input === undefined ? [] : [{ variant: r.variant, ...h }])),
);
if (guidedFailures.length > 0) {
  console.log('');
  console.log('Harness failures of variant runs on mutated inputs:');
  for (const h of guidedFailures) {
    const rerun = rerunCommand(h.variant, h.seed, h.input, h.variant);
    console.log(`  seed ${h.seed} (${h.variant}): ${h.outcome} ${h.kind} — ${rerun}`);
  }
}

/**
 * How to re-run a seed: the scenario's draw, or (a guided seed) the input written to --dump-inputs,
 * on the correct model unless `variant` is given.
 */
function rerunCommand(owner: VariantName, seed: number, input?: ScenarioInput, variant?: VariantName): string {
  const v = variant === undefined ? '' : ` --variant ${variant}`;
  if (input === undefined) return `npm run fuzz -- --scenario ${scenario} --seed ${seed}${v}`;
  if (dumpDir === undefined)
    return `a mutated input: --dump-inputs DIR writes it (or scripts/replay-guided.ts --variant ${owner})`;
  mkdirSync(dumpDir, { recursive: true });
  const file = `${dumpDir}/${owner}-${seed}.json`;
  writeFileSync(file, `${JSON.stringify(input, null, 2)}\n`);
  return `npm run fuzz -- --scenario-file ${file} --seed ${seed}${v}`;
}
const badShrinks = all.filter(
  (r) =>
    r.shrunk !== undefined &&
    (r.shrunk.faults > 10 || isFailureOutcome(r.shrunk.correctOutcome as SeedResult['outcome'])),
);
if (badShrinks.length > 0) {
  console.log('');
  console.log('Shrunk counterexamples over 10 faults or failing on the correct model too:');
  for (const r of badShrinks)
    console.log(`  ${r.variant} seed ${r.seed}: ${r.shrunk!.faults} faults, correct model ${r.shrunk!.correctOutcome}`);
}
if (jsonFile !== undefined) {
  writeFileSync(
    jsonFile,
    JSON.stringify(
      {
        scenario,
        campaigns,
        modes,
        workers,
        timeLimitS,
        baseSeed,
        shrinkRuns,
        variants: perVariant,
        shrunkInputs: Object.fromEntries(shrunkInputs),
      },
      null,
      1,
    ),
  );
}
if (modes.length > 1) {
  console.log('');
  console.log('Side by side (median seeds / median s to the first find):');
  const side: string[][] = [['variant', ...modes.flatMap((m) => [`${m} seeds`, `${m} s`])]];
  for (const variant of variants) {
    side.push([
      variant,
      ...modes.flatMap((m) => {
        const x = medians.get(`${variant}/${m}`)!;
        return [Number.isFinite(x.seeds) ? String(x.seeds) : '-', fmtS(x.s)];
      }),
    ]);
  }
  const w = side[0].map((_, i) => Math.max(...side.map((r) => r[i].length)));
  for (const r of side)
    console.log(
      r
        .map((cell, i) => cell.padEnd(w[i]))
        .join('  ')
        .trimEnd(),
    );
}
console.log('');
for (const mode of modes) {
  const label = modes.length > 1 ? ` (${mode})` : '';
  console.log(`zoo found${label}: ${foundCount[mode]}/${variants.length}, worst median s: ${fmtS(worst[mode])}`);
}
