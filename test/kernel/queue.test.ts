// The event queue and the clock: total order by (time, scheduling sequence), time never
// goes backwards, run limits, cancellation by handle (also after pooled events are reused),
// timer validation, re-entrancy.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Simulation } from '../../harness/index.ts';
import { Harness } from './helpers.ts';

describe('event order', () => {
  it('runs events by (time, scheduling order), never moving time backwards', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 200 }), (times) => {
        const sim = new Simulation({ seed: 1 });
        const ran: Array<{ i: number; t: number; now: number }> = [];
        times.forEach((t, i) => sim.at(t, `e${i}`, () => ran.push({ i, t, now: sim.now() })));
        expect(sim.run()).toBe('idle');
        const expected = times.map((t, i) => ({ i, t })).sort((a, b) => a.t - b.t || a.i - b.i);
        expect(ran.map((r) => r.i)).toEqual(expected.map((e) => e.i));
        for (const r of ran) expect(r.now).toBe(r.t);
        expect(sim.eventCount).toBe(times.length);
      }),
      { numRuns: 200 },
    );
  });

  it('orders events scheduled from inside events, and clamps a time in the past to now', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: string[] = [];
    sim.at(100, 'a', () => {
      ran.push(`a@${sim.now()}`);
      sim.at(50, 'past', () => ran.push(`past@${sim.now()}`)); // clamped to 100, after 'b' (scheduled earlier)
      sim.at(100, 'same', () => ran.push(`same@${sim.now()}`));
    });
    sim.at(100, 'b', () => ran.push(`b@${sim.now()}`));
    sim.run();
    expect(ran).toEqual(['a@100', 'b@100', 'past@100', 'same@100']);
  });

  it('keeps heap order through random schedules and cancellations', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ t: fc.integer({ min: 0, max: 1000 }), cancel: fc.boolean() }), { maxLength: 300 }),
        (items) => {
          const sim = new Simulation({ seed: 2 });
          const ran: number[] = [];
          const handles = items.map((item, i) => sim.at(item.t, `e${i}`, () => ran.push(i)));
          items.forEach((item, i) => item.cancel && sim.cancel(handles[i]));
          sim.run();
          const expected = items
            .map((item, i) => ({ ...item, i }))
            .filter((x) => !x.cancel)
            .sort((a, b) => a.t - b.t || a.i - b.i)
            .map((x) => x.i);
          expect(ran).toEqual(expected);
          expect(sim.pending()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
  it('keeps heap order when a node going down takes its timers out of the middle of the queue', () => {
    // Timers of three nodes and driver events, some cancelled; one node crashes. The crash is
    // scheduled first, so it runs before anything else due at its instant. What fires must be
    // every live item in (time, scheduling order), less the crashed node's timers from then on.
    const item = fc.record({
      node: fc.integer({ min: 0, max: 3 }), // 0: a driver event; 1..3: a timer of that node
      t: fc.integer({ min: 0, max: 400 }),
      cancel: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(item, { maxLength: 400 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 0, max: 400 }),
        (items, victim, crashAtUs) => {
          const fired: number[] = [];
          const h = new Harness({ seed: 3 }, [1, 2, 3], () => ({
            onTimer: (_ctx, tag) => fired.push(tag as number),
          })).startAll();
          h.sim.at(crashAtUs, 'crash', () => h.sim.crash(victim));
          const handles = items.map((x, i) =>
            x.node === 0 ? h.sim.at(x.t, `e${i}`, () => fired.push(i)) : h.ctx.get(x.node)!.setTimer(x.t, i),
          );
          items.forEach((x, i) => {
            if (!x.cancel) return;
            if (x.node === 0) h.sim.cancel(handles[i]);
            else h.ctx.get(x.node)!.cancelTimer(handles[i]);
          });
          h.sim.run();
          const expected = items
            .map((x, i) => ({ ...x, i }))
            .filter((x) => !x.cancel && !(x.node === victim && x.t >= crashAtUs))
            .sort((a, b) => a.t - b.t || a.i - b.i)
            .map((x) => x.i);
          expect(fired).toEqual(expected);
          expect(h.sim.pending()).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('cancellation handles', () => {
  it('a handle of an event that already ran cancels nothing, even when its pooled object is reused', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: string[] = [];
    const first = sim.at(10, 'first', () => ran.push('first'));
    sim.run();
    const second = sim.at(20, 'second', () => ran.push('second')); // reuses the pooled event
    expect(second).not.toBe(first);
    sim.cancel(first);
    sim.run();
    expect(ran).toEqual(['first', 'second']);
  });

  it('a timer handle cancels only its own timer, and only in its own incarnation', () => {
    const h = new Harness({ seed: 1 }, [1, 2]).startAll();
    const c1 = h.ctx.get(1)!;
    const c2 = h.ctx.get(2)!;
    const a = c1.setTimer(100, 'a');
    c1.setTimer(100, 'b');
    c2.cancelTimer(a); // another node's handle: ignored
    h.sim.run({ untilUs: 50 });
    c1.cancelTimer(a);
    c1.cancelTimer(a); // twice is harmless
    c1.cancelTimer(-1);
    c1.cancelTimer(123456789);
    h.sim.run();
    expect(h.timers.map((t) => t.tag)).toEqual(['b']);
  });

  it('cancelling an external event from inside another event at the same time', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: string[] = [];
    let later = -1;
    sim.at(5, 'canceller', () => sim.cancel(later));
    later = sim.at(5, 'victim', () => ran.push('victim'));
    sim.run();
    expect(ran).toEqual([]);
  });
});

describe('run limits', () => {
  it('stops at untilUs with the clock at untilUs, and resumes', () => {
    const sim = new Simulation({ seed: 1 });
    const ran: number[] = [];
    for (const t of [10, 20, 30]) sim.at(t, `t${t}`, () => ran.push(t));
    expect(sim.run({ untilUs: 25 })).toBe('time');
    expect(sim.now()).toBe(25);
    expect(ran).toEqual([10, 20]);
    expect(sim.run({ untilUs: 5 })).toBe('time'); // a limit in the past never moves time back
    expect(sim.now()).toBe(25);
    expect(sim.run({ untilUs: 100 })).toBe('idle');
    expect(sim.now()).toBe(100);
    expect(ran).toEqual([10, 20, 30]);
  });

  it('stops after maxEvents and when stopWhen says so', () => {
    const sim = new Simulation({ seed: 1 });
    let count = 0;
    for (let t = 0; t < 10; t++) sim.at(t, 'tick', () => count++);
    expect(sim.run({ maxEvents: 3 })).toBe('events');
    expect(count).toBe(3);
    expect(sim.run({ stopWhen: () => count === 7 })).toBe('stopped');
    expect(count).toBe(7);
    expect(sim.run()).toBe('idle');
    expect(count).toBe(10);
  });

  it('cannot be re-entered from inside an event', () => {
    const sim = new Simulation({ seed: 1 });
    sim.at(1, 'reenter', () => sim.run());
    expect(() => sim.run()).toThrow(/already running/);
  });
});

describe('validation', () => {
  it('rejects non-integer or negative times and delays', () => {
    const sim = new Simulation({ seed: 1 });
    expect(() => sim.at(1.5, 'x', () => {})).toThrow(/integer/);
    const h = new Harness({ seed: 1 }, [1]).startAll();
    const ctx = h.ctx.get(1)!;
    expect(() => ctx.setTimer(-1, 'x')).toThrow(/non-negative integer/);
    expect(() => ctx.setTimer(0.5, 'x')).toThrow(/non-negative integer/);
    expect(() => new Simulation({ seed: 0.5 })).toThrow(/safe integer/);
  });

  it('rejects duplicate and unknown nodes', () => {
    const h = new Harness({ seed: 1 }, [1]);
    expect(() => h.sim.addNode({ id: 1, name: 'again', factory: () => ({ onMessage() {}, onTimer() {} }) })).toThrow(
      /already exists/,
    );
    expect(() => h.sim.start(9)).toThrow(/unknown node/);
    h.startAll();
    expect(() => h.ctx.get(1)!.send(9, { type: 'x' })).toThrow(/unknown node 9/);
  });
});

describe('hash', () => {
  const schedule = (seed: number, label: string, t: number): string => {
    const sim = new Simulation({ seed });
    sim.at(10, 'a', () => {});
    sim.at(t, label, () => {});
    sim.run();
    return sim.hash();
  };

  it('is a function of the seed and of every event header', () => {
    const base = schedule(1, 'b', 20);
    expect(schedule(1, 'b', 20)).toBe(base);
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(schedule(2, 'b', 20)).not.toBe(base);
    expect(schedule(1, 'c', 20)).not.toBe(base);
    expect(schedule(1, 'b', 21)).not.toBe(base);
  });

  it('distinguishes label order even though labels are interned', () => {
    const run = (labels: string[]): string => {
      const sim = new Simulation({ seed: 1 });
      labels.forEach((l, i) => sim.at(i, l, () => {}));
      sim.run();
      return sim.hash();
    };
    expect(run(['ping', 'pong', 'ping'])).not.toBe(run(['pong', 'ping', 'pong']));
    expect(run(['ping', 'pong'])).not.toBe(run(['pong', 'ping']));
  });

  it('stays order-sensitive past the intern table with labels unique per event', () => {
    const unique = Array.from({ length: 5_000 }, (_, i) => `timer-${i}`);
    const run = (labels: string[]): string => {
      const sim = new Simulation({ seed: 1 });
      labels.forEach((l, i) => sim.at(i, l, () => {}));
      sim.run();
      return sim.hash();
    };
    const swapped = [...unique];
    [swapped[4_500], swapped[4_501]] = [swapped[4_501], swapped[4_500]];
    expect(run(unique)).toBe(run([...unique]));
    expect(run(swapped)).not.toBe(run(unique));
  });
});
