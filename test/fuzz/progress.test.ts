// The campaign's progress output: a bar redrawn in place on a terminal (seeds, seeds/s,
// violations, ETA), plain lines no more often than asked otherwise, and notes that never
// leave a half-drawn bar behind.

import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration } from '../../campaign/progress.ts';

function sink(tty: boolean) {
  const out = {
    text: '',
    isTTY: tty,
    columns: 100,
    write(s: string) {
      out.text += s;
      return true;
    },
  };
  return out;
}

describe('progress', () => {
  it('draws a bar in place on a terminal, with seeds/s, violations and ETA', () => {
    const s = sink(true);
    const p = createProgress(s as never);
    p.update({ completed: 50, total: 200, failures: 2, events: 1000, elapsedMs: 1000 });
    expect(s.text).toMatch(/^\r\x1b\[2K\[#+-+\] 50\/200 seeds \(25%\)  50\.0 seeds\/s  violations 2  ETA \?$/);
    p.note('shrinking seed 7 (1/1)…');
    expect(s.text.endsWith('\r\x1b[2Kshrinking seed 7 (1/1)…\n')).toBe(true);
    p.done();
  });

  it('prints plain lines on a pipe, at most every plainEveryMs, and the last state at the end', () => {
    const s = sink(false);
    const p = createProgress(s as never, { plainEveryMs: 5000 });
    p.update({ completed: 1, total: 10, failures: 0, events: 10, elapsedMs: 100 });
    p.update({ completed: 2, total: 10, failures: 0, events: 20, elapsedMs: 200 });
    p.update({ completed: 9, total: 10, failures: 1, events: 90, elapsedMs: 6000 });
    p.update({ completed: 10, total: 10, failures: 1, events: 100, elapsedMs: 6100 });
    p.done();
    const lines = s.text.trim().split('\n');
    expect(lines).toEqual([
      'progress: 1/10 seeds (10%)  10.0 seeds/s  violations 0  ETA ?',
      'progress: 9/10 seeds (90%)  1.5 seeds/s  violations 1  ETA 1s',
      'progress: 10/10 seeds (100%)  1.6 seeds/s  violations 1  ETA 0s',
    ]);
    expect(s.text).not.toContain('\x1b');
  });

  it('measures seeds/s and the ETA over the last 20 s, not since a slow start', () => {
    const s = sink(false);
    const p = createProgress(s as never, { plainEveryMs: 1 });
    // 60 s of warm-up at 1 seed/s, then 100 seeds/s for 30 s.
    for (let t = 1; t <= 60; t++)
      p.update({ completed: t, total: 10_000, failures: 0, events: 0, elapsedMs: t * 1000 });
    for (let t = 1; t <= 30; t++)
      p.update({ completed: 60 + t * 100, total: 10_000, failures: 0, events: 0, elapsedMs: 60_000 + t * 1000 });
    const lastLine = s.text.trim().split('\n').at(-1);
    expect(lastLine).toBe('progress: 3060/10000 seeds (30%)  100.0 seeds/s  violations 0  ETA 1m09s');
  });

  it('formats durations', () => {
    expect(formatDuration(5.4)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(7322)).toBe('2h02m');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('?');
  });
});
