// Regression (driver: the promise, txnOutcomeLostBreach's "still open at the breach").
// swarm --controller kraft seed 500089287 (Kafka 4.1, transactional ids shared by producers 600 and 601), shrunk to
// 6 faults and 67 sends, reported on the correct model: "A poll of t/2 by process 500000 returned "x601-11" at
// offset 11, but the transaction that sent it was aborted (INVALID_PRODUCER_EPOCH)".
//
// The chain: tx-0's transaction at producer 2000001 epoch 13 appended x601-11 to t/2 at 11 (1.59 s, all three
// replicas). Instance 600's InitProducerId fenced it: the coordinator (leader of `__transaction_state`/1, broker 1)
// wrote PrepareAbort at epoch 15 (offset 35, ISR [1,3]). At 15.5 s broker 3 took over `__transaction_state`/1 and,
// completing the abort (TransactionCoordinator.onElection → TransactionMarkerChannelManager.addTxnMarkersToSend),
// its t/2 leader appended the ABORT at 22, which broker 2 (cut off from 3) never fetched. Broker 3 lost power
// (20.5 s); t/2 went to broker 2 from the ELR (29.5 s), and broker 3's copy of the unacknowledged ABORT was
// truncated away when it followed (54.2 s): t/2 holds x601-11 as an open transaction again. Broker 3 lost the
// unflushed tail of `__transaction_state`/1 and was elected its last known leader (33.2 s, beyond the promise):
// the coordinator reloaded tx-0 as Empty at epoch 11 (TransactionStateManager.loadTransactionsForTxnTopicPartition)
// and granted epochs 12 and 13 again. Instance 601's next transaction at epoch 13 sent x601-14 to t/2 at sequence
// 0, which the leader answered as a duplicate of x601-11's batch at offset 11 (UnifiedLog
// .analyzeAndValidateProducerState → ProducerStateEntry.findDuplicateBatch compares the epoch and sequence range
// only), and its COMMIT at epoch 14 ended the open transaction from offset 11 (ProducerAppendInfo
// .appendEndTxnMarker): x601-11 was read committed. Kafka does the same. txnOutcomeLostBreach explains such a G1a
// but counted the ABORT broker 3 had appended at 22 as closing the transaction before the breach, though t/2 lost
// it; a marker now closes a transaction only if the last look's leader log does not hold another record at its
// offset (TxnOutcomes.closedBefore). Without that the run is a violation (checked by reverting it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a G1a after the loss of both the ABORT marker and the coordinator state that would rewrite it', () => {
  it('swarm --controller kraft seed 500089287: the G1a names the breach of __transaction_state/1', () => {
    const { result, failing } = rerun(500089287, fixtureInput(500089287));
    expect(failing).toEqual([]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => [a.topic, a.partition, a.values, a.offsets])).toEqual([['t', 2, ['x601-11'], [11]]]);
    expect(g1a[0].expectedBecause?.topic).toBe('__transaction_state');
    expect(g1a[0].expectedBecause?.partition).toBe(1);
    expect(g1a[0].expectedBecause?.rule).toBe('last-known-leader-elected');
  });
});
