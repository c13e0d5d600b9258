// Test scaffolding for the broker/controller model: a cluster of real brokers and the real
// KRaft controller, without the workload clients, plus a raw client node through which a test
// sends exact protocol requests and reads the answers. Probe events are collected so a test
// can assert on truncations, ISR changes and acknowledgements.

import { Simulation } from '../../harness/index.ts';
import { startCodeProbes } from '../../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../../model/code-probes.ts';
import type { Actor, Message, NodeContext, ProbeEvent } from '../../harness/types.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import type { Broker } from '../../model/broker.ts';
import type { KraftController } from '../../model/controller.ts';
import { addKafkaServers, buildCluster } from '../../model/cluster.ts';
import { brokerOn, controllerOn } from '../../model/combined-server.ts';
import {
  type ClusterSpec,
  DEFAULT_KAFKA_CONFIG,
  type KafkaConfig,
  type ProtocolVariant,
  type TopicSpec,
  type WorkloadSpec,
} from '../../model/config.ts';
import type { ZkBroker } from '../../model/zk-broker.ts';
import type { ClientResponse, ErrorCode, IsolationLevel } from '../../model/client-protocol.ts';
import type { PartitionState } from '../../model/internal-protocol.ts';
import { ClusterView } from '../../model/cluster-view.ts';
import { MetadataCommitLog } from '../../model/metadata-image.ts';
import type { AckedRecord, ClusterSnapshot } from '../../checkers/cluster-state.ts';

export const RAW_CLIENT_ID = 250;

type ProduceResponse = Extract<ClientResponse, { type: 'ProduceResponse' }>;
type FetchResponse = Extract<ClientResponse, { type: 'FetchResponse' }>;

class RawClient implements Actor<Message> {
  readonly responses = new Map<number, ClientResponse>();
  constructor(
    readonly ctx: NodeContext<Message>,
    private readonly onResponse: (r: ClientResponse) => void,
  ) {}
  onMessage(_from: number, msg: Message): void {
    const r = msg as ClientResponse;
    this.responses.set(r.correlationId, r);
    this.onResponse(r);
  }
  onTimer(): void {}
}

export interface TestClusterOptions {
  brokers?: number;
  topics?: TopicSpec[];
  config?: Partial<KafkaConfig>;
  variant?: 'correct' | ProtocolVariant;
  seed?: number;
  /** Controller voters (1, 3 or 5; default 1). */
  controllers?: number;
  /** Combined mode: the voters run on brokers 1..controllers, one process with both roles. */
  combined?: boolean;
}

export class TestCluster {
  readonly sim: Simulation<ModelProbe>;
  readonly config: KafkaConfig;
  readonly probes: Array<{ t: number; node: number; e: ProbeEvent }> = [];
  readonly brokerIds: number[] = [];
  /**
   * Records acknowledged to the raw client by acks=all produces (error NONE). acks=1 writes are
   * the tests' tool for uncommitted data, which Kafka does not promise to keep.
   */
  readonly acked: AckedRecord[] = [];
  readonly view: ClusterView;
  readonly controllerIds: number[];
  readonly commitLog = new MetadataCommitLog();
  /** Called after every event while the test runs the simulation (e.g. an invariant monitor). */
  observer: (() => void) | undefined;
  private correlation = 1000;
  private readonly produced = new Map<number, { topic: string; partition: number; values: string[] }>();

  constructor(opts: TestClusterOptions = {}) {
    const brokers = opts.brokers ?? 3;
    const topics = opts.topics ?? [{ name: 't', partitions: 1, replicationFactor: brokers }];
    this.config = { ...DEFAULT_KAFKA_CONFIG, ...opts.config };
    const variant = opts.variant ?? 'correct';
    this.sim = new Simulation<ModelProbe>({
      seed: opts.seed ?? 1,
      defaultLatency: { kind: 'uniform', minUs: 200, maxUs: 800 },
    });
    const { brokerIds, voters } = addKafkaServers(
      this.sim,
      { brokers, controllers: opts.controllers ?? 1, combined: opts.combined, topics, config: this.config, variant },
      this.commitLog,
    );
    this.controllerIds = voters;
    this.brokerIds.push(...brokerIds);
    this.sim.addNode({
      id: RAW_CLIENT_ID,
      name: 'raw-client',
      factory: (ctx) => new RawClient(ctx as NodeContext<Message>, (r) => this.onResponse(r)),
    });
    this.sim.onProbe((node, e) => this.probes.push({ t: this.sim.now(), node, e }));
    this.view = new ClusterView(this.sim, this.brokerIds, topics, this.config, voters, this.commitLog);
  }

  private onResponse(r: ClientResponse): void {
    if (r.type !== 'ProduceResponse' || r.error !== 'NONE') return;
    const p = this.produced.get(r.correlationId);
    if (p === undefined) return;
    p.values.forEach((value, i) =>
      this.acked.push({
        topic: p.topic,
        partition: p.partition,
        offset: r.baseOffset + i,
        value,
        timeUs: this.sim.now(),
      }),
    );
  }

  snapshot(): ClusterSnapshot {
    return this.view.snapshot(this.acked, []);
  }

  start(): void {
    for (const id of this.controllerIds) if (!this.brokerIds.includes(id)) this.sim.start(id);
    for (const id of this.brokerIds) this.sim.start(id);
    this.sim.start(RAW_CLIENT_ID);
  }

  /** Runs until `pred` holds (checked after every event) or `maxUs` more virtual time passes. */
  runUntil(pred: () => boolean, maxUs = 120_000_000): boolean {
    if (pred()) return true;
    const observer = this.observer;
    const stopWhen = observer === undefined ? pred : () => (observer(), pred());
    this.sim.run({ stopWhen, untilUs: this.sim.now() + maxUs });
    return pred();
  }

  runFor(us: number): void {
    const observer = this.observer;
    this.sim.run({
      untilUs: this.sim.now() + us,
      stopWhen: observer === undefined ? undefined : () => (observer(), false),
    });
  }

  /** The active controller (throws when there is none). */
  controller(): KraftController {
    for (const id of this.controllerIds) {
      const c = controllerOn(this.sim, id);
      if (c !== undefined && c.active) return c;
    }
    if (this.controllerIds.length === 1) {
      const c = controllerOn(this.sim, this.controllerIds[0]);
      if (c !== undefined) return c;
    }
    throw new Error('no active controller');
  }

  /** The active controller's node id, if there is one. */
  activeControllerId(): number | undefined {
    for (const id of this.controllerIds) if (controllerOn(this.sim, id)?.active === true) return id;
    return undefined;
  }

  /** The partition as the committed metadata log has it (the controller's view). */
  state(topic = 't', partition = 0): PartitionState {
    const s = this.commitLog.image.partitions.find((x) => x.topic === topic && x.partition === partition);
    if (s === undefined) throw new Error(`no partition ${topic}-${partition}`);
    return s;
  }

  broker(id: number): Broker {
    const b = brokerOn(this.sim, id);
    if (b === undefined) throw new Error(`broker ${id} is down`);
    return b;
  }

  replica(id: number, topic = 't', partition = 0) {
    const p = this.broker(id).partition(topic, partition);
    if (p === undefined) throw new Error(`broker ${id} has no replica of ${topic}-${partition}`);
    return p;
  }

  /**
   * Every running broker is registered and unfenced, and every replica of the partition knows
   * the controller's current leader epoch and its role.
   */
  settled(topic = 't', partition = 0): boolean {
    const s = this.commitLog.image.partitions.find((x) => x.topic === topic && x.partition === partition);
    if (s === undefined || s.leader < 0) return false;
    for (const id of this.brokerIds) {
      if (!this.sim.isUp(id)) continue;
      const reg = this.commitLog.image.brokers.get(id);
      if (reg === undefined || reg.fenced || reg.epoch !== brokerOn(this.sim, id)?.brokerEpoch()) return false;
    }
    for (const id of s.replicas) {
      if (!this.sim.isUp(id)) continue;
      const p = brokerOn(this.sim, id)?.partition(topic, partition);
      if (p === undefined || p.leaderEpoch !== s.leaderEpoch) return false;
      if (p.role !== (id === s.leader ? 'leader' : 'follower')) return false;
    }
    return true;
  }

  /** The controller has a leader other than `not`, and that broker acts as leader in its epoch. */
  leaderReady(not = -1, topic = 't', partition = 0): boolean {
    const s = this.state(topic, partition);
    if (s.leader < 0 || s.leader === not || !this.sim.isUp(s.leader)) return false;
    const p = brokerOn(this.sim, s.leader)?.partition(topic, partition);
    return p !== undefined && p.role === 'leader' && p.leaderEpoch === s.leaderEpoch;
  }

  private raw(): RawClient {
    const c = this.sim.actor<RawClient>(RAW_CLIENT_ID);
    if (c === undefined) throw new Error('raw client down');
    return c;
  }

  /** Sends a ProduceRequest to `broker`; returns its correlation id. */
  produce(
    broker: number,
    values: string[],
    opts: {
      acks?: 0 | 1 | -1;
      topic?: string;
      partition?: number;
      producerId?: number;
      baseSequence?: number;
      timeoutMs?: number;
      producerEpoch?: number;
      /** A transactional batch (issue 17). */
      transactional?: boolean;
      /** ProduceRequest.transactionalId: the leader verifies the batch with its coordinator (KIP-890). */
      transactionalId?: string;
      /** Produce v12 of a transaction.version 2 client: the leader adds the partition (KIP-890 part 2). */
      txnV2?: boolean;
    } = {},
  ): number {
    const correlationId = ++this.correlation;
    if ((opts.acks ?? -1) === -1)
      this.produced.set(correlationId, { topic: opts.topic ?? 't', partition: opts.partition ?? 0, values });
    this.raw().ctx.send(broker, {
      type: 'ProduceRequest',
      correlationId,
      acks: opts.acks ?? -1,
      timeoutMs: opts.timeoutMs ?? 30_000,
      topic: opts.topic ?? 't',
      partition: opts.partition ?? 0,
      producerId: opts.producerId ?? -1,
      producerEpoch: opts.producerEpoch ?? 0,
      baseSequence: opts.baseSequence ?? -1,
      records: values.map((value) => ({ key: null, value })),
      ...(opts.transactional === true ? { transactional: true } : undefined),
      ...(opts.transactionalId !== undefined ? { transactionalId: opts.transactionalId } : undefined),
      ...(opts.txnV2 === true ? { txnV2: true } : undefined),
    } as Message);
    return correlationId;
  }

  /** A consumer fetch (reads up to the HW). */
  fetch(
    broker: number,
    fetchOffset: number,
    opts: { topic?: string; partition?: number; currentLeaderEpoch?: number; isolationLevel?: IsolationLevel } = {},
  ): number {
    const correlationId = ++this.correlation;
    this.raw().ctx.send(broker, {
      type: 'FetchRequest',
      correlationId,
      replicaId: -1,
      replicaEpoch: -1,
      topic: opts.topic ?? 't',
      partition: opts.partition ?? 0,
      fetchOffset,
      lastFetchedEpoch: -1,
      currentLeaderEpoch: opts.currentLeaderEpoch ?? -1,
      maxWaitMs: 0,
      maxRecords: 1000,
      ...(opts.isolationLevel === undefined ? undefined : { isolationLevel: opts.isolationLevel }),
    } as Message);
    return correlationId;
  }

  /** Sends any request (with a fresh correlation id) from the raw client; returns the id. */
  request(broker: number, msg: { type: string } & Record<string, unknown>): number {
    const correlationId = ++this.correlation;
    this.raw().ctx.send(broker, { ...msg, correlationId } as Message);
    return correlationId;
  }

  /** The raw client's answer to a request, of any type. */
  answer<T>(correlationId: number): T | undefined {
    return this.raw().responses.get(correlationId) as T | undefined;
  }

  response(correlationId: number): ClientResponse | undefined {
    return this.raw().responses.get(correlationId);
  }

  /** Produce and wait for the answer. */
  produceAndWait(broker: number, values: string[], opts: Parameters<TestCluster['produce']>[2] = {}): ProduceResponse {
    const id = this.produce(broker, values, opts);
    if (!this.runUntil(() => this.response(id) !== undefined, 60_000_000))
      throw new Error(`no answer to produce ${id}`);
    return this.response(id) as ProduceResponse;
  }

  fetchAndWait(broker: number, fetchOffset: number, opts: Parameters<TestCluster['fetch']>[2] = {}): FetchResponse {
    const id = this.fetch(broker, fetchOffset, opts);
    if (!this.runUntil(() => this.response(id) !== undefined, 10_000_000)) throw new Error(`no answer to fetch ${id}`);
    return this.response(id) as FetchResponse;
  }

  probesOf(kind: string): Array<{ t: number; node: number; e: ProbeEvent }> {
    return this.probes.filter((p) => p.e.kind === kind);
  }

  /** (offset, epoch, value) triples of a replica's log. */
  logOf(id: number, topic = 't', partition = 0): Array<[number, number, string]> {
    return this.replica(id, topic, partition).log.records.map((r) => [r.offset, r.epoch, r.value]);
  }
}

export function errorOf(r: ClientResponse | undefined): ErrorCode | undefined {
  return r === undefined ? undefined : (r as { error?: ErrorCode }).error;
}

/** Runs `body` while recording the model's code probes (as the driver does); returns the probes hit. */
export function recordingCodeProbes(body: () => void): string[] {
  const rec = startCodeProbes(CODE_PROBE_NAMES);
  let hit: string[] = [];
  try {
    body();
  } finally {
    hit = rec.stop();
  }
  return hit;
}

/** The ZooKeeper-mode tests' topic (1 partition, replication factor 3) and brokers. */
export const ZK_TEST_TOPIC = 't';
export const ZK_TEST_BROKERS = [1, 2, 3];

/**
 * A ZooKeeper-mode cluster as buildCluster makes it (3 brokers, an ensemble of 3 servers, Kafka 3.9, topic
 * ZK_TEST_TOPIC), not started, with the accessors the schedule tests share: a broker's actor (undefined while
 * down), a run until a condition (ms of virtual time at most; true if it held), the active controllers, and
 * ZooKeeper's state of the topic's partition 0 as the cluster snapshot reads it.
 */
export function zkTestCluster(o: {
  seed: number;
  variant: 'correct' | ProtocolVariant;
  config: Partial<KafkaConfig>;
  workload: WorkloadSpec;
}) {
  const sim = new Simulation<ModelProbe>({ seed: o.seed });
  const spec: ClusterSpec = {
    brokers: 3,
    topics: [{ name: ZK_TEST_TOPIC, partitions: 1, replicationFactor: 3 }],
    producers: 1,
    consumers: 1,
    config: { ...DEFAULT_KAFKA_CONFIG, 'kafka.version': '3.9', ...o.config },
    variant: o.variant,
    zookeeper: { servers: 3 },
  };
  const cluster = buildCluster(sim, spec, o.workload);
  const broker = (id: number) => sim.actor<ZkBroker>(id) as ZkBroker | undefined;
  const runUntil = (cond: () => boolean, ms: number): boolean => {
    sim.run({ untilUs: sim.now() + ms * 1000, stopWhen: cond });
    return cond();
  };
  const active = () => ZK_TEST_BROKERS.filter((b) => broker(b)?.zk.isActive() === true);
  const zkState = () => cluster.snapshot().controller.partitions.find((p) => p.topic === ZK_TEST_TOPIC);
  return { sim, cluster, broker, runUntil, active, zkState };
}
