// Regression (promise tracker: the producer-state-lost rule stopped at sequences above 0).
// Fuzzer report: swarm, ZooKeeper mode, correct model, seed 210082663 of base 210000000:
// 'Value "p201-0" appears at 2 offsets of t/0 (0, 11), though it was sent once.'
//
// Story: leader 1 appends producer 201's first batch of t/0 (p201-0, 3, 6, 9; sequence 0) at
// offset 0; its answer is slowed, then broker 1 is killed, so the batch stays unanswered and is
// retried. Retention deletes the segment holding it on brokers 2 and 3 (log start 8). Broker 1
// comes back below that log start and truncates fully (AbstractFetcherThread
// .fetchOffsetAndTruncate → UnifiedLog.truncateFullyAndStartAt, whose
// ProducerStateManager.truncateFullyAndStartAt clears every producer), becomes leader in epoch 5
// and receives the retry at sequence 0 from a producer it has no state for:
// ProducerAppendInfo.checkSequence accepts it as a new producer's, and it is appended again at
// offset 11. Kafka does this too. The model's append probe now says the leader had no state at
// sequence 0 (`noStateAtSequenceZero`), and the tracker records 'producer-state-lost' when a
// leader appended that producer id and epoch to the partition before.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a retried first batch appended again by a leader that lost the producer’s state', () => {
  it('seed 210082663: the duplicate is excused by producer-state-lost, nothing fails', () => {
    const { result, failing } = rerun(210082663, fixtureInput(210082663));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.find((a) => a.kind === 'duplicate');
    expect(dup?.values).toEqual(['p201-0']);
    expect(dup?.expectedBecause).toMatchObject({ rule: 'producer-state-lost', partition: 0 });
  });
});
