// Bug zoo: vote-without-log-check (a KRaft voter grants its vote without the log comparison of
// KafkaRaftClient.handleVoteRequest). Schedule (3 controller voters): voter C is cut off from
// the active controller A; at once a broker restarts, so A writes its new registration and
// the partition changes, committed on A and B. C, fetching nothing, stands after its fetch
// timeout in a higher epoch; B moves to that epoch (unattached). The correct B refuses: C's
// log (last epoch, end offset) is behind its own; C keeps losing, and A or B leads on. The
// variant's B grants, C leads with the shorter log and writes its LeaderChange record where
// the committed registration was; B truncates it on divergence.
// Caught by: raft-committed-durable (a committed metadata record replaced).
// Run at kafka.version 3.9: from 4.0 (KIP-996) C first asks for pre-votes, which B refuses while
// it fetches from the live leader A, so C never stands in this schedule (the variant then needs
// the leader gone as well, as the swarm finds it).

import { describe, expect, it } from 'vitest';
import { othersThan, runSchedule, type Schedule } from './harness.ts';

const ON_3_9 = { controllers: 3, config: { 'kafka.version': '3.9' as const } };

const schedule: Schedule = (c) => {
  const active = c.activeControllerId()!;
  const [, cVoter] = c.controllerIds.filter((v) => v !== active);
  const cut = c.sim.network.cut({ kind: 'link', a: active, b: cVoter });
  const [victim] = othersThan(c, c.state().leader);
  c.sim.crash(victim);
  c.sim.start(victim);
  c.runFor(8_000_000);
  c.sim.network.heal(cut);
  c.runUntil(() => c.settled(), 30_000_000);
  c.runFor(2_000_000);
};

describe('zoo: vote-without-log-check', () => {
  it('the variant elects a voter that lacks committed records, which then disappear', () => {
    const out = runSchedule('vote-without-log-check', ON_3_9, schedule);
    expect(out.kinds).toContain('raft-committed-durable');
  });

  it('the correct voters refuse the candidate with the shorter log and lose nothing', () => {
    const out = runSchedule('correct', ON_3_9, schedule);
    expect(out.anomalies).toEqual([]);
    const logs = out.cluster.controllerIds.map((v) => out.cluster.sim.actor<{ raft: { hw: number } }>(v)?.raft.hw);
    expect(logs.every((hw) => hw !== undefined && hw >= out.cluster.commitLog.entries.length - 1)).toBe(true);
  });
});
