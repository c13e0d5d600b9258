// The transaction coordinator of one `__transaction_state` partition for one leader epoch
// (issue 17 item 1), after Kafka 3.9's TransactionCoordinator.scala (the request handlers),
// TransactionStateManager.scala (the cache, appends, load) and
// TransactionMarkerChannelManager.scala with TransactionMarkerRequestCompletionHandler.scala
// (the marker phase). The host (txn-host.ts) owns the partition, the network and time.
//
// Rules, each from Kafka's source (3.9.0-rc3):
// - Requests before the load ends: COORDINATOR_LOAD_IN_PROGRESS
//   (TransactionStateManager.getAndMaybeAddTransactionState); a shard that lost its
//   leadership is dropped: the host answers NOT_COORDINATOR.
// - Every transition is written to the log first (appendTransactionToLog: acks=-1, timeout =
//   the transaction timeout) and taken into the cache only once committed
//   (completeTransitionTo); an append error is mapped (NOT_ENOUGH_REPLICAS,
//   NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT → COORDINATOR_NOT_AVAILABLE;
//   NOT_LEADER_OR_FOLLOWER → NOT_COORDINATOR) and resets the pending state.
// - AddOffsetsToTxn is AddPartitionsToTxn of the group's `__consumer_offsets` partition
//   (KafkaApis.handleAddOffsetsToTxnRequest → handleAddPartitionsToTransaction).
// - InitProducerId, AddPartitionsToTxn and EndTxn check and transit as
//   TransactionCoordinator.handleInitProducerId / prepareInitProducerIdTransit,
//   handleAddPartitionsToTransaction and endTransaction do; InitProducerId on an Ongoing
//   transaction fences the epoch, aborts it and answers CONCURRENT_TRANSACTIONS.
// - EndTxn answers once PrepareCommit/PrepareAbort is committed, then sends a marker to each
//   partition of the transaction (addTxnMarkersToSend); each NONE removes the partition,
//   retriable errors resend, INVALID_PRODUCER_EPOCH / TRANSACTION_COORDINATOR_FENCED cancel
//   the sending; when none is left CompleteCommit/CompleteAbort is written
//   (maybeWriteTxnCompletion → tryAppendToLog, retried on COORDINATOR_NOT_AVAILABLE).
//   A sending cancelled on INVALID_PRODUCER_EPOCH leaves the transaction in PrepareCommit/
//   PrepareAbort with its completion pending for good (removeMarkersForTxn resets neither):
//   a wedged transactional id (`wedged`), which only follows a coordinator that lost records
//   (its epoch behind the partitions': driver/promise.ts wedgedTxnBreach).
// - Load (loadTransactionsForTxnTopicPartition): every record to the log end
//   (FetchIsolation.LOG_END), the last per id wins; PrepareCommit/PrepareAbort ones get their
//   markers sent again. A partition the loaded state lists only through records at or above
//   the HW (never committed: a later leader may not have them) is remembered per transactional
//   id until this coordinator commits a record of that id; AddPartitionsToTxn's "already in the
//   metadata" answer and the verification's NONE for such a partition are marked with the probe
//   txn-coordinator-answered-unreplicated-partition (the Kafka finding
//   txn-partition-added-by-unreplicated-load reads it: driver/kafka-findings.ts).
// - abortTimedOutTransactions: an Ongoing transaction past its timeout, with no transition
//   pending, is fenced (epoch + 1) and aborted.
// Zoo variant markers-before-prepare-committed: appendTransactionToLog's callback for a
// PrepareCommit runs at the local append, so EndTxn is answered and the COMMIT markers go out
// before the record is committed; Kafka runs it (TransactionCoordinator.endTransaction's
// sendTxnMarkersCallback) only once the acks=-1 append (TransactionLog.EnforcedRequiredAcks)
// completes. A new coordinator that loads a log without it aborts a transaction already
// committed in some partitions.
// KIP-890 part 2 (transaction.version 2, config.transactionV2; read in Kafka 4.0's
// TransactionCoordinator.endTransaction, apache/kafka trunk of 2024-10 (4.0.0-SNAPSHOT) and the
// 4.0 line's TransactionMetadata.scala):
// - EndTxn bumps the epoch (TransactionMetadata.prepareAbortOrCommit with a TV2 client); the
//   markers go out with the bumped epoch (addTxnMarkersToSend reads txnMetadata.producerEpoch
//   after the PrepareCommit/PrepareAbort is committed), and EndTxnResponse (v5) carries the
//   producer id and the new epoch (responseCallback(NONE, producerId, producerEpoch)).
// - The epoch check of a TV2 EndTxn (isValidEpoch): Ongoing/Empty need the current epoch;
//   PrepareCommit/PrepareAbort and CompleteCommit/CompleteAbort accept only a retry from the
//   epoch before the bump (endTxnEpochBumped: metadata epoch = request epoch + 1), anything
//   else is PRODUCER_FENCED. A retry that finds the transaction complete answers NONE with the
//   current id and epoch.
// - Partitions are added by the produce itself: the partition leader's AddPartitionsToTxn
//   without verifyOnly (VerifyPartitionsInTxn with addPartition here) is
//   handleAddPartitionsToTransaction.
// - Timeout aborts and InitProducerId's fence use the server's transaction version
//   (txnManager.transactionVersionLevel()), so the fenced epoch is bumped again at PrepareAbort.
// Assumes: one transaction coordinator epoch = the partition's leader epoch (as Kafka's
// coordinatorEpoch); no transactional.id expiration; epochs never run out (no producer id
// rotation on overflow); every client runs the cluster's transaction version; a request's
// partitions are "topic/partition" strings; the TV2 abort of a transaction that added no
// partition (a later 4.0 addition, noPartitionAdded) is left out: it is answered as the 2024-10
// code does (INVALID_TXN_STATE from Empty, PRODUCER_FENCED from a completed state).

import { codeProbe, codeProbeWith } from './code-probes.ts';
import type { ErrorCode } from './client-protocol.ts';
import type { ProtocolVariant } from './config.ts';
import { NO_PRODUCER_EPOCH, TxnMetadata, metadataFromRecord, type TxnTransit } from './txn-metadata.ts';

export type TxnError =
  | 'NONE'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'COORDINATOR_NOT_AVAILABLE'
  | 'CONCURRENT_TRANSACTIONS'
  | 'PRODUCER_FENCED'
  | 'INVALID_PRODUCER_ID_MAPPING'
  | 'INVALID_TXN_STATE'
  | 'INVALID_TRANSACTION_TIMEOUT';

export type TxnRequestBody =
  | {
      type: 'InitProducerId';
      transactionalId: string;
      transactionTimeoutMs: number;
      /** KIP-360: the producer id and epoch the producer has, to bump after an error. */
      expected?: { producerId: number; producerEpoch: number };
    }
  | {
      type: 'AddPartitionsToTxn';
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      partitions: string[];
    }
  | {
      /** KafkaApis.handleAddOffsetsToTxnRequest: the group's `__consumer_offsets` partition joins the transaction. */
      type: 'AddOffsetsToTxn';
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      groupId: string;
    }
  | {
      type: 'EndTxn';
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      committed: boolean;
      /** EndTxn v5, from a transaction.version 2 client (TransactionVersion.transactionVersionForEndTxn). */
      txnV2?: true;
    }
  | {
      /** KIP-890: AddPartitionsToTxn v4 with verifyOnly, from a partition leader (AddPartitionsToTxnManager). */
      type: 'VerifyPartitionsInTxn';
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      /** One "topic/partition": the model verifies one partition per request. */
      partition: string;
      /** KIP-890 part 2 (transaction.version 2): verifyOnly false, the partition is added. */
      addPartition?: true;
    };

export type TxnResponseBody =
  | { type: 'InitProducerId'; error: TxnError; producerId: number; producerEpoch: number }
  | { type: 'AddPartitionsToTxn'; error: TxnError }
  | { type: 'AddOffsetsToTxn'; error: TxnError }
  /** EndTxnResponse v5 (KIP-890 part 2): the producer id and epoch to go on with; -1 before v5. */
  | { type: 'EndTxn'; error: TxnError; producerId: number; producerEpoch: number }
  /** The partition's error: NONE when it is in the ongoing transaction. */
  | { type: 'VerifyPartitionsInTxn'; error: TxnError };

/** Coordinator-bound messages (the wire form of the bodies above) and WriteTxnMarkers between brokers. */
export type TxnMessage =
  | { type: 'TxnRequest'; correlationId: number; body: TxnRequestBody }
  | { type: 'TxnResponse'; correlationId: number; body: TxnResponseBody }
  | {
      type: 'WriteTxnMarkersRequest';
      correlationId: number;
      producerId: number;
      producerEpoch: number;
      coordinatorEpoch: number;
      result: 'COMMIT' | 'ABORT';
      topic: string;
      partition: number;
    }
  | { type: 'WriteTxnMarkersResponse'; correlationId: number; topic: string; partition: number; error: ErrorCode };

/** One marker to write (TxnMarkerEntry for one partition), tagged with its sending. */
export interface MarkerSend {
  readonly transactionalId: string;
  readonly sendingId: number;
  readonly producerId: number;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly result: 'COMMIT' | 'ABORT';
  readonly tp: string;
}

/** What a shard needs from its host. */
export interface TxnShardHost {
  nowMs(): number;
  /** Appends to the local leader of the shard's partition (the min ISR checked); the offset or an error. */
  append(
    t: TxnTransit,
  ): { error: 'NONE'; offset: number } | { error: 'NOT_ENOUGH_REPLICAS' | 'NOT_LEADER_OR_FOLLOWER' };
  /** ProducerIdManager.generateProducerId. */
  allocateProducerId(): number;
  /** Sends one marker to the partition's leader; the answer comes back as `onMarkerResult`. */
  sendMarker(m: MarkerSend): void;
  /** The group's `__consumer_offsets` partition, "topic/partition" (GroupCoordinator.partitionFor). */
  offsetsPartitionOf(groupId: string): string;
}

type Callback = (error: TxnError) => void;
/** EndTxnCallback: the error, and the producer id and epoch the response carries (-1 with an error). */
type EndTxnCallback = (error: TxnError, producerId: number, producerEpoch: number) => void;

interface PendingWrite {
  readonly endOffset: number;
  readonly deadlineMs: number;
  readonly transit: TxnTransit;
  readonly retryOnError: boolean;
  readonly callback: Callback;
}

/** TransactionMarkerChannelManager's PendingCompleteTxn. */
interface PendingComplete {
  readonly id: number;
  readonly complete: TxnTransit;
}

const RETRIABLE_MARKER_ERRORS: ReadonlySet<string> = new Set<ErrorCode | 'DISCONNECTED'>([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'DISCONNECTED',
]);

export interface TxnCoordinatorConfig {
  /** transaction.max.timeout.ms. */
  readonly maxTimeoutMs: number;
  readonly variant: 'correct' | ProtocolVariant;
  /** KIP-890 part 2: the cluster's transaction.version is 2 (versions.ts transactionV2Enabled). */
  readonly transactionV2?: boolean;
}

export class TxnCoordinatorShard {
  readonly txns = new Map<string, TxnMetadata>();
  private loaded = false;
  private writes: PendingWrite[] = [];
  /** transactionsWithPendingMarkers. */
  private readonly pendingMarkers = new Map<string, PendingComplete>();
  /** txnLogAppendRetryQueue. */
  private retryAppends: PendingComplete[] = [];
  private nextSendingId = 1;
  /** The partitions of each transaction in PrepareCommit/PrepareAbort (for `completed`). */
  private readonly prepared = new Map<string, readonly string[]>();
  /** Transactions this coordinator completed (CompleteCommit/CompleteAbort committed): white-box invariants. */
  readonly completed: Array<{
    transactionalId: string;
    producerId: number;
    result: 'COMMIT' | 'ABORT';
    partitions: readonly string[];
  }> = [];
  private busy = 0;
  private recheckHw = -1;
  /** Transactional ids whose marker sending a partition leader cancelled with INVALID_PRODUCER_EPOCH. */
  private readonly fencedMarkers = new Set<string>();
  /**
   * Per transactional id, the partitions its loaded state lists only through records at or above
   * the HW at the load (white-box: the finding's probe), until this coordinator commits a record of it.
   */
  private readonly unreplicatedPartitions = new Map<string, ReadonlySet<string>>();

  constructor(
    readonly partition: number,
    /** The partition's leader epoch: Kafka's coordinatorEpoch. */
    readonly coordinatorEpoch: number,
    private readonly host: TxnShardHost,
    private readonly config: TxnCoordinatorConfig,
  ) {}

  isLoaded(): boolean {
    return this.loaded;
  }

  /** Transactions whose markers are being sent (white-box, views). */
  pendingMarkerCount(): number {
    return this.pendingMarkers.size;
  }

  /** Are `transactionalId`'s markers being sent (its completion pending on them: TransactionMarkerChannelManager)? */
  sendingMarkers(transactionalId: string): boolean {
    return this.pendingMarkers.has(transactionalId);
  }

  /**
   * Transactional ids wedged for good: in PrepareCommit/PrepareAbort with the completion pending,
   * their markers cancelled with INVALID_PRODUCER_EPOCH (a partition had seen a newer epoch of
   * the producer: ProducerAppendInfo.checkProducerEpoch). Nothing sends them again while this
   * coordinator serves; InitProducerId, AddPartitionsToTxn and EndTxn answer
   * CONCURRENT_TRANSACTIONS or PRODUCER_FENCED, and abortTimedOutTransactions skips them.
   */
  wedged(): string[] {
    const out: string[] = [];
    for (const md of this.txns.values()) {
      const id = md.transactionalId;
      const prepared = md.state === 'PrepareCommit' || md.state === 'PrepareAbort';
      if (prepared && md.pendingTransitionInProgress() && this.fencedMarkers.has(id) && !this.pendingMarkers.has(id))
        out.push(id);
    }
    return out;
  }

  /**
   * loadTransactionsForTxnTopicPartition: replay to the log end, then complete the prepared ones.
   * `committedCount`: how many of `records` lie below the HW (all when absent).
   */
  load(records: readonly TxnTransit[], hw: number, committedCount = records.length): void {
    this.run(() => {
      for (const t of records) this.txns.set(t.transactionalId, metadataFromRecord(t));
      this.noteUnreplicatedPartitions(records, committedCount);
      this.loaded = true;
      for (const md of this.txns.values()) {
        if (md.state !== 'PrepareCommit' && md.state !== 'PrepareAbort') continue;
        this.prepared.set(md.transactionalId, [...md.partitions]);
        codeProbe('txn-coordinator-loaded-prepared');
        const complete = md.prepareComplete(this.host.nowMs());
        this.addTxnMarkersToSend(md.state === 'PrepareCommit' ? 'COMMIT' : 'ABORT', md, complete);
      }
      this.advanceCommitted(hw);
    });
  }

  /** The partitions each loaded transaction lists that no record below the HW listed for it (same producer id). */
  private noteUnreplicatedPartitions(records: readonly TxnTransit[], committedCount: number): void {
    const committed = new Map<string, TxnTransit>();
    for (const t of records.slice(0, committedCount)) committed.set(t.transactionalId, t);
    for (const md of this.txns.values()) {
      const c = committed.get(md.transactionalId);
      const kept = c !== undefined && c.producerId === md.producerId ? c.partitions : [];
      const above = [...md.partitions].filter((p) => !kept.includes(p));
      if (above.length > 0) this.unreplicatedPartitions.set(md.transactionalId, new Set(above));
    }
  }

  /** Marks an answer that a partition is in the transaction which only unreplicated records said. */
  private noteAnsweredFromUnreplicated(md: TxnMetadata, partitions: readonly string[]): void {
    const above = this.unreplicatedPartitions.get(md.transactionalId);
    const hit = partitions.filter((p) => above?.has(p) === true);
    if (hit.length === 0) return;
    codeProbeWith('txn-coordinator-answered-unreplicated-partition', {
      txnStatePartition: this.partition,
      coordinatorEpoch: this.coordinatorEpoch,
      transactionalId: md.transactionalId,
      producerId: md.producerId,
      producerEpoch: md.producerEpoch,
      partitions: hit,
      atMs: this.host.nowMs(),
    });
  }

  /** Resigned: pending writes fail NOT_COORDINATOR; markers are dropped (removeMarkersForTxnTopicPartition). */
  unload(): void {
    const writes = this.writes;
    if (writes.some((w) => w.transit.state === 'PrepareCommit')) codeProbe('txn-coordinator-resigned-prepare-pending');
    this.writes = [];
    this.pendingMarkers.clear();
    this.retryAppends = [];
    for (const w of writes) w.callback('NOT_COORDINATOR');
  }

  handle(req: TxnRequestBody, reply: (r: TxnResponseBody) => void): void {
    this.run(() => {
      if (!this.loaded) return reply(errorResponse(req.type, 'COORDINATOR_LOAD_IN_PROGRESS'));
      switch (req.type) {
        case 'InitProducerId':
          return this.handleInitProducerId(req, reply);
        case 'AddPartitionsToTxn':
          return this.handleAddPartitions(req, (error) => reply({ type: req.type, error }));
        case 'AddOffsetsToTxn': {
          // KafkaApis.handleAddOffsetsToTxnRequest: handleAddPartitionsToTransaction with the
          // group's __consumer_offsets partition; its marker then goes out as any partition's.
          codeProbe('txn-coordinator-add-offsets');
          const partitions = [this.host.offsetsPartitionOf(req.groupId)];
          const add = { ...req, type: 'AddPartitionsToTxn', partitions } as const;
          return this.handleAddPartitions(add, (error) => reply({ type: req.type, error }));
        }
        case 'EndTxn': {
          // The client's transaction version is its EndTxn's (v5: TV2); the response before v5
          // has no producer id and epoch (-1).
          const v2 = req.txnV2 === true;
          const { transactionalId: id, producerId, producerEpoch, committed } = req;
          return this.endTransaction(id, producerId, producerEpoch, committed, { isFromClient: true, v2 }, (e, i, ep) =>
            reply({ type: 'EndTxn', error: e, producerId: v2 ? i : -1, producerEpoch: v2 ? ep : -1 }),
          );
        }
        case 'VerifyPartitionsInTxn':
          if (req.addPartition === true) {
            // KIP-890 part 2: the leader's AddPartitionsToTxn without verifyOnly adds the partition.
            codeProbe('txn-v2-partition-added-by-produce');
            const { transactionalId, producerId, producerEpoch } = req;
            const add = { type: 'AddPartitionsToTxn' as const, transactionalId, producerId, producerEpoch };
            return this.handleAddPartitions({ ...add, partitions: [req.partition] }, (error) => {
              if (error === 'PRODUCER_FENCED') codeProbe('txn-v2-late-produce-fenced');
              reply({ type: req.type, error });
            });
          }
          return reply({ type: req.type, error: this.verifyPartitionInTransaction(req) });
        default:
          return unknownRequest(req);
      }
    });
  }

  /** The partition's HW moved (enoughReplicas: the ISR still meets min.insync.replicas). */
  onHighWatermark(hw: number, enoughReplicas = true): void {
    this.run(() => this.advanceCommitted(hw, enoughReplicas));
  }

  /** Expires appends past their timeout (DelayedProduce: REQUEST_TIMED_OUT). */
  expireWrites(nowMs: number): void {
    this.run(() => {
      const expired = this.writes.filter((w) => w.deadlineMs <= nowMs);
      if (expired.length === 0) return;
      this.writes = this.writes.filter((w) => w.deadlineMs > nowMs);
      codeProbe('txn-coordinator-append-timed-out');
      for (const w of expired) this.appendFailed(w.transit, 'COORDINATOR_NOT_AVAILABLE', w.retryOnError, w.callback);
    });
  }

  /** The earliest append deadline. */
  nextWriteDeadlineMs(): number {
    let at = Number.POSITIVE_INFINITY;
    for (const w of this.writes) at = Math.min(at, w.deadlineMs);
    return at;
  }

  /** TransactionCoordinator.abortTimedOutTransactions (with TransactionStateManager.timedOutTransactions). */
  abortTimedOutTransactions(nowMs: number): void {
    this.run(() => {
      if (!this.loaded) return;
      for (const md of [...this.txns.values()]) {
        if (md.pendingTransitionInProgress() || md.state !== 'Ongoing') continue;
        if (!(md.txnStartMs + md.txnTimeoutMs < nowMs)) continue;
        codeProbe('txn-coordinator-timeout-abort');
        const fence = md.prepareFenceProducerEpoch();
        const server = { isFromClient: false, v2: this.config.transactionV2 === true };
        this.endTransaction(md.transactionalId, fence.producerId, fence.producerEpoch, false, server, () => {});
      }
    });
  }

  /** TransactionMarkerChannelManager.retryLogAppends: completions that found the log unavailable. */
  retryLogAppends(): void {
    this.run(() => {
      const queue = this.retryAppends;
      this.retryAppends = [];
      for (const p of queue) this.tryAppendToLog(p.complete);
    });
  }

  hasRetryAppends(): boolean {
    return this.retryAppends.length > 0;
  }

  /**
   * TransactionMarkerRequestCompletionHandler.onComplete for one partition: 'retry' asks the
   * host to send the marker again (to the leader it looks up then).
   */
  onMarkerResult(m: MarkerSend, error: ErrorCode | 'DISCONNECTED'): 'retry' | 'done' {
    let out: 'retry' | 'done' = 'done';
    this.run(() => {
      const pending = this.pendingMarkers.get(m.transactionalId);
      const md = this.txns.get(m.transactionalId);
      if (pending === undefined || pending.id !== m.sendingId || md === undefined) return;
      if (error === 'NONE') {
        md.removePartition(m.tp);
        this.maybeWriteTxnCompletion(m.transactionalId);
      } else if (RETRIABLE_MARKER_ERRORS.has(error)) {
        codeProbe('txn-marker-retried');
        out = 'retry';
      } else if (error === 'INVALID_PRODUCER_EPOCH' || error === 'TRANSACTION_COORDINATOR_FENCED') {
        codeProbe('txn-marker-sending-cancelled');
        this.pendingMarkers.delete(m.transactionalId);
        if (error === 'INVALID_PRODUCER_EPOCH') this.fencedMarkers.add(m.transactionalId);
      } else {
        throw new Error(`unexpected marker error ${error} for ${m.transactionalId} on ${m.tp}`);
      }
    });
    return out;
  }

  /** Is this marker sending still wanted (not cancelled, not completed)? */
  markerWanted(m: MarkerSend): boolean {
    const p = this.pendingMarkers.get(m.transactionalId);
    return p !== undefined && p.id === m.sendingId;
  }

  // ---------------------------------------------------------------------------------------

  /** Runs an entry point; HW moves announced meanwhile (by our own appends) are applied after it. */
  private run(fn: () => void): void {
    this.busy++;
    try {
      fn();
    } finally {
      this.busy--;
    }
    if (this.busy === 0 && this.recheckHw >= 0) {
      const hw = this.recheckHw;
      this.recheckHw = -1;
      this.run(() => this.advanceCommitted(hw));
    }
  }

  private advanceCommitted(hw: number, enoughReplicas = true): void {
    if (this.busy > 1) {
      this.recheckHw = Math.max(this.recheckHw, hw);
      return;
    }
    while (this.writes.length > 0 && this.writes[0].endOffset < hw) {
      const w = this.writes.shift() as PendingWrite;
      // DelayedProduce completes with NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR shrank meanwhile.
      if (!enoughReplicas) {
        codeProbe('txn-coordinator-append-not-enough-replicas');
        this.appendFailed(w.transit, 'COORDINATOR_NOT_AVAILABLE', w.retryOnError, w.callback);
        continue;
      }
      this.writeCommitted(w.transit, w.callback);
    }
  }

  /** updateCacheCallback on success: the metadata takes the transition, then the caller's callback runs. */
  private writeCommitted(t: TxnTransit, callback: Callback): void {
    const md = this.txns.get(t.transactionalId);
    if (md === undefined) throw new Error(`no metadata for ${t.transactionalId}`);
    md.completeTransitionTo(t);
    this.unreplicatedPartitions.delete(t.transactionalId);
    this.noteCompletion(t);
    callback('NONE');
  }

  /** Remembers prepared partitions, and completed transactions with them (white-box invariants). */
  private noteCompletion(t: TxnTransit): void {
    if (t.state === 'PrepareCommit' || t.state === 'PrepareAbort') this.prepared.set(t.transactionalId, t.partitions);
    if (t.state !== 'CompleteCommit' && t.state !== 'CompleteAbort') return;
    const partitions = this.prepared.get(t.transactionalId) ?? [];
    this.prepared.delete(t.transactionalId);
    const result = t.state === 'CompleteCommit' ? 'COMMIT' : 'ABORT';
    this.completed.push({ transactionalId: t.transactionalId, producerId: t.producerId, result, partitions });
  }

  /**
   * TransactionStateManager.appendTransactionToLog: ReplicaManager.appendRecords with
   * requiredAcks = TransactionLog.EnforcedRequiredAcks (-1), so the callback waits for the HW.
   */
  private appendTransactionToLog(t: TxnTransit, callback: Callback, retryOnError = false): void {
    const r = this.host.append(t);
    if (r.error !== 'NONE') {
      const mapped: TxnError = r.error === 'NOT_ENOUGH_REPLICAS' ? 'COORDINATOR_NOT_AVAILABLE' : 'NOT_COORDINATOR';
      codeProbe('txn-coordinator-append-refused');
      this.appendFailed(t, mapped, retryOnError, callback);
      return;
    }
    if (t.state === 'PrepareCommit') codeProbe('txn-coordinator-prepare-commit-written');
    // Variant markers-before-prepare-committed: the PrepareCommit counts as written at the local append.
    if (this.config.variant === 'markers-before-prepare-committed' && t.state === 'PrepareCommit')
      return this.writeCommitted(t, callback);
    const w: PendingWrite = {
      endOffset: r.offset,
      deadlineMs: this.host.nowMs() + t.txnTimeoutMs,
      transit: t,
      retryOnError,
      callback,
    };
    let i = this.writes.length;
    while (i > 0 && this.writes[i - 1].endOffset > w.endOffset) i--;
    this.writes.splice(i, 0, w);
  }

  /** updateCacheCallback's error path: the pending state is reset unless the caller retries. */
  private appendFailed(t: TxnTransit, error: TxnError, retryOnError: boolean, callback: Callback): void {
    const md = this.txns.get(t.transactionalId);
    if (md !== undefined && !(retryOnError && error === 'COORDINATOR_NOT_AVAILABLE')) md.pendingState = null;
    callback(error);
  }

  private handleInitProducerId(
    req: Extract<TxnRequestBody, { type: 'InitProducerId' }>,
    reply: (r: TxnResponseBody) => void,
  ): void {
    const fail = (error: TxnError): void => reply(errorResponse('InitProducerId', error));
    // TransactionStateManager.validateTransactionTimeoutMs
    if (req.transactionTimeoutMs <= 0 || req.transactionTimeoutMs > this.config.maxTimeoutMs)
      return fail('INVALID_TRANSACTION_TIMEOUT');
    let md = this.txns.get(req.transactionalId);
    if (md === undefined) {
      md = new TxnMetadata(req.transactionalId, {
        producerId: this.host.allocateProducerId(),
        lastProducerId: -1,
        producerEpoch: NO_PRODUCER_EPOCH,
        lastProducerEpoch: NO_PRODUCER_EPOCH,
        txnTimeoutMs: req.transactionTimeoutMs,
        state: 'Empty',
        partitions: [],
        txnStartMs: -1,
        lastUpdateMs: this.host.nowMs(),
      });
      this.txns.set(req.transactionalId, md);
    }
    const transit = this.prepareInitProducerIdTransit(md, req);
    if (typeof transit === 'string') return fail(transit);
    if (transit.state === 'PrepareEpochFence') {
      codeProbe('txn-coordinator-init-fences-ongoing');
      // "Since this is not from client, use server TV" (txnManager.transactionVersionLevel()).
      const server = { isFromClient: false, v2: this.config.transactionV2 === true };
      this.endTransaction(req.transactionalId, transit.producerId, transit.producerEpoch, false, server, (e) =>
        fail(e === 'NONE' ? 'CONCURRENT_TRANSACTIONS' : e),
      );
      return;
    }
    this.appendTransactionToLog(transit, (e) =>
      e === 'NONE'
        ? reply({
            type: 'InitProducerId',
            error: 'NONE',
            producerId: transit.producerId,
            producerEpoch: transit.producerEpoch,
          })
        : fail(e),
    );
  }

  /** TransactionCoordinator.prepareInitProducerIdTransit (no producer id rotation: epochs never run out). */
  private prepareInitProducerIdTransit(
    md: TxnMetadata,
    req: Extract<TxnRequestBody, { type: 'InitProducerId' }>,
  ): TxnTransit | TxnError {
    if (md.pendingTransitionInProgress()) return 'CONCURRENT_TRANSACTIONS';
    const expected = req.expected;
    if (expected !== undefined && !(md.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === md.producerId)) {
      codeProbe('txn-coordinator-producer-fenced');
      return 'PRODUCER_FENCED';
    }
    switch (md.state) {
      case 'PrepareAbort':
      case 'PrepareCommit':
        return 'CONCURRENT_TRANSACTIONS';
      case 'CompleteAbort':
      case 'CompleteCommit':
      case 'Empty': {
        const t = md.prepareIncrementProducerEpoch(
          req.transactionTimeoutMs,
          expected?.producerEpoch,
          this.host.nowMs(),
        );
        return typeof t === 'string' ? t : this.withVersion(t);
      }
      case 'Ongoing':
        return md.prepareFenceProducerEpoch();
      case 'PrepareEpochFence':
        throw new Error(`${md.transactionalId}: state PrepareEpochFence is never reached`);
      default:
        return unknownRequest(md.state);
    }
  }

  /** TransactionCoordinator.handleAddPartitionsToTransaction. */
  private handleAddPartitions(req: Extract<TxnRequestBody, { type: 'AddPartitionsToTxn' }>, cb: Callback): void {
    const md = this.txns.get(req.transactionalId);
    if (md === undefined || md.producerId !== req.producerId) return cb('INVALID_PRODUCER_ID_MAPPING');
    if (md.producerEpoch !== req.producerEpoch) {
      codeProbe('txn-coordinator-producer-fenced');
      return cb('PRODUCER_FENCED');
    }
    if (md.pendingTransitionInProgress()) return cb('CONCURRENT_TRANSACTIONS');
    if (md.state === 'PrepareCommit' || md.state === 'PrepareAbort') return cb('CONCURRENT_TRANSACTIONS');
    if (md.state === 'Ongoing' && req.partitions.every((p) => md.partitions.has(p))) {
      this.noteAnsweredFromUnreplicated(md, req.partitions);
      return cb('NONE');
    }
    this.appendTransactionToLog(this.withVersion(md.prepareAddPartitions(req.partitions, this.host.nowMs())), cb);
  }

  /**
   * TransactionCoordinator.handleVerifyPartitionsInTransaction (KIP-890 part 1, 3.6.0): no
   * metadata or another producer id → INVALID_PRODUCER_ID_MAPPING, another epoch →
   * PRODUCER_FENCED, PrepareCommit/PrepareAbort → CONCURRENT_TRANSACTIONS (the pending state is
   * not checked), else NONE if the partition is in the transaction's partitions, and otherwise
   * INVALID_TXN_STATE (3.6, 3.7; 3.9 answers TRANSACTION_ABORTABLE, which
   * AddPartitionsToTxnManager turns back into INVALID_TXN_STATE for clients of the model's
   * produce version: transactionSupportedOperation is not genericError).
   */
  private verifyPartitionInTransaction(req: Extract<TxnRequestBody, { type: 'VerifyPartitionsInTxn' }>): TxnError {
    const md = this.txns.get(req.transactionalId);
    if (md === undefined || md.producerId !== req.producerId) return 'INVALID_PRODUCER_ID_MAPPING';
    if (md.producerEpoch !== req.producerEpoch) return 'PRODUCER_FENCED';
    if (md.state === 'PrepareCommit' || md.state === 'PrepareAbort') return 'CONCURRENT_TRANSACTIONS';
    if (md.partitions.has(req.partition)) {
      this.noteAnsweredFromUnreplicated(md, [req.partition]);
      return 'NONE';
    }
    codeProbe('txn-verification-partition-not-in-txn');
    return 'INVALID_TXN_STATE';
  }

  /** The transition as the cluster's transaction version writes it (clientTransactionVersion). */
  private withVersion(t: TxnTransit): TxnTransit {
    return this.config.transactionV2 === true ? { ...t, txnV2: true } : t;
  }

  /**
   * TransactionCoordinator.endTransaction's epoch check (isValidEpoch): TV1 wants the current
   * epoch from a client and no older one from the coordinator itself; TV2 (the metadata's
   * client transaction version, no fence pending) accepts in a prepared or completed state only
   * the retry from the epoch before the bump.
   */
  private validEndTxnEpoch(md: TxnMetadata, producerEpoch: number, isFromClient: boolean): boolean {
    if (!(md.pendingState !== 'PrepareEpochFence' && md.clientTxnV2))
      return (!isFromClient || producerEpoch === md.producerEpoch) && producerEpoch >= md.producerEpoch;
    switch (md.state) {
      case 'Ongoing':
      case 'Empty':
      case 'PrepareEpochFence':
        return producerEpoch === md.producerEpoch;
      case 'PrepareCommit':
      case 'PrepareAbort':
      case 'CompleteCommit':
      case 'CompleteAbort':
        return this.endTxnEpochBumped(md, producerEpoch);
      default:
        return unknownRequest(md.state);
    }
  }

  /** TransactionCoordinator.endTxnEpochBumped: a TV2 EndTxn retried after its epoch bump. */
  private endTxnEpochBumped(md: TxnMetadata, producerEpoch: number): boolean {
    return md.pendingState !== 'PrepareEpochFence' && md.clientTxnV2 && md.producerEpoch === producerEpoch + 1;
  }

  /** TransactionCoordinator.endTransaction, up to the PrepareCommit/PrepareAbort append. */
  private endTransaction(
    id: string,
    producerId: number,
    producerEpoch: number,
    committed: boolean,
    from: { isFromClient: boolean; v2: boolean },
    done: EndTxnCallback,
  ): void {
    const isFromClient = from.isFromClient;
    const cb: Callback = (e) => done(e, -1, -1);
    const md = this.txns.get(id);
    if (md === undefined || md.producerId !== producerId) return cb('INVALID_PRODUCER_ID_MAPPING');
    if (!this.validEndTxnEpoch(md, producerEpoch, isFromClient)) {
      codeProbe('txn-coordinator-producer-fenced');
      return cb('PRODUCER_FENCED');
    }
    if (md.pendingTransitionInProgress() && md.pendingState !== 'PrepareEpochFence')
      return cb('CONCURRENT_TRANSACTIONS');
    const wanted = committed ? 'CompleteCommit' : 'CompleteAbort';
    switch (md.state) {
      case 'Ongoing':
        break;
      case 'CompleteCommit':
      case 'CompleteAbort':
        if (md.state === wanted && md.clientTxnV2) codeProbe('txn-v2-end-txn-retry-after-bump');
        // Left(NONE): answered with the metadata's producer id and epoch (producerIdCopy, producerEpochCopy).
        return md.state === wanted ? done('NONE', md.producerId, md.producerEpoch) : cb('INVALID_TXN_STATE');
      case 'PrepareCommit':
      case 'PrepareAbort':
        return cb(
          md.state === (committed ? 'PrepareCommit' : 'PrepareAbort') ? 'CONCURRENT_TRANSACTIONS' : 'INVALID_TXN_STATE',
        );
      case 'Empty':
        return cb('INVALID_TXN_STATE');
      case 'PrepareEpochFence':
        throw new Error(`${id}: state PrepareEpochFence is never reached`);
      default:
        return unknownRequest(md.state);
    }
    let isEpochFence = false;
    if (!committed && md.pendingState === 'PrepareEpochFence') {
      // The fence's epoch goes into the metadata now, before the PrepareAbort is written.
      isEpochFence = true;
      md.pendingState = null;
      md.producerEpoch = producerEpoch;
      md.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    // The client's transaction version (the server's for the coordinator's own aborts).
    const txnV2 = from.v2;
    if (txnV2) codeProbe('txn-v2-end-txn-epoch-bump');
    const transit = md.prepareAbortOrCommit(committed ? 'PrepareCommit' : 'PrepareAbort', this.host.nowMs(), txnV2);
    this.appendTransactionToLog(transit, (error) => {
      if (error !== 'NONE') {
        if (isEpochFence && this.txns.get(id) === md) md.hasFailedEpochFence = true;
        return cb(error);
      }
      this.afterPrepareCommitted(md, producerId, producerEpoch, committed, done);
    });
  }

  /** endTransaction's sendTxnMarkersCallback: answer (with the id and epoch to go on with), then send the markers. */
  private afterPrepareCommitted(
    md: TxnMetadata,
    producerId: number,
    producerEpoch: number,
    committed: boolean,
    done: EndTxnCallback,
  ): void {
    const cb: Callback = (e) => done(e, -1, -1);
    if (md.producerId !== producerId) return cb('INVALID_PRODUCER_ID_MAPPING');
    if (md.producerEpoch !== producerEpoch && !this.endTxnEpochBumped(md, producerEpoch)) return cb('PRODUCER_FENCED');
    if (md.pendingTransitionInProgress()) return cb('CONCURRENT_TRANSACTIONS');
    const prepared = committed ? 'PrepareCommit' : 'PrepareAbort';
    if (md.state !== prepared) return cb('INVALID_TXN_STATE');
    const complete = md.prepareComplete(this.host.nowMs());
    done('NONE', md.producerId, md.producerEpoch);
    this.addTxnMarkersToSend(committed ? 'COMMIT' : 'ABORT', md, complete);
  }

  /** TransactionMarkerChannelManager.addTxnMarkersToSend. */
  private addTxnMarkersToSend(result: 'COMMIT' | 'ABORT', md: TxnMetadata, complete: TxnTransit): void {
    const pending: PendingComplete = { id: this.nextSendingId++, complete };
    this.pendingMarkers.set(md.transactionalId, pending);
    this.fencedMarkers.delete(md.transactionalId);
    for (const tp of [...md.partitions].sort()) {
      this.host.sendMarker({
        transactionalId: md.transactionalId,
        sendingId: pending.id,
        producerId: md.producerId,
        producerEpoch: md.producerEpoch,
        coordinatorEpoch: this.coordinatorEpoch,
        result,
        tp,
      });
    }
    this.maybeWriteTxnCompletion(md.transactionalId);
  }

  /** TransactionMarkerChannelManager.maybeWriteTxnCompletion / writeTxnCompletion. */
  private maybeWriteTxnCompletion(id: string): void {
    const pending = this.pendingMarkers.get(id);
    const md = this.txns.get(id);
    if (pending === undefined || md === undefined || md.partitions.size > 0) return;
    this.pendingMarkers.delete(id);
    this.tryAppendToLog(pending.complete);
  }

  /** TransactionMarkerChannelManager.tryAppendToLog. */
  private tryAppendToLog(complete: TxnTransit): void {
    this.appendTransactionToLog(
      complete,
      (error) => {
        if (error !== 'COORDINATOR_NOT_AVAILABLE') return;
        codeProbe('txn-coordinator-complete-retried');
        this.retryAppends.push({ id: 0, complete });
      },
      true,
    );
  }
}

function errorResponse(type: TxnRequestBody['type'], error: TxnError): TxnResponseBody {
  switch (type) {
    case 'InitProducerId':
      return { type, error, producerId: -1, producerEpoch: -1 };
    case 'EndTxn':
      return { type, error, producerId: -1, producerEpoch: -1 };
    case 'AddPartitionsToTxn':
    case 'AddOffsetsToTxn':
    case 'VerifyPartitionsInTxn':
      return { type, error };
    default:
      return unknownRequest(type);
  }
}

/** A shard that lost its leadership, or a broker that has none: NOT_COORDINATOR. */
export function notCoordinator(type: TxnRequestBody['type']): TxnResponseBody {
  return errorResponse(type, 'NOT_COORDINATOR');
}

function unknownRequest(x: never): never {
  throw new Error(`unknown transaction request ${JSON.stringify(x)}`);
}
