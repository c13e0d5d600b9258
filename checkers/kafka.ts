// Durability and the Kafka anomalies, with Jepsen's names and meanings
// (jepsen-io/jepsen jepsen/src/jepsen/tests/kafka.clj; KAFKA-NOTES.md). The taxonomy, one
// sentence each:
//
//   inconsistent-offsets  one offset of a partition holds more than one value.
//   duplicate             one value sits at more than one offset of a partition.
//   G1a                   an ok poll returned the value of a send that definitely failed
//                         (Jepsen's aborted read).
//   phantom-read          an ok poll returned a value no send in the history wrote (gregor's
//                         addition: Jepsen's checker cannot represent it).
//   lost-write            a committed send (ok, or info whose value some poll saw) is missing
//                         although reads must have returned it: (a) Jepsen's rule, ok polls
//                         read past its position in the version order (a reader moved over it
//                         by auto.offset.reset=latest's skip of a deleted position read nothing
//                         in between: only a read across it counts there); or (b) the final read.
//   poll-skip             a process's successive polls of a partition, or consecutive records
//                         of one poll, jump over values of the version order.
//   nonmonotonic-poll     the same, going backwards or repeating a position.
//   nonmonotonic-send     a process's successive ok/info sends to a partition land at
//                         positions that go backwards.
//   unseen                acknowledged, never polled, not lost: a figure, not an error.
//   deleted-by-retention  committed, never polled, and below a log start offset retention had
//                         reached when a read went past it (checkers/retention.ts): not lost,
//                         a figure with the offset range. A forward auto.offset.reset whose
//                         position retention had deleted skips those values without a
//                         poll-skip; under `latest` the values it skips above that log start
//                         are the policy's, reported informational (never under `earliest`).
//
// Transactions (Jepsen's :txn, several micro-ops in one operation) are judged here micro-op by
// micro-op, with one transactional rule: an operation of unknown outcome one of whose sends
// was polled committed all its sends (atomicity). Their other anomalies (cycles, intermediate
// and precommitted reads) are checkers/txn.ts's.
//
// The version order of a partition is built, as in Jepsen, from every poll (ok, info, fail
// alike: polls only ever return stored data) and from the offsets of sends that must have
// committed; positions in it are dense indices over the offsets that hold a value. Values are
// compared as strings. Assumes Jepsen's discipline that a value is sent once. Operations are
// read through checkers/kafka-actions.ts, so gregor's and Jepsen's vocabularies both work.

import type { ConsumerReset, History } from './history.ts';
import { Findings, type Verdict } from './verdict.ts';
import { pairOperations, type Operation } from './ops.ts';
import { kafkaActions, pollsAssigned, type KafkaAction, type PollRecord } from './kafka-actions.ts';
import { RetentionBounds, type RetentionDeletion } from './retention.ts';

export interface KafkaCheckOptions {
  /** Most anomalies reported per kind (the stats still count all). Default 50. */
  maxPerKind?: number;
  sourceLines?: readonly number[];
  /**
   * The caller knows the history's final read saw each partition's whole committed log (the
   * cluster was live when it ran). Then a committed record beyond where it ended is lost.
   * Otherwise such a record may only be not yet readable (a new leader's HW lags, KIP-101;
   * with KIP-966 the HW stays put while the ISR is below min.insync.replicas) and is
   * reported as unseen, unless the final read returned a record sent after it was
   * acknowledged. Default false.
   */
  finalReadComplete?: boolean;
  /**
   * Deletions by retention (checkers/retention.ts): a committed record below the log start
   * retention had reached when a read went past it is not lost. Default none.
   */
  retention?: readonly RetentionDeletion[];
}

interface SendInfo {
  op: Operation;
  value: string;
  /** The offset the send reported (ok, or info sends of a transaction that report one). */
  offset: number | undefined;
  /**
   * Its effect is certain (Jepsen's must-have-committed?): the operation was ok, or of unknown
   * outcome and some poll returned one of its sends, to any partition: a transaction commits
   * all its sends or none.
   */
  committed: boolean;
}

interface PollInfo {
  op: Operation;
  /** As recorded: values may be numbers; compare String(value). */
  records: readonly PollRecord[];
  /** The offset the poll read from, when the history says (gregor's polls do). */
  from: number | undefined;
}

interface Part {
  key: string;
  topic: string;
  partition: number;
  sends: SendInfo[];
  polls: PollInfo[];
  writers: Map<string, SendInfo[]>;
  /** Values returned by ok polls. */
  okRead: Set<string>;
  /** History position after which no send to the partition is in flight (-1: no sends). */
  sendsEnd: number;
  /** Its version order, once built (judgeKafka builds every part's before judging any). */
  vo?: VersionOrder;
}

/**
 * The parts of a history, by `topic/partition` key (sorted when judged) and by topic and
 * partition: the judging passes look a part up per action, without building its key string.
 */
class Parts {
  readonly byKey = new Map<string, Part>();
  private readonly byTopic = new Map<string, Map<number, Part>>();
  /** Nearly every action is on the partition of the one before. */
  private last: Part | undefined;

  get(topic: string, partition: number): Part | undefined {
    const last = this.last;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;
    const p = this.byTopic.get(topic)?.get(partition);
    if (p !== undefined) this.last = p;
    return p;
  }

  /** The part of `topic`/`partition`, made on first use. */
  make(topic: string, partition: number): Part {
    const found = this.get(topic, partition);
    if (found !== undefined) return found;
    const key = partKey(topic, partition);
    const p: Part = {
      key,
      topic,
      partition,
      sends: [],
      polls: [],
      writers: new Map(),
      okRead: new Set(),
      sendsEnd: -1,
    };
    this.byKey.set(key, p);
    let inTopic = this.byTopic.get(topic);
    if (inTopic === undefined) this.byTopic.set(topic, (inTopic = new Map()));
    inTopic.set(partition, p);
    this.last = p;
    return p;
  }
}

export interface VersionOrder {
  /** offset → values there, first seen first (witnessesAt finds the operations that saw each). */
  log: Map<number, string[]>;
  /** Offsets holding a value, ascending; offsets[i] is the offset of dense index i. */
  offsets: number[];
  indexOfOffset: Map<number, number>;
  /** Dense index → the (first) value there. */
  byIndex: string[];
  /** Value → its first / last dense index (one Map when no value sits at two offsets, the common case). */
  firstIndex: Map<string, number>;
  lastIndex: ReadonlyMap<string, number>;
  /** Values at two or more offsets → those offsets, ascending; in order of each value's first position. */
  duplicated: Map<string, number[]>;
}

/** A final read: a process's assign at offset 0 after every send, and its later operations. */
interface FinalRead {
  assign: Operation;
  ops: Operation[];
}

const WITNESSES = 4;

function partKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function shown(v: string): string {
  return JSON.stringify(v);
}

/** Judges a Kafka history (gregor's or Jepsen's vocabulary); see the taxonomy above. */
export function checkKafka(history: History, opts: KafkaCheckOptions = {}): Verdict {
  const ops = pairOperations(history, opts.sourceLines);
  return judgeKafka(ops, ops.map(kafkaActions), opts).verdict;
}

/** checkKafka over operations already paired and read, with the version orders it built (for checkers/txn.ts). */
export function judgeKafka(
  ops: readonly Operation[],
  actions: readonly KafkaAction[][],
  opts: KafkaCheckOptions = {},
): { verdict: Verdict; orders: Map<string, VersionOrder> } {
  const parts = gatherParts(ops, actions);
  const processes = byProcess(ops);
  const finals = finalReads(processes, actions, parts);
  const out = new Findings(opts.maxPerKind ?? 50);
  const orders = new Map<string, VersionOrder>();
  let unseenTotal = 0;
  let lostTotal = 0;
  const retention = new RetentionBounds(opts.retention);
  const keys = [...parts.byKey.keys()].sort();
  for (const key of keys) {
    const p = parts.byKey.get(key)!;
    p.vo = versionOrder(p);
    orders.set(key, p.vo);
  }
  // The poll and send orders first (lost-write (a) reads the policy skips they find), into their
  // own Findings, appended after the others' as before: the two report disjoint kinds.
  const orderOut = new Findings(opts.maxPerKind ?? 50);
  const skips = new PolicySkips();
  for (const procOps of processes.values()) {
    pollOrderCases(procOps, actions, parts, { out: orderOut, retention, skips });
    nonmonotonicSendCases(procOps, actions, parts, orderOut);
  }
  for (const key of keys) {
    const p = parts.byKey.get(key)!;
    const vo = p.vo!;
    inconsistentOffsetCases(p, vo, out);
    duplicateCases(p, vo, out);
    phantomReadCases(p, out);
    g1aCases(p, out);
    const lost = new LostWrites(p, out, retention);
    jepsenLostWriteCases(p, vo, lost, skips);
    finalReadLostWriteCases(p, vo, finals.get(p) ?? [], opts.finalReadComplete === true, lost, out);
    lost.reportDeleted();
    unseenTotal += unseenCases(p, lost.values, out);
    lostTotal += lost.count;
  }
  out.absorb(orderOut);
  const stats = kafkaStats(ops, actions, parts.byKey.size, unseenTotal, lostTotal);
  for (const [kind, c] of Object.entries(out.counts)) stats[`anomalies.${kind}`] = c;
  const errors = out.anomalies.filter((a) => !a.informational);
  return { verdict: { valid: errors.length === 0, checker: 'kafka', anomalies: out.anomalies, stats }, orders };
}

// --- gathering -------------------------------------------------------------------------------

/** Each partition's sends, polls and read values, in history order. */
function gatherParts(ops: readonly Operation[], actions: readonly KafkaAction[][]): Parts {
  const parts = new Parts();
  for (const op of ops) {
    for (const a of actions[op.id]) {
      if (a.f === 'send') {
        const p = parts.make(a.topic, a.partition);
        const s: SendInfo = { op, value: a.value, offset: a.offset, committed: op.outcome === 'ok' };
        p.sends.push(s);
        p.sendsEnd = Math.max(p.sendsEnd, op.completePos >= 0 ? op.completePos : op.invokePos);
        const w = p.writers.get(s.value);
        if (w === undefined) p.writers.set(s.value, [s]);
        else w.push(s);
      } else if (a.f === 'poll') {
        const p = parts.make(a.topic, a.partition);
        p.polls.push({ op, records: a.records, from: a.from });
        const records = a.records;
        if (op.outcome === 'ok') for (let j = 0; j < records.length; j++) p.okRead.add(String(records[j][1]));
      }
    }
  }
  markCommitted(parts);
  return parts;
}

/** SendInfo.committed for unknown-outcome operations: some poll returned one of their sends. */
function markCommitted(parts: Parts): void {
  const seen = new Set<Operation>();
  for (const p of parts.byKey.values()) {
    // The values any poll returned (ok, info or fail alike), gathered only where a send's outcome is unknown.
    if (!p.sends.some((s) => s.op.outcome === 'info')) continue;
    const anyRead = new Set<string>();
    for (const q of p.polls) for (const r of q.records) anyRead.add(String(r[1]));
    for (const s of p.sends) if (s.op.outcome === 'info' && anyRead.has(s.value)) seen.add(s.op);
  }
  for (const p of parts.byKey.values()) for (const s of p.sends) if (seen.has(s.op)) s.committed = true;
}

/** Each partition's version order (see the taxonomy above), by `topic/partition`. */
export function versionOrders(ops: readonly Operation[], actions: readonly KafkaAction[][]): Map<string, VersionOrder> {
  const orders = new Map<string, VersionOrder>();
  for (const [key, p] of gatherParts(ops, actions).byKey) orders.set(key, versionOrder(p));
  return orders;
}

/** The partition's version order: committed sends' offsets and every poll's records. */
function versionOrder(p: Part): VersionOrder {
  const log = new Map<number, string[]>();
  forEachPlacement(p, (offset, value) => {
    const at = log.get(offset);
    if (at === undefined) log.set(offset, [value]);
    else if (!at.includes(value)) at.push(value);
  });

  const offsets = [...log.keys()].sort((a, b) => a - b);
  const indexOfOffset = new Map<number, number>();
  const byIndex: string[] = [];
  const firstIndex = new Map<string, number>();
  let repeats = false;
  for (let i = 0; i < offsets.length; i++) {
    const at = log.get(offsets[i])!;
    indexOfOffset.set(offsets[i], i);
    byIndex.push(at[0]);
    for (let k = 0; k < at.length; k++) {
      if (!firstIndex.has(at[k])) firstIndex.set(at[k], i);
      else repeats = true;
    }
  }
  const vo = { log, offsets, indexOfOffset, byIndex, firstIndex, lastIndex: firstIndex, duplicated: new Map() };
  return repeats ? withRepeats(vo) : vo;
}

/** lastIndex and duplicated of a version order some value of which sits at two offsets. */
function withRepeats(vo: VersionOrder): VersionOrder {
  const lastIndex = new Map<string, number>();
  const offsetsOfValue = new Map<string, number[]>();
  for (let i = 0; i < vo.offsets.length; i++) {
    const o = vo.offsets[i];
    for (const value of vo.log.get(o)!) {
      lastIndex.set(value, i);
      const os = offsetsOfValue.get(value);
      if (os === undefined) offsetsOfValue.set(value, [o]);
      else os.push(o);
    }
  }
  const duplicated = new Map<string, number[]>();
  for (const [value, os] of offsetsOfValue) if (os.length > 1) duplicated.set(value, os);
  return { ...vo, lastIndex, duplicated };
}

/**
 * The first few operations (invoke indices) that put each value at each of `offsets` in the
 * version order, in the order versionOrder reads them: committed sends, then polls. One pass over
 * the part's sends and polls, made only for a report (inconsistent-offsets, duplicate).
 */
function witnessesAt(p: Part, offsets: ReadonlySet<number>): (offset: number, value: string) => number[] {
  const found = new Map<number, Map<string, number[]>>();
  forEachPlacement(p, (offset, value, opIndex) => {
    if (!offsets.has(offset)) return;
    let at = found.get(offset);
    if (at === undefined) found.set(offset, (at = new Map()));
    const ops = at.get(value);
    if (ops === undefined) at.set(value, [opIndex]);
    else if (ops.length < WITNESSES && !ops.includes(opIndex)) ops.push(opIndex);
  });
  return (offset, value) => found.get(offset)?.get(value) ?? [];
}

/**
 * What a version order reads of a part, in order: each committed send with a known offset, then
 * every record of every poll; each with its offset, value and the invoke index of its operation.
 */
function forEachPlacement(p: Part, visit: (offset: number, value: string, opIndex: number) => void): void {
  for (const s of p.sends) if (s.offset !== undefined && s.committed) visit(s.offset, s.value, s.op.invoke.index);
  for (const q of p.polls) {
    const records = q.records;
    for (let r = 0; r < records.length; r++) visit(records[r][0], String(records[r][1]), q.op.invoke.index);
  }
}

/**
 * Final reads per partition (DESIGN §5; Jepsen's final-polls): for each process, its first ok
 * assign of the partition at offset 0 (not a reset: AssignValue.reset) made after every send
 * to the partition had completed,
 * and its later operations on the partition (a Jepsen poll polls every partition assigned).
 * Whatever the process did before (a probe assigned elsewhere, earlier reads) does not matter.
 */
function finalReads(
  processes: ReadonlyMap<number | string, Operation[]>,
  actions: readonly KafkaAction[][],
  parts: Parts,
): Map<Part, FinalRead[]> {
  const found = new Map<Part, FinalRead[]>();
  // The partitions an operation touched (few): one array for every operation, not a Set each.
  // A partition no send or poll names has no part: no final read of it is ever open.
  const touched: Part[] = [];
  for (const procOps of processes.values()) {
    const open = new Map<Part, FinalRead>();
    for (const op of procOps) {
      while (touched.length > 0) touched.pop(); // not length = 0, which drops the array's store
      for (const a of actions[op.id]) {
        if (a.f !== 'assign' && a.f !== 'poll') continue;
        const p = parts.get(a.topic, a.partition);
        if (p === undefined) continue;
        if (!touched.includes(p)) touched.push(p);
        // The application's assign only: a consumer's own reset to 0 (auto.offset.reset) is no final read.
        const starts = a.f === 'assign' && a.offset === 0 && a.reset === undefined && op.outcome === 'ok';
        if (starts && !open.has(p) && p.sends.length > 0 && op.invokePos > p.sendsEnd) {
          const f: FinalRead = { assign: op, ops: [] };
          open.set(p, f);
          let l = found.get(p);
          if (l === undefined) found.set(p, (l = []));
          l.push(f);
          touched.splice(touched.indexOf(p), 1);
        }
      }
      if (open.size === 0) continue; // nothing to add the operation to (pollsAssigned only reads)
      const everything = pollsAssigned(op);
      for (const [p, f] of open) if (f.assign !== op && (everything || touched.includes(p))) f.ops.push(op);
    }
  }
  return found;
}

function byProcess(ops: readonly Operation[]): Map<number | string, Operation[]> {
  const m = new Map<number | string, Operation[]>();
  for (const op of ops) {
    let l = m.get(op.process);
    if (l === undefined) m.set(op.process, (l = []));
    l.push(op);
  }
  return m;
}

// --- one function per anomaly ------------------------------------------------------------

/** inconsistent-offsets: an offset holding more than one value. */
function inconsistentOffsetCases(p: Part, vo: VersionOrder, out: Findings): void {
  const inconsistent = vo.offsets.filter((o) => vo.log.get(o)!.length > 1);
  if (inconsistent.length === 0) return;
  const witnessesOf = witnessesAt(p, new Set(inconsistent));
  for (const o of inconsistent) {
    const at = vo.log.get(o)!;
    out.report({
      kind: 'inconsistent-offsets',
      explanation:
        `Offset ${o} of ${p.key} holds ${at.length} different values ` +
        `(${at.map(shown).join(', ')}) according to different sends and polls.`,
      topic: p.topic,
      partition: p.partition,
      offsets: [o],
      values: [...at],
      ops: [...new Set(at.flatMap((v) => witnessesOf(o, v)))],
    });
  }
}

/** duplicate: a value at more than one offset. */
function duplicateCases(p: Part, vo: VersionOrder, out: Findings): void {
  if (vo.duplicated.size === 0) return;
  const witnessesOf = witnessesAt(p, new Set([...vo.duplicated.values()].flat()));
  for (const [value, os] of vo.duplicated) {
    out.report({
      kind: 'duplicate',
      explanation:
        `Value ${shown(value)} appears at ${os.length} offsets of ${p.key} (${os.join(', ')}), though ` +
        `it was sent once.`,
      topic: p.topic,
      partition: p.partition,
      offsets: os,
      values: [value],
      ops: [...new Set(os.flatMap((o) => witnessesOf(o, value)))],
    });
  }
}

/** The first ok poll that returned v, and the offset it returned it at. */
function witnessOf(p: Part, v: string): { q: PollInfo; o: number } {
  for (const q of p.polls) {
    if (q.op.outcome !== 'ok') continue;
    for (const [o, x] of q.records) if (String(x) === v) return { q, o };
  }
  throw new Error(`no ok poll returned ${v}`);
}

/** phantom-read: an ok poll returned a value that no send wrote. */
function phantomReadCases(p: Part, out: Findings): void {
  for (const v of p.okRead) {
    if (p.writers.has(v)) continue;
    const { q, o } = witnessOf(p, v);
    out.report({
      kind: 'phantom-read',
      explanation:
        `A poll of ${p.key} by process ${String(q.op.process)} returned ${shown(v)} at offset ${o}, a ` +
        `value no send in the history wrote.`,
      topic: p.topic,
      partition: p.partition,
      offsets: [o],
      values: [v],
      ops: [q.op.invoke.index],
      timesUs: [q.op.complete!.time],
    });
  }
}

/** G1a (aborted read): an ok poll returned the value of a send that definitely failed. */
function g1aCases(p: Part, out: Findings): void {
  for (const v of p.okRead) {
    const w = p.writers.get(v);
    if (w === undefined || !w.every((x) => x.op.outcome === 'fail')) continue;
    const { q, o } = witnessOf(p, v);
    const error = w[0].op.complete?.error;
    const failed =
      w[0].op.f === 'txn' ? 'the transaction that sent it was aborted' : 'the send of that value definitely failed';
    out.report({
      kind: 'G1a',
      explanation:
        `A poll of ${p.key} by process ${String(q.op.process)} returned ${shown(v)} at offset ${o}, ` +
        `but ${failed}${error ? ` (${error})` : ''}.`,
      topic: p.topic,
      partition: p.partition,
      offsets: [o],
      values: [v],
      ops: [w[0].op.invoke.index, q.op.invoke.index],
      timesUs: [w[0].op.complete!.time, q.op.complete!.time],
    });
  }
}

/** The poll read from at or below `offset` to past it (a reader that jumped over it by an offset reset did not). */
function readAcross(q: PollInfo, offset: number): boolean {
  const n = q.records.length;
  if (n === 0) return false;
  const from = q.from ?? q.records[0][0];
  return from <= offset && q.records[n - 1][0] > offset;
}

/**
 * Per partition, the offset ranges auto.offset.reset=latest moved a reader over because its position had been
 * deleted (judgeReset's informational poll-skips): the policy's skip, which reads nothing in between.
 */
class PolicySkips {
  private readonly byKey = new Map<string, Array<{ from: number; to: number }>>();

  add(key: string, from: number, to: number): void {
    let l = this.byKey.get(key);
    if (l === undefined) this.byKey.set(key, (l = []));
    l.push({ from, to });
  }

  /** Some policy skip of partition `key` went over `offset`. */
  covers(key: string, offset: number): boolean {
    return this.byKey.get(key)?.some((r) => r.from <= offset && offset < r.to) === true;
  }
}

/** lost-write reports of one partition, each value once; sends retention deleted are set aside. */
class LostWrites {
  /** Values judged: lost, reported unseen beyond the final read, or deleted by retention. */
  readonly values = new Set<string>();
  count = 0;
  /** Sends retention deleted before a read went past them: offset, value, the log start then. */
  private readonly deleted: Array<{ offset: number; value: string; logStart: number; op: number }> = [];
  constructor(
    private readonly p: Part,
    private readonly out: Findings,
    private readonly retention: RetentionBounds,
  ) {}

  /**
   * True (and set aside) when the send's offset lay below the log start retention had reached
   * on the partition by the time a read went across it: the first ok poll of `polls` that read
   * from at or below the offset to past it (a consumer that jumped over it by an offset reset
   * did not read across it); with no such poll, any time (retention deleted it before a reader
   * came, or never: then it is not excused). A poll that completed before the send was invoked
   * could not return it and is not such a read (it read another record at that offset, which
   * inconsistent-offsets reports on its own: e.g. an offset a loss beyond the promise reopened).
   */
  deletedByRetention(s: SendInfo, offset: number | undefined, polls: readonly PollInfo[]): boolean {
    if (offset === undefined || !this.retention.any(this.p.key)) return false;
    let readUs = Number.POSITIVE_INFINITY;
    const sentUs = s.op.invoke.time;
    for (const q of polls) {
      if (q.op.outcome !== 'ok' || q.op.complete === undefined || q.op.complete.time >= readUs) continue;
      if (q.op.complete.time < sentUs) continue;
      if (readAcross(q, offset)) readUs = q.op.complete.time;
    }
    const logStart = this.retention.boundAt(this.p.key, readUs);
    if (offset >= logStart) return false;
    if (!this.values.has(s.value)) this.deleted.push({ offset, value: s.value, logStart, op: s.op.invoke.index });
    this.values.add(s.value);
    return true;
  }

  /** One informational finding for the sends retention deleted, with their offsets. */
  reportDeleted(): void {
    const d = this.deleted;
    if (d.length === 0) return;
    d.sort((a, b) => a.offset - b.offset);
    const top = Math.max(...d.map((x) => x.logStart));
    this.out.report({
      kind: 'deleted-by-retention',
      explanation:
        `${d.length} committed send(s) to ${this.p.key} at offsets ${d[0].offset}–${d[d.length - 1].offset} were ` +
        `never read: retention had deleted them (a replica's log start offset had reached ${top} before any read ` +
        `went across them), which Kafka's durability promise allows.`,
      topic: this.p.topic,
      partition: this.p.partition,
      offsets: [d[0].offset, d[d.length - 1].offset],
      values: d.slice(0, 10).map((x) => x.value),
      ops: d.slice(0, 10).map((x) => x.op),
      informational: true,
    });
  }

  report(s: SendInfo, why: string, witness: number | undefined, offsets: number[]): void {
    if (this.values.has(s.value)) return;
    this.values.add(s.value);
    this.count++;
    const acked =
      s.op.outcome === 'ok'
        ? `acknowledged${s.offset !== undefined ? ` at offset ${s.offset}` : ''}`
        : 'of unknown outcome, but its operation committed (a poll returned one of its records)';
    const ops = [s.op.invoke.index];
    if (witness !== undefined) ops.push(witness);
    this.out.report({
      kind: 'lost-write',
      explanation:
        `Send of ${shown(s.value)} to ${this.p.key} by process ${String(s.op.process)} was ${acked}, ` + `yet ${why}.`,
      topic: this.p.topic,
      partition: this.p.partition,
      offsets,
      values: [s.value],
      ops,
      timesUs: s.op.complete !== undefined ? [s.op.complete.time] : [s.op.invoke.time],
    });
  }
}

/** The first ok poll of the part that returned `value`. */
function firstOkReaderOf(p: Part, value: string): PollInfo | undefined {
  return p.polls.find((q) => q.op.outcome === 'ok' && q.records.some((r) => String(r[1]) === value));
}

/**
 * lost-write (a), Jepsen's lost-write-cases: all up to the highest position ok polls reached must have been read.
 * Jepsen's consumers read on from where they were (auto.offset.reset=earliest), so a position reached proves
 * the reader went across everything below it. A reader that auto.offset.reset=latest moved forward because its
 * position had been deleted (an informational poll-skip) went across nothing in between: a record there that no
 * ok poll read across is not proven lost by this rule; the final read (b) judges it, else it is unseen.
 */
function jepsenLostWriteCases(p: Part, vo: VersionOrder, lost: LostWrites, skips: PolicySkips): void {
  let bound = -1;
  for (const v of p.okRead) {
    const i = vo.firstIndex.get(v);
    if (i !== undefined && i > bound) bound = i;
  }
  if (bound < 0) return;
  const top = vo.byIndex[bound];
  for (const s of p.sends) {
    if (!s.committed || p.okRead.has(s.value)) continue;
    const li = vo.lastIndex.get(s.value);
    if (li === undefined || li > bound) continue;
    const at = s.offset ?? vo.offsets[li];
    if (skips.covers(p.key, at) && !p.polls.some((q) => q.op.outcome === 'ok' && readAcross(q, at))) continue;
    if (lost.deletedByRetention(s, at, p.polls)) continue;
    const why = `no poll ever returned it although polls read past it up to offset ${vo.offsets[bound]}`;
    // The witness, the first ok poll that returned the top value, is looked for only for a report.
    lost.report(s, why, firstOkReaderOf(p, top)?.op.invoke.index, [vo.offsets[li]]);
  }
}

/**
 * lost-write (b), the final read (DESIGN §5): a final read whose process's last operation on
 * the partition is an ok poll (one still in flight or failing at the end is not judged) must
 * contain every committed send at an offset below where it ended. Beyond that end a send is
 * lost when the caller vouches the read was complete, or when the read returned a value whose
 * send was invoked after this one was acknowledged (a log appends the later send after the
 * earlier one, so a surviving earlier record lies below it); otherwise it is reported unseen.
 */
function finalReadLostWriteCases(
  p: Part,
  vo: VersionOrder,
  finals: readonly FinalRead[],
  complete: boolean,
  lost: LostWrites,
  out: Findings,
): void {
  const judged = finals.filter((f) => {
    const last = f.ops[f.ops.length - 1];
    return last !== undefined && last.outcome === 'ok' && (last.f === 'poll' || pollsAssigned(last));
  });
  if (judged.length === 0) return;
  const finalOp = judged[0].assign.invoke.index;
  const values = new Set<string>();
  let end = 0;
  const reads = new Set(judged.flatMap((f) => f.ops));
  const finalPolls = p.polls.filter((q) => reads.has(q.op));
  for (const q of finalPolls) {
    if (q.op.outcome !== 'ok') continue;
    for (const [o, v] of q.records) {
      values.add(String(v));
      end = Math.max(end, o + 1);
    }
  }
  // the latest invoke among the sends of values the final read returned (each value's first send)
  let latestInvoke = -1;
  for (const v of values) {
    const w = p.writers.get(v);
    if (w === undefined) continue;
    let firstInvoke = w[0].op.invokePos;
    for (let k = 1; k < w.length; k++) firstInvoke = Math.min(firstInvoke, w[k].op.invokePos);
    latestInvoke = Math.max(latestInvoke, firstInvoke);
  }
  const readTo = end > 0 ? `it read up to offset ${end - 1}` : 'it found the partition empty';
  const what =
    `the final read of ${p.key} from offset 0, made after every send had completed (${readTo}), does ` +
    `not contain it`;
  const beyond: SendInfo[] = [];
  for (const s of p.sends) {
    if (!s.committed || values.has(s.value)) continue;
    const first = vo.firstIndex.get(s.value);
    const at = s.offset ?? (first !== undefined ? vo.offsets[first] : undefined);
    if (lost.deletedByRetention(s, at, finalPolls)) continue;
    const overtaken = s.op.outcome === 'ok' && s.op.completePos < latestInvoke;
    if ((at !== undefined && at < end) || complete) lost.report(s, what, finalOp, at === undefined ? [] : [at]);
    else if (overtaken) {
      const why = `${what}, though it returned a record sent after this one was acknowledged`;
      lost.report(s, why, finalOp, at === undefined ? [] : [at]);
    } else beyond.push(s);
  }
  if (beyond.length === 0) return;
  out.report({
    kind: 'unseen',
    explanation:
      `${beyond.length} committed send(s) to ${p.key} lie beyond where its final read ended (${readTo}): ` +
      `lost, or not yet readable (a new leader's high watermark lags, KIP-101, or stays put while the ISR is below ` +
      `min.insync.replicas, KIP-966); ` +
      `a caller that knows the final read was complete passes finalReadComplete to judge them lost.`,
    topic: p.topic,
    partition: p.partition,
    values: beyond.slice(0, 10).map((x) => x.value),
    ops: beyond.slice(0, 10).map((x) => x.op.invoke.index),
    informational: true,
  });
  for (const x of beyond) lost.values.add(x.value); // reported here, not again as unseen
}

/** unseen: acknowledged sends no poll returned and no rule judged lost; returns their number. */
function unseenCases(p: Part, lostValues: ReadonlySet<string>, out: Findings): number {
  const unseen = p.sends.filter((s) => s.op.outcome === 'ok' && !p.okRead.has(s.value) && !lostValues.has(s.value));
  if (unseen.length === 0) return 0;
  out.report({
    kind: 'unseen',
    explanation:
      `${unseen.length} acknowledged send(s) to ${p.key} were never returned by a poll (not an error by ` +
      `itself: nothing read that far).`,
    topic: p.topic,
    partition: p.partition,
    values: unseen.slice(0, 10).map((s) => s.value),
    ops: unseen.slice(0, 10).map((s) => s.op.invoke.index),
    informational: true,
  });
  return unseen.length;
}

/** Where a process's poll read from and what it returned last, per partition. */
interface PollPosition {
  op: Operation;
  value: string;
  /** The offset the process's next poll continues from. */
  next: number;
}

/**
 * poll-skip and nonmonotonic-poll, Jepsen's poll-skip+nonmonotonic-cases: each of a process's
 * ok polls against where its previous poll of the partition ended (by value, in the version
 * order), and each record of a poll against the one before it (by offset: within one poll,
 * order is the offsets it returned). A poll that states an offset other than where the last
 * one ended is a seek: it is judged against that offset instead. A gregor assign, or a
 * Jepsen assign with :seek-to-beginning?, resets a partition; a Jepsen assign keeps only the
 * partitions it lists; under a subscription successive polls are not compared (the group may
 * rebalance at any time; Jepsen allows poll-skip and nonmonotonic-poll there too).
 */
function pollOrderCases(
  procOps: readonly Operation[],
  actions: readonly KafkaAction[][],
  parts: Parts,
  sinks: { out: Findings; retention: RetentionBounds; skips: PolicySkips },
): void {
  const { out } = sinks;
  // By part: a partition no send or poll names has none, and no poll position to judge.
  const last = new Map<Part, PollPosition>();
  /** Partition → the offset an auto.offset.reset moved the position to, until the next poll. */
  const resets = new Map<Part, number>();
  let subscribed = false;
  for (const op of procOps) {
    for (const a of actions[op.id]) {
      if (a.f === 'assignment') {
        if (op.outcome === 'ok' || op.outcome === 'info') {
          subscribed = a.subscribe;
          const keep = new Set(a.partitions.map((x) => parts.get(x.topic, x.partition)));
          for (const p of last.keys()) if (!keep.has(p)) last.delete(p);
        }
      } else if (a.f === 'assign') {
        if (op.outcome !== 'ok' && op.outcome !== 'info') continue;
        const p = parts.get(a.topic, a.partition);
        if (p === undefined) continue;
        resets.delete(p);
        if (a.reset !== undefined && a.offset !== undefined) {
          judgeReset(op, a.offset, last.get(p), a, p, sinks);
          resets.set(p, a.offset);
        }
        last.delete(p);
      } else if (a.f === 'poll' && op.outcome === 'ok') {
        judgePoll(op, a, parts.get(a.topic, a.partition)!, last, resets, subscribed, out);
      }
    }
  }
}

/** One ok poll of pollOrderCases. */
function judgePoll(
  op: Operation,
  a: Extract<KafkaAction, { f: 'poll' }>,
  p: Part,
  last: Map<Part, PollPosition>,
  resets: Map<Part, number>,
  subscribed: boolean,
  out: Findings,
): void {
  const vo = p.vo!;
  const prev = last.get(p);
  // The first poll after an auto.offset.reset is judged against the reset position.
  const resetTo = prev === undefined ? resets.get(p) : undefined;
  const seekFrom = resetTo ?? (a.from !== undefined && prev !== undefined && a.from !== prev.next ? a.from : undefined);
  if (seekFrom !== undefined) last.delete(p);
  const records = a.records;
  if (records.length === 0) return;
  resets.delete(p);
  const first = String(records[0][1]);
  const firstIndex = vo.indexOfOffset.get(records[0][0])!;
  if (seekFrom !== undefined) judgeSeek(seekFrom, records[0][0], { op, value: first, index: firstIndex }, a, vo, out);
  else if (prev !== undefined && !subscribed) {
    const i = vo.firstIndex.get(prev.value);
    const j = vo.firstIndex.get(first);
    // reportStep passes over a step to the next position: the Steps are built only for the others.
    if (i !== undefined && j !== undefined && j - i !== 1) {
      reportStep(a, vo, { ...prev, index: i }, { op, value: first, index: j }, false, out);
    }
  }
  // Nearly every step goes to the next position, which reportStep passes over: the Steps are
  // built only for the others (this loop sees every record every poll returned).
  let beforeIndex = firstIndex;
  for (let r = 1; r < records.length; r++) {
    const index = vo.indexOfOffset.get(records[r][0])!;
    if (index - beforeIndex !== 1) {
      const before = { op, value: String(records[r - 1][1]), index: beforeIndex };
      reportStep(a, vo, before, { op, value: String(records[r][1]), index }, true, out);
    }
    beforeIndex = index;
  }
  const lastRecord = records[records.length - 1];
  last.set(p, { op, value: String(lastRecord[1]), next: lastRecord[0] + 1 });
}

interface Step {
  op: Operation;
  value: string;
  /** Dense index in the version order. */
  index: number;
}

/** A poll-skip or nonmonotonic-poll between two reads whose positions differ by other than one. */
function reportStep(
  where: { topic: string; partition: number },
  vo: VersionOrder,
  from: Step,
  to: Step,
  within: boolean,
  out: Findings,
): void {
  const delta = to.index - from.index;
  if (delta === 1) return;
  const key = partKey(where.topic, where.partition);
  const who = within
    ? `One poll of ${key} by process ${String(to.op.process)}`
    : `Successive polls of ${key} by process ${String(to.op.process)}`;
  const common = {
    topic: where.topic,
    partition: where.partition,
    ops: within ? [to.op.invoke.index] : [from.op.invoke.index, to.op.invoke.index],
    timesUs: [from.op.complete!.time, to.op.complete!.time],
  };
  if (delta > 1) {
    const skipped = vo.byIndex.slice(from.index + 1, to.index);
    const some = `${skipped.slice(0, 3).map(shown).join(', ')}${skipped.length > 3 ? ', …' : ''}`;
    out.report({
      kind: 'poll-skip',
      explanation:
        `${who} went from ${shown(from.value)} to ${shown(to.value)}, skipping ${skipped.length} ` +
        `value(s) of the log (${some}).`,
      values: [from.value, to.value, ...skipped.slice(0, 8)],
      ...common,
    });
  } else {
    const back = delta === 0 ? 'the same position' : `${-delta} position(s) earlier`;
    out.report({
      kind: 'nonmonotonic-poll',
      explanation:
        `${who} went from ${shown(from.value)} back to ${shown(to.value)} (${back}) without reassigning ` +
        `the partition.`,
      values: [from.value, to.value],
      ...common,
    });
  }
}

/**
 * A reset by auto.offset.reset (an assign with `reset`): moving the position back (a rewind)
 * is Kafka's documented behaviour and never a nonmonotonic-poll; moving it forward past values
 * of the log the process had not read yet is reported as the poll-skip Jepsen would report
 * (Jepsen records no reset: it would see the next poll skip those values).
 */
function judgeReset(
  op: Operation,
  to: number,
  prev: PollPosition | undefined,
  where: { topic: string; partition: number; reset?: ConsumerReset },
  p: Part,
  sinks: { out: Findings; retention: RetentionBounds; skips: PolicySkips },
): void {
  if (prev === undefined || to <= prev.next) return;
  const { out, retention } = sinks;
  const { key } = p;
  const vo = p.vo!;
  // Values below the log start retention had reached by the reset were deleted, not skipped.
  const logStart = retention.boundAt(key, op.complete?.time ?? op.invoke.time);
  const from = Math.max(prev.next, logStart);
  const skipped: string[] = [];
  for (let i = 0; i < vo.offsets.length; i++) {
    const o = vo.offsets[i];
    if (o >= from && o < to) skipped.push(vo.byIndex[i]);
  }
  if (skipped.length === 0) return;
  // The position itself was deleted (the cause of the out-of-range), and `latest` is the
  // policy the application chose for that: what it skips above the log start is its choice.
  const policySkip = prev.next < logStart && where.reset === 'latest';
  if (policySkip) sinks.skips.add(key, from, to);
  out.report({
    kind: 'poll-skip',
    ...(policySkip ? { informational: true } : {}),
    explanation:
      `Process ${String(op.process)} reset its position in ${key} (${resetCause(where.reset)}) from offset ` +
      `${prev.next}, after ${shown(prev.value)}, to offset ${to}, skipping ${skipped.length} value(s) of the log ` +
      `(${skipped.slice(0, 3).map(shown).join(', ')}${skipped.length > 3 ? ', …' : ''})` +
      (logStart > prev.next ? ` above offset ${logStart}, below which retention had deleted the log` : '') +
      (policySkip ? ': its position had been deleted, and auto.offset.reset=latest skips by design.' : '.'),
    topic: where.topic,
    partition: where.partition,
    offsets: [prev.next, to],
    values: [prev.value, ...skipped.slice(0, 8)],
    ops: [prev.op.invoke.index, op.invoke.index],
    timesUs: [prev.op.complete!.time, op.complete!.time],
  });
}

function resetCause(reset: ConsumerReset | undefined): string {
  return reset === 'truncation' ? 'KIP-320 truncation detection' : `auto.offset.reset=${String(reset)}`;
}

/** A seek: the poll's first record must be the first value of the log at or after its stated offset. */
function judgeSeek(
  from: number,
  firstOffset: number,
  first: Step,
  where: { topic: string; partition: number },
  vo: VersionOrder,
  out: Findings,
): void {
  const key = partKey(where.topic, where.partition);
  const who = `A poll of ${key} by process ${String(first.op.process)} from offset ${from} (a seek)`;
  const common = {
    topic: where.topic,
    partition: where.partition,
    ops: [first.op.invoke.index],
    timesUs: [first.op.complete!.time],
  };
  if (firstOffset < from) {
    out.report({
      kind: 'nonmonotonic-poll',
      explanation: `${who} returned ${shown(first.value)} at offset ${firstOffset}, before the offset it read from.`,
      offsets: [from, firstOffset],
      values: [first.value],
      ...common,
    });
    return;
  }
  let k = 0;
  while (vo.offsets[k] < from) k++;
  if (first.index <= k) return;
  const skipped = vo.byIndex.slice(k, first.index);
  out.report({
    kind: 'poll-skip',
    explanation:
      `${who} began at offset ${firstOffset} with ${shown(first.value)}, skipping ${skipped.length} ` +
      `value(s) of the log at or after offset ${from} ` +
      `(${skipped.slice(0, 3).map(shown).join(', ')}${skipped.length > 3 ? ', …' : ''}).`,
    offsets: [from, firstOffset],
    values: [first.value, ...skipped.slice(0, 8)],
    ...common,
  });
}

/**
 * nonmonotonic-send: a process's successive ok/info sends to a partition whose positions go
 * backwards. Not reset by assign, unlike Jepsen's combined client: the producer's order does
 * not depend on the consumer's assignment.
 */
function nonmonotonicSendCases(
  procOps: readonly Operation[],
  actions: readonly KafkaAction[][],
  parts: Parts,
  out: Findings,
): void {
  const lastSend = new Map<Part, { op: Operation; value: string }>();
  for (const op of procOps) {
    if (op.outcome !== 'ok' && op.outcome !== 'info') continue;
    for (const a of actions[op.id]) {
      if (a.f !== 'send') continue;
      const p = parts.get(a.topic, a.partition)!;
      const prev = lastSend.get(p);
      lastSend.set(p, { op, value: a.value });
      if (prev === undefined) continue;
      const { key } = p;
      const { firstIndex } = p.vo!;
      const i = firstIndex.get(prev.value);
      const j = firstIndex.get(a.value);
      if (i === undefined || j === undefined || j > i) continue;
      out.report({
        kind: 'nonmonotonic-send',
        explanation:
          `Process ${String(op.process)} sent ${shown(prev.value)} and then ${shown(a.value)} to ${key}, ` +
          `but the later send sits ${j === i ? 'at the same position' : `${i - j} position(s) earlier`} in the log.`,
        topic: a.topic,
        partition: a.partition,
        values: [prev.value, a.value],
        ops: [prev.op.invoke.index, op.invoke.index],
        timesUs: [prev.op.complete?.time ?? prev.op.invoke.time, op.complete?.time ?? op.invoke.time],
      });
    }
  }
}

function kafkaStats(
  ops: readonly Operation[],
  actions: readonly KafkaAction[][],
  partitions: number,
  unseen: number,
  lost: number,
): Record<string, number> {
  // Counted in one pass over the operations (every run is judged: no arrays built to count).
  let sends = 0;
  let okSends = 0;
  let infoSends = 0;
  let failedSends = 0;
  let polls = 0;
  for (const op of ops) {
    if (op.f === 'poll') polls++;
    const acts = actions[op.id];
    for (let i = 0; i < acts.length; i++) {
      if (acts[i].f !== 'send') continue;
      sends++;
      if (op.outcome === 'ok') okSends++;
      else if (op.outcome === 'info') infoSends++;
      else if (op.outcome === 'fail') failedSends++;
    }
  }
  return { operations: ops.length, partitions, sends, okSends, infoSends, failedSends, polls, unseen, lost };
}
