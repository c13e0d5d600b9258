// ZooKeeper mode (issue 16): swarm seed 135002310 (base 135,000,000, `--controller zookeeper`),
// as shrunk to 3 faults: t/0 on brokers [3, 1], min.insync.replicas 2. The full seed has two such
// duplicates, "p201-39" and "p200-37"; the shrunk schedule has had one or the other as fixes moved
// it (seed 190019679's: a ZooKeeper client ignores what arrives on another connection than its
// current one; seed 210013840's: the controller sends LeaderAndIsr for a failed replica already out
// of the ISR). Since the controller handles broker changes in batches (KafkaController
// .onBrokerFailure → onReplicasBecomeOffline) the same fixture has both again, by one mechanism:
// broker 3, leader in epoch 3, loses power at 53.027 s with offsets 68–75 committed (the breach,
// min-isr-power-loss); it comes back at 66.106 s with its log ending at 68 and, its controller
// never having elected anyone else, leads again in epoch 3 (the mechanism of reopenedInEpoch,
// zk-same-epoch-divergence.test.ts). It appends the producers' "p200-37" (sent at 53.031 s) at 68
// and "p201-39" (sent at 55.769 s) at 69 in epoch 3 at 76.11 s and is stopped (the rolling
// restart) before its follower takes them. Broker 1, which kept 68–75, leads in epoch 4 and takes
// the retry of "p200-37" as new at 76 (in sequence for the producer state it has:
// ProducerAppendInfo.checkSequence). Broker 3 follows it with last fetched epoch 3, which leader
// 1's cache also holds (ending at 76, where epoch 4 starts: LeaderEpochFileCache.endOffsetFor), so
// no divergence is found (Partition.fetchRecords @ 3.9.0-rc3) and it keeps its copies at 68 and 69
// below broker 1's records; broker 1 then loses power too (96.510 s) and broker 3, elected in epoch
// 6 with both copies of "p200-37" (68, 76), takes the retry of "p201-39" at 90. The other anomalies
// were expected (the breach's consequences); the duplicates were not, so the run was a violation;
// now they are (the 'reopened-copy' excuse, ZooKeeper mode only: a value sent after the breach
// whose every copy but the highest sits at an offset committed at it). Without that excuse both
// duplicates are violations (checked by disabling it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a duplicate whose first copy the reopened epoch wrote at a lost offset', () => {
  it('seed 135002310: the duplicates of values sent after the breach are beyond the promise', () => {
    const { result, failing } = rerun(135002310, fixtureInput(135002310, 'zookeeper'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([
      [['p200-37'], [68, 76]],
      [['p201-39'], [69, 90]],
    ]);
    for (const a of dup) expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    expect(result.outcome).toBe('expected-loss');
  });
});
