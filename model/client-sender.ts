// The producer's accumulator and sender, after Kafka's RecordAccumulator, Sender and (for
// idempotence) TransactionManager, and the history it records for every send.
//
// What it does:
// - send(): records the `invoke`, queues the record on its partition, starts the send's
//   `delivery.timeout.ms` clock.
// - Drain: per partition, once its leader is known and the leader's connection has fewer
//   than `max.in.flight.requests.per.connection` requests outstanding, the queued records
//   become one batch (one ProduceRequest). A retried batch goes first; a batch in its
//   `retry.backoff.ms` blocks the partition (Kafka: the deque head is backing off).
// - Each attempt has `request.timeout.ms`; a timeout closes the connection (client-net.ts).
// - Errors: leader errors refresh metadata and retry; NOT_ENOUGH_REPLICAS retries;
//   NOT_ENOUGH_REPLICAS_AFTER_APPEND and REQUEST_TIMED_OUT retry but the batch may have been
//   appended; anything else is fatal for the batch. A batch whose delivery timeout passes is
//   expired, even while a request is in flight (Kafka 2.1+); its late response is ignored.
// - Idempotence (KIP-98; KIP-360 for the recovery): a producer id and epoch from
//   InitProducerId, a sequence number per partition assigned when a batch is first drained
//   and kept across retries; retried batches go out only when first in sequence order; the
//   broker dedupes. OUT_OF_ORDER_SEQUENCE_NUMBER on the next-expected batch
//   (TransactionManager.canRetry), UNKNOWN_PRODUCER_ID, a batch failed by the broker
//   (handleFailedBatch, e.g. INVALID_PRODUCER_EPOCH), or a partition left "unresolved" by an
//   expired batch that no later ack explains (maybeResolveSequences) request an epoch bump
//   for the partition (requestEpochBumpForPartition). The bump is Kafka's
//   bumpIdempotentProducerEpoch: same producer id, epoch + 1 (a new id from InitProducerId
//   only when the epoch is exhausted), then startSequencesAtBeginning rewrites the
//   partition's incomplete batches from sequence 0 under the new epoch. Other partitions move
//   to the new epoch, from sequence 0, once their incomplete batches of the old one are done
//   (maybeUpdateProducerIdAndEpoch). The rewrite waits until no request of the partition is
//   on the wire, a simplification of Kafka, which rewrites in-flight batches too and sorts
//   out their answers later.
//   Idempotence is in force only with acks=all and max.in.flight ≤ 5, as in Kafka when
//   enable.idempotence is left at its default.
//
// The history rule (DESIGN §4): a send is `ok` with its offset when acknowledged; `fail`
// only when no attempt of it can have been appended (never sent, or every attempt answered
// with an error the broker returns before appending); otherwise `info`: a timeout, a
// disconnect, NOT_ENOUGH_REPLICAS_AFTER_APPEND, REQUEST_TIMED_OUT, any error answer that
// carries the append's offset (e.g. NOT_LEADER_OR_FOLLOWER from a leader that lost its
// leadership with the produce waiting for replication), an expiry with a request on the
// wire, or any later outcome of a send that once had such an attempt. acks=0 sends
// are `info` as soon as they are written (the client is never told anything).

import type { TimerHandle } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { SendValue } from '../checkers/history.ts';
import type { HistoryRecorder } from './client-api.ts';
import type { ClientResponse, ErrorCode, ProducedRecord } from './client-protocol.ts';
import { recordSizeBytes } from './client-protocol.ts';
import type { ClientMetadata } from './client-metadata.ts';
import type { ClientNet, NoResponseReason, PendingRequest, RequestOwner } from './client-net.ts';
import { msToUs, unreachable } from './client-net.ts';
import type { KafkaConfig } from './config.ts';
import { codeProbe } from './code-probes.ts';

/** ProducerConfig's batch.size default (16384 at 3.9): a batch's bytes at most, past its first record. */
const BATCH_SIZE_BYTES = 16_384;
/** DefaultRecordBatch.RECORD_BATCH_OVERHEAD: MemoryRecordsBuilder counts the batch header in what a batch holds. */
const BATCH_HEADER_BYTES = 61;
/** Kafka's broker keeps the last five batches per producer for dedupe; so must the client's in-flight window. */
const MAX_IDEMPOTENT_IN_FLIGHT = 5;
/** Short.MAX_VALUE: past it an idempotent producer asks for a new producer id (resetIdempotentProducerId). */
const MAX_PRODUCER_EPOCH = 32_767;

export const SENDER_WAKE_TAG = { type: 'sender-wake' } as const;
export const INIT_PID_RETRY_TAG = { type: 'init-producer-id-retry' } as const;
/** One timer for all sends: they share one delivery timeout, so deadlines come in send order. */
const DELIVERY_TIMEOUT_TAG = { type: 'delivery-timeout' } as const;
export type DeliveryTimeoutTag = typeof DELIVERY_TIMEOUT_TAG;

export type SendOutcome = 'ok' | 'fail' | 'info';

export class SendOp {
  state: 'queued' | 'batched' | 'done' = 'queued';
  batch: Batch | null = null;
  outcome: SendOutcome | null = null;
  offset = -1;
  constructor(
    readonly id: number,
    readonly topic: string,
    readonly partition: number,
    readonly key: string | null,
    readonly value: string,
    readonly process: number,
    readonly createdUs: number,
    /** The value's bytes beyond its label (LogRecord.padBytes); 0 = none. */
    readonly padBytes = 0,
  ) {}
}

export class Batch {
  producerId = -1;
  producerEpoch = -1;
  baseSequence = -1;
  attempts = 0;
  /** Some attempt may have been appended (its outcome was never learnt, or the broker said so). */
  maybeAppended = false;
  onWire: PendingRequest | null = null;
  retryAtUs = 0;
  lastError = '';
  done = false;
  readonly records: ProducedRecord[];
  constructor(
    readonly id: number,
    readonly part: PartitionState,
    readonly sends: SendOp[],
    readonly deadlineUs: number,
  ) {
    this.records = sends.map((s) =>
      s.padBytes > 0 ? { key: s.key, value: s.value, padBytes: s.padBytes } : { key: s.key, value: s.value },
    );
  }
  get lastSequence(): number {
    return this.baseSequence + this.sends.length - 1;
  }
}

/**
 * How many of the queued sends, from the head, one batch takes: RecordAccumulator.tryAppend
 * appends to the open batch while MemoryRecordsBuilder.hasRoomFor says yes — always for its
 * first record, then while the header and the records so far plus the next one fit in
 * batch.size (estimatedBytesWritten + recordSize <= writeLimit, uncompressed).
 */
function batchCount(queue: readonly SendOp[]): number {
  if (queue.length === 0) return 0;
  let bytes = BATCH_HEADER_BYTES + recordSizeBytes(queue[0]);
  let n = 1;
  while (n < queue.length) {
    const next = recordSizeBytes(queue[n]);
    if (bytes + next > BATCH_SIZE_BYTES) break;
    bytes += next;
    n++;
  }
  return n;
}

export class PartitionState {
  readonly queue: SendOp[] = [];
  /**
   * Batches waiting to be sent again (idempotent: in sequence order; otherwise most recent first, as Kafka's addFirst).
   */
  readonly retries: Batch[] = [];
  /**
   * Idempotent: every batch with a sequence that is not done, in sequence order (Kafka's inflightBatchesBySequence).
   */
  readonly incomplete: Batch[] = [];
  onWire = 0;
  producerId = -1;
  producerEpoch = -1;
  nextSequence = 0;
  lastAckedSequence = -1;
  /**
   * Sequence following an expired, maybe-appended batch; -1 when resolved (Kafka's partitionsWithUnresolvedSequences).
   */
  unresolvedNextSequence = -1;
  /** An epoch bump is needed before this partition's sequences can go on; the generation it was asked in. */
  bumpRequestedAt = -1;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export interface SenderListener {
  /** A send completed (its history completion is already recorded). */
  onSendDone(send: SendOp): void;
}

export class Sender implements RequestOwner {
  readonly idempotent: boolean;
  private readonly acks: 0 | 1 | -1;
  private readonly maxInFlight: number;
  private readonly requestTimeoutUs: number;
  private readonly deliveryTimeoutUs: number;
  private readonly backoffUs: number;
  private readonly parts = new Map<string, PartitionState[]>();
  private readonly allParts: PartitionState[] = [];
  private liveCount = 0;
  /** Every send in creation (= deadline) order; the front is trimmed of completed ones. */
  private byDeadline: SendOp[] = [];
  private deadlineHead = 0;
  private deliveryTimer: TimerHandle = -1;
  private deliveryTimerAtUs = Infinity;
  private nextSendId = 0;
  private nextBatchId = 0;
  // Producer id state (idempotence).
  private producerId = -1;
  private producerEpoch = -1;
  /** Incremented at every producer id obtained and every epoch bump. */
  private pidGeneration = 0;
  private initInFlight = false;
  private initWanted = false;
  private initRetryTimer: TimerHandle = -1;
  private wakeTimer: TimerHandle = -1;
  private wakeAtUs = Infinity;
  private draining = false;
  private drainAgain = false;
  /** Figures for tests and reports. */
  readonly stats = { attempts: 0, retries: 0, expired: 0, pidBumps: 0, epochBumps: 0 };

  constructor(
    private readonly ctx: ModelContext,
    private readonly net: ClientNet,
    private readonly metadata: ClientMetadata,
    private readonly config: KafkaConfig,
    private readonly recorder: HistoryRecorder,
    private readonly listener: SenderListener,
  ) {
    this.acks = config.acks === 'all' ? -1 : config.acks;
    this.maxInFlight = config['max.in.flight.requests.per.connection'];
    if (!Number.isInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new Error(`max.in.flight.requests.per.connection must be ≥ 1, got ${this.maxInFlight}`);
    }
    this.idempotent = config['enable.idempotence'] && this.acks === -1 && this.maxInFlight <= MAX_IDEMPOTENT_IN_FLIGHT;
    this.requestTimeoutUs = msToUs(config['request.timeout.ms']);
    this.deliveryTimeoutUs = msToUs(config['delivery.timeout.ms']);
    this.backoffUs = msToUs(config['retry.backoff.ms']);
  }

  /** Begin: an idempotent producer asks for its producer id at once. */
  start(): void {
    if (this.idempotent) this.requestProducerId();
  }

  /** Sends not yet completed. */
  outstanding(): number {
    return this.liveCount;
  }

  /** The partitions of the sends not yet completed, each once, in the order of their first such send. */
  openPartitions(): Array<{ topic: string; partition: number }> {
    const out: Array<{ topic: string; partition: number }> = [];
    for (let i = this.deadlineHead; i < this.byDeadline.length; i++) {
      const op = this.byDeadline[i];
      if (op.state === 'done') continue;
      if (!out.some((p) => p.topic === op.topic && p.partition === op.partition))
        out.push({ topic: op.topic, partition: op.partition });
    }
    return out;
  }

  /** The application calls send(): record the invoke, queue the record. */
  send(topic: string, partition: number, key: string | null, value: string, process: number, padBytes = 0): SendOp {
    const now = this.ctx.now();
    const op = new SendOp(this.nextSendId++, topic, partition, key, value, process, now, padBytes);
    const invoke: SendValue = { topic, partition, key, value };
    this.recorder.record({ time: now, process, type: 'invoke', f: 'send', value: invoke });
    this.liveCount++;
    this.byDeadline.push(op);
    this.armDelivery(now + this.deliveryTimeoutUs);
    this.partState(topic, partition).queue.push(op);
    this.drain();
    return op;
  }

  // --- timers ------------------------------------------------------------------------------

  onWakeTimer(): void {
    this.wakeTimer = -1;
    this.wakeAtUs = Infinity;
    this.drain();
  }

  onInitRetryTimer(): void {
    this.initRetryTimer = -1;
    if (this.initWanted) this.requestProducerId();
  }

  /** The delivery timer fired: expire every send past its deadline, re-arm for the next. */
  onDeliveryTimeout(_tag: DeliveryTimeoutTag): void {
    this.deliveryTimer = -1;
    this.deliveryTimerAtUs = Infinity;
    const now = this.ctx.now();
    // complete() advances (and may compact) the queue itself, so re-read it every round.
    while (this.deadlineHead < this.byDeadline.length) {
      const op = this.byDeadline[this.deadlineHead];
      if (op.state === 'done') {
        this.deadlineHead++;
        continue;
      }
      if (op.createdUs + this.deliveryTimeoutUs > now) break;
      if (op.state === 'queued') {
        // Never drained into a batch: no attempt exists, so it definitely did not happen.
        const part = this.partState(op.topic, op.partition);
        const at = part.queue.indexOf(op);
        if (at >= 0) part.queue.splice(at, 1);
        this.complete(op, 'fail', -1, 'delivery-timeout (never sent)');
      } else {
        this.expire(op.batch!);
      }
      if ((op.state as SendOp['state']) !== 'done') throw new Error(`send ${op.value}: expiry did not complete it`);
    }
    this.trimDeadlines();
    this.drain();
  }

  /** Drop completed sends from the front of the deadline queue and keep the timer no later than the first live one. */
  private trimDeadlines(): void {
    const queue = this.byDeadline;
    while (this.deadlineHead < queue.length && queue[this.deadlineHead].state === 'done') this.deadlineHead++;
    if (this.deadlineHead > 1024 && this.deadlineHead * 2 > queue.length) {
      this.byDeadline = queue.slice(this.deadlineHead);
      this.deadlineHead = 0;
    }
    if (this.deadlineHead < this.byDeadline.length)
      this.armDelivery(this.byDeadline[this.deadlineHead].createdUs + this.deliveryTimeoutUs);
  }

  /** Make sure the delivery timer fires no later than `atUs` (firing early is harmless). */
  private armDelivery(atUs: number): void {
    if (this.deliveryTimer !== -1 && this.deliveryTimerAtUs <= atUs) return;
    if (this.deliveryTimer !== -1) this.ctx.cancelTimer(this.deliveryTimer);
    this.deliveryTimerAtUs = atUs;
    this.deliveryTimer = this.ctx.setTimer(Math.max(0, atUs - this.ctx.now()), DELIVERY_TIMEOUT_TAG);
  }

  /** Metadata changed: leaders may now be known. */
  onMetadataUpdate(): void {
    this.drain();
  }

  // --- draining ----------------------------------------------------------------------------

  drain(): void {
    if (this.draining) {
      // Re-entered from a completion callback (a new send): the outer loop runs again.
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    try {
      do {
        this.drainAgain = false;
        this.maybeBump();
        for (let i = 0; i < this.allParts.length; i++) this.drainPartition(this.allParts[i]);
      } while (this.drainAgain);
    } finally {
      this.draining = false;
    }
  }

  private drainPartition(part: PartitionState): void {
    while (part.retries.length > 0 || part.queue.length > 0) {
      const md = this.metadata.partition(part.topic, part.partition);
      if (md === undefined || md.leader < 0) {
        this.metadata.ensureUpdate();
        return;
      }
      const leader = md.leader;
      if (this.net.inFlight(leader) >= this.maxInFlight) return;
      const batch = this.nextBatch(part);
      if (batch === null) return;
      this.sendBatch(batch, leader);
    }
  }

  private nextBatch(part: PartitionState): Batch | null {
    const now = this.ctx.now();
    if (part.retries.length > 0) {
      const head = part.retries[0];
      if (head.retryAtUs > now) {
        this.wakeAt(head.retryAtUs);
        return null;
      }
      if (this.idempotent) {
        if (part.bumpRequestedAt >= 0) return null;
        // Kafka: a retried batch goes out only when it is the first in sequence order, which
        // reduces the partition to one request in flight until the retries are through.
        if (part.incomplete[0] !== head) return null;
      }
      part.retries.shift();
      this.stats.retries++;
      return head;
    }
    if (this.idempotent) {
      if (this.producerId < 0) return null;
      if (part.unresolvedNextSequence >= 0 || part.bumpRequestedAt >= 0) return null;
      if (part.producerId !== this.producerId || part.producerEpoch !== this.producerEpoch) {
        // Kafka (RecordAccumulator.shouldStopDrainBatchesForPartition, maybeUpdateProducerIdAndEpoch):
        // no new batch while batches of an older producer id/epoch are incomplete.
        if (part.incomplete.length > 0) return null;
        part.producerId = this.producerId;
        part.producerEpoch = this.producerEpoch;
        part.nextSequence = 0;
        part.lastAckedSequence = -1;
      }
    }
    const sends = part.queue.splice(0, batchCount(part.queue));
    let deadlineUs = Infinity;
    for (const s of sends) {
      s.state = 'batched';
      const d = s.createdUs + this.deliveryTimeoutUs;
      if (d < deadlineUs) deadlineUs = d;
    }
    const batch = new Batch(this.nextBatchId++, part, sends, deadlineUs);
    for (const s of sends) s.batch = batch;
    if (this.idempotent) {
      batch.producerId = part.producerId;
      batch.producerEpoch = part.producerEpoch;
      batch.baseSequence = part.nextSequence;
      part.nextSequence += sends.length;
      part.incomplete.push(batch);
    }
    return batch;
  }

  private sendBatch(batch: Batch, leader: number): void {
    const part = batch.part;
    batch.attempts++;
    this.stats.attempts++;
    const msg = {
      type: 'ProduceRequest' as const,
      correlationId: this.net.correlationId(),
      acks: this.acks,
      timeoutMs: this.config['request.timeout.ms'],
      topic: part.topic,
      partition: part.partition,
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      records: batch.records,
    };
    if (this.acks === 0) {
      // Kafka completes an acks=0 send once it is written to the socket, with no offset:
      // the client cannot tell whether the broker appended it.
      this.net.sendOneWay(leader, msg);
      batch.maybeAppended = true;
      this.finish(batch, 'info', -1, 'acks=0 (no acknowledgement)');
      return;
    }
    part.onWire++;
    batch.onWire = this.net.request(leader, msg, this.requestTimeoutUs, this, batch);
  }

  private wakeAt(atUs: number): void {
    if (atUs >= this.wakeAtUs) return;
    if (this.wakeTimer !== -1) this.ctx.cancelTimer(this.wakeTimer);
    this.wakeAtUs = atUs;
    this.wakeTimer = this.ctx.setTimer(Math.max(0, atUs - this.ctx.now()), SENDER_WAKE_TAG);
  }

  // --- responses ---------------------------------------------------------------------------

  onResponse(request: PendingRequest, response: ClientResponse): void {
    switch (response.type) {
      case 'InitProducerIdResponse':
        this.onInitProducerId(response.error, response.producerId, response.producerEpoch);
        break;
      case 'ProduceResponse':
        this.onProduceResponse(request.context as Batch, response.error, response.baseOffset);
        break;
      case 'MetadataResponse':
      case 'FetchResponse':
      case 'OffsetsForLeaderEpochResponse':
      case 'FindCoordinatorResponse':
      case 'GroupResponse':
        throw new Error(`sender: unexpected ${response.type}`);
      default:
        unreachable(response);
    }
    this.drain();
  }

  onNoResponse(request: PendingRequest, reason: NoResponseReason): void {
    if (request.type === 'InitProducerIdRequest') {
      this.initInFlight = false;
      this.metadata.rotate();
      this.scheduleInitRetry();
    } else {
      const batch = request.context as Batch;
      this.landed(batch);
      this.metadata.requestUpdate();
      if (batch.done) {
        // Expired while this attempt was in flight; only the sequence bookkeeping cares.
        this.maybeResolve(batch.part);
        this.drain();
        return;
      }
      // The request reached the wire; the broker may have appended it.
      this.retryOrExpire(batch, reason, true);
    }
    this.drain();
  }

  /** A request of this batch is no longer on the wire. */
  private landed(batch: Batch): void {
    batch.onWire = null;
    batch.part.onWire--;
  }

  private onProduceResponse(batch: Batch, error: ErrorCode, baseOffset: number): void {
    this.landed(batch);
    const part = batch.part;
    if (batch.done) {
      // Expired while in flight (Kafka ignores the late answer), but it tells the sequence state.
      codeProbe('producer-late-answer-after-expiry');
      if (this.idempotent && (error === 'NONE' || error === 'DUPLICATE_SEQUENCE_NUMBER') && sameIdentity(batch, part)) {
        if (batch.lastSequence > part.lastAckedSequence) part.lastAckedSequence = batch.lastSequence;
      }
      this.maybeResolve(part);
      return;
    }
    // An error answer that carries an offset was given after the append (Kafka completes
    // purgatory with the append's offsets: NOT_LEADER_OR_FOLLOWER on losing leadership,
    // REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS_AFTER_APPEND): the records may still commit.
    if (error !== 'NONE' && baseOffset >= 0) codeProbe('produce-error-after-append');
    if (error !== 'NONE' && baseOffset >= 0) batch.maybeAppended = true;
    switch (error) {
      case 'NONE':
        this.acknowledged(batch, baseOffset);
        return;
      case 'DUPLICATE_SEQUENCE_NUMBER':
        // Kafka: the broker has this sequence already (older than its cached five batches);
        // the producer treats it as success, without an offset.
        if (baseOffset >= 0) this.acknowledged(batch, baseOffset);
        else {
          batch.maybeAppended = true;
          this.ackSequence(batch);
          this.finish(batch, 'info', -1, 'DUPLICATE_SEQUENCE_NUMBER (appended, offset unknown)');
        }
        return;
      case 'NOT_LEADER_OR_FOLLOWER':
      case 'LEADER_NOT_AVAILABLE':
      case 'UNKNOWN_TOPIC_OR_PARTITION':
      case 'FENCED_LEADER_EPOCH':
      case 'UNKNOWN_LEADER_EPOCH':
      case 'BROKER_NOT_AVAILABLE':
      case 'STALE_BROKER_EPOCH':
        this.metadata.requestUpdate();
        this.retryOrExpire(batch, error, false);
        return;
      case 'NOT_ENOUGH_REPLICAS':
        // Rejected before append (ISR below min.insync.replicas).
        this.retryOrExpire(batch, error, false);
        return;
      case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      case 'REQUEST_TIMED_OUT':
        // Appended on the leader, not (yet) committed: it may still commit.
        this.retryOrExpire(batch, error, true);
        return;
      case 'OUT_OF_ORDER_SEQUENCE_NUMBER':
        if (this.idempotent) {
          // Kafka's TransactionManager.canRetry: retry; and when this batch is the one the
          // broker should have taken next (or follows an unresolved sequence), the sequence has
          // a gap: start over with a new producer id.
          const next =
            part.unresolvedNextSequence >= 0
              ? batch.baseSequence === part.unresolvedNextSequence
              : batch.baseSequence === part.lastAckedSequence + 1;
          if (next) codeProbe('producer-sequence-gap-detected');
          if (next) this.requestBump(part);
          this.retryOrExpire(batch, error, false);
        } else this.fatal(batch, error);
        return;
      case 'UNKNOWN_PRODUCER_ID':
        if (this.idempotent) {
          // KIP-360: the broker has no state for this producer; bump and retry.
          this.requestBump(part);
          this.retryOrExpire(batch, error, false);
        } else this.fatal(batch, error);
        return;
      case 'INVALID_PRODUCER_EPOCH':
        // Fenced by a newer epoch of our producer id: rejected before append, not retriable
        // (InvalidProducerEpochException); TransactionManager.handleFailedBatch then asks for
        // an epoch bump, as for any batch the broker fails, since its sequence leaves a gap.
        if (this.idempotent) this.requestBump(part);
        this.fatal(batch, error);
        return;
      case 'OFFSET_OUT_OF_RANGE':
      case 'INVALID_TXN_STATE':
      case 'INVALID_PRODUCER_ID_MAPPING':
      case 'TRANSACTION_COORDINATOR_FENCED':
        this.fatal(batch, error);
        return;
      default:
        unreachable(error);
    }
  }

  private acknowledged(batch: Batch, baseOffset: number): void {
    this.ackSequence(batch);
    this.finish(batch, 'ok', baseOffset, undefined);
  }

  private ackSequence(batch: Batch): void {
    const part = batch.part;
    if (this.idempotent && sameIdentity(batch, part) && batch.lastSequence > part.lastAckedSequence) {
      part.lastAckedSequence = batch.lastSequence;
    }
  }

  private retryOrExpire(batch: Batch, error: string, maybeAppended: boolean): void {
    if (maybeAppended) batch.maybeAppended = true;
    batch.lastError = error;
    const now = this.ctx.now();
    if (now >= batch.deadlineUs) {
      this.expire(batch);
      return;
    }
    batch.retryAtUs = now + this.backoffUs;
    const retries = batch.part.retries;
    if (this.idempotent) {
      let at = retries.length;
      while (at > 0 && retries[at - 1].baseSequence > batch.baseSequence) at--;
      retries.splice(at, 0, batch);
    } else {
      retries.unshift(batch);
    }
    this.wakeAt(batch.retryAtUs);
  }

  /** Non-retriable error: the broker rejected it; earlier attempts decide fail vs info. */
  private fatal(batch: Batch, error: string): void {
    batch.lastError = error;
    this.finish(batch, batch.maybeAppended ? 'info' : 'fail', -1, error);
  }

  /** delivery.timeout.ms passed: give the batch up (Kafka's expiry, also of in-flight batches). */
  private expire(batch: Batch): void {
    this.stats.expired++;
    const unknown = batch.maybeAppended || batch.onWire !== null;
    const cause = batch.onWire !== null ? 'request in flight' : batch.lastError || 'never sent';
    if (batch.onWire !== null) codeProbe('producer-batch-expired-in-flight');
    if (this.idempotent && batch.attempts > 0) {
      const part = batch.part;
      const next = batch.lastSequence + 1;
      if (next > part.unresolvedNextSequence) part.unresolvedNextSequence = next;
    }
    this.finish(batch, unknown ? 'info' : 'fail', -1, `delivery-timeout (${cause})`);
  }

  private finish(batch: Batch, outcome: SendOutcome, baseOffset: number, error: string | undefined): void {
    batch.done = true;
    const part = batch.part;
    const r = part.retries.indexOf(batch);
    if (r >= 0) part.retries.splice(r, 1);
    const i = part.incomplete.indexOf(batch);
    if (i >= 0) part.incomplete.splice(i, 1);
    for (let k = 0; k < batch.sends.length; k++) {
      this.complete(batch.sends[k], outcome, outcome === 'ok' ? baseOffset + k : -1, error);
    }
    this.maybeResolve(part);
  }

  private complete(op: SendOp, outcome: SendOutcome, offset: number, error: string | undefined): void {
    if (op.state === 'done') throw new Error(`send ${op.value} completed twice`);
    op.state = 'done';
    op.outcome = outcome;
    op.offset = offset;
    this.liveCount--;
    if (this.byDeadline[this.deadlineHead] === op) {
      while (this.deadlineHead < this.byDeadline.length && this.byDeadline[this.deadlineHead].state === 'done')
        this.deadlineHead++;
      if (this.deadlineHead > 1024 && this.deadlineHead * 2 > this.byDeadline.length) {
        this.byDeadline = this.byDeadline.slice(this.deadlineHead);
        this.deadlineHead = 0;
      }
    }
    const value: SendValue = { topic: op.topic, partition: op.partition, key: op.key, value: op.value };
    if (outcome === 'ok') value.offset = offset;
    this.recorder.record({ time: this.ctx.now(), process: op.process, type: outcome, f: 'send', value, error });
    this.listener.onSendDone(op);
  }

  // --- idempotence: sequences and producer ids ---------------------------------------------

  /**
   * Kafka's maybeResolveSequences: once nothing of an unresolved partition is incomplete, it
   * is resolved if the acks reached the next sequence (the expired batch did land), else
   * its sequences must restart under a new producer id.
   */
  private maybeResolve(part: PartitionState): void {
    if (!this.idempotent || part.unresolvedNextSequence < 0 || part.incomplete.length > 0) return;
    if (part.lastAckedSequence + 1 !== part.nextSequence) codeProbe('producer-unresolved-sequence-restart');
    if (part.lastAckedSequence + 1 !== part.nextSequence) this.requestBump(part);
    part.unresolvedNextSequence = -1;
  }

  private requestBump(part: PartitionState): void {
    if (part.bumpRequestedAt < 0) part.bumpRequestedAt = this.pidGeneration;
  }

  /**
   * TransactionManager.bumpIdempotentEpochAndResetIdIfNeeded: a partition waiting for a bump
   * gets one (unless a bump or a new id came since it asked), then its sequences are rewritten.
   */
  private maybeBump(): void {
    if (!this.idempotent) return;
    for (let i = 0; i < this.allParts.length; i++) {
      const part = this.allParts[i];
      if (part.bumpRequestedAt < 0 || part.onWire > 0) continue;
      if (this.producerId >= 0 && this.pidGeneration <= part.bumpRequestedAt) this.bumpEpoch();
      if (this.producerId >= 0) this.rewriteSequences(part);
      else if (!this.initInFlight && this.initRetryTimer === -1) this.requestProducerId();
    }
  }

  /**
   * TransactionManager.bumpIdempotentProducerEpoch: the same producer id with epoch + 1; once
   * the epoch is exhausted, resetIdempotentProducerId: a new id from InitProducerId.
   */
  private bumpEpoch(): void {
    if (this.producerEpoch >= MAX_PRODUCER_EPOCH) {
      this.producerId = -1;
      this.producerEpoch = -1;
      this.requestProducerId();
      return;
    }
    this.producerEpoch++;
    this.pidGeneration++;
    this.stats.epochBumps++;
  }

  /**
   * Kafka's TxnPartitionMap.startSequencesAtBeginning: the partition's incomplete batches
   * restart at sequence 0 under the new epoch. A batch that may already have been appended
   * under its old epoch gets a new identity here, which no broker can recognise as a retry:
   * if it was appended, it is appended again (KAFKA-14034). Announced as a
   * 'producer-resequenced' probe, so a judge can tell such a duplicate, which Kafka's
   * idempotence does not cover, from a broker failing to dedupe.
   */
  private rewriteSequences(part: PartitionState): void {
    codeProbe('producer-sequences-restarted');
    let seq = 0;
    let resent: string[] | null = null;
    for (const batch of part.incomplete) {
      if (batch.maybeAppended) for (const r of batch.records) (resent ??= []).push(r.value);
      batch.producerId = this.producerId;
      batch.producerEpoch = this.producerEpoch;
      batch.baseSequence = seq;
      seq += batch.sends.length;
    }
    if (resent !== null) {
      codeProbe('producer-resent-maybe-appended-batch');
      this.ctx.emit({
        kind: 'producer-resequenced',
        producer: this.ctx.id,
        topic: part.topic,
        partition: part.partition,
        producerId: this.producerId,
        producerEpoch: this.producerEpoch,
        values: resent,
      });
    }
    part.producerId = this.producerId;
    part.producerEpoch = this.producerEpoch;
    part.nextSequence = seq;
    part.lastAckedSequence = -1;
    part.unresolvedNextSequence = -1;
    part.bumpRequestedAt = -1;
  }

  private requestProducerId(): void {
    this.initWanted = true;
    if (this.initInFlight) return;
    this.initInFlight = true;
    this.initWanted = false;
    this.net.request(
      this.metadata.anyBroker(),
      { type: 'InitProducerIdRequest', correlationId: this.net.correlationId() },
      this.requestTimeoutUs,
      this,
      null,
    );
  }

  private scheduleInitRetry(): void {
    this.initWanted = true;
    if (this.initRetryTimer === -1) this.initRetryTimer = this.ctx.setTimer(this.backoffUs, INIT_PID_RETRY_TAG);
  }

  private onInitProducerId(error: ErrorCode, producerId: number, producerEpoch: number): void {
    this.initInFlight = false;
    if (error !== 'NONE' || producerId < 0) {
      this.metadata.rotate();
      this.scheduleInitRetry();
      return;
    }
    if (this.producerId >= 0) this.stats.pidBumps++;
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.pidGeneration++;
  }

  // --- lookup ------------------------------------------------------------------------------

  private partState(topic: string, partition: number): PartitionState {
    let list = this.parts.get(topic);
    if (list === undefined) {
      list = [];
      this.parts.set(topic, list);
    }
    let part = list[partition];
    if (part === undefined) {
      part = new PartitionState(topic, partition);
      list[partition] = part;
      this.allParts.push(part);
    }
    return part;
  }

  /** White-box view for tests. */
  partitionState(topic: string, partition: number): PartitionState | undefined {
    return this.parts.get(topic)?.[partition];
  }

  get currentProducerId(): number {
    return this.producerId;
  }
}

/** The batch carries the partition's current producer id and epoch (TransactionManager.hasStaleProducerIdAndEpoch). */
function sameIdentity(batch: Batch, part: PartitionState): boolean {
  return batch.producerId === part.producerId && batch.producerEpoch === part.producerEpoch;
}
