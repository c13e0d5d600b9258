// A finding of Kafka's group coordinator (task s4184), not a regression: Kafka does the same.
// Reported as `kafka-finding` deposed-coordinator-offset-fetch (driver/kafka-findings.ts).
// Swarm seeds 250064184, 250059851 and 250063388 (base 250,000,000, consume-transform-produce
// transactions of scenarios/named.ts withSometimesConsumeTransformProduce), shrunk to one or two
// link cuts. Seed 250064184 (fixtures/seed-250064184-shifted.json, a hand-shifted schedule derived
// from its shrink: the cut is triggered 2100 ms after its event, not 658 ms, and lasts 7200 ms, not
// 13221 ms; under the KRaft metadata timing, 25 ms append linger of branch kraftlag, the shrink's own
// run is clean): the link between broker 2, leader of __consumer_offsets/0 in epoch 1,
// and node 1, the active controller, is cut at 2.76 s; the controller fences broker 2 and elects
// broker 3 in epoch 2 (11.03 s); broker 2 never hears of it (its metadata comes from node 1), so
// its coordinator stays loaded. Transaction tx-0 commits offset 29 through broker 3 (11.24 s);
// producer 602 then finds broker 2 as the coordinator (its stale image) and its OffsetFetch
// (require_stable) is answered 22 from broker 2's own state (11.49 s), not the 29 committed; in the
// seed's shrink before that timing it was answered "none" from broker 2's empty state:
// GroupCoordinatorService.fetchOffsets runs it as a write with no records, which CoordinatorRuntime
// completes at once when nothing is pending. The checker's lost-txn-offsets (and, in seed
// 250059851, where the TxnOffsetCommit failed by the deposed coordinator was retried to the new one
// and committed, double-consume of [0, 15)) is Kafka's behaviour, not the model's; the new
// coordinator kept the offsets (a later fetch through it returned 29). Swarm --controller zookeeper
// seed 400087926
// (fixture seed-400087926-zookeeper): the same chain under the Scala GroupCoordinator, and the next
// transaction, through the new coordinator, read the offset the stale one committed (docs/readme-fuzz.md).
// Seed 250063388's fixture (fixtures/seed-250063388-shifted.json) is a hand-shifted schedule derived
// from its shrink: the power loss of node 3 (controller) comes at 4.371 s, not 3.974 s. Under the KRaft
// metadata timing (25 ms append linger, branch kraftlag) the shrink's own run is clean; in the shifted
// run broker 1 leads __consumer_offsets/0 in epoch 2 from 16.03 s while broker 2, still loaded in
// epoch 1, answers client 601's OffsetFetch of t-0 with none (20.49 s, 21.25 s) after tx-0 committed 27.

import { describe, expect, it } from 'vitest';
import type { Anomaly } from '../../../checkers/verdict.ts';
import type { History } from '../../../checkers/history.ts';
import type { GroupCoordinatorElected, GroupOffsetFetchAnswered } from '../../../model/code-probes.ts';
import { labelKafkaFindings, type FindingRun } from '../../../driver/kafka-findings.ts';
import { fixtureInput, rerun } from '../regressions/helpers.ts';

describe('finding: a deposed group coordinator answers OffsetFetch from its own state', () => {
  it.each([
    [250064184, 'shifted', ['lost-txn-offsets']],
    [250059851, undefined, ['double-consume', 'lost-txn-offsets']],
    [250063388, 'shifted', ['lost-txn-offsets']],
  ])('seed %i: the stale fetch is the finding, not a violation', (seed, suffix, kinds) => {
    const { result, failing, kafkaFindings } = rerun(seed, fixtureInput(seed, suffix));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['deposed-coordinator-offset-fetch']);
    const labelled = new Set(kafkaFindings.map((f) => f.split(': ')[1]));
    expect([...labelled].sort()).toEqual(kinds);
  });

  it('seed 400087926 (ZooKeeper mode): the next transaction reads the regressed offset, also the finding', () => {
    const { result, failing, kafkaFindings } = rerun(400087926, fixtureInput(400087926, 'zookeeper'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('kafka-finding');
    expect(result.kafkaFindings).toEqual(['deposed-coordinator-offset-fetch']);
    const twice = kafkaFindings.filter((f) => f.includes('double-consume') && f.includes('events 2'));
    expect(twice.map((f) => f.match(/events \d+ and \d+/)?.[0])).toEqual([
      'events 247 and 338',
      'events 247 and 360',
      'events 255 and 360',
      'events 261 and 360',
    ]);
  });

  const elected: GroupCoordinatorElected = { broker: 3, partition: 0, leaderEpoch: 2, atUs: 11_000_000 };
  const answered: GroupOffsetFetchAnswered = {
    broker: 2,
    partition: 0,
    leaderEpoch: 1,
    atUs: 11_150_000,
    client: 602,
    offsets: [{ topic: 't', partition: 0, offset: -1 }],
  };
  const fetchOps = [
    ['fetch-offsets', 'ctp-tx-0', { 0: null }],
    ['poll', { 0: [] }],
  ];
  const history: History = [
    { index: 0, time: 11_140_000, process: 602000, type: 'invoke', f: 'txn', value: [], topic: 't' },
    { index: 1, time: 15_900_000, process: 602000, type: 'fail', f: 'txn', value: fetchOps, topic: 't' },
  ];
  const run: FindingRun = {
    probeContexts: [
      { name: 'group-coordinator-elected', context: elected },
      { name: 'group-offset-fetch-answered', context: answered },
    ],
    faults: [],
    history,
    zookeeper: false,
  };
  const lost: Anomaly = {
    kind: 'lost-txn-offsets',
    explanation: 'a later fetch returned none',
    topic: 't',
    partition: 0,
    ops: [9, 0],
    offsets: [19],
  };

  it('labels the lost-txn-offsets of the transaction the deposed coordinator answered', () => {
    expect(labelKafkaFindings([lost], run)[0].kafkaFinding).toBe('deposed-coordinator-offset-fetch');
    const twice: Anomaly = { ...lost, kind: 'double-consume', offsets: [0, 19] };
    expect(labelKafkaFindings([twice], run)[0].kafkaFinding).toBe('deposed-coordinator-offset-fetch');
  });

  it('without the exact chain, the anomaly stays a violation', () => {
    const at = (over: Partial<GroupOffsetFetchAnswered>): FindingRun => ({
      ...run,
      probeContexts: [run.probeContexts[0], { name: 'group-offset-fetch-answered', context: { ...answered, ...over } }],
    });
    const misses: Array<[string, FindingRun, Anomaly]> = [
      ['no later leader elected', { ...run, probeContexts: [run.probeContexts[1]] }, lost],
      ['answered by the current coordinator', at({ leaderEpoch: 2 }), lost],
      ['answered before the election', at({ atUs: 10_000_000 }), lost],
      ['another partition of __consumer_offsets', at({ partition: 1 }), lost],
      ['an answer the fetch did not return', at({ offsets: [{ topic: 't', partition: 0, offset: 5 }] }), lost],
      ['answered after the operation completed', at({ atUs: 16_000_000 }), lost],
      ['another operation', run, { ...lost, ops: [0, 1] }],
      ['the answer not below the committed offset', run, { ...lost, offsets: [-1] }],
      ['another kind', run, { ...lost, kind: 'lost-commit' }],
    ];
    for (const [why, r, a] of misses) expect(labelKafkaFindings([a], r)[0].kafkaFinding, why).toBeUndefined();
  });

  // The answered transaction (events 0, 1) committed 7; a later one (events 2, 3) fetched 7 from the
  // new coordinator and consumed [7, 12), which an earlier transaction had consumed up to 19.
  const next = (fetched: number | null, invokedUs = 16_000_000): History => [
    history[0],
    { ...history[1], type: 'ok', value: [...fetchOps, ['send-offsets', 'ctp-tx-0', { 0: 7 }]] },
    { index: 2, time: invokedUs, process: 602000, type: 'invoke', f: 'txn', value: [], topic: 't' },
    {
      index: 3,
      time: 16_100_000,
      process: 602000,
      type: 'ok',
      f: 'txn',
      value: [
        ['fetch-offsets', 'ctp-tx-0', { 0: fetched }],
        ['send-offsets', 'ctp-tx-0', { 0: 12 }],
      ],
      topic: 't',
    },
  ];
  const knockOn: Anomaly = { ...lost, kind: 'double-consume', ops: [9, 2], offsets: [7, 12] };

  it('labels the double-consume of the next transaction, which read the offset the answered one committed', () => {
    expect(labelKafkaFindings([knockOn], { ...run, history: next(7) })[0].kafkaFinding).toBe(
      'deposed-coordinator-offset-fetch',
    );
  });

  it('without the exact knock-on chain, the double-consume stays a violation', () => {
    const failed = next(7).map((e) => (e.index === 1 ? { ...e, type: 'fail' as const } : e));
    const misses: Array<[string, History, Anomaly]> = [
      ['another offset fetched', next(8), knockOn],
      ['the answered transaction failed', failed, knockOn],
      ['the committed offset not below the overlap', next(7), { ...knockOn, offsets: [7, 7] }],
      ['another transaction', next(7), { ...knockOn, ops: [9, 4] }],
      ['another partition', next(7), { ...knockOn, partition: 1 }],
    ];
    for (const [why, h, a] of misses) {
      expect(labelKafkaFindings([a], { ...run, history: h })[0].kafkaFinding, why).toBeUndefined();
    }
  });
});
