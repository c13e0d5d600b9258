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
//
// Swarm seed 31004258 (base 31000000, shrunk to 4 faults), reported as stale-generation-commit
// and shared-ownership: g1 (on __consumer_offsets/0 of 2) had handed generation 2 to
// member-0-1-1 when all three brokers lost power at 12.7 s with a torn tail (a breach of
// __consumer_offsets/0: three replicas lost data, min.insync.replicas is 2). The partition came
// back empty; the reloaded coordinator knew no generation, handed generation 1 out again (to
// member-0-3-0: shared-ownership with member-0-1-0's generation 1) and accepted that member's
// generation-1 commits although generation 2 had been handed out. Both follow from the loss of
// GroupMetadata records written before the breach, as an offset reused follows from a lost
// record: expected ('group-consequence'), judged on the group's partition.
//
// Swarm seed 31010445 (base 31000000), reported as excess-duplicate: g1 committed offset 31 of
// t-0 (on __consumer_offsets/2), then broker 3, which had lost data in a power loss, was
// elected leader of __consumer_offsets/2 from outside its ISR and ELR (last-known-leader-elected,
// 67.3 s). The commit was gone (lost-commit, expected), the group's next owner of t-0 fetched 16
// and read 16..30 again: a re-read below a commit sent before the breach, expected with it.
//
// Swarm seed 32002306 (base 32000000), reported as log-matching on __consumer_offsets/0: broker
// 3, back empty, was elected last known leader of __consumer_offsets/0 (29.9 s); the new
// coordinator wrote its own GroupMetadata at offset 0 while broker 2 still held the old one
// there, below both HWs. Offset 0 was committed when the breach happened: the disagreement is
// the loss's, expected ('committed' for the coordinator's records, which no client sent).
//
// Swarm seed 35001712 (base 35000000), reported as excess-duplicate: g1 read t-0 up to offset
// 43 and committed 44 (20.6 s); at 44.2 s broker 3, back empty, was elected last known leader
// of t/0 (a breach of t/0: its log ends at 0). Producers wrote t/0 again from offset 0, and a
// later member, sent back from the committed 44 past the new log's end, read offset 38 again:
// another record at an offset the loss reused ('reread-after-loss': the offset committed at
// the breach, the re-read after it). The fixture is the seed's shrunk input with its power loss
// of broker 3 (30.5 s, 2541 ms) without a torn tail: under the KRaft metadata timing the torn
// tail's seed-chosen writeback kept all of broker 3's t/0 (its log ended at 44 again) and
// nothing was lost. Without it broker 3 comes back empty as in the seed's run: g1 committed 44
// at 20.6 s and broker 3 was elected last known leader of t/0 at 44.3 s with its log ending
// at 0.
//
// Swarm seed 180026745 (base 180000000, shrunk to 4 faults) was reported as lost-commit: a
// commit of t-1 acknowledged after broker 3, back empty, was elected last known leader of
// __consumer_offsets/0, then overwritten by stale generation-1 commits of the coordinator that
// reloaded nothing (generation 2 had been handed out before), which a later OffsetFetch
// returned. Under the KRaft metadata timing its shrink no longer reaches that chain (broker 2
// stays in the ELR and is elected at 40.1 s: no breach; with broker 1's power loss at 2.1 s the
// breach is back, but the run ends at 40.6 s, before any later OffsetFetch). The fixture is a
// hand-built schedule derived from that shrink: broker 1's power loss at 2100 ms rather than
// 1468 ms, plus one added fault, a kill -9 of group consumer 1 at 41 s (restart after 15 s), so
// that its session expires and the group's next member fetches the group's offsets (crashes at
// 40.7-42 s, down 14-20 s, give the same chain). The run: g1 (on
// __consumer_offsets/0) handed generation 2 out at 0.2 s; broker 1 (2.1 s) and then broker 3
// (13.4 s) lost power, broker 2 was cut from the controller (0.9 s to 39.2 s), and at 31.1 s
// broker 3, back with an empty log, was elected last known leader of __consumer_offsets/0 (and
// of t/0 and t/1; the run's only breaches). Its coordinator loaded nothing, numbered the group's
// generations from 1 again, handed generation 1 to member-0-4-0 (32.6 s) and accepted its
// commits: 64 of t-1 (sent at 33.4 s, after the breach; log offset 2), then 0 (35.8, 38.2 and
// 40.6 s: t/1 had come back empty on broker 3, and the member's position 64, out of range, was
// reset to the new log end, 0). member-0-4-0 was killed at 41 s; its session (13.3 s) expired at
// 53.9 s (generation 2, no members), and consumer 0's member of the time, member-0-4-3, was
// handed generation 3 with t-0 and t-1 at 54.2 s and fetched 0 for t-1: the last commit, nothing
// was lost. The checker cannot count the commits of 0 (stale: generation 2 had been handed out),
// so it names the stale commit and that assignment with the lost-commit. The commit of 64 was
// sent after the breach, so the plain lost-commit excuse does not cover it; the staleness is the
// breach's ('stale-commit-after-loss'): the assignment before the breach, the stale commit after.
// The rule is last-known-leader-elected, the run's one breach of __consumer_offsets/0: no
// min-isr-power-loss, for when broker 3 (its leader since
// broker 2's fencing at 6.5 s) lost power the ISR was [3] alone (broker 1, down since 2.1 s, had
// left it at 8.5 s), one replica, below min.insync.replicas (2).
//
// Swarm seed 180067370 (base 180000000, KRaft, group.protocol=consumer, shrunk from 8 faults to
// 4), reported as shared-ownership: "group g1, generation 2: t-0 was handed to both
// consumer-0-1-0 and consumer-0-5-0". The coordinator (broker 2, __consumer_offsets/0) wrote
// consumer-0-1-0's member epoch 2 (ConsumerGroupCurrentMemberAssignment, t-0) at 6.005 s and
// committed it; then broker 4 (6.2 s) and broker 2 (6.86 s, torn tail) lost power, both ISR
// members, and came back empty (min-isr-power-loss on __consumer_offsets/0). The member's
// application was blocked in a poll until 36.0 s and only then learned epoch 2 (the history's
// assignment is at 36.0 s, after the breach). The reloaded coordinator (broker 2 again, 44 s)
// knew no group and handed epochs 1 and then 2 out again, t-0 to consumer-0-5-0. The hand-out
// the breach took came before it, the second after: 'reissued-after-loss', judged on when the
// coordinator wrote each (the leader's appends), not when the application learned it. The
// fixture is a hand-shifted schedule derived from that seed: the first power loss (node 3, the
// active controller) at 1820 ms, not 1841 ms. Under the KRaft metadata timing the unshifted run
// hands epoch 2 to the application at 6.033 s, just before its poll starts: that hand-out
// reaches the history before the breach. Shifted (most values from 1500 to 2280 ms do too): the
// coordinator (broker 2) wrote epoch 2 at 6.033 s; brokers 1 and 4 (6.20 s) and broker 2 (6.89 s,
// torn tail) lost power; the application, blocked in a poll from 6.031 s, learned epoch 2 at
// 36.03 s; broker 2 led __consumer_offsets/0 again from 35.8 s and its coordinator handed epochs
// 1 (43.93 s) and 2 (44.44 s) out again, t-0 to consumer-0-3-0.

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

  it('seed 31004258: a generation lost with its __consumer_offsets partition, handed out again', () => {
    const { result, failing } = rerun(31004258, fixtureInput(31004258));
    expect(failing).toEqual([]);
    const kinds = ['stale-generation-commit', 'shared-ownership'];
    const group = result.verdict.anomalies.filter((a) => kinds.includes(a.kind));
    expect(new Set(group.map((a) => a.kind))).toEqual(new Set(kinds));
    for (const a of group) {
      expect(a).toMatchObject({ expected: true, group: 'g1' });
      expect(a.expectedBecause).toMatchObject({
        rule: 'min-isr-power-loss',
        topic: '__consumer_offsets',
        partition: 0,
      });
    }
  });

  it('seed 31010445: records re-read below a commit lost with the last known leader of its partition', () => {
    const { result, failing } = rerun(31010445, fixtureInput(31010445));
    expect(failing).toEqual([]);
    const rereads = result.verdict.anomalies.filter((a) => a.kind === 'excess-duplicate');
    expect(rereads.length).toBeGreaterThan(0);
    for (const a of rereads) {
      expect(a).toMatchObject({ expected: true, group: 'g1' });
      expect(a.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', topic: '__consumer_offsets' });
    }
  });

  it('seed 32002306: replicas of __consumer_offsets disagreeing at an offset committed before the breach', () => {
    const { result, failing } = rerun(32002306, fixtureInput(32002306));
    expect(failing).toEqual([]);
    const logMatching = result.verdict.anomalies.filter((a) => a.kind === 'log-matching');
    for (const a of logMatching) expect(a.expected).toBe(true);
    // The partition looks at every change (driver/invariant-looks.ts) also see t/0's replicas
    // disagree after the same power loss (expected by its own breach); this test is about the group's.
    const disagree = logMatching.filter((a) => a.topic === '__consumer_offsets');
    expect(disagree.length).toBeGreaterThan(0);
    for (const a of disagree) {
      expect(a).toMatchObject({ expected: true, topic: '__consumer_offsets', partition: 0 });
      expect(a.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', topic: '__consumer_offsets' });
    }
  });

  // Since members start a partition handed back to them afresh (revoked-stream-request-out.test.ts),
  // this run takes another course after the breach: no member reads t-0 again below 44 (the
  // producers have stopped by then), so the group's re-read no longer arises; the consumers'
  // re-reads of the reused offsets (consistent-read) still do, and any group re-read is expected.
  it('seed 35001712 (shifted): re-reads of offsets the loss of the data partition reused are expected', () => {
    const { result, failing } = rerun(35001712, fixtureInput(35001712, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const reads = result.verdict.anomalies.filter((a) => a.kind === 'consistent-read');
    expect(reads.length).toBeGreaterThan(0);
    for (const a of reads) {
      expect(a).toMatchObject({ expected: true });
      expect(a.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', topic: 't', partition: 0 });
    }
    const rereads = result.verdict.anomalies.filter((a) => a.kind === 'excess-duplicate');
    for (const a of rereads) {
      expect(a).toMatchObject({ expected: true, topic: 't', partition: 0 });
      expect(a.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', topic: 't', partition: 0 });
    }
  });

  it('seed 180026745 (hand-built): a commit overwritten by a stale commit the reloaded coordinator accepted', () => {
    const { result, failing } = rerun(180026745, fixtureInput(180026745, 'consumer-crash'), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const later = result.verdict.anomalies.filter((a) => a.kind === 'lost-commit' && a.offsets?.[0] === 64);
    expect(later.length).toBeGreaterThan(0);
    for (const a of later) {
      expect(a).toMatchObject({ expected: true, group: 'g1', topic: 't', partition: 1, offsets: [64, 0] });
      expect(a.explanation).toMatch(/but a stale one \(generation 1, .*generation 2 had been handed out/);
      expect(a.ops).toHaveLength(4);
      expect(a.expectedBecause).toMatchObject({
        rule: 'last-known-leader-elected',
        topic: '__consumer_offsets',
        partition: 0,
      });
      // The overwritten commit was sent after the breach: only 'stale-commit-after-loss' excuses it.
      const history = result.trace!.history;
      expect(history[a.ops![0]].time).toBeGreaterThan(a.expectedBecause!.atUs);
    }
  });

  it('seed 180067370 (shifted): a member epoch handed out before the breach, learned after, handed out again', () => {
    const { result, failing } = rerun(180067370, fixtureInput(180067370, 'shifted'), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const shared = result.verdict.anomalies.filter(
      (a) => a.kind === 'shared-ownership' && /generation 2: t-0 was handed to both/.test(a.explanation),
    );
    expect(shared).toHaveLength(1);
    const [a] = shared;
    expect(a).toMatchObject({ expected: true, group: 'g1' });
    expect(a.expectedBecause).toMatchObject({ rule: 'min-isr-power-loss', topic: '__consumer_offsets', partition: 0 });
    // Both hand-outs reached the history after the breach: the first op is no witness of the
    // loss ('group-consequence' cannot excuse it); the coordinator's writes are.
    const breachUs = a.expectedBecause!.atUs;
    const history = result.trace!.history;
    expect(a.ops).toHaveLength(2);
    for (const op of a.ops ?? []) expect(history[op].time).toBeGreaterThanOrEqual(breachUs);
  });
});
