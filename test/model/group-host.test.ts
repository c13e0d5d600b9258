// How groups are placed on `__consumer_offsets` partitions (model/group-host.ts, Kafka's
// GroupCoordinatorService.partitionFor: Utils.abs(groupId.hashCode()) % partitions) and the
// members' eager range assignment (model/group-consumer.ts, RangeAssignor.assign).

import { describe, expect, it } from 'vitest';
import { javaStringHash, partitionFor } from '../../model/group-host.ts';
import { rangeAssign } from '../../model/group-consumer.ts';

describe('partitionFor: the group hashed as Kafka hashes it', () => {
  it("is Java's String.hashCode", () => {
    expect(javaStringHash('')).toBe(0);
    expect(javaStringHash('g1')).toBe(103 * 31 + 49);
    expect(javaStringHash('hello')).toBe(99162322);
    // wraps around 32 bits like Java's int arithmetic
    expect(javaStringHash('polygenelubricants')).toBe(-2147483648);
  });

  it('takes Utils.abs (Integer.MIN_VALUE → 0) modulo the partition count', () => {
    expect(partitionFor('polygenelubricants', 50)).toBe(0);
    expect(partitionFor('hello', 50)).toBe(99162322 % 50);
    const negative = javaStringHash('consumer-group-7');
    expect(partitionFor('consumer-group-7', 7)).toBe(Math.abs(negative) % 7);
    expect(partitionFor('g1', 1)).toBe(0);
  });
});

describe('rangeAssign (RangeAssignor): contiguous ranges per topic, members sorted by id', () => {
  it('gives the first members one more when the partitions do not divide evenly', () => {
    const topics = [
      { name: 't', partitions: 3, replicationFactor: 3 },
      { name: 'u', partitions: 2, replicationFactor: 3 },
    ];
    const a = rangeAssign(['m-b', 'm-a'], topics);
    expect(a.get('m-a')).toEqual([
      { topic: 't', partition: 0 },
      { topic: 't', partition: 1 },
      { topic: 'u', partition: 0 },
    ]);
    expect(a.get('m-b')).toEqual([
      { topic: 't', partition: 2 },
      { topic: 'u', partition: 1 },
    ]);
  });

  it('leaves members beyond the partition count empty-handed, every partition owned once', () => {
    const a = rangeAssign(['x', 'y', 'z'], [{ name: 't', partitions: 2, replicationFactor: 1 }]);
    expect(a.get('z')).toEqual([]);
    const owned = [...a.values()].flat().map((tp) => tp.partition);
    expect(owned.sort()).toEqual([0, 1]);
  });
});
