// driver/promise.ts, the one authority on "expected": the promise tracker records each breach
// of Kafka's promise as it happens, and expectedBecause() excuses an anomaly only with the
// breach that explains it. Each rule, fed the events that make it, and the cases it must
// leave alone (no breach, a breach that does not explain the anomaly, harness anomalies).

import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, ReplicaSnapshot } from '../../checkers/cluster-state.ts';
import type { History, HistoryEvent } from '../../checkers/history.ts';
import type { Anomaly, PromiseBreach } from '../../checkers/verdict.ts';
import { ClusterView } from '../../driver/cluster-view.ts';
import {
  expectedBecause,
  type FinalRead,
  judgeExpected,
  promiseEvidence,
  type PromiseEvidence,
  PromiseTracker,
} from '../../driver/promise.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC } from '../../model/config.ts';

/** A tracker over topic t with min.insync.replicas 2 and one partition on brokers 1..3, at a settable clock. */
function setup(minInsync = 2, zookeeperMode = false) {
  const view = new ClusterView('t', [1, 2, 3]);
  const clock = { nowUs: 0 };
  const up = new Set([1, 2, 3]);
  const tracker = new PromiseTracker(
    minInsync,
    view,
    (b) => up.has(b),
    () => clock.nowUs,
    zookeeperMode,
  );
  /** A controller record of t/0, fed to the view and the tracker as the driver does. */
  const record = (leader: number, isr: number[], elr: number[] = []) => {
    const ev = {
      kind: 'partition' as const,
      topic: 't',
      partition: 0,
      leader,
      leaderEpoch: 1,
      partitionEpoch: 1,
      replicas: [1, 2, 3],
      isr,
      elr,
    };
    const change = view.applyPartitionEvent(ev)!;
    tracker.onPartition(change.partition, change.current.isr, change.previous, change.current.leader);
  };
  record(1, [1, 2, 3]);
  return { tracker, clock, up, record };
}

const lost: Anomaly = { kind: 'lost-write', explanation: 'x', topic: 't', partition: 0, values: ['v'] };
const liveness: Anomaly = { kind: 'liveness', explanation: 'x' };
/** A send of `value` to t/0 invoked at `atUs`, as the history records it. */
const send = (value: string, atUs: number): HistoryEvent => ({
  index: 0,
  time: atUs,
  process: 200,
  type: 'invoke',
  f: 'send',
  value: { topic: 't', partition: 0, key: null, value },
});
/** Value 'v' (the lost record) was sent at 1 s, before every breach of these tests. */
const sends: History = [send('v', 1_000_000)];
const judge = (tracker: PromiseTracker, a: Anomaly, all: Anomaly[] = [a], history: History = sends) =>
  expectedBecause(a, promiseEvidence(tracker, all, history));

/** An invoke by process 200 at `s` seconds. */
const at = (index: number, s: number, f: string, value: unknown): HistoryEvent => ({
  index,
  time: s * 1_000_000,
  process: 200,
  type: 'invoke',
  f,
  value: value as HistoryEvent['value'],
});
const sent = (v: string) => ({ topic: 't', partition: 0, key: null, value: v });

/** t/0 led by broker 1 with HW 6; brokers 1 and 2 lose power at 1 s: the breach t0. */
function lossAtOneSecond() {
  const { tracker, clock } = setup();
  tracker.onReplica(1, 0, 'leader', 6, 6);
  clock.nowUs = 1_000_000;
  const t0 = tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2')!;
  return { tracker, t0 };
}

/** A controller record of `topic`/`partition` on `replicas` (the first leads), all in the ISR, epoch 1. */
function placeOn(view: ClusterView, topic: string, partition: number, replicas: readonly number[]): void {
  view.applyPartitionEvent({
    kind: 'partition',
    topic,
    partition,
    leader: replicas[0],
    leaderEpoch: 1,
    partitionEpoch: 1,
    replicas: [...replicas],
    isr: [...replicas],
    elr: [],
  });
}

/**
 * A tracker over t (min.insync.replicas 2; t/0 on brokers 1 and 3) at a settable clock, with the
 * internal topic `internal` as its companion: partition p on `placement[p]`, broker 1 leading
 * partition `led` with HW 5. `powerLoss()` then takes brokers 1 and 2 at 10 s.
 */
function withCompanion(internal: string, placement: readonly (readonly number[])[], led: number) {
  const view = new ClusterView('t', [1, 2, 3]);
  const internalView = new ClusterView(internal, [1, 2, 3]);
  const clock = { nowUs: 0 };
  const tracker = new PromiseTracker(
    2,
    view,
    () => true,
    () => clock.nowUs,
  );
  const companion = tracker.companion(internalView, placement.length);
  placeOn(view, 't', 0, [1, 3]);
  placement.forEach((replicas, p) => placeOn(internalView, internal, p, replicas));
  companion.onReplica(1, led, 'leader', 5, 5);
  const powerLoss = () => {
    clock.nowUs = 10_000_000;
    return tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
  };
  return { tracker, clock, powerLoss, companion };
}

describe('min-isr-power-loss', () => {
  it('one power loss below min.insync.replicas is no breach: the loss stays a violation', () => {
    const { tracker } = setup();
    expect(tracker.powerLoss([1], 'power loss of broker 1')).toBeUndefined();
    expect(tracker.breaches).toEqual([]);
    expect(judge(tracker, lost)).toBeUndefined();
    expect(tracker.beyondPromise).toBe(false);
  });

  it('min.insync.replicas replicas of a partition that lost data at once: a breach that excuses their losses', () => {
    const { tracker, clock } = setup();
    clock.nowUs = 41_200_000;
    const breach = tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    expect(breach).toMatchObject({
      rule: 'min-isr-power-loss',
      partition: 0,
      nodes: [1, 2],
      atUs: 41_200_000,
      event: 'power loss of broker 1 + broker 2',
    });
    expect(tracker.beyondPromise).toBe(true);
    expect(judge(tracker, lost)).toBe(breach);
    expect(judge(tracker, liveness)).toBeUndefined(); // availability is judged beyond the promise too
  });

  it('a second power loss counts the first broker while it has not re-fetched what it lost', () => {
    const { tracker } = setup();
    tracker.onReplica(1, 0, 'leader', 5, 5);
    expect(tracker.powerLoss([2], 'power loss of broker 2')).toBeUndefined();
    expect(tracker.powerLoss([3], 'power loss of broker 3')).toMatchObject({
      rule: 'min-isr-power-loss',
      nodes: [2, 3],
    });
    // Recovered first (restarted and re-fetched to the HW of its power loss): no breach.
    const again = setup();
    again.tracker.onReplica(1, 0, 'leader', 5, 5);
    again.tracker.powerLoss([2], 'power loss of broker 2');
    again.tracker.onRestart(2);
    again.tracker.onReplica(2, 0, 'follower', 5, 5);
    expect(again.tracker.powerLoss([3], 'power loss of broker 3')).toBeUndefined();
  });
});

describe('min-isr-power-loss in ZooKeeper mode (issue 16)', () => {
  it('one replica that lost data is a breach: no unclean-shutdown handling keeps it out of the ISR', () => {
    const { tracker, clock } = setup(2, true);
    clock.nowUs = 41_200_000;
    const breach = tracker.powerLoss([1], 'power loss of broker 1');
    expect(breach).toMatchObject({ rule: 'min-isr-power-loss', partition: 0, nodes: [1] });
    expect(breach?.explanation).toContain('ZooKeeper mode');
    expect(judge(tracker, lost)).toBe(breach);
    // The same power loss in KRaft mode stays within the promise (KIP-966).
    expect(setup(2, false).tracker.powerLoss([1], 'power loss of broker 1')).toBeUndefined();
  });

  it('excuses a record sent after it only at an offset committed when it happened (the epoch kept)', () => {
    // Seed 99004432: the damaged broker leads again in the same leader epoch and appends at the
    // offsets it lost while a follower keeps the old records there (reopenedInEpoch).
    const after = (offset: number): Anomaly => ({ ...lost, values: ['w'], offsets: [offset] });
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    const zk = setup(2, true);
    zk.tracker.onReplica(1, 0, 'leader', 5, 5);
    zk.clock.nowUs = 41_200_000;
    const breach = zk.tracker.powerLoss([2], 'power loss of broker 2');
    expect(judge(zk.tracker, after(3), undefined, history)).toBe(breach);
    expect(judge(zk.tracker, { ...after(3), kind: 'acked-durable', values: ['w', 'v'] }, undefined, history)).toBe(
      breach,
    );
    expect(judge(zk.tracker, after(5), undefined, history)).toBeUndefined(); // above the HW of the breach
    // KRaft mode: a leader back from a power loss always comes with a new epoch (KIP-966).
    const kraft = setup(2, false);
    kraft.tracker.onReplica(1, 0, 'leader', 5, 5);
    kraft.clock.nowUs = 41_200_000;
    expect(kraft.tracker.powerLoss([2, 3], 'power loss of broker 2 + broker 3')).toBeDefined();
    expect(judge(kraft.tracker, after(3), undefined, history)).toBeUndefined();
  });

  it('excuses a duplicate sent after it whose lower copy sits at an offset committed then (reopened-copy)', () => {
    // Seed 135002310: the damaged broker, leading again in its epoch, appends 'w' at offset 3;
    // the producer's retry lands at 7 on a leader that never saw it; the damaged broker keeps both.
    const dup = (offsets: number[]): Anomaly => ({
      kind: 'duplicate',
      explanation: 'x',
      topic: 't',
      partition: 0,
      values: ['w'],
      offsets,
    });
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    const zk = setup(2, true);
    zk.tracker.onReplica(1, 0, 'leader', 5, 5);
    zk.clock.nowUs = 41_200_000;
    const breach = zk.tracker.powerLoss([2], 'power loss of broker 2');
    expect(judge(zk.tracker, dup([7, 3]), undefined, history)).toBe(breach);
    // Both copies above the HW of the breach: a dedupe failure, not the breach's.
    expect(judge(zk.tracker, dup([5, 7]), undefined, history)).toBeUndefined();
    // Three copies, two of them above that HW: likewise.
    expect(judge(zk.tracker, dup([3, 5, 7]), undefined, history)).toBeUndefined();
    // A value sent before the breach: its copy below the HW may be the committed original.
    expect(judge(zk.tracker, { ...dup([3, 7]), values: ['v'] }, undefined, history)).toBeUndefined();
    // KRaft mode: no reused epoch, no such copy.
    const kraft = setup(2, false);
    kraft.tracker.onReplica(1, 0, 'leader', 5, 5);
    kraft.clock.nowUs = 41_200_000;
    expect(kraft.tracker.powerLoss([2, 3], 'power loss of broker 2 + broker 3')).toBeDefined();
    expect(judge(kraft.tracker, dup([3, 7]), undefined, history)).toBeUndefined();
  });

  it('excuses a duplicate sent before it whose lower copy a stateless leader re-took since then', () => {
    // Seed 260024816: 'v' committed at offset 4 (answer lost in the power loss); the damaged
    // broker, leading again in its epoch with no producer state, takes the retry as new at 0.
    const dup = (offsets: number[]): Anomaly => ({
      kind: 'duplicate',
      explanation: 'x',
      topic: 't',
      partition: 0,
      values: ['v'],
      offsets,
    });
    const history: History = [send('v', 1_000_000)];
    const leader = { broker: 1, leaderEpoch: 0 };
    const run = (
      retry: (t: PromiseTracker) => void,
      zookeeperMode = true,
      before?: (t: PromiseTracker) => void,
      originalOffset = 4,
    ) => {
      const s = setup(2, zookeeperMode);
      s.tracker.onLeaderAppend(0, originalOffset, ['v'], { id: 7, epoch: 0 }, false, leader);
      before?.(s.tracker);
      s.tracker.onReplica(1, 0, 'leader', 5, 5);
      s.clock.nowUs = 41_200_000;
      const breach = s.tracker.powerLoss(zookeeperMode ? [1] : [1, 2], 'power loss');
      s.clock.nowUs = 50_000_000;
      retry(s.tracker);
      return { tracker: s.tracker, breach };
    };
    const asNew = run((t) => t.onLeaderAppend(0, 0, ['v'], { id: 7, epoch: 0 }, true, leader));
    expect(judge(asNew.tracker, dup([4, 0]), undefined, history)).toBe(asNew.breach);
    // The lower copy appended on a state its leader had: a dedupe failure, not the breach's.
    const kept = run((t) => t.onLeaderAppend(0, 0, ['v'], { id: 7, epoch: 0 }, false, leader));
    expect(judge(kept.tracker, dup([0, 4]), undefined, history)).toBeUndefined();
    // Under another producer id: not a retry of this one.
    const other = run((t) => t.onLeaderAppend(0, 0, ['v'], { id: 8, epoch: 0 }, true, leader));
    expect(judge(other.tracker, dup([0, 4]), undefined, history)).toBeUndefined();
    // Taken as new before the breach (another state loss): not this breach's reopened offset.
    const early = run(
      () => undefined,
      true,
      (t) => t.onLeaderAppend(0, 0, ['v'], { id: 7, epoch: 0 }, true, leader),
    );
    expect(judge(early.tracker, dup([0, 4]), undefined, history)).toBeUndefined();
    // The lower copy above the HW of the breach (5): no offset the power loss reopened.
    const retakeAt6 = (t: PromiseTracker) => t.onLeaderAppend(0, 6, ['v'], { id: 7, epoch: 0 }, true, leader);
    const high = run(retakeAt6, true, undefined, 7);
    expect(judge(high.tracker, dup([6, 7]), undefined, history)).toBeUndefined();
    // KRaft mode: no reused epoch, no such copy.
    const kraft = run((t) => t.onLeaderAppend(0, 0, ['v'], { id: 7, epoch: 0 }, true, leader), false);
    expect(kraft.breach).toBeDefined();
    expect(judge(kraft.tracker, dup([0, 4]), undefined, history)).toBeUndefined();
  });

  it("excuses the damaged leader's own retry of a copy it lost, after the epoch it kept (reopened-copy)", () => {
    // Seed 360005837: leader 1 appends 'v' at 4 in leader epoch 1 (HW 4) and loses power with it
    // unflushed; back with its log ending at 4, it leads epoch 1 again, appends 'w' at 4, and takes
    // the retry of 'v' at 5 in sequence (in epoch 1, or in epoch 2 after an ISR shrink); a follower
    // that fetched the first copy keeps both.
    const dup: Anomaly = {
      kind: 'duplicate',
      explanation: 'x',
      topic: 't',
      partition: 0,
      values: ['v'],
      offsets: [4, 5],
    };
    const history: History = [send('v', 1_000_000)];
    interface Shape {
      recovered?: number;
      reopenAt?: number | null;
      retryBy?: number;
      retryEpoch?: number;
      producer?: number;
      zk?: boolean;
    }
    const run = (o: Shape) => {
      const s = setup(2, o.zk ?? true);
      s.clock.nowUs = 40_000_000;
      s.tracker.onReplica(1, 0, 'leader', 4, 4);
      s.tracker.onLeaderAppend(0, 4, ['v'], { id: 7, epoch: 0 }, false, { broker: 1, leaderEpoch: 1 });
      s.tracker.onReplica(1, 0, 'leader', 4, 5);
      s.clock.nowUs = 41_200_000;
      const breach = s.tracker.powerLoss(o.zk === false ? [1, 2] : [1], 'power loss of broker 1');
      s.clock.nowUs = 50_000_000;
      s.tracker.onRestart(1);
      s.tracker.onReplica(1, 0, 'none', 4, o.recovered ?? 4);
      s.clock.nowUs = 55_000_000;
      const reopenAt = o.reopenAt === undefined ? 4 : o.reopenAt;
      if (reopenAt !== null)
        s.tracker.onLeaderAppend(0, reopenAt, ['w'], { id: 9, epoch: 0 }, false, { broker: 1, leaderEpoch: 1 });
      s.clock.nowUs = 60_000_000;
      const leader = { broker: o.retryBy ?? 1, leaderEpoch: o.retryEpoch ?? 1 };
      s.tracker.onLeaderAppend(0, 5, ['v'], { id: o.producer ?? 7, epoch: 0 }, false, leader);
      return { tracker: s.tracker, breach };
    };
    const excused = (o: Shape) => {
      const { tracker, breach } = run(o);
      expect(breach).toBeDefined();
      return judge(tracker, dup, undefined, history) === breach;
    };
    expect(excused({})).toBe(true);
    // The retry in the kept epoch itself is the epoch's write up to the first copy.
    expect(excused({ reopenAt: null })).toBe(true);
    // In a later epoch of the same leader, after it wrote in the kept one up to the first copy.
    expect(excused({ retryEpoch: 2 })).toBe(true);
    // A later epoch without such a write: the follower's check finds the kept epoch ending below
    // its copy and truncates it (LeaderEpochFileCache.endOffsetFor), so a duplicate is not the breach's.
    expect(excused({ retryEpoch: 2, reopenAt: null })).toBe(false);
    expect(excused({ retryEpoch: 2, reopenAt: 3, recovered: 3 })).toBe(false);
    // Its recovered log still held the first copy: its state had the sequence, a dedupe failure.
    expect(excused({ recovered: 5, reopenAt: 5 })).toBe(false);
    // Another leader, which never lost the first copy's state, took the retry.
    expect(excused({ retryBy: 2 })).toBe(false);
    // An older epoch than the first copy's; another producer id.
    expect(excused({ retryEpoch: 0 })).toBe(false);
    expect(excused({ producer: 8 })).toBe(false);
    // KRaft mode: no kept epoch.
    expect(excused({ zk: false })).toBe(false);
  });

  it('excuses a KIP-360 resend the damaged leader took in its kept epoch and another leader again', () => {
    // Seed 550045213: leader 1 (epoch 1) appends 'v' at 4 under producer epoch 0 (HW 5 once
    // broker 2 fetched it) and loses power; back with its log ending at 2, it leads epoch 1 again
    // and refuses the retry as out of order, the producer bumps its epoch and re-sends 'v' at
    // sequence 0, which broker 1 takes at 2; broker 2, leading epoch 2 with 'v' at 4, takes the same
    // resend again at 6. The final log: 2 (resend), 4 (original), 6 (resend).
    const dup = (offsets: number[]): Anomaly => ({
      kind: 'duplicate',
      explanation: 'x',
      topic: 't',
      partition: 0,
      values: ['v'],
      offsets,
    });
    const history: History = [send('v', 1_000_000)];
    interface Shape {
      resent?: boolean;
      reopenedBy?: number;
      reopenedEpoch?: number;
      reopenedAtUs?: number;
      reopenedProducerEpoch?: number;
      originalProducerEpoch?: number;
      hw?: number;
      zk?: boolean;
    }
    const run = (o: Shape) => {
      const s = setup(2, o.zk ?? true);
      s.clock.nowUs = 40_000_000;
      const original = { id: 7, epoch: o.originalProducerEpoch ?? 0 };
      s.tracker.onLeaderAppend(0, 4, ['v'], original, false, { broker: 1, leaderEpoch: 1 });
      s.tracker.onReplica(1, 0, 'leader', o.hw ?? 5, 5);
      s.clock.nowUs = 41_200_000;
      const breach = s.tracker.powerLoss(o.zk === false ? [1, 2] : [1], 'power loss of broker 1');
      s.clock.nowUs = o.reopenedAtUs ?? 50_000_000;
      s.tracker.onRestart(1);
      s.tracker.onReplica(1, 0, 'none', 2, 2);
      if (o.resent ?? true) s.tracker.onResequenced(200, 't', 0, 1, ['v']);
      const reopened = { broker: o.reopenedBy ?? 1, leaderEpoch: o.reopenedEpoch ?? 1 };
      s.tracker.onLeaderAppend(0, 2, ['v'], { id: 7, epoch: o.reopenedProducerEpoch ?? 1 }, false, reopened);
      s.clock.nowUs = 60_000_000;
      s.tracker.onLeaderAppend(0, 6, ['v'], { id: 7, epoch: 1 }, false, { broker: 2, leaderEpoch: 2 });
      return { tracker: s.tracker, breach };
    };
    const excused = (o: Shape) => {
      const { tracker, breach } = run(o);
      expect(breach).toBeDefined();
      return judge(tracker, dup([2, 4, 6]), undefined, history) === breach;
    };
    expect(excused({})).toBe(true);
    // No KIP-360 resend recorded: the two producer epochs are no resend's.
    expect(excused({ resent: false })).toBe(false);
    // The lower copy of the resend by a broker that kept its log, or in an epoch the damaged
    // broker never led before the loss, or before the loss: not the reopened epoch's.
    expect(excused({ reopenedBy: 2 })).toBe(false);
    expect(excused({ reopenedEpoch: 3 })).toBe(false);
    expect(excused({ reopenedAtUs: 41_000_000 })).toBe(false);
    // The lower copy under the original's producer epoch: a retry its state should have deduped.
    expect(excused({ reopenedProducerEpoch: 0 })).toBe(false);
    // The original under the resend's epoch: no KIP-360 resend between them.
    expect(excused({ originalProducerEpoch: 1 })).toBe(false);
    // The original above the HW of the breach (4): not committed then, a dedupe the breach does not explain.
    expect(excused({ hw: 4 })).toBe(false);
    // KRaft mode: no kept epoch.
    expect(excused({ zk: false })).toBe(false);
  });
});

/** A log-matching disagreement on t/0 at `offset`: by default a gap ('', model/replica-log.ts gapAt) against 'w'. */
const gapAt = (offset: number, values = ['', 'w']): Anomaly => ({
  kind: 'log-matching',
  explanation: 'x',
  topic: 't',
  partition: 0,
  offsets: [offset],
  values,
});

describe('log-matching against a gap in ZooKeeper mode (seed 190049908)', () => {
  it('excuses a gap at an offset committed when the power loss happened, against a record sent after it', () => {
    // The damaged leader reopened its epoch and wrote 'w' at offset 3; a follower truncated to 4,
    // inside its batch, and holds a gap at 3 (model/replica-log.ts gapAt: value '').
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    const zk = setup(2, true);
    zk.tracker.onReplica(1, 0, 'leader', 5, 5);
    zk.clock.nowUs = 41_200_000;
    const breach = zk.tracker.powerLoss([1], 'power loss of broker 1');
    expect(judge(zk.tracker, gapAt(3), undefined, history)).toBe(breach);
    expect(judge(zk.tracker, gapAt(3, ['w', '']), undefined, history)).toBe(breach);
    expect(judge(zk.tracker, gapAt(5), undefined, history)).toBeUndefined(); // above the HW of the breach
    // Two records both sent after the breach: not a gap, still Kafka's to keep apart.
    expect(judge(zk.tracker, gapAt(3, ['x', 'w']), undefined, history)).toBeUndefined();
    // KRaft mode: a leader back from a power loss always comes with a new epoch (KIP-966), so no gap.
    const kraft = setup(2, false);
    kraft.tracker.onReplica(1, 0, 'leader', 5, 5);
    kraft.clock.nowUs = 41_200_000;
    expect(kraft.tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2')).toBeDefined();
    expect(judge(kraft.tracker, gapAt(3), undefined, history)).toBeUndefined();
  });
});

describe('log-matching against a gap below the damaged leader’s log end (seed 270065951)', () => {
  it('excuses a gap the damaged leader held uncommitted at its power loss, and no gap at or above its log end', () => {
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    // Leader 1 announced HW 5 and log end 9; follower 2 copied up to 9; then leader 1 loses power.
    const lossOf = (zookeeperMode: boolean, lost: number[]) => {
      const s = setup(2, zookeeperMode);
      s.tracker.onReplica(1, 0, 'leader', 5, 9);
      s.tracker.onReplica(2, 0, 'follower', 5, 11);
      s.clock.nowUs = 41_200_000;
      return { tracker: s.tracker, breach: s.tracker.powerLoss(lost, 'power loss') };
    };
    const zk = lossOf(true, [1]);
    expect(zk.breach).toBeDefined();
    expect(judge(zk.tracker, gapAt(7), undefined, history)).toBe(zk.breach); // above the HW, below the log end
    expect(judge(zk.tracker, gapAt(8, ['w', '']), undefined, history)).toBe(zk.breach);
    // At or above the damaged leader's log end (9): no batch of the reopened epoch came from there,
    // though a follower that lost no power held it (11).
    expect(judge(zk.tracker, gapAt(9), undefined, history)).toBeUndefined();
    expect(judge(zk.tracker, gapAt(10), undefined, history)).toBeUndefined();
    // Two records both sent after the breach: no gap, still Kafka's to keep apart.
    expect(judge(zk.tracker, gapAt(7, ['x', 'w']), undefined, history)).toBeUndefined();
    // KRaft mode: the leader back from a power loss comes with a new epoch (KIP-966), so no gap.
    const kraft = lossOf(false, [1, 2]);
    expect(kraft.breach).toBeDefined();
    expect(judge(kraft.tracker, gapAt(7), undefined, history)).toBeUndefined();
  });
});

describe('a record acknowledged after the breach below the damaged leader’s log end (seed 440040610)', () => {
  it('excuses its loss in ZooKeeper mode up to that log end, never at or above it, never in KRaft mode', () => {
    // Leader 1 announced HW 5 and log end 9; follower 2 copied up to 9 in the same epoch; then
    // leader 1 loses power, leads that epoch again and has 'w' acknowledged at 7, where follower 2
    // keeps its own record or a gap (its truncation target passed 7).
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    const lossOf = (zookeeperMode: boolean, lostBrokers: number[]) => {
      const s = setup(2, zookeeperMode);
      s.tracker.onReplica(1, 0, 'leader', 5, 9);
      s.tracker.onReplica(2, 0, 'follower', 5, 11);
      s.clock.nowUs = 41_200_000;
      return { tracker: s.tracker, breach: s.tracker.powerLoss(lostBrokers, 'power loss') };
    };
    const at = (offset: number, kind = 'acked-durable'): Anomaly => ({
      ...lost,
      kind,
      values: ['w'],
      offsets: [offset],
    });
    const zk = lossOf(true, [1]);
    expect(zk.breach).toBeDefined();
    expect(judge(zk.tracker, at(7), undefined, history)).toBe(zk.breach);
    expect(judge(zk.tracker, at(8, 'lost-write'), undefined, history)).toBe(zk.breach);
    // At or above the damaged leader's log end (9): no follower holds a record of the reopened epoch there.
    expect(judge(zk.tracker, at(9), undefined, history)).toBeUndefined();
    expect(judge(zk.tracker, at(10, 'lost-write'), undefined, history)).toBeUndefined();
    // KRaft mode: the leader back from a power loss comes with a new epoch (KIP-966).
    const kraft = lossOf(false, [1, 2]);
    expect(kraft.breach).toBeDefined();
    expect(judge(kraft.tracker, at(7), undefined, history)).toBeUndefined();
  });
});

describe('consistent-read against a leader’s gap in ZooKeeper mode (seed 290036775)', () => {
  it('excuses a record read from the reopened epoch where the leader now holds a gap, and nothing wider', () => {
    // 'w', sent after the breach, was read at `offset`; the current leader holds a gap there
    // (checkers/invariants.ts judgeConsumed: values [read, '']), or no such offset, or another record.
    const readAt = (offset: number, values = ['w', '']): Anomaly => ({
      kind: 'consistent-read',
      explanation: 'x',
      topic: 't',
      partition: 0,
      offsets: [offset],
      values,
      nodes: [2],
    });
    const history: History = [send('v', 1_000_000), send('w', 50_000_000), send('y', 60_000_000)];
    // Leader 1 announced HW 5 and log end 9, then loses power: committed below 5, held below 9.
    const lossOf = (zookeeperMode: boolean, lost: number[]) => {
      const s = setup(2, zookeeperMode);
      s.tracker.onReplica(1, 0, 'leader', 5, 9);
      s.tracker.onReplica(2, 0, 'follower', 5, 11);
      s.clock.nowUs = 41_200_000;
      return { tracker: s.tracker, breach: s.tracker.powerLoss(lost, 'power loss') };
    };
    const zk = lossOf(true, [1]);
    expect(zk.breach).toBeDefined();
    expect(judge(zk.tracker, readAt(3), undefined, history)).toBe(zk.breach); // committed at the loss
    expect(judge(zk.tracker, readAt(7), undefined, history)).toBe(zk.breach); // held by the damaged leader
    // At or above the damaged leader's log end (9): no batch of the reopened epoch came from there.
    expect(judge(zk.tracker, readAt(9), undefined, history)).toBeUndefined();
    expect(judge(zk.tracker, readAt(10), undefined, history)).toBeUndefined();
    // No gap: the leader's log ends below the offset, or it holds another record sent after the breach.
    expect(judge(zk.tracker, readAt(3, ['w']), undefined, history)).toBeUndefined();
    expect(judge(zk.tracker, readAt(3, ['w', 'y']), undefined, history)).toBeUndefined();
    // KRaft mode: the leader back from a power loss comes with a new epoch (KIP-966), so no gap.
    const kraft = lossOf(false, [1, 2]);
    expect(kraft.breach).toBeDefined();
    expect(judge(kraft.tracker, readAt(3), undefined, history)).toBeUndefined();
    expect(judge(kraft.tracker, readAt(7), undefined, history)).toBeUndefined();
  });
});

describe('consistent-read against a leader’s end-transaction marker in ZooKeeper mode (seed 520039709)', () => {
  it('excuses a record read from the reopened epoch where the leader now holds a marker, and nothing wider', () => {
    // 'w', sent after the breach, was read at `offset`; the current leader holds `held` there, a
    // marker a follower kept from the damaged leader's epoch (no send time), or a record.
    const readAt = (offset: number, held = 'ABORT'): Anomaly => ({
      kind: 'consistent-read',
      explanation: 'x',
      topic: 't',
      partition: 0,
      offsets: [offset],
      values: ['w', held],
      nodes: [2],
    });
    const history: History = [send('v', 1_000_000), send('w', 50_000_000), send('y', 60_000_000)];
    // Leader 1 announced HW 5 and log end 9, then loses power: committed below 5, held below 9.
    const lossOf = (zookeeperMode: boolean, lostBrokers: number[]) => {
      const s = setup(2, zookeeperMode);
      s.tracker.onReplica(1, 0, 'leader', 5, 9);
      s.tracker.onReplica(2, 0, 'follower', 5, 11);
      s.clock.nowUs = 41_200_000;
      return { tracker: s.tracker, breach: s.tracker.powerLoss(lostBrokers, 'power loss') };
    };
    const zk = lossOf(true, [1]);
    expect(zk.breach).toBeDefined();
    expect(judge(zk.tracker, readAt(3), undefined, history)).toBe(zk.breach); // committed at the loss
    expect(judge(zk.tracker, readAt(7, 'COMMIT'), undefined, history)).toBe(zk.breach); // held by the damaged leader
    // At or above the damaged leader's log end (9): no follower holds a record of the reopened epoch there.
    expect(judge(zk.tracker, readAt(9), undefined, history)).toBeUndefined();
    expect(judge(zk.tracker, readAt(10, 'COMMIT'), undefined, history)).toBeUndefined();
    // A record sent after the breach where the leader stands: not the reopened epoch's follower copy.
    expect(judge(zk.tracker, readAt(3, 'y'), undefined, history)).toBeUndefined();
    // KRaft mode: the leader back from a power loss comes with a new epoch (KIP-966).
    const kraft = lossOf(false, [1, 2]);
    expect(kraft.breach).toBeDefined();
    expect(judge(kraft.tracker, readAt(3), undefined, history)).toBeUndefined();
    expect(judge(kraft.tracker, readAt(7), undefined, history)).toBeUndefined();
  });
});

describe('acked-durable beyond the promise', () => {
  it('is excused by the acknowledged record sent before the breach, whatever took its offset after', () => {
    const { tracker, clock } = setup();
    clock.nowUs = 41_200_000;
    const breach = tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    // The leader now holds 'w' (sent after the breach) where 'v' (sent before it) was acknowledged.
    const overwritten: Anomaly = {
      kind: 'acked-durable',
      explanation: 'x',
      topic: 't',
      partition: 0,
      offsets: [0],
      values: ['v', 'w'],
    };
    const history: History = [send('v', 1_000_000), send('w', 50_000_000)];
    expect(judge(tracker, overwritten, [overwritten], history)).toBe(breach);
    // An acknowledged record sent after the breach is still Kafka's to keep.
    const late: Anomaly = { ...overwritten, values: ['w', 'v'] };
    expect(judge(tracker, late, [late], history)).toBeUndefined();
  });
});

describe('last-known-leader-elected', () => {
  it('a broker that lost data, elected from outside ISR and ELR after ≥ min ISR unclean shutdowns', () => {
    const { tracker, record, clock } = setup(3);
    tracker.onReplica(1, 0, 'leader', 5, 5);
    tracker.crash([2]);
    tracker.crash([3]);
    expect(tracker.powerLoss([1], 'power loss of broker 1')).toBeUndefined(); // 1 < 3 lost data
    record(-1, [], []);
    clock.nowUs = 7_000_000;
    tracker.onRestart(1);
    record(1, [1], []);
    expect(tracker.breaches).toHaveLength(1);
    const breach = tracker.breaches[0];
    expect(breach).toMatchObject({ rule: 'last-known-leader-elected', partition: 0, nodes: [1], atUs: 7_000_000 });
    expect(judge(tracker, lost)).toBe(breach);
  });

  it('the ISR the election itself sets does not end the new leader’s unclean shutdown (seed 100018392)', () => {
    const { tracker, record, up, clock } = setup(2);
    tracker.onReplica(1, 0, 'leader', 12, 16);
    tracker.onReplica(3, 0, 'follower', 12, 16);
    expect(tracker.powerLoss([3], 'power loss of broker 3')).toBeUndefined(); // 1 < 2 lost data
    tracker.onRestart(3);
    tracker.onReplica(3, 0, 'none', 12, 13); // came back without 13..15
    record(1, [1, 3]); // broker 2 shrunk out; 3 still listed: not re-registered yet
    tracker.onReplica(1, 0, 'leader', 16, 16); // committed over 3's log end of before its loss
    up.delete(1);
    tracker.crash([1]);
    record(3, [3], [1]); // 1 fenced, 3 elected from the ISR
    record(-1, [], [1, 3]); // 3's old registration fenced
    tracker.onUncleanRegistration(3);
    record(-1, [], [1]); // handleBrokerUncleanShutdown
    tracker.onRegistered(3);
    up.add(1);
    tracker.onUncleanRegistration(1);
    clock.nowUs = 62_000_000;
    record(3, [3], []); // ISR and ELR empty: the last known leader, ISR reset to it
    tracker.onRegistered(1);
    expect(tracker.breaches).toHaveLength(1);
    expect(tracker.breaches[0]).toMatchObject({ rule: 'last-known-leader-elected', partition: 0, nodes: [3] });
    expect(judge(tracker, lost)).toBe(tracker.breaches[0]);
  });

  it('the same election of a broker that lost nothing is no breach', () => {
    const { tracker, record } = setup(3);
    tracker.crash([1, 2, 3]);
    record(-1, [], []);
    record(1, [1], []);
    expect(tracker.breaches).toEqual([]);
    expect(judge(tracker, lost)).toBeUndefined();
  });
});

describe('admin-unclean-election', () => {
  it("an admin's unclean election is a durability breach that excuses the partition's anomalies", () => {
    const { tracker, clock } = setup();
    expect(judge(tracker, lost)).toBeUndefined();
    clock.nowUs = 7_000_000;
    const breach = tracker.adminUncleanElection(0, 3, 'unclean leader election of t/0 (kafka-leader-election.sh)');
    expect(breach).toMatchObject({ rule: 'admin-unclean-election', partition: 0, nodes: [3], atUs: 7_000_000 });
    expect(breach.explanation).toMatch(/unclean leader election of t\/0 .*broker 3/);
    expect(tracker.breaches).toEqual([breach]);
    expect(tracker.beyondPromise).toBe(true);
    expect(judge(tracker, lost)).toBe(breach);
    expect(judge(tracker, liveness)).toBeUndefined();
  });
});

describe('a durability breach excuses only the loss of records sent before it, and what that loss leads to', () => {
  /** Broker 1 leads t/0 with HW 5; brokers 1 and 2 lose power at 10 s: a min-isr-power-loss breach. */
  const beyond = () => {
    const s = setup();
    s.tracker.onReplica(1, 0, 'leader', 5, 5);
    s.clock.nowUs = 10_000_000;
    const breach = s.tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2')!;
    return { ...s, breach };
  };
  const history: History = [send('early', 2_000_000), send('late', 12_000_000), send('later', 13_000_000)];
  const on = (kind: string, values: string[], offsets: number[] = [3]): Anomaly => ({
    kind,
    explanation: 'x',
    topic: 't',
    partition: 0,
    values,
    offsets,
  });

  it('a loss of a record sent before the breach: expected; one sent after it: a violation', () => {
    const { tracker, breach } = beyond();
    for (const kind of ['lost-write', 'acked-durable']) {
      expect(judge(tracker, on(kind, ['early']), undefined, history)).toBe(breach);
      expect(judge(tracker, on(kind, ['late']), undefined, history)).toBeUndefined();
      expect(judge(tracker, on(kind, ['never-sent']), undefined, history)).toBeUndefined();
    }
    // lost-write names lost records: every one must predate the breach.
    expect(judge(tracker, on('lost-write', ['early', 'late']), undefined, history)).toBeUndefined();
    // acked-durable names the acknowledged record, then what the leader holds at its offset.
    expect(judge(tracker, on('acked-durable', ['early', 'late']), undefined, history)).toBe(breach);
    expect(judge(tracker, on('acked-durable', ['late', 'early']), undefined, history)).toBeUndefined();
  });

  it("a loss's consequences name a record sent before the breach (an offset reused, a read undone)", () => {
    const { tracker, breach } = beyond();
    for (const kind of ['inconsistent-offsets', 'consistent-read', 'nonmonotonic-send', 'log-matching', 'poll-skip']) {
      expect(judge(tracker, on(kind, ['early', 'late']), undefined, history)).toBe(breach);
      expect(judge(tracker, on(kind, ['late', 'later']), undefined, history)).toBeUndefined();
    }
  });

  it('a replica short of offsets committed before the breach: expected; of offsets committed after: not', () => {
    const { tracker, breach } = beyond();
    const short = (leo: number, hw: number) => on('candidate-complete', [], [leo, hw]);
    expect(judge(tracker, short(2, 8), undefined, history)).toBe(breach); // offsets 2..4 were committed at 10 s
    expect(judge(tracker, short(5, 8), undefined, history)).toBeUndefined(); // 5..7 committed after the breach
    expect(judge(tracker, on('hw-monotonic', [], [7, 4]), undefined, history)).toBe(breach);
    expect(judge(tracker, on('hw-monotonic', [], [9, 6]), undefined, history)).toBeUndefined();
  });

  it('a duplicate only when its record, sent before, was lost and appended again: one copy left', () => {
    const { tracker, breach } = beyond();
    /** The final read (process 400000, the probe client's) holding `early` at these offsets. */
    const finalRead = (offsets: number[], complete = true): FinalRead => {
      const records = offsets.map((o) => [o, 'early']);
      history.push({
        index: history.length,
        time: 90_000_000,
        process: 400000,
        type: 'ok',
        f: 'poll',
        value: { topic: 't', partition: 0, offset: 0, records },
      });
      return { fromIndex: history.length - 1, isFinalReader: (p) => p === 400000, complete };
    };
    const dup = on('duplicate', ['early'], [3, 7]);
    const judgeWith = (f: FinalRead) => expectedBecause(dup, promiseEvidence(tracker, [dup], history, f));
    expect(judgeWith(finalRead([7]))).toBe(breach); // the copy at 3 was lost, the retry's at 7 is left
    expect(judgeWith(finalRead([3, 7]))).toBeUndefined(); // both left: a dedupe failure
    expect(judgeWith(finalRead([7], false))).toBeUndefined(); // no complete final read: no evidence
    const late = on('duplicate', ['late'], [3, 7]);
    expect(expectedBecause(late, promiseEvidence(tracker, [late], history, finalRead([7])))).toBeUndefined();
  });

  it('a poll step onto a later copy of a loss-explained duplicate, offsets grown by one: that breach', () => {
    const { tracker, breach } = beyond();
    /** Process 301's poll of t/0 from `from` (invoke, then its answer): `values` at `first`, `first` + 1, … */
    const poll = (h: History, from: number, first: number, values: string[]) => {
      const invoke = h.length;
      h.push({ ...at(invoke, 20, 'poll', { topic: 't', partition: 0, offset: from }), process: 301 });
      const records = values.map((v, i) => [first + i, v]);
      const value = { topic: 't', partition: 0, offset: from, records, next: first + values.length };
      h.push({ index: h.length, time: 21_000_000, process: 301, type: 'ok', f: 'poll', value });
      return invoke;
    };
    const judgeStep = (h: History, ops: number[], values: string[]) => {
      const step: Anomaly = { ...on('nonmonotonic-poll', values), ops };
      const base = promiseEvidence(tracker, [step], h);
      const lossDuplicates = new Map([['t/0\u0000late', { breach, offsets: [3, 7] }]]);
      return expectedBecause(step, { ...base, lossDuplicates });
    };
    // 'late' (sent after the breach, so no 'consequence'), duplicated at 3 and 7, read at 7 after 6.
    const h: History = [...history];
    const onward = [poll(h, 5, 5, ['later', 'x']), poll(h, 7, 7, ['late', 'y'])];
    expect(judgeStep(h, onward, ['x', 'late'])).toBe(breach);
    // The same copy read, but after a seek from 6 to 7 (offset 6 never read): a violation.
    const g: History = [...history];
    const gapped = [poll(g, 4, 4, ['later', 'x']), poll(g, 7, 7, ['late'])];
    expect(judgeStep(g, gapped, ['x', 'late'])).toBeUndefined();
    // Read at its lowest copy (3), where the checker places it: the step is real, a violation.
    const l: History = [...history];
    const lowest = [poll(l, 1, 1, ['later', 'x']), poll(l, 3, 3, ['late'])];
    expect(judgeStep(l, lowest, ['x', 'late'])).toBeUndefined();
  });

  it('never a duplicate without a final read, liveness, or another partition', () => {
    const { tracker } = beyond();
    expect(judge(tracker, on('duplicate', ['early']), undefined, history)).toBeUndefined();
    expect(judge(tracker, on('one-leader-per-epoch', ['early']), undefined, history)).toBeUndefined();
    expect(judge(tracker, liveness, undefined, history)).toBeUndefined();
    expect(judge(tracker, { ...on('lost-write', ['early']), partition: 1 }, undefined, history)).toBeUndefined();
  });

  it('a power loss over the limit on two partitions at once records a breach for each', () => {
    const view = new ClusterView('t', [1, 2, 3]);
    const tracker = new PromiseTracker(
      2,
      view,
      () => true,
      () => 5,
    );
    for (const partition of [0, 1]) placeOn(view, 't', partition, [1, 2, 3]);
    tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    expect(tracker.breaches.map((b) => b.partition)).toEqual([0, 1]);
  });
});

describe('two companions: a power loss reaches both internal topics', () => {
  it('records a breach of __consumer_offsets and of __transaction_state (regression: the second was skipped)', () => {
    // Seeds 1858 and 1983 of the transactions scenario (base 1, consume-transform-produce on): a
    // power loss of every broker breached both; only the first companion's breach was recorded,
    // so __transaction_state's candidate-complete went unexcused.
    const tracker = new PromiseTracker(
      2,
      new ClusterView('t', [1, 2, 3]),
      () => true,
      () => 5,
    );
    const views = ['__consumer_offsets', '__transaction_state'].map((topic) => {
      const v = new ClusterView(topic, [1, 2, 3]);
      tracker.companion(v, 1);
      placeOn(v, topic, 0, [1, 2, 3]);
      return v;
    });
    expect(views).toHaveLength(2);
    tracker.powerLoss([1, 2, 3], 'power loss of broker 1 + broker 2 + broker 3');
    const internal = tracker.breaches.map((b) => b.topic).filter((t) => t !== 't');
    expect(internal.sort()).toEqual(['__consumer_offsets', '__transaction_state']);
  });
});

describe('__transaction_state: replicas that disagree are judged by the offset (seed 110043962)', () => {
  it('a disagreement at an offset committed when the breach happened is expected; above it, not', () => {
    const clock = { nowUs: 0 };
    const tracker = new PromiseTracker(
      2,
      new ClusterView('t', [1, 2, 3]),
      () => true,
      () => clock.nowUs,
    );
    const v = new ClusterView('__transaction_state', [1, 2, 3]);
    const state = tracker.companion(v, 1);
    placeOn(v, '__transaction_state', 0, [1, 2, 3]);
    state.onReplica(1, 0, 'leader', 5, 5);
    clock.nowUs = 10_000_000;
    tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    const breach = tracker.breaches.find((b) => b.topic === '__transaction_state');
    expect(breach).toMatchObject({ topic: '__transaction_state', partition: 0 });
    const disagree = (o: number): Anomaly => ({
      kind: 'log-matching',
      explanation: 'x',
      topic: '__transaction_state',
      partition: 0,
      offsets: [o],
      values: ['{}', '{}'],
    });
    expect(judge(tracker, disagree(0))).toBe(breach);
    expect(judge(tracker, disagree(5))).toBeUndefined();
  });
});

describe('__transaction_state, ZooKeeper mode: disagreeing below the damaged leader’s log end (seed 510048710)', () => {
  /**
   * Broker 3 leads __transaction_state/0 with HW 0 and log end 1 (follower 1 copied offset 0),
   * then loses power alone at 5 s: in ZooKeeper mode one power loss is a breach. It may lead
   * epoch 0 again and write another record at 0, which follower 1 keeps its own beside.
   */
  const lossOf = (zookeeperMode: boolean, brokers: number[] = [3]) => {
    const clock = { nowUs: 0 };
    const tracker = new PromiseTracker(
      2,
      new ClusterView('t', [1, 2, 3]),
      () => true,
      () => clock.nowUs,
      zookeeperMode,
    );
    const v = new ClusterView(TXN_STATE_TOPIC, [1, 2, 3]);
    const state = tracker.companion(v, 1);
    placeOn(v, TXN_STATE_TOPIC, 0, [3, 1, 2]);
    state.onReplica(3, 0, 'leader', 0, 1);
    state.onReplica(1, 0, 'follower', 0, 1);
    clock.nowUs = 5_000_000;
    tracker.powerLoss(brokers, `power loss of ${brokers.map((b) => `broker ${b}`).join(' + ')}`);
    return { tracker, breach: tracker.breaches.find((b) => b.topic === TXN_STATE_TOPIC) };
  };
  const disagree = (o: number): Anomaly => ({
    kind: 'log-matching',
    explanation: 'x',
    topic: TXN_STATE_TOPIC,
    partition: 0,
    offsets: [o],
    values: ['{"lastUpdateMs":2425}', '{"lastUpdateMs":22047}'],
  });

  it('is expected below that log end though not committed at the loss; at or above it, not', () => {
    const zk = lossOf(true);
    expect(zk.breach).toMatchObject({ rule: 'min-isr-power-loss', topic: TXN_STATE_TOPIC, partition: 0 });
    expect(judge(zk.tracker, disagree(0))).toBe(zk.breach);
    expect(judge(zk.tracker, disagree(1))).toBeUndefined();
  });

  it('is not expected in KRaft mode, where a leader back from a power loss comes with a new epoch (KIP-966)', () => {
    expect(lossOf(false).breach).toBeUndefined(); // one power loss of three replicas: no breach
    const kraft = lossOf(false, [3, 2]); // two: a breach, but offset 0 was not committed at it
    expect(kraft.breach).toMatchObject({ rule: 'min-isr-power-loss', topic: TXN_STATE_TOPIC, partition: 0 });
    expect(judge(kraft.tracker, disagree(0))).toBeUndefined();
  });
});

describe("__consumer_offsets: a breach names its topic, and excuses a group's lost commit by the records' rule", () => {
  /**
   * t/0 on brokers 1 and 3, __consumer_offsets/p (3 partitions; g1 hashes to 2, g2 to 0) on
   * [2, 3], [3, 1], [1, 2]; broker 1 leads __consumer_offsets/2 with HW 5. Brokers 1 and 2 lose
   * power at 10 s: a breach of __consumer_offsets/2 only (t/0 lost one replica of two). `early`
   * feeds the offsets tracker before the breach (its clock below 10 s).
   */
  const beyond = (early: (offsets: PromiseTracker, clock: { nowUs: number }) => void = () => {}) => {
    const { tracker, clock, powerLoss, companion } = withCompanion(
      '__consumer_offsets',
      [
        [2, 3],
        [3, 1],
        [1, 2],
      ],
      2,
    );
    early(companion, clock);
    return { tracker, breach: powerLoss()!, offsets: companion, clock };
  };
  /** Commits invoked at 2 s (index 0) and 12 s (index 1). */
  const commit = (atUs: number, index: number): HistoryEvent => ({
    index,
    time: atUs,
    process: 300,
    type: 'invoke',
    f: 'commit',
    value: { group: 'g1', offsets: [{ topic: 't', partition: 0, offset: 4 }] },
  });
  const history: History = [commit(2_000_000, 0), commit(12_000_000, 1), send('v', 1_000_000)];
  const lostCommit = (group: string, commitIndex: number): Anomaly => ({
    kind: 'lost-commit',
    explanation: 'x',
    group,
    topic: 't',
    partition: 0,
    ops: [commitIndex, 2],
    offsets: [4, 2],
  });

  it("the breach is __consumer_offsets/2's, and excuses nothing of t/2 or of t/0", () => {
    const { tracker, breach } = beyond();
    expect(tracker.breaches).toEqual([breach]);
    expect(breach).toMatchObject({ topic: '__consumer_offsets', partition: 2, rule: 'min-isr-power-loss' });
    const onT = (partition: number): Anomaly => ({ ...lost, partition });
    expect(judge(tracker, onT(2), undefined, history)).toBeUndefined();
    expect(judge(tracker, onT(0), undefined, history)).toBeUndefined();
    const short = (topic: string): Anomaly => ({ kind: 'candidate-complete', explanation: 'x', topic, partition: 2 });
    // replicas of __consumer_offsets disagreeing: judged by the offset (committed at the breach: HW 5), not values
    const disagree = (o: number): Anomaly => ({
      kind: 'log-matching',
      explanation: 'x',
      topic: '__consumer_offsets',
      partition: 2,
      offsets: [o],
      values: ['{}', '{}'],
    });
    expect(judge(tracker, disagree(4), undefined, history)).toBe(breach);
    expect(judge(tracker, disagree(5), undefined, history)).toBeUndefined();
    expect(judge(tracker, { ...short('__consumer_offsets'), offsets: [2, 5] }, undefined, history)).toBe(breach);
    expect(judge(tracker, { ...short('t'), offsets: [2, 5] }, undefined, history)).toBeUndefined();
  });

  it('a lost commit sent before the breach of its group’s partition: expected; sent after, or elsewhere: not', () => {
    const { tracker, breach } = beyond();
    expect(judge(tracker, lostCommit('g1', 0), undefined, history)).toBe(breach);
    expect(judge(tracker, lostCommit('g1', 1), undefined, history)).toBeUndefined(); // sent after the breach
    expect(judge(tracker, lostCommit('g2', 0), undefined, history)).toBeUndefined(); // g2 lives on partition 0
    expect(judge(tracker, { ...lostCommit('g1', 0), group: undefined }, undefined, history)).toBeUndefined();
  });

  it('a commit overwritten by a stale one the breach let in: expected (seed 180026745)', () => {
    const { tracker, breach } = beyond();
    // ops: the commit (12 s), the fetch, the stale commit of the fetched offset, the assignment that made it stale
    const overwritten = (stale: number, handedOut: number): Anomaly => ({
      ...lostCommit('g1', 1),
      ops: [1, 1, stale, handedOut],
    });
    expect(judge(tracker, overwritten(1, 0), undefined, history)).toBe(breach); // handed out before, stale commit after
    expect(judge(tracker, overwritten(0, 0), undefined, history)).toBeUndefined(); // stale commit before the breach
    expect(judge(tracker, overwritten(1, 1), undefined, history)).toBeUndefined(); // handed out after the breach
    expect(judge(tracker, { ...overwritten(1, 0), group: 'g2' }, undefined, history)).toBeUndefined();
    const txn: Anomaly = { ...overwritten(1, 0), kind: 'lost-txn-offsets' };
    expect(judge(tracker, txn, undefined, history)).toBeUndefined(); // only a lost-commit names a stale commit
  });

  it('transactional offsets lost, re-consumed or aborted ones read: expected when the transaction came before', () => {
    const { tracker, breach } = beyond();
    for (const kind of ['lost-txn-offsets', 'double-consume', 'aborted-offsets-read']) {
      const a = (first: number): Anomaly => ({ ...lostCommit('g1', first), kind, ops: [first, 2] });
      expect(judge(tracker, a(0), undefined, history)).toBe(breach); // its first transaction before the breach
      expect(judge(tracker, a(1), undefined, history)).toBeUndefined(); // after it
      expect(judge(tracker, { ...a(0), group: 'g2' }, undefined, history)).toBeUndefined(); // another partition
    }
  });

  it('a generation reused: expected when its first hand-out came before the breach', () => {
    const { tracker, breach } = beyond();
    const a = (first: number): Anomaly => ({ ...lostCommit('g1', first), kind: 'shared-ownership', ops: [first, 2] });
    expect(judge(tracker, a(0), undefined, history)).toBe(breach); // the first hand-out before the breach
    expect(judge(tracker, a(1), undefined, history)).toBeUndefined(); // both after it
    expect(judge(tracker, { ...a(0), group: 'g2' }, undefined, history)).toBeUndefined();
  });

  it('a stale commit accepted: expected when handed out before the breach and acknowledged at or after it', () => {
    const { tracker, breach } = beyond();
    // ops: the later generation's assignment, the stale commit, its acknowledgement (history times: 0 → 2 s,
    // 1 → 12 s, 2 → 1 s; the breach at 10 s)
    const stale = (...ops: number[]): Anomaly => ({ ...lostCommit('g1', 0), kind: 'stale-generation-commit', ops });
    expect(judge(tracker, stale(0, 1, 1), undefined, history)).toBe(breach); // committed after the breach
    expect(judge(tracker, stale(2, 0, 1), undefined, history)).toBe(breach); // invoked before, acknowledged after
    // acknowledged before the breach: the coordinator still held the later generation and had to refuse it
    expect(judge(tracker, stale(2, 2, 0), undefined, history)).toBeUndefined();
    expect(judge(tracker, stale(1, 1, 1), undefined, history)).toBeUndefined(); // handed out after the breach
    expect(judge(tracker, stale(0, 1), undefined, history)).toBeUndefined(); // no acknowledgement named
    expect(judge(tracker, { ...stale(0, 1, 1), group: 'g2' }, undefined, history)).toBeUndefined();
  });

  it('a re-read below a lost commit: expected when the commit came before the breach', () => {
    const { tracker, breach } = beyond();
    // re-read below a commit sent before the breach (the commit first): expected; a re-read in one generation
    // (one op) or a skip: never
    const reread = { ...lostCommit('g1', 0), kind: 'excess-duplicate' };
    expect(judge(tracker, reread, undefined, history)).toBe(breach);
    expect(judge(tracker, { ...reread, ops: [1, 2] }, undefined, history)).toBeUndefined();
    expect(judge(tracker, { ...reread, ops: [0] }, undefined, history)).toBeUndefined();
    expect(judge(tracker, { ...lostCommit('g1', 0), kind: 'commit-skip' }, undefined, history)).toBeUndefined();
  });

  it('a generation handed out again across the breach: expected if its first came before (seed 180067370)', () => {
    /** A KIP-848 member epoch (ConsumerGroupCurrentMemberAssignment), as the coordinator's record. */
    const epochRecord = (member: string, memberEpoch: number) =>
      JSON.stringify({
        type: 'ConsumerGroupCurrentMemberAssignment',
        group: 'g1',
        memberId: member,
        value: { previousMemberEpoch: 1, state: 'STABLE', memberEpoch, assigned: [], pendingRevocation: [] },
      });
    /** A classic generation (GroupMetadata) handing `members` their assignments. */
    const generationRecord = (members: string[], generation: number) =>
      JSON.stringify({
        type: 'GroupMetadata',
        group: 'g1',
        generation,
        leader: members[0],
        members: members.map((m) => ({ memberId: m, sessionTimeoutMs: 1, rebalanceTimeoutMs: 1, assignment: [] })),
      });
    // before the breach (10 s), broker 1 leads __consumer_offsets/2 in epoch 1: it hands m1 epoch 2 at 5 s,
    // m3 epoch 2 at 6 s and c1 generation 3 at 5 s; broker 2's follower copy of m5's epoch 2 (7 s) is no hand-out
    const { tracker, breach, offsets, clock } = beyond((o, c) => {
      c.nowUs = 5_000_000;
      o.onOffsetsAppend(1, 2, 1, [epochRecord('m1', 2), generationRecord(['c1'], 3)]);
      c.nowUs = 6_000_000;
      o.onOffsetsAppend(1, 2, 1, [epochRecord('m3', 2)]);
      c.nowUs = 7_000_000;
      o.onOffsetsAppend(2, 2, 1, [epochRecord('m5', 2)]);
    });
    // after it: m4 epoch 2 at 14 s, m2 and m5 epoch 2 and c2 generation 3 at 15 s
    clock.nowUs = 14_000_000;
    offsets.onOffsetsAppend(1, 2, 1, [epochRecord('m4', 2)]);
    clock.nowUs = 15_000_000;
    offsets.onOffsetsAppend(1, 2, 1, [epochRecord('m2', 2), epochRecord('m5', 2), generationRecord(['c2'], 3)]);
    // the members' applications learn each one after the breach (a poll in flight held them up)
    const learned: Array<[string, number, number]> = [
      ['m1', 2, 12], // 0: written at 5 s
      ['m2', 2, 16], // 1: written at 15 s
      ['m3', 2, 13], // 2: written at 6 s
      ['m4', 2, 14.5], // 3: written at 14 s
      ['m5', 2, 16], // 4: only the follower's copy before the breach, the leader's at 15 s
      ['c1', 3, 12], // 5: written at 5 s
      ['c2', 3, 16], // 6: written at 15 s
      ['m6', 2, 16], // 7: never written
    ];
    const assignments: History = learned.map(([member, generation, s], index) => ({
      index,
      time: s * 1_000_000,
      process: 500 + index,
      type: 'invoke',
      f: 'assignment',
      value: { group: 'g1', member, generation, partitions: [{ topic: 't', partition: 0 }] },
    }));
    const shared = (first: number, second: number, group = 'g1'): Anomaly => ({
      kind: 'shared-ownership',
      explanation: 'x',
      group,
      topic: 't',
      partition: 0,
      ops: [first, second],
    });
    expect(judge(tracker, shared(0, 1), undefined, assignments)).toBe(breach); // written before, and after
    expect(judge(tracker, shared(5, 6), undefined, assignments)).toBe(breach); // classic generations alike
    expect(judge(tracker, shared(0, 2), undefined, assignments)).toBeUndefined(); // both by the full state
    expect(judge(tracker, shared(3, 1), undefined, assignments)).toBeUndefined(); // both after the breach
    expect(judge(tracker, shared(4, 1), undefined, assignments)).toBeUndefined(); // a follower's copy is no hand-out
    expect(judge(tracker, shared(0, 7), undefined, assignments)).toBeUndefined(); // no hand-out written
    expect(judge(tracker, shared(1, 0), undefined, assignments)).toBeUndefined(); // in history order only
    expect(judge(tracker, shared(0, 1, 'g2'), undefined, assignments)).toBeUndefined(); // another partition
    // a stale commit (invoked at 17 s, acknowledged at 17.5 s: after the breach) of the generation before one
    // learned after the breach (seed 410060982): expected when the coordinator wrote that generation before it
    const commitAt = (index: number, type: 'invoke' | 'ok', s: number): HistoryEvent => ({
      index,
      time: s * 1_000_000,
      process: 600,
      type,
      f: 'commit',
      value: { group: 'g1', member: 'c0', generation: 2, offsets: [{ topic: 't', partition: 0, offset: 4 }] },
    });
    const withCommit: History = [...assignments, commitAt(8, 'invoke', 17), commitAt(9, 'ok', 17.5)];
    const stale = (later: number): Anomaly => ({
      ...shared(later, 8),
      kind: 'stale-generation-commit',
      ops: [later, 8, 9],
    });
    expect(judge(tracker, stale(5), undefined, withCommit)).toBe(breach); // written at 5 s, learned at 12 s
    expect(judge(tracker, stale(6), undefined, withCommit)).toBeUndefined(); // written at 15 s, after the breach
    expect(judge(tracker, stale(7), undefined, withCommit)).toBeUndefined(); // never written, learned after it
  });

  it('a re-read of an offset committed when its data partition lost it, after the loss: expected', () => {
    const { tracker } = setup(); // t/0: broker 1 leads with HW 6; brokers 1 and 2 lose power at 0 s
    tracker.onReplica(1, 0, 'leader', 6, 6);
    const t0 = tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2')!;
    expect(t0).toMatchObject({ topic: 't', partition: 0 });
    // history: a commit at 0.5 s (index 0) and re-read polls before (index 1) and after (index 2) the breach
    const times: History = [0.5, 0, 2].map((s, index) => ({
      index,
      time: s * 1_000_000 - (index === 1 ? 1 : 0),
      process: 300,
      type: 'invoke' as const,
      f: 'poll',
      value: null,
    }));
    const reread = (offset: number, poll: number): Anomaly => ({
      kind: 'excess-duplicate',
      explanation: 'x',
      group: 'g9',
      topic: 't',
      partition: 0,
      ops: [0, poll],
      offsets: [offset],
    });
    expect(judge(tracker, reread(5, 2), undefined, times)).toBe(t0); // committed at the loss (HW 6), read after
    expect(judge(tracker, reread(6, 2), undefined, times)).toBeUndefined(); // not committed then
    expect(judge(tracker, reread(5, 1), undefined, times)).toBeUndefined(); // read before the loss
  });

  it('a group commit past records its data partition then lost skips the offsets reused (seed 110000014)', () => {
    const { tracker, t0 } = lossAtOneSecond(); // t/0: broker 1 leads with HW 6
    // history: the group's commit invoked at 0.5 s (index 0, before the breach) and at 2 s (index 1, after it)
    const times: History = [0.5, 2].map((s, index) => ({
      index,
      time: s * 1_000_000,
      process: 300,
      type: 'invoke' as const,
      f: 'commit',
      value: null,
    }));
    const skip = (offsets: number[], commit: number): Anomaly => ({
      kind: 'commit-skip',
      explanation: 'x',
      group: 'g9',
      topic: 't',
      partition: 0,
      ops: [commit],
      offsets,
    });
    expect(judge(tracker, skip([3, 5], 0), undefined, times)).toBe(t0); // committed at the loss, commit before
    expect(judge(tracker, skip([5, 6], 0), undefined, times)).toBeUndefined(); // offset 6 not committed then
    expect(judge(tracker, skip([3], 1), undefined, times)).toBeUndefined(); // the commit came after the loss
  });

  it('a group skip of records its partition lost before the group read past them (seeds 110050132, 110055203)', () => {
    const { tracker, t0 } = lossAtOneSecond(); // t/0: broker 1 leads with HW 6
    // history: 'lost' sent at 0.5 s (0), 'late' at 2 s (1); a commit and polls at 0.8 s (2) and 3 s (3);
    // the final read at 9 s (4) returns 'kept' (sent at 0.5 s, 5) at offset 3
    const history: History = [
      at(0, 0.5, 'send', sent('lost')),
      at(1, 2, 'send', sent('late')),
      at(2, 0.8, 'commit', null),
      at(3, 3, 'commit', null),
      {
        ...at(4, 9, 'poll', { topic: 't', partition: 0, offset: 0, records: [[3, 'kept']] }),
        type: 'ok',
        process: 400000,
      },
      at(5, 0.5, 'send', sent('kept')),
    ];
    const finalRead = (complete = true): FinalRead => ({ fromIndex: 4, isFinalReader: (p) => p === 400000, complete });
    const skip = (values: string[], ops: number[]): Anomaly => ({
      kind: 'commit-skip',
      explanation: 'x',
      group: 'g9',
      topic: 't',
      partition: 0,
      ops,
      offsets: [7],
      values,
    });
    const judgeWith = (a: Anomaly, f = finalRead()) => expectedBecause(a, promiseEvidence(tracker, [a], history, f));
    expect(judgeWith(skip(['lost'], [3, 3]))).toBe(t0); // sent before, gone, commit and read after
    expect(judgeWith(skip(['lost'], [3, 2]))).toBeUndefined(); // the group read past it before the loss
    expect(judgeWith(skip(['lost'], [2, 3]))).toBeUndefined(); // the commit came before the loss
    expect(judgeWith(skip(['lost'], [3]))).toBeUndefined(); // no read past it named
    expect(judgeWith(skip(['lost', 'late'], [3, 3]))).toBeUndefined(); // a record sent after the loss
    expect(judgeWith(skip(['kept'], [3, 3]))).toBeUndefined(); // still in the log: a real skip
    expect(judgeWith(skip(['lost'], [3, 3]), finalRead(false))).toBeUndefined(); // no complete final read
    // seed 400051993: another partition's final read stuck, this one's complete
    const stuckElsewhere = { ...finalRead(false), unfinished: [{ topic: 't', partition: 1 }] };
    expect(judgeWith(skip(['lost'], [3, 3]), stuckElsewhere)).toBe(t0);
    expect(judgeWith(skip(['kept'], [3, 3]), stuckElsewhere)).toBeUndefined(); // still in the log
    const stuckHere = { ...finalRead(false), unfinished: [{ topic: 't', partition: 0 }] };
    expect(judgeWith(skip(['lost'], [3, 3]), stuckHere)).toBeUndefined(); // this partition's read stuck
    expect(judgeWith(skip([], [3, 3]))).toBeUndefined(); // no record named
  });

  it('a commit of a position read before the loss skips offsets later records took (seed 190067860)', () => {
    const { tracker, t0 } = lossAtOneSecond(); // t/0: broker 1 leads with HW 6
    // history: 'early' sent at 0.5 s (0), 'late' at 2 s (1); reads past the offsets at 0.8 s (2) and 3 s (3);
    // the commit at 4 s (4)
    const history: History = [
      at(0, 0.5, 'send', sent('early')),
      at(1, 2, 'send', sent('late')),
      at(2, 0.8, 'poll', null),
      at(3, 3, 'poll', null),
      at(4, 4, 'commit', null),
    ];
    const skip = (offsets: number[], values: string[], ops: number[]): Anomaly => ({
      kind: 'commit-skip',
      explanation: 'x',
      group: 'g9',
      topic: 't',
      partition: 0,
      ops,
      offsets,
      values,
    });
    const judgeWith = (a: Anomaly) => expectedBecause(a, promiseEvidence(tracker, [a], history));
    expect(judgeWith(skip([5], ['late'], [4, 2]))).toBe(t0); // read past before, committed then, record sent after
    expect(judgeWith(skip([5], ['late'], [4, 3]))).toBeUndefined(); // the read past it came after the loss
    expect(judgeWith(skip([6], ['late'], [4, 2]))).toBeUndefined(); // offset 6 not committed at the loss
    expect(judgeWith(skip([5], ['early'], [4, 2]))).toBeUndefined(); // sent before the loss: there when read past
    expect(judgeWith(skip([4, 5], ['late', 'early'], [4, 2]))).toBeUndefined(); // one of them sent before
    expect(judgeWith(skip([5], ['late'], [4]))).toBeUndefined(); // no read past it named
    expect(judgeWith(skip([5], [], [4, 2]))).toBeUndefined(); // no record named
  });

  it('a record sent before the loss, after the read past its offset was answered (seed 370025474, zookeeper)', () => {
    const { tracker, t0 } = lossAtOneSecond(); // t/0: broker 1 leads with HW 6
    /** The member's poll (process 700) invoked at `s` seconds, answered `dt` later from `from` to `next`. */
    const poll = (index: number, s: number, dt: number, from: number, next: number): HistoryEvent[] => [
      { index, time: s * 1_000_000, process: 700, type: 'invoke', f: 'poll', value: { topic: 't', partition: 0 } },
      {
        index: index + 1,
        time: (s + dt) * 1_000_000,
        process: 700,
        type: 'ok',
        f: 'poll',
        value: { topic: 't', partition: 0, offset: from, records: [[from, 'r']], next },
      },
    ];
    // history: polls answered before 'after' was sent at 0.5 s (8): from 3 to 6 at 0.4 s (0, 1), from 5 to 6
    // at 0.42 s (2, 3), from 2 to 5 at 0.44 s (4, 5); a poll invoked at 0.45 s that failed (6, 7); 'mid'
    // sent at 0.3 s (9), while the first poll was out; the commit at 4 s (10)
    const history: History = [
      ...poll(0, 0.2, 0.2, 3, 6),
      ...poll(2, 0.41, 0.01, 5, 6),
      ...poll(4, 0.43, 0.01, 2, 5),
      { index: 6, time: 450_000, process: 701, type: 'invoke', f: 'poll', value: null },
      { index: 7, time: 460_000, process: 701, type: 'fail', f: 'poll', value: null, error: 'timeout' },
      at(8, 0.5, 'send', sent('after')),
      at(9, 0.3, 'send', sent('mid')),
      at(10, 4, 'commit', null),
    ];
    const skip = (offsets: number[], values: string[], read: number): Anomaly => ({
      kind: 'commit-skip',
      explanation: 'x',
      group: 'g9',
      topic: 't',
      partition: 0,
      ops: [10, read],
      offsets,
      values,
    });
    const judgeWith = (a: Anomaly) => expectedBecause(a, promiseEvidence(tracker, [a], history));
    expect(judgeWith(skip([5], ['after'], 0))).toBe(t0); // sent after the read across 5 was answered
    expect(judgeWith(skip([4, 5], ['after'], 0))).toBe(t0); // that read crossed both offsets
    expect(judgeWith(skip([5], ['after'], 2))).toBe(t0); // a read from 5 itself
    expect(judgeWith(skip([5], ['mid'], 0))).toBeUndefined(); // sent while the read was out: maybe there
    expect(judgeWith(skip([4, 5], ['after', 'mid'], 0))).toBeUndefined(); // one of them sent while it was out
    expect(judgeWith(skip([4], ['after'], 2))).toBeUndefined(); // that read started above offset 4
    expect(judgeWith(skip([4, 5], ['after'], 4))).toBeUndefined(); // that read left its position at 5
    expect(judgeWith(skip([5], ['after'], 6))).toBeUndefined(); // the read named was never answered
    expect(judgeWith(skip([5], ['after'], 8))).toBeUndefined(); // the op named is no poll
    expect(judgeWith(skip([5, 6], ['after'], 0))).toBeUndefined(); // offset 6 not committed at the loss
  });

  it('without a group in the run (no companion), a lost commit is never excused', () => {
    const { tracker } = setup();
    tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    expect(tracker.beyondPromise).toBe(true);
    expect(judge(tracker, lostCommit('g1', 0), undefined, history)).toBeUndefined();
  });
});

describe('a lost write of a record sent after the loss, at an offset read past before it (seed 800055578)', () => {
  /** Process `p`'s operation `f` invoked at `s` seconds (index i) and answered `value` at `s + dt` (index i + 1). */
  const op = (i: number, p: number, f: string, s: number, dt: number, value: unknown): HistoryEvent[] => [
    { index: i, time: s * 1_000_000, process: p, type: 'invoke', f, value: null, topic: 't' },
    { index: i + 1, time: (s + dt) * 1_000_000, process: p, type: 'ok', f, value: value as HistoryEvent['value'] },
  ];
  /** A poll answer of t/0 from `from`. */
  const polled = (from: number, records: Array<[number, string]>) => ({
    topic: 't',
    partition: 0,
    offset: from,
    records,
  });
  /** A transaction's poll micro-op of t/0. */
  const txnPolled = (records: Array<[number, string]>) => [['poll', { '0': records }]];
  // 'e4'..'e6' sent at 0.1 s, 'late' at 2 s (acknowledged at offset 5 after the loss at 1 s), 'later' at 2.2 s.
  const sends: HistoryEvent[] = [
    at(90, 0.1, 'send', sent('e4')),
    at(91, 0.1, 'send', sent('e5')),
    at(92, 0.1, 'send', sent('e6')),
    at(93, 2, 'send', sent('late')),
    at(94, 2.2, 'send', sent('later')),
  ];
  const lostAt = (offset: number): Anomaly => ({
    kind: 'lost-write',
    explanation: 'x',
    topic: 't',
    partition: 0,
    values: ['late'],
    offsets: [offset],
  });
  const judgeIn = (history: History, a: Anomaly = lostAt(5)) => {
    const { tracker, t0 } = lossAtOneSecond(); // t/0: broker 1 leads with HW 6; the breach at 1 s
    return { got: expectedBecause(a, promiseEvidence(tracker, [a], history)), t0 };
  };
  const before = [
    ...op(
      0,
      700,
      'txn',
      0.5,
      3,
      txnPolled([
        [4, 'e4'],
        [5, 'e5'],
        [6, 'e6'],
      ]),
    ), // invoked before, answered after
    ...op(
      2,
      701,
      'poll',
      0.2,
      0.1,
      polled(3, [
        [4, 'e4'],
        [6, 'e6'],
      ]),
    ), // a plain poll before, across 5
  ];

  it('every read across its offset invoked before the loss, of records sent before it: that loss', () => {
    const { got, t0 } = judgeIn([...sends, ...before]);
    expect(got).toBe(t0);
  });

  it('a read across it invoked after the loss, or returning a record sent after it, stays a violation', () => {
    const after = op(
      4,
      702,
      'poll',
      3,
      0.1,
      polled(4, [
        [4, 'e4'],
        [6, 'later'],
      ]),
    );
    expect(judgeIn([...sends, ...before, ...after]).got).toBeUndefined();
    const lateRecord = op(
      4,
      702,
      'txn',
      0.5,
      3,
      txnPolled([
        [4, 'e4'],
        [6, 'later'],
      ]),
    );
    expect(judgeIn([...sends, ...before, ...lateRecord]).got).toBeUndefined();
    // A read that started above the offset did not cross it: the others still explain it.
    const above = op(
      4,
      702,
      'poll',
      3,
      0.1,
      polled(6, [
        [6, 'later'],
        [7, 'x'],
      ]),
    );
    expect(judgeIn([...sends, ...before, ...above]).got).toBeDefined();
  });

  it('no read across its offset, an offset not committed at the loss, or a record sent before: not this excuse', () => {
    expect(judgeIn(sends).got).toBeUndefined();
    const across6 = op(
      0,
      700,
      'txn',
      0.5,
      3,
      txnPolled([
        [4, 'e4'],
        [6, 'e6'],
        [7, 'e6'],
      ]),
    );
    expect(judgeIn([...sends, ...across6], lostAt(6)).got).toBeUndefined(); // HW 6 at the loss: 6 was not committed
    // Sent at 0.1 s, before the loss: 'lost' excuses it, whatever the reads.
    const early: Anomaly = { ...lostAt(5), values: ['e5'] };
    const after = op(
      4,
      702,
      'poll',
      3,
      0.1,
      polled(4, [
        [4, 'e4'],
        [6, 'later'],
      ]),
    );
    expect(judgeIn([...sends, ...before, ...after], early).got).toBeDefined();
  });
});

describe('a breach of __transaction_state excuses only the records of instances sharing one producer epoch', () => {
  /**
   * t/0 on brokers 1 and 3, __transaction_state/0 on [1, 2]; brokers 1 and 2 lose power at 10 s:
   * a breach of __transaction_state/0 only (t/0 lost one replica of two).
   */
  const beyond = () => {
    const { tracker, powerLoss } = withCompanion('__transaction_state', [[1, 2]], 0);
    powerLoss();
    return tracker;
  };
  /** A `txn` invoke of `values` on t/0 by `process` at `atUs`, producer 3000001 at `epoch` (undefined: none). */
  const txn = (process: number, atUs: number, epoch: number | undefined, values: string[]): HistoryEvent => ({
    index: 0,
    time: atUs,
    process,
    type: 'invoke',
    f: 'txn',
    value: values.map((v) => ['send', 0, v]),
    topic: 't',
    ...(epoch === undefined ? {} : { producerId: 3000001, producerEpoch: epoch }),
  });
  const lostWrite = (value: string): Anomaly => ({ ...lost, values: [value], offsets: [71] });
  const twoValues: Anomaly = {
    kind: 'inconsistent-offsets',
    explanation: 'x',
    topic: 't',
    partition: 0,
    values: ['a-1', 'b-1'],
  };
  /** Instance a (process 600) took epoch 7 at 5 s; instance b (601) at `bEpoch` from `bAtUs` on. */
  const history = (bEpoch: number | undefined, bAtUs = 12_000_000, aEpoch: number | undefined = 7): History => [
    txn(600, 5_000_000, aEpoch, ['a-0']),
    txn(600, 13_000_000, aEpoch, ['a-1']),
    txn(601, bAtUs, bEpoch, ['b-0']),
    txn(601, bAtUs + 2_000_000, bEpoch, ['b-1']),
  ];

  it('two instances at one epoch, the second from after the breach: their records are excused', () => {
    const tracker = beyond();
    expect(tracker.breaches.map((b) => b.topic)).toEqual(['__transaction_state']);
    expect(judge(tracker, lostWrite('b-1'), undefined, history(7))?.topic).toBe('__transaction_state');
    expect(judge(tracker, twoValues, undefined, history(7))?.topic).toBe('__transaction_state');
  });

  it('the same anomalies of records sent after the breach under two different epochs: violations', () => {
    const tracker = beyond();
    expect(judge(tracker, lostWrite('b-1'), undefined, history(8))).toBeUndefined();
    expect(judge(tracker, twoValues, undefined, history(8))).toBeUndefined();
  });

  it('an epoch shared since before the breach, or records of another epoch: violations', () => {
    const tracker = beyond();
    expect(judge(tracker, lostWrite('b-1'), undefined, history(7, 6_000_000))).toBeUndefined();
    const third = [...history(7), txn(602, 14_000_000, 9, ['c-0'])];
    expect(judge(tracker, lostWrite('c-0'), undefined, third)).toBeUndefined();
    expect(judge(tracker, { ...twoValues, values: ['a-1', 'c-0'] }, undefined, third)).toBeUndefined();
  });

  it('a history without producer ids (Jepsen): never excused', () => {
    const tracker = beyond();
    expect(judge(tracker, lostWrite('b-1'), undefined, history(undefined, 12_000_000, undefined))).toBeUndefined();
  });

  /** A poll of t/0 that went from p-1 to p-2 skipping `skipped` (the checker's poll-skip between two polls). */
  const skip = (...skipped: string[]): Anomaly => ({
    kind: 'poll-skip',
    explanation: 'x',
    topic: 't',
    partition: 0,
    values: ['p-1', 'p-2', ...skipped],
  });

  it('a poll-skip of records of the shared epoch (seed 1000285): excused, its polled ends whatever they are', () => {
    const tracker = beyond();
    expect(judge(tracker, skip('b-1'), undefined, history(7))?.topic).toBe('__transaction_state');
    expect(judge(tracker, skip('a-1', 'b-1'), undefined, history(7))?.topic).toBe('__transaction_state');
  });

  it('a poll-skip of other records, another epoch, an early share, a reset or a cut list: violations', () => {
    const tracker = beyond();
    expect(judge(tracker, skip('b-1', 'v'), undefined, history(7))).toBeUndefined();
    expect(judge(tracker, skip(), undefined, history(7))).toBeUndefined();
    expect(judge(tracker, skip('b-1'), undefined, history(8))).toBeUndefined();
    expect(judge(tracker, skip('b-1'), undefined, history(7, 6_000_000))).toBeUndefined();
    expect(judge(tracker, { ...skip('b-1'), offsets: [70, 72] }, undefined, history(7))).toBeUndefined();
    const eight = ['b-1', 'b-2', 'b-3', 'b-4', 'b-5', 'b-6', 'b-7', 'b-8'];
    const many = [...history(7), txn(601, 14_000_000, 7, eight)];
    expect(judge(tracker, skip(...eight.slice(0, 7)), undefined, many)?.topic).toBe('__transaction_state');
    expect(judge(tracker, skip(...eight), undefined, many)).toBeUndefined();
    // The same kinds of anomaly the rule never names: a nonmonotonic poll over the same records.
    expect(judge(tracker, { ...skip('b-1'), kind: 'nonmonotonic-poll' }, undefined, history(7))).toBeUndefined();
  });

  /** A read_committed poll read `values` at 71, 72, …, whose transaction its client saw aborted at `abortedUs`. */
  const aborted = (abortedUs: number, ...values: string[]): Anomaly => ({
    kind: 'G1a',
    explanation: 'x',
    topic: 't',
    partition: 0,
    values,
    offsets: values.map((_, k) => 71 + k),
    timesUs: [abortedUs, 16_000_000],
  });

  it('a G1a of records of the shared epoch aborted after the second instance began (seed 540094363): excused', () => {
    const tracker = beyond();
    // 601, sharing epoch 7 from 12 s, committed 600's open a-1 with its own transaction.
    expect(judge(tracker, aborted(15_000_000, 'a-1'), undefined, history(7))?.topic).toBe('__transaction_state');
    expect(judge(tracker, aborted(12_000_000, 'b-1'), undefined, history(7))?.topic).toBe('__transaction_state');
    expect(judge(tracker, aborted(15_000_000, 'a-1', 'b-1'), undefined, history(7))?.topic).toBe('__transaction_state');
  });

  it('a G1a aborted before the share, of another epoch, an early share or without offsets: violations', () => {
    const tracker = beyond();
    // Aborted (its ABORT written) before 601 began at 12 s: no marker of 601 ends it again.
    expect(judge(tracker, aborted(11_999_999, 'a-1'), undefined, history(7))).toBeUndefined();
    expect(
      judge(tracker, { ...aborted(15_000_000, 'a-1'), timesUs: undefined }, undefined, history(7)),
    ).toBeUndefined();
    expect(judge(tracker, aborted(15_000_000, 'a-1'), undefined, history(8))).toBeUndefined();
    expect(judge(tracker, aborted(15_000_000, 'b-1'), undefined, history(7, 6_000_000))).toBeUndefined();
    expect(judge(tracker, aborted(15_000_000, 'a-1', 'v'), undefined, history(7))).toBeUndefined();
    expect(
      judge(tracker, { ...aborted(15_000_000, 'a-1'), offsets: undefined }, undefined, history(7)),
    ).toBeUndefined();
  });

  /** The completion of process 600's `txn` of `values` at `atUs`, `type` with `error`. */
  const done = (atUs: number, type: 'fail' | 'info', error: string, values: string[]): HistoryEvent => ({
    ...txn(600, atUs, 7, values),
    type,
    error,
  });
  /** Process 600 at epoch 7 from 5 s; its txn completes at `endUs` as `end`; it then sends a-1 at `againEpoch`. */
  const reopened = (end: HistoryEvent, againAtUs = 13_000_000, againEpoch = 7): History => [
    txn(600, 5_000_000, 7, ['a-0']),
    end,
    txn(600, againAtUs, againEpoch, ['a-1']),
  ];

  it('one process fenced, re-granted its epoch after the breach: a new instance, its records excused', () => {
    const tracker = beyond();
    for (const error of ['PRODUCER_FENCED', 'INVALID_PRODUCER_EPOCH', 'INVALID_TXN_STATE']) {
      const h = reopened(done(12_500_000, 'info', error, ['a-0']));
      expect(judge(tracker, lostWrite('a-1'), undefined, h)?.topic).toBe('__transaction_state');
    }
    const failed = reopened(done(12_500_000, 'fail', 'PRODUCER_FENCED', ['a-0']));
    expect(judge(tracker, lostWrite('a-1'), undefined, failed)?.topic).toBe('__transaction_state');
  });

  it('one process at one epoch without a fatal error, re-granted before the breach, or a new epoch: violations', () => {
    const tracker = beyond();
    // Successive transactions of one producer (transaction.version 1) share its epoch.
    expect(judge(tracker, lostWrite('a-1'), undefined, history(8))).toBeUndefined();
    // An abortable error keeps the producer (the next transaction bumps the epoch).
    const abortable = reopened(done(12_500_000, 'fail', 'abortable-error', ['a-0']));
    expect(judge(tracker, lostWrite('a-1'), undefined, abortable)).toBeUndefined();
    // Fenced and re-granted epoch 7 before the breach (10 s): shared since before it.
    const early = reopened(done(6_000_000, 'info', 'PRODUCER_FENCED', ['a-0']), 7_000_000);
    expect(judge(tracker, lostWrite('a-1'), undefined, early)).toBeUndefined();
    // Fenced, then a new epoch: nothing shared.
    const bumped = reopened(done(12_500_000, 'info', 'PRODUCER_FENCED', ['a-0']), 13_000_000, 8);
    expect(judge(tracker, lostWrite('a-1'), undefined, bumped)).toBeUndefined();
  });
});

describe('kip-360-resend', () => {
  const dup = (value: string, partition = 0): Anomaly => ({
    kind: 'duplicate',
    explanation: 'x',
    topic: 't',
    partition,
    values: [value],
    offsets: [0, 5],
  });

  /** Copies at offsets 0 and 5 of t/0, under producer 7 at these epochs (and t/1 alike). */
  const appendCopies = (tracker: PromiseTracker, first: number, second: number) => {
    for (const p of [0, 1]) {
      tracker.onLeaderAppend(p, 0, ['a'], { id: 7, epoch: first });
      tracker.onLeaderAppend(p, 5, ['a'], { id: 7, epoch: second });
    }
  };

  it('excuses a duplicate of a re-sent value, on its partition only; nothing else', () => {
    const { tracker } = setup();
    appendCopies(tracker, 0, 1);
    tracker.onResequenced(200, 't', 0, 1, ['a']);
    const all = [dup('b'), dup('a', 1), dup('a'), lost];
    const judged = judgeExpected(all, promiseEvidence(tracker, all));
    expect(judged.map((a) => a.expectedBecause?.rule ?? null)).toEqual([null, null, 'kip-360-resend', null]);
    expect(judged[2]).toMatchObject({ expected: true, expectedBecause: { partition: 0, nodes: [200] } });
    expect(judged[2].explanation).toMatch(/KIP-360/);
    expect(tracker.beyondPromise).toBe(false); // a resend is no durability breach
  });

  it("a later copy under the same or an older epoch is the broker's failure, never excused", () => {
    for (const [first, second] of [
      [1, 1],
      [1, 0],
    ]) {
      const { tracker } = setup();
      appendCopies(tracker, first, second);
      tracker.onResequenced(200, 't', 0, 1, ['a']);
      expect(judge(tracker, dup('a'))).toBeUndefined();
    }
    const { tracker } = setup();
    tracker.onResequenced(200, 't', 0, 1, ['a']);
    expect(judge(tracker, dup('a'))).toBeUndefined(); // no append seen: no evidence
  });

  // Seed 50069961 of base 50000000 (swarm, correct model): leader 1 appended 'a' at offset 0
  // under epoch 0; a deposed leader appended another producer's value at offset 0 in its own
  // epoch, which was truncated away later; the re-sent 'a' came at offset 5 under epoch 1.
  // The identity of offset 0 is the surviving value's, not the last append's there.
  it("a divergent append at the same offset, truncated later, does not hide the surviving copy's identity", () => {
    const { tracker } = setup();
    appendCopies(tracker, 0, 1);
    tracker.onLeaderAppend(0, 0, ['z'], { id: 9, epoch: 0 });
    tracker.onResequenced(200, 't', 0, 1, ['a']);
    expect(judge(tracker, dup('a'))?.rule).toBe('kip-360-resend');
    // The divergent value's own identity is kept apart: a copy of 'z' at offset 5 has none.
    tracker.onResequenced(200, 't', 0, 1, ['z']);
    expect(judge(tracker, dup('z'))).toBeUndefined();
  });

  // Swarm --controller zookeeper seed 440046972: broker 1 (leader epoch 2) appended 'a' at 0 under
  // producer epoch 0, unanswered; after the KIP-360 bump broker 3 (leader epoch 3) appended the
  // resend at 0 under epoch 1 and lost it in a power loss; broker 1, leading epoch 4 with its own
  // copy at 0, took the retry at 5 under epoch 1. The copy at 0 is the one the leader's log kept
  // (its batch carries leader epoch 2), not the last append there.
  it('of two appends of a value at one offset, the copy is the one the last look’s leader log kept', () => {
    const appendTwiceAtZero = (tracker: PromiseTracker) => {
      tracker.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 }, false, { broker: 1, leaderEpoch: 2 });
      tracker.onResequenced(200, 't', 0, 1, ['a']);
      tracker.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 1 }, false, { broker: 3, leaderEpoch: 3 });
      tracker.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 1 }, false, { broker: 1, leaderEpoch: 4 });
    };
    const record = (offset: number, epoch: number, value: string) =>
      ({ offset, epoch, producerId: 7, sequence: 0, key: null, value }) as ReplicaSnapshot['records'][number];
    const look = (epochAtZero: number): ClusterSnapshot => {
      const filler = [1, 2, 3, 4].map((o) => record(o, 2, `f${o}`));
      const leader = {
        ...{ broker: 1, topic: 't', partition: 0, up: true, role: 'leader', leaderEpoch: 4, logStartOffset: 0 },
        ...{ leo: 6, hw: 6, epochCache: [], records: [record(0, epochAtZero, 'a'), ...filler, record(5, 4, 'a')] },
      } as ReplicaSnapshot;
      return {
        timeUs: 0,
        brokers: [],
        controller: { up: true, partitions: [] },
        replicas: [leader],
        acked: [],
        consumed: [],
      };
    };
    const judgeWith = (snap: ClusterSnapshot | undefined) => {
      const { tracker } = setup();
      appendTwiceAtZero(tracker);
      return expectedBecause(dup('a'), promiseEvidence(tracker, [dup('a')], sends, undefined, snap))?.rule;
    };
    expect(judgeWith(look(2))).toBe('kip-360-resend');
    // The resend's copy kept at 0 (leader epoch 3): both copies under epoch 1, a dedupe failure.
    expect(judgeWith(look(3))).toBeUndefined();
    // No look: the last append there, as before.
    expect(judgeWith(undefined)).toBeUndefined();
  });

  it('a later copy the leader took as a new producer’s (no producer state) is Kafka’s; a plain retry is not', () => {
    const { tracker } = setup();
    tracker.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 });
    tracker.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 0 }, true);
    expect(judge(tracker, dup('a'))?.rule).toBe('producer-state-lost');
    expect(tracker.beyondPromise).toBe(false);
    const plain = setup().tracker;
    plain.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 });
    plain.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 0 });
    expect(judge(plain, dup('a'))).toBeUndefined();
    // Another producer id's copy taken as new does not explain this duplicate.
    const other = setup().tracker;
    other.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 });
    other.onLeaderAppend(0, 5, ['a'], { id: 8, epoch: 0 }, true);
    expect(judge(other, dup('a'))).toBeUndefined();
  });

  // Seed 210082663 of base 210000000 (swarm, ZooKeeper mode): a follower truncated fully below
  // the leader's log start lost the producer's state, became leader and took the retry of the
  // producer's first batch (sequence 0) as a new producer's. Only a stateless batch at sequence 0
  // of a producer id and epoch already appended to the partition is such a retry.
  it('a stateless batch at sequence 0 is a lost-state retry only for a producer id and epoch appended before', () => {
    const leader = { broker: 1, leaderEpoch: 5 };
    const { tracker } = setup();
    tracker.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 }, false, { broker: 1, leaderEpoch: 0 }, true);
    expect(tracker.breaches).toEqual([]); // a new producer's first batch
    tracker.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 0 }, false, leader, true);
    expect(tracker.breaches).toMatchObject([{ rule: 'producer-state-lost', partition: 0, nodes: [7] }]);
    expect(judge(tracker, dup('a'))?.rule).toBe('producer-state-lost');
    // The same append with the leader's state (a plain second append) is no breach.
    const plain = setup().tracker;
    plain.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 });
    plain.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 0 }, false, leader);
    expect(judge(plain, dup('a'))).toBeUndefined();
    // A new producer epoch restarts at sequence 0 (KIP-360): not this rule.
    const bumped = setup().tracker;
    bumped.onLeaderAppend(0, 0, ['a'], { id: 7, epoch: 0 });
    bumped.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 1 }, false, leader, true);
    expect(bumped.breaches).toEqual([]);
    expect(judge(bumped, dup('a'))).toBeUndefined();
    // Another partition's or producer id's appends do not make it a retry.
    const other = setup().tracker;
    other.onLeaderAppend(1, 0, ['a'], { id: 7, epoch: 0 });
    other.onLeaderAppend(0, 0, ['a'], { id: 8, epoch: 0 });
    other.onLeaderAppend(0, 5, ['a'], { id: 7, epoch: 0 }, false, leader, true);
    expect(other.breaches).toEqual([]);
  });

  // Seeds 63012137 and 63014575 of base 63000000 (swarm, retention applied): the leader took the
  // retry of 'b' as a new producer's batch (its state was gone with the deleted segments), then
  // the retry of 'c', the next sequence, in sequence after it: both copies of 'c' are Kafka's.
  it('a retry in sequence after the batch taken as new, by its leader while it leads, first copy gone', () => {
    const leader2 = { broker: 2, leaderEpoch: 5 };
    /** 'b' and 'c' at offsets 0 and 1 under producer 7, then again at 5 and 6 by `second`'s leader. */
    const run = (
      second: { broker: number; leaderEpoch: number },
      epochOfC = 0,
      between: (t: PromiseTracker) => void = () => {},
    ) => {
      const { tracker } = setup();
      tracker.onLeaderAppend(0, 0, ['b'], { id: 7, epoch: 0 }, false, { broker: 1, leaderEpoch: 1 });
      tracker.onLeaderAppend(0, 1, ['c'], { id: 7, epoch: 0 }, false, { broker: 1, leaderEpoch: 1 });
      tracker.onLeaderAppend(0, 5, ['b'], { id: 7, epoch: 0 }, true, leader2);
      between(tracker);
      tracker.onLeaderAppend(0, 6, ['c'], { id: 7, epoch: epochOfC }, false, second);
      return tracker;
    };
    const dupC: Anomaly = {
      kind: 'duplicate',
      explanation: 'x',
      topic: 't',
      partition: 0,
      values: ['c'],
      offsets: [1, 6],
    };
    const history: History = [send('c', 1_000_000)];
    /** A complete final read (process 400000's) holding 'c' at these offsets. */
    const finalRead = (offsets: number[]): FinalRead => {
      const records = offsets.map((o) => [o, 'c']);
      const poll: HistoryEvent = {
        index: 1,
        time: 90_000_000,
        process: 400000,
        type: 'ok',
        f: 'poll',
        value: { topic: 't', partition: 0, offset: 0, records },
      };
      history[1] = poll;
      return { fromIndex: 1, isFinalReader: (p) => p === 400000, complete: true };
    };
    const judgeC = (tracker: PromiseTracker, f: FinalRead) =>
      expectedBecause(dupC, promiseEvidence(tracker, [dupC], history, f));
    expect(judgeC(run(leader2), finalRead([6]))?.rule).toBe('producer-state-lost');
    expect(judgeC(run(leader2), finalRead([1, 6]))).toBeUndefined(); // the first copy still in the log
    expect(judgeC(run({ broker: 1, leaderEpoch: 6 }), finalRead([6]))).toBeUndefined(); // another leader
    // A later leader epoch of the same leader, which kept its producer state (swarm --controller
    // zookeeper seed 470034042: the controller bumped the staying leader's epoch on an ISR shrink).
    const staying = (t: PromiseTracker) => t.onPartition(0, [2, 3], { leader: 2, isr: [2, 1, 3], elr: [] }, 2);
    expect(judgeC(run({ broker: 2, leaderEpoch: 6 }, 0, staying), finalRead([6]))?.rule).toBe('producer-state-lost');
    // Not once another broker led between, nor after the leader's restart (its state reloaded).
    const moved = (t: PromiseTracker) => {
      t.onPartition(0, [1, 3], { leader: 2, isr: [2, 1, 3], elr: [] }, 1);
      t.onPartition(0, [2, 1, 3], { leader: 1, isr: [1, 3], elr: [] }, 2);
    };
    expect(judgeC(run({ broker: 2, leaderEpoch: 7 }, 0, moved), finalRead([6]))).toBeUndefined();
    const restarted = (t: PromiseTracker) => t.onRestart(2);
    expect(judgeC(run({ broker: 2, leaderEpoch: 7 }, 0, restarted), finalRead([6]))).toBeUndefined();
    expect(judgeC(run({ broker: 2, leaderEpoch: 4 }), finalRead([6]))).toBeUndefined(); // an older leader epoch
    expect(judgeC(run(leader2, 1), finalRead([6]))).toBeUndefined(); // another producer epoch
  });

  it('the poll anomalies the second copy causes follow the duplicate; others do not', () => {
    const { tracker } = setup();
    appendCopies(tracker, 0, 1);
    tracker.onResequenced(200, 't', 0, 1, ['a']);
    const back: Anomaly = { kind: 'nonmonotonic-poll', explanation: 'x', topic: 't', partition: 0, values: ['z', 'a'] };
    const skip: Anomaly = { kind: 'poll-skip', explanation: 'x', topic: 't', partition: 0, values: ['a', 'q', 'b'] };
    const other: Anomaly = { kind: 'poll-skip', explanation: 'x', topic: 't', partition: 0, values: ['p', 'q'] };
    const without = [back, skip, other];
    expect(judgeExpected(without, promiseEvidence(tracker, without)).some((a) => a.expected === true)).toBe(false);
    const all = [dup('a'), back, skip, other];
    const judged = judgeExpected(all, promiseEvidence(tracker, all));
    expect(judged.map((a) => a.expected === true)).toEqual([true, true, true, false]);
    expect(judged[1].explanation).toContain('duplicate of "a"');
  });
});

describe('what is never expected', () => {
  it('harness and informational anomalies, even in a run beyond the promise', () => {
    const { tracker } = setup();
    tracker.powerLoss([1, 2], 'power loss of broker 1 + broker 2');
    for (const a of [
      { kind: 'stuck', explanation: 'x' },
      { kind: 'crash', explanation: 'x' },
      { kind: 'unseen', explanation: 'x', informational: true },
    ]) {
      expect(judge(tracker, a)).toBeUndefined();
    }
  });

  it('an anomaly judged with no breach at all', () => {
    const { tracker } = setup();
    tracker.crash([1, 2]); // kill -9 loses nothing: never a breach by itself
    expect(tracker.breaches).toEqual([]);
    expect(judge(tracker, lost)).toBeUndefined();
    expect(judge(tracker, liveness)).toBeUndefined();
  });
});

describe('a breach of __transaction_state excuses a committed transaction it left open (seed 110021327)', () => {
  /** t/0 on brokers 1 and 3, __transaction_state/0 on [1, 2]; brokers 1 and 2 lose power at 10 s. */
  const beyond = (statePartition = 0) => {
    const { tracker, clock, powerLoss } = withCompanion('__transaction_state', [[1, 2]], 0);
    tracker.onTxnStateAppend(statePartition, [3000001]);
    powerLoss();
    return { tracker, clock };
  };
  /** A `txn` of `value` on t/0 invoked at `atUs`, acknowledged ok at offset 71 (producer 3000001, epoch 0). */
  const txn = (value: string, atUs: number): History => {
    const common = { index: 0, process: 600, f: 'txn', topic: 't', producerId: 3000001, producerEpoch: 0 };
    return [
      { ...common, time: atUs, type: 'invoke', value: [['send', 0, value]] },
      { ...common, time: atUs + 100, type: 'ok', value: [['send', 0, [71, value]]] },
    ];
  };
  const lostWrite: Anomaly = { ...lost, values: ['x-0'], offsets: [71] };
  const skip = (skipped: string): Anomaly => ({
    kind: 'poll-skip',
    explanation: 'x',
    topic: 't',
    partition: 0,
    values: ['p-1', 'p-2', skipped],
  });

  it('a record acknowledged in a transaction sent before the breach, still open then: expected', () => {
    const { tracker } = beyond();
    expect(judge(tracker, lostWrite, undefined, txn('x-0', 5_000_000))?.topic).toBe('__transaction_state');
    expect(judge(tracker, skip('x-0'), undefined, txn('x-0', 5_000_000))?.topic).toBe('__transaction_state');
    // a marker of the producer above it, appended after the breach (the next transaction's ABORT)
    tracker.onMarkerAppend(0, 80, 3000001, 'ABORT');
    expect(judge(tracker, lostWrite, undefined, txn('x-0', 5_000_000))?.topic).toBe('__transaction_state');
  });

  it('closed on its partition before the breach, sent after it, or of another state partition: violations', () => {
    const closed = beyond();
    closed.clock.nowUs = 8_000_000;
    closed.tracker.onMarkerAppend(0, 72, 3000001, 'COMMIT');
    expect(judge(closed.tracker, lostWrite, undefined, txn('x-0', 5_000_000))).toBeUndefined();
    expect(judge(beyond().tracker, lostWrite, undefined, txn('x-0', 11_000_000))).toBeUndefined();
    expect(judge(beyond(1).tracker, lostWrite, undefined, txn('x-0', 5_000_000))).toBeUndefined();
  });

  it('a skip of a record no transaction acknowledged, or a reset: violations', () => {
    const { tracker } = beyond();
    expect(judge(tracker, skip('v'), undefined, txn('x-0', 5_000_000))).toBeUndefined();
    const reset = { ...skip('x-0'), offsets: [70, 72] };
    expect(judge(tracker, reset, undefined, txn('x-0', 5_000_000))).toBeUndefined();
  });
});

describe('a breach of __transaction_state excuses a group skipping a committed transaction it left open', () => {
  // swarm --controller kraft seed 500089287 (the shrink, first cut after 850 ms): x601-11, committed, aborted after
  // the breach by the next transaction's ABORT; the read_committed group skipped it and committed past it.
  const beyond = (statePartition = 0) => {
    const { tracker, clock, powerLoss } = withCompanion('__transaction_state', [[1, 2]], 0);
    tracker.onTxnStateAppend(statePartition, [3000001]);
    powerLoss(); // at 10 s
    return { tracker, clock };
  };
  /** x-0..x-(n-1) acknowledged at 71.. by an ok `txn` invoked at 5 s (0, 1); polls at 8 s (2) and 12 s (3); the
   * commit at 13 s (4); the final read at 20 s (5) holding `finalValue` at 71; p-1 sent at 1 s (6). */
  const history = (finalValue = 'p-1', n = 1): History => {
    const common = { process: 600, f: 'txn', topic: 't', producerId: 3000001, producerEpoch: 0 };
    const xs = Array.from({ length: n }, (_, k) => `x-${k}`);
    return [
      { ...common, index: 0, time: 5_000_000, type: 'invoke', value: xs.map((x) => ['send', 0, x]) },
      { ...common, index: 1, time: 5_000_100, type: 'ok', value: xs.map((x, k) => ['send', 0, [71 + k, x]]) },
      at(2, 8, 'poll', null),
      at(3, 12, 'poll', null),
      at(4, 13, 'commit', null),
      { ...at(5, 20, 'poll', { topic: 't', partition: 0, offset: 0, records: [[71, finalValue]] }), type: 'ok' },
      at(6, 1, 'send', sent('p-1')),
    ].map((e) => ({ ...e, process: e.index === 5 ? 400000 : e.process })) as History;
  };
  const finalRead: FinalRead = { fromIndex: 5, isFinalReader: (p) => p === 400000, complete: true };
  const skip = (ops: number[], offsets = [71], values = ['x-0']): Anomaly => ({
    ...{ kind: 'commit-skip', explanation: 'x', group: 'g1', topic: 't', partition: 0 },
    ...{ ops, offsets, values },
  });
  const judgeWith = (tracker: PromiseTracker, a: Anomaly, h = history()) =>
    expectedBecause(a, promiseEvidence(tracker, [a], h, finalRead));

  it('skipped by a read and a commit after the breach, open at it, gone from the final read: expected', () => {
    const { tracker } = beyond();
    tracker.onMarkerAppend(0, 80, 3000001, 'ABORT'); // the next transaction's ABORT, after the breach
    expect(judgeWith(tracker, skip([4, 3]))?.topic).toBe('__transaction_state');
  });

  it('read past before the breach, no read named, or still in the final read: violations', () => {
    const { tracker } = beyond();
    expect(judgeWith(tracker, skip([4, 2]))).toBeUndefined(); // the group read past it while it was open
    expect(judgeWith(tracker, skip([2, 2]))).toBeUndefined(); // and committed before the breach
    expect(judgeWith(tracker, skip([4]))).toBeUndefined();
    expect(judgeWith(tracker, skip([4, 3]), history('x-0'))).toBeUndefined(); // committed after all: a real skip
  });

  it('closed before the breach, of another state partition, or not only such records: violations', () => {
    const closed = beyond();
    closed.clock.nowUs = 8_000_000;
    closed.tracker.onMarkerAppend(0, 72, 3000001, 'COMMIT');
    expect(judgeWith(closed.tracker, skip([4, 3]))).toBeUndefined();
    expect(judgeWith(beyond(1).tracker, skip([4, 3]))).toBeUndefined();
    const { tracker } = beyond();
    expect(judgeWith(tracker, skip([4, 3], [71, 72], ['x-0', 'p-1']))).toBeUndefined(); // p-1 sent, not a txn's
    expect(judgeWith(tracker, skip([4, 3], [71], ['x-0', 'p-1']))).toBeUndefined(); // two values at 71
    expect(judgeWith(tracker, skip([4, 3], [70]))).toBeUndefined(); // x-0 acknowledged at 71, not 70
  });

  it('only when the checker listed every skipped offset (fewer than 20)', () => {
    const { tracker } = beyond();
    const offsets = (n: number) => Array.from({ length: n }, (_, k) => 71 + k);
    const values = (n: number) => Array.from({ length: n }, (_, k) => `x-${k}`);
    expect(judgeWith(tracker, skip([4, 3], offsets(19), values(19)), history('p-1', 20))?.topic).toBe(
      '__transaction_state',
    );
    expect(judgeWith(tracker, skip([4, 3], offsets(20), values(20)), history('p-1', 20))).toBeUndefined();
  });
});

describe('a breach of __transaction_state excuses a fenced transaction it left open and a later one committed', () => {
  // zoo guided seed 3000288: the open transaction's records, never acknowledged (the txn failed), read committed.
  const beyond = (statePartition = 0) => {
    const { tracker, clock, powerLoss } = withCompanion('__transaction_state', [[1, 2]], 0);
    tracker.onTxnStateAppend(statePartition, [3000001]);
    powerLoss();
    return { tracker, clock };
  };
  /** A `txn` of `value` on t/0 invoked at `atUs`, failed PRODUCER_FENCED (producer 3000001, epoch 5). */
  const fenced = (value: string, atUs: number): History => {
    const common = { index: 0, process: 601, f: 'txn', topic: 't', producerId: 3000001, producerEpoch: 5 };
    return [
      { ...common, time: atUs, type: 'invoke', value: [['send', 0, value]] },
      { ...common, time: 12_000_000, type: 'fail', error: 'PRODUCER_FENCED', value: [['send', 0, value]] },
    ];
  };
  const g1a: Anomaly = { kind: 'G1a', explanation: 'x', topic: 't', partition: 0, values: ['x-13'], offsets: [30] };

  it('read at an offset still open at the breach, its transaction sent before it: expected', () => {
    const { tracker } = beyond();
    tracker.onMarkerAppend(0, 40, 3000001, 'COMMIT'); // the next transaction's COMMIT, after the breach
    expect(judge(tracker, g1a, undefined, fenced('x-13', 5_000_000))?.topic).toBe('__transaction_state');
  });

  it('closed before the breach, sent after it, of another state partition, or with no offset: violations', () => {
    const closed = beyond();
    closed.clock.nowUs = 8_000_000;
    closed.tracker.onMarkerAppend(0, 31, 3000001, 'ABORT');
    expect(judge(closed.tracker, g1a, undefined, fenced('x-13', 5_000_000))).toBeUndefined();
    expect(judge(beyond().tracker, g1a, undefined, fenced('x-13', 11_000_000))).toBeUndefined();
    expect(judge(beyond(1).tracker, g1a, undefined, fenced('x-13', 5_000_000))).toBeUndefined();
    const noOffset = { ...g1a, offsets: undefined };
    expect(judge(beyond().tracker, noOffset, undefined, fenced('x-13', 5_000_000))).toBeUndefined();
  });

  // swarm --controller kraft seed 500089287: the ABORT a leader appended above the record before the breach was
  // truncated away later (never replicated); the last look's leader holds another record at its offset.
  it('closed before the breach by a marker the partition later lost: expected; by one it kept: violation', () => {
    const record = (offset: number, value: string) =>
      ({ offset, epoch: 2, producerId: 7, sequence: 0, key: null, value }) as ReplicaSnapshot['records'][number];
    const look = (atMarker: string): ClusterSnapshot => {
      const filler = Array.from({ length: 31 }, (_, o) => record(o, `f${o}`));
      const leader = {
        ...{ broker: 2, topic: 't', partition: 0, up: true, role: 'leader', leaderEpoch: 2, logStartOffset: 0 },
        ...{ leo: 32, hw: 32, epochCache: [], records: [...filler, record(31, atMarker)] },
      } as ReplicaSnapshot;
      const controller = { up: true, partitions: [] };
      return { timeUs: 0, brokers: [], controller, replicas: [leader], acked: [], consumed: [] };
    };
    const judgeWith = (snap: ClusterSnapshot) => {
      const closed = beyond();
      closed.clock.nowUs = 8_000_000;
      closed.tracker.onMarkerAppend(0, 31, 3000001, 'ABORT');
      return expectedBecause(g1a, promiseEvidence(closed.tracker, [g1a], fenced('x-13', 5_000_000), undefined, snap));
    };
    expect(judgeWith(look('p-14'))?.topic).toBe('__transaction_state');
    expect(judgeWith(look('ABORT'))).toBeUndefined();
  });
});

describe('hangingTxnBreach: a liveness failure naming no partition is explained node by node', () => {
  const breach = (topic: string, partition: number): PromiseBreach =>
    ({ rule: 'last-known-leader-elected', topic, partition, atUs: 40_000_000 }) as PromiseBreach;
  const stalled = (nodes?: number[]): Anomaly => ({ kind: 'liveness', explanation: 'x', ...(nodes && { nodes }) });
  /** Evidence with `hanging` at the end of the run and producers wedged on a `__transaction_state` partition. */
  const evidence = (
    breaches: PromiseBreach[],
    hanging: Map<string, number>,
    wedged = new Map<number, number>(),
  ): PromiseEvidence =>
    ({
      breaches,
      hangingTransactions: hanging,
      wedgedTxnProducers: wedged,
      hangingAtLivenessEnd: new Map(),
      wedgedAtWorkloadDeadline: new Map(),
      offsetsHungTxnProducers: new Map(),
      offsetsHungAtWorkloadDeadline: new Map(),
      resent: { size: 0 },
    }) as unknown as PromiseEvidence;
  const t0Hangs = new Map([['t/0', 7]]);
  const PROBE = 400;

  it("explains the probe client's reads stopped at t/0's LSO, after a breach of t/0 or of the state", () => {
    const ofT0 = breach('t', 0);
    expect(expectedBecause(stalled([PROBE]), evidence([ofT0], t0Hangs))).toBe(ofT0);
    const ofState = breach(TXN_STATE_TOPIC, 2);
    expect(expectedBecause(stalled([PROBE]), evidence([ofState], t0Hangs))).toBe(ofState);
  });

  it('explains the probe beside a producer wedged on its id after a breach of its state partition', () => {
    const ofState = breach(TXN_STATE_TOPIC, 0);
    const e = evidence([ofState], t0Hangs, new Map([[600, 0]]));
    expect(expectedBecause(stalled([PROBE, 600]), e)).toBe(ofState);
  });

  it('leaves a producer the hang does not hold up (no wedge, no hung group offsets) a violation', () => {
    // The older rule excused any node once any workload partition hung after any __transaction_state breach.
    const ofState = breach(TXN_STATE_TOPIC, 0);
    expect(expectedBecause(stalled([600]), evidence([ofState], t0Hangs))).toBeUndefined();
    expect(expectedBecause(stalled([PROBE, 600]), evidence([ofState], t0Hangs))).toBeUndefined();
    expect(expectedBecause(stalled([PROBE, 200]), evidence([breach('t', 0)], t0Hangs))).toBeUndefined();
    // A producer wedged on another partition than the one breached.
    expect(expectedBecause(stalled([600]), evidence([ofState], t0Hangs, new Map([[600, 1]])))).toBeUndefined();
  });

  it('nor a breach unrelated to the hang, nor a hang only on __consumer_offsets, nor a failure naming no node', () => {
    expect(expectedBecause(stalled([PROBE]), evidence([breach('t', 1)], t0Hangs))).toBeUndefined();
    expect(expectedBecause(stalled([PROBE]), evidence([breach('u', 0)], t0Hangs))).toBeUndefined();
    const ofState = breach(TXN_STATE_TOPIC, 0);
    const offsetsHang = new Map([[`${OFFSETS_TOPIC}/3`, 0]]);
    expect(expectedBecause(stalled([PROBE]), evidence([ofState], offsetsHang))).toBeUndefined();
    expect(expectedBecause(stalled(), evidence([ofState], t0Hangs))).toBeUndefined();
    expect(expectedBecause(stalled([PROBE]), evidence([], t0Hangs))).toBeUndefined();
  });

  it("explains a hanging partition's read failure (the probe's, the final read's), not another partition's", () => {
    const ofState = breach(TXN_STATE_TOPIC, 0);
    const probeT0: Anomaly = { kind: 'liveness', explanation: 'x', topic: 't', partition: 0 };
    const finalReadT0: Anomaly = { ...probeT0, nodes: [PROBE] };
    expect(expectedBecause(probeT0, evidence([ofState], t0Hangs))).toBe(ofState);
    expect(expectedBecause(finalReadT0, evidence([ofState], t0Hangs))).toBe(ofState);
    const ofT0 = breach('t', 0);
    expect(expectedBecause(finalReadT0, evidence([ofT0], t0Hangs))).toBe(ofT0);
    expect(expectedBecause({ ...finalReadT0, partition: 1 }, evidence([ofState], t0Hangs))).toBeUndefined();
  });

  it("nor a partition's failure naming producers (sends are not held up), nor after another's breach", () => {
    const ofState = breach(TXN_STATE_TOPIC, 0);
    const sendsT0: Anomaly = { kind: 'liveness', explanation: 'x', topic: 't', partition: 0, nodes: [200] };
    expect(expectedBecause(sendsT0, evidence([ofState], t0Hangs))).toBeUndefined();
    // t/0 and t/1 both hang; only t/1 had a breach, which cannot have left t/0 hanging.
    const both = new Map([...t0Hangs, ['t/1', 3]]);
    const probeT0: Anomaly = { kind: 'liveness', explanation: 'x', topic: 't', partition: 0 };
    expect(expectedBecause(probeT0, evidence([breach('t', 1)], both))).toBeUndefined();
    const lostT0: Anomaly = { kind: 'lost-write', explanation: 'x', topic: 't', partition: 0, offsets: [9] };
    expect(expectedBecause(lostT0, evidence([breach('t', 1)], both))).toBeUndefined();
    expect(expectedBecause(lostT0, evidence([breach('t', 0)], both))).toBeDefined();
  });

  it("explains the probe's unread poll on the hanging partition, not a leader, an ISR or a send it never got", () => {
    const ofState = breach(TXN_STATE_TOPIC, 0);
    const probeT0: Anomaly = { kind: 'liveness', explanation: 'x', topic: 't', partition: 0 };
    expect(expectedBecause({ ...probeT0, unrecovered: ['poll'] }, evidence([ofState], t0Hangs))).toBe(ofState);
    for (const other of ['leader', 'isr', 'send'] as const) {
      const a: Anomaly = { ...probeT0, unrecovered: [other, 'poll'] };
      expect(expectedBecause(a, evidence([ofState], t0Hangs))).toBeUndefined();
    }
  });
});
