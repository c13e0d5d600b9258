// Node lifecycle: timers of a node that went down never fire (crash, power loss, shutdown),
// a restarted node is a fresh incarnation whose predecessor's timers, messages and context
// are dead, node randomness continues across restarts, and state changes from inside a
// node's own handler (or its own probe listener) throw.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../harness/index.ts';
import type { NodeContext } from '../../harness/index.ts';
import { Harness } from './helpers.ts';

describe('timers of a node that goes down', () => {
  const downs = ['crash', 'power-loss', 'shutdown'] as const;

  it.each(downs)('never fire after %s, and the restarted node gets only its own timers', (how) => {
    const h = new Harness({ seed: 1 }, [1, 2], (id) => ({
      onStart: (ctx) => {
        for (let i = 1; i <= 20; i++) ctx.setTimer(i * 100, `inc${ctx.incarnation}-t${i}`);
        if (id === 2) ctx.setTimer(5_000, 'bystander');
      },
    })).startAll();
    h.sim.at(1_050, how, () => {
      if (how === 'crash') h.sim.crash(1);
      else if (how === 'power-loss') h.sim.powerLoss(1);
      else h.sim.shutdown(1);
    });
    h.sim.at(1_500, 'restart', () => h.sim.start(1));
    h.sim.run();
    const fired1 = h.timers.filter((t) => t.node === 1);
    // Incarnation 1 fired t1..t10 (before 1 050 µs) and nothing after it went down.
    expect(fired1.filter((t) => t.incarnation === 1).map((t) => t.tag)).toEqual(
      Array.from({ length: 10 }, (_, i) => `inc1-t${i + 1}`),
    );
    expect(fired1.filter((t) => t.incarnation === 1).every((t) => t.timeUs < 1_050)).toBe(true);
    // Incarnation 2 fired all of its own 20, none of incarnation 1's.
    expect(fired1.filter((t) => t.incarnation === 2).map((t) => t.tag)).toEqual(
      Array.from({ length: 20 }, (_, i) => `inc2-t${i + 1}`),
    );
    expect(h.timers.filter((t) => t.node === 2).length).toBe(21);
    expect(h.sim.pending()).toBe(0);
  });

  it('property: a timer fires exactly once iff it was neither cancelled nor outlived by its incarnation', () => {
    // Step times are even and timer due times odd, so no timer is due at a fault's instant.
    const stepArb = fc.record({
      atUs: fc.integer({ min: 0, max: 5_000 }).map((t) => 2 * t),
      node: fc.integer({ min: 0, max: 2 }),
      what: fc.constantFrom('crash', 'power-loss', 'shutdown', 'start', 'timer', 'timer', 'cancel'),
      pick: fc.nat(),
      delayUs: fc.integer({ min: 0, max: 1_500 }).map((d) => 2 * d + 1),
    });
    fc.assert(
      fc.property(fc.array(stepArb, { maxLength: 80 }), (steps) => {
        const h = new Harness({ seed: 1 }, [0, 1, 2]).startAll();
        interface SetTimer {
          tag: string;
          node: number;
          incarnation: number;
          dueUs: number;
          handle: number;
          cancelled: boolean;
        }
        const set: SetTimer[] = [];
        /** node → incarnation → time it ended. */
        const ended = new Map<string, number>();
        for (const s of steps) {
          h.sim.at(s.atUs, s.what, () => {
            const up = h.sim.isUp(s.node);
            const ctx = h.ctx.get(s.node)!;
            if (s.what === 'start') {
              if (!up) h.sim.start(s.node);
              return;
            }
            if (s.what === 'power-loss') {
              if (up) ended.set(`${s.node}/${ctx.incarnation}`, h.sim.now());
              h.sim.powerLoss(s.node);
              return;
            }
            if (!up) return;
            if (s.what === 'crash' || s.what === 'shutdown') {
              ended.set(`${s.node}/${ctx.incarnation}`, h.sim.now());
              if (s.what === 'crash') h.sim.crash(s.node);
              else h.sim.shutdown(s.node);
            } else if (s.what === 'timer') {
              const tag = `n${s.node}/i${ctx.incarnation}/#${set.length}`;
              const handle = ctx.setTimer(s.delayUs, tag);
              set.push({
                tag,
                node: s.node,
                incarnation: ctx.incarnation,
                dueUs: h.sim.now() + s.delayUs,
                handle,
                cancelled: false,
              });
            } else if (set.length > 0) {
              // Cancel some timer through this node's live context: only its own live timers are affected.
              const victim = set[s.pick % set.length];
              const affects =
                victim.node === s.node && victim.incarnation === ctx.incarnation && victim.dueUs > h.sim.now();
              ctx.cancelTimer(victim.handle);
              if (affects) victim.cancelled = true;
            }
          });
        }
        h.sim.run();
        const fired = new Map(h.timers.map((t) => [String(t.tag), t]));
        expect(fired.size).toBe(h.timers.length); // nothing fired twice
        for (const t of set) {
          const end = ended.get(`${t.node}/${t.incarnation}`);
          const shouldFire = !t.cancelled && (end === undefined || t.dueUs < end);
          const got = fired.get(t.tag);
          expect(got !== undefined, `${t.tag} due ${t.dueUs}, ended ${end}, cancelled ${t.cancelled}`).toBe(shouldFire);
          if (got !== undefined) {
            expect(got.timeUs).toBe(t.dueUs);
            expect(got.incarnation).toBe(t.incarnation); // delivered to the incarnation that set it
          }
        }
        expect(h.sim.pending()).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('a cancelled timer never fires, and a timer of a dead incarnation cannot be cancelled into a live one', () => {
    const h = new Harness({ seed: 1 }, [1]).startAll();
    const first = h.ctx.get(1)!;
    const stale = first.setTimer(1_000, 'old');
    h.sim.crash(1);
    h.sim.start(1);
    const second = h.ctx.get(1)!;
    const kept = second.setTimer(1_000, 'new');
    first.cancelTimer(kept); // the dead context cannot touch the new incarnation's timers
    second.cancelTimer(stale); // nor the other way around (that timer is gone anyway)
    const dropped = second.setTimer(500, 'cancelled');
    second.cancelTimer(dropped);
    h.sim.run();
    expect(h.timers.map((t) => [t.tag, t.incarnation])).toEqual([['new', 2]]);
  });
});

describe('a restarted node is a fresh incarnation', () => {
  it('its predecessor context is dead: send, setTimer and emit do nothing', () => {
    const probes: unknown[] = [];
    const h = new Harness({ seed: 1, defaultLatency: { kind: 'constant', us: 10 } }, [1, 2]).startAll();
    h.sim.onProbe((node, ev) => probes.push([node, ev.kind]));
    const old = h.ctx.get(1)!;
    h.sim.crash(1);
    h.sim.start(1);
    expect(old.incarnation).toBe(1);
    expect(h.ctx.get(1)!.incarnation).toBe(2);
    old.send(2, { type: 'zombie' });
    expect(old.setTimer(5, 'zombie')).toBe(-1);
    old.emit({ kind: 'zombie' });
    h.ctx.get(1)!.emit({ kind: 'alive' });
    h.sim.run();
    expect(h.received).toEqual([]);
    expect(h.timers).toEqual([]);
    expect(probes).toEqual([[1, 'alive']]);
  });

  it('its random stream continues across restarts rather than starting over', () => {
    const draws: number[][] = [];
    const h = new Harness({ seed: 9 }, [1], () => ({
      onStart: (ctx) => draws.push([ctx.rng.next(), ctx.rng.next()]),
    })).startAll();
    h.sim.crash(1);
    h.sim.start(1);
    const reference = new Simulation({ seed: 9 }).rng('node:1');
    expect(draws).toEqual([
      [reference.next(), reference.next()],
      [reference.next(), reference.next()],
    ]);
    expect(h.sim.rng('node:1')).toBe(h.ctx.get(1)!.rng);
  });

  it('reports every transition in order, and refuses impossible ones', () => {
    const h = new Harness({ seed: 1 }, [1]);
    const seen: string[] = [];
    h.sim.onNodeTransition((node, t) => seen.push(`${node}:${t}`));
    h.sim.start(1);
    expect(() => h.sim.start(1)).toThrow(/already up/);
    h.sim.crash(1);
    expect(() => h.sim.crash(1)).toThrow(/already down/);
    expect(() => h.sim.shutdown(1)).toThrow(/already down/);
    h.sim.start(1);
    h.sim.powerLoss(1, { tornTail: true });
    h.sim.start(1);
    h.sim.shutdown(1);
    expect(seen).toEqual(['1:start', '1:crash', '1:restart', '1:power-loss', '1:restart', '1:shutdown']);
    expect(h.sim.actor(1)).toBeUndefined();
  });
});

describe('state changes from inside a handler', () => {
  type Attempt = (sim: Simulation, self: number) => void;
  const attempts: Array<[string, Attempt]> = [
    ['crash', (sim, self) => sim.crash(self)],
    ['powerLoss', (sim, self) => sim.powerLoss(self)],
    ['shutdown', (sim, self) => sim.shutdown(self)],
    ['start', (sim, self) => sim.start(self)],
  ];

  it.each(attempts)('%s of the node whose message handler runs throws', (_name, attempt) => {
    let sim!: Simulation;
    let caught: unknown;
    const h = new Harness({ seed: 1 }, [1, 2], () => ({
      onMessage: () => {
        try {
          attempt(sim, 2);
        } catch (e) {
          caught = e;
        }
      },
    }));
    sim = h.sim;
    h.startAll();
    h.sendAt(0, 1, 2, { type: 'go' });
    h.sim.run();
    expect(String(caught)).toMatch(/from inside its own handler/);
    expect(h.sim.isUp(2)).toBe(true);
  });

  it.each(attempts)('%s of the node whose timer handler runs throws', (_name, attempt) => {
    let sim!: Simulation;
    const h = new Harness({ seed: 1 }, [1], () => ({
      onStart: (ctx) => ctx.setTimer(10, 't'),
      onTimer: () => attempt(sim, 1),
    }));
    sim = h.sim;
    h.startAll();
    expect(() => h.sim.run()).toThrow(/from inside its own handler/);
  });

  it('throws from the node factory (recovery) and from onShutdown', () => {
    const sim = new Simulation({ seed: 1 });
    sim.addNode({
      id: 1,
      name: 'selfish',
      factory: () => {
        sim.crash(1);
        return { onMessage() {}, onTimer() {} };
      },
    });
    expect(() => sim.start(1)).toThrow(/from inside its own handler/);
    const sim2 = new Simulation({ seed: 1 });
    sim2.addNode({
      id: 1,
      name: 'n',
      factory: () => ({ onMessage() {}, onTimer() {}, onShutdown: () => sim2.crash(1) }),
    });
    sim2.start(1);
    expect(() => sim2.shutdown(1)).toThrow(/from inside its own handler/);
  });

  it('a probe listener may fault other nodes, but not the node that emitted', () => {
    const h = new Harness({ seed: 1 }, [1, 2, 3], (id) => ({
      onMessage: (ctx) => (id === 1 ? ctx.emit({ kind: 'poke' }) : undefined),
    })).startAll();
    const outcomes: string[] = [];
    h.sim.onProbe((node) => {
      h.sim.shutdown(2); // another node: allowed, and must not hide who is running
      h.sim.crash(3);
      try {
        h.sim.crash(node);
        outcomes.push('crashed itself');
      } catch (e) {
        outcomes.push(String(e).includes('own handler') ? 'refused' : String(e));
      }
      h.sim.at(h.sim.now(), 'later', () => h.sim.crash(node)); // the supported way
    });
    h.sendAt(0, 2, 1, { type: 'go' });
    h.sim.run();
    expect(outcomes).toEqual(['refused']);
    expect([1, 2, 3].map((id) => h.sim.isUp(id))).toEqual([false, false, false]);
  });

  it('driver code and other nodes may change any node at any time', () => {
    let ctx1: NodeContext | undefined;
    const h = new Harness({ seed: 1 }, [1, 2], (id) => ({
      onStart: (ctx) => {
        if (id === 1) ctx1 = ctx;
      },
    })).startAll();
    h.sim.at(5, 'crash 1', () => h.sim.crash(1));
    h.sim.run();
    expect(h.sim.isUp(1)).toBe(false);
    expect(ctx1?.incarnation).toBe(1);
  });
});
