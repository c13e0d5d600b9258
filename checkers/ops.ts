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

/** Operations as positions only (no objects): what large histories are checked from. */
export interface PairedPositions {
  /** History position of op i's invoke, increasing with i. */
  invokePos: Int32Array;
  /** History position of op i's completion, -1 when it never completed. */
  completePos: Int32Array;
  /** Op i's outcome: OUTCOME_OK, OUTCOME_FAIL or OUTCOME_INFO (also for no completion). */
  outcome: Int8Array;
  count: number;
}

export const OUTCOME_OK = 1;
export const OUTCOME_FAIL = 2;
export const OUTCOME_INFO = 3;

export function pairPositions(history: History, sourceLines?: readonly number[]): PairedPositions {
  // At most one operation per event: sized to the history (9 bytes an event, far below the events
  // themselves) rather than counted in a pass of its own, the views trimmed to the operations found.
  const invokePos = new Int32Array(history.length);
  const completePos = new Int32Array(history.length);
  const outcome = new Int8Array(history.length);
  let count = 0;
  // process → slot, assigned once (no deletes: V8 Maps degrade under set/delete churn);
  // small non-negative integer processes go through an array
  const small = Math.min(1 << 20, 2 * history.length + 1024);
  const smallSlot = new Int32Array(small).fill(-1);
  const slotOf = new Map<number | string, number>();
  let inFlight = new Int32Array(64).fill(-1);
  let slots = 0;
  const where = (pos: number): string => {
    const line = sourceLineOf(sourceLines, pos);
    return line === undefined ? `event ${pos}` : `event ${pos} (line ${line})`;
  };
  for (let pos = 0; pos < history.length; pos++) {
    const ev = history[pos];
    const process = ev.process;
    const isSmall = typeof process === 'number' && process >= 0 && process < small && (process | 0) === process;
    let k: number;
    if (isSmall) k = smallSlot[process];
    else if (!isClientProcess(process)) continue;
    else k = slotOf.get(process) ?? -1;
    if (k < 0) {
      k = slots++;
      if (isSmall) smallSlot[process as number] = k;
      else slotOf.set(process, k);
      if (k === inFlight.length) {
        const f2 = new Int32Array(k * 2).fill(-1);
        f2.set(inFlight);
        inFlight = f2;
      }
    }
    const cur = inFlight[k];
    if (ev.type === 'invoke') {
      if (cur >= 0) {
        const prev = history[invokePos[cur]];
        throw new HistoryInputError(
          `${where(pos)}: process ${String(ev.process)} invokes ${ev.f} while its ${prev.f} ` +
            `invoked at ${where(invokePos[cur])} has not completed`,
          sourceLineOf(sourceLines, pos),
        );
      }
      invokePos[count] = pos;
      completePos[count] = -1;
      outcome[count] = OUTCOME_INFO;
      inFlight[k] = count++;
    } else {
      if (cur < 0) {
        throw new HistoryInputError(
          `${where(pos)}: ${ev.type} ${ev.f} of process ${String(ev.process)} has no invoke`,
          sourceLineOf(sourceLines, pos),
        );
      }
      const inv = history[invokePos[cur]];
      if (inv.f !== ev.f) {
        throw new HistoryInputError(
          `${where(pos)}: completion f=${ev.f} does not match the invoke f=${inv.f} at ${where(invokePos[cur])}`,
          sourceLineOf(sourceLines, pos),
        );
      }
      completePos[cur] = pos;
      outcome[cur] = ev.type === 'ok' ? OUTCOME_OK : ev.type === 'fail' ? OUTCOME_FAIL : OUTCOME_INFO;
      inFlight[k] = -1;
    }
  }
  return {
    invokePos: invokePos.subarray(0, count),
    completePos: completePos.subarray(0, count),
    outcome: outcome.subarray(0, count),
    count,
  };
}

/** The Operation object of op i of a pairing. */
export function operationAt(history: History, paired: PairedPositions, i: number, id: number = i): Operation {
  const ip = paired.invokePos[i];
  const cp = paired.completePos[i];
  const invoke = history[ip];
  const complete = cp >= 0 ? history[cp] : undefined;
  return {
    id,
    process: invoke.process,
    f: invoke.f,
    outcome: complete === undefined || complete.type === 'invoke' ? 'info' : complete.type,
    invokePos: ip,
    completePos: cp,
    invoke,
    complete,
  };
}

export function pairOperations(history: History, sourceLines?: readonly number[]): Operation[] {
  const paired = pairPositions(history, sourceLines);
  const ops = new Array<Operation>(paired.count);
  for (let i = 0; i < paired.count; i++) ops[i] = operationAt(history, paired, i);
  return ops;
}
