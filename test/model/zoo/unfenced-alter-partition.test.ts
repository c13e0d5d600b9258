// Bug zoo: unfenced-alter-partition (undoes the partition-epoch fence of AlterPartition, the
// zkVersion check of ZooKeeper days). The controller applies an ISR proposal computed from an
// outdated view of the partition, undoing its own later decisions.
// Schedule (RF 3, min.insync.replicas 2, defaults otherwise): records commit on all three and
// are written back to disk; Y is cut off and leaves the ISR ({L, F}, partition epoch 2); d0
// commits on {L, F}, where it is not yet written back (30 s). L stops
// hearing from the controller (a one-way cut controller → L: its heartbeats still arrive, no
// metadata does), so it keeps the view {L, F} at epoch 2. F loses power (losing d0, not yet written back), restarts,
// is removed from the ISR by the controller (fenced, then an unclean registration) and, unable
// to receive from L, fetches from offset 0 (L records its new broker epoch). Y's cut heals; Y
// catches up and L proposes {L, F, Y} at partition epoch 2. The variant's controller applies
// it, putting F, without d0, back into the ISR; L and Y are killed and F is elected.
// Caught by: candidate-complete (F in the ISR without d0), then acked-durable.

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const schedule: Schedule = (c) => {
  const l = c.state().leader;
  const [f, y] = othersThan(c, l);
  for (let i = 0; i < 5; i++) c.produceAndWait(l, [`c${i}`]);
  const cutY = c.sim.network.cut({ kind: 'link', a: l, b: y });
  c.runUntil(() => c.replica(l).isr.length === 2, 60_000_000); // Y leaves the ISR
  c.runFor(5_000_000); // by now the flusher has written c0..c4 back (30 s after the writes)
  c.produceAndWait(l, ['d0']); // commits on {L, F}
  c.sim.network.cut({ kind: 'one-way', from: [CONTROLLER_ID], to: [l] });
  c.sim.powerLoss(f);
  c.sim.network.cut({ kind: 'one-way', from: [l], to: [f] });
  c.sim.start(f);
  c.runFor(15_000_000);
  c.sim.network.heal(cutY);
  c.runUntil(
    () =>
      c
        .probesOf('alter-partition-applied')
        .some((p) => (p.e.isr as number[]).includes(y) && (p.e.isr as number[]).length === 3),
    40_000_000,
  );
  c.sim.crash(l);
  c.sim.crash(y);
  c.runUntil(() => c.leaderReady(l), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: unfenced-alter-partition', () => {
  it('the variant applies a stale ISR proposal that re-adds an empty replica, then elects it', () => {
    const out = runSchedule('unfenced-alter-partition', {}, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
  });

  it('the correct model refuses the stale proposal (INVALID_UPDATE_VERSION) and loses nothing', () => {
    const out = runSchedule('correct', {}, schedule);
    expect(out.anomalies).toEqual([]);
    const applied = out.cluster.probesOf('alter-partition-applied').filter((p) => (p.e.isr as number[]).length === 3);
    expect(applied.map((p) => p.e.accepted)).toEqual([false]);
  });
});
