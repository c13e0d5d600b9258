// Bug zoo: truncate-to-hw (undoes KIP-101). A follower that starts following a new leader cuts
// its log back to its own high watermark, which trails the leader's by a fetch round trip.
// Schedule (RF 3, min.insync.replicas 2): five acks=all sends; the leader is killed the instant
// the last one is acknowledged (both followers still hold HW 4 with LEO 5); the followers
// cannot reach each other; the new leader X is elected, the other follower Y truncates to 4
// (variant) and cannot refetch from X; X is killed; Y, alone in the ISR, is elected without
// the acknowledged record at offset 4.
// Caught by: candidate-complete (Y in the ISR below the true HW), then acked-durable.

import { describe, expect, it } from 'vitest';
import { runSchedule, othersThan, type Schedule } from './harness.ts';

const schedule: Schedule = (c) => {
  const leader = c.state().leader;
  for (let i = 0; i < 5; i++) c.produceAndWait(leader, [`m${i}`]);
  c.sim.crash(leader); // at the acknowledgement of m4
  const [a, b] = othersThan(c, leader);
  c.sim.network.cut({ kind: 'link', a, b });
  c.runUntil(() => c.leaderReady(leader), 30_000_000);
  c.runFor(2_000_000);
  const next = c.state().leader;
  c.sim.crash(next);
  c.runUntil(() => c.leaderReady(next), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: truncate-to-hw', () => {
  it('the variant loses an acknowledged record; the invariant monitor catches it', () => {
    const out = runSchedule('truncate-to-hw', {}, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
    const lost = out.anomalies.find((a) => a.kind === 'acked-durable')!;
    expect(lost.offsets).toEqual([4]);
    expect(out.cluster.probesOf('truncate').map((p) => p.e.reason)).toContain('truncate-to-hw');
  });

  it('the correct model survives the same schedule', () => {
    const out = runSchedule('correct', {}, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    // The survivor leads with every acknowledged record.
    const s = c.state();
    expect(c.logOf(s.leader).map(([, , v]) => v)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);
  });
});
