// A breach of `__consumer_offsets` excuses the group's lost commit, and names its topic
// (issue 15; driver/promise.ts PromiseBreach.topic, placeOf, the 'lost-commit' excuse).
//
// Swarm seed 31000499 (base 31000000, the correct model, drawn when the swarm still drew
// combined mode; the fixture keeps `combined: true`), reported as `lost-commit` and
// `candidate-complete` on __consumer_offsets/2: a group g1 of three members (g1 hashes to
// __consumer_offsets/2 of 3) auto-commits every 253 ms while the leaders of t/0 and of
// __consumer_offsets/2, both on brokers 1 and 2, are cut from their followers and lose power
// twice. At 67.6 s broker 2 lost power while broker 1 had not re-fetched what its own power loss
// took: two of the partitions' replicas lost unflushed data, min.insync.replicas is 2 — a
// breach of both partitions (min-isr-power-loss). The commit of offset 4 for t-0, sent and
// answered before it, was gone: a later OffsetFetch returned 2. Kafka promises an answered
// commit what it promises an acknowledged record (its HW passed it with the ISR at
// min.insync.replicas), no more: its loss is expected. It was reported because a breach named
// no topic (the t/0 breach could only excuse partition-0 anomalies, of either topic), and no
// group anomaly was in DURABILITY_EXCUSES.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a lost commit beyond the promise of its __consumer_offsets partition', () => {
  it('seed 31000499: the commit sent before the power loss of the partition is expected, by that breach', () => {
    const { result, failing } = rerun(31000499, fixtureInput(31000499));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const lost = result.verdict.anomalies.filter((a) => a.kind === 'lost-commit');
    expect(lost.length).toBeGreaterThan(0);
    for (const a of lost) {
      expect(a).toMatchObject({ expected: true, group: 'g1', topic: 't', partition: 0 });
      expect(a.expectedBecause).toMatchObject({
        rule: 'min-isr-power-loss',
        topic: '__consumer_offsets',
        partition: 2,
      });
    }
    const offsets = result.verdict.anomalies.filter((a) => a.topic === '__consumer_offsets');
    expect(offsets.map((a) => a.kind)).toContain('candidate-complete');
    for (const a of offsets) expect(a.expectedBecause).toMatchObject({ topic: '__consumer_offsets', partition: 2 });
    for (const a of result.verdict.anomalies.filter((x) => x.topic === 't' && x.kind !== 'lost-commit'))
      expect(a.expectedBecause).toMatchObject({ topic: 't', partition: 0 });
  });
});
