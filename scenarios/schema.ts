// The schema of a ScenarioInput read from a file (`--scenario-file`, a trace's faultSchedule):
// shape, Kafka timing settings, workload and the fault schedule, every fault kind, target,
// cut shape and trigger of faults.ts. Parsing gives either a ScenarioInput or one line that
// names the JSON path and what was expected there.
//
// Assumes: the zod schemas restate the TypeScript types of faults.ts and input.ts; the
// compile-time assertions below fail the type check when the two drift apart. Unknown keys
// are errors (a misspelt setting must not be silently dropped). A fault's `beyondPromise`
// (a label older traces carry) is accepted and optional: what goes beyond Kafka's promise
// is the driver's decision, not the file's.

import { z } from 'zod';
import { CODE_PROBE_NAMES } from '../model/code-probes.ts';
import { INTER_BROKER_PROTOCOL_VERSIONS, KAFKA_VERSIONS } from '../model/config.ts';
import {
  FAULT_KINDS,
  TRIGGER_PROBES,
  type CutSpec,
  type EventPattern,
  type Fault,
  type FaultAction,
  type Target,
  type Trigger,
} from './faults.ts';
import type { ClusterShape, ScenarioInput, TimingOverrides, WorkloadShape } from './input.ts';

/** Brokers the model allows (model/config.ts ClusterSpec: ids 1..9). */
export const MAX_BROKERS = 9;
/** Partitions of the scenario's topic a file or a flag may ask for. */
export const MAX_PARTITIONS = 64;
/** Producers and consumers each (their node ids are 200+i and 300+i). */
const MAX_CLIENTS = 99;
/** A value's bytes at most: one record fits a ProduceRequest (max.request.size 1 MiB, ProducerConfig's default). */
const MAX_VALUE_BYTES = 1_000_000;

const count = (min: number) => z.int().min(min);
const nonNegative = count(0);

/** `{ kind: … }` unions: an unknown kind names the allowed ones. */
function kinds<const T extends readonly [z.core.$ZodTypeDiscriminable, ...z.core.$ZodTypeDiscriminable[]]>(
  key: string,
  allowed: readonly string[],
  options: T,
) {
  return z.discriminatedUnion(key, options, {
    error: (iss) =>
      iss.code === 'invalid_union'
        ? `expected ${key} to be one of ${allowed.join(', ')}, got ${shown(fieldOf(iss.input, key))}`
        : undefined,
  });
}

const TARGET_KINDS = [
  'broker',
  'leader',
  'follower',
  'subject',
  'out-of-isr',
  'controller',
  'voter',
  'producer',
  'consumer',
];

const targetSchema = kinds('kind', TARGET_KINDS, [
  z.strictObject({ kind: z.literal('broker'), id: count(1) }),
  z.strictObject({ kind: z.literal('leader'), partition: nonNegative }),
  z.strictObject({ kind: z.literal('follower'), partition: nonNegative, index: nonNegative }),
  z.strictObject({ kind: z.literal('subject'), index: nonNegative }),
  z.strictObject({ kind: z.literal('out-of-isr'), partition: nonNegative, index: nonNegative }),
  z.strictObject({ kind: z.literal('controller') }),
  z.strictObject({ kind: z.literal('voter'), index: nonNegative }),
  z.strictObject({ kind: z.literal('producer'), index: nonNegative }),
  z.strictObject({ kind: z.literal('consumer'), index: nonNegative }),
]);

const targets = z.array(targetSchema).min(1);

const cutSchema = kinds(
  'shape',
  ['isolate', 'split', 'bridge', 'one-way', 'link'],
  [
    z.strictObject({ shape: z.literal('isolate'), node: targetSchema }),
    z.strictObject({ shape: z.literal('split'), side: targets }),
    z.strictObject({ shape: z.literal('bridge'), bridge: targetSchema, left: targets }),
    z.strictObject({ shape: z.literal('one-way'), from: targets, to: targets }),
    z.strictObject({ shape: z.literal('link'), a: targetSchema, b: targetSchema }),
  ],
);

const actionSchema = kinds('kind', FAULT_KINDS, [
  z.strictObject({ kind: z.literal('crash'), target: targetSchema, downMs: nonNegative }),
  z.strictObject({ kind: z.literal('restart'), target: targetSchema, downMs: nonNegative }),
  z.strictObject({ kind: z.literal('power-loss'), targets, downMs: nonNegative, tornTail: z.boolean() }),
  z.strictObject({ kind: z.literal('cut'), cut: cutSchema, durationMs: nonNegative }),
  z.strictObject({
    kind: z.literal('slow'),
    target: targetSchema,
    peer: targetSchema.nullable(),
    extraMs: nonNegative,
    durationMs: nonNegative,
  }),
  z.strictObject({ kind: z.literal('controller-crash'), downMs: nonNegative }),
  z.strictObject({ kind: z.literal('controller-power-loss'), downMs: nonNegative, tornTail: z.boolean() }),
  z.strictObject({ kind: z.literal('rolling-restart'), downMs: nonNegative, gapMs: nonNegative }),
  z.strictObject({ kind: z.literal('pause'), target: targetSchema, durationMs: nonNegative }),
  z.strictObject({
    kind: z.literal('leader-election'),
    partition: nonNegative,
    election: z.enum(['preferred', 'unclean']),
  }),
]);

const eventSchema = z.strictObject({
  probe: z.enum(TRIGGER_PROBES, {
    error: (iss) => `expected one of ${TRIGGER_PROBES.join(', ')}, got ${shown(iss.input)}`,
  }),
  broker: count(1).nullable(),
  partition: nonNegative.nullable(),
  change: z.enum(['shrink', 'expand', 'any']),
  appendedOnly: z.boolean(),
  codeProbe: z
    .enum(CODE_PROBE_NAMES, {
      error: (iss) => `expected a code probe of model/code-probes.ts, got ${shown(iss.input)}`,
    })
    .optional(),
});

const triggerSchema = kinds(
  'kind',
  ['at', 'on', 'after'],
  [
    z.strictObject({ kind: z.literal('at'), atMs: nonNegative }),
    z.strictObject({
      kind: z.literal('on'),
      event: eventSchema,
      nth: count(1),
      afterMs: nonNegative,
      delayUs: nonNegative,
    }),
    z.strictObject({
      kind: z.literal('after'),
      delayUs: nonNegative,
      event: eventSchema.optional(),
      nth: count(1).optional(),
    }),
  ],
);

const faultSchema = z
  .strictObject({
    trigger: triggerSchema,
    action: actionSchema,
    /** Older traces' label, read and dropped: the driver decides what goes beyond the promise. */
    beyondPromise: z.boolean().optional(),
  })
  .transform(({ trigger, action }): Fault => ({ trigger, action }));

const timingMs = count(1);
const timingSchema = z.strictObject({
  'replica.lag.time.max.ms': timingMs.optional(),
  'replica.high.watermark.checkpoint.interval.ms': timingMs.optional(),
  'broker.session.timeout.ms': timingMs.optional(),
  'replica.fetch.wait.max.ms': timingMs.optional(),
  'request.timeout.ms': timingMs.optional(),
  'replica.socket.timeout.ms': timingMs.optional(),
  'controller.socket.timeout.ms': timingMs.optional(),
  /** KIP-841 controlled shutdown on a clean stop (default true, as in Kafka). */
  'controlled.shutdown.enable': z.boolean().optional(),
  /** The controller's automatic preferred-leader election (default true, as in Kafka); no generator draws it. */
  'auto.leader.rebalance.enable': z.boolean().optional(),
  'leader.imbalance.check.interval.seconds': count(1).optional(),
  /** Segment rolls (LogConfig: segment.bytes ≥ 14, segment.ms ≥ 1). */
  'log.segment.bytes': count(14).optional(),
  'log.roll.ms': count(1).optional(),
  /** Retention (LogConfig: retention.ms and retention.bytes ≥ -1, -1 = no limit). */
  'log.retention.ms': z.number().int().min(-1).optional(),
  'log.retention.bytes': z.number().int().min(-1).optional(),
  'log.retention.check.interval.ms': count(1).optional(),
  'log.flush.offset.checkpoint.interval.ms': count(1).optional(),
  'log.flush.start.offset.checkpoint.interval.ms': count(1).optional(),
  'log.initial.task.delay.ms': z.number().int().min(0).optional(),
  /** ZooKeeper mode: the brokers' session timeout (ZooKeeper negotiates it into [4000, 40000]). */
  'zookeeper.session.timeout.ms': timingMs.optional(),
  /** The `transaction.version` feature level (KIP-890 part 2 at 2; model/versions.ts). */
  'transaction.version': z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  /** ZooKeeper mode only: inter.broker.protocol.version (2.6 = the leader's own ISR writes). */
  'inter.broker.protocol.version': z.enum(INTER_BROKER_PROTOCOL_VERSIONS).optional(),
});

const shapeSchema = z.strictObject({
  brokers: count(1).max(MAX_BROKERS),
  replicationFactor: count(1),
  minInsync: count(1),
  partitions: count(1).max(MAX_PARTITIONS),
  /** Controller quorum voters: 1, 3 or 5 (absent = 1, as traces before the quorum). */
  controllers: z.union([z.literal(1), z.literal(3), z.literal(5)]).optional(),
  /** Combined mode: the voters are brokers 1..controllers (process.roles=broker,controller); absent = false. */
  combined: z.boolean().optional(),
  timing: timingSchema,
  /** kafka.version whose defaults and rules apply (model/versions.ts); absent = the newest. */
  kafkaVersion: z.enum(KAFKA_VERSIONS).optional(),
  /** ZooKeeper mode (issue 16): the ensemble's size and chroot; absent = KRaft. */
  zookeeper: z
    .strictObject({
      servers: z.union([z.literal(1), z.literal(3)]),
      chroot: z
        .string()
        .regex(/^(\/[A-Za-z0-9_.-]+)+$/)
        .optional(),
    })
    .optional(),
});

const workloadSchema = z.strictObject({
  producers: nonNegative.max(MAX_CLIENTS),
  consumers: nonNegative.max(MAX_CLIENTS),
  sends: nonNegative,
  keys: nonNegative,
  sendIntervalMs: nonNegative,
  pollIntervalMs: nonNegative,
  autoOffsetReset: z.enum(['latest', 'earliest', 'none']).optional(),
  group: z
    .strictObject({
      consumers: count(1).max(MAX_CLIENTS),
      churnMs: nonNegative,
      offsetsPartitions: count(1).max(MAX_PARTITIONS),
      sessionTimeoutMs: count(1),
      heartbeatIntervalMs: count(1),
      autoCommitIntervalMs: count(1),
      manualCommit: z.boolean().optional(),
      commitSync: z.boolean().optional(),
      stall: z.strictObject({ everyMs: count(1), forMs: count(1), maxPollIntervalMs: count(1) }).optional(),
      assignor: z.literal('cooperative-sticky').optional(),
      protocol: z.literal('consumer').optional(),
    })
    .optional(),
  transactions: z
    .strictObject({
      producers: count(1).max(MAX_CLIENTS),
      ids: count(1).max(MAX_CLIENTS),
      transactions: nonNegative,
      maxSends: count(1),
      abortRatio: z.number().min(0).max(1),
      timeoutMs: count(1),
      intervalMs: nonNegative,
      deliveryTimeoutMs: count(1).optional(),
      statePartitions: count(1).max(MAX_PARTITIONS),
      consumeRatio: z.number().min(0).max(1).optional(),
    })
    .optional(),
  valueBytes: z
    .strictObject({ min: nonNegative.max(MAX_VALUE_BYTES), max: nonNegative.max(MAX_VALUE_BYTES) })
    .optional(),
});

const scenarioInputSchema = z
  .strictObject({ shape: shapeSchema, workload: workloadSchema, faults: z.array(faultSchema), healAtMs: nonNegative })
  .superRefine((input, ctx) => {
    for (const p of shapeProblems(input.shape))
      ctx.addIssue({ code: 'custom', path: ['shape', ...p.path], message: p.message });
    const size = input.workload.valueBytes;
    if (size !== undefined && size.min > size.max)
      ctx.addIssue({ code: 'custom', path: ['workload', 'valueBytes'], message: 'min must not exceed max' });
    input.faults.forEach((f, i) => {
      for (const p of faultProblems(f, input.shape))
        ctx.addIssue({ code: 'custom', path: ['faults', i, ...p.path], message: p.message });
    });
  });

// --- the TypeScript types and the schemas must agree ------------------------------------------

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Out<S extends z.ZodType> = z.output<S>;
/** Each line fails to type-check when faults.ts or input.ts changes and the schema does not. */
type SchemaMatchesTypes = [
  Equals<Out<typeof targetSchema>, Target>,
  Equals<Out<typeof cutSchema>, CutSpec>,
  Equals<Out<typeof actionSchema>, FaultAction>,
  Equals<Out<typeof eventSchema>, EventPattern>,
  Equals<Out<typeof triggerSchema>, Trigger>,
  Equals<Out<typeof faultSchema>, Fault>,
  Equals<Out<typeof timingSchema>, TimingOverrides>,
  Equals<Out<typeof shapeSchema>, ClusterShape>,
  Equals<Out<typeof workloadSchema>, WorkloadShape>,
] extends true[]
  ? true
  : never;
const schemaMatchesTypes: SchemaMatchesTypes = true;
void schemaMatchesTypes;

// --- cross-field rules -------------------------------------------------------------------------

interface Problem {
  path: Array<string | number>;
  message: string;
}

function shapeProblems(s: ClusterShape): Problem[] {
  const out: Problem[] = [];
  if (s.replicationFactor > s.brokers) {
    out.push({
      path: ['replicationFactor'],
      message: `expected at most brokers (${s.brokers}), got ${s.replicationFactor}`,
    });
  }
  if (s.minInsync > s.replicationFactor) {
    out.push({
      path: ['minInsync'],
      message:
        `expected at most replicationFactor (${s.replicationFactor}), got ${s.minInsync}: ` +
        'every acks=all send would fail',
    });
  }
  if (s.zookeeper !== undefined && s.combined === true)
    out.push({ path: ['combined'], message: 'ZooKeeper mode has no KRaft voters to combine with brokers' });
  // Kafka 4.0 removed ZooKeeper mode (KIP-500, KIP-833): 3.x runs it.
  if (s.zookeeper !== undefined && s.kafkaVersion !== undefined && !s.kafkaVersion.startsWith('3.'))
    out.push({ path: ['kafkaVersion'], message: `ZooKeeper mode runs on Kafka 3.x, got ${s.kafkaVersion}` });
  const ibp = s.timing['inter.broker.protocol.version'];
  if (ibp !== undefined && s.zookeeper === undefined)
    out.push({
      path: ['timing', 'inter.broker.protocol.version'],
      message: 'inter.broker.protocol.version is a ZooKeeper-mode setting (KRaft brokers use metadata.version)',
    });
  if (ibp !== undefined && s.kafkaVersion !== undefined && versionAbove(ibp, s.kafkaVersion))
    out.push({
      path: ['timing', 'inter.broker.protocol.version'],
      message: `expected at most kafkaVersion (${s.kafkaVersion}), got ${ibp}`,
    });
  if (s.combined === true && (s.controllers ?? 1) > s.brokers) {
    out.push({
      path: ['combined'],
      message: `combined mode runs a voter on each of brokers 1..${s.controllers}, but there are ${s.brokers} brokers`,
    });
  }
  return out;
}

/** Whether release string `a` (major.minor) is above `b`. */
function versionAbove(a: string, b: string): boolean {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return am > bm || (am === bm && an > bn);
}

/** Broker ids and partition numbers a fault names must exist in the shape. */
function faultProblems(f: Fault, shape: ClusterShape): Problem[] {
  const out: Problem[] = [];
  const brokerId = (path: Array<string | number>, id: number | null) => {
    if (id !== null && id > shape.brokers)
      out.push({ path, message: `expected a broker id 1..${shape.brokers}, got ${id}` });
  };
  const partition = (path: Array<string | number>, p: number | null) => {
    if (p !== null && p >= shape.partitions) {
      out.push({ path, message: `expected a partition 0..${shape.partitions - 1}, got ${p}` });
    }
  };
  for (const { path, target } of targetsOf(f.action)) {
    if (target.kind === 'broker') brokerId([...path, 'id'], target.id);
    if (target.kind === 'leader' || target.kind === 'follower' || target.kind === 'out-of-isr') {
      partition([...path, 'partition'], target.partition);
    }
  }
  if (f.action.kind === 'leader-election') partition(['action', 'partition'], f.action.partition);
  const event = f.trigger.kind === 'at' ? undefined : f.trigger.event;
  if (event !== undefined) {
    brokerId(['trigger', 'event', 'broker'], event.broker);
    partition(['trigger', 'event', 'partition'], event.partition);
    if (event.probe === 'code' && event.codeProbe === undefined)
      out.push({ path: ['trigger', 'event', 'codeProbe'], message: "expected a code probe for probe 'code'" });
    if (event.probe !== 'code' && event.codeProbe !== undefined)
      out.push({ path: ['trigger', 'event', 'codeProbe'], message: "expected no codeProbe unless probe is 'code'" });
  }
  return out;
}

/** Every target an action names, with its path from the fault. */
export function targetsOf(a: FaultAction): Array<{ path: Array<string | number>; target: Target }> {
  const at = (path: Array<string | number>, target: Target) => ({ path: ['action', ...path], target });
  const list = (path: Array<string | number>, ts: readonly Target[]) => ts.map((t, i) => at([...path, i], t));
  switch (a.kind) {
    case 'crash':
    case 'restart':
    case 'pause':
      return [at(['target'], a.target)];
    case 'power-loss':
      return list(['targets'], a.targets);
    case 'slow':
      return a.peer === null ? [at(['target'], a.target)] : [at(['target'], a.target), at(['peer'], a.peer)];
    case 'controller-crash':
    case 'controller-power-loss':
    case 'rolling-restart':
    case 'leader-election':
      return [];
    case 'cut':
      return cutTargets(a.cut).map((t) => at(['cut', ...t.path], t.target));
    default:
      return unreachable(a);
  }
}

function cutTargets(c: CutSpec): Array<{ path: Array<string | number>; target: Target }> {
  const list = (key: string, ts: readonly Target[]) => ts.map((target, i) => ({ path: [key, i], target }));
  switch (c.shape) {
    case 'isolate':
      return [{ path: ['node'], target: c.node }];
    case 'split':
      return list('side', c.side);
    case 'bridge':
      return [{ path: ['bridge'], target: c.bridge }, ...list('left', c.left)];
    case 'one-way':
      return [...list('from', c.from), ...list('to', c.to)];
    case 'link':
      return [
        { path: ['a'], target: c.a },
        { path: ['b'], target: c.b },
      ];
    default:
      return unreachable(c);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

/** A value as an error message quotes it. */
function shown(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}

function fieldOf(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

// --- parsing -----------------------------------------------------------------------------------

/** A JSON path as people write it: `faults[0].action.kind`. */
function jsonPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out === '' ? String(k) : `.${String(k)}`;
  return out === '' ? '(top level)' : out;
}

/** The first problem of a failed parse, as one line: `path: what was expected`. */
export function firstIssue(error: z.ZodError, prefix: ReadonlyArray<PropertyKey> = []): string {
  const issue = error.issues[0];
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return `${jsonPath(path)}: missing${issue.expected === 'nonoptional' ? '' : ` (expected ${issue.expected})`}`;
  }
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(', ');
    return `${jsonPath(path)}: unexpected field${issue.keys.length === 1 ? '' : 's'} ${keys}`;
  }
  return `${jsonPath(path)}: ${issue.message}`;
}

export type ParsedInput = { ok: true; input: ScenarioInput } | { ok: false; reason: string };

/** Validates a ScenarioInput read from JSON; `prefix` is its path in the enclosing file. */
export function parseScenarioInput(value: unknown, prefix: ReadonlyArray<PropertyKey> = []): ParsedInput {
  const r = scenarioInputSchema.safeParse(value, { reportInput: true });
  return r.success ? { ok: true, input: r.data } : { ok: false, reason: firstIssue(r.error, prefix) };
}
