// Regression (driver: the promise's hanging-transaction rule). The transactions scenario
// reported on the correct model, seed 92001250 (its input as drawn before the commit-point
// crash joined the scenario, stored from the shrunk trace): "Send of "final-400-1" to t/0 …
// was acknowledged at offset 33, yet no poll ever returned it", and liveness failures of t/0
// and of the final read. There x602-3 (offset 31) committed, its COMMIT marker at 32
// acknowledged by both replicas of t/0; then a power loss of both (beyond the promise) cut their
// logs to 32. The records kept re-open x602-3's transaction on recovery, but its coordinator had
// completed it (the marker was acknowledged) and never writes the marker again: a hanging
// transaction, the LSO stuck at 31, so read_committed reads never reach the records sent after
// it. Kafka does the same (KIP-664); the rule that excused a hanging transaction only after a
// breach of `__transaction_state` now also takes a breach of the hanging partition itself
// (driver/promise.ts breachMayHang).
// Under the KRaft metadata timing (controller.quorum.append.linger.ms and the rest,
// docs/readme-model.md) that input no longer reaches the chain: its sends interleave
// differently, so t/0's only segment roll (log.segment.bytes 2048), the only flush of its log
// before the power loss, comes at 35 with x602-3's own batch (its COMMIT at 36), and the power
// loss cuts both replicas to 35, batch and marker together. No power-loss time can do better
// (t/0 takes no record after 11 s and rolls only once; before 5.147 s nothing is flushed).
// The test runs instead swarm seed 800024285 (base 800,000,000, the KRaft-timing campaign; kafka
// 4.1, 6 faults, fixtures/seed-800024285.json is its unshrunk input, `npm run fuzz -- --seed
// 800024285 --print`), the same chain with another breach of t/0 itself, KIP-966's last known
// leader (last-known-leader-elected) rather than a power loss of min.insync.replicas replicas:
// 1. x602-3 commits at t/0 offset 61 (60.38 s), its COMMIT marker at 62 acknowledged by the ISR
//    [1, 3] of t/0 (replicas [1, 2, 3], min.insync.replicas 2).
// 2. Broker 3 is elected leader of t/0 (epoch 2, ISR [3]) and loses power at 92.18 s (torn
//    tail); on restart (101.97 s) recovery cuts its t/0 to 62, keeping x602-3 and losing the
//    marker; at 102.03 s it is elected again as the last known leader (epoch 4), and broker 1
//    truncates to 62 on the diverging epoch (103.03 s) before it leads again (epoch 5, 106.15 s).
// 3. Every replica left holds x602-3 with no marker after it: the transaction re-opens, its
//    coordinator never writes the marker again, the LSO stays at 61: the probe's read_committed
//    polls return nothing in the liveness window (120–240 s) and the final read stops at 61.
// Checked: with breachMayHang taking only breaches of `__transaction_state`, the liveness
// failures and three lost-writes (offsets 76–78) of this run fail.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a hanging transaction after its partition lost the marker', () => {
  it('seed 800024285: the stuck reads are explained by the breach of t/0 itself, nothing fails', () => {
    const { result, failing } = rerun(800024285, fixtureInput(800024285));
    expect(failing).toEqual([]);
    const stuck = result.verdict.anomalies.filter((a) => a.kind === 'lost-write' || a.kind === 'liveness');
    expect(stuck.some((a) => a.kind === 'liveness')).toBe(true);
    expect(stuck.every((a) => a.expectedBecause?.rule === 'last-known-leader-elected')).toBe(true);
    expect(stuck.every((a) => a.expectedBecause?.topic === 't' && a.expectedBecause.partition === 0)).toBe(true);
  });
});
