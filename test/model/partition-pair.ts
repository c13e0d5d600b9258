// Test helper: model Partitions on fake brokers, with no cluster, network or timers, so a test
// can build a replica's log by hand and pass one follower fetch and its answer through the real
// Partition code (the follower's request, the leader's readForFetch, the follower's
// onFetchResponse). Each host keeps what its Partition sent; nothing is delivered by itself.

import { Partition, type PartitionHost } from '../../model/partition.ts';
import { DEFAULT_KAFKA_CONFIG, type KafkaConfig, type ProtocolVariant } from '../../model/config.ts';
import type { ReplicaLog } from '../../model/replica-log.ts';
import type { ClientRequest, ClientResponse } from '../../model/client-protocol.ts';

type Sent = ClientRequest | ClientResponse;
export type FetchRequest = Extract<ClientRequest, { type: 'FetchRequest' }>;
export type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;

export interface HostedPartition {
  readonly p: Partition;
  /** Every message the partition sent, in order. */
  readonly sent: Sent[];
  /** The log's recovery point at each recovery-point checkpoint the partition asked its broker for. */
  readonly recoveryCheckpoints: number[];
}

/**
 * Partition t/0 of broker `brokerId` over `log`; every broker has epoch 1 and is unfenced. `config`
 * (default: DEFAULT_KAFKA_CONFIG) e.g. sets inter.broker.protocol.version.
 */
export function hostPartition(
  brokerId: number,
  log: ReplicaLog,
  config: KafkaConfig = DEFAULT_KAFKA_CONFIG,
  variant: 'correct' | ProtocolVariant = 'correct',
): HostedPartition {
  const sent: Sent[] = [];
  const recoveryCheckpoints: number[] = [];
  let correlationId = 0;
  const host: PartitionHost = {
    brokerId,
    config,
    variant,
    lagMaxUs: 30_000_000,
    nowUs: () => 0,
    send: (_to, msg) => {
      sent.push(msg);
    },
    emit: () => {},
    nextCorrelationId: () => ++correlationId,
    brokerEpoch: () => 1,
    unfencedBrokerEpoch: () => 1,
    armPartitionTimer: () => {},
    armFetchBackoff: () => {},
    sendAlterPartition: () => {},
    sendListOffsets: () => {},
    checkpointRecoveryPoints: () => {
      recoveryCheckpoints.push(log.recoveryPoint);
    },
  };
  return { p: new Partition('t', 0, log, host), sent, recoveryCheckpoints };
}

/** The last fetch request `h` sent. */
export function lastFetch(h: HostedPartition): FetchRequest {
  const fetches = h.sent.filter((m): m is FetchRequest => m.type === 'FetchRequest');
  if (fetches.length === 0) throw new Error('no fetch sent');
  return fetches[fetches.length - 1];
}

/** The follower's last fetch answered by the leader, the answer handed back to the follower. */
export function fetchOnce(follower: HostedPartition, followerId: number, leader: HostedPartition): FetchResponse {
  leader.p.handleFetch(followerId, lastFetch(follower));
  const answer = leader.sent[leader.sent.length - 1];
  if (answer?.type !== 'FetchResponse') throw new Error('the leader did not answer at once');
  follower.p.onFetchResponse(answer);
  return answer;
}
