// KAFKA-16541 on the cluster: Kafka 3.7 (kafka.version 3.7, KAFKA-15046's first form) against
// 3.8 and later (the fix) and 3.6 (before KAFKA-15046). In 3.7 a truncation
// of the leader-epoch cache rewrites the checkpoint at once without fsync and renames it into
// place without flushing the directory. The journal commits the rename within seconds (any
// fsync, or its own 5 s commit) while the new file's data waits for writeback (30 s): a power
// loss in between leaves a zero-length checkpoint. Recovery rebuilds the cache only from the
// recovery point on, so the entries for the log below it are gone.
// Schedule (RF 3, log.segment.bytes 200: two one-record batches a segment): five records
// commit on all three; the two followers restart
// cleanly one after the other (their recovery point is now 5). The leader is killed; a
// follower B is elected and caches its new epoch at offset 5 (no record in it). B is killed
// and the third broker leads. B restarts: its recovery point is 5 and its checkpoint has the
// entry at 5, which recovery's truncateFromEnd drops, rewriting the checkpoint. 10 s later B
// loses power and restarts: recovery re-reads only the segment at 4 (the one holding the
// recovery point) and rebuilds the cache from there.
// Caught by: epoch-cache-complete (B's cache is empty while its log holds records 0..4).
// 3.8 and later write that truncation fsynced, on the broker's scheduler, right after; 3.6
// writes it fsynced at once; B comes back with the entry for the epoch of records 0..4.

import { describe, expect, it } from 'vitest';
import { KAFKA_VERSIONS, type KafkaVersion } from '../../model/versions.ts';
import { HW_CHECKPOINT_FILE } from '../../model/broker.ts';
import { recordingCodeProbes, type TestCluster } from './helpers.ts';
import { runSchedule } from './zoo/harness.ts';
import {
  epochCheckpointConfig,
  epochCheckpointSchedule as schedule,
  epochCheckpointScheduleWith as scheduleWith,
} from './zoo/epoch-checkpoint-schedule.ts';

// Small segments: recovery re-reads only the segments from the one holding the recovery point
// (LogLoader.recoverLog), so the older records' epochs come from the checkpoint alone.
const onVersion = (version: KafkaVersion) =>
  runSchedule('correct', { config: { 'kafka.version': version, ...epochCheckpointConfig } }, schedule);

describe('KAFKA-16541: the leader-epoch checkpoint after a truncation and a power loss', () => {
  it('Kafka 3.7 leaves an empty epoch checkpoint: the cache misses the old epochs', () => {
    const out = onVersion('3.7');
    expect(out.kinds).toContain('epoch-cache-complete');
  });

  it('3.6 (fsynced at once) and 3.8 on (fsynced on the scheduler) lose no entry', () => {
    for (const version of KAFKA_VERSIONS.filter((v) => v !== '3.7')) {
      expect([version, onVersion(version).anomalies]).toEqual([version, []]);
    }
  });

  // Kafka 3.x with no epoch for a log that has records: ReplicaManager.initialFetchOffset starts
  // the fetcher at the HW and AbstractFetcherThread.truncateToHighWatermark cuts the log there.
  // While B is down its disk is set to what 3.7 leaves after a truncation's unsynced checkpoint
  // write, a clean shutdown (whose marker fsync commits the rename; the checkpoint's data is
  // not yet written back) and a power loss within 30 s: the clean-shutdown marker, an empty
  // leader-epoch checkpoint, and (to make the cut visible) a HW checkpoint at 2. A clean start
  // trusts the log unread, so nothing rebuilds the cache: B has records 0..4, no epoch, HW 2,
  // and cuts to 2 before fetching them again.
  it('3.7: a follower whose cache is empty truncates to its high watermark, then catches up', () => {
    let b = -1;
    const emptyCheckpoint = (c: TestCluster, id: number) => {
      b = id;
      const disk = c.sim.disk(id);
      const write = (path: string, entries: unknown[]) => {
        disk.writeFile(path, entries);
        disk.fsync(path);
      };
      write('.kafka_cleanshutdown', [{ brokerEpoch: 1 }]);
      write('t-0/leader-epoch-checkpoint', []);
      write(HW_CHECKPOINT_FILE, [{ topic: 't', partition: 0, offset: 2 }]);
    };
    let out: ReturnType<typeof runSchedule> | undefined;
    const hit = recordingCodeProbes(() => {
      out = runSchedule(
        'correct',
        { config: { 'kafka.version': '3.7', ...epochCheckpointConfig } },
        scheduleWith(emptyCheckpoint),
      );
    });
    expect(hit).toContain('follower-no-epoch-truncated-to-hw');
    const cuts = out!.cluster
      .probesOf('truncate')
      .map((p) => p.e as unknown as { broker: number; toOffset: number; reason: string });
    expect(cuts).toContainEqual(expect.objectContaining({ broker: b, toOffset: 2, reason: 'no-epoch' }));
    expect(out!.cluster.replica(b).log.leo).toBe(5);
  });
});
