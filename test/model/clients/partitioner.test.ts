// Kafka's default partitioner: murmur2 exactly as the Java client computes it, same key →
// same partition, keys spread over partitions, keyless records round robin.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Partitioner, murmur2, partitionForKey, toPositive } from '../../../model/partitioner.ts';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('murmur2', () => {
  it("matches the Java client's Utils.murmur2 on Kafka's own test vectors", () => {
    const vectors: Array<[string, number]> = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of vectors) expect(murmur2(utf8(input))).toBe(expected);
  });

  it('toPositive clears the sign bit, also of the smallest int', () => {
    expect(toPositive(-2147483648)).toBe(0);
    expect(toPositive(-1)).toBe(0x7fffffff);
    expect(toPositive(5)).toBe(5);
  });
});

describe('partitionForKey', () => {
  it('maps the same key to the same partition, always within range', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, n) => {
        const p = partitionForKey(key, n);
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThan(n);
        expect(partitionForKey(key, n)).toBe(p);
        expect(new Partitioner().partition('t', key, n)).toBe(p);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes non-ASCII keys as UTF-8 bytes', () => {
    expect(partitionForKey('ключ', 7)).toBe(toPositive(murmur2(utf8('ключ'))) % 7);
  });

  it('spreads many keys roughly evenly over the partitions', () => {
    const n = 6;
    const counts = new Array(n).fill(0);
    for (let i = 0; i < 6000; i++) counts[partitionForKey(`k${i}`, n)]++;
    for (const c of counts) {
      expect(c).toBeGreaterThan(800);
      expect(c).toBeLessThan(1200);
    }
  });

  it('rejects a non-positive partition count', () => {
    expect(() => partitionForKey('k', 0)).toThrow();
  });
});

describe('keyless records', () => {
  it('go round robin over the partitions, per topic', () => {
    const p = new Partitioner();
    expect([0, 1, 2, 3, 4].map(() => p.partition('a', null, 3))).toEqual([0, 1, 2, 0, 1]);
    expect(p.partition('b', null, 2)).toBe(0);
    expect(p.partition('a', null, 3)).toBe(2);
  });
});
