// A tiny stand-in for the Kafka model, for testing the drivers (run, fuzz, shrink, workers)
// on their own: brokers with a log on disk, a controller that elects the lowest live broker,
// producers, a probe client and the final read, all speaking the KafkaCluster contract and
// announcing the probe events the fault triggers listen to. It is NOT Kafka and is never
// shipped as the model; its planted faults (no fsync, a throw, a never-ending workload, real
// nondeterminism) exist to prove the drivers notice them.

import type { Actor, NodeContext, SimulationApi } from '../../../harness/types.ts';
import type { BuildCluster, KafkaCluster, ModelProbe } from '../../../model/cluster-api.ts';
import type { ClusterSpec, WorkloadSpec } from '../../../model/config.ts';
import { CONTROLLER_ID, FIRST_PRODUCER_ID, FIRST_CONSUMER_ID, PROBE_CLIENT_ID } from '../../../model/config.ts';
import type { History, HistoryEvent } from '../../../checkers/history.ts';
import type { ClusterSnapshot } from '../../../checkers/cluster-state.ts';

export interface StandInFaults {
  /** Brokers never fsync: a power loss of the leader loses acknowledged records. */
  noFsync?: boolean;
  /** The controller throws at this virtual time (ms). */
  throwAtMs?: number;
  /** Producers never complete their last send. */
  neverFinish?: boolean;
  /** Extra latency drawn from a process-global counter: runs differ from each other. */
  nondeterministic?: boolean;
}

let globalCounter = 0;

type Msg =
  | { type: 'Heartbeat'; broker: number }
  | { type: 'Leader'; leader: number; epoch: number; isr: number[] }
  | { type: 'Fetch'; offset: number; epoch: number }
  | { type: 'FetchResp'; records: string[]; from: number; leo: number; hw: number }
  | { type: 'Produce'; value: string; corr: number }
  | { type: 'ProduceResp'; corr: number; offset: number }
  | { type: 'Read'; corr: number }
  | { type: 'ReadResp'; corr: number; records: string[]; hw: number };

const LOG = 'log';
const CTRL = 'controller-state';

export function standInCluster(faults: StandInFaults = {}): BuildCluster {
  return (sim: SimulationApi<ModelProbe>, spec: ClusterSpec, workload: WorkloadSpec): KafkaCluster =>
    new StandIn(sim, spec, workload, faults);
}

class StandIn implements KafkaCluster {
  readonly brokerIds: number[];
  readonly controllerId = CONTROLLER_ID;
  readonly controllerIds = [CONTROLLER_ID];
  readonly producerIds: number[];
  readonly consumerIds: number[] = [];
  readonly history: History = [];
  private probeOk = false;
  private readDone = false;
  private producersDone = new Set<number>();
  private readonly probeActor: { startProbe(): void; startRead(): void } | undefined = undefined;
  leaderCache = -1;

  constructor(
    private readonly sim: SimulationApi<ModelProbe>,
    readonly spec: ClusterSpec,
    readonly workload: WorkloadSpec,
    private readonly faults: StandInFaults,
  ) {
    this.brokerIds = Array.from({ length: spec.brokers }, (_, i) => i + 1);
    this.producerIds = Array.from({ length: spec.producers }, (_, i) => FIRST_PRODUCER_ID + i);
    for (const b of this.brokerIds)
      sim.addNode({ id: b, name: `broker-${b}`, factory: (ctx) => new Broker(ctx, this) });
    sim.addNode({ id: CONTROLLER_ID, name: 'controller', factory: (ctx) => new Controller(ctx, this) });
    const per = Math.ceil(workload.sends / Math.max(1, spec.producers));
    this.producerIds.forEach((p, i) => {
      const n = Math.max(0, Math.min(per, workload.sends - i * per));
      sim.addNode({ id: p, name: `producer-${i}`, factory: (ctx) => new Producer(ctx, this, n) });
    });
    sim.addNode({ id: PROBE_CLIENT_ID, name: 'probe', factory: (ctx) => new ProbeClient(ctx, this) });
    void FIRST_CONSUMER_ID;
  }

  record(e: Omit<HistoryEvent, 'index' | 'time'>): void {
    this.history.push({ ...e, index: this.history.length, time: this.sim.now() } as HistoryEvent);
  }

  get faultsPlanted(): StandInFaults {
    return this.faults;
  }

  get minIsr(): number {
    return this.spec.config['min.insync.replicas'];
  }

  start(): void {
    this.sim.start(CONTROLLER_ID);
    for (const b of this.brokerIds) this.sim.start(b);
    for (const p of this.producerIds) this.sim.start(p);
    this.sim.start(PROBE_CLIENT_ID);
  }

  producerDone(id: number): void {
    this.producersDone.add(id);
  }

  workloadDone(): boolean {
    return this.producersDone.size === this.producerIds.length;
  }

  startProbe(): void {
    this.sim.actor<ProbeClient>(PROBE_CLIENT_ID)?.startProbe();
  }

  probeSucceeded(): boolean {
    return this.probeOk;
  }

  setProbeOk(): void {
    this.probeOk = true;
  }

  startFinalRead(): void {
    this.sim.actor<ProbeClient>(PROBE_CLIENT_ID)?.startRead();
  }

  finalReadDone(): boolean {
    return this.readDone;
  }

  setReadDone(): void {
    this.readDone = true;
  }

  describe(): string {
    return `Topic: t Leader: ${this.leaderCache}`;
  }

  describeSegments(broker: number): string {
    return `${LOG} on broker ${broker}: one file`;
  }

  describeGroup(group: string): string {
    return `\nError: Consumer group '${group}' does not exist.\n`;
  }

  dumpLog(broker: number): string {
    return this.sim
      .disk(broker)
      .read(LOG)
      .map((v, i) => `offset: ${i} value: ${String(v)}`)
      .join('\n');
  }

  /** The stand-in has no replicas of its own to show. */
  replicaFacts(): undefined {
    return undefined;
  }

  snapshot(): ClusterSnapshot {
    return {
      timeUs: this.sim.now(),
      brokers: this.brokerIds.map((id) => ({
        id,
        up: this.sim.isUp(id),
        brokerEpoch: 1,
        fenced: false,
        registeredEpoch: 1,
      })),
      controller: { up: this.sim.isUp(CONTROLLER_ID), partitions: [] },
      replicas: [],
      acked: [],
      consumed: [],
    };
  }

  void(): void {
    void this.probeActor;
  }
}

class Controller implements Actor<Msg> {
  private lastBeat = new Map<number, number>();
  private leader = -1;
  private epoch: number;

  constructor(
    private readonly ctx: NodeContext<Msg, ModelProbe>,
    private readonly c: StandIn,
  ) {
    const saved = ctx.disk.read(CTRL);
    this.epoch = saved.length > 0 ? (saved[saved.length - 1] as number) : 0;
    ctx.setTimer(500_000, 'tick');
    if (c.faultsPlanted.throwAtMs !== undefined) ctx.setTimer(c.faultsPlanted.throwAtMs * 1000, 'boom');
  }

  onMessage(from: number, msg: Msg): void {
    if (msg.type === 'Heartbeat') {
      if (!this.lastBeat.has(from)) this.ctx.emit({ kind: 'registered', broker: from, brokerEpoch: this.ctx.now() });
      this.lastBeat.set(from, this.ctx.now());
    }
  }

  onTimer(tag: unknown): void {
    if (tag === 'boom') throw new Error('stand-in controller planted failure');
    const now = this.ctx.now();
    const alive = this.c.brokerIds.filter((b) => (this.lastBeat.get(b) ?? -1e12) >= now - 3_000_000);
    if (!alive.includes(this.leader) && alive.length > 0) {
      const prev = this.leader;
      this.leader = alive[0];
      this.epoch++;
      this.ctx.disk.append(CTRL, this.epoch);
      this.ctx.disk.fsync(CTRL);
      this.c.leaderCache = this.leader;
      if (prev !== -1) this.ctx.emit({ kind: 'fenced', broker: prev });
    }
    if (this.leader !== -1) {
      this.ctx.emit({
        kind: 'partition',
        topic: 't',
        partition: 0,
        leader: this.leader,
        leaderEpoch: this.epoch,
        partitionEpoch: this.epoch,
        replicas: this.c.brokerIds.slice(),
        isr: alive,
        elr: [],
      });
      const m: Msg = { type: 'Leader', leader: this.leader, epoch: this.epoch, isr: alive };
      for (const b of this.c.brokerIds) this.ctx.send(b, m);
      for (const p of this.c.producerIds) this.ctx.send(p, m);
      this.ctx.send(PROBE_CLIENT_ID, m);
    }
    this.ctx.setTimer(500_000, 'tick');
  }
}

class Broker implements Actor<Msg> {
  private leader = -1;
  private epoch = 0;
  private hw = 0;
  private followerLeo = new Map<number, number>();
  private waiting: Array<{ from: number; corr: number; offset: number }> = [];

  constructor(
    private readonly ctx: NodeContext<Msg, ModelProbe>,
    private readonly c: StandIn,
  ) {
    ctx.setTimer(0, 'beat');
    ctx.setTimer(100_000, 'fetch');
  }

  private get log(): readonly unknown[] {
    return this.ctx.disk.read(LOG);
  }

  onMessage(from: number, msg: Msg): void {
    switch (msg.type) {
      case 'Leader':
        if (msg.epoch >= this.epoch) {
          this.leader = msg.leader;
          this.epoch = msg.epoch;
        }
        return;
      case 'Produce': {
        if (this.leader !== this.ctx.id) return;
        const offset = this.log.length;
        this.ctx.disk.append(LOG, msg.value);
        if (this.c.faultsPlanted.noFsync !== true) this.ctx.disk.fsync(LOG);
        this.ctx.emit({
          kind: 'append',
          broker: this.ctx.id,
          topic: 't',
          partition: 0,
          firstOffset: offset,
          epoch: this.epoch,
          values: [msg.value],
        });
        this.waiting.push({ from, corr: msg.corr, offset });
        this.advance();
        return;
      }
      case 'Fetch': {
        if (this.leader !== this.ctx.id) return;
        this.followerLeo.set(from, msg.offset);
        this.advance();
        const log = this.log;
        this.ctx.send(from, {
          type: 'FetchResp',
          records: log.slice(msg.offset) as string[],
          from: msg.offset,
          leo: log.length,
          hw: this.hw,
        });
        return;
      }
      case 'FetchResp': {
        const log = this.log;
        if (log.length > msg.leo) {
          this.ctx.disk.truncate(LOG, msg.leo);
          this.ctx.emit({
            kind: 'truncate',
            broker: this.ctx.id,
            topic: 't',
            partition: 0,
            toOffset: msg.leo,
            reason: 'diverging-epoch',
          });
        }
        const have = this.log.length;
        const fresh = msg.records.slice(have - msg.from);
        for (const v of fresh) this.ctx.disk.append(LOG, v);
        if (this.c.faultsPlanted.noFsync !== true) this.ctx.disk.fsync(LOG);
        this.ctx.emit({
          kind: 'follower-fetch',
          broker: this.ctx.id,
          leader: from,
          topic: 't',
          partition: 0,
          fetchOffset: have,
          appended: fresh.length,
        });
        return;
      }
      case 'Read': {
        if (this.leader !== this.ctx.id) return;
        this.ctx.send(from, {
          type: 'ReadResp',
          corr: msg.corr,
          records: this.log.slice(0, this.hw) as string[],
          hw: this.hw,
        });
        return;
      }
      default:
        return;
    }
  }

  private advance(): void {
    const leo = this.log.length;
    const offsets = [
      leo,
      ...this.c.brokerIds.filter((b) => b !== this.ctx.id).map((b) => this.followerLeo.get(b) ?? 0),
    ].sort((a, b) => b - a);
    const newHw = offsets[Math.max(0, this.c.minIsr - 1)];
    if (newHw > this.hw) this.hw = Math.min(newHw, leo);
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (w.offset < this.hw) {
        this.ctx.send(w.from, { type: 'ProduceResp', corr: w.corr, offset: w.offset });
        this.ctx.emit({ kind: 'produce-ack', broker: this.ctx.id, topic: 't', partition: 0, offset: w.offset });
      } else still.push(w);
    }
    this.waiting = still;
  }

  onTimer(tag: unknown): void {
    if (tag === 'beat') {
      this.ctx.send(CONTROLLER_ID, { type: 'Heartbeat', broker: this.ctx.id });
      this.ctx.setTimer(1_000_000, 'beat');
    } else if (tag === 'fetch') {
      if (this.leader !== -1 && this.leader !== this.ctx.id)
        this.ctx.send(this.leader, { type: 'Fetch', offset: this.log.length, epoch: this.epoch });
      this.ctx.setTimer(100_000, 'fetch');
    }
  }
}

class Producer implements Actor<Msg> {
  private leader = -1;
  private sent = 0;
  private inFlight: { corr: number; value: string; timer: number } | undefined;

  constructor(
    private readonly ctx: NodeContext<Msg, ModelProbe>,
    private readonly c: StandIn,
    private readonly total: number,
  ) {
    if (total === 0) c.producerDone(ctx.id);
    else ctx.setTimer(1000, 'send');
  }

  onMessage(_from: number, msg: Msg): void {
    if (msg.type === 'Leader') this.leader = msg.leader;
    if (msg.type === 'ProduceResp' && this.inFlight !== undefined && msg.corr === this.inFlight.corr) {
      this.ctx.cancelTimer(this.inFlight.timer);
      this.c.record({
        process: this.ctx.id,
        type: 'ok',
        f: 'send',
        value: { topic: 't', partition: 0, value: this.inFlight.value, offset: msg.offset },
      });
      this.inFlight = undefined;
      this.next();
    }
  }

  private next(): void {
    if (this.sent >= this.total) {
      this.c.producerDone(this.ctx.id);
      return;
    }
    let gap = this.c.workload.sendIntervalMs * 1000;
    if (this.c.faultsPlanted.nondeterministic === true) gap += globalCounter++; // never the same sequence twice
    this.ctx.setTimer(gap, 'send');
  }

  onTimer(tag: unknown): void {
    if (tag === 'send') {
      if (this.leader === -1) {
        this.ctx.setTimer(100_000, 'send');
        return;
      }
      const value = `${this.ctx.id}-${this.sent}`;
      this.sent++;
      this.c.record({ process: this.ctx.id, type: 'invoke', f: 'send', value: { topic: 't', partition: 0, value } });
      if (this.c.faultsPlanted.neverFinish === true && this.sent === this.total) return;
      const corr = this.sent;
      this.ctx.send(this.leader, { type: 'Produce', value, corr });
      this.inFlight = { corr, value, timer: this.ctx.setTimer(2_000_000, { type: 'timeout', corr }) };
    } else if (
      typeof tag === 'object' &&
      this.inFlight !== undefined &&
      (tag as { corr: number }).corr === this.inFlight.corr
    ) {
      this.c.record({
        process: this.ctx.id,
        type: 'info',
        f: 'send',
        value: { topic: 't', partition: 0, value: this.inFlight.value },
        error: 'timeout',
      });
      this.inFlight = undefined;
      this.next();
    }
  }
}

class ProbeClient implements Actor<Msg> {
  private leader = -1;
  private mode: 'idle' | 'probe' | 'read' = 'idle';
  private corr = 0;

  constructor(
    private readonly ctx: NodeContext<Msg, ModelProbe>,
    private readonly c: StandIn,
  ) {}

  startProbe(): void {
    this.mode = 'probe';
    this.ctx.setTimer(0, 'go');
  }

  startRead(): void {
    this.mode = 'read';
    this.ctx.setTimer(0, 'go');
  }

  onMessage(_from: number, msg: Msg): void {
    if (msg.type === 'Leader') this.leader = msg.leader;
    if (msg.type === 'ProduceResp' && this.mode === 'probe' && msg.corr === this.corr) {
      this.mode = 'idle';
      this.c.setProbeOk();
    }
    if (msg.type === 'ReadResp' && this.mode === 'read' && msg.corr === this.corr) {
      this.mode = 'idle';
      this.c.record({
        process: this.ctx.id,
        type: 'invoke',
        f: 'poll',
        value: { topic: 't', partition: 0, offset: 0 },
      });
      this.c.record({
        process: this.ctx.id,
        type: 'ok',
        f: 'poll',
        value: { topic: 't', partition: 0, offset: 0, records: msg.records.map((v, i) => [i, v]) },
      });
      this.c.setReadDone();
    }
  }

  onTimer(): void {
    if (this.mode === 'idle') return;
    this.corr++;
    if (this.leader !== -1) {
      if (this.mode === 'probe')
        this.ctx.send(this.leader, { type: 'Produce', value: `probe-${this.corr}`, corr: this.corr });
      else this.ctx.send(this.leader, { type: 'Read', corr: this.corr });
    }
    this.ctx.setTimer(500_000, 'go');
  }
}
