// Regression (promise tracker: driver/promise.ts txnOutcomeLostBreach).
//
// Swarm seed 110021327 (base 110,000,000, transactions drawn, the correct model; shrunk to 6
// faults) reported lost-write: "Send of "x600-6" to t/0 by process 600000 was acknowledged at
// offset 72, yet no poll ever returned it", with poll-skips of it by both read_committed
// consumers and the final read.
//
// The fixture is a hand-shifted schedule derived from seed 110021327: its first fault (the cut of
// t/0's follower from its leader, the second fault 186.867 ms after it) at 6506 ms, not 5006 ms.
// Under the KRaft metadata timing (25 ms append linger, flush after a drain) the workload starts
// about 0.8 s later, so the shrink's cut at 5006 ms came before the 26th produce acknowledgement
// that triggers the first power loss, which then fired only at 41.8 s and the run was clean; a
// cut from 6306 ms to at least 7006 ms gives the chain below (that of the shifted run).
//
// The transaction (one send, invoked at 45.8 s) appended x600-6 at 86 (50.91 s); its
// coordinator, broker 3, wrote the PrepareCommit to __transaction_state/1 and was killed at once
// (no answer); broker 1 lost power (torn tail) 0.2 ms later. Both replicas of
// __transaction_state/1 (replicas [3, 1], min.insync.replicas 2) had shut down uncleanly; at
// 64.53 s broker 1 was elected as its last known leader (KIP-966) with a log ending at 7, below
// the HW 14 it had committed: beyond Kafka's promise (the tracker's 'last-known-leader-elected',
// already reported for candidate-complete).
//
// Kafka then does what the model did (read at 3.9.0-rc3): the coordinator loads the 7 records
// left (TransactionStateManager.loadTransactionsForTxnTopicPartition), tx-0 in CompleteCommit
// of an earlier transaction; the producer's EndTxn(COMMIT) retry is answered NONE
// (TransactionCoordinator.endTransaction: CompleteCommit and COMMIT → Errors.NONE) and no marker
// is written for x600-6. t/0 keeps it as an open transaction of producer 1000000; the producer's
// next transaction joins it (UnifiedLog.maybeStartTransactionVerification skips verification
// while hasOngoingTransaction; ProducerAppendInfo.appendDataBatch keeps currentTxnFirstOffset)
// and is aborted, and its ABORT marker at 108 (69.63 s) aborts from 86 (appendEndTxnMarker). The
// committed x600-6 is aborted: a loss of a record sent before a breach of its transaction's
// state, which the tracker did not link to its data partition. txnOutcomeLostBreach now does,
// for records acknowledged by an ok transaction sent before a durability breach of the
// `__transaction_state` partition of their producer id, still open on their partition then.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';
import { TXN_STATE_TOPIC } from '../../../model/config.ts';

describe('a committed transaction whose state a __transaction_state breach took', () => {
  it('seed 110021327 (shifted): the lost write and the skips of it are expected, by that breach', () => {
    const { result, failing } = rerun(110021327, fixtureInput(110021327, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const lost = result.verdict.anomalies.find((a) => a.kind === 'lost-write');
    expect(lost).toMatchObject({ topic: 't', partition: 0, offsets: [86], values: ['x600-6'], expected: true });
    expect(lost?.expectedBecause).toMatchObject({
      rule: 'last-known-leader-elected',
      topic: TXN_STATE_TOPIC,
      partition: 1,
    });
    const skips = result.verdict.anomalies.filter((a) => a.kind === 'poll-skip');
    expect(skips.length).toBeGreaterThan(0);
    for (const s of skips) expect(s.expectedBecause?.topic).toBe(TXN_STATE_TOPIC);
  });

  it('the situation: the ABORT that closed x600-6 came after the breach, from the next transaction', () => {
    // (the rule's negative cases, a transaction closed before the breach among them: test/fuzz/promise.test.ts)
    const { result } = rerun(110021327, fixtureInput(110021327, 'shifted'), 'correct', true);
    const markers = result
      .trace!.timeline.filter((e) => e.kind === 'append' && e.topic === 't' && e.broker !== undefined)
      .filter((e) => (e as { values?: string[] }).values?.[0] === 'ABORT');
    expect(markers.some((e) => (e as { firstOffset?: number }).firstOffset === 108 && e.t > 64_530_633)).toBe(true);
  });
});
