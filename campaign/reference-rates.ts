// The correct model's expected-loss rate per scenario, measured and stored, so that each
// campaign can set its own rate beside it (issue 18 item 6: "expected" must never hide a
// bug). A run beyond Kafka's promise may lose what was sent before the breach; a campaign
// whose share of such runs is far above the correct model's on the same scenario is a
// finding in its own right (a bug that makes the model breach the promise more often, or a
// judge that excuses more than it should), even when no single seed is a violation.
//
// "Far above": the campaign's rate, as a Wilson score interval at z = 3.29 (two-sided 99.9 %),
// lies entirely above the reference's Wilson interval at the same z: the campaign's lower
// bound exceeds the reference's upper bound. Both intervals, so that a short campaign (whose
// own rate is uncertain) is not a finding by chance, and a long one at the reference's rate
// is not either; and at least MIN_SEEDS judged seeds (a replay of one expected-loss seed is a
// rate of 100 % that says nothing about the campaign's scenario).
//
// Assumes: the references are of the scenario's own draws (no --scenario-file, no shape
// knob, not --guided: those change the distribution, and the campaign then reports no
// reference). A change to the model, the generators or the promise rules moves the rates;
// re-measure with `npx tsx bench/reference-rates.ts` (its figures are ready to paste) and update
// the table.

/** One stored measurement: the correct model on a scenario, seeds from a base seed. */
export interface ReferenceRate {
  /** The inputs measured: a scenario's own draws, or `<scenario> --controller zookeeper` (drawsKey). */
  scenario: string;
  seeds: number;
  /** Seeds whose outcome was expected-loss. */
  expectedLosses: number;
  baseSeed: number;
  /** When and at which commit it was measured. */
  measured: string;
}

/** Fewer judged seeds are never a finding. */
const MIN_SEEDS = 500;

/** z of a two-sided 99.9 % interval. */
const WILSON_Z = 3.29;

/**
 * Measured on the correct model with `npm run -s fuzz -- --scenario S --seeds N --workers 1
 * --base-seed 18000000 --max-violations 0 --json` (0 violations in each). The swarm's and the swarm's draws in
 * ZooKeeper mode (`--controller zookeeper`): the 100,000-seed campaigns from bases 410,000,000 and 400,000,000
 * (2 workers each, main 18330f0: ZooKeeper mode with its groups, transactions, controlled shutdown and admin
 * elections), their non-ok seeds re-judged on main a1aac38 after the day's promise, witness and checker fixes (no
 * event hash changed): every violation settled, the expected losses counted then (docs/readme-fuzz.md). The
 * swarm's draws in KRaft mode alone (`--controller kraft`): the 100,000-seed campaign from base 480,000,000 (2
 * workers, main 85628c3), 0 violations.
 */
export const REFERENCE_RATES: readonly ReferenceRate[] = [
  { scenario: 'swarm', seeds: 100000, expectedLosses: 835, baseSeed: 410000000, measured: '2026-12-07, 18330f0' },
  {
    scenario: 'swarm --controller zookeeper',
    seeds: 100000,
    expectedLosses: 1371,
    baseSeed: 400000000,
    measured: '2026-12-07, 18330f0',
  },
  {
    scenario: 'swarm --controller kraft',
    seeds: 100000,
    expectedLosses: 614,
    baseSeed: 480000000,
    measured: '2026-12-07, 85628c3',
  },
  { scenario: 'standard', seeds: 4000, expectedLosses: 39, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  { scenario: 'leader-failover', seeds: 3000, expectedLosses: 0, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  { scenario: 'slow-follower', seeds: 3000, expectedLosses: 0, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  { scenario: 'partition-leader', seeds: 3000, expectedLosses: 1, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  { scenario: 'power-loss', seeds: 3000, expectedLosses: 203, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  { scenario: 'rolling-restart', seeds: 3000, expectedLosses: 0, baseSeed: 18000000, measured: '2026-12-06, 37d6fce' },
  {
    scenario: 'controller-failover',
    seeds: 3000,
    expectedLosses: 0,
    baseSeed: 18000000,
    measured: '2026-12-06, 37d6fce',
  },
];

/** The Wilson score interval of k successes in n trials at z (n = 0: [0, 1]). */
export function wilson(k: number, n: number, z = WILSON_Z): { low: number; high: number } {
  if (n <= 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const spread = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

/** The campaign's expected-loss rate beside the reference (the summary's `expectedLossRate`). */
export interface ExpectedLossRate {
  seeds: number;
  expectedLosses: number;
  rate: number;
  /** The campaign's Wilson interval (WILSON_Z). */
  low: number;
  high: number;
  /** Expected losses by the rule of Kafka's promise their first expected anomaly names. */
  byRule: Record<string, number>;
  /** The stored correct-model rate of the scenario, or null when none applies. */
  reference: (ReferenceRate & { rate: number; high: number }) | null;
  /** True when the campaign's interval lies entirely above the reference's. */
  finding: boolean;
}

/**
 * The name a stored reference has for a campaign's inputs: the scenario's own draws (no scenario file, no
 * knob, not --guided) are the scenario's name; its draws with only `--controller` changed are
 * `<scenario> --controller zookeeper` (ZooKeeper mode breaches the promise at its own rate: a ZooKeeper-mode
 * leader back from a power loss keeps its epoch) or `<scenario> --controller kraft` (the swarm's draws with
 * none in ZooKeeper mode); any other inputs have no reference (null).
 */
export function drawsKey(
  scenario: string,
  input: { kind: 'overrides'; overrides: object } | { kind: 'fixed' } | undefined,
  guided: boolean,
): string | null {
  if (guided) return null;
  if (input === undefined) return scenario;
  if (input.kind === 'fixed') return null;
  const changed = Object.entries(input.overrides).filter(([, v]) => v !== undefined);
  if (changed.length === 1 && changed[0][0] === 'controller') return `${scenario} --controller ${changed[0][1]}`;
  return null;
}

/**
 * The comparison for a campaign with `expectedLosses` of `seeds` whose inputs the references call
 * `draws` (drawsKey; null: inputs no reference was measured on).
 */
export function compareExpectedLosses(
  draws: string | null,
  seeds: number,
  expectedLosses: number,
  byRule: Record<string, number>,
  references: readonly ReferenceRate[] = REFERENCE_RATES,
): ExpectedLossRate {
  const { low, high } = wilson(expectedLosses, seeds);
  const stored = draws === null ? undefined : references.find((r) => r.scenario === draws);
  const reference =
    stored === undefined
      ? null
      : {
          ...stored,
          rate: round6(stored.expectedLosses / stored.seeds),
          high: round6(wilson(stored.expectedLosses, stored.seeds).high),
        };
  return {
    seeds,
    expectedLosses,
    rate: seeds === 0 ? 0 : round6(expectedLosses / seeds),
    low: round6(low),
    high: round6(high),
    byRule,
    reference,
    finding: reference !== null && seeds >= MIN_SEEDS && low > reference.high,
  };
}

/** One terminal line: the rate, the reference's, and the finding when there is one. */
export function expectedLossLine(e: ExpectedLossRate): string {
  const own = `${pct(e.rate)} (${e.expectedLosses} of ${e.seeds} seeds)`;
  if (e.reference === null) return `  expected-loss rate ${own}; no stored correct-model rate for these inputs`;
  const ref = e.reference;
  const beside =
    `correct model on ${ref.scenario}: ${pct(ref.rate)} (${ref.expectedLosses} of ${ref.seeds} seeds, ` +
    `upper bound ${pct(ref.high)})`;
  if (!e.finding) return `  expected-loss rate ${own}; ${beside}`;
  return (
    `  FINDING: expected-loss rate ${own}, lower bound ${pct(e.low)}, above the ${beside}: ` +
    'far more runs beyond the promise than the correct model has'
  );
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
