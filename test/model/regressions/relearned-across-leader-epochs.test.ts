// Regression (driver: the promise's producer-state-lost rule), ZooKeeper mode: swarm seed 470034042
// (`--controller zookeeper`, Kafka 3.9), its shrunk counterexample (fixtures/seed-470034042.json: 7
// faults, 96 sends). It was reported as a violation of the correct model: duplicate, "p200-23" at
// offsets 116 and 125 of t/0 (and "p201-26" at 118 and 126), each sent once. Every step is Kafka's
// (@ 3.9.0-rc3):
// - Broker 1 leads epoch 2 and appends "p200-22" at 115 and "p200-23" at 116 (producer epoch 0);
//   the link to its only ISR follower is cut, the produce times out unanswered. Retention then
//   deletes their segment (log start 120; ProducerStateManager.onLogStartOffsetIncremented keeps
//   the producers on brokers 1 and 2).
// - Broker 3, back from a clean shutdown with its log ending at 110, is out of range and truncates
//   fully to 120 (ProducerStateManager.truncateFullyAndStartAt: clearProducerIds).
// - Broker 3 leads epoch 5 (105.01 s) with no state for the producer and takes the retry of
//   "p200-22" at 122 as a new producer's (ProducerAppendInfo.checkSequence: no current producer
//   epoch, any sequence): the rule 'producer-state-lost'.
// - Broker 1 crashes; the ZooKeeper controller removes it from the ISR and bumps the epoch of the
//   leader that stays (ReplicaStateMachine.doRemoveReplicasFromIsr → LeaderAndIsr.newLeaderAndIsr:
//   leaderEpoch + 1), so broker 3 leads epoch 6 (110.01 s) with the same log and producer state
//   (Partition.makeLeader only assigns the epoch's start offset). The retry of "p200-23" is in
//   sequence after the re-learned "p200-22" and is appended again at 125.
// The tracker's AppendIdentities continued a re-learning only within one leader epoch, so the
// copy at 125 looked unexplained. It now continues it while the same broker leads on (a leader
// change or its restart ends it). On e6fcc57 the seed ran otherwise (19,930 events, no violation).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a retry in sequence after a re-learned producer, in a later epoch of the same leader', () => {
  it('seed 470034042 (shrunk): "p200-23" at 116 and 125 is producer-state-lost, nothing fails', () => {
    const input = fixtureInput(470034042);
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(470034042, input, 'correct', true);
    expect(failing).toEqual([]);
    const appendOf = (value: string, offset: number) =>
      (result.trace?.timeline ?? []).filter(
        (e) => e.kind === 'append' && e.partition === 0 && e.firstOffset === offset && e.values[0] === value,
      );
    // The batch taken as new in epoch 5, the retry in sequence after it in epoch 6, both by broker 3.
    expect(appendOf('p200-22', 122).some((e) => e.kind === 'append' && e.broker === 3 && e.epoch === 5)).toBe(true);
    expect(appendOf('p200-23', 125).some((e) => e.kind === 'append' && e.broker === 3 && e.epoch === 6)).toBe(true);
    const dups = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dups.map((a) => a.offsets)).toEqual([
      [116, 125],
      [118, 126],
    ]);
    expect(dups.every((a) => a.expected === true && a.expectedBecause?.rule === 'producer-state-lost')).toBe(true);
  });
});
