// Regression (model: a follower's position read inside a gap at the leader's log end), ZooKeeper
// mode, swarm seed 300014255 (Kafka 3.9), shrunk. The fixture (fixtures/seed-300014255-shifted.json)
// is a hand-shifted schedule derived from the seed's shrink: broker 2's first power loss strikes
// 20 ms after its produce acknowledgement, not 38.265 ms. Since the ZooKeeper-mode controller handles
// a broker change in Kafka's order and batches (model/zk-controller.ts), the run is timed otherwise
// from the start and the shrink's own schedule leaves broker 2 a single record to write in its
// reopened epoch, at 12: follower 3 truncates to 13, a batch boundary, and no gap is left.
// Broker 2 leads t/0 in epoch 0 with follower 3 (both hold 0–18, batch 13–17 among them), loses
// power at 1.135 s (torn tail: back with log end 12) and, after a clean shutdown (4.991–19.438 s),
// registers again (20.456 s) once its old session has expired (20.000 s). No controller acted on
// that expiry: broker 5, the controller, stopped at 5.28 s and its session held /controller until
// 26.000 s. Broker 4 then wins the election (26.006 s) and its failover reads broker 2 live and
// leader 2 in epoch 0: OnlinePartition, no election (KafkaController.initializeControllerContext,
// PartitionStateMachine.initializePartitionState, 3.9.0-rc3), so broker 2 leads epoch 0 again and
// writes the two records still in flight, "p202-12" and "p200-12", at 12–13. Follower 3, fetching
// at 19 in epoch 0, is told the epoch ends at 14 and truncates inside its batch 13–17 (27.016 s):
// LocalLog.truncateTo cuts the whole batch and sets the log end to 14, offset 13 a gap. Broker 2
// loses power again (27.016 s; back at 66.468 s with log end 12, below the leader's log start by
// then); broker 3 is elected in epoch 1 with ISR [3] and the gap at its log end (46.008 s).
// Follower 4, empty, is reset to the leader's log start 12, copies "p200-10" there and fetches
// from 13, inside the gap, and reads nothing (LocalLog.read: "the empty set with log end offset
// metadata"). Kafka's leader records that metadata, its log end 14, as the follower's log end
// (Partition.fetchRecords → updateFollowerFetchState(followerFetchOffsetMetadata =
// logReadInfo.fetchedData.fetchOffsetMetadata)), finds it in sync and expands the ISR to [3, 4]
// (46.014 s). The model recorded the fetch offset 13, below the leader's epoch-1 start offset 14
// (Partition.isFollowerInSync), so the ISR stayed [3] and every acks=all write was refused for
// good: "Within 120.000 s after the last heal at 66.468 s, t/0 did not recover: its ISR stayed
// at 1 member(s), below 2; no probe send succeeded; no probe poll succeeded", and the final read
// did not complete (this schedule's report with model/partition.ts followerReadOffset answering
// the fetch offset). The two power losses of broker 2 are beyond the promise (min-isr-power-loss):
// the losses stay expected, availability does not.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: followers fetching inside a gap at the leader log end', () => {
  it('seed 300014255 (shifted): t/0 recovers (follower 4 rejoins the ISR); the breach’s losses are expected', () => {
    const input = fixtureInput(300014255, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(300014255, input);
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    expect(result.codeProbes).toContain('fetch-past-log-end-gap');
    expect(result.verdict.anomalies.filter((a) => a.kind === 'liveness')).toEqual([]);
    const judged = result.verdict.anomalies.filter((a) => a.informational !== true);
    expect(judged.length).toBeGreaterThan(0);
    expect(judged.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
