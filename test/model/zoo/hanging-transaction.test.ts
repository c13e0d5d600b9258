// Bug zoo: hanging-transaction (KIP-890's motivation, KAFKA-14402). A produce of a transaction
// is delayed on its way to the partition leader; the producer gives up on it (delivery.timeout.ms)
// and aborts; the coordinator writes the ABORT marker; then the late produce arrives. Its producer
// epoch and sequence are the ones the leader expects, so before KIP-890 (the variant) the leader
// appends it, and it opens a transaction the coordinator knows nothing of: nothing ever writes its
// marker, the last stable offset stays below it for good, and read_committed consumers stall. When
// the producer later writes to the partition again (a new epoch) and commits, that commit marker
// also closes the stale batch: a record of the aborted transaction becomes committed.
// Since Kafka 3.6 (KIP-890 part 1) the leader verifies the batch with the coordinator first
// (AddPartitionsToTxn verifyOnly): the partition is no longer in an ongoing transaction, so the
// late produce is refused with INVALID_TXN_STATE.
// Schedule (3 brokers, RF 3, `__transaction_state` with one partition): InitProducerId and
// AddPartitionsToTxn(t/0); the produce of `late` (sequence 0) is sent on a link slowed by 10 s;
// EndTxn(abort); 10 s later the produce arrives; 70 s pass (past the transaction timeout); then
// InitProducerId (the KIP-360 bump), AddPartitionsToTxn(t/0), a produce of `next` and EndTxn(commit).

import { describe, expect, it } from 'vitest';
import { TXN_STATE_TOPIC, type ProtocolVariant } from '../../../model/config.ts';
import type { ClientResponse } from '../../../model/client-protocol.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../../model/txn-coordinator.ts';
import { RAW_CLIENT_ID, TestCluster, errorOf } from '../helpers.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type ProduceResponse = Extract<ClientResponse, { type: 'ProduceResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;
type InitAnswer = Extract<TxnResponseBody, { type: 'InitProducerId' }>;

const RETRIABLE = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'CONCURRENT_TRANSACTIONS']);
const SLOW_US = 10_000_000;

function txn(c: TestCluster, body: TxnRequestBody): TxnResponseBody {
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = c.request(c.state(TXN_STATE_TOPIC, 0).leader, { type: 'TxnRequest', body });
    expect(c.runUntil(() => c.answer(id) !== undefined, 10_000_000)).toBe(true);
    const r = (c.answer<TxnResponse>(id) as TxnResponse).body;
    if (!RETRIABLE.has(r.error)) return r;
    c.runFor(200_000);
  }
  throw new Error(`no answer to ${body.type}`);
}

interface Outcome {
  /** The late produce's answer. */
  late: string;
  /** The leader's last stable offset and high watermark after the transaction timeout passed. */
  lso: number;
  hw: number;
  /** What read_committed reads of t/0 at the end. */
  committed: string[];
}

function run(variant: 'correct' | ProtocolVariant): Outcome {
  const c = new TestCluster({
    variant,
    topics: [
      { name: 't', partitions: 1, replicationFactor: 3 },
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: 3 },
    ],
    config: { 'transaction.state.log.num.partitions': 1 },
  });
  c.start();
  expect(c.runUntil(() => c.settled() && c.settled(TXN_STATE_TOPIC, 0), 30_000_000)).toBe(true);
  const leader = c.state().leader;
  const init = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 }) as InitAnswer;
  expect(init.error).toBe('NONE');
  const ids = { transactionalId: 'tx', producerId: init.producerId, producerEpoch: init.producerEpoch };
  expect(txn(c, { type: 'AddPartitionsToTxn', ...ids, partitions: ['t/0'] }).error).toBe('NONE');

  // The produce is delayed on its link; the application gives up on it and aborts.
  const slow = c.sim.network.slow(RAW_CLIENT_ID, leader, SLOW_US, true);
  const opts = { producerId: ids.producerId, producerEpoch: ids.producerEpoch, transactional: true };
  const late = c.produce(leader, ['late'], { ...opts, baseSequence: 0, transactionalId: 'tx' });
  c.sim.network.unslow(slow);
  expect(txn(c, { type: 'EndTxn', ...ids, committed: false }).error).toBe('NONE');
  expect(c.runUntil(() => c.answer(late) !== undefined, 2 * SLOW_US)).toBe(true);
  c.runFor(70_000_000);
  const replica = c.replica(leader);
  const { lso, hw } = { lso: replica.log.lso, hw: replica.log.hw };

  // The next transaction after the KIP-360 bump writes t/0 again and commits.
  const bumped = txn(c, {
    type: 'InitProducerId',
    transactionalId: 'tx',
    transactionTimeoutMs: 60_000,
    expected: { producerId: ids.producerId, producerEpoch: ids.producerEpoch },
  }) as InitAnswer;
  expect(bumped.error).toBe('NONE');
  const next = { ...ids, producerEpoch: bumped.producerEpoch };
  expect(txn(c, { type: 'AddPartitionsToTxn', ...next, partitions: ['t/0'] }).error).toBe('NONE');
  const nextOpts = { ...opts, producerEpoch: next.producerEpoch, baseSequence: 0, transactionalId: 'tx' };
  expect(errorOf(c.produceAndWait(leader, ['next'], nextOpts))).toBe('NONE');
  expect(txn(c, { type: 'EndTxn', ...next, committed: true }).error).toBe('NONE');
  c.runFor(2_000_000);
  const r: FetchResponse = c.fetchAndWait(c.state().leader, 0, { isolationLevel: 'read_committed' });
  const aborted = new Set((r.abortedTransactions ?? []).map((a) => a.producerId));
  const committed = r.records.filter((x) => x.control === undefined && !aborted.has(x.producerId)).map((x) => x.value);
  return { late: (c.answer<ProduceResponse>(late) as ProduceResponse).error, lso, hw, committed };
}

describe('zoo: hanging-transaction', () => {
  it('the correct leader verifies the late produce with the coordinator and refuses it', () => {
    const o = run('correct');
    expect(o.late).toBe('INVALID_TXN_STATE');
    expect(o.lso).toBe(o.hw);
    expect(o.committed).toEqual(['next']);
  });

  it('the variant appends it: a transaction nothing closes holds the LSO, then commits with the next one', () => {
    const o = run('hanging-transaction');
    expect(o.late).toBe('NONE');
    expect(o.lso).toBeLessThan(o.hw);
    expect(o.committed).toEqual(['late', 'next']);
  });
});
