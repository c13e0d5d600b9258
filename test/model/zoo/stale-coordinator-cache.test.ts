// Bug zoo: stale-coordinator-cache (KAFKA-7447), on a hand-built fault schedule run through the
// driver (scenario input written by hand, not drawn), judged by the committed-offset checker
// and the coordinator's white-box invariants. Cluster: 3 brokers, topic t (1 partition, RF 3,
// min.insync.replicas 2), `__consumer_offsets` of 1 partition (RF 3, broker 2 its preferred
// leader), one producer, two group members (sessions 6 s, heartbeats 2 s, auto commits every
// 1 s), automatic preferred-leader elections every 10 s.
//
// Broker 2, the coordinator, is isolated for 12 s from 10 s on: the controller fences it and
// another broker leads `__consumer_offsets` and coordinates the group, whose members go on
// committing there. The cut heals, broker 2 catches up and the preferred-leader election makes
// it the leader again without a restart.
// - Correct: broker 2 dropped its shard when it lost the partition (CoordinatorRuntime
//   .scheduleUnloadOperation) and loads the partition's log again: the group's offsets are
//   the latest committed ones; nothing is lost.
// - Variant: broker 2 still caches the group as it was when it lost the partition and keeps
//   it over its log (GroupMetadataManager.loadGroup before KAFKA-10614: putIfNotExists): the
//   offsets committed meanwhile are gone (lost-commit), members are handed records the group
//   had committed past (excess-duplicate), and the state served is not the log's replay
//   (coordinator-state-loaded).

import { describe, expect, it } from 'vitest';
import { isFailing, runScenario } from '../../../driver/run.ts';
import { deps } from '../../../driver/default-deps.ts';
import type { VariantName } from '../../../model/config.ts';
import type { ScenarioInput } from '../../../scenarios/input.ts';
import { groupScenarioInput } from '../group-input.ts';

const coordinatorIsolated: ScenarioInput = groupScenarioInput(
  [
    {
      trigger: { kind: 'at', atMs: 10_000 },
      action: { kind: 'cut', cut: { shape: 'isolate', node: { kind: 'broker', id: 2 } }, durationMs: 12_000 },
    },
  ],
  { timing: { 'leader.imbalance.check.interval.seconds': 10 } },
);

function run(variant: VariantName): { kinds: string[]; probes: readonly string[] } {
  const r = runScenario(deps, { seed: 1, scenario: 'consumer-group', variant, input: coordinatorIsolated });
  expect(r.outcome === 'crash' || r.outcome === 'stuck').toBe(false);
  const kinds = [...new Set(r.verdict.anomalies.filter(isFailing).map((a) => a.kind))];
  return { kinds, probes: r.codeProbes ?? [] };
}

describe('zoo: stale-coordinator-cache on a hand-built schedule', () => {
  it('a coordinator leading its partition again serves its stale cache: an acknowledged commit is lost', () => {
    const variant = run('stale-coordinator-cache');
    expect(variant.probes).toContain('group-coordinator-stale-cache-served');
    expect(variant.kinds).toContain('lost-commit');
    expect(variant.kinds).toContain('coordinator-state-loaded');
    const correct = run('correct');
    // the same moves happen on the correct model: the coordinator resigns and is elected again
    expect(correct.probes).toContain('group-coordinator-resigned');
    expect(correct.kinds).toEqual([]);
  });
});
