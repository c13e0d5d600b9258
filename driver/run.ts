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
// - A loss in a run that went beyond what Kafka promises is `expected`, not a violation.

import fc from 'fast-check';
import { Simulation } from '../harness/simulation.ts';
import { startCodeProbes } from '../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../model/code-probes.ts';
import type { KernelTraceEvent, NodeTransition, ProbeEvent, RunStop } from '../harness/types.ts';
import type { History } from '../checkers/history.ts';
import type { ClusterSnapshot } from '../checkers/cluster-state.ts';
import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import { TRACE_FORMAT, TRACE_VERSION, type TimelineEvent, type Trace, type TraceFault } from '../checkers/trace.ts';
import type { BuildCluster, KafkaCluster } from '../model/cluster-api.ts';
import type { VariantName } from '../model/config.ts';
import { PROBE_CLIENT_ID } from '../model/config.ts';
import { clientOfProcess } from '../model/client-process.ts';
import { createLivenessTracker, type LivenessTracker, type ProbeOutcome } from '../checkers/liveness.ts';
import { applyVariant } from '../scenarios/variants.ts';
import { clusterSpecOf, workloadSpecOf, TOPIC, type ScenarioInput } from '../scenarios/input.ts';
import { describeAction, describeTrigger } from '../scenarios/faults.ts';
import { findScenario } from '../scenarios/named.ts';
import { ClusterView } from './cluster-view.ts';
import { PromiseTracker, ResequencedValues } from './promise.ts';
import { FaultInjector, type FaultRecord } from './injector.ts';

/** How a run ended. `expected-loss`: anomalies, all of them beyond what Kafka promises. */
export type RunOutcome = 'ok' | 'violation' | 'expected-loss' | 'unknown' | 'stuck' | 'crash';

/** A long-lived judge of snapshots taken while the run goes (white-box invariants). */
export interface SnapshotMonitor {
  observe(snapshot: ClusterSnapshot): void;
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
  checkHistory(history: History, opts?: { finalReadComplete?: boolean }): Verdict;
  /** A fresh monitor per run; minInsyncReplicas is the configuration in force. */
  createMonitor(opts: { minInsyncReplicas?: number }): SnapshotMonitor;
}

export interface RunDeps {
  buildCluster: BuildCluster;
  judges: Judges;
}

export interface RunBudgets {
  /** Kernel events over the whole run. */
  maxEvents: number;
  /** Virtual time over the whole run, ms. */
  maxVirtualMs: number;
  /** After the heal and the workload: how long the probe may take to succeed, ms. */
  livenessMs: number;
  /** How long the final read may take, ms. */
  finalReadMs: number;
}

export const DEFAULT_BUDGETS: RunBudgets = {
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
  /** Snapshot the cluster for the invariant monitor every this many events as well (default 5000). */
  snapshotEveryEvents?: number;
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
  trace?: Trace;
  events?: readonly KernelTraceEvent[];
}

/** Probe kinds whose fields are exactly a TimelineEvent minus `t`. */
const TIMELINE_KINDS = new Set(['replica', 'append', 'truncate', 'partition']);
/** Probe kinds after which the invariant monitor looks at the cluster. */
const SNAPSHOT_KINDS = new Set(['partition', 'truncate', 'registered', 'fenced']);

/** While liveness is still being judged after the probe succeeded: one snapshot per this much virtual time. */
const LIVENESS_SLICE_US = 500_000;

class StuckError extends Error {}

/** Generates a scenario's input for a seed (the same value fast-check's first run for that seed sees). */
export function generateInput(scenarioName: string, seed: number): ScenarioInput {
  const def = findScenario(scenarioName);
  if (def === undefined) throw new Error(`unknown scenario ${scenarioName}`);
  return fc.sample(def.arbitrary, { seed: fcSeed(seed), numRuns: 1 })[0];
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
  const budgets: RunBudgets = { ...DEFAULT_BUDGETS, ...opts.budgets };
  const input = opts.input;
  const wantTrace = opts.trace === true;
  const spec = applyVariant(clusterSpecOf(input), opts.variant);
  const sim = new Simulation({ seed: opts.seed, recordEvents: opts.recordEvents === true, deepHash: opts.deepHash === true });
  // Code probes: recording starts here and stops right after the run, whatever happens in it.
  const probeRecording = opts.codeProbes === false ? undefined : startCodeProbes(CODE_PROBE_NAMES);
  const timeline: TimelineEvent[] = [];
  let cluster: KafkaCluster | undefined;
  let injector: FaultInjector | undefined;
  let tracker: PromiseTracker | undefined;
  /** Values an idempotent producer re-sent under a new identity (KIP-360): their duplicates are Kafka's. */
  const resequenced = new ResequencedValues();
  let monitor: SnapshotMonitor | undefined;
  const extraAnomalies: Anomaly[] = [];
  let outcomeOverride: 'stuck' | 'crash' | undefined;
  let error: string | undefined;
  let historyVerdict: Verdict | undefined;
  let livenessVerdict: Verdict | undefined;

  try {
    cluster = deps.buildCluster(sim, spec, workloadSpecOf(input));
    const c = cluster;
    const view = new ClusterView(TOPIC, c.brokerIds);
    tracker = new PromiseTracker(input.shape.minInsync, view, (b) => sim.isUp(b));
    const nodeName = (n: number) => sim.nodeName(n);
    injector = new FaultInjector(
      sim,
      {
        brokerIds: c.brokerIds,
        controllerId: c.controllerId,
        producerIds: c.producerIds,
        consumerIds: c.consumerIds,
        allNodes: sim.nodeIds(),
      },
      view,
      tracker,
      input.faults,
      {
        onFaultStart: (id, description) => {
          if (wantTrace) timeline.push({ t: sim.now(), kind: 'fault', phase: 'start', id, description });
        },
        onFaultEnd: (id, description) => {
          if (wantTrace) timeline.push({ t: sim.now(), kind: 'fault', phase: 'end', id, description });
        },
      },
    );
    monitor = deps.judges.createMonitor({ minInsyncReplicas: spec.config['min.insync.replicas'] });
    const mon = monitor;
    const inj = injector;
    const trk = tracker;

    let snapshotDue = false;
    let eventsAtLastSnapshot = 0;
    const snapshotEvery = opts.snapshotEveryEvents ?? 5000;
    /** Judges liveness from the heal on (DESIGN §5); created at the heal. */
    let liveness: LivenessTracker | undefined;
    const takeSnapshot = () => {
      snapshotDue = false;
      eventsAtLastSnapshot = sim.eventCount;
      const snap = c.snapshot();
      mon.observe(snap);
      liveness?.observe(snap);
    };

    sim.onProbe((_node: number, ev: ProbeEvent) => {
      const kind = ev.kind;
      if (kind === 'partition') {
        const change = view.applyPartitionEvent(ev as unknown as Parameters<ClusterView['applyPartitionEvent']>[0]);
        if (change !== undefined) {
          trk.onPartition(change.partition, change.current.isr, change.previous, change.current.leader);
          inj.onPartitionChange(change);
        }
      } else {
        if (kind === 'replica') {
          const r = ev as unknown as { topic: string; broker: number; partition: number; role: string; hw: number; leo: number };
          if (r.topic === TOPIC) trk.onReplica(r.broker, r.partition, r.role, r.hw, r.leo);
        } else if (kind === 'unclean-shutdown') {
          trk.onUncleanRegistration((ev as unknown as { broker: number }).broker);
        } else if (kind === 'producer-resequenced') {
          const r = ev as unknown as { topic: string; partition: number; values: string[] };
          resequenced.add(r.topic, r.partition, r.values);
        }
        inj.onProbe(ev);
      }
      if (SNAPSHOT_KINDS.has(kind)) snapshotDue = true;
      if (wantTrace && TIMELINE_KINDS.has(kind)) timeline.push({ t: sim.now(), ...(ev as object) } as TimelineEvent);
    });
    sim.onNodeTransition((node: number, transition: NodeTransition) => {
      snapshotDue = true;
      if (transition === 'restart') trk.onRestart(node);
      if (wantTrace) {
        const up = transition === 'start' || transition === 'restart';
        timeline.push({ t: sim.now(), kind: 'node', node, name: nodeName(node), state: up ? 'up' : 'down', cause: transition });
      }
    });

    const maxEvents = budgets.maxEvents;
    const maxUs = budgets.maxVirtualMs * 1000;
    // Runs until `done` (checked between events) or `untilUs`; enforces the budgets.
    const runUntil = (untilUs: number, done: () => boolean, phase: string): boolean => {
      if (done()) return true;
      const limitUs = Math.min(untilUs, maxUs);
      const stop: RunStop = sim.run({
        untilUs: limitUs,
        maxEvents: Math.max(0, maxEvents - sim.eventCount),
        stopWhen: () => {
          if (snapshotDue || sim.eventCount - eventsAtLastSnapshot >= snapshotEvery) takeSnapshot();
          return done();
        },
      });
      if (stop === 'stopped') return true;
      if (stop === 'events') throw new StuckError(`event budget of ${maxEvents} events exhausted ${phase} at ${fmtUs(sim.now())}`);
      if (stop === 'idle') {
        if (done()) return true;
        throw new StuckError(`the simulation went idle ${phase} at ${fmtUs(sim.now())}`);
      }
      if (limitUs === maxUs && limitUs < untilUs) {
        throw new StuckError(`virtual-time budget of ${budgets.maxVirtualMs} ms exhausted ${phase}`);
      }
      return done();
    };

    // 1. Start, arm the schedule, run the workload under faults until the heal time (or
    //    earlier, once every fault has fired and healed).
    c.start();
    inj.arm();
    const healAtUs = input.healAtMs * 1000;
    runUntil(healAtUs, () => inj.quiescent(), 'under faults');
    // 2. Heal whatever is left.
    inj.healAll();
    const healedAtUs = sim.now();
    liveness = createLivenessTracker({
      lastHealUs: healedAtUs,
      boundUs: budgets.livenessMs * 1000,
      minInsyncReplicas: spec.config['min.insync.replicas'],
    });
    takeSnapshot();
    // 3. Liveness, while the workload goes on: within a bounded time after the heal every
    //    partition has a leader and an ISR of min.insync.replicas, and a probe send and poll
    //    succeed on every partition.
    const probeStartUs = sim.now();
    const probeFromIndex = c.history.length;
    const livenessEndUs = healedAtUs + budgets.livenessMs * 1000;
    c.startProbe();
    const live = runUntil(livenessEndUs, () => c.probeSucceeded(), 'waiting for the liveness probe');
    takeSnapshot();
    const lt = liveness;
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
    while (live && !recovered() && sim.now() < livenessEndUs) {
      runUntil(Math.min(sim.now() + LIVENESS_SLICE_US, livenessEndUs), () => false, 'waiting for the ISR to recover');
      takeSnapshot();
    }
    recovered();
    livenessVerdict = liveness.finish();
    liveness = undefined;
    if (!live && livenessVerdict.valid !== false) {
      extraAnomalies.push({
        kind: 'liveness',
        explanation: `After every fault healed (at ${fmtUs(healedAtUs)}), the probe client's send and poll did not both succeed on every partition within ${budgets.livenessMs / 1000} s.`,
        nodes: [PROBE_CLIENT_ID],
        timesUs: [healedAtUs, probeStartUs],
      });
    }
    // 4. The workload finishes: every send completes (ok, fail or info) within its delivery
    //    timeout. A workload that cannot finish after the heal is a liveness failure.
    const w = input.workload;
    const sendSpanUs = Math.ceil(w.sends / Math.max(1, w.producers)) * w.sendIntervalMs * 1000 * 4;
    const workloadDeadlineUs = healedAtUs + sendSpanUs + (spec.config['delivery.timeout.ms'] + 2 * spec.config['request.timeout.ms']) * 1000;
    if (!runUntil(workloadDeadlineUs, () => c.workloadDone(), 'waiting for the workload')) {
      extraAnomalies.push({
        kind: 'liveness',
        explanation: `The producers' sends had not all completed (ok, failed or timed out) by ${fmtUs(workloadDeadlineUs)}, although every fault healed at ${fmtUs(healedAtUs)}.`,
        nodes: [...c.producerIds],
        timesUs: [healedAtUs, workloadDeadlineUs],
      });
    }
    // 5. The final read, so the history holds each partition's final committed log.
    const readStartUs = sim.now();
    c.startFinalRead();
    const readDone = runUntil(readStartUs + budgets.finalReadMs * 1000, () => c.finalReadDone(), 'during the final read');
    if (!readDone) {
      extraAnomalies.push({
        kind: 'liveness',
        explanation: `The final read of every partition from offset 0 did not complete within ${budgets.finalReadMs / 1000} s after every fault healed.`,
        nodes: [PROBE_CLIENT_ID],
        timesUs: [readStartUs],
      });
    }
    takeSnapshot();
    historyVerdict = resequenced.relabel(deps.judges.checkHistory(c.history, { finalReadComplete: readDone }));
  } catch (err) {
    if (err instanceof StuckError) {
      outcomeOverride = 'stuck';
      extraAnomalies.push({ kind: 'stuck', explanation: `Seed ${opts.seed}: ${err.message}.`, timesUs: [sim.now()] });
    } else {
      outcomeOverride = 'crash';
      const e = err as Error;
      error = e?.stack ?? String(err);
      extraAnomalies.push({
        kind: 'crash',
        explanation: `Seed ${opts.seed}: the simulation threw at ${fmtUs(sim.now())}: ${e?.message ?? String(err)}`,
        timesUs: [sim.now()],
      });
    }
  }

  const probesHit = probeRecording?.stop(); // code probes: the run is over
  const beyond = tracker?.beyondPromise ?? false;
  const beyondAvailability = tracker?.beyondAvailabilityPromise ?? false;
  let monitorAnomalies: Anomaly[] = [];
  try {
    monitorAnomalies = monitor?.anomalies() ?? [];
  } catch (err) {
    if (outcomeOverride === undefined) {
      outcomeOverride = 'crash';
      error = (err as Error).stack ?? String(err);
      extraAnomalies.push({ kind: 'crash', explanation: `Seed ${opts.seed}: the invariant monitor threw: ${(err as Error).message}` });
    }
  }
  const verdict = combineVerdicts(historyVerdict, [...monitorAnomalies, ...(livenessVerdict?.anomalies ?? [])], extraAnomalies, beyond, beyondAvailability);
  const outcome: RunOutcome = outcomeOverride ?? outcomeOf(verdict);
  const failing = verdict.anomalies.find((a) => isFailing(a));
  const records = injector?.records ?? [];
  const result: RunResult = {
    seed: opts.seed,
    scenario: opts.scenario,
    variant: opts.variant,
    outcome,
    verdict,
    hash: sim.hash(),
    eventCount: sim.eventCount,
    endTimeUs: sim.now(),
    beyondPromise: beyond,
    faultsFired: records.filter((r) => r.startUs !== undefined).length,
  };
  if (failing !== undefined && (outcome === 'violation' || outcome === 'stuck' || outcome === 'crash')) result.failureKind = failing.kind;
  if (error !== undefined) result.error = error;
  if (probesHit !== undefined) result.codeProbes = probesHit;
  if (opts.recordEvents === true) result.events = sim.events;
  if (wantTrace) {
    result.trace = buildTrace(opts, spec.config as unknown as Record<string, unknown>, records, cluster, sim, timeline, verdict, outcome);
  }
  return result;
}

/** The probe client's sends and polls from history position `from` on, as liveness inputs. */
function probeOutcomes(history: History, from: number): ProbeOutcome[] {
  const out: ProbeOutcome[] = [];
  for (let i = from; i < history.length; i++) {
    const e = history[i];
    if (e.type === 'invoke' || clientOfProcess(e.process) !== PROBE_CLIENT_ID) continue;
    const v = e.value as { topic?: unknown; partition?: unknown; records?: unknown };
    if (typeof v?.topic !== 'string' || typeof v.partition !== 'number') continue;
    if (e.f === 'send') out.push({ topic: v.topic, partition: v.partition, kind: 'send', ok: e.type === 'ok', timeUs: e.time });
    else if (e.f === 'poll') {
      const got = e.type === 'ok' && Array.isArray(v.records) && v.records.length > 0;
      out.push({ topic: v.topic, partition: v.partition, kind: 'poll', ok: got, timeUs: e.time });
    }
  }
  return out;
}

/** A failing anomaly: neither informational nor expected. */
export function isFailing(a: Anomaly): boolean {
  return a.informational !== true && a.expected !== true;
}

const HARNESS_KINDS = new Set(['stuck', 'crash']);

/**
 * One verdict from the history checker's, the monitor's and the driver's own anomalies.
 * Beyond the durability promise every non-harness anomaly becomes expected; beyond the
 * availability promise only liveness anomalies do.
 */
export function combineVerdicts(
  history: Verdict | undefined,
  monitor: Anomaly[],
  driver: Anomaly[],
  beyondPromise: boolean,
  beyondAvailability = beyondPromise,
): Verdict {
  const anomalies: Anomaly[] = [...(history?.anomalies ?? []), ...monitor, ...driver].map((a) => {
    if (a.informational === true || HARNESS_KINDS.has(a.kind)) return a;
    if (beyondPromise || (beyondAvailability && a.kind === 'liveness')) return { ...a, expected: true };
    return a;
  });
  const failing = anomalies.some(isFailing);
  const valid = failing ? false : history === undefined || history.valid === 'unknown' ? 'unknown' : true;
  const checkers = ['kafka', 'invariants', 'liveness'];
  const verdict: Verdict = { valid, checker: history?.checker === undefined ? checkers.join('+') : `${history.checker}+invariants+liveness`, anomalies };
  if (history?.counterexample !== undefined) verdict.counterexample = history.counterexample;
  if (history?.stats !== undefined) verdict.stats = history.stats;
  return verdict;
}

function outcomeOf(v: Verdict): RunOutcome {
  if (v.valid === false) return 'violation';
  if (v.anomalies.some((a) => a.expected === true && a.informational !== true)) return 'expected-loss';
  if (v.valid === 'unknown') return 'unknown';
  return 'ok';
}

function buildTrace(
  opts: RunOptions,
  config: Record<string, unknown>,
  records: readonly FaultRecord[],
  cluster: KafkaCluster | undefined,
  sim: Simulation,
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
    if (r?.beyondPromise === true || f.beyondPromise) tf.beyondPromise = true;
    if (r !== undefined && r.startUs === undefined) tf.description += r.state === 'skipped' ? ` (skipped: ${r.skipReason})` : ' (never fired)';
    return tf;
  });
  const nodes: Trace['nodes'] = [];
  if (cluster !== undefined) {
    for (const id of sim.nodeIds()) {
      const role: Trace['nodes'][number]['role'] = cluster.brokerIds.includes(id)
        ? 'broker'
        : id === cluster.controllerId
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

function fmtUs(us: number): string {
  return `${(us / 1_000_000).toFixed(3)} s`;
}
