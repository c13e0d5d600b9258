// Regression (promise tracker: the producer-state-lost rule stopped at sequences above 0).
// Fuzzer report: swarm, ZooKeeper mode (Kafka 3.9), correct model, seed 210082663 of base 210000000:
// 'Value "p201-0" appears at 2 offsets of t/0 (0, 11), though it was sent once.'
//
// The fixture (fixtures/seed-210082663-shifted.json) is a hand-shifted schedule derived from the seed's shrink: broker
// 3's kill (fault 5) fires 10 ms after its trigger (delayUs 10,000), not at it. Since the ZooKeeper-mode controller
// handles a broker change in Kafka's order and batches (model/zk-controller.ts), the shrink's own timing puts that kill
// at 52.012 s, on follower 1's catch-up fetch itself and before leader 3 adds broker 1 to the ISR: broker 3 stays the
// ISR's only member, leads again (epoch 5) once back, and nothing is duplicated.
//
// Story (this schedule): leader 1 appends producer 201's first batch of t/0 (p201-0, 3, 6, 9; sequence 0) at offset 0
// (2.575 s); broker 1 is isolated (2.576–9.169 s) and its link to producer 201 slowed (+10,818 ms from 3.772 s); its
// high watermark is still 0 when it is killed (12.411 s), so the batch stays unanswered and is retried. Retention
// deletes the segment holding it on brokers 3 (log start 4 at 33.000 s, 8 at 43.000 s) and 2 (log start 4). Broker 1
// comes back (33.992 s) with log end 4; when broker 3 leads (epoch 3, ISR [3], 52.007 s), follower 1's fetch at 4 is
// below leader 3's log start 8 and it truncates fully (52.011 s: AbstractFetcherThread.fetchOffsetAndTruncate →
// UnifiedLog.truncateFullyAndStartAt, whose ProducerStateManager.truncateFullyAndStartAt clears every producer),
// fetches offsets 8–10 (producer 200's) and joins the ISR [3, 1] (52.017 s). Broker 3, leader and controller, is killed
// at 52.022 s; its old ZooKeeper session closes at 72.001 s, broker 1 wins the controller election (72.007 s), takes
// dead replica 3 out of the ISR (leader none, epoch 4) and elects itself (epoch 5, ISR [1], 72.032 s). At 72.208 s
// leader 1 receives the retry at sequence 0 from a producer it has no state for: ProducerAppendInfo.checkSequence
// accepts it as a new producer's, and it is appended again at offset 18 (p201-3, 6 and 9 with it). Kafka does this too.
// The model's append probe says the leader had no state at sequence 0 (`noStateAtSequenceZero`), and the tracker
// records 'producer-state-lost' when a leader appended that producer id and epoch to the partition before.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a retried first batch appended again by a leader that lost the producer’s state', () => {
  it('seed 210082663 (shifted): the duplicate is excused by producer-state-lost, nothing fails', () => {
    const input = fixtureInput(210082663, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(210082663, input);
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.find((a) => a.kind === 'duplicate');
    expect(dup?.values).toEqual(['p201-0']);
    expect(dup?.expectedBecause).toMatchObject({ rule: 'producer-state-lost', partition: 0 });
  });
});
