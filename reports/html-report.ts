// The violation report (DESIGN §7): one self-contained HTML file per violating trace. The
// page skeleton below is static markup; every piece of data (record values, names, fault
// descriptions, the command) reaches the page only as embedded JSON that the client script
// (reports/client/*.ts, bundled here by esbuild into one inline script) renders with
// textContent and canvas, so hostile strings stay text.
//
// Assumes the trace follows checkers/trace.ts. Large traces are fine: the data is columnar
// (report-data.ts) and the page draws only what is on screen.

import { buildSync } from 'esbuild';
import { fileURLToPath } from 'node:url';
import type { Trace } from '../checkers/trace.ts';
import { readClientAsset, renderPage } from './html-page.ts';
import { buildViolationData, type ReportData } from './report-data.ts';

const STYLE = readClientAsset('report.css');
let clientScript: string | undefined;

/**
 * The client, bundled from reports/client/main.ts into one IIFE. Built once per process
 * (synchronously, so rendering stays a plain function call) and reused for every report.
 */
function reportScript(): string {
  if (clientScript === undefined) {
    const result = buildSync({
      entryPoints: [fileURLToPath(new URL('./client/main.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'iife',
      target: 'es2020',
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
    });
    clientScript = result.outputFiles[0].text;
  }
  return clientScript;
}

/** The page skeleton shared by violation and check reports. Contains no data. */
const REPORT_BODY = `<header id="top">
  <div class="verdict"><span class="badge" id="verdict-badge"></span><h1 id="headline"></h1></div>
  <p id="sentence"></p>
  <p id="expected-because" class="expected" hidden></p>
  <dl id="meta" class="chips"></dl>
</header>
<main>
  <section class="card" id="cex-card" hidden>
    <h2>Counterexample</h2>
    <p id="cex-reason"></p>
    <h3>The operation that could not be placed</h3>
    <div id="cex-failed"></div>
    <h3 id="cex-prefix-title"></h3>
    <ol id="cex-prefix"></ol>
  </section>
  <div class="pair">
    <section class="card" id="story-card">
      <h2 id="story-title">The lost record</h2>
      <p id="story-expected" class="expected" hidden></p>
      <div id="lost-record"></div>
      <p id="summary"></p>
      <ol id="story"></ol>
      <p class="hint" id="story-hint">Click a step to see the cluster at that moment.</p>
    </section>
    <section class="card" id="snapshot-card">
      <h2>The cluster at <span id="scrub-time"></span></h2>
      <div class="scrub">
        <button id="prev-event" type="button" title="Previous change (←)">◀ prev</button>
        <select id="tp-select" hidden></select>
        <input type="range" id="scrubber" aria-label="time scrubber">
        <button id="next-event" type="button" title="Next change (→)">next ▶</button>
        <span class="muted">drag or click the timeline</span>
      </div>
      <pre id="describe" class="term"></pre>
      <h3>Replicas</h3>
      <table><thead><tr><th>Broker</th><th>Process</th><th>Role</th><th>Leader epoch</th><th>HW</th><th>LEO</th>
      <th>In ISR</th><th id="holds-head">Holds</th></tr></thead>
      <tbody id="replica-rows"></tbody></table>
      <div class="tabs" id="dump-tabs"></div>
      <div class="vlist" id="dumplog"><div class="spacer" id="dumplog-spacer"></div></div>
    </section>
  </div>
  <section class="card" id="timeline-card">
    <h2>Timeline</h2>
    <div class="toolbar">
      <button id="zoom-out" type="button" title="Zoom out">−</button>
      <button id="zoom-in" type="button" title="Zoom in (or Ctrl + wheel)">+</button>
      <button id="zoom-fit" type="button">Whole run</button>
      <button id="zoom-story" type="button">Zoom to the story</button>
      <div class="legend">
        <span class="sw-ok">ok</span><span class="sw-fail">fail</span><span class="sw-info">info (unknown)</span>
        <span class="sw-pending">no completion</span>
        <span class="sw-leader cluster-only">leader</span>
        <span class="sw-stale cluster-only">leader in its own view only</span>
        <span class="sw-follower cluster-only">follower</span><span class="sw-down cluster-only">down</span>
        <span class="sw-fault cluster-only">fault</span>
      </div>
    </div>
    <div class="canvas-wrap" id="tl-wrap">
      <canvas id="tl-canvas"></canvas>
      <div class="scroller" id="tl-scroll"><div class="spacer" id="tl-spacer"></div></div>
    </div>
    <p class="hint" id="tl-hint">Hover for details. Click to move the cluster view to that moment; drag or scroll
    sideways to pan; Ctrl + wheel to zoom. A red bar under a broker marks when it held the lost record, ✂ where that
    copy was truncated; an orange ▼ marks any truncation.</p>
  </section>
  <section class="card" id="logs-card" hidden>
    <h2>Replica logs by offset</h2>
    <p class="hint">Each cell is a record copy, coloured by leader epoch (e0, e1, …). Struck-through ✂ copies were
    truncated; dashed ones are written after the chosen moment; the orange bar is the high watermark then. The lost
    record is outlined in red. Click a cell to dump that broker's log.</p>
    <div class="canvas-wrap" id="grid-wrap">
      <canvas id="grid-canvas"></canvas>
      <div class="scroller" id="grid-scroll"><div class="spacer" id="grid-spacer"></div></div>
    </div>
    <p class="muted" id="grid-empty" hidden>No records were written to this partition.</p>
  </section>
  <section class="card" id="faults-card">
    <h2>Fault schedule (shrunk)</h2>
    <table><thead><tr><th>#</th><th>Fault</th><th>Trigger</th><th>Start</th><th>End</th></tr></thead>
    <tbody id="fault-rows"></tbody></table>
    <p class="muted" id="faults-empty" hidden>No faults were injected.</p>
  </section>
  <section class="card" id="command-card">
    <h2>Reproduce</h2>
    <pre class="term" id="command-line"></pre>
    <p><button id="copy-command" type="button">Copy</button></p>
  </section>
  <section class="card" id="details-card">
    <h2>Verdict details</h2>
    <div id="anomalies"></div>
    <div id="config-block"><h3>Configuration</h3><table><tbody id="config-rows"></tbody></table></div>
  </section>
</main>
<div id="tooltip" role="tooltip" hidden></div>`;

/** Renders a prepared ReportData as a self-contained HTML document. */
export function renderReportData(data: ReportData): string {
  return renderPage({ title: data.title, style: STYLE, script: reportScript(), data, bodyHtml: REPORT_BODY });
}

/** One self-contained HTML file explaining a violating (or any) trace. */
export function renderViolationReport(trace: Trace): string {
  return renderReportData(buildViolationData(trace).data);
}
