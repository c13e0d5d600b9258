// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions).
// bench/zoo's guided campaign of vote-without-log-check, base 3000001, seed 3000288 (a mutated input, replayed by
// scripts/replay-guided.ts and shrunk to 2 faults, 40 sends) reported on the correct model: "A poll of t/1 by
// process 300001 returned "x601-13" at offset 30, but the transaction that sent it was aborted (PRODUCER_FENCED)"
// (seeds 3000319, 3000570 and 3000724 of that campaign: the same G1a).
//
// The run moved with the KRaft metadata timing (25 ms append linger, flush after a drain): the same fixture, its
// faults unchanged, now reaches the same chain with instance 600 of tx-0 and one record, x600-13 at offset 28 of
// t/1 (and does so for every shift of either fault tried: the 1st's afterMs 1,488–1,888 ms, the 2nd's delay
// 1.38–2.58 s). The numbers below are that run's.
//
// The chain: instance 600 of tx-0 began a transaction at 1.71 s that sent x600-13 to t/1, appended at 28 but never
// acknowledged (broker 1 lost power at 1.72 s); at 3.69 s every broker lost power, taking the unflushed records of
// `__transaction_state`/0 (brokers 1 and 3: min-isr-power-loss, beyond the promise), with them the transaction's
// Ongoing state listing t/1. The coordinator reloads only what the log kept
// (TransactionStateManager.loadTransactionsForTxnTopicPartition), so its abort at the fencing (PRODUCER_FENCED,
// 11.92 s) wrote no marker to t/1 (TransactionMarkerChannelManager.addTxnMarkersToSend sends markers to
// txnMetadata.topicPartitions only, 3.9.0): t/1 kept x600-13 as an open transaction of the producer. The
// producer's next transaction on t/1 (x600-18, x600-19 at 42, 43, committed at 12.71 s) joined it
// (ProducerAppendInfo.appendDataBatch keeps currentTxnFirstOffset) and committed: the COMMIT marker ends the
// transaction from its first offset (ProducerAppendInfo.appendEndTxnMarker → CompletedTxn(firstOffset)), so the
// fenced transaction's record became committed and a read_committed poll of process 601000 returned it (13.23 s).
// Kafka does the same: the mirror of txnOutcomeLostBreach's committed transaction aborted after all. Without the
// G1a case of txnOutcomeLostBreach (txnOutcomeValues) the run is a violation (checked by reverting it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a fenced transaction left open by a loss of __transaction_state is committed by the next one', () => {
  it('seed 3000288 (zoo guided input): the G1a names the breach of __transaction_state', () => {
    const { result, failing } = rerun(3000288, fixtureInput(3000288));
    expect(failing).toEqual([]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => [a.topic, a.partition, a.values, a.offsets])).toEqual([['t', 1, ['x600-13'], [28]]]);
    for (const a of g1a) {
      expect(a.expectedBecause?.topic).toBe('__transaction_state');
      expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    }
  });
});
