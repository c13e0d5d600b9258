// Regression (found re-reading Partition.readRecords for swarm seed 72003580): a follower fetch
// below the leader's log start that also diverges was answered with a DivergingEpoch. Kafka
// checks the log start first: Partition.readRecords @ 3.0.0 … 3.9.0-rc3 and 4.0.0, after the
// unknown-epoch check, "If fetch offset is less than log start, fail with
// OffsetOutOfRangeException, regardless of whether epochs are diverging"; the follower then
// asks for the leader's offsets (AbstractFetcherThread.handleOutOfRangeError) instead of
// truncating on an epoch end offset above its log end.

import { describe, expect, it } from 'vitest';
import { SimDisk } from '../../../harness/index.ts';
import { ReplicaLog } from '../../../model/replica-log.ts';
import { Partition, type PartitionHost } from '../../../model/partition.ts';
import { DEFAULT_KAFKA_CONFIG } from '../../../model/config.ts';
import type { ClientRequest, ClientResponse } from '../../../model/client-protocol.ts';

type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type FetchRequest = Extract<ClientRequest, { type: 'FetchRequest' }>;

/** Leader 1 of t/0 in epoch 5 whose cache, after its log start moved to 3, is (3, 3), (5, 6). */
function leader(): { p: Partition; sent: FetchResponse[] } {
  const log = new ReplicaLog(new SimDisk(), 't-0', null, { nowUs: () => 0 });
  const append = (epoch: number, n: number) => {
    for (let i = 0; i < n; i++) log.appendAsLeader([{ key: null, value: `e${epoch}-${i}` }], epoch, -1, -1, -1);
  };
  append(1, 2); // 0–1
  append(3, 4); // 2–5
  append(5, 2); // 6–7
  log.setHw(8);
  expect(log.maybeIncrementLogStartOffset(3, 'segment-deletion')).toBe(true);
  const sent: FetchResponse[] = [];
  const host: PartitionHost = {
    brokerId: 1,
    config: DEFAULT_KAFKA_CONFIG,
    variant: 'correct',
    lagMaxUs: 30_000_000,
    nowUs: () => 0,
    send: (_to, msg) => {
      if (msg.type === 'FetchResponse') sent.push(msg);
    },
    emit: () => {},
    nextCorrelationId: () => 1,
    brokerEpoch: () => 1,
    unfencedBrokerEpoch: () => 1,
    armPartitionTimer: () => {},
    armFetchBackoff: () => {},
    sendAlterPartition: () => {},
    sendListOffsets: () => {},
    checkpointRecoveryPoints: () => {},
  };
  const p = new Partition('t', 0, log, host);
  p.makeLeader([1, 2], [1, 2], 5, 1);
  expect(log.epochs.entries.map((e) => [e.epoch, e.startOffset])).toEqual([
    [3, 3],
    [5, 6],
  ]);
  return { p, sent };
}

const fetch = (fetchOffset: number, lastFetchedEpoch: number): FetchRequest => ({
  type: 'FetchRequest',
  correlationId: 7,
  replicaId: 2,
  replicaEpoch: 1,
  topic: 't',
  partition: 0,
  fetchOffset,
  lastFetchedEpoch,
  currentLeaderEpoch: 5,
  maxWaitMs: 0,
  maxRecords: 100,
});

describe('a follower fetch below the leader log start', () => {
  it('is OFFSET_OUT_OF_RANGE even when its last fetched epoch diverges', () => {
    const { p, sent } = leader();
    // Epoch 4 is not cached: endOffsetFor(4) is (3, 6), a divergence, but offset 1 < log start 3.
    p.handleFetch(2, fetch(1, 4));
    expect(sent).toHaveLength(1);
    expect(sent[0].error).toBe('OFFSET_OUT_OF_RANGE');
    expect(sent[0].divergingEpoch).toBeUndefined();
  });

  it('at or above the log start, the same epoch diverges', () => {
    const { p, sent } = leader();
    p.handleFetch(2, fetch(4, 4));
    expect(sent).toHaveLength(1);
    expect(sent[0].error).toBe('NONE');
    expect(sent[0].divergingEpoch).toEqual({ epoch: 3, endOffset: 6 });
  });
});
