// The finding no-divergence-below-log-start (see no-divergence-below-log-start.test.ts for the
// chain) when the follower's answer does arrive and its log start passes the kept records, but its
// producer state keeps their batches: swarm seed 450022304 (KRaft, Kafka 4.1, RF 3, min ISR 2,
// retention.ms 10 s), reported as a violation on the correct model: "Offset 61 of t/0 holds 2
// different values ("p202-18", "probe-400-0")", p202-18 acknowledged at 125.17 s. The unshrunk run
// shows the same at offset 60. Under the KRaft metadata timing (25 ms append linger, no HW
// completion of parked metadata fetches before 4.1) the shrunk input's run is clean: one ISR change
// of t/0 comes earlier (14.0 s), so the slow fault, armed at 15.8 s, fires on a later one (54.5 s,
// after broker 2's election). The fixture (fixtures/seed-450022304-shifted.json) is a hand-shifted
// schedule derived from the shrunk input (6 faults, 64 sends): the slow fires on the 2nd ISR change
// after 15.8 s, not the 3rd, and adds 26361 ms, not 26175 (found by a grid over the delay; 26361–26362
// give this chain, nearby values have broker 1 lead before its log start rises, or the retries go to
// broker 2).
//
// The chain of that run, each step read in Kafka's source at 3.9.0-rc3 and trunk:
// 1. Broker 1 leads epoch 4 from 45.03 s (ISR [3, 1], then [3, 1, 2], then [1, 2]); from 46.39 s
//    every link of it is slowed by 26.4 s. The controller fences it and elects broker 2 (epoch 5,
//    ISR [2], ELR [1]) at 52.53 s; broker 1's metadata arrives only at 124.92 s. Meanwhile it takes
//    producer 202's batches p202-18 and p202-19 (sequences 18, 19) at 68 and 69 in epoch 4 (73.49 s,
//    75.05 s; HW 62: never acknowledged then; their DelayedProduce expires, REQUEST_TIMED_OUT).
// 2. Broker 2 writes a COMMIT marker at 68 (54.55 s, once broker 3 is back in its ISR) and commits
//    probe-400-0 at 69 in epoch 5 (99.96 s); at 110.86 s retention moves its log start to 70 and
//    LeaderEpochFileCache.truncateFromStart its cache to (5, 70).
// 3. Broker 1, now a follower, fetches at 70 with lastFetchedEpoch 4: LeaderEpochFileCache
//    .endOffsetFor(4) → (4, 70) ("This may be inaccurate"), Partition.readRecords sees no
//    divergence and serves it. Broker 1 raises its log start to the leader's 70 at 125.02 s
//    (ReplicaFetcherThread.processPartitionData, LeaderOffsetIncremented), which deletes 28–69;
//    ProducerStateManager.onLogStartOffsetIncremented drops no producer, so producer 202's entry
//    still lists the batches of sequences 15–19 at 64–69.
// 4. Broker 1 leads epoch 6 (preferred leader, 125.03 s, HW 71). Producer 202 retries sequences 18
//    and 19: UnifiedLog.analyzeAndValidateProducerState finds them by
//    ProducerStateEntry.findDuplicateBatch and UnifiedLog.append answers the duplicates with their
//    old offsets (125.13 s): p202-18 at 68, where the committed log holds the COMMIT marker (no
//    value a consumer reads, so nothing is reported there), and p202-19 at 69, where it holds
//    probe-400-0: the one anomaly.
//
// Why the seed was reported (its original run, p202-18 at 61, fetch at 63): the driver read the
// follower's records at no more than 64 hits of the probe, and broker 3, idle at (61, epoch 4) on
// the same leader, repeated its fetch 64 times before broker 1's hit; with no record of what broker
// 1 held at 63 and retention having deleted 61–62 before the last snapshot, the witness found
// nothing kept. The driver now reads a follower again only when its fetch differs from the last
// one read (driver/run.ts sameFetchBelowCache).

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const SEED = 450022304;
const FINDING = 'no-divergence-below-log-start';

describe('finding: no divergence below the log start, a retry answered from the kept batch', () => {
  it('seed 450022304 (shifted): broker 1 acknowledges p202-19 at 69, where the committed log holds probe-400-0', () => {
    const { result, failing, kafkaFindings, timeline } = rerunFinding(SEED, 'shifted');
    // Step 1: broker 1 appended p202-18 at 68 in epoch 4; step 3: its log start rose to 70 from the leader's.
    const kept = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'append' && e.broker === 1 && e.firstOffset === 68 && e.epoch === 4;
    expect(timeline.some(kept)).toBe(true);
    const raised = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'log-start' && e.broker === 1 && e.to === 70 && e.reason === 'leader-log-start';
    expect(timeline.some(raised)).toBe(true);
    expect(timeline.some((e) => e.kind === 'truncate' && e.broker === 1)).toBe(false);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual([FINDING]);
    expect(kafkaFindings.map((f) => f.split(': ')[1])).toEqual(['inconsistent-offsets']);
    for (const a of result.verdict.anomalies.filter((x) => x.kafkaFinding !== undefined)) {
      expect(a.offsets).toEqual([69]);
      expect(a.values).toEqual(['p202-19', 'probe-400-0']);
      const fetchAt70 = /^Leader 2 served broker 1's fetch of t\/0 at 70 with last fetched epoch 4\b/;
      expect(a.kafkaFindingWitness).toMatch(fetchAt70);
    }
  });

  it('a hit the probe recorder no longer kept still witnesses, through the records read at it', () => {
    const k = fetchBelowCache({ leader: 2, follower: 1, partition: 0, fetchOffset: 63 }, 4, 5);
    // The last snapshot: broker 1's log starts at 63 (its kept 61–62 deleted).
    const snap = snapshotOf(135_000_000, [
      replicaOf(1, [rec(63, 'probe-400-2', 5)], { partition: 0, role: 'leader', leaderEpoch: 6, hw: 64 }),
    ]);
    const atHit = { fetch: k, kept: [{ offset: 61, value: 'p202-18' }] };
    const anomaly: Anomaly = {
      kind: 'inconsistent-offsets',
      explanation: "the run's anomaly",
      topic: 't',
      partition: 0,
      offsets: [61],
      values: ['p202-18', 'probe-400-0'],
    };
    const label = (run: FindingRun) => labelKafkaFindings([{ ...anomaly }], run)[0];
    // Neither in the recorder (its slots full) nor read at the hit: nothing explains it.
    const none: FindingRun = { ...findingRun(k, snap), probeContexts: [] };
    expect(isFailing(label(none))).toBe(true);
    // Read at the hit by the driver, though the recorder dropped it: explained.
    expect(label({ ...none, fetchesBelowCache: [atHit] }).kafkaFinding).toBe(FINDING);
    // Another record at 61 does not explain it.
    const other = { fetch: k, kept: [{ offset: 61, value: 'p202-17' }] };
    expect(isFailing(label({ ...none, fetchesBelowCache: [other] }))).toBe(true);
  });
});
