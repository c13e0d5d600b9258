// ZooKeeper mode at inter.broker.protocol.version 2.6 (model/zk-broker.ts, zk-controller.ts):
// the leader writes its ISR changes to the state znode itself (ZkAlterPartitionManager.submit →
// ReplicationUtils.updateLeaderAndIsr at its zkVersion) and tells the controller through
// /isr_change_notification (maybePropagateIsrChanges, 5 s linger); the controller reads the
// changed states into its cache (KafkaController.processIsrChangeNotification). At the
// version's own IBP nothing of this runs: the leader sends AlterPartition.
// Schedule: 3 brokers, a follower F cut from the leader L only (F keeps its session): L shrinks
// F out (replica.lag.time.max.ms 10 s), then, once the cut heals, takes it back.

import { describe, expect, it } from 'vitest';
import type { InterBrokerProtocolVersion } from '../../model/config.ts';
import { recordingCodeProbes, ZK_TEST_BROKERS, ZK_TEST_TOPIC, zkTestCluster } from './helpers.ts';

const TOPIC = ZK_TEST_TOPIC;
const BROKERS = ZK_TEST_BROKERS;

interface Step {
  /** ZooKeeper's state of t-0: leader epoch, zkVersion, ISR. */
  zk: { leaderEpoch: number; partitionEpoch: number; isr: readonly number[] };
  /** The controller's cached ISR and zkVersion of t-0. */
  cachedIsr: readonly number[];
  cachedZkVersion: number;
  /** The leader's ISR and partition epoch. */
  leaderIsr: readonly number[];
  leaderPartitionEpoch: number;
}

function run(ibp: InterBrokerProtocolVersion | undefined): { steps: Step[]; probes: string[]; f: number } {
  const { sim, cluster, broker, active, zkState } = zkTestCluster({
    seed: 2,
    variant: 'correct',
    config: {
      ...(ibp === undefined ? {} : { 'inter.broker.protocol.version': ibp }),
      'replica.lag.time.max.ms': 10_000,
    },
    workload: { sends: 2_000, keys: 0, sendIntervalMs: 50, pollIntervalMs: 50 },
  });
  const state = () => zkState()!;
  const leading = () => BROKERS.some((b) => broker(b)?.partition(TOPIC, 0)?.role === 'leader');
  const steps: Step[] = [];
  let f = -1;
  const probes = recordingCodeProbes(() => {
    cluster.start();
    sim.run({ untilUs: 60_000_000, stopWhen: () => active().length === 1 && state()?.isr.length === 3 && leading() });
    sim.run({ untilUs: sim.now() + 2_000_000 });
    const c = active()[0];
    const l = state().leader;
    f = BROKERS.find((b) => b !== l)!;
    const snap = (): void => {
      const s = state();
      const cached = broker(c)!.controller.partitionStates.get(`${TOPIC}-0`)!;
      const lp = broker(l)!.partition(TOPIC, 0)!;
      steps.push({
        zk: { leaderEpoch: s.leaderEpoch, partitionEpoch: s.partitionEpoch, isr: s.isr.slice() },
        cachedIsr: cached.state.isr.slice(),
        cachedZkVersion: cached.zkVersion,
        leaderIsr: lp.isr.slice(),
        leaderPartitionEpoch: lp.partitionEpoch,
      });
    };
    snap();
    const cut = sim.network.cut({ kind: 'split', sideA: [f], sideB: [l] });
    sim.run({ untilUs: sim.now() + 30_000_000 });
    snap();
    sim.network.heal(cut);
    sim.run({ untilUs: sim.now() + 30_000_000 });
    snap();
  });
  return { steps, probes, f };
}

describe('ZooKeeper mode, IBP 2.6: the leader writes its ISR changes and notifies the controller', () => {
  it('a shrink and an expansion go to ZooKeeper at the next zkVersion, same leader epoch, and reach the cache', () => {
    const { steps, probes, f } = run('2.6');
    const [before, shrunk, healed] = steps;
    expect(before.zk.isr).toHaveLength(3);
    // The shrink: the leader's own write, the same leader epoch, the next zkVersion.
    expect(shrunk.zk.isr).not.toContain(f);
    expect(shrunk.zk.leaderEpoch).toBe(before.zk.leaderEpoch);
    expect(shrunk.zk.partitionEpoch).toBe(before.zk.partitionEpoch + 1);
    expect(shrunk.leaderIsr).toEqual(shrunk.zk.isr);
    expect(shrunk.leaderPartitionEpoch).toBe(shrunk.zk.partitionEpoch);
    // The notification brought the controller's cache up to date.
    expect(shrunk.cachedIsr).toEqual(shrunk.zk.isr);
    expect(shrunk.cachedZkVersion).toBe(shrunk.zk.partitionEpoch);
    // The expansion once healed, likewise.
    expect([...healed.zk.isr].sort()).toEqual([1, 2, 3]);
    expect(healed.zk.leaderEpoch).toBe(before.zk.leaderEpoch);
    expect(healed.zk.partitionEpoch).toBe(shrunk.zk.partitionEpoch + 1);
    expect(healed.cachedIsr).toEqual(healed.zk.isr);
    for (const p of ['zk-leader-isr-write-applied', 'zk-isr-change-propagated', 'zk-isr-change-notification-processed'])
      expect(probes).toContain(p);
    expect(probes).not.toContain('zk-alter-partition-applied');
  });

  it("at the version's own IBP the leader sends AlterPartition and writes nothing itself", () => {
    const { steps, probes } = run(undefined);
    expect(steps[1].zk.isr).toHaveLength(2);
    expect(probes).toContain('zk-alter-partition-applied');
    for (const p of ['zk-leader-isr-write-applied', 'zk-isr-change-propagated', 'zk-isr-change-notification-processed'])
      expect(probes).not.toContain(p);
  });
});
