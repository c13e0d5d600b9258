// ZooKeeper mode (issue 16): swarm seed 2983 (base 0, `--controller zookeeper`), shrunk to one
// fault: every link of the leader, which is also the controller, slowed by 9.9 s for 35.6 s.
// The controller's own AlterPartition write (the leader's ISR shrink) is applied while its
// ZooKeeper connection times out; the retried write meets BADVERSION, so the controller
// answers INVALID_UPDATE_VERSION and keeps the old zkVersion (KafkaController
// .tryProcessAlterPartition), and the leader waits for a LeaderAndIsr
// (Partition.handleAlterPartitionError). The run was reported as a liveness failure and
// counted among Kafka's own stale-cache findings, but the model was harsher than Kafka: with
// auto.leader.rebalance.enable (the default) the controller checks for leaders off their
// preferred replica 5 s after failover and every leader.imbalance.check.interval.seconds
// (20 s in this seed) after (KafkaController.processAutoPreferredReplicaLeaderElection →
// checkAndTriggerAutoLeaderRebalance). Here the stuck leader is not the preferred replica and
// the preferred one is live and in the ISR, so Kafka elects it from a fresh read of the state
// znode (PartitionStateMachine.doElectLeaderForPartitions, Election.leaderForPreferredReplica):
// the cache catches up with ZooKeeper, the old leader hears LeaderAndIsr and the new one
// grows the ISR. The model had no automatic preferred election in ZooKeeper mode; now it has.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: the automatic preferred-leader election refreshes a stale controller cache', () => {
  it('seed 2983: recovers through the preferred replica, as Kafka does', () => {
    const input = fixtureInput(2983, 'zookeeper');
    const { result, failing } = rerun(2983, input);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('zk-auto-leader-rebalance-elected');
  });

  it('seed 2983 with auto.leader.rebalance.enable=false: the stale cache stays, as in Kafka (the finding)', () => {
    const input = fixtureInput(2983, 'zookeeper');
    const timing = { ...input.shape.timing, 'auto.leader.rebalance.enable': false };
    const { result, failing } = rerun(2983, { ...input, shape: { ...input.shape, timing } });
    expect(result.codeProbes).not.toContain('zk-auto-leader-rebalance-elected');
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['zk-stale-controller-cache']);
  });
});
