// Array helpers for the model's hot paths. Assumes V8: setting an array's `length` below its
// capacity (`list.length = kept`, `list.length = 0`) trims the backing store, so the next push
// allocates a new one; `pop()` keeps it. A list emptied and refilled at every event (waiting
// requests, a look's entries) is shortened by pops instead.

/** Shortens `list` to its first `n` elements, keeping its backing store (no allocation at the next push). */
export function shortenTo<T>(list: T[], n: number): void {
  while (list.length > n) list.pop();
}
