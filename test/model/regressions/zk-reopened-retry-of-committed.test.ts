// ZooKeeper mode: swarm seed 260024816 (base 260,024,000, `--controller zookeeper`), shrunk to 3
// faults and 31 sends, then hand-shifted (fixture seed-260024816-zookeeper-retaken-retry.json, the
// seed's draws): once the ZooKeeper-mode controller handled broker changes in batches
// (KafkaController.onBrokerFailure → onReplicasBecomeOffline) the shrunk schedule ran without the
// duplicate; with the power loss's downtime 7,199 ms instead of 7,272 ms the chain is back. t/0 on
// brokers [1, 2, 3], min.insync.replicas 2, leader broker 1 in epoch 0.
// Broker 1 appends "p201-11" at offset 25 (1.700641 s), broker 3 copies it, the HW reaches 26 and
// broker 1 answers; 141 µs later broker 1 loses power (the breach, min-isr-power-loss: ZooKeeper
// mode has no unclean-shutdown handling) before the answer reaches the producer, and comes back
// with an empty log and no producer state. Its controller keeps it leader in epoch 0
// (PartitionStateMachine.initializePartitionState: a live leader stays OnlinePartition), so at
// 23.012 s it takes the producer's retry of "p201-11" as a new producer's batch
// (ProducerAppendInfo.checkSequence: no current producer epoch, any sequence accepted; the
// tracker's 'producer-state-lost' breach) at offset 0, an offset committed at the breach. That
// answer is lost too; broker 3 (epoch 3), which kept 0–25 and the producer's state, answers the
// next retry as a duplicate of offset 25 (ProducerStateEntry.findDuplicateBatch). Broker 1,
// following it with last fetched epoch 0, which broker 3's cache ends at 26 (LeaderEpochFileCache
// .endOffsetFor), finds no divergence (Partition.fetchRecords @ 3.9.0-rc3), keeps its copy at 0
// and fetches 2–25 above it; elected in epoch 5, it serves both copies (0 and 25) to the final
// read. "p201-11" was sent 1,209 µs BEFORE the breach, so the 'reopened-copy' excuse (values sent
// after it) did not apply and the duplicate was a violation; it is now excused because its lower
// copy was appended since the breach by a leader without its producer's state.
//
// The fixture sets controlled.shutdown.enable=false: its chain was found when a clean stop in ZooKeeper
// mode closed the session at once, before controlled shutdown was modelled, and that setting keeps
// exactly that behaviour (KafkaServer.controlledShutdown is skipped).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a retry of a committed record re-taken at an offset the power loss reopened', () => {
  it('seed 260024816: the duplicate of "p201-11" (offsets 0 and 25) is the breach\'s consequence', () => {
    const { result, failing } = rerun(260024816, fixtureInput(260024816, 'zookeeper-retaken-retry'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([
      [['p201-11'], [0, 25]],
      [['p200-14'], [1, 26]],
    ]);
    for (const a of dup) expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    expect(result.outcome).toBe('expected-loss');
  });
});
