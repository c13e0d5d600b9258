// The finding no-divergence-below-log-start (see no-divergence-below-log-start.test.ts for the
// chain) when retention deletes the kept records after the follower led and served them: swarm
// seed 150001060 of base 150000000 (transactions applied, retention.ms 10 s), reported as a
// violation (inconsistent-offsets at 32, 34, 36, 38, 40 of t/0: "x600-0" against "p200-32"…)
// because the witness read the follower's records only in the run's last snapshot.
// Under the KRaft metadata timing that seed's shrunk input no longer reaches the chain: broker 2,
// whose fetch hung on the cut link, leads epoch 2 from 27, and producer 200's whole backlog follows
// it there once its requests to broker 1 time out, so epoch 2 ends at 77 and broker 1's fetch at
// 32 is out of range of leader 3's log start 77 (it truncates fully). This test runs a hand-built
// schedule derived from it (fixtures/seed-150001060-producer-cut.json): the shrunk input with
// broker 2's clean shutdown 11 s after the controller cut (was 16.25 s) and one added fault, a 30 s
// cut of the link producer 200 ↔ broker 2 right after broker 2's second acknowledgement on t/0.
//
// The chain, each step read in Kafka's source at 3.9.0-rc3 (the same steps as seed 72003580):
// 1. At 2.01 s the link broker 2 ↔ broker 1 is cut (2.955 s; broker 2's fetch hangs): broker 1,
//    leader of epoch 1, appends p200-27…31 in epoch 1 and its HW stays 27 (broker 2 is in the
//    ISR). From 3.04 s broker 1 is cut from the active controller and fenced; at 10.526 s broker 2
//    leads epoch 2 from 27 and commits x600-0 at 27 (COMMIT 28), producer 200's retry of p200-27
//    at 29 and x600-1 at 30 (COMMIT 31). Right after broker 2 acknowledges p200-27 (12.246 s) the
//    producer is cut from it: that answer and its later retries are lost, epoch 2 ends at 32.
// 2. Broker 2 shuts down cleanly at 14.04 s; broker 3, at HW = log end 32, leads epoch 3 from 32
//    with ISR [3] (below min.insync.replicas 2: it appends nothing). At 30 s retention deletes its
//    segments below 32 (LeaderEpochFileCache.truncateFromStart: cache (3, 32)).
// 3. The cut heals (28.41 s); broker 1, a follower of epoch 3, fetches at 32 with lastFetchedEpoch
//    1: LeaderEpochFileCache.endOffsetFor(1) → (1, 32) ("This may be inaccurate"), no divergence in
//    Partition.readRecords; the leader adds broker 1 to the ISR (maybeExpandIsr) and is killed
//    (30.359 s): its answer (log start 32) never reaches broker 1.
// 4. Broker 1 leads epoch 4 (38.526 s) with p200-27…31; broker 2, back, truncates to 27 on the
//    diverging epoch and copies them; the consumer reads them (38.655 s) and broker 1 acknowledges
//    producer 200's retries at 27–31 (42.55 s), against the committed x600-0 at 27 and x600-1 at 30.
// 5. At 39 s broker 1's own retention deletes the segment holding 27–31 (log start 32): by the last
//    snapshot no replica holds them, so the witness must read the follower's records at the
//    leader's answer (driver/run.ts keeps them: FindingRun.fetchesBelowCache).

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const SEED = 150001060;
/** fixtures/seed-150001060-producer-cut.json: the hand-built schedule (see the header). */
const SCHEDULE = 'producer-cut';
const FINDING = 'no-divergence-below-log-start';

describe('finding: no divergence below the log start, the kept records deleted by retention later', () => {
  it('seed 150001060, producer cut: broker 1 served p200-27…31 against committed transactional records', () => {
    const { result, failing, kafkaFindings, timeline } = rerunFinding(SEED, SCHEDULE);
    // Step 5: broker 1's log start passed 31 (segment deletion) before the run's end.
    const start = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'log-start' && e.broker === 1 && e.to === 32 && e.reason === 'segment-deletion';
    expect(timeline.some(start)).toBe(true);
    // Step 4: broker 1 led epoch 4.
    const led = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'replica' && e.broker === 1 && e.role === 'leader' && e.leaderEpoch === 4;
    expect(timeline.some(led)).toBe(true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual([FINDING]);
    expect(kafkaFindings.length).toBeGreaterThan(0);
    for (const a of result.verdict.anomalies.filter((x) => x.kafkaFinding !== undefined)) {
      expect(a.kind).toBe('inconsistent-offsets');
      for (const o of a.offsets ?? []) expect(o >= 27 && o <= 31, `${a.kind} at ${o}`).toBe(true);
      const fetchAt32 = /^Leader 3 served broker 1's fetch of t\/0 at 32 with last fetched epoch 1\b/;
      expect(a.kafkaFindingWitness).toMatch(fetchAt32);
    }
  });

  it('records held at the hit explain the anomaly only for that hit, offset and record', () => {
    const k = fetchBelowCache({ leader: 3, follower: 1, partition: 0, fetchOffset: 32 }, 1, 3);
    // The last snapshot: broker 1's log starts at 32 (retention deleted 27–31).
    const records = [rec(32, 'x600-2', 4), rec(33, 'COMMIT', 4)];
    const snap = snapshotOf(120_000_000, [
      replicaOf(1, records, { partition: 0, role: 'leader', leaderEpoch: 4, hw: 34 }),
    ]);
    const held = [
      { offset: 27, value: 'p200-27' },
      { offset: 30, value: 'p200-30' },
    ];
    const run: FindingRun = { ...findingRun(k, snap), fetchesBelowCache: [{ fetch: k, kept: held }] };
    const base: Anomaly = {
      kind: 'inconsistent-offsets',
      explanation: "the run's anomaly",
      topic: 't',
      partition: 0,
      offsets: [27],
      values: ['x600-0', 'p200-27'],
    };
    expect(labelKafkaFindings([base], run)[0].kafkaFinding).toBe(FINDING);
    const others: Anomaly[] = [
      { ...base, offsets: [28], values: ['x600-0', 'p200-28'], explanation: 'an offset not held at the hit' },
      { ...base, values: ['x600-0', 'p200-26'], explanation: 'offset 27 but not the record held there' },
      { ...base, partition: 1, explanation: 'another partition' },
      { ...base, kind: 'aborted-read', explanation: 'another kind' },
    ];
    for (const a of labelKafkaFindings(others, run)) {
      expect(a.kafkaFinding, a.explanation).toBeUndefined();
      expect(isFailing(a)).toBe(true);
    }
    // Without the records held at the hit, or without the last snapshot: the last snapshot alone
    // explains nothing. (The driver reads the follower only at a hit of the probe, so its record is
    // that hit, and witnesses even when the code-probe recorder no longer kept the hit's context:
    // no-divergence-below-log-start-duplicate.test.ts.)
    const withoutChain: FindingRun[] = [
      { ...run, fetchesBelowCache: undefined },
      { ...run, fetchesBelowCache: undefined, probeContexts: [] },
      { ...run, lastSnapshot: undefined },
    ];
    for (const r of withoutChain) {
      const [a] = labelKafkaFindings([base], r);
      expect(a.kafkaFinding).toBeUndefined();
      expect(isFailing(a)).toBe(true);
    }
  });
});
