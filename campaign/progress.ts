// Campaign progress on stderr: a one-line bar redrawn in place on a terminal (seeds/s,
// violations so far, ETA), plain lines at most every few seconds otherwise (CI logs).
// Seeds/s and the ETA use the last RATE_WINDOW_MS only: the first seconds (worker threads
// loading the model) would otherwise make the ETA of a long campaign hours too long for
// minutes. Before WARMUP_MS the ETA is '?'.

import type { CampaignProgress } from './campaign.ts';

export interface ProgressReporter {
  update(p: CampaignProgress): void;
  note(line: string): void;
  done(): void;
}

const RATE_WINDOW_MS = 20_000;
const WARMUP_MS = 2_000;

export function createProgress(
  stream: NodeJS.WriteStream,
  opts: { tty?: boolean; plainEveryMs?: number } = {},
): ProgressReporter {
  const tty = opts.tty ?? stream.isTTY === true;
  const plainEveryMs = opts.plainEveryMs ?? 5000;
  let lastDrawMs = -Infinity;
  let drawn = false;
  let last: CampaignProgress | undefined;
  let lastRate = 0;
  let lastPrinted: CampaignProgress | undefined;
  /** (elapsed, completed) samples of the last RATE_WINDOW_MS, oldest first; the start is the first. */
  const samples: Array<{ ms: number; completed: number }> = [{ ms: 0, completed: 0 }];

  const recentRate = (p: CampaignProgress): number => {
    samples.push({ ms: p.elapsedMs, completed: p.completed });
    while (samples.length > 2 && samples[1].ms <= p.elapsedMs - RATE_WINDOW_MS) samples.shift();
    const base = samples[0];
    const secs = (p.elapsedMs - base.ms) / 1000;
    return secs > 0 ? (p.completed - base.completed) / secs : 0;
  };

  const line = (p: CampaignProgress, rate: number): string => {
    const left = p.total - p.completed;
    const eta =
      left === 0 ? formatDuration(0) : rate > 0 && p.elapsedMs >= WARMUP_MS ? formatDuration(left / rate) : '?';
    const pct = p.total > 0 ? Math.floor((100 * p.completed) / p.total) : 100;
    return (
      `${p.completed}/${p.total} seeds (${pct}%)  ${rate.toFixed(1)} seeds/s  violations ${p.failures}  ETA ` + `${eta}`
    );
  };

  return {
    update(p) {
      last = p;
      lastRate = recentRate(p);
      const now = p.elapsedMs;
      if (tty) {
        if (now - lastDrawMs < 100 && p.completed < p.total) return;
        lastDrawMs = now;
        const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 70));
        const filled = p.total > 0 ? Math.round((width * p.completed) / p.total) : width;
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${line(p, lastRate)}`);
        drawn = true;
      } else if (now - lastDrawMs >= plainEveryMs) {
        lastDrawMs = now;
        lastPrinted = p;
        stream.write(`progress: ${line(p, lastRate)}\n`);
      }
    },
    note(text) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      stream.write(text + '\n');
      drawn = false;
    },
    done() {
      if (tty && drawn) stream.write('\n');
      else if (!tty && last !== undefined && last !== lastPrinted) {
        lastPrinted = last;
        stream.write(`progress: ${line(last, lastRate)}\n`);
      }
      drawn = false;
    },
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
