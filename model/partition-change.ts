// How the controller changes one partition (Kafka's PartitionChangeBuilder): given the
// current registration, a target ISR and which brokers may lead, compute the next state —
// eligible leader replicas (KIP-966), a clean election from the ISR (or the ELR when the ISR
// is empty), an unclean election only when allowed — or nothing if nothing changes.
//
// Rules:
// - Every change bumps the partition epoch; a leader change (also to no leader) bumps the
//   leader epoch. ISR changes alone do not (KRaft since 3.6, KAFKA-15021).
// - KIP-966: when the target ISR is below min.insync.replicas, members leaving the ISR join
//   the ELR (minus brokers that shut down uncleanly); once the ISR is back at
//   min.insync.replicas the ELR is cleared. With ELR the ISR may become empty; an ELR member
//   is then electable, and becomes the ISR on election. Without ELR the ISR never becomes
//   empty: its last member stays ("last replica standing").
// - An unclean election (only with unclean.leader.election.enable) resets the ISR to the new
//   leader and clears the ELR.
// - The last known leader (KIP-966 "Balanced" recovery as delivered without the unclean
//   recovery manager; PartitionChangeBuilder with useLastKnownLeaderInBalancedRecovery, the
//   default): when a change empties the ISR, LastKnownElr records the leader the partition had
//   until then. While the ISR and the ELR are both empty, that broker is elected again as soon
//   as it is an acceptable leader (KAFKA-19522: never while fenced), even after an unclean
//   shutdown: Kafka counts it an unclean election (ISR reset to the leader, ELR cleared). The
//   KIP's delivery plan: "if the last leader can be unfenced, it will be elected as the leader.
//   In this way, if only ELR is delivered, there is no regression in availability."
//   LastKnownElr is cleared once the partition has a leader again.
// - Election types (PartitionChangeBuilder.Election, electLeader): ONLINE keeps an acceptable
//   current leader, else the first valid replica, else the last known leader; PREFERRED
//   (electPreferredLeader) first tries the first replica, then keeps an acceptable current
//   leader, then the other replicas, then the last known leader; UNCLEAN (electAnyLeader) is
//   ONLINE that, failing everything else, takes any acceptable replica (an unclean election),
//   whatever unclean.leader.election.enable says.
// Not modelled: reassignment, unclean recovery (KIP-966 part 2), the
// leader recovery state of KIP-704 (RECOVERING after an unclean election: the new leader
// marks it RECOVERED with its first AlterPartition, which changes nothing for replication).

import type { PartitionState } from './internal-protocol.ts';
import { codeProbe } from './code-probes.ts';

export const NO_LEADER = -1;

export interface ChangeOptions {
  /** May this broker lead? (registered, unfenced, not the broker being removed). */
  isAcceptableLeader: (brokerId: number) => boolean;
  /** Effective min.insync.replicas (min of the setting and the replication factor). */
  minIsr: number;
  elrEnabled: boolean;
  uncleanElection: boolean;
  /** Brokers that shut down uncleanly: they leave the ELR (KIP-966). */
  uncleanShutdownReplicas?: readonly number[];
  /**
   * Variant last-replica-standing (undoes KIP-966's empty ISR): a target ISR that would be
   * empty keeps the current ISR, so its last member stays in it whatever happened to it.
   */
  keepLastIsrMember?: boolean;
  /** PartitionChangeBuilder.Election; default 'online'. */
  election?: Election;
}

export type Election = 'online' | 'preferred' | 'unclean';

/** The next state of `partition` with ISR `targetIsr`, or null when nothing changes. */
export function buildPartitionChange(
  partition: PartitionState,
  targetIsrIn: readonly number[],
  opts: ChangeOptions,
): PartitionState | null {
  let targetIsr: readonly number[] = targetIsrIn;
  if (opts.keepLastIsrMember === true && targetIsr.length === 0) targetIsr = partition.isr;
  let targetElr: readonly number[] = partition.elr;
  const lastKnownElr: readonly number[] = partition.lastKnownElr ?? NONE;

  // maybePopulateTargetElr
  if (opts.elrEnabled) {
    if (targetIsr.length >= opts.minIsr) {
      if (targetElr.length > 0) codeProbe('elr-cleared');
      targetElr = [];
    } else {
      const candidates: number[] = [...targetElr];
      for (const r of partition.isr) if (!candidates.includes(r)) candidates.push(r);
      const unclean = opts.uncleanShutdownReplicas ?? [];
      if (candidates.some((r) => unclean.includes(r))) codeProbe('elr-excludes-unclean-shutdown');
      targetElr = candidates.filter((r) => !targetIsr.includes(r) && !unclean.includes(r));
      if (targetElr.length > partition.elr.length) codeProbe('elr-grown');
    }
  }

  // tryElection (electAnyLeader)
  const isValidNewLeader = (r: number): boolean =>
    (targetIsr.includes(r) || (opts.elrEnabled && targetIsr.length === 0 && targetElr.includes(r))) &&
    opts.isAcceptableLeader(r);
  let leader = partition.leader;
  let unclean = false;
  const election = opts.election ?? 'online';
  const preferred = partition.replicas[0];
  const preferredValid = preferred !== undefined && preferred !== partition.leader && isValidNewLeader(preferred);
  if (election === 'preferred' && preferredValid) {
    // electPreferredLeader: the first replica when it is a valid leader.
    leader = preferred;
  } else if (!(partition.leader !== NO_LEADER && isValidNewLeader(partition.leader))) {
    leader = NO_LEADER;
    for (const r of partition.replicas) {
      if (isValidNewLeader(r)) {
        leader = r;
        break;
      }
    }
    // canElectLastKnownLeader: ISR and ELR empty, one last known leader, acceptable now.
    if (
      leader === NO_LEADER &&
      opts.elrEnabled &&
      targetIsr.length === 0 &&
      targetElr.length === 0 &&
      lastKnownElr.length === 1 &&
      opts.isAcceptableLeader(lastKnownElr[0])
    ) {
      codeProbe('election-of-last-known-leader');
      leader = lastKnownElr[0];
      unclean = true;
    }
    // electPreferredLeader never elects uncleanly; electAnyLeader does with Election.UNCLEAN.
    if (leader === NO_LEADER && ((opts.uncleanElection && election !== 'preferred') || election === 'unclean')) {
      for (const r of partition.replicas) {
        if (opts.isAcceptableLeader(r)) {
          codeProbe('election-unclean');
          leader = r;
          unclean = true;
          break;
        }
      }
    }
  }
  let newIsr: readonly number[] = partition.isr;
  const leaderChanged = leader !== partition.leader;
  if (leaderChanged && leader === NO_LEADER) codeProbe('partition-went-offline');
  if (leaderChanged) {
    if (targetElr.includes(leader)) {
      // Elected from the ELR: it becomes the ISR.
      codeProbe('election-from-elr');
      targetIsr = [leader];
      targetElr = targetElr.filter((r) => r !== leader);
    }
    if (unclean) newIsr = [leader];
  }
  // maybeUpdateRecordElr
  if (unclean || !opts.elrEnabled) targetElr = [];
  // The ISR: an unclean election already set it; otherwise the target (may be empty only with ELR).
  if (!unclean && (targetIsr.length > 0 || opts.elrEnabled) && !sameMembers(targetIsr, partition.isr))
    newIsr = targetIsr;

  const elrChanged = !sameMembers(targetElr, partition.elr);
  const isrChanged = newIsr !== partition.isr && !sameMembers(newIsr, partition.isr);

  // maybeUpdateLastKnownLeader: the first time the ISR becomes empty, remember the leader
  // the partition had until now; forget it once the partition has a leader.
  let nextLastKnownElr = lastKnownElr;
  if (opts.elrEnabled) {
    if (isrChanged && newIsr.length === 0 && (lastKnownElr.length !== 1 || lastKnownElr[0] !== partition.leader)) {
      codeProbe('isr-emptied-last-leader-recorded');
      nextLastKnownElr = [partition.leader];
    } else if (leader !== NO_LEADER && lastKnownElr.length > 0) {
      nextLastKnownElr = NONE;
    }
  }
  const lastKnownChanged = !sameOrder(nextLastKnownElr, lastKnownElr);

  if (!leaderChanged && !elrChanged && !isrChanged && !lastKnownChanged) return null;
  const next: PartitionState = {
    topic: partition.topic,
    partition: partition.partition,
    replicas: partition.replicas,
    isr: isrChanged ? newIsr.slice() : partition.isr,
    elr: elrChanged ? targetElr.slice() : partition.elr,
    ...(nextLastKnownElr.length > 0 ? { lastKnownElr: nextLastKnownElr.slice() } : {}),
    leader,
    leaderEpoch: leaderChanged ? partition.leaderEpoch + 1 : partition.leaderEpoch,
    partitionEpoch: partition.partitionEpoch + 1,
  };
  return next;
}

const NONE: readonly number[] = [];

function sameOrder(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (const x of a) if (!b.includes(x)) return false;
  return true;
}
