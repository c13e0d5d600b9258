// Bug zoo: markers-before-prepare-committed. The transaction coordinator answers EndTxn and
// sends the COMMIT markers as soon as PrepareCommit is appended to its own log, before the
// record is committed in `__transaction_state`. Kafka waits: endTransaction's
// sendTxnMarkersCallback runs only when appendTransactionToLog's acks=-1 append
// (TransactionLog.EnforcedRequiredAcks) completes.
// Schedule (3 brokers, RF 3): coordinator C; partitions pa and pb of t led by A and B (neither
// C). Transaction tx writes a to pa and b to pb. The link C → A is cut (A neither replicates
// the PrepareCommit nor gets pa's marker; A stays in the ISR, so the HW stays below it), then
// EndTxn(commit). The variant answers NONE and writes COMMIT to pb (committed there); the
// correct coordinator waits. C and B crash: A, without the PrepareCommit, becomes the
// coordinator and pb's leader; a new instance of tx (InitProducerId) fences the transaction
// it finds ongoing and aborts it. The variant's acknowledged commit is torn: b is committed,
// a aborted.

import { describe, expect, it } from 'vitest';
import type { ClientResponse } from '../../../model/client-protocol.ts';
import { TXN_STATE_TOPIC, type ProtocolVariant } from '../../../model/config.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../../model/txn-coordinator.ts';
import { TestCluster, errorOf } from '../helpers.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;

const RETRIABLE = new Set(['NOT_COORDINATOR', 'COORDINATOR_LOAD_IN_PROGRESS', 'COORDINATOR_NOT_AVAILABLE']);

/** The request to the current leader of `__transaction_state`, resent while the answer is retriable. */
function txn(c: TestCluster, body: TxnRequestBody): TxnResponseBody {
  for (let attempt = 0; attempt < 200; attempt++) {
    const leader = c.state(TXN_STATE_TOPIC, 0).leader;
    if (leader >= 0 && c.sim.isUp(leader)) {
      const id = c.request(leader, { type: 'TxnRequest', body });
      if (c.runUntil(() => c.answer(id) !== undefined, 10_000_000)) {
        const r = (c.answer<TxnResponse>(id) as TxnResponse).body;
        if (!RETRIABLE.has(r.error) && r.error !== 'CONCURRENT_TRANSACTIONS') return r;
      }
    }
    c.runFor(200_000);
  }
  throw new Error(`no answer to ${body.type}`);
}

function readCommitted(c: TestCluster, partition: number): string[] {
  const leader = c.state('t', partition).leader;
  const r: FetchResponse = c.fetchAndWait(leader, 0, { partition, isolationLevel: 'read_committed' });
  const aborted = new Set((r.abortedTransactions ?? []).map((a) => a.producerId));
  return r.records.filter((x) => x.control === undefined && !aborted.has(x.producerId)).map((x) => x.value);
}

interface Outcome {
  endTxn: string;
  a: string[];
  b: string[];
}

function run(variant: 'correct' | ProtocolVariant): Outcome {
  const c = new TestCluster({
    variant,
    topics: [
      { name: 't', partitions: 3, replicationFactor: 3 },
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: 3 },
    ],
    config: { 'transaction.state.log.num.partitions': 1 },
  });
  c.start();
  const settled = (): boolean => [0, 1, 2].every((p) => c.settled('t', p)) && c.settled(TXN_STATE_TOPIC, 0);
  expect(c.runUntil(settled, 30_000_000)).toBe(true);
  const coordinator = c.state(TXN_STATE_TOPIC, 0).leader;
  const [pa, pb] = [0, 1, 2].filter((p) => c.state('t', p).leader !== coordinator);
  const [a, b] = [c.state('t', pa).leader, c.state('t', pb).leader];
  expect(new Set([coordinator, a, b]).size).toBe(3);

  const init = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 });
  expect(init.error).toBe('NONE');
  const { producerId, producerEpoch } = init as Extract<TxnResponseBody, { type: 'InitProducerId' }>;
  const ids = { transactionalId: 'tx', producerId, producerEpoch };
  expect(txn(c, { type: 'AddPartitionsToTxn', ...ids, partitions: [`t/${pa}`, `t/${pb}`] }).error).toBe('NONE');
  for (const [partition, value] of [
    [pa, 'a'],
    [pb, 'b'],
  ] as const) {
    const opts = { partition, producerId, producerEpoch, baseSequence: 0, transactional: true, transactionalId: 'tx' };
    expect(errorOf(c.produceAndWait(c.state('t', partition).leader, [value], opts))).toBe('NONE');
  }

  const cut = c.sim.network.cut({ kind: 'one-way', from: [coordinator], to: [a] });
  const end = c.request(coordinator, { type: 'TxnRequest', body: { type: 'EndTxn', ...ids, committed: true } });
  c.runFor(1_000_000);
  const endTxn = c.answer<TxnResponse>(end)?.body.error ?? 'no answer';

  c.sim.crash(coordinator);
  c.sim.crash(b);
  expect(c.runUntil(() => c.state(TXN_STATE_TOPIC, 0).leader === a && c.state('t', pb).leader === a, 60_000_000)).toBe(
    true,
  );
  c.sim.network.heal(cut);
  c.sim.start(coordinator);
  c.sim.start(b);
  // A new instance of tx: InitProducerId fences the transaction the new coordinator has as ongoing, and aborts it.
  const again = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 });
  expect(again.error).toBe('NONE');
  c.runFor(2_000_000);
  return { endTxn, a: readCommitted(c, pa), b: readCommitted(c, pb) };
}

describe('zoo: markers-before-prepare-committed', () => {
  it('the correct coordinator answers no commit before PrepareCommit is committed; the abort is whole', () => {
    expect(run('correct')).toEqual({ endTxn: 'no answer', a: [], b: [] });
  });

  it('the variant acknowledges the commit and writes a COMMIT marker; the new coordinator aborts: torn', () => {
    expect(run('markers-before-prepare-committed')).toEqual({ endTxn: 'NONE', a: [], b: ['b'] });
  });
});
