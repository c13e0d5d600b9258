// The index of one fuzz campaign (DESIGN §7): index.html listing every failure found (crashes
// and stuck runs included) and every expected loss with the rule of Kafka's promise the run
// went beyond, each with its variant, scenario, seed, anomaly kind, virtual time and, when
// written, a relative link to its report. It is
// static HTML without any script: every value is HTML-escaped here, and links are accepted
// only as relative paths (no scheme, no leading slash, no "..") so a hostile entry cannot
// turn into a javascript: URL or point outside the campaign directory.

import { escapeHtml, formatTimeUs } from './format.ts';
import { readClientAsset, renderPage } from './html-page.ts';

export interface CampaignEntry {
  variant: string;
  scenario: string;
  seed: number | string;
  /** Anomaly kinds of the verdict, primary first. */
  anomalyKinds: string[];
  /** Path of the HTML report relative to index.html, e.g. "violations/acks1-42.html"; absent when none was written. */
  reportPath?: string;
  /** The one-sentence explanation of the primary anomaly. */
  explanation?: string;
  /** Path of the trace file relative to index.html. */
  tracePath?: string;
  /** True when the schedule went beyond what Kafka promises (an expected loss). */
  expected?: boolean;
  /** For an expected loss: the rule of the promise broken (PromiseBreach.rule), when recorded. */
  rule?: string;
  /** A Kafka finding (driver/kafka-findings.ts): the names of the findings that label the seed's anomalies. */
  kafkaFindings?: string[];
  /** For an expected loss: the event that broke the rule and its virtual time, µs (PromiseBreach). */
  breach?: { event: string; atUs: number };
  /** Virtual time at which it was found, µs. */
  timeUs?: number;
}

export interface CampaignSummary {
  title?: string;
  /** e.g. "1000 seeds × 11 variants". */
  description?: string;
  seedsRun?: number;
  /** The command that ran the campaign. */
  command?: string;
  /** Code probes and the seeds that reached each (a table after the violations). */
  codeProbes?: CodeProbeRow[];
}

/** One code probe of the model's catalog and how many seeds of the campaign reached it. */
export interface CodeProbeRow {
  name: string;
  /** The Kafka class and method whose branch it marks. */
  kafka: string;
  description: string;
  seeds: number;
  /** Why the correct model cannot reach it, when it cannot. */
  reachable?: string;
}

/** The code-probe table: never-hit probes are marked; empty when the campaign recorded none. */
function renderCodeProbes(rows: readonly CodeProbeRow[] | undefined): string {
  if (rows === undefined || rows.length === 0) return '';
  const hit = rows.filter((r) => r.seeds > 0).length;
  const body = rows
    .map((r) => {
      const note = r.reachable === undefined ? '' : ` <span class="more">(${escapeHtml(r.reachable)})</span>`;
      const cls = r.seeds === 0 ? ' class="violation"' : '';
      return `<tr${cls}><td><code>${escapeHtml(r.name)}</code></td><td class="num">${r.seeds}</td>
<td>${escapeHtml(r.description)}${note}</td><td>${escapeHtml(r.kafka)}</td></tr>`;
    })
    .join('\n');
  return `<section>
<h2>Code probes: ${hit} of ${rows.length} hit</h2>
<table>
<thead><tr><th>Probe</th><th>Seeds</th><th>Situation</th><th>Kafka</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
}

// Headers never wrap inside a word (the shared sheet lets cells break anywhere, for long values).
const STYLE =
  readClientAsset('index.css') + '\nth { overflow-wrap: normal; word-break: keep-all; white-space: nowrap; }\n';

/** A relative link inside the campaign directory, or null when the path is not one. */
export function safeRelativeHref(path: string): string | null {
  if (path.length === 0 || path.length > 1000) return null;
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/') || path.startsWith('\\')) return null;
  const segments = path.split(/[\\/]/);
  if (segments.some((s) => s === '..' || s === '')) return null;
  if (/[\u0000-\u001f\u007f]/.test(path)) return null;
  return segments.map((s) => encodeURIComponent(s)).join('/');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function link(path: string | undefined, text: string): string {
  if (path === undefined) return '';
  const href = safeRelativeHref(path);
  return href === null
    ? `<span class="bad-link">${escapeHtml(text)} (unsafe path)</span>`
    : `<a href="${escapeHtml(href)}">${escapeHtml(text)}</a>`;
}

export function renderCampaignIndex(entries: CampaignEntry[], summary: CampaignSummary = {}): string {
  const title = summary.title ?? 'gregor fuzz campaign';
  const byKind = new Map<string, number>();
  for (const e of entries) {
    const kind = e.anomalyKinds[0] ?? 'unknown';
    byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
  }
  const known = entries.filter((e) => !e.expected && e.kafkaFindings !== undefined).length;
  const unexpected = entries.filter((e) => !e.expected && e.kafkaFindings === undefined).length;
  const expectedCount = entries.length - unexpected - known;
  const counts =
    `${plural(unexpected, 'violation')}, ${plural(expectedCount, 'expected loss', 'expected losses')}` +
    (known > 0 ? `, ${plural(known, "Kafka's own finding")} (known, not excused)` : '');
  const rows = entries
    .map(
      (e) => `<tr class="${e.expected ? 'expected' : e.kafkaFindings !== undefined ? 'kafka-finding' : 'violation'}">
<td>${escapeHtml(e.variant)}</td>
<td>${escapeHtml(e.scenario)}</td>
<td class="num">${escapeHtml(String(e.seed))}</td>
<td>${kindCell(e)}</td>
<td>${escapeHtml(e.explanation ?? '')}</td>
<td class="num">${e.timeUs !== undefined ? escapeHtml(formatTimeUs(e.timeUs)) : ''}</td>
<td>${link(e.reportPath, 'report')}${e.tracePath !== undefined ? ` · ${link(e.tracePath, 'trace')}` : ''}</td>
</tr>`,
    )
    .join('\n');
  const kinds = [...byKind].map(([k, n]) => `<span class="chip">${escapeHtml(k)} × ${n}</span>`).join(' ');
  const seedsRun = summary.seedsRun !== undefined ? ` in ${summary.seedsRun} seeds` : '';
  const description = summary.description ? ` — ${escapeHtml(summary.description)}` : '';
  const body = `<header>
<h1>${escapeHtml(title)}</h1>
<p>${entries.length === 0 ? 'No violations found.' : counts}${seedsRun}${description}</p>
<p>${kinds}</p>
${summary.command ? `<pre>${escapeHtml(summary.command)}</pre>` : ''}
</header>
<main>
<table>
<thead><tr><th>Variant</th><th>Scenario</th><th>Seed</th><th>Anomaly</th><th>Explanation</th>
<th>Virtual time (run end)</th><th>Report</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${renderCodeProbes(summary.codeProbes)}
</main>`;
  return renderPage({ title, style: STYLE, script: null, bodyHtml: body });
}

/** The anomaly cell: the first kind, the others, and for an expected loss the promise rule. */
function kindCell(e: CampaignEntry): string {
  const more =
    e.anomalyKinds.length > 1 ? ` <span class="more">+ ${escapeHtml(e.anomalyKinds.slice(1).join(', '))}</span>` : '';
  const rule = e.expected ? ` <span class="tag">expected: ${escapeHtml(e.rule ?? 'rule not recorded')}</span>` : '';
  const by =
    e.expected && e.breach !== undefined
      ? ` <span class="more">by ${escapeHtml(e.breach.event)} at ${escapeHtml(formatTimeUs(e.breach.atUs))}</span>`
      : '';
  const finding =
    e.kafkaFindings === undefined
      ? ''
      : ` <span class="tag">Kafka's own finding: ${escapeHtml(e.kafkaFindings.join(', '))}</span>`;
  return `<span class="kind">${escapeHtml(e.anomalyKinds[0] ?? 'unknown')}</span>${more}${rule}${finding}${by}`;
}
