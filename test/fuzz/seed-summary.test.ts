// A campaign's line for a seed (campaign/tasks.ts summarize): a failing run is named by its first
// failing anomaly of the failing kind, not by an earlier anomaly of that kind the promise excused.
// Swarm --controller zookeeper seed 550045213 (campaign base 550,000,000) was listed as
// "Value "p201-43" appears at 2 offsets", an expected duplicate, while "p200-52" had failed.

import { describe, expect, it } from 'vitest';
import { summarize } from '../../campaign/tasks.ts';
import type { RunResult } from '../../driver/run.ts';
import type { Anomaly } from '../../checkers/verdict.ts';

const breach = { rule: 'min-isr-power-loss', explanation: 'a power loss', atUs: 75_622_500, event: 'power loss' };
const excused: Anomaly = {
  kind: 'duplicate',
  explanation: 'Value "p201-43" appears at 2 offsets of t/0 (70, 96), though it was sent once.',
  expected: true,
  expectedBecause: breach,
};
const failed: Anomaly = {
  kind: 'duplicate',
  explanation: 'Value "p200-52" appears at 3 offsets of t/0 (71, 95, 98), though it was sent once.',
};

function run(anomalies: Anomaly[]): RunResult {
  return {
    seed: 550045213,
    scenario: 'swarm',
    variant: 'correct',
    outcome: 'violation',
    verdict: { valid: false, checker: 'kafka', anomalies },
    hash: '7888c8d51d25c30d',
    eventCount: 1,
    endTimeUs: 1,
    beyondPromise: true,
    faultsFired: 1,
    failureKind: 'duplicate',
  };
}

describe('a failing seed’s summary line', () => {
  it('names the failing anomaly of its kind, after an excused one of the same kind', () => {
    const line = summarize(run([excused, failed]), 4, 0);
    expect(line.kind).toBe('duplicate');
    expect(line.explanation).toBe(failed.explanation);
  });

  it('names the first failing one when several of the kind fail', () => {
    const second = { ...failed, explanation: 'Value "p200-53" appears at 2 offsets.' };
    expect(summarize(run([failed, second]), 4, 0).explanation).toBe(failed.explanation);
  });
});
