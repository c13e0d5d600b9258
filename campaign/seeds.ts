// Which seeds a campaign runs: the range [baseSeed, baseSeed + count), or the part of it
// one shard covers. Shards are strided (shard K of N takes the seeds whose position in the
// range is ≡ K-1 mod N), so every shard gets the same mix of early and late seeds and N
// shards cover the range exactly once.
//
// Assumes seeds are non-negative safe integers (the kernel's root seed).

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export interface SeedRange {
  baseSeed: number;
  /** Seeds in the whole (unsharded) range. */
  count: number;
  shard?: Shard;
}

/** Positions (0-based within the whole range) this shard runs, in increasing order. */
export function* shardPositions(range: SeedRange): Generator<number> {
  const step = range.shard?.count ?? 1;
  const first = (range.shard?.index ?? 1) - 1;
  for (let pos = first; pos < range.count; pos += step) yield pos;
}

export function shardSize(range: SeedRange): number {
  const step = range.shard?.count ?? 1;
  const first = (range.shard?.index ?? 1) - 1;
  return first >= range.count ? 0 : Math.floor((range.count - 1 - first) / step) + 1;
}

export function seedAt(range: SeedRange, position: number): number {
  return range.baseSeed + position;
}

export function formatShard(s: Shard | undefined): string | null {
  return s === undefined ? null : `${s.index}/${s.count}`;
}
