// Segments (model/replica-log.ts): rolls by log.segment.bytes and log.roll.ms, the flush a roll
// schedules and the recovery point it moves, truncation across segments, and recovery that
// validates only from the segment holding the recovery point, truncating at the first invalid
// batch and deleting every later segment (LogLoader.recoverLog, LogSegment.recover).

import { describe, expect, it } from 'vitest';
import { SimDisk, isTorn } from '../../harness/index.ts';
import type { Rng } from '../../harness/index.ts';
import { ReplicaLog, segmentFiles } from '../../model/replica-log.ts';

const one = (log: ReplicaLog, value: string, epoch = 1) =>
  log.appendAsLeader([{ key: null, value }], epoch, -1, -1, -1);

/** A log whose scheduler tasks the test runs by hand, on a clock the test moves. */
function setup(opts: { segmentBytes?: number; rollMs?: number; disk?: SimDisk } = {}) {
  const disk = opts.disk ?? new SimDisk();
  const tasks: Array<() => void> = [];
  let nowUs = 0;
  const log = new ReplicaLog(disk, 't-0', null, {
    segmentBytes: opts.segmentBytes,
    rollMs: opts.rollMs,
    nowUs: () => nowUs,
    schedule: (t) => tasks.push(t),
  });
  const runTasks = () => {
    for (const t of tasks.splice(0)) t();
  };
  return { disk, log, runTasks, at: (ms: number) => (nowUs = ms * 1000) };
}

describe('segments', () => {
  it('roll by log.segment.bytes; each roll schedules a flush that moves the recovery point', () => {
    const { disk, log, runTasks } = setup({ segmentBytes: 200 });
    for (let i = 0; i < 6; i++) one(log, `v${i}`); // 70 bytes a batch: 2 fit in 200
    expect(log.segmentBaseOffsets()).toEqual([0, 2, 4]);
    expect(segmentFiles(disk, 't-0').map((f) => f.baseOffset)).toEqual([0, 2, 4]);
    expect(log.recoveryPoint).toBe(0); // the flushes are only scheduled
    runTasks();
    expect(log.recoveryPoint).toBe(4);
    // A power loss now keeps the flushed segments, and the active one's files exist.
    disk.losePower(false);
    expect(disk.read('t-0/00000000000000000000.log')).toHaveLength(2);
    expect(disk.read('t-0/00000000000000000002.log')).toHaveLength(2);
    expect(disk.read('t-0/00000000000000000004.log')).toHaveLength(0);
  });

  it('roll by log.roll.ms once the first batch is older, never an empty segment', () => {
    const { log, at } = setup({ rollMs: 10_000 });
    one(log, 'a');
    at(10_000);
    one(log, 'b'); // not yet older than 10 s
    at(10_001);
    one(log, 'c');
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    at(30_000);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
  });

  it('truncation deletes the segments above the target and cuts the one holding it', () => {
    const { disk, log } = setup({ segmentBytes: 200 });
    for (let i = 0; i < 6; i++) one(log, `v${i}`);
    log.truncateTo(3);
    expect(log.segmentBaseOffsets()).toEqual([0, 2]);
    expect(disk.exists('t-0/00000000000000000004.log')).toBe(false);
    expect(disk.read('t-0/00000000000000000002.log')).toHaveLength(1);
    one(log, 'w3');
    expect(log.records.map((r) => r.value)).toEqual(['v0', 'v1', 'v2', 'w3']);
  });

  it('recovery validates from the segment holding the recovery point and cuts at a torn batch', () => {
    // Scripted draws: the flusher's phase; mid-writeback, the size update committed and the
    // one dirty page of each file never reached the disk.
    const ints = [5_000_000, 0, 0, 0];
    const rng: Rng = { next: () => 0, chance: () => true, pick: (xs) => xs[0], intBetween: () => ints.shift() ?? 0 };
    const disk = new SimDisk(undefined, () => rng);
    const { log, runTasks } = setup({ segmentBytes: 200, disk });
    for (let i = 0; i < 4; i++) one(log, `v${i}`);
    runTasks(); // segment 0 flushed, recovery point 2; segment 2 holds v2, v3 unflushed
    expect(log.recoveryPoint).toBe(2);
    disk.fsyncDir('.');
    disk.losePower(true);
    expect(isTorn(disk.read('t-0/00000000000000000002.log')[0])).toBe(true);
    const recovered = new ReplicaLog(disk, 't-0', null, { segmentBytes: 200 });
    const cut = recovered.recover({ cleanShutdown: false, recoveryPoint: 2, hwCheckpoint: 0 });
    expect(cut).toBe(2);
    expect(recovered.records.map((r) => r.value)).toEqual(['v0', 'v1']);
    expect(recovered.segmentBaseOffsets()).toEqual([0, 2]);
    expect(disk.read('t-0/00000000000000000002.log')).toEqual([]);
  });

  it('recovery deletes the segments after the one with an invalid batch', () => {
    const { disk, log } = setup({ segmentBytes: 200 });
    for (let i = 0; i < 6; i++) one(log, `v${i}`);
    // Segment 2 loses its last batch, segment 4 is whole: recovery from 0 cuts at 3 and deletes segment 4.
    disk.truncate('t-0/00000000000000000002.log', 1);
    const recovered = new ReplicaLog(disk, 't-0', null, { segmentBytes: 200 });
    expect(recovered.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 0 })).toBe(3);
    expect(recovered.records.map((r) => r.value)).toEqual(['v0', 'v1', 'v2']);
    expect(disk.exists('t-0/00000000000000000004.log')).toBe(false);
  });

  it("a value's padding counts in the segment's bytes (DefaultRecord.sizeInBytes) and survives recovery", () => {
    const { disk, log } = setup({ segmentBytes: 2_048 });
    // 1,000-byte values: 61 header + 1,009 record = 1,070 bytes a batch, so one batch a segment.
    for (let i = 0; i < 3; i++) log.appendAsLeader([{ key: null, value: `v${i}`, padBytes: 998 }], 1, -1, -1, -1);
    expect(log.segmentBaseOffsets()).toEqual([0, 1, 2]);
    expect(log.sizeBytes()).toBe(3 * 1_070);
    // A bare label keeps the small-record size of before: 61 + 7 + 2 bytes.
    one(log, 'v3');
    expect(log.sizeBytes()).toBe(3 * 1_070 + 70);
    const recovered = new ReplicaLog(disk, 't-0', null, { segmentBytes: 2_048 });
    recovered.recover({ cleanShutdown: true, recoveryPoint: 4, hwCheckpoint: 0 });
    expect(recovered.records.map((r) => r.padBytes)).toEqual([998, 998, 998, undefined]);
    expect(recovered.sizeBytes()).toBe(3 * 1_070 + 70);
  });
});
