// Assertions for data-structure facts of the model that hold under every protocol variant
// (HW ≤ LEO, an ascending epoch cache, truncation targets inside the log, contiguous batch
// sequences). A failed one throws, and the driver ends the run as `crash` with the seed, like
// any exception. Protocol safety is not asserted here: variants break it on purpose and the
// checkers judge it.
//
// Cheap on the hot path: the caller passes the fact as a constant template and the values as
// arguments, so nothing is allocated (no message string, no closure, no array) unless the
// condition is false.

/** The values a message names: numbers, or short identifiers such as a partition directory. */
type Shown = number | string;

/** A model assertion that failed; its message names the fact and the values. */
export class ModelAssertionError extends Error {
  override readonly name = 'ModelAssertionError';
}

/**
 * Throws ModelAssertionError when `condition` is false. `fact` is the rule, with `{}` marking
 * where each of `a`..`e` goes, e.g. `assert(hw <= leo, 'HW ≤ LEO in {}: HW {} > LEO {}', dir, hw, leo)`.
 */
export function assert(
  condition: boolean,
  fact: string,
  a?: Shown,
  b?: Shown,
  c?: Shown,
  d?: Shown,
  e?: Shown,
): asserts condition {
  if (!condition) throw new ModelAssertionError(assertionMessage(fact, [a, b, c, d, e]));
}

/** `model assertion failed: ` and the fact with each `{}` replaced by the next value. */
function assertionMessage(fact: string, values: ReadonlyArray<Shown | undefined>): string {
  let next = 0;
  const filled = fact.replace(/\{\}/g, () => String(values[next++]));
  return `model assertion failed: ${filled}`;
}
