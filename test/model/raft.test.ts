// KRaft's Raft (model/raft.ts) pinned by hand-built schedules on 3 controller voters, each run
// with the white-box invariant monitor watching every event: the election's log comparison (and
// from 4.0 the pre-vote that keeps a cut-off voter from bumping the epoch, KIP-996), the
// leader's resignation by check quorum, a follower voter truncating its diverging metadata log,
// and a voter's power loss that loses unflushed metadata-log bytes but no committed record.

import { describe, expect, it } from 'vitest';
import { controllerOn } from '../../model/combined-server.ts';
import type { KraftController } from '../../model/controller.ts';
import type { MetadataRecord } from '../../model/internal-protocol.ts';
import { RAW_CLIENT_ID, recordingCodeProbes, type TestCluster } from './helpers.ts';
import { othersThan, runSchedule } from './zoo/harness.ts';

function voter(c: TestCluster, id: number): KraftController {
  const v = controllerOn(c.sim, id);
  if (v === undefined) throw new Error(`voter ${id} is down`);
  return v;
}

/** Broker sessions expire (1.5 s) before the check-quorum timeout (3 s): a cut-off leader still writes fencing. */
const FAST_FENCING = {
  controllers: 3,
  config: { 'broker.heartbeat.interval.ms': 300, 'broker.session.timeout.ms': 1_500 },
};

/** The 'quorum' probes of one voter, in order. */
function quorumEvents(c: TestCluster, node: number): Array<{ t: number; role: string; epoch: number }> {
  return c
    .probesOf('quorum')
    .filter((p) => p.node === node)
    .map((p) => ({ t: p.t, role: String(p.e.role), epoch: Number(p.e.epoch) }));
}

/** A voter cut off from everyone while a broker restarts, then healed (kafka.version `version`). */
function laggingVoter(version: '3.9' | '4.1', during: (c: TestCluster, lagging: number) => void) {
  let lagging = -1;
  let healedAtUs = 0;
  const out = runSchedule('correct', { controllers: 3, config: { 'kafka.version': version } }, (c) => {
    const a = c.activeControllerId()!;
    lagging = c.controllerIds.filter((v) => v !== a)[1];
    const rest = [...c.brokerIds, ...c.controllerIds.filter((v) => v !== lagging), RAW_CLIENT_ID];
    const cut = c.sim.network.cut({ kind: 'split', sideA: [lagging], sideB: rest });
    // A broker restarts after its session expired: registration and unfencing commit without it.
    const [victim] = othersThan(c, c.state().leader);
    c.sim.crash(victim);
    c.runFor(10_000_000);
    c.sim.start(victim);
    c.runUntil(() => c.settled(), 30_000_000);
    during(c, lagging);
    healedAtUs = c.sim.now();
    c.sim.network.heal(cut);
    c.runFor(10_000_000);
  });
  return { out, lagging, healedAtUs };
}

describe('raft: elections compare logs', () => {
  it('before 4.0, a voter that missed committed records disrupts the quorum with its epoch but cannot win it', () => {
    const hit = recordingCodeProbes(() => {
      const { out, lagging, healedAtUs } = laggingVoter('3.9', (c, behindId) => {
        const behind = voter(c, behindId).raft;
        expect(behind.endOffset()).toBeLessThan(c.commitLog.entries.length);
        // It stood again and again alone: its epoch is past the leader's.
        expect(behind.epoch).toBeGreaterThan(voter(c, c.activeControllerId()!).raft.epoch);
      });
      expect(out.anomalies).toEqual([]);
      const c = out.cluster;
      // The first leader after the heal is one of the voters that have every committed record.
      const firstLeader = c
        .probesOf('quorum')
        .find((p) => p.t > healedAtUs && p.e.role === 'leader' && Number(p.e.epoch) > 1);
      expect(firstLeader).toBeDefined();
      expect(firstLeader!.node).not.toBe(lagging);
      expect(c.activeControllerId()).toBeDefined();
    });
    expect(hit).toContain('raft-vote-rejected-log-behind');
  });

  it('from 4.0 (KIP-996), the cut-off voter only asks for pre-votes: no epoch bump, the leader stays', () => {
    let leaderEpoch = -1;
    let leader = -1;
    const hit = recordingCodeProbes(() => {
      const { out, lagging, healedAtUs } = laggingVoter('4.1', (c, behindId) => {
        leader = c.activeControllerId()!;
        leaderEpoch = voter(c, leader).raft.epoch;
        const behind = voter(c, behindId).raft;
        expect(behind.endOffset()).toBeLessThan(c.commitLog.entries.length);
        // It called election after election in its own epoch, as a prospective, never a candidate.
        expect(behind.epoch).toBe(leaderEpoch);
      });
      expect(out.anomalies).toEqual([]);
      const c = out.cluster;
      // After the heal its pre-votes reach the others, who refuse them: it catches up as a follower.
      expect(c.activeControllerId()).toBe(leader);
      expect(voter(c, leader).raft.epoch).toBe(leaderEpoch);
      const back = voter(c, lagging).raft;
      expect(back.role).toBe('follower');
      expect(back.endOffset()).toBe(voter(c, leader).raft.endOffset());
      const roles = quorumEvents(c, lagging).filter((e) => e.t > healedAtUs);
      expect(roles.every((e) => e.role === 'follower' || e.role === 'prospective')).toBe(true);
    });
    expect(hit).toContain('raft-prospective-timed-out');
  });
});

describe('raft: check quorum', () => {
  it('a leader cut off from the other voters resigns within 1.5 × the fetch timeout; brokers follow', () => {
    let a = -1;
    let cutAtUs = 0;
    const out = runSchedule('correct', { controllers: 3 }, (c) => {
      a = c.activeControllerId()!;
      cutAtUs = c.sim.now();
      for (const v of c.controllerIds.filter((x) => x !== a)) c.sim.network.cut({ kind: 'link', a, b: v });
      c.runFor(6_000_000);
    });
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    const resigned = quorumEvents(c, a).find((e) => e.role === 'resigned' && e.t > cutAtUs);
    expect(resigned).toBeDefined();
    // Its last majority of fetches came within a fetch's long poll (500 ms) before the cut.
    const afterUs = resigned!.t - cutAtUs;
    expect(afterUs).toBeGreaterThan(2_400_000);
    expect(afterUs).toBeLessThanOrEqual(3_000_000);
    expect(voter(c, a).active).toBe(false);
    const now = c.activeControllerId();
    expect(now).toBeDefined();
    expect(now).not.toBe(a);
    // Every broker's metadata replica now follows the new leader.
    for (const id of c.brokerIds) expect(c.broker(id).raft.leaderId).toBe(now);
  });
});

describe('raft: divergence', () => {
  it('a deposed leader truncates the uncommitted tail of its old epoch and takes the new leader’s log', () => {
    let a = -1;
    let staleEnd = 0;
    let staleHw = 0;
    let staleTail: unknown[] = [];
    const hit = recordingCodeProbes(() => {
      const out = runSchedule('correct', FAST_FENCING, (c) => {
        a = c.activeControllerId()!;
        const cuts = c.controllerIds.filter((v) => v !== a).map((v) => c.sim.network.cut({ kind: 'link', a, b: v }));
        const [victim] = othersThan(c, c.state().leader);
        c.sim.crash(victim);
        c.runFor(2_800_000);
        // Still leader, it wrote the fencing records that no other voter has.
        const raft = voter(c, a).raft;
        staleEnd = raft.endOffset();
        staleHw = raft.hw;
        staleTail = raft.log.slice(staleHw);
        c.runFor(5_000_000);
        for (const cut of cuts) c.sim.network.heal(cut);
        c.sim.start(victim);
        c.runUntil(() => c.settled(), 30_000_000);
        c.runFor(2_000_000);
      });
      expect(out.anomalies).toEqual([]);
      const c = out.cluster;
      expect(staleEnd).toBeGreaterThan(staleHw);
      const leader = voter(c, c.activeControllerId()!).raft;
      const deposed = voter(c, a).raft;
      expect(deposed.role).toBe('follower');
      // Log matching: the deposed voter's log is now a prefix of the leader's, entry for entry.
      for (let o = 0; o < deposed.endOffset(); o++) expect(deposed.log[o]).toBe(leader.log[o]);
      // Nothing it had written above its HW in the old epoch survives, nor was ever committed.
      for (const e of staleTail) {
        expect(deposed.log).not.toContain(e);
        expect(c.commitLog.entries).not.toContain(e);
      }
    });
    expect(hit).toContain('raft-divergence-truncation');
    expect(hit).not.toContain('raft-truncation-below-hw');
  });
});

describe('raft: a voter power loss', () => {
  it('loses the metadata-log bytes not yet flushed, never a committed record', () => {
    let a = -1;
    let lostOffset = -1;
    let lostRecord: MetadataRecord | undefined;
    const hit = recordingCodeProbes(() => {
      const out = runSchedule('correct', { controllers: 3 }, (c) => {
        c.produceAndWait(c.state().leader, ['x']);
        a = c.activeControllerId()!;
        const raft = voter(c, a).raft;
        // The power goes while a record waits in the leader's BatchAccumulator (appendAsLeader
        // before the linger's drain, maybeAppendBatches → flushLeaderLog): it never reached the log.
        lostRecord = { type: 'NoOp' };
        lostOffset = raft.appendAsLeader(lostRecord);
        c.sim.powerLoss(a);
        c.runUntil(() => c.activeControllerId() !== undefined, 30_000_000);
        c.sim.start(a);
        c.runUntil(() => c.settled() && voter(c, a).raft.role === 'follower', 30_000_000);
        c.runFor(2_000_000);
      });
      expect(out.anomalies).toEqual([]);
      const c = out.cluster;
      const back = voter(c, a).raft;
      // Every committed entry is still in place on every voter, the restarted one included.
      for (const id of c.controllerIds) {
        const r = voter(c, id).raft;
        for (let o = 0; o < r.hw; o++) expect(r.log[o]).toBe(c.commitLog.entries[o]);
      }
      expect(back.hw).toBeGreaterThan(lostOffset);
      expect(c.commitLog.entries.length).toBeGreaterThan(lostOffset);
      // The unflushed entry is gone everywhere: what is at its offset now is the new leader's.
      expect(back.log[lostOffset]).toBe(c.commitLog.entries[lostOffset]);
      for (const id of c.controllerIds) expect(voter(c, id).raft.log.map((e) => e.record)).not.toContain(lostRecord);
      expect(c.commitLog.entries.map((e) => e.record)).not.toContain(lostRecord);
    });
    // The page cache never wrote the entry back, so it is simply absent after the power loss (no
    // torn tail for recovery to drop), and nothing committed was truncated to make room for it.
    expect(hit).not.toContain('raft-truncation-below-hw');
  });
});
