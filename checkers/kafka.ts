// Durability and the Kafka anomalies, with Jepsen's names and meanings
// (jepsen-io/jepsen jepsen/src/jepsen/tests/kafka.clj; KAFKA-NOTES.md):
//
//   inconsistent-offsets  one offset of a partition holds more than one value.
//   duplicate             one value sits at more than one offset.
//   G1a                   an ok poll returned the value of a send that definitely failed.
//   phantom-read          an ok poll returned a value no send in the history wrote (not in
//                         Jepsen, whose checker cannot represent it; gregor reports it).
//   lost-write            a committed send (ok, or info whose value some poll saw) is missing:
//                         (a) Jepsen's rule: its value was never read although ok polls read
//                             past its position in the version order; or
//                         (b) the final read (DESIGN §5): a process assigned the partition at
//                             offset 0 after every send to it had completed and polled it to
//                             the end (its last operation an ok poll), and the send's value is
//                             not among what it returned although the read went past its
//                             offset. A committed record beyond where the final read ended
//                             is lost only if the caller vouches the read was complete
//                             (finalReadComplete): a consumer reads up to the leader's HW,
//                             which lags after an election (KIP-101) and stays put while the
//                             ISR is below min.insync.replicas (KIP-966), so a short final
//                             read alone proves nothing; it is reported as unseen. The
//                             simulator ends each run with such a read
//                             (model/probe-client.ts); other histories have none.
//   poll-skip             a process's successive polls of a partition (or consecutive
//                         records of one poll) jump over values of the version order;
//   nonmonotonic-poll     ...or go backwards / repeat. Both reset when the process assigns
//                         the partition (`assign`, e.g. after KIP-320 truncation detection).
//   nonmonotonic-send     a process's successive ok/info sends to a partition land at
//                         positions that go backwards (assign does not reset this: it is a
//                         consumer action and the producer's order is unaffected).
//   unseen                acknowledged, never polled, not lost: a figure, not an error.
//
// The version order of a partition is built, as in Jepsen, from every poll (ok, info, fail
// alike: polls only ever return stored data) and from the offsets of sends that must have
// committed; positions in it are dense indices over the offsets that hold a value. Values are
// compared as strings. Assumes Jepsen's discipline that a value is sent once.

import type { History, PollValue, SendValue, AssignValue } from './history.ts';
import type { Anomaly, Verdict } from './verdict.ts';
import { pairOperations, type Operation } from './ops.ts';

export interface KafkaCheckOptions {
  /** Most anomalies reported per kind (the stats still count all). Default 50. */
  maxPerKind?: number;
  sourceLines?: readonly number[];
  /**
   * The caller knows the history's final read saw each partition's whole committed log (the
   * cluster was live when it ran). Then a committed record beyond where it ended is lost.
   * Otherwise such a record may only be not yet readable (a new leader's HW lags, KIP-101;
   * with KIP-966 the HW stays put while the ISR is below min.insync.replicas) and is
   * reported as unseen. Default false.
   */
  finalReadComplete?: boolean;
}

interface SendInfo {
  op: Operation;
  value: string;
  /** Acknowledged offset (ok sends that report one). */
  offset: number | undefined;
}

interface PollInfo {
  op: Operation;
  from: number;
  /** As recorded: values may be numbers; compare String(value). */
  records: ReadonlyArray<readonly [number, string | number]>;
}

interface Part {
  topic: string;
  partition: number;
  sends: SendInfo[];
  polls: PollInfo[];
  writers: Map<string, SendInfo[]>;
  /** Values returned by ok polls. */
  okRead: Set<string>;
  /** Values returned by any poll. */
  anyRead: Set<string>;
  /** offset → values there, first seen first, with a few witnesses each. */
  log: Map<number, Array<{ value: string; ops: number[] }>>;
}

const WITNESSES = 4;

interface VersionOrder {
  /** Value → its first dense index. */
  firstIndex: Map<string, number>;
  /** Dense index → the (first) value there. */
  byIndex: string[];
  /** No offset with two values and no value at two offsets. */
  clean: boolean;
}

function partKey(topic: string, partition: number): string {
  return `${topic}/${partition}`;
}

function shown(v: string): string {
  return JSON.stringify(v);
}

export function checkKafka(history: History, opts: KafkaCheckOptions = {}): Verdict {
  const maxPerKind = opts.maxPerKind ?? 50;
  const ops = pairOperations(history, opts.sourceLines);
  const parts = new Map<string, Part>();
  const byTopic = new Map<string, Map<number, Part>>();
  const partOf = (topic: string, partition: number): Part => {
    let inTopic = byTopic.get(topic);
    if (inTopic === undefined) byTopic.set(topic, (inTopic = new Map()));
    let p = inTopic.get(partition);
    if (p === undefined) {
      const k = partKey(topic, partition);
      p = {
        topic,
        partition,
        sends: [],
        polls: [],
        writers: new Map(),
        okRead: new Set(),
        anyRead: new Set(),
        log: new Map(),
      };
      parts.set(k, p);
      inTopic.set(partition, p);
    }
    return p;
  };

  // --- gather --------------------------------------------------------------------------------
  for (const op of ops) {
    if (op.f === 'send') {
      const inv = op.invoke.value as SendValue;
      const p = partOf(inv.topic, inv.partition);
      const done = op.outcome === 'ok' ? (op.complete!.value as SendValue | undefined) : undefined;
      const s: SendInfo = {
        op,
        value: String(inv.value),
        offset: done !== undefined && typeof done.offset === 'number' ? done.offset : undefined,
      };
      p.sends.push(s);
      const w = p.writers.get(s.value);
      if (w === undefined) p.writers.set(s.value, [s]);
      else w.push(s);
    } else if (op.f === 'poll') {
      const inv = op.invoke.value as PollValue;
      const p = partOf(inv.topic, inv.partition);
      const done = op.complete?.value as PollValue | undefined;
      const records = done?.records ?? [];
      p.polls.push({ op, from: done?.offset ?? inv.offset, records });
      const ok = op.outcome === 'ok';
      for (let r = 0; r < records.length; r++) {
        const v = String(records[r][1]);
        p.anyRead.add(v);
        if (ok) p.okRead.add(v);
      }
    }
  }

  const committed = (p: Part, s: SendInfo): boolean =>
    s.op.outcome === 'ok' || (s.op.outcome === 'info' && p.anyRead.has(s.value));

  const anomalies: Anomaly[] = [];
  const counts: Record<string, number> = {};
  const report = (a: Anomaly): void => {
    counts[a.kind] = (counts[a.kind] ?? 0) + 1;
    if (counts[a.kind] <= maxPerKind) anomalies.push(a);
  };
  let unseenTotal = 0;
  let lostTotal = 0;

  // each partition's version order, kept for the per-process checks
  const indexIn = new Map<string, VersionOrder>();

  // final reads (see (b) below): per partition, each process whose operations on it start
  // with an assign at offset 0; its later operations on the partition in order
  const finalReads = new Map<string, Array<{ assign: Operation; ops: Operation[] }>>();
  {
    const firstOnPart = new Map<string, { assign: Operation; ops: Operation[] } | null>();
    for (const op of ops) {
      if (op.f !== 'assign' && op.f !== 'poll') continue;
      const v = op.invoke.value as AssignValue;
      const key = partKey(v.topic, v.partition);
      const pk = `${String(op.process)}\u0000${key}`;
      const cur = firstOnPart.get(pk);
      if (cur === undefined) {
        if (op.f === 'assign' && op.outcome === 'ok' && v.offset === 0) {
          const entry = { assign: op, ops: [] as Operation[] };
          firstOnPart.set(pk, entry);
          let l = finalReads.get(key);
          if (l === undefined) finalReads.set(key, (l = []));
          l.push(entry);
        } else {
          firstOnPart.set(pk, null);
        }
      } else if (cur !== null) {
        cur.ops.push(op);
      }
    }
  }

  const keys = [...parts.keys()].sort();
  for (const key of keys) {
    const p = parts.get(key)!;
    const where = { topic: p.topic, partition: p.partition };
    const note = (offset: number, value: string, opIndex: number): void => {
      const at = p.log.get(offset);
      if (at === undefined) {
        p.log.set(offset, [{ value, ops: [opIndex] }]);
        return;
      }
      const first = at[0];
      if (first.value === value && at.length === 1) {
        if (first.ops.length < WITNESSES && !first.ops.includes(opIndex)) first.ops.push(opIndex);
        return;
      }
      const e = at.find((x) => x.value === value);
      if (e === undefined) at.push({ value, ops: [opIndex] });
      else if (e.ops.length < WITNESSES && !e.ops.includes(opIndex)) e.ops.push(opIndex);
    };
    for (const s of p.sends) if (s.offset !== undefined && committed(p, s)) note(s.offset, s.value, s.op.invoke.index);
    for (const q of p.polls) {
      const recs = q.records;
      for (let r = 0; r < recs.length; r++) note(recs[r][0], String(recs[r][1]), q.op.invoke.index);
    }

    // --- version order ---------------------------------------------------------------------
    const offsets = [...p.log.keys()].sort((a, b) => a - b);
    const byIndex: string[] = [];
    const offsetOfIndex: number[] = [];
    const firstIndex = new Map<string, number>();
    const lastIndex = new Map<string, number>();
    const offsetsOfValue = new Map<string, number[]>();
    offsets.forEach((o, i) => {
      const at = p.log.get(o)!;
      byIndex.push(at[0].value);
      offsetOfIndex.push(o);
      for (const { value } of at) {
        if (!firstIndex.has(value)) firstIndex.set(value, i);
        lastIndex.set(value, i);
        const os = offsetsOfValue.get(value);
        if (os === undefined) offsetsOfValue.set(value, [o]);
        else os.push(o);
      }
    });

    indexIn.set(key, { firstIndex, byIndex, clean: true });

    // --- inconsistent offsets and duplicates --------------------------------------------------
    for (const o of offsets) {
      const at = p.log.get(o)!;
      if (at.length < 2) continue;
      indexIn.get(key)!.clean = false;
      report({
        kind: 'inconsistent-offsets',
        explanation: `Offset ${o} of ${key} holds ${at.length} different values (${at.map((x) => shown(x.value)).join(', ')}) according to different sends and polls.`,
        ...where,
        offsets: [o],
        values: at.map((x) => x.value),
        ops: [...new Set(at.flatMap((x) => x.ops))],
      });
    }
    for (const [value, os] of offsetsOfValue) {
      if (os.length < 2) continue;
      indexIn.get(key)!.clean = false;
      report({
        kind: 'duplicate',
        explanation: `Value ${shown(value)} appears at ${os.length} offsets of ${key} (${os.join(', ')}), though it was sent once.`,
        ...where,
        offsets: os,
        values: [value],
        ops: [...new Set(os.flatMap((o) => p.log.get(o)!.find((x) => x.value === value)!.ops))],
      });
    }

    // --- G1a and phantom reads ------------------------------------------------------------------
    // judged once per distinct value read; the witness (a poll and offset) found only if needed
    const witnessOf = (v: string): { q: PollInfo; o: number } => {
      for (const q of p.polls) {
        if (q.op.outcome !== 'ok') continue;
        for (let r = 0; r < q.records.length; r++) if (String(q.records[r][1]) === v) return { q, o: q.records[r][0] };
      }
      throw new Error(`no ok poll returned ${v}`);
    };
    for (const v of p.okRead) {
      const w = p.writers.get(v);
      if (w === undefined) {
        const { q, o } = witnessOf(v);
        report({
          kind: 'phantom-read',
          explanation: `A poll of ${key} by process ${String(q.op.process)} returned ${shown(v)} at offset ${o}, a value no send in the history wrote.`,
          ...where,
          offsets: [o],
          values: [v],
          ops: [q.op.invoke.index],
          timesUs: [q.op.complete!.time],
        });
      } else if (w.every((x) => x.op.outcome === 'fail')) {
        const { q, o } = witnessOf(v);
        report({
          kind: 'G1a',
          explanation: `A poll of ${key} by process ${String(q.op.process)} returned ${shown(v)} at offset ${o}, but the send of that value definitely failed${w[0].op.complete?.error ? ` (${w[0].op.complete.error})` : ''}.`,
          ...where,
          offsets: [o],
          values: [v],
          ops: [w[0].op.invoke.index, q.op.invoke.index],
          timesUs: [w[0].op.complete!.time, q.op.complete!.time],
        });
      }
    }

    // --- lost writes ------------------------------------------------------------------------
    const lost = new Set<string>();
    const reportLost = (s: SendInfo, why: string, witness: number | undefined, offsets: number[]): void => {
      if (lost.has(s.value)) return;
      lost.add(s.value);
      lostTotal++;
      const acked = s.op.outcome === 'ok' ? `acknowledged${s.offset !== undefined ? ` at offset ${s.offset}` : ''}` : 'of unknown outcome but seen by a poll';
      const ops = [s.op.invoke.index];
      if (witness !== undefined) ops.push(witness);
      report({
        kind: 'lost-write',
        explanation: `Send of ${shown(s.value)} to ${key} by process ${String(s.op.process)} was ${acked}, yet ${why}.`,
        ...where,
        offsets,
        values: [s.value],
        ops,
        timesUs: s.op.complete !== undefined ? [s.op.complete.time] : [s.op.invoke.time],
      });
    };
    // (a) Jepsen: everything up to the highest position ok polls reached must have been read
    let bound = -1;
    for (const v of p.okRead) {
      const i = firstIndex.get(v);
      if (i !== undefined && i > bound) bound = i;
    }
    if (bound >= 0) {
      const maxReader = p.polls.find((q) => q.op.outcome === 'ok' && q.records.some((r) => String(r[1]) === byIndex[bound]));
      for (const s of p.sends) {
        if (!committed(p, s) || p.okRead.has(s.value)) continue;
        const li = lastIndex.get(s.value);
        if (li === undefined || li > bound) continue;
        reportLost(
          s,
          `no poll ever returned it although polls read past it up to offset ${offsetOfIndex[bound]}`,
          maxReader?.op.invoke.index,
          [offsetOfIndex[li]],
        );
      }
    }
    // (b) the final read: a process that assigned this partition at offset 0 after every
    //     send to it had completed, then polled it, its last operation an ok poll (a read
    //     still in flight or failing at the end of the history is incomplete and not judged)
    let sendsEnd = -1;
    for (const s of p.sends) sendsEnd = Math.max(sendsEnd, s.op.completePos >= 0 ? s.op.completePos : s.op.invokePos);
    const finals = finalReads.get(key) ?? [];
    const finalValues = new Set<string>();
    let finalEnd = 0;
    let finalOp: number | undefined;
    for (const f of finals) {
      if (f.assign.invokePos <= sendsEnd || p.sends.length === 0) continue;
      // never polled after its assign (the history ends first): not a final read
      if (f.ops.length === 0) continue;
      const last = f.ops[f.ops.length - 1];
      if (last.f !== 'poll' || last.outcome !== 'ok') continue;
      finalOp ??= f.assign.invoke.index;
      for (const op of f.ops) {
        if (op.f !== 'poll' || op.outcome !== 'ok') continue;
        for (const [o, v] of (op.complete!.value as PollValue).records ?? []) {
          finalValues.add(String(v));
          finalEnd = Math.max(finalEnd, o + 1);
        }
      }
    }
    if (finalOp !== undefined) {
      const beyond: SendInfo[] = [];
      const readTo = finalEnd > 0 ? `it read up to offset ${finalEnd - 1}` : 'it found the partition empty';
      for (const s of p.sends) {
        if (!committed(p, s) || finalValues.has(s.value)) continue;
        const at = s.offset ?? (firstIndex.has(s.value) ? offsetOfIndex[firstIndex.get(s.value)!] : undefined);
        if ((at !== undefined && at < finalEnd) || opts.finalReadComplete === true) {
          reportLost(
            s,
            `the final read of ${key} from offset 0, made after every send had completed (${readTo}), does not contain it`,
            finalOp,
            at === undefined ? [] : [at],
          );
        } else {
          beyond.push(s);
        }
      }
      if (beyond.length > 0) {
        report({
          kind: 'unseen',
          explanation:
            `${beyond.length} committed send(s) to ${key} lie beyond where its final read ended (${readTo}): ` +
            `lost, or not yet readable (a new leader's high watermark lags, KIP-101, or stays put while the ISR is below min.insync.replicas, KIP-966); ` +
            `a caller that knows the final read was complete passes finalReadComplete to judge them lost.`,
          ...where,
          values: beyond.slice(0, 10).map((x) => x.value),
          ops: beyond.slice(0, 10).map((x) => x.op.invoke.index),
          informational: true,
        });
        for (const x of beyond) lost.add(x.value); // reported here, not again as unseen below
      }
    }

    // --- unseen -------------------------------------------------------------------------------
    const unseen = p.sends.filter((s) => s.op.outcome === 'ok' && !p.okRead.has(s.value) && !lost.has(s.value));
    if (unseen.length > 0) {
      unseenTotal += unseen.length;
      report({
        kind: 'unseen',
        explanation: `${unseen.length} acknowledged send(s) to ${key} were never returned by a poll (not an error by itself: nothing read that far).`,
        ...where,
        values: unseen.slice(0, 10).map((s) => s.value),
        ops: unseen.slice(0, 10).map((s) => s.op.invoke.index),
        informational: true,
      });
    }
  }

  // --- per-process order: polls and sends ---------------------------------------------------------
  const orderOf = (key: string): VersionOrder => indexIn.get(key)!;
  const byProcess = new Map<number | string, Operation[]>();
  for (const op of ops) {
    let l = byProcess.get(op.process);
    if (l === undefined) byProcess.set(op.process, (l = []));
    l.push(op);
  }
  const pollGap = (key: string, prev: Operation, prevValue: string, cur: Operation, curValue: string, within: boolean): void => {
    const { firstIndex, byIndex } = orderOf(key);
    const i = firstIndex.get(prevValue);
    const j = firstIndex.get(curValue);
    if (i === undefined || j === undefined) return;
    const delta = j - i;
    if (delta === 1) return;
    const p = parts.get(key)!;
    const who = within
      ? `one poll of ${key} by process ${String(cur.process)}`
      : `successive polls of ${key} by process ${String(cur.process)}`;
    if (delta > 1) {
      const skipped = byIndex.slice(i + 1, j);
      report({
        kind: 'poll-skip',
        explanation: `${who[0].toUpperCase()}${who.slice(1)} went from ${shown(prevValue)} to ${shown(curValue)}, skipping ${skipped.length} value(s) of the log (${skipped.slice(0, 3).map(shown).join(', ')}${skipped.length > 3 ? ', …' : ''}).`,
        topic: p.topic,
        partition: p.partition,
        values: [prevValue, curValue, ...skipped.slice(0, 8)],
        ops: within ? [cur.invoke.index] : [prev.invoke.index, cur.invoke.index],
        timesUs: [prev.complete!.time, cur.complete!.time],
      });
    } else {
      report({
        kind: 'nonmonotonic-poll',
        explanation: `${who[0].toUpperCase()}${who.slice(1)} went from ${shown(prevValue)} back to ${shown(curValue)} (${delta === 0 ? 'the same position' : `${-delta} position(s) earlier`}) without reassigning the partition.`,
        topic: p.topic,
        partition: p.partition,
        values: [prevValue, curValue],
        ops: within ? [cur.invoke.index] : [prev.invoke.index, cur.invoke.index],
        timesUs: [prev.complete!.time, cur.complete!.time],
      });
    }
  };
  for (const procOps of byProcess.values()) {
    const lastPoll = new Map<string, { op: Operation; value: string }>();
    const lastSend = new Map<string, { op: Operation; value: string }>();
    for (const op of procOps) {
      if (op.f === 'assign') {
        if (op.outcome === 'ok' || op.outcome === 'info') {
          const v = op.invoke.value as AssignValue;
          lastPoll.delete(partKey(v.topic, v.partition));
        }
      } else if (op.f === 'poll') {
        if (op.outcome !== 'ok') continue;
        const v = op.complete!.value as PollValue;
        const key = partKey(v.topic, v.partition);
        const records = v.records ?? [];
        if (records.length === 0) continue;
        const prev = lastPoll.get(key);
        if (prev !== undefined) pollGap(key, prev.op, prev.value, op, String(records[0][1]), false);
        // in a clean partition (one value per offset, one offset per value) records at
        // consecutive offsets are consecutive in the version order
        const clean = orderOf(key).clean;
        for (let r = 1; r < records.length; r++) {
          if (clean && records[r][0] === records[r - 1][0] + 1) continue;
          pollGap(key, op, String(records[r - 1][1]), op, String(records[r][1]), true);
        }
        lastPoll.set(key, { op, value: String(records[records.length - 1][1]) });
      } else if (op.f === 'send') {
        if (op.outcome !== 'ok' && op.outcome !== 'info') continue;
        const v = op.invoke.value as SendValue;
        const key = partKey(v.topic, v.partition);
        const value = String(v.value);
        const prev = lastSend.get(key);
        lastSend.set(key, { op, value });
        if (prev === undefined) continue;
        const { firstIndex } = orderOf(key);
        const i = firstIndex.get(prev.value);
        const j = firstIndex.get(value);
        if (i === undefined || j === undefined || j > i) continue;
        const p = parts.get(key)!;
        report({
          kind: 'nonmonotonic-send',
          explanation: `Process ${String(op.process)} sent ${shown(prev.value)} and then ${shown(value)} to ${key}, but the later send sits ${j === i ? 'at the same position' : `${i - j} position(s) earlier`} in the log.`,
          topic: p.topic,
          partition: p.partition,
          values: [prev.value, value],
          ops: [prev.op.invoke.index, op.invoke.index],
          timesUs: [prev.op.complete?.time ?? prev.op.invoke.time, op.complete?.time ?? op.invoke.time],
        });
      }
    }
  }

  const sends = ops.filter((o) => o.f === 'send');
  const stats: Record<string, number> = {
    operations: ops.length,
    partitions: parts.size,
    sends: sends.length,
    okSends: sends.filter((o) => o.outcome === 'ok').length,
    infoSends: sends.filter((o) => o.outcome === 'info').length,
    failedSends: sends.filter((o) => o.outcome === 'fail').length,
    polls: ops.filter((o) => o.f === 'poll').length,
    unseen: unseenTotal,
    lost: lostTotal,
  };
  for (const [kind, c] of Object.entries(counts)) stats[`anomalies.${kind}`] = c;
  const errors = anomalies.filter((a) => !a.informational);
  return { valid: errors.length === 0, checker: 'kafka', anomalies, stats };
}
