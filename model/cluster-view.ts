// The views of a simulated cluster that people and checkers read, shared by buildCluster and
// the model's tests: `kafka-topics.sh --describe` lines, `kafka-dump-log.sh` style dumps and
// the white-box ClusterSnapshot (checkers/cluster-state.ts).
//
// Assumptions:
// - snapshot() is cheap: it hands out the replicas' live arrays (read synchronously, never
//   keep). For a broker that is down it reads its page cache (what a restart would recover,
//   before recovery trims a torn tail).
// - The controller's view is the image of the committed metadata log (MetadataCommitLog):
//   what every voter applies and what a new active controller starts from.

import type { SimulationApi } from '../harness/types.ts';
import type { ModelProbe } from './cluster-api.ts';
import { isTorn } from '../harness/disk.ts';
import type { MetadataCommitLog } from './metadata-image.ts';
import type {
  AckedRecord,
  BrokerView,
  ClusterSnapshot,
  ConsumedRecord,
  EpochEntry,
  PartitionView,
  QuorumSnapshot,
  RecordView,
  ReplicaSnapshot,
  VoterView,
} from '../checkers/cluster-state.ts';
import type { KafkaConfig, TopicSpec } from './config.ts';
import { HW_CHECKPOINT_FILE } from './broker.ts';
import { brokerOn, controllerOn } from './combined-server.ts';
import type { KraftController } from './controller.ts';
import { readSegments, segmentFile, segmentFiles, type ModelRecord } from './replica-log.ts';
import { topicIdOf } from './topic-id.ts';
import { shortenTo } from './arrays.ts';

/** `first–last` of [from, to), or `none`. */
function rangeText(from: number, to: number): string {
  return to > from ? `${from}–${to - 1}` : 'none';
}

/** The empty records and epoch cache of a replica a look shows without a log (never written to). */
const EMPTY: readonly never[] = Object.freeze([]);

/** A replica on a broker that is down, as a partition look shows it. */
function downReplica(broker: number, topic: string, partition: number): ReplicaSnapshot {
  const empty = { logStartOffset: 0, leo: 0, hw: 0, records: [], epochCache: [] };
  return { broker, topic, partition, up: false, role: 'none', leaderEpoch: -1, ...empty };
}

export class ClusterView {
  constructor(
    protected readonly sim: SimulationApi<ModelProbe>,
    readonly brokerIds: readonly number[],
    private readonly topics: readonly TopicSpec[],
    private readonly config: KafkaConfig,
    readonly controllerIds: readonly number[],
    readonly commitLog: MetadataCommitLog,
  ) {}

  /** The active controller (a running voter that has claimed), or undefined. */
  controller(): KraftController | undefined {
    for (const id of this.controllerIds) {
      const c = controllerOn(this.sim, id);
      if (c !== undefined && c.active && !this.sim.isPaused(id)) return c;
    }
    return undefined;
  }

  /** The controller's view: the image of the committed metadata log. */
  controllerPartitions(): readonly PartitionView[] {
    return this.commitLog.image.partitions as readonly PartitionView[];
  }

  /** Whether an active controller runs (ZooKeeper mode overrides: model/zk-cluster.ts). */
  controllerUp(): boolean {
    return this.controller() !== undefined;
  }

  /** The controller's registration of a broker: the committed image's. */
  registration(brokerId: number): { epoch: number; fenced: boolean; inControlledShutdown?: boolean } | undefined {
    return this.commitLog.image.brokers.get(brokerId);
  }

  describe(): string {
    const up = this.controller() !== undefined;
    const partitions = this.commitLog.image.partitions;
    const lines: string[] = [];
    if (!up) lines.push('(no active controller: the view of the committed metadata log)');
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

  /**
   * `kafka-log-dirs.sh --describe` for one replica, one line per segment as
   * `kafka-dump-log.sh` sizes them: base offset, size, the offsets it holds, when it was rolled
   * (created, or loaded at the broker's start) and last modified (its latest append), and which
   * of its offsets are fsynced (below the recovery point), written back by the kernel, or dirty
   * in the page cache. A broker that is down shows its segment files as its disk holds them.
   */
  describeSegments(broker: number, topic: string, partition: number): string {
    const dir = `${topic}-${partition}`;
    const p = this.sim.isUp(broker) ? brokerOn(this.sim, broker)?.partition(topic, partition) : undefined;
    if (p === undefined) {
      const disk = this.sim.disk(broker);
      const files = segmentFiles(disk, dir);
      const lines = [`${dir} on broker ${broker} (down): ${files.length} segment file(s) on disk`];
      for (const f of files) {
        const n = disk.length(f.path);
        lines.push(
          `  ${f.path}  offsets ${rangeText(f.baseOffset, f.baseOffset + n)}  on disk ${disk.durableLength(f.path)}`,
        );
      }
      return lines.join('\n');
    }
    const log = p.log;
    const lines = [
      `${dir} on broker ${broker}: logStartOffset ${log.logStartOffset}  size ${log.sizeBytes()} bytes  ` +
        `recoveryPoint ${log.recoveryPoint}  HW ${log.hw}  LEO ${log.leo}`,
    ];
    for (const s of log.segmentViews()) {
      const offsets = rangeText(s.baseOffset, s.endOffset);
      const fsynced = rangeText(s.baseOffset, s.fsyncedEnd);
      const writtenBack = rangeText(s.fsyncedEnd, s.writtenBackEnd);
      lines.push(
        `  ${s.path}  baseOffset ${s.baseOffset}  size ${s.bytes} bytes  offsets ${offsets}  ` +
          `rolled ${secondsText(s.createdUs)}  modified ${secondsText(s.modifiedUs)}  ` +
          `fsynced ${fsynced}  written back ${writtenBack}  dirty ${rangeText(s.writtenBackEnd, s.endOffset)}`,
      );
    }
    return lines.join('\n');
  }

  dumpLog(broker: number, topic: string, partition: number): string {
    const r = this.replicaSnapshot(broker, topic, partition);
    // One `Dumping` header per segment file, as kafka-dump-log.sh --files prints for each.
    const dir = `${topic}-${partition}`;
    const bases = segmentFiles(this.sim.disk(broker), dir).map((f) => f.baseOffset);
    const state =
      `on broker ${broker} (${r.up ? r.role : 'down'}, leader epoch ${r.leaderEpoch}, ` +
      `log start ${r.logStartOffset}, LEO ${r.leo}, HW ${r.hw})`;
    const lines: string[] = [`Dumping ${dir}/${segmentFile(bases[0] ?? 0)} ${state}`];
    const recs = r.records as readonly ModelRecord[];
    let start = 0;
    let nextSegment = 1;
    for (let i = 0; i < recs.length; i++) {
      const rec = recs[i];
      const last = rec.lastInBatch !== false || i === recs.length - 1;
      if (!last) continue;
      const first = recs[start];
      while (nextSegment < bases.length && bases[nextSegment] <= first.offset) {
        lines.push(`Dumping ${dir}/${segmentFile(bases[nextSegment])} ${state}`);
        nextSegment++;
      }
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
    const partitions = this.controllerPartitions();
    const replicas: ReplicaSnapshot[] = [];
    for (const s of partitions) {
      for (const b of s.replicas) replicas.push(this.replicaSnapshot(b, s.topic, s.partition));
    }
    return {
      timeUs: this.sim.now(),
      brokers: this.brokerViews(),
      controller: { up: this.controllerUp(), partitions },
      replicas,
      acked,
      consumed,
      quorum: this.quorumSnapshot(),
    };
  }

  /**
   * A fresh look at one partition of any topic the controller holds, internal ones included, its
   * records copied, no results: for a Kafka finding's witness at the end of the run (driver/run.ts
   * txnStateLooks).
   */
  internalPartitionLook(topic: string, partition: number): ClusterSnapshot | undefined {
    const view = this.controllerPartitionOf(topic, partition);
    if (view === undefined) return undefined;
    const replicas = view.replicas.map((b) => {
      const r = this.replicaSnapshot(b, topic, partition);
      return { ...r, records: r.records.slice() };
    });
    return {
      timeUs: this.sim.now(),
      brokers: this.brokerViews(),
      controller: { up: this.controllerUp(), partitions: [{ ...view }] },
      replicas,
      acked: [],
      consumed: [],
    };
  }

  /**
   * One partition's look for the invariant monitor's observePartition: every broker, the
   * controller's record of that partition and its replicas (a replica on a broker that is down
   * shows only `up: false`: no invariant reads a down replica's disk), no quorum. It is taken
   * after every event that changed a partition, so it is made once per view and refilled here
   * (no object or array made per look): read it synchronously and keep none of its objects (the
   * monitor keeps none, checkers/invariants.ts IndexedSnapshot.resetTo; a Kafka finding's
   * witness copies what it needs, driver/kafka-findings.ts followerAtFetchBelowCache).
   */
  partitionSnapshot(
    topic: string,
    partition: number,
    acked: readonly AckedRecord[],
    consumed: readonly ConsumedRecord[],
  ): ClusterSnapshot {
    const look = this.look;
    const view = this.controllerPartitionOf(topic, partition);
    look.timeUs = this.sim.now();
    this.refillBrokerViews(look.brokers);
    // The look's one record, its array kept (model/arrays.ts).
    shortenTo(look.partitions, 0);
    if (view !== undefined) look.partitions.push(view);
    const replicas = look.replicas;
    const n = view === undefined ? 0 : view.replicas.length;
    for (let i = 0; i < n; i++) {
      const b = view!.replicas[i];
      if (replicas.length <= i) replicas.push(downReplica(b, topic, partition));
      this.refillReplica(replicas[i], b, topic, partition);
    }
    shortenTo(replicas, n);
    look.acked = acked;
    look.consumed = consumed;
    return look;
  }

  /** The partition look partitionSnapshot refills; `controller.up` is read when asked, as before it was at the look. */
  private readonly look: ClusterSnapshot & {
    brokers: BrokerView[];
    replicas: ReplicaSnapshot[];
    partitions: PartitionView[];
  } = ((view: ClusterView) => {
    const partitions: PartitionView[] = [];
    return {
      timeUs: 0,
      brokers: [] as BrokerView[],
      controller: {
        get up(): boolean {
          return view.controllerUp();
        },
        partitions,
      },
      replicas: [] as ReplicaSnapshot[],
      partitions,
      acked: [] as readonly AckedRecord[],
      consumed: [] as readonly ConsumedRecord[],
    };
  })(this);

  /** The controller's record of one partition: the image's (indexed; it holds one per partition). */
  protected controllerPartitionOf(topic: string, partition: number): PartitionView | undefined {
    return this.commitLog.image.partitionOf(topic, partition) as PartitionView | undefined;
  }

  /** `out` made to hold brokerViews()'s values, its objects reused. */
  private refillBrokerViews(out: BrokerView[]): void {
    const ids = this.brokerIds;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const up = this.sim.isUp(id);
      const actor = up ? brokerOn(this.sim, id) : undefined;
      const reg = this.registration(id);
      if (out.length <= i) out.push({ id, up, brokerEpoch: -1, fenced: true, registeredEpoch: -1 });
      const v = out[i];
      v.id = id;
      v.up = up;
      v.brokerEpoch = actor !== undefined ? actor.brokerEpoch() : -1;
      v.fenced = reg === undefined ? true : reg.fenced;
      v.registeredEpoch = reg === undefined ? -1 : reg.epoch;
      v.inControlledShutdown = reg?.inControlledShutdown === true;
    }
    shortenTo(out, ids.length);
  }

  /**
   * `r` made to show what replicaSnapshot shows of a replica on a running broker, or only
   * `up: false` (downReplica) on a broker that is down; the fields a snapshot leaves out are undefined.
   */
  private refillReplica(r: ReplicaSnapshot, broker: number, topic: string, partition: number): void {
    r.broker = broker;
    r.topic = topic;
    r.partition = partition;
    r.isr = undefined;
    r.maximalIsr = undefined;
    r.partitionEpoch = undefined;
    const up = this.sim.isUp(broker);
    const p = up ? brokerOn(this.sim, broker)?.partition(topic, partition) : undefined;
    r.up = up;
    if (p === undefined) {
      r.role = 'none';
      r.leaderEpoch = -1;
      r.logStartOffset = 0;
      r.leo = 0;
      r.hw = 0;
      r.records = EMPTY;
      r.epochCache = EMPTY;
      return;
    }
    const log = p.log;
    r.role = p.role;
    r.leaderEpoch = p.leaderEpoch;
    r.logStartOffset = log.logStartOffset;
    r.leo = log.leo;
    r.hw = log.hw;
    // records[i] is offset logStartOffset + i (a copy only once retention moved it).
    r.records = log.logStartOffset === 0 ? log.records : log.records.slice(log.logStartOffset);
    r.epochCache = log.epochs.entries;
    r.partitionEpoch = p.partitionEpoch;
    if (p.role === 'leader') {
      r.isr = p.isr;
      r.maximalIsr = p.maximalIsr;
    }
  }

  /** Every broker: process up, its running broker epoch, its registration. */
  private brokerViews(): BrokerView[] {
    const brokers: BrokerView[] = [];
    for (const id of this.brokerIds) {
      const up = this.sim.isUp(id);
      const actor = up ? brokerOn(this.sim, id) : undefined;
      const reg = this.registration(id);
      brokers.push({
        id,
        up,
        brokerEpoch: actor !== undefined ? actor.brokerEpoch() : -1,
        fenced: reg === undefined ? true : reg.fenced,
        registeredEpoch: reg === undefined ? -1 : reg.epoch,
        inControlledShutdown: reg?.inControlledShutdown === true,
      });
    }
    return brokers;
  }

  /** The controller voters and what the commit record found broken. */
  quorumSnapshot(): QuorumSnapshot {
    const voters: VoterView[] = [];
    for (const id of this.controllerIds) {
      const c = controllerOn(this.sim, id);
      if (c === undefined) {
        voters.push({ id, up: false, role: 'unattached', epoch: -1, leaderId: -1, hw: 0, leo: 0, active: false });
        continue;
      }
      const r = c.raft;
      voters.push({
        id,
        up: true,
        role: r.role,
        epoch: r.epoch,
        leaderId: r.leaderId,
        hw: r.hw,
        leo: r.endOffset(),
        active: c.active,
      });
    }
    const log = this.commitLog;
    return { voters, committedEnd: log.entries.length, violations: log.violations };
  }

  replicaSnapshot(broker: number, topic: string, partition: number): ReplicaSnapshot {
    const actor = this.sim.isUp(broker) ? brokerOn(this.sim, broker) : undefined;
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
          logStartOffset: p.log.logStartOffset,
          leo: p.log.leo,
          hw: p.log.hw,
          // records[i] is offset logStartOffset + i (a copy only once retention moved it).
          records: p.log.logStartOffset === 0 ? p.log.records : p.log.records.slice(p.log.logStartOffset),
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
    let records = readSegments(disk, dir) as readonly RecordView[];
    // What recovery would keep at most: up to the first torn entry or offset gap, from the first segment.
    const first = segmentFiles(disk, dir)[0]?.baseOffset ?? 0;
    const bad = records.findIndex((r, i) => isTorn(r) || r.offset !== first + i);
    if (bad >= 0) records = records.slice(0, bad);
    const epochCache = (disk.read(`${dir}/leader-epoch-checkpoint`) as readonly EpochEntry[]).filter((e) => !isTorn(e));
    let hw = 0;
    for (const e of disk.read(HW_CHECKPOINT_FILE)) {
      const o = e as { topic?: string; partition?: number; offset?: number };
      if (o.topic === topic && o.partition === partition && typeof o.offset === 'number')
        hw = Math.max(first, Math.min(o.offset, first + records.length));
    }
    return {
      broker,
      topic,
      partition,
      up: false,
      role: 'none',
      leaderEpoch: -1,
      logStartOffset: first,
      leo: first + records.length,
      hw,
      records,
      epochCache,
    };
  }
}

/** Virtual µs as seconds with millisecond precision, e.g. `12.345 s`. */
function secondsText(us: number): string {
  return `${(us / 1_000_000).toFixed(3)} s`;
}
