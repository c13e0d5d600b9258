// The clients against the real model (model/cluster.ts): 3 brokers, RF 3, producers and
// consumers run the workload, then the probe and the final read. Every acknowledged send must
// be in the final read at its acknowledged offset; the history must be well formed and pass
// the Kafka checker. Also: with the real brokers, an answer lost to a one-way cut makes
// non-idempotent retries duplicate and idempotent ones not.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../../harness/index.ts';
import type { ModelProbe } from '../../../model/cluster-api.ts';
import type { History, PollValue, SendValue } from '../../../checkers/history.ts';
import { checkKafka } from '../../../checkers/index.ts';
import { buildCluster } from '../../../model/cluster.ts';
import type { KafkaCluster } from '../../../model/cluster-api.ts';
import {
  DEFAULT_KAFKA_CONFIG,
  FIRST_PRODUCER_ID,
  PROBE_CLIENT_ID,
  type KafkaConfig,
  type TopicSpec,
  type WorkloadSpec,
} from '../../../model/config.ts';
import { clientOfProcess } from '../../../model/client-process.ts';
import { assertWellFormed } from './helpers.ts';

const TOPICS: TopicSpec[] = [
  { name: 'orders', partitions: 2, replicationFactor: 3 },
  { name: 'audit', partitions: 1, replicationFactor: 3 },
];

interface Run {
  sim: Simulation<ModelProbe>;
  cluster: KafkaCluster;
}

function boot(
  seed: number,
  config: KafkaConfig,
  workload: WorkloadSpec,
  opts: { producers?: number; consumers?: number; topics?: TopicSpec[] } = {},
): Run {
  const sim = new Simulation<ModelProbe>({ seed });
  const cluster = buildCluster(
    sim,
    {
      brokers: 3,
      topics: opts.topics ?? TOPICS,
      producers: opts.producers ?? 2,
      consumers: opts.consumers ?? 2,
      config,
      variant: 'correct',
    },
    workload,
  );
  cluster.start();
  return { sim, cluster };
}

/** Run until `done()` or the virtual deadline; returns whether it got done. */
function runUntil(sim: Simulation<ModelProbe>, done: () => boolean, deadlineUs: number): boolean {
  while (!done() && sim.now() < deadlineUs) sim.run({ untilUs: Math.min(deadlineUs, sim.now() + 200_000) });
  return done();
}

/** Workload, then probe, then final read; returns the final log per partition. */
function finish(run: Run, budgetUs = 400_000_000): Map<string, Map<number, string>> {
  const { sim, cluster } = run;
  expect(runUntil(sim, () => cluster.workloadDone(), sim.now() + budgetUs)).toBe(true);
  sim.at(sim.now(), 'probe', () => cluster.startProbe());
  expect(runUntil(sim, () => cluster.probeSucceeded(), sim.now() + 120_000_000)).toBe(true);
  sim.at(sim.now(), 'final read', () => cluster.startFinalRead());
  expect(runUntil(sim, () => cluster.finalReadDone(), sim.now() + 120_000_000)).toBe(true);
  return finalLog(cluster.history);
}

/** The probe client's polls after its last assign at 0, per partition: offset → value. */
function finalLog(history: History): Map<string, Map<number, string>> {
  const out = new Map<string, Map<number, string>>();
  const fromZero = new Set<number | string>();
  for (const e of history) {
    if (clientOfProcess(e.process) !== PROBE_CLIENT_ID) continue;
    const v = e.value as PollValue;
    if (e.f === 'assign' && e.type === 'ok' && v.offset === 0) {
      fromZero.add(e.process);
      out.set(`${v.topic}/${v.partition}`, new Map());
    }
    if (e.f === 'poll' && e.type === 'ok' && fromZero.has(e.process)) {
      const log = out.get(`${v.topic}/${v.partition}`)!;
      for (const [offset, value] of v.records ?? []) log.set(offset, value);
    }
  }
  return out;
}

/** Acknowledged workload sends (not the probe's). */
function acked(history: History): SendValue[] {
  return history
    .filter((e) => e.f === 'send' && e.type === 'ok' && clientOfProcess(e.process) !== PROBE_CLIENT_ID)
    .map((e) => e.value as SendValue);
}

function expectAckedInFinalRead(history: History, final: Map<string, Map<number, string>>): void {
  const missing: string[] = [];
  for (const v of acked(history)) {
    if (final.get(`${v.topic}/${v.partition}`)?.get(v.offset!) !== v.value)
      missing.push(`${v.value}@${v.topic}/${v.partition}:${v.offset}`);
  }
  expect(missing).toEqual([]);
}

function duplicatesIn(final: Map<string, Map<number, string>>): string[] {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const log of final.values()) {
    for (const value of log.values()) {
      if (value.startsWith('probe-')) continue;
      if (seen.has(value)) dups.push(value);
      seen.add(value);
    }
  }
  return dups;
}

describe('clients against the real brokers', () => {
  it('3 brokers, RF 3: every acknowledged send is in the final read at its offset', () => {
    const run = boot(101, DEFAULT_KAFKA_CONFIG, { sends: 300, keys: 6, sendIntervalMs: 20, pollIntervalMs: 50 });
    const final = finish(run);
    const history = run.cluster.history;
    const ok = acked(history);
    expect(ok.length).toBe(300); // nothing goes wrong without faults
    expectAckedInFinalRead(history, final);
    expect(duplicatesIn(final)).toEqual([]);
    // Consumers read what the final read holds, at the same offsets.
    for (const e of history) {
      if (e.f !== 'poll' || e.type !== 'ok' || clientOfProcess(e.process) === PROBE_CLIENT_ID) continue;
      const v = e.value as PollValue;
      for (const [offset, value] of v.records ?? [])
        expect(final.get(`${v.topic}/${v.partition}`)!.get(offset)).toBe(value);
    }
    assertWellFormed(history);
    const verdict = checkKafka(history);
    expect(verdict.anomalies.filter((a) => !a.informational)).toEqual([]);
    expect(verdict.valid).toBe(true);
  });

  it('a leader crash, a restart and a cut: acknowledged sends survive, history stays well formed', () => {
    const config: KafkaConfig = { ...DEFAULT_KAFKA_CONFIG, 'request.timeout.ms': 5_000, 'delivery.timeout.ms': 30_000 };
    const run = boot(202, config, { sends: 400, keys: 4, sendIntervalMs: 25, pollIntervalMs: 40 });
    const { sim, cluster } = run;
    sim.at(3_000_000, 'crash broker 1', () => sim.crash(1));
    sim.at(12_000_000, 'restart broker 1', () => sim.start(1));
    sim.at(15_000_000, 'isolate broker 2', () => {
      const cut = sim.network.cut({ kind: 'isolate', node: 2 });
      sim.at(21_000_000, 'heal', () => sim.network.heal(cut));
    });
    const final = finish(run);
    const history = cluster.history;
    expect(acked(history).length).toBeGreaterThan(200);
    expectAckedInFinalRead(history, final);
    expect(duplicatesIn(final)).toEqual([]);
    assertWellFormed(history);
    const verdict = checkKafka(history);
    expect(verdict.anomalies.filter((a) => !a.informational)).toEqual([]);
  });

  it('is deterministic: the same seed gives the same history and event hash', () => {
    const once = () => {
      const run = boot(
        404,
        { ...DEFAULT_KAFKA_CONFIG, 'request.timeout.ms': 3_000 },
        { sends: 80, keys: 3, sendIntervalMs: 10, pollIntervalMs: 20 },
      );
      run.sim.at(400_000, 'crash', () => run.sim.crash(2));
      run.sim.at(5_000_000, 'restart', () => run.sim.start(2));
      finish(run);
      return { history: JSON.stringify(run.cluster.history), hash: run.sim.hash(), events: run.sim.eventCount };
    };
    const a = once();
    const b = once();
    expect(b.events).toBe(a.events);
    expect(b.hash).toBe(a.hash);
    expect(b.history === a.history).toBe(true);
  });

  const lostAnswers = (idempotent: boolean) => {
    const config: KafkaConfig = {
      ...DEFAULT_KAFKA_CONFIG,
      'enable.idempotence': idempotent,
      'request.timeout.ms': 2_000,
      'delivery.timeout.ms': 60_000,
    };
    const topics: TopicSpec[] = [{ name: 't', partitions: 1, replicationFactor: 3 }];
    const run = boot(
      303,
      config,
      { sends: 60, keys: 0, sendIntervalMs: 50, pollIntervalMs: 50 },
      { producers: 1, consumers: 1, topics },
    );
    const { sim } = run;
    // Every broker's answers to the producer are lost for 3 s; its requests still arrive,
    // are appended and replicated, and the producer times out and retries.
    sim.at(1_500_000, 'cut answers', () => {
      const cut = sim.network.cut({ kind: 'one-way', from: [1, 2, 3], to: [FIRST_PRODUCER_ID] });
      sim.at(sim.now() + 3_000_000, 'heal', () => sim.network.heal(cut));
    });
    const final = finish(run);
    assertWellFormed(run.cluster.history);
    expectAckedInFinalRead(run.cluster.history, final);
    return { final, history: run.cluster.history };
  };

  it('idempotent producer: answers lost to a cut, retries append nothing twice', () => {
    const { final, history } = lostAnswers(true);
    expect(duplicatesIn(final)).toEqual([]);
    expect(history.some((e) => e.f === 'send' && e.type === 'ok')).toBe(true);
    expect(checkKafka(history).anomalies.filter((a) => a.kind === 'duplicate')).toEqual([]);
  });

  it('non-idempotent producer: answers lost to a cut, retries append duplicates', () => {
    const { final, history } = lostAnswers(false);
    expect(duplicatesIn(final).length).toBeGreaterThan(0);
    expect(checkKafka(history).anomalies.some((a) => a.kind === 'duplicate')).toBe(true);
  });
});
