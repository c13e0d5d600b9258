// The leader-epoch cache of one replica (Kafka's LeaderEpochFileCache): epoch → start offset,
// checkpointed to `leader-epoch-checkpoint` as Kafka writes it.
//
// Rules (KIP-101, KIP-279):
// - Entries are strictly increasing in both epoch and start offset; assigning an entry first
//   drops every entry that would break that (maybeTruncateNonMonotonicEntries).
// - endOffsetFor(epoch) answers OffsetsForLeaderEpoch / the Fetch divergence check: the
//   largest known epoch ≤ the requested one and the start offset of the next higher epoch,
//   or the log end offset when the requested epoch is the latest (KIP-279 names the epoch).
// - truncateFromEnd(offset) drops entries starting at or after a truncation point.
// Writing the checkpoint (CheckpointFile.write: a temporary file, fsynced, moved into place by
// Utils.atomicMoveWithFallback, which flushes the directory):
// - assign writes it synchronously, fsynced, in every version (writeToFile), so the file never
//   misses an entry the log has.
// - A truncation writes it by the version's rule (`EpochTruncationFlush`): 3.6 synchronously
//   and fsynced (LeaderEpochFileCache.truncateFromEnd → flush); 3.7 at once but without fsync
//   or directory flush (KAFKA-15046's first form, writeToFile(false) → CheckpointFile.write(…,
//   sync = false), which KAFKA-16541 found can leave a corrupt or empty checkpoint after an OS
//   crash); 3.8 on (KAFKA-16541's fix, truncateFromEndAsyncFlush) fsynced, but later, by a
//   task on the broker's scheduler (scheduleOnce("leader-epoch-cache-flush-…",
//   writeIfDirExists)) that writes the entries as they are when it runs. Until then the file
//   holds stale entries past the truncation point, which recovery trims again (LogLoader).
// Asserted (model/assert.ts): every entry loaded from the checkpoint lies strictly above the
// previous one (assign and truncateFromEnd keep the order by construction); ReplicaLog asserts
// that an epoch a caller starts starts at or below the LEO.

import type { Disk } from '../harness/types.ts';
import type { EpochEntry } from '../checkers/cluster-state.ts';
import { isTorn } from '../harness/disk.ts';
import { assert } from './assert.ts';
import { codeProbe } from './code-probes.ts';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

/** How a truncation reaches the checkpoint: see the module comment. */
export type EpochTruncationFlush = 'sync' | 'unsynced' | 'async';

export class LeaderEpochCache {
  /** Sorted by epoch and start offset. Entries are immutable; the array is live (snapshots read it). */
  readonly entries: EpochEntry[] = [];
  private readonly dir: string;
  private readonly path: string;
  private readonly tmpPath: string;

  /**
   * `scheduleFlush` runs a task on the broker's scheduler (absent: at once, as a test's cache
   * with no broker around it).
   */
  constructor(
    private readonly disk: Disk,
    dir: string,
    private readonly truncationFlush: EpochTruncationFlush = 'async',
    private readonly scheduleFlush: (task: () => void) => void = (task) => task(),
  ) {
    this.dir = dir;
    this.path = `${dir}/leader-epoch-checkpoint`;
    this.tmpPath = `${dir}/leader-epoch-checkpoint.tmp`;
  }

  /** Loads the checkpoint (a torn or half-written temporary file is ignored, as Kafka does). */
  load(): void {
    this.entries.length = 0;
    if (this.disk.exists(this.tmpPath)) codeProbe('epoch-checkpoint-tmp-discarded');
    if (this.disk.exists(this.tmpPath)) this.disk.delete(this.tmpPath);
    for (const entry of this.disk.read(this.path)) {
      if (isTorn(entry)) break;
      this.assertAbove(entry as EpochEntry);
      this.entries.push(entry as EpochEntry);
    }
  }

  /** The entry about to be pushed lies strictly above the current last one in epoch and start offset. */
  private assertAbove(next: EpochEntry): void {
    const n = this.entries.length;
    if (n === 0) return;
    const last = this.entries[n - 1];
    assert(
      last.epoch < next.epoch && last.startOffset < next.startOffset,
      'epoch cache ascending in {}: entry (epoch {}, start {}) after (epoch {}, start {})',
      this.path,
      next.epoch,
      next.startOffset,
      last.epoch,
      last.startOffset,
    );
  }

  latestEpoch(): number {
    const n = this.entries.length;
    return n === 0 ? UNDEFINED_EPOCH : this.entries[n - 1].epoch;
  }

  /** Start offset of an epoch the cache knows, or -1. */
  startOffsetOf(epoch: number): number {
    for (let i = this.entries.length - 1; i >= 0; i--)
      if (this.entries[i].epoch === epoch) return this.entries[i].startOffset;
    return -1;
  }

  /** Kafka's assign(epoch, startOffset); returns true when the cache changed (and was checkpointed). */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) throw new Error(`epoch cache: invalid entry (${epoch}, ${startOffset})`);
    const n = this.entries.length;
    if (n > 0) {
      const last = this.entries[n - 1];
      if (last.epoch === epoch && startOffset >= last.startOffset) return false;
    }
    // Drop entries that would break monotonicity.
    let keep = this.entries.length;
    while (keep > 0) {
      const e = this.entries[keep - 1];
      if (e.epoch >= epoch || e.startOffset >= startOffset) keep--;
      else break;
    }
    if (keep < this.entries.length) codeProbe('epoch-cache-non-monotonic-dropped');
    this.entries.length = keep;
    this.entries.push({ epoch, startOffset });
    this.writeToFile(true);
    return true;
  }

  /** Removes entries whose start offset is ≥ endOffset (after a log truncation). */
  truncateFromEnd(endOffset: number): void {
    const n = this.entries.length;
    if (endOffset < 0 || n === 0 || this.entries[n - 1].startOffset < endOffset) return;
    let keep = n;
    while (keep > 0 && this.entries[keep - 1].startOffset >= endOffset) keep--;
    this.entries.length = keep;
    this.writeTruncation();
  }

  /** A truncation's checkpoint write, as the version does it (see the module comment). */
  private writeTruncation(): void {
    switch (this.truncationFlush) {
      case 'sync':
        this.writeToFile(true);
        break;
      case 'unsynced':
        codeProbe('epoch-checkpoint-unsynced-write');
        this.writeToFile(false);
        break;
      case 'async':
        this.scheduleFlush(() => this.writeToFile(true));
        break;
    }
  }

  /**
   * LeaderEpochFileCache.truncateFromStart (the log start moved up to `startOffset`): entries
   * starting at or below it go and the last of them comes back starting at it. The checkpoint
   * is written as the version writes truncations (truncateFromStartAsyncFlush from 3.8, an
   * unsynced write in 3.7, flush() in 3.6), like truncateFromEnd.
   */
  truncateFromStart(startOffset: number): void {
    let removed = 0;
    while (removed < this.entries.length && this.entries[removed].startOffset <= startOffset) removed++;
    if (removed === 0) return;
    const first = { epoch: this.entries[removed - 1].epoch, startOffset };
    if (removed > 1 || this.entries[0].startOffset !== startOffset) codeProbe('epoch-cache-truncated-from-start');
    this.entries.splice(0, removed, first);
    this.writeTruncation();
  }

  /** LeaderEpochFileCache.clearAndFlush (truncateFullyAndStartAt): no entries, written and fsynced. */
  clearAndFlush(): void {
    this.entries.length = 0;
    this.writeToFile(true);
  }

  /**
   * (epoch, endOffset) for a requested epoch (KIP-279): the requested epoch and the log end
   * offset when it is the latest; otherwise the largest epoch ≤ requested and the start offset
   * of the first epoch above it; (-1, -1) when unknown.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    const n = this.entries.length;
    if (requestedEpoch === UNDEFINED_EPOCH || n === 0)
      return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.entries[n - 1].epoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    // First entry with epoch > requested.
    let higher = -1;
    for (let i = 0; i < n; i++) {
      if (this.entries[i].epoch > requestedEpoch) {
        higher = i;
        break;
      }
    }
    if (higher < 0) codeProbe('epoch-lookup-above-latest');
    if (higher === 0) codeProbe('epoch-lookup-below-oldest');
    if (higher < 0) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (higher === 0) return { epoch: requestedEpoch, endOffset: this.entries[0].startOffset };
    return { epoch: this.entries[higher - 1].epoch, endOffset: this.entries[higher].startOffset };
  }

  /** CheckpointFile.write(entries, sync): the temporary file fsynced and the directory flushed only with `sync`. */
  private writeToFile(sync: boolean): void {
    this.disk.writeFile(this.tmpPath, this.entries);
    if (sync) this.disk.fsync(this.tmpPath);
    this.disk.rename(this.tmpPath, this.path);
    if (sync) this.disk.fsyncDir(this.dir);
  }
}
