// Client operations as text: the one-line label drawn on a bar and the tooltip lines.
// Assumes the op columns of report-types.ts (status 0 ok, 1 fail, 2 info, 3 no completion).

import { M, str } from './model.ts';
import { fmtDur, fmtTime, quote } from './text.ts';

const ST_NAME = ['ok', 'fail', 'info', 'no completion'] as const;
export const ST_COLOR = ['#16a34a', '#e11d48', '#f59e0b', '#a8a29e'] as const;

export function laneName(o: number): string {
  return M.data.lanes[M.data.ops.lane[o]].name;
}

export function opLabel(o: number, maxChars: number): string {
  const ops = M.data.ops;
  const f = str(ops.f[o]);
  const val = str(ops.val[o]);
  const off = ops.off[o];
  const n = ops.n[o];
  const res = str(ops.res[o]);
  const tp = ops.tp[o] >= 0 ? M.data.tps[ops.tp[o]] : null;
  if (f === 'send' && tp !== null) return `send ${quote(val ?? '', maxChars)} → ${tp}${off >= 0 ? `@${off}` : ''}`;
  if (f === 'poll' && tp !== null) {
    return `poll ${tp}@${off}${n >= 0 ? ` → ${n} record${n === 1 ? '' : 's'}` : ''}`;
  }
  return `${f}${val !== null ? ` ${val}` : ''}${res !== null ? ` → ${res}` : ''}`;
}

function timing(o: number): string {
  const st = M.data.ops.st[o];
  const err = str(M.data.ops.err[o]);
  const head = ST_NAME[st] + (err !== null ? ` (${err})` : '');
  if (st === 3) return `${head} · invoked ${fmtTime(M.opT0[o])}`;
  return `${head} · ${fmtTime(M.opT0[o])} → ${fmtTime(M.opT1[o])} (${fmtDur(M.opT1[o] - M.opT0[o])})`;
}

function role(o: number): string | null {
  if (M.focus && o === M.focus.sendOp) return '★ the send of the lost record';
  if (M.marked.has(o)) return '★ involved in the anomaly';
  return null;
}

function cexLine(o: number): string | null {
  const cex = M.data.cex;
  if (!cex) return null;
  if (o === M.cexFailed) return `✗ cannot be placed: ${cex.reason}`;
  const k = M.cexOrder.get(o);
  return k !== undefined ? `#${k} in the longest linearizable prefix` : 'not in the longest linearizable prefix';
}

/** The tooltip of operation o. */
export function opLines(o: number): string[] {
  const lines = [`${laneName(o)} · ${opLabel(o, 120)}`, timing(o)];
  const res = str(M.data.ops.res[o]);
  if (str(M.data.ops.f[o]) === 'poll' && res !== null) lines.push(`records ${res}`);
  lines.push(`history index ${M.data.ops.hi[o]} · operation ${o}`);
  for (const extra of [role(o), cexLine(o)]) if (extra !== null) lines.push(extra);
  return lines;
}
