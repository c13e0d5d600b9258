// Members whose application stalls between polls (issue 15 item 3, max.poll.interval.ms): the
// heartbeat thread keeps the membership alive through a stall shorter than
// max.poll.interval.ms; past it the member leaves the group (AbstractCoordinator
// .HeartbeatThread → maybeLeaveGroup: LeaveGroup, generation and member id reset) and joins
// again as a new member when it polls again. No poll is recorded during a stall, and a
// correct run passes the committed-offset checker.

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { AssignmentValue, History } from '../../checkers/history.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';

const input = (forMs: number, maxPollIntervalMs: number): ScenarioInput =>
  groupScenarioInput([], {
    partitions: 2,
    sends: 300,
    sendIntervalMs: 100,
    group: {
      sessionTimeoutMs: 10_000,
      heartbeatIntervalMs: 3_000,
      stall: { everyMs: 8_000, forMs, maxPollIntervalMs },
    },
    healAtMs: 40_000,
  });

const ok = (h: History, f: string) => h.filter((e) => e.f === f && e.type === 'ok');

function run(forMs: number, maxPollIntervalMs: number) {
  const r = runScenario(deps, {
    seed: 4,
    scenario: 'consumer-group',
    variant: 'correct',
    input: input(forMs, maxPollIntervalMs),
    trace: true,
  });
  return { r, history: r.trace!.history };
}

describe('max.poll.interval.ms', () => {
  it('a stall past it: the member leaves, and joins again as a new member when it polls again', () => {
    const { r, history } = run(9_000, 4_000);
    expect(r.outcome).toBe('ok');
    const leaves = ok(history, 'leave');
    expect(leaves.length).toBeGreaterThan(0);
    // each process that left was handed a later assignment under another member id
    for (const leave of leaves) {
      const left = (leave.value as { member: string }).member;
      const later = ok(history, 'assignment').filter((e) => e.process === leave.process && e.time > leave.time);
      expect(later.length).toBeGreaterThan(0);
      expect((later[0].value as AssignmentValue).member).not.toBe(left);
    }
  });

  it('a stall within it: no leave, the same members throughout, and polls pause', () => {
    const { r, history } = run(2_000, 6_000);
    expect(r.outcome).toBe('ok');
    expect(ok(history, 'leave')).toEqual([]);
    const members = new Set(ok(history, 'assignment').map((e) => (e.value as AssignmentValue).member));
    expect(members.size).toBe(2);
    // a member's polls leave gaps of the stall's length (polls are 100 ms apart otherwise)
    const longest = new Map<number | string, number>();
    const last = new Map<number | string, number>();
    for (const e of history) {
      if (e.f !== 'poll' || e.type !== 'invoke' || !ok(history, 'assignment').some((a) => a.process === e.process))
        continue;
      const before = last.get(e.process);
      if (before !== undefined) longest.set(e.process, Math.max(longest.get(e.process) ?? 0, e.time - before));
      last.set(e.process, e.time);
    }
    expect(longest.size).toBe(2);
    for (const gap of longest.values()) expect(gap).toBeGreaterThanOrEqual(1_500_000);
  });
});
