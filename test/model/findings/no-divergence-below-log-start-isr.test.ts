// The finding no-divergence-below-log-start (see no-divergence-below-log-start.test.ts for the
// chain) when a later leader does answer the divergence: the follower, taken into the ISR with
// records the committed log holds otherwise, truncates them while still in the ISR, its log end
// below the committed HW. Swarm seed 450055205 (KRaft, Kafka 4.1, 5 brokers, RF 3, min ISR 2,
// retention.ms 30 s), reported as a violation on the correct model (candidate-complete: "Broker 3
// is in the ISR of t/0 and could be elected, but its log ends at 88, below the committed high
// watermark 97"); the fixture is its shrunk input (5 faults, 97 sends).
//
// The chain, each step read in Kafka's source (trunk of Oct 2024; LeaderEpochFileCache also in
// apache/kafka 4.x):
// 1. Broker 3, a follower of leader 1 in epoch 1, is cut from the controller only. Broker 2 is cut
//    from broker 1, so the HW stays 88 while broker 3 copies 88–96 of epoch 1 (never acknowledged).
// 2. Broker 1 is killed; the controller fences brokers 1 and 3 (no heartbeat) and elects broker 2
//    (epoch 2, log end 88). Broker 3, without metadata, stays a follower of epoch 1. Broker 2 is
//    killed in turn; back, it is elected as the last known leader (epoch 4, ISR [2]), broker 1
//    truncates to 88 and rejoins, and 88–96 are committed anew in epoch 4 (HW 97).
// 3. Retention: broker 2 deletes its only segment (UnifiedLog.deletableSegments takes the active one
//    once the HW reaches the log end): log start 97, LeaderEpochFileCache.truncateFromStart → (4, 97).
//    Broker 1 deletes its segment below 88: cache (4, 88).
// 4. The cut heals (58.2 s); broker 3 is unfenced and follows broker 2 in epoch 4, fetching at 97
//    with lastFetchedEpoch 1: endOffsetFor(1) → (1, 97) ("This may be inaccurate"), no divergence
//    in Partition.readRecords; Partition.isFollowerInSync (97 ≥ HW 97, ≥ the epoch's start 88) adds
//    it: ISR [2, 1, 3] at 60.0186 s, its 88–96 of epoch 1 against the committed ones of epoch 4.
// 5. The rolling restart shuts broker 2 down; broker 1 leads epoch 5 (ISR [1, 3]). Broker 3 fetches
//    at 97 with lastFetchedEpoch 1: broker 1's endOffsetFor(1) → (1, 88), a divergence; it truncates
//    to 88 (AbstractFetcherThread.truncateOnFetchResponse) at 60.1384 s, in the ISR below the HW 97,
//    until its next fetch brings 88–96 (60.1396 s). Had broker 1 failed in between (or broker 2
//    before step 5), the controller could elect broker 3 and lose committed records.

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const SEED = 450055205;
const FINDING = 'no-divergence-below-log-start';

describe('finding: no divergence below the log start, the follower truncated later while in the ISR', () => {
  it('seed 450055205: broker 3 joins the ISR with 88–96 of epoch 1, then truncates to 88 below the HW 97', () => {
    const { result, failing, kafkaFindings, timeline } = rerunFinding(SEED);
    type Event = (typeof timeline)[number];
    // Step 4: the ISR took broker 3 while it held 88–96 of epoch 1 (its log end 97, no truncation yet).
    const joinedAt = timeline.find((e: Event) => e.kind === 'partition' && e.isr.join() === '2,1,3')?.t;
    const truncatedAt = timeline.find((e: Event) => e.kind === 'truncate' && e.broker === 3)?.t;
    expect(joinedAt).toBeDefined();
    expect(truncatedAt).toBeDefined();
    expect(joinedAt!).toBeLessThan(truncatedAt!);
    const held = (e: Event): boolean =>
      e.kind === 'append' && e.broker === 3 && e.firstOffset === 88 && e.epoch === 1 && e.t < joinedAt!;
    expect(timeline.some(held)).toBe(true);
    // Step 5: the divergence answer of leader 1 in epoch 5 cut it to 88.
    const cut = (e: Event): boolean =>
      e.kind === 'truncate' && e.broker === 3 && e.toOffset === 88 && e.reason === 'diverging-epoch';
    expect(timeline.some(cut)).toBe(true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual([FINDING]);
    expect(kafkaFindings).toEqual([
      `${FINDING}: candidate-complete: Broker 3 is in the ISR of t/0 and could be elected, but its log ends at 88, ` +
        'below the committed high watermark 97: electing it would lose committed records.',
    ]);
    const labelled = result.verdict.anomalies.find((a) => a.kafkaFinding !== undefined)!;
    expect(labelled.kafkaFindingWitness).toMatch(
      /^Leader 2 served broker 3's fetch of t\/0 at 97 with last fetched epoch 1\b/,
    );
  });

  it('explains only the follower below the HW inside what it held at the hit, judged after it', () => {
    const k = fetchBelowCache({ leader: 2, follower: 3, partition: 0, fetchOffset: 97 }, 1, 4);
    const committed = Array.from({ length: 10 }, (_, i) => rec(88 + i, `c-${88 + i}`, i < 9 ? 4 : 5));
    const snap = snapshotOf(76_000_000, [
      replicaOf(1, committed, { partition: 0, role: 'leader', leaderEpoch: 5, hw: 98 }),
      replicaOf(3, committed, { partition: 0, role: 'follower', leaderEpoch: 5, hw: 98 }),
    ]);
    const heldAt = (from: number) =>
      Array.from({ length: 97 - from }, (_, i) => ({ offset: from + i, value: `k-${from + i}` }));
    const run: FindingRun = {
      ...findingRun(k, snap),
      fetchesBelowCache: [{ fetch: k, kept: heldAt(0), atUs: 60_018_000 }],
    };
    const below: Anomaly = {
      kind: 'candidate-complete',
      explanation: 'Broker 3 is in the ISR of t/0, its log ending at 88 below the HW 97',
      topic: 't',
      partition: 0,
      offsets: [88, 97],
      nodes: [3],
      timesUs: [60_138_355],
    };
    expect(labelKafkaFindings([below], run)[0].kafkaFinding).toBe(FINDING);
    const misses: Array<[string, FindingRun, Anomaly]> = [
      ['another broker', run, { ...below, nodes: [1] }],
      ['another partition', run, { ...below, partition: 1 }],
      ['judged before the hit', run, { ...below, timesUs: [60_000_000] }],
      [
        'a log end below what it held',
        { ...run, fetchesBelowCache: [{ fetch: k, kept: heldAt(90), atUs: 60_018_000 }] },
        below,
      ],
      ['a log end at the fetch offset', run, { ...below, offsets: [97, 98] }],
      ['no time of the hit', { ...run, fetchesBelowCache: [{ fetch: k, kept: heldAt(0) }] }, below],
      ['no read at the hit', { ...run, fetchesBelowCache: undefined }, below],
    ];
    for (const [why, r, a] of misses) {
      const [labelled] = labelKafkaFindings([a], r);
      expect(labelled.kafkaFinding, why).toBeUndefined();
      expect(isFailing(labelled), why).toBe(true);
    }
  });
});
