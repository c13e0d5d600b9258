// The classic demo end to end (issue 3, item 8): 3 brokers, a topic with replication factor 3
// and one partition, the real producer and consumer. Send, kill the leader, watch the new
// leader come from the ISR and the ISR shrink (as describe() shows them), keep sending and
// polling, restart the killed broker and watch it catch up and rejoin the ISR. Nothing
// acknowledged may be lost (the Kafka checker over the history, and the white-box monitor).

import { describe, expect, it } from 'vitest';
import { Simulation } from '../../harness/index.ts';
import type { ModelProbe } from '../../model/cluster-api.ts';
import { buildCluster } from '../../model/cluster.ts';
import { DEFAULT_KAFKA_CONFIG } from '../../model/config.ts';
import { checkKafka, createInvariantMonitor } from '../../checkers/index.ts';
import type { SendValue } from '../../checkers/history.ts';

function describeLine(text: string): { leader: string; isr: number[]; replicas: number[] } {
  const line = text.split('\n').find((l) => l.includes('Partition: 0'))!;
  const leader = /Leader: (\S+)/.exec(line)![1];
  const isr = /Isr: ([\d,]*)/.exec(line)![1];
  const replicas = /Replicas: ([\d,]*)/.exec(line)![1];
  const nums = (s: string) => (s === '' ? [] : s.split(',').map(Number));
  return { leader, isr: nums(isr), replicas: nums(replicas) };
}

describe('the classic demo', () => {
  it(
    'kill the leader: a new leader from the ISR, the ISR shrinks, sends and polls go on, nothing acknowledged is ' +
      'lost, the broker rejoins',
    () => {
      const sim = new Simulation<ModelProbe>({ seed: 7 });
      const cluster = buildCluster(
        sim,
        {
          brokers: 3,
          topics: [{ name: 't', partitions: 1, replicationFactor: 3 }],
          producers: 1,
          consumers: 1,
          config: DEFAULT_KAFKA_CONFIG,
          variant: 'correct',
        },
        { sends: 300, keys: 0, sendIntervalMs: 100, pollIntervalMs: 50 },
      );
      const monitor = createInvariantMonitor({ minInsyncReplicas: 2 });
      const anomalies: string[] = [];
      const observe = () => {
        for (const a of monitor.observe(cluster.snapshot())) anomalies.push(`${a.kind}: ${a.explanation}`);
      };
      const runTo = (us: number) => {
        while (sim.now() < us) {
          sim.run({ untilUs: Math.min(us, sim.now() + 100_000) });
          observe();
        }
      };
      cluster.start();
      runTo(8_000_000);
      // kafka-topics.sh's topic line, with the topic id (Uuid.toString: 22 URL-safe base64 characters).
      expect(cluster.describe()).toMatch(
        /^Topic: t\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 1\tReplicationFactor: 3\t/m,
      );
      const before = describeLine(cluster.describe());
      expect(before.replicas).toEqual([1, 2, 3]);
      expect(before.isr.sort()).toEqual([1, 2, 3]);
      const oldLeader = Number(before.leader);
      expect(oldLeader).toBeGreaterThan(0);
      const ackedBefore = cluster.history.filter((e) => e.f === 'send' && e.type === 'ok').length;
      expect(ackedBefore).toBeGreaterThan(20);

      sim.crash(oldLeader);
      runTo(sim.now() + 20_000_000);
      const after = describeLine(cluster.describe());
      const newLeader = Number(after.leader);
      expect(newLeader).toBeGreaterThan(0);
      expect(newLeader).not.toBe(oldLeader);
      expect(before.isr).toContain(newLeader); // elected from the ISR
      expect(after.isr.sort()).toEqual([1, 2, 3].filter((b) => b !== oldLeader)); // the survivors
      // Sends and polls keep succeeding with the leader gone (requests already sent to the dead
      // leader are noticed only by request.timeout.ms, 30 s: the simulated network never resets).
      const okSends = () => cluster.history.filter((e) => e.f === 'send' && e.type === 'ok').length;
      const okSendsAtKill = okSends();
      const resumeBy = sim.now() + 120_000_000;
      while (okSends() <= okSendsAtKill + 10 && sim.now() < resumeBy) runTo(sim.now() + 1_000_000);
      expect(okSends()).toBeGreaterThan(okSendsAtKill + 10);
      const lastPoll = cluster.history.filter((e) => e.f === 'poll' && e.type === 'ok').at(-1)!;
      expect(lastPoll.time).toBeGreaterThan(sim.now() - 2_000_000);
      expect(describeLine(cluster.describe()).leader).toBe(String(newLeader));

      sim.start(oldLeader);
      expect(() => runTo(sim.now() + 30_000_000)).not.toThrow();
      const rejoined = describeLine(cluster.describe());
      expect(rejoined.isr.sort()).toEqual([1, 2, 3]);
      expect(rejoined.leader).toBe(String(newLeader));

      sim.run({ stopWhen: () => cluster.workloadDone(), untilUs: sim.now() + 300_000_000 });
      expect(cluster.workloadDone()).toBe(true);
      cluster.startFinalRead();
      sim.run({ stopWhen: () => cluster.finalReadDone(), untilUs: sim.now() + 60_000_000 });
      expect(cluster.finalReadDone()).toBe(true);
      observe();
      // The restarted broker caught up: its log equals the leader's.
      const snap = cluster.snapshot();
      const leaderLog = snap.replicas.find((r) => r.broker === newLeader)!.records.map((r) => r.value);
      const rejoinedLog = snap.replicas.find((r) => r.broker === oldLeader)!.records.map((r) => r.value);
      expect(rejoinedLog).toEqual(leaderLog);
      // Nothing acknowledged is lost.
      const acked = cluster.history.filter((e) => e.f === 'send' && e.type === 'ok').map((e) => e.value as SendValue);
      expect(acked.length).toBeGreaterThan(250);
      for (const a of acked) expect(leaderLog[a.offset!]).toBe(a.value);
      expect(anomalies).toEqual([]);
      const verdict = checkKafka(cluster.history);
      expect(verdict.anomalies.filter((a) => a.kind !== 'unseen')).toEqual([]);
      expect(verdict.valid).toBe(true);
      // The partition view of the trace: the leader moved and the broker came back.
      expect(cluster.dumpLog(oldLeader, 't', 0)).toMatch(
        /^Dumping t-0\/00000000000000000000.log on broker \d \(follower/,
      );
    },
  );
});
