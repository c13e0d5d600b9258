// bench/reference-rates: measures the correct model's expected-loss rate on each scenario (the
// share of seeds whose run went beyond Kafka's promise and lost something), the figures
// campaign/reference-rates.ts stores and every campaign sets its own rate beside. Prints one
// table entry per scenario, ready to paste, with the seeds, base seed and counts used; and
// any seed that was not ok or expected-loss (a correct-model failure to investigate first).
//
// Usage: npx tsx bench/reference-rates.ts [--seeds N] [--base-seed B] [--workers W] [--scenario S]
//   [--controller kraft|zookeeper]
//   (default: every scenario of `--list`, 3,000 seeds each, swarm 20,000, base seed 18000000, 1 worker).
//   --controller MODE measures the scenario's draws in that mode only: the reference stored as
//   `<scenario> --controller MODE` (campaign/reference-rates.ts drawsKey).
// Exit code 0 when every seed was ok or an expected loss, 1 otherwise.

import { scanSeeds } from '../campaign/campaign.ts';
import { drawsKey, REFERENCE_RATES, wilson } from '../campaign/reference-rates.ts';
import type { InputPlan } from '../campaign/tasks.ts';
import { SCENARIOS } from '../scenarios/index.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? undefined : process.argv[i + 1];
}
const baseSeed = Number(arg('base-seed') ?? 18_000_000);
const workers = Number(arg('workers') ?? 1);
const only = arg('scenario');
const names = only === undefined ? SCENARIOS.map((s) => s.name) : [only];
const controller = arg('controller');
if (controller !== undefined && controller !== 'zookeeper' && controller !== 'kraft') {
  throw new Error('--controller must be kraft or zookeeper');
}
const input: InputPlan | undefined =
  controller === undefined ? undefined : { kind: 'overrides', overrides: { controller } };

let bad = 0;
for (const scenario of names) {
  const seeds = Number(arg('seeds') ?? (scenario === 'swarm' ? 20_000 : 3_000));
  const started = process.hrtime.bigint();
  const scan = await scanSeeds({
    scenario,
    variant: 'correct',
    range: { baseSeed, count: seeds },
    ...(input === undefined ? {} : { input }),
    workers,
    maxViolations: 0,
    checkDeterminism: false,
  });
  const wallS = Number(process.hrtime.bigint() - started) / 1e9;
  const losses = scan.results.filter((r) => r.outcome === 'expected-loss').length;
  const failing = scan.results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'expected-loss');
  bad += failing.length;
  const { low, high } = wilson(losses, scan.results.length);
  const key = drawsKey(scenario, input, false) ?? scenario;
  const stored = REFERENCE_RATES.find((r) => r.scenario === key);
  console.log(
    `${key}: ${losses} expected losses of ${scan.results.length} seeds ` +
      `(${((100 * losses) / scan.results.length).toFixed(2)}%, interval ${(100 * low).toFixed(2)}–` +
      `${(100 * high).toFixed(2)}%), ${wallS.toFixed(0)} s` +
      (stored === undefined ? '' : `; stored: ${stored.expectedLosses} of ${stored.seeds}`),
  );
  console.log(
    `  { scenario: '${key}', seeds: ${scan.results.length}, expectedLosses: ${losses}, ` +
      `baseSeed: ${baseSeed}, measured: '…' },`,
  );
  for (const r of failing.slice(0, 10)) console.log(`  not ok: seed ${r.seed} ${r.outcome} ${r.kind ?? ''}`);
}
process.exitCode = bad > 0 ? 1 : 0;
