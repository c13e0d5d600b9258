// Draws inside one timeline lane: a client's operations, a broker's replica state (role,
// leader epoch, HW and LEO over time, down periods, truncations, copies of the lost record),
// or the controller's partition record. Only what falls in the visible time window is
// visited (binary search to its start).
//
// Assumes the decoded model (model.ts) and the view timeline.ts passes in.

import { fitText } from './dom.ts';
import { M, isFocusVersion, lastAtOrBefore, listOf, lowerBound, str, upAgainUs, verTa, versionsOf } from './model.ts';
import { opLabel, ST_COLOR } from './ops.ts';
import { ui } from './state.ts';
import { quote } from './text.ts';

export interface LaneView {
  W: number;
  H: number;
  t0: number;
  t1: number;
  yOff: number;
  X: (t: number) => number;
  axisH: number;
  labelW: number;
}

const MONO = '11px ui-monospace, "DejaVu Sans Mono", monospace';

function isSpecial(o: number): boolean {
  return M.marked.has(o) || (M.focus !== null && o === M.focus.sendOp) || o === M.cexFailed;
}

function outlineOp(ctx: CanvasRenderingContext2D, o: number, xa: number, y: number, w: number, h: number): void {
  if (o === M.cexFailed) {
    // The operation that could not be placed: red, thickest.
    ctx.strokeStyle = '#dc2626';
    ctx.lineWidth = 3;
    ctx.strokeRect(xa - 1, y + 2.5, w + 2, h - 5);
  } else if (isSpecial(o)) {
    ctx.strokeStyle = '#7f1d1d';
    ctx.lineWidth = M.focus !== null && o === M.focus.sendOp ? 3 : 2;
    ctx.strokeRect(xa - 1, y + 2.5, w + 2, h - 5);
  } else if (M.data.cex && M.cexOrder.has(o)) {
    ctx.strokeStyle = '#14532d';
    ctx.lineWidth = 1;
    ctx.strokeRect(xa + 0.5, y + 4.5, w - 1, h - 9);
  }
}

function drawSendMarker(ctx: CanvasRenderingContext2D, lane: number, y: number, h: number, v: LaneView): void {
  const f = M.focus;
  if (!f || f.sendOp < 0 || M.data.ops.lane[f.sendOp] !== lane) return;
  const xa = v.X(M.opT0[f.sendOp]);
  const xb = v.X(M.opT1[f.sendOp]);
  if (xb <= v.labelW || xa >= v.W || xb - xa > 46) return;
  ctx.fillStyle = '#7f1d1d';
  ctx.font = `bold ${MONO}`;
  ctx.fillText(`◀ ${fitText(ctx, quote(f.value, 40), 240)}`, xb + 5, y + h / 2);
  ctx.font = MONO;
}

export function drawClientLane(ctx: CanvasRenderingContext2D, lane: number, y: number, h: number, v: LaneView): void {
  const list = M.laneOps[lane];
  let lastX = -1e9;
  let lastSt = -1;
  const labels: Array<[number, number, number]> = [];
  for (let j = lowerBound(M.laneMaxEnd[lane], v.t0); j < list.length; j++) {
    const o = list[j];
    if (M.opT0[o] > v.t1) break;
    const xa = v.X(M.opT0[o]);
    const w = Math.max(1.5, v.X(M.opT1[o]) - xa);
    const st = M.data.ops.st[o];
    // Many ops in one pixel column: draw one.
    if (!isSpecial(o) && w < 2 && Math.floor(xa) === lastX && st === lastSt) continue;
    lastX = Math.floor(xa);
    lastSt = st;
    ctx.globalAlpha = M.data.cex && !M.cexOrder.has(o) && o !== M.cexFailed ? 0.35 : 1;
    ctx.fillStyle = ST_COLOR[st];
    ctx.fillRect(xa, y + 4, w, h - 8);
    ctx.globalAlpha = 1;
    outlineOp(ctx, o, xa, y, w, h);
    if (w > 46) labels.push([o, xa, w]);
  }
  drawSendMarker(ctx, lane, y, h, v);
  ctx.fillStyle = '#ffffff';
  for (const [o, xa, w] of labels) {
    const order = M.cexOrder.get(o);
    const text = (order !== undefined ? `#${order} ` : '') + (o === M.cexFailed ? '✗ ' : '') + opLabel(o, 40);
    const x0 = Math.max(xa, v.labelW);
    ctx.fillText(fitText(ctx, text, xa + w - x0 - 6), x0 + 3, y + h / 2);
  }
}

const GENERATION_COLORS = ['#0d9488', '#7c3aed', '#d97706', '#db2777', '#2563eb', '#65a30d'];

/** A group member's lane: one band per assignment it was handed, its generation and partitions. */
export function drawMemberLane(ctx: CanvasRenderingContext2D, lane: number, y: number, h: number, v: LaneView): void {
  for (const s of M.data.groups?.spans ?? []) {
    if (s.lane !== lane || s.t1 < v.t0 || s.t0 > v.t1) continue;
    const xa = Math.max(v.labelW, v.X(s.t0));
    const w = Math.min(v.W, v.X(s.t1)) - xa;
    if (w <= 0) continue;
    ctx.fillStyle = GENERATION_COLORS[s.gen % GENERATION_COLORS.length];
    ctx.fillRect(xa, y + 2, Math.max(1, w - 1), h - 4);
    if (w < 30) continue;
    const tps = s.tps.map((tp) => M.data.tps[tp]).join(',') || '—';
    ctx.fillStyle = '#ffffff';
    ctx.fillText(fitText(ctx, `gen ${s.gen} · ${tps} · ${s.member}`, w - 6), xa + 3, y + h / 2);
  }
}

function roleColor(role: number): string {
  return role === 1 ? '#2563eb' : role === 2 ? '#93c5fd' : '#e5e7eb';
}

/** The replica's label: in full where it fits, else HW and LEO alone, so both follow the values. */
function replicaLabel(ctx: CanvasRenderingContext2D, r: number, widthPx: number): string {
  const role = M.data.rep.role[r];
  const hw = M.repHw[r];
  const leo = M.repLeo[r];
  const name = role === 1 ? 'leader' : role === 2 ? 'follower' : 'no role';
  const candidates = [
    `${name}${M.data.rep.ep[r] >= 0 ? ` e${M.data.rep.ep[r]}` : ''} · HW ${hw} · LEO ${leo}`,
    `HW ${hw} · LEO ${leo}`,
    `${hw}/${leo}`,
  ];
  return candidates.find((c) => ctx.measureText(c).width <= widthPx) ?? fitText(ctx, candidates[2], widthPx);
}

/**
 * The times in [tA, tB) at which this broker believes it leads while the controller's record
 * names another leader (a deposed leader that has not heard yet, or is down).
 */
function staleLeadership(br: number, tA: number, tB: number): Array<{ a: number; b: number; leader: number }> {
  const rows = M.partBy.get(ui.curTp) ?? [];
  const out: Array<{ a: number; b: number; leader: number }> = [];
  for (let k = Math.max(0, lastAtOrBefore(rows, M.partT, tA)); k < rows.length && M.partT[rows[k]] < tB; k++) {
    const leader = M.data.part.leader[rows[k]];
    const a = Math.max(tA, M.partT[rows[k]]);
    const b = Math.min(tB, k + 1 < rows.length ? M.partT[rows[k + 1]] : M.data.endUs);
    if (leader !== br && b > a) out.push({ a, b, leader });
  }
  return out;
}

type RunLabel = { text: (widthPx: number) => string; x0: number; x1: number; color: string };

function drawReplicaRuns(ctx: CanvasRenderingContext2D, br: number, top: number, bh: number, v: LaneView): void {
  const rows = M.repBy.get(ui.curTp)?.get(br) ?? [];
  const labels: RunLabel[] = [];
  ctx.font = MONO;
  for (let k = Math.max(0, lastAtOrBefore(rows, M.repT, v.t0)); k < rows.length; k++) {
    const r = rows[k];
    if (M.repT[r] > v.t1) break;
    const tB = k + 1 < rows.length ? M.repT[rows[k + 1]] : M.data.endUs;
    const xa = v.X(M.repT[r]);
    const xb = v.X(tB);
    ctx.fillStyle = roleColor(M.data.rep.role[r]);
    ctx.fillRect(xa, top, Math.max(1, xb - xa), bh);
    if (k > 0) {
      // A thin mark where HW or LEO moves, so each label sits in its own segment.
      ctx.fillStyle = 'rgba(255, 255, 255, 0.7)';
      ctx.fillRect(xa, top, 1, bh);
    }
    const stale = M.data.rep.role[r] === 1 ? staleLeadership(br, M.repT[r], tB) : [];
    const fg = M.data.rep.role[r] === 1 ? '#ffffff' : '#0f172a';
    labels.push({ text: (w) => replicaLabel(ctx, r, w), x0: xa, x1: stale.length ? v.X(stale[0].a) : xb, color: fg });
    for (const s of stale) {
      const sa = v.X(s.a);
      ctx.fillStyle = '#b45309';
      ctx.fillRect(sa, top, Math.max(1, v.X(s.b) - sa), bh);
      const who = s.leader < 0 ? 'no leader' : `broker ${s.leader}`;
      const text = `leader in its own view · controller: ${who} · HW ${M.repHw[r]} · LEO ${M.repLeo[r]}`;
      labels.push({ text: (w) => fitText(ctx, text, w), x0: sa, x1: v.X(s.b), color: '#ffffff' });
    }
  }
  for (const l of labels) {
    const x0 = Math.max(l.x0, v.labelW);
    if (l.x1 - x0 <= 22) continue;
    ctx.fillStyle = l.color;
    ctx.fillText(l.text(l.x1 - x0 - 6), x0 + 4, top + bh / 2);
  }
}

function drawDownPeriods(ctx: CanvasRenderingContext2D, br: number, top: number, bh: number, v: LaneView): void {
  const rows = M.nodeBy.get(br) ?? [];
  rows.forEach((n, j) => {
    if (M.data.nodeEv.up[n] === 1) return;
    const da = v.X(M.nodeT[n]);
    const db = v.X(upAgainUs(rows, j));
    if (db < v.labelW || da > v.W) return;
    ctx.fillStyle = '#374151';
    ctx.fillRect(da, top, Math.max(2, db - da), bh);
    ctx.fillStyle = '#f9fafb';
    const x0 = Math.max(da, v.labelW);
    ctx.fillText(fitText(ctx, `down (${str(M.data.nodeEv.cause[n])})`, db - x0 - 6), x0 + 4, top + bh / 2);
  });
}

/** A red bar while this broker holds a copy of the lost record, ✂ where it was truncated. */
function drawFocusCopies(ctx: CanvasRenderingContext2D, br: number, y: number, h: number, v: LaneView): void {
  const f = M.focus;
  if (!f || ui.curTp !== f.tp) return;
  const vb = versionsOf(f.tp, br);
  if (!vb) return;
  for (let z = f.offset >= 0 ? lowerBound(vb.offs, f.offset) : 0; z < vb.list.length; z++) {
    const x = vb.list[z];
    if (f.offset >= 0 && M.verOff[x] !== f.offset) break;
    if (!isFocusVersion(x)) continue;
    const cut = M.verTt[x] !== Infinity;
    const ca = v.X(verTa(x));
    const cb = v.X(cut ? M.verTt[x] : M.data.endUs);
    ctx.fillStyle = '#dc2626';
    ctx.fillRect(ca, y + h - 9, Math.max(2, cb - ca), 5);
    if (cut) {
      ctx.fillStyle = '#7f1d1d';
      ctx.font = 'bold 12px system-ui, sans-serif';
      ctx.fillText('✂', cb - 4, y + h - 7);
    }
  }
}

function drawTruncations(ctx: CanvasRenderingContext2D, br: number, y: number, v: LaneView): void {
  ctx.fillStyle = '#ea580c';
  for (const i of M.truncBy.get(ui.curTp)?.get(br) ?? []) {
    const xt = v.X(M.truncT[i]);
    if (xt < v.labelW - 6 || xt > v.W + 6) continue;
    ctx.beginPath();
    ctx.moveTo(xt - 5, y + 1);
    ctx.lineTo(xt + 5, y + 1);
    ctx.lineTo(xt, y + 8);
    ctx.closePath();
    ctx.fill();
  }
}

function drawNoReplica(ctx: CanvasRenderingContext2D, y: number, h: number, v: LaneView): void {
  ctx.fillStyle = '#f8fafc';
  ctx.fillRect(v.labelW, y + 3, v.W - v.labelW, h - 6);
  ctx.strokeStyle = '#e2e8f0';
  ctx.lineWidth = 1;
  for (let x = v.labelW; x < v.W; x += 12) {
    ctx.beginPath();
    ctx.moveTo(x, y + h - 3);
    ctx.lineTo(x + 8, y + 3);
    ctx.stroke();
  }
  ctx.fillStyle = '#64748b';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText(`holds no replica of ${M.data.tps[ui.curTp]}`, v.labelW + 8, y + h / 2);
}

export function drawBrokerLane(
  ctx: CanvasRenderingContext2D,
  lane: { id: number; h: number; noReplica: boolean },
  y: number,
  v: LaneView,
): void {
  if (lane.noReplica) {
    drawNoReplica(ctx, y, lane.h, v);
    return;
  }
  const top = y + 4;
  const bh = lane.h - 14;
  drawReplicaRuns(ctx, lane.id, top, bh, v);
  drawDownPeriods(ctx, lane.id, top, bh, v);
  drawFocusCopies(ctx, lane.id, y, lane.h, v);
  drawTruncations(ctx, lane.id, y, v);
}

function partitionText(r: number): string {
  const d = M.data.part;
  const elr = listOf(d.elr[r]);
  return (
    `${d.leader[r] < 0 ? 'no leader' : `leader ${d.leader[r]}`} · e${d.ep[r]} · ISR [${listOf(d.isr[r])}]` +
    (elr ? ` · ELR [${elr}]` : '')
  );
}

export function drawControllerLane(ctx: CanvasRenderingContext2D, y: number, h: number, v: LaneView): void {
  const rows = M.partBy.get(ui.curTp) ?? [];
  for (let k = Math.max(0, lastAtOrBefore(rows, M.partT, v.t0)); k < rows.length; k++) {
    const r = rows[k];
    if (M.partT[r] > v.t1) break;
    const xa = v.X(M.partT[r]);
    const xb = v.X(k + 1 < rows.length ? M.partT[rows[k + 1]] : M.data.endUs);
    ctx.fillStyle = M.data.part.leader[r] < 0 ? '#fecaca' : k % 2 ? '#ede9fe' : '#f5f3ff';
    ctx.fillRect(xa, y + 3, Math.max(1, xb - xa), h - 6);
    ctx.fillStyle = '#a78bfa';
    ctx.fillRect(xa, y + 3, 1, h - 6);
    if (xb - xa > 60) {
      ctx.fillStyle = '#3b0764';
      const x0 = Math.max(xa, v.labelW);
      ctx.fillText(fitText(ctx, partitionText(r), xb - x0 - 6), x0 + 4, y + h / 2);
    }
  }
  ctx.fillStyle = 'rgba(55, 65, 81, 0.85)';
  for (const c of M.data.controllers) {
    const nrows = M.nodeBy.get(c.id) ?? [];
    nrows.forEach((n, j) => {
      if (M.data.nodeEv.up[n] === 1) return;
      const xa = v.X(M.nodeT[n]);
      ctx.fillRect(xa, y + 3, Math.max(2, v.X(upAgainUs(nrows, j)) - xa), h - 6);
    });
  }
}

const VOTER_FILL: Record<string, string> = {
  leader: '#bbf7d0',
  follower: '#e5e7eb',
  candidate: '#fde68a',
  unattached: '#f3f4f6',
  resigned: '#fecaca',
};

/** A controller voter's lane: its Raft role over time (leader, follower, candidate…), epoch and HW. */
export function drawVoterLane(ctx: CanvasRenderingContext2D, node: number, y: number, h: number, v: LaneView): void {
  const rows = M.quorumBy.get(node) ?? [];
  const q = M.data.quorum;
  for (let k = Math.max(0, lastAtOrBefore(rows, M.quorumT, v.t0)); k < rows.length; k++) {
    const r = rows[k];
    if (M.quorumT[r] > v.t1) break;
    const xa = v.X(M.quorumT[r]);
    const xb = v.X(k + 1 < rows.length ? M.quorumT[rows[k + 1]] : M.data.endUs);
    const role = str(q.role[r]) ?? '';
    ctx.fillStyle = VOTER_FILL[role] ?? '#f3f4f6';
    ctx.fillRect(xa, y + 3, Math.max(1, xb - xa), h - 6);
    if (xb - xa > 60) {
      ctx.fillStyle = '#111827';
      const x0 = Math.max(xa, v.labelW);
      ctx.fillText(fitText(ctx, `${role} · e${q.ep[r]} · HW ${q.hw[r]}`, xb - x0 - 6), x0 + 4, y + h / 2);
    }
  }
  ctx.fillStyle = 'rgba(55, 65, 81, 0.85)';
  const nrows = M.nodeBy.get(node) ?? [];
  nrows.forEach((n, j) => {
    if (M.data.nodeEv.up[n] === 1) return;
    const xa = v.X(M.nodeT[n]);
    ctx.fillRect(xa, y + 3, Math.max(2, v.X(upAgainUs(nrows, j)) - xa), h - 6);
  });
}
