// Guided campaigns (campaign/guided.ts, scenarios/mutate.ts) on the real model: mutated
// inputs are valid scenario inputs of the same shape, drawn deterministically; a guided
// campaign gives the same results for 1 and 2 workers and when resumed from part of its
// results; a violation found by a mutated input writes a trace that replays to its hash and
// a scenario file that re-runs it.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { runCampaign } from '../../campaign/fuzz.ts';
import { GENERATION_SEEDS, GuidedPlanner } from '../../campaign/guided.ts';
import { replayMain } from '../../cli/replay.ts';
import { generateInput } from '../../driver/run.ts';
import { encodeProbeSet } from '../../harness/code-probes.ts';
import { CODE_PROBE_NAMES } from '../../model/code-probes.ts';
import { mutateInput } from '../../scenarios/mutate.ts';
import { SWARM_MAX_FAULTS } from '../../scenarios/named.ts';
import { parseScenarioInput } from '../../scenarios/schema.ts';
import type { SeedResult } from '../../campaign/tasks.ts';
import { campaignKit, Sink } from './campaign-kit.ts';

const { freshDir, base } = campaignKit('gregor-guided-', {
  scenario: 'swarm',
  variant: 'correct',
  range: { baseSeed: 7, count: 2 * GENERATION_SEEDS + 20 },
  workers: 1,
  maxViolations: 0,
  checkDeterminism: false,
  shrinkRuns: 0,
  guided: true,
});

describe('mutated inputs', () => {
  it('are valid inputs of the same shape and workload, the same for the same seed', () => {
    let changed = 0;
    for (let s = 0; s < 300; s++) {
      const input = generateInput('swarm', 5000 + s);
      const m = mutateInput(input, s * 7919 + 1);
      const parsed = parseScenarioInput(JSON.parse(JSON.stringify(m.input)));
      expect(parsed.ok ? '' : parsed.reason).toBe('');
      expect(m.input.shape).toEqual(input.shape);
      expect(m.input.workload).toEqual(input.workload);
      expect(m.input.faults.length).toBeLessThanOrEqual(SWARM_MAX_FAULTS);
      expect(m.mutations.length).toBeGreaterThan(0);
      expect(mutateInput(input, s * 7919 + 1)).toEqual(m);
      if (JSON.stringify(m.input) !== JSON.stringify(input)) changed++;
    }
    expect(changed).toBeGreaterThan(250);
  });

  it('come from corpus entries that reached rare probes, for about half of the seeds', () => {
    const planner = new GuidedPlanner('swarm', undefined);
    const result = (seed: number, probes: string[]): SeedResult => ({
      seed,
      outcome: 'ok',
      hash: '0',
      events: 1,
      endTimeUs: 1,
      beyondPromise: false,
      faults: 0,
      faultsFired: 0,
      wallMs: 0,
      codeProbes: encodeProbeSet(CODE_PROBE_NAMES, probes),
    });
    const common = CODE_PROBE_NAMES[0];
    const rare = CODE_PROBE_NAMES[1];
    const results = Array.from({ length: 100 }, (_, i) => result(i, i === 42 ? [common, rare] : [common]));
    expect(planner.plan([1, 2, 3]).size).toBe(0);
    planner.admit(results, new Map());
    expect(planner.corpusSize).toBe(1);
    const seeds = Array.from({ length: 200 }, (_, i) => 1000 + i);
    const plan = planner.plan(seeds);
    expect(plan.size).toBeGreaterThan(60);
    expect(plan.size).toBeLessThan(140);
    for (const input of plan.values()) expect(input.shape).toEqual(generateInput('swarm', 42).shape);
    expect([...planner.plan(seeds).entries()]).toEqual([...plan.entries()]);
  });
});

describe('a guided campaign', () => {
  it('gives the same results for 1 and 2 workers, and resumed from part of its results', async () => {
    const one = await runCampaign(base({ workers: 1 }));
    expect(one.summary.guided?.mutated).toBeGreaterThan(0);
    const two = await runCampaign(base({ workers: 2 }));
    expect(two.summary.digest).toBe(one.summary.digest);
    expect(two.summary.guided).toEqual(one.summary.guided);
    // Resumed: the first 130 judged seeds come from "the journal"; the mutated inputs are recomputed.
    const prior = new Map(one.results.slice(0, 130).map((r) => [r.seed, r]));
    const resumed = await runCampaign(base({ workers: 2, prior }));
    expect(resumed.summary.digest).toBe(one.summary.digest);
  }, 120_000);

  it('writes a replayable trace and a re-runnable input for a violation found by a mutated input', async () => {
    const out = freshDir();
    const run = await runCampaign(base({ variant: 'acks-1', outDir: out, shrinkRuns: 4, workers: 2 }));
    const mutated = run.summary.violations.filter((v) => v.rerun.includes('--scenario-file'));
    expect(mutated.length).toBeGreaterThan(0);
    const v = mutated[0];
    const stdout = new Sink();
    const stderr = new Sink();
    const code = await replayMain([v.trace!], { stdout: stdout as never, stderr: stderr as never });
    expect(stderr.text).toBe('');
    expect(code).toBe(1);
    expect(stdout.text).toContain('matches the trace');
    const file = v.rerun.split('--scenario-file ')[1].split(' ')[0];
    const parsed = parseScenarioInput(JSON.parse(readFileSync(file, 'utf8')));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.input.faults.length).toBe(v.originalFaults);
  }, 120_000);
});
