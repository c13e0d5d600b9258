// Bug zoo: the three group-coordinator variants (issue 15), each on a hand-built fault
// schedule run through the driver (scenario input written by hand, not drawn), with the
// committed-offset checker judging the history. Cluster: 3 brokers, topic t (1 partition,
// RF 3, min.insync.replicas 2), `__consumer_offsets` of 1 partition (RF 3, led by broker 2),
// one producer, two group members (sessions 6 s, heartbeats 2 s, auto commits every 1 s).
// The owner of t-0 is the member that joined first (its member id sorts first for the range
// assignor): consumer 1 on these schedules under the KRaft metadata timing (25 ms append
// linger; before it, consumer 0 joined first). The schedules below act on that owner.
// - stale-generation-commit: the owner is cut off from broker 2 (its
//   coordinator) for 12.5 s; its session expires, the other member is handed generation 3; the cut
//   heals between the owner's heartbeats, so its next auto commit (generation 2) reaches the
//   coordinator first. Correct: UNKNOWN_MEMBER_ID. Variant: accepted (stale-generation-commit).
// - coordinator-acks-1: broker 2's links to the other brokers are slowed by 3 s, so its
//   __consumer_offsets appends reach the followers late; broker 2 is killed 2.5 s later and
//   the owner crashes too. The new coordinator loads a log without the last
//   commits; the other member is handed t-0 and fetches the offset. Correct: those commits were never
//   answered (NOT_COORDINATOR / no answer). Variant: answered at append, then lost (lost-commit).
// - coordinator-serves-before-load: broker 2 is killed; the new leader serves an empty group
//   (no load): members rejoin as new ones, generations start over and the fetched offset is
//   gone. Correct: the new coordinator loads the log first and nothing is lost.

import { describe, expect, it } from 'vitest';
import { isFailing, runScenario } from '../../../driver/run.ts';
import { deps } from '../../../driver/default-deps.ts';
import type { VariantName } from '../../../model/config.ts';
import type { Fault } from '../../../scenarios/faults.ts';
import type { ScenarioInput } from '../../../scenarios/input.ts';
import { groupScenarioInput } from '../group-input.ts';

const input = (faults: Fault[]): ScenarioInput => groupScenarioInput(faults);

const coordinator = { kind: 'broker', id: 2 } as const;
const owner = { kind: 'consumer', index: 1 } as const;

const staleGeneration = input([
  {
    trigger: { kind: 'at', atMs: 8_000 },
    action: { kind: 'cut', cut: { shape: 'link', a: owner, b: coordinator }, durationMs: 12_500 },
  },
]);

const acksOne = input([
  {
    trigger: { kind: 'at', atMs: 10_000 },
    action: { kind: 'slow', target: coordinator, peer: { kind: 'broker', id: 1 }, extraMs: 3_000, durationMs: 20_000 },
  },
  {
    trigger: { kind: 'at', atMs: 10_000 },
    action: { kind: 'slow', target: coordinator, peer: { kind: 'broker', id: 3 }, extraMs: 3_000, durationMs: 20_000 },
  },
  { trigger: { kind: 'at', atMs: 12_500 }, action: { kind: 'crash', target: coordinator, downMs: 5_000 } },
  { trigger: { kind: 'at', atMs: 12_600 }, action: { kind: 'crash', target: owner, downMs: 40_000 } },
]);

const coordinatorCrash = input([
  { trigger: { kind: 'at', atMs: 12_500 }, action: { kind: 'crash', target: coordinator, downMs: 5_000 } },
]);

function failingKinds(variant: VariantName, scenarioInput: ScenarioInput): string[] {
  const r = runScenario(deps, { seed: 1, scenario: 'consumer-group', variant, input: scenarioInput });
  expect(r.outcome === 'crash' || r.outcome === 'stuck').toBe(false);
  return [...new Set(r.verdict.anomalies.filter(isFailing).map((a) => a.kind))];
}

describe('zoo: the group coordinator variants on hand-built schedules', () => {
  it('stale-generation-commit: a zombie member commits with its old generation and it is accepted', () => {
    expect(failingKinds('stale-generation-commit', staleGeneration)).toContain('stale-generation-commit');
    expect(failingKinds('correct', staleGeneration)).toEqual([]);
  });

  it('coordinator-acks-1: commits answered at append are lost when the coordinator moves', () => {
    expect(failingKinds('coordinator-acks-1', acksOne)).toContain('lost-commit');
    expect(failingKinds('correct', acksOne)).toEqual([]);
  });

  it('coordinator-serves-before-load: a new coordinator serving before its load forgets the group', () => {
    const kinds = failingKinds('coordinator-serves-before-load', coordinatorCrash);
    expect(kinds.some((k) => k === 'lost-commit' || k === 'stale-generation-commit')).toBe(true);
    // the white-box invariant sees it at the move itself: the state served is not the log's replay
    expect(kinds).toContain('coordinator-state-loaded');
    expect(failingKinds('correct', coordinatorCrash)).toEqual([]);
  });
});
