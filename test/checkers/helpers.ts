// Small builders for hand-written histories and cluster snapshots in the checker tests.

import type { ConsumerReset, History, HistoryEvent, OpType } from '../../checkers/history.ts';
import type {
  BrokerView,
  ClusterSnapshot,
  PartitionView,
  RecordView,
  ReplicaSnapshot,
} from '../../checkers/cluster-state.ts';

export const CORPUS = '/work/shared/corpus/porcupine';

/** A history written event by event; time advances by 10 µs per event. */
export class HistoryBuilder {
  readonly events: History = [];
  private event(
    process: number | string,
    type: OpType,
    f: string,
    value: unknown,
    extra: Partial<HistoryEvent> = {},
  ): this {
    this.events.push({ index: this.events.length, time: this.events.length * 10, process, type, f, value, ...extra });
    return this;
  }
  invoke(p: number | string, f: string, value: unknown, extra: Partial<HistoryEvent> = {}): this {
    return this.event(p, 'invoke', f, value, extra);
  }
  ok(p: number | string, f: string, value: unknown, extra: Partial<HistoryEvent> = {}): this {
    return this.event(p, 'ok', f, value, extra);
  }
  fail(p: number | string, f: string, value: unknown, extra: Partial<HistoryEvent> = {}): this {
    return this.event(p, 'fail', f, value, extra);
  }
  info(p: number | string, f: string, value: unknown, extra: Partial<HistoryEvent> = {}): this {
    return this.event(p, 'info', f, value, extra);
  }

  // --- Kafka shorthands (topic "t") ----------------------------------------------------------
  sendInvoke(p: number, value: string, partition = 0): this {
    return this.invoke(p, 'send', { topic: 't', partition, key: null, value });
  }
  sendOk(p: number, value: string, offset: number, partition = 0): this {
    return this.ok(p, 'send', { topic: 't', partition, key: null, value, offset });
  }
  sendInfo(p: number, value: string, partition = 0): this {
    return this.info(p, 'send', { topic: 't', partition, key: null, value }, { error: 'timeout' });
  }
  sendFail(p: number, value: string, partition = 0): this {
    return this.fail(p, 'send', { topic: 't', partition, key: null, value }, { error: 'NOT_ENOUGH_REPLICAS' });
  }
  /** A whole acknowledged send. */
  send(p: number, value: string, offset: number, partition = 0): this {
    return this.sendInvoke(p, value, partition).sendOk(p, value, offset, partition);
  }
  pollInvoke(p: number, from: number, partition = 0): this {
    return this.invoke(p, 'poll', { topic: 't', partition, offset: from });
  }
  pollOk(
    p: number,
    from: number,
    records: Array<[number, string]>,
    partition = 0,
    extra: Record<string, unknown> = {},
  ): this {
    return this.ok(p, 'poll', { topic: 't', partition, offset: from, records, ...extra });
  }
  /** A whole poll. */
  poll(p: number, from: number, records: Array<[number, string]>, partition = 0): this {
    return this.pollInvoke(p, from, partition).pollOk(p, from, records, partition);
  }
  assign(p: number, offset: number, partition = 0): this {
    return this.invoke(p, 'assign', { topic: 't', partition, offset }).ok(p, 'assign', {
      topic: 't',
      partition,
      offset,
    });
  }
  /** The consumer's own move of its position (auto.offset.reset or KIP-320 truncation detection). */
  reset(p: number, offset: number, reset: ConsumerReset, partition = 0): this {
    const value = { topic: 't', partition, offset, reset };
    return this.invoke(p, 'assign', value).ok(p, 'assign', { ...value });
  }
  /** A poll of consecutive values from `from`. */
  pollValues(p: number, from: number, values: string[], partition = 0): this {
    return this.poll(
      p,
      from,
      values.map((v, i) => [from + i, v] as [number, string]),
      partition,
    );
  }

  // --- registers ---------------------------------------------------------------------------------
  write(p: number, v: unknown): this {
    return this.invoke(p, 'write', v).ok(p, 'write', v);
  }
  read(p: number, v: unknown): this {
    return this.invoke(p, 'read', null).ok(p, 'read', v);
  }
}

export function toJsonl(history: History): string {
  return history.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

// --- cluster snapshots ---------------------------------------------------------------------------

export function records(values: string[], epoch = 1, from = 0): RecordView[] {
  return values.map((value, i) => ({ offset: from + i, epoch, producerId: 1, sequence: from + i, key: null, value }));
}

export interface ReplicaSpec {
  broker: number;
  role?: 'leader' | 'follower' | 'none';
  epoch?: number;
  values?: string[];
  hw?: number;
  up?: boolean;
  isr?: number[];
  maximalIsr?: number[];
}

export function replica(s: ReplicaSpec): ReplicaSnapshot {
  const values = s.values ?? [];
  const r: ReplicaSnapshot = {
    broker: s.broker,
    topic: 't',
    partition: 0,
    up: s.up ?? true,
    role: s.role ?? 'follower',
    leaderEpoch: s.epoch ?? 1,
    logStartOffset: 0,
    leo: values.length,
    hw: s.hw ?? values.length,
    records: records(values, s.epoch ?? 1),
    epochCache: [{ epoch: s.epoch ?? 1, startOffset: 0 }],
  };
  if (s.isr !== undefined) r.isr = s.isr;
  if (s.maximalIsr !== undefined) r.maximalIsr = s.maximalIsr;
  return r;
}

export function broker(id: number, over: Partial<BrokerView> = {}): BrokerView {
  return { id, up: true, brokerEpoch: 10 + id, fenced: false, registeredEpoch: 10 + id, ...over };
}

export function partitionView(over: Partial<PartitionView> = {}): PartitionView {
  return {
    topic: 't',
    partition: 0,
    leader: 1,
    leaderEpoch: 1,
    partitionEpoch: 1,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    elr: [],
    ...over,
  };
}

export function snapshot(over: Partial<ClusterSnapshot> & { replicas: ReplicaSnapshot[] }): ClusterSnapshot {
  return {
    timeUs: 1000,
    brokers: [broker(1), broker(2), broker(3)],
    controller: { up: true, partitions: [partitionView()] },
    acked: [],
    consumed: [],
    ...over,
  };
}
