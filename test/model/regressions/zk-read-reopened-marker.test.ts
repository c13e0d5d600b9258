// Regression (driver: the promise, consistent-read), ZooKeeper mode, swarm seed 520039709
// (`--controller zookeeper`, Kafka 3.9), shrunk. Broker 3 leads t/0 in epoch 5 with follower 1 in
// the ISR; both hold ABORT at 3 and records up to 19, HW 20. Broker 2, the controller, shuts down
// at 118.473 s (its closeSession lost, so /controller stands until its session expires) and
// broker 3 loses power at 118.539 s (in ZooKeeper mode one power loss is a min-isr-power-loss
// breach), coming back at 120 s with its log ending at 3. Its registration is refused until its
// old session expires; at 138.00 s the old controller's session expires, broker 3 wins the
// election, and its failover finds itself live and leading: OnlinePartition, no election, epoch 5
// kept (KafkaController.onControllerFailover, PartitionStateMachine.initializePartitionState
// @ 3.9.0-rc3). It appends probe-400-0 at 3 in epoch 5 (138.081 s). Follower 1, fetching at 20
// with last fetched epoch 5, learns the epoch ends at 4 and truncates to 4 (138.218 s), keeping
// ABORT at 3; its log end raises the HW to 4, so probe-400-0 is acknowledged (acks=all) with only
// broker 3 holding it and read at 138.220 s. The auto leader rebalance elects broker 1 (epoch 6,
// 143.016 s), which holds ABORT there. The run reported "Offset 3 of t/0 was consumed as
// "probe-400-0", but the current leader, broker 1 (epoch 6), now holds "ABORT" there" as a
// violation, though the record's acked-durable was excused ('lost-acked', reopenedInEpoch): the
// marker has no send time for 'consequence'. The promise now judges it by the offset, as it does a
// gap (driver/promise.ts readReopenedInEpoch). The pinned input is the shrunk one with fault 2's
// trigger 1 ms later (delayUs 31,304 → 32,304): once ZooKeeper mode's transaction coordinator went on
// across a later leader epoch (seed 520046712, model/txn-host.ts stillCoordinates) the shrunk input
// ran otherwise; shifted, the same chain recurs (probe-400-0 read at 3 where broker 1 keeps ABORT;
// p200-2 at 7 where it keeps COMMIT), each a violation with readReopenedInEpoch removed.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a record read from a reopened leader epoch where the new leader holds a marker', () => {
  it('seed 520039709: the read of probe-400-0, replaced by a kept ABORT marker, is beyond the promise', () => {
    const input = fixtureInput(520039709, 'zookeeper');
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(520039709, input);
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    expect(result.codeProbes).toEqual(
      expect.arrayContaining(['zk-registration-failed', 'zk-controller-elected', 'zk-auto-leader-rebalance-elected']),
    );
    const read = result.verdict.anomalies.find(
      (a) => a.kind === 'consistent-read' && a.offsets?.[0] === 3 && a.values?.[1] === 'ABORT',
    );
    expect(read?.values).toEqual(['probe-400-0', 'ABORT']);
    expect(read?.expectedBecause?.rule).toBe('min-isr-power-loss');
    const acked = result.verdict.anomalies.find((a) => a.kind === 'acked-durable' && a.values?.[0] === 'probe-400-0');
    expect(acked?.expectedBecause?.rule).toBe('min-isr-power-loss');
  });
});
