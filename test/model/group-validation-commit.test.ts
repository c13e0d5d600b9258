// A group member's commit leaves out a partition whose position awaits validation (KIP-320).
// Kafka commits SubscriptionState.allConsumed, which takes only partitions whose fetch state
// hasValidPosition(); FetchStates.AWAIT_VALIDATION (a position checked against a new leader
// epoch with OffsetsForLeaderEpoch: maybeValidatePositionForCurrentLeader) answers false, as do
// INITIALIZING and AWAIT_RESET; only FETCHING answers true (3.9.0-rc3 and trunk of Oct 2024).
//
// Hand-built: one member on a one-partition topic, auto commits each second. At 9 s the links
// between the member and the partition's first follower get 5 s slower; at 10 s the leader
// crashes and that follower leads in a new epoch. The member's validation request to it and
// the answer each take 5 s more, and the auto commits made meanwhile must not name the
// partition (before the fix they named its position at each tick).

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { CommitValue } from '../../checkers/history.ts';
import type { Fault } from '../../scenarios/faults.ts';
import { groupScenarioInput } from './group-input.ts';

const member0 = { kind: 'consumer', index: 0 } as const;
const faults: Fault[] = [
  {
    trigger: { kind: 'at', atMs: 9_000 },
    action: {
      kind: 'slow',
      target: member0,
      peer: { kind: 'follower', partition: 0, index: 0 },
      extraMs: 5_000,
      durationMs: 20_000,
    },
  },
  {
    trigger: { kind: 'at', atMs: 10_000 },
    action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: 5_000 },
  },
];

describe('a commit while a position awaits validation (SubscriptionState.allConsumed)', () => {
  it('leaves the partition out until the OffsetsForLeaderEpoch answer arrives', () => {
    const r = runScenario(deps, {
      seed: 1,
      scenario: 'consumer-group',
      variant: 'correct',
      input: groupScenarioInput(faults, { group: { consumers: 1 } }),
      trace: true,
      recordEvents: true,
    });
    expect(r.outcome).toBe('ok');
    const events = r.events!;
    // the member's first validation: its request reaches the new leader, the answer comes back
    const request = events.find((e) => e.kind === 'deliver' && e.label === 'OffsetsForLeaderEpochRequest')!;
    const answer = events.find(
      (e) =>
        e.kind === 'deliver' &&
        e.label === 'OffsetsForLeaderEpochResponse' &&
        e.node === request.from &&
        e.timeUs > request.timeUs,
    )!;
    // long enough for at least two auto commits (auto.commit.interval.ms 1 s)
    expect(answer.timeUs - request.timeUs).toBeGreaterThan(4_000_000);
    const commits = r
      .trace!.history.filter((e) => e.f === 'commit' && e.type === 'invoke')
      .map((e) => ({ time: e.time, offsets: (e.value as CommitValue).offsets }));
    const during = commits.filter((c) => c.time > request.timeUs && c.time < answer.timeUs);
    expect(during.flatMap((c) => c.offsets)).toEqual([]);
    // before and after, the member's commits name the partition
    expect(commits.some((c) => c.time < request.timeUs && c.offsets.length > 0)).toBe(true);
    expect(commits.some((c) => c.time > answer.timeUs && c.offsets.length > 0)).toBe(true);
  });
});
