// Regression (model: a controller that cannot apply a record halts its process). bench/zoo's guided
// campaign of vote-without-log-check (a3ac5e2; base 4000001, seed 4000323: its mutated input,
// rebuilt by scripts/replay-guided.ts on that commit and pinned here, since a later model's planner
// plans another input) ended as "crash": at 72.645 s voter 2's replay of a fencing record
// (offset 25) for a registration it no longer had threw. Kafka's ClusterControlManager
// .replayRegistrationChange throws there too, and QuorumController hands the failure to its
// fatalFaultHandler, a ProcessTerminatingFaultHandler (SharedServer
// .fatalQuorumControllerFaultHandler): Exit.halt, the process gone as by kill -9 (3.9.0-rc3,
// trunk 4.0). The model now halts the node (controller.ts fatalFault, NodeContext.halt): the run
// goes on and is judged, and the variant's bug shows: voter 3 had committed offset 21 over a
// record committed before (raft-committed-durable, 70.778 s), before the halt.

import { describe, expect, it } from 'vitest';
import { fixtureInput } from './helpers.ts';
import { deps } from '../../../driver/default-deps.ts';
import { runScenario } from '../../../driver/run.ts';

describe('a controller voter that cannot apply a committed record halts its process', () => {
  it('vote-without-log-check, zoo guided seed 4000323: the halt is an event, the run is judged', () => {
    const input = fixtureInput(4000323, 'zoo-guided');
    const r = runScenario(deps, {
      seed: 4000323,
      scenario: 'zoo',
      variant: 'vote-without-log-check',
      input,
      trace: true,
    });
    expect(r.outcome).toBe('violation');
    expect(r.verdict.anomalies.some((a) => a.kind === 'crash')).toBe(false);
    const durable = r.verdict.anomalies.filter((a) => a.kind === 'raft-committed-durable');
    expect(durable.length).toBeGreaterThan(0);
    const halts = (r.trace?.timeline ?? []).filter((e) => e.kind === 'node' && e.cause.startsWith('halt'));
    expect(halts).toHaveLength(1);
    const [halt] = halts;
    expect(halt).toMatchObject({ t: 72_645_034, name: 'kafka-2', state: 'down' });
    expect(halt.kind === 'node' && halt.cause).toMatch(/BrokerFencing record at offset 25: no broker registration/);
    // The variant's violation came first: voter 3 overwrote a committed record before the halt.
    expect(Math.min(...durable.map((a) => a.timesUs?.[0] ?? Number.POSITIVE_INFINITY))).toBeLessThan(halt.t);
    expect(r.codeProbes).toContain('controller-fatal-fault-halt');
    // Nothing restarts the halted node: it is down for the rest of the run.
    expect((r.trace?.timeline ?? []).some((e) => e.kind === 'node' && e.name === 'kafka-2' && e.t > halt.t)).toBe(
      false,
    );
  });
});
