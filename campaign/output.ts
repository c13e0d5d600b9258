// Writes what a campaign leaves in its output directory: per violation a trace file, an HTML
// report and the one-line command that replays it; per campaign an index.html, summary.json
// and seeds.jsonl (one line per judged seed, for --merge and comparisons).
//
// Reports come from reports/html-report.ts and reports/campaign-index.ts; if they throw, a
// plain self-contained page written here stands in, so a campaign never loses its findings
// to a report bug. Every string from a trace is escaped.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Trace } from '../checkers/trace.ts';
import type { CampaignSummary, ViolationEntry } from './summary.ts';
import type { SeedResult } from './tasks.ts';
import { renderViolationReport } from '../reports/html-report.ts';
import { renderCampaignIndex, type CampaignEntry } from '../reports/campaign-index.ts';
import { probeRows } from './probes.ts';

export function fileStem(scenario: string, variant: string, seed: number): string {
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

export function renderReport(trace: Trace): { html: string; fallback: boolean } {
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

/** Writes one violation's trace and report; returns their display paths and the replay command. */
export async function writeViolation(dir: string, trace: Trace): Promise<WrittenViolation> {
  mkdirSync(dir, { recursive: true });
  const stem = fileStem(trace.scenario, trace.variant, trace.seed);
  const tracePath = displayPath(join(dir, `${stem}.trace.json`));
  const reportPath = displayPath(join(dir, `${stem}.html`));
  const replay = `npm run replay -- ${tracePath}`;
  const withCommand: Trace = { ...trace, command: replay };
  writeFileSync(tracePath, JSON.stringify(withCommand) + '\n');
  const { html } = renderReport(withCommand);
  writeFileSync(reportPath, html);
  return { trace: tracePath, report: reportPath, replay };
}

export async function writeCampaignFiles(dir: string, summary: CampaignSummary, results: readonly SeedResult[]): Promise<{ summary: string; seeds: string; index: string }> {
  mkdirSync(dir, { recursive: true });
  const suffix = shardSuffix(summary.shard);
  const summaryPath = join(dir, `summary${suffix}.json`);
  const seedsPath = join(dir, `seeds${suffix}.jsonl`);
  const indexPath = join(dir, `index${suffix}.html`);
  writeFileSync(summaryPath, JSON.stringify(summary, null, 2) + '\n');
  writeFileSync(seedsPath, results.map((r) => JSON.stringify(seedLine(r))).join('\n') + (results.length > 0 ? '\n' : ''));
  writeFileSync(indexPath, await renderIndex(summary, dir));
  return { summary: displayPath(summaryPath), seeds: displayPath(seedsPath), index: displayPath(indexPath) };
}

/** The per-seed line of seeds.jsonl (no wall time: lines compare across machines). */
export function seedLine(r: SeedResult): Omit<SeedResult, 'wallMs'> {
  const { wallMs: _wall, ...rest } = r;
  return rest;
}

async function renderIndex(summary: CampaignSummary, dir: string): Promise<string> {
  try {
    const entries: CampaignEntry[] = summary.violations
      .filter((v) => v.report !== null)
      .map((v) => {
        const e: CampaignEntry = {
          variant: summary.variant,
          scenario: summary.scenario,
          seed: v.seed,
          anomalyKinds: [v.kind],
          reportPath: relative(dir, v.report!),
          explanation: v.explanation,
        };
        if (v.trace !== null) e.tracePath = relative(dir, v.trace);
        return e;
      });
    return renderCampaignIndex(entries, {
      title: `gregor fuzz: ${summary.scenario} / ${summary.variant}${summary.shard === null ? '' : ` (shard ${summary.shard})`}`,
      description: `${summary.seeds} seeds from base seed ${summary.baseSeed}; exit ${summary.exitCode}`,
      seedsRun: summary.seeds,
      codeProbes: probeRows(summary.probes),
    });
  } catch {
    return plainIndex(summary, dir);
  }
}

// --- the plain pages ----------------------------------------------------------------------------

function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;max-width:72em;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top}
code,pre{background:#f4f4f4;padding:2px 4px}.bad{color:#b00}.ok{color:#070}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>\n`;
}

export function plainReport(t: Trace): string {
  const failing = t.verdict.anomalies.filter((a) => a.informational !== true);
  const anomalies = failing
    .map((a) => `<li><b>${esc(a.kind)}</b>${a.expected === true ? ' (expected: beyond what Kafka promises)' : ''}: ${esc(a.explanation)}</li>`)
    .join('');
  const faults = t.faults
    .map((f) => `<tr><td>${f.id}</td><td>${esc(f.trigger)}</td><td>${esc(f.description)}</td><td>${f.startUs ?? ''}</td><td>${f.endUs ?? ''}</td><td>${f.beyondPromise === true ? 'beyond promise' : ''}</td></tr>`)
    .join('');
  const history = t.history
    .slice(0, 2000)
    .map((e) => `<tr><td>${e.index}</td><td>${e.time}</td><td>${esc(e.process)}</td><td>${esc(e.type)}</td><td>${esc(e.f)}</td><td>${esc(JSON.stringify(e.value))}</td><td>${esc(e.error ?? '')}</td></tr>`)
    .join('');
  return page(
    `gregor: ${t.outcome} — seed ${t.seed}`,
    `<h1>${esc(t.outcome)}: seed ${t.seed}</h1>
<p>Scenario <code>${esc(t.scenario)}</code>, variant <code>${esc(t.variant)}</code>, ${t.eventCount} events, hash <code>${esc(t.hash)}</code>.</p>
<h2>Verdict</h2><ul>${anomalies || '<li class="ok">no anomaly</li>'}</ul>
<h2>Fault schedule</h2><table><tr><th>#</th><th>trigger</th><th>fault</th><th>start µs</th><th>end µs</th><th></th></tr>${faults}</table>
<h2>Reproduce</h2><pre>${esc(t.command)}</pre>
<h2>History</h2><table><tr><th>#</th><th>time µs</th><th>process</th><th>type</th><th>f</th><th>value</th><th>error</th></tr>${history}</table>`,
  );
}

export function plainIndex(s: CampaignSummary, dir: string): string {
  const rows = s.violations
    .map((v: ViolationEntry) => {
      const link = v.report === null ? '' : `<a href="${esc(relative(dir, v.report))}">report</a>`;
      return `<tr><td>${v.seed}</td><td class="bad">${esc(v.kind)}</td><td>${esc(v.explanation)}</td><td>${v.faults}</td><td>${link}</td><td><code>${esc(v.replay ?? v.rerun)}</code></td></tr>`;
    })
    .join('');
  return page(
    `gregor campaign: ${s.scenario} / ${s.variant}`,
    `<h1>Campaign: ${esc(s.scenario)} / ${esc(s.variant)}${s.shard === null ? '' : ` (shard ${esc(s.shard)})`}</h1>
<p>${s.seeds} seeds judged from base seed ${s.baseSeed}; ${s.outcomes.violation} violations, ${s.outcomes.stuck} stuck, ${s.outcomes.crash} crashes, ${s.outcomes['expected-loss']} expected losses; exit ${s.exitCode}.</p>
<table><tr><th>seed</th><th>kind</th><th>explanation</th><th>faults</th><th></th><th>replay</th></tr>${rows || '<tr><td colspan="6" class="ok">no violation</td></tr>'}</table>`,
  );
}
