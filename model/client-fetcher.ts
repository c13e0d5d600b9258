// One consumer's fetch loop for one assigned partition (assign mode), after Kafka's
// consumer AbstractFetch, FetchCollector and SubscriptionState, and the history it records.
//
// What it does:
// - Keeps a position (next offset to read) and the leader epoch of the last record read
//   (the position's offset epoch). Fetches from the partition's leader with fetchOffset =
//   position and currentLeaderEpoch (KIP-320 fencing), and no last fetched epoch: Kafka's
//   consumer sends none (AbstractFetch.prepareFetchRequests: `Optional.empty()`), so the
//   leader never answers a consumer with a DivergingEpoch. The leader answers at most up to
//   the HW, and the consumer trusts it.
// - Leader change (KIP-320, SubscriptionState.maybeValidatePositionForCurrentLeader): when
//   metadata shows a leader epoch newer than the one the position was validated against, and
//   the position carries an epoch, it first asks the new leader
//   OffsetsForLeaderEpoch(offset epoch) (OffsetsForLeaderEpochUtils). The answer is handled
//   as SubscriptionState.maybeCompleteValidation: an end offset below the position means the
//   log was truncated under the consumer, and it repositions to that end offset; an undefined
//   answer resets the position by auto.offset.reset. Under `auto.offset.reset=none` either is
//   a LogTruncationException the application's next poll throws (a failed poll naming it; the
//   stream stops, as under OffsetOutOfRangeException). This is the only place truncation is found.
//   Until an answer settles it the position is not valid (FetchStates.AWAIT_VALIDATION), and a
//   group member's commit leaves it out (hasValidPosition, SubscriptionState.allConsumed).
//   A committed offset's leader epoch newer than the metadata's leaves the partition with no
//   current leader (client-metadata.ts, Metadata.updateLastSeenEpochIfNewer): the validation
//   waits for metadata of at least that epoch and never goes to the deposed leader.
// - OFFSET_OUT_OF_RANGE (FetchCollector.handleInitializeErrors): reset at once by
//   `auto.offset.reset` (SubscriptionState.requestOffsetResetIfPartitionAssigned): `latest`
//   (Kafka's default) = the leader's HW (ListOffsets LATEST under read_uncommitted),
//   `earliest` = the log start, `none` = OffsetOutOfRangeException to the application, which
//   stops reading the partition. The model reads the reset target off the error response
//   itself (the same leader's HW and log start a ListOffsets would return); an undefined
//   validation answer has no such figures, so it asks with a zero-record fetch instead.
// - A stopped stream (a group member's revoked partition) lets its request complete; the
//   answer to a validation or reset lookup is dropped (SubscriptionState
//   .maybeCompleteValidation / maybeSeekUnvalidated skip a partition no longer assigned). A
//   poll in flight at a revocation is abandoned by the group member (abandonPoll): `info`,
//   error `revoked`, no records (FetchCollector.fetchRecords: "no longer assigned").
// - Other errors: FENCED_LEADER_EPOCH / NOT_LEADER_OR_FOLLOWER / LEADER_NOT_AVAILABLE /
//   UNKNOWN_TOPIC_OR_PARTITION refresh metadata; UNKNOWN_LEADER_EPOCH waits for the broker to
//   catch up. Each retry waits `retry.backoff.ms`.
//
// - isolation.level (KIP-98; default read_uncommitted, Kafka's): read_committed fetches say so,
//   the leader answers up to its last stable offset with the aborted transactions overlapping
//   the records, and the consumer drops, as CompletedFetch.nextFetchedRecord does, every
//   transactional batch of a producer whose aborted transaction has begun at or below the
//   batch's last offset, until that producer's ABORT marker. Control records (markers) are
//   never returned, under either isolation level; the position moves past them and past
//   dropped batches. A reset to `latest` under read_committed goes to the LSO (ListOffsets
//   LATEST under READ_COMMITTED, Partition.fetchOffsetForTimestamp).
//
// History (checkers/history.ts): one process (a lane) per partition stream. `assign` op
// (invoke + ok) when the stream starts (the application's seek), after detected truncation,
// and at every reset by auto.offset.reset (then with `reset: 'earliest' | 'latest'`, so the
// checker can judge the jump: checkers/kafka.ts). Each Fetch is a `poll` op: invoke
// {topic, partition, offset}; ok with the records, consecutive [offset, value] pairs
// (possibly none); fail on an error answer (a poll changes nothing); info when no answer
// came (timeout, disconnect) or the poll was abandoned at a revocation (revoked).

import type { TimerHandle } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { AssignValue, ConsumerReset, PollValue } from '../checkers/history.ts';
import type { HistoryRecorder } from './client-api.ts';
import type { AbortedTransaction, ClientRequest, ClientResponse, LogRecord } from './client-protocol.ts';
import type { ModelRecord } from './replica-log.ts';
import type { ClientMetadata } from './client-metadata.ts';
import type { ClientNet, NoResponseReason, PendingRequest, RequestOwner } from './client-net.ts';
import { msToUs, unreachable } from './client-net.ts';
import type { KafkaConfig, OffsetResetPolicy, ProtocolVariant } from './config.ts';
import { codeProbe } from './code-probes.ts';

export interface FetchWakeTag {
  readonly type: 'fetch-wake';
  readonly fetcher: number;
}

export type FetcherState = 'waiting' | 'awaiting-metadata' | 'fetching' | 'validating' | 'resetting' | 'stopped';

export interface FetcherOptions {
  /** Gap after a successful poll, µs. */
  pollGapUs: number;
  /** The protocol variant in force for this consumer (the zoo's consumer bugs); default correct. */
  variant?: 'correct' | ProtocolVariant;
  /**
   * Called after every successful poll with the records it returned and the leader's HW;
   * return true to stop the stream (probe, final read).
   */
  afterPoll?: (fetcher: PartitionFetcher, records: readonly LogRecord[], highWatermark: number) => boolean;
  /** Overrides the client's auto.offset.reset (the driver's probe and final read never stop). */
  resetPolicy?: OffsetResetPolicy;
  /**
   * A group member's one history process (group-consumer.ts): its polls and seeks are
   * recorded only while the process has no other operation in flight.
   */
  gate?: OpGate;
}

/**
 * One history process shared by several streams and the group member's own operations
 * (commit, fetch-offsets): one operation in flight at a time (checkers/history.ts).
 */
export interface OpGate {
  /** Records `record` (an instant op: invoke and ok) now if the process is free, else once it is, in order. */
  instant(record: () => void): void;
  /** True when the caller may start an operation now (the gate is its until release); else `wake` is called later. */
  acquire(wake: () => void): boolean;
  release(): void;
}

export class PartitionFetcher implements RequestOwner {
  state: FetcherState = 'stopped';
  position = 0;
  /** Leader epoch of the record at position - 1, -1 when unknown (KIP-320 offset epoch). */
  lastFetchedEpoch = -1;
  /** The leader epoch the position was last fetched or validated with. */
  private validatedEpoch = -1;
  private validatingEpoch = -1;
  /** Set while the position must be reset by auto.offset.reset (Kafka's AWAIT_RESET). */
  private resetPending = false;
  /**
   * Set while the position awaits its OffsetsForLeaderEpoch answer (Kafka's AWAIT_VALIDATION):
   * from the seek of a committed offset with its epoch (seekUnvalidated) or a new leader epoch
   * (maybeValidatePosition) until an answer completes it; an error answer leaves it set.
   */
  private awaitingValidation = false;
  /**
   * The last seek (`assign` with the position it set) is in the history. On a shared process
   * (a group member's gate) it is recorded once the process is free, while the position holds
   * at once; a commit of the position before its seek is recorded would name an offset the
   * history has not reached (group-consumer.ts commits only recorded positions).
   */
  private seekRecorded = true;
  private seekTicket = 0;
  private readonly resetPolicy: OffsetResetPolicy;
  /** Zoo variant validation-seeks-ahead in force. */
  private readonly seeksAhead: boolean;
  private timer: TimerHandle = -1;
  private readonly wakeTag: FetchWakeTag;
  private pollInvoke: PollValue | null = null;
  /** The Fetch of the poll in flight (abandonPoll forgets it). */
  private pollRequest: PendingRequest | null = null;
  private stopAfterRequest = false;
  /** This stream holds its gate (a poll in flight on a shared process). */
  private holdsGate = false;
  /** Bumped at every start and stop: a wake-up from the gate for an earlier stream is void. */
  private gateTicket = 0;
  private readonly backoffUs: number;
  private readonly timeoutUs: number;
  /** Figures for tests and reports. */
  readonly stats = { polls: 0, records: 0, truncations: 0, validations: 0, resets: 0 };

  constructor(
    private readonly ctx: ModelContext,
    private readonly net: ClientNet,
    private readonly metadata: ClientMetadata,
    private readonly config: KafkaConfig,
    private readonly recorder: HistoryRecorder,
    readonly index: number,
    readonly topic: string,
    readonly partition: number,
    readonly process: number,
    private readonly options: FetcherOptions,
  ) {
    this.wakeTag = { type: 'fetch-wake', fetcher: index };
    this.backoffUs = msToUs(config['retry.backoff.ms']);
    this.timeoutUs = msToUs(config['request.timeout.ms']);
    this.resetPolicy = options.resetPolicy ?? config['auto.offset.reset'] ?? 'latest';
    this.seeksAhead = options.variant === 'validation-seeks-ahead';
    this.readCommitted = config['isolation.level'] === 'read_committed';
  }

  /** isolation.level=read_committed. */
  private readonly readCommitted: boolean;

  /**
   * Start (or restart) the stream at `offset`: an assign op, then polls. `epoch` is the
   * position's offset epoch when known (a committed leader epoch, KIP-320): the position is
   * then validated against the leader first.
   */
  start(offset: number, epoch = -1): void {
    if (this.state === 'fetching' || this.state === 'validating' || this.state === 'resetting') {
      throw new Error(`fetcher ${this.topic}/${this.partition}: start while a request is out`);
    }
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    this.stopAfterRequest = false;
    this.gateTicket++;
    this.assign(offset, epoch, undefined);
    this.validatedEpoch = -1;
    this.resetPending = false;
    // ConsumerUtils.refreshCommittedOffsets: the committed leader epoch first raises the last
    // seen epoch (Metadata.updateLastSeenEpochIfNewer), so older metadata names no leader for the
    // partition and validation waits for metadata of at least that epoch (Metadata.currentLeader).
    if (epoch >= 0) this.metadata.updateLastSeenEpochIfNewer(this.topic, this.partition, epoch);
    // SubscriptionState.seekUnvalidated -> validatePosition: AWAIT_VALIDATION when the position
    // carries an offset epoch and the metadata a current leader epoch, else FETCHING.
    const md = this.metadata.partition(this.topic, this.partition);
    this.awaitingValidation = epoch >= 0 && md !== undefined && md.leaderEpoch >= 0;
    this.schedule(0);
  }

  /**
   * Start the stream with no position: it is reset by auto.offset.reset first (a group
   * member with no committed offset: SubscriptionState.requestOffsetReset).
   */
  startWithReset(): void {
    if (this.state === 'fetching' || this.state === 'validating' || this.state === 'resetting') {
      throw new Error(`fetcher ${this.topic}/${this.partition}: start while a request is out`);
    }
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    this.stopAfterRequest = false;
    this.gateTicket++;
    this.validatedEpoch = -1;
    this.lastFetchedEpoch = -1;
    this.resetPending = true;
    this.awaitingValidation = false;
    this.schedule(0);
  }

  /** Stop polling (an outstanding request is allowed to complete and is recorded). */
  stop(): void {
    this.gateTicket++;
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    if (this.state === 'waiting' || this.state === 'awaiting-metadata') this.state = 'stopped';
    else if (this.state !== 'stopped') this.stopAfterRequest = true;
  }

  /**
   * A group member's partition is revoked while its poll is in flight (call after stop()):
   * whatever the Fetch brings back never reaches the application. In Kafka the application
   * thread is not blocked on a fetch; the answer lands in the fetch buffer, and the next
   * poll() finds the partition no longer assigned (ConsumerCoordinator.onJoinPrepare:
   * SubscriptionState.assignFromSubscribed(empty)) and drops it (FetchCollector.fetchRecords:
   * "Not returning fetched records ... since it is no longer assigned"). The poll ends as
   * `info` with error `revoked` and no records, the request is forgotten, and the member's
   * process is free at once for what follows (its next assignment).
   */
  abandonPoll(): void {
    const request = this.pollRequest;
    if (request === null || this.state !== 'fetching' || !this.stopAfterRequest) return;
    codeProbe('consumer-poll-abandoned-at-revocation');
    this.pollRequest = null;
    this.net.abandon(request);
    this.stopAfterRequest = false;
    this.state = 'stopped';
    this.completePoll('info', null, 'revoked');
    if (this.holdsGate) {
      this.holdsGate = false;
      this.options.gate!.release();
    }
  }

  isStopped(): boolean {
    return this.state === 'stopped';
  }

  /** Stopped, but a request it sent is still out (the stream ends once it is answered). */
  isStopping(): boolean {
    return this.state !== 'stopped' && this.stopAfterRequest;
  }

  /**
   * SubscriptionState.TopicPartitionState.hasValidPosition (3.9.0-rc3, and trunk of Oct 2024):
   * FetchStates.FETCHING only; INITIALIZING, AWAIT_RESET and AWAIT_VALIDATION are not valid,
   * so allConsumed leaves such a partition out of a commit. The model's states: `resetting`,
   * and any state with a reset pending, are AWAIT_RESET; `validating`, and a state reached
   * after a validation answered with an error (retry, or metadata refresh), are
   * AWAIT_VALIDATION; `waiting`, `awaiting-metadata` (a position whose leader is unknown stays
   * FETCHING: maybeValidatePosition returns early without a leader), `fetching` and `stopped`
   * (still assigned until the rebalance completes) are otherwise FETCHING.
   */
  hasValidPosition(): boolean {
    return !this.resetPending && !this.awaitingValidation;
  }

  /** The seek that set the position is in the history (see seekRecorded). */
  positionRecorded(): boolean {
    return this.seekRecorded;
  }

  onWake(): void {
    this.timer = -1;
    if (this.state === 'waiting') this.step();
  }

  /** Metadata arrived: a stream waiting for a leader may go on. */
  onMetadataUpdate(): void {
    if (this.state === 'awaiting-metadata') this.step();
  }

  private schedule(delayUs: number): void {
    if (this.stopAfterRequest) {
      this.stopAfterRequest = false;
      this.state = 'stopped';
      return;
    }
    this.state = 'waiting';
    this.timer = this.ctx.setTimer(delayUs, this.wakeTag);
  }

  private assign(offset: number, epoch: number, reset: ConsumerReset | undefined): void {
    const now = this.ctx.now();
    const invoke: AssignValue = { topic: this.topic, partition: this.partition, offset };
    const ok: AssignValue = { topic: this.topic, partition: this.partition, offset };
    if (reset !== undefined) {
      invoke.reset = reset;
      ok.reset = reset;
    }
    const ticket = ++this.seekTicket;
    const run = this.gateTicket;
    this.seekRecorded = false;
    const record = (): void => {
      // Stopped (or restarted) before the application's process was free: the application never
      // saw this seek. Kafka positions a partition inside poll() (updateFetchPositions: the
      // committed offset, else auto.offset.reset), so a member that lost the partition before
      // its next poll (a stall past max.poll.interval.ms) never reset it at all.
      if (run !== this.gateTicket) return;
      const t = this.ctx.now();
      this.recorder.record({ time: t, process: this.process, type: 'invoke', f: 'assign', value: invoke });
      this.recorder.record({ time: t, process: this.process, type: 'ok', f: 'assign', value: ok });
      if (ticket === this.seekTicket) this.seekRecorded = true;
    };
    if (this.options.gate === undefined) {
      this.recorder.record({ time: now, process: this.process, type: 'invoke', f: 'assign', value: invoke });
      this.recorder.record({ time: now, process: this.process, type: 'ok', f: 'assign', value: ok });
      this.seekRecorded = true;
    } else this.options.gate.instant(record);
    this.position = offset;
    this.lastFetchedEpoch = epoch;
  }

  private step(): void {
    if (this.stopAfterRequest) {
      this.stopAfterRequest = false;
      this.state = 'stopped';
      return;
    }
    const md = this.metadata.partition(this.topic, this.partition);
    if (md === undefined || md.leader < 0) {
      this.state = 'awaiting-metadata';
      this.metadata.ensureUpdate();
      return;
    }
    if (this.resetPending) {
      this.lookUpReset(md.leader, md.leaderEpoch);
      return;
    }
    // SubscriptionState.maybeValidatePositionForCurrentLeader: a new leader epoch, and a
    // position that carries an offset epoch, await validation.
    if (this.lastFetchedEpoch >= 0 && md.leaderEpoch > this.validatedEpoch) {
      this.validate(md.leader, md.leaderEpoch);
      return;
    }
    this.validatedEpoch = md.leaderEpoch;
    this.fetch(md.leader, md.leaderEpoch);
  }

  private validate(leader: number, leaderEpoch: number): void {
    this.state = 'validating';
    this.awaitingValidation = true;
    this.validatingEpoch = leaderEpoch;
    this.stats.validations++;
    this.net.request(
      leader,
      {
        type: 'OffsetsForLeaderEpochRequest',
        correlationId: this.net.correlationId(),
        replicaId: -1,
        topic: this.topic,
        partition: this.partition,
        currentLeaderEpoch: leaderEpoch,
        leaderEpoch: this.lastFetchedEpoch,
      },
      this.timeoutUs,
      this,
      null,
    );
  }

  private fetch(leader: number, leaderEpoch: number): void {
    const gate = this.options.gate;
    if (gate !== undefined) {
      const ticket = this.gateTicket;
      const wake = (): void => {
        if (ticket === this.gateTicket && this.state === 'waiting' && this.timer === -1) this.step();
      };
      if (!gate.acquire(wake)) {
        this.state = 'waiting';
        return;
      }
      this.holdsGate = true;
    }
    this.state = 'fetching';
    this.stats.polls++;
    const invoke: PollValue = { topic: this.topic, partition: this.partition, offset: this.position };
    this.pollInvoke = invoke;
    this.recorder.record({ time: this.ctx.now(), process: this.process, type: 'invoke', f: 'poll', value: invoke });
    const req = this.fetchRequest(
      leaderEpoch,
      this.position,
      this.config['fetch.max.wait.ms'],
      this.config['max.poll.records'],
    );
    this.pollRequest = this.net.request(leader, req, this.timeoutUs, this, null);
  }

  /**
   * A consumer's FetchRequest of this partition (AbstractFetch.prepareFetchRequests: no last
   * fetched epoch; read_committed when the consumer is). Built without a spread: a hot path.
   */
  private fetchRequest(leaderEpoch: number, fetchOffset: number, maxWaitMs: number, maxRecords: number): FetchRequest {
    const req: FetchRequest = {
      type: 'FetchRequest',
      correlationId: this.net.correlationId(),
      replicaId: -1,
      replicaEpoch: -1,
      topic: this.topic,
      partition: this.partition,
      fetchOffset,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: leaderEpoch,
      maxWaitMs,
      maxRecords,
    };
    if (this.readCommitted) req.isolationLevel = READ_COMMITTED;
    return req;
  }

  /**
   * The model's stand-in for the ListOffsets request of OffsetFetcher.resetPositionsIfNeeded:
   * a fetch of no records from the leader, whose answer carries its HW and log start.
   */
  private lookUpReset(leader: number, leaderEpoch: number): void {
    this.state = 'resetting';
    const req = this.fetchRequest(leaderEpoch, 0, 0, 0);
    this.net.request(leader, req, this.timeoutUs, this, RESET_LOOKUP);
  }

  // --- answers -----------------------------------------------------------------------------

  onResponse(request: PendingRequest, response: ClientResponse): void {
    const held = this.heldBy(request);
    this.handleResponse(request, response);
    if (held) this.options.gate!.release();
  }

  /**
   * Whether `request` is the poll that holds the gate; the gate is let go once its answer is
   * recorded (a poll started while handling it waits for the gate like any other).
   */
  private heldBy(request: PendingRequest): boolean {
    if (request === this.pollRequest) this.pollRequest = null;
    const held = this.holdsGate && request.type === 'FetchRequest' && request.context !== RESET_LOOKUP;
    if (held) this.holdsGate = false;
    return held;
  }

  private handleResponse(request: PendingRequest, response: ClientResponse): void {
    if (
      this.stopAfterRequest &&
      (response.type === 'OffsetsForLeaderEpochResponse' || request.context === RESET_LOOKUP)
    ) {
      // A stopped stream's partition is no longer assigned: the answer to its validation or
      // reset is dropped, the position neither moved nor sought (SubscriptionState
      // .maybeCompleteValidation and maybeSeekUnvalidated: "Skipping ... not currently assigned").
      codeProbe('consumer-answer-after-revocation-dropped');
      this.stopAfterRequest = false;
      this.state = 'stopped';
      return;
    }
    switch (response.type) {
      case 'FetchResponse':
        if (request.context === RESET_LOOKUP) this.onResetLookup(response);
        else this.onFetchResponse(response);
        return;
      case 'OffsetsForLeaderEpochResponse':
        this.onValidation(response);
        return;
      case 'MetadataResponse':
      case 'InitProducerIdResponse':
      case 'ProduceResponse':
      case 'FindCoordinatorResponse':
      case 'GroupResponse':
        throw new Error(`fetcher: unexpected ${response.type}`);
      default:
        unreachable(response);
    }
  }

  onNoResponse(request: PendingRequest, reason: NoResponseReason): void {
    const held = this.heldBy(request);
    this.metadata.requestUpdate();
    if (request.type === 'FetchRequest' && request.context !== RESET_LOOKUP) this.completePoll('info', null, reason);
    this.schedule(this.backoffUs);
    if (held) this.options.gate!.release();
  }

  private completePoll(
    type: 'ok' | 'fail' | 'info',
    records: Array<[number, string]> | null,
    error: string | undefined,
  ): void {
    const invoke = this.pollInvoke!;
    this.pollInvoke = null;
    const value: PollValue = { topic: invoke.topic, partition: invoke.partition, offset: invoke.offset };
    if (records !== null) value.records = records;
    // the position the answer left (past control batches and aborted records it skipped)
    if (type === 'ok') value.next = this.position;
    this.recorder.record({ time: this.ctx.now(), process: this.process, type, f: 'poll', value, error });
  }

  private onFetchResponse(r: Extract<ClientResponse, { type: 'FetchResponse' }>): void {
    const error = r.error;
    switch (error) {
      case 'NONE': {
        if (r.divergingEpoch !== undefined) {
          throw new Error('fetcher: a DivergingEpoch answer to a fetch that sent no epoch');
        }
        const from = this.position;
        const pairs: Array<[number, string]> = [];
        // The records returned, kept only for an afterPoll hook (most streams have none).
        const afterPoll = this.options.afterPoll;
        const kept: LogRecord[] | null = afterPoll === undefined ? null : [];
        const aborted = this.readCommitted ? abortedQueue(r.abortedTransactions) : null;
        const seen = collectRecords(r.records, from, aborted, pairs, kept);
        if (seen.epoch >= 0) this.lastFetchedEpoch = seen.epoch;
        this.position = seen.next;
        this.stats.records += pairs.length;
        this.completePoll('ok', pairs, undefined);
        const stop =
          afterPoll !== undefined && kept !== null
            ? afterPoll(this, kept.length > 0 ? kept : NO_RECORDS, r.highWatermark)
            : false;
        if (stop) {
          this.state = 'stopped';
          this.stopAfterRequest = false;
          return;
        }
        this.schedule(this.options.pollGapUs);
        return;
      }
      case 'FENCED_LEADER_EPOCH':
      case 'NOT_LEADER_OR_FOLLOWER':
      case 'LEADER_NOT_AVAILABLE':
      case 'UNKNOWN_TOPIC_OR_PARTITION':
      case 'BROKER_NOT_AVAILABLE':
      case 'STALE_BROKER_EPOCH':
        this.completePoll('fail', null, error);
        this.metadata.requestUpdate();
        this.schedule(this.backoffUs);
        return;
      case 'UNKNOWN_LEADER_EPOCH':
        // Our metadata is ahead of the broker's; it will catch up.
        this.completePoll('fail', null, error);
        this.schedule(this.backoffUs);
        return;
      case 'OFFSET_OUT_OF_RANGE':
        // FetchCollector.handleInitializeErrors: reset at once by auto.offset.reset, or raise
        // OffsetOutOfRangeException to the application when there is no policy.
        this.completePoll('fail', null, error);
        if (this.resetPolicy === 'none') {
          this.state = 'stopped';
          this.stopAfterRequest = false;
          return;
        }
        codeProbe('consumer-offset-reset');
        this.reset(this.latestOffset(r), r.logStartOffset);
        this.schedule(0);
        return;
      case 'NOT_ENOUGH_REPLICAS':
      case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      case 'REQUEST_TIMED_OUT':
      case 'OUT_OF_ORDER_SEQUENCE_NUMBER':
      case 'DUPLICATE_SEQUENCE_NUMBER':
      case 'UNKNOWN_PRODUCER_ID':
      case 'INVALID_PRODUCER_EPOCH':
      case 'INVALID_TXN_STATE':
      case 'INVALID_PRODUCER_ID_MAPPING':
      case 'TRANSACTION_COORDINATOR_FENCED':
        this.completePoll('fail', null, error);
        this.schedule(this.backoffUs);
        return;
      default:
        unreachable(error);
    }
  }

  /** The answer to lookUpReset: reset the position by the policy from the leader's figures. */
  private onResetLookup(r: Extract<ClientResponse, { type: 'FetchResponse' }>): void {
    if (r.error !== 'NONE') {
      if (r.error !== 'UNKNOWN_LEADER_EPOCH') this.metadata.requestUpdate();
      this.schedule(this.backoffUs);
      return;
    }
    this.reset(this.latestOffset(r), r.logStartOffset);
    this.schedule(0);
  }

  /** ListOffsets LATEST: the HW, or the LSO under read_committed (Partition.fetchOffsetForTimestamp). */
  private latestOffset(r: Extract<ClientResponse, { type: 'FetchResponse' }>): number {
    if (!this.readCommitted || r.lastStableOffset === undefined) return r.highWatermark;
    if (this.resetPolicy === 'latest' && r.lastStableOffset < r.highWatermark) codeProbe('txn-consumer-reset-to-lso');
    return r.lastStableOffset;
  }

  /**
   * SubscriptionState.requestOffsetReset then OffsetFetcher.resetPositionsIfNeeded: the
   * position becomes the HW (`latest`) or the log start (`earliest`), with no offset epoch
   * (a simplification: Kafka takes the epoch ListOffsets names). Recorded as an assign that
   * says it was a reset, even when the position does not move.
   */
  private reset(highWatermark: number, logStartOffset: number): void {
    this.resetPending = false;
    this.awaitingValidation = false;
    this.stats.resets++;
    switch (this.resetPolicy) {
      case 'latest':
        this.assign(highWatermark, -1, 'latest');
        return;
      case 'earliest':
        this.assign(logStartOffset, -1, 'earliest');
        return;
      case 'none':
        throw new Error('fetcher: reset without a reset policy');
      default:
        unreachable(this.resetPolicy);
    }
  }

  private onValidation(r: Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }>): void {
    const error = r.error;
    switch (error) {
      case 'NONE':
        this.validatedEpoch = this.validatingEpoch;
        this.completeValidation(r.leaderEpoch, r.endOffset);
        if (this.state === 'validating') this.step();
        return;
      case 'FENCED_LEADER_EPOCH':
      case 'NOT_LEADER_OR_FOLLOWER':
      case 'LEADER_NOT_AVAILABLE':
      case 'UNKNOWN_TOPIC_OR_PARTITION':
      case 'BROKER_NOT_AVAILABLE':
      case 'STALE_BROKER_EPOCH':
        this.metadata.requestUpdate();
        this.schedule(this.backoffUs);
        return;
      case 'UNKNOWN_LEADER_EPOCH':
      case 'OFFSET_OUT_OF_RANGE':
      case 'NOT_ENOUGH_REPLICAS':
      case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      case 'REQUEST_TIMED_OUT':
      case 'OUT_OF_ORDER_SEQUENCE_NUMBER':
      case 'DUPLICATE_SEQUENCE_NUMBER':
      case 'UNKNOWN_PRODUCER_ID':
      case 'INVALID_PRODUCER_EPOCH':
      case 'INVALID_TXN_STATE':
      case 'INVALID_PRODUCER_ID_MAPPING':
      case 'TRANSACTION_COORDINATOR_FENCED':
        this.schedule(this.backoffUs);
        return;
      default:
        unreachable(error);
    }
  }

  /**
   * KIP-320, SubscriptionState.maybeCompleteValidation: the leader's log for our offset epoch
   * ends at `endOffset`. An undefined answer (the leader knows no epoch up to ours) resets
   * the position by auto.offset.reset. An end offset below our position means the records
   * from there on were truncated: seek back to it (an assign op), with the leader's epoch for
   * it. Otherwise the position is valid as it is. Under `none` either truncation is a
   * LogTruncation instead (raiseLogTruncation).
   */
  private completeValidation(epoch: number, endOffset: number): void {
    // completeValidation / seekValidated -> FETCHING, requestOffsetReset -> AWAIT_RESET; with no
    // reset policy Kafka returns a LogTruncation and the partition stays AWAIT_VALIDATION.
    this.awaitingValidation = false;
    if (endOffset < 0 || epoch < 0) {
      codeProbe('consumer-validation-leader-knows-no-epoch');
      this.stats.truncations++;
      if (this.resetPolicy === 'none') this.raiseLogTruncation();
      else this.resetPending = true;
    } else if (endOffset < this.position && this.resetPolicy === 'none') {
      codeProbe('consumer-log-truncation-exception');
      this.stats.truncations++;
      this.raiseLogTruncation();
    } else if (endOffset < this.position || (this.seeksAhead && endOffset > this.position)) {
      // Variant validation-seeks-ahead drops the comparison: any end offset becomes the position.
      if (endOffset < this.position) codeProbe('consumer-truncation-detected');
      this.stats.truncations++;
      this.assign(endOffset, epoch, 'truncation');
    }
  }

  /**
   * No reset policy: OffsetFetcherUtils.onSuccessfulResponseForValidatingPositions caches a
   * LogTruncationException (maybeSetValidatePositionsException) that the application's next
   * poll throws (getPartitionsToValidate, 3.9.0-rc3); the position does not move and the
   * partition stays AWAIT_VALIDATION. The model's application does not catch it, as under
   * OffsetOutOfRangeException: a failed poll at the position names it, and the stream stops.
   */
  private raiseLogTruncation(): void {
    this.state = 'stopped';
    this.awaitingValidation = true;
    const value: PollValue = { topic: this.topic, partition: this.partition, offset: this.position };
    const run = this.gateTicket;
    const record = (): void => {
      if (run !== this.gateTicket) return;
      const t = this.ctx.now();
      this.recorder.record({ time: t, process: this.process, type: 'invoke', f: 'poll', value });
      const error = LOG_TRUNCATION_EXCEPTION;
      this.recorder.record({ time: t, process: this.process, type: 'fail', f: 'poll', value: { ...value }, error });
    };
    if (this.options.gate === undefined) record();
    else this.options.gate.instant(record);
  }
}

/** The exception a poll throws on a truncation found with no reset policy (LogTruncationException). */
const LOG_TRUNCATION_EXCEPTION = 'LogTruncationException';
const NO_RECORDS: readonly LogRecord[] = [];
/** Set last on a read_committed consumer's FetchRequest (the key order the spread it replaced gave). */
const READ_COMMITTED = 'read_committed';

type FetchRequest = Extract<ClientRequest, { type: 'FetchRequest' }>;

/** CompletedFetch.abortedTransactions: the answer's aborted transactions by first offset. */
function abortedQueue(list: readonly AbortedTransaction[] | undefined): AbortedTransaction[] {
  return list === undefined ? [] : [...list].sort((a, b) => a.firstOffset - b.firstOffset);
}

/**
 * CompletedFetch.nextFetchedRecord over one answer: appends the records the application sees
 * (from `from` on) to `pairs` and, unless it is null, to `kept`, and returns the next fetch
 * offset and the leader epoch of the last batch reaching it (lastEpoch, -1 if none). Control batches are
 * skipped; with `aborted` (read_committed) a transactional batch of a producer whose aborted
 * transaction began at or below the batch's last offset is skipped, until its ABORT marker.
 */
function collectRecords(
  recs: readonly LogRecord[],
  from: number,
  aborted: AbortedTransaction[] | null,
  pairs: Array<[number, string]>,
  kept: LogRecord[] | null,
): { next: number; epoch: number } {
  let next = from;
  let epoch = -1;
  const abortedProducers = aborted === null ? null : new Set<number>();
  let batchStart = 0;
  for (let i = 0; i < recs.length; i++) {
    const rec = recs[i];
    const lastInBatch = i === recs.length - 1 || (rec as ModelRecord).lastInBatch !== false;
    if (!lastInBatch) continue;
    const first = recs[batchStart];
    const start = batchStart;
    batchStart = i + 1;
    if (rec.offset >= from) epoch = rec.epoch;
    if (aborted !== null && abortedProducers !== null && first.producerId >= 0) {
      // consumeAbortedTransactionsUpTo(batch.lastOffset)
      while (aborted.length > 0 && aborted[0].firstOffset <= rec.offset)
        abortedProducers.add(aborted.shift()!.producerId);
      if (first.control?.type === 'ABORT') abortedProducers.delete(first.producerId);
      else if (first.transactional === true && abortedProducers.has(first.producerId)) {
        codeProbe('txn-consumer-skipped-aborted-batch');
        if (rec.offset >= next) next = rec.offset + 1; // nextFetchOffset = batch.nextOffset()
        continue;
      }
    }
    for (let j = start; j <= i; j++) {
      const r = recs[j];
      if (r.offset < from) continue; // a batch may start below the fetch offset
      next = r.offset + 1;
      if (r.control !== undefined) continue; // control records are not returned to the user
      pairs.push([r.offset, r.value]);
      if (kept !== null) kept.push(r);
    }
  }
  return { next, epoch };
}

/**
 * What a consumer of this isolation level returns from a fetch answer read from `from`
 * (the fetch loop's own filter, for tests and white-box checks).
 */
export function consumerView(
  resp: Extract<ClientResponse, { type: 'FetchResponse' }>,
  from: number,
  readCommitted: boolean,
): { returned: LogRecord[]; next: number } {
  const returned: LogRecord[] = [];
  const seen = collectRecords(
    resp.records,
    from,
    readCommitted ? abortedQueue(resp.abortedTransactions) : null,
    [],
    returned,
  );
  return { returned, next: seen.next };
}

/** Context of the fetch that stands in for ListOffsets (lookUpReset). */
const RESET_LOOKUP = { type: 'reset-lookup' } as const;
