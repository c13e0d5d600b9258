// ZooKeeper mode: swarm seed 360005837 (base 360,000,000, main e02b058), as shrunk to 5 faults
// (fixtures/seed-360005837-zookeeper.json: t/1 on brokers [3, 1, 2], min.insync.replicas 2,
// producer 200 idempotent, id 1048583000, epoch 0). The chain, as the run shows it:
// - 22.00 s: broker 3 wins the controller election (controller epoch 2) and drops broker 2, down
//   since its torn-tail power loss at 3.03 s, from the ISRs: t/1 leader 3, epoch 1, ISR [3, 1].
// - 22.044145 s: leader 3 appends "p200-32" (sequence 8) at offset 24 in epoch 1; follower 1
//   fetches it (its log end 25); at 22.044334 s broker 3 loses power before the HW passes 24
//   (HW 24): the breach (min-isr-power-loss; in ZooKeeper mode one such replica is beyond the
//   promise). Its recovered log ends at 24 (LogLoader.load), and the producer state it rebuilds
//   from it ends at "p200-30" (sequence 7, offset 23).
// - 35.97 s: broker 3 restarts; its registration meets its old session's /brokers/ids/3 until
//   that session expires at 42.00 s (KafkaZkClient.CheckedEphemeral.getAfterNodeExists: startup
//   fails, the supervisor restarts it; the model retries); the expiry also deletes /controller,
//   broker 3 registers at 42.006 s, and broker 2's failover (controller epoch 3) finds leader 3
//   live (PartitionStateMachine.initializePartitionState: OnlinePartition, no election): broker 3
//   leads epoch 1 again from log end 24 (reopenedInEpoch, zk-same-epoch-divergence.test.ts).
// - 42.03 s: it appends "p201-37" at 24 in epoch 1 and loses power again (torn tail) at 42.034 s,
//   keeping it; it registers again at 62.4 s while controller 2 is down (its power loss at
//   58.4 s); at 78.0 s broker 2's session expires, broker 3 wins the election (controller epoch
//   4) and its failover again keeps itself leading epoch 1. Follower 1 fetches from 25
//   with last fetched epoch 1, whose end on leader 3 is its log end 25: no divergence
//   (Partition.fetchRecords, LeaderEpochFileCache.endOffsetFor @ 3.9.0-rc3), so broker 1 keeps
//   "p200-32" at 24 beside the leader's "p201-37".
// - 78.059 s: the producer's retry of "p200-32" (sequence 8, next after the state's 7) is taken
//   by leader 3 in epoch 1 at 25 (ProducerAppendInfo.checkSequence), acknowledged at 78.060 s.
//   Broker 1 fetches it: its log holds "p200-32" at 24 and 25.
// - 116.63 s: broker 3's controlled shutdown moves t/1 to broker 1 (Election
//   .leaderForControlledShutdown, epoch 4); the final read from leader 1 sees both copies.
// Kafka 3.9 does the same: the leader's idempotence state is rebuilt from the log it kept, and a
// follower's copy of a record the leader lost survives the same-epoch return. The duplicate was
// a violation because 'reopened-copy' covered only lower copies at offsets committed at the breach
// or re-taken since it; it now also covers a value whose every lower copy the broker that lost
// power appended before the breach and lost with its log, and whose highest copy that broker
// took at or after it under the same producer id and epoch, in that leader epoch or a later one
// once it had written in that epoch again up to the lower copies (driver/promise.ts
// retakenByDamagedLeader). The other anomalies were already expected.
// The seed's own run shrank, with the rule in its first form (the retry in the same epoch only),
// to 7 faults (fixtures/seed-360005837-zookeeper-later-epoch.json: two isolations of broker 3
// added): broker 1's controlled shutdown at 80.81 s shrinks the ISR to [3] with a new leader epoch
// (ReplicaStateMachine.doRemoveReplicasFromIsr: epoch 2), and leader 3 takes the retry of
// "p200-32" at 25 in epoch 2 at 95.543 s. Broker 1, back at 84.46 s, fetches from 25 with last
// fetched epoch 1, whose end on leader 3 is 25 (the start of epoch 2, after "p201-37" at 24 in
// epoch 1): no divergence, both copies kept; it leads epoch 4 after broker 3's controlled shutdown.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe("ZooKeeper mode: the damaged leader's own retry of a record it lost, in the epoch it kept", () => {
  it('seed 360005837: "p200-32" at 24 (follower 1 kept it) and 25 (leader 3 re-took it) is beyond the promise', () => {
    const { result, failing } = rerun(360005837, fixtureInput(360005837, 'zookeeper'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([[['p200-32'], [24, 25]]]);
    const because = dup[0].expectedBecause;
    expect(because?.rule).toBe('min-isr-power-loss');
    expect(because?.event).toBe('power loss of broker 3');
    expect(because?.atUs).toBe(22_044_334);
    expect(result.outcome).toBe('expected-loss');
  });

  it('seed 360005837, 7 faults: the retry in a later epoch of the leader that kept epoch 1 is beyond it too', () => {
    const { result, failing } = rerun(360005837, fixtureInput(360005837, 'zookeeper-later-epoch'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([[['p200-32'], [24, 25]]]);
    expect(dup[0].expectedBecause?.event).toBe('power loss of broker 3');
    expect(dup[0].expectedBecause?.atUs).toBe(22_044_334);
    expect(result.outcome).toBe('expected-loss');
  });
});
