// One replica's log on one broker (Kafka's UnifiedLog and its segments): records with
// (offset, leader epoch, producer id/epoch/sequence, key, value), the log end offset (LEO)
// and high watermark (HW), both exclusive, the leader-epoch cache and the idempotence state.
//
// Disk layout (per partition directory `<topic>-<partition>/`):
// - segments `<base offset, 20 digits>.log`, one entry per record, appended to the page cache.
//   The active (last) segment rolls (UnifiedLog.maybeRoll, LogSegment.shouldRoll) before an
//   append that would take it past `log.segment.bytes`, or once its first append is older
//   than `log.roll.ms`; the roll schedules a flush of everything below the new segment on the
//   broker's scheduler (UnifiedLog.roll → scheduleOnce("flush-log", flushUptoOffsetExclusive)),
//   which fsyncs those segments, the directory when a segment is new since the last flush
//   (LocalLog.flush), and moves the recovery point there. `log.flush.interval.messages` (null
//   = never) and a clean shutdown flush everything.
// - `leader-epoch-checkpoint`: see epoch-cache.ts.
// The broker keeps the per-broker files `replication-offset-checkpoint` (HW),
// `recovery-point-offset-checkpoint` and `.kafka_cleanshutdown` (see broker.ts).
//
// Recovery (Kafka's LogLoader): after a clean shutdown the log is trusted. After an unclean
// one, the segments from the one holding the recovery point on are validated batch by batch
// (LogLoader.recoverLog, LogSegment.recover: batch.ensureValid, the CRC): at the first invalid
// batch (a torn entry, or a batch cut short) that segment is truncated and every later one
// deleted; the segments below are trusted unread. The epoch cache is rebuilt over the
// recovered range and trimmed to the new log end; the producer state is rebuilt from the log;
// HW = checkpoint clamped to the LEO.
//
// Transactions (KIP-98; issue 17 item 2): a leader appends transactional data batches
// (appendAsLeader with `transactional`) and end-transaction markers (appendMarkerAsLeader,
// UnifiedLog.appendAsLeader with origin COORDINATOR: a one-record control batch). The
// aborted-transaction index (Kafka's per-segment .txnindex, TransactionIndex) is kept in
// memory for the whole log: an entry per aborted non-empty transaction, appended as its marker
// is (LogSegment.updateTxnIndex), cut on truncation (TransactionIndex.truncateTo) and rebuilt
// from the log on recovery (LogSegment.recover re-indexes the segments it reads; the model
// rebuilds from every segment, which gives the same entries while the index files are intact).
// The last stable offset (UnifiedLog.lastStableOffset) is the first unstable offset of the
// producer state when it lies below the HW, else the HW; leaders and followers compute it
// alike from their own HW.
//
// Records are immutable and shared by reference between replicas (a follower appends the
// leader's objects); fetch responses are slices, never copies of the whole log.
//
// Asserted (model/assert.ts; they hold under every protocol variant): 0 ≤ HW ≤ LEO at every
// write of the HW (appends only raise the LEO; a truncation lowers the HW with it); an epoch a
// caller starts (assignEpoch) starts at or below the LEO (appends, recovery and truncation keep
// every start offset ≤ LEO by construction); a truncation target within [0, LEO]; a follower's
// appended records at consecutive offsets; the records of one batch with one producer and
// consecutive sequence numbers (producer-state.ts).

import type { Disk } from '../harness/types.ts';
import { isTorn } from '../harness/disk.ts';
import { assert } from './assert.ts';
import type { AbortedTransaction, ControlRecord, ErrorCode, LogRecord } from './client-protocol.ts';
import { LeaderEpochCache, type EpochTruncationFlush } from './epoch-cache.ts';
import { ProducerStates, type CompletedTxn } from './producer-state.ts';
import { codeProbe } from './code-probes.ts';

/** A record as the model stores it: Kafka's batch header fields the log needs. */
export interface ModelRecord extends LogRecord {
  readonly producerEpoch: number;
  /** Last record of its batch (batches are written, read and recovered whole). */
  readonly lastInBatch: boolean;
}

/** The file of the segment starting at `baseOffset` (LogFileUtils.logFile: 20 digits, `.log`). */
export function segmentFile(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/** The first segment's file. */
const LOG_FILE = segmentFile(0);

/** The segment files of a partition directory, in offset order, with their base offsets. */
export function segmentFiles(disk: Disk, dir: string): Array<{ path: string; baseOffset: number }> {
  const out: Array<{ path: string; baseOffset: number }> = [];
  for (const path of disk.list(`${dir}/`)) {
    const name = path.slice(dir.length + 1);
    if (/^\d{20}\.log$/.test(name)) out.push({ path, baseOffset: Number(name.slice(0, 20)) });
  }
  return out;
}

/** Every record on disk in a partition directory, segment after segment (a down broker's view). */
export function readSegments(disk: Disk, dir: string): unknown[] {
  const out: unknown[] = [];
  for (const { path } of segmentFiles(disk, dir)) for (const e of disk.read(path)) out.push(e);
  return out;
}

/** One segment: records [baseOffset, baseOffset + count) of the log in one file. */
interface Segment {
  readonly baseOffset: number;
  readonly path: string;
  bytes: number;
  /** Virtual time of its first append (µs), -1 while empty: log.roll.ms counts from it. */
  firstAppendUs: number;
}

/** What the broker gives a log: its settings, the clock and the scheduler. */
export interface LogOptions {
  /** log.segment.bytes (default 1 GiB). */
  segmentBytes?: number;
  /** log.roll.ms (default 7 days). */
  rollMs?: number;
  /** Virtual now, µs. */
  nowUs?: () => number;
  /** KafkaScheduler.scheduleOnce (absent: at once). */
  schedule?: (task: () => void) => void;
  /** How the epoch cache writes its checkpoint after a truncation (epoch-cache.ts). */
  truncationFlush?: EpochTruncationFlush;
}

const DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
const DEFAULT_ROLL_MS = 7 * 24 * 60 * 60 * 1000;

/** AbortedTxn, one entry of the aborted-transaction index (TransactionIndex). */
export interface AbortedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The ABORT marker's offset. */
  readonly lastOffset: number;
  /** The LSO when the marker was appended (ProducerStateManager.lastStableOffset(completedTxn)). */
  readonly lastStableOffset: number;
}

export interface RecoveryInfo {
  /** The broker found `.kafka_cleanshutdown` at startup. */
  cleanShutdown: boolean;
  /** From `recovery-point-offset-checkpoint`, 0 if absent. */
  recoveryPoint: number;
  /** From `replication-offset-checkpoint`, 0 if absent. */
  hwCheckpoint: number;
}

export class ReplicaLog {
  readonly records: ModelRecord[] = [];
  /** High watermark (exclusive); written only through setHw and truncateTo, so 0 ≤ HW ≤ LEO holds. */
  private hwOffset = 0;
  readonly epochs: LeaderEpochCache;
  readonly producers = new ProducerStates();
  /** The aborted-transaction index, in marker-offset order (TransactionIndex). */
  readonly abortedTxns: AbortedTxn[] = [];
  /** Everything below is fsynced (Kafka's recovery point). */
  recoveryPoint = 0;
  private unflushed = 0;
  /** The segments, in offset order; the last is the active one. */
  private segments: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly rollUs: number;
  private readonly nowUs: () => number;
  private readonly schedule: (task: () => void) => void;

  constructor(
    private readonly disk: Disk,
    readonly dir: string,
    /** log.flush.interval.messages; null = never fsync on count. */
    private readonly flushIntervalMessages: number | null,
    options: LogOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.rollUs = (options.rollMs ?? DEFAULT_ROLL_MS) * 1000;
    this.nowUs = options.nowUs ?? (() => 0);
    this.schedule = options.schedule ?? ((task) => task());
    this.epochs = new LeaderEpochCache(disk, dir, options.truncationFlush, options.schedule);
  }

  /** The segments' base offsets, oldest first (kafka-dump-log shows one file each). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  get leo(): number {
    return this.records.length;
  }

  get hw(): number {
    return this.hwOffset;
  }

  /** Sets the high watermark, which must lie within [0, LEO]. */
  setHw(hw: number): void {
    assert(
      hw >= 0 && hw <= this.records.length,
      'HW within [0, LEO] in {}: HW {}, LEO {}',
      this.dir,
      hw,
      this.records.length,
    );
    this.hwOffset = hw;
    this.producers.onHighWatermarkUpdated(hw);
  }

  /**
   * UnifiedLog.lastStableOffset: the first unstable offset (the earliest transaction open or
   * not yet replicated past the HW) when below the HW, else the HW.
   */
  get lso(): number {
    const firstUnstable = this.producers.firstUnstableOffset();
    return firstUnstable >= 0 && firstUnstable < this.hwOffset ? firstUnstable : this.hwOffset;
  }

  /** Kafka's assign(epoch, startOffset) on the epoch cache, for an epoch that starts within the log. */
  assignEpoch(epoch: number, startOffset: number): void {
    assert(
      startOffset <= this.records.length,
      'epoch start ≤ LEO in {}: epoch {} starts at {}, LEO {}',
      this.dir,
      epoch,
      startOffset,
      this.records.length,
    );
    this.epochs.assign(epoch, startOffset);
  }

  /**
   * Loads the log from disk. Returns the offset the log was cut back to by recovery, or -1 if
   * nothing was discarded.
   */
  recover(info: RecoveryInfo): number {
    const files = segmentFiles(this.disk, this.dir);
    const loaded: Array<{ path: string; baseOffset: number; entries: readonly unknown[] }> = [];
    let total = 0;
    for (const f of files) {
      const entries = this.disk.read(f.path);
      loaded.push({ ...f, entries });
      total += entries.length;
    }
    // Validate: on an unclean start from the segment holding the recovery point (the ones
    // below are trusted unread); on a clean start nothing (but see cleanStartTorn).
    let firstChecked = loaded.length;
    if (!info.cleanShutdown) {
      firstChecked = 0;
      while (firstChecked + 1 < loaded.length && loaded[firstChecked + 1].baseOffset <= info.recoveryPoint)
        firstChecked++;
    }
    this.records.length = 0;
    this.segments = [];
    let cutAt = -1; // the offset where an invalid batch was found
    for (let s = 0; s < loaded.length && cutAt < 0; s++) {
      const seg = loaded[s];
      const checked = s >= firstChecked;
      if (seg.baseOffset !== this.records.length) {
        // A segment that does not start where the log ends (its predecessor lost its tail):
        // Kafka would keep a log with a gap of offsets, which the model cannot represent;
        // it stops there, as at an invalid batch. (A roll flushes the previous segment first.)
        codeProbe('log-recovery-segment-gap');
        cutAt = this.records.length;
        break;
      }
      this.segments.push({ baseOffset: seg.baseOffset, path: seg.path, bytes: 0, firstAppendUs: -1 });
      const active = this.segments[this.segments.length - 1];
      let batchStart = this.records.length;
      for (let i = 0; i < seg.entries.length; i++) {
        const e = seg.entries[i];
        if (isTorn(e)) {
          codeProbe(checked ? 'log-recovery-torn-entry' : 'clean-start-torn-log');
          cutAt = batchStart;
          break;
        }
        const r = e as ModelRecord;
        this.records.push(r);
        active.bytes += recordBytes(r, this.records.length - 1 === batchStart);
        if (r.lastInBatch) batchStart = this.records.length;
      }
      // A batch cut short at the segment's end (its last record never reached the disk).
      if (cutAt < 0 && checked && batchStart < this.records.length) cutAt = batchStart;
    }
    if (cutAt >= 0 && cutAt < this.records.length) codeProbe('log-recovery-partial-batch');
    const validEnd = cutAt >= 0 ? cutAt : this.records.length;
    if (validEnd < total) codeProbe('log-recovery-dropped-tail');
    this.records.length = validEnd;
    this.cutSegmentsTo(validEnd);
    // log.roll.ms counts from the active segment's first batch's timestamp; the model's records
    // carry none, so from the load.
    const active = this.segments[this.segments.length - 1];
    if (active !== undefined && active.bytes > 0) active.firstAppendUs = this.nowUs();

    this.epochs.load();
    if (!info.cleanShutdown) {
      const from = Math.min(loaded[firstChecked]?.baseOffset ?? info.recoveryPoint, info.recoveryPoint, validEnd);
      this.epochs.truncateFromEnd(from);
      let latest = this.epochs.latestEpoch();
      for (let i = from; i < validEnd; i++) {
        const r = this.records[i];
        if (r.epoch !== latest) {
          this.epochs.assign(r.epoch, r.offset);
          latest = r.epoch;
        }
      }
    }
    this.epochs.truncateFromEnd(validEnd);
    this.abortedTxns.length = 0;
    this.producers.rebuild(this.records, (txn) => this.indexCompleted(txn));
    if (this.producers.openTransactions().length > 0) codeProbe('txn-open-after-recovery');
    this.recoveryPoint = info.cleanShutdown ? validEnd : Math.min(info.recoveryPoint, validEnd);
    this.unflushed = validEnd - this.recoveryPoint;
    if (info.hwCheckpoint > validEnd) codeProbe('log-recovery-hw-above-log-end');
    this.setHw(Math.max(0, Math.min(info.hwCheckpoint, validEnd)));
    return validEnd < total ? validEnd : -1;
  }

  /**
   * Cuts the segments to hold [0, offset): deletes those starting above it, truncates the one
   * holding it (LocalLog.truncateTo: segments with baseOffset > target go, the active one is cut).
   */
  private cutSegmentsTo(offset: number): void {
    while (this.segments.length > 1 && this.segments[this.segments.length - 1].baseOffset > offset) {
      const gone = this.segments.pop()!;
      codeProbe('truncate-deletes-segment');
      this.disk.delete(gone.path);
    }
    // Files past the last kept segment (a recovery that stopped early) go too.
    for (const f of segmentFiles(this.disk, this.dir)) {
      const last = this.segments[this.segments.length - 1];
      if (last !== undefined && f.baseOffset > last.baseOffset) this.disk.delete(f.path);
    }
    const active = this.segments[this.segments.length - 1];
    if (active === undefined) return;
    const keep = offset - active.baseOffset;
    if (this.disk.length(active.path) > keep) this.disk.truncate(active.path, keep);
    let bytes = 0;
    for (let o = active.baseOffset; o < offset; o++)
      bytes += recordBytes(this.records[o], o === active.baseOffset || this.records[o - 1].lastInBatch);
    active.bytes = bytes;
    if (bytes === 0) active.firstAppendUs = -1;
  }

  /** The active segment, after rolling it when the next `bytes` would not fit or it is too old. */
  private segmentForAppend(bytes: number): Segment {
    let active = this.segments[this.segments.length - 1];
    if (active === undefined) {
      active = { baseOffset: 0, path: `${this.dir}/${LOG_FILE}`, bytes: 0, firstAppendUs: -1 };
      this.segments.push(active);
      return active;
    }
    // LogSegment.shouldRoll: size > segment.bytes - messagesSize, or a non-empty segment whose
    // first batch is older than log.roll.ms (log.roll.jitter.ms 0). An empty one never rolls.
    const now = this.nowUs();
    const full = active.bytes > this.segmentBytes - bytes;
    const old = active.firstAppendUs >= 0 && now - active.firstAppendUs > this.rollUs;
    if (active.bytes === 0 || !(full || old)) return active;
    if (!full) codeProbe('segment-rolled-by-time');
    return this.roll();
  }

  /**
   * UnifiedLog.roll: a new segment at the LEO; the flush of everything below it is scheduled
   * (scheduleOnce("flush-log", flushUptoOffsetExclusive(newSegment.baseOffset))).
   */
  private roll(): Segment {
    const base = this.records.length;
    const seg: Segment = { baseOffset: base, path: `${this.dir}/${segmentFile(base)}`, bytes: 0, firstAppendUs: -1 };
    this.disk.writeFile(seg.path, []); // LogSegment.open creates the file
    this.segments.push(seg);
    this.schedule(() => this.flushUpTo(base));
    return seg;
  }

  /**
   * UnifiedLog.flush(offset, includingOffset = false) → LocalLog.flush: fsync the segments
   * holding [recovery point, offset), the directory when one of them is new since the last
   * flush, and move the recovery point to `offset` (clamped to the LEO: a truncation may have
   * come between a roll and its scheduled flush).
   */
  private flushUpTo(offset: number): void {
    const target = Math.min(offset, this.records.length);
    if (target <= this.recoveryPoint) return;
    let newSegment = false;
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const end = i + 1 < this.segments.length ? this.segments[i + 1].baseOffset : this.records.length;
      if (end <= this.recoveryPoint || seg.baseOffset >= target) continue;
      this.disk.fsync(seg.path);
      if (seg.baseOffset >= this.recoveryPoint) newSegment = true;
    }
    if (newSegment) this.disk.fsyncDir(this.dir);
    this.recoveryPoint = target;
    this.unflushed = this.records.length - target;
  }

  /**
   * Appends one batch as leader in `leaderEpoch`; returns its first offset. The caller has
   * checked the producer sequence.
   */
  appendAsLeader(
    batch: ReadonlyArray<{ key: string | null; value: string }>,
    leaderEpoch: number,
    producerId: number,
    producerEpoch: number,
    baseSequence: number,
    transactional = false,
  ): number {
    const first = this.records.length;
    if (this.epochs.latestEpoch() !== leaderEpoch) this.epochs.assign(leaderEpoch, first);
    const n = batch.length;
    let batchBytes = BATCH_OVERHEAD_BYTES;
    for (let i = 0; i < n; i++)
      batchBytes += RECORD_OVERHEAD_BYTES + (batch[i].key?.length ?? 0) + batch[i].value.length;
    const seg = this.segmentForAppend(batchBytes);
    for (let i = 0; i < n; i++) {
      const r: ModelRecord = {
        offset: first + i,
        epoch: leaderEpoch,
        producerId,
        sequence: producerId >= 0 ? baseSequence + i : -1,
        key: batch[i].key,
        value: batch[i].value,
        producerEpoch,
        lastInBatch: i === n - 1,
      };
      if (transactional) r.transactional = true;
      this.records.push(r);
      this.appendTo(seg, r, recordBytes(r, i === 0));
    }
    if (producerId >= 0 && n > 0) {
      this.producers.onBatch(producerId, producerEpoch, {
        firstSeq: baseSequence,
        lastSeq: baseSequence + n - 1,
        firstOffset: first,
        lastOffset: first + n - 1,
      });
      if (transactional) this.producers.onTransactionalBatch(producerId, first);
    }
    this.maybeFlush(n);
    return first;
  }

  /** Appends records fetched from the leader; records[0].offset must equal the LEO. */
  appendAsFollower(records: readonly LogRecord[]): void {
    const first = this.records.length;
    const n = records.length;
    if (n === 0) return;
    if (records[0].offset !== first)
      throw new Error(`${this.dir}: follower append at ${records[0].offset}, LEO ${first}`);
    let latest = this.epochs.latestEpoch();
    // UnifiedLog.append → maybeRoll once for the whole fetched set of batches.
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i] as ModelRecord;
      const firstInBatch =
        i === 0
          ? first === 0 || this.records[first - 1].lastInBatch
          : records[i - 1] === undefined || (records[i - 1] as ModelRecord).lastInBatch;
      bytes += recordBytes(r, firstInBatch);
    }
    const seg = this.segmentForAppend(bytes);
    for (let i = 0; i < n; i++) {
      const r = records[i] as ModelRecord;
      assert(
        r.offset === first + i,
        'consecutive offsets in {}: record {} of a fetched run at offset {}, expected {}',
        this.dir,
        i,
        r.offset,
        first + i,
      );
      if (r.epoch !== latest) {
        this.epochs.assign(r.epoch, r.offset);
        latest = r.epoch;
      }
      const firstInBatch = this.records.length === 0 || this.records[this.records.length - 1].lastInBatch;
      this.records.push(r);
      this.appendTo(seg, r, recordBytes(r, firstInBatch));
    }
    this.producers.onRecords(this.records, first, first + n, (txn) => this.indexCompleted(txn));
    this.maybeFlush(n);
  }

  /**
   * UnifiedLog.appendAsLeader with origin COORDINATOR for WriteTxnMarkers: one control batch
   * of one record (EndTransactionMarker) from `producerId`, checked by the producer state
   * (ProducerAppendInfo.appendEndTxnMarker) and, when it closes a non-empty transaction,
   * entered into the index with the LSO of that moment. Returns the marker's offset, or the
   * error without appending.
   */
  appendMarkerAsLeader(
    marker: ControlRecord,
    leaderEpoch: number,
    producerId: number,
    producerEpoch: number,
  ): { error: 'NONE'; offset: number } | { error: Exclude<ErrorCode, 'NONE'> } {
    const error = this.producers.checkMarker(producerId, producerEpoch, marker.coordinatorEpoch);
    if (error !== 'NONE') return { error };
    const offset = this.records.length;
    if (this.epochs.latestEpoch() !== leaderEpoch) this.epochs.assign(leaderEpoch, offset);
    const r: ModelRecord = {
      offset,
      epoch: leaderEpoch,
      producerId,
      sequence: -1,
      key: null,
      value: marker.type,
      producerEpoch,
      lastInBatch: true,
      transactional: true,
      control: marker,
    };
    const bytes = recordBytes(r, true);
    const seg = this.segmentForAppend(bytes);
    this.records.push(r);
    this.appendTo(seg, r, bytes);
    this.producers.onRecords(this.records, offset, offset + 1, (txn) => this.indexCompleted(txn));
    this.maybeFlush(1);
    return { error: 'NONE', offset };
  }

  /** UnifiedLog.append: a completed transaction, aborted, enters the index (LogSegment.updateTxnIndex). */
  private indexCompleted(txn: CompletedTxn): void {
    if (!txn.isAborted) return;
    codeProbe('txn-aborted-indexed');
    const lastStableOffset = this.producers.lastStableOffsetAfter(txn);
    const { producerId, firstOffset, lastOffset } = txn;
    this.abortedTxns.push({ producerId, firstOffset, lastOffset, lastStableOffset });
  }

  /**
   * TransactionIndex.collectAbortedTxns over the log (LocalLog.collectAbortedTransactions): the
   * aborted transactions overlapping [fetchOffset, upperBoundOffset), i.e. whose marker is at or
   * after fetchOffset and whose first offset is below the bound.
   */
  collectAbortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTransaction[] {
    const out: AbortedTransaction[] = [];
    for (const t of this.abortedTxns) {
      if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset)
        out.push({ producerId: t.producerId, firstOffset: t.firstOffset });
      if (t.lastStableOffset >= upperBoundOffset) break;
    }
    return out;
  }

  /** Discards every record at offset ≥ `offset`; returns false when there was nothing to cut. */
  truncateTo(offset: number): boolean {
    assert(
      offset >= 0 && offset <= this.records.length,
      'truncation target within [0, LEO] in {}: target {}, LEO {}',
      this.dir,
      offset,
      this.records.length,
    );
    if (offset === this.records.length) {
      // Kafka's UnifiedLog.truncateTo: always trim the epoch cache to the log end, since an
      // ex-leader may hold an entry for an epoch it never wrote in; without this a follower
      // would be told to diverge at the same point forever.
      const lastEpochStart = this.epochs.entries.at(-1)?.startOffset ?? -1;
      if (lastEpochStart >= this.records.length) codeProbe('truncate-trims-empty-epoch');
      this.epochs.truncateFromEnd(this.records.length);
      return false;
    }
    if (this.hw > offset) codeProbe('truncate-below-hw');
    if (offset === 0) codeProbe('truncate-to-empty-log');
    this.records.length = offset;
    this.cutSegmentsTo(offset);
    this.epochs.truncateFromEnd(offset);
    if (this.hwOffset > offset) this.hwOffset = offset; // HW ≤ LEO: the new LEO is offset
    if (this.recoveryPoint > offset) this.recoveryPoint = offset;
    this.unflushed = offset - this.recoveryPoint;
    // LogSegment.truncateTo → TransactionIndex.truncateTo: entries whose marker is cut go.
    this.truncateAbortedTxns(offset);
    // UnifiedLog.truncateTo → ProducerStateManager.truncateAndReload (the zoo variant keeps it).
    if (!this.producers.keepOnTruncate) {
      this.producers.rebuild(this.records);
      this.producers.onHighWatermarkUpdated(this.hwOffset);
    }
    return true;
  }

  /** TransactionIndex.truncateTo: drops the entries whose marker lies at or above `offset`. */
  private truncateAbortedTxns(offset: number): void {
    const list = this.abortedTxns;
    let kept = list.length;
    while (kept > 0 && list[kept - 1].lastOffset >= offset) kept--;
    if (kept < list.length) codeProbe('txn-index-truncated');
    list.length = kept;
  }

  /**
   * Records [from, end) where end ≤ `maxEnd` (≤ LEO) and ≤ from + maxRecords, extended (up to
   * maxEnd) to the end of the batch it cuts, so batches are not split. A slice: the caller
   * must not mutate it.
   */
  read(from: number, maxRecords: number, maxEnd: number): ModelRecord[] {
    let end = from + maxRecords;
    if (end > maxEnd) end = maxEnd;
    if (end <= from) return EMPTY;
    const recs = this.records;
    while (end < maxEnd && !recs[end - 1].lastInBatch) end++;
    return recs.slice(from, end);
  }

  /** Epoch of the last record, -1 if empty. */
  lastRecordEpoch(): number {
    const n = this.records.length;
    return n === 0 ? -1 : this.records[n - 1].epoch;
  }

  /** fsync the log (clean shutdown, flush policy). */
  flush(): void {
    this.flushUpTo(this.records.length);
  }

  private appendTo(seg: Segment, r: ModelRecord, bytes: number): void {
    this.disk.append(seg.path, r, bytes);
    seg.bytes += bytes;
    if (seg.firstAppendUs < 0) seg.firstAppendUs = this.nowUs();
  }

  private maybeFlush(appended: number): void {
    this.unflushed += appended;
    const interval = this.flushIntervalMessages;
    if (interval !== null && this.unflushed >= interval) this.flush();
  }
}

const EMPTY: ModelRecord[] = [];

/** DefaultRecordBatch.RECORD_BATCH_OVERHEAD: the batch header, with its CRC. */
const BATCH_OVERHEAD_BYTES = 61;
/** DefaultRecord.sizeInBytes for small records: length, attributes, deltas, key and value lengths, headers. */
const RECORD_OVERHEAD_BYTES = 7;

/** Bytes one record takes in the segment file (the batch header counted on its first record). */
function recordBytes(r: ModelRecord, firstInBatch: boolean): number {
  const body = RECORD_OVERHEAD_BYTES + (r.key?.length ?? 0) + r.value.length;
  return firstInBatch ? BATCH_OVERHEAD_BYTES + body : body;
}
