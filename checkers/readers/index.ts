// One entry point for every history format: guesses the format from the content (never from
// the file name) and dispatches to the reader. Guessing looks at the first non-blank text:
//   INFO  jepsen.util - ...          → etcd-log
//   {"...  or  [{"...                → JSON (lines, array, or a gregor trace)
//   {:...  or  [{:...  or  ;comment  → EDN
// Empty (or blank) input is an empty history in any format.

import { HistoryInputError } from '../errors.ts';
import { readEdn } from './edn.ts';
import { isEtcdLogLine, readEtcdLog } from './etcd-log.ts';
import { readJsonDocument, readJsonl } from './jsonl.ts';
import type { HistoryFormat, ReadResult } from './types.ts';

export type { HistoryFormat, ReadResult } from './types.ts';
export { readEdn } from './edn.ts';
export { readEtcdLog, COMPARE_FAILED } from './etcd-log.ts';
export { readJsonl, readJsonDocument } from './jsonl.ts';

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
  const i = firstNonSpace(text, 0);
  if (i >= text.length) return undefined;
  const c = text[i];
  const lineEnd = text.indexOf('\n', i);
  const firstLine = text.slice(i, lineEnd < 0 ? text.length : lineEnd);
  if (isEtcdLogLine(firstLine)) return 'etcd-log';
  if (c === ';') return 'edn';
  if (c === '{' || c === '[' || c === '(' || c === '#') {
    let j = i;
    // look through the opening brackets to the first token inside
    while (j < text.length && (text[j] === '[' || text[j] === '(' || text[j] === '{' || text[j] === '#')) {
      j = firstNonSpace(text, j + 1);
      if (text[j - 1] === '#') break;
    }
    const d = text[j];
    if (d === '"') {
      if (c === '[') return 'jsonl';
      // one object per line, or one multi-line document (a trace)?
      try {
        JSON.parse(firstLine);
        return 'jsonl';
      } catch {
        // a complete-looking first line is a broken JSONL event (the reader names the line)
        return firstLine.trimEnd().endsWith('}') ? 'jsonl' : 'trace';
      }
    }
    if (d === ':' || c === '#' || c === '(') return 'edn';
    if (d === ']' || d === '}') return c === '[' ? 'jsonl' : 'edn';
  }
  throw new HistoryInputError(
    `cannot tell the history format from its first line "${firstLine.slice(0, 60)}"; pass --format jsonl|edn|etcd-log`,
    text.slice(0, i).split('\n').length,
  );
}

/** Reads a history; `format` overrides the guess. */
export function readHistory(text: string, format?: HistoryFormat): ReadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const chosen = format ?? detectFormat(body);
  if (chosen === undefined) return { history: [], format: 'jsonl', sourceLines: [] };
  switch (chosen) {
    case 'jsonl': {
      const i = firstNonSpace(body, 0);
      return body[i] === '[' ? readJsonDocument(body) : readJsonl(body);
    }
    case 'trace':
      return readJsonDocument(body);
    case 'edn':
      return readEdn(body);
    case 'etcd-log':
      return readEtcdLog(body);
  }
}
