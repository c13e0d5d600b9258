// The determinism check (harness/determinism.ts): a deterministic scenario passes; a
// Math.random planted inside a node is caught, and the report names the first pair of
// events that differ (index, virtual time, node, label), with everything before it equal.

import { describe, expect, it } from 'vitest';
import { checkDeterminism, compareRuns, describeEvent, firstDifference, Simulation } from '../../harness/index.ts';
import type { KernelTraceEvent, SimulationOptions } from '../../harness/index.ts';
import { buildExample, exampleConfig, runExampleOn } from '../example/scenario.ts';
import type { Plant } from '../example/counter.ts';

/** The example counter, as a determinism scenario: built from exactly the given options. */
const counterScenario = (plant: Plant) => (options: SimulationOptions) =>
  runExampleOn(buildExample(options, exampleConfig({ kind: 'always' }, plant, 8)), {
    faultWindowUs: 400_000,
    settleUs: 400_000,
  }).sim;

describe('checkDeterminism', () => {
  it('passes the example counter under faults, with recording and deep hashing on', () => {
    for (const seed of [1, 2, 3]) {
      const verdict = checkDeterminism(counterScenario('none'), seed);
      expect(verdict.deterministic, verdict.deterministic ? '' : verdict.message).toBe(true);
      if (verdict.deterministic) expect(verdict.events).toBeGreaterThan(300);
    }
  });

  it('catches a Math.random planted in a message and names the first differing event', () => {
    const verdict = checkDeterminism(counterScenario('math-random-payload'), 5);
    expect(verdict.deterministic).toBe(false);
    if (verdict.deterministic) return;
    const d = verdict.difference!;
    // Same event header in both runs, different content: the first `inc` a client sent.
    expect(d.first).toBeDefined();
    expect(d.second).toBeDefined();
    expect(d.first!.seq).toBe(d.index);
    expect(d.first!.timeUs).toBe(d.second!.timeUs);
    expect(d.first!.label).toBe('inc');
    expect(d.second!.label).toBe('inc');
    expect(d.first!.from).toBe(d.second!.from);
    expect([10, 11]).toContain(d.first!.from); // sent by a client ...
    expect(d.first!.node).toBe(0); // ... to the leader
    expect(d.first!.detail).toMatch(/"nonce":/);
    expect(d.first!.detail).not.toBe(d.second!.detail);
    // The message names the pair: event index, time, node and label.
    expect(verdict.message).toContain(`first differ at event #${d.index}`);
    expect(verdict.message).toContain(`t=${d.first!.timeUs}µs`);
    expect(verdict.message).toContain(`node ${d.first!.node} ← ${d.first!.from} inc`);
    expect(verdict.hashes[0]).not.toBe(verdict.hashes[1]);
  });

  it('catches a Math.random planted in a timer delay, at the first event the runs disagree on', () => {
    const scenario = counterScenario('math-random-timer');
    const a = scenario({ seed: 11, recordEvents: true, deepHash: true });
    const b = scenario({ seed: 11, recordEvents: true, deepHash: true });
    const verdict = compareRuns(a, b, 11);
    expect(verdict.deterministic).toBe(false);
    if (verdict.deterministic) return;
    const d = verdict.difference!;
    expect(a.events.slice(0, d.index)).toEqual(b.events.slice(0, d.index));
    expect(a.events[d.index]).not.toEqual(b.events[d.index]);
    // The planted delay is on a follower's leader-silence timer: the divergence is its firing.
    const sides = [d.first, d.second].filter((e): e is KernelTraceEvent => e !== undefined);
    expect(sides.some((e) => e.kind === 'timer' && e.label === 'leader-silence' && [1, 2].includes(e.node))).toBe(true);
  });

  it('a scenario that keeps state between runs is caught too', () => {
    let runs = 0;
    const leaky = (options: SimulationOptions) => {
      const sim = new Simulation(options);
      runs++;
      for (let i = 0; i < 5; i++) sim.at(i * 10, i === 3 && runs === 2 ? 'odd-one' : 'tick', () => {});
      sim.run();
      return sim;
    };
    const verdict = checkDeterminism(leaky, 1);
    expect(verdict.deterministic).toBe(false);
    if (!verdict.deterministic) {
      expect(verdict.difference!.index).toBe(3);
      expect(verdict.difference!.first!.label).toBe('tick');
      expect(verdict.difference!.second!.label).toBe('odd-one');
      expect(verdict.message).toContain('#3 t=30µs external tick');
    }
  });
});

describe('firstDifference', () => {
  const ev = (seq: number, label: string): KernelTraceEvent => ({
    seq,
    timeUs: seq * 10,
    kind: 'external',
    node: -1,
    from: -1,
    label,
  });

  it('finds nothing in equal lists, and the end of the shorter list otherwise', () => {
    const a = [ev(0, 'a'), ev(1, 'b')];
    expect(firstDifference(a, [...a])).toBeUndefined();
    const d = firstDifference(a, [ev(0, 'a')])!;
    expect(d.index).toBe(1);
    expect(d.first?.label).toBe('b');
    expect(d.second).toBeUndefined();
    expect(describeEvent(d.second)).toMatch(/had ended/);
    expect(describeEvent(d.lastCommon)).toBe('#0 t=0µs external a');
  });
});
