// Regression (driver: a bug variant's outcome). bench/zoo's guided campaign of
// vote-without-log-check, base 3000001, seed 3000566 (its mutated input, replayed by
// scripts/replay-guided.ts) counted the variant's run as a harness failure: "crash
// raft-committed-durable". The variant let a voter without the committed log win an election;
// the metadata log lost committed records (raft-committed-durable: voter 1 committed offset 13 as
// LeaderChange 1 of epoch 3, LeaderChange 2 of epoch 2 committed there before), and at 98.2 s the
// controller's replay of a fencing record for a registration it no longer had threw, as Kafka's
// ClusterControlManager.replay does (QuorumController's fatal fault handler then halts the
// process, 3.9.0-rc3). The violation came first: the run is the variant's violation, the crash
// kept among its anomalies (driver/run.ts variantViolationBeforeCrash). A correct-model crash
// stays a crash (test/fuzz/run.test.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput } from './helpers.ts';
import { deps } from '../../../driver/default-deps.ts';
import { runScenario } from '../../../driver/run.ts';

describe("a bug variant's run that throws after a violation", () => {
  it('vote-without-log-check, zoo guided seed 3000566: a violation, the crash among its anomalies', () => {
    const input = fixtureInput(3000566, 'zoo-guided');
    const r = runScenario(deps, { seed: 3000566, scenario: 'zoo', variant: 'vote-without-log-check', input });
    expect(r.outcome).toBe('violation');
    expect(r.failureKind).toBe('raft-committed-durable');
    const crash = r.verdict.anomalies.find((a) => a.kind === 'crash');
    expect(crash?.explanation).toMatch(/fencing record at 18 for an unknown registration/);
  });
});
