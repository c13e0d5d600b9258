// bench/coverage: the share of the model's code probes (model/code-probes.ts) that a swarm
// campaign of the correct model reaches, and the probes no seed reaches. Runs the seeds
// through the campaign machinery (campaign/campaign.ts) on 2 worker threads, then prints
// `probe coverage: X/Y (Z%)`, the never-hit probes with why they cannot be reached when the
// catalog says so, and the least-hit ones.
//
// Usage: npx tsx bench/coverage.ts [--seeds N] [--base-seed B] [--workers W] [--scenario S]
//   (default: 10,000 seeds of `swarm` from base seed 1 on 2 workers; about 3 minutes on 2 cores)
// Exit code 0 always (coverage is a figure, not a verdict), 1 if the campaign itself failed.

import { scanSeeds } from '../campaign/campaign.ts';
import { countProbes, neverHit } from '../campaign/probes.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../model/code-probes.ts';

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
const scenarioAt = process.argv.indexOf('--scenario');
const scenario = scenarioAt === -1 ? 'swarm' : (process.argv[scenarioAt + 1] ?? 'swarm');

const started = process.hrtime.bigint();
let lastReport = 0;
const scan = await scanSeeds({
  scenario,
  variant: 'correct',
  range: { baseSeed, count: seeds },
  workers,
  maxViolations: 0,
  checkDeterminism: false,
  onProgress: (p) => {
    if (p.completed - lastReport < 1000 && p.completed !== p.total) return;
    lastReport = p.completed;
    console.error(`coverage: ${p.completed}/${p.total} seeds (${(p.elapsedMs / 1000).toFixed(0)} s)`);
  },
});
const wallS = Number(process.hrtime.bigint() - started) / 1e9;

const probes = countProbes(scan.results);
const missing = neverHit(probes);
const total = CODE_PROBE_NAMES.length;
const hit = total - missing.length;
const failures = scan.results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'expected-loss').length;
console.log(`bench/coverage: ${scan.results.length} seeds of ${scenario} (correct model) from base seed ${baseSeed}, ${workers} workers, ${wallS.toFixed(1)} s; ${failures} seeds not ok`);
console.log(`probe coverage: ${hit}/${total} (${((100 * hit) / total).toFixed(1)}%)`);
if (missing.length > 0) {
  console.log('never hit:');
  for (const name of CODE_PROBE_NAMES) {
    if (!missing.includes(name)) continue;
    const why = CODE_PROBE_INFO[name].reachable;
    console.log(`  ${name}${why === undefined ? '' : ` — ${why}`}`);
  }
}
const rare = Object.entries(probes)
  .filter(([, n]) => n > 0)
  .sort((a, b) => a[1] - b[1])
  .slice(0, 10);
console.log(`least hit: ${rare.map(([name, n]) => `${name} ${n}`).join(', ')}`);
if (scan.results.length !== seeds) process.exitCode = 1;
