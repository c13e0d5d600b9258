// The transactional offsets checker (issue 17, consume-transform-produce): a group's committed
// offsets judged against the transactions that commit them, from a history alone. A `txn`
// operation of gregor's transactional producer (model/txn-producer.ts) that consumes lists, in
// gregor's extension of Jepsen's micro-ops, `[fetch-offsets group {k offset-or-null}]` (the
// committed offset it started from: OffsetFetch with require_stable, KIP-447), `[poll {k
// [[offset v] ...]}]` and `[send-offsets group {k offset}]` (what sendOffsetsToTransaction
// committed within it). Kafka's promise (KIP-98, KIP-447): offsets committed in a transaction
// become the group's committed offsets when, and only when, the transaction commits, together
// with its output records. The taxonomy, one sentence each:
//
//   aborted-offsets-read  a fetch returned a committed offset that no transaction which may have
//                         committed sent, only aborted ones (or none): the group's offset moved
//                         without a committed transaction. A transaction cut off without a
//                         completion (its client killed) after sendOffsetsToTransaction, known
//                         committed (a poll returned one of its records), sent an offset the
//                         history does not hold: it explains a fetch invoked after it began of an
//                         offset no higher than its first record's (it sent the position its poll
//                         reached before its own records were appended). Seed 410055293: the
//                         EndTxn(COMMIT) was written (PrepareCommit) before the kill, and Kafka
//                         completes it (TransactionCoordinator.handleInitProducerId answers the new
//                         instance CONCURRENT_TRANSACTIONS in PrepareCommit until the markers land).
//   lost-txn-offsets      a fetch, invoked after a transaction that committed offset C was known
//                         committed (it completed ok, or a poll returned one of its records),
//                         returned a lower offset (or none), and no transaction that may have
//                         committed after it sent that lower offset.
//   double-consume        two committed transactions of one group consumed overlapping offsets
//                         of a partition (each from the offset its fetch returned to the one it
//                         sent): records processed twice, not exactly once.
//
// Offsets are Kafka's: a committed offset is the next offset to consume. Outcomes: `ok`
// committed, `fail` aborted, `info` (or no completion) unknown; an unknown transaction one of
// whose records a poll returned committed (Jepsen's atomicity rule, as checkers/kafka.ts). Groups
// that plain `commit` operations also write are left out (their offsets move without
// transactions). Real-time order is history order. Keys are partitions of the event's `topic`.

import type { History } from './history.ts';
import { Findings, type Verdict } from './verdict.ts';
import { pairOperations, type Operation } from './ops.ts';

export interface TxnOffsetsCheckOptions {
  sourceLines?: readonly number[];
  /** Most anomalies reported per kind (the stats count all). Default 50. */
  maxPerKind?: number;
}

/** One consume-transform-produce transaction's view of one group partition. */
interface Consume {
  op: Operation;
  /** The committed offset its fetch returned (null: none; undefined: no fetch answered). */
  fetched: number | null | undefined;
  /** The offset it committed (undefined: it sent none). */
  sent: number | undefined;
}

/** A group partition: `${group}\u0000${topic}/${partition}`. */
interface Part {
  group: string;
  topic: string;
  partition: number;
  consumes: Consume[];
}

type MicroOp = readonly unknown[];

/** True when the history has transactions that commit offsets (gregor's send-offsets micro-op). */
export function isTxnOffsetsHistory(history: History): boolean {
  return history.some((ev) => ev.f === 'txn' && Array.isArray(ev.value) && hasOffsetsMicroOp(ev.value));
}

function hasOffsetsMicroOp(value: readonly unknown[]): boolean {
  return value.some((m) => Array.isArray(m) && (m[0] === 'send-offsets' || m[0] === 'fetch-offsets'));
}

/** Judges the transactional offsets of a history; see the taxonomy above. */
export function checkTxnOffsets(history: History, opts: TxnOffsetsCheckOptions = {}): Verdict {
  const ops = pairOperations(history, opts.sourceLines);
  const plainGroups = new Set<string>();
  for (const op of ops) if (op.f === 'commit') plainGroups.add(String((op.invoke.value as { group?: unknown }).group));
  const parts = gather(ops, plainGroups);
  const committedAt = knownCommitted(ops);
  const cutOff = { cutOff: cutOffSenders(ops), committedAt, firstRecordAt: firstRecordOffsets(ops) };
  const out = new Findings(opts.maxPerKind ?? 50);
  for (const key of [...parts.keys()].sort()) {
    const p = parts.get(key)!;
    abortedOffsetsReadCases(p, cutOff, out);
    lostTxnOffsetsCases(p, committedAt, out);
    doubleConsumeCases(p, out);
  }
  const consumes = [...parts.values()].reduce((n, p) => n + p.consumes.length, 0);
  const stats: Record<string, number> = { groupPartitions: parts.size, consumes };
  for (const [k, n] of Object.entries(out.counts)) stats[k] = n;
  return {
    valid: out.anomalies.length === 0,
    checker: 'txn-offsets',
    anomalies: out.anomalies,
    stats,
  };
}

/** The micro-ops an operation reports: its completion's when it has a list, else its invoke's. */
function microOps(op: Operation): readonly MicroOp[] {
  const done = op.complete?.value;
  if (Array.isArray(done)) return done as MicroOp[];
  return Array.isArray(op.invoke.value) ? (op.invoke.value as MicroOp[]) : [];
}

function gather(ops: readonly Operation[], plainGroups: ReadonlySet<string>): Map<string, Part> {
  const parts = new Map<string, Part>();
  for (const op of ops) {
    if (op.f !== 'txn' || !Array.isArray(op.invoke.value)) continue;
    const topic = op.invoke.topic ?? 'key';
    const views = new Map<string, Consume>();
    const view = (group: string, k: string): Consume => {
      const key = `${group}\u0000${topic}/${Number(k)}`;
      let c = views.get(key);
      if (c === undefined) {
        views.set(key, (c = { op, fetched: undefined, sent: undefined }));
        let p = parts.get(key);
        if (p === undefined) parts.set(key, (p = { group, topic, partition: Number(k), consumes: [] }));
        p.consumes.push(c);
      }
      return c;
    };
    for (const m of microOps(op)) {
      if ((m[0] !== 'fetch-offsets' && m[0] !== 'send-offsets') || typeof m[1] !== 'string') continue;
      if (plainGroups.has(m[1]) || typeof m[2] !== 'object' || m[2] === null) continue;
      for (const [k, offset] of Object.entries(m[2] as Record<string, number | null>)) {
        if (m[0] === 'fetch-offsets') view(m[1], k).fetched = offset;
        else if (typeof offset === 'number') view(m[1], k).sent = offset;
      }
    }
  }
  return parts;
}

/**
 * When each transaction was known committed (a history position): its ok completion, or the
 * completion of the first operation that polled one of its records (it committed: Jepsen's
 * must-have-committed). Aborted (fail) transactions never are.
 */
function knownCommitted(ops: readonly Operation[]): Map<Operation, number> {
  const at = new Map<Operation, number>();
  for (const op of ops) if (op.f === 'txn' && op.outcome === 'ok') at.set(op, op.completePos);
  const sender = sendersByValue(ops, (op) => op.outcome !== 'fail');
  forEachPolledRecord(ops, (op, key, _offset, v) => {
    const t = sender.get(`${key}\u0000${String(v)}`);
    if (t !== undefined && t !== op && !(at.get(t)! <= op.completePos)) at.set(t, op.completePos);
  });
  return at;
}

/** The transaction that sent each value, keyed `${topic}/${partition}\u0000${value}` (its sends as invoked). */
function sendersByValue(ops: readonly Operation[], keep: (op: Operation) => boolean): Map<string, Operation> {
  const sender = new Map<string, Operation>();
  for (const op of ops) {
    if (op.f !== 'txn' || !keep(op)) continue;
    const topic = op.invoke.topic ?? 'key';
    for (const m of Array.isArray(op.invoke.value) ? (op.invoke.value as MicroOp[]) : []) {
      if (m[0] === 'send') sender.set(`${topic}/${Number(m[1])}\u0000${String(m[2])}`, op);
    }
  }
  return sender;
}

/**
 * Each record a completed, not-aborted operation's polls returned: its partition key `${topic}/${k}`, its
 * offset and value.
 */
function forEachPolledRecord(
  ops: readonly Operation[],
  visit: (op: Operation, key: string, offset: number, value: unknown) => void,
): void {
  for (const op of ops) {
    if (op.outcome === 'fail' || op.completePos < 0) continue;
    const topic = op.invoke.topic ?? 'key';
    for (const m of microOps(op)) {
      if (m[0] !== 'poll' || typeof m[1] !== 'object' || m[1] === null) continue;
      for (const [k, pairs] of Object.entries(m[1] as Record<string, Array<[number, unknown]>>)) {
        for (const [offset, v] of pairs) visit(op, `${topic}/${Number(k)}`, offset, v);
      }
    }
  }
}

/**
 * The lowest offset, per partition key `${topic}/${k}`, at which a poll of a transaction that was
 * not aborted returned a record of each transaction (its sends, by value, as invoked).
 */
function firstRecordOffsets(ops: readonly Operation[]): Map<Operation, Map<string, number>> {
  const sender = sendersByValue(ops, () => true);
  const first = new Map<Operation, Map<string, number>>();
  forEachPolledRecord(ops, (_op, key, offset, v) => {
    const t = sender.get(`${key}\u0000${String(v)}`);
    if (t === undefined) return;
    const byKey = first.get(t) ?? new Map<string, number>();
    first.set(t, byKey);
    if (!(byKey.get(key)! <= offset)) byKey.set(key, offset);
  });
  return first;
}

/** What the aborted-offsets-read rule knows of transactions without a recorded offset. */
interface CutOffKnowledge {
  /** Per group, the transactions cut off without a completion that invoked send-offsets to it. */
  cutOff: ReadonlyMap<string, readonly Operation[]>;
  committedAt: ReadonlyMap<Operation, number>;
  firstRecordAt: ReadonlyMap<Operation, ReadonlyMap<string, number>>;
}

/** Per group, the `txn` operations with no completion whose invoke has a send-offsets micro-op to it. */
function cutOffSenders(ops: readonly Operation[]): Map<string, Operation[]> {
  const by = new Map<string, Operation[]>();
  for (const op of ops) {
    if (op.f !== 'txn' || op.completePos >= 0 || !Array.isArray(op.invoke.value)) continue;
    for (const m of op.invoke.value as MicroOp[]) {
      if (m[0] !== 'send-offsets' || typeof m[1] !== 'string') continue;
      by.set(m[1], [...(by.get(m[1]) ?? []), op]);
    }
  }
  return by;
}

/**
 * True when a transaction cut off without a completion after invoking send-offsets to `p`'s
 * group (the offset it sent unrecorded), known committed, may have sent the offset `c` fetched:
 * it began before `c`, and the offset is no higher than the first offset of its own records on
 * `p`'s partition (the position its poll reached before they were appended).
 */
function cutOffMaySend(c: Consume, p: Part, k: CutOffKnowledge): boolean {
  const offset = c.fetched;
  if (typeof offset !== 'number') return false;
  return (k.cutOff.get(p.group) ?? []).some((t) => {
    if (!k.committedAt.has(t) || t.invokePos >= c.op.invokePos) return false;
    const first = k.firstRecordAt.get(t)?.get(`${p.topic}/${p.partition}`);
    return first !== undefined && offset <= first;
  });
}

/** A transaction that may have committed its offsets (not aborted). */
const mayCommit = (c: Consume): boolean => c.op.outcome !== 'fail' && c.sent !== undefined;

function where(p: Part): string {
  return `group ${p.group}, ${p.topic}-${p.partition}`;
}

/** aborted-offsets-read: every fetched offset was sent by a transaction that may have committed. */
function abortedOffsetsReadCases(p: Part, k: CutOffKnowledge, out: Findings): void {
  const possible = new Set(p.consumes.filter(mayCommit).map((c) => c.sent));
  for (const c of p.consumes) {
    if (c.fetched === undefined || c.fetched === null || possible.has(c.fetched)) continue;
    if (cutOffMaySend(c, p, k)) continue;
    const aborted = p.consumes.find((x) => x.op.outcome === 'fail' && x.sent === c.fetched);
    const by = aborted === undefined ? 'no transaction sent it' : `only aborted transactions sent it`;
    out.report({
      kind: 'aborted-offsets-read',
      group: p.group,
      explanation:
        `${where(p)}: a fetch (event ${c.op.invokePos}) returned committed offset ${c.fetched}, but ${by}: ` +
        'the group\u2019s offset moved without a committed transaction (an aborted transaction\u2019s offsets ' +
        'must never become visible).',
      ops: aborted === undefined ? [c.op.invokePos] : [aborted.op.invokePos, c.op.invokePos],
      topic: p.topic,
      partition: p.partition,
      offsets: [c.fetched],
    });
  }
}

/** lost-txn-offsets: a fetch after a transaction was known committed returned a lower offset, unexplained. */
function lostTxnOffsetsCases(p: Part, committedAt: ReadonlyMap<Operation, number>, out: Findings): void {
  for (const f of p.consumes) {
    if (f.fetched === undefined) continue;
    const seen = f.fetched ?? -1;
    let worst: Consume | undefined;
    for (const t of p.consumes) {
      const known = committedAt.get(t.op);
      if (t.sent === undefined || known === undefined || known >= f.op.invokePos || t.sent <= seen) continue;
      // Another transaction that may have committed after t did, sending the offset the fetch saw.
      const explained = p.consumes.some(
        (x) =>
          x !== t &&
          mayCommit(x) &&
          x.sent === f.fetched &&
          !(x.op.completePos >= 0 && x.op.completePos < t.op.invokePos),
      );
      if (!explained && (worst === undefined || t.sent > (worst.sent ?? -1))) worst = t;
    }
    if (worst === undefined) continue;
    out.report({
      kind: 'lost-txn-offsets',
      group: p.group,
      explanation:
        `${where(p)}: the transaction at event ${worst.op.invokePos} committed offset ${worst.sent} (known ` +
        `committed at event ${committedAt.get(worst.op)}), yet a later fetch (event ${f.op.invokePos}) returned ` +
        `${f.fetched === null ? 'none' : f.fetched}, and no transaction that may have committed after it sent that.`,
      ops: [worst.op.invokePos, f.op.invokePos],
      topic: p.topic,
      partition: p.partition,
      offsets: [worst.sent!, ...(f.fetched === null ? [] : [f.fetched])],
    });
  }
}

/** double-consume: the committed transactions' consumed ranges [fetched, sent) overlap. */
function doubleConsumeCases(p: Part, out: Findings): void {
  const ranges = p.consumes
    .filter((c) => c.op.outcome === 'ok' && c.sent !== undefined && c.fetched !== undefined)
    .map((c) => ({ c, from: c.fetched ?? 0, to: c.sent! }))
    .filter((r) => r.to > r.from)
    .sort((a, b) => a.from - b.from || a.c.op.invokePos - b.c.op.invokePos);
  let a = ranges[0];
  for (let i = 1; i < ranges.length; i++) {
    const b = ranges[i];
    if (b.from >= a.to) {
      a = b;
      continue;
    }
    const [first, second] = a.c.op.invokePos < b.c.op.invokePos ? [a, b] : [b, a];
    out.report({
      kind: 'double-consume',
      group: p.group,
      explanation:
        `${where(p)}: the committed transactions at events ${first.c.op.invokePos} and ${second.c.op.invokePos} ` +
        `both consumed offsets [${Math.max(a.from, b.from)}, ${Math.min(a.to, b.to)}) (from the offsets their ` +
        'fetches returned to the ones they committed): processed twice, not exactly once.',
      ops: [first.c.op.invokePos, second.c.op.invokePos],
      topic: p.topic,
      partition: p.partition,
      offsets: [Math.max(a.from, b.from), Math.min(a.to, b.to)],
    });
    if (b.to > a.to) a = b;
  }
}
