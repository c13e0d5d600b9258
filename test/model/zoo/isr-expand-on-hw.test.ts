// Bug zoo: isr-expand-on-hw (undoes the KAFKA-7128 fix). A follower joins the ISR once its
// LEO reaches the leader's HW, even when a freshly elected leader's HW is stale (below the
// start offset of its epoch) — the fix also demands LEO ≥ the epoch's start offset.
// Schedule (RF 3, min.insync.replicas 2, replica.lag.time.max.ms 5 s): m0 commits on all
// three; C is cut off and dropped from the ISR, which lets m1 commit on {A, B}; A is killed
// at that acknowledgement, so B (HW 1, LEO 2) is elected in epoch 2. C (LEO 1) follows B: the
// variant adds it to the ISR at LEO 1 ≥ HW 1; the fetch answer carrying m1 is lost (a cut
// triggered by the AlterPartition); B is killed; C, the only ISR member, leads without m1.
// Caught by: candidate-complete (C in the ISR below the true HW 2), then acked-durable.

import { describe, expect, it } from 'vitest';
import { onceOnProbe, othersThan, runSchedule, type Schedule } from './harness.ts';

const opts = { config: { 'replica.lag.time.max.ms': 5_000 } };

const schedule: Schedule = (c) => {
  const a = c.state().leader;
  c.produceAndWait(a, ['m0']);
  c.runFor(1_000_000);
  const [b, cc] = othersThan(c, a);
  const cutAC = c.sim.network.cut({ kind: 'link', a, b: cc });
  const cutBC = c.sim.network.cut({ kind: 'link', a: b, b: cc });
  c.produceAndWait(a, ['m1']); // commits once C leaves the ISR
  c.sim.crash(a); // at that acknowledgement: B still has HW 1
  // When B proposes C for the ISR, lose the fetch answer that carries m1 to C.
  onceOnProbe(
    c,
    (node, e) => e.kind === 'alter-partition-sent' && node === b && (e.isr as number[]).includes(cc),
    () => c.sim.network.cut({ kind: 'link', a: b, b: cc }),
  );
  c.sim.network.heal(cutAC);
  c.sim.network.heal(cutBC);
  c.runUntil(() => c.leaderReady(a), 30_000_000);
  c.runFor(3_000_000);
  c.sim.crash(b);
  c.runUntil(() => c.leaderReady(b), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: isr-expand-on-hw', () => {
  it('the variant puts a replica without a committed record in the ISR and elects it', () => {
    const out = runSchedule('isr-expand-on-hw', opts, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
    expect(out.anomalies.find((a) => a.kind === 'acked-durable')!.values).toEqual(['m1']);
  });

  it('the correct model survives the same schedule', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    expect(c.logOf(c.state().leader).map(([, , v]) => v)).toEqual(['m0', 'm1']);
  });
});
