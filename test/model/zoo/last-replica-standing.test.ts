// Bug zoo: last-replica-standing (undoes KIP-966's empty ISR). The controller never lets an
// ISR become empty: its last member stays in it, even after a power loss took its data.
// Schedule (RF 3, min.insync.replicas 2, replica.lag.time.max.ms 5 s): five records commit
// on all three; a cut drops follower A from the ISR and a sixth commits on {L, B}; another
// cut drops B (the ISR is {L}, B joins the ELR, the HW stops). L loses power and with it its
// unflushed log (the default flush policy never fsyncs). The variant keeps {L} as the ISR, so
// when L comes back it is elected with an empty log and the followers truncate to it; the
// correct model elects B from the ELR at once.
// Caught by: candidate-complete (L in the ISR with LEO 0), then acked-durable.

import { describe, expect, it } from 'vitest';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const opts = { config: { 'replica.lag.time.max.ms': 5_000 } };

const schedule: Schedule = (c) => {
  const l = c.state().leader;
  const [a, b] = othersThan(c, l);
  for (let i = 0; i < 5; i++) c.produceAndWait(l, [`c${i}`]);
  const cutA = c.sim.network.cut({ kind: 'link', a: l, b: a });
  c.produceAndWait(l, ['d0']); // commits on {L, B} once A is out
  const cutB = c.sim.network.cut({ kind: 'link', a: l, b });
  c.produceAndWait(l, ['e0'], { acks: 1 });
  c.runUntil(() => c.state().isr.length === 1, 30_000_000);
  c.sim.powerLoss(l);
  c.runFor(12_000_000);
  c.sim.network.heal(cutA);
  c.sim.network.heal(cutB);
  c.sim.start(l);
  c.runUntil(() => c.settled(), 60_000_000);
  c.runFor(5_000_000);
};

describe('zoo: last-replica-standing', () => {
  it('the variant re-elects the power-lost last ISR member and loses committed records', () => {
    const out = runSchedule('last-replica-standing', opts, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
    const lost = out.anomalies.filter((a) => a.kind === 'acked-durable').map((a) => a.values![0]);
    expect(lost).toContain('c0');
  });

  it('the correct model elects the ELR member and keeps everything acknowledged', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    expect(
      c
        .logOf(c.state().leader)
        .map(([, , v]) => v)
        .slice(0, 6),
    ).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'd0']);
  });
});
