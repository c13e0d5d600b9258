// Broker ↔ controller messages (KRaft mode) and the records of the controller's metadata log.
//
// What the model assumes (Kafka 3.7+/4.x, KRaft):
// - The controller keeps a durable metadata log (`__cluster_metadata`). Its records are the
//   only source of truth for broker registrations, fencing and partition state; brokers
//   replicate that log by long-polling MetadataFetch (Kafka's Raft Fetch by an observer) and
//   apply the records in order. A broker epoch is the offset of the broker's RegisterBroker
//   record, as in Kafka.
// - Partition records carry the full partition state (Kafka writes PartitionRecord once and
//   PartitionChangeRecord deltas afterwards; applying a delta to the previous state gives the
//   same full state, so the model writes the result directly).
// - Registration, heartbeats and AlterPartition are request/response over the simulated
//   network; a lost message is noticed only by the requester's own timeout.
// - One partition per AlterPartition request keeps the model small; Kafka batches them,
//   which changes nothing for safety.

import type { ErrorCode } from './client-protocol.ts';

/** The controller's record of one partition (PartitionRegistration). Immutable once logged. */
export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  /** Eligible leader replicas (KIP-966). */
  readonly elr: readonly number[];
  /**
   * LastKnownElr (KIP-966), as Kafka fills it without unclean recovery
   * (useLastKnownLeaderInBalancedRecovery): the leader the partition had when its ISR became
   * empty, electable again once it is back if the ISR and ELR are still empty. Absent = [].
   */
  readonly lastKnownElr?: readonly number[];
  /** -1 when leaderless. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

export type MetadataRecord =
  /**
   * A broker (re)registered. A new incarnation starts fenced, with brokerEpoch = this record's
   * offset; the same incarnation registering again keeps its epoch and state, which the record
   * then carries (ClusterControlManager.registerBroker: "Amending registration").
   */
  | {
      readonly type: 'RegisterBroker';
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly incarnation: number;
      /** Amended registration only (absent = true). */
      readonly fenced?: boolean;
      /** Amended registration only (absent = false). */
      readonly inControlledShutdown?: boolean;
    }
  /**
   * BrokerRegistrationChangeRecord: fence or unfence one registration, or (KIP-841) mark it in
   * controlled shutdown (absent = unchanged); fencing leaves that mark as it is.
   */
  | {
      readonly type: 'BrokerFencing';
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly fenced: boolean;
      readonly inControlledShutdown?: boolean;
    }
  /** PartitionRecord / PartitionChangeRecord, as the full resulting state. */
  | { readonly type: 'Partition'; readonly state: PartitionState }
  /**
   * LeaderChangeMessage: the control record a new Raft leader writes at the start of its epoch
   * (KafkaRaftClient.onBecomeLeader, LeaderState.appendStartOfEpochControlRecords). The
   * controller and the brokers skip it; it lets the leader commit its predecessors' records.
   */
  | { readonly type: 'LeaderChange'; readonly leaderId: number; readonly epoch: number }
  /**
   * NoOpRecord (KIP-835): the active controller writes one every metadata.max.idle.interval.ms
   * (QuorumController.maybeScheduleNextWriteNoOpRecord) so the log's HW keeps moving; nothing
   * replays it ("NoOpRecord is an empty record and doesn't need to be replayed").
   */
  | { readonly type: 'NoOp' };

/** One entry of the Raft log `__cluster_metadata`: a record and the leader epoch it was written in. */
export interface RaftEntry {
  readonly epoch: number;
  readonly record: MetadataRecord;
}

/** Errors of the Raft APIs (Vote, BeginQuorumEpoch, Fetch). */
export type RaftErrorCode = 'NONE' | 'FENCED_LEADER_EPOCH' | 'UNKNOWN_LEADER_EPOCH' | 'NOT_LEADER_OR_FOLLOWER';

/** KIP-595's Vote, BeginQuorumEpoch (voter to voter) and their answers. */
export type RaftMessage =
  | {
      readonly type: 'VoteRequest';
      /** The sender's epoch: a candidate's new one, or a prospective's current one (ReplicaEpoch). */
      readonly candidateEpoch: number;
      readonly candidateId: number;
      readonly lastOffsetEpoch: number;
      /** The candidate's log end offset. */
      readonly lastOffset: number;
      /** KIP-996 (Vote v2's PreVote): a prospective asks whether it could win, binding no one. */
      readonly preVote: boolean;
      /** Matches the answer to its election round (Kafka: the request header's correlation id). */
      readonly correlationId: number;
    }
  | {
      readonly type: 'VoteResponse';
      readonly error: RaftErrorCode;
      readonly leaderEpoch: number;
      readonly leaderId: number;
      readonly voteGranted: boolean;
      readonly correlationId: number;
    }
  | { readonly type: 'BeginQuorumEpochRequest'; readonly leaderEpoch: number; readonly leaderId: number }
  | {
      readonly type: 'BeginQuorumEpochResponse';
      readonly error: RaftErrorCode;
      readonly leaderEpoch: number;
      readonly leaderId: number;
    };

/** Errors of the controller APIs that are not in the client protocol. */
export type ControllerErrorCode =
  | ErrorCode
  | 'DUPLICATE_BROKER_REGISTRATION'
  | 'INVALID_UPDATE_VERSION' // AlterPartition with a stale partition epoch
  | 'INVALID_REQUEST'
  | 'INELIGIBLE_REPLICA' // AlterPartition adds a fenced replica or one with a stale broker epoch (KIP-903)
  | 'NOT_CONTROLLER'
  | 'NEW_LEADER_ELECTED' // AlterPartition applied, and the change moved the leadership away
  | 'OPERATION_NOT_ATTEMPTED';

export interface BrokerStateInIsr {
  readonly brokerId: number;
  /** The replica's broker epoch as the leader saw it in its fetches (KIP-903), -1 = unknown. */
  readonly brokerEpoch: number;
}

export type ControllerRequest =
  | {
      readonly type: 'BrokerRegistrationRequest';
      readonly correlationId: number;
      readonly brokerId: number;
      /** Kafka's incarnation id: unique per process start. */
      readonly incarnation: number;
      /** The broker epoch stored in the clean-shutdown file, -1 after an unclean shutdown (KIP-966). */
      readonly previousBrokerEpoch: number;
    }
  | {
      readonly type: 'BrokerHeartbeatRequest';
      readonly correlationId: number;
      readonly brokerId: number;
      readonly brokerEpoch: number;
      /** How far the broker has applied the metadata log (exclusive end offset). */
      readonly currentMetadataOffset: number;
      /** KIP-841 controlled shutdown: the broker is stopping and asks to be let go. */
      readonly wantShutDown: boolean;
    }
  /** Raft Fetch on `__cluster_metadata` (KIP-595), from a follower voter or an observer (a broker). */
  | {
      readonly type: 'MetadataFetchRequest';
      readonly correlationId: number;
      readonly replicaId: number;
      /** The fetcher's current epoch (currentLeaderEpoch). */
      readonly epoch: number;
      readonly fetchOffset: number;
      /** Epoch of the entry before fetchOffset (0 when fetchOffset is 0). */
      readonly lastFetchedEpoch: number;
      readonly maxWaitMs: number;
      /** The fetcher's HW (Fetch v18's HighWatermark, KIP-1166): from 4.1 a leader ahead of it answers at once. */
      readonly highWatermark: number;
    }
  | {
      readonly type: 'AlterPartitionRequest';
      readonly correlationId: number;
      readonly brokerId: number;
      readonly brokerEpoch: number;
      readonly topic: string;
      readonly partition: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      readonly newIsrWithEpochs: readonly BrokerStateInIsr[];
    };

export type ControllerResponse =
  | {
      readonly type: 'BrokerRegistrationResponse';
      readonly correlationId: number;
      readonly error: ControllerErrorCode;
      readonly brokerEpoch: number;
    }
  | {
      readonly type: 'BrokerHeartbeatResponse';
      readonly correlationId: number;
      readonly error: ControllerErrorCode;
      readonly isFenced: boolean;
      /** Controlled shutdown granted: the broker may stop now. */
      readonly shouldShutDown: boolean;
    }
  | {
      readonly type: 'MetadataFetchResponse';
      readonly correlationId: number;
      readonly error: RaftErrorCode;
      /** The responder's view of the leader (currentLeader), -1 if unknown. */
      readonly leaderId: number;
      readonly leaderEpoch: number;
      /** Offset of entries[0]. */
      readonly baseOffset: number;
      readonly entries: readonly RaftEntry[];
      /** The leader's Raft high watermark (exclusive), -1 if unknown. */
      readonly highWatermark: number;
      /** Set when the fetch diverged from the leader's log: truncate to here, then fetch again. */
      readonly divergingEpoch?: { readonly epoch: number; readonly endOffset: number };
    }
  | {
      readonly type: 'AlterPartitionResponse';
      readonly correlationId: number;
      readonly topic: string;
      readonly partition: number;
      readonly error: ControllerErrorCode;
      /** The partition as the controller now has it (when error is NONE). */
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly partitionEpoch: number;
      readonly isr: readonly number[];
    };

/** Broker ↔ broker: ListOffsets(LATEST) a follower sends after OFFSET_OUT_OF_RANGE. */
export type ReplicaRequest = {
  readonly type: 'ListOffsetsRequest';
  readonly correlationId: number;
  readonly replicaId: number;
  readonly topic: string;
  readonly partition: number;
  readonly currentLeaderEpoch: number;
};
export type ReplicaResponse = {
  readonly type: 'ListOffsetsResponse';
  readonly correlationId: number;
  readonly topic: string;
  readonly partition: number;
  readonly error: ErrorCode;
  /** The leader's log end offset (ListOffsets LATEST_TIMESTAMP). */
  readonly offset: number;
  /** The leader's log start offset (EARLIEST_TIMESTAMP; fetchOffsetAndTruncate asks for both). */
  readonly logStartOffset: number;
  readonly leaderEpoch: number;
};

/** Compile-time exhaustiveness for `switch` dispatch on the hot path (ts-pattern costs ~1 µs a match). */
export function assertNever(value: never, what: string): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(value)}`);
}
