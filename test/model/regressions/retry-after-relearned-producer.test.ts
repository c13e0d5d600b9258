// Regression (driver: the promise's producer-state-lost rule). With retention applied, the swarm
// reported duplicates on the correct model, seeds 63012137 and 63014575 of base seed 63000000:
// "Value "p201-6" appears at 2 offsets of t/0 (21, 60), though it was sent once."
//
// The chain (63012137): producer 201's batches p201-5…p201-9 (sequences 5–9) sit at offsets
// 20–32, committed but never acknowledged (the leader was cut off, then shut down). Retention
// deletes their segment on broker 1; broker 2 loses them in a power loss and truncates fully to
// the leader's log start 35 (ProducerStateManager.truncateFullyAndStartAt forgets every
// producer). Broker 2 then leads epoch 5 with no state for the producer: the retry of p201-5 is
// taken as a new producer's batch at any sequence (ProducerAppendInfo.checkSequence: "If there
// is no current producer epoch (possibly because all producer records have been deleted due to
// retention …) accept writes with any sequence number") — the existing producer-state-lost rule
// excused that copy. The retry of p201-6, sequence 6, is then in sequence after the 5 the
// leader re-learned (checkSequence's inSequence), and ProducerStateEntry.findDuplicateBatch
// sees only the batch since: Kafka appends it again too. The rule now covers those retries:
// the same leader in the same leader epoch, the same producer epoch, the first copy before the
// batch taken as new and gone from the log.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a retry in sequence after a leader re-learned its producer from a batch it took as new', () => {
  it("seed 63012137: the duplicates are Kafka's (producer-state-lost), nothing fails", () => {
    const { result, failing } = rerun(63012137, fixtureInput(63012137));
    expect(failing).toEqual([]);
    const dups = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dups.length).toBeGreaterThan(1);
    expect(dups.every((a) => a.expectedBecause?.rule === 'producer-state-lost')).toBe(true);
  });

  // Seed 63014575 took the same path when the rule was written; since the storage, transaction
  // and group changes merged beside it, its stored input no longer loses the producer's state
  // (no duplicate at all). It stays as a plain regression: the run is clean.
  it('seed 63014575: clean', () => {
    const { failing } = rerun(63014575, fixtureInput(63014575));
    expect(failing).toEqual([]);
  });
});
