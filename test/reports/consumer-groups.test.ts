// The report's consumer-group views (issue 15 item 6): ReportData.groups from a group run's
// trace (each member's generations and assignments, the acknowledged commits), and the
// kafka-consumer-groups.sh --describe layout the describe panel prints from them.

import { describe, expect, it } from 'vitest';
import { runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import { buildViolationData } from '../../reports/report-data.ts';
import { consumerGroupLines, type DescribeRow, orderRows } from '../../reports/consumer-groups.ts';
import { groupScenarioInput } from '../model/group-input.ts';

/** Two members on t's two partitions, auto commits every 500 ms, 60 sends 100 ms apart, healed at 10 s. */
const input = groupScenarioInput([], {
  partitions: 2,
  sends: 60,
  sendIntervalMs: 100,
  group: { autoCommitIntervalMs: 500 },
  healAtMs: 10_000,
});

describe('the report of a consumer group run', () => {
  it("keeps each member's generations and assignments, and the acknowledged commits", () => {
    const r = runScenario(deps, { seed: 5, scenario: 'consumer-group', variant: 'correct', input, trace: true });
    const { data } = buildViolationData(r.trace!);
    const g = data.groups!;
    expect(new Set(g.spans.map((s) => s.lane)).size).toBe(2);
    expect([...new Set(g.spans.map((s) => s.client))].sort()).toEqual(['group-consumer-500', 'group-consumer-501']);
    for (const s of g.spans) {
      expect(s.t1).toBeGreaterThan(s.t0);
      expect(s.member).toMatch(/^member-/);
      for (const tp of s.tps) expect(data.tps[tp]).toMatch(/^t-[01]$/);
    }
    // the last generation hands out both partitions, one owner each
    const last = Math.max(...g.spans.map((s) => s.gen));
    const owners = g.spans.filter((s) => s.gen === last).flatMap((s) => s.tps.map((tp) => data.tps[tp]));
    expect(owners.sort()).toEqual(['t-0', 't-1']);
    expect(g.commits.length).toBeGreaterThan(0);
    for (let i = 1; i < g.commits.length; i++) expect(g.commits[i].t).toBeGreaterThanOrEqual(g.commits[i - 1].t);
  });

  it('a run with no group has no group data', () => {
    const plain = { ...input, workload: { ...input.workload, group: undefined, consumers: 1 } };
    const r = runScenario(deps, { seed: 5, scenario: 'standard', variant: 'correct', input: plain, trace: true });
    expect(buildViolationData(r.trace!).data.groups).toBeUndefined();
  });
});

describe('kafka-consumer-groups.sh --describe layout (ConsumerGroupCommand.printOffsets)', () => {
  const member = (id: string) => ({ id, host: `/${id}-host`, clientId: `${id}-client` });
  const rows: DescribeRow[] = [
    { topic: 't', partition: 2, current: 5, logEnd: 9, member: member('m1') },
    { topic: 't', partition: 3, current: undefined, logEnd: 4, member: undefined },
    { topic: 't', partition: 1, current: 7, logEnd: 7, member: member('m2') },
    { topic: 't', partition: 0, current: 3, logEnd: undefined, member: member('m2') },
  ];

  it('members with the most partitions first, their partitions in order, then the unowned', () => {
    expect(orderRows(rows).map((r) => r.partition)).toEqual([0, 1, 2, 3]);
  });

  it('the header and columns, "-" for what is missing, LAG = LOG-END-OFFSET − CURRENT-OFFSET', () => {
    const lines = consumerGroupLines('g1', orderRows(rows));
    expect(lines[0]).toBe(
      'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             ' +
        'CONSUMER-ID     HOST            CLIENT-ID',
    );
    expect(lines.slice(1).map((l) => l.split(/ +/))).toEqual([
      ['g1', 't', '0', '3', '-', '-', 'm2', '/m2-host', 'm2-client'],
      ['g1', 't', '1', '7', '7', '0', 'm2', '/m2-host', 'm2-client'],
      ['g1', 't', '2', '5', '9', '4', 'm1', '/m1-host', 'm1-client'],
      ['g1', 't', '3', '-', '4', '-', '-', '-', '-'],
    ]);
  });
});
