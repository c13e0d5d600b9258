// The per-replica invariants (checkers/replica-invariants.ts), checked at each replica change
// rather than in snapshots sampled at protocol events and every 5,000 events (issue 18 item 4).
// - The case the README named (docs/readme-zoo.md "Known limits"): the hand-built
//   hw-on-current-isr schedule, whose candidate-complete lasts only between two full looks,
//   is caught by the driver's partition looks (driver/invariant-looks.ts) at the HW advance,
//   missed by full looks alone, and its cause caught by 'leader-hw' (the per-replica invariant)
//   at the HW advance itself;
//   the correct model breaks no invariant on it.
// - Each invariant driven directly into the state it forbids, and the states it must accept.

import { describe, expect, it } from 'vitest';
import { createInvariantMonitor } from '../../checkers/index.ts';
import type { LookScope } from '../../checkers/invariants.ts';
import type { ClusterSnapshot, EpochEntry, FactRecord, ReplicaFacts } from '../../checkers/cluster-state.ts';
import { InvariantLooks } from '../../driver/invariant-looks.ts';
import type { Anomaly } from '../../checkers/verdict.ts';
import { ReplicaInvariants } from '../../checkers/replica-invariants.ts';
import { TestCluster } from './helpers.ts';
import { CONTROLLER_ID } from '../../model/config.ts';
import { onceOnProbe, othersThan, runSchedule, type Schedule, watchReplicas } from './zoo/harness.ts';
import { hwOnCurrentIsrOpts } from './zoo/hw-on-current-isr-schedule.ts';

/**
 * The README's case: the controller accepts the leader's proposal to re-add C and its answer is
 * lost, while C is cut off again. The leader's expansion stays pending (C in its maximal ISR);
 * the variant raises the HW over its committed ISR {L, F} and acknowledges records C lacks, while
 * the controller's ISR lists C. Once the leader learns the new ISR from the metadata it waits for
 * C; C then falls out of the ISR after replica.lag.time.max.ms. candidate-complete holds from the
 * HW advance to that shrink, with no protocol event in between that makes the driver look.
 */
const answerLost: Schedule = (c) => {
  const l = c.state().leader;
  const cc = othersThan(c, l)[1];
  for (let i = 0; i < 5; i++) c.produceAndWait(l, [`c${i}`]);
  const cut = c.sim.network.cut({ kind: 'link', a: l, b: cc });
  c.produceAndWait(l, ['d0']); // commits on {L, F} once C is out
  let applied = false;
  onceOnProbe(
    c,
    (node, e) => e.kind === 'alter-partition-sent' && node === l && (e.isr as number[]).includes(cc),
    () => {
      const drop = c.sim.network.cut({ kind: 'one-way', from: [CONTROLLER_ID], to: [l] });
      c.sim.network.cut({ kind: 'link', a: l, b: cc });
      onceOnProbe(
        c,
        (_n, e) => e.kind === 'alter-partition-applied' && e.accepted === true,
        () => {
          applied = true;
          c.sim.at(c.sim.now() + 8_000_000, 'heal', () => c.sim.network.heal(drop));
        },
      );
    },
  );
  c.sim.network.heal(cut);
  c.runUntil(() => applied, 60_000_000);
  for (let i = 0; i < 5; i++) c.produce(l, [`e${i}`], { timeoutMs: 25_000 });
  // Once C no longer counts as caught up, the next write lets the variant's HW move.
  c.runFor(6_000_000);
  c.produce(l, ['e5'], { timeoutMs: 25_000 });
  c.runFor(20_000_000);
};

/**
 * The snapshot monitor fed by the driver's own looks (driver/invariant-looks.ts, as driver/run.ts
 * feeds it): with its partition looks at every change, or with the full looks alone (after
 * protocol events and every 5,000 events: the driver's cadence before issue 18 item 4).
 */
function drivenRun(variant: 'correct' | 'hw-on-current-isr', partitionLooks: boolean, schedule = answerLost) {
  const c = new TestCluster({ ...hwOnCurrentIsrOpts, variant });
  const monitor = createInvariantMonitor({ minInsyncReplicas: c.config['min.insync.replicas'] });
  const found: Anomaly[] = [];
  const fed = {
    observe: (s: ClusterSnapshot) => void found.push(...monitor.observe(s)),
    ...(partitionLooks
      ? {
          observePartition: (s: ClusterSnapshot, scope: LookScope) =>
            void found.push(...monitor.observePartition(s, scope)),
          onTruncate: monitor.onTruncate,
        }
      : {}),
  };
  const source = {
    snapshot: () => c.snapshot(),
    partitionSnapshot: (topic: string, partition: number) => c.view.partitionSnapshot(topic, partition, c.acked, []),
    results: () => ({ acked: c.acked, consumed: [] }),
  };
  const looks = new InvariantLooks(source, fed, 5000);
  c.sim.onProbe((_n, e) => looks.onProbe(e));
  c.sim.onNodeTransition(() => looks.onNodeTransition());
  c.observer = () => looks.between(c.sim.eventCount);
  const replicas = watchReplicas(c);
  c.start();
  c.runUntil(() => c.settled(), 30_000_000);
  schedule(c);
  return { found, replica: replicas.anomalies(), counts: looks.counts };
}

describe("the README's case: hw-on-current-isr between two looks", () => {
  it("the driver's partition looks catch candidate-complete at the HW advance; full looks alone miss it", () => {
    // Real: the monitor looking at every event sees C in the ISR below the true HW.
    const everyEvent = runSchedule('hw-on-current-isr', hwOnCurrentIsrOpts, answerLost);
    expect(everyEvent.kinds).toContain('candidate-complete');
    expect(everyEvent.cluster.acked.map((a) => a.value)).toContain('e0');
    const driven = drivenRun('hw-on-current-isr', true);
    const caught = driven.found.find((a) => a.kind === 'candidate-complete');
    expect(caught).toBeDefined();
    expect(caught!.nodes).toHaveLength(1);
    expect(driven.counts.partition).toBeGreaterThan(driven.counts.full);
    const fullOnly = drivenRun('hw-on-current-isr', false);
    expect(fullOnly.found.map((a) => a.kind)).not.toContain('candidate-complete');
    // The per-replica invariant sees the cause at the HW advance either way.
    const cause = fullOnly.replica.find((a) => a.kind === 'leader-hw');
    expect(cause).toBeDefined();
    expect(cause!.explanation).toMatch(/maximal ISR/);
  });

  it('the correct model breaks no invariant on the same schedule (it acknowledges only once C left the ISR)', () => {
    const out = runSchedule('correct', hwOnCurrentIsrOpts, answerLost);
    expect(out.anomalies).toEqual([]);
    const driven = drivenRun('correct', true);
    expect(driven.found).toEqual([]);
    expect(driven.replica).toEqual([]);
  });
});

/** Records of epochs `epochs[i]` at offsets 0.., one-record batches of producer 7 epoch 0, sequences 0... */
function log(epochs: number[]): FactRecord[] {
  return epochs.map((epoch, offset) => ({
    offset,
    epoch,
    producerId: 7,
    producerEpoch: 0,
    sequence: offset,
    key: null,
    value: `v${offset}`,
    lastInBatch: true,
  }));
}

function facts({ records, cache, ...over }: Partial<ReplicaFacts> & { records: FactRecord[]; cache: EpochEntry[] }) {
  const last = records[records.length - 1];
  const f: ReplicaFacts = {
    role: 'follower',
    leaderEpoch: 1,
    hw: 0,
    leo: records.length,
    logStartOffset: 0,
    records,
    epochCache: cache,
    maximalIsr: [],
    remoteLeo: () => -1,
    forEachProducer: (each) => {
      if (last !== undefined) each(7, 0, last.sequence, last.offset);
    },
    ...over,
  };
  return f;
}

const kinds = (w: ReplicaInvariants) => w.anomalies().map((a) => a.kind);

describe('epoch-cache-log', () => {
  it('accepts a cache that names each record epoch, and an entry starting at the LEO (a new leader)', () => {
    const w = new ReplicaInvariants();
    const cache = [
      { epoch: 1, startOffset: 0 },
      { epoch: 3, startOffset: 2 },
      { epoch: 4, startOffset: 4 },
    ];
    w.onReplica(1, 't', 0, facts({ records: log([1, 1, 3, 3]), cache }), 0);
    expect(w.anomalies()).toEqual([]);
  });

  it('a record whose epoch the cache does not give, and an entry past the log or at a wrong record', () => {
    const a = new ReplicaInvariants();
    a.onReplica(1, 't', 0, facts({ records: log([1, 2]), cache: [{ epoch: 1, startOffset: 0 }] }), 0);
    expect(kinds(a)).toEqual(['epoch-cache-log']);
    const b = new ReplicaInvariants();
    const past = [
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 5 },
    ];
    b.onReplica(1, 't', 0, facts({ records: log([1, 1]), cache: past }), 0);
    expect(kinds(b)).toEqual(['epoch-cache-log']);
  });

  it('re-checks from a truncation point records rewritten in the same change', () => {
    const w = new ReplicaInvariants();
    const cache = [{ epoch: 1, startOffset: 0 }];
    w.onReplica(1, 't', 0, facts({ records: log([1, 1, 1]), cache }), 0);
    w.onTruncate(1, 't', 0, 1);
    // Offsets 1..2 rewritten in epoch 2 without a cache entry for it: LEO unchanged, still found.
    w.onReplica(1, 't', 0, facts({ records: log([1, 2, 2]), cache }), 1);
    expect(kinds(w)).toEqual(['epoch-cache-log']);
  });
});

describe('producer-state-log', () => {
  const cache = [{ epoch: 1, startOffset: 0 }];
  it("a producer's last batch past the LEO (state kept over a truncation) or at another record", () => {
    const w = new ReplicaInvariants();
    const stale = facts({ records: log([1]), cache, forEachProducer: (each) => each(7, 0, 3, 3) });
    w.onReplica(1, 't', 0, stale, 0);
    expect(kinds(w)).toEqual(['producer-state-log']);
  });

  it('an appended batch the state does not hold as its producer’s last', () => {
    const w = new ReplicaInvariants();
    w.onReplica(1, 't', 0, facts({ records: log([1]), cache }), 0);
    const missing = facts({ records: log([1, 1]), cache, forEachProducer: (each) => each(7, 0, 0, 0) });
    w.onReplica(1, 't', 0, missing, 1);
    expect(kinds(w)).toEqual(['producer-state-log']);
  });
});

describe('leader-hw and follower-hw', () => {
  const cache = [{ epoch: 1, startOffset: 0 }];
  const records = log([1, 1, 1, 1]);
  it('a leader raising its HW past a maximal-ISR member it knows to be behind', () => {
    const w = new ReplicaInvariants();
    const leader = (hw: number, followerLeo: number) =>
      facts({ records, cache, role: 'leader', hw, maximalIsr: [1, 2], remoteLeo: () => followerLeo });
    w.onReplica(1, 't', 0, leader(1, 2), 0);
    w.onReplica(1, 't', 0, leader(2, 2), 1); // up to what broker 2 has: fine
    expect(w.anomalies()).toEqual([]);
    w.onReplica(1, 't', 0, leader(4, 2), 2);
    expect(kinds(w)).toEqual(['leader-hw']);
  });

  it('a follower raising its HW above what any leader of its epoch or before announced', () => {
    const w = new ReplicaInvariants();
    w.onReplica(1, 't', 0, facts({ records, cache, role: 'leader', hw: 2, leaderEpoch: 1 }), 0);
    w.onReplica(2, 't', 0, facts({ records, cache, hw: 0 }), 0);
    w.onReplica(2, 't', 0, facts({ records, cache, hw: 2 }), 1); // the leader's HW: fine
    expect(w.anomalies()).toEqual([]);
    w.onReplica(2, 't', 0, facts({ records, cache, hw: 3 }), 2);
    expect(kinds(w)).toEqual(['follower-hw']);
    // A restart makes the next look a baseline (the HW came from the checkpoint).
    const r = new ReplicaInvariants();
    r.onReplica(2, 't', 0, facts({ records, cache, hw: 0 }), 0);
    r.onRestart(2);
    r.onReplica(2, 't', 0, facts({ records, cache, hw: 3 }), 1);
    expect(r.anomalies()).toEqual([]);
  });
});

describe('the log start offset (issue 12): log-start-hw-leo, served-below-log-start, deleted-above-hw', () => {
  const move = (from: number, to: number, hw: number, leo: number, reason = 'segment-deletion') => ({
    from,
    to,
    reason,
    hw,
    leo,
  });

  it('accepts log start ≤ HW ≤ LEO, deletions up to the HW and reads from the log start', () => {
    const w = new ReplicaInvariants();
    w.onLogStart(1, 't', 0, move(0, 4, 4, 6), 0);
    w.onFetchServed(1, 't', 0, 4, 1);
    const records = log([1, 1, 1, 1, 1, 1]);
    w.onReplica(1, 't', 0, facts({ records, cache: [{ epoch: 1, startOffset: 4 }], hw: 4, logStartOffset: 4 }), 2);
    expect(w.anomalies()).toEqual([]);
  });

  it('log-start-hw-leo: a log start above the HW, in a move or in the replica facts', () => {
    const a = new ReplicaInvariants();
    a.onLogStart(1, 't', 0, move(0, 5, 4, 6, 'leader-log-start'), 0);
    expect(kinds(a)).toEqual(['log-start-hw-leo']);
    const b = new ReplicaInvariants();
    const records = log([1, 1, 1, 1]);
    b.onReplica(1, 't', 0, facts({ records, cache: [{ epoch: 1, startOffset: 3 }], hw: 2, logStartOffset: 3 }), 0);
    expect(kinds(b)).toEqual(['log-start-hw-leo']);
  });

  it('served-below-log-start: a fetch served from below the log start its last move announced', () => {
    const w = new ReplicaInvariants();
    w.onLogStart(2, 't', 0, move(0, 4, 5, 6), 0);
    w.onFetchServed(1, 't', 0, 0, 1); // another replica: its own log start (0)
    w.onFetchServed(2, 't', 0, 3, 1);
    expect(kinds(w)).toEqual(['served-below-log-start']);
    // A restart forgets it: the new process's recovery announces its log start again.
    const r = new ReplicaInvariants();
    r.onLogStart(2, 't', 0, move(0, 4, 5, 6), 0);
    r.onRestart(2);
    r.onFetchServed(2, 't', 0, 0, 1);
    expect(r.anomalies()).toEqual([]);
  });

  it('deleted-above-hw: retention that moves the log start past the HW', () => {
    const w = new ReplicaInvariants();
    w.onLogStart(1, 't', 0, move(0, 6, 4, 6), 0);
    expect(kinds(w)).toContain('deleted-above-hw');
    // The same move by a follower taking its leader's log start is judged by log-start-hw-leo only.
    const f = new ReplicaInvariants();
    f.onLogStart(1, 't', 0, move(0, 6, 4, 6, 'leader-log-start'), 0);
    expect(kinds(f)).toEqual(['log-start-hw-leo']);
  });
});
