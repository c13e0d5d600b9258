// Regression (model: producer snapshots and power loss). A snapshot written at a segment roll is
// fsynced later (UnifiedLog.roll → flushProducerStateSnapshot); a power loss before that leaves
// the file with its name but not its bytes. The model loaded such an empty file as a snapshot
// of no producers, replayed nothing before it, and the broker came back with an empty
// idempotence state over a log full of batches: the white-box invariant producer-state-log
// fired (and a retry could have been appended twice).
//
// Kafka cannot load it: ProducerStateManager.readSnapshot reads a version and a CRC over the
// entries; an empty or cut-short file fails (CorruptSnapshotException), the loader deletes it
// and takes the next older snapshot, or rebuilds from the log. The model's snapshot now starts
// with a header holding its entry count, checked the same way.
//
// Fuzzer report: swarm, correct model, retention applied, seed 63003024 of base seed 63000000:
// "Broker 1 appended producer 3000001's batch ending at offset 38 of t/0 (epoch 0, sequence
// 19), but its idempotence state does not hold it as that producer's last batch."

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a producer snapshot a power loss emptied is corrupt, never an empty state', () => {
  it('seed 63003024: no producer-state-log violation after broker 1 recovers', () => {
    const { failing } = rerun(63003024, fixtureInput(63003024));
    expect(failing).toEqual([]);
  });
});
