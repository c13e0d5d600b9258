// Regression (driver: the promise, consistent-read against a gap), ZooKeeper mode, swarm seed
// 290036775 (`--controller zookeeper`, Kafka 3.9), shrunk. The fixture
// (fixtures/seed-290036775-shifted.json) is a hand-shifted schedule derived from the seed's shrink:
// broker 1's power loss strikes 36.800 ms after its produce acknowledgement, not 37.805 ms, and it
// stays down 5,819 ms, not 5,812 ms. Since the ZooKeeper-mode controller handles a broker change in
// Kafka's order and batches (model/zk-controller.ts), the shrink's own timing takes broker 1 off
// the chain: its torn tail keeps the batch at 13–15, and its registration retry comes just before
// the old session expires, so the new controller finds it dead and elects broker 2 (epoch 5).
// Broker 1 is the controller and leads t/0 in epoch 3 (ISR 1, 2); it writes "p200-24", "p200-27",
// "p200-30" as one batch at 13–15, follower 2 copies it and the HW reaches 16. Broker 1 loses
// power (torn tail) at 50.155 s (min-isr-power-loss) and restarts with log end 13; its
// registration is refused while its old session's /brokers/ids/1 stands. The old session expires
// at 70.000 s, broker 1 registers again (70.0017 s) and broker 3 wins the controller election
// (70.003 s); its failover reads broker 1 live and leader 1 in epoch 3: OnlinePartition, no
// election (KafkaController.initializeControllerContext, PartitionStateMachine
// .initializePartitionState, 3.9.0-rc3). Broker 1 takes epoch 3 as new and writes the probe's
// "probe-400-0" (sent at 55.97 s, after the breach) alone at 13. Follower 2, fetching at 16 in
// epoch 3, is told the epoch ends at 14 and truncates to 14 (70.210 s), inside its batch 13–15:
// offset 13 is a gap on broker 2 (LocalLog.truncateTo → LogSegment.truncateTo,
// updateLogEndOffset). The leader's HW reaches 14 (70.213 s), the probe is acknowledged and reads
// "probe-400-0" back at 13 (70.215 s). Five seconds after the failover the controller's auto
// leader rebalance elects the preferred replica, broker 2, in epoch 4 (KafkaController
// .scheduleAutoLeaderRebalanceTask(delay = 5 s), Election.leaderForPreferredReplica: broker 2 live
// and in the ISR). The run reported "Offset 13 of t/0 was consumed as "probe-400-0", but the
// current leader, broker 2 (epoch 4), now holds no record there (a truncation inside a batch cut
// it; its log ends at 14)" as a violation, while the acked-durable of the same record and the
// log-matching gaps at 13 were excused: 'consequence' asked for a record sent before the breach.
// The checker now names the gap (placeholder '') and the promise excuses a consistent-read
// against a gap as it excuses log-matching against one (driver/promise.ts gapReopenedInEpoch).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a record read from a reopened epoch, then a leader with a gap there', () => {
  it('seed 290036775 (shifted): the consistent-read against the new leader’s gap is beyond the promise', () => {
    const input = fixtureInput(290036775, 'shifted');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(290036775, input);
    expect(failing).toEqual([]);
    expect(result.codeProbes).toContain('truncate-inside-batch');
    const reads = result.verdict.anomalies.filter(
      (a) => a.kind === 'consistent-read' && /a truncation inside a batch cut it/.test(a.explanation),
    );
    expect(reads.map((a) => [a.offsets, a.values, a.nodes])).toEqual([[[13], ['probe-400-0', ''], [2]]]);
    expect(reads.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
    expect(reads.every((a) => a.expectedBecause?.atUs === 50_154_681)).toBe(true);
  });
});
