// Code probes through the driver and the campaign: recording never changes a run (same
// events, hash and outcome with it on or off), runs report the probes they reached, and a
// campaign's per-probe seed counts are the same for 1 and 2 workers and after a merge.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateInput, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import { runCampaign, type FuzzOptions } from '../../campaign/fuzz.ts';
import { mergeDirs } from '../../campaign/merge.ts';
import { formatSummary } from '../../campaign/summary.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../../model/code-probes.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-probes-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('code probes in runs', () => {
  it('recording off leaves events, hash and outcome identical, and reports no probes', () => {
    for (const seed of [3, 17, 42]) {
      const input = generateInput('swarm', seed);
      const on = runScenario(deps, { seed, scenario: 'swarm', variant: 'correct', input });
      const off = runScenario(deps, { seed, scenario: 'swarm', variant: 'correct', input, codeProbes: false });
      expect(off.hash).toBe(on.hash);
      expect(off.eventCount).toBe(on.eventCount);
      expect(off.outcome).toBe(on.outcome);
      expect(off.codeProbes).toBeUndefined();
      expect(on.codeProbes!.length).toBeGreaterThan(0);
      expect(on.codeProbes!.every((n) => (CODE_PROBE_NAMES as readonly string[]).includes(n))).toBe(true);
    }
  });
});

describe('code probes in campaigns', () => {
  const options = (outDir: string, workers: number): FuzzOptions => ({
    scenario: 'leader-failover',
    variant: 'correct',
    range: { baseSeed: 500, count: 24 },
    workers,
    maxViolations: 0,
    checkDeterminism: false,
    outDir,
    shrinkRuns: 0,
  });

  it('counts seeds per probe identically with 1 and 2 workers, in the summary, the index and a merge', async () => {
    const one = await runCampaign(options(join(tmp, 'one'), 1));
    const two = await runCampaign(options(join(tmp, 'two'), 2));
    const probes = one.summary.probes;
    expect(Object.keys(probes)).toEqual([...CODE_PROBE_NAMES]);
    expect(Object.values(probes).some((n) => n > 0)).toBe(true);
    expect(Math.max(...Object.values(probes))).toBeLessThanOrEqual(24);
    expect(two.summary.probes).toEqual(probes);
    expect(mergeDirs([join(tmp, 'one')]).summary.probes).toEqual(probes);
    const never = Object.entries(probes)
      .filter(([, n]) => n === 0)
      .map(([name]) => name);
    expect(never.length).toBeGreaterThan(0);
    // The warning names the never-hit probes a correct-model campaign should reach; the ones
    // the catalog marks unreachable are only counted.
    const named = never.filter((n) => CODE_PROBE_INFO[n as keyof typeof CODE_PROBE_INFO].reachable === undefined);
    const summary = formatSummary(one.summary);
    if (named.length > 0) expect(summary).toContain(`never hit: ${named.join(', ')}`);
    if (never.length > named.length) expect(summary).toContain(`${never.length - named.length} more never hit`);
    const index = readFileSync(join(tmp, 'one', 'index.html'), 'utf8');
    expect(index).toContain(`Code probes: ${CODE_PROBE_NAMES.length - never.length} of ${CODE_PROBE_NAMES.length} hit`);
  }, 120_000);
});
