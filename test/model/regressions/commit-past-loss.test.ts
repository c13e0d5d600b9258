// Regression (driver: the promise, 'commit-past-loss'). The 100,000-seed swarm campaign from
// base 110,000,000 reported on the correct model, seed 110000014: "group g1: t-0 offsets 53,
// 60, 61 lie below the group's committed offset 63 … never returned to a member that owned the
// partition" (commit-skip), in a run beyond the promise (last-known-leader-elected on t/0).
//
// The chain: the group's member read t/0 up to offset 62 and committed 63; broker 2 lost power
// and, with the ISR and ELR emptied by unclean shutdowns, came back as the last known leader
// with a log ending at 48; records sent after the loss took offsets 49..62. A member resumes
// from the committed offset 63 (ConsumerCoordinator.refreshCommittedOffsetsIfNeeded), so the
// new records at offsets below it are never fetched. Kafka does the same: the commit names a
// position, not records. The tracker excused every other anomaly of the loss but had no rule
// for commit-skip; it now takes a commit invoked before the breach whose skipped offsets were
// all committed when the breach happened (unit test in test/fuzz/promise.test.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a group commit past records the loss took', () => {
  it('seed 110000014: the offsets the loss reused below the committed offset are explained', () => {
    const { result, failing } = rerun(110000014, fixtureInput(110000014));
    expect(failing).toEqual([]);
    const skips = result.verdict.anomalies.filter((a) => a.kind === 'commit-skip');
    expect(skips.length).toBeGreaterThan(0);
    expect(skips.every((a) => a.expectedBecause?.rule === 'last-known-leader-elected')).toBe(true);
  });
});
