// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions), ZooKeeper
// mode, swarm seed 540094363 (`--controller zookeeper`, Kafka 3.9), shrunk: "A poll of t/0 by process
// 300000 returned "x600-4" at offset 102, but the transaction that sent it was aborted (abortable-error)".
//
// The chain: broker 4, follower of `__transaction_state`/1 (replicas 1, 4), loses power at 23.44 s
// (beyond the promise: min-isr-power-loss) with tx-0's records from offset 7 unflushed, among them the
// Empty at epoch 4 instance 600 took at 22.05 s. Broker 1 is isolated (22.65–38.95 s); the ZooKeeper
// controller leaves the ISR [4], and broker 4, back at 54.76 s with its log ending at 7, is elected
// (epoch 3); broker 1 truncates to 7. The coordinator reloads tx-0 at epoch 3 (CompleteAbort) and at
// 63.88 s grants epoch 4 again, to instance 602 (TransactionMetadata.prepareIncrementProducerEpoch).
// Instance 600, still at epoch 4, is not fenced: its AddPartitionsToTxn passes (64.32 s) and x600-4
// (sequence 1) is appended at t/0 offset 102. 602's x602-2 (sequence 0, epoch 4) is answered as a
// duplicate of 600's x600-3 at 91 (ProducerStateEntry.findDuplicateBatch), and 602's EndTxn(COMMIT)
// writes COMMIT at 103 for producer 1048623000 epoch 4, which ends the transaction open on t/0 from
// 102 (ProducerAppendInfo.appendEndTxnMarker: from currentTxnFirstOffset, whoever sent its records):
// 600's x600-4 is committed while its client fails the transaction (abortable-error, 75.54 s). Kafka
// does the same; the shared-epoch rule (sharedEpochBreach) already explained the duplicate answer
// (inconsistent-offsets at 91) but not the read side of the shared marker. It now names a G1a whose
// values were sent at the shared epoch and whose abort the client saw after the second instance began
// (without it the run is a violation).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a read_committed poll reads records another instance at the same producer epoch committed', () => {
  it('seed 540094363: the aborted read of x600-4 names the breach of __transaction_state/1', () => {
    const input = fixtureInput(540094363, 'zookeeper');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(540094363, input);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const read = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(read.map((a) => [a.values, a.offsets])).toEqual([[['x600-4'], [102]]]);
    expect(read[0].expectedBecause?.rule).toBe('min-isr-power-loss');
    expect([read[0].expectedBecause?.topic, read[0].expectedBecause?.partition]).toEqual(['__transaction_state', 1]);
    const twice = result.verdict.anomalies.find((a) => a.kind === 'inconsistent-offsets');
    expect([twice?.offsets, twice?.values]).toEqual([[91], ['x600-3', 'x602-2']]);
    expect(twice?.expectedBecause?.topic).toBe('__transaction_state');
  });
});
