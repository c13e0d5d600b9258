// Bug zoo: kip-101 (undoes KIP-279). The answer to "where does my last epoch end?" is taken as
// a bare offset: the follower cuts its log there without checking which epoch the answer
// belongs to, and having truncated once, fetches by offset only (KAFKA-6361).
// Schedule (RF 3, min.insync.replicas 2): m0 commits on all three; C is isolated for good. The
// leader A is cut from B and writes m1 alone (acks=1), then loses the controller: B leads
// epoch 2 from the ISR and writes x1, x2 (acks=1). B loses the controller too; A comes back
// first and leads epoch 4 from the ELR, writing y. B returns and follows A with last fetched
// epoch 2, which A never had: A answers (epoch 1, end offset 2). The correct follower cuts to
// the end of its own epoch 1 (offset 1) and refetches m1; the variant cuts at 2 and keeps x1,
// then fetches y on top. B rejoins the ISR and the HW passes offset 1, where A holds m1 and B x1.
// Caught by: log-matching (two replicas disagree below both high watermarks).

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const schedule: Schedule = (c) => {
  const a = c.state().leader;
  const [b, cc] = othersThan(c, a);
  c.produceAndWait(a, ['m0']);
  c.runFor(1_000_000);
  c.sim.network.cut({ kind: 'split', sideA: [cc], sideB: [a, b, CONTROLLER_ID] });
  c.runUntil(() => !c.state().isr.includes(cc), 30_000_000);
  const cutAB = c.sim.network.cut({ kind: 'link', a, b });
  c.produceAndWait(a, ['m1'], { acks: 1 });
  const cutA = c.sim.network.cut({ kind: 'link', a, b: CONTROLLER_ID });
  c.runUntil(() => c.leaderReady(a), 30_000_000);
  c.produceAndWait(b, ['x1'], { acks: 1 });
  c.produceAndWait(b, ['x2'], { acks: 1 });
  const cutB = c.sim.network.cut({ kind: 'link', a: b, b: CONTROLLER_ID });
  c.runUntil(() => c.state().leader < 0, 30_000_000);
  c.sim.network.heal(cutA);
  c.runUntil(() => c.leaderReady(b), 30_000_000);
  c.produceAndWait(a, ['y'], { acks: 1 });
  c.sim.network.heal(cutB);
  c.sim.network.heal(cutAB);
  c.runUntil(() => c.state().isr.length === 2 && c.replica(a).isr.length === 2, 60_000_000);
  c.produceAndWait(a, ['z']);
  c.runFor(2_000_000);
};

describe('zoo: kip-101', () => {
  it('the variant leaves a follower with a different record below the high watermark', () => {
    const out = runSchedule('kip-101', {}, schedule);
    expect(out.kinds).toContain('log-matching');
    const lm = out.anomalies.find((a) => a.kind === 'log-matching')!;
    expect(lm.offsets).toEqual([1]);
    expect([...lm.values!].sort()).toEqual(['m1', 'x1']);
  });

  it('the correct model truncates epoch by epoch (KIP-279) and the logs agree', () => {
    const out = runSchedule('correct', {}, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    const [b] = othersThan(c, c.state().leader).filter((x) => c.state().isr.includes(x));
    expect(c.logOf(b)).toEqual(c.logOf(c.state().leader));
    expect(c.logOf(b).map(([, , v]) => v)).toEqual(['m0', 'm1', 'y', 'z']);
  });
});
