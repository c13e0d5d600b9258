// ZooKeeper mode (issue 16): swarm seed 210013840 (base 210,013,000, `--controller zookeeper`),
// shrunk to 4 faults. Broker 1's old session expires at 20.0 s and controller 3 takes it out
// of the ISRs (ReplicaStateMachine OfflineReplica → removeReplicasFromIsr). Its write of t/2
// (leader 2, leader epoch 0 → 1, ISR [2, 3]) is applied, but broker 3 is cut off just as the
// answer comes back; its session lives through the 15-s cut, KafkaZkClient
// .retryRequestsUntilConnected sends the write again and it meets BADVERSION. The retry reads
// the state again and finds broker 1 already out of the ISR. The model then sent nothing, so
// leader 2 stayed in epoch 0, its AlterPartition answered FENCED_LEADER_EPOCH every 30 s, and
// t/2 never recovered (liveness: "its elected leader (broker 2) never took over"). Kafka
// returns such a partition too: doRemoveReplicasFromIsr puts `leaderAndIsrsWithoutReplica ++
// finishedPartitions` in the controller context and in its result, and the OfflineReplica
// transition sends each result as LeaderAndIsr to the other replicas
// (ReplicaStateMachine.doHandleStateChanges, 3.9.0-rc3). Broker 2 hears epoch 1 and leads.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a failed replica already out of the ISR still gets its LeaderAndIsr sent', () => {
  it('seed 210013840: the BADVERSION retry finds the write applied and sends epoch 1 to leader 2', () => {
    const { result, failing } = rerun(210013840, fixtureInput(210013840, 'zookeeper'), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('zk-offline-replica-already-out-of-isr');
    const ledEpoch1 = (result.trace?.timeline ?? []).some(
      (e) => e.kind === 'replica' && e.broker === 2 && e.partition === 2 && e.role === 'leader' && e.leaderEpoch === 1,
    );
    expect(ledEpoch1).toBe(true);
  });
});
