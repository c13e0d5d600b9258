// ZooKeeper mode (issue 16): swarm seed 132004584 (base 132,000,000, `--controller zookeeper`),
// shrunk to 5 faults. Leader 3 of t/0 (ISR [3, 2]) proposes adding broker 1 to the ISR
// (AlterPartition in flight, held up by a one-way cut 3 → 2); broker 1, caught up, then loses
// power (unflushed offset 68 gone: a min-isr-power-loss breach, one replica being enough in
// ZooKeeper mode) and is cut from the leader. The leader keeps counting broker 1's log end of
// before the loss, since a proposed member is in its maximal ISR at once
// (Partition.PendingExpandIsr.maximalIsr = isr + the new member; maybeIncrementLeaderHW takes
// the minimum over maximalIsr), so the HW reaches 69 at 83 s; the expansion is then committed,
// and broker 1 sits in the ISR with a log ending at 68: candidate-complete. The promise
// tracker judged "committed over a stale follower state" on the committed ISR only ([3, 2])
// and missed it, so the run reported a violation; it now takes the leader's proposed
// expansion in as well, and the anomaly is expected (min-isr-power-loss).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('the promise counts a proposed ISR member, as the leader does for its HW', () => {
  it('seed 132004584: candidate-complete of broker 1 (log end 68, HW 69) is beyond the promise', () => {
    const { result, failing } = rerun(132004584, fixtureInput(132004584, 'zookeeper'));
    expect(failing).toEqual([]);
    const cc = result.verdict.anomalies.filter((a) => a.kind === 'candidate-complete');
    expect(cc.length).toBeGreaterThan(0);
    for (const a of cc) {
      expect(a.nodes).toEqual([1]);
      expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
      expect(a.expectedBecause?.event).toMatch(/high watermark of t\/0 advanced to 69/);
    }
  });
});
