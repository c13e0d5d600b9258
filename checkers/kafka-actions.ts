// The Kafka actions of an operation, whichever vocabulary its history speaks. gregor's own
// (checkers/history.ts): one send, poll or assign per operation, on a named topic-partition.
// Jepsen's Kafka workload (jepsen-io/jepsen jepsen/src/jepsen/tests/kafka.clj): `send`,
// `poll` and `txn` operations whose value is a list of micro-ops, `[:send k v]` completed as
// `[:send k [offset v]]`, `[:poll]` completed as `[:poll {k [[offset v] ...]}]`, and `assign`
// / `subscribe` whose value is a list of integer keys (`:seek-to-beginning? true` on an
// assign moves to offset 0). Each Jepsen key k is reported as partition k of topic "key".
// A micro-op event that names a `topic` (gregor's transactional producer) has its keys read as
// partitions of that topic instead. gregor's `[fetch-offsets group {k offset}]` positions the
// process on those keys (an assign at the committed offset); `send-offsets` is not a Kafka action
// here (checkers/txn-offsets.ts judges it). Micro-ops are taken in order, as if one after the other;
// transactional atomicity is not judged. Assumes the values were validated by checkers/readers/validate.ts.

import type { AssignValue, ConsumerReset, HistoryEvent, PollValue, SendValue } from './history.ts';
import type { Operation } from './ops.ts';

/** The topic Jepsen's integer keys are reported under (key k is partition k). */
const JEPSEN_KEY_TOPIC = 'key';

export type PollRecord = readonly [number, string | number];

export type KafkaAction =
  | { f: 'send'; topic: string; partition: number; value: string; offset: number | undefined }
  | {
      f: 'poll';
      topic: string;
      partition: number;
      from: number | undefined;
      records: readonly PollRecord[];
      /** The position the poll left, when the history says (PollValue.next). */
      next?: number;
    }
  /** Positions the consumer on a partition (offset undefined: where it was, or as committed). */
  | { f: 'assign'; topic: string; partition: number; offset: number | undefined; reset?: ConsumerReset }
  /** Jepsen's assign/subscribe: the process's assignment becomes exactly these partitions. */
  | { f: 'assignment'; partitions: ReadonlyArray<{ topic: string; partition: number }>; subscribe: boolean };

type MicroOp = readonly unknown[];

/** True when the event's value is a Jepsen micro-op list (send, poll, txn). */
export function isMicroOpValue(ev: HistoryEvent): boolean {
  return (ev.f === 'send' || ev.f === 'poll' || ev.f === 'txn') && Array.isArray(ev.value);
}

/** True when a history uses Jepsen's micro-op vocabulary anywhere. */
export function hasMicroOps(history: readonly HistoryEvent[]): boolean {
  const keyList = (ev: HistoryEvent): boolean => (ev.f === 'assign' || ev.f === 'subscribe') && Array.isArray(ev.value);
  return history.some((ev) => isMicroOpValue(ev) || keyList(ev));
}

/** Micro-ops of an operation: the completion's when it completed with a list, else the invoke's. */
function microOps(op: Operation): readonly MicroOp[] {
  const done = op.complete?.value;
  if ((op.outcome === 'ok' || op.outcome === 'info') && Array.isArray(done)) return done as MicroOp[];
  return Array.isArray(op.invoke.value) ? (op.invoke.value as MicroOp[]) : [];
}

/** A Jepsen operation with a `[:poll]` micro-op: it polls every partition assigned. */
export function pollsAssigned(op: Operation): boolean {
  return isMicroOpValue(op.invoke) && microOps(op).some((m) => m[0] === 'poll');
}

/** The Kafka actions of a Jepsen micro-op operation, in micro-op order. */
function jepsenActions(op: Operation): KafkaAction[] {
  const out: KafkaAction[] = [];
  const topic = op.invoke.topic ?? JEPSEN_KEY_TOPIC;
  for (const mop of microOps(op)) {
    if (mop[0] === 'send') {
      const sent = mop[2];
      const pair = Array.isArray(sent) ? (sent as readonly unknown[]) : undefined;
      const value = String(pair !== undefined ? pair[1] : sent);
      // An unknown-outcome transaction may still report offsets of sends that completed (Jepsen keeps them).
      const offset = op.outcome !== 'fail' && typeof pair?.[0] === 'number' ? pair[0] : undefined;
      out.push({ f: 'send', topic, partition: Number(mop[1]), value, offset });
    } else if (mop[0] === 'poll' && typeof mop[1] === 'object' && mop[1] !== null) {
      for (const [key, pairs] of Object.entries(mop[1] as Record<string, PollRecord[]>)) {
        out.push({ f: 'poll', topic, partition: Number(key), from: undefined, records: pairs });
      }
    } else if (mop[0] === 'fetch-offsets' && typeof mop[2] === 'object' && mop[2] !== null) {
      // gregor's consume-transform-produce: the consumer starts from the group's committed
      // offset (a seek; none: where auto.offset.reset puts it).
      for (const [key, offset] of Object.entries(mop[2] as Record<string, number | null>)) {
        out.push({ f: 'assign', topic, partition: Number(key), offset: offset ?? undefined });
      }
    }
  }
  return out;
}

/** Jepsen's assign/subscribe [k1 k2 ...]. */
function jepsenAssignment(op: Operation): KafkaAction[] {
  const keys = op.invoke.value as number[];
  const partitions = keys.map((k) => ({ topic: JEPSEN_KEY_TOPIC, partition: k }));
  const out: KafkaAction[] = [{ f: 'assignment', partitions, subscribe: op.f === 'subscribe' }];
  const seek = op.invoke.seekToBeginning === true;
  if (op.f === 'assign' && seek) for (const p of partitions) out.push({ f: 'assign', ...p, offset: 0 });
  return out;
}

/** The Kafka actions an operation performed (or attempted), in order. */
export function kafkaActions(op: Operation): KafkaAction[] {
  if (isMicroOpValue(op.invoke)) return jepsenActions(op);
  switch (op.f) {
    case 'send': {
      const inv = op.invoke.value as SendValue;
      const done = op.outcome === 'ok' ? (op.complete!.value as SendValue | undefined) : undefined;
      const offset = done !== undefined && typeof done.offset === 'number' ? done.offset : undefined;
      return [{ f: 'send', topic: inv.topic, partition: inv.partition, value: String(inv.value), offset }];
    }
    case 'poll': {
      const inv = op.invoke.value as PollValue;
      const done = op.complete?.value as PollValue | undefined;
      const from = done?.offset ?? inv.offset;
      const records = done?.records ?? [];
      return [{ f: 'poll', topic: inv.topic, partition: inv.partition, from, records, next: done?.next }];
    }
    case 'assignment':
      // gregor's group assignment (a new generation): every position the member had is
      // dropped (the eager protocol revokes all partitions before a new generation; the member
      // then seeks to the committed offset or resets), and the member is subscribed.
      return [{ f: 'assignment', partitions: [], subscribe: true }];
    case 'assign':
    case 'subscribe': {
      if (Array.isArray(op.invoke.value)) return jepsenAssignment(op);
      if (op.f === 'subscribe') return [];
      const v = op.invoke.value as AssignValue;
      const assign: KafkaAction = { f: 'assign', topic: v.topic, partition: v.partition, offset: v.offset };
      if (v.reset === 'earliest' || v.reset === 'latest' || v.reset === 'truncation') assign.reset = v.reset;
      return [assign];
    }
    default:
      return [];
  }
}
