// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions).
// The swarm reported on the correct model, seed 200004756 (campaign base 200,000,000): "Send of
// "x600-8" to t/0 by process 600000 was of unknown outcome, but its operation committed (a poll
// returned one of its records), yet no poll ever returned it although polls read past it".
//
// The chain (shrunk run): producer 2000001 of tx-0 took epoch 3 (the Empty record at offset 7
// of `__transaction_state`/2) and sent x600-7 at t/0 offset 35 (sequence 0); its PrepareCommit
// (epoch 4, transaction.version 2) was written; then all three brokers lost power and
// `__transaction_state`/2 kept offsets below 7, t/0 kept x600-7 with no marker. Fenced, the
// application opened a new producer; the coordinator, reloaded at epoch 2
// (TransactionStateManager.loadTransactionsForTxnTopicPartition), granted epoch 3 again
// (TransactionMetadata.prepareIncrementProducerEpoch). The new transaction's first batch,
// x600-8 at sequence 0 of epoch 3, matched x600-7's in t/0's producer state
// (ProducerStateEntry.findDuplicateBatch compares the epoch and the sequence range only) and was
// acknowledged at offset 35, never appended; x600-9 and x600-10 joined the open transaction and
// its commit made them and x600-7 readable. Kafka does the same. The checker's inference is
// right (the operation did commit); the promise's shared-epoch rule counted instances per
// history process, and here one process held the epoch before the breach and again after it.
// It now ends an instance at a fatal `txn` error (sharedEpochs).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('one process re-granted the producer epoch it held before a breach of __transaction_state', () => {
  it('seed 200004756: the record answered as a duplicate of the old instance batch is explained', () => {
    const { result, failing } = rerun(200004756, fixtureInput(200004756));
    expect(failing).toEqual([]);
    const lost = result.verdict.anomalies.filter((a) => a.kind === 'lost-write');
    expect(lost.map((a) => [a.values, a.offsets])).toEqual([[['x600-8'], [35]]]);
    expect(lost[0].expectedBecause?.topic).toBe('__transaction_state');
  });
});
