// The finding no-divergence-below-log-start (see no-divergence-below-log-start.test.ts for the
// chain) when retention deletes the kept records after the follower led and served them: swarm
// seed 150001060 of base 150000000 (transactions applied, retention.ms 10 s), reported as a
// violation (inconsistent-offsets at 32, 34, 36, 38, 40 of t/0: "x600-0" against "p200-32"…)
// because the witness read the follower's records only in the run's last snapshot.
//
// The chain, each step read in Kafka's source at 3.9.0-rc3 (the same steps as seed 72003580):
// 1. Broker 1, leader of epoch 1, is cut from the active controller and fenced; broker 2 leads
//    epoch 2 from 32 and commits the transactional records x600-0… at 32–41. Broker 1, not
//    knowing, appends p200-32…41 in epoch 1 (its HW stays 32: they are never acknowledged).
// 2. Broker 2 shuts down cleanly; broker 3 leads epoch 3 from 42. At 30 s retention deletes its
//    segments below 42 (LeaderEpochFileCache.truncateFromStart: cache (3, 42)) and broker 1's
//    below its HW 32.
// 3. The cut heals; broker 1, a follower of epoch 3, fetches at 42 with lastFetchedEpoch 1:
//    LeaderEpochFileCache.endOffsetFor(1) → (1, 42) ("This may be inaccurate"), no divergence in
//    Partition.readRecords; the leader adds broker 1 to the ISR (maybeExpandIsr) and is killed
//    before its answer (log start 42) reaches broker 1.
// 4. Broker 1 leads epoch 4 with p200-32…41; broker 2, back, truncates to 32 on the diverging
//    epoch and copies them; a consumer reads them against the committed x600 records.
// 5. At 43 s broker 1's own retention deletes the segment holding 32–41: by the last snapshot no
//    replica holds them, so the witness must read the follower's records at the leader's answer
//    (driver/run.ts keeps them: FindingRun.fetchesBelowCache).

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const SEED = 150001060;
const FINDING = 'no-divergence-below-log-start';

describe('finding: no divergence below the log start, the kept records deleted by retention later', () => {
  it('seed 150001060: broker 1 served p200-32…41 against committed transactional records, then deleted them', () => {
    const { result, failing, kafkaFindings, timeline } = rerunFinding(SEED);
    // Step 5: broker 1's log start passed 41 (segment deletion) before the run's end.
    const start = (e: (typeof timeline)[number]): boolean =>
      e.kind === 'log-start' && e.broker === 1 && e.to === 42 && e.reason === 'segment-deletion';
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
      for (const o of a.offsets ?? []) expect(o >= 32 && o <= 41, `${a.kind} at ${o}`).toBe(true);
      const fetchAt42 = /^Leader 3 served broker 1's fetch of t\/0 at 42 with last fetched epoch 1\b/;
      expect(a.kafkaFindingWitness).toMatch(fetchAt42);
    }
  });

  it('records held at the hit explain the anomaly only for that hit, offset and record', () => {
    const k = fetchBelowCache({ leader: 3, follower: 1, partition: 0, fetchOffset: 42 }, 1, 3);
    // The last snapshot: broker 1's log starts at 42 (retention deleted 32–41).
    const records = [rec(42, 'x600-5', 4), rec(43, 'COMMIT', 4)];
    const snap = snapshotOf(120_000_000, [
      replicaOf(1, records, { partition: 0, role: 'leader', leaderEpoch: 4, hw: 44 }),
    ]);
    const held = [
      { offset: 32, value: 'p200-32' },
      { offset: 34, value: 'p200-34' },
    ];
    const run: FindingRun = { ...findingRun(k, snap), fetchesBelowCache: [{ fetch: k, kept: held }] };
    const base: Anomaly = {
      kind: 'inconsistent-offsets',
      explanation: "the run's anomaly",
      topic: 't',
      partition: 0,
      offsets: [32],
      values: ['x600-0', 'p200-32'],
    };
    expect(labelKafkaFindings([base], run)[0].kafkaFinding).toBe(FINDING);
    const others: Anomaly[] = [
      { ...base, offsets: [33], values: ['x600-0', 'p200-33'], explanation: 'an offset not held at the hit' },
      { ...base, values: ['x600-0', 'p200-31'], explanation: 'offset 32 but not the record held there' },
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
