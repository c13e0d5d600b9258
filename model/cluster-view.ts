// The views of a simulated cluster that people and checkers read, shared by buildCluster and
// the model's tests: `kafka-topics.sh --describe` lines, `kafka-dump-log.sh` style dumps and
// the white-box ClusterSnapshot (checkers/cluster-state.ts).
//
// Assumptions:
// - snapshot() is cheap: it hands out the replicas' live arrays (read synchronously, never
//   keep). For a broker that is down it reads its page cache (what a restart would recover,
//   before recovery trims a torn tail).
// - While the controller is down its view is rebuilt from its durable metadata log, exactly
//   what its restart will recover to.

import type { SimulationApi } from '../harness/types.ts';
import type { ModelProbe } from './cluster-api.ts';
import { isTorn } from '../harness/disk.ts';
import type {
  AckedRecord,
  BrokerView,
  ClusterSnapshot,
  ConsumedRecord,
  EpochEntry,
  PartitionView,
  RecordView,
  ReplicaSnapshot,
} from '../checkers/cluster-state.ts';
import { CONTROLLER_ID, type KafkaConfig, type TopicSpec } from './config.ts';
import { Broker, HW_CHECKPOINT_FILE } from './broker.ts';
import { KraftController, METADATA_LOG, type BrokerRegistration } from './controller.ts';
import type { MetadataRecord, PartitionState } from './internal-protocol.ts';
import { LOG_FILE, type ModelRecord } from './replica-log.ts';
import { topicIdOf } from './topic-id.ts';

export class ClusterView {
  private controllerView: {
    partitions: readonly PartitionState[];
    registration: (brokerId: number) => BrokerRegistration | undefined;
    /** Metadata log length the view was rebuilt from (-1: the live controller's own view). */
    logLength: number;
  } = { partitions: [], registration: () => undefined, logLength: -2 };

  constructor(
    private readonly sim: SimulationApi<ModelProbe>,
    readonly brokerIds: readonly number[],
    private readonly topics: readonly TopicSpec[],
    private readonly config: KafkaConfig,
  ) {}

  /** The running controller, or undefined; while it is down, its view comes from its disk. */
  controller(): KraftController | undefined {
    const c = this.sim.actor<KraftController>(CONTROLLER_ID);
    if (c !== undefined) {
      this.controllerView = {
        partitions: c.partitionStates(),
        registration: (id) => c.registration(id),
        logLength: -1,
      };
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
          const inControlledShutdown = r.inControlledShutdown === true;
          const fenced = r.fenced ?? true;
          const incarnation = r.incarnation;
          const epoch = r.brokerEpoch;
          brokers.set(r.brokerId, { brokerId: r.brokerId, epoch, incarnation, fenced, inControlledShutdown });
        } else {
          const b = brokers.get(r.brokerId);
          if (b !== undefined && b.epoch === r.brokerEpoch) {
            const inControlledShutdown = r.inControlledShutdown ?? b.inControlledShutdown === true;
            brokers.set(r.brokerId, { ...b, fenced: r.fenced, inControlledShutdown });
          }
        }
      }
      this.controllerView = { partitions, registration: (id) => brokers.get(id), logLength: entries.length };
    }
    return undefined;
  }

  controllerPartitions(): readonly PartitionState[] {
    this.controller();
    return this.controllerView.partitions;
  }

  describe(): string {
    const up = this.controller() !== undefined;
    const partitions = this.controllerPartitions();
    const lines: string[] = [];
    if (!up) lines.push('(controller down: the view its metadata log holds)');
    const config = this.config;
    for (const topic of this.topics) {
      lines.push(
        `Topic: ${topic.name}\tTopicId: ${topicIdOf(this.sim.seed, topic.name)}\t` +
          `PartitionCount: ${topic.partitions}\tReplicationFactor: ${topic.replicationFactor}\t` +
          `Configs: min.insync.replicas=${config['min.insync.replicas']},` +
          `unclean.leader.election.enable=${config['unclean.leader.election.enable']}`,
      );
      for (const s of partitions) {
        if (s.topic !== topic.name) continue;
        lines.push(
          `\tTopic: ${s.topic}\tPartition: ${s.partition}\tLeader: ${s.leader < 0 ? 'none' : s.leader}\t` +
            `Replicas: ${s.replicas.join(',')}\tIsr: ${s.isr.join(',')}\tElr: ${s.elr.join(',')}\t` +
            (s.lastKnownElr !== undefined && s.lastKnownElr.length > 0
              ? `LastKnownElr: ${s.lastKnownElr.join(',')}\t`
              : '') +
            `LeaderEpoch: ${s.leaderEpoch}\tPartitionEpoch: ${s.partitionEpoch}`,
        );
      }
    }
    return lines.join('\n');
  }

  dumpLog(broker: number, topic: string, partition: number): string {
    const r = this.replicaSnapshot(broker, topic, partition);
    const lines: string[] = [
      `Dumping ${topic}-${partition}/${LOG_FILE} on broker ${broker} (${r.up ? r.role : 'down'}, leader epoch ` +
        `${r.leaderEpoch}, LEO ${r.leo}, HW ${r.hw})`,
    ];
    const recs = r.records as readonly ModelRecord[];
    let start = 0;
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i];
      const last = rec.lastInBatch !== false || i === recs.length - 1;
      if (!last) continue;
      const first = recs[start];
      lines.push(
        `baseOffset: ${first.offset} lastOffset: ${rec.offset} count: ${i - start + 1} baseSequence: ` +
          `${first.sequence} lastSequence: ${rec.sequence} ` +
          `producerId: ${rec.producerId} producerEpoch: ${rec.producerEpoch ?? -1} partitionLeaderEpoch: ${rec.epoch}`,
      );
      for (let j = start; j <= i; j++) {
        const x = recs[j];
        lines.push(
          `| offset: ${x.offset} leaderEpoch: ${x.epoch} sequence: ${x.sequence} key: ${x.key ?? 'null'} payload: ` +
            `${x.value}`,
        );
      }
      start = i + 1;
    }
    return lines.join('\n');
  }

  snapshot(acked: readonly AckedRecord[], consumed: readonly ConsumedRecord[]): ClusterSnapshot {
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
        inControlledShutdown: reg?.inControlledShutdown === true,
      });
    }
    const replicas: ReplicaSnapshot[] = [];
    for (const s of partitions) {
      for (const b of s.replicas) replicas.push(this.replicaSnapshot(b, s.topic, s.partition));
    }
    return {
      timeUs: this.sim.now(),
      brokers,
      controller: { up: controller !== undefined, partitions: partitions as readonly PartitionView[] },
      replicas,
      acked,
      consumed,
    };
  }

  replicaSnapshot(broker: number, topic: string, partition: number): ReplicaSnapshot {
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
          partitionEpoch: p.partitionEpoch,
        };
        if (p.role === 'leader') {
          snap.isr = p.isr;
          snap.maximalIsr = p.maximalIsr;
        }
        return snap;
      }
      return {
        broker,
        topic,
        partition,
        up: true,
        role: 'none',
        leaderEpoch: -1,
        logStartOffset: 0,
        leo: 0,
        hw: 0,
        records: [],
        epochCache: [],
      };
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
      if (o.topic === topic && o.partition === partition && typeof o.offset === 'number')
        hw = Math.min(o.offset, records.length);
    }
    return {
      broker,
      topic,
      partition,
      up: false,
      role: 'none',
      leaderEpoch: -1,
      logStartOffset: 0,
      leo: records.length,
      hw,
      records,
      epochCache,
    };
  }
}
