// The shape the linearizability search works on: one independent sub-history
// (P-compositionality: a key, a register, a topic-partition), its operations in invoke order
// with their real-time windows as history positions, and the model compiled to integer-coded
// states (state ids are small non-negative integers; equal ids mean equal states).

import type { Operation } from '../ops.ts';

/** Return position of an operation whose outcome is unknown: after every event. */
export const NEVER_RETURNS = 0x7fffffff;

export interface CompiledPartition {
  /** Display key of the partition ("t/0", "key 7", "register"). */
  key: string;
  /** How sentences name it: "the register", "key \"7\"", "partition t/0". */
  label: string;
  ops: Operation[];
  /** History position of each op's invoke, increasing. */
  callPos: Int32Array;
  /** History position of each op's completion, NEVER_RETURNS for unknown outcomes. */
  retPos: Int32Array;
  init: number;
  /**
   * 1 for ops that never change the state when allowed (reads, polls, a cas that returned
   * false). The search linearizes such an op as soon as it is enabled, without trying
   * alternatives: moving an enabled read-only op to the front of any linearization of the
   * remaining ops keeps it a linearization.
   */
  readOnly: Uint8Array;
  /** The state after applying op i in `state`, or -1 if the model forbids it there. */
  step(state: number, i: number): number;
  /** Why op i cannot be applied in `state` (for counterexamples). */
  explain(state: number, i: number): string;
  /** A short description of op i, e.g. "process 3: read → 4". */
  describe(i: number): string;
}
