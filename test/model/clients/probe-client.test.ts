// The probe client against fake brokers: the liveness probe (send to every partition, read it
// back) and the final read (every partition from 0 to its HW, recorded as ordinary polls).

import { describe, expect, it } from 'vitest';
import type { PollValue, SendValue } from '../../../checkers/history.ts';
import { createProbeClient, type ProbeClientActor } from '../../../model/probe-client.ts';
import { PROBE_CLIENT_ID } from '../../../model/config.ts';
import { FAST_CONFIG, addProducer, assertWellFormed, completions, fakeRig, type Rig } from './helpers.ts';

const TOPICS = [
  { name: 'a', partitions: 2, replicationFactor: 1 },
  { name: 'b', partitions: 1, replicationFactor: 1 },
];

function addProbe(rig: Rig, config = FAST_CONFIG): () => ProbeClientActor {
  rig.sim.addNode({
    id: PROBE_CLIENT_ID,
    name: 'probe',
    factory: createProbeClient({
      clientId: PROBE_CLIENT_ID,
      bootstrapBrokers: rig.world.brokers,
      config,
      topics: TOPICS,
      recorder: rig.recorder,
    }),
  });
  rig.sim.start(PROBE_CLIENT_ID);
  return () => rig.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID)!;
}

describe('probe client', () => {
  it('probes every partition: one acknowledged send each, read back at its offset', () => {
    const rig = fakeRig(1, { topics: TOPICS });
    const probe = addProbe(rig);
    expect(probe().probeSucceeded()).toBe(false);
    rig.sim.at(10_000, 'probe', () => probe().startProbe());
    rig.sim.run({ untilUs: 2_000_000 });
    expect(probe().probeSucceeded()).toBe(true);
    expect(probe().done()).toBe(true);
    const sent = completions(rig.recorder.events, 'send', 'ok').map((e) => e.value as SendValue);
    expect(sent.map((v) => `${v.topic}/${v.partition}`).sort()).toEqual(['a/0', 'a/1', 'b/0']);
    for (const v of sent) {
      const readBack = completions(rig.recorder.events, 'poll', 'ok')
        .map((e) => e.value as PollValue)
        .filter((p) => p.topic === v.topic && p.partition === v.partition)
        .flatMap((p) => p.records ?? []);
      expect(readBack).toContainEqual([v.offset, v.value]);
    }
    assertWellFormed(rig.recorder.events);
  });

  it('keeps probing through an outage and succeeds once the broker is reachable', () => {
    const rig = fakeRig(2, { topics: TOPICS });
    const probe = addProbe(rig);
    rig.sim.at(5_000, 'isolate', () => {
      const cut = rig.sim.network.cut({ kind: 'isolate', node: 1 });
      rig.sim.at(14_000_000, 'heal', () => rig.sim.network.heal(cut)); // longer than delivery.timeout.ms
    });
    rig.sim.at(10_000, 'probe', () => probe().startProbe());
    rig.sim.run({ untilUs: 13_000_000 });
    expect(probe().probeSucceeded()).toBe(false);
    rig.sim.run({ untilUs: 40_000_000 });
    expect(probe().probeSucceeded()).toBe(true);
    // The first probe sends expired during the outage and were replaced by new ones.
    expect(completions(rig.recorder.events, 'send').filter((e) => e.type !== 'ok').length).toBeGreaterThan(0);
    assertWellFormed(rig.recorder.events);
  });

  it('final read: every partition polled from 0 up to its HW, recorded as polls', () => {
    const rig = fakeRig(3, { topics: TOPICS });
    const probe = addProbe(rig, { ...FAST_CONFIG, 'max.poll.records': 50 });
    addProducer(rig, 200, { sends: 600, keys: 9, topics: TOPICS, sendIntervalMs: 1 });
    rig.sim.run({ untilUs: 5_000_000 });
    expect(probe().finalReadDone()).toBe(false);
    rig.sim.at(rig.sim.now(), 'final read', () => probe().startFinalRead());
    rig.sim.run({ untilUs: 10_000_000 });
    expect(probe().finalReadDone()).toBe(true);
    const events = rig.recorder.events;
    const finalProcesses = new Set(
      events
        .filter((e) => e.f === 'poll' && Math.floor(Number(e.process) / 1000) === PROBE_CLIENT_ID)
        .map((e) => e.process),
    );
    expect(finalProcesses.size).toBe(3);
    // 600 records, 50 per poll: the read took many polls per partition.
    expect(
      completions(events, 'poll', 'ok').filter((e) => finalProcesses.has(e.process)).length,
    ).toBeGreaterThanOrEqual(12);
    for (const t of TOPICS) {
      for (let p = 0; p < t.partitions; p++) {
        const log = rig
          .broker(1)
          .log(t.name, p)
          .map((r) => [r.offset, r.value]);
        const read = completions(events, 'poll', 'ok')
          .filter((e) => finalProcesses.has(e.process))
          .map((e) => e.value as PollValue)
          .filter((v) => v.topic === t.name && v.partition === p)
          .flatMap((v) => v.records ?? []);
        expect(read).toEqual(log);
      }
    }
    assertWellFormed(events);
  });
});
