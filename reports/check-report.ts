// The report `npm run check` writes for an external history (DESIGN §6–7): the same page as a
// violation report, with client lanes only (no brokers: the history came from outside the
// simulator), the verdict, and — for a linearizability failure — the longest linearizable
// prefix (numbered in linearization order) and the operation that could not be placed.
//
// Assumes the history follows checkers/history.ts and the verdict checkers/verdict.ts; the
// counterexample's indices are history indices of invokes (completions are accepted too).

import type { History } from '../checkers/history.ts';
import type { Verdict } from '../checkers/verdict.ts';
import { renderReportData } from './html-report.ts';
import { buildCheckData, type CheckMeta } from './report-data.ts';

export type { CheckMeta };

/**
 * One self-contained HTML file for a checked history. The CLI (cli/check.ts) can
 * call it for a `--report PATH` flag:
 *
 *   writeFileSync(path, renderCheckReport(history, verdict, { source: file, model, command }));
 */
export function renderCheckReport(history: History, verdict: Verdict, meta: CheckMeta = {}): string {
  return renderReportData(buildCheckData(history, verdict, meta));
}
