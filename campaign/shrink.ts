// Shrinks a failing seed to a small counterexample: first fast-check's own shrinker, replaying
// the scenario's arbitrary from the same seed (fc.check with numRuns 1 regenerates exactly the
// input the campaign ran), then a greedy pass over the concrete schedule that drops faults one
// by one and halves the workload. A candidate counts as failing only when it fails the same
// way (same outcome, same anomaly kind), so the counterexample tells the original story.
//
// With a reference variant (the correct model, when a zoo variant is being fuzzed) a
// candidate counts only if the reference passes it too: a smaller schedule on which the
// correct model fails as well no longer shows what the variant breaks.
//
// What must hold: deterministic (budgets count runs, never wall time), so every worker count
// and every machine shrinks a seed to the same counterexample; the simulation seed never
// changes, only the input does.

import fc from 'fast-check';
import type { VariantName } from '../model/config.ts';
import { arbitraryFor, findScenario } from '../scenarios/named.ts';
import type { ScenarioInput } from '../scenarios/input.ts';
import { fcSeed, isFailing, runScenario, type RunDeps, type RunResult } from '../driver/run.ts';

export interface ShrinkOptions {
  scenario: string;
  variant: VariantName;
  seed: number;
  /** The failing run of the unshrunk input. */
  original: RunResult;
  originalInput: ScenarioInput;
  /** Simulation runs allowed in all (default 200), reference runs included. */
  budgetRuns?: number;
  /**
   * A candidate that fails the same way on `variant` counts only if this variant's run of it
   * does not fail (is neither a violation, stuck nor a crash). Usually 'correct'.
   */
  reference?: VariantName;
  /** Applied to each candidate fast-check's shrinker draws from the scenario's arbitrary. */
  fit?: (input: ScenarioInput) => ScenarioInput;
  /** `--controller`, which picks the scenario's draws to shrink along (scenarios/named.ts arbitraryFor). */
  controller?: 'kraft' | 'zookeeper';
  /** False when the input is not the scenario's draw for the seed (skips fast-check's shrinker). */
  fromArbitrary?: boolean;
}

export interface ShrinkResult {
  input: ScenarioInput;
  result: RunResult;
  /** Simulation runs spent. */
  runs: number;
}

export const DEFAULT_SHRINK_RUNS = 200;

/** Does `r` fail the way `original` did? */
function sameFailure(original: RunResult, r: RunResult): boolean {
  if (r.outcome !== original.outcome) return false;
  if (original.failureKind === undefined) return true;
  if (original.outcome === 'stuck' || original.outcome === 'crash') return true;
  return r.verdict.anomalies.some((a) => isFailing(a) && a.kind === original.failureKind);
}

export function shrinkFailure(deps: RunDeps, opts: ShrinkOptions): ShrinkResult {
  const budget = opts.budgetRuns ?? DEFAULT_SHRINK_RUNS;
  let runs = 0;
  let best: ShrinkResult = { input: opts.originalInput, result: opts.original, runs: 0 };
  const tryInput = (input: ScenarioInput): RunResult | undefined => {
    if (runs >= budget) return undefined;
    runs++;
    const r = runScenario(deps, { seed: opts.seed, scenario: opts.scenario, variant: opts.variant, input });
    if (!sameFailure(opts.original, r)) return undefined;
    if (opts.reference !== undefined && opts.reference !== opts.variant) {
      if (runs >= budget) return undefined;
      runs++;
      const ref = runScenario(deps, { seed: opts.seed, scenario: opts.scenario, variant: opts.reference, input });
      if (ref.outcome === 'violation' || ref.outcome === 'stuck' || ref.outcome === 'crash') return undefined;
    }
    return r;
  };
  const consider = (input: ScenarioInput, r: RunResult | undefined): boolean => {
    if (r === undefined) return false;
    if (size(input) <= size(best.input)) best = { input, result: r, runs };
    return true;
  };

  // 1. fast-check's shrinker, along the scenario's own arbitrary, with half the budget (its
  //    candidates for a chained arbitrary often stop failing; the greedy pass is cheaper).
  const def = findScenario(opts.scenario);
  const fcBudget = Math.floor(budget / 2);
  if (def !== undefined && fcBudget > 0 && opts.fromArbitrary !== false) {
    let first = true;
    fc.check(
      fc.property(arbitraryFor(def, opts.controller), (input) => {
        if (first) {
          // The first value is the campaign's own input, known to fail.
          first = false;
          return false;
        }
        if (runs >= fcBudget) return true; // out of budget: accept, which ends shrinking
        const candidate = opts.fit === undefined ? input : opts.fit(input);
        return !consider(candidate, tryInput(candidate));
      }),
      { seed: fcSeed(opts.seed), numRuns: 1, endOnFailure: false },
    );
  }

  // 2. Greedy pass on the concrete schedule: drop runs of faults (halves, quarters, … single
  //    faults, as in delta debugging), then halve the workload.
  let changed = true;
  while (changed && runs < budget) {
    changed = false;
    for (
      let chunk = Math.max(1, Math.floor(best.input.faults.length / 2));
      chunk >= 1 && runs < budget;
      chunk = Math.floor(chunk / 2)
    ) {
      for (let i = best.input.faults.length - chunk; i >= 0 && runs < budget; i -= chunk) {
        const faults = best.input.faults.filter((_, j) => j < i || j >= i + chunk);
        const candidate = { ...best.input, faults };
        if (consider(candidate, tryInput(candidate))) changed = true;
      }
    }
    const w = best.input.workload;
    if (w.sends > 1 && runs < budget) {
      const candidate = { ...best.input, workload: { ...w, sends: Math.max(1, Math.floor(w.sends / 2)) } };
      if (consider(candidate, tryInput(candidate))) changed = true;
    }
    if (w.producers > 1 && runs < budget) {
      const candidate = { ...best.input, workload: { ...best.input.workload, producers: 1 } };
      if (consider(candidate, tryInput(candidate))) changed = true;
    }
  }
  return { ...best, runs };
}

/** Smaller is simpler: faults first, then sends. */
function size(input: ScenarioInput): number {
  return input.faults.length * 100_000 + input.workload.sends * 10 + input.workload.producers;
}
