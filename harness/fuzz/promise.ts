// Judges whether a run went beyond what Kafka promises to survive (DESIGN §4, issue 5): a
// power loss that, when it strikes, leaves min.insync.replicas or more of some partition's
// replicas "damaged". A broker is damaged from its power loss until it has recovered: it is
// up again and its replica of every partition has re-fetched up to the high watermark the
// partition's leader had announced when the power went out (everything acknowledged before
// the loss is back on it). A loss in such a run is expected, not a violation.
//
// Assumes:
// - `minInsync` is the scenario's own min.insync.replicas, before any variant is laid over
//   it: the promise is the one the scenario's operator was given, so a variant that weakens
//   the configuration (min-insync-1) still has its losses counted as violations.
// - The model announces every change of a replica's HW or LEO as a 'replica' probe, and
//   every change of a partition's controller record as a 'partition' probe (ClusterView).
// Process crashes and clean shutdowns lose nothing and never count.

import type { ClusterView } from './cluster-view.ts';

export class PromiseTracker {
  /** Highest HW any leader announced, per partition. */
  private readonly leaderHw = new Map<number, number>();
  /** Damaged broker → partition → the LEO it must reach again. */
  private readonly damaged = new Map<number, Map<number, number>>();
  private beyond = false;

  constructor(
    private readonly minInsync: number,
    private readonly view: ClusterView,
    private readonly isUp: (broker: number) => boolean,
  ) {}

  /** The run went beyond the promise at some point. */
  get beyondPromise(): boolean {
    return this.beyond;
  }

  /** Marks the run as beyond the promise (a fault the generator labelled so has fired). */
  markBeyond(): void {
    this.beyond = true;
  }

  /** Feed every 'replica' probe of the scenario's topic. */
  onReplica(broker: number, partition: number, role: string, hw: number, leo: number): void {
    if (role === 'leader' && hw > (this.leaderHw.get(partition) ?? 0)) this.leaderHw.set(partition, hw);
    if (this.damaged.size === 0) return;
    const need = this.damaged.get(broker);
    if (need === undefined) return;
    const target = need.get(partition);
    if (target !== undefined && leo >= target && this.isUp(broker)) {
      need.delete(partition);
      if (need.size === 0) this.damaged.delete(broker);
    }
  }

  /** A broker restarted: partitions with nothing to re-fetch are recovered at once. */
  onRestart(broker: number): void {
    const need = this.damaged.get(broker);
    if (need === undefined) return;
    for (const [p, target] of need) if (target <= 0) need.delete(p);
    if (need.size === 0) this.damaged.delete(broker);
  }

  /**
   * Brokers lose power now. Returns true when this takes the run beyond the promise: some
   * partition then has ≥ min.insync.replicas damaged replicas.
   */
  powerLoss(brokers: readonly number[]): boolean {
    const partitions = this.view.partitions();
    for (const b of brokers) {
      const need = this.damaged.get(b) ?? new Map<number, number>();
      for (const p of partitions) {
        if (!this.view.record(p)!.replicas.includes(b)) continue;
        const hw = this.leaderHw.get(p) ?? 0;
        need.set(p, Math.max(need.get(p) ?? 0, hw));
      }
      if (partitions.length === 0) need.set(-1, 0);
      this.damaged.set(b, need);
    }
    let beyondNow = false;
    if (partitions.length === 0) {
      // Before the controller announced any assignment: count over all brokers.
      beyondNow = this.damaged.size >= this.minInsync;
    } else {
      for (const p of partitions) {
        let count = 0;
        for (const [b, need] of this.damaged) if (need.has(p) || (need.has(-1) && this.view.record(p)!.replicas.includes(b))) count++;
        if (count >= this.minInsync) beyondNow = true;
      }
    }
    if (beyondNow) this.beyond = true;
    return beyondNow;
  }

  damagedBrokers(): number[] {
    return [...this.damaged.keys()].sort((a, b) => a - b);
  }
}
