// The group coordinator's white-box invariants (checkers/coordinator-invariants.ts), each
// shown to hold on a correct sequence and to fire on a planted break. The end-to-end break
// (a coordinator that serves before loading: the coordinator-serves-before-load variant)
// is in test/model/zoo/groups.test.ts.

import { describe, expect, it } from 'vitest';
import {
  CoordinatorInvariants,
  type CoordinatorServing,
  oneCoordinatorPerEpoch,
  onePartitionOwner,
  type ServedGroup,
  stateIsLogReplay,
} from '../../checkers/coordinator-invariants.ts';

const meta = (generation: number, members: string[]) =>
  JSON.stringify({
    type: 'GroupMetadata',
    group: 'g1',
    generation,
    leader: members[0] ?? null,
    members: members.map((memberId) => ({
      memberId,
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 6000,
      assignment: [],
    })),
  });
const commit = (offset: number, partition = 0) =>
  JSON.stringify({ type: 'OffsetCommit', group: 'g1', topic: 't', partition, offset, leaderEpoch: 1 });
/** The log: generation 1 (a), a commit at 4, generation 2 (a, b), a commit at 9 of t-0 and one at 2 of t-1. */
const log = [meta(1, ['a']), commit(4), meta(2, ['b', 'a']), commit(9), commit(2, 1)];
const loaded = {
  group: 'g1',
  generation: 2,
  members: ['a', 'b'],
  offsets: [
    { topic: 't', partition: 1, offset: 2 },
    { topic: 't', partition: 0, offset: 9 },
  ],
};
const serving = (over: Partial<CoordinatorServing> = {}): CoordinatorServing => ({
  broker: 2,
  partition: 0,
  leaderEpoch: 3,
  groups: [loaded],
  log,
  timeUs: 5,
  ...over,
});

describe('coordinator-state-loaded: the state served after a move is the replay of the partition', () => {
  it('holds for the loaded state, in any order of members and offsets', () => {
    expect(stateIsLogReplay(serving())).toBeUndefined();
    expect(stateIsLogReplay(serving({ groups: [], log: [] }))).toBeUndefined();
  });

  it('fires on a state served before loading, a stale generation, lost members or a lost commit', () => {
    const cases: Array<[ServedGroup[], RegExp]> = [
      [[], /g1 missing \(its log has generation 2\)/],
      [[{ ...loaded, generation: 1 }], /generation 1, not 2/],
      [[{ ...loaded, members: ['a'] }], /members \[a\], not \[a, b\]/],
      [[{ ...loaded, offsets: [{ topic: 't', partition: 0, offset: 4 }] }], /t-0@4\], not \[t-0@9, t-1@2\]/],
    ];
    for (const [groups, words] of cases) {
      const a = stateIsLogReplay(serving({ groups }));
      expect(a).toMatchObject({ kind: 'coordinator-state-loaded', topic: '__consumer_offsets', partition: 0 });
      expect(a!.explanation).toMatch(words);
    }
    // a group the log never held
    expect(stateIsLogReplay(serving({ log: [] }))?.explanation).toMatch(/g1 at generation 2/);
  });
});

describe('coordinator-state-loaded with transactional offsets (pending until their marker)', () => {
  const txnCommit = (offset: number, producerId: number) =>
    JSON.stringify({ ...(JSON.parse(commit(offset)) as object), producerId });
  const marker = (producerId: number, result: 'COMMIT' | 'ABORT') =>
    JSON.stringify({ type: 'EndTxnMarker', producerId, result });
  const g = (offsets: Array<{ topic: string; partition: number; offset: number }>): ServedGroup[] => [
    { group: 'g1', generation: 0, members: [], offsets },
  ];
  const at = (offset: number) => [{ topic: 't', partition: 0, offset }];

  it('a COMMIT makes the offset committed, an ABORT drops it, a pending one is not served', () => {
    const committed = [commit(3), txnCommit(7, 5), marker(5, 'COMMIT')];
    expect(stateIsLogReplay(serving({ log: committed, groups: g(at(7)) }))).toBeUndefined();
    const aborted = [commit(3), txnCommit(7, 5), marker(5, 'ABORT')];
    expect(stateIsLogReplay(serving({ log: aborted, groups: g(at(3)) }))).toBeUndefined();
    const pending = [commit(3), txnCommit(7, 5), marker(6, 'COMMIT')];
    expect(stateIsLogReplay(serving({ log: pending, groups: g(at(3)) }))).toBeUndefined();
    // A coordinator that served the pending offset (or dropped a committed one) breaks it.
    expect(stateIsLogReplay(serving({ log: pending, groups: g(at(7)) }))?.kind).toBe('coordinator-state-loaded');
    expect(stateIsLogReplay(serving({ log: committed, groups: g(at(3)) }))?.kind).toBe('coordinator-state-loaded');
  });

  it('a COMMIT keeps a plain commit written after the transactional one', () => {
    const log = [txnCommit(7, 5), commit(4), marker(5, 'COMMIT')];
    expect(stateIsLogReplay(serving({ log, groups: g(at(4)) }))).toBeUndefined();
  });
});

describe('coordinator-one-per-epoch: one coordinator per __consumer_offsets partition and leader epoch', () => {
  it("holds for the controller's leader, serving first", () => {
    expect(oneCoordinatorPerEpoch(serving(), 2, undefined)).toBeUndefined();
    expect(oneCoordinatorPerEpoch(serving(), 2, 2)).toBeUndefined();
    expect(oneCoordinatorPerEpoch(serving(), undefined, undefined)).toBeUndefined();
  });

  it('fires on a second broker serving the epoch, or on a broker the controller did not elect', () => {
    expect(oneCoordinatorPerEpoch(serving(), 2, 1)).toMatchObject({ kind: 'coordinator-one-per-epoch', nodes: [1, 2] });
    expect(oneCoordinatorPerEpoch(serving(), 3, undefined)?.explanation).toMatch(/elected broker 3/);
  });

  it('the monitor: a move to a new epoch is fine; a planted second coordinator of one epoch is reported once', () => {
    const m = new CoordinatorInvariants();
    m.onLeaderRecord(0, 2, 3);
    m.onServing(serving());
    m.onLeaderRecord(0, 1, 4);
    m.onServing(serving({ broker: 1, leaderEpoch: 4 }));
    expect(m.anomalies()).toEqual([]);
    m.onServing(serving({ broker: 3, leaderEpoch: 4 })); // the break: broker 3 also serves epoch 4
    m.onServing(serving({ broker: 3, leaderEpoch: 4 }));
    expect(m.anomalies().map((a) => a.kind)).toEqual(['coordinator-one-per-epoch']);
    expect(m.anomalies()[0].explanation).toMatch(/broker 1 already served it/);
  });
});

describe('coordinator-partition-one-owner and consumer group records (KIP-848)', () => {
  const cg = (r: Record<string, unknown>) => JSON.stringify({ group: 'g1', ...r });
  const cgLog = [
    cg({ type: 'ConsumerGroupMemberMetadata', memberId: 'a', value: { rebalanceTimeoutMs: 1, topics: ['t'] } }),
    cg({ type: 'ConsumerGroupMetadata', epoch: 1 }),
    cg({ type: 'ConsumerGroupMemberMetadata', memberId: 'b', value: { rebalanceTimeoutMs: 1, topics: ['t'] } }),
    cg({ type: 'ConsumerGroupMetadata', epoch: 2 }),
    cg({ type: 'ConsumerGroupMemberMetadata', memberId: 'a', value: null }),
    cg({ type: 'ConsumerGroupMetadata', epoch: 3 }),
  ];
  const owners = (a: number[], b: number[]) => [
    { member: 'b', partitions: a.map((partition) => ({ topic: 't', partition })) },
    { member: 'c', partitions: b.map((partition) => ({ topic: 't', partition })) },
  ];
  const group = (o: ServedGroup['owners']): ServedGroup => ({
    group: 'g1',
    generation: 3,
    members: ['b'],
    offsets: [],
    owners: o,
  });

  it('the group epoch and members are the replay of the consumer group records', () => {
    expect(stateIsLogReplay(serving({ log: cgLog, groups: [group([])] }))).toBeUndefined();
    const wrong = { ...group([]), members: ['a', 'b'] };
    expect(stateIsLogReplay(serving({ log: cgLog, groups: [wrong] }))?.kind).toBe('coordinator-state-loaded');
  });

  it('fires when two members own one partition, not otherwise', () => {
    expect(onePartitionOwner(serving({ log: cgLog, groups: [group(owners([0, 1], [2]))] }))).toBeUndefined();
    const a = onePartitionOwner(serving({ log: cgLog, groups: [group(owners([0, 1], [1]))] }));
    expect(a?.kind).toBe('coordinator-partition-one-owner');
    expect(a?.explanation).toMatch(/t-1 .* both b and c/);
  });
});
