// Regression (driver: the promise's producer-state-lost rule), ZooKeeper mode: swarm seed 470034042
// (`--controller zookeeper`, Kafka 3.9), its shrunk counterexample (7
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
//
// Shifted (fixtures/seed-470034042-shifted.json): since ZooKeeper mode's transaction coordinator
// goes on across a later leader epoch of its leadership (model/txn-host.ts, seed 520046712) the
// shrunk input runs otherwise; this is the shrunk input with its second fault (a restart of t/0's
// leader) 700 µs later, where the same chain recurs one offset on: "p200-22" (116) taken as new by
// broker 3 at 123 in epoch 5, the retry of "p200-23" (117) in sequence after it at 126 in epoch 6.
// With relearnedState's former same-epoch test the copy at 126 is again a failing duplicate.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a retry in sequence after a re-learned producer, in a later epoch of the same leader', () => {
  it('seed 470034042 (shrunk, shifted): "p200-23" at 117 and 126 is producer-state-lost, nothing fails', () => {
    const input = fixtureInput(470034042, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(470034042, input, 'correct', true);
    expect(failing).toEqual([]);
    const appendOf = (value: string, offset: number) =>
      (result.trace?.timeline ?? []).filter(
        (e) => e.kind === 'append' && e.partition === 0 && e.firstOffset === offset && e.values[0] === value,
      );
    // The batch taken as new in epoch 5, the retry in sequence after it in epoch 6, both by broker 3.
    expect(appendOf('p200-22', 123).some((e) => e.kind === 'append' && e.broker === 3 && e.epoch === 5)).toBe(true);
    expect(appendOf('p200-23', 126).some((e) => e.kind === 'append' && e.broker === 3 && e.epoch === 6)).toBe(true);
    const dups = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dups.map((a) => a.offsets)).toEqual([[117, 126]]);
    expect(dups.every((a) => a.expected === true && a.expectedBecause?.rule === 'producer-state-lost')).toBe(true);
  });
});
