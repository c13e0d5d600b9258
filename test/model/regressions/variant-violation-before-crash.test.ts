// Regression (driver and model: a bug variant's run where a controller cannot apply a record).
// bench/zoo's guided campaign of vote-without-log-check, base 3000001, seed 3000566 (its mutated
// input, replayed by scripts/replay-guided.ts) counted the variant's run as a harness failure:
// "crash raft-committed-durable". The variant let a voter without the committed log win an
// election; the metadata log lost committed records (raft-committed-durable), and a voter's
// replay of a fencing record for a registration it no longer had failed, as Kafka's
// ClusterControlManager.replayRegistrationChange does. It was first settled by judging a
// variant's run that throws after a violation as that violation (driver/run.ts
// variantViolationBeforeCrash); now the controller halts its process there as Kafka's
// QuorumController fatalFaultHandler does (controller.ts fatalFault; 3.9.0-rc3), so the run does
// not throw: it goes on with that node down and is judged, the violation among its anomalies.
// Under the KRaft metadata timing seed 3000566's input no longer elects a voter without the
// committed log, so this test pins fixtures/seed-3000521-zoo-guided-shifted.json, a hand-shifted
// schedule derived from guided seed 3000521 of the same campaign base (`npm run fuzz --
// --variant vote-without-log-check --guided --seeds 1000 --base-seed 3000001 --shrink-runs 0`
// wrote its mutated input, a sibling of 3000566's sharing its first two fault triggers): the
// pause of partition 0's leader waits for the 4th appending follower fetch after 52.0 s, not
// 58.872 s (50.25–54.5 s and 55.5–56.75 s halt in 250 ms steps; the input itself is a violation
// without a halt). The run: voter 2 leads epoch 4 (HW 100) after voter 3's crash at 45.846 s;
// voter 1 is paused 51.91–65.03 s and voter 2 from 55.40 s; at 67.028 s voter 1 (HW 114) wins
// epoch 5 with voter 3's vote (HW 127) and commits offsets 115–126 over records committed in
// epoch 4 (voter 1 committed offset 115 as LeaderChange 1 of epoch 5, a NoOp of epoch 4
// committed there before); at 73.552 s voter 3's replay of the fencing record at offset 133 for
// a registration epoch it does not have fails and it halts, and voter 2, resumed at 75.192 s,
// halts on the same record.

import { describe, expect, it } from 'vitest';
import { fixtureInput } from './helpers.ts';
import { deps } from '../../../driver/default-deps.ts';
import { runScenario } from '../../../driver/run.ts';

describe("a bug variant's run where a controller cannot apply a record", () => {
  it('vote-without-log-check, zoo guided seed 3000521 (shifted): a violation, the controller halted, no crash', () => {
    const input = fixtureInput(3000521, 'zoo-guided-shifted');
    const r = runScenario(deps, {
      seed: 3000521,
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
    expect(halt?.kind === 'node' && halt.cause).toMatch(/BrokerFencing record at offset 133/);
  });
});
