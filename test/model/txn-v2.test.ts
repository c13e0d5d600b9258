// KIP-890 part 2 (transaction.version 2, Kafka 4.0): the transaction coordinator bumps the
// producer epoch at every EndTxn and answers the new one, the markers carry it, a produce adds
// its own partition, and so a late produce of an ended transaction is fenced — where under
// transaction.version 0 without KIP-890 part 1's verification it opens a hanging transaction.
// Unit tests of TxnMetadata's rules, then the coordinator and the partitions on real brokers
// driven by hand through the raw client.

import { describe, expect, it } from 'vitest';
import type { ClientResponse } from '../../model/client-protocol.ts';
import { TXN_STATE_TOPIC, type KafkaConfig } from '../../model/config.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../model/txn-coordinator.ts';
import { TxnMetadata, type TxnTransit } from '../../model/txn-metadata.ts';
import { transactionV2Enabled } from '../../model/versions.ts';
import { TestCluster, errorOf, recordingCodeProbes } from './helpers.ts';

type FindCoordinatorResponse = Extract<ClientResponse, { type: 'FindCoordinatorResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;

const RETRIABLE = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS']);

/** Three brokers; t has two partitions; __transaction_state one; `config` over the defaults (kafka.version 4.1). */
function cluster(config: Partial<KafkaConfig> = {}): TestCluster {
  const c = new TestCluster({
    topics: [
      { name: 't', partitions: 2, replicationFactor: 3 },
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: 3 },
    ],
    config: { 'transaction.state.log.num.partitions': 1, ...config },
  });
  c.start();
  const settled = (): boolean => c.settled('t', 0) && c.settled('t', 1) && c.settled(TXN_STATE_TOPIC, 0);
  expect(c.runUntil(settled, 30_000_000)).toBe(true);
  return c;
}

/** FindCoordinator (TRANSACTION) then the request, resent on the coordinator's retriable errors. */
function txn<T extends TxnRequestBody['type']>(
  c: TestCluster,
  body: Extract<TxnRequestBody, { type: T }>,
): Extract<TxnResponseBody, { type: T }> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const f = c.request(c.brokerIds[0], {
      type: 'FindCoordinatorRequest',
      group: body.transactionalId,
      keyType: 'TRANSACTION',
    });
    expect(c.runUntil(() => c.answer(f) !== undefined, 5_000_000)).toBe(true);
    const found = c.answer<FindCoordinatorResponse>(f) as FindCoordinatorResponse;
    if (found.error === 'NONE') {
      const id = c.request(found.nodeId, { type: 'TxnRequest', body });
      expect(c.runUntil(() => c.answer(id) !== undefined, 60_000_000)).toBe(true);
      const r = (c.answer<TxnResponse>(id) as TxnResponse).body as Extract<TxnResponseBody, { type: T }>;
      if (!RETRIABLE.has(r.error)) return r;
    }
    c.runFor(100_000);
  }
  throw new Error(`no answer to ${body.type}`);
}

interface Ids {
  pid: number;
  epoch: number;
}

function init(c: TestCluster): Ids {
  const r = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 });
  expect(r.error).toBe('NONE');
  return { pid: r.producerId, epoch: r.producerEpoch };
}

/** A transactional produce with the transactional id (verified, or added under TV2 with `v2`). */
function produce(c: TestCluster, partition: number, p: Ids, seq: number, value: string, v2: boolean) {
  const leader = c.state('t', partition).leader;
  const opts = { partition, producerId: p.pid, producerEpoch: p.epoch, transactionalId: 'tx', txnV2: v2 };
  return errorOf(c.produceAndWait(leader, [value], { ...opts, baseSequence: seq, transactional: true }));
}

function endTxn(c: TestCluster, p: Ids, committed: boolean, v2: boolean) {
  const body = { type: 'EndTxn', transactionalId: 'tx', producerId: p.pid, producerEpoch: p.epoch, committed } as const;
  return txn(c, v2 ? { ...body, txnV2: true } : body);
}

function coordinatorState(c: TestCluster): string | undefined {
  const md = c.broker(c.state(TXN_STATE_TOPIC, 0).leader).txns.shard(0)?.txns.get('tx');
  return md === undefined ? undefined : `${md.state}/${md.producerEpoch}`;
}

/** The control records of a partition as its leader has them: TYPE@epoch. */
function markers(c: TestCluster, partition: number): string[] {
  const p = c.replica(c.state('t', partition).leader, 't', partition);
  return p.log.records.filter((r) => r.control !== undefined).map((r) => `${r.control?.type}@${r.producerEpoch}`);
}

/** The data values of a partition as its leader has them. */
function values(c: TestCluster, partition: number): string[] {
  const p = c.replica(c.state('t', partition).leader, 't', partition);
  return p.log.records.filter((r) => r.control === undefined).map((r) => r.value);
}

/** The states `__transaction_state` records for tx, with their epochs. */
function txnLog(c: TestCluster): string[] {
  const p = c.replica(c.state(TXN_STATE_TOPIC, 0).leader, TXN_STATE_TOPIC, 0);
  return p.log.records
    .map((r) => JSON.parse(r.value) as TxnTransit)
    .filter((t) => t.transactionalId === 'tx')
    .map((t) => `${t.state}/${t.producerEpoch}`);
}

describe('TxnMetadata under transaction.version 2 (TransactionMetadata.scala, Kafka 4.0)', () => {
  const ongoing = (): TxnMetadata =>
    new TxnMetadata('tx', {
      producerId: 7,
      lastProducerId: -1,
      producerEpoch: 3,
      lastProducerEpoch: -1,
      txnTimeoutMs: 60_000,
      state: 'Ongoing',
      partitions: ['t/0'],
      txnStartMs: 10,
      lastUpdateMs: 10,
    });

  it('prepareAbortOrCommit bumps the epoch (last = the old one); the commit of the record takes it', () => {
    const md = ongoing();
    const t = md.prepareAbortOrCommit('PrepareCommit', 20, true);
    expect([t.producerEpoch, t.lastProducerEpoch, t.txnV2]).toEqual([4, 3, true]);
    expect(md.producerEpoch).toBe(3);
    md.completeTransitionTo(t);
    expect([md.state, md.producerEpoch, md.lastProducerEpoch, md.clientTxnV2]).toEqual(['PrepareCommit', 4, 3, true]);
    const done = md.prepareComplete(30);
    expect([done.state, done.producerEpoch, done.lastProducerEpoch, done.txnV2]).toEqual([
      'CompleteCommit',
      4,
      3,
      true,
    ]);
    md.completeTransitionTo(done);
    expect([md.state, md.producerEpoch]).toEqual(['CompleteCommit', 4]);
  });

  it('under transaction.version 0 the epoch stays', () => {
    const md = ongoing();
    const t = md.prepareAbortOrCommit('PrepareAbort', 20);
    expect([t.producerEpoch, t.lastProducerEpoch, t.txnV2]).toEqual([3, -1, undefined]);
    md.completeTransitionTo(t);
    expect(md.producerEpoch).toBe(3);
  });

  it('a TV2 PrepareCommit whose last epoch is not the current one is refused (validProducerEpoch)', () => {
    const md = ongoing();
    const t = md.prepareAbortOrCommit('PrepareCommit', 20, true);
    expect(() => md.completeTransitionTo({ ...t, lastProducerEpoch: 2 })).toThrow(/another epoch/);
  });
});

describe('transaction.version by kafka.version (versions.ts)', () => {
  const cfg = (c: Partial<KafkaConfig>): KafkaConfig => c as KafkaConfig;
  it('is 2 by default from 4.0, 0 before; 3.x cannot set 2; the variant hanging-transaction runs 0', () => {
    expect(transactionV2Enabled(cfg({ 'kafka.version': '4.0' }), 'correct')).toBe(true);
    expect(transactionV2Enabled(cfg({}), 'correct')).toBe(true);
    expect(transactionV2Enabled(cfg({ 'kafka.version': '3.9' }), 'correct')).toBe(false);
    expect(transactionV2Enabled(cfg({ 'kafka.version': '4.1', 'transaction.version': 1 }), 'correct')).toBe(false);
    expect(() => transactionV2Enabled(cfg({ 'kafka.version': '3.9', 'transaction.version': 2 }), 'correct')).toThrow();
    expect(transactionV2Enabled(cfg({}), 'hanging-transaction')).toBe(false);
  });
});

describe('the coordinator and the partitions under transaction.version 2', () => {
  it('a produce adds its partition; EndTxn bumps the epoch, answers it, and the markers carry it', () => {
    const c = cluster();
    const p = init(c);
    expect(produce(c, 0, p, 0, 'a', true)).toBe('NONE');
    expect(produce(c, 1, p, 0, 'b', true)).toBe('NONE');
    expect(coordinatorState(c)).toBe(`Ongoing/${p.epoch}`);
    const end = endTxn(c, p, true, true);
    expect(end).toEqual({ type: 'EndTxn', error: 'NONE', producerId: p.pid, producerEpoch: p.epoch + 1 });
    expect(c.runUntil(() => coordinatorState(c) === `CompleteCommit/${p.epoch + 1}`, 10_000_000)).toBe(true);
    expect(txnLog(c)).toEqual([
      `Empty/${p.epoch}`,
      // Each produce added its own partition.
      `Ongoing/${p.epoch}`,
      `Ongoing/${p.epoch}`,
      `PrepareCommit/${p.epoch + 1}`,
      `CompleteCommit/${p.epoch + 1}`,
    ]);
    expect(markers(c, 0)).toEqual([`COMMIT@${p.epoch + 1}`]);
    expect(markers(c, 1)).toEqual([`COMMIT@${p.epoch + 1}`]);
    // A retry from the epoch before the bump finds it complete: NONE with the new epoch.
    expect(endTxn(c, p, true, true)).toEqual({
      type: 'EndTxn',
      error: 'NONE',
      producerId: p.pid,
      producerEpoch: p.epoch + 1,
    });
    // The same EndTxn from the new epoch is not a retry: fenced (isValidEpoch).
    expect(endTxn(c, { pid: p.pid, epoch: p.epoch + 1 }, true, true).error).toBe('PRODUCER_FENCED');
    // The next transaction runs at the new epoch from sequence 0.
    expect(produce(c, 0, { pid: p.pid, epoch: p.epoch + 1 }, 0, 'c', true)).toBe('NONE');
    expect(coordinatorState(c)).toBe(`Ongoing/${p.epoch + 1}`);
  });

  it('a TV1 client (EndTxn before v5) on a TV2 cluster: no bump, no epoch in the answer', () => {
    const c = cluster();
    const p = init(c);
    const add = txn(c, {
      type: 'AddPartitionsToTxn',
      transactionalId: 'tx',
      producerId: p.pid,
      producerEpoch: p.epoch,
      partitions: ['t/0'],
    });
    expect(add.error).toBe('NONE');
    expect(produce(c, 0, p, 0, 'a', false)).toBe('NONE');
    expect(endTxn(c, p, true, false)).toEqual({ type: 'EndTxn', error: 'NONE', producerId: -1, producerEpoch: -1 });
    expect(c.runUntil(() => coordinatorState(c) === `CompleteCommit/${p.epoch}`, 10_000_000)).toBe(true);
    expect(markers(c, 0)).toEqual([`COMMIT@${p.epoch}`]);
  });
});

/**
 * The late produce (KIP-890's motivation): a produce of a transaction that the producer has
 * since ended reaches the leader after the COMMIT marker. Under transaction.version 2 it is
 * fenced — by the coordinator, asked to add the partition with the old epoch, or by the
 * partition, whose producer state the marker (or the next transaction) moved to the new epoch.
 * Under transaction.version 0 with no verification (before KIP-890) it is appended and opens a
 * transaction no marker will close: a hanging transaction.
 */
describe('schedule: a late produce of the previous transaction', () => {
  it('TV2: refused INVALID_PRODUCER_EPOCH by the coordinator, the next transaction open there or not', () => {
    const c = cluster();
    const p = init(c);
    expect(produce(c, 0, p, 0, 'a', true)).toBe('NONE');
    expect(endTxn(c, p, true, true).error).toBe('NONE');
    expect(c.runUntil(() => markers(c, 0).length === 1, 10_000_000)).toBe(true);
    // Partition 1 has no transaction of tx open: its leader asks the coordinator to add it.
    const atCoordinator = recordingCodeProbes(() =>
      expect(produce(c, 1, p, 0, 'late-1', true)).toBe('INVALID_PRODUCER_EPOCH'),
    );
    expect(atCoordinator).toContain('txn-v2-late-produce-fenced');
    // The next transaction is open on partition 0, at the new epoch: not the late batch's
    // (hasOngoingTransaction(producerId, producerEpoch)), so it is verified and fenced too.
    const next = { pid: p.pid, epoch: p.epoch + 1 };
    expect(produce(c, 0, next, 0, 'b', true)).toBe('NONE');
    const again = recordingCodeProbes(() => expect(produce(c, 0, p, 1, 'late-0', true)).toBe('INVALID_PRODUCER_EPOCH'));
    expect(again).toContain('txn-v2-late-produce-fenced');
    expect(values(c, 0)).toEqual(['a', 'b']);
    expect(values(c, 1)).toEqual([]);
  });

  it("TV2, verification off: a batch left unverified is fenced by the partition's epoch the marker set", () => {
    const c = cluster({ 'transaction.partition.verification.enable': false });
    const p = init(c);
    expect(produce(c, 0, p, 0, 'a', true)).toBe('NONE');
    expect(endTxn(c, p, true, true).error).toBe('NONE');
    expect(c.runUntil(() => markers(c, 0).length === 1, 10_000_000)).toBe(true);
    const leader = c.state('t', 0).leader;
    const opts = { partition: 0, producerId: p.pid, producerEpoch: p.epoch, baseSequence: 1, transactional: true };
    const probes = recordingCodeProbes(() =>
      expect(errorOf(c.produceAndWait(leader, ['late'], opts))).toBe('INVALID_PRODUCER_EPOCH'),
    );
    expect(probes).toContain('txn-v2-late-batch-fenced');
    expect(values(c, 0)).toEqual(['a']);
  });

  it('TV0 without verification: appended after the COMMIT marker, a transaction nothing closes', () => {
    const c = cluster({ 'transaction.version': 0, 'transaction.partition.verification.enable': false });
    const p = init(c);
    const add = txn(c, {
      type: 'AddPartitionsToTxn',
      transactionalId: 'tx',
      producerId: p.pid,
      producerEpoch: p.epoch,
      partitions: ['t/0'],
    });
    expect(add.error).toBe('NONE');
    expect(produce(c, 0, p, 0, 'a', false)).toBe('NONE');
    expect(endTxn(c, p, true, false).error).toBe('NONE');
    expect(c.runUntil(() => coordinatorState(c) === `CompleteCommit/${p.epoch}`, 10_000_000)).toBe(true);
    expect(produce(c, 0, p, 1, 'late', false)).toBe('NONE');
    expect(values(c, 0)).toEqual(['a', 'late']);
    const leader = c.replica(c.state('t', 0).leader, 't', 0);
    expect(leader.log.producers.hasOngoingTransaction(p.pid)).toBe(true);
    expect(coordinatorState(c)).toBe(`CompleteCommit/${p.epoch}`);
  });
});

/**
 * Seed 902 of the transactions scenario (base 1), the first campaign with KIP-890 part 2: the
 * coordinator died after its PrepareCommit was committed and before the COMMIT marker reached
 * t/0; the producer, answered with the bumped epoch, sent its next transaction's batch to t/0,
 * where the previous transaction was still open. Counted as ongoing (any epoch, as before 4.0),
 * the batch was appended unverified into the old transaction and committed by its marker, though
 * its own transaction was never added and ended fenced: an aborted read. Kafka 4.0's
 * UnifiedLog.hasOngoingTransaction(producerId, producerEpoch) counts only a transaction of the
 * batch's epoch, so the batch is verified, and refused until the old transaction is complete.
 */
describe('regression: a batch of the next epoch while the previous transaction is open at the partition', () => {
  it('is verified with the coordinator, not appended into the old transaction', () => {
    const c = cluster();
    const coordinator = c.state(TXN_STATE_TOPIC, 0).leader;
    const partition = [0, 1].find((i) => c.state('t', i).leader !== coordinator) as number;
    const leader = c.state('t', partition).leader;
    const p = init(c);
    expect(produce(c, partition, p, 0, 'a', true)).toBe('NONE');
    // The coordinator's markers (and answers) to the partition's leader are lost.
    const cut = c.sim.network.cut({ kind: 'one-way', from: [coordinator], to: [leader] });
    expect(endTxn(c, p, true, true).producerEpoch).toBe(p.epoch + 1);
    const next = { pid: p.pid, epoch: p.epoch + 1 };
    const probes = recordingCodeProbes(() => expect(produce(c, partition, next, 0, 'b', true)).not.toBe('NONE'));
    expect(probes).toContain('txn-v2-open-txn-of-older-epoch');
    expect(values(c, partition)).toEqual(['a']);
    c.sim.network.heal(cut);
    expect(c.runUntil(() => coordinatorState(c) === `CompleteCommit/${p.epoch + 1}`, 60_000_000)).toBe(true);
    expect(markers(c, partition)).toEqual([`COMMIT@${p.epoch + 1}`]);
    // Now the batch opens the next transaction (the coordinator adds the partition), which aborts.
    expect(produce(c, partition, next, 0, 'b', true)).toBe('NONE');
    expect(endTxn(c, next, false, true).error).toBe('NONE');
    expect(c.runUntil(() => markers(c, partition).length === 2, 10_000_000)).toBe(true);
    expect(markers(c, partition)).toEqual([`COMMIT@${p.epoch + 1}`, `ABORT@${p.epoch + 2}`]);
  });
});
