// Regression (driver: the promise, rule (b)). The swarm reported on the correct model, seed
// 100018392 of a 30,000-seed campaign from base 100,000,000: "Offset 13 of t/0 holds 2
// different values", a record acknowledged with 2 of 3 copies lost when the last copy was
// truncated.
//
// The chain, every step Kafka's own (kafka.version 3.x, no pre-vote): broker 3 loses power
// with offsets 13..15 unflushed; a slow controller keeps taking the quorum through elections
// (KafkaRaftClient without KIP-996), and each newly active controller gives every broker a
// fresh session (ClusterControlManager.activate), so neither broker 3's old registration nor,
// later, the killed broker 1 is fenced for 40 s. Leader 1 shrinks broker 2 out and commits
// 13..15 over broker 3's log end of before its power loss (Partition.maybeIncrementLeaderHW
// counts the last fetch). Broker 1 is killed; at last both are fenced, both re-register
// uncleanly (handleBrokerUncleanShutdown empties the ISR and ELR), and broker 3 is elected
// again as the last known leader, without 13..15. Two unclean shutdowns with
// min.insync.replicas 2: beyond KIP-966's "MinISR-1 tolerance". The tracker missed it because
// it let the ISR that very election sets ([3]) end broker 3's unclean shutdown before judging
// the election. Fix: the election is judged on the unclean shutdowns of before its record
// (unit test in test/fuzz/promise.test.ts).
//
// Since the model has KIP-996 pre-vote (kafka.version 4.0 on; the fixture runs at the default
// 4.1), the slow controller only asks for pre-votes, which the leader and the other voter
// refuse: the active controller stays, broker 3's and broker 1's sessions expire on time and
// the run is clean (the churn itself: test/model/raft-prevote.test.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a last known leader whose loss was committed over its stale follower state', () => {
  it('seed 100018392: the loss after two unclean shutdowns is beyond the promise, nothing unexplained', () => {
    const { result, failing } = rerun(100018392, fixtureInput(100018392));
    expect(failing).toEqual([]);
    // With pre-vote nothing is lost at all, not even beyond the promise.
    expect(result.verdict.anomalies.filter((a) => a.informational !== true)).toEqual([]);
  });
});
