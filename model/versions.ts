// Kafka versions (issue 13 item 8): the `kafka.version` setting selects the defaults and the
// rules that changed between the Kafka releases the model follows. Each difference cites the
// KIP or JIRA that made it. Scenarios put the version in the cluster spec's configuration
// (scenarios/input.ts); the model reads the rules through `rulesOf`.
//
// What differs, oldest first:
// - 3.7, KAFKA-15583 (Partition.maybeIncrementLeaderHW, isUnderMinIsr): the leader's HW does
//   not advance while the ISR is below min.insync.replicas, with or without ELR. Before it,
//   the HW advanced over whatever ISR there was.
// - KIP-966 part 1, eligible leader replicas: absent in 3.6; in 3.7–3.9 behind the controller
//   setting `eligible.leader.replicas.enable` (KafkaConfig.ElrEnabledProp in 3.7,
//   KRaftConfigs.ELR_ENABLED_CONFIG in 3.8/3.9), default false; 4.0 ships it behind the
//   `eligible.leader.replicas.version` feature, off by default; 4.1 turns it on for new
//   clusters (docs "Eligible Leader Replicas": "ELR is enabled by default on new clusters
//   starting 4.1"). The model's `eligible.leader.replicas.enable` stands for both: its default
//   follows the version, and 3.6 cannot turn it on.
// - The leader-epoch checkpoint after a truncation (LeaderEpochFileCache, model/epoch-cache.ts):
//   3.6 writes it synchronously with fsync (truncateFromEnd → flush); 3.7.0 and 3.7.1 write it
//   at once without fsync (KAFKA-15046, writeToFile(false); read on tags 3.7.0 and 3.7.1 and
//   branch 3.7); 3.8 on schedule a fsynced write (KAFKA-16541's fix, commit 7c30eed66c4 in 3.8.0:
//   truncateFromEndAsyncFlush; trunk and 3.9 name its task writeIfDirExists).
// - LogManager's periodic tasks (retention check, recovery-point and log-start checkpoints)
//   start after an initial delay: LogManager.InitialTaskDelayMs, fixed at 30 s in 3.6 and 3.7;
//   from 3.8 the setting log.initial.task.delay.ms (ServerLogConfigs, default 30 s).
// - KIP-890 part 1 (KAFKA-14402, 3.6.0): a partition leader verifies with the transaction
//   coordinator that a transaction's partition was added before appending its first
//   transactional batch (ReplicaManager.handleProduceAppend, AddPartitionsToTxnManager with
//   verifyOnly, UnifiedLog's VerificationGuard), behind transaction.partition.verification.enable
//   (KafkaConfig.TransactionPartitionVerificationEnable = true in 3.6 and 3.7;
//   TransactionLogConfigs.TRANSACTION_PARTITION_VERIFICATION_ENABLE_DEFAULT = true in 3.9); 3.5.0
//   has no such setting. Every version of the model has it, on.
// - KIP-890 part 2 (4.0, the feature `transaction.version` level 2, TransactionVersion.TV_2:
//   "Version 2 enables epoch bump per transaction"): its bootstrap metadata version is
//   IBP_4_0_IV2, so a new 4.0 cluster finalizes it (docs/operations "Transaction Protocol" of
//   4.0: "The protocol is automatically enabled on the server since Apache Kafka 4.0"); a 3.x
//   cluster has no such feature (level 0). A 4.x client uses it when the broker's finalized
//   transaction.version is >= 2 (TransactionManager.maybeUpdateTransactionV2Enabled). The
//   model's setting `transaction.version` (0, 1 or 2; default 2 from 4.0, 0 before; 3.x cannot
//   set 2) chooses it for the whole cluster and its clients (transactionV2Enabled).
// - KIP-996 Pre-Vote (KAFKA-16164; KAFKA-17641 the Vote RPC's PreVote field, KAFKA-17642
//   ProspectiveState): from 4.0. Evidence: commit 53364c53 of apache/kafka, whose
//   gradle.properties says version=4.0.0, has raft/.../ProspectiveState.java and
//   KafkaRaftClient.transitionToProspective; the 4.0 release notes list KIP-996; 3.9 has
//   neither (tag 3.9.0-rc3). No setting gates it: a prospective whose PreVote a voter answers
//   UNSUPPORTED_VERSION stands at once (handleVoteResponse), so a cluster of one version runs
//   pre-vote from 4.0 on.
// - A fetch above its bound (a read_committed consumer's offset between the LSO and the HW, or
//   a consumer's between the HW and the LEO) parked in DelayedFetch: from 3.8 (KAFKA-16452,
//   commit 524ad1e14b1) tryComplete answers it at once ("fetchOffset.messageOffset >
//   endOffset.messageOffset"); in 3.6 and 3.7 only when the bound lies on an older segment
//   (endOffset.onOlderSegment(fetchOffset)); on the same segment it waits out fetch.max.wait.ms.
// - KIP-1166 (KAFKA-14145, apache/kafka#19800, merged June 2025; Fetch v18's HighWatermark):
//   from 4.1 the KRaft leader completes its parked metadata fetches when its HW advances
//   (onUpdateLeaderHighWatermark), and answers at once a fetch whose HW is behind its own. Up
//   to 4.0 only an append completes them, else their 500 ms expiry (read in 3.9.0-rc3 and in
//   4.0's commit 53364c53: onUpdateLeaderHighWatermark has no fetchPurgatory call). That the
//   change is in 4.1.0 is the KIP page's statement (cwiki KIP-1166: "Current state: Released in
//   4.1", JIRA KAFKA-19223) and matches the Fetch v18 schema's release (protocol docs of 4.1);
//   the code itself was not read in a 4.1 tag.
// Unchanged over 3.6–4.1 for what the model has: acks=all and idempotence by default (KIP-679,
// 3.0), controlled shutdown with KIP-841's ISR ineligibility (3.3), the broker, producer and
// consumer settings of KafkaConfig. Client changes the model does not simulate: KIP-580
// exponential retry backoff (3.7) and KIP-1030's linger.ms 5 (4.0).

import type { EpochTruncationFlush } from './epoch-cache.ts';
import type { KafkaConfig, ProtocolVariant } from './config.ts';

/**
 * KIP-848's consumer group protocol (group.protocol=consumer) is on by default from 4.0:
 * GroupCoordinatorConfig.GROUP_COORDINATOR_REBALANCE_PROTOCOLS_DEFAULT is [classic, consumer] on
 * trunk (4.0.0-SNAPSHOT), [classic] on 3.9.0-rc3 (early access: docs/upgrade.html "not recommended
 * for use in production"). The model offers it from 4.0 on.
 */
export function consumerProtocolAvailable(version: KafkaVersion | undefined): boolean {
  const v = version ?? NEWEST_KAFKA_VERSION;
  return KAFKA_VERSIONS.indexOf(v) >= KAFKA_VERSIONS.indexOf('4.0');
}

/** Oldest first; the last is the default. */
export const KAFKA_VERSIONS = ['3.6', '3.7', '3.8', '3.9', '4.0', '4.1'] as const;
export type KafkaVersion = (typeof KAFKA_VERSIONS)[number];
export const NEWEST_KAFKA_VERSION: KafkaVersion = '4.1';

export function isKafkaVersion(text: string): text is KafkaVersion {
  return (KAFKA_VERSIONS as readonly string[]).includes(text);
}

/** The rules of one version that the model switches on. */
export interface VersionRules {
  /** KAFKA-15583 (3.7): no HW advance while the ISR is below min.insync.replicas, ELR or not. */
  readonly strictMinIsrHw: boolean;
  /** KIP-966 ELR can be turned on (3.7 setting, 4.0 feature eligible.leader.replicas.version). */
  readonly elrAvailable: boolean;
  /** The default of eligible.leader.replicas.enable (on for new clusters from 4.1). */
  readonly elrDefault: boolean;
  /** How a truncation of the leader-epoch cache reaches its checkpoint (KAFKA-15046, KAFKA-16541). */
  readonly epochTruncationFlush: EpochTruncationFlush;
  /** log.initial.task.delay.ms exists (3.8; before, LogManager.InitialTaskDelayMs = 30 s). */
  readonly initialTaskDelayConfigurable: boolean;
  /** KIP-890 part 1 (3.6.0): transaction.partition.verification.enable exists, default true. */
  readonly txnPartitionVerification: boolean;
  /**
   * KIP-890 part 1 for offsets (3.7.0): the group coordinator verifies a TxnOffsetCommit with the
   * transaction coordinator before it writes it (3.7.0 GroupCoordinator.handleTxnCommitOffsets
   * calls maybeStartTransactionVerificationForPartition; 3.6.0 does not).
   */
  readonly txnOffsetCommitVerification: boolean;
  /** KIP-996 (4.0): a voter asks for pre-votes in its epoch (Prospective) before it stands as candidate. */
  readonly preVote: boolean;
  /** KIP-890 part 2 (4.0): the feature transaction.version can be 2, and is by default. */
  readonly transactionV2: boolean;
  /**
   * KAFKA-16452 (3.8.0, commit 524ad1e14b1): DelayedFetch.tryComplete answers at once a fetch
   * whose offset is above its bound (LSO, HW or LEO); before it, only when the bound lies on an
   * older segment (endOffset.onOlderSegment(fetchOffset)), and on the same segment it waits.
   */
  readonly fetchAboveBoundCompletes: boolean;
  /** KIP-1166 (4.1): a KRaft leader's HW advance completes the metadata fetches parked at it. */
  readonly raftHwCompletesFetch: boolean;
}

const RULES: Record<KafkaVersion, VersionRules> = {
  '3.6': rules(false, false, false, 'sync', false, false),
  '3.7': rules(true, true, false, 'unsynced', false, false),
  '3.8': rules(true, true, false, 'async', true, false),
  '3.9': rules(true, true, false, 'async', true, false),
  '4.0': rules(true, true, false, 'async', true, true),
  '4.1': rules(true, true, true, 'async', true, true),
};

function rules(
  strictMinIsrHw: boolean,
  elrAvailable: boolean,
  elrDefault: boolean,
  epochTruncationFlush: EpochTruncationFlush,
  initialTaskDelayConfigurable: boolean,
  preVote: boolean,
): VersionRules {
  // KIP-890 part 1 is in every version the model has (3.6 on).
  const txnPartitionVerification = true;
  return {
    strictMinIsrHw,
    elrAvailable,
    elrDefault,
    epochTruncationFlush,
    initialTaskDelayConfigurable,
    txnPartitionVerification,
    // In 3.7.0 as ELR's fields (elrAvailable): the same release line.
    txnOffsetCommitVerification: elrAvailable,
    preVote,
    // TransactionVersion.TV_2 bootstraps at IBP_4_0_IV2: from 4.0, as KIP-996.
    transactionV2: preVote,
    // KAFKA-16452 is in 3.8.0 (not in 3.7.1 or 3.6.2), as log.initial.task.delay.ms.
    fetchAboveBoundCompletes: initialTaskDelayConfigurable,
    // KIP-1166 from 4.1, as the ELR default.
    raftHwCompletesFetch: elrDefault,
  };
}

/** The rules of `version` (absent = the newest). */
export function rulesOf(version: KafkaVersion | undefined): VersionRules {
  return RULES[version ?? NEWEST_KAFKA_VERSION];
}

/**
 * Does the cluster run KIP-890 part 2 (transaction.version >= 2, TransactionVersion
 * .supportsEpochBump), brokers and transactional clients alike? The setting
 * `transaction.version` (default: 2 where the version has it, else 0); the zoo variant
 * hanging-transaction runs the protocol before KIP-890 (transaction.version 0, verification off).
 */
export function transactionV2Enabled(config: KafkaConfig, variant: 'correct' | ProtocolVariant): boolean {
  if (variant === 'hanging-transaction') return false;
  const rules = rulesOf(config['kafka.version']);
  const level = config['transaction.version'] ?? (rules.transactionV2 ? 2 : 0);
  if (level >= 2 && !rules.transactionV2)
    throw new Error(`transaction.version ${level} needs kafka.version 4.0 or later (TransactionVersion.TV_2)`);
  return level >= 2;
}
