// Regression (checker: excess-duplicate, classic protocol, cooperative-sticky). The swarm reported
// on the correct model, seed 200060849 (campaign base 200,000,000): "group g1: t-1 offset 9 was
// returned again to member-2-1-0 in generation 6, though the group had committed offset 11
// (event 612) before that assignment and nothing reset it."
//
// The chain: member-2-1-0 owned t-0 and t-1 in generation 5 (it committed t-1 at 9). Its
// SyncGroup of generation 6 was answered at 20.0 s (t-0, t-1 kept); its application, blocked
// in a fetch then stalled 7.5 s (below max.poll.interval.ms), did not rejoin generation 7,
// so the coordinator removed it (GroupMetadataManager.completeClassicGroupJoin,
// notYetRejoinedMembers) and gave t-1 to member-2-1-3, which fetched 9, read 9 and 10 and
// committed 11 in generation 7. Back in poll() at 32.47 s, member-2-1-0 learned generation 6
// (the history records its `assignment` then) and, not yet told it was gone, returned 9 and 10
// again from its own position (ClassicKafkaConsumer.poll: pollForFetches after a non-blocking
// updateAssignmentMetadataIfNeeded); its commit then failed. Kafka does the same. The checker
// counted a commit of a later generation as made before the member's assignment; it no longer
// does (groups.ts zombieOf).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a member removed from its classic group returns what it fetches until it learns so', () => {
  it('seed 200060849: the removed member re-reads t-1 9..10 after generation 7 committed 11', () => {
    const { result, failing } = rerun(200060849, fixtureInput(200060849));
    expect(failing).toEqual([]);
    expect(result.verdict.stats?.['groups.rebalanceDuplicates']).toBeGreaterThan(0);
  });
});
