// ZooKeeper mode at inter.broker.protocol.version 2.6, on the whole cluster: a deposed leader
// with an unreplicated tail comes back as a follower and truncates through OffsetsForLeaderEpoch
// before fetching (AbstractFetcherThread.partitionFetchState → Truncating below
// isTruncationOnFetchSupported; truncateToEpochEndOffsets; Kafka 3.9.0-rc3), never by a Fetch
// response's diverging epoch. At the version's own IBP the same schedule truncates on the
// DivergingEpoch answer and sends no OffsetsForLeaderEpoch.
// Schedule (3 brokers, 3 ZooKeeper servers, sessions of 6 s): leader L of epoch e is cut from
// the other brokers and the ensemble, not from the clients, so the producer's batches land on
// L alone; L's session expires, the controller elects N from the ISR in epoch e + 1; the cut
// heals, L registers again and takes the LeaderAndIsr as a follower of N.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientResponse } from '../../model/client-protocol.ts';
import type { InterBrokerProtocolVersion } from '../../model/config.ts';
import { Partition } from '../../model/partition.ts';
import { recordingCodeProbes, ZK_TEST_BROKERS, ZK_TEST_TOPIC, zkTestCluster } from './helpers.ts';

const TOPIC = ZK_TEST_TOPIC;
const BROKERS = ZK_TEST_BROKERS;
const ZOOKEEPER_SERVERS = [500, 501, 502];

type EpochAnswer = Extract<ClientResponse, { type: 'OffsetsForLeaderEpochResponse' }>;

interface Outcome {
  l: number;
  epoch: number;
  /** L's log end when the cut heals, and where N's epoch e + 1 starts. */
  tailEnd: number;
  newEpochStart: number;
  /** OffsetsForLeaderEpoch answers L's replica took, in order. */
  answers: EpochAnswer[];
  /** L's truncations: [to offset, reason]. */
  truncations: Array<[number, string]>;
  probes: string[];
  logsMatch: boolean;
}

function run(ibp: InterBrokerProtocolVersion | undefined): Outcome {
  const { sim, cluster, broker, runUntil, active, zkState } = zkTestCluster({
    seed: 2,
    variant: 'correct',
    config: {
      ...(ibp === undefined ? {} : { 'inter.broker.protocol.version': ibp }),
      'zookeeper.session.timeout.ms': 6_000,
    },
    workload: { sends: 2_000, keys: 0, sendIntervalMs: 50, pollIntervalMs: 50 },
  });
  const state = () => zkState()!;
  const replica = (b: number) => broker(b)?.partition(TOPIC, 0);
  // Every OffsetsForLeaderEpoch answer a replica takes (the spy calls through).
  const spy = vi.spyOn(Partition.prototype, 'onOffsetsForLeaderEpochResponse');
  const truncations: Array<{ node: number; to: number; reason: string }> = [];
  sim.onProbe((node, e) => {
    if (e.kind === 'truncate') truncations.push({ node, to: e.toOffset, reason: e.reason });
  });
  let out: Omit<Outcome, 'probes'> | undefined;
  const probes = recordingCodeProbes(() => {
    cluster.start();
    const leading = () => BROKERS.some((b) => replica(b)?.role === 'leader');
    expect(runUntil(() => active().length === 1 && state()?.isr.length === 3 && leading(), 60_000)).toBe(true);
    sim.run({ untilUs: sim.now() + 2_000_000 });
    const l = state().leader;
    const epoch = state().leaderEpoch;
    const others = BROKERS.filter((b) => b !== l);
    const cut = sim.network.cut({ kind: 'split', sideA: [l], sideB: [...others, ...ZOOKEEPER_SERVERS] });
    // L's session expires (6 s); the controller elects N in epoch e + 1; the producer moves to N.
    expect(runUntil(() => state().leaderEpoch > epoch && state().leader !== l && state().leader > 0, 30_000)).toBe(
      true,
    );
    const n = state().leader;
    sim.run({ untilUs: sim.now() + 3_000_000 });
    const tailEnd = replica(l)!.log.leo;
    const newEpochStart = replica(n)!.log.epochs.entries.find((x) => x.epoch === epoch + 1)!.startOffset;
    sim.network.heal(cut);
    expect(runUntil(() => replica(l)?.role === 'follower' && replica(l)!.leaderEpoch > epoch, 60_000)).toBe(true);
    sim.run({ untilUs: sim.now() + 10_000_000 });
    const lRecords = replica(l)!.log.records;
    const nRecords = replica(n)!.log.records;
    const upTo = Math.min(lRecords.length, nRecords.length);
    out = {
      l,
      epoch,
      tailEnd,
      newEpochStart,
      answers: spy.mock.calls.filter((_, i) => spy.mock.contexts[i] === replica(l)).map(([resp]) => resp),
      truncations: truncations.filter((t) => t.node === l).map((t) => [t.to, t.reason]),
      logsMatch: lRecords
        .slice(0, upTo)
        .every((r, i) => r.value === nRecords[i].value && r.epoch === nRecords[i].epoch),
    };
  });
  vi.restoreAllMocks();
  return { ...out!, probes };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('ZooKeeper mode, IBP 2.6: a deposed leader truncates through OffsetsForLeaderEpoch', () => {
  it('asks for its epoch e, cuts its tail at the start of e + 1 on the new leader, then fetches', () => {
    const o = run('2.6');
    // The tail: L wrote past the point where N's epoch e + 1 begins.
    expect(o.tailEnd).toBeGreaterThan(o.newEpochStart);
    expect(o.answers[0]).toMatchObject({ error: 'NONE', leaderEpoch: o.epoch, endOffset: o.newEpochStart });
    expect(o.truncations).toEqual([[o.newEpochStart, 'offsets-for-leader-epoch']]);
    expect(o.probes).toContain('follower-truncated-by-offsets-for-leader-epoch');
    expect(o.probes).not.toContain('follower-truncated-on-divergence');
    expect(o.logsMatch).toBe(true);
  });

  it("at the version's own IBP: no OffsetsForLeaderEpoch, the tail is cut on the fetch's diverging epoch", () => {
    const o = run(undefined);
    expect(o.tailEnd).toBeGreaterThan(o.newEpochStart);
    expect(o.answers).toEqual([]);
    expect(o.truncations).toEqual([[o.newEpochStart, 'diverging-epoch']]);
    expect(o.probes).not.toContain('follower-truncated-by-offsets-for-leader-epoch');
    expect(o.logsMatch).toBe(true);
  });
});
