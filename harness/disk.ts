// A node's simulated disk: files of opaque entries with byte sizes, behind a Linux page cache
// with background writeback, on a journaling file system (ext4, data=ordered, delayed
// allocation; no auto_da_alloc, which POSIX does not promise and Kafka does not rely on).
//
// Fault model (what must and must not hold), each rule after the Linux source or docs it
// follows:
// - A write (append, writeFile) lands in the page cache and dirties the file's pages from the
//   first byte it changes (pages of PAGE_BYTES). Reads always see the page cache.
// - Background writeback (Documentation/admin-guide/sysctl/vm.rst, dirty_expire_centisecs
//   and dirty_writeback_centisecs; fs/fs-writeback.c wb_check_old_data_flush, writeback_sb_inodes
//   with `older_than_this`): a flusher pass every WRITEBACK_INTERVAL_US (5 s) writes back every
//   file dirtied at least DIRTY_EXPIRE_US (30 s) before the pass. A file's dirty time is set
//   when it goes from clean to dirty and not moved by later writes (__mark_inode_dirty's
//   `dirtied_when`). The first pass comes at a seed-chosen phase of the interval.
// - fsync(path) writes back that file's dirty pages and commits the journal
//   (fs/ext4/fsync.c ext4_sync_file → jbd2 commit of the running transaction).
// - Metadata — creating a file, truncation, rename, delete — goes to one journal, in order,
//   and becomes durable only when the journal commits: at an fsync of any file, at fsyncDir,
//   and at every flusher pass (jbd2 commits every 5 s, JBD2_DEFAULT_MAX_COMMIT_AGE, the
//   `commit=` mount option of Documentation/filesystems/ext4/journal.rst; the model lines it
//   up with the flusher). data=ordered (ext4 docs, "Data Mode"): a file's data is written
//   before the metadata that exposes it commits, and with delayed allocation a file's size
//   grows on disk only when its data is written back. So a file created or renamed into
//   place, whose data was never written back, comes back zero-length after a power loss
//   once the journal committed (the classic zero-length-file-after-rename); a truncation not
//   yet committed comes back at its old length, with the old content.
// - The passes and commits run lazily, before the next operation on the disk (or the power
//   loss) that could see them; between two operations nothing changes, so running a pass late
//   is the same as running it on time. Nothing is scheduled: no event, no cost when idle.
// - A process crash (kill -9) loses nothing: the page cache belongs to the operating system,
//   whose flusher keeps running.
// - A power loss keeps, for every file the committed journal names, what was written back or
//   fsynced, page by page. With `midWriteback` (the scenario's "torn" power loss) the loss
//   struck while the kernel was writing dirty pages back (what KAFKA-16541 describes): for each
//   file with dirty pages, a seed-chosen number of them, taken in a seed-chosen order, reached
//   the disk, and the size update that exposes them did or did not commit (with unwritten
//   extents, ext4's default dioread_nolock since Linux 5.6, i_disksize can commit before the
//   data's I/O completes and the unwritten part reads back as zeros). The file then comes back
//   at its old length (nothing new visible), or at its new length with the entries whose pages
//   all reached the disk up to the first that did not — a stale tail or a hole of zeros, which
//   a reader finds invalid (Kafka: a bad CRC, a malformed checkpoint line). A reader stops at
//   the first invalid entry, as Kafka's do, so the rest is summarised by one TornEntry, which
//   also records, entry by entry, what the rest of the file holds (which pages reached the
//   disk) for a reader that checks nothing (the zoo's recovery-trusts-tail).
// - Entries are stored by reference and must be treated as immutable by writers.

import type { Disk, Rng, TornEntry, TornTailEntry } from './types.ts';

/** The page size of x86-64 Linux. */
const PAGE_BYTES = 4096;
/** dirty_writeback_centisecs = 500 (the default). */
const WRITEBACK_INTERVAL_US = 5_000_000;
/** dirty_expire_centisecs = 3000 (the default). */
const DIRTY_EXPIRE_US = 30_000_000;

/** One file (an inode): the page cache's view and the durable image. */
interface Inode {
  entries: unknown[];
  sizes: number[];
  /** The durable image: its own entries after a truncation cut into it, else the page cache's. */
  durableEntries: unknown[] | null;
  durableSizes: number[] | null;
  /** The durable image holds entries [0, durableCount) (of durableEntries, or of entries). */
  durableCount: number;
  /** Lowest entry count a truncation not yet committed cut the file to; -1 when none. */
  pendingCut: number;
  /** When the file went from clean to dirty (µs); -1 when clean. */
  dirtiedWhenUs: number;
}

export function isTorn(entry: unknown): entry is TornEntry {
  return typeof entry === 'object' && entry !== null && (entry as { torn?: unknown }).torn === true;
}

const NO_CLOCK = (): number => 0;

export class SimDisk implements Disk {
  /** The namespace as the running system sees it. */
  private readonly files = new Map<string, Inode>();
  /**
   * Each name's place in `files`' order: a number taken when the name enters `files` and kept
   * while it stays there, so ascending numbers are `files`' (insertion) order.
   */
  private readonly placeOf = new Map<string, number>();
  private nextPlace = 0;
  /**
   * The namespace as the committed journal has it, as what changed since the commit (null: the
   * same as `files`): each name changed since, with what it named at the commit (null: nothing)
   * and its place then. Kept instead of a copy of `files` at the first change after each commit
   * (every checkpoint's create and rename made one, a cost per checkpoint growing with the files).
   */
  private durableNames: Map<string, { file: Inode; place: number } | null> | null = null;
  /** Files with dirty pages. */
  private readonly dirty = new Set<Inode>();
  /** Truncations not yet committed. */
  private readonly cut = new Set<Inode>();
  private nextPassUs = -1;
  private rngCache: Rng | undefined;

  /**
   * `clock` gives virtual time in µs (absent: time stands still, so only fsync writes back);
   * `rng` is drawn for the flusher's phase and for what a power loss mid-writeback keeps.
   */
  constructor(
    private readonly clock: () => number = NO_CLOCK,
    private readonly rngOf?: () => Rng,
  ) {}

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
    this.catchUp();
    const file = this.fileFor(path);
    file.entries.push(entry);
    file.sizes.push(sizeBytes);
    this.markDirty(file);
  }

  truncate(path: string, entryCount: number): void {
    const file = this.files.get(path);
    if (file === undefined) return;
    if (entryCount < 0) throw new Error(`truncate ${path}: negative length ${entryCount}`);
    if (entryCount >= file.entries.length) return;
    this.catchUp();
    this.cutTo(file, entryCount);
  }

  writeFile(path: string, entries: readonly unknown[], sizeBytes?: number): void {
    // open(O_CREAT | O_TRUNC) and write: the old inode (if any) is truncated to 0 (metadata),
    // the new content is dirty. The total size is spread over the entries in whole bytes.
    this.catchUp();
    const n = entries.length;
    const each = sizeBytes === undefined ? 1 : Math.floor(sizeBytes / Math.max(1, n));
    const file = this.fileFor(path);
    if (file.entries.length > 0) this.cutTo(file, 0);
    for (let i = 0; i < n; i++) {
      file.entries.push(entries[i]);
      file.sizes.push(sizeBytes !== undefined && i === n - 1 ? sizeBytes - each * (n - 1) : each);
    }
    this.markDirty(file);
  }

  fsync(path: string): void {
    this.catchUp();
    const file = this.files.get(path);
    if (file !== undefined) this.writeBack(file);
    this.commit();
  }

  fsyncDir(_dir: string): void {
    this.catchUp();
    this.commit();
  }

  rename(from: string, to: string): void {
    const file = this.files.get(from);
    if (file === undefined) throw new Error(`rename: no such file ${from}`);
    this.catchUp();
    this.touchName(from);
    this.touchName(to);
    const replaced = this.files.get(to);
    if (replaced !== undefined && replaced !== file) this.forget(replaced);
    this.unname(from);
    this.name(to, file);
  }

  delete(path: string): void {
    const file = this.files.get(path);
    if (file === undefined) return;
    this.catchUp();
    this.touchName(path);
    this.unname(path);
    this.forget(file);
  }

  list(prefix = ''): string[] {
    const paths: string[] = [];
    for (const path of this.files.keys()) if (path.startsWith(prefix)) paths.push(path);
    return paths.sort();
  }

  /** Bytes of the page cache not (yet) in the durable image, over all files. */
  unflushedBytes(): number {
    this.catchUp();
    let total = 0;
    for (const file of this.files.values()) {
      const from = file.durableEntries === null ? file.durableCount : 0;
      for (let i = from; i < file.sizes.length; i++) total += file.sizes[i];
    }
    return total;
  }

  durableLength(path: string): number {
    this.catchUp();
    const file = this.files.get(path);
    if (file === undefined) return 0;
    const durable = file.durableEntries ?? file.entries;
    let n = 0;
    while (n < file.entries.length && n < file.durableCount && durable[n] === file.entries[n]) n++;
    return n;
  }

  /** Bytes in the durable image of the files the running system sees. */
  durableBytes(): number {
    this.catchUp();
    let total = 0;
    for (const file of this.files.values()) {
      const sizes = file.durableSizes ?? file.sizes;
      for (let i = 0; i < file.durableCount; i++) total += sizes[i];
    }
    return total;
  }

  /** Runs the flusher passes due by now (the simulation calls it before a power loss). */
  catchUp(): void {
    const now = this.clock();
    if (this.nextPassUs < 0)
      this.nextPassUs = this.rng()?.intBetween(1, WRITEBACK_INTERVAL_US) ?? WRITEBACK_INTERVAL_US;
    while (this.nextPassUs <= now) {
      this.flusherPass(this.nextPassUs);
      this.nextPassUs = this.nextUsefulPass(now);
    }
  }

  /**
   * Power loss: every file the committed journal names comes back as its durable image; with
   * `midWriteback`, files with dirty pages may keep part of them (see the fault model).
   */
  losePower(midWriteback: boolean): void {
    this.catchUp();
    const rng = midWriteback ? this.rng() : undefined;
    const survivors = this.committedNames();
    this.files.clear();
    this.placeOf.clear();
    for (const [path, file] of survivors) {
      if (rng !== undefined && this.dirty.has(file)) this.interrupted(file, rng);
      this.name(path, file);
    }
    for (const [, file] of survivors) this.reboot(file);
    this.durableNames = null;
    this.dirty.clear();
    this.cut.clear();
  }

  private rng(): Rng | undefined {
    if (this.rngCache === undefined && this.rngOf !== undefined) this.rngCache = this.rngOf();
    return this.rngCache;
  }

  /** The file's content after the reboot: its durable image, all of it on the platter. */
  private reboot(file: Inode): void {
    const entries = file.durableEntries ?? file.entries;
    const sizes = file.durableSizes ?? file.sizes;
    if (file.durableEntries !== null) {
      file.entries = entries.slice(0, file.durableCount);
      file.sizes = sizes.slice(0, file.durableCount);
    } else {
      file.entries.length = file.durableCount;
      file.sizes.length = file.durableCount;
    }
    file.durableEntries = null;
    file.durableSizes = null;
    file.pendingCut = -1;
    file.dirtiedWhenUs = -1;
  }

  /**
   * The loss struck while this file's dirty pages were being written back: some reached the
   * disk, in a seed-chosen order; the size update that exposes them committed or not.
   */
  private interrupted(file: Inode, rng: Rng): void {
    if (!rng.chance(0.5)) return; // the size update did not commit: old length, old content
    const written = this.writtenPages(file, rng);
    const durable = file.durableEntries ?? file.entries;
    let keep = 0;
    let start = 0;
    const n = file.entries.length;
    while (keep < n) {
      const size = file.sizes[keep];
      const sameAsDurable = keep < file.durableCount && durable[keep] === file.entries[keep];
      if (!sameAsDurable && !allWritten(written, start, size)) break;
      start += size;
      keep++;
    }
    const entries = file.entries.slice(0, keep);
    const sizes = file.sizes.slice(0, keep);
    if (keep < n) {
      const torn: TornEntry = { torn: true, partial: file.entries[keep], tail: tornTail(file, keep, start, written) };
      entries.push(torn);
      sizes.push(0);
    }
    file.durableEntries = entries;
    file.durableSizes = sizes;
    file.durableCount = entries.length;
  }

  /** Pages of the file's dirty range that reached the disk: a seed-chosen share, in a seed-chosen order. */
  private writtenPages(file: Inode, rng: Rng): Set<number> {
    const firstDirty = this.firstDirtyByte(file);
    let total = 0;
    for (const s of file.sizes) total += s;
    const pages: number[] = [];
    for (let p = Math.floor(firstDirty / PAGE_BYTES); p * PAGE_BYTES < total; p++) pages.push(p);
    for (let i = pages.length - 1; i > 0; i--) {
      const j = rng.intBetween(0, i);
      const t = pages[i];
      pages[i] = pages[j];
      pages[j] = t;
    }
    return new Set(pages.slice(0, rng.intBetween(0, pages.length)));
  }

  /** The byte where the page cache first differs from the durable image. */
  private firstDirtyByte(file: Inode): number {
    const durable = file.durableEntries ?? file.entries;
    let start = 0;
    for (let i = 0; i < file.entries.length; i++) {
      if (i >= file.durableCount || durable[i] !== file.entries[i]) return start;
      start += file.sizes[i];
    }
    return start;
  }

  private flusherPass(atUs: number): void {
    for (const file of this.dirty) if (file.dirtiedWhenUs + DIRTY_EXPIRE_US <= atUs) this.writeBack(file);
    this.commit();
  }

  /** The next pass that can change anything: the first due one at or after an expiry or now. */
  private nextUsefulPass(now: number): number {
    const next = this.nextPassUs + WRITEBACK_INTERVAL_US;
    if (this.durableNames !== null || this.cut.size > 0) return next;
    let earliest = Number.POSITIVE_INFINITY;
    for (const file of this.dirty) earliest = Math.min(earliest, file.dirtiedWhenUs + DIRTY_EXPIRE_US);
    const target = Math.min(earliest, now + 1);
    if (target <= next) return next;
    return next + Math.ceil((target - next) / WRITEBACK_INTERVAL_US) * WRITEBACK_INTERVAL_US;
  }

  /** Writes the file's dirty pages; with delayed allocation its size commits with them. */
  private writeBack(file: Inode): void {
    if (file.dirtiedWhenUs < 0 && file.pendingCut < 0) return;
    file.durableEntries = null;
    file.durableSizes = null;
    file.durableCount = file.entries.length;
    file.pendingCut = -1;
    file.dirtiedWhenUs = -1;
    this.dirty.delete(file);
    this.cut.delete(file);
  }

  /** The journal commits: truncations and the namespace become durable. */
  private commit(): void {
    // Most fsyncs have no truncation pending: skip the set's iterator.
    if (this.cut.size > 0) this.commitCuts();
    this.durableNames = null;
  }

  private commitCuts(): void {
    for (const file of this.cut) {
      if (file.pendingCut < file.durableCount) file.durableCount = file.pendingCut;
      // Below the cut the page cache never changed: the durable image is its prefix again.
      file.durableEntries = null;
      file.durableSizes = null;
      file.pendingCut = -1;
    }
    this.cut.clear();
  }

  /** An unlinked file: its dirty pages are dropped; only the committed namespace can still name it. */
  private forget(file: Inode): void {
    this.dirty.delete(file);
  }

  /** Before a name changes for the first time since the last commit, keep what it named then. */
  private touchName(path: string): void {
    if (this.durableNames === null) this.durableNames = new Map();
    if (this.durableNames.has(path)) return;
    const file = this.files.get(path);
    this.durableNames.set(path, file === undefined ? null : { file, place: this.placeOf.get(path)! });
  }

  /** `path` names `file` (a name new to `files` goes last in its order, one it holds keeps its place). */
  private name(path: string, file: Inode): void {
    if (!this.files.has(path)) this.placeOf.set(path, this.nextPlace++);
    this.files.set(path, file);
  }

  private unname(path: string): void {
    this.files.delete(path);
    this.placeOf.delete(path);
  }

  /**
   * The committed namespace in the order a copy of `files` made at the first change since the
   * commit had: the names unchanged since, and the changed ones as they were, by place.
   */
  private committedNames(): Array<[string, Inode]> {
    const changed = this.durableNames;
    if (changed === null) return [...this.files];
    const kept: Array<[string, Inode, number]> = [];
    for (const [path, file] of this.files) if (!changed.has(path)) kept.push([path, file, this.placeOf.get(path)!]);
    for (const [path, was] of changed) if (was !== null) kept.push([path, was.file, was.place]);
    kept.sort((a, b) => a[2] - b[2]);
    return kept.map(([path, file]) => [path, file]);
  }

  private cutTo(file: Inode, entryCount: number): void {
    if (entryCount < file.durableCount && file.durableEntries === null) {
      // The durable image keeps what the cut removes until the journal commits.
      file.durableEntries = file.entries.slice(0, file.durableCount);
      file.durableSizes = file.sizes.slice(0, file.durableCount);
    }
    file.entries.length = entryCount;
    file.sizes.length = entryCount;
    if (file.pendingCut < 0 || entryCount < file.pendingCut) file.pendingCut = entryCount;
    this.cut.add(file);
    this.markDirty(file);
  }

  private markDirty(file: Inode): void {
    if (file.dirtiedWhenUs >= 0) return;
    file.dirtiedWhenUs = this.clock();
    this.dirty.add(file);
  }

  private fileFor(path: string): Inode {
    let file = this.files.get(path);
    if (file === undefined) {
      this.touchName(path);
      file = {
        entries: [],
        sizes: [],
        durableEntries: null,
        durableSizes: null,
        durableCount: 0,
        pendingCut: -1,
        dirtiedWhenUs: -1,
      };
      this.name(path, file);
    }
    return file;
  }
}

/** The entries from `from` (starting at byte `start`) to the file's end, with which of their pages reached the disk. */
function tornTail(file: Inode, from: number, start: number, written: ReadonlySet<number>): TornTailEntry[] {
  const tail: TornTailEntry[] = [];
  let at = start;
  for (let i = from; i < file.entries.length; i++) {
    const size = file.sizes[i];
    tail.push({
      entry: file.entries[i],
      headWritten: written.has(Math.floor(at / PAGE_BYTES)),
      allWritten: allWritten(written, at, size),
    });
    at += size;
  }
  return tail;
}

function allWritten(written: ReadonlySet<number>, start: number, size: number): boolean {
  const last = Math.floor((start + Math.max(0, size - 1)) / PAGE_BYTES);
  for (let p = Math.floor(start / PAGE_BYTES); p <= last; p++) if (!written.has(p)) return false;
  return true;
}

const EMPTY: readonly unknown[] = Object.freeze([]);
