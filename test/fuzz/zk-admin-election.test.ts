// The leader-election fault in ZooKeeper mode (driver/injector.ts fireZkElection, model/zk-controller.ts
// processAdminElection): kafka-leader-election.sh's ElectLeaders runs as the controller event
// ReplicaLeaderElection through ZooKeeper; a preferred election moves leadership back, an unclean one of
// an out-of-ISR replica is beyond Kafka's promise, and one whose controller session expires fails.

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { Fault, ScenarioInput } from '../../scenarios/index.ts';

function input(faults: Fault[], timing: ScenarioInput['shape']['timing'] = {}): ScenarioInput {
  return {
    shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing, zookeeper: { servers: 3 } },
    workload: { producers: 1, consumers: 1, sends: 40, keys: 0, sendIntervalMs: 500, pollIntervalMs: 100 },
    faults,
    healAtMs: 90_000,
  };
}

const at = (atMs: number) => ({ kind: 'at' as const, atMs });
const run = (faults: Fault[], timing: ScenarioInput['shape']['timing'] = {}) =>
  runScenario(deps, { seed: 7, scenario: 'test', variant: 'correct', trace: true, input: input(faults, timing) });

describe('leader-election faults in ZooKeeper mode', () => {
  it('an election not needed is answered from the controller cache at once', () => {
    const r = run([{ trigger: at(10_000), action: { kind: 'leader-election', partition: 0, election: 'unclean' } }]);
    const f = r.trace!.faults[0];
    expect(f.description).toMatch(
      /^unclean leader election of t\/0 \(kafka-leader-election.sh\) on controller broker \d: ELECTION_NOT_NEEDED$/,
    );
    // Answered from the cache: the round trip between the admin and the controller broker only.
    expect(f.startUs).toBe(10_000_000);
    expect(f.endUs).toBeGreaterThan(10_000_000);
    expect(f.endUs).toBeLessThan(10_100_000);
    expect(r.outcome).toBe('ok');
  });

  it("an admin's preferred election after a failover gives leadership back to the first replica", () => {
    const r = run([
      { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'broker', id: 3 }, downMs: 25_000 } },
      { trigger: at(50_000), action: { kind: 'leader-election', partition: 0, election: 'preferred' } },
    ]);
    expect(r.outcome).toBe('ok');
    // Seed 7 assigns t/0 the replicas [3, 1, 2]: broker 3 is the preferred leader.
    expect(r.trace!.faults[1].description).toBe(
      'preferred leader election of t/0 (kafka-leader-election.sh) on controller broker 1: broker 3 elected',
    );
    expect(r.trace!.faults[1].endUs).toBeGreaterThan(50_000_000);
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
      'unclean leader election of t/0 (kafka-leader-election.sh) on controller broker 3: ' +
        'broker 3 elected [beyond what Kafka promises]',
    );
    expect(f.beyondPromise).toBe(true);
    expect(r.beyondPromise).toBe(true);
    expect(['ok', 'expected-loss']).toContain(r.outcome);
  });

  it('an election sent to a controller cut away gets no answer: the admin times out, nobody is elected', () => {
    const r = run([
      { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'broker', id: 3 }, downMs: 25_000 } },
      {
        trigger: at(45_000),
        action: { kind: 'cut', cut: { shape: 'isolate', node: { kind: 'controller' } }, durationMs: 25_000 },
      },
      { trigger: at(47_000), action: { kind: 'leader-election', partition: 0, election: 'preferred' } },
    ]);
    expect(r.outcome).toBe('ok');
    const f = r.trace!.faults[2];
    expect(f.description).toBe(
      'preferred leader election of t/0 (kafka-leader-election.sh) on controller broker 1: ' +
        'no answer (the admin times out)',
    );
    // Ended by the admin's request.timeout.ms (30 s): the request was lost in the cut.
    expect([f.startUs, f.endUs]).toEqual([47_000_000, 77_000_000]);
    expect(r.beyondPromise).toBe(false);
  });

  it('an election whose controller is cut from ZooKeeper fails when its session expires', () => {
    const voters = [0, 1, 2].map((index) => ({ kind: 'voter' as const, index }));
    const r = run([
      { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'broker', id: 3 }, downMs: 25_000 } },
      {
        trigger: at(45_000),
        action: {
          kind: 'cut',
          cut: { shape: 'one-way', from: [{ kind: 'controller' }], to: voters },
          durationMs: 25_000,
        },
      },
      { trigger: at(47_000), action: { kind: 'leader-election', partition: 0, election: 'preferred' } },
    ]);
    expect(r.outcome).toBe('ok');
    const f = r.trace!.faults[2];
    // The read of the state znode waits out the connection loss; once the cut heals (70 s) the client
    // learns its session expired (zookeeper.session.timeout.ms 18 s): the read throws, the admin is answered.
    expect(f.description).toBe(
      'preferred leader election of t/0 (kafka-leader-election.sh) on controller broker 1: UNKNOWN_SERVER_ERROR',
    );
    expect(f.startUs).toBe(47_000_000);
    expect(f.endUs).toBeGreaterThanOrEqual(70_000_000);
    expect(f.endUs).toBeLessThan(77_000_000);
    expect(r.beyondPromise).toBe(false);
  });
});
