// One consumer's fetch loop for one assigned partition (assign mode), after Kafka's
// consumer Fetcher and SubscriptionState, and the history it records.
//
// What it does:
// - Keeps a position (next offset to read) and the leader epoch of the last record read
//   (`lastFetchedEpoch`). Fetches from the partition's leader with fetchOffset = position,
//   lastFetchedEpoch and currentLeaderEpoch (KIP-320); the broker answers at most up to the
//   HW, and the consumer trusts it.
// - Leader change (KIP-320): when metadata shows a leader epoch newer than the one the
//   position was validated against, and the position carries an epoch, it first asks the
//   new leader OffsetsForLeaderEpoch(lastFetchedEpoch). An end offset below the position
//   means the log was truncated under the consumer: it repositions to that end offset.
//   A DivergingEpoch in a Fetch response means the same and is handled the same way.
// - Errors: FENCED_LEADER_EPOCH / NOT_LEADER_OR_FOLLOWER / LEADER_NOT_AVAILABLE /
//   UNKNOWN_TOPIC_OR_PARTITION refresh metadata; UNKNOWN_LEADER_EPOCH waits for the broker
//   to catch up; OFFSET_OUT_OF_RANGE validates the position if it can, else resets it
//   (to the log start when below it, else to the HW: auto.offset.reset, never skipping a
//   record the leader has below its HW). Each retry waits `retry.backoff.ms`.
//
// History (checkers/history.ts): one process (a lane) per partition stream. `assign` op
// (invoke + ok) when the stream starts and whenever the position moves backwards after
// detected truncation, so the position never goes backwards between assigns. Each Fetch is
// a `poll` op: invoke {topic, partition, offset}; ok with the records, consecutive
// [offset, value] pairs (possibly none); fail on an error answer (a poll changes nothing);
// info when no answer came (timeout, disconnect).

import type { TimerHandle } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { AssignValue, PollValue } from '../checkers/history.ts';
import type { HistoryRecorder } from './client-api.ts';
import type { ClientResponse, LogRecord } from './client-protocol.ts';
import type { ClientMetadata } from './client-metadata.ts';
import type { ClientNet, NoResponseReason, PendingRequest, RequestOwner } from './client-net.ts';
import { msToUs, unreachable } from './client-net.ts';
import type { KafkaConfig } from './config.ts';
import { codeProbe } from './code-probes.ts';

export interface FetchWakeTag {
  readonly type: 'fetch-wake';
  readonly fetcher: number;
}

export type FetcherState = 'waiting' | 'awaiting-metadata' | 'fetching' | 'validating' | 'stopped';

export interface FetcherOptions {
  /** Gap after a successful poll, µs. */
  pollGapUs: number;
  /**
   * Called after every successful poll with the records it returned and the leader's HW;
   * return true to stop the stream (probe, final read).
   */
  afterPoll?: (fetcher: PartitionFetcher, records: readonly LogRecord[], highWatermark: number) => boolean;
}

export class PartitionFetcher implements RequestOwner {
  state: FetcherState = 'stopped';
  position = 0;
  /** Leader epoch of the record at position - 1, -1 when unknown (KIP-320 offset epoch). */
  lastFetchedEpoch = -1;
  /** The leader epoch the position was last fetched or validated with. */
  private validatedEpoch = -1;
  /** Validate before the next fetch even without a newer epoch (after OFFSET_OUT_OF_RANGE). */
  private forceValidation = false;
  private validatingEpoch = -1;
  private timer: TimerHandle = -1;
  private readonly wakeTag: FetchWakeTag;
  private pollInvoke: PollValue | null = null;
  private stopAfterRequest = false;
  private readonly backoffUs: number;
  private readonly timeoutUs: number;
  /** Figures for tests and reports. */
  readonly stats = { polls: 0, records: 0, truncations: 0, validations: 0 };

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
  }

  /** Start (or restart) the stream at `offset`: an assign op, then polls. */
  start(offset: number): void {
    if (this.state === 'fetching' || this.state === 'validating')
      throw new Error(`fetcher ${this.topic}/${this.partition}: start while a request is out`);
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    this.stopAfterRequest = false;
    this.assign(offset, -1);
    this.validatedEpoch = -1;
    this.forceValidation = false;
    this.schedule(0);
  }

  /** Stop polling (an outstanding request is allowed to complete and is recorded). */
  stop(): void {
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    if (this.state === 'waiting' || this.state === 'awaiting-metadata') this.state = 'stopped';
    else if (this.state !== 'stopped') this.stopAfterRequest = true;
  }

  isStopped(): boolean {
    return this.state === 'stopped';
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

  private assign(offset: number, epoch: number): void {
    const now = this.ctx.now();
    const invoke: AssignValue = { topic: this.topic, partition: this.partition, offset };
    const ok: AssignValue = { topic: this.topic, partition: this.partition, offset };
    this.recorder.record({ time: now, process: this.process, type: 'invoke', f: 'assign', value: invoke });
    this.recorder.record({ time: now, process: this.process, type: 'ok', f: 'assign', value: ok });
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
    if (this.lastFetchedEpoch >= 0 && (md.leaderEpoch > this.validatedEpoch || this.forceValidation)) {
      this.validate(md.leader, md.leaderEpoch);
      return;
    }
    this.validatedEpoch = md.leaderEpoch;
    this.fetch(md.leader, md.leaderEpoch);
  }

  private validate(leader: number, leaderEpoch: number): void {
    this.state = 'validating';
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
    this.state = 'fetching';
    this.stats.polls++;
    const invoke: PollValue = { topic: this.topic, partition: this.partition, offset: this.position };
    this.pollInvoke = invoke;
    this.recorder.record({ time: this.ctx.now(), process: this.process, type: 'invoke', f: 'poll', value: invoke });
    this.net.request(
      leader,
      {
        type: 'FetchRequest',
        correlationId: this.net.correlationId(),
        replicaId: -1,
        replicaEpoch: -1,
        topic: this.topic,
        partition: this.partition,
        fetchOffset: this.position,
        lastFetchedEpoch: this.lastFetchedEpoch,
        currentLeaderEpoch: leaderEpoch,
        maxWaitMs: this.config['fetch.max.wait.ms'],
        maxRecords: this.config['max.poll.records'],
      },
      this.timeoutUs,
      this,
      null,
    );
  }

  // --- answers -----------------------------------------------------------------------------

  onResponse(_request: PendingRequest, response: ClientResponse): void {
    switch (response.type) {
      case 'FetchResponse':
        this.onFetchResponse(response);
        return;
      case 'OffsetsForLeaderEpochResponse':
        this.onValidation(response);
        return;
      case 'MetadataResponse':
      case 'InitProducerIdResponse':
      case 'ProduceResponse':
        throw new Error(`fetcher: unexpected ${response.type}`);
      default:
        unreachable(response);
    }
  }

  onNoResponse(request: PendingRequest, reason: NoResponseReason): void {
    this.metadata.requestUpdate();
    if (request.type === 'FetchRequest') this.completePoll('info', null, reason);
    this.schedule(this.backoffUs);
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
    this.recorder.record({ time: this.ctx.now(), process: this.process, type, f: 'poll', value, error });
  }

  private onFetchResponse(r: Extract<ClientResponse, { type: 'FetchResponse' }>): void {
    const error = r.error;
    switch (error) {
      case 'NONE': {
        if (r.divergingEpoch !== undefined) {
          // KIP-320: the leader says our log diverges after (epoch, endOffset).
          codeProbe('consumer-diverging-epoch');
          this.completePoll('ok', [], undefined);
          this.truncationDetected(r.divergingEpoch.epoch, r.divergingEpoch.endOffset);
          this.schedule(0);
          return;
        }
        const from = this.position;
        const pairs: Array<[number, string]> = [];
        let kept: LogRecord[] | null = null;
        let next = from;
        const recs = r.records;
        for (let i = 0; i < recs.length; i++) {
          const rec = recs[i];
          if (rec.offset < from) continue; // a batch may start below the fetch offset
          pairs.push([rec.offset, rec.value]);
          next = rec.offset + 1;
          this.lastFetchedEpoch = rec.epoch;
          if (kept === null) kept = [];
          kept.push(rec);
        }
        this.position = next;
        this.stats.records += pairs.length;
        this.completePoll('ok', pairs, undefined);
        const stop = this.options.afterPoll?.(this, kept ?? NO_RECORDS, r.highWatermark) ?? false;
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
        this.completePoll('fail', null, error);
        if (this.lastFetchedEpoch >= 0 && !this.forceValidation) {
          this.forceValidation = true;
        } else {
          // auto.offset.reset: earliest if below the log start, else back to the HW.
          this.forceValidation = false;
          const reset = this.position < r.logStartOffset ? r.logStartOffset : Math.min(this.position, r.highWatermark);
          if (reset !== this.position) codeProbe('consumer-offset-reset');
          if (reset !== this.position) this.assign(reset, -1);
        }
        this.schedule(this.backoffUs);
        return;
      case 'NOT_ENOUGH_REPLICAS':
      case 'NOT_ENOUGH_REPLICAS_AFTER_APPEND':
      case 'REQUEST_TIMED_OUT':
      case 'OUT_OF_ORDER_SEQUENCE_NUMBER':
      case 'DUPLICATE_SEQUENCE_NUMBER':
      case 'UNKNOWN_PRODUCER_ID':
      case 'INVALID_PRODUCER_EPOCH':
        this.completePoll('fail', null, error);
        this.schedule(this.backoffUs);
        return;
      default:
        unreachable(error);
    }
  }

  private onValidation(r: Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }>): void {
    const error = r.error;
    switch (error) {
      case 'NONE':
        this.forceValidation = false;
        this.validatedEpoch = this.validatingEpoch;
        if (r.endOffset < 0 || r.leaderEpoch < 0) {
          // The leader knows no epoch up to ours: everything we read diverges (reset to earliest).
          if (this.position > 0) codeProbe('consumer-validation-leader-knows-no-epoch');
          if (this.position > 0) this.truncationDetected(-1, 0);
        } else {
          this.truncationDetected(r.leaderEpoch, r.endOffset);
        }
        this.step();
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
        this.schedule(this.backoffUs);
        return;
      default:
        unreachable(error);
    }
  }

  /**
   * KIP-320 (SubscriptionState.maybeCompleteValidation): the leader's log for our epoch ends
   * at `endOffset`. Below our position, the records from there on were truncated: move back
   * (an assign op) and continue from there with the leader's epoch for it.
   */
  private truncationDetected(epoch: number, endOffset: number): void {
    if (endOffset < this.position) {
      codeProbe('consumer-truncation-detected');
      this.stats.truncations++;
      this.assign(endOffset, epoch);
    } else if (epoch >= 0) {
      // No truncation under us; remember the epoch the leader vouches for so we do not ask again.
      this.lastFetchedEpoch = epoch;
    }
  }
}

const NO_RECORDS: readonly LogRecord[] = [];
