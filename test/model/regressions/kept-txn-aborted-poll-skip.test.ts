// Regression (driver: a Kafka finding's consequence the witness did not label). The input of the
// finding no-divergence-below-log-start's fixture fixtures/seed-450022304-shifted.json (swarm seed
// 450022304, KRaft, transactions with one transactional id shared by three producers, read_committed)
// with two values changed: the slow of broker 1 adds 26364 ms (not 26361) and broker 3's crash
// lasts 9749 ms (not 10749): fixtures/seed-450022304-kept-txn-aborted.json. On the correct model the
// run was a violation: besides the finding's anomalies at offset 69, "Successive polls of t/0 by
// process 300000 went from "p200-16" to "p201-18", skipping 1 value(s) of the log ("x601-7")".
//
// The chain, each step read in Kafka's source at 3.9.0-rc3 and trunk:
// 1. Broker 3 leads t/0 in epoch 3 with broker 1 in its ISR; producer 2000002 (instance 601, epoch
//    10) opens a transaction with x601-7 at 62, replicated to broker 1. Broker 3 crashes; broker 1
//    leads epoch 4 (63–67), is slowed by 26.4 s and replaced by broker 2 (epoch 5), which writes the
//    transaction's COMMIT at 68 (the coordinator completes it: instance 601's txn op is ok) while
//    broker 1, still leading epoch 4, appends p202-18 and p202-19 at 68 and 69.
// 2. Retention moves broker 2's log start to 70 and LeaderEpochFileCache.truncateFromStart its cache
//    to (5, 70). Broker 1 fetches at 70 with last fetched epoch 4: endOffsetFor answers (4, 70), no
//    divergence (Partition.readRecords): it keeps 28–69, p202-18 where the leader has COMMIT, and its
//    producer state keeps producer 2000002's transaction from 62 open.
// 3. Broker 1 leads epoch 6. Instance 600 (epoch 12) appends x600-6 at 72: a data batch of a new
//    epoch keeps the open transaction (ProducerAppendInfo.appendDataBatch sets currentTxnFirstOffset
//    only when none). Fenced, its transaction is aborted: the ABORT at 78 completes the transaction
//    from 62 (ProducerAppendInfo.appendEndTxnMarker: CompletedTxn(currentTxnFirstOffset, 78, aborted)),
//    which UnifiedLog.append indexes as aborted (LogSegment.updateTxnIndex).
// 4. The read_committed consumer fetches at 62 from broker 1; UnifiedLog.collectAbortedTransactions
//    answers (2000002, 62), and CompletedFetch.nextFetchedRecord skips every transactional batch of
//    2000002 from 62 to the ABORT (isBatchAborted): x601-7, committed, is skipped.
// Kafka does the same: the poll-skip is a consequence of the finding (verdict (a)), not a model,
// checker or driver bug. The witness (driver/kafka-findings.ts abortedKeptTxnSkip) now labels a
// poll-skip when the transaction the follower held open from below the leader's log start was closed
// on it by an ABORT and every skipped value is that producer's record it held there at the hit; before
// it, this run was a violation.

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { type FindingRun, type FollowerAtFetchBelowCache, labelKafkaFindings } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { RecordView } from '../../../checkers/cluster-state.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, snapshotOf } from '../findings/helpers.ts';
import { fixtureInput, rerun } from './helpers.ts';

const SEED = 450022304;
const FINDING = 'no-divergence-below-log-start';

describe('a read_committed poll skips a committed record of the transaction a kept follower aborted', () => {
  it('seed 450022304 (kept-txn-aborted): x601-7 at 62 skipped on broker 1, labelled with the finding', () => {
    const { result, failing } = rerun(SEED, fixtureInput(SEED, 'kept-txn-aborted'), 'correct', true);
    const timeline = result.trace!.timeline;
    const appendAt = (broker: number, offset: number) =>
      timeline.find((e) => e.kind === 'append' && e.broker === broker && e.topic === 't' && e.firstOffset === offset);
    expect(appendAt(1, 62)).toMatchObject({ epoch: 3, values: ['x601-7'] });
    expect(appendAt(2, 68)).toMatchObject({ epoch: 5, values: ['COMMIT'] });
    expect(appendAt(1, 68)).toMatchObject({ epoch: 4, values: ['p202-18'] });
    expect(appendAt(1, 78)).toMatchObject({ epoch: 6, values: ['ABORT'] });
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    const skip = result.verdict.anomalies.filter((a) => a.kind === 'poll-skip');
    expect(skip.map((a) => a.values)).toEqual([['p200-16', 'p201-18', 'x601-7']]);
    expect(skip[0].kafkaFinding).toBe(FINDING);
    expect(skip[0].kafkaFindingWitness).toMatch(
      /^Leader 2 served broker 1's fetch of t\/0 at 70 .*transaction from 62 open .*ABORT at 78/,
    );
  });

  it('the witness: another marker, producer, first offset, step or time leaves the poll-skip failing', () => {
    const k = fetchBelowCache({ leader: 2, follower: 1, partition: 0, fetchOffset: 70 }, 4, 5);
    const held = [
      rec(61, 'p200-16', 3, 200),
      rec(62, 'x601-7', 3, 600),
      rec(63, 'p201-18', 4, 201),
      rec(64, 'p202-15', 4, 202),
    ];
    const atHit: FollowerAtFetchBelowCache = {
      fetch: k,
      atUs: 125_000_000,
      kept: held.map((r) => ({ offset: r.offset, value: r.value, producerId: r.producerId })),
      openBelow: [{ producerId: 600, firstOffset: 62 }],
    };
    const marker = (type: 'COMMIT' | 'ABORT'): RecordView =>
      ({ ...rec(72, type, 6, 600), control: { type } }) as RecordView;
    const after = (type: 'COMMIT' | 'ABORT', logStart = 70): FindingRun => {
      const log = [rec(70, 'p201-19', 6, 201), rec(71, 'x600-6', 6, 600), marker(type)].filter(
        (r) => r.offset >= logStart,
      );
      const follower = replicaOf(1, log, { partition: 0, role: 'leader', leaderEpoch: 6, hw: 73 });
      return { ...findingRun(k, snapshotOf(130_000_000, [follower])), fetchesBelowCache: [atHit] };
    };
    const skip: Anomaly = {
      kind: 'poll-skip',
      explanation: "the run's poll-skip",
      topic: 't',
      partition: 0,
      values: ['p200-16', 'p201-18', 'x601-7'],
      timesUs: [45_000_000, 126_000_000],
    };
    const label = (a: Anomaly, run: FindingRun) => labelKafkaFindings([a], run)[0];
    expect(label(skip, after('ABORT')).kafkaFinding).toBe(FINDING);
    const unexplained: Array<[string, Anomaly, FindingRun]> = [
      ['a COMMIT closed it', skip, after('COMMIT')],
      ['the ABORT deleted', skip, after('ABORT', 71)],
      ['no open transaction', skip, { ...after('ABORT'), fetchesBelowCache: [{ ...atHit, openBelow: [] }] }],
      [
        'another producer',
        skip,
        { ...after('ABORT'), fetchesBelowCache: [{ ...atHit, openBelow: [{ producerId: 601, firstOffset: 62 }] }] },
      ],
      [
        'opened above the skip',
        skip,
        { ...after('ABORT'), fetchesBelowCache: [{ ...atHit, openBelow: [{ producerId: 600, firstOffset: 63 }] }] },
      ],
      ['polled before the hit', { ...skip, timesUs: [45_000_000, 100_000_000] }, after('ABORT')],
      ['another record between', { ...skip, values: ['p200-16', 'p202-15', 'x601-7', 'p201-18'] }, after('ABORT')],
      ['an end not held', { ...skip, values: ['p200-15', 'p201-18', 'x601-7'] }, after('ABORT')],
      ['a reset', { ...skip, offsets: [62, 63], values: ['p200-16', 'x601-7'] }, after('ABORT')],
      ['another partition', { ...skip, partition: 1 }, after('ABORT')],
    ];
    for (const [why, a, run] of unexplained) {
      const labelled = label(a, run);
      expect(labelled.kafkaFinding, why).toBeUndefined();
      expect(isFailing(labelled), why).toBe(true);
    }
  });
});
