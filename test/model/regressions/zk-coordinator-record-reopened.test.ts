// Regression (driver: the promise, log-matching on `__transaction_state`), ZooKeeper mode, swarm
// seed 510048710 (`--controller zookeeper`, Kafka 3.9), shrunk. Broker 3 is the controller and
// leads t/0 and __transaction_state/2 in epoch 0. Its transaction coordinator writes tx-0's Empty
// record at offset 0 of __transaction_state/2 (2.425 s); follower 1 copies it, follower 2 does not
// before the link 2 ↔ 3 is cut, so the HW stays 0. Broker 3 loses power at 5.241 s (in ZooKeeper
// mode one power loss is a min-isr-power-loss breach) and comes back without that unflushed
// record. Its old session's /controller and /brokers/ids/3 stand until the session expires
// (22.000 s; its registration retries are refused meanwhile); its new registration lands
// (22.004 s) just before another broker wins the controller election (22.008 s), whose failover
// reads broker 3 live and leading: OnlinePartition, no election, epoch 0 kept
// (KafkaController.onControllerFailover, PartitionStateMachine.initializePartitionState
// @ 3.9.0-rc3). Broker 3 takes epoch 0 as new (ReplicaManager.becomeLeaderOrFollower) and its
// coordinator writes another tx-0 record at 0 (22.047 s). Follower 1, fetching at 1 with last
// fetched epoch 0, finds no divergence (Partition.readRecords: the epoch ends at the leader's log
// end, 1) and keeps its own record, below the HW the leader then advances. The run reported
// "Brokers 1 and 3 disagree at offset 0 of __transaction_state/2, below both their high
// watermarks" as a violation: a coordinator's record has no send time, and the excuse asked for an
// offset committed at the breach. It lay below the damaged leader's log end at the loss, where
// follower 1's record came from: the promise now excuses that too, as it does a data topic's
// record sent before the breach (driver/promise.ts 'coordinator-record', coordinatorRecordReopened).
// The ZooKeeper server's power loss 2 ms after broker 3's ("the controller": no broker was the
// active controller then, so the injector took the first running ZooKeeper server) only shifts
// the timing: without it broker 3 registers after the new controller's election and is elected
// out (leader 1 in epoch 2), and the run is valid.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a coordinator record a follower kept under a reopened leader epoch', () => {
  it('seed 510048710: the disagreement below the damaged leader’s log end at the loss is beyond the promise', () => {
    const input = fixtureInput(510048710, 'zookeeper');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(510048710, input);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    expect(result.codeProbes).toContain('zk-registration-failed');
    const onState = result.verdict.anomalies.filter(
      (a) => a.kind === 'log-matching' && a.topic === '__transaction_state',
    );
    expect(onState.map((a) => [a.partition, a.offsets, a.nodes])).toEqual([
      [2, [0], [1, 3]],
      [2, [0], [1, 2]],
    ]);
    expect(
      onState.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss' && a.expectedBecause.partition === 2),
    ).toBe(true);
  });
});
