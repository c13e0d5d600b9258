// ZooKeeper mode (issue 16): swarm seed 260002791 (base 260,000,000, `--controller zookeeper`),
// shrunk. Three ZooKeeper servers; broker 1's old session expires and the controller elects
// broker 3 leader of t-0 in leader epoch 1: its multi (check controller_epoch, setData of the
// partition state) is logged by all three servers, and the leader, zookeeper-3, commits it,
// applies it and answers the controller (Leader.tryToCommit). zookeeper-3 is killed right
// then: its COMMITs to the followers are lost with the connection, so zookeeper-1 and -2 hold
// the transaction logged, not applied, until the next leader commits its whole history. The
// controller sends LeaderAndIsr (correctly: after ZooKeeper's answer), and
// zk-broker-ahead-of-zookeeper, which read "the most advanced running server's tree" (leader
// epoch 0), fired. The invariant now reads ZooKeeper's committed state: every transaction a
// leader committed (model/zk-record.ts ZkCommittedState).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: brokers are judged against the committed state, not a running tree', () => {
  it('seed 260002791: a state committed by a leader that died before its COMMITs went out is no violation', () => {
    const { failing } = rerun(260002791, fixtureInput(260002791, 'zookeeper'));
    expect(failing).toEqual([]);
  });
});
