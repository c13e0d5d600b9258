// kafka-consumer-groups.sh --describe --group G of the live model (model/group-describe.ts,
// KafkaCluster.describeGroup): the header and columns of ConsumerGroupCommand.printOffsets,
// one row per owned partition with the member's id, the committed offset (the coordinator's
// __consumer_offsets replayed below its HW), the partition's HW and the lag; then partitions
// the group committed but no member owns; the messages for an empty group, a rebalance and
// a missing coordinator.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import { clusterSpecOf, workloadSpecOf } from '../../scenarios/input.ts';
import type { ScenarioInput } from '../../scenarios/input.ts';
import { groupScenarioInput } from './group-input.ts';
import { consumerGroupDescribeText, describeRows } from '../../model/group-describe.ts';

const HEADER = /^GROUP +TOPIC +PARTITION +CURRENT-OFFSET +LOG-END-OFFSET +LAG +CONSUMER-ID +HOST +CLIENT-ID$/;

const input = groupScenarioInput([], {
  partitions: 2,
  sends: 100,
  sendIntervalMs: 100,
  group: { autoCommitIntervalMs: 500 },
  healAtMs: 0,
});

describe('kafka-consumer-groups.sh --describe --group', () => {
  it('the live group: one row per partition, its owner, committed offset, HW and lag', () => {
    const sim = new Simulation<ModelProbe>({ seed: 3 });
    const cluster = buildCluster(sim, clusterSpecOf(input), workloadSpecOf(input));
    expect(cluster.describeGroup('g1')).toMatch(/coordinator is not available/);
    cluster.start();
    sim.run({ untilUs: 8_000_000 });
    const lines = cluster.describeGroup('g1').split('\n');
    expect(lines[0]).toBe('');
    expect(lines[1]).toMatch(HEADER);
    const rows = lines.slice(2).filter((l) => l !== '');
    expect(rows).toHaveLength(2);
    for (const [i, row] of rows.entries()) {
      const [group, topic, partition, current, end, lag, member, host, client] = row.split(/ +/);
      expect([group, topic, partition]).toEqual(['g1', 't', String(i)]);
      expect(Number(end) - Number(current)).toBe(Number(lag));
      expect(Number(current)).toBeGreaterThan(0);
      expect(member).toMatch(/^member-0-\d+-\d+$/);
      expect(host).toBe(`/${client}`);
      expect(client).toMatch(/^group-consumer-\d+$/);
    }
    // the columns line up with the header (printOffsetFormat: %-10s PARTITION, %-15s offsets)
    expect(rows[0].indexOf(' 0 ') + 1).toBe(lines[1].indexOf('PARTITION'));
  });

  it("a KIP-848 consumer group: the members' current assignments, its state from ConsumerGroup", () => {
    const consumer: ScenarioInput = {
      ...input,
      workload: { ...input.workload, group: { ...input.workload.group!, protocol: 'consumer' } },
    };
    const sim = new Simulation<ModelProbe>({ seed: 3 });
    const cluster = buildCluster(sim, clusterSpecOf(consumer), workloadSpecOf(consumer));
    cluster.start();
    sim.run({ untilUs: 8_000_000 });
    const lines = cluster.describeGroup('g1').split('\n');
    expect(lines[1]).toMatch(HEADER);
    const rows = lines.slice(2).filter((l) => l !== '');
    expect(rows).toHaveLength(2);
    const members = rows.map((row) => row.split(/ +/)[6]);
    for (const m of members) expect(m).toMatch(/^consumer-0-\d+-\d+$/);
    // two members, one partition each: one owner per partition
    expect(new Set(members).size).toBe(2);
    expect(consumerGroupDescribeText('g1', 'Reconciling', [])).toMatch(/does not exist/);
    const row = {
      topic: 't',
      partition: 0,
      currentOffset: 1,
      logEndOffset: 2,
      consumerId: 'm',
      host: '/c',
      clientId: 'c',
    };
    expect(consumerGroupDescribeText('g1', 'Assigning', [row])).toMatch(/Warning: Consumer group 'g1' is rebalancing/);
  });

  it("the partitions no member owns, an empty group's note, and a group with nothing", () => {
    const committed = new Map([
      ['t/1', 7],
      ['t/0', 4],
    ]);
    const rows = describeRows([], committed, (_t, p) => (p === 0 ? 10 : undefined));
    expect(rows.map((r) => [r.partition, r.currentOffset, r.logEndOffset, r.consumerId])).toEqual([
      [0, 4, 10, '-'],
      [1, 7, undefined, '-'],
    ]);
    const text = consumerGroupDescribeText('g1', 'Empty', rows);
    expect(text.split('\n')[1]).toBe("Consumer group 'g1' has no active members.");
    expect(text).toMatch(/\ng1 +t +0 +4 +10 +6 +- +- +-\n/);
    expect(text).toMatch(/\ng1 +t +1 +7 +- +- +- +- +-\n/);
    expect(consumerGroupDescribeText('g1', 'PreparingRebalance', rows)).toMatch(/Warning: Consumer group 'g1' is/);
    expect(consumerGroupDescribeText('g1', 'Dead', [])).toBe("\nError: Consumer group 'g1' does not exist.\n");
  });
});
