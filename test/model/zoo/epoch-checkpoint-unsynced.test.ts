// Bug zoo: epoch-checkpoint-unsynced (KAFKA-16541). Kafka 3.7 rewrote the leader-epoch
// checkpoint after a truncation at once but without fsync and without flushing the directory
// (KAFKA-15046's first form, LeaderEpochFileCache.truncateFromEnd → writeToFile(false)); 3.8
// fsyncs it on the scheduler (truncateFromEndAsyncFlush). The variant puts 3.7's write back at
// the newest version. The journal commits the rename within seconds while the new file's data
// waits for writeback: a power loss in between leaves an empty checkpoint, and recovery
// rebuilds the cache only past the recovery point.
// Schedule: test/model/zoo/epoch-checkpoint-schedule.ts (a follower that led an empty epoch
// restarts, its recovery drops that entry and rewrites the checkpoint, then it loses power).
// Caught by: epoch-cache-complete (the cache has no entry for the epoch of records 0..4).

import { describe, expect, it } from 'vitest';
import { NEWEST_KAFKA_VERSION } from '../../../model/versions.ts';
import { recordingCodeProbes } from '../helpers.ts';
import { runSchedule } from './harness.ts';
import { epochCheckpointConfig, epochCheckpointSchedule } from './epoch-checkpoint-schedule.ts';

const opts = { config: { 'kafka.version': NEWEST_KAFKA_VERSION, ...epochCheckpointConfig } };

describe('zoo: epoch-checkpoint-unsynced', () => {
  it("the variant's unsynced rewrite comes back empty after the power loss (epoch-cache-complete)", () => {
    let kinds: readonly string[] = [];
    const hit = recordingCodeProbes(() => {
      kinds = runSchedule('epoch-checkpoint-unsynced', opts, epochCheckpointSchedule).kinds;
    });
    expect(hit).toContain('epoch-checkpoint-unsynced-write');
    expect(kinds).toContain('epoch-cache-complete');
  });

  it('the correct model fsyncs the rewrite on the scheduler and keeps every entry', () => {
    let anomalies: readonly unknown[] = [];
    const hit = recordingCodeProbes(() => {
      anomalies = runSchedule('correct', opts, epochCheckpointSchedule).anomalies;
    });
    expect(hit).not.toContain('epoch-checkpoint-unsynced-write');
    expect(anomalies).toEqual([]);
  });
});
