// Delays and durations of faults, shared by the arbitraries of single faults
// (scenarios/arbitraries.ts) and of fault patterns (scenarios/patterns.ts). A module of its
// own so that patterns.ts needs nothing from arbitraries.ts at run time (no import cycle).

import fc from 'fast-check';

/** Delays after the triggering event: 0 (inside the same instant) up to a couple of seconds. */
export function delayUsArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constant(0), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 1_500 }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 50_000 }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 2_000_000 }), weight: 1 },
  );
}

/** Delays of a chained fault after the previous one: the same instant, a round trip, or an election later. */
export function afterDelayUsArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.constant(0), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 3_000_000 }), weight: 2 },
    { arbitrary: fc.integer({ min: 5_000_000, max: 20_000_000 }), weight: 2 },
  );
}

/**
 * Down / cut durations, ms: short blips, ones that outlast a broker session (fencing,
 * leader election), and ones that outlast replica.lag.time.max.ms (ISR shrink).
 */
export function outageMsArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 50, max: 3_000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 3_000, max: 15_000 }), weight: 4 },
    { arbitrary: fc.integer({ min: 15_000, max: 45_000 }), weight: 2 },
  );
}

export function extraLatencyMsArb(): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: 50 }), weight: 2 },
    { arbitrary: fc.integer({ min: 50, max: 2_000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 2_000, max: 40_000 }), weight: 2 },
  );
}
