// Regression: the transactional producer waited out request.timeout.ms (30 s) for an answer
// from a broker whose process had died, where Kafka's producer retries at once. Swarm seed
// 141001547 (base 141000000), shrunk to 2 faults: a clean rolling restart, then a kill -9 of
// broker 2, the transaction coordinator, 62 µs after it wrote a PrepareCommit it had not yet
// replicated. Both stops reset the connections to broker 2; the model's TxnProducerActor had
// no onDisconnect, so its EndTxn (and, in the restart, its earlier requests) stayed
// outstanding until their timers fired: transaction x601-1 committed 30.1 s after its EndTxn,
// holding the LSO of t/0 that long, which (with retention) set off the probe's liveness gap of
// probe-reset-past-open-transaction.test.ts. Kafka: TransactionManager.TxnRequestHandler
// .onComplete (3.9.0-rc3) on response.wasDisconnected() looks the coordinator up again when the
// request needs one (lookupCoordinator) and re-enqueues it; NetworkClient fails a reset
// connection's in-flight requests at once (processDisconnection). Fix (model/txn-producer.ts
// onDisconnect): a reset or refused connection to the node of the outstanding request fails it
// at once, as the timeout did 30 s later.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

const REQUEST_TIMEOUT_US = 30_000_000;

describe('regression: the transactional producer retries at once when its broker dies', () => {
  it('seed 141001547: no transaction waits out request.timeout.ms, and the run passes', () => {
    const { result, failing } = rerun(141001547, fixtureInput(141001547), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.trace!.config['request.timeout.ms']).toBe(REQUEST_TIMEOUT_US / 1000);
    const history = result.trace!.history;
    const invoked = new Map<number | string, number>();
    const durationsUs: number[] = [];
    for (const e of history) {
      if (e.f !== 'txn') continue;
      if (e.type === 'invoke') invoked.set(e.process, e.time);
      else durationsUs.push(e.time - invoked.get(e.process)!);
    }
    // The transactions of the crashed coordinator's producer all complete; none of them took
    // a request timeout (without the fix: 33.1 s and 30.1 s).
    expect(durationsUs.length).toBeGreaterThan(0);
    for (const d of durationsUs) expect(d).toBeLessThan(REQUEST_TIMEOUT_US);
    const committed = history.find((e) => e.f === 'txn' && e.type === 'ok' && e.process === 601000);
    expect(committed).toBeDefined();
  });
});
