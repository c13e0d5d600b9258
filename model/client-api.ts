// The seam between the broker side of the model and its clients: how the cluster builder
// creates producers, consumers and the probe client, and how they record history.

import type { HistoryEvent } from '../checkers/history.ts';
import type { ClusterSpec, KafkaConfig, TopicSpec, WorkloadSpec } from './config.ts';

/** Shared, append-only history of every client (indices dense, times non-decreasing). */
export interface HistoryRecorder {
  readonly events: HistoryEvent[];
  record(event: Omit<HistoryEvent, 'index'>): HistoryEvent;
}

export interface ProducerParams {
  clientId: number;
  bootstrapBrokers: number[];
  config: KafkaConfig;
  topics: TopicSpec[];
  workload: WorkloadSpec;
  /** How many of the workload's sends this producer makes. */
  sends: number;
  /** Values are unique across the run: `${valuePrefix}${n}`. */
  valuePrefix: string;
  recorder: HistoryRecorder;
}

export interface ConsumerParams {
  clientId: number;
  bootstrapBrokers: number[];
  config: KafkaConfig;
  topics: TopicSpec[];
  workload: WorkloadSpec;
  /** Partitions assigned to this consumer (assign mode). */
  assignment: Array<{ topic: string; partition: number }>;
  /** The protocol variant in force (the zoo's consumer bugs); default correct. */
  variant?: ClusterSpec['variant'];
  recorder: HistoryRecorder;
}

/** Status a client actor exposes to the cluster driver (read via sim.actor(id)). */
export interface ClientStatus {
  /** Producer: every send completed. Consumer: always true. Probe: idle. */
  done(): boolean;
  /** Producer: the partitions its outstanding sends wait on, each once (absent: not told). */
  sendingTo?(): Array<{ topic: string; partition: number }>;
}
