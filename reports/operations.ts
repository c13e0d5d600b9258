// Pairs a history's events into operations (checkers/history.ts): each invoke with the next
// completion of the same process. The client lanes of every report and the lost record's
// story read operations, not raw events.
//
// Assumes Jepsen's rule that a process has at most one operation in flight. A history that
// breaks it is still drawn: an invoke while another is open leaves the first without a
// completion ("pending", outcome unknown), and a completion with no open invoke is counted
// as an orphan and not drawn.

import type { History, HistoryEvent, PollValue, SendValue } from '../checkers/history.ts';

type OpStatus = 'ok' | 'fail' | 'info' | 'pending';

export interface Operation {
  /** Position among operations, ordered by invoke. */
  index: number;
  process: number | string;
  invoke: HistoryEvent;
  completion?: HistoryEvent;
  status: OpStatus;
  startUs: number;
  /** Completion time; undefined when the operation never completed. */
  endUs?: number;
}

export interface PairedHistory {
  ops: Operation[];
  /** History index (of an invoke or a completion) → operation index. */
  opOfEvent: Map<number, number>;
  /** Completions that matched no open invoke. */
  orphanCompletions: number;
}

export function pairOperations(history: History): PairedHistory {
  const ops: Operation[] = [];
  const opOfEvent = new Map<number, number>();
  // Map keys keep 1 and "1" apart, so processes key the map directly.
  const open = new Map<number | string, number>();
  let orphanCompletions = 0;
  for (const event of history) {
    const key = event.process;
    if (event.type === 'invoke') {
      const op: Operation = {
        index: ops.length,
        process: event.process,
        invoke: event,
        status: 'pending',
        startUs: event.time,
      };
      ops.push(op);
      open.set(key, op.index);
      opOfEvent.set(event.index, op.index);
      continue;
    }
    const openIndex = open.get(key);
    if (openIndex === undefined) {
      orphanCompletions++;
      continue;
    }
    const op = ops[openIndex];
    op.completion = event;
    op.status = event.type;
    op.endUs = event.time;
    open.delete(key);
    opOfEvent.set(event.index, openIndex);
  }
  return { ops, opOfEvent, orphanCompletions };
}

function isRecordObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const sendCache = new WeakMap<Operation, SendValue | null>();
const pollCache = new WeakMap<Operation, PollValue | null>();

/** The send's value (with the offset of its ok completion), if this is a Kafka send. */
export function sendOf(op: Operation): SendValue | undefined {
  let cached = sendCache.get(op);
  if (cached === undefined) sendCache.set(op, (cached = readSend(op) ?? null));
  return cached ?? undefined;
}

/** The poll's request and (on ok) its records, if this is a Kafka poll. */
export function pollOf(op: Operation): PollValue | undefined {
  let cached = pollCache.get(op);
  if (cached === undefined) pollCache.set(op, (cached = readPoll(op) ?? null));
  return cached ?? undefined;
}

function readSend(op: Operation): SendValue | undefined {
  if (op.invoke.f !== 'send' || !isRecordObject(op.invoke.value)) return undefined;
  const v = op.invoke.value;
  if (typeof v.topic !== 'string' || typeof v.partition !== 'number' || typeof v.value !== 'string') return undefined;
  const done = op.completion && isRecordObject(op.completion.value) ? op.completion.value : undefined;
  const offset = op.status === 'ok' && done && typeof done.offset === 'number' ? done.offset : undefined;
  return {
    topic: v.topic,
    partition: v.partition,
    key: typeof v.key === 'string' ? v.key : null,
    value: v.value,
    offset,
  };
}

function readPoll(op: Operation): PollValue | undefined {
  if (op.invoke.f !== 'poll' || !isRecordObject(op.invoke.value)) return undefined;
  const v = op.invoke.value;
  if (typeof v.topic !== 'string' || typeof v.partition !== 'number' || typeof v.offset !== 'number') return undefined;
  const done = op.completion && isRecordObject(op.completion.value) ? op.completion.value : undefined;
  let records: Array<[number, string]> | undefined;
  if (op.status === 'ok' && done && Array.isArray(done.records)) {
    records = done.records.filter(
      (r): r is [number, string] => Array.isArray(r) && typeof r[0] === 'number' && typeof r[1] === 'string',
    );
  }
  return { topic: v.topic, partition: v.partition, offset: v.offset, records };
}
