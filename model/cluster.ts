// Builds a simulated Kafka cluster on a kernel Simulation (model/cluster-api.ts): brokers
// 1..N, the KRaft controller, the workload's producers and consumers and the probe client,
// and offers the views people and checkers read (describe, dumpLog, snapshot).
//
// Assumptions:
// - Replica assignment is deterministic: partition p of the t-th topic starts at broker
//   (t + p) mod N + 1 and takes the next RF brokers in order (Kafka spreads replicas the same
//   round-robin way from a random start).
// - Consumers are assigned the partitions round-robin (assign mode); a consumer left with no
//   partition reads one anyway, so every consumer polls something.
// - snapshot() is cheap: it hands out the replicas' live arrays (read synchronously, never
//   keep). For a broker that is down it reads its page cache (what a restart would recover,
//   before recovery trims a torn tail). While the controller is down its view is rebuilt
//   from its durable metadata log (exactly what its restart will recover to).

import type { ActorFactory, Message, SimulationApi } from '../harness/kernel/types.ts';
import { isTorn } from '../harness/kernel/disk.ts';
import type { AckedRecord, BrokerView, ClusterSnapshot, ConsumedRecord, EpochEntry, PartitionView, RecordView, ReplicaSnapshot } from '../checkers/cluster-state.ts';
import type { History, PollValue, SendValue } from '../checkers/history.ts';
import type { BuildCluster, KafkaCluster } from './cluster-api.ts';
import { CONTROLLER_ID, FIRST_CONSUMER_ID, FIRST_PRODUCER_ID, PROBE_CLIENT_ID, type ClusterSpec, type TopicSpec, type WorkloadSpec } from './config.ts';
import { Broker, createBroker, HW_CHECKPOINT_FILE } from './broker.ts';
import { createController, KraftController, METADATA_LOG, type BrokerRegistration } from './controller.ts';
import type { MetadataRecord, PartitionState } from './internal-protocol.ts';
import { LOG_FILE, type ModelRecord } from './replica-log.ts';
import { createHistoryRecorder } from './history-recorder.ts';
import { createProducer } from './producer.ts';
import { createConsumer } from './consumer.ts';
import { createProbeClient, type ProbeClientActor } from './probe-client.ts';
import type { ClientStatus } from './client-api.ts';

/** Replicas of partition `p` of the `topicIndex`-th topic, preferred leader first. */
export function assignReplicas(brokers: number, topicIndex: number, topic: TopicSpec, p: number): number[] {
  if (topic.replicationFactor > brokers) throw new Error(`topic ${topic.name}: replication factor ${topic.replicationFactor} > ${brokers} brokers`);
  const start = (topicIndex + p) % brokers;
  const replicas: number[] = [];
  for (let i = 0; i < topic.replicationFactor; i++) replicas.push(((start + i) % brokers) + 1);
  return replicas;
}

export const buildCluster: BuildCluster = (sim, spec, workload) => new SimulatedCluster(sim, spec, workload);

class SimulatedCluster implements KafkaCluster {
  readonly brokerIds: readonly number[];
  readonly controllerId = CONTROLLER_ID;
  readonly producerIds: readonly number[];
  readonly consumerIds: readonly number[];
  private readonly recorder = createHistoryRecorder();
  private controllerView: {
    partitions: readonly PartitionState[];
    registration: (brokerId: number) => BrokerRegistration | undefined;
    /** Metadata log length the view was rebuilt from (-1: the live controller's own view). */
    logLength: number;
  } = { partitions: [], registration: () => undefined, logLength: -2 };
  private readonly acked: AckedRecord[] = [];
  private readonly consumed: ConsumedRecord[] = [];
  private scannedHistory = 0;

  constructor(
    private readonly sim: SimulationApi,
    readonly spec: ClusterSpec,
    readonly workload: WorkloadSpec,
  ) {
    if (spec.brokers < 1 || spec.brokers > 9) throw new Error(`cluster: 1..9 brokers, got ${spec.brokers}`);
    const brokerIds: number[] = [];
    for (let i = 1; i <= spec.brokers; i++) brokerIds.push(i);
    this.brokerIds = brokerIds;
    const topics = spec.topics;
    const topicIndex = new Map(topics.map((t, i) => [t.name, i] as const));
    const config = spec.config;

    sim.addNode({
      id: CONTROLLER_ID,
      name: 'controller',
      factory: createController('kraft', {
        controllerId: CONTROLLER_ID,
        config,
        variant: spec.variant,
        topics,
        assignment: (t, p) => assignReplicas(spec.brokers, topicIndex.get(t.name)!, t, p),
      }),
    });
    for (const id of brokerIds) {
      sim.addNode({ id, name: `broker-${id}`, factory: createBroker({ brokerId: id, controllerId: CONTROLLER_ID, config, variant: spec.variant }) });
    }

    const producerIds: number[] = [];
    const producers = Math.max(0, spec.producers);
    for (let i = 0; i < producers; i++) {
      const id = FIRST_PRODUCER_ID + i;
      producerIds.push(id);
      const sends = Math.floor(workload.sends / producers) + (i < workload.sends % producers ? 1 : 0);
      const factory = createProducer({
        clientId: id,
        bootstrapBrokers: brokerIds.slice(),
        config,
        topics,
        workload,
        sends,
        valuePrefix: `p${id}-`,
        recorder: this.recorder,
      });
      sim.addNode({ id, name: `producer-${id}`, factory: factory as ActorFactory<Message> });
    }
    this.producerIds = producerIds;

    const all: Array<{ topic: string; partition: number }> = [];
    for (const t of topics) for (let p = 0; p < t.partitions; p++) all.push({ topic: t.name, partition: p });
    const consumerIds: number[] = [];
    const consumers = Math.max(0, spec.consumers);
    for (let i = 0; i < consumers; i++) {
      const id = FIRST_CONSUMER_ID + i;
      consumerIds.push(id);
      const assignment = all.filter((_, k) => k % consumers === i);
      if (assignment.length === 0 && all.length > 0) assignment.push(all[i % all.length]);
      sim.addNode({
        id,
        name: `consumer-${id}`,
        factory: createConsumer({ clientId: id, bootstrapBrokers: brokerIds.slice(), config, topics, workload, assignment, recorder: this.recorder }),
      });
    }
    this.consumerIds = consumerIds;

    sim.addNode({
      id: PROBE_CLIENT_ID,
      name: 'probe',
      factory: createProbeClient({ clientId: PROBE_CLIENT_ID, bootstrapBrokers: brokerIds.slice(), config, topics, recorder: this.recorder }),
    });
  }

  get history(): History {
    return this.recorder.events;
  }

  start(): void {
    this.sim.start(CONTROLLER_ID);
    for (const id of this.brokerIds) this.sim.start(id);
    for (const id of this.producerIds) this.sim.start(id);
    for (const id of this.consumerIds) this.sim.start(id);
    this.sim.start(PROBE_CLIENT_ID);
  }

  workloadDone(): boolean {
    for (const id of this.producerIds) {
      if (!this.sim.isUp(id)) continue;
      const actor = this.sim.actor<ClientStatus>(id);
      if (actor !== undefined && !actor.done()) return false;
    }
    return true;
  }

  private probe(): ProbeClientActor {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    if (actor === undefined) throw new Error('the probe client is down');
    return actor;
  }

  startProbe(): void {
    this.probe().startProbe();
  }

  probeSucceeded(): boolean {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    return actor !== undefined && actor.probeSucceeded();
  }

  startFinalRead(): void {
    this.probe().startFinalRead();
  }

  finalReadDone(): boolean {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    return actor !== undefined && actor.finalReadDone();
  }

  // =====================================================================================
  // Views

  /** The running controller, or undefined; while it is down, its view comes from its disk. */
  private controller(): KraftController | undefined {
    const c = this.sim.actor<KraftController>(CONTROLLER_ID);
    if (c !== undefined) {
      this.controllerView = { partitions: c.partitionStates(), registration: (id) => c.registration(id), logLength: -1 };
      return c;
    }
    const entries = this.sim.disk(CONTROLLER_ID).read(METADATA_LOG);
    if (this.controllerView.logLength !== entries.length) {
      // What a restart would recover: replay the durable metadata log.
      const partitions: PartitionState[] = [];
      const index = new Map<string, number>();
      const brokers = new Map<number, BrokerRegistration>();
      for (const e of entries) {
        if (isTorn(e)) break;
        const r = e as MetadataRecord;
        if (r.type === 'Partition') {
          const key = `${r.state.topic}\u0000${r.state.partition}`;
          const i = index.get(key);
          if (i === undefined) {
            index.set(key, partitions.length);
            partitions.push(r.state);
          } else partitions[i] = r.state;
        } else if (r.type === 'RegisterBroker') {
          brokers.set(r.brokerId, { brokerId: r.brokerId, epoch: r.brokerEpoch, incarnation: r.incarnation, fenced: true });
        } else {
          const b = brokers.get(r.brokerId);
          if (b !== undefined && b.epoch === r.brokerEpoch) brokers.set(r.brokerId, { ...b, fenced: r.fenced });
        }
      }
      this.controllerView = { partitions, registration: (id) => brokers.get(id), logLength: entries.length };
    }
    return undefined;
  }

  private controllerPartitions(): readonly PartitionState[] {
    this.controller();
    return this.controllerView.partitions;
  }

  describe(): string {
    const up = this.controller() !== undefined;
    const partitions = this.controllerPartitions();
    const lines: string[] = [];
    if (!up) lines.push('(controller down: the view its metadata log holds)');
    const config = this.spec.config;
    for (const topic of this.spec.topics) {
      lines.push(
        `Topic: ${topic.name}\tPartitionCount: ${topic.partitions}\tReplicationFactor: ${topic.replicationFactor}\t` +
          `Configs: min.insync.replicas=${config['min.insync.replicas']},unclean.leader.election.enable=${config['unclean.leader.election.enable']}`,
      );
      for (const s of partitions) {
        if (s.topic !== topic.name) continue;
        lines.push(
          `\tTopic: ${s.topic}\tPartition: ${s.partition}\tLeader: ${s.leader < 0 ? 'none' : s.leader}\t` +
            `Replicas: ${s.replicas.join(',')}\tIsr: ${s.isr.join(',')}\tElr: ${s.elr.join(',')}\t` +
            `LeaderEpoch: ${s.leaderEpoch}\tPartitionEpoch: ${s.partitionEpoch}`,
        );
      }
    }
    return lines.join('\n');
  }

  dumpLog(broker: number, topic: string, partition: number): string {
    const r = this.replicaSnapshot(broker, topic, partition);
    const lines: string[] = [
      `Dumping ${topic}-${partition}/${LOG_FILE} on broker ${broker} (${r.up ? r.role : 'down'}, leader epoch ${r.leaderEpoch}, LEO ${r.leo}, HW ${r.hw})`,
    ];
    const recs = r.records as readonly ModelRecord[];
    let start = 0;
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i];
      const last = rec.lastInBatch !== false || i === recs.length - 1;
      if (!last) continue;
      const first = recs[start];
      lines.push(
        `baseOffset: ${first.offset} lastOffset: ${rec.offset} count: ${i - start + 1} baseSequence: ${first.sequence} lastSequence: ${rec.sequence} ` +
          `producerId: ${rec.producerId} producerEpoch: ${rec.producerEpoch ?? -1} partitionLeaderEpoch: ${rec.epoch}`,
      );
      for (let j = start; j <= i; j++) {
        const x = recs[j];
        lines.push(`| offset: ${x.offset} leaderEpoch: ${x.epoch} sequence: ${x.sequence} key: ${x.key ?? 'null'} payload: ${x.value}`);
      }
      start = i + 1;
    }
    return lines.join('\n');
  }

  snapshot(): ClusterSnapshot {
    const controller = this.controller();
    const partitions = this.controllerView.partitions;
    const brokers: BrokerView[] = [];
    for (const id of this.brokerIds) {
      const up = this.sim.isUp(id);
      const actor = up ? this.sim.actor<Broker>(id) : undefined;
      const reg = this.controllerView.registration(id);
      brokers.push({
        id,
        up,
        brokerEpoch: actor !== undefined ? actor.brokerEpoch() : -1,
        fenced: reg === undefined ? true : reg.fenced,
        registeredEpoch: reg === undefined ? -1 : reg.epoch,
      });
    }
    const replicas: ReplicaSnapshot[] = [];
    for (const s of partitions) {
      for (const b of s.replicas) replicas.push(this.replicaSnapshot(b, s.topic, s.partition));
    }
    this.scanHistory();
    return {
      timeUs: this.sim.now(),
      brokers,
      controller: { up: controller !== undefined, partitions: partitions as readonly PartitionView[] },
      replicas,
      acked: this.acked,
      consumed: this.consumed,
    };
  }

  private replicaSnapshot(broker: number, topic: string, partition: number): ReplicaSnapshot {
    const actor = this.sim.isUp(broker) ? this.sim.actor<Broker>(broker) : undefined;
    if (actor !== undefined) {
      const p = actor.partition(topic, partition);
      if (p !== undefined) {
        const snap: ReplicaSnapshot = {
          broker,
          topic,
          partition,
          up: true,
          role: p.role,
          leaderEpoch: p.leaderEpoch,
          logStartOffset: 0,
          leo: p.log.leo,
          hw: p.log.hw,
          records: p.log.records,
          epochCache: p.log.epochs.entries,
        };
        if (p.role === 'leader') {
          snap.isr = p.isr;
          snap.maximalIsr = p.maximalIsr;
        }
        return snap;
      }
      return { broker, topic, partition, up: true, role: 'none', leaderEpoch: -1, logStartOffset: 0, leo: 0, hw: 0, records: [], epochCache: [] };
    }
    // Down: what its disk holds (page cache).
    const disk = this.sim.disk(broker);
    const dir = `${topic}-${partition}`;
    let records = disk.read(`${dir}/${LOG_FILE}`) as readonly RecordView[];
    if (records.length > 0 && isTorn(records[records.length - 1])) records = records.filter((r) => !isTorn(r));
    const epochCache = (disk.read(`${dir}/leader-epoch-checkpoint`) as readonly EpochEntry[]).filter((e) => !isTorn(e));
    let hw = 0;
    for (const e of disk.read(HW_CHECKPOINT_FILE)) {
      const o = e as { topic?: string; partition?: number; offset?: number };
      if (o.topic === topic && o.partition === partition && typeof o.offset === 'number') hw = Math.min(o.offset, records.length);
    }
    return { broker, topic, partition, up: false, role: 'none', leaderEpoch: -1, logStartOffset: 0, leo: records.length, hw, records, epochCache };
  }

  /** Fold new history events into the acked / consumed lists. */
  private scanHistory(): void {
    const events = this.recorder.events;
    for (let i = this.scannedHistory; i < events.length; i++) {
      const e = events[i];
      if (e.f === 'send' && e.type === 'ok') {
        const v = e.value as SendValue;
        if (typeof v.offset === 'number' && v.offset >= 0) this.acked.push({ topic: v.topic, partition: v.partition, offset: v.offset, value: v.value, timeUs: e.time });
      } else if (e.f === 'poll' && e.type === 'ok') {
        const v = e.value as PollValue;
        if (v.records !== undefined) for (const [offset, value] of v.records) this.consumed.push({ topic: v.topic, partition: v.partition, offset, value, timeUs: e.time });
      }
    }
    this.scannedHistory = events.length;
  }
}
