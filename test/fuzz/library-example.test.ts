// The worked library example of docs/readme-fuzz.md, as a real test: a user's own property
// with @fast-check/vitest, built from gregor's scenario arbitraries and its run function.
// "However the leader of a 3-broker, RF 3 cluster is killed, at a time or right after it
// acknowledges a produce, no acknowledged write is lost and the cluster recovers."

import { fc, test } from '@fast-check/vitest';
import { expect, test as plainTest } from 'vitest';
import { runScenario, type RunResult } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import { outageMsArb, triggerArb, workloadArb, type Fault, type ScenarioInput } from '../../scenarios/index.ts';

// A cluster shape of my own, the workload generator of gregor, and 1–2 crashes of the leader.
const shape = { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing: {} };
const crashTheLeader: fc.Arbitrary<Fault> = fc
  .record({
    trigger: triggerArb(shape, { windowMs: 30_000 }),
    downMs: outageMsArb(),
  })
  .map(({ trigger, downMs }) => ({
    trigger,
    action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs },
  }));
const myScenario: fc.Arbitrary<ScenarioInput> = fc.record({
  shape: fc.constant(shape),
  workload: workloadArb({ maxSends: 40 }),
  faults: fc.array(crashTheLeader, { minLength: 1, maxLength: 2 }),
  healAtMs: fc.constant(60_000),
});

test.prop([myScenario, fc.integer({ min: 0, max: 2 ** 31 - 1 })], { numRuns: 4, seed: 20241121 })(
  'killing the leader never loses an acknowledged write',
  (input, seed) => {
    const r: RunResult = runScenario(deps, { seed, scenario: 'my-leader-kill', variant: 'correct', input });
    const failing = r.verdict.anomalies.filter((a) => a.informational !== true && a.expected !== true);
    expect(failing.map((a) => `${a.kind}: ${a.explanation}`)).toEqual([]);
    expect(r.outcome).toBe('ok');
  },
);

plainTest('the same property, run against acks=1, finds a lost write', () => {
  const property = fc.property(myScenario, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (input, seed) => {
    const r = runScenario(deps, { seed, scenario: 'my-leader-kill', variant: 'acks-1', input });
    return r.outcome !== 'violation';
  });
  const result = fc.check(property, { numRuns: 200, seed: 20241121, endOnFailure: true });
  expect(result.failed).toBe(true);
});
