// What one simulated run is made of, as a scenario generates it: the cluster shape, the
// workload and the fault schedule. It is plain JSON (it is stored in trace files and
// replayed from them) and it never names a protocol variant: the driver applies the
// variant over it (driver/run.ts), so no generator can know which variant is on.

import { DEFAULT_KAFKA_CONFIG, isKafkaVersion, kafkaConfigFor } from '../model/config.ts';
import type { ClusterSpec, KafkaConfig, KafkaVersion, WorkloadSpec } from '../model/config.ts';
import type { Fault } from './faults.ts';

/** The topic every scenario writes to. */
export const TOPIC = 't';

/** Timing settings a scenario may change; never a safety switch (acks, min ISR, unclean election). */
export type TimingOverrides = Partial<
  Pick<
    KafkaConfig,
    | 'replica.lag.time.max.ms'
    | 'replica.high.watermark.checkpoint.interval.ms'
    | 'broker.session.timeout.ms'
    | 'replica.fetch.wait.max.ms'
    | 'request.timeout.ms'
    | 'replica.socket.timeout.ms'
    | 'controller.socket.timeout.ms'
    | 'controlled.shutdown.enable'
  >
>;

export interface ClusterShape {
  /** 3..5 in the generators (1..9 allowed by the model). */
  brokers: number;
  replicationFactor: number;
  /** min.insync.replicas of the topic; the promise (beyondPromise) is judged against it. */
  minInsync: number;
  partitions: number;
  timing: TimingOverrides;
  /** kafka.version (model/versions.ts): its defaults and rules; absent = the newest. */
  kafkaVersion?: KafkaVersion;
}

export interface WorkloadShape {
  producers: number;
  consumers: number;
  /** Total sends over all producers. */
  sends: number;
  /** Distinct keys; 0 = no keys (round robin over partitions). */
  keys: number;
  sendIntervalMs: number;
  pollIntervalMs: number;
}

export interface ScenarioInput {
  shape: ClusterShape;
  workload: WorkloadShape;
  /** Faults in schedule order (ids in traces are 1-based positions in this array). */
  faults: Fault[];
  /**
   * Virtual time (ms) by which every fault is healed: pending triggers are disarmed, cuts
   * and slow links healed, down nodes restarted. Liveness is judged from there.
   */
  healAtMs: number;
}

/** The cluster spec of a scenario with today's Kafka (variant 'correct', Kafka defaults + the shape). */
export function clusterSpecOf(input: ScenarioInput): ClusterSpec {
  const { shape, workload } = input;
  const config: KafkaConfig = {
    ...(shape.kafkaVersion === undefined ? DEFAULT_KAFKA_CONFIG : kafkaConfigFor(shape.kafkaVersion)),
    ...shape.timing,
    'min.insync.replicas': shape.minInsync,
  };
  return {
    brokers: shape.brokers,
    topics: [{ name: TOPIC, partitions: shape.partitions, replicationFactor: shape.replicationFactor }],
    producers: workload.producers,
    consumers: workload.consumers,
    config,
    variant: 'correct',
  };
}

export function workloadSpecOf(input: ScenarioInput): WorkloadSpec {
  const w = input.workload;
  return { sends: w.sends, keys: w.keys, sendIntervalMs: w.sendIntervalMs, pollIntervalMs: w.pollIntervalMs };
}

/**
 * Structural validation of an input read from a file (a trace): returns a reason when it is
 * not a usable ScenarioInput. Generated inputs always pass.
 */
export function invalidInputReason(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'fault schedule is not an object';
  const v = value as Partial<ScenarioInput>;
  const s = v.shape;
  if (typeof s !== 'object' || s === null) return 'missing cluster shape';
  for (const k of ['brokers', 'replicationFactor', 'minInsync', 'partitions'] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1) return `cluster shape: ${k} must be a positive integer`;
  }
  if (s.brokers > 9) return 'cluster shape: at most 9 brokers';
  if (s.replicationFactor > s.brokers) return 'cluster shape: replication factor exceeds brokers';
  if (typeof s.timing !== 'object' || s.timing === null) return 'cluster shape: missing timing';
  if (s.kafkaVersion !== undefined && !isKafkaVersion(String(s.kafkaVersion))) {
    return `cluster shape: unknown kafka version ${String(s.kafkaVersion)}`;
  }
  const w = v.workload;
  if (typeof w !== 'object' || w === null) return 'missing workload';
  for (const k of ['producers', 'consumers', 'sends', 'keys', 'sendIntervalMs', 'pollIntervalMs'] as const) {
    if (!Number.isInteger(w[k]) || w[k] < 0) return `workload: ${k} must be a non-negative integer`;
  }
  if (!Array.isArray(v.faults)) return 'faults must be an array';
  for (const f of v.faults) {
    if (typeof f !== 'object' || f === null || typeof f.trigger !== 'object' || typeof f.action !== 'object') {
      return 'a fault lacks a trigger or an action';
    }
  }
  if (!Number.isInteger(v.healAtMs) || (v.healAtMs as number) < 0) return 'healAtMs must be a non-negative integer';
  return undefined;
}
