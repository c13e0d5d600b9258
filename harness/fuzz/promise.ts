// Judges whether a run went beyond what Kafka promises to survive (DESIGN §4, issue 5): a
// power loss that, when it strikes, leaves min.insync.replicas or more of some partition's
// replicas "damaged" (they lost unflushed data and have not yet recovered, i.e. are not yet
// back up and in the ISR of every partition they replicate). A loss in such a run is
// expected, not a violation.
//
// Assumes `minInsync` is the scenario's own min.insync.replicas, before any variant is laid
// over it: the promise is the one the scenario's operator was given, so a variant that
// weakens the configuration (min-insync-1) still has its losses counted as violations.
// Process crashes and clean shutdowns lose nothing and never count.

import type { ClusterView } from './cluster-view.ts';

export class PromiseTracker {
  /** Brokers that lost power and have not recovered. */
  private readonly damaged = new Set<number>();
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

  /**
   * Brokers lose power now. Returns true when this takes the run beyond the promise: some
   * partition then has ≥ min.insync.replicas damaged replicas.
   */
  powerLoss(brokers: readonly number[]): boolean {
    for (const b of brokers) this.damaged.add(b);
    const partitions = this.view.partitions();
    let beyondNow = false;
    if (partitions.length === 0) {
      // Before the controller announced any assignment: count over all brokers.
      beyondNow = this.damaged.size >= this.minInsync;
    } else {
      for (const p of partitions) {
        const r = this.view.record(p)!;
        let count = 0;
        for (const b of r.replicas) if (this.damaged.has(b)) count++;
        if (count >= this.minInsync) beyondNow = true;
      }
    }
    if (beyondNow) this.beyond = true;
    return beyondNow;
  }

  /** Re-evaluates recovery (after ISR changes and restarts). */
  refresh(): void {
    if (this.damaged.size === 0) return;
    for (const b of [...this.damaged]) {
      if (!this.isUp(b)) continue;
      const parts = this.view.partitionsOf(b);
      if (parts.length === 0) continue;
      if (parts.every((p) => this.view.currentIsr(p)?.includes(b) === true)) this.damaged.delete(b);
    }
  }

  damagedBrokers(): number[] {
    return [...this.damaged].sort((a, b) => a - b);
  }
}
