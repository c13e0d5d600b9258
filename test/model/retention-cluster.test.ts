// Retention in a running cluster (issue 12 item 3): with small segments and retention.bytes,
// the replicas delete whole segments below their HW on LogManager's retention schedule (a
// follower also takes its leader's log start from the fetch responses); the final read,
// assigned at offset 0, is answered OFFSET_OUT_OF_RANGE and resets to the log start; a
// follower whose log ends below the leader's log start truncates fully and restarts from it;
// the checkers, told of the deletions, find nothing lost. describeSegments shows each
// segment's size and what of it is fsynced, written back or dirty.

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import { DEFAULT_KAFKA_CONFIG } from '../../model/config.ts';
import { brokerOn } from '../../model/combined-server.ts';
import { checkKafka } from '../../checkers/index.ts';
import type { RetentionDeletion } from '../../checkers/retention.ts';

function cluster(seed: number) {
  const sim = new Simulation<ModelProbe>({ seed });
  const c = buildCluster(
    sim,
    {
      brokers: 3,
      topics: [{ name: 't', partitions: 1, replicationFactor: 3 }],
      producers: 1,
      consumers: 1,
      config: {
        ...DEFAULT_KAFKA_CONFIG,
        'auto.offset.reset': 'earliest',
        'log.segment.bytes': 1024,
        'log.retention.bytes': 2048,
        'log.retention.check.interval.ms': 1000,
        'log.initial.task.delay.ms': 1000,
      },
      variant: 'correct',
    },
    { sends: 300, keys: 0, sendIntervalMs: 50, pollIntervalMs: 50 },
  );
  const moves: Array<Extract<ModelProbe, { kind: 'log-start' }>> = [];
  const served: Array<{ broker: number; from: number }> = [];
  sim.onProbe((_n, e) => {
    if (e.kind === 'log-start') moves.push(e);
    if (e.kind === 'fetch-served') served.push({ broker: e.broker, from: e.fromOffset });
  });
  return { sim, c, moves, served };
}

describe('retention in a cluster', () => {
  it('the leader deletes below its HW, followers follow its log start, nothing is lost', () => {
    const { sim, c, moves } = cluster(3);
    c.start();
    sim.run({ untilUs: 25_000_000 });
    const deletions = moves.filter((m) => m.reason === 'segment-deletion');
    expect(deletions.length).toBeGreaterThan(0);
    for (const m of moves) expect(m.to).toBeLessThanOrEqual(m.hw); // never past the HW
    // Every replica's log start moved (by its own retention, or with its leader's).
    const starts = c.brokerIds.map((b) => brokerOn(sim, b)!.partition('t', 0)!.log.logStartOffset);
    expect(Math.min(...starts)).toBeGreaterThan(0);
    const leader = c.brokerIds.find((b) => brokerOn(sim, b)!.partition('t', 0)!.role === 'leader')!;
    const text = c.describeSegments(leader, 't', 0);
    expect(text).toMatch(/^t-0 on broker \d: logStartOffset \d+ {2}size \d+ bytes {2}recoveryPoint \d+/);
    expect(text).toMatch(
      new RegExp(
        String.raw`baseOffset \d+ {2}size \d+ bytes {2}offsets \d+–\d+ {2}rolled \d+\.\d{3} s {2}` +
          String.raw`modified \d+\.\d{3} s {2}fsynced .* written back .* dirty `,
      ),
    );
    c.startFinalRead();
    sim.run({ untilUs: sim.now() + 10_000_000 });
    expect(c.finalReadDone()).toBe(true);
    const retention: RetentionDeletion[] = deletions.map((m) => ({
      topic: 't',
      partition: 0,
      logStartOffset: m.to,
      timeUs: 0,
    }));
    const v = checkKafka(c.history, { finalReadComplete: true, retention });
    expect(v.anomalies.filter((a) => !a.informational)).toEqual([]);
    expect(v.anomalies.some((a) => a.kind === 'deleted-by-retention')).toBe(true);
    // Without the deletions, the same history reads as lost records.
    expect(checkKafka(c.history, { finalReadComplete: true }).valid).toBe(false);
  });

  it('a follower down while the leader deleted past its log end truncates fully and restarts at the log start', () => {
    const { sim, c, moves, served } = cluster(5);
    c.start();
    sim.run({ untilUs: 3_000_000 });
    const follower = c.brokerIds.find((b) => brokerOn(sim, b)!.partition('t', 0)!.role === 'follower')!;
    sim.crash(follower);
    sim.run({ untilUs: 25_000_000 });
    sim.start(follower);
    sim.run({ untilUs: 40_000_000 });
    const full = moves.find((m) => m.broker === follower && m.reason === 'truncate-fully');
    expect(full).toBeDefined();
    const log = brokerOn(sim, follower)!.partition('t', 0)!.log;
    expect(log.logStartOffset).toBeGreaterThanOrEqual(full!.to);
    expect(log.leo).toBeGreaterThan(full!.to); // fetching again from the leader's log start
    for (const s of served) expect(s.from).toBeGreaterThanOrEqual(0);
  });
});
