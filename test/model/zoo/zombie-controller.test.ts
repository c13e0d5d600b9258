// Bug zoo: zombie-controller (ZooKeeper mode, issue 16 item 6; KAFKA-532's family, whose fix
// gave control requests a controller epoch, and KAFKA-6082's). Brokers act on LeaderAndIsr and
// UpdateMetadata of an older controller epoch; Kafka refuses them with STALE_CONTROLLER_EPOCH
// (ReplicaManager.becomeLeaderOrFollower, maybeUpdateMetadataCache).
// Schedule (3 brokers, 3 ZooKeeper servers, sessions of 6 s): controller C is cut from broker
// X, then broker L (neither) is killed; once L's session expires C elects and queues its
// requests for X, which the cut loses (C's channel sends them again after each socket
// timeout). C is then cut from the ensemble: its session expires, X becomes controller in
// epoch 2 and acts on its own requests. C never hears of the expiry (its client cannot reach
// a server) and still believes it is active. The cut C–X heals: C's request of epoch 1
// reaches X. The correct X refuses it; the variant acts on it, which the mode's invariant
// zk-stale-controller-epoch reports (model/zk-record.ts).

import { describe, expect, it } from 'vitest';
import type { ProtocolVariant } from '../../../model/config.ts';
import { recordingCodeProbes, ZK_TEST_BROKERS, ZK_TEST_TOPIC, zkTestCluster } from '../helpers.ts';

const TOPIC = ZK_TEST_TOPIC;
const BROKERS = ZK_TEST_BROKERS;
const ZK_SERVERS = [500, 501, 502];

interface Outcome {
  violations: string[];
  probes: string[];
  /** The controller epoch X acted on last, and the new controller's epoch. */
  xEpochSeen: number;
  newEpoch: number;
}

function runZombieSchedule(variant: 'correct' | ProtocolVariant): Outcome {
  const { sim, cluster, broker, runUntil, active } = zkTestCluster({
    seed: 7,
    variant,
    config: { 'zookeeper.session.timeout.ms': 6_000, 'controller.socket.timeout.ms': 5_000 },
    workload: { sends: 10, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 },
  });
  let out: Outcome = { violations: [], probes: [], xEpochSeen: 0, newEpoch: 0 };
  const probes = recordingCodeProbes(() => {
    cluster.start();
    const isr = () => cluster.snapshot().controller.partitions.find((p) => p.topic === TOPIC)?.isr.length ?? 0;
    expect(runUntil(() => active().length === 1 && isr() === 3, 60_000)).toBe(true);
    const c = active()[0];
    const [x, l] = BROKERS.filter((b) => b !== c);
    const oldEpoch = broker(c)!.zk.controllerEpoch;
    const cutCX = sim.network.cut({ kind: 'split', sideA: [c], sideB: [x] });
    sim.crash(l);
    // L's session expires; C elects and sends X requests the cut loses.
    sim.run({ untilUs: sim.now() + 15_000_000 });
    sim.network.cut({ kind: 'split', sideA: [c], sideB: ZK_SERVERS });
    // C's session expires; X becomes controller in a newer epoch and acts on it.
    expect(runUntil(() => broker(x)!.zk.isActive() && broker(x)!.controllerEpochSeen > oldEpoch, 60_000)).toBe(true);
    expect(broker(c)!.zk.isActive()).toBe(true); // the zombie
    const newEpoch = broker(x)!.zk.controllerEpoch;
    sim.network.heal(cutCX);
    sim.run({ untilUs: sim.now() + 20_000_000 });
    out = {
      violations: (cluster.snapshot().quorum?.violations ?? []).map((v) => v.invariant),
      probes: [],
      xEpochSeen: broker(x)!.controllerEpochSeen,
      newEpoch,
    };
  });
  return { ...out, probes };
}

describe('zoo: zombie-controller', () => {
  it('the variant acts on the zombie controller’s request of an older controller epoch', () => {
    const out = runZombieSchedule('zombie-controller');
    expect(out.probes).toContain('zk-request-stale-controller-epoch-accepted');
    expect(out.violations).toContain('zk-stale-controller-epoch');
    expect(out.xEpochSeen).toBeLessThan(out.newEpoch);
  });

  it('the correct model refuses it (STALE_CONTROLLER_EPOCH)', () => {
    const out = runZombieSchedule('correct');
    expect(out.probes).toContain('zk-request-stale-controller-epoch');
    expect(out.probes).not.toContain('zk-request-stale-controller-epoch-accepted');
    expect(out.violations).toEqual([]);
    expect(out.xEpochSeen).toBe(out.newEpoch);
  });
});
