// Consumer groups and transactions in ZooKeeper mode (issue 16 item 3), hand-built: the admin
// creates `__consumer_offsets` / `__transaction_state` through ZooKeeper, the coordinators follow
// the LeaderAndIsr their partitions' leaders get (KafkaApis.handleLeaderAndIsrRequest →
// RequestHandlerHelper.onLeadershipChange → onElection / onResignation), and what they
// committed survives the loss of their broker.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import type { Broker } from '../../model/broker.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../model/config.ts';
import { ZkBroker } from '../../model/zk-broker.ts';
import { clusterSpecOf, overrideShape, workloadSpecOf, type ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';
import { listenCodeProbes } from '../../harness/code-probes.ts';

function zkRun(input: ScenarioInput, seed: number) {
  const zk = overrideShape(input, { controller: 'zookeeper' });
  const sim = new Simulation<ModelProbe>({ seed });
  const cluster = buildCluster(sim, clusterSpecOf(zk), workloadSpecOf(zk));
  cluster.start();
  const broker = (id: number) => sim.actor<Broker>(id) as Broker | undefined;
  /** The running broker leading partition 0 of `topic`, with its leader epoch. */
  const leaderOf = (topic: string) => {
    for (const id of cluster.brokerIds) {
      const p = broker(id)?.partition(topic, 0);
      if (p?.role === 'leader') return { id, leaderEpoch: p.leaderEpoch };
    }
    return undefined;
  };
  const runUntil = (cond: () => boolean, ms: number): boolean => {
    sim.run({ untilUs: sim.now() + ms * 1000, stopWhen: cond });
    return cond();
  };
  return { sim, cluster, broker, leaderOf, runUntil, spec: clusterSpecOf(zk) };
}

/** The committed offset of the group's partition t-0 as kafka-consumer-groups.sh --describe prints it. */
function committedOffset(describe: string): number {
  const row = describe.split('\n').find((l) => /^g1 +t +0 /.test(l));
  const current = row?.split(/ +/)[3];
  return current === undefined || current === '-' ? -1 : Number(current);
}

describe('ZooKeeper mode: consumer groups', () => {
  it('the committed offset survives the loss of the __consumer_offsets leader: the coordinator moves', () => {
    const input = groupScenarioInput([], { sends: 300, sendIntervalMs: 100, group: { autoCommitIntervalMs: 500 } });
    const r = zkRun(input, 11);
    expect(r.spec.zookeeper).toBeDefined();
    // the group members are not on the ensemble's node ids
    expect(r.cluster.consumerIds.every((id) => !r.cluster.controllerIds.includes(id))).toBe(true);
    expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > 20, 20_000)).toBe(true);
    const before = committedOffset(r.cluster.describeGroup('g1'));
    const old = r.leaderOf(OFFSETS_TOPIC)!;
    expect(r.broker(old.id)).toBeInstanceOf(ZkBroker);
    r.sim.crash(old.id);
    // The controller elects a new leader from the ISR; its LeaderAndIsr makes it the coordinator.
    expect(r.runUntil(() => r.leaderOf(OFFSETS_TOPIC) !== undefined, 30_000)).toBe(true);
    const now = r.leaderOf(OFFSETS_TOPIC)!;
    expect(now.id).not.toBe(old.id);
    expect(now.leaderEpoch).toBeGreaterThan(old.leaderEpoch);
    // the new coordinator loads the partition and serves the offset committed before, then newer ones
    expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > before, 30_000)).toBe(true);
  });
});

describe('ZooKeeper mode: a new leader epoch of the same leadership', () => {
  it('keeps the loaded groups (GroupMetadataManager.addLoadingPartition): no resignation, no reload', () => {
    const input = groupScenarioInput([], { sends: 300, sendIntervalMs: 100, group: { autoCommitIntervalMs: 500 } });
    const r = zkRun(input, 11);
    const hits: string[] = [];
    const stop = listenCodeProbes((name) => hits.push(name));
    try {
      expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > 10, 20_000)).toBe(true);
      const leader = r.leaderOf(OFFSETS_TOPIC)!;
      const controller = r.cluster.brokerIds.find((id) => (r.broker(id) as ZkBroker).zk.isActive());
      const follower = r.cluster.brokerIds.find((id) => id !== leader.id && id !== controller)!;
      hits.length = 0;
      r.sim.crash(follower);
      // the controller takes the follower out of the ISR at its session's expiry, in a new leader epoch
      expect(r.runUntil(() => (r.leaderOf(OFFSETS_TOPIC)?.leaderEpoch ?? 0) > leader.leaderEpoch, 40_000)).toBe(true);
      expect(r.leaderOf(OFFSETS_TOPIC)!.id).toBe(leader.id);
      expect(hits).toContain('zk-group-coordinator-epoch-raised');
      expect(hits).not.toContain('group-coordinator-resigned');
      expect(hits).not.toContain('group-coordinator-loaded');
      const before = committedOffset(r.cluster.describeGroup('g1'));
      expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > before, 20_000)).toBe(true);
    } finally {
      stop();
    }
  });
});

describe("ZooKeeper mode: the Scala group coordinator's acks=-1 offset writes", () => {
  it('refuses commits COORDINATOR_NOT_AVAILABLE while the ISR is below min.insync.replicas, commits once back', () => {
    const base = groupScenarioInput([], { sends: 400, sendIntervalMs: 100, group: { autoCommitIntervalMs: 500 } });
    // min ISR 3 of 3: one follower down takes the ISR below it, and the group needs no write to stay
    const r = zkRun({ ...base, shape: { ...base.shape, minInsync: 3 } }, 11);
    const hits: string[] = [];
    const stop = listenCodeProbes((name) => hits.push(name));
    try {
      expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > 10, 20_000)).toBe(true);
      const leader = r.leaderOf(OFFSETS_TOPIC)!;
      const controller = r.cluster.brokerIds.find((id) => (r.broker(id) as ZkBroker).zk.isActive());
      const follower = r.cluster.brokerIds.find((id) => id !== leader.id && id !== controller)!;
      r.sim.crash(follower);
      // the controller (or the leader, replica.lag.time.max.ms) drops the follower from the ISR: 2 < min ISR 3
      const refused = () => hits.includes('zk-group-commit-not-enough-replicas');
      expect(r.runUntil(refused, 60_000)).toBe(true);
      expect(r.broker(leader.id)!.partition(OFFSETS_TOPIC, 0)!.isr).not.toContain(follower);
      const during = committedOffset(r.cluster.describeGroup('g1'));
      r.sim.run({ untilUs: r.sim.now() + 3_000_000 });
      expect(committedOffset(r.cluster.describeGroup('g1'))).toBe(during);
      r.sim.start(follower);
      expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > during, 60_000)).toBe(true);
    } finally {
      stop();
    }
  });

  it('3.6: a commit the HW passes once the ISR is below min ISR is answered COORDINATOR_NOT_AVAILABLE', () => {
    const base = groupScenarioInput([], { sends: 400, sendIntervalMs: 100, group: { autoCommitIntervalMs: 500 } });
    // Kafka 3.6: the HW still advances below min ISR (KAFKA-15583 came in 3.7)
    const r = zkRun({ ...base, shape: { ...base.shape, minInsync: 3, kafkaVersion: '3.6' } }, 11);
    const hits: string[] = [];
    const stop = listenCodeProbes((name) => hits.push(name));
    try {
      expect(r.runUntil(() => committedOffset(r.cluster.describeGroup('g1')) > 10, 20_000)).toBe(true);
      const leader = r.leaderOf(OFFSETS_TOPIC)!;
      const p = r.broker(leader.id)!.partition(OFFSETS_TOPIC, 0)!;
      const follower = p.isr.find((id) => id !== leader.id)!;
      // a commit appended the followers have not fetched yet: cut one follower from the leader then
      expect(r.runUntil(() => p.log.leo > p.log.hw, 10_000)).toBe(true);
      r.sim.network.cut({ kind: 'link', a: leader.id, b: follower });
      // the leader drops it from the ISR (replica.lag.time.max.ms), the HW passes the commit: 2 < min ISR 3
      expect(r.runUntil(() => hits.includes('zk-group-commit-not-enough-replicas-after-append'), 60_000)).toBe(true);
      expect(p.isr).not.toContain(follower);
      expect(p.leaderEpoch).toBe(leader.leaderEpoch);
    } finally {
      stop();
    }
  });
});

describe('ZooKeeper mode: transactions', () => {
  it('a transactional producer commits across the loss of the controller and the __transaction_state leader', () => {
    const base = groupScenarioInput([], { sends: 0 });
    const { group: _group, ...workload } = base.workload;
    const input: ScenarioInput = {
      ...base,
      workload: {
        ...workload,
        transactions: {
          producers: 1,
          ids: 1,
          transactions: 40,
          maxSends: 3,
          abortRatio: 0,
          timeoutMs: 10_000,
          intervalMs: 200,
          statePartitions: 1,
        },
      },
    };
    const r = zkRun(input, 5);
    const committed = () => r.cluster.history.filter((e) => e.f === 'txn' && e.type === 'ok').length;
    expect(r.runUntil(() => committed() >= 3, 30_000)).toBe(true);
    const before = committed();
    const coordinator = r.leaderOf(TXN_STATE_TOPIC)!;
    const controller = r.cluster.brokerIds.find((id) => {
      const b = r.broker(id);
      return b instanceof ZkBroker && b.zk.isActive();
    })!;
    r.sim.crash(coordinator.id);
    if (controller !== coordinator.id) r.sim.crash(controller);
    // one broker down at least; with two, ISR 1 < min ISR 2 refuses the coordinator's writes: bring one back
    if (controller !== coordinator.id) {
      r.sim.run({ untilUs: r.sim.now() + 3_000_000 });
      r.sim.start(controller);
    }
    expect(r.runUntil(() => committed() >= before + 3, 60_000)).toBe(true);
    const now = r.leaderOf(TXN_STATE_TOPIC)!;
    expect(now.id).not.toBe(coordinator.id);
    expect(now.leaderEpoch).toBeGreaterThan(coordinator.leaderEpoch);
  });
});
