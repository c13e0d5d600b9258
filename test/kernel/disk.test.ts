// The disk's fault model (harness/disk.ts): a page cache written back by a flusher pass every
// 5 s for files dirty for 30 s, fsync writing a file back and committing the metadata journal,
// creation, truncation, rename and deletion durable only at a journal commit (fsync, fsyncDir,
// a flusher pass), power loss keeping exactly what was written back and committed, and a power
// loss mid-writeback keeping, page by page, a stale tail, a hole or the old length. A process
// crash loses nothing.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SeededRng, SimDisk, isTorn } from '../../harness/index.ts';
import type { Rng } from '../../harness/index.ts';
import { Harness } from './helpers.ts';

type Op =
  | { op: 'append'; file: number; size: number }
  | { op: 'fsync'; file: number }
  | { op: 'fsyncDir' }
  | { op: 'truncate'; file: number; keep: number }
  | { op: 'writeFile'; file: number; count: number }
  | { op: 'rename'; from: number; to: number }
  | { op: 'delete'; file: number }
  | { op: 'advance'; ms: number };

/** An independent model of one file: page cache, durable content, a pending truncation, its dirty time. */
interface ModelFile {
  entries: string[];
  sizes: number[];
  durable: Array<[string, number]>;
  cut: number | null;
  dirtySinceMs: number | null;
}

/** An independent model of the disk: the live and the committed namespace, a clock, the flusher. */
class ModelDisk {
  live = new Map<string, ModelFile>();
  committed = new Map<string, ModelFile>();
  nowMs = 0;
  /** Without an rng the flusher's first pass comes at 5 s, then every 5 s. */
  nextPassMs = 5_000;

  /** With an rng the first pass comes at its first draw, 1 µs to 5 s (the disk draws the same). */
  constructor(seed?: string) {
    if (seed !== undefined) this.nextPassMs = new SeededRng(seed).intBetween(1, 5_000_000) / 1000;
  }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    while (this.nextPassMs <= until) {
      this.nowMs = this.nextPassMs;
      for (const f of this.live.values())
        if (f.dirtySinceMs !== null && f.dirtySinceMs + 30_000 <= this.nowMs) this.writeBack(f);
      this.commit();
      this.nextPassMs += 5_000;
    }
    this.nowMs = until;
  }

  writeBack(f: ModelFile): void {
    f.durable = f.entries.map((e, i) => [e, f.sizes[i]]);
    f.cut = null;
    f.dirtySinceMs = null;
  }

  commit(): void {
    for (const f of new Set([...this.live.values(), ...this.committed.values()])) {
      if (f.cut !== null) f.durable = f.durable.slice(0, Math.min(f.durable.length, f.cut));
      f.cut = null;
    }
    this.committed = new Map(this.live);
  }

  dirty(f: ModelFile): void {
    if (f.dirtySinceMs === null) f.dirtySinceMs = this.nowMs;
  }

  create(path: string): ModelFile {
    let f = this.live.get(path);
    if (f === undefined) {
      f = { entries: [], sizes: [], durable: [], cut: null, dirtySinceMs: null };
      this.live.set(path, f);
    }
    return f;
  }

  cutTo(f: ModelFile, keep: number): void {
    f.entries.length = keep;
    f.sizes.length = keep;
    f.cut = f.cut === null ? keep : Math.min(f.cut, keep);
    this.dirty(f);
  }

  powerLoss(): void {
    this.live = new Map(this.committed);
    for (const f of this.live.values()) {
      f.entries = f.durable.map(([e]) => e);
      f.sizes = f.durable.map(([, s]) => s);
      f.cut = null;
      f.dirtySinceMs = null;
    }
  }
}

const fileArb = fc.integer({ min: 0, max: 3 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      file: fileArb,
      size: fc.integer({ min: 1, max: 3000 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fsync' as const), file: fileArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fsyncDir' as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('truncate' as const),
      file: fileArb,
      keep: fc.integer({ min: 0, max: 10 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('writeFile' as const),
      file: fileArb,
      count: fc.integer({ min: 0, max: 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('rename' as const), from: fileArb, to: fileArb }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), file: fileArb }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 12_000 }) }) },
);

/** Apply `ops` to a SimDisk (on a clock the test moves) and to the model; return both. */
function play(ops: readonly Op[], seed?: string): { disk: SimDisk; model: ModelDisk } {
  const model = new ModelDisk(seed);
  const disk = new SimDisk(() => model.nowMs * 1000, seed === undefined ? undefined : () => new SeededRng(seed));
  let n = 0;
  for (const o of ops) {
    switch (o.op) {
      case 'append': {
        const value = `v${n++}`;
        disk.append(`f${o.file}`, value, o.size);
        const f = model.create(`f${o.file}`);
        f.entries.push(value);
        f.sizes.push(o.size);
        model.dirty(f);
        break;
      }
      case 'fsync': {
        disk.fsync(`f${o.file}`);
        const f = model.live.get(`f${o.file}`);
        if (f) model.writeBack(f);
        model.commit();
        break;
      }
      case 'fsyncDir':
        disk.fsyncDir('.');
        model.commit();
        break;
      case 'truncate': {
        disk.truncate(`f${o.file}`, o.keep);
        const f = model.live.get(`f${o.file}`);
        if (f && o.keep < f.entries.length) model.cutTo(f, o.keep);
        break;
      }
      case 'writeFile': {
        const values = Array.from({ length: o.count }, () => `w${n++}`);
        disk.writeFile(`f${o.file}`, values, 8 * o.count);
        const f = model.create(`f${o.file}`);
        if (f.entries.length > 0) model.cutTo(f, 0);
        for (const v of values) {
          f.entries.push(v);
          f.sizes.push(8);
        }
        model.dirty(f);
        break;
      }
      case 'rename': {
        const from = model.live.get(`f${o.from}`);
        if (from === undefined) {
          expect(() => disk.rename(`f${o.from}`, `f${o.to}`)).toThrow(/no such file/);
          break;
        }
        disk.rename(`f${o.from}`, `f${o.to}`);
        model.live.delete(`f${o.from}`);
        model.live.set(`f${o.to}`, from);
        break;
      }
      case 'delete':
        disk.delete(`f${o.file}`);
        model.live.delete(`f${o.file}`);
        break;
      case 'advance':
        model.advance(o.ms);
        break;
    }
  }
  return { disk, model };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('power loss', () => {
  it('keeps exactly what was written back or fsynced, under the names the journal committed', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const { disk, model } = play(ops);
        // Before: reads see the page cache; the durable byte count agrees with the model.
        for (const [path, f] of model.live) expect(disk.read(path)).toEqual(f.entries);
        expect(disk.list()).toEqual([...model.live.keys()].sort());
        expect(disk.durableBytes()).toBe(sum([...model.live.values()].map((f) => sum(f.durable.map(([, s]) => s)))));
        disk.losePower(false);
        model.powerLoss();
        // After: the committed names, each with exactly its durable content.
        expect(disk.list()).toEqual([...model.live.keys()].sort());
        for (const [path, f] of model.live) expect(disk.read(path)).toEqual(f.entries);
        expect(disk.unflushedBytes()).toBe(0);
        expect(disk.durableBytes()).toBe(sum([...model.live.values()].map((f) => sum(f.sizes))));
        for (const path of disk.list()) for (const e of disk.read(path)) expect(isTorn(e)).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('mid-writeback: each file comes back at its old length, or a prefix of the page cache and one torn entry', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), fc.string(), (ops, seed) => {
        const { disk, model } = play(ops, seed);
        const cacheOf = new Map([...model.committed.values()].map((f) => [f, [...f.entries]]));
        disk.losePower(true);
        const before = new Map(model.committed);
        model.powerLoss();
        expect(disk.list()).toEqual([...model.live.keys()].sort());
        for (const [path, f] of before) {
          const after = disk.read(path);
          const old = f.entries; // the durable content, after model.powerLoss
          if (after.length === old.length && after.every((e, i) => e === old[i])) continue;
          // A prefix of what the page cache held, then at most one torn entry (the next one).
          const live = cacheOf.get(f) ?? [];
          const torn = after.length > 0 && isTorn(after[after.length - 1]);
          const prefix = torn ? after.slice(0, -1) : after;
          expect(prefix).toEqual(live.slice(0, prefix.length));
          if (torn) expect((after[after.length - 1] as { partial: unknown }).partial).toBe(live[prefix.length]);
          // Nothing durable that the page cache still held was lost.
          let common = 0;
          while (common < old.length && common < live.length && old[common] === live[common]) common++;
          expect(prefix.length).toBeGreaterThanOrEqual(common);
        }
        // A second power loss changes nothing: what came back is on the platter.
        const snapshot = disk.list().map((p) => [p, [...disk.read(p)]]);
        disk.losePower(true);
        expect(disk.list().map((p) => [p, [...disk.read(p)]])).toEqual(snapshot);
      }),
      { numRuns: 400 },
    );
  });
});

describe('process crash and restart through the simulation', () => {
  it('a crash loses nothing written; a power loss then loses what was not fsynced', () => {
    const h = new Harness({ seed: 1 }, [1], () => ({
      onStart: (ctx) => {
        if (ctx.incarnation === 1) {
          ctx.disk.append('log', 'a', 10);
          ctx.disk.append('log', 'b', 10);
          ctx.disk.fsync('log');
          ctx.disk.append('log', 'c', 10);
        }
      },
    })).startAll();
    const disk = h.sim.disk(1);
    h.sim.crash(1);
    expect(disk.read('log')).toEqual(['a', 'b', 'c']);
    h.sim.start(1);
    expect(h.ctx.get(1)!.disk.read('log')).toEqual(['a', 'b', 'c']);
    expect(disk.unflushedBytes()).toBe(10);
    h.sim.powerLoss(1);
    expect(h.sim.isUp(1)).toBe(false);
    expect(disk.read('log')).toEqual(['a', 'b']);
    h.sim.start(1);
    expect(h.ctx.get(1)!.disk.read('log')).toEqual(['a', 'b']);
  });

  it('power loss of a node that is already down still loses what was not written back', () => {
    const h = new Harness({ seed: 1 }, [1, 2], (id) => ({
      onStart: (ctx) => {
        ctx.disk.append('log', 'x', 5);
        if (id === 2) ctx.disk.fsyncDir('.'); // the file's creation committed, not its data
      },
    })).startAll();
    for (const id of [1, 2]) {
      h.sim.crash(id);
      h.sim.powerLoss(id);
    }
    expect(h.sim.disk(1).exists('log')).toBe(false); // its creation never reached the journal
    expect(h.sim.disk(2).exists('log')).toBe(true);
    expect(h.sim.disk(2).read('log')).toEqual([]); // zero-length: the data was never written back
  });

  it('clean shutdown runs onShutdown, which can flush before the node goes down', () => {
    const h = new Harness({ seed: 1 }, [1], () => ({
      onStart: (ctx) => ctx.disk.append('log', 'x', 5),
      onShutdown: (ctx) => ctx.disk.fsync('log'),
    })).startAll();
    h.sim.shutdown(1);
    h.sim.powerLoss(1);
    expect(h.sim.disk(1).read('log')).toEqual(['x']);
  });
});

describe('background writeback', () => {
  /** A disk on a clock the test moves, with no rng: the flusher passes at 5 s, 10 s, … */
  const clocked = (): { disk: SimDisk; at: (ms: number) => void } => {
    let nowUs = 0;
    return { disk: new SimDisk(() => nowUs), at: (ms) => (nowUs = ms * 1000) };
  };

  it('writes a file back at the first pass 30 s after it was dirtied, not before', () => {
    for (const [lossAtMs, kept] of [
      [29_999, []],
      [30_000, ['a', 'b']],
    ] as const) {
      const { disk, at } = clocked();
      disk.append('log', 'a', 100);
      at(20_000);
      disk.append('log', 'b', 100); // a later write does not move the file's dirty time
      at(lossAtMs);
      disk.losePower(false);
      expect(disk.read('log')).toEqual(kept);
    }
  });

  it('commits metadata at every pass: a rename is durable within 5 s, its unsynced data only at 30 s', () => {
    const outcome = (lossAtMs: number): readonly unknown[] => {
      const { disk, at } = clocked();
      disk.writeFile('ckpt', ['old']);
      disk.fsync('ckpt');
      disk.writeFile('ckpt.tmp', ['new']);
      disk.rename('ckpt.tmp', 'ckpt');
      at(lossAtMs);
      disk.losePower(false);
      return disk.read('ckpt');
    };
    expect(outcome(4_999)).toEqual(['old']);
    expect(outcome(5_000)).toEqual([]);
    expect(outcome(30_000)).toEqual(['new']);
  });

  it('mid-writeback, a page-crossing entry whose second page did not reach the disk comes back torn', () => {
    // Entry 'b' spans pages 0 and 1: the written pages decide what survives. Scripted draws:
    // the flusher's phase (5 s); the size update committed; the shuffle keeps [0, 1]; `count`
    // pages reached the disk.
    const scripted = (count: number): Rng => {
      const ints = [5_000_000, 1, count];
      return { next: () => 0, chance: () => true, pick: (xs) => xs[0], intBetween: () => ints.shift() ?? 0 };
    };
    const lose = (count: number): readonly unknown[] => {
      const disk = new SimDisk(undefined, () => scripted(count));
      disk.append('log', 'a', 4000);
      disk.fsync('log');
      disk.append('log', 'b', 200);
      disk.append('log', 'c', 100);
      disk.losePower(true);
      return disk.read('log');
    };
    expect(lose(2)).toEqual(['a', 'b', 'c']);
    const stale = lose(1); // page 0 written, page 1 not: 'b' has a stale or zero tail
    expect(stale.slice(0, 1)).toEqual(['a']);
    expect(stale).toHaveLength(2);
    expect(isTorn(stale[1]) && stale[1].partial).toBe('b');
    // The rest of the file, for a reader without CRC checks: 'b' starts on the written page 0.
    expect(isTorn(stale[1]) && stale[1].tail).toEqual([
      { entry: 'b', headWritten: true, allWritten: false },
      { entry: 'c', headWritten: false, allWritten: false },
    ]);
    const hole = lose(0); // nothing new written, the size committed: 'b' reads back as zeros
    expect(hole).toHaveLength(2);
    expect(isTorn(hole[1])).toBe(true);
    expect(isTorn(hole[1]) && hole[1].tail.map((t) => t.headWritten)).toEqual([false, false]);
  });
});

describe('truncate and rename', () => {
  it('truncate is metadata: the old length until the journal commits, then the cut', () => {
    const cutThenLose = (commit: boolean): readonly unknown[] => {
      const disk = new SimDisk();
      for (const v of ['a', 'b', 'c', 'd']) disk.append('log', v);
      disk.fsync('log');
      disk.truncate('log', 2);
      disk.append('log', 'e');
      expect(disk.read('log')).toEqual(['a', 'b', 'e']);
      if (commit) disk.fsync('other'); // any fsync commits the one journal
      disk.losePower(false);
      return disk.read('log');
    };
    expect(cutThenLose(false)).toEqual(['a', 'b', 'c', 'd']);
    expect(cutThenLose(true)).toEqual(['a', 'b']);
    expect(() => new SimDisk().truncate('missing', -1)).not.toThrow();
    const disk = new SimDisk();
    disk.append('log', 'a');
    expect(() => disk.truncate('log', -1)).toThrow(/negative/);
  });

  it('write, fsync, rename, fsync the directory replaces a checkpoint atomically: old or new, never a mix', () => {
    const fresh = (): SimDisk => {
      const disk = new SimDisk();
      disk.writeFile('ckpt', ['old-1', 'old-2']);
      disk.fsync('ckpt');
      disk.writeFile('ckpt.tmp', ['new-1', 'new-2', 'new-3']);
      return disk;
    };
    // Power loss before the rename: the old checkpoint is intact.
    const before = fresh();
    before.losePower(true);
    expect(before.read('ckpt')).toEqual(['old-1', 'old-2']);
    // fsync and rename, power loss before the directory's fsync: the rename never committed.
    const uncommitted = fresh();
    uncommitted.fsync('ckpt.tmp');
    uncommitted.rename('ckpt.tmp', 'ckpt');
    expect(uncommitted.exists('ckpt.tmp')).toBe(false);
    uncommitted.losePower(true);
    expect(uncommitted.read('ckpt')).toEqual(['old-1', 'old-2']);
    expect(uncommitted.read('ckpt.tmp')).toEqual(['new-1', 'new-2', 'new-3']);
    // fsync, rename, fsync the directory, power loss: the new checkpoint, whole.
    const disk = fresh();
    disk.fsync('ckpt.tmp');
    disk.rename('ckpt.tmp', 'ckpt');
    disk.fsyncDir('.');
    disk.losePower(true);
    expect(disk.read('ckpt')).toEqual(['new-1', 'new-2', 'new-3']);
    expect(disk.exists('ckpt.tmp')).toBe(false);
  });

  it('rename without fsync, once the journal commits, then power loss, leaves a zero-length file', () => {
    const disk = new SimDisk();
    disk.writeFile('ckpt', ['old']);
    disk.fsync('ckpt');
    disk.writeFile('ckpt.tmp', ['new']);
    disk.rename('ckpt.tmp', 'ckpt'); // forgot the fsync
    expect(disk.read('ckpt')).toEqual(['new']); // the running process sees the new content
    disk.fsyncDir('.'); // or the journal's own 5 s commit
    disk.losePower(false);
    expect(disk.exists('ckpt')).toBe(true);
    expect(disk.read('ckpt')).toEqual([]); // neither old nor new: the classic zero-length file
  });

  it('spreads a whole file size over its entries in whole bytes', () => {
    const disk = new SimDisk();
    disk.writeFile('ckpt', ['a', 'b', 'c'], 10);
    expect(disk.unflushedBytes()).toBe(10);
    disk.fsync('ckpt');
    expect(disk.durableBytes()).toBe(10);
    disk.writeFile('empty', [], 0);
    expect(disk.read('empty')).toEqual([]);
  });

  it('lists, deletes and reports missing files', () => {
    const disk = new SimDisk();
    disk.append('seg/00', 1);
    disk.append('seg/01', 1);
    disk.append('other', 1);
    expect(disk.list('seg/')).toEqual(['seg/00', 'seg/01']);
    disk.delete('seg/00');
    expect(disk.exists('seg/00')).toBe(false);
    expect(disk.read('missing')).toEqual([]);
    expect(disk.length('seg/01')).toBe(1);
    expect(() => disk.rename('missing', 'x')).toThrow(/no such file/);
  });
});

describe('the committed namespace', () => {
  const nameOp = fc.oneof(
    fc.record({ op: fc.constantFrom('create' as const, 'delete' as const, 'commit' as const), a: fc.nat(5) }),
    fc.record({ op: fc.constant('rename' as const), a: fc.nat(5), b: fc.nat(5) }),
    fc.record({ op: fc.constant('crash' as const), a: fc.nat(0) }),
  );

  // Its order decides the order of a mid-writeback power loss's draws: the disk keeps the names
  // changed since the commit, not a copy of the namespace, and must give the copy's order.
  it('after creates, renames and deletes, is what a copy at the first change since the commit holds, in order', () => {
    fc.assert(
      fc.property(fc.array(nameOp, { maxLength: 40 }), (ops) => {
        const disk = new SimDisk();
        const files = new Map<string, unknown>(); // name → its file (the disk's own object)
        let committed: Map<string, unknown> | null = null;
        for (const o of ops) {
          const a = `f${o.a}`;
          if (o.op === 'create' && !files.has(a)) {
            committed ??= new Map(files);
            disk.append(a, 'x');
            files.set(a, disk['files'].get(a));
          } else if (o.op === 'delete' && files.has(a)) {
            committed ??= new Map(files);
            disk.delete(a);
            files.delete(a);
          } else if (o.op === 'rename' && files.has(a)) {
            committed ??= new Map(files);
            const id = files.get(a)!;
            disk.rename(a, `f${o.b}`);
            files.delete(a);
            files.set(`f${o.b}`, id);
          } else if (o.op === 'commit') {
            disk.fsyncDir('.');
            committed = null;
          } else if (o.op === 'crash') {
            const names = [...(committed ?? files)];
            disk.losePower(false);
            files.clear();
            for (const [n, id] of names) files.set(n, id);
            committed = null;
          }
        }
        const expected = [...(committed ?? files)];
        const got = disk['committedNames']();
        expect(got.length).toBe(expected.length);
        got.forEach(([n, f], i) => {
          expect(n).toBe(expected[i][0]);
          expect(f).toBe(expected[i][1]);
        });
      }),
      { numRuns: 500 },
    );
  });
});
