// The committed-offset checker (checkers/groups.ts) on hand-written group histories: each
// anomaly has a history that must pass and one that must fail, in gregor's JSONL vocabulary
// and in Jepsen's EDN (subscribed processes committing before an ok poll completes).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkGroups } from '../../checkers/groups.ts';
import { checkHistory, readHistory, type Verdict } from '../../checkers/index.ts';
import { HistoryBuilder } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/groups');
const errors = (v: Verdict) => v.anomalies.filter((a) => !a.informational).map((a) => a.kind);
const tp0 = { topic: 't', partition: 0 };

/** A group history: records 0..n-1 of t-0 sent first, then group operations. */
class GroupHistory extends HistoryBuilder {
  constructor(records = 6) {
    super();
    for (let i = 0; i < records; i++) this.send(0, `v${i}`, i);
  }
  join(p: number, member: string, generation: number, partitions = [tp0]): this {
    this.invoke(p, 'subscribe', { group: 'g', topics: ['t'] }).ok(p, 'subscribe', { group: 'g', topics: ['t'] });
    return this.handOut(p, member, generation, partitions);
  }
  handOut(p: number, member: string, generation: number, partitions = [tp0]): this {
    const v = { group: 'g', member, generation, partitions };
    return this.invoke(p, 'assignment', v).ok(p, 'assignment', v);
  }
  /** A KIP-848 member's assignment at its member epoch. */
  handOutEpoch(p: number, member: string, epoch: number, partitions = [tp0]): this {
    const v = { group: 'g', member, generation: epoch, partitions, protocol: 'consumer' };
    return this.invoke(p, 'assignment', v).ok(p, 'assignment', v);
  }
  consume(p: number, from: number, to: number): this {
    const records: Array<[number, string]> = [];
    for (let o = from; o < to; o++) records.push([o, `v${o}`]);
    this.invoke(p, 'poll', { ...tp0, offset: from });
    return this.ok(p, 'poll', { ...tp0, offset: from, records });
  }
  commitInvoke(p: number, member: string, generation: number, offset: number): this {
    return this.invoke(p, 'commit', { group: 'g', member, generation, offsets: [{ ...tp0, offset }] });
  }
  commitOk(p: number, member: string, generation: number, offset: number): this {
    return this.ok(p, 'commit', { group: 'g', member, generation, offsets: [{ ...tp0, offset }] });
  }
  commit(p: number, member: string, generation: number, offset: number): this {
    return this.commitInvoke(p, member, generation, offset).commitOk(p, member, generation, offset);
  }
  fetch(p: number, offset: number | null): this {
    this.invoke(p, 'fetch-offsets', { group: 'g', offsets: [{ ...tp0, offset: null }] });
    return this.ok(p, 'fetch-offsets', { group: 'g', offsets: [{ ...tp0, offset }] });
  }
}

/** a commits 2 in generation 1; b, handed generation 3, fetches 2, reads 2..3 and commits 4. */
const bReadPastA = () =>
  new GroupHistory()
    .join(1, 'a', 1)
    .consume(1, 0, 2)
    .commit(1, 'a', 1, 2)
    .join(2, 'b', 3)
    .fetch(2, 2)
    .consume(2, 2, 4)
    .commit(2, 'b', 3, 4);

/** a reads 0..1 in generation 1; b, handed generation 2, finds no offset, reads 0..4 and commits 5. */
const laterGenerationCommitted = () =>
  new GroupHistory()
    .join(1, 'a', 1)
    .consume(1, 0, 2)
    .join(2, 'b', 2)
    .fetch(2, null)
    .consume(2, 0, 5)
    .commit(2, 'b', 2, 5);

describe('committed-offset checker: histories that must pass', () => {
  it('a member removed from its classic generation re-reads what a later generation committed (seed 200060849)', () => {
    // a owns t-0 in generation 1 and commits 2; the coordinator removes it (it did not rejoin)
    // and b, at generation 3, reads 2..3 and commits 4; a's application learns its generation-2
    // assignment (answered before generation 3 began) only then and returns 2..3 from its own
    // position (ClassicKafkaConsumer.poll: pollForFetches): Kafka's at-least-once, not excess
    const h = bReadPastA().handOut(1, 'a', 2).consume(1, 2, 4);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual([]);
    expect(v.stats?.rebalanceDuplicates).toBe(2);
  });

  it('a rebalance hands the partition over at the committed offset: valid, no duplicates', () => {
    const h = new GroupHistory()
      .join(1, 'a', 1)
      .fetch(1, null)
      .consume(1, 0, 3)
      .commit(1, 'a', 1, 3)
      .join(2, 'b', 2)
      .handOut(1, 'a', 2, [])
      .fetch(2, 3)
      .consume(2, 3, 6)
      .commit(2, 'b', 2, 6);
    const v = checkHistory(h.events);
    expect(errors(v)).toEqual([]);
    expect(v.valid).toBe(true);
    expect(v.stats?.['groups.commits']).toBe(2);
    expect(v.stats?.['groups.rebalanceDuplicates']).toBe(0);
  });

  it('records polled but not committed come again after a rebalance: counted, not an error', () => {
    const h = new GroupHistory()
      .join(1, 'a', 1)
      .consume(1, 0, 5)
      .commit(1, 'a', 1, 2)
      .join(2, 'b', 2)
      .fetch(2, 2)
      .consume(2, 2, 6)
      .commit(2, 'b', 2, 6);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual([]);
    expect(v.stats?.rebalanceDuplicates).toBe(3);
  });

  it('a commit from the old generation in flight across the rebalance may land after a newer one', () => {
    // a's commit of 5 was accepted in generation 1 but its write completes late; b fetched 2
    // and committed 4 afterwards: the later fetch of 4 is explained by b's commit
    const h = new GroupHistory()
      .join(1, 'a', 1)
      .consume(1, 0, 5)
      .commit(1, 'a', 1, 2)
      .commitInvoke(1, 'a', 1, 5)
      .join(2, 'b', 2)
      .fetch(2, 2)
      .commitOk(1, 'a', 1, 5)
      .consume(2, 2, 4)
      .commit(2, 'b', 2, 4)
      .fetch(2, 4);
    expect(errors(checkGroups(h.events))).toEqual([]);
  });

  it('an administrator reset lets the committed offset go back', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 4).commit(1, 'a', 1, 4);
    const reset = { group: 'g', offsets: [{ ...tp0, offset: 0 }] };
    h.invoke(9, 'reset-offsets', reset).ok(9, 'reset-offsets', reset).fetch(1, 0);
    expect(errors(checkGroups(h.events))).toEqual([]);
  });
});

describe('committed-offset checker: histories that must fail', () => {
  it('lost-commit: a fetch after an acknowledged commit returns less', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 4).commit(1, 'a', 1, 4).join(2, 'b', 2).fetch(2, 1);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['lost-commit']);
    expect(v.anomalies[0].offsets).toEqual([4, 1]);
  });

  it('lost-commit: a fetch after an acknowledged commit finds no offset at all (KAFKA-7447)', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 4).commit(1, 'a', 1, 4).join(2, 'b', 2).fetch(2, null);
    expect(errors(checkGroups(h.events))).toEqual(['lost-commit']);
  });

  it('stale-generation-commit: generation 1 commits after generation 2 was handed out', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 4).join(2, 'b', 2).commit(1, 'a', 1, 4);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['stale-generation-commit']);
    expect(v.anomalies[0].explanation).toMatch(/generation 1 .* generation 2/);
    // ops: the later generation's assignment, the stale commit, its acknowledgement (the promise tracker's)
    const at = (type: string, f: string, match: string) =>
      h.events.findIndex((e) => e.type === type && e.f === f && JSON.stringify(e.value).includes(match));
    expect(v.anomalies[0].ops).toEqual([
      at('invoke', 'assignment', '"b"'),
      at('invoke', 'commit', '"a"'),
      at('ok', 'commit', '"a"'),
    ]);
  });

  it('a stale commit does not explain a lower fetch', () => {
    const h = laterGenerationCommitted().commit(1, 'a', 1, 2).fetch(2, 2);
    const v = checkGroups(h.events);
    expect(errors(v).sort()).toEqual(['lost-commit', 'stale-generation-commit']);
    // the lost-commit names the stale commit that would explain it, then the assignment that made it stale
    const lost = v.anomalies.find((a) => a.kind === 'lost-commit')!;
    const invokeOf = (f: string, match: string) =>
      h.events.findIndex((e) => e.type === 'invoke' && e.f === f && JSON.stringify(e.value).includes(match));
    const staleCommit = invokeOf('commit', '"generation":1');
    expect(lost.ops).toEqual([
      invokeOf('commit', '"offset":5'),
      lost.ops![1],
      staleCommit,
      invokeOf('assignment', '"b"'),
    ]);
    expect(lost.explanation).toMatch(/but a stale one \(generation 1, .*generation 2 had been handed out/);
  });

  it('a lost-commit names no stale commit that leaves another of its unexplained commits lost', () => {
    // b's commit of 5 is in flight while a's stale commit of 2 is answered, so that one may explain it;
    // b's commit of 4 came after it, and nothing explains a fetch of 2 after that one
    const h = new GroupHistory()
      .join(1, 'a', 1)
      .consume(1, 0, 2)
      .join(2, 'b', 2)
      .consume(2, 2, 5)
      .commitInvoke(2, 'b', 2, 5)
      .commit(1, 'a', 1, 2)
      .commitOk(2, 'b', 2, 5)
      .commit(2, 'b', 2, 4)
      .fetch(2, 2);
    const v = checkGroups(h.events);
    expect(errors(v).sort()).toEqual(['lost-commit', 'stale-generation-commit']);
    const lost = v.anomalies.find((a) => a.kind === 'lost-commit')!;
    expect(lost.offsets).toEqual([5, 2]);
    expect(lost.ops).toHaveLength(2);
  });

  it('a lost-commit names no stale commit when none of the fetched offset was acknowledged', () => {
    // the same history with a's stale commit of 2 never answered: nothing applied explains the fetch
    const h = laterGenerationCommitted().commitInvoke(1, 'a', 1, 2).fetch(2, 2);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['lost-commit']);
    expect(v.anomalies[0].ops).toHaveLength(2);
    expect(v.anomalies[0].explanation).not.toMatch(/stale/);
  });

  it('commit-skip: the next member starts past records nobody consumed', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 2).join(2, 'b', 2).consume(2, 4, 6).commit(2, 'b', 2, 6);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['commit-skip']);
    expect(v.anomalies[0].offsets).toEqual([2, 3]);
    // the records skipped, then the commit and the group's first poll that read past offset 2
    expect(v.anomalies[0].values).toEqual(['v2', 'v3']);
    const invokeOf = (f: string, offset: number) =>
      h.events.findIndex(
        (e) => e.type === 'invoke' && e.f === f && JSON.stringify(e.value).includes(`"offset":${offset}`),
      );
    expect(v.anomalies[0].ops).toEqual([invokeOf('commit', 6), invokeOf('poll', 4)]);
  });

  it('commit-skip: a poll whose position moved past a skipped offset (PollValue.next) is the first read past', () => {
    // records 2 and 3 are known (sent), but the poll from 0 returns 0..1 and leaves the position
    // at 4 (a control or aborted batch in between): the commit of 4 skipped them, and the poll is
    // where the group read past offset 2 (seed 150011488 of the swarm)
    const h = new GroupHistory().join(1, 'a', 1);
    const records = [
      [0, 'v0'],
      [1, 'v1'],
    ];
    h.invoke(1, 'poll', { ...tp0, offset: 0 }).ok(1, 'poll', { ...tp0, offset: 0, records, next: 4 });
    h.commit(1, 'a', 1, 4);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['commit-skip']);
    expect(v.anomalies[0].offsets).toEqual([2, 3]);
    const pollInvoke = h.events.findIndex((e) => e.type === 'invoke' && e.f === 'poll');
    const commitInvoke = h.events.findIndex((e) => e.type === 'invoke' && e.f === 'commit');
    expect(v.anomalies[0].ops).toEqual([commitInvoke, pollInvoke]);
    // without the position, nothing shows where the group read past offset 2: the commit alone
    const bare = new GroupHistory().join(1, 'a', 1).consume(1, 0, 2).commit(1, 'a', 1, 4);
    const b = checkGroups(bare.events);
    expect(errors(b)).toEqual(['commit-skip']);
    expect(b.anomalies[0].ops).toEqual([bare.events.findIndex((e) => e.type === 'invoke' && e.f === 'commit')]);
  });

  it('commit-skip: an earlier poll that moved past the offset is named before a later read above it', () => {
    // the poll from 0 leaves the position at 4 (past 2 and 3); a later poll from 4 returns 4..5:
    // the group first read past offset 2 with the earlier one, which the promise judges by
    const h = new GroupHistory().join(1, 'a', 1);
    const records = [
      [0, 'v0'],
      [1, 'v1'],
    ];
    h.invoke(1, 'poll', { ...tp0, offset: 0 }).ok(1, 'poll', { ...tp0, offset: 0, records, next: 4 });
    h.consume(1, 4, 6).commit(1, 'a', 1, 6);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['commit-skip']);
    const polls = h.events.flatMap((e, i) => (e.type === 'invoke' && e.f === 'poll' ? [i] : []));
    expect(v.anomalies[0].ops?.[1]).toBe(polls[0]);
  });

  it('commit-skip: records returned to a member that did not own the partition do not count', () => {
    const h = new GroupHistory()
      .join(1, 'a', 1, [])
      .consume(1, 0, 3)
      .join(2, 'b', 2)
      .consume(2, 3, 6)
      .commit(2, 'b', 2, 6);
    expect(errors(checkGroups(h.events))).toContain('commit-skip');
  });

  it('shared-ownership: two members own t-0 in generation 3', () => {
    const h = new GroupHistory().join(1, 'a', 3).join(2, 'b', 3);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['shared-ownership']);
    expect(v.anomalies[0].explanation).toMatch(/both a and b/);
  });

  it('excess-duplicate: the group committed past a record before the assignment, and got it again', () => {
    const h = new GroupHistory()
      .join(1, 'a', 1)
      .consume(1, 0, 4)
      .commit(1, 'a', 1, 4)
      .join(2, 'b', 2)
      .consume(2, 1, 6)
      .commit(2, 'b', 2, 6);
    const v = checkGroups(h.events);
    expect(errors(v)).toEqual(['excess-duplicate', 'excess-duplicate', 'excess-duplicate']);
    expect(v.anomalies[0].offsets).toEqual([1]);
    expect(v.stats?.rebalanceDuplicates).toBe(3);
  });

  it('excess-duplicate: a commit of a later generation bounds a member of that generation or a KIP-848 one', () => {
    // b, at generation 3, reads past a's commit of generation 1 and commits 4; a generation-3
    // member handed t-0 after that, reading 2 again, is flagged (the zombie exemption is for
    // earlier generations only), and so is a KIP-848 member (epochs are per member)
    const later = bReadPastA().handOut(2, 'b', 4, []).handOut(1, 'a', 4).consume(1, 2, 4);
    expect(errors(checkGroups(later.events))).toEqual(['excess-duplicate', 'excess-duplicate']);
    const kip848 = new GroupHistory()
      .handOutEpoch(1, 'a', 1)
      .consume(1, 0, 2)
      .commit(1, 'a', 1, 2)
      .handOutEpoch(1, 'a', 2, [])
      .handOutEpoch(2, 'b', 3)
      .fetch(2, 2)
      .consume(2, 2, 4)
      .commit(2, 'b', 3, 4)
      .handOutEpoch(1, 'a', 2)
      .consume(1, 2, 4);
    expect(errors(checkGroups(kip848.events))).toContain('excess-duplicate');
  });

  it('excess-duplicate: one member gets a record twice in one generation with no reset', () => {
    const h = new GroupHistory().join(1, 'a', 1).consume(1, 0, 3).consume(1, 2, 4);
    expect(errors(checkGroups(h.events))).toEqual(['excess-duplicate']);
    // …but a reset of the member's own position (KIP-320 truncation, auto.offset.reset) allows it
    const r = new GroupHistory().join(1, 'a', 1).consume(1, 0, 3);
    r.invoke(1, 'assign', { ...tp0, offset: 2, reset: 'earliest' }).ok(1, 'assign', {
      ...tp0,
      offset: 2,
      reset: 'earliest',
    });
    r.consume(1, 2, 4);
    expect(errors(checkGroups(r.events))).toEqual([]);
  });
});

describe('committed-offset checker: KIP-848 consumer groups (member epochs)', () => {
  const tp1 = { topic: 't', partition: 1 };
  it('a member still at epoch 1 commits after another was handed epoch 2: its own epoch, valid', () => {
    const h = new GroupHistory()
      .handOutEpoch(1, 'a', 1, [tp0, tp1])
      .consume(1, 0, 4)
      .handOutEpoch(2, 'b', 2, [])
      .handOutEpoch(1, 'a', 1, [tp0])
      .commit(1, 'a', 1, 4);
    expect(errors(checkGroups(h.events))).toEqual([]);
  });

  it('a member commits at epoch 1 after it was itself handed epoch 2: stale-generation-commit', () => {
    const h = new GroupHistory().handOutEpoch(1, 'a', 1).consume(1, 0, 4).handOutEpoch(1, 'a', 2).commit(1, 'a', 1, 4);
    expect(errors(checkGroups(h.events))).toEqual(['stale-generation-commit']);
  });

  it('two members handed one partition at one member epoch: shared-ownership', () => {
    const h = new GroupHistory().handOutEpoch(1, 'a', 3).handOutEpoch(2, 'b', 3);
    expect(errors(checkGroups(h.events))).toEqual(['shared-ownership']);
  });
});

describe('committed-offset checker: files', () => {
  const read = (name: string) => readHistory(readFileSync(join(FIXTURES, name), 'utf8'));

  it('a JSONL group history is read, validated and judged', () => {
    const valid = read('valid.jsonl');
    expect(checkHistory(valid.history).valid).toBe(true);
    const lost = checkHistory(read('lost-commit.jsonl').history);
    expect(errors(lost)).toEqual(['lost-commit']);
  });

  it("Jepsen's subscribed polls commit: a record skipped across a rebalance is a commit-skip", () => {
    const v = checkHistory(read('jepsen-subscribe-skip.edn').history);
    expect(errors(v)).toContain('commit-skip');
    const skip = v.anomalies.find((a) => a.kind === 'commit-skip')!;
    expect(skip.offsets).toEqual([2]);
    const ok = checkHistory(read('jepsen-subscribe.edn').history);
    expect(errors(ok)).toEqual([]);
  });

  it('a malformed commit is one line naming it', () => {
    const bad =
      '{"process":1,"type":"invoke","f":"commit","value":{"group":"g","offsets":[{"topic":"t","partition":0}]}}';
    expect(() => readHistory(bad)).toThrow(/line 1: commit: each offset must be an integer >= 0/);
  });

  it('npm run check judges a group history with no simulator: exit 1 and the anomaly named', () => {
    const r = spawnSync('npm', ['run', '-s', 'check', '--', join(FIXTURES, 'lost-commit.jsonl')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/checked: kafka \+ groups \+ linearizability/);
    expect(r.stdout).toMatch(/lost-commit ×1/);
  });
});
