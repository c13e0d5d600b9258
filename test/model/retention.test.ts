// Retention and the log start offset (model/replica-log.ts, issue 12 item 3): segments deleted
// by retention.bytes and retention.ms, only whole segments below the HW, a roll first when all
// would go (UnifiedLog.deletableSegments, deleteSegments); the log start offset, the epoch
// cache trimmed from the start; reads below the log start refused; a follower's log start
// from its leader; truncateFullyAndStartAt; recovery from log-start-offset-checkpoint
// (LogLoader.load: max(checkpoint, first segment), a log ending below it deleted whole).

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog, segmentFiles, type LogStartMove } from '../../model/replica-log.ts';

const one = (log: ReplicaLog, value: string, epoch = 1) =>
  log.appendAsLeader([{ key: null, value }], epoch, -1, -1, -1);

function setup(opts: { segmentBytes?: number; retentionMs?: number; retentionBytes?: number; disk?: SimDisk } = {}) {
  const disk = opts.disk ?? new SimDisk();
  let nowUs = 0;
  const log = new ReplicaLog(disk, 't-0', null, {
    segmentBytes: opts.segmentBytes,
    retentionMs: opts.retentionMs,
    retentionBytes: opts.retentionBytes,
    nowUs: () => nowUs,
  });
  const moves: LogStartMove[] = [];
  log.onLogStartMove = (m) => moves.push(m);
  return { disk, log, moves, at: (ms: number) => (nowUs = ms * 1000) };
}

describe('retention', () => {
  it('retention.bytes deletes the oldest whole segments below the HW, never past it', () => {
    const { disk, log, moves } = setup({ segmentBytes: 200, retentionBytes: 100 });
    for (let i = 0; i < 6; i++) one(log, `v${i}`); // segments [0,2) [2,4) [4,6), 140 bytes each
    log.setHw(3);
    expect(log.deleteOldSegments()).toBe(1); // [2,4) ends above the HW: it stays
    expect(log.logStartOffset).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([2, 4]);
    expect(disk.exists('t-0/00000000000000000000.log')).toBe(false);
    expect(moves).toEqual([{ from: 0, to: 2, reason: 'segment-deletion', hw: 3, leo: 6 }]);
    expect(log.records[0]).toBeUndefined(); // deleted: a hole
    log.setHw(6);
    expect(log.deleteOldSegments()).toBe(1); // 280 bytes: one more goes, and the log stays ≥ 100
    expect(log.logStartOffset).toBe(4);
  });

  it('retention.ms deletes segments whose newest record is older; deleting all rolls a new active one first', () => {
    const { log, at } = setup({ segmentBytes: 200, retentionMs: 10_000 });
    for (let i = 0; i < 4; i++) one(log, `v${i}`);
    log.setHw(4);
    at(10_000);
    expect(log.deleteOldSegments()).toBe(0); // not older than 10 s yet
    at(10_001);
    expect(log.deleteOldSegments()).toBe(2);
    expect(log.segmentBaseOffsets()).toEqual([4]); // rolled at the LEO, empty
    expect(log.logStartOffset).toBe(4);
    expect(log.leo).toBe(4);
    expect(log.deleteOldSegments()).toBe(0); // a last segment that is empty never goes
  });

  it('the epoch cache is trimmed from the start; reads below the log start are refused', () => {
    const { log } = setup({ segmentBytes: 200, retentionBytes: 0 });
    one(log, 'a', 1);
    one(log, 'b', 1);
    one(log, 'c', 2);
    one(log, 'd', 3);
    log.setHw(4);
    log.deleteOldSegments();
    expect(log.logStartOffset).toBe(4);
    expect(log.epochs.entries).toEqual([{ epoch: 3, startOffset: 4 }]);
    expect(() => log.read(2, 10, 4)).toThrow(/log start/);
  });

  it("a follower's log start follows its leader's, never past its HW", () => {
    const { log, moves } = setup();
    for (let i = 0; i < 5; i++) one(log, `v${i}`);
    log.setHw(2);
    expect(log.maybeIncrementLogStartOffset(3, 'leader-log-start')).toBe(false); // above the HW
    log.setHw(5);
    expect(log.maybeIncrementLogStartOffset(3, 'leader-log-start')).toBe(true);
    expect(log.logStartOffset).toBe(3);
    expect(log.recoveryPoint).toBe(3); // updateLogStartOffset moves the recovery point up
    expect(log.records[2]?.value).toBe('v2'); // still on disk (its segment stays), not served
    expect(moves.map((m) => m.reason)).toEqual(['leader-log-start']);
    // A lower HW later (a new leader's) is raised to the log start (UnifiedLog.updateHighWatermark).
    log.setHw(1);
    expect(log.hw).toBe(3);
  });

  it('truncateFullyAndStartAt: every segment goes, the log starts empty at the new offset', () => {
    const { disk, log } = setup({ segmentBytes: 200 });
    for (let i = 0; i < 3; i++) one(log, `v${i}`);
    log.truncateFullyAndStartAt(10);
    expect([log.logStartOffset, log.hw, log.leo]).toEqual([10, 10, 10]);
    expect(segmentFiles(disk, 't-0').map((f) => f.baseOffset)).toEqual([10]);
    expect(log.epochs.entries).toEqual([]);
    log.appendAsFollower([
      {
        offset: 10,
        epoch: 4,
        producerId: -1,
        sequence: -1,
        key: null,
        value: 'x',
        producerEpoch: -1,
        lastInBatch: true,
      } as never,
    ]);
    expect(log.leo).toBe(11);
    expect(log.epochs.entries).toEqual([{ epoch: 4, startOffset: 10 }]);
  });

  it('recovery: log start = max(log-start-offset-checkpoint, first segment); a log ending below it starts over', () => {
    const disk = new SimDisk();
    const first = setup({ segmentBytes: 200, retentionBytes: 0, disk });
    for (let i = 0; i < 6; i++) one(first.log, `v${i}`);
    first.log.setHw(4);
    first.log.deleteOldSegments();
    expect(first.log.logStartOffset).toBe(4);
    const again = setup({ disk });
    again.log.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 5, logStartCheckpoint: 3 });
    expect([again.log.logStartOffset, again.log.hw, again.log.leo]).toEqual([4, 5, 6]);
    expect(again.moves).toEqual([{ from: 0, to: 4, reason: 'recovery', hw: 5, leo: 6 }]);
    const third = setup({ disk });
    third.log.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 0, logStartCheckpoint: 9 });
    expect([third.log.logStartOffset, third.log.hw, third.log.leo]).toEqual([9, 9, 9]);
    expect(segmentFiles(disk, 't-0').map((f) => f.baseOffset)).toEqual([9]);
  });
});

describe('producer-state snapshots and expiration', () => {
  const idem = (log: ReplicaLog, value: string, seq: number) =>
    log.appendAsLeader([{ key: null, value }], 1, 7, 0, seq);
  const snapshots = (disk: SimDisk) => disk.list('t-0/').filter((p) => p.endsWith('.snapshot'));

  it('a snapshot at each roll; recovery keeps a producer whose batches retention deleted', () => {
    const disk = new SimDisk();
    const first = setup({ segmentBytes: 200, retentionBytes: 0, disk });
    idem(first.log, 'a', 0);
    idem(first.log, 'b', 1);
    one(first.log, 'c'); // rolls at 2: a snapshot holding producer 7 (last sequence 1)
    one(first.log, 'd');
    one(first.log, 'e'); // rolls at 4
    expect(snapshots(disk)).toEqual(['t-0/00000000000000000002.snapshot', 't-0/00000000000000000004.snapshot']);
    first.log.setHw(4);
    first.log.deleteOldSegments(); // [0,2) and [2,4) go, with the snapshot at 2
    expect(first.log.logStartOffset).toBe(4);
    expect(snapshots(disk)).toEqual(['t-0/00000000000000000004.snapshot']);
    const again = setup({ disk });
    again.log.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 5 });
    // From the snapshot at 4: producer 7's next sequence is 2, a retry of 1 is a duplicate.
    expect(again.log.producers.check(7, 0, 1, 1).kind).toBe('duplicate');
    expect(again.log.producers.check(7, 0, 3, 3)).toEqual({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    // Without the snapshot the log alone (from 4) knows nothing of producer 7: any sequence goes.
    disk.delete('t-0/00000000000000000004.snapshot');
    const bare = setup({ disk });
    bare.log.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 5 });
    expect(bare.log.producers.check(7, 0, 3, 3).kind).toBe('append');
  });

  it('a truncation deletes the snapshots above it; a producer id expires after producer.id.expiration.ms', () => {
    const { disk, log, at } = setup({ segmentBytes: 200 });
    for (let i = 0; i < 5; i++) idem(log, `v${i}`, i);
    expect(snapshots(disk)).toHaveLength(2);
    log.truncateTo(3);
    expect(snapshots(disk)).toEqual(['t-0/00000000000000000002.snapshot']);
    at(60_000);
    expect(log.producers.removeExpired(60_000_000, 60_000_000)).toBe(1);
    expect(log.producers.check(7, 0, 9, 9).kind).toBe('append'); // no state: any sequence is taken
  });
});
