// Regression (driver: the promise's producer-state-lost rule). With retention applied, the swarm
// reported duplicates on the correct model, seeds 63012137 and 63014575 of base seed 63000000:
// "Value "p201-6" appears at 2 offsets of t/0 (21, 60), though it was sent once."
//
// The fixture of 63012137 is a hand-shifted schedule derived from its shrink
// (seed-63012137-shifted.json): the clean shutdown of broker 1 comes 11.287 ms after the 2nd
// follower append after its 9307 ms, not the 3rd. Under the KRaft metadata timing (25 ms append
// linger) the ISR expansion that lets the held batches commit is applied at 44.025 s, not 44.002 s,
// and the 3rd append (44.070 s) came after every producer had its retry acknowledged: no
// duplicate. With the 2nd, the shutdown starts at 44.050 s and broker 2 leads from 44.076 s.
//
// The chain: producer 202's batches p202-5…p202-9 (sequences 5–9) sit at offsets 23–34 of
// leader 1, not replicated while the link to broker 2 is cut (3.48–40.28 s); broker 2 copies
// them at 44.001 s and the ISR expands at 44.025 s, but the producer's retry of p202-5 (every
// 100 ms, NOT_ENOUGH_REPLICAS) came at 44.000 s, and its next one finds broker 1 deposed (epoch 2
// on broker 2, ISR {2}): committed but never acknowledged. Retention deletes their segment on
// broker 1 (log start 35 at 46 s); broker 2 loses power at 46.08 s, comes back with log start 20
// and truncates fully to the leader's log start 35 at 62.33 s (ProducerStateManager
// .truncateFullyAndStartAt forgets every producer). Broker 2 then leads epoch 5 (68.53 s, broker 1
// killed) with no state for the producer: once broker 1 is back in the ISR (85.64 s) the retry of
// p202-5 is appended at 58 as a new producer's batch at any sequence (ProducerAppendInfo
// .checkSequence: "If there is no current producer epoch (possibly because all producer records
// have been deleted due to retention …) accept writes with any sequence number") — the existing
// producer-state-lost rule excused that copy. The retry of p202-6, sequence 6, is then in
// sequence after the 5 the leader re-learned (checkSequence's inSequence), and
// ProducerStateEntry.findDuplicateBatch sees only the batch since: Kafka appends it again too (59),
// and so p202-7, -8, -9 (60–62). The rule now covers those retries: the same leader in the same
// leader epoch, the same producer epoch, the first copy before the batch taken as new and gone
// from the log. (The run once showed this with producer 201's p201-5…p201-9 at 20–32.)

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a retry in sequence after a leader re-learned its producer from a batch it took as new', () => {
  it("seed 63012137 (shifted): the duplicates are Kafka's (producer-state-lost), nothing fails", () => {
    const { result, failing } = rerun(63012137, fixtureInput(63012137, 'shifted'));
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
