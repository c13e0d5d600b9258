// One entry point for every history format: guesses the format from the content (never from
// the file name) and dispatches to the reader. Guessing looks at the first non-blank text:
//   INFO  jepsen.util - ...          → etcd-log
//   {"...  or  [{"...                → JSON (lines, array, or a gregor trace; a first line
//                                       that is a whole JSON object with "format":
//                                       "gregor-trace" is a trace written on one line)
//   {:...  or  [{:...  or  ;comment  → EDN
// Empty (or blank) input is an empty history in any format.

import { HistoryInputError } from '../errors.ts';
import { readEdn } from './edn.ts';
import { isEtcdLogLine, readEtcdLog } from './etcd-log.ts';
import { readJsonDocument, readJsonl } from './jsonl.ts';
import type { HistoryFormat, ReadResult } from './types.ts';
import { TRACE_FORMAT } from '../trace.ts';
import { timeNote } from './validate.ts';

export type { HistoryFormat, ReadResult } from './types.ts';
export { readEdn } from './edn.ts';
export { readEtcdLog, COMPARE_FAILED } from './etcd-log.ts';
export { readJsonl } from './jsonl.ts';

export const FORMATS: readonly HistoryFormat[] = ['jsonl', 'edn', 'etcd-log', 'trace'];

function firstNonSpace(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 44 /* , */) i++;
    else break;
  }
  return i;
}

/** The format the text looks like, or undefined for blank text. Throws when it cannot tell. */
export function detectFormat(text: string): HistoryFormat | undefined {
  return sniff(text).format;
}

interface Sniffed {
  format: HistoryFormat | undefined;
  /** The parsed document when telling the format required parsing it all (a one-line trace). */
  doc?: unknown;
}

/** A gregor trace written on one line: its first line is the whole document. */
function oneLineTrace(firstLine: string): Sniffed | undefined {
  const doc: unknown = JSON.parse(firstLine);
  const isTrace = typeof doc === 'object' && doc !== null && (doc as { format?: unknown }).format === TRACE_FORMAT;
  return isTrace ? { format: 'trace', doc } : undefined;
}

function sniff(text: string): Sniffed {
  const i = firstNonSpace(text, 0);
  if (i >= text.length) return { format: undefined };
  const c = text[i];
  const lineEnd = text.indexOf('\n', i);
  const firstLine = text.slice(i, lineEnd < 0 ? text.length : lineEnd);
  if (isEtcdLogLine(firstLine)) return { format: 'etcd-log' };
  if (c === ';') return { format: 'edn' };
  if (c === '{' || c === '[' || c === '(' || c === '#') {
    let j = i;
    // look through the opening brackets to the first token inside
    while (j < text.length && (text[j] === '[' || text[j] === '(' || text[j] === '{' || text[j] === '#')) {
      j = firstNonSpace(text, j + 1);
      if (text[j - 1] === '#') break;
    }
    const d = text[j];
    if (d === '"') {
      if (c === '[') return { format: 'jsonl' };
      // one object per line, a trace on one line, or one multi-line document (a trace)?
      try {
        return oneLineTrace(firstLine) ?? { format: 'jsonl' };
      } catch {
        // a complete-looking first line is a broken JSONL event (the reader names the line)
        return { format: firstLine.trimEnd().endsWith('}') ? 'jsonl' : 'trace' };
      }
    }
    if (d === ':' || c === '#' || c === '(') return { format: 'edn' };
    if (d === ']' || d === '}') return { format: c === '[' ? 'jsonl' : 'edn' };
  }
  throw new HistoryInputError(
    `cannot tell the history format from its first line "${firstLine.slice(0, 60)}"; pass --format jsonl|edn|etcd-log`,
    text.slice(0, i).split('\n').length,
  );
}

/** Reads a history; `format` overrides the guess. */
export function readHistory(text: string, format?: HistoryFormat): ReadResult {
  const read = readAs(text, format);
  const note = timeNote(read.history, read.sourceLines);
  if (note !== undefined) read.notes = [...(read.notes ?? []), note];
  return read;
}

function readAs(text: string, format: HistoryFormat | undefined): ReadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const sniffed: Sniffed = format !== undefined ? { format } : sniff(body);
  const chosen = sniffed.format;
  if (chosen === undefined) return { history: [], format: 'jsonl', sourceLines: [] };
  switch (chosen) {
    case 'jsonl': {
      const i = firstNonSpace(body, 0);
      return body[i] === '[' ? readJsonDocument(body) : readJsonl(body);
    }
    case 'trace':
      return readJsonDocument(body, sniffed.doc);
    case 'edn':
      return readEdn(body);
    case 'etcd-log':
      return readEtcdLog(body);
  }
}
