// Regression (model/zk-cluster.ts: ZooKeeper mode's view of the internal topics). With
// transactions in ZooKeeper mode (main c7893ea), the correct model reported two --controller
// zookeeper swarm seeds: "The producers' sends had not all completed (ok, failed or timed out)
// by …, although every fault healed at …" (nodes [601], a consume-transform-produce
// transactional producer), both in runs beyond the promise. The hangs are Kafka's; the evidence
// was missing: ZkClusterView read ZooKeeper's partition state (/brokers/topics/T/partitions/P/
// state) for the workload's topics only, so KafkaCluster.wedgedTxnProducers,
// offsetsHungTxnProducers and hangingTransactions, which look up the leaders of
// `__transaction_state` and `__consumer_offsets` in it, found none in ZooKeeper mode, and the
// promise's node-by-node rule (driver/promise.ts stuckTxnProducerBreach) never saw the stuck
// producer. KRaft mode's view reads the committed image, which holds every topic. The view now
// reads every topic the admin created (the internal ones too); `describe` still prints the
// workload's.
//
// Seed 370008898 (fixtures/seed-370008898-zookeeper.json, shrunk to 5 faults): a wedged id.
// - 40.149978 s: __transaction_state/0 (replicas [2, 1, 3]) leader 2, epoch 2, ISR [2, 3, 1]:
//   broker 1 back in the ISR; 100 µs after a 93 ms one-way cut 3 → 2, broker 1 loses power
//   (40.150242 s) with its copy of the partition unflushed: its log recovers to 18, below the
//   HW 33 (min-isr-power-loss: in ZooKeeper mode one such replica is beyond the promise). The
//   records above 18 hold tx-0's epoch bumps 9–12 (coordinator 2 answered InitProducerId epoch
//   12 at 32.29 s).
// - 42.36 s: broker 2's controlled shutdown (the rolling restart) moves the partition to broker 1,
//   whose old session still lives (Election.leaderForControlledShutdown: leader 1, epoch 3, ISR
//   [3, 1]); broker 1 leads from its log end 18 and followers 3 and 2 truncate to 18 at 62.38 s
//   (diverging epoch). Its coordinator loads tx-0 as PrepareCommit at epoch 8 (the last record
//   below 18) and sends the COMMIT markers at epoch 8; t/0 had seen epoch 12 and refuses them,
//   INVALID_PRODUCER_EPOCH (ProducerAppendInfo.checkProducerEpoch); the coordinator cancels the
//   sending with CompleteCommit pending (TransactionMarkerRequestCompletionHandler.onComplete);
//   broker 2, leader again (epoch 5), loads and wedges the same way. InitProducerId is answered
//   CONCURRENT_TRANSACTIONS to the end (210 s): the wedged id of wedged-transactional-id.test.ts.
//
// Seed 370015807 (fixtures/seed-370015807-zookeeper.json, shrunk to 3 faults): hanging offsets.
// - tx-1's transaction at producer id 1048603001 (epoch 0) has its TxnOffsetCommit appended to
//   __consumer_offsets/0 (offset 4, leader 2) and a send to t/1 (offset 8); its EndTxn meets
//   NOT_COORDINATOR from broker 3 (killed at 3.5 s, back at 3.77 s, unregistered until its old
//   session expires at 20.02 s), then PRODUCER_FENCED from broker 1 (leader of
//   __transaction_state/0 from 20.03 s: the transaction timed out, 2,776 ms).
// - 20.86 s: broker 1's controlled shutdown moves __transaction_state/0 (replicas [3, 1]) to
//   broker 3 (ISR [3]); 20.88 s broker 3 loses power: its copy of the partition recovers empty.
//   From 40.16 s it leads again (epoch 5) from an empty log, and broker 1 truncates to 0: no
//   coordinator knows producer id 1048603001. InitProducerId gives tx-1 a new producer id
//   (1048709000), and the abandoned transaction's pending offsets on __consumer_offsets/0 get no
//   marker (GroupMetadata.completePendingTxnOffsetCommit runs only on one, 3.9.0-rc3): the
//   Scala group coordinator answers OffsetFetch(requireStable) for ctp-tx-1 with
//   UNSTABLE_OFFSET_COMMIT (GroupMetadataManager.getOffsets, hasPendingOffsetCommitsForTopicPartition)
//   to the end (267 s): the hanging offsets of hanging-offsets-after-state-loss.test.ts.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../../model/config.ts';

function producerLiveness(seed: number) {
  const { result, failing } = rerun(seed, fixtureInput(seed, 'zookeeper'));
  const stuck = result.verdict.anomalies.filter((a) => a.kind === 'liveness' && a.nodes?.includes(601));
  return { result, failing, stuck };
}

describe('ZooKeeper mode: the hang evidence reads the internal topics', () => {
  it('seed 370008898: producer 601 on the wedged tx-0 is explained by the power loss of __transaction_state/0', () => {
    const { result, failing, stuck } = producerLiveness(370008898);
    expect(failing).toEqual([]);
    expect(stuck).toHaveLength(1);
    expect(stuck[0].expectedBecause).toMatchObject({
      rule: 'min-isr-power-loss',
      topic: TXN_STATE_TOPIC,
      partition: 0,
      event: 'power loss of broker 1',
      // 40_150_242 before ZooKeeper mode's transaction coordinator went on across a later leader
      // epoch of its leadership (model/txn-host.ts, seed 520046712): the run's events moved 1.4 ms.
      atUs: 40_151_598,
    });
    expect(result.codeProbes).toContain('txn-marker-sending-cancelled');
  });

  it("seed 370015807: producer 601 on ctp-tx-1's hanging offsets is explained by a breach it may follow from", () => {
    const { failing, stuck } = producerLiveness(370015807);
    expect(failing).toEqual([]);
    expect(stuck).toHaveLength(1);
    const because = stuck[0].expectedBecause;
    expect(because).toMatchObject({ rule: 'min-isr-power-loss', event: 'power loss of broker 3', atUs: 20_883_384 });
    // stuckTxnProducerBreach: a breach of __transaction_state, or of the group's offsets partition (0).
    const offsetsOwn = because?.topic === OFFSETS_TOPIC && because.partition === 0;
    expect(because?.topic === TXN_STATE_TOPIC || offsetsOwn).toBe(true);
  });
});
