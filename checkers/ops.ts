// Pairs a history's events into operations: each `invoke` with the next completion of the
// same process. Assumes Jepsen's discipline (DESIGN §6): a process has at most one operation
// in flight, a completion names the same `f` as its invoke. An operation whose completion is
// `info`, or that never completes, has an unknown outcome (`info`): it may take effect at any
// point after its invoke, or never. Positions are indices into the history array; real-time
// order is the order of events in the history (ties cannot occur), `time` is only reported.

import type { HistoryEvent, History } from './history.ts';
import { HistoryInputError, sourceLineOf } from './errors.ts';

export type Outcome = 'ok' | 'fail' | 'info';

export interface Operation {
  /** Dense, in invoke order. */
  id: number;
  process: number | string;
  f: string;
  /** `info` also when the operation never completed. */
  outcome: Outcome;
  /** Position of the invoke in the history array. */
  invokePos: number;
  /** Position of the completion, -1 when it never completed. */
  completePos: number;
  invoke: HistoryEvent;
  complete: HistoryEvent | undefined;
}

/** Processes that are not clients (Jepsen's nemesis) are skipped. */
export function isClientProcess(process: unknown): boolean {
  return process !== 'nemesis';
}

export function pairOperations(history: History, sourceLines?: readonly number[]): Operation[] {
  const ops: Operation[] = [];
  const inFlight = new Map<number | string, Operation>();
  const where = (pos: number): string => {
    const line = sourceLineOf(sourceLines, pos);
    return line === undefined ? `event ${pos}` : `event ${pos} (line ${line})`;
  };
  for (let pos = 0; pos < history.length; pos++) {
    const ev = history[pos];
    if (!isClientProcess(ev.process)) continue;
    if (ev.type === 'invoke') {
      const prev = inFlight.get(ev.process);
      if (prev !== undefined) {
        throw new HistoryInputError(
          `${where(pos)}: process ${String(ev.process)} invokes ${ev.f} while its ${prev.f} ` +
            `invoked at ${where(prev.invokePos)} has not completed`,
          sourceLineOf(sourceLines, pos),
        );
      }
      const op: Operation = {
        id: ops.length,
        process: ev.process,
        f: ev.f,
        outcome: 'info',
        invokePos: pos,
        completePos: -1,
        invoke: ev,
        complete: undefined,
      };
      ops.push(op);
      inFlight.set(ev.process, op);
    } else {
      const op = inFlight.get(ev.process);
      if (op === undefined) {
        throw new HistoryInputError(
          `${where(pos)}: ${ev.type} ${ev.f} of process ${String(ev.process)} has no invoke`,
          sourceLineOf(sourceLines, pos),
        );
      }
      if (op.f !== ev.f) {
        throw new HistoryInputError(
          `${where(pos)}: completion f=${ev.f} does not match the invoke f=${op.f} at ${where(op.invokePos)}`,
          sourceLineOf(sourceLines, pos),
        );
      }
      op.outcome = ev.type;
      op.completePos = pos;
      op.complete = ev;
      inFlight.delete(ev.process);
    }
  }
  return ops;
}

/** The value an operation reports: the completion's if it completed with one, else the invoke's. */
export function resultValue(op: Operation): unknown {
  return op.complete !== undefined && op.complete.value !== undefined ? op.complete.value : op.invoke.value;
}

/** History `index` of the operation's invoke (what anomalies and counterexamples cite). */
export function opIndex(op: Operation): number {
  return op.invoke.index;
}
