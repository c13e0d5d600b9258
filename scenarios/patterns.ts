// Fault patterns: short chains of faults, each one a generic shape of trouble that
// replication protocols are known to be sensitive to, with every parameter random. They are
// to the swarm what Jepsen's nemesis packages are to a test: building blocks that put a
// fault inside a narrow protocol window far more often than independent random faults do.
//
// Each pattern is written from Kafka's replication mechanics (KAFKA-NOTES.md: HW
// propagation lags one fetch; elections wait for the session timeout; metadata reaches
// brokers only from the controller; ISR changes go through an AlterPartition round trip),
// never from a protocol variant: the same patterns run against every variant, and nothing
// here can tell which one is on. Steps after the first are chained with 'after' triggers,
// so targets resolve when each step fires ("the leader" 10 s later is the new leader) and
// the brokers the first event named carry over ("the replica just added to the ISR").

import fc from 'fast-check';
import type { FaultArbOptions } from './arbitraries.ts';
import { afterDelayUsArb, delayUsArb, outageMsArb } from './durations.ts';
import type { CutSpec, EventPattern, Fault, FaultAction, Target, Trigger, TriggerProbe } from './faults.ts';

export const PATTERN_KINDS = [
  'fail-after-fetch',
  'fail-after-isr-change',
  'lagging-replica-rejoins',
  'lost-alter-partition',
  'zombie-follower',
  'zombie-leader',
  'in-flight-alter-partition',
  'isr-shrinks-to-leader',
  'stale-leader-view',
  'double-failover',
  'divergent-failovers',
  'power-loss-after-ack',
] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];

type Shape = { brokers: number; partitions: number };

const LEADER: Target = { kind: 'leader', partition: 0 };
const CONTROLLER: Target = { kind: 'controller' };
/** The first follower in assignment order: the one the controller elects next when it is in the ISR. */
const SUCCESSOR: Target = { kind: 'follower', partition: 0, index: 0 };

function onEvent(
  shape: Shape,
  probe: TriggerProbe,
  opts: FaultArbOptions,
  extra: Partial<EventPattern> = {},
  nthMax = 3,
): fc.Arbitrary<Trigger> {
  return fc
    .record({
      nth: fc.integer({ min: 1, max: nthMax }),
      afterMs: fc.integer({ min: 0, max: opts.windowMs }),
      delayUs: delayUsArb(),
      partition: fc.oneof(
        { arbitrary: fc.constant(null), weight: 3 },
        { arbitrary: fc.integer({ min: 0, max: shape.partitions - 1 }), weight: 1 },
      ),
    })
    .map(
      ({ nth, afterMs, delayUs, partition }): Trigger => ({
        kind: 'on',
        event: { probe, broker: null, partition, change: 'any', appendedOnly: false, ...extra },
        nth,
        afterMs,
        delayUs,
      }),
    );
}

const atArb = (opts: FaultArbOptions) =>
  fc.integer({ min: 0, max: opts.windowMs }).map((atMs): Trigger => ({ kind: 'at', atMs }));
const after = (delay: fc.Arbitrary<number> = afterDelayUsArb()) =>
  delay.map((delayUs): Trigger => ({ kind: 'after', delayUs }));
const fault = (trigger: Trigger, action: FaultAction): Fault => ({ trigger, action });

/** Takes a broker out of service: kill -9, clean shutdown, or cut off from everyone. */
function knockOut(target: Target, minMs = 6_000, maxMs = 25_000): fc.Arbitrary<FaultAction> {
  const down = fc.integer({ min: minMs, max: maxMs });
  return fc.oneof(
    { arbitrary: down.map((downMs): FaultAction => ({ kind: 'crash', target, downMs })), weight: 4 },
    { arbitrary: down.map((downMs): FaultAction => ({ kind: 'restart', target, downMs })), weight: 1 },
    {
      arbitrary: down.map(
        (durationMs): FaultAction => ({ kind: 'cut', cut: { shape: 'isolate', node: target }, durationMs }),
      ),
      weight: 2,
    },
  );
}

/** Cuts a broker off from one peer (the leader it fetches from, or the controller). */
function cutLink(a: Target, b: Target, minMs = 2_000, maxMs = 40_000): fc.Arbitrary<FaultAction> {
  return fc
    .integer({ min: minMs, max: maxMs })
    .map((durationMs): FaultAction => ({ kind: 'cut', cut: { shape: 'link', a, b }, durationMs }));
}

/** A chained step that waits for the nth matching event after the previous step fired. */
function afterEvent(
  probe: TriggerProbe,
  extra: Partial<EventPattern> = {},
  nthMax = 3,
  delay: fc.Arbitrary<number> = fc.constantFrom(0, 0, 0, 50, 500, 2_000),
): fc.Arbitrary<Trigger> {
  return fc.record({ nth: fc.integer({ min: 1, max: nthMax }), delayUs: delay }).map(
    ({ nth, delayUs }): Trigger => ({
      kind: 'after',
      delayUs,
      nth,
      event: { probe, broker: null, partition: null, change: 'any', appendedOnly: false, ...extra },
    }),
  );
}

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the pattern table, one short case per kind
export function patternArb(kind: PatternKind, shape: Shape, opts: FaultArbOptions): fc.Arbitrary<Fault[]> {
  const follower = fc.integer({ min: 0, max: 3 }).map((index): Target => ({ kind: 'follower', partition: 0, index }));
  const start = fc.oneof(
    atArb(opts),
    onEvent(shape, 'produce-ack', opts, {}, 40),
    onEvent(shape, 'follower-fetch', opts, { appendedOnly: true }, 40),
  );
  // Long chains (their steps wait out the ISR lag, elections, resends) start in the first
  // third of the window, so that they play out while the workload still writes and before
  // the heal.
  const early: FaultArbOptions = { ...opts, windowMs: Math.max(1, Math.floor(opts.windowMs / 3)) };
  const startEarly = fc.oneof(
    atArb(early),
    onEvent(shape, 'produce-ack', early, {}, 40),
    onEvent(shape, 'follower-fetch', early, { appendedOnly: true }, 40),
  );
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
  const chain = (steps: Array<[Trigger, FaultAction] | undefined>): Fault[] =>
    steps.filter((x): x is [Trigger, FaultAction] => x !== undefined).map(([t, a]) => fault(t, a));
  // Subjects of alter-partition-sent: [the leader that sends it, the replicas it adds or removes...].
  const sender: Target = { kind: 'subject', index: 0 };
  const named: Target = { kind: 'subject', index: 1 };
  switch (kind) {
    case 'fail-after-fetch':
      // The follower has the records but not yet the HW that covers them.
      return fc
        .tuple(
          onEvent(shape, 'follower-fetch', opts, { appendedOnly: true }, 40),
          knockOut(LEADER),
          maybe(fc.tuple(after(), knockOut(LEADER))),
        )
        .map(([t, a, next]) => chain([[t, a], next]));
    case 'fail-after-isr-change': {
      const subject = fc.integer({ min: 0, max: 2 }).map((index): Target => ({ kind: 'subject', index }));
      const act = fc.oneof(
        knockOut(LEADER),
        subject.chain((s) => cutLink(s, LEADER)),
        subject.chain((s) => knockOut(s)),
      );
      return fc
        .tuple(
          fc.oneof(
            onEvent(shape, 'isr-change', opts, { change: 'expand' }),
            onEvent(shape, 'isr-change', opts, { change: 'shrink' }),
            onEvent(shape, 'alter-partition-applied', opts, { change: 'expand' }),
          ),
          act,
          maybe(fc.tuple(after(), knockOut(LEADER))),
        )
        .map(([t, a, next]) => chain([[t, a], next]));
    }
    case 'lagging-replica-rejoins':
      return fc
        .tuple(
          startEarly,
          follower.chain((f) => cutLink(f, LEADER, 5_000, 45_000)),
          afterEvent('produce-ack', {}, 80, fc.constantFrom(0, 0, 200)),
          knockOut(LEADER, 6_000, 30_000),
          afterEvent('alter-partition-sent', { change: 'expand' }, 2, fc.constant(0)),
          fc.oneof(cutLink(named, sender, 10_000, 45_000), knockOut(named, 5_000, 20_000)),
          maybe(fc.tuple(after(fc.integer({ min: 0, max: 15_000_000 })), knockOut(LEADER, 6_000, 20_000))),
        )
        .map(([t0, a0, t1, a1, t2, a2, next]) => chain([[t0, a0], [t1, a1], [t2, a2], next]));
    case 'lost-alter-partition': {
      // The probe fires as the request leaves: only a cut can still lose it in flight (a slow
      // link delays later messages only). The leader resends after its request timeout.
      const lose = fc
        .oneof(
          { arbitrary: fc.integer({ min: 1, max: 100 }), weight: 3 },
          { arbitrary: fc.integer({ min: 100, max: 20_000 }), weight: 1 },
        )
        .map(
          (durationMs): FaultAction => ({
            kind: 'cut',
            cut: { shape: 'one-way', from: [sender], to: [CONTROLLER] },
            durationMs,
          }),
        );
      const powerLoss = fc
        .integer({ min: 50, max: 5_000 })
        .map((downMs): FaultAction => ({ kind: 'power-loss', targets: [named], downMs, tornTail: false }));
      // What happens to the named follower meanwhile: one action, or two at the same instant.
      const meanwhile: fc.Arbitrary<FaultAction[]> = fc.oneof(
        cutLink(named, sender, 20_000, 60_000).map((a) => [a]),
        powerLoss.map((a) => [a]),
        knockOut(named, 2_000, 20_000).map((a) => [a]),
        // It comes back with an empty disk and cannot reach the leader until after the resend.
        fc.tuple(powerLoss, cutLink(named, sender, 30_000, 60_000)),
      );
      return fc
        .tuple(
          startEarly,
          follower.chain((f) => cutLink(f, LEADER, 5_000, 45_000)),
          afterEvent('alter-partition-sent', { change: 'expand' }, 1, fc.constant(0)),
          lose,
          after(fc.constantFrom(0, 0, 100, 1_000, 100_000)),
          meanwhile,
          maybe(fc.tuple(after(fc.integer({ min: 5_000_000, max: 45_000_000 })), knockOut(LEADER, 6_000, 20_000))),
        )
        .map(([t0, a0, t1, a1, t2, [a2, a2b], next]) =>
          chain([
            [t0, a0],
            [t1, a1],
            [t2, a2],
            a2b === undefined ? undefined : [{ kind: 'after', delayUs: 0 }, a2b],
            next,
          ]),
        );
    }
    case 'zombie-follower':
      // No metadata reaches it, so it keeps fetching from whoever it last knew as leader. The
      // optional first cut makes another follower (never the zombie) fall behind, so the
      // leader holds a suffix that only it and the zombie have when leadership moves.
      return fc
        .integer({ min: 0, max: 3 })
        .chain((z) =>
          fc.tuple(
            startEarly,
            maybe(
              fc.tuple(
                fc.constant<Trigger>({ kind: 'after', delayUs: 0 }),
                cutLink({ kind: 'follower', partition: 0, index: z + 1 }, LEADER, 2_000, 20_000),
              ),
            ),
            cutLink({ kind: 'follower', partition: 0, index: z }, CONTROLLER, 20_000, 60_000),
            after(fc.integer({ min: 0, max: 3_000_000 })),
            fc.oneof(knockOut(LEADER, 3_000, 20_000), cutLink(LEADER, CONTROLLER, 8_000, 30_000)),
            after(fc.integer({ min: 6_000_000, max: 25_000_000 })),
            fc.oneof(knockOut(LEADER, 3_000, 20_000), cutLink(LEADER, CONTROLLER, 8_000, 30_000)),
          ),
        )
        .map(([t0, pre, cut, t1, a1, t2, a2]) => {
          // With the optional first cut, the zombie cut is chained right after it.
          if (pre === undefined)
            return chain([
              [t0, cut],
              [t1, a1],
              [t2, a2],
            ]);
          return chain([
            [t0, pre[1]],
            [pre[0], cut],
            [t1, a1],
            [t2, a2],
          ]);
        });
    case 'zombie-leader':
      return fc
        .tuple(
          startEarly,
          maybe(follower.chain((f) => cutLink(f, LEADER, 2_000, 30_000))),
          after(fc.integer({ min: 0, max: 3_000_000 })),
          fc.oneof(
            cutLink(LEADER, CONTROLLER, 8_000, 40_000),
            fc.integer({ min: 8_000, max: 40_000 }).map(
              (durationMs): FaultAction => ({
                kind: 'cut',
                cut: { shape: 'one-way', from: [CONTROLLER], to: [LEADER] },
                durationMs,
              }),
            ),
          ),
          after(fc.integer({ min: 6_000_000, max: 25_000_000 })),
          fc.oneof(knockOut(LEADER, 3_000, 20_000), cutLink(LEADER, CONTROLLER, 8_000, 30_000)),
        )
        .map(([t0, pre, t1, a1, t2, a2]) =>
          pre === undefined
            ? chain([
                [t0, a1],
                [t2, a2],
              ])
            : chain([
                [t0, pre],
                [t1, a1],
                [t2, a2],
              ]),
        );
    case 'in-flight-alter-partition': {
      // The controller applies the change but its answer is lost: the leader keeps its old
      // view until it retries, while the replica it named is cut off and leaders fail.
      const loseAnswer = fc.integer({ min: 1, max: 20_000 }).map(
        (durationMs): FaultAction => ({
          kind: 'cut',
          cut: { shape: 'one-way', from: [CONTROLLER], to: [sender] },
          durationMs,
        }),
      );
      // The AlterPartition is either any one of the run (other faults cause ISR changes), or
      // one the pattern brings about itself: a follower cut from the leader leaves the ISR
      // and, once the cut heals and it has caught up, comes back (the expansion).
      const lead = fc.option(
        fc.tuple(
          startEarly,
          follower.chain((f) => cutLink(f, LEADER, 5_000, 45_000)),
          afterEvent('alter-partition-sent', { change: 'expand' }, 1, fc.constant(0)),
        ),
        {
          nil: undefined,
        },
      );
      return fc
        .tuple(
          lead,
          onEvent(shape, 'alter-partition-sent', opts, {}, 3).map((t) => ({ ...t, delayUs: 0 }) as Trigger),
          loseAnswer,
          after(fc.constantFrom(0, 0, 100, 1_000)),
          fc.oneof(
            { arbitrary: cutLink(named, sender, 5_000, 40_000), weight: 2 },
            { arbitrary: knockOut(named, 3_000, 20_000), weight: 1 },
          ),
          // Later on (once the stale view has done its damage) the leaders may fail.
          fc.option(fc.tuple(after(fc.integer({ min: 2_000_000, max: 30_000_000 })), knockOut(sender, 3_000, 20_000)), {
            nil: undefined,
            freq: 3,
          }),
          maybe(fc.tuple(after(fc.integer({ min: 0, max: 20_000_000 })), knockOut(LEADER, 3_000, 20_000))),
        )
        .map(([lead, t0, lost, t1, a1, m1, m2]) =>
          lead === undefined
            ? chain([[t0, lost], [t1, a1], m1, m1 === undefined ? undefined : m2])
            : chain([[lead[0], lead[1]], [lead[2], lost], [t1, a1], m1, m1 === undefined ? undefined : m2]),
        );
    }
    case 'isr-shrinks-to-leader':
      return fc
        .tuple(
          startEarly,
          cutLink({ kind: 'follower', partition: 0, index: 0 }, LEADER, 10_000, 45_000),
          afterEvent('isr-change', { change: 'shrink' }, 1, fc.constantFrom(0, 1_000_000)),
          cutLink({ kind: 'follower', partition: 0, index: 1 }, LEADER, 10_000, 45_000),
          afterEvent('isr-change', { change: 'shrink' }, 1, fc.constantFrom(0, 500_000, 2_000_000)),
          fc.oneof(
            fc
              .record({ downMs: fc.integer({ min: 100, max: 20_000 }), tornTail: fc.boolean() })
              .map((r): FaultAction => ({ kind: 'power-loss', targets: [LEADER], ...r })),
            knockOut(LEADER, 3_000, 20_000),
          ),
        )
        .map(([t0, a0, t1, a1, t2, a2]) =>
          chain([
            [t0, a0],
            [t1, a1],
            [t2, a2],
          ]),
        );
    case 'stale-leader-view': {
      const first = fc.integer({ min: 0, max: 3 });
      return fc
        .tuple(
          startEarly,
          first,
          fc.integer({ min: 5_000, max: 40_000 }),
          after(fc.integer({ min: 0, max: 3_000_000 })),
          fc.integer({ min: 15_000, max: 60_000 }),
          after(fc.integer({ min: 0, max: 3_000_000 })),
          fc.record({ downMs: fc.integer({ min: 50, max: 5_000 }), tornTail: fc.boolean() }),
          fc.integer({ min: 10_000, max: 45_000 }),
        )
        .map(([t0, y, yCutMs, t1, staleMs, t2, pl, deafMs]) => {
          const yTarget: Target = { kind: 'follower', partition: 0, index: y };
          const fTarget: Target = { kind: 'follower', partition: 0, index: y + 1 };
          return chain([
            [t0, { kind: 'cut', cut: { shape: 'link', a: yTarget, b: LEADER }, durationMs: yCutMs }],
            [t1, { kind: 'cut', cut: { shape: 'one-way', from: [CONTROLLER], to: [LEADER] }, durationMs: staleMs }],
            [t2, { kind: 'power-loss', targets: [fTarget], downMs: pl.downMs, tornTail: pl.tornTail }],
            [
              { kind: 'after', delayUs: 0 },
              { kind: 'cut', cut: { shape: 'one-way', from: [LEADER], to: [fTarget] }, durationMs: deafMs },
            ],
          ]);
        });
    }
    case 'divergent-failovers': {
      // KIP-101/KIP-279's "fast leader changes": each leader change leaves a different
      // uncommitted suffix behind, and the next leader must reconcile all of them. The
      // follower next in line falls behind (its link to the leader is cut, for less than it
      // takes to leave the ISR); the leader fails, so that follower takes over without the
      // last records; as it does, no follower can reach it, so it writes a suffix of its own
      // (the producers' retries, interleaved differently) that nobody else has; it fails in
      // turn and a third replica, still holding the first leader's suffix, leads.
      const everyFollower: Target[] = [0, 1, 2, 3].map((index) => ({ kind: 'follower', partition: 0, index }));
      return fc
        .tuple(
          startEarly,
          cutLink(SUCCESSOR, LEADER, 5_000, 40_000),
          after(fc.integer({ min: 0, max: 3_000_000 })),
          knockOut(LEADER, 3_000, 25_000),
          afterEvent('leader-change', {}, 1, fc.constant(0)),
          fc.integer({ min: 10_000, max: 45_000 }).map(
            (durationMs): FaultAction => ({
              kind: 'cut',
              cut: { shape: 'one-way', from: everyFollower, to: [LEADER] },
              durationMs,
            }),
          ),
          after(fc.integer({ min: 3_000_000, max: 30_000_000 })),
          knockOut(LEADER, 3_000, 25_000),
        )
        .map(([t0, a0, t1, a1, t2, a2, t3, a3]) =>
          chain([
            [t0, a0],
            [t1, a1],
            [t2, a2],
            [t3, a3],
          ]),
        );
    }
    case 'double-failover':
      return fc
        .tuple(
          start,
          knockOut(LEADER, 3_000, 25_000),
          after(fc.integer({ min: 5_000_000, max: 20_000_000 })),
          knockOut(LEADER, 3_000, 25_000),
        )
        .map(([t0, a0, t1, a1]) =>
          chain([
            [t0, a0],
            [t1, a1],
          ]),
        );
    case 'power-loss-after-ack':
      return fc
        .tuple(onEvent(shape, 'produce-ack', opts, {}, 40), outageMsArb(), fc.boolean())
        .map(([t, downMs, tornTail]) => [fault(t, { kind: 'power-loss', targets: [LEADER], downMs, tornTail })]);
  }
}

export type { CutSpec };
