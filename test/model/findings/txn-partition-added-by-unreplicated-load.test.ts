// A finding of Kafka's transaction coordinator (task s4284), not a regression: Kafka does the same.
// Reported as `kafka-finding` txn-partition-added-by-unreplicated-load (driver/kafka-findings.ts).
// Swarm seed 360024284 (KRaft, Kafka 4.1, transaction.version 2, min.insync.replicas 2), shrunk to 8
// faults, reported on the correct model: 'A poll of t/1 by process 301000 returned "x600-7" at offset 30,
// but the transaction that sent it was aborted (PRODUCER_FENCED)'. Consumer 301000 reads read_committed.
//
// The chain: tx-0's transaction at producer 1000000 epoch 4 sent x600-6 to t/0; broker 2, coordinator of
// __transaction_state/1 in epoch 5, appended the record adding t/1 (offset 15) at 53.63 s and the link to
// broker 1 was cut before it replicated (HW 15). Broker 2 was elected again in epoch 7 with ISR [2] (ELR
// [1]) and loaded the partition to the log end (TransactionStateManager.loadTransactionMetadata,
// FetchIsolation.LOG_END), offset 15 included. At 65.230 s t/1's leader asked it to add t/1 for x600-7
// (KIP-890 part 2): t/1 being in the metadata, it answered NONE without a write
// (handleAddPartitionsToTransaction's optimization), and x600-7 was appended at t/1 offset 30 and
// committed there. Its own writes failed (ISR below min.insync.replicas); the timeout abort fenced the
// epoch in memory (5), so the client's AddOffsetsToTxn was answered PRODUCER_FENCED: the client's
// transaction failed. Broker 1 was elected from the ELR in epoch 8 (broker 2 killed at 67.28 s), loaded
// tx-0 without offset 15 (Ongoing [t/0]) and its abort marked t/0 only (addTxnMarkersToSend). On t/1
// producer 1000000 kept an open transaction from offset 30; its next transaction (epoch 7) on t/1
// appended x600-10 into it (ProducerAppendInfo.appendDataBatch keeps currentTxnFirstOffset) and the
// COMMIT marker (epoch 8, offset 33) completed it from offset 30 (appendEndTxnMarker): read_committed
// consumers then read x600-7.
// The fixture (fixtures/seed-360024284-shifted.json) is a hand-shifted schedule derived from the
// seed's shrink: its last fault, the cut of broker 1 from the controller, starts 23.654 s (not
// 23.893 s) after the one before, at 28.70 s. Under the KRaft metadata timing (25 ms append linger,
// branch kraftlag) the seed's own shrink no longer reaches the chain (the run is clean); the shifted
// run reaches it with the times above.

import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { History } from '../../../checkers/history.ts';
import type { TxnAnsweredUnreplicatedPartition, TxnLoaded } from '../../../model/code-probes.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import { listenCodeProbes } from '../../../harness/code-probes.ts';
import { TxnCoordinatorShard, type TxnResponseBody } from '../../../model/txn-coordinator.ts';
import type { TxnTransit } from '../../../model/txn-metadata.ts';
import { fixtureInput, rerun } from '../regressions/helpers.ts';

const FINDING = 'txn-partition-added-by-unreplicated-load';

describe('finding: a coordinator adds a partition from a loaded record never committed', () => {
  it('seed 360024284: the G1a of x600-7 is the finding, not a violation', () => {
    const { result, failing, kafkaFindings } = rerun(360024284, fixtureInput(360024284, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual([FINDING]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => [a.topic, a.partition, a.values, a.offsets, a.kafkaFinding])).toEqual([
      ['t', 1, ['x600-7'], [30], FINDING],
    ]);
    expect(kafkaFindings).toHaveLength(1);
  });

  const answered: TxnAnsweredUnreplicatedPartition = {
    txnStatePartition: 1,
    coordinatorEpoch: 7,
    transactionalId: 'tx-0',
    producerId: 1000000,
    producerEpoch: 4,
    partitions: ['t/1'],
    atMs: 65_205,
  };
  const loaded: TxnLoaded = {
    txnStatePartition: 1,
    coordinatorEpoch: 8,
    atMs: 73_507,
    txns: [{ transactionalId: 'tx-0', producerId: 1000000, producerEpoch: 4, state: 'Ongoing', partitions: ['t/0'] }],
  };
  const history: History = [
    {
      index: 0,
      time: 53_584_715,
      process: 600000,
      type: 'invoke',
      f: 'txn',
      value: [],
      topic: 't',
      producerId: 1000000,
      producerEpoch: 4,
    },
    { index: 1, time: 65_312_386, process: 600000, type: 'fail', f: 'txn', value: [], topic: 't' },
  ];
  const run: FindingRun = {
    probeContexts: [
      { name: 'txn-coordinator-answered-unreplicated-partition', context: answered },
      { name: 'txn-coordinator-loaded', context: loaded },
    ],
    faults: [],
    history,
    zookeeper: false,
  };
  const g1a: Anomaly = {
    kind: 'G1a',
    explanation: 'x600-7 of an aborted transaction read',
    topic: 't',
    partition: 1,
    ops: [0, 1],
    offsets: [30],
    values: ['x600-7'],
  };

  it('labels the G1a of the transaction whose partition the unreplicated record added', () => {
    expect(labelKafkaFindings([g1a], run)[0].kafkaFinding).toBe(FINDING);
  });

  it('without the exact chain, the G1a stays a violation', () => {
    const at = (over: Partial<TxnAnsweredUnreplicatedPartition>, load: Partial<TxnLoaded> = {}): FindingRun => ({
      ...run,
      probeContexts: [
        { name: 'txn-coordinator-answered-unreplicated-partition', context: { ...answered, ...over } },
        { name: 'txn-coordinator-loaded', context: { ...loaded, ...load } },
      ],
    });
    const withT1 = [{ ...loaded.txns[0], partitions: ['t/0', 't/1'] }];
    const misses: Array<[string, FindingRun, Anomaly]> = [
      ['no later load', { ...run, probeContexts: [run.probeContexts[0]] }, g1a],
      ['the later load kept the partition', at({}, { txns: withT1 }), g1a],
      ['a load of the same epoch', at({}, { coordinatorEpoch: 7 }), g1a],
      ['a load of another partition of __transaction_state', at({}, { txnStatePartition: 0 }), g1a],
      ['a load before the answer', at({ atMs: 80_000 }), g1a],
      ['another producer epoch', at({ producerEpoch: 5 }), g1a],
      ['another partition answered', at({ partitions: ['t/0'] }), g1a],
      ['a transaction invoked after the answer', at({ atMs: 53_000 }, { atMs: 73_507 }), g1a],
      ['another partition read', run, { ...g1a, partition: 0 }],
      ['another kind', run, { ...g1a, kind: 'lost-write' }],
    ];
    for (const [why, r, a] of misses) expect(labelKafkaFindings([a], r)[0].kafkaFinding, why).toBeUndefined();
  });
});

describe('TxnCoordinatorShard: an answer from a record above the HW at the load', () => {
  const ongoing = (partitions: string[]): TxnTransit => ({
    transactionalId: 'tx-0',
    producerId: 7,
    lastProducerId: 7,
    producerEpoch: 4,
    lastProducerEpoch: 3,
    txnTimeoutMs: 60_000,
    state: 'Ongoing',
    partitions,
    txnStartMs: 1000,
    lastUpdateMs: 1000,
  });

  /** A loaded shard (records: [t/0] committed, then [t/0, t/1] above the HW when `committed` is 1). */
  function loadedShard(committed: number): TxnCoordinatorShard {
    const s = new TxnCoordinatorShard(
      1,
      7,
      {
        nowMs: () => 2000,
        append: () => ({ error: 'NOT_ENOUGH_REPLICAS' }),
        allocateProducerId: () => 7,
        sendMarker: () => {},
        offsetsPartitionOf: () => '__consumer_offsets/0',
      },
      { maxTimeoutMs: 900_000, variant: 'correct', transactionV2: true },
    );
    s.load([ongoing(['t/0']), ongoing(['t/0', 't/1'])], committed, committed);
    return s;
  }

  function addT1(s: TxnCoordinatorShard): { reply: TxnResponseBody | undefined; hits: unknown[] } {
    const hits: unknown[] = [];
    const stop = listenCodeProbes((name, context) => {
      if (name === 'txn-coordinator-answered-unreplicated-partition') hits.push(context);
    });
    let reply: TxnResponseBody | undefined;
    const req = {
      transactionalId: 'tx-0',
      producerId: 7,
      producerEpoch: 4,
      partition: 't/1',
      addPartition: true as const,
    };
    s.handle({ type: 'VerifyPartitionsInTxn', ...req }, (r) => {
      reply = r;
    });
    stop();
    return { reply, hits };
  }

  it('answers NONE without a write, as Kafka, and marks the partition only the unreplicated record listed', () => {
    const { reply, hits } = addT1(loadedShard(1));
    expect(reply?.error).toBe('NONE');
    expect(hits).toEqual([
      {
        txnStatePartition: 1,
        coordinatorEpoch: 7,
        transactionalId: 'tx-0',
        producerId: 7,
        producerEpoch: 4,
        partitions: ['t/1'],
        atMs: 2000,
      },
    ]);
  });

  it('does not mark a partition a committed record listed', () => {
    const { reply, hits } = addT1(loadedShard(2));
    expect(reply?.error).toBe('NONE');
    expect(hits).toEqual([]);
  });
});
