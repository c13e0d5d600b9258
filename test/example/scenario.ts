// Runs the example replicated counter (counter.ts) for one seed under a fault schedule that
// uses every kernel feature, then heals everything, lets the system settle and checks it.
//
// Every run exercises, in a seed-shuffled order at seed-chosen times: process crash, power
// loss with and without a torn tail, clean shutdown, restart with recovery, every cut shape
// (isolate, split, bridge, one-way, link), slow links and a slow node, a per-link latency
// change, and two probe-triggered faults (a follower crashed from inside the leader's
// `commit` probe, the leader power-lost via sim.at at the same virtual time). All choices
// come from the named streams "faults" and "faults:targets"; the actors draw from their
// own node streams; latencies from "net".
//
// The checks, after healing: every follower's log equals the leader's; everything is
// committed; every acknowledged increment is at its acknowledged index with its value
// (guaranteed only with the fsync policy 'always'); every live client finished its ops.

import { Simulation } from '../../harness/index.ts';
import type { CutShape, NodeId, NodeTransition, SimulationOptions, TimeUs } from '../../harness/index.ts';
import { Client, Follower, Leader } from './counter.ts';
import type { CounterConfig, CounterMessage, Entry, FsyncPolicy, Plant } from './counter.ts';

export const LEADER: NodeId = 0;
export const FOLLOWERS: readonly NodeId[] = [1, 2];
export const CLIENTS: readonly NodeId[] = [10, 11];
export const REPLICAS: readonly NodeId[] = [LEADER, ...FOLLOWERS];
export const ALL_NODES: readonly NodeId[] = [...REPLICAS, ...CLIENTS];

export type FaultKind =
  | 'crash'
  | 'power-loss'
  | 'power-loss-torn'
  | 'shutdown'
  | 'isolate'
  | 'split'
  | 'bridge'
  | 'one-way'
  | 'link'
  | 'slow-link'
  | 'slow-node'
  | 'latency';

export const FAULT_KINDS: readonly FaultKind[] = [
  'crash',
  'power-loss',
  'power-loss-torn',
  'shutdown',
  'isolate',
  'split',
  'bridge',
  'one-way',
  'link',
  'slow-link',
  'slow-node',
  'latency',
];

export interface ExampleOptions extends DriveOptions {
  seed: number;
  fsync?: FsyncPolicy;
  recordEvents?: boolean;
  deepHash?: boolean;
  plant?: Plant;
  opsPerClient?: number;
}

export interface Ack {
  readonly client: NodeId;
  readonly reqId: number;
  readonly amount: number;
  readonly index: number;
  readonly value: number;
  readonly timeUs: TimeUs;
}

export interface Coverage {
  transitions: Record<NodeTransition, number>;
  faults: Record<FaultKind, number>;
  /** Faults whose target was already down when they came due. */
  skipped: number;
  probes: Record<string, number>;
  tornTailsRecovered: number;
  probeTriggered: number;
}

export interface ExampleResult {
  readonly sim: Simulation;
  readonly hash: string;
  readonly eventCount: number;
  readonly acks: readonly Ack[];
  readonly anomalies: readonly string[];
  readonly coverage: Coverage;
  readonly leaderLog: readonly Entry[];
}

export function exampleConfig(fsync: FsyncPolicy, plant: Plant, opsPerClient: number): CounterConfig {
  return {
    leader: LEADER,
    followers: FOLLOWERS,
    clients: CLIENTS,
    fsync,
    heartbeatUs: 20_000,
    leaderSilenceUs: 100_000,
    checkpointIntervalUs: 50_000,
    clientRetryUs: 60_000,
    clientThinkMaxUs: 20_000,
    opsPerClient,
    maxBatch: 8,
    plant,
  };
}

/** The configuration each built simulation runs with (for the checks after the run). */
const configOf = new WeakMap<Simulation, CounterConfig>();

/** Build the simulation with its nodes added (not started). */
export function buildExample(simOptions: SimulationOptions, config: CounterConfig): Simulation {
  const sim = new Simulation(simOptions);
  configOf.set(sim, config);
  sim.addNode<CounterMessage>({ id: LEADER, name: 'leader', factory: (ctx) => new Leader(ctx, config) });
  for (const id of FOLLOWERS) {
    sim.addNode<CounterMessage>({ id, name: `follower-${id}`, factory: (ctx) => new Follower(ctx, config) });
  }
  for (const id of CLIENTS) {
    sim.addNode<CounterMessage>({ id, name: `client-${id}`, factory: (ctx) => new Client(ctx, config) });
  }
  return sim;
}

export function runExample(options: ExampleOptions): ExampleResult {
  const config = exampleConfig(
    options.fsync ?? { kind: 'always' },
    options.plant ?? 'none',
    options.opsPerClient ?? 15,
  );
  const sim = buildExample(
    { seed: options.seed, recordEvents: options.recordEvents ?? false, deepHash: options.deepHash ?? false },
    config,
  );
  return runExampleOn(sim, options);
}

export interface DriveOptions {
  /** Apply the fault schedule (default true). */
  faults?: boolean;
  /** The fault kinds the schedule uses, each once (default: all of FAULT_KINDS). */
  faultKinds?: readonly FaultKind[];
  /** Apply the probe-triggered faults (default: when `faults` is on). */
  probeFaults?: boolean;
  faultWindowUs?: TimeUs;
  settleUs?: TimeUs;
}

/** Start every node of a built example, drive the faults, heal, settle, check. */
export function runExampleOn(sim: Simulation, options: DriveOptions = {}): ExampleResult {
  const config = configOf.get(sim);
  if (config === undefined) throw new Error('runExampleOn: build the simulation with buildExample');
  const faultWindowUs = options.faultWindowUs ?? 1_000_000;
  const settleUs = options.settleUs ?? 1_500_000;

  const coverage: Coverage = {
    transitions: { start: 0, crash: 0, 'power-loss': 0, shutdown: 0, restart: 0, halt: 0 },
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
    skipped: 0,
    probes: {},
    tornTailsRecovered: 0,
    probeTriggered: 0,
  };
  const acks: Ack[] = [];
  sim.onNodeTransition((_node, transition) => coverage.transitions[transition]++);

  // Probe-triggered faults: on a seed-chosen commit, crash a follower from inside the
  // leader's handler (another node: allowed), and power-lose the leader itself at the same
  // virtual time (its own handler is running: it must go through sim.at).
  const probeFaults = options.probeFaults ?? options.faults !== false;
  const faultRng = sim.rng('faults');
  const triggerCommit = faultRng.intBetween(3, 12);
  let triggered = false;
  sim.onProbe((node, event) => {
    coverage.probes[event.kind] = (coverage.probes[event.kind] ?? 0) + 1;
    if (event.kind === 'ack') {
      acks.push({
        client: node,
        reqId: event.reqId as number,
        amount: event.amount as number,
        index: event.index as number,
        value: event.value as number,
        timeUs: sim.now(),
      });
    } else if (event.kind === 'recovered' && event.tornDropped === true) {
      coverage.tornTailsRecovered++;
    } else if (event.kind === 'commit' && probeFaults && !triggered && (event.index as number) >= triggerCommit) {
      triggered = true;
      coverage.probeTriggered++;
      const victim = FOLLOWERS[(event.index as number) % FOLLOWERS.length];
      if (sim.isUp(victim)) {
        sim.crash(victim);
        sim.at(sim.now() + 50_000, `probe-restart ${victim}`, () => restartIfDown(sim, victim));
      }
      sim.at(sim.now(), 'probe-power-loss leader', () => {
        if (!sim.isUp(LEADER)) return;
        sim.powerLoss(LEADER, { tornTail: true });
        sim.at(sim.now() + 30_000, 'probe-restart leader', () => restartIfDown(sim, LEADER));
      });
    }
  });

  for (const id of ALL_NODES) sim.start(id);
  const slows: number[] = [];
  if (options.faults !== false) scheduleFaults(sim, options.faultKinds ?? FAULT_KINDS, faultWindowUs, coverage, slows);

  sim.at(faultWindowUs, 'heal-everything', () => {
    sim.network.healAll();
    for (const id of slows.splice(0)) sim.network.unslow(id);
    for (const id of ALL_NODES) restartIfDown(sim, id);
  });
  sim.run({ untilUs: faultWindowUs + settleUs });

  const leader = sim.actor<Leader>(LEADER)!;
  const anomalies = check(sim, leader, acks, config.opsPerClient);
  return {
    sim,
    hash: sim.hash(),
    eventCount: sim.eventCount,
    acks,
    anomalies,
    coverage,
    leaderLog: leader.log.slice(),
  };
}

function restartIfDown(sim: Simulation, id: NodeId): void {
  if (!sim.isUp(id)) sim.start(id);
}

/** Each of the given fault kinds once, in a shuffled order, at random times inside the window. */
function scheduleFaults(
  sim: Simulation,
  faultKinds: readonly FaultKind[],
  windowUs: TimeUs,
  coverage: Coverage,
  slows: number[],
): void {
  const rng = sim.rng('faults');
  const pickRng = sim.rng('faults:targets');
  const kinds = [...faultKinds];
  for (let i = kinds.length - 1; i > 0; i--) {
    const j = rng.intBetween(0, i);
    [kinds[i], kinds[j]] = [kinds[j], kinds[i]];
  }
  const slotUs = Math.floor((windowUs * 0.8) / Math.max(1, kinds.length));
  kinds.forEach((kind, i) => {
    const startUs = 20_000 + i * slotUs + rng.intBetween(0, Math.floor(slotUs / 2));
    const durationUs = rng.intBetween(20_000, 250_000);
    sim.at(startUs, `fault ${kind}`, () => {
      coverage.faults[kind]++;
      applyFault(sim, kind, startUs + durationUs, pickRng, coverage, slows);
    });
  });
}

function applyFault(
  sim: Simulation,
  kind: FaultKind,
  endUs: TimeUs,
  rng: ReturnType<Simulation['rng']>,
  coverage: Coverage,
  slows: number[],
): void {
  const net = sim.network;
  const downFor = (id: NodeId, takeDown: () => void): void => {
    if (!sim.isUp(id)) {
      coverage.skipped++;
      return;
    }
    takeDown();
    sim.at(endUs, `restart ${id}`, () => restartIfDown(sim, id));
  };
  const cutFor = (shape: CutShape): void => {
    const cut = net.cut(shape);
    sim.at(endUs, `heal ${shape.kind}`, () => net.heal(cut));
  };
  const shuffled = (ids: readonly NodeId[]): NodeId[] => {
    const out = [...ids];
    for (let i = out.length - 1; i > 0; i--) {
      const j = rng.intBetween(0, i);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  switch (kind) {
    case 'crash': {
      const id = rng.pick(ALL_NODES);
      downFor(id, () => sim.crash(id));
      return;
    }
    case 'power-loss':
    case 'power-loss-torn': {
      const id = rng.pick(REPLICAS);
      downFor(id, () => sim.powerLoss(id, { tornTail: kind === 'power-loss-torn' }));
      return;
    }
    case 'shutdown': {
      const id = rng.pick(REPLICAS);
      downFor(id, () => sim.shutdown(id));
      return;
    }
    case 'isolate':
      cutFor({ kind: 'isolate', node: rng.pick(ALL_NODES) });
      return;
    case 'split': {
      const [a, b, c] = shuffled(REPLICAS);
      const [x, y] = shuffled(CLIENTS);
      cutFor({ kind: 'split', sideA: [a, x], sideB: [b, c, y] });
      return;
    }
    case 'bridge': {
      const [a, b, c] = shuffled(REPLICAS);
      const [x, y] = shuffled(CLIENTS);
      cutFor({ kind: 'bridge', left: [a, x], bridge: b, right: [c, y] });
      return;
    }
    case 'one-way': {
      const from = rng.pick(REPLICAS);
      cutFor({ kind: 'one-way', from: [from], to: ALL_NODES.filter((id) => id !== from) });
      return;
    }
    case 'link': {
      const [a, b] = shuffled(REPLICAS);
      cutFor({ kind: 'link', a, b });
      return;
    }
    case 'slow-link': {
      const [a, b] = shuffled(ALL_NODES);
      const id = net.slow(a, b, rng.intBetween(5_000, 80_000), rng.chance(0.5));
      slows.push(id);
      sim.at(endUs, 'unslow link', () => net.unslow(id));
      return;
    }
    case 'slow-node': {
      const id = net.slowNode(rng.pick(FOLLOWERS), rng.intBetween(5_000, 80_000));
      slows.push(id);
      sim.at(endUs, 'unslow node', () => net.unslow(id));
      return;
    }
    case 'latency': {
      const [a, b] = shuffled(ALL_NODES);
      net.setLinkLatency(a, b, { kind: 'uniform', minUs: 200, maxUs: rng.intBetween(1_000, 20_000) });
      return;
    }
  }
}

function sameEntry(a: Entry, b: Entry): boolean {
  return a.epoch === b.epoch && a.client === b.client && a.reqId === b.reqId && a.amount === b.amount;
}

function check(sim: Simulation, leader: Leader, acks: readonly Ack[], opsPerClient: number): string[] {
  const anomalies: string[] = [];
  for (const id of FOLLOWERS) {
    const follower = sim.actor<Follower>(id);
    if (follower === undefined) {
      anomalies.push(`follower ${id} is down after healing`);
      continue;
    }
    const same = follower.log.length === leader.log.length && follower.log.every((e, i) => sameEntry(e, leader.log[i]));
    if (!same)
      anomalies.push(
        `follower ${id} log (${follower.log.length} entries) differs from the leader's (${leader.log.length})`,
      );
  }
  if (leader.commitIndex !== leader.log.length) {
    anomalies.push(`leader committed ${leader.commitIndex} of ${leader.log.length} entries after settling`);
  }
  for (const ack of acks) {
    const entry = leader.log[ack.index - 1];
    if (entry === undefined || entry.client !== ack.client || entry.reqId !== ack.reqId) {
      anomalies.push(
        `lost ack: client ${ack.client} request ${ack.reqId} acknowledged at index ${ack.index} is not there`,
      );
    } else if (leader.valueAt(ack.index) !== ack.value) {
      anomalies.push(
        `ack of client ${ack.client} request ${ack.reqId} said ${ack.value}, the log says ${leader.valueAt(ack.index)}`,
      );
    }
  }
  for (const id of CLIENTS) {
    const client = sim.actor<Client>(id);
    if (client === undefined) anomalies.push(`client ${id} is down after healing`);
    else if (client.completed !== opsPerClient)
      anomalies.push(`client ${id} completed ${client.completed} of ${opsPerClient} ops`);
  }
  return anomalies;
}
