// Shared setup for the client tests: a simulation with fake brokers (fake-broker.ts) and the
// real client actors, plus history assertions used by every suite.

import { Simulation } from '../../../harness/index.ts';
import type { History, HistoryEvent, PollValue, SendValue } from '../../../checkers/history.ts';
import {
  DEFAULT_KAFKA_CONFIG,
  type ClusterSpec,
  type KafkaConfig,
  type TopicSpec,
  type ValueBytes,
  type WorkloadSpec,
} from '../../../model/config.ts';
import { createHistoryRecorder, historyProblems } from '../../../model/history-recorder.ts';
import type { HistoryRecorder } from '../../../model/client-api.ts';
import { createProducer } from '../../../model/producer.ts';
import { createConsumer } from '../../../model/consumer.ts';
import { createWorld, FakeBroker, type FakeWorld, type ProduceHook } from './fake-broker.ts';

export const FAST_CONFIG: KafkaConfig = {
  ...DEFAULT_KAFKA_CONFIG,
  'request.timeout.ms': 1_000,
  'delivery.timeout.ms': 10_000,
  'retry.backoff.ms': 100,
};

export const ONE_TOPIC: TopicSpec[] = [{ name: 't', partitions: 1, replicationFactor: 1 }];

export interface Rig {
  sim: Simulation;
  world: FakeWorld;
  recorder: HistoryRecorder;
  broker(id: number): FakeBroker;
}

export function fakeRig(
  seed: number,
  opts: { brokers?: number[]; topics?: TopicSpec[]; hook?: ProduceHook | null; shared?: boolean } = {},
): Rig {
  const brokers = opts.brokers ?? [1];
  const topics = opts.topics ?? ONE_TOPIC;
  const sim = new Simulation({ seed });
  const world = createWorld(
    brokers,
    topics.map((t) => ({ name: t.name, partitions: t.partitions })),
    { shared: opts.shared ?? false },
  );
  for (const id of brokers) {
    sim.addNode({ id, name: `broker-${id}`, factory: (ctx) => new FakeBroker(ctx, world, opts.hook ?? null) });
    sim.start(id);
  }
  return { sim, world, recorder: createHistoryRecorder(), broker: (id) => world.actors.get(id)! };
}

export function addProducer(
  rig: Rig,
  id: number,
  opts: {
    config?: KafkaConfig;
    topics?: TopicSpec[];
    sends: number;
    keys?: number;
    sendIntervalMs?: number;
    prefix?: string;
    valueBytes?: ValueBytes;
  },
): void {
  const workload: WorkloadSpec = {
    sends: opts.sends,
    keys: opts.keys ?? 0,
    sendIntervalMs: opts.sendIntervalMs ?? 10,
    pollIntervalMs: 10,
  };
  if (opts.valueBytes !== undefined) workload.valueBytes = opts.valueBytes;
  rig.sim.addNode({
    id,
    name: `producer-${id}`,
    factory: createProducer({
      clientId: id,
      bootstrapBrokers: rig.world.brokers,
      config: opts.config ?? FAST_CONFIG,
      topics: opts.topics ?? ONE_TOPIC,
      workload,
      sends: opts.sends,
      valuePrefix: opts.prefix ?? `v${id}-`,
      recorder: rig.recorder,
    }),
  });
  rig.sim.start(id);
}

export function addConsumer(
  rig: Rig,
  id: number,
  opts: {
    config?: KafkaConfig;
    topics?: TopicSpec[];
    assignment: Array<{ topic: string; partition: number }>;
    pollIntervalMs?: number;
    variant?: ClusterSpec['variant'];
  },
): void {
  rig.sim.addNode({
    id,
    name: `consumer-${id}`,
    factory: createConsumer({
      clientId: id,
      bootstrapBrokers: rig.world.brokers,
      config: opts.config ?? FAST_CONFIG,
      topics: opts.topics ?? ONE_TOPIC,
      workload: { sends: 0, keys: 0, sendIntervalMs: 10, pollIntervalMs: opts.pollIntervalMs ?? 10 },
      assignment: opts.assignment,
      recorder: rig.recorder,
      variant: opts.variant,
    }),
  });
  rig.sim.start(id);
}

/** Completions of `f`, by type. */
export function completions(history: History, f: string, type?: HistoryEvent['type']): HistoryEvent[] {
  return history.filter((e) => e.f === f && e.type !== 'invoke' && (type === undefined || e.type === type));
}

export function sendValues(history: History, type: HistoryEvent['type']): SendValue[] {
  return completions(history, 'send', type).map((e) => e.value as SendValue);
}

/**
 * Assert the history is well formed (dense, ordered, paired, one op per process) and every
 * poll stream is gap-free and monotonic: each poll starts where the previous poll of its
 * process ended, or where its last assign put it; returned records are consecutive from
 * the poll's offset. Returns nothing; throws with a sentence on the first violation.
 */
export function assertWellFormed(history: History): void {
  const problems = historyProblems(history);
  if (problems.length > 0) throw new Error(`history not well formed: ${problems.slice(0, 5).join('; ')}`);
  const position = new Map<number | string, number>();
  for (const ev of history) {
    if (ev.f === 'assign' && ev.type === 'ok') position.set(ev.process, (ev.value as PollValue).offset);
    if (ev.f !== 'poll') continue;
    const v = ev.value as PollValue;
    if (ev.type === 'invoke') {
      const expected = position.get(ev.process);
      if (expected === undefined) throw new Error(`event ${ev.index}: poll of process ${ev.process} before any assign`);
      if (v.offset !== expected)
        throw new Error(
          `event ${ev.index}: poll from ${v.offset}, but the stream is at ${expected} (no assign in between)`,
        );
    }
    if (ev.type === 'ok') {
      const recs = v.records ?? [];
      recs.forEach(([offset], i) => {
        if (offset !== v.offset + i)
          throw new Error(`event ${ev.index}: records not consecutive from ${v.offset}: ${JSON.stringify(recs)}`);
      });
      position.set(ev.process, v.offset + recs.length);
    }
  }
}
