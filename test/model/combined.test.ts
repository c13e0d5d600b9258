// Combined mode (model/combined-server.ts): brokers 1..3 are each one process with a broker and
// a controller voter sharing one Raft replica (KafkaRaftServer with SharedServer). Hand-built
// schedules check that a fault on such a node hits both roles (kill -9, power loss, a cut),
// that the quorum and the partition fail over, and that the white-box invariants (quorum ones
// included) stay silent while they do.

import { describe, expect, it } from 'vitest';
import { CombinedServer } from '../../model/combined-server.ts';
import { runSchedule, type Schedule } from './zoo/harness.ts';
import { recordingCodeProbes, type TestCluster } from './helpers.ts';

const COMBINED = { controllers: 3, combined: true } as const;

function server(c: TestCluster, id: number): CombinedServer {
  const a = c.sim.actor<CombinedServer>(id);
  if (!(a instanceof CombinedServer)) throw new Error(`node ${id} is not a combined server`);
  return a;
}

/** The active controller's node. */
function activeNode(c: TestCluster): number {
  const id = c.activeControllerId();
  if (id === undefined) throw new Error('no active controller');
  return id;
}

describe('combined mode: broker and voter in one process', () => {
  it('runs the voters on brokers 1..3, each broker reading its own voter’s Raft log', () => {
    const out = runSchedule('correct', COMBINED, (c) => c.runFor(2_000_000));
    const c = out.cluster;
    expect(c.controllerIds).toEqual([1, 2, 3]);
    for (const id of [1, 2, 3]) {
      const s = server(c, id);
      expect(s.broker.raft).toBe(s.controller.raft);
      expect(s.broker.metadataOffset).toBe(s.controller.raft.hw);
    }
    expect(c.settled()).toBe(true);
    expect(out.anomalies).toEqual([]);
  });

  it('kill -9 of the active controller’s node kills its broker too; both roles fail over', () => {
    let victim = -1;
    const schedule: Schedule = (c) => {
      c.produceAndWait(c.state().leader, ['a']);
      victim = activeNode(c);
      c.sim.crash(victim);
      expect(c.sim.actor(victim)).toBeUndefined();
      c.runUntil(() => c.activeControllerId() !== undefined && c.leaderReady(victim), 30_000_000);
      c.produceAndWait(c.state().leader, ['b']);
      c.sim.start(victim);
      c.runUntil(() => c.settled() && c.state().isr.includes(victim), 60_000_000);
    };
    const out = runSchedule('correct', COMBINED, schedule);
    const c = out.cluster;
    expect(out.anomalies).toEqual([]);
    expect(c.activeControllerId()).toBeDefined();
    // The restarted node's broker is back in the ISR, and its voter follows the new leader.
    expect(c.state().isr).toContain(victim);
    expect(server(c, victim).controller.raft.hw).toBeGreaterThan(0);
    expect(c.sim.actor<CombinedServer>(victim)?.broker.partition('t', 0)).toBeDefined();
  });

  it('a power loss of a combined node loses neither a committed metadata record nor an acked one', () => {
    const schedule: Schedule = (c) => {
      c.produceAndWait(c.state().leader, ['a', 'b']);
      const victim = activeNode(c);
      c.sim.powerLoss(victim);
      c.runUntil(() => c.activeControllerId() !== undefined && c.leaderReady(victim), 30_000_000);
      c.produceAndWait(c.state().leader, ['c']);
      c.sim.start(victim);
      c.runUntil(() => c.settled(), 30_000_000);
      c.runFor(2_000_000);
    };
    const out = runSchedule('correct', COMBINED, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    // Every voter's log agrees with the committed entries below its HW.
    for (const id of c.controllerIds) {
      const raft = server(c, id).controller.raft;
      for (let o = 0; o < raft.hw; o++) expect(raft.log[o]).toBe(c.commitLog.entries[o]);
    }
    // The broker never mistook the metadata log's directory for a partition.
    for (const id of c.brokerIds) expect(server(c, id).broker.partition('__cluster_metadata', 0)).toBeUndefined();
  });

  it('a cut isolating a combined node cuts both roles: another voter leads, the partition moves', () => {
    let victim = -1;
    const schedule: Schedule = (c) => {
      victim = activeNode(c);
      const others = c.brokerIds.filter((b) => b !== victim);
      const cut = c.sim.network.cut({ kind: 'split', sideA: [victim], sideB: [...others, 250] });
      c.runUntil(() => {
        const id = c.controllerIds.find((v) => v !== victim && server(c, v).controller.active);
        return id !== undefined && c.state().leader !== victim && c.state().leader > 0;
      }, 30_000_000);
      c.sim.network.heal(cut);
      c.runUntil(() => c.settled(), 30_000_000);
    };
    const out = runSchedule('correct', COMBINED, schedule);
    expect(out.anomalies).toEqual([]);
    const c = out.cluster;
    expect(server(c, victim).controller.active).toBe(false);
    expect(c.activeControllerId()).not.toBe(victim);
  });

  it('a lone combined voter commits before its broker starts; the broker catches up from the shared log', () => {
    const hit = recordingCodeProbes(() => {
      const out = runSchedule('correct', { controllers: 1, combined: true }, (c) => c.runFor(1_000_000));
      expect(out.anomalies).toEqual([]);
      expect(out.cluster.settled()).toBe(true);
    });
    expect(hit).toContain('combined-broker-caught-up-from-voter-log');
  });
});
