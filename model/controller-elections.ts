// Leader elections the KRaft controller runs on request rather than on a broker change:
// the admin's ElectLeaders (kafka-leader-election.sh, PREFERRED or UNCLEAN) and the automatic
// preferred-leader rebalance (auto.leader.rebalance.enable, every
// leader.imbalance.check.interval.seconds). The controller (controller.ts) owns the state;
// this module owns the rules, through the narrow ElectionHost the controller hands it.
//
// Rules (Kafka's ReplicationControlManager and PartitionChangeBuilder):
// - electLeader: an unknown partition is UNKNOWN_TOPIC_OR_PARTITION; PREFERRED when the first
//   replica already leads, or UNCLEAN when the partition has a leader, is ELECTION_NOT_NEEDED;
//   otherwise the partition change is built with that election type, and no change is
//   PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE.
// - maybeBalancePartitionLeaders: every partition whose leader is not its first replica
//   (imbalancedPartitions) gets a PREFERRED election, at most maxElectionsPerImbalance (1000)
//   per check; the check runs every leader.imbalance.check.interval.seconds while
//   auto.leader.rebalance.enable (QuorumController.maybeScheduleNextBalancePartitionLeaders).
// - An UNCLEAN election elects a replica from outside the ISR and ELR only when nothing
//   else is electable; the outcome says whether it did where the controller's own (ONLINE)
//   election would have elected nobody (the driver counts that as going beyond Kafka's
//   promise: the admin asked for possible data loss).

import type { PartitionState } from './internal-protocol.ts';
import { buildPartitionChange, NO_LEADER, type ChangeOptions, type Election } from './partition-change.ts';
import { codeProbe } from './code-probes.ts';

export type AdminElectionType = 'preferred' | 'unclean';

type ElectionError =
  | 'NONE'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'ELECTION_NOT_NEEDED'
  | 'PREFERRED_LEADER_NOT_AVAILABLE'
  | 'ELIGIBLE_LEADERS_NOT_AVAILABLE'
  | 'NOT_CONTROLLER';

export interface ElectionOutcome {
  readonly error: ElectionError;
  /** The leader after the election (-1: none). */
  readonly leader: number;
  /** A leader was elected from outside the ISR and ELR. */
  readonly unclean: boolean;
}

/** What the elections need from the controller. */
export interface ElectionHost {
  partition(topic: string, partition: number): PartitionState | undefined;
  partitions(): readonly PartitionState[];
  /** The change options of an election of `s` (leader acceptance, min ISR, ELR...). */
  changeOptions(s: PartitionState, election: Election): ChangeOptions;
  /** Append a Partition record (not yet committed). */
  appendPartition(next: PartitionState): void;
}

/** ReplicationControlManager.maybeTriggerLeaderChangeForPartitionsWithoutPreferredLeader's bound. */
const MAX_ELECTIONS_PER_IMBALANCE = 1000;

/** ReplicationControlManager.electLeader for one partition; the caller commits. */
export function electLeader(
  host: ElectionHost,
  topic: string,
  partition: number,
  type: AdminElectionType,
): ElectionOutcome {
  const s = host.partition(topic, partition);
  if (s === undefined) return { error: 'UNKNOWN_TOPIC_OR_PARTITION', leader: NO_LEADER, unclean: false };
  if ((type === 'preferred' && s.leader === s.replicas[0]) || (type === 'unclean' && s.leader !== NO_LEADER)) {
    codeProbe('admin-election-refused');
    return { error: 'ELECTION_NOT_NEEDED', leader: s.leader, unclean: false };
  }
  const next = buildPartitionChange(s, s.isr, host.changeOptions(s, type));
  if (next === null) {
    codeProbe('admin-election-refused');
    const error = type === 'preferred' ? 'PREFERRED_LEADER_NOT_AVAILABLE' : 'ELIGIBLE_LEADERS_NOT_AVAILABLE';
    return { error, leader: s.leader, unclean: false };
  }
  // Unclean only when the request made the difference: an ONLINE election (what the
  // controller does by itself, the last known leader included) would elect nobody.
  const online = type === 'unclean' ? buildPartitionChange(s, s.isr, host.changeOptions(s, 'online')) : null;
  const onlineLeader = online === null ? s.leader : online.leader;
  host.appendPartition(next);
  codeProbe('admin-election-elected');
  const unclean = type === 'unclean' && next.leader !== NO_LEADER && onlineLeader === NO_LEADER;
  return { error: 'NONE', leader: next.leader, unclean };
}

/**
 * ReplicationControlManager.maybeBalancePartitionLeaders: a PREFERRED election for each
 * partition not led by its first replica. Returns the number of records appended.
 */
export function maybeBalancePartitionLeaders(host: ElectionHost): number {
  let records = 0;
  for (const s of host.partitions()) {
    if (records >= MAX_ELECTIONS_PER_IMBALANCE) break;
    if (s.leader === s.replicas[0]) continue;
    const next = buildPartitionChange(s, s.isr, host.changeOptions(s, 'preferred'));
    if (next === null) continue;
    host.appendPartition(next);
    codeProbe('auto-leader-rebalance-elected');
    records++;
  }
  return records;
}
