// A truncation whose target falls inside a batch (model/replica-log.ts cutRecordsTo, gapAt):
// Kafka's LocalLog.truncateTo cuts the segment file at translateOffset(target), the start of
// the batch whose last offset is ≥ target (FileRecords.searchForOffsetWithSize), then sets the
// log end to the target (updateLogEndOffset), so the batch's offsets below the target are a
// gap: counted, never read. A fetch from inside the gap returns the next batch
// (LogSegment.read → translateOffset), and a follower appends a set that starts past its log
// end (UnifiedLog.append refuses only a first offset below it). Before the fix the model cut
// the records array at the target and kept the batch's first records, which a later fetch
// from offset 0 handed on as one batch with the records after them (ZooKeeper swarm seed
// 137007625, test/model/regressions/zk-truncate-inside-batch.test.ts).

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../harness/index.ts';
import { ReplicaLog } from '../../model/replica-log.ts';

function newLog(disk = new SimDisk()): ReplicaLog {
  return new ReplicaLog(disk, 't-0', null, { nowUs: () => 0, schedule: () => {} });
}

const PRODUCER = 7;
/** A batch of two records, a0 and a1. */
const TWO = [
  { key: null, value: 'a0' },
  { key: null, value: 'a1' },
];

describe('truncation inside a batch', () => {
  it('cuts the whole batch, keeps the log end at the target, and reads past the gap', () => {
    const disk = new SimDisk();
    const log = newLog(disk);
    log.appendAsLeader(TWO, 0, PRODUCER, 0, 0);
    log.appendAsLeader([{ key: null, value: 'b' }], 0, PRODUCER, 0, 2);
    expect(log.truncateTo(1)).toBe(true);
    expect(log.leo).toBe(1);
    expect(log.records[0].gap).toBe(true);
    expect(log.read(0, 10, log.leo)).toEqual([]);
    // The segment file holds no record of the cut batch (a zero-byte placeholder at offset 0).
    expect(disk.read('t-0/00000000000000000000.log').map((e) => (e as { gap?: true }).gap)).toEqual([true]);
    expect(log.sizeBytes()).toBe(0);
    // The producer state no longer knows the cut batch (rebuildProducerState from the log).
    const last: number[] = [];
    log.producers.forEachLastBatch((_id, _epoch, lastSeq) => last.push(lastSeq));
    expect(last).toEqual([]);
    // A follower's next fetched batch lands at the target; a fetch from 0 starts there.
    const leader = newLog();
    leader.appendAsLeader([{ key: null, value: 'x' }], 0, PRODUCER, 0, 0);
    leader.appendAsLeader([{ key: null, value: 'c' }], 0, PRODUCER, 0, 1);
    log.appendAsFollower(leader.read(1, 10, leader.leo));
    expect(log.leo).toBe(2);
    expect(log.read(0, 10, log.leo).map((r) => [r.offset, r.value])).toEqual([[1, 'c']]);
    // A coordinator loading the log sees its records, not the gap.
    expect(log.dataRecords().map((r) => r.value)).toEqual(['c']);
    expect(log.epochs.entries).toEqual([{ epoch: 0, startOffset: 0 }]);
  });

  it('a follower appends a fetched set that starts past its log end: the offsets skipped are a gap', () => {
    const source = newLog();
    source.appendAsLeader(TWO, 0, PRODUCER, 0, 0);
    source.truncateTo(1);
    source.appendAsLeader([{ key: null, value: 'c' }], 1, PRODUCER, 0, 5);
    const follower = newLog();
    const fetched = source.read(0, 10, source.leo);
    expect(fetched.map((r) => r.offset)).toEqual([1]);
    follower.appendAsFollower(fetched);
    expect(follower.leo).toBe(2);
    expect(follower.records[0].gap).toBe(true);
    // The epoch starts at the batch's base offset (maybeAssignEpochStartOffset), not at the gap.
    expect(follower.epochs.entries).toEqual([{ epoch: 1, startOffset: 1 }]);
  });

  it('recovery ends the log after its last batch: a gap at the tail is no offset of the log', () => {
    const disk = new SimDisk();
    const log = newLog(disk);
    log.appendAsLeader([{ key: null, value: 'v' }], 0, -1, -1, -1);
    log.appendAsLeader(TWO, 0, -1, -1, -1);
    log.truncateTo(2);
    expect(log.leo).toBe(2);
    log.flush();
    const recovered = newLog(disk);
    recovered.recover({ cleanShutdown: false, recoveryPoint: 0, hwCheckpoint: 2 });
    expect(recovered.leo).toBe(1);
    expect(recovered.records.map((r) => r.value)).toEqual(['v']);
  });
});
