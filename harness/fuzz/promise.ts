// Judges whether a run went beyond what Kafka promises to survive (DESIGN §4, issue 5).
// - Durability: a power loss that, when it strikes, leaves min.insync.replicas or more of
//   some partition's replicas "damaged". A broker is damaged from its power loss until it has
//   recovered: it is up again and its replica of every partition has re-fetched up to the
//   high watermark the partition's leader had announced when the power went out (everything
//   acknowledged before the loss is back on it). Any anomaly of such a run is expected.
// - Availability: the same count over unclean shutdowns (power loss or kill -9, which Kafka
//   cannot tell apart: both leave the ELR, KIP-966). Past it a partition may stay leaderless
//   without unclean election, so liveness failures of such a run are expected; data loss
//   still is a violation.
//
// Assumes:
// - `minInsync` is the scenario's own min.insync.replicas, before any variant is laid over
//   it: the promise is the one the scenario's operator was given, so a variant that weakens
//   the configuration (min-insync-1) still has its losses counted as violations.
// - The model announces every change of a replica's HW or LEO as a 'replica' probe, and
//   every change of a partition's controller record as a 'partition' probe (ClusterView).
// Clean shutdowns and controller crashes never count.

import type { ClusterView } from './cluster-view.ts';

interface Damage {
  /** Partition → the LEO the broker must reach again. */
  need: Map<number, number>;
  /** Partitions whose controller record listed the broker in the ISR after its restart. */
  inIsr: Set<number>;
  restarted: boolean;
}

/**
 * Brokers not yet recovered. With `needIsr`, recovering a partition also takes a controller
 * record, announced after the restart, that lists the broker in the ISR again (it is
 * electable again), not only the data back on it.
 */
class DamageSet {
  readonly brokers = new Map<number, Damage>();
  constructor(private readonly needIsr: boolean) {}

  add(b: number, targets: Map<number, number>): void {
    const d = this.brokers.get(b) ?? { need: new Map<number, number>(), inIsr: new Set<number>(), restarted: false };
    for (const [p, t] of targets) d.need.set(p, Math.max(d.need.get(p) ?? 0, t));
    d.inIsr.clear();
    d.restarted = false;
    this.brokers.set(b, d);
  }

  progress(b: number, partition: number, leo: number): void {
    const d = this.brokers.get(b);
    if (d === undefined) return;
    const target = d.need.get(partition);
    if (target !== undefined && leo >= target) d.need.set(partition, 0);
    this.settle(b, d, partition);
  }

  isrChanged(partition: number, isr: readonly number[]): void {
    for (const [b, d] of this.brokers) {
      if (!d.restarted) continue;
      if (isr.includes(b)) d.inIsr.add(partition);
      else d.inIsr.delete(partition);
      this.settle(b, d, partition);
    }
  }

  restartedNow(b: number): void {
    const d = this.brokers.get(b);
    if (d === undefined) return;
    d.restarted = true;
    for (const p of [...d.need.keys()]) {
      if (p === -1) d.need.delete(p);
      else this.settle(b, d, p);
    }
    if (d.need.size === 0) this.brokers.delete(b);
  }

  private settle(b: number, d: Damage, p: number): void {
    if (!d.restarted || d.need.get(p) !== 0) return;
    if (this.needIsr && !d.inIsr.has(p)) return;
    d.need.delete(p);
    if (d.need.size === 0) this.brokers.delete(b);
  }

  /** Damaged replicas of a partition (-1 = assignment unknown at the time: counts for all). */
  countFor(partition: number, replicas: readonly number[]): number {
    let count = 0;
    for (const [b, d] of this.brokers) if (d.need.has(partition) || (d.need.has(-1) && replicas.includes(b))) count++;
    return count;
  }
}

export class PromiseTracker {
  /** Highest HW any leader announced, per partition. */
  private readonly leaderHw = new Map<number, number>();
  /** Lost unflushed data (power loss): the durability promise. */
  private readonly lostData = new DamageSet(false);
  /** Shut down uncleanly (power loss or kill -9): Kafka drops them from the ELR (KIP-966). */
  private readonly unclean = new DamageSet(true);
  private beyond = false;
  private beyondAvailability = false;

  constructor(
    private readonly minInsync: number,
    private readonly view: ClusterView,
    private readonly isUp: (broker: number) => boolean,
  ) {}

  /** The run went beyond the durability promise at some point: every loss is expected. */
  get beyondPromise(): boolean {
    return this.beyond;
  }

  /**
   * The run went beyond the availability promise: ≥ min.insync.replicas replicas of a
   * partition shut down uncleanly (kill -9 included, which Kafka cannot tell from a power
   * loss) before recovering, so the partition may stay leaderless (no ISR, no ELR) without
   * unclean election. Liveness failures are then expected; data loss is not.
   */
  get beyondAvailabilityPromise(): boolean {
    return this.beyond || this.beyondAvailability;
  }

  /** Marks the run as beyond the promise (a fault the generator labelled so has fired). */
  markBeyond(): void {
    this.beyond = true;
  }

  /** Feed every 'replica' probe of the scenario's topic. */
  onReplica(broker: number, partition: number, role: string, hw: number, leo: number): void {
    if (role === 'leader' && hw > (this.leaderHw.get(partition) ?? 0)) this.leaderHw.set(partition, hw);
    if (!this.isUp(broker)) return;
    if (this.unclean.brokers.size > 0) this.unclean.progress(broker, partition, leo);
    if (this.lostData.brokers.size > 0) this.lostData.progress(broker, partition, leo);
  }

  /** A broker restarted: partitions with nothing to re-fetch are recovered at once. */
  onRestart(broker: number): void {
    this.unclean.restartedNow(broker);
    this.lostData.restartedNow(broker);
  }

  /** Feed every controller record change of the scenario's topic. */
  onPartition(partition: number, isr: readonly number[]): void {
    if (this.unclean.brokers.size > 0) this.unclean.isrChanged(partition, isr);
  }

  /** Brokers are killed (-9) now: no data lost, but an unclean shutdown. Returns true when beyond the availability promise. */
  crash(brokers: readonly number[]): boolean {
    for (const b of brokers) this.unclean.add(b, this.targetsOf(b));
    const now = this.exceeds(this.unclean);
    if (now) this.beyondAvailability = true;
    return now;
  }

  /**
   * Brokers lose power now. Returns true when this takes the run beyond the durability
   * promise: some partition then has ≥ min.insync.replicas replicas that lost data.
   */
  powerLoss(brokers: readonly number[]): boolean {
    for (const b of brokers) {
      const targets = this.targetsOf(b);
      this.lostData.add(b, targets);
      this.unclean.add(b, targets);
    }
    if (this.exceeds(this.unclean)) this.beyondAvailability = true;
    const now = this.exceeds(this.lostData);
    if (now) this.beyond = true;
    return now;
  }

  damagedBrokers(): number[] {
    return [...this.lostData.brokers.keys()].sort((a, b) => a - b);
  }

  /** What broker b must re-fetch, per partition it replicates: the leader HW right now. */
  private targetsOf(b: number): Map<number, number> {
    const partitions = this.view.partitions();
    const targets = new Map<number, number>();
    if (partitions.length === 0) targets.set(-1, 0);
    for (const p of partitions) {
      if (!this.view.record(p)!.replicas.includes(b)) continue;
      targets.set(p, this.leaderHw.get(p) ?? 0);
    }
    return targets;
  }

  private exceeds(set: DamageSet): boolean {
    const partitions = this.view.partitions();
    if (partitions.length === 0) return set.brokers.size >= this.minInsync;
    for (const p of partitions) if (set.countFor(p, this.view.record(p)!.replicas) >= this.minInsync) return true;
    return false;
  }
}
