// Reads Jepsen EDN histories: one map per line (history.edn, Porcupine's kv files), or one
// vector (or list) of maps. Parsing of each map is done by the `edn-data` library; this
// module only finds where each top-level map starts and ends, with its line, so an error
// names the line. Keywords become strings (`:ok` → "ok"), nil → null, `:time` is Jepsen's
// nanoseconds and becomes microseconds. Nemesis operations (process :nemesis) are dropped:
// they are fault injections, not client operations. A tagged map (`#jepsen.history.Op{...}`)
// is read as the plain map.

import { parseEDNString } from 'edn-data';
import type { History } from '../history.ts';
import { HistoryInputError } from '../errors.ts';
import { toHistoryEvent, type EventDraft } from './validate.ts';
import type { ReadResult } from './types.ts';

interface Span {
  start: number;
  end: number;
  line: number;
}

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
const CLOSE = new Set(['}', ']', ')']);

function isDelimiter(c: string): boolean {
  return (
    c === ' ' ||
    c === '\t' ||
    c === '\n' ||
    c === '\r' ||
    c === ',' ||
    c === '"' ||
    c === ';' ||
    c in OPEN ||
    CLOSE.has(c)
  );
}

/** Splits text[from, to) into top-level EDN forms, tracking lines. */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the scanner's closures share one cursor
function scanForms(text: string, from: number, to: number, firstLine: number): Span[] {
  let i = from;
  let line = firstLine;
  const spans: Span[] = [];

  const skipString = (): void => {
    // at the opening quote
    const openLine = line;
    i++;
    while (i < to) {
      const c = text[i];
      if (c === '\\') {
        i += 2;
        continue;
      }
      if (c === '\n') line++;
      i++;
      if (c === '"') return;
    }
    throw new HistoryInputError('unterminated string', openLine);
  };

  const skipAtom = (): void => {
    if (text[i] === '\\') i += 2; // character literal such as \{ or \a
    while (i < to && !isDelimiter(text[i])) i++;
  };

  const skipSpace = (): void => {
    while (i < to) {
      const c = text[i];
      if (c === '\n') {
        line++;
        i++;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === ',') {
        i++;
      } else if (c === ';') {
        while (i < to && text[i] !== '\n') i++;
      } else {
        return;
      }
    }
  };

  const skipForm = (): void => {
    const c = text[i];
    if (c === '#') {
      const next = text[i + 1];
      if (next === '{') {
        i++;
        skipForm();
        return;
      }
      if (next === '_') {
        i += 2;
        skipSpace();
        skipForm();
        return;
      }
      // tagged literal: #tag form
      i++;
      skipAtom();
      skipSpace();
      if (i >= to) throw new HistoryInputError('tag without a value', line);
      skipForm();
      return;
    }
    if (c === '"') {
      skipString();
      return;
    }
    if (CLOSE.has(c)) throw new HistoryInputError(`unexpected '${c}'`, line);
    if (!(c in OPEN)) {
      skipAtom();
      return;
    }
    const stack: Array<{ close: string; line: number }> = [{ close: OPEN[c], line }];
    i++;
    while (stack.length > 0) {
      if (i >= to) {
        const top = stack[stack.length - 1];
        throw new HistoryInputError(`'${top.close}' missing: the form opened here is never closed`, top.line);
      }
      const d = text[i];
      if (d === '\n') {
        line++;
        i++;
      } else if (d === '"') {
        skipString();
      } else if (d === ';') {
        while (i < to && text[i] !== '\n') i++;
      } else if (d === '\\') {
        i += 2;
      } else if (d in OPEN) {
        stack.push({ close: OPEN[d], line });
        i++;
      } else if (CLOSE.has(d)) {
        const top = stack.pop()!;
        if (d !== top.close) {
          throw new HistoryInputError(
            `'${d}' closes a form opened at line ${top.line} that needs '${top.close}'`,
            line,
          );
        }
        i++;
      } else {
        i++;
      }
    }
  };

  for (;;) {
    skipSpace();
    if (i >= to) break;
    if (text[i] === '#' && text[i + 1] === '_') {
      i += 2;
      skipSpace();
      if (i < to) skipForm();
      continue;
    }
    const start = i;
    const startLine = line;
    skipForm();
    spans.push({ start, end: i, line: startLine });
  }
  return spans;
}

function stripTag(text: string): string {
  // "#jepsen.history.Op{...}" → "{...}"
  if (text[0] === '#' && text[1] !== '{') {
    const brace = text.indexOf('{');
    if (brace > 0) return text.slice(brace);
  }
  return text;
}

function parseMap(text: string, line: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseEDNString(stripTag(text), {
      mapAs: 'object',
      keywordAs: 'string',
      listAs: 'array',
      setAs: 'array',
      symbolAs: 'string',
      charAs: 'string',
    });
  } catch (e) {
    throw new HistoryInputError(`not valid EDN (${(e as Error).message})`, line);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed instanceof Date) {
    throw new HistoryInputError('expected an EDN map {:process .. :type .. :f .. :value ..}', line);
  }
  return parsed as Record<string, unknown>;
}

export function readEdn(text: string): ReadResult {
  let spans = scanForms(text, 0, text.length, 1);
  if (spans.length === 1 && (text[spans[0].start] === '[' || text[spans[0].start] === '(')) {
    const outer = spans[0];
    spans = scanForms(text, outer.start + 1, outer.end - 1, outer.line);
  }
  const history: History = [];
  const sourceLines: number[] = [];
  let previousTime = 0;
  for (const span of spans) {
    const m = parseMap(text.slice(span.start, span.end), span.line);
    if (m.process === 'nemesis') continue;
    const draft: EventDraft = {
      process: m.process,
      type: m.type,
      f: m.f,
      value: m.value === undefined ? null : m.value,
      key: m.key,
      error: m.error,
      seekToBeginning: m['seek-to-beginning?'],
    };
    if (typeof m.time === 'number') draft.time = Math.floor(m.time / 1000);
    else if (m.time !== undefined && m.time !== null) draft.time = m.time;
    const ev = toHistoryEvent(draft, history.length, previousTime, span.line);
    previousTime = ev.time;
    history.push(ev);
    sourceLines.push(span.line);
  }
  return { history, format: 'edn', sourceLines };
}
