// The KRaft controller: the partition change builder's rules (ELR, elections, epochs) as a
// unit, and registration, fencing, unclean restarts and crash recovery on the running model.

import { describe, expect, it } from 'vitest';
import { buildPartitionChange, NO_LEADER } from '../../model/partition-change.ts';
import type { PartitionState } from '../../model/internal-protocol.ts';
import { CONTROLLER_ID } from '../../model/config.ts';
import { TestCluster } from './helpers.ts';

const base: PartitionState = {
  topic: 't',
  partition: 0,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  elr: [],
  leader: 1,
  leaderEpoch: 4,
  partitionEpoch: 9,
};
const opts = (alive: number[], extra: Partial<Parameters<typeof buildPartitionChange>[2]> = {}) => ({
  isAcceptableLeader: (r: number) => alive.includes(r),
  minIsr: 2,
  elrEnabled: true,
  uncleanElection: false,
  ...extra,
});

describe('partition change builder', () => {
  it('an ISR shrink that keeps the leader bumps only the partition epoch', () => {
    expect(buildPartitionChange(base, [1, 2], opts([1, 2, 3]))).toEqual({ ...base, isr: [1, 2], partitionEpoch: 10 });
  });

  it('removing the leader elects the first ISR member in replica order and bumps both epochs', () => {
    expect(buildPartitionChange(base, [2, 3], opts([2, 3]))).toEqual({
      ...base,
      isr: [2, 3],
      leader: 2,
      leaderEpoch: 5,
      partitionEpoch: 10,
    });
  });

  it('KIP-966: below min ISR, members leaving the ISR join the ELR; an empty ISR elects from the ELR', () => {
    const one = buildPartitionChange({ ...base, isr: [1, 2] }, [1], opts([1, 2, 3]))!;
    expect(one).toMatchObject({ isr: [1], elr: [2], leader: 1, leaderEpoch: 4 });
    const none = buildPartitionChange(one, [], opts([2, 3]))!;
    // The ISR becomes empty: broker 1 joins the ELR and broker 2, already there and alive, leads.
    expect(none).toMatchObject({ isr: [2], elr: [1], leader: 2, leaderEpoch: 5 });
  });

  it('KIP-966: an unclean shutdown leaves the ELR; with nobody eligible the partition stays leaderless', () => {
    const s: PartitionState = { ...base, isr: [], elr: [2, 3], leader: NO_LEADER };
    const next = buildPartitionChange(s, [], opts([1], { uncleanShutdownReplicas: [3] }))!;
    expect(next).toMatchObject({ isr: [], elr: [2], leader: NO_LEADER });
  });

  it('without ELR the ISR never empties: its last member stays (and is electable again later)', () => {
    const s: PartitionState = { ...base, isr: [1] };
    const next = buildPartitionChange(s, [], opts([2, 3], { elrEnabled: false }))!;
    expect(next).toMatchObject({ isr: [1], elr: [], leader: NO_LEADER, leaderEpoch: 5 });
    expect(buildPartitionChange(next, next.isr, opts([1, 2, 3], { elrEnabled: false }))).toMatchObject({
      leader: 1,
      leaderEpoch: 6,
    });
  });

  it('unclean election only when enabled, resetting the ISR to the new leader', () => {
    const s: PartitionState = { ...base, isr: [1], elr: [], leader: 1 };
    expect(buildPartitionChange(s, [], opts([3], { elrEnabled: false }))).toMatchObject({ leader: NO_LEADER });
    expect(buildPartitionChange(s, [], opts([3], { elrEnabled: false, uncleanElection: true }))).toMatchObject({
      leader: 3,
      isr: [3],
      leaderEpoch: 5,
    });
  });

  it('returns null when nothing changes', () => {
    expect(buildPartitionChange(base, [3, 2, 1], opts([1, 2, 3]))).toBeNull();
  });
});

describe('the controller on the running model', () => {
  const settled = (c: TestCluster) => {
    c.start();
    expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  };

  it(
    'refuses a new incarnation while the old session lives, then accepts it with a new broker epoch and removes it ' +
      'from the ISR (unclean)',
    () => {
      const c = new TestCluster();
      settled(c);
      const victim = c.brokerIds.find((id) => id !== c.state().leader)!;
      const oldEpoch = c.controller().registration(victim)!.epoch;
      c.sim.crash(victim);
      c.runFor(500_000);
      c.sim.start(victim);
      c.runFor(3_000_000);
      // Still the old registration: the session (9 s) has not expired.
      expect(c.controller().registration(victim)!.epoch).toBe(oldEpoch);
      expect(c.broker(victim).brokerEpoch()).toBe(-1);
      expect(c.runUntil(() => c.broker(victim).brokerEpoch() > oldEpoch, 20_000_000)).toBe(true);
      expect(c.probesOf('fenced').map((p) => p.e.broker)).toContain(victim);
      expect(c.state().isr).not.toContain(victim);
      // It catches up and rejoins through the leader's AlterPartition.
      expect(c.runUntil(() => c.state().isr.includes(victim), 60_000_000)).toBe(true);
    },
  );

  it('crashes and recovers from its metadata log: same partitions, same registrations, fresh sessions', () => {
    const c = new TestCluster();
    settled(c);
    const before = c.state();
    const regs = c.brokerIds.map((id) => c.controller().registration(id));
    c.sim.crash(CONTROLLER_ID);
    c.runFor(5_000_000);
    c.sim.start(CONTROLLER_ID);
    expect(c.state()).toEqual(before);
    expect(c.brokerIds.map((id) => c.controller().registration(id))).toEqual(regs);
    // Nobody is fenced by the outage: sessions restart with the new controller.
    c.runFor(20_000_000);
    expect(c.probesOf('fenced')).toEqual([]);
    expect(c.state().leaderEpoch).toBe(before.leaderEpoch);
  });

  it(
    'KIP-966 end to end: after a power loss of the last ISR member, an ELR member is elected and the unclean broker ' +
      'leaves the ELR',
    () => {
      const c = new TestCluster({ config: { 'replica.lag.time.max.ms': 3_000 } });
      settled(c);
      const leader = c.state().leader;
      const [f1, f2] = c.brokerIds.filter((id) => id !== leader);
      for (let i = 0; i < 5; i++) c.produceAndWait(leader, [`r${i}`]);
      // f1 falls out of the ISR (stays registered); r5 then commits on {leader, f2}.
      const cut1 = c.sim.network.cut({ kind: 'link', a: leader, b: f1 });
      expect(c.produceAndWait(leader, ['r5']).error).toBe('NONE');
      expect(c.state().isr).not.toContain(f1);
      expect(c.state().elr).toEqual([]);
      // f2 falls out too (an uncommitted acks=1 write moves the leader's end): ISR {leader}, ELR {f2}.
      const cut2 = c.sim.network.cut({ kind: 'link', a: leader, b: f2 });
      expect(c.produceAndWait(leader, ['x'], { acks: 1 }).error).toBe('NONE');
      expect(c.runUntil(() => c.state().isr.length === 1, 30_000_000)).toBe(true);
      expect(c.state().elr).toEqual([f2]);
      expect(c.replica(leader).log.hw).toBe(6); // below min ISR the HW stays put (KIP-966)
      // The leader loses power: its session expires; f2, alive and in the ELR, is elected.
      c.sim.powerLoss(leader);
      expect(c.runUntil(() => c.state().leader === f2, 30_000_000)).toBe(true);
      expect(c.state().isr).toEqual([f2]);
      expect(c.state().elr).toEqual([leader]);
      c.sim.network.heal(cut1);
      c.sim.network.heal(cut2);
      c.sim.start(leader);
      expect(c.runUntil(() => c.sim.isUp(leader) && c.broker(leader).brokerEpoch() >= 0, 30_000_000)).toBe(true);
      expect(c.state().elr).not.toContain(leader);
      // Nothing committed was lost: the new leader has all six committed records.
      expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
      expect(c.logOf(f2).map(([, , v]) => v)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
      expect(c.runUntil(() => c.logOf(leader).length === 6, 30_000_000)).toBe(true);
      expect(c.logOf(leader)).toEqual(c.logOf(f2));
    },
  );

  for (const unclean of [false, true]) {
    it(
      `with every ISR/ELR member gone, an out-of-sync replica is elected only when unclean.leader.election.enable ` +
        `(${unclean})`,
      () => {
        const c = new TestCluster({
          config: { 'replica.lag.time.max.ms': 3_000, 'unclean.leader.election.enable': unclean },
        });
        settled(c);
        const a = c.state().leader;
        const [b, cc] = c.brokerIds.filter((id) => id !== a);
        c.produceAndWait(a, ['r0']);
        const cut = c.sim.network.cut({ kind: 'link', a, b: cc });
        c.produceAndWait(a, ['r1']); // commits on {A, B} once C is out (C is not in the ELR)
        expect(c.state().isr).not.toContain(cc);
        expect(c.state().elr).toEqual([]);
        c.sim.network.heal(cut);
        c.sim.network.cut({ kind: 'link', a, b: cc });
        c.sim.network.cut({ kind: 'link', a: b, b: cc });
        c.sim.crash(a);
        c.sim.crash(b);
        c.runFor(20_000_000);
        if (!unclean) {
          expect(c.state().leader).toBe(-1);
          expect([...c.state().elr].sort()).toEqual([a, b].sort());
          return;
        }
        expect(c.runUntil(() => c.leaderReady(), 10_000_000)).toBe(true);
        expect(c.state().leader).toBe(cc);
        expect(c.state().isr).toEqual([cc]);
        expect(c.state().elr).toEqual([]);
        // The unclean leader lacks r1: the restarted brokers truncate to its log.
        expect(c.logOf(cc).map(([, , v]) => v)).toEqual(['r0']);
        c.sim.network.healAll();
        c.sim.start(a);
        c.sim.start(b);
        expect(c.runUntil(() => c.settled() && c.state().isr.length === 3, 60_000_000)).toBe(true);
        expect(c.logOf(a)).toEqual(c.logOf(cc));
        expect(
          c
            .probesOf('truncate')
            .filter((p) => p.node === a)
            .map((p) => p.e.reason),
        ).toContain('diverging-epoch');
      },
    );
  }
});
