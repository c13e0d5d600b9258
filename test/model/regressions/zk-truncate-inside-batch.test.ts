// Regression (model: a truncation inside a batch), ZooKeeper mode, swarm seed 137007625
// (`--controller zookeeper`, Kafka 3.9). The fixture (fixtures/seed-137007625-shifted.json) is a
// hand-shifted schedule derived from the seed's shrink: broker 2 stays down 1,057 ms after its
// first power loss, not 1,054 ms. Since the ZooKeeper-mode controller handles a broker change in
// Kafka's order and batches (model/zk-controller.ts), the shrink's own timing has broker 2's
// registration retry come at 39.998 s, just before its old session expires: refused, so broker
// 3's controller failover finds it dead and moves the leadership (epoch 2), and no epoch reopens.
// Broker 2, the controller, leads t/0 in epoch 0 and writes "p200-0" and "p200-1" as one batch
// at offsets 0–1, then loses power at 20.874 s (its log comes back empty at 21.931 s); its
// registration is refused while its old session's /brokers/ids/2 stands. The old session expires
// at 40.000 s; broker 2 registers again (40.002 s) before broker 3 wins the controller election
// (40.007 s), whose failover reads broker 2 live and leader 2 in epoch 0: OnlinePartition, no
// election (KafkaController.initializeControllerContext, PartitionStateMachine
// .initializePartitionState, 3.9.0-rc3). So broker 2 leads epoch 0 again from an empty log and
// writes "p200-32" (sent while it was down) at offset 0, a one-record batch (40.032 s).
// Followers 4 (41.002 s) and 3 (51.002 s), fetching in epoch 0, are told the epoch ends at 1 (the
// leader's log end) and truncate to 1, inside their batch 0–1. Kafka (LocalLog.truncateTo →
// LogSegment.truncateTo at translateOffset(1), then updateLogEndOffset(1)) cuts that whole batch
// and leaves offset 0 a gap; the model cut at offset 1 and kept "p200-0" as a batch's first
// record without its last. When broker 3 later led (epoch 1, 70.007 s) and broker 2 (after its
// second power loss at 54.767 s) fetched from 0, the answer handed "p200-0" and "p200-33" on as
// one batch: "the simulation threw at 70.050 s: model assertion failed: consecutive sequences in
// a batch: offset 1 has sequence 33, expected 1 (batch at 0)" (this schedule's report with
// model/replica-log.ts cutRecordsTo cutting at the target). Both power losses of the only
// replica holding acknowledged records are beyond the promise (min-isr-power-loss); the losses
// stay expected.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a follower truncated inside a batch', () => {
  it('seed 137007625 (shifted): the run completes; the cut batch leaves a gap; losses beyond the promise', () => {
    const input = fixtureInput(137007625, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(137007625, input);
    expect(result.outcome).not.toBe('crash');
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    expect(result.codeProbes).toContain('follower-appended-past-gap');
    const gaps = result.verdict.anomalies.filter((a) => a.kind === 'log-matching' && /a gap/.test(a.explanation));
    expect(gaps.length).toBeGreaterThan(0);
    const judged = result.verdict.anomalies.filter((a) => a.kind !== 'expected-loss');
    expect(judged.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
