// The timeline's interaction: hover tooltips per lane, click to move the cluster views,
// drag to pan, Ctrl + wheel and buttons to zoom, and the opening zoom on the story (or, in a
// check report, on the operation that could not be placed).
//
// Assumes timeline.ts has built the lanes; actions.setScrub is wired by main.ts.

import { byId, hideTip, showTip } from './dom.ts';
import { leaderDisagreements } from './leaders.ts';
import {
  M,
  ROLE,
  brokerName,
  focusCopyAt,
  lastAtOrBefore,
  listOf,
  lowerBound,
  nodeStateAt,
  partitionAt,
  replicaAt,
  str,
} from './model.ts';
import { opLines } from './ops.ts';
import { actions, ui } from './state.ts';
import { fmtTime, quote } from './text.ts';
import {
  LABEL_W,
  TL,
  buildLanes,
  drawTimeline,
  setScale,
  showRange,
  tlFitScale,
  tlLayout,
  tlView,
} from './timeline.ts';

function laneAt(yContent: number): number {
  let lo = 0;
  let hi = TL.laneY.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (TL.laneY[m] <= yContent) lo = m + 1;
    else hi = m;
  }
  const li = lo - 1;
  return li >= 0 && yContent < TL.laneY[li] + TL.lanes[li].h ? li : -1;
}

function opNear(lane: number, t: number, slackUs: number): number {
  const list = M.laneOps[lane];
  let best = -1;
  let bestD = Infinity;
  for (let j = lowerBound(M.laneMaxEnd[lane], t - slackUs); j < list.length; j++) {
    const o = list[j];
    if (M.opT0[o] > t + slackUs) break;
    const d = t < M.opT0[o] ? M.opT0[o] - t : t > M.opT1[o] ? t - M.opT1[o] : 0;
    if (d < bestD) {
      bestD = d;
      best = o;
    }
    if (d === 0) break;
  }
  return bestD <= slackUs ? best : -1;
}

function brokerLines(br: number, t: number, slackUs: number): string[] {
  const lines = [`${brokerName(br)} · ${M.data.tps[ui.curTp]} at ${fmtTime(Math.round(t))}`];
  const ns = nodeStateAt(br, t);
  lines.push(`process ${ns.up ? 'up' : 'down'}${ns.cause ? ` (${ns.cause})` : ''}`);
  const r = replicaAt(ui.curTp, br, t);
  lines.push(r ? `${ROLE[r.role]} · leader epoch ${r.ep} · HW ${r.hw} · LEO ${r.leo}` : 'no replica state yet');
  const name = brokerName(br);
  for (const s of leaderDisagreements(ui.curTp, t)) if (s.includes(`; ${name}'s own view`)) lines.push(s);
  for (const i of M.truncBy.get(ui.curTp)?.get(br) ?? []) {
    if (Math.abs(M.truncT[i] - t) > slackUs) continue;
    const why = str(M.data.trunc.why[i]);
    lines.push(`✂ truncated to offset ${M.data.trunc.to[i]} (${why}) at ${fmtTime(M.truncT[i])}`);
  }
  const f = M.focus;
  if (f && ui.curTp === f.tp) {
    lines.push(focusCopyAt(br, t) >= 0 ? `holds the lost record ${quote(f.value)}` : `does not hold ${quote(f.value)}`);
  }
  return lines;
}

function controllerLines(t: number): string[] {
  const r = partitionAt(ui.curTp, t);
  const tp = M.data.tps[ui.curTp];
  if (r < 0) return [`controller · ${tp}`, 'no partition record yet'];
  const d = M.data.part;
  return [
    `controller · ${tp} at ${fmtTime(Math.round(t))}`,
    `leader ${d.leader[r] < 0 ? 'none' : d.leader[r]} · leader epoch ${d.ep[r]} · partition epoch ${d.pep[r]}`,
    `replicas [${listOf(d.replicas[r])}] · ISR [${listOf(d.isr[r])}] · ELR [${listOf(d.elr[r])}]`,
    `since ${fmtTime(M.partT[r])}`,
    ...leaderDisagreements(ui.curTp, t),
  ];
}

function hoverLines(e: MouseEvent): string[] | null {
  const rect = TL.scroller.getBoundingClientRect();
  const x = e.clientX - rect.left;
  const y = e.clientY - rect.top;
  const view = tlView();
  if (x < LABEL_W || y < TL.axisH) return null;
  const t = view.t0 + (x - LABEL_W) / TL.scale;
  const li = laneAt(y - TL.axisH + view.yOff);
  if (li < 0) return null;
  const lane = TL.lanes[li];
  switch (lane.kind) {
    case 'client': {
      const o = opNear(lane.id, t, 4 / TL.scale);
      return o >= 0 ? opLines(o) : null;
    }
    case 'broker':
      return lane.noReplica
        ? [`${lane.label}`, `holds no replica of ${M.data.tps[ui.curTp]}`]
        : brokerLines(lane.id, t, 6 / TL.scale);
    case 'controller':
      return controllerLines(t);
    case 'voter':
      return voterLines(lane.id, lane.label, t);
    case 'member':
      return memberLines(lane.id, lane.label, t);
    case 'group':
      return null;
    default: {
      const never: never = lane.kind;
      return never;
    }
  }
}

/** A group member's generation and assignment at `t` (its lane's span then). */
function memberLines(clientLane: number, label: string, t: number): string[] {
  const s = M.data.groups?.spans.find((x) => x.lane === clientLane && x.t0 <= t && t < x.t1);
  if (s === undefined) return [label, 'not a member of a group then'];
  const tps = s.tps.map((tp) => M.data.tps[tp]).join(', ') || 'no partition';
  return [label, `${s.member} of group ${s.group}, generation ${s.gen}: ${tps}`, `since ${fmtTime(s.t0)}`];
}

/** A controller voter's Raft state at `t`. */
function voterLines(node: number, label: string, t: number): string[] {
  const rows = M.quorumBy.get(node) ?? [];
  const k = lastAtOrBefore(rows, M.quorumT, t);
  if (k < 0) return [label, 'no Raft state yet'];
  const q = M.data.quorum;
  const r = rows[k];
  const leader = q.leader[r] < 0 ? 'unknown' : String(q.leader[r]);
  return [label, `${str(q.role[r])} in epoch ${q.ep[r]}, leader ${leader}, high watermark ${q.hw[r]}`];
}

function tlHover(e: MouseEvent): void {
  const lines = hoverLines(e);
  if (lines) showTip(lines, e.clientX, e.clientY);
  else hideTip();
}

function initPointer(): void {
  let drag: { x: number; left: number; moved: boolean } | null = null;
  const s = TL.scroller;
  s.addEventListener('scroll', () => {
    hideTip();
    drawTimeline();
  });
  s.addEventListener('mousemove', (e) => {
    if (drag) {
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (drag.moved) {
        s.scrollLeft = drag.left - dx;
        hideTip();
        return;
      }
    }
    tlHover(e);
  });
  s.addEventListener('mouseleave', () => {
    hideTip();
    drag = null;
  });
  s.addEventListener('mousedown', (e) => {
    if (e.button === 0) drag = { x: e.clientX, left: s.scrollLeft, moved: false };
  });
  s.addEventListener('mouseup', (e) => {
    const wasDrag = drag?.moved === true;
    drag = null;
    const x = e.clientX - s.getBoundingClientRect().left;
    if (wasDrag || M.check || x < LABEL_W) return;
    actions.setScrub(Math.round(tlView().t0 + (x - LABEL_W) / TL.scale));
  });
  s.addEventListener(
    'wheel',
    (e) => {
      if (!e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      setScale(TL.scale * 1.0015 ** -e.deltaY, e.clientX - s.getBoundingClientRect().left);
    },
    { passive: false },
  );
}

/** The story's window: its key steps up to the loss (or the violation's moment). */
function storyWindow(): [number, number] | null {
  const f = M.focus;
  const lossT = f && f.lostAtUs >= 0 ? f.lostAtUs : Infinity;
  let times = M.data.story.filter((s) => s.key && s.t <= lossT).map((s) => s.t);
  // Without a loss the last key step is the end state, which sits at the end of the run.
  if (f && lossT === Infinity) times = times.slice(0, -1);
  // Without a record, every step leads to the violation.
  if (!f) times = M.data.story.map((s) => s.t);
  if (!times.length) return null;
  const a = Math.min(...times);
  const b = Math.max(...times);
  const pad = Math.max(1000, (b - a) * 0.06);
  return [Math.max(M.data.startUs, a - pad), Math.min(M.data.endUs, b + pad)];
}

function initZoomButtons(): void {
  byId('zoom-in').addEventListener('click', () => setScale(TL.scale * 2));
  byId('zoom-out').addEventListener('click', () => setScale(TL.scale / 2));
  byId('zoom-fit').addEventListener('click', () => showRange(M.data.startUs, M.data.endUs));
  const storyBtn = byId<HTMLButtonElement>('zoom-story');
  const range = M.check ? null : storyWindow();
  if (range) {
    storyBtn.addEventListener('click', () => showRange(range[0], range[1]));
    showRange(range[0], range[1]); // the story is what the report is about; "Whole run" is one click away
  } else storyBtn.hidden = true;
  if (M.check && M.cexFailed >= 0) {
    storyBtn.hidden = false;
    storyBtn.textContent = 'Zoom to the failed op';
    storyBtn.addEventListener('click', () => revealOp(M.cexFailed, true));
  }
}

const CHECK_HINT =
  'Hover for details; drag or scroll sideways to pan; Ctrl + wheel to zoom. Times are those of the history. ' +
  'Numbered bars (#1, #2, …) form the longest linearizable prefix, in linearization order; the bar outlined ' +
  'in red and marked ✗ is the operation that could not be placed; bars outlined in dark red are the other ' +
  'operations the checker names; faded bars are outside the prefix.';

const NO_RECORD_HINT =
  'Hover for details. Click to move the cluster view to that moment; drag or scroll sideways to pan; Ctrl + wheel ' +
  'to zoom. An orange ▼ marks a truncation; hatched lanes are brokers with no replica of the partition shown.';

export function initTimeline(): void {
  if (!M.check && !M.focus) byId('tl-hint').textContent = NO_RECORD_HINT;
  if (M.check) {
    document.querySelectorAll<HTMLElement>('.cluster-only').forEach((e) => (e.hidden = true));
    byId('tl-hint').textContent = CHECK_HINT;
  }
  buildLanes();
  TL.scale = tlFitScale();
  tlLayout();
  initPointer();
  initZoomButtons();
  window.addEventListener('resize', () => {
    tlLayout();
    drawTimeline();
  });
}

/** Rebuilds the lanes for another partition. */
export function relayoutTimeline(): void {
  buildLanes();
  tlLayout();
}

function intoView(): DOMRect {
  let rect = TL.scroller.getBoundingClientRect();
  if (rect.top < 0 || rect.bottom > window.innerHeight) {
    TL.wrap.scrollIntoView({ block: 'center' });
    rect = TL.scroller.getBoundingClientRect();
  }
  return rect;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Scrolls the timeline so operation o is visible (optionally zoomed so it is wide); returns its client rect. */
export function revealOp(o: number, zoom = false): Box {
  const t0 = M.opT0[o];
  const t1 = M.opT1[o];
  if (zoom) {
    const span = Math.max(t1 - t0, 1);
    showRange(Math.max(M.data.startUs, t0 - span * 3), Math.min(M.data.endUs, t1 + span * 3));
  }
  const li = TL.lanes.findIndex((l) => l.kind === 'client' && l.id === M.data.ops.lane[o]);
  let view = tlView();
  const X = (t: number) => LABEL_W + (t - view.t0) * TL.scale;
  if (X(t0) < LABEL_W || X(t1) > view.W) {
    TL.scroller.scrollLeft = Math.max(0, (t0 - M.data.startUs) * TL.scale - (view.W - LABEL_W) / 3);
  }
  const yTop = TL.laneY[li];
  if (yTop < view.yOff || yTop + TL.lanes[li].h > view.yOff + view.H - TL.axisH)
    TL.scroller.scrollTop = Math.max(0, yTop - 40);
  drawTimeline();
  view = tlView();
  const rect = intoView();
  const x0 = Math.max(LABEL_W, X(t0));
  const x1 = Math.min(view.W, X(t1));
  return {
    x: rect.left + x0,
    y: rect.top + TL.axisH + yTop - view.yOff + 4,
    width: Math.max(1.5, x1 - x0),
    height: TL.lanes[li].h - 8,
  };
}

/** Client rect of a broker's timeline lane and the time range it shows, scrolled into view. */
export function brokerLaneBox(br: number): (Box & { t0: number; t1: number }) | null {
  const li = TL.lanes.findIndex((l) => l.kind === 'broker' && l.id === br);
  if (li < 0) return null;
  const rect = intoView();
  const view = tlView();
  return {
    x: rect.left + LABEL_W,
    y: rect.top + TL.axisH + TL.laneY[li] - view.yOff,
    width: view.W - LABEL_W,
    height: TL.lanes[li].h,
    t0: view.t0,
    t1: view.t1,
  };
}
