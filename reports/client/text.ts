// Text the report page shows: quoted values, times and durations. Pure functions; times are
// virtual microseconds.

export { formatTimeUs as fmtTime } from '../format.ts';

/** A value as JSON, cut to maxChars with an ellipsis inside the quotes. */
export function quote(value: string, maxChars = 60): string {
  const q = JSON.stringify(value);
  return q.length > maxChars ? `${q.slice(0, maxChars - 2)}…"` : q;
}

/** A duration, shorter than a time: "850 µs", "12.4 ms", "1.250 s". */
export function fmtDur(us: number): string {
  const a = Math.abs(us);
  if (a < 1000) return `${us} µs`;
  if (a < 1e6) return `${(us / 1000).toFixed(a < 1e4 ? 3 : 1)} ms`;
  return `${(us / 1e6).toFixed(3)} s`;
}

/** 1, 2 or 5 times a power of ten, at least x: the spacing of axis ticks. */
export function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** An axis tick label for absolute time t, with as many digits as the tick spacing needs. */
export function tickLabel(t: number, stepUs: number): string {
  if (stepUs >= 1e6) return `${(t / 1e6).toFixed(0)} s`;
  if (stepUs >= 1e5) return `${(t / 1e6).toFixed(1)} s`;
  if (stepUs >= 1e4) return `${(t / 1e6).toFixed(2)} s`;
  if (stepUs >= 1e3) return `${(t / 1e3).toFixed(0)} ms`;
  if (stepUs >= 1e2) return `${(t / 1e3).toFixed(1)} ms`;
  return `${t.toFixed(0)} µs`;
}
