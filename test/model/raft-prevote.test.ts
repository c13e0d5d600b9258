// KIP-996 Pre-Vote in KRaft's Raft (model/raft.ts, from kafka.version 4.0): the grant rules of
// each state (QuorumState.unattachedOrProspectiveCanGrantVote and the canGrantVote of
// FollowerState, CandidateState, ResignedState and LeaderState), and a hand-built schedule
// after seed 100018392 of the swarm: a follower controller's every link slowed by 1285 ms
// for 50 s, longer than its fetch timeout (2 s) allows a round trip. Before 4.0 the slow voter
// stands again and again with higher epochs and the quorum changes leader every few seconds,
// each new active controller giving every broker a fresh session; from 4.0 it only asks for
// pre-votes, which the leader and the other follower refuse, and a killed broker is fenced
// once its session (6 s) expires.

import { describe, expect, it } from 'vitest';
import { canGrantVoteKip996, type GrantState } from '../../model/raft.ts';
import type { KafkaVersion } from '../../model/versions.ts';
import { recordingCodeProbes } from './helpers.ts';
import { othersThan, runSchedule } from './zoo/harness.ts';

const CANDIDATE = 7;

function grants(state: Partial<GrantState> & Pick<GrantState, 'role'>, logOk: boolean, preVote: boolean): boolean {
  const s: GrantState = { leaderId: -1, votedId: -1, hasFetchedFromLeader: false, ...state };
  return canGrantVoteKip996(s, CANDIDATE, logOk, preVote);
}

describe('KIP-996 grant rules (canGrantVote of each state)', () => {
  it('a PreVote is granted on the log alone by unattached, prospective, candidate and resigned voters', () => {
    for (const role of ['unattached', 'prospective', 'candidate', 'resigned'] as const) {
      // Even with a known leader or a vote for someone else: a pre-vote binds no one.
      expect(grants({ role, leaderId: 2, votedId: 3 }, true, true)).toBe(true);
      expect(grants({ role }, false, true)).toBe(false);
    }
  });

  it('a follower grants a PreVote only before its first successful fetch from the leader', () => {
    expect(grants({ role: 'follower', leaderId: 2 }, true, true)).toBe(true);
    expect(grants({ role: 'follower', leaderId: 2 }, false, true)).toBe(false);
    expect(grants({ role: 'follower', leaderId: 2, hasFetchedFromLeader: true }, true, true)).toBe(false);
    // And never a standard vote.
    expect(grants({ role: 'follower', leaderId: 2 }, true, false)).toBe(false);
  });

  it('the leader refuses every vote, pre-vote or not', () => {
    expect(grants({ role: 'leader', leaderId: 1 }, true, true)).toBe(false);
    expect(grants({ role: 'leader', leaderId: 1 }, true, false)).toBe(false);
  });

  it('a standard vote: unattached or prospective, once per epoch, not while a leader is known, by the log', () => {
    for (const role of ['unattached', 'prospective'] as const) {
      expect(grants({ role }, true, false)).toBe(true);
      expect(grants({ role }, false, false)).toBe(false);
      expect(grants({ role, votedId: CANDIDATE }, false, false)).toBe(true);
      expect(grants({ role, votedId: 3 }, true, false)).toBe(false);
      expect(grants({ role, leaderId: 2 }, true, false)).toBe(false);
    }
    for (const role of ['candidate', 'resigned'] as const) expect(grants({ role }, true, false)).toBe(false);
  });
});

const SLOW_MS = 1_285;

interface SlowVoterRun {
  /** Epochs a leader was elected in after the slowing began, in order. */
  readonly newLeaderEpochs: number[];
  /** When the killed broker was fenced, in µs after its crash (undefined: not within the run). */
  readonly fencedAfterUs: number | undefined;
  readonly slowVoterEpochs: number[];
  /** The slow voter's roles after the slowing began. */
  readonly slowVoterRoles: string[];
  readonly anomalies: readonly unknown[];
}

/** A follower voter slowed by 1285 ms both ways for 50 s; 10 s in, a follower broker is killed. */
function slowVoter(version: KafkaVersion): SlowVoterRun {
  let slowAtUs = 0;
  let crashAtUs = 0;
  let victim = -1;
  let slowId = -1;
  let firstEpoch = 0;
  const out = runSchedule(
    'correct',
    { controllers: 3, config: { 'kafka.version': version, 'broker.session.timeout.ms': 6_000 } },
    (c) => {
      c.produceAndWait(c.state().leader, ['a']);
      const active = c.activeControllerId()!;
      slowId = c.controllerIds.filter((v) => v !== active)[0];
      firstEpoch = c.controller().raft.epoch;
      slowAtUs = c.sim.now();
      const slow = c.sim.network.slowNode(slowId, SLOW_MS * 1000);
      c.runFor(10_000_000);
      [victim] = othersThan(c, c.state().leader);
      crashAtUs = c.sim.now();
      c.sim.crash(victim);
      c.runFor(40_000_000);
      c.sim.network.unslow(slow);
      c.runFor(5_000_000);
    },
  );
  const c = out.cluster;
  const after = c.probesOf('quorum').filter((p) => p.t > slowAtUs);
  const newLeaderEpochs = [
    ...new Set(after.filter((p) => p.e.role === 'leader' && Number(p.e.epoch) > firstEpoch).map((p) => p.e.epoch)),
  ].map(Number);
  const fenced = c.probesOf('fenced').find((p) => p.e.broker === victim && p.t > crashAtUs);
  return {
    newLeaderEpochs,
    fencedAfterUs: fenced === undefined ? undefined : fenced.t - crashAtUs,
    slowVoterEpochs: [...new Set(after.filter((p) => p.node === slowId).map((p) => Number(p.e.epoch)))],
    slowVoterRoles: [...new Set(after.filter((p) => p.node === slowId).map((p) => String(p.e.role)))],
    anomalies: out.anomalies,
  };
}

describe('a slow follower controller (after seed 100018392)', () => {
  it.each(['4.0', '4.1'] as const)(
    '%s (pre-vote): the slow voter never bumps the epoch, the leader stays, the dead broker is fenced in 6 s',
    (version) => {
      let run: SlowVoterRun | undefined;
      const hit = recordingCodeProbes(() => {
        run = slowVoter(version);
      });
      const r = run!;
      expect(r.anomalies).toEqual([]);
      expect(r.newLeaderEpochs).toEqual([]);
      expect(r.slowVoterEpochs).toHaveLength(1);
      // broker.session.timeout.ms, checked every 500 ms by the active controller.
      expect(r.fencedAfterUs).toBeDefined();
      expect(r.fencedAfterUs!).toBeLessThanOrEqual(6_500_000);
      // It only ever asks for pre-votes, which time out (a round trip takes 2.6 s) and are refused:
      // the other follower has fetched from the leader.
      expect(r.slowVoterRoles.sort()).toEqual(['follower', 'prospective']);
      expect(hit).toContain('raft-prospective-timed-out');
      expect(hit).toContain('raft-prevote-rejected-leader-known');
    },
  );

  it('3.9 (no pre-vote): the slow voter stands again and again, the leader changes, fencing waits', () => {
    const r = slowVoter('3.9');
    expect(r.anomalies).toEqual([]);
    // A new leader every few seconds over the 50 s.
    expect(r.newLeaderEpochs.length).toBeGreaterThanOrEqual(5);
    expect(r.slowVoterEpochs.length).toBeGreaterThan(10);
    // Every new active controller gives the brokers fresh sessions: the dead broker outlives its 6 s.
    expect(r.fencedAfterUs === undefined || r.fencedAfterUs > 20_000_000).toBe(true);
  });
});
