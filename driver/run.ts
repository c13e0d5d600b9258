// Runs one seed: builds a simulation and a Kafka cluster, lays the variant over the
// scenario's configuration, carries out the fault schedule while the workload runs, heals
// everything, checks liveness with a probe, performs the final read, and judges the run:
// the Kafka anomaly checker over the history, the invariant monitor over snapshots taken as
// the run goes, and liveness. This is the library entry point for users' own properties.
//
// What must hold:
// - Same (scenario input, variant, seed) → same events, same hash, same verdict, whether
//   tracing is on or off and in whatever process or worker thread (DESIGN §2). Tracing only
//   listens; snapshots are taken between events (in run()'s stopWhen), never as events.
// - A run never hangs: an event budget and a virtual-time budget end it as `stuck`.
// - An exception anywhere in the simulation ends it as `crash`, with the seed and the stack.
// - An anomaly is `expected`, not a violation, only when the promise tracker recorded a
//   breach of Kafka's promise that explains it (driver/promise.ts expectedBecause), which it
//   then carries as `expectedBecause`.
// - A failing anomaly is a `kafkaFinding`, not a violation, only when the witness of a named
//   chain of Kafka's own behaviour held in the run and explains it (driver/kafka-findings.ts).

import fc from 'fast-check';
import { Simulation } from '../harness/simulation.ts';
import { type CodeProbeContextHit, listenCodeProbes, startCodeProbes } from '../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../model/code-probes.ts';
import type { KernelTraceEvent, NodeTransition, RunStop } from '../harness/types.ts';
import type { History } from '../checkers/history.ts';
import type { ClusterSnapshot } from '../checkers/cluster-state.ts';
import type { LookScope } from '../checkers/invariants.ts';
import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import type { RetentionDeletion } from '../checkers/retention.ts';
import { TRACE_FORMAT, TRACE_VERSION, type TimelineEvent, type Trace, type TraceFault } from '../checkers/trace.ts';
import type { BuildCluster, KafkaCluster, ModelProbe } from '../model/cluster-api.ts';
import type { ClusterSpec, VariantName } from '../model/config.ts';
import { OFFSETS_TOPIC, PROBE_CLIENT_ID, TXN_STATE_TOPIC } from '../model/config.ts';
import { clientOfProcess } from '../model/client-process.ts';
import { topicIdOf } from '../model/topic-id.ts';
import { offsetsTopicPartitions } from '../model/group-host.ts';
import { txnStateRecordProducerId, txnTopicPartitions } from '../model/txn-host.ts';
import { createLivenessTracker, type LivenessTracker, type ProbeOutcome } from '../checkers/liveness.ts';
import { applyVariant } from '../scenarios/variants.ts';
import { clusterSpecOf, workloadSpecOf, TOPIC, type ScenarioInput } from '../scenarios/input.ts';
import { describeAction, describeTrigger } from '../scenarios/faults.ts';
import { arbitraryFor, findScenario } from '../scenarios/named.ts';
import { ClusterView } from './cluster-view.ts';
import { InvariantLooks } from './invariant-looks.ts';
import { ReplicaInvariants } from '../checkers/replica-invariants.ts';
import { CoordinatorInvariants } from '../checkers/coordinator-invariants.ts';
import { TxnCoordinatorInvariants } from '../checkers/txn-coordinator-invariants.ts';
import { type FinalRead, judgeExpected, promiseEvidence, PromiseTracker } from './promise.ts';
import { FaultInjector, type FaultRecord } from './injector.ts';
import type { FetchEpochBelowLeaderCache } from '../model/code-probes.ts';
import {
  BELOW_CACHE_PROBE,
  type FindingRun,
  type FollowerAtFetchBelowCache,
  followerAtFetchBelowCache,
  labelKafkaFindings,
} from './kafka-findings.ts';

/**
 * How a run ended. `expected-loss`: anomalies, all of them beyond what Kafka promises.
 * `kafka-finding`: no violation, and some anomaly is a witnessed Kafka finding (Kafka's own
 * behaviour breaking its promise: known, not excused; driver/kafka-findings.ts).
 */
export type RunOutcome = 'ok' | 'violation' | 'kafka-finding' | 'expected-loss' | 'unknown' | 'stuck' | 'crash';

/** A long-lived judge of snapshots taken while the run goes (white-box invariants). */
export interface SnapshotMonitor {
  observe(snapshot: ClusterSnapshot): void;
  /** One partition right after it changed (driver/invariant-looks.ts); without it, full looks only. */
  observePartition?(look: ClusterSnapshot, scope: LookScope): void;
  /** A replica truncated its log (what the partition looks compared incrementally may differ). */
  onTruncate?(broker: number, topic: string, partition: number, toOffset: number): void;
  /** Everything it found so far. */
  anomalies(): Anomaly[];
}

/** The checkers a run uses; injectable so drivers can be tested against stand-ins. */
export interface Judges {
  /** Black-box Kafka checker over the whole history (after the final read). */
  /**
   * Judge the client history. `finalReadComplete`: the run's final read marked the end of
   * every partition and read it back, so a committed record it does not hold is lost.
   */
  checkHistory(
    history: History,
    opts?: { finalReadComplete?: boolean; retention?: readonly RetentionDeletion[] },
  ): Verdict;
  /** A fresh monitor per run; minInsyncReplicas is the configuration in force. */
  createMonitor(opts: { minInsyncReplicas?: number }): SnapshotMonitor;
}

export interface RunDeps {
  buildCluster: BuildCluster;
  judges: Judges;
}

interface RunBudgets {
  /** Kernel events over the whole run. */
  maxEvents: number;
  /** Virtual time over the whole run, ms. */
  maxVirtualMs: number;
  /** After the heal and the workload: how long the probe may take to succeed, ms. */
  livenessMs: number;
  /** How long the final read may take, ms. */
  finalReadMs: number;
}

const DEFAULT_BUDGETS: RunBudgets = {
  maxEvents: 4_000_000,
  maxVirtualMs: 1_800_000,
  livenessMs: 120_000,
  finalReadMs: 120_000,
};

export interface RunOptions {
  seed: number;
  /** Scenario name, recorded in the trace. */
  scenario: string;
  variant: VariantName;
  input: ScenarioInput;
  /** Build the full Trace (timeline, history, faults). */
  trace?: boolean;
  /** Keep kernel events (for --check-determinism). */
  recordEvents?: boolean;
  /** Fold message contents into the hash. */
  deepHash?: boolean;
  /**
   * A full look of the invariant monitor every this many events as well (default 5000), besides
   * the protocol events and the partition looks at every change (driver/invariant-looks.ts).
   */
  snapshotEveryEvents?: number;
  /** Check the per-replica invariants at each replica change (checkers/replica-invariants.ts; default true). */
  replicaInvariants?: boolean;
  /** Record the code probes the run reaches (default true; model/code-probes.ts). Never changes the hash. */
  codeProbes?: boolean;
  budgets?: Partial<RunBudgets>;
}

export interface RunResult {
  seed: number;
  scenario: string;
  variant: VariantName;
  outcome: RunOutcome;
  verdict: Verdict;
  hash: string;
  eventCount: number;
  endTimeUs: number;
  /** Some fault took the run beyond what Kafka promises. */
  beyondPromise: boolean;
  /** Faults that fired. */
  faultsFired: number;
  /** The first failing anomaly's kind (violation, stuck, crash), else undefined. */
  failureKind?: string;
  /** Crash: the error message and stack. */
  error?: string;
  /** Code probes the run reached, in catalog order (absent when recording was off). */
  codeProbes?: string[];
  /** The Kafka findings that label some anomaly of the run (driver/kafka-findings.ts), by name, once each. */
  kafkaFindings?: string[];
  trace?: Trace;
  events?: readonly KernelTraceEvent[];
}

/** While liveness is still being judged after the probe succeeded: one snapshot per this much virtual time. */
const LIVENESS_SLICE_US = 500_000;

/**
 * At most this many hits of the no-divergence-below-log-start probe keep the follower's records.
 * A hit equal to the last one kept of its follower and partition (sameFetchBelowCache) is not read
 * again: an idle follower repeats its fetch every replica.fetch.wait.max.ms, and 64 such repeats
 * once used up the slots before another follower's decisive hit (swarm seed 450022304).
 */
const MAX_FETCHES_BELOW_CACHE = 64;

/**
 * The same fetch served the same way: leader, follower, partition, fetch offset, last fetched epoch,
 * the leader cache's first entry and log start. The follower's log end and last epoch stood still
 * since the kept hit (a truncation would have dropped its records of that epoch, and the leader
 * serves none older), so what it holds below the leader's log start is what that hit read, or
 * less (its log start rose).
 */
function sameFetchBelowCache(a: FetchEpochBelowLeaderCache, b: FetchEpochBelowLeaderCache): boolean {
  return (
    a.leader === b.leader &&
    a.follower === b.follower &&
    a.topic === b.topic &&
    a.partition === b.partition &&
    a.fetchOffset === b.fetchOffset &&
    a.lastFetchedEpoch === b.lastFetchedEpoch &&
    a.leaderFirstEpoch === b.leaderFirstEpoch &&
    a.leaderEndOffset === b.leaderEndOffset &&
    a.leaderLogStart === b.leaderLogStart
  );
}

/** The last of `kept` of the follower and partition of `k`. */
function lastKeptOf(
  kept: readonly FollowerAtFetchBelowCache[],
  k: FetchEpochBelowLeaderCache,
): FollowerAtFetchBelowCache | undefined {
  for (let i = kept.length - 1; i >= 0; i--) {
    const f = kept[i].fetch;
    if (f.follower === k.follower && f.topic === k.topic && f.partition === k.partition) return kept[i];
  }
  return undefined;
}

class StuckError extends Error {}

/**
 * Generates a scenario's input for a seed (the same value fast-check's first run for that seed
 * sees); under `--controller kraft`, the scenario's KRaft-mode draws (arbitraryFor).
 */
export function generateInput(scenarioName: string, seed: number, controller?: 'kraft' | 'zookeeper'): ScenarioInput {
  const def = findScenario(scenarioName);
  if (def === undefined) throw new Error(`unknown scenario ${scenarioName}`);
  return fc.sample(arbitraryFor(def, controller), { seed: fcSeed(seed), numRuns: 1 })[0];
}

/** fast-check takes 32-bit seeds; campaign seeds are any non-negative safe integer. */
export function fcSeed(seed: number): number {
  const hi = Math.floor(seed / 0x1_0000_0000);
  return (seed ^ Math.imul(hi, 0x9e3779b1)) | 0;
}

/** Runs one seed of a named scenario. */
export function runSeed(
  deps: RunDeps,
  scenario: string,
  variant: VariantName,
  seed: number,
  extra: Omit<RunOptions, 'seed' | 'scenario' | 'variant' | 'input'> = {},
): RunResult {
  return runScenario(deps, { ...extra, seed, scenario, variant, input: generateInput(scenario, seed) });
}

/** Runs one scenario input; never throws for anything the simulation does. */
export function runScenario(deps: RunDeps, opts: RunOptions): RunResult {
  // Code probes: recording starts with the run and stops when it is over, whatever happens in it.
  // It always runs (the Kafka findings' witnesses read the contexts); codeProbes: false only
  // leaves the names out of the result.
  const probeRecording = startCodeProbes(CODE_PROBE_NAMES);
  let probesHit: string[] | undefined;
  let run: SeedRun | undefined;
  try {
    run = new SeedRun(deps, opts);
    try {
      run.build();
      const healedAtUs = run.injectFaults();
      run.awaitLiveness(healedAtUs);
      run.awaitWorkload(healedAtUs);
      run.finalReadAndCheck();
    } catch (err) {
      run.failed(err);
    }
  } finally {
    run?.stopListening();
    probesHit = probeRecording.stop();
  }
  const result = run.judge(probeRecording.contexts());
  if (opts.codeProbes !== false) result.codeProbes = probesHit;
  return result;
}

/**
 * One seed's run, phase by phase (build, inject faults until the heal, liveness, workload,
 * final read, judge), with the state the phases share: the simulation, the cluster, the
 * fault injector, the promise tracker, the monitors and the anomalies the driver itself finds.
 */
class SeedRun {
  private readonly budgets: RunBudgets;
  private readonly input: ScenarioInput;
  private readonly wantTrace: boolean;
  private readonly spec: ClusterSpec;
  private readonly sim: Simulation<ModelProbe>;
  private readonly timeline: TimelineEvent[] = [];
  private readonly extraAnomalies: Anomaly[] = [];
  /** Each deletion by retention of the workload topic (a replica's log start moved up by segment deletion). */
  private readonly retentionDeletions: RetentionDeletion[] = [];
  private cluster: KafkaCluster | undefined;
  private view: ClusterView | undefined;
  private injector: FaultInjector | undefined;
  private tracker: PromiseTracker | undefined;
  private offsetsView: ClusterView | undefined;
  private offsetsTracker: PromiseTracker | undefined;
  private txnStateView: ClusterView | undefined;
  private txnStateTracker: PromiseTracker | undefined;
  private monitor: SnapshotMonitor | undefined;
  /** Per-replica invariants at each replica change (undefined when switched off). */
  private readonly replicaWatch: ReplicaInvariants | undefined;
  /** The group coordinator's invariants, at each coordinator that begins to serve (issue 15). */
  private readonly coordinatorWatch = new CoordinatorInvariants();
  /** The transaction coordinators' invariants, at each snapshot while the promise holds (issue 17). */
  private readonly txnCoordinatorWatch = new TxnCoordinatorInvariants();
  /** Judges liveness from the heal on (DESIGN §5); created at the heal. */
  private liveness: LivenessTracker | undefined;
  private outcomeOverride: 'stuck' | 'crash' | undefined;
  private error: string | undefined;
  private historyVerdict: Verdict | undefined;
  private finalRead: FinalRead | undefined;
  private livenessVerdict: Verdict | undefined;
  /** Transactions open on workload leaders when the liveness window closed (openTransactionsOnLeaders). */
  private openTxnsAtLivenessEnd: ReadonlyArray<readonly [string, number]> = [];
  /** The producers on a wedged transactional id when the liveness window closed (wedgedTxnProducers). */
  private wedgedAtLivenessEndMap: ReadonlyMap<number, number> = new Map();
  /** When the invariant monitor looks (driver/invariant-looks.ts); created in build(). */
  private looks: InvariantLooks | undefined;
  /** The last full look's snapshot (Kafka findings' witnesses may read it). */
  private lastSnapshot: ClusterSnapshot | undefined;
  private readonly snapshotEvery: number;
  /** Removes the code-probe listener build() installed. */
  private unlistenProbes: (() => void) | undefined;
  /** Fault triggers hear probe hits (under faults, when some trigger waits for one). */
  private probeTriggersLive = false;
  /** The follower's records at each hit of the no-divergence-below-log-start probe (Kafka findings). */
  private readonly fetchesBelowCache: FollowerAtFetchBelowCache[] = [];

  constructor(
    private readonly deps: RunDeps,
    private readonly opts: RunOptions,
  ) {
    this.budgets = { ...DEFAULT_BUDGETS, ...opts.budgets };
    this.input = opts.input;
    this.wantTrace = opts.trace === true;
    this.spec = applyVariant(clusterSpecOf(this.input), opts.variant);
    this.sim = new Simulation<ModelProbe>({
      seed: opts.seed,
      recordEvents: opts.recordEvents === true,
      deepHash: opts.deepHash === true,
    });
    this.snapshotEvery = opts.snapshotEveryEvents ?? 5000;
    this.replicaWatch = opts.replicaInvariants === false ? undefined : new ReplicaInvariants();
  }

  // --- build ------------------------------------------------------------------------------------

  /** The cluster, its view, the promise tracker, the fault injector, the monitor, and the listeners. */
  build(): void {
    const sim = this.sim;
    const c = this.deps.buildCluster(sim, this.spec, workloadSpecOf(this.input));
    this.cluster = c;
    const view = new ClusterView(TOPIC, c.brokerIds);
    this.view = view;
    const tracker = new PromiseTracker(
      this.input.shape.minInsync,
      view,
      (b) => sim.isUp(b),
      () => sim.now(),
      this.spec.zookeeper !== undefined,
    );
    this.tracker = tracker;
    // `__consumer_offsets` under the same promise (issue 15), when the workload has a group
    // (or consume-transform-produce transactions, which commit a group's offsets).
    if (this.input.workload.group !== undefined || (this.input.workload.transactions?.consumeRatio ?? 0) > 0) {
      const offsetsView = new ClusterView(OFFSETS_TOPIC, c.brokerIds);
      this.offsetsView = offsetsView;
      this.offsetsTracker = tracker.companion(offsetsView, offsetsTopicPartitions(this.spec.config));
    }
    // `__transaction_state` under the same promise (issue 17), when the workload is transactional.
    if (this.input.workload.transactions !== undefined) {
      const txnView = new ClusterView(TXN_STATE_TOPIC, c.brokerIds);
      this.txnStateView = txnView;
      this.txnStateTracker = tracker.companion(txnView, txnTopicPartitions(this.spec.config));
    }
    const nodes = {
      brokerIds: c.brokerIds,
      controllerId: c.controllerId,
      controllerIds: c.controllerIds,
      producerIds: c.producerIds,
      consumerIds: c.consumerIds,
      allNodes: sim.nodeIds(),
    };
    this.injector = new FaultInjector(sim, nodes, view, tracker, this.input.faults, {
      onFaultStart: (id, description) => {
        if (this.wantTrace) this.timeline.push({ t: sim.now(), kind: 'fault', phase: 'start', id, description });
      },
      onFaultEnd: (id, description) => {
        if (this.wantTrace) this.timeline.push({ t: sim.now(), kind: 'fault', phase: 'end', id, description });
      },
    });
    this.monitor = this.deps.judges.createMonitor({ minInsyncReplicas: this.spec.config['min.insync.replicas'] });
    this.looks = new InvariantLooks(c, this.monitor, this.snapshotEvery, (snap) => {
      this.lastSnapshot = snap;
      this.liveness?.observe(snap);
      this.observeTxnCoordinators();
    });
    sim.onProbe((_node, ev) => this.onProbe(ev));
    sim.onNodeTransition((node, transition, reason) => this.onNodeTransition(node, transition, reason));
    this.unlistenProbes = listenCodeProbes((name, context) => this.onCodeProbe(name, context));
  }

  /** Ends build()'s code-probe listening (the run is over). */
  stopListening(): void {
    this.unlistenProbes?.();
    this.unlistenProbes = undefined;
  }

  /**
   * Every code probe hit (reads only): to the fault triggers while they listen, and, for the
   * no-divergence-below-log-start witness, the follower's records at the leader's answer, which
   * retention may delete before the run's last snapshot, and both replicas' open transactions then.
   */
  private onCodeProbe(name: string, context: unknown): void {
    if (this.probeTriggersLive) this.injector!.onCodeProbe(name);
    if (name !== BELOW_CACHE_PROBE || this.fetchesBelowCache.length >= MAX_FETCHES_BELOW_CACHE) return;
    const k = context as FetchEpochBelowLeaderCache;
    const last = lastKeptOf(this.fetchesBelowCache, k);
    if (last !== undefined && sameFetchBelowCache(last.fetch, k)) return;
    const c = this.cluster!;
    const snap = c.partitionSnapshot?.(k.topic, k.partition) ?? c.snapshot();
    const openOn = (broker: number) => c.replicaFacts(broker, k.topic, k.partition)?.openTransactions?.() ?? [];
    const open = { follower: openOn(k.follower), leader: openOn(k.leader) };
    this.fetchesBelowCache.push(followerAtFetchBelowCache(k, snap, open));
  }

  /** The promise tracker of `topic`: the scenario's, or `__consumer_offsets`' when the run has a group. */
  private trackerOf(topic: string): PromiseTracker | undefined {
    if (topic === TOPIC) return this.tracker;
    if (topic === TXN_STATE_TOPIC) return this.txnStateTracker;
    return topic === OFFSETS_TOPIC ? this.offsetsTracker : undefined;
  }

  /** A controller record: both cluster views, both trackers, the coordinator watch, the injector. */
  private onPartitionProbe(ev: Extract<ModelProbe, { kind: 'partition' }>): void {
    const offsets = this.offsetsView?.applyPartitionEvent(ev);
    if (offsets !== undefined) {
      const { partition, current, previous } = offsets;
      this.offsetsTracker!.onPartition(partition, current.isr, previous, current.leader);
      this.coordinatorWatch.onLeaderRecord(partition, current.leader, ev.leaderEpoch);
    }
    const txnState = this.txnStateView?.applyPartitionEvent(ev);
    if (txnState !== undefined) {
      const { partition, current, previous } = txnState;
      this.txnStateTracker!.onPartition(partition, current.isr, previous, current.leader);
    }
    const change = this.view!.applyPartitionEvent(ev);
    if (change !== undefined) {
      this.tracker!.onPartition(change.partition, change.current.isr, change.previous, change.current.leader);
      this.injector!.onPartitionChange(change);
    }
    if (this.wantTrace) this.timeline.push({ t: this.sim.now(), ...ev });
  }

  /** A replica's HW or LEO changed: its topic's tracker and the replica invariants. */
  private onReplicaProbe(ev: Extract<ModelProbe, { kind: 'replica' }>): void {
    this.trackerOf(ev.topic)?.onReplica(ev.broker, ev.partition, ev.role, ev.hw, ev.leo);
    if (this.replicaWatch === undefined) return;
    const facts = this.cluster!.replicaFacts(ev.broker, ev.topic, ev.partition);
    if (facts !== undefined) this.replicaWatch.onReplica(ev.broker, ev.topic, ev.partition, facts, this.sim.now());
  }

  /** Every model probe: the cluster view, the promise tracker, the injector's triggers, snapshots, the timeline. */
  private onProbe(ev: ModelProbe): void {
    const tracker = this.tracker!;
    const injector = this.injector!;
    this.looks!.onProbe(ev);
    switch (ev.kind) {
      case 'partition':
        this.onPartitionProbe(ev);
        return;
      case 'replica':
        this.onReplicaProbe(ev);
        break;
      case 'unclean-shutdown':
        tracker.onUncleanRegistration(ev.broker);
        break;
      case 'producer-resequenced':
        tracker.onResequenced(ev.producer, ev.topic, ev.partition, ev.producerEpoch, ev.values);
        break;
      case 'append':
        if (ev.topic === TOPIC && ev.producerId !== undefined && ev.producerEpoch !== undefined) {
          const producer = { id: ev.producerId, epoch: ev.producerEpoch };
          const leader = { broker: ev.broker, leaderEpoch: ev.epoch };
          tracker.onLeaderAppend(
            ev.partition,
            ev.firstOffset,
            ev.values,
            producer,
            ev.unknownProducer === true,
            leader,
            ev.noStateAtSequenceZero === true,
          );
          if (isMarker(ev.values)) tracker.onMarkerAppend(ev.partition, ev.firstOffset, ev.producerId, ev.values[0]);
        } else if (ev.topic === OFFSETS_TOPIC && this.offsetsTracker !== undefined) {
          this.offsetsTracker.onOffsetsAppend(ev.broker, ev.partition, ev.epoch, ev.values);
        } else if (ev.topic === TXN_STATE_TOPIC && this.txnStateTracker !== undefined) {
          const ids = ev.values.map(txnStateRecordProducerId).filter((id) => id !== undefined);
          tracker.onTxnStateAppend(ev.partition, ids);
        }
        break;
      case 'registered':
        tracker.onRegistered(ev.broker);
        break;
      case 'truncate':
        this.replicaWatch?.onTruncate(ev.broker, ev.topic, ev.partition, ev.toOffset);
        break;
      case 'log-start':
        if (ev.topic === TOPIC && ev.reason === 'segment-deletion' && ev.to > ev.from) {
          const d = { topic: ev.topic, partition: ev.partition, logStartOffset: ev.to, timeUs: this.sim.now() };
          this.retentionDeletions.push(d);
        }
        this.replicaWatch?.onLogStart(ev.broker, ev.topic, ev.partition, ev, this.sim.now());
        break;
      case 'fetch-served':
        // Checked against the replica's log start; no trigger waits for it, no timeline entry.
        this.replicaWatch?.onFetchServed(ev.broker, ev.topic, ev.partition, ev.fromOffset, this.sim.now());
        return;
      case 'storage':
        // For the report's segment view only.
        if (this.wantTrace) this.timeline.push({ t: this.sim.now(), ...ev });
        return;
      case 'fenced':
      case 'controlled-shutdown':
        break;
      case 'quorum':
        if (this.wantTrace) this.timeline.push({ t: this.sim.now(), ...ev });
        return;
      case 'follower-fetch':
        this.trackerOf(ev.topic)?.onFollowerFetch(ev.broker, ev.partition);
        break;
      case 'coordinator-serving':
        this.coordinatorWatch.onServing({ ...ev, timeUs: this.sim.now() });
        return;
      case 'alter-partition-sent':
        this.trackerOf(ev.topic)?.onAlterPartitionSent(ev.broker, ev.partition, ev.isr);
        break;
      case 'alter-partition-applied':
        if (!ev.accepted) this.trackerOf(ev.topic)?.onAlterPartitionRejected(ev.partition);
        break;
      case 'produce-ack':
        break;
      default:
        assertNever(ev);
    }
    injector.onProbe(ev);
    if (this.wantTrace && ev.kind === 'append') {
      this.timeline.push({ t: this.sim.now(), ...shownAppend(ev) });
    } else if (this.wantTrace && (ev.kind === 'replica' || ev.kind === 'truncate')) {
      this.timeline.push({ t: this.sim.now(), ...ev });
    } else if (this.wantTrace && ev.kind === 'log-start') {
      const { hw: _hw, leo: _leo, ...shown } = ev;
      this.timeline.push({ t: this.sim.now(), ...shown });
    }
  }

  private onNodeTransition(node: number, transition: NodeTransition, reason: string | undefined): void {
    this.looks!.onNodeTransition();
    if (transition === 'restart') this.tracker!.onRestart(node);
    if (transition === 'restart' || transition === 'start') this.replicaWatch?.onRestart(node);
    // A process that halted itself (a controller's fatal fault, controller.ts fatalFault) died as
    // by kill -9: a combined node's broker shut down uncleanly, as the injector's crashes tell.
    if (transition === 'halt' && this.cluster!.brokerIds.includes(node)) this.tracker!.crash([node]);
    if (this.wantTrace) {
      const up = transition === 'start' || transition === 'restart';
      const name = this.sim.nodeName(node);
      const cause = reason === undefined ? transition : `${transition}: ${reason}`;
      this.timeline.push({ t: this.sim.now(), kind: 'node', node, name, state: up ? 'up' : 'down', cause });
    }
  }

  /** A full look of the invariant monitor (and the liveness tracker, the transaction coordinators). */
  private takeSnapshot(): void {
    this.looks!.full(this.sim.eventCount);
  }

  /**
   * The transaction coordinators' invariants, in runs with transactions, until the first
   * durability breach (a breach may take a marker or a coordinator's record with it:
   * checkers/txn-coordinator-invariants.ts assumes none).
   */
  private observeTxnCoordinators(): void {
    if (this.input.workload.transactions === undefined || this.tracker!.beyondPromise) return;
    const look = this.cluster!.txnCoordinators?.();
    if (look !== undefined) this.txnCoordinatorWatch.observe(look, this.sim.now());
  }

  /** Runs until `done` (checked between events) or `untilUs`; enforces the budgets. */
  private runUntil(untilUs: number, done: () => boolean, phase: string): boolean {
    if (done()) return true;
    const sim = this.sim;
    const { maxEvents, maxVirtualMs } = this.budgets;
    const maxUs = maxVirtualMs * 1000;
    const limitUs = Math.min(untilUs, maxUs);
    const stop: RunStop = sim.run({
      untilUs: limitUs,
      maxEvents: Math.max(0, maxEvents - sim.eventCount),
      stopWhen: () => {
        this.looks!.between(sim.eventCount);
        return done();
      },
    });
    if (stop === 'stopped') return true;
    if (stop === 'events')
      throw new StuckError(`event budget of ${maxEvents} events exhausted ${phase} at ${fmtUs(sim.now())}`);
    if (stop === 'idle') {
      if (done()) return true;
      throw new StuckError(`the simulation went idle ${phase} at ${fmtUs(sim.now())}`);
    }
    if (limitUs === maxUs && limitUs < untilUs)
      throw new StuckError(`virtual-time budget of ${maxVirtualMs} ms exhausted ${phase}`);
    return done();
  }

  // --- inject faults, heal ----------------------------------------------------------------------

  /**
   * Starts the cluster, arms the schedule, runs the workload under faults until the heal time
   * (or earlier, once every fault has fired and healed), heals whatever is left. Returns the
   * heal's virtual time.
   */
  injectFaults(): number {
    const injector = this.injector!;
    this.cluster!.start();
    injector.arm();
    // Code-probe triggers hear every probe hit while faults may still fire (only when some wait for one).
    this.probeTriggersLive = injector.waitsForCodeProbes();
    try {
      this.runUntil(this.input.healAtMs * 1000, () => injector.quiescent(), 'under faults');
    } finally {
      this.probeTriggersLive = false;
    }
    injector.healAll();
    const healedAtUs = this.sim.now();
    this.liveness = createLivenessTracker({
      lastHealUs: healedAtUs,
      boundUs: this.budgets.livenessMs * 1000,
      minInsyncReplicas: this.spec.config['min.insync.replicas'],
    });
    this.takeSnapshot();
    return healedAtUs;
  }

  // --- liveness ---------------------------------------------------------------------------------

  /**
   * While the workload goes on: within a bounded time after the heal every partition has a
   * leader and an ISR of min.insync.replicas, and a probe send and poll succeed on every
   * partition.
   */
  awaitLiveness(healedAtUs: number): void {
    const c = this.cluster!;
    const probeStartUs = this.sim.now();
    const probeFromIndex = c.history.length;
    const livenessEndUs = healedAtUs + this.budgets.livenessMs * 1000;
    c.startProbe();
    const live = this.runUntil(livenessEndUs, () => c.probeSucceeded(), 'waiting for the liveness probe');
    this.takeSnapshot();
    const lt = this.liveness!;
    let probesFed = probeFromIndex;
    const recovered = (): boolean => {
      for (const p of probeOutcomes(c.history, probesFed)) lt.probe(p);
      probesFed = c.history.length;
      return lt.finish().valid === true;
    };
    // The probe succeeding is not the whole recovery: the leader must also have taken over
    // and the ISR must be back at min.insync.replicas, which can take longer (a follower
    // that rejoins the ISR only after its metadata catches up). Keep watching, a snapshot
    // every LIVENESS_SLICE_US, until every condition was seen or the window closes; judging
    // at the probe's success alone would call a recovery still under way a failure.
    while (live && !recovered() && this.sim.now() < livenessEndUs) {
      this.runUntil(
        Math.min(this.sim.now() + LIVENESS_SLICE_US, livenessEndUs),
        () => false,
        'waiting for the ISR to recover',
      );
      this.takeSnapshot();
    }
    recovered();
    this.livenessVerdict = lt.finish();
    // What a hanging transaction explains is judged now, when the window closes (promise.ts hangingTxnBreach).
    if (this.tracker !== undefined) this.tracker.hangingAtLivenessEnd = c.hangingTransactions?.() ?? new Map();
    this.openTxnsAtLivenessEnd = c.openTransactionsOnLeaders?.() ?? [];
    this.wedgedAtLivenessEndMap = c.wedgedTxnProducers?.() ?? new Map();
    this.liveness = undefined;
    if (!live && this.livenessVerdict.valid !== false) {
      this.extraAnomalies.push({
        kind: 'liveness',
        explanation:
          `After every fault healed (at ${fmtUs(healedAtUs)}), the probe client's send and poll did not both ` +
          `succeed on every partition within ${this.budgets.livenessMs / 1000} s.`,
        nodes: [PROBE_CLIENT_ID],
        timesUs: [healedAtUs, probeStartUs],
      });
    }
  }

  // --- workload ---------------------------------------------------------------------------------

  /** Every send completes (ok, fail or info) within its delivery timeout; one that cannot is a liveness failure. */
  awaitWorkload(healedAtUs: number): void {
    const c = this.cluster!;
    const w = this.input.workload;
    const config = this.spec.config;
    const sendSpanUs = Math.ceil(w.sends / Math.max(1, w.producers)) * w.sendIntervalMs * 1000 * 4;
    const workloadDeadlineUs =
      healedAtUs + sendSpanUs + (config['delivery.timeout.ms'] + 2 * config['request.timeout.ms']) * 1000;
    let deadlineUs = workloadDeadlineUs;
    let done = this.runUntil(deadlineUs, () => c.workloadDone(), 'waiting for the workload');
    if (!done && this.unwedgedSinceLivenessEnd()) {
      // A wedge the promise allows (wedgedTxnBreach) held these producers past the heal and
      // ended only now: their sends get the workload's whole span again, from its end.
      deadlineUs = this.sim.now() + (workloadDeadlineUs - healedAtUs);
      done = this.runUntil(deadlineUs, () => c.workloadDone(), 'waiting for the workload after a wedge');
    }
    if (!done) {
      // Judged now, at the deadline (promise.ts wedgedTxnBreach).
      if (this.tracker !== undefined) {
        this.tracker.wedgedAtWorkloadDeadline = c.wedgedTxnProducers?.() ?? new Map();
        this.tracker.offsetsHungAtWorkloadDeadline = c.offsetsHungTxnProducers?.() ?? new Map();
      }
      this.extraAnomalies.push(...unfinishedWorkloadAnomalies(c, healedAtUs, deadlineUs));
    }
  }

  /**
   * Every producer still sending was on a wedged transactional id when the liveness window
   * closed, after a durability breach of that id's `__transaction_state` partition (the wedge
   * the promise allows: promise.ts wedgedTxnBreach), and none is wedged now: the wedge ended
   * (e.g. the coordinator moved and its markers were taken; swarm seed 160000395).
   */
  private unwedgedSinceLivenessEnd(): boolean {
    const c = this.cluster!;
    const tracker = this.tracker;
    const unfinished = c.unfinishedProducers?.() ?? [];
    if (tracker === undefined || unfinished.length === 0) return false;
    const wedgedNow = c.wedgedTxnProducers?.() ?? new Map();
    return unfinished.every((client) => {
      const partition = this.wedgedAtLivenessEndMap.get(client);
      if (partition === undefined || wedgedNow.has(client)) return false;
      return tracker.breachedDurabilityOf(TXN_STATE_TOPIC, partition);
    });
  }

  // --- final read -------------------------------------------------------------------------------

  /** The final read, so the history holds each partition's final committed log; then the history checker. */
  finalReadAndCheck(): void {
    const c = this.cluster!;
    const readStartUs = this.sim.now();
    const fromIndex = c.history.length;
    c.startFinalRead();
    const readDone = this.runUntil(
      readStartUs + this.budgets.finalReadMs * 1000,
      () => c.finalReadDone(),
      'during the final read',
    );
    if (!readDone) this.finalReadStuck(readStartUs);
    this.takeSnapshot();
    const isFinalReader = (process: number | string) =>
      typeof process === 'number' && clientOfProcess(process) === PROBE_CLIENT_ID;
    const unfinished = readDone ? [] : (c.finalReadUnfinished?.() ?? []);
    this.finalRead = { fromIndex, isFinalReader, complete: readDone, unfinished };
    this.historyVerdict = this.deps.judges.checkHistory(c.history, {
      finalReadComplete: readDone,
      retention: this.retentionDeletions,
    });
  }

  /**
   * The final read did not complete: one liveness anomaly for each partition whose read had
   * not got there (naming it, so what explains a partition's liveness can be told apart), or
   * one for the read as a whole when the cluster does not say which.
   */
  private finalReadStuck(readStartUs: number): void {
    const within = `within ${this.budgets.finalReadMs / 1000} s after every fault healed`;
    const unfinished = this.cluster!.finalReadUnfinished?.() ?? [];
    const base = { kind: 'liveness' as const, nodes: [PROBE_CLIENT_ID], timesUs: [readStartUs] };
    if (unfinished.length === 0) {
      this.extraAnomalies.push({
        ...base,
        explanation: `The final read of every partition from offset 0 did not complete ${within}.`,
      });
      return;
    }
    for (const { topic, partition } of unfinished) {
      this.extraAnomalies.push({
        ...base,
        topic,
        partition,
        explanation:
          `The final read of ${topic}/${partition} from offset 0 (past its end marker, up to the HW) did not ` +
          `complete ${within}.`,
      });
    }
  }

  /** The run ended early: a budget (stuck) or an exception (crash). */
  failed(err: unknown): void {
    const now = this.sim.now();
    if (err instanceof StuckError) {
      this.outcomeOverride = 'stuck';
      this.extraAnomalies.push({
        kind: 'stuck',
        explanation: `Seed ${this.opts.seed}: ${err.message}.`,
        timesUs: [now],
      });
      return;
    }
    this.outcomeOverride = 'crash';
    const e = err instanceof Error ? err : undefined;
    this.error = e?.stack ?? String(err);
    this.extraAnomalies.push({
      kind: 'crash',
      explanation: `Seed ${this.opts.seed}: the simulation threw at ${fmtUs(now)}: ${e?.message ?? String(err)}`,
      timesUs: [now],
    });
  }

  /**
   * A bug variant's run that threw after its checkers had found a violation: the variant broke an
   * invariant the model asserts. Its outcome is that violation, the crash kept among its
   * anomalies; a run of the correct model that throws stays a crash. (Its first case, zoo guided
   * seed 3000566 of vote-without-log-check, a controller replay that threw on a fencing record for a
   * lost registration, no longer throws: the controller halts its process there as Kafka's
   * QuorumController fatalFaultHandler does, controller.ts fatalFault, and the run is judged.)
   */
  private variantViolationBeforeCrash(verdict: Verdict): boolean {
    if (this.outcomeOverride !== 'crash' || this.opts.variant === 'correct') return false;
    return verdict.anomalies.some((a) => isFailing(a) && a.kind !== 'crash' && a.kind !== 'stuck');
  }

  // --- judge ------------------------------------------------------------------------------------

  /**
   * For the Kafka finding zk-stale-controller-cache (driver/kafka-findings.ts): the end look at
   * each `__transaction_state` partition whose controller write was resent and met BADVERSION (the
   * last snapshot holds workload topics only).
   */
  private txnStateLooks(probeContexts: readonly CodeProbeContextHit[]): ClusterSnapshot[] {
    const c = this.cluster;
    if (c?.internalPartitionLook === undefined) return [];
    const out: ClusterSnapshot[] = [];
    const seen = new Set<number>();
    for (const hit of probeContexts) {
      if (hit.name !== 'zk-alter-partition-resent-bad-version') continue;
      const { topic, partition } = hit.context as { topic: string; partition: number };
      if (topic !== TXN_STATE_TOPIC || seen.has(partition)) continue;
      seen.add(partition);
      const look = c.internalPartitionLook(topic, partition);
      if (look !== undefined) out.push(look);
    }
    return out;
  }

  /** The verdict (every anomaly judged by the promise tracker's evidence), the outcome and the result. */
  judge(probeContexts: readonly CodeProbeContextHit[]): RunResult {
    const opts = this.opts;
    let monitorAnomalies: Anomaly[] = [];
    try {
      monitorAnomalies = this.monitor?.anomalies() ?? [];
    } catch (err) {
      if (this.outcomeOverride === undefined) {
        this.outcomeOverride = 'crash';
        const e = err instanceof Error ? err : undefined;
        this.error = e?.stack ?? String(err);
        this.extraAnomalies.push({
          kind: 'crash',
          explanation: `Seed ${opts.seed}: the invariant monitor threw: ${e?.message ?? String(err)}`,
        });
      }
    }
    const replicaAnomalies = [
      ...(this.replicaWatch?.anomalies() ?? []),
      ...this.coordinatorWatch.anomalies(),
      ...this.txnCoordinatorWatch.anomalies(),
    ];
    const monitorAndLiveness = [...monitorAnomalies, ...replicaAnomalies, ...(this.livenessVerdict?.anomalies ?? [])];
    const history = this.cluster?.history ?? [];
    if (this.tracker !== undefined) {
      this.tracker.hangingTransactions = this.cluster?.hangingTransactions?.() ?? new Map();
      this.tracker.wedgedTxnProducers = this.cluster?.wedgedTxnProducers?.() ?? new Map();
      this.tracker.offsetsHungTxnProducers = this.cluster?.offsetsHungTxnProducers?.() ?? new Map();
    }
    const records = this.injector?.records ?? [];
    const findingRun: FindingRun = {
      probeContexts,
      faults: records,
      history,
      zookeeper: this.spec.zookeeper !== undefined,
      fetchesBelowCache: this.fetchesBelowCache,
      hangingTransactions: [
        ...(this.tracker?.hangingAtLivenessEnd ?? []),
        ...(this.tracker?.hangingTransactions ?? []),
      ],
      ...(this.lastSnapshot === undefined ? {} : { lastSnapshot: this.lastSnapshot }),
      txnStateMinIsr: this.spec.config['transaction.state.log.min.isr'] ?? 2,
      txnProducers: [...(this.cluster?.txnStatePartitionOfProducers?.() ?? [])],
      openTransactions: [...this.openTxnsAtLivenessEnd, ...(this.cluster?.openTransactionsOnLeaders?.() ?? [])],
      txnStateLooks: this.txnStateLooks(probeContexts),
      minInsync: this.spec.config['min.insync.replicas'],
      preparedTxns: [...(this.cluster?.preparedTxnsOfProducers?.() ?? [])],
    };
    const verdict = combineVerdicts(this.historyVerdict, monitorAndLiveness, this.extraAnomalies, this.tracker, {
      history,
      finalRead: this.finalRead,
      findings: findingRun,
    });
    const outcome: RunOutcome = this.variantViolationBeforeCrash(verdict)
      ? 'violation'
      : (this.outcomeOverride ?? outcomeOf(verdict));
    const failing = verdict.anomalies.find((a) => isFailing(a));
    const sim = this.sim;
    const result: RunResult = {
      seed: opts.seed,
      scenario: opts.scenario,
      variant: opts.variant,
      outcome,
      verdict,
      hash: sim.hash(),
      eventCount: sim.eventCount,
      endTimeUs: sim.now(),
      beyondPromise: this.tracker?.beyondPromise ?? false,
      faultsFired: records.filter((r) => r.startUs !== undefined).length,
    };
    if (failing !== undefined && (outcome === 'violation' || outcome === 'stuck' || outcome === 'crash'))
      result.failureKind = failing.kind;
    if (this.error !== undefined) result.error = this.error;
    const findings = [...new Set(verdict.anomalies.flatMap((a) => a.kafkaFinding ?? []))];
    if (findings.length > 0) result.kafkaFindings = findings;
    if (opts.recordEvents === true) result.events = sim.events;
    if (this.wantTrace) {
      const config: Record<string, unknown> = { ...this.spec.config };
      result.trace = buildTrace(opts, config, records, this.cluster, sim, this.timeline, verdict, outcome);
    }
    return result;
  }
}

/** The probe client's sends and polls from history position `from` on, as liveness inputs. */
function probeOutcomes(history: History, from: number): ProbeOutcome[] {
  const out: ProbeOutcome[] = [];
  for (let i = from; i < history.length; i++) {
    const e = history[i];
    if (e.type === 'invoke' || clientOfProcess(e.process) !== PROBE_CLIENT_ID) continue;
    const v = e.value as { topic?: unknown; partition?: unknown; records?: unknown };
    if (typeof v?.topic !== 'string' || typeof v.partition !== 'number') continue;
    if (e.f === 'send')
      out.push({ topic: v.topic, partition: v.partition, kind: 'send', ok: e.type === 'ok', timeUs: e.time });
    else if (e.f === 'poll') {
      const got = e.type === 'ok' && Array.isArray(v.records) && v.records.length > 0;
      out.push({ topic: v.topic, partition: v.partition, kind: 'poll', ok: got, timeUs: e.time });
    }
  }
  return out;
}

/** A failing anomaly: neither informational, expected nor a witnessed Kafka finding. */
export function isFailing(a: Anomaly): boolean {
  return a.informational !== true && a.expected !== true && a.kafkaFinding === undefined;
}

/**
 * One verdict from the history checker's, the monitor's and the driver's own anomalies, each
 * judged by the promise tracker's evidence (driver/promise.ts expectedBecause, the one
 * authority on what is expected). Without a tracker (the run failed before it existed)
 * nothing is expected.
 */
function combineVerdicts(
  history: Verdict | undefined,
  monitor: Anomaly[],
  driver: Anomaly[],
  tracker: PromiseTracker | undefined,
  run: { history: History; finalRead: FinalRead | undefined; findings: FindingRun },
): Verdict {
  const all = [...(history?.anomalies ?? []), ...monitor, ...driver];
  const evidence =
    tracker === undefined
      ? undefined
      : promiseEvidence(tracker, all, run.history, run.finalRead, run.findings.lastSnapshot);
  const judged = evidence === undefined ? all : judgeExpected(all, evidence);
  // What the promise does not explain, a witnessed Kafka finding may (driver/kafka-findings.ts).
  const anomalies = labelKafkaFindings(judged, run.findings);
  const failing = anomalies.some(isFailing);
  const valid = failing ? false : history === undefined || history.valid === 'unknown' ? 'unknown' : true;
  const checkers = ['kafka', 'invariants', 'liveness'];
  const verdict: Verdict = {
    valid,
    checker: history?.checker === undefined ? checkers.join('+') : `${history.checker}+invariants+liveness`,
    anomalies,
  };
  if (history?.counterexample !== undefined) verdict.counterexample = history.counterexample;
  if (history?.stats !== undefined) verdict.stats = history.stats;
  return verdict;
}

function outcomeOf(v: Verdict): RunOutcome {
  if (v.valid === false) return 'violation';
  if (v.anomalies.some((a) => a.kafkaFinding !== undefined)) return 'kafka-finding';
  if (v.anomalies.some((a) => a.expected === true && a.informational !== true)) return 'expected-loss';
  if (v.valid === 'unknown') return 'unknown';
  return 'ok';
}

function buildTrace(
  opts: RunOptions,
  config: Record<string, unknown>,
  records: readonly FaultRecord[],
  cluster: KafkaCluster | undefined,
  sim: Simulation<ModelProbe>,
  timeline: TimelineEvent[],
  verdict: Verdict,
  outcome: RunOutcome,
): Trace {
  const faults: TraceFault[] = opts.input.faults.map((f, i) => {
    const r = records[i];
    const tf: TraceFault = {
      id: i + 1,
      description: r?.resolved ?? describeAction(f.action),
      trigger: describeTrigger(f.trigger),
    };
    if (r?.startUs !== undefined) tf.startUs = r.startUs;
    if (r?.endUs !== undefined) tf.endUs = r.endUs;
    if (r?.breach !== undefined) tf.beyondPromise = true;
    if (r !== undefined && r.startUs === undefined)
      tf.description += r.state === 'skipped' ? ` (skipped: ${r.skipReason})` : ' (never fired)';
    return tf;
  });
  const nodes: Trace['nodes'] = [];
  if (cluster !== undefined) {
    for (const id of sim.nodeIds()) {
      const broker = cluster.brokerIds.includes(id);
      const role: Trace['nodes'][number]['role'] = broker
        ? cluster.controllerIds.includes(id)
          ? 'combined'
          : 'broker'
        : cluster.controllerIds.includes(id)
          ? 'controller'
          : cluster.producerIds.includes(id)
            ? 'producer'
            : cluster.consumerIds.includes(id)
              ? 'consumer'
              : 'other';
      nodes.push({ id, name: sim.nodeName(id), role });
    }
  }
  const trace: Trace = {
    format: TRACE_FORMAT,
    version: TRACE_VERSION,
    seed: opts.seed,
    scenario: opts.scenario,
    variant: opts.variant,
    config,
    faultSchedule: opts.input,
    workload: opts.input.workload,
    faults,
    history: cluster === undefined ? [] : cluster.history.slice(),
    verdict,
    hash: sim.hash(),
    eventCount: sim.eventCount,
    endTimeUs: sim.now(),
    outcome,
    timeline,
    clusterId: topicIdOf(opts.seed, '__cluster_metadata'),
    nodes,
    // A named scenario's seed re-runs from the command line; a custom one only from this trace.
    command:
      findScenario(opts.scenario) === undefined
        ? 'npm run replay -- <this trace file>'
        : `npm run fuzz -- --scenario ${opts.scenario} --variant ${opts.variant} --seed ${opts.seed}`,
  };
  if (opts.recordEvents === true) trace.events = sim.events.slice();
  return trace;
}

/**
 * A leader's append of an end-transaction marker: one control record, whose value the model
 * writes as its type (replica-log.ts appendMarkerAsLeader); workload values never take these.
 */
/** A leader's append as the timeline shows it: without the producer identity the tracker reads. */
function shownAppend(ev: Extract<ModelProbe, { kind: 'append' }>) {
  const { producerId: _id, producerEpoch: _epoch, unknownProducer: _new, noStateAtSequenceZero: _zero, ...shown } = ev;
  return shown;
}

function isMarker(values: readonly string[]): boolean {
  return values.length === 1 && (values[0] === 'COMMIT' || values[0] === 'ABORT');
}

function assertNever(x: never): never {
  throw new Error(`unexpected probe ${JSON.stringify(x)}`);
}

function fmtUs(us: number): string {
  return `${(us / 1_000_000).toFixed(3)} s`;
}

/**
 * The liveness anomalies of a workload whose sends had not all completed by `deadlineUs`: one
 * per partition the producers' outstanding sends wait on (naming the producers waiting there),
 * so a stuck partition's witness can explain them (swarm seed 135002921 in ZooKeeper mode: a
 * partition frozen below min.insync.replicas times every send out after delivery.timeout.ms,
 * and ten sends in flight per producer cannot finish the workload in the window); and one naming
 * no partition for the producers with no send outstanding (or when the cluster does not tell).
 */
function unfinishedWorkloadAnomalies(c: KafkaCluster, healedAtUs: number, deadlineUs: number): Anomaly[] {
  const unfinished = c.unfinishedProducers?.() ?? [...c.producerIds];
  const open = c.openSends?.() ?? [];
  const byPartition = new Map<string, { topic: string; partition: number; producers: number[] }>();
  for (const { producer, topic, partition } of open) {
    const key = `${topic}/${partition}`;
    const entry = byPartition.get(key) ?? { topic, partition, producers: [] };
    entry.producers.push(producer);
    byPartition.set(key, entry);
  }
  const idle = unfinished.filter((p) => !open.some((o) => o.producer === p));
  const timesUs = [healedAtUs, deadlineUs];
  const since = `although every fault healed at ${fmtUs(healedAtUs)}`;
  const unfinishedBy = `The producers' sends had not all completed (ok, failed or timed out) by ${fmtUs(deadlineUs)}`;
  const out: Anomaly[] = [...byPartition.values()].map(({ topic, partition, producers }) => ({
    kind: 'liveness',
    explanation:
      `${unfinishedBy}, ${since}: ` +
      `producer(s) ${producers.join(', ')} still had sends to ${topic}/${partition} outstanding.`,
    topic,
    partition,
    nodes: producers,
    timesUs,
  }));
  if (idle.length > 0 || out.length === 0) {
    out.push({
      kind: 'liveness',
      explanation: `${unfinishedBy}, ${since}.`,
      // The producers still sending with no send outstanding (all of them when the cluster does not tell).
      nodes: idle.length > 0 ? idle : unfinished,
      timesUs,
    });
  }
  return out;
}
