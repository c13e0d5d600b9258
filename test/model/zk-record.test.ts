// The ZooKeeper-mode invariants (model/zk-record.ts) on planted sequences: each flags its
// break and stays quiet on the sequence Kafka allows (a zombie of an older epoch acting, a
// broker taking newer epochs, a broker behind ZooKeeper).

import { describe, expect, it } from 'vitest';
import { ZkCommittedState, ZkRecord } from '../../model/zk-record.ts';
import type { ZkLogEntry } from '../../model/zk-protocol.ts';
import { quorumAnomalies } from '../../checkers/quorum-invariants.ts';
import type { ClusterSnapshot } from '../../checkers/cluster-state.ts';

/** A record over a ZooKeeper whose partition state has `zkLeaderEpoch` (null: no state yet). */
function record(zkLeaderEpoch: number | null = 3) {
  return new ZkRecord(
    () => (zkLeaderEpoch === null ? undefined : { leaderEpoch: zkLeaderEpoch, zkVersion: 0 }),
    () => 1_000,
  );
}

const setState = (zxid: number, data: string): ZkLogEntry => ({
  zxid,
  sessionId: 7,
  cxid: zxid,
  txn: { kind: 'setData', path: '/s', data, version: zxid - 1 },
});

describe('ZooKeeper-mode invariants', () => {
  it('zk-one-controller-per-epoch: a second broker acting in an epoch; a zombie of an older epoch is allowed', () => {
    const r = record();
    r.onControllerActs(1, 1);
    r.onControllerActs(2, 2);
    r.onControllerActs(1, 1); // the zombie of epoch 1 still sends
    expect(r.violations).toEqual([]);
    r.onControllerActs(3, 2);
    expect(r.violations.map((v) => v.invariant)).toEqual(['zk-one-controller-per-epoch']);
  });

  it('zk-stale-controller-epoch: a broker acting on an older epoch; a new incarnation starts afresh', () => {
    const r = record();
    r.onBrokerActs(1, 1, 1);
    r.onBrokerActs(1, 1, 2);
    r.onBrokerActs(1, 2, 1); // restarted: its ReplicaManager knows no epoch yet
    expect(r.violations).toEqual([]);
    r.onBrokerActs(1, 1, 1);
    expect(r.violations.map((v) => v.invariant)).toEqual(['zk-stale-controller-epoch']);
  });

  it('zk-broker-ahead-of-zookeeper: a leader epoch ZooKeeper does not have yet, or no state at all', () => {
    const r = record(3);
    r.onBrokerApplies(1, 't', 0, 3);
    r.onBrokerApplies(2, 't', 0, 2);
    expect(r.violations).toEqual([]);
    r.onBrokerApplies(2, 't', 0, 4);
    const none = record(null);
    none.onBrokerApplies(1, 't', 0, 0);
    expect([...r.violations, ...none.violations].map((v) => v.invariant)).toEqual([
      'zk-broker-ahead-of-zookeeper',
      'zk-broker-ahead-of-zookeeper',
    ]);
  });

  it("ZkCommittedState: the leaders' commits in zxid order; a new leader's history adds only what is newer", () => {
    const committed = new ZkCommittedState();
    const create: ZkLogEntry = {
      zxid: 1,
      sessionId: 7,
      cxid: 1,
      txn: { kind: 'create', path: '/s', data: 'e0', ephemeralOwner: 0, parentCversion: 1 },
    };
    committed.onCommit(create);
    committed.onCommit(setState(2, 'e1'));
    expect(committed.tree.get('/s')?.data).toBe('e1');
    // The next leader commits its whole history (Leader.waitForNewLeaderAck): 1 and 2 again, then 3.
    for (const entry of [create, setState(2, 'e1'), setState(3, 'e2')]) committed.onCommit(entry);
    expect(committed.tree.get('/s')?.data).toBe('e2');
    expect(committed.tree.get('/s')?.stat.version).toBe(2);
  });

  it('reach the checkers as anomalies through the snapshot', () => {
    const r = record();
    r.onControllerActs(1, 1);
    r.onControllerActs(2, 1);
    const s = { quorum: { voters: [], committedEnd: 0, violations: r.violations } } as unknown as ClusterSnapshot;
    const anomalies = quorumAnomalies(s, () => true, { count: 0 });
    expect(anomalies.map((a) => a.kind)).toEqual(['zk-one-controller-per-epoch']);
  });
});

describe("ZooKeeper's committed state: a watch on an election write (the driver's unclean-election breach)", () => {
  const partitionState = (p: number): string => `/kafka-broker/brokers/topics/t/partitions/${p}/state`;
  const STATE = partitionState(0);
  const state = (leader: number, leaderEpoch: number, controllerEpoch: number): string =>
    JSON.stringify({ version: 1, leader, leader_epoch: leaderEpoch, controller_epoch: controllerEpoch, isr: [leader] });
  const write = (zxid: number, data: string, path = STATE): ZkLogEntry => ({
    zxid,
    sessionId: 7,
    cxid: zxid,
    txn: {
      kind: 'multi',
      txns: [
        { kind: 'check', path: '/controller_epoch', version: 1 },
        { kind: 'setData', path, data, version: zxid },
      ],
    },
  });

  /** A committed state holding the state znodes of t/0 and t/1 (zxids 1–8). */
  const withStateZnodes = (): ZkCommittedState => {
    const committed = new ZkCommittedState();
    const paths = ['/kafka-broker', '/kafka-broker/brokers', '/kafka-broker/brokers/topics'];
    paths.push('/kafka-broker/brokers/topics/t', '/kafka-broker/brokers/topics/t/partitions');
    for (const p of [0, 1]) paths.push(`/kafka-broker/brokers/topics/t/partitions/${p}`, partitionState(p));
    paths.forEach((path, i) =>
      committed.onCommit({
        zxid: i + 1,
        sessionId: 7,
        cxid: i + 1,
        txn: { kind: 'create', path, data: '', ephemeralOwner: 0, parentCversion: 1 },
      }),
    );
    return committed;
  };

  it('fires once, at the commit of the watched state, not for another writer, epoch or partition', () => {
    const committed = withStateZnodes();
    const fired: number[] = [];
    committed.watchLeader('t', 0, { leader: 3, leaderEpoch: 5, controllerEpoch: 2 }, () => fired.push(3));
    committed.onCommit(write(11, state(3, 5, 1))); // another controller epoch
    committed.onCommit(write(12, state(3, 4, 2))); // another leader epoch
    committed.onCommit(write(13, state(3, 5, 2), partitionState(1)));
    expect(fired).toEqual([]);
    committed.onCommit(write(14, state(3, 5, 2)));
    committed.onCommit(write(15, state(3, 5, 2)));
    expect(fired).toEqual([3]);
  });

  it('a transaction committed twice (a new leader committing its history) is applied and told once', () => {
    const committed = withStateZnodes();
    let fired = 0;
    committed.watchLeader('t', 0, { leader: 2, leaderEpoch: 1, controllerEpoch: 1 }, () => fired++);
    committed.watchLeader('t', 0, { leader: 2, leaderEpoch: 1, controllerEpoch: 1 }, () => fired++);
    committed.onCommit(write(11, state(2, 1, 1)));
    committed.onCommit(write(11, state(2, 1, 1)));
    expect(fired).toBe(1);
  });
});
