// Turns one decoded record (from JSON or EDN) into a HistoryEvent, or says precisely what is
// wrong with it. Every reader funnels through here, so JSONL and EDN histories obey the same
// rules: `type` is invoke|ok|fail|info, `f` a name, `process` a number or string, `time` a
// number that never decreases, and the Kafka operations (send, poll, assign) carry the value
// shapes of checkers/history.ts. Events are re-indexed densely in file order.

import type { HistoryEvent, OpType } from '../history.ts';
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

/** Checks the Kafka value shapes; returns an error message or undefined. */
function kafkaShapeError(type: OpType, f: string, value: unknown): string | undefined {
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
  }
  return undefined;
}

/**
 * Validates a draft. `position` becomes the event's index; `previousTime` enforces
 * non-decreasing time. A missing time defaults to the previous time (or 0).
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
    if (draft.time < previousTime) {
      throw new HistoryInputError(`time ${draft.time} is before the previous event's time ${previousTime}`, line);
    }
    time = draft.time;
  }
  const type = draft.type as OpType;
  const shape = kafkaShapeError(type, draft.f, draft.value);
  if (shape !== undefined) throw new HistoryInputError(shape, line);
  const ev: HistoryEvent = { index: position, time, process: draft.process, type, f: draft.f, value: draft.value };
  if (draft.key !== undefined) ev.key = draft.key;
  if (draft.error !== undefined && draft.error !== null) {
    ev.error = typeof draft.error === 'string' ? draft.error : describe(draft.error);
  }
  return ev;
}
