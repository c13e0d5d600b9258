// The transaction coordinator (model/txn-coordinator.ts, txn-host.ts) on real brokers, driven
// by hand through the raw client: FindCoordinator (TRANSACTION), InitProducerId with a
// transactional id, AddPartitionsToTxn, transactional produces, EndTxn, and what lands in
// `__transaction_state` and in the data partitions (markers, LSO, read_committed).

import { describe, expect, it } from 'vitest';
import type { ClientResponse } from '../../model/client-protocol.ts';
import { TXN_STATE_TOPIC } from '../../model/config.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../model/txn-coordinator.ts';
import type { TxnTransit } from '../../model/txn-metadata.ts';
import { TestCluster, errorOf } from './helpers.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type FindCoordinatorResponse = Extract<ClientResponse, { type: 'FindCoordinatorResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;

const RETRIABLE = new Set([
  'NOT_COORDINATOR',
  'COORDINATOR_LOAD_IN_PROGRESS',
  'COORDINATOR_NOT_AVAILABLE',
  'CONCURRENT_TRANSACTIONS',
]);

/**
 * Three brokers; t has two partitions (leaders 1 and 2); __transaction_state one (leader 2). On
 * transaction.version 0 unless `config` says otherwise: the epochs these tests name are those
 * before KIP-890 part 2 (test/model/txn-v2.test.ts has part 2's).
 */
function cluster(config: ConstructorParameters<typeof TestCluster>[0] = {}): TestCluster {
  const c = new TestCluster({
    topics: [
      { name: 't', partitions: 2, replicationFactor: 3 },
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: 3 },
    ],
    ...config,
    config: { 'transaction.state.log.num.partitions': 1, 'transaction.version': 0, ...config.config },
  });
  c.start();
  expect(c.runUntil(() => c.settled('t', 0) && c.settled('t', 1) && c.settled(TXN_STATE_TOPIC, 0), 30_000_000)).toBe(
    true,
  );
  return c;
}

function live(c: TestCluster): number {
  const id = c.brokerIds.find((b) => c.sim.isUp(b));
  if (id === undefined) throw new Error('no live broker');
  return id;
}

/** FindCoordinator (TRANSACTION) then the request; `retry` resends on the coordinator's retriable errors. */
function txn<T extends TxnRequestBody['type']>(
  c: TestCluster,
  body: Extract<TxnRequestBody, { type: T }>,
  retry = true,
): Extract<TxnResponseBody, { type: T }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const f = c.request(live(c), {
      type: 'FindCoordinatorRequest',
      group: body.transactionalId,
      keyType: 'TRANSACTION',
    });
    expect(c.runUntil(() => c.answer(f) !== undefined, 5_000_000)).toBe(true);
    const found = c.answer<FindCoordinatorResponse>(f) as FindCoordinatorResponse;
    if (found.error === 'NONE' && c.sim.isUp(found.nodeId)) {
      const id = c.request(found.nodeId, { type: 'TxnRequest', body });
      if (c.runUntil(() => c.answer(id) !== undefined, 60_000_000)) {
        const r = (c.answer<TxnResponse>(id) as TxnResponse).body as Extract<TxnResponseBody, { type: T }>;
        if (!retry || !RETRIABLE.has(r.error)) return r;
      }
    }
    c.runFor(100_000);
  }
  throw new Error(`no answer to ${body.type}`);
}

function produce(c: TestCluster, partition: number, pid: number, epoch: number, seq: number, values: string[]) {
  const leader = c.state('t', partition).leader;
  const ids = { producerId: pid, producerEpoch: epoch, transactionalId: 'tx' };
  const opts = { partition, ...ids, baseSequence: seq, transactional: true };
  return errorOf(c.produceAndWait(leader, values, opts));
}

function readCommitted(c: TestCluster, partition: number): string[] {
  const leader = c.state('t', partition).leader;
  const r: FetchResponse = c.fetchAndWait(leader, 0, { partition, isolationLevel: 'read_committed' });
  const aborted = new Set((r.abortedTransactions ?? []).map((a) => a.producerId));
  return r.records.filter((x) => x.control === undefined && !aborted.has(x.producerId)).map((x) => x.value);
}

/** The control records of a partition as its leader has them. */
function markers(c: TestCluster, partition: number): string[] {
  const p = c.replica(c.state('t', partition).leader, 't', partition);
  return p.log.records.filter((r) => r.control !== undefined).map((r) => `${r.control?.type}@${r.producerId}`);
}

/** The states `__transaction_state` records for `id`, as its leader has them. */
function txnLog(c: TestCluster, id: string): string[] {
  const p = c.replica(c.state(TXN_STATE_TOPIC, 0).leader, TXN_STATE_TOPIC, 0);
  return p.log.records
    .map((r) => JSON.parse(r.value) as TxnTransit)
    .filter((t) => t.transactionalId === id)
    .map((t) => `${t.state}/${t.producerEpoch}`);
}

function coordinatorState(c: TestCluster, id: string): string | undefined {
  const md = c.broker(c.state(TXN_STATE_TOPIC, 0).leader).txns.shard(0)?.txns.get(id);
  return md === undefined ? undefined : `${md.state}/${md.producerEpoch}`;
}

function init(c: TestCluster, id: string, timeoutMs = 60_000): { pid: number; epoch: number } {
  const r = txn(c, { type: 'InitProducerId', transactionalId: id, transactionTimeoutMs: timeoutMs });
  expect(r.error).toBe('NONE');
  return { pid: r.producerId, epoch: r.producerEpoch };
}

function begin(c: TestCluster, id: string, p: { pid: number; epoch: number }, values: [string, string]): void {
  const add = txn(c, {
    type: 'AddPartitionsToTxn',
    transactionalId: id,
    producerId: p.pid,
    producerEpoch: p.epoch,
    partitions: ['t/0', 't/1'],
  });
  expect(add.error).toBe('NONE');
  expect(produce(c, 0, p.pid, p.epoch, 0, [values[0]])).toBe('NONE');
  expect(produce(c, 1, p.pid, p.epoch, 0, [values[1]])).toBe('NONE');
}

describe('the transaction coordinator', () => {
  it('commits: PrepareCommit, COMMIT markers in every partition added, CompleteCommit', () => {
    const c = cluster();
    const p = init(c, 'tx');
    expect(p.epoch).toBe(0);
    begin(c, 'tx', p, ['a', 'b']);
    expect(readCommitted(c, 0)).toEqual([]);
    const end = txn(c, {
      type: 'EndTxn',
      transactionalId: 'tx',
      producerId: p.pid,
      producerEpoch: p.epoch,
      committed: true,
    });
    expect(end.error).toBe('NONE');
    expect(c.runUntil(() => coordinatorState(c, 'tx') === 'CompleteCommit/0', 10_000_000)).toBe(true);
    expect(txnLog(c, 'tx')).toEqual(['Empty/0', 'Ongoing/0', 'PrepareCommit/0', 'CompleteCommit/0']);
    expect(markers(c, 0)).toEqual([`COMMIT@${p.pid}`]);
    expect(markers(c, 1)).toEqual([`COMMIT@${p.pid}`]);
    expect(c.runUntil(() => readCommitted(c, 0).length === 1 && readCommitted(c, 1).length === 1, 5_000_000)).toBe(
      true,
    );
    expect([...readCommitted(c, 0), ...readCommitted(c, 1)]).toEqual(['a', 'b']);
  });

  it('a second instance with the same transactional.id fences the first and aborts its transaction', () => {
    const c = cluster();
    const first = init(c, 'tx');
    begin(c, 'tx', first, ['a', 'b']);
    // The new instance's first InitProducerId fences and aborts: CONCURRENT_TRANSACTIONS.
    const r = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 }, false);
    expect(r.error).toBe('CONCURRENT_TRANSACTIONS');
    const second = init(c, 'tx');
    expect(second).toEqual({ pid: first.pid, epoch: 2 });
    expect(txnLog(c, 'tx')).toEqual(['Empty/0', 'Ongoing/0', 'PrepareAbort/1', 'CompleteAbort/1', 'Empty/2']);
    expect(markers(c, 0)).toEqual([`ABORT@${first.pid}`]);
    expect(markers(c, 1)).toEqual([`ABORT@${first.pid}`]);
    // The first instance is fenced at the coordinator and at the partitions.
    const end = txn(c, {
      type: 'EndTxn',
      transactionalId: 'tx',
      producerId: first.pid,
      producerEpoch: 0,
      committed: true,
    });
    expect(end.error).toBe('PRODUCER_FENCED');
    expect(produce(c, 0, first.pid, 0, 1, ['late'])).toBe('INVALID_PRODUCER_EPOCH');
    expect(readCommitted(c, 0)).toEqual([]);
  });

  it('aborts a transaction that outlives transaction.timeout.ms', () => {
    const c = cluster();
    const p = init(c, 'tx', 5_000);
    begin(c, 'tx', p, ['a', 'b']);
    expect(c.runUntil(() => coordinatorState(c, 'tx') === 'CompleteAbort/1', 30_000_000)).toBe(true);
    expect(markers(c, 0)).toEqual([`ABORT@${p.pid}`]);
    const end = txn(c, { type: 'EndTxn', transactionalId: 'tx', producerId: p.pid, producerEpoch: 0, committed: true });
    expect(end.error).toBe('PRODUCER_FENCED');
    expect(readCommitted(c, 0)).toEqual([]);
  });

  it('a new coordinator loads a PrepareCommit whose markers were not all written and completes it', () => {
    const c = cluster();
    const p = init(c, 'tx');
    begin(c, 'tx', p, ['a', 'b']);
    const coordinator = c.state(TXN_STATE_TOPIC, 0).leader;
    const other = c.state('t', 0).leader;
    expect(coordinator).not.toBe(other);
    // Markers from the coordinator to t-0's leader are lost from now on.
    c.sim.network.cut({ kind: 'one-way', from: [coordinator], to: [other] });
    const end = txn(c, {
      type: 'EndTxn',
      transactionalId: 'tx',
      producerId: p.pid,
      producerEpoch: p.epoch,
      committed: true,
    });
    expect(end.error).toBe('NONE');
    expect(coordinatorState(c, 'tx')).toBe('PrepareCommit/0');
    c.runFor(1_000_000);
    expect(markers(c, 0)).toEqual([]);
    c.sim.crash(coordinator);
    expect(c.runUntil(() => c.leaderReady(coordinator, TXN_STATE_TOPIC, 0), 30_000_000)).toBe(true);
    expect(c.runUntil(() => coordinatorState(c, 'tx') === 'CompleteCommit/0', 30_000_000)).toBe(true);
    expect(markers(c, 0)).toEqual([`COMMIT@${p.pid}`]);
    expect(txnLog(c, 'tx').slice(-2)).toEqual(['PrepareCommit/0', 'CompleteCommit/0']);
  });

  it('answers NOT_COORDINATOR on a broker that does not lead the id’s partition', () => {
    const c = cluster();
    const coordinator = c.state(TXN_STATE_TOPIC, 0).leader;
    const other = c.brokerIds.find((b) => b !== coordinator) as number;
    const body: TxnRequestBody = { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 };
    const id = c.request(other, { type: 'TxnRequest', body });
    expect(c.runUntil(() => c.answer(id) !== undefined, 5_000_000)).toBe(true);
    expect((c.answer<TxnResponse>(id) as TxnResponse).body.error).toBe('NOT_COORDINATOR');
  });
});
