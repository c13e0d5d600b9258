// Regression (driver: the promise's hanging-transaction rule). The transactions scenario
// reported on the correct model, seed 92001250 (its input as drawn before the commit-point
// crash joined the scenario, stored from the shrunk trace): "Send of "final-400-1" to t/0 …
// was acknowledged at offset 33, yet no poll ever returned it", and liveness failures of t/0
// and of the final read.
//
// The chain: x602-3 (offset 31) committed, its COMMIT marker at 32 acknowledged by both
// replicas of t/0; then a power loss of both (beyond the promise) cuts their logs to 32. The
// records kept re-open x602-3's transaction on recovery, but its coordinator had completed it
// (the marker was acknowledged) and never writes the marker again: a hanging transaction, the
// LSO stuck at 31, so read_committed reads never reach the records sent after it. Kafka does
// the same (KIP-664); the rule that excused a hanging transaction only after a breach of
// `__transaction_state` now also takes a breach of the hanging partition itself.
// Replayed at kafka.version 3.9: the run was found before the model had KIP-996 pre-vote (4.0
// on), whose pre-vote round moves the controllers' elections; at 4.1 the same input no longer
// loses the marker (its losses are still all excused).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a hanging transaction after its partition lost the marker', () => {
  it('seed 92001250: the stuck reads are explained by the power loss of t/0, nothing fails', () => {
    const input = fixtureInput(92001250);
    const { result, failing } = rerun(92001250, { ...input, shape: { ...input.shape, kafkaVersion: '3.9' } });
    expect(failing).toEqual([]);
    const stuck = result.verdict.anomalies.filter((a) => a.kind === 'lost-write' || a.kind === 'liveness');
    expect(stuck.some((a) => a.kind === 'liveness')).toBe(true);
    expect(stuck.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
