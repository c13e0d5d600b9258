// Connection resets and hung processes (harness/network.ts, harness/simulation.ts): a dead
// process's peers hear of it one latency later (never for a power loss or across a cut), a
// send to a down process is refused, and a paused node runs nothing until it resumes, then
// runs what waited in order, its timers late.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Harness } from './helpers.ts';

const LATENCY = { kind: 'constant', us: 100 } as const;

/** Nodes 1, 2, 3; 2 and 3 have talked to 1 by t=1000 (open connections), 3 never to 2. */
function talking(seed = 1): Harness {
  const h = new Harness({ seed, defaultLatency: LATENCY }, [1, 2, 3]).startAll();
  h.sendAt(500, 2, 1, { type: 'hello' });
  h.sendAt(600, 1, 3, { type: 'hello' });
  return h;
}

describe('connection resets', () => {
  for (const how of ['crash', 'shutdown'] as const) {
    it(`a ${how} tells each peer with an open connection, one latency later`, () => {
      const h = talking();
      h.sim.at(1_000, 'down', () => h.sim[how](1));
      h.sim.run();
      expect(h.disconnects).toEqual([
        { node: 2, peer: 1, timeUs: 1_100 },
        { node: 3, peer: 1, timeUs: 1_100 },
      ]);
    });
  }

  it('tells no peer without an open connection, and nobody of a power loss', () => {
    const h = talking();
    h.sim.at(1_000, 'down', () => h.sim.crash(2));
    h.sim.run();
    expect(h.disconnects).toEqual([{ node: 1, peer: 2, timeUs: 1_100 }]);
    const p = talking();
    p.sim.at(1_000, 'power', () => p.sim.powerLoss(1));
    p.sim.run();
    expect(p.disconnects).toEqual([]);
  });

  it('tells nobody across a cut, and in-flight messages to and from the dead node are dropped', () => {
    const h = talking();
    h.sim.at(900, 'cut', () => h.sim.network.cut({ kind: 'link', a: 1, b: 2 }));
    h.sendAt(950, 3, 1, { type: 'late' });
    h.sendAt(950, 1, 3, { type: 'late' });
    h.sim.at(1_000, 'down', () => h.sim.crash(1));
    h.sim.run();
    expect(h.disconnects).toEqual([{ node: 3, peer: 1, timeUs: 1_100 }]);
    expect(h.received.filter((r) => r.msg.type === 'late')).toEqual([]);
  });

  it('a send to a crashed process is refused: the sender hears it one round trip later, once per link', () => {
    const h = talking();
    h.sim.at(1_000, 'down', () => h.sim.crash(1));
    h.sendAt(2_000, 2, 1, { type: 'retry' });
    h.sendAt(2_010, 2, 1, { type: 'retry' });
    h.sendAt(3_000, 2, 1, { type: 'again' });
    h.sim.run();
    expect(h.disconnects.filter((d) => d.node === 2)).toEqual([
      { node: 2, peer: 1, timeUs: 1_100 },
      { node: 2, peer: 1, timeUs: 2_200 },
      { node: 2, peer: 1, timeUs: 3_200 },
    ]);
  });

  it('a send to a powered-off machine is not refused (the sender waits for its timeout)', () => {
    const h = talking();
    h.sim.at(1_000, 'power', () => h.sim.powerLoss(1));
    h.sendAt(2_000, 2, 1, { type: 'retry' });
    h.sim.run();
    expect(h.disconnects).toEqual([]);
  });

  it('a notification due to a node that went down meanwhile is dropped', () => {
    const h = talking();
    h.sim.at(1_000, 'down', () => h.sim.crash(1));
    h.sim.at(1_050, 'down too', () => h.sim.crash(2));
    h.sim.run();
    expect(h.disconnects).toEqual([{ node: 3, peer: 1, timeUs: 1_100 }]);
  });
});

describe('paused (hung) nodes', () => {
  it('run nothing while paused, then what waited in order, timers late; peers hear nothing', () => {
    const h = new Harness({ seed: 3, defaultLatency: LATENCY }, [1, 2], (id) => ({
      onStart: (ctx) => {
        if (id === 1) ctx.setTimer(1_500, 'tick');
      },
    })).startAll();
    h.sim.at(1_000, 'pause', () => h.sim.pause(1));
    for (let i = 0; i < 5; i++) h.sendAt(1_100 + i, 2, 1, { type: 'm', i });
    h.sim.at(5_000, 'resume', () => h.sim.resume(1));
    h.sendAt(4_900, 2, 1, { type: 'm', i: 5 });
    h.sim.run();
    const got = h.receivedBy(1);
    expect(got.map((r) => r.msg.i)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(got.every((r) => r.timeUs === 5_000)).toBe(true);
    expect(h.timers).toEqual([{ node: 1, tag: 'tick', timeUs: 5_000, incarnation: 1 }]);
    expect(h.disconnects).toEqual([]);
  });

  it('a paused node that crashes drops what waited; its peers hear of the crash', () => {
    const h = talking();
    h.sim.at(1_000, 'pause', () => h.sim.pause(1));
    h.sendAt(1_100, 2, 1, { type: 'waiting' });
    h.sim.at(2_000, 'crash', () => h.sim.crash(1));
    h.sim.at(3_000, 'start', () => h.sim.start(1));
    h.sim.run();
    expect(h.received.filter((r) => r.msg.type === 'waiting')).toEqual([]);
    expect(h.disconnects.map((d) => `${d.node}@${d.timeUs}`)).toEqual(['2@2100', '3@2100']);
    expect(h.sim.isPaused(1)).toBe(false);
  });

  it('keep per-connection FIFO across any pause/resume schedule', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 0, max: 2_000 })), { maxLength: 4 }),
        (seed, sendTimes, pauses) => {
          const h = new Harness({ seed }, [1, 2]).startAll();
          sendTimes.forEach((t, i) => h.sendAt(t, 2, 1, { type: 'm', i }));
          for (const [at, forUs] of pauses) {
            h.sim.at(at, 'pause', () => {
              if (h.sim.isPaused(1)) return;
              h.sim.pause(1);
              h.sim.at(at + forUs, 'resume', () => h.sim.resume(1));
            });
          }
          h.sim.run();
          const order = sendTimes.map((t, i) => ({ t, i })).sort((a, b) => a.t - b.t || a.i - b.i);
          expect(h.receivedBy(1).map((r) => r.msg.i)).toEqual(order.map((o) => o.i));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuse to pause a down or paused node and to resume a running one', () => {
    const h = new Harness({ seed: 1 }, [1]).startAll();
    expect(() => h.sim.resume(1)).toThrow(/not paused/);
    h.sim.pause(1);
    expect(() => h.sim.pause(1)).toThrow(/already paused/);
    h.sim.crash(1);
    expect(() => h.sim.pause(1)).toThrow(/down/);
  });
});

describe('refusals and pauses together', () => {
  it('a refusal that waited for a paused sender which then crashed does not silence later refusals', () => {
    const h = talking();
    h.sim.at(1_000, 'down', () => h.sim.crash(1));
    h.sendAt(2_000, 2, 1, { type: 'retry' });
    h.sim.at(2_050, 'pause', () => h.sim.pause(2));
    h.sim.at(3_000, 'crash', () => h.sim.crash(2));
    h.sim.at(3_500, 'start', () => h.sim.start(2));
    h.sendAt(4_000, 2, 1, { type: 'again' });
    h.sim.run();
    expect(h.disconnects.filter((d) => d.node === 2).map((d) => d.timeUs)).toEqual([1_100, 4_200]);
  });
});
