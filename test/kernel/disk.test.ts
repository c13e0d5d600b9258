// The disk's fault model (harness/disk.ts): power loss keeps exactly the durable
// prefix of every file (every unflushed byte lost, no flushed byte lost), a process crash
// loses nothing, a torn tail appears only when asked for and only where bytes were lost,
// truncate and rename are durable at once, and rename without fsync leaves an empty file.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SimDisk, isTorn } from '../../harness/index.ts';
import { Harness } from './helpers.ts';

type Op =
  | { op: 'append'; file: number; size: number }
  | { op: 'fsync'; file: number }
  | { op: 'truncate'; file: number; keep: number }
  | { op: 'writeFile'; file: number; count: number }
  | { op: 'rename'; from: number; to: number }
  | { op: 'delete'; file: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      op: fc.constant('append' as const),
      file: fc.integer({ min: 0, max: 3 }),
      size: fc.integer({ min: 1, max: 100 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('fsync' as const), file: fc.integer({ min: 0, max: 3 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('truncate' as const),
      file: fc.integer({ min: 0, max: 3 }),
      keep: fc.integer({ min: 0, max: 10 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('writeFile' as const),
      file: fc.integer({ min: 0, max: 3 }),
      count: fc.integer({ min: 0, max: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('rename' as const),
      from: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), file: fc.integer({ min: 0, max: 3 }) }) },
);

/** An independent model of one file: its entries, their sizes, and how many are durable. */
interface ModelFile {
  entries: string[];
  sizes: number[];
  durable: number;
}

/** Apply `ops` to a SimDisk and to the model; return both. */
function play(ops: readonly Op[]): { disk: SimDisk; model: Map<string, ModelFile> } {
  const disk = new SimDisk();
  const model = new Map<string, ModelFile>();
  let n = 0;
  for (const o of ops) {
    switch (o.op) {
      case 'append': {
        const path = `f${o.file}`;
        const value = `v${n++}`;
        disk.append(path, value, o.size);
        const f = model.get(path) ?? { entries: [], sizes: [], durable: 0 };
        f.entries.push(value);
        f.sizes.push(o.size);
        model.set(path, f);
        break;
      }
      case 'fsync': {
        disk.fsync(`f${o.file}`);
        const f = model.get(`f${o.file}`);
        if (f) f.durable = f.entries.length;
        break;
      }
      case 'truncate': {
        disk.truncate(`f${o.file}`, o.keep);
        const f = model.get(`f${o.file}`);
        if (f && o.keep < f.entries.length) {
          f.entries.length = o.keep;
          f.sizes.length = o.keep;
          f.durable = Math.min(f.durable, o.keep);
        }
        break;
      }
      case 'writeFile': {
        const values = Array.from({ length: o.count }, () => `w${n++}`);
        disk.writeFile(`f${o.file}`, values, 8 * o.count);
        model.set(`f${o.file}`, { entries: values, sizes: values.map(() => 8), durable: 0 });
        break;
      }
      case 'rename': {
        const from = model.get(`f${o.from}`);
        if (from === undefined) {
          expect(() => disk.rename(`f${o.from}`, `f${o.to}`)).toThrow(/no such file/);
          break;
        }
        disk.rename(`f${o.from}`, `f${o.to}`);
        model.delete(`f${o.from}`);
        model.set(`f${o.to}`, from);
        break;
      }
      case 'delete':
        disk.delete(`f${o.file}`);
        model.delete(`f${o.file}`);
        break;
    }
  }
  return { disk, model };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe('power loss', () => {
  it('loses exactly the unflushed bytes of every file, and no flushed byte', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { disk, model } = play(ops);
        // Before: reads see the page cache; the byte counters agree with the model.
        const unflushed = sum([...model.values()].map((f) => sum(f.sizes.slice(f.durable))));
        const durable = sum([...model.values()].map((f) => sum(f.sizes.slice(0, f.durable))));
        for (const [path, f] of model) expect(disk.read(path)).toEqual(f.entries);
        expect(disk.unflushedBytes()).toBeCloseTo(unflushed, 9);
        expect(disk.durableBytes()).toBeCloseTo(durable, 9);
        disk.losePower(false);
        // After: each file is exactly its durable prefix; nothing durable went missing.
        expect(disk.list()).toEqual([...model.keys()].sort());
        for (const [path, f] of model) expect(disk.read(path)).toEqual(f.entries.slice(0, f.durable));
        expect(disk.unflushedBytes()).toBe(0);
        expect(disk.durableBytes()).toBeCloseTo(durable, 9);
        for (const path of disk.list()) for (const e of disk.read(path)) expect(isTorn(e)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('leaves a torn tail only when asked, and only on files that lost bytes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const { disk, model } = play(ops);
        disk.losePower(true);
        for (const [path, f] of model) {
          const after = disk.read(path);
          const lostSomething = f.entries.length > f.durable;
          expect(after.slice(0, f.durable)).toEqual(f.entries.slice(0, f.durable));
          if (lostSomething) {
            expect(after.length).toBe(f.durable + 1);
            const tail = after[f.durable];
            expect(isTorn(tail)).toBe(true);
            expect(isTorn(tail) && tail.partial).toBe(f.entries[f.durable]);
          } else {
            expect(after.length).toBe(f.durable);
          }
        }
        // A second power loss changes nothing: the torn fragment is on the platter.
        const snapshot = disk.list().map((p) => [p, [...disk.read(p)]]);
        disk.losePower(true);
        expect(disk.list().map((p) => [p, [...disk.read(p)]])).toEqual(snapshot);
      }),
      { numRuns: 300 },
    );
  });

  it('with writeback, keeps the durable prefix plus the written-back share of the unflushed entries', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), fc.nat({ max: 10 }), fc.boolean(), (ops, share, torn) => {
        const { disk, model } = play(ops);
        disk.losePower(torn, (n) => Math.min(n, share));
        for (const [path, f] of model) {
          const unflushed = f.entries.length - f.durable;
          const kept = f.durable + Math.min(unflushed, share);
          const after = disk.read(path);
          expect(after.slice(0, kept)).toEqual(f.entries.slice(0, kept));
          const tornTail = torn && kept < f.entries.length;
          expect(after.length).toBe(kept + (tornTail ? 1 : 0));
          if (tornTail) expect(isTorn(after[kept]) && after[kept].partial).toBe(f.entries[kept]);
        }
        expect(disk.unflushedBytes()).toBe(0);
      }),
      { numRuns: 300 },
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

  it('power loss of a node that is already down still loses its unflushed bytes', () => {
    const h = new Harness({ seed: 1 }, [1], () => ({ onStart: (ctx) => ctx.disk.append('log', 'x', 5) })).startAll();
    h.sim.crash(1);
    h.sim.powerLoss(1, { tornTail: true });
    const after = h.sim.disk(1).read('log');
    expect(after.length).toBe(1);
    expect(isTorn(after[0])).toBe(true);
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

describe('truncate and rename', () => {
  it('truncate is durable at once and shortens the durable prefix', () => {
    const disk = new SimDisk();
    for (const v of ['a', 'b', 'c', 'd']) disk.append('log', v);
    disk.fsync('log');
    disk.truncate('log', 2);
    disk.append('log', 'e');
    disk.losePower(false);
    expect(disk.read('log')).toEqual(['a', 'b']);
    expect(() => disk.truncate('log', -1)).toThrow(/negative/);
  });

  it('write, fsync, rename replaces a checkpoint atomically: old or new, never a mix', () => {
    const disk = new SimDisk();
    disk.writeFile('ckpt', ['old-1', 'old-2']);
    disk.fsync('ckpt');
    disk.writeFile('ckpt.tmp', ['new-1', 'new-2', 'new-3']);
    // Power loss before the rename: the old checkpoint is intact.
    const before = new SimDisk();
    before.writeFile('ckpt', ['old-1', 'old-2']);
    before.fsync('ckpt');
    before.writeFile('ckpt.tmp', ['new-1']);
    before.losePower(true);
    expect(before.read('ckpt')).toEqual(['old-1', 'old-2']);
    // fsync, rename, power loss: the new checkpoint, whole.
    disk.fsync('ckpt.tmp');
    disk.rename('ckpt.tmp', 'ckpt');
    expect(disk.exists('ckpt.tmp')).toBe(false);
    disk.losePower(true);
    expect(disk.read('ckpt')).toEqual(['new-1', 'new-2', 'new-3']);
  });

  it('rename without fsync, then power loss, leaves a zero-length file', () => {
    const disk = new SimDisk();
    disk.writeFile('ckpt', ['old']);
    disk.fsync('ckpt');
    disk.writeFile('ckpt.tmp', ['new']);
    disk.rename('ckpt.tmp', 'ckpt'); // forgot the fsync
    expect(disk.read('ckpt')).toEqual(['new']); // the running process sees the new content
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
