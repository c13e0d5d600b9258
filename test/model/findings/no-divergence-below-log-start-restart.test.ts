// The finding no-divergence-below-log-start (see no-divergence-below-log-start.test.ts for the
// chain) when the leader's log start went back down below its epoch cache's first entry in a
// restart: bench/zoo's guided campaign of stale-generation-commit, base 1, seed 145 (a mutated
// input, replayed by scripts/replay-guided.ts and shrunk to 7 faults, 97 sends), reported on the
// correct model as log-matching: "Brokers 1 and 3 disagree at offset 91 of t/0, below both their
// high watermarks: "p200-18" (epoch 2) against "x600-17" (epoch 1)", because the witness took the
// follower's kept records only below the leader's log start.
//
// The fixture (fixtures/seed-145-zoo-guided-shifted.json) is a hand-shifted schedule derived from
// that shrink: broker 1's first kill -9 (16.23 s) restarts it after 21000 ms, not 16754 ms. Under the
// KRaft metadata timing (25 ms append linger, branch kraftlag) the shrink's own run is clean; the
// shifted run reaches the chain below, one offset pair later than the original report: brokers 1 and
// 3 now disagree at offset 93, "ABORT" (epoch 2) against "p200-19" (epoch 1), because the producer's
// retries put x600-17 and p200-18 at 91–92 in epoch 2 as well.
//
// The chain, each step read in Kafka's source at 3.9.0-rc3:
// 1. Broker 3 holds x600-17, p200-18, p200-19 at 91–93 in epoch 1 when leader 1 crashes (16.23 s);
//    broker 2 leads epoch 2 from 91 (24.53 s) and commits x600-17, p200-18 and ABORT markers at 91–97
//    while a one-way cut keeps broker 3 from fetching.
// 2. Broker 1, a follower of epoch 2, truncates to 91 on the diverging epoch (68.23 s) and copies
//    epoch 2; it raises its log start to the leader's, last to 96 at 75.32 s
//    (ReplicaFetcherThread.processPartitionData, maybeIncrementLogStartOffset,
//    LeaderOffsetIncremented): its cache's first entry becomes (2, 96)
//    (LeaderEpochFileCache.truncateFromStartAsyncFlush), its segment from 91 stays.
// 3. Broker 1 is killed (84.05 s) before kafka-log-start-offset-checkpoint (LogManager's schedule,
//    the only writer of a follower's raise) ran; restarted (94.78 s), its log start is
//    max(checkpoint, first segment base) = 91 (LogLoader.load), the cache keeps (2, 96)
//    (truncateFromStartAsyncFlush of the checkpoint never moves an entry down), and it leads epoch 5.
// 4. Broker 3 fetches at 94 with lastFetchedEpoch 1: endOffsetFor(1) → (1, 96) ("This may be
//    inaccurate"), no divergence (Partition.readRecords); it raises its log start to the leader's
//    91 (128.0 s) and keeps p200-19 at 93 against broker 1's ABORT.

import { describe, expect, it } from 'vitest';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import { isFailing } from '../../../driver/run.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const FINDING = 'no-divergence-below-log-start';

describe('finding: no divergence below the log start, the leader restarted below its cache', () => {
  it('zoo guided seed 145: brokers 1 and 3 disagree at 93, the kept epoch-1 record', () => {
    const { result, failing, timeline } = rerunFinding(145, 'zoo-guided-shifted');
    const resurrected = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'log-start' && e.broker === 1 && e.to === 91 && e.reason === 'recovery';
    expect(timeline.some(resurrected)).toBe(true);
    expect(failing).toEqual([]);
    expect(result.kafkaFindings).toEqual([FINDING]);
    const labelled = result.verdict.anomalies.filter((a) => a.kafkaFinding !== undefined);
    expect(labelled.map((a) => [a.kind, a.offsets, a.values])).toEqual([['log-matching', [93], ['ABORT', 'p200-19']]]);
    expect(labelled[0].kafkaFindingWitness).toMatch(
      /^Leader 1 served broker 3's fetch of t\/0 at 94 with last fetched epoch 1\b/,
    );
  });

  it('the kept records reach up to the leader cache answer, not above it, and only of old epochs', () => {
    const k = {
      ...fetchBelowCache({ leader: 1, follower: 3, partition: 0, fetchOffset: 94 }, 1, 2),
      leaderLogStart: 91,
    };
    const records = [rec(91, 'x600-17', 1), rec(94, 'x600-20', 1), rec(95, 'p200-22', 5)];
    const snap = snapshotOf(120_000_000, [
      replicaOf(3, records, { partition: 0, role: 'follower', leaderEpoch: 5, hw: 96 }),
    ]);
    const run: FindingRun = findingRun(k, snap);
    const base: Anomaly = {
      kind: 'log-matching',
      explanation: "the run's anomaly",
      topic: 't',
      partition: 0,
      offsets: [91],
      values: ['p200-18', 'x600-17'],
    };
    expect(labelKafkaFindings([base], run)[0].kafkaFinding).toBe(FINDING);
    const others: Anomaly[] = [
      { ...base, offsets: [94], values: ['p200-21', 'x600-20'], explanation: 'at the answer: compared by the leader' },
      { ...base, offsets: [95], values: ['p200-22', 'x'], explanation: 'above it, of the new epoch' },
    ];
    for (const a of labelKafkaFindings(others, run)) {
      expect(a.kafkaFinding, a.explanation).toBeUndefined();
      expect(isFailing(a)).toBe(true);
    }
  });
});
