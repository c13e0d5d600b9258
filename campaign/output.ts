// Writes what a campaign leaves in its output directory: per violation (and per seed asked
// for with --report) a trace file, an HTML report and the one-line command that replays it;
// per campaign summary.json, seeds.jsonl (one line per judged seed, for --merge and
// comparisons) and its own index page campaign-<scenario>-<variant>-base-<B>-seeds-<N>.html;
// index.html shows the latest campaign and links every campaign page in the directory.
//
// The directory is checked before the first seed runs (prepareOutDir): made if missing (one
// level at a time: Node's recursive mkdir spins forever under /proc) and probed with a
// scratch file, so an unwritable --out is a usage error. Later write failures (a full disk)
// are collected, not thrown, so what was written can be said.
//
// Reports come from reports/html-report.ts and reports/campaign-index.ts; if they throw, a
// plain self-contained page written here stands in, so a campaign never loses its findings
// to a report bug. Every string from a trace is escaped.

import { expectedLossLine } from './reference-rates.ts';
import { mkdirSync, readdirSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Trace } from '../checkers/trace.ts';
import { type CampaignSummary, kafkaFindingsLine, type ViolationEntry } from './summary.ts';
import type { SeedResult } from './tasks.ts';
import { renderViolationReport } from '../reports/html-report.ts';
import { renderCampaignIndex, type CampaignEntry } from '../reports/campaign-index.ts';
import { probeRows } from './probes.ts';

function fileStem(scenario: string, variant: string, seed: number): string {
  return `${scenario}-${variant}-seed-${seed}`;
}

export function shardSuffix(shard: string | null): string {
  if (shard === null) return '';
  const [k, n] = shard.split('/');
  return `-shard-${k}-of-${n}`;
}

/** A path as the user should type it: relative to the working directory when inside it. */
export function displayPath(p: string): string {
  const rel = relative(process.cwd(), p);
  return rel.startsWith('..') || rel === '' ? p : rel;
}

function renderReport(trace: Trace): { html: string; fallback: boolean } {
  try {
    return { html: renderViolationReport(trace), fallback: false };
  } catch {
    // A report bug must not lose the finding: fall through to the plain page.
  }
  return { html: plainReport(trace), fallback: true };
}

export interface WrittenViolation {
  trace: string;
  report: string;
  replay: string;
}

/** --out cannot hold results; its message is the CLI's one line. */
export class OutDirError extends Error {}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? String(err);
}

/** Makes DIR (and missing parents, one level at a time); returns the directories it made. */
function makeDirs(dir: string): string[] {
  const abs = resolve(dir);
  let st;
  try {
    st = statSync(abs);
  } catch (err) {
    if (errCode(err) !== 'ENOENT') throw err;
  }
  if (st !== undefined) {
    if (!st.isDirectory()) throw new OutDirError(`--out ${dir} exists and is not a directory`);
    return [];
  }
  const parent = dirname(abs);
  const made = parent === abs ? [] : makeDirs(parent);
  mkdirSync(abs);
  return [...made, abs];
}

/**
 * Checks before anything runs that DIR can hold the results: makes it if missing and writes
 * and removes a scratch file. On failure removes what it made and throws an OutDirError.
 */
export function prepareOutDir(dir: string): void {
  let made: string[] = [];
  try {
    made = makeDirs(dir);
    const probe = join(dir, `.gregor-write-check-${process.pid}`);
    writeFileSync(probe, 'gregor\n');
    unlinkSync(probe);
  } catch (err) {
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // best effort: leave what cannot be removed
      }
    }
    if (err instanceof OutDirError) throw err;
    throw new OutDirError(`--out ${dir} is not a writable directory (${errCode(err)})`);
  }
}

/** Files a campaign wrote, and those it could not (a full disk): the CLI reports both. */
export class WriteLog {
  readonly written: string[] = [];
  readonly failed: Array<{ path: string; code: string }> = [];

  /** Writes one file; false (and noted) when the file system refuses. */
  write(path: string, data: string): boolean {
    try {
      writeFileSync(path, data);
      this.written.push(displayPath(path));
      return true;
    } catch (err) {
      this.failed.push({ path: displayPath(path), code: errCode(err) });
      return false;
    }
  }

  /** Notes a failure that happened elsewhere (the journal). */
  fail(path: string, err: unknown): void {
    this.failed.push({ path: displayPath(path), code: errCode(err) });
  }
}

/** Writes one run's trace and report; returns their display paths and the replay command. */
export function writeViolation(
  dir: string,
  trace: Trace,
  log: WriteLog = new WriteLog(),
): WrittenViolation | undefined {
  const stem = fileStem(trace.scenario, trace.variant, trace.seed);
  const tracePath = displayPath(join(dir, `${stem}.trace.json`));
  const reportPath = displayPath(join(dir, `${stem}.html`));
  const replay = `npm run replay -- ${tracePath}`;
  const withCommand: Trace = { ...trace, command: replay };
  if (!log.write(tracePath, JSON.stringify(withCommand) + '\n')) return undefined;
  const { html } = renderReport(withCommand);
  if (!log.write(reportPath, html)) return undefined;
  return { trace: tracePath, report: reportPath, replay };
}

/** A run written with --report that is not a reported failure (passing, expected loss, unknown). */
export interface RunReport {
  seed: number;
  report: string;
  trace: string;
}

export interface CampaignFiles {
  summary: string;
  seeds: string;
  index: string;
  campaignIndex: string;
}

/** The campaign's own index page name, so another campaign into DIR does not overwrite it. */
function campaignIndexName(s: CampaignSummary): string {
  return `campaign-${s.scenario}-${s.variant}-base-${s.baseSeed}-seeds-${s.seedsRequested}${shardSuffix(s.shard)}.html`;
}

export function writeCampaignFiles(
  dir: string,
  summary: CampaignSummary,
  results: readonly SeedResult[],
  opts: { log?: WriteLog; runReports?: readonly RunReport[] } = {},
): CampaignFiles {
  const log = opts.log ?? new WriteLog();
  const suffix = shardSuffix(summary.shard);
  const summaryPath = join(dir, `summary${suffix}.json`);
  const seedsPath = join(dir, `seeds${suffix}.jsonl`);
  const indexPath = join(dir, 'index.html');
  const campaignPath = join(dir, campaignIndexName(summary));
  log.write(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  log.write(seedsPath, results.map((r) => JSON.stringify(seedLine(r))).join('\n') + (results.length > 0 ? '\n' : ''));
  const page = renderIndex(summary, results, dir, opts.runReports ?? []);
  log.write(campaignPath, page);
  log.write(indexPath, withCampaignList(page, dir, campaignIndexName(summary)));
  return {
    summary: displayPath(summaryPath),
    seeds: displayPath(seedsPath),
    index: displayPath(indexPath),
    campaignIndex: displayPath(campaignPath),
  };
}

/** The per-seed line of seeds.jsonl (no wall time: lines compare across machines). */
function seedLine(r: SeedResult): Omit<SeedResult, 'wallMs'> {
  const { wallMs: _wall, ...rest } = r;
  return rest;
}

/** At most this many expected losses are listed in an index (a long campaign can have thousands). */
const MAX_EXPECTED_ROWS = 500;

/** Index rows: every reported failure (crashes too, linked when written) and the expected losses. */
function indexEntries(
  summary: CampaignSummary,
  results: readonly SeedResult[],
  dir: string,
  runReports: readonly RunReport[],
): CampaignEntry[] {
  const bySeed = new Map(results.map((r) => [r.seed, r]));
  const reports = new Map(runReports.map((r) => [r.seed, r]));
  const entries: CampaignEntry[] = summary.violations.map((v) => {
    const e: CampaignEntry = {
      variant: summary.variant,
      scenario: summary.scenario,
      seed: v.seed,
      anomalyKinds: [v.kind],
      explanation: v.explanation,
    };
    if (v.outcome !== 'violation') e.anomalyKinds.push(v.outcome);
    if (v.report !== null) e.reportPath = relative(dir, v.report);
    if (v.trace !== null) e.tracePath = relative(dir, v.trace);
    const endUs = bySeed.get(v.seed)?.endTimeUs;
    if (endUs !== undefined) e.timeUs = endUs;
    return e;
  });
  // Kafka's own findings (known, not excused): each listed, with the findings that label it.
  const rowOf = (r: SeedResult, outcome: 'kafka-finding' | 'expected-loss'): CampaignEntry => {
    const e: CampaignEntry = {
      variant: summary.variant,
      scenario: summary.scenario,
      seed: r.seed,
      anomalyKinds: [r.kind ?? outcome],
      timeUs: r.endTimeUs,
    };
    if (r.explanation !== undefined) e.explanation = r.explanation;
    const written = reports.get(r.seed);
    if (written !== undefined) {
      e.reportPath = relative(dir, written.report);
      e.tracePath = relative(dir, written.trace);
    }
    return e;
  };
  for (const r of results.filter((x) => x.outcome === 'kafka-finding').slice(0, MAX_EXPECTED_ROWS))
    entries.push({ ...rowOf(r, 'kafka-finding'), kafkaFindings: r.kafkaFindings ?? ['unrecorded'] });
  const expected = results.filter((r) => r.outcome === 'expected-loss').slice(0, MAX_EXPECTED_ROWS);
  for (const r of expected) {
    const e: CampaignEntry = { ...rowOf(r, 'expected-loss'), expected: true };
    if (r.rule !== undefined) e.rule = r.rule;
    if (r.breach !== undefined) e.breach = r.breach;
    entries.push(e);
  }
  return entries;
}

function renderIndex(
  summary: CampaignSummary,
  results: readonly SeedResult[],
  dir: string,
  runReports: readonly RunReport[],
): string {
  try {
    const losses = summary.outcomes['expected-loss'];
    return renderCampaignIndex(indexEntries(summary, results, dir, runReports), {
      title:
        `gregor fuzz: ${summary.scenario} / ` +
        `${summary.variant}${summary.shard === null ? '' : ` (shard ${summary.shard})`}`,
      description:
        `${summary.seeds} seeds from base seed ${summary.baseSeed}` +
        (losses > MAX_EXPECTED_ROWS ? `; the first ${MAX_EXPECTED_ROWS} of ${losses} expected losses listed` : '') +
        `; exit ${summary.exitCode}${summary.interrupted ? ' (interrupted)' : ''}` +
        `; ${expectedLossLine(summary.expectedLossRate).trim()}` +
        (kafkaFindingsLine(summary) === null ? '' : `; ${kafkaFindingsLine(summary)!.trim()}`),
      seedsRun: summary.seeds,
      codeProbes: probeRows(summary.probes),
    });
  } catch {
    return plainIndex(summary, dir);
  }
}

/** index.html: the latest campaign's page plus links to every campaign page in DIR. */
function withCampaignList(page: string, dir: string, current: string): string {
  let names: string[] = [];
  try {
    names = readdirSync(dir)
      .filter((n) => /^campaign-.*\.html$/.test(n) && n !== current)
      .sort();
  } catch {
    return page;
  }
  if (names.length === 0) return page;
  const items = names.map((n) => `<li><a href="${esc(encodeURIComponent(n))}">${esc(n)}</a></li>`).join('');
  return page.replace('</main>', `<h2>Other campaigns in this directory</h2><ul>${items}</ul></main>`);
}

// --- the plain pages ----------------------------------------------------------------------------

function esc(s: unknown): string {
  return String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
code,pre{background:#f4f4f4;padding:2px 4px}.bad{color:#b00}.ok{color:#070}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

function plainReport(t: Trace): string {
  const failing = t.verdict.anomalies.filter((a) => a.informational !== true);
  const anomalies = failing
    .map(
      (a) =>
        `<li><b>${esc(a.kind)}</b>${a.expected === true ? ' (expected: beyond what Kafka promises)' : ''}: ` +
        `${esc(a.explanation)}</li>`,
    )
    .join('');
  const faults = t.faults
    .map((f) =>
      tableRow([
        String(f.id),
        esc(f.trigger),
        esc(f.description),
        String(f.startUs ?? ''),
        String(f.endUs ?? ''),
        f.beyondPromise === true ? 'beyond promise' : '',
      ]),
    )
    .join('');
  const history = t.history
    .slice(0, 2000)
    .map((e) =>
      tableRow([
        String(e.index),
        String(e.time),
        esc(e.process),
        esc(e.type),
        esc(e.f),
        esc(JSON.stringify(e.value)),
        esc(e.error ?? ''),
      ]),
    )
    .join('');
  return page(
    `gregor: ${t.outcome} — seed ${t.seed}`,
    `<h1>${esc(t.outcome)}: seed ${t.seed}</h1>
<p>Scenario <code>${esc(t.scenario)}</code>, variant <code>${esc(t.variant)}</code>,
${t.eventCount} events, hash <code>${esc(t.hash)}</code>.</p>
<h2>Verdict</h2><ul>${anomalies || '<li class="ok">no anomaly</li>'}</ul>
<h2>Fault schedule</h2><table><tr><th>#</th><th>trigger</th><th>fault</th><th>start µs</th><th>end µs</th><th></th>
</tr>${faults}</table>
<h2>Reproduce</h2><pre>${esc(t.command)}</pre>
<h2>History</h2><table><tr><th>#</th><th>time µs</th><th>process</th><th>type</th><th>f</th><th>value</th>
<th>error</th></tr>${history}</table>`,
  );
}

function plainIndex(s: CampaignSummary, dir: string): string {
  const rows = s.violations
    .map((v: ViolationEntry) => {
      const link = v.report === null ? '' : `<a href="${esc(relative(dir, v.report))}">report</a>`;
      const replay = `<code>${esc(v.replay ?? v.rerun)}</code>`;
      const cells = tableRow([esc(v.explanation), String(v.faults), link, replay]).slice('<tr>'.length);
      return `<tr><td>${v.seed}</td><td class="bad">${esc(v.kind)}</td>${cells}`;
    })
    .join('');
  return page(
    `gregor campaign: ${s.scenario} / ${s.variant}`,
    `<h1>Campaign: ${esc(s.scenario)} / ${esc(s.variant)}${s.shard === null ? '' : ` (shard ${esc(s.shard)})`}</h1>
<p>${s.seeds} seeds judged from base seed ${s.baseSeed}; ${s.outcomes.violation} violations,
${s.outcomes.stuck} stuck, ${s.outcomes.crash} crashes, ${s.outcomes['expected-loss']} expected losses,
${s.outcomes['kafka-finding'] ?? 0} Kafka's own findings (known, not excused);
exit ${s.exitCode}.</p>
<table><tr><th>seed</th><th>kind</th><th>explanation</th><th>faults</th><th></th><th>replay</th></tr>${
      rows || '<tr><td colspan="6" class="ok">no violation</td></tr>'
    }</table>`,
  );
}

/** One table row of already-escaped cells. */
function tableRow(cells: readonly string[]): string {
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}
