// Regression (model: a truncation inside a batch), ZooKeeper mode, swarm seed 137007625
// (`--controller zookeeper`, Kafka 3.9). Broker 2 leads t/0 in epoch 0 and writes "p200-0" and
// "p200-1" as one batch at offsets 0–1, then loses power (its log comes back empty) before its
// ZooKeeper session expires: the controller never moves the leadership, so broker 2 leads epoch
// 0 again from an empty log and writes the retried "p200-31" at offset 0, a one-record batch.
// Followers 3 and 4, fetching in epoch 0, are told the epoch ends at 1 (the leader's log end)
// and truncate to 1, inside their batch 0–1. Kafka (LocalLog.truncateTo → LogSegment.truncateTo
// at translateOffset(1), then updateLogEndOffset(1)) cuts that whole batch and leaves offset 0
// a gap; the model cut at offset 1 and kept "p200-0" as a batch's first record without its
// last. When broker 3 later led and broker 2 (after its second power loss) fetched from 0, the
// answer handed "p200-0" and "p200-32" on as one batch: "the simulation threw at 70.202 s:
// model assertion failed: consecutive sequences in a batch: offset 1 has sequence 32,
// expected 1 (batch at 0)". Both power losses of the only replica holding acknowledged
// records are beyond the promise (min-isr-power-loss); the losses stay expected.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a follower truncated inside a batch', () => {
  it('seed 137007625: the run completes; the cut batch leaves a gap; the losses are beyond the promise', () => {
    const input = fixtureInput(137007625);
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
