// "Replica logs by offset": one row per broker, one column per offset, each cell the record
// copies that broker wrote there, coloured by leader epoch; truncated copies struck through,
// copies written after the chosen moment dashed, the high watermark then as a bar. Drawn
// virtually (only the offsets on screen).
//
// Assumes the skeleton's #grid-* elements and the decoded model (model.ts).

import { byId, fitText, hideTip, showTip, sizeCanvas } from './dom.ts';
import {
  M,
  ROLE,
  isFocusVersion,
  lowerBound,
  nodeStateAt,
  replicaAt,
  replicaSet,
  str,
  verEp,
  verTa,
  versionsOf,
} from './model.ts';
import { ui } from './state.ts';
import { fmtTime, quote } from './text.ts';

const G_LABEL = 118;
const G_HEAD = 24;
const G_COL = 88;
const G_VH = 18;
const EPOCH_COLORS = ['#dbeafe', '#dcfce7', '#fef3c7', '#fae8ff', '#cffafe', '#ffe4e6', '#e0e7ff', '#ecfccb'];

interface GridRow {
  id: number;
  name: string;
  depth: number;
  y: number;
  h: number;
}

const GR = {
  wrap: byId('grid-wrap'),
  scroller: byId('grid-scroll'),
  spacer: byId('grid-spacer'),
  canvas: byId<HTMLCanvasElement>('grid-canvas'),
  rows: [] as GridRow[],
  maxOff: -1,
};

/** Most copies one offset has on this broker (rewrites after truncation stack up), at most 3. */
function depthOf(offs: Float64Array): number {
  let depth = 1;
  let run = 1;
  for (let j = 1; j < offs.length; j++) {
    run = offs[j] === offs[j - 1] ? run + 1 : 1;
    depth = Math.max(depth, run);
  }
  return Math.min(depth, 3);
}

export function gridRows(): void {
  let maxOff = -1;
  let y = G_HEAD;
  GR.rows = M.data.brokers.map((br) => {
    const vb = versionsOf(ui.curTp, br.id);
    const depth = vb ? depthOf(vb.offs) : 1;
    if (vb && vb.offs.length) maxOff = Math.max(maxOff, vb.offs[vb.offs.length - 1]);
    const h = Math.max(38, 8 + depth * (G_VH + 2));
    const row = { id: br.id, name: br.name, depth, y, h };
    y += h;
    return row;
  });
  GR.maxOff = maxOff;
  GR.wrap.style.height = `${y + 18}px`;
  GR.spacer.style.width = `${G_LABEL + (maxOff + 1) * G_COL + 8}px`;
  GR.spacer.style.height = `${y}px`;
  byId('grid-empty').hidden = maxOff >= 0;
}

function cellVersions(br: number, off: number): number[] {
  const vb = versionsOf(ui.curTp, br);
  if (!vb) return [];
  const out: number[] = [];
  for (let j = lowerBound(vb.offs, off); j < vb.list.length && vb.offs[j] === off; j++) out.push(vb.list[j]);
  return out;
}

function drawCopy(ctx: CanvasRenderingContext2D, ver: number, x: number, y: number): void {
  const w = G_COL - 6;
  const future = verTa(ver) > ui.scrubT;
  const cut = M.verTt[ver] <= ui.scrubT;
  const focus = isFocusVersion(ver);
  ctx.globalAlpha = future ? 0.35 : 1;
  ctx.fillStyle = cut ? '#fff1f2' : EPOCH_COLORS[verEp(ver) % EPOCH_COLORS.length];
  ctx.fillRect(x + 2, y, w, G_VH);
  ctx.lineWidth = focus ? 2.5 : 1;
  ctx.strokeStyle = focus ? '#b91c1c' : cut ? '#fca5a5' : '#94a3b8';
  if (future) ctx.setLineDash([3, 2]);
  ctx.strokeRect(x + 2.5, y + 0.5, w - 1, G_VH - 1);
  ctx.setLineDash([]);
  ctx.font = `${focus ? 'bold ' : ''}11px ui-monospace, "DejaVu Sans Mono", monospace`;
  ctx.fillStyle = cut ? '#9f1239' : '#0f172a';
  const label = fitText(ctx, (cut ? '✂ ' : '') + M.data.strings[M.data.verVal[ver]], w - 26);
  ctx.fillText(label, x + 6, y + G_VH / 2);
  if (cut) ctx.fillRect(x + 6, y + G_VH / 2, ctx.measureText(label).width, 1);
  ctx.font = '9px system-ui, sans-serif';
  ctx.fillStyle = '#475569';
  ctx.fillText(`e${verEp(ver)}`, x + w - 16, y + G_VH / 2);
  ctx.globalAlpha = 1;
}

function drawRow(
  ctx: CanvasRenderingContext2D,
  row: GridRow,
  first: number,
  last: number,
  CX: (off: number) => number,
  W: number,
): void {
  for (let off = first; off <= last; off++) {
    const vs = cellVersions(row.id, off);
    const shown = vs.length > row.depth ? vs.slice(vs.length - row.depth) : vs;
    shown.forEach((ver, j) => drawCopy(ctx, ver, CX(off), row.y + 4 + j * (G_VH + 2)));
    if (vs.length > row.depth) {
      ctx.fillStyle = '#475569';
      ctx.font = '9px system-ui, sans-serif';
      ctx.fillText(`+${vs.length - row.depth}`, CX(off) + G_COL - 18, row.y + row.h - 5);
    }
  }
  const r = replicaAt(ui.curTp, row.id, ui.scrubT);
  if (r) {
    // The high watermark at the chosen moment.
    const xh = CX(r.hw) - 1;
    ctx.fillStyle = '#d97706';
    ctx.fillRect(xh - 1, row.y + 1, 3, row.h - 2);
    ctx.font = 'bold 9px system-ui, sans-serif';
    ctx.fillText('HW', xh + 3, row.y + row.h - 5);
  }
  ctx.fillStyle = '#e5e7eb';
  ctx.fillRect(G_LABEL, row.y + row.h - 1, W, 1);
}

function drawRowLabels(ctx: CanvasRenderingContext2D, H: number): void {
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, G_LABEL, H);
  const replicas = replicaSet(ui.curTp);
  for (const row of GR.rows) {
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#1f2937';
    ctx.fillText(fitText(ctx, row.name, G_LABEL - 12), 8, row.y + 12);
    const rs = replicaAt(ui.curTp, row.id, ui.scrubT);
    const ns = nodeStateAt(row.id, ui.scrubT);
    ctx.font = '10px system-ui, sans-serif';
    ctx.fillStyle = '#64748b';
    const roleAndLeo = rs ? `${ROLE[rs.role]} · LEO ${rs.leo}` : '';
    const state = !replicas.has(row.id) ? 'no replica' : !ns.up ? 'down' : roleAndLeo;
    ctx.fillText(fitText(ctx, state, G_LABEL - 12), 8, row.y + 26);
  }
  ctx.fillStyle = '#cbd5e1';
  ctx.fillRect(G_LABEL - 1, 0, 1, H);
}

export function drawGrid(): void {
  if (M.check) return;
  const W = GR.scroller.clientWidth;
  const H = GR.scroller.clientHeight;
  const ctx = sizeCanvas(GR.canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  ctx.textBaseline = 'middle';
  const sl = GR.scroller.scrollLeft;
  const first = Math.max(0, Math.floor(sl / G_COL));
  const last = Math.min(GR.maxOff, Math.ceil((sl + W - G_LABEL) / G_COL));
  const CX = (off: number) => G_LABEL + off * G_COL - sl;
  ctx.save();
  ctx.beginPath();
  ctx.rect(G_LABEL, 0, W - G_LABEL, H);
  ctx.clip();
  ctx.font = '11px system-ui, sans-serif';
  const f = M.focus;
  for (let off = first; off <= last; off++) {
    ctx.fillStyle = f && ui.curTp === f.tp && off === f.offset ? '#fee2e2' : '#f8fafc';
    ctx.fillRect(CX(off), 0, G_COL - 1, G_HEAD - 2);
    ctx.fillStyle = '#334155';
    ctx.fillText(`offset ${off}`, CX(off) + 6, G_HEAD / 2);
  }
  for (const row of GR.rows) drawRow(ctx, row, first, last, CX, W);
  ctx.restore();
  drawRowLabels(ctx, H);
}

function copyLine(ver: number): string {
  const cut = M.verTt[ver] !== Infinity;
  return (
    `${quote(M.data.strings[M.data.verVal[ver]], 80)} · leader epoch ${verEp(ver)} · ` +
    `appended ${fmtTime(verTa(ver))}` +
    (cut ? ` · truncated ${fmtTime(M.verTt[ver])} (${str(M.verWhy[ver])})` : ' · still there at the end') +
    (isFocusVersion(ver) ? '  ★ lost record' : '')
  );
}

function gridHover(e: MouseEvent): { row: GridRow; off: number } | null {
  const rect = GR.scroller.getBoundingClientRect();
  const x = e.clientX - rect.left;
  const y = e.clientY - rect.top;
  const off = Math.floor((x - G_LABEL + GR.scroller.scrollLeft) / G_COL);
  const row = GR.rows.find((r) => y >= r.y && y < r.y + r.h);
  if (x < G_LABEL || y < G_HEAD || !row || off > GR.maxOff) {
    hideTip();
    return null;
  }
  const vs = cellVersions(row.id, off);
  const lines = [`${row.name} · ${M.data.tps[ui.curTp]} offset ${off}`];
  if (!vs.length) lines.push('never written on this replica');
  lines.push(...vs.map(copyLine));
  showTip(lines, e.clientX, e.clientY);
  return { row, off };
}

/** Wires the grid; onCellClick(broker, offset) dumps that broker's log at that offset. */
export function initGrid(onCellClick: (broker: number, offset: number) => void): void {
  if (M.check) return;
  gridRows();
  GR.scroller.addEventListener('scroll', () => {
    hideTip();
    drawGrid();
  });
  GR.scroller.addEventListener('mousemove', gridHover);
  GR.scroller.addEventListener('mouseleave', hideTip);
  GR.scroller.addEventListener('click', (e) => {
    const hit = gridHover(e);
    if (hit) onCellClick(hit.row.id, hit.off);
  });
  const f = M.focus;
  if (f && f.offset >= 0 && ui.curTp === f.tp) {
    GR.scroller.scrollLeft = Math.max(0, f.offset * G_COL - (GR.scroller.clientWidth - G_LABEL) / 2);
  }
}

/** Client rect of the replica-log cell (broker, offset), scrolled into view. */
export function gridCellBox(br: number, off: number): { x: number; y: number; width: number; height: number } | null {
  const row = GR.rows.find((r) => r.id === br);
  if (!row) return null;
  const W = GR.scroller.clientWidth;
  const x = G_LABEL + off * G_COL - GR.scroller.scrollLeft;
  if (x < G_LABEL || x + G_COL > W) {
    GR.scroller.scrollLeft = Math.max(0, off * G_COL - (W - G_LABEL) / 2);
    drawGrid();
  }
  let rect = GR.scroller.getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) {
    GR.wrap.scrollIntoView({ block: 'center' });
    rect = GR.scroller.getBoundingClientRect();
  }
  return {
    x: rect.left + G_LABEL + off * G_COL - GR.scroller.scrollLeft,
    y: rect.top + row.y,
    width: G_COL,
    height: row.h,
  };
}
