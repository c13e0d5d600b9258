// The committed-offset checker: consumer groups judged from a history alone (issue 15). The
// taxonomy, one sentence each (Jepsen style):
//
//   lost-commit              a fetch of a group's committed offset, invoked after a commit of a
//                            higher offset was acknowledged, returned a lower offset (or none),
//                            and no reset, and no other commit that could have come after it,
//                            explains the lower value (an acknowledged stale commit that would
//                            is named with it, for the promise tracker to judge).
//   stale-generation-commit  a commit naming generation g was acknowledged although it was
//                            invoked after a member of the group had been handed the
//                            assignment of a later generation (Kafka answers ILLEGAL_GENERATION);
//                            in a KIP-848 consumer group, after its own member had been handed
//                            a later member epoch (STALE_MEMBER_EPOCH).
//   commit-skip              at-least-once across rebalances: a record below a committed offset
//                            (acknowledged, or seen by a fetch) was never returned to a member
//                            of the group that owned its partition, before that commit.
//   shared-ownership         two members were handed one partition in the same generation (a
//                            KIP-848 member epoch: a partition goes to a new owner at a later
//                            epoch than its previous owner's, only after that owner revoked it).
//   excess-duplicate         a record returned to the group again although the group had
//                            committed past it before the member's assignment (or the member
//                            already had it in this generation), with no reset in between:
//                            duplicates are bounded by what was polled but not committed. A
//                            commit of a later classic generation than the member's does not
//                            count: it came after the member's SyncGroup was answered, and a
//                            member removed from the group keeps returning what it fetches
//                            until it learns so (a zombie; see zombieOf).
//   rebalance-duplicates     (a figure) records returned to the group more than once.
//
// Offsets are Kafka's: a committed offset is the next offset to consume. A reset is an
// administrator's `reset-offsets` or a member's own reset (`assign` with `reset`). Real-time
// order is history order. Vocabulary: checkers/history.ts (gregor's `subscribe`, `assignment`,
// `commit`, `fetch-offsets`, `reset-offsets`, `leave`), and Jepsen's Kafka workload, whose
// subscribed processes form one group (`jepsen`) and commit synchronously before an ok poll
// completes (jepsen.tests.kafka: "clients should call .commitSync before returning"): each ok
// poll of a subscribed process implies an acknowledged commit of one past the highest offset
// it returned per key. Jepsen names no generations, so only commit-skip is judged there.

import {
  GROUP_OPS,
  type AssignmentValue,
  type CommitValue,
  type FetchOffsetsValue,
  type GroupOffset,
  type History,
  type HistoryEvent,
  type LeaveValue,
  type ResetOffsetsValue,
  type SubscribeValue,
} from './history.ts';
import { Findings, type Verdict } from './verdict.ts';
import { pairOperations, type Operation } from './ops.ts';
import { kafkaActions, type KafkaAction } from './kafka-actions.ts';

/** The group Jepsen's subscribed processes belong to. */
const JEPSEN_GROUP = 'jepsen';

/** True when the history records consumer-group operations (gregor's or Jepsen's subscribe). */
export function isGroupHistory(history: readonly HistoryEvent[]): boolean {
  return history.some((ev) => GROUP_OPS.has(ev.f));
}

export interface GroupCheckOptions {
  sourceLines?: readonly number[];
  /** Most anomalies reported per kind (the stats count all). Default 50. */
  maxPerKind?: number;
}

/** A group's view of one partition: `${group}\u0000${topic}/${partition}`. */
type GtpKey = string;

interface Membership {
  group: string;
  member: string;
  /** Undefined: not known (Jepsen), every partition counts as owned. */
  generation: number | undefined;
  owned: ReadonlySet<string> | undefined;
  /** The assignment (or subscribe) operation that started it. */
  since: Operation;
  /** `consumer`: a KIP-848 member (its generation is its own member epoch); absent: classic. */
  protocol?: 'consumer';
}

interface Commit {
  op: Operation;
  group: string;
  member: string | undefined;
  generation: number | undefined;
  offset: number;
  /** Acknowledged (ok, or implied by a Jepsen ok poll). */
  acked: boolean;
  /** Position of its completion (-1: never), and of its invoke. */
  donePos: number;
  invokePos: number;
  stale: boolean;
  /** Set with `stale`: the first assignment of a later generation that makes it so (laterAssignment). */
  staleBy: { op: Operation; v: AssignmentValue } | undefined;
}

interface Delivery {
  op: Operation;
  m: Membership;
  /** The member owned the partition (only then do its records count as consumed). */
  owned: boolean;
  from: number | undefined;
  offsets: number[];
  /** The position the poll left, when the history says (past control and aborted batches it skipped). */
  next: number | undefined;
}

interface Reset {
  op: Operation;
  process: number | string;
  offset: number;
}

interface GroupPart {
  group: string;
  topic: string;
  partition: number;
  commits: Commit[];
  fetches: Array<{ op: Operation; offset: number | null }>;
  deliveries: Delivery[];
  resets: Reset[];
}

interface Gathered {
  parts: Map<GtpKey, GroupPart>;
  assignments: Array<{ op: Operation; v: AssignmentValue }>;
  /** topic/partition → offset known to hold a record (any poll, any acknowledged send) → its values. */
  known: Map<string, Map<number, Set<string>>>;
}

const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** Judges the consumer groups of a history; see the taxonomy above. */
export function checkGroups(history: History, opts: GroupCheckOptions = {}): Verdict {
  const ops = pairOperations(history, opts.sourceLines);
  const g = gather(ops);
  const out = new Findings(opts.maxPerKind ?? 50);
  markStale(g);
  staleGenerationCases(g, out);
  sharedOwnershipCases(g, out);
  let duplicates = 0;
  for (const key of [...g.parts.keys()].sort()) {
    const p = g.parts.get(key)!;
    lostCommitCases(p, out);
    commitSkipCases(p, g.known.get(tpKey(p.topic, p.partition)) ?? new Map(), out);
    duplicates += duplicateCases(p, out);
  }
  const parts = [...g.parts.values()];
  const stats: Record<string, number> = {
    groups: new Set(parts.map((p) => p.group)).size,
    partitions: parts.length,
    commits: parts.reduce((n, p) => n + p.commits.filter((c) => c.acked).length, 0),
    fetches: parts.reduce((n, p) => n + p.fetches.length, 0),
    deliveries: parts.reduce((n, p) => n + p.deliveries.filter((d) => d.owned).length, 0),
    assignments: g.assignments.length,
    rebalanceDuplicates: duplicates,
  };
  for (const [kind, c] of Object.entries(out.counts)) stats[`anomalies.${kind}`] = c;
  const errors = out.anomalies.filter((a) => !a.informational);
  return { valid: errors.length === 0, checker: 'groups', anomalies: out.anomalies, stats };
}

// --- gathering -------------------------------------------------------------------------------

function partOf(g: Gathered, group: string, topic: string, partition: number): GroupPart {
  const key = `${group}\u0000${tpKey(topic, partition)}`;
  let p = g.parts.get(key);
  if (p === undefined) {
    p = { group, topic, partition, commits: [], fetches: [], deliveries: [], resets: [] };
    g.parts.set(key, p);
  }
  return p;
}

function noteKnown(g: Gathered, a: KafkaAction, op: Operation): void {
  if (a.f === 'poll') {
    for (const [o, v] of a.records) knownAt(g, a.topic, a.partition, o).add(String(v));
  } else if (a.f === 'send' && a.offset !== undefined && op.outcome === 'ok') {
    knownAt(g, a.topic, a.partition, a.offset).add(a.value);
  }
}

/** The values known at one offset of a partition (created empty). */
function knownAt(g: Gathered, topic: string, partition: number, offset: number): Set<string> {
  const key = tpKey(topic, partition);
  let offsets = g.known.get(key);
  if (offsets === undefined) g.known.set(key, (offsets = new Map()));
  let values = offsets.get(offset);
  if (values === undefined) offsets.set(offset, (values = new Set()));
  return values;
}

/** Walks the operations in invoke order, each process's membership as it goes. */
function gather(ops: readonly Operation[]): Gathered {
  const g: Gathered = { parts: new Map(), assignments: [], known: new Map() };
  const member = new Map<number | string, Membership | undefined>();
  for (const op of ops) {
    const actions = kafkaActions(op);
    for (const a of actions) noteKnown(g, a, op);
    const m = member.get(op.process);
    const took = op.outcome === 'ok' || op.outcome === 'info';
    switch (op.f) {
      case 'subscribe':
      case 'assign':
        if (Array.isArray(op.invoke.value)) {
          // Jepsen: subscribe joins the one group, assign leaves it
          if (took) member.set(op.process, op.f === 'subscribe' ? jepsenMember(op) : undefined);
        } else if (op.f === 'subscribe' && took) {
          const v = op.invoke.value as SubscribeValue;
          const id = v.member ?? String(op.process);
          member.set(op.process, { group: v.group, member: id, generation: undefined, owned: undefined, since: op });
        } else if (op.f === 'assign' && took && m !== undefined) noteMemberReset(g, m, op, actions);
        break;
      case 'assignment':
        if (op.outcome === 'ok') member.set(op.process, assignmentOf(g, op));
        break;
      case 'leave':
        if (took && m?.group === (op.invoke.value as LeaveValue).group) member.set(op.process, undefined);
        break;
      case 'commit':
        gatherCommit(g, op, m);
        break;
      case 'fetch-offsets':
      case 'reset-offsets':
        gatherOffsets(g, op);
        break;
      default:
        if (m !== undefined) gatherDeliveries(g, op, m, actions);
    }
  }
  return g;
}

function jepsenMember(op: Operation): Membership {
  return { group: JEPSEN_GROUP, member: String(op.process), generation: undefined, owned: undefined, since: op };
}

function assignmentOf(g: Gathered, op: Operation): Membership {
  const v = (op.complete?.value ?? op.invoke.value) as AssignmentValue;
  g.assignments.push({ op, v });
  const owned = new Set(v.partitions.map((x) => tpKey(x.topic, x.partition)));
  return { group: v.group, member: v.member, generation: v.generation, owned, since: op, protocol: v.protocol };
}

/** A member's own reset of its position (`assign` with `reset`). */
function noteMemberReset(g: Gathered, m: Membership, op: Operation, actions: readonly KafkaAction[]): void {
  for (const a of actions) {
    if (a.f !== 'assign' || a.reset === undefined || a.offset === undefined) continue;
    partOf(g, m.group, a.topic, a.partition).resets.push({ op, process: op.process, offset: a.offset });
  }
}

function gatherCommit(g: Gathered, op: Operation, m: Membership | undefined): void {
  const v = op.invoke.value as CommitValue;
  const generation = v.generation !== undefined && v.generation >= 0 ? v.generation : undefined;
  for (const o of v.offsets as GroupOffset[]) {
    if (o.offset === null) continue;
    partOf(g, v.group, o.topic, o.partition).commits.push({
      op,
      group: v.group,
      member: v.member ?? m?.member,
      generation,
      offset: o.offset,
      acked: op.outcome === 'ok',
      donePos: op.completePos,
      invokePos: op.invokePos,
      stale: false,
      staleBy: undefined,
    });
  }
}

function gatherOffsets(g: Gathered, op: Operation): void {
  if (op.f === 'fetch-offsets') {
    if (op.outcome !== 'ok') return;
    const v = op.complete!.value as FetchOffsetsValue;
    for (const o of v.offsets) partOf(g, v.group, o.topic, o.partition).fetches.push({ op, offset: o.offset ?? null });
    return;
  }
  if (op.outcome === 'fail') return;
  const v = op.invoke.value as ResetOffsetsValue;
  for (const o of v.offsets) {
    if (o.offset !== null)
      partOf(g, v.group, o.topic, o.partition).resets.push({ op, process: op.process, offset: o.offset });
  }
}

/** Records returned to a member; a Jepsen ok poll of a subscribed process also commits them. */
function gatherDeliveries(g: Gathered, op: Operation, m: Membership, actions: readonly KafkaAction[]): void {
  for (const a of actions) {
    if (a.f !== 'poll' || op.outcome === 'fail') continue;
    const owned = m.owned === undefined || m.owned.has(tpKey(a.topic, a.partition));
    const p = partOf(g, m.group, a.topic, a.partition);
    const offsets = a.records.map((r) => r[0]);
    if (offsets.length > 0 || a.from !== undefined) {
      p.deliveries.push({ op, m, owned, from: a.from, offsets, next: a.next });
    }
    if (m.group === JEPSEN_GROUP && op.outcome === 'ok' && offsets.length > 0) {
      const offset = Math.max(...offsets) + 1;
      const c = { op, group: m.group, member: m.member, generation: undefined, offset, acked: true };
      p.commits.push({ ...c, donePos: op.completePos, invokePos: op.completePos, stale: false, staleBy: undefined });
    }
  }
}

// --- the anomalies ---------------------------------------------------------------------------

/**
 * A commit is stale when, before its invoke, a member was handed a later generation of its group;
 * in a KIP-848 consumer group (assignments with protocol `consumer`), when its own member was
 * handed a later member epoch: members reconcile at their own pace, each at its own epoch, and
 * the coordinator checks a commit's epoch against its member's (ConsumerGroup.validateOffsetCommit).
 */
function markStale(g: Gathered): void {
  for (const p of g.parts.values()) {
    for (const c of p.commits) {
      if (c.generation === undefined) continue;
      c.staleBy = laterAssignment(g, c);
      c.stale = c.staleBy !== undefined;
    }
  }
}

/** The first assignment that makes commit `c` stale (see markStale), if any. */
function laterAssignment(g: Gathered, c: Commit): { op: Operation; v: AssignmentValue } | undefined {
  return g.assignments.find(
    (a) =>
      a.v.group === c.group &&
      a.op.completePos < c.invokePos &&
      a.v.generation > c.generation! &&
      (a.v.protocol !== 'consumer' || a.v.member === c.member),
  );
}

function staleGenerationCases(g: Gathered, out: Findings): void {
  const seen = new Set<number>();
  for (const p of g.parts.values()) {
    for (const c of p.commits) {
      if (!c.stale || !c.acked || seen.has(c.op.id)) continue;
      seen.add(c.op.id);
      const later = laterAssignment(g, c)!;
      out.report({
        kind: 'stale-generation-commit',
        group: c.group,
        explanation:
          `group ${c.group}: a commit by ${c.member ?? 'a member'} naming generation ${c.generation} was ` +
          `acknowledged, though ${later.v.member} had already been handed generation ${later.v.generation} ` +
          `(event ${later.op.completePos}): the coordinator must answer ILLEGAL_GENERATION.`,
        // the assignment, the commit, its acknowledgement (the latest it can have been accepted: the
        // promise tracker's 'group-consequence' asks that it come after the breach that explains it)
        ops: [later.op.invokePos, c.invokePos, c.donePos],
        topic: p.topic,
        partition: p.partition,
        offsets: [c.offset],
      });
    }
  }
}

function sharedOwnershipCases(g: Gathered, out: Findings): void {
  const owner = new Map<string, { member: string; op: Operation }>();
  for (const { op, v } of g.assignments) {
    for (const x of v.partitions) {
      const key = `${v.group}\u0000${v.generation}\u0000${tpKey(x.topic, x.partition)}`;
      const first = owner.get(key);
      if (first === undefined) owner.set(key, { member: v.member, op });
      else if (first.member !== v.member) {
        out.report({
          kind: 'shared-ownership',
          group: v.group,
          explanation:
            `group ${v.group}, generation ${v.generation}: ${x.topic}-${x.partition} was handed to both ` +
            `${first.member} and ${v.member}; one generation has one owner per partition.`,
          ops: [first.op.invokePos, op.invokePos],
          topic: x.topic,
          partition: x.partition,
        });
      }
    }
  }
}

/** A commit that may have been applied after `c` (not failed, not stale, not done before c began). */
function mayFollow(x: Commit, c: Commit, before: number): boolean {
  return !x.stale && mayFollowIfValid(x, c, before);
}

/** As mayFollow, whatever its generation: not failed, invoked before `before`, not done before c began. */
function mayFollowIfValid(x: Commit, c: Commit, before: number): boolean {
  if (x.op.outcome === 'fail' || x.invokePos > before) return false;
  return x.donePos < 0 || x.donePos > c.invokePos;
}

/**
 * The last acknowledged stale commit of the fetched offset that would explain the fetch after `c`
 * (and so after every commit invoked before `c`) but for its staleness (mayFollow), if any. Such a
 * commit is already a stale-generation-commit, and the lost-commit names it too (its invoke, then
 * the assignment that made it stale): the promise tracker excuses the pair when a loss of the
 * group's generation explains the staleness (driver/promise.ts, 'stale-commit-after-loss').
 */
function staleExplanation(p: GroupPart, c: Commit, offset: number | null, before: number): Commit | undefined {
  if (offset === null) return undefined;
  let last: Commit | undefined;
  for (const x of p.commits) {
    if (!x.stale || !x.acked || x.offset !== offset || !mayFollowIfValid(x, c, before)) continue;
    if (last === undefined || x.invokePos > last.invokePos) last = x;
  }
  return last;
}

function lostCommitCases(p: GroupPart, out: Findings): void {
  for (const f of p.fetches) {
    const fetchDone = f.op.completePos;
    let worst: Commit | undefined;
    let latest: Commit | undefined; // the unexplained commit invoked last
    for (const c of p.commits) {
      if (!c.acked || c.donePos > f.op.invokePos || (f.offset !== null && f.offset >= c.offset)) continue;
      const resetByAdmin = p.resets.some(
        (r) =>
          r.op.f === 'reset-offsets' &&
          r.op.invokePos < fetchDone &&
          (r.op.completePos < 0 || r.op.completePos > c.invokePos),
      );
      const explained =
        resetByAdmin ||
        (f.offset !== null && p.commits.some((x) => x.offset === f.offset && mayFollow(x, c, fetchDone)));
      if (explained) continue;
      if (worst === undefined || c.offset > worst.offset) worst = c;
      if (latest === undefined || c.invokePos > latest.invokePos) latest = c;
    }
    if (worst === undefined || latest === undefined) continue;
    // a stale commit named must explain every unexplained commit: it may follow the last of them
    const stale = staleExplanation(p, latest, f.offset, fetchDone);
    out.report({
      kind: 'lost-commit',
      group: p.group,
      explanation:
        `group ${p.group}: the commit of offset ${worst.offset} for ${p.topic}-${p.partition} was acknowledged ` +
        `(event ${worst.donePos}), yet a later fetch of the group's offset returned ` +
        `${f.offset === null ? 'none' : f.offset}, and no reset or later commit explains it` +
        (stale === undefined
          ? '.'
          : ` but a stale one (generation ${stale.generation}, event ${stale.donePos}, acknowledged although ` +
            `generation ${stale.staleBy!.v.generation} had been handed out, event ${stale.staleBy!.op.completePos}).`),
      ops:
        stale === undefined
          ? [worst.invokePos, f.op.invokePos]
          : [worst.invokePos, f.op.invokePos, stale.invokePos, stale.staleBy!.op.invokePos],
      topic: p.topic,
      partition: p.partition,
      offsets: f.offset === null ? [worst.offset] : [worst.offset, f.offset],
    });
  }
}

/**
 * The records below a committed offset that no owning member was returned before it. Each
 * report names the commit (or fetch), then the group's first poll of the partition that read
 * past the lowest skipped offset (a start or a record above it), when one did; its values are
 * those known at the skipped offsets (what the promise tracker judges a loss by).
 */
function commitSkipCases(p: GroupPart, known: ReadonlyMap<number, ReadonlySet<string>>, out: Findings): void {
  // the committed offsets to judge: acknowledged commits, and offsets fetches saw
  const checks: Array<{ offset: number; deadline: number; op: Operation; what: string }> = [];
  for (const c of p.commits) {
    if (c.acked && !c.stale) checks.push({ offset: c.offset, deadline: c.donePos, op: c.op, what: 'commit' });
  }
  for (const f of p.fetches) {
    if (f.offset !== null) checks.push({ offset: f.offset, deadline: f.op.completePos, op: f.op, what: 'fetch' });
  }
  checks.sort((a, b) => a.deadline - b.deadline);
  const deliveries = [...p.deliveries].sort((a, b) => a.op.completePos - b.op.completePos);
  const covered = new Set<number>();
  let base = Number.POSITIVE_INFINITY;
  let d = 0;
  const sortedKnown = [...known.keys()].sort((a, b) => a - b);
  const reported = new Set<number>();
  for (const ch of checks) {
    while (d < deliveries.length && deliveries[d].op.completePos <= ch.deadline) {
      const x = deliveries[d++];
      if (x.owned) for (const o of x.offsets) covered.add(o);
      const low = Math.min(x.from ?? Number.POSITIVE_INFINITY, ...x.offsets);
      base = Math.min(base, low);
    }
    let floor = base;
    for (const r of p.resets) if (r.op.invokePos < ch.deadline) floor = Math.max(floor, r.offset);
    const missing = sortedKnown.filter((o) => o >= floor && o < ch.offset && !covered.has(o) && !reported.has(o));
    if (missing.length === 0) continue;
    for (const o of missing) reported.add(o);
    const shown = missing.slice(0, 20);
    const past = firstReadPast(deliveries.slice(0, d), missing[0]);
    out.report({
      kind: 'commit-skip',
      group: p.group,
      explanation:
        `group ${p.group}: ${p.topic}-${p.partition} offset${missing.length > 1 ? 's' : ''} ` +
        `${shownOffsets(missing)} ${missing.length > 1 ? 'lie' : 'lies'} below the group's committed ` +
        `offset ${ch.offset} (a ${ch.what}, event ` +
        `${ch.deadline}) but were never returned to a member that owned the partition: skipped, not ` +
        'consumed at least once.',
      ops: past === undefined ? [ch.op.invokePos] : [ch.op.invokePos, past.op.invokePos],
      topic: p.topic,
      partition: p.partition,
      offsets: shown,
      values: [...new Set(shown.flatMap((o) => [...(known.get(o) ?? [])]))],
    });
  }
}

/**
 * The earliest-invoked poll of `deliveries` (owned or not) that started, returned a record, or
 * left its position (a control or aborted batch skipped: PollValue.next) above `offset`.
 */
function firstReadPast(deliveries: readonly Delivery[], offset: number): Delivery | undefined {
  let first: Delivery | undefined;
  for (const x of deliveries) {
    const moved = x.next !== undefined && x.next > offset;
    const past = (x.from !== undefined && x.from > offset) || x.offsets.some((o) => o > offset) || moved;
    if (past && (first === undefined || x.op.invokePos < first.op.invokePos)) first = x;
  }
  return first;
}

function shownOffsets(offsets: readonly number[]): string {
  return offsets.length > 8 ? `${offsets.slice(0, 8).join(', ')} … (${offsets.length})` : offsets.join(', ');
}

/**
 * True when commit `c` names a later classic generation than membership `m`: the coordinator
 * began that generation after it answered m's SyncGroup (GroupMetadataManager
 * .completeClassicGroupJoin bumps the generation and removes members that did not rejoin in
 * time, notYetRejoinedMembers), so the commit did not precede m's assignment, however late the
 * history records it (the application learns it in its next poll: ConsumerCoordinator
 * .onJoinComplete). Such a member keeps fetching the partitions it was assigned from its own
 * positions until a heartbeat, JoinGroup or commit tells it otherwise: ClassicKafkaConsumer.poll
 * ignores updateAssignmentMetadataIfNeeded(timer, false) (ConsumerCoordinator.poll:
 * ensureActiveGroup with a zero timer) and returns pollForFetches (3.9.0-rc3). Its duplicates
 * are Kafka's at-least-once; its commits fail (stale-generation-commit judges them).
 */
function zombieOf(m: Membership, c: Commit): boolean {
  return (
    m.protocol === undefined && m.generation !== undefined && c.generation !== undefined && c.generation > m.generation
  );
}

/** Counts the group's re-deliveries and reports those beyond the bound; returns the count. */
function duplicateCases(p: GroupPart, out: Findings): number {
  const deliveries = [...p.deliveries].sort((a, b) => a.op.completePos - b.op.completePos);
  const returned = new Set<number>();
  /** offset → the membership (assignment op) and position it was last returned in. */
  const lastIn = new Map<number, { since: Operation; pos: number }>();
  let count = 0;
  for (const x of deliveries) {
    if (!x.owned) continue;
    if (x.op.outcome !== 'ok') {
      for (const o of x.offsets) returned.add(o);
      continue;
    }
    for (const o of x.offsets) {
      if (!returned.has(o)) {
        returned.add(o);
        lastIn.set(o, { since: x.m.since, pos: x.op.completePos });
        continue;
      }
      count++;
      const prev = lastIn.get(o);
      lastIn.set(o, { since: x.m.since, pos: x.op.completePos });
      const resetSince = (pos: number): boolean =>
        p.resets.some((r) => r.op.invokePos > pos && r.op.invokePos < x.op.completePos);
      const sameGeneration = prev !== undefined && prev.since === x.m.since && x.m.generation !== undefined;
      const committedPast = p.commits.find(
        (c) =>
          c.acked &&
          !c.stale &&
          c.offset > o &&
          c.donePos < x.m.since.invokePos &&
          !resetSince(c.donePos) &&
          !zombieOf(x.m, c),
      );
      const excess = (sameGeneration && !resetSince(prev.pos)) || (x.m.generation !== undefined && committedPast);
      if (!excess) continue;
      out.report({
        kind: 'excess-duplicate',
        group: p.group,
        explanation: committedPast
          ? `group ${p.group}: ${p.topic}-${p.partition} offset ${o} was returned again to ${x.m.member} in ` +
            `generation ${x.m.generation}, though the group had committed offset ${committedPast.offset} ` +
            `(event ${committedPast.donePos}) before that assignment and nothing reset it.`
          : `group ${p.group}: ${p.topic}-${p.partition} offset ${o} was returned twice to ${x.m.member} in ` +
            `generation ${x.m.generation} with no reset in between: a member's position only moves forward.`,
        ops: committedPast ? [committedPast.invokePos, x.op.invokePos] : [x.op.invokePos],
        topic: p.topic,
        partition: p.partition,
        offsets: [o],
      });
    }
  }
  return count;
}
