// The white-box view of a simulated cluster at one instant (DESIGN §5): every replica's log,
// LEO, HW, epoch cache and role, and the controller's view. The model produces it; the
// white-box invariants read it. Arrays may be the model's live arrays: read them
// synchronously, never keep or mutate them.

export interface RecordView {
  offset: number;
  /** Leader epoch the record was appended in. */
  epoch: number;
  producerId: number;
  sequence: number;
  key: string | null;
  value: string;
  /** An offset the replica counts but holds no record at (model/replica-log.ts gapAt). */
  gap?: true;
}

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export interface ReplicaSnapshot {
  broker: number;
  topic: string;
  partition: number;
  /** The broker process is running. */
  up: boolean;
  role: 'leader' | 'follower' | 'none';
  /** The leader epoch this replica believes current. */
  leaderEpoch: number;
  logStartOffset: number;
  /** Log end offset, exclusive. */
  leo: number;
  /** High watermark, exclusive. */
  hw: number;
  /** records[i].offset === logStartOffset + i. */
  records: readonly RecordView[];
  epochCache: readonly EpochEntry[];
  /** Leader only: the ISR the leader believes committed, and its maximal ISR (KIP-497). */
  isr?: readonly number[];
  maximalIsr?: readonly number[];
  /**
   * The partition epoch this replica has applied (from metadata or an AlterPartition answer),
   * -1 if none. A leader whose partition epoch is below the controller's has not yet seen the
   * controller's latest change of the partition.
   */
  partitionEpoch?: number;
}

/** A record with the batch header fields the per-replica invariants compare with the producer state. */
export interface FactRecord extends RecordView {
  producerEpoch: number;
  /** Last record of its batch. */
  lastInBatch: boolean;
  /** Set on a control record (a transaction marker): not a batch of the idempotence state. */
  readonly control?: unknown;
}

/**
 * One replica's own state at the moment it changed (checkers/replica-invariants.ts): what the
 * model shows of a partition on a running broker. Arrays are live: read synchronously.
 */
export interface ReplicaFacts {
  readonly role: 'leader' | 'follower' | 'none';
  readonly leaderEpoch: number;
  readonly hw: number;
  readonly leo: number;
  /** The log start offset: records below it are deleted or unserved (never read them). */
  readonly logStartOffset: number;
  /** records[i].offset === i at and above logStartOffset (below: holes or unserved records). */
  readonly records: readonly FactRecord[];
  readonly epochCache: readonly EpochEntry[];
  /** Calls `each` with every producer id of the idempotence state, its epoch and its last batch. */
  forEachProducer(each: (producerId: number, epoch: number, lastSeq: number, lastOffset: number) => void): void;
  /** The ongoing transactions of the producer state, earliest first (absent in stand-ins). */
  openTransactions?(): ReadonlyArray<{ readonly producerId: number; readonly firstOffset: number }>;
  /** Leader only (else empty): the maximal ISR (KIP-497). */
  readonly maximalIsr: readonly number[];
  /** Leader only: its view of a follower's LEO in this leader epoch (-1 unknown). */
  remoteLeo(broker: number): number;
}

export interface BrokerView {
  id: number;
  /** Process running. */
  up: boolean;
  /** The broker epoch of the running process's registration (-1 if not registered). */
  brokerEpoch: number;
  /** Controller's view: fenced, and the broker epoch it has registered. */
  fenced: boolean;
  registeredEpoch: number;
  /** Controller's view: in controlled shutdown (KIP-841); absent = no. */
  inControlledShutdown?: boolean;
}

export interface PartitionView {
  topic: string;
  partition: number;
  /** -1 when leaderless. */
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  /** Eligible leader replicas (KIP-966). */
  elr: readonly number[];
}

/** A record some client received an acknowledgement for (acks ≥ 1 ok). */
export interface AckedRecord {
  topic: string;
  partition: number;
  offset: number;
  value: string;
  timeUs: number;
}

/** A record some consumer read. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: number;
  value: string;
  timeUs: number;
}

export interface ClusterSnapshot {
  timeUs: number;
  brokers: readonly BrokerView[];
  controller: {
    up: boolean;
    partitions: readonly PartitionView[];
  };
  replicas: readonly ReplicaSnapshot[];
  /** Acknowledged records so far (acks=all or acks=1 ok completions). */
  acked: readonly AckedRecord[];
  /** Records consumers have read so far. */
  consumed: readonly ConsumedRecord[];
  /** The KRaft controller quorum (absent where the cluster has none to show). */
  quorum?: QuorumSnapshot;
}

/**
 * A controller voter's Raft role (QuorumState: Unattached, Follower, Candidate, Leader, Resigned,
 * and from Kafka 4.0 Prospective, KIP-996's pre-vote state).
 */
export type RaftRoleName = 'unattached' | 'follower' | 'prospective' | 'candidate' | 'leader' | 'resigned';

/**
 * A controller voter's Raft state when its role, epoch, known leader or high watermark changed:
 * the model's 'quorum' probe (model/cluster-api.ts) and the trace's 'quorum' timeline event
 * (checkers/trace.ts, which adds the time) are both this.
 */
export type QuorumStateChange = {
  kind: 'quorum';
  node: number;
  role: RaftRoleName;
  epoch: number;
  /** -1 when unknown. */
  leaderId: number;
  /** Raft high watermark (exclusive). */
  hw: number;
};

/** One controller voter as the report and the quorum invariants see it. */
export interface VoterView {
  id: number;
  up: boolean;
  role: RaftRoleName;
  epoch: number;
  /** -1 when unknown. */
  leaderId: number;
  /** Raft high watermark (exclusive). */
  hw: number;
  /** Log end offset (exclusive). */
  leo: number;
  /** The active controller (the leader that has claimed). */
  active: boolean;
}

export interface QuorumSnapshot {
  voters: readonly VoterView[];
  /** The metadata log's commit point as the cluster has seen it (exclusive). */
  committedEnd: number;
  /**
   * What the model's commit record found broken, in order (one entry per violation; the
   * names are the quorum invariants of checkers/quorum-invariants.ts).
   */
  violations: readonly { invariant: string; timeUs: number; detail: string }[];
}
