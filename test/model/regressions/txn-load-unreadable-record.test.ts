// Regression (model: the transaction coordinator's load). Swarm seed 1000114 under the zoo
// variant recovery-trusts-tail (bench/zoo, plain, base 1000001) ended as a crash of the harness:
// "the simulation threw at 48.053 s: Unexpected token … is not valid JSON". The variant's
// recovery keeps a torn tail of `__transaction_state`, and the coordinator that loaded it parsed
// every record. Kafka does not throw out of the load: TransactionStateManager
// .loadTransactionsFromLog wraps its read loop in `catch { case t: Throwable => error(...) }`
// (3.9.0-rc3) and serves the partition with what it read before the bad record, which the model
// now does (txn-host.ts loadableTransits). The run is the variant's own violation, as bench/zoo
// counts it: log-matching on __transaction_state/0, the torn record against the committed one.

import { describe, expect, it } from 'vitest';
import { deps } from '../../../driver/default-deps.ts';
import { generateInput, runScenario } from '../../../driver/run.ts';

describe('a coordinator load meeting an unreadable __transaction_state record', () => {
  it('recovery-trusts-tail seed 1000114: a violation of the variant, not a crash', () => {
    const input = generateInput('swarm', 1000114);
    const r = runScenario(deps, { seed: 1000114, scenario: 'swarm', variant: 'recovery-trusts-tail', input });
    expect(r.verdict.anomalies.filter((a) => a.kind === 'crash').map((a) => a.explanation)).toEqual([]);
    expect(r.outcome).toBe('violation');
    const lm = r.verdict.anomalies.find((a) => a.kind === 'log-matching');
    expect(lm?.topic).toBe('__transaction_state');
  });
});
