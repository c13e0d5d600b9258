// A minimal scripted stand-in for the brokers, for the client tests: it speaks the client
// protocol (model/client-protocol.ts) with a leader per partition taken from a shared
// "world" the test controls, one log per broker and partition, everything committed at once
// (HW = log end), Kafka's idempotent dedupe (last five batches per producer id), KIP-320
// epoch checks and divergence answers. A test hooks `produce` to script errors, silences,
// or appends whose answer is lost. It is not the model's broker; it only lets the clients
// be tested alone.

import type { Actor, Message, NodeContext } from '../../../harness/index.ts';
import type {
  ClientRequest,
  ClientResponse,
  ErrorCode,
  LogRecord,
  PartitionMetadata,
} from '../../../model/client-protocol.ts';

export interface FakePartition {
  leader: number;
  leaderEpoch: number;
  replicas: number[];
}

export interface FakeWorld {
  brokers: number[];
  partitions: Map<string, FakePartition>;
  nextProducerId: number;
  /** Every broker actor by id (live incarnation). */
  actors: Map<number, FakeBroker>;
  /** When set, every broker uses these logs and producer states: a perfectly replicated cluster. */
  shared?: { logs: Map<string, LogRecord[]>; producers: Map<string, Map<number, ProducerEntry>> };
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMeta[];
}

export type ProduceAction =
  | 'append' // append and answer
  | 'append-silently' // append, send no answer (the answer is "lost")
  | 'silence' // neither append nor answer
  | { error: ErrorCode; append?: boolean }; // answer with an error, appending first if asked

export type ProduceHook = (
  req: Extract<ClientRequest, { type: 'ProduceRequest' }>,
  broker: FakeBroker,
) => ProduceAction;

export const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

export function createWorld(
  brokers: number[],
  topics: Array<{ name: string; partitions: number }>,
  opts: { leader?: number; shared?: boolean } = {},
): FakeWorld {
  const partitions = new Map<string, FakePartition>();
  const leader = opts.leader ?? brokers[0];
  for (const t of topics)
    for (let p = 0; p < t.partitions; p++)
      partitions.set(tpKey(t.name, p), { leader, leaderEpoch: 0, replicas: [...brokers] });
  const world: FakeWorld = { brokers, partitions, nextProducerId: 1000, actors: new Map() };
  if (opts.shared) world.shared = { logs: new Map(), producers: new Map() };
  return world;
}

interface BatchMeta {
  firstSeq: number;
  lastSeq: number;
  baseOffset: number;
}

export class FakeBroker implements Actor<Message> {
  readonly logs: Map<string, LogRecord[]>;
  private readonly producers: Map<string, Map<number, ProducerEntry>>;
  readonly received: ClientRequest[] = [];

  constructor(
    readonly ctx: NodeContext,
    readonly world: FakeWorld,
    public produceHook: ProduceHook | null = null,
  ) {
    world.actors.set(ctx.id, this);
    this.logs = world.shared?.logs ?? new Map();
    this.producers = world.shared?.producers ?? new Map();
  }

  log(topic: string, partition: number): LogRecord[] {
    const key = tpKey(topic, partition);
    let log = this.logs.get(key);
    if (log === undefined) {
      log = [];
      this.logs.set(key, log);
    }
    return log;
  }

  /** Append records directly (test setup), with the given epoch. */
  seed(topic: string, partition: number, epoch: number, values: string[]): void {
    const log = this.log(topic, partition);
    for (const value of values) log.push({ offset: log.length, epoch, producerId: -1, sequence: -1, key: null, value });
  }

  onTimer(): void {}

  onMessage(from: number, raw: Message): void {
    const msg = raw as ClientRequest;
    this.received.push(msg);
    const reply = (r: ClientResponse): void => this.ctx.send(from, r);
    switch (msg.type) {
      case 'MetadataRequest': {
        const partitions: PartitionMetadata[] = [];
        for (const [key, p] of this.world.partitions) {
          const slash = key.lastIndexOf('/');
          const topic = key.slice(0, slash);
          if (!msg.topics.includes(topic)) continue;
          partitions.push({
            topic,
            partition: Number(key.slice(slash + 1)),
            leader: p.leader,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicas,
            isr: p.replicas,
          });
        }
        reply({ type: 'MetadataResponse', correlationId: msg.correlationId, brokers: this.world.brokers, partitions });
        return;
      }
      case 'InitProducerIdRequest':
        reply({
          type: 'InitProducerIdResponse',
          correlationId: msg.correlationId,
          error: 'NONE',
          producerId: this.world.nextProducerId++,
          producerEpoch: 0,
        });
        return;
      case 'ProduceRequest': {
        const base = {
          type: 'ProduceResponse' as const,
          correlationId: msg.correlationId,
          topic: msg.topic,
          partition: msg.partition,
        };
        const p = this.world.partitions.get(tpKey(msg.topic, msg.partition));
        if (p === undefined) return reply({ ...base, error: 'UNKNOWN_TOPIC_OR_PARTITION', baseOffset: -1 });
        if (p.leader !== this.ctx.id) return reply({ ...base, error: 'NOT_LEADER_OR_FOLLOWER', baseOffset: -1 });
        const action = this.produceHook?.(msg, this) ?? 'append';
        if (action === 'silence') return;
        if (typeof action === 'object' && !action.append)
          return reply({ ...base, error: action.error, baseOffset: -1 });
        const result = this.append(msg, p.leaderEpoch);
        if (action === 'append-silently' || msg.acks === 0) return;
        // Kafka answers a produce that failed after its append with the append's offset.
        if (typeof action === 'object') return reply({ ...base, error: action.error, baseOffset: result.baseOffset });
        return reply({ ...base, error: result.error, baseOffset: result.baseOffset });
      }
      case 'FetchRequest': {
        const p = this.world.partitions.get(tpKey(msg.topic, msg.partition));
        const log = this.log(msg.topic, msg.partition);
        const base = {
          type: 'FetchResponse' as const,
          correlationId: msg.correlationId,
          topic: msg.topic,
          partition: msg.partition,
          highWatermark: log.length,
          logStartOffset: 0,
          leaderEpoch: p?.leaderEpoch ?? -1,
        };
        if (p === undefined || p.leader !== this.ctx.id)
          return reply({ ...base, error: 'NOT_LEADER_OR_FOLLOWER', records: [] });
        if (msg.currentLeaderEpoch < p.leaderEpoch)
          return reply({ ...base, error: 'FENCED_LEADER_EPOCH', records: [] });
        if (msg.currentLeaderEpoch > p.leaderEpoch)
          return reply({ ...base, error: 'UNKNOWN_LEADER_EPOCH', records: [] });
        if (msg.lastFetchedEpoch >= 0) {
          const end = this.endOffsetFor(log, msg.lastFetchedEpoch);
          if (end.epoch !== msg.lastFetchedEpoch || end.endOffset < msg.fetchOffset) {
            return reply({ ...base, error: 'NONE', records: [], divergingEpoch: end });
          }
        }
        if (msg.fetchOffset > log.length) return reply({ ...base, error: 'OFFSET_OUT_OF_RANGE', records: [] });
        return reply({ ...base, error: 'NONE', records: log.slice(msg.fetchOffset, msg.fetchOffset + msg.maxRecords) });
      }
      case 'OffsetsForLeaderEpochRequest': {
        const p = this.world.partitions.get(tpKey(msg.topic, msg.partition));
        const base = {
          type: 'OffsetsForLeaderEpochResponse' as const,
          correlationId: msg.correlationId,
          topic: msg.topic,
          partition: msg.partition,
        };
        if (p === undefined || p.leader !== this.ctx.id)
          return reply({ ...base, error: 'NOT_LEADER_OR_FOLLOWER', leaderEpoch: -1, endOffset: -1 });
        if (msg.currentLeaderEpoch < p.leaderEpoch)
          return reply({ ...base, error: 'FENCED_LEADER_EPOCH', leaderEpoch: -1, endOffset: -1 });
        const end = this.endOffsetFor(this.log(msg.topic, msg.partition), msg.leaderEpoch);
        return reply({ ...base, error: 'NONE', leaderEpoch: end.epoch, endOffset: end.endOffset });
      }
    }
  }

  /**
   * KIP-279: the largest epoch ≤ `epoch` in the log and the offset where it ends (epochs never decrease along a log).
   */
  endOffsetFor(log: readonly LogRecord[], epoch: number): { epoch: number; endOffset: number } {
    for (let i = log.length - 1; i >= 0; i--) {
      if (log[i].epoch <= epoch) return { epoch: log[i].epoch, endOffset: i + 1 };
    }
    return { epoch: -1, endOffset: -1 };
  }

  private append(
    msg: Extract<ClientRequest, { type: 'ProduceRequest' }>,
    epoch: number,
  ): { error: ErrorCode; baseOffset: number } {
    const log = this.log(msg.topic, msg.partition);
    const key = tpKey(msg.topic, msg.partition);
    const lastSeq = msg.baseSequence + msg.records.length - 1;
    if (msg.producerId >= 0) {
      let byPid = this.producers.get(key);
      if (byPid === undefined) this.producers.set(key, (byPid = new Map()));
      let entry = byPid.get(msg.producerId);
      // Kafka's ProducerAppendInfo: an older epoch is fenced; a newer one starts at sequence 0.
      if (entry !== undefined && msg.producerEpoch < entry.epoch) {
        return { error: 'INVALID_PRODUCER_EPOCH', baseOffset: -1 };
      }
      if (entry !== undefined && msg.producerEpoch > entry.epoch) {
        if (msg.baseSequence !== 0) return { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', baseOffset: -1 };
        entry = undefined;
      }
      if (entry !== undefined) {
        const dup = entry.batches.find((b) => b.firstSeq === msg.baseSequence && b.lastSeq === lastSeq);
        if (dup !== undefined) return { error: 'NONE', baseOffset: dup.baseOffset };
        const last = entry.batches[entry.batches.length - 1];
        if (last !== undefined && msg.baseSequence !== last.lastSeq + 1)
          return { error: 'OUT_OF_ORDER_SEQUENCE_NUMBER', baseOffset: -1 };
      }
      const e = entry ?? { epoch: msg.producerEpoch, batches: [] };
      e.batches.push({ firstSeq: msg.baseSequence, lastSeq, baseOffset: log.length });
      if (e.batches.length > 5) e.batches.shift();
      byPid.set(msg.producerId, e);
    }
    const baseOffset = log.length;
    msg.records.forEach((r, i) =>
      log.push({
        offset: baseOffset + i,
        epoch,
        producerId: msg.producerId,
        sequence: msg.producerId >= 0 ? msg.baseSequence + i : -1,
        key: r.key,
        value: r.value,
        ...(r.padBytes !== undefined ? { padBytes: r.padBytes } : {}),
      }),
    );
    return { error: 'NONE', baseOffset };
  }
}

export function fakeBrokerFactory(world: FakeWorld, hook: ProduceHook | null = null) {
  return (ctx: NodeContext): FakeBroker => new FakeBroker(ctx, world, hook);
}
