// Reads the etcd log format of Porcupine's Jepsen corpus (../shared/corpus/porcupine/jepsen):
// one event per line, `INFO  jepsen.util - <process> <type> <f> <value>` separated by tabs or
// spaces, for a single compare-and-set register that starts empty (nil). Per the corpus
// README:
//   :invoke :read nil | :write N | :cas [A B]      → invoke
//   :ok :read nil|N | :write N | :cas [A B]        → ok (the cas swapped)
//   :fail :cas [A B]                               → the cas happened and its comparison
//       failed: recorded `fail` with error "compare-failed", which the register models treat
//       as "returned false" (the register did not hold A at that instant), unlike a plain
//       Jepsen `fail` (did not happen)
//   :fail :read :timed-out                         → info (outcome unknown; a read has no effect)
//   :info :write|:cas :timed-out                   → info, carrying the invoke's value
//   an invoke with no return line                  → stays uncompleted (unknown outcome)
// There are no timestamps; an event's time is its 0-based line position. Any other line is an
// error naming the line.

import type { History, HistoryEvent } from '../history.ts';
import { HistoryInputError } from '../errors.ts';
import type { ReadResult } from './types.ts';

export const COMPARE_FAILED = 'compare-failed';

const LINE_RE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:(read|write|cas)\s+(.*?)\s*$/;

function parseValue(raw: string, line: number): unknown {
  if (raw === 'nil') return null;
  if (/^-?\d+$/.test(raw)) return Number(raw);
  const cas = /^\[\s*(-?\d+|nil)\s+(-?\d+|nil)\s*\]$/.exec(raw);
  if (cas) return [cas[1] === 'nil' ? null : Number(cas[1]), cas[2] === 'nil' ? null : Number(cas[2])];
  if (raw === ':timed-out') return ':timed-out';
  throw new HistoryInputError(`cannot read the value "${raw}"`, line);
}

export function isEtcdLogLine(line: string): boolean {
  return /^INFO\s+jepsen\.util\s+-\s/.test(line);
}

export function readEtcdLog(text: string): ReadResult {
  const history: History = [];
  const sourceLines: number[] = [];
  const lastInvoke = new Map<number, HistoryEvent>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i].replace(/\r$/, '');
    if (raw.trim().length === 0) continue;
    const m = LINE_RE.exec(raw);
    if (!m) {
      throw new HistoryInputError(
        `expected "INFO jepsen.util - <process> :invoke|:ok|:fail|:info :read|:write|:cas <value>", got ` +
          `"${raw.slice(0, 80)}"`,
        lineNo,
      );
    }
    const process = Number(m[1]);
    const kind = m[2];
    const f = m[3];
    const value = parseValue(m[4], lineNo);
    const position = history.length;
    const ev: HistoryEvent = { index: position, time: i, process, type: 'invoke', f, value };
    const shapeOk =
      value === ':timed-out'
        ? kind !== 'invoke' && kind !== 'ok'
        : f === 'cas'
          ? Array.isArray(value)
          : f === 'write'
            ? typeof value === 'number'
            : kind === 'ok' || kind === 'invoke'
              ? value === null || typeof value === 'number'
              : false;
    if (!shapeOk || (f === 'read' && kind === 'invoke' && value !== null)) {
      throw new HistoryInputError(`:${kind} :${f} cannot carry the value ${m[4]}`, lineNo);
    }
    switch (kind) {
      case 'invoke':
        lastInvoke.set(process, ev);
        break;
      case 'ok':
        ev.type = 'ok';
        break;
      case 'fail':
        if (f === 'cas') {
          ev.type = 'fail';
          ev.error = COMPARE_FAILED;
        } else if (f === 'read' && value === ':timed-out') {
          ev.type = 'info';
          ev.value = null;
          ev.error = 'timed-out';
        } else {
          throw new HistoryInputError(`:fail :${f} ${m[4]} is not part of this format`, lineNo);
        }
        break;
      case 'info': {
        ev.type = 'info';
        ev.error = value === ':timed-out' ? 'timed-out' : undefined;
        const inv = lastInvoke.get(process);
        ev.value = value === ':timed-out' ? (inv !== undefined && inv.f === f ? inv.value : null) : value;
        if (ev.error === undefined) delete ev.error;
        break;
      }
    }
    history.push(ev);
    sourceLines.push(lineNo);
  }
  return { history, format: 'etcd-log', sourceLines };
}
