// The contract between the model and its drivers (scenarios, the fuzzer, tests): how to
// build a simulated Kafka cluster on a kernel Simulation, drive its workload, look at it,
// and the probe events it announces (for event-triggered faults and the trace timeline).

import type { ActorFactory, Message, NodeContext, SimulationApi } from '../harness/types.ts';
import type { History } from '../checkers/history.ts';
import type {
  AckedRecord,
  ClusterSnapshot,
  ConsumedRecord,
  QuorumStateChange,
  ReplicaFacts,
} from '../checkers/cluster-state.ts';
import type { ClusterSpec, WorkloadSpec } from './config.ts';
import type { LogStartReason } from './replica-log.ts';

export interface KafkaCluster {
  readonly spec: ClusterSpec;
  readonly brokerIds: readonly number[];
  /** The first controller voter (the only one in a one-voter quorum). */
  readonly controllerId: number;
  /** Every controller voter. */
  readonly controllerIds: readonly number[];
  readonly producerIds: readonly number[];
  readonly consumerIds: readonly number[];
  /** Boots the controller, brokers (which register) and clients (which start the workload). */
  start(): void;
  /** The client history recorded so far (DESIGN §6 vocabulary). Live array: do not mutate. */
  readonly history: History;
  /** Every send of the workload has completed (ok, fail or info). */
  workloadDone(): boolean;
  /** The running producers whose sends have not all completed (none: workloadDone). Absent: not told. */
  unfinishedProducers?(): number[];
  /**
   * The running producers' sends not yet completed, one row per producer and partition they wait
   * on (a producer between sends, or one that does not tell, has none). Absent: not told.
   */
  openSends?(): Array<{ producer: number; topic: string; partition: number }>;
  /**
   * Liveness probe: a fresh client sends one record to every partition and polls it back.
   * Returns true once every probe send was acknowledged and read back.
   */
  startProbe(): void;
  probeSucceeded(): boolean;
  /** Final read: poll every partition from offset 0 to its end (recorded in the history). */
  startFinalRead(): void;
  finalReadDone(): boolean;
  /** The partitions whose final read has not completed (optional: a stand-in may not say). */
  finalReadUnfinished?(): ReadonlyArray<{ topic: string; partition: number }>;
  /** `kafka-topics.sh --describe` view of the controller's metadata. */
  describe(): string;
  /**
   * `kafka-consumer-groups.sh --describe --group G` (ConsumerGroupCommand.printOffsets) from the
   * group's loaded coordinator: committed offsets, the partitions' HWs, members.
   */
  describeGroup(group: string): string;
  /** `kafka-dump-log.sh` view of one replica: offset, leader epoch, value. */
  dumpLog(broker: number, topic: string, partition: number): string;
  /** `kafka-log-dirs.sh --describe` of one replica, per segment: size, offsets, fsynced / written back / dirty. */
  describeSegments(broker: number, topic: string, partition: number): string;
  snapshot(): ClusterSnapshot;
  /** One partition's look for the invariant monitor (ClusterView.partitionSnapshot); absent in stand-ins. */
  partitionSnapshot?(topic: string, partition: number): ClusterSnapshot;
  /**
   * A fresh look at one partition of any topic, internal ones included (ClusterView
   * .internalPartitionLook); undefined when the controller holds no such partition. Absent in stand-ins.
   */
  internalPartitionLook?(topic: string, partition: number): ClusterSnapshot | undefined;
  /** The acknowledged and consumed records so far, folded from the history (live arrays); absent in stand-ins. */
  results?(): { acked: readonly AckedRecord[]; consumed: readonly ConsumedRecord[] };
  /**
   * Transactions open on a leader of a workload topic or of `__consumer_offsets` (a TxnOffsetCommit's
   * batch: its offsets stay pending, OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT)
   * whose producer id no serving transaction
   * coordinator has in Ongoing, PrepareCommit or PrepareAbort but wedged (issue 17): "topic/partition" →
   * the first offset of the earliest. Nothing will ever end them, so the partition's LSO stays
   * at or below that offset (a hanging transaction). Absent where the cluster has no transactions.
   */
  hangingTransactions?(): Map<string, number>;
  /**
   * Running transactional producers not done whose transactional id is wedged on the serving
   * coordinator of its `__transaction_state` partition (TxnCoordinatorShard.wedged): client id →
   * that partition. Absent where the cluster has no transactions.
   */
  wedgedTxnProducers?(): Map<number, number>;
  /**
   * Running transactional producers not done: client id → the `__transaction_state` partition of
   * its transactional id (TransactionStateManager.partitionFor), whose coordinator every one of its
   * requests needs. Absent where the cluster has no transactions.
   */
  txnStatePartitionOfProducers?(): Map<number, number>;
  /**
   * Running transactional producers not done whose transactional id the serving coordinator of its
   * `__transaction_state` partition (that partition's leader) holds in PrepareCommit or PrepareAbort, its
   * completion pending on the markers being sent (TransactionMetadata.prepareComplete, then
   * TransactionMarkerChannelManager.addTxnMarkersToSend): [client id, state, the partitions whose markers are
   * still unwritten]
   * (TransactionMetadata.topicPartitions, from which TransactionMarkerRequestCompletionHandler removes
   * each partition once its marker is written). Absent where the cluster has no transactions.
   */
  preparedTxnsOfProducers?(): Array<readonly [number, string, readonly string[]]>;
  /**
   * Transactions open on the leader of a workload topic's partition (its producer state's ongoing
   * transactions): ["topic/partition", producer id] pairs. Absent where the cluster has no transactions.
   */
  openTransactionsOnLeaders?(): Array<readonly [string, number]>;
  /**
   * Running consume-transform-produce producers not done whose group's `__consumer_offsets`
   * partition holds a hanging transaction (hangingTransactions): its OffsetFetch with requireStable
   * is answered UNSTABLE_OFFSET_COMMIT for good. Client id → that partition. Absent where the
   * cluster has no transactions.
   */
  offsetsHungTxnProducers?(): Map<number, number>;
  /**
   * The transaction coordinators as the white-box invariants read them (checkers/
   * txn-coordinator-invariants.ts): each running broker's shards, and a partition's leader log.
   * Absent where the cluster has no transactions.
   */
  txnCoordinators?(): TxnCoordinatorsState;
  /** One running broker's replica state, live (per-replica invariants at each change); undefined when none. */
  replicaFacts(broker: number, topic: string, partition: number): ReplicaFacts | undefined;
}

/** The transaction coordinators' state on running brokers (KafkaCluster.txnCoordinators). */
export interface TxnCoordinatorsState {
  readonly shards: ReadonlyArray<{
    readonly broker: number;
    readonly partition: number;
    readonly coordinatorEpoch: number;
    readonly loaded: boolean;
    /** Transactions whose CompleteCommit/CompleteAbort this shard had committed (a live list). */
    readonly completed: ReadonlyArray<{
      readonly transactionalId: string;
      readonly producerId: number;
      readonly result: 'COMMIT' | 'ABORT';
      readonly partitions: readonly string[];
    }>;
  }>;
  /** "topic/partition" → its running leader's log (undefined: no leader, or not running). */
  leaderLog(tp: string): { logStartOffset: number; records: readonly LeaderRecord[] } | undefined;
}

/** A leader log record as the transaction invariants read it. */
interface LeaderRecord {
  readonly offset: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
}

export type BuildCluster = (sim: SimulationApi<ModelProbe>, spec: ClusterSpec, workload: WorkloadSpec) => KafkaCluster;

/** What the model's nodes may touch: the kernel's context, emitting only ModelProbe events. */
export type ModelContext = NodeContext<Message, ModelProbe>;

/** How the model builds its nodes. */
export type ModelActorFactory = ActorFactory<Message, ModelProbe>;

/** One group as its coordinator serves it (the 'coordinator-serving' probe). */
export interface CoordinatorGroupState {
  group: string;
  /** A classic group's generation; a consumer group's (KIP-848) group epoch. */
  generation: number;
  members: string[];
  offsets: Array<{ topic: string; partition: number; offset: number }>;
  /** A consumer group's (KIP-848) current assignments: each member's assigned and revoking partitions. */
  owners?: Array<{ member: string; partitions: Array<{ topic: string; partition: number }> }>;
}

/**
 * Probe events the model emits via ctx.emit: the kernel's probe type parameter (Simulation<ModelProbe>,
 * ModelContext), which drivers match exhaustively. The timeline kinds
 * ('replica', 'append', 'truncate', 'partition') have exactly the fields of
 * checkers/trace.ts TimelineEvent minus `t` (the driver stamps the time). The others are
 * hooks for event-triggered faults.
 */
export type ModelProbe =
  | {
      kind: 'replica';
      broker: number;
      topic: string;
      partition: number;
      role: 'leader' | 'follower' | 'none';
      leaderEpoch: number;
      hw: number;
      leo: number;
    }
  | {
      kind: 'append';
      broker: number;
      topic: string;
      partition: number;
      firstOffset: number;
      epoch: number;
      values: string[];
      /** A leader's append of an idempotent producer's batch: its producer id and epoch. */
      producerId?: number;
      producerEpoch?: number;
      /**
       * The leader had no state for that producer and took a batch at a sequence above 0 as a
       * new producer's (ProducerAppendInfo.checkSequence: "accept writes with any sequence
       * number" — its batches were deleted by retention or a full truncation).
       */
      unknownProducer?: true;
      /**
       * The leader had no state for that producer and took a batch at sequence 0: a new
       * producer's first batch, or a retry of one whose state was lost (the tracker decides).
       */
      noStateAtSequenceZero?: true;
    }
  | { kind: 'truncate'; broker: number; topic: string; partition: number; toOffset: number; reason: string }
  /**
   * A replica's log start offset moved from `from` to `to` (replica-log.ts LogStartMove): up by
   * segment deletion (retention) or with the leader's, down by a truncation below it; `hw`
   * and `leo` right after.
   */
  | {
      kind: 'log-start';
      broker: number;
      topic: string;
      partition: number;
      from: number;
      to: number;
      reason: LogStartReason;
      hw: number;
      leo: number;
    }
  /** A replica created a segment at `offset`, or its recovery point moved to `offset` (the report's segments). */
  | {
      kind: 'storage';
      broker: number;
      topic: string;
      partition: number;
      change: 'segment' | 'segment-deleted' | 'recovery-point';
      offset: number;
    }
  /** A leader served records from `fromOffset` in a fetch answer (checked against its log start). */
  | { kind: 'fetch-served'; broker: number; topic: string; partition: number; fromOffset: number }
  | {
      kind: 'partition';
      topic: string;
      partition: number;
      leader: number;
      leaderEpoch: number;
      partitionEpoch: number;
      replicas: number[];
      isr: number[];
      elr: number[];
    }
  /** A controller voter's Raft state changed (the timeline's 'quorum' event minus `t`: one type for both). */
  | QuorumStateChange
  /** The leader completed an acks≥1 produce whose last offset is `offset`. */
  | { kind: 'produce-ack'; broker: number; topic: string; partition: number; offset: number }
  /** A leader sent AlterPartition proposing `isr` (still in flight). */
  | { kind: 'alter-partition-sent'; broker: number; topic: string; partition: number; isr: number[] }
  /** The controller accepted (or rejected) an AlterPartition. */
  | { kind: 'alter-partition-applied'; topic: string; partition: number; isr: number[]; accepted: boolean }
  /** A follower fetched and appended records. */
  | {
      kind: 'follower-fetch';
      broker: number;
      leader: number;
      topic: string;
      partition: number;
      fetchOffset: number;
      appended: number;
    }
  /** A broker's registration was accepted with this broker epoch. */
  | { kind: 'registered'; broker: number; brokerEpoch: number }
  /**
   * The controller is accepting a new incarnation of `broker` and judged the previous one's
   * shutdown unclean (previousBrokerEpoch is not the registered epoch: kill -9, power loss, or
   * a clean stop before the incarnation had registered), so it leaves every ISR and ELR
   * (KIP-966). Emitted before the partition changes that follow from it.
   */
  | { kind: 'unclean-shutdown'; broker: number; previousBrokerEpoch: number; registeredEpoch: number }
  /** The controller fenced a broker (session timeout or re-registration). */
  | { kind: 'fenced'; broker: number }
  /** The controller put a broker in controlled shutdown (KIP-841): its ISRs and leaderships go. */
  | { kind: 'controlled-shutdown'; broker: number; brokerEpoch: number }
  /**
   * A group coordinator began to serve `partition` of `__consumer_offsets` on `broker` in
   * `leaderEpoch` (after loading it, model/group-host.ts): the groups as it serves them, and
   * the partition's log on the broker at that moment (each record's value, offset 0 on).
   */
  | {
      kind: 'coordinator-serving';
      broker: number;
      partition: number;
      leaderEpoch: number;
      groups: CoordinatorGroupState[];
      log: string[];
    }
  /**
   * An idempotent producer restarted a partition's sequences under a new producer id (KIP-360)
   * and re-sends these values, some attempt of which may already have been appended.
   */
  | {
      kind: 'producer-resequenced';
      producer: number;
      topic: string;
      partition: number;
      producerId: number;
      producerEpoch: number;
      values: string[];
    };
