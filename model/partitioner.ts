// Key → partition, as Kafka's producer does it (DefaultPartitioner / BuiltInPartitioner):
// a keyed record goes to toPositive(murmur2(utf8(key))) % numPartitions, so the same key
// always lands on the same partition (and stays ordered within it); a keyless record goes
// round robin over the partitions (Kafka 3.3+ uses a "sticky" partitioner for keyless
// records, KIP-794, which only changes batching, not correctness; round robin spreads the
// load of a small simulated workload evenly).
//
// Assumes: keys are JavaScript strings serialized as UTF-8 (Kafka's StringSerializer);
// the partition count is the topic's (it never changes in the model).

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/** UTF-8 bytes of a string (no TextEncoder allocation for ASCII keys). */
function utf8Bytes(text: string): Uint8Array {
  let ascii = true;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (!ascii) return new TextEncoder().encode(text);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with Kafka's seed, returned as a signed
 * 32-bit integer exactly like the Java `int` (e.g. murmur2("21") = -973932308).
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (MURMUR2_SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, MURMUR2_M);
    k ^= k >>> 24;
    k = Math.imul(k, MURMUR2_M);
    h = Math.imul(h, MURMUR2_M);
    h ^= k;
  }
  const tail = length & ~3;
  const rest = length & 3;
  if (rest > 0) {
    if (rest === 3) h ^= data[tail + 2] << 16;
    if (rest >= 2) h ^= data[tail + 1] << 8;
    h ^= data[tail];
    h = Math.imul(h, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which breaks on MIN_VALUE). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a keyed record. */
export function partitionForKey(key: string, numPartitions: number): number {
  if (!Number.isInteger(numPartitions) || numPartitions < 1) {
    throw new Error(`partitionForKey: numPartitions must be a positive integer, got ${numPartitions}`);
  }
  return toPositive(murmur2(utf8Bytes(key))) % numPartitions;
}

/**
 * A producer's partitioner: keyed records by murmur2, keyless records round robin per topic.
 * Keyed results are cached (a workload has few distinct keys), so the hot path is a lookup.
 */
export class Partitioner {
  private readonly keyCache = new Map<string, number>();
  private readonly roundRobin = new Map<string, number>();

  partition(topic: string, key: string | null, numPartitions: number): number {
    if (key === null) {
      const next = this.roundRobin.get(topic) ?? 0;
      this.roundRobin.set(topic, next + 1);
      return next % numPartitions;
    }
    const cacheKey = `${numPartitions}\u0000${key}`;
    let p = this.keyCache.get(cacheKey);
    if (p === undefined) {
      p = partitionForKey(key, numPartitions);
      this.keyCache.set(cacheKey, p);
    }
    return p;
  }
}
