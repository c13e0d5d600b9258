// The example replicated counter on the kernel: the same seed gives the same hash across
// 1,000 seeds, twice in this thread and once in a worker thread running the TypeScript
// sources; different seeds give different histories; every run exercises every kernel
// feature; with fsync 'always' nothing acknowledged is ever lost, and without fsync a power
// loss does lose acknowledged increments (the disk fault model has teeth).

import { beforeAll, describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { firstDifference } from '../../harness/index.ts';
import type { KernelEventKind } from '../../harness/index.ts';
import { exampleOutcomes } from './hashes.ts';
import type { SeedOutcome } from './hashes.ts';
import { FAULT_KINDS, runExample } from './scenario.ts';

const SEEDS = Array.from({ length: 1_000 }, (_, i) => i + 1);

interface WorkerReply {
  outcomes: SeedOutcome[];
  moduleUrl: string;
  evidence: string;
  isMainThread: boolean;
  threadId: number;
}

function runInWorker(seeds: readonly number[]): Promise<WorkerReply> {
  const entry = new URL('./hash-worker.ts', import.meta.url).href;
  const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { entry, seeds } });
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: WorkerReply) => {
      void worker.terminate();
      resolve(reply);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`worker exited with ${code} before replying`)));
  });
}

describe('the same seed gives the same hash across 1,000 seeds', () => {
  let first: SeedOutcome[];
  let workerReply: Promise<WorkerReply>;

  beforeAll(() => {
    workerReply = runInWorker(SEEDS); // runs on the other core while this thread works
    first = exampleOutcomes(SEEDS);
  });

  it('in the main thread, run twice', () => {
    const second = exampleOutcomes(SEEDS);
    expect(second).toEqual(first);
    expect(first.every((o) => /^[0-9a-f]{16}$/.test(o.hash))).toBe(true);
    expect(Math.min(...first.map((o) => o.events))).toBeGreaterThan(300);
  });

  it('in a worker thread running the TypeScript sources', async () => {
    const reply = await workerReply;
    expect(reply.isMainThread).toBe(false);
    expect(reply.threadId).toBeGreaterThan(0);
    expect(reply.moduleUrl).toMatch(/\/test\/example\/hash-worker\.ts$/);
    expect(reply.evidence).toBe('typescript');
    expect(reply.outcomes).toEqual(first);
  });

  it('and different seeds give different hashes', () => {
    expect(new Set(first.map((o) => o.hash)).size).toBe(SEEDS.length);
  });

  it('and, with fsync always, no run loses an acknowledged increment or fails to converge', () => {
    expect(first.filter((o) => o.anomalies > 0)).toEqual([]);
  });
});

describe('different seeds give different histories', () => {
  it('their recorded events differ, and early', () => {
    const runs = [1, 2, 3].map((seed) => runExample({ seed, recordEvents: true }).sim.events);
    for (const [a, b] of [
      [0, 1],
      [1, 2],
      [0, 2],
    ]) {
      const d = firstDifference(runs[a], runs[b]);
      expect(d).toBeDefined();
      expect(d!.index).toBeLessThan(50);
    }
  });
});

describe('every run exercises every kernel feature', () => {
  it('crashes, power losses (torn and not), shutdowns, restarts, every cut shape, slow links, timers, probes', () => {
    const seeds = Array.from({ length: 20 }, (_, i) => 100 + i);
    let tornRecovered = 0;
    let truncations = 0;
    let probeTriggered = 0;
    for (const seed of seeds) {
      const r = runExample({ seed, fsync: { kind: 'every', entries: 3 }, recordEvents: seed === 100 });
      for (const kind of FAULT_KINDS) expect(r.coverage.faults[kind], `${kind} in seed ${seed}`).toBe(1);
      expect(r.coverage.transitions.start).toBe(5);
      expect(r.coverage.transitions.restart).toBeGreaterThan(0);
      expect(
        r.coverage.transitions.crash + r.coverage.transitions['power-loss'] + r.coverage.transitions.shutdown,
      ).toBeGreaterThan(1);
      expect(r.coverage.probes['leader-silent'] ?? 0).toBeGreaterThan(0); // a follower's timer fired
      expect(r.coverage.probes.retry ?? 0).toBeGreaterThan(0); // a client's retry timer fired
      expect(r.coverage.probes.recovered).toBeGreaterThan(3);
      tornRecovered += r.coverage.tornTailsRecovered;
      truncations += r.coverage.probes.truncate ?? 0;
      probeTriggered += r.coverage.probeTriggered;
      if (seed === 100) {
        const kinds = new Set(r.sim.events.map((e) => e.kind));
        const all: KernelEventKind[] = ['deliver', 'drop', 'timer', 'external', 'node', 'disconnect'];
        expect([...kinds].sort()).toEqual(all.sort());
        const transitions = new Set(r.sim.events.filter((e) => e.kind === 'node').map((e) => e.label));
        for (const t of ['start', 'crash', 'power-loss', 'shutdown', 'restart']) expect(transitions).toContain(t);
      }
    }
    expect(tornRecovered).toBeGreaterThan(0);
    expect(truncations).toBeGreaterThan(0);
    expect(probeTriggered).toBe(seeds.length);
  });
});

describe('the disk fault model matters to the example', () => {
  it('without fsync, a power loss loses acknowledged increments; replicas still converge', () => {
    const outcomes = Array.from({ length: 40 }, (_, i) => runExample({ seed: 500 + i, fsync: { kind: 'never' } }));
    const anomalies = outcomes.flatMap((r) => r.anomalies);
    expect(anomalies.some((a) => a.startsWith('lost ack'))).toBe(true);
    // The loss is of durability only: no divergence, nothing left uncommitted, all clients done.
    expect(anomalies.filter((a) => !a.startsWith('lost ack') && !a.startsWith('ack of'))).toEqual([]);
    // Every fault but power loss (process crashes, shutdowns, cuts, slow links) loses nothing,
    // even without fsync: the page cache survives a process crash.
    const noPowerLoss = FAULT_KINDS.filter((k) => k !== 'power-loss' && k !== 'power-loss-torn');
    const crashOnly = Array.from({ length: 40 }, (_, i) =>
      runExample({ seed: 500 + i, fsync: { kind: 'never' }, faultKinds: noPowerLoss, probeFaults: false }),
    );
    expect(crashOnly.reduce((n, r) => n + r.coverage.transitions.crash, 0)).toBeGreaterThan(30);
    expect(crashOnly.reduce((n, r) => n + r.coverage.transitions['power-loss'], 0)).toBe(0);
    expect(crashOnly.flatMap((r) => r.anomalies)).toEqual([]);
  });
});
