// `--controller zookeeper` (issue 16) over a named scenario's draw: the input records the mode
// (the ensemble and its chroot) so a trace replays it bit for bit, the schema takes it back,
// and Kafka 4.x (which removed the mode) is refused in it; a drawn consumer group stays (its
// members on node ids of their own, 700 and up, not the ensemble's 500 and up).

import { describe, expect, it } from 'vitest';
import { inputFor } from '../../campaign/tasks.ts';
import { generateInput, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import { overrideShape } from '../../scenarios/input.ts';
import { parseScenarioInput } from '../../scenarios/schema.ts';

describe('ZooKeeper mode in scenario inputs', () => {
  it('records the mode, passes the schema and runs the same twice', () => {
    const drawn = generateInput('swarm', 7);
    const input = overrideShape(drawn, { controller: 'zookeeper' });
    expect(input.shape.zookeeper?.servers === 1 || input.shape.zookeeper?.servers === 3).toBe(true);
    expect(input.shape.kafkaVersion?.startsWith('3.')).toBe(true);
    expect(input.shape.controllers).toBeUndefined();
    expect(input.faults).toEqual(drawn.faults);
    const parsed = parseScenarioInput(JSON.parse(JSON.stringify(input)));
    expect(parsed.ok).toBe(true);
    const a = runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input });
    const b = runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input });
    expect(a.hash).toBe(b.hash);
    expect(a.hash).not.toBe(runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input: drawn }).hash);
    // Back to KRaft: the mode's field goes.
    expect(overrideShape(input, { controller: 'kraft' }).shape.zookeeper).toBeUndefined();
  });

  it('--controller kraft runs a seed the swarm lays into ZooKeeper mode on its own KRaft-mode draw', () => {
    // Swarm seed 450000108 draws ZooKeeper mode (Kafka 3.9, no voters). Stripping the ensemble
    // from that input once ran it as KRaft on 3.9 with one voter, a shape the swarm never draws.
    const seed = 450_000_108;
    const zk = generateInput('swarm', seed);
    expect(zk.shape.zookeeper).toBeDefined();
    const kraft = inputFor('swarm', seed, { kind: 'overrides', overrides: { controller: 'kraft' } });
    expect(kraft.shape.zookeeper).toBeUndefined();
    expect(kraft.shape.kafkaVersion).toBeUndefined();
    expect(kraft.shape.controllers).toBeDefined();
    // Every draw but the mode's is the seed's own: the KRaft draw laid into ZooKeeper mode is the swarm's input.
    expect(overrideShape(kraft, { controller: 'zookeeper' })).toEqual(zk);
    // A seed the swarm leaves in KRaft mode is the same with or without the knob.
    const stays = [0, 1, 2, 3, 4, 5, 6, 7].find((s) => generateInput('swarm', s).shape.zookeeper === undefined)!;
    expect(inputFor('swarm', stays, { kind: 'overrides', overrides: { controller: 'kraft' } })).toEqual(
      generateInput('swarm', stays),
    );
  });

  it('the schema refuses ZooKeeper mode on Kafka 4.x and combined with KRaft voters', () => {
    const input = overrideShape(generateInput('swarm', 7), { controller: 'zookeeper' });
    const on41 = { ...input, shape: { ...input.shape, kafkaVersion: '4.1' } };
    expect(parseScenarioInput(on41).ok).toBe(false);
    const combined = { ...input, shape: { ...input.shape, combined: true } };
    expect(parseScenarioInput(combined).ok).toBe(false);
  });

  it('records inter.broker.protocol.version in the input; the schema refuses it outside ZooKeeper mode', () => {
    const drawn = generateInput('swarm', 7);
    const input = overrideShape(drawn, { controller: 'zookeeper', interBrokerProtocolVersion: '2.6' });
    expect(input.shape.timing['inter.broker.protocol.version']).toBe('2.6');
    expect(parseScenarioInput(JSON.parse(JSON.stringify(input))).ok).toBe(true);
    // Without --controller zookeeper the knob is not laid over (the CLI refuses it before).
    expect(overrideShape(drawn, { interBrokerProtocolVersion: '2.6' }).shape.timing).toEqual(drawn.shape.timing);
    const inKraft = { ...drawn, shape: { ...drawn.shape, timing: { ...drawn.shape.timing, ...input.shape.timing } } };
    expect(parseScenarioInput(inKraft).ok).toBe(false);
    const above = { ...input, shape: { ...input.shape, kafkaVersion: '3.6' } };
    above.shape.timing = { ...above.shape.timing, 'inter.broker.protocol.version': '3.7' };
    expect(parseScenarioInput(above).ok).toBe(false);
    // The legacy path runs: same input, same run; another run than at the version's own IBP.
    const a = runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input });
    const b = runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input });
    expect(a.hash).toBe(b.hash);
    const own = overrideShape(drawn, { controller: 'zookeeper' });
    expect(a.hash).not.toBe(runScenario(deps, { seed: 7, scenario: 'swarm', variant: 'correct', input: own }).hash);
  });

  it("keeps a drawn consumer group, its members clear of the ZooKeeper servers' node ids", () => {
    // Swarm seed 0 draws a group: in ZooKeeper mode its members once took the servers' ids ("node 500 already exists").
    const drawn = generateInput('swarm', 0);
    expect(drawn.workload.group).toBeDefined();
    const input = overrideShape(drawn, { controller: 'zookeeper' });
    expect(input.workload.group?.consumers).toBe(drawn.workload.group?.consumers);
    expect(input.workload.group?.protocol).toBeUndefined();
    expect(parseScenarioInput(JSON.parse(JSON.stringify(input))).ok).toBe(true);
    const r = runScenario(deps, { seed: 0, scenario: 'swarm', variant: 'correct', input });
    expect(r.error).toBeUndefined();
    expect(r.eventCount).toBeGreaterThan(0);
    expect(r.outcome).toBe('ok');
    expect(r.codeProbes).toContain('group-coordinator-loaded');
  });
});
