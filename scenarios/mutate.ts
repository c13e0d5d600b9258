// Mutations of a scenario input, for guided campaigns (campaign/guided.ts, issue 18 item 2):
// a schedule that reached a rare protocol situation is changed a little (shift a trigger,
// change a target, add or drop a fault, swap a fault kind, draw a new trigger) in the hope
// of reaching it again and going further. Shape and workload stay as they are.
//
// What must hold: a mutated input is a valid ScenarioInput (scenarios/schema.ts) of the same
// shape: every broker id, partition and event filter it names exists, because every new part
// is drawn with the arbitraries of the swarm (arbitraries.ts, patterns.ts) for that shape. It
// is a pure function of the input and a 32-bit seed (fast-check draws), so the campaign that
// made it and anyone re-running it get the same input. Nothing here knows the variant.

import fc from 'fast-check';
import {
  TRIGGER_CODE_PROBES,
  actionArb,
  brokerTargetArb,
  endpointArb,
  faultArb,
  processTargetArb,
  triggerArb,
} from './arbitraries.ts';
import { afterDelayUsArb, delayUsArb, outageMsArb } from './durations.ts';
import { FAULT_KINDS, type Fault, type FaultAction, type Target, type Trigger } from './faults.ts';
import type { ScenarioInput } from './input.ts';
import { SWARM_MAX_FAULTS, windowFor } from './named.ts';
import { PATTERN_KINDS, patternArb } from './patterns.ts';

const MUTATION_KINDS = ['shift-trigger', 'new-trigger', 'retarget', 'add-fault', 'drop-fault', 'swap-kind'] as const;
type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutated {
  input: ScenarioInput;
  /** The mutations applied, in order. */
  mutations: MutationKind[];
}

type Shape = { brokers: number; partitions: number };

/** Applies 1..3 mutations to `input`, drawn from `seed` (a 32-bit integer). */
export function mutateInput(input: ScenarioInput, seed: number, maxFaults: number = SWARM_MAX_FAULTS): Mutated {
  return fc.sample(mutatedArb(input, maxFaults), { seed, numRuns: 1 })[0];
}

function mutatedArb(input: ScenarioInput, maxFaults: number): fc.Arbitrary<Mutated> {
  const steps = fc.oneof(
    { arbitrary: fc.constant(1), weight: 4 },
    { arbitrary: fc.constant(2), weight: 2 },
    { arbitrary: fc.constant(3), weight: 1 },
  );
  return fc.noBias(
    steps.chain((n) => {
      let arb: fc.Arbitrary<Mutated> = fc.constant({ input, mutations: [] });
      for (let i = 0; i < n; i++) arb = arb.chain((m) => stepArb(m, maxFaults));
      return arb;
    }),
  );
}

/** One mutation of the input, from those that apply to it. */
function stepArb(m: Mutated, maxFaults: number): fc.Arbitrary<Mutated> {
  const faults = m.input.faults;
  const kinds = MUTATION_KINDS.filter((k) => {
    if (k === 'add-fault') return faults.length < maxFaults;
    return faults.length > 0;
  });
  if (kinds.length === 0) return fc.constant(m);
  return fc
    .constantFrom(...kinds)
    .chain((kind) =>
      mutationArb(kind, m.input, maxFaults).map((input): Mutated => ({ input, mutations: [...m.mutations, kind] })),
    );
}

function mutationArb(kind: MutationKind, input: ScenarioInput, maxFaults: number): fc.Arbitrary<ScenarioInput> {
  const shape: Shape = input.shape;
  const windowMs = windowFor(input.workload);
  const faults = input.faults;
  const index = fc.integer({ min: 0, max: Math.max(0, faults.length - 1) });
  const replace = (i: number, f: Fault): ScenarioInput => ({
    ...input,
    faults: faults.map((x, j) => (j === i ? f : x)),
  });
  switch (kind) {
    case 'shift-trigger':
      return index.chain((i) =>
        shiftedTriggerArb(faults[i].trigger, windowMs).map((t) => replace(i, { ...faults[i], trigger: t })),
      );
    case 'new-trigger':
      return index.chain((i) => triggerArb(shape, { windowMs }).map((t) => replace(i, { ...faults[i], trigger: t })));
    case 'retarget':
      return index.chain((i) =>
        retargetedArb(faults[i].action, shape).map((a) => replace(i, { ...faults[i], action: a })),
      );
    case 'swap-kind':
      return fc
        .record({ i: index, kind: fc.constantFrom(...FAULT_KINDS) })
        .chain(({ i, kind: k }) =>
          actionArb(k, shape, { windowMs }).map((a) => replace(i, { ...faults[i], action: a })),
        );
    case 'drop-fault':
      return index.map((i) => ({ ...input, faults: faults.filter((_, j) => j !== i) }));
    case 'add-fault':
      return fc
        .record({
          at: fc.integer({ min: 0, max: faults.length }),
          added: fc.oneof(
            {
              arbitrary: fc.constantFrom(...FAULT_KINDS).chain((k) => faultArb(k, shape, { windowMs }).map((f) => [f])),
              weight: 3,
            },
            {
              arbitrary: fc.constantFrom(...PATTERN_KINDS).chain((k) => patternArb(k, shape, { windowMs })),
              weight: 1,
            },
          ),
        })
        .map(({ at, added }) => ({
          ...input,
          faults: [...faults.slice(0, at), ...added, ...faults.slice(at)].slice(0, maxFaults),
        }));
    default:
      return unreachable(kind);
  }
}

/** The same trigger a little earlier or later: another time, another nth, another delay. */
function shiftedTriggerArb(t: Trigger, windowMs: number): fc.Arbitrary<Trigger> {
  switch (t.kind) {
    case 'at':
      return fc
        .integer({ min: -Math.ceil(windowMs / 4), max: Math.ceil(windowMs / 4) })
        .map((d): Trigger => ({ ...t, atMs: clamp(t.atMs + d, 0, windowMs) }));
    case 'on':
      return fc.oneof(
        fc.integer({ min: -3, max: 3 }).map((d): Trigger => ({ ...t, nth: Math.max(1, t.nth + d) })),
        // A code-probe trigger may wait for another probe of the catalog instead.
        t.event.probe === 'code'
          ? fc
              .constantFrom(...TRIGGER_CODE_PROBES)
              .map((codeProbe): Trigger => ({ ...t, event: { ...t.event, codeProbe } }))
          : fc.integer({ min: -3, max: 3 }).map((d): Trigger => ({ ...t, nth: Math.max(1, t.nth + d) })),
        fc
          .integer({ min: -Math.ceil(windowMs / 4), max: Math.ceil(windowMs / 4) })
          .map((d): Trigger => ({ ...t, afterMs: clamp(t.afterMs + d, 0, windowMs) })),
        delayUsArb().map((delayUs): Trigger => ({ ...t, delayUs })),
      );
    case 'after':
      return fc.oneof(
        afterDelayUsArb().map((delayUs): Trigger => ({ ...t, delayUs })),
        fc.integer({ min: 1, max: 3 }).map((nth): Trigger => (t.event === undefined ? t : { ...t, nth })),
      );
    default:
      return unreachable(t);
  }
}

/** The same action on another node (or, for actions without a target, with other parameters). */
function retargetedArb(a: FaultAction, shape: Shape): fc.Arbitrary<FaultAction> {
  const broker = brokerTargetArb(shape);
  const endpoint = endpointArb(shape);
  const anyNode = processTargetArb(shape);
  switch (a.kind) {
    case 'crash':
      return anyNode.map((target): FaultAction => ({ ...a, target }));
    case 'restart':
      return broker.map((target): FaultAction => ({ ...a, target }));
    case 'pause':
      return endpoint.map((target): FaultAction => ({ ...a, target }));
    case 'power-loss':
      return fc
        .record({ i: fc.integer({ min: 0, max: a.targets.length - 1 }), t: anyNode })
        .map(({ i, t }): FaultAction => ({ ...a, targets: a.targets.map((x, j): Target => (j === i ? t : x)) }));
    case 'slow':
      return fc.oneof(
        broker.map((target): FaultAction => ({ ...a, target })),
        fc.oneof(fc.constant(null), endpoint).map((peer): FaultAction => ({ ...a, peer })),
      );
    case 'cut':
      return actionArb('cut', shape, { windowMs: 1 }).map(
        (c): FaultAction => (c.kind === 'cut' ? { ...c, durationMs: a.durationMs } : c),
      );
    case 'controller-crash':
      return outageMsArb().map((downMs): FaultAction => ({ ...a, downMs }));
    case 'controller-power-loss':
      return fc.record({ downMs: outageMsArb(), tornTail: fc.boolean() }).map((r): FaultAction => ({ ...a, ...r }));
    case 'rolling-restart':
      return fc.integer({ min: 100, max: 5_000 }).map((downMs): FaultAction => ({ ...a, downMs }));
    case 'leader-election':
      return fc
        .record({
          partition: fc.integer({ min: 0, max: shape.partitions - 1 }),
          election: fc.constantFrom('preferred' as const, 'unclean' as const),
        })
        .map((r): FaultAction => ({ ...a, ...r }));
    default:
      return unreachable(a);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
