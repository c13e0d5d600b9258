// One partition replica on one broker, leader or follower (Kafka's Partition.scala plus the
// follower half of AbstractFetcherThread). The broker (broker.ts) owns the network, timers
// and metadata image; this module owns the replication rules.
//
// Leader rules, each from Kafka's Partition.scala and the KIPs named:
// - Produce (acks=all) is refused with NOT_ENOUGH_REPLICAS before append when the committed
//   ISR is below min.insync.replicas; it completes when the HW passes its last offset, with
//   NOT_ENOUGH_REPLICAS_AFTER_APPEND when the maximal ISR shrank below min.insync.replicas
//   meanwhile; REQUEST_TIMED_OUT after its timeout; NOT_LEADER_OR_FOLLOWER on losing leadership.
// - Fetch carries currentLeaderEpoch: lower → FENCED_LEADER_EPOCH, higher →
//   UNKNOWN_LEADER_EPOCH (KIP-320); lastFetchedEpoch is checked against the epoch cache and a
//   DivergingEpoch(epoch, endOffset) is returned instead of data (KIP-320 / KAFKA-10554), after
//   the log start check (below it: OFFSET_OUT_OF_RANGE, diverging or not; Partition.readRecords).
// - HW = min LEO over the maximal ISR (committed ISR ∪ a pending expansion, KIP-497) and
//   caught-up ISR-eligible replicas; a new leader resets what it knows of followers, so only
//   fetches in its own epoch count. Since Kafka 3.7 (KAFKA-15583) the HW does not move while
//   the ISR is below min.insync.replicas, ELR or not; in 3.6 only with ELR (KIP-966).
// - ISR shrink: a follower not caught up for replica.lag.time.max.ms. ISR expansion: follower
//   LEO ≥ HW and ≥ the start offset of the leader's epoch (KAFKA-7128), it fetched in this
//   epoch with the broker epoch the metadata shows, and it is unfenced (KIP-903). Both go
//   through AlterPartition, one at a time, and count only once the controller confirms.
// Follower rules: fetch from LEO with the last fetched epoch; on DivergingEpoch truncate to
// min(own end offset of that epoch, leader's), then fetch again; HW = min(leader HW, LEO).
// Below IBP 2.7 (ZooKeeper mode, MetadataVersion.isTruncationOnFetchSupported false) a follower
// taking a new leader epoch is Truncating: it asks the leader OffsetsForLeaderEpoch for its
// latest epoch, truncates by the same rule (KIP-101; KIP-279: an epoch the follower does not
// know walks back and asks again), then fetches without lastFetchedEpoch (Fetch v11).
// Transactions (KIP-98; issue 17 item 2, the partition side; no coordinator yet):
// - a transactional produce is checked and appended like an idempotent one, then
//   INVALID_TXN_STATE for a non-transactional batch while its producer's transaction is open
//   (ProducerAppendInfo.appendDataBatch); followers take the flags with the records;
// - writeTxnMarker is Partition.appendRecordsToLeader with origin COORDINATOR (what
//   KafkaApis.handleWriteTxnMarkersRequest does per partition): the leader appends a COMMIT or
//   ABORT control batch after the min.insync.replicas check and the producer state's epoch
//   checks (replica-log.ts appendMarkerAsLeader); the caller waits for the HW (acks=all);
// - a read_committed consumer fetch (FetchIsolation.TXN_COMMITTED) reads up to the LSO, not
//   the HW, and its answer carries the LSO and the aborted transactions overlapping the
//   records read (LocalLog.addAbortedTransactions); a delayed one waits for the LSO to pass
//   its offset (DelayedFetch, offsetSnapshot.lastStableOffset); one above the LSO is answered
//   at once from 3.8 (DelayedFetch Case F, KAFKA-16452; fetchAboveBoundCompletes);
// - KIP-890 part 1 (3.6.0): a transactional batch of a producer with no transaction open here
//   must bring the VerificationGuard the leader handed out when it started verifying it with
//   the coordinator (the broker's verifyThenProduce); a marker or a transactional batch clears
//   the guard, so a verification overtaken by the transaction's end fails INVALID_TXN_STATE.

import type { EpochEntry, ReplicaFacts } from '../checkers/cluster-state.ts';
import type { ModelProbe } from './cluster-api.ts';
import type { LogRecord, ClientRequest, ClientResponse, ControlRecord, ErrorCode } from './client-protocol.ts';
import {
  elrEnabled,
  TXN_STATE_TOPIC,
  truncationOnFetchSupported,
  type KafkaConfig,
  type ProtocolVariant,
} from './config.ts';
import { rulesOf, transactionV2Enabled } from './versions.ts';
import type { BrokerStateInIsr } from './internal-protocol.ts';
import { ReplicaLog, type ModelRecord } from './replica-log.ts';
import type { SequenceCheck } from './producer-state.ts';
import { UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './epoch-cache.ts';
import {
  codeProbe,
  codeProbeWith,
  MAX_KEPT_RECORDS,
  type FetchEpochBelowLeaderCache,
  type KeptBelowLeaderLogStart,
} from './code-probes.ts';
import { shortenTo } from './arrays.ts';

export type Role = 'leader' | 'follower' | 'none';

/** VerificationGuard.SENTINEL: no verification; never verifies. */
export const SENTINEL_GUARD = 0;

type FetchRequest = Extract<ClientRequest, { type: 'FetchRequest' }>;
type ProduceRequest = Extract<ClientRequest, { type: 'ProduceRequest' }>;
type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;
type ProduceResponse = Extract<ClientResponse, { type: 'ProduceResponse' }>;
/** How a leader with no state for an idempotent producer took its batch (the append probe says so). */
type NoProducerState = { readonly unknownProducer?: true; readonly noStateAtSequenceZero?: true };
/** A batch whose producer had state: one object for every append (a default `= {}` made one each time). */
const PRODUCER_STATE_KNOWN: NoProducerState = {};

/** What a partition needs from its broker. */
export interface PartitionHost {
  readonly brokerId: number;
  readonly config: KafkaConfig;
  readonly variant: 'correct' | ProtocolVariant;
  readonly lagMaxUs: number;
  nowUs(): number;
  send(to: number, msg: ClientRequest | ClientResponse): void;
  emit(event: ModelProbe): void;
  nextCorrelationId(): number;
  /** This broker's current registration epoch (-1 if not registered). */
  brokerEpoch(): number;
  /** Metadata image: the broker's epoch if registered, unfenced and not shutting down (KIP-841), else -1. */
  unfencedBrokerEpoch(brokerId: number): number;
  /** Ask the broker to fire `onTimer` of this partition at `atUs`. */
  armPartitionTimer(p: Partition, atUs: number): void;
  /** Send a follower fetch again after replica.fetch.backoff.ms. */
  armFetchBackoff(p: Partition): void;
  sendAlterPartition(p: Partition, change: PendingIsrChange): void;
  /**
   * ZooKeeper mode: a follower is ISR-eligible when its broker is alive in the metadata cache
   * (Partition.isReplicaIsrEligible's ZkMetadataCache case), with no broker-epoch check.
   */
  readonly zkMetadataCache?: boolean;
  /** Fetch the leader's log end offset (ListOffsets) after OFFSET_OUT_OF_RANGE. */
  sendListOffsets(p: Partition): void;
  /**
   * Write the recovery-point checkpoint of the log's directory now, every log's recovery point
   * in it (LogManager.checkpointRecoveryOffsetsInDir), as LogManager.truncateTo and
   * truncateFullyAndStartAt do after a truncation.
   */
  checkpointRecoveryPoints(): void;
}

export interface RemoteReplica {
  readonly brokerId: number;
  /** The follower's fetch offset (its LEO) as last seen in this leader epoch, -1 = unknown. */
  leo: number;
  lastCaughtUpTimeUs: number;
  lastFetchLeaderLeo: number;
  lastFetchTimeUs: number;
  /** Broker epoch of its last fetch in this leader epoch (KIP-903); null = none yet. */
  fetchedBrokerEpoch: number | null;
}

export interface PendingIsrChange {
  readonly kind: 'expand' | 'shrink';
  readonly proposedIsr: readonly number[];
  readonly brokerStates: readonly BrokerStateInIsr[];
  readonly lastCommittedIsr: readonly number[];
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  correlationId: number;
  deadlineUs: number;
}

interface DelayedProduce {
  readonly from: number;
  readonly correlationId: number;
  readonly baseOffset: number;
  readonly requiredOffset: number;
  readonly deadlineUs: number;
  /** A WriteTxnMarkers append (writeTxnMarkerAndWait): answered through this, not a ProduceResponse. */
  readonly onMarkerDone?: (error: ErrorCode) => void;
}

interface DelayedFetch {
  readonly from: number;
  readonly req: FetchRequest;
  readonly deadlineUs: number;
  /** Leader epoch when parked: a change means the answer is now an error or a divergence. */
  readonly leaderEpoch: number;
}

export interface FollowerFetchState {
  readonly leaderId: number;
  readonly leaderEpoch: number;
  /** Request in flight (0 = none) and when it times out. */
  correlationId: number;
  deadlineUs: number;
  sentFetchOffset: number;
  /** Epoch sent as lastFetchedEpoch on the next fetch. */
  lastFetchedEpoch: number;
  /** Waiting for a backoff timer. */
  backingOff: boolean;
  /** FENCED_LEADER_EPOCH: stop until the metadata brings a newer epoch. */
  fenced: boolean;
  /** ListOffsets in flight after OFFSET_OUT_OF_RANGE (correlation id, 0 = none). */
  listOffsetsCorrelationId: number;
  /** Variants kip-101 / no-epoch-fencing: the one-shot truncation step is done. */
  truncationDone: boolean;
  /**
   * IBP < 2.7: PartitionFetchState's Truncating (AbstractFetcherThread.partitionFetchState): the
   * follower asks the leader OffsetsForLeaderEpoch (its request then holds `correlationId`) and
   * truncates before it fetches. Always false at IBP ≥ 2.7 and in KRaft mode.
   */
  truncating: boolean;
  /**
   * While truncating, PartitionFetchState.fetchOffset: the HW at first (ReplicaManager
   * .initialFetchOffset below IBP 2.7), then each intermediate offset of KIP-279's walk-back.
   */
  truncationOffset: number;
}

const NO_RECORDS: readonly LogRecord[] = [];

export class Partition {
  role: Role = 'none';
  leaderId = -1;
  leaderEpoch = -1;
  partitionEpoch = -1;
  replicas: readonly number[] = [];
  // --- leader state
  isr: readonly number[] = [];
  maximalIsr: readonly number[] = [];
  pending: PendingIsrChange | null = null;
  remotes: RemoteReplica[] = [];
  leaderEpochStartOffset = -1;
  private delayedProduces: DelayedProduce[] = [];
  /** ProducerStateManager.verificationStates (KIP-890): each producer's VerificationGuard, by producer id. */
  private readonly verificationGuards = new Map<number, number>();
  /** A new VerificationGuard is a new object in Kafka: here a number never used before on this replica. */
  private nextVerificationGuard = SENTINEL_GUARD + 1;
  private delayedFetches: DelayedFetch[] = [];
  // --- follower state
  fetch: FollowerFetchState | null = null;
  /** Last values announced in a 'replica' probe. */
  private shownRole: Role | '' = '';
  private shownEpoch = -2;
  private shownHw = -1;
  private shownLeo = -1;
  /** Plain-data timer tags (the kernel may hash them). */
  readonly timerTag: { readonly type: 'partition-timer'; readonly topic: string; readonly partition: number };
  readonly backoffTag: { readonly type: 'fetch-backoff'; readonly topic: string; readonly partition: number };

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly log: ReplicaLog,
    private readonly host: PartitionHost,
  ) {
    this.timerTag = { type: 'partition-timer', topic, partition };
    this.backoffTag = { type: 'fetch-backoff', topic, partition };
    log.producers.keepOnTruncate = host.variant === 'no-producer-state-reload';
    log.trustTornTail = host.variant === 'recovery-trusts-tail';
    log.onLogStartMove = (m) => host.emit({ kind: 'log-start', broker: host.brokerId, topic, partition, ...m });
    log.onStorage = (c) =>
      host.emit({ kind: 'storage', broker: host.brokerId, topic, partition, change: c.kind, offset: c.offset });
  }

  /** LogManager.cleanupLogs for this replica's log (UnifiedLog.deleteOldSegments); leaders and followers alike. */
  deleteOldSegments(): void {
    if (this.log.deleteOldSegments() > 0) this.announce();
  }

  get isLeader(): boolean {
    return this.role === 'leader';
  }

  /** KAFKA-15583 (Kafka ≥ 3.7, model/versions.ts). */
  private get strictMinIsrHw(): boolean {
    return rulesOf(this.host.config['kafka.version']).strictMinIsrHw;
  }

  private get minIsr(): number {
    // __transaction_state's topic config: min.insync.replicas = transaction.state.log.min.isr
    // (TransactionStateManager.transactionTopicConfigs).
    const configured =
      this.topic === TXN_STATE_TOPIC
        ? (this.host.config['transaction.state.log.min.isr'] ?? 2)
        : this.host.config['min.insync.replicas'];
    const rf = this.replicas.length;
    return configured < rf ? configured : rf;
  }

  // =====================================================================================
  // Metadata-driven transitions (Kafka's makeLeader / makeFollower)

  makeLeader(replicas: readonly number[], isr: readonly number[], leaderEpoch: number, partitionEpoch: number): void {
    if (partitionEpoch < this.partitionEpoch) return; // stale metadata (Kafka skips it)
    const now = this.host.nowUs();
    const isNewLeader = this.role !== 'leader';
    const isNewLeaderEpoch = leaderEpoch > this.leaderEpoch;
    if (isNewLeader) this.stopFetcher();
    if (!isNewLeader && isNewLeaderEpoch) codeProbe('leader-reelected-new-epoch');
    if (this.pending?.kind === 'expand') this.probeDroppedExpansion(this.pending, isr, leaderEpoch, partitionEpoch);
    this.replicas = replicas;
    this.isr = isr;
    this.maximalIsr = isr;
    if (this.pending?.kind === 'shrink') codeProbe('pending-isr-shrink-reset');
    this.pending = null; // metadata overrides any in-flight ISR change (its answer will be ignored)
    this.role = 'leader';
    this.leaderId = this.host.brokerId;
    // Remote replica states: add new followers, drop removed ones.
    const remotes: RemoteReplica[] = [];
    for (const id of replicas) {
      if (id === this.host.brokerId) continue;
      remotes.push(remoteOf(this.remotes, id) ?? newRemote(id));
    }
    this.remotes = remotes;
    if (isNewLeaderEpoch) {
      const startOffset = this.log.leo;
      // Cache the new epoch even if nothing is written in it (Kafka PR 5678): a follower may
      // hold entries of a later epoch than any in this leader's log.
      this.log.assignEpoch(leaderEpoch, startOffset);
      // Only fetches made in this leader epoch count for HW and ISR expansion.
      for (const r of this.remotes) {
        const inSync = isr.includes(r.brokerId);
        r.leo = -1;
        r.lastFetchLeaderLeo = -1;
        r.lastFetchTimeUs = 0;
        r.fetchedBrokerEpoch = null;
        r.lastCaughtUpTimeUs = inSync ? now : 0;
      }
      this.leaderEpoch = leaderEpoch;
      this.leaderEpochStartOffset = startOffset;
    }
    this.partitionEpoch = partitionEpoch;
    if (isNewLeader && this.log.producers.openTransactions().length > 0) codeProbe('txn-leader-with-open-txn');
    if (this.maybeIncrementHw()) this.onHwIncreased();
    this.announce();
    // Waiting fetches re-check against the new epoch (stale ones now fail and complete).
    this.completeDelayedFetches(false);
  }

  /**
   * Partition.makeLeader → updateAssignmentAndIsr replaces a pending expansion with the committed
   * ISR (its answer is then ignored: handleAlterPartitionUpdate, partitionState != proposedIsrState);
   * the controller may still accept it (the Kafka finding dropped-isr-expansion reads the context).
   */
  private probeDroppedExpansion(
    pending: PendingIsrChange,
    committedIsr: readonly number[],
    leaderEpoch: number,
    partitionEpoch: number,
  ): void {
    codeProbeWith('pending-isr-expansion-reset', {
      leader: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      leaderEpoch,
      partitionEpoch,
      committedIsr: committedIsr.slice(),
      droppedIsr: pending.proposedIsr.slice(),
      hw: this.log.hw,
      atUs: this.host.nowUs(),
    });
  }

  makeFollower(replicas: readonly number[], leaderId: number, leaderEpoch: number, partitionEpoch: number): void {
    if (partitionEpoch < this.partitionEpoch) return;
    const wasLeader = this.role === 'leader';
    const isNewLeaderEpoch = leaderEpoch > this.leaderEpoch;
    this.replicas = replicas;
    this.role = 'follower';
    this.leaderId = leaderId;
    this.leaderEpoch = leaderEpoch;
    this.partitionEpoch = partitionEpoch;
    this.isr = [];
    this.maximalIsr = [];
    if (wasLeader && this.pending !== null) codeProbe('leader-demoted-with-pending-isr-change');
    this.pending = null;
    this.remotes = [];
    this.leaderEpochStartOffset = -1;
    if (wasLeader) {
      this.failDelayedProduces('NOT_LEADER_OR_FOLLOWER');
    }
    this.completeDelayedFetches(true);
    if (isNewLeaderEpoch || wasLeader || this.fetch === null) {
      if (this.host.variant === 'truncate-to-hw') {
        // Variant truncate-to-hw (undoes KIP-101): a follower cuts its log back to its own
        // high watermark when it starts following, instead of asking the leader.
        if (this.truncateLogTo(this.log.hw)) this.emitTruncate(this.log.hw, 'truncate-to-hw');
      } else if (this.log.epochs.latestEpoch() === UNDEFINED_EPOCH && this.log.leo > this.log.hw) {
        // A log with records and no leader-epoch cache entry (a checkpoint a power loss emptied,
        // KAFKA-16541 in Kafka 3.7): ReplicaManager.initialFetchOffset starts the fetcher at the
        // HW, and AbstractFetcherThread.partitionFetchState puts it in Truncating, which
        // maybeTruncate → truncateToHighWatermark serves for partitions without an epoch.
        codeProbe('follower-no-epoch-truncated-to-hw');
        if (this.truncateLogTo(this.log.hw)) this.emitTruncate(this.log.hw, 'no-epoch');
      }
      this.startFetcher();
    }
    this.announce();
  }

  /** The broker no longer hosts this replica in any role (reassigned away or shutting down). */
  makeNone(): void {
    if (this.role === 'leader') this.failDelayedProduces('NOT_LEADER_OR_FOLLOWER');
    this.stopFetcher();
    this.role = 'none';
    this.isr = [];
    this.maximalIsr = [];
    this.pending = null;
    this.remotes = [];
    this.completeDelayedFetches(true);
    this.announce();
  }

  /** The controller confirmed our ISR change (Kafka's handleAlterPartitionUpdate). */
  onAlterPartitionResponse(
    correlationId: number,
    error: string,
    leaderEpoch: number,
    partitionEpoch: number,
    isr: readonly number[],
  ): void {
    const pending = this.pending;
    if (pending === null || pending.correlationId !== correlationId || this.role !== 'leader') return;
    if (error === 'NONE') {
      if (leaderEpoch !== this.leaderEpoch || partitionEpoch < this.partitionEpoch) {
        codeProbe('alter-partition-answer-stale');
      }
      if (leaderEpoch !== this.leaderEpoch || partitionEpoch < this.partitionEpoch) return; // stale answer
      this.pending = null;
      this.isr = isr;
      this.maximalIsr = isr;
      this.partitionEpoch = partitionEpoch;
      if (this.maybeIncrementHw()) this.onHwIncreased();
      this.announce();
      return;
    }
    if (error === 'OPERATION_NOT_ATTEMPTED' || error === 'INELIGIBLE_REPLICA') {
      // The controller says the partition epoch is right and nothing was applied.
      codeProbe('alter-partition-rolled-back');
      this.pending = null;
      this.isr = pending.lastCommittedIsr;
      this.maximalIsr = pending.lastCommittedIsr;
      return;
    }
    if (
      error === 'FENCED_LEADER_EPOCH' ||
      error === 'INVALID_UPDATE_VERSION' ||
      error === 'INVALID_REQUEST' ||
      error === 'UNKNOWN_TOPIC_OR_PARTITION' ||
      error === 'NEW_LEADER_ELECTED'
    ) {
      // Stay pending until the metadata log brings the newer state (handleAlterPartitionError).
      codeProbe('alter-partition-awaits-metadata');
      return;
    }
    // Anything else (STALE_BROKER_EPOCH while re-registering, NOT_CONTROLLER...): retry after a
    // backoff (the broker's sweep resends it once the deadline passes).
    codeProbe('alter-partition-retry-backoff');
    pending.correlationId = 0;
    pending.deadlineUs = this.host.nowUs() + ALTER_PARTITION_RETRY_BACKOFF_US;
  }

  /** The in-flight AlterPartition got no answer in time: send it again (AlterPartitionManager). */
  retryAlterPartitionIfExpired(nowUs: number): void {
    const pending = this.pending;
    if (pending !== null && this.role === 'leader' && nowUs >= pending.deadlineUs)
      this.host.sendAlterPartition(this, pending);
  }

  // =====================================================================================
  // Leader: produce

  /**
   * KIP-890 part 1 (3.6.0): Partition.maybeStartTransactionVerification →
   * UnifiedLog.maybeStartTransactionVerification. Not the leader: NOT_LEADER_OR_FOLLOWER; the
   * producer has an ongoing transaction here: no verification (VerificationGuard.SENTINEL, 0);
   * otherwise the producer's VerificationGuard, created if absent
   * (ProducerStateManager.maybeCreateVerificationStateEntry), which the append must present.
   */
  maybeStartTransactionVerification(producerId: number, producerEpoch: number): number | 'NOT_LEADER_OR_FOLLOWER' {
    if (this.role !== 'leader') return 'NOT_LEADER_OR_FOLLOWER';
    if (this.hasOngoingTransaction(producerId, producerEpoch)) return SENTINEL_GUARD;
    let guard = this.verificationGuards.get(producerId);
    if (guard === undefined) {
      guard = this.nextVerificationGuard++;
      this.verificationGuards.set(producerId, guard);
    }
    return guard;
  }

  /**
   * UnifiedLog.hasOngoingTransaction as the version has it: from 4.0 (the 4.0 line's
   * hasOngoingTransaction(producerId, producerEpoch), used by maybeStartTransactionVerification
   * and analyzeAndValidateProducerState) the open transaction must be of the batch's epoch, so a
   * TV2 batch of the next epoch is verified (and its partition added) even while the marker of
   * the previous transaction has not reached the partition yet; before 4.0, any open transaction.
   */
  private hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const byEpoch = rulesOf(this.host.config['kafka.version']).transactionV2;
    if (
      byEpoch &&
      this.log.producers.hasOngoingTransaction(producerId) &&
      !this.log.producers.hasOngoingTransaction(producerId, producerEpoch)
    )
      codeProbe('txn-v2-open-txn-of-older-epoch');
    return this.log.producers.hasOngoingTransaction(producerId, byEpoch ? producerEpoch : undefined);
  }

  /**
   * transaction.partition.verification.enable (default true from 3.6, versions.ts); the zoo
   * variant hanging-transaction turns it off, as before KIP-890.
   */
  txnVerificationEnabled(): boolean {
    if (this.host.variant === 'hanging-transaction') return false;
    if (!rulesOf(this.host.config['kafka.version']).txnPartitionVerification) return false;
    return this.host.config['transaction.partition.verification.enable'] ?? true;
  }

  /**
   * UnifiedLog.analyzeAndValidateProducerState's check, after the duplicate check: a
   * transactional batch of a producer with no ongoing transaction here must present the
   * producer's current VerificationGuard (batchMissingRequiredVerification), else
   * InvalidTxnStateException.
   */
  private missingRequiredVerification(
    req: Pick<ProduceRequest, 'transactional' | 'producerId' | 'producerEpoch'>,
    guard: number,
  ): boolean {
    if (req.transactional !== true || this.hasOngoingTransaction(req.producerId, req.producerEpoch)) return false;
    if (!this.txnVerificationEnabled()) {
      codeProbe('txn-unverified-transaction-opened');
      return false;
    }
    // VerificationGuard.verify: the SENTINEL never verifies.
    const stored = this.verificationGuards.get(req.producerId) ?? SENTINEL_GUARD;
    return stored === SENTINEL_GUARD || stored !== guard;
  }

  /** `guard`: the VerificationGuard the produce was verified with (KIP-890), 0 = none. */
  handleProduce(from: number, req: ProduceRequest, guard = SENTINEL_GUARD): void {
    if (this.role !== 'leader') return this.produceError(from, req, 'NOT_LEADER_OR_FOLLOWER');
    const acks = req.acks;
    // NOT_ENOUGH_REPLICAS before append (committed ISR, Partition.appendRecordsToLeader).
    if (acks === -1 && this.isr.length < this.minIsr) codeProbe('produce-rejected-below-min-isr');
    if (acks === -1 && this.isr.length < this.minIsr) return this.produceError(from, req, 'NOT_ENOUGH_REPLICAS');
    const n = req.records.length;
    let baseOffset: number;
    let lastOffset: number;
    if (req.producerId >= 0 && n > 0) {
      // ProducerStateManager via UnifiedLog.analyzeAndValidateProducerState (model/producer-state.ts).
      const check = this.log.producers.check(
        req.producerId,
        req.producerEpoch,
        req.baseSequence,
        req.baseSequence + n - 1,
      );
      if (check.kind !== 'duplicate' && this.missingRequiredVerification(req, guard)) {
        codeProbe('txn-verification-guard-mismatch');
        return this.produceError(from, req, 'INVALID_TXN_STATE');
      }
      if (check.kind === 'error' && check.error === 'INVALID_PRODUCER_EPOCH' && req.transactional === true)
        if (transactionV2Enabled(this.host.config, this.host.variant)) codeProbe('txn-v2-late-batch-fenced');
      if (check.kind === 'error') return this.produceError(from, req, check.error);
      if (check.kind === 'duplicate') {
        // A retried batch: answer with its original offsets once they are committed.
        codeProbe('produce-duplicate-batch');
        baseOffset = check.batch.firstOffset;
        lastOffset = check.batch.lastOffset;
      } else {
        const txnError = this.log.producers.checkTxnState(req.producerId, req.transactional === true);
        if (txnError !== 'NONE') return this.produceError(from, req, txnError);
        baseOffset = this.appendAsLeader(req, n, noProducerState(check));
        lastOffset = baseOffset + n - 1;
      }
    } else {
      baseOffset = this.appendAsLeader(req, n);
      lastOffset = baseOffset + n - 1;
    }
    if (acks === 0) return;
    if (acks === 1) {
      this.host.emit({
        kind: 'produce-ack',
        broker: this.host.brokerId,
        topic: this.topic,
        partition: this.partition,
        offset: lastOffset,
      });
      this.host.send(from, {
        type: 'ProduceResponse',
        correlationId: req.correlationId,
        topic: this.topic,
        partition: this.partition,
        error: 'NONE',
        baseOffset,
      });
      return;
    }
    const requiredOffset = lastOffset + 1;
    if (this.log.hw >= requiredOffset) {
      this.completeProduce(from, req.correlationId, baseOffset, lastOffset);
      return;
    }
    const deadlineUs = this.host.nowUs() + req.timeoutMs * 1000;
    this.delayedProduces.push({ from, correlationId: req.correlationId, baseOffset, requiredOffset, deadlineUs });
    this.host.armPartitionTimer(this, deadlineUs);
  }

  /**
   * A coordinator's write (CoordinatorPartitionWriter.append: ReplicaManager.appendRecords with
   * requiredAcks = 1, AppendOrigin.COORDINATOR): appended as leader with no producer id and no
   * min ISR check; the coordinator waits for the HW itself. Returns the first offset.
   */
  appendAsCoordinator(batch: ReadonlyArray<{ key: string | null; value: string }>): number {
    const first = this.log.appendAsLeader(batch, this.leaderEpoch, -1, -1, -1);
    if (batch.length > 0) {
      this.emitAppend(first, this.leaderEpoch, batch.length, -1, -1);
      if (this.maybeIncrementHw()) this.onHwIncreased();
      this.announce();
      this.completeDelayedFetches(false);
    }
    return first;
  }

  /**
   * A group coordinator's transactional write (TxnOffsetCommit: CoordinatorRuntime appends a
   * transactional batch with the producer's id and epoch, base sequence 0, through
   * CoordinatorPartitionWriter.append: requiredAcks = 1, origin COORDINATOR): the producer
   * state's epoch check (ProducerAppendInfo.maybeValidateDataBatch, no sequence check for this
   * origin), then the append. Returns the first offset or the error.
   */
  appendTxnAsCoordinator(
    batch: ReadonlyArray<{ key: string | null; value: string }>,
    producerId: number,
    producerEpoch: number,
    guard?: number,
  ): { error: 'NONE'; offset: number } | { error: Exclude<ErrorCode, 'NONE'> } {
    if (this.role !== 'leader') return { error: 'NOT_LEADER_OR_FOLLOWER' };
    const error = this.log.producers.checkCoordinatorBatch(producerId, producerEpoch);
    if (error !== 'NONE') return { error };
    // A verified TxnOffsetCommit (3.7+, group-host.ts) appends with its VerificationGuard, checked as a
    // produce's (UnifiedLog.analyzeAndValidateProducerState: batchMissingRequiredVerification).
    if (
      guard !== undefined &&
      this.missingRequiredVerification({ transactional: true, producerId, producerEpoch }, guard)
    )
      return { error: 'INVALID_TXN_STATE' };
    // UnifiedLog.updateProducers: a transactional batch clears the producer's VerificationGuard.
    if (guard !== undefined) this.verificationGuards.delete(producerId);
    const first = this.log.appendAsLeader(batch, this.leaderEpoch, producerId, producerEpoch, 0, true);
    this.emitAppend(first, this.leaderEpoch, batch.length, producerId, producerEpoch);
    if (this.maybeIncrementHw()) this.onHwIncreased();
    this.announce();
    this.completeDelayedFetches(false);
    return { error: 'NONE', offset: first };
  }

  /**
   * A group coordinator's end-transaction marker (CoordinatorRuntime completeTransaction →
   * CoordinatorPartitionWriter.append of MemoryRecords.withEndTransactionMarker: requiredAcks =
   * 1, origin COORDINATOR, so no min.insync.replicas check), after the producer state's checks.
   */
  appendMarkerAsCoordinator(
    producerId: number,
    producerEpoch: number,
    marker: ControlRecord,
  ): { error: 'NONE'; offset: number } | { error: Exclude<ErrorCode, 'NONE'> } {
    if (this.role !== 'leader') return { error: 'NOT_LEADER_OR_FOLLOWER' };
    const result = this.log.appendMarkerAsLeader(marker, this.leaderEpoch, producerId, producerEpoch);
    if (result.error !== 'NONE') return result;
    this.emitAppend(result.offset, this.leaderEpoch, 1, producerId, producerEpoch);
    if (this.maybeIncrementHw()) this.onHwIncreased();
    this.announce();
    this.completeDelayedFetches(false);
    return result;
  }

  private appendAsLeader(req: ProduceRequest, n: number, stateless: NoProducerState = PRODUCER_STATE_KNOWN): number {
    // UnifiedLog.updateProducers: a transactional batch clears the producer's VerificationGuard.
    if (req.transactional === true) this.verificationGuards.delete(req.producerId);
    const first = this.log.appendAsLeader(
      req.records,
      this.leaderEpoch,
      req.producerId,
      req.producerEpoch,
      req.baseSequence,
      req.transactional === true,
    );
    if (n > 0) {
      this.emitAppend(first, this.leaderEpoch, n, req.producerId, req.producerEpoch, stateless);
      if (this.maybeIncrementHw()) this.onHwIncreased();
      this.announce();
      this.completeDelayedFetches(false);
    }
    return first;
  }

  /**
   * WriteTxnMarkers for this partition (KafkaApis.handleWriteTxnMarkersRequest →
   * ReplicaManager.appendRecords(requiredAcks = -1, origin = COORDINATOR) →
   * Partition.appendRecordsToLeader): not the leader → NOT_LEADER_OR_FOLLOWER; the committed
   * ISR below min.insync.replicas → NOT_ENOUGH_REPLICAS; then the producer state's checks.
   * Returns the marker's offset; it is complete once the HW passes it (the caller waits).
   */
  writeTxnMarker(
    producerId: number,
    producerEpoch: number,
    marker: ControlRecord,
  ): { error: 'NONE'; offset: number } | { error: Exclude<ErrorCode, 'NONE'> } {
    if (this.role !== 'leader') return { error: 'NOT_LEADER_OR_FOLLOWER' };
    if (this.isr.length < this.minIsr) return { error: 'NOT_ENOUGH_REPLICAS' };
    if (this.log.producers.openTransactions().every((t) => t.producerId !== producerId))
      codeProbe('txn-marker-without-open-txn');
    const result = this.log.appendMarkerAsLeader(marker, this.leaderEpoch, producerId, producerEpoch);
    if (result.error !== 'NONE') return result;
    // UnifiedLog.updateProducers: a marker (a transactional control batch) clears the VerificationGuard.
    this.verificationGuards.delete(producerId);
    this.emitAppend(result.offset, this.leaderEpoch, 1, producerId, producerEpoch);
    if (this.maybeIncrementHw()) this.onHwIncreased();
    this.announce();
    this.completeDelayedFetches(false);
    return result;
  }

  /**
   * WriteTxnMarkers for this partition, answered once the HW passes the marker (KafkaApis
   * handleWriteTxnMarkersRequest: appendRecords with requiredAcks = -1, timeout =
   * request.timeout.ms): like an acks=all produce, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the
   * ISR shrank below min.insync.replicas meanwhile.
   */
  writeTxnMarkerAndWait(
    producerId: number,
    producerEpoch: number,
    marker: ControlRecord,
    timeoutMs: number,
    done: (error: ErrorCode) => void,
  ): void {
    const r = this.writeTxnMarker(producerId, producerEpoch, marker);
    if (r.error !== 'NONE') return done(r.error);
    const requiredOffset = r.offset + 1;
    if (this.log.hw >= requiredOffset) return done(this.afterAppendError());
    const deadlineUs = this.host.nowUs() + timeoutMs * 1000;
    this.delayedProduces.push({
      from: -1,
      correlationId: -1,
      baseOffset: r.offset,
      requiredOffset,
      deadlineUs,
      onMarkerDone: done,
    });
    this.host.armPartitionTimer(this, deadlineUs);
  }

  /** The committed ISR is below min.insync.replicas (an acks=all append is refused). */
  belowMinIsr(): boolean {
    return this.isr.length < this.minIsr;
  }

  /** The maximal ISR is below min.insync.replicas (a completed acks=all append reports it). */
  belowMinIsrAfterAppend(): boolean {
    return this.maximalIsr.length < this.minIsr;
  }

  private afterAppendError(): ErrorCode {
    return this.maximalIsr.length >= this.minIsr ? 'NONE' : 'NOT_ENOUGH_REPLICAS_AFTER_APPEND';
  }

  private completeProduce(to: number, correlationId: number, baseOffset: number, lastOffset: number): void {
    const error: ErrorCode = this.maximalIsr.length >= this.minIsr ? 'NONE' : 'NOT_ENOUGH_REPLICAS_AFTER_APPEND';
    if (error !== 'NONE') codeProbe('produce-not-enough-replicas-after-append');
    if (error === 'NONE') {
      this.host.emit({
        kind: 'produce-ack',
        broker: this.host.brokerId,
        topic: this.topic,
        partition: this.partition,
        offset: lastOffset,
      });
    }
    this.host.send(to, {
      type: 'ProduceResponse',
      correlationId,
      topic: this.topic,
      partition: this.partition,
      error,
      baseOffset,
    });
  }

  private produceError(to: number, req: ProduceRequest, error: ErrorCode): void {
    if (req.acks === 0) return;
    const { topic, partition } = this;
    const correlationId = req.correlationId;
    const resp: ProduceResponse = { type: 'ProduceResponse', correlationId, topic, partition, error, baseOffset: -1 };
    this.host.send(to, this.withCurrentLeader(resp));
  }

  /**
   * KIP-951 (KafkaApis.handleProduceRequest / handleFetchRequest, getCurrentLeader): a
   * NOT_LEADER_OR_FOLLOWER or FENCED_LEADER_EPOCH answer carries the leader id and epoch this
   * broker's metadata image names, when it names one.
   */
  private withCurrentLeader<R extends ProduceResponse | FetchResponse>(resp: R): R {
    const error = resp.error;
    const notLeader = error === 'NOT_LEADER_OR_FOLLOWER' || error === 'FENCED_LEADER_EPOCH';
    if (notLeader && this.leaderId >= 0 && this.leaderEpoch >= 0) {
      resp.currentLeader = { leaderId: this.leaderId, leaderEpoch: this.leaderEpoch };
    }
    return resp;
  }

  /** Produce requests waiting in purgatory for acks=all (white-box, for the driver's triggers). */
  delayedProduceCount(): number {
    return this.delayedProduces.length;
  }

  private failDelayedProduces(error: ErrorCode): void {
    const list = this.delayedProduces;
    if (list.length === 0) return;
    codeProbe('delayed-produce-failed-on-leadership-loss');
    this.delayedProduces = [];
    for (const d of list) {
      if (d.onMarkerDone !== undefined) {
        d.onMarkerDone(error);
        continue;
      }
      const resp: ProduceResponse = {
        type: 'ProduceResponse',
        correlationId: d.correlationId,
        topic: this.topic,
        partition: this.partition,
        error,
        baseOffset: d.baseOffset,
      };
      this.host.send(d.from, this.withCurrentLeader(resp));
    }
  }

  private onHwIncreased(): void {
    const hw = this.log.hw;
    const list = this.delayedProduces;
    if (list.length > 0) {
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const d = list[i];
        if (d.requiredOffset > hw) list[kept++] = d;
        else if (d.onMarkerDone !== undefined) d.onMarkerDone(this.afterAppendError());
        else this.completeProduce(d.from, d.correlationId, d.baseOffset, d.requiredOffset - 1);
      }
      shortenTo(list, kept);
    }
    // Consumers wait for the HW.
    if (this.delayedFetches.length > 0) this.completeDelayedFetches(false);
  }

  // =====================================================================================
  // Leader: HW and ISR

  /** Kafka's maybeIncrementLeaderHW; true when the HW moved. */
  maybeIncrementHw(): boolean {
    if (this.role !== 'leader') return false;
    // Partition.maybeIncrementLeaderHW / isUnderMinIsr: since Kafka 3.7 (KAFKA-15583) the HW
    // does not advance while the ISR is below min.insync.replicas, with or without ELR; before
    // it, only ELR (KIP-966) froze it.
    if (this.isr.length < this.minIsr && (this.strictMinIsrHw || elrEnabled(this.host.config))) {
      codeProbe('hw-frozen-isr-below-min');
      return false;
    }
    const leaderLeo = this.log.leo;
    let newHw = leaderLeo;
    const now = this.host.nowUs();
    // KIP-497: the maximal ISR (committed ∪ pending expansion). Variant hw-on-current-isr
    // undoes it and uses the committed ISR only.
    const counted = this.host.variant === 'hw-on-current-isr' ? this.isr : this.maximalIsr;
    const remotes = this.remotes;
    for (let i = 0; i < remotes.length; i++) {
      const r = remotes[i];
      if (r.leo >= newHw) continue;
      if (counted.includes(r.brokerId) || (this.isCaughtUp(r, leaderLeo, now) && this.isIsrEligible(r))) newHw = r.leo;
    }
    if (newHw > this.log.hw) {
      this.log.setHw(newHw);
      return true;
    }
    return false;
  }

  private isCaughtUp(r: RemoteReplica, leaderLeo: number, nowUs: number): boolean {
    return r.leo === leaderLeo || nowUs - r.lastCaughtUpTimeUs <= this.host.lagMaxUs;
  }

  /** KRaft isReplicaIsrEligible: unfenced, and its fetch's broker epoch is the current one (KIP-903); ZK: alive. */
  private isIsrEligible(r: RemoteReplica): boolean {
    const current = this.host.unfencedBrokerEpoch(r.brokerId);
    if (current < 0) codeProbe('isr-ineligible-fenced-broker');
    if (current < 0) return false;
    if (this.host.zkMetadataCache === true) return true;
    if (r.fetchedBrokerEpoch === null) return false;
    // Variant stale-broker-epoch (undoes KIP-903): any broker epoch will do.
    if (this.host.variant === 'stale-broker-epoch') return true;
    if (r.fetchedBrokerEpoch !== -1 && r.fetchedBrokerEpoch !== current) codeProbe('isr-ineligible-stale-broker-epoch');
    return r.fetchedBrokerEpoch === -1 || r.fetchedBrokerEpoch === current;
  }

  /** Kafka's isFollowerInSync for ISR expansion. */
  private isFollowerInSync(r: RemoteReplica): boolean {
    if (r.leo < this.log.hw) return false;
    // KAFKA-7128: the follower must also have reached the start of this leader's epoch.
    // Variant isr-expand-on-hw undoes that check.
    if (this.host.variant === 'isr-expand-on-hw') return true;
    if (r.leo < this.leaderEpochStartOffset) codeProbe('isr-expansion-waits-for-epoch-start');
    return this.leaderEpochStartOffset >= 0 && r.leo >= this.leaderEpochStartOffset;
  }

  private maybeExpandIsr(r: RemoteReplica): void {
    if (this.pending !== null || this.isr.includes(r.brokerId)) return;
    if (!this.isIsrEligible(r) || !this.isFollowerInSync(r)) return;
    const proposed = [...this.isr, r.brokerId];
    this.submitIsrChange('expand', proposed);
  }

  /** The periodic isr-expiration task (every replica.lag.time.max.ms / 2). */
  maybeShrinkIsr(nowUs: number): void {
    if (this.role !== 'leader' || this.pending !== null) return;
    const leaderLeo = this.log.leo;
    let out: number[] | null = null;
    for (const id of this.isr) {
      if (id === this.host.brokerId) continue;
      const r = remoteOf(this.remotes, id);
      if (r === undefined || !this.isCaughtUp(r, leaderLeo, nowUs)) (out ??= []).push(id);
    }
    if (out === null) return;
    const proposed = this.isr.filter((id) => !out!.includes(id));
    if (proposed.length < this.minIsr) codeProbe('isr-shrink-below-min-isr');
    this.submitIsrChange('shrink', proposed);
  }

  private submitIsrChange(kind: 'expand' | 'shrink', proposedIsr: number[]): void {
    const brokerStates: BrokerStateInIsr[] = proposedIsr.map((id) => {
      if (id === this.host.brokerId) return { brokerId: id, brokerEpoch: this.host.brokerEpoch() };
      const r = remoteOf(this.remotes, id);
      const epoch = r === undefined || r.fetchedBrokerEpoch === null ? -1 : r.fetchedBrokerEpoch;
      // Variant stale-broker-epoch: the request carries no broker epochs (pre-KIP-903).
      return { brokerId: id, brokerEpoch: this.host.variant === 'stale-broker-epoch' ? -1 : epoch };
    });
    const change: PendingIsrChange = {
      kind,
      proposedIsr,
      brokerStates,
      lastCommittedIsr: this.isr,
      leaderEpoch: this.leaderEpoch,
      partitionEpoch: this.partitionEpoch,
      correlationId: 0,
      deadlineUs: 0,
    };
    this.pending = change;
    // Expansion counts at once (stricter HW); a shrink only once committed (KIP-497).
    this.maximalIsr = kind === 'expand' ? proposedIsr : this.isr;
    this.host.sendAlterPartition(this, change);
    this.host.emit({
      kind: 'alter-partition-sent',
      broker: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      isr: proposedIsr.slice(),
    });
  }

  // =====================================================================================
  // Fetch (served by the leader to followers and consumers)

  handleFetch(from: number, req: FetchRequest): void {
    const isFollower = req.replicaId >= 0;
    const resp = this.readForFetch(req, isFollower);
    const empty = resp.error === 'NONE' && resp.divergingEpoch === undefined && resp.records.length === 0;
    if (empty && req.maxWaitMs > 0 && !this.fetchAboveBoundCompletes(req)) {
      const deadlineUs = this.host.nowUs() + req.maxWaitMs * 1000;
      this.delayedFetches.push({ from, req, deadlineUs, leaderEpoch: this.leaderEpoch });
      this.host.armPartitionTimer(this, deadlineUs);
      return;
    }
    this.host.send(from, resp);
  }

  /** Kafka's fetchRecords: validate epochs, the log start, then divergence; read; record a follower's position. */
  private readForFetch(req: FetchRequest, updateFollowerState: boolean): FetchResponse {
    const error = this.checkLeaderEpochForFetch(req.currentLeaderEpoch);
    if (error === 'FENCED_LEADER_EPOCH' && req.replicaId >= 0) codeProbe('fetch-fenced-follower');
    if (error === 'FENCED_LEADER_EPOCH' && req.replicaId < 0) codeProbe('fetch-fenced-consumer');
    if (error === 'UNKNOWN_LEADER_EPOCH') codeProbe('fetch-leader-epoch-ahead');
    if (error !== 'NONE') return this.fetchResponse(req, error, NO_RECORDS, undefined);
    const isFollower = req.replicaId >= 0;
    let remote: RemoteReplica | undefined;
    if (isFollower) {
      remote = remoteOf(this.remotes, req.replicaId);
      if (remote === undefined)
        return this.fetchResponse(
          req,
          req.currentLeaderEpoch >= 0 ? 'UNKNOWN_LEADER_EPOCH' : 'NOT_LEADER_OR_FOLLOWER',
          NO_RECORDS,
          undefined,
        );
    }
    const log = this.log;
    const leaderLeo = log.leo;
    let belowCache: FetchEpochBelowLeaderCache | undefined;
    if (req.lastFetchedEpoch >= 0) {
      const eo = log.epochs.endOffsetFor(req.lastFetchedEpoch, leaderLeo);
      if (eo.endOffset === UNDEFINED_EPOCH_OFFSET || eo.epoch === UNDEFINED_EPOCH) {
        codeProbe('fetch-last-epoch-unknown-to-leader');
        return this.fetchResponse(req, 'OFFSET_OUT_OF_RANGE', NO_RECORDS, undefined);
      }
      // Partition.readRecords: "If fetch offset is less than log start, fail with
      // OffsetOutOfRangeException, regardless of whether epochs are diverging".
      if (req.fetchOffset < log.logStartOffset) {
        codeProbe('fetch-below-log-start');
        return this.fetchResponse(req, 'OFFSET_OUT_OF_RANGE', NO_RECORDS, undefined);
      }
      if (eo.epoch < req.lastFetchedEpoch || eo.endOffset < req.fetchOffset) {
        // Divergence: the follower must truncate first; its position is not recorded.
        codeProbe(isFollower ? 'fetch-diverging-follower' : 'fetch-diverging-consumer');
        return this.fetchResponse(req, 'NONE', NO_RECORDS, { epoch: eo.epoch, endOffset: eo.endOffset });
      }
      if (isFollower) belowCache = this.epochBelowCache(req, eo.endOffset);
    }
    // UnifiedLog.read: checkLogStartOffset (for a fetch without an epoch), then LocalLog.read past the log end.
    if (req.fetchOffset < log.logStartOffset) codeProbe('fetch-below-log-start');
    if (req.fetchOffset > leaderLeo) codeProbe('fetch-offset-beyond-log-end');
    if (req.fetchOffset > leaderLeo || req.fetchOffset < log.logStartOffset)
      return this.fetchResponse(req, 'OFFSET_OUT_OF_RANGE', NO_RECORDS, undefined);
    if (belowCache !== undefined) codeProbeWith('fetch-epoch-below-leader-cache-no-divergence', belowCache);
    const hwAtRead = log.hw;
    // Followers read to the LEO, consumers to the HW, read_committed consumers to the LSO.
    const maxEnd = isFollower ? leaderLeo : this.consumerFetchEnd(req);
    const records = req.fetchOffset < maxEnd ? log.read(req.fetchOffset, req.maxRecords, maxEnd) : NO_RECORDS;
    if (records.length > 0)
      this.host.emit({
        kind: 'fetch-served',
        broker: this.host.brokerId,
        topic: this.topic,
        partition: this.partition,
        fromOffset: req.fetchOffset,
      });
    const resp = this.fetchResponse(req, 'NONE', records, undefined);
    if (!isFollower && req.isolationLevel === 'read_committed') {
      if (maxEnd < hwAtRead && req.fetchOffset < hwAtRead) codeProbe('txn-fetch-bounded-by-lso');
      // LocalLog.addAbortedTransactions from the fetch offset: Kafka's upper bound is the offset
      // of the sparse offset index's first entry past the bytes read (fetchUpperBoundOffset), else
      // the next segment's base, else the LEO, never below the offset after the data read, which
      // the model takes. The extra entries Kafka may send begin past every batch of the answer,
      // so CompletedFetch never takes them (consumeAbortedTransactionsUpTo a batch's last offset).
      // An empty read carries none (emptyFetchDataInfo with includeAbortedTxns: an empty list).
      const aborted =
        records.length === 0 ? [] : log.collectAbortedTransactions(req.fetchOffset, req.fetchOffset + records.length);
      if (aborted.length > 0) codeProbe('txn-fetch-aborted-transactions');
      resp.abortedTransactions = aborted;
    }
    if (remote !== undefined && updateFollowerState)
      this.updateFollowerFetchState(remote, req, leaderLeo, this.followerReadOffset(req.fetchOffset, leaderLeo));
    return resp;
  }

  /**
   * A follower's last fetched epoch older than every epoch this leader's cache holds, answered
   * without a divergence (LeaderEpochFileCache.endOffsetFor: "the requested epoch is smaller than
   * any known epoch, so we return the start offset of the first known epoch which is larger than
   * it. This may be inaccurate…", an end offset at the fetch offset): the follower's records below
   * that start, the leader cannot compare (the probe's context; reads only). Undefined otherwise.
   */
  private epochBelowCache(req: FetchRequest, endOffset: number): FetchEpochBelowLeaderCache | undefined {
    const first = this.log.epochs.entries[0];
    if (first === undefined || first.epoch <= req.lastFetchedEpoch) return undefined;
    return {
      leader: this.host.brokerId,
      follower: req.replicaId,
      topic: this.topic,
      partition: this.partition,
      fetchOffset: req.fetchOffset,
      lastFetchedEpoch: req.lastFetchedEpoch,
      leaderFirstEpoch: first.epoch,
      leaderEndOffset: endOffset,
      leaderLogStart: this.log.logStartOffset,
    };
  }

  /**
   * DelayedFetch.tryComplete, which ReplicaManager.fetchMessages runs before parking an empty
   * answer (tryCompleteElseWatch), Case F for a fetch above its bound (a read_committed consumer
   * between the LSO and the HW; UnifiedLog.read answered it with no records, LocalLog.read
   * "startOffset > maxOffsetMetadata.messageOffset"): from 3.8 "fetchOffset.messageOffset >
   * endOffset.messageOffset" completes it at once; in 3.6/3.7 only "endOffset.onOlderSegment
   * (fetchOffset)" does (same segment: no bytes, it waits). The bound only rises under one
   * leader epoch, so a parked fetch never meets this case later.
   */
  private fetchAboveBoundCompletes(req: FetchRequest): boolean {
    const end = req.replicaId >= 0 ? this.log.leo : this.consumerFetchEnd(req);
    if (this.role !== 'leader' || req.fetchOffset <= end) return false;
    if (rulesOf(this.host.config['kafka.version']).fetchAboveBoundCompletes) {
      codeProbe('fetch-above-bound-answered-at-once');
      return true;
    }
    return this.log.segmentBaseOf(end) < this.log.segmentBaseOf(req.fetchOffset);
  }

  /** UnifiedLog.read's bound for a consumer: the HW, or the LSO under FetchIsolation.TXN_COMMITTED. */
  private consumerFetchEnd(req: FetchRequest): number {
    return req.isolationLevel === 'read_committed' ? this.readCommittedEnd() : this.log.hw;
  }

  /**
   * The LSO (UnifiedLog.fetchLastStableOffsetMetadata). Variant read-committed-hw: the HW, as if
   * FetchIsolation.TXN_COMMITTED read like HIGH_WATERMARK (records of open transactions served).
   */
  private readCommittedEnd(): number {
    return this.host.variant === 'read-committed-hw' ? this.log.hw : this.log.lso;
  }

  private checkLeaderEpochForFetch(currentLeaderEpoch: number): ErrorCode {
    // Variant no-epoch-fencing (undoes KIP-320): the request's epoch is not looked at.
    if (currentLeaderEpoch >= 0 && this.host.variant !== 'no-epoch-fencing') {
      if (this.leaderEpoch > currentLeaderEpoch) return 'FENCED_LEADER_EPOCH';
      if (this.leaderEpoch < currentLeaderEpoch) return 'UNKNOWN_LEADER_EPOCH';
    }
    if (this.role !== 'leader') return 'NOT_LEADER_OR_FOLLOWER';
    return 'NONE';
  }

  private fetchResponse(
    req: FetchRequest,
    error: ErrorCode,
    records: readonly LogRecord[],
    divergingEpoch: { epoch: number; endOffset: number } | undefined,
  ): FetchResponse {
    const resp: FetchResponse = {
      type: 'FetchResponse',
      correlationId: req.correlationId,
      topic: this.topic,
      partition: this.partition,
      error,
      highWatermark: this.role === 'leader' ? this.log.hw : -1,
      // The model's answers carry the leader's log start even with an error (a consumer's
      // auto.offset.reset reads it there instead of a ListOffsets; client-fetcher.ts).
      logStartOffset: this.role === 'leader' ? this.log.logStartOffset : -1,
      records,
      leaderEpoch: this.leaderEpoch,
    };
    if (divergingEpoch !== undefined) resp.divergingEpoch = divergingEpoch;
    // FetchResponse last_stable_offset (-1 from a non-leader); the model sends it to read_committed fetches only.
    if (req.isolationLevel === 'read_committed') resp.lastStableOffset = this.role === 'leader' ? this.log.lso : -1;
    return this.withCurrentLeader(resp);
  }

  /**
   * The offset of a follower read's offset metadata, which Partition.fetchRecords records as the
   * follower's log end (updateFollowerFetchState(followerFetchOffsetMetadata =
   * logReadInfo.fetchedData.fetchOffsetMetadata)): the fetch offset (LogSegment.read's
   * LogOffsetMetadata(startOffset, …), emptyFetchDataInfo at the log end), except when no batch
   * holds an offset at or past it, only a gap up to the log end (a truncation inside a batch,
   * replica-log.ts gapAt): LocalLog.read then answers FetchDataInfo(nextOffsetMetadata, EMPTY),
   * "the empty set with log end offset metadata", and the leader takes the follower to be at its
   * log end (Kafka 3.6.0–3.9.0-rc3, trunk and 4.x's Java LocalLog.read alike). Without that a
   * follower fetching inside such a gap would never rejoin the ISR (swarm seed 300014255).
   */
  private followerReadOffset(fetchOffset: number, leaderLeo: number): number {
    if (fetchOffset >= leaderLeo || !this.log.onlyGapsFrom(fetchOffset)) return fetchOffset;
    codeProbe('fetch-past-log-end-gap');
    return leaderLeo;
  }

  /**
   * Kafka's updateFollowerFetchState + Replica.updateFetchStateOrThrow, with `fetchOffset` the
   * read's offset metadata (followerReadOffset).
   */
  private updateFollowerFetchState(r: RemoteReplica, req: FetchRequest, leaderLeo: number, fetchOffset: number): void {
    const now = this.host.nowUs();
    if (fetchOffset >= leaderLeo) {
      if (now > r.lastCaughtUpTimeUs) r.lastCaughtUpTimeUs = now;
    } else if (r.lastFetchLeaderLeo >= 0 && fetchOffset >= r.lastFetchLeaderLeo) {
      if (r.lastFetchTimeUs > r.lastCaughtUpTimeUs) r.lastCaughtUpTimeUs = r.lastFetchTimeUs;
    }
    const prevLeo = r.leo;
    r.leo = fetchOffset;
    r.lastFetchLeaderLeo = leaderLeo;
    r.lastFetchTimeUs = now;
    r.fetchedBrokerEpoch = req.replicaEpoch;
    this.maybeExpandIsr(r);
    if (prevLeo !== fetchOffset && this.maybeIncrementHw()) {
      this.announce();
      this.onHwIncreased();
    }
  }

  /** Re-check waiting fetches (after an append, HW change or role change). */
  private completeDelayedFetches(all: boolean): void {
    const list = this.delayedFetches;
    if (list.length === 0) return;
    const leader = this.role === 'leader';
    const leo = this.log.leo;
    const hw = this.log.hw;
    const lso = this.readCommittedEnd();
    let kept = 0;
    for (let i = 0; i < list.length; i++) {
      const d = list[i];
      // Nothing new for it (same epoch, still leader, no data past its offset): keep waiting
      // without building an answer.
      if (
        !all &&
        leader &&
        d.leaderEpoch === this.leaderEpoch &&
        (d.req.replicaId >= 0 ? leo : d.req.isolationLevel === 'read_committed' ? lso : hw) <= d.req.fetchOffset
      ) {
        list[kept++] = d;
        continue;
      }
      if (!leader || d.leaderEpoch !== this.leaderEpoch) codeProbe('delayed-fetch-leadership-changed');
      const resp = this.readForFetch(d.req, false);
      if (all || resp.error !== 'NONE' || resp.divergingEpoch !== undefined || resp.records.length > 0)
        this.host.send(d.from, resp);
      else list[kept++] = d;
    }
    shortenTo(list, kept);
  }

  /** The partition timer: expire delayed produces and fetches. Returns the next deadline. */
  onTimer(nowUs: number): number {
    let next = Number.POSITIVE_INFINITY;
    const produces = this.delayedProduces;
    if (produces.length > 0) {
      let kept = 0;
      for (let i = 0; i < produces.length; i++) {
        const d = produces[i];
        if (d.deadlineUs <= nowUs && d.onMarkerDone !== undefined) {
          d.onMarkerDone('REQUEST_TIMED_OUT');
        } else if (d.deadlineUs <= nowUs) {
          codeProbe('delayed-produce-timed-out');
          this.host.send(d.from, {
            type: 'ProduceResponse',
            correlationId: d.correlationId,
            topic: this.topic,
            partition: this.partition,
            error: 'REQUEST_TIMED_OUT',
            baseOffset: d.baseOffset,
          });
        } else {
          produces[kept++] = d;
          if (d.deadlineUs < next) next = d.deadlineUs;
        }
      }
      shortenTo(produces, kept);
    }
    const fetches = this.delayedFetches;
    if (fetches.length > 0) {
      let kept = 0;
      for (let i = 0; i < fetches.length; i++) {
        const d = fetches[i];
        if (d.deadlineUs <= nowUs) this.host.send(d.from, this.readForFetch(d.req, false));
        else {
          fetches[kept++] = d;
          if (d.deadlineUs < next) next = d.deadlineUs;
        }
      }
      shortenTo(fetches, kept);
    }
    return next;
  }

  /** OffsetsForLeaderEpoch (consumers validating their position, KIP-320). */
  handleOffsetsForLeaderEpoch(
    from: number,
    req: Extract<ClientRequest, { type: 'OffsetsForLeaderEpochRequest' }>,
  ): void {
    const error = this.checkLeaderEpochForFetch(req.currentLeaderEpoch);
    let epoch = UNDEFINED_EPOCH;
    let endOffset = UNDEFINED_EPOCH_OFFSET;
    if (error === 'NONE') {
      const eo = this.log.epochs.endOffsetFor(req.leaderEpoch, this.log.leo);
      epoch = eo.epoch;
      endOffset = eo.endOffset;
    }
    const resp: Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }> = {
      type: 'OffsetsForLeaderEpochResponse',
      correlationId: req.correlationId,
      topic: this.topic,
      partition: this.partition,
      error,
      leaderEpoch: epoch,
      endOffset,
    };
    // A follower's request (IBP < 2.7 only): the log start, for its probe (see the field).
    if (req.replicaId >= 0) resp.leaderLogStartOffset = this.log.logStartOffset;
    this.host.send(from, resp);
  }

  // =====================================================================================
  // Follower: the fetcher

  private startFetcher(): void {
    if (this.leaderId < 0 || this.leaderId === this.host.brokerId) {
      this.fetch = null;
      return;
    }
    this.fetch = {
      leaderId: this.leaderId,
      leaderEpoch: this.leaderEpoch,
      correlationId: 0,
      deadlineUs: 0,
      sentFetchOffset: -1,
      lastFetchedEpoch: this.log.epochs.latestEpoch(),
      backingOff: false,
      fenced: false,
      listOffsetsCorrelationId: 0,
      truncationDone: false,
      truncating: this.startsTruncating(),
      truncationOffset: this.log.hw,
    };
    this.sendFetch();
  }

  /**
   * AbstractFetcherThread.partitionFetchState (3.9.0-rc3) for a new leader epoch: Truncating when
   * !isTruncationOnFetchSupported (IBP < 2.7). A log without an epoch took fetchTruncatingPartitions'
   * other branch (truncateToHighWatermark) in makeFollower already, and the variant truncate-to-hw
   * (undoes KIP-101) never asks the leader.
   */
  private startsTruncating(): boolean {
    if (truncationOnFetchSupported(this.host.config)) return false;
    return this.host.variant !== 'truncate-to-hw' && this.log.epochs.latestEpoch() !== UNDEFINED_EPOCH;
  }

  private stopFetcher(): void {
    this.fetch = null;
  }

  /** Send the next follower fetch from the LEO (AbstractFetcherThread.doWork: a truncating partition asks first). */
  sendFetch(): void {
    const f = this.fetch;
    if (f === null || f.fenced || this.role !== 'follower') return;
    f.backingOff = false;
    if (f.truncating) return this.sendOffsetsForLeaderEpoch(f);
    const correlationId = this.host.nextCorrelationId();
    f.correlationId = correlationId;
    f.sentFetchOffset = this.log.leo;
    f.deadlineUs = this.host.nowUs() + replicaSocketTimeoutUs(this.host.config);
    const variant = this.host.variant;
    // Variants kip-101 and no-epoch-fencing fetch by offset only once their one-shot
    // truncation step is done (before KIP-320 only OffsetsForLeaderEpoch carried epochs).
    const oneShot = (variant === 'kip-101' || variant === 'no-epoch-fencing') && f.truncationDone;
    // RemoteLeaderEndPoint.buildFetch: lastFetchedEpoch only if isTruncationOnFetchSupported.
    const lastFetchedEpoch = oneShot || !truncationOnFetchSupported(this.host.config) ? -1 : f.lastFetchedEpoch;
    this.host.send(f.leaderId, {
      type: 'FetchRequest',
      correlationId,
      replicaId: this.host.brokerId,
      replicaEpoch: this.host.brokerEpoch(),
      topic: this.topic,
      partition: this.partition,
      fetchOffset: f.sentFetchOffset,
      lastFetchedEpoch,
      currentLeaderEpoch: variant === 'no-epoch-fencing' ? -1 : this.leaderEpoch,
      maxWaitMs: this.host.config['replica.fetch.wait.max.ms'],
      maxRecords: REPLICA_FETCH_MAX_RECORDS,
    } satisfies FetchRequest);
  }

  /**
   * AbstractFetcherThread.fetchTruncatingPartitions → truncateToEpochEndOffsets → RemoteLeaderEndPoint
   * .fetchEpochEndOffsets (3.9.0-rc3): OffsetsForLeaderEpoch for the follower's latest epoch, with its
   * current leader epoch. A log whose epochs are gone takes truncateToHighWatermark instead: cut to
   * the fetch offset, done.
   */
  private sendOffsetsForLeaderEpoch(f: FollowerFetchState): void {
    const latestEpoch = this.log.epochs.latestEpoch();
    if (latestEpoch === UNDEFINED_EPOCH) {
      if (this.truncateLogTo(f.truncationOffset)) this.emitTruncate(f.truncationOffset, 'no-epoch');
      this.finishTruncation(f);
      return this.sendFetch();
    }
    const correlationId = this.host.nextCorrelationId();
    f.correlationId = correlationId;
    f.deadlineUs = this.host.nowUs() + replicaSocketTimeoutUs(this.host.config);
    this.host.send(f.leaderId, {
      type: 'OffsetsForLeaderEpochRequest',
      correlationId,
      replicaId: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      currentLeaderEpoch: this.host.variant === 'no-epoch-fencing' ? -1 : this.leaderEpoch,
      leaderEpoch: latestEpoch,
    } satisfies ClientRequest);
  }

  /** updateFetchOffsetAndMaybeMarkTruncationComplete: Fetching, from the latest epoch. */
  private finishTruncation(f: FollowerFetchState): void {
    f.truncating = false;
    f.lastFetchedEpoch = this.log.epochs.latestEpoch();
  }

  /**
   * The leader's OffsetsForLeaderEpoch answer to a truncating follower (AbstractFetcherThread
   * .maybeTruncateToEpochEndOffsets, 3.9.0-rc3): NONE truncates per getOffsetTruncationState and
   * fetches, or, when the follower does not know the answered epoch (KIP-279), asks again from the
   * intermediate offset; FENCED_LEADER_EPOCH (onPartitionFenced, the epoch sent being the current
   * one) waits for a newer LeaderAndIsr; any other error (NOT_LEADER_OR_FOLLOWER,
   * UNKNOWN_LEADER_EPOCH, …) retries after replica.fetch.backoff.ms (handlePartitionsWithErrors).
   */
  onOffsetsForLeaderEpochResponse(resp: Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }>): void {
    const f = this.fetch;
    if (f === null || !f.truncating || resp.correlationId !== f.correlationId || this.role !== 'follower') return;
    f.correlationId = 0;
    if (resp.error === 'FENCED_LEADER_EPOCH') {
      codeProbe('follower-epoch-request-fenced');
      f.fenced = true;
      return;
    }
    if (resp.error !== 'NONE') {
      codeProbe('follower-epoch-request-retried');
      f.backingOff = true;
      this.host.armFetchBackoff(this);
      return;
    }
    const leo = this.log.leo;
    const t = this.offsetTruncationState(resp.leaderEpoch, resp.endOffset, f.truncationOffset, 'epoch-request');
    if (t.offset < leo) codeProbe('follower-truncated-by-offsets-for-leader-epoch');
    if (this.truncateLogTo(t.offset)) this.emitTruncate(t.offset, 'offsets-for-leader-epoch');
    this.probeKeptBelowLeaderLogStart(resp.endOffset, resp.leaderLogStartOffset ?? -1, t.offset);
    f.truncationOffset = t.offset;
    if (t.completed) this.finishTruncation(f);
    this.announce();
    this.sendFetch();
  }

  /** A follower fetch timed out (no answer): send it again (an OffsetsForLeaderEpoch: back off, then ask again). */
  retryFetchIfExpired(nowUs: number): void {
    const f = this.fetch;
    if (f === null || f.fenced || f.backingOff || this.role !== 'follower') return;
    if (f.correlationId !== 0 && nowUs >= f.deadlineUs && f.truncating) {
      // fetchEpochEndOffsets' sendRequest threw: every partition in it gets the error, delayPartitions.
      f.correlationId = 0;
      f.backingOff = true;
      this.host.armFetchBackoff(this);
    } else if (f.correlationId !== 0 && nowUs >= f.deadlineUs) this.sendFetch();
    else if (f.listOffsetsCorrelationId !== 0 && nowUs >= f.deadlineUs) this.host.sendListOffsets(this);
  }

  /**
   * The connection to the leader reset or was refused: the fetch (or ListOffsets) in flight
   * is lost. AbstractFetcherThread.processFetchRequest counts the partition as failed
   * (handlePartitionsWithErrors → delayPartitions): fetch again after replica.fetch.backoff.ms.
   */
  onLeaderDisconnect(): void {
    const f = this.fetch;
    if (f === null || f.fenced || f.backingOff || this.role !== 'follower') return;
    if (f.correlationId === 0 && f.listOffsetsCorrelationId === 0) return;
    codeProbe('follower-fetch-reset-by-leader');
    f.correlationId = 0;
    f.listOffsetsCorrelationId = 0;
    f.backingOff = true;
    this.host.armFetchBackoff(this);
  }

  onFetchResponse(resp: FetchResponse): void {
    const f = this.fetch;
    if (f === null || resp.correlationId !== f.correlationId || this.role !== 'follower') return; // stale
    f.correlationId = 0;
    if (f.sentFetchOffset !== this.log.leo) {
      // The log changed while the fetch was in flight: drop the answer, fetch again.
      codeProbe('follower-fetch-answer-dropped');
      this.sendFetch();
      return;
    }
    switch (resp.error) {
      case 'NONE':
        break;
      case 'FENCED_LEADER_EPOCH':
        // Our epoch is old: wait for the metadata to move us on.
        codeProbe('follower-fenced');
        f.fenced = true;
        return;
      case 'OFFSET_OUT_OF_RANGE':
        codeProbe('follower-offset-out-of-range');
        this.host.sendListOffsets(this);
        return;
      default:
        f.backingOff = true;
        this.host.armFetchBackoff(this);
        return;
    }
    const diverging = resp.divergingEpoch;
    if (diverging !== undefined) {
      this.truncateOnDivergence(diverging.epoch, diverging.endOffset, resp.logStartOffset);
      f.lastFetchedEpoch = this.log.epochs.latestEpoch();
      this.sendFetch();
      return;
    }
    const records = resp.records;
    const fetchOffset = this.log.leo;
    if (records.length > 0) {
      this.log.appendAsFollower(records);
      f.lastFetchedEpoch = records[records.length - 1].epoch;
      this.emitAppendFollower(records);
      this.host.emit({
        kind: 'follower-fetch',
        broker: this.host.brokerId,
        leader: f.leaderId,
        topic: this.topic,
        partition: this.partition,
        fetchOffset,
        appended: records.length,
      });
    }
    // Follower HW = min(leader HW, own LEO); it may move backwards.
    const leaderHw = resp.highWatermark;
    const leo = this.log.leo;
    if (leaderHw < this.log.hw) codeProbe('follower-hw-moved-back');
    this.log.setHw(leaderHw < leo ? leaderHw : leo);
    // ReplicaFetcherThread.processPartitionData: log.maybeIncrementLogStartOffset(leader's
    // log start, LeaderOffsetIncremented), after the HW.
    if (
      resp.logStartOffset > this.log.logStartOffset &&
      this.log.maybeIncrementLogStartOffset(resp.logStartOffset, 'leader-log-start')
    )
      codeProbe('follower-log-start-from-leader');
    // No divergence in this answer: the variants' one-shot truncation step is over.
    f.truncationDone = true;
    this.announce();
    this.sendFetch();
  }

  /**
   * Partition.truncateTo → LogManager.truncateTo (3.9.0-rc3): UnifiedLog.truncateTo, which
   * lowers the recovery point to the target (LocalLog.updateLogEndOffset → updateRecoveryPoint);
   * if it cut the log (target < LEO: it returned true) the recovery-point checkpoint of the
   * log's directory is written at once (checkpointRecoveryOffsetsInDir). The log-start
   * checkpoint is not: it waits for its periodic task.
   */
  private truncateLogTo(offset: number): boolean {
    if (!this.log.truncateTo(offset)) return false;
    this.host.checkpointRecoveryPoints();
    return true;
  }

  /** AbstractFetcherThread.truncateOnFetchResponse: getOffsetTruncationState for a DivergingEpoch answer. */
  private truncateOnDivergence(leaderEpoch: number, leaderEndOffset: number, leaderLogStart: number): void {
    const log = this.log;
    const leo = log.leo;
    const target = this.offsetTruncationState(leaderEpoch, leaderEndOffset, log.hw, 'diverging-epoch').offset;
    if (target < leo) codeProbe('follower-truncated-on-divergence');
    if (this.truncateLogTo(target)) this.emitTruncate(target, 'diverging-epoch');
    // The answer sat at or below the leader's log start (LeaderEpochFileCache.endOffsetFor after
    // truncateFromStart: "this may be inaccurate"): what the follower keeps below it, the leader
    // no longer has, so nothing reconciles it (test/model/findings/divergence-below-log-start).
    this.probeKeptBelowLeaderLogStart(leaderEndOffset, leaderLogStart, target);
    // Pre-KIP-279 followers asked once and took the answer as final.
    if (this.fetch !== null && this.host.variant === 'kip-101') this.fetch.truncationDone = true;
    this.announce();
  }

  /**
   * AbstractFetcherThread.getOffsetTruncationState (3.9.0-rc3): where the follower cuts its log
   * given the leader's (epoch, end offset), and whether truncation is complete. An unknown end
   * offset: the fetch state's offset (`fetchOffset`), done. No epoch in the answer (or the variant
   * kip-101, which undoes KIP-279 and takes the bare offset): min(leader's, LEO), done. Otherwise
   * the follower's own end of that epoch (UnifiedLog.endOffsetForEpoch, the largest epoch ≤ it):
   * none → the leader's offset; a smaller epoch → that epoch's end, not done (ask again, KIP-279);
   * the same epoch → min(own end, leader's, LEO), done.
   */
  private offsetTruncationState(
    leaderEpoch: number,
    leaderEndOffset: number,
    fetchOffset: number,
    answer: 'diverging-epoch' | 'epoch-request',
  ): { offset: number; completed: boolean } {
    const leo = this.log.leo;
    if (leaderEndOffset === UNDEFINED_EPOCH_OFFSET) return { offset: fetchOffset, completed: true };
    if (leaderEpoch === UNDEFINED_EPOCH || this.host.variant === 'kip-101')
      return { offset: Math.min(leaderEndOffset, leo), completed: true };
    const mine = this.log.epochs.endOffsetFor(leaderEpoch, leo);
    if (mine.endOffset === UNDEFINED_EPOCH_OFFSET) {
      if (answer === 'diverging-epoch') codeProbe('follower-diverged-no-own-epoch');
      return { offset: Math.min(leaderEndOffset, leo), completed: true };
    }
    if (mine.epoch !== leaderEpoch) {
      // We do not know the leader's epoch: cut to the end of our largest smaller epoch and ask
      // again (KIP-279).
      codeProbe(
        answer === 'diverging-epoch' ? 'follower-diverged-unknown-leader-epoch' : 'follower-epoch-unknown-walk-back',
      );
      return { offset: Math.min(mine.endOffset, leo), completed: false };
    }
    return { offset: Math.min(mine.endOffset, leaderEndOffset, leo), completed: true };
  }

  /** After a truncation to `target` by the leader's end offset: did it keep records below the leader's log start? */
  private probeKeptBelowLeaderLogStart(leaderEndOffset: number, leaderLogStart: number, target: number): void {
    if (
      leaderEndOffset !== UNDEFINED_EPOCH_OFFSET &&
      leaderEndOffset <= leaderLogStart &&
      target > this.log.logStartOffset
    )
      codeProbeWith('follower-kept-records-below-leader-log-start', this.keptBelow(leaderEndOffset, leaderLogStart));
  }

  /** What a divergence truncation kept below the leader's log start (the probe's context; reads only). */
  private keptBelow(leaderEndOffset: number, leaderLogStart: number): KeptBelowLeaderLogStart {
    const log = this.log;
    const end = Math.min(log.leo, leaderLogStart);
    const kept: Array<{ offset: number; value: string; epoch: number }> = [];
    for (let o = Math.max(log.logStartOffset, end - MAX_KEPT_RECORDS); o < end; o++) {
      const r = log.records[o];
      if (r !== undefined) kept.push({ offset: o, value: r.value, epoch: r.epoch });
    }
    const where = { broker: this.host.brokerId, topic: this.topic, partition: this.partition };
    return { ...where, leaderEndOffset, leaderLogStart, truncatedTo: log.leo, kept };
  }

  onListOffsetsResponse(correlationId: number, error: string, leaderLeo: number, leaderStart: number): void {
    const f = this.fetch;
    if (f === null || f.listOffsetsCorrelationId !== correlationId || this.role !== 'follower') return;
    f.listOffsetsCorrelationId = 0;
    if (error !== 'NONE') {
      f.backingOff = true;
      this.host.armFetchBackoff(this);
      return;
    }
    // Kafka's fetchOffsetAndTruncate: a follower ahead of the leader cuts to its end; one
    // whose log ends below the leader's log start deletes it and starts again there
    // (truncateFullyAndStartAt). Kafka asks for the latest offset, then the earliest: the
    // model's ListOffsets answers both at once.
    if (leaderLeo < this.log.leo) codeProbe('follower-truncated-to-leader-log-end');
    if (leaderLeo < this.log.leo && this.truncateLogTo(leaderLeo)) this.emitTruncate(leaderLeo, 'out-of-range');
    else if (leaderLeo >= this.log.leo && leaderStart > this.log.leo) {
      codeProbe('follower-truncated-fully-to-leader-start');
      // LogManager.truncateFullyAndStartAt: UnifiedLog.truncateFullyAndStartAt, then
      // checkpointRecoveryOffsetsInDir(log.parentDirFile), unconditionally.
      this.log.truncateFullyAndStartAt(leaderStart);
      this.host.checkpointRecoveryPoints();
      this.emitTruncate(leaderStart, 'out-of-range');
    }
    f.lastFetchedEpoch = this.log.epochs.latestEpoch();
    this.announce();
    this.sendFetch();
  }

  // =====================================================================================
  // Probes

  /** Emit a 'replica' probe if role, epoch, HW or LEO changed since the last one. */
  announce(): void {
    const hw = this.log.hw;
    const leo = this.log.leo;
    if (
      this.shownRole === this.role &&
      this.shownEpoch === this.leaderEpoch &&
      this.shownHw === hw &&
      this.shownLeo === leo
    )
      return;
    this.shownRole = this.role;
    this.shownEpoch = this.leaderEpoch;
    this.shownHw = hw;
    this.shownLeo = leo;
    this.host.emit({
      kind: 'replica',
      broker: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      role: this.role,
      leaderEpoch: this.leaderEpoch,
      hw,
      leo,
    });
  }

  private emitAppend(
    first: number,
    epoch: number,
    n: number,
    producerId: number,
    producerEpoch: number,
    stateless: NoProducerState = PRODUCER_STATE_KNOWN,
  ): void {
    const values: string[] = new Array(n);
    const recs = this.log.records;
    for (let i = 0; i < n; i++) values[i] = recs[first + i].value;
    const ev: Extract<ModelProbe, { kind: 'append' }> = {
      kind: 'append',
      broker: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      firstOffset: first,
      epoch,
      values,
    };
    // A leader's append of an idempotent batch names its producer (driver/promise.ts AppendIdentities).
    // Built field by field, in the order the spreads gave (stateless holds one key at most).
    if (producerId >= 0) {
      ev.producerId = producerId;
      ev.producerEpoch = producerEpoch;
      if (stateless.unknownProducer === true) ev.unknownProducer = true;
      if (stateless.noStateAtSequenceZero === true) ev.noStateAtSequenceZero = true;
    }
    this.host.emit(ev);
  }

  private emitAppendFollower(records: readonly LogRecord[]): void {
    // One probe per run of equal epochs (the timeline's append carries one epoch).
    let start = 0;
    for (let i = 1; i <= records.length; i++) {
      if (i === records.length || records[i].epoch !== records[start].epoch) {
        const values: string[] = new Array(i - start);
        for (let j = start; j < i; j++) values[j - start] = records[j].value;
        this.host.emit({
          kind: 'append',
          broker: this.host.brokerId,
          topic: this.topic,
          partition: this.partition,
          firstOffset: records[start].offset,
          epoch: records[start].epoch,
          values,
        });
        start = i;
      }
    }
  }

  emitTruncate(toOffset: number, reason: string): void {
    this.host.emit({
      kind: 'truncate',
      broker: this.host.brokerId,
      topic: this.topic,
      partition: this.partition,
      toOffset,
      reason,
    });
  }

  /** Leader-side view for snapshots: the records array is live. */
  get records(): readonly ModelRecord[] {
    return this.log.records;
  }

  /** This replica's own state for the per-replica invariants (checkers/replica-invariants.ts); live. */
  get facts(): ReplicaFacts {
    if (this.factsView === undefined) this.factsView = new PartitionFacts(this);
    return this.factsView;
  }
  private factsView: PartitionFacts | undefined;
}

/** A live, allocation-free view of a partition replica as ReplicaFacts. */
class PartitionFacts implements ReplicaFacts {
  constructor(private readonly p: Partition) {}
  get role(): Role {
    return this.p.role;
  }
  get leaderEpoch(): number {
    return this.p.leaderEpoch;
  }
  get hw(): number {
    return this.p.log.hw;
  }
  get leo(): number {
    return this.p.log.leo;
  }
  get logStartOffset(): number {
    return this.p.log.logStartOffset;
  }
  get records(): readonly ModelRecord[] {
    return this.p.log.records;
  }
  get epochCache(): readonly EpochEntry[] {
    return this.p.log.epochs.entries;
  }
  get maximalIsr(): readonly number[] {
    return this.p.role === 'leader' ? this.p.maximalIsr : NO_BROKERS;
  }
  forEachProducer(each: (producerId: number, epoch: number, lastSeq: number, lastOffset: number) => void): void {
    this.p.log.producers.forEachLastBatch(each);
  }
  openTransactions(): ReadonlyArray<{ readonly producerId: number; readonly firstOffset: number }> {
    return this.p.log.producers.openTransactions();
  }
  remoteLeo(broker: number): number {
    return remoteOf(this.p.remotes, broker)?.leo ?? -1;
  }
}

const NO_BROKERS: readonly number[] = [];

function noProducerState(check: Extract<SequenceCheck, { kind: 'append' }>): NoProducerState {
  if (check.unknownProducer === true) return { unknownProducer: true };
  return check.noStateAtSequenceZero === true ? { noStateAtSequenceZero: true } : PRODUCER_STATE_KNOWN;
}

function remoteOf(remotes: readonly RemoteReplica[], brokerId: number): RemoteReplica | undefined {
  for (let i = 0; i < remotes.length; i++) if (remotes[i].brokerId === brokerId) return remotes[i];
  return undefined;
}

function newRemote(brokerId: number): RemoteReplica {
  return {
    brokerId,
    leo: -1,
    lastCaughtUpTimeUs: 0,
    lastFetchLeaderLeo: -1,
    lastFetchTimeUs: 0,
    fetchedBrokerEpoch: null,
  };
}

/** Backoff before resending an AlterPartition the controller refused with a retriable error. */
const ALTER_PARTITION_RETRY_BACKOFF_US = 1_000_000;

/** Records a follower asks for per fetch (Kafka bounds bytes; the model bounds records). */
const REPLICA_FETCH_MAX_RECORDS = 1000;

/** replica.socket.timeout.ms (Kafka default 30 s): a follower fetch with no answer is resent. */
function replicaSocketTimeoutUs(config: KafkaConfig): number {
  return (config['replica.socket.timeout.ms'] ?? 30_000) * 1000;
}
