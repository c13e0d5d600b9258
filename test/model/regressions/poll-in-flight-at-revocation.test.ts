// Regression (model: a group member's poll in flight when its partitions are revoked). A
// member's stream had a Fetch out to a broker a fault had cut off when the group rebalanced
// (generation 4 → 5). The model stopped the stream but let the poll run to its timeout
// (request.timeout.ms, 30 s), and the poll held the member's history process all that time:
// the member's new assignment (generation 5, learnt at 13.9 s) and everything after it were
// recorded only at 41.6 s, after the group had moved on to generation 6, whose owner had
// committed t-1 at offset 18. The member, still a zombie of generation 5, then polled t-1 from
// its committed offset 3, and the checker read that as a duplicate handed to the owner of a
// newer assignment.
//
// In Kafka the application thread never waits on a fetch: the rebalance runs inside poll()
// (ConsumerCoordinator.onJoinPrepare revokes the partitions, SubscriptionState
// .assignFromSubscribed(empty)), and whatever the Fetch brings back later is dropped, the
// partition being no longer assigned (FetchCollector.fetchRecords: "Not returning fetched
// records for partition ... since it is no longer assigned"). The model now abandons a poll in
// flight at revocation (PartitionFetcher.abandonPoll: `info`, error `revoked`, no records), so
// the member's next assignment is recorded when it is learnt.
//
// Fuzzer report: swarm, correct model, seed 2004070 (4 brokers, RF 3, 3 partitions, a group of
// 2 with auto commit and churn, auto.offset.reset=none): "excess-duplicate: group g1: t-1
// offset 3 was returned again to member-0-1-2 in generation 5, though the group had committed
// offset 18 (event 743) before that assignment and nothing reset it."

import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history.ts';
import { fixtureInput, rerun } from './helpers.ts';

interface Seen {
  partitions?: Array<{ topic: string; partition: number }>;
  offsets?: Array<{ topic: string; partition: number }>;
}

const names = (tps: Array<{ topic: string; partition: number }> | undefined): string =>
  (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`).join(',');

/**
 * The offset fetches (invoke, on a member's offsets process, the next lane) whose partitions
 * are not those of the member's last recorded assignment: the assignment they serve was not
 * yet in the history.
 */
function offsetFetchesAheadOfAssignment(history: readonly HistoryEvent[]): string[] {
  const assigned = new Map<number, string>();
  const out: string[] = [];
  for (const e of history) {
    const v = e.value as Seen;
    const p = Number(e.process);
    if (e.f === 'assignment' && e.type === 'ok') assigned.set(p, names(v.partitions));
    if (e.f === 'fetch-offsets' && e.type === 'invoke' && assigned.get(p - 1) !== names(v.offsets))
      out.push(`event ${e.index}: ${names(v.offsets)} after assignment ${assigned.get(p - 1)}`);
  }
  return out;
}

describe('a group member whose poll is in flight when its partitions are revoked', () => {
  it('seed 2004070: the poll is abandoned and the next assignment is recorded when learnt', () => {
    const { result, failing } = rerun(2004070, fixtureInput(2004070), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('consumer-poll-abandoned-at-revocation');
    const history = result.trace!.history;
    const abandoned = history.filter((e) => e.f === 'poll' && e.type === 'info' && e.error === 'revoked');
    expect(abandoned.length).toBeGreaterThan(0);
    expect(offsetFetchesAheadOfAssignment(history)).toEqual([]);
  });
});
