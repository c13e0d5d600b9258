// KIP-848 members (group.protocol=consumer) in runs of the whole model: members that come and
// go hand partitions over only once the previous owner revoked them (pending revocation), a
// member cut off from its coordinator past the session timeout is fenced and rejoins at epoch
// 0, and the committed-offset checker passes both histories; the version gate keeps 3.9 classic.

import { describe, expect, it } from 'vitest';
import { isFailing, runScenario } from '../../driver/run.ts';
import { deps } from '../../driver/default-deps.ts';
import type { AssignmentValue, History } from '../../checkers/history.ts';
import type { Fault } from '../../scenarios/faults.ts';
import { groupScenarioInput } from './group-input.ts';

function run(faults: Fault[], churnMs: number, kafkaVersion?: '3.9') {
  const input = groupScenarioInput(faults, {
    partitions: 3,
    group: { consumers: 3, churnMs, protocol: 'consumer' },
    healAtMs: 40_000,
  });
  if (kafkaVersion !== undefined) input.shape.kafkaVersion = kafkaVersion;
  const r = runScenario(deps, { seed: 3, scenario: 'consumer-group', variant: 'correct', input, trace: true });
  return { r, history: r.trace!.history };
}

const assignments = (h: History) =>
  h.filter((e) => e.f === 'assignment' && e.type === 'ok').map((e) => ({ e, v: e.value as AssignmentValue }));

/**
 * Real-time exclusive ownership from the history: a member is handed a partition only after its
 * previous owner's last assignment without it (or its leave) was recorded. Returns the violations.
 */
function handedOverBeforeRevoked(h: History): string[] {
  const owner = new Map<string, string>();
  const out: string[] = [];
  for (const e of h) {
    if (e.type !== 'ok') continue;
    if (e.f === 'leave') {
      const member = (e.value as { member: string }).member;
      for (const [k, m] of [...owner]) if (m === member) owner.delete(k);
      continue;
    }
    if (e.f !== 'assignment') continue;
    const v = e.value as AssignmentValue;
    const now = new Set(v.partitions.map((x) => `${x.topic}-${x.partition}`));
    for (const [k, m] of [...owner]) if (m === v.member && !now.has(k)) owner.delete(k);
    for (const k of now) {
      const m = owner.get(k);
      if (m !== undefined && m !== v.member) out.push(`${k}: to ${v.member} at epoch ${v.generation}, ${m} owns it`);
      owner.set(k, v.member);
    }
  }
  return out;
}

describe('the consumer group protocol (KIP-848) in a run', () => {
  it('members that come and go: partitions move only after their owner revoked them, and the run passes', () => {
    const { r, history } = run([], 8_000);
    expect(r.verdict.anomalies.filter(isFailing)).toEqual([]);
    expect(r.codeProbes).toContain('group-consumer-revocation-pending');
    expect(r.codeProbes).toContain('group-consumer-revocation-acked');
    expect(r.codeProbes).toContain('group-consumer-partition-unreleased');
    const a = assignments(history);
    expect(a.length).toBeGreaterThan(3);
    expect(a.every(({ v }) => v.protocol === 'consumer')).toBe(true);
    expect(handedOverBeforeRevoked(history)).toEqual([]);
    expect(history.filter((e) => e.f === 'commit' && e.type === 'ok').length).toBeGreaterThan(0);
    // every partition is consumed by the group (members started from committed offsets)
    const polled = new Set<number>();
    for (const e of history) {
      const v = e.value as { partition?: number; records?: unknown[] };
      if (e.f === 'poll' && e.type === 'ok' && (v.records?.length ?? 0) > 0) polled.add(v.partition!);
    }
    expect([...polled].sort()).toEqual([0, 1, 2]);
  });

  it('a member cut off past its session timeout is fenced, loses its partitions and rejoins at epoch 0', () => {
    // consumer 0 cut from every broker for 10 s (session 6 s) from 3 s on; its heartbeat sent into
    // the cut fails after request.timeout.ms (30 s), then it finds the coordinator and is fenced
    const faults: Fault[] = [1, 2, 3].map((id) => ({
      trigger: { kind: 'at', atMs: 3_000 },
      action: {
        kind: 'cut',
        cut: { shape: 'link', a: { kind: 'consumer', index: 0 }, b: { kind: 'broker', id } },
        durationMs: 10_000,
      },
    }));
    const { r, history } = run(faults, 0);
    expect(r.verdict.anomalies.filter(isFailing)).toEqual([]);
    expect(r.codeProbes).toContain('group-consumer-session-expired');
    expect(r.codeProbes).toContain('group-consumer-member-fenced');
    // the cut member (consumer 0: the first process) is handed an assignment again after the
    // cut, at a later epoch than before it
    const first = Math.min(...assignments(history).map(({ e }) => Number(e.process)));
    const cut = assignments(history).filter(({ e }) => e.process === first);
    const before = cut.filter(({ e }) => e.time < 3_000 * 1000);
    const after = cut.filter(({ e }) => e.time > 13_000 * 1000);
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(after[0].v.generation).toBeGreaterThan(before[before.length - 1].v.generation);
  });

  it('a stall past max.poll.interval.ms: a leave heartbeat, then a join at epoch 0 under the same member id', () => {
    const input = groupScenarioInput([], {
      partitions: 3,
      group: {
        consumers: 2,
        churnMs: 0,
        protocol: 'consumer',
        stall: { everyMs: 8_000, forMs: 9_000, maxPollIntervalMs: 4_000 },
      },
      healAtMs: 40_000,
    });
    const r = runScenario(deps, { seed: 4, scenario: 'consumer-group', variant: 'correct', input, trace: true });
    expect(r.verdict.anomalies.filter(isFailing)).toEqual([]);
    const history = r.trace!.history;
    const leaves = history.filter((e) => e.f === 'leave' && e.type === 'ok');
    expect(leaves.length).toBeGreaterThan(0);
    for (const leave of leaves) {
      const left = (leave.value as { member: string }).member;
      const before = assignments(history).filter(({ e }) => e.process === leave.process && e.time < leave.time);
      const later = assignments(history).filter(({ e }) => e.process === leave.process && e.time > leave.time);
      if (later.length === 0) continue;
      expect(later[0].v.member).toBe(left);
      expect(later[0].v.generation).toBeGreaterThan(before[before.length - 1].v.generation);
    }
  });

  it('Kafka 3.9 has no consumer protocol by default: the members stay classic', () => {
    const { r, history } = run([], 0, '3.9');
    expect(r.verdict.anomalies.filter(isFailing)).toEqual([]);
    expect(assignments(history).some(({ v }) => v.protocol === 'consumer')).toBe(false);
    expect(r.codeProbes).not.toContain('group-consumer-revocation-acked');
  });
});
