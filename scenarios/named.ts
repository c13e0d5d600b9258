// The named scenarios of `npm run fuzz -- --scenario NAME`, each a fast-check arbitrary of
// ScenarioInput with a one-line description. `swarm` (the default) uses every fault kind
// with swarm weights; the others are focused demos of one kind of trouble.
//
// Assumes: faults fire within WINDOW_MS of virtual time and are all healed at HEAL_AT_MS,
// long enough for sessions to expire (9 s) and ISRs to shrink (30 s) inside the window.
// Nothing here knows which protocol variant is on.

import fc from 'fast-check';
import {
  actionArb,
  brokerTargetArb,
  faultArb,
  groupArb,
  scheduleArb,
  shapeArb,
  swarmArb,
  swarmCombinedArb,
  swarmControllersArb,
  triggerArb,
  valueBytesArb,
  workloadArb,
  type FaultArbOptions,
} from './arbitraries.ts';
import { delayUsArb, extraLatencyMsArb, outageMsArb } from './durations.ts';
import type { CutSpec, Fault, FaultAction, Target, Trigger } from './faults.ts';
import type { ClusterShape, ScenarioInput, TxnShape, WorkloadShape } from './input.ts';
import { overrideShape } from './input.ts';
import {
  consumerProtocolAvailable,
  DEFAULT_KAFKA_CONFIG,
  isKafkaVersion,
  NEWEST_KAFKA_VERSION,
  type KafkaVersion,
} from '../model/config.ts';

export const WINDOW_MS = 60_000;
export const HEAL_AT_MS = 120_000;

export interface ScenarioDef {
  name: string;
  /** One line for --list. */
  description: string;
  arbitrary: fc.Arbitrary<ScenarioInput>;
  /**
   * The same draws with the ZooKeeper-mode draw left unapplied, for a scenario that draws the
   * mode itself (the swarm): what `--controller kraft` runs, so a seed the swarm lays into
   * ZooKeeper mode runs its own KRaft-mode input (its voters, its version) rather than the
   * ZooKeeper-mode input stripped of its ensemble (Kafka 3.9, one voter).
   */
  kraftArbitrary?: fc.Arbitrary<ScenarioInput>;
}

/** The draws a seed of `def` takes under `--controller` (none given: the scenario's own). */
export function arbitraryFor(def: ScenarioDef, controller?: 'kraft' | 'zookeeper'): fc.Arbitrary<ScenarioInput> {
  return controller === 'kraft' ? (def.kraftArbitrary ?? def.arbitrary) : def.arbitrary;
}

const LEADER: Target = { kind: 'leader', partition: 0 };

function build(
  shape: fc.Arbitrary<ClusterShape>,
  workload: fc.Arbitrary<WorkloadShape>,
  faults: (shape: ClusterShape) => fc.Arbitrary<Fault[]>,
): fc.Arbitrary<ScenarioInput> {
  return fc
    .tuple(shape, workload)
    .chain(([s, w]) =>
      faults(s).map((fs): ScenarioInput => ({ shape: s, workload: w, faults: fs, healAtMs: HEAL_AT_MS })),
    );
}

function opts(extra: Partial<FaultArbOptions> = {}): FaultArbOptions {
  return { windowMs: WINDOW_MS, ...extra };
}

/** A fault with an arbitrary trigger and a fixed-shape action. */
function withTrigger(
  shape: ClusterShape,
  action: fc.Arbitrary<FaultAction>,
  extra: Partial<FaultArbOptions> = {},
): fc.Arbitrary<Fault> {
  return fc
    .record({ trigger: triggerArb(shape, opts(extra)), action })
    .map(({ trigger, action }): Fault => ({ trigger, action }));
}

const classicShape = fc.constant<ClusterShape>({
  brokers: 3,
  replicationFactor: 3,
  minInsync: 2,
  partitions: 1,
  timing: {},
});

// --- the scenarios ------------------------------------------------------------------------------

const leaderFailover: ScenarioDef = {
  name: 'leader-failover',
  description: 'the classic demo: 3 brokers, RF 3, kill the leader (again and again) and watch leader and ISR move',
  arbitrary: build(classicShape, workloadArb(), (shape) =>
    fc.array(
      withTrigger(
        shape,
        fc
          .record({ target: fc.constant(LEADER), downMs: outageMsArb() })
          .map((r): FaultAction => ({ kind: 'crash', ...r })),
        {
          probes: [
            { arbitrary: fc.constant('produce-ack' as const), weight: 2 },
            { arbitrary: fc.constant('follower-fetch' as const), weight: 2 },
            { arbitrary: fc.constant('leader-change' as const), weight: 1 },
          ],
        },
      ),
      { minLength: 1, maxLength: 3 },
    ),
  ),
};

const slowFollower: ScenarioDef = {
  name: 'slow-follower',
  description: 'a follower on a slow link falls out of the ISR and back in, while the leader sometimes fails',
  arbitrary: build(shapeArb({ maxPartitions: 1 }), workloadArb(), (shape) => {
    const follower = fc.integer({ min: 0, max: 3 }).map((index): Target => ({ kind: 'follower', partition: 0, index }));
    const slow = withTrigger(
      shape,
      fc
        .record({
          target: follower,
          peer: fc.oneof(fc.constant(null), fc.constant(LEADER)),
          extraMs: extraLatencyMsArb(),
          durationMs: fc.integer({ min: 5_000, max: 60_000 }),
        })
        .map((r): FaultAction => ({ kind: 'slow', ...r })),
    );
    const crash = withTrigger(
      shape,
      fc
        .record({ target: fc.constant(LEADER), downMs: outageMsArb() })
        .map((r): FaultAction => ({ kind: 'crash', ...r })),
    );
    return fc
      .tuple(fc.array(slow, { minLength: 1, maxLength: 2 }), fc.array(crash, { maxLength: 2 }))
      .map(([a, b]) => [...a, ...b]);
  }),
};

const partitionLeader: ScenarioDef = {
  name: 'partition-leader',
  description: 'network cuts around the leader: isolated, in a minority, bridged, one-way, cut from the controller',
  arbitrary: build(shapeArb({ maxPartitions: 1 }), workloadArb(), (shape) => {
    const follower = fc.integer({ min: 0, max: 3 }).map((index): Target => ({ kind: 'follower', partition: 0, index }));
    const controller: Target = { kind: 'controller' };
    const cut: fc.Arbitrary<CutSpec> = fc.oneof(
      fc.constant<CutSpec>({ shape: 'isolate', node: LEADER }),
      fc.constant<CutSpec>({ shape: 'split', side: [LEADER] }),
      follower.map((f): CutSpec => ({ shape: 'split', side: [LEADER, f] })),
      follower.map((f): CutSpec => ({ shape: 'bridge', bridge: f, left: [LEADER] })),
      fc.constant<CutSpec>({ shape: 'one-way', from: [LEADER], to: [controller] }),
      follower.map((f): CutSpec => ({ shape: 'one-way', from: [f], to: [LEADER] })),
      fc.constant<CutSpec>({ shape: 'link', a: LEADER, b: controller }),
      follower.map((f): CutSpec => ({ shape: 'link', a: LEADER, b: f })),
    );
    const fault = withTrigger(
      shape,
      fc.record({ cut, durationMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'cut', ...r })),
    );
    return fc.array(fault, { minLength: 1, maxLength: 3 });
  }),
};

const powerLoss: ScenarioDef = {
  name: 'power-loss',
  description:
    'machine crashes that lose unflushed data: leader, followers, now and then a whole rack (beyond the promise)',
  arbitrary: withValueBytes(
    build(shapeArb(), workloadArb(), (shape) =>
      fc.array(faultArb('power-loss', shape, opts({ correlatedWeight: 2, brokersOnly: true })), {
        minLength: 1,
        maxLength: 3,
      }),
    ),
  ),
};

const rollingRestart: ScenarioDef = {
  name: 'rolling-restart',
  description: "clean rolling restarts of every broker (the operator's routine), sometimes with a crash in the middle",
  arbitrary: build(shapeArb(), workloadArb(), (shape) => {
    const rolling = withTrigger(shape, actionArb('rolling-restart', shape, opts()), { eventWeight: 1, timeWeight: 2 });
    return fc
      .tuple(
        fc.array(rolling, { minLength: 1, maxLength: 2 }),
        fc.array(faultArb('crash', shape, opts({ brokersOnly: true })), { maxLength: 1 }),
      )
      .map(([a, b]) => [...a, ...b]);
  }),
};

const controllerFailover: ScenarioDef = {
  name: 'controller-failover',
  description:
    'the active KRaft controller crashes, loses power, is cut off or hangs, and the quorum fails over, around ' +
    'leader crashes and cuts',
  arbitrary: build(shapeArb(), workloadArb(), (shape) => {
    const voter = fc.integer({ min: 0, max: 2 }).map((index): Target => ({ kind: 'voter', index }));
    const active: Target = { kind: 'controller' };
    const ctl = withTrigger(
      shape,
      fc.oneof(
        outageMsArb().map((downMs): FaultAction => ({ kind: 'controller-crash', downMs })),
        fc
          .record({ downMs: outageMsArb(), tornTail: fc.boolean() })
          .map((r): FaultAction => ({ kind: 'controller-power-loss', ...r })),
        // The active controller cut off from the other voters and the brokers, or from a voter only.
        outageMsArb().map(
          (durationMs): FaultAction => ({ kind: 'cut', cut: { shape: 'isolate', node: active }, durationMs }),
        ),
        fc
          .record({ v: voter, durationMs: outageMsArb() })
          .map(
            ({ v, durationMs }): FaultAction => ({ kind: 'cut', cut: { shape: 'link', a: active, b: v }, durationMs }),
          ),
        outageMsArb().map((durationMs): FaultAction => ({ kind: 'pause', target: active, durationMs })),
      ),
    );
    const other = fc.oneof(faultArb('crash', shape, opts({ brokersOnly: true })), faultArb('cut', shape, opts()));
    return fc
      .tuple(fc.array(ctl, { minLength: 1, maxLength: 3 }), fc.array(other, { maxLength: 2 }))
      .map(([a, b]) => [...a, ...b]);
  }),
};

/** Combined mode over a drawn input, where every voter has a broker to run on. */
function withCombined(input: ScenarioInput, combined: boolean): ScenarioInput {
  if (!combined || (input.shape.controllers ?? 1) > input.shape.brokers) return input;
  return { ...input, shape: { ...input.shape, combined: true } };
}

export const SWARM_MAX_FAULTS = 8;

/**
 * Faults start while the workload still writes: within 80% of its expected span (at least
 * 5 s, at most WINDOW_MS), so a fault chain meets acknowledged records to lose.
 */
export function windowFor(w: WorkloadShape): number {
  const spanMs = Math.ceil(w.sends / Math.max(1, w.producers)) * w.sendIntervalMs;
  return Math.min(WINDOW_MS, Math.max(5_000, Math.floor(0.8 * spanMs)));
}

/** The share of swarm seeds whose workload has a consumer group: one in GROUP_ONE_IN. */
const GROUP_ONE_IN = 5;

/**
 * A consumer group drawn after everything else (the earlier draws of a seed stay as they
 * were), in one seed out of GROUP_ONE_IN.
 */
function withSometimesGroup(input: fc.Arbitrary<ScenarioInput>): fc.Arbitrary<ScenarioInput> {
  return input.chain((i) =>
    fc
      .tuple(fc.integer({ min: 1, max: GROUP_ONE_IN }), groupArb())
      .map(([k, group]): ScenarioInput => (k === 1 ? { ...i, workload: { ...i.workload, group } } : i)),
  );
}

/** The share of swarm seeds whose workload has transactional producers: one in TXN_ONE_IN. */
const TXN_ONE_IN = 5;

/**
 * Transactional producers (issue 17), drawn after everything else (the earlier draws of a seed
 * stay as they were), in one seed out of TXN_ONE_IN: the `transactions` scenario's shape, and
 * up to two of its coordinator faults the swarm has no kind for (a crash at a commit point),
 * after the seed's own faults (within SWARM_MAX_FAULTS in all). Applied since the eleven failures
 * of the 100,000-seed campaign of base 110,000,000 were explained (README, docs/readme-fuzz.md).
 */
function withSometimesTransactions(i: ScenarioInput): fc.Arbitrary<ScenarioInput> {
  return fc
    .tuple(fc.integer({ min: 1, max: TXN_ONE_IN }), txnShapeArb(), fc.array(crashAtCommitPointArb(), { maxLength: 2 }))
    .map(([k, transactions, commitPointCrashes]): ScenarioInput => {
      if (k !== 1) return i;
      const added = commitPointCrashes.slice(0, Math.max(0, SWARM_MAX_FAULTS - i.faults.length));
      return { ...i, workload: { ...i.workload, transactions }, faults: [...i.faults, ...added] };
    });
}

/**
 * Value sizes (valueBytesArb) drawn after everything else: the other draws of a seed stay as
 * they were (its run changes, as larger records fill batches, pages and segments differently).
 */
function withValueBytes(input: fc.Arbitrary<ScenarioInput>): fc.Arbitrary<ScenarioInput> {
  return input.chain((i) =>
    valueBytesArb().map(
      (valueBytes): ScenarioInput => (valueBytes === undefined ? i : { ...i, workload: { ...i.workload, valueBytes } }),
    ),
  );
}

/** One swarm seed in ZK_ONE_IN draws ZooKeeper mode (issue 16 item 3: both modes in the swarm). */
const ZK_ONE_IN = 5;

/**
 * Whether the swarm applies its ZooKeeper-mode draw: on, one swarm seed in ZK_ONE_IN runs in
 * ZooKeeper mode. Switching it moves the zoo variants' find seeds (docs/readme-zoo.md, measured
 * with it on) and the README's swarm figures. The draw itself is made, last, either way, so
 * the switch changes no other draw of any seed: a seed it leaves in KRaft mode keeps its input.
 */
export const SWARM_DRAWS_ZOOKEEPER = true;

/**
 * ZooKeeper mode, drawn after everything else, in one seed of ZK_ONE_IN: the drawn input laid
 * into that mode as `--controller zookeeper` lays it (overrideShape: the ensemble and chroot
 * from the draw, a 4.x version becomes 3.9, KRaft voters and combined mode go, a consumer
 * group keeps its members on the classic protocol, transactions stay).
 */
export function withSometimesZooKeeper(input: ScenarioInput, k: number, apply = SWARM_DRAWS_ZOOKEEPER): ScenarioInput {
  return k === 1 && apply ? overrideShape(input, { controller: 'zookeeper' }) : input;
}

/** The swarm's draws; `drawZooKeeper` off leaves every seed in KRaft mode (the mode is drawn either way). */
function swarmArbitrary(drawZooKeeper: boolean): fc.Arbitrary<ScenarioInput> {
  return (
    withValueBytes(
      withSometimesGroup(
        fc
          .tuple(shapeArb({ controllers: swarmControllersArb() }), workloadArb(), swarmArb())
          .chain(([shape, workload, sw]) =>
            scheduleArb(sw, shape, {
              ...opts(),
              windowMs: windowFor(workload),
              minFaults: 0,
              maxFaults: SWARM_MAX_FAULTS,
            }).map((faults): ScenarioInput => ({ shape, workload, faults, healAtMs: HEAL_AT_MS })),
          ),
      )
        // Drawn after the group, so every other draw of a seed stays what it was before combined mode existed.
        .chain((input) => swarmCombinedArb().map((combined) => withCombined(input, combined)))
        // Drawn after that, for the same reason (transactions came after combined mode).
        .chain(withSometimesTransactions)
        // And group.protocol after it (KIP-848, for a drawn group where the version has it).
        .chain((input) => fc.boolean().map((consumer) => withGroupProtocol(input, consumer))),
    )
      // ZooKeeper mode last of all (issue 16), so every other draw of a seed stays what it was.
      .chain((input) =>
        fc
          .integer({ min: 1, max: ZK_ONE_IN })
          .map((k) => withSometimesZooKeeper(input, k, drawZooKeeper && SWARM_DRAWS_ZOOKEEPER)),
      )
      // And the late produce after it (issue 17), for the same reason.
      .chain(withSometimesLateProduce)
      // And consume-transform-produce after that (issue 18), for the same reason.
      .chain(withSometimesConsumeTransformProduce)
  );
}

const swarm: ScenarioDef = {
  name: 'swarm',
  description:
    'the default: every fault kind and fault pattern, each seed switching on a random subset with random weights ' +
    '(swarm testing); a consumer group in one seed of five (on the KIP-848 consumer protocol in one of two)',
  arbitrary: swarmArbitrary(true),
  kraftArbitrary: swarmArbitrary(false),
};

/** The share of transactions that consume-transform-produce: the `transactions` scenario's draw (0: none). */
function consumeRatioArb(): fc.Arbitrary<number> {
  return fc.constantFrom(0, 0.3, 0.7);
}

/**
 * Consume-transform-produce (KIP-447: AddOffsetsToTxn, TxnOffsetCommit, offsets committed or
 * dropped by the markers), drawn after everything else (so a seed it leaves alone keeps every
 * draw and its run) for a workload with transactional producers (ZooKeeper mode's too):
 * the `transactions` scenario's share of consuming transactions, 0 (the input as before) in one
 * seed of three. Without it no swarm seed reaches the group coordinator's transactional offsets.
 */
function withSometimesConsumeTransformProduce(input: ScenarioInput): fc.Arbitrary<ScenarioInput> {
  const txn = input.workload.transactions;
  if (txn === undefined) return fc.constant(input);
  return consumeRatioArb().map(
    (consumeRatio): ScenarioInput =>
      consumeRatio === 0
        ? input
        : { ...input, workload: { ...input.workload, transactions: { ...txn, consumeRatio } } },
  );
}

/**
 * KIP-890's late produce (lateProduceArb, the `transactions` scenario's), drawn after
 * everything else (so a seed it leaves alone keeps every draw and its run), in one seed of two
 * whose workload has transactional producers (ZooKeeper mode's too): their
 * delivery.timeout.ms becomes request.timeout.ms and a producer's link to a leader is slowed
 * past it. Without it a swarm send never expires before the heal (delivery.timeout.ms 120 s,
 * slow links at most 60 s), so a transactional producer never aborts on its own under a produce
 * still in flight. Within SWARM_MAX_FAULTS in all: it takes the place of the seed's last fault
 * when the schedule is full.
 */
function withSometimesLateProduce(input: ScenarioInput): fc.Arbitrary<ScenarioInput> {
  const txn = input.workload.transactions;
  if (txn === undefined) return fc.constant(input);
  const late = fc.option(lateProduceArb(input.shape, input.workload, txn), { freq: 2, nil: null });
  return late.map((l): ScenarioInput => {
    if (l === null) return input;
    const kept = input.faults.slice(0, SWARM_MAX_FAULTS - 1);
    return {
      ...input,
      workload: { ...input.workload, transactions: { ...txn, deliveryTimeoutMs: l.deliveryTimeoutMs } },
      faults: [...kept, l.fault],
    };
  });
}

/**
 * Consumer groups (issue 15): members come and go, the coordinator's broker (any broker, the
 * leader of the topic's partition 0 among them) crashes or loses power, members are cut off
 * from brokers past their session timeout.
 */
const consumerGroup: ScenarioDef = {
  name: 'consumer-group',
  description:
    'a consumer group: members come and go, brokers hosting the coordinator crash and lose power, members are ' +
    'cut off from the coordinator',
  arbitrary: fc
    .tuple(shapeArb({ maxPartitions: 3 }), workloadArb({ minSends: 50 }), groupArb())
    .chain(([shape, workload, group]) => {
      const broker = fc.integer({ min: 1, max: shape.brokers }).map((id): Target => ({ kind: 'broker', id }));
      const member = fc.integer({ min: 0, max: 5 }).map((index): Target => ({ kind: 'consumer', index }));
      const cut = fc.tuple(member, broker).map(([a, b]): CutSpec => ({ shape: 'link', a, b }));
      const fault = fc.oneof(
        withTrigger(
          shape,
          fc.record({ cut, durationMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'cut', ...r })),
        ),
        withTrigger(
          shape,
          fc.record({ target: broker, downMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'crash', ...r })),
        ),
        faultArb('power-loss', shape, opts()),
        faultArb('crash', shape, opts()),
      );
      return fc.array(fault, { minLength: 1, maxLength: 4 }).map(
        (faults): ScenarioInput => ({
          shape,
          workload: { ...workload, group: { ...group, consumers: Math.max(2, group.consumers) } },
          faults,
          healAtMs: HEAL_AT_MS,
        }),
      );
    })
    // group.protocol drawn last (every earlier draw of a seed stays what it was): KIP-848's
    // consumer protocol for one group in two where the Kafka version has it (4.0 on)
    .chain((input) => fc.boolean().map((consumer) => withGroupProtocol(input, consumer))),
};

/** The group's members on the consumer protocol (KIP-848) when drawn and the version has it. */
function withGroupProtocol(input: ScenarioInput, consumer: boolean): ScenarioInput {
  const group = input.workload.group;
  if (!consumer || group === undefined || !consumerProtocolAvailable(input.shape.kafkaVersion)) return input;
  return { ...input, workload: { ...input.workload, group: { ...group, protocol: 'consumer' } } };
}

/** The transactional part of the `transactions` scenario's workload. */
function txnShapeArb(): fc.Arbitrary<TxnShape> {
  return fc.record({
    producers: fc.integer({ min: 1, max: 3 }),
    // Fewer ids than producers: instances sharing a transactional.id fence each other.
    ids: fc.integer({ min: 1, max: 2 }),
    transactions: fc.integer({ min: 10, max: 40 }),
    maxSends: fc.integer({ min: 1, max: 4 }),
    abortRatio: fc.constantFrom(0, 0.2, 0.4),
    // Short timeouts let the coordinator abort transactions stalled by faults.
    timeoutMs: fc.oneof(fc.integer({ min: 2_000, max: 10_000 }), fc.constant(60_000)),
    intervalMs: fc.integer({ min: 50, max: 1_000 }),
    statePartitions: fc.integer({ min: 1, max: 3 }),
  });
}

/**
 * The coordinator crashes at a transaction's commit point: right after (delayUs) it appends the
 * nth PrepareCommit, the broker it runs on (the event's subject) is killed, dropping what it
 * has in flight (replication of the PrepareCommit, markers).
 */
function crashAtCommitPointArb(): fc.Arbitrary<Fault> {
  return fc
    .record({
      nth: fc.integer({ min: 1, max: 3 }),
      afterMs: fc.integer({ min: 0, max: WINDOW_MS }),
      delayUs: delayUsArb(),
      downMs: outageMsArb(),
    })
    .map(
      ({ downMs, ...r }): Fault => ({
        trigger: {
          kind: 'on',
          event: {
            probe: 'code',
            broker: null,
            partition: null,
            change: 'any',
            appendedOnly: false,
            codeProbe: 'txn-coordinator-prepare-commit-written',
          },
          ...r,
        },
        action: { kind: 'crash', target: { kind: 'subject', index: 0 }, downMs },
      }),
    );
}

/** How much longer than the delivery timeout the late-produce link stays slow (the first message's retries too). */
const LATE_PRODUCE_MARGIN_MS = 2_000;

/**
 * KIP-890's late produce. The transactional producers' delivery.timeout.ms is set to
 * request.timeout.ms (the least Kafka accepts with linger.ms 0), below the transaction timeout,
 * and the link between a transactional producer and a partition's leader is slowed by just over
 * it, for a little longer than it: the produce sent first on it, and every retry, is answered
 * too late; the send expires, the producer aborts its transaction (the ABORT marker carries its
 * epoch, the coordinator did not time it out) and bumps its epoch, and the first attempt reaches
 * the leader after the marker (a request stalled in the network or the leader's request queue).
 */
function lateProduceArb(
  shape: ClusterShape,
  workload: WorkloadShape,
  txn: TxnShape,
): fc.Arbitrary<{ fault: Fault; deliveryTimeoutMs: number }> {
  const deliveryTimeoutMs = shape.timing['request.timeout.ms'] ?? DEFAULT_KAFKA_CONFIG['request.timeout.ms'];
  // While the transactional producers run (about one transaction per intervalMs), early enough
  // for the slow link to end before the heal.
  const lastAtMs = Math.max(
    0,
    Math.min(HEAL_AT_MS - deliveryTimeoutMs - LATE_PRODUCE_MARGIN_MS, txn.transactions * txn.intervalMs),
  );
  return fc
    .record({
      atMs: fc.integer({ min: 0, max: lastAtMs }),
      // A transactional producer: they follow the plain ones in the cluster's producer ids.
      producer: fc.integer({ min: workload.producers, max: workload.producers + txn.producers - 1 }),
      partition: fc.integer({ min: 0, max: shape.partitions - 1 }),
      beyondMs: fc.integer({ min: 50, max: 2_000 }),
    })
    .map((r) => ({
      deliveryTimeoutMs,
      fault: {
        trigger: { kind: 'at', atMs: r.atMs },
        action: {
          kind: 'slow',
          target: { kind: 'producer', index: r.producer },
          peer: { kind: 'leader', partition: r.partition },
          extraMs: deliveryTimeoutMs + r.beyondMs,
          durationMs: deliveryTimeoutMs + LATE_PRODUCE_MARGIN_MS,
        },
      },
    }));
}

/**
 * Transactions (issue 17): transactional producers (instances sharing a transactional.id fence
 * each other) and read_committed consumers; brokers (the transaction coordinators and the
 * partition leaders among them) crash and lose power, a coordinator crashes at a commit point,
 * links between brokers are cut (markers in flight), transactional producers are cut off or
 * paused past their transaction timeout. A drawn share of transactions (0, 0.3 or 0.7) consume-
 * transform-produce: they poll a partition at read_committed and commit their group's offsets
 * within the transaction (AddOffsetsToTxn, TxnOffsetCommit).
 */
const transactions: ScenarioDef = {
  name: 'transactions',
  description:
    'transactional producers and read_committed consumers: coordinators crash (also at a commit point) and lose ' +
    'power, producers sharing a transactional.id fence each other, cuts during the marker phase, paused producers ' +
    'time out, a produce arrives after its transaction was aborted; a share of transactions ' +
    'consume-transform-produce (offsets committed in the transaction)',
  arbitrary: fc
    .tuple(shapeArb({ maxPartitions: 3 }), workloadArb({ minSends: 10, maxSends: 50 }), txnShapeArb())
    .chain(([shape, workload, txn]) => {
      const broker = fc.integer({ min: 1, max: shape.brokers }).map((id): Target => ({ kind: 'broker', id }));
      const producer = fc.integer({ min: 0, max: 5 }).map((index): Target => ({ kind: 'producer', index }));
      const brokerCut = fc.tuple(broker, broker).map(([a, b]): CutSpec => ({ shape: 'link', a, b }));
      const producerCut = fc.tuple(producer, broker).map(([a, b]): CutSpec => ({ shape: 'link', a, b }));
      const fault = fc.oneof(
        withTrigger(
          shape,
          fc
            .record({ cut: fc.oneof(brokerCut, producerCut), durationMs: outageMsArb() })
            .map((r): FaultAction => ({ kind: 'cut', ...r })),
        ),
        withTrigger(
          shape,
          fc.record({ target: broker, downMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'crash', ...r })),
        ),
        withTrigger(
          shape,
          fc.record({ target: producer, durationMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'pause', ...r })),
        ),
        faultArb('power-loss', shape, opts()),
        faultArb('crash', shape, opts()),
        crashAtCommitPointArb(),
      );
      // The late produce is drawn after the faults, so the draws before it are those of seeds drawn before it existed.
      const late = fc.option(lateProduceArb(shape, workload, txn), { freq: 2, nil: null });
      return fc.tuple(fc.array(fault, { minLength: 1, maxLength: 4 }), late).chain(([faults, late]) =>
        // Drawn last, so the inputs drawn before keep their values: the share of transactions
        // that consume-transform-produce (0: none, the workload as before it existed).
        consumeRatioArb().map((consumeRatio): ScenarioInput => {
          let transactions = late === null ? txn : { ...txn, deliveryTimeoutMs: late.deliveryTimeoutMs };
          if (consumeRatio > 0) transactions = { ...transactions, consumeRatio };
          return {
            shape,
            workload: { ...workload, transactions },
            faults: late === null ? faults : [...faults, late.fault],
            healAtMs: HEAL_AT_MS,
          };
        }),
      );
    }),
};

/** The benchmark's standard scenario (DESIGN §8): fixed shape and workload, swarm faults. */
const standard: ScenarioDef = {
  name: 'standard',
  description: 'the benchmark scenario: 3 brokers, RF 3, one partition, 200 sends, 2 consumers, swarm faults',
  arbitrary: fc.tuple(swarmArb()).chain(([sw]) => {
    const shape: ClusterShape = {
      brokers: 3,
      replicationFactor: 3,
      minInsync: 2,
      partitions: 1,
      controllers: 3,
      timing: {},
    };
    const workload: WorkloadShape = {
      producers: 1,
      consumers: 2,
      sends: 200,
      keys: 0,
      sendIntervalMs: 100,
      pollIntervalMs: 100,
    };
    return scheduleArb(sw, shape, {
      ...opts(),
      windowMs: windowFor(workload),
      minFaults: 0,
      maxFaults: SWARM_MAX_FAULTS,
    }).map((faults): ScenarioInput => ({ shape, workload, faults, healAtMs: HEAL_AT_MS }));
  }),
};

/**
 * fast-check biases the first runs of a seed towards small and extreme values (half of the
 * draws); a campaign takes exactly one run per seed, so every seed would be a "first run".
 * The generators weight their own edge cases (delay 0, nth 1, short and long outages), so
 * campaigns draw without fast-check's bias.
 */
function unbiased(def: ScenarioDef): ScenarioDef {
  const kraft = def.kraftArbitrary;
  return { ...def, arbitrary: fc.noBias(def.arbitrary), ...(kraft ? { kraftArbitrary: fc.noBias(kraft) } : {}) };
}

export const SCENARIOS: readonly ScenarioDef[] = [
  swarm,
  leaderFailover,
  slowFollower,
  partitionLeader,
  powerLoss,
  rollingRestart,
  controllerFailover,
  consumerGroup,
  transactions,
  standard,
].map(unbiased);

export const DEFAULT_SCENARIO = 'swarm';

/**
 * A scenario by name. `NAME@V` is scenario NAME on kafka.version V (model/versions.ts): the
 * same draws, with V in the cluster shape, so traces and re-runs carry the version.
 */
export function findScenario(name: string): ScenarioDef | undefined {
  const at = name.indexOf('@');
  if (at < 0) return SCENARIOS.find((s) => s.name === name);
  const base = SCENARIOS.find((s) => s.name === name.slice(0, at));
  const version = name.slice(at + 1);
  if (base === undefined || !isKafkaVersion(version)) return undefined;
  const onVersion = (input: ScenarioInput): ScenarioInput => ({
    ...input,
    shape: { ...input.shape, kafkaVersion: version },
  });
  const kraft = base.kraftArbitrary;
  return {
    ...base,
    name,
    arbitrary: base.arbitrary.map(onVersion),
    ...(kraft ? { kraftArbitrary: kraft.map(onVersion) } : {}),
  };
}

/** The scenario name that runs `scenario` on kafka.version `version` (the newest: the name itself). */
export function scenarioOnVersion(scenario: string, version: KafkaVersion): string {
  return version === NEWEST_KAFKA_VERSION ? scenario : `${scenario}@${version}`;
}

// Re-exported for custom scenarios in user code.
export { brokerTargetArb, delayUsArb, triggerArb };
export type { Trigger };
