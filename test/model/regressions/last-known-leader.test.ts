// Regression (model, KIP-966 LastKnownElr): once every ISR and ELR member of a partition had
// shut down uncleanly, the model left the partition leaderless for good. Kafka does not: the
// PartitionChangeBuilder (ReplicationControlManager builds it with
// useLastKnownLeaderInBalancedRecovery at its default, true) records the leader the partition
// had when its ISR became empty in LastKnownElr, and elects that broker again, as an unclean
// election (ISR reset to it), once it is an acceptable leader again while the ISR and ELR are
// still empty (canElectLastKnownLeader; KAFKA-19522: never while it is fenced). KIP-966's
// delivery plan: "if the last leader can be unfenced, it will be elected as the leader. In
// this way, if only ELR is delivered, there is no regression in availability."
//
// Fuzzer reports: swarm, correct model, seed 100741 of base seed 100000 (and six others of the
// same 20k campaign, seed 275 of base seed 1): "t/0 did not recover: it stayed leaderless".
//
// The price Kafka pays for it is judged in beyond-promise-unclean.test.ts.

import { describe, expect, it } from 'vitest';
import { buildPartitionChange, NO_LEADER } from '../../../model/partition-change.ts';
import type { PartitionState } from '../../../model/internal-protocol.ts';
import type { ScenarioInput } from '../../../scenarios/index.ts';
import { rerun } from './helpers.ts';

const opts = (alive: number[], extra: Partial<Parameters<typeof buildPartitionChange>[2]> = {}) => ({
  isAcceptableLeader: (r: number) => alive.includes(r),
  minIsr: 2,
  elrEnabled: true,
  uncleanElection: false,
  ...extra,
});

describe('PartitionChangeBuilder: the last known leader (KIP-966, ELR without unclean recovery)', () => {
  const leadsAlone: PartitionState = {
    topic: 't',
    partition: 0,
    replicas: [1, 2, 3],
    isr: [2],
    elr: [],
    leader: 2,
    leaderEpoch: 3,
    partitionEpoch: 7,
  };

  it('the ISR becoming empty records the leader it had; the ELR keeps it until its unclean restart', () => {
    // Broker 2 is fenced (brokerToRemove): it leaves the ISR, joins the ELR, nobody can lead.
    const fenced = buildPartitionChange(leadsAlone, [], opts([1, 3]))!;
    expect(fenced).toMatchObject({ isr: [], elr: [2], leader: NO_LEADER, lastKnownElr: [2], leaderEpoch: 4 });
    // Broker 2 re-registers after a kill -9: it leaves the ELR; LastKnownElr stays.
    const unclean = buildPartitionChange(fenced, [], opts([1, 3], { uncleanShutdownReplicas: [2] }))!;
    expect(unclean).toMatchObject({ isr: [], elr: [], leader: NO_LEADER, lastKnownElr: [2] });
    // Others unfencing do not lead: they are neither in the ISR nor in the ELR.
    expect(buildPartitionChange(unclean, [], opts([1, 3]))).toBeNull();
    // Broker 2 unfences: it is elected, uncleanly (the ISR is reset to it), and LastKnownElr is cleared.
    const back = buildPartitionChange(unclean, [], opts([1, 2, 3]))!;
    expect(back).toMatchObject({
      isr: [2],
      elr: [],
      leader: 2,
      leaderEpoch: 5,
      partitionEpoch: unclean.partitionEpoch + 1,
    });
    expect(back.lastKnownElr ?? []).toEqual([]);
  });

  it('an ELR member comes first: the last known leader is only the last resort', () => {
    const s: PartitionState = { ...leadsAlone, isr: [], elr: [3], leader: NO_LEADER, lastKnownElr: [2] };
    expect(buildPartitionChange(s, [], opts([2, 3]))).toMatchObject({ isr: [3], elr: [], leader: 3 });
  });

  it('KAFKA-19522: a fenced last known leader is not elected', () => {
    const s: PartitionState = { ...leadsAlone, isr: [], elr: [], leader: NO_LEADER, lastKnownElr: [2] };
    expect(buildPartitionChange(s, [], opts([1, 3]))).toBeNull();
  });

  it('without ELR there is no LastKnownElr: the last ISR member simply stays in the ISR', () => {
    const next = buildPartitionChange(leadsAlone, [], opts([1, 3], { elrEnabled: false }))!;
    expect(next).toMatchObject({ isr: [2], leader: NO_LEADER });
    expect(next.lastKnownElr).toBeUndefined();
  });
});

const seed100741: ScenarioInput = {
  shape: { brokers: 3, replicationFactor: 3, minInsync: 2, partitions: 1, timing: {} },
  workload: { producers: 1, consumers: 2, sends: 1, keys: 0, sendIntervalMs: 8, pollIntervalMs: 58 },
  faults: [
    {
      trigger: { kind: 'at', atMs: 12 },
      action: { kind: 'cut', cut: { shape: 'isolate', node: { kind: 'leader', partition: 0 } }, durationMs: 8989 },
    },
    {
      trigger: { kind: 'after', delayUs: 10938017 },
      action: { kind: 'crash', target: { kind: 'leader', partition: 0 }, downMs: 11961 },
    },
    {
      trigger: { kind: 'at', atMs: 2326 },
      action: { kind: 'crash', target: { kind: 'follower', partition: 0, index: 1 }, downMs: 6370 },
    },
  ],
  healAtMs: 120000,
};

describe('the fuzzer cases', () => {
  it(
    'seed 100741 (kill -9 of every ISR/ELR member, no power loss): ' +
      'the last known leader comes back, nothing is lost',
    () => {
      const { result, failing } = rerun(100741, seed100741, 'correct', true);
      expect(failing).toEqual([]);
      // Not excused either: unclean shutdowns alone never take a run beyond a promise.
      expect(result.outcome).toBe('ok');
      expect(result.beyondPromise).toBe(false);
      // Before the controller quorum (issue 14) the recovery went through the last known leader
      // (an election out of an empty ISR and ELR). The quorum's LeaderChange record and the
      // topic creation once every replica is active moved the interleaving: no seed of 100741–
      // 104140 takes that path now, so the input stays as a no-false-positive regression.
      const records = result.trace!.timeline.filter((e) => e.kind === 'partition' && e.partition === 0);
      expect(records.some((e) => e.kind === 'partition' && e.leader !== NO_LEADER)).toBe(true);
    },
  );
});
