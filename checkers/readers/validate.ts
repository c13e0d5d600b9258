// Turns one decoded record (from JSON or EDN) into a HistoryEvent, or says precisely what is
// wrong with it. Every reader funnels through here, so JSONL and EDN histories obey the same
// rules: `type` is invoke|ok|fail|info, `f` a name, `process` a number or string, `time` a
// number (it may go backwards: file order is real-time order, see timeNote), and the Kafka
// operations carry the value shapes of checkers/history.ts or Jepsen's Kafka workload
// (micro-op lists; integer keys). Events are re-indexed densely in file order.

import { GROUP_OPS, type HistoryEvent, type OpType } from '../history.ts';
import { HistoryInputError } from '../errors.ts';

const OP_TYPES: ReadonlySet<string> = new Set(['invoke', 'ok', 'fail', 'info']);

export interface EventDraft {
  index?: unknown;
  time?: unknown;
  process?: unknown;
  type?: unknown;
  f?: unknown;
  value?: unknown;
  key?: unknown;
  error?: unknown;
  seekToBeginning?: unknown;
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

function isRecordValue(x: unknown): boolean {
  return typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x));
}

function describe(x: unknown): string {
  const s = JSON.stringify(x);
  return s === undefined ? String(x) : s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Jepsen's `[:send k v]` (v or [offset v] on completion) and `[:poll]` / `[:poll {k [[offset v] ...]}]`. */
function microOpError(mop: unknown): string | undefined {
  if (!Array.isArray(mop)) return `micro-op ${describe(mop)} is not a list like [:send k v] or [:poll]`;
  if (mop[0] === 'send') {
    if (mop.length !== 3 || !isNonNegInt(mop[1])) return `send micro-op ${describe(mop)} is not [:send key value]`;
    const v: unknown = mop[2];
    const pairOk = Array.isArray(v) && v.length === 2 && (v[0] === null || isNonNegInt(v[0])) && isRecordValue(v[1]);
    if (!isRecordValue(v) && !pairOk) return `send micro-op value ${describe(v)} is not a value or [offset value]`;
    return undefined;
  }
  if (mop[0] === 'poll') {
    if (mop.length === 1) return undefined;
    const m: unknown = mop[1];
    if (mop.length !== 2 || typeof m !== 'object' || m === null || Array.isArray(m)) {
      return `poll micro-op ${describe(mop)} is not [:poll] or [:poll {key [[offset value] ...]}]`;
    }
    for (const [k, pairs] of Object.entries(m)) {
      if (!/^\d+$/.test(k)) return `poll micro-op key ${describe(k)} is not an integer >= 0`;
      if (!Array.isArray(pairs)) return `poll micro-op records of key ${k} are not a list of [offset value]`;
      for (const r of pairs) {
        if (!Array.isArray(r) || r.length !== 2 || !isNonNegInt(r[0]) || !isRecordValue(r[1])) {
          return `poll micro-op record ${describe(r)} of key ${k} is not [offset value]`;
        }
      }
    }
    return undefined;
  }
  if (mop[0] === 'fetch-offsets' || mop[0] === 'send-offsets') return offsetsMicroOpError(mop);
  return `micro-op ${describe(mop)} is neither :send nor :poll (nor gregor's fetch-offsets, send-offsets)`;
}

/**
 * gregor's consume-transform-produce micro-ops (model/txn-producer.ts): `[fetch-offsets group]`
 * completed as `[fetch-offsets group {k offset-or-null}]`, `[send-offsets group]` as
 * `[send-offsets group {k offset}]`.
 */
function offsetsMicroOpError(mop: readonly unknown[]): string | undefined {
  const name = String(mop[0]);
  const shape = `${name} micro-op ${describe(mop)} is not [${name} group] or [${name} group {key offset}]`;
  if (typeof mop[1] !== 'string' || mop.length > 3) return shape;
  if (mop.length === 2) return undefined;
  const m: unknown = mop[2];
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return shape;
  for (const [k, o] of Object.entries(m)) {
    if (!/^\d+$/.test(k)) return `${String(mop[0])} micro-op key ${describe(k)} is not an integer >= 0`;
    const nullOk = mop[0] === 'fetch-offsets' && o === null;
    if (!nullOk && !isNonNegInt(o))
      return `${String(mop[0])} micro-op offset ${describe(o)} of key ${k} is not an offset`;
  }
  return undefined;
}

/** Jepsen's Kafka workload shapes: micro-op lists (send, poll, txn) and key lists (assign, subscribe). */
function jepsenShapeError(f: string, value: readonly unknown[]): string | undefined {
  if (f === 'assign' || f === 'subscribe') {
    const bad = value.find((k) => !isNonNegInt(k));
    return bad === undefined ? undefined : `${f} keys must be integers >= 0, got ${describe(bad)}`;
  }
  for (const mop of value) {
    const e = microOpError(mop);
    if (e !== undefined) return e;
  }
  return undefined;
}

/** A `{topic, partition}` (and, with `offset`, its offset: required, or int/null in fetch results). */
function groupPartitionError(f: string, x: unknown, offset: 'none' | 'required' | 'nullable'): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return `${f}: ${describe(x)} is not {topic, partition}`;
  const v = x as Record<string, unknown>;
  if (typeof v.topic !== 'string') return `${f}: each partition needs a string "topic"`;
  if (!isNonNegInt(v.partition)) return `${f}: each partition needs an integer "partition" >= 0`;
  if (offset === 'required' && !isNonNegInt(v.offset)) return `${f}: each offset must be an integer >= 0`;
  if (offset === 'nullable' && v.offset !== undefined && v.offset !== null && !isNonNegInt(v.offset)) {
    return `${f}: each offset must be an integer >= 0 or null`;
  }
  if (v.leaderEpoch !== undefined && v.leaderEpoch !== null && !Number.isInteger(v.leaderEpoch)) {
    return `${f}: "leaderEpoch" must be an integer`;
  }
  return undefined;
}

/** Group operations (checkers/history.ts): subscribe, assignment, commit, fetch-offsets, reset-offsets, leave. */
function groupShapeError(f: string, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${f} value must be an object with a "group", got ${describe(value)}`;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.group !== 'string') return `${f} value needs a string "group"`;
  if (v.member !== undefined && typeof v.member !== 'string') return `${f} "member" must be a string`;
  switch (f) {
    case 'subscribe':
      return Array.isArray(v.topics) && v.topics.every((t) => typeof t === 'string')
        ? undefined
        : `subscribe value needs "topics", a list of strings`;
    case 'leave':
      return undefined;
    case 'assignment': {
      if (typeof v.member !== 'string') return `assignment value needs a string "member"`;
      if (!Number.isInteger(v.generation)) return `assignment value needs an integer "generation"`;
      if (!Array.isArray(v.partitions)) return `assignment value needs "partitions", a list of {topic, partition}`;
      for (const x of v.partitions) {
        const e = groupPartitionError(f, x, 'none');
        if (e !== undefined) return e;
      }
      return undefined;
    }
    default: {
      if (f === 'commit' && v.generation !== undefined && !Number.isInteger(v.generation)) {
        return `commit "generation" must be an integer`;
      }
      if (!Array.isArray(v.offsets)) return `${f} value needs "offsets", a list of {topic, partition, offset}`;
      const mode = f === 'fetch-offsets' ? 'nullable' : 'required';
      for (const x of v.offsets) {
        const e = groupPartitionError(f, x, mode);
        if (e !== undefined) return e;
      }
      return undefined;
    }
  }
}

/** Checks the Kafka value shapes; returns an error message or undefined. */
function kafkaShapeError(type: OpType, f: string, value: unknown): string | undefined {
  const jepsen = f === 'send' || f === 'poll' || f === 'txn' || f === 'assign' || f === 'subscribe';
  if (jepsen && Array.isArray(value)) return jepsenShapeError(f, value);
  if (f === 'txn') return `txn value must be a list of micro-ops, got ${describe(value)}`;
  if (GROUP_OPS.has(f)) return groupShapeError(f, value);
  if (f !== 'send' && f !== 'poll' && f !== 'assign') return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return `${f} value must be an object with topic and partition, got ${describe(value)}`;
  }
  const v = value as Record<string, unknown>;
  if (typeof v.topic !== 'string') return `${f} value needs a string "topic"`;
  if (!isNonNegInt(v.partition)) return `${f} value needs an integer "partition" >= 0`;
  if (f === 'send') {
    if (!isRecordValue(v.value)) return `send value needs a string "value", got ${describe(v.value)}`;
    if (v.offset !== undefined && v.offset !== null && !isNonNegInt(v.offset)) {
      return `send "offset" must be an integer >= 0, got ${describe(v.offset)}`;
    }
  } else if (f === 'poll') {
    if (!isNonNegInt(v.offset)) return `poll value needs an integer "offset" >= 0`;
    if (v.maxRecords !== undefined && !(isNonNegInt(v.maxRecords) && v.maxRecords > 0)) {
      return `poll "maxRecords" must be an integer > 0`;
    }
    if (v.records !== undefined) {
      if (!Array.isArray(v.records)) return `poll "records" must be an array of [offset, value]`;
      for (const r of v.records) {
        if (!Array.isArray(r) || r.length !== 2 || !isNonNegInt(r[0]) || !isRecordValue(r[1])) {
          return `poll record ${describe(r)} is not [offset, value]`;
        }
      }
    } else if (type === 'ok') {
      return `an ok poll needs "records" (possibly empty)`;
    }
  } else if (v.offset !== undefined && !isNonNegInt(v.offset)) {
    return `assign "offset" must be an integer >= 0`;
  } else if (v.reset !== undefined && v.reset !== 'earliest' && v.reset !== 'latest' && v.reset !== 'truncation') {
    return `assign "reset" must be "earliest", "latest" or "truncation", got ${describe(v.reset)}`;
  }
  return undefined;
}

/**
 * Validates a draft. `position` becomes the event's index. A missing time defaults to
 * `previousTime` (the previous event's, or 0).
 */
export function toHistoryEvent(
  draft: EventDraft,
  position: number,
  previousTime: number,
  line: number | undefined,
): HistoryEvent {
  if (typeof draft.type !== 'string' || !OP_TYPES.has(draft.type)) {
    throw new HistoryInputError(`"type" must be invoke, ok, fail or info, got ${describe(draft.type)}`, line);
  }
  if (typeof draft.f !== 'string' || draft.f.length === 0) {
    throw new HistoryInputError(`"f" must be a non-empty name, got ${describe(draft.f)}`, line);
  }
  if (!(typeof draft.process === 'string' || (typeof draft.process === 'number' && Number.isFinite(draft.process)))) {
    throw new HistoryInputError(`"process" must be a number or a string, got ${describe(draft.process)}`, line);
  }
  let time = previousTime;
  if (draft.time !== undefined && draft.time !== null) {
    if (typeof draft.time !== 'number' || !Number.isFinite(draft.time)) {
      throw new HistoryInputError(`"time" must be a number, got ${describe(draft.time)}`, line);
    }
    time = draft.time;
  }
  const type = draft.type as OpType;
  const shape = kafkaShapeError(type, draft.f, draft.value);
  if (shape !== undefined) throw new HistoryInputError(shape, line);
  const ev: HistoryEvent = { index: position, time, process: draft.process, type, f: draft.f, value: draft.value };
  if (draft.key !== undefined) ev.key = draft.key;
  if (draft.seekToBeginning === true) ev.seekToBeginning = true;
  if (draft.error !== undefined && draft.error !== null) {
    ev.error = typeof draft.error === 'string' ? draft.error : describe(draft.error);
  }
  return ev;
}

/**
 * A note when recorded times go backwards along the file (Jepsen stamps a completion when
 * its client receives it, so this happens in real histories): the history is accepted and
 * file order is taken as real-time order.
 */
export function timeNote(history: readonly HistoryEvent[], sourceLines?: readonly number[]): string | undefined {
  let latest = -Infinity;
  let count = 0;
  let first = -1;
  for (let i = 0; i < history.length; i++) {
    const t = history[i].time;
    if (t < latest) {
      count++;
      if (first < 0) first = i;
    } else latest = t;
  }
  if (count === 0) return undefined;
  const where = sourceLines?.[first] !== undefined ? `line ${sourceLines[first]}` : `event ${first}`;
  return (
    `time goes backwards at ${count} event(s), first at ${where}: file order is taken as real-time order ` +
    `(Jepsen stamps a completion when its client receives it)`
  );
}
