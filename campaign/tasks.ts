// The units of work of a campaign, run in-process or on a worker thread: run one seed
// (optionally twice, for --check-determinism), shrink a failing seed, and build the full
// trace of an input. Tasks and results are plain data (structured-clone safe), so a worker
// returns exactly what the main thread would have computed.
//
// The model and the checkers come from a "deps module" exporting `deps: RunDeps`
// (default: driver/default-deps.ts); tests point it at stand-ins.

import type { VariantName } from '../model/config.ts';
import { overrideShape, type ScenarioInput, type ShapeOverrides } from '../scenarios/input.ts';
import type { Trace } from '../checkers/trace.ts';
import { generateInput, isFailing, runScenario, type RunDeps, type RunOutcome, type RunResult } from '../driver/run.ts';
import { checkDeterminism } from '../driver/determinism.ts';
import { canonicalJson, EventHash } from '../harness/hash.ts';
import { shrinkFailure } from './shrink.ts';
import { encodeProbeSet } from '../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../model/code-probes.ts';

export const DEFAULT_DEPS_MODULE = new URL('../driver/default-deps.ts', import.meta.url).href;

export type SeedOutcome = RunOutcome | 'nondeterminism';

/** What a campaign keeps of one seed. */
export interface SeedResult {
  seed: number;
  outcome: SeedOutcome;
  /** The failing anomaly's kind (lost-write, stuck, crash, nondeterminism…). */
  kind?: string;
  /** Its one-sentence explanation. */
  explanation?: string;
  /** An expected loss: the rule of Kafka's promise the run went beyond (checkers/verdict.ts PromiseBreach). */
  rule?: string;
  /** An expected loss: the event that broke that rule (PromiseBreach.event), and when (µs). */
  breach?: { event: string; atUs: number };
  /** The Kafka findings (driver/kafka-findings.ts) that label some anomaly of the seed, by name. */
  kafkaFindings?: string[];
  hash: string;
  events: number;
  endTimeUs: number;
  beyondPromise: boolean;
  faults: number;
  faultsFired: number;
  /** Wall milliseconds the task took (not part of any comparison). */
  wallMs: number;
  /** Code probes the seed reached: a hex bitset over model/code-probes.ts's catalog (campaign/probes.ts). */
  codeProbes?: string;
}

/**
 * Where a seed's input comes from, beyond the named scenario's own draw: that draw with the
 * command's knobs laid over its shape (--brokers…), or one fixed input (--scenario-file),
 * the same for every seed (the seed then drives only the simulation's randomness).
 */
export type InputPlan = { kind: 'overrides'; overrides: ShapeOverrides } | { kind: 'fixed'; input: ScenarioInput };

/** A seed's input under a plan (no plan: the named scenario's draw). */
export function inputFor(scenario: string, seed: number, plan?: InputPlan): ScenarioInput {
  if (plan?.kind === 'fixed') return plan.input;
  const drawn = generateInput(scenario, seed, plan?.overrides.controller);
  return plan === undefined ? drawn : overrideShape(drawn, plan.overrides);
}

export interface SeedTask {
  type: 'seed';
  scenario: string;
  variant: VariantName;
  seed: number;
  checkDeterminism: boolean;
  input?: InputPlan;
}

interface ShrinkTask {
  type: 'shrink';
  scenario: string;
  variant: VariantName;
  seed: number;
  budgetRuns: number;
  input?: InputPlan;
}

interface TraceTask {
  type: 'trace';
  scenario: string;
  variant: VariantName;
  seed: number;
  input: ScenarioInput;
}

/**
 * Several seeds in one task (campaign/campaign.ts batches them on a worker pool): one message
 * each way instead of one per seed. Their results, in the tasks' order, are exactly the seeds'.
 */
interface SeedBatchTask {
  type: 'seeds';
  tasks: SeedTask[];
}

export type Task = SeedTask | SeedBatchTask | ShrinkTask | TraceTask;

export interface ShrinkOutcome {
  input: ScenarioInput;
  originalInput: ScenarioInput;
  result: SeedResult;
  runs: number;
}

export function isFailureOutcome(o: SeedOutcome): boolean {
  return o === 'violation' || o === 'stuck' || o === 'crash' || o === 'nondeterminism';
}

/**
 * A run as one line of seeds.jsonl. A failing run names its first failing anomaly of the failing
 * kind, not an earlier one of that kind the promise excused (swarm --controller zookeeper seed
 * 550045213 named an excused duplicate, "p201-43", while "p200-52" was the one that failed).
 */
export function summarize(r: RunResult, faults: number, wallMs: number): SeedResult {
  const out: SeedResult = {
    seed: r.seed,
    outcome: r.outcome,
    hash: r.hash,
    events: r.eventCount,
    endTimeUs: r.endTimeUs,
    beyondPromise: r.beyondPromise,
    faults,
    faultsFired: r.faultsFired,
    wallMs,
  };
  if (r.codeProbes !== undefined) out.codeProbes = encodeProbeSet(CODE_PROBE_NAMES, r.codeProbes);
  if (r.kafkaFindings !== undefined) out.kafkaFindings = r.kafkaFindings;
  if (r.failureKind !== undefined) {
    out.kind = r.failureKind;
    const a = r.verdict.anomalies.find((x) => x.kind === r.failureKind && isFailing(x));
    if (a !== undefined) out.explanation = a.explanation;
  } else if (r.outcome === 'kafka-finding') {
    // A Kafka finding names its first labelled anomaly (the chain the witness saw is in the trace).
    const a = r.verdict.anomalies.find((x) => x.kafkaFinding !== undefined);
    if (a !== undefined) {
      out.kind = a.kind;
      out.explanation = a.explanation;
    }
  } else if (r.outcome === 'unknown' || r.outcome === 'expected-loss') {
    // An expected loss names its first expected anomaly (not an informational one before it).
    const a = r.verdict.anomalies.find((x) => x.expected === true) ?? r.verdict.anomalies[0];
    if (a !== undefined) {
      out.kind = a.kind;
      out.explanation = a.explanation;
      if (a.expectedBecause !== undefined) {
        out.rule = a.expectedBecause.rule;
        out.breach = { event: a.expectedBecause.event, atUs: a.expectedBecause.atUs };
      }
    }
  }
  return out;
}

export function executeTask(deps: RunDeps, task: Task): SeedResult | SeedResult[] | ShrinkOutcome | Trace {
  const started = Date.now();
  switch (task.type) {
    case 'seeds':
      return task.tasks.map((t) => executeTask(deps, t) as SeedResult);
    case 'seed': {
      const input = inputFor(task.scenario, task.seed, task.input);
      const opts = { seed: task.seed, scenario: task.scenario, variant: task.variant, input };
      if (!task.checkDeterminism) {
        return summarize(runScenario(deps, opts), input.faults.length, Date.now() - started);
      }
      const rep = checkDeterminism(deps, opts);
      const s = summarize(rep.first, input.faults.length, Date.now() - started);
      if (!rep.identical) {
        s.outcome = 'nondeterminism';
        s.kind = 'nondeterminism';
        s.explanation = rep.explanation;
      }
      return s;
    }
    case 'shrink': {
      const originalInput = inputFor(task.scenario, task.seed, task.input);
      const plan = task.input;
      const original = runScenario(deps, {
        seed: task.seed,
        scenario: task.scenario,
        variant: task.variant,
        input: originalInput,
      });
      const shrunk = shrinkFailure(deps, {
        scenario: task.scenario,
        variant: task.variant,
        seed: task.seed,
        original,
        originalInput,
        budgetRuns: task.budgetRuns,
        // fast-check's candidates are the scenario's draws: fit them to the knobs as well.
        ...(plan?.kind === 'overrides'
          ? { fit: (i: ScenarioInput) => overrideShape(i, plan.overrides), controller: plan.overrides.controller }
          : {}),
        // A fixed input (a scenario file, a guided mutation) is no draw of the scenario's arbitrary.
        ...(plan?.kind === 'fixed' ? { fromArbitrary: false } : {}),
        // A variant's counterexample must keep passing on today's Kafka while it shrinks.
        ...(task.variant === 'correct' ? {} : { reference: 'correct' as const }),
      });
      return {
        input: shrunk.input,
        originalInput,
        result: summarize(shrunk.result, shrunk.input.faults.length, Date.now() - started),
        runs: shrunk.runs,
      };
    }
    case 'trace': {
      const r = runScenario(deps, {
        seed: task.seed,
        scenario: task.scenario,
        variant: task.variant,
        input: task.input,
        trace: true,
      });
      return sealTrace(r.trace!);
    }
  }
}

/** What a trace says to run, as its content hash covers it. */
export type TraceContent = Pick<Trace, 'seed' | 'scenario' | 'variant' | 'faultSchedule' | 'config'>;

/** The content hash of a trace (Trace.contentHash): canonical JSON folded into a 64-bit hash. */
export function contentHashOf(t: TraceContent): string {
  const h = new EventHash();
  const { seed, scenario, variant, faultSchedule: input, config } = t;
  h.str(canonicalJson({ seed, scenario, variant, input, config }));
  return h.hex();
}

/** The trace with its content hash, as it is written to a file. */
export function sealTrace(trace: Trace): Trace {
  return { ...trace, contentHash: contentHashOf(trace) };
}

const depsCache = new Map<string, Promise<RunDeps>>();

/** Loads (once per thread) the module that provides the model and the checkers. */
export function loadDeps(moduleUrl: string = DEFAULT_DEPS_MODULE): Promise<RunDeps> {
  let p = depsCache.get(moduleUrl);
  if (p === undefined) {
    p = import(moduleUrl).then((m: { deps?: RunDeps }) => {
      if (m.deps === undefined) throw new Error(`${moduleUrl} does not export deps`);
      return m.deps;
    });
    depsCache.set(moduleUrl, p);
  }
  return p;
}
