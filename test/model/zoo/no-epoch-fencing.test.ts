// Bug zoo: no-epoch-fencing (undoes KIP-320). Fetch carries no epochs: the leader cannot fence a
// follower that missed leader changes, and the follower checks its log against the leader's
// only once, when it starts following (before KIP-320 only OffsetsForLeaderEpoch carried
// epochs). KAFKA-6880's zombie follower.
// Schedule (RF 3, min.insync.replicas 2): c0–c9 commit on all three. B is cut from A, which
// writes u0–u4 (acks=1) that only A and Z have. Z loses the controller entirely (a zombie: it is
// fenced and learns nothing more) but still fetches from A. A loses the controller: B leads
// epoch 2 and writes v0–v9 at offsets 10–19. A comes back, truncates to 10 and replicates
// them; B is killed and A leads again (epoch 3). Z's heartbeats reach the controller again
// (unfenced) while metadata still does not. Z fetches from A at offset 15 as if nothing
// happened: the correct A answers FENCED_LEADER_EPOCH; the variant serves it, Z ends up with
// u0–u4 under v5… and joins the ISR, and the HW passes offsets 10–14, where A and Z differ.
// Caught by: log-matching.

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const schedule: Schedule = (c) => {
  const a = c.state().leader;
  const [z, b] = othersThan(c, a);
  for (let i = 0; i < 10; i++) c.produceAndWait(a, [`c${i}`]);
  c.runFor(1_000_000);
  const cutAB = c.sim.network.cut({ kind: 'link', a, b });
  for (let i = 0; i < 5; i++) c.produceAndWait(a, [`u${i}`], { acks: 1 });
  c.runFor(1_000_000);
  const cutZ = c.sim.network.cut({ kind: 'link', a: z, b: CONTROLLER_ID });
  c.runUntil(() => !c.state().isr.includes(z), 30_000_000);
  const cutA = c.sim.network.cut({ kind: 'link', a, b: CONTROLLER_ID });
  c.runUntil(() => c.leaderReady(a), 30_000_000);
  for (let i = 0; i < 10; i++) c.produceAndWait(b, [`v${i}`], { acks: 1 });
  c.sim.network.heal(cutA);
  c.sim.network.heal(cutAB);
  c.runUntil(() => c.state().isr.includes(a) && c.state().isr.length === 2, 60_000_000);
  c.sim.crash(b);
  c.runUntil(() => c.leaderReady(b), 30_000_000);
  // The zombie's heartbeats get through again; no metadata reaches it.
  c.sim.network.heal(cutZ);
  c.sim.network.cut({ kind: 'one-way', from: [CONTROLLER_ID], to: [z] });
  c.runFor(5_000_000);
  c.produce(a, ['w0'], { timeoutMs: 20_000 });
  c.runFor(10_000_000);
};

describe('zoo: no-epoch-fencing', () => {
  it('the variant lets a zombie follower keep a stale suffix under new records and join the ISR', () => {
    const out = runSchedule('no-epoch-fencing', {}, schedule);
    expect(out.kinds).toContain('log-matching');
    const lm = out.anomalies.find((a) => a.kind === 'log-matching')!;
    expect(lm.offsets![0]).toBeGreaterThanOrEqual(10);
    expect(lm.offsets![0]).toBeLessThan(15);
  });

  it('the correct model fences the zombie (FENCED_LEADER_EPOCH): it never rejoins, the logs of the ISR agree', () => {
    const out = runSchedule('correct', {}, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    const zombie = othersThan(c, c.state().leader).find((x) => c.sim.isUp(x))!;
    expect(c.state().isr).not.toContain(zombie);
    expect(c.replica(zombie).fetch?.fenced).toBe(true);
  });
});
