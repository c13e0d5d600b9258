// Regression: a liveness failure on the correct model that the promise rules failed to explain
// because they looked for the hanging transaction only at the end of the run.
// Swarm seed 160000395 (base 160000000; kafka 4.1, transactions, retention 10 s, 2 KiB
// segments), shrunk to 6 faults. The chain as the seed's shrink first showed it, in Kafka's source:
// 1. Broker 3 loses power and later is elected leader of both t/0 and `__transaction_state`/0
//    as KIP-966's last known leader (a durability breach the promise allows,
//    last-known-leader-elected). `__transaction_state`/0 ends at 12: tx-0's records of epochs
//    5–6 are lost, the coordinator reloads epoch 4 in PrepareCommit, and its epoch-4 markers
//    are refused by t/0, which saw epoch 6 (ProducerAppendInfo.checkProducerEpoch): a wedged id.
// 2. Broker 3's t/0 lost the commit marker at 30 but kept the transaction's batch at 29: it stays
//    open there (ProducerStateManager.onLogStartOffsetIncremented, 3.9.0-rc3, drops only
//    unreplicated transactions, never ongoing ones, when retention moves the log start past it),
//    so the LSO of t/0 never passes it (once retention moved the log start past it, the LSO rests
//    at the log start: UnifiedLog.maybeIncrementFirstUnstableOffset) and the probe's
//    read_committed polls return nothing.
// 3. Brokers 1 and 2 truncate t/0 to 30 with log start 30: ProducerStateManager.truncateAndReload
//    (3.9.0-rc3) deletes every snapshot at or below the log start and reloads none, so their
//    producer state never holds that transaction.
// 4. At 306 s the controller's leader rebalance (leader.imbalance.check.interval.seconds, 300 s)
//    makes broker 1 leader: the LSO jumps to the HW and the probe reads — after the 120 s
//    liveness window (53–173 s), but before the run's end.
// The hanging-transaction rule (driver/promise.ts hangingTxnBreach) read the hanging
// transactions at the end of the run only, where none was left, so the probe's liveness failure
// (and the transactional producer's, wedged at the workload deadline) were called violations.
// Fix: the driver records the hanging transactions when the liveness window closes and the wedged
// producers when the workload's deadline passes, the moments those failures are judged.
// The seed's own shrink (fixtures/seed-160000395-workload.json, 188 sends) had a longer
// workload: its deadline (307.451 s) came 1 s after the wedge ended with the leader move (the
// reloaded coordinator on broker 2 had its epoch-4 markers taken by broker 1, which knew no
// newer epoch), so the producer, wedged for 250 s, was judged neither wedged nor done. Fix
// (driver/run.ts awaitWorkload): a wedge the promise allows that held every unfinished producer
// when the liveness window closed and is over at the deadline gives them the workload's span
// again, from then; the producer finishes at 309.4 s.
// Under the KRaft metadata timing (controller.quorum.append.linger.ms and the rest,
// docs/readme-model.md) neither schedule reaches that chain any more: the transactional
// producer's transactions run at another pace against the faults. In the 188-send run the cut of
// broker 2 from broker 1 starts at 2.68 s, in tx-0's epoch-4 transaction (x600-7 at t/0 26);
// broker 3's `__transaction_state`/0 again ends at 12 (epoch-4 PrepareCommit at 11), but its t/0
// saw no newer epoch, so the reloaded commit completes at 56.72 s and the run is clean (no
// liveness failure). The second case therefore fails on this model: no shift of one or two of its
// fault values tried (the fourth fault's count and start, the first cut's start) reaches the
// wedge that the leader move ends.
// The first case runs fixtures/seed-160000395-shifted.json, a hand-shifted schedule derived from
// the seed's shrink: its first link cut starts at 4.976 s, not 4.676 s (an earlier re-pin, for
// DelayedFetch Case F), and its fourth fault, the 28561 ms cut of broker 2 (the coordinator) from
// broker 1 (t/0's leader), counts its 20 follower fetches from 2.306 s, not 2.377 s (2.230 to
// 2.325 s give the same run). Its chain, same kind, other numbers:
// 1. That cut starts at 2.60 s, with tx-0's epoch-3 transaction (x600-5, x600-6 at t/0 23–24)
//    open. Broker 3 loses power at 6.34 s and at 56.92 s is elected leader of both t/0 (epoch 5)
//    and `__transaction_state`/0 (epoch 4) as the last known leader (last-known-leader-elected).
//    Its `__transaction_state`/0 ends at 6 (the roll at 6 flushed 0–5): tx-0's records 6–10
//    (epochs 2–3, the last its Ongoing at epoch 3) are lost, the coordinator reloads epoch 2 in
//    PrepareCommit (offset 5), and its epoch-2 markers are refused by t/0, which saw epoch 3
//    (ProducerAppendInfo.checkProducerEpoch): a wedged id. The producer, its EndTxn(commit) sent,
//    is fenced at 57.07 s (the transaction recorded as info) and sends nothing more.
// 2. Broker 3's t/0 kept 0–24 (the roll at 25 flushed them), the epoch-3 batches among them with no
//    marker: the transaction stays open (ProducerStateManager.onLogStartOffsetIncremented,
//    3.9.0-rc3, drops only unreplicated transactions, never ongoing ones, when retention moves the
//    log start past it), so the LSO of t/0 never passes 23; once retention moved the log start
//    past it (25 at 61.86 s, 58 at 71.86 s), the LSO rests at the log start
//    (UnifiedLog.maybeIncrementFirstUnstableOffset), where each probe's own record sits, and the
//    probe's read_committed polls return nothing within the 120 s window (53.17–173.17 s).
// 3. No leader move comes before the run ends (277.36 s; see the note in the test): both liveness
//    failures are explained by the loss of `__transaction_state`/0.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: a hanging transaction that ends after the liveness window, before the run ends', () => {
  it('seed 160000395 (shifted): both liveness failures are explained by the loss of __transaction_state', () => {
    const { result, failing } = rerun(160000395, fixtureInput(160000395, 'shifted'), 'correct', true);
    expect(failing).toEqual([]);
    const liveness = result.verdict.anomalies.filter((a) => a.kind === 'liveness');
    expect(liveness.map((a) => a.topic ?? 'producers')).toEqual(['t', 'producers']);
    for (const a of liveness) {
      expect(a.expected).toBe(true);
      expect(a.expectedBecause?.rule).toBe('last-known-leader-elected');
      expect(a.expectedBecause?.topic).toBe('__transaction_state');
    }
    // In this run retention moves t/0's log start past the final read's end marker (68, sent at
    // 221.75 s) and the read_committed final read, reset to the log start, completes at 277.36 s
    // (at the LSO, which rests at the log start: model/replica-log.ts lso, seed 170006249), before
    // the leader rebalance at 306 s that ended the hang in the seed's shrink. The case below (the
    // seed's 188-send shrink) ran past the leader move, so it is the one that tells the hang was
    // judged when the liveness window closed, not at the end of the run.
    const history = result.trace!.history;
    const [healUs, windowEndUs] = liveness[0].timesUs!;
    expect(windowEndUs - healUs).toBe(120_000_000);
    expect(history[history.length - 1].time).toBeLessThan(306_000_000);
  });

  it('seed 160000395 (188 sends): the producer wedged past the workload deadline finishes once unwedged', () => {
    const { result, failing } = rerun(160000395, fixtureInput(160000395, 'workload'), 'correct', true);
    expect(failing).toEqual([]);
    const liveness = result.verdict.anomalies.filter((a) => a.kind === 'liveness');
    expect(liveness.map((a) => a.topic)).toEqual(['t']);
    // The transactional producer's last transaction completes after the workload's first
    // deadline (heal 53.147 s + 254.304 s), not before: only the extension lets it be judged done.
    const txns = result.trace!.history.filter((e) => e.process === 600000 && e.f === 'txn' && e.type === 'ok');
    expect(txns[txns.length - 1].time).toBeGreaterThan(307_450_993);
    // The hang did end before the run did (what an end-of-run look would miss).
    const h = result.trace!.history;
    expect(h[h.length - 1].time).toBeGreaterThan(306_000_000);
  });
});
