// The transaction coordinator's white-box invariants (checkers/txn-coordinator-invariants.ts):
// what each catches on hand-made views, and the model keeping both after every event of runs
// with transactional producers, a second instance fencing the first, a coordinator crash and
// markers cut off on their way to a partition leader.

import { describe, expect, it } from 'vitest';
import { TXN_STATE_TOPIC } from '../../model/config.ts';
import { createHistoryRecorder } from '../../model/history-recorder.ts';
import {
  batchBelowMarkerEpoch,
  completedMarkerViolations,
  coordinatorEpochViolations,
  type CompletedTxnView,
  type LeaderLogView,
  type TxnShardView,
  TxnCoordinatorInvariants,
} from '../../checkers/txn-coordinator-invariants.ts';
import type { TestCluster } from './helpers.ts';
import { fenceThenCrashCoordinator, producerDone, txnCluster } from './txn-helpers.ts';

describe('the invariants on hand-made views', () => {
  it('one-coordinator-per-epoch: two loaded coordinators of one partition and epoch', () => {
    const shard = (broker: number, epoch: number, loaded = true): TxnShardView => ({
      broker,
      partition: 0,
      coordinatorEpoch: epoch,
      loaded,
    });
    expect(coordinatorEpochViolations([shard(1, 3), shard(2, 4)])).toEqual([]);
    expect(coordinatorEpochViolations([shard(1, 3), shard(2, 3, false)])).toEqual([]);
    expect(coordinatorEpochViolations([shard(1, 3), shard(2, 3)])).toHaveLength(1);
  });

  it('markers-before-complete: a completed transaction without its marker in the leader log', () => {
    const done: CompletedTxnView = { transactionalId: 'tx', producerId: 7, result: 'COMMIT', partitions: ['t/0'] };
    const log = (withMarker: boolean): LeaderLogView => ({
      records: [
        { offset: 0, producerId: 7 },
        ...(withMarker ? [{ offset: 1, producerId: 7, control: { type: 'COMMIT' as const } }] : []),
      ],
    });
    expect(completedMarkerViolations([done], () => log(true))).toEqual([]);
    expect(completedMarkerViolations([done], () => log(false))).toHaveLength(1);
    expect(completedMarkerViolations([{ ...done, result: 'ABORT' }], () => log(true))).toHaveLength(1);
    expect(completedMarkerViolations([{ ...done, producerId: 8 }], () => log(true))).toHaveLength(1);
  });
});

describe('no-batch-below-marker-epoch on hand-made logs', () => {
  const data = (offset: number, epoch: number) => ({ offset, producerId: 7, producerEpoch: epoch });
  const commit = (offset: number, epoch: number) => ({ ...data(offset, epoch), control: { type: 'COMMIT' as const } });

  it('a batch of an older epoch behind a marker (TV2: the late produce after the bump) is caught', () => {
    expect(batchBelowMarkerEpoch([data(0, 3), commit(1, 4), data(2, 3)])).toEqual({
      offset: 2,
      producerId: 7,
      epoch: 3,
      markerEpoch: 4,
    });
  });

  it('the next epoch, or a batch of the marker epoch (the hanging produce before KIP-890), passes', () => {
    expect(batchBelowMarkerEpoch([data(0, 3), commit(1, 4), data(2, 4)])).toBeUndefined();
    expect(batchBelowMarkerEpoch([data(0, 3), commit(1, 3), data(2, 3)])).toBeUndefined();
    // Another producer's marker says nothing about this one.
    expect(batchBelowMarkerEpoch([{ ...commit(0, 9), producerId: 8 }, data(1, 3)])).toBeUndefined();
  });

  it('the driver monitor scans each leader log from where it left it, and again whole after a truncation', () => {
    const m = new TxnCoordinatorInvariants();
    const done: CompletedTxnView = { transactionalId: 'tx', producerId: 7, result: 'COMMIT', partitions: ['t/0'] };
    const shards = [{ broker: 1, partition: 0, coordinatorEpoch: 3, loaded: true, completed: [done] }];
    const records: Array<ReturnType<typeof data>> = [data(0, 3), commit(1, 4)];
    m.observe({ shards, leaderLog: () => ({ records }) }, 10);
    expect(m.anomalies()).toEqual([]);
    records.splice(1, 1, data(1, 3)); // truncated and written again: no marker now
    m.observe({ shards, leaderLog: () => ({ records }) }, 20);
    expect(m.anomalies()).toEqual([]);
    records.push(commit(2, 4), data(3, 3));
    m.observe({ shards, leaderLog: () => ({ records }) }, 30);
    expect(m.anomalies()).toMatchObject([{ kind: 'txn-batch-below-marker-epoch', topic: 't', partition: 0 }]);
  });
});

describe('TxnCoordinatorInvariants: the driver monitor over its looks', () => {
  const done: CompletedTxnView = { transactionalId: 'tx', producerId: 7, result: 'COMMIT', partitions: ['t/0'] };
  const marker = { offset: 1, producerId: 7, control: { type: 'COMMIT' as const } };
  /** The leader log of t/0 up to offset `leo` (the COMMIT marker at offset 1), from `logStartOffset`. */
  const log = (leo: number, logStartOffset = 0): LeaderLogView => ({
    logStartOffset,
    records: [{ offset: 0, producerId: 7 }, marker].slice(0, leo),
  });

  it('judges each completed transaction once, at the first look after it completed', () => {
    const m = new TxnCoordinatorInvariants();
    const completed: CompletedTxnView[] = [];
    const shards = [{ broker: 1, partition: 0, coordinatorEpoch: 3, loaded: true, completed }];
    m.observe({ shards, leaderLog: () => log(1) }, 10);
    expect(m.anomalies()).toEqual([]);
    completed.push(done);
    m.observe({ shards, leaderLog: () => log(2) }, 20);
    m.observe({ shards, leaderLog: () => log(1) }, 30); // judged already
    expect(m.anomalies()).toEqual([]);
    completed.push({ ...done, transactionalId: 'tx2' });
    m.observe({ shards, leaderLog: () => log(1) }, 40);
    m.observe({ shards, leaderLog: () => log(1) }, 50);
    expect(m.anomalies()).toMatchObject([{ kind: 'txn-markers-before-complete', timesUs: [40] }]);
    expect(m.anomalies()[0].explanation).toMatch(/tx2.*t\/0 has no COMMIT marker/);
  });

  it('a partition without a leader at that look is judged at the first look with a leader', () => {
    const m = new TxnCoordinatorInvariants();
    const shards = [{ broker: 1, partition: 0, coordinatorEpoch: 3, loaded: true, completed: [done] }];
    m.observe({ shards, leaderLog: () => undefined }, 10); // t/0 offline as the transaction completes
    m.observe({ shards, leaderLog: () => undefined }, 20);
    expect(m.anomalies()).toEqual([]);
    m.observe({ shards, leaderLog: () => log(1) }, 30); // the leader elected holds no marker
    m.observe({ shards, leaderLog: () => log(1) }, 40); // judged once
    expect(m.anomalies()).toMatchObject([{ kind: 'txn-markers-before-complete', timesUs: [30] }]);
    const held = new TxnCoordinatorInvariants();
    held.observe({ shards, leaderLog: () => undefined }, 10);
    held.observe({ shards, leaderLog: () => log(2) }, 20);
    held.observe({ shards, leaderLog: () => log(1) }, 30); // judged already, at 20
    expect(held.anomalies()).toEqual([]);
  });

  it('a marker missing below a log start moved up by retention proves nothing', () => {
    const m = new TxnCoordinatorInvariants();
    const shards = [{ broker: 1, partition: 0, coordinatorEpoch: 3, loaded: true, completed: [done] }];
    m.observe({ shards, leaderLog: () => ({ logStartOffset: 4, records: [] }) }, 10);
    expect(m.anomalies()).toEqual([]);
  });

  it('two loaded coordinators of one partition and epoch: one anomaly naming both brokers', () => {
    const m = new TxnCoordinatorInvariants();
    const shard = (broker: number, loaded: boolean) => ({
      broker,
      partition: 0,
      coordinatorEpoch: 3,
      loaded,
      completed: [],
    });
    m.observe({ shards: [shard(1, true), shard(2, false)], leaderLog: () => undefined }, 10);
    expect(m.anomalies()).toEqual([]);
    m.observe({ shards: [shard(1, true), shard(2, true)], leaderLog: () => undefined }, 20);
    m.observe({ shards: [shard(1, true), shard(2, true)], leaderLog: () => undefined }, 30);
    expect(m.anomalies()).toMatchObject([
      { kind: 'txn-one-coordinator-per-epoch', topic: '__transaction_state', partition: 0, nodes: [1, 2] },
    ]);
  });
});

/** Both invariants over the live cluster. */
function violations(c: TestCluster): { found: string[]; completed: number } {
  const shards: TxnShardView[] = [];
  const completed: CompletedTxnView[] = [];
  for (const id of c.brokerIds) {
    if (!c.sim.isUp(id)) continue;
    const s = c.broker(id).txns.shard(0);
    if (s === undefined) continue;
    shards.push({ broker: id, partition: 0, coordinatorEpoch: s.coordinatorEpoch, loaded: s.isLoaded() });
    completed.push(...s.completed);
  }
  const leaderLog = (tp: string): LeaderLogView | undefined => {
    const [topic, partition] = [tp.slice(0, tp.lastIndexOf('/')), Number(tp.slice(tp.lastIndexOf('/') + 1))];
    const leader = c.state(topic, partition).leader;
    if (leader < 0 || !c.sim.isUp(leader)) return undefined;
    const p = c.replica(leader, topic, partition);
    return p.role === 'leader' ? { records: p.log.records } : undefined;
  };
  const below = ['t/0', 't/1', 't/2']
    .map((tp) => leaderLog(tp))
    .map((l) => (l === undefined ? undefined : batchBelowMarkerEpoch(l.records)));
  const found = [
    ...coordinatorEpochViolations(shards),
    ...completedMarkerViolations(completed, leaderLog),
    ...below.filter((b) => b !== undefined).map((b) => JSON.stringify(b)),
  ];
  return { found, completed: completed.length };
}

describe('the model keeps the coordinator invariants', () => {
  it('after every event, with fencing instances, a coordinator crash and a cut marker phase', () => {
    // 4 brokers: __transaction_state on brokers 2 and 3, t/0 led by broker 1 (cut off from the coordinator below).
    const c = txnCluster(4, 2);
    const recorder = createHistoryRecorder();
    const found = new Set<string>();
    let completed = 0;
    c.observer = () => {
      const v = violations(c);
      for (const f of v.found) found.add(f);
      completed = Math.max(completed, v.completed);
    };
    fenceThenCrashCoordinator(c, recorder, 60, 'a', 'b');
    // The coordinator's requests to t/0's leader (markers, its follower fetches) are lost for 10 s.
    const now = c.state(TXN_STATE_TOPIC, 0).leader;
    const other = c.state('t', 0).leader;
    expect(c.state(TXN_STATE_TOPIC, 0).replicas).not.toContain(other);
    const cut = c.sim.network.cut({ kind: 'one-way', from: [now], to: [other] });
    c.runFor(10_000_000);
    c.sim.network.heal(cut);
    expect(c.runUntil(() => producerDone(c, 200) && producerDone(c, 201), 300_000_000)).toBe(true);
    c.runFor(2_000_000);
    expect([...found]).toEqual([]);
    expect(completed).toBeGreaterThan(3);
  });
});
