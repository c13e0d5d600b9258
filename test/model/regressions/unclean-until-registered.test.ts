// Regressions of a 100,000-seed correct-model campaign (base seed 5000000), both in the driver:
//
// - Seed 5045495 (and 5056539): inconsistent-offsets and lost writes reported as violations.
//   Broker 3 lost power and restarted; before the controller had accepted its new
//   registration, a controller record still listed it in the ISR (a change made for another
//   broker), and the promise tracker took that as the end of its unclean shutdown. Then the
//   sole ISR member lost power too and, with the ISR and ELR empty, was elected again as the
//   last known leader with an empty log: two unclean shutdowns, beyond what KIP-966 promises
//   (MinISR-1). Fix (driver/promise.ts onRegistered): only an ISR listing after the
//   controller accepted the broker's registration ends its unclean shutdown
//   (ReplicationControlManager.handleBrokerUncleanShutdown removes it from every ISR and ELR
//   at that registration).
// - Seed 5050910: liveness, "no probe poll succeeded". The probe's fetch went to a broker that
//   still believed itself leader of an older epoch, whose log ended before the probe's offset:
//   OFFSET_OUT_OF_RANGE, which Kafka's consumer raises to the application when
//   auto.offset.reset is none, as the workload had drawn. The driver's probe stopped for good.
//   Fix (model/probe-client.ts): the driver's own reads seek back to the log start, as an
//   application catching OffsetOutOfRangeException would, whatever the workload's policy.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('100k campaign regressions', () => {
  it('seed 5045495: a restarted broker stays uncleanly down until an ISR lists it after its registration', () => {
    const { result, failing } = rerun(5045495, fixtureInput(5045495));
    expect(failing).toEqual([]);
    // Before the controller quorum (issue 14) this run went beyond the promise
    // (last-known-leader-elected); the quorum moved the interleaving (no seed of 5045495–5048894
    // does it now), so the input stays as a no-false-positive regression.
    expect(result.outcome).toBe('ok');
  });

  it("seed 5050910: the probe survives a stale leader's OFFSET_OUT_OF_RANGE under auto.offset.reset=none", () => {
    const seedInput = fixtureInput(5050910);
    expect(seedInput.workload).toMatchObject({ autoOffsetReset: 'none' });
    const { result, failing } = rerun(5050910, seedInput);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
  });
});
