// Connection resets as the model reacts to them (follower fetchers back off, KIP-951 answers
// name the current leader) and the controller's elections on request: preferred and unclean
// elections of the partition change builder, ElectLeaders from an admin, and the automatic
// preferred-leader rebalance.

import { describe, expect, it } from 'vitest';
import { buildPartitionChange } from '../../model/partition-change.ts';
import type { PartitionState } from '../../model/internal-protocol.ts';
import { TestCluster } from './helpers.ts';

const settle = (c: TestCluster): void => {
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
};

describe('connection resets in the model', () => {
  it('a follower whose leader crashes backs off at once instead of waiting replica.socket.timeout.ms', () => {
    const c = new TestCluster({ config: { 'replica.fetch.wait.max.ms': 500 } });
    settle(c);
    const leader = c.state().leader;
    const followers = c.brokerIds.filter((id) => id !== leader);
    // Every follower has a fetch parked at the leader (long poll).
    expect(c.runUntil(() => followers.every((f) => c.replica(f).fetch?.correlationId !== 0), 2_000_000)).toBe(true);
    c.sim.crash(leader);
    c.runFor(1_000); // one latency (≤ 800 µs): the reset is seen
    for (const f of followers) {
      const fetch = c.replica(f).fetch!;
      expect(fetch.correlationId, `follower ${f}`).toBe(0);
      expect(fetch.backingOff, `follower ${f}`).toBe(true);
    }
  });

  it('KIP-951: NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH answers name the current leader and epoch', () => {
    const c = new TestCluster();
    settle(c);
    const s = c.state();
    const follower = c.brokerIds.find((id) => id !== s.leader)!;
    const produced = c.produceAndWait(follower, ['x']);
    expect(produced.error).toBe('NOT_LEADER_OR_FOLLOWER');
    expect(produced.currentLeader).toEqual({ leaderId: s.leader, leaderEpoch: s.leaderEpoch });
    c.sim.crash(s.leader);
    expect(c.runUntil(() => c.leaderReady(s.leader), 30_000_000)).toBe(true);
    const now = c.state();
    const fenced = c.fetchAndWait(now.leader, 0, { currentLeaderEpoch: s.leaderEpoch });
    expect(fenced.error).toBe('FENCED_LEADER_EPOCH');
    expect(fenced.currentLeader).toEqual({ leaderId: now.leader, leaderEpoch: now.leaderEpoch });
    // A successful answer carries none.
    expect(c.fetchAndWait(now.leader, 0).currentLeader).toBeUndefined();
  });
});

const base: PartitionState = {
  topic: 't',
  partition: 0,
  replicas: [1, 2, 3],
  isr: [2, 3],
  elr: [],
  leader: 2,
  leaderEpoch: 4,
  partitionEpoch: 9,
};
const opts = (alive: number[], election: 'online' | 'preferred' | 'unclean') => ({
  isAcceptableLeader: (r: number) => alive.includes(r),
  minIsr: 2,
  elrEnabled: true,
  uncleanElection: false,
  election,
});

describe('elections of the partition change builder', () => {
  it('PREFERRED elects the first replica when it is in the ISR and alive, else keeps the leader', () => {
    const back = { ...base, isr: [1, 2, 3] };
    const moved = buildPartitionChange(back, back.isr, opts([1, 2, 3], 'preferred'));
    expect(moved).toMatchObject({ leader: 1, leaderEpoch: 5, isr: [1, 2, 3] });
    expect(buildPartitionChange(back, back.isr, opts([1, 2, 3], 'online'))).toBeNull();
    expect(buildPartitionChange(base, base.isr, opts([1, 2, 3], 'preferred'))).toBeNull(); // 1 is out of the ISR
    expect(buildPartitionChange(back, back.isr, opts([2, 3], 'preferred'))).toBeNull(); // 1 is fenced
  });

  it('UNCLEAN elects an out-of-sync replica only when nothing in the ISR or ELR can lead', () => {
    const leaderless = { ...base, leader: -1, isr: [3], elr: [] };
    expect(buildPartitionChange(leaderless, leaderless.isr, opts([1, 2], 'online'))).toBeNull();
    expect(buildPartitionChange(leaderless, leaderless.isr, opts([1, 2], 'preferred'))).toBeNull();
    const unclean = buildPartitionChange(leaderless, leaderless.isr, opts([1, 2], 'unclean'));
    expect(unclean).toMatchObject({ leader: 1, isr: [1], elr: [] });
    const clean = buildPartitionChange(leaderless, leaderless.isr, opts([2, 3], 'unclean'));
    expect(clean).toMatchObject({ leader: 3, isr: [3] });
  });
});

describe('elections on request', () => {
  /** Crash the preferred leader, let another lead, bring it back into the ISR. */
  const displaced = (config: ConstructorParameters<typeof TestCluster>[0] = {}): TestCluster => {
    const c = new TestCluster(config);
    settle(c);
    const preferred = c.state().replicas[0];
    expect(c.state().leader).toBe(preferred);
    c.produceAndWait(preferred, ['a', 'b']);
    c.sim.crash(preferred);
    expect(c.runUntil(() => c.leaderReady(preferred), 30_000_000)).toBe(true);
    c.sim.start(preferred);
    expect(c.runUntil(() => c.state().isr.includes(preferred) && c.settled(), 60_000_000)).toBe(true);
    return c;
  };

  it('an admin PREFERRED election moves leadership back; once there it is not needed', () => {
    const c = displaced();
    const preferred = c.state().replicas[0];
    expect(c.state().leader).not.toBe(preferred);
    const epoch = c.state().leaderEpoch;
    const outcome = c.controller().electLeaders('t', 0, 'preferred');
    expect(outcome).toEqual({ error: 'NONE', leader: preferred, unclean: false });
    // The record commits when the Raft accumulator drains (controller.quorum.append.linger.ms,
    // 25 ms) and the lone voter flushes: 25 ms after the call, not within it.
    expect(c.runUntil(() => c.state().leaderEpoch !== epoch, 25_000)).toBe(true);
    expect(c.state()).toMatchObject({ leader: preferred, leaderEpoch: epoch + 1 });
    expect(c.runUntil(() => c.leaderReady(), 5_000_000)).toBe(true);
    expect(c.controller().electLeaders('t', 0, 'preferred').error).toBe('ELECTION_NOT_NEEDED');
    expect(c.controller().electLeaders('t', 0, 'unclean').error).toBe('ELECTION_NOT_NEEDED');
    expect(c.controller().electLeaders('t', 7, 'preferred').error).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('auto.leader.rebalance.enable moves leadership back at the next imbalance check; off, it stays', () => {
    const on = displaced({ config: { 'leader.imbalance.check.interval.seconds': 5 } });
    const preferred = on.state().replicas[0];
    expect(on.runUntil(() => on.state().leader === preferred, 6_000_000)).toBe(true);
    const off = displaced({
      config: { 'leader.imbalance.check.interval.seconds': 5, 'auto.leader.rebalance.enable': false },
    });
    const before = off.state().leader;
    off.runFor(20_000_000);
    expect(off.state().leader).toBe(before);
  });
});
