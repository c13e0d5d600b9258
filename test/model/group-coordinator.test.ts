// The group coordinator's state machine (model/group-coordinator.ts) driven by hand, the way
// a broker hosting a `__consumer_offsets` partition would drive it: requests, appends to a
// list standing for the partition's log, the HW advancing, deadlines, load and unload.

import { describe, expect, it } from 'vitest';
import {
  GroupCoordinatorShard,
  type Effect,
  type GroupRecord,
  type GroupRequest,
  type GroupResponse,
  type Reply,
} from '../../model/group-coordinator.ts';

const MS = 1000;
const tp = (partition: number) => ({ topic: 't', partition });

/** A shard with a log: appends every effect's records, answers as the shard says. */
class Host {
  readonly log: Array<{ offset: number; record: GroupRecord }> = [];
  readonly answers = new Map<number, GroupResponse>();
  hw = 0;
  nowUs = 0;
  private token = 0;
  constructor(public shard = new GroupCoordinatorShard(0, 1, { 'group.initial.rebalance.delay.ms': 0 })) {
    shard.load([], 0, 0);
  }
  private apply(e: Effect): void {
    this.deliver(e.replies);
    if (e.records.length === 0) return;
    for (const record of e.records) this.log.push({ offset: this.log.length, record });
    this.shard.appended(this.log.length - 1, e);
  }
  private deliver(replies: Reply[]): void {
    for (const r of replies) this.answers.set(r.token, r.response);
  }
  send(req: GroupRequest): number {
    const t = this.token++;
    this.apply(this.shard.handle(t, req, this.nowUs));
    return t;
  }
  commitLog(): void {
    this.hw = this.log.length;
    this.deliver(this.shard.advanceCommitted(this.hw));
  }
  advance(ms: number): void {
    this.nowUs += ms * MS;
    while (this.shard.nextDeadlineUs() <= this.nowUs) this.apply(this.shard.expire(this.nowUs));
  }
  answer<T extends GroupResponse['type']>(t: number, type: T): Extract<GroupResponse, { type: T }> {
    const a = this.answers.get(t);
    if (a === undefined || a.type !== type) throw new Error(`no ${type} answer for request ${t}`);
    return a as Extract<GroupResponse, { type: T }>;
  }
  /** KIP-394 two-step join; returns the JoinGroup token. */
  join(memberId = ''): { token: number; memberId: string } {
    let id = memberId;
    if (id === '') {
      const t = this.send({
        type: 'JoinGroup',
        group: 'g',
        memberId: '',
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 5_000,
      });
      const a = this.answer(t, 'JoinGroup');
      expect(a.error).toBe('MEMBER_ID_REQUIRED');
      id = a.memberId;
    }
    const token = this.send({
      type: 'JoinGroup',
      group: 'g',
      memberId: id,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 5_000,
    });
    return { token, memberId: id };
  }
}

/** Two members a and b in a Stable generation: a owns t-0, b owns t-1. */
function stableGroup(): { h: Host; a: string; b: string; generation: number } {
  const h = new Host();
  const ja = h.join();
  h.advance(0); // the initial rebalance delay (0 here) completes the join with a alone…
  const jb = h.join(); // …so b's join starts a new rebalance, and a must rejoin
  const ra = h.join(ja.memberId);
  const join = h.answer(ra.token, 'JoinGroup');
  expect(join.error).toBe('NONE');
  const generation = join.generation;
  const assignments = new Map([
    [ja.memberId, [tp(0)]],
    [jb.memberId, [tp(1)]],
  ]);
  const leader = join.leader!;
  const other = leader === ja.memberId ? jb.memberId : ja.memberId;
  const sOther = h.send({ type: 'SyncGroup', group: 'g', memberId: other, generation });
  const sLeader = h.send({ type: 'SyncGroup', group: 'g', memberId: leader, generation, assignments });
  expect(h.answers.has(sLeader)).toBe(false); // answered only once the group record commits
  h.commitLog();
  expect(h.answer(sLeader, 'SyncGroup').error).toBe('NONE');
  expect(h.answer(sOther, 'SyncGroup').assignment).toEqual(other === ja.memberId ? [tp(0)] : [tp(1)]);
  expect(h.shard.describe('g')?.state).toBe('Stable');
  return { h, a: ja.memberId, b: jb.memberId, generation };
}

describe('group coordinator shard (classic protocol)', () => {
  it('join, sync, stable: the assignment is answered after the GroupMetadata record commits', () => {
    const { h, generation } = stableGroup();
    expect(generation).toBe(2);
    const meta = h.log.filter((e) => e.record.type === 'GroupMetadata');
    expect(meta.at(-1)?.record).toMatchObject({ type: 'GroupMetadata', generation: 2 });
  });

  it('an offset commit is answered only once its record is committed; a stable fetch waits for it', () => {
    const { h, a, generation } = stableGroup();
    const c = h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: a,
      generation,
      offsets: [{ ...tp(0), offset: 7, leaderEpoch: 3 }],
    });
    expect(h.answers.has(c)).toBe(false);
    // requireStable: the fetch reads the latest offsets and is answered once they are committed
    const before = h.send({ type: 'OffsetFetch', group: 'g', partitions: [tp(0)] });
    expect(h.answers.has(before)).toBe(false);
    h.commitLog();
    expect(h.answer(c, 'OffsetCommit').error).toBe('NONE');
    expect(h.answer(before, 'OffsetFetch').offsets).toEqual([{ ...tp(0), offset: 7, leaderEpoch: 3 }]);
    const after = h.send({ type: 'OffsetFetch', group: 'g', partitions: [tp(0)] });
    expect(h.answer(after, 'OffsetFetch').offsets).toEqual([{ ...tp(0), offset: 7, leaderEpoch: 3 }]);
  });

  it('a commit from a stale generation or an unknown member is rejected, and writes nothing', () => {
    const { h, a, generation } = stableGroup();
    const logged = h.log.length;
    const stale = h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: a,
      generation: generation - 1,
      offsets: [{ ...tp(0), offset: 1, leaderEpoch: 0 }],
    });
    expect(h.answer(stale, 'OffsetCommit').error).toBe('ILLEGAL_GENERATION');
    const stranger = h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: 'x',
      generation,
      offsets: [{ ...tp(0), offset: 1, leaderEpoch: 0 }],
    });
    expect(h.answer(stranger, 'OffsetCommit').error).toBe('UNKNOWN_MEMBER_ID');
    expect(h.log.length).toBe(logged);
    expect(h.shard.stats.commitsRejected).toBe(2);
  });

  it('a member silent past session.timeout.ms is removed and the group rebalances to a new generation', () => {
    const { h, a, b, generation } = stableGroup();
    h.advance(6_000);
    h.send({ type: 'Heartbeat', group: 'g', memberId: a, generation }); // a keeps its session, b does not
    h.advance(5_000); // b's session (10 s) expired: PreparingRebalance
    expect(h.shard.describe('g')?.members.has(b)).toBe(false);
    const hb = h.send({ type: 'Heartbeat', group: 'g', memberId: a, generation });
    expect(h.answer(hb, 'Heartbeat').error).toBe('REBALANCE_IN_PROGRESS');
    const rj = h.join(a);
    const join = h.answer(rj.token, 'JoinGroup');
    expect(join.generation).toBe(generation + 1);
    expect(join.members).toEqual([a]);
  });

  it('a new leader loads the log: generation, members and committed offsets come back', () => {
    const { h, a, generation } = stableGroup();
    h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: a,
      generation,
      offsets: [{ ...tp(0), offset: 5, leaderEpoch: 1 }],
    });
    h.commitLog();
    h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: a,
      generation,
      offsets: [{ ...tp(0), offset: 9, leaderEpoch: 1 }],
    });
    // the leader resigns before the last commit is committed: its answer is NOT_COORDINATOR
    const failed = h.shard.unload();
    expect(failed.map((r) => r.response)).toEqual([{ type: 'OffsetCommit', error: 'NOT_COORDINATOR' }]);
    const next = new GroupCoordinatorShard(0, 2, { 'group.initial.rebalance.delay.ms': 0 });
    const t = next.handle(0, { type: 'OffsetFetch', group: 'g', partitions: [tp(0)] }, 0);
    expect(t.replies[0].response).toMatchObject({ error: 'COORDINATOR_LOAD_IN_PROGRESS' });
    next.load(h.log, h.hw, 0);
    // the whole log is replayed (the uncommitted commit of 9 included); a fetch waits for the HW
    const f = next.handle(1, { type: 'OffsetFetch', group: 'g', partitions: [tp(0)] }, 0);
    expect(f.replies).toEqual([]);
    expect(next.describe('g')).toMatchObject({ state: 'Stable', generation });
    const hb = next.handle(2, { type: 'Heartbeat', group: 'g', memberId: a, generation }, 0);
    expect(hb.replies[0].response).toEqual({ type: 'Heartbeat', error: 'NONE' });
    const answered = next.advanceCommitted(h.log.length);
    expect(answered.map((r) => r.response)).toEqual([
      { type: 'OffsetFetch', error: 'NONE', offsets: [{ ...tp(0), offset: 9, leaderEpoch: 1 }] },
    ]);
  });

  it('LeaveGroup removes the member at once and starts a rebalance', () => {
    const { h, b, generation } = stableGroup();
    const l = h.send({ type: 'LeaveGroup', group: 'g', memberId: b });
    expect(h.answer(l, 'LeaveGroup').error).toBe('NONE');
    expect(h.shard.describe('g')?.state).toBe('PreparingRebalance');
    const c = h.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId: b,
      generation,
      offsets: [{ ...tp(1), offset: 1, leaderEpoch: 0 }],
    });
    expect(h.answer(c, 'OffsetCommit').error).toBe('UNKNOWN_MEMBER_ID');
  });
});
