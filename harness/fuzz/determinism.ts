// --check-determinism: runs a seed twice with every kernel event recorded and message
// contents folded into the hash, and on a difference names the first event that differs
// (DESIGN §2). Both runs happen in the same thread, one after the other, so anything a run
// leaves behind in module state (a counter, a cache, a Math.random call) shows up.

import type { KernelTraceEvent } from '../kernel/types.ts';
import { runScenario, type RunDeps, type RunOptions, type RunResult } from '../run.ts';

export interface DeterminismReport {
  identical: boolean;
  first: RunResult;
  hashes: [string, string];
  eventCounts: [number, number];
  /** Index (in recorded order) of the first differing event, and the two events. */
  firstDifference?: { index: number; a: KernelTraceEvent | undefined; b: KernelTraceEvent | undefined };
  /** One line naming the first difference. */
  explanation?: string;
}

export function checkDeterminism(deps: RunDeps, opts: RunOptions): DeterminismReport {
  const base: RunOptions = { ...opts, recordEvents: true, deepHash: true, trace: false };
  const a = runScenario(deps, base);
  const b = runScenario(deps, base);
  const report: DeterminismReport = {
    identical: a.hash === b.hash && a.eventCount === b.eventCount,
    first: a,
    hashes: [a.hash, b.hash],
    eventCounts: [a.eventCount, b.eventCount],
  };
  const ea = a.events ?? [];
  const eb = b.events ?? [];
  const index = firstDifference(ea, eb);
  if (index !== -1) {
    report.identical = false;
    report.firstDifference = { index, a: ea[index], b: eb[index] };
    report.explanation = `seed ${opts.seed} is not deterministic: recorded event #${index} differs — run 1: ${describeEvent(ea[index])}; run 2: ${describeEvent(eb[index])}`;
  } else if (!report.identical) {
    report.explanation = `seed ${opts.seed} is not deterministic: same recorded events but hashes ${a.hash} vs ${b.hash}`;
  }
  // The event arrays can be large; the caller has what it needs.
  delete a.events;
  return report;
}

export function firstDifference(a: readonly KernelTraceEvent[], b: readonly KernelTraceEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x.seq !== y.seq || x.timeUs !== y.timeUs || x.kind !== y.kind || x.node !== y.node || x.from !== y.from || x.label !== y.label || x.detail !== y.detail) {
      return i;
    }
  }
  return a.length === b.length ? -1 : n;
}

export function describeEvent(e: KernelTraceEvent | undefined): string {
  if (e === undefined) return '(no event: the run ended)';
  const detail = e.detail === undefined ? '' : ` ${e.detail.length > 160 ? e.detail.slice(0, 159) + '…' : e.detail}`;
  const who = e.kind === 'deliver' || e.kind === 'drop' ? `${e.from} → ${e.node}` : e.node === -1 ? 'driver' : `node ${e.node}`;
  return `#${e.seq} at ${e.timeUs} µs ${e.kind} ${who} ${e.label}${detail}`;
}
