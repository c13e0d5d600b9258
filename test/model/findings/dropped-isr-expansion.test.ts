// A finding of Kafka's ISR handling (task w8005), not a regression: Kafka 3.9 does the same.
// Reported as `kafka-finding` dropped-isr-expansion (driver/kafka-findings.ts).
// Swarm seed 160008005 (base 160,000,000), shrunk to 8 faults. The fixture
// (fixtures/seed-160008005-shifted.json) is a hand-shifted schedule derived from that shrink:
// broker 3's kill -9 comes 189 µs later (delay 1,223,276 µs) and it restarts after 6084 ms, not
// 5957 ms, and the one-way cut of the followers from the leader lasts 37545 ms, not 37448 ms.
// Since a fetch above its bound is answered at once (DelayedFetch.tryComplete Case F, 3.8 on;
// model/partition.ts fetchAboveBoundCompletes) the seed's own shrink brings follower 3 back
// before follower 2 (ISR [1, 3], then [1, 3, 2]: no dropped expansion); the shift restores the
// order and the timing. After the faults healed, leader 1
// of t/0 (replicas [1, 2, 3], min.insync.replicas 2) learned partition epoch 11 (ISR [1, 2])
// from its AlterPartition answer at 97.835 s; the metadata record of epoch 11 reached it only at
// 97.850 s. Meanwhile follower 3 truncated its diverging log to 64 and fetched at 64 when the
// HW was 64 and the log end 65: Partition.isFollowerInSync (LEO ≥ HW) holds, so the leader sent
// the expansion [1, 2, 3] at epoch 11 (maximal ISR [1, 2, 3]: the HW stays at 64). The record
// of epoch 11 then arrived: Partition.makeLeader accepts a partition epoch equal to its own and
// updateAssignmentAndIsr replaces the pending state with CommittedPartitionState([1, 2]), and
// its maybeIncrementLeaderHW counts broker 3 no more: not in the maximal ISR, and not caught up
// by time (Replica.resetReplicaState gave it lastCaughtUpTimeMs 0 at the epoch's start, and its
// one fetch since was behind the log end: Replica.updateFetchStateOrThrow keeps 0). The HW goes
// to 65; the controller accepts the expansion (partition epoch 12, ISR [1, 2, 3]) and the leader
// ignores the answer (handleAlterPartitionUpdate). Broker 3 is in the ISR with its log ending at
// 64 below the HW 65 (97.8506 s) until the answer to its fetch brings it offset 64 (97.8508 s):
// had brokers 1 and 2 failed then, the controller could
// elect broker 3 and lose the committed record at 64 although an in-sync replica is alive —
// below what Kafka documents. Read at 3.9.0-rc3 (Partition.scala, Replica.scala). The invariant
// monitor saw it once it judged every partition change (driver/invariant-looks.ts).

import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { DroppedIsrExpansion } from '../../../model/code-probes.ts';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import { fixtureInput, rerun } from '../regressions/helpers.ts';

describe('finding: an ISR expansion dropped by metadata of the same partition epoch', () => {
  it('seed 160008005: broker 3 joins the ISR below the HW the leader advanced without it', () => {
    const { result, failing, kafkaFindings } = rerun(160008005, fixtureInput(160008005, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['dropped-isr-expansion']);
    expect(kafkaFindings).toEqual([
      'dropped-isr-expansion: candidate-complete: Broker 3 is in the ISR of t/0 and could be elected, but its log ' +
        'ends at 64, below the committed high watermark 65: electing it would lose committed records.',
    ]);
    const labelled = result.verdict.anomalies.find((a) => a.kafkaFinding !== undefined)!;
    expect(labelled.kafkaFindingWitness).toMatch(/expansion to \[1, 2, 3\] was in flight/);
  });

  it('without the exact chain, the candidate-complete anomaly stays a violation', () => {
    const drop: DroppedIsrExpansion = {
      leader: 1,
      topic: 't',
      partition: 0,
      leaderEpoch: 6,
      partitionEpoch: 11,
      committedIsr: [1, 2],
      droppedIsr: [1, 2, 3],
      hw: 64,
      atUs: 1_000,
    };
    const run: FindingRun = {
      probeContexts: [{ name: 'pending-isr-expansion-reset', context: drop }],
      faults: [],
      history: [],
      zookeeper: false,
    };
    const below: Anomaly = {
      kind: 'candidate-complete',
      explanation: 'Broker 3 is in the ISR of t/0 below the HW',
      topic: 't',
      partition: 0,
      offsets: [64, 65],
      nodes: [3],
      timesUs: [2_000],
    };
    expect(labelKafkaFindings([below], run)[0].kafkaFinding).toBe('dropped-isr-expansion');
    const misses: Array<[string, FindingRun, Anomaly]> = [
      ['no dropped expansion', { ...run, probeContexts: [] }, below],
      ['a member of the committed ISR', run, { ...below, nodes: [2] }],
      ['judged before the drop', run, { ...below, timesUs: [500] }],
      ['no time', run, { ...below, timesUs: undefined }],
      ['a HW not above the one at the drop', run, { ...below, offsets: [63, 64] }],
      ['no offsets', run, { ...below, offsets: undefined }],
      ['another partition', run, { ...below, partition: 1 }],
      ['another topic', run, { ...below, topic: 'u' }],
      ['another kind', run, { ...below, kind: 'acked-durable' }],
      [
        'an expansion that added nobody',
        { ...run, probeContexts: [{ name: 'pending-isr-expansion-reset', context: { ...drop, droppedIsr: [1, 2] } }] },
        below,
      ],
    ];
    for (const [why, r, a] of misses) {
      const [out] = labelKafkaFindings([a], r);
      expect(out.kafkaFinding, why).toBeUndefined();
      expect(isFailing(out), why).toBe(true);
    }
  });
});
