// The consumer group protocol (KIP-848, group.protocol=consumer) on the coordinator side: one
// consumer group's state, the ConsumerGroupHeartbeat that drives it, and the records of
// `__consumer_offsets` that persist it, after Kafka's GroupMetadataManager
// (consumerGroupHeartbeat, consumerGroupLeave, consumerGroupFenceMember, replay), ConsumerGroup,
// ConsumerGroupMember, CurrentAssignmentBuilder and UniformHomogeneousAssignmentBuilder (read
// on 3.9.0-rc3; the same in trunk for what the model has).
//
// - Three epochs: the group epoch (bumped when a member joins or is fenced), the target
//   assignment epoch (the epoch the server-side assignor last ran for: it runs in the heartbeat
//   that finds the group epoch above it), and each member's epoch (the target epoch it is
//   reconciled to).
// - Reconciliation (CurrentAssignmentBuilder.computeNextAssignment): a member keeps what it
//   owns of its target; what it owns beyond it is pending revocation (the member stays at its
//   epoch, UNREVOKED_PARTITIONS, until a heartbeat no longer reports them); a partition of its
//   target still owned by another member (currentPartitionEpoch ≠ -1, assigned or pending
//   revocation) is not given yet (UNRELEASED_PARTITIONS): one owner per partition at any time.
// - Every change is written as records and applied by replaying them (CoordinatorRuntime
//   replays a write's records into the shard), so loading the log rebuilds the same state.
// Assumes: dynamic members only (no group.instance.id), every member subscribes to the same
// topics (homogeneous: the uniform assignor's UniformHomogeneousAssignmentBuilder), the topics'
// partition counts fixed (no ConsumerGroupPartitionMetadata record: the group epoch is bumped
// by membership changes only), no racks, no classic members in a consumer group (no upgrade or
// downgrade), no metadata refresh. Member ids come from the shard (Kafka: a random Uuid).

import { assert } from './assert.ts';
import { codeProbe } from './code-probes.ts';
import type { TopicPartition } from './group-coordinator.ts';

type MemberState = 'STABLE' | 'UNREVOKED_PARTITIONS' | 'UNRELEASED_PARTITIONS';

/** ConsumerGroupMember, as far as the model has it. */
export interface ConsumerMember {
  id: string;
  memberEpoch: number;
  previousMemberEpoch: number;
  state: MemberState;
  rebalanceTimeoutMs: number;
  topics: string[];
  assigned: TopicPartition[];
  pendingRevocation: TopicPartition[];
}

/** ConsumerGroup, as far as the model has it. */
export interface ConsumerGroup {
  id: string;
  groupEpoch: number;
  assignmentEpoch: number;
  members: Map<string, ConsumerMember>;
  /** Each member's target assignment (ConsumerGroup.targetAssignment). */
  target: Map<string, TopicPartition[]>;
  /** partition → epoch of the member that owns it (ModernGroup.currentPartitionEpoch). */
  partitionEpochs: Map<string, number>;
}

/** The consumer group records (GroupCoordinatorRecordHelpers); `null` values are tombstones. */
export type ConsumerGroupRecord =
  | {
      type: 'ConsumerGroupMemberMetadata';
      group: string;
      memberId: string;
      value: { rebalanceTimeoutMs: number; topics: string[] } | null;
    }
  | { type: 'ConsumerGroupMetadata'; group: string; epoch: number }
  | {
      type: 'ConsumerGroupTargetAssignmentMember';
      group: string;
      memberId: string;
      partitions: TopicPartition[] | null;
    }
  | { type: 'ConsumerGroupTargetAssignmentMetadata'; group: string; assignmentEpoch: number }
  | {
      type: 'ConsumerGroupCurrentMemberAssignment';
      group: string;
      memberId: string;
      value: {
        memberEpoch: number;
        previousMemberEpoch: number;
        state: MemberState;
        assigned: TopicPartition[];
        pendingRevocation: TopicPartition[];
      } | null;
    };

export interface ConsumerHeartbeatRequest {
  type: 'ConsumerGroupHeartbeat';
  group: string;
  memberId: string;
  /** 0: join; -1: leave (LEAVE_GROUP_MEMBER_EPOCH). */
  memberEpoch: number;
  /** -1 when unchanged (a partial request). */
  rebalanceTimeoutMs: number;
  /** null when unchanged. */
  topics: string[] | null;
  /** The partitions the member owns; null when unchanged. */
  owned: TopicPartition[] | null;
}

type ConsumerHeartbeatError =
  | 'NONE'
  | 'UNKNOWN_MEMBER_ID'
  | 'FENCED_MEMBER_EPOCH'
  | 'GROUP_ID_NOT_FOUND'
  | 'INVALID_REQUEST'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'NOT_COORDINATOR';

export interface ConsumerHeartbeatResponse {
  type: 'ConsumerGroupHeartbeat';
  error: ConsumerHeartbeatError;
  memberId: string;
  memberEpoch: number;
  heartbeatIntervalMs: number;
  /** Set when the member's assignment changed, or on a full request. */
  assignment?: TopicPartition[];
}

/** LEAVE_GROUP_MEMBER_EPOCH (ConsumerGroupHeartbeatRequest). */
const LEAVE_GROUP_MEMBER_EPOCH = -1;

const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

const byPartition = (a: TopicPartition, b: TopicPartition): number =>
  a.topic.localeCompare(b.topic) || a.partition - b.partition;

function sorted(tps: Iterable<TopicPartition>): TopicPartition[] {
  return [...tps].sort(byPartition);
}

export function newConsumerGroup(id: string): ConsumerGroup {
  return { id, groupEpoch: 0, assignmentEpoch: 0, members: new Map(), target: new Map(), partitionEpochs: new Map() };
}

/** GroupMetadataManager.replay for the consumer group records (and ConsumerGroup.updateMember). */
export function replayConsumerRecord(g: ConsumerGroup, r: ConsumerGroupRecord): void {
  switch (r.type) {
    case 'ConsumerGroupMemberMetadata': {
      if (r.value === null) {
        // the current assignment's tombstone came first (it set the epoch to LEAVE_GROUP_MEMBER_EPOCH)
        g.members.delete(r.memberId);
        return;
      }
      const m = memberOf(g, r.memberId);
      m.rebalanceTimeoutMs = r.value.rebalanceTimeoutMs;
      m.topics = r.value.topics.slice();
      return;
    }
    case 'ConsumerGroupMetadata':
      g.groupEpoch = r.epoch;
      return;
    case 'ConsumerGroupTargetAssignmentMember':
      if (r.partitions === null) g.target.delete(r.memberId);
      else g.target.set(r.memberId, r.partitions.slice());
      return;
    case 'ConsumerGroupTargetAssignmentMetadata':
      g.assignmentEpoch = r.assignmentEpoch;
      return;
    case 'ConsumerGroupCurrentMemberAssignment': {
      const m = memberOf(g, r.memberId);
      // ConsumerGroup.maybeUpdatePartitionEpoch: the old partitions' epochs go, the new ones come
      for (const tp of [...m.assigned, ...m.pendingRevocation]) g.partitionEpochs.delete(tpKey(tp));
      const v = r.value ?? {
        memberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
        previousMemberEpoch: LEAVE_GROUP_MEMBER_EPOCH,
        state: 'STABLE' as const,
        assigned: [],
        pendingRevocation: [],
      };
      m.memberEpoch = v.memberEpoch;
      m.previousMemberEpoch = v.previousMemberEpoch;
      m.state = v.state;
      m.assigned = v.assigned.slice();
      m.pendingRevocation = v.pendingRevocation.slice();
      if (r.value === null) return;
      for (const tp of [...m.assigned, ...m.pendingRevocation]) {
        // ModernGroup.addPartitionEpochs: IllegalStateException "Cannot set the epoch of … because the
        // partition is still owned": no partition in two members' current assignments
        const prev = g.partitionEpochs.get(tpKey(tp));
        assert(
          prev === undefined,
          'a partition has one owner in group {}: {} still owned at epoch {}',
          g.id,
          tpKey(tp),
          prev ?? -1,
        );
        g.partitionEpochs.set(tpKey(tp), m.memberEpoch);
      }
      return;
    }
    default:
      unreachable(r);
  }
}

function memberOf(g: ConsumerGroup, id: string): ConsumerMember {
  let m = g.members.get(id);
  if (m === undefined) {
    m = {
      id,
      memberEpoch: 0,
      previousMemberEpoch: -1,
      state: 'STABLE',
      rebalanceTimeoutMs: -1,
      topics: [],
      assigned: [],
      pendingRevocation: [],
    };
    g.members.set(id, m);
  }
  return m;
}

/** What the shard does for a consumer group: write records (replayed at once), fence, timers. */
export interface ConsumerGroupContext {
  /** Appends the records to the write and replays them into the group. */
  write(records: ConsumerGroupRecord[]): void;
  /** The partition count of a subscribed topic (the metadata image), -1 if unknown. */
  partitions(topic: string): number;
  heartbeatIntervalMs: number;
}

/**
 * GroupMetadataManager.consumerGroupHeartbeat (member epoch ≥ 0) or consumerGroupLeave (-1);
 * `newMemberId` names a joining member that brought none. `undefined` group: not there yet.
 */
export function consumerGroupHeartbeat(
  g: ConsumerGroup | undefined,
  req: ConsumerHeartbeatRequest,
  newMemberId: string,
  ctx: ConsumerGroupContext,
): ConsumerHeartbeatResponse {
  const fail = (error: ConsumerHeartbeatError): ConsumerHeartbeatResponse => ({
    type: 'ConsumerGroupHeartbeat',
    error,
    memberId: req.memberId,
    memberEpoch: req.memberEpoch,
    heartbeatIntervalMs: 0,
  });
  const invalid = requestError(req);
  if (invalid !== 'NONE') return fail(invalid);
  // getOrMaybeCreateConsumerGroup: only a join (epoch 0) creates the group
  if (g === undefined) return fail('GROUP_ID_NOT_FOUND');
  if (req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH) {
    const m = g.members.get(req.memberId);
    if (m === undefined) return fail('UNKNOWN_MEMBER_ID');
    fenceMember(g, m, ctx);
    return { ...fail('NONE'), memberEpoch: LEAVE_GROUP_MEMBER_EPOCH };
  }
  const memberId = req.memberId === '' ? newMemberId : req.memberId;
  const existing = g.members.get(memberId);
  if (existing === undefined && req.memberEpoch !== 0) return fail('UNKNOWN_MEMBER_ID');
  if (existing !== undefined) {
    const fenced = memberEpochError(existing, req.memberEpoch, req.owned);
    if (fenced) {
      codeProbe('group-consumer-fenced-member-epoch');
      return fail('FENCED_MEMBER_EPOCH');
    }
  }
  const before = existing === undefined ? undefined : { ...existing, assigned: existing.assigned.slice() };
  // 1. the member's subscription (hasMemberSubscriptionChanged): a new member bumps the group epoch
  if (existing === undefined) {
    const topics = (req.topics ?? []).slice().sort();
    ctx.write([
      {
        type: 'ConsumerGroupMemberMetadata',
        group: g.id,
        memberId,
        value: { rebalanceTimeoutMs: req.rebalanceTimeoutMs, topics },
      },
      { type: 'ConsumerGroupMetadata', group: g.id, epoch: g.groupEpoch + 1 },
    ]);
  }
  // 2. the target assignment, when the group epoch is above the assignment epoch
  if (g.groupEpoch > g.assignmentEpoch) updateTargetAssignment(g, ctx);
  // 3. reconcile the member towards its target (maybeReconcile)
  const m = g.members.get(memberId)!;
  const next = reconcile(g, m, req.owned);
  if (next !== undefined) ctx.write([currentAssignmentRecord(g.id, m.id, next)]);
  const response: ConsumerHeartbeatResponse = {
    type: 'ConsumerGroupHeartbeat',
    error: 'NONE',
    memberId,
    memberEpoch: m.memberEpoch,
    heartbeatIntervalMs: ctx.heartbeatIntervalMs,
  };
  // the assignment goes with a full request (a join, or all fields set) or when it changed
  const full = req.memberEpoch === 0 || (req.rebalanceTimeoutMs !== -1 && req.topics !== null && req.owned !== null);
  const changed = before === undefined || keys(before.assigned) !== keys(m.assigned);
  if (full || changed) response.assignment = m.assigned.slice();
  return response;
}

/** throwIfConsumerGroupHeartbeatRequestIsInvalid, the parts the model's requests can break. */
function requestError(req: ConsumerHeartbeatRequest): ConsumerHeartbeatError {
  if (req.memberEpoch > 0 || req.memberEpoch === LEAVE_GROUP_MEMBER_EPOCH)
    return req.memberId === '' ? 'INVALID_REQUEST' : 'NONE';
  if (req.memberEpoch !== 0) return 'INVALID_REQUEST';
  if (req.rebalanceTimeoutMs === -1 || req.owned === null || req.owned.length > 0) return 'INVALID_REQUEST';
  return req.topics === null || req.topics.length === 0 ? 'INVALID_REQUEST' : 'NONE';
}

/**
 * throwIfConsumerGroupMemberEpochIsInvalid: an epoch ahead of the coordinator's, or behind it
 * unless it is the previous epoch with owned partitions a subset of the assignment (the
 * response with the bumped epoch may have been lost). True: FENCED_MEMBER_EPOCH.
 */
function memberEpochError(m: ConsumerMember, epoch: number, owned: TopicPartition[] | null): boolean {
  if (epoch > m.memberEpoch) return true;
  if (epoch === m.memberEpoch) return false;
  if (epoch !== m.previousMemberEpoch || owned === null) return true;
  const assigned = new Set(m.assigned.map(tpKey));
  return !owned.every((tp) => assigned.has(tpKey(tp)));
}

/**
 * consumerGroupFenceMember (a leave, a session or rebalance timeout): the member's current
 * assignment, target assignment and subscription tombstones, then the group epoch bumped
 * (removeMember). Its partitions are free at once (the tombstone's replay drops their epochs).
 */
export function fenceMember(g: ConsumerGroup, m: ConsumerMember, ctx: ConsumerGroupContext): void {
  ctx.write([
    { type: 'ConsumerGroupCurrentMemberAssignment', group: g.id, memberId: m.id, value: null },
    { type: 'ConsumerGroupTargetAssignmentMember', group: g.id, memberId: m.id, partitions: null },
    { type: 'ConsumerGroupMemberMetadata', group: g.id, memberId: m.id, value: null },
    { type: 'ConsumerGroupMetadata', group: g.id, epoch: g.groupEpoch + 1 },
  ]);
}

/**
 * GroupMetadataManager.updateTargetAssignment → TargetAssignmentBuilder.build with the uniform
 * assignor (the default, group.consumer.assignors' first): a record per member whose target
 * changed, then the target assignment epoch.
 */
function updateTargetAssignment(g: ConsumerGroup, ctx: ConsumerGroupContext): void {
  const members = [...g.members.keys()].sort();
  const topics = members.length === 0 ? [] : g.members.get(members[0])!.topics;
  const next = uniformHomogeneousAssign(members, topics, g.target, ctx.partitions);
  const records: ConsumerGroupRecord[] = [];
  for (const id of members) {
    const tps = next.get(id) ?? [];
    if (keys(tps) !== keys(g.target.get(id) ?? []))
      records.push({ type: 'ConsumerGroupTargetAssignmentMember', group: g.id, memberId: id, partitions: tps });
  }
  records.push({ type: 'ConsumerGroupTargetAssignmentMetadata', group: g.id, assignmentEpoch: g.groupEpoch });
  ctx.write(records);
}

/**
 * UniformHomogeneousAssignmentBuilder.build: minQuota = ⌊P/M⌋ and P mod M members one more, in
 * member order; each member keeps its current target up to its quota (maybeRevokePartitions),
 * the partitions left (unassigned ones first, in topic and partition order, then the ones taken
 * back) fill the members under quota in turn (assignRemainingPartitions).
 * Assumes: member ids in sorted order stand in for the Java HashMap's iteration order.
 */
export function uniformHomogeneousAssign(
  members: readonly string[],
  topics: readonly string[],
  current: ReadonlyMap<string, readonly TopicPartition[]>,
  partitions: (topic: string) => number,
): Map<string, TopicPartition[]> {
  const out = new Map<string, TopicPartition[]>();
  if (members.length === 0 || topics.length === 0) return out;
  const subscribed = new Set(topics);
  const assigned = new Set<string>();
  for (const id of members)
    for (const tp of current.get(id) ?? []) if (subscribed.has(tp.topic)) assigned.add(tpKey(tp));
  const unassigned: TopicPartition[] = [];
  let total = 0;
  for (const topic of [...topics].sort()) {
    const n = Math.max(0, partitions(topic));
    for (let p = 0; p < n; p++)
      if (!assigned.has(tpKey({ topic, partition: p }))) unassigned.push({ topic, partition: p });
    total += n;
  }
  const minQuota = Math.floor(total / members.length);
  let extra = total % members.length;
  const unfilled: Array<{ id: string; quota: number }> = [];
  for (const id of members) {
    let quota = minQuota;
    if (extra > 0) {
      quota++;
      extra--;
    }
    const keep: TopicPartition[] = [];
    for (const tp of sorted(current.get(id) ?? [])) {
      if (!subscribed.has(tp.topic)) continue;
      if (quota > 0) {
        keep.push(tp);
        quota--;
      } else unassigned.push(tp);
    }
    out.set(id, keep);
    if (quota > 0) unfilled.push({ id, quota });
  }
  let i = 0;
  for (const u of unfilled) {
    const l = out.get(u.id)!;
    for (let k = 0; k < u.quota && i < unassigned.length; k++) l.push(unassigned[i++]);
    out.set(u.id, sorted(l));
  }
  return out;
}

type NextAssignment = NonNullable<
  Extract<ConsumerGroupRecord, { type: 'ConsumerGroupCurrentMemberAssignment' }>['value']
>;

/** CurrentAssignmentBuilder.build: the member's next state, or undefined when unchanged. */
function reconcile(g: ConsumerGroup, m: ConsumerMember, owned: TopicPartition[] | null): NextAssignment | undefined {
  // isReconciledTo
  if (m.state === 'STABLE' && m.memberEpoch === g.assignmentEpoch) return undefined;
  let next: NextAssignment;
  switch (m.state) {
    case 'STABLE':
    case 'UNRELEASED_PARTITIONS':
      next = computeNextAssignment(g, m, m.memberEpoch, owned);
      break;
    case 'UNREVOKED_PARTITIONS':
      // the member still reports some partition pending revocation: no progress
      if (ownsAny(owned, m.pendingRevocation)) return undefined;
      codeProbe('group-consumer-revocation-acked');
      next = computeNextAssignment(g, m, m.memberEpoch + 1, owned);
      break;
    default:
      return unreachable(m.state);
  }
  const same =
    next.state === m.state &&
    next.memberEpoch === m.memberEpoch &&
    keys(next.assigned) === keys(m.assigned) &&
    keys(next.pendingRevocation) === keys(m.pendingRevocation);
  return same ? undefined : next;
}

/** CurrentAssignmentBuilder.ownsRevokedPartitions: a null owned set (unchanged) counts as owning. */
function ownsAny(owned: TopicPartition[] | null, revoking: readonly TopicPartition[]): boolean {
  if (owned === null) return true;
  const s = new Set(revoking.map(tpKey));
  return owned.some((tp) => s.has(tpKey(tp)));
}

/** CurrentAssignmentBuilder.computeNextAssignment. */
function computeNextAssignment(
  g: ConsumerGroup,
  m: ConsumerMember,
  memberEpoch: number,
  owned: TopicPartition[] | null,
): NextAssignment {
  const target = g.target.get(m.id) ?? [];
  const targetKeys = new Set(target.map(tpKey));
  const assigned = m.assigned.filter((tp) => targetKeys.has(tpKey(tp)));
  const kept = new Set(assigned.map(tpKey));
  const revoking = m.assigned.filter((tp) => !kept.has(tpKey(tp)));
  let unreleased = false;
  const adding: TopicPartition[] = [];
  for (const tp of target) {
    if (kept.has(tpKey(tp))) continue;
    // still owned by a member (assigned or pending revocation): not given yet
    if (g.partitionEpochs.has(tpKey(tp))) unreleased = true;
    else adding.push(tp);
  }
  const base = { previousMemberEpoch: m.memberEpoch };
  if (revoking.length > 0 && ownsAny(owned, revoking)) {
    codeProbe('group-consumer-revocation-pending');
    return {
      ...base,
      state: 'UNREVOKED_PARTITIONS',
      memberEpoch,
      assigned: sorted(assigned),
      pendingRevocation: sorted(revoking),
    };
  }
  if (unreleased) codeProbe('group-consumer-partition-unreleased');
  const state: MemberState = unreleased ? 'UNRELEASED_PARTITIONS' : 'STABLE';
  return {
    ...base,
    state,
    memberEpoch: g.assignmentEpoch,
    assigned: sorted([...assigned, ...adding]),
    pendingRevocation: [],
  };
}

function currentAssignmentRecord(group: string, memberId: string, value: NextAssignment): ConsumerGroupRecord {
  return { type: 'ConsumerGroupCurrentMemberAssignment', group, memberId, value };
}

function keys(tps: readonly TopicPartition[]): string {
  return tps.map(tpKey).sort().join(',');
}

/**
 * OffsetCommit of a consumer group (ConsumerGroup.validateOffsetCommit → validateMemberEpoch):
 * an epoch of -1 commits only into an empty group; otherwise the member must exist and name its
 * current epoch exactly.
 */
export function validateConsumerOffsetCommit(
  g: ConsumerGroup,
  memberId: string,
  memberEpoch: number,
): 'NONE' | 'UNKNOWN_MEMBER_ID' | 'STALE_MEMBER_EPOCH' {
  if (memberEpoch < 0 && g.members.size === 0) return 'NONE';
  const m = g.members.get(memberId);
  if (m === undefined) return 'UNKNOWN_MEMBER_ID';
  return m.memberEpoch === memberEpoch ? 'NONE' : 'STALE_MEMBER_EPOCH';
}

/**
 * ConsumerGroup.maybeUpdateGroupState: Empty with no members, Assigning while the group epoch is
 * above the target assignment's, Reconciling while a member is not reconciled to it, else Stable.
 */
export function consumerGroupState(g: ConsumerGroup): 'Empty' | 'Assigning' | 'Reconciling' | 'Stable' {
  if (g.members.size === 0) return 'Empty';
  if (g.groupEpoch > g.assignmentEpoch) return 'Assigning';
  for (const m of g.members.values())
    if (!(m.state === 'STABLE' && m.memberEpoch === g.assignmentEpoch)) return 'Reconciling';
  return 'Stable';
}

/** The white-box invariant: no partition in two members' current assignments (assigned or revoking). */
export function doublyOwned(g: ConsumerGroup): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  for (const m of g.members.values()) {
    for (const tp of [...m.assigned, ...m.pendingRevocation]) {
      const other = seen.get(tpKey(tp));
      if (other !== undefined && other !== m.id) out.push(`${tpKey(tp)} (${other}, ${m.id})`);
      seen.set(tpKey(tp), m.id);
    }
  }
  return out;
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
