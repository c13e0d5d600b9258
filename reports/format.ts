// Small text helpers shared by every report renderer (HTML, campaign index, terminal).
// Assumes times are virtual microseconds (DESIGN §3) and that any string may come from a
// hostile history: nothing here produces markup; callers escape for their medium.

/** "850 µs", "12.400 ms", "4.050000 s": short, exact to the microsecond at every scale. */
export function formatTimeUs(timeUs: number): string {
  if (!Number.isFinite(timeUs)) return String(timeUs);
  const abs = Math.abs(timeUs);
  if (abs < 1000) return `${timeUs} µs`;
  if (abs < 1_000_000) return `${(timeUs / 1000).toFixed(3)} ms`;
  return `${(timeUs / 1_000_000).toFixed(6)} s`;
}

/** Cuts a string to at most maxChars code points, marking the cut with an ellipsis. */
export function clip(text: string, maxChars: number): string {
  const chars = Array.from(text);
  if (chars.length <= maxChars) return text;
  return chars.slice(0, Math.max(0, maxChars - 1)).join('') + '…';
}

/** A value as a person reads it: strings quoted, everything else as compact JSON. */
export function showValue(value: unknown, maxChars = 80): string {
  if (typeof value === 'string') return clip(JSON.stringify(value), maxChars);
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return clip(text, maxChars);
}

/** "t-0": Kafka's directory name for a topic partition. */
export function tpName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Stable key of a history process (numbers and strings never collide). */
export function processKey(process: number | string): string {
  return typeof process === 'number' ? `n:${process}` : `s:${process}`;
}

/** Sorts process ids: numbers ascending first, then strings. */
export function compareProcesses(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
