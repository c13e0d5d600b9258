// ZooKeeper mode's group coordinator across a later leader epoch of the same leadership, on a
// hand-built GroupHost: Partition.makeLeader returns isNewLeader = !isLeader, so
// ReplicaManager.makeLeaders leaves a leader made leader again out of partitionsBecomeLeader and
// RequestHandlerHelper.onLeadershipChange calls no GroupCoordinator.onElection (3.9.0-rc3). A
// load under way therefore ends when it would have: its timer, set in the elected epoch, still
// loads. KRaft mode elects again on every leader epoch (TopicDelta.localChanges), so there the
// earlier leadership's timer is stale.

import { describe, expect, it } from 'vitest';
import { GroupHost, type GroupHostBroker, type GroupTimerTag } from '../../model/group-host.ts';
import type { Partition } from '../../model/partition.ts';

/** A `__consumer_offsets`/0 replica as GroupHost reads it: an empty log. */
function replica(role: 'leader' | 'follower', leaderEpoch: number): Partition {
  return { partition: 0, role, leaderEpoch, log: { hw: 0, dataRecords: () => [] } } as unknown as Partition;
}

/** A host whose broker leads `current` and records the timers it sets. */
function fakeHost(zookeeperMode: boolean, current: { p: Partition }): { host: GroupHost; timers: GroupTimerTag[] } {
  const timers: GroupTimerTag[] = [];
  const broker = {
    brokerId: 1,
    config: {},
    variant: 'correct',
    imagePartitions: new Map(),
    caughtUp: true,
    zookeeperMode,
    nowUs: () => 0,
    send: () => {},
    emit: () => {},
    setTimer: (_delayUs: number, tag: GroupTimerTag) => timers.push(tag),
    partition: () => current.p,
    txns: { verifyTransaction: () => {} },
  } as unknown as GroupHostBroker;
  return { host: new GroupHost(broker), timers };
}

describe('the group coordinator across a later leader epoch of its leadership', () => {
  it('ZooKeeper mode: the load set in the elected epoch completes after the epoch is raised', () => {
    const current = { p: replica('leader', 2) };
    const { host, timers } = fakeHost(true, current);
    host.onReplica(current.p);
    const elected = host.shard(0);
    expect(timers).toEqual([{ type: 'group-load', partition: 0, leaderEpoch: 2 }]);
    current.p = replica('leader', 3);
    host.onReplica(current.p);
    expect(host.shard(0)).toBe(elected);
    expect(timers).toHaveLength(1);
    expect(elected?.isLoaded()).toBe(false);
    host.onTimer(timers[0] as GroupTimerTag);
    expect(elected?.isLoaded()).toBe(true);
  });

  it('KRaft mode: a later leader epoch elects again and the earlier load timer is stale', () => {
    const current = { p: replica('leader', 2) };
    const { host, timers } = fakeHost(false, current);
    host.onReplica(current.p);
    const first = host.shard(0);
    current.p = replica('leader', 3);
    host.onReplica(current.p);
    const second = host.shard(0);
    expect(second).not.toBe(first);
    host.onTimer(timers[0] as GroupTimerTag);
    expect(second?.isLoaded()).toBe(false);
    host.onTimer(timers[1] as GroupTimerTag);
    expect(second?.isLoaded()).toBe(true);
  });

  it('a timer of an earlier leadership of this broker never loads a later one (ZooKeeper mode)', () => {
    const current = { p: replica('leader', 2) };
    const { host, timers } = fakeHost(true, current);
    host.onReplica(current.p);
    current.p = replica('follower', 3);
    host.onReplica(current.p);
    current.p = replica('leader', 4);
    host.onReplica(current.p);
    host.onTimer(timers[0] as GroupTimerTag);
    expect(host.shard(0)?.isLoaded()).toBe(false);
  });
});
