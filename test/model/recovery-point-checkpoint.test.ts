// The recovery-point checkpoint after a follower truncation, then a power loss (issue 12).
// Kafka (3.9.0-rc3; the same in 3.0.0 and trunk): ReplicaFetcherThread.truncate →
// Partition.truncateTo → LogManager.truncateTo runs UnifiedLog.truncateTo, which lowers the
// recovery point to the target (LocalLog.updateLogEndOffset → updateRecoveryPoint), and, the
// log having been cut, writes the directory's recovery-point-offset-checkpoint at once
// (checkpointRecoveryOffsetsInDir: CheckpointFile.write, a temporary file fsynced and renamed,
// the directory flushed). That fsync also commits the journal holding the segment's
// truncation (harness/disk.ts: metadata is durable at any fsync).
// Schedule (RF 3, log.flush.interval.messages 4, the checkpoint every 5 s): eight records
// commit on all three (flushed: recovery point 8). The leader L is cut off from its followers
// and takes four acks=1 records, flushed (recovery point 12), which the periodic task
// checkpoints. L is killed; a follower is elected (epoch 2). L restarts, fetches with last
// epoch 1, is told DivergingEpoch(1, 8) and truncates to 8; in that same event it loses power.
// Kafka's disk then holds the checkpoint at 8 and a log of 8 records; without the write at
// truncation the checkpoint still says 12 and the uncommitted truncation comes back undone.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import { errorOf, TestCluster } from './helpers.ts';
import { hostPartition, type HostedPartition } from './partition-pair.ts';

const RECOVERY_POINT_FILE = 'recovery-point-offset-checkpoint';

function checkpointed(c: TestCluster, id: number): number | undefined {
  const entries = c.sim.disk(id).read(RECOVERY_POINT_FILE) as Array<{
    topic: string;
    partition: number;
    offset: number;
  }>;
  return entries.find((e) => e.topic === 't' && e.partition === 0)?.offset;
}

/** Runs the schedule up to L's divergence truncation; returns the cluster and L. */
function truncatedOldLeader(): { c: TestCluster; oldLeader: number } {
  const c = new TestCluster({
    config: {
      'log.flush.interval.messages': 4,
      'log.initial.task.delay.ms': 100,
      'log.flush.offset.checkpoint.interval.ms': 5_000,
    },
  });
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  const l = c.state().leader;
  for (let i = 0; i < 8; i++) expect(errorOf(c.produceAndWait(l, [`c${i}`]))).toBe('NONE');
  c.runFor(1_000_000);
  const followers = c.brokerIds.filter((id) => id !== l);
  for (const f of followers) expect(c.replica(f).log.leo).toBe(8);
  const cuts = followers.map((f) => c.sim.network.cut({ kind: 'link', a: l, b: f }));
  for (let i = 0; i < 4; i++) expect(errorOf(c.produceAndWait(l, [`u${i}`], { acks: 1 }))).toBe('NONE');
  expect(c.replica(l).log.recoveryPoint).toBe(12);
  c.runFor(6_000_000);
  expect(checkpointed(c, l)).toBe(12);
  c.sim.crash(l);
  expect(c.runUntil(() => c.leaderReady(l), 30_000_000)).toBe(true);
  for (const cut of cuts) c.sim.network.heal(cut);
  c.sim.start(l);
  const divergenceCut = () =>
    c.probesOf('truncate').some((p) => {
      const e = p.e as unknown as { broker: number; toOffset: number; reason: string };
      return e.broker === l && e.reason === 'diverging-epoch';
    });
  expect(c.runUntil(divergenceCut, 30_000_000)).toBe(true);
  expect(c.replica(l).log.leo).toBe(8);
  expect(c.replica(l).log.recoveryPoint).toBe(8);
  return { c, oldLeader: l };
}

describe('LogManager.truncateTo: the recovery-point checkpoint is written at the truncation', () => {
  it('a power loss right after the truncation recovers from the lowered recovery point', () => {
    const { c, oldLeader } = truncatedOldLeader();
    // No event between the truncation and the loss: only the truncation's own write can explain 8.
    c.sim.powerLoss(oldLeader);
    expect(checkpointed(c, oldLeader)).toBe(8);
    c.sim.start(oldLeader);
    const log = c.replica(oldLeader).log;
    expect(log.leo).toBe(8);
    expect(log.recoveryPoint).toBe(8);
    expect(c.logOf(oldLeader).map(([, , v]) => v)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((i) => `c${i}`));
  });
});

/** Follower 1 of leader 2 (epoch 2) over epoch-1 records 0–4, flushed, waiting for a ListOffsets answer. */
function outOfRangeFollower(): HostedPartition {
  const log = new ReplicaLog(new SimDisk(), 't-0', null, {});
  for (let o = 0; o < 5; o++) log.appendAsLeader([{ key: null, value: `e1-${o}` }], 1, -1, -1, -1);
  log.flush();
  const follower = hostPartition(1, log);
  follower.p.makeFollower([1, 2], 2, 2, 2);
  follower.p.fetch!.listOffsetsCorrelationId = 77;
  return follower;
}

// AbstractFetcherThread.fetchOffsetAndTruncate after OFFSET_OUT_OF_RANGE (3.9.0-rc3).
describe('the out-of-range truncations checkpoint the recovery point', () => {
  it('a cut to the leader end (ReplicaFetcherThread.truncate → LogManager.truncateTo) writes the lowered one', () => {
    const f = outOfRangeFollower();
    expect(f.p.log.recoveryPoint).toBe(5);
    f.p.onListOffsetsResponse(77, 'NONE', 3, 0);
    expect(f.p.log.leo).toBe(3);
    expect(f.recoveryCheckpoints).toEqual([3]);
  });

  it('a restart at the leader start (LogManager.truncateFullyAndStartAt) always writes it', () => {
    const f = outOfRangeFollower();
    f.p.onListOffsetsResponse(77, 'NONE', 20, 10);
    expect(f.p.log.leo).toBe(10);
    expect(f.p.log.logStartOffset).toBe(10);
    // LocalLog.updateLogEndOffset lowers the recovery point only: it stays at 5, below the new start.
    expect(f.recoveryCheckpoints).toEqual([5]);
  });

  it('an answer that leaves the log whole writes nothing', () => {
    const f = outOfRangeFollower();
    f.p.onListOffsetsResponse(77, 'NONE', 20, 0);
    expect(f.p.log.leo).toBe(5);
    expect(f.recoveryCheckpoints).toEqual([]);
  });
});
