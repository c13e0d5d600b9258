// --check-determinism: runs a seed twice with every kernel event recorded and message
// contents folded into the hash, and on a difference names the first event that differs
// (DESIGN §2). Both runs happen in the same thread, one after the other, so anything a run
// leaves behind in module state (a counter, a cache, a Math.random call) shows up. The
// comparison itself is the kernel's (harness/determinism.ts).

import { compareRuns, describeEvent, type EventDifference } from '../harness/determinism.ts';
import { runScenario, type RunDeps, type RunOptions, type RunResult } from './run.ts';

export interface DeterminismReport {
  identical: boolean;
  first: RunResult;
  hashes: [string, string];
  eventCounts: [number, number];
  firstDifference?: EventDifference;
  /** One line naming the first difference. */
  explanation?: string;
}

export function checkDeterminism(deps: RunDeps, opts: RunOptions): DeterminismReport {
  const base: RunOptions = { ...opts, recordEvents: true, deepHash: true, trace: false };
  const a = runScenario(deps, base);
  const b = runScenario(deps, base);
  const recorded = (r: RunResult) => ({ hash: () => r.hash, events: r.events ?? [], eventCount: r.eventCount });
  const verdict = compareRuns(recorded(a), recorded(b), opts.seed);
  const report: DeterminismReport = {
    identical: verdict.deterministic,
    first: a,
    hashes: [a.hash, b.hash],
    eventCounts: [a.eventCount, b.eventCount],
  };
  if (!verdict.deterministic) {
    const d = verdict.difference;
    if (d !== undefined) {
      report.firstDifference = d;
      report.explanation =
        `seed ${opts.seed} is not deterministic: recorded event #${d.index} differs — run 1: ` +
        `${describeEvent(d.first)}; run 2: ${describeEvent(d.second)}`;
    } else {
      report.explanation = verdict.message;
    }
  }
  // The event arrays can be large; the caller has what it needs.
  delete a.events;
  return report;
}
