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
// Not modelled: reassignment, preferred election, LastKnownElr / unclean recovery (KIP-966 part 2).

import type { PartitionState } from './internal-protocol.ts';

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
}

/** The next state of `partition` with ISR `targetIsr`, or null when nothing changes. */
export function buildPartitionChange(partition: PartitionState, targetIsrIn: readonly number[], opts: ChangeOptions): PartitionState | null {
  let targetIsr: readonly number[] = targetIsrIn;
  if (opts.keepLastIsrMember === true && targetIsr.length === 0) targetIsr = partition.isr;
  let targetElr: readonly number[] = partition.elr;

  // maybePopulateTargetElr
  if (opts.elrEnabled) {
    if (targetIsr.length >= opts.minIsr) {
      targetElr = [];
    } else {
      const candidates: number[] = [...targetElr];
      for (const r of partition.isr) if (!candidates.includes(r)) candidates.push(r);
      const unclean = opts.uncleanShutdownReplicas ?? [];
      targetElr = candidates.filter((r) => !targetIsr.includes(r) && !unclean.includes(r));
    }
  }

  // tryElection (electAnyLeader)
  const isValidNewLeader = (r: number): boolean =>
    (targetIsr.includes(r) || (opts.elrEnabled && targetIsr.length === 0 && targetElr.includes(r))) && opts.isAcceptableLeader(r);
  let leader = partition.leader;
  let unclean = false;
  if (!(partition.leader !== NO_LEADER && isValidNewLeader(partition.leader))) {
    leader = NO_LEADER;
    for (const r of partition.replicas) {
      if (isValidNewLeader(r)) {
        leader = r;
        break;
      }
    }
    if (leader === NO_LEADER && opts.uncleanElection) {
      for (const r of partition.replicas) {
        if (opts.isAcceptableLeader(r)) {
          leader = r;
          unclean = true;
          break;
        }
      }
    }
  }
  let newIsr: readonly number[] = partition.isr;
  const leaderChanged = leader !== partition.leader;
  if (leaderChanged) {
    if (targetElr.includes(leader)) {
      // Elected from the ELR: it becomes the ISR.
      targetIsr = [leader];
      targetElr = targetElr.filter((r) => r !== leader);
    }
    if (unclean) newIsr = [leader];
  }
  // maybeUpdateRecordElr
  if (unclean || !opts.elrEnabled) targetElr = [];
  // The ISR: an unclean election already set it; otherwise the target (may be empty only with ELR).
  if (!unclean && (targetIsr.length > 0 || opts.elrEnabled) && !sameMembers(targetIsr, partition.isr)) newIsr = targetIsr;

  const elrChanged = !sameMembers(targetElr, partition.elr);
  const isrChanged = newIsr !== partition.isr && !sameMembers(newIsr, partition.isr);
  if (!leaderChanged && !elrChanged && !isrChanged) return null;
  return {
    topic: partition.topic,
    partition: partition.partition,
    replicas: partition.replicas,
    isr: isrChanged ? newIsr.slice() : partition.isr,
    elr: elrChanged ? targetElr.slice() : partition.elr,
    leader,
    leaderEpoch: leaderChanged ? partition.leaderEpoch + 1 : partition.leaderEpoch,
    partitionEpoch: partition.partitionEpoch + 1,
  };
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (const x of a) if (!b.includes(x)) return false;
  return true;
}
