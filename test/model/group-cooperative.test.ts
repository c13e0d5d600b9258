// The cooperative-sticky assignor and the COOPERATIVE rebalance protocol (KIP-429): the
// assignor alone (model/group-assignor.ts, after CooperativeStickyAssignor and
// AbstractStickyAssignor's ConstrainedAssignmentBuilder), then members that use it in a run
// with churn, judged by the committed-offset checker.

import { describe, expect, it } from 'vitest';
import { isFailing, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { AssignmentValue, History } from '../../checkers/history.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';
import { cooperativeStickyAssign } from '../../model/group-assignor.ts';
import type { MemberSubscription, TopicPartition } from '../../model/group-coordinator.ts';

const topics = [{ name: 't', partitions: 3, replicationFactor: 3 }];
const tp = (partition: number): TopicPartition => ({ topic: 't', partition });
const names = (m: Map<string, TopicPartition[]>): Record<string, number[]> =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.map((x) => x.partition).sort()]));
const subs = (s: Record<string, MemberSubscription>): Map<string, MemberSubscription> => new Map(Object.entries(s));

describe('cooperativeStickyAssign', () => {
  it('a first assignment: every partition, balanced', () => {
    const a = cooperativeStickyAssign(['a', 'b'], subs({}), topics);
    expect(names(a)).toEqual({ a: [0, 2], b: [1] });
  });

  it('a new member: the owner keeps its quota, and a partition that moves is held back one round', () => {
    const first = cooperativeStickyAssign(
      ['a', 'b'],
      subs({ a: { owned: [tp(0), tp(1), tp(2)], generation: 4 }, b: { owned: [], generation: -1 } }),
      topics,
    );
    // a keeps maxQuota (2); p2 moves to b, so nobody gets it in this generation
    expect(names(first)).toEqual({ a: [0, 1], b: [] });
    const second = cooperativeStickyAssign(
      ['a', 'b'],
      subs({ a: { owned: [tp(0), tp(1)], generation: 5 }, b: { owned: [], generation: 5 } }),
      topics,
    );
    expect(names(second)).toEqual({ a: [0, 1], b: [2] });
  });

  it('a partition claimed by two members of one generation goes to neither this round', () => {
    const a = cooperativeStickyAssign(
      ['a', 'b'],
      subs({ a: { owned: [tp(0), tp(1)], generation: 3 }, b: { owned: [tp(1), tp(2)], generation: 3 } }),
      topics,
    );
    expect(names(a)).toEqual({ a: [0], b: [2] });
  });

  it('a claim of a newer generation wins over an older one', () => {
    const a = cooperativeStickyAssign(
      ['a', 'b'],
      subs({ a: { owned: [tp(0), tp(1)], generation: 2 }, b: { owned: [tp(1), tp(2)], generation: 3 } }),
      topics,
    );
    expect(names(a)).toEqual({ a: [0], b: [1, 2] });
  });
});

const input = (cooperative: boolean): ScenarioInput =>
  groupScenarioInput([], {
    partitions: 3,
    sends: 300,
    sendIntervalMs: 100,
    group: { consumers: 3, churnMs: 8_000, ...(cooperative ? { assignor: 'cooperative-sticky' as const } : {}) },
    healAtMs: 40_000,
  });

/** Partitions a member kept from one assignment to its next (same member id). */
function kept(history: History): number {
  const last = new Map<string, Set<string>>();
  let n = 0;
  for (const e of history) {
    if (e.f !== 'assignment' || e.type !== 'ok') continue;
    const v = e.value as AssignmentValue;
    const now = new Set(v.partitions.map((x) => `${x.topic}/${x.partition}`));
    for (const k of last.get(v.member) ?? []) if (now.has(k)) n++;
    last.set(v.member, now);
  }
  return n;
}

/** Seeks (`assign`) recorded by group members: each starts a partition at a committed offset or a reset. */
function seeks(history: History): number {
  const members = new Set(history.filter((e) => e.f === 'subscribe').map((e) => e.process));
  return history.filter((e) => e.f === 'assign' && e.type === 'ok' && members.has(e.process)).length;
}

describe('cooperative rebalances (KIP-429) in a run with churn', () => {
  it('members keep their partitions across rebalances, hand moved ones over in a second one, and pass', () => {
    const r = runScenario(deps, {
      seed: 1,
      scenario: 'consumer-group',
      variant: 'correct',
      input: input(true),
      trace: true,
    });
    expect(r.verdict.anomalies.filter(isFailing)).toEqual([]);
    expect(r.codeProbes).toContain('group-cooperative-revoke-and-rejoin');
    const history = r.trace!.history;
    expect(kept(history)).toBeGreaterThan(0);
    // eager members seek every partition of every assignment again; cooperative ones only the added ones
    const eager = runScenario(deps, {
      seed: 1,
      scenario: 'consumer-group',
      variant: 'correct',
      input: input(false),
      trace: true,
    });
    expect(eager.verdict.anomalies.filter(isFailing)).toEqual([]);
    expect(eager.codeProbes).not.toContain('group-cooperative-revoke-and-rejoin');
    expect(seeks(history)).toBeLessThan(seeks(eager.trace!.history));
  });
});
