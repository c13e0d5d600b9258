// ZooKeeper mode: swarm seed 360005743 (campaign base 360,000,000 on main e02b058; shrunk to 3 faults:
// kill -9 broker 4 at 18.554 s for 2,048 ms, broker 1 at 23.886 s for 1,031 ms, broker 3 at 23.9 s for
// 7,647 ms). Brokers 1 and 3 come back while their old registrations still stand, so they register
// again only once those sessions expire (~42 s). Controller 2's BrokerChange then finds 1 and 3 dead:
// onReplicasBecomeOffline puts t/0 (leader 3, ISR [1, 3]) in OfflinePartition, its election finds no
// live ISR replica, and OfflineReplica writes leader 3, ISR [3] (epoch 3), then leader -1, ISR [3]
// (epoch 4: doRemoveReplicasFromIsr keeps an ISR of one). When broker 3 registers again,
// onBrokerStartup's triggerOnlinePartitionStateChange elects every partition still OfflinePartition.
// The model had dropped t/0's OfflinePartition mark on OfflineReplica's first write (its leader was 3),
// so no election ran and t/0 stayed leaderless for good (liveness). In Kafka only
// PartitionStateMachine.doHandleStateChanges(OnlinePartition) puts a partition back in OnlinePartition
// (a successful initialization or election); ReplicaStateMachine's OfflineReplica
// (doRemoveReplicasFromIsr) puts only the leadership info (3.9.0-rc3). Broker 3 is elected at epoch 5.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: OfflineReplica writes leave a partition OfflinePartition', () => {
  it('seed 360005743: broker 3 registering again is elected leader of t/0 (ISR [3], leader -1)', () => {
    const { result, failing } = rerun(360005743, fixtureInput(360005743, 'zookeeper'), 'correct', true);
    const timeline = result.trace?.timeline ?? [];
    const state = (leader: number, epoch: number) =>
      timeline.find(
        (e) =>
          e.kind === 'partition' &&
          e.topic === 't' &&
          e.partition === 0 &&
          e.leader === leader &&
          e.leaderEpoch === epoch,
      );
    // The chain: OfflineReplica left t/0 without a leader, ISR [3], at leader epoch 4.
    const leaderless = state(-1, 4);
    expect(leaderless?.kind === 'partition' ? leaderless.isr : undefined).toEqual([3]);
    // onBrokerStartup(3) → triggerOnlinePartitionStateChange elects 3.
    const elected = state(3, 5);
    expect(elected).toBeDefined();
    expect(elected!.t).toBeGreaterThan(leaderless!.t);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
  });
});
