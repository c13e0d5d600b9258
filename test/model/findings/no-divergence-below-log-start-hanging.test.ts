// A finding, not a regression: the no-divergence-below-log-start chain (sibling tests
// no-divergence-below-log-start.test.ts, …-deleted.test.ts) when the record the follower kept
// stands where the leader wrote a transaction marker. Reported by the swarm on the correct
// model as a liveness violation, seed 170000406 of base 170000000 (KRaft, combined mode, kafka
// 4.1, transactions, read_committed, log.retention.ms 10 s, three link cuts), shrunk:
// "Within 120.000 s after the last heal at 59.105 s, t/2 did not recover: no probe poll succeeded."
// The fixture (fixtures/seed-170000406-shifted.json) is a hand-shifted schedule derived from that
// shrink: its first link cut lasts 28279 ms, not 28099 ms (the last heal at 59.309 s), and its third
// (brokers 3 and 2) is triggered 10306 ms after its event, not 10006 ms. Since a fetch above its
// bound is answered at once (DelayedFetch.tryComplete Case F, 3.8 on; model/partition.ts
// fetchAboveBoundCompletes), the seed's own shrink also leaves the final read of t/2 unfinished (a
// second liveness anomaly, labelled the same); under the KRaft metadata timing (25 ms append linger,
// branch kraftlag) the earlier shift (27999 ms alone) has broker 3 truncate on a divergence first.
// The shifted run keeps one liveness anomaly and the chain below, two offsets later than the seed's
// (its transaction from 27, the marker at 42).
//
// The chain, each step read in Kafka's source at 3.9.0-rc3 (and trunk where named):
// 1. Broker 3 leads t/2 in epoch 1; tx-0's transaction opens at offset 29 (x600-18). Cut from
//    the controllers, broker 3 is replaced by broker 4 (epoch 2, start 44), which writes the
//    coordinator's COMMIT marker at 44 (KafkaApis.handleWriteTxnMarkersRequest, acks -1 on ISR
//    [4, 5]); the coordinator completes the transaction and never writes it again
//    (TransactionMarkerRequestCompletionHandler.onComplete). Broker 3, still leading epoch 1,
//    appends p200-74 at 44 (never acknowledged; the producer retries to broker 4 → 45).
// 2. Retention on brokers 4 and 5 deletes up to 45 (UnifiedLog.deletableSegments: below the HW);
//    LeaderEpochFileCache.truncateFromStart leaves broker 4's cache (2, 45).
// 3. Broker 3, now a follower, fetches at 45 with lastFetchedEpoch 1: endOffsetFor(1) on (2, 45)
//    answers (1, 45) ("This may be inaccurate"), no divergence (Partition.readRecords). Broker 3
//    keeps p200-74 at 44 where the leader had COMMIT, and raises its log start to 45
//    (ReplicaFetcherThread.processPartitionData, maybeIncrementLogStartOffset). Its producer
//    state keeps the transaction from 29 open: ProducerStateManager.onLogStartOffsetIncremented
//    drops only unreplicated transactions, and isProducerExpired never expires a producer with
//    an ongoing one.
// 4. Broker 3, the preferred replica, leads again (epoch 3, leader rebalance) and stays leader.
//    Its LSO is max(29, log start) (UnifiedLog.maybeIncrementFirstUnstableOffset), never above
//    its log start: a read_committed fetch returns a record only once retention deleted it. No
//    coordinator knows the transaction (TransactionCoordinator.abortTimedOutTransactions takes
//    its own Ongoing ones only), so it hangs for good; every probe value is deleted unread.
// gregor labels the liveness anomaly with the finding: its witness holds when, at the fetch, the
// follower held open from below the leader's log start a transaction of a producer the leader
// had none open of and no record of at or above the fetch offset, and the partition's hanging
// transaction when liveness is judged begins at that same offset.

import { describe, expect, it } from 'vitest';
import { isFailing } from '../../../driver/run.ts';
import { followerAtFetchBelowCache, labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { RecordView } from '../../../checkers/cluster-state.ts';
import { fetchBelowCache, findingRun, rec, replicaOf, rerunFinding, snapshotOf } from './helpers.ts';

const SEED = 170000406;

describe('finding: a follower kept a record where the leader wrote a transaction marker', () => {
  it('seed 170000406: broker 3 leads t/2 with tx-0 open from 29, and the probe never reads', () => {
    const { result, failing, kafkaFindings, timeline } = rerunFinding(SEED, 'shifted');
    const appendAt = (broker: number, offset: number) =>
      timeline.find(
        (e) =>
          e.kind === 'append' &&
          e.broker === broker &&
          e.topic === 't' &&
          e.partition === 2 &&
          e.firstOffset === offset,
      );
    // Step 1: offset 44 of t/2 is COMMIT (epoch 2) on broker 4, p200-74 (epoch 1) on broker 3.
    expect(appendAt(4, 44)).toMatchObject({ epoch: 2, values: ['COMMIT'] });
    expect(appendAt(3, 44)).toMatchObject({ epoch: 1, values: ['p200-74'] });
    expect(appendAt(3, 29)).toMatchObject({ values: ['x600-18'] });
    // Step 3: broker 3 never truncated t/2; its log start came from the leader's.
    expect(timeline.some((e) => e.kind === 'truncate' && e.broker === 3 && e.partition === 2)).toBe(false);
    expect(
      timeline.some(
        (e) => e.kind === 'log-start' && e.broker === 3 && e.partition === 2 && e.reason === 'leader-log-start',
      ),
    ).toBe(true);
    // Labelled a Kafka finding: the probe's liveness on t/2, and nothing left failing.
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['no-divergence-below-log-start']);
    expect(kafkaFindings).toHaveLength(1);
    const liveness = result.verdict.anomalies.find((a) => a.kind === 'liveness');
    expect(liveness).toMatchObject({ topic: 't', partition: 2, kafkaFinding: 'no-divergence-below-log-start' });
    expect(liveness!.expected).not.toBe(true);
    expect(liveness!.kafkaFindingWitness).toMatch(
      /^Leader 4 served broker 3's fetch of t\/2 at 45 with last fetched epoch 1, .*transaction from 29 open/,
    );
  });

  it('the witness: another first offset, partition or kind, or no open transaction, leaves it failing', () => {
    const k = fetchBelowCache({ leader: 4, follower: 3, partition: 2, fetchOffset: 43 }, 1, 2);
    const replica = (broker: number, records: RecordView[]) =>
      replicaOf(broker, records, { partition: 2, role: broker === 4 ? 'leader' : 'follower', leaderEpoch: 2, hw: 44 });
    const snap = (leaderRecords: RecordView[]) =>
      snapshotOf(43_393_730, [
        replica(4, leaderRecords),
        replica(3, [rec(39, 'p200-65', 1, 200), rec(42, 'p200-74', 1, 200)]),
      ]);
    const leaderLog = [rec(43, 'p200-74', 2, 200)];
    const open = { follower: [{ producerId: 600, firstOffset: 27 }], leader: [] };
    const atHit = followerAtFetchBelowCache(k, snap(leaderLog), open);
    expect(atHit.openBelow).toEqual([{ producerId: 600, firstOffset: 27 }]);
    // Not below the fetch: the leader has the transaction open, or a record of its producer
    // at or above the fetch offset (a marker the follower will still fetch).
    expect(followerAtFetchBelowCache(k, snap(leaderLog), { ...open, leader: open.follower }).openBelow).toEqual([]);
    const laterMarker = [...leaderLog, rec(44, 'COMMIT', 2, 600)];
    expect(followerAtFetchBelowCache(k, snap(laterMarker), open).openBelow).toEqual([]);
    const run: FindingRun = {
      ...findingRun(k, snap(leaderLog)),
      fetchesBelowCache: [atHit],
      hangingTransactions: [['t/2', 27]],
    };
    const liveness: Anomaly = { kind: 'liveness', explanation: 'no probe poll succeeded', topic: 't', partition: 2 };
    expect(labelKafkaFindings([liveness], run)[0].kafkaFinding).toBe('no-divergence-below-log-start');
    const unexplained: Array<[FindingRun, Anomaly]> = [
      [{ ...run, hangingTransactions: [['t/2', 30]] }, liveness],
      [{ ...run, hangingTransactions: [['t/1', 27]] }, liveness],
      [{ ...run, hangingTransactions: [] }, liveness],
      [{ ...run, fetchesBelowCache: [{ ...atHit, openBelow: [] }] }, liveness],
      [run, { ...liveness, partition: 1 }],
      [run, { ...liveness, kind: 'lost-write', offsets: [44], values: ['probe-400-2'] }],
    ];
    for (const [r, a] of unexplained) {
      const [labelled] = labelKafkaFindings([a], r);
      expect(labelled.kafkaFinding, JSON.stringify(r.hangingTransactions)).toBeUndefined();
      expect(isFailing(labelled)).toBe(true);
    }
  });
});
