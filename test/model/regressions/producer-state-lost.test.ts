// Regression (promise tracker: a duplicate Kafka's idempotence cannot prevent was called a
// dedupe failure). Fuzzer report: swarm, correct model, seed 60017508 of base seed 60000000:
// "Value p200-21 appears at 2 offsets of t/0 (21, 23), though it was sent once."
// The fixture is a hand-shifted schedule derived from that seed's shrink (seed-60017508-shifted.json):
// the power loss comes 100 µs after the 13th acknowledgement, not 478 µs. Under the KRaft metadata
// timing the acknowledgement of p200-21 reaches the producer at 15.1771 s, before a loss 478 µs
// after it was sent (15.1774 s), and nothing is retried; 0–250 µs all give the run below.
//
// Story: retention.ms 30 s, 8 KiB segments. Leader 1 appends p200-21 (offset 21) and loses
// power at 15.177 s, 0.1 ms after acknowledging it; the producer's batch stays unanswered and is
// retried (request timeout 30 s; the retry at 45.27 s finds broker 1 still down). Broker 2 leads
// from 19.53 s. While broker 1 is down, retention deletes the segments of brokers 2 and 3 up to
// log start 22 (at 46 s). Broker 1 comes back at 53.95 s below that log start and truncates fully
// to it (AbstractFetcherThread.fetchOffsetAndTruncate → UnifiedLog.truncateFullyAndStartAt, which
// clears the producer state: ProducerStateManager.truncateFullyAndStartAt). It becomes leader
// again at 55.03 s (preferred leader, epoch 3) and at 75.28 s receives the retry of p200-21 at
// sequence 21 from a producer it knows nothing of; ProducerAppendInfo.checkSequence accepts "any
// sequence number" when there is no current producer epoch, so it appends the batch again at
// offset 23. Kafka does exactly this; the model's append probe now says so (`unknownProducer`)
// and the tracker excuses such a duplicate by rule 'producer-state-lost' — only when every later
// copy was so appended under the first copy's producer id.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a retry appended again by a leader that lost the producer’s state', () => {
  it('seed 60017508 (shifted): the duplicate and the poll it causes are excused by producer-state-lost', () => {
    const { result, failing } = rerun(60017508, fixtureInput(60017508, 'shifted'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.find((a) => a.kind === 'duplicate');
    expect(dup?.expectedBecause).toMatchObject({ rule: 'producer-state-lost', partition: 0 });
  });
});
