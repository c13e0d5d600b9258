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
// The seed's own 188-send shrink (once fixtures/seed-160000395-workload.json) had a longer
// workload: its deadline (307.451 s) came 1 s after the wedge ended with the leader move (the
// reloaded coordinator on broker 2 had its epoch-4 markers taken by broker 1, which knew no
// newer epoch), so the producer, wedged for 250 s, was judged neither wedged nor done. Fix
// (driver/run.ts awaitWorkload): a wedge the promise allows that held every unfinished producer
// when the liveness window closed and is over at the deadline gives them the workload's span
// again, from then; the producer finishes at 309.4 s.
// Under the KRaft metadata timing (controller.quorum.append.linger.ms and the rest,
// docs/readme-model.md) neither schedule reaches that chain any more (the 188-send shrink now
// runs clean: its reloaded epoch-4 commit completes at 56.72 s), and a truncation alone no longer
// empties a follower's producer state: the model keeps the producers whose last batch lies below
// the log start (model/replica-log.ts truncateTo: what a snapshot at or below the target would
// restore). The two cases below run hand-built schedules derived from the seed's shrink.
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
// The second case runs fixtures/seed-160000395-unwedged.json: the first case's schedule with 120
// sends (not 47: the workload's deadline moves to 307.96 s) and a seventh fault, a 35 s cut of
// the link broker 1 ↔ broker 3 from 60 s (starts from 57.5 to 70 s and ends from 94 to 97 s also
// end in the extension). Its chain, in Kafka's source:
// 1. As in the first case up to 57.07 s: broker 3, the last known leader, leads t/0 and
//    `__transaction_state`/0 (which ends at 6) from 56.92 s; the coordinator's epoch-2 markers
//    are refused by t/0, which saw epoch 3 (checkProducerEpoch): tx-0 is wedged, its producer
//    fenced. Brokers 1 and 2 truncate t/0 to 25 and 24 and keep (or fetch again) the epoch-3
//    batches at 23–24: they know epoch 3 too.
// 2. The cut stops broker 1's t/0 at 54 (out of the ISR at 68.38 s) while retention moves broker
//    3's log start to 57 (71.86 s) and on to 131 (106.86 s). Broker 1 fetches again at 120.00 s,
//    below the leader's log start: OFFSET_OUT_OF_RANGE, and AbstractFetcherThread
//    .fetchOffsetAndTruncate (leaderStartOffset > replicaEndOffset) calls truncateFullyAndStartAt
//    (131), whose ProducerStateManager.truncateFullyAndStartAt clears every producer id: broker 1's
//    t/0 no longer knows tx-0's producer.
// 3. The heal is the cut's end, 95 s; in the liveness window (95–215 s) the probe's
//    read_committed polls return nothing (broker 3's t/0 keeps the epoch-3 transaction open, the
//    LSO rests at the log start, as in the first case): t/0's liveness failure, explained by the
//    loss of `__transaction_state`/0. When the window closes tx-0's producer is still wedged.
// 4. At 306.88 s the controller's leader rebalance (leader.imbalance.check.interval.seconds,
//    300 s) makes broker 1 leader of t/0 (epoch 6) and broker 2 of `__transaction_state`/0
//    (epoch 5). Broker 2's coordinator reloads the epoch-2 PrepareCommit and broker 1, knowing no
//    epoch of that producer, appends its COMMIT marker at t/0 145 at 306.89 s (checkProducerEpoch
//    passes); the CompleteCommit is written at 307.88 s. The wedge is over, and so is the hang:
//    no replica of t/0 keeps the transaction open (followers append the marker unchecked).
// 5. The workload's deadline (heal 95 s + 72.96 s of sends + 140 s) passes at 307.96 s with the
//    producer unfinished (its new InitProducerId is written at 307.98 s): awaitWorkload's extension
//    gives it the workload's span again, and its last transaction completes at 309.97 s. t/0's
//    liveness failure stays explained although nothing hangs at the run's end: it is judged
//    against the hanging transactions when the window closed.

import { describe, expect, it } from 'vitest';
import { fixtureInput, type Rerun, rerun } from './helpers.ts';

/** The second schedule's liveness window closes at its heal (95 s, the end of the added cut) + 120 s. */
const WINDOW_END_US = 215_000_000;
/** awaitWorkload's first deadline: the heal + 120 sends × 152 ms × 4 + delivery.timeout.ms + 2 × request.timeout.ms. */
const FIRST_DEADLINE_US = 307_960_000;

let unwedgedRun: Rerun | undefined;
/** The second schedule's run (once for both of its cases). */
function unwedged(): Rerun {
  unwedgedRun ??= rerun(160000395, fixtureInput(160000395, 'unwedged'), 'correct', true);
  return unwedgedRun;
}

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
    // the leader rebalance at 306 s that ended the hang in the seed's shrink. The last case below
    // runs past the leader move, so it is the one that tells the hang was judged when the
    // liveness window closed, not at the end of the run.
    const history = result.trace!.history;
    const [healUs, windowEndUs] = liveness[0].timesUs!;
    expect(windowEndUs - healUs).toBe(120_000_000);
    expect(history[history.length - 1].time).toBeLessThan(306_000_000);
  });

  it('seed 160000395 (unwedged): the producer wedged past the workload deadline finishes once unwedged', () => {
    const { result, failing } = unwedged();
    expect(failing).toEqual([]);
    const liveness = result.verdict.anomalies.filter((a) => a.kind === 'liveness');
    expect(liveness.map((a) => a.topic ?? 'producers')).toEqual(['t']);
    const { history, timeline } = result.trace!;
    // Broker 1's t/0 fell below the leader's log start during the cut and was truncated fully.
    const fullTruncations = timeline.filter(
      (e) => e.kind === 'truncate' && e.topic === 't' && e.broker === 1 && e.reason === 'out-of-range',
    );
    expect(fullTruncations.map((e) => [e.t, e.kind === 'truncate' && e.toOffset])).toEqual([[120_001_775, 131]]);
    // The wedge ends with the leader rebalance, after the liveness window, before the workload's
    // first deadline: broker 1, t/0's new leader, takes the reloaded coordinator's COMMIT marker.
    const moves = timeline.filter((e) => e.kind === 'partition' && e.topic === 't' && e.t > WINDOW_END_US);
    expect(moves.map((e) => [e.t, e.kind === 'partition' && e.leader])).toEqual([[306_881_567, 1]]);
    const markers = timeline.filter(
      (e) => e.kind === 'append' && e.topic === 't' && e.broker === 1 && e.values.includes('COMMIT'),
    );
    const firstAfterWindow = markers.find((e) => e.t > WINDOW_END_US)!;
    expect([firstAfterWindow.t, firstAfterWindow.kind === 'append' && firstAfterWindow.firstOffset]).toEqual([
      306_888_184, 145,
    ]);
    expect(firstAfterWindow.t).toBeLessThan(FIRST_DEADLINE_US);
    // The transactional producer's transactions complete after that deadline, not before: only
    // the extension lets it be judged done.
    const txns = history.filter((e) => e.process === 600000 && e.f === 'txn' && e.type === 'ok');
    expect(txns.filter((e) => e.time > 3_000_000 && e.time < FIRST_DEADLINE_US)).toEqual([]);
    expect(txns[txns.length - 1].time).toBe(309_967_959);
  });

  it('seed 160000395 (unwedged): the hang of t/0 is judged when the window closed, not at the end', () => {
    const { result } = unwedged();
    const liveness = result.verdict.anomalies.filter((a) => a.kind === 'liveness' && a.topic !== undefined);
    expect(liveness.map((a) => [a.topic, a.timesUs])).toEqual([['t', [95_000_000, WINDOW_END_US]]]);
    expect(liveness[0].expected).toBe(true);
    expect(liveness[0].expectedBecause?.rule).toBe('last-known-leader-elected');
    expect(liveness[0].expectedBecause?.topic).toBe('__transaction_state');
    // The hang ended before the run did: the probe's read_committed polls, empty through the
    // window and until the leader move, return t/0's records after it.
    const probePolls = result.trace!.history.filter(
      (e) => e.process === 400000 && e.f === 'poll' && e.type === 'ok' && e.time > WINDOW_END_US,
    );
    const empty = (e: (typeof probePolls)[number]) => (e.value as { records: unknown[] }).records.length === 0;
    const firstRead = probePolls.find((e) => !empty(e))!;
    expect(probePolls.filter((e) => e.time < 306_881_567).every(empty)).toBe(true);
    expect(firstRead.time).toBeGreaterThan(306_888_184);
    expect(firstRead.time).toBeLessThan(result.trace!.history[result.trace!.history.length - 1].time);
  });
});
