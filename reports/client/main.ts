// The report page's entry point, bundled by esbuild (html-report.ts) into the one inline
// script the page's CSP allows by hash. It wires the modules together and exposes a small
// read-only API on window.gregorReport for the browser tests and the console.
//
// Assumes the data element and skeleton of html-report.ts; builds the page with textContent
// and canvas only (never markup), never evaluates strings, never touches the network.

import { byId } from './dom.ts';
import { dumpText } from './dumplog.ts';
import { drawGrid, gridCellBox, gridRows, initGrid } from './grid.ts';
import { M } from './model.ts';
import { renderCex, renderCommand, renderDetails, renderFaults, renderHeader, renderStory } from './panels.ts';
import { initSnapshot, pickDumpBroker, renderSnapshot } from './snapshot.ts';
import { actions, queueRedraw, ui } from './state.ts';
import { TL, drawTimeline, showRange } from './timeline.ts';
import { brokerLaneBox, initTimeline, relayoutTimeline, revealOp } from './timeline-input.ts';

function setScrub(t: number): void {
  ui.scrubT = Math.max(M.data.startUs, Math.min(M.data.endUs, t));
  byId<HTMLInputElement>('scrubber').value = String(ui.scrubT);
  renderSnapshot();
  queueRedraw();
}

function onPartitionChange(): void {
  relayoutTimeline();
  gridRows();
  renderSnapshot();
  queueRedraw();
}

function start(): void {
  actions.setScrub = setScrub;
  actions.renderSnapshot = renderSnapshot;
  actions.drawCanvases = () => {
    drawTimeline();
    drawGrid();
  };
  renderHeader();
  renderStory();
  renderCex();
  initSnapshot(onPartitionChange);
  initTimeline();
  byId('logs-card').hidden = M.check;
  initGrid((br, off) => pickDumpBroker(br, off));
  renderFaults();
  renderCommand();
  renderDetails();
  renderSnapshot();
  const f = M.focus;
  if (!M.check && f && ui.curTp === f.tp) pickDumpBroker(ui.dumpBroker, f.offset);
  drawTimeline();
  drawGrid();
}

declare global {
  interface Window {
    gregorReport: unknown;
  }
}

start();
/** For tests and for the browser console: read-only views and a few actions. */
window.gregorReport = {
  data: M.data,
  time: () => ui.scrubT,
  tp: () => ui.curTp,
  setTime: setScrub,
  revealOp,
  gridCellBox,
  brokerLaneBox,
  dumpText,
  describeText: () => byId('describe').textContent,
  storyText: () => byId('story-card').innerText,
  showRange,
  laneLabels: () => TL.lanes.map((l) => l.label),
  ticks: () => TL.ticks,
};
document.body.dataset.ready = '1';
