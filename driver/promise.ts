// Judges whether a run went beyond what Kafka promises to survive (DESIGN §4, issue 5).
// - Unclean shutdowns: power loss or kill -9 (Kafka cannot tell them apart: no clean-shutdown
//   marker), and a clean stop of an incarnation that had not registered yet (its marker holds
//   broker epoch -1; the controller announces that judgement in its 'unclean-shutdown' probe,
//   before the partition changes it causes). A
//   broker stays "uncleanly down" from then until it is up, has re-fetched up to the high
//   watermark its partitions had when it went down, and a controller record lists it in the
//   ISR again. KIP-966 removes such a broker from every ISR and ELR when it re-registers.
// - Availability: no count of unclean shutdowns excuses a partition that stays offline.
//   When they empty its ISR and ELR, Kafka elects the last known leader (LastKnownElr) again
//   once it is back (KIP-966: "if only ELR is delivered, there is no regression in
//   availability"), and every broker is back after the heal. So only a run beyond the
//   durability promise has its liveness failures expected.
// - Durability: a power loss loses the unflushed suffix. A broker "lost data" from its power
//   loss until it has re-fetched up to the high watermark of that moment. Kafka keeps
//   acknowledged writes (a) while fewer than min.insync.replicas replicas of a partition lost
//   data at once, and (b) while no broker that lost data is elected from outside the ISR and
//   ELR. (b) is KIP-966's last known leader (PartitionChangeBuilder canElectLastKnownLeader,
//   or an unclean election): once every ISR/ELR member has shut down uncleanly, Kafka elects
//   the partition's last leader again when it is back, whatever it lost, and the others
//   truncate to it. KIP-966 promises "MinISR-1 tolerance to data loss unclean shutdown
//   events"; an empty ISR and ELR means min.insync.replicas or more unclean shutdowns. A run
//   past (a) or (b) is beyond the promise: every anomaly of it is expected. Without a power
//   loss nothing is lost: a killed broker keeps its page cache, and the last known leader
//   holds everything committed while it led.
//
// Assumes:
// - `minInsync` is the scenario's own min.insync.replicas, before any variant is laid over
//   it: the promise is the one the scenario's operator was given, so a variant that weakens
//   the configuration (min-insync-1) still has its losses counted as violations.
// - The model announces every change of a replica's HW or LEO as a 'replica' probe, and
//   every change of a partition's controller record as a 'partition' probe (ClusterView).
// Clean shutdowns and controller crashes never count.

import type { Anomaly } from '../checkers/verdict.ts';
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

  /** A broker that is up already (restarted) joins the set, e.g. when its registration reveals an unclean shutdown. */
  addRestarted(b: number, targets: Map<number, number>): void {
    this.add(b, targets);
    this.restartedNow(b);
  }

  has(b: number): boolean {
    return this.brokers.has(b);
  }

  /** Broker b is damaged for this partition (or for every partition, when its damage predates the assignment). */
  isDamaged(b: number, partition: number): boolean {
    const d = this.brokers.get(b);
    return d !== undefined && (d.need.has(partition) || d.need.has(-1));
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
   * The run went beyond the availability promise: only when it went beyond the durability
   * promise (see the header: unclean shutdowns alone never leave a partition offline in
   * Kafka, which elects the last known leader).
   */
  get beyondAvailabilityPromise(): boolean {
    return this.beyond;
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

  /** Feed every controller record change of the scenario's topic (previous: the record before, if any). */
  onPartition(
    partition: number,
    isr: readonly number[],
    previous?: { readonly leader: number; readonly isr: readonly number[]; readonly elr: readonly number[] },
    leader?: number,
  ): void {
    if (this.unclean.brokers.size > 0) this.unclean.isrChanged(partition, isr);
    // (b): a leader elected from outside the ISR and ELR (the last known leader; the same
    // change may first empty the ELR, an unclean restart removing its last member), while it
    // has not got back what its power loss took.
    if (
      previous !== undefined &&
      leader !== undefined &&
      leader >= 0 &&
      previous.leader < 0 &&
      !previous.isr.includes(leader) &&
      !previous.elr.includes(leader) &&
      this.lostData.isDamaged(leader, partition) &&
      // KIP-966's precondition, asserted rather than assumed: an ISR and ELR emptied by
      // fewer unclean shutdowns would be a model bug, not a run beyond the promise.
      this.unclean.countFor(partition, this.view.record(partition)?.replicas ?? []) >= this.minInsync
    ) {
      this.beyond = true;
    }
  }

  /**
   * Brokers are killed (-9) now: no data lost, but an unclean shutdown. Returns whether this
   * takes the run beyond the availability promise, which it never does (see the header).
   */
  crash(brokers: readonly number[]): boolean {
    for (const b of brokers) this.unclean.add(b, this.targetsOf(b));
    return false;
  }

  /**
   * Brokers lose power now. Returns true when this takes the run beyond the durability
   * promise by (a): some partition then has ≥ min.insync.replicas replicas that lost data.
   */
  powerLoss(brokers: readonly number[]): boolean {
    for (const b of brokers) {
      const targets = this.targetsOf(b);
      this.lostData.add(b, targets);
      this.unclean.add(b, targets);
    }
    const now = this.exceeds(this.lostData);
    if (now) this.beyond = true;
    return now;
  }

  /**
   * The controller accepted a registration of `broker` and judged the previous incarnation's
   * shutdown unclean. A kill -9 or power loss is counted already; a clean stop of an
   * incarnation that never registered is counted from now on.
   */
  onUncleanRegistration(broker: number): void {
    if (this.unclean.has(broker)) return;
    this.unclean.addRestarted(broker, this.targetsOf(broker));
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

/**
 * Duplicates Kafka's idempotence does not cover. An idempotent producer whose batch expired
 * with its outcome unknown, or whose retries the broker refuses as out of order (the batch is
 * older than the five the broker remembers per producer), restarts the partition's sequences
 * under a new identity (KIP-360: TransactionManager.bumpIdempotentProducerEpoch, then
 * startSequencesAtBeginning; the model takes a new producer id, Kafka's fallback). Batches it
 * re-sends that way may already have been appended; the broker cannot recognise them and
 * appends them again (KAFKA-14034). A `duplicate` of values the model announced as re-sent so
 * (the 'producer-resequenced' probe) is therefore a Kafka anomaly beyond what idempotence
 * promises: expected, not a violation. It is never a loss. Any other duplicate stays a
 * violation (the broker failed to dedupe a retry).
 */
export class ResequencedValues {
  private readonly byPartition = new Map<string, Set<string>>();

  /** Feed every 'producer-resequenced' probe. */
  add(topic: string, partition: number, values: readonly string[]): void {
    const key = `${topic}/${partition}`;
    let set = this.byPartition.get(key);
    if (set === undefined) this.byPartition.set(key, (set = new Set()));
    for (const v of values) set.add(v);
  }

  /**
   * The verdict with every duplicate of re-sent values marked expected, and with the poll
   * anomalies that follow from it: the checker places a value at its first offset, so a
   * consumer reading the second copy seems to go back (nonmonotonic-poll) and then to skip
   * ahead (poll-skip), although its offsets only grow.
   */
  relabel<V extends { anomalies: Anomaly[] }>(verdict: V): V {
    if (this.byPartition.size === 0) return verdict;
    const duplicated = new Set<string>();
    let anomalies = verdict.anomalies.map((a) => {
      if (a.kind !== 'duplicate' || a.expected === true || a.topic === undefined || a.partition === undefined) return a;
      const set = this.byPartition.get(`${a.topic}/${a.partition}`);
      const values = a.values ?? [];
      if (set === undefined || values.length === 0 || !values.every((v) => set.has(v))) return a;
      for (const v of values) duplicated.add(`${a.topic}/${a.partition}\u0000${v}`);
      return {
        ...a,
        expected: true,
        explanation: `${a.explanation} The producer re-sent it under a new producer identity after an earlier batch's outcome became unknown (KIP-360 sequence reset): Kafka's idempotence does not cover that resend, so this duplicate is a Kafka anomaly, not a loss.`,
      };
    });
    if (duplicated.size === 0) return verdict;
    anomalies = anomalies.map((a) => {
      if ((a.kind !== 'nonmonotonic-poll' && a.kind !== 'poll-skip') || a.expected === true || a.topic === undefined) return a;
      const [from, to] = a.values ?? [];
      const key = `${a.topic}/${a.partition}\u0000`;
      const culprit = [from, to].find((v) => v !== undefined && duplicated.has(key + v));
      if (culprit === undefined) return a;
      return {
        ...a,
        expected: true,
        explanation: `${a.explanation} A consequence of the duplicate of ${JSON.stringify(culprit)} above: its second copy sits later in the log than the checker's position for it.`,
      };
    });
    return { ...verdict, anomalies };
  }
}
