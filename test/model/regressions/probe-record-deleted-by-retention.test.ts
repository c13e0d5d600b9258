// Regression: a liveness failure on the correct model that was the driver's probe's, not
// Kafka's. Swarm seed 71008857 (base 71003000, retention applied: log.retention.bytes 4 KiB,
// checked every second, 2 KiB segments): the liveness probe's record on t/1 was acknowledged,
// then retention deleted the log past it before the probe's stream read it back; the stream's
// fetch got OFFSET_OUT_OF_RANGE (UnifiedLog.read, checkLogStartOffset), it reset to the log
// start, and it polled on for a record that could never be read, so the run failed liveness
// 120 s after the heal. Fix (model/probe-client.ts checkProbeRead): a read that starts above
// the probe's offset means its record was deleted; the probe sends a new value, as it does for
// a send that failed.
// Fixture (fixtures/seed-71008857-shifted.json): a hand-shifted schedule derived from the
// seed's shrunk input: the power loss of partition 0's follower fires 0.7 s after the cut
// before it, not 1.666 s. Under the KRaft metadata timing the shrink's own run reads the probe
// back before retention reaches it; power losses fired 0.66–0.75 s after replay the story: the
// probe's record on t/1 is acknowledged at offset 63 at 96.870 s, its fetch there gets
// FENCED_LEADER_EPOCH, retention deletes the log up to 66 before the retry 100 ms later, which
// gets OFFSET_OUT_OF_RANGE at 63; the stream resets to 66, and the probe's new value is
// acknowledged at 73 and read back.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: the liveness probe whose record retention deleted before it was read', () => {
  it('seed 71008857 (shifted): the probe sends a new value and the run passes', () => {
    const { result, failing } = rerun(71008857, fixtureInput(71008857, 'shifted'), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    const history = result.trace!.history;
    // The first probe value on t/1 was acknowledged at an offset retention then deleted…
    const probeSends = history.filter(
      (e) => e.type === 'ok' && e.f === 'send' && String((e.value as { value?: string }).value).startsWith('probe-'),
    );
    const onT1 = probeSends.filter((e) => (e.value as { partition: number }).partition === 1);
    expect(onT1.length).toBeGreaterThanOrEqual(2);
    const firstOffset = (onT1[0].value as { offset: number }).offset;
    expect(firstOffset).toBe(63);
    // …and the stream that waited for it was reset past it.
    const resets = history.filter(
      (e) => e.f === 'poll' && e.type === 'fail' && e.error === 'OFFSET_OUT_OF_RANGE' && clientIs400(e.process),
    );
    expect(resets.length).toBeGreaterThan(0);
    const probeReset = resets.find((e) => (e.value as { partition: number; offset: number }).offset === firstOffset);
    expect(probeReset?.value).toMatchObject({ partition: 1, offset: 63 });
    expect((onT1[1].value as { offset: number }).offset).toBe(73);
  });
});

function clientIs400(process: number | string): boolean {
  return typeof process === 'number' && Math.floor(process / 1000) === 400;
}
