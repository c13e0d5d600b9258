// A ZooKeeper-mode cluster (model/zk-cluster.ts, zk-broker.ts) as buildCluster makes it:
// seed 000's describe, brokers acting on the controller's LeaderAndIsr (never ahead of
// ZooKeeper's partition state), a request of an older controller epoch or for an older
// registration refused, the classic demo's leader failover through session expiry.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { Actor, Message, NodeContext } from '../../harness/types.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import { DEFAULT_KAFKA_CONFIG, type ClusterSpec } from '../../model/config.ts';
import { ZkBroker } from '../../model/zk-broker.ts';
import type { ZkLeaderAndIsr } from '../../model/zk-controller.ts';

const TOPIC = 'test-topic';
const FAKE_CONTROLLER = 260;

/** A node that sends brokers controller requests a test builds, and keeps their answers. */
class FakeController implements Actor<Message> {
  readonly answers: Array<{ correlationId: number; error: string }> = [];
  constructor(readonly ctx: NodeContext<Message, ModelProbe>) {}
  onMessage(_from: number, msg: Message): void {
    if (msg.type === 'ZkControlResponse') this.answers.push(msg as unknown as { correlationId: number; error: string });
  }
  onTimer(): void {}
}

function zkCluster(seed: number, servers: 1 | 3 = 1, chroot?: string) {
  const sim = new Simulation<ModelProbe>({ seed });
  const spec: ClusterSpec = {
    brokers: 3,
    topics: [{ name: TOPIC, partitions: 1, replicationFactor: 3 }],
    producers: 1,
    consumers: 1,
    config: { ...DEFAULT_KAFKA_CONFIG, 'kafka.version': '3.9' },
    variant: 'correct',
    zookeeper: { servers, ...(chroot === undefined ? {} : { chroot }) },
  };
  const cluster = buildCluster(sim, spec, { sends: 100, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 });
  sim.addNode({ id: FAKE_CONTROLLER, name: 'fake-controller', factory: (ctx) => new FakeController(ctx) });
  cluster.start();
  sim.start(FAKE_CONTROLLER);
  const broker = (id: number) => sim.actor<ZkBroker>(id) as ZkBroker;
  const runUntil = (cond: () => boolean, ms: number): boolean => {
    sim.run({ untilUs: sim.now() + ms * 1000, stopWhen: cond });
    return cond();
  };
  const zkPartition = () => cluster.snapshot().controller.partitions.find((p) => p.topic === TOPIC);
  return { sim, cluster, broker, runUntil, zkPartition };
}

describe('a ZooKeeper-mode cluster (--controller zookeeper)', () => {
  it('describes the topic as seed 000 shows it, and the brokers act on what ZooKeeper holds', () => {
    const c = zkCluster(4);
    expect(c.runUntil(() => c.zkPartition()?.isr.length === 3 && c.cluster.workloadDone(), 60_000)).toBe(true);
    const [topicLine, partitionLine] = c.cluster.describe().split('\n');
    expect(topicLine).toMatch(/^Topic: test-topic\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 3\tConfigs: $/);
    const state = c.zkPartition()!;
    const leader = state.leader;
    expect(partitionLine).toBe(
      `\tTopic: test-topic\tPartition: 0\tLeader: ${leader}\tReplicas: ${state.replicas.join(',')}\t` +
        `Isr: ${state.isr.join(',')}`,
    );
    // Registrations: the czxid of /brokers/ids/N is the broker epoch each broker runs with (KIP-380).
    for (const b of c.cluster.snapshot().brokers) expect(b.brokerEpoch).toBe(b.registeredEpoch);
    // Never newer than ZooKeeper: the leader acts in ZooKeeper's leader epoch and partition epoch.
    const p = c.broker(leader).partition(TOPIC, 0)!;
    expect(p.role).toBe('leader');
    expect(p.leaderEpoch).toBe(state.leaderEpoch);
    expect(p.partitionEpoch).toBeLessThanOrEqual(state.partitionEpoch);
    // The mode's invariants (model/zk-record.ts) found nothing.
    expect(c.cluster.snapshot().quorum?.violations).toEqual([]);
  });

  it('refuses a LeaderAndIsr of an older controller epoch, and one for an older registration', () => {
    const c = zkCluster(4);
    expect(c.runUntil(() => c.zkPartition()?.isr.length === 3, 60_000)).toBe(true);
    const state = c.zkPartition()!;
    const follower = state.replicas.find((r) => r !== state.leader)!;
    const b = c.broker(follower);
    const request = (correlationId: number, controllerEpoch: number, brokerEpoch: number) =>
      ({
        type: 'ZkLeaderAndIsr',
        correlationId,
        controllerId: follower,
        controllerEpoch,
        brokerEpoch,
        topic: TOPIC,
        partition: 0,
        // A zombie's decision: this follower leads in a newer leader epoch.
        leader: follower,
        leaderEpoch: state.leaderEpoch + 5,
        isr: [follower],
        zkVersion: state.partitionEpoch + 5,
        replicas: state.replicas,
      }) satisfies ZkLeaderAndIsr & { correlationId: number };
    const fake = c.sim.actor<FakeController>(FAKE_CONTROLLER)!;
    expect(c.runUntil(() => b.partition(TOPIC, 0)?.role === 'follower', 10_000)).toBe(true);
    expect(b.controllerEpochSeen).toBeGreaterThanOrEqual(1);
    fake.ctx.send(follower, request(1, b.controllerEpochSeen - 1, b.brokerEpoch()));
    fake.ctx.send(follower, request(2, b.controllerEpochSeen, b.brokerEpoch() - 1));
    expect(c.runUntil(() => fake.answers.length === 2, 5_000)).toBe(true);
    expect(fake.answers).toEqual([
      { type: 'ZkControlResponse', correlationId: 1, error: 'STALE_CONTROLLER_EPOCH' },
      { type: 'ZkControlResponse', correlationId: 2, error: 'STALE_BROKER_EPOCH' },
    ]);
    expect(b.partition(TOPIC, 0)?.role).toBe('follower');
    expect(b.partition(TOPIC, 0)?.leaderEpoch).toBe(state.leaderEpoch);
    expect(c.cluster.snapshot().quorum?.violations).toEqual([]);
    // Planted: a zombie's request with the current epochs is acted on, ahead of ZooKeeper's state.
    fake.ctx.send(follower, request(3, b.controllerEpochSeen, b.brokerEpoch()));
    expect(c.runUntil(() => fake.answers.length === 3, 5_000)).toBe(true);
    expect(b.partition(TOPIC, 0)?.role).toBe('leader');
    const violations = c.cluster.snapshot().quorum?.violations ?? [];
    expect(violations.map((v) => v.invariant)).toEqual(['zk-broker-ahead-of-zookeeper']);
  });

  it('the leader dies: once its session expires the controller elects from the ISR in ZooKeeper', () => {
    const c = zkCluster(4, 3, '/kafka-broker');
    expect(c.runUntil(() => c.zkPartition()?.isr.length === 3, 60_000)).toBe(true);
    const before = c.zkPartition()!;
    c.sim.crash(before.leader);
    const moved = () => {
      const s = c.zkPartition();
      return s !== undefined && s.leader >= 0 && s.leader !== before.leader;
    };
    expect(c.runUntil(moved, 60_000)).toBe(true);
    const after = c.zkPartition()!;
    expect(before.isr).toContain(after.leader);
    expect(after.isr).not.toContain(before.leader);
    expect(after.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    expect(c.runUntil(() => c.broker(after.leader).partition(TOPIC, 0)?.role === 'leader', 10_000)).toBe(true);
  });
});
