// A node's simulated disk: files of opaque entries, with a page cache, fsync and atomic rename.
//
// Fault model (what must and must not hold):
// - A write (append, writeFile) lands in the page cache. Reads always see the page cache.
// - fsync(path) makes everything written to that file so far durable.
// - A process crash (kill -9) loses nothing: the page cache belongs to the operating system.
// - A power loss keeps, for every file, exactly its durable prefix: every unflushed byte is
//   lost, no flushed byte is. With `tornTail`, a file whose unflushed part is non-empty
//   keeps one TornEntry after its durable prefix (a partially written record, which the
//   reader must detect and discard, as Kafka's log recovery does with a bad CRC).
// - With `writtenBack`, the operating system had already written back a prefix of each
//   file's unflushed entries (background writeback): that many survive after the durable
//   prefix, and a torn tail, if asked, comes after them.
// - truncate is a journaled metadata operation: durable at once. Truncating below the
//   durable prefix shortens the durable prefix.
// - rename is atomic and durable at once; the renamed file carries its durable prefix, so
//   renaming a file that was never fsynced and then losing power leaves it empty (the
//   classic zero-length-file-after-rename), which is why checkpoints write, fsync, rename.
// - Entries are stored by reference and must be treated as immutable by writers.

import type { Disk, TornEntry } from './types.ts';

interface SimFile {
  entries: unknown[];
  sizes: number[];
  /** entries[0, durableCount) are durable. */
  durableCount: number;
}

export function isTorn(entry: unknown): entry is TornEntry {
  return typeof entry === 'object' && entry !== null && (entry as { torn?: unknown }).torn === true;
}

export class SimDisk implements Disk {
  private readonly files = new Map<string, SimFile>();

  exists(path: string): boolean {
    return this.files.has(path);
  }

  read(path: string): readonly unknown[] {
    return this.files.get(path)?.entries ?? EMPTY;
  }

  length(path: string): number {
    return this.files.get(path)?.entries.length ?? 0;
  }

  append(path: string, entry: unknown, sizeBytes = 1): void {
    const file = this.fileFor(path);
    file.entries.push(entry);
    file.sizes.push(sizeBytes);
  }

  truncate(path: string, entryCount: number): void {
    const file = this.files.get(path);
    if (file === undefined) return;
    if (entryCount < 0) throw new Error(`truncate ${path}: negative length ${entryCount}`);
    if (entryCount >= file.entries.length) return;
    file.entries.length = entryCount;
    file.sizes.length = entryCount;
    if (file.durableCount > entryCount) file.durableCount = entryCount;
  }

  writeFile(path: string, entries: readonly unknown[], sizeBytes?: number): void {
    // The total size is spread over the entries in whole bytes (the last one takes the rest).
    const n = entries.length;
    const each = sizeBytes === undefined ? 1 : Math.floor(sizeBytes / Math.max(1, n));
    const sizes = entries.map(() => each);
    if (sizeBytes !== undefined && n > 0) sizes[n - 1] = sizeBytes - each * (n - 1);
    this.files.set(path, { entries: entries.slice(), sizes, durableCount: 0 });
  }

  fsync(path: string): void {
    const file = this.files.get(path);
    if (file !== undefined) file.durableCount = file.entries.length;
  }

  rename(from: string, to: string): void {
    const file = this.files.get(from);
    if (file === undefined) throw new Error(`rename: no such file ${from}`);
    this.files.delete(from);
    this.files.set(to, file);
  }

  delete(path: string): void {
    this.files.delete(path);
  }

  list(prefix = ''): string[] {
    const paths: string[] = [];
    for (const path of this.files.keys()) if (path.startsWith(prefix)) paths.push(path);
    return paths.sort();
  }

  unflushedBytes(): number {
    let total = 0;
    for (const file of this.files.values()) {
      for (let i = file.durableCount; i < file.sizes.length; i++) total += file.sizes[i];
    }
    return total;
  }

  durableBytes(): number {
    let total = 0;
    for (const file of this.files.values()) {
      for (let i = 0; i < file.durableCount; i++) total += file.sizes[i];
    }
    return total;
  }

  /**
   * Power loss: every file keeps exactly its durable prefix (plus a torn entry if asked), and
   * `writtenBack(n)` of its n unflushed entries when given (clamped to [0, n]).
   */
  losePower(tornTail: boolean, writtenBack?: (unflushed: number) => number): void {
    for (const file of this.files.values()) {
      const unflushed = file.entries.length - file.durableCount;
      if (writtenBack !== undefined && unflushed > 0) {
        file.durableCount += Math.max(0, Math.min(unflushed, Math.floor(writtenBack(unflushed))));
      }
      const hadUnflushed = file.entries.length > file.durableCount;
      const firstLost = hadUnflushed ? file.entries[file.durableCount] : undefined;
      file.entries.length = file.durableCount;
      file.sizes.length = file.durableCount;
      if (tornTail && hadUnflushed) {
        const torn: TornEntry = { torn: true, partial: firstLost };
        file.entries.push(torn);
        file.sizes.push(0);
        // The torn fragment reached the platter: it is what a reader finds after reboot.
        file.durableCount = file.entries.length;
      }
    }
  }

  private fileFor(path: string): SimFile {
    let file = this.files.get(path);
    if (file === undefined) {
      file = { entries: [], sizes: [], durableCount: 0 };
      this.files.set(path, file);
    }
    return file;
  }
}

const EMPTY: readonly unknown[] = Object.freeze([]);
