// Bug zoo: stale-broker-epoch (undoes KIP-903). ISR expansion ignores broker epochs: the
// leader neither checks that a follower's fetches come from its current incarnation nor
// names the epoch in AlterPartition, so the controller cannot reject a stale proposal.
// Schedule (RF 3, min.insync.replicas 2, replica.lag.time.max.ms 5 s): records commit on all
// three; B is cut off and leaves the ISR; the cut heals, B catches up and A proposes B for the
// ISR, but that AlterPartition is lost (a momentary cut A → controller triggered by it, so A
// resends it only after controller.socket.timeout.ms). Meanwhile B loses power (empty log),
// restarts, re-registers with a new broker epoch and is unfenced, but cannot reach A. A's
// resent proposal still names B: the variant's controller accepts it (no epoch to compare),
// the correct one refuses it (INELIGIBLE_REPLICA, B's epoch is stale). A and C are killed.
// Caught by: candidate-complete (B in the ISR with LEO 0), then acked-durable when B leads.

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../../model/config.ts';
import { onceOnProbe, othersThan, runSchedule, type Schedule } from './harness.ts';

const opts = { config: { 'replica.lag.time.max.ms': 5_000 } };

const schedule: Schedule = (c) => {
  const a = c.state().leader;
  const b = othersThan(c, a)[0];
  for (let i = 0; i < 5; i++) c.produceAndWait(a, [`c${i}`]);
  let cutAB = c.sim.network.cut({ kind: 'link', a, b });
  c.produceAndWait(a, ['d0']); // commits on {A, C} once B is out
  let proposed = false;
  onceOnProbe(
    c,
    (node, e) => e.kind === 'alter-partition-sent' && node === a && (e.isr as number[]).includes(b),
    () => {
      proposed = true;
      const drop = c.sim.network.cut({ kind: 'one-way', from: [a], to: [CONTROLLER_ID] });
      c.sim.at(c.sim.now() + 1, 'heal', () => c.sim.network.heal(drop));
      c.sim.at(c.sim.now() + 1_000, 'power-loss B', () => {
        cutAB = c.sim.network.cut({ kind: 'link', a, b });
        c.sim.powerLoss(b);
        c.sim.start(b);
      });
    },
  );
  c.sim.network.heal(cutAB);
  c.runUntil(() => proposed, 60_000_000);
  c.runFor(40_000_000); // B re-registers; A resends its proposal after 30 s
  c.sim.crash(a);
  c.runUntil(() => c.leaderReady(a), 30_000_000);
  const next = c.state().leader;
  if (next > 0 && next !== b) c.sim.crash(next);
  c.runUntil(() => c.leaderReady(next), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: stale-broker-epoch', () => {
  it('the variant adds a restarted, empty broker to the ISR on a stale proposal and elects it', () => {
    const out = runSchedule('stale-broker-epoch', opts, schedule);
    expect(out.kinds).toContain('candidate-complete');
    expect(out.kinds).toContain('acked-durable');
  });

  it('the correct model refuses the stale proposal (INELIGIBLE_REPLICA) and loses nothing', () => {
    const out = runSchedule('correct', opts, schedule);
    expect(out.anomalies).toEqual([]);
    const refused = out.cluster.probesOf('alter-partition-applied').filter((p) => p.e.accepted === false);
    expect(refused.length).toBeGreaterThan(0);
  });
});
