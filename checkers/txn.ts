// Jepsen's transactional Kafka checks (jepsen-io/jepsen jepsen/src/jepsen/tests/kafka.clj, its
// analysis steps 4-8 and allowed-error-types) over histories in Jepsen's micro-op vocabulary:
// an operation (`send`, `poll` or `txn`) is one transaction whose value lists micro-ops
// `[:send k [offset v]]` and `[:poll {k [[offset v] ...]}]`; `ok` committed, `fail` aborted,
// `info` (or no completion) unknown. checkers/kafka.ts judges the same history micro-op by
// micro-op (lost-write, poll-skip, nonmonotonic-poll/send, duplicate, inconsistent-offsets,
// G1a aborted read, unseen; with the atomicity rule that an unknown transaction one of whose
// records was polled committed all of them). This module adds, one sentence each:
//
//   G1c               a cycle of write-read dependencies, each transaction polling a record the
//                     previous one sent: each committed before the next polled, impossible at
//                     read_committed (an error).
//   G1c-realtime      the same cycle closed by real-time order (one operation completed before
//                     the next was invoked), e.g. a poll returning a record sent later: an error.
//   G0                a cycle of write-write dependencies (records of concurrent transactions
//                     interleaved in contradicting orders across partitions): Kafka allows it,
//                     transactions do not isolate writes (Jepsen allows it too): a note.
//   G1c (with ww)     a cycle of write-write and write-read dependencies: Kafka allows it, a
//                     record takes its offset when sent, not when its transaction commits
//                     (Jepsen allows it with :ww-deps): a note.
//   G1b               intermediate read: one poll returned a record of a transaction and a later
//                     record of the same partition, but not the transaction's own record between
//                     them (it saw the transaction in part): an error.
//   precommitted-read a transaction polled a record it sent itself, visible only after it
//                     commits: an error.
//   int-send-skip     a transaction's successive sends to a partition have other records between
//                     them: Kafka allows it (Jepsen too): a note counting them.
// Jepsen's int-poll-skip and int-nonmonotonic-poll/send are kafka.ts's poll-skip and
// nonmonotonic-poll/send within one operation.
//
// The read_committed rule (a read_committed consumer never sees records of aborted or open
// transactions) is judged by G1a (aborted), precommitted-read (its own open transaction) and
// G1c / G1c-realtime (another open one). It assumes every consumer reads at read_committed, as
// Jepsen's transactional clients do: Kafka bounds such a fetch by the last stable offset
// (UnifiedLog.read, FetchIsolation.TXN_COMMITTED → fetchLastStableOffsetMetadata) and drops
// aborted batches (CompletedFetch.nextFetchedRecord, isBatchAborted); the LSO passes a
// transaction's records only once its commit marker is written, after EndTxn
// (TransactionCoordinator.handleEndTransaction, then the markers of
// TransactionMarkerChannelManager), which the producer sends after the transaction's polls.
//
// The dependency graph (Jepsen's step 4, Elle's relations), between operations that did not
// fail, from each partition's version order (kafka.ts: offsets holding a value, dense):
//   ww  T1 → T2  T1's record immediately precedes T2's in a partition's version order.
//   wr  T1 → T2  T2 polled a record T1 sent.
//   rt  T1 → T2  T1 completed ok before T2 was invoked (a transitive reduction, as Elle's).
// Jepsen's rw edges are left out (its own graph leaves them out too): a consumer's position lags
// freely, so reading below a record says nothing about when it committed. wr and rt each imply
// "T1 committed before T2 did", so their cycles are errors; ww only orders sends.
// Cycles are found per strongly connected component (Tarjan), one shortest cycle each (BFS),
// and reported with their edges and reasons. Values compare as strings; Jepsen's discipline
// that a value is sent once is assumed (kafka.ts reports duplicates).

import type { History } from './history.ts';
import type { Anomaly, CycleStep, Verdict } from './verdict.ts';
import { pairOperations, type Operation } from './ops.ts';
import { isMicroOpValue, kafkaActions, type KafkaAction } from './kafka-actions.ts';
import { judgeKafka, versionOrders, type KafkaCheckOptions, type VersionOrder } from './kafka.ts';

export interface TxnCheckOptions {
  /** Most anomalies reported per kind (the stats still count all). Default 50. */
  maxPerKind?: number;
  sourceLines?: readonly number[];
}

type Rel = CycleStep['rel'];
const WW = 1;
const WR = 2;
const RT = 4;

/** A record an operation sent or polled. */
interface Rec {
  key: string;
  topic: string;
  partition: number;
  value: string;
  offset: number | undefined;
}

/** The history as a dependency graph's raw material. */
interface Txns {
  ops: readonly Operation[];
  actions: readonly KafkaAction[][];
  orders: ReadonlyMap<string, VersionOrder>;
  /** partition key → value → the operation that sent it (the first, if several did). */
  writerOf: Map<string, Map<string, Operation>>;
  /** Op id → in the graph: a micro-op operation that did not fail. */
  inGraph: Uint8Array;
}

/** The dependency graph: out-edges per op id and relation (undefined: none). */
interface Graph {
  ww: Array<number[] | undefined>;
  wr: Array<number[] | undefined>;
  rt: Array<number[] | undefined>;
  edges: { ww: number; wr: number; rt: number };
}

const NONE: readonly number[] = [];

function add(lists: Array<number[] | undefined>, from: number, to: number): void {
  const l = lists[from];
  if (l === undefined) lists[from] = [to];
  else l.push(to);
}

function succOf(g: Graph, rel: Rel, v: number): readonly number[] {
  return g[rel][v] ?? NONE;
}

function partKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function shown(v: string): string {
  return JSON.stringify(v);
}

function opName(op: Operation): string {
  return `${op.f} ${op.invoke.index} (process ${String(op.process)})`;
}

/** Anomalies as found, at most maxPerKind kept per kind, every one counted. */
class Findings {
  readonly anomalies: Anomaly[] = [];
  readonly counts: Record<string, number> = {};
  constructor(private readonly maxPerKind: number) {}
  report(a: Anomaly): void {
    const name = a.informational === true ? `${a.kind}.note` : a.kind;
    this.counts[name] = (this.counts[name] ?? 0) + 1;
    if (this.counts[name] <= this.maxPerKind) this.anomalies.push(a);
  }
}

/** Judges the transactional anomalies of a history in Jepsen's Kafka vocabulary (see above). */
export function checkTxn(history: History, opts: TxnCheckOptions = {}): Verdict {
  const ops = pairOperations(history, opts.sourceLines);
  const actions = ops.map(kafkaActions);
  return judgeTxn(ops, actions, versionOrders(ops, actions), opts);
}

/** checkKafka's and checkTxn's verdicts, the history paired, read and ordered once for both. */
export function checkKafkaAndTxn(history: History, opts: KafkaCheckOptions = {}): [Verdict, Verdict] {
  const ops = pairOperations(history, opts.sourceLines);
  const actions = ops.map(kafkaActions);
  const kafka = judgeKafka(ops, actions, opts);
  return [kafka.verdict, judgeTxn(ops, actions, kafka.orders, opts)];
}

function judgeTxn(
  ops: readonly Operation[],
  actions: readonly KafkaAction[][],
  orders: ReadonlyMap<string, VersionOrder>,
  opts: TxnCheckOptions,
): Verdict {
  const t = gather(ops, actions, orders);
  const out = new Findings(opts.maxPerKind ?? 50);
  precommittedReadCases(t, out);
  g1bCases(t, out);
  intSendSkipCases(t, out);
  const g = buildGraph(t);
  const cycles = cycleCases(t, g, out);
  const stats: Record<string, number> = {
    operations: ops.length,
    transactions: ops.filter((op) => op.f === 'txn').length,
    committed: ops.filter((op) => op.f === 'txn' && op.outcome === 'ok').length,
    aborted: ops.filter((op) => op.f === 'txn' && op.outcome === 'fail').length,
    indeterminate: ops.filter((op) => op.f === 'txn' && op.outcome === 'info').length,
    graphNodes: t.inGraph.reduce((n, x) => n + x, 0),
    wwEdges: g.edges.ww,
    wrEdges: g.edges.wr,
    rtEdges: g.edges.rt,
    ...cycles,
  };
  for (const [kind, c] of Object.entries(out.counts)) stats[`anomalies.${kind}`] = c;
  const errors = out.anomalies.filter((a) => !a.informational);
  return { valid: errors.length === 0, checker: 'txn', anomalies: out.anomalies, stats };
}

// --- gathering -------------------------------------------------------------------------------

function gather(
  ops: readonly Operation[],
  actions: readonly KafkaAction[][],
  orders: ReadonlyMap<string, VersionOrder>,
): Txns {
  const writerOf = new Map<string, Map<string, Operation>>();
  const inGraph = new Uint8Array(ops.length);
  for (const op of ops) {
    if (!isMicroOpValue(op.invoke)) continue;
    if (op.outcome !== 'fail') inGraph[op.id] = 1;
    for (const a of actions[op.id]) {
      if (a.f !== 'send') continue;
      const key = partKey(a.topic, a.partition);
      let m = writerOf.get(key);
      if (m === undefined) writerOf.set(key, (m = new Map()));
      if (!m.has(a.value)) m.set(a.value, op);
    }
  }
  return { ops, actions, orders, writerOf, inGraph };
}

function sendsOf(t: Txns, op: Operation): Rec[] {
  const out: Rec[] = [];
  for (const a of t.actions[op.id]) {
    if (a.f === 'send') {
      out.push({
        key: partKey(a.topic, a.partition),
        topic: a.topic,
        partition: a.partition,
        value: a.value,
        offset: a.offset,
      });
    }
  }
  return out;
}

// --- precommitted-read, G1b, int-send-skip ----------------------------------------------------

/** precommitted-read: a transaction polled a record it sent itself, visible only once it commits. */
function precommittedReadCases(t: Txns, out: Findings): void {
  for (const op of t.ops) {
    const acts = t.actions[op.id];
    if (!isMicroOpValue(op.invoke) || !acts.some((a) => a.f === 'send') || !acts.some((a) => a.f === 'poll')) continue;
    const own = new Set(sendsOf(t, op).map((r) => `${r.key}\u0000${r.value}`));
    for (const a of acts) {
      if (a.f !== 'poll') continue;
      const hit = a.records.find((r) => own.has(`${partKey(a.topic, a.partition)}\u0000${String(r[1])}`));
      if (hit === undefined) continue;
      const key = partKey(a.topic, a.partition);
      out.report({
        kind: 'precommitted-read',
        explanation:
          `${opName(op)} polled ${shown(String(hit[1]))} at offset ${hit[0]} of ${key}, a record it sent ` +
          `itself: a read_committed consumer sees a transaction's records only after it commits.`,
        topic: a.topic,
        partition: a.partition,
        offsets: [hit[0]],
        values: [String(hit[1])],
        ops: [op.invoke.index],
      });
      break;
    }
  }
}

/**
 * G1b (intermediate read): one poll returned a transaction's record and a later record of the
 * same partition, but not the transaction's next record between them. Within one poll the
 * records of a partition are consecutive committed records (no rebalance can intervene), and a
 * transaction's records all become visible with its one commit marker.
 */
function g1bCases(t: Txns, out: Findings): void {
  const nextOwn = nextOwnIndex(t);
  let polled: Map<string, Set<string>> | undefined; // built at the first candidate
  for (const op of t.ops) {
    if (op.outcome !== 'ok' || !isMicroOpValue(op.invoke)) continue;
    for (const a of t.actions[op.id]) {
      if (a.f !== 'poll' || a.records.length < 2) continue;
      const key = partKey(a.topic, a.partition);
      const vo = t.orders.get(key);
      const next = nextOwn.get(key);
      if (vo === undefined || next === undefined) continue;
      const idx = a.records.map((r) => vo.indexOfOffset.get(r[0]) ?? -1);
      const read = new Set(idx);
      for (let r = 0; r < a.records.length - 1; r++) {
        const n = next.get(idx[r]);
        if (n === undefined || read.has(n) || !idx.slice(r + 1).some((j) => j > n)) continue;
        const missed = vo.byIndex[n];
        polled ??= polledValues(t);
        if (polled.get(key)?.has(missed) !== true) continue; // never polled at all: kafka.ts's lost-write
        const writer = t.writerOf.get(key)!.get(String(a.records[r][1]))!;
        out.report({
          kind: 'G1b',
          explanation:
            `${opName(op)} polled ${shown(String(a.records[r][1]))} of ${key}, sent by ${opName(writer)}, and ` +
            `records after offset ${vo.offsets[n]}, but not ${shown(missed)} that the same transaction sent ` +
            `there: it saw the transaction in part.`,
          topic: a.topic,
          partition: a.partition,
          offsets: [a.records[r][0], vo.offsets[n]],
          values: [String(a.records[r][1]), missed],
          ops: [writer.invoke.index, op.invoke.index],
        });
        break;
      }
    }
  }
}

/** partition key → the values some poll returned. */
function polledValues(t: Txns): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const op of t.ops) {
    for (const a of t.actions[op.id]) {
      if (a.f !== 'poll') continue;
      const key = partKey(a.topic, a.partition);
      let s = out.get(key);
      if (s === undefined) out.set(key, (s = new Set()));
      for (const r of a.records) s.add(String(r[1]));
    }
  }
  return out;
}

/** partition key → dense index of a record → dense index of the next record its writer sent there. */
function nextOwnIndex(t: Txns): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const [key, vo] of t.orders) {
    const writers = t.writerOf.get(key);
    if (writers === undefined) continue;
    const lastOf = new Map<Operation, number>();
    const m = new Map<number, number>();
    vo.byIndex.forEach((v, i) => {
      const w = writers.get(v);
      if (w === undefined) return;
      const prev = lastOf.get(w);
      if (prev !== undefined) m.set(prev, i);
      lastOf.set(w, i);
    });
    if (m.size > 0) out.set(key, m);
  }
  return out;
}

/** int-send-skip (a note): a transaction's successive sends to a partition were not adjacent. */
function intSendSkipCases(t: Txns, out: Findings): void {
  let count = 0;
  const examples: number[] = [];
  for (const op of t.ops) {
    if (op.outcome === 'fail' || !isMicroOpValue(op.invoke)) continue;
    const acts = t.actions[op.id];
    let skipped = false;
    for (let x = 0; x < acts.length && !skipped; x++) {
      const a = acts[x];
      if (a.f !== 'send') continue;
      // the previous send of this operation to the same partition, if any
      let y = x - 1;
      while (y >= 0 && !sameSendPartition(acts[y], a)) y--;
      if (y < 0) continue;
      const vo = t.orders.get(partKey(a.topic, a.partition));
      const i = vo?.firstIndex.get(a.value);
      const prev = vo?.firstIndex.get((acts[y] as { value: string }).value);
      if (i !== undefined && prev !== undefined && i - prev > 1) skipped = true;
    }
    if (!skipped) continue;
    count++;
    if (examples.length < 10) examples.push(op.invoke.index);
  }
  if (count === 0) return;
  out.report({
    kind: 'int-send-skip',
    explanation:
      `${count} operation(s) had other records between their successive sends to a partition: allowed, ` +
      `Kafka's transactions do not isolate writes (Jepsen allows it too).`,
    ops: examples,
    informational: true,
  });
}

function sameSendPartition(b: KafkaAction, a: { topic: string; partition: number }): boolean {
  return b.f === 'send' && b.topic === a.topic && b.partition === a.partition;
}

// --- the dependency graph ---------------------------------------------------------------------

function buildGraph(t: Txns): Graph {
  const n = t.ops.length;
  const g: Graph = { ww: new Array(n), wr: new Array(n), rt: new Array(n), edges: { ww: 0, wr: 0, rt: 0 } };
  const ww = new Set<number>();
  for (const [key, vo] of t.orders) {
    const writers = t.writerOf.get(key);
    if (writers === undefined) continue;
    for (let i = 1; i < vo.byIndex.length; i++) {
      const a = writers.get(vo.byIndex[i - 1]);
      const b = writers.get(vo.byIndex[i]);
      if (a === undefined || b === undefined || a === b || t.inGraph[a.id] === 0 || t.inGraph[b.id] === 0) continue;
      const id = a.id * n + b.id;
      if (ww.has(id)) continue;
      ww.add(id);
      add(g.ww, a.id, b.id);
      g.edges.ww++;
    }
  }
  // wr: each reader's writers once (stamp[w] = the last reader that linked w)
  const stamp = new Int32Array(n).fill(-1);
  for (const op of t.ops) {
    if (t.inGraph[op.id] === 0) continue;
    for (const a of t.actions[op.id]) {
      if (a.f !== 'poll') continue;
      const writers = t.writerOf.get(partKey(a.topic, a.partition));
      if (writers === undefined) continue;
      for (const r of a.records) {
        const w = writers.get(String(r[1]));
        if (w === undefined || w === op || t.inGraph[w.id] === 0 || stamp[w.id] === op.id) continue;
        stamp[w.id] = op.id;
        add(g.wr, w.id, op.id);
        g.edges.wr++;
      }
    }
  }
  realtimeEdges(t, g);
  return g;
}

/**
 * rt edges, reduced as Elle's realtime graph: at each invoke, an edge from every operation of
 * the frontier (completed ok, not followed by another completed after it was invoked); at an ok
 * completion, the operation replaces in the frontier those its own invoke saw. Every "completed
 * before invoked" pair stays connected by a path.
 */
function realtimeEdges(t: Txns, g: Graph): void {
  let last = 0;
  for (const op of t.ops) last = Math.max(last, op.invokePos, op.completePos);
  // history position → op id + 1 at an invoke, -(op id + 1) at an ok completion, 0 otherwise
  const at = new Int32Array(last + 1);
  for (const op of t.ops) {
    if (t.inGraph[op.id] === 0) continue;
    at[op.invokePos] = op.id + 1;
    if (op.outcome === 'ok') at[op.completePos] = -(op.id + 1);
  }
  let frontier: number[] = [];
  const before = new Map<number, number[]>();
  for (let pos = 0; pos <= last; pos++) {
    const e = at[pos];
    if (e > 0) {
      const id = e - 1;
      before.set(id, frontier);
      for (const f of frontier) add(g.rt, f, id);
      g.edges.rt += frontier.length;
    } else if (e < 0) {
      const id = -e - 1;
      const saw = before.get(id)!;
      before.delete(id);
      frontier = [...frontier.filter((f) => !saw.includes(f)), id];
    }
  }
}

// --- cycles --------------------------------------------------------------------------------

/** Strongly connected components over the relations in `mask` (iterative Tarjan); -1: trivial. */
function components(g: Graph, mask: number, nodes: Uint8Array): { comp: Int32Array; count: number } {
  const n = nodes.length;
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const comp = new Int32Array(n).fill(-1);
  const stack: number[] = [];
  let next = 0;
  let count = 0;
  const succ = (v: number): readonly number[] => edgesOf(g, mask, v);
  for (let root = 0; root < n; root++) {
    if (nodes[root] === 0 || index[root] >= 0) continue;
    const work: Array<{ v: number; out: readonly number[]; i: number }> = [];
    const open = (v: number): void => {
      index[v] = low[v] = next++;
      stack.push(v);
      onStack[v] = 1;
      work.push({ v, out: succ(v), i: 0 });
    };
    open(root);
    while (work.length > 0) {
      const top = work[work.length - 1];
      if (top.i < top.out.length) {
        const w = top.out[top.i++];
        if (index[w] < 0) open(w);
        else if (onStack[w] === 1) low[top.v] = Math.min(low[top.v], index[w]);
        continue;
      }
      work.pop();
      if (work.length > 0) low[work[work.length - 1].v] = Math.min(low[work[work.length - 1].v], low[top.v]);
      if (low[top.v] !== index[top.v]) continue;
      const members: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        members.push(w);
      } while (w !== top.v);
      if (members.length > 1) {
        for (const m of members) comp[m] = count;
        count++;
      }
    }
  }
  return { comp, count };
}

function edgesOf(g: Graph, mask: number, v: number): readonly number[] {
  if (mask === WW) return succOf(g, 'ww', v);
  if (mask === WR) return succOf(g, 'wr', v);
  const all: number[] = [];
  if (mask & WW) all.push(...succOf(g, 'ww', v));
  if (mask & WR) all.push(...succOf(g, 'wr', v));
  if (mask & RT) all.push(...succOf(g, 'rt', v));
  return all;
}

/** A shortest path from `from` to `to` inside one component, as [node, rel of the edge into it]. */
function pathWithin(
  g: Graph,
  mask: number,
  comp: Int32Array,
  from: number,
  to: number,
): Array<{ node: number; rel: Rel }> | undefined {
  const c = comp[from];
  const parent = new Map<number, { prev: number; rel: Rel }>();
  const queue = [from];
  const rels: Array<[number, Rel]> = [
    [WR, 'wr'],
    [WW, 'ww'],
    [RT, 'rt'],
  ];
  for (let q = 0; q < queue.length; q++) {
    const v = queue[q];
    for (const [bit, rel] of rels) {
      if ((mask & bit) === 0) continue;
      for (const w of succOf(g, rel, v)) {
        if (comp[w] !== c || parent.has(w) || w === from) continue;
        parent.set(w, { prev: v, rel });
        if (w === to) return unwind(parent, from, to);
        queue.push(w);
      }
    }
  }
  return undefined;
}

function unwind(
  parent: Map<number, { prev: number; rel: Rel }>,
  from: number,
  to: number,
): Array<{ node: number; rel: Rel }> {
  const path: Array<{ node: number; rel: Rel }> = [];
  for (let v = to; v !== from; ) {
    const p = parent.get(v)!;
    path.push({ node: v, rel: p.rel });
    v = p.prev;
  }
  return path.reverse();
}

/** A cycle through `start` inside its component: edges [from, to, rel]. */
function cycleThrough(g: Graph, mask: number, comp: Int32Array, start: number): Array<[number, number, Rel]> {
  const rels: Array<[number, Rel]> = [
    [WR, 'wr'],
    [WW, 'ww'],
    [RT, 'rt'],
  ];
  let best: Array<[number, number, Rel]> | undefined;
  for (const [bit, rel] of rels) {
    if ((mask & bit) === 0) continue;
    for (const w of succOf(g, rel, start)) {
      if (comp[w] !== comp[start]) continue;
      const path = w === start ? [] : pathWithin(g, mask, comp, w, start);
      if (path === undefined) continue;
      const edges: Array<[number, number, Rel]> = [[start, w, rel]];
      let prev = w;
      for (const s of path) {
        edges.push([prev, s.node, s.rel]);
        prev = s.node;
      }
      if (best === undefined || edges.length < best.length) best = edges;
      if (best.length === 2) return best;
    }
  }
  return best!;
}

/** G1c and G1c-realtime (errors), then G0 and G1c with ww (notes); returns figures. */
function cycleCases(t: Txns, g: Graph, out: Findings): Record<string, number> {
  const nodes = t.inGraph;
  // wr only: G1c
  const wr = components(g, WR, nodes);
  const reported = new Set<number>();
  forEachComponent(wr, (members) => {
    for (const m of members) reported.add(m);
    reportCycle(t, cycleThrough(g, WR, wr.comp, members[0]), 'G1c', out);
  });
  // wr + rt: G1c-realtime, for components holding no wr-only cycle
  const wrt = components(g, WR | RT, nodes);
  forEachComponent(wrt, (members) => {
    if (members.some((m) => reported.has(m))) return;
    reportCycle(t, cycleThrough(g, WR | RT, wrt.comp, members[0]), 'G1c-realtime', out);
  });
  // ww only: G0 (a note)
  const ww = components(g, WW, nodes);
  forEachComponent(ww, (members) => reportCycle(t, cycleThrough(g, WW, ww.comp, members[0]), 'G0', out));
  // ww + wr: G1c through a ww edge (a note), for components holding no wr-only cycle
  const mixed = components(g, WW | WR, nodes);
  forEachComponent(mixed, (members) => {
    if (members.some((m) => reported.has(m))) return;
    const inside = new Set(members);
    for (const a of members) {
      const b = succOf(g, 'wr', a).find((x) => inside.has(x));
      if (b === undefined) continue;
      const path = pathWithin(g, WW | WR, mixed.comp, b, a);
      if (path === undefined) continue;
      const edges: Array<[number, number, Rel]> = [[a, b, 'wr']];
      let prev = b;
      for (const s of path) {
        edges.push([prev, s.node, s.rel]);
        prev = s.node;
      }
      reportCycle(t, edges, 'G1c', out);
      return;
    }
  });
  return { wrComponents: wr.count, wrRtComponents: wrt.count, wwComponents: ww.count, wwWrComponents: mixed.count };
}

function forEachComponent(c: { comp: Int32Array; count: number }, f: (members: number[]) => void): void {
  if (c.count === 0) return;
  const members: number[][] = Array.from({ length: c.count }, () => []);
  c.comp.forEach((k, v) => {
    if (k >= 0) members[k].push(v);
  });
  for (const m of members) f(m);
}

const CYCLE_WHY: Record<'G1c' | 'G1c-realtime' | 'G0' | 'G1c-ww', string> = {
  G1c:
    'each polled a record the one before it sent, so each committed before the next polled: impossible at ' +
    'read_committed, where a transaction polls before it commits',
  'G1c-realtime':
    'each committed before the next one did (it was polled by it, or completed before it was invoked): ' +
    'impossible at read_committed',
  G0:
    "their records interleave in contradicting orders: allowed, Kafka's transactions do not isolate writes " +
    '(Jepsen allows G0 too)',
  'G1c-ww':
    'allowed in Kafka: a record takes its offset when sent, not when its transaction commits (Jepsen allows ' +
    'G1c with write-write edges too)',
};

function reportCycle(
  t: Txns,
  edges: Array<[number, number, Rel]>,
  kind: 'G1c' | 'G1c-realtime' | 'G0',
  out: Findings,
): void {
  const steps = edges.map(([a, b, rel]) => explainEdge(t, t.ops[a], t.ops[b], rel));
  const withWw = kind === 'G1c' && edges.some((e) => e[2] === 'ww');
  const names = edges.map(([a]) => opName(t.ops[a]));
  const rels = [...new Set(edges.map((e) => e[2]))].join(', ');
  out.report({
    kind,
    explanation:
      `${names.join(', ')} form a cycle of ${rels} dependencies: ` + `${CYCLE_WHY[withWw ? 'G1c-ww' : kind]}.`,
    ops: edges.map(([a]) => t.ops[a].invoke.index),
    cycle: steps,
    informational: kind === 'G0' || withWw ? true : undefined,
  });
}

/** The reason for one edge of a cycle: the records (partition, offsets, values) or the real-time order. */
function explainEdge(t: Txns, a: Operation, b: Operation, rel: Rel): CycleStep {
  const base = { from: a.invoke.index, to: b.invoke.index, rel };
  if (rel === 'rt') {
    return {
      ...base,
      explanation:
        `${opName(a)} completed (event ${a.completePos}) before ${opName(b)} was invoked ` + `(event ${b.invokePos}).`,
    };
  }
  if (rel === 'wr') {
    for (const act of t.actions[b.id]) {
      if (act.f !== 'poll') continue;
      const key = partKey(act.topic, act.partition);
      const writers = t.writerOf.get(key);
      const r = act.records.find((x) => writers?.get(String(x[1])) === a);
      if (r === undefined) continue;
      return {
        ...base,
        topic: act.topic,
        partition: act.partition,
        offsets: [r[0]],
        values: [String(r[1])],
        explanation: `${opName(b)} polled ${shown(String(r[1]))} at offset ${r[0]} of ${key}, sent by ${opName(a)}.`,
      };
    }
  }
  for (const s of sendsOf(t, a)) {
    const vo = t.orders.get(s.key);
    const i = vo?.firstIndex.get(s.value);
    if (vo === undefined || i === undefined || i + 1 >= vo.byIndex.length) continue;
    const next = vo.byIndex[i + 1];
    if (t.writerOf.get(s.key)?.get(next) !== b) continue;
    return {
      ...base,
      topic: s.topic,
      partition: s.partition,
      offsets: [vo.offsets[i], vo.offsets[i + 1]],
      values: [s.value, next],
      explanation:
        `${opName(a)} sent ${shown(s.value)} to ${s.key} at offset ${vo.offsets[i]}, the record before ` +
        `${shown(next)} that ${opName(b)} sent at offset ${vo.offsets[i + 1]}.`,
    };
  }
  return { ...base, explanation: `${opName(a)} precedes ${opName(b)} (${rel}).` };
}
