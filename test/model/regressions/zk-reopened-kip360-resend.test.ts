// ZooKeeper mode: swarm seed 550045213 (base 550,000,000, `--controller zookeeper`), as shrunk to 4
// faults: t/0 on brokers [3, 1], min.insync.replicas 2. Broker 3, leader in epoch 3, appends
// "p200-52" (producer epoch 0, sequence 52) at 95 at 75.622 s; broker 1 fetches it, the HW reaches
// 96, and broker 3 loses power before its answer leaves (the breach, min-isr-power-loss). Back with
// its log ending at 70 and its producer state rebuilt from it (last sequence 37), it leads epoch 3
// again (reopenedInEpoch) at 100.02 s and refuses the retry as out of order
// (ProducerAppendInfo.checkSequence); the idempotent producer bumps its epoch and re-sends at
// sequence 0 (TransactionManager.canRetry → requestEpochBumpForPartition, KIP-360), which broker 3
// takes at 71 (a new epoch at sequence 0). Its controlled shutdown at 102 s makes broker 1 leader
// in epoch 4 before anyone fetched 71; broker 1, whose state holds producer epoch 0, takes the same
// resend as new at 98 once the ISR is back to 2 (120.28 s). Broker 3 follows it with last fetched
// epoch 3, which broker 1's cache ends at 96, so no divergence is found (Partition.fetchRecords
// @ 3.9.0-rc3): it keeps 70–71 and, elected in epoch 5, serves "p200-52" at 71, 95 and 98. The
// copies at 95 and 98 are a KIP-360 resend (KAFKA-14034), the ones at 71 and 98 the reopened
// epoch's: each pair alone was excused, the three together were a violation; now they are the
// breach's ('reopened-copy', resentAroundReopenedCopy in driver/promise.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a KIP-360 resend the damaged leader took in its kept epoch, the next leader again', () => {
  it('seed 550045213: "p200-52" at 71 (resend, kept epoch), 95 (original), 98 (resend) is beyond the promise', () => {
    const { result, failing } = rerun(550045213, fixtureInput(550045213, 'zookeeper'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([
      [['p201-43'], [70, 96]],
      [['p200-52'], [71, 95, 98]],
    ]);
    for (const a of dup) expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    expect(dup[1].expectedBecause?.atUs).toBe(75_622_526);
    expect(result.outcome).toBe('expected-loss');
  });
});
