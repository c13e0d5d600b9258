// One replica's log on one broker (Kafka's UnifiedLog with a single segment): records with
// (offset, leader epoch, producer id/epoch/sequence, key, value), the log end offset (LEO)
// and high watermark (HW), both exclusive, the leader-epoch cache and the idempotence state.
//
// Disk layout (per partition directory `<topic>-<partition>/`):
// - `00000000000000000000.log`: one entry per record, appended to the page cache; fsynced only
//   by the flush policy (`log.flush.interval.messages`, null = never) or a clean shutdown.
// - `leader-epoch-checkpoint`: see epoch-cache.ts.
// The broker keeps the per-broker files `replication-offset-checkpoint` (HW),
// `recovery-point-offset-checkpoint` and `.kafka_cleanshutdown` (see broker.ts).
//
// Recovery (Kafka's LogLoader): after a clean shutdown the log is trusted. After an unclean
// one, records from the recovery point on are validated: a torn entry (bad CRC) and
// everything after it is discarded, as is a trailing partial batch (Kafka writes a batch as
// one unit with one CRC); the epoch cache is rebuilt over the recovered range and trimmed to
// the new log end; the producer state is rebuilt from the log; HW = checkpoint clamped to the
// LEO.
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
import type { LogRecord } from './client-protocol.ts';
import { LeaderEpochCache, type EpochTruncationFlush } from './epoch-cache.ts';
import { ProducerStates } from './producer-state.ts';
import { codeProbe } from './code-probes.ts';

/** A record as the model stores it: Kafka's batch header fields the log needs. */
export interface ModelRecord extends LogRecord {
  readonly producerEpoch: number;
  /** Last record of its batch (batches are written, read and recovered whole). */
  readonly lastInBatch: boolean;
}

export const LOG_FILE = '00000000000000000000.log';

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
  /** Everything below is fsynced (Kafka's recovery point). */
  recoveryPoint = 0;
  private unflushed = 0;
  readonly logPath: string;

  constructor(
    private readonly disk: Disk,
    readonly dir: string,
    /** log.flush.interval.messages; null = never fsync on count. */
    private readonly flushIntervalMessages: number | null,
    /** How the epoch cache writes its checkpoint after a truncation, and the scheduler it uses (epoch-cache.ts). */
    epochCheckpoint?: { truncationFlush: EpochTruncationFlush; scheduleFlush: (task: () => void) => void },
  ) {
    this.logPath = `${dir}/${LOG_FILE}`;
    this.epochs = new LeaderEpochCache(disk, dir, epochCheckpoint?.truncationFlush, epochCheckpoint?.scheduleFlush);
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
    const entries = this.disk.read(this.logPath);
    const total = entries.length;
    let validEnd = total;
    if (!info.cleanShutdown) {
      const from = Math.min(info.recoveryPoint, total);
      for (let i = from; i < total; i++) {
        if (isTorn(entries[i])) {
          codeProbe('log-recovery-torn-entry');
          validEnd = i;
          break;
        }
      }
    } else {
      // A clean start trusts the log (LogLoader skips recovery). A torn entry can still be
      // there when the marker's deletion at the last start never committed (LogManager deletes
      // it without a directory flush) and the power failed mid-writeback: Kafka would fail
      // reads past it (CorruptRecordException); the model cuts it there so it can go on.
      for (let i = 0; i < total; i++) {
        if (isTorn(entries[i])) {
          codeProbe('clean-start-torn-log');
          validEnd = i;
          break;
        }
      }
    }
    if (!info.cleanShutdown || validEnd < total) {
      if (validEnd > 0 && !(entries[validEnd - 1] as ModelRecord).lastInBatch) codeProbe('log-recovery-partial-batch');
      while (validEnd > 0 && !(entries[validEnd - 1] as ModelRecord).lastInBatch) validEnd--;
    }
    this.records.length = 0;
    for (let i = 0; i < validEnd; i++) this.records.push(entries[i] as ModelRecord);
    if (validEnd < total) codeProbe('log-recovery-dropped-tail');
    if (validEnd < total) this.disk.truncate(this.logPath, validEnd);

    this.epochs.load();
    if (!info.cleanShutdown) {
      const from = Math.min(info.recoveryPoint, validEnd);
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
    this.producers.rebuild(this.records);
    this.recoveryPoint = info.cleanShutdown ? validEnd : Math.min(info.recoveryPoint, validEnd);
    this.unflushed = validEnd - this.recoveryPoint;
    if (info.hwCheckpoint > validEnd) codeProbe('log-recovery-hw-above-log-end');
    this.setHw(Math.max(0, Math.min(info.hwCheckpoint, validEnd)));
    return validEnd < total ? validEnd : -1;
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
  ): number {
    const first = this.records.length;
    if (this.epochs.latestEpoch() !== leaderEpoch) this.epochs.assign(leaderEpoch, first);
    const n = batch.length;
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
      this.records.push(r);
      this.disk.append(this.logPath, r, recordBytes(r, i === 0));
    }
    if (producerId >= 0 && n > 0) {
      this.producers.onBatch(producerId, producerEpoch, {
        firstSeq: baseSequence,
        lastSeq: baseSequence + n - 1,
        firstOffset: first,
        lastOffset: first + n - 1,
      });
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
      this.disk.append(this.logPath, r, recordBytes(r, firstInBatch));
    }
    this.producers.onRecords(this.records, first, first + n);
    this.maybeFlush(n);
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
    this.disk.truncate(this.logPath, offset);
    this.epochs.truncateFromEnd(offset);
    if (this.hwOffset > offset) this.hwOffset = offset; // HW ≤ LEO: the new LEO is offset
    if (this.recoveryPoint > offset) this.recoveryPoint = offset;
    this.unflushed = offset - this.recoveryPoint;
    // UnifiedLog.truncateTo → ProducerStateManager.truncateAndReload (the zoo variant keeps it).
    if (!this.producers.keepOnTruncate) this.producers.rebuild(this.records);
    return true;
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
    this.disk.fsync(this.logPath);
    this.recoveryPoint = this.records.length;
    this.unflushed = 0;
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
