// The timeline canvas: lanes for the controller, each broker and each client, a time axis
// with the fault periods above it, drawn virtually (only the time window and lanes on
// screen). This module owns the layout and the view; timeline-lanes.ts draws inside lanes.
//
// Assumes the skeleton's #tl-wrap / #tl-scroll / #tl-spacer / #tl-canvas; the scroller's
// content size stands for the whole run at the current scale.

import { byId, fitText, sizeCanvas } from './dom.ts';
import { M, replicaSet } from './model.ts';
import { ui } from './state.ts';
import { niceStep, tickLabel } from './text.ts';
import {
  drawBrokerLane,
  drawClientLane,
  drawControllerLane,
  drawMemberLane,
  drawVoterLane,
  type LaneView,
} from './timeline-lanes.ts';

export const LABEL_W = 150;
const AXIS_MIN_H = 42;
const FAULT_ROW_H = 11;
const MAX_FAULT_ROWS = 6;

export interface Lane {
  kind: 'group' | 'controller' | 'voter' | 'broker' | 'client' | 'member';
  h: number;
  id: number;
  label: string;
  /** A broker lane whose broker never holds a replica of the shown partition. */
  noReplica: boolean;
}

export const TL = {
  wrap: byId('tl-wrap'),
  scroller: byId('tl-scroll'),
  spacer: byId('tl-spacer'),
  canvas: byId<HTMLCanvasElement>('tl-canvas'),
  /** Pixels per µs. */
  scale: 1,
  lanes: [] as Lane[],
  laneY: [] as number[],
  height: 0,
  /** Height of the axis band, fault rows included. */
  axisH: AXIS_MIN_H,
  /** The axis ticks last drawn (absolute times, as the tooltips show them). */
  ticks: [] as Array<{ t: number; label: string }>,
};

interface TimeView {
  W: number;
  H: number;
  t0: number;
  t1: number;
  yOff: number;
}

function lane(kind: Lane['kind'], h: number, label: string, id = -1, noReplica = false): Lane {
  return { kind, h, id, label, noReplica };
}

export function buildLanes(): void {
  const lanes: Lane[] = [];
  const tpName = M.data.tps[ui.curTp] ?? '';
  if (!M.check) {
    lanes.push(lane('group', 20, `Controller — ${tpName}`));
    lanes.push(lane('controller', 26, M.data.controllers.length ? M.data.controllers[0].name : 'controller'));
    if (M.quorumBy.size > 0) {
      lanes.push(lane('group', 20, 'Controller quorum — Raft role · epoch · HW'));
      for (const c of M.data.controllers) lanes.push(lane('voter', 24, c.name, c.id));
    }
    lanes.push(lane('group', 20, `Brokers — replicas of ${tpName}`));
    const replicas = replicaSet(ui.curTp);
    for (const br of M.data.brokers) {
      const none = !replicas.has(br.id);
      lanes.push(lane('broker', none ? 24 : 34, none ? `${br.name} (no replica)` : br.name, br.id, none));
    }
  }
  lanes.push(lane('group', 20, 'Clients'));
  M.data.lanes.forEach((l, j) => {
    lanes.push(lane('client', 22, l.name, j));
    // A group member's generations and assignments, under its operations (issue 15).
    if (M.data.groups?.spans.some((s) => s.lane === j)) lanes.push(lane('member', 18, `${l.name} · generations`, j));
  });
  let y = 0;
  TL.laneY = lanes.map((l) => {
    const y0 = y;
    y += l.h;
    return y0;
  });
  TL.height = y;
  TL.lanes = lanes;
}

export function tlFitScale(): number {
  const w = Math.max(100, TL.scroller.clientWidth - LABEL_W - 16);
  return w / Math.max(1, M.data.endUs - M.data.startUs);
}

function tlMaxScale(): number {
  return Math.min(20, 2e7 / Math.max(1, M.data.endUs - M.data.startUs));
}

export function tlLayout(): void {
  const h = Math.min(TL.axisH + TL.height + 18, Math.max(260, Math.round(window.innerHeight * 0.7)));
  TL.wrap.style.height = `${h}px`;
  TL.spacer.style.width = `${Math.ceil(LABEL_W + (M.data.endUs - M.data.startUs) * TL.scale + 16)}px`;
  TL.spacer.style.height = `${TL.axisH + TL.height}px`;
}

export function tlView(): TimeView {
  const W = TL.scroller.clientWidth;
  const t0 = M.data.startUs + TL.scroller.scrollLeft / TL.scale;
  return { W, H: TL.scroller.clientHeight, t0, t1: t0 + (W - LABEL_W) / TL.scale, yOff: TL.scroller.scrollTop };
}

/** Zooms to scale (clamped), keeping the time under anchorX (default: the middle) in place. */
export function setScale(scale: number, anchorX?: number): void {
  const clamped = Math.max(tlFitScale(), Math.min(tlMaxScale(), scale));
  const view = tlView();
  const ax = anchorX ?? LABEL_W + (view.W - LABEL_W) / 2;
  const tAnchor = view.t0 + (ax - LABEL_W) / TL.scale;
  TL.scale = clamped;
  tlLayout();
  TL.scroller.scrollLeft = Math.max(0, (tAnchor - M.data.startUs) * clamped - (ax - LABEL_W));
  drawTimeline();
}

/** Shows the time range [t0, t1] across the timeline's width. */
export function showRange(t0: number, t1: number): void {
  const w = Math.max(100, TL.scroller.clientWidth - LABEL_W - 16);
  TL.scale = Math.max(tlFitScale(), Math.min(tlMaxScale(), w / Math.max(1, t1 - t0)));
  tlLayout();
  TL.scroller.scrollLeft = Math.max(0, (t0 - M.data.startUs) * TL.scale);
  drawTimeline();
}

interface FaultLabel {
  row: number;
  xa: number;
  xb: number;
  text: string;
  beyondPromise: boolean;
}

/**
 * Places each fault's bar and label in the first axis row where neither overlaps a label
 * already there, so overlapping faults stack and every label stays readable.
 */
function layoutFaults(ctx: CanvasRenderingContext2D, X: (t: number) => number): FaultLabel[] {
  ctx.font = '9px system-ui, sans-serif';
  const rowEnds: number[] = [];
  const faults = M.data.faults.filter((f) => f.startUs >= 0).sort((a, b) => a.startUs - b.startUs || a.id - b.id);
  return faults.map((f) => {
    const xa = X(f.startUs);
    const xb = X(f.endUs >= 0 ? f.endUs : M.data.endUs);
    const text = `fault ${f.id}: ${f.description}`;
    const right = Math.max(xb, xa + ctx.measureText(text).width + 8);
    let row = rowEnds.findIndex((end) => end <= xa);
    if (row < 0 && rowEnds.length < MAX_FAULT_ROWS) row = rowEnds.length;
    if (row < 0) row = rowEnds.indexOf(Math.min(...rowEnds));
    rowEnds[row] = right;
    return { row, xa, xb, text, beyondPromise: f.beyondPromise };
  });
}

function drawFaultShading(ctx: CanvasRenderingContext2D, X: (t: number) => number, H: number): void {
  for (const f of M.data.faults) {
    if (f.startUs < 0) continue;
    const xa = X(f.startUs);
    const xb = X(f.endUs >= 0 ? f.endUs : M.data.endUs);
    ctx.fillStyle = f.beyondPromise ? 'rgba(234, 88, 12, 0.10)' : 'rgba(220, 38, 38, 0.08)';
    ctx.fillRect(xa, TL.axisH, Math.max(2, xb - xa), H - TL.axisH);
  }
}

function focusMoments(): Array<[number, string, string]> {
  const f = M.focus;
  if (!f) return [];
  const moments: Array<[number, string, string]> = [
    [f.appendedAtUs, '#1d4ed8', 'appended'],
    [f.ackedAtUs, '#15803d', 'acked'],
    [f.lostAtUs, '#b91c1c', 'lost'],
  ];
  return moments.filter((m) => m[0] >= 0);
}

function drawLanes(ctx: CanvasRenderingContext2D, view: TimeView, X: (t: number) => number): void {
  const lv: LaneView = { ...view, X, axisH: TL.axisH, labelW: LABEL_W };
  TL.lanes.forEach((l, li) => {
    const y = TL.axisH + TL.laneY[li] - view.yOff;
    if (y + l.h < TL.axisH || y > view.H) return;
    if (l.kind === 'group') {
      ctx.fillStyle = '#f1f5f9';
      ctx.fillRect(LABEL_W, y, view.W - LABEL_W, l.h);
    } else if (l.kind === 'client') drawClientLane(ctx, l.id, y, l.h, lv);
    else if (l.kind === 'broker') drawBrokerLane(ctx, l, y, lv);
    else if (l.kind === 'voter') drawVoterLane(ctx, l.id, y, l.h, lv);
    else if (l.kind === 'member') drawMemberLane(ctx, l.id, y, l.h, lv);
    else drawControllerLane(ctx, y, l.h, lv);
    ctx.fillStyle = '#eef2f7';
    ctx.fillRect(LABEL_W, y + l.h - 1, view.W - LABEL_W, 1);
  });
}

function drawPlot(ctx: CanvasRenderingContext2D, view: TimeView, X: (t: number) => number): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(LABEL_W, TL.axisH, view.W - LABEL_W, view.H - TL.axisH);
  ctx.clip();
  drawFaultShading(ctx, X, view.H);
  drawLanes(ctx, view, X);
  ctx.lineWidth = 1.5;
  ctx.setLineDash([4, 3]);
  for (const [t, color] of focusMoments()) {
    const x = Math.round(X(t)) + 0.5;
    ctx.strokeStyle = color;
    ctx.beginPath();
    ctx.moveTo(x, TL.axisH);
    ctx.lineTo(x, view.H);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (!M.check) {
    // The scrubber's cursor (a check report has no cluster to show).
    const xc = Math.round(X(ui.scrubT)) + 0.5;
    ctx.strokeStyle = '#0f172a';
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(xc, TL.axisH);
    ctx.lineTo(xc, view.H);
    ctx.stroke();
  }
  ctx.restore();
}

function drawLaneLabels(ctx: CanvasRenderingContext2D, view: TimeView): void {
  ctx.save();
  ctx.beginPath();
  ctx.rect(0, TL.axisH, LABEL_W, view.H - TL.axisH);
  ctx.clip();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, TL.axisH, LABEL_W, view.H - TL.axisH);
  TL.lanes.forEach((l, li) => {
    const y = TL.axisH + TL.laneY[li] - view.yOff;
    if (y + l.h < TL.axisH || y > view.H) return;
    if (l.kind === 'group') {
      ctx.fillStyle = '#f1f5f9';
      ctx.fillRect(0, y, LABEL_W, l.h);
      ctx.fillStyle = '#475569';
      ctx.font = 'bold 11px system-ui, sans-serif';
      ctx.fillText(fitText(ctx, l.label.toUpperCase(), view.W - 16), 8, y + l.h / 2);
      return;
    }
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = l.noReplica ? '#94a3b8' : '#1f2937';
    const lostHere = l.kind === 'broker' && M.focus !== null && M.focus.lostOnBroker === l.id;
    ctx.fillText(fitText(ctx, lostHere ? `${l.label} ✂` : l.label, LABEL_W - 14), 8, y + l.h / 2);
    ctx.fillStyle = '#eef2f7';
    ctx.fillRect(0, y + l.h - 1, LABEL_W, 1);
  });
  ctx.fillStyle = '#cbd5e1';
  ctx.fillRect(LABEL_W - 1, TL.axisH, 1, view.H - TL.axisH);
  ctx.restore();
}

function drawTicks(ctx: CanvasRenderingContext2D, view: TimeView, X: (t: number) => number): void {
  const step = niceStep(90 / TL.scale);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#475569';
  TL.ticks = [];
  for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
    const xt = Math.round(X(t)) + 0.5;
    const label = tickLabel(t, step);
    TL.ticks.push({ t, label });
    ctx.fillRect(xt, TL.axisH - 7, 1, 6);
    ctx.fillText(label, xt + 3, TL.axisH - 11);
  }
}

function drawFaultRows(ctx: CanvasRenderingContext2D, labels: FaultLabel[]): void {
  ctx.font = '9px system-ui, sans-serif';
  labels.forEach((f, k) => {
    const y = f.row * FAULT_ROW_H;
    const xa = Math.max(LABEL_W, f.xa);
    if (f.xb < LABEL_W) return;
    ctx.fillStyle = f.beyondPromise ? 'rgba(234, 88, 12, 0.25)' : 'rgba(220, 38, 38, 0.18)';
    ctx.fillRect(xa, y, Math.max(2, f.xb - xa), 9);
    // The label runs to the next label in its row (the layout left room for it).
    const next = labels.slice(k + 1).find((g) => g.row === f.row);
    ctx.fillStyle = '#991b1b';
    ctx.fillText(fitText(ctx, f.text, (next ? next.xa : Infinity) - xa - 6), xa + 3, y + 5);
  });
}

function drawAxis(ctx: CanvasRenderingContext2D, view: TimeView, X: (t: number) => number, faults: FaultLabel[]): void {
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, view.W, TL.axisH);
  ctx.fillStyle = '#cbd5e1';
  ctx.fillRect(0, TL.axisH - 1, view.W, 1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(LABEL_W, 0, view.W - LABEL_W, TL.axisH);
  ctx.clip();
  drawTicks(ctx, view, X);
  drawFaultRows(ctx, faults);
  let lastLabelX = -1e9;
  const momentsY = TL.axisH - 26;
  ctx.font = 'bold 9px system-ui, sans-serif';
  for (const [t, color, text] of focusMoments()) {
    const xm = X(t);
    if (xm < LABEL_W || xm > view.W || xm - lastLabelX < 52) continue;
    lastLabelX = xm;
    ctx.fillStyle = color;
    ctx.fillText(text, xm + 3, momentsY);
  }
  if (!M.check) {
    ctx.fillStyle = '#0f172a';
    ctx.font = 'bold 10px system-ui, sans-serif';
    ctx.fillText('▼', Math.round(X(ui.scrubT)) - 3.5, TL.axisH - 4);
  }
  ctx.restore();
  ctx.fillStyle = '#475569';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(M.check ? 'time' : 'virtual time', 8, TL.axisH - 11);
}

export function drawTimeline(): void {
  let view = tlView();
  let ctx = sizeCanvas(TL.canvas, view.W, view.H);
  const X = (t: number) => LABEL_W + (t - view.t0) * TL.scale;
  const faults = layoutFaults(ctx, X);
  const rows = faults.reduce((n, f) => Math.max(n, f.row + 1), 0);
  const axisH = Math.max(AXIS_MIN_H, rows * FAULT_ROW_H + 33);
  if (axisH !== TL.axisH) {
    TL.axisH = axisH;
    tlLayout();
    view = tlView();
    ctx = sizeCanvas(TL.canvas, view.W, view.H);
  }
  ctx.clearRect(0, 0, view.W, view.H);
  ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
  ctx.textBaseline = 'middle';
  drawPlot(ctx, view, X);
  drawLaneLabels(ctx, view);
  drawAxis(ctx, view, X, faults);
}
