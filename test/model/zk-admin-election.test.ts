// KafkaController.processReplicaLeaderElection's answers in ZooKeeper mode (model/zk-controller.ts
// processAdminElection), through the admin node's ElectLeadersRequest (model/zk-cluster.ts ZkAdmin):
// a broker that is not the controller answers NOT_CONTROLLER, an unknown partition
// UNKNOWN_TOPIC_OR_PARTITION, a PREFERRED election of a partition its first replica leads and an
// UNCLEAN one of a partition with a live leader ELECTION_NOT_NEEDED, none writing ZooKeeper.

import { describe, expect, it } from 'vitest';
import type { ZkAdminElectionOutcome } from '../../model/zk-controller.ts';
import { ZK_ADMIN_ID, ZkAdmin } from '../../model/zk-cluster.ts';
import { ZK_TEST_BROKERS, ZK_TEST_TOPIC, zkTestCluster } from './helpers.ts';

describe('admin elections in ZooKeeper mode: the answers that need no election', () => {
  it('NOT_CONTROLLER, UNKNOWN_TOPIC_OR_PARTITION and ELECTION_NOT_NEEDED, ZooKeeper untouched', () => {
    const { sim, cluster, broker, runUntil, active, zkState } = zkTestCluster({
      seed: 3,
      variant: 'correct',
      config: {},
      workload: { sends: 20, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 },
    });
    cluster.start();
    const settled = () => {
      const s = zkState();
      return active().length === 1 && s !== undefined && s.leader >= 0 && s.leader === s.replicas[0];
    };
    expect(runUntil(settled, 30_000)).toBe(true);
    const controller = active()[0];
    const other = ZK_TEST_BROKERS.find((b) => b !== controller)!;
    const before = zkState()!;
    const admin = sim.actor<ZkAdmin>(ZK_ADMIN_ID);
    if (!(admin instanceof ZkAdmin)) throw new Error('no admin node');
    const answers: [string, ZkAdminElectionOutcome][] = [];
    const ask = (to: number, partition: number, election: 'preferred' | 'unclean', label: string) =>
      admin.electLeaders(to, { topic: ZK_TEST_TOPIC, partition, election }, (o) => answers.push([label, o]));
    ask(other, 0, 'preferred', 'not the controller');
    ask(controller, 7, 'preferred', 'unknown partition');
    ask(controller, 0, 'preferred', 'first replica leads');
    ask(controller, 0, 'unclean', 'live leader');
    expect(runUntil(() => answers.length === 4, 1_000)).toBe(true);
    const leader = before.leader;
    expect(new Map(answers)).toEqual(
      new Map([
        ['not the controller', { error: 'NOT_CONTROLLER', leader: -1, unclean: false }],
        ['unknown partition', { error: 'UNKNOWN_TOPIC_OR_PARTITION', leader: -1, unclean: false }],
        ['first replica leads', { error: 'ELECTION_NOT_NEEDED', leader, unclean: false }],
        ['live leader', { error: 'ELECTION_NOT_NEEDED', leader, unclean: false }],
      ]),
    );
    expect(broker(controller)?.zk.isActive()).toBe(true);
    const after = zkState()!;
    expect([after.leader, after.leaderEpoch, after.partitionEpoch]).toEqual([
      before.leader,
      before.leaderEpoch,
      before.partitionEpoch,
    ]);
  });
});
