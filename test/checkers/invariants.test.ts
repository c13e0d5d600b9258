// White-box invariants over cluster snapshots, each with a state that breaks it and one that
// does not, plus the precisions that keep a correct Kafka free of false positives; and the
// liveness check.

import { describe, expect, it } from 'vitest';
import { checkLiveness, createInvariantMonitor } from '../../checkers/index.ts';
import { broker, partitionView, replica, snapshot } from './helpers.ts';

const only = (kind: string) => createInvariantMonitor({ invariants: [kind as never] });

describe('acked-durable', () => {
  const acked = [{ topic: 't', partition: 0, offset: 1, value: 'b', timeUs: 500 }];
  const leaderWith = (values: string[], over: Partial<Parameters<typeof replica>[0]> = {}) =>
    snapshot({ acked, replicas: [replica({ role: 'leader', values, ...over, broker: 1 })] });
  it('breaks when the current leader lacks an acknowledged record', () => {
    const m = only('acked-durable');
    const found = m.observe(leaderWith(['a']));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'acked-durable', offsets: [1], nodes: [1], values: ['b'] });
    expect(m.observe(leaderWith(['a']))).toEqual([]); // reported once
  });
  it('breaks when another record sits at the acknowledged offset', () => {
    expect(only('acked-durable').observe(leaderWith(['a', 'x']))[0].values).toEqual(['b', 'x']);
  });
  it('holds when the leader has it', () => {
    expect(only('acked-durable').observe(leaderWith(['a', 'b']))).toEqual([]);
  });
  it('is not judged on an elected leader that does not know it leads yet, or that is not registered', () => {
    expect(only('acked-durable').observe(leaderWith(['a'], { role: 'follower' }))).toEqual([]);
    const stale = snapshot({
      acked,
      controller: { up: true, partitions: [partitionView({ leaderEpoch: 2 })] },
      replicas: [replica({ broker: 1, role: 'leader', epoch: 1, values: ['a'] })],
    });
    expect(only('acked-durable').observe(stale)).toEqual([]);
    const unregistered = snapshot({
      acked,
      brokers: [broker(1, { brokerEpoch: 99 }), broker(2), broker(3)],
      replicas: [replica({ broker: 1, role: 'leader', values: ['a'] })],
    });
    expect(only('acked-durable').observe(unregistered)).toEqual([]);
  });
});

describe('log-matching', () => {
  it('breaks when two replicas differ below both HWs', () => {
    const s = snapshot({
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b'] }),
        replica({ broker: 2, values: ['a', 'c'] }),
      ],
    });
    expect(only('log-matching').observe(s)[0]).toMatchObject({
      kind: 'log-matching',
      offsets: [1],
      nodes: [1, 2],
      values: ['b', 'c'],
    });
  });
  it('holds when they differ only above an HW, or the other replica is down', () => {
    const above = snapshot({
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b'] }),
        replica({ broker: 2, values: ['a', 'c'], hw: 1 }),
      ],
    });
    expect(only('log-matching').observe(above)).toEqual([]);
    const down = snapshot({
      brokers: [broker(1), broker(2, { up: false }), broker(3)],
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b'] }),
        replica({ broker: 2, values: ['a', 'c'], up: false }),
      ],
    });
    expect(only('log-matching').observe(down)).toEqual([]);
  });
});

describe('candidate-complete', () => {
  const committed = () =>
    snapshot({
      timeUs: 100,
      replicas: [1, 2, 3].map((b) =>
        replica({ broker: b, role: b === 1 ? 'leader' : 'follower', values: ['a', 'b', 'c'] }),
      ),
    });
  it('breaks when an ISR member is behind the true HW', () => {
    const m = only('candidate-complete');
    m.observe(committed());
    expect(m.trueHighWatermark('t', 0)).toBe(3);
    const later = snapshot({
      timeUs: 200,
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b', 'c'] }),
        replica({ broker: 2, values: ['a', 'b'] }),
        replica({ broker: 3, role: 'none', values: [] }), // not loaded yet: not judged
      ],
    });
    const found = m.observe(later);
    expect(found.map((a) => a.nodes)).toEqual([[2]]);
    expect(found[0]).toMatchObject({ kind: 'candidate-complete', offsets: [2, 3] });
  });
  it('checks ELR members too, and holds when every member is complete', () => {
    const m = only('candidate-complete');
    m.observe(committed());
    const elr = snapshot({
      controller: { up: true, partitions: [partitionView({ isr: [1, 2], elr: [3] })] },
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b', 'c'] }),
        replica({ broker: 2, values: ['a', 'b', 'c'] }),
        replica({ broker: 3, values: ['a'] }),
      ],
    });
    expect(m.observe(elr).map((a) => a.nodes)).toEqual([[3]]);
    const m2 = only('candidate-complete');
    m2.observe(committed());
    const full = snapshot({
      replicas: [1, 2, 3].map((b) =>
        replica({ broker: b, role: b === 1 ? 'leader' : 'follower', values: ['a', 'b', 'c'] }),
      ),
    });
    expect(m2.observe(full)).toEqual([]);
  });
  it('does not judge a member that restarted and has not re-registered', () => {
    const m = only('candidate-complete');
    m.observe(committed());
    const s = snapshot({
      brokers: [broker(1), broker(2, { brokerEpoch: 50 }), broker(3, { up: false })],
      replicas: [replica({ broker: 1, role: 'leader', values: ['a', 'b', 'c'] }), replica({ broker: 2, values: [] })],
    });
    expect(m.observe(s)).toEqual([]);
  });
  it('the true HW never goes backwards', () => {
    const m = only('candidate-complete');
    m.observe(committed());
    m.observe(snapshot({ replicas: [replica({ broker: 1, role: 'leader', values: ['a'] })] }));
    expect(m.trueHighWatermark('t', 0)).toBe(3);
  });
});

describe('consistent-read', () => {
  const consumed = [{ topic: 't', partition: 0, offset: 0, value: 'a', timeUs: 10 }];
  it('breaks when the current leader now holds another record at a consumed offset', () => {
    const s = snapshot({ consumed, replicas: [replica({ broker: 1, role: 'leader', values: ['x'] })] });
    expect(only('consistent-read').observe(s)[0]).toMatchObject({
      kind: 'consistent-read',
      offsets: [0],
      values: ['a', 'x'],
    });
  });
  it('breaks when one offset is consumed as two values', () => {
    const s = snapshot({
      consumed: [...consumed, { topic: 't', partition: 0, offset: 0, value: 'z', timeUs: 20 }],
      replicas: [],
    });
    expect(
      only('consistent-read')
        .observe(s)
        .map((a) => a.values),
    ).toEqual([['a', 'z']]);
  });
  it('names a gap the leader holds at a consumed offset by its placeholder, and a log ending below it by none', () => {
    // A truncation inside a batch left offset 0 a gap (model/replica-log.ts gapAt: value '', gap).
    const leader = replica({ broker: 1, role: 'leader', values: ['', 'b'] });
    const withGap = {
      ...leader,
      records: leader.records.map((r) => (r.offset === 0 ? { ...r, gap: true as const } : r)),
    };
    const gapRead = only('consistent-read').observe(snapshot({ consumed, replicas: [withGap] }))[0];
    expect(gapRead).toMatchObject({ kind: 'consistent-read', offsets: [0], values: ['a', ''], nodes: [1] });
    expect(gapRead.explanation).toMatch(/a truncation inside a batch cut it; its log ends at 2/);
    const past = { topic: 't', partition: 0, offset: 1, value: 'a', timeUs: 10 };
    const shortLog = replica({ broker: 1, role: 'leader', values: ['a'] });
    const gone = only('consistent-read').observe(snapshot({ consumed: [past], replicas: [shortLog] }))[0];
    expect(gone).toMatchObject({ kind: 'consistent-read', offsets: [1], values: ['a'] });
    expect(gone.explanation).toMatch(/no longer has that offset/);
  });
  it('holds when the leader still has it', () => {
    expect(
      only('consistent-read').observe(
        snapshot({ consumed, replicas: [replica({ broker: 1, role: 'leader', values: ['a'] })] }),
      ),
    ).toEqual([]);
  });
});

describe('hw-monotonic', () => {
  const lead = (hw: number, brokerEpoch = 11, epoch = 1) =>
    snapshot({
      brokers: [broker(1, { brokerEpoch, registeredEpoch: brokerEpoch }), broker(2), broker(3)],
      controller: { up: true, partitions: [partitionView({ leaderEpoch: epoch })] },
      replicas: [replica({ broker: 1, role: 'leader', epoch, values: ['a', 'b', 'c'], hw })],
    });
  it('breaks when a leader HW goes back during its tenure', () => {
    const m = only('hw-monotonic');
    m.observe(lead(3));
    expect(m.observe(lead(2))[0]).toMatchObject({ kind: 'hw-monotonic', offsets: [3, 2], nodes: [1] });
  });
  it('holds across a restart (new broker epoch) or a new leader epoch', () => {
    const m = only('hw-monotonic');
    m.observe(lead(3));
    expect(m.observe(lead(2, 12))).toEqual([]);
    expect(m.observe(lead(1, 12, 2))).toEqual([]);
  });
});

describe('one-leader-per-epoch', () => {
  it('breaks when two brokers lead in one epoch', () => {
    const m = only('one-leader-per-epoch');
    m.observe(snapshot({ replicas: [replica({ broker: 1, role: 'leader', epoch: 3 })] }));
    expect(m.observe(snapshot({ replicas: [replica({ broker: 2, role: 'leader', epoch: 3 })] }))[0]).toMatchObject({
      nodes: [1, 2],
    });
  });
  it('breaks when the controller names two leaders for one epoch', () => {
    const m = only('one-leader-per-epoch');
    m.observe(
      snapshot({ controller: { up: true, partitions: [partitionView({ leader: 1, leaderEpoch: 4 })] }, replicas: [] }),
    );
    const found = m.observe(
      snapshot({ controller: { up: true, partitions: [partitionView({ leader: 2, leaderEpoch: 4 })] }, replicas: [] }),
    );
    expect(found[0].explanation).toMatch(/controller named broker 1 and later broker 2/);
  });
  it('holds when leadership moves with a new epoch', () => {
    const m = only('one-leader-per-epoch');
    m.observe(snapshot({ replicas: [replica({ broker: 1, role: 'leader', epoch: 3 })] }));
    expect(m.observe(snapshot({ replicas: [replica({ broker: 2, role: 'leader', epoch: 4 })] }))).toEqual([]);
  });
});

describe('quorum-superset (with min.insync.replicas)', () => {
  const s = (maximalIsr: number[]) =>
    snapshot({ replicas: [replica({ broker: 1, role: 'leader', values: ['a'], isr: [1, 2], maximalIsr })] });
  it('breaks when the maximal ISR lacks a controller ISR member', () => {
    const m = createInvariantMonitor({ minInsyncReplicas: 2, invariants: ['quorum-superset'] });
    expect(m.observe(s([1, 2])).map((a) => a.kind)).toEqual(['quorum-superset']);
  });
  it('holds when it contains them, and is off without min.insync.replicas', () => {
    expect(
      createInvariantMonitor({ minInsyncReplicas: 2, invariants: ['quorum-superset'] }).observe(s([1, 2, 3])),
    ).toEqual([]);
    expect(createInvariantMonitor({ invariants: ['quorum-superset'] }).observe(s([1, 2]))).toEqual([]);
  });
  it('judges a lagging leader against the ISR ∪ ELR of the partition epoch it applied, as seen then', () => {
    const m = createInvariantMonitor({ minInsyncReplicas: 2, invariants: ['quorum-superset'] });
    const at = (partitionEpoch: number, isr: number[], elr: number[], applied: number, maximalIsr: number[]) => {
      const leader = replica({ broker: 1, role: 'leader', values: ['a'], isr: [1, 2], maximalIsr });
      leader.partitionEpoch = applied;
      const view = partitionView({ partitionEpoch, isr, elr });
      return snapshot({ controller: { up: true, partitions: [view] }, replicas: [leader] });
    };
    // epoch 3: ISR [1, 2] and ELR [3], seen twice (the cached union kept); the leader is current
    expect(m.observe(at(3, [1, 2], [3], 3, [1, 2, 3]))).toEqual([]);
    expect(m.observe(at(3, [1, 2], [3], 3, [1, 2, 3]))).toEqual([]);
    // epoch 4 shrinks the ISR to [1, 2]; the leader still applies epoch 3, whose union holds 3
    const found = m.observe(at(4, [1, 2], [], 3, [1, 2]));
    expect(found.map((a) => [a.kind, a.nodes])).toEqual([['quorum-superset', [1, 3]]]);
    expect(found[0].explanation).toContain('lacks broker(s) 3 of the ISR/ELR of partition epoch 3');
    // once it applies epoch 4 it is judged against [1, 2]: nothing
    expect(m.observe(at(4, [1, 2], [], 4, [1, 2]))).toEqual([]);
  });
});

describe('a healthy cluster breaks nothing', () => {
  it('leader change with the committed prefix on every ISR member', () => {
    const m = createInvariantMonitor({ minInsyncReplicas: 2 });
    const acked = [{ topic: 't', partition: 0, offset: 0, value: 'a', timeUs: 1 }];
    const consumed = [{ topic: 't', partition: 0, offset: 0, value: 'a', timeUs: 2 }];
    const first = snapshot({
      timeUs: 10,
      acked,
      consumed,
      replicas: [
        replica({ broker: 1, role: 'leader', values: ['a', 'b'], hw: 1, isr: [1, 2, 3], maximalIsr: [1, 2, 3] }),
        replica({ broker: 2, values: ['a', 'b'], hw: 1 }),
        replica({ broker: 3, values: ['a'], hw: 1 }),
      ],
    });
    // broker 1 dies; broker 2 is elected in epoch 2; broker 3 truncates nothing below the HW
    const second = snapshot({
      timeUs: 20,
      acked,
      consumed,
      brokers: [broker(1, { up: false }), broker(2), broker(3)],
      controller: { up: true, partitions: [partitionView({ leader: 2, leaderEpoch: 2, isr: [2, 3] })] },
      replicas: [
        replica({ broker: 1, values: ['a', 'b', 'z'], hw: 1, up: false }),
        replica({ broker: 2, role: 'leader', epoch: 2, values: ['a', 'b'], hw: 1, isr: [2, 3], maximalIsr: [2, 3] }),
        replica({ broker: 3, epoch: 2, values: ['a', 'b'], hw: 1 }),
      ],
    });
    expect([...m.observe(first), ...m.observe(second)]).toEqual([]);
  });
});

describe('liveness', () => {
  const healthy = (timeUs: number) =>
    snapshot({
      timeUs,
      controller: { up: true, partitions: [partitionView({ isr: [1, 2] })] },
      replicas: [replica({ broker: 1, role: 'leader' })],
    });
  const probes = (ok: boolean) => [
    { topic: 't', partition: 0, kind: 'send' as const, ok: true, timeUs: 1500 },
    { topic: 't', partition: 0, kind: 'poll' as const, ok, timeUs: 1600 },
  ];
  const opts = { lastHealUs: 1000, boundUs: 1000, minInsyncReplicas: 2 };
  it('passes when a leader, a large enough ISR and both probes come within the bound', () => {
    const v = checkLiveness(opts, [healthy(1200)], probes(true));
    expect(v.valid).toBe(true);
    expect(v.stats?.recoveredPartitions).toBe(1);
  });
  it('fails when the partition stays leaderless, the ISR small, or a probe never succeeds', () => {
    const leaderless = snapshot({
      timeUs: 1200,
      controller: { up: true, partitions: [partitionView({ leader: -1, isr: [1] })] },
      replicas: [],
    });
    const v = checkLiveness(opts, [leaderless], probes(false));
    expect(v.valid).toBe(false);
    expect(v.anomalies[0].kind).toBe('liveness');
    expect(v.anomalies[0].explanation).toMatch(
      /stayed leaderless; its ISR stayed at 1 member\(s\), below 2; no probe poll succeeded/,
    );
  });
  it('only counts what happens inside the window', () => {
    const v = checkLiveness(opts, [healthy(500), healthy(3000)], probes(true));
    expect(v.valid).toBe(false);
    expect(v.anomalies[0].explanation).toMatch(/No cluster snapshot/);
  });
});
