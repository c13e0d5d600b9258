// A few lines for a terminal (the fuzz, replay and check CLIs print them): the verdict, the
// anomaly in one sentence, the lost record's fate, the command that reproduces the run and
// where the report is. Values come from histories and may be hostile: every control
// character (C0, DEL, C1 such as CSI, and bidi overrides) is shown as a \u escape, so a
// record value cannot move the cursor, recolour the terminal or reorder the line.

import type { Trace } from '../checkers/trace.ts';
import type { PromiseBreach, Verdict } from '../checkers/verdict.ts';
import { pairOperations } from './operations.ts';
import { buildReplicaLogs, sortTimeline } from './replica-logs.ts';
import { buildStory, primaryAnomaly } from './story.ts';

export interface SummaryOptions {
  /** ANSI colours (default false). */
  color?: boolean;
  /** Path of the HTML report, printed when given. */
  reportPath?: string;
  /** Path of the trace file, printed when given. */
  tracePath?: string;
}

/** Escapes terminal control characters (keeps ordinary text, including non-ASCII). */
export function terminalSafe(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function paint(on: boolean, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function verdictLine(verdict: Verdict, context: string, color: boolean): string {
  const anomaly = primaryAnomaly(verdict);
  const ctx = context ? ` — ${terminalSafe(context)}` : '';
  // Kafka's own finding: the model did what Kafka does, and that breaks Kafka's promise.
  if (verdict.valid !== false && anomaly?.kafkaFinding !== undefined) {
    const name = terminalSafe(anomaly.kafkaFinding);
    const badge = paint(color, '1;35', "! Kafka's own finding");
    return `${badge} ${name}: ${terminalSafe(anomaly.kind)} (known, not excused)${ctx}`;
  }
  // A run whose only anomalies are expected is valid; the line still says what Kafka lost and why.
  if (verdict.valid === true && anomaly?.expected !== true) return `${paint(color, '1;32', '✓ valid')}${ctx}`;
  if (verdict.valid === 'unknown')
    return `${paint(color, '1;33', '? unknown')}${anomaly ? ` ${terminalSafe(anomaly.kind)}` : ''}${ctx}`;
  if (anomaly?.expected) {
    const why =
      anomaly.expectedBecause === undefined
        ? '(beyond what Kafka promises)'
        : `— ${breachLine(anomaly.expectedBecause)}`;
    return `${paint(color, '1;33', '! expected loss')} ${terminalSafe(anomaly.kind)} ${why}${ctx}`;
  }
  return `${paint(color, '1;31', '✗ VIOLATION')} ${terminalSafe(anomaly?.kind ?? 'invalid')}${ctx}`;
}

/**
 * The breach that makes an anomaly expected, in one line: "beyond Kafka's promise:
 * min-isr-power-loss at 41.200 s (power loss of broker 1 + broker 2)".
 */
function breachLine(b: PromiseBreach): string {
  return terminalSafe(`beyond Kafka's promise: ${b.rule} at ${(b.atUs / 1_000_000).toFixed(3)} s (${b.event})`);
}

function tail(verdict: Verdict, lines: string[], options: SummaryOptions): void {
  const anomaly = primaryAnomaly(verdict);
  const others = [...new Set(verdict.anomalies.filter((a) => a !== anomaly && !a.informational).map((a) => a.kind))];
  if (others.length) lines.push(`  also: ${terminalSafe(others.join(', '))}`);
  if (options.reportPath) lines.push(`  report: ${terminalSafe(options.reportPath)}`);
  if (options.tracePath) lines.push(`  trace: ${terminalSafe(options.tracePath)}`);
}

/** The summary of one run's trace. */
export function summarizeTrace(trace: Trace, options: SummaryOptions = {}): string {
  const color = options.color === true;
  const lines = [verdictLine(trace.verdict, `${trace.scenario}, variant ${trace.variant}, seed ${trace.seed}`, color)];
  const anomaly = primaryAnomaly(trace.verdict);
  if (anomaly) lines.push(`  ${terminalSafe(anomaly.explanation)}`);
  const witness = anomaly?.kafkaFindingWitness;
  if (witness !== undefined) lines.push(`  witnessed: ${terminalSafe(witness)}`);
  if (trace.verdict.valid !== true) {
    const timeline = sortTimeline(trace.timeline ?? []);
    const story = buildStory(trace, timeline, pairOperations(trace.history ?? []), buildReplicaLogs(timeline));
    if (story.focus) lines.push(`  lost record: ${terminalSafe(story.summary)}`);
  }
  if (trace.command) lines.push(`  reproduce: ${paint(color, '1', terminalSafe(trace.command))}`);
  tail(trace.verdict, lines, options);
  return lines.join('\n');
}

/** The summary of a checked external history (no trace, no lost-record story). */
export function summarizeVerdict(verdict: Verdict, context = '', options: SummaryOptions = {}): string {
  const color = options.color === true;
  const lines = [verdictLine(verdict, context, color)];
  const anomaly = primaryAnomaly(verdict);
  if (anomaly) lines.push(`  ${terminalSafe(anomaly.explanation)}`);
  if (verdict.counterexample) {
    const c = verdict.counterexample;
    lines.push(
      `  cannot place the operation at history index ${c.failedOp} after a linearizable prefix of ` +
        `${c.longestPrefix.length}: ${terminalSafe(c.reason)}`,
    );
  }
  tail(verdict, lines, options);
  return lines.join('\n');
}
