// Manual commits (issue 15 item 3, enable.auto.commit=false): each member commits its
// positions after each poll that returned records (KafkaConsumer.commitAsync), never on a
// timer; with auto commit the commits come from the auto-commit timer instead. Judged by the
// committed-offset checker (a correct run passes).

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { CommitValue, History } from '../../checkers/history.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';

const input = (manualCommit: boolean, sends: number): ScenarioInput =>
  groupScenarioInput([], {
    partitions: 2,
    sends,
    sendIntervalMs: 100,
    group: { autoCommitIntervalMs: 500, ...(manualCommit ? { manualCommit: true } : {}) },
    healAtMs: 10_000,
  });

function commitsOf(history: History): CommitValue[] {
  return history.filter((e) => e.f === 'commit' && e.type === 'ok').map((e) => e.value as CommitValue);
}

describe('manual commits after processing (enable.auto.commit=false)', () => {
  it('a member commits after the polls that returned records, and the run passes the checkers', () => {
    const r = runScenario(deps, {
      seed: 2,
      scenario: 'consumer-group',
      variant: 'correct',
      input: input(true, 60),
      trace: true,
    });
    expect(r.outcome).toBe('ok');
    const history = r.trace!.history;
    const commits = commitsOf(history);
    expect(commits.length).toBeGreaterThan(0);
    // every commit invoke follows a poll of the same member that returned records
    const polledRecords = new Set<string>();
    for (const e of history) {
      const v = e.value as { member?: string; records?: unknown[] } | null;
      if (e.f === 'poll' && e.type === 'ok' && Array.isArray(v?.records) && v.records.length > 0)
        polledRecords.add(String(Math.floor(Number(e.process) / 1000)));
      if (e.f === 'commit' && e.type === 'invoke')
        expect(polledRecords.has(String(Math.floor(Number(e.process) / 1000)))).toBe(true);
    }
  });

  it('one commit at most per poll that returned records; auto commit commits on its timer instead', () => {
    const run = (manual: boolean) =>
      runScenario(deps, {
        seed: 2,
        scenario: 'consumer-group',
        variant: 'correct',
        input: input(manual, 60),
        trace: true,
      });
    const manual = run(true).trace!.history;
    const pollsWithRecords = manual.filter((e) => {
      const v = e.value as { records?: unknown[] } | null;
      return e.f === 'poll' && e.type === 'ok' && Array.isArray(v?.records) && v.records.length > 0;
    }).length;
    const invokes = manual.filter((e) => e.f === 'commit' && e.type === 'invoke').length;
    expect(invokes).toBeGreaterThan(0);
    expect(invokes).toBeLessThanOrEqual(pollsWithRecords);
    const auto = run(false);
    expect(auto.outcome).toBe('ok');
    expect(commitsOf(auto.trace!.history).length).toBeGreaterThan(0);
  });
});
