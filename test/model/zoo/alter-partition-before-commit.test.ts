// Bug zoo: alter-partition-before-commit (an active KRaft controller acting on an uncommitted
// record: it answers AlterPartition before the quorum commits the change). Schedule (3
// controller voters, RF 3, min.insync.replicas 2, replica.lag.time.max.ms 4 s): follower Y is
// cut off from the leader L. When L sends the AlterPartition that shrinks the ISR to {L, F},
// the active controller is cut off from the other voters. The variant answers at once: L takes
// ISR {L, F} and acknowledges records Y never gets; the record never commits, the controller
// resigns (check quorum) and the new one still has ISR {L, F, Y}. L and F are killed: the new
// controller fences them and elects Y, which lacks the acknowledged records. The correct
// controller answers only after the commit (here: never — it renounces and answers
// NOT_CONTROLLER), so L acknowledges nothing until the new controller has committed the shrink.
// Caught by: acked-durable.

import { describe, expect, it } from 'vitest';
import { onceOnProbe, othersThan, runSchedule, type Schedule } from './harness.ts';

const schedule: Schedule = (c) => {
  const l = c.state().leader;
  const [f, y] = othersThan(c, l);
  c.produceAndWait(l, ['c0']);
  c.sim.network.cut({ kind: 'link', a: l, b: y });
  onceOnProbe(
    c,
    (_node, e) => e.kind === 'alter-partition-sent' && (e.isr as number[]).length === 2,
    () => {
      const active = c.activeControllerId();
      if (active === undefined) return;
      for (const v of c.controllerIds) if (v !== active) c.sim.network.cut({ kind: 'link', a: active, b: v });
    },
  );
  c.runUntil(() => c.replica(l).isr.length === 2, 30_000_000);
  for (let i = 0; i < 3; i++) c.produce(l, [`d${i}`], { timeoutMs: 60_000 });
  c.runFor(10_000_000);
  c.sim.crash(l);
  c.sim.crash(f);
  c.runUntil(() => c.leaderReady(l), 40_000_000);
  c.runFor(2_000_000);
};

const opts = { controllers: 3, config: { 'replica.lag.time.max.ms': 4_000 } };

describe('zoo: alter-partition-before-commit', () => {
  it('the variant lets the leader act on an ISR change that is then lost with the controller', () => {
    const out = runSchedule('alter-partition-before-commit', opts, schedule);
    expect(out.kinds).toContain('acked-durable');
  });

  it('the correct controller answers only committed changes and nothing acknowledged is lost', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
  });
});
