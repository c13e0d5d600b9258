// Regression (checker: the driver's transaction coordinator invariants, markers-before-complete).
// The swarm (transactions drawn, base 5000000) reported on the correct model, seed 5000545:
// "Transaction tx-0 (producer 1000001) completed with COMMIT, but the leader of t/0 has no
// committed COMMIT marker of it". Shrunk: one clean shutdown of t/0's leader, broker 1, just
// after it appended the COMMIT marker at offset 4 (min.insync.replicas 2, replicas [1, 2]).
//
// The chain: broker 2 fetched the marker, broker 1 advanced its HW to 5 (the marker committed:
// the coordinator completed the transaction), then controlled shutdown made broker 2 leader
// with ISR [2] and its own HW still 4. Under min ISR, a leader does not advance its HW
// (Partition.maybeIncrementLeaderHW, isUnderMinIsr), so the committed marker sat at the new
// leader's HW for seconds. The invariant asked for the marker below the current leader's HW;
// it now asks for the marker in the current leader's log (every ISR replica holds what was
// acknowledged with acks=all, and the replica invariants judge what is committed). Seed
// 5000790 of the same campaign, shrunk to a power loss of t/0's leader (replicas [1, 2, 3]),
// is the same case for an ABORT marker: broker 2, elected later, leads with HW 0 and the
// marker at offset 6.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a committed marker above a new leader’s lagging HW', () => {
  it('seed 5000545: the completed transaction is not reported', () => {
    const { result, failing } = rerun(5000545, fixtureInput(5000545), 'correct', true);
    expect(failing).toEqual([]);
    // The situation is still there: t/0's new leader, broker 2, holds the marker at offset 4 with its HW at 4.
    const timeline = result.trace!.timeline as Array<Record<string, unknown>>;
    const lagging = timeline.find(
      (e) => e.kind === 'replica' && e.topic === 't' && e.partition === 0 && e.broker === 2 && e.role === 'leader',
    );
    expect(lagging).toMatchObject({ hw: 4, leo: 5, leaderEpoch: 2 });
    const marker = timeline.find(
      (e) => e.kind === 'append' && e.broker === 2 && e.topic === 't' && e.partition === 0 && e.firstOffset === 4,
    );
    expect(marker?.values).toEqual(['COMMIT']);
  });

  it('seed 5000790: an ABORT marker above the HW of the leader elected after a power loss', () => {
    const { result, failing } = rerun(5000790, fixtureInput(5000790), 'correct', true);
    expect(failing).toEqual([]);
    const timeline = result.trace!.timeline as Array<Record<string, unknown>>;
    const lagging = timeline.find(
      (e) => e.kind === 'replica' && e.topic === 't' && e.partition === 0 && e.broker === 2 && e.role === 'leader',
    );
    expect(lagging).toMatchObject({ hw: 0, leo: 7, leaderEpoch: 2 });
  });
});
