// Regression (model: KafkaCluster.hangingTransactions, read by driver/promise.ts hangingTxnBreach).
//
// Swarm seeds 280071832, 280032285 and 280035467 (base 280,000,000, Kafka 4.1, transaction.version
// 2, the correct model) reported liveness: "The producers' sends had not all completed (ok, failed
// or timed out) by …, although every fault healed at …", naming consume-transform-produce
// producers (600; 601; 600, 601 and 602). The chain (seed 280071832):
// 1. tx-0's transaction at epoch 9 polled t/0, sent x600-12, AddOffsetsToTxn added
//    `__consumer_offsets`/0 (Ongoing at offset 24 of `__transaction_state`/1) and its
//    TxnOffsetCommit for group ctp-tx-0 was appended there as producer 3000000's transactional
//    batch; the coordinator, broker 1, wrote PrepareCommit (offset 25) and was killed at once.
// 2. Broker 2, the other replica, lost power 8 s later with offsets 20–25 unflushed; with both
//    replicas down uncleanly it was elected as the last known leader (KIP-966) with a log ending
//    at 20: a breach of `__transaction_state`/1 (last-known-leader-elected).
// 3. Its coordinator loaded tx-0 as Ongoing at epoch 6 with t/0 only
//    (TransactionStateManager.loadTransactionsForTxnTopicPartition), fenced the producer's EndTxn
//    retry and aborted on the next InitProducerId, sending the ABORT marker to t/0 only
//    (TransactionMarkerChannelManager.addTxnMarkersToSend: txnMetadata.topicPartitions). No marker
//    ever reaches `__consumer_offsets`/0.
// 4. The group coordinator keeps producer 3000000's offsets pending (OffsetMetadataManager
//    .replay; only replayEndTransactionMarker removes them), and OffsetFetch with requireStable
//    answers UNSTABLE_OFFSET_COMMIT for t/0 (fetchOffsets → hasPendingTransactionalOffsets), which
//    the consumer retries for good (ConsumerCoordinator: UnstableOffsetCommitException is a
//    RetriableException). The producer's next transaction never gets past its OffsetFetch.
// Kafka does the same: a hanging transaction on `__consumer_offsets` (only an operator's
// `kafka-transactions.sh abort`, KIP-664, ends it). The promise explained a hanging transaction
// after such a breach only on the workload's topics: KafkaCluster.hangingTransactions did not
// look at `__consumer_offsets`. Seeds 280032285 (group ctp-tx-1) and 280035467 (601 on
// ctp-tx-1, beside 600 and 602 on the wedged tx-0: wedged-transactional-id.test.ts) are the same.
// Seed 280035467's fixture is a hand-shifted schedule derived from its shrink: the kill of the
// coordinator on the 2nd PrepareCommit after 36 s, not 24.743 s. Under the KRaft metadata timing
// (25 ms append linger, flush after a drain) the shrink's kill came at 30.89 s, 12 s before broker
// 2's isolation and broker 1's torn power loss, and the run was clean; kills after 31–41.5 s give
// the hang again. In the shifted run tx-1 (producer 601) appends group ctp-tx-1's offsets at
// `__consumer_offsets`/0 offset 2, the coordinator, broker 3, writes PrepareCommit (offset 19 of
// `__transaction_state`/0) and is killed at once (41.64 s, 1.4 s before broker 1's torn power
// loss, as in the original run), and at 52.75 s broker 1 is elected last known leader of
// `__transaction_state`/0 with a log ending at 13, below the HW 19; 601 hangs on ctp-tx-1's
// offsets. Only 601 is stuck there: the wedge of tx-0 (600, 602) of the original run is not reached.
// KafkaCluster.hangingTransactions now looks at `__consumer_offsets` too; such a hang explains a
// liveness failure naming no partition only for the producers of its group
// (KafkaCluster.offsetsHungTxnProducers, promise.ts stuckNodesBreach), not, say, the final read.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../../model/config.ts';
import { expectedBecause, type PromiseEvidence } from '../../../driver/promise.ts';
import type { Anomaly, PromiseBreach } from '../../../checkers/verdict.ts';

describe('a transactional offset commit left pending on __consumer_offsets by a __transaction_state breach', () => {
  for (const [seed, suffix] of [[280071832], [280032285], [280035467, 'shifted']] as [number, string?][]) {
    it(`seed ${seed}: the consume-transform-produce producer stuck on UNSTABLE_OFFSET_COMMIT is explained`, () => {
      const { result, failing } = rerun(seed, fixtureInput(seed, suffix));
      expect(failing).toEqual([]);
      expect(result.outcome).toBe('expected-loss');
      const stuck = result.verdict.anomalies.filter((a) => a.kind === 'liveness');
      expect(stuck.length).toBeGreaterThan(0);
      for (const a of stuck) {
        expect(a.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', topic: TXN_STATE_TOPIC });
      }
    });
  }

  it('seed 280071832, the situation: ctp-tx-0 offsets appended transactionally, no marker after them', () => {
    const { result } = rerun(280071832, fixtureInput(280071832), 'correct', true);
    const trace = result.trace!;
    const appends = trace.timeline.filter(
      (e) => e.kind === 'append' && (e as { topic?: string }).topic === OFFSETS_TOPIC && e.partition === 0,
    ) as Array<{ t: number; firstOffset: number; values: string[] }>;
    // The one record of __consumer_offsets/0 is the transaction's offset commit (written at 32.39 s,
    // re-fetched by broker 2 after its power loss); nothing, no COMMIT or ABORT marker, follows it.
    expect(appends.length).toBeGreaterThan(0);
    expect(appends.every((e) => e.firstOffset === 0 && e.values.length === 1)).toBe(true);
    expect(JSON.parse(appends[0].values[0])).toMatchObject({ type: 'OffsetCommit', group: 'ctp-tx-0', offset: 33 });
    // Producer 600's last transaction (a consume-transform-produce one) was invoked and never ended.
    const ops = trace.history.filter((h) => h.process === 600000 && h.f === 'txn');
    const last = ops[ops.length - 1];
    expect(last.type).toBe('invoke');
    expect(JSON.stringify(last.value)).toContain('fetch-offsets');
  });
});

describe('the promise: a hang on __consumer_offsets explains the producers it holds up, node by node', () => {
  const breach = (topic: string, partition: number): PromiseBreach =>
    ({ rule: 'last-known-leader-elected', topic, partition, atUs: 40_000_000 }) as PromiseBreach;
  const idle = (nodes: number[]): Anomaly => ({ kind: 'liveness', explanation: "The producers' sends …", nodes });
  const evidence = (
    breaches: PromiseBreach[],
    hung: Map<number, number>,
    wedged = new Map<number, number>(),
    hanging = new Map([[`${OFFSETS_TOPIC}/0`, 0]]),
  ): PromiseEvidence =>
    ({
      breaches,
      hangingTransactions: hanging,
      wedgedTxnProducers: wedged,
      hangingAtLivenessEnd: new Map(),
      wedgedAtWorkloadDeadline: new Map(),
      offsetsHungTxnProducers: hung,
      offsetsHungAtWorkloadDeadline: new Map(),
      resent: { size: 0 },
    }) as unknown as PromiseEvidence;

  it('explains a producer whose group partition hangs, after a breach of __transaction_state or of it', () => {
    const state = breach(TXN_STATE_TOPIC, 1);
    expect(expectedBecause(idle([600]), evidence([state], new Map([[600, 0]])))).toBe(state);
    const offsets = breach(OFFSETS_TOPIC, 0);
    expect(expectedBecause(idle([600]), evidence([offsets], new Map([[600, 0]])))).toBe(offsets);
  });

  it('and beside it producers on a wedged id (seed 280035467: 600, 602 wedged on tx-0, 601 on ctp-tx-1)', () => {
    const state = breach(TXN_STATE_TOPIC, 0);
    const e = evidence(
      [state],
      new Map([[601, 0]]),
      new Map([
        [600, 0],
        [602, 0],
      ]),
    );
    expect(expectedBecause(idle([600, 601, 602]), e)).toBe(state);
  });

  it('nothing else: a node not held up by it (the final read, a plain producer), another partition, no breach', () => {
    const hung = new Map([[600, 0]]);
    const state = breach(TXN_STATE_TOPIC, 1);
    expect(expectedBecause(idle([400]), evidence([state], hung))).toBeUndefined();
    expect(expectedBecause(idle([600, 200]), evidence([state], hung))).toBeUndefined();
    expect(expectedBecause(idle([600]), evidence([breach(OFFSETS_TOPIC, 1)], hung))).toBeUndefined();
    expect(expectedBecause(idle([600]), evidence([breach('t', 0)], hung))).toBeUndefined();
    expect(expectedBecause(idle([600]), evidence([], hung))).toBeUndefined();
  });
});
