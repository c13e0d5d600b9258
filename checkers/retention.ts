// Records retention deleted (issue 12 item 3): Kafka's durability promise covers a record only
// until retention deletes it (log.retention.ms / log.retention.bytes: UnifiedLog
// .deleteOldSegments moves the log start offset past whole segments below the high watermark),
// so a committed record that no read returned is not lost when, at the time of the read that
// should have returned it, its offset lay below a log start offset retention had reached on a
// replica of its partition. The excuse is exact: it names the partition, the offset range and
// the time, and never covers an offset at or above that log start, nor a read made before the
// deletion.
//
// Assumes: the caller lists every deletion by retention (a replica's log start moving up by
// segment deletion) with its virtual time in the history's clock (µs). Log start moves that
// follow the leader's (a follower catching up) or a truncation are not deletions by retention
// and are not listed.

/** A replica of `topic`/`partition` deleted segments by retention: its log start rose to `logStartOffset`. */
export interface RetentionDeletion {
  readonly topic: string;
  readonly partition: number;
  readonly logStartOffset: number;
  readonly timeUs: number;
}

/** Per partition, the log start offsets retention reached, in time order. */
export class RetentionBounds {
  private readonly byPartition = new Map<string, Array<{ timeUs: number; offset: number }>>();

  constructor(deletions: readonly RetentionDeletion[] | undefined) {
    for (const d of deletions ?? []) {
      const key = `${d.topic}/${d.partition}`;
      let l = this.byPartition.get(key);
      if (l === undefined) this.byPartition.set(key, (l = []));
      l.push({ timeUs: d.timeUs, offset: d.logStartOffset });
    }
    for (const l of this.byPartition.values()) l.sort((a, b) => a.timeUs - b.timeUs);
  }

  /** Retention deleted something of this partition (`topic/partition`). */
  any(key: string): boolean {
    return this.byPartition.has(key);
  }

  /** The highest log start offset retention had reached on any replica of the partition by `timeUs` (0: none). */
  boundAt(key: string, timeUs: number): number {
    const l = this.byPartition.get(key);
    if (l === undefined) return 0;
    let bound = 0;
    for (const d of l) {
      if (d.timeUs > timeUs) break;
      if (d.offset > bound) bound = d.offset;
    }
    return bound;
  }
}
