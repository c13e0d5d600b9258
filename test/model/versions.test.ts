// kafka.version (issue 13 item 8): the version table, the defaults it sets, and how a
// scenario carries a version into the cluster spec, the trace and its configuration.

import { describe, expect, it } from 'vitest';
import { DEFAULT_KAFKA_CONFIG, elrEnabled, kafkaConfigFor } from '../../model/config.ts';
import { KAFKA_VERSIONS, NEWEST_KAFKA_VERSION, isKafkaVersion, rulesOf } from '../../model/versions.ts';
import { clusterSpecOf } from '../../scenarios/input.ts';
import { findScenario, scenarioOnVersion } from '../../scenarios/named.ts';
import { generateInput, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';

describe('the version table (model/versions.ts)', () => {
  it('KAFKA-15583: the strict min-ISR HW rule from 3.7 on', () => {
    expect(rulesOf('3.6').strictMinIsrHw).toBe(false);
    for (const v of KAFKA_VERSIONS.filter((x) => x !== '3.6')) expect(rulesOf(v).strictMinIsrHw).toBe(true);
  });

  it('KIP-996 Pre-Vote: from 4.0 on', () => {
    expect(KAFKA_VERSIONS.filter((v) => rulesOf(v).preVote)).toEqual(['4.0', '4.1']);
  });

  it('KIP-966 ELR: absent in 3.6, off by default until 4.1, on by default in 4.1 (the newest, the default)', () => {
    expect(NEWEST_KAFKA_VERSION).toBe('4.1');
    expect(DEFAULT_KAFKA_CONFIG['kafka.version']).toBe('4.1');
    expect(KAFKA_VERSIONS.filter((v) => kafkaConfigFor(v)['eligible.leader.replicas.enable'])).toEqual(['4.1']);
    expect(elrEnabled({ ...kafkaConfigFor('3.6'), 'eligible.leader.replicas.enable': true })).toBe(false);
    expect(elrEnabled({ ...kafkaConfigFor('3.7'), 'eligible.leader.replicas.enable': true })).toBe(true);
    expect(elrEnabled(kafkaConfigFor('4.0'))).toBe(false);
    expect(elrEnabled(DEFAULT_KAFKA_CONFIG)).toBe(true);
    expect(isKafkaVersion('3.9')).toBe(true);
    expect(isKafkaVersion('2.8')).toBe(false);
  });
});

describe('a scenario on a version (NAME@V)', () => {
  it('draws the same input with the version in the shape, and the spec takes its defaults', () => {
    expect(scenarioOnVersion('swarm', '4.1')).toBe('swarm');
    expect(scenarioOnVersion('swarm', '3.6')).toBe('swarm@3.6');
    expect(findScenario('swarm@2.8')).toBeUndefined();
    expect(findScenario('nope@3.6')).toBeUndefined();
    const plain = generateInput('swarm', 5);
    const old = generateInput('swarm@3.6', 5);
    expect(old).toEqual({ ...plain, shape: { ...plain.shape, kafkaVersion: '3.6' } });
    const config = clusterSpecOf(old).config;
    expect(config['kafka.version']).toBe('3.6');
    expect(config['eligible.leader.replicas.enable']).toBe(false);
    expect(config['min.insync.replicas']).toBe(old.shape.minInsync);
  });

  it("the trace's configuration shows the version, and its input carries it for replay", () => {
    const input = generateInput('swarm@4.0', 3);
    const r = runScenario(deps, { seed: 3, scenario: 'swarm@4.0', variant: 'correct', input, trace: true });
    expect(r.trace?.config['kafka.version']).toBe('4.0');
    expect(r.trace?.config['eligible.leader.replicas.enable']).toBe(false);
    expect(r.outcome).toBe('ok');
  });
});
