// A stale-generation-commit after a ZooKeeper-mode breach of the group's `__consumer_offsets`
// partition is expected when the coordinator WROTE the later generation's hand-out before the
// breach, though the member's application learned it only after (driver/promise.ts
// groupConsequence).
//
// Swarm seed 410060982 (base 410060000, ZooKeeper mode, Kafka 3.9, shrunk to 4 faults), reported
// as stale-generation-commit: "group g1: a commit by member-2-1-0 naming generation 1 was
// acknowledged, though member-2-0-0 had already been handed generation 2 (event 52)". g1 hashes
// to __consumer_offsets/2 (leader broker 1, ISR 1,3,2). The coordinator appended generation 2's
// GroupMetadata at offset 0 at 1.22 s (broker 2 fetched it, broker 3 was cut from broker 1).
// Broker 2 lost power at 2.51 s with the record unflushed; while it was down the ISR shrank to
// {1, 2} and at 6.0036 s broker 1 advanced the HW to 1 counting broker 2's log end of before
// the loss (Partition.maybeIncrementLeaderHW keeps a follower's last fetch state; in ZooKeeper
// mode nothing fences a replica that shut down uncleanly): min-isr-power-loss on
// __consumer_offsets/2 at 6.0036 s. Only then did SyncGroup complete (GroupMetadataManager.storeGroup
// answers at the HW): member-2-0-0's application learned generation 2 at 6.0038 s — after the breach. Broker 1's
// controlled shutdown (rolling restart) moved leadership to broker 2, alone in the ISR with an
// empty log (PartitionLeaderElectionAlgorithms.controlledShutdownPartitionLeaderElection @
// 3.9.0-rc3: the first live ISR member not shutting down). Its
// coordinator loaded nothing (GroupMetadataManager.doLoadGroupsAndOffsets replays only the log),
// answered member-2-0-0's commit UNKNOWN_MEMBER_ID, numbered the group from generation 1 again
// (member-2-1-0) and accepted its commits of 27..31 (GroupCoordinator.validateOffsetCommit @
// 3.9.0-rc3: ILLEGAL_GENERATION only for generationId != group.generationId, which is 1). The
// model is Kafka's; the promise tracker asked the assignment's invoke (the application's learning) to
// precede the breach, which a breach dated at the very HW advance that completes SyncGroup can never
// satisfy. Like 'reissued-after-loss' it now asks when the coordinator wrote the hand-out
// (GroupHandOuts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a stale commit after a ZooKeeper-mode breach that took the later generation', () => {
  it('seed 410060982: generation 2 written before the breach, learned after it: expected', () => {
    const { result, failing } = rerun(410060982, fixtureInput(410060982, 'zookeeper'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const stale = result.verdict.anomalies.filter((a) => a.kind === 'stale-generation-commit');
    expect(stale.length).toBe(5);
    for (const a of stale) {
      expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
      expect(a.expectedBecause?.topic).toBe('__consumer_offsets');
      expect(a.expectedBecause?.partition).toBe(2);
    }
  });
});
