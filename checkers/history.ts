// History vocabulary shared by every producer and judge of histories (DESIGN §6): the
// simulator's clients, the importers (JSONL, Jepsen EDN, etcd logs) and every checker.
// Jepsen's vocabulary: an operation is an `invoke` followed by at most one completion
// (`ok`, `fail` = definitely did not happen, `info` = unknown outcome). An invoke with no
// completion is also of unknown outcome. Nothing here imports the model or the kernel.
// Real-time order is the order of events in the history, not `time`: Jepsen stamps a
// completion when its client receives it, so recorded times may go backwards between
// processes. Jepsen's Kafka vocabulary (micro-op lists, key lists) is read as recorded and
// interpreted by checkers/kafka-actions.ts.

export type OpType = 'invoke' | 'ok' | 'fail' | 'info';

export interface HistoryEvent {
  /** Position in the history, 0-based, dense. */
  index: number;
  /** Virtual (or recorded) time in microseconds; reported only (it may go back, see above). */
  time: number;
  /** The client process; one process has at most one operation in flight. */
  process: number | string;
  type: OpType;
  /** Operation name: send, poll, assign (Kafka); read, write, cas (registers); get, put, append (kv). */
  f: string;
  value: unknown;
  /** kv histories: the key the operation touches. */
  key?: unknown;
  /** Error name for fail/info completions, e.g. NOT_ENOUGH_REPLICAS, timeout. */
  error?: string;
  /** Jepsen's `:seek-to-beginning? true` on an `assign` of keys: positions them at offset 0. */
  seekToBeginning?: boolean;
  /**
   * gregor's transactional producers (model/txn-producer.ts): the topic whose partitions a
   * micro-op operation's keys are; absent (Jepsen's own histories) = topic "key".
   */
  topic?: string;
  /**
   * gregor's transactional producers: the producer id and epoch InitProducerId answered, under
   * which the `txn` operation's sends were produced (one epoch per transaction: a new epoch
   * comes only between transactions). Absent in Jepsen's histories.
   */
  producerId?: number;
  producerEpoch?: number;
}

// --- Kafka operation values -------------------------------------------------------------

/** `send` invoke/ok value. `offset` is present on ok. */
export interface SendValue {
  topic: string;
  partition: number;
  key?: string | null;
  value: string;
  offset?: number;
}

/**
 * `poll` invoke/ok value: the consumer fetched from `offset` and (on ok) got `records`,
 * [offset, value] pairs in offset order (possibly empty).
 */
export interface PollValue {
  topic: string;
  partition: number;
  offset: number;
  records?: Array<[number, string]>;
  /**
   * Optional: the most records this poll could return (e.g. max.poll.records). The
   * `log-strict` model only requires a poll to reach the end of the log when it returned
   * fewer records than this.
   */
  maxRecords?: number;
  /**
   * Optional, on an ok poll: the consumer's position after it. It may lie past the last record
   * returned: a consumer skips control batches under either isolation level and aborted
   * transactional batches under read_committed, moving its position past them
   * (CompletedFetch.nextFetchedRecord, FetchCollector.fetchRecords @ 3.9.0-rc3).
   */
  next?: number;
}

/**
 * `assign` value: the consumer (re)positions on a partition at `offset` (assignment, or a
 * reset after detected truncation, KIP-320). Poll monotonicity is tracked from here on.
 */
/** How a consumer moved its own position (AssignValue.reset). */
export type ConsumerReset = 'earliest' | 'latest' | 'truncation';

export interface AssignValue {
  topic: string;
  partition: number;
  offset: number;
  /**
   * Optional: set when the consumer itself moved the position, not the application: by
   * auto.offset.reset after OFFSET_OUT_OF_RANGE or an undefined KIP-320 validation
   * ('earliest', 'latest'), or to the end offset KIP-320 validation found ('truncation').
   */
  reset?: ConsumerReset;
}

export type History = HistoryEvent[];

// --- Consumer groups (checkers/groups.ts; docs/readme-checkers.md) ---------------------------

/** The consumer-group operations; the log models leave them out of the search. */
export const GROUP_OPS: ReadonlySet<string> = new Set([
  'subscribe',
  'assignment',
  'commit',
  'fetch-offsets',
  'reset-offsets',
  'leave',
]);

/** A topic-partition named in a group operation. */
interface GroupPartition {
  topic: string;
  partition: number;
}

/** `subscribe` (gregor's object form): the process joins `group` (KafkaConsumer.subscribe). */
export interface SubscribeValue {
  group: string;
  topics: string[];
  /** The member id, when known at subscribe time (else the process stands for the member). */
  member?: string;
}

/**
 * `assignment`: the member was handed its partitions for a generation (the SyncGroup response,
 * ConsumerRebalanceListener.onPartitionsAssigned); it owns exactly these until the next one.
 */
export interface AssignmentValue {
  group: string;
  member: string;
  /** The generation; with protocol `consumer` (KIP-848), the member epoch. */
  generation: number;
  partitions: GroupPartition[];
  /**
   * `consumer`: a member of a KIP-848 consumer group (group.protocol=consumer), whose epoch is
   * its own: members of one group are at different epochs while they reconcile, and a commit is
   * judged against its member's epoch only (ConsumerGroup.validateOffsetCommit). Absent: classic.
   */
  protocol?: 'consumer';
}

/** One partition's offset in a group operation: the next offset to consume (Kafka's meaning). */
export interface GroupOffset extends GroupPartition {
  /** `null` in a fetch result: the group has no committed offset for the partition. */
  offset: number | null;
  /** The committed leader epoch (KIP-320), reported only. */
  leaderEpoch?: number;
}

/** `commit` (OffsetCommit; commitSync/commitAsync/auto-commit). Generation -1 or absent: none. */
export interface CommitValue {
  group: string;
  member?: string;
  generation?: number;
  offsets: GroupOffset[];
}

/** `fetch-offsets` (OffsetFetch; KafkaConsumer.committed): the group's committed offsets on `ok`. */
export interface FetchOffsetsValue {
  group: string;
  offsets: GroupOffset[];
}

/** `reset-offsets` (kafka-consumer-groups.sh --reset-offsets): an administrator moves them. */
export interface ResetOffsetsValue {
  group: string;
  offsets: GroupOffset[];
}

/** `leave` (LeaveGroup, KafkaConsumer.close/unsubscribe): the member owns nothing any more. */
export interface LeaveValue {
  group: string;
  member?: string;
}
