// The cooperative-sticky assignor (KIP-429) the group leader runs, after Kafka's
// CooperativeStickyAssignor over AbstractStickyAssignor (clients, 3.9), for the case the model
// has: every member subscribes to the same topics (allSubscriptionsEqual → the
// ConstrainedAssignmentBuilder), no racks.
//
// Steps, each from AbstractStickyAssignor:
// - Owned partitions (allSubscriptionsEqual): each member's subscription names the partitions it
//   owns and its generation; a partition claimed by two members of the same generation is owned
//   by neither (partitionsWithMultiplePreviousOwners), one claimed in two generations goes to the
//   newer claim.
// - Quotas (ConstrainedAssignmentBuilder): minQuota = ⌊P/M⌋, maxQuota = ⌈P/M⌉, P mod M members
//   may have maxQuota. Each member keeps its owned partitions (in partition order) up to its
//   quota (assignOwnedPartitions); what it must give up may be revoked (maybeRevokedPartitions).
// - The partitions left go round robin to the members under minQuota, then to those at minQuota
//   while fewer than P mod M members are above it (assignRoundRobin, assignNewPartition).
// - Cooperative (CooperativeStickyAssignor.adjustAssignment): a partition that moves from a
//   member still in the group to another (or was claimed twice) is left out of this
//   assignment; its owner revokes it, rejoins, and the next rebalance hands it over.
// Assumes: member ids in sorted order stand in for Java's HashMap iteration order.

import type { TopicSpec } from './config.ts';
import type { MemberSubscription, TopicPartition } from './group-coordinator.ts';

const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

/** allSubscriptionsEqual: each member's valid owned partitions, and the doubly claimed ones. */
function ownedPartitions(
  members: readonly string[],
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  valid: ReadonlySet<string>,
): { owned: Map<string, TopicPartition[]>; multiple: Set<string> } {
  const owned = new Map<string, TopicPartition[]>(members.map((m) => [m, []]));
  const ownerOf = new Map<string, string>();
  const multiple = new Set<string>();
  const generationOf = (m: string): number => subscriptions.get(m)?.generation ?? -1;
  const drop = (m: string, key: string): void => {
    const l = owned.get(m)!;
    const i = l.findIndex((tp) => tpKey(tp) === key);
    if (i >= 0) l.splice(i, 1);
  };
  for (const m of members) {
    for (const tp of subscriptions.get(m)?.owned ?? []) {
      const key = tpKey(tp);
      if (!valid.has(key)) continue;
      const other = ownerOf.get(key);
      if (other === undefined) {
        owned.get(m)!.push(tp);
        ownerOf.set(key, m);
      } else if (generationOf(m) === generationOf(other)) {
        multiple.add(key);
        drop(other, key);
        ownerOf.set(key, m);
      } else if (generationOf(m) > generationOf(other)) {
        owned.get(m)!.push(tp);
        drop(other, key);
        ownerOf.set(key, m);
      }
    }
  }
  return { owned, multiple };
}

/**
 * CooperativeStickyAssignor.assignPartitions: the sticky assignment, without the partitions
 * that change owner this round (they are assigned at the next rebalance).
 */
export function cooperativeStickyAssign(
  members: readonly string[],
  subscriptions: ReadonlyMap<string, MemberSubscription>,
  topics: readonly TopicSpec[],
): Map<string, TopicPartition[]> {
  const sorted = [...members].sort();
  const all: TopicPartition[] = [];
  for (const t of topics) for (let p = 0; p < t.partitions; p++) all.push({ topic: t.name, partition: p });
  const { owned, multiple } = ownedPartitions(sorted, subscriptions, new Set(all.map(tpKey)));
  const b = new ConstrainedBuilder(sorted, all.length, multiple);
  b.assignOwned(owned);
  const unassigned = all
    .filter((tp) => !b.assigned.has(tpKey(tp)))
    .sort((x, y) => x.partition - y.partition || x.topic.localeCompare(y.topic));
  b.assignRoundRobin(unassigned);
  // adjustAssignment: the partitions transferring ownership wait for the next rebalance
  for (const [key, m] of b.transferring) {
    const l = b.assignment.get(m)!;
    l.splice(
      l.findIndex((tp) => tpKey(tp) === key),
      1,
    );
  }
  return b.assignment;
}

/** AbstractStickyAssignor.ConstrainedAssignmentBuilder, without racks. */
class ConstrainedBuilder {
  readonly assignment: Map<string, TopicPartition[]>;
  readonly assigned = new Set<string>();
  /** partition → the member it moves to (partitionsTransferringOwnership). */
  readonly transferring = new Map<string, string>();
  private readonly maybeRevoked = new Map<string, string>();
  private readonly underMin: string[] = [];
  private exactlyMin: string[] = [];
  private readonly minQuota: number;
  private readonly maxQuota: number;
  private readonly expectedOver: number;
  private currentOver = 0;

  constructor(
    private readonly members: readonly string[],
    total: number,
    private readonly multiple: ReadonlySet<string>,
  ) {
    this.minQuota = Math.floor(total / members.length);
    this.maxQuota = Math.ceil(total / members.length);
    this.expectedOver = total % members.length;
    this.assignment = new Map(members.map((m) => [m, []]));
  }

  private take(m: string, tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      this.assignment.get(m)!.push(tp);
      this.assigned.add(tpKey(tp));
    }
  }

  /** assignOwnedPartitions. */
  assignOwned(owned: ReadonlyMap<string, TopicPartition[]>): void {
    for (const m of this.members) {
      const mine = (owned.get(m) ?? [])
        .filter((tp) => !this.multiple.has(tpKey(tp)))
        .sort((x, y) => x.partition - y.partition || x.topic.localeCompare(y.topic));
      if (mine.length < this.minQuota) {
        this.take(m, mine);
        this.underMin.push(m);
        continue;
      }
      const over = mine.length >= this.maxQuota && this.currentOver < this.expectedOver;
      const keep = over ? this.maxQuota : this.minQuota;
      if (over && ++this.currentOver === this.expectedOver) this.exactlyMin = [];
      this.take(m, mine.slice(0, keep));
      for (const tp of mine.slice(keep)) this.maybeRevoked.set(tpKey(tp), m);
      if (!over && this.currentOver < this.expectedOver) this.exactlyMin.push(m);
    }
    this.underMin.sort();
    this.exactlyMin.sort();
  }

  /** assignNewPartition: returns the member's count. */
  private assignNew(tp: TopicPartition, m: string): number {
    const key = tpKey(tp);
    this.take(m, [tp]);
    const from = this.maybeRevoked.get(key);
    if ((from !== undefined && from !== m) || this.multiple.has(key)) this.transferring.set(key, m);
    return this.assignment.get(m)!.length;
  }

  /** assignRoundRobin: the under-minQuota members in turn, then those at minQuota. */
  assignRoundRobin(unassigned: readonly TopicPartition[]): void {
    let i = 0;
    for (const tp of unassigned) {
      let m: string;
      let fromUnder = true;
      if (i < this.underMin.length) m = this.underMin[i++];
      else if (this.underMin.length === 0) {
        const next = this.exactlyMin.shift();
        if (next === undefined) throw new Error('cooperative-sticky: no more unfilled members');
        m = next;
        fromUnder = false;
      } else {
        i = 0;
        m = this.underMin[i++];
      }
      const count = this.assignNew(tp, m);
      if (count === this.minQuota && fromUnder) {
        this.underMin.splice(--i, 1);
        this.exactlyMin.push(m);
      } else if (count === this.maxQuota && ++this.currentOver === this.expectedOver) this.exactlyMin = [];
    }
  }
}
