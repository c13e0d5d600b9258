// The log fast path: linearizability of one log partition (models `log` / `log-strict`) in
// linear time, for histories whose sends carry distinct values. No exponential search.
//
// Why it is exact. With distinct values every record a poll returns names its send, so the
// offset of every send that took effect and was observed is known: ok sends report theirs,
// unknown-outcome sends get the one polls saw them at. The log's content is then fixed, except
// for offsets nobody acknowledged or read (gaps): the log model has no holes, so each gap must
// be filled by an unobserved send of unknown outcome, and such sends are otherwise best
// assumed never to have happened. What remains is ordering:
//   offset order   send at o → send at the next known offset;
//   read placement send at the last offset a poll returned → that poll;
//               (log-strict) a poll that ended at e, short of maxRecords → send at e (or the
//               next known offset after it);
//   real time      a → b when a completed before b was invoked (kept O(n) with barrier nodes).
// A linearization exists iff this graph is acyclic and every gap can get a distinct filler
// that was invoked before the earliest completion among everything that must follow the gap
// (Hall's condition; the fillers' windows are nested, so counting suffices). Unknown-outcome
// sends never complete, so they only ever receive real-time edges.
//
// Preconditions (else "fallback" to the general search): distinct send values in the part,
// and an offset on every ok send. Assumes the part was compiled by models.ts (fail sends and
// non-ok polls already dropped; ops in invoke order).

import type { PollValue, SendValue } from '../history.ts';
import { NEVER_RETURNS, type CompiledPartition } from './partition.ts';

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

export function checkLogFast(part: CompiledPartition, strict: boolean): FastLogResult {
  const ops = part.ops;
  const n = ops.length;
  const { callPos, retPos } = part;

  // --- sends: values and acknowledged offsets ---------------------------------------------
  const isSend = new Uint8Array(n);
  const sendOffset = new Float64Array(n).fill(-1);
  const sendOfValue = new Map<string, number>();
  const occupant = new Map<number, number>(); // offset → send op
  let violation: Violation | undefined;
  const violate = (op: number, reason: string): void => {
    if (violation === undefined || retPos[op] < retPos[violation.op]) violation = { op, reason };
  };
  for (let i = 0; i < n; i++) {
    if (ops[i].f !== 'send') continue;
    isSend[i] = 1;
    const v = String((ops[i].invoke.value as SendValue).value);
    if (sendOfValue.has(v)) return { kind: 'fallback', reason: `value ${show(v)} is sent more than once` };
    sendOfValue.set(v, i);
    if (ops[i].outcome === 'ok') {
      const off = (ops[i].complete!.value as SendValue).offset;
      if (typeof off !== 'number') return { kind: 'fallback', reason: 'an acknowledged send has no offset' };
      sendOffset[i] = off;
    }
  }
  // acknowledged offsets, earliest acknowledgement first
  const acked: number[] = [];
  for (let i = 0; i < n; i++) if (isSend[i] && sendOffset[i] >= 0) acked.push(i);
  acked.sort((x, y) => retPos[x] - retPos[y]);
  for (const i of acked) {
    const prevOcc = occupant.get(sendOffset[i]);
    if (prevOcc === undefined) occupant.set(sendOffset[i], i);
    else violate(i, `offset ${sendOffset[i]} was already acknowledged to ${part.describe(prevOcc)}; a log returns each offset once`);
  }

  // --- polls: what they read ---------------------------------------------------------------
  const polls: number[] = [];
  for (let i = 0; i < n; i++) if (!isSend[i]) polls.push(i);
  polls.sort((x, y) => retPos[x] - retPos[y]);
  const pollLast = new Float64Array(n).fill(-1); // last offset read
  const pollEnd = new Float64Array(n).fill(-1); // strict: offset the answer ended at
  for (const p of polls) {
    const pv = ops[p].complete!.value as PollValue;
    const records = pv.records ?? [];
    const limit = pv.maxRecords ?? Infinity;
    if (strict) {
      if (records.length > limit) {
        violate(p, `it returned ${records.length} records, more than its maxRecords ${limit}`);
        continue;
      }
      if (records.length < limit) pollEnd[p] = pv.offset + records.length;
    }
    for (let j = 0; j < records.length; j++) {
      const [o, raw] = records[j];
      const v = String(raw);
      if (o !== pv.offset + j) {
        violate(p, `its records are not the consecutive offsets from ${pv.offset} that a poll of a log returns`);
        break;
      }
      const s = sendOfValue.get(v);
      if (s === undefined) {
        violate(p, `it returned ${show(v)} at offset ${o}, which no send that may have happened wrote`);
        break;
      }
      if (sendOffset[s] < 0) sendOffset[s] = o;
      else if (sendOffset[s] !== o) {
        violate(p, `it returned ${show(v)} at offset ${o}, but that record is at offset ${sendOffset[s]}`);
        break;
      }
      const occ = occupant.get(o);
      if (occ === undefined) occupant.set(o, s);
      else if (occ !== s) {
        violate(p, `it returned ${show(v)} at offset ${o}, but the log holds ${show(String((ops[occ].invoke.value as SendValue).value))} there`);
        break;
      }
      if (j === records.length - 1) pollLast[p] = o;
    }
  }

  // --- nodes ---------------------------------------------------------------------------------
  // participating ops: sends with a known offset, polls with a read or strict constraint, and
  // the op of a pre-check violation. Unobserved unknown sends are gap-filler candidates.
  const inGraph = new Uint8Array(n);
  const spares: number[] = [];
  for (let i = 0; i < n; i++) {
    if (isSend[i]) {
      if (sendOffset[i] >= 0) inGraph[i] = 1;
      else spares.push(callPos[i]);
    } else if (pollLast[i] >= 0 || pollEnd[i] >= 0) {
      inGraph[i] = 1;
    }
  }
  if (violation !== undefined) inGraph[violation.op] = 1;
  const known = Float64Array.from(occupant.keys()).sort();

  // --- edges (CSR built from a list) -----------------------------------------------------------
  let maxPos = 0;
  for (let i = 0; i < n; i++) {
    if (!inGraph[i]) continue;
    if (callPos[i] > maxPos) maxPos = callPos[i];
    if (retPos[i] !== NEVER_RETURNS && retPos[i] > maxPos) maxPos = retPos[i];
  }
  let eCap = 8 * n + 16;
  let eSrc = new Int32Array(eCap);
  let eDst = new Int32Array(eCap);
  let eKind = new Int8Array(eCap);
  let m = 0;
  const addEdge = (a: number, b: number, kind: number): void => {
    if (m === eCap) {
      eCap *= 2;
      const s2 = new Int32Array(eCap);
      s2.set(eSrc);
      eSrc = s2;
      const d2 = new Int32Array(eCap);
      d2.set(eDst);
      eDst = d2;
      const k2 = new Int8Array(eCap);
      k2.set(eKind);
      eKind = k2;
    }
    eSrc[m] = a;
    eDst[m] = b;
    eKind[m] = kind;
    m++;
  };
  for (let j = 0; j + 1 < known.length; j++) addEdge(occupant.get(known[j])!, occupant.get(known[j + 1])!, E_CHAIN);
  const firstKnownAtOrAfter = (e: number): number => {
    let lo = 0;
    let hi = known.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (known[mid] < e) lo = mid + 1;
      else hi = mid;
    }
    return lo < known.length ? occupant.get(known[lo])! : -1;
  };
  for (const p of polls) {
    if (pollLast[p] >= 0) addEdge(occupant.get(pollLast[p])!, p, E_READ);
    if (pollEnd[p] >= 0) {
      const s = firstKnownAtOrAfter(pollEnd[p]);
      if (s >= 0) addEdge(p, s, E_STRICT);
    }
  }
  // real time through barrier nodes: op --(returns)--> barrier --> ... --> op invoked later
  const evAt = new Int32Array(maxPos + 1).fill(-1);
  for (let i = 0; i < n; i++) {
    if (!inGraph[i]) continue;
    evAt[callPos[i]] = i;
    if (retPos[i] !== NEVER_RETURNS) evAt[retPos[i]] = n + i;
  }
  let nodeCount = n;
  let barrier = -1;
  let callSinceBarrier = true;
  for (let pos = 0; pos <= maxPos; pos++) {
    const e = evAt[pos];
    if (e < 0) continue;
    if (e < n) {
      if (barrier >= 0) addEdge(barrier, e, E_TIME);
      callSinceBarrier = true;
    } else {
      if (callSinceBarrier) {
        const nb = nodeCount++;
        if (barrier >= 0) addEdge(barrier, nb, E_TIME);
        barrier = nb;
        callSinceBarrier = false;
      }
      addEdge(e - n, barrier, E_TIME);
    }
  }
  const N = nodeCount;
  const outStart = new Int32Array(N + 1);
  for (let k = 0; k < m; k++) outStart[eSrc[k] + 1]++;
  for (let v = 0; v < N; v++) outStart[v + 1] += outStart[v];
  const outEdge = new Int32Array(m);
  {
    const fill = outStart.slice(0, N);
    for (let k = 0; k < m; k++) outEdge[fill[eSrc[k]]++] = k;
  }
  const isNode = (v: number): boolean => v >= n || inGraph[v] === 1;

  // --- Kahn's topological sort ---------------------------------------------------------------
  const kahn = (blocked: number): { order: Int32Array; count: number; indeg: Int32Array } => {
    const indeg = new Int32Array(N);
    for (let k = 0; k < m; k++) indeg[eDst[k]]++;
    const order = new Int32Array(N);
    let head = 0;
    let tail = 0;
    for (let v = 0; v < N; v++) if (isNode(v) && indeg[v] === 0 && v !== blocked) order[tail++] = v;
    while (head < tail) {
      const v = order[head++];
      for (let q = outStart[v]; q < outStart[v + 1]; q++) {
        const w = eDst[outEdge[q]];
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
    return { kind: 'verdict', valid: false, work, longestPrefix: prefixOf(order, count), failedOp: violation.op, reason: violation.reason };
  }

  let graphNodes = 0;
  for (let v = 0; v < N; v++) if (isNode(v)) graphNodes++;
  const sorted = kahn(-1);
  if (sorted.count < graphNodes) {
    return cycleVerdict(part, sorted, N, m, eSrc, eDst, eKind, isNode, work, prefixOf(sorted.order, sorted.count));
  }

  // --- gaps: Hall's condition on fillers ------------------------------------------------------
  const gapGroups: Array<{ deadline: number; count: number; next: number; first: number }> = [];
  let expected = 0;
  for (let j = 0; j < known.length; j++) {
    if (known[j] > expected) {
      gapGroups.push({ deadline: 0, count: known[j] - expected, next: occupant.get(known[j])!, first: expected });
    }
    expected = known[j] + 1;
  }
  if (gapGroups.length > 0) {
    const minRet = new Float64Array(N).fill(NEVER_RETURNS);
    for (let k = sorted.count - 1; k >= 0; k--) {
      const v = sorted.order[k];
      let best = v < n ? retPos[v] : NEVER_RETURNS;
      for (let q = outStart[v]; q < outStart[v + 1]; q++) {
        const w = eDst[outEdge[q]];
        if (minRet[w] < best) best = minRet[w];
      }
      minRet[v] = best;
    }
    for (const g of gapGroups) g.deadline = minRet[g.next];
    gapGroups.sort((x, y) => x.deadline - y.deadline);
    spares.sort((x, y) => x - y);
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
            `early enough to have filled ${g.count === 1 ? 'it' : 'them'}; a log has no holes, so it cannot reach offset ${last + 1}`,
        };
      }
    }
  }
  return { kind: 'verdict', valid: true, work, longestPrefix: prefixOf(sorted.order, sorted.count), failedOp: -1, reason: '' };
}

/** Explains a cycle among the nodes Kahn's sort could not place. */
function cycleVerdict(
  part: CompiledPartition,
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
  const n = part.ops.length;
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
  const name = (v: number): string => `${part.describe(v)} (history index ${part.ops[v].invoke.index})`;
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
    else if (eKind[k] === E_STRICT) steps.push(`${name(a)} saw the log end before the offset of ${name(b)} (log-strict)`);
  }
  const onCycle = cycleStart >= 0 && cycleStart === 0;
  const reason =
    steps.length === 0
      ? 'its ordering constraints form a cycle'
      : `${onCycle ? 'it lies on' : 'it must follow operations that lie on'} a cycle of ordering constraints: ${steps.join('; ')}`;
  return { kind: 'verdict', valid: false, work, longestPrefix: prefix, failedOp: failed, reason };
}
