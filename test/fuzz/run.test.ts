// driver/run.ts and the fault injector, against the stand-in cluster (test/fuzz/stand-in):
// faults fire when and where the schedule says (time or protocol event), overlapping faults
// keep a node down until the last releases it, everything is healed before liveness is
// judged, budgets turn a hang into `stuck`, an exception into `crash`, a loss beyond the
// promise into `expected-loss`, and tracing never changes the run.

import { describe, expect, it } from 'vitest';
import { runScenario, runSeed, type RunDeps } from '../../driver/run.ts';
import { invalidInputReason, type Fault, type ScenarioInput } from '../../scenarios/index.ts';
import type { TimelineEvent } from '../../checkers/trace.ts';
import { standInCluster } from './stand-in/cluster.ts';
import { summarizeTrace } from '../../reports/terminal-summary.ts';
import { standInJudges, snapshotCounter } from './stand-in/judges.ts';

const ok: RunDeps = { buildCluster: standInCluster(), judges: standInJudges };
const noFsync: RunDeps = { buildCluster: standInCluster({ noFsync: true }), judges: standInJudges };

function input(faults: Fault[], over: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing: {} },
    workload: { producers: 1, consumers: 1, sends: 30, keys: 0, sendIntervalMs: 200, pollIntervalMs: 100 },
    faults,
    healAtMs: 60_000,
    ...over,
  };
}

const at = (atMs: number) => ({ kind: 'at' as const, atMs });
const nodeEvents = (tl: TimelineEvent[], node: number) =>
  tl.filter((e): e is Extract<TimelineEvent, { kind: 'node' }> => e.kind === 'node' && e.node === node);

describe('run one scenario', () => {
  it('crashes the leader at the given time and restarts it after downMs', () => {
    const r = runScenario(ok, {
      seed: 1,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([
        { trigger: at(5_000), action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: 4_000 } },
      ]),
    });
    expect(r.outcome).toBe('ok');
    const tl = r.trace!.timeline;
    // The stand-in's first leader is broker 1.
    const ev = nodeEvents(tl, 1);
    expect(ev.map((e) => [e.t, e.cause])).toEqual([
      [0, 'start'],
      [5_000_000, 'crash'],
      [9_000_000, 'restart'],
    ]);
    const faultEv = tl.filter((e) => e.kind === 'fault');
    expect(faultEv.map((e) => [e.t, e.kind === 'fault' ? e.phase : ''])).toEqual([
      [5_000_000, 'start'],
      [9_000_000, 'end'],
    ]);
    expect(r.trace!.faults[0]).toMatchObject({ id: 1, startUs: 5_000_000, endUs: 9_000_000 });
    expect(r.trace!.faults[0].description).toContain('broker 1');
  });

  it('fires an event-triggered fault right after the nth matching probe event', () => {
    const r = runScenario(ok, {
      seed: 2,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([
        {
          trigger: {
            kind: 'on',
            event: { probe: 'follower-fetch', broker: 3, partition: null, change: 'any', appendedOnly: true },
            nth: 2,
            afterMs: 1_000,
            delayUs: 0,
          },
          action: { kind: 'crash', target: { kind: 'subject', index: 0 }, downMs: 1_000 },
        },
      ]),
    });
    const crash = nodeEvents(r.trace!.timeline, 3).find((e) => e.cause === 'crash');
    expect(crash).toBeDefined();
    expect(crash!.t).toBeGreaterThanOrEqual(1_000_000);
    expect(r.trace!.faults[0].trigger).toContain('broker 3 fetches as a follower');
    expect(r.faultsFired).toBe(1);
  });

  it('chains faults: after the previous one fired, by a delay or on the nth event from then on', () => {
    const r = runScenario(ok, {
      seed: 9,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([
        { trigger: at(3_000), action: { kind: 'crash', target: { kind: 'broker', id: 3 }, downMs: 1_000 } },
        {
          trigger: { kind: 'after', delayUs: 500_000 },
          action: { kind: 'restart', target: { kind: 'broker', id: 2 }, downMs: 1_000 },
        },
        {
          trigger: {
            kind: 'after',
            delayUs: 0,
            nth: 2,
            event: { probe: 'produce-ack', broker: null, partition: null, change: 'any', appendedOnly: false },
          },
          action: { kind: 'crash', target: { kind: 'subject', index: 0 }, downMs: 1_000 },
        },
        // Never fires: chained to a fault whose target does not resolve.
        {
          trigger: at(4_000),
          action: {
            kind: 'cut',
            cut: { shape: 'link', a: { kind: 'broker', id: 1 }, b: { kind: 'broker', id: 1 } },
            durationMs: 10,
          },
        },
        {
          trigger: { kind: 'after', delayUs: 0 },
          action: { kind: 'crash', target: { kind: 'broker', id: 1 }, downMs: 10 },
        },
      ]),
    });
    const f = r.trace!.faults;
    expect(f[0]).toMatchObject({ startUs: 3_000_000 });
    expect(f[1]).toMatchObject({ startUs: 3_500_000, endUs: 4_500_000 });
    expect(f[1].description).toContain('clean shutdown of broker 2');
    expect(nodeEvents(r.trace!.timeline, 2).map((e) => e.cause)).toEqual(['start', 'shutdown', 'restart']);
    // The second acknowledgement after 3.5 s, by the leader (broker 1): it is crashed right then.
    expect(f[2].startUs).toBeGreaterThan(3_500_000);
    expect(f[2].description).toContain('broker 1');
    expect(f[2].trigger).toContain('the 2nd time after the previous fault');
    expect(f[3].description).toContain('skipped');
    expect(f[4].startUs).toBeUndefined();
    expect(f[4].description).toContain('skipped: the previous fault (4) did not fire');
  });

  it('keeps a node down until the last overlapping fault releases it', () => {
    const r = runScenario(ok, {
      seed: 3,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([
        { trigger: at(2_000), action: { kind: 'crash', target: { kind: 'broker', id: 2 }, downMs: 10_000 } },
        {
          trigger: at(4_000),
          action: { kind: 'power-loss', targets: [{ kind: 'broker', id: 2 }], downMs: 1_000, tornTail: false },
        },
      ]),
    });
    const ev = nodeEvents(r.trace!.timeline, 2).map((e) => [e.t, e.cause]);
    expect(ev).toEqual([
      [0, 'start'],
      [2_000_000, 'crash'],
      [4_000_000, 'power-loss'],
      [12_000_000, 'restart'],
    ]);
  });

  it('heals everything at the heal time: cuts, slow links, down nodes', () => {
    const r = runScenario(ok, {
      seed: 4,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input(
        [
          { trigger: at(1_000), action: { kind: 'crash', target: { kind: 'broker', id: 3 }, downMs: 500_000 } },
          {
            trigger: at(1_000),
            action: { kind: 'cut', cut: { shape: 'isolate', node: { kind: 'broker', id: 2 } }, durationMs: 500_000 },
          },
          {
            trigger: at(1_000),
            action: { kind: 'slow', target: { kind: 'broker', id: 1 }, peer: null, extraMs: 50, durationMs: 500_000 },
          },
        ],
        { healAtMs: 20_000 },
      ),
    });
    expect(r.outcome).toBe('ok');
    const ends = r.trace!.timeline.filter((e) => e.kind === 'fault' && e.phase === 'end');
    expect(ends.map((e) => e.t)).toEqual([20_000_000, 20_000_000, 20_000_000]);
    expect(nodeEvents(r.trace!.timeline, 3).at(-1)).toMatchObject({ t: 20_000_000, cause: 'restart' });
  });

  it('skips a degenerate fault instead of failing the run', () => {
    const r = runScenario(ok, {
      seed: 5,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([
        {
          trigger: at(3_000),
          action: {
            kind: 'cut',
            cut: { shape: 'link', a: { kind: 'broker', id: 2 }, b: { kind: 'broker', id: 2 } },
            durationMs: 1_000,
          },
        },
      ]),
    });
    expect(r.outcome).toBe('ok');
    expect(r.faultsFired).toBe(0);
    expect(r.trace!.faults[0].description).toContain('skipped');
  });

  it('is deterministic, and tracing or recording events never changes the run', () => {
    const a = runSeed(ok, 'swarm', 'correct', 11);
    const b = runSeed(ok, 'swarm', 'correct', 11, { trace: true, recordEvents: true });
    expect(b.hash).toBe(a.hash);
    expect(b.eventCount).toBe(a.eventCount);
    expect(b.verdict).toEqual(a.verdict);
    expect(b.events!.length).toBeGreaterThan(0);
    expect(runSeed(ok, 'swarm', 'correct', 12).hash).not.toBe(a.hash);
  });

  it('shows the invariant monitor snapshots taken during the run', () => {
    const before = snapshotCounter.seen;
    runSeed(ok, 'leader-failover', 'correct', 3);
    expect(snapshotCounter.seen - before).toBeGreaterThan(5);
  });
});

describe('outcomes', () => {
  const powerLossOfLeader = (targets: number[]): Fault => ({
    trigger: {
      kind: 'on',
      event: { probe: 'produce-ack', broker: null, partition: null, change: 'any', appendedOnly: false },
      nth: 5,
      afterMs: 0,
      delayUs: 0,
    },
    action: {
      kind: 'power-loss',
      targets: targets.map((id) => ({ kind: 'broker' as const, id })),
      downMs: 1_000,
      tornTail: false,
    },
  });

  it('a loss inside the promise is a violation', () => {
    const r = runScenario(noFsync, {
      seed: 7,
      scenario: 'test',
      variant: 'correct',
      input: input([powerLossOfLeader([1])]),
    });
    expect(r.outcome).toBe('violation');
    expect(r.failureKind).toBe('lost-write');
    expect(r.beyondPromise).toBe(false);
    expect(r.verdict.anomalies.some((a) => a.expected === true || a.expectedBecause !== undefined)).toBe(false);
  });

  it('a loss beyond the promise (correlated power loss of ≥ min.insync.replicas brokers) is expected', () => {
    const r = runScenario(noFsync, {
      seed: 7,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([powerLossOfLeader([1, 2, 3])]),
    });
    expect(r.beyondPromise).toBe(true);
    expect(r.outcome).toBe('expected-loss');
    expect(r.verdict.valid).not.toBe(false);
    expect(r.verdict.anomalies.length).toBeGreaterThan(0);
    expect(r.verdict.anomalies.every((a) => a.expected === true)).toBe(true);
    // Each expected anomaly names the breach: the power loss, judged by the tracker when it fired.
    for (const a of r.verdict.anomalies) {
      expect(a.expectedBecause).toMatchObject({ rule: 'min-isr-power-loss', nodes: [1, 2, 3], partition: 0 });
      expect(a.expectedBecause!.event).toContain('power loss of broker 1 + broker 2 + broker 3');
    }
    expect(r.trace!.faults[0].beyondPromise).toBe(true);
    // The terminal summary names the rule, when it broke and the fault that broke it.
    const headline = summarizeTrace(r.trace!).split('\n')[0];
    expect(headline).toMatch(/^! expected loss \S+ — beyond Kafka's promise: min-isr-power-loss at \d+\.\d{3} s /);
    expect(headline).toMatch(/ \(power loss of broker 1 \+ broker 2 \+ broker 3\) — test, variant correct, seed 7$/);
  });

  it("replays an old trace's schedule whose faults carry the generator's former label, ignoring it", () => {
    // Traces written before issue 10 hold `beyondPromise` on each fault; only the tracker judges now.
    const labelled: unknown = JSON.parse(
      JSON.stringify(input([powerLossOfLeader([1])])).replace(
        '"tornTail":false}',
        '"tornTail":false},"beyondPromise":true',
      ),
    );
    expect(JSON.stringify(labelled)).toContain('"beyondPromise":true');
    expect(invalidInputReason(labelled)).toBeUndefined();
    const old = runScenario(noFsync, {
      seed: 7,
      scenario: 'test',
      variant: 'correct',
      input: labelled as ScenarioInput,
    });
    const now = runScenario(noFsync, {
      seed: 7,
      scenario: 'test',
      variant: 'correct',
      input: input([powerLossOfLeader([1])]),
    });
    expect([old.hash, old.outcome, old.beyondPromise]).toEqual([now.hash, 'violation', false]);
  });

  it('labels two single power losses of unrecovered brokers as beyond the promise at run time', () => {
    const single = (id: number, atMs: number): Fault => ({
      trigger: at(atMs),
      action: { kind: 'power-loss', targets: [{ kind: 'broker', id }], downMs: 5_000, tornTail: false },
    });
    const r = runScenario(ok, {
      seed: 8,
      scenario: 'test',
      variant: 'correct',
      trace: true,
      input: input([single(2, 3_000), single(3, 4_000)]),
    });
    expect(r.trace!.faults.map((f) => f.beyondPromise === true)).toEqual([false, true]);
    expect(r.beyondPromise).toBe(true);
    const apart = runScenario(ok, {
      seed: 8,
      scenario: 'test',
      variant: 'correct',
      input: input([single(2, 3_000), single(3, 30_000)]),
    });
    expect(apart.beyondPromise).toBe(false);
  });

  it('an exception inside the simulation is a crash with its seed, not a thrown error', () => {
    const deps: RunDeps = { buildCluster: standInCluster({ throwAtMs: 3_000 }), judges: standInJudges };
    const r = runSeed(deps, 'swarm', 'correct', 21);
    expect(r.outcome).toBe('crash');
    expect(r.failureKind).toBe('crash');
    expect(r.verdict.anomalies[0].explanation).toContain('Seed 21');
    expect(r.error).toContain('planted failure');
  });

  it('a run that cannot finish is stuck within its budgets, not a hang', () => {
    const deps: RunDeps = { buildCluster: standInCluster({ neverFinish: true }), judges: standInJudges };
    const r = runSeed(deps, 'swarm', 'correct', 22, { budgets: { maxVirtualMs: 50_000 } });
    expect(r.outcome).toBe('stuck');
    expect(r.verdict.anomalies.some((a) => a.kind === 'stuck')).toBe(true);
    expect(r.endTimeUs).toBeLessThanOrEqual(50_000_000);
    // Within the budgets, a workload that never finishes after the heal is a liveness failure.
    const slow = runScenario(deps, { seed: 22, scenario: 'test', variant: 'correct', input: input([]) });
    expect(slow.outcome).toBe('violation');
    expect(
      slow.verdict.anomalies.some(
        (a) => a.kind === 'liveness' && a.explanation.includes('sends had not all completed'),
      ),
    ).toBe(true);
    // (seed 22's run takes some 800 events in all: a budget of 100 stops it early)
    const byEvents = runSeed(ok, 'swarm', 'correct', 22, { budgets: { maxEvents: 100 } });
    expect(byEvents.outcome).toBe('stuck');
    expect(byEvents.eventCount).toBeLessThanOrEqual(100);
    expect(byEvents.verdict.anomalies[0].explanation).toContain('event budget');
  });
});
