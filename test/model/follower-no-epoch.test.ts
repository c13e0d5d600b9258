// A follower that comes back from a power loss with records and an empty leader-epoch cache,
// and then cuts its log to its high watermark, on any version: this needs no unsynced epoch
// checkpoint (KAFKA-16541's 3.7); here 3.8 on's fsynced writes, so 4.1's. Swarm seed 220049993
// (Kafka 4.1) did this on t/0; the chain, each step read in 3.9.0-rc3 and trunk:
// 1. The follower holds epoch-1 records 0–7 on disk (flushed) and fetches
//    epoch-2 records from 8 into a new segment, unflushed. The leader's log start is 8:
//    ReplicaFetcherThread.processPartitionData → UnifiedLog.maybeIncrementLogStartOffset(8,
//    LeaderOffsetIncremented) → LeaderEpochFileCache.truncateFromStartAsyncFlush(8): entries
//    starting at or below 8 go and the last of them comes back at 8, so the cache is (2, 8),
//    and its checkpoint is written, fsynced, by the scheduler.
// 2. The log-start checkpoint is written only by a periodic task (LogManager,
//    "kafka-log-start-offset-checkpoint"), so it still holds the old start (none: 0).
// 3. Power loss: records 8.. were never flushed. LogLoader.load re-reads the log from the
//    segment holding the recovery point (8, as its periodic checkpoint wrote it; the log start
//    increment raised it there, UnifiedLog.updateLogStartOffset), finds the log ending at 8, and
//    truncateFromEndAsyncFlush(8) drops (2, 8); truncateFromStartAsyncFlush(log-start
//    checkpoint 0) has nothing to do. The log start is 0 again: records 0–7 and no epoch.
// 4. As a follower: ReplicaManager.initialFetchOffset is the HW when log.latestEpoch is empty,
//    AbstractFetcherThread.partitionFetchState puts a partition without a last fetched epoch in
//    Truncating, and maybeTruncate → truncateToHighWatermark cuts the log there.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog, type LogOptions } from '../../model/replica-log.ts';
import { UNDEFINED_EPOCH } from '../../model/epoch-cache.ts';
import { recordingCodeProbes } from './helpers.ts';
import { fetchOnce, hostPartition, lastFetch, type HostedPartition } from './partition-pair.ts';

const ROLL_MS = 1000;

/** Leader 2 of epoch 2: epoch-1 records 0–7, epoch-2 records 8–11, log start 8 (its cache: (2, 8)). */
function leaderOfEpoch2(): HostedPartition {
  const log = new ReplicaLog(new SimDisk(), 't-0', null, {});
  for (let o = 0; o < 12; o++) {
    const epoch = o < 8 ? 1 : 2;
    log.appendAsLeader([{ key: null, value: `e${epoch}-${o}` }], epoch, -1, -1, -1);
  }
  log.setHw(12);
  expect(log.maybeIncrementLogStartOffset(8, 'segment-deletion')).toBe(true);
  const leader = hostPartition(2, log);
  leader.p.makeLeader([1, 2], [2], 2, 2);
  return leader;
}

/**
 * Steps 1–3 on broker 1's disk: its log after the power loss and recovery. With
 * `epochFlushBeforeLoss` false the scheduler had not yet run the epoch checkpoint's flush.
 */
function recoveredFollowerLog(epochFlushBeforeLoss: boolean): ReplicaLog {
  let nowUs = 0;
  const later = () => {
    nowUs += (ROLL_MS + 1) * 1000;
  };
  const pending: Array<() => void> = [];
  const runPending = () => {
    for (const task of pending.splice(0)) task();
  };
  const opts: LogOptions = {
    rollMs: ROLL_MS,
    nowUs: () => nowUs,
    schedule: (task) => pending.push(task),
    truncationFlush: 'async',
  };
  const disk = new SimDisk();
  const log = new ReplicaLog(disk, 't-0', null, opts);
  // Broker 1 led epoch 1: records 0–3 and 4–7, in segments 0 and 4, flushed.
  for (let o = 0; o < 8; o++) {
    if (o === 4) later();
    log.appendAsLeader([{ key: null, value: `e1-${o}` }], 1, -1, -1, -1);
  }
  log.flush();
  runPending();
  later();
  const follower = hostPartition(1, log);
  follower.p.makeFollower([1, 2], 2, 2, 2);
  expect(lastFetch(follower)).toMatchObject({ fetchOffset: 8, lastFetchedEpoch: 1 });
  const answer = fetchOnce(follower, 1, leaderOfEpoch2());
  expect(answer.records.map((r) => r.offset)).toEqual([8, 9, 10, 11]);
  expect(log.logStartOffset).toBe(8);
  expect(log.epochs.entries).toEqual([{ epoch: 2, startOffset: 8 }]);
  expect(log.segmentBaseOffsets()).toEqual([0, 4, 8]);
  // The roll at 8 scheduled the flush of 0–7; the log start's epoch truncation its checkpoint.
  if (epochFlushBeforeLoss) runPending();
  else pending.shift()?.();
  disk.losePower(false);
  const recovered = new ReplicaLog(disk, 't-0', null, opts);
  // The recovery point (8) and the HW (6) as their periodic checkpoints last wrote them.
  recovered.recover({ cleanShutdown: false, recoveryPoint: 8, hwCheckpoint: 6 });
  expect(recovered.leo).toBe(8);
  expect(recovered.logStartOffset).toBe(0);
  expect(recovered.hw).toBe(6);
  return recovered;
}

describe('a follower whose epoch cache a power loss emptied (3.8 on)', () => {
  it('seed 220049993: the log start it took from the leader empties its cache; it cuts to its HW', () => {
    const recovered = recoveredFollowerLog(true);
    expect(recovered.epochs.entries).toEqual([]);
    const back = hostPartition(1, recovered);
    const hit = recordingCodeProbes(() => back.p.makeFollower([1, 2], 2, 2, 3));
    expect(hit).toContain('follower-no-epoch-truncated-to-hw');
    expect(recovered.leo).toBe(6);
    // LogManager.truncateTo: the cut lowered the recovery point to 6 and checkpointed it at once.
    expect(back.recoveryCheckpoints).toEqual([6]);
    expect(lastFetch(back)).toMatchObject({ fetchOffset: 6, lastFetchedEpoch: UNDEFINED_EPOCH });
  });

  it('had the loss come before that checkpoint was written, epoch 1 survives: no cut', () => {
    // The checkpoint is the one assign(2, 8) wrote at once, (1, 0), (2, 8); recovery drops (2, 8).
    const recovered = recoveredFollowerLog(false);
    expect(recovered.epochs.entries).toEqual([{ epoch: 1, startOffset: 0 }]);
    const back = hostPartition(1, recovered);
    const hit = recordingCodeProbes(() => back.p.makeFollower([1, 2], 2, 2, 3));
    expect(hit).not.toContain('follower-no-epoch-truncated-to-hw');
    expect(recovered.leo).toBe(8);
    expect(back.recoveryCheckpoints).toEqual([]);
    expect(lastFetch(back)).toMatchObject({ fetchOffset: 8, lastFetchedEpoch: 1 });
  });
});
