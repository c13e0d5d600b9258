// The network's fault model (harness/network.ts): per-connection FIFO under random
// latencies and slow links, cuts that drop what is in flight and what is sent while they
// last, every cut shape blocking exactly its links (one-way only one direction), heal,
// slow links, and connections reset by a node going down.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { CutShape, LatencyDistribution, NodeId } from '../../harness/index.ts';
import { Harness } from './helpers.ts';

const latencyArb: fc.Arbitrary<LatencyDistribution> = fc.oneof(
  fc.record({ kind: fc.constant('constant' as const), us: fc.integer({ min: 0, max: 500 }) }),
  fc
    .tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 20_000 }))
    .map(([minUs, spread]) => ({ kind: 'uniform' as const, minUs, maxUs: minUs + spread })),
  fc
    .tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 5_000 }))
    .map(([minUs, meanExtraUs]) => ({ kind: 'exponential' as const, minUs, meanExtraUs })),
);

describe('per-connection FIFO', () => {
  it('never lets a message overtake an earlier one on the same connection', () => {
    const sendArb = fc.record({
      atUs: fc.integer({ min: 0, max: 20_000 }),
      from: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
    });
    const slowArb = fc.record({
      atUs: fc.integer({ min: 0, max: 20_000 }),
      from: fc.integer({ min: 0, max: 3 }),
      to: fc.integer({ min: 0, max: 3 }),
      extraUs: fc.integer({ min: 0, max: 30_000 }),
      forUs: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(
        fc.integer(),
        latencyArb,
        fc.array(sendArb, { minLength: 1, maxLength: 300 }),
        fc.array(slowArb, { maxLength: 5 }),
        (seed, latency, sends, slows) => {
          const ids = [0, 1, 2, 3];
          const h = new Harness({ seed, defaultLatency: latency }, ids).startAll();
          const sentOrder = new Map<string, number>();
          sends.forEach((s, i) => h.sendAt(s.atUs, s.from, s.to, { type: 'm', i }));
          for (const s of slows) {
            h.sim.at(s.atUs, 'slow', () => {
              const id = h.sim.network.slow(s.from, s.to, s.extraUs);
              h.sim.at(s.atUs + s.forUs, 'unslow', () => h.sim.network.unslow(id));
            });
          }
          h.sim.run();
          // Every message arrives (no cuts, nobody down) ...
          expect(h.received.length).toBe(sends.length);
          // ... and on each directed link in the order it was sent (send time, then index).
          const order = sends.map((s, i) => ({ ...s, i })).sort((a, b) => a.atUs - b.atUs || a.i - b.i);
          order.forEach((s, rank) => sentOrder.set(`${s.i}`, rank));
          for (const from of ids) {
            for (const to of ids) {
              const ranks = h.received
                .filter((r) => r.from === from && r.node === to)
                .map((r) => sentOrder.get(`${r.msg.i}`)!);
              expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
            }
          }
          // Latency is never negative: nothing arrives before it was sent.
          for (const r of h.received) expect(r.timeUs).toBeGreaterThanOrEqual(sends[r.msg.i as number].atUs);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does reorder messages across different connections (latencies really vary)', () => {
    const h = new Harness(
      { seed: 7, defaultLatency: { kind: 'uniform', minUs: 0, maxUs: 10_000 } },
      [0, 1, 2],
    ).startAll();
    for (let i = 0; i < 50; i++) h.sendAt(i, i % 2, 2, { type: 'm', i });
    h.sim.run();
    const arrival = h.receivedBy(2).map((r) => r.msg.i as number);
    expect(arrival).not.toEqual([...arrival].sort((a, b) => a - b));
  });
});

describe('cuts', () => {
  const constant: LatencyDistribution = { kind: 'constant', us: 1_000 };

  it('drops messages in flight when the cut starts, even if it heals before they would arrive', () => {
    const h = new Harness({ seed: 1, defaultLatency: constant }, [0, 1]).startAll();
    for (let i = 0; i < 5; i++) h.sendAt(100 + i, 0, 1, { type: 'm', i });
    h.sim.at(500, 'cut', () => {
      const cut = h.sim.network.cut({ kind: 'link', a: 0, b: 1 });
      h.sim.at(600, 'heal', () => h.sim.network.heal(cut));
    });
    h.sendAt(550, 0, 1, { type: 'during', i: 99 }); // sent while cut: dropped at once
    h.sendAt(700, 0, 1, { type: 'after', i: 100 }); // after heal: delivered
    h.sim.run();
    expect(h.received.map((r) => r.msg.type)).toEqual(['after']);
    expect(h.received[0].timeUs).toBe(1_700); // a fresh connection: no wait behind the dropped ones
    expect(h.sim.network.droppedCount).toBe(6);
    expect(h.sim.network.deliveredCount).toBe(1);
  });

  it('leaves in-flight messages on links the cut does not block', () => {
    const h = new Harness({ seed: 1, defaultLatency: constant }, [0, 1, 2]).startAll();
    h.sendAt(0, 0, 1, { type: 'blocked', i: 0 });
    h.sendAt(0, 1, 0, { type: 'reverse', i: 1 });
    h.sendAt(0, 0, 2, { type: 'other', i: 2 });
    h.sim.at(10, 'cut', () => h.sim.network.cut({ kind: 'one-way', from: [0], to: [1] }));
    h.sim.run();
    expect(h.received.map((r) => r.msg.type).sort()).toEqual(['other', 'reverse']);
  });

  /** The set of directed links a shape must block, from its definition. */
  function expectedBlocked(shape: CutShape, ids: readonly NodeId[]): Set<string> {
    const out = new Set<string>();
    const both = (xs: readonly NodeId[], ys: readonly NodeId[]) => {
      for (const x of xs) for (const y of ys) if (x !== y) out.add(`${x}>${y}`).add(`${y}>${x}`);
    };
    switch (shape.kind) {
      case 'isolate':
        both([shape.node], ids);
        break;
      case 'split':
        both(shape.sideA, shape.sideB);
        break;
      case 'bridge':
        both(shape.left, shape.right);
        break;
      case 'one-way':
        for (const x of shape.from) for (const y of shape.to) if (x !== y) out.add(`${x}>${y}`);
        break;
      case 'link':
        both([shape.a], [shape.b]);
        break;
    }
    return out;
  }

  const ids = [0, 1, 2, 3, 4, 5];
  const shapeArb: fc.Arbitrary<CutShape> = fc
    .tuple(
      fc.shuffledSubarray(ids, { minLength: ids.length, maxLength: ids.length }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 0, max: 4 }),
    )
    .chain(([perm, k, kind]) => {
      const [a, b, c] = perm;
      const left = perm.slice(0, k);
      const rest = perm.slice(k);
      switch (kind) {
        case 0:
          return fc.constant<CutShape>({ kind: 'isolate', node: a });
        case 1:
          return fc.constant<CutShape>({ kind: 'split', sideA: left, sideB: rest });
        case 2:
          return fc.constant<CutShape>({
            kind: 'bridge',
            left: perm.slice(1, 1 + k),
            bridge: a,
            right: perm.slice(1 + k),
          });
        case 3:
          return fc.constant<CutShape>({ kind: 'one-way', from: left, to: rest });
        default:
          return fc.constant<CutShape>({ kind: 'link', a: b, b: c });
      }
    });

  it('every shape blocks exactly its links, end to end, and heal restores them all', () => {
    fc.assert(
      fc.property(shapeArb, fc.integer(), (shape, seed) => {
        const h = new Harness({ seed, defaultLatency: constant }, ids).startAll();
        const blocked = expectedBlocked(shape, ids);
        let cutId = -1;
        h.sim.at(0, 'cut', () => (cutId = h.sim.network.cut(shape)));
        for (const x of ids) for (const y of ids) if (x !== y) h.sendAt(10, x, y, { type: 'probe', i: x * 10 + y });
        h.sim.at(5_000, 'check+heal', () => {
          for (const x of ids) {
            for (const y of ids) {
              if (x !== y) expect(h.sim.network.connected(x, y), `${x}>${y}`).toBe(!blocked.has(`${x}>${y}`));
            }
          }
          h.sim.network.heal(cutId);
          for (const x of ids) for (const y of ids) expect(h.sim.network.connected(x, y)).toBe(true);
        });
        for (const x of ids) for (const y of ids) if (x !== y) h.sendAt(6_000, x, y, { type: 'after', i: x * 10 + y });
        h.sim.run();
        const during = new Set(h.received.filter((r) => r.msg.type === 'probe').map((r) => `${r.from}>${r.node}`));
        const allLinks = ids.flatMap((x) => ids.filter((y) => y !== x).map((y) => `${x}>${y}`));
        expect([...during].sort()).toEqual(allLinks.filter((l) => !blocked.has(l)).sort());
        expect(h.received.filter((r) => r.msg.type === 'after').length).toBe(allLinks.length);
      }),
      { numRuns: 150 },
    );
  });

  it('one-way blocks one direction only', () => {
    const h = new Harness({ seed: 1, defaultLatency: constant }, [0, 1]).startAll();
    h.sim.network.cut({ kind: 'one-way', from: [0], to: [1] });
    expect(h.sim.network.connected(0, 1)).toBe(false);
    expect(h.sim.network.connected(1, 0)).toBe(true);
    h.sendAt(0, 0, 1, { type: 'forward' });
    h.sendAt(0, 1, 0, { type: 'back' });
    h.sim.run();
    expect(h.received.map((r) => r.msg.type)).toEqual(['back']);
  });

  it('overlapping cuts compose: a link stays blocked while any cut blocks it', () => {
    const h = new Harness({ seed: 1 }, [0, 1, 2]).startAll();
    const net = h.sim.network;
    const isolate = net.cut({ kind: 'isolate', node: 0 });
    const link = net.cut({ kind: 'link', a: 0, b: 1 });
    net.heal(isolate);
    expect(net.connected(0, 1)).toBe(false);
    expect(net.connected(0, 2)).toBe(true);
    net.heal(link);
    net.heal(link); // healing twice is harmless
    expect(net.connected(0, 1)).toBe(true);
    net.cut({ kind: 'split', sideA: [0], sideB: [1, 2] });
    net.cut({ kind: 'link', a: 1, b: 2 });
    net.healAll();
    for (const [x, y] of [
      [0, 1],
      [1, 2],
      [2, 0],
    ])
      expect(net.connected(x, y)).toBe(true);
  });

  it('rejects malformed shapes', () => {
    const h = new Harness({ seed: 1 }, [0, 1, 2]);
    expect(() => h.sim.network.cut({ kind: 'split', sideA: [0, 1], sideB: [1, 2] })).toThrow(/both sides/);
    expect(() => h.sim.network.cut({ kind: 'bridge', left: [0], bridge: 0, right: [2] })).toThrow(/bridge node/);
    expect(() => h.sim.network.cut({ kind: 'link', a: 0, b: 9 })).toThrow(/unknown node/);
  });
});

describe('slow links and latency', () => {
  const base: LatencyDistribution = { kind: 'constant', us: 100 };

  it('adds the extra latency on the slowed link only, both ways when asked, until unslowed', () => {
    const h = new Harness({ seed: 1, defaultLatency: base }, [0, 1, 2]).startAll();
    const net = h.sim.network;
    const oneWay = net.slow(0, 1, 5_000);
    const bothWays = net.slow(1, 2, 700, true);
    h.sendAt(0, 0, 1, { type: 'slow' });
    h.sendAt(0, 1, 0, { type: 'reverse' });
    h.sendAt(0, 2, 1, { type: 'both' });
    h.sendAt(0, 0, 2, { type: 'plain' });
    h.sim.at(10_000, 'unslow', () => {
      net.unslow(oneWay);
      net.unslow(bothWays);
    });
    h.sendAt(10_000, 0, 1, { type: 'restored' });
    h.sim.run();
    const at = Object.fromEntries(h.received.map((r) => [r.msg.type, r.timeUs]));
    expect(at).toEqual({ reverse: 100, plain: 100, both: 800, slow: 5_100, restored: 10_100 });
  });

  it('slowNode slows every link touching the node', () => {
    const h = new Harness({ seed: 1, defaultLatency: base }, [0, 1, 2]).startAll();
    h.sim.network.slowNode(1, 1_000);
    h.sendAt(0, 0, 1, { type: 'to-slow' });
    h.sendAt(0, 1, 2, { type: 'from-slow' });
    h.sendAt(0, 0, 2, { type: 'bystanders' });
    h.sim.run();
    const at = Object.fromEntries(h.received.map((r) => [r.msg.type, r.timeUs]));
    expect(at).toEqual({ bystanders: 100, 'to-slow': 1_100, 'from-slow': 1_100 });
  });

  it('per-link latency overrides the default; distributions stay within their bounds', () => {
    const h = new Harness({ seed: 3, defaultLatency: { kind: 'uniform', minUs: 50, maxUs: 60 } }, [0, 1, 2]).startAll();
    h.sim.network.setLinkLatency(0, 1, { kind: 'exponential', minUs: 1_000, meanExtraUs: 10 });
    for (let i = 0; i < 200; i++) {
      h.sendAt(i * 100_000, 0, 1, { type: 'override' });
      h.sendAt(i * 100_000, 0, 2, { type: 'default' });
    }
    h.sim.run();
    for (const r of h.received) {
      const latency = r.timeUs - Math.floor(r.timeUs / 100_000) * 100_000;
      if (r.msg.type === 'default') expect(latency).toBeGreaterThanOrEqual(50), expect(latency).toBeLessThanOrEqual(60);
      else expect(latency).toBeGreaterThanOrEqual(1_000);
    }
    expect(() => h.sim.network.setDefaultLatency({ kind: 'uniform', minUs: 10, maxUs: 5 })).toThrow(/max < min/);
    expect(() => h.sim.network.slow(0, 1, -5)).toThrow(/non-negative/);
  });
});

describe('nodes going down reset their connections', () => {
  const constant: LatencyDistribution = { kind: 'constant', us: 1_000 };

  it('drops messages in flight to a node that crashes, even if it is back before they arrive', () => {
    const h = new Harness({ seed: 1, defaultLatency: constant }, [0, 1]).startAll();
    h.sendAt(0, 0, 1, { type: 'to-old-incarnation' });
    h.sim.at(100, 'crash', () => h.sim.crash(1));
    h.sim.at(200, 'restart', () => h.sim.start(1));
    h.sendAt(300, 0, 1, { type: 'to-new-incarnation' });
    h.sim.run();
    expect(h.received.map((r) => [r.msg.type, r.incarnation])).toEqual([['to-new-incarnation', 2]]);
  });

  it('drops messages in flight from a node that crashes, and messages sent to a down node', () => {
    const h = new Harness({ seed: 1, defaultLatency: constant }, [0, 1]).startAll();
    h.sendAt(0, 0, 1, { type: 'from-crashed' });
    h.sim.at(100, 'crash', () => h.sim.crash(0));
    h.sendAt(200, 1, 0, { type: 'to-down' });
    h.sim.run();
    expect(h.received).toEqual([]);
    expect(h.sim.network.droppedCount).toBe(2);
  });
});
