// The shared history every simulated client appends to (DESIGN §6): one append-only array of
// Jepsen-style events, indices dense from 0, times in virtual µs and non-decreasing. It
// lives outside the actors (the cluster builder owns it), so it survives client crashes.
//
// What must hold, and is asserted on every append: the index is the position; time is a
// non-negative integer not earlier than the previous event's; `type` is one of the four
// op types. Pairing rules (one op in flight per process, at most one completion per invoke)
// are the clients' duty; `historyProblems` checks them after the fact (tests, drivers).

import type { HistoryEvent, OpType } from '../checkers/history.ts';
import type { HistoryRecorder } from './client-api.ts';

const OP_TYPES: ReadonlySet<string> = new Set<OpType>(['invoke', 'ok', 'fail', 'info']);

export function createHistoryRecorder(): HistoryRecorder {
  const events: HistoryEvent[] = [];
  let lastTime = 0;
  return {
    events,
    record(event: Omit<HistoryEvent, 'index'>): HistoryEvent {
      if (!Number.isInteger(event.time) || event.time < 0) {
        throw new Error(`history: time must be a non-negative integer µs, got ${event.time}`);
      }
      if (event.time < lastTime) {
        throw new Error(`history: time ${event.time} is earlier than the previous event's ${lastTime}`);
      }
      if (!OP_TYPES.has(event.type)) throw new Error(`history: unknown op type ${String(event.type)}`);
      lastTime = event.time;
      const full: HistoryEvent = {
        index: events.length,
        time: event.time,
        process: event.process,
        type: event.type,
        f: event.f,
        value: event.value,
      };
      if (event.key !== undefined) full.key = event.key;
      if (event.error !== undefined) full.error = event.error;
      if (event.topic !== undefined) full.topic = event.topic;
      if (event.producerId !== undefined) full.producerId = event.producerId;
      if (event.producerEpoch !== undefined) full.producerEpoch = event.producerEpoch;
      events.push(full);
      return full;
    },
  };
}

/**
 * Well-formedness problems of a history, as sentences (empty = well formed): indices dense,
 * times non-decreasing, every completion answers an invoke of the same process and `f`, at
 * most one operation in flight per process.
 */
export function historyProblems(events: readonly HistoryEvent[]): string[] {
  const problems: string[] = [];
  const open = new Map<number | string, HistoryEvent>();
  let lastTime = -Infinity;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.index !== i) problems.push(`event at position ${i} has index ${ev.index}`);
    if (ev.time < lastTime) problems.push(`event ${i} goes back in time (${ev.time} < ${lastTime})`);
    lastTime = ev.time;
    const pending = open.get(ev.process);
    if (ev.type === 'invoke') {
      if (pending !== undefined) {
        problems.push(
          `event ${i}: process ${String(ev.process)} invokes ${ev.f} while ${pending.f} (event ${pending.index}) is ` +
            `in flight`,
        );
      }
      open.set(ev.process, ev);
    } else {
      if (pending === undefined) {
        problems.push(`event ${i}: ${ev.type} ${ev.f} of process ${String(ev.process)} completes nothing`);
      } else if (pending.f !== ev.f) {
        problems.push(`event ${i}: ${ev.type} ${ev.f} completes a ${pending.f} (event ${pending.index})`);
      }
      open.delete(ev.process);
    }
  }
  return problems;
}
