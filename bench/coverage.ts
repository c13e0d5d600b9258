// bench/coverage: the share of the model's code probes (model/code-probes.ts) that a swarm
// campaign of the correct model reaches, and the probes no seed reaches. Runs the seeds
// through the campaign machinery (campaign/campaign.ts) on 2 worker threads, then prints
// `probe coverage: X/Y (Z%)`, the never-hit probes with why they cannot be reached when the
// catalog says so, and the least-hit ones.
//
// Usage: npx tsx bench/coverage.ts [--seeds N] [--base-seed B] [--workers W] [--scenario S] [--variant V] [--guided]
//   (default: 10,000 seeds of `swarm`, correct model, from base seed 1 on 2 workers; 2–4 minutes
//   on 2 cores). With a bug-zoo variant it shows which "not in the correct model" probes it reaches.
// --guided runs the seeds as `npm run fuzz -- --guided` does (campaign/guided.ts), to compare.
// Exit code 0 always (coverage is a figure, not a verdict), 1 if the campaign itself failed.

import { scanSeeds, type CampaignOptions } from '../campaign/campaign.ts';
import { scanGuided } from '../campaign/guided.ts';
import { countProbes } from '../campaign/probes.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../model/code-probes.ts';
import { CONFIG_VARIANTS, PROTOCOL_VARIANTS, type VariantName } from '../model/config.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) throw new Error(`--${name} needs a non-negative integer`);
  return v;
}

const seeds = arg('seeds', 10_000);
const baseSeed = arg('base-seed', 1);
const workers = arg('workers', 2);
function text(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : (process.argv[i + 1] ?? fallback);
}
const scenario = text('scenario', 'swarm');
const variantName = text('variant', 'correct');
const VARIANTS: readonly VariantName[] = ['correct', ...PROTOCOL_VARIANTS, ...CONFIG_VARIANTS];
const variant = VARIANTS.find((v) => v === variantName);
if (variant === undefined) throw new Error(`--variant: unknown variant ${variantName}`);

const guided = process.argv.includes('--guided');
const started = process.hrtime.bigint();
let lastReport = 0;
const scanOpts: CampaignOptions = {
  scenario,
  variant,
  range: { baseSeed, count: seeds },
  workers,
  maxViolations: 0,
  checkDeterminism: false,
  onProgress: (p) => {
    if (p.completed - lastReport < 1000 && p.completed !== p.total) return;
    lastReport = p.completed;
    console.error(`coverage: ${p.completed}/${p.total} seeds (${(p.elapsedMs / 1000).toFixed(0)} s)`);
  },
};
const scan = guided ? await scanGuided(scanOpts) : await scanSeeds(scanOpts);
const wallS = Number(process.hrtime.bigint() - started) / 1e9;

const probes = countProbes(scan.results);
const missing = CODE_PROBE_NAMES.filter((name) => (probes[name] ?? 0) === 0);
const total = CODE_PROBE_NAMES.length;
const hit = total - missing.length;
const failures = scan.results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'expected-loss').length;
const run =
  `${scan.results.length} seeds of ${scenario} (variant ${variant}${guided ? ', guided' : ''}) ` +
  `from base seed ${baseSeed}`;
console.log(`bench/coverage: ${run}, ${workers} workers, ${wallS.toFixed(1)} s; ${failures} seeds not ok`);
console.log(`probe coverage: ${hit}/${total} (${((100 * hit) / total).toFixed(1)}%)`);
const explained = missing.filter((name) => CODE_PROBE_INFO[name].reachable !== undefined);
const unexplained = missing.filter((name) => !explained.includes(name));
console.log(
  `never hit: ${missing.length} (${explained.length} with a reason in model/code-probes.ts, ${unexplained.length} ` +
    `without)`,
);
for (const name of unexplained)
  console.log(`  ${name} — no reason given: add a trigger, fault or workload, or the reason`);
for (const name of explained) console.log(`  ${name} — ${CODE_PROBE_INFO[name].reachable}`);
const reachedAnyway = CODE_PROBE_NAMES.filter(
  (n) => CODE_PROBE_INFO[n].reachable !== undefined && (probes[n] ?? 0) > 0,
);
if (reachedAnyway.length > 0) console.log(`reached although marked unreachable: ${reachedAnyway.join(', ')}`);
const rare = Object.entries(probes)
  .filter(([, n]) => n > 0)
  .sort((a, b) => a[1] - b[1])
  .slice(0, 10);
console.log(`least hit: ${rare.map(([name, n]) => `${name} ${n}`).join(', ')}`);
if (scan.results.length !== seeds) process.exitCode = 1;
