// The scenario input the hand-built consumer-group tests share: 3 brokers, replication factor 3,
// min ISR 2, one KRaft controller, one producer (200 sends, one each 200 ms), and a group of two members on a
// one-partition `__consumer_offsets` (sessions 6 s, heartbeats 2 s, auto commits every 1 s),
// healed at 60 s. A test passes its faults and what it changes of that shape.

import type { Fault } from '../../scenarios/faults.ts';
import type { GroupShape, ScenarioInput, TimingOverrides } from '../../scenarios/input.ts';

export interface GroupInputOptions {
  /** Partitions of the workload's topic (default 1). */
  partitions?: number;
  /** The producer's sends (default 200) and the time between them (default 200 ms). */
  sends?: number;
  sendIntervalMs?: number;
  timing?: TimingOverrides;
  /** Fields of the group that differ from the shared one (manual commits, commitSync…). */
  group?: Partial<GroupShape>;
  healAtMs?: number;
}

export function groupScenarioInput(faults: Fault[], options: GroupInputOptions = {}): ScenarioInput {
  return {
    shape: {
      brokers: 3,
      replicationFactor: 3,
      minInsync: 2,
      partitions: options.partitions ?? 1,
      controllers: 1,
      timing: options.timing ?? {},
    },
    workload: {
      producers: 1,
      consumers: 0,
      sends: options.sends ?? 200,
      keys: 0,
      sendIntervalMs: options.sendIntervalMs ?? 200,
      pollIntervalMs: 100,
      group: {
        consumers: 2,
        churnMs: 0,
        offsetsPartitions: 1,
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 2_000,
        autoCommitIntervalMs: 1_000,
        ...options.group,
      },
    },
    faults,
    healAtMs: options.healAtMs ?? 60_000,
  };
}
