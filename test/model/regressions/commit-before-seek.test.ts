// A group member commits only positions whose seek the history has recorded (issue 15;
// model/client-fetcher.ts positionRecorded, group-consumer.ts consumed).
//
// Swarm seed 31001763 (base 31000000, the correct model, shrunk to no fault), reported as
// commit-skip: a member with manual commits rejoined after leaving, had no committed offset
// for t-1 and reset it by auto.offset.reset=latest to offset 4. That seek is recorded on the
// member's history process, which a poll of t-0 held, so its `assign` waited ~0.5 s; the
// position held at once, and the commit after that poll (on the member's second process)
// carried t-1@4. The checker met a commit of 4 with offset 3 never returned and no reset
// recorded before it: a skip, though the member had reset past 3 as Kafka does. The commit
// now leaves out a position until its seek is in the history (the next commit carries it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a commit of a position the history has not reached', () => {
  it('seed 31001763: the reset position is committed only after its seek is recorded', () => {
    const { result, failing } = rerun(31001763, fixtureInput(31001763), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.verdict.stats?.['groups.commits']).toBeGreaterThan(0);
    // every partition a commit names was sought (assign) on its member's process, after the
    // member's assignment, before the commit's invoke (the member's second process is the next lane)
    const history = result.trace!.history;
    const sought = new Map<number, Set<string>>();
    for (const e of history) {
      const v = e.value as {
        topic?: string;
        partition?: number;
        offsets?: Array<{ topic: string; partition: number }>;
      };
      const p = Number(e.process);
      if (e.f === 'assignment' && e.type === 'ok') sought.set(p, new Set());
      if (e.f === 'assign' && e.type === 'ok') sought.get(p)?.add(`${v.topic}/${v.partition}`);
      if (e.f === 'commit' && e.type === 'invoke') {
        const seen = sought.get(p - 1);
        for (const o of v.offsets ?? []) expect(seen?.has(`${o.topic}/${o.partition}`)).toBe(true);
      }
    }
  });
});
