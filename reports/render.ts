// Renders trace files to HTML reports from the command line, for looking at a trace without
// re-running it and for checking a hand-made or imported trace:
//
//   npx tsx reports/render.ts TRACE.json [OUT.html]      (default OUT: TRACE.html beside it)
//   npx tsx reports/render.ts --summary TRACE.json       (the terminal summary only)
//
// Exit codes as DESIGN §6: 0 the report was written (whatever the verdict), 2 bad usage or
// input. Assumes the file follows checkers/trace.ts (format gregor-trace, version 1).

import { readFileSync, writeFileSync } from 'node:fs';
import { TRACE_FORMAT, TRACE_VERSION, type Trace } from '../checkers/trace.ts';
import { renderViolationReport } from './html-report.ts';
import { summarizeTrace } from './terminal-summary.ts';

/** Reads and minimally validates a trace file; throws with a message a person can act on. */
export function readTrace(path: string): Trace {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<Trace>;
  if (parsed.format !== TRACE_FORMAT)
    throw new Error(`${path}: not a gregor trace (format ${JSON.stringify(parsed.format)})`);
  if (parsed.version !== TRACE_VERSION)
    throw new Error(`${path}: trace version ${parsed.version}, this build reads version ${TRACE_VERSION}`);
  for (const field of ['history', 'timeline', 'verdict'] as const) {
    if (!parsed[field]) throw new Error(`${path}: the trace has no ${field}`);
  }
  return parsed as Trace;
}

function main(argv: string[]): number {
  const summaryOnly = argv[0] === '--summary';
  const args = summaryOnly ? argv.slice(1) : argv;
  if (args.length < 1 || args.length > 2 || args[0].startsWith('-')) {
    process.stderr.write('usage: npx tsx reports/render.ts [--summary] TRACE.json [OUT.html]\n');
    return 2;
  }
  let trace: Trace;
  try {
    trace = readTrace(args[0]);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  if (summaryOnly) {
    process.stdout.write(summarizeTrace(trace, { color: process.stdout.isTTY === true }) + '\n');
    return 0;
  }
  const out = args[1] ?? args[0].replace(/\.json$/i, '') + '.html';
  writeFileSync(out, renderViolationReport(trace));
  process.stdout.write(summarizeTrace(trace, { color: process.stdout.isTTY === true, reportPath: out }) + '\n');
  return 0;
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = main(process.argv.slice(2));
}
