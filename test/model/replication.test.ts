// Focused tests of the replication rules, each on real brokers and the real KRaft controller
// driven through the simulated network (issue 3, item 9).

import { describe, expect, it } from 'vitest';
import { CONTROLLER_ID } from '../../model/config.ts';
import { TestCluster, errorOf } from './helpers.ts';

function startedCluster(opts: ConstructorParameters<typeof TestCluster>[0] = {}): TestCluster {
  const c = new TestCluster(opts);
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  return c;
}

describe('leader election and metadata', () => {
  it('elects a leader from the ISR once brokers unfence, and every replica learns it over the network', () => {
    const c = startedCluster();
    const s = c.state();
    expect(s.leader).toBeGreaterThan(0);
    expect(s.leaderEpoch).toBe(1);
    expect([...s.isr].sort()).toEqual([1, 2, 3]);
    for (const id of c.brokerIds) expect(c.replica(id).leaderEpoch).toBe(1);
    expect(c.replica(s.leader).role).toBe('leader');
    expect(c.brokerIds.filter((id) => c.replica(id).role === 'follower')).toHaveLength(2);
  });
});

describe('truncation on a diverging epoch', () => {
  it(
    'a deposed leader truncates its unreplicated suffix to the new leader epoch boundary, then fetches the new ' +
      'records',
    () => {
      const c = startedCluster({ config: { 'replica.lag.time.max.ms': 60_000 } });
      const old = c.state().leader;
      expect(errorOf(c.produceAndWait(old, ['a0', 'a1', 'a2']))).toBe('NONE');
      // The old leader is cut off from the other brokers and the controller (not from the
      // test's client); acks=1 writes land only on it.
      const others = [...c.brokerIds.filter((id) => id !== old), CONTROLLER_ID];
      const cut = c.sim.network.cut({ kind: 'split', sideA: [old], sideB: others });
      for (let i = 0; i < 3; i++) c.produce(old, [`lost${i}`], { acks: 1 });
      c.runFor(5_000);
      expect(c.replica(old).log.leo).toBe(6);
      // The controller fences it and elects another ISR member in epoch 2.
      expect(c.runUntil(() => c.state().leader !== old && c.state().leader > 0, 30_000_000)).toBe(true);
      const next = c.state().leader;
      expect(c.state().leaderEpoch).toBe(2);
      expect(c.runUntil(() => c.replica(next).role === 'leader' && c.replica(next).isr.length >= 2, 10_000_000)).toBe(
        true,
      );
      expect(errorOf(c.produceAndWait(next, ['b0', 'b1']))).toBe('NONE');
      // Heal: the old leader learns of epoch 2, fetches with lastFetchedEpoch 1 and is told to
      // truncate to the end of epoch 1 on the new leader (offset 3).
      c.sim.network.heal(cut);
      expect(c.runUntil(() => c.replica(old).role === 'follower' && c.replica(old).log.leo === 5, 30_000_000)).toBe(
        true,
      );
      const truncations = c.probesOf('truncate').filter((p) => p.node === old);
      expect(truncations.map((p) => [p.e.toOffset, p.e.reason])).toEqual([[3, 'diverging-epoch']]);
      expect(c.logOf(old)).toEqual(c.logOf(next));
      expect(c.logOf(old).map(([, , v]) => v)).toEqual(['a0', 'a1', 'a2', 'b0', 'b1']);
      expect(c.logOf(old).map(([, e]) => e)).toEqual([1, 1, 1, 2, 2]);
      expect(c.replica(old).log.epochs.entries).toEqual([
        { epoch: 1, startOffset: 0 },
        { epoch: 2, startOffset: 3 },
      ]);
    },
  );
});

describe('an ex-leader that wrote nothing in its epoch', () => {
  it('drops its empty epoch entry when told to diverge at its own end, and follows without looping', () => {
    const c = startedCluster();
    const first = c.state().leader;
    expect(errorOf(c.produceAndWait(first, ['e0', 'e1']))).toBe('NONE');
    c.runFor(1_000_000);
    // Leadership moves to another broker (the first one is cut off from everyone but the
    // client), which thus starts epoch 2 with an epoch entry and no record in it.
    const others = [...c.brokerIds.filter((id) => id !== first), CONTROLLER_ID];
    const cut = c.sim.network.cut({ kind: 'split', sideA: [first], sideB: others });
    expect(c.runUntil(() => c.leaderReady(first), 30_000_000)).toBe(true);
    const second = c.state().leader;
    expect(c.replica(second).log.epochs.latestEpoch()).toBe(2);
    // Now the second leader is cut off before writing anything; the first comes back and leads.
    c.sim.network.heal(cut);
    const others2 = [...c.brokerIds.filter((id) => id !== second), CONTROLLER_ID];
    const cut2 = c.sim.network.cut({ kind: 'split', sideA: [second], sideB: others2 });
    expect(c.runUntil(() => c.leaderReady(second) && c.state().isr.length >= 2, 60_000_000)).toBe(true);
    const third = c.state().leader;
    // The leader learns the ISR change from the AlterPartition answer, a moment after the commit.
    expect(c.runUntil(() => c.replica(third).isr.length >= 2, 5_000_000)).toBe(true);
    expect(errorOf(c.produceAndWait(third, ['e2']))).toBe('NONE');
    c.sim.network.heal(cut2);
    // The second broker follows with lastFetchedEpoch 2, which the leader never had.
    expect(c.runUntil(() => c.settled() && c.state().isr.includes(second), 60_000_000)).toBe(true);
    expect(c.logOf(second)).toEqual(c.logOf(third));
    expect(c.replica(second).log.epochs.entries.map((e) => e.epoch)).not.toContain(2);
    const fetchesFromSecond = c.probesOf('follower-fetch').filter((p) => p.node === second);
    expect(fetchesFromSecond.length).toBeGreaterThan(0);
  });
});

describe('follower high watermark', () => {
  it('lags the leader HW: followers learn it only from their next fetch response', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    const followers = c.brokerIds.filter((id) => id !== leader);
    const id = c.produce(leader, ['x0', 'x1']);
    expect(c.runUntil(() => c.response(id) !== undefined, 5_000_000)).toBe(true);
    expect(errorOf(c.response(id))).toBe('NONE');
    // At the acknowledgement the leader's HW covers the records; the followers' do not yet.
    expect(c.replica(leader).log.hw).toBe(2);
    for (const f of followers) {
      expect(c.replica(f).log.leo).toBe(2);
      expect(c.replica(f).log.hw).toBeLessThan(2);
    }
    // Their parked fetches return within replica.fetch.wait.max.ms and carry the new HW.
    c.runFor((c.config['replica.fetch.wait.max.ms'] + 50) * 1000);
    for (const f of followers) expect(c.replica(f).log.hw).toBe(2);
    // A consumer fetch from the leader never sees past the HW.
    const r = c.fetchAndWait(leader, 0);
    expect(r.records.map((x) => x.value)).toEqual(['x0', 'x1']);
  });
});

describe('min.insync.replicas', () => {
  it(
    'refuses acks=all with NOT_ENOUGH_REPLICAS before append when the ISR is below min.insync.replicas; acks=1 ' +
      'still works',
    () => {
      const c = startedCluster();
      const leader = c.state().leader;
      expect(errorOf(c.produceAndWait(leader, ['ok0']))).toBe('NONE');
      const followers = c.brokerIds.filter((id) => id !== leader);
      for (const f of followers) c.sim.crash(f);
      // Session timeouts fence both followers; the ISR shrinks to the leader alone.
      expect(c.runUntil(() => c.state().isr.length === 1 && c.replica(leader).isr.length === 1, 30_000_000)).toBe(true);
      expect(c.state().isr).toEqual([leader]);
      const leoBefore = c.replica(leader).log.leo;
      const r = c.produceAndWait(leader, ['refused']);
      expect(r.error).toBe('NOT_ENOUGH_REPLICAS');
      expect(c.replica(leader).log.leo).toBe(leoBefore); // refused before append
      expect(errorOf(c.produceAndWait(leader, ['acks1'], { acks: 1 }))).toBe('NONE');
      expect(c.replica(leader).log.leo).toBe(leoBefore + 1);
      // KIP-966: below min ISR the HW does not move, so acks=1 records stay uncommitted.
      expect(c.replica(leader).log.hw).toBe(leoBefore);
    },
  );

  it('Kafka 3.6: answers NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank below min ISR after the append', () => {
    // Before KAFKA-15583 (3.7) the HW advanced over an ISR below min.insync.replicas.
    const c = startedCluster({
      config: { 'kafka.version': '3.6', 'eligible.leader.replicas.enable': false, 'replica.lag.time.max.ms': 4_000 },
    });
    const leader = c.state().leader;
    const followers = c.brokerIds.filter((id) => id !== leader);
    // Followers can no longer fetch from the leader, but stay registered with the controller.
    const cuts = followers.map((f) => c.sim.network.cut({ kind: 'link', a: leader, b: f }));
    const id = c.produce(leader, ['late']);
    expect(c.runUntil(() => c.response(id) !== undefined, 30_000_000)).toBe(true);
    expect(errorOf(c.response(id))).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
    expect(c.state().isr).toEqual([leader]);
    expect(c.replica(leader).log.hw).toBe(1);
    for (const cut of cuts) c.sim.network.heal(cut);
  });

  it('Kafka ≥ 3.7 (KAFKA-15583): without ELR too, the HW stays put while the ISR is below min ISR', () => {
    const c = startedCluster({
      config: { 'eligible.leader.replicas.enable': false, 'replica.lag.time.max.ms': 4_000 },
    });
    const leader = c.state().leader;
    const followers = c.brokerIds.filter((id) => id !== leader);
    const cuts = followers.map((f) => c.sim.network.cut({ kind: 'link', a: leader, b: f }));
    const id = c.produce(leader, ['late'], { timeoutMs: 20_000 });
    expect(c.runUntil(() => c.response(id) !== undefined, 30_000_000)).toBe(true);
    expect(c.state().isr).toEqual([leader]);
    // The ISR shrank to the leader alone: the appended record is never committed.
    expect(errorOf(c.response(id))).toBe('REQUEST_TIMED_OUT');
    expect(c.replica(leader).log.leo).toBe(1);
    expect(c.replica(leader).log.hw).toBe(0);
    for (const cut of cuts) c.sim.network.heal(cut);
  });

  it('times out an acks=all produce that the followers never replicate (REQUEST_TIMED_OUT)', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    const followers = c.brokerIds.filter((id) => id !== leader);
    for (const f of followers) c.sim.network.cut({ kind: 'link', a: leader, b: f });
    const r = c.produceAndWait(leader, ['slow'], { timeoutMs: 2_000 });
    expect(r.error).toBe('REQUEST_TIMED_OUT');
    expect(r.baseOffset).toBe(0); // appended, not committed: an unknown outcome for the client
  });
});

describe('AlterPartition fencing', () => {
  it("rejects a deposed leader's ISR change and keeps the controller's ISR", () => {
    const c = startedCluster({ config: { 'replica.lag.time.max.ms': 3_000, 'controller.socket.timeout.ms': 2_000 } });
    const old = c.state().leader;
    // The old leader loses the controller: fenced after the session timeout, leadership moves.
    let cut = c.sim.network.cut({ kind: 'link', a: old, b: CONTROLLER_ID });
    expect(c.runUntil(() => c.state().leader !== old && c.state().leader > 0, 30_000_000)).toBe(true);
    const next = c.state();
    expect(next.isr).not.toContain(old);
    // Now only controller → old leader is cut: its requests arrive, no metadata reaches it, so
    // it still believes it leads epoch 1. Its followers left it, so it proposes to shrink the ISR.
    c.sim.network.heal(cut);
    cut = c.sim.network.cut({ kind: 'one-way', from: [CONTROLLER_ID], to: [old] });
    // A write moves its log end past its former followers' positions, so they fall out of sync.
    expect(errorOf(c.produceAndWait(old, ['zombie'], { acks: 1 }))).toBe('NONE');
    expect(
      c.runUntil(() => c.probesOf('alter-partition-applied').some((p) => p.e.accepted === false), 30_000_000),
    ).toBe(true);
    const rejected = c.probesOf('alter-partition-applied').filter((p) => p.e.accepted === false);
    expect(rejected[0].e.isr).toEqual([old]);
    const sent = c.probesOf('alter-partition-sent').filter((p) => p.node === old);
    expect(sent.length).toBeGreaterThan(0);
    expect(c.replica(old).role).toBe('leader');
    expect(c.replica(old).leaderEpoch).toBe(1);
    // The controller's record is untouched by the stale request.
    expect(c.state().leader).toBe(next.leader);
    expect(c.state().leaderEpoch).toBe(next.leaderEpoch);
    expect(c.state().isr).not.toEqual([old]);
    c.sim.network.heal(cut);
    expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
    expect(c.replica(old).role).toBe('follower');
  });

  it('rejects an AlterPartition with a stale partition epoch (INVALID_UPDATE_VERSION)', () => {
    const c = startedCluster();
    const s = c.state();
    const leader = s.leader;
    const respId = 77_001;
    // Send, as the leader's broker, an ISR change computed against partition epoch 0.
    const b = c.broker(leader);
    b.ctx.send(CONTROLLER_ID, {
      type: 'AlterPartitionRequest',
      correlationId: respId,
      brokerId: leader,
      brokerEpoch: b.brokerEpoch(),
      topic: 't',
      partition: 0,
      leaderEpoch: s.leaderEpoch,
      partitionEpoch: s.partitionEpoch - 1,
      newIsrWithEpochs: [{ brokerId: leader, brokerEpoch: b.brokerEpoch() }],
    } as never);
    c.runFor(10_000);
    const applied = c.probesOf('alter-partition-applied');
    expect(applied.at(-1)!.e.accepted).toBe(false);
    expect(c.state()).toEqual(s);
  });
});

describe('power loss', () => {
  it('a follower loses its unflushed suffix, recovers from disk and catches up by fetching', () => {
    const c = startedCluster({ config: { 'log.flush.interval.messages': 4 } });
    const leader = c.state().leader;
    const victim = c.brokerIds.find((id) => id !== leader)!;
    for (let i = 0; i < 10; i++) expect(errorOf(c.produceAndWait(leader, [`v${i}`]))).toBe('NONE');
    c.runFor(1_000_000);
    expect(c.replica(victim).log.leo).toBe(10);
    // Flushed every 4 messages: offsets 0..7 are durable, 8..9 only in the page cache.
    expect(c.replica(victim).log.recoveryPoint).toBe(8);
    // Within 30 s of the writes the flusher has written nothing back: the disk holds exactly
    // the fsynced prefix, which recovery finds whole (nothing to cut).
    c.sim.powerLoss(victim);
    c.sim.start(victim);
    const recovered = c.replica(victim);
    expect(recovered.log.leo).toBe(8);
    expect(c.probesOf('truncate').filter((p) => p.node === victim)).toEqual([]);
    // Unclean shutdown: it re-registers, leaves the ISR, catches up and rejoins it.
    expect(c.runUntil(() => !c.state().isr.includes(victim), 30_000_000)).toBe(true);
    expect(c.runUntil(() => c.state().isr.includes(victim), 60_000_000)).toBe(true);
    expect(c.logOf(victim)).toEqual(c.logOf(leader));
    expect(c.replica(victim).log.leo).toBe(10);
  });

  it('with the default flush policy (never) a power loss empties the log, and fetching restores it', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    const victim = c.brokerIds.find((id) => id !== leader)!;
    for (let i = 0; i < 5; i++) expect(errorOf(c.produceAndWait(leader, [`w${i}`]))).toBe('NONE');
    c.runFor(1_000_000);
    c.sim.powerLoss(victim);
    c.sim.start(victim);
    // Nothing was written back within 30 s: the log is empty (or, if the journal had not yet
    // committed the partition directory, absent). The epoch checkpoint was fsynced but lies
    // beyond the log: recovery trims it.
    const recovered = c.broker(victim).partition('t', 0);
    expect(recovered?.log.leo ?? 0).toBe(0);
    expect(recovered?.log.epochs.entries ?? []).toEqual([]);
    expect(
      c.runUntil(
        () => c.sim.isUp(victim) && c.replica(victim).log.leo === 5 && c.state().isr.includes(victim),
        60_000_000,
      ),
    ).toBe(true);
    expect(c.logOf(victim)).toEqual(c.logOf(leader));
  });

  it('a clean shutdown flushes everything: nothing is lost and the restart is clean', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    const victim = c.brokerIds.find((id) => id !== leader)!;
    for (let i = 0; i < 5; i++) expect(errorOf(c.produceAndWait(leader, [`s${i}`]))).toBe('NONE');
    c.runFor(1_000_000);
    c.sim.shutdown(victim);
    c.sim.powerLoss(victim);
    c.sim.start(victim);
    expect(c.broker(victim).cleanStart).toBe(true);
    expect(c.replica(victim).log.leo).toBe(5);
    expect(c.replica(victim).log.hw).toBe(5);
  });
});

describe('idempotence on the broker', () => {
  it('answers a retried batch with its original offsets and does not append it again', () => {
    const c = startedCluster();
    const leader = c.state().leader;
    const first = c.produceAndWait(leader, ['i0', 'i1'], { producerId: 5000, baseSequence: 0 });
    expect(first.error).toBe('NONE');
    const retry = c.produceAndWait(leader, ['i0', 'i1'], { producerId: 5000, baseSequence: 0 });
    expect(retry.error).toBe('NONE');
    expect(retry.baseOffset).toBe(first.baseOffset);
    expect(c.replica(leader).log.leo).toBe(2);
    const gap = c.produceAndWait(leader, ['i5'], { producerId: 5000, baseSequence: 5 });
    expect(gap.error).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    const next = c.produceAndWait(leader, ['i2'], { producerId: 5000, baseSequence: 2 });
    expect(next.error).toBe('NONE');
    expect(next.baseOffset).toBe(2);
  });
});
