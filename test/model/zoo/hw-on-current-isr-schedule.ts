// The hand-built hw-on-current-isr schedule (see hw-on-current-isr.test.ts for the story),
// shared by the zoo test (the monitor at every event) and test/checkers/replica-invariants.test.ts
// (the per-replica invariants at the driver's cadence).

import { CONTROLLER_ID } from '../../../model/config.ts';
import { onceOnProbe, othersThan, type Schedule } from './harness.ts';

export const hwOnCurrentIsrOpts = { config: { 'replica.lag.time.max.ms': 5_000 } };

export const hwOnCurrentIsrSchedule: Schedule = (c) => {
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
