// Controlled shutdown in ZooKeeper mode (Kafka 3.9.0-rc3): KafkaServer.controlledShutdown on the
// stopping broker (ControlledShutdownRequest with its broker epoch, controlled.shutdown.max.retries
// = 3, controlled.shutdown.retry.backoff.ms = 5,000, request.timeout.ms), KafkaController
// .doControlledShutdown on the controller (shuttingDownBrokerIds, Election.leaderForControlledShutdown,
// StopReplica and OfflineReplica for the partitions it follows), ReplicaManager.stopReplicas on the
// broker. Hand-built schedules on zkTestCluster (3 brokers, 3 ZooKeeper servers, topic t with RF 3).

import { describe, expect, it } from 'vitest';
import type { KafkaConfig } from '../../model/config.ts';
import type { ZkControlledShutdownAnswer } from '../../model/zk-controller.ts';
import { recordingCodeProbes, ZK_TEST_BROKERS, ZK_TEST_TOPIC, zkTestCluster } from './helpers.ts';

const STOP_TIMEOUT_US = 300_000_000;
const SESSION_TIMEOUT_MS = 18_000;

interface AtDown {
  leader: number;
  isr: readonly number[];
}

/** A started cluster with a controller and the full ISR; `stop` asks a broker to stop and records the down. */
function started(config: Partial<KafkaConfig> = {}, sends = 20) {
  const t = zkTestCluster({
    seed: 11,
    variant: 'correct',
    config: { 'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS, ...config },
    workload: { sends, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 },
  });
  t.cluster.start();
  const isr = () => t.zkState()?.isr.length ?? 0;
  expect(t.runUntil(() => t.active().length === 1 && isr() === 3, 60_000)).toBe(true);
  t.sim.run({ untilUs: t.sim.now() + 3_000_000 }); // some sends acknowledged
  const stop = (id: number) => {
    let downAtUs = -1;
    let atDown: AtDown | undefined;
    t.sim.onNodeTransition((node, tr) => {
      if (node !== id || tr !== 'shutdown' || atDown !== undefined) return;
      const s = t.zkState();
      atDown = { leader: s?.leader ?? -1, isr: s?.isr ?? [] };
    });
    t.sim.requestStop(id, STOP_TIMEOUT_US, () => {
      downAtUs = t.sim.now();
    });
    return { downAt: () => downAtUs, atDown: () => atDown };
  };
  return { ...t, stop };
}

describe('ZooKeeper mode: controlled shutdown (KafkaServer.controlledShutdown, doControlledShutdown)', () => {
  it('a stopping leader hands leadership over before it goes, and no committed record is lost', () => {
    let leader = -1;
    let downAfterUs = -1;
    let atDown: AtDown | undefined;
    let committed: string[] = [];
    let newLeaderLog: string[] = [];
    const probes = recordingCodeProbes(() => {
      const t = started();
      leader = t.zkState()!.leader;
      const p = t.broker(leader)!.partition(ZK_TEST_TOPIC, 0)!;
      const askedUs = t.sim.now();
      committed = p.log.records.slice(0, p.log.hw).map((r) => r.value);
      expect(committed.length).toBeGreaterThan(0);
      const s = t.stop(leader);
      expect(t.runUntil(() => s.downAt() >= 0, 60_000)).toBe(true);
      downAfterUs = s.downAt() - askedUs;
      atDown = s.atDown();
      const next = t.broker(atDown!.leader)!.partition(ZK_TEST_TOPIC, 0)!;
      newLeaderLog = next.log.records.map((r) => r.value);
    });
    expect(atDown!.leader).not.toBe(leader);
    expect(ZK_TEST_BROKERS).toContain(atDown!.leader);
    expect(atDown!.isr).not.toContain(leader);
    // Gone well before its ZooKeeper session could have expired.
    expect(downAfterUs).toBeLessThan(SESSION_TIMEOUT_MS * 1000);
    expect(newLeaderLog.slice(0, committed.length)).toEqual(committed);
    expect(probes).toEqual(
      expect.arrayContaining([
        'zk-controlled-shutdown-begun',
        'zk-controlled-shutdown-moved-leader',
        'zk-controlled-shutdown-succeeded',
      ]),
    );
    expect(probes).not.toContain('zk-controlled-shutdown-retries-exhausted');
    expect(probes).not.toContain('broker-stops-without-controlled-shutdown');
  });

  it('a stopping follower is sent StopReplica and leaves the ISR before it goes; the leader stays', () => {
    let follower = -1;
    let leader = -1;
    let atDown: AtDown | undefined;
    const probes = recordingCodeProbes(() => {
      const t = started();
      leader = t.zkState()!.leader;
      follower = ZK_TEST_BROKERS.find((b) => b !== leader)!;
      const s = t.stop(follower);
      expect(t.runUntil(() => s.downAt() >= 0, 60_000)).toBe(true);
      atDown = s.atDown();
    });
    expect(atDown!.leader).toBe(leader);
    expect(atDown!.isr).not.toContain(follower);
    expect(atDown!.isr).toHaveLength(2);
    expect(probes).toEqual(
      expect.arrayContaining([
        'zk-controlled-shutdown-begun',
        'zk-stop-replica-stopped-fetcher',
        'zk-controlled-shutdown-succeeded',
      ]),
    );
    expect(probes).not.toContain('zk-controlled-shutdown-moved-leader');
  });

  it('a stopping follower already out of the ISR: the controller sends the state as read and lets it go', () => {
    let follower = -1;
    let atDown: AtDown | undefined;
    const probes = recordingCodeProbes(() => {
      // Sends go on after the cut: a follower at the leader's log end is never out of sync.
      const t = started({ 'replica.lag.time.max.ms': 2_000 }, 200);
      const leader = t.zkState()!.leader;
      follower = ZK_TEST_BROKERS.find((b) => b !== leader)!;
      // Cut from the leader only: it falls out of the ISR while it keeps its ZooKeeper session.
      const cut = t.sim.network.cut({ kind: 'split', sideA: [follower], sideB: [leader] });
      expect(t.runUntil(() => t.zkState()?.isr.includes(follower) === false, 60_000)).toBe(true);
      // Healed as it is asked to stop (the leader may be the controller it must reach).
      t.sim.network.heal(cut);
      const s = t.stop(follower);
      expect(t.runUntil(() => s.downAt() >= 0, 120_000)).toBe(true);
      atDown = s.atDown();
    });
    expect(atDown!.isr).not.toContain(follower);
    expect(probes).toEqual(
      expect.arrayContaining(['zk-controlled-shutdown-begun', 'zk-offline-replica-already-out-of-isr']),
    );
  });

  it('a controller it cannot reach: three attempts, each timed out, then it stops anyway', () => {
    let downAfterUs = -1;
    const probes = recordingCodeProbes(() => {
      const t = started();
      const c = t.active()[0];
      const b = ZK_TEST_BROKERS.find((x) => x !== c)!;
      t.sim.network.cut({ kind: 'split', sideA: [b], sideB: [c] });
      const askedUs = t.sim.now();
      const s = t.stop(b);
      expect(t.runUntil(() => s.downAt() >= 0, 200_000)).toBe(true);
      downAfterUs = s.downAt() - askedUs;
    });
    // request.timeout.ms (30 s) per attempt, controlled.shutdown.retry.backoff.ms (5 s) between them.
    expect(downAfterUs).toBeGreaterThanOrEqual(3 * 30_000_000 + 2 * 5_000_000);
    expect(downAfterUs).toBeLessThan(3 * 30_000_000 + 2 * 5_000_000 + 1_000_000);
    expect(probes).toEqual(
      expect.arrayContaining(['zk-controlled-shutdown-attempt-failed', 'zk-controlled-shutdown-retries-exhausted']),
    );
    expect(probes).not.toContain('zk-controlled-shutdown-begun');
  });

  it('controlled.shutdown.enable=false: the leader stops at once and ZooKeeper still names it leader', () => {
    let leader = -1;
    let downAfterUs = -1;
    let atDown: AtDown | undefined;
    const probes = recordingCodeProbes(() => {
      const t = started({ 'controlled.shutdown.enable': false });
      leader = t.zkState()!.leader;
      const askedUs = t.sim.now();
      const s = t.stop(leader);
      expect(t.runUntil(() => s.downAt() >= 0, 1_000)).toBe(true);
      downAfterUs = s.downAt() - askedUs;
      atDown = s.atDown();
    });
    expect(downAfterUs).toBe(0);
    expect(atDown!.leader).toBe(leader);
    expect(probes).toContain('broker-stops-without-controlled-shutdown');
    expect(probes).not.toContain('zk-controlled-shutdown-begun');
  });

  it('a request with an older broker epoch is refused (STALE_BROKER_EPOCH) and changes nothing', () => {
    const t = started();
    const c = t.active()[0];
    const b = ZK_TEST_BROKERS.find((x) => x !== c)!;
    const core = t.broker(c)!.controller;
    const epoch = core.liveBrokers.get(b)!;
    const answers: ZkControlledShutdownAnswer[] = [];
    const ask = (brokerEpoch: number) =>
      t.broker(c)!.zk.submit((done) => core.processControlledShutdown(b, brokerEpoch, (a) => answers.push(a), done));
    const probes = recordingCodeProbes(() => {
      ask(epoch - 1);
      t.sim.run({ untilUs: t.sim.now() + 1_000_000 });
    });
    expect(answers).toEqual([{ error: 'STALE_BROKER_EPOCH', remainingPartitions: -1 }]);
    expect(probes).toContain('zk-controlled-shutdown-stale-broker-epoch');
    expect(core.shuttingDown.has(b)).toBe(false);
    ask(epoch);
    t.sim.run({ untilUs: t.sim.now() + 1_000_000 });
    expect(answers[1]).toEqual({ error: 'NONE', remainingPartitions: 0 });
    expect(core.shuttingDown.has(b)).toBe(true);
  });
});
