// Transactions on the partition (issue 17 item 2), driven by hand on real brokers: transactional
// batches by raw produce requests, markers by the leader's writeTxnMarker (what
// WriteTxnMarkers does per partition; there is no coordinator yet). Each test also runs the
// white-box invariant (checkers/txn-partition.ts) over every live replica after every event.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import type { Partition } from '../../model/partition.ts';
import type { ClientResponse } from '../../model/client-protocol.ts';
import { consumerView } from '../../model/client-fetcher.ts';
import { txnPartitionViolations, type TxnReplicaView } from '../../checkers/txn-partition.ts';
import { ReplicaInvariants } from '../../checkers/replica-invariants.ts';
import { createConsumer, type ConsumerActor } from '../../model/consumer.ts';
import { createHistoryRecorder } from '../../model/history-recorder.ts';
import type { IsolationLevel } from '../../model/client-protocol.ts';
import type { PollValue } from '../../checkers/history.ts';
import type { HistoryRecorder } from '../../model/client-api.ts';
import { CONTROLLER_ID } from '../../model/config.ts';
import { TestCluster, errorOf } from './helpers.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;

function viewOf(p: Partition): TxnReplicaView {
  return { role: p.role, hw: p.log.hw, lso: p.log.lso, records: p.log.records, abortedTxns: p.log.abortedTxns };
}

/**
 * A started cluster whose observer checks, after every event, the transactional invariant and
 * the per-replica invariants (checkers/replica-invariants.ts, which must take a marker for no
 * producer batch) on every live replica.
 */
function startedCluster(config: ConstructorParameters<typeof TestCluster>[0] = {}): {
  c: TestCluster;
  violations: string[];
} {
  // No transaction coordinator runs here (the tests write markers themselves), so the leaders
  // cannot verify transactional batches with one (KIP-890): the setting is off, as Kafka allows.
  const c = new TestCluster({
    ...config,
    config: { 'transaction.partition.verification.enable': false, ...config.config },
  });
  const violations: string[] = [];
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  const replicaInvariants = new ReplicaInvariants();
  const incarnations = new Map<number, unknown>();
  let truncations = 0;
  c.observer = () => {
    const truncates = c.probesOf('truncate');
    for (; truncations < truncates.length; truncations++) {
      const e = truncates[truncations].e as unknown as { broker: number; toOffset: number };
      replicaInvariants.onTruncate(e.broker, 't', 0, e.toOffset);
    }
    for (const id of c.brokerIds) {
      if (!c.sim.isUp(id)) continue;
      const broker = c.broker(id);
      if (incarnations.get(id) !== broker) replicaInvariants.onRestart(id);
      incarnations.set(id, broker);
      const p = broker.partition('t', 0);
      if (p === undefined) continue;
      for (const v of txnPartitionViolations(viewOf(p))) violations.push(`broker ${id}: ${v}`);
      replicaInvariants.onReplica(id, 't', 0, p.facts, c.sim.now());
    }
    for (const a of replicaInvariants.anomalies()) violations.push(JSON.stringify(a));
    replicaInvariants.anomalies().length = 0;
  };
  return { c, violations };
}

function txnProduce(c: TestCluster, pid: number, seq: number, values: string[], epoch = 0): string | undefined {
  const opts = { producerId: pid, producerEpoch: epoch, baseSequence: seq, transactional: true };
  return errorOf(c.produceAndWait(c.state().leader, values, opts));
}

function leaderOf(c: TestCluster): Partition {
  return c.replica(c.state().leader);
}

function readCommitted(c: TestCluster, from: number): FetchResponse {
  return c.fetchAndWait(c.state().leader, from, { isolationLevel: 'read_committed' });
}

function values(records: ReadonlyArray<{ value: string }>): string[] {
  return records.map((r) => r.value);
}

/** Waits until every replica's HW reached `offset`. */
function allHwAt(c: TestCluster, offset: number): boolean {
  return c.runUntil(() => c.brokerIds.every((id) => !c.sim.isUp(id) || c.replica(id).log.hw >= offset), 30_000_000);
}

describe('the last stable offset', () => {
  it('an open transaction holds the LSO back on the leader and the followers; its commit releases it', () => {
    const { c, violations } = startedCluster();
    expect(errorOf(c.produceAndWait(c.state().leader, ['a']))).toBe('NONE');
    expect(txnProduce(c, 7, 0, ['t0', 't1'])).toBe('NONE');
    expect(errorOf(c.produceAndWait(c.state().leader, ['b']))).toBe('NONE');
    expect(allHwAt(c, 4)).toBe(true);
    for (const id of c.brokerIds) expect(c.replica(id).log.lso).toBe(1);
    // read_committed stops at the LSO; read_uncommitted at the HW.
    const rc = readCommitted(c, 0);
    expect(values(rc.records)).toEqual(['a']);
    expect(rc.lastStableOffset).toBe(1);
    expect(values(c.fetchAndWait(c.state().leader, 0).records)).toEqual(['a', 't0', 't1', 'b']);
    const commit = leaderOf(c).writeTxnMarker(7, 0, { type: 'COMMIT', coordinatorEpoch: 0 });
    expect(commit).toEqual({ error: 'NONE', offset: 4 });
    // The marker is not yet below the HW: the transaction is complete but "unreplicated".
    expect(leaderOf(c).log.lso).toBe(1);
    expect(allHwAt(c, 5)).toBe(true);
    for (const id of c.brokerIds) expect(c.replica(id).log.lso).toBe(5);
    const after = readCommitted(c, 0);
    expect(after.abortedTransactions).toEqual([]);
    expect(values(consumerView(after, 0, true).returned)).toEqual(['a', 't0', 't1', 'b']);
    expect(consumerView(after, 0, true).next).toBe(5); // past the marker
    expect(violations).toEqual([]);
  });

  it('a read_committed fetch parked at the LSO is answered when the marker passes the HW', () => {
    const { c, violations } = startedCluster();
    expect(txnProduce(c, 3, 0, ['p0'])).toBe('NONE');
    const id = c.fetch(c.state().leader, 0, { isolationLevel: 'read_committed' });
    c.runFor(100_000);
    const first = c.response(id) as FetchResponse;
    expect(first.records).toEqual([]); // maxWaitMs 0: answered at once, empty
    expect(leaderOf(c).writeTxnMarker(3, 0, { type: 'COMMIT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(allHwAt(c, 2)).toBe(true);
    expect(values(readCommitted(c, 0).records)).toEqual(['p0', 'COMMIT']);
    expect(violations).toEqual([]);
  });
});

describe('aborted transactions', () => {
  it('are filtered from read_committed consumers by the index, visible to read_uncommitted ones', () => {
    const { c, violations } = startedCluster();
    expect(txnProduce(c, 8, 0, ['x0', 'x1'])).toBe('NONE');
    expect(txnProduce(c, 9, 0, ['y0'])).toBe('NONE');
    expect(txnProduce(c, 8, 2, ['x2'])).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(8, 0, { type: 'ABORT', coordinatorEpoch: 0 })).toEqual({
      error: 'NONE',
      offset: 4,
    });
    // Producer 9's transaction is still open: the entry's LSO is its first offset.
    expect(leaderOf(c).log.abortedTxns).toEqual([
      { producerId: 8, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 },
    ]);
    expect(leaderOf(c).writeTxnMarker(9, 0, { type: 'COMMIT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(allHwAt(c, 6)).toBe(true);
    for (const id of c.brokerIds) expect(c.replica(id).log.abortedTxns).toHaveLength(1);
    const rc = readCommitted(c, 0);
    expect(rc.abortedTransactions).toEqual([{ producerId: 8, firstOffset: 0 }]);
    expect(values(consumerView(rc, 0, true).returned)).toEqual(['y0']);
    const ru = c.fetchAndWait(c.state().leader, 0);
    expect(ru.abortedTransactions).toBeUndefined();
    expect(values(consumerView(ru, 0, false).returned)).toEqual(['x0', 'x1', 'y0', 'x2']);
    // A fetch from past the aborted range gets no aborted transactions.
    expect(readCommitted(c, 5).abortedTransactions).toEqual([]);
    // The invariant over a real read_committed answer and the consumer's view of it.
    const answer = {
      lastStableOffset: rc.lastStableOffset!,
      records: rc.records,
      returned: consumerView(rc, 0, true).returned,
    };
    expect(txnPartitionViolations(viewOf(leaderOf(c)), answer)).toEqual([]);
    expect(violations).toEqual([]);
  });
});

/** Starts the model's consumer on `id`, assigned t/0, with this isolation level. */
function addConsumer(c: TestCluster, id: number, isolation: IsolationLevel, recorder: HistoryRecorder): void {
  c.sim.addNode({
    id,
    name: `consumer-${id}`,
    factory: createConsumer({
      clientId: id,
      bootstrapBrokers: c.brokerIds,
      config: { ...c.config, 'isolation.level': isolation, 'auto.offset.reset': 'latest' },
      topics: [{ name: 't', partitions: 1, replicationFactor: 3 }],
      workload: { sends: 0, keys: 0, sendIntervalMs: 10, pollIntervalMs: 10 },
      assignment: [{ topic: 't', partition: 0 }],
      recorder,
    }),
  });
  c.sim.start(id);
}

/** The values the consumer on `id` returned, in order. */
function polledBy(recorder: HistoryRecorder, c: TestCluster, id: number): string[] {
  const process = c.sim.actor<ConsumerActor>(id)!.fetchers[0].process;
  const out: string[] = [];
  for (const e of recorder.events) {
    if (e.process !== process || e.f !== 'poll' || e.type !== 'ok') continue;
    for (const [, v] of (e.value as PollValue).records ?? []) out.push(v);
  }
  return out;
}

describe('the consumer with isolation.level', () => {
  it('read_committed stops at the open transaction and drops the aborted one; read_uncommitted sees both', () => {
    const { c, violations } = startedCluster();
    const recorder = createHistoryRecorder();
    addConsumer(c, 300, 'read_committed', recorder);
    addConsumer(c, 301, 'read_uncommitted', recorder);
    expect(errorOf(c.produceAndWait(c.state().leader, ['a']))).toBe('NONE');
    expect(txnProduce(c, 8, 0, ['x0', 'x1'])).toBe('NONE');
    expect(txnProduce(c, 9, 0, ['y0'])).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(8, 0, { type: 'ABORT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(9, 0, { type: 'COMMIT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(txnProduce(c, 10, 0, ['w0'])).toBe('NONE');
    expect(errorOf(c.produceAndWait(c.state().leader, ['b']))).toBe('NONE');
    c.runFor(2_000_000);
    expect(polledBy(recorder, c, 300)).toEqual(['a', 'y0']);
    expect(c.sim.actor<ConsumerActor>(300)!.positions()[0].offset).toBe(6); // the LSO: w0's offset
    expect(polledBy(recorder, c, 301)).toEqual(['a', 'x0', 'x1', 'y0', 'w0', 'b']);
    expect(c.sim.actor<ConsumerActor>(301)!.positions()[0].offset).toBe(8);
    expect(leaderOf(c).writeTxnMarker(10, 0, { type: 'COMMIT', coordinatorEpoch: 0 }).error).toBe('NONE');
    c.runFor(2_000_000);
    expect(polledBy(recorder, c, 300)).toEqual(['a', 'y0', 'w0', 'b']);
    expect(c.sim.actor<ConsumerActor>(300)!.positions()[0].offset).toBe(9); // past the last marker
    expect(violations).toEqual([]);
  });

  it('a reset to latest goes to the LSO under read_committed, to the HW under read_uncommitted', () => {
    const { c } = startedCluster();
    const recorder = createHistoryRecorder();
    addConsumer(c, 300, 'read_committed', recorder);
    addConsumer(c, 301, 'read_uncommitted', recorder);
    expect(errorOf(c.produceAndWait(c.state().leader, ['a']))).toBe('NONE');
    expect(txnProduce(c, 4, 0, ['o0'])).toBe('NONE');
    c.runFor(1_000_000);
    for (const id of [300, 301]) {
      const f = c.sim.actor<ConsumerActor>(id)!.fetchers[0];
      f.stop();
      expect(c.runUntil(() => f.isStopped(), 5_000_000)).toBe(true);
      f.start(50); // beyond the log end: OFFSET_OUT_OF_RANGE, reset by auto.offset.reset=latest
    }
    c.runFor(1_000_000);
    expect(c.sim.actor<ConsumerActor>(300)!.positions()[0].offset).toBe(1);
    expect(c.sim.actor<ConsumerActor>(301)!.positions()[0].offset).toBe(2);
  });
});

describe('what the partition refuses', () => {
  it('old coordinator and producer epochs on markers, old producer epochs and non-transactional writes on data', () => {
    const { c, violations } = startedCluster();
    expect(txnProduce(c, 5, 0, ['a'], 1)).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(5, 1, { type: 'COMMIT', coordinatorEpoch: 4 }).error).toBe('NONE');
    expect(txnProduce(c, 5, 0, ['b'], 2)).toBe('NONE');
    // ProducerAppendInfo.checkCoordinatorEpoch, checkProducerEpoch.
    expect(leaderOf(c).writeTxnMarker(5, 2, { type: 'ABORT', coordinatorEpoch: 3 }).error).toBe(
      'TRANSACTION_COORDINATOR_FENCED',
    );
    expect(leaderOf(c).writeTxnMarker(5, 1, { type: 'ABORT', coordinatorEpoch: 4 }).error).toBe(
      'INVALID_PRODUCER_EPOCH',
    );
    // appendDataBatch: an older producer epoch; a non-transactional batch in an open transaction.
    expect(txnProduce(c, 5, 1, ['c'], 1)).toBe('INVALID_PRODUCER_EPOCH');
    const plain = c.produceAndWait(c.state().leader, ['d'], { producerId: 5, producerEpoch: 2, baseSequence: 1 });
    expect(errorOf(plain)).toBe('INVALID_TXN_STATE');
    expect(leaderOf(c).log.producers.openTransactions()).toEqual([{ producerId: 5, firstOffset: 2 }]);
    // A follower refuses nothing it replicates, and a marker on a follower is not the leader's.
    const follower = c.brokerIds.find((id) => id !== c.state().leader)!;
    expect(c.replica(follower).writeTxnMarker(5, 2, { type: 'ABORT', coordinatorEpoch: 4 }).error).toBe(
      'NOT_LEADER_OR_FOLLOWER',
    );
    expect(leaderOf(c).writeTxnMarker(5, 2, { type: 'ABORT', coordinatorEpoch: 4 }).error).toBe('NONE');
    expect(allHwAt(c, 4)).toBe(true);
    expect(c.replica(follower).log.producers.openTransactions()).toEqual([]);
    expect(violations).toEqual([]);
  });
});

describe('idempotence across a marker', () => {
  it("a retry of a committed transaction's batch is still a duplicate: a same-epoch marker keeps the batches", () => {
    const { c, violations } = startedCluster();
    expect(txnProduce(c, 6, 0, ['d0'])).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(6, 0, { type: 'COMMIT', coordinatorEpoch: 0 }).error).toBe('NONE');
    const opts = { producerId: 6, producerEpoch: 0, baseSequence: 0, transactional: true };
    const retry = c.produceAndWait(c.state().leader, ['d0'], opts);
    expect([errorOf(retry), retry.baseOffset]).toEqual(['NONE', 0]);
    expect(leaderOf(c).log.leo).toBe(2);
    expect(leaderOf(c).log.producers.openTransactions()).toEqual([]);
    expect(violations).toEqual([]);
  });
});

describe('leader change and recovery', () => {
  it('a new leader knows the open transaction from the records it replicated; a marker through it closes it', () => {
    const { c, violations } = startedCluster({ config: { 'replica.lag.time.max.ms': 60_000 } });
    expect(txnProduce(c, 11, 0, ['o0', 'o1'])).toBe('NONE');
    expect(txnProduce(c, 12, 0, ['z0'])).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(12, 0, { type: 'ABORT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(allHwAt(c, 4)).toBe(true);
    const old = c.state().leader;
    c.sim.crash(old);
    expect(c.runUntil(() => c.leaderReady(old), 30_000_000)).toBe(true);
    const leader = leaderOf(c);
    expect(leader.log.producers.openTransactions()).toEqual([{ producerId: 11, firstOffset: 0 }]);
    expect(leader.log.abortedTxns.map((t) => [t.producerId, t.firstOffset, t.lastOffset])).toEqual([[12, 2, 3]]);
    expect(leader.log.lso).toBe(0);
    expect(readCommitted(c, 0).records).toEqual([]);
    expect(leader.writeTxnMarker(11, 0, { type: 'COMMIT', coordinatorEpoch: 1 }).error).toBe('NONE');
    expect(c.runUntil(() => leaderOf(c).log.hw >= 5, 30_000_000)).toBe(true);
    expect(leaderOf(c).log.lso).toBe(5);
    const rc = readCommitted(c, 0);
    expect(values(consumerView(rc, 0, true).returned)).toEqual(['o0', 'o1']);
    expect(violations).toEqual([]);
  });

  it('a deposed leader truncates its unreplicated ABORT: the index entry goes, the transaction is open again', () => {
    const { c, violations } = startedCluster({ config: { 'replica.lag.time.max.ms': 60_000 } });
    expect(txnProduce(c, 30, 0, ['q0'])).toBe('NONE');
    expect(allHwAt(c, 1)).toBe(true);
    const old = c.state().leader;
    const others = [...c.brokerIds.filter((id) => id !== old), CONTROLLER_ID];
    const cut = c.sim.network.cut({ kind: 'split', sideA: [old], sideB: others });
    // Its committed ISR still has every member: the marker is appended, but reaches no one.
    expect(c.replica(old).writeTxnMarker(30, 0, { type: 'ABORT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(c.replica(old).log.abortedTxns).toHaveLength(1);
    expect(c.runUntil(() => c.state().leader !== old && c.state().leader > 0, 30_000_000)).toBe(true);
    expect(c.runUntil(() => leaderOf(c).role === 'leader' && leaderOf(c).isr.length >= 2, 10_000_000)).toBe(true);
    expect(leaderOf(c).log.producers.openTransactions()).toEqual([{ producerId: 30, firstOffset: 0 }]);
    expect(leaderOf(c).writeTxnMarker(30, 0, { type: 'COMMIT', coordinatorEpoch: 1 }).error).toBe('NONE');
    c.sim.network.heal(cut);
    expect(c.runUntil(() => c.replica(old).role === 'follower' && c.replica(old).log.hw === 2, 30_000_000)).toBe(true);
    expect(
      c
        .probesOf('truncate')
        .filter((p) => p.node === old)
        .map((p) => p.e.toOffset),
    ).toEqual([1]);
    expect(c.replica(old).log.abortedTxns).toEqual([]);
    expect(c.replica(old).log.records.map((r) => r.control?.type ?? r.value)).toEqual(['q0', 'COMMIT']);
    expect(c.replica(old).log.lso).toBe(2);
    expect(violations).toEqual([]);
  });

  it('a power loss: recovery rebuilds the open transaction, the aborted index and the LSO from the log', () => {
    const { c, violations } = startedCluster({ config: { 'log.flush.interval.messages': 1 } });
    expect(txnProduce(c, 21, 0, ['r0'])).toBe('NONE');
    expect(leaderOf(c).writeTxnMarker(21, 0, { type: 'ABORT', coordinatorEpoch: 0 }).error).toBe('NONE');
    expect(txnProduce(c, 22, 0, ['s0', 's1'])).toBe('NONE');
    expect(allHwAt(c, 4)).toBe(true);
    const leader = c.state().leader;
    const victim = c.brokerIds.find((id) => id !== leader)!;
    c.sim.powerLoss(victim);
    c.sim.start(victim);
    const recovered = c.replica(victim);
    expect(recovered.log.leo).toBe(4);
    expect(recovered.log.producers.openTransactions()).toEqual([{ producerId: 22, firstOffset: 2 }]);
    expect(recovered.log.abortedTxns).toEqual([{ producerId: 21, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]);
    // UnifiedLog.lastStableOffset over the HW recovered from its checkpoint.
    expect(recovered.log.lso).toBe(Math.min(2, recovered.log.hw));
    expect(c.runUntil(() => c.state().isr.includes(victim) && c.replica(victim).log.hw === 4, 60_000_000)).toBe(true);
    expect(c.replica(victim).log.lso).toBe(2);
    expect(violations).toEqual([]);
  });
});

describe('the log alone', () => {
  const batch = (...vs: string[]) => vs.map((value) => ({ key: null, value }));

  it('a truncation cuts the aborted index and reopens the transaction whose marker it removed', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('a0'), 1, 1, 0, 0, true);
    log.appendMarkerAsLeader({ type: 'ABORT', coordinatorEpoch: 0 }, 1, 1, 0);
    log.appendAsLeader(batch('b0'), 1, 2, 0, 0, true);
    log.appendMarkerAsLeader({ type: 'ABORT', coordinatorEpoch: 0 }, 1, 2, 0);
    log.setHw(4);
    expect(log.abortedTxns.map((t) => t.producerId)).toEqual([1, 2]);
    expect(log.lso).toBe(4);
    log.truncateTo(3);
    expect(log.abortedTxns.map((t) => t.producerId)).toEqual([1]);
    expect(log.producers.openTransactions()).toEqual([{ producerId: 2, firstOffset: 2 }]);
    expect(log.hw).toBe(3);
    expect(log.lso).toBe(2);
    // collectAbortedTxns: only transactions overlapping the range.
    expect(log.collectAbortedTransactions(0, 1)).toEqual([{ producerId: 1, firstOffset: 0 }]);
    expect(log.collectAbortedTransactions(2, 3)).toEqual([]);
  });

  it('a log start moved past an open transaction holds the LSO at the log start, never below it', () => {
    // UnifiedLog.maybeIncrementFirstUnstableOffset: max(first unstable offset, log start).
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('x0'), 1, 1, 0, 0, true); // producer 1's transaction opens at 0
    log.appendAsLeader(batch('a0', 'a1', 'a2'), 1, 2, 0, 0);
    log.setHw(4);
    expect(log.lso).toBe(0);
    expect(log.maybeIncrementLogStartOffset(2, 'segment-deletion')).toBe(true);
    expect(log.producers.openTransactions()).toEqual([{ producerId: 1, firstOffset: 0 }]);
    expect(log.lso).toBe(2);
    log.appendMarkerAsLeader({ type: 'COMMIT', coordinatorEpoch: 0 }, 1, 1, 0);
    log.setHw(5);
    expect(log.lso).toBe(5);
  });

  it('an empty transaction (a marker with no data) enters no index and moves no LSO', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    expect(log.appendMarkerAsLeader({ type: 'ABORT', coordinatorEpoch: 2 }, 1, 4, 0)).toEqual({
      error: 'NONE',
      offset: 0,
    });
    log.setHw(1);
    expect(log.abortedTxns).toEqual([]);
    expect(log.lso).toBe(1);
    // The marker set the coordinator epoch: an older one is now fenced.
    expect(log.appendMarkerAsLeader({ type: 'ABORT', coordinatorEpoch: 1 }, 1, 4, 0)).toEqual({
      error: 'TRANSACTION_COORDINATOR_FENCED',
    });
  });
});

describe('the invariant (planted breaks)', () => {
  const rec = (offset: number, producerId: number, value: string, extra: object = {}) => ({
    offset,
    producerId,
    value,
    ...extra,
  });
  const log = [
    rec(0, 1, 'x', { transactional: true }),
    rec(1, 1, 'ABORT', { transactional: true, control: { type: 'ABORT' as const } }),
    rec(2, 2, 'y', { transactional: true }),
  ];
  const right: TxnReplicaView = {
    role: 'leader',
    hw: 3,
    lso: 2,
    records: log,
    abortedTxns: [{ producerId: 1, firstOffset: 0, lastOffset: 1 }],
  };

  it('is silent on a right partition and a right answer', () => {
    expect(txnPartitionViolations(right, { lastStableOffset: 2, records: log.slice(0, 2), returned: [] })).toEqual([]);
  });

  it('names each break', () => {
    expect(txnPartitionViolations({ ...right, lso: 4 })).toEqual([
      "lso-above-hw: the leader's LSO 4 is above its HW 3",
      "lso-above-open-txn: LSO 4 passes producer 2's open transaction at 2",
    ]);
    expect(txnPartitionViolations({ ...right, abortedTxns: [] })).toEqual([
      'aborted-index: the index holds [], the log aborts [1:0-1]',
    ]);
    expect(txnPartitionViolations(right, { lastStableOffset: 2, records: log, returned: [log[0], log[1]] })).toEqual([
      'read-above-lso: a read_committed answer holds offset 2, LSO 2',
      'aborted-read: the consumer returned x at 0, of an aborted transaction',
      'aborted-read: the consumer returned the control record at 1',
    ]);
  });
});
