// Regression (driver: the promise, txnOutcomeLostBreach's "still open at the breach").
// swarm --controller kraft seed 500089287 (Kafka 4.1, transactional ids shared by producers 600 and 601), shrunk to
// 6 faults and 67 sends, reported on the correct model: "A poll of t/2 by process 500000 returned "x601-11" at
// offset 11, but the transaction that sent it was aborted (INVALID_PRODUCER_EPOCH)".
//
// The fixture is a hand-shifted schedule derived from the seed's shrink, two values changed: the first cut (broker 2
// from t/0's leader, broker 1) after the 18th produce acknowledgement, not the 19th, and the kill of broker 1 500 ms
// after the second fault, not 500 ms after the first ISR shrink that follows it. In the shrink's run two ISR
// shrinks were committed 0.7 ms apart (t/1 and __consumer_offsets/0 at 6.0003 s, t/0 and `__transaction_state`/1
// at 6.0010 s): the first triggered the cut of broker 3 from broker 1, the second the kill 500 ms later. Under the
// KRaft metadata timing (25 ms append linger) both are committed in one batch at 6.025 s, so the kill waited for
// the next shrink (10.03 s) and the chain was lost; "500 ms after the second fault" is the shrink's own timing.
// With the kill alone moved the run has no G1a; with the 18th acknowledgement too the chain below is back (kills
// 450–550 ms after the second fault all give it). The chain is that of the shifted run.
//
// The chain: tx-0's transaction at producer 2000000 epoch 13 appended x601-11 to t/2 at 11 (1.56 s, all three
// replicas). Instance 600's InitProducerId fenced it: the coordinator (leader of `__transaction_state`/1, broker 1)
// wrote PrepareAbort at epoch 15 (offset 35, on brokers 1 and 3). At 15.53 s broker 3 took over
// `__transaction_state`/1 and, completing the abort (TransactionCoordinator.onElection →
// TransactionMarkerChannelManager.addTxnMarkersToSend), its t/2 leader appended the ABORT at 22, which broker 2 (cut
// off from 3) never fetched. Broker 3 lost power (20.53 s); t/2 went to broker 2 from the ELR (29.53 s), and broker
// 3's copy of the unacknowledged ABORT was truncated away when it followed (54.24 s; broker 2's log has p201-14 at
// 22): t/2 holds x601-11 as an open transaction again. Broker 3 lost the unflushed tail of `__transaction_state`/1
// and was elected its last known leader (33.30 s, beyond the promise): the coordinator reloaded tx-0 as Empty at
// epoch 11 (TransactionStateManager.loadTransactionsForTxnTopicPartition) and granted epochs 12 and 13 again.
// Instance 601's next transaction at epoch 13 sent x601-14 to t/2 at sequence 0, which the leader answered as a
// duplicate of x601-11's batch at offset 11 (UnifiedLog.analyzeAndValidateProducerState →
// ProducerStateEntry.findDuplicateBatch compares the epoch and sequence range only), and its COMMIT at epoch 14
// ended the open transaction from offset 11 (ProducerAppendInfo.appendEndTxnMarker): x601-11 was read committed.
// Kafka does the same. txnOutcomeLostBreach explains such a G1a but counted the ABORT broker 3 had appended at 22 as
// closing the transaction before the breach, though t/2 lost it; a marker now closes a transaction only if the last
// look's leader log does not hold another record at its offset (TxnOutcomes.closedBefore). Without that the run is a
// violation (checked by reverting it, on the shifted run too).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a G1a after the loss of both the ABORT marker and the coordinator state that would rewrite it', () => {
  it('swarm --controller kraft seed 500089287: the G1a names the breach of __transaction_state/1', () => {
    const { result, failing } = rerun(500089287, fixtureInput(500089287, 'shifted'));
    expect(failing).toEqual([]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => [a.topic, a.partition, a.values, a.offsets])).toEqual([['t', 2, ['x601-11'], [11]]]);
    expect(g1a[0].expectedBecause?.topic).toBe('__transaction_state');
    expect(g1a[0].expectedBecause?.partition).toBe(1);
    expect(g1a[0].expectedBecause?.rule).toBe('last-known-leader-elected');
  });
});
