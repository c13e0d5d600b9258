// Blocking commitSync() between polls (issue 15, ConsumerCoordinator.commitOffsetsSync), on
// hand-built schedules run through the driver and judged by the committed-offset checker.
// Cluster: 3 brokers, topic t (2 partitions, RF 3), `__consumer_offsets` of 1 partition led by
// broker 2 (the coordinator), one producer, two members committing with commitSync().
// - Coordinator move: member 0's link to broker 2 is slowed by 3 s from 10 s, so each of its
//   commits is in flight for 3 s; broker 2 crashes at 12.5 s. The commit in flight loses its
//   connection, the member finds the new coordinator and the same commit is sent again and
//   answered: one invoke, one ok, after the crash. Member 0 is the one that reads partition 0,
//   whose leader is not broker 2: the member reading partition 1 fetches from broker 2, so the
//   slow link would hold its fetch past the crash and it would have no commit in flight. Which
//   member gets which partition follows the order they join in (the member ids the range
//   assignor sorts), which moved with the KRaft metadata timing (25 ms append linger): before
//   it, member 1 read partition 0.
// - Rebalance: member 0 is paused 9 s (past its 6 s session); the group moves to a new
//   generation without it; its commitSync() is refused (UNKNOWN_MEMBER_ID → CommitFailedException)
//   and recorded as fail.
// - Timeout: member 0 (partition 0, as above) is cut off from broker 2 for 70 s; its commitSync()
//   finds broker 2 again and again (the other brokers answer FindCoordinator) and is never
//   answered: it gives up after default.api.timeout.ms (60 s) with TimeoutException, recorded as
//   info. (The member reading partition 1 would fetch nothing while cut off, so commit nothing.)

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { HistoryEvent } from '../../checkers/history.ts';
import type { Fault } from '../../scenarios/faults.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';

const input = (faults: Fault[], commitSync = true, healAtMs = 60_000): ScenarioInput =>
  groupScenarioInput(faults, {
    partitions: 2,
    group: { manualCommit: true, ...(commitSync ? { commitSync: true } : {}) },
    healAtMs,
  });

const coordinator = { kind: 'broker', id: 2 } as const;
const member0 = { kind: 'consumer', index: 0 } as const;
const CRASH_US = 12_500_000;

const coordinatorMove: Fault[] = [
  {
    trigger: { kind: 'at', atMs: 10_000 },
    action: { kind: 'slow', target: coordinator, peer: member0, extraMs: 3_000, durationMs: 20_000 },
  },
  { trigger: { kind: 'at', atMs: 12_500 }, action: { kind: 'crash', target: coordinator, downMs: 5_000 } },
];

const rebalance: Fault[] = [
  { trigger: { kind: 'at', atMs: 10_000 }, action: { kind: 'pause', target: member0, durationMs: 9_000 } },
];

const timeout: Fault[] = [
  {
    trigger: { kind: 'at', atMs: 10_000 },
    action: { kind: 'cut', cut: { shape: 'link', a: member0, b: coordinator }, durationMs: 70_000 },
  },
];

function run(faults: Fault[], commitSync = true, healAtMs = 60_000) {
  const r = runScenario(deps, {
    seed: 1,
    scenario: 'consumer-group',
    variant: 'correct',
    input: input(faults, commitSync, healAtMs),
    trace: true,
  });
  return { r, commits: r.trace!.history.filter((e) => e.f === 'commit') };
}

/** The commit completions (ok/fail/info) with the time of their invoke on the same process. */
function completions(commits: HistoryEvent[]): Array<{ invokeUs: number; end: HistoryEvent }> {
  const open = new Map<number, number>();
  const out: Array<{ invokeUs: number; end: HistoryEvent }> = [];
  for (const e of commits) {
    if (e.type === 'invoke') open.set(Number(e.process), Number(e.time));
    else out.push({ invokeUs: open.get(Number(e.process))!, end: e });
  }
  return out;
}

describe('commitSync() between polls', () => {
  it('a commitSync in flight across a coordinator move is retried on the new coordinator and answered', () => {
    const { r, commits } = run(coordinatorMove);
    expect(r.outcome).toBe('ok');
    expect(r.codeProbes).toContain('group-commit-sync-retry');
    const across = completions(commits).filter((c) => c.invokeUs < CRASH_US && Number(c.end.time) > CRASH_US);
    expect(across.length).toBeGreaterThan(0);
    expect(across.some((c) => c.end.type === 'ok')).toBe(true);
  });

  it('a commitSync across a rebalance that dropped the member fails with CommitFailedException', () => {
    const { r, commits } = run(rebalance);
    expect(r.outcome).toBe('ok');
    const failed = commits.filter((e) => e.type === 'fail');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((e) => String(e.error).startsWith('CommitFailedException'))).toBe(true);
    // with commitAsync the same schedule never blocks the member: no commitSync probe
    expect(run(rebalance, false).r.codeProbes).not.toContain('group-commit-sync');
  });

  it('a commitSync never answered gives up after default.api.timeout.ms, indeterminate (info)', () => {
    const { r, commits } = run(timeout, true, 100_000);
    expect(r.outcome).toBe('ok');
    const timedOut = completions(commits).filter((c) => c.end.error === 'TimeoutException');
    expect(timedOut.length).toBeGreaterThan(0);
    for (const c of timedOut) {
      expect(c.end.type).toBe('info');
      expect(Number(c.end.time) - c.invokeUs).toBeGreaterThanOrEqual(60_000_000);
    }
  });
});
