// campaign/reference-rates.ts: each campaign's expected-loss rate beside the correct model's
// stored rate for its scenario; a rate far above it (the campaign's Wilson interval entirely
// above the reference's) is a finding: in the summary, its terminal text and the exit code.

import { describe, expect, it } from 'vitest';
import {
  compareExpectedLosses,
  drawsKey,
  REFERENCE_RATES,
  type ReferenceRate,
  wilson,
} from '../../campaign/reference-rates.ts';
import { buildSummary, formatSummary } from '../../campaign/summary.ts';
import type { SeedResult } from '../../campaign/tasks.ts';

const ref: ReferenceRate = { scenario: 'swarm', seeds: 20_000, expectedLosses: 160, baseSeed: 1, measured: 'test' };

describe('wilson', () => {
  it('matches the textbook interval (z = 1.96) and stays inside [0, 1]', () => {
    const { low, high } = wilson(10, 100, 1.96);
    expect(low).toBeCloseTo(0.0552, 3);
    expect(high).toBeCloseTo(0.1744, 3);
    expect(wilson(0, 100, 1.96).low).toBe(0);
    expect(wilson(0, 100, 1.96).high).toBeCloseTo(0.037, 3);
    expect(wilson(100, 100).high).toBe(1);
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
  });
});

describe('compareExpectedLosses', () => {
  it("the reference's own rate is no finding; one far above it is", () => {
    expect(compareExpectedLosses('swarm', 20_000, 160, {}, [ref]).finding).toBe(false);
    expect(compareExpectedLosses('swarm', 20_000, 200, {}, [ref]).finding).toBe(false); // within noise
    const far = compareExpectedLosses('swarm', 20_000, 400, { 'min-isr-power-loss': 400 }, [ref]);
    expect(far).toMatchObject({ finding: true, rate: 0.02, reference: { rate: 0.008 } });
    expect(far.low).toBeGreaterThan(far.reference!.high);
  });

  it('a short campaign is no finding by chance; no reference for other inputs or scenarios', () => {
    expect(compareExpectedLosses('swarm', 50, 2, {}, [ref]).finding).toBe(false);
    // One seed re-run (--seed S of an expected loss): a rate of 100 %, no finding.
    expect(compareExpectedLosses('swarm', 1, 1, {}, [ref]).finding).toBe(false);
    expect(compareExpectedLosses('swarm', 499, 499, {}, [ref]).finding).toBe(false);
    expect(compareExpectedLosses(null, 20_000, 400, {}, [ref])).toMatchObject({
      reference: null,
      finding: false,
    });
    expect(compareExpectedLosses('other', 20_000, 400, {}, [ref]).reference).toBeNull();
  });

  it('names the inputs a reference was measured on: own draws, one mode alone, nothing else', () => {
    expect(drawsKey('swarm', undefined, false)).toBe('swarm');
    expect(drawsKey('swarm', undefined, true)).toBeNull(); // --guided mutates the draws
    expect(drawsKey('swarm', { kind: 'overrides', overrides: { controller: 'zookeeper' } }, false)).toBe(
      'swarm --controller zookeeper',
    );
    expect(drawsKey('swarm', { kind: 'overrides', overrides: { controller: 'zookeeper', brokers: 5 } }, false)).toBe(
      null,
    );
    expect(drawsKey('swarm', { kind: 'overrides', overrides: { controller: 'kraft' } }, false)).toBe(
      'swarm --controller kraft',
    );
    expect(drawsKey('swarm', { kind: 'overrides', overrides: { controllers: 3 } }, false)).toBeNull();
    expect(drawsKey('swarm', { kind: 'fixed' }, false)).toBeNull();
    const zk: ReferenceRate = { ...ref, scenario: 'swarm --controller zookeeper', expectedLosses: 400 };
    expect(compareExpectedLosses('swarm --controller zookeeper', 20_000, 400, {}, [ref, zk]).finding).toBe(false);
    expect(compareExpectedLosses('swarm', 20_000, 400, {}, [ref, zk]).finding).toBe(true);
  });

  it('every stored reference names its seeds, base seed and measurement', () => {
    expect(REFERENCE_RATES.length).toBeGreaterThan(0);
    for (const r of REFERENCE_RATES) {
      expect(r.seeds).toBeGreaterThan(0);
      expect(r.expectedLosses).toBeLessThanOrEqual(r.seeds);
      expect(r.measured).not.toBe('');
    }
    expect(REFERENCE_RATES.map((r) => r.scenario)).toContain('swarm');
  });
});

describe('the campaign summary', () => {
  const result = (seed: number, outcome: 'ok' | 'expected-loss'): SeedResult => ({
    seed,
    outcome,
    hash: '0',
    events: 1,
    endTimeUs: 1,
    beyondPromise: outcome === 'expected-loss',
    faults: 1,
    faultsFired: 1,
    wallMs: 1,
    ...(outcome === 'expected-loss' ? { rule: 'min-isr-power-loss' } : {}),
  });
  const summaryOf = (losses: number, seeds: number, draws: string | null = 'swarm') =>
    buildSummary({
      scenario: 'swarm',
      variant: 'correct',
      baseSeed: 0,
      seedsRequested: seeds,
      shard: null,
      results: Array.from({ length: seeds }, (_, i) => result(i, i < losses ? 'expected-loss' : 'ok')),
      violations: [],
      maxViolations: 1,
      checkDeterminism: false,
      interrupted: false,
      stoppedEarly: false,
      wallMs: 1000,
      draws,
    });

  it('reports the rate beside the reference, and a rate far above it as a finding (exit 1)', () => {
    const swarm = REFERENCE_RATES.find((r) => r.scenario === 'swarm')!;
    const usual = summaryOf(0, 100);
    expect(usual.exitCode).toBe(0);
    expect(usual.expectedLossRate.reference).toMatchObject({ scenario: 'swarm', seeds: swarm.seeds });
    expect(formatSummary(usual)).toMatch(/expected-loss rate 0\.00% \(0 of 100 seeds\); correct model on swarm/);
    const far = summaryOf(900, 3000);
    expect(far.expectedLossRate).toMatchObject({ finding: true, byRule: { 'min-isr-power-loss': 900 } });
    expect(far.exitCode).toBe(1);
    const text = formatSummary(far);
    expect(text).toMatch(/FINDING: expected-loss rate 30\.00%/);
    expect(text).toMatch(/result: expected-loss rate far above the correct model: a finding \(exit 1\)/);
    expect(summaryOf(900, 3000, null)).toMatchObject({ exitCode: 0, expectedLossRate: { reference: null } });
  });
});
