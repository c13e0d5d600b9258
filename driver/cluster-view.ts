// What the driver knows of the cluster without stopping it: the controller's record of each
// partition, kept up to date from the model's 'partition' probe events. Fault targets ("the
// leader of partition 0"), derived triggers (leader change, ISR change), rolling restarts
// ("wait until the ISRs are full") and the promise tracker read it.
//
// Assumes the model announces every change of a partition's controller record as a
// 'partition' probe (model/cluster-api.ts ModelProbe) and that a scenario has one topic.

import type { ModelProbe } from '../model/cluster-api.ts';

/** The model's 'partition' probe: the controller's record for one partition. */
type PartitionProbe = Extract<ModelProbe, { kind: 'partition' }>;

export interface PartitionRecord {
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  replicas: readonly number[];
  isr: readonly number[];
  elr: readonly number[];
}

export interface PartitionChange {
  partition: number;
  previous: PartitionRecord | undefined;
  current: PartitionRecord;
}

export class ClusterView {
  private readonly records = new Map<number, PartitionRecord>();
  /** The ISR before the latest change, per partition. */
  private readonly previousIsr = new Map<number, readonly number[]>();

  constructor(
    readonly topic: string,
    readonly brokerIds: readonly number[],
  ) {}

  /** Applies a 'partition' probe; returns the change, or undefined when it is another topic. */
  applyPartitionEvent(ev: PartitionProbe): PartitionChange | undefined {
    if (ev.topic !== this.topic) return undefined;
    const previous = this.records.get(ev.partition);
    const current: PartitionRecord = {
      leader: ev.leader,
      leaderEpoch: ev.leaderEpoch,
      partitionEpoch: ev.partitionEpoch,
      replicas: ev.replicas.slice(),
      isr: ev.isr.slice(),
      elr: ev.elr.slice(),
    };
    if (previous !== undefined) this.previousIsr.set(ev.partition, previous.isr);
    this.records.set(ev.partition, current);
    return { partition: ev.partition, previous, current };
  }

  record(partition: number): PartitionRecord | undefined {
    return this.records.get(partition);
  }

  partitions(): number[] {
    return [...this.records.keys()].sort((a, b) => a - b);
  }

  /** The leader of a partition, or undefined while it is unknown or leaderless. */
  leader(partition: number): number | undefined {
    const r = this.records.get(partition);
    return r === undefined || r.leader < 0 ? undefined : r.leader;
  }

  /** The replicas of a partition that are not its leader, in assignment order. */
  followers(partition: number): number[] {
    const r = this.records.get(partition);
    if (r === undefined) return [];
    return r.replicas.filter((b) => b !== r.leader);
  }

  currentIsr(partition: number): readonly number[] | undefined {
    return this.records.get(partition)?.isr;
  }

  isrBeforeLatestChange(partition: number): readonly number[] | undefined {
    return this.previousIsr.get(partition);
  }

  /** Every known partition has its full replica set in the ISR. */
  allIsrsFull(): boolean {
    if (this.records.size === 0) return false;
    for (const r of this.records.values()) {
      if (r.leader < 0 || r.isr.length < r.replicas.length) return false;
    }
    return true;
  }

  /** Partitions that `broker` replicates. */
  partitionsOf(broker: number): number[] {
    const out: number[] = [];
    for (const [p, r] of this.records) if (r.replicas.includes(broker)) out.push(p);
    return out;
  }
}

/** Members of `next` not in `prev` (added) and of `prev` not in `next` (removed). */
export function isrDiff(
  prev: readonly number[] | undefined,
  next: readonly number[],
): { added: number[]; removed: number[] } {
  if (prev === undefined) return { added: [], removed: [] };
  return { added: next.filter((b) => !prev.includes(b)), removed: prev.filter((b) => !next.includes(b)) };
}
