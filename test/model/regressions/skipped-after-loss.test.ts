// Regression (driver: the promise, 'skipped-after-loss'). The 100,000-seed swarm campaign from
// base 110,000,000 with transactions applied reported on the correct model, seeds 110050132
// ("group g1: t-0 offset 30 lies below the group's committed offset 43 … never returned to a
// member that owned the partition") and 110055203 (offsets 13, 14, 16, 17 below 22): commit-skip,
// in runs beyond the promise (min-isr-power-loss on t/0), which the rule 'commit-past-loss' of
// seed 110000014 does not explain: the commit came after the breach.
//
// The chain (110055203, in the seed's run): transactional producers had records acknowledged at
// offsets 13, 14, 16 and 17 of t/0 (x600-7 … x600-10) when every replica of t/0 lost power (2.6 s)
// and lost them. After the restart the log grew again from offset 10: a COMMIT marker took offset
// 13, aborted transactions' records and ABORT markers took 14..17. A group member that owned t/0
// only from 21 s on read from offset 4 to 12, then from 14 on, and got 18..20: a consumer never
// returns a control record and, under read_committed, skips an aborted transaction's batch, its
// position moving past both (CompletedFetch.nextFetchedRecord @ 3.9.0-rc3). It committed 22. The
// checker knows offsets 13..17 only through the lost records, so it reports them skipped; the
// fixture is a hand-shifted schedule derived from that seed: the power loss at 2450 ms, not 2636
// ms (under the KRaft metadata timing the 2636 ms loss is followed by a last-known-leader election
// of t/0 that the skip is charged to; 2400–2475 ms give this chain). There transaction x601-2
// committed at offset 4 (2.37 s) before brokers 1 and 2, t/0's replicas, lost power at 2.45 s
// and lost it; after the restart the log grew from 0 (probe-400-0, x601-3, x602-0 of a fenced
// producer at 2, a COMMIT marker at 3, an ABORT at 4, aborted x600-3..5 at 5..7, an ABORT at 8).
// The member consumer-2-1-2, owning t/0 from 17.96 s, read x601-3 at 1, then polled from 2
// (32.96 s) and got 9..14, its position passing 2..8; it committed 26 (33.5 s). The checker
// knows offset 4 only through x601-2, so it reports it skipped; the
// group never read those offsets while the lost records were there. In 110050132 the same
// happens at offset 30 (x601-8, lost; a COMMIT marker there after the loss), read by a member
// resuming at 36.8 s after a truncation reset. No one committed past a record present in the
// log: Kafka promises nothing about records acknowledged before the breach, and the commit and
// the reads past the offsets came after it. The tracker now takes a commit-skip whose skipped
// records were all sent before the breach and are gone from the final read, and whose commit and
// first read past them came after it (unit test in test/fuzz/promise.test.ts).
//
// Seed 150011488 (base 150,000,000, 100,000 seeds; shrunk to one power loss of brokers 1 and 2,
// both replicas of t/0, at 1.3 s): p202-2 and p202-4, acknowledged at offsets 13 and 15, were
// lost; after the restart a transactional producer's x601-0 took offset 12, a control batch 13,
// x601-1 14 and another 15. The group's member polled from 12 (11.3 s), got x601-0 and moved
// its position to 14 past the control batch, then committed 14 (and, the same way, 16). No poll started
// or returned a record above 13 before the commit, so the checker named the commit alone and the
// rule, which needs the group's first read past the offsets, could not judge it: a violation.
// Polls now record the position they leave (PollValue.next: the consumer moves past control
// batches, CompletedFetch.nextFetchedRecord @ 3.9.0-rc3), and the checker names the poll whose
// position passed the skipped offset (unit tests in test/checkers/groups.test.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a group commit past offsets whose records a loss took before the group read them', () => {
  const fixtures: Array<[number, string | undefined]> = [
    [110050132, undefined],
    [110055203, 'shifted'],
    [150011488, undefined],
  ];
  for (const [seed, suffix] of fixtures) {
    it(`seed ${seed}${suffix ? ` (${suffix})` : ''}: the skip of the lost records is explained by the loss`, () => {
      const { result, failing } = rerun(seed, fixtureInput(seed, suffix));
      expect(failing).toEqual([]);
      const skips = result.verdict.anomalies.filter((a) => a.kind === 'commit-skip');
      expect(skips.length).toBeGreaterThan(0);
      expect(skips.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
    });
  }
});
