// Carries out a scenario's fault schedule on a running simulation: arms time and event
// triggers, resolves symbolic targets when a fault fires, applies the fault through the
// kernel's fault API, heals it after its duration, and heals everything that is left at the
// schedule's heal time.
//
// What must hold:
// - Node state changes never run inside a node's handler or a probe listener: every fault
//   and every heal runs in its own driver event (sim.at), possibly at the same instant.
// - A node taken down by several overlapping faults restarts only when the last of them
//   releases it ("holds"), so no fault ever starts a node that another still keeps down.
// - After healAll() nothing the schedule did remains: no cut, no slow link, no node down,
//   no armed trigger, no pending fault event.
// - Deterministic: every decision depends only on the schedule, the virtual time and the
//   model's probe events, in order.

import { match } from 'ts-pattern';
import type { CutShape, NodeId, SimulationApi } from '../harness/types.ts';
import type { ModelProbe } from '../model/cluster-api.ts';
import type { Broker } from '../model/broker.ts';
import { brokerOn, controllerOn } from '../model/combined-server.ts';
import { ZkBroker } from '../model/zk-broker.ts';
import { ZK_ADMIN_ID, ZkAdmin } from '../model/zk-cluster.ts';
import type { PromiseBreach } from '../checkers/verdict.ts';
import type { CutSpec, EventPattern, Fault, FaultAction, Target } from '../scenarios/faults.ts';
import { describeAction } from '../scenarios/faults.ts';
import { isrDiff, type ClusterView, type PartitionChange } from './cluster-view.ts';
import type { PromiseTracker } from './promise.ts';

export interface InjectorNodes {
  brokerIds: readonly number[];
  controllerId: number;
  /** Every controller voter (the first is controllerId). */
  controllerIds: readonly number[];
  producerIds: readonly number[];
  consumerIds: readonly number[];
  /** Every node of the simulation (the far side of a split). */
  allNodes: readonly number[];
}

export interface InjectorHooks {
  onFaultStart(id: number, description: string): void;
  onFaultEnd(id: number, description: string): void;
}

type FaultState = 'armed' | 'pending' | 'active' | 'done' | 'skipped' | 'disarmed';

export interface FaultRecord {
  /** 1-based position in the schedule. */
  id: number;
  fault: Fault;
  state: FaultState;
  /** What it did, with resolved node ids, once fired. */
  resolved?: string;
  skipReason?: string;
  startUs?: number;
  endUs?: number;
  /** The breach of Kafka's promise this fault made, as the promise tracker recorded it. */
  breach?: PromiseBreach;
  /** Brokers the triggering event named (carried over to an 'after' successor). */
  subjects?: readonly number[];
}

interface Armed {
  record: FaultRecord;
  count: number;
  event: EventPattern;
  nth: number;
  delayUs: number;
  /** Matches count from this virtual time on. */
  notBeforeUs: number;
}

const ROLLING_POLL_US = 250_000;
/** The admin client's request.timeout.ms default (AdminClientConfig, 30,000 ms): kafka-leader-election.sh's wait. */
const ADMIN_REQUEST_TIMEOUT_US = 30_000_000;
/**
 * How long a clean stop may take before the node shuts down anyway: Kafka's broker waits for
 * the controller to grant its controlled shutdown up to its shutdown timeout
 * (KafkaBroker.shutdown(): Duration.ofMinutes(5), BrokerServer.shutdown), then stops cleanly.
 */
const CLEAN_STOP_TIMEOUT_US = 300_000_000;

interface IsrChange {
  added: number[];
  removed: number[];
}

/** What an event trigger is matched against (see FaultInjector.triggerMatchOf). */
interface TriggerMatch {
  subjects: number[];
  partition: number | null;
  change: IsrChange | undefined;
  appended: number;
}

export class FaultInjector {
  readonly records: FaultRecord[];
  private readonly armedByProbe = new Map<string, Armed[]>();
  private armedCount = 0;
  /** Driver events scheduled by faults and not yet run: handle → what to do on healAll. */
  private readonly pending = new Map<number, { record: FaultRecord; onHeal: (() => void) | undefined }>();
  private readonly holds = new Map<NodeId, Set<number>>();
  private holdCount = 0;
  private readonly cuts = new Map<number, number>(); // fault id → cut id
  private readonly slows = new Map<number, number>(); // fault id → slow id
  private healed = false;
  /** A rolling restart is under way (an operator runs one at a time). */
  private rolling = false;
  /** Broker → virtual time of its latest registration. */
  private readonly registeredAtUs = new Map<number, number>();

  constructor(
    private readonly sim: SimulationApi<ModelProbe>,
    private readonly nodes: InjectorNodes,
    private readonly view: ClusterView,
    private readonly promise: PromiseTracker,
    faults: readonly Fault[],
    private readonly hooks: InjectorHooks,
  ) {
    this.records = faults.map((fault, i) => ({ id: i + 1, fault, state: 'armed' }));
  }

  /** Some fault waits for a code probe (the driver then passes every probe hit to onCodeProbe). */
  waitsForCodeProbes(): boolean {
    return this.records.some((r) => {
      const t = r.fault.trigger;
      return t.kind !== 'at' && t.event?.probe === 'code';
    });
  }

  /** Schedules time triggers and arms event triggers. Call once, before the run. */
  arm(): void {
    for (const record of this.records) {
      const t = record.fault.trigger;
      if (t.kind === 'at') {
        this.schedule(record, t.atMs * 1000, () => this.fire(record, []), undefined);
      } else if (t.kind === 'after') {
        // Scheduled or armed when the previous fault fires (see start).
      } else {
        this.armEvent(record, t.event, t.nth, t.delayUs, t.afterMs * 1000);
      }
    }
  }

  private armEvent(record: FaultRecord, event: EventPattern, nth: number, delayUs: number, notBeforeUs: number): void {
    const key = armedKey(event);
    const list = this.armedByProbe.get(key) ?? [];
    list.push({ record, count: 0, event, nth, delayUs, notBeforeUs });
    this.armedByProbe.set(key, list);
    this.armedCount++;
  }

  /** Nothing left to do until the heal: no armed trigger, pending event, down node, cut or slow link. */
  quiescent(): boolean {
    return (
      this.armedCount === 0 &&
      this.pending.size === 0 &&
      this.holdCount === 0 &&
      this.cuts.size === 0 &&
      this.slows.size === 0
    );
  }

  // --- triggers --------------------------------------------------------------------------------

  /** Feed every model probe event (after ClusterView has seen 'partition' events). */
  onProbe(event: ModelProbe): void {
    if (event.kind === 'registered') this.registeredAtUs.set(event.broker, this.sim.now());
    if (this.armedCount === 0) return;
    const list = this.armedByProbe.get(event.kind);
    if (list === undefined || list.length === 0) return;
    const m = this.triggerMatchOf(event);
    if (m !== undefined) this.matchAll(list, m.subjects, m.partition, m.change, m.appended);
  }

  /**
   * The model reached code probe `name` (model/code-probes.ts), inside the handler of the node
   * it ran on: that node is the event's subject (a broker trigger filter compares with it).
   */
  onCodeProbe(name: string): void {
    if (this.armedCount === 0) return;
    const list = this.armedByProbe.get(`code:${name}`);
    if (list === undefined || list.length === 0) return;
    const node = this.sim.runningNode();
    this.matchAll(list, node === undefined ? [] : [node], null, undefined, 0);
  }

  /**
   * What an event trigger matches a probe against: the brokers it names (the first is the
   * one a trigger's `broker` selects), its partition, the ISR change, records appended.
   * Undefined for another topic's probe and for kinds no trigger waits for directly
   * ('partition' comes through onPartitionChange). A switch, not ts-pattern: a hot path.
   */
  private triggerMatchOf(ev: ModelProbe): TriggerMatch | undefined {
    switch (ev.kind) {
      case 'produce-ack':
      case 'truncate':
        return this.onTopic(ev.topic)
          ? { subjects: [ev.broker], partition: ev.partition, change: undefined, appended: 0 }
          : undefined;
      case 'fenced':
      case 'registered':
      case 'controlled-shutdown':
        return { subjects: [ev.broker], partition: null, change: undefined, appended: 0 };
      case 'follower-fetch':
        if (!this.onTopic(ev.topic)) return undefined;
        return { subjects: [ev.broker, ev.leader], partition: ev.partition, change: undefined, appended: ev.appended };
      case 'alter-partition-sent': {
        if (!this.onTopic(ev.topic)) return undefined;
        const change = isrDiff(this.view.currentIsr(ev.partition), ev.isr);
        return {
          subjects: [ev.broker, ...change.added, ...change.removed],
          partition: ev.partition,
          change,
          appended: 0,
        };
      }
      case 'alter-partition-applied':
        return this.onTopic(ev.topic) ? this.appliedMatch(ev) : undefined;
      case 'replica':
      case 'append':
      case 'partition':
      case 'unclean-shutdown':
      case 'producer-resequenced':
      case 'quorum':
      case 'log-start':
      case 'fetch-served':
      case 'storage':
      case 'coordinator-serving':
        return undefined;
      default:
        return assertNever(ev);
    }
  }

  /** Produce requests waiting for acks=all at `broker`'s replica of the partition (white-box: its own view). */
  private producesWaitingAt(broker: number, partition: number): number {
    if (!this.sim.isUp(broker)) return 0;
    // Partial: a stand-in cluster's brokers (test/fuzz/stand-in) have no partitions to look at.
    const b: Partial<Broker> | undefined = brokerOn(this.sim, broker);
    return b?.partition?.(this.view.topic, partition)?.delayedProduceCount() ?? 0;
  }

  private onTopic(topic: string): boolean {
    return topic === this.view.topic;
  }

  /** An applied AlterPartition: the change against the ISR before it (ClusterView may have seen its record already). */
  private appliedMatch(ev: Extract<ModelProbe, { kind: 'alter-partition-applied' }>): TriggerMatch {
    const partition = ev.partition;
    let change: IsrChange;
    if (!ev.accepted) change = { added: [], removed: [] };
    else {
      const current = this.view.currentIsr(partition);
      const base =
        current !== undefined && sameSet(current, ev.isr) ? this.view.isrBeforeLatestChange(partition) : current;
      change = isrDiff(base, ev.isr);
    }
    const leader = this.view.leader(partition);
    return {
      subjects: [...change.added, ...change.removed, ...(leader === undefined ? [] : [leader])],
      partition,
      change,
      appended: 0,
    };
  }

  /** Feed every controller record change (leader-change and isr-change triggers). */
  onPartitionChange(c: PartitionChange): void {
    if (this.armedCount === 0) return;
    const prev = c.previous;
    const cur = c.current;
    if (prev !== undefined && prev.leader !== cur.leader && cur.leader >= 0) {
      const list = this.armedByProbe.get('leader-change');
      if (list !== undefined && list.length > 0)
        this.matchAll(list, prev.leader >= 0 ? [cur.leader, prev.leader] : [cur.leader], c.partition, undefined, 0);
    }
    if (prev !== undefined && prev.leader >= 0 && prev.leader !== cur.leader) {
      const list = this.armedByProbe.get('deposed-with-produce-in-flight');
      if (list !== undefined && list.length > 0 && this.producesWaitingAt(prev.leader, c.partition) > 0) {
        const subjects = cur.leader >= 0 ? [prev.leader, cur.leader] : [prev.leader];
        this.matchAll(list, subjects, c.partition, undefined, 0);
      }
    }
    if (prev !== undefined && !sameSet(prev.isr, cur.isr)) {
      const list = this.armedByProbe.get('isr-change');
      if (list !== undefined && list.length > 0) {
        const d = isrDiff(prev.isr, cur.isr);
        const subjects = [...d.added, ...d.removed];
        if (cur.leader >= 0) subjects.push(cur.leader);
        this.matchAll(list, subjects, c.partition, d, 0);
      }
    }
  }

  private matchAll(
    list: Armed[],
    subjects: number[],
    partition: number | null,
    change: IsrChange | undefined,
    appended: number,
  ): void {
    const nowUs = this.sim.now();
    for (let i = 0; i < list.length; i++) {
      const armed = list[i];
      const e = armed.event;
      if (nowUs < armed.notBeforeUs) continue;
      if (e.broker !== null && subjects[0] !== e.broker) continue;
      if (e.partition !== null && partition !== null && partition !== e.partition) continue;
      if (e.probe === 'follower-fetch' && e.appendedOnly && appended <= 0) continue;
      if (change !== undefined && e.change !== 'any') {
        if (e.change === 'expand' && change.added.length === 0) continue;
        if (e.change === 'shrink' && change.removed.length === 0) continue;
      }
      armed.count++;
      if (armed.count < armed.nth) continue;
      // Fires: leave the armed list, wait delayUs in a driver event of its own.
      list.splice(i, 1);
      i--;
      this.armedCount--;
      const captured = subjects.slice();
      this.schedule(armed.record, nowUs + armed.delayUs, () => this.fire(armed.record, captured), undefined);
    }
  }

  // --- firing ------------------------------------------------------------------------------------

  /** Runs `fn` at atUs in a driver event of its own (`onHeal` instead if the heal comes first); returns its handle. */
  private schedule(record: FaultRecord, atUs: number, fn: () => void, onHeal: (() => void) | undefined): number {
    if (record.state === 'armed') record.state = 'pending';
    const handle = this.sim.at(atUs, `fault ${record.id}`, () => {
      this.pending.delete(handle);
      fn();
    });
    this.pending.set(handle, { record, onHeal });
    return handle;
  }

  private fire(record: FaultRecord, subjects: readonly number[]): void {
    if (this.healed) return;
    record.subjects = subjects;
    const a = record.fault.action;
    try {
      const done = match(a)
        .with({ kind: 'crash' }, (x) => this.fireCrash(record, x, subjects))
        .with({ kind: 'restart' }, (x) => {
          const node = this.resolve(x.target, subjects);
          if (node === undefined) return this.skip(record, 'target not resolvable');
          // A voter's graceful resignation and a client's close() are not modelled (docs/readme-fuzz.md).
          if (!this.isBroker(node))
            return this.skip(record, `a clean shutdown of ${this.nameOf(node)} is not modelled`);
          return this.fireNodeDown(record, node, x.downMs, 'shutdown', this.nameOf(node));
        })
        .with({ kind: 'power-loss' }, (x) => this.firePowerLoss(record, x, subjects))
        .with({ kind: 'cut' }, (x) => this.fireCut(record, x, subjects))
        .with({ kind: 'slow' }, (x) => this.fireSlow(record, x, subjects))
        .with({ kind: 'controller-crash' }, (x) => {
          const node = this.activeController();
          const fired = this.fireNodeDown(record, node, x.downMs, 'crash', this.nameOf(node));
          // Combined mode: the process is a broker too (KafkaRaftServer), killed with it.
          if (fired && this.isBroker(node)) this.promise.crash([node]);
          return fired;
        })
        .with({ kind: 'controller-power-loss' }, (x) => this.fireControllerPowerLoss(record, x))
        .with({ kind: 'rolling-restart' }, (x) => this.fireRolling(record, x))
        .with({ kind: 'pause' }, (x) => this.firePause(record, x, subjects))
        .with({ kind: 'leader-election' }, (x) => this.fireElection(record, x))
        .exhaustive();
      if (!done) return;
    } catch (err) {
      throw new Error(`fault ${record.id} (${describeAction(a)}): ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private skip(record: FaultRecord, reason: string): false {
    record.state = 'skipped';
    record.skipReason = reason;
    // A chain breaks here: the faults that were to follow this one never fire.
    const next = this.records[record.id];
    if (next !== undefined && next.fault.trigger.kind === 'after' && next.state === 'armed')
      this.skip(next, `the previous fault (${record.id}) did not fire`);
    return false;
  }

  private start(record: FaultRecord, resolved: string): void {
    record.state = 'active';
    record.resolved = resolved;
    record.startUs = this.sim.now();
    this.hooks.onFaultStart(record.id, resolved);
    const next = this.records[record.id];
    const t = next?.fault.trigger;
    if (next !== undefined && t !== undefined && t.kind === 'after' && next.state === 'armed') {
      if (t.event === undefined) {
        const subjects = record.subjects ?? [];
        this.schedule(next, this.sim.now() + t.delayUs, () => this.fire(next, subjects), undefined);
      } else {
        this.armEvent(next, t.event, Math.max(1, t.nth ?? 1), t.delayUs, this.sim.now());
      }
    }
  }

  private end(record: FaultRecord): void {
    if (record.state !== 'active') return;
    record.state = 'done';
    record.endUs = this.sim.now();
    this.hooks.onFaultEnd(record.id, record.resolved ?? describeAction(record.fault.action));
  }

  private fireCrash(
    record: FaultRecord,
    a: Extract<FaultAction, { kind: 'crash' }>,
    subjects: readonly number[],
  ): boolean {
    const node = this.resolve(a.target, subjects);
    if (node === undefined) return this.skip(record, 'target not resolvable');
    const fired = this.fireNodeDown(record, node, a.downMs, 'crash', this.nameOf(node));
    if (fired && this.isBroker(node)) this.promise.crash([node]);
    return fired;
  }

  private fireNodeDown(
    record: FaultRecord,
    node: number,
    downMs: number,
    how: 'crash' | 'shutdown',
    name: string,
  ): boolean {
    if (!this.sim.isUp(node)) return this.skip(record, `${name} already down`);
    // A hung process cannot run its clean shutdown (a kill -9 still works).
    if (how === 'shutdown' && this.sim.isPaused(node)) return this.skip(record, `${name} is paused (hung)`);
    if (how === 'crash') this.sim.crash(node);
    this.hold(node, record.id);
    this.start(
      record,
      `${how === 'crash' ? 'crash (kill -9)' : 'clean shutdown of'} ${name}, restart after ${downMs} ms`,
    );
    const restartLater = (): void => {
      this.schedule(
        record,
        this.sim.now() + downMs * 1000,
        () => {
          this.release(node, record.id);
          this.end(record);
        },
        () => this.end(record),
      );
    };
    // A clean stop is asynchronous (controlled shutdown): the outage counts from the stop.
    if (how === 'shutdown') this.cleanStop(node, restartLater);
    else restartLater();
    return true;
  }

  /**
   * Stops a node cleanly as an operator does (issue 13: KIP-841 controlled shutdown): it is
   * asked to stop and goes down when it is done, or after CLEAN_STOP_TIMEOUT_US. `then` runs
   * once it is down; after the heal the node restarts at once instead.
   */
  private cleanStop(node: NodeId, then: () => void): void {
    this.sim.requestStop(node, CLEAN_STOP_TIMEOUT_US, () => {
      if (!this.healed) return then();
      if (!this.sim.isUp(node) && (this.holds.get(node)?.size ?? 0) === 0) this.sim.start(node);
    });
  }

  private firePowerLoss(
    record: FaultRecord,
    a: Extract<FaultAction, { kind: 'power-loss' }>,
    subjects: readonly number[],
  ): boolean {
    // Any node: a broker or voter loses what it had not flushed; a client, which keeps nothing
    // on disk, just dies without its peers being told (a machine without power sends no reset).
    const nodes = uniq(a.targets.map((t) => this.resolve(t, subjects)).filter((n): n is number => n !== undefined));
    if (nodes.length === 0) return this.skip(record, 'nothing to power off');
    for (const n of nodes) {
      // Writeback: some unflushed writes may have reached the disk before the power went out.
      this.sim.powerLoss(n, { tornTail: a.tornTail });
      this.hold(n, record.id);
    }
    const what = `power loss of ${nodes.map((b) => this.nameOf(b)).join(' + ')}${a.tornTail ? ' (torn tail)' : ''}`;
    const brokers = nodes.filter((n) => this.isBroker(n));
    const breach = brokers.length === 0 ? undefined : this.promise.powerLoss(brokers, what);
    if (breach !== undefined) record.breach = breach;
    this.start(
      record,
      `${what}, restart after ${a.downMs} ms${breach === undefined ? '' : ' [beyond what Kafka promises]'}`,
    );
    this.schedule(
      record,
      this.sim.now() + a.downMs * 1000,
      () => {
        for (const n of nodes) this.release(n, record.id);
        this.end(record);
      },
      () => this.end(record),
    );
    return true;
  }

  /** Power loss of the active controller: its metadata log keeps what was flushed or written back. */
  private fireControllerPowerLoss(
    record: FaultRecord,
    a: Extract<FaultAction, { kind: 'controller-power-loss' }>,
  ): boolean {
    const node = this.activeController();
    const name = this.nameOf(node);
    if (!this.sim.isUp(node)) return this.skip(record, `${name} already down`);
    this.sim.powerLoss(node, { tornTail: a.tornTail });
    this.hold(node, record.id);
    const what = `power loss of ${name}${a.tornTail ? ' (torn tail)' : ''}`;
    // Combined mode: the machine is a broker's too; its partitions' unflushed bytes go as well.
    const breach = this.isBroker(node) ? this.promise.powerLoss([node], what) : undefined;
    if (breach !== undefined) record.breach = breach;
    this.start(
      record,
      `${what}, restart after ${a.downMs} ms${breach === undefined ? '' : ' [beyond what Kafka promises]'}`,
    );
    this.schedule(
      record,
      this.sim.now() + a.downMs * 1000,
      () => {
        this.release(node, record.id);
        this.end(record);
      },
      () => this.end(record),
    );
    return true;
  }

  /**
   * The active controller (a running voter that has claimed; in ZooKeeper mode the broker that
   * believes it was elected), else the first running voter, else the first.
   */
  activeController(): number {
    for (const id of this.nodes.brokerIds) {
      const b = brokerOn(this.sim, id);
      if (b instanceof ZkBroker && b.zk.isActive()) return id;
    }
    const ids = this.nodes.controllerIds;
    for (const id of ids) if (controllerOn(this.sim, id)?.active === true) return id;
    for (const id of ids) if (this.sim.isUp(id)) return id;
    return ids[0];
  }

  private fireCut(record: FaultRecord, a: Extract<FaultAction, { kind: 'cut' }>, subjects: readonly number[]): boolean {
    const shape = this.resolveCut(a.cut, subjects);
    if (shape === undefined) return this.skip(record, 'degenerate cut');
    const cutId = this.sim.network.cut(shape);
    this.cuts.set(record.id, cutId);
    this.start(record, `${describeShape(shape, (n) => this.nameOf(n))} for ${a.durationMs} ms`);
    this.schedule(
      record,
      this.sim.now() + a.durationMs * 1000,
      () => {
        this.sim.network.heal(cutId);
        this.cuts.delete(record.id);
        this.end(record);
      },
      () => this.end(record),
    );
    return true;
  }

  private fireSlow(
    record: FaultRecord,
    a: Extract<FaultAction, { kind: 'slow' }>,
    subjects: readonly number[],
  ): boolean {
    const node = this.resolve(a.target, subjects);
    if (node === undefined) return this.skip(record, 'target not resolvable');
    const extraUs = a.extraMs * 1000;
    let slowId: number;
    let text: string;
    if (a.peer === null) {
      slowId = this.sim.network.slowNode(node, extraUs);
      text = `slow every link of ${this.nameOf(node)} by +${a.extraMs} ms`;
    } else {
      const peer = this.resolve(a.peer, subjects);
      if (peer === undefined || peer === node) return this.skip(record, 'slow link peer not resolvable');
      slowId = this.sim.network.slow(node, peer, extraUs, true);
      text = `slow the link ${this.nameOf(node)} ↔ ${this.nameOf(peer)} by +${a.extraMs} ms`;
    }
    this.slows.set(record.id, slowId);
    this.start(record, `${text} for ${a.durationMs} ms`);
    this.schedule(
      record,
      this.sim.now() + a.durationMs * 1000,
      () => {
        this.sim.network.unslow(slowId);
        this.slows.delete(record.id);
        this.end(record);
      },
      () => this.end(record),
    );
    return true;
  }

  /** SIGSTOP a node, SIGCONT it after durationMs (or at the heal); a crash meanwhile ends the pause. */
  private firePause(
    record: FaultRecord,
    a: Extract<FaultAction, { kind: 'pause' }>,
    subjects: readonly number[],
  ): boolean {
    const node = this.resolve(a.target, subjects);
    if (node === undefined) return this.skip(record, 'target not resolvable');
    const name = this.nameOf(node);
    if (!this.sim.isUp(node)) return this.skip(record, `${name} is down`);
    if (this.sim.isPaused(node)) return this.skip(record, `${name} is already paused`);
    this.sim.pause(node);
    this.start(record, `pause (SIGSTOP) ${name} for ${a.durationMs} ms, then resume it`);
    const resume = (): void => {
      if (this.sim.isUp(node) && this.sim.isPaused(node)) this.sim.resume(node);
      this.end(record);
    };
    this.schedule(record, this.sim.now() + a.durationMs * 1000, resume, resume);
    return true;
  }

  /**
   * kafka-leader-election.sh: an ElectLeaders request reaching the controller now (it runs
   * the election and commits it at once). Done at once; an unclean election that elects a
   * replica from outside the ISR and ELR is a breach of Kafka's promise.
   */
  private fireElection(record: FaultRecord, a: Extract<FaultAction, { kind: 'leader-election' }>): boolean {
    if (this.promise.zookeeperMode) return this.fireZkElection(record, a);
    const active = this.activeController();
    const controller = controllerOn(this.sim, active);
    if (controller === undefined || this.sim.isPaused(active) || !controller.active) {
      return this.skip(record, 'the controller is not running');
    }
    const what = `${a.election} leader election of ${this.view.topic}/${a.partition}`;
    const outcome = controller.electLeaders(this.view.topic, a.partition, a.election);
    const result = outcome.error === 'NONE' ? `broker ${outcome.leader} elected` : outcome.error;
    if (outcome.unclean) {
      const event = `${what} (kafka-leader-election.sh)`;
      record.breach = this.promise.adminUncleanElection(a.partition, outcome.leader, event);
    }
    const beyond = outcome.unclean ? ' [beyond what Kafka promises]' : '';
    this.start(record, `${what} (kafka-leader-election.sh): ${result}${beyond}`);
    this.end(record);
    return true;
  }

  /**
   * kafka-leader-election.sh in ZooKeeper mode: the admin node (model/zk-cluster.ts ZkAdmin) sends
   * ElectLeaders over the network to the broker that believes it is the controller, where it runs as the
   * controller event ReplicaLeaderElection through ZooKeeper (model/zk-broker.ts). The fault lasts until
   * the answer arrives, or until the admin's request.timeout.ms when none does (lost in a cut, an event
   * ended by ControllerMovedException, or failing on a partition without state). An unclean election that
   * elects a replica outside the ISR it read is a breach of Kafka's promise from ZooKeeper's commit of the
   * controller's write (watched in ZooKeeper's committed state, answered or not; no ELR in ZooKeeper mode).
   */
  private fireZkElection(record: FaultRecord, a: Extract<FaultAction, { kind: 'leader-election' }>): boolean {
    const id = this.nodes.brokerIds.find((b) => {
      const broker = brokerOn(this.sim, b);
      return broker instanceof ZkBroker && broker.zk.isActive() && this.sim.isUp(b) && !this.sim.isPaused(b);
    });
    if (id === undefined) return this.skip(record, 'no running controller broker');
    const what = `${a.election} leader election of ${this.view.topic}/${a.partition} (kafka-leader-election.sh)`;
    this.start(record, `${what} sent to controller broker ${id}`);
    let answered = false;
    let timer: number | undefined;
    const finish = (result: string): void => {
      if (answered) return;
      answered = true;
      if (timer !== undefined && this.pending.delete(timer)) this.sim.cancel(timer);
      record.resolved = `${what} on controller broker ${id}: ${result}`;
      this.end(record);
    };
    const admin = this.sim.actor<ZkAdmin>(ZK_ADMIN_ID);
    const controller = brokerOn(this.sim, id);
    if (!(admin instanceof ZkAdmin) || !(controller instanceof ZkBroker)) return this.skip(record, 'no admin node');
    const request = { topic: this.view.topic, partition: a.partition, election: a.election };
    const correlationId = admin.electLeaders(id, request, (outcome) => {
      const result = outcome.error === 'NONE' ? `broker ${outcome.leader} elected` : outcome.error;
      finish(`${result}${outcome.unclean ? ' [beyond what Kafka promises]' : ''}`);
    });
    // The breach is ZooKeeper's commit of the controller's unclean write, whatever becomes of the
    // controller or its answer afterwards (model/zk-record.ts ZkCommittedState.watchLeader).
    controller.adminUncleanWatches.set(correlationId, (leader) => {
      record.breach ??= this.promise.adminUncleanElection(a.partition, leader, what);
    });
    if (answered) return true;
    timer = this.schedule(
      record,
      this.sim.now() + ADMIN_REQUEST_TIMEOUT_US,
      () => finish('no answer (the admin times out)'),
      () => finish('no answer before the heal'),
    );
    return true;
  }

  private fireRolling(record: FaultRecord, a: Extract<FaultAction, { kind: 'rolling-restart' }>): boolean {
    if (this.rolling) return this.skip(record, 'another rolling restart is under way');
    const brokers = [...this.nodes.brokerIds];
    this.rolling = true;
    this.start(record, `clean rolling restart of brokers ${brokers.join(', ')} (each down ${a.downMs} ms)`);
    const finish = () => {
      this.rolling = false;
      this.end(record);
    };
    // Like an operator: the next broker goes down once every broker is up, the previous
    // one has registered again since its restart and no partition is under-replicated
    // (or after gapMs of waiting).
    const ready = (sinceUs: number, previous: number | undefined): boolean =>
      this.nodes.brokerIds.every((b) => this.sim.isUp(b)) &&
      (previous === undefined || (this.registeredAtUs.get(previous) ?? -1) >= sinceUs) &&
      this.view.allIsrsFull();
    const step = (i: number, waitedUs: number, previous: number | undefined, restartedAtUs: number): void => {
      if (i >= brokers.length) {
        finish();
        return;
      }
      if (!ready(restartedAtUs, previous) && waitedUs < a.gapMs * 1000) {
        this.schedule(
          record,
          this.sim.now() + ROLLING_POLL_US,
          () => step(i, waitedUs + ROLLING_POLL_US, previous, restartedAtUs),
          finish,
        );
        return;
      }
      const b = brokers[i];
      if (!this.sim.isUp(b) || this.sim.isPaused(b)) {
        step(i + 1, 0, previous, restartedAtUs);
        return;
      }
      this.hold(b, record.id);
      this.cleanStop(b, () =>
        this.schedule(
          record,
          this.sim.now() + a.downMs * 1000,
          () => {
            const at = this.sim.now();
            this.release(b, record.id);
            this.schedule(record, this.sim.now() + ROLLING_POLL_US, () => step(i + 1, ROLLING_POLL_US, b, at), finish);
          },
          finish,
        ),
      );
    };
    step(0, 0, undefined, 0);
    return true;
  }

  // --- holds ---------------------------------------------------------------------------------------

  private hold(node: NodeId, faultId: number): void {
    let set = this.holds.get(node);
    if (set === undefined) {
      set = new Set();
      this.holds.set(node, set);
    }
    if (!set.has(faultId)) {
      set.add(faultId);
      this.holdCount++;
    }
  }

  private release(node: NodeId, faultId: number): void {
    const set = this.holds.get(node);
    if (set === undefined || !set.delete(faultId)) return;
    this.holdCount--;
    if (set.size === 0 && this.sim.isStopping(node)) this.sim.shutdown(node); // the heal does not wait for a stop
    if (set.size === 0 && !this.sim.isUp(node)) {
      this.sim.start(node);
    }
  }

  // --- heal ------------------------------------------------------------------------------------------

  /** Heals everything: disarms triggers, drops pending fault events, heals cuts and slow links, restarts down nodes. */
  healAll(): void {
    this.healed = true;
    for (const list of this.armedByProbe.values()) {
      for (const armed of list) if (armed.record.state === 'armed') armed.record.state = 'disarmed';
      list.length = 0;
    }
    this.armedCount = 0;
    for (const [handle, p] of this.pending) {
      this.sim.cancel(handle);
      if (p.record.state === 'pending') p.record.state = 'disarmed';
      p.onHeal?.();
    }
    this.pending.clear();
    this.rolling = false;
    for (const [id, cutId] of this.cuts) {
      this.sim.network.heal(cutId);
      this.endById(id);
    }
    this.cuts.clear();
    for (const [id, slowId] of this.slows) {
      this.sim.network.unslow(slowId);
      this.endById(id);
    }
    this.slows.clear();
    for (const [node, set] of [...this.holds].sort((x, y) => x[0] - y[0])) {
      for (const id of [...set]) {
        this.release(node, id);
        this.endById(id);
      }
    }
    for (const r of this.records) {
      if (r.state === 'active') this.end(r);
      if (r.state === 'armed') r.state = 'disarmed';
    }
  }

  private endById(id: number): void {
    const r = this.records[id - 1];
    if (r !== undefined) this.end(r);
  }

  // --- targets -------------------------------------------------------------------------------------

  private isBroker(n: number): boolean {
    return this.nodes.brokerIds.includes(n);
  }

  nameOf(n: number): string {
    if (this.isBroker(n) && this.nodes.controllerIds.includes(n)) return `node ${n} (broker + controller)`;
    if (this.isBroker(n)) return `broker ${n}`;
    return this.sim.nodeName(n);
  }

  /** A symbolic target → node id, or undefined when it names nothing right now. */
  resolve(t: Target, subjects: readonly number[]): number | undefined {
    return match(t)
      .with({ kind: 'broker' }, (x) => (this.isBroker(x.id) ? x.id : undefined))
      .with({ kind: 'leader' }, (x) => this.view.leader(x.partition))
      .with({ kind: 'follower' }, (x) => {
        const fs = this.view.followers(x.partition);
        return fs.length === 0 ? undefined : fs[x.index % fs.length];
      })
      .with({ kind: 'out-of-isr' }, (x) => {
        const r = this.view.record(x.partition);
        if (r === undefined) return undefined;
        const out = r.replicas.filter((b) => !r.isr.includes(b));
        const pool = out.length > 0 ? out : this.view.followers(x.partition);
        return pool.length === 0 ? undefined : pool[x.index % pool.length];
      })
      .with({ kind: 'subject' }, (x) => {
        const brokers = subjects.filter((s) => this.isBroker(s));
        if (brokers.length === 0) return this.view.leader(0);
        return brokers[x.index % brokers.length];
      })
      .with({ kind: 'controller' }, () => this.activeController())
      .with({ kind: 'voter' }, (x) => pickMod(this.nodes.controllerIds, x.index))
      .with({ kind: 'producer' }, (x) => pickMod(this.nodes.producerIds, x.index))
      .with({ kind: 'consumer' }, (x) => pickMod(this.nodes.consumerIds, x.index))
      .exhaustive();
  }

  private resolveAll(ts: readonly Target[], subjects: readonly number[]): number[] {
    return uniq(ts.map((t) => this.resolve(t, subjects)).filter((n): n is number => n !== undefined));
  }

  /** A symbolic cut → a kernel CutShape with disjoint, non-empty sides, or undefined. */
  resolveCut(c: CutSpec, subjects: readonly number[]): CutShape | undefined {
    const all = this.nodes.allNodes;
    return match(c)
      .with({ shape: 'isolate' }, (x): CutShape | undefined => {
        const n = this.resolve(x.node, subjects);
        return n === undefined ? undefined : { kind: 'isolate', node: n };
      })
      .with({ shape: 'split' }, (x): CutShape | undefined => {
        const sideA = this.resolveAll(x.side, subjects);
        const sideB = all.filter((n) => !sideA.includes(n));
        return sideA.length === 0 || sideB.length === 0 ? undefined : { kind: 'split', sideA, sideB };
      })
      .with({ shape: 'bridge' }, (x): CutShape | undefined => {
        const bridge = this.resolve(x.bridge, subjects);
        if (bridge === undefined) return undefined;
        const left = this.resolveAll(x.left, subjects).filter((n) => n !== bridge);
        const right = all.filter((n) => n !== bridge && !left.includes(n));
        return left.length === 0 || right.length === 0 ? undefined : { kind: 'bridge', left, bridge, right };
      })
      .with({ shape: 'one-way' }, (x): CutShape | undefined => {
        const from = this.resolveAll(x.from, subjects);
        const to = this.resolveAll(x.to, subjects).filter((n) => !from.includes(n));
        return from.length === 0 || to.length === 0 ? undefined : { kind: 'one-way', from, to };
      })
      .with({ shape: 'link' }, (x): CutShape | undefined => {
        const a = this.resolve(x.a, subjects);
        const b = this.resolve(x.b, subjects);
        return a === undefined || b === undefined || a === b ? undefined : { kind: 'link', a, b };
      })
      .exhaustive();
  }
}

function describeShape(s: CutShape, name: (n: number) => string): string {
  const names = (ns: readonly number[]) => ns.map(name).join(', ');
  return match(s)
    .with({ kind: 'isolate' }, (x) => `isolate ${name(x.node)}`)
    .with({ kind: 'split' }, (x) => `split {${names(x.sideA)}} | {${names(x.sideB)}}`)
    .with({ kind: 'bridge' }, (x) => `bridge {${names(x.left)}} — ${name(x.bridge)} — {${names(x.right)}}`)
    .with({ kind: 'one-way' }, (x) => `one-way cut {${names(x.from)}} → {${names(x.to)}}`)
    .with({ kind: 'link' }, (x) => `cut the link ${name(x.a)} ↔ ${name(x.b)}`)
    .exhaustive();
}

/** The armed-list key of an event pattern: the probe kind, or the code probe's own name. */
function armedKey(e: EventPattern): string {
  return e.probe === 'code' ? `code:${e.codeProbe ?? ''}` : e.probe;
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (const x of a) if (!b.includes(x)) return false;
  return true;
}

function uniq(ns: number[]): number[] {
  return [...new Set(ns)];
}

function pickMod(ids: readonly number[], index: number): number | undefined {
  return ids.length === 0 ? undefined : ids[index % ids.length];
}

function assertNever(x: never): never {
  throw new Error(`unexpected probe ${JSON.stringify(x)}`);
}
