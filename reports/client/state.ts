// What the reader has chosen: the partition shown, the moment the cluster views show, the
// broker whose log is dumped; and the page-wide actions other modules call (move the
// moment, redraw). main.ts fills the actions in, so modules need not import each other.
//
// Assumes M (model.ts) is decoded; the page opens where the data says (report-data.ts's open).

import { M, focusCopyAt, partitionAt } from './model.ts';

function openingDumpBroker(tp: number, atUs: number): number {
  // A broker that holds the lost record at the opening moment (the leader that acknowledged
  // it), else the broker that lost the last copy, else the partition's leader then, else the first.
  for (const br of M.data.brokers) if (focusCopyAt(br.id, atUs) >= 0) return br.id;
  if (M.focus && M.focus.lostOnBroker >= 0) return M.focus.lostOnBroker;
  const pr = partitionAt(tp, atUs);
  if (pr >= 0 && M.data.part.leader[pr] >= 0) return M.data.part.leader[pr];
  return M.data.brokers.length ? M.data.brokers[0].id : -1;
}

export const ui = {
  curTp: M.data.open.tp,
  scrubT: M.data.open.atUs,
  dumpBroker: openingDumpBroker(M.data.open.tp, M.data.open.atUs),
};

export const actions = {
  /** Moves the cluster views to time t. */
  setScrub: (t: number): void => void t,
  /** Redraws the snapshot panel (describe, replica table, dump log). */
  renderSnapshot: (): void => undefined,
  /** Redraws the canvases. */
  drawCanvases: (): void => undefined,
};

let redrawQueued = false;

/** Redraws the canvases at the next animation frame (once, however often it is asked). */
export function queueRedraw(): void {
  if (redrawQueued) return;
  redrawQueued = true;
  requestAnimationFrame(() => {
    redrawQueued = false;
    actions.drawCanvases();
  });
}
