// Regression (model, ZooKeeper mode: the transaction coordinator across a later leader epoch of
// the same leadership). Swarm `--controller zookeeper` seed 520046712 (campaign base
// 520,000,000), shrunk to 6 faults: "The producers' sends had not all completed (ok, failed or
// timed out) by 206.945 s, although every fault healed at 75.665 s."
//
// The chain: broker 1 led `__transaction_state`/0 at leader epoch 2 while the controller (cut
// off, then shut down; its successor could not reach the isolated broker 1) moved the partition
// to epoch 3 (same leader, ISR [1, 3]) and later to broker 3 at epoch 4. Isolated, broker 1's
// coordinator aborted the timed-out tx-1 with a fenced epoch: PrepareAbort at producer epoch 1,
// written locally and never committed (its ISR could not move). After the heal the controller's
// queued LeaderAndIsr of epoch 3 reached broker 1 just before the one of epoch 4. The model
// resigned and re-elected the coordinator at epoch 3, which reloaded the log to its end, found
// the uncommitted PrepareAbort(epoch 1) and sent ABORT at producer epoch 1 to t/0 (led by broker
// 1), which wrote it. Broker 3's coordinator (epoch 4) had loaded tx-1 as PrepareAbort at epoch
// 0; t/0 refused its marker (INVALID_PRODUCER_EPOCH), the sending was cancelled and tx-1 stayed
// PrepareAbort for good: every InitProducerId answered CONCURRENT_TRANSACTIONS.
//
// Kafka 3.9.0-rc3 does not elect there: Partition.makeLeader returns isNewLeader = !isLeader
// (false for a leader made leader again), ReplicaManager.makeLeaders leaves it out of
// partitionsBecomeLeader and RequestHandlerHelper.onLeadershipChange calls
// TransactionCoordinator.onElection only for those. The epoch-2 coordinator keeps its pending
// (uncommitted) PrepareAbort, resigns at epoch 4, and broker 3's ABORT at epoch 0 completes tx-1.
// Fixed in model/txn-host.ts (stillCoordinates). KRaft mode does elect again on a leader epoch
// bump (TopicDelta.localChanges electedLeaders → BrokerMetadataPublisher.updateCoordinator).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';
import { TxnHost, type TxnHostBroker } from '../../../model/txn-host.ts';
import type { Partition } from '../../../model/partition.ts';

describe('ZooKeeper mode: the transaction coordinator across a later leader epoch of its leadership', () => {
  it('seed 520046712: no reload at the stale epoch, tx-1 completes and the sends finish', () => {
    const { result, failing } = rerun(520046712, fixtureInput(520046712, 'zookeeper'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('zk-txn-coordinator-kept-across-epoch');
    expect(result.codeProbes).not.toContain('txn-marker-sending-cancelled');
  });

  it('a hand-built host: ZooKeeper mode keeps the shard and its epoch, KRaft mode elects again', () => {
    for (const zookeeperMode of [true, false]) {
      const { host, loads } = fakeHost(zookeeperMode);
      host.onReplica(replica('leader', 2));
      const elected = host.shard(0);
      expect(elected?.coordinatorEpoch).toBe(2);
      host.onReplica(replica('leader', 3));
      if (zookeeperMode) {
        expect(host.shard(0)).toBe(elected);
        expect(loads).toEqual([2]);
      } else {
        expect(host.shard(0)).not.toBe(elected);
        expect(host.shard(0)?.coordinatorEpoch).toBe(3);
        expect(loads).toEqual([2, 3]);
      }
      host.onReplica(replica('follower', 4));
      expect(host.shard(0)).toBeUndefined();
    }
  });
});

/** A `__transaction_state`/0 replica as TxnHost.onReplica reads it. */
function replica(role: 'leader' | 'follower', leaderEpoch: number): Partition {
  return {
    partition: 0,
    role,
    leaderEpoch,
    log: { hw: 0 },
    belowMinIsrAfterAppend: () => false,
  } as unknown as Partition;
}

/** A host on a broker that records the loads it schedules (their leader epochs). */
function fakeHost(zookeeperMode: boolean): { host: TxnHost; loads: number[] } {
  const loads: number[] = [];
  const broker = {
    brokerId: 1,
    config: {},
    variant: 'correct',
    imagePartitions: new Map(),
    caughtUp: true,
    zookeeperMode,
    nowUs: () => 0,
    send: () => {},
    setTimer: (_delayUs: number, tag: { type: string; leaderEpoch?: number }) => {
      if (tag.type === 'txn-load') loads.push(tag.leaderEpoch as number);
    },
    nextCorrelationId: () => 0,
    partition: () => undefined,
    allocateProducerId: () => 0,
    completeGroupTransaction: () => {},
  } as unknown as TxnHostBroker;
  return { host: new TxnHost(broker), loads };
}
