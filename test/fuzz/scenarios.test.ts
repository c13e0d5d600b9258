// The scenario generators: every named scenario yields valid, healable, JSON-safe inputs in
// the bounds of issue 5; swarm seeds differ in which fault kinds they use; most faults fire
// on protocol events; most default-swarm seeds stay inside Kafka's promise; generation is a
// pure function of the seed; the variant table covers every variant of model/config.ts.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CONFIG_VARIANTS, DEFAULT_KAFKA_CONFIG, PROTOCOL_VARIANTS } from '../../model/config.ts';
import {
  FAULT_KINDS,
  SCENARIOS,
  SWARM_DRAWS_ZOOKEEPER,
  SWARM_MAX_FAULTS,
  VARIANT_DESCRIPTIONS,
  VARIANT_NAMES,
  applyVariant,
  clusterSpecOf,
  describeFault,
  findScenario,
  invalidInputReason,
  type ScenarioInput,
  withSometimesZooKeeper,
} from '../../scenarios/index.ts';
import { generateInput } from '../../driver/run.ts';
import { overrideShape } from '../../scenarios/input.ts';

const REQUIRED = [
  'leader-failover',
  'slow-follower',
  'partition-leader',
  'power-loss',
  'rolling-restart',
  'controller-failover',
  'swarm',
];
/** Beyond the list: the benchmark's standard scenario. */
const EXTRA = ['standard', 'consumer-group', 'transactions'];

/** Each fault's outage or duration (an election has none: it is done at once). */
function durationsOf(input: ScenarioInput): number[] {
  return input.faults.flatMap((f) => {
    const a = f.action;
    switch (a.kind) {
      case 'crash':
      case 'restart':
      case 'power-loss':
      case 'controller-crash':
      case 'controller-power-loss':
      case 'rolling-restart':
        return a.downMs;
      case 'cut':
      case 'slow':
      case 'pause':
        return a.durationMs;
      case 'leader-election':
        return [];
    }
  });
}

describe('named scenarios', () => {
  it('has every scenario of issue 5, each with a one-line description', () => {
    for (const name of REQUIRED) {
      const s = findScenario(name);
      expect(s, name).toBeDefined();
      expect(s!.description.length).toBeGreaterThan(20);
      expect(s!.description).not.toContain('\n');
    }
    expect(SCENARIOS.map((s) => s.name).sort()).toEqual([...REQUIRED, ...EXTRA].sort());
  });

  for (const def of SCENARIOS) {
    it(`${def.name}: inputs are valid, bounded, healable and survive JSON`, () => {
      fc.assert(
        fc.property(def.arbitrary, (input) => {
          expect(invalidInputReason(input)).toBeUndefined();
          const s = input.shape;
          expect(s.brokers).toBeGreaterThanOrEqual(3);
          expect(s.brokers).toBeLessThanOrEqual(5);
          expect(s.replicationFactor).toBeGreaterThanOrEqual(2);
          expect(s.replicationFactor).toBeLessThanOrEqual(s.brokers);
          expect(s.minInsync).toBeGreaterThanOrEqual(2);
          expect(s.minInsync).toBeLessThanOrEqual(s.replicationFactor);
          expect(s.partitions).toBeGreaterThanOrEqual(1);
          expect(input.faults.length).toBeLessThanOrEqual(10);
          for (const d of durationsOf(input)) {
            expect(Number.isInteger(d) && d > 0).toBe(true);
            expect(d).toBeLessThan(input.healAtMs);
          }
          expect(JSON.parse(JSON.stringify(input))).toEqual(input);
          for (const f of input.faults) expect(describeFault(f).length).toBeGreaterThan(5);
          // Scenarios never switch a safety setting: that is the variants' job.
          const spec = clusterSpecOf(input);
          expect(spec.config.acks).toBe('all');
          expect(spec.config['unclean.leader.election.enable']).toBe(false);
          expect(spec.variant).toBe('correct');
        }),
        { numRuns: 150, seed: 4242 },
      );
    });
  }

  it('the classic leader-failover demo is 3 brokers, RF 3, killing the leader', () => {
    for (let seed = 0; seed < 30; seed++) {
      const input = generateInput('leader-failover', seed);
      expect(input.shape).toMatchObject({ brokers: 3, replicationFactor: 3, partitions: 1 });
      expect(input.faults.length).toBeGreaterThan(0);
      for (const f of input.faults)
        expect(f.action).toMatchObject({ kind: 'crash', target: { kind: 'leader', partition: 0 } });
    }
  });
});

describe('swarm', () => {
  const inputs = Array.from({ length: 400 }, (_, seed) => generateInput('swarm', seed));

  it('is a pure function of the seed', () => {
    for (let seed = 0; seed < 20; seed++) expect(generateInput('swarm', seed)).toEqual(inputs[seed]);
    expect(generateInput('swarm', 1)).not.toEqual(generateInput('swarm', 2));
  });

  it('switches different subsets of fault kinds on in different seeds, all kinds in some', () => {
    const subsets = new Set(inputs.map((i) => [...new Set(i.faults.map((f) => f.action.kind))].sort().join('+')));
    expect(subsets.size).toBeGreaterThan(20);
    const used = new Set(inputs.flatMap((i) => i.faults.map((f) => f.action.kind)));
    expect([...used].sort()).toEqual([...FAULT_KINDS].sort());
    expect(Math.max(...inputs.map((i) => i.faults.length))).toBeLessThanOrEqual(SWARM_MAX_FAULTS);
  });

  it('kills and powers off every node kind, and waits for code probes and deposed leaders now and then', () => {
    const faults = Array.from({ length: 1500 }, (_, seed) => generateInput('swarm', 10_000 + seed)).flatMap(
      (i) => i.faults,
    );
    const hit = new Set<string>();
    for (const f of faults) {
      const a = f.action;
      const targets = a.kind === 'crash' ? [a.target] : a.kind === 'power-loss' ? a.targets : [];
      for (const t of targets) hit.add(`${a.kind}:${t.kind === 'leader' || t.kind === 'follower' ? 'broker' : t.kind}`);
    }
    for (const node of ['broker', 'controller', 'voter', 'producer', 'consumer'])
      for (const kind of ['crash', 'power-loss']) expect(hit.has(`${kind}:${node}`), `${kind}:${node}`).toBe(true);
    const events = faults.flatMap((f) =>
      f.trigger.kind === 'at' || f.trigger.event === undefined ? [] : [f.trigger.event],
    );
    const code = events.filter((e) => e.probe === 'code');
    const deposed = events.filter((e) => e.probe === 'deposed-with-produce-in-flight');
    expect(code.length).toBeGreaterThan(0);
    expect(deposed.length).toBeGreaterThan(0);
    // Small weights: each well under a tenth of the event triggers.
    expect(code.length / events.length).toBeLessThan(0.1);
    expect(deposed.length / events.length).toBeLessThan(0.1);
    expect(new Set(code.map((e) => e.codeProbe)).size).toBeGreaterThan(5);
  });

  it('fires most faults on protocol events or chained to them, with small delays, and uses every cut shape', () => {
    const faults = inputs.flatMap((i) => i.faults);
    const onEvent = faults.filter((f) => f.trigger.kind === 'on');
    const chained = faults.filter((f) => f.trigger.kind === 'after');
    expect(onEvent.length / faults.length).toBeGreaterThan(0.3);
    expect((onEvent.length + chained.length) / faults.length).toBeGreaterThan(0.6);
    const immediate = onEvent.filter((f) => f.trigger.kind === 'on' && f.trigger.delayUs === 0);
    expect(immediate.length).toBeGreaterThan(onEvent.length / 5);
    const probes = new Set(onEvent.map((f) => (f.trigger.kind === 'on' ? f.trigger.event.probe : '')));
    for (const p of ['produce-ack', 'follower-fetch', 'alter-partition-sent', 'truncate', 'leader-change'])
      expect(probes.has(p as never), p).toBe(true);
    const shapes = new Set(faults.flatMap((f) => (f.action.kind === 'cut' ? [f.action.cut.shape] : [])));
    expect([...shapes].sort()).toEqual(['bridge', 'isolate', 'link', 'one-way', 'split']);
  });

  it('gives one swarm seed in five transactional producers (commit-point crashes too), kept in ZooKeeper mode', () => {
    // scenarios/named.ts withSometimesTransactions: one seed in TXN_ONE_IN (5), drawn last.
    const commitPoint = (f: ScenarioInput['faults'][number]) =>
      f.trigger.kind === 'on' && f.trigger.event.codeProbe === 'txn-coordinator-prepare-commit-written';
    const txn = inputs.filter((i) => i.workload.transactions !== undefined);
    expect(txn.length).toBeGreaterThan(inputs.length / 5 - 30);
    expect(txn.length).toBeLessThan(inputs.length / 5 + 30);
    expect(inputs.filter((i) => i.workload.transactions === undefined && i.faults.some(commitPoint))).toEqual([]);
    expect(txn.some((i) => i.faults.some(commitPoint))).toBe(true);
    const zk = overrideShape(generateInput('transactions', 1), { controller: 'zookeeper' });
    const drawnTxn = generateInput('transactions', 1);
    expect(zk.workload.transactions).toEqual(drawnTxn.workload.transactions);
    expect(zk.faults.filter(commitPoint)).toEqual(drawnTxn.faults.filter(commitPoint));
  });

  it("gives one transactional swarm seed in two KIP-890's late produce: a slow link past delivery.timeout.ms", () => {
    // scenarios/named.ts withSometimesLateProduce, drawn after everything else.
    const txn = inputs.filter((i) => i.workload.transactions !== undefined);
    const late = txn.filter((i) => i.workload.transactions!.deliveryTimeoutMs !== undefined);
    expect(late.length).toBeGreaterThan(txn.length / 2 - 15);
    expect(late.length).toBeLessThan(txn.length / 2 + 15);
    for (const i of late) {
      const t = i.workload.transactions!;
      const requestTimeoutMs = i.shape.timing['request.timeout.ms'] ?? DEFAULT_KAFKA_CONFIG['request.timeout.ms'];
      expect(t.deliveryTimeoutMs).toBe(requestTimeoutMs);
      expect(i.faults.length).toBeLessThanOrEqual(SWARM_MAX_FAULTS);
      // The last fault: a transactional producer's link to a leader, slower than the delivery timeout.
      const { action } = i.faults[i.faults.length - 1]!;
      expect(action.kind).toBe('slow');
      if (action.kind !== 'slow') continue;
      expect(action.target.kind === 'producer' && action.target.index >= i.workload.producers).toBe(true);
      expect(action.target.kind === 'producer' && action.target.index < i.workload.producers + t.producers).toBe(true);
      expect(action.peer?.kind).toBe('leader');
      expect(action.extraMs).toBeGreaterThan(requestTimeoutMs);
      expect(invalidInputReason(i)).toBeUndefined();
    }
  });

  it('draws ZooKeeper mode last, in one seed of five or so, as --controller zookeeper lays it', () => {
    expect(SWARM_DRAWS_ZOOKEEPER).toBe(true);
    const zkInputs = inputs.filter((i) => i.shape.zookeeper !== undefined);
    expect(zkInputs.length).toBeGreaterThan(inputs.length / 5 - 30);
    expect(zkInputs.length).toBeLessThan(inputs.length / 5 + 30);
    for (const i of zkInputs) {
      expect(i.shape.kafkaVersion).toMatch(/^3\./);
      expect([i.shape.controllers, i.shape.combined, i.workload.group?.protocol]).toEqual([
        undefined,
        undefined,
        undefined,
      ]);
      expect(invalidInputReason(i)).toBeUndefined();
    }
    const withGroup = inputs.find((i) => i.workload.group !== undefined && i.shape.controllers !== undefined)!;
    expect(withGroup).toBeDefined();
    expect(withSometimesZooKeeper(withGroup, 2)).toBe(withGroup);
    expect(withSometimesZooKeeper(withGroup, 1, false)).toBe(withGroup);
    const zk = withSometimesZooKeeper(withGroup, 1);
    expect(zk).toEqual(overrideShape(withGroup, { controller: 'zookeeper' }));
    expect(zk.shape.zookeeper).toBeDefined();
    expect(zk.shape.controllers).toBeUndefined();
    // the group stays, on the classic protocol (ZooKeeper mode runs the Scala GroupCoordinator)
    const { protocol: _protocol, ...classic } = withGroup.workload.group!;
    expect(zk.workload.group).toEqual(classic);
    expect(zkInputs.some((i) => i.workload.group !== undefined)).toBe(true);
    expect(zkInputs.some((i) => i.workload.transactions !== undefined)).toBe(true);
  });

  it('patterns.ts needs nothing from arbitraries.ts at run time (no import cycle between them)', () => {
    const src = readFileSync(new URL('../../scenarios/patterns.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/^import (?!type )[^;]*from '\.\/arbitraries\.ts'/m);
  });

  it('keeps most seeds inside what Kafka promises, and leaves judging that to the run (no label on faults)', () => {
    // A correlated power loss of ≥ min.insync.replicas brokers goes beyond the promise
    // whenever they replicate a common partition; the promise tracker judges it when it fires.
    const correlated = (i: ScenarioInput) =>
      i.faults.some((f) => f.action.kind === 'power-loss' && f.action.targets.length >= Math.max(2, i.shape.minInsync));
    const beyond = inputs.filter(correlated);
    expect(beyond.length).toBeGreaterThan(0);
    expect(beyond.length / inputs.length).toBeLessThan(0.15);
    for (const i of inputs) for (const f of i.faults) expect(Object.keys(f).sort()).toEqual(['action', 'trigger']);
  });

  it('pads values to 10–1,200 bytes in about three seeds of four, and keeps the bare labels in the rest', () => {
    const sized = inputs.filter((i) => i.workload.valueBytes !== undefined);
    expect(sized.length / inputs.length).toBeGreaterThan(0.65);
    expect(sized.length / inputs.length).toBeLessThan(0.85);
    for (const { workload } of sized) {
      const { min, max } = workload.valueBytes!;
      expect([min >= 10, min <= 300, max >= min, max - min <= 900]).toEqual([true, true, true, true]);
    }
    // A file may give any range up to a megabyte, but not an empty one.
    const withRange = (min: number, max: number) => ({
      ...inputs[0],
      workload: { ...inputs[0].workload, valueBytes: { min, max } },
    });
    expect(invalidInputReason(withRange(1_000, 1_000))).toBeUndefined();
    expect(invalidInputReason(withRange(500, 100))).toMatch(/valueBytes/);
    expect(invalidInputReason(withRange(0, 2_000_000))).toMatch(/valueBytes/);
  });
});

describe('variants', () => {
  it('describes every variant of model/config.ts in one line', () => {
    expect([...VARIANT_NAMES].sort()).toEqual(['correct', ...CONFIG_VARIANTS, ...PROTOCOL_VARIANTS].sort());
    for (const v of VARIANT_NAMES) {
      expect(VARIANT_DESCRIPTIONS[v].length).toBeGreaterThan(10);
      expect(VARIANT_DESCRIPTIONS[v]).not.toContain('\n');
    }
  });

  it('lays config variants over the config and protocol variants into spec.variant', () => {
    const spec = clusterSpecOf(generateInput('swarm', 3));
    expect(applyVariant(spec, 'correct')).toEqual(spec);
    expect(applyVariant(spec, 'acks-1').config.acks).toBe(1);
    expect(applyVariant(spec, 'min-insync-1').config['min.insync.replicas']).toBe(1);
    expect(applyVariant(spec, 'unclean-election').config['unclean.leader.election.enable']).toBe(true);
    for (const v of CONFIG_VARIANTS) expect(applyVariant(spec, v).variant).toBe('correct');
    for (const v of PROTOCOL_VARIANTS) {
      const s = applyVariant(spec, v);
      expect(s.variant).toBe(v);
      // isr-write-ignores-zkversion lives in the pre-2.7 ISR path: it runs IBP 2.6.
      if (v === 'isr-write-ignores-zkversion')
        expect(s.config).toEqual({ ...spec.config, 'inter.broker.protocol.version': '2.6' });
      else expect(s.config).toEqual(spec.config);
    }
    // The scenario's own config is untouched.
    expect(spec.config.acks).toBe(DEFAULT_KAFKA_CONFIG.acks);
  });
});
