// Bug zoo: hw-on-current-isr (undoes KIP-497's maximal ISR). The leader advances the HW over
// its committed ISR only, ignoring a replica it has proposed to add in an AlterPartition that
// is still in flight — which the controller may yet accept.
// Schedule (RF 3, min.insync.replicas 2, replica.lag.time.max.ms 5 s): records commit on all
// three; C is cut off and leaves the ISR; the cut heals, C catches up and the leader proposes C
// for the ISR, but that AlterPartition is lost (a momentary cut leader → controller triggered
// by it, so it is resent only after controller.socket.timeout.ms, 30 s) and C is cut off again.
// More sends: the variant commits and acknowledges them on {L, F} once C stops counting as
// caught up (the next write recomputes the HW); the correct model keeps C (in its maximal ISR)
// in the HW and they time out. The
// resent AlterPartition is accepted: C joins the ISR without those records. L is killed at that
// moment, then F.
// Caught by: candidate-complete (C in the ISR below the true HW), then acked-durable.

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import { onceOnProbe, othersThan, runSchedule, type Schedule } from './harness.ts';

const opts = { config: { 'replica.lag.time.max.ms': 5_000 } };

const schedule: Schedule = (c) => {
  const l = c.state().leader;
  const cc = othersThan(c, l)[1];
  for (let i = 0; i < 5; i++) c.produceAndWait(l, [`c${i}`]);
  const cut = c.sim.network.cut({ kind: 'link', a: l, b: cc });
  c.produceAndWait(l, ['d0']); // commits on {L, F} once C is out
  let proposed = false;
  onceOnProbe(
    c,
    (node, e) => e.kind === 'alter-partition-sent' && node === l && (e.isr as number[]).includes(cc),
    () => {
      proposed = true;
      const drop = c.sim.network.cut({ kind: 'one-way', from: [l], to: [CONTROLLER_ID] });
      c.sim.at(c.sim.now() + 1, 'heal', () => c.sim.network.heal(drop));
      c.sim.network.cut({ kind: 'link', a: l, b: cc });
    },
  );
  c.sim.network.heal(cut);
  c.runUntil(() => proposed, 60_000_000);
  for (let i = 0; i < 5; i++) c.produce(l, [`e${i}`], { timeoutMs: 25_000 });
  // Once C no longer counts as caught up, the next write lets the variant's HW move.
  c.runFor(6_000_000);
  c.produce(l, ['e5'], { timeoutMs: 25_000 });
  // The resent proposal is accepted; the leader dies before it can shrink C out again.
  c.runUntil(
    () =>
      c.probesOf('alter-partition-applied').some((p) => p.e.accepted === true && (p.e.isr as number[]).includes(cc)),
    60_000_000,
  );
  c.sim.crash(l);
  c.runUntil(() => c.leaderReady(l), 30_000_000);
  const next = c.state().leader;
  if (next > 0 && next !== cc) c.sim.crash(next);
  c.runUntil(() => c.leaderReady(next), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: hw-on-current-isr', () => {
  it('the variant acknowledges records that a replica joining the ISR lacks, then elects it', () => {
    const out = runSchedule('hw-on-current-isr', opts, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
    expect(out.anomalies.filter((a) => a.kind === 'acked-durable').map((a) => a.values![0])).toContain('e0');
  });

  it('the correct model keeps the proposed replica in the HW (maximal ISR): nothing acknowledged is lost', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    expect(out.cluster.acked.map((a) => a.value)).not.toContain('e0');
  });
});
