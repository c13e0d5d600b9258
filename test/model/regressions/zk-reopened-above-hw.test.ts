// Regression (promise labelling), ZooKeeper mode: swarm seed 440040610 (`--controller zookeeper`,
// Kafka 3.9), its shrunk counterexample (fixtures/seed-440040610.json: 4 faults, 85 sends). It
// was reported as a violation of the correct model: acked-durable, "p202-25" acknowledged at
// offset 67 of t/0 at 59.009 s with 1 of 3 copies, and broker 3, leading epoch 5, holds no record
// there (likewise "p201-18" at 66). Every step is Kafka's (@ 3.9.0-rc3):
// - Broker 2 loses power at 18.638 s (its log back at 41 < HW 43); the controller, broker 1,
//   elects itself in epoch 1 with ISR [1, 3] once broker 2's old session expires (38.008 s).
// - Broker 1, the controller and leader of epoch 1, loses power at 38.207 s with HW 66 and log
//   end 72; broker 3 had copied 66–71 (one batch, "p200-23".."p200-28") in epoch 1. Broker 1
//   comes back with its log ending at 66. The breach (min-isr-power-loss, brokers 1 and 2).
// - Its old session expires at 58.0 s; it registers again before broker 2 wins the controller
//   election, whose failover finds it live and leading: OnlinePartition, epoch 1 kept
//   (KafkaController.onControllerFailover → PartitionStateMachine.initializePartitionState);
//   broker 1 takes epoch 1 as new, broker 3 ignores the equal epoch and keeps fetching
//   (ReplicaManager.becomeLeaderOrFollower).
// - Broker 1 appends "p201-18" at 66 and "p202-25" at 67, both sent after the breach. Broker 3
//   fetches at 72 with last fetched epoch 1: diverging epoch (1, 68) (Partition.fetchRecords),
//   truncation to min(68, 72) (AbstractFetcherThread.getOffsetTruncationState), inside its batch
//   66–71: LocalLog.truncateTo sets its log end to 68 and leaves 66–67 a gap. Its next fetch at
//   68 moves the HW to 68 (Partition.maybeIncrementLeaderHW: ISR [1, 3], by log end), and both
//   records are acknowledged with only broker 1 holding them.
// - Broker 3 leads after broker 1's controlled shutdown (82.028 s, ISR [3]): the records are gone.
// The promise excused the records' log-matching and consistent-read (a gap below the damaged
// leader's log end at the loss, gapReopenedInEpoch) but their loss only at offsets committed at
// the breach (HW 66). The same reopened epoch puts them at risk up to that log end (72): the loss
// is now excused there too (reopenedInEpoch), and stays a violation at or above it.
// On e6fcc57 the seed was OK: its power loss came 2 ms later, when broker 3 held nothing above 65.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a record acknowledged in a reopened epoch above the HW of the breach', () => {
  it('seed 440040610 (shrunk): losing "p201-18" and "p202-25" at 66–67 is beyond the promise', () => {
    const input = fixtureInput(440040610);
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(440040610, input, 'correct', true);
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    const cut = result.trace?.timeline.find((e) => e.kind === 'truncate' && e.broker === 3);
    expect(cut).toMatchObject({ toOffset: 68, reason: 'diverging-epoch' });
    const lost = result.verdict.anomalies.filter((a) => a.kind === 'acked-durable');
    expect(lost.map((a) => [a.values?.[0], a.offsets?.[0]]).sort()).toEqual([
      ['p201-18', 66],
      ['p202-25', 67],
    ]);
    for (const a of lost) {
      expect(a.expectedBecause).toMatchObject({ rule: 'min-isr-power-loss', atUs: 38_206_710, nodes: [1, 2] });
    }
  });
});
