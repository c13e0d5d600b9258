// Regression (model: a group member's stream revoked while a request is out). A member's
// partition stream validated its committed position (KIP-320 OffsetsForLeaderEpoch) against a
// leader a fault had cut off; the request waited request.timeout.ms (30 s). Meanwhile the
// group rebalanced: the stream was stopped (revoked) but kept its request, and when the member
// was handed the partition again the model reused that stream as it was, at its old position,
// though the group had committed further since. The member then committed that old position,
// moving the group's offset back, and a later owner was handed records the group had already
// committed past.
//
// Kafka drops a revoked partition's state (ConsumerCoordinator.onJoinPrepare, eager:
// SubscriptionState.assignFromSubscribed(empty)); a partition assigned again starts from a new
// TopicPartitionState at the committed offset (refreshCommittedOffsetsIfNeeded), and the late
// answer to the old validation is skipped (SubscriptionState.maybeCompleteValidation: "not
// currently assigned"). The model now starts a fresh stream, and a stopped stream drops the
// answer to its validation or reset lookup.
//
// Fuzzer report: swarm, correct model, seed 62006205 of base seed 62000000 (5 brokers, RF 3, 3
// partitions, retention.bytes 4 KiB, a group of 3 with auto commit, auto.offset.reset=none):
// "excess-duplicate: group g1: t-1 offset 12 was returned again to member-2-1-7 in generation
// 16, though the group had committed offset 13 (event 815) before that assignment and nothing
// reset it." Retention played no part: the member's generation-14 commits named t-1@12, a
// position its stream had in generation 11.

import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history.ts';
import { fixtureInput, rerun } from './helpers.ts';

interface Seen {
  topic?: string;
  partition?: number;
  offset?: number | null;
  records?: Array<[number, string]>;
  offsets?: Array<{ topic: string; partition: number; offset: number | null }>;
}

/**
 * The commits (invoke) that name a position its member did not reach in the generation it
 * commits in: a position is the offset of a seek (`assign`) or a poll, or one past the last
 * record a poll returned, on the member's process since its last `assignment` (a member's
 * commits go on the next lane, its offsets process).
 */
function commitsOfUnreachedPositions(history: readonly HistoryEvent[]): string[] {
  const reached = new Map<number, Set<string>>();
  const out: string[] = [];
  for (const e of history) {
    const v = e.value as Seen;
    const p = Number(e.process);
    const at = (offset: number): void => {
      reached.get(p)?.add(`${v.topic}/${v.partition}@${offset}`);
    };
    if (e.f === 'assignment' && e.type === 'ok') reached.set(p, new Set());
    if (e.f === 'assign' && e.type === 'ok' && typeof v.offset === 'number') at(v.offset);
    if (e.f === 'poll' && e.type === 'invoke' && typeof v.offset === 'number') at(v.offset);
    if (e.f === 'poll' && e.type === 'ok' && v.records !== undefined && v.records.length > 0)
      at(v.records[v.records.length - 1][0] + 1);
    if (e.f === 'commit' && e.type === 'invoke') {
      const seen = reached.get(p - 1);
      for (const o of v.offsets ?? []) {
        const key = `${o.topic}/${o.partition}@${o.offset}`;
        if (seen !== undefined && !seen.has(key)) out.push(`event ${e.index}: ${key}`);
      }
    }
  }
  return out;
}

describe('a partition assigned again while its revoked stream has a request out', () => {
  it('seed 62006205: the member starts at the committed offset and never commits its old position', () => {
    const { result, failing } = rerun(62006205, fixtureInput(62006205), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    // the situation arose: a stream was revoked with a request out, then handed back
    expect(result.codeProbes).toContain('group-stream-revoked-with-request-out');
    expect(result.verdict.stats?.['groups.commits']).toBeGreaterThan(0);
    expect(commitsOfUnreachedPositions(result.trace!.history)).toEqual([]);
  });
});
