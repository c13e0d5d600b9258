// The model's configuration contract: Kafka settings under their Kafka names and units, the
// cluster shape, the workload, and the protocol variants of the bug zoo (DESIGN §4).
// Scenarios build these; the model reads them. Units: Kafka's own (ms) here; the model
// converts to the kernel's µs at the edge.

import { NEWEST_KAFKA_VERSION, rulesOf, type KafkaVersion } from './versions.ts';
import type { IsolationLevel } from './client-protocol.ts';

// The version table is part of the configuration contract (scenarios import only this file).
export {
  consumerProtocolAvailable,
  isKafkaVersion,
  KAFKA_VERSIONS,
  NEWEST_KAFKA_VERSION,
  type KafkaVersion,
} from './versions.ts';

export interface KafkaConfig {
  /** The Kafka release whose defaults and rules apply (model/versions.ts); absent = the newest. */
  'kafka.version'?: KafkaVersion;
  /** Producer acks: 0, 1 or 'all' (-1). Default 'all' (Kafka ≥ 3.0). */
  acks: 0 | 1 | 'all';
  'enable.idempotence': boolean;
  'min.insync.replicas': number;
  'unclean.leader.election.enable': boolean;
  /** KIP-966 eligible leader replicas. */
  'eligible.leader.replicas.enable': boolean;
  'replica.lag.time.max.ms': number;
  'replica.fetch.wait.max.ms': number;
  'replica.fetch.backoff.ms': number;
  'replica.high.watermark.checkpoint.interval.ms': number;
  'broker.heartbeat.interval.ms': number;
  'broker.session.timeout.ms': number;
  'request.timeout.ms': number;
  'delivery.timeout.ms': number;
  'retry.backoff.ms': number;
  'max.in.flight.requests.per.connection': number;
  /** null = never fsync on message count (Kafka's default: durability from replication). */
  'log.flush.interval.messages': number | null;
  /** log.segment.bytes: the active segment rolls before it would grow past this (default 1 GiB). */
  'log.segment.bytes'?: number;
  /** log.roll.ms: a non-empty segment rolls once its first batch is this old (default 7 days). */
  'log.roll.ms'?: number;
  /** log.retention.ms: segments whose newest record is older go (default 7 days; -1 = no limit). */
  'log.retention.ms'?: number;
  /** log.retention.bytes: the oldest segments go while the log is larger (default -1 = no limit). */
  'log.retention.bytes'?: number;
  /** log.retention.check.interval.ms: how often LogManager.cleanupLogs runs (default 300000). */
  'log.retention.check.interval.ms'?: number;
  /** log.flush.offset.checkpoint.interval.ms: recovery-point-offset-checkpoint (default 60000). */
  'log.flush.offset.checkpoint.interval.ms'?: number;
  /** log.flush.start.offset.checkpoint.interval.ms: log-start-offset-checkpoint (default 60000). */
  'log.flush.start.offset.checkpoint.interval.ms'?: number;
  /** log.initial.task.delay.ms (3.8+; default 30000): LogManager's periodic tasks start after it. */
  'log.initial.task.delay.ms'?: number;
  /** producer.id.expiration.ms: an idle producer id leaves the idempotence state (default 86400000). */
  'producer.id.expiration.ms'?: number;
  /** producer.id.expiration.check.interval.ms (internal; default 600000). */
  'producer.id.expiration.check.interval.ms'?: number;
  /** Consumer: how long a fetch waits at the leader for data. */
  'fetch.max.wait.ms': number;
  /** Consumer: records per poll at most. */
  'max.poll.records': number;
  /** Consumer: where a position out of range goes (Kafka's default 'latest'). Optional; default 'latest'. */
  'auto.offset.reset'?: OffsetResetPolicy;
  /**
   * Consumer isolation.level (KIP-98): read_committed reads up to the last stable offset and
   * drops aborted transactions. Optional; default read_uncommitted, Kafka's default.
   */
  'isolation.level'?: IsolationLevel;
  /** Optional (model addition): a follower fetch with no answer is resent after this long. Default 30000. */
  'replica.socket.timeout.ms'?: number;
  /** Optional (model addition): AlterPartition with no answer is resent after this long. Default 30000. */
  'controller.socket.timeout.ms'?: number;
  /** Optional (model addition): registration, heartbeat and metadata fetch timeout. Default 2000. */
  'controller.quorum.request.timeout.ms'?: number;
  /** Optional: a voter with no leader stands after a random time in [this, 2×this). Default 1000 (Kafka's). */
  'controller.quorum.election.timeout.ms'?: number;
  /** Optional: a follower voter with no successful fetch this long stands; check quorum is 1.5×. Default 2000. */
  'controller.quorum.fetch.timeout.ms'?: number;
  /** Optional: how long the KRaft leader's BatchAccumulator lingers before appending. Default 25 (Kafka's). */
  'controller.quorum.append.linger.ms'?: number;
  /** Optional: the active controller writes a NoOpRecord this often (KIP-835); 0 = never. Default 500 (Kafka's). */
  'metadata.max.idle.interval.ms'?: number;
  /** Optional: the cap of a candidate's random backoff between elections. Default 1000 (Kafka's). */
  'controller.quorum.election.backoff.max.ms'?: number;
  /** Optional: KIP-841 controlled shutdown on a clean stop (BrokerServer.shutdown). Default true, as in Kafka. */
  'controlled.shutdown.enable'?: boolean;
  /** Optional: the controller moves leadership back to preferred replicas. Default true (Kafka's). */
  'auto.leader.rebalance.enable'?: boolean;
  /** Optional: how often the controller checks for imbalanced leaders. Default 300 (Kafka's). */
  'leader.imbalance.check.interval.seconds'?: number;
  /** Optional, ZooKeeper mode: the brokers' ZooKeeper session timeout. Default 18000 (Kafka's). */
  'zookeeper.session.timeout.ms'?: number;
  /**
   * ZooKeeper mode: inter.broker.protocol.version (MetadataVersion's IBP string). Below 2.7
   * (IBP_2_7_IV2, MetadataVersion.isAlterPartitionSupported) the leader writes its ISR changes
   * to ZooKeeper itself (ZkAlterPartitionManager, chosen in KafkaServer.startup); absent = the
   * kafka.version's own (≥ 2.7: AlterPartition to the controller).
   */
  'inter.broker.protocol.version'?: InterBrokerProtocolVersion;
  // --- consumer groups (issue 15)
  /** Optional: partitions of `__consumer_offsets`. Default 50 (Kafka's). */
  'offsets.topic.num.partitions'?: number;
  /** Optional: replication factor of `__consumer_offsets`. Default 3 (Kafka's), at most the brokers. */
  'offsets.topic.replication.factor'?: number;
  // --- transactions (issue 17)
  /** Optional: partitions of `__transaction_state`. Default 50 (Kafka's). */
  'transaction.state.log.num.partitions'?: number;
  /** Optional: replication factor of `__transaction_state`. Default 3 (Kafka's), at most the brokers. */
  'transaction.state.log.replication.factor'?: number;
  /** Optional: min.insync.replicas of `__transaction_state`. Default 2 (Kafka's). */
  'transaction.state.log.min.isr'?: number;
  /** Optional: the largest transaction.timeout.ms a producer may ask for. Default 900000 (Kafka's). */
  'transaction.max.timeout.ms'?: number;
  /**
   * Optional: KIP-890 part 1's check that a transactional batch's partition is in its ongoing
   * transaction before the leader appends it. Default true (Kafka's, from 3.6).
   */
  'transaction.partition.verification.enable'?: boolean;
  /**
   * Optional: the feature transaction.version (KIP-890; 0, 1 or 2). 2 = part 2, the epoch bump
   * per transaction and partitions added by the produce itself. Default 2 from kafka.version
   * 4.0 (TV_2 bootstraps at 4.0-IV2), 0 before; 3.x cannot set 2 (versions.ts).
   */
  'transaction.version'?: 0 | 1 | 2;
  /** Optional: how often the coordinator aborts timed-out transactions. Default 10000 (Kafka's). */
  'transaction.abort.timed.out.transaction.cleanup.interval.ms'?: number;
  /** Optional: the coordinator's delay of a new group's first rebalance. Default 3000 (Kafka's). */
  'group.initial.rebalance.delay.ms'?: number;
  /** Optional (broker, KIP-848): a consumer group member's session timeout. Default 45000 (Kafka's). */
  'group.consumer.session.timeout.ms'?: number;
  /** Optional (broker, KIP-848): a consumer group member's heartbeat interval. Default 5000 (Kafka's). */
  'group.consumer.heartbeat.interval.ms'?: number;
  /**
   * Optional (consumer): group.protocol, `classic` (the default) or `consumer` (KIP-848, GA in
   * Kafka 4.0: the model refuses it before; see versions.ts consumerProtocolAvailable).
   */
  'group.protocol'?: 'classic' | 'consumer';
  /** Optional (consumer): session.timeout.ms. Default 45000 (Kafka's). */
  'session.timeout.ms'?: number;
  /** Optional (consumer): heartbeat.interval.ms. Default 3000 (Kafka's). */
  'heartbeat.interval.ms'?: number;
  /** Optional (consumer): max.poll.interval.ms, also the rebalance timeout. Default 300000 (Kafka's). */
  'max.poll.interval.ms'?: number;
  /** Optional (consumer): enable.auto.commit. Default true (Kafka's). */
  'enable.auto.commit'?: boolean;
  /** Optional (consumer): auto.commit.interval.ms. Default 5000 (Kafka's). */
  'auto.commit.interval.ms'?: number;
  /** Optional (consumer): retry.backoff.max.ms, the cap of the exponential retry backoff. Default 1000 (Kafka's). */
  'retry.backoff.max.ms'?: number;
  /** Optional (consumer): default.api.timeout.ms, the bound of a blocking commitSync(). Default 60000 (Kafka's). */
  'default.api.timeout.ms'?: number;
  /**
   * Optional (consumer): partition.assignment.strategy, one assignor: `range` (RangeAssignor,
   * eager) or `cooperative-sticky` (CooperativeStickyAssignor, KIP-429). Default `range` (Kafka's
   * default list is [RangeAssignor, CooperativeStickyAssignor], whose first is used).
   */
  'partition.assignment.strategy'?: 'range' | 'cooperative-sticky';
}

/** The automatic leader rebalance's period in µs, 0 when auto.leader.rebalance.enable is off. */
export function leaderBalanceIntervalUs(config: KafkaConfig): number {
  if (config['auto.leader.rebalance.enable'] === false) return 0;
  return (config['leader.imbalance.check.interval.seconds'] ?? 300) * 1_000_000;
}

/** Consumer auto.offset.reset: the HW, the log start, or an error to the application. */
export type OffsetResetPolicy = 'latest' | 'earliest' | 'none';

/** Kafka's defaults (DESIGN §4 table), except min.insync.replicas = 2 as gregor's safe default. */
export const DEFAULT_KAFKA_CONFIG: KafkaConfig = {
  'kafka.version': NEWEST_KAFKA_VERSION,
  acks: 'all',
  'enable.idempotence': true,
  'min.insync.replicas': 2,
  'unclean.leader.election.enable': false,
  'eligible.leader.replicas.enable': true,
  'replica.lag.time.max.ms': 30_000,
  'replica.fetch.wait.max.ms': 500,
  'replica.fetch.backoff.ms': 1_000,
  'replica.high.watermark.checkpoint.interval.ms': 5_000,
  'broker.heartbeat.interval.ms': 2_000,
  'broker.session.timeout.ms': 9_000,
  'request.timeout.ms': 30_000,
  'delivery.timeout.ms': 120_000,
  'retry.backoff.ms': 100,
  'max.in.flight.requests.per.connection': 5,
  'log.flush.interval.messages': null,
  'fetch.max.wait.ms': 500,
  'max.poll.records': 500,
};

/** Kafka's defaults as `version` has them (model/versions.ts: ELR on by default from 4.1). */
export function kafkaConfigFor(version: KafkaVersion): KafkaConfig {
  const elr = rulesOf(version).elrDefault;
  return { ...DEFAULT_KAFKA_CONFIG, 'kafka.version': version, 'eligible.leader.replicas.enable': elr };
}

/** Whether KIP-966 ELR is in force: switched on, and the version has it (not 3.6). */
export function elrEnabled(config: KafkaConfig): boolean {
  return config['eligible.leader.replicas.enable'] && rulesOf(config['kafka.version']).elrAvailable;
}

/**
 * The inter.broker.protocol.version values the model accepts: 2.6 (the last IBP before
 * AlterPartition) and the releases from 2.7 on, up to the newest with ZooKeeper mode. Older
 * IBPs lack more than the ISR path (KIP-320's fencing before 2.1, KIP-380 before 2.2), which
 * the model does not take away, so it refuses them.
 */
export const INTER_BROKER_PROTOCOL_VERSIONS = [
  '2.6',
  '2.7',
  '2.8',
  '3.0',
  '3.1',
  '3.2',
  '3.3',
  '3.4',
  '3.5',
  '3.6',
  '3.7',
  '3.8',
  '3.9',
] as const;
export type InterBrokerProtocolVersion = (typeof INTER_BROKER_PROTOCOL_VERSIONS)[number];

/**
 * Whether the brokers send ISR changes to the controller as AlterPartition
 * (MetadataVersion.isAlterPartitionSupported: IBP ≥ 2.7-IV2); false: the leader's own
 * conditional write of the state znode and /isr_change_notification (ZkAlterPartitionManager).
 * The variant isr-write-ignores-zkversion lives in the latter path only.
 */
export function alterPartitionSupported(config: KafkaConfig): boolean {
  return (config['inter.broker.protocol.version'] ?? '2.7') !== '2.6';
}

/**
 * Whether a follower truncates by the Fetch response's diverging epoch (KIP-595's truncation on
 * fetch; MetadataVersion.isTruncationOnFetchSupported: IBP ≥ 2.7-IV1, 3.9.0-rc3). False (IBP
 * 2.6): a follower taking a new leader epoch is Truncating and asks the leader
 * OffsetsForLeaderEpoch before it fetches, and its fetches carry no lastFetchedEpoch (Fetch
 * below v12; RemoteLeaderEndPoint.buildFetch). KRaft mode has no IBP: always true there.
 */
export function truncationOnFetchSupported(config: KafkaConfig): boolean {
  return (config['inter.broker.protocol.version'] ?? '2.7') !== '2.6';
}

/** Protocol variants: each puts exactly one rule back to its historical (buggy) form. */
export const PROTOCOL_VARIANTS = [
  'truncate-to-hw',
  'kip-101',
  'no-epoch-fencing',
  'isr-expand-on-hw',
  'hw-on-current-isr',
  'unfenced-alter-partition',
  'stale-broker-epoch',
  'last-replica-standing',
  'validation-seeks-ahead',
  'no-producer-state-reload',
  'recovery-trusts-tail',
  'epoch-checkpoint-unsynced',
  'controlled-shutdown-isr',
  'no-check-quorum',
  'vote-without-log-check',
  'alter-partition-before-commit',
  'coordinator-acks-1',
  'stale-generation-commit',
  'coordinator-serves-before-load',
  'zombie-controller',
  'read-committed-hw',
  'stale-coordinator-cache',
  'markers-before-prepare-committed',
  'hanging-transaction',
  'isr-write-ignores-zkversion',
] as const;
export type ProtocolVariant = (typeof PROTOCOL_VARIANTS)[number];

/** Protocol variants of ZooKeeper mode's own rules: they show only with `--controller zookeeper`. */
export const ZOOKEEPER_VARIANTS: readonly ProtocolVariant[] = ['zombie-controller', 'isr-write-ignores-zkversion'];

/** Configuration-level variants: unsafe settings over the default scenario. */
export const CONFIG_VARIANTS = ['acks-1', 'min-insync-1', 'unclean-election'] as const;
export type ConfigVariant = (typeof CONFIG_VARIANTS)[number];

export type VariantName = 'correct' | ProtocolVariant | ConfigVariant;

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
}

export interface ClusterSpec {
  /** 1..9 brokers, ids 1..brokers. */
  brokers: number;
  /** Controller quorum voters (controller.quorum.voters): 1, 3 or 5; absent = 1. Node ids CONTROLLER_ID + i. */
  controllers?: number;
  /**
   * Combined mode (process.roles=broker,controller): the voters are brokers 1..controllers, each
   * node one process with both roles (model/combined-server.ts). Absent = dedicated controllers.
   */
  combined?: boolean;
  topics: TopicSpec[];
  producers: number;
  consumers: number;
  config: KafkaConfig;
  /** Protocol variant in force ('correct' = today's Kafka). Config variants are applied to `config` by scenarios. */
  variant: 'correct' | ProtocolVariant;
  /**
   * ZooKeeper mode (issue 16; model/zk-cluster.ts): the brokers run with a ZooKeeper ensemble
   * and elect the ZooKeeper-mode controller among themselves; `controllers` and `combined`
   * do not apply. Absent = KRaft mode.
   */
  zookeeper?: ZooKeeperSpec;
}

/** The ZooKeeper ensemble of a ZooKeeper-mode cluster (zookeeper.connect). */
export interface ZooKeeperSpec {
  /** 1 or 3 servers (node ids 500, 501, 502). */
  servers: 1 | 3;
  /** The chroot of zookeeper.connect, e.g. '/kafka-broker' (seed 002); absent = none. */
  chroot?: string;
}

export interface WorkloadSpec {
  /** Total sends over all producers. */
  sends: number;
  /** Distinct keys (key → partition by hash); 0 = no keys (round robin over partitions). */
  keys: number;
  /** Mean gap between a producer's sends, ms of virtual time. */
  sendIntervalMs: number;
  /** Consumers poll continuously with this gap between polls, ms. */
  pollIntervalMs: number;
  /**
   * Subscribe-mode consumers of one group (issue 15), absent or 0 = none. They join group
   * `group`, subscribe to every workload topic and come and go (`groupChurnMs`).
   */
  groupConsumers?: number;
  /** The group's id. Default 'g1'. */
  group?: string;
  /** Mean time a group consumer stays before it leaves (and rejoins as a new member), ms; 0 = never. */
  groupChurnMs?: number;
  /**
   * The application stalls between two polls (processing a batch) after an exponential time of
   * mean `everyMs`, for `forMs`; past max.poll.interval.ms the member leaves (poll timeout).
   * Absent: it polls continuously.
   */
  groupStall?: { everyMs: number; forMs: number };
  /**
   * With enable.auto.commit=false: the members commit with a blocking KafkaConsumer.commitSync()
   * after each poll that returned records, instead of commitAsync(). Absent: commitAsync().
   */
  groupCommitSync?: boolean;
  /** Transactional producers (issue 17, model/txn-producer.ts); absent = none. */
  transactions?: TxnWorkload;
  /**
   * The workload producers' value sizes in bytes, each drawn uniformly in [min, max]: the value
   * is its label `p<id>-<n>` padded to that size (LogRecord.padBytes; a size below the label's
   * length is the label). Absent: values are their labels alone (7–9 bytes).
   */
  valueBytes?: ValueBytes;
}

/** A range of value sizes, bytes. */
export interface ValueBytes {
  min: number;
  max: number;
}

/** The transactional part of a workload: producers running transactions on the workload's topic. */
export interface TxnWorkload {
  /** Transactional producers; producer i uses transactional.id `tx-${i % ids}`. */
  producers: number;
  /** Distinct transactional ids (fewer than producers: instances sharing an id fence each other). */
  ids: number;
  /** Transactions over all producers. */
  transactions: number;
  /** Sends per transaction: 1..maxSends. */
  maxSends: number;
  /** The share of transactions the application aborts. */
  abortRatio: number;
  /** transaction.timeout.ms. */
  timeoutMs: number;
  /** Mean gap between a producer's transactions, ms. */
  intervalMs: number;
  /**
   * The share of transactions that consume-transform-produce (poll the source partition, send,
   * commit the group's offsets in the transaction); absent or 0: none.
   */
  consumeRatio?: number;
  /**
   * The transactional producers' delivery.timeout.ms; absent = the cluster's. Kafka requires
   * it ≥ linger.ms + request.timeout.ms (ProducerConfig; the model has no linger).
   */
  deliveryTimeoutMs?: number;
}

/** Node ids: brokers 1..N, the KRaft controller voters (100, 101, …), producers and consumers. */
export const CONTROLLER_ID = 100;

/** The node ids of a cluster's controller voters: 100, 101, …, or brokers 1, 2, … in combined mode. */
export function controllerIdsOf(spec: Pick<ClusterSpec, 'controllers' | 'combined'>): number[] {
  const n = spec.controllers ?? 1;
  const first = spec.combined === true ? 1 : CONTROLLER_ID;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(first + i);
  return ids;
}
export const FIRST_PRODUCER_ID = 200;
export const FIRST_CONSUMER_ID = 300;
/** The internal topic of consumer groups' offsets and metadata (Topic.GROUP_METADATA_TOPIC_NAME). */
export const OFFSETS_TOPIC = '__consumer_offsets';
/** The internal topic of transaction coordinators' state (Topic.TRANSACTION_STATE_TOPIC_NAME). */
export const TXN_STATE_TOPIC = '__transaction_state';
/** Transactional producers: 600, 601, … */
export const FIRST_TXN_PRODUCER_ID = 600;
/** Subscribe-mode (group) consumers: 500, 501, … (KRaft mode; see firstGroupConsumerId). */
const FIRST_GROUP_CONSUMER_ID = 500;
/** ZooKeeper mode's group consumers: 700, 701, … (its servers hold 500, 501, …: model/zookeeper.ts zkServerIds). */
const FIRST_ZK_GROUP_CONSUMER_ID = 700;

/**
 * The first group consumer's node id. ZooKeeper mode's ensemble takes 500 and up, so its group
 * members start at 700 there; KRaft mode keeps 500 (its seeds' per-node random streams are keyed by id).
 */
export function firstGroupConsumerId(spec: Pick<ClusterSpec, 'zookeeper'>): number {
  return spec.zookeeper === undefined ? FIRST_GROUP_CONSUMER_ID : FIRST_ZK_GROUP_CONSUMER_ID;
}
/** The client that runs the liveness probe and the final read. */
export const PROBE_CLIENT_ID = 400;
