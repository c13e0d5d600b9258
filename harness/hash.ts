// The running 64-bit event hash (DESIGN §2): a fast non-cryptographic fold over a canonical
// encoding of each event, kept as two 32-bit halves so the hot path never allocates (no
// BigInt). The halves mix with different multipliers (Murmur3 / xxHash primes) and a
// cross-feed, so that an event changing either half changes the 64-bit result.

export class EventHash {
  private hi = 0x84222325 | 0;
  private lo = 0xcbf29ce4 | 0;

  /** Fold one 32-bit integer (values outside int32 are folded as two halves). */
  int(value: number): void {
    if (value === (value | 0)) {
      this.mix(value);
    } else {
      // Integers up to 2^53 and the odd non-integer: fold low and high words.
      const low = (value % 4294967296) | 0;
      const high = Math.floor(value / 4294967296) | 0;
      this.mix(low);
      this.mix(high ^ 0x5bd1e995);
    }
  }

  /** Fold a string, character by character (no allocation). */
  str(text: string): void {
    this.mix(text.length);
    for (let i = 0; i < text.length; i++) this.mix(text.charCodeAt(i));
  }

  /**
   * Fold three int32 values (the caller checks), as `int` would one after the other, with the
   * state in locals: a kernel event's time, header and label number.
   */
  int3(a: number, b: number, c: number): void {
    let lo = this.lo;
    let hi = this.hi;
    for (let n = 0; n < 3; n++) {
      const k = n === 0 ? a : n === 1 ? b : c;
      lo = Math.imul(lo ^ k, 0xcc9e2d51);
      lo = Math.imul((lo << 15) | (lo >>> 17), 0x1b873593);
      hi ^= lo;
      hi = (Math.imul((hi << 13) | (hi >>> 19), 5) + 0xe6546b64) | 0;
      lo = (lo ^ (hi >>> 7)) | 0;
      hi = (hi ^ Math.imul(k, 0x85ebca6b)) | 0;
    }
    this.lo = lo;
    this.hi = hi;
  }

  private mix(k: number): void {
    let lo = this.lo ^ k;
    lo = Math.imul(lo, 0xcc9e2d51);
    lo = (lo << 15) | (lo >>> 17);
    lo = Math.imul(lo, 0x1b873593);
    let hi = this.hi ^ lo;
    hi = (hi << 13) | (hi >>> 19);
    hi = (Math.imul(hi, 5) + 0xe6546b64) | 0;
    this.lo = (lo ^ (hi >>> 7)) | 0;
    this.hi = (hi ^ Math.imul(k, 0x85ebca6b)) | 0;
  }

  /** 16 hex digits. */
  hex(): string {
    return (this.hi >>> 0).toString(16).padStart(8, '0') + (this.lo >>> 0).toString(16).padStart(8, '0');
  }
}

/**
 * Canonical JSON: object keys sorted, so equal values encode equally whatever the order
 * their fields were assigned in. Used for deep hashing and recorded event details.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) return 'null';
    if (typeof value === 'bigint') return `"${value.toString()}n"`;
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return '[' + value.map(canonicalJson).join(',') + ']';
  if (value instanceof Map) return canonicalJson([...value.entries()]);
  if (value instanceof Set) return canonicalJson([...value.values()]);
  const keys = Object.keys(value).sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const fieldValue = (value as Record<string, unknown>)[keys[i]];
    if (fieldValue === undefined) continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(keys[i]) + ':' + canonicalJson(fieldValue);
  }
  return out + '}';
}
