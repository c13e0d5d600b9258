// Regression (driver: the promise, 'read-past-before-loss'). The swarm campaign with
// --controller zookeeper (main c34f041) reported on the correct model, seed 370025474: "group g1:
// t-0 offset 56 lies below the group's committed offset 57 (a commit, event 277) but were never
// returned to a member that owned the partition" (commit-skip), in a run beyond the promise
// (min-isr-power-loss of broker 3 at 14.0 s), which 'read-past-before-loss' did not explain:
// the record now at 56, p202-7, was first sent at 9.54 s, before the breach.
//
// The chain (shrunk input): broker 3 leads t/0 in epoch 0, ISR [3, 4] from 8.0 s (link 2-3 cut).
// A transaction's x600-11 sits at 54, p201-8 at 55, the COMMIT marker at 56, replicated to broker
// 4, HW 57. At 8.23 s the group's member (member-0-0-0, owner of t/0 since generation 2) polls from
// 40, gets 40..55 and moves its position past the marker to 57 (control records are never returned:
// CompletedFetch.nextFetchedRecord @ 3.9.0-rc3). The link 4-3 is cut at 9.0 s; broker 3 appends
// p201-9, p201-10 and p202-7 (sent at 9.54 s) at 57..59 unreplicated. At 14.0 s the ISR shrinks to
// [3] and broker 3 loses power: its log comes back ending at 55 (p201-8 and the marker lost), it
// stays in the ISR (ZooKeeper mode has no unclean-shutdown handling) and is elected in epoch 2 at
// 30.7 s: the breach. The member's fetch to broker 3 stays out until request.timeout.ms, its
// metadata still shows epoch 0, its partition stays FETCHING, and the auto-commit
// (SubscriptionState.allConsumed) commits 57 again at 33.0 s (event 277). At 43.7 s it validates,
// detects the truncation and goes back to 55; at 61.0 s the links heal, the followers truncate to
// 55, probe-400-0 takes 55 and the producer's retry of p202-7 takes 56. The member's polls at 55
// return nothing (as the probe's: t/0's liveness, excused by the same breach) until retention moves
// the log start to 63 at 71.7 s and its reset goes there. The group moved past offset 56 when the
// marker held it, before p202-7 was sent; that read was bounded by the HW (UnifiedLog.read), so
// p202-7 could take offset 56 only because the breach took it.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a group read past a marker before a loss; a record sent after that read took the lost offset', () => {
  it('seed 370025474 (zookeeper): the commit-skip of p202-7 at 56 is explained by the power loss', () => {
    const { result, failing } = rerun(370025474, fixtureInput(370025474, 'zookeeper'));
    expect(failing).toEqual([]);
    const skips = result.verdict.anomalies.filter((a) => a.kind === 'commit-skip');
    expect(skips.map((a) => a.offsets)).toEqual([[56]]);
    expect(skips.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
