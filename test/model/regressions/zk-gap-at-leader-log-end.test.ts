// Regression (model: a follower's position read inside a gap at the leader's log end), ZooKeeper
// mode, swarm seed 300014255 (Kafka 3.9), shrunk. Broker 2 leads t/0 in epoch 0 with follower 3
// (both hold 0–18, batch 12–16 among them), loses power (torn tail: back with log end 12) and
// comes back before its ZooKeeper session expires, so it leads epoch 0 again
// (PartitionStateMachine.initializePartitionState) and writes two records at 12–13. Follower 3,
// fetching at 19 in epoch 0, is told the epoch ends at 14 and truncates inside its batch 12–16:
// LocalLog.truncateTo cuts the whole batch and sets the log end to 14, offsets 12–13 a gap.
// Broker 2 loses power again (back with log end 12); broker 3 is elected in epoch 1 with ISR [3]
// and the gap at its log end; follower 4 restarts from its log start 12, as does broker 2. Both
// fetch from 12, inside the gap, and read nothing (LocalLog.read: "the empty set with log end
// offset metadata"). Kafka's leader records that metadata, its log end 14, as each follower's log
// end (Partition.fetchRecords → updateFollowerFetchState(followerFetchOffsetMetadata =
// logReadInfo.fetchedData.fetchOffsetMetadata)), finds them in sync and expands the ISR; the
// model recorded the fetch offset 12, below the HW, so the ISR stayed [3] and every acks=all
// write was refused for good: "Within 120.000 s after the last heal at 66.464 s, t/0 did not
// recover: its ISR stayed at 1 member(s), below 2; no probe send succeeded; no probe poll
// succeeded", and the final read did not complete. The two power losses of broker 2 are beyond
// the promise (min-isr-power-loss): the losses stay expected, availability does not.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: followers fetching inside a gap at the leader log end', () => {
  it('seed 300014255: they rejoin the ISR and t/0 recovers; only the losses of the breach are expected', () => {
    const input = fixtureInput(300014255);
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
