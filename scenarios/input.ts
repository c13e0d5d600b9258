// What one simulated run is made of, as a scenario generates it: the cluster shape, the
// workload and the fault schedule. It is plain JSON (it is stored in trace files and
// replayed from them) and it never names a protocol variant: the driver applies the
// variant over it (driver/run.ts), so no generator can know which variant is on.

import { DEFAULT_KAFKA_CONFIG, kafkaConfigFor } from '../model/config.ts';
import type {
  ClusterSpec,
  InterBrokerProtocolVersion,
  KafkaConfig,
  KafkaVersion,
  OffsetResetPolicy,
  TxnWorkload,
  ValueBytes,
  WorkloadSpec,
  ZooKeeperSpec,
} from '../model/config.ts';
import type { CutSpec, Fault, FaultAction, Target, Trigger } from './faults.ts';
import { parseScenarioInput, targetsOf } from './schema.ts';

/** The topic every scenario writes to. */
export const TOPIC = 't';

/** Timing settings a scenario may change; never a safety switch (acks, min ISR, unclean election). */
export type TimingOverrides = Partial<
  Pick<
    KafkaConfig,
    | 'replica.lag.time.max.ms'
    | 'replica.high.watermark.checkpoint.interval.ms'
    | 'broker.session.timeout.ms'
    | 'replica.fetch.wait.max.ms'
    | 'request.timeout.ms'
    | 'replica.socket.timeout.ms'
    | 'controller.socket.timeout.ms'
    | 'controlled.shutdown.enable'
    | 'auto.leader.rebalance.enable'
    | 'leader.imbalance.check.interval.seconds'
    | 'log.segment.bytes'
    | 'log.roll.ms'
    | 'log.retention.ms'
    | 'log.retention.bytes'
    | 'log.retention.check.interval.ms'
    | 'log.flush.offset.checkpoint.interval.ms'
    | 'log.flush.start.offset.checkpoint.interval.ms'
    | 'log.initial.task.delay.ms'
    | 'zookeeper.session.timeout.ms'
    | 'transaction.version'
    | 'inter.broker.protocol.version'
  >
>;

export interface ClusterShape {
  /** 3..5 in the generators (1..9 allowed by the model). */
  brokers: number;
  replicationFactor: number;
  /** min.insync.replicas of the topic; the promise (beyondPromise) is judged against it. */
  minInsync: number;
  partitions: number;
  /** Controller quorum voters (1, 3 or 5); absent = 1 (traces from before the quorum). */
  controllers?: 1 | 3 | 5;
  /**
   * Combined mode (process.roles=broker,controller, as KafkaRaftServer runs it): the voters are
   * brokers 1..controllers, each one process with both roles; absent = dedicated controllers.
   */
  combined?: boolean;
  timing: TimingOverrides;
  /** kafka.version (model/versions.ts): its defaults and rules; absent = the newest. */
  kafkaVersion?: KafkaVersion;
  /**
   * ZooKeeper mode (issue 16): brokers with a ZooKeeper ensemble of 1 or 3 servers (and a
   * chroot, as seed 002's `/kafka-broker`); `controllers` is then unused. Absent = KRaft.
   */
  zookeeper?: ZooKeeperSpec;
}

export interface WorkloadShape {
  producers: number;
  consumers: number;
  /** Total sends over all producers. */
  sends: number;
  /** Distinct keys; 0 = no keys (round robin over partitions). */
  keys: number;
  sendIntervalMs: number;
  pollIntervalMs: number;
  /** The consumers' auto.offset.reset; absent = Kafka's default, 'latest'. */
  autoOffsetReset?: OffsetResetPolicy;
  /** Subscribe-mode consumers of one consumer group (issue 15); absent = none. */
  group?: GroupShape;
  /** Transactional producers (issue 17); the consumers then read at read_committed. Absent = none. */
  transactions?: TxnShape;
  /**
   * The producers' value sizes, bytes (model/config.ts WorkloadSpec.valueBytes): each value is
   * its label padded to a size drawn in [min, max]. Absent = the labels alone (7–9 bytes).
   */
  valueBytes?: ValueBytes;
}

/** The transactional producers of a workload (model/config.ts TxnWorkload) and `__transaction_state`. */
export interface TxnShape extends TxnWorkload {
  /** transaction.state.log.num.partitions. */
  statePartitions: number;
}

/** A consumer group of the workload: its members, their churn and the group settings. */
export interface GroupShape {
  /** Members (group consumers), each subscribed to the topic. */
  consumers: number;
  /** Mean time a member stays before it leaves and rejoins as a new member, ms; 0 = never. */
  churnMs: number;
  /** offsets.topic.num.partitions. */
  offsetsPartitions: number;
  /** session.timeout.ms of the members. */
  sessionTimeoutMs: number;
  /** heartbeat.interval.ms of the members. */
  heartbeatIntervalMs: number;
  /** auto.commit.interval.ms of the members (when enable.auto.commit is on). */
  autoCommitIntervalMs: number;
  /**
   * enable.auto.commit=false: each member commits (OffsetCommit of its positions, commitAsync)
   * after each poll that returned records, once it has processed them. Absent: auto commit.
   */
  manualCommit?: boolean;
  /** With manualCommit: the members commit with a blocking commitSync() instead of commitAsync(). */
  commitSync?: boolean;
  /**
   * The members' application stalls between polls (processing) after an exponential time of
   * mean `everyMs`, for `forMs`, with max.poll.interval.ms `maxPollIntervalMs` (a stall past it:
   * the member leaves the group). Absent: the members poll continuously (Kafka's 300 s).
   */
  stall?: { everyMs: number; forMs: number; maxPollIntervalMs: number };
  /**
   * partition.assignment.strategy of the members: `cooperative-sticky` (KIP-429: incremental
   * rebalances). Absent: `range` (eager).
   */
  assignor?: 'cooperative-sticky';
  /**
   * group.protocol=consumer: the members use KIP-848's consumer group protocol (the server-side
   * uniform assignor; `assignor` then unused), the brokers' group.consumer.session.timeout.ms and
   * group.consumer.heartbeat.interval.ms set to the drawn session timeout and heartbeat interval.
   * Absent: the classic protocol.
   */
  protocol?: 'consumer';
}

/** The group every scenario's members join. */
export const GROUP = 'g1';

export interface ScenarioInput {
  shape: ClusterShape;
  workload: WorkloadShape;
  /** Faults in schedule order (ids in traces are 1-based positions in this array). */
  faults: Fault[];
  /**
   * Virtual time (ms) by which every fault is healed: pending triggers are disarmed, cuts
   * and slow links healed, down nodes restarted. Liveness is judged from there.
   */
  healAtMs: number;
}

/** The cluster spec of a scenario with today's Kafka (variant 'correct', Kafka defaults + the shape). */
export function clusterSpecOf(input: ScenarioInput): ClusterSpec {
  const { shape, workload } = input;
  const config: KafkaConfig = {
    ...(shape.kafkaVersion === undefined ? DEFAULT_KAFKA_CONFIG : kafkaConfigFor(shape.kafkaVersion)),
    ...shape.timing,
    'min.insync.replicas': shape.minInsync,
  };
  if (workload.autoOffsetReset !== undefined) config['auto.offset.reset'] = workload.autoOffsetReset;
  const g = workload.group;
  if (g !== undefined) {
    // __consumer_offsets as durable as the topic: the same replication factor (and the broker's min ISR)
    config['offsets.topic.num.partitions'] = g.offsetsPartitions;
    config['offsets.topic.replication.factor'] = shape.replicationFactor;
    config['session.timeout.ms'] = g.sessionTimeoutMs;
    config['heartbeat.interval.ms'] = g.heartbeatIntervalMs;
    config['auto.commit.interval.ms'] = g.autoCommitIntervalMs;
    config['enable.auto.commit'] = g.manualCommit !== true;
    if (g.stall !== undefined) config['max.poll.interval.ms'] = g.stall.maxPollIntervalMs;
    if (g.assignor !== undefined) config['partition.assignment.strategy'] = g.assignor;
    if (g.protocol === 'consumer') {
      config['group.protocol'] = 'consumer';
      config['group.consumer.session.timeout.ms'] = g.sessionTimeoutMs;
      config['group.consumer.heartbeat.interval.ms'] = g.heartbeatIntervalMs;
    }
    config['group.initial.rebalance.delay.ms'] = 0;
  }
  const t = workload.transactions;
  if (t !== undefined) {
    // __transaction_state as durable as the topic; every consumer (and the final read) at read_committed.
    config['transaction.state.log.num.partitions'] = t.statePartitions;
    config['transaction.state.log.replication.factor'] = shape.replicationFactor;
    config['transaction.state.log.min.isr'] = shape.minInsync;
    config['isolation.level'] = 'read_committed';
    if ((t.consumeRatio ?? 0) > 0 && g === undefined) {
      // __consumer_offsets for the consume-transform-produce groups: as many partitions as
      // __transaction_state, as durable as the topic.
      config['offsets.topic.num.partitions'] = t.statePartitions;
      config['offsets.topic.replication.factor'] = shape.replicationFactor;
    }
  }
  return {
    brokers: shape.brokers,
    controllers: shape.controllers ?? 1,
    ...(shape.combined === true ? { combined: true } : {}),
    ...(shape.zookeeper !== undefined ? { zookeeper: shape.zookeeper } : {}),
    topics: [{ name: TOPIC, partitions: shape.partitions, replicationFactor: shape.replicationFactor }],
    producers: workload.producers,
    consumers: workload.consumers,
    config,
    variant: 'correct',
  };
}

export function workloadSpecOf(input: ScenarioInput): WorkloadSpec {
  const w = input.workload;
  const spec: WorkloadSpec = {
    sends: w.sends,
    keys: w.keys,
    sendIntervalMs: w.sendIntervalMs,
    pollIntervalMs: w.pollIntervalMs,
  };
  if (w.group !== undefined) {
    spec.groupConsumers = w.group.consumers;
    spec.group = GROUP;
    spec.groupChurnMs = w.group.churnMs;
    if (w.group.stall !== undefined) spec.groupStall = { everyMs: w.group.stall.everyMs, forMs: w.group.stall.forMs };
    if (w.group.manualCommit === true && w.group.commitSync === true) spec.groupCommitSync = true;
  }
  if (w.transactions !== undefined) {
    const { statePartitions: _, ...txn } = w.transactions;
    spec.transactions = txn;
  }
  if (w.valueBytes !== undefined) spec.valueBytes = { ...w.valueBytes };
  return spec;
}

/**
 * Validation of an input read from a file (a trace, a scenario file): the reason, naming the
 * JSON path, when it is not a usable ScenarioInput (scenarios/schema.ts). Generated inputs
 * always pass.
 */
export function invalidInputReason(value: unknown): string | undefined {
  const r = parseScenarioInput(value);
  return r.ok ? undefined : r.reason;
}

/** The common knobs of `npm run fuzz` (--brokers, --replication-factor, --min-insync, --partitions, --controllers). */
export interface ShapeOverrides {
  brokers?: number;
  replicationFactor?: number;
  minInsync?: number;
  partitions?: number;
  /** Controller quorum voters. */
  controllers?: 1 | 3 | 5;
  /** Combined mode (true) or dedicated controllers (false). */
  combined?: boolean;
  /** The controller mode: KRaft (the drawn default) or ZooKeeper (issue 16). */
  controller?: 'kraft' | 'zookeeper';
  /** ZooKeeper mode's inter.broker.protocol.version (with controller 'zookeeper' only). */
  interBrokerProtocolVersion?: InterBrokerProtocolVersion;
}

/** The newest Kafka release with ZooKeeper mode (4.0 removed it: KIP-833). */
export const NEWEST_ZOOKEEPER_VERSION: KafkaVersion = '3.9';

/**
 * The shape in ZooKeeper mode: the ensemble (3 servers, or 1 as in seed 000) and the chroot
 * of seed 002 are chosen from the drawn input (its number of sends), so the choice is as
 * random as the draw and needs no draw of its own (the KRaft draws stay as they are); a
 * version without ZooKeeper mode (4.x) becomes the newest with it.
 */
function inZooKeeperMode(input: ScenarioInput, shape: ClusterShape): ClusterShape {
  const sends = input.workload.sends;
  const { controllers: _voters, combined: _combined, ...rest } = shape;
  const version = shape.kafkaVersion;
  return {
    ...rest,
    kafkaVersion: version !== undefined && version.startsWith('3.') ? version : NEWEST_ZOOKEEPER_VERSION,
    zookeeper: { servers: sends % 4 === 0 ? 1 : 3, ...(sends % 3 === 0 ? { chroot: '/kafka-broker' } : {}) },
  };
}

/**
 * A drawn input with the knobs laid over its shape. Given values win; drawn ones are fitted
 * around them (replication factor within [min ISR, brokers], min ISR at most the replication
 * factor, brokers raised to the replication factor asked for). The schedule is then fitted to
 * the new shape: a fault that names a broker id beyond it (as its target, in a cut or power
 * loss, or in its trigger's event filter) is dropped, since it could never do what it says;
 * a partition beyond it is clamped to the last partition. The caller checks that given values
 * agree with one another.
 */
export function overrideShape(input: ScenarioInput, o: ShapeOverrides): ScenarioInput {
  const d = input.shape;
  const combined = o.combined ?? d.combined === true;
  // Combined mode needs a broker under every voter.
  const voterFloor = combined ? (o.controllers ?? d.controllers ?? 1) : 1;
  const brokers = o.brokers ?? Math.max(d.brokers, o.replicationFactor ?? o.minInsync ?? 1, voterFloor);
  const replicationFactor = o.replicationFactor ?? Math.min(brokers, Math.max(d.replicationFactor, o.minInsync ?? 1));
  const minInsync = o.minInsync ?? Math.min(d.minInsync, replicationFactor);
  const partitions = o.partitions ?? d.partitions;
  let shape: ClusterShape = { ...d, brokers, replicationFactor, minInsync, partitions };
  if (o.controllers !== undefined) shape.controllers = o.controllers;
  if (combined) shape.combined = true;
  else delete shape.combined;
  let workload = input.workload;
  const drawn = input.faults;
  if (o.controller === 'zookeeper') {
    shape = inZooKeeperMode(input, shape);
    const ibp = o.interBrokerProtocolVersion;
    if (ibp !== undefined) shape = { ...shape, timing: { ...shape.timing, 'inter.broker.protocol.version': ibp } };
    workload = withClassicGroup(workload);
  } else if (o.controller === 'kraft') delete shape.zookeeper;
  const faults = drawn
    .filter((f) => namedBrokers(f).every((id) => id <= brokers))
    .map((f) => clampPartitions(f, partitions));
  return { ...input, shape, workload, faults };
}

/**
 * The workload with its group on the classic protocol: KIP-848's consumer protocol needs the new
 * group coordinator, which Kafka 3.x runs in KRaft mode only (ZooKeeper mode always runs the Scala
 * GroupCoordinator, KafkaServer.startup → GroupCoordinatorAdapter), and 3.x is ZooKeeper mode's.
 */
function withClassicGroup(w: WorkloadShape): WorkloadShape {
  if (w.group?.protocol === undefined) return w;
  const { protocol: _protocol, ...group } = w.group;
  return { ...w, group };
}

function namedBrokers(f: Fault): number[] {
  const ids = targetsOf(f.action).flatMap(({ target }) => (target.kind === 'broker' ? [target.id] : []));
  const event = f.trigger.kind === 'at' ? undefined : f.trigger.event;
  if (event !== undefined && event.broker !== null) ids.push(event.broker);
  return ids;
}

function clampPartitions(f: Fault, partitions: number): Fault {
  const last = partitions - 1;
  const clamp = (p: number | null) => (p === null ? null : Math.min(p, last));
  const target = (t: Target): Target =>
    t.kind === 'leader' || t.kind === 'follower' || t.kind === 'out-of-isr'
      ? { ...t, partition: Math.min(t.partition, last) }
      : t;
  const trigger: Trigger =
    f.trigger.kind === 'at' || f.trigger.event === undefined
      ? f.trigger
      : { ...f.trigger, event: { ...f.trigger.event, partition: clamp(f.trigger.event.partition) } };
  const mapped = mapTargets(f.action, target);
  const action =
    mapped.kind === 'leader-election' ? { ...mapped, partition: Math.min(mapped.partition, last) } : mapped;
  return { ...f, trigger, action };
}

/** The action with every target it names passed through `f`. */
function mapTargets(a: FaultAction, f: (t: Target) => Target): FaultAction {
  switch (a.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
      return { ...a, target: f(a.target) };
    case 'power-loss':
      return { ...a, targets: a.targets.map(f) };
    case 'slow':
      return { ...a, target: f(a.target), peer: a.peer === null ? null : f(a.peer) };
    case 'cut':
      return { ...a, cut: mapCut(a.cut, f) };
    case 'controller-crash':
    case 'controller-power-loss':
    case 'rolling-restart':
    case 'leader-election':
      return a;
    default:
      return unreachable(a);
  }
}

function mapCut(c: CutSpec, f: (t: Target) => Target): CutSpec {
  switch (c.shape) {
    case 'isolate':
      return { ...c, node: f(c.node) };
    case 'split':
      return { ...c, side: c.side.map(f) };
    case 'bridge':
      return { ...c, bridge: f(c.bridge), left: c.left.map(f) };
    case 'one-way':
      return { ...c, from: c.from.map(f), to: c.to.map(f) };
    case 'link':
      return { ...c, a: f(c.a), b: f(c.b) };
    default:
      return unreachable(c);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
