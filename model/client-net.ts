// A client's requests over the simulated network, as Kafka's NetworkClient handles them:
// correlation ids, one timer per request (`request.timeout.ms`), and connection semantics.
//
// Rules (what must and must not hold):
// - A response is matched to its request by correlation id and sender; anything else (a
//   response to a request that already timed out, a stray message) is ignored. A response
//   arriving after its timeout is therefore never seen, as in Kafka where the timeout has
//   already closed the connection.
// - When a request times out, Kafka closes the connection to that node: every other request
//   outstanding to the same node fails too ("disconnect"). Their owners learn it at once;
//   none of them can know whether the broker processed the request.
// - A connection that resets (the broker's process died) or is refused (it is down) fails
//   every request outstanding to that node at once with 'disconnect' (NetworkClient
//   .handleDisconnections / processDisconnection); the owner cannot know whether the broker
//   processed it. Otherwise (a power loss, a cut, a hung broker) only the timer reveals a loss.
// - One timer per client, not per request: it is armed for the earliest deadline among the
//   outstanding requests and re-armed lazily when it fires (a request answered in time just
//   leaves the set). Timeouts fire at exactly `sent + timeout`, as with a timer per request,
//   at two heap operations less per request. Its tag is plain data: {type:'request-timeout'}.
// - Each incarnation of a client (a process started anew after a kill -9) numbers its requests
//   in a range of correlation ids of its own. In Kafka a response travels on the connection
//   its request went out on (NetworkClient.handleCompletedReceives takes the next in-flight
//   request of that connection, InFlightRequests.completeNext), and a dead process's
//   connections die with it, so the new process, whose NetworkClient counts from 0 again
//   (NetworkClient.nextCorrelationId), never sees an answer meant for the old one. The
//   simulated network keys links by node, not by connection: a broker's late answer to the
//   old incarnation reaches the new one, and only a disjoint id range keeps it from being
//   taken as the answer to the new incarnation's request with the same id (issue 18).

import type { TimerHandle } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { ClientRequest, ClientResponse } from './client-protocol.ts';
import { codeProbe } from './code-probes.ts';

export type NoResponseReason = 'timeout' | 'disconnect';

export interface RequestOwner {
  onResponse(request: PendingRequest, response: ClientResponse): void;
  onNoResponse(request: PendingRequest, reason: NoResponseReason): void;
}

export interface PendingRequest {
  readonly correlationId: number;
  readonly node: number;
  readonly type: ClientRequest['type'];
  readonly sentUs: number;
  readonly deadlineUs: number;
  readonly owner: RequestOwner;
  /** The owner's own bookkeeping (the batch, the fetcher...). */
  readonly context: unknown;
}

const REQUEST_TIMEOUT_TAG = { type: 'request-timeout' } as const;
export type RequestTimeoutTag = typeof REQUEST_TIMEOUT_TAG;

/**
 * Correlation ids per client incarnation: incarnation k (1-based) numbers from
 * (k - 1) * CORRELATION_IDS_PER_INCARNATION + 1; no run sends that many requests from one.
 */
const CORRELATION_IDS_PER_INCARNATION = 1 << 24;

export class ClientNet {
  private nextCorrelationId: number;
  /** The first correlation id of this incarnation's range. */
  private readonly firstCorrelationId: number;
  /**
   * Requests outstanding, in the order sent (a Map's iteration order, which the timeout and
   * disconnect paths fail them in). Few at a time: searched linearly; a Map keyed by ever-new
   * correlation ids rehashed (allocated) every few requests as entries were added and deleted.
   */
  private readonly pending: PendingRequest[] = [];
  private readonly inFlightByNode = new Map<number, number>();
  private timer: TimerHandle = -1;
  private timerAtUs = Infinity;

  constructor(private readonly ctx: ModelContext) {
    this.firstCorrelationId = Math.max(0, ctx.incarnation - 1) * CORRELATION_IDS_PER_INCARNATION + 1;
    this.nextCorrelationId = this.firstCorrelationId;
  }

  /** A fresh correlation id for the next request. */
  correlationId(): number {
    return this.nextCorrelationId++;
  }

  /** Requests outstanding to `node` (Kafka's in-flight count of that connection). */
  inFlight(node: number): number {
    return this.inFlightByNode.get(node) ?? 0;
  }

  /** Send a request that expects a response within `timeoutUs`. */
  request(node: number, msg: ClientRequest, timeoutUs: number, owner: RequestOwner, context: unknown): PendingRequest {
    const now = this.ctx.now();
    const req: PendingRequest = {
      correlationId: msg.correlationId,
      node,
      type: msg.type,
      sentUs: now,
      deadlineUs: now + timeoutUs,
      owner,
      context,
    };
    if (this.indexOfPending(req.correlationId) >= 0)
      throw new Error(`client ${this.ctx.id}: correlation id ${req.correlationId} reused`);
    this.pending.push(req);
    this.inFlightByNode.set(node, this.inFlight(node) + 1);
    if (req.deadlineUs < this.timerAtUs) this.arm(req.deadlineUs);
    this.ctx.send(node, msg);
    return req;
  }

  /** Send a request that gets no response (acks=0 produce). */
  sendOneWay(node: number, msg: ClientRequest): void {
    this.ctx.send(node, msg);
  }

  /** Deliver an incoming message; false when it answers nothing outstanding. */
  handleMessage(from: number, msg: ClientResponse): boolean {
    const at = this.indexOfPending(msg.correlationId);
    const req = at < 0 ? undefined : this.pending[at];
    if (req === undefined && msg.correlationId < this.firstCorrelationId) {
      codeProbe('client-answer-to-earlier-incarnation-dropped');
      return false;
    }
    if (req === undefined || req.node !== from || !answers(req.type, msg.type)) return false;
    this.forget(req);
    req.owner.onResponse(req, msg);
    return true;
  }

  /**
   * The timeout timer fired: every request past its deadline times out and, as Kafka closes
   * the connection, the other requests outstanding to the same node fail with it.
   */
  handleTimeout(_tag: RequestTimeoutTag): void {
    this.timer = -1;
    this.timerAtUs = Infinity;
    const now = this.ctx.now();
    let victims: Array<[PendingRequest, NoResponseReason]> | null = null;
    for (const req of this.pending) {
      if (req.deadlineUs > now) continue;
      victims ??= [];
      const node = req.node;
      for (const other of this.pending) {
        if (other.node !== node || victims.some(([v]) => v === other)) continue;
        if (other.deadlineUs > now) codeProbe('client-request-failed-by-disconnect');
        victims.push([other, other.deadlineUs <= now ? 'timeout' : 'disconnect']);
      }
    }
    if (victims !== null) for (const [victim] of victims) this.forget(victim);
    this.rearm();
    if (victims === null) return;
    // Owners run after the connections are fully closed, so requests they send anew survive.
    for (const [victim, reason] of victims) victim.owner.onNoResponse(victim, reason);
  }

  /**
   * The kernel says the connection to `node` reset or was refused: every request outstanding
   * to it fails with 'disconnect' (NetworkClient.processDisconnection), owners after the
   * bookkeeping, as in handleTimeout. Returns how many failed.
   */
  handleDisconnect(node: number): number {
    const victims: PendingRequest[] = [];
    for (const req of this.pending) if (req.node === node) victims.push(req);
    for (const victim of victims) this.forget(victim);
    if (victims.length > 0) codeProbe('client-requests-failed-by-reset');
    if (victims.length > 0) this.rearm();
    for (const victim of victims) victim.owner.onNoResponse(victim, 'disconnect');
    return victims.length;
  }

  /** Abandon a request without closing anything (its response will be ignored). */
  abandon(req: PendingRequest): void {
    const at = this.indexOfPending(req.correlationId);
    if (at < 0 || this.pending[at] !== req) return;
    this.forget(req);
  }

  private arm(atUs: number): void {
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timerAtUs = atUs;
    this.timer = this.ctx.setTimer(Math.max(0, atUs - this.ctx.now()), REQUEST_TIMEOUT_TAG);
  }

  private rearm(): void {
    let earliest = Infinity;
    for (const req of this.pending) if (req.deadlineUs < earliest) earliest = req.deadlineUs;
    if (earliest !== Infinity) this.arm(earliest);
  }

  /** Where the request with `correlationId` is in `pending`, -1 when none is. */
  private indexOfPending(correlationId: number): number {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) if (pending[i].correlationId === correlationId) return i;
    return -1;
  }

  private forget(req: PendingRequest): void {
    const pending = this.pending;
    const at = this.indexOfPending(req.correlationId);
    if (at >= 0) {
      // Removed in place, the order kept (splice would allocate the array of what it removed,
      // and a shorter length the next push's backing store: model/arrays.ts).
      for (let i = at + 1; i < pending.length; i++) pending[i - 1] = pending[i];
      pending.pop();
    }
    this.inFlightByNode.set(req.node, this.inFlight(req.node) - 1);
  }
}

function answers(request: ClientRequest['type'], response: ClientResponse['type']): boolean {
  switch (request) {
    case 'MetadataRequest':
      return response === 'MetadataResponse';
    case 'InitProducerIdRequest':
      return response === 'InitProducerIdResponse';
    case 'ProduceRequest':
      return response === 'ProduceResponse';
    case 'FetchRequest':
      return response === 'FetchResponse';
    case 'OffsetsForLeaderEpochRequest':
      return response === 'OffsetsForLeaderEpochResponse';
    case 'FindCoordinatorRequest':
      return response === 'FindCoordinatorResponse';
    case 'GroupRequest':
      return response === 'GroupResponse';
    default:
      return unreachable(request);
  }
}

export function unreachable(value: never): never {
  throw new Error(`unreachable: ${JSON.stringify(value)}`);
}

/** Kafka's settings are in ms; the kernel counts µs. */
export function msToUs(ms: number): number {
  return Math.round(ms * 1000);
}
