// checkLinearizable: splits a history into independent parts (P-compositionality: each key,
// register or topic-partition on its own), judges each with the log fast path when the model
// is a log and its preconditions hold, else with the general search, and folds the answers
// into one Verdict. Any part not linearizable → false (the counterexample is the first such
// part found); otherwise any part out of budget → "unknown"; otherwise true.
// Log histories are split from operation positions only (log-group.ts), so a history of a
// million operations is checked without an object per operation; objects are built only for
// a part that falls back to the general search.

import type { History } from '../history.ts';
import type { Anomaly, LinearizabilityCounterexample, Verdict } from '../verdict.ts';
import { pairOperations, pairPositions } from '../ops.ts';
import { prepareModel, type ModelName, type ModelOptions } from './models.ts';
import { createSearch, DEFAULT_MAX_STEPS, type Search, type SearchBudget, type SearchResult } from './search.ts';
import { checkLogFast, type LogOps } from './log-fast.ts';
import { groupLogOperations, logOpsOfGroup, operationsOfGroup } from './log-group.ts';
import type { CompiledPartition } from './partition.ts';

export interface LinearizabilityOptions extends ModelOptions, SearchBudget {
  model: ModelName;
  /** Log models: 'auto' (default) tries the fast path first; 'off' always searches. */
  fastPath?: 'auto' | 'off';
  /** Source lines of the history's events, to name them in errors. */
  sourceLines?: readonly number[];
}

export interface PartitionOutcome {
  key: string;
  valid: boolean | 'unknown';
  method: 'fast-path' | 'search';
  ops: number;
  steps: number;
  states: number;
  counterexample?: LinearizabilityCounterexample;
  unknownReason?: string;
  /** Why the fast path did not apply, when it did not. */
  fallbackReason?: string;
}

interface PartitionsResult {
  parts: PartitionOutcome[];
  operations: number;
  dropped: number;
  /** Parts left unjudged because another part was already found not linearizable. */
  unchecked: number;
  /** Search steps spent, over all parts. */
  steps: number;
}

function counterexample(
  label: string,
  key: string,
  prefix: readonly number[],
  failedIndex: number,
  failedDescription: string,
  why: string,
): LinearizabilityCounterexample {
  return {
    longestPrefix: [...prefix],
    failedOp: failedIndex,
    reason:
      `after linearizing ${prefix.length} operation(s) of ${label}, ` +
      `${failedDescription} (history index ${failedIndex}) cannot be linearized: ${why}`,
    partitionKey: key,
  };
}

function searchOutcome(part: CompiledPartition, r: SearchResult): PartitionOutcome {
  const out: PartitionOutcome = {
    key: part.key,
    valid: r.valid,
    method: 'search',
    ops: part.ops.length,
    steps: r.steps,
    states: r.states,
  };
  if (r.valid === false) {
    const failed = r.failedOp;
    const fits = part.step(r.failedState, failed) >= 0;
    const why = fits
      ? 'it can be applied after that prefix, but then the remaining operations cannot all be linearized'
      : part.explain(r.failedState, failed);
    out.counterexample = counterexample(
      part.label,
      part.key,
      r.longestPrefix.map((i) => part.ops[i].invoke.index),
      part.ops[failed].invoke.index,
      part.describe(failed),
      why,
    );
  } else if (r.valid === 'unknown') {
    out.unknownReason = r.unknownReason;
  }
  return out;
}

/** The fast path on one log part; undefined (with the reason) when it does not apply. */
function fastOutcome(part: LogOps, strict: boolean): PartitionOutcome | { fallback: string } {
  const r = checkLogFast(part, strict);
  if (r.kind === 'fallback') return { fallback: r.reason };
  const out: PartitionOutcome = {
    key: part.key,
    valid: r.valid,
    method: 'fast-path',
    ops: part.n,
    steps: r.work,
    states: 0,
  };
  if (!r.valid) {
    out.counterexample = counterexample(
      part.label,
      part.key,
      r.longestPrefix.map((i) => part.historyIndex(i)),
      part.historyIndex(r.failedOp),
      part.describe(r.failedOp),
      r.reason,
    );
  }
  return out;
}

const FIRST_ROUND_STEPS = 4096;

/**
 * Judges each part. Log parts try the fast path; the rest are searched in rounds, every
 * unfinished search getting twice the steps of the previous round, so a violation in an easy
 * part is found without waiting for a hard part, and the first violation ends the check (the
 * remaining parts are reported as not checked). The step budget is shared by all parts.
 */
export function checkPartitions(history: History, opts: LinearizabilityOptions): PartitionsResult {
  const parts: PartitionOutcome[] = [];
  const toSearch: Array<{ part: CompiledPartition; search: Search; fallbackReason?: string }> = [];
  let operations: number;
  let dropped: number;
  const isLog = opts.model === 'log' || opts.model === 'log-strict';
  if (isLog && opts.fastPath !== 'off') {
    const paired = pairPositions(history, opts.sourceLines);
    operations = paired.count;
    const grouped = groupLogOperations(history, paired, opts.model);
    dropped = grouped.dropped;
    for (const g of grouped.groups) {
      const r = fastOutcome(logOpsOfGroup(history, paired, g), opts.model === 'log-strict');
      if ('fallback' in r) {
        const part = prepareModel(opts.model, operationsOfGroup(history, paired, g), opts).partitions[0];
        toSearch.push({ part, search: createSearch(part, opts.maxStates), fallbackReason: r.fallback });
      } else {
        parts.push(r);
      }
    }
  } else {
    const ops = pairOperations(history, opts.sourceLines);
    operations = ops.length;
    const prepared = prepareModel(opts.model, ops, opts);
    dropped = prepared.dropped;
    for (const part of prepared.partitions) toSearch.push({ part, search: createSearch(part, opts.maxStates) });
  }

  const maxSteps = opts.maxSteps ?? DEFAULT_MAX_STEPS;
  let spent = 0;
  let round = FIRST_ROUND_STEPS;
  let pending = toSearch;
  let violated = parts.some((p) => p.valid === false);
  while (pending.length > 0 && !violated) {
    const still: typeof pending = [];
    for (const item of pending) {
      const before = item.search.steps;
      const allowance = Math.min(round, maxSteps - spent);
      const r = allowance > 0 ? item.search.run(allowance) : undefined;
      spent += item.search.steps - before;
      if (r === undefined) {
        if (spent >= maxSteps) {
          const o = searchOutcome(item.part, item.search.abandon(`the search budget of ${maxSteps} steps ran out`));
          if (item.fallbackReason !== undefined) o.fallbackReason = item.fallbackReason;
          parts.push(o);
        } else {
          still.push(item);
        }
        continue;
      }
      const o = searchOutcome(item.part, r);
      if (item.fallbackReason !== undefined) o.fallbackReason = item.fallbackReason;
      parts.push(o);
      if (r.valid === false) {
        violated = true;
        break;
      }
    }
    pending = violated ? [] : still;
    round *= 2;
  }
  const done = new Set(parts.map((p) => p.key));
  const unchecked = toSearch.filter((t) => !done.has(t.part.key)).length;
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { parts, operations, dropped, unchecked, steps: spent };
}

function partitionFields(key: string, model: ModelName): Partial<Anomaly> {
  if (model !== 'log' && model !== 'log-strict') return {};
  const slash = key.lastIndexOf('/');
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}

export function checkLinearizable(history: History, opts: LinearizabilityOptions): Verdict {
  const { parts, operations, dropped, unchecked, steps } = checkPartitions(history, opts);
  const bad = parts.filter((p) => p.valid === false);
  const unknown = parts.filter((p) => p.valid === 'unknown');
  const anomalies: Anomaly[] = bad.map((p) => ({
    kind: 'nonlinearizable',
    explanation: p.counterexample!.reason,
    ops: [p.counterexample!.failedOp],
    ...partitionFields(p.key, opts.model),
  }));
  if (bad.length === 0 && unknown.length > 0) {
    anomalies.push({
      kind: 'unknown',
      explanation: `linearizability undecided: ${unknown.map((p) => p.unknownReason).join('; ')}`,
      informational: true,
    });
  }
  const stats: Record<string, number> = {
    operations,
    droppedOperations: dropped,
    partitions: parts.length + unchecked,
    uncheckedPartitions: unchecked,
    fastPathPartitions: parts.filter((p) => p.method === 'fast-path').length,
    searchSteps: steps,
    searchStates: parts.reduce((s, p) => s + p.states, 0),
  };
  const verdict: Verdict = {
    valid: bad.length > 0 ? false : unknown.length > 0 ? 'unknown' : true,
    checker: `linearizability(${opts.model})`,
    anomalies,
    stats,
  };
  if (bad.length > 0) verdict.counterexample = bad[0].counterexample;
  return verdict;
}
