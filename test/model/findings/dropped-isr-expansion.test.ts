// A finding of Kafka's ISR handling (task w8005), not a regression: Kafka 3.9 does the same.
// Reported as `kafka-finding` dropped-isr-expansion (driver/kafka-findings.ts).
// Swarm seed 160008005 (base 160,000,000), shrunk to 8 faults. The fixture
// (fixtures/seed-160008005-paused.json) is a hand-built schedule derived from that shrink, by way
// of its earlier hand-shift (seed-160008005-shifted.json, replaced): kafka.version 3.9; the kill -9
// of the leader chained after the schedule's first fault (a link cut, at 62.057 s) fires
// 1,797,685 µs after it (not 1,223,276); the leader's kill -9 at 32.05 s restarts it after
// 2905 ms (not 3804); and one added fault: right after the leader sends the second ISR expansion
// from 110 s on, the broker it adds stops for 30 ms (SIGSTOP, as in a GC pause). Neither a
// single shifted value (every fault value, ±60%) nor a cut, pause or kill of the joining broker
// after an expansion, added to the shifted schedule alone, reaches the chain at 3.9 or 4.0; the
// two shifts came from a random search for a joining follower not caught up. Why: under the
// KRaft metadata timing (25 ms controller linger, metadata records up to 500 ms late before 4.1)
// the controller accepts an expansion at least 25 ms after it is sent, while a joining
// follower's in-sync fetch is at the log end or followed about 1 ms later by one that is, which
// makes it caught up (Replica.updateFetchStateOrThrow), so the HW waits for it
// (Partition.maybeIncrementLeaderHW, shouldWaitForReplicaToJoinIsr): the chain needs the follower
// silent from its in-sync fetch until the controller has accepted it (a 26 ms pause is too short).
// Not 4.1: with KIP-1166 a HW advance answers the leader's parked metadata fetch, so the record
// of its partition epoch reaches it with its AlterPartition answer or within 1 ms of it (this
// schedule at 4.1: 97.729461 s → 97.730292 s, and the same microsecond at 97.985873 s), leaving
// no time for an expansion in between; no expansion is dropped. At 4.0 (the same Kafka code) this
// schedule's run drops an expansion only once broker 3 is caught up (no finding).
// The run: broker 1 leads t/0 (replicas [1, 2, 3], min.insync.replicas 2) in epoch 7 from
// 107.570 s with ISR [1] (partition epoch 11) and log end 46, where epoch 7 starts. Broker 2
// fetches at 46 (115.941 s); the controller commits partition epoch 12, ISR [1, 2], at 115.967405
// s and leader 1 learns it from its AlterPartition answer at 115.967552 s; the metadata record
// of epoch 12 reaches it only at 116.028157 s. Meanwhile the leader appends offset 46
// (116.000926 s, log end 47, HW 46), and follower 3 truncates its diverging log to 46 and fetches
// at 46 (116.001439 s): Partition.isFollowerInSync (LEO ≥ HW, ≥ the epoch start) holds, so the
// leader sends the expansion [1, 2, 3] at epoch 12 (maximal ISR [1, 2, 3]: the HW stays at 46
// when broker 2 fetches at 47), and broker 3 stops for 30 ms. The controller accepts the
// expansion (partition epoch 13, ISR [1, 2, 3]) at 116.028133 s. The record of epoch 12 then
// arrives: Partition.makeLeader accepts a partition epoch equal to its own and
// updateAssignmentAndIsr replaces the pending state with CommittedPartitionState([1, 2]), and its
// maybeIncrementLeaderHW counts broker 3 no more: not in the maximal ISR, and not caught up by
// time (Replica.resetReplicaState gave it lastCaughtUpTimeMs 0 at the epoch's start, and its one
// fetch since was behind the log end: Replica.updateFetchStateOrThrow keeps 0). The HW goes to 47
// (116.028157 s), the leader ignores the answer of epoch 13 (handleAlterPartitionUpdate, 116.028540
// s), and broker 2's fetches take the HW to 48 (116.029406 s) and 49 (116.031382 s). Broker 3 is
// in the ISR with its log ending at 46 below the HW until it resumes (116.031439 s) and takes the
// answer to its fetch: had brokers 1 and 2 failed then, the controller could elect broker 3 and
// lose committed records although an in-sync replica is alive — below what Kafka documents. Read
// at 3.9.0-rc3 (Partition.scala, Replica.scala). The invariant monitor saw it once it judged every
// partition change (driver/invariant-looks.ts).

import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { DroppedIsrExpansion } from '../../../model/code-probes.ts';
import { isFailing } from '../../../driver/run.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import { fixtureInput, rerun } from '../regressions/helpers.ts';

describe('finding: an ISR expansion dropped by metadata of the same partition epoch', () => {
  it('seed 160008005 (hand-built, 3.9): broker 3 joins the ISR below the HW the leader advanced without it', () => {
    const { result, failing, kafkaFindings } = rerun(160008005, fixtureInput(160008005, 'paused'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['dropped-isr-expansion']);
    expect(kafkaFindings).toEqual(
      [47, 48, 49].map(
        (hw) =>
          'dropped-isr-expansion: candidate-complete: Broker 3 is in the ISR of t/0 and could be elected, but its ' +
          `log ends at 46, below the committed high watermark ${hw}: electing it would lose committed records.`,
      ),
    );
    const labelled = result.verdict.anomalies.filter((a) => a.kafkaFinding !== undefined);
    expect(labelled.map((a) => a.timesUs)).toEqual([[116_028_157], [116_029_406], [116_031_382]]);
    for (const a of labelled) {
      expect(a.kafkaFindingWitness).toMatch(/expansion to \[1, 2, 3\] was in flight/);
      expect(a.kafkaFindingWitness).toMatch(/epoch 7, applied metadata of its own partition epoch 12 \(ISR \[1, 2\]\)/);
    }
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
