// Shared set-up of the no-divergence-below-log-start finding tests (no-divergence-below-log-start
// .test.ts, …-hanging.test.ts, …-deleted.test.ts): the re-run of a seed that hits the probe of a
// follower's fetch below the leader's epoch cache, and for the hand-built witness cases the
// probe's context, the records and replicas of a snapshot, and the FindingRun
// driver/kafka-findings.ts labels. Assumes one topic, t, and a fetch at the leader's log start
// and log end (what each of those seeds recorded).

import { expect } from 'vitest';
import type { FindingRun } from '../../../driver/kafka-findings.ts';
import type { FetchEpochBelowLeaderCache } from '../../../model/code-probes.ts';
import type { ClusterSnapshot, RecordView, ReplicaSnapshot } from '../../../checkers/cluster-state.ts';
import { fixtureInput, type Rerun, rerun } from '../regressions/helpers.ts';

type Timeline = NonNullable<Rerun['result']['trace']>['timeline'];

export const PROBE = 'fetch-epoch-below-leader-cache-no-divergence';

/** Re-runs `seed`'s fixture (`seed-SEED[-suffix].json`) with its trace; the run must hit PROBE. */
export function rerunFinding(seed: number, suffix?: string): Rerun & { timeline: Timeline } {
  const r = rerun(seed, fixtureInput(seed, suffix), 'correct', true);
  expect(r.result.codeProbes).toContain(PROBE);
  return { ...r, timeline: r.result.trace!.timeline };
}

/** The probe's context: `follower` fetched t/`partition` at `fetchOffset`, the leader's log start and end. */
export function fetchBelowCache(
  at: { leader: number; follower: number; partition: number; fetchOffset: number },
  lastFetchedEpoch: number,
  leaderFirstEpoch: number,
): FetchEpochBelowLeaderCache {
  const { leader, follower, partition, fetchOffset } = at;
  return {
    leader,
    follower,
    topic: 't',
    partition,
    fetchOffset,
    lastFetchedEpoch,
    leaderFirstEpoch,
    leaderEndOffset: fetchOffset,
    leaderLogStart: fetchOffset,
  };
}

/** A record of t at `offset` (its sequence the offset). */
export function rec(offset: number, value: string, epoch: number, producerId = 1): RecordView {
  return { offset, value, epoch, producerId, sequence: offset, key: null };
}

/** A live replica of t/`partition` holding `records` (its log start the first, its log end past the last). */
export function replicaOf(
  broker: number,
  records: RecordView[],
  state: { partition: number; role: 'leader' | 'follower'; leaderEpoch: number; hw: number },
): ReplicaSnapshot {
  return {
    broker,
    topic: 't',
    partition: state.partition,
    up: true,
    role: state.role,
    leaderEpoch: state.leaderEpoch,
    logStartOffset: records[0].offset,
    leo: records[records.length - 1].offset + 1,
    hw: state.hw,
    records,
    epochCache: [],
  };
}

/** A snapshot at `timeUs` of `replicas` alone (no brokers, a live controller, nothing consumed). */
export function snapshotOf(
  timeUs: number,
  replicas: ReplicaSnapshot[],
  acked: ClusterSnapshot['acked'] = [],
): ClusterSnapshot {
  return { timeUs, brokers: [], controller: { up: true, partitions: [] }, replicas, acked, consumed: [] };
}

/** A KRaft run whose only probe hit is `k` and whose last snapshot is `lastSnapshot`. */
export function findingRun(k: FetchEpochBelowLeaderCache, lastSnapshot: ClusterSnapshot): FindingRun {
  return { probeContexts: [{ name: PROBE, context: k }], faults: [], history: [], lastSnapshot, zookeeper: false };
}
