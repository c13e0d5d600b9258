// The client-facing Kafka protocol as the simulator carries it: Metadata, InitProducerId,
// Produce, Fetch (consumers and followers alike) and OffsetsForLeaderEpoch. One partition per
// request keeps the model small; Kafka batches many partitions per request, which changes
// nothing for replication safety. Field names follow Kafka's protocol (KIP-320 epochs,
// KIP-392/595-style DivergingEpoch in Fetch responses). The group protocol (issue 15):
// FindCoordinator, and the classic group and offset requests carried as one `GroupRequest`
// message whose body is model/group-coordinator.ts's GroupRequest (JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup, OffsetCommit, OffsetFetch).

import type { GroupRequest, GroupResponse } from './group-coordinator.ts';

export type ErrorCode =
  | 'NONE'
  | 'NOT_LEADER_OR_FOLLOWER'
  | 'FENCED_LEADER_EPOCH' // request's currentLeaderEpoch < the replica's (KIP-320)
  | 'UNKNOWN_LEADER_EPOCH' // request's currentLeaderEpoch > the replica's (KIP-320)
  | 'NOT_ENOUGH_REPLICAS' // ISR < min.insync.replicas before append
  | 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' // ISR shrank below min.insync.replicas after append
  | 'REQUEST_TIMED_OUT' // acks=all produce not replicated within its timeout
  | 'OUT_OF_ORDER_SEQUENCE_NUMBER'
  | 'DUPLICATE_SEQUENCE_NUMBER'
  | 'UNKNOWN_PRODUCER_ID'
  | 'INVALID_PRODUCER_EPOCH' // a batch from an older producer epoch (fenced producer)
  | 'INVALID_TXN_STATE' // a non-transactional batch in an open transaction; an unverified one (KIP-890)
  | 'INVALID_PRODUCER_ID_MAPPING' // KIP-890 verification: the coordinator has another producer id
  | 'TRANSACTION_COORDINATOR_FENCED' // a marker from an older coordinator epoch (WriteTxnMarkers)
  | 'OFFSET_OUT_OF_RANGE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'LEADER_NOT_AVAILABLE'
  | 'STALE_BROKER_EPOCH'
  | 'BROKER_NOT_AVAILABLE';

/** A record as a producer sends it: key, value label and the value's padding (LogRecord.padBytes). */
export interface ProducedRecord {
  key: string | null;
  value: string;
  padBytes?: number;
}

/** DefaultRecord.sizeOfBodyInBytes's one-byte fields: attributes, both deltas, key and value lengths, headers. */
const BODY_FIXED_BYTES = 6;

/** ByteUtils.sizeOfVarint of a non-negative int (zigzag: 7 bits a byte, the lowest for the sign). */
function varintBytes(n: number): number {
  return n < 64 ? 1 : n < 8_192 ? 2 : n < 1_048_576 ? 3 : 4;
}

/**
 * Bytes one record takes in a batch (DefaultRecord.sizeInBytes: the body, then the varint of its
 * size; sizeOfBodyInBytes: attributes, offset and timestamp deltas, key and value each after its
 * varint length, header count). The deltas are counted as one byte each.
 */
export function recordSizeBytes(r: ProducedRecord): number {
  const valueBytes = r.value.length + (r.padBytes ?? 0);
  const bodyBytes = BODY_FIXED_BYTES + (r.key?.length ?? 0) + valueBytes + varintBytes(valueBytes) - 1;
  return bodyBytes + varintBytes(bodyBytes);
}

/** A record on the wire and in the log. Immutable once created. */
export interface LogRecord {
  offset: number;
  /** Leader epoch of the leader that appended it. */
  epoch: number;
  producerId: number; // -1 when not idempotent
  sequence: number; // -1 when not idempotent
  key: string | null;
  value: string;
  /**
   * Bytes the value carries beyond its label `value` (the payload of a real producer's value,
   * which the model does not store: only its size counts, for batch.size and the segment files);
   * absent = none, so records of workloads without value sizes are exactly what they were.
   */
  padBytes?: number;
  /**
   * The batch's isTransactional attribute (KIP-98); absent on non-transactional batches, so
   * records of runs without transactions are exactly what they were.
   */
  transactional?: true;
  /** A control record (an end-transaction marker, KIP-98): never returned to applications. */
  control?: ControlRecord;
}

/** EndTransactionMarker: COMMIT or ABORT (ControlRecordType) with the coordinator's epoch. */
export interface ControlRecord {
  readonly type: 'COMMIT' | 'ABORT';
  readonly coordinatorEpoch: number;
}

/** FetchResponseData.AbortedTransaction: an aborted transaction overlapping the fetched range. */
export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

/** Fetch isolation (IsolationLevel); absent on a request = read_uncommitted, Kafka's default. */
export type IsolationLevel = 'read_uncommitted' | 'read_committed';

/** KIP-951: the leader a broker knows of, sent with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH. */
interface CurrentLeader {
  leaderId: number;
  leaderEpoch: number;
}

export interface PartitionMetadata {
  topic: string;
  partition: number;
  leader: number; // -1 when leaderless
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
}

export type ClientRequest =
  | { type: 'MetadataRequest'; correlationId: number; topics: string[] }
  /** FindCoordinator (key type GROUP): any broker names the leader of the group's partition. */
  | {
      type: 'FindCoordinatorRequest';
      correlationId: number;
      /** The key: a group id, or a transactional id with keyType TRANSACTION. */
      group: string;
      /** FindCoordinatorRequest key_type: absent = GROUP. */
      keyType?: 'TRANSACTION';
    }
  /** A classic group or offset request for the coordinator (model/group-coordinator.ts). */
  | { type: 'GroupRequest'; correlationId: number; body: GroupRequest }
  | { type: 'InitProducerIdRequest'; correlationId: number }
  | {
      type: 'ProduceRequest';
      correlationId: number;
      /** -1 = all. */
      acks: 0 | 1 | -1;
      timeoutMs: number;
      topic: string;
      partition: number;
      producerId: number;
      producerEpoch: number;
      baseSequence: number;
      records: ProducedRecord[];
      /** The batch is part of a transaction (RecordBatch.isTransactional); absent = not. */
      transactional?: true;
      /** ProduceRequest.transactionalId: absent = none (no KIP-890 verification, as Kafka with null). */
      transactionalId?: string;
      /**
       * Produce v12, sent by a transaction.version 2 client (KIP-890 part 2): the leader adds the
       * partition to the transaction (transactionSupportedOperation addPartition); absent = older.
       */
      txnV2?: true;
    }
  | {
      type: 'FetchRequest';
      correlationId: number;
      /** Broker id of a follower, -1 for a consumer. */
      replicaId: number;
      /** The follower's broker epoch (KIP-903); -1 for consumers. */
      replicaEpoch: number;
      topic: string;
      partition: number;
      fetchOffset: number;
      /** Epoch of the last record the fetcher has, -1 if none (divergence detection). */
      lastFetchedEpoch: number;
      /** The fetcher's view of the current leader epoch (KIP-320 fencing). */
      currentLeaderEpoch: number;
      maxWaitMs: number;
      maxRecords: number;
      /** FetchRequest isolation_level (KIP-98): absent = read_uncommitted; consumers only. */
      isolationLevel?: IsolationLevel;
    }
  | {
      type: 'OffsetsForLeaderEpochRequest';
      correlationId: number;
      replicaId: number;
      topic: string;
      partition: number;
      currentLeaderEpoch: number;
      leaderEpoch: number;
    };

export type ClientResponse =
  | {
      type: 'FindCoordinatorResponse';
      correlationId: number;
      /** NONE, or COORDINATOR_NOT_AVAILABLE while the group's partition has no leader. */
      error: 'NONE' | 'COORDINATOR_NOT_AVAILABLE';
      nodeId: number;
    }
  | { type: 'GroupResponse'; correlationId: number; body: GroupResponse }
  | { type: 'MetadataResponse'; correlationId: number; brokers: number[]; partitions: PartitionMetadata[] }
  | {
      type: 'InitProducerIdResponse';
      correlationId: number;
      error: ErrorCode;
      producerId: number;
      producerEpoch: number;
    }
  | {
      type: 'ProduceResponse';
      correlationId: number;
      topic: string;
      partition: number;
      error: ErrorCode;
      baseOffset: number;
      /** KIP-951, with NOT_LEADER_OR_FOLLOWER: the leader this broker knows, when it knows one. */
      currentLeader?: CurrentLeader;
    }
  | {
      type: 'FetchResponse';
      correlationId: number;
      topic: string;
      partition: number;
      error: ErrorCode;
      highWatermark: number;
      logStartOffset: number;
      records: readonly LogRecord[];
      /** Set when the fetcher's log diverges from the leader's (truncate, then fetch again). */
      divergingEpoch?: { epoch: number; endOffset: number };
      /** The responder's leader epoch, so a fetcher learns of a newer leader. */
      leaderEpoch: number;
      /** KIP-951, with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH: the leader this broker knows. */
      currentLeader?: CurrentLeader;
      /** The leader's last stable offset; set on answers to read_committed fetches only. */
      lastStableOffset?: number;
      /** read_committed answers: the aborted transactions overlapping the records (KIP-98). */
      abortedTransactions?: readonly AbortedTransaction[];
    }
  | {
      type: 'OffsetsForLeaderEpochResponse';
      correlationId: number;
      topic: string;
      partition: number;
      error: ErrorCode;
      /** The largest epoch ≤ the requested one that the leader knows (KIP-279), -1 if none. */
      leaderEpoch: number;
      endOffset: number;
      /**
       * Not a Kafka field: the leader's log start when it answered a follower (replicaId ≥ 0), read
       * only by the follower's 'follower-kept-records-below-leader-log-start' probe (the witness of
       * the Kafka finding divergence-below-log-start), as a Fetch answer's logStartOffset is.
       */
      leaderLogStartOffset?: number;
    };
