// Consume-transform-produce on real brokers, driven by hand through the raw client:
// AddOffsetsToTxn (the group's `__consumer_offsets` partition joins the transaction),
// TxnOffsetCommit (pending transactional offsets, keyed by producer id), the COMMIT / ABORT
// marker the group coordinator writes for WriteTxnMarkers, OffsetFetch with require_stable
// (UNSTABLE_OFFSET_COMMIT while an offset is pending), the producer epoch check of the
// transactional batch, and the load of a new group coordinator; then the shard's KIP-447 checks.

import { describe, expect, it } from 'vitest';
import type { ClientResponse } from '../../model/client-protocol.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../model/config.ts';
import {
  GroupCoordinatorShard,
  type GroupRequest,
  type GroupResponse,
  type Reply,
} from '../../model/group-coordinator.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../model/txn-coordinator.ts';
import { TestCluster, recordingCodeProbes } from './helpers.ts';
import { addProducer, addReadCommittedConsumer, producerDone, txnCluster } from './txn-helpers.ts';
import { createHistoryRecorder, historyProblems } from '../../model/history-recorder.ts';
import { checkTxnOffsets } from '../../checkers/txn-offsets.ts';
import { checkKafkaAndTxn } from '../../checkers/txn.ts';

type FindCoordinatorResponse = Extract<ClientResponse, { type: 'FindCoordinatorResponse' }>;
type GroupResponseMsg = Extract<ClientResponse, { type: 'GroupResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;

const RETRIABLE = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
]);
const GROUP = 'g';
const TP = { topic: 't', partition: 0 };

/**
 * Three brokers; t, `__transaction_state` and `__consumer_offsets` one partition each, RF 3; on
 * transaction.version 0 (the epochs these tests name are those before KIP-890 part 2).
 */
function cluster(): TestCluster {
  const c = new TestCluster({
    topics: [
      { name: 't', partitions: 1, replicationFactor: 3 },
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: 3 },
      { name: OFFSETS_TOPIC, partitions: 1, replicationFactor: 3 },
    ],
    config: { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1, 'transaction.version': 0 },
  });
  c.start();
  const settled = (): boolean => c.settled('t', 0) && c.settled(TXN_STATE_TOPIC, 0) && c.settled(OFFSETS_TOPIC, 0);
  expect(c.runUntil(settled, 30_000_000)).toBe(true);
  return c;
}

function live(c: TestCluster): number {
  const id = c.brokerIds.find((b) => c.sim.isUp(b));
  if (id === undefined) throw new Error('no live broker');
  return id;
}

/** FindCoordinator of `key` (`keyType` TRANSACTION or GROUP), then `msg` to it until it is not retriable. */
function toCoordinator<R>(
  c: TestCluster,
  key: string,
  keyType: 'TRANSACTION' | undefined,
  msg: { type: string } & Record<string, unknown>,
  errorOfAnswer: (r: R) => string,
  retry: boolean,
): R {
  for (let attempt = 0; attempt < 200; attempt++) {
    const find = { type: 'FindCoordinatorRequest', group: key, ...(keyType === undefined ? {} : { keyType }) };
    const f = c.request(live(c), find);
    expect(c.runUntil(() => c.answer(f) !== undefined, 5_000_000)).toBe(true);
    const found = c.answer<FindCoordinatorResponse>(f) as FindCoordinatorResponse;
    if (found.error === 'NONE' && c.sim.isUp(found.nodeId)) {
      const id = c.request(found.nodeId, msg);
      if (c.runUntil(() => c.answer(id) !== undefined, 60_000_000)) {
        const r = c.answer<R>(id) as R;
        if (!retry || !RETRIABLE.has(errorOfAnswer(r))) return r;
      }
    }
    c.runFor(100_000);
  }
  throw new Error(`no answer to ${msg.type}`);
}

function txn<T extends TxnRequestBody['type']>(
  c: TestCluster,
  body: Extract<TxnRequestBody, { type: T }>,
): Extract<TxnResponseBody, { type: T }> {
  const r = toCoordinator<TxnResponse>(
    c,
    body.transactionalId,
    'TRANSACTION',
    { type: 'TxnRequest', body },
    (x) => x.body.error,
    true,
  );
  return r.body as Extract<TxnResponseBody, { type: T }>;
}

function group<T extends GroupRequest['type']>(
  c: TestCluster,
  body: Extract<GroupRequest, { type: T }>,
  retry = true,
): Extract<GroupResponse, { type: T }> {
  const r = toCoordinator<GroupResponseMsg>(
    c,
    body.group,
    undefined,
    { type: 'GroupRequest', body },
    (x) => x.body.error,
    retry,
  );
  return r.body as Extract<GroupResponse, { type: T }>;
}

interface Producer {
  id: string;
  pid: number;
  epoch: number;
}

function init(c: TestCluster, id: string): Producer {
  const r = txn(c, { type: 'InitProducerId', transactionalId: id, transactionTimeoutMs: 60_000 });
  expect(r.error).toBe('NONE');
  return { id, pid: r.producerId, epoch: r.producerEpoch };
}

function ids(p: Producer) {
  return { transactionalId: p.id, producerId: p.pid, producerEpoch: p.epoch };
}

/** AddOffsetsToTxn, then TxnOffsetCommit of `offset` for t-0 (no member, no generation). */
function sendOffsets(c: TestCluster, p: Producer, offset: number): string {
  expect(txn(c, { type: 'AddOffsetsToTxn', ...ids(p), groupId: GROUP }).error).toBe('NONE');
  const commit = group(c, {
    type: 'TxnOffsetCommit',
    group: GROUP,
    ...ids(p),
    memberId: '',
    generation: -1,
    offsets: [{ ...TP, offset, leaderEpoch: -1 }],
  });
  return commit.error;
}

function endTxn(c: TestCluster, p: Producer, committed: boolean): void {
  expect(txn(c, { type: 'EndTxn', ...ids(p), committed }).error).toBe('NONE');
}

/** OffsetFetch (require_stable) once, not retried: the error, or the committed offset (-1: none). */
function fetchOffset(c: TestCluster): string | number {
  const r = group(c, { type: 'OffsetFetch', group: GROUP, partitions: [TP] }, false);
  return r.error === 'NONE' ? (r.offsets[0]?.offset ?? -1) : r.error;
}

function coordinatorState(c: TestCluster, id: string): string | undefined {
  const md = c.broker(c.state(TXN_STATE_TOPIC, 0).leader).txns.shard(0)?.txns.get(id);
  return md === undefined ? undefined : `${md.state}/${[...md.partitions].sort().join(',')}`;
}

/** The control records of `__consumer_offsets` as its leader has them. */
function offsetsMarkers(c: TestCluster): string[] {
  const p = c.replica(c.state(OFFSETS_TOPIC, 0).leader, OFFSETS_TOPIC, 0);
  return p.log.records.filter((r) => r.control !== undefined).map((r) => `${r.control?.type}@${r.producerId}`);
}

describe('AddOffsetsToTxn and TxnOffsetCommit', () => {
  it('commits: the offset is pending (UNSTABLE_OFFSET_COMMIT) until the COMMIT marker makes it the group’s', () => {
    const c = cluster();
    const p = init(c, 'tx');
    expect(txn(c, { type: 'AddOffsetsToTxn', ...ids(p), groupId: GROUP }).error).toBe('NONE');
    // KafkaApis.handleAddOffsetsToTxnRequest: the group's partition is one of the transaction's.
    expect(coordinatorState(c, 'tx')).toBe(`Ongoing/${OFFSETS_TOPIC}/0`);
    const commit = group(c, {
      type: 'TxnOffsetCommit',
      group: GROUP,
      ...ids(p),
      memberId: '',
      generation: -1,
      offsets: [{ ...TP, offset: 5, leaderEpoch: -1 }],
    });
    expect(commit.error).toBe('NONE');
    expect(fetchOffset(c)).toBe('UNSTABLE_OFFSET_COMMIT');
    endTxn(c, p, true);
    expect(c.runUntil(() => coordinatorState(c, 'tx') === 'CompleteCommit/', 10_000_000)).toBe(true);
    expect(offsetsMarkers(c)).toEqual([`COMMIT@${p.pid}`]);
    expect(fetchOffset(c)).toBe(5);
  });

  it('aborts: the pending offset is dropped, the committed one stays', () => {
    const c = cluster();
    const p = init(c, 'tx');
    expect(sendOffsets(c, p, 3)).toBe('NONE');
    endTxn(c, p, true);
    expect(c.runUntil(() => fetchOffset(c) === 3, 10_000_000)).toBe(true);
    expect(sendOffsets(c, p, 7)).toBe('NONE');
    expect(fetchOffset(c)).toBe('UNSTABLE_OFFSET_COMMIT');
    endTxn(c, p, false);
    expect(c.runUntil(() => coordinatorState(c, 'tx') === 'CompleteAbort/', 10_000_000)).toBe(true);
    expect(offsetsMarkers(c)).toEqual([`COMMIT@${p.pid}`, `ABORT@${p.pid}`]);
    expect(fetchOffset(c)).toBe(3);
  });

  it('a fenced instance’s TxnOffsetCommit is refused INVALID_PRODUCER_EPOCH by the partition', () => {
    const c = cluster();
    const first = init(c, 'tx');
    expect(sendOffsets(c, first, 4)).toBe('NONE');
    // The second instance fences the first: its transaction is aborted (ABORT at epoch 1 in __consumer_offsets).
    const second = init(c, 'tx');
    expect(second.epoch).toBe(2);
    expect(offsetsMarkers(c)).toEqual([`ABORT@${first.pid}`]);
    const late = group(c, {
      type: 'TxnOffsetCommit',
      group: GROUP,
      ...ids(first),
      memberId: '',
      generation: -1,
      offsets: [{ ...TP, offset: 9, leaderEpoch: -1 }],
    });
    expect(late.error).toBe('INVALID_PRODUCER_EPOCH');
    expect(fetchOffset(c)).toBe(-1);
  });

  it('a new group coordinator replays the pending offsets and the markers of its log', () => {
    const c = cluster();
    const p = init(c, 'tx');
    expect(sendOffsets(c, p, 2)).toBe('NONE');
    endTxn(c, p, true);
    expect(c.runUntil(() => fetchOffset(c) === 2, 10_000_000)).toBe(true);
    expect(sendOffsets(c, p, 6)).toBe('NONE');
    // The group coordinator moves with the transaction open: its offset is pending on the new one.
    const old = c.state(OFFSETS_TOPIC, 0).leader;
    c.sim.crash(old);
    expect(c.runUntil(() => c.state(OFFSETS_TOPIC, 0).leader !== old && c.state(OFFSETS_TOPIC, 0).leader >= 0)).toBe(
      true,
    );
    expect(fetchOffsetRetried(c)).toBe('UNSTABLE_OFFSET_COMMIT');
    endTxn(c, p, true);
    expect(c.runUntil(() => fetchOffset(c) === 6, 30_000_000)).toBe(true);
    // Once more, with the COMMIT in the log: the next coordinator reads 6 as committed.
    c.sim.start(old);
    const now = c.state(OFFSETS_TOPIC, 0).leader;
    c.runFor(3_000_000);
    c.sim.crash(now);
    expect(c.runUntil(() => c.state(OFFSETS_TOPIC, 0).leader !== now && c.state(OFFSETS_TOPIC, 0).leader >= 0)).toBe(
      true,
    );
    expect(fetchOffsetRetried(c)).toBe(6);
  });
});

/** OffsetFetch retried past the coordinator's load and moves. */
function fetchOffsetRetried(c: TestCluster): string | number {
  const r = group(c, { type: 'OffsetFetch', group: GROUP, partitions: [TP] });
  return r.error === 'NONE' ? (r.offsets[0]?.offset ?? -1) : r.error;
}

describe('the group coordinator’s TxnOffsetCommit checks (KIP-447)', () => {
  const US = 1_000_000;

  /** A loaded shard with group `g` in generation 1 with member `m` (JoinGroup, SyncGroup by hand). */
  function shardWithMember(): { shard: GroupCoordinatorShard; member: string } {
    const shard = new GroupCoordinatorShard(0, 1, { 'group.initial.rebalance.delay.ms': 0 });
    shard.load([], 0, 0);
    const join = { type: 'JoinGroup', group: GROUP, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000 } as const;
    const first = shard.handle(1, { ...join, memberId: '' }, 0).replies[0].response;
    const member = (first as Extract<GroupResponse, { type: 'JoinGroup' }>).memberId;
    shard.handle(2, { ...join, memberId: member }, 0);
    shard.expire(US);
    return { shard, member };
  }

  function txnCommit(memberId: string, generation: number, g = GROUP): GroupRequest {
    const offsets = [{ ...TP, offset: 1, leaderEpoch: -1 }];
    return {
      type: 'TxnOffsetCommit',
      group: g,
      transactionalId: 'tx',
      producerId: 7,
      producerEpoch: 0,
      memberId,
      generation,
      offsets,
    };
  }

  const errorOf = (replies: Reply[]): string | undefined => replies[0]?.response.error;

  it('fences a stale generation or an unknown member, accepts the current one', () => {
    const { shard, member } = shardWithMember();
    expect(shard.describe(GROUP)?.generation).toBe(1);
    expect(errorOf(shard.handle(3, txnCommit(member, 0), US).replies)).toBe('ILLEGAL_GENERATION');
    expect(errorOf(shard.handle(4, txnCommit('someone', 1), US).replies)).toBe('UNKNOWN_MEMBER_ID');
    // While the group completes its rebalance a transactional commit is not refused (no REBALANCE_IN_PROGRESS).
    const ok = shard.handle(5, txnCommit(member, 1), US);
    expect(ok.replies).toEqual([]);
    expect(ok.txn).toEqual({ producerId: 7, producerEpoch: 0 });
  });

  it('an unknown group: a generation is ILLEGAL_GENERATION, none makes a simple group', () => {
    const shard = new GroupCoordinatorShard(0, 1, { 'group.initial.rebalance.delay.ms': 0 });
    shard.load([], 0, 0);
    expect(errorOf(shard.handle(1, txnCommit('', 3, 'other'), 0).replies)).toBe('ILLEGAL_GENERATION');
    const ok = shard.handle(2, txnCommit('', -1, 'other'), 0);
    expect(ok.records).toHaveLength(1);
    expect(shard.describe('other')?.state).toBe('Empty');
  });

  it('a COMMIT keeps a plain commit written after the transactional one (the higher record offset)', () => {
    const shard = new GroupCoordinatorShard(0, 1, { 'group.initial.rebalance.delay.ms': 0 });
    const commit = (offset: number) =>
      ({ type: 'OffsetCommit', group: GROUP, topic: 't', partition: 0, offset, leaderEpoch: -1 }) as const;
    // Offsets 0 (transactional, producer 7), 1 (plain), 2 (COMMIT of producer 7).
    shard.load(
      [
        { offset: 0, record: commit(10), producerId: 7 },
        { offset: 1, record: commit(4) },
        { offset: 2, marker: { producerId: 7, result: 'COMMIT' } },
      ],
      3,
      0,
    );
    expect(shard.describe(GROUP)?.offsets.get('t/0')?.offset).toBe(4);
    expect(shard.hasPendingTxnOffsets(GROUP, TP)).toBe(false);
  });
});

describe('consume-transform-produce with the model’s transactional producer', () => {
  it('fenced instances and a group coordinator crash: offsets move only with committed transactions', () => {
    const c = txnCluster(3, 3, true);
    const recorder = createHistoryRecorder();
    const probes = recordingCodeProbes(() => {
      addProducer(c, 200, recorder, 25, 'a', 1);
      addReadCommittedConsumer(c, 300, recorder);
      c.runFor(300_000);
      // A second instance of tx-1 fences the first (and shares its group, ctp).
      addProducer(c, 201, recorder, 25, 'b', 1);
      // The crash comes 0.3 s later, with transactions open. How many transactions commit depends
      // on the phase of the two instances' fencing cycle, which Kafka has too: each transaction
      // starts with a read_committed poll of t-0 and, when t-0 has nothing new, that fetch waits
      // fetch.max.wait.ms (500 ms, ReplicaManager.fetchMessages → DelayedFetch), longer than the
      // other instance takes to fail, reopen and fence it (InitProducerId bumps the epoch,
      // TransactionCoordinator.prepareInitProducerIdTransit; INVALID_PRODUCER_EPOCH is fatal,
      // TransactionManager) — so the two can fence each other with no transaction committing.
      // Crashing at 0.8 s (as before the KRaft metadata timing: 25 ms append linger) now lands them
      // in that cycle for the whole run (4 of 50 transactions commit); at 0.6 s 15 do.
      c.runFor(300_000);
      // The group coordinator (__consumer_offsets' leader) crashes for 5 s, transactions open.
      const coordinator = c.state(OFFSETS_TOPIC, 0).leader;
      c.sim.crash(coordinator);
      c.runFor(5_000_000);
      c.sim.start(coordinator);
      expect(c.runUntil(() => producerDone(c, 200) && producerDone(c, 201), 300_000_000)).toBe(true);
      c.runFor(5_000_000);
    });
    expect(historyProblems(recorder.events)).toEqual([]);
    const committedOffsets = recorder.events.filter(
      (e) => e.f === 'txn' && e.type === 'ok' && JSON.stringify(e.value).includes('"send-offsets","ctp",{'),
    );
    expect(committedOffsets.length).toBeGreaterThan(5);
    const offsets = checkTxnOffsets(recorder.events);
    expect(offsets.anomalies).toEqual([]);
    expect(offsets.stats?.consumes).toBeGreaterThan(10);
    const [kafka, txn] = checkKafkaAndTxn(recorder.events, { finalReadComplete: false });
    expect(kafka.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    expect(txn.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    expect(probes).toEqual(expect.arrayContaining(['txn-coordinator-add-offsets', 'group-txn-offsets-committed']));
  });
});
