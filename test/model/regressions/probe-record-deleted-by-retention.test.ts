// Regression: a liveness failure on the correct model that was the driver's probe's, not
// Kafka's. Swarm seed 71008857 (base 71003000, retention applied: log.retention.bytes 4 KiB,
// checked every second, 2 KiB segments): the liveness probe's record on t/1 was acknowledged
// at offset 64, then retention deleted the log up to 65 before the probe's stream read it
// back; the stream's fetch at 64 got OFFSET_OUT_OF_RANGE (UnifiedLog.read, checkLogStartOffset),
// it reset to the log start 65, and it polled on for a record that could never be read, so
// the run failed liveness 120 s after the heal. Fix (model/probe-client.ts checkProbeRead): a
// read that starts above the probe's offset means its record was deleted; the probe sends a
// new value, as it does for a send that failed.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: the liveness probe whose record retention deleted before it was read', () => {
  it('seed 71008857: the probe sends a new value and the run passes', () => {
    const { result, failing } = rerun(71008857, fixtureInput(71008857), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    const history = result.trace!.history;
    // The first probe value on t/1 was acknowledged at an offset retention then deleted…
    const probeSends = history.filter(
      (e) => e.type === 'ok' && e.f === 'send' && String((e.value as { value?: string }).value).startsWith('probe-'),
    );
    const onT1 = probeSends.filter((e) => (e.value as { partition: number }).partition === 1);
    expect(onT1.length).toBeGreaterThanOrEqual(2);
    // …and the stream that waited for it was reset past it.
    const resets = history.filter(
      (e) => e.f === 'poll' && e.type === 'fail' && e.error === 'OFFSET_OUT_OF_RANGE' && clientIs400(e.process),
    );
    expect(resets.length).toBeGreaterThan(0);
  });
});

function clientIs400(process: number | string): boolean {
  return typeof process === 'number' && Math.floor(process / 1000) === 400;
}
