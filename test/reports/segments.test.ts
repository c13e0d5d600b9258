// The segment view of the report (issue 12 item 6): the trace's timeline has a `storage` event
// for each segment a replica rolls (creates) and deletes (retention, truncation), and the
// report's columns carry them (seg.rp 0: created, 2: deleted, 1: the recovery point moved), from
// which the page's kafka-dump-log panel lists the segments a replica has at any moment.
// Seed 700002 of the swarm with retention applied (the swarm draws it but does not apply it
// for now), as in test/browser/report.test.ts: retention.ms 10 s, checked every second.

import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../checkers/trace.ts';
import { deps } from '../../driver/default-deps.ts';
import { generateInput, runScenario } from '../../driver/run.ts';
import { buildViolationData } from '../../reports/report-data.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';

type StorageEvent = Extract<TimelineEvent, { kind: 'storage' }>;

function runWithRetention() {
  const drawn = generateInput('swarm', 700_002);
  const timing = {
    ...drawn.shape.timing,
    'log.retention.ms': 10_000,
    'log.retention.check.interval.ms': 1_000,
    'log.initial.task.delay.ms': 1_000,
  };
  const input: ScenarioInput = { ...drawn, shape: { ...drawn.shape, timing } };
  return runScenario(deps, { seed: 700_002, scenario: 'swarm', variant: 'correct', input, trace: true }).trace!;
}

describe('segments in the trace and the report', () => {
  const trace = runWithRetention();
  const storage = (trace.timeline ?? []).filter((e): e is StorageEvent => e.kind === 'storage');

  it('the timeline has an event at each roll and each deletion, and a deleted segment was rolled first', () => {
    const rolled = storage.filter((e) => e.change === 'segment');
    const deleted = storage.filter((e) => e.change === 'segment-deleted');
    expect(rolled.length).toBeGreaterThan(0);
    expect(deleted.length).toBeGreaterThan(0);
    for (const d of deleted) {
      const before = rolled.filter((r) => r.broker === d.broker && r.topic === d.topic && r.partition === d.partition);
      expect(before.some((r) => r.offset === d.offset && r.t <= d.t)).toBe(true);
    }
    // Retention deletes the segments below the new log start when it moves it.
    const moves = (trace.timeline ?? []).filter((e) => e.kind === 'log-start' && e.reason === 'segment-deletion');
    for (const m of moves) {
      const at = deleted.filter((d) => d.t === m.t && d.broker === (m as { broker: number }).broker);
      expect(at.length).toBeGreaterThan(0);
    }
  });

  it("the report's columns carry creations, deletions and recovery-point moves", () => {
    const { data } = buildViolationData(trace);
    const codes = new Set(data.seg!.rp);
    expect([...codes].sort()).toEqual([0, 1, 2]);
    expect(data.seg!.rp.filter((c) => c === 2).length).toBe(
      storage.filter((e) => e.change === 'segment-deleted').length,
    );
  });
});
