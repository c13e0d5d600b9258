// Per-replica invariants, checked where they can break (issue 18 item 4): each time a replica's
// role, leader epoch, HW or LEO changes (the model's 'replica' probe) and at each truncation,
// the driver hands this monitor the replica's own state (ReplicaFacts), and the monitor checks
// what the change can have broken, incrementally: the records appended since the last look,
// the epoch cache's entries, the idempotence state's last batches, the HW it just raised. No
// sampled snapshot can miss a break that lasts only between two looks.
//
// Invariants (each names the Kafka rule it follows):
//   epoch-cache-log      the leader-epoch cache agrees with the log: every record's leader epoch
//                        is the epoch of the last cache entry starting at or below its offset,
//                        and every entry starts at or below the LEO, at a record of its epoch
//                        whose predecessor has an older one (LeaderEpochFileCache.assign on each
//                        append of a new epoch, truncateFromEnd on truncation, UnifiedLog).
//   producer-state-log   the idempotence state agrees with the log: each producer's last batch
//                        ends at an offset below the LEO where the log holds that producer's
//                        record with the same producer epoch and last sequence, and a batch just
//                        appended (not a transaction marker) is its producer's last
//                        (ProducerStateManager.update on append;
//                        truncateAndReload / a rebuild from the log on truncation and recovery).
//   follower-hw          a follower raises its HW only to what a leader of its leader epoch or
//                        an older one has announced: the follower takes min(the leader's HW in
//                        the fetch response, its own LEO) and never lowers it by a fetch
//                        (ReplicaFetcherThread.processPartitionData → UnifiedLog
//                        .maybeUpdateHighWatermark). A follower's HW may exceed a new leader's
//                        lagging HW (Kafka allows it), so only raises are judged.
//   leader-hw            a leader raises its HW only to offsets every member of its maximal ISR
//                        has reached, as it knows their LEOs (Partition.maybeIncrementLeaderHW
//                        with KIP-497's maximal ISR: committed ISR ∪ a pending expansion).
//   log-start-hw-leo     log start offset ≤ HW ≤ LEO on every replica, at every change of the
//                        replica and every move of its log start (UnifiedLog.updateHighWatermark
//                        keeps the HW within [log start, LEO]; maybeIncrementLogStartOffset refuses
//                        a log start above the HW).
//   served-below-log-start  a replica never serves a fetch from below its log start offset
//                        (UnifiedLog.read → checkLogStartOffset: OFFSET_OUT_OF_RANGE).
//   deleted-above-hw     retention never deletes a record at or above the HW (UnifiedLog
//                        .deletableSegments: only segments whose end is at or below the HW).
// The records, epoch cache and producer state are judged at and above the log start only; the
// epoch cache at and above the highest log start the replica has shown in any incarnation (a
// log start lost with a log-start checkpoint not yet written comes back below a cache already
// trimmed from the start, as in Kafka: LeaderEpochFileCache.truncateFromStart is checkpointed,
// log-start-offset-checkpoint only every log.flush.start.offset.checkpoint.interval.ms).
//
// Assumes: the driver calls onReplica after every change of a live replica and onTruncate at
// every truncation (so a truncation followed by appends in one handler is re-checked from the
// truncation point), and forgets a broker at each of its restarts (its first look after a
// restart is a baseline: its state came from disk, judged by the model's own recovery).
// Each violation is reported once per (kind, broker, partition), at most a few per run.

import type { FactRecord, ReplicaFacts } from './cluster-state.ts';
import type { Anomaly } from './verdict.ts';

const REPLICA_INVARIANT_NAMES = [
  'epoch-cache-log',
  'producer-state-log',
  'follower-hw',
  'leader-hw',
  'log-start-hw-leo',
  'served-below-log-start',
  'deleted-above-hw',
] as const;
export type ReplicaInvariantName = (typeof REPLICA_INVARIANT_NAMES)[number];

interface Seen {
  hw: number;
  leaderEpoch: number;
  /** The LEO at the last look; with the leader epoch, what says the log or the cache may have changed. */
  leo: number;
  /** Records below this offset were checked against the epoch cache. */
  checkedLeo: number;
}

/**
 * Per-replica state found by (topic, partition, broker) through nested maps: the monitor runs
 * at every HW or LEO change and every fetch served, where building and hashing a string key
 * each time cost more than the check.
 */
class ByReplica<T> {
  private readonly byTopic = new Map<string, Map<number, Map<number, T>>>();

  get(topic: string, partition: number, broker: number): T | undefined {
    return this.byTopic.get(topic)?.get(partition)?.get(broker);
  }

  set(topic: string, partition: number, broker: number, value: T): void {
    let byPartition = this.byTopic.get(topic);
    if (byPartition === undefined) this.byTopic.set(topic, (byPartition = new Map()));
    let byBroker = byPartition.get(partition);
    if (byBroker === undefined) byPartition.set(partition, (byBroker = new Map()));
    byBroker.set(broker, value);
  }

  /** Forget every replica of `broker`. */
  deleteBroker(broker: number): void {
    for (const byPartition of this.byTopic.values())
      for (const byBroker of byPartition.values()) byBroker.delete(broker);
  }
}

export class ReplicaInvariants {
  private readonly seen = new ByReplica<Seen>();
  /** topic → partition → leader epoch → the highest HW a leader of that epoch announced. */
  private readonly leaderHw = new Map<string, Map<number, Map<number, number>>>();
  private readonly found: Anomaly[] = [];
  /** checkProducers' pass over the idempotence state: one object, no closures made per check. */
  private readonly producerScan = new ProducerScan();
  private readonly reported = new Set<string>();

  /** Every violation found so far, in the order found. */
  anomalies(): Anomaly[] {
    return this.found;
  }

  /** Broker `broker` restarted: its next look at each replica is a baseline. */
  onRestart(broker: number): void {
    this.seen.deleteBroker(broker);
    // A new process's logs start at 0 until its recovery moves them (a 'log-start' move).
    this.logStarts.deleteBroker(broker);
  }

  /** Each replica's log start offset, as its moves announced it. */
  private readonly logStarts = new ByReplica<number>();
  /** Each replica's highest log start offset over all its incarnations. */
  private readonly highestLogStarts = new ByReplica<number>();

  /** The replica's log start moved (the model's 'log-start' probe). */
  onLogStart(
    broker: number,
    topic: string,
    partition: number,
    move: { from: number; to: number; reason: string; hw: number; leo: number },
    timeUs: number,
  ): void {
    this.logStarts.set(topic, partition, broker, move.to);
    if (move.to > (this.highestLogStarts.get(topic, partition, broker) ?? 0))
      this.highestLogStarts.set(topic, partition, broker, move.to);
    const w: Where = { broker, topic, partition, timeUs };
    this.checkLogStartBounds(move.to, move.hw, move.leo, w);
    if (move.reason === 'segment-deletion') this.checkDeletedBelowHw(move.from, move.to, move.hw, w);
  }

  /** The replica served records from `fromOffset` (the model's 'fetch-served' probe). */
  onFetchServed(broker: number, topic: string, partition: number, fromOffset: number, timeUs: number): void {
    const logStart = this.logStarts.get(topic, partition, broker) ?? 0;
    if (fromOffset >= logStart) return;
    this.report(
      'served-below-log-start',
      { broker, topic, partition, timeUs },
      [fromOffset, logStart],
      `broker ${broker} served ${topic}/${partition} from offset ${fromOffset}, below its log start offset ` +
        `${logStart}: a fetch there must be answered OFFSET_OUT_OF_RANGE (UnifiedLog.read, checkLogStartOffset).`,
    );
  }

  /** log start ≤ HW ≤ LEO. */
  checkLogStartBounds(logStart: number, hw: number, leo: number, w: Where): void {
    if (logStart <= hw && hw <= leo) return;
    this.report(
      'log-start-hw-leo',
      w,
      [logStart, hw, leo],
      `broker ${w.broker}'s replica of ${w.topic}/${w.partition} has log start offset ${logStart}, HW ${hw} and ` +
        `LEO ${leo}: they must keep log start ≤ HW ≤ LEO.`,
    );
  }

  /** Retention deleted [from, to): never past the HW. */
  checkDeletedBelowHw(from: number, to: number, hw: number, w: Where): void {
    if (to <= hw) return;
    this.report(
      'deleted-above-hw',
      w,
      [from, to, hw],
      `broker ${w.broker} deleted offsets ${from}–${to - 1} of ${w.topic}/${w.partition} by retention with its HW ` +
        `at ${hw}: segments at or above the HW must never be deleted (UnifiedLog.deletableSegments).`,
    );
  }

  /** A truncation of the replica to `toOffset`: records from there on are checked again. */
  onTruncate(broker: number, topic: string, partition: number, toOffset: number): void {
    const s = this.seen.get(topic, partition, broker);
    if (s !== undefined && toOffset < s.checkedLeo) s.checkedLeo = toOffset;
  }

  /** The replica changed (role, leader epoch, HW or LEO); `timeUs` is now. */
  onReplica(broker: number, topic: string, partition: number, f: ReplicaFacts, timeUs: number): void {
    let s = this.seen.get(topic, partition, broker);
    const baseline = s === undefined;
    if (s === undefined) {
      s = { hw: f.hw, leaderEpoch: -2, leo: -1, checkedLeo: 0 };
      this.seen.set(topic, partition, broker, s);
    }
    const ctx: Where = { broker, topic, partition, timeUs };
    this.checkLogStartBounds(f.logStartOffset, f.hw, f.leo, ctx);
    // The log, its epoch cache and its producer state change only with the LEO, a truncation
    // (checkedLeo moves back) or a new leader epoch (a leader's cache entry): an HW-only change
    // has nothing for them to check.
    if (f.leo !== s.leo || s.checkedLeo < f.leo || f.leaderEpoch !== s.leaderEpoch) {
      this.checkEpochCache(
        f,
        s,
        ctx,
        Math.max(f.logStartOffset, this.highestLogStarts.get(topic, partition, broker) ?? 0),
      );
      this.checkProducers(f, s, ctx);
    }
    if (f.role === 'leader') this.noteLeaderHw(topic, partition, f.leaderEpoch, f.hw);
    if (!baseline && f.hw > s.hw) {
      if (f.role === 'leader') this.checkLeaderHw(f, s.hw, ctx);
      else if (f.role === 'follower') this.checkFollowerHw(f, s.hw, ctx);
    }
    s.hw = f.hw;
    s.leo = f.leo;
    s.leaderEpoch = f.leaderEpoch;
    s.checkedLeo = f.leo;
  }

  /** `start`: the lowest offset judged (see the module comment). */
  private checkEpochCache(f: ReplicaFacts, s: Seen, w: Where, start: number): void {
    const cache = f.epochCache;
    const records = f.records;
    const leo = f.leo;
    for (let i = 0; i < cache.length; i++) {
      const e = cache[i];
      // A gap (model/replica-log.ts gapAt) holds no record, so no epoch to compare.
      const at = e.startOffset < leo && e.startOffset >= start ? dataAt(records, e.startOffset) : undefined;
      const before = e.startOffset > start && e.startOffset <= leo ? dataAt(records, e.startOffset - 1) : undefined;
      if (
        e.startOffset > leo ||
        (at !== undefined && at.epoch !== e.epoch) ||
        (before !== undefined && before.epoch >= e.epoch)
      ) {
        this.report(
          'epoch-cache-log',
          w,
          [e.startOffset, leo],
          `the leader-epoch cache of broker ${w.broker} for ${w.topic}/${w.partition} has epoch ${e.epoch} from ` +
            `offset ${e.startOffset}, but its log (LEO ${leo}) holds ` +
            `${at === undefined ? 'no record' : `epoch ${at.epoch}`} there` +
            `${before === undefined ? '' : ` after epoch ${before.epoch}`}: the cache no longer agrees with the log.`,
        );
        return;
      }
    }
    // Records appended (or rewritten after a truncation) since the last look.
    let j = cache.length - 1;
    for (let o = leo - 1; o >= s.checkedLeo && o >= start; o--) {
      while (j >= 0 && cache[j].startOffset > o) j--;
      const epoch = j < 0 ? undefined : cache[j].epoch;
      if (records[o].gap !== true && records[o].epoch !== epoch) {
        this.report(
          'epoch-cache-log',
          w,
          [o],
          `offset ${o} of ${w.topic}/${w.partition} on broker ${w.broker} has leader epoch ${records[o].epoch}, but ` +
            `its leader-epoch cache gives ${epoch === undefined ? 'no epoch' : `epoch ${epoch}`} for that offset.`,
        );
        return;
      }
    }
  }

  private checkProducers(f: ReplicaFacts, s: Seen, w: Where): void {
    const leo = f.leo;
    const scan = this.producerScan;
    const last = leo > s.checkedLeo && leo > f.logStartOffset ? f.records[leo - 1] : undefined;
    // A transaction marker is no batch of its producer's state (ProducerAppendInfo.appendEndTxnMarker).
    const appended = last !== undefined && last.lastInBatch && last.producerId >= 0 && last.control === undefined;
    scan.start(f, appended ? last : undefined);
    f.forEachProducer(scan.each);
    scan.records = EMPTY_RECORDS;
    if (scan.badOffset >= 0) {
      const r = scan.badOffset < leo ? f.records[scan.badOffset] : undefined;
      this.report(
        'producer-state-log',
        w,
        [scan.badOffset],
        `the idempotence state of broker ${w.broker} for ${w.topic}/${w.partition} has producer ` +
          `${scan.badId} (epoch ${scan.badEpoch}) last write sequence ${scan.badSeq} at offset ` +
          `${scan.badOffset}, but its log (LEO ${leo}) holds ` +
          (r === undefined
            ? 'no record there'
            : `producer ${r.producerId} epoch ${r.producerEpoch} sequence ${r.sequence}`) +
          ': the producer state no longer agrees with the log.',
      );
    } else if (appended && !scan.found) {
      this.report(
        'producer-state-log',
        w,
        [leo - 1],
        `broker ${w.broker} appended producer ${last.producerId}'s batch ending at offset ${leo - 1} of ` +
          `${w.topic}/${w.partition} (epoch ${last.producerEpoch}, sequence ${last.sequence}), but its idempotence ` +
          "state does not hold it as that producer's last batch.",
      );
    }
  }

  /** The leader-HW announcements of topic/partition, by leader epoch. */
  private leaderHwOf(topic: string, partition: number): Map<number, number> | undefined {
    return this.leaderHw.get(topic)?.get(partition);
  }

  private noteLeaderHw(topic: string, partition: number, epoch: number, hw: number): void {
    let byEpoch = this.leaderHwOf(topic, partition);
    if (byEpoch === undefined) {
      let byPartition = this.leaderHw.get(topic);
      if (byPartition === undefined) this.leaderHw.set(topic, (byPartition = new Map()));
      byPartition.set(partition, (byEpoch = new Map()));
    }
    if (hw > (byEpoch.get(epoch) ?? -1)) byEpoch.set(epoch, hw);
  }

  private checkLeaderHw(f: ReplicaFacts, before: number, w: Where): void {
    const isr = f.maximalIsr;
    for (let i = 0; i < isr.length; i++) {
      const b = isr[i];
      if (b === w.broker) continue;
      const leo = f.remoteLeo(b);
      if (leo >= f.hw) continue;
      this.report(
        'leader-hw',
        w,
        [before, f.hw],
        `broker ${w.broker}, leader of ${w.topic}/${w.partition} in epoch ${f.leaderEpoch}, raised its HW from ` +
          `${before} to ${f.hw} while broker ${b} of its maximal ISR [${isr.join(', ')}] had reached only ` +
          `${leo} as it knows: records not on every ISR member counted as committed.`,
      );
      return;
    }
  }

  private checkFollowerHw(f: ReplicaFacts, before: number, w: Where): void {
    let allowed = -1;
    this.leaderHwOf(w.topic, w.partition)?.forEach((hw, epoch) => {
      if (epoch <= f.leaderEpoch && hw > allowed) allowed = hw;
    });
    if (f.hw <= allowed) return;
    this.report(
      'follower-hw',
      w,
      [before, f.hw],
      `broker ${w.broker}, a follower of ${w.topic}/${w.partition} in epoch ${f.leaderEpoch}, raised its HW from ` +
        `${before} to ${f.hw}, above any HW a leader of that epoch or before announced (${allowed}).`,
    );
  }

  private report(kind: ReplicaInvariantName, w: Where, offsets: number[], explanation: string): void {
    const id = `${kind}/${w.broker}/${w.topic}/${w.partition}`;
    if (this.reported.has(id)) return;
    this.reported.add(id);
    this.found.push({
      kind,
      explanation: `${explanation[0].toUpperCase()}${explanation.slice(1)}`,
      topic: w.topic,
      partition: w.partition,
      offsets,
      nodes: [w.broker],
      timesUs: [w.timeUs],
    });
  }
}

interface Where {
  broker: number;
  topic: string;
  partition: number;
  timeUs: number;
}

/** The record at `offset`, undefined for a gap (model/replica-log.ts gapAt: no record, no epoch). */
const EMPTY_RECORDS: readonly FactRecord[] = [];

/**
 * producer-state-log over one replica's producers in one pass: the first producer whose last
 * batch the log does not hold (at or above the log start), and whether a batch just appended
 * (`appended`) is its producer's last. `each` is made once, for ReplicaFacts.forEachProducer.
 */
class ProducerScan {
  records: readonly FactRecord[] = EMPTY_RECORDS;
  private leo = 0;
  private logStart = 0;
  private appended: FactRecord | undefined;
  /** The first producer that disagrees with the log (badOffset -1: none). */
  badOffset = -1;
  badId = -1;
  badEpoch = -1;
  badSeq = -1;
  found = false;

  start(f: ReplicaFacts, appended: FactRecord | undefined): void {
    this.records = f.records;
    this.leo = f.leo;
    this.logStart = f.logStartOffset;
    this.appended = appended;
    this.badOffset = -1;
    this.found = false;
  }

  readonly each = (id: number, epoch: number, lastSeq: number, lastOffset: number): void => {
    const a = this.appended;
    if (a !== undefined && id === a.producerId && epoch === a.producerEpoch && lastSeq === a.sequence) {
      if (lastOffset === this.leo - 1) this.found = true;
    }
    // A producer whose batches lie below the log start is kept until it expires (Kafka's
    // onLogStartOffsetIncremented keeps producers): nothing left in the log to compare.
    if (this.badOffset >= 0 || lastOffset < this.logStart) return;
    const r = lastOffset < this.leo ? this.records[lastOffset] : undefined;
    if (r !== undefined && r.producerId === id && r.producerEpoch === epoch && r.sequence === lastSeq && r.lastInBatch)
      return;
    this.badOffset = lastOffset;
    this.badId = id;
    this.badEpoch = epoch;
    this.badSeq = lastSeq;
  };
}

function dataAt(records: readonly FactRecord[], offset: number): FactRecord | undefined {
  const r = records[offset];
  return r?.gap === true ? undefined : r;
}
