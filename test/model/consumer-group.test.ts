// KIP-848's consumer group protocol on the coordinator (model/consumer-group.ts through
// model/group-coordinator.ts), driven by hand as a broker would: ConsumerGroupHeartbeat
// requests, a list standing for the `__consumer_offsets` partition's log, the HW, deadlines and
// a load of the log by a new shard.

import { describe, expect, it } from 'vitest';
import {
  GroupCoordinatorShard,
  type Effect,
  type GroupRecord,
  type GroupRequest,
  type GroupResponse,
  type Reply,
  type TopicPartition,
} from '../../model/group-coordinator.ts';
import { consumerGroupState, uniformHomogeneousAssign } from '../../model/consumer-group.ts';

const MS = 1000;
const tp = (partition: number): TopicPartition => ({ topic: 't', partition });
const CONFIG = {
  'group.initial.rebalance.delay.ms': 0,
  'group.consumer.session.timeout.ms': 10_000,
  'group.consumer.heartbeat.interval.ms': 1_000,
  topicPartitions: (topic: string) => (topic === 't' ? 4 : -1),
};

type Hb = Extract<GroupResponse, { type: 'ConsumerGroupHeartbeat' }>;

/** A shard with a log: appends every effect's records, answers once the test commits the log. */
class Host {
  readonly log: Array<{ offset: number; record: GroupRecord }> = [];
  readonly answers = new Map<number, GroupResponse>();
  nowUs = 0;
  private token = 0;
  constructor(public shard = new GroupCoordinatorShard(0, 1, CONFIG)) {
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
    this.deliver(this.shard.advanceCommitted(this.log.length));
  }
  advance(ms: number): void {
    this.nowUs += ms * MS;
    while (this.shard.nextDeadlineUs() <= this.nowUs) this.apply(this.shard.expire(this.nowUs));
  }
  /** A heartbeat, its log committed, its answer. */
  heartbeat(memberId: string, memberEpoch: number, owned: TopicPartition[] | null): Hb {
    const join = memberEpoch === 0;
    const t = this.send({
      type: 'ConsumerGroupHeartbeat',
      group: 'g',
      memberId,
      memberEpoch,
      rebalanceTimeoutMs: join ? 30_000 : -1,
      topics: join ? ['t'] : null,
      owned,
    });
    this.commitLog();
    const a = this.answers.get(t);
    if (a?.type !== 'ConsumerGroupHeartbeat') throw new Error(`no heartbeat answer for request ${t}`);
    return a;
  }
  commit(memberId: string, generation: number): string {
    const t = this.send({
      type: 'OffsetCommit',
      group: 'g',
      memberId,
      generation,
      offsets: [{ ...tp(0), offset: 5, leaderEpoch: 0 }],
    });
    this.commitLog();
    const a = this.answers.get(t);
    if (a?.type !== 'OffsetCommit') throw new Error('no commit answer');
    return a.error;
  }
}

const parts = (tps: readonly TopicPartition[] | undefined) => (tps ?? []).map((x) => x.partition);

describe('the uniform assignor (UniformHomogeneousAssignmentBuilder)', () => {
  it('keeps what members own up to their quota and spreads the rest', () => {
    const current = new Map([['a', [tp(0), tp(1), tp(2), tp(3)]]]);
    const out = uniformHomogeneousAssign(['a', 'b'], ['t'], current, () => 4);
    expect(parts(out.get('a'))).toEqual([0, 1]);
    expect(parts(out.get('b'))).toEqual([2, 3]);
  });

  it('gives the extra partitions to the first members', () => {
    const out = uniformHomogeneousAssign(['a', 'b', 'c'], ['t'], new Map(), () => 4);
    expect(out.get('a')!.length + out.get('b')!.length + out.get('c')!.length).toBe(4);
    expect(out.get('a')!.length).toBe(2);
  });
});

describe('ConsumerGroupHeartbeat', () => {
  it('a joining member gets an id, the group epoch and the whole target', () => {
    const h = new Host();
    const r = h.heartbeat('', 0, []);
    expect(r.error).toBe('NONE');
    expect(r.memberEpoch).toBe(1);
    expect(parts(r.assignment)).toEqual([0, 1, 2, 3]);
    expect(consumerGroupState(h.shard.describeConsumerGroup('g')!)).toBe('Stable');
  });

  it('a partition moves only once its owner revoked it (pending revocation, unreleased partitions)', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    const b = h.heartbeat('', 0, []);
    // b joins at epoch 2 but its target's partitions are still a's: nothing yet
    expect(b.memberEpoch).toBe(2);
    expect(parts(b.assignment)).toEqual([]);
    // a is asked to revoke two partitions, staying at epoch 1
    const a2 = h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]);
    expect(a2.memberEpoch).toBe(1);
    expect(parts(a2.assignment)).toEqual([0, 1]);
    // still reporting them: no progress, and b still waits
    h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]);
    expect(parts(h.heartbeat(b.memberId, 2, []).assignment)).toEqual([]);
    expect(h.shard.doublyOwnedPartitions()).toEqual([]);
    // a acknowledges: epoch 2; then b gets the released partitions
    expect(h.heartbeat(a.memberId, 1, [tp(0), tp(1)]).memberEpoch).toBe(2);
    const b3 = h.heartbeat(b.memberId, 2, []);
    expect(parts(b3.assignment)).toEqual([2, 3]);
    expect(h.shard.doublyOwnedPartitions()).toEqual([]);
  });

  it('fences an epoch ahead, and one behind unless it is the previous epoch with a subset owned', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    expect(h.heartbeat(a.memberId, 5, []).error).toBe('FENCED_MEMBER_EPOCH');
    const b = h.heartbeat('', 0, []);
    h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]);
    h.heartbeat(a.memberId, 1, [tp(0), tp(1)]); // a at epoch 2, previous 1
    // the answer bumping a to 2 lost: epoch 1 with a subset of its partitions is accepted
    expect(h.heartbeat(a.memberId, 1, [tp(0)]).error).toBe('NONE');
    // a join (epoch 0) of a member the coordinator holds at epoch 2, previous 1
    expect(h.heartbeat(a.memberId, 0, []).error).toBe('FENCED_MEMBER_EPOCH');
    expect(b.memberEpoch).toBe(2);
    expect(h.heartbeat('nobody', 3, []).error).toBe('UNKNOWN_MEMBER_ID');
  });

  it('a member past its session timeout is fenced and its partitions go to the others', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    h.advance(5_000);
    const b = h.heartbeat('', 0, []);
    h.advance(6_000); // a silent for 11 s > 10 s
    h.commitLog();
    const g = h.shard.describeConsumerGroup('g')!;
    expect([...g.members.keys()]).toEqual([b.memberId]);
    expect(parts(h.heartbeat(b.memberId, b.memberEpoch, []).assignment)).toEqual([0, 1, 2, 3]);
    expect(h.heartbeat(a.memberId, 1, []).error).toBe('UNKNOWN_MEMBER_ID');
  });

  it('a member that does not revoke within its rebalance timeout is fenced', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    h.heartbeat('', 0, []);
    h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]); // asked to revoke
    for (let i = 0; i < 31; i++) {
      h.advance(1_000);
      h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]); // alive, never revoking
    }
    expect(h.shard.describeConsumerGroup('g')!.members.has(a.memberId)).toBe(false);
  });

  it('an offset commit must name its member current epoch (STALE_MEMBER_EPOCH)', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    expect(h.commit(a.memberId, 1)).toBe('NONE');
    expect(h.commit(a.memberId, 0)).toBe('STALE_MEMBER_EPOCH');
    expect(h.commit('nobody', 1)).toBe('UNKNOWN_MEMBER_ID');
  });

  it('a leave (epoch -1) frees the partitions and bumps the group epoch', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    const r = h.heartbeat(a.memberId, -1, null);
    expect(r.memberEpoch).toBe(-1);
    const g = h.shard.describeConsumerGroup('g')!;
    expect(g.members.size).toBe(0);
    expect(g.groupEpoch).toBe(2);
    expect(consumerGroupState(g)).toBe('Empty');
  });

  it('a new coordinator rebuilds the same group from the log', () => {
    const h = new Host();
    const a = h.heartbeat('', 0, []);
    const b = h.heartbeat('', 0, []);
    h.heartbeat(a.memberId, 1, [tp(0), tp(1), tp(2), tp(3)]);
    const loaded = new GroupCoordinatorShard(0, 2, CONFIG);
    loaded.load(h.log, h.log.length, h.nowUs);
    const before = h.shard.describeConsumerGroup('g')!;
    const after = loaded.describeConsumerGroup('g')!;
    expect(after.groupEpoch).toBe(before.groupEpoch);
    expect(after.assignmentEpoch).toBe(before.assignmentEpoch);
    expect([...after.members.values()]).toEqual([...before.members.values()]);
    expect([...after.partitionEpochs]).toEqual([...before.partitionEpochs]);
    expect(loaded.groupStates()).toEqual(h.shard.groupStates());
    // the loaded member still has to revoke before b gets anything
    expect(after.members.get(a.memberId)!.state).toBe('UNREVOKED_PARTITIONS');
    expect(b.memberId).not.toBe(a.memberId);
  });
});
