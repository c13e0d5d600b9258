// Reads the JSONL history format of DESIGN §6: one JSON event per line, blank lines allowed.
// Also accepts a JSON array of events and a gregor trace file (its `history`), since those
// are the other JSON shapes a user is likely to hand the checker. Errors name the line.

import type { History } from '../history.ts';
import { HistoryInputError } from '../errors.ts';
import { toHistoryEvent, type EventDraft } from './validate.ts';
import type { RetentionDeletion } from '../retention.ts';
import type { ReadResult } from './types.ts';

function lineOfOffset(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function readJsonl(text: string): ReadResult {
  const history: History = [];
  const sourceLines: number[] = [];
  let previousTime = 0;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line.length === 0) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw new HistoryInputError(`not valid JSON (${(e as Error).message})`, lineNo);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new HistoryInputError('expected one JSON object (an event) per line', lineNo);
    }
    const ev = toHistoryEvent(parsed as EventDraft, history.length, previousTime, lineNo);
    previousTime = ev.time;
    history.push(ev);
    sourceLines.push(lineNo);
  }
  return { history, format: 'jsonl', sourceLines };
}

/** A whole-file JSON document: an array of events, or a gregor trace (`parsed`: already parsed). */
export function readJsonDocument(text: string, parsed?: unknown): ReadResult {
  let doc: unknown = parsed;
  if (doc === undefined) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      const m = /position (\d+)/.exec((e as Error).message);
      const line = m ? lineOfOffset(text, Number(m[1])) : undefined;
      throw new HistoryInputError(`not valid JSON (${(e as Error).message})`, line);
    }
  }
  let events: unknown;
  let format: ReadResult['format'] = 'jsonl';
  let retention: RetentionDeletion[] | undefined;
  if (Array.isArray(doc)) {
    events = doc;
  } else if (typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === 'gregor-trace') {
    events = (doc as { history?: unknown }).history;
    format = 'trace';
    if (!Array.isArray(events)) throw new HistoryInputError('the trace has no "history" array');
    retention = retentionOfTimeline((doc as { timeline?: unknown }).timeline);
  } else {
    throw new HistoryInputError('expected JSON lines, a JSON array of events or a gregor trace', 1);
  }
  const history: History = [];
  let previousTime = 0;
  for (const draft of events as unknown[]) {
    if (typeof draft !== 'object' || draft === null || Array.isArray(draft)) {
      throw new HistoryInputError(`history element ${history.length} is not an event object`);
    }
    try {
      const ev = toHistoryEvent(draft as EventDraft, history.length, previousTime, undefined);
      previousTime = ev.time;
      history.push(ev);
    } catch (e) {
      if (e instanceof HistoryInputError) {
        throw new HistoryInputError(`history element ${history.length}: ${e.message}`);
      }
      throw e;
    }
  }
  return retention === undefined || retention.length === 0 ? { history, format } : { history, format, retention };
}

/** A trace timeline's deletions by retention: `log-start` events that moved up by segment deletion. */
function retentionOfTimeline(timeline: unknown): RetentionDeletion[] {
  const out: RetentionDeletion[] = [];
  if (!Array.isArray(timeline)) return out;
  for (const e of timeline as Array<Record<string, unknown>>) {
    if (e?.kind !== 'log-start' || e.reason !== 'segment-deletion') continue;
    const { topic, partition, from, to, t } = e;
    if (typeof topic !== 'string' || typeof partition !== 'number' || typeof to !== 'number') continue;
    if (typeof t !== 'number' || typeof from !== 'number' || to <= from) continue;
    out.push({ topic, partition, logStartOffset: to, timeUs: t });
  }
  return out;
}
