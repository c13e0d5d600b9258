// Shared by the regression tests: re-runs a shrunk counterexample that the fuzzer once
// reported on the correct model (its seed and the scenario input of its trace) and lists
// what the judges still call a failure. Each test states what the run once reported, why
// that was a false positive, and which fix made it pass.

import { readFileSync } from 'node:fs';
import { isFailing, runScenario, type RunResult } from '../../../driver/run.ts';
import { deps } from '../../../driver/default-deps.ts';
import type { ScenarioInput } from '../../../scenarios/index.ts';
import type { VariantName } from '../../../model/config.ts';

export interface Rerun {
  result: RunResult;
  /** "kind: explanation" of every anomaly that is neither informational, expected nor a witnessed Kafka finding. */
  failing: string[];
  /** "NAME: kind: explanation" of every anomaly labelled with a Kafka finding (driver/kafka-findings.ts). */
  kafkaFindings: string[];
}

export function rerun(seed: number, input: ScenarioInput, variant: VariantName = 'correct', trace = false): Rerun {
  const result = runScenario(deps, { seed, scenario: 'regression', variant, input, trace });
  const failing = result.verdict.anomalies.filter((a) => isFailing(a)).map((a) => `${a.kind}: ${a.explanation}`);
  const kafkaFindings = result.verdict.anomalies
    .filter((a) => a.kafkaFinding !== undefined)
    .map((a) => `${a.kafkaFinding}: ${a.kind}: ${a.explanation}`);
  return { result, failing, kafkaFindings };
}

/** The scenario input stored for `seed` in fixtures/seed-SEED[-SUFFIX].json (a shrunk trace's input). */
export function fixtureInput(seed: number, suffix?: string): ScenarioInput {
  const name = suffix === undefined ? `seed-${seed}` : `seed-${seed}-${suffix}`;
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as ScenarioInput;
}
