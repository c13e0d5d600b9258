// Shared scaffolding of the transactional producer tests: a cluster with the workload topic `t`
// (3 partitions) and `__transaction_state` (1 partition), with `__consumer_offsets` (1 partition)
// for consume-transform-produce, the model's transactional producer (transactional.id tx-1) and
// a read_committed consumer of every partition.

import { expect } from 'vitest';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../model/config.ts';
import { createConsumer } from '../../model/consumer.ts';
import { createTxnProducer, type TxnProducerActor } from '../../model/txn-producer.ts';
import type { HistoryRecorder } from '../../model/client-api.ts';
import { TestCluster } from './helpers.ts';
import { transactionV2Enabled } from '../../model/versions.ts';

const TOPIC = { name: 't', partitions: 3, replicationFactor: 3 };

/** `brokers` brokers; `__transaction_state` with replication factor `txnStateRf`; `__consumer_offsets` if `offsets`. */
export function txnCluster(brokers = 3, txnStateRf = 3, offsets = false): TestCluster {
  const offsetsTopic = { name: OFFSETS_TOPIC, partitions: 1, replicationFactor: Math.min(3, brokers) };
  const c = new TestCluster({
    brokers,
    topics: [
      TOPIC,
      { name: TXN_STATE_TOPIC, partitions: 1, replicationFactor: txnStateRf },
      ...(offsets ? [offsetsTopic] : []),
    ],
    config: { 'transaction.state.log.num.partitions': 1, 'offsets.topic.num.partitions': 1 },
  });
  c.start();
  const settled = () => c.settled('t', 0) && c.settled(TXN_STATE_TOPIC, 0) && (!offsets || c.settled(OFFSETS_TOPIC, 0));
  expect(c.runUntil(settled, 30_000_000)).toBe(true);
  return c;
}

export function addProducer(
  c: TestCluster,
  id: number,
  recorder: HistoryRecorder,
  transactions: number,
  prefix: string,
  /** Consume-transform-produce: the share of transactions that poll t-0 and commit group ctp's offsets. */
  consumeRatio = 0,
) {
  const consume = consumeRatio > 0 ? { consumeRatio, group: 'ctp', sourcePartition: 0 } : {};
  c.sim.addNode({
    id,
    name: `txn-producer-${id}`,
    factory: createTxnProducer({
      clientId: id,
      bootstrapBrokers: c.brokerIds,
      config: c.config,
      topic: TOPIC,
      transactionalId: 'tx-1',
      transactions,
      maxSends: 3,
      abortRatio: 0.3,
      transactionTimeoutMs: 10_000,
      intervalMs: 50,
      valuePrefix: prefix,
      recorder,
      // The cluster's transaction.version, as KafkaCluster gives it (KIP-890 part 2 from 4.0).
      transactionV2: transactionV2Enabled(c.config, 'correct'),
      ...consume,
    }),
  });
  c.sim.start(id);
}

export function addReadCommittedConsumer(c: TestCluster, id: number, recorder: HistoryRecorder): void {
  c.sim.addNode({
    id,
    name: `consumer-${id}`,
    factory: createConsumer({
      clientId: id,
      bootstrapBrokers: c.brokerIds,
      config: { ...c.config, 'isolation.level': 'read_committed', 'auto.offset.reset': 'earliest' },
      topics: [TOPIC],
      workload: { sends: 0, keys: 0, sendIntervalMs: 10, pollIntervalMs: 10 },
      assignment: [0, 1, 2].map((partition) => ({ topic: 't', partition })),
      recorder,
    }),
  });
  c.sim.start(id);
}

export function producerDone(c: TestCluster, id: number): boolean {
  return c.sim.actor<TxnProducerActor>(id)?.done() === true;
}

/**
 * The fencing schedule two tests share: instance 200 (records `first`) and a read_committed
 * consumer start; 0.3 s later instance 201 (records `second`) opens the same transactional.id and
 * fences it; 0.3 s after that the coordinator (`__transaction_state`'s leader) crashes for 5 s.
 */
export function fenceThenCrashCoordinator(
  c: TestCluster,
  recorder: HistoryRecorder,
  transactions: number,
  first: string,
  second: string,
): void {
  addProducer(c, 200, recorder, transactions, first);
  addReadCommittedConsumer(c, 300, recorder);
  c.runFor(300_000);
  addProducer(c, 201, recorder, transactions, second);
  c.runFor(300_000);
  const coordinator = c.state(TXN_STATE_TOPIC, 0).leader;
  c.sim.crash(coordinator);
  c.runFor(5_000_000);
  c.sim.start(coordinator);
}
