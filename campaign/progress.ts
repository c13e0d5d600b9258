// Campaign progress on stderr: a one-line bar redrawn in place on a terminal (seeds/s,
// violations so far, ETA), plain lines at most every few seconds otherwise (CI logs).

import type { CampaignProgress } from './campaign.ts';

export interface ProgressReporter {
  update(p: CampaignProgress): void;
  note(line: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream, opts: { tty?: boolean; plainEveryMs?: number } = {}): ProgressReporter {
  const tty = opts.tty ?? stream.isTTY === true;
  const plainEveryMs = opts.plainEveryMs ?? 5000;
  let lastDrawMs = -Infinity;
  let drawn = false;
  let last: CampaignProgress | undefined;
  let lastPrinted: CampaignProgress | undefined;

  const line = (p: CampaignProgress): string => {
    const secs = p.elapsedMs / 1000;
    const rate = secs > 0 ? p.completed / secs : 0;
    const left = p.total - p.completed;
    const eta = rate > 0 ? formatDuration(left / rate) : '?';
    const pct = p.total > 0 ? Math.floor((100 * p.completed) / p.total) : 100;
    return `${p.completed}/${p.total} seeds (${pct}%)  ${rate.toFixed(1)} seeds/s  violations ${p.failures}  ETA ${eta}`;
  };

  return {
    update(p) {
      last = p;
      const now = p.elapsedMs;
      if (tty) {
        if (now - lastDrawMs < 100 && p.completed < p.total) return;
        lastDrawMs = now;
        const width = Math.max(10, Math.min(30, (stream.columns ?? 80) - 70));
        const filled = p.total > 0 ? Math.round((width * p.completed) / p.total) : width;
        stream.write(`\r\x1b[2K[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${line(p)}`);
        drawn = true;
      } else if (now - lastDrawMs >= plainEveryMs) {
        lastDrawMs = now;
        lastPrinted = p;
        stream.write(`progress: ${line(p)}\n`);
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
        stream.write(`progress: ${line(last)}\n`);
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
