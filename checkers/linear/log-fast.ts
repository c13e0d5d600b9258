// The log fast path: linearizability of one log partition (models `log` / `log-strict`) in
// linear time. No exponential search.
//
// Why it is exact. An acknowledged offset names its send; a record at an offset nobody
// acknowledged names the send of unknown outcome that wrote it (such sends must carry
// distinct values). So the log's content is fixed, except for offsets nobody acknowledged or
// read (gaps): the log model has no holes, so each gap must be filled by an unobserved send
// of unknown outcome (every other such send is best assumed never to have happened). What
// remains is ordering:
//   offset order   send at o before the send at the next known offset;
//   read placement a poll after the send at the last offset it returned;
//                  (log-strict) a poll that ended at e, short of maxRecords, before the send
//                  at e (or the next known offset after it);
//   real time      a before b when a completed before b was invoked.
// Unknown-outcome sends never complete, so real time only ever puts things before them.
//
// Two forms of the same decision:
//   sweepLog        for the common, valid case: give each send the earliest instant it may
//                   take effect (the latest invoke among everything at offsets ≤ its own) and
//                   check it against the earliest completion among what must follow it (a
//                   suffix minimum over offsets); gaps take the earliest-invoked fillers, in
//                   offset order, since their deadlines only grow (Hall's condition).
//   checkLogGraph   once the sweep finds a violation: the constraints as a graph (real time
//                   through O(n) barrier nodes), Kahn's sort for the longest linearizable
//                   prefix, and the cycle (or the unfillable gap) that explains it. It needs
//                   all send values distinct, else the part goes to the general search.
// The property tests check both against the general search.
//
// Preconditions (else "fallback" to the general search): an offset on every ok send, distinct
// values among sends of unknown outcome, offsets below 2^30. Assumes fail sends and non-ok
// polls were dropped and ops are in invoke order (log-group.ts, models.ts).

import type { HistoryEvent, PollValue, SendValue } from '../history.ts';
import { NEVER_RETURNS, type CompiledPartition } from './partition.ts';

/**
 * One log partition's operations as the fast path reads them: sends (ok or unknown outcome;
 * failed ones already dropped) and ok polls, in invoke order, with their real-time windows.
 */
export interface LogOps {
  key: string;
  label: string;
  n: number;
  callPos: Int32Array;
  /** Completion position, NEVER_RETURNS for unknown outcomes. */
  retPos: Int32Array;
  /** Events, and where op i's invoke and completion (-1: none) are among them. */
  events: readonly HistoryEvent[];
  invokeAt: Int32Array;
  completeAt: Int32Array;
  /** History index of op i's invoke (what counterexamples cite). */
  historyIndex(i: number): number;
  describe(i: number): string;
}

/** The fast path's view of a compiled partition. */
export function logOpsOf(part: CompiledPartition): LogOps {
  const n = part.ops.length;
  const events: HistoryEvent[] = part.ops.map((o) => o.invoke);
  const invokeAt = new Int32Array(n);
  const completeAt = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    invokeAt[i] = i;
    const c = part.ops[i].complete;
    if (c !== undefined) {
      completeAt[i] = events.length;
      events.push(c);
    }
  }
  return {
    key: part.key,
    label: part.label,
    n,
    callPos: part.callPos,
    retPos: part.retPos,
    events,
    invokeAt,
    completeAt,
    historyIndex: (i) => part.ops[i].invoke.index,
    describe: (i) => part.describe(i),
  };
}

/**
 * value → send op, as an open-addressing table over typed arrays keyed by an FNV-1a hash of
 * the value (a JS Map of a million strings costs the GC more than the whole check).
 * Collisions are resolved by comparing the strings themselves.
 */
class ValueTable {
  private readonly slots: Int32Array;
  private readonly mask: number;
  constructor(
    capacity: number,
    private readonly valueOf: (i: number) => string,
  ) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
  }
  private static hash(v: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < v.length; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }
  get(v: string): number {
    let slot = ValueTable.hash(v) & this.mask;
    for (;;) {
      const s = this.slots[slot];
      if (s < 0 || this.valueOf(s) === v) return s;
      slot = (slot + 1) & this.mask;
    }
  }
  /** Adds op i under values[i]; false if that value is already there. */
  add(i: number): boolean {
    const v = this.valueOf(i);
    let slot = ValueTable.hash(v) & this.mask;
    for (;;) {
      const s = this.slots[slot];
      if (s < 0) {
        this.slots[slot] = i;
        return true;
      }
      if (this.valueOf(s) === v) return false;
      slot = (slot + 1) & this.mask;
    }
  }
}

/** Op indices with a known completion, ordered by completion position. */
function byCompletion(retPos: Int32Array, n: number): Int32Array {
  let count = 0;
  let maxPos = 0;
  for (let i = 0; i < n; i++) {
    if (retPos[i] === NEVER_RETURNS) continue;
    count++;
    if (retPos[i] > maxPos) maxPos = retPos[i];
  }
  const out = new Int32Array(count);
  if (maxPos < 4 * n + 1024) {
    const at = new Int32Array(maxPos + 1).fill(-1);
    for (let i = 0; i < n; i++) if (retPos[i] !== NEVER_RETURNS) at[retPos[i]] = i;
    let j = 0;
    for (let pos = 0; pos <= maxPos; pos++) if (at[pos] >= 0) out[j++] = at[pos];
    return out;
  }
  const keys = new Float64Array(count);
  const scale = 2 ** 22;
  if (n < scale) {
    let j = 0;
    for (let i = 0; i < n; i++) if (retPos[i] !== NEVER_RETURNS) keys[j++] = retPos[i] * scale + i;
    keys.sort();
    for (let k = 0; k < count; k++) out[k] = keys[k] % scale;
    return out;
  }
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (retPos[i] !== NEVER_RETURNS) idx.push(i);
  idx.sort((x, y) => retPos[x] - retPos[y]);
  out.set(idx);
  return out;
}

export type FastLogResult =
  | { kind: 'fallback'; reason: string }
  | {
      kind: 'verdict';
      valid: boolean;
      /** Nodes + edges handled: a measure of work. */
      work: number;
      longestPrefix: number[];
      failedOp: number;
      reason: string;
    };

/** Offsets are indexed in Int32Arrays; larger ones send the part to the general search. */
const MAX_OFFSET = 0x3fffffff;

const E_CHAIN = 0;
const E_READ = 1;
const E_STRICT = 2;
const E_TIME = 3;

interface Violation {
  op: number;
  reason: string;
}

function show(v: string): string {
  return JSON.stringify(v);
}

/**
 * offset → send op. A typed array while offsets stay dense (below 8n + 1024), else a Map:
 * real clusters' offsets may be large, but a history covers a dense range.
 */
class OffsetTable {
  private arr: Int32Array | undefined;
  private map: Map<number, number> | undefined;
  size = 0;
  constructor(
    private readonly denseLimit: number,
    initial = 1024,
  ) {
    this.arr = new Int32Array(Math.max(16, Math.min(initial, denseLimit))).fill(-1);
  }
  get(o: number): number {
    if (this.arr !== undefined) return o < this.arr.length ? this.arr[o] : -1;
    const s = this.map!.get(o);
    return s === undefined ? -1 : s;
  }
  set(o: number, s: number): void {
    this.size++;
    if (this.arr !== undefined) {
      if (o < this.arr.length) {
        this.arr[o] = s;
        return;
      }
      if (o < this.denseLimit) {
        let len = this.arr.length;
        while (len <= o) len *= 2;
        const a2 = new Int32Array(Math.min(len, this.denseLimit)).fill(-1);
        a2.set(this.arr);
        this.arr = a2;
        this.arr[o] = s;
        return;
      }
      this.map = new Map();
      for (let k = 0; k < this.arr.length; k++) if (this.arr[k] >= 0) this.map.set(k, this.arr[k]);
      this.arr = undefined;
    }
    this.map!.set(o, s);
  }
  /** Occupied offsets, increasing. */
  sortedKeys(): Int32Array {
    const out = new Int32Array(this.size);
    if (this.arr !== undefined) {
      let j = 0;
      for (let k = 0; k < this.arr.length; k++) if (this.arr[k] >= 0) out[j++] = k;
      return out;
    }
    let j = 0;
    for (const k of this.map!.keys()) out[j++] = k;
    return out.sort();
  }
}

/**
 * The fast path. For a linearizable part it only sweeps: with the sends' order fixed by their
 * offsets, give each send the earliest instant it can take effect, t(k) = the latest invoke
 * among everything at offsets ≤ k (sends, gap fillers, and strict polls that saw the log end
 * before k); every constraint is an upper bound "t(k) < the completion of an op that must
 * follow offset k" (the send itself, polls that read up to k). So the part is linearizable iff
 * every such item was invoked before the earliest completion among the constraints at or
 * after its offset (a suffix minimum), and the gaps get fillers under Hall's condition. When
 * anything fails, checkLogGraph builds the graph to explain it.
 */
export function checkLogFast(part: LogOps, strict: boolean): FastLogResult {
  const r = sweepLog(part, strict);
  if (r === 'valid') return { kind: 'verdict', valid: true, work: part.n, longestPrefix: [], failedOp: -1, reason: '' };
  if (r !== 'invalid') return { kind: 'fallback', reason: r.fallback };
  return checkLogGraph(part, strict);
}

/** The sweep alone: 'valid', 'invalid', or why the fast path does not apply. */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one linear pass; its steps share per-offset tables
export function sweepLog(part: LogOps, strict: boolean): 'valid' | 'invalid' | { fallback: string } {
  const n = part.n;
  const { callPos, retPos, events, invokeAt, completeAt } = part;
  const valueOfSend = (i: number): string => String((events[invokeAt[i]].value as SendValue).value);

  // --- sends: acknowledged offsets -------------------------------------------------------------
  // An acknowledged offset names its send, whatever its value; only a record at an offset
  // nobody acknowledged needs its value to say which send (of unknown outcome) wrote it, so
  // only those sends' values must be distinct.
  const isSend = new Uint8Array(n);
  let unknownCount = 0;
  let maxAcked = -1;
  for (let i = 0; i < n; i++) {
    const inv = events[invokeAt[i]];
    if (inv.f !== 'send') continue;
    isSend[i] = 1;
    const done = completeAt[i] >= 0 ? events[completeAt[i]] : undefined;
    if (done !== undefined && done.type === 'ok') {
      const off = (done.value as SendValue).offset;
      if (typeof off !== 'number') return { fallback: 'an acknowledged send has no offset' };
      if (off > MAX_OFFSET) return { fallback: `offset ${off} is beyond what the fast path indexes` };
      if (off > maxAcked) maxAcked = off;
    } else {
      unknownCount++;
    }
  }
  const offsetOf = new Int32Array(n).fill(-1); // send: its offset; poll: the last offset it read
  const occupant = new OffsetTable(8 * n + 1024, maxAcked + 1);
  const valueAt: string[] = []; // offset → value held there
  const unknownOfValue = new ValueTable(unknownCount, valueOfSend);
  for (let i = 0; i < n; i++) {
    if (!isSend[i]) continue;
    const done = completeAt[i] >= 0 ? events[completeAt[i]] : undefined;
    if (done === undefined || done.type !== 'ok') {
      if (!unknownOfValue.add(i))
        return { fallback: `value ${show(valueOfSend(i))} is sent more than once with unknown outcome` };
      continue;
    }
    const off = (done.value as SendValue).offset as number;
    if (occupant.get(off) >= 0) return 'invalid';
    occupant.set(off, i);
    offsetOf[i] = off;
    valueAt[off] = valueOfSend(i);
  }

  // --- polls: every record is the one at its offset ------------------------------------------------
  let strictCount = 0;
  for (let i = 0; i < n; i++) {
    if (isSend[i]) continue;
    const pv = events[completeAt[i]].value as PollValue;
    const records = pv.records ?? [];
    const limit = pv.maxRecords ?? Infinity;
    if (strict && records.length > limit) return 'invalid';
    if (strict && records.length < limit) strictCount++;
    for (let j = 0; j < records.length; j++) {
      const rec = records[j];
      const o = rec[0];
      const v = String(rec[1]);
      if (o !== pv.offset + j) return 'invalid';
      if (o > MAX_OFFSET) return { fallback: `offset ${o} is beyond what the fast path indexes` };
      const held = valueAt[o];
      if (held !== undefined) {
        if (held !== v) return 'invalid';
        continue;
      }
      // an offset nobody acknowledged: a send of unknown outcome wrote it, at most once
      const s = unknownOfValue.get(v);
      if (s < 0 || offsetOf[s] >= 0) return 'invalid';
      occupant.set(o, s);
      offsetOf[s] = o;
      valueAt[o] = v;
    }
    if (records.length > 0) offsetOf[i] = pv.offset + records.length - 1;
  }

  // --- the sweep ----------------------------------------------------------------------------------
  const keys = occupant.sortedKeys();
  const K = keys.length;
  const indexOf = (o: number): number => {
    // first known index with offset ≥ o
    let lo = 0;
    let hi = K;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < o) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // suffix minimum of the completions that must follow each known offset
  const sm = new Int32Array(K + 1);
  sm[K] = NEVER_RETURNS;
  for (let q = 0; q < K; q++) sm[q] = retPos[occupant.get(keys[q])];
  const strictEnds: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isSend[i]) continue;
    if (offsetOf[i] >= 0) {
      const q = indexOf(offsetOf[i]);
      if (retPos[i] < sm[q]) sm[q] = retPos[i];
    }
    if (strictCount > 0) {
      const pv = events[completeAt[i]].value as PollValue;
      const k = (pv.records ?? []).length;
      if (k < (pv.maxRecords ?? Infinity)) strictEnds.push(i, pv.offset + k);
    }
  }
  for (let q = K - 1; q >= 0; q--) if (sm[q + 1] < sm[q]) sm[q] = sm[q + 1];
  // every send took effect after its invoke and before everything that must follow it
  for (let q = 0; q < K; q++) if (callPos[occupant.get(keys[q])] >= sm[q]) return 'invalid';
  // a strict poll precedes every send at or after the offset where its answer ended
  for (let k = 0; k < strictEnds.length; k += 2)
    if (callPos[strictEnds[k]] >= sm[indexOf(strictEnds[k + 1])]) return 'invalid';
  // gaps, in offset order (their deadlines never decrease), get the earliest-invoked fillers
  const spareList: number[] = [];
  for (let i = 0; i < n; i++) if (isSend[i] && offsetOf[i] < 0) spareList.push(callPos[i]);
  const spares = Int32Array.from(spareList).sort();
  let used = 0;
  let available = 0;
  let expected = 0;
  for (let q = 0; q < K; q++) {
    const gap = keys[q] - expected;
    expected = keys[q] + 1;
    if (gap <= 0) continue;
    while (available < spares.length && spares[available] < sm[q]) available++;
    if (available - used < gap) return 'invalid';
    used += gap;
  }
  return 'valid';
}

/**
 * The graph form of the check: pre-checks in completion order, then Kahn's sort and Hall's
 * condition. Used to explain a violation (longest prefix, cycle) once the sweep found one.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one graph pass over shared flat typed arrays
export function checkLogGraph(part: LogOps, strict: boolean): FastLogResult {
  const n = part.n;
  const { callPos, retPos } = part;

  // --- sends: values and acknowledged offsets ---------------------------------------------
  const isSend = new Uint8Array(n);
  const { events, invokeAt, completeAt } = part;
  const sendOffset = new Int32Array(n).fill(-1);
  const ackedOffset = new Int32Array(n).fill(-1);
  // a send's value, read from its invoke (no per-op array: the JS heap is the GC's cost)
  const valueOfSend = (i: number): string => String((events[invokeAt[i]].value as SendValue).value);
  let sendCount = 0;
  for (let i = 0; i < n; i++) if (events[invokeAt[i]].f === 'send') sendCount++;
  const sendOfValue = new ValueTable(sendCount, valueOfSend);
  const occupant = new OffsetTable(8 * n + 1024); // offset → send op
  let violation: Violation | undefined;
  const violate = (op: number, reason: string): void => {
    if (violation === undefined || retPos[op] < retPos[violation.op]) violation = { op, reason };
  };
  for (let i = 0; i < n; i++) {
    const inv = events[invokeAt[i]];
    if (inv.f !== 'send') continue;
    isSend[i] = 1;
    const v = String((inv.value as SendValue).value);
    if (!sendOfValue.add(i)) return { kind: 'fallback', reason: `value ${show(v)} is sent more than once` };
    const done = completeAt[i] >= 0 ? events[completeAt[i]] : undefined;
    if (done !== undefined && done.type === 'ok') {
      const off = (done.value as SendValue).offset;
      if (typeof off !== 'number') return { kind: 'fallback', reason: 'an acknowledged send has no offset' };
      if (off > MAX_OFFSET) return { kind: 'fallback', reason: `offset ${off} is beyond what the fast path indexes` };
      ackedOffset[i] = off;
    }
  }
  // every op with a completion, in completion order (positions are distinct)
  const returnOrder = byCompletion(retPos, n);

  // --- acknowledgements and polls, in completion order ----------------------------------------
  const pollLast = new Int32Array(n).fill(-1); // last offset read
  const pollEnd = new Int32Array(strict ? n : 0).fill(-1); // strict: offset the answer ended at
  for (let r = 0; r < returnOrder.length; r++) {
    const i = returnOrder[r];
    if (isSend[i]) {
      const o = ackedOffset[i];
      if (o < 0) continue;
      if (sendOffset[i] >= 0 && sendOffset[i] !== o) {
        violate(
          i,
          `it was acknowledged at offset ${o}, but a poll had already returned its value at offset ${sendOffset[i]}`,
        );
        continue;
      }
      sendOffset[i] = o;
      const prevOcc = occupant.get(o);
      if (prevOcc < 0) occupant.set(o, i);
      else if (prevOcc !== i) {
        violate(i, `offset ${o} already holds ${show(valueOfSend(prevOcc))}; a log hands out each offset once`);
      }
      continue;
    }
    const pv = events[completeAt[i]].value as PollValue;
    const records = pv.records ?? [];
    const limit = pv.maxRecords ?? Infinity;
    if (strict) {
      if (records.length > limit) {
        violate(i, `it returned ${records.length} records, more than its maxRecords ${limit}`);
        continue;
      }
      if (records.length < limit) {
        if (pv.offset + records.length > MAX_OFFSET)
          return { kind: 'fallback', reason: `offset ${pv.offset} is beyond what the fast path indexes` };
        pollEnd[i] = pv.offset + records.length;
      }
    }
    for (let j = 0; j < records.length; j++) {
      const rec = records[j];
      const o = rec[0];
      const v = String(rec[1]);
      if (o !== pv.offset + j) {
        violate(i, `its records are not the consecutive offsets from ${pv.offset} that a poll of a log returns`);
        break;
      }
      if (o > MAX_OFFSET) return { kind: 'fallback', reason: `offset ${o} is beyond what the fast path indexes` };
      // an offset read before with this same value is consistent (values are distinct)
      const known = occupant.get(o);
      if (known >= 0 && valueOfSend(known) === v) {
        if (j === records.length - 1) pollLast[i] = o;
        continue;
      }
      const s = sendOfValue.get(v);
      if (s < 0) {
        violate(i, `it returned ${show(v)} at offset ${o}, which no send that may have happened wrote`);
        break;
      }
      if (sendOffset[s] < 0) sendOffset[s] = o;
      else if (sendOffset[s] !== o) {
        violate(i, `it returned ${show(v)} at offset ${o}, but that record is at offset ${sendOffset[s]}`);
        break;
      }
      if (known < 0) occupant.set(o, s);
      else if (known !== s) {
        violate(i, `it returned ${show(v)} at offset ${o}, but the log holds ${show(valueOfSend(known))} there`);
        break;
      }
      if (j === records.length - 1) pollLast[i] = o;
    }
  }
  let pollCount = 0;
  for (let r = 0; r < returnOrder.length; r++) if (!isSend[returnOrder[r]]) pollCount++;
  const polls = new Int32Array(pollCount);
  for (let r = 0, k = 0; r < returnOrder.length; r++) if (!isSend[returnOrder[r]]) polls[k++] = returnOrder[r];

  // --- nodes ---------------------------------------------------------------------------------
  // participating ops: sends with a known offset, polls with a read or strict constraint, and
  // the op of a pre-check violation. Unobserved unknown sends are gap-filler candidates.
  const inGraph = new Uint8Array(n);
  const spareList: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isSend[i]) {
      if (sendOffset[i] >= 0) inGraph[i] = 1;
      else spareList.push(callPos[i]);
    } else if (pollLast[i] >= 0 || (strict && pollEnd[i] >= 0)) {
      inGraph[i] = 1;
    }
  }
  if (violation !== undefined) inGraph[violation.op] = 1;
  const known = occupant.sortedKeys();

  // --- edges: compressed sparse rows, built in two passes over the same enumeration ----------
  const knownOp = new Int32Array(known.length);
  for (let j = 0; j < known.length; j++) knownOp[j] = occupant.get(known[j]);
  const firstKnownAtOrAfter = (e: number): number => {
    let lo = 0;
    let hi = known.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (known[mid] < e) lo = mid + 1;
      else hi = mid;
    }
    return lo < known.length ? knownOp[lo] : -1;
  };
  /** Every edge, in a fixed order; returns the node count (ops, then barrier nodes). */
  const enumerate = (emit: (a: number, b: number, kind: number) => void): number => {
    for (let j = 0; j + 1 < known.length; j++) emit(knownOp[j], knownOp[j + 1], E_CHAIN);
    for (let k = 0; k < polls.length; k++) {
      const p = polls[k];
      if (pollLast[p] >= 0) emit(occupant.get(pollLast[p]), p, E_READ);
      if (strict && pollEnd[p] >= 0) {
        const s = firstKnownAtOrAfter(pollEnd[p]);
        if (s >= 0) emit(p, s, E_STRICT);
      }
    }
    // real time through barrier nodes: op --(returns)--> barrier --> ... --> op invoked
    // later. Calls come in op order (ops are in invoke order), returns in returnOrder.
    let nodeCount = n;
    let barrier = -1;
    let callSinceBarrier = true;
    let c = 0;
    let r = 0;
    for (;;) {
      while (c < n && !inGraph[c]) c++;
      while (r < returnOrder.length && !inGraph[returnOrder[r]]) r++;
      if (c >= n && r >= returnOrder.length) break;
      const takeCall = r >= returnOrder.length || (c < n && callPos[c] < retPos[returnOrder[r]]);
      if (takeCall) {
        if (barrier >= 0) emit(barrier, c, E_TIME);
        callSinceBarrier = true;
        c++;
      } else {
        if (callSinceBarrier) {
          const nb = nodeCount++;
          if (barrier >= 0) emit(barrier, nb, E_TIME);
          barrier = nb;
          callSinceBarrier = false;
        }
        emit(returnOrder[r], barrier, E_TIME);
        r++;
      }
    }
    return nodeCount;
  };
  // pass 1: out-degrees (the barrier count is at most the number of ops)
  const degree = new Int32Array(2 * n + 2);
  let m = 0;
  const N = enumerate((a) => {
    degree[a + 1]++;
    m++;
  });
  const outStart = degree.subarray(0, N + 1);
  for (let v = 0; v < N; v++) outStart[v + 1] += outStart[v];
  // pass 2: targets and kinds
  const outDst = new Int32Array(m);
  const outKind = new Int8Array(m);
  {
    const fill = outStart.slice(0, N);
    enumerate((a, b, kind) => {
      const q = fill[a]++;
      outDst[q] = b;
      outKind[q] = kind;
    });
  }
  const isNode = (v: number): boolean => v >= n || inGraph[v] === 1;

  // --- Kahn's topological sort ---------------------------------------------------------------
  const kahn = (blocked: number): { order: Int32Array; count: number; indeg: Int32Array } => {
    const indeg = new Int32Array(N);
    for (let k = 0; k < m; k++) indeg[outDst[k]]++;
    const order = new Int32Array(N);
    let head = 0;
    let tail = 0;
    for (let v = 0; v < N; v++) if (isNode(v) && indeg[v] === 0 && v !== blocked) order[tail++] = v;
    while (head < tail) {
      const v = order[head++];
      for (let q = outStart[v]; q < outStart[v + 1]; q++) {
        const w = outDst[q];
        if (--indeg[w] === 0 && w !== blocked) order[tail++] = w;
      }
    }
    return { order, count: tail, indeg };
  };
  const prefixOf = (order: Int32Array, count: number): number[] => {
    const out: number[] = [];
    for (let k = 0; k < count; k++) if (order[k] < n) out.push(order[k]);
    return out;
  };
  const work = N + m;

  if (violation !== undefined) {
    const { order, count } = kahn(violation.op);
    return {
      kind: 'verdict',
      valid: false,
      work,
      longestPrefix: prefixOf(order, count),
      failedOp: violation.op,
      reason: violation.reason,
    };
  }

  let graphNodes = 0;
  for (let v = 0; v < N; v++) if (isNode(v)) graphNodes++;
  const sorted = kahn(-1);
  if (sorted.count < graphNodes) {
    const srcOf = new Int32Array(m);
    for (let v = 0; v < N; v++) for (let q = outStart[v]; q < outStart[v + 1]; q++) srcOf[q] = v;
    return cycleVerdict(part, sorted, N, m, srcOf, outDst, outKind, isNode, work, prefixOf(sorted.order, sorted.count));
  }

  // --- gaps: Hall's condition on fillers ------------------------------------------------------
  const gapGroups: Array<{ deadline: number; count: number; next: number; first: number }> = [];
  let expected = 0;
  for (let j = 0; j < known.length; j++) {
    if (known[j] > expected) {
      gapGroups.push({ deadline: 0, count: known[j] - expected, next: knownOp[j], first: expected });
    }
    expected = known[j] + 1;
  }
  if (gapGroups.length > 0) {
    const minRet = new Int32Array(N).fill(NEVER_RETURNS);
    for (let k = sorted.count - 1; k >= 0; k--) {
      const v = sorted.order[k];
      let best = v < n ? retPos[v] : NEVER_RETURNS;
      for (let q = outStart[v]; q < outStart[v + 1]; q++) {
        const w = outDst[q];
        if (minRet[w] < best) best = minRet[w];
      }
      minRet[v] = best;
    }
    for (const g of gapGroups) g.deadline = minRet[g.next];
    gapGroups.sort((x, y) => x.deadline - y.deadline);
    const spares = Float64Array.from(spareList).sort();
    let available = 0;
    let needed = 0;
    for (const g of gapGroups) {
      while (available < spares.length && spares[available] < g.deadline) available++;
      needed += g.count;
      if (available < needed) {
        const f = g.next;
        const last = g.first + g.count - 1;
        const { order, count } = kahn(f);
        const span = g.count === 1 ? `offset ${g.first} was` : `offsets ${g.first}–${last} were`;
        return {
          kind: 'verdict',
          valid: false,
          work,
          longestPrefix: prefixOf(order, count),
          failedOp: f,
          reason:
            `${span} never acknowledged or read, and not enough sends of unknown outcome were invoked ` +
            `early enough to have filled ${g.count === 1 ? 'it' : 'them'}; a log has no holes, so it cannot reach ` +
            `offset ${last + 1}`,
        };
      }
    }
  }
  // linearizable: the whole part is the prefix, not worth listing
  return { kind: 'verdict', valid: true, work, longestPrefix: [], failedOp: -1, reason: '' };
}

/** Explains a cycle among the nodes Kahn's sort could not place. */
function cycleVerdict(
  part: LogOps,
  sorted: { order: Int32Array; count: number; indeg: Int32Array },
  N: number,
  m: number,
  eSrc: Int32Array,
  eDst: Int32Array,
  eKind: Int8Array,
  isNode: (v: number) => boolean,
  work: number,
  prefix: number[],
): FastLogResult {
  const n = part.n;
  const { retPos } = part;
  const done = new Uint8Array(N);
  for (let k = 0; k < sorted.count; k++) done[sorted.order[k]] = 1;
  // the op that cannot be placed: the stuck op whose completion comes first
  let failed = -1;
  for (let v = 0; v < n; v++) {
    if (isNode(v) && !done[v] && (failed < 0 || retPos[v] < retPos[failed])) failed = v;
  }
  // reverse adjacency restricted to stuck nodes
  const inStart = new Int32Array(N + 1);
  for (let k = 0; k < m; k++) inStart[eDst[k] + 1]++;
  for (let v = 0; v < N; v++) inStart[v + 1] += inStart[v];
  const inEdge = new Int32Array(m);
  {
    const fill = inStart.slice(0, N);
    for (let k = 0; k < m; k++) inEdge[fill[eDst[k]]++] = k;
  }
  // walk back through stuck predecessors until a node repeats
  const seenAt = new Int32Array(N).fill(-1);
  const walk: number[] = []; // edge ids, walked backwards
  let cur = failed;
  seenAt[cur] = 0;
  let cycleStart = -1;
  for (;;) {
    let via = -1;
    for (let q = inStart[cur]; q < inStart[cur + 1]; q++) {
      const k = inEdge[q];
      if (!done[eSrc[k]]) {
        via = k;
        break;
      }
    }
    if (via < 0) break; // cannot happen: a stuck node has a stuck predecessor
    walk.push(via);
    cur = eSrc[via];
    if (seenAt[cur] >= 0) {
      cycleStart = seenAt[cur];
      break;
    }
    seenAt[cur] = walk.length;
  }
  const name = (v: number): string => `${part.describe(v)} (history index ${part.historyIndex(v)})`;
  // the cycle's edges in forward order, with real-time runs through barriers collapsed
  const cycleEdges = cycleStart >= 0 ? walk.slice(cycleStart).reverse() : [];
  // rotate so the cycle starts at an operation (every cycle has one: barriers only chain forward)
  const firstOp = cycleEdges.findIndex((k) => eSrc[k] < n);
  if (firstOp > 0) cycleEdges.push(...cycleEdges.splice(0, firstOp));
  const steps: string[] = [];
  let pendingFrom = -1;
  for (const k of cycleEdges) {
    const a = eSrc[k];
    const b = eDst[k];
    if (eKind[k] === E_TIME) {
      if (a < n) pendingFrom = a;
      if (b < n) {
        steps.push(`${name(pendingFrom)} completed before ${name(b)} was invoked`);
        pendingFrom = -1;
      }
      continue;
    }
    if (eKind[k] === E_CHAIN) steps.push(`${name(a)} precedes ${name(b)} in offset order`);
    else if (eKind[k] === E_READ) steps.push(`${name(b)} read the record of ${name(a)}`);
    else if (eKind[k] === E_STRICT)
      steps.push(`${name(a)} saw the log end before the offset of ${name(b)} (log-strict)`);
  }
  const onCycle = cycleStart >= 0 && cycleStart === 0;
  const reason =
    steps.length === 0
      ? 'its ordering constraints form a cycle'
      : `${onCycle ? 'it lies on' : 'it must follow operations that lie on'} a cycle of ordering constraints: ` +
        `${steps.join('; ')}`;
  return { kind: 'verdict', valid: false, work, longestPrefix: prefix, failedOp: failed, reason };
}
