// The model keeps the kernel's determinism contract (DESIGN §2): the same seed and the same
// fault schedule give the same events (hash), the same history and the same logs, and a
// different seed gives a different run.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import { CONTROLLER_ID, DEFAULT_KAFKA_CONFIG } from '../../model/config.ts';

function run(seed: number): { hash: string; history: string; logs: string; events: number } {
  const sim = new Simulation<ModelProbe>({ seed });
  const cluster = buildCluster(
    sim,
    {
      brokers: 3,
      topics: [{ name: 't', partitions: 2, replicationFactor: 3 }],
      producers: 2,
      consumers: 1,
      config: DEFAULT_KAFKA_CONFIG,
      variant: 'correct',
    },
    { sends: 150, keys: 4, sendIntervalMs: 30, pollIntervalMs: 40 },
  );
  cluster.start();
  sim.at(2_000_000, 'crash 1', () => sim.crash(1));
  sim.at(4_000_000, 'power loss 2', () => sim.powerLoss(2, { tornTail: true }));
  sim.at(5_000_000, 'restart 2', () => sim.start(2));
  sim.at(6_000_000, 'crash controller', () => sim.crash(CONTROLLER_ID));
  sim.at(8_000_000, 'restart controller', () => sim.start(CONTROLLER_ID));
  sim.at(12_000_000, 'restart 1', () => sim.start(1));
  sim.run({ untilUs: 60_000_000 });
  const snap = cluster.snapshot();
  return {
    hash: sim.hash(),
    history: JSON.stringify(cluster.history),
    logs: JSON.stringify(snap.replicas.map((r) => [r.broker, r.partition, r.leo, r.hw, r.records.map((x) => x.value)])),
    events: sim.eventCount,
  };
}

describe('determinism', () => {
  it('the same seed and schedule replay event for event; another seed differs', () => {
    const a = run(11);
    const b = run(11);
    expect(a.events).toBeGreaterThan(1000);
    expect(b.hash).toBe(a.hash);
    expect(b.events).toBe(a.events);
    expect(b.history).toBe(a.history);
    expect(b.logs).toBe(a.logs);
    expect(run(12).hash).not.toBe(a.hash);
  });
});
