// Regression (model: __consumer_offsets under retention): the swarm's small retention draws
// (log.retention.ms / log.retention.bytes) applied to every log, __consumer_offsets included,
// so retention deleted the group coordinator's first segments and the coordinator, loading
// its groups after a move, read the holes below the log start and the run crashed.
//
// Kafka creates __consumer_offsets with cleanup.policy=compact (GroupCoordinator
// offsetsTopicConfigs), and UnifiedLog.deleteOldSegments deletes by retention.ms and
// retention.bytes only under the delete policy (config.delete); a compacted log loses segments
// only below its log start. The model does not compact, so that log is never cut.
//
// Fuzzer report: swarm, correct model, seed 60000099 of base seed 60000000 (combined mode, a
// group with manual commits, retention.ms 30 s, retention.bytes 16 KiB, 2 KiB segments):
// "the simulation threw at 49.467 s: Cannot read properties of undefined (reading 'offset')".

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('__consumer_offsets is compacted, never deleted by retention', () => {
  it('seed 60000099: the run completes; the data topic still loses segments to retention', () => {
    const input = fixtureInput(60000099);
    expect(input.shape.timing?.['log.retention.bytes']).toBe(16384);
    const { result, failing } = rerun(60000099, input);
    expect(result.outcome).not.toBe('crash');
    expect(failing).toEqual([]);
    // Retention still ran on the scenario's topic: the sends it deleted are reported as such.
    expect(result.verdict.anomalies.some((a) => a.kind === 'deleted-by-retention')).toBe(true);
  });
});
