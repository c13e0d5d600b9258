// Campaign machinery against the stand-in cluster (planted faults make failures on demand):
// results do not depend on the worker count, --max-violations reports the lowest failing
// seeds, merged shards equal the unsharded campaign, shrinking is deterministic and small,
// --check-determinism catches planted nondeterminism and names an event, and a written
// failing trace replays to its hash. Seeds are journaled as they finish and a campaign
// resumed from its journal reports what an uninterrupted one does; a merge names missing and
// partial shards; each campaign keeps its own index page.

import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCampaign } from '../../campaign/fuzz.ts';
import { batchSize, scanSeeds } from '../../campaign/campaign.ts';
import { mergeDirs, MergeInputError } from '../../campaign/merge.ts';
import { readJournal } from '../../campaign/journal.ts';
import { replayMain } from '../../cli/replay.ts';
import { checkDeterminism } from '../../driver/determinism.ts';
import { generateInput, runScenario } from '../../driver/run.ts';
import { shrinkFailure } from '../../campaign/shrink.ts';
import { digestOf } from '../../campaign/summary.ts';
import { createExecutor, type Executor } from '../../campaign/executor.ts';
import type { Task } from '../../campaign/tasks.ts';
import { standInCluster } from './stand-in/cluster.ts';
import { standInJudges } from './stand-in/judges.ts';
import type { Trace } from '../../checkers/trace.ts';
import { campaignKit, Sink } from './campaign-kit.ts';

const standIn = (name: string) => new URL(`./stand-in/deps-${name}.ts`, import.meta.url).href;
const { tmp, freshDir, base } = campaignKit('gregor-campaign-', {
  scenario: 'power-loss',
  variant: 'correct',
  range: { baseSeed: 100, count: 60 },
  workers: 1,
  maxViolations: 0,
  checkDeterminism: false,
  shrinkRuns: 30,
  depsModule: standIn('nofsync'),
});

describe('campaign', () => {
  it('gives the same results with 2 workers as with 1, in seed order', async () => {
    const one = await runCampaign(base({ workers: 1 }));
    const two = await runCampaign(base({ workers: 2 }));
    expect(one.summary.outcomes.violation).toBeGreaterThan(0);
    expect(two.summary.seeds).toBe(one.summary.seeds);
    expect(two.summary.digest).toBe(one.summary.digest);
    expect(two.summary.outcomes).toEqual(one.summary.outcomes);
    const strip = (vs: typeof one.summary.violations) =>
      vs.map(({ trace: _t, report: _r, replay: _p, ...rest }) => rest);
    expect(strip(two.summary.violations)).toEqual(strip(one.summary.violations));
    expect(two.results.map((r) => r.seed)).toEqual(one.results.map((r) => r.seed));
    expect(one.results.map((r) => r.seed)).toEqual(Array.from({ length: 60 }, (_, i) => 100 + i));
    // Counterexamples were written with their replay command.
    for (const v of two.summary.violations) {
      expect(existsSync(v.trace!)).toBe(true);
      expect(existsSync(v.report!)).toBe(true);
      expect(v.replay).toBe(`npm run replay -- ${v.trace}`);
      expect(v.faults).toBeLessThanOrEqual(10);
    }
  });

  it('with --max-violations N stops at the Nth failure and reports the lowest failing seeds', async () => {
    const all = await scanSeeds({
      scenario: 'power-loss',
      variant: 'correct',
      range: { baseSeed: 100, count: 60 },
      workers: 1,
      maxViolations: 0,
      checkDeterminism: false,
      depsModule: standIn('nofsync'),
    });
    const failing = all.failures.map((f) => f.seed);
    expect(failing.length).toBeGreaterThanOrEqual(2);
    for (const workers of [1, 2]) {
      const two = await scanSeeds({
        scenario: 'power-loss',
        variant: 'correct',
        range: { baseSeed: 100, count: 60 },
        workers,
        maxViolations: 2,
        checkDeterminism: false,
        depsModule: standIn('nofsync'),
      });
      expect(two.failures.map((f) => f.seed)).toEqual(failing.slice(0, 2));
      expect(two.results.length).toBe(failing[1] - 100 + 1);
      expect(two.stoppedEarly).toBe(true);
    }
  });

  it('gives the same results for every batch size (seeds per pool task) and worker count', async () => {
    const pool = createExecutor(2, standIn('nofsync'));
    const scan = (workers: number, batchSeeds?: number, maxViolations = 0) =>
      scanSeeds({
        scenario: 'power-loss',
        variant: 'correct',
        range: { baseSeed: 100, count: 60 },
        workers,
        maxViolations,
        checkDeterminism: false,
        depsModule: standIn('nofsync'),
        ...(workers === 2 ? { executor: pool } : {}),
        ...(batchSeeds === undefined ? {} : { batchSeeds }),
      });
    const one = await scan(1);
    expect(one.failures.length).toBeGreaterThanOrEqual(2);
    const cases: [number, number | undefined][] = [
      [2, undefined],
      [2, 1],
      [2, 4],
      [2, 16],
      [1, 7],
    ];
    for (const [workers, batch] of cases) {
      const other = await scan(workers, batch);
      expect(digestOf(other.results)).toBe(digestOf(one.results));
      expect(other.results).toEqual(one.results.map((r) => ({ ...r, wallMs: other.results[r.seed - 100].wallMs })));
      const stopped = await scan(workers, batch, 2);
      expect(stopped.failures.map((f) => f.seed)).toEqual(one.failures.slice(0, 2).map((f) => f.seed));
      expect(stopped.results.length).toBe(one.failures[1].seed - 100 + 1);
    }
    await pool.destroy();
  });

  it('a pool rejects an aborted seed batch at once and its threads go on to the next task', async () => {
    const pool = createExecutor(2, standIn('nofsync'));
    const seedTask = (seed: number): Task => ({
      type: 'seed',
      scenario: 'power-loss',
      variant: 'correct',
      seed,
      checkDeterminism: false,
    });
    const batch = (from: number): Task => ({
      type: 'seeds',
      tasks: Array.from({ length: 8 }, (_, i) => seedTask(from + i) as Extract<Task, { type: 'seed' }>),
    });
    const stop = new AbortController();
    // Three batches on two threads: one waits in a thread's port behind another (prefetch).
    const running = [batch(100), batch(108), batch(116)].map((t) => pool.run(t, stop.signal));
    stop.abort();
    for (const p of running) await expect(p).rejects.toThrow(/aborted/);
    await expect(pool.run(batch(124), stop.signal)).rejects.toThrow(/aborted/);
    const alone = (await pool.run(seedTask(100))) as { seed: number };
    const inBatch = (await pool.run(batch(100))) as Array<{ seed: number; hash: string }>;
    expect(alone.seed).toBe(100);
    expect(inBatch.map((r) => r.seed)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    await pool.destroy();
  });

  it('cuts a pool campaign into full batches, then ever smaller ones down to single seeds at the end', async () => {
    // A pool of 2 as the campaign sees it, running its tasks in this thread and noting their sizes.
    const inner = createExecutor(1, standIn('ok'));
    const sizes: number[] = [];
    const recording: Executor = {
      workers: 2,
      run: (task: Task, signal?: AbortSignal) => {
        sizes.push(task.type === 'seeds' ? task.tasks.length : 1);
        return inner.run(task, signal);
      },
      destroy: () => inner.destroy(),
    };
    const scan = await scanSeeds({
      scenario: 'power-loss',
      variant: 'correct',
      range: { baseSeed: 100, count: 160 },
      workers: 2,
      maxViolations: 0,
      checkDeterminism: false,
      depsModule: standIn('ok'),
      executor: recording,
    });
    expect(scan.results.map((r) => r.seed)).toEqual(Array.from({ length: 160 }, (_, i) => 100 + i));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(160);
    expect(sizes[0]).toBe(16);
    expect(sizes.slice(-4)).toEqual([1, 1, 1, 1]);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1]);
    expect(batchSize(10_000, 1)).toBe(1);
    expect(batchSize(10_000, 8)).toBe(16);
    expect(batchSize(10_000, 8, 3)).toBe(3);
  });

  it('merged shards equal the unsharded campaign', async () => {
    const whole = await runCampaign(base({ shrinkRuns: 0, maxViolations: 0 }));
    const dirs = [freshDir(), freshDir(), freshDir()];
    for (let k = 1; k <= 3; k++) {
      const part = await runCampaign(
        base({
          shrinkRuns: 0,
          range: { baseSeed: 100, count: 60, shard: { index: k, count: 3 } },
          outDir: dirs[k - 1],
        }),
      );
      expect(part.summary.shard).toBe(`${k}/3`);
      expect(part.summary.seeds).toBe(20);
    }
    const merged = mergeDirs(dirs);
    expect(merged.summary.seeds).toBe(whole.summary.seeds);
    expect(merged.summary.digest).toBe(whole.summary.digest);
    expect(merged.summary.outcomes).toEqual(whole.summary.outcomes);
    expect(merged.summary.violations.map((v) => [v.seed, v.kind])).toEqual(
      whole.summary.violations.map((v) => [v.seed, v.kind]),
    );
    expect(merged.summary.exitCode).toBe(whole.summary.exitCode);
    // A missing shard leaves a gap: the merge says so instead of claiming a full campaign.
    const partial = mergeDirs(dirs.slice(0, 2));
    expect(partial.summary.seeds).toBeLessThan(60);
    expect(partial.summary.interrupted).toBe(true);
    expect(partial.problems).toEqual([`shard 3/3 is missing: no summary-shard-3-of-3.json in any DIR`]);
    expect(partial.summary.exitCode).not.toBe(0);
    expect(merged.problems).toEqual([]);
  });

  it('a resumed campaign judges and reports exactly what an uninterrupted one does', async () => {
    const whole = await runCampaign(base({ maxViolations: 3, shrinkRuns: 5 }));
    const out = freshDir();
    const stop = new AbortController();
    let seen = 0;
    const cut = await runCampaign(
      base({
        maxViolations: 3,
        shrinkRuns: 5,
        outDir: out,
        signal: stop.signal,
        onProgress: () => (++seen === 7 ? stop.abort() : undefined),
      }),
    );
    expect(cut.summary.interrupted).toBe(true);
    expect(cut.summary.seeds).toBeLessThan(whole.summary.seeds);
    const journal = readJournal(out);
    expect(journal.header).toMatchObject({
      scenario: 'power-loss',
      maxViolations: 3,
      shrinkRuns: 5,
      range: { baseSeed: 100, count: 60 },
    });
    expect(journal.done.size).toBeGreaterThanOrEqual(7);
    expect(journal.done.size).toBeLessThan(whole.summary.seeds);
    const resumed = await runCampaign(base({ maxViolations: 3, shrinkRuns: 5, outDir: out, prior: journal.done }));
    const same = (s: typeof whole.summary) => ({
      ...s,
      wallSeconds: 0,
      seedsPerSecond: 0,
      eventsPerSecond: 0,
      violations: s.violations.map(({ trace: _t, report: _r, replay: _p, ...rest }) => rest),
    });
    expect(same(resumed.summary)).toEqual(same(whole.summary));
    expect(resumed.summary.interrupted).toBe(false);
    // The journal now holds every judged seed once.
    expect(readJournal(out).done.size).toBeGreaterThanOrEqual(whole.summary.seeds);
  });

  it(
    'the journal keeps the inputs of --scenario-file and the ' + 'shape knobs, so a resume runs the same inputs',
    async () => {
      const out = freshDir();
      const input = { kind: 'overrides' as const, overrides: { brokers: 4 } };
      const opts = base({
        shrinkRuns: 0,
        range: { baseSeed: 7, count: 2 },
        outDir: out,
        input,
        scenarioFlags: '--scenario power-loss --brokers 4',
      });
      await runCampaign(opts);
      const journal = readJournal(out);
      expect(journal.header.input).toEqual(input);
      expect(journal.header.scenarioFlags).toBe('--scenario power-loss --brokers 4');
    },
  );

  it('keeps one index page per campaign; index.html links the others', async () => {
    const out = freshDir();
    await runCampaign(base({ shrinkRuns: 0, range: { baseSeed: 1, count: 3 }, outDir: out }));
    await runCampaign(base({ shrinkRuns: 0, range: { baseSeed: 50, count: 3 }, outDir: out }));
    const pages = readdirSync(out).filter((n) => n.startsWith('campaign-'));
    expect(pages.sort()).toEqual([
      'campaign-power-loss-correct-base-1-seeds-3.html',
      'campaign-power-loss-correct-base-50-seeds-3.html',
    ]);
    const index = readFileSync(join(out, 'index.html'), 'utf8');
    expect(index).toContain('base seed 50');
    expect(index).toContain('<a href="campaign-power-loss-correct-base-1-seeds-3.html">');
  });

  it('merged shards stopping at their own Nth failure give the unsharded first N', async () => {
    const whole = await runCampaign(base({ shrinkRuns: 0, maxViolations: 2 }));
    const dirs = [freshDir(), freshDir()];
    for (let k = 1; k <= 2; k++)
      await runCampaign(
        base({
          shrinkRuns: 0,
          maxViolations: 2,
          range: { baseSeed: 100, count: 60, shard: { index: k, count: 2 } },
          outDir: dirs[k - 1],
        }),
      );
    const merged = mergeDirs(dirs);
    expect(merged.summary.violations.map((v) => v.seed)).toEqual(whole.summary.violations.map((v) => v.seed));
    expect(merged.summary.seeds).toBe(whole.summary.seeds);
    expect(merged.summary.digest).toBe(whole.summary.digest);
  });

  it('refuses to merge results of different campaigns', async () => {
    const a = freshDir();
    const b = freshDir();
    await runCampaign(base({ shrinkRuns: 0, range: { baseSeed: 1, count: 4 }, outDir: a }));
    await runCampaign(base({ shrinkRuns: 0, range: { baseSeed: 2, count: 4 }, outDir: b }));
    expect(() => mergeDirs([a, b])).toThrow(MergeInputError);
    expect(() => mergeDirs([join(tmp, 'nope')])).toThrow(MergeInputError);
  });
});

describe('shrinking', () => {
  it('shrinks deterministically to a small counterexample that fails the same way', () => {
    const deps = { buildCluster: standInCluster({ noFsync: true }), judges: standInJudges };
    // Find a failing swarm seed with several faults.
    let seed = -1;
    let original;
    for (let s = 0; s < 300 && seed < 0; s++) {
      const input = generateInput('swarm', s);
      if (input.faults.length < 3) continue;
      const r = runScenario(deps, { seed: s, scenario: 'swarm', variant: 'correct', input });
      if (r.outcome === 'violation') {
        seed = s;
        original = r;
      }
    }
    expect(seed).toBeGreaterThanOrEqual(0);
    const originalInput = generateInput('swarm', seed);
    const opts = {
      scenario: 'swarm',
      variant: 'correct' as const,
      seed,
      original: original!,
      originalInput,
      budgetRuns: 80,
    };
    const a = shrinkFailure(deps, opts);
    const b = shrinkFailure(deps, opts);
    expect(b.input).toEqual(a.input);
    expect(a.result.outcome).toBe('violation');
    expect(a.result.failureKind).toBe(original!.failureKind);
    expect(a.input.faults.length).toBeLessThanOrEqual(originalInput.faults.length);
    expect(a.input.faults.length).toBeLessThanOrEqual(10);
    expect(a.input.faults.length + a.input.workload.sends).toBeLessThan(
      originalInput.faults.length + originalInput.workload.sends,
    );
    expect(a.runs).toBeLessThanOrEqual(80);
    // Replaying the shrunk input fails again, with the same hash.
    const again = runScenario(deps, { seed, scenario: 'swarm', variant: 'correct', input: a.input });
    expect(again.hash).toBe(a.result.hash);
  });
});

describe('determinism check', () => {
  it('passes a deterministic run', () => {
    const deps = { buildCluster: standInCluster(), judges: standInJudges };
    const rep = checkDeterminism(deps, {
      seed: 3,
      scenario: 'swarm',
      variant: 'correct',
      input: generateInput('swarm', 3),
    });
    expect(rep.identical).toBe(true);
    expect(rep.hashes[0]).toBe(rep.hashes[1]);
  });

  it('catches planted nondeterminism and names the first differing event', async () => {
    const deps = { buildCluster: standInCluster({ nondeterministic: true }), judges: standInJudges };
    const rep = checkDeterminism(deps, {
      seed: 3,
      scenario: 'leader-failover',
      variant: 'correct',
      input: generateInput('leader-failover', 3),
    });
    expect(rep.identical).toBe(false);
    expect(rep.firstDifference).toBeDefined();
    expect(rep.explanation).toMatch(/recorded event #\d+ differs — run 1: #\d+ t=\d+µs/);
    const scan = await scanSeeds({
      scenario: 'leader-failover',
      variant: 'correct',
      range: { baseSeed: 3, count: 2 },
      workers: 1,
      maxViolations: 0,
      checkDeterminism: true,
      depsModule: standIn('nondet'),
    });
    expect(scan.results.map((r) => r.outcome)).toEqual(['nondeterminism', 'nondeterminism']);
    expect(scan.results[0].explanation).toContain('differs');
  });
});

describe('replay', () => {
  it('replays a saved failing trace to its hash and exits 1; a changed trace is refused or flagged', async () => {
    const out = await runCampaign(base({ maxViolations: 1, range: { baseSeed: 100, count: 60 } }));
    const v = out.summary.violations[0];
    const stdout = new Sink();
    const stderr = new Sink();
    const io = { stdout: stdout as never, stderr: stderr as never, depsModule: standIn('nofsync') };
    expect(await replayMain([v.trace!], io)).toBe(1);
    const trace = JSON.parse(readFileSync(v.trace!, 'utf8')) as Trace;
    expect(stdout.text).toContain(`hash ${trace.hash} matches the trace`);
    expect(trace.command).toBe(v.replay);

    // A trace whose hash was tampered with: exit 3 (cannot confirm).
    const tampered = join(tmp, 'tampered.json');
    writeFileSync(tampered, JSON.stringify({ ...trace, hash: '0123456789abcdef' }));
    expect(await replayMain([tampered], io)).toBe(3);
    // Garbage, wrong version, unreadable: exit 2 with one line.
    const garbage = join(tmp, 'garbage.json');
    writeFileSync(garbage, '{not json');
    const wrongVersion = join(tmp, 'v99.json');
    writeFileSync(wrongVersion, JSON.stringify({ ...trace, version: 99 }));
    for (const p of [garbage, wrongVersion, join(tmp, 'missing.json')]) {
      const err = new Sink();
      expect(await replayMain([p], { ...io, stderr: err as never })).toBe(2);
      expect(err.text.trim().split('\n')).toHaveLength(1);
    }
  });
});
