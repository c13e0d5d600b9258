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
// - The kernel tells a sender nothing about lost messages; only the timer reveals a loss.
// - Timer tags are plain data (the kernel may hash them): {type:'request-timeout', id}.

import type { NodeContext, TimerHandle } from '../harness/kernel/types.ts';
import type { ClientRequest, ClientResponse } from './client-protocol.ts';

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
  readonly owner: RequestOwner;
  /** The owner's own bookkeeping (the batch, the fetcher...). */
  readonly context: unknown;
  timer: TimerHandle;
}

export interface RequestTimeoutTag {
  readonly type: 'request-timeout';
  readonly id: number;
}

export class ClientNet {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, PendingRequest>();
  private readonly inFlightByNode = new Map<number, number>();

  constructor(private readonly ctx: NodeContext) {}

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
    const req: PendingRequest = {
      correlationId: msg.correlationId,
      node,
      type: msg.type,
      sentUs: this.ctx.now(),
      owner,
      context,
      timer: -1,
    };
    if (this.pending.has(req.correlationId)) throw new Error(`client ${this.ctx.id}: correlation id ${req.correlationId} reused`);
    this.pending.set(req.correlationId, req);
    this.inFlightByNode.set(node, this.inFlight(node) + 1);
    const tag: RequestTimeoutTag = { type: 'request-timeout', id: req.correlationId };
    req.timer = this.ctx.setTimer(timeoutUs, tag);
    this.ctx.send(node, msg);
    return req;
  }

  /** Send a request that gets no response (acks=0 produce). */
  sendOneWay(node: number, msg: ClientRequest): void {
    this.ctx.send(node, msg);
  }

  /** Deliver an incoming message; false when it answers nothing outstanding. */
  handleMessage(from: number, msg: ClientResponse): boolean {
    const req = this.pending.get(msg.correlationId);
    if (req === undefined || req.node !== from || !answers(req.type, msg.type)) return false;
    this.forget(req);
    this.ctx.cancelTimer(req.timer);
    req.owner.onResponse(req, msg);
    return true;
  }

  /** A request-timeout timer fired: fail it and, as the connection closes, its node's others. */
  handleTimeout(tag: RequestTimeoutTag): void {
    const req = this.pending.get(tag.id);
    if (req === undefined) return;
    const victims: PendingRequest[] = [];
    for (const other of this.pending.values()) if (other.node === req.node) victims.push(other);
    for (const victim of victims) {
      this.forget(victim);
      if (victim !== req) this.ctx.cancelTimer(victim.timer);
    }
    // Owners run after the connection is fully closed, so requests they send anew survive.
    for (const victim of victims) victim.owner.onNoResponse(victim, victim === req ? 'timeout' : 'disconnect');
  }

  /** Abandon a request without closing anything (its response will be ignored). */
  abandon(req: PendingRequest): void {
    if (this.pending.get(req.correlationId) !== req) return;
    this.forget(req);
    this.ctx.cancelTimer(req.timer);
  }

  private forget(req: PendingRequest): void {
    this.pending.delete(req.correlationId);
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
