// Regression (driver: the promise, log-matching against a gap), ZooKeeper mode, swarm seed
// 190049908 (`--controller zookeeper`, Kafka 3.9), shrunk. Broker 4 leads t/0 in epoch 0 and
// writes "p200-0".."p200-2" as one batch at offsets 0–2, committed (HW 3) with follower 1. Broker
// 4 loses power (torn tail) and comes back empty before its ZooKeeper session expires
// (min-isr-power-loss at 7.3 s), leads epoch 0 again and writes the probe's "probe-400-0" at
// offset 0. Follower 1, fetching at 3 in epoch 0, is told the epoch ends at 1 (the leader's log
// end) and truncates to 1, inside its batch 0–2: Kafka cuts the whole batch and leaves offset 0 a
// gap (LocalLog.truncateTo → LogSegment.truncateTo at translateOffset(1), updateLogEndOffset(1)),
// then fetches from 1 (AbstractFetcherThread.updateFetchOffsetAndMaybeMarkTruncationComplete),
// and the leader's read from 1 starts at the first batch whose last offset is ≥ 1
// (FileRecords.searchForOffsetWithSize): the gap stays. The run reported "Brokers 1 and 4 disagree
// at offset 0 of t/0, below both their high watermarks: no record (a gap a truncation inside a
// batch left) against "probe-400-0" (epoch 0)" as a violation: 'consequence' asks for a record
// sent before the breach, and a gap names none. The promise now excuses a gap at an offset
// committed when a ZooKeeper-mode power loss happened (driver/promise.ts gapReopenedInEpoch).
// Seed 270065951 below: the same chain at an offset not committed at the loss.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a follower left a gap by a leader that reopened its epoch', () => {
  it('seed 190049908: the gap against the reopened epoch’s record is beyond the promise', () => {
    const input = fixtureInput(190049908);
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(190049908, input);
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    const gaps = result.verdict.anomalies.filter((a) => a.kind === 'log-matching' && /a gap/.test(a.explanation));
    expect(gaps.map((a) => a.offsets)).toEqual([[0]]);
    expect(gaps.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});

// Swarm seed 270065951 (`--controller zookeeper`, Kafka 3.9), shrunk: the gap sits at an offset
// NOT committed at the loss. The fixture (fixtures/seed-270065951-shifted.json) is a hand-shifted
// schedule derived from the seed's shrink: broker 3 stays down 7,948 ms after its power loss, not
// 7,944 ms. Since the ZooKeeper-mode controller handles a broker change in Kafka's order and
// batches (model/zk-controller.ts), the shrink's own timing has broker 3's registration retry
// come at 91.997 s, just before its old session expires (92.001 s): refused, and the next retry
// (93.000 s) comes after broker 2 has won the controller election and found broker 3 dead
// (leader 1 in epoch 2, no reopened epoch). Broker 3 leads t/0 in epoch 0 and is the
// controller; with the ISR under min.insync.replicas (3) the HW stays 32 while it writes
// "p200-33".."p200-38" as one batch at 33–38; follower 1 copies it (68.08 s). Follower 2, caught
// up to the HW, fetches from 32: the ISR expands to [3, 1, 2] (72.0016 s) and follower 2 copies
// 32–38 as one batch (72.0019 s), the HW still 32 until it fetches again. Broker 3 loses power
// at 72.002 s (min-isr-power-loss; its log end then 39, recovery point 33) and restarts with
// log end 33; its registration is refused while the old session's /brokers/ids/3 stands
// (CheckedEphemeral.getAfterNodeExists: another session's node). The old session expires;
// broker 3 registers again (92.004 s) just before broker 4 wins the controller election
// (92.007 s), whose failover reads broker 3 live (initializeControllerContext) and leader 3 in
// epoch 0: OnlinePartition, no election (PartitionStateMachine.initializePartitionState,
// 3.9.0-rc3). Broker 3, with no epoch for t/0, takes epoch 0 as new (ReplicaManager
// .becomeLeaderOrFollower: requestLeaderEpoch > currentLeaderEpoch, -1) and writes "probe-400-0"
// alone at 33. Followers 1 and 2, fetching at 39 in epoch 0, are told the epoch ends at 34 and
// truncate to 34 (93.012 s), inside their batches: offset 33 is a gap on both, against
// "probe-400-0" on broker 3. The run reported it as a violation: the gap's offset was not
// committed at the loss. It lay below the damaged leader's log end at the loss, where the
// followers' batches came from: the promise now excuses that too (driver/promise.ts
// gapReopenedInEpoch, leoAtPowerLoss).
describe('ZooKeeper mode: a gap at an offset the damaged leader held but had not committed', () => {
  it('seed 270065951 (shifted): the gap below the damaged broker’s log end at the loss is beyond the promise', () => {
    const input = fixtureInput(270065951, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(270065951, input);
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    const gaps = result.verdict.anomalies.filter((a) => a.kind === 'log-matching' && /a gap/.test(a.explanation));
    expect(result.codeProbes).toContain('zk-registration-failed');
    expect(gaps.map((a) => a.offsets)).toEqual([[33], [33]]);
    expect(gaps.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
