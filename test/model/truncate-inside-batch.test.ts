// A truncation whose target falls inside a batch (model/replica-log.ts cutRecordsTo, gapAt):
// Kafka's LocalLog.truncateTo cuts the segment file at translateOffset(target), the start of
// the batch whose last offset is ≥ target (FileRecords.searchForOffsetWithSize), then sets the
// log end to the target (updateLogEndOffset), so the batch's offsets below the target are a
// gap: counted, never read. A fetch from inside the gap returns the next batch
// (LogSegment.read → translateOffset), and a follower appends a set that starts past its log
// end (UnifiedLog.append refuses only a first offset below it). Before the fix the model cut
// the records array at the target and kept the batch's first records, which a later fetch
// from offset 0 handed on as one batch with the records after them (ZooKeeper swarm seed
// 137007625, test/model/regressions/zk-truncate-inside-batch.test.ts).
//
// In KRaft mode every leader has an epoch of its own, yet a target still falls inside a batch
// when it is the leader's log start (swarm seed 220003841, Kafka 4.1): retention raised it to a
// segment base of the leader's log, LeaderEpochFileCache.truncateFromStartAsyncFlush rewrote the
// first entry to start there, and endOffsetFor answers an epoch older than every entry with that
// start ("the requested epoch is smaller than any known epoch, so we return the start offset of
// the first known epoch which is larger than it"); a follower holding a divergent batch of the
// older epoch across that offset cuts inside it (AbstractFetcherThread.getOffsetTruncationState:
// min(its end of the epoch, the leader's)). 3.9.0-rc3 and trunk alike.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import { recordingCodeProbes } from './helpers.ts';
import { fetchOnce, hostPartition, lastFetch } from './partition-pair.ts';

function newLog(disk = new SimDisk()): ReplicaLog {
  return new ReplicaLog(disk, 't-0', null, { nowUs: () => 0, schedule: () => {} });
}

const PRODUCER = 7;
/** A batch of two records, a0 and a1. */
const TWO = [
  { key: null, value: 'a0' },
  { key: null, value: 'a1' },
];

describe('truncation inside a batch', () => {
  it('cuts the whole batch, keeps the log end at the target, and reads past the gap', () => {
    const disk = new SimDisk();
    const log = newLog(disk);
    log.appendAsLeader(TWO, 0, PRODUCER, 0, 0);
    log.appendAsLeader([{ key: null, value: 'b' }], 0, PRODUCER, 0, 2);
    expect(log.truncateTo(1)).toBe(true);
    expect(log.leo).toBe(1);
    expect(log.records[0].gap).toBe(true);
    expect(log.read(0, 10, log.leo)).toEqual([]);
    // The segment file holds no record of the cut batch (a zero-byte placeholder at offset 0).
    expect(disk.read('t-0/00000000000000000000.log').map((e) => (e as { gap?: true }).gap)).toEqual([true]);
    expect(log.sizeBytes()).toBe(0);
    // The producer state no longer knows the cut batch (rebuildProducerState from the log).
    const last: number[] = [];
    log.producers.forEachLastBatch((_id, _epoch, lastSeq) => last.push(lastSeq));
    expect(last).toEqual([]);
    // A follower's next fetched batch lands at the target; a fetch from 0 starts there.
    const leader = newLog();
    leader.appendAsLeader([{ key: null, value: 'x' }], 0, PRODUCER, 0, 0);
    leader.appendAsLeader([{ key: null, value: 'c' }], 0, PRODUCER, 0, 1);
    log.appendAsFollower(leader.read(1, 10, leader.leo));
    expect(log.leo).toBe(2);
    expect(log.read(0, 10, log.leo).map((r) => [r.offset, r.value])).toEqual([[1, 'c']]);
    // A coordinator loading the log sees its records, not the gap.
    expect(log.dataRecords().map((r) => r.value)).toEqual(['c']);
    expect(log.epochs.entries).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('a follower appends a fetched set that starts past its log end: the offsets skipped are a gap', () => {
    const source = newLog();
    source.appendAsLeader(TWO, 0, PRODUCER, 0, 0);
    source.truncateTo(1);
    source.appendAsLeader([{ key: null, value: 'c' }], 1, PRODUCER, 0, 5);
    const follower = newLog();
    const fetched = source.read(0, 10, source.leo);
    expect(fetched.map((r) => r.offset)).toEqual([1]);
    follower.appendAsFollower(fetched);
    expect(follower.leo).toBe(2);
    expect(follower.records[0].gap).toBe(true);
    // The epoch starts at the batch's base offset (maybeAssignEpochStartOffset), not at the gap.
    expect(follower.epochs.entries).toEqual([{ epoch: 1, startOffset: 1 }]);
  });

  it('recovery ends the log after its last batch: a gap at the tail is no offset of the log', () => {
    const disk = new SimDisk();
    const log = newLog(disk);
    log.appendAsLeader([{ key: null, value: 'v' }], 0, -1, -1, -1);
    log.appendAsLeader(TWO, 0, -1, -1, -1);
    log.truncateTo(2);
    expect(log.leo).toBe(2);
    log.flush();
    const recovered = newLog(disk);
    recovered.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 2 });
    expect(recovered.leo).toBe(1);
    expect(recovered.records.map((r) => r.value)).toEqual(['v']);
  });
});

/** A log written as leader in `epoch`: one batch of each of `sizes` records. */
function leaderLog(epoch: number, sizes: readonly number[]): ReplicaLog {
  const log = newLog();
  for (const size of sizes) {
    const first = log.leo;
    const batch = Array.from({ length: size }, (_, i) => ({ key: null, value: `e${epoch}-${first + i}` }));
    log.appendAsLeader(batch, epoch, -1, -1, -1);
  }
  return log;
}

describe('KRaft: a divergence answered with the leader log start inside a follower batch', () => {
  it('seed 220003841: follower 1 cuts its epoch-1 batch 20–29 at the leader log start 28', () => {
    // Leader 2 of epoch 2 wrote offsets 0–39 in epoch 2 (elected without broker 1's tail);
    // retention moved its log start to 28, a segment base of its own log: its cache is (2, 28).
    const leaderLogOf2 = leaderLog(
      2,
      Array.from({ length: 40 }, () => 1),
    );
    leaderLogOf2.setHw(40);
    expect(leaderLogOf2.maybeIncrementLogStartOffset(28, 'segment-deletion')).toBe(true);
    expect(leaderLogOf2.epochs.entries).toEqual([{ epoch: 2, startOffset: 28 }]);
    expect(leaderLogOf2.epochs.endOffsetFor(1, leaderLogOf2.leo)).toEqual({ epoch: 1, endOffset: 28 });
    const leader = hostPartition(2, leaderLogOf2);
    leader.p.makeLeader([1, 2, 3], [2, 3], 2, 2);
    // Broker 1, leader of epoch 1 until a power loss, holds epoch-1 batches 0–9, 10–19, 20–29, 30, 31.
    const followerLog = leaderLog(1, [10, 10, 10, 1, 1]);
    const follower = hostPartition(1, followerLog);
    let answer: ReturnType<typeof fetchOnce> | undefined;
    const hit = recordingCodeProbes(() => {
      follower.p.makeFollower([1, 2, 3], 2, 2, 3);
      expect(lastFetch(follower)).toMatchObject({ fetchOffset: 32, lastFetchedEpoch: 1 });
      answer = fetchOnce(follower, 1, leader);
    });
    // Partition.fetchRecords: endOffsetFor(1) = (1, 28) < fetch offset 32: DivergingEpoch(1, 28).
    expect(answer?.divergingEpoch).toEqual({ epoch: 1, endOffset: 28 });
    expect(hit).toContain('truncate-inside-batch');
    expect(hit).toContain('follower-kept-records-below-leader-log-start');
    // The whole batch 20–29 is cut; the log ends at 28, offsets 20–27 a gap; 0–19 kept.
    expect(followerLog.leo).toBe(28);
    expect(followerLog.records.slice(20, 28).every((r) => r.gap === true)).toBe(true);
    expect(followerLog.records.slice(0, 20).map((r) => r.value)).toEqual(
      Array.from({ length: 20 }, (_, i) => `e1-${i}`),
    );
    // Its next fetch from 28 does not diverge (the epoch-1 end offset is 28) and takes the
    // leader's records and log start; the gap and the kept records end up below it.
    const next = fetchOnce(follower, 1, leader);
    expect(next.divergingEpoch).toBeUndefined();
    expect(followerLog.leo).toBe(40);
    expect(followerLog.logStartOffset).toBe(28);
    expect(followerLog.read(28, 100, followerLog.leo).map((r) => r.value)).toEqual(
      Array.from({ length: 12 }, (_, i) => `e2-${28 + i}`),
    );
  });
});

// Swarm seed 300014255 (ZooKeeper mode, 3.9; test/model/regressions/zk-gap-at-leader-log-end.test.ts):
// the replica cut inside a batch later leads with the gap at its log end. A follower fetching
// inside the gap reads nothing (LocalLog.read: no segment holds a batch at or past the offset,
// "we will return the empty set with log end offset metadata", FetchDataInfo(nextOffsetMetadata,
// EMPTY)), and Partition.fetchRecords records that metadata as the follower's log end
// (updateFollowerFetchState(followerFetchOffsetMetadata = logReadInfo.fetchedData
// .fetchOffsetMetadata)): the leader takes it to be at its log end, in sync (isFollowerInSync),
// and proposes it for the ISR. Before the fix the model recorded the fetch offset, inside the
// gap, so the follower never rejoined and the ISR stayed below min.insync.replicas for good.
/** The leader's view of a follower's log end (Replica.stateSnapshot.logEndOffset). */
function remoteLeo(leader: ReturnType<typeof hostPartition>, broker: number): number | undefined {
  return leader.p.remotes.find((r) => r.brokerId === broker)?.leo;
}

describe('a follower fetching inside a gap at the leader log end', () => {
  it('is taken to be at the leader log end and proposed for the ISR; a batch past the gap brings it back', () => {
    // Leader 3: epoch-0 batches 0–1 and 2–6, cut at 4 (inside 2–6): log end 4, offsets 2–3 a gap.
    const leaderLog3 = leaderLog(0, [2, 5]);
    expect(leaderLog3.truncateTo(4)).toBe(true);
    expect(leaderLog3.records.slice(2, 4).every((r) => r.gap === true)).toBe(true);
    leaderLog3.setHw(4);
    const leader = hostPartition(3, leaderLog3);
    leader.p.makeLeader([2, 3, 4], [3], 1, 2);
    // Follower 4 holds batch 0–1 only and fetches from 2.
    const followerLog4 = leaderLog(0, [2]);
    const follower = hostPartition(4, followerLog4);
    const hit = recordingCodeProbes(() => {
      follower.p.makeFollower([2, 3, 4], 3, 1, 2);
      expect(lastFetch(follower)).toMatchObject({ fetchOffset: 2 });
      leader.p.handleFetch(4, lastFetch(follower));
    });
    expect(hit).toContain('fetch-past-log-end-gap');
    expect(remoteLeo(leader, 4)).toBe(4);
    expect(leader.p.pending).toMatchObject({ kind: 'expand', proposedIsr: [3, 4] });
    // Once a batch lands past the gap, the read finds it (LogSegment.read from the fetch offset):
    // the leader records the fetch offset again, and the follower appends past its own gap.
    leaderLog3.appendAsLeader([{ key: null, value: 'e1-4' }], 1, -1, -1, -1);
    const answer = fetchOnce(follower, 4, leader);
    expect(answer.records.map((r) => r.offset)).toEqual([4]);
    expect(remoteLeo(leader, 4)).toBe(2);
    expect(followerLog4.leo).toBe(5);
    expect(followerLog4.records.slice(2, 4).every((r) => r.gap === true)).toBe(true);
    fetchOnce(follower, 4, leader);
    expect(remoteLeo(leader, 4)).toBe(5);
  });
});
