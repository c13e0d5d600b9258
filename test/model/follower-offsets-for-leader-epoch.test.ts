// A follower below inter.broker.protocol.version 2.7 (ZooKeeper mode; MetadataVersion
// .isTruncationOnFetchSupported false) truncates through OffsetsForLeaderEpoch before it fetches
// (model/partition.ts; Kafka 3.9.0-rc3 AbstractFetcherThread.partitionFetchState puts it in
// Truncating, truncateToEpochEndOffsets asks RemoteLeaderEndPoint.fetchEpochEndOffsets for its
// latest epoch, getOffsetTruncationState picks the offset, KIP-279 walks back an epoch the
// follower does not know), then fetches without lastFetchedEpoch (buildFetch, Fetch v11), so the
// leader never answers a diverging epoch. At 2.7 and above the same follower fetches at once
// with its last fetched epoch and truncates on the DivergingEpoch answer.
// Hand-built logs on fake brokers (partition-pair.ts): every message goes through the real
// Partition code and is delivered by the test.

import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_CONFIG, type KafkaConfig } from '../../model/config.ts';
import type { ClientRequest, ClientResponse } from '../../model/client-protocol.ts';
import { ReplicaLog } from '../../model/replica-log.ts';
import { SimDisk } from '../../harness/index.ts';
import { recordingCodeProbes } from './helpers.ts';
import { fetchOnce, hostPartition, lastFetch, type HostedPartition } from './partition-pair.ts';

type EpochRequest = Extract<ClientRequest, { type: 'OffsetsForLeaderEpochRequest' }>;
type EpochResponse = Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }>;

const IBP_26: KafkaConfig = { ...DEFAULT_KAFKA_CONFIG, 'inter.broker.protocol.version': '2.6' };
const REPLICAS = [1, 2, 3];
const LEADER = 2;
const FOLLOWER = 1;

/** A log with `count` records written as leader in each epoch of `epochs`, in order. */
function logOf(epochs: readonly (readonly [epoch: number, count: number])[]): ReplicaLog {
  const log = new ReplicaLog(new SimDisk(), 't-0', null, { nowUs: () => 0, schedule: () => {} });
  for (const [epoch, count] of epochs)
    for (let i = 0; i < count; i++)
      log.appendAsLeader([{ key: null, value: `e${epoch}-${log.leo}` }], epoch, -1, -1, -1);
  return log;
}

function epochRequests(h: HostedPartition): EpochRequest[] {
  return h.sent.filter((m): m is EpochRequest => m.type === 'OffsetsForLeaderEpochRequest');
}

/** The follower's last OffsetsForLeaderEpoch, answered by the leader, the answer handed back. */
function askOnce(follower: HostedPartition, leader: HostedPartition): EpochResponse {
  const reqs = epochRequests(follower);
  leader.p.handleOffsetsForLeaderEpoch(FOLLOWER, reqs[reqs.length - 1]);
  const answer = leader.sent[leader.sent.length - 1];
  if (answer?.type !== 'OffsetsForLeaderEpochResponse') throw new Error('the leader did not answer');
  follower.p.onOffsetsForLeaderEpochResponse(answer);
  return answer;
}

/**
 * Leader 2 of epoch 3: epoch 1 at 0–4, epoch 3 from 5 (5–7). Follower 1 led epoch 1 and kept
 * 5–6 of it, never replicated: a divergent tail.
 */
function divergentTail(config: KafkaConfig): { leader: HostedPartition; follower: HostedPartition } {
  const leaderLog = logOf([
    [1, 5],
    [3, 3],
  ]);
  const leader = hostPartition(LEADER, leaderLog, config);
  leader.p.makeLeader(REPLICAS, [2, 3], 3, 5);
  const follower = hostPartition(FOLLOWER, logOf([[1, 7]]), config);
  return { leader, follower };
}

describe('IBP 2.6: a follower truncates through OffsetsForLeaderEpoch before fetching', () => {
  it('a divergent tail: asks for its latest epoch, cuts to the leader end of it, fetches without an epoch', () => {
    const { leader, follower } = divergentTail(IBP_26);
    const hit = recordingCodeProbes(() => {
      follower.p.makeFollower(REPLICAS, LEADER, 3, 5);
      // Truncating: the only request is OffsetsForLeaderEpoch for epoch 1, at current epoch 3.
      expect(follower.sent.map((m) => m.type)).toEqual(['OffsetsForLeaderEpochRequest']);
      expect(epochRequests(follower)[0]).toMatchObject({ replicaId: FOLLOWER, currentLeaderEpoch: 3, leaderEpoch: 1 });
      const answer = askOnce(follower, leader);
      // Partition.lastOffsetForLeaderEpoch: epoch 1 ends where epoch 3 starts, 5.
      expect(answer).toMatchObject({ error: 'NONE', leaderEpoch: 1, endOffset: 5 });
    });
    expect(hit).toContain('follower-truncated-by-offsets-for-leader-epoch');
    expect(hit).not.toContain('follower-truncated-on-divergence');
    expect(follower.p.log.leo).toBe(5);
    // Fetching: from 5, no lastFetchedEpoch (Fetch v11); the leader answers records, no divergence.
    expect(lastFetch(follower)).toMatchObject({ fetchOffset: 5, lastFetchedEpoch: -1, currentLeaderEpoch: 3 });
    const data = fetchOnce(follower, FOLLOWER, leader);
    expect(data.divergingEpoch).toBeUndefined();
    expect(follower.p.log.leo).toBe(8);
    expect(follower.p.log.records.slice(5).map((r) => r.value)).toEqual(['e3-5', 'e3-6', 'e3-7']);
    // Once fetching, it never asks again in this leader epoch.
    expect(epochRequests(follower)).toHaveLength(1);
  });

  it("at the version's own IBP: no OffsetsForLeaderEpoch, the fetch carries epoch 1 and diverges", () => {
    const { leader, follower } = divergentTail(DEFAULT_KAFKA_CONFIG);
    const hit = recordingCodeProbes(() => {
      follower.p.makeFollower(REPLICAS, LEADER, 3, 5);
      expect(follower.sent.map((m) => m.type)).toEqual(['FetchRequest']);
      expect(lastFetch(follower)).toMatchObject({ fetchOffset: 7, lastFetchedEpoch: 1 });
      expect(fetchOnce(follower, FOLLOWER, leader).divergingEpoch).toEqual({ epoch: 1, endOffset: 5 });
    });
    expect(hit).toContain('follower-truncated-on-divergence');
    expect(hit).not.toContain('follower-truncated-by-offsets-for-leader-epoch');
    expect(follower.p.log.leo).toBe(5);
  });

  it('KIP-279: the leader answers an epoch the follower lacks; it cuts to its smaller epoch and asks again', () => {
    // Leader 2 of epoch 4: epoch 1 at 0–3, epoch 2 at 4–5, epoch 4 at 6–7.
    const leader = hostPartition(
      LEADER,
      logOf([
        [1, 4],
        [2, 2],
        [4, 2],
      ]),
      IBP_26,
    );
    leader.p.makeLeader(REPLICAS, [2, 3], 4, 7);
    // Follower 1: epoch 1 at 0–4, epoch 3 at 5–7 (it led epoch 3 and nobody kept it).
    const follower = hostPartition(
      FOLLOWER,
      logOf([
        [1, 5],
        [3, 3],
      ]),
      IBP_26,
    );
    const hit = recordingCodeProbes(() => {
      follower.p.makeFollower(REPLICAS, LEADER, 4, 7);
      // Asks for 3; the leader's largest epoch ≤ 3 is 2, ending at 6.
      expect(askOnce(follower, leader)).toMatchObject({ leaderEpoch: 2, endOffset: 6 });
    });
    expect(hit).toContain('follower-epoch-unknown-walk-back');
    // Its largest epoch ≤ 2 is 1, ending at 5 (where its epoch 3 starts): cut there, still truncating.
    expect(follower.p.log.leo).toBe(5);
    expect(follower.sent.map((m) => m.type)).toEqual(['OffsetsForLeaderEpochRequest', 'OffsetsForLeaderEpochRequest']);
    expect(epochRequests(follower)[1]).toMatchObject({ leaderEpoch: 1, currentLeaderEpoch: 4 });
    // Asks for 1: the leader's epoch 1 ends at 4; min(own end 5, 4): cut to 4, done, fetch from 4.
    expect(askOnce(follower, leader)).toMatchObject({ leaderEpoch: 1, endOffset: 4 });
    expect(follower.p.log.leo).toBe(4);
    expect(lastFetch(follower)).toMatchObject({ fetchOffset: 4, lastFetchedEpoch: -1 });
    fetchOnce(follower, FOLLOWER, leader);
    expect(follower.p.log.records.map((r) => r.value)).toEqual(leader.p.log.records.map((r) => r.value));
  });

  it('the variant kip-101 (undoes KIP-279) takes the answer as a bare offset and asks once', () => {
    const leader = hostPartition(
      LEADER,
      logOf([
        [1, 4],
        [2, 2],
        [4, 2],
      ]),
      IBP_26,
    );
    leader.p.makeLeader(REPLICAS, [2, 3], 4, 7);
    const followerLog = logOf([
      [1, 5],
      [3, 3],
    ]);
    const follower = hostPartition(FOLLOWER, followerLog, IBP_26, 'kip-101');
    follower.p.makeFollower(REPLICAS, LEADER, 4, 7);
    askOnce(follower, leader);
    // min(leader's 6, LEO 8) = 6: it keeps its epoch-3 record at 5, which the leader holds in epoch 2.
    expect(followerLog.leo).toBe(6);
    expect(epochRequests(follower)).toHaveLength(1);
    expect(lastFetch(follower)).toMatchObject({ fetchOffset: 6 });
  });

  it('errors: NOT_LEADER_OR_FOLLOWER backs off and asks again; FENCED_LEADER_EPOCH waits for a newer epoch', () => {
    const { leader, follower } = divergentTail(IBP_26);
    const hit = recordingCodeProbes(() => {
      // Replica 2 follows broker 3 in epoch 3: the epoch check passes (Partition.getLocalLog), it
      // does not lead, so NOT_LEADER_OR_FOLLOWER.
      leader.p.makeFollower(REPLICAS, 3, 3, 5);
      follower.p.makeFollower(REPLICAS, LEADER, 3, 5);
      expect(askOnce(follower, leader).error).toBe('NOT_LEADER_OR_FOLLOWER');
      expect(follower.p.fetch).toMatchObject({ backingOff: true, truncating: true, correlationId: 0 });
      expect(follower.p.log.leo).toBe(7);
      // The backoff fires: it asks again (still Truncating), no fetch.
      follower.p.sendFetch();
      expect(follower.sent.map((m) => m.type)).toEqual([
        'OffsetsForLeaderEpochRequest',
        'OffsetsForLeaderEpochRequest',
      ]);
      // Meanwhile the replica took epoch 4 and leads: the follower's epoch 3 is fenced.
      leader.p.makeLeader(REPLICAS, [2, 3], 4, 6);
      expect(askOnce(follower, leader).error).toBe('FENCED_LEADER_EPOCH');
      expect(follower.p.fetch).toMatchObject({ fenced: true, truncating: true });
      follower.p.sendFetch();
      expect(follower.sent).toHaveLength(2);
      // LeaderAndIsr of epoch 4: Truncating again, asks at the new epoch, and cuts the tail.
      follower.p.makeFollower(REPLICAS, LEADER, 4, 6);
      expect(epochRequests(follower)[2]).toMatchObject({ currentLeaderEpoch: 4, leaderEpoch: 1 });
      askOnce(follower, leader);
    });
    expect(hit).toContain('follower-epoch-request-retried');
    expect(hit).toContain('follower-epoch-request-fenced');
    expect(follower.p.log.leo).toBe(5);
  });
});
