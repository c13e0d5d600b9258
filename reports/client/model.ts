// Decodes the report data embedded in the page (report-types.ts) into typed arrays and
// indexes, and answers "what was the state at time t" questions by binary search. Runs once
// at load; everything else reads the decoded model `M`.
//
// Assumes the encoding rules of report-types.ts (delta columns, -1 for none, versions in
// batch order).

import type { ReportData } from '../report-types.ts';

/** A replica's record copies sorted by (offset, append time), with their offsets. */
interface Versions {
  list: number[];
  offs: Float64Array;
}

type ByTpBroker<T> = Map<number, Map<number, T>>;

function readData(): ReportData {
  const node = document.getElementById('gregor-data');
  return JSON.parse(node?.textContent ?? 'null') as ReportData;
}

function undelta(col: readonly number[]): Float64Array {
  const out = new Float64Array(col.length);
  let acc = 0;
  for (let i = 0; i < col.length; i++) out[i] = acc += col[i];
  return out;
}

function nested<T>(map: ByTpBroker<T[]>, a: number, b: number): T[] {
  let inner = map.get(a);
  if (!inner) map.set(a, (inner = new Map()));
  let list = inner.get(b);
  if (!list) inner.set(b, (list = []));
  return list;
}

function grouped(keys: readonly number[]): Map<number, number[]> {
  const out = new Map<number, number[]>();
  keys.forEach((key, i) => {
    const list = out.get(key);
    if (list) list.push(i);
    else out.set(key, [i]);
  });
  return out;
}

/** First index i in sorted arr with arr[i] >= x. */
export function lowerBound(arr: ArrayLike<number>, x: number, lo = 0, hi = arr.length): number {
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (arr[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** Index into rows (sorted by times[row]) of the last row with time <= t, or -1. */
export function lastAtOrBefore(rows: readonly number[], times: Float64Array, t: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (times[rows[m]] <= t) lo = m + 1;
    else hi = m;
  }
  return lo - 1;
}

function decodeOps(d: ReportData) {
  const nOps = d.ops.lane.length;
  const opT0 = undelta(d.ops.t0);
  const opT1 = new Float64Array(nOps);
  for (let i = 0; i < nOps; i++) opT1[i] = d.ops.dur[i] >= 0 ? opT0[i] + d.ops.dur[i] : d.endUs;
  const laneOps: number[][] = d.lanes.map(() => []);
  for (let i = 0; i < nOps; i++) laneOps[d.ops.lane[i]].push(i);
  // Per lane, the running maximum of end times: lets a draw skip to the first op in view.
  const laneMaxEnd = laneOps.map((list) => {
    const m = new Float64Array(list.length);
    let acc = -Infinity;
    list.forEach((o, k) => (m[k] = acc = Math.max(acc, opT1[o])));
    return m;
  });
  const cexOrder = new Map<number, number>();
  d.cex?.prefix.forEach((o, k) => cexOrder.set(o, k + 1));
  return {
    nOps,
    opT0,
    opT1,
    laneOps,
    laneMaxEnd,
    marked: new Set(d.marked),
    cexOrder,
    cexFailed: d.cex ? d.cex.failed : -1,
  };
}

function decodeReplicas(d: ReportData) {
  const repT = undelta(d.rep.t);
  const repHw = new Float64Array(repT.length);
  const repLeo = new Float64Array(repT.length);
  const repBy: ByTpBroker<number[]> = new Map();
  const last = new Map<string, [number, number]>();
  for (let i = 0; i < repT.length; i++) {
    const key = `${d.rep.b[i]}/${d.rep.tp[i]}`;
    const prev = last.get(key) ?? [0, 0];
    repHw[i] = prev[0] + d.rep.hw[i];
    repLeo[i] = prev[1] + d.rep.leo[i];
    last.set(key, [repHw[i], repLeo[i]]);
    nested(repBy, d.rep.tp[i], d.rep.b[i]).push(i);
  }
  const truncBy: ByTpBroker<number[]> = new Map();
  d.trunc.tp.forEach((tp, i) => nested(truncBy, tp, d.trunc.b[i]).push(i));
  const segBy: ByTpBroker<number[]> = new Map();
  (d.seg?.tp ?? []).forEach((tp, i) => nested(segBy, tp, d.seg!.b[i]).push(i));
  return { repT, repHw, repLeo, repBy, truncT: undelta(d.trunc.t), truncBy, segT: undelta(d.seg?.t ?? []), segBy };
}

function decodeVersions(d: ReportData) {
  const batchT = undelta(d.batches.t);
  const nVer = d.verVal.length;
  const verBatch = new Int32Array(nVer);
  const verOff = new Float64Array(nVer);
  const verTt = new Float64Array(nVer).fill(Infinity);
  const verWhy = new Int32Array(nVer).fill(-1);
  let v = 0;
  for (let b = 0; b < batchT.length; b++) {
    for (let k = 0; k < d.batches.n[b]; k++, v++) {
      verBatch[v] = b;
      verOff[v] = d.batches.first[b] + k;
    }
  }
  d.cut.v.forEach((x, i) => {
    verTt[x] = d.cut.t[i];
    verWhy[x] = d.cut.why[i];
  });
  const lists: ByTpBroker<number[]> = new Map();
  for (v = 0; v < nVer; v++) nested(lists, d.batches.tp[verBatch[v]], d.batches.b[verBatch[v]]).push(v);
  const verBy: ByTpBroker<Versions> = new Map();
  for (const [tp, perBroker] of lists) {
    const inner = new Map<number, Versions>();
    for (const [br, list] of perBroker) {
      const ta = (x: number) => batchT[verBatch[x]];
      list.sort((x, y) => verOff[x] - verOff[y] || ta(x) - ta(y) || x - y);
      inner.set(br, { list, offs: Float64Array.from(list, (x) => verOff[x]) });
    }
    verBy.set(tp, inner);
  }
  return { batchT, verBatch, verOff, verTt, verWhy, verBy };
}

/** Times at which the cluster (or, in a check report, a client) changes: the scrubber's stops. */
function changeTimes(d: ReportData, parts: Float64Array[], ops: ReturnType<typeof decodeOps>): Float64Array {
  const all: number[] = [d.startUs, d.endUs];
  for (const p of parts) all.push(...p);
  if (d.mode === 'check') for (let j = 0; j < ops.nOps; j++) all.push(ops.opT0[j], ops.opT1[j]);
  const sorted = Float64Array.from(all).sort();
  return sorted.filter((t, j) => j === 0 || t !== sorted[j - 1]);
}

function decode(d: ReportData) {
  const ops = decodeOps(d);
  const reps = decodeReplicas(d);
  const vers = decodeVersions(d);
  const partT = undelta(d.part.t);
  const nodeT = undelta(d.nodeEv.t);
  const quorumT = undelta(d.quorum?.t ?? []);
  const faultEvT = undelta(d.faultEv.t);
  const stops = changeTimes(d, [reps.repT, partT, nodeT, reps.truncT, faultEvT, vers.batchT], ops);
  return {
    data: d,
    check: d.mode === 'check',
    focus: d.focus,
    focusValId: d.focus ? d.strings.indexOf(d.focus.value) : -1,
    ...ops,
    ...reps,
    ...vers,
    partT,
    partBy: grouped(d.part.tp),
    nodeT,
    nodeBy: grouped(d.nodeEv.node),
    quorumT,
    quorumBy: grouped(d.quorum?.node ?? []),
    stops,
  };
}

export type Model = ReturnType<typeof decode>;

/** The page's decoded data. */
export const M: Model = decode(readData());

/** The string with this id, or null for -1. */
export function str(id: number): string | null {
  return id >= 0 ? M.data.strings[id] : null;
}

/** A comma list stored as a string id ('' for none). */
export function listOf(id: number): string {
  return str(id) ?? '';
}

export const ROLE = ['none', 'leader', 'follower'] as const;

export interface ReplicaState {
  row: number;
  role: number;
  ep: number;
  hw: number;
  leo: number;
}

export function replicaAt(tp: number, br: number, t: number): ReplicaState | null {
  const rows = M.repBy.get(tp)?.get(br);
  if (!rows) return null;
  const k = lastAtOrBefore(rows, M.repT, t);
  if (k < 0) return null;
  const r = rows[k];
  return { row: r, role: M.data.rep.role[r], ep: M.data.rep.ep[r], hw: M.repHw[r], leo: M.repLeo[r] };
}

/**
 * A replica's segments at t: the base offsets of the segments it created and has not deleted
 * (retention and truncation announce each deletion; a truncation to o also drops those above
 * o, for reports without deletion events; a restart's recovery announces its segments again), and its recovery
 * point (-1 unknown). Older reports have no segment events: no bases.
 */
export function segmentsAt(tp: number, br: number, t: number): SegmentsAt {
  const seg = M.data.seg;
  const rows = M.segBy.get(tp)?.get(br) ?? [];
  const cuts = M.truncBy.get(tp)?.get(br) ?? [];
  const created = new Map<number, number>(); // base offset → when it was created (or loaded)
  let recoveryPoint = -1;
  let c = 0;
  for (const r of rows) {
    if (M.segT[r] > t) break;
    for (; c < cuts.length && M.truncT[cuts[c]] <= M.segT[r]; c++) dropAbove(created, M.data.trunc.to[cuts[c]]);
    if (seg!.rp[r] === 1) recoveryPoint = seg!.off[r];
    else if (seg!.rp[r] === 2) created.delete(seg!.off[r]);
    else created.set(seg!.off[r], M.segT[r]);
  }
  for (; c < cuts.length && M.truncT[cuts[c]] <= t; c++) dropAbove(created, M.data.trunc.to[cuts[c]]);
  const bases = [...created.keys()].sort((a, b) => a - b);
  return { bases, createdAt: bases.map((b) => created.get(b)!), recoveryPoint };
}

/** segmentsAt's answer: base offsets in order, when each was created (µs), the recovery point. */
export interface SegmentsAt {
  bases: number[];
  createdAt: number[];
  recoveryPoint: number;
}

function dropAbove(created: Map<number, number>, offset: number): void {
  for (const b of [...created.keys()]) if (b > offset) created.delete(b);
}

/** Row of the controller's partition record in force at t, or -1. */
export function partitionAt(tp: number, t: number): number {
  const rows = M.partBy.get(tp);
  if (!rows) return -1;
  const k = lastAtOrBefore(rows, M.partT, t);
  return k < 0 ? -1 : rows[k];
}

export function nodeStateAt(node: number, t: number): { up: boolean; cause: string | null } {
  const rows = M.nodeBy.get(node);
  if (!rows) return { up: true, cause: null };
  const k = lastAtOrBefore(rows, M.nodeT, t);
  if (k < 0) return { up: false, cause: 'not started' };
  return { up: M.data.nodeEv.up[rows[k]] === 1, cause: str(M.data.nodeEv.cause[rows[k]]) };
}

/** When the process that went down at node-event row n came back up (the end if never). */
export function upAgainUs(rows: readonly number[], j: number): number {
  for (let q = j + 1; q < rows.length; q++) if (M.data.nodeEv.up[rows[q]] === 1) return M.nodeT[rows[q]];
  return M.data.endUs;
}

export function verTa(x: number): number {
  return M.batchT[M.verBatch[x]];
}

export function verEp(x: number): number {
  return M.data.batches.ep[M.verBatch[x]];
}

export function liveAt(x: number, t: number): boolean {
  return verTa(x) <= t && M.verTt[x] > t;
}

export function isFocusVersion(x: number): boolean {
  return M.focus !== null && M.data.batches.tp[M.verBatch[x]] === M.focus.tp && M.data.verVal[x] === M.focusValId;
}

export function versionsOf(tp: number, br: number): Versions | undefined {
  return M.verBy.get(tp)?.get(br);
}

/** The copy of the focus record this broker holds at t, or -1. */
export function focusCopyAt(br: number, t: number): number {
  if (!M.focus) return -1;
  const vb = versionsOf(M.focus.tp, br);
  if (!vb) return -1;
  for (const x of vb.list) if (isFocusVersion(x) && liveAt(x, t)) return x;
  return -1;
}

export function brokerName(id: number): string {
  return M.data.brokers.find((b) => b.id === id)?.name ?? `broker ${id}`;
}

/** Brokers the controller ever listed as replicas of tp, or that ever had a replica of it. */
export function replicaSet(tp: number): Set<number> {
  const out = new Set<number>(M.repBy.get(tp)?.keys() ?? []);
  for (const r of M.partBy.get(tp) ?? []) {
    for (const id of listOf(M.data.part.replicas[r]).split(',')) if (id !== '') out.add(Number(id));
  }
  return out;
}
