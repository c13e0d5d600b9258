// Bug zoo: read-committed-hw. A read_committed fetch is bounded by the high watermark instead of
// the last stable offset (UnifiedLog.read with FetchIsolation.TXN_COMMITTED reads to
// fetchLastStableOffsetMetadata, KIP-98), so a consumer is served the records of a transaction
// still open, which may yet abort.
// Schedule (RF 3): the transaction coordinator opens a transaction of producer tx on t/0
// (InitProducerId, AddPartitionsToTxn), the producer writes a0 to it (committed: below the HW);
// a read_committed consumer fetches from offset 0. The correct leader answers nothing (the LSO
// is 0); the variant returns a0. The producer then aborts: the variant's reader saw an aborted
// record (G1a).

import { describe, expect, it } from 'vitest';
import type { ClientResponse } from '../../../model/client-protocol.ts';
import { TXN_STATE_TOPIC, type ProtocolVariant } from '../../../model/config.ts';
import { consumerView } from '../../../model/client-fetcher.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from '../../../model/txn-coordinator.ts';
import { TestCluster, errorOf } from '../helpers.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type TxnResponse = Extract<TxnMessage, { type: 'TxnResponse' }>;

function txn(c: TestCluster, body: TxnRequestBody): TxnResponseBody {
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = c.request(c.state(TXN_STATE_TOPIC, 0).leader, { type: 'TxnRequest', body });
    expect(c.runUntil(() => c.answer(id) !== undefined, 10_000_000)).toBe(true);
    const r = (c.answer<TxnResponse>(id) as TxnResponse).body;
    if (r.error !== 'COORDINATOR_LOAD_IN_PROGRESS' && r.error !== 'CONCURRENT_TRANSACTIONS') return r;
    c.runFor(100_000);
  }
  throw new Error(`no answer to ${body.type}`);
}

/** What a read_committed consumer returns from t/0 while the transaction is open, then after its abort. */
function run(variant: 'correct' | ProtocolVariant): { open: string[]; afterAbort: string[] } {
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
  const init = txn(c, { type: 'InitProducerId', transactionalId: 'tx', transactionTimeoutMs: 60_000 });
  expect(init.type === 'InitProducerId' && init.error).toBe('NONE');
  const { producerId, producerEpoch } = init as Extract<TxnResponseBody, { type: 'InitProducerId' }>;
  const ids = { transactionalId: 'tx', producerId, producerEpoch };
  expect(txn(c, { type: 'AddPartitionsToTxn', ...ids, partitions: ['t/0'] }).error).toBe('NONE');
  const opts = { producerId, producerEpoch, baseSequence: 0, transactional: true, transactionalId: 'tx' };
  expect(errorOf(c.produceAndWait(c.state().leader, ['a0'], opts))).toBe('NONE');
  const read = (): string[] => {
    const r: FetchResponse = c.fetchAndWait(c.state().leader, 0, { isolationLevel: 'read_committed' });
    return consumerView(r, 0, true).returned.map((x) => x.value);
  };
  const open = read();
  expect(txn(c, { type: 'EndTxn', ...ids, committed: false }).error).toBe('NONE');
  c.runFor(1_000_000);
  return { open, afterAbort: read() };
}

describe('zoo: read-committed-hw', () => {
  it('the correct leader serves read_committed nothing of an open transaction', () => {
    expect(run('correct')).toEqual({ open: [], afterAbort: [] });
  });

  it('the variant serves the open transaction’s record, which then aborts', () => {
    expect(run('read-committed-hw')).toEqual({ open: ['a0'], afterAbort: [] });
  });
});
