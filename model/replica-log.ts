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
// - producer-state snapshots `<offset, 20 digits>.snapshot` (ProducerStateManager.takeSnapshot):
//   one at each roll, at the new segment's base offset, written to the page cache and fsynced
//   by the roll's flush task (UnifiedLog.roll → flushProducerStateSnapshot), and one at a clean
//   shutdown at the LEO, fsynced (UnifiedLog.close). Recovery loads the latest readable one at or
//   below the recovered log end and replays the log from there (UnifiedLog.rebuildProducerState
//   → ProducerStateManager.truncateAndReload); snapshots above a truncation point or of
//   deleted segments are deleted (deleteProducerSnapshots), before the segment files, so the
//   journal never keeps a snapshot whose log it has cut.
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
// Gaps (gapAt): a truncation whose target falls inside a batch cuts the whole batch and leaves
// the log end at the target (LocalLog.truncateTo); the offsets in between hold a placeholder
// (a zero-byte entry in the segment file) that reads skip and followers never receive.
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

import type { Disk, TornEntry } from '../harness/types.ts';
import { isTorn } from '../harness/disk.ts';
import { assert } from './assert.ts';
import type { AbortedTransaction, ControlRecord, ErrorCode, LogRecord, ProducedRecord } from './client-protocol.ts';
import { recordSizeBytes } from './client-protocol.ts';
import { LeaderEpochCache, type EpochTruncationFlush } from './epoch-cache.ts';
import { ProducerStates, type CompletedTxn } from './producer-state.ts';
import { codeProbe } from './code-probes.ts';

/** A record as the model stores it: Kafka's batch header fields the log needs. */
export interface ModelRecord extends LogRecord {
  readonly producerEpoch: number;
  /** Last record of its batch (batches are written, read and recovered whole). */
  readonly lastInBatch: boolean;
  /**
   * An offset the log counts but holds no record at (see gapAt): a truncation inside a batch
   * cut the whole batch and left the log end at the target (LocalLog.truncateTo), or a fetched
   * set started past the log end. Never read, never sent; a zero-byte entry in its segment file.
   */
  readonly gap?: true;
}

/** The file of the segment starting at `baseOffset` (LogFileUtils.logFile: 20 digits, `.log`). */
export function segmentFile(baseOffset: number): string {
  return `${String(baseOffset).padStart(20, '0')}.log`;
}

/** The producer-state snapshot taken at `offset` (LogFileUtils.producerSnapshotFile). */
function snapshotFile(dir: string, offset: number): string {
  return `${dir}/${String(offset).padStart(20, '0')}.snapshot`;
}

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
  /** Virtual time it was created (rolled, or loaded by recovery), µs. */
  readonly createdUs: number;
  /**
   * LogSegment.largestTimestamp, which retention.ms compares with now: the latest append time
   * (µs), or the file's creation while empty (its lastModified). The model's records carry no
   * timestamp, so each replica uses its own append time (as with LogAppendTime).
   */
  largestUs: number;
}

/** One segment of a live log (ReplicaLog.segmentViews). */
export interface SegmentView {
  readonly path: string;
  readonly baseOffset: number;
  /** Exclusive: the next segment's base offset, or the LEO. */
  readonly endOffset: number;
  readonly bytes: number;
  readonly fsyncedEnd: number;
  readonly writtenBackEnd: number;
  /** When it was created (rolled, or loaded at the broker's start), µs of virtual time. */
  readonly createdUs: number;
  /** Its latest append (LogSegment.largestTimestamp with LogAppendTime), or its creation while empty, µs. */
  readonly modifiedUs: number;
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
  /** retention.ms (default 7 days; -1 = no time limit). */
  retentionMs?: number;
  /** retention.bytes (default -1 = no size limit). */
  retentionBytes?: number;
}

/** Why the log start offset moved (UnifiedLog's LogStartOffsetIncrementReason, and the truncations). */
export type LogStartReason = 'segment-deletion' | 'leader-log-start' | 'truncate-fully' | 'truncate-below' | 'recovery';

/**
 * A segment created at `offset` (roll, first append, recovery loading it), the segment at
 * `offset` deleted (retention, truncation, recovery cutting the log), or the recovery point
 * moved to it.
 */
export interface StorageChange {
  readonly kind: 'segment' | 'segment-deleted' | 'recovery-point';
  readonly offset: number;
}

/** A move of the log start offset: [from, to) left the log (to > from) or came back (to < from). */
export interface LogStartMove {
  readonly from: number;
  readonly to: number;
  readonly reason: LogStartReason;
  /** The HW and LEO right after the move. */
  readonly hw: number;
  readonly leo: number;
}

const DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
const DEFAULT_ROLL_MS = 7 * 24 * 60 * 60 * 1000;
/** retention.ms: 7 days (LogConfig / ServerLogConfigs.LOG_RETENTION_HOURS_DEFAULT 168). */
const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

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
  /** From `log-start-offset-checkpoint`, 0 if absent. */
  logStartCheckpoint?: number;
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
  /** Set once a gap (ModelRecord.gap) was written or loaded: reads then skip gaps. */
  private mayHoldGaps = false;
  /**
   * The log start offset (UnifiedLog.logStartOffset): records below it are gone (their array
   * slots are holes) and never served. Moves up by segment deletion and with the leader's
   * (maybeIncrementLogStartOffset), down only by a truncation below it.
   */
  logStartOffset = 0;
  /** Told of every move of the log start offset (the partition's probe). */
  onLogStartMove: ((move: LogStartMove) => void) | null = null;
  /** Told of each new segment and each move of the recovery point (the report's segment view). */
  onStorage: ((change: StorageChange) => void) | null = null;
  /** Variant recovery-trusts-tail: recovery reads a torn tail without CRC checks (trustTail). */
  trustTornTail = false;

  private setRecoveryPoint(offset: number): void {
    this.recoveryPoint = offset;
    this.onStorage?.({ kind: 'recovery-point', offset });
  }
  private unflushed = 0;
  /** The segments, in offset order; the last is the active one. */
  private segments: Segment[] = [];
  private readonly segmentBytes: number;
  private readonly rollUs: number;
  private readonly retentionUs: number;
  private readonly retentionBytes: number;
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
    const retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.retentionUs = retentionMs < 0 ? -1 : retentionMs * 1000;
    this.retentionBytes = options.retentionBytes ?? -1;
    this.nowUs = options.nowUs ?? (() => 0);
    this.schedule = options.schedule ?? ((task) => task());
    this.epochs = new LeaderEpochCache(disk, dir, options.truncationFlush, options.schedule);
    this.producers.nowUs = this.nowUs;
  }

  /** The producer-state snapshot files, oldest first, with their offsets. */
  private snapshotFiles(): Array<{ path: string; offset: number }> {
    const out: Array<{ path: string; offset: number }> = [];
    for (const path of this.disk.list(`${this.dir}/`)) {
      const name = path.slice(this.dir.length + 1);
      if (/^\d{20}\.snapshot$/.test(name)) out.push({ path, offset: Number(name.slice(0, 20)) });
    }
    return out;
  }

  /** ProducerStateManager.takeSnapshot at `offset` (the LEO); fsynced at once with `sync`. */
  private takeSnapshot(offset: number, sync: boolean): string {
    const path = snapshotFile(this.dir, offset);
    const entries = this.producers.snapshot();
    this.disk.writeFile(path, [{ snapshotHeader: true, producers: entries.length }, ...entries]);
    if (sync) this.disk.fsync(path);
    return path;
  }

  /** Deletes the snapshots `which` selects (deleteProducerSnapshots, truncateAndReload). */
  private deleteSnapshots(which: (offset: number) => boolean): void {
    for (const s of this.snapshotFiles()) if (which(s.offset)) this.disk.delete(s.path);
  }

  /** A clean shutdown's snapshot at the LEO (UnifiedLog.close → takeSnapshot). */
  snapshotOnClose(): void {
    this.takeSnapshot(this.records.length, true);
  }

  /**
   * UnifiedLog.rebuildProducerState at load: snapshots above the log end go; the latest
   * readable one at or below it (a corrupt one is deleted: CorruptSnapshotException) is loaded
   * and the log replayed from max(its offset, the log start); none: the log from the log start.
   */
  private loadProducerState(end: number): void {
    this.deleteSnapshots((o) => o > end);
    const snaps = this.snapshotFiles();
    for (let i = snaps.length - 1; i >= 0; i--) {
      const entries = snapshotEntries(this.disk.read(snaps[i].path));
      if (entries === undefined) {
        codeProbe('producer-snapshot-corrupt');
        this.disk.delete(snaps[i].path);
        continue;
      }
      codeProbe('producer-state-from-snapshot');
      this.producers.loadSnapshot(entries, this.records, Math.max(snaps[i].offset, this.logStartOffset));
      return;
    }
    this.producers.rebuild(this.records, this.logStartOffset);
  }

  /**
   * The aborted-transaction index after recovery: Kafka keeps it per segment (.txnindex,
   * rebuilt with the segment when recovered, LogSegment.recover); the model keeps it in memory
   * and rebuilds it by replaying the retained log on a state of its own (the producer state
   * itself may come from a snapshot and replay only the log after it).
   */
  private rebuildAbortedIndex(): void {
    this.abortedTxns.length = 0;
    const scratch = new ProducerStates();
    scratch.rebuild(this.records, this.logStartOffset, (txn) => this.indexCompleted(txn, scratch));
  }

  /** The segments' base offsets, oldest first (kafka-dump-log shows one file each). */
  segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /**
   * Each segment as kafka-dump-log / kafka-log-dirs would show it, with where its records are:
   * [baseOffset, fsyncedEnd) fsynced by Kafka (below the recovery point), [fsyncedEnd,
   * writtenBackEnd) on disk by the kernel's writeback, [writtenBackEnd, endOffset) dirty in the
   * page cache (lost at a power loss).
   */
  segmentViews(): SegmentView[] {
    const out: SegmentView[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i];
      const end = i + 1 < this.segments.length ? this.segments[i + 1].baseOffset : this.records.length;
      const clamp = (o: number) => Math.max(seg.baseOffset, Math.min(o, end));
      const fsyncedEnd = clamp(this.recoveryPoint);
      const writtenBackEnd = Math.max(fsyncedEnd, clamp(seg.baseOffset + this.disk.durableLength(seg.path)));
      out.push({
        path: seg.path,
        baseOffset: seg.baseOffset,
        endOffset: end,
        bytes: seg.bytes,
        fsyncedEnd,
        writtenBackEnd,
        createdUs: seg.createdUs,
        modifiedUs: seg.largestUs,
      });
    }
    return out;
  }

  /** The base offset of the segment holding `offset` (LogSegments.floorSegment), -1 below the first. */
  segmentBaseOf(offset: number): number {
    let base = -1;
    for (const seg of this.segments) {
      if (seg.baseOffset > offset) break;
      base = seg.baseOffset;
    }
    return base;
  }

  /** The log's size in bytes (UnifiedLog.size: every segment's). */
  sizeBytes(): number {
    let n = 0;
    for (const seg of this.segments) n += seg.bytes;
    return n;
  }

  get leo(): number {
    return this.records.length;
  }

  get hw(): number {
    return this.hwOffset;
  }

  /**
   * Sets the high watermark, which must lie within [0, LEO]; one below the log start is raised
   * to it (UnifiedLog.updateHighWatermark: "if (newHighWatermark < logStartOffset)
   * logStartOffset"), e.g. a follower told a new leader's lagging HW.
   */
  setHw(hw: number): void {
    if (hw >= 0 && hw < this.logStartOffset) {
      codeProbe('hw-raised-to-log-start');
      hw = this.logStartOffset;
    }
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
   * UnifiedLog.lastStableOffset: the first unstable offset when below the HW, else the HW. The
   * first unstable offset is UnifiedLog.maybeIncrementFirstUnstableOffset's: the producer
   * state's (ProducerStateManager.firstUnstableOffset, the earliest transaction ongoing or not
   * yet replicated past the HW) raised to the log start ("math.max(logOffsetMetadata.messageOffset,
   * logStartOffset)"), as a transaction may still be open when retention or DeleteRecords moves
   * the log start past its first offset. Kafka caches it at each HW move, append, load and
   * log-start move; the model recomputes it from the same inputs.
   */
  get lso(): number {
    const fromProducers = this.producers.firstUnstableOffset();
    if (fromProducers < 0) return this.hwOffset;
    if (fromProducers < this.logStartOffset) codeProbe('lso-raised-to-log-start');
    const firstUnstable = Math.max(fromProducers, this.logStartOffset);
    return firstUnstable < this.hwOffset ? firstUnstable : this.hwOffset;
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
    const loaded = segmentFiles(this.disk, this.dir).map((f) => ({ ...f, entries: this.disk.read(f.path) }));
    let total = 0;
    for (const f of loaded) total += f.entries.length;
    // Validate: on an unclean start from the segment holding the recovery point (the ones
    // below are trusted unread); on a clean start nothing (but see cleanStartTorn).
    let firstChecked = loaded.length;
    if (!info.cleanShutdown) {
      firstChecked = 0;
      while (firstChecked + 1 < loaded.length && loaded[firstChecked + 1].baseOffset <= info.recoveryPoint)
        firstChecked++;
    }
    this.records.length = 0;
    // The records below the first segment are gone (retention deleted them): holes.
    if (loaded.length > 0) this.records.length = loaded[0].baseOffset;
    total += this.records.length;
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
      this.segments.push({
        baseOffset: seg.baseOffset,
        path: seg.path,
        bytes: 0,
        firstAppendUs: -1,
        createdUs: this.nowUs(),
        largestUs: this.nowUs(),
      });
      this.onStorage?.({ kind: 'segment', offset: seg.baseOffset });
      const active = this.segments[this.segments.length - 1];
      let batchStart = this.records.length;
      for (let i = 0; i < seg.entries.length; i++) {
        const e = seg.entries[i];
        if (isTorn(e)) {
          codeProbe(checked ? 'log-recovery-torn-entry' : 'clean-start-torn-log');
          if (checked && this.trustTornTail) {
            const trusted = this.trustTail(e, seg.path, i, active, batchStart);
            batchStart = trusted.batchStart;
            if (!trusted.cut) break;
          }
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
    const readEnd = cutAt >= 0 ? cutAt : this.records.length;
    const cutEnd = this.endBeforeTrailingGaps(readEnd);
    total -= readEnd - cutEnd;
    if (cutEnd < total) codeProbe('log-recovery-dropped-tail');
    this.records.length = cutEnd;
    this.cutSegmentsTo(cutEnd);
    // log.roll.ms counts from the active segment's first batch's timestamp; the model's records
    // carry none, so from the load.
    const active = this.segments[this.segments.length - 1];
    if (active !== undefined && active.bytes > 0) active.firstAppendUs = this.nowUs();
    const validEnd = this.loadLogStart(info.logStartCheckpoint ?? 0, cutEnd);
    this.epochs.load();
    if (!info.cleanShutdown) {
      const checkedFrom = Math.min(
        loaded[firstChecked]?.baseOffset ?? info.recoveryPoint,
        info.recoveryPoint,
        validEnd,
      );
      // Never below the first segment kept (a recovery point below it: the records are gone).
      this.reassignEpochs(Math.max(checkedFrom, this.segments[0]?.baseOffset ?? checkedFrom), validEnd);
    }
    this.epochs.truncateFromEnd(validEnd);
    // The earliest epoch's start may not have been flushed before a hard failure (LogLoader.load).
    this.epochs.truncateFromStart(this.logStartOffset);
    this.loadProducerState(validEnd);
    this.rebuildAbortedIndex();
    if (this.producers.openTransactions().length > 0) codeProbe('txn-open-after-recovery');
    let point = info.cleanShutdown ? validEnd : Math.min(info.recoveryPoint, validEnd);
    if (point < this.logStartOffset) point = this.logStartOffset;
    this.recoveryPoint = point;
    this.onStorage?.({ kind: 'recovery-point', offset: point });
    this.unflushed = validEnd - this.recoveryPoint;
    if (info.hwCheckpoint > validEnd) codeProbe('log-recovery-hw-above-log-end');
    // UnifiedLog.updateHighWatermark keeps the HW within [log start, LEO].
    this.setHw(Math.max(this.logStartOffset, Math.min(info.hwCheckpoint, validEnd)));
    const start = this.logStartOffset;
    if (start !== 0)
      this.onLogStartMove?.({ from: 0, to: start, reason: 'recovery', hw: this.hwOffset, leo: validEnd });
    return validEnd < total ? validEnd : -1;
  }

  /**
   * LogSegment.recover: the log ends after its last batch, so gaps (gapAt) past it are no offsets
   * of the recovered log. Returns `end` moved back past them; notes whether gaps remain below.
   */
  private endBeforeTrailingGaps(end: number): number {
    let e = end;
    while (e > 0 && this.records[e - 1]?.gap === true) e--;
    for (let o = 0; o < e && !this.mayHoldGaps; o++) if (this.records[o]?.gap === true) this.mayHoldGaps = true;
    return e;
  }

  /**
   * Variant recovery-trusts-tail: LogSegment.recover without `batch.ensureValid()` (the CRC
   * check). The batch iterator (FileLogInputStream.nextBatch) still reads each batch's header
   * and length, so a batch whose header page never reached the disk (zeros: a size below the
   * record overhead, CorruptRecordException) still stops the read; but a batch whose header
   * did reach it is taken whole, the records whose pages did not come back as zeros. Rewrites
   * the segment file's tail to what was read (the bytes are on disk already; the model's file
   * holds entries, not bytes). Returns the start of the batch being read and whether the read
   * stopped (cut there).
   */
  private trustTail(
    torn: TornEntry,
    path: string,
    index: number,
    active: Segment,
    batchStart: number,
  ): { batchStart: number; cut: boolean } {
    this.disk.truncate(path, index);
    let start = batchStart;
    for (const t of torn.tail) {
      const r = t.entry as ModelRecord;
      const headerLost = this.records.length === start && !t.headWritten;
      if (headerLost || (r.control !== undefined && !t.allWritten)) return { batchStart: start, cut: true };
      if (!t.allWritten) codeProbe('log-recovery-trusted-torn-batch');
      const kept = t.allWritten ? r : zeroed(r);
      const bytes = recordBytes(kept, this.records.length === start);
      this.records.push(kept);
      this.disk.append(path, kept, bytes);
      active.bytes += bytes;
      if (kept.lastInBatch) start = this.records.length;
    }
    return { batchStart: start, cut: false };
  }

  /**
   * LogLoader.load: log start = max(log-start-offset-checkpoint, first segment's base offset)
   * (announced by recover once the HW is set); recoverLog.deleteSegmentsIfLogStartGreaterThanLogEnd:
   * a log ending below the checkpointed log start is deleted whole and starts again, empty, at
   * it. Returns the log end.
   */
  private loadLogStart(checkpointed: number, end: number): number {
    const firstBase = this.segments[0]?.baseOffset ?? checkpointed;
    let validEnd = end;
    if (validEnd < checkpointed) {
      codeProbe('log-recovery-below-log-start');
      this.dropAllSegments();
      this.records.length = checkpointed;
      validEnd = checkpointed;
      this.segments.push(this.newSegment(checkpointed));
      this.disk.writeFile(this.segments[0].path, []);
    }
    this.logStartOffset = Math.max(checkpointed, firstBase);
    return validEnd;
  }

  /** LogSegment.recover's leaderEpochCache.assign for each batch re-validated, [from, end). */
  private reassignEpochs(from: number, end: number): void {
    this.epochs.truncateFromEnd(from);
    let latest = this.epochs.latestEpoch();
    for (let i = from; i < end; i++) {
      const r = this.records[i];
      if (r.gap !== true && r.epoch !== latest) {
        this.epochs.assign(r.epoch, r.offset);
        latest = r.epoch;
      }
    }
  }

  /** A fresh segment at `baseOffset` (LogSegment.open); the caller creates its file. */
  private newSegment(baseOffset: number): Segment {
    this.onStorage?.({ kind: 'segment', offset: baseOffset });
    const now = this.nowUs();
    const path = `${this.dir}/${segmentFile(baseOffset)}`;
    return { baseOffset, path, bytes: 0, firstAppendUs: -1, createdUs: now, largestUs: now };
  }

  /** Deletes every segment file (truncateFullyAndStartAt, a log ending below its start). */
  private dropAllSegments(): void {
    for (const seg of this.segments) this.onStorage?.({ kind: 'segment-deleted', offset: seg.baseOffset });
    for (const f of segmentFiles(this.disk, this.dir)) this.disk.delete(f.path);
    this.segments = [];
  }

  /**
   * Sets the log start offset and tells the partition. Records below it stay in memory while
   * their segment exists (Kafka keeps them on disk, unserved); a deleted segment's are blanked.
   */
  private setLogStart(offset: number, reason: LogStartReason): void {
    const from = this.logStartOffset;
    this.logStartOffset = offset;
    if (from !== offset)
      this.onLogStartMove?.({ from, to: offset, reason, hw: this.hwOffset, leo: this.records.length });
  }

  /** Blanks the records of deleted segments, [from, to): nothing may read them again. */
  private blank(from: number, to: number): void {
    const recs = this.records;
    for (let o = from; o < to; o++) recs[o] = HOLE;
  }

  /**
   * Cuts the segments to hold [0, offset): deletes those starting above it, truncates the one
   * holding it (LocalLog.truncateTo: segments with baseOffset > target go, the active one is cut).
   */
  private cutSegmentsTo(offset: number): void {
    while (this.segments.length > 1 && this.segments[this.segments.length - 1].baseOffset > offset) {
      const gone = this.segments.pop()!;
      codeProbe('truncate-deletes-segment');
      this.onStorage?.({ kind: 'segment-deleted', offset: gone.baseOffset });
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
      active = this.newSegment(this.records.length);
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
    const seg = this.newSegment(base);
    this.disk.writeFile(seg.path, []); // LogSegment.open creates the file
    this.segments.push(seg);
    const snapshot = this.takeSnapshot(base, false);
    this.schedule(() => {
      // flushProducerStateSnapshot (Utils.flushFileIfExists), then the segments.
      if (this.disk.exists(snapshot)) this.disk.fsync(snapshot);
      this.flushUpTo(base);
    });
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
    this.onStorage?.({ kind: 'recovery-point', offset: target });
    this.unflushed = this.records.length - target;
  }

  /**
   * Appends one batch as leader in `leaderEpoch`; returns its first offset. The caller has
   * checked the producer sequence.
   */
  appendAsLeader(
    batch: readonly ProducedRecord[],
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
    for (let i = 0; i < n; i++) batchBytes += recordSizeBytes(batch[i]);
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
      const padBytes = batch[i].padBytes;
      if (padBytes !== undefined && padBytes > 0) r.padBytes = padBytes;
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
  appendAsFollower(fetched: readonly LogRecord[]): void {
    const first = this.records.length;
    if (fetched.length === 0) return;
    // UnifiedLog.append refuses a first offset below the log end (UnexpectedAppendOffsetException);
    // one above it, or offsets that jump (the leader's gaps), leave gaps here too.
    if (fetched[0].offset < first)
      throw new Error(`${this.dir}: follower append at ${fetched[0].offset}, LEO ${first}`);
    const records = this.withGaps(fetched, first);
    const n = records.length;
    let latest = this.epochs.latestEpoch();
    // UnifiedLog.append → maybeRoll once for the whole fetched set of batches.
    let bytes = 0;
    for (let i = 0; i < n; i++) {
      const r = records[i] as ModelRecord;
      const firstInBatch =
        i === 0
          ? first === 0 || this.records[first - 1] === undefined || this.records[first - 1].lastInBatch
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
      if (r.gap !== true && r.epoch !== latest) {
        this.epochs.assign(r.epoch, r.offset);
        latest = r.epoch;
      }
      const prev = this.records[this.records.length - 1];
      const firstInBatch = prev === undefined || prev.lastInBatch;
      this.records.push(r);
      this.appendTo(seg, r, recordBytes(r, firstInBatch));
    }
    this.producers.onRecords(this.records, first, first + n, (txn) => this.indexCompleted(txn));
    this.maybeFlush(n);
  }

  /** `fetched`, with a gap (gapAt) at every offset from `first` on that it skips. */
  private withGaps(fetched: readonly LogRecord[], first: number): readonly LogRecord[] {
    const n = fetched.length;
    if (fetched[0].offset === first && fetched[n - 1].offset === first + n - 1) return fetched;
    codeProbe('follower-appended-past-gap');
    this.mayHoldGaps = true;
    const out: LogRecord[] = [];
    for (const r of fetched) {
      const prev = out[out.length - 1] as ModelRecord | undefined;
      // A batch's offsets are consecutive (its records carry base offset + delta): offsets may
      // jump only between batches.
      if (first + out.length < r.offset)
        assert(
          prev === undefined || prev.lastInBatch,
          'consecutive offsets in a batch of {}: offset {} follows {} inside one batch',
          this.dir,
          r.offset,
          prev?.offset ?? -1,
        );
      while (first + out.length < r.offset) out.push(gapAt(first + out.length));
      out.push(r);
    }
    return out;
  }

  // ===================================================================================
  // The log start offset and retention

  /**
   * UnifiedLog.deleteOldSegments (LogManager.cleanupLogs every log.retention.check.interval.ms):
   * the segments below the log start, then by retention.bytes, then by retention.ms. Returns
   * how many segments went.
   */
  deleteOldSegments(): number {
    let deleted = this.deleteWhile((_seg, next) => next !== undefined && next.baseOffset <= this.logStartOffset);
    if (this.retentionBytes >= 0) {
      // deleteRetentionSizeBreachedSegments: the oldest segments while the log stays ≥ retention.bytes.
      const size = this.sizeBytes();
      let diff = size - this.retentionBytes;
      if (size >= this.retentionBytes)
        deleted += this.deleteWhile((seg) => {
          if (diff - seg.bytes < 0) return false;
          diff -= seg.bytes;
          return true;
        });
    }
    if (this.retentionUs >= 0) {
      // deleteRetentionMsBreachedSegments: now - segment.largestTimestamp > retention.ms.
      const now = this.nowUs();
      deleted += this.deleteWhile((seg) => now - seg.largestUs > this.retentionUs);
    }
    return deleted;
  }

  /**
   * UnifiedLog.deletableSegments + deleteSegments: the oldest segments while `predicate` holds,
   * each wholly below the HW ("we don't delete segments with offsets at or beyond the high
   * watermark to ensure that the log start offset can never exceed it"), never a last segment
   * that is empty; deleting them all rolls a new active segment first. The log start moves to
   * the first segment kept (maybeIncrementLogStartOffset, reason SegmentDeletion), then the
   * files go (LocalLog.removeAndDeleteSegments with asyncDelete: renamed `.deleted` and removed
   * file.delete.delay.ms later; the model removes them at once, which a reader cannot tell apart).
   */
  private deleteWhile(predicate: (seg: Segment, next: Segment | undefined) => boolean): number {
    const segs = this.segments;
    let n = 0;
    while (n < segs.length) {
      const seg = segs[n];
      const next = n + 1 < segs.length ? segs[n + 1] : undefined;
      const upperBound = next !== undefined ? next.baseOffset : this.records.length;
      const lastAndEmpty = next === undefined && seg.bytes === 0;
      if (!(this.hwOffset >= upperBound && predicate(seg, next)) || lastAndEmpty) break;
      n++;
    }
    if (n === 0) return 0;
    if (n === segs.length) {
      codeProbe('retention-rolled-active-segment');
      this.roll();
    }
    const gone = this.segments.splice(0, n);
    const keptBase = this.segments[0].baseOffset;
    codeProbe('retention-deleted-segment');
    this.maybeIncrementLogStartOffset(keptBase, 'segment-deletion');
    const goneBases = new Set(gone.map((g) => g.baseOffset));
    this.deleteSnapshots((o) => goneBases.has(o));
    for (const seg of gone) {
      this.onStorage?.({ kind: 'segment-deleted', offset: seg.baseOffset });
      this.disk.delete(seg.path);
    }
    this.blank(gone[0].baseOffset, keptBase);
    return n;
  }

  /**
   * UnifiedLog.maybeIncrementLogStartOffset: never past the HW (OffsetOutOfRangeException);
   * a higher start trims the epoch cache from the start (truncateFromStart, flushed as its
   * version flushes truncations) and moves the recovery point up to it (updateLogStartOffset).
   * The producer state keeps its producers and ongoing transactions (onLogStartOffsetIncremented
   * drops only unreplicated transactions whose marker is below the new start): producers leave by
   * producer.id.expiration.ms; the LSO is raised to the log start (see lso).
   * Returns true when the log start moved.
   */
  maybeIncrementLogStartOffset(offset: number, reason: LogStartReason): boolean {
    if (offset > this.hwOffset) {
      codeProbe('log-start-above-hw-refused');
      return false;
    }
    if (offset <= this.logStartOffset) return false;
    if (this.recoveryPoint < offset) this.setRecoveryPoint(offset);
    this.unflushed = this.records.length - this.recoveryPoint;
    this.setLogStart(offset, reason);
    this.epochs.truncateFromStart(offset);
    this.producers.onLogStartOffsetIncremented(offset);
    return true;
  }

  /**
   * UnifiedLog.truncateFullyAndStartAt (AbstractFetcherThread.fetchOffsetAndTruncate, when the
   * leader's log start is above this log's end): every segment goes, a new one starts at
   * `offset`, the epoch cache and producer state are cleared, log start = HW = LEO = offset.
   */
  truncateFullyAndStartAt(offset: number): void {
    codeProbe('log-truncated-fully');
    const oldFirst = this.segments[0]?.baseOffset ?? this.records.length;
    this.deleteSnapshots(() => true);
    this.dropAllSegments();
    this.blank(Math.min(oldFirst, offset), Math.min(this.records.length, offset));
    this.records.length = offset;
    const seg = this.newSegment(offset);
    this.disk.writeFile(seg.path, []);
    this.segments.push(seg);
    this.epochs.clearAndFlush();
    this.producers.rebuild(this.records, offset);
    // LocalLog.updateLogEndOffset: the recovery point only comes down to the new end.
    if (this.recoveryPoint > offset) this.setRecoveryPoint(offset);
    this.unflushed = offset - this.recoveryPoint;
    this.hwOffset = offset;
    this.setLogStart(offset, 'truncate-fully');
    this.abortedTxns.length = 0;
  }

  // ===================================================================================
  // Transactions (issue 17 item 2)

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
  private indexCompleted(txn: CompletedTxn, states: ProducerStates = this.producers): void {
    if (!txn.isAborted) return;
    codeProbe('txn-aborted-indexed');
    const lastStableOffset = states.lastStableOffsetAfter(txn);
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
    // UnifiedLog.truncateTo: below the first segment, truncateFullyAndStartAt(target).
    if (offset < (this.segments[0]?.baseOffset ?? 0)) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    this.deleteSnapshots((o) => o > offset);
    this.cutRecordsTo(offset);
    this.epochs.truncateFromEnd(offset);
    if (this.hwOffset > offset) this.hwOffset = offset; // HW ≤ LEO: the new LEO is offset
    if (this.recoveryPoint > offset) this.setRecoveryPoint(offset);
    this.unflushed = offset - this.recoveryPoint;
    // logStartOffset = min(targetOffset, logStartOffset).
    if (offset < this.logStartOffset) codeProbe('truncate-below-log-start');
    if (offset < this.logStartOffset) this.setLogStart(offset, 'truncate-below');
    // LogSegment.truncateTo → TransactionIndex.truncateTo: entries whose marker is cut go.
    this.truncateAbortedTxns(offset);
    // UnifiedLog.truncateTo → ProducerStateManager.truncateAndReload (the zoo variant keeps it):
    // the latest snapshot at or below the target, then the log. The model keeps no snapshot
    // files; what a snapshot would restore of the producers whose batches lie below the log
    // start, the state in memory still holds.
    if (!this.producers.keepOnTruncate) {
      this.producers.reload(this.records, this.logStartOffset);
      this.producers.onHighWatermarkUpdated(this.hwOffset);
    }
    return true;
  }

  /**
   * LocalLog.truncateTo(target): the segment file is cut at translateOffset(target), the start
   * of the batch whose last offset is ≥ target (FileRecords.searchForOffsetWithSize), and the
   * log end set to the target (updateLogEndOffset). A target inside a batch (a leader that lost
   * its log and wrote other batches in the same epoch, in ZooKeeper mode; or a divergence
   * answered with the leader's log start, where truncateFromStart moved its first epoch, inside
   * the follower's divergent batch) so cuts that whole batch and leaves its offsets below the
   * target as gaps.
   */
  private cutRecordsTo(offset: number): void {
    let batchStart = offset;
    const recs = this.records;
    const base = this.segmentFor(offset)?.baseOffset ?? 0;
    while (batchStart > base && recs[batchStart - 1] !== HOLE && !recs[batchStart - 1].lastInBatch) batchStart--;
    this.records.length = batchStart;
    this.cutSegmentsTo(batchStart);
    if (batchStart === offset) return;
    codeProbe('truncate-inside-batch');
    this.mayHoldGaps = true;
    const active = this.segments[this.segments.length - 1];
    for (let o = batchStart; o < offset; o++) {
      const gap = gapAt(o);
      this.records.push(gap);
      this.disk.append(active.path, gap, 0);
    }
  }

  /** The segment holding `offset` (the last whose base offset is ≤ it), if any. */
  private segmentFor(offset: number): Segment | undefined {
    let found: Segment | undefined;
    for (const seg of this.segments) if (seg.baseOffset <= offset) found = seg;
    return found;
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
    assert(
      from >= this.logStartOffset,
      'read at or above the log start in {}: from {}, log start {}',
      this.dir,
      from,
      this.logStartOffset,
    );
    const recs = this.records;
    // LogSegment.read → translateOffset: the first batch whose last offset is ≥ from (past a gap).
    if (this.mayHoldGaps) while (from < maxEnd && recs[from].gap === true) from++;
    let end = from + maxRecords;
    if (end > maxEnd) end = maxEnd;
    if (end <= from) return EMPTY;
    while (end < maxEnd && !recs[end - 1].lastInBatch) end++;
    const out = recs.slice(from, end);
    return this.mayHoldGaps ? out.filter((r) => r.gap !== true) : out;
  }

  /**
   * No batch holds an offset at or past `from` (LogSegment.read's translateOffset finds none in
   * any segment): every offset from it to the log end is a gap (see gapAt), or it is the log end.
   */
  onlyGapsFrom(from: number): boolean {
    if (!this.mayHoldGaps) return from >= this.leo;
    for (let o = Math.max(from, this.logStartOffset); o < this.leo; o++) if (this.records[o].gap !== true) return false;
    return true;
  }

  /**
   * The records for a coordinator loading its log: `records` itself, or, once the log may hold
   * gaps (see gapAt), a copy without them (nor the holes below the log start).
   */
  dataRecords(): readonly ModelRecord[] {
    if (!this.mayHoldGaps) return this.records;
    return this.records.filter((r) => r !== HOLE && r.gap !== true);
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
    const now = this.nowUs();
    if (seg.firstAppendUs < 0) seg.firstAppendUs = now;
    seg.largestUs = now;
  }

  private maybeFlush(appended: number): void {
    this.unflushed += appended;
    const interval = this.flushIntervalMessages;
    if (interval !== null && this.unflushed >= interval) this.flush();
  }
}

const EMPTY: ModelRecord[] = [];

/**
 * The placeholder at an offset the log counts but holds no record at (ModelRecord.gap): after
 * LocalLog.truncateTo cut a whole batch (LogSegment.truncateTo truncates the file at
 * translateOffset(target), the batch whose last offset is ≥ target) and then set the log end
 * to the target (updateLogEndOffset(targetOffset)); or below a fetched set that starts past the
 * follower's log end (UnifiedLog.append refuses only a first offset below it).
 */
function gapAt(offset: number): ModelRecord {
  const none = { epoch: -1, producerId: -1, sequence: -1, producerEpoch: -1 };
  return { offset, ...none, key: null, value: '', lastInBatch: true, gap: true };
}
/** A deleted record's slot: the array stays dense, and nothing reads below the first segment. */
const HOLE = undefined as unknown as ModelRecord;

/** DefaultRecordBatch.RECORD_BATCH_OVERHEAD: the batch header, with its CRC. */
const BATCH_OVERHEAD_BYTES = 61;

/** A record whose bytes after the batch header read back as zeros (a page that never reached the disk). */
function zeroed(r: ModelRecord): ModelRecord {
  return { ...r, key: r.key === null ? null : '\u0000'.repeat(r.key.length), value: '\u0000'.repeat(r.value.length) };
}

/** Bytes one record takes in the segment file (the batch header counted on its first record). */
function recordBytes(r: ModelRecord, firstInBatch: boolean): number {
  if (r.gap === true) return 0;
  const body = recordSizeBytes(r);
  return firstInBatch ? BATCH_OVERHEAD_BYTES + body : body;
}

/**
 * A producer snapshot file's entries, or undefined when it is corrupt (ProducerStateManager
 * .readSnapshot: the file starts with a version and a CRC over the entries; an empty file, a
 * torn one or one whose entries a power loss cut short fails schema or CRC validation:
 * CorruptSnapshotException). The model's header holds the entry count in place of the CRC.
 */
function snapshotEntries(content: readonly unknown[]): unknown[] | undefined {
  if (content.some(isTorn)) return undefined;
  const header = content[0] as { snapshotHeader?: boolean; producers?: number } | undefined;
  if (header?.snapshotHeader !== true || header.producers !== content.length - 1) return undefined;
  return content.slice(1);
}
