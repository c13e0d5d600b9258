// Unit tests of one replica's storage: the leader-epoch cache (KIP-101/279 answers,
// monotonicity, checkpoint durability), log recovery after a power loss (torn tail, partial
// batch, epoch cache trimmed and rebuilt), the flush policy and the idempotence state.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import type { Rng } from '../../harness/index.ts';
import { LeaderEpochCache, type EpochTruncationFlush } from '../../model/epoch-cache.ts';
import type { EpochEntry } from '../../checkers/cluster-state.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import { ProducerStates } from '../../model/producer-state.ts';

describe('leader epoch cache', () => {
  const cacheWith = (entries: Array<[number, number]>): LeaderEpochCache => {
    const c = new LeaderEpochCache(new SimDisk(), 't-0');
    for (const [e, o] of entries) c.assign(e, o);
    return c;
  };

  it(
    'answers endOffsetFor as KIP-279 does: the epoch itself and LEO when latest, else the largest epoch ≤ it and ' +
      'the next start offset',
    () => {
      const c = cacheWith([
        [1, 0],
        [3, 10],
        [6, 25],
      ]);
      expect(c.endOffsetFor(6, 40)).toEqual({ epoch: 6, endOffset: 40 });
      expect(c.endOffsetFor(3, 40)).toEqual({ epoch: 3, endOffset: 25 });
      // Unknown epoch 4: the answer names epoch 3 (the follower must then look at its own epoch 3).
      expect(c.endOffsetFor(4, 40)).toEqual({ epoch: 3, endOffset: 25 });
      expect(c.endOffsetFor(0, 40)).toEqual({ epoch: 0, endOffset: 0 });
      expect(c.endOffsetFor(7, 40)).toEqual({ epoch: -1, endOffset: -1 });
      expect(c.endOffsetFor(-1, 40)).toEqual({ epoch: -1, endOffset: -1 });
    },
  );

  it('keeps entries monotonic: a lower start offset or epoch drops the entries it contradicts', () => {
    const c = cacheWith([
      [1, 0],
      [2, 10],
      [3, 20],
    ]);
    expect(c.assign(3, 25)).toBe(false); // same epoch, later offset: no change
    c.assign(4, 15); // (3, 20) starts after 15: dropped; (2, 10) is consistent: kept
    expect(c.entries).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 10 },
      { epoch: 4, startOffset: 15 },
    ]);
    c.assign(2, 5); // (4, 15) has a higher epoch and (2, 10) a later start: both dropped
    expect(c.entries).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
    ]);
  });

  it('checkpoints every change durably (a power loss keeps it)', () => {
    const disk = new SimDisk();
    const c = new LeaderEpochCache(disk, 't-0');
    c.assign(1, 0);
    c.assign(2, 7);
    c.truncateFromEnd(7); // no scheduler: the async flush runs at once
    disk.losePower(true);
    const again = new LeaderEpochCache(disk, 't-0');
    again.load();
    expect(again.entries).toEqual([{ epoch: 1, startOffset: 0 }]);
  });

  it('writes a truncation by the version: fsynced later (3.8+), unsynced (3.7), fsynced at once (3.6)', () => {
    const after = (
      flush: EpochTruncationFlush,
      runTasks: boolean,
    ): { entries: EpochEntry[]; checkpointLength: number } => {
      const disk = new SimDisk();
      const tasks: Array<() => void> = [];
      const c = new LeaderEpochCache(disk, 't-0', flush, (task) => tasks.push(task));
      c.assign(1, 0);
      c.assign(2, 7);
      c.truncateFromEnd(7);
      if (runTasks) for (const t of tasks) t();
      disk.fsyncDir('.'); // the journal commits (any fsync, or its own 5 s commit)
      disk.losePower(false);
      const again = new LeaderEpochCache(disk, 't-0');
      again.load();
      return { entries: [...again.entries], checkpointLength: disk.length('t-0/leader-epoch-checkpoint') };
    };
    const both = [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 7 },
    ];
    const one = [{ epoch: 1, startOffset: 0 }];
    // 3.8+: until the scheduled task runs the file keeps the stale entry (recovery trims it).
    expect(after('async', false).entries).toEqual(both);
    expect(after('async', true).entries).toEqual(one);
    expect(after('sync', false).entries).toEqual(one);
    // 3.7 (KAFKA-16541): the rename committed before the data: an empty checkpoint.
    expect(after('unsynced', false)).toEqual({ entries: [], checkpointLength: 0 });
  });
});

describe('replica log recovery', () => {
  const batch = (...values: string[]) => values.map((value) => ({ key: null, value }));

  it(
    'after a power loss keeps the flushed prefix, drops a torn entry and a partial batch, trims and rebuilds the ' +
      'epoch cache',
    () => {
      // Scripted draws: the flusher's phase; the loss struck mid-writeback, the size update
      // committed, and the one dirty page never reached the disk: 'd' and 'e' read back as zeros.
      const ints = [5_000_000, 0];
      const rng: Rng = { next: () => 0, chance: () => true, pick: (xs) => xs[0], intBetween: () => ints.shift() ?? 0 };
      const disk = new SimDisk(undefined, () => rng);
      const log = new ReplicaLog(disk, 't-0', 3);
      log.appendAsLeader(batch('a', 'b', 'c'), 1, -1, -1, -1); // flushed (3 ≥ 3)
      log.appendAsLeader(batch('d', 'e'), 2, -1, -1, -1); // unflushed
      expect(log.recoveryPoint).toBe(3);
      expect(log.epochs.entries).toEqual([
        { epoch: 1, startOffset: 0 },
        { epoch: 2, startOffset: 3 },
      ]);
      log.setHw(4);
      disk.losePower(true);
      const recovered = new ReplicaLog(disk, 't-0', 3);
      const cutTo = recovered.recover({ cleanShutdown: false, recoveryPoint: 3, hwCheckpoint: 4 });
      expect(cutTo).toBe(3);
      expect(recovered.records.map((r) => r.value)).toEqual(['a', 'b', 'c']);
      expect(recovered.leo).toBe(3);
      expect(recovered.hw).toBe(3); // clamped to the LEO
      expect(recovered.epochs.entries).toEqual([{ epoch: 1, startOffset: 0 }]);
      expect(disk.read('t-0/00000000000000000000.log')).toHaveLength(3);
    },
  );

  it('discards a batch cut in the middle by the power loss (a batch is one unit)', () => {
    const disk = new SimDisk();
    const log = new ReplicaLog(disk, 't-0', null);
    log.appendAsLeader(batch('a', 'b'), 1, -1, -1, -1);
    disk.fsync('t-0/00000000000000000000.log');
    log.appendAsLeader(batch('c', 'd', 'e'), 1, -1, -1, -1);
    // Simulate a crash that made only part of the second batch durable.
    disk.writeFile('t-0/00000000000000000000.log', log.records.slice(0, 4));
    disk.fsync('t-0/00000000000000000000.log');
    const recovered = new ReplicaLog(disk, 't-0', null);
    recovered.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 0 });
    expect(recovered.records.map((r) => r.value)).toEqual(['a', 'b']);
  });

  it('trusts the log after a clean shutdown and loses nothing with a flush', () => {
    const disk = new SimDisk();
    const log = new ReplicaLog(disk, 't-0', null);
    log.appendAsLeader(batch('a', 'b'), 1, -1, -1, -1);
    log.flush();
    disk.losePower(false);
    const recovered = new ReplicaLog(disk, 't-0', null);
    expect(recovered.recover({ cleanShutdown: true, recoveryPoint: 2, hwCheckpoint: 2 })).toBe(-1);
    expect(recovered.leo).toBe(2);
    expect(recovered.hw).toBe(2);
  });

  it('never fsyncs with log.flush.interval.messages = null: a power loss empties an unflushed log', () => {
    const disk = new SimDisk();
    const log = new ReplicaLog(disk, 't-0', null);
    for (let i = 0; i < 10; i++) log.appendAsLeader(batch(`v${i}`), 1, -1, -1, -1);
    expect(log.recoveryPoint).toBe(0);
    disk.losePower(false);
    const recovered = new ReplicaLog(disk, 't-0', null);
    recovered.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 10 });
    expect(recovered.leo).toBe(0);
    expect(recovered.hw).toBe(0);
  });

  it('truncation cuts records, epoch entries, HW and the producer state together', () => {
    const disk = new SimDisk();
    const log = new ReplicaLog(disk, 't-0', null);
    log.appendAsLeader(batch('a', 'b'), 1, 7, 0, 0);
    log.appendAsLeader(batch('c'), 2, 7, 0, 2);
    log.setHw(3);
    expect(log.truncateTo(2)).toBe(true);
    expect(log.leo).toBe(2);
    expect(log.hw).toBe(2);
    expect(log.epochs.entries).toEqual([{ epoch: 1, startOffset: 0 }]);
    // The truncated batch (seq 2) may be written again; the surviving one is a duplicate.
    expect(log.producers.check(7, 0, 2, 2).kind).toBe('append');
    expect(log.producers.check(7, 0, 0, 1).kind).toBe('duplicate');
    expect(log.truncateTo(2)).toBe(false); // at the LEO: nothing to cut
    expect(() => log.truncateTo(5)).toThrow(/truncation target within \[0, LEO\] in t-0: target 5, LEO 2/);
  });

  it('reads whole batches and never past the bound it is given', () => {
    const log = new ReplicaLog(new SimDisk(), 't-0', null);
    log.appendAsLeader(batch('a', 'b', 'c'), 1, -1, -1, -1);
    log.appendAsLeader(batch('d'), 1, -1, -1, -1);
    expect(log.read(0, 1, 4).map((r) => r.value)).toEqual(['a', 'b', 'c']);
    expect(log.read(0, 10, 2).map((r) => r.value)).toEqual(['a', 'b']);
    expect(log.read(3, 10, 4).map((r) => r.value)).toEqual(['d']);
    expect(log.read(4, 10, 4)).toEqual([]);
  });
});

describe('producer idempotence state', () => {
  it('remembers the last five batches of a producer, demands consecutive sequences, fences older epochs', () => {
    const s = new ProducerStates();
    for (let i = 0; i < 7; i++) s.onBatch(1, 0, { firstSeq: i, lastSeq: i, firstOffset: i, lastOffset: i });
    expect(s.check(1, 0, 6, 6)).toMatchObject({ kind: 'duplicate', batch: { firstOffset: 6 } });
    expect(s.check(1, 0, 2, 2)).toMatchObject({ kind: 'duplicate' });
    // Older than the last five.
    expect(s.check(1, 0, 1, 1)).toEqual({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(s.check(1, 0, 7, 8)).toEqual({ kind: 'append' });
    expect(s.check(1, 0, 9, 9)).toEqual({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    expect(s.check(1, 1, 0, 0)).toEqual({ kind: 'append' });
    expect(s.check(1, 1, 3, 3)).toEqual({ kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' });
    s.onBatch(1, 1, { firstSeq: 0, lastSeq: 0, firstOffset: 9, lastOffset: 9 });
    expect(s.check(1, 0, 7, 7)).toEqual({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' });
    // A retry of the old epoch is fenced even with sequences the broker once cached for it
    // (findDuplicateBatch compares the epoch), and the new epoch's batch of sequence 0 is a
    // duplicate of its own, not of the old epoch's sequence 0.
    expect(s.check(1, 0, 6, 6)).toEqual({ kind: 'error', error: 'INVALID_PRODUCER_EPOCH' });
    expect(s.check(1, 1, 0, 0)).toMatchObject({ kind: 'duplicate', batch: { firstOffset: 9 } });
    expect(s.check(1, 1, 1, 1)).toEqual({ kind: 'append' });
    expect(s.check(2, 0, 41, 41)).toEqual({ kind: 'append', unknownProducer: true }); // unknown producer: any sequence
  });
});
