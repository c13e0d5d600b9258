// Bug zoo: no-check-quorum (the rule before KAFKA-15489's fix: a KRaft leader never resigns
// on its own). Schedule (3 controller voters): the active controller is cut off from the two
// other voters for 12 s while the brokers still reach it. The others elect a new leader after
// their fetch timeout; the correct leader, having had no Fetch from a majority within
// 1.5 × controller.quorum.fetch.timeout.ms (3 s), resigns and renounces, and the brokers find
// the new active controller. The variant's leader stays: its observers keep fetching the
// stale metadata log from it and send their heartbeats to a controller that can commit
// nothing. Caught by: raft-stale-leader.

import { describe, expect, it } from 'vitest';
import { runSchedule, type Schedule } from './harness.ts';

let firstActive = -1;
const schedule: Schedule = (c) => {
  c.produceAndWait(c.state().leader, ['a']);
  const active = c.activeControllerId()!;
  firstActive = active;
  const others = c.controllerIds.filter((v) => v !== active);
  const cuts = others.map((v) => c.sim.network.cut({ kind: 'link', a: active, b: v }));
  c.runFor(12_000_000);
  for (const cut of cuts) c.sim.network.heal(cut);
  c.runUntil(() => c.settled(), 30_000_000);
  c.produceAndWait(c.state().leader, ['b']);
};

describe('zoo: no-check-quorum', () => {
  it('the variant leader keeps leading without a quorum', () => {
    const out = runSchedule('no-check-quorum', { controllers: 3 }, schedule);
    expect(out.kinds).toContain('raft-stale-leader');
  });

  it('the correct leader resigns after the check-quorum timeout and another voter takes over', () => {
    const out = runSchedule('correct', { controllers: 3 }, schedule);
    expect(out.anomalies).toEqual([]);
    const now = out.cluster.activeControllerId();
    expect(now).toBeDefined();
    expect(now).not.toBe(firstActive);
  });
});
