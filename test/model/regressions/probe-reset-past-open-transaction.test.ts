// Regression: a liveness failure on the correct model that was the driver's probe's, not
// Kafka's — a sibling of probe-record-deleted-by-retention.test.ts that its fix missed.
// Swarm seed 141001547 (base 141000000; kafka 4.1, log.retention.ms 10 s, log.retention.bytes
// 16 KiB, 2 KiB segments, transactions, read_committed), shrunk to 2 faults: a clean rolling
// restart, then a stop of broker 2, the transaction coordinator, right after it wrote a
// PrepareCommit it had not replicated. The swarm's stop was a kill -9; with the model's
// transactional producer now retrying at once on the reset connection
// (txn-producer-disconnect.test.ts) that run no longer holds the transaction, so the fixture
// made the stop a power loss (the shrink's power-loss variant): no connection resets,
// and Kafka's producer, like the model's, waits request.timeout.ms (30 s) for its EndTxn.
// Under the KRaft metadata timing that schedule's coordinator writes no PrepareCommit after
// 10.242 s, so the power loss never fires; fixtures/seed-141001547-power-loss-shifted.json is a
// hand-shifted schedule derived from it: the rolling restart fires on the 3rd ISR shrink seen
// after 1.247 s (1.416 s), not the 22nd.
// The chain: broker 2 writes tx-1's PrepareCommit at 21.101 s and loses power 62 µs later;
// transaction x601-1 (offset 84 of t/0, open since 15.09 s) stays open until its EndTxn's
// retry commits it at 51.203 s, so the LSO of t/0 holds. The liveness probe's record is
// acknowledged at 99 (31.733 s); its read_committed stream at 99 reads nothing (above the
// LSO). Retention deletes the log up to 100: Kafka bounds deletion by the HW only,
// not the LSO (UnifiedLog.deletableSegments, "highWatermark >= upperBoundOffset", 3.9.0-rc3 and
// 4.0.0), and the LSO then rises to the log start (UnifiedLog.maybeIncrementFirstUnstableOffset:
// max(first unstable offset, log start)). The stream's fetch at 99 gets OFFSET_OUT_OF_RANGE
// (checkLogStartOffset, 42.752 s), it resets to the log start 100, and its reads return nothing
// until the transaction ends. The probe looked only for a read whose first record lay above its
// offset; with empty reads it never sent a new value, and (as the swarm's run did, with no
// record ever after the reset) the run failed liveness 120 s after the heal. With the fix the
// probe's new value is acknowledged at 100 (43.257 s), after one empty read at 100.
// Fix (model/probe-client.ts checkProbeRead): a stream position past the probe's offset that
// never returned its record means the record was deleted; the probe sends a new value.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: the probe stream reset past its deleted record, with no record after it', () => {
  it('seed 141001547 (power loss, shifted): the probe sends a new value and the run passes', () => {
    const input = fixtureInput(141001547, 'power-loss-shifted');
    const { result, failing } = rerun(141001547, input, 'correct', true);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    const history = result.trace!.history;
    const probeOn0 = (e: (typeof history)[number]): boolean =>
      clientIs400(e.process) && (e.value as { partition?: number } | undefined)?.partition === 0;
    // The first probe value on t/0 was acknowledged at an offset retention then deleted…
    const acked = history.filter((e) => probeOn0(e) && e.type === 'ok' && e.f === 'send');
    expect(acked.length).toBeGreaterThanOrEqual(2);
    const firstOffset = (acked[0].value as { offset: number }).offset;
    expect(firstOffset).toBe(99);
    // …its stream was reset past it by OFFSET_OUT_OF_RANGE…
    const reset = history.find((e) => probeOn0(e) && e.f === 'poll' && e.error === 'OFFSET_OUT_OF_RANGE');
    expect(reset?.value).toMatchObject({ offset: firstOffset });
    // …and no read of that stream after the reset returned any record: only the position says
    // that the record was passed (the fix this test guards).
    const readsAfterReset = history.filter(
      (e) => probeOn0(e) && e.f === 'poll' && e.type === 'ok' && e.index > reset!.index && e.time < acked[1].time,
    );
    expect(readsAfterReset.length).toBeGreaterThan(0);
    for (const e of readsAfterReset) {
      const value = e.value as { offset: number; records?: unknown[] };
      expect(value.offset).toBeGreaterThan(firstOffset);
      expect(value.records ?? []).toEqual([]);
    }
  });
});

function clientIs400(process: number | string): boolean {
  return typeof process === 'number' && Math.floor(process / 1000) === 400;
}
