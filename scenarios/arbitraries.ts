// fast-check arbitraries for everything a run is made of: cluster shape, workload, targets,
// triggers, each kind of fault, and swarm-tested fault schedules.
//
// Design notes:
// - Many replication bugs need a fault inside a narrow window (between a follower's fetch
//   and the next one that carries the new HW; while an AlterPartition is in flight). Time
//   triggers almost never land there, so most faults fire on a protocol event: the nth
//   matching probe event after some virtual time, plus a small delay (often 0). Targets are
//   roles ("the leader", "the follower that just fetched"), resolved when the fault fires.
// - Swarm testing (Groce et al. 2012): each schedule first draws which fault kinds are on
//   and their weights, then draws faults from those kinds only. Different seeds thus stress
//   very different mixes instead of one average mix.
// - Shrinking: every numeric field shrinks towards the simple end (time 0, nth 1, delay 0,
//   short durations), constantFrom towards its first (default) choice, arrays by dropping
//   faults.
// - Nothing here knows the protocol variant; the driver applies it over the generated input.

import fc from 'fast-check';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES, type CodeProbeName } from '../model/code-probes.ts';
import type { ValueBytes } from '../model/config.ts';
import type { ClusterShape, GroupShape, TimingOverrides, WorkloadShape } from './input.ts';
import {
  FAULT_KINDS,
  TRIGGER_PROBES,
  type CutSpec,
  type EventPattern,
  type Fault,
  type FaultAction,
  type FaultKind,
  type Target,
  type Trigger,
} from './faults.ts';
import { afterDelayUsArb, delayUsArb, extraLatencyMsArb, outageMsArb } from './durations.ts';
import { PATTERN_KINDS, patternArb, type PatternKind } from './patterns.ts';

// --- cluster shape and workload ------------------------------------------------------------

export interface ShapeOptions {
  /** Inclusive broker range; default 3..5, weighted towards 3. */
  minBrokers?: number;
  maxBrokers?: number;
  /** Inclusive partition range; default 1..3, weighted towards 1. */
  maxPartitions?: number;
  /** Controller quorum voters; default 3 (a production quorum). */
  controllers?: fc.Arbitrary<1 | 3 | 5>;
  /** Combined mode (voters on brokers 1..controllers); default never. Drawn only where brokers ≥ voters. */
  combined?: fc.Arbitrary<boolean>;
}

/** The swarm's process roles: dedicated controllers mostly, combined broker+controller nodes sometimes. */
export function swarmCombinedArb(): fc.Arbitrary<boolean> {
  return fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: 1 });
}

/** The swarm's quorum sizes: 3 voters mostly, sometimes the single controller. */
export function swarmControllersArb(): fc.Arbitrary<1 | 3 | 5> {
  return fc.oneof(
    { arbitrary: fc.constant<1 | 3 | 5>(3), weight: 4 },
    { arbitrary: fc.constant<1 | 3 | 5>(1), weight: 1 },
  );
}

/**
 * Kafka timeouts a deployment may shorten, each from a realistic range: the ISR lag bound,
 * the HW checkpoint interval, the KRaft session timeout, the producer's request.timeout.ms,
 * and how long a follower's fetch (replica.socket.timeout.ms) and a leader's AlterPartition
 * (controller.socket.timeout.ms) wait for an answer before they are sent again. Shorter
 * ones let a whole chain of faults and retries play out while the workload still writes.
 * Clients see a killed broker's connection reset at once (harness/network.ts), but a power
 * loss, a cut or a hung broker only by a request's timeout: a shorter request timeout moves
 * the producers to the new leader while the faults are still going on. The controller's
 * leader-imbalance check (leader.imbalance.check.interval.seconds, 300 s by default, longer
 * than a run) is sometimes brought within a run, so automatic preferred-leader elections
 * happen amid the faults. Segments (log.segment.bytes, log.roll.ms; Kafka's 1 GiB and 7 days
 * never roll within a run) are drawn small enough to roll a few times, so rolls flush and
 * move the recovery point, and recovery starts past the first segments. Retention (Kafka's
 * retention.ms 7 days, retention.bytes unlimited, checked every 5 min after a 30 s initial
 * delay: never within a run) is drawn, independently, small enough to delete segments in some
 * seeds: retention.ms 30 s or 10 s (each 1 in 4), retention.bytes 16 KiB or 4 KiB (each 1 in
 * 4), the check every 5 s or 1 s (each 1 in 3), LogManager's initial task delay 1 s (1 in 2;
 * a setting from Kafka 3.8, fixed at 30 s before). The recovery-point checkpoint, every 60 s
 * by default (log.flush.offset.checkpoint.interval.ms), is drawn every 5 s 1 in 2, so
 * recovery from a checkpointed recovery point still happens within a run.
 */
/** Kafka's defaults: log.segment.bytes 1 GiB, log.roll.ms 7 days (LogConfig, ServerLogConfigs). */
const DEFAULT_SEGMENT_BYTES = 1_073_741_824;
const DEFAULT_ROLL_MS = 604_800_000;
/**
 * Retention is drawn and applied. With it the correct model meets Kafka's own finding
 * divergence-below-log-start (test/model/findings/divergence-below-log-start.test.ts; issue
 * 12), a chain of Kafka's behaviour that breaks its promise: runs that meet it end as
 * `kafka-finding` (driver/kafka-findings.ts), not as violations, when its witness holds. Set
 * false, the draws stay (so every other draw keeps its value) but are not applied.
 */
const SWARM_APPLIES_RETENTION = true;
/** Kafka's log.retention.ms default: 7 days (log.retention.hours 168). */
const DEFAULT_RETENTION_MS = 604_800_000;

export function timingArb(): fc.Arbitrary<TimingOverrides> {
  return fc
    .record({
      lag: fc.constantFrom(30_000, 10_000, 4_000),
      hwCheckpoint: fc.constantFrom(5_000, 500),
      session: fc.constantFrom(9_000, 6_000),
      request: fc.constantFrom(30_000, 10_000, 5_000),
      replicaSocket: fc.constantFrom(30_000, 10_000),
      controllerSocket: fc.constantFrom(30_000, 10_000),
      imbalanceCheck: fc.constantFrom(300, 300, 20, 5),
      segmentBytes: fc.constantFrom(DEFAULT_SEGMENT_BYTES, 8_192, 4_096, 2_048),
      rollMs: fc.constantFrom(DEFAULT_ROLL_MS, DEFAULT_ROLL_MS, 20_000, 8_000),
      retentionMs: fc.constantFrom(DEFAULT_RETENTION_MS, DEFAULT_RETENTION_MS, 30_000, 10_000),
      retentionBytes: fc.constantFrom(-1, -1, 16_384, 4_096),
      retentionCheckMs: fc.constantFrom(300_000, 5_000, 1_000),
      initialTaskDelayMs: fc.constantFrom(30_000, 1_000),
      recoveryCheckpointMs: fc.constantFrom(60_000, 5_000),
    })
    .map(
      ({
        lag,
        hwCheckpoint,
        session,
        request,
        replicaSocket,
        controllerSocket,
        imbalanceCheck,
        segmentBytes,
        rollMs,
        retentionMs,
        retentionBytes,
        retentionCheckMs,
        initialTaskDelayMs,
        recoveryCheckpointMs,
      }) => {
        const t: TimingOverrides = {};
        if (lag !== 30_000) t['replica.lag.time.max.ms'] = lag;
        if (hwCheckpoint !== 5_000) t['replica.high.watermark.checkpoint.interval.ms'] = hwCheckpoint;
        if (session !== 9_000) t['broker.session.timeout.ms'] = session;
        if (request !== 30_000) t['request.timeout.ms'] = request;
        if (replicaSocket !== 30_000) t['replica.socket.timeout.ms'] = replicaSocket;
        if (controllerSocket !== 30_000) t['controller.socket.timeout.ms'] = controllerSocket;
        if (imbalanceCheck !== 300) t['leader.imbalance.check.interval.seconds'] = imbalanceCheck;
        if (segmentBytes !== DEFAULT_SEGMENT_BYTES) t['log.segment.bytes'] = segmentBytes;
        if (rollMs !== DEFAULT_ROLL_MS) t['log.roll.ms'] = rollMs;
        if (SWARM_APPLIES_RETENTION && retentionMs !== DEFAULT_RETENTION_MS) t['log.retention.ms'] = retentionMs;
        if (SWARM_APPLIES_RETENTION && retentionBytes !== -1) t['log.retention.bytes'] = retentionBytes;
        if (retentionCheckMs !== 300_000) t['log.retention.check.interval.ms'] = retentionCheckMs;
        if (initialTaskDelayMs !== 30_000) t['log.initial.task.delay.ms'] = initialTaskDelayMs;
        if (recoveryCheckpointMs !== 60_000) t['log.flush.offset.checkpoint.interval.ms'] = recoveryCheckpointMs;
        return t;
      },
    );
}

export function shapeArb(opts: ShapeOptions = {}): fc.Arbitrary<ClusterShape> {
  const minBrokers = opts.minBrokers ?? 3;
  const maxBrokers = opts.maxBrokers ?? 5;
  const maxPartitions = opts.maxPartitions ?? 3;
  const brokers =
    minBrokers === maxBrokers
      ? fc.constant(minBrokers)
      : fc.oneof(
          { arbitrary: fc.constant(minBrokers), weight: 6 },
          { arbitrary: fc.integer({ min: minBrokers, max: maxBrokers }), weight: 4 },
        );
  const partitions =
    maxPartitions === 1
      ? fc.constant(1)
      : fc.oneof(
          { arbitrary: fc.constant(1), weight: 7 },
          { arbitrary: fc.integer({ min: 1, max: maxPartitions }), weight: 3 },
        );
  return fc
    .record({
      brokers,
      partitions,
      rfPick: fc.integer({ min: 0, max: 9 }),
      minPick: fc.integer({ min: 0, max: 9 }),
      timing: timingArb(),
      controllers: opts.controllers ?? fc.constant<1 | 3 | 5>(3),
      combined: opts.combined ?? fc.constant(false),
    })
    .map(({ brokers, partitions, rfPick, minPick, timing, controllers, combined }): ClusterShape => {
      // Replication factor 3 (capped by brokers) most of the time, sometimes 2 or all brokers.
      const rf = rfPick < 7 ? Math.min(3, brokers) : rfPick < 9 ? 2 : brokers;
      // min.insync.replicas 2 (the recommended setting) most of the time, sometimes RF.
      const minInsync = rf < 2 ? 1 : minPick < 8 ? 2 : rf;
      const shape: ClusterShape = { brokers, replicationFactor: rf, minInsync, partitions, controllers, timing };
      if (combined && controllers <= brokers) shape.combined = true;
      return shape;
    });
}

export interface WorkloadOptions {
  maxSends?: number;
  minSends?: number;
}

export function workloadArb(opts: WorkloadOptions = {}): fc.Arbitrary<WorkloadShape> {
  return fc.record({
    // Mostly concurrent producers: one idempotent producer resends its unacknowledged batches
    // in order, so after a failover a new leader often rebuilds exactly the suffix another
    // replica already holds, and divergent logs agree by accident. Interleaved producers make
    // every replica's uncommitted suffix its own.
    producers: fc.oneof(
      { arbitrary: fc.constant(1), weight: 1 },
      { arbitrary: fc.integer({ min: 2, max: 3 }), weight: 2 },
    ),
    consumers: fc.integer({ min: 1, max: 2 }),
    sends: fc.integer({ min: opts.minSends ?? 10, max: opts.maxSends ?? 200 }),
    keys: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 8 })),
    // Mostly brisk, sometimes a slow trickle that keeps writing for a minute or more, through
    // fault chains that wait out replication and controller timeouts (30 s by default).
    sendIntervalMs: fc.oneof(
      { arbitrary: fc.integer({ min: 5, max: 100 }), weight: 2 },
      { arbitrary: fc.integer({ min: 100, max: 500 }), weight: 2 },
      { arbitrary: fc.integer({ min: 500, max: 1_500 }), weight: 1 },
    ),
    pollIntervalMs: fc.integer({ min: 20, max: 500 }),
    // The consumers' auto.offset.reset: Kafka's default most often, each other policy too.
    autoOffsetReset: fc.oneof(
      { arbitrary: fc.constant('latest' as const), weight: 2 },
      { arbitrary: fc.constant('earliest' as const), weight: 1 },
      { arbitrary: fc.constant('none' as const), weight: 1 },
    ),
  });
}

/**
 * The producers' value sizes (issue 12): Kafka's producers send values from tens of bytes to
 * about a kilobyte, so a batch (up to batch.size 16 KiB) and the part of a segment a power loss
 * finds dirty span several 4 KiB pages. Three seeds in four draw a range starting at 10–300
 * bytes and up to 900 bytes wider; one in four keeps the bare labels (7–9 bytes).
 */
export function valueBytesArb(): fc.Arbitrary<ValueBytes | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 3,
      arbitrary: fc
        .record({ min: fc.integer({ min: 10, max: 300 }), spread: fc.integer({ min: 0, max: 900 }) })
        .map(({ min, spread }): ValueBytes => ({ min, max: min + spread })),
    },
  );
}

/**
 * A consumer group (issue 15): 1–3 members, churning or not, a `__consumer_offsets` of 1–3
 * partitions (Kafka's default 50 would multiply the replication work), sessions of 6–15 s
 * (heartbeats at a third or less), auto commits every 0.2–5 s, or (one group in two) manual
 * commits after each poll that returned records (commitAsync, or commitSync for half of them),
 * and (one group in three) members whose application stalls 2–20 s between polls every 10–40 s
 * on average, with max.poll.interval.ms 3–15 s, and (one group in two) the cooperative-sticky
 * assignor (KIP-429) instead of the range assignor (stall and assignor drawn last: the other
 * fields keep their draws).
 */
export function groupArb(): fc.Arbitrary<GroupShape> {
  return fc
    .record({
      consumers: fc.integer({ min: 1, max: 3 }),
      churnMs: fc.oneof(fc.constant(0), fc.integer({ min: 5_000, max: 40_000 })),
      offsetsPartitions: fc.integer({ min: 1, max: 3 }),
      sessionTimeoutMs: fc.integer({ min: 6_000, max: 15_000 }),
      heartbeatThirds: fc.integer({ min: 3, max: 6 }),
      autoCommitIntervalMs: fc.integer({ min: 200, max: 5_000 }),
      manualCommit: fc.boolean(),
      stall: fc.oneof(
        { weight: 2, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.record({
            everyMs: fc.integer({ min: 10_000, max: 40_000 }),
            forMs: fc.integer({ min: 2_000, max: 20_000 }),
            maxPollIntervalMs: fc.integer({ min: 3_000, max: 15_000 }),
          }),
        },
      ),
      cooperative: fc.boolean(),
    })
    .map(
      ({ heartbeatThirds, manualCommit, stall, cooperative, ...g }): GroupShape => ({
        ...g,
        heartbeatIntervalMs: Math.floor(g.sessionTimeoutMs / heartbeatThirds),
        ...(manualCommit ? { manualCommit: true } : {}),
        // commitSync() instead of commitAsync() for one manual-commit group in two, by the parity
        // of autoCommitIntervalMs (already drawn, unused without auto commit): no new draw, so
        // every seed keeps its inputs
        ...(manualCommit && g.autoCommitIntervalMs % 2 === 1 ? { commitSync: true } : {}),
        ...(stall !== undefined ? { stall } : {}),
        ...(cooperative ? { assignor: 'cooperative-sticky' as const } : {}),
      }),
    );
}

// --- targets ---------------------------------------------------------------------------------

/** A broker, named by role most of the time. */
export function brokerTargetArb(shape: { brokers: number; partitions: number }): fc.Arbitrary<Target> {
  const partition = fc.integer({ min: 0, max: shape.partitions - 1 });
  return fc.oneof(
    { arbitrary: partition.map((p): Target => ({ kind: 'leader', partition: p })), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 3 }).map((index): Target => ({ kind: 'subject', index })), weight: 3 },
    {
      arbitrary: fc
        .record({ partition, index: fc.integer({ min: 0, max: 3 }) })
        .map((r): Target => ({ kind: 'follower', ...r })),
      weight: 2,
    },
    { arbitrary: fc.integer({ min: 1, max: shape.brokers }).map((id): Target => ({ kind: 'broker', id })), weight: 1 },
  );
}

/** Any node a cut may name: mostly brokers, sometimes the controller, rarely a client. */
export function endpointArb(shape: { brokers: number; partitions: number }): fc.Arbitrary<Target> {
  return fc.oneof(
    { arbitrary: brokerTargetArb(shape), weight: 8 },
    { arbitrary: fc.constant<Target>({ kind: 'controller' }), weight: 3 },
    { arbitrary: fc.integer({ min: 0, max: 4 }).map((index): Target => ({ kind: 'voter', index })), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: 2 }).map((index): Target => ({ kind: 'producer', index })), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 1 }).map((index): Target => ({ kind: 'consumer', index })), weight: 1 },
  );
}

/**
 * A node that a kill -9 or a power loss may hit: mostly a broker, sometimes the active
 * controller or another voter, sometimes a client (a producer or consumer comes back as a
 * new incarnation). Issue 18: every fault kind on every node kind that can suffer it.
 */
export function processTargetArb(shape: { brokers: number; partitions: number }): fc.Arbitrary<Target> {
  return fc.oneof(
    { arbitrary: brokerTargetArb(shape), weight: 8 },
    { arbitrary: fc.constant<Target>({ kind: 'controller' }), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 4 }).map((index): Target => ({ kind: 'voter', index })), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 2 }).map((index): Target => ({ kind: 'producer', index })), weight: 1 },
    { arbitrary: fc.integer({ min: 0, max: 1 }).map((index): Target => ({ kind: 'consumer', index })), weight: 1 },
  );
}

// --- triggers --------------------------------------------------------------------------------

export interface TriggerOptions {
  /** Faults fire within [0, windowMs] (event triggers are armed from afterMs in that range). */
  windowMs: number;
  /** Integer weights of event, time and chained ('after' the previous fault) triggers (default 3 : 1 : 1). */
  eventWeight?: number;
  timeWeight?: number;
  afterWeight?: number;
  /** Restrict the probe kinds event triggers wait for. */
  probes?: readonly fc.WeightedArbitrary<EventPattern['probe']>[];
}

const DEFAULT_PROBE_WEIGHTS: Record<EventPattern['probe'], number> = {
  'produce-ack': 4,
  'follower-fetch': 5,
  'alter-partition-sent': 3,
  'alter-partition-applied': 2,
  truncate: 2,
  'leader-change': 3,
  'isr-change': 3,
  fenced: 1,
  registered: 1,
  // Small weights: a code probe of the catalog (any the correct model can reach), and the
  // deposition of a leader with produces waiting on it.
  code: 1,
  'deposed-with-produce-in-flight': 1,
};

/**
 * Code probes a trigger may wait for: those the correct model can reach (model/code-probes.ts) and those
 * keptAsTrigger, but for those marked notATrigger (later additions: a longer list would shift the draws).
 */
export const TRIGGER_CODE_PROBES: readonly CodeProbeName[] = CODE_PROBE_NAMES.filter(
  (n) =>
    (CODE_PROBE_INFO[n].reachable === undefined || CODE_PROBE_INFO[n].keptAsTrigger === true) &&
    CODE_PROBE_INFO[n].notATrigger === undefined,
);

export function eventPatternArb(
  shape: { brokers: number; partitions: number },
  probes?: readonly fc.WeightedArbitrary<EventPattern['probe']>[],
): fc.Arbitrary<EventPattern> {
  const probe =
    probes !== undefined
      ? fc.oneof(...probes)
      : fc.oneof(...TRIGGER_PROBES.map((p) => ({ arbitrary: fc.constant(p), weight: DEFAULT_PROBE_WEIGHTS[p] })));
  return fc
    .record({
      probe,
      broker: fc.oneof(
        { arbitrary: fc.constant(null), weight: 3 },
        { arbitrary: fc.integer({ min: 1, max: shape.brokers }), weight: 1 },
      ),
      partition: fc.oneof(
        { arbitrary: fc.constant(null), weight: 3 },
        { arbitrary: fc.integer({ min: 0, max: shape.partitions - 1 }), weight: 1 },
      ),
      change: fc.constantFrom('any' as const, 'expand' as const, 'shrink' as const),
      appendedOnly: fc.boolean(),
      codeProbe: fc.constantFrom(...TRIGGER_CODE_PROBES),
    })
    .map(({ codeProbe, ...rest }): EventPattern => (rest.probe === 'code' ? { ...rest, codeProbe } : rest));
}

const FREQUENT_PROBES: ReadonlySet<EventPattern['probe']> = new Set(['produce-ack', 'follower-fetch']);

export function triggerArb(
  shape: { brokers: number; partitions: number },
  opts: TriggerOptions,
): fc.Arbitrary<Trigger> {
  const at = fc.integer({ min: 0, max: opts.windowMs }).map((atMs): Trigger => ({ kind: 'at', atMs }));
  const on = fc
    .record({
      event: eventPatternArb(shape, opts.probes),
      nth: fc.oneof(
        { arbitrary: fc.integer({ min: 1, max: 3 }), weight: 3 },
        { arbitrary: fc.integer({ min: 1, max: 40 }), weight: 2 },
      ),
      afterMs: fc.integer({ min: 0, max: opts.windowMs }),
      delayUs: delayUsArb(),
    })
    // Rare events (elections, fencing, truncation) are waited for a few times at most;
    // frequent ones (acks, fetches) up to 40 times, which places the fault between two of them.
    .map(
      (r): Trigger => ({ kind: 'on', ...r, nth: FREQUENT_PROBES.has(r.event.probe) ? r.nth : 1 + ((r.nth - 1) % 3) }),
    );
  const after = afterDelayUsArb().map((delayUs): Trigger => ({ kind: 'after', delayUs }));
  return fc.oneof(
    { arbitrary: at, weight: opts.timeWeight ?? 1 },
    { arbitrary: on, weight: opts.eventWeight ?? 3 },
    { arbitrary: after, weight: opts.afterWeight ?? 1 },
  );
}

// --- actions -----------------------------------------------------------------------------------

export interface FaultArbOptions extends TriggerOptions {
  /** Probability weight of a correlated (multi-broker) power loss against a single one (default 1:9). */
  correlatedWeight?: number;
  /** Kill -9 and power loss hit brokers only (named scenarios about brokers); default: any node kind. */
  brokersOnly?: boolean;
}

type Shape = { brokers: number; partitions: number };

function cutArb(shape: Shape): fc.Arbitrary<CutSpec> {
  const ep = endpointArb(shape);
  const side = fc.array(ep, { minLength: 1, maxLength: Math.max(1, Math.floor(shape.brokers / 2)) });
  return fc.oneof(
    { arbitrary: ep.map((node): CutSpec => ({ shape: 'isolate', node })), weight: 3 },
    { arbitrary: side.map((s): CutSpec => ({ shape: 'split', side: s })), weight: 2 },
    { arbitrary: fc.record({ bridge: ep, left: side }).map((r): CutSpec => ({ shape: 'bridge', ...r })), weight: 1 },
    { arbitrary: fc.record({ from: side, to: side }).map((r): CutSpec => ({ shape: 'one-way', ...r })), weight: 2 },
    { arbitrary: fc.record({ a: ep, b: ep }).map((r): CutSpec => ({ shape: 'link', ...r })), weight: 3 },
  );
}

export function actionArb(kind: FaultKind, shape: Shape, opts: FaultArbOptions): fc.Arbitrary<FaultAction> {
  const broker = brokerTargetArb(shape);
  const anyNode = opts.brokersOnly === true ? broker : processTargetArb(shape);
  switch (kind) {
    case 'crash':
      return fc.record({ target: anyNode, downMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'crash', ...r }));
    case 'restart':
      return fc.record({ target: broker, downMs: outageMsArb() }).map((r): FaultAction => ({ kind: 'restart', ...r }));
    case 'power-loss': {
      const single = fc
        .record({ target: anyNode, downMs: outageMsArb(), tornTail: fc.boolean() })
        .map(
          ({ target, downMs, tornTail }): FaultAction => ({ kind: 'power-loss', targets: [target], downMs, tornTail }),
        );
      // Correlated: a set of distinct fixed brokers at the same instant (a rack losing power).
      const ids = Array.from({ length: shape.brokers }, (_, i) => i + 1);
      const correlated = fc
        .record({ set: fc.subarray(ids, { minLength: 2 }), downMs: outageMsArb(), tornTail: fc.boolean() })
        .map(
          ({ set, downMs, tornTail }): FaultAction => ({
            kind: 'power-loss',
            targets: set.map((id): Target => ({ kind: 'broker', id })),
            downMs,
            tornTail,
          }),
        );
      return fc.oneof({ arbitrary: single, weight: 9 }, { arbitrary: correlated, weight: opts.correlatedWeight ?? 1 });
    }
    case 'cut':
      return fc
        .record({ cut: cutArb(shape), durationMs: outageMsArb() })
        .map((r): FaultAction => ({ kind: 'cut', ...r }));
    case 'slow':
      return fc
        .record({
          // Mostly a broker, sometimes a controller voter (a slow voter lags the metadata log).
          target: fc.oneof({ arbitrary: broker, weight: 4 }, { arbitrary: endpointArb(shape), weight: 1 }),
          peer: fc.oneof(fc.constant(null), endpointArb(shape)),
          extraMs: extraLatencyMsArb(),
          durationMs: fc.integer({ min: 1_000, max: 60_000 }),
        })
        .map((r): FaultAction => ({ kind: 'slow', ...r }));
    case 'controller-crash':
      return outageMsArb().map((downMs): FaultAction => ({ kind: 'controller-crash', downMs }));
    case 'controller-power-loss':
      return fc
        .record({ downMs: outageMsArb(), tornTail: fc.boolean() })
        .map((r): FaultAction => ({ kind: 'controller-power-loss', ...r }));
    case 'rolling-restart':
      return fc
        .record({ downMs: fc.integer({ min: 100, max: 5_000 }), gapMs: fc.integer({ min: 1_000, max: 30_000 }) })
        .map((r): FaultAction => ({ kind: 'rolling-restart', ...r }));
    case 'pause':
      return (
        fc
          // A hung process: mostly a broker, sometimes the controller or a client (any endpoint).
          .record({
            target: fc.oneof({ arbitrary: broker, weight: 4 }, { arbitrary: endpointArb(shape), weight: 1 }),
            durationMs: outageMsArb(),
          })
          .map((r): FaultAction => ({ kind: 'pause', ...r }))
      );
    case 'leader-election':
      return fc
        .record({
          partition: fc.integer({ min: 0, max: shape.partitions - 1 }),
          election: fc.oneof(
            { arbitrary: fc.constant('preferred' as const), weight: 4 },
            { arbitrary: fc.constant('unclean' as const), weight: 1 },
          ),
        })
        .map((r): FaultAction => ({ kind: 'leader-election', ...r }));
  }
}

export function faultArb(kind: FaultKind, shape: Shape, opts: FaultArbOptions): fc.Arbitrary<Fault> {
  return fc
    .record({ trigger: triggerArb(shape, opts), action: actionArb(kind, shape, opts) })
    .map(({ trigger, action }): Fault => ({ trigger, action }));
}

// --- swarm -----------------------------------------------------------------------------------

/** Which fault kinds and fault patterns (scenarios/patterns.ts) a schedule uses, with their weights (0 = off). */
export type SwarmConfig = Record<FaultKind | PatternKind, number>;

const SWARM_KINDS: readonly (FaultKind | PatternKind)[] = [...FAULT_KINDS, ...PATTERN_KINDS];

/**
 * Draws a swarm configuration over `kinds` (default: every fault kind and every pattern):
 * each is on with probability 1/2, 1/4 or 1/8 (one density per seed; at least one kind is
 * on), with a weight 1..8. The sparse densities give focused seeds, where one or two kinds
 * of trouble run without the others getting in their way (Groce et al.: a feature often
 * suppresses the bugs another one would reach).
 */
export function swarmArb(kinds: readonly (FaultKind | PatternKind)[] = SWARM_KINDS): fc.Arbitrary<SwarmConfig> {
  return fc
    .tuple(
      fc.constantFrom(4, 2, 1),
      fc.tuple(
        ...kinds.map(() => fc.record({ pick: fc.integer({ min: 0, max: 7 }), weight: fc.integer({ min: 1, max: 8 }) })),
      ),
    )
    .map(([onOutOf8, draws]) => {
      const config = Object.fromEntries(SWARM_KINDS.map((k) => [k, 0])) as SwarmConfig;
      kinds.forEach((k, i) => (config[k] = draws[i].pick < onOutOf8 ? weightOf(k, draws[i].weight) : 0));
      if (kinds.every((k) => config[k] === 0)) {
        // None drawn: the kind with the lowest draw goes on (any kind, not always the first).
        let low = 0;
        draws.forEach((d, i) => {
          if (d.pick < draws[low].pick) low = i;
        });
        config[kinds[low]] = weightOf(kinds[low], draws[low].weight);
      }
      return config;
    });
}

/** Kinds a swarm draws with a small weight (1 or 2): rarer in reality, or loud when frequent. */
const SMALL_WEIGHT_KINDS: ReadonlySet<FaultKind | PatternKind> = new Set<FaultKind | PatternKind>([
  'pause',
  'leader-election',
]);

function weightOf(kind: FaultKind | PatternKind, drawn: number): number {
  return SMALL_WEIGHT_KINDS.has(kind) ? 1 + (drawn % 2) : drawn;
}

export interface ScheduleOptions extends FaultArbOptions {
  minFaults: number;
  maxFaults: number;
}

/**
 * Faults and fault patterns drawn from what a swarm configuration switches on, by its weights; at most maxFaults
 * faults.
 */
export function scheduleArb(swarm: SwarmConfig, shape: Shape, opts: ScheduleOptions): fc.Arbitrary<Fault[]> {
  const on = SWARM_KINDS.filter((k) => swarm[k] > 0);
  if (on.length === 0 || opts.maxFaults === 0) return fc.constant([]);
  const item = fc.oneof(
    ...on.map((k) => ({
      arbitrary: (FAULT_KINDS as readonly string[]).includes(k)
        ? faultArb(k as FaultKind, shape, opts).map((f) => [f])
        : patternArb(k as PatternKind, shape, opts),
      weight: swarm[k],
    })),
  );
  // Half the schedules are short (one or two items, a pattern playing out on its own), half
  // draw up to maxFaults items: a pattern's window is easily spoilt by unrelated faults.
  const shortMax = Math.max(opts.minFaults, Math.min(2, opts.maxFaults));
  return fc
    .oneof(
      fc.array(item, { minLength: Math.min(opts.minFaults, shortMax), maxLength: shortMax }),
      fc.array(item, { minLength: opts.minFaults, maxLength: opts.maxFaults }),
    )
    .map((items) => items.flat().slice(0, opts.maxFaults));
}
