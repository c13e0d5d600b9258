// Regression (driver and model: a bug variant's run where a controller cannot apply a record).
// bench/zoo's guided campaign of vote-without-log-check, base 3000001, seed 3000566 (its mutated
// input, replayed by scripts/replay-guided.ts) counted the variant's run as a harness failure:
// "crash raft-committed-durable". The variant let a voter without the committed log win an
// election; the metadata log lost committed records (raft-committed-durable: voter 1 committed
// offset 13 as LeaderChange 1 of epoch 3, LeaderChange 2 of epoch 2 committed there before), and
// at 98.2 s voter 3's replay of a fencing record (offset 18) for a registration it no longer had
// failed, as Kafka's ClusterControlManager.replayRegistrationChange does. It was first settled by
// judging a variant's run that throws after a violation as that violation (driver/run.ts
// variantViolationBeforeCrash); now the controller halts its process there as Kafka's
// QuorumController fatalFaultHandler does (controller.ts fatalFault; 3.9.0-rc3), so the run does
// not throw: it goes on with that node down and is judged, the violation among its anomalies.

import { describe, expect, it } from 'vitest';
import { fixtureInput } from './helpers.ts';
import { deps } from '../../../driver/default-deps.ts';
import { runScenario } from '../../../driver/run.ts';

describe("a bug variant's run where a controller cannot apply a record", () => {
  it('vote-without-log-check, zoo guided seed 3000566: a violation, the controller halted, no crash', () => {
    const input = fixtureInput(3000566, 'zoo-guided');
    const r = runScenario(deps, {
      seed: 3000566,
      scenario: 'zoo',
      variant: 'vote-without-log-check',
      input,
      trace: true,
    });
    expect(r.outcome).toBe('violation');
    expect(r.verdict.anomalies.some((a) => a.kind === 'raft-committed-durable')).toBe(true);
    expect(r.verdict.anomalies.some((a) => a.kind === 'crash')).toBe(false);
    const halt = (r.trace?.timeline ?? []).find((e) => e.kind === 'node' && e.cause.startsWith('halt'));
    expect(halt).toMatchObject({ name: 'kafka-3', state: 'down' });
    expect(halt?.kind === 'node' && halt.cause).toMatch(/BrokerFencing record at offset 18/);
  });
});
