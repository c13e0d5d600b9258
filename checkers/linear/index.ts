// checkLinearizable: splits a history into independent parts (P-compositionality: each key,
// register or topic-partition on its own), judges each with the log fast path when the model
// is a log and its preconditions hold, else with the general search, and folds the answers
// into one Verdict. Any part not linearizable → false (the counterexample is the first such
// part found); otherwise any part out of budget → "unknown"; otherwise true.

import type { History } from '../history.ts';
import type { Anomaly, LinearizabilityCounterexample, Verdict } from '../verdict.ts';
import { pairOperations, type Operation } from '../ops.ts';
import { prepareModel, type ModelName, type ModelOptions } from './models.ts';
import { createSearch, DEFAULT_MAX_STEPS, type Search, type SearchBudget, type SearchResult } from './search.ts';
import { checkLogFast, type FastLogResult } from './log-fast.ts';
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

function historyIndices(part: CompiledPartition, local: readonly number[]): number[] {
  return local.map((i) => part.ops[i].invoke.index);
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
    out.counterexample = {
      longestPrefix: historyIndices(part, r.longestPrefix),
      failedOp: part.ops[failed].invoke.index,
      reason:
        `after linearizing ${r.longestPrefix.length} operation(s) of ${part.label}, ` +
        `${part.describe(failed)} (history index ${part.ops[failed].invoke.index}) cannot be linearized: ${why}`,
      partitionKey: part.key,
    };
  } else if (r.valid === 'unknown') {
    out.unknownReason = r.unknownReason;
  }
  return out;
}

function fastPart(part: CompiledPartition, opts: LinearizabilityOptions): PartitionOutcome | FastLogResult {
  const r = checkLogFast(part, opts.model === 'log-strict');
  if (r.kind === 'fallback') return r;
  const out: PartitionOutcome = {
    key: part.key,
    valid: r.valid,
    method: 'fast-path',
    ops: part.ops.length,
    steps: r.work,
    states: 0,
  };
  if (!r.valid) {
    out.counterexample = {
      longestPrefix: historyIndices(part, r.longestPrefix),
      failedOp: part.ops[r.failedOp].invoke.index,
      reason:
        `after linearizing ${r.longestPrefix.length} operation(s) of ${part.label}, ` +
        `${part.describe(r.failedOp)} (history index ${part.ops[r.failedOp].invoke.index}) cannot be linearized: ${r.reason}`,
      partitionKey: part.key,
    };
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
export function checkPartitions(
  ops: Operation[],
  opts: LinearizabilityOptions,
): { parts: PartitionOutcome[]; dropped: number; unchecked: number } {
  const prepared = prepareModel(opts.model, ops, opts);
  const parts: PartitionOutcome[] = [];
  const isLog = opts.model === 'log' || opts.model === 'log-strict';
  const toSearch: Array<{ part: CompiledPartition; search: Search; fallbackReason?: string }> = [];
  for (const part of prepared.partitions) {
    if (isLog && opts.fastPath !== 'off') {
      const r = fastPart(part, opts);
      if ('kind' in r) toSearch.push({ part, search: createSearch(part, opts.maxStates), fallbackReason: r.reason });
      else parts.push(r);
    } else {
      toSearch.push({ part, search: createSearch(part, opts.maxStates) });
    }
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
  return { parts, dropped: prepared.dropped, unchecked };
}

export function checkLinearizable(history: History, opts: LinearizabilityOptions): Verdict {
  const ops = pairOperations(history, opts.sourceLines);
  const { parts, dropped, unchecked } = checkPartitions(ops, opts);
  const bad = parts.filter((p) => p.valid === false);
  const unknown = parts.filter((p) => p.valid === 'unknown');
  const anomalies: Anomaly[] = bad.map((p) => ({
    kind: 'nonlinearizable',
    explanation: p.counterexample!.reason,
    ops: [p.counterexample!.failedOp],
    ...partitionFields(p.key, opts.model),
  }));
  const stats: Record<string, number> = {
    operations: ops.length,
    droppedOperations: dropped,
    partitions: parts.length + unchecked,
    uncheckedPartitions: unchecked,
    fastPathPartitions: parts.filter((p) => p.method === 'fast-path').length,
    searchSteps: parts.reduce((s, p) => s + p.steps, 0),
    searchStates: parts.reduce((s, p) => s + p.states, 0),
  };
  const verdict: Verdict = {
    valid: bad.length > 0 ? false : unknown.length > 0 ? 'unknown' : true,
    checker: `linearizability(${opts.model})`,
    anomalies,
    stats,
  };
  if (bad.length > 0) verdict.counterexample = bad[0].counterexample;
  if (bad.length === 0 && unknown.length > 0) {
    verdict.anomalies.push({
      kind: 'unknown',
      explanation: `linearizability undecided: ${unknown.map((p) => p.unknownReason).join('; ')}`,
      informational: true,
    });
  }
  return verdict;
}

function partitionFields(key: string, model: ModelName): Partial<Anomaly> {
  if (model !== 'log' && model !== 'log-strict') return {};
  const slash = key.lastIndexOf('/');
  return { topic: key.slice(0, slash), partition: Number(key.slice(slash + 1)) };
}
