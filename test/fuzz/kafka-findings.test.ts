// The `kafka-finding` outcome's plumbing (driver/kafka-findings.ts): the registry's entries are
// complete, the campaign summary counts and names the findings and exits 0 (1 with
// --fail-on-kafka-findings), replay exits 0, a finding is no failure for the campaign or the
// shrinker, and the terminal, the run report and the campaign index name it.

import { describe, expect, it } from 'vitest';
import { KAFKA_FINDINGS, labelKafkaFindings, type KafkaFinding } from '../../driver/kafka-findings.ts';
import { buildSummary, formatSummary, judgedPrefix } from '../../campaign/summary.ts';
import { isFailureOutcome, type SeedOutcome, type SeedResult } from '../../campaign/tasks.ts';
import { exitCodeForOutcome } from '../../cli/replay.ts';
import { renderCampaignIndex } from '../../reports/campaign-index.ts';
import { summarizeTrace } from '../../reports/terminal-summary.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';
import type { Anomaly } from '../../checkers/verdict.ts';

const result = (seed: number, outcome: SeedOutcome, findings?: string[]): SeedResult => ({
  seed,
  outcome,
  hash: '0',
  events: 1,
  endTimeUs: 1,
  beyondPromise: false,
  faults: 1,
  faultsFired: 1,
  wallMs: 1,
  ...(findings === undefined ? {} : { kafkaFindings: findings, kind: 'inconsistent-offsets' }),
});

const summaryOf = (results: SeedResult[], failOnKafkaFindings = false) =>
  buildSummary({
    scenario: 'swarm',
    variant: 'correct',
    baseSeed: 0,
    seedsRequested: results.length,
    shard: null,
    results,
    violations: [],
    maxViolations: 1,
    checkDeterminism: false,
    interrupted: false,
    stoppedEarly: false,
    wallMs: 1000,
    draws: 'swarm',
    failOnKafkaFindings,
  });

describe('the registry', () => {
  it('names each finding once, with its explanation, Kafka source, JIRA (or none found) and test', () => {
    const names = KAFKA_FINDINGS.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    for (const f of KAFKA_FINDINGS) {
      expect(f.name).toMatch(/^[a-z0-9-]+$/);
      expect(f.explanation.length).toBeGreaterThan(40);
      expect(f.kafkaSource).toMatch(/[A-Z][A-Za-z]+\.[a-zA-Z]+/); // Class.method
      expect(f.kafkaSource).toMatch(/@ /); // @ version
      expect(f.jira).toMatch(/KAFKA-\d+|no JIRA found/);
      expect(f.test).toMatch(/^test\/.*\.test\.ts$/);
    }
    expect(names).toContain('divergence-below-log-start');
  });

  it('labels only what a witness explains, with the first finding whose witness holds', () => {
    const a: Anomaly = { kind: 'liveness', explanation: 'stuck', partition: 2 };
    const b: Anomaly = { kind: 'liveness', explanation: 'stuck', partition: 3 };
    const fake: KafkaFinding = {
      name: 'fake',
      explanation: 'x',
      kafkaSource: 'A.b @ 3.9',
      jira: 'no JIRA found',
      test: 'test/x.test.ts',
      witness: () => [{ description: 'partition 2 saw it', explains: (x) => x.partition === 2 }],
    };
    const run = { probeContexts: [], faults: [], history: [], zookeeper: false };
    const labelled = labelKafkaFindings([a, b], run, [fake]);
    expect(labelled[0]).toMatchObject({ kafkaFinding: 'fake', kafkaFindingWitness: 'partition 2 saw it' });
    expect(labelled[1].kafkaFinding).toBeUndefined();
    // The anomalies themselves are not changed in place.
    expect(a.kafkaFinding).toBeUndefined();
  });
});

describe('the kafka-finding outcome in a campaign', () => {
  const results = [
    result(0, 'ok'),
    result(1, 'kafka-finding', ['divergence-below-log-start']),
    result(2, 'expected-loss'),
    result(3, 'kafka-finding', ['divergence-below-log-start']),
  ];

  it('is no failure: the campaign exits 0, counts and names each finding with its seeds', () => {
    expect(isFailureOutcome('kafka-finding')).toBe(false);
    expect(judgedPrefix(results, 1).failures).toEqual([]);
    const s = summaryOf(results);
    expect(s.exitCode).toBe(0);
    expect(s.outcomes['kafka-finding']).toBe(2);
    expect(s.kafkaFindings).toEqual({ 'divergence-below-log-start': 2 });
    expect(s.kafkaFindingSeeds).toEqual({ 'divergence-below-log-start': [1, 3] });
    const text = formatSummary(s);
    expect(text).toContain("Kafka's own findings (known, not excused): 2 — divergence-below-log-start 2");
    expect(text).toMatch(/result: no violation found, Kafka's own findings: divergence-below-log-start 2 \(exit 0\)/);
  });

  it('exits 1 with --fail-on-kafka-findings, and says why', () => {
    const s = summaryOf(results, true);
    expect(s.exitCode).toBe(1);
    expect(formatSummary(s)).toMatch(/result: Kafka's own findings \(--fail-on-kafka-findings\): divergence-/);
    expect(summaryOf([result(0, 'ok')], true).exitCode).toBe(0);
  });

  it('a campaign without one prints no findings line', () => {
    expect(formatSummary(summaryOf([result(0, 'ok')]))).not.toContain("Kafka's own findings");
  });

  it('replay exits 0 on it, as on an expected loss; 1 on a violation', () => {
    expect(exitCodeForOutcome('kafka-finding')).toBe(0);
    expect(exitCodeForOutcome('expected-loss')).toBe(0);
    expect(exitCodeForOutcome('violation')).toBe(1);
  });
});

describe('reports name the finding', () => {
  it('the terminal summary of a labelled run: the finding, the kind and the witness', () => {
    const t = acks1LossTrace();
    const labelled = t.verdict.anomalies.map((a) =>
      a.informational === true ? a : { ...a, kafkaFinding: 'divergence-below-log-start', kafkaFindingWitness: 'W.' },
    );
    const verdict = { ...t.verdict, valid: true as const, anomalies: labelled };
    const text = summarizeTrace({ ...t, outcome: 'kafka-finding', verdict });
    const first = /^! Kafka's own finding divergence-below-log-start: \S+ \(known, not excused\)/;
    expect(text.split('\n')[0]).toMatch(first);
    expect(text).toContain('  witnessed: W.');
  });

  it('the campaign index lists it apart from violations and expected losses', () => {
    const html = renderCampaignIndex([
      { variant: 'correct', scenario: 'swarm', seed: 7, anomalyKinds: ['inconsistent-offsets'], kafkaFindings: ['d'] },
      { variant: 'correct', scenario: 'swarm', seed: 8, anomalyKinds: ['lost-write'] },
    ]);
    expect(html).toContain("1 violation, 0 expected losses, 1 Kafka's own finding (known, not excused)");
    expect(html).toContain("Kafka's own finding: d");
    expect(html).toContain('class="kafka-finding"');
  });
});
