// One line per seed of the example counter under faults: its event hash, event count and
// anomaly count. Computed the same way in the main thread and in a worker thread, so the
// two can be compared seed by seed.

import { runExample } from './scenario.ts';

export interface SeedOutcome {
  readonly seed: number;
  readonly hash: string;
  readonly events: number;
  readonly anomalies: number;
}

export function exampleOutcomes(seeds: readonly number[]): SeedOutcome[] {
  return seeds.map((seed) => {
    const r = runExample({ seed });
    return { seed, hash: r.hash, events: r.eventCount, anomalies: r.anomalies.length };
  });
}
