// The determinism check (DESIGN §2): run a scenario twice from the same seed with every
// kernel event recorded and message contents folded into the hash, then compare the two
// runs event by event. On a mismatch it names the first pair of events that differ (index,
// virtual time, node, kind, label, detail), which points at the handler that read real time
// or real randomness, iterated an unordered structure, or kept state across runs.
//
// Assumes the scenario builds a fresh Simulation from the options it is given (passing them
// through unchanged: seed, recordEvents, deepHash), runs it, and returns it; anything it
// keeps across calls is itself a determinism bug this check can catch. The fuzzer's
// --check-determinism reuses `checkDeterminism`; runs made elsewhere (another worker, an
// earlier process) can be compared with `compareRuns`.

import type { KernelTraceEvent, SimulationOptions } from './types.ts';

/** What the check needs from a finished run: a Simulation satisfies it. */
export interface RecordedRun {
  hash(): string;
  readonly events: readonly KernelTraceEvent[];
  readonly eventCount: number;
}

/** Builds a simulation from exactly these options, runs it, returns it. */
export type DeterminismScenario = (options: SimulationOptions) => RecordedRun;

/** The first position where two recorded runs disagree; an absent side ran out of events. */
export interface EventDifference {
  readonly index: number;
  readonly first: KernelTraceEvent | undefined;
  readonly second: KernelTraceEvent | undefined;
  /** The last event both runs agree on, for context. */
  readonly lastCommon: KernelTraceEvent | undefined;
}

export type DeterminismVerdict =
  | { readonly deterministic: true; readonly seed: number; readonly hash: string; readonly events: number }
  | {
      readonly deterministic: false;
      readonly seed: number;
      readonly hashes: readonly [string, string];
      /** Undefined only if the recorded events agree but the hashes do not. */
      readonly difference: EventDifference | undefined;
      /** One paragraph naming the first differing pair. */
      readonly message: string;
    };

/** Run `scenario` twice from `seed` with recording and deep hashing on; compare. */
export function checkDeterminism(
  scenario: DeterminismScenario,
  seed: number,
  extra: Omit<SimulationOptions, 'seed' | 'recordEvents' | 'deepHash'> = {},
): DeterminismVerdict {
  const options = (): SimulationOptions => ({ ...extra, seed, recordEvents: true, deepHash: true });
  const first = scenario(options());
  const second = scenario(options());
  return compareRuns(first, second, seed);
}

/** Compare two recorded runs of the same seed. */
export function compareRuns(first: RecordedRun, second: RecordedRun, seed: number): DeterminismVerdict {
  const hashes = [first.hash(), second.hash()] as const;
  const difference = firstDifference(first.events, second.events);
  if (difference === undefined && hashes[0] === hashes[1]) {
    return { deterministic: true, seed, hash: hashes[0], events: first.events.length };
  }
  const message =
    difference === undefined
      ? `seed ${seed}: the recorded events agree but the hashes differ (${hashes[0]} vs ${hashes[1]}); was recording ` +
        `off in one run?`
      : describeDifference(seed, difference);
  return { deterministic: false, seed, hashes, difference, message };
}

/** The first index where two event lists differ, or undefined if they are equal. */
export function firstDifference(
  a: readonly KernelTraceEvent[],
  b: readonly KernelTraceEvent[],
): EventDifference | undefined {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (!sameEvent(a[i], b[i]))
      return { index: i, first: a[i], second: b[i], lastCommon: i > 0 ? a[i - 1] : undefined };
  }
  if (a.length === b.length) return undefined;
  return { index: n, first: a[n], second: b[n], lastCommon: n > 0 ? a[n - 1] : undefined };
}

export function sameEvent(x: KernelTraceEvent, y: KernelTraceEvent): boolean {
  return (
    x.timeUs === y.timeUs &&
    x.kind === y.kind &&
    x.node === y.node &&
    x.from === y.from &&
    x.label === y.label &&
    x.detail === y.detail
  );
}

/** One line per event: `#12 t=1500µs deliver node 2 ← 0 append {...}`. */
export function describeEvent(ev: KernelTraceEvent | undefined, detailChars = 160): string {
  if (ev === undefined) return '(no event: this run had ended)';
  const arrow = ev.from >= 0 ? ` ← ${ev.from}` : '';
  const node = ev.node >= 0 ? ` node ${ev.node}${arrow}` : '';
  let detail = '';
  if (ev.detail !== undefined) {
    detail = ' ' + (ev.detail.length > detailChars ? ev.detail.slice(0, detailChars) + '…' : ev.detail);
  }
  return `#${ev.seq} t=${ev.timeUs}µs ${ev.kind}${node} ${ev.label}${detail}`;
}

export function describeDifference(seed: number, d: EventDifference): string {
  return [
    `seed ${seed} is not deterministic: the runs first differ at event #${d.index}`,
    `  run 1: ${describeEvent(d.first)}`,
    `  run 2: ${describeEvent(d.second)}`,
    `  last common event: ${d.lastCommon === undefined ? '(none)' : describeEvent(d.lastCommon)}`,
  ].join('\n');
}
