// The transactional producer (issue 17 item 2): an application that runs transactions
// through Kafka's TransactionManager protocol — initTransactions (FindCoordinator with key
// type TRANSACTION, InitProducerId with its transactional.id), then per transaction
// beginTransaction, AddPartitionsToTxn for the partitions it will write, transactional
// produces (idempotent sequences per partition, reset with each new epoch), and EndTxn to
// commit or abort. Each transaction is one history operation `txn` in Jepsen's vocabulary:
// invoke `[[send k v] ...]`, ok `[[send k [offset v]] ...]` (key k = partition k of the one
// topic), `fail` when it is known aborted, `info` when its outcome is unknown (with the offsets
// of the sends the leaders acknowledged, `[send k [offset v]]`, as invoked otherwise); each event also
// carries the producer id and epoch the transaction's sends use.
//
// Rules, from Kafka's clients (TransactionManager, Sender) 3.9; with transaction.version 2
// (KIP-890 part 2, TransactionManager 4.0 with isTransactionV2Enabled): no AddPartitionsToTxn
// (maybeAddPartition adds the partition at once; the leader adds it at the coordinator), EndTxn's
// response carries the bumped epoch, which the next transaction uses from sequence 0, and an
// abortable error needs no InitProducerId bump (the EndTxn bumped). The model's TV2 client still
// sends AddOffsetsToTxn before TxnOffsetCommit (4.0 sends TxnOffsetCommit alone and the group
// coordinator adds the partition, which the model leaves out).
// - One request at a time (TransactionManager's pendingRequests are sent one by one; the
//   model also waits for each produce before the next, a simplification of the pipeline).
// - Retriable coordinator errors (COORDINATOR_LOAD_IN_PROGRESS, CONCURRENT_TRANSACTIONS)
//   retry after retry.backoff.ms; NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE, no answer
//   within request.timeout.ms, or a reset or refused connection to the node the request went
//   to (its process died or is down: wasDisconnected) look the coordinator up again
//   (lookupCoordinator).
// - PRODUCER_FENCED / INVALID_PRODUCER_EPOCH are fatal (ProducerFencedException): the
//   application closes this producer and opens a new one with the same transactional.id.
// - OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_TXN_STATE on a produce are
//   abortable: the application aborts, and the next transaction first bumps the epoch with
//   InitProducerId carrying the current id and epoch (KIP-360, bumpIdempotentProducerEpoch).
// - delivery.timeout.ms (Sender.getExpiredInflightBatches, TransactionManager
//   .maybeTransitionToErrorState): a send not acknowledged within it, counted from its first
//   attempt (Kafka counts from the append to the accumulator), fails even with its request on
//   the wire: abortable, the application aborts and the epoch is bumped. The request may still
//   arrive: KIP-890's late produce.
// - The outcome recorded: ok once EndTxn(commit) answered NONE; fail when the application
//   aborted (EndTxn(abort) sent) or the producer was fenced before any EndTxn(commit) was
//   sent; info when fenced after an EndTxn(commit) was sent (it may have been written).
// Consume-transform-produce (KIP-98, KIP-447; Jepsen's transactional workload polls and sends in
// one transaction): a drawn share of transactions (`consumeRatio`) first fetches the group's
// committed offset of the source partition (OffsetFetch with requireStable, as the consumer's
// ConsumerCoordinator always asks: UNSTABLE_OFFSET_COMMIT retries), polls it at
// read_committed from there, sends, then sendOffsetsToTransaction: AddOffsetsToTxn to the
// transaction coordinator (AddOffsetsToTxnHandler), then TxnOffsetCommit to the group
// coordinator (TxnOffsetCommitHandler: COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR,
// REQUEST_TIMED_OUT look it up again; other retriable errors retry; UNKNOWN_MEMBER_ID,
// ILLEGAL_GENERATION are abortable; INVALID_PRODUCER_EPOCH, PRODUCER_FENCED fatal), committing
// the position after the records polled. The transaction's micro-ops add, in gregor's
// extension of Jepsen's vocabulary, `[fetch-offsets group {k offset-or-null}]` (what the
// transaction started from) and `[send-offsets group {k offset}]` (what it committed), with
// `[poll {k [[offset v] ...]}]`. Without records polled no offsets are sent.
// Assumes: metadata is refreshed whole from any bootstrap broker; the transaction's partitions
// are added all at once before its first send (the TransactionManager batches them too); the
// consumer is a standalone one (assign, no group membership: generation -1 in TxnOffsetCommit,
// a simple group), one group per transactional id, so instances sharing the id (and fencing
// each other) share the group; one poll per transaction.

import type { Actor, Message } from '../harness/types.ts';
import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import type { HistoryRecorder } from './client-api.ts';
import type { ClientRequest, ClientResponse, ErrorCode } from './client-protocol.ts';
import type { KafkaConfig, TopicSpec } from './config.ts';
import type { TxnMessage, TxnRequestBody, TxnResponseBody } from './txn-coordinator.ts';
import type { GroupRequest, GroupResponse } from './group-coordinator.ts';
import { LaneAllocator } from './client-process.ts';
import { exponentialGapUs } from './client-base.ts';
import { consumerView } from './client-fetcher.ts';
import { assert } from './assert.ts';
import { codeProbe } from './code-probes.ts';

export interface TxnProducerParams {
  readonly clientId: number;
  readonly bootstrapBrokers: readonly number[];
  readonly config: KafkaConfig;
  readonly topic: TopicSpec;
  readonly transactionalId: string;
  /** Transactions to run, over all incarnations. */
  readonly transactions: number;
  /** Sends per transaction: 1..maxSends, drawn. */
  readonly maxSends: number;
  /** The share of transactions the application aborts. */
  readonly abortRatio: number;
  /** transaction.timeout.ms. */
  readonly transactionTimeoutMs: number;
  /** Mean gap between transactions. */
  readonly intervalMs: number;
  readonly valuePrefix: string;
  readonly recorder: HistoryRecorder;
  /** The share of transactions that consume-transform-produce (absent or 0: none; nothing drawn). */
  readonly consumeRatio?: number;
  /** The consumer group whose offsets those transactions commit. */
  readonly group?: string;
  /** The partition of the topic they consume. */
  readonly sourcePartition?: number;
  /** KIP-890 part 2: the cluster finalized transaction.version 2 (TransactionManager.isTransactionV2Enabled). */
  readonly transactionV2?: boolean;
}

interface Progress {
  issued: number;
  values: number;
}

type Phase =
  | 'metadata'
  | 'init'
  | 'idle'
  | 'offset-fetch'
  | 'poll'
  | 'add'
  | 'send'
  | 'add-offsets'
  | 'txn-offset-commit'
  | 'end'
  | 'done';

/** What a consume-transform-produce transaction read: the committed offset, the records, the new offset. */
interface Consumed {
  /** The group's committed offset it started from (null: none), once fetched. */
  fetched: number | null | undefined;
  records: Array<[number, string]> | undefined;
  /** The position after the records polled: the offset sendOffsetsToTransaction commits. */
  next: number;
  /** The TxnOffsetCommit was answered NONE. */
  offsetsSent: boolean;
}

interface Txn {
  readonly process: number;
  readonly sends: Array<{ partition: number; value: string; offset: number }>;
  readonly abort: boolean;
  next: number;
  /** Which transaction of this producer (the delivery-timeout timer names it). */
  readonly serial: number;
  /** The send whose delivery.timeout.ms clock runs (its first attempt went out), -1 before any. */
  clocked: number;
  /** An EndTxn(commit) was sent: a later fence leaves the outcome unknown. */
  commitSent: boolean;
  /** An abortable error: end with abort, then bump the epoch. */
  abortable: boolean;
  /** Consume-transform-produce: what it read (undefined: a send-only transaction). */
  readonly consumed?: Consumed;
}

type TimerTag =
  | { readonly type: 'txnp-timeout'; readonly correlationId: number }
  | { readonly type: 'txnp-retry' }
  | { readonly type: 'txnp-next' }
  | { readonly type: 'txnp-delivery-timeout'; readonly serial: number; readonly send: number };

type Response = ClientResponse | TxnMessage;

const RETRY_PRODUCE: ReadonlySet<string> = new Set<ErrorCode>([
  'NOT_LEADER_OR_FOLLOWER',
  'NOT_ENOUGH_REPLICAS',
  'NOT_ENOUGH_REPLICAS_AFTER_APPEND',
  'REQUEST_TIMED_OUT',
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'FENCED_LEADER_EPOCH',
  'UNKNOWN_LEADER_EPOCH',
  'BROKER_NOT_AVAILABLE',
]);

export function createTxnProducer(params: TxnProducerParams): ModelActorFactory {
  const progress: Progress = { issued: 0, values: 0 };
  const lanes = new LaneAllocator(params.clientId);
  return (ctx) => new TxnProducerActor(ctx, params, progress, lanes);
}

export class TxnProducerActor implements Actor<Message> {
  private phase: Phase = 'metadata';
  /** The phase a metadata refresh returns to within a transaction. */
  private resume: Phase = 'send';
  private leaders: number[] = [];
  private leaderEpochs: number[] = [];
  private coordinator = -1;
  /** The group coordinator (consume-transform-produce), -1 when unknown. */
  private groupCoordinator = -1;
  private producerId = -1;
  private epoch = -1;
  /** KIP-360: bump the epoch (InitProducerId with the current id and epoch) before the next transaction. */
  private bumpEpoch = false;
  private readonly sequences = new Map<number, number>();
  private txn: Txn | null = null;
  private inflight = -1;
  /** The node the outstanding request went to (its connection's reset fails it). */
  private inflightTo = -1;
  private correlation = 0;
  private bootstrap = 0;
  private readonly process: number;

  constructor(
    private readonly ctx: ModelContext,
    private readonly p: TxnProducerParams,
    private readonly progress: Progress,
    lanes: LaneAllocator,
  ) {
    lanes.beginIncarnation(ctx.incarnation);
    this.process = lanes.take();
    this.step();
  }

  /** Every transaction issued has completed (or is cut off by a crash). */
  done(): boolean {
    return this.progress.issued >= this.p.transactions && this.txn === null;
  }

  onMessage(_from: number, msg: Message): void {
    const r = msg as Response;
    if (!('correlationId' in r) || r.correlationId !== this.inflight) return;
    this.inflight = -1;
    switch (r.type) {
      case 'MetadataResponse':
        return this.onMetadata(r);
      case 'FindCoordinatorResponse':
        if (r.error !== 'NONE') return this.retry();
        if (this.groupPhase()) this.groupCoordinator = r.nodeId;
        else this.coordinator = r.nodeId;
        return this.step();
      case 'GroupResponse':
        return this.onGroupResponse(r.body);
      case 'FetchResponse':
        return this.onPoll(r);
      case 'TxnResponse':
        return this.onTxnResponse(r.body);
      case 'ProduceResponse':
        return this.onProduce(r.error, r.baseOffset);
      default:
        return;
    }
  }

  onTimer(raw: unknown): void {
    const tag = raw as TimerTag;
    switch (tag.type) {
      case 'txnp-timeout':
        if (tag.correlationId !== this.inflight) return;
        return this.onNoAnswer();
      case 'txnp-retry':
        return this.step();
      case 'txnp-next':
        return this.beginTransaction();
      case 'txnp-delivery-timeout':
        return this.onDeliveryTimeout(tag.serial, tag.send);
      default:
        return unknownTag(tag);
    }
  }

  /**
   * The connection to `peer` reset (its process died) or was refused (it is down): the request
   * outstanding to it fails at once, as a timeout would later. TransactionManager
   * .TxnRequestHandler.onComplete (3.9): wasDisconnected → lookupCoordinator when the request
   * needs one, then reenqueue; a produce or fetch answered by a disconnect is retried after a
   * metadata refresh (Sender.handleProduceResponse: NETWORK_EXCEPTION, retriable).
   */
  onDisconnect(peer: number): void {
    if (this.inflight < 0 || this.inflightTo !== peer) return;
    this.onNoAnswer();
  }

  /** No answer to the outstanding request: the coordinator may have moved, the leader too. */
  private onNoAnswer(): void {
    this.inflight = -1;
    if (this.phase === 'send' || this.phase === 'poll') this.refreshMetadata();
    else if (this.groupPhase()) this.groupCoordinator = -1;
    else if (this.phase !== 'metadata') this.coordinator = -1;
    this.retry();
  }

  // --- requests

  /** The phases that talk to the group coordinator. */
  private groupPhase(): boolean {
    return this.phase === 'offset-fetch' || this.phase === 'txn-offset-commit';
  }

  private needsTxnCoordinator(): boolean {
    const p = this.phase;
    return p === 'init' || p === 'add' || p === 'add-offsets' || p === 'end';
  }

  /** Leaders are looked up again; the transaction resumes in the phase it was in. */
  private refreshMetadata(): void {
    if (this.phase !== 'metadata') this.resume = this.phase;
    this.phase = 'metadata';
  }

  private step(): void {
    if (this.inflight >= 0) return;
    if (this.needsTxnCoordinator() && this.coordinator < 0) return this.findCoordinator();
    if (this.groupPhase() && this.groupCoordinator < 0) return this.findGroupCoordinator();
    switch (this.phase) {
      case 'metadata':
        return this.request(this.p.bootstrapBrokers[this.bootstrap++ % this.p.bootstrapBrokers.length], {
          type: 'MetadataRequest',
          correlationId: 0,
          topics: [this.p.topic.name],
        });
      case 'init':
        return this.coordinatorRequest(this.initRequest());
      case 'idle':
        return this.scheduleNext();
      case 'add':
        return this.coordinatorRequest(this.addRequest());
      case 'send':
        return this.sendNext();
      case 'offset-fetch':
        return this.groupRequest({ type: 'OffsetFetch', group: this.p.group ?? '', partitions: [this.source()] });
      case 'poll':
        return this.poll();
      case 'add-offsets':
        return this.coordinatorRequest(this.addOffsetsRequest());
      case 'txn-offset-commit':
        return this.groupRequest(this.txnOffsetCommitRequest());
      case 'end':
        return this.coordinatorRequest(this.endRequest());
      case 'done':
        return;
      default:
        return unknownTag(this.phase);
    }
  }

  private request(to: number, msg: ClientRequest | TxnMessage): void {
    const correlationId = ++this.correlation + this.ctx.incarnation * 1_000_000;
    this.inflight = correlationId;
    this.inflightTo = to;
    const out: ClientRequest | TxnMessage = { ...msg, correlationId };
    this.ctx.send(to, out);
    const timeoutUs = this.p.config['request.timeout.ms'] * 1000;
    this.ctx.setTimer(timeoutUs, { type: 'txnp-timeout', correlationId } satisfies TimerTag);
  }

  private findCoordinator(): void {
    const to = this.p.bootstrapBrokers[this.bootstrap++ % this.p.bootstrapBrokers.length];
    this.request(to, {
      type: 'FindCoordinatorRequest',
      correlationId: 0,
      group: this.p.transactionalId,
      keyType: 'TRANSACTION',
    });
  }

  private findGroupCoordinator(): void {
    const to = this.p.bootstrapBrokers[this.bootstrap++ % this.p.bootstrapBrokers.length];
    this.request(to, { type: 'FindCoordinatorRequest', correlationId: 0, group: this.p.group ?? '' });
  }

  private groupRequest(body: GroupRequest): void {
    this.request(this.groupCoordinator, { type: 'GroupRequest', correlationId: 0, body });
  }

  private source(): { topic: string; partition: number } {
    return { topic: this.p.topic.name, partition: this.p.sourcePartition ?? 0 };
  }

  /** A read_committed fetch of the source partition from the committed offset (none: the earliest, 0). */
  private poll(): void {
    const c = (this.txn as Txn).consumed as Consumed;
    const partition = this.source().partition;
    const leader = this.leaders[partition] ?? -1;
    if (leader < 0) {
      this.refreshMetadata();
      return this.retry();
    }
    this.request(leader, {
      type: 'FetchRequest',
      correlationId: 0,
      replicaId: -1,
      replicaEpoch: -1,
      topic: this.p.topic.name,
      partition,
      fetchOffset: c.fetched ?? 0,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: this.leaderEpochs[partition] ?? -1,
      maxWaitMs: this.p.config['fetch.max.wait.ms'],
      maxRecords: this.p.config['max.poll.records'],
      isolationLevel: 'read_committed',
    });
  }

  private addOffsetsRequest(): TxnRequestBody {
    const ids = { transactionalId: this.p.transactionalId, producerId: this.producerId, producerEpoch: this.epoch };
    return { type: 'AddOffsetsToTxn', ...ids, groupId: this.p.group ?? '' };
  }

  /** TxnOffsetCommit of the position after the records polled; a standalone consumer: no member, no generation. */
  private txnOffsetCommitRequest(): GroupRequest {
    const c = (this.txn as Txn).consumed as Consumed;
    const ids = { transactionalId: this.p.transactionalId, producerId: this.producerId, producerEpoch: this.epoch };
    const offsets = [{ ...this.source(), offset: c.next, leaderEpoch: -1 }];
    return { type: 'TxnOffsetCommit', group: this.p.group ?? '', ...ids, memberId: '', generation: -1, offsets };
  }

  private coordinatorRequest(body: TxnRequestBody): void {
    this.request(this.coordinator, { type: 'TxnRequest', correlationId: 0, body });
  }

  private retry(): void {
    this.ctx.setTimer(this.p.config['retry.backoff.ms'] * 1000, { type: 'txnp-retry' } satisfies TimerTag);
  }

  private initRequest(): TxnRequestBody {
    const base = { type: 'InitProducerId', transactionalId: this.p.transactionalId } as const;
    const expected = this.bumpEpoch ? { expected: { producerId: this.producerId, producerEpoch: this.epoch } } : {};
    return { ...base, transactionTimeoutMs: this.p.transactionTimeoutMs, ...expected };
  }

  private addRequest(): TxnRequestBody {
    const t = this.txn as Txn;
    const partitions = [...new Set(t.sends.map((s) => `${this.p.topic.name}/${s.partition}`))].sort();
    const ids = { transactionalId: this.p.transactionalId, producerId: this.producerId, producerEpoch: this.epoch };
    return { type: 'AddPartitionsToTxn', ...ids, partitions };
  }

  private endRequest(): TxnRequestBody {
    const t = this.txn as Txn;
    const committed = !t.abort && !t.abortable;
    if (committed) t.commitSent = true;
    const ids = { transactionalId: this.p.transactionalId, producerId: this.producerId, producerEpoch: this.epoch };
    return { type: 'EndTxn', ...ids, committed, ...(this.p.transactionV2 === true ? { txnV2: true } : {}) };
  }

  private sendNext(): void {
    const t = this.txn as Txn;
    const s = t.sends[t.next];
    if (t.clocked !== t.next) {
      t.clocked = t.next;
      const delayUs = this.p.config['delivery.timeout.ms'] * 1000;
      this.ctx.setTimer(delayUs, { type: 'txnp-delivery-timeout', serial: t.serial, send: t.next } satisfies TimerTag);
    }
    const leader = this.leaders[s.partition] ?? -1;
    if (leader < 0) {
      this.refreshMetadata();
      return this.retry();
    }
    this.request(leader, {
      type: 'ProduceRequest',
      correlationId: 0,
      acks: -1,
      timeoutMs: this.p.config['request.timeout.ms'],
      topic: this.p.topic.name,
      partition: s.partition,
      producerId: this.producerId,
      producerEpoch: this.epoch,
      baseSequence: this.sequences.get(s.partition) ?? 0,
      records: [{ key: null, value: s.value }],
      transactional: true,
      transactionalId: this.p.transactionalId,
      ...(this.p.transactionV2 === true ? { txnV2: true } : {}),
    });
  }

  // --- answers

  private onMetadata(r: Extract<ClientResponse, { type: 'MetadataResponse' }>): void {
    const leaders: number[] = [];
    const epochs: number[] = [];
    for (const m of r.partitions) {
      if (m.topic !== this.p.topic.name) continue;
      leaders[m.partition] = m.leader;
      epochs[m.partition] = m.leaderEpoch;
    }
    this.leaders = leaders;
    this.leaderEpochs = epochs;
    const known = leaders.filter((l) => l >= 0).length === this.p.topic.partitions;
    if (!known) return this.retry();
    this.phase = this.txn !== null ? this.resume : this.producerId < 0 || this.bumpEpoch ? 'init' : 'idle';
    this.step();
  }

  private onTxnResponse(body: TxnResponseBody): void {
    switch (body.error) {
      case 'NONE':
        return this.onTxnSuccess(body);
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        this.coordinator = -1;
        return this.retry();
      case 'COORDINATOR_LOAD_IN_PROGRESS':
      case 'CONCURRENT_TRANSACTIONS':
        return this.retry();
      case 'PRODUCER_FENCED':
      case 'INVALID_PRODUCER_ID_MAPPING':
      case 'INVALID_TXN_STATE':
      case 'INVALID_TRANSACTION_TIMEOUT':
        return this.fenced(body.error);
      default:
        return unknownTag(body.error);
    }
  }

  private onTxnSuccess(body: TxnResponseBody): void {
    switch (body.type) {
      case 'InitProducerId':
        this.producerId = body.producerId;
        this.epoch = body.producerEpoch;
        this.bumpEpoch = false;
        this.sequences.clear();
        this.phase = 'idle';
        return this.step();
      case 'AddPartitionsToTxn':
        this.phase = 'send';
        return this.step();
      case 'AddOffsetsToTxn':
        this.phase = 'txn-offset-commit';
        return this.step();
      case 'EndTxn':
        return this.endTransaction(body.producerId, body.producerEpoch);
      case 'VerifyPartitionsInTxn':
        // Sent by partition leaders only (KIP-890), never answered to a producer.
        return;
      default:
        return unknownTag(body);
    }
  }

  private onProduce(error: ErrorCode, baseOffset: number): void {
    const t = this.txn as Txn;
    const s = t.sends[t.next];
    if (error === 'NONE' || error === 'DUPLICATE_SEQUENCE_NUMBER') {
      s.offset = error === 'NONE' ? baseOffset : -1;
      this.sequences.set(s.partition, (this.sequences.get(s.partition) ?? 0) + 1);
      t.next++;
      if (t.next >= t.sends.length) this.phase = this.afterSends(t);
      return this.step();
    }
    if (RETRY_PRODUCE.has(error)) {
      this.refreshMetadata();
      return this.retry();
    }
    if (error === 'INVALID_PRODUCER_EPOCH') return this.fenced(error);
    // OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID, INVALID_TXN_STATE: abortable.
    t.abortable = true;
    this.phase = 'end';
    this.step();
  }

  /**
   * Where the sends start: AddPartitionsToTxn first (transaction.version < 2), or the produce
   * itself (TV2: TransactionManager.maybeAddPartition puts the partition in
   * partitionsInTransaction at once; the leader adds it at the coordinator).
   */
  private firstSendPhase(): Phase {
    return this.p.transactionV2 === true ? 'send' : 'add';
  }

  /** After the sends: sendOffsetsToTransaction when records were polled, else EndTxn. */
  private afterSends(t: Txn): Phase {
    const c = t.consumed;
    return c !== undefined && (c.records?.length ?? 0) > 0 && !t.abortable ? 'add-offsets' : 'end';
  }

  /** The group coordinator's answers: OffsetFetch (requireStable), TxnOffsetCommit. */
  private onGroupResponse(body: GroupResponse): void {
    const t = this.txn;
    if (t === null || t.consumed === undefined) return;
    const error = body.error;
    switch (error) {
      case 'NONE':
        break;
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_NOT_AVAILABLE':
        this.groupCoordinator = -1;
        return this.retry();
      case 'COORDINATOR_LOAD_IN_PROGRESS':
      case 'UNSTABLE_OFFSET_COMMIT':
      case 'REBALANCE_IN_PROGRESS':
      case 'CONCURRENT_TRANSACTIONS':
        // TxnOffsetCommitHandler: a RetriableException retries with the current coordinator.
        return this.retry();
      case 'INVALID_PRODUCER_ID_MAPPING':
      case 'INVALID_TXN_STATE':
        // TxnOffsetCommitHandler: "Unexpected error in TxnOffsetCommitResponse", fatalError: the
        // application closes this producer and opens a new one, as after PRODUCER_FENCED.
        return this.fenced(error);
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
      case 'MEMBER_ID_REQUIRED':
        // TxnOffsetCommitHandler: CommitFailedException, abortable.
        t.abortable = true;
        this.phase = 'end';
        return this.step();
      case 'INVALID_PRODUCER_EPOCH':
        return this.fenced('PRODUCER_FENCED');
      case 'FENCED_MEMBER_EPOCH':
      case 'GROUP_ID_NOT_FOUND':
      case 'INVALID_REQUEST':
      case 'STALE_MEMBER_EPOCH':
        // KIP-848 consumer-group answers: the workload's consumer is standalone (generation -1).
        return assert(false, 'no consumer-group error ({}) to a TxnOffsetCommit or OffsetFetch', error);
      default:
        return unknownTag(error);
    }
    if (body.type === 'OffsetFetch') {
      const o = body.offsets[0];
      t.consumed.fetched = o === undefined || o.offset < 0 ? null : o.offset;
      this.phase = 'poll';
    } else if (body.type === 'TxnOffsetCommit') {
      t.consumed.offsetsSent = true;
      this.phase = 'end';
    }
    this.step();
  }

  /** The poll's answer (read_committed: aborted and control records filtered as the consumer does). */
  private onPoll(r: Extract<ClientResponse, { type: 'FetchResponse' }>): void {
    const t = this.txn;
    if (t === null || t.consumed === undefined) return;
    const c = t.consumed;
    const from = c.fetched ?? 0;
    if (r.error === 'OFFSET_OUT_OF_RANGE') {
      // The committed offset is beyond the log (a loss): nothing read; the transaction only sends.
      c.records = [];
      c.next = from;
    } else if (r.error !== 'NONE') {
      this.refreshMetadata();
      return this.retry();
    } else {
      const view = consumerView(r, from, true);
      c.records = view.returned.map((x): [number, string] => [x.offset, x.value]);
      c.next = view.next;
    }
    this.phase = this.firstSendPhase();
    this.step();
  }

  // --- transactions

  private scheduleNext(): void {
    if (this.progress.issued >= this.p.transactions) {
      this.phase = 'done';
      return;
    }
    this.ctx.setTimer(exponentialGapUs(this.ctx.rng, this.p.intervalMs), { type: 'txnp-next' } satisfies TimerTag);
  }

  private beginTransaction(): void {
    if (this.phase !== 'idle' || this.txn !== null || this.progress.issued >= this.p.transactions) return;
    this.progress.issued++;
    const n = 1 + this.ctx.rng.intBetween(0, this.p.maxSends - 1);
    const sends: Txn['sends'] = [];
    for (let i = 0; i < n; i++) {
      const partition = this.ctx.rng.intBetween(0, this.p.topic.partitions - 1);
      sends.push({ partition, value: `${this.p.valuePrefix}${this.progress.values++}`, offset: -1 });
    }
    const abort = this.ctx.rng.next() < this.p.abortRatio;
    // Drawn only when the workload consumes, so send-only workloads draw what they did before.
    const ratio = this.p.consumeRatio ?? 0;
    const consume = ratio > 0 && this.ctx.rng.next() < ratio;
    const consumed: Consumed | undefined = consume
      ? { fetched: undefined, records: undefined, next: -1, offsetsSent: false }
      : undefined;
    const serial = this.progress.issued;
    this.txn = {
      process: this.process,
      sends,
      abort,
      next: 0,
      serial,
      clocked: -1,
      commitSent: false,
      abortable: false,
      consumed,
    };
    this.p.recorder.record({
      time: this.ctx.now(),
      process: this.process,
      type: 'invoke',
      f: 'txn',
      value: this.microOps(this.txn, false, false),
      ...this.operationIds(),
    });
    this.phase = consume ? 'offset-fetch' : this.firstSendPhase();
    this.step();
  }

  /**
   * delivery.timeout.ms passed with the send not acknowledged (Sender.getExpiredInflightBatches
   * expires a batch even with its request on the wire): the batch fails with a
   * TimeoutException, which TransactionManager.maybeTransitionToErrorState makes an abortable
   * error with epochBumpRequired. Its request may still reach the leader after the abort.
   */
  private onDeliveryTimeout(serial: number, send: number): void {
    const t = this.txn;
    if (t === null || t.serial !== serial || t.next !== send || t.abortable) return;
    if (this.phase !== 'send' && this.phase !== 'metadata') return;
    codeProbe('txn-producer-batch-expired');
    this.inflight = -1;
    t.abortable = true;
    this.phase = 'end';
    this.step();
  }

  /**
   * EndTxn answered NONE: committed, or aborted by the application. An EndTxnResponse v5
   * (transaction.version 2) carries the producer id and the bumped epoch: EndTxnHandler takes
   * them and resets the sequences (resetSequenceNumbers); then no client-side bump is needed
   * after an abortable error (needToTriggerEpochBumpFromClient is false under TV2).
   */
  private endTransaction(producerId: number, producerEpoch: number): void {
    const t = this.txn as Txn;
    const committed = !t.abort && !t.abortable;
    if (committed) this.complete('ok');
    else this.complete('fail', t.abortable ? 'abortable-error' : 'aborted');
    if (producerId !== -1) {
      this.producerId = producerId;
      this.epoch = producerEpoch;
      this.sequences.clear();
    }
    if (!committed && t.abortable && this.p.transactionV2 !== true) this.bumpEpoch = true;
    this.phase = this.bumpEpoch ? 'init' : 'idle';
    this.step();
  }

  /** A fatal error: the application closes this producer and opens a new one (same transactional.id). */
  private fenced(error: string): void {
    const t = this.txn;
    if (t !== null) this.complete(t.commitSent ? 'info' : 'fail', error);
    this.producerId = -1;
    this.epoch = -1;
    this.bumpEpoch = false;
    this.sequences.clear();
    this.coordinator = -1;
    this.phase = 'init';
    this.retry();
  }

  /**
   * The transaction's micro-ops: its sends (with their offsets when `withOffsets` and known) and,
   * when it consumes, fetch-offsets, poll and send-offsets around them, with what they found
   * when `done` (a fetch or poll not made yet, or offsets never sent, are shown as invoked).
   */
  private microOps(t: Txn, done: boolean, withOffsets: boolean): unknown[] {
    const sends = t.sends.map((s) => [
      'send',
      s.partition,
      withOffsets && s.offset >= 0 ? [s.offset, s.value] : s.value,
    ]);
    const c = t.consumed;
    if (c === undefined) return sends;
    const group = this.p.group ?? '';
    const k = String(this.source().partition);
    const fetched = done && c.fetched !== undefined;
    const fetch = fetched ? ['fetch-offsets', group, { [k]: c.fetched }] : ['fetch-offsets', group];
    const poll = done && c.records !== undefined ? ['poll', { [k]: c.records }] : ['poll'];
    const offsets = done && c.offsetsSent ? ['send-offsets', group, { [k]: c.next }] : ['send-offsets', group];
    return [fetch, poll, ...sends, offsets];
  }

  private complete(type: 'ok' | 'fail' | 'info', error?: string): void {
    const t = this.txn as Txn;
    // Aborted: sends as invoked. Unknown outcome: the offsets of the sends the leaders acknowledged
    // too (the application holds each send's RecordMetadata whatever EndTxn answers; Jepsen keeps
    // them), so the checker can place a send of a transaction that did commit (seed 170006249:
    // retention deleted its records before the commit marker). And what the fetch and poll found.
    const value = this.microOps(t, type === 'ok' || t.consumed !== undefined, type !== 'fail');
    const ev = { time: this.ctx.now(), process: t.process, type, f: 'txn', value, ...this.operationIds() };
    this.p.recorder.record(error === undefined ? ev : { ...ev, error });
    this.txn = null;
  }

  /**
   * The topic of a `txn` operation's keys, and the producer id and epoch its sends carry (as
   * InitProducerId answered them; the promise tracker tells two instances sharing one epoch by
   * them, driver/promise.ts sharedEpochBreach).
   */
  private operationIds(): { topic: string; producerId: number; producerEpoch: number } {
    return { topic: this.p.topic.name, producerId: this.producerId, producerEpoch: this.epoch };
  }
}

function unknownTag(x: never): never {
  throw new Error(`transactional producer: unexpected ${JSON.stringify(x)}`);
}
