// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions).
// bench/zoo's guided campaign of vote-without-log-check, base 3000001, seed 3000288 (a mutated input, replayed by
// scripts/replay-guided.ts and shrunk to 2 faults, 40 sends) reported on the correct model: "A poll of t/1 by
// process 300001 returned "x601-13" at offset 30, but the transaction that sent it was aborted (PRODUCER_FENCED)"
// (seeds 3000319, 3000570 and 3000724 of that campaign: the same G1a).
//
// The chain: instance 601 of tx-1 (producer 2000000, epoch 5) appended x601-13 and x601-14 to t/1 at 30 and 31 at
// 1.73 s; at 3.67 s every broker lost power, taking the unflushed records of `__transaction_state` (both replicas:
// min-isr-power-loss, beyond the promise), with them the transaction's Ongoing state listing t/1. The coordinator
// reloads only what the log kept (TransactionStateManager.loadTransactionsForTxnTopicPartition), so its abort at
// the fencing wrote no marker to t/1 (TransactionMarkerChannelManager.addTxnMarkersToSend sends markers to
// txnMetadata.topicPartitions only, 3.9.0): t/1 kept the two records as an open transaction of producer
// 2000000. The producer's next transaction on t/1
// joined it (ProducerAppendInfo.appendDataBatch keeps currentTxnFirstOffset) and committed: the COMMIT marker ends
// the transaction from its first offset (ProducerAppendInfo.appendEndTxnMarker → CompletedTxn(firstOffset)), so the
// fenced transaction's records became committed and a read_committed poll returned them. Kafka does the same: the
// mirror of txnOutcomeLostBreach's committed transaction aborted after all. Without the G1a case of
// txnOutcomeLostBreach the run is a violation (checked by reverting it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a fenced transaction left open by a loss of __transaction_state is committed by the next one', () => {
  it('seed 3000288 (zoo guided input): the G1a names the breach of __transaction_state', () => {
    const { result, failing } = rerun(3000288, fixtureInput(3000288));
    expect(failing).toEqual([]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => [a.values, a.offsets])).toEqual([
      [['x601-13'], [30]],
      [['x601-14'], [31]],
    ]);
    for (const a of g1a) {
      expect(a.expectedBecause?.topic).toBe('__transaction_state');
      expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    }
  });
});
