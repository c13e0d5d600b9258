// The trace file (DESIGN §6): everything needed to replay one run and to explain it. It is
// JSON, versioned. The timeline is the white-box story of the run (nodes up/down, replica
// roles, epochs, HW/LEO, appends, truncations, controller decisions, faults), from which a
// report rebuilds `kafka-topics --describe` and `kafka-dump-log` views at any instant.
// The model emits these as probe events; the driver records them when tracing is on.

import type { History } from './history.ts';
import type { Verdict } from './verdict.ts';
import type { QuorumStateChange } from './cluster-state.ts';

export const TRACE_FORMAT = 'gregor-trace';
export const TRACE_VERSION = 1;

export type TimelineEvent =
  /** A node process changed state. cause: start | crash | power-loss | shutdown | restart | halt: <reason>. */
  | { t: number; kind: 'node'; node: number; name: string; state: 'up' | 'down'; cause: string }
  /** A replica's role, epoch, HW or LEO changed (emitted on any change of these). */
  | {
      t: number;
      kind: 'replica';
      broker: number;
      topic: string;
      partition: number;
      role: 'leader' | 'follower' | 'none';
      leaderEpoch: number;
      hw: number;
      leo: number;
    }
  /** Records written to a replica's log: offsets firstOffset.. in order. */
  | {
      t: number;
      kind: 'append';
      broker: number;
      topic: string;
      partition: number;
      firstOffset: number;
      epoch: number;
      values: string[];
    }
  /** A replica's log lost every record at offset ≥ toOffset. */
  | {
      t: number;
      kind: 'truncate';
      broker: number;
      topic: string;
      partition: number;
      toOffset: number;
      /** diverging-epoch | truncate-to-hw | recovery (power loss / torn tail) | ... */
      reason: string;
    }
  /**
   * A replica's log start offset moved from `from` to `to` (model/replica-log.ts): up when
   * retention deleted segments ('segment-deletion'), with its leader's, or by a full
   * truncation; down by a truncation below it. The records below it are no longer served.
   */
  | {
      t: number;
      kind: 'log-start';
      broker: number;
      topic: string;
      partition: number;
      from: number;
      to: number;
      reason: string;
    }
  /** A replica created a segment at `offset` (`change: 'segment'`) or moved its recovery point there. */
  | {
      t: number;
      kind: 'storage';
      broker: number;
      topic: string;
      partition: number;
      change: 'segment' | 'segment-deleted' | 'recovery-point';
      offset: number;
    }
  /** The controller's record for a partition changed. */
  | {
      t: number;
      kind: 'partition';
      topic: string;
      partition: number;
      leader: number;
      leaderEpoch: number;
      partitionEpoch: number;
      replicas: number[];
      isr: number[];
      elr: number[];
    }
  /** A KRaft controller voter's Raft role, epoch, known leader or high watermark changed. */
  | ({ t: number } & QuorumStateChange)
  /** A fault began or ended (id matches TraceFault.id). */
  | { t: number; kind: 'fault'; phase: 'start' | 'end'; id: number; description: string };

/** One step of the (shrunk) fault schedule, for people. */
export interface TraceFault {
  id: number;
  /** e.g. "power loss of broker 2", "isolate broker 1". */
  description: string;
  /** e.g. "at 12.000 s" or "right after broker 2 acknowledges offset 5". */
  trigger: string;
  /** Virtual time it fired and healed, if it did. */
  startUs?: number;
  endUs?: number;
  /** True when this fault takes the run beyond what Kafka promises to survive. */
  beyondPromise?: boolean;
}

export interface Trace {
  format: typeof TRACE_FORMAT;
  version: number;
  seed: number;
  scenario: string;
  variant: string;
  /** Kafka configuration in force (Kafka names). */
  config: Record<string, unknown>;
  /** Machine-readable schedule and workload, enough to replay. */
  faultSchedule: unknown;
  workload: unknown;
  /** Human-readable schedule. */
  faults: TraceFault[];
  history: History;
  verdict: Verdict;
  /** Running 64-bit event hash, 16 hex digits. */
  hash: string;
  /**
   * 64-bit hash (16 hex digits) of what the trace says to run — canonical JSON of seed,
   * scenario, variant, faultSchedule and config — so that a replay tells an edited trace
   * from a changed model. Absent in older traces.
   */
  contentHash?: string;
  eventCount: number;
  endTimeUs: number;
  /** How the run ended: ok, violation, stuck, crash. */
  outcome: string;
  timeline: TimelineEvent[];
  /** The KRaft cluster id kafka-metadata-quorum.sh prints (stable per seed); absent in older traces. */
  clusterId?: string;
  /** Broker ids and client process ids with display names. */
  /** 'combined': a broker and a controller voter in one process (process.roles=broker,controller). */
  nodes: Array<{
    id: number;
    name: string;
    role: 'broker' | 'controller' | 'combined' | 'producer' | 'consumer' | 'other';
  }>;
  /** The one command that reproduces this run. */
  command: string;
  /** Kernel events, when kept. */
  events?: unknown[];
}
