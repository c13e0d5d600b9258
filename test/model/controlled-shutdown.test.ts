// Issue 13: controlled shutdown (KIP-841), registration amendment, AlterPartition's order of
// checks and one stale broker fenced per controller event — each against the Kafka class and
// method named in model/controller.ts and model/broker.ts.

import { describe, expect, it } from 'vitest';
import type { Message, NodeContext } from '../../harness/types.ts';
import { CONTROLLER_ID } from '../../model/config.ts';
import type { ControllerResponse, MetadataRecord } from '../../model/internal-protocol.ts';
import { RAW_CLIENT_ID, TestCluster } from './helpers.ts';

const STOP_TIMEOUT_US = 300_000_000;

function startedCluster(opts: ConstructorParameters<typeof TestCluster>[0] = {}): TestCluster {
  const c = new TestCluster(opts);
  c.start();
  expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
  return c;
}

/** Asks `id` to stop; returns a getter of when it went down (-1 while up). */
function stop(c: TestCluster, id: number): () => number {
  let downAtUs = -1;
  c.sim.requestStop(id, STOP_TIMEOUT_US, () => {
    downAtUs = c.sim.now();
  });
  return () => downAtUs;
}

describe('controlled shutdown (KIP-841)', () => {
  it('the leader hands over while alive, is fenced, stops within seconds and re-registers at once', () => {
    const c = startedCluster();
    const l = c.state().leader;
    expect(c.produceAndWait(l, ['x0']).error).toBe('NONE');
    let isrAtDown: readonly number[] = [];
    let leaderAtDown = -1;
    let fencedAtDown = false;
    c.sim.onNodeTransition((node, t) => {
      if (node !== l || t !== 'shutdown') return;
      isrAtDown = c.state().isr;
      leaderAtDown = c.state().leader;
      fencedAtDown = c.controller().registration(l)?.fenced === true;
    });
    const askedAtUs = c.sim.now();
    const downAt = stop(c, l);
    expect(c.sim.isStopping(l)).toBe(true);
    expect(c.runUntil(() => downAt() >= 0, 20_000_000)).toBe(true);
    // The controller moved the leadership and the ISR before the broker went down.
    expect(leaderAtDown).not.toBe(l);
    expect(leaderAtDown).toBeGreaterThan(0);
    expect(isrAtDown).not.toContain(l);
    expect(fencedAtDown).toBe(true);
    expect(downAt() - askedAtUs).toBeLessThan(c.config['broker.session.timeout.ms'] * 1000);
    expect(c.probesOf('controlled-shutdown').map((p) => p.e.broker)).toEqual([l]);
    // The new leader takes writes at once; the stopped broker comes back and registers at once.
    expect(c.produceAndWait(leaderAtDown, ['x1']).error).toBe('NONE');
    const restartUs = c.sim.now();
    c.sim.start(l);
    const registeredAgain = () => c.probesOf('registered').some((p) => p.e.broker === l && p.t >= restartUs);
    expect(c.runUntil(registeredAgain, 2_000_000)).toBe(true);
  });

  it('with controlled.shutdown.enable=false the controller keeps the stopped leader until its session expires', () => {
    const c = startedCluster({ config: { 'controlled.shutdown.enable': false } });
    const l = c.state().leader;
    const downAt = stop(c, l);
    c.runFor(1);
    expect(downAt()).toBeGreaterThanOrEqual(0);
    expect(c.state().leader).toBe(l); // nothing handed over
    const restartUs = c.sim.now();
    c.sim.start(l);
    // The old session lives: the new incarnation is refused until it expires.
    c.runFor(2_000_000);
    expect(c.probesOf('registered').some((p) => p.e.broker === l && p.t >= restartUs)).toBe(false);
  });

  it('a broker not yet RUNNING (unfenced, but not told yet) stops at once, without controlled shutdown', () => {
    const c = new TestCluster();
    c.start();
    // The topic is created when the last broker unfences: that broker has not heard it yet.
    expect(c.runUntil(() => c.commitLog.image.partitions.length > 0, 30_000_000)).toBe(true);
    const unfenced = c.commitLog.entries.map((e) => e.record).filter((r) => r.type === 'BrokerFencing' && !r.fenced);
    const last = unfenced[unfenced.length - 1];
    const f = last.type === 'BrokerFencing' ? last.brokerId : -1;
    expect(c.broker(f).fencedByController).toBe(true);
    const asked = c.sim.now();
    const downAt = stop(c, f);
    c.runFor(1);
    expect(downAt()).toBe(asked);
    expect(c.state().isr).toContain(f); // the controller learns it by the session timeout
  });

  it('a follower that leads nothing is let go at once (SHUTDOWN_NOW) and leaves the ISR', () => {
    const c = startedCluster();
    const f = c.brokerIds.find((b) => b !== c.state().leader)!;
    c.runFor(100_000); // its own heartbeat answer says unfenced: it is RUNNING
    const downAt = stop(c, f);
    expect(c.runUntil(() => downAt() >= 0, 5_000_000)).toBe(true);
    expect(c.probesOf('controlled-shutdown')).toHaveLength(0);
    expect(c.state().isr).not.toContain(f);
    expect(c.controller().registration(f)?.fenced).toBe(true);
  });
});

describe('registration (ClusterControlManager.registerBroker)', () => {
  it('the same incarnation registering again keeps its broker epoch and state', () => {
    const c = new TestCluster();
    const x = c.brokerIds[1];
    // The first registration answer is lost: the broker resends it, same incarnation.
    const cut = c.sim.network.cut({ kind: 'one-way', from: [CONTROLLER_ID], to: [x] });
    c.start();
    c.runFor(500_000);
    c.sim.network.heal(cut);
    expect(c.runUntil(() => c.settled(), 30_000_000)).toBe(true);
    type Registration = Extract<MetadataRecord, { type: 'RegisterBroker' }>;
    const regs = c
      .controller()
      .raft.log.map((e) => e.record)
      .filter((r): r is Registration => r.type === 'RegisterBroker' && r.brokerId === x);
    expect(regs.length).toBe(2);
    expect(regs[1].brokerEpoch).toBe(regs[0].brokerEpoch);
    expect(regs[1].incarnation).toBe(regs[0].incarnation);
    expect(c.broker(x).brokerEpoch()).toBe(regs[0].brokerEpoch);
    expect(c.controller().registration(x)?.epoch).toBe(regs[0].brokerEpoch);
  });
});

describe('AlterPartition (ReplicationControlManager.validateAlterPartitionData)', () => {
  const send = (c: TestCluster, brokerId: number, leaderEpoch: number): ControllerResponse | undefined => {
    const s = c.state();
    const raw = c.sim.actor<{ ctx: NodeContext<Message>; responses: Map<number, unknown> }>(RAW_CLIENT_ID)!;
    const correlationId = 90_000 + leaderEpoch * 10 + brokerId;
    raw.ctx.send(CONTROLLER_ID, {
      type: 'AlterPartitionRequest',
      correlationId,
      brokerId,
      brokerEpoch: c.controller().registration(brokerId)!.epoch,
      topic: 't',
      partition: 0,
      leaderEpoch,
      partitionEpoch: s.partitionEpoch,
      newIsrWithEpochs: s.isr.map((b) => ({ brokerId: b, brokerEpoch: -1 })),
    } as Message);
    c.runFor(10_000);
    return raw.responses.get(correlationId) as ControllerResponse | undefined;
  };

  it('answers FENCED_LEADER_EPOCH before looking at who sent it, then INVALID_REQUEST for a non-leader', () => {
    const c = startedCluster();
    const l = c.state().leader;
    c.sim.crash(l);
    expect(c.runUntil(() => c.leaderReady(l), 30_000_000)).toBe(true);
    const other = c.brokerIds.find((b) => b !== l && b !== c.state().leader)!;
    const stale = send(c, other, c.state().leaderEpoch - 1);
    expect(stale).toMatchObject({ type: 'AlterPartitionResponse', error: 'FENCED_LEADER_EPOCH' });
    const current = send(c, other, c.state().leaderEpoch);
    expect(current).toMatchObject({ type: 'AlterPartitionResponse', error: 'INVALID_REQUEST' });
  });
});

describe('session expiry (ReplicationControlManager.maybeFenceOneStaleBroker)', () => {
  // The controller applies each fencing to its state as it appends it (QuorumController's
  // timeline), one broker per event; the records then commit together or apart as the Raft
  // accumulator batches them (controller.quorum.append.linger.ms 25 ms puts both in one batch),
  // so the 'fenced' probes of the committed records cannot tell the events apart: the event
  // count is read where each fencing is decided, in the active controller's registrations.
  it('fences stale brokers one per controller event, each with its ISR changes', () => {
    const c = startedCluster({ brokers: 4 });
    const l = c.state().leader;
    const gone = c.brokerIds.filter((b) => b !== l).slice(0, 2);
    for (const b of gone) c.sim.crash(b);
    const decidedAt = new Map<number, number>();
    const committed: number[] = [];
    c.sim.onProbe((node, e) => {
      if (node === CONTROLLER_ID && e.kind === 'fenced') committed.push(e.broker as number);
    });
    const observe = (): boolean => {
      for (const b of gone)
        if (!decidedAt.has(b) && c.controller().registration(b)?.fenced === true) decidedAt.set(b, c.sim.eventCount);
      return gone.every((b) => committed.includes(b));
    };
    expect(c.runUntil(observe, 30_000_000)).toBe(true);
    expect(committed.slice().sort()).toEqual([...gone].sort());
    expect([...decidedAt.keys()].sort()).toEqual([...gone].sort());
    expect(decidedAt.get(gone[0])).not.toBe(decidedAt.get(gone[1]));
    for (const b of gone) expect(c.state().isr).not.toContain(b);
  });
});
