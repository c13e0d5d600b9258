// Regression (driver, driver/run.ts): liveness was judged the moment the probe client's
// send and poll succeeded, although its other conditions (the leader took over, the ISR is
// back at min.insync.replicas) may come true only later in the 120 s window.
//
// Fuzzer report: swarm, correct model, seed 1168 of base seed 1: "t/0 did not recover: its
// ISR stayed at 1 member(s), below 2". Story: RF 2, min ISR 2; broker 2, then broker 1 lose
// their link to the controller; both are fenced; the ISR shrinks to [] with ELR [1, 2]; after
// the heal broker 2 is re-elected from the ELR with ISR [2]. Broker 1 still leads epoch 1 (its
// metadata is behind) and the probe's send succeeds on it at once, while broker 1 only joins
// the ISR of epoch 4 a couple of seconds later. The run stopped watching at the probe's
// success, so the recovery in progress was reported as a failure.

import { describe, expect, it } from 'vitest';
import { rerun } from './helpers.ts';
import type { ScenarioInput } from '../../../scenarios/index.ts';

const input: ScenarioInput = {
  shape: {
    brokers: 3,
    replicationFactor: 2,
    minInsync: 2,
    partitions: 2,
    timing: {
      'replica.lag.time.max.ms': 4000,
      'replica.high.watermark.checkpoint.interval.ms': 500,
      'broker.session.timeout.ms': 6000,
    },
  },
  workload: { producers: 1, consumers: 1, sends: 1, keys: 0, sendIntervalMs: 229, pollIntervalMs: 449 },
  faults: [
    {
      trigger: {
        kind: 'on',
        event: { probe: 'produce-ack', broker: null, partition: null, change: 'any', appendedOnly: false },
        nth: 1,
        afterMs: 0,
        delayUs: 0,
      },
      action: {
        kind: 'cut',
        cut: { shape: 'link', a: { kind: 'follower', partition: 0, index: 3 }, b: { kind: 'controller' } },
        durationMs: 21452,
      },
    },
    {
      trigger: { kind: 'after', delayUs: 1304441 },
      action: {
        kind: 'cut',
        cut: { shape: 'link', a: { kind: 'leader', partition: 0 }, b: { kind: 'controller' } },
        durationMs: 21679,
      },
    },
  ],
  healAtMs: 120000,
};

describe('liveness is judged over its whole window, not at the probe success', () => {
  it('seed 1168: the ISR recovers after the probe succeeded, and the run passes', () => {
    const { result, failing } = rerun(1168, input, 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    // The case the test is about: the probe's send succeeded while the ISR of t/0 was below
    // min.insync.replicas; the ISR grew back to 2 members only afterwards.
    const history = result.trace!.history;
    const probeOk = history.find(
      (e) =>
        e.type === 'ok' &&
        e.f === 'send' &&
        Number(e.process) >= 400_000 &&
        (e.value as { partition: number }).partition === 0,
    );
    expect(probeOk).toBeDefined();
    const isrAt = (t: number) => {
      let isr: number[] = [];
      for (const e of result.trace!.timeline) if (e.kind === 'partition' && e.partition === 0 && e.t <= t) isr = e.isr;
      return isr;
    };
    // Before the controller quorum (issue 14) the probe succeeded while the ISR was still below
    // min.insync.replicas; the quorum moved the interleaving (no seed of 1168–4567 does it now),
    // so the input stays as a no-false-positive regression with the ISR whole at the end.
    expect(isrAt(result.endTimeUs).length).toBe(2);
  });
});
