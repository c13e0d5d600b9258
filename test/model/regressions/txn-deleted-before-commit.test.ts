// Regression (driver's history, then the model's LSO). Swarm seed 170006249 (base 170,000,000;
// kafka 4.1, log.retention.ms 10 s, 8 KiB segments, transactions, read_committed), shrunk to 2
// faults, reported on the correct model: "lost-write — Send of "x600-7" to t/2 by process 600000
// was of unknown outcome, but its operation committed (a poll returned one of its records), yet
// the final read of t/2 from offset 0 … does not contain it".
// The chain: transaction [x600-6 → t/1 at 22, x600-7..9 → t/2 at 23–25] is acknowledged at 4.38 s
// and its EndTxn(commit) sent; a cut between brokers 1 and 2 (4.37 s, for 22 s) holds the coordinator's
// PrepareCommit below the HW of __transaction_state until the ISR shrinks (replica.lag.time.max.ms
// 30 s), so the transaction stays open on t/2 until 35 s. At 30 s retention deletes t/2 up to 34:
// Kafka bounds deletion by the HW only, not the LSO (UnifiedLog.deletableSegments,
// "highWatermark >= upperBoundOffset", 3.9.0-rc3). The COMMIT marker lands at 34 at 35 s: the
// transaction committed (x600-6 is read on t/1 at read_committed), but its records on t/2 were
// deleted before any read_committed read could return them — retention, which Kafka's promise
// allows. The producer, fenced on its EndTxn retry, recorded the transaction as info with its
// sends as invoked, so the checker could not place x600-7 and its retention excuse did not apply.
// Fix 1 (model/txn-producer.ts complete): an info transaction records the offsets its sends were
// acknowledged at (the application holds their RecordMetadata; Jepsen keeps them, and
// checkers/kafka-actions.ts reads them); x600-7 at 23 < log start 34 is deleted-by-retention.
// Fix 2 (model/replica-log.ts lso): the LSO never lies below the log start
// (UnifiedLog.maybeIncrementFirstUnstableOffset: max(first unstable offset, log start)); the
// model's stayed at 23, so read_committed consumer 300001 at 23 looped on OFFSET_OUT_OF_RANGE
// and reset to "latest" = 23 again.
// Under the KRaft metadata timing (controller.quorum.append.linger.ms and the rest, docs/readme-model.md)
// the same fixture runs the same chain one offset earlier on t/2 (x600-7..9 at 23–25, log start and
// COMMIT marker at 34, not 24–26 and 37); the numbers above and below are this run's.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: a committed transaction whose records retention deleted before its marker', () => {
  const { result, failing } = rerun(170006249, fixtureInput(170006249), 'correct', true);
  const history = result.trace!.history;
  const onT2 = (e: (typeof history)[number]): boolean =>
    (e.value as { partition?: number } | undefined)?.partition === 2;

  it('seed 170006249: the info transaction carries its acknowledged offsets; x600-7 is deleted by retention', () => {
    expect(failing).toEqual([]);
    const info = history.find((e) => e.f === 'txn' && e.type === 'info' && JSON.stringify(e.value).includes('x600-7'));
    expect(info?.value).toContainEqual(['send', 2, [23, 'x600-7']]);
    const deleted = result.verdict.anomalies.find(
      (a) => a.kind === 'deleted-by-retention' && a.topic === 't' && a.partition === 2,
    );
    expect(deleted?.offsets?.[0]).toBeLessThanOrEqual(23);
    expect(deleted?.offsets?.[1]).toBeGreaterThanOrEqual(25);
    expect(result.verdict.anomalies.filter((a) => a.kind === 'lost-write')).toEqual([]);
  });

  it('seed 170006249: a read_committed reset after retention lands at the log start, once per consumer', () => {
    const during = (e: (typeof history)[number]): boolean => onT2(e) && e.time > 30_000_000 && e.time < 35_000_000;
    const resets = history.filter((e) => during(e) && e.f === 'assign' && e.type === 'ok');
    expect(resets.length).toBeGreaterThan(0);
    for (const e of resets) expect((e.value as { offset: number; reset?: string }).offset).toBe(34);
    const outOfRange = history.filter((e) => during(e) && e.f === 'poll' && e.error === 'OFFSET_OUT_OF_RANGE');
    expect(outOfRange.length).toBe(new Set(outOfRange.map((e) => e.process)).size);
  });
});
