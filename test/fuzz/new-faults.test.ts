// The pause and leader-election fault kinds on the real model (driver/injector.ts): a pause
// hangs a broker and resumes it, an admin's preferred election moves leadership back, and an
// admin's unclean election that elects an out-of-sync replica takes the run beyond Kafka's
// promise ('admin-unclean-election').

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { Fault, ScenarioInput } from '../../scenarios/index.ts';

function input(faults: Fault[], timing: ScenarioInput['shape']['timing'] = {}): ScenarioInput {
  return {
    shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing },
    workload: { producers: 1, consumers: 1, sends: 40, keys: 0, sendIntervalMs: 500, pollIntervalMs: 100 },
    faults,
    healAtMs: 90_000,
  };
}

const at = (atMs: number) => ({ kind: 'at' as const, atMs });
const run = (faults: Fault[], timing: ScenarioInput['shape']['timing'] = {}) =>
  runScenario(deps, { seed: 7, scenario: 'test', variant: 'correct', trace: true, input: input(faults, timing) });

describe('pause and leader-election faults', () => {
  it('a pause hangs the leader for its duration; the run stays correct', () => {
    const pause: Fault['action'] = { kind: 'pause', target: { kind: 'leader', partition: 0 }, durationMs: 15_000 };
    const r = run([{ trigger: at(3_000), action: pause }]);
    expect(r.outcome).toBe('ok');
    const f = r.trace!.faults[0];
    expect(f.description).toMatch(/^pause \(SIGSTOP\) broker \d for 15000 ms, then resume it$/);
    expect([f.startUs, f.endUs]).toEqual([3_000_000, 18_000_000]);
  });

  it('a clean stop of a paused broker is skipped (a hung process cannot shut down); a kill -9 is not', () => {
    const pause: Fault['action'] = { kind: 'pause', target: { kind: 'broker', id: 2 }, durationMs: 10_000 };
    const r = run([
      { trigger: at(3_000), action: pause },
      { trigger: at(5_000), action: { kind: 'restart', target: { kind: 'broker', id: 2 }, downMs: 1_000 } },
      { trigger: at(6_000), action: { kind: 'crash', target: { kind: 'broker', id: 2 }, downMs: 1_000 } },
    ]);
    expect(r.trace!.faults.map((f) => f.description)).toEqual([
      'pause (SIGSTOP) broker 2 for 10000 ms, then resume it',
      'clean shutdown of broker 2, restart after 1 s (skipped: broker 2 is paused (hung))',
      'crash (kill -9) broker 2, restart after 1000 ms',
    ]);
    expect(r.outcome).toBe('ok');
  });

  it("an admin's preferred election after a failover gives leadership back to the first replica", () => {
    const r = run([
      { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'broker', id: 1 }, downMs: 2_000 } },
      { trigger: at(40_000), action: { kind: 'leader-election', partition: 0, election: 'preferred' } },
    ]);
    expect(r.outcome).toBe('ok');
    expect(r.trace!.faults[1].description).toBe(
      'preferred leader election of t/0 (kafka-leader-election.sh): broker 1 elected',
    );
    expect(r.beyondPromise).toBe(false);
  });

  it("an admin's unclean election of an out-of-sync replica is beyond the promise", () => {
    const r = run(
      [
        {
          trigger: at(1_000),
          action: { kind: 'cut', cut: { shape: 'isolate', node: { kind: 'broker', id: 3 } }, durationMs: 19_000 },
        },
        { trigger: at(15_000), action: { kind: 'crash', target: { kind: 'broker', id: 1 }, downMs: 60_000 } },
        { trigger: at(15_000), action: { kind: 'crash', target: { kind: 'broker', id: 2 }, downMs: 60_000 } },
        { trigger: at(40_000), action: { kind: 'leader-election', partition: 0, election: 'unclean' } },
      ],
      { 'replica.lag.time.max.ms': 4_000 },
    );
    const f = r.trace!.faults[3];
    expect(f.description).toBe(
      'unclean leader election of t/0 (kafka-leader-election.sh): broker 3 elected [beyond what Kafka promises]',
    );
    expect(f.beyondPromise).toBe(true);
    expect(r.beyondPromise).toBe(true);
    expect(['ok', 'expected-loss']).toContain(r.outcome);
  });
});
