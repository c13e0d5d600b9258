// The one authority on what Kafka promises to survive (DESIGN §4, issues 5 and 10): the
// tracker records each breach of the promise as it happens (which rule, which partition,
// when, which event), and expectedBecause() alone decides whether an anomaly is expected and
// names the breach that makes it so. Nothing else labels faults or anomalies. The rules:
// - 'min-isr-power-loss' (durability (a) below; KIP-966 "MinISR-1 tolerance");
// - 'last-known-leader-elected' (durability (b) below; KIP-966, PartitionChangeBuilder);
// - 'kip-360-resend' (ResentValues and AppendIdentities below; KIP-360, KAFKA-14034);
// - 'producer-state-lost' (a leader with no state for a producer took its retry as new, then its
//   next retries in sequence: onProducerStateLost and AppendIdentities below; ProducerAppendInfo
//   .checkSequence);
// - 'admin-unclean-election' (an operator's kafka-leader-election.sh --election-type UNCLEAN
//   that elected a replica from outside the ISR and ELR: ReplicationControlManager.electLeader
//   with PartitionChangeBuilder.Election.UNCLEAN; in ZooKeeper mode, from outside the ISR read:
//   KafkaController.onReplicaElection with OfflinePartitionLeaderElectionStrategy(allowUnclean =
//   true); the operator accepted losing committed records, so the run is beyond the durability promise).
// Why each holds:
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
//   availability"), and every broker is back after the heal. So a liveness failure is never
//   expected, not even in a run beyond the durability promise (issue 18 item 6).
// - Durability: a power loss loses the unflushed suffix. A broker "lost data" from its power
//   loss until it has re-fetched up to the high watermark of that moment. Kafka keeps
//   acknowledged writes (a) while fewer than min.insync.replicas replicas of a partition lost
//   data at once, and (b) while no broker that lost data is elected from outside the ISR and
//   ELR. (b) is KIP-966's last known leader (PartitionChangeBuilder canElectLastKnownLeader,
//   or an unclean election): once every ISR/ELR member has shut down uncleanly, Kafka elects
//   the partition's last leader again when it is back, whatever it lost, and the others
//   truncate to it. KIP-966 promises "MinISR-1 tolerance to data loss unclean shutdown
//   events"; an empty ISR and ELR means min.insync.replicas or more unclean shutdowns. A run
//   past (a) or (b) is beyond the promise for the records sent before that breach: their
//   loss, and what a loss leads to (their offsets reused, a consumer that read them, a
//   replica elected without them), is expected; nothing else is (records sent after the
//   breach, duplicates other than KIP-360 resends, liveness: expectedBecause), but in
//   ZooKeeper mode the loss of a record acknowledged after the breach at an offset committed
//   at it or below the log end the brokers losing power then had (reopenedInEpoch: the damaged
//   leader may keep its epoch), and a duplicate whose lower copies sit at offsets committed at
//   it, of a record sent after it or re-taken there since it by a leader
//   without its producer's state, or whose lower copies the damaged leader itself lost and whose
//   retry it took again after leading the kept epoch, or whose KIP-360 resend it took in the kept
//   epoch and another leader took again (reopened-copy). Without a power
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

import type { ClusterSnapshot } from '../checkers/cluster-state.ts';
import type { AssignmentValue, History } from '../checkers/history.ts';
import type { Anomaly, PromiseBreach } from '../checkers/verdict.ts';
import { OFFSETS_TOPIC, PROBE_CLIENT_ID, TXN_STATE_TOPIC } from '../model/config.ts';
import { type GroupHandOut, groupRecordHandOuts, partitionFor } from '../model/group-host.ts';
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

  /**
   * Broker b must (again) reach `target` on `partition`, keeping whether it has restarted
   * since it went down: records it lost earlier became committed since.
   */
  extend(b: number, partition: number, target: number, restarted: boolean): void {
    let d = this.brokers.get(b);
    if (d === undefined) {
      d = { need: new Map<number, number>(), inIsr: new Set<number>(), restarted };
      this.brokers.set(b, d);
    }
    d.need.set(partition, Math.max(d.need.get(partition) ?? 0, target));
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

  /** The damaged replicas countFor counts, in id order. */
  damagedOf(partition: number, replicas: readonly number[]): number[] {
    const out: number[] = [];
    for (const [b, d] of this.brokers) {
      if (d.need.has(partition) || (d.need.has(-1) && replicas.includes(b))) out.push(b);
    }
    return out.sort((x, y) => x - y);
  }
}

/** The rules a breach names (PromiseBreach.rule). */
type PromiseRule =
  | 'min-isr-power-loss'
  | 'last-known-leader-elected'
  | 'kip-360-resend'
  | 'producer-state-lost'
  | 'admin-unclean-election';

/** Rules that take the whole run beyond the durability promise (every anomaly of it expected). */
const DURABILITY_RULES: ReadonlySet<string> = new Set<PromiseRule>([
  'min-isr-power-loss',
  'last-known-leader-elected',
  'admin-unclean-election',
]);

/**
 * Records the breaches of Kafka's promise as the run goes. Fed by the driver: every
 * 'replica', 'partition', 'unclean-shutdown' and 'producer-resequenced' probe, every
 * restart, and every crash and power loss the fault injector carries out.
 */
export class PromiseTracker {
  /** Every breach so far, in the order they happened (the companion's too: one shared list). */
  readonly breaches: PromiseBreach[];
  /**
   * The trackers of `__consumer_offsets` (issue 15), when the workload has a consumer group,
   * and of `__transaction_state` (issue 17), when it has transactional producers: the same
   * rules over those topics' partitions; their breaches are this tracker's, and every restart,
   * registration, crash and power loss reaches them too.
   */
  private readonly companions: PromiseTracker[] = [];
  /** offsets.topic.num.partitions, once a companion tracks `__consumer_offsets` (groups hash onto them). */
  private offsetsPartitions: number | undefined;
  /** Values re-sent under a new producer identity (KIP-360). */
  readonly resent = new ResentValues();
  /** Set by the driver before judging: partitions left with a hanging transaction (KafkaCluster.hangingTransactions) */
  hangingTransactions: ReadonlyMap<string, number> = new Map();
  /** Set by the driver before judging: producers stuck on a wedged transactional id (wedgedTxnProducers). */
  wedgedTxnProducers: ReadonlyMap<number, number> = new Map();
  /** Set by the driver when the liveness window closes: the hanging transactions then (hangingTransactions). */
  hangingAtLivenessEnd: ReadonlyMap<string, number> = new Map();
  /** Set by the driver when the workload's deadline passes: the wedged producers then (wedgedTxnProducers). */
  wedgedAtWorkloadDeadline: ReadonlyMap<number, number> = new Map();
  /** Set by the driver before judging: producers stuck on their group's hanging offsets (offsetsHungTxnProducers). */
  offsetsHungTxnProducers: ReadonlyMap<number, number> = new Map();
  /** Set by the driver when the workload's deadline passes: those producers then (offsetsHungTxnProducers). */
  offsetsHungAtWorkloadDeadline: ReadonlyMap<number, number> = new Map();
  /** The producer id and epoch of each record leaders appended. */
  readonly appended = new AppendIdentities();
  /** Where each producer's transaction state lives, and its markers' appends (TxnOutcomes). */
  readonly txnOutcomes = new TxnOutcomes();
  /** When a group coordinator wrote each hand-out of a generation to a member (the companion's too). */
  readonly handOuts: GroupHandOuts;
  /** Highest HW any leader announced, per partition. */
  private readonly leaderHw = new Map<number, number>();
  /**
   * Per partition, the ISR its leader last proposed in an AlterPartition still in flight (until
   * the controller's record of the partition changes): a proposed expansion is in the leader's
   * maximal ISR at once (Partition PendingExpandIsr.maximalIsr = isr + the new member).
   */
  private readonly proposedIsr = new Map<number, { leader: number; isr: readonly number[] }>();
  /**
   * Each durability breach → the highest leader HW of each partition of the breach's topic when
   * it happened (shared with the companion, whose breaches are of its own topic).
   */
  readonly hwAtBreach: Map<PromiseBreach, ReadonlyMap<number, number>>;
  /**
   * Each breach made by a power loss (ownPowerLoss) → the highest log end offset of each
   * partition of the breach's topic that the brokers losing power then had announced: what a
   * leader among them held, and may reopen in the same leader epoch in ZooKeeper mode
   * (gapReopenedInEpoch). Shared with the companion, as hwAtBreach is.
   */
  readonly leoAtPowerLoss: Map<PromiseBreach, ReadonlyMap<number, number>>;
  /**
   * Each breach this tracker's own power loss made (ownPowerLoss) → each broker that lost power
   * then → partition → the first log end offset it announced once up again: its recovered log's
   * end (LogLoader.load), what it kept of what it held (reopenedCopies).
   */
  readonly recoveredLeo = new Map<PromiseBreach, ReadonlyMap<number, ReadonlyMap<number, number>>>();
  /** Broker → partition → the first log end offset it announced up since its last power loss. */
  private readonly leoSincePowerLoss = new Map<number, Map<number, number>>();
  /** Lost unflushed data (power loss): the durability promise. */
  private readonly lostData = new DamageSet(false);
  /** Shut down uncleanly (power loss or kill -9): Kafka drops them from the ELR (KIP-966). */
  private readonly unclean = new DamageSet(true);
  /** The last log end offset each broker announced, per partition (broker → partition → LEO). */
  private readonly lastLeo = new Map<number, Map<number, number>>();
  /** Brokers down after a power loss, not restarted yet: what their disk kept is not known. */
  private readonly powerDown = new Set<number>();
  /**
   * Broker → partitions whose leader may still hold the follower state of before the broker's
   * power loss: no fetch of the broker has appended to the partition since.
   */
  private readonly staleFollowerState = new Map<number, Set<number>>();

  constructor(
    private readonly minInsync: number,
    private readonly view: ClusterView,
    private readonly isUp: (broker: number) => boolean,
    private readonly nowUs: () => number,
    /**
     * ZooKeeper mode (issue 16): no unclean-shutdown handling (KIP-966 is KRaft's; a ZooKeeper
     * controller that did not see a broker go away keeps it in the ISR and may elect it), so
     * one replica that lost unflushed data in a power loss is beyond the promise.
     */
    readonly zookeeperMode = false,
    shared: {
      breaches: PromiseBreach[];
      hwAtBreach: Map<PromiseBreach, ReadonlyMap<number, number>>;
      leoAtPowerLoss: Map<PromiseBreach, ReadonlyMap<number, number>>;
      handOuts?: GroupHandOuts;
    } = {
      breaches: [],
      hwAtBreach: new Map(),
      leoAtPowerLoss: new Map(),
    },
  ) {
    this.breaches = shared.breaches;
    this.hwAtBreach = shared.hwAtBreach;
    this.leoAtPowerLoss = shared.leoAtPowerLoss;
    this.handOuts = shared.handOuts ?? new GroupHandOuts();
  }

  /** The topic this tracker judges (its cluster view's). */
  get topic(): string {
    return this.view.topic;
  }

  /**
   * The tracker of an internal topic (`view`; for `__consumer_offsets`, `partitions` =
   * offsets.topic.num.partitions): its breaches are this one's, and it is fed the same node events.
   */
  companion(view: ClusterView, partitions: number): PromiseTracker {
    const shared = {
      breaches: this.breaches,
      hwAtBreach: this.hwAtBreach,
      leoAtPowerLoss: this.leoAtPowerLoss,
      handOuts: this.handOuts,
    };
    const c = new PromiseTracker(this.minInsync, view, this.isUp, this.nowUs, this.zookeeperMode, shared);
    this.companions.push(c);
    if (view.topic === OFFSETS_TOPIC) this.offsetsPartitions = partitions;
    return c;
  }

  /** The `__consumer_offsets` partition of `group` (its coordinator's), when the run has a group. */
  offsetsPartitionOf(group: string): number | undefined {
    return this.offsetsPartitions === undefined ? undefined : partitionFor(group, this.offsetsPartitions);
  }

  /** Some breach of the durability promise lost records of `topic`/`partition`. */
  breachedDurabilityOf(topic: string, partition: number): boolean {
    return this.breaches.some((b) => DURABILITY_RULES.has(b.rule) && b.topic === topic && b.partition === partition);
  }

  /** The run went beyond the durability promise at some point: every anomaly is expected. */
  get beyondPromise(): boolean {
    return this.breaches.some((b) => DURABILITY_RULES.has(b.rule));
  }

  /** Feed every 'replica' probe of the scenario's topic. */
  onReplica(broker: number, partition: number, role: string, hw: number, leo: number): void {
    this.leoMapOf(broker).set(partition, leo);
    const recovered = this.powerDown.has(broker) ? undefined : this.leoSincePowerLoss.get(broker);
    if (recovered !== undefined && !recovered.has(partition)) recovered.set(partition, leo);
    if (role === 'leader' && hw > (this.leaderHw.get(partition) ?? 0)) {
      this.leaderHw.set(partition, hw);
      if (this.staleFollowerState.size > 0) this.onCommittedOverStaleState(broker, partition, hw);
    }
    if (!this.isUp(broker)) return;
    if (this.unclean.brokers.size > 0) this.unclean.progress(broker, partition, leo);
    if (this.lostData.brokers.size > 0) this.lostData.progress(broker, partition, leo);
  }

  /** A broker restarted: partitions with nothing to re-fetch have their data back at once. */
  onRestart(broker: number): void {
    this.powerDown.delete(broker);
    this.lostData.restartedNow(broker);
    this.appended.onRestart(broker);
    for (const c of this.companions) c.onRestart(broker);
  }

  /**
   * Feed every 'follower-fetch' probe of the scenario's topic: the leader took the fetch
   * offset as the follower's log end (Partition.updateFollowerFetchState), so it no longer
   * counts the follower's log end of before a power loss.
   */
  onFollowerFetch(broker: number, partition: number): void {
    this.staleFollowerState.get(broker)?.delete(partition);
  }

  /**
   * The leader of `partition` advanced its HW to `hw`. Kafka's leader computes it over the
   * maximal ISR from each follower's log end as of that follower's last fetch
   * (Partition.maybeIncrementLeaderHW); nothing resets that state when a follower loses power
   * and comes back with less (only a new leader epoch does: Partition.makeLeader). So a
   * follower in the ISR that lost power since its last fetch and holds less than `hw` now
   * (or is still down, its disk unread) had records the HW now calls committed and lost them:
   * it lost committed data, as if the power loss had come after the commit, and must
   * re-fetch up to `hw`. If that makes min.insync.replicas replicas of the partition damaged
   * at once, the run is beyond the promise by (a).
   */
  private onCommittedOverStaleState(leader: number, partition: number, hw: number): void {
    const record = this.view.record(partition);
    if (record === undefined) return;
    const damaged: number[] = [];
    // The leader counts its maximal ISR (Partition.maybeIncrementLeaderHW): the ISR, and a
    // member its AlterPartition in flight proposes to add (PendingExpandIsr), which may be a
    // follower that lost power after the proposal (swarm seed 132004584 in ZooKeeper mode).
    const proposed = this.proposedIsr.get(partition);
    const maximal = new Set([...record.isr, ...(proposed?.leader === leader ? proposed.isr : [])]);
    for (const b of maximal) {
      if (b === leader || this.staleFollowerState.get(b)?.has(partition) !== true) continue;
      const leo = this.powerDown.has(b) ? 0 : (this.lastLeo.get(b)?.get(partition) ?? 0);
      if (leo >= hw) continue;
      this.lostData.extend(b, partition, hw, !this.powerDown.has(b));
      damaged.push(b);
    }
    if (damaged.length === 0 || this.lostData.countFor(partition, record.replicas) < this.lossLimit) return;
    const nodes = this.lostData.damagedOf(partition, record.replicas);
    this.pushDurability({
      rule: 'min-isr-power-loss',
      explanation:
        `Brokers ${nodes.join(', ')} of ${this.view.topic}/${partition} lost data in power losses that its leader ` +
        `then committed, counting their log ends of before the losses: ` +
        (this.zookeeperMode
          ? 'in ZooKeeper mode Kafka has no unclean-shutdown handling (KIP-966 is KRaft’s), so one such replica ' +
            'is already beyond the promise.'
          : `${nodes.length} ≥ min.insync.replicas (${this.minInsync}), more than Kafka promises to survive ` +
            '(KIP-966: MinISR-1 tolerance to data loss unclean shutdown events).'),
      topic: this.view.topic,
      partition,
      nodes,
      atUs: this.nowUs(),
      event: `high watermark of ${this.view.topic}/${partition} advanced to ${hw} by broker ${leader}`,
    });
  }

  /** Per partition, the highest log end offset `brokers` last announced (lastLeo). */
  private highestLeoOf(brokers: readonly number[]): ReadonlyMap<number, number> {
    const highest = new Map<number, number>();
    for (const b of brokers) {
      for (const [partition, leo] of this.lastLeo.get(b) ?? []) {
        highest.set(partition, Math.max(leo, highest.get(partition) ?? 0));
      }
    }
    return highest;
  }

  private leoMapOf(broker: number): Map<number, number> {
    let m = this.lastLeo.get(broker);
    if (m === undefined) {
      m = new Map<number, number>();
      this.lastLeo.set(broker, m);
    }
    return m;
  }

  /**
   * The controller accepted a registration of `broker` (its 'registered' probe). Only from
   * now on does a controller record listing it in an ISR end its unclean shutdown: records
   * between its process restart and its registration still carry the ISR of before its
   * shutdown (KIP-966 removes it from every ISR and ELR at this registration;
   * ClusterControlManager.registerBroker, ReplicationControlManager.handleBrokerUncleanShutdown).
   */
  onRegistered(broker: number): void {
    this.unclean.restartedNow(broker);
    for (const c of this.companions) c.onRegistered(broker);
  }

  /** Feed every 'alter-partition-sent' probe of the scenario's topic: the ISR the leader proposes. */
  onAlterPartitionSent(leader: number, partition: number, isr: readonly number[]): void {
    this.proposedIsr.set(partition, { leader, isr: [...isr] });
  }

  /**
   * Feed every rejected AlterPartition (KRaft's controller announces them): the proposal is
   * no longer counted (a leader told INELIGIBLE_REPLICA goes back to its committed ISR,
   * Partition.handleAlterPartitionError; dropping it for every error is the narrower choice).
   */
  onAlterPartitionRejected(partition: number): void {
    this.proposedIsr.delete(partition);
  }

  /** Feed every controller record change of the scenario's topic (previous: the record before, if any). */
  onPartition(
    partition: number,
    isr: readonly number[],
    previous?: { readonly leader: number; readonly isr: readonly number[]; readonly elr: readonly number[] },
    leader?: number,
  ): void {
    this.proposedIsr.delete(partition);
    if (leader !== undefined) this.appended.onLeader(partition, leader);
    // (b) is judged on the unclean shutdowns of before this record: the ISR an election from
    // outside the ISR and ELR sets (the new leader alone, PartitionChangeBuilder) is its
    // consequence, not the end of that leader's unclean shutdown (seed 100018392).
    const uncleanBefore = this.unclean.countFor(partition, this.view.record(partition)?.replicas ?? []);
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
      uncleanBefore >= this.minInsync
    ) {
      this.pushDurability({
        rule: 'last-known-leader-elected',
        explanation:
          `Broker ${leader} lost data in a power loss and was elected leader of ${this.view.topic}/${partition} from ` +
          `outside the ISR and ELR (KIP-966's last known leader, after ${this.minInsync} or more unclean shutdowns): ` +
          `Kafka promises to keep acknowledged writes only through fewer than min.insync.replicas unclean shutdowns.`,
        topic: this.view.topic,
        partition,
        nodes: [leader],
        atUs: this.nowUs(),
        event: `election of broker ${leader} as leader of ${this.view.topic}/${partition} (ISR [${isr.join(', ')}])`,
      });
    }
  }

  /** Brokers are killed (-9) now: no data lost, but an unclean shutdown (never a breach by itself). */
  crash(brokers: readonly number[]): void {
    for (const b of brokers) this.unclean.add(b, this.targetsOf(b));
    for (const c of this.companions) c.crash(brokers);
  }

  /**
   * Brokers lose power now (`event`: the fault, as the trace describes it). Returns the
   * breach when this takes the run beyond the durability promise by (a): some partition then
   * has ≥ min.insync.replicas replicas that lost data.
   */
  powerLoss(brokers: readonly number[], event: string): PromiseBreach | undefined {
    let other: PromiseBreach | undefined;
    // Every companion takes the power loss (each records its own topic's breach), not only
    // until one reports a breach: with two companions the second's breach was missed.
    for (const c of this.companions) {
      const breach = c.powerLoss(brokers, event);
      other = other ?? breach;
    }
    return this.ownPowerLoss(brokers, event) ?? other;
  }

  private ownPowerLoss(brokers: readonly number[], event: string): PromiseBreach | undefined {
    for (const b of brokers) {
      const targets = this.targetsOf(b);
      this.lostData.add(b, targets);
      this.unclean.add(b, targets);
      this.powerDown.add(b);
      this.leoSincePowerLoss.set(b, new Map());
      const stale = new Set<number>();
      for (const p of targets.keys()) if (p >= 0) stale.add(p);
      this.staleFollowerState.set(b, stale);
    }
    // One breach per partition over the limit: each excuses the losses of its own partition.
    const leoAtLoss = this.highestLeoOf(brokers);
    let first: PromiseBreach | undefined;
    for (const over of this.overMinIsr(this.lostData)) {
      const where = over.partition === undefined ? 'a partition' : `${this.view.topic}/${over.partition}`;
      const breach: PromiseBreach = {
        rule: 'min-isr-power-loss',
        explanation: this.zookeeperMode
          ? `Brokers ${over.nodes.join(', ')} of ${where} lost unflushed data in power losses and had not ` +
            're-fetched it: in ZooKeeper mode Kafka has no unclean-shutdown handling (KIP-966 is KRaft’s), so ' +
            'such a replica may stay in the ISR and be elected without what it lost.'
          : `Brokers ${over.nodes.join(', ')} of ${where} lost unflushed data in power losses and had not ` +
            `re-fetched it: ${over.nodes.length} ≥ min.insync.replicas (${this.minInsync}), more than Kafka ` +
            `promises to survive (KIP-966: MinISR-1 tolerance to data loss unclean shutdown events).`,
        topic: this.view.topic,
        nodes: over.nodes,
        atUs: this.nowUs(),
        event,
      };
      if (over.partition !== undefined) breach.partition = over.partition;
      this.pushDurability(breach);
      this.leoAtPowerLoss.set(breach, leoAtLoss);
      this.recoveredLeo.set(breach, new Map(brokers.map((b) => [b, this.leoSincePowerLoss.get(b)!])));
      first ??= breach;
    }
    return first;
  }

  /** Record a durability breach with the committed offsets of that moment (what it may lose). */
  private pushDurability(breach: PromiseBreach): void {
    this.breaches.push(breach);
    this.hwAtBreach.set(breach, new Map(this.leaderHw));
  }

  /**
   * The controller accepted a registration of `broker` and judged the previous incarnation's
   * shutdown unclean. A kill -9 or power loss is counted already; a clean stop of an
   * incarnation that never registered is counted from now on.
   */
  onUncleanRegistration(broker: number): void {
    for (const c of this.companions) c.onUncleanRegistration(broker);
    if (this.unclean.has(broker)) return;
    this.unclean.addRestarted(broker, this.targetsOf(broker));
  }

  /**
   * An admin's unclean election (kafka-leader-election.sh) elected `leader` from outside the
   * ISR and ELR of `partition` just now: beyond the durability promise.
   */
  adminUncleanElection(partition: number, leader: number, event: string): PromiseBreach {
    const breach: PromiseBreach = {
      rule: 'admin-unclean-election',
      explanation:
        `An administrator requested an unclean leader election of ${this.view.topic}/${partition} and broker ` +
        `${leader}, outside the ISR and ELR, was elected: Kafka keeps acknowledged writes only through clean ` +
        `elections; an unclean one may lose what the ISR had committed.`,
      topic: this.view.topic,
      partition,
      nodes: [leader],
      atUs: this.nowUs(),
      event,
    };
    this.pushDurability(breach);
    return breach;
  }

  /**
   * Feed every leader 'append' probe of the scenario's topic that carries a producer identity.
   * `unknownProducer`: the leader had no state for the producer and took a batch at a sequence
   * above 0; `noStateAtSequenceZero`: it had none and took a batch at sequence 0, which is a
   * retry whose state was lost (not a new producer's first batch) when a leader appended this
   * producer id and epoch to the partition before: a producer restarts its sequence at 0 within
   * an epoch only by retrying its first batch (KIP-360 bumps the epoch).
   */
  onLeaderAppend(
    partition: number,
    firstOffset: number,
    values: readonly string[],
    producer: { id: number; epoch: number },
    unknownProducer = false,
    leader: { broker: number; leaderEpoch: number } = { broker: -1, leaderEpoch: -1 },
    noStateAtSequenceZero = false,
  ): void {
    const retried = noStateAtSequenceZero && this.appended.appendedBefore(partition, producer.id, producer.epoch);
    const lost =
      unknownProducer || retried ? this.onProducerStateLost(partition, firstOffset, values, producer.id) : undefined;
    // Spelled out: an object spread here cost 1.8% of a standard run (V8's generic clone path).
    const by = { broker: leader.broker, leaderEpoch: leader.leaderEpoch, atUs: this.nowUs() };
    this.appended.record(partition, firstOffset, values, producer.id, producer.epoch, lost, by);
  }

  /**
   * Feed every leader append of an end-transaction marker (WriteTxnMarkers) to the scenario's
   * topic: `producerId`'s transaction on `partition` was closed at `offset` now.
   */
  onMarkerAppend(partition: number, offset: number, producerId: number, marker: string): void {
    this.txnOutcomes.onMarker(partition, offset, producerId, this.nowUs(), marker);
  }

  /**
   * Feed every `__consumer_offsets` append (on its companion tracker): a leader's append, by
   * `broker` in its own leader epoch `epoch` (a follower's copy carries its leader's epoch), of
   * records handing members a generation is when the coordinator handed it out (GroupHandOuts).
   */
  onOffsetsAppend(broker: number, partition: number, epoch: number, values: readonly string[]): void {
    const record = this.view.record(partition);
    if (record === undefined || record.leader !== broker || record.leaderEpoch !== epoch) return;
    for (const v of values) for (const h of groupRecordHandOuts(v)) this.handOuts.add(h, this.nowUs());
  }

  /** Feed the producer ids of every `__transaction_state` append to `partition` (its records' keys). */
  onTxnStateAppend(partition: number, producerIds: readonly number[]): void {
    for (const id of producerIds) this.txnOutcomes.onTxnState(partition, id);
  }

  /**
   * A leader with no state for producer `producerId` took its batch at a sequence above 0, or a
   * retry of its first batch at sequence 0, as a new producer's (ProducerAppendInfo.checkSequence:
   * "If there is no current producer epoch (possibly because all producer records have been
   * deleted due to retention or the DeleteRecords API) accept writes with any sequence number";
   * ProducerStateManager
   * .truncateFullyAndStartAt and removeExpiredProducers forget producers too). A retry of a batch
   * it appended before is then appended again: idempotence does not cover it.
   */
  private onProducerStateLost(
    partition: number,
    firstOffset: number,
    values: readonly string[],
    id: number,
  ): PromiseBreach {
    const topic = this.view.topic;
    const breach: PromiseBreach = {
      rule: 'producer-state-lost',
      explanation:
        `The leader of ${topic}/${partition} had no state for producer id ${id} (its batches were deleted by ` +
        `retention or a full truncation) and appended its batch at offset ${firstOffset} as a new producer's, ` +
        `at any sequence (ProducerAppendInfo.checkSequence): Kafka's idempotence cannot dedupe a retry of a ` +
        `batch whose producer state is gone, nor a retry of its next batches, which follow in sequence the ` +
        `state it re-learned from this one.`,
      topic,
      partition,
      nodes: [id],
      atUs: this.nowUs(),
      event: `append of ${values.length} value(s) of producer id ${id} at ${topic}/${partition} offset ${firstOffset}`,
    };
    this.breaches.push(breach);
    this.resent.add(topic, partition, values, breach);
    return breach;
  }

  /** Feed every 'producer-resequenced' probe: the producer re-sends `values` under a new epoch. */
  onResequenced(
    producer: number,
    topic: string,
    partition: number,
    producerEpoch: number,
    values: readonly string[],
  ): void {
    const breach: PromiseBreach = {
      rule: 'kip-360-resend',
      explanation:
        `Producer ${producer} bumped its epoch to ${producerEpoch} and restarted the sequences of ` +
        `${topic}/${partition} from 0 after an earlier batch's outcome became unknown (KIP-360) and re-sent ` +
        `${values.length} value(s): Kafka's idempotence does not cover that resend (KAFKA-14034), so a copy ` +
        `appended under the old epoch and another under the new one are Kafka's.`,
      topic,
      partition,
      nodes: [producer],
      atUs: this.nowUs(),
      event:
        `producer ${producer} re-sent ${values.length} value(s) of ${topic}/${partition} ` +
        `under epoch ${producerEpoch}`,
    };
    this.breaches.push(breach);
    this.resent.add(topic, partition, values, breach);
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

  /** How many replicas that lost data make a breach: min.insync.replicas, or one in ZooKeeper mode. */
  private get lossLimit(): number {
    return this.zookeeperMode ? 1 : this.minInsync;
  }

  /** Every partition with ≥ minInsync damaged replicas, and those replicas (none: empty). */
  private overMinIsr(set: DamageSet): { partition?: number; nodes: number[] }[] {
    const partitions = this.view.partitions();
    const limit = this.lossLimit;
    if (partitions.length === 0) {
      return set.brokers.size >= limit ? [{ nodes: [...set.brokers.keys()].sort((a, b) => a - b) }] : [];
    }
    const out: { partition?: number; nodes: number[] }[] = [];
    for (const p of partitions) {
      const replicas = this.view.record(p)!.replicas;
      if (set.countFor(p, replicas) >= limit) out.push({ partition: p, nodes: set.damagedOf(p, replicas) });
    }
    return out;
  }
}

/**
 * Values an idempotent producer re-sent under a new epoch. An idempotent producer whose
 * batch expired with its outcome unknown, or whose retries the broker refuses as out of order
 * (the batch is older than the five the broker remembers per producer), bumps its epoch and
 * restarts the partition's sequences at 0 (KIP-360: TransactionManager.bumpIdempotentProducerEpoch,
 * then startSequencesAtBeginning). Batches it re-sends that way may already have been
 * appended under the old epoch; the broker cannot recognise them (ProducerStateEntry
 * .findDuplicateBatch compares the epoch; ProducerAppendInfo.checkSequence accepts a newer
 * epoch at sequence 0) and appends them again (KAFKA-14034). Only such a duplicate is a Kafka
 * anomaly beyond what idempotence promises (AppendIdentities says which copies qualify); it is
 * never a loss. Any other duplicate stays a violation (the broker failed to dedupe a retry,
 * or appended a batch of an epoch it should have fenced).
 */
class ResentValues {
  /** "rule\0topic/partition\0value" → the first resend of it by that rule. */
  private readonly byValue = new Map<string, PromiseBreach>();

  add(topic: string, partition: number, values: readonly string[], breach: PromiseBreach): void {
    for (const v of values) {
      const key = `${breach.rule}\u0000${valueKey(topic, partition, v)}`;
      if (!this.byValue.has(key)) this.byValue.set(key, breach);
    }
  }

  /** The resend of a value by `rule`, or undefined when it was never so re-sent. */
  of(topic: string, partition: number, value: string, rule: PromiseRule): PromiseBreach | undefined {
    return this.byValue.get(`${rule}\u0000${valueKey(topic, partition, value)}`);
  }

  get size(): number {
    return this.byValue.size;
  }
}

/** "group\0member\0generation": one hand-out's key in GroupHandOuts. */
const handOutKey = (h: GroupHandOut): string => `${h.group}\u0000${h.member}\u0000${h.generation}`;

/**
 * When a group coordinator handed each member each generation (a classic generation or a
 * KIP-848 member epoch): the times its leader appended the record that does
 * (groupRecordHandOuts). The member learns it only once that record is committed, and its
 * application later still (at its next poll: the history's `assignment`), so an assignment
 * recorded after a breach may have been handed out before it, by a coordinator that then lost
 * the record with the breach (swarm seed 180067370).
 */
class GroupHandOuts {
  /** "group\0member\0generation" → the times (µs) of the leader appends handing it out, in order. */
  private readonly times = new Map<string, number[]>();

  add(h: GroupHandOut, atUs: number): void {
    const key = handOutKey(h);
    let list = this.times.get(key);
    if (list === undefined) this.times.set(key, (list = []));
    list.push(atUs);
  }

  /** The last hand-out of `generation` to `member` at or before `atUs` (the one it learned then). */
  lastAtOrBefore(h: GroupHandOut, atUs: number): number | undefined {
    let last: number | undefined;
    for (const t of this.times.get(handOutKey(h)) ?? []) if (t <= atUs) last = t;
    return last;
  }
}

/**
 * What the transactional-outcome rule (txnOutcomeLostBreach) reads: the `__transaction_state`
 * partition each producer id's transactional id hashes to (seen in the coordinator's records,
 * TransactionStateManager.partitionFor), and when leaders appended each producer's
 * end-transaction markers to the scenario's topic.
 */
class TxnOutcomes {
  private readonly stateOf = new Map<number, number>();
  /** Partition → the markers appended, in order: offset, producer id, time (µs), 'COMMIT' or 'ABORT'. */
  private readonly markers = new Map<
    number,
    Array<{ offset: number; producerId: number; atUs: number; marker: string }>
  >();

  onTxnState(partition: number, producerId: number): void {
    this.stateOf.set(producerId, partition);
  }

  onMarker(partition: number, offset: number, producerId: number, atUs: number, marker: string): void {
    let list = this.markers.get(partition);
    if (list === undefined) this.markers.set(partition, (list = []));
    list.push({ offset, producerId, atUs, marker });
  }

  /** The `__transaction_state` partition of `producerId`'s transactional id (undefined: never seen). */
  statePartitionOf(producerId: number): number | undefined {
    return this.stateOf.get(producerId);
  }

  /**
   * A leader appended a marker of `producerId` to `partition` above `offset` before `beforeUs`,
   * and the partition's last-look leader log does not hold another record at the marker's offset
   * (`replaced`): a marker a leader appended and its partition lost closes nothing (swarm
   * --controller kraft seed 500089287: broker 3's ABORT at t/2 offset 22, never replicated, was
   * truncated away when it followed broker 2, elected from the ELR, whose log has p202-14 there;
   * ProducerStateManager rebuilds the open transaction from the log the replica kept).
   */
  closedBefore(
    partition: number,
    producerId: number,
    offset: number,
    beforeUs: number,
    replaced: ReplacedInLastLook,
  ): boolean {
    return (this.markers.get(partition) ?? []).some(
      (m) =>
        m.producerId === producerId &&
        m.offset > offset &&
        m.atUs < beforeUs &&
        !replaced(partition, m.offset, m.marker),
    );
  }
}

/**
 * The producer id and epoch under which a leader appended each value at each offset of each
 * partition (the last such append of that value there). Keyed by offset and value, not by
 * offset alone: a deposed leader's divergent append at an offset is truncated away later, and
 * what survives there may be an earlier leader's append of another value. A duplicate is
 * Kafka's only when its copies, in offset order, carry one producer id with strictly growing
 * epochs: each copy then came under an epoch newer than every copy before it, which no broker
 * dedupes (a new epoch starts at sequence 0, ProducerAppendInfo.checkSequence). A later copy
 * under the same epoch is a retry the dedupe window (the last five batches) should have
 * caught; one under an older epoch is a zombie batch ProducerAppendInfo.checkProducerEpoch
 * fences (INVALID_PRODUCER_EPOCH).
 */
class AppendIdentities {
  /** Partition → offset and value → the appending producer's id and epoch, and the state it was appended on. */
  private readonly byPartition = new Map<number, ByOffsetAndValue<AppendIdentity>>();
  /**
   * Partition → offset and value → the leader appends of it there before the last one (byPartition),
   * in order: only offsets appended more than once (copyIn picks the one a log kept).
   */
  private readonly earlierAppends = new Map<number, ByOffsetAndValue<AppendIdentity[]>>();
  /** "partition\0producer id" → the leader that last re-learned that producer from a batch it took as new. */
  private readonly relearning = new Map<string, Relearning>();

  record(
    partition: number,
    firstOffset: number,
    values: readonly string[],
    producerId: number,
    epoch: number,
    lost: PromiseBreach | undefined,
    leader: AppendIdentity['leader'],
  ): void {
    let p = this.byPartition.get(partition);
    if (p === undefined) {
      p = new ByOffsetAndValue();
      this.byPartition.set(partition, p);
    }
    const identity: AppendIdentity = {
      id: producerId,
      epoch,
      relearned: this.relearnedState(partition, firstOffset, producerId, epoch, lost, leader),
      leader,
      lastOffset: firstOffset + values.length - 1,
    };
    for (let i = 0; i < values.length; i++) {
      const before = p.set(firstOffset + i, values[i], identity);
      if (before !== undefined) this.earlierAt(partition, firstOffset + i, values[i]).push(before);
    }
  }

  /** The earlier appends of `value` at `offset` of `partition` (earlierAppends), made on first use. */
  private earlierAt(partition: number, offset: number, value: string): AppendIdentity[] {
    let earlier = this.earlierAppends.get(partition);
    if (earlier === undefined) this.earlierAppends.set(partition, (earlier = new ByOffsetAndValue()));
    let list = earlier.get(offset, value);
    if (list === undefined) earlier.set(offset, value, (list = []));
    return list;
  }

  /**
   * The leader append of `value` at `offset` a log kept: the last one in the leader epoch its
   * batch carries there (`keptEpoch`: a follower's copy keeps its leader's epoch,
   * ReplicaFetcherThread → UnifiedLog.appendAsFollower), else the last one. Two leaders may
   * append one value at one offset (a retry re-sent to the next leader after the first copy's
   * leader lost power), and the later append may be the one lost, not the earlier.
   */
  private copyIn(partition: number, offset: number, value: string, keptEpoch: KeptEpoch): AppendIdentity | undefined {
    const last = this.byPartition.get(partition)?.get(offset, value);
    const epoch = keptEpoch(partition, offset, value);
    if (epoch === undefined || last === undefined || last.leader.leaderEpoch === epoch) return last;
    const earlier = this.earlierAppends.get(partition)?.get(offset, value) ?? [];
    for (let i = earlier.length - 1; i >= 0; i--) if (earlier[i].leader.leaderEpoch === epoch) return earlier[i];
    return last;
  }

  /**
   * The re-learned state a leader's append of producer `producerId` rests on: a batch taken as new
   * (`lost`) starts it; the same leader's later appends of that producer and epoch continue it
   * (ProducerAppendInfo.checkSequence finds them in sequence with the batch taken as new, and
   * ProducerStateEntry.findDuplicateBatch sees only the batches since) while that broker leads
   * on, also in a later leader epoch: a ZooKeeper-mode controller bumps the epoch of a leader
   * that stays (ReplicaStateMachine.doRemoveReplicasFromIsr → LeaderAndIsr.newLeaderAndIsr), and
   * Partition.makeLeader keeps the log and its ProducerStateManager (swarm --controller zookeeper
   * seed 470034042). Any other leader's append of the producer ends it, as do a leader change
   * and the broker's restart (onLeader, onRestart).
   */
  private relearnedState(
    partition: number,
    firstOffset: number,
    producerId: number,
    epoch: number,
    lost: PromiseBreach | undefined,
    leader: { broker: number; leaderEpoch: number },
  ): AppendIdentity['relearned'] {
    // Nearly always no producer state was lost in the run: no key to build, nothing to look up.
    if (lost === undefined && this.relearning.size === 0) return undefined;
    const key = `${partition}\u0000${producerId}`;
    if (lost !== undefined) {
      this.relearning.set(key, { ...leader, epoch, fromOffset: firstOffset, breach: lost });
      return { breach: lost, fromOffset: firstOffset, asNew: true };
    }
    const r = this.relearning.get(key);
    if (r === undefined) return undefined;
    const sameChain = r.broker === leader.broker && leader.leaderEpoch >= r.leaderEpoch && r.epoch === epoch;
    if (!sameChain || leader.broker < 0 || firstOffset <= r.fromOffset) {
      this.relearning.delete(key);
      return undefined;
    }
    return { breach: r.breach, fromOffset: r.fromOffset, asNew: false };
  }

  /**
   * The controller's record of `partition` names `leader` (-1: none): a re-learning by another
   * broker ends, its state no longer the leader's (relearnedState).
   */
  onLeader(partition: number, leader: number): void {
    const prefix = `${partition}\u0000`;
    for (const [key, r] of this.relearning)
      if (key.startsWith(prefix) && r.broker !== leader) this.relearning.delete(key);
  }

  /**
   * `broker` restarted: its re-learnings end (UnifiedLog rebuilds its producer state from a
   * snapshot and its recovered log, which a power loss may have cut below the batch taken as new).
   */
  onRestart(broker: number): void {
    for (const [key, r] of this.relearning) if (r.broker === broker) this.relearning.delete(key);
  }

  /** True when a leader appended a batch of producer `producerId` in producer epoch `epoch` to `partition`. */
  appendedBefore(partition: number, producerId: number, epoch: number): boolean {
    const p = this.byPartition.get(partition);
    return p !== undefined && p.some((identity) => identity.id === producerId && identity.epoch === epoch);
  }

  /**
   * True when the copies of `value` at `offsets` carry one producer id, epochs strictly growing in
   * offset order; each copy is the append the log kept (copyIn: swarm --controller zookeeper seed
   * 440046972, where the copy at the lower offset is the first leader's, under the old producer
   * epoch, not the lost append of the resend there by a leader that then lost power).
   */
  newerEpochEachCopy(partition: number, value: string, offsets: readonly number[], keptEpoch: KeptEpoch): boolean {
    const p = this.byPartition.get(partition);
    if (p === undefined || offsets.length < 2) return false;
    const sorted = [...offsets].sort((x, y) => x - y);
    for (let i = 1; i < sorted.length; i++) {
      const before = this.copyIn(partition, sorted[i - 1], value, keptEpoch);
      const after = this.copyIn(partition, sorted[i], value, keptEpoch);
      if (before === undefined || after === undefined || after.id !== before.id || !(after.epoch > before.epoch))
        return false;
    }
    return true;
  }

  /** True when each copy of `value` after the first came under the same producer id, taken as a new producer's. */
  laterCopiesAsNew(partition: number, value: string, offsets: readonly number[]): boolean {
    const p = this.byPartition.get(partition);
    if (p === undefined || offsets.length < 2) return false;
    const sorted = [...offsets].sort((x, y) => x - y);
    const first = p.get(sorted[0], value);
    if (first === undefined) return false;
    for (let i = 1; i < sorted.length; i++) {
      const later = p.get(sorted[i], value);
      if (later === undefined || later.id !== first.id || later.relearned?.asNew !== true) return false;
    }
    return true;
  }

  /**
   * True when every copy of `value` at `lower` came under the producer id of its copy at `highest`
   * and was appended at or after `atUs` on a producer state its leader re-learned (taken as new, or
   * in sequence after such a batch): a retry a leader without that producer's state appended at a
   * lower offset than the first copy ('reopened-copy' of a value sent before a ZooKeeper-mode
   * power loss, seed 260024816).
   */
  lowerCopiesRetakenSince(
    partition: number,
    value: string,
    lower: readonly number[],
    highest: number,
    atUs: number,
  ): boolean {
    const p = this.byPartition.get(partition);
    const top = p?.get(highest, value);
    if (p === undefined || top === undefined || lower.length === 0) return false;
    return lower.every((o) => {
      const copy = p.get(o, value);
      return (
        copy !== undefined && copy.id === top.id && copy.relearned !== undefined && copy.relearned.breach.atUs >= atUs
      );
    });
  }

  /**
   * True when `broker` appended every copy of `value` at `lower` before `atUs`, in one leader
   * epoch E of its, then at or after `atUs` led E again and appended in it up to the lowest of
   * them or beyond (reopenedInEpoch: the epoch's end on it is then no lower than a follower's
   * copies), and its copy at `highest` at or after `atUs`, in E or a later epoch, all under one
   * producer id and epoch: the same leader took a retry again after the epoch it kept (reopenedCopies).
   */
  retakenAfterKeptEpoch(
    partition: number,
    value: string,
    lower: readonly number[],
    highest: number,
    broker: number,
    atUs: number,
  ): boolean {
    const p = this.byPartition.get(partition);
    const top = p?.get(highest, value);
    const first = p?.get(Math.min(...lower), value);
    if (p === undefined || top === undefined || first === undefined || lower.length === 0) return false;
    const kept = first.leader.leaderEpoch;
    if (top.leader.broker !== broker || top.leader.atUs < atUs || top.leader.leaderEpoch < kept) return false;
    const sameOrigin = lower.every((o) => {
      const copy = p.get(o, value);
      return (
        copy !== undefined &&
        copy.id === top.id &&
        copy.epoch === top.epoch &&
        copy.leader.broker === broker &&
        copy.leader.leaderEpoch === kept &&
        copy.leader.atUs < atUs
      );
    });
    if (!sameOrigin) return false;
    const lowest = Math.min(...lower);
    return p.some((copy) => {
      const led = copy.leader;
      return led.broker === broker && led.leaderEpoch === kept && led.atUs >= atUs && copy.lastOffset >= lowest;
    });
  }

  /**
   * True when the copies of `value` at `lower` (each below `highest`, its highest copy) split into
   * two non-empty sets: reopened copies, each under the producer id and epoch of the copy at
   * `highest` (the same resent batch) and appended at or after `atUs` by one of the `damaged`
   * brokers in a leader epoch it had appended in before `atUs` (the epoch it kept: reopenedInEpoch);
   * and the copies before the resend, which with the copy at `highest` carry one producer id,
   * epochs strictly growing in offset order (newerEpochEachCopy: KIP-360). Each copy is the append
   * the log kept (copyIn). Swarm --controller zookeeper seed 550045213 (reopenedCopies).
   */
  resentAroundReopenedCopy(
    partition: number,
    value: string,
    lower: readonly number[],
    highest: number,
    damaged: ReadonlySet<number>,
    atUs: number,
    keptEpoch: KeptEpoch,
  ): boolean {
    const top = this.copyIn(partition, highest, value, keptEpoch);
    if (top === undefined) return false;
    const reopened: AppendIdentity[] = [];
    const before: number[] = [];
    for (const o of lower) {
      const copy = this.copyIn(partition, o, value, keptEpoch);
      if (copy === undefined) return false;
      if (copy.id === top.id && copy.epoch === top.epoch) reopened.push(copy);
      else before.push(o);
    }
    if (reopened.length === 0 || before.length === 0) return false;
    const inKeptEpoch = (c: AppendIdentity) =>
      damaged.has(c.leader.broker) && c.leader.atUs >= atUs && this.ledBefore(partition, c.leader, atUs);
    if (!reopened.every(inKeptEpoch)) return false;
    return this.newerEpochEachCopy(partition, value, [...before, highest], keptEpoch);
  }

  /** `leader.broker` appended to `partition` in `leader.leaderEpoch` before `atUs`. */
  private ledBefore(partition: number, leader: AppendIdentity['leader'], atUs: number): boolean {
    const led = (c: AppendIdentity) =>
      c.leader.broker === leader.broker && c.leader.leaderEpoch === leader.leaderEpoch && c.leader.atUs < atUs;
    if (this.byPartition.get(partition)?.some(led) === true) return true;
    return this.earlierAppends.get(partition)?.some((list) => list.some(led)) === true;
  }

  /**
   * The state loss behind the copies of `value` after the first, when each came under the first's
   * producer id on a state its leader re-learned (taken as new, or in sequence after such a
   * batch) from a batch appended after the first copy: a retry of a batch whose state was gone
   * before the re-learning. Undefined otherwise.
   */
  relearnedAfterFirstCopy(partition: number, value: string, offsets: readonly number[]): PromiseBreach | undefined {
    const p = this.byPartition.get(partition);
    if (p === undefined || offsets.length < 2) return undefined;
    const sorted = [...offsets].sort((x, y) => x - y);
    const first = p.get(sorted[0], value);
    if (first === undefined) return undefined;
    let breach: PromiseBreach | undefined;
    for (let i = 1; i < sorted.length; i++) {
      const later = p.get(sorted[i], value);
      const r = later?.relearned;
      if (later === undefined || later.id !== first.id || r === undefined || r.fromOffset <= sorted[0])
        return undefined;
      breach ??= r.breach;
    }
    return breach;
  }
}

/** The leader epoch of the batch holding `value` at `offset` in the partition leader's last-look log, if any. */
type KeptEpoch = (partition: number, offset: number, value: string) => number | undefined;

/** The partition leader's last-look log holds a record other than `value` at `offset` (not a gap). */
type ReplacedInLastLook = (partition: number, offset: number, value: string) => boolean;

interface AppendIdentity {
  id: number;
  epoch: number;
  /**
   * The leader appended it on a producer state re-learned after a loss (ProducerAppendInfo
   * .checkSequence took a batch at offset `fromOffset` as a new producer's: `breach`); `asNew`:
   * this is that batch.
   */
  relearned: { breach: PromiseBreach; fromOffset: number; asNew: boolean } | undefined;
  /** The leader that appended it (`broker` in its leader epoch `leaderEpoch`), at `atUs`. */
  leader: { broker: number; leaderEpoch: number; atUs: number };
  /** The last offset of the batch it came in. */
  lastOffset: number;
}

/** A leader (broker, leader epoch) that re-learned a producer's epoch from a batch it took as new. */
interface Relearning {
  broker: number;
  leaderEpoch: number;
  epoch: number;
  fromOffset: number;
  breach: PromiseBreach;
}

/**
 * Items by log offset and value (AppendIdentities' store of one partition): an array indexed by
 * the offset (a log's offsets are small non-negative integers, dense from its start), each slot
 * the values appended there (one, unless leaders appended different records at that offset).
 * No "offset\0value" string is built and hashed per appended record.
 */
class ByOffsetAndValue<T> {
  private readonly byOffset: Array<Array<{ value: string; item: T }> | undefined> = [];

  get(offset: number, value: string): T | undefined {
    const at = this.byOffset[offset];
    if (at !== undefined) for (const e of at) if (e.value === value) return e.item;
    return undefined;
  }

  /** Sets the item of `value` at `offset`; returns the one it replaces, if any. */
  set(offset: number, value: string, item: T): T | undefined {
    const at = this.byOffset[offset];
    if (at === undefined) {
      this.byOffset[offset] = [{ value, item }];
      return undefined;
    }
    for (const e of at) {
      if (e.value !== value) continue;
      const before = e.item;
      e.item = item;
      return before;
    }
    at.push({ value, item });
    return undefined;
  }

  /** Some item satisfies `test` (in no particular order). */
  some(test: (item: T) => boolean): boolean {
    for (const at of this.byOffset) if (at !== undefined) for (const e of at) if (test(e.item)) return true;
    return false;
  }
}

function valueKey(topic: string, partition: number, value: string): string {
  return `${topic}/${partition}\u0000${value}`;
}

/** What expectedBecause() judges against: the tracker's breaches, and the run's duplicates the resends explain. */
export interface PromiseEvidence {
  readonly breaches: readonly PromiseBreach[];
  readonly resent: ResentValues;
  readonly appended: AppendIdentities;
  /** "topic/partition\0value" of every duplicated value a 'kip-360-resend' breach explains. */
  readonly resentDuplicates: ReadonlyMap<string, PromiseBreach>;
  /**
   * "topic/partition\0value" of every duplicated value a durability breach explains (lossBreach of
   * its duplicate anomaly) → that breach and the value's offsets (duplicateStepBehind).
   */
  readonly lossDuplicates: ReadonlyMap<string, { breach: PromiseBreach; offsets: readonly number[] }>;
  /** "topic/partition\0value" → virtual time (µs) of the first send of it (the history's invoke). */
  readonly sentAtUs: ReadonlyMap<string, number>;
  /** Each durability breach → the highest leader HW of each partition at that moment. */
  readonly hwAtBreach: ReadonlyMap<PromiseBreach, ReadonlyMap<number, number>>;
  /** Each breach a power loss made → the highest log end offset of each partition the brokers losing power had. */
  readonly leoAtPowerLoss: ReadonlyMap<PromiseBreach, ReadonlyMap<number, number>>;
  /** Each breach a power loss made → each broker that lost power then → partition → its recovered log's end. */
  readonly recoveredLeo: ReadonlyMap<PromiseBreach, ReadonlyMap<number, ReadonlyMap<number, number>>>;
  /**
   * "topic/partition\0value" → how many offsets of the completed final read of its partition
   * hold it; undefined for a value of a partition whose final read did not complete (then no
   * duplicate or skip there is excused by a loss). Each partition's final read ends on its own
   * (ProbeClientActor.finalReadDone: past its end marker and up to its HW), so one stuck
   * partition (a hanging transaction) leaves the others' reads complete (swarm --controller
   * zookeeper seed 400051993).
   */
  readonly finalCopies: (topic: string, partition: number, value: string) => number | undefined;
  /** The batch leader epoch of a value at an offset of the scenario's topic, last look's leader log (keptEpochs). */
  readonly keptEpoch: KeptEpoch;
  /** A record other than a value at an offset of the scenario's topic, last look's leader log (TxnOutcomes). */
  readonly replacedInLastLook: ReplacedInLastLook;
  /** The virtual time (µs) of the history event at an index (an anomaly's `ops`). */
  readonly eventTimeUs: (historyIndex: number) => number | undefined;
  /**
   * For a `poll` invoked at a history index: its answer (the process's next event, an `ok` poll),
   * when it came, the offset it started from and the position it left; undefined otherwise.
   */
  readonly pollAnswer: (historyIndex: number) => PollAnswer | undefined;
  /** Every poll of a partition that returned records, `poll` operations and `txn` poll micro-ops alike (reads). */
  readonly reads: (topic: string, partition: number) => readonly PartitionRead[];
  /** The `__consumer_offsets` partition a group's commits are written to (undefined: no group in the run). */
  readonly offsetsPartitionOf: (group: string) => number | undefined;
  /**
   * For the history's `assignment` at an index: when the coordinator wrote the hand-out the
   * member then learned (GroupHandOuts.lastAtOrBefore its time); undefined for any other event,
   * or when no leader append handed it out.
   */
  readonly handedOutUs: (historyIndex: number) => number | undefined;
  /** "topic/partition" → first offset of a hanging transaction at the end of the run (KafkaCluster). */
  readonly hangingTransactions: ReadonlyMap<string, number>;
  /**
   * Client id of a transactional producer still sending at the end of the run, whose
   * transactional id its coordinator holds wedged → that id's `__transaction_state` partition.
   */
  readonly wedgedTxnProducers: ReadonlyMap<number, number>;
  /**
   * The hanging transactions when the liveness window closed (the probe's liveness is judged
   * then): a hang may end later, e.g. when leadership moves to a replica whose producer state
   * never held the transaction (swarm seed 160000395).
   */
  readonly hangingAtLivenessEnd: ReadonlyMap<string, number>;
  /** The wedged producers when the workload's deadline passed (their liveness is judged then). */
  readonly wedgedAtWorkloadDeadline: ReadonlyMap<number, number>;
  /**
   * Client id of a consume-transform-produce producer still sending whose group's
   * `__consumer_offsets` partition holds a hanging transaction → that partition, at the end of
   * the run and when the workload's deadline passed (KafkaCluster.offsetsHungTxnProducers).
   */
  readonly offsetsHungTxnProducers: ReadonlyMap<number, number>;
  readonly offsetsHungAtWorkloadDeadline: ReadonlyMap<number, number>;
  /** The run's brokers are in ZooKeeper mode (reopenedInEpoch). */
  readonly zookeeperMode: boolean;
  /** "topic/partition\0value" → virtual time (µs) of the first send of it within a `txn` operation. */
  readonly txnSentAtUs: ReadonlyMap<string, number>;
  /** "topic/partition\0value" → "producerId/epoch" of the `txn` operation that first sent it. */
  readonly txnEpochOf: ReadonlyMap<string, string>;
  /** "topic/partition\0value" → the offset a committed (ok) `txn` operation acknowledged it at. */
  readonly txnAckedOffsetOf: ReadonlyMap<string, number>;
  /** The producers' transaction-state partitions and marker appends (TxnOutcomes). */
  readonly txnOutcomes: TxnOutcomes;
  /**
   * "producerId/epoch" held by two or more instances (a history process up to a fatal error:
   * sharedEpochs) → the time (µs) the second of them first invoked a `txn` operation under it
   * (sharedEpochBreach).
   */
  readonly sharedEpochSinceUs: ReadonlyMap<string, number>;
}

/** Anomalies of the harness itself: never excused by Kafka's promise. */
const HARNESS_KINDS: ReadonlySet<string> = new Set(['stuck', 'crash']);

type Excuse =
  | 'lost'
  | 'lost-acked'
  | 'lost-commit'
  | 'stale-commit-after-loss'
  | 'reissued-after-loss'
  | 'group-consequence'
  | 'reread-after-loss'
  | 'consequence'
  | 'committed'
  | 'retried-after-loss'
  | 'aborted-before-loss'
  | 'commit-past-loss'
  | 'skipped-after-loss'
  | 'read-past-before-loss'
  | 'read-before-reuse'
  | 'epoch-reopened'
  | 'reopened-copy'
  | 'coordinator-record';

/**
 * How a durability breach may excuse an anomaly kind (any kind not listed: never, e.g.
 * liveness, one-leader-per-epoch, G1a, nonlinearizable):
 * - 'retried-after-loss': a duplicate of records sent before the breach whose copy was read and
 *   then lost, and which the producer's retry appended again (the producer state that would
 *   have recognised the retry, ProducerStateManager's, was lost with the copy): every value sent
 *   before the breach and at most one copy of each left in the completed final read. Copies
 *   that all survive are a dedupe failure, never excused by a loss;
 * - 'lost': the loss of the records it names; every one must have been sent before the breach,
 *   or (ZooKeeper mode) acknowledged at an offset committed at the breach or below the log end
 *   the brokers losing power then had (reopenedInEpoch);
 * - 'lost-acked': acked-durable names the acknowledged record, then what the leader holds at its
 *   offset instead (a record the reused offset took, perhaps sent after the breach): the
 *   acknowledged one must have been sent before the breach, or (ZooKeeper mode) acknowledged at
 *   an offset committed at the breach or below the log end the brokers losing power then had
 *   (reopenedInEpoch);
 * - 'consequence': what a loss leads to (an offset reused and read before and after, a consumer
 *   that read a lost record, replicas that kept different lost suffixes, a send reordered by a
 *   loss); one of the records it names must have been sent before the breach, or, for a
 *   log-matching naming an end-transaction marker, its offset committed at the breach, or (ZooKeeper
 *   mode, a power loss) for a log-matching or consistent-read naming a gap, its offset committed
 *   at the breach or below the log end the brokers losing power then had (gapReopenedInEpoch),
 *   or for a consistent-read whose leader now holds an end-transaction marker there, its offset so
 *   (readReopenedInEpoch, as 'lost-acked' asks of the record's acknowledgement);
 * - 'committed': a replica short of committed offsets (its offsets [low, …]), or an HW that went
 *   back; the offsets it misses must include one committed before the breach.
 * - 'coordinator-record' (log-matching on `__consumer_offsets` or `__transaction_state`, whose
 *   records no client sent): the disagreement lies at an offset committed at the breach, or
 *   (ZooKeeper mode, a power loss) below the log end the brokers losing power then had
 *   (reopenedInEpoch: the follower's record there was copied from the damaged leader before the
 *   loss, what 'consequence' asks of a data topic by a send time; swarm --controller zookeeper
 *   seed 510048710).
 * - 'lost-commit': the loss of an acknowledged offset commit (checkers/groups.ts), judged against
 *   the breaches of its group's `__consumer_offsets` partition (placeOf), as 'lost' is for
 *   records: the commit must have been sent (invoked) before the breach. The same promise holds
 *   for it as for an acks=all record: the coordinator answers a commit once the partition's HW
 *   passes it (CoordinatorRuntime.onHighWatermarkUpdated), and the HW advances only while the
 *   ISR has min.insync.replicas members (Partition.maybeIncrementLeaderHW, isUnderMinIsr), so
 *   an answered commit sits on min.insync.replicas replicas, as an acknowledged record does.
 *   The transactional offsets checker's anomalies (checkers/txn-offsets.ts) are judged alike,
 *   their first op the transaction whose records the loss took: lost-txn-offsets (the committed
 *   transaction's offsets lost), double-consume (the earlier transaction's, so the later one
 *   re-read from below them; seed 689 of the transactions scenario, base 1), aborted-offsets-read
 *   (the aborted transaction's ABORT marker lost and its pending offsets kept, which the next
 *   COMMIT of the same producer id materializes: OffsetMetadataManager.replayEndTransactionMarker).
 * - 'stale-commit-after-loss' (lost-commit, on the group's `__consumer_offsets` partition): the
 *   fetched offset is what a later commit wrote, acknowledged and applied, which the checker could
 *   not count because it is stale (it names its generation below one a member had been handed:
 *   checkers/groups.ts names that commit and that assignment as the anomaly's third and fourth
 *   ops). Its staleness is the breach's: the assignment was invoked before the breach, the stale
 *   commit at or after it. The breach took the GroupMetadata record of the later generation; the
 *   new coordinator loads only what the log kept (CoordinatorLoaderImpl), starts the group afresh
 *   and numbers its generations from 1 again (ClassicGroup.initNextGeneration), and accepts
 *   commits naming its own generation (ClassicGroup.validateOffsetCommit: ILLEGAL_GENERATION only
 *   for generationId != this.generationId). The commit it overwrote was not lost, wherever it was
 *   sent (swarm seed 180026745: the reloaded coordinator's generation 1 committed 41 and then 37
 *   of t-1, generation 2 having been handed out before the breach; the fetch returned 37).
 * - 'reissued-after-loss' (shared-ownership, on the group's `__consumer_offsets` partition): of
 *   the generation's two hand-outs the anomaly names, the coordinator wrote the first before the
 *   breach and the second at or after it (GroupHandOuts: the partition leader's own append of
 *   the GroupMetadata or ConsumerGroupCurrentMemberAssignment record handing the member that
 *   generation, the last before its application learned it). The breach took the first; the
 *   reloaded coordinator (CoordinatorLoaderImpl replays only what the log kept) numbers the
 *   group's epochs or generations afresh and hands the number out again. Unlike
 *   'group-consequence' it does not ask when the application learned the first hand-out: one
 *   blocked in a poll learns it at its next poll, which may come after the breach (swarm seed
 *   180067370: consumer-0-1-0's member epoch 2 written at 6.0 s, learned at 36.0 s, the breach at
 *   6.9 s, consumer-0-6-0 handed epoch 2 again at 44.6 s). Two hand-outs written on one side of
 *   the breach stay violations.
 * - 'group-consequence': what the loss of a group's records (GroupMetadata, written before a
 *   generation's assignment is answered: CoordinatorRuntime completes SyncGroup's write at the
 *   HW) leads to, judged on the group's `__consumer_offsets` partition like 'consequence': a
 *   coordinator that reloads without the lost generation hands its number out again
 *   (shared-ownership) and accepts commits of the generation before it
 *   (stale-generation-commit); a member handed the partition re-reads records below a lost
 *   commit (excess-duplicate naming the commit it read below: two ops, the commit first; a
 *   member reading one offset twice in one generation names one op and is never excused).
 *   The operation whose state was lost — the anomaly's first op: the earlier hand-out of the
 *   generation, the later generation's assignment, or the commit — must have been invoked
 *   before the breach; a stale commit must have been acknowledged at or after it (before it,
 *   the coordinator still held the later generation and refuses the commit:
 *   ClassicGroup.validateOffsetCommit), see groupConsequence.
 * - 'reread-after-loss' (excess-duplicate, on the data partition it names): the record re-read
 *   sat at an offset committed when that partition's breach happened, and the re-read came
 *   after the breach: the loss gave the offset to another record (an offset reused, as
 *   'consequence' excuses for records), and the group's committed offset, past the lost log's
 *   end, sent the member back (out of range or truncation reset).
 * - 'commit-past-loss' (commit-skip, on the data partition it names): the group's commit, invoked
 *   before the breach, named a position past records the breach then took, and every offset
 *   the group skipped was committed (below the HW) when the breach happened: the loss truncated
 *   the log below the group's position and later records took those offsets, which a member
 *   resuming from the committed offset never fetches (seed 110000014 of the swarm: the group
 *   committed 63 after reading offsets 48..62, the last known leader came back with a log ending
 *   at 48, and records sent after the loss landed at 49..62).
 * - 'skipped-after-loss' (commit-skip, on the data partition it names): every record the group
 *   skipped was sent before the breach and is gone from the completed final read (the breach
 *   took it), and the commit and the group's first poll that read past the lowest skipped offset
 *   (the anomaly's two ops) were invoked after the breach: the group read those offsets only
 *   once the loss had given them to other records, and the ones there were never returned to a
 *   consumer (seeds 110050132 and 110055203 of the swarm: transaction markers and an aborted
 *   transaction's records; a consumer skips control batches under either isolation level and
 *   aborted transactional batches under read_committed, its position moving past them:
 *   CompletedFetch.nextFetchedRecord @ 3.9.0-rc3). A read past the offsets before the breach
 *   (the records were there), or a skipped record left in the log, stays a violation.
 * - 'read-past-before-loss' (commit-skip, on the data partition it names): the group's first
 *   poll that read past the lowest skipped offset (the anomaly's second op) was invoked before
 *   the breach, every skipped offset was committed (below the HW) when the breach happened, and
 *   every record the checker knows there was first sent at or after the breach: the group moved
 *   past what those offsets held then (a transaction marker, which a consumer never returns:
 *   CompletedFetch.nextFetchedRecord), the breach took it, and records sent later took the
 *   offsets below the group's position. 'commit-past-loss' with the read, not the commit, before
 *   the breach: a consumer commits its position (SubscriptionState.allConsumed, a partition in
 *   FETCHING) and questions it only once its metadata shows a newer leader epoch
 *   (maybeValidatePositionForCurrentLeader → AWAIT_VALIDATION, which allConsumed leaves out;
 *   @ 3.9.0-rc3), so a member whose fetch to the powered-off leader is still out commits the
 *   position it held before the breach (swarm seed 190067860: the member read x601-41..44 at
 *   55..58 and the COMMIT marker at 59, position 60, at 66.2 s; broker 3 came back with its log
 *   ending at 59 and was elected at 73.3 s; the group committed 60 at 78.8 s; probe-400-0,
 *   sent at 85.9 s, took offset 59). A record sent before the breach counts too if it was first
 *   sent after that read, which started at or below every skipped offset and moved past them all,
 *   was answered: the read moved only across offsets below the leader's HW (UnifiedLog.read), so
 *   a later record could take one only once the breach had taken it (swarm --controller zookeeper
 *   seed 370025474: p202-7, sent at 9.54 s after the member moved past the COMMIT marker at 56 at
 *   8.23 s, appended at 59 and lost in broker 3's power loss at 14.0 s, retried to offset 56 of the
 *   damaged leader at 61.1 s). A record sent before that answer, or a read past the offset after
 *   the breach, stays a violation here.
 * - 'read-before-reuse' (lost-write, on the partition it names): every record it names was first
 *   sent at or after the breach and acknowledged at an offset committed (below the HW) when the
 *   breach happened, and every poll that read across that offset (started at or below it and
 *   returned a record above it; a `txn` operation's poll micro-op counts from its first record)
 *   was invoked before the breach and returned only records sent before it: each read the log the
 *   breach took, and none went across the offset since. Jepsen's rule (checkers/kafka.ts
 *   jepsenLostWriteCases) takes a reader that moved past an offset to have read what it holds; a
 *   loss that ends the log below that offset lets a later record take it, below positions already
 *   reached: the last known leader's log ends where its recovery left it (PartitionChangeBuilder
 *   canElectLastKnownLeader, KIP-966), the others truncate to it, and the leader appends new
 *   records from that end (UnifiedLog.append: offsets from localLog.logEndOffset). A reader past the
 *   offset does not come back to it: a consumer whose position lies above the new leader's end
 *   for its last epoch gets LogTruncationException under auto.offset.reset=none, or is moved to
 *   that end by a reset policy (SubscriptionState.maybeCompleteValidation @ 3.9.0-rc3), and a
 *   group resumes from a committed position (a transaction's sendOffsetsToTransaction of a
 *   position read before the breach: TxnOffsetCommit does not check it against the log). The
 *   record stays in the log until retention deletes it. Swarm seed 800055578 (Kafka 4.1): the
 *   member of ctp-tx-0 read 0..21 of t/0 at 62.5..64.5 s in a transaction answered at 81.65 s; broker 1,
 *   its log lost, was elected at 75.53 s; p200-26, sent at 75.63 s, took offset 11, which no read
 *   crossed again before retention deleted it. A read across the offset invoked after the breach,
 *   or one that returned a record sent after it (it read the new log and missed the record), stays
 *   a violation, as does a record at an offset above the HW at the breach (never read past before).
 * - 'epoch-reopened' (epoch-cache-complete, epoch-cache-log; ZooKeeper mode only): a replica's
 *   epoch cache disagrees with its log from an offset committed when a power-loss breach
 *   happened. The broker that lost those offsets may lead again in the same epoch and append
 *   new records there (reopenedInEpoch); a replica holding that epoch's records of one leader
 *   then fetches another's records of an older epoch after them (the divergence check compares
 *   epochs only: LeaderEpochFileCache.endOffsetFor), and its cache drops the newer entry
 *   (LeaderEpochFileCache.assign, non-monotonic entries removed). Swarm seed 132011243.
 * - 'reopened-copy' (duplicate; ZooKeeper mode only): a value sent after a power-loss breach
 *   whose every copy but the highest sits at an offset committed when the breach happened. The
 *   broker that lost those offsets led again in the same epoch and appended the value there
 *   (reopenedInEpoch); its answer never came, and a leader that had kept the committed records
 *   there took the producer's retry in sequence as new (ProducerAppendInfo.checkSequence: it
 *   never saw the first copy), above them. The damaged broker, following that leader, keeps its
 *   copy: its last fetched epoch is the reused one, which the leader's cache also holds, so
 *   the leader's end offset for it (LeaderEpochFileCache.endOffsetFor: the start of its next
 *   epoch) is above the fetch offset and no divergence is found (Partition.fetchRecords,
 *   lastFetchedEpoch: a diverging epoch only when the end offset is below the fetch offset or
 *   its epoch below the fetched one) @ 3.9.0-rc3. Its log then holds both copies (log-matching
 *   at the lower offset, excused as 'consequence'), and electing it keeps both. Swarm seed
 *   135002310. Also a value sent before the breach whose lower copies came under the highest's
 *   producer id, appended since the breach by a leader with no state for it (the damaged broker,
 *   its producer state lost with its log, taking the retry of a batch committed before the
 *   breach whose answer the power loss swallowed as new: ProducerAppendInfo.checkSequence accepts
 *   any sequence with no current producer epoch; the leader that kept the original answers the
 *   next retry from ProducerStateEntry.findDuplicateBatch). Swarm seed 260024816. Also a value
 *   sent before the breach whose lower copies the broker losing power appended before it in the
 *   epoch it then led and lost with its log (its recovered log ends at or below them), kept by a
 *   follower once that broker led the epoch again and wrote up to them; the same broker took the
 *   retry since, in sequence for the state it rebuilt (retakenByDamagedLeader). Swarm seed 360005837.
 *   Also a value sent before the breach and re-sent by its producer under a bumped epoch (KIP-360),
 *   every lower copy committed at the breach: the original under the old epoch, and the resend
 *   twice, once by the damaged broker in the epoch it kept (it refused the retry as out of order,
 *   its state rebuilt from its recovered log, so the producer bumped its epoch) and at the highest
 *   offset by a leader that kept the committed records and never saw that copy
 *   (resentAroundReopenedCopy). Swarm --controller zookeeper seed 550045213.
 * - 'aborted-before-loss' (G1a): a read_committed read of records of a transaction aborted
 *   before the breach, every one sent within a `txn` operation before it (seed 94000981 of the
 *   transactions scenario): the partition lost the ABORT marker but kept the records, which
 *   re-open the producer's transaction on recovery; the next marker for that producer (a COMMIT
 *   the reloaded coordinator resends for a later transaction left in PrepareCommit,
 *   TransactionCoordinator.onElection → TransactionMarkerChannelManager.addTxnMarkersToSend)
 *   completes whatever transaction is open (ProducerAppendInfo.appendEndTxnMarker: from
 *   currentTxnFirstOffset), committing the aborted records.
 */
const DURABILITY_EXCUSES: ReadonlyMap<string, Excuse> = new Map<string, Excuse>([
  ['duplicate', 'retried-after-loss'],
  ['lost-write', 'lost'],
  ['acked-durable', 'lost-acked'],
  ['consistent-read', 'consequence'],
  ['inconsistent-offsets', 'consequence'],
  ['nonmonotonic-send', 'consequence'],
  ['nonmonotonic-poll', 'consequence'],
  ['poll-skip', 'consequence'],
  ['log-matching', 'consequence'],
  ['candidate-complete', 'committed'],
  ['hw-monotonic', 'committed'],
  ['lost-commit', 'lost-commit'],
  ['lost-txn-offsets', 'lost-commit'],
  ['double-consume', 'lost-commit'],
  ['aborted-offsets-read', 'lost-commit'],
  ['shared-ownership', 'group-consequence'],
  ['stale-generation-commit', 'group-consequence'],
  ['excess-duplicate', 'group-consequence'],
  ['G1a', 'aborted-before-loss'],
  ['commit-skip', 'commit-past-loss'],
  ['epoch-cache-complete', 'epoch-reopened'],
  ['epoch-cache-log', 'epoch-reopened'],
]);

/**
 * The excuses a kind may have besides its first (DURABILITY_EXCUSES): a group's re-read may also
 * follow from a loss of the data partition it re-read, a group's skip from a loss before it read
 * the skipped offsets, a lost write from a loss that gave its offset, read past before, to it.
 */
const LATER_EXCUSES: ReadonlyMap<string, readonly Excuse[]> = new Map<string, readonly Excuse[]>([
  ['excess-duplicate', ['reread-after-loss']],
  ['commit-skip', ['skipped-after-loss', 'read-past-before-loss']],
  ['lost-write', ['read-before-reuse']],
  ['lost-commit', ['stale-commit-after-loss']],
  ['duplicate', ['reopened-copy']],
  ['shared-ownership', ['reissued-after-loss']],
]);

/**
 * The one decision: why anomaly `a` is expected (the breach of Kafka's promise that makes it
 * so), or undefined when it is a violation (or informational, or the harness's own).
 * - A duplicate whose every value was re-sent under a new epoch, and whose copies came each
 *   under a newer epoch than the one before (AppendIdentities): that resend (kip-360-resend).
 * - A nonmonotonic-poll or poll-skip around such a duplicated value: the checker places a
 *   value at its first offset, so a consumer reading the second copy seems to go back and
 *   then to skip ahead, although its offsets only grow (kip-360-resend); likewise around a
 *   duplicate a durability breach explains, when the two polls' offsets grew by one
 *   (duplicateStepBehind: that breach).
 * - A loss of records sent before a durability breach (min-isr-power-loss,
 *   last-known-leader-elected, admin-unclean-election) of its partition, or a consequence of
 *   such a loss (DURABILITY_EXCUSES): the first such breach. Kafka promises nothing about
 *   records committed before it (nor, in ZooKeeper mode, about records acknowledged after it
 *   at the offsets it may lose: reopenedInEpoch); it still promises everything about records sent after it,
 *   idempotence (no other duplicate) and availability (liveness is judged in every run).
 * - Of a breach of `__transaction_state`: a hanging transaction's (hangingTxnBreach), two
 *   instances sharing an epoch (sharedEpochBreach), a committed transaction left open and then
 *   aborted (txnOutcomeLostBreach).
 */
export function expectedBecause(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  if (a.informational === true || HARNESS_KINDS.has(a.kind)) return undefined;
  const resend = resendBehind(a, evidence) ?? duplicateStepBehind(a, evidence);
  if (resend !== undefined) return resend;
  const hanging = hangingTxnBreach(a, evidence) ?? wedgedTxnBreach(a, evidence);
  if (hanging !== undefined) return hanging;
  return lossBreach(a, evidence) ?? sharedEpochBreach(a, evidence) ?? txnOutcomeLostBreach(a, evidence);
}

/** The first durability breach of `a`'s place that excuses it (DURABILITY_EXCUSES), if any. */
function lossBreach(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  const first = excuseOf(a);
  if (first === undefined) return undefined;
  const excuses: Excuse[] = [first, ...(LATER_EXCUSES.get(a.kind) ?? [])];
  for (const excuse of excuses) {
    const place = placeOf(a, excuse, evidence);
    if (place === undefined) continue;
    for (const b of evidence.breaches) {
      if (!DURABILITY_RULES.has(b.rule)) continue;
      if (place.topic !== undefined && b.topic !== undefined && b.topic !== place.topic) continue;
      if (place.partition !== undefined && b.partition !== undefined && b.partition !== place.partition) continue;
      if (excused(excuse, a, b, evidence)) return b;
    }
  }
  return undefined;
}

/**
 * What a hanging transaction after a durability breach explains (issue 17): that breach, of
 * `__transaction_state` or of the hanging partition itself.
 * - `__transaction_state`: the coordinator lost the records of a transaction
 *   (TransactionStateManager.loadTransactionsForTxnTopicPartition loads only what the log kept),
 *   so it never writes the transaction's markers and never times it out.
 * - The data partition: its replicas lost the transaction's marker but kept its records (seed
 *   92001250: both replicas of t/0 lost power). The coordinator had its marker acknowledged
 *   (KafkaApis.handleWriteTxnMarkersRequest appends it with requiredAcks = -1), dropped it
 *   (TransactionMarkerRequestCompletionHandler.onComplete, Errors.NONE) and completed the
 *   transaction, so it never writes it again; the replica's recovery re-opens the transaction
 *   from the records the log kept (ProducerStateManager.update of a transactional batch, no
 *   marker after it).
 * Either way the partition keeps an open transaction no coordinator knows, and its last stable
 * offset stays at its first offset, so read_committed reads (the liveness probe, the final read)
 * stop there for good (Kafka's hanging transaction: only an operator's `kafka-transactions.sh
 * abort` ends it, KIP-664). On `__consumer_offsets` (a TxnOffsetCommit's batch, its partition lost
 * from the reloaded transaction) the group keeps the offsets pending, and OffsetFetch with
 * requireStable answers UNSTABLE_OFFSET_COMMIT for good (OffsetMetadataManager.fetchOffsets →
 * hasPendingTransactionalOffsets; only replayEndTransactionMarker clears them): a
 * consume-transform-produce producer never gets past its transaction's first fetch (Kafka 4.1
 * swarm seeds 280071832, 280032285, 280035467).
 * Explained, each after a breach of `__transaction_state` or of its own partition: a liveness
 * failure naming such a partition and no node but the probe client (its probe or final read: a
 * producer's sends are not held up by it), and a lost write on such a partition at or above that
 * first offset (acknowledged, but no read_committed read can reach it). A liveness
 * failure naming no partition only node by node (stuckNodesBreach): a hang explains only the
 * nodes it holds up, after a breach that may have caused that hang.
 */
function hangingTxnBreach(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  // A partition's liveness is judged when the liveness window closes: a hang then explains it
  // even if it ended before the run did.
  const judgedAtWindowEnd = a.kind === 'liveness' && a.topic !== undefined;
  const hanging = judgedAtWindowEnd
    ? new Map([...evidence.hangingTransactions, ...evidence.hangingAtLivenessEnd])
    : evidence.hangingTransactions;
  if (hanging.size === 0) return undefined;
  if (a.kind === 'liveness' && a.topic === undefined) return stuckNodesBreach(a, evidence, hanging);
  const place = `${a.topic}/${a.partition}`;
  const firstOffset = hanging.get(place);
  if (firstOffset === undefined) return undefined;
  if (a.kind === 'liveness') {
    // Only reads: a producer's send to the partition is appended beside the hanging transaction
    // and acknowledged once the HW passes it (Partition.appendRecordsToLeader, then
    // checkEnoughReplicasReachOffset: the HW, not the LSO), so the producers a workload's
    // partition failure names are held up by something else.
    if ((a.nodes ?? []).some((n) => n !== PROBE_CLIENT_ID)) return undefined;
    // Nor a leader, an ISR or a probe send the partition never got back (checkers/liveness.ts):
    // the hang holds up the probe's poll alone.
    if ((a.unrecovered ?? []).some((c) => c !== 'poll')) return undefined;
  } else if (a.kind === 'lost-write') {
    const offsets = a.offsets ?? [];
    if (offsets.length === 0 || offsets.some((o) => o < firstOffset)) return undefined;
  } else {
    return undefined;
  }
  // A breach that may have left this partition hanging, not another one.
  const own = new Map([[place, firstOffset]]);
  return evidence.breaches.find((b) => DURABILITY_RULES.has(b.rule) && breachMayHang(b, own));
}

/**
 * A liveness failure naming no partition (the probe client's, or the workload's producers with no
 * send outstanding: driver/run.ts unfinishedWorkloadAnomalies): explained only when every node it
 * names is held up by a hang, each after a durability breach that may have caused the hang it is
 * held up by (breachMayHang of that hanging partition). The first such breach.
 * - The probe client (its probe, its final read) reads every partition of the workload's topics at
 *   read_committed, and a read_committed fetch returns nothing at or above the last stable offset
 *   (Partition.fetchRecords → UnifiedLog.read with FetchIsolation.TXN_COMMITTED: maxOffset =
 *   lastStableOffset; UnifiedLog.firstUnstableOffset is the hanging transaction's first offset), so
 *   a hang on a workload topic's partition holds it up (the first offset does not move: nothing
 *   ends the transaction).
 * - A producer: stuck on a wedged transactional id or on its group's hanging `__consumer_offsets`
 *   partition (stuckTxnProducerBreach). A hang on a workload topic holds up no producer with no
 *   send outstanding: a transactional produce to the partition is appended beside the hanging
 *   transaction (ProducerStateManager keeps one ongoing transaction per producer id), and a
 *   consume-transform-produce poll below the LSO is answered, empty at it (the transaction goes on
 *   with what it read); a producer with a send outstanding is named in its partition's anomaly.
 * Any other node (a node held up by nothing the hang explains, or no node) is not explained.
 */
function stuckNodesBreach(
  a: Anomaly,
  evidence: PromiseEvidence,
  hanging: ReadonlyMap<string, number>,
): PromiseBreach | undefined {
  const nodes = a.nodes ?? [];
  if (nodes.length === 0) return undefined;
  let first: PromiseBreach | undefined;
  for (const node of nodes) {
    const b = node === PROBE_CLIENT_ID ? readHungBreach(evidence, hanging) : stuckTxnProducerBreach(node, evidence);
    if (b === undefined) return undefined;
    first ??= b;
  }
  return first;
}

/**
 * The first durability breach that may have left a workload topic's partition with a hanging
 * transaction (of `__transaction_state`, or of that partition: breachMayHang), if any such
 * partition hangs: the probe client's read_committed reads stop at its first offset.
 */
function readHungBreach(evidence: PromiseEvidence, hanging: ReadonlyMap<string, number>): PromiseBreach | undefined {
  const onData = new Map([...hanging].filter(([tp]) => !tp.startsWith(`${OFFSETS_TOPIC}/`)));
  if (onData.size === 0) return undefined;
  return evidence.breaches.find((b) => DURABILITY_RULES.has(b.rule) && breachMayHang(b, onData));
}

/**
 * A producer stuck on a wedged transactional id (wedgedTxnBreach's rule: a breach of that id's
 * `__transaction_state` partition) or on its group's hanging `__consumer_offsets` partition after a
 * durability breach of `__transaction_state` or of that partition (swarm seed 280035467: 600 and
 * 602 on the wedged tx-0, 601 on group ctp-tx-1's pending offsets): the first such breach.
 */
function stuckTxnProducerBreach(node: number, evidence: PromiseEvidence): PromiseBreach | undefined {
  const wedged = new Map([...evidence.wedgedAtWorkloadDeadline, ...evidence.wedgedTxnProducers]);
  const hung = new Map([...evidence.offsetsHungAtWorkloadDeadline, ...evidence.offsetsHungTxnProducers]);
  const statePartition = wedged.get(node);
  const offsetsPartition = hung.get(node);
  return evidence.breaches.find(
    (x) =>
      DURABILITY_RULES.has(x.rule) &&
      ((statePartition !== undefined && x.topic === TXN_STATE_TOPIC && x.partition === statePartition) ||
        (offsetsPartition !== undefined &&
          (x.topic === TXN_STATE_TOPIC || (x.topic === OFFSETS_TOPIC && x.partition === offsetsPartition)))),
  );
}

/**
 * What a wedged transactional id after a durability breach of its `__transaction_state`
 * partition explains (issue 17; swarm seeds 110014025, 110021282, 110067252): its producers'
 * sends never completing. The chain, in Kafka 3.9.0-rc3's source:
 * 1. The breach loses the partition's last records of the id (records committed before it).
 *    The new coordinator loads what is left (TransactionStateManager
 *    .loadTransactionsForTxnTopicPartition): an older PrepareCommit/PrepareAbort at epoch E,
 *    which it completes: TransactionMetadata.prepareComplete sets the pending state
 *    CompleteCommit/CompleteAbort, and the markers go out at epoch E
 *    (TransactionMarkerChannelManager.addTxnMarkersToSend: txnMetadata.producerEpoch).
 * 2. A partition of that transaction has since appended a batch or marker of a newer epoch
 *    (the lost records had bumped it): ProducerAppendInfo.appendEndTxnMarker → checkProducerEpoch
 *    throws InvalidProducerEpochException for a marker below the last seen epoch.
 * 3. TransactionMarkerRequestCompletionHandler.onComplete takes INVALID_PRODUCER_EPOCH as "this
 *    txn can now be ignored": removeMarkersForTxn, abortSending; the completion is never
 *    written and the pending state never cleared (only removeMarkersForTxn runs).
 * 4. From then on TransactionCoordinator.prepareInitProducerIdTransit answers
 *    CONCURRENT_TRANSACTIONS (pendingTransitionInProgress), handleAddPartitionsToTransaction and
 *    endTransaction PRODUCER_FENCED or CONCURRENT_TRANSACTIONS; timedOutTransactions takes only
 *    Ongoing ones without a pending transition, and transactional.id expiration only states
 *    whose isExpirationAllowed (Empty, CompleteCommit, CompleteAbort). A coordinator reload
 *    repeats 1–3. Every producer of the id retries InitProducerId for good. KAFKA-19999 (PR
 *    21176) names this end state ("transactions permanently hanging in PREPARE state, causing
 *    clients to fail with CONCURRENT_TRANSACTIONS") for markers refused at the same epoch under
 *    transaction.version 2; its fix accepts only such same-epoch retries, not an older epoch.
 * Without a loss a partition never holds a newer epoch than the coordinator's (every bump is
 * written to `__transaction_state` before it is answered), so a wedge without such a breach
 * stays a violation. Explained: a liveness failure naming no partition whose every node is a
 * producer stuck on a wedged id whose `__transaction_state` partition had a durability breach.
 */
function wedgedTxnBreach(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  // Judged when the workload's deadline passed; a wedge still there at the end counts too.
  const wedged = new Map([...evidence.wedgedAtWorkloadDeadline, ...evidence.wedgedTxnProducers]);
  if (a.kind !== 'liveness' || a.topic !== undefined || wedged.size === 0) return undefined;
  const nodes = a.nodes ?? [];
  if (nodes.length === 0) return undefined;
  let first: PromiseBreach | undefined;
  for (const node of nodes) {
    const partition = wedged.get(node);
    if (partition === undefined) return undefined;
    const b = evidence.breaches.find(
      (x) => DURABILITY_RULES.has(x.rule) && x.topic === TXN_STATE_TOPIC && x.partition === partition,
    );
    if (b === undefined) return undefined;
    first ??= b;
  }
  return first;
}

/**
 * What a durability breach of `__transaction_state` explains on the data partitions (seed
 * 110021327 of the swarm): the loss of a committed transaction's records, aborted after all.
 * The coordinator reloads only what the log kept (TransactionStateManager
 * .loadTransactionsForTxnTopicPartition), so a transaction whose records (Ongoing,
 * PrepareCommit) the breach took is gone from its state, which is an earlier transaction's
 * CompleteCommit; the producer's EndTxn(COMMIT), retried after the old coordinator died, is
 * answered NONE as the retry of that completed commit (TransactionCoordinator.endTransaction:
 * CompleteCommit and COMMIT → Errors.NONE) and no marker is ever written. The partition keeps the
 * records as an open transaction of the producer id (ProducerStateManager); the producer's next
 * transaction on it joins that one (UnifiedLog.maybeStartTransactionVerification: no
 * verification while hasOngoingTransaction; ProducerAppendInfo.appendDataBatch keeps
 * currentTxnFirstOffset), and that transaction's marker ends both from the first offset
 * (appendEndTxnMarker): an ABORT aborts the committed records, which no read_committed read
 * returns. Explained: a lost-write, or a poll-skip whose every skipped value is such a record
 * (a read_committed reader skipping the aborted records), when every record it names was
 * acknowledged by an ok `txn` operation sent before a durability breach of the
 * `__transaction_state` partition of its producer id, and was still in an open transaction on
 * its partition at the breach (no marker of that producer id appended above it before then).
 *
 * The same join commits an aborted transaction's records (vote-without-log-check/guided seed
 * 3000288, its mutated input replayed on the correct model): instance 601's transaction at epoch 5
 * appended x601-13 and x601-14 to t/1 before a power loss of every broker took the unflushed
 * AddPartitionsToTxn (Ongoing with t/1) from `__transaction_state`; the coordinator, which no
 * longer lists t/1 in the transaction, fenced it (PRODUCER_FENCED) without writing t/1 a marker
 * (TransactionMarkerChannelManager.addTxnMarkersToSend sends to txnMetadata.topicPartitions only, 3.9.0), and the
 * producer's next transaction on t/1 joined the open one and committed it, the two records with
 * it. Explained the same way: a G1a whose every value was sent in a `txn` operation invoked before
 * such a breach and was still open on its partition at the breach, at the offset the poll read it.
 *
 * A group's commit-skip of such committed records, aborted after all, is that loss seen by the
 * group (swarm --controller kraft seed 500089287, its shrink with the first cut after 850 ms):
 * every consumer of a run with transactions reads at read_committed (scenarios/input.ts), and
 * a read_committed consumer skips the batches of an aborted transaction, its position moving past
 * them (CompletedFetch.nextFetchedRecord: isBatchAborted → nextFetchOffset = the batch's next
 * offset, @ 3.9.0-rc3), so the member commits a position above records it never returned.
 * Explained (skippedAbortedAfter): a commit-skip whose every skipped offset (all of them listed)
 * holds exactly one value, acknowledged there by an ok `txn` sent before the breach and still open
 * then (as for a lost-write), none in the completed final read, and whose commit and first read
 * past the lowest skipped offset (its two ops) were invoked at or after the breach: before it the
 * transaction was open on the partition (no marker it kept), and a read_committed fetch stops at
 * its first offset (the last stable offset: UnifiedLog.read with FetchIsolation.TXN_COMMITTED), so
 * only a marker written since, by the reloaded coordinator's state, can have let the group past.
 */
function txnOutcomeLostBreach(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  if (a.topic === undefined || a.partition === undefined) return undefined;
  const values = a.kind === 'commit-skip' ? commitSkipTxnValues(a, evidence) : txnOutcomeValues(a);
  if (values === undefined || values.length === 0) return undefined;
  const offsetOf = (v: string, k: number) =>
    a.kind === 'G1a' ? a.offsets?.[k] : evidence.txnAckedOffsetOf.get(valueKey(a.topic!, a.partition!, v));
  return evidence.breaches.find(
    (b) =>
      DURABILITY_RULES.has(b.rule) &&
      b.topic === TXN_STATE_TOPIC &&
      (a.kind !== 'commit-skip' || skippedAbortedAfter(a, b, evidence)) &&
      values.every((v, k) => openAtStateLoss(a.topic!, a.partition!, v, offsetOf(v, k), b, evidence)),
  );
}

/** How many skipped offsets a commit-skip lists at most (checkers/groups.ts commitSkipCases). */
const COMMIT_SKIP_SHOWN = 20;

/**
 * The values of a commit-skip the transactional-outcome rule must explain: undefined unless the
 * checker listed every skipped offset (fewer than COMMIT_SKIP_SHOWN) and each holds exactly one of
 * its values, the one an ok `txn` acknowledged there.
 */
function commitSkipTxnValues(a: Anomaly, evidence: PromiseEvidence): readonly string[] | undefined {
  const offsets = a.offsets ?? [];
  const values = a.values ?? [];
  if (offsets.length === 0 || offsets.length >= COMMIT_SKIP_SHOWN || values.length !== offsets.length) return undefined;
  const acked = values.map((v) => evidence.txnAckedOffsetOf.get(valueKey(a.topic!, a.partition!, v)));
  const sameOffsets = new Set(acked).size === offsets.length && offsets.every((o) => acked.includes(o));
  return sameOffsets ? values : undefined;
}

/**
 * A commit-skip's two ops (the commit, the group's first read past the lowest skipped offset) were
 * invoked at or after `b`, and the completed final read holds none of its values (txnOutcomeLostBreach).
 */
function skippedAbortedAfter(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  if (ops.length !== 2) return false;
  const after = ops.every((i) => {
    const t = evidence.eventTimeUs(i);
    return t !== undefined && t >= b.atUs;
  });
  return after && (a.values ?? []).every((v) => evidence.finalCopies(a.topic!, a.partition!, v) === 0);
}

/**
 * The records of `a` the transactional-outcome rule must explain: a lost-write's, a G1a's (each at
 * the offset it was read at), or the values
 * a poll-skip between two polls skipped (its values after the two it went between; undefined
 * when the checker listed only the first 8 of them, or for a reset's poll-skip).
 */
function txnOutcomeValues(a: Anomaly): readonly string[] | undefined {
  if (a.kind === 'lost-write') return a.values;
  if (a.kind === 'G1a') return a.offsets?.length === a.values?.length ? a.values : undefined;
  if (a.kind !== 'poll-skip' || a.offsets !== undefined) return undefined;
  const skipped = (a.values ?? []).slice(2);
  return skipped.length >= 8 ? undefined : skipped;
}

/**
 * `value`, at `offset` (where an ok `txn` acknowledged it, or where a G1a's poll read it), was sent
 * in a `txn` invoked before `b`, whose producer's transaction state is on `b`'s partition, and was
 * still in an open transaction at `b` (txnOutcomeLostBreach).
 */
function openAtStateLoss(
  topic: string,
  partition: number,
  value: string,
  offset: number | undefined,
  b: PromiseBreach,
  e: PromiseEvidence,
): boolean {
  const key = valueKey(topic, partition, value);
  const sentUs = e.txnSentAtUs.get(key);
  const producerId = Number(e.txnEpochOf.get(key)?.split('/')[0]);
  if (sentUs === undefined || offset === undefined || !Number.isInteger(producerId) || sentUs >= b.atUs) return false;
  if (e.txnOutcomes.statePartitionOf(producerId) !== b.partition) return false;
  return !e.txnOutcomes.closedBefore(partition, producerId, offset, b.atUs, e.replacedInLastLook);
}

/**
 * Anomalies two producer instances sharing one producer id and epoch lead to (sharedEpochBreach),
 * besides a poll-skip of such records (sharedEpochValues).
 */
const SHARED_EPOCH_KINDS: ReadonlySet<string> = new Set([
  'lost-write',
  'acked-durable',
  'inconsistent-offsets',
  'consistent-read',
  'nonmonotonic-send',
  'duplicate',
]);

/**
 * What a durability breach of `__transaction_state` explains on the data partitions (seed
 * 1000016 of the transactions scenario): the records of two producer instances that held one
 * producer id and epoch after it. The coordinator reloads only what the log kept
 * (TransactionStateManager.loadTransactionsForTxnTopicPartition), so an epoch bump it had
 * committed and lost (an InitProducerId's Empty at epoch E) is made again for the next instance
 * of the transactional id (TransactionCoordinator.prepareInitProducerIdTransit,
 * TransactionMetadata.prepareIncrementProducerEpoch): two live instances then hold one producer
 * id at epoch E, and neither is fenced. Partition leaders cannot tell their batches apart: a
 * batch of one at the sequences of the other's is a duplicate (ProducerStateEntry.
 * findDuplicateBatch compares the epoch and the sequence range only) and is acknowledged at the
 * other's offsets, records never appended. Explained: an anomaly of SHARED_EPOCH_KINDS whose
 * every value, or a poll-skip whose every skipped value (sharedEpochValues), was sent within a
 * `txn` operation under one shared (producer id, epoch) (the history's producerId/producerEpoch),
 * whose second instance began at or after the breach.
 * An instance is a history process (a producer node's incarnation) up to a `txn` operation
 * ending with a fatal error, after which the application opens a new producer (sharedEpochs):
 * swarm seed 200004756, one process re-granted the epoch it held before the breach, its new
 * transaction's first batch answered as a duplicate of its old one's (sequence 0 at epoch 3).
 * The two instances share the partitions' one open transaction of that producer id too: a marker
 * the coordinator writes for one instance's transaction (its producer id and epoch, the
 * coordinator cannot tell the instances apart) ends whatever transaction is open there
 * (ProducerAppendInfo.appendEndTxnMarker: from currentTxnFirstOffset, checkProducerEpoch only
 * refuses a lower epoch, 3.9.0-rc3), the other instance's records with it. So also explained: a
 * G1a whose every value was sent under the shared epoch and whose abort its client saw at or after
 * the second instance began (sharedEpochAbortLate). Swarm --controller zookeeper seed 540094363:
 * 602, re-granted 600's lost epoch 4, committed 600's x600-4 (open on t/0 from 102) with its own
 * transaction, while 600's client failed its transaction (abortable-error).
 */
function sharedEpochBreach(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  const values = sharedEpochValues(a);
  if (values === undefined || values.length === 0 || a.topic === undefined || a.partition === undefined)
    return undefined;
  const epochs = new Set(values.map((v) => evidence.txnEpochOf.get(valueKey(a.topic!, a.partition!, v))));
  if (epochs.size !== 1) return undefined;
  const [epoch] = epochs;
  const sharedSinceUs = epoch === undefined ? undefined : evidence.sharedEpochSinceUs.get(epoch);
  if (sharedSinceUs === undefined || !sharedEpochAbortLate(a, sharedSinceUs)) return undefined;
  return evidence.breaches.find(
    (b) => DURABILITY_RULES.has(b.rule) && b.topic === TXN_STATE_TOPIC && sharedSinceUs >= b.atUs,
  );
}

/**
 * The records of `a` the shared-epoch rule must explain: every value of an anomaly of
 * SHARED_EPOCH_KINDS, the values a poll-skip between two polls skipped, or a G1a's values, each
 * at the offset its poll read it (txnOutcomeValues).
 * Such a skip is the read side of the duplicate answers (seed 1000285 on seed 1000016's input at
 * 3.9): instance 600's batches at the sequences of instance 601's aborted x601-23 and x601-24
 * were acknowledged at their offsets 68 and 70 and their transaction committed, so the log holds
 * 601's aborted records there, which a read_committed read skips (the fetch answer's aborted
 * transactions), going from x601-22 at 66 to x600-11 at 74.
 */
function sharedEpochValues(a: Anomaly): readonly string[] | undefined {
  if (a.kind === 'poll-skip' || a.kind === 'G1a') return txnOutcomeValues(a);
  return SHARED_EPOCH_KINDS.has(a.kind) ? (a.values ?? []) : undefined;
}

/**
 * Not a G1a, or a G1a whose abort its client saw (timesUs[0]) at or after `sharedSinceUs`: a
 * transaction whose ABORT was written before the second instance began is closed on its partitions,
 * and no marker of that instance can end it again (sharedEpochBreach).
 */
function sharedEpochAbortLate(a: Anomaly, sharedSinceUs: number): boolean {
  if (a.kind !== 'G1a') return true;
  const abortedUs = a.timesUs?.[0];
  return abortedUs !== undefined && abortedUs >= sharedSinceUs;
}

/** `b` is of `__transaction_state`, or of a partition left with a hanging transaction. */
function breachMayHang(b: PromiseBreach, hanging: ReadonlyMap<string, number>): boolean {
  if (b.topic === TXN_STATE_TOPIC) return true;
  return b.topic !== undefined && b.partition !== undefined && hanging.has(`${b.topic}/${b.partition}`);
}

/**
 * How a breach may excuse `a` (DURABILITY_EXCUSES). Replicas of `__consumer_offsets` or
 * `__transaction_state` (seed 110043962) that disagree (log-matching) name a coordinator's
 * records, which no client sent, so the
 * records' send times cannot judge them: the disagreement must lie at an offset committed when
 * the breach happened, which implies what 'consequence' asks of a data topic (the record there
 * then was written before the breach), or, after a ZooKeeper-mode power loss, below the log end
 * the brokers losing power then had ('coordinator-record': coordinatorRecordReopened).
 */
function excuseOf(a: Anomaly): Excuse | undefined {
  if (a.kind === 'log-matching' && (a.topic === OFFSETS_TOPIC || a.topic === TXN_STATE_TOPIC)) {
    return 'coordinator-record';
  }
  return DURABILITY_EXCUSES.get(a.kind);
}

/**
 * The topic and partition whose breaches may excuse `a`: its own, or for a lost commit its
 * group's `__consumer_offsets` partition (undefined when the run has no group to place it).
 */
function placeOf(
  a: Anomaly,
  excuse: Excuse,
  evidence: PromiseEvidence,
): { topic?: string; partition?: number } | undefined {
  const onGroupPartition =
    excuse === 'lost-commit' ||
    excuse === 'stale-commit-after-loss' ||
    excuse === 'reissued-after-loss' ||
    excuse === 'group-consequence';
  if (!onGroupPartition) return { topic: a.topic, partition: a.partition };
  const partition = a.group === undefined ? undefined : evidence.offsetsPartitionOf(a.group);
  return partition === undefined ? undefined : { topic: OFFSETS_TOPIC, partition };
}

function excused(excuse: Excuse, a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  switch (excuse) {
    case 'lost':
      return sentBefore(a, b, evidence, true) || reopenedInEpoch(a, b, evidence);
    case 'lost-acked':
      return (
        sentBefore({ ...a, values: (a.values ?? []).slice(0, 1) }, b, evidence, true) || reopenedInEpoch(a, b, evidence)
      );
    case 'lost-commit':
      return firstOpBefore(a, b, evidence);
    case 'stale-commit-after-loss':
      return a.kind === 'lost-commit' && staleCommitAfterLoss(a, b, evidence);
    case 'reissued-after-loss':
      return a.kind === 'shared-ownership' && reissuedAfterLoss(a, b, evidence);
    case 'reread-after-loss':
      return committedBefore(a, b, evidence) && lastOpAfter(a, b, evidence);
    case 'group-consequence':
      return groupConsequence(a, b, evidence);
    case 'consequence':
      return (
        sentBefore(a, b, evidence, false) ||
        markerCommittedBefore(a, b, evidence) ||
        gapReopenedInEpoch(a, b, evidence) ||
        readReopenedInEpoch(a, b, evidence)
      );
    case 'committed':
      return committedBefore(a, b, evidence);
    case 'retried-after-loss':
      return sentBefore(a, b, evidence, true) && atMostOneCopyLeft(a, evidence);
    case 'aborted-before-loss':
      return abortedBefore(a, b, evidence);
    case 'commit-past-loss':
      return firstOpBefore(a, b, evidence) && allCommittedBefore(a, b, evidence);
    case 'skipped-after-loss':
      return skippedAfterLoss(a, b, evidence);
    case 'read-past-before-loss':
      return readPastBeforeLoss(a, b, evidence) && allCommittedBefore(a, b, evidence);
    case 'read-before-reuse':
      return allSentAtOrAfter(a, b, evidence) && allCommittedBefore(a, b, evidence) && readBeforeReuse(a, b, evidence);
    case 'epoch-reopened':
      return evidence.zookeeperMode && b.rule === 'min-isr-power-loss' && committedBefore(a, b, evidence);
    case 'reopened-copy':
      return reopenedCopies(a, b, evidence);
    case 'coordinator-record':
      return committedBefore(a, b, evidence) || coordinatorRecordReopened(a, b, evidence);
    default:
      return assertNever(excuse);
  }
}

/** G1a: the abort answered (timesUs[0]) before `b`, every value sent within a `txn` operation before it. */
function abortedBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const abortedUs = a.timesUs?.[0];
  const values = a.values ?? [];
  if (abortedUs === undefined || abortedUs >= b.atUs || a.topic === undefined || a.partition === undefined)
    return false;
  if (values.length === 0) return false;
  return values.every((v) => {
    const t = evidence.txnSentAtUs.get(valueKey(a.topic!, a.partition!, v));
    return t !== undefined && t < b.atUs;
  });
}

/**
 * 'skipped-after-loss': `a` names two ops, both invoked at or after `b` (the commit, the group's
 * first read past the skipped offsets), and values, every one sent before `b` and none left in
 * the completed final read.
 */
function skippedAfterLoss(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  if (ops.length !== 2 || a.topic === undefined || a.partition === undefined) return false;
  const after = ops.every((i) => {
    const t = evidence.eventTimeUs(i);
    return t !== undefined && t >= b.atUs;
  });
  const gone = (a.values ?? []).every((v) => evidence.finalCopies(a.topic!, a.partition!, v) === 0);
  return after && gone && sentBefore(a, b, evidence, true);
}

/**
 * 'read-past-before-loss': `a` names two ops, the second (the group's first read past the skipped
 * offsets) invoked before `b`, and values, every one first sent at or after `b`, or after that
 * read, which started at or below every skipped offset and left its position above them all,
 * had been answered (sentAfterReadAcross): what the group read past was not those records.
 */
function readPastBeforeLoss(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  const values = a.values ?? [];
  if (ops.length !== 2 || values.length === 0 || a.topic === undefined || a.partition === undefined) return false;
  const readUs = evidence.eventTimeUs(ops[1]);
  if (readUs === undefined || readUs >= b.atUs) return false;
  return allSentAtOrAfter(a, b, evidence) || sentAfterReadAcross(a, ops[1], evidence);
}

/**
 * Every value `a` names was first sent after the answer to the poll invoked at `readIndex`, a
 * poll that started at or below every offset `a` names and left its position above them all
 * (swarm --controller zookeeper seed 370025474: the member read 40..55 and moved past the
 * COMMIT marker at 56 at 8.23 s; p202-7, sent at 9.54 s, took offset 56 after the breach at
 * 14.0 s). A fetch reads only below the leader's HW or LSO (UnifiedLog.read: maxOffsetMetadata),
 * so every offset that read moved across was committed when it was answered, and a record sent
 * later is appended at or above that leader's log end, above them: only a loss of those committed
 * offsets lets it take one. A record sent before the answer could have been there when the read
 * moved past it, which stays a violation.
 */
function sentAfterReadAcross(a: Anomaly, readIndex: number, evidence: PromiseEvidence): boolean {
  const read = evidence.pollAnswer(readIndex);
  const offsets = a.offsets ?? [];
  if (read === undefined || offsets.length === 0 || a.topic === undefined || a.partition === undefined) return false;
  if (read.fromOffset > Math.min(...offsets) || read.nextOffset <= Math.max(...offsets)) return false;
  return (a.values ?? []).every((v) => {
    const t = evidence.sentAtUs.get(valueKey(a.topic!, a.partition!, v));
    return t !== undefined && t > read.atUs;
  });
}

/**
 * 'read-before-reuse': each offset `a` names was read across by some poll, and every poll that read
 * across it was invoked before breach `b` and returned only records sent before `b` (the log `b`
 * took, not the record `a` names: DURABILITY_EXCUSES).
 */
function readBeforeReuse(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const offsets = a.offsets ?? [];
  if (a.topic === undefined || a.partition === undefined || offsets.length === 0) return false;
  const topic = a.topic;
  const partition = a.partition;
  const sentBeforeBreach = (v: string) => {
    const t = evidence.sentAtUs.get(valueKey(topic, partition, v));
    return t !== undefined && t < b.atUs;
  };
  const reads = evidence.reads(topic, partition);
  return offsets.every((o) => {
    const across = reads.filter((r) => readsAcross(r, o));
    return (
      across.length > 0 && across.every((r) => r.invokedUs < b.atUs && r.records.every(([, v]) => sentBeforeBreach(v)))
    );
  });
}

/** The read started at or below `offset` (a txn's poll: its first record) and returned a record above it. */
function readsAcross(r: PartitionRead, offset: number): boolean {
  const n = r.records.length;
  if (n === 0) return false;
  return (r.fromOffset ?? r.records[0][0]) <= offset && r.records[n - 1][0] > offset;
}

/** The completed final read holds at most one copy of each value `a` names. */
function atMostOneCopyLeft(a: Anomaly, evidence: PromiseEvidence): boolean {
  if (a.topic === undefined || a.partition === undefined) return false;
  return (a.values ?? []).every((v) => {
    const copies = evidence.finalCopies(a.topic!, a.partition!, v);
    return copies !== undefined && copies <= 1;
  });
}

function assertNever(x: never): never {
  throw new Error(`unexpected excuse ${String(x)}`);
}

/**
 * A data-topic log-matching disagreement that names an end-transaction marker (seed 160023953):
 * no client sent it (the coordinator's WriteTxnMarkers request has the leader append it,
 * KafkaApis.handleWriteTxnMarkersRequest → MemoryRecords.withEndTransactionMarker), so it has
 * no send time. As for `__transaction_state` ('committed'), the offset judges it: an offset
 * committed when breach `b` happened held a record written before `b`, what 'consequence' asks.
 */
function markerCommittedBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const namesMarker = (a.values ?? []).some((v) => v === 'COMMIT' || v === 'ABORT');
  return a.kind === 'log-matching' && namesMarker && committedBefore(a, b, evidence);
}

/**
 * The value a log-matching anomaly names for a gap (checkers/invariants.ts firstDisagreement: the
 * placeholder's, model/replica-log.ts gapAt), which no client sends.
 */
const GAP_VALUE = '';

/**
 * The kinds that name a gap (GAP_VALUE) a replica holds: log-matching (two replicas), and
 * consistent-read (a consumed record where the current leader now holds a gap).
 */
const GAP_KINDS: ReadonlySet<string> = new Set(['log-matching', 'consistent-read']);

/**
 * ZooKeeper mode: a log-matching disagreement one side of which is a gap, at an offset committed
 * when breach `b`, a power loss, happened (swarm seed 190049908), or below the log end the
 * brokers losing power then had (swarm seed 270065951: HW 32, the damaged leader's log end 39,
 * the gap at 33). The gap is where a follower's batch was, copied from that leader before `b`; a
 * gap names no record, so 'consequence' cannot judge it by a send time. The chain @ 3.9.0-rc3:
 * the broker that lost those offsets leads again in the same epoch (reopenedInEpoch: a new
 * controller's initializeControllerContext reads its new registration, and
 * PartitionStateMachine.initializePartitionState finds the leader live, so OnlinePartition, no
 * election) and appends new batches there, whose boundaries need not be the lost ones. A
 * follower's divergence check compares epochs only: it truncates to the leader's end offset of
 * that epoch (AbstractFetcherThread.getOffsetTruncationState), which may fall inside one of its
 * batches; LogSegment.truncateTo cuts from the batch holding the target (translateOffset →
 * FileRecords.searchForOffsetWithSize: the first batch whose last offset is ≥ it) and
 * LocalLog.truncateTo sets the log end to the target, so the batch's offsets below it are a gap.
 * Its fetch resumes at the target (AbstractFetcherThread.updateFetchOffsetAndMaybeMarkTruncationComplete)
 * and the leader's read from there starts at its own batch holding it, never the offsets below:
 * the gap stays, against the leader's new record. Without a reused epoch every replica's batches
 * of one epoch are the one leader's, and every end offset of an epoch falls between them; and a
 * follower's batch of the reused epoch came from the damaged leader's log, so it lies below that
 * leader's log end at the loss: a gap at or above it stays a violation.
 * Likewise a consistent-read against such a gap (swarm seed 290036775): the damaged leader's new
 * record at the gap's offset was committed once the follower's log end (the truncation target)
 * passed it (Partition.maybeIncrementLeaderHW counts a follower by its log end offset, not by what
 * it holds below it), a consumer read it, and the follower, in the ISR, was then elected (there
 * the controller's auto leader rebalance: Election.leaderForPreferredReplica asks only that the
 * preferred replica be live and in the ISR), its gap where the record was.
 */
function gapReopenedInEpoch(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const namesGap = (a.values ?? []).includes(GAP_VALUE);
  if (!GAP_KINDS.has(a.kind) || !namesGap) return false;
  return reopenedInEpoch(a, b, evidence);
}

/**
 * ZooKeeper mode: a consistent-read of a record where the current leader now holds an
 * end-transaction marker, at an offset committed when breach `b`, a power loss, happened, or below
 * the log end the brokers losing power then had (reopenedInEpoch): the read side of the loss
 * 'lost-acked' excuses for the record's acked-durable (swarm --controller zookeeper seed
 * 520039709). A marker, like a gap (gapReopenedInEpoch), has no send time (the coordinator's
 * WriteTxnMarkers, KafkaApis.handleWriteTxnMarkersRequest), so 'consequence' cannot judge it by one;
 * the offset judges it, as it does the acknowledgement. The chain @ 3.9.0-rc3: broker 3 led t/0 in
 * epoch 5, follower 1 holding ABORT at 3 below the HW 20, and lost power with everything from 3 on.
 * Once the old controller's session expired, broker 3 (registered again) won the election, and its
 * failover found itself live and leading (KafkaController.onControllerFailover;
 * PartitionStateMachine.initializePartitionState: OnlinePartition, no election;
 * ReplicaStateMachine.startup sends the stored epoch 5), which it took as new
 * (ReplicaManager.becomeLeaderOrFollower), appending probe-400-0 at 3. Follower 1, fetching at 20
 * with last fetched epoch 5, learnt the epoch ends at the leader's log end 4 (Partition.readRecords
 * → lastOffsetForLeaderEpoch) and truncated to 4 (AbstractFetcherThread.getOffsetTruncationState:
 * epochs only), keeping ABORT at 3; its log end raised the HW to 4 (Partition.maybeIncrementLeaderHW
 * counts a follower by its log end), so probe-400-0 was acknowledged (acks=all) and read with only
 * broker 3 holding it. The auto leader rebalance then chose broker 1 (KafkaController
 * .checkAndTriggerAutoLeaderRebalance, Election.leaderForPreferredReplica: live and in the ISR),
 * which holds ABORT there. A record, or a log end below the offset, where the leader now stands
 * stays Kafka's to explain ('consequence' by a send time); so does any offset at or above that log
 * end, where no follower holds a record of the reopened epoch.
 */
function readReopenedInEpoch(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const held = (a.values ?? [])[1];
  const namesMarker = held === 'COMMIT' || held === 'ABORT';
  return a.kind === 'consistent-read' && namesMarker && reopenedInEpoch(a, b, evidence);
}

/**
 * 'coordinator-record', ZooKeeper mode (swarm --controller zookeeper seed 510048710): two replicas
 * of `__transaction_state` or `__consumer_offsets` disagree at an offset the damaged leader held,
 * uncommitted, when it lost power in `b`. Broker 3 led `__transaction_state`/2 in epoch 0 and was
 * the controller; it appended tx-0's Empty record at 0, follower 1 copied it (HW 0: follower 2
 * was cut off), and broker 3 lost power and that unflushed record. Its /controller and
 * /brokers/ids/3 stood until its old session expired, and its new registration landed just
 * before another broker won the controller election: the failover read it live and leading
 * (KafkaController.onControllerFailover → initializeControllerContext;
 * PartitionStateMachine.initializePartitionState: OnlinePartition, no election), so broker 3
 * took epoch 0 as new (ReplicaManager.becomeLeaderOrFollower: requestLeaderEpoch >
 * currentLeaderEpoch, -1) and its coordinator wrote tx-0's new Empty record at 0 in epoch 0.
 * Follower 1's fetch at 1 with last fetched epoch 0 found no divergence (Partition.readRecords:
 * lastOffsetForLeaderEpoch(0) is the leader's log end, 1, not below the fetch offset, all
 * @ 3.9.0-rc3), so it kept its record below the HW the leader then advanced. The record a
 * follower holds there was copied from the damaged leader before `b`, which 'consequence'
 * asks of a data topic by a send time; at or above that log end no follower holds a record of
 * the reopened epoch (reopenedInEpoch), and that stays a violation.
 */
function coordinatorRecordReopened(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  return reopenedInEpoch(a, b, evidence);
}

/** ZooKeeper mode, `b` a power loss: its leader may lead again in the same epoch (reopenedInEpoch). */
function reopenableEpoch(b: PromiseBreach, evidence: PromiseEvidence): boolean {
  return evidence.zookeeperMode && b.rule === 'min-isr-power-loss';
}

/** Every offset `a` names lay below the log end the brokers losing power in `b` had then. */
function allBelowLeoAtLoss(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const offsets = a.offsets ?? [];
  if (a.partition === undefined || offsets.length === 0) return false;
  const leo = evidence.leoAtPowerLoss.get(b)?.get(a.partition) ?? 0;
  return offsets.every((o) => o < leo);
}

/** Every value `a` names (it names some, on a partition) was first sent at or after breach `b`. */
function allSentAtOrAfter(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const values = a.values ?? [];
  if (a.topic === undefined || a.partition === undefined || values.length === 0) return false;
  return values.every((v) => {
    const t = evidence.sentAtUs.get(valueKey(a.topic!, a.partition!, v));
    return t !== undefined && t >= b.atUs;
  });
}

/** The records `a` names were sent before breach `b`: all of them (`all`) or at least one. */
function sentBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence, all: boolean): boolean {
  const values = a.values ?? [];
  if (a.topic === undefined || a.partition === undefined || values.length === 0) return false;
  const before = (v: string) => {
    const t = evidence.sentAtUs.get(valueKey(a.topic!, a.partition!, v));
    return t !== undefined && t < b.atUs;
  };
  return all ? values.every(before) : values.some(before);
}

/**
 * ZooKeeper mode: every offset `a` names (a record acknowledged there, perhaps after breach
 * `b`) was committed when `b`, a power loss, happened (seed 99004432). The broker that lost
 * those offsets may lead again in the same leader epoch: a ZooKeeper controller that fails
 * over finds it live and leading and keeps its epoch (KafkaController.onControllerFailover →
 * PartitionStateMachine.initializePartitionState: a live leader is OnlinePartition, no
 * election), and the restarted broker, whose Partition has no epoch yet, takes that epoch as
 * new (ReplicaManager.becomeLeaderOrFollower: requestLeaderEpoch > currentLeaderEpoch). It
 * appends new records at the lost offsets in that same epoch while a follower keeps the old
 * ones there: the follower's truncation compares epochs only (LeaderEpochFileCache
 * .endOffsetFor of the follower's last fetched epoch, the leader's log end while that epoch
 * is its latest), so it keeps its own records below that end. A record acknowledged at such
 * an offset sits beside a replica holding another one there, which may be elected and keep
 * it. KRaft bumps the epoch on every such return (KIP-966), so this is ZooKeeper mode's alone.
 * Or every offset lay below the log end the brokers losing power then had (swarm --controller
 * zookeeper seed 440040610): a follower may hold that epoch's records above the HW too, copied
 * from the damaged leader before its loss, and the same truncation keeps them, or cuts inside
 * one of its batches and leaves a gap (gapReopenedInEpoch); either way its log end passes the
 * new record it lacks, which the HW then commits (Partition.maybeIncrementLeaderHW counts a
 * follower by its log end, LocalLog.truncateTo sets that end to the target @ 3.9.0-rc3), so
 * the record is acknowledged with only the damaged leader holding it, and lost when that
 * follower is elected. At or above that log end no follower holds a record of the reopened
 * epoch: a loss there stays a violation.
 */
function reopenedInEpoch(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  return reopenableEpoch(b, evidence) && (allCommittedBefore(a, b, evidence) || allBelowLeoAtLoss(a, b, evidence));
}

/**
 * 'reopened-copy' (ZooKeeper mode): every copy of each value `a` names but the highest sits at an
 * offset committed when breach `b`, a power loss, happened, and either every value was first sent
 * at or after `b`, or each lower copy came under the highest copy's producer id and was appended
 * since `b` by a leader that had no state for that producer (ProducerAppendInfo.checkSequence took
 * it as new, the state lost with the log: its 'producer-state-lost' breach): the damaged leader's
 * appends in its reused epoch (reopenedInEpoch), kept beside the committed records
 * (DURABILITY_EXCUSES' 'reopened-copy').
 */
function reopenedCopies(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  if (!evidence.zookeeperMode || b.rule !== 'min-isr-power-loss') return false;
  const values = a.values ?? [];
  const offsets = [...(a.offsets ?? [])].sort((x, y) => x - y);
  if (a.topic === undefined || a.partition === undefined || values.length === 0 || offsets.length < 2) return false;
  const hw = evidence.hwAtBreach.get(b)?.get(a.partition) ?? 0;
  const lower = offsets.slice(0, -1);
  if (retakenByDamagedLeader(a.partition, values, lower, offsets[offsets.length - 1], b, evidence)) return true;
  if (!lower.every((o) => o < hw)) return false;
  if (allSentAtOrAfter(a, b, evidence)) return true;
  // Sent before the breach: each lower copy a stateless leader's retry appended since the breach.
  const partition = a.partition;
  const highest = offsets[offsets.length - 1];
  if (values.every((v) => evidence.appended.lowerCopiesRetakenSince(partition, v, lower, highest, b.atUs))) return true;
  return resentAroundReopenedCopy(a.topic, partition, values, lower, highest, b, evidence);
}

/**
 * 'reopened-copy' of a KIP-360 resend (swarm --controller zookeeper seed 550045213): a value sent
 * before power-loss breach `b` and re-sent by its producer under a bumped epoch ('kip-360-resend'),
 * every lower copy committed at `b` (reopenedCopies checks that), its copies being the original
 * under the old epoch and the resent batch twice: once by a broker that lost power in `b`, leading
 * again in the epoch it kept (reopenedInEpoch) at an offset it lost, and at the highest offset by a
 * leader that kept the committed records. The damaged leader, its producer state rebuilt from its
 * recovered log, refuses the retry as out of order (ProducerAppendInfo.checkSequence: a gap after
 * its last sequence), so the idempotent producer bumps its epoch and re-sends from sequence 0
 * (TransactionManager.canRetry, OUT_OF_ORDER_SEQUENCE_NUMBER → requestEpochBumpForPartition), which
 * that leader takes (a new epoch at sequence 0); its answer never comes, and the leader that kept
 * the committed records takes the same retry as new too (it never saw that copy, and its state
 * holds the old epoch: checkSequence again); the damaged broker, following it with the reused epoch
 * as its last fetched one, is told of no divergence (Partition.fetchRecords @ 3.9.0-rc3) and keeps
 * its copy. The original and the resend are KAFKA-14034's (newerEpochEachCopy), the two copies of
 * the resend the reopened epoch's.
 */
function resentAroundReopenedCopy(
  topic: string,
  partition: number,
  values: readonly string[],
  lower: readonly number[],
  highest: number,
  b: PromiseBreach,
  evidence: PromiseEvidence,
): boolean {
  const damaged = new Set((evidence.recoveredLeo.get(b) ?? new Map()).keys());
  return values.every(
    (v) =>
      evidence.resent.of(topic, partition, v, 'kip-360-resend') !== undefined &&
      evidence.appended.resentAroundReopenedCopy(partition, v, lower, highest, damaged, b.atUs, evidence.keptEpoch),
  );
}

/**
 * 'reopened-copy', the damaged leader's own retry (swarm seed 360005837): a broker that lost
 * power in `b` had appended every lower copy of each value before `b`, in the leader epoch E it
 * then led, and lost them (its recovered log ends at or below the lowest: LogLoader.load keeps
 * the flushed prefix, and UnifiedLog rebuilds the producer state from it, so the state lacks
 * their sequences). Led again in E (reopenedInEpoch), it appended in E at or after `b` up to the
 * lowest lower copy or beyond, so E's end on it (LeaderEpochFileCache.endOffsetFor: its log end,
 * or the start of its next epoch) is no lower than a follower's copies: a follower that had
 * fetched them before the loss, fetching with last fetched epoch E, finds no divergence
 * (Partition.fetchRecords @ 3.9.0-rc3) and keeps them. At or after `b`, in E or a later epoch
 * (the ZooKeeper controller's ISR shrinks bump it: ReplicaStateMachine.doRemoveReplicasFromIsr),
 * it took the producer's retry, next in sequence for the state it has, as new
 * (ProducerAppendInfo.checkSequence) at the highest offset; the follower fetches it too, and its
 * log, elected, holds both copies.
 */
function retakenByDamagedLeader(
  partition: number,
  values: readonly string[],
  lower: readonly number[],
  highest: number,
  b: PromiseBreach,
  evidence: PromiseEvidence,
): boolean {
  const leoAtLoss = evidence.leoAtPowerLoss.get(b)?.get(partition) ?? 0;
  if (!lower.every((o) => o < leoAtLoss)) return false;
  for (const [broker, recovered] of evidence.recoveredLeo.get(b) ?? []) {
    const kept = recovered.get(partition);
    if (kept === undefined || !lower.every((o) => o >= kept)) continue;
    const retaken = (v: string) =>
      evidence.appended.retakenAfterKeptEpoch(partition, v, lower, highest, broker, b.atUs);
    if (values.every(retaken)) return true;
  }
  return false;
}

/** The last operation `a` names (a re-read's poll) was invoked at or after breach `b`. */
function lastOpAfter(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  const t = ops.length === 0 ? undefined : evidence.eventTimeUs(ops[ops.length - 1]);
  return t !== undefined && t >= b.atUs;
}

/**
 * 'stale-commit-after-loss': the stale commit a lost-commit names (its third op) was invoked at or
 * after `b`, the assignment that made it stale (its fourth) before `b`.
 */
function staleCommitAfterLoss(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  if (ops.length !== 4) return false;
  const staleUs = evidence.eventTimeUs(ops[2]);
  const handedOutUs = evidence.eventTimeUs(ops[3]);
  return staleUs !== undefined && handedOutUs !== undefined && staleUs >= b.atUs && handedOutUs < b.atUs;
}

/**
 * 'group-consequence': the state lost (the anomaly's first op) was written before `b` (for a
 * stale commit's later generation: invoked, or its hand-out written by the coordinator,
 * handedOutBefore). A re-read
 * names the commit it read below first and the poll second (one op: a re-read within one
 * generation, never excused). A stale-generation-commit names the later generation's assignment,
 * the stale commit, and that commit's acknowledgement (checkers/groups.ts): the commit must have
 * been acknowledged at or after `b`. Before the breach the coordinator still held the later
 * generation and refuses a commit of another (ClassicGroup.validateOffsetCommit @ 3.9.0-rc3:
 * ILLEGAL_GENERATION for generationId != this.generationId), so a stale commit acknowledged before
 * it is no consequence of the loss. The acknowledgement, not the invoke: a synchronous commit
 * retries within one operation (NOT_COORDINATOR → FindCoordinator, ConsumerCoordinator
 * .commitOffsetsSync), so one invoked before the breach may reach the reloaded coordinator after it.
 */
function groupConsequence(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  if (a.kind === 'excess-duplicate' && ops.length < 2) return false;
  if (a.kind === 'stale-generation-commit') {
    const ackedUs = ops.length === 3 ? evidence.eventTimeUs(ops[2]) : undefined;
    if (ackedUs === undefined || ackedUs < b.atUs) return false;
    if (handedOutBefore(ops[0], b, evidence)) return true;
  }
  return firstOpBefore(a, b, evidence);
}

/**
 * The coordinator wrote the hand-out the history's `assignment` at `index` learned before `b`
 * (GroupHandOuts: the partition leader's append of its GroupMetadata record), whenever the
 * application learned it. SyncGroup is answered only once that record is committed
 * (GroupMetadataManager.storeGroup → appendForGroup @ 3.9.0-rc3: requiredAcks =
 * offsets.commit.required.acks, -1 by default, its callback at the HW), so a breach dated at the
 * very HW advance that commits it over a follower that lost it (onCommittedOverStaleState,
 * ZooKeeper mode: seed 410060982) always precedes the assignment.
 */
function handedOutBefore(index: number | undefined, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const t = index === undefined ? undefined : evidence.handedOutUs(index);
  return t !== undefined && t < b.atUs;
}

/**
 * 'reissued-after-loss': of the two hand-outs of one generation a shared-ownership names, the
 * coordinator wrote the first before `b` and the second at or after it (GroupHandOuts), whenever
 * the members' applications learned them.
 */
function reissuedAfterLoss(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const ops = a.ops ?? [];
  if (ops.length !== 2) return false;
  const firstUs = evidence.handedOutUs(ops[0]);
  const secondUs = evidence.handedOutUs(ops[1]);
  return firstUs !== undefined && secondUs !== undefined && firstUs < b.atUs && secondUs >= b.atUs;
}

/**
 * The first operation a group anomaly names (a lost commit's commit; a stale commit's later
 * assignment; a shared generation's first hand-out) was invoked before breach `b`.
 */
function firstOpBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const invoke = a.ops?.[0];
  const t = invoke === undefined ? undefined : evidence.eventTimeUs(invoke);
  return t !== undefined && t < b.atUs;
}

/** Some offset `a` finds missing (from its lowest offset on) was committed when breach `b` happened. */
function committedBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const offsets = a.offsets ?? [];
  if (a.partition === undefined || offsets.length === 0) return false;
  const hw = evidence.hwAtBreach.get(b)?.get(a.partition) ?? 0;
  return Math.min(...offsets) < hw;
}

/** Every offset `a` names was committed (below the HW) when breach `b` happened. */
function allCommittedBefore(a: Anomaly, b: PromiseBreach, evidence: PromiseEvidence): boolean {
  const offsets = a.offsets ?? [];
  if (a.partition === undefined || offsets.length === 0) return false;
  const hw = evidence.hwAtBreach.get(b)?.get(a.partition) ?? 0;
  return offsets.every((o) => o < hw);
}

function resendBehind(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  if (a.topic === undefined || a.partition === undefined) return undefined;
  const topic = a.topic;
  const partition = a.partition;
  if (a.kind === 'duplicate') {
    // A duplicate names one value (checkers/kafka.ts duplicates); every copy must be explained.
    const values = a.values ?? [];
    const offsets = a.offsets ?? [];
    if (values.length === 0) return undefined;
    const byRule = (rule: PromiseRule) => values.map((v) => evidence.resent.of(topic, partition, v, rule));
    const resends = byRule('kip-360-resend');
    if (
      resends.every((r) => r !== undefined) &&
      values.every((v) => evidence.appended.newerEpochEachCopy(partition, v, offsets, evidence.keptEpoch))
    )
      return resends[0];
    const retaken = byRule('producer-state-lost');
    if (
      retaken.every((r) => r !== undefined) &&
      values.every((v) => evidence.appended.laterCopiesAsNew(partition, v, offsets))
    )
      return retaken[0];
    // A retry in sequence after the batch taken as new: only once its first copy is gone from the log.
    const relearned = values.map((v) => evidence.appended.relearnedAfterFirstCopy(partition, v, offsets));
    if (relearned.every((r) => r !== undefined) && atMostOneCopyLeft(a, evidence)) return relearned[0];
    return undefined;
  }
  if (a.kind !== 'nonmonotonic-poll' && a.kind !== 'poll-skip') return undefined;
  const [from, to] = a.values ?? [];
  for (const v of [from, to]) {
    const breach = v === undefined ? undefined : evidence.resentDuplicates.get(valueKey(topic, partition, v));
    if (breach !== undefined) return breach;
  }
  return undefined;
}

/**
 * A nonmonotonic-poll or poll-skip between two successive polls whose offsets only grew by one
 * (the first poll's last record at N, the second's first at N + 1, its start, with no seek), one
 * of the two records a copy other than the lowest of a value whose duplicate a durability breach
 * explains (lossDuplicates): that breach. The checker places a value at its first copy
 * (checkers/kafka.ts judgePoll: firstIndex by value across polls), so a consumer reading the
 * later copy seems to go back (or, leaving it, to skip ahead), although its fetch position only
 * grew, as Kafka's consumer keeps it (FetchCollector.fetchRecords @ 3.9.0-rc3 moves it only
 * forward, to CompletedFetch.nextFetchOffset: the last record's offset + 1, through
 * SubscriptionState.position). As for a KIP-360 resend (resendBehind), the
 * step is the duplicate seen again, not a second anomaly. Swarm --controller zookeeper seed
 * 490044623: "p201-8", sent 3 ms after broker 2's power loss, at 20 by broker 2 leading the
 * reopened epoch 0 and, retried, at 35 by broker 3 in epoch 1; a consumer read 34 then 35.
 */
function duplicateStepBehind(a: Anomaly, evidence: PromiseEvidence): PromiseBreach | undefined {
  if (a.kind !== 'nonmonotonic-poll' && a.kind !== 'poll-skip') return undefined;
  const ops = a.ops ?? [];
  const [from, to] = a.values ?? [];
  if (ops.length !== 2 || from === undefined || to === undefined) return undefined;
  if (a.topic === undefined || a.partition === undefined) return undefined;
  const before = evidence.pollAnswer(ops[0]);
  const after = evidence.pollAnswer(ops[1]);
  const fromOffset = before?.lastRecordOffset;
  const toOffset = after?.firstRecordOffset;
  if (before === undefined || after === undefined || fromOffset === undefined || toOffset === undefined)
    return undefined;
  const contiguous =
    fromOffset + 1 === before.nextOffset && after.fromOffset === before.nextOffset && toOffset === after.fromOffset;
  if (!contiguous) return undefined;
  const read: Array<[string, number]> = [
    [from, fromOffset],
    [to, toOffset],
  ];
  for (const [value, offset] of read) {
    const dup = evidence.lossDuplicates.get(valueKey(a.topic, a.partition, value));
    if (dup !== undefined && dup.offsets.includes(offset) && offset > Math.min(...dup.offsets)) return dup.breach;
  }
  return undefined;
}

/**
 * "topic/partition\0value" → the time of its first send, from the history's send invokes (a
 * transaction's sends: its invoke, like a send's, precedes the produce requests).
 */
function sendTimes(history: History): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of history) {
    if (e.type === 'invoke' && e.f === 'txn' && typeof e.topic === 'string') addTxnSendTimes(out, e.topic, e);
    if (e.type !== 'invoke' || e.f !== 'send') continue;
    const v = e.value as { topic?: unknown; partition?: unknown; value?: unknown } | null;
    if (typeof v?.topic !== 'string' || typeof v.partition !== 'number' || typeof v.value !== 'string') continue;
    const key = valueKey(v.topic, v.partition, v.value);
    if (!out.has(key)) out.set(key, e.time);
  }
  return out;
}

/** "topic/partition\0value" → the time of its first send within a `txn` operation. */
function txnSendTimes(history: History): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of history)
    if (e.type === 'invoke' && e.f === 'txn' && typeof e.topic === 'string') addTxnSendTimes(out, e.topic, e);
  return out;
}

/** The sends of a gregor transaction (model/txn-producer.ts: `[send partition value]` micro-ops on `topic`). */
function addTxnSendTimes(out: Map<string, number>, topic: string, e: History[number]): void {
  if (!Array.isArray(e.value)) return;
  for (const m of e.value as unknown[]) {
    if (!Array.isArray(m) || m[0] !== 'send' || typeof m[1] !== 'number' || typeof m[2] !== 'string') continue;
    const key = valueKey(topic, m[1], m[2]);
    if (!out.has(key)) out.set(key, e.time);
  }
}

/** "producerId/epoch" of a gregor `txn` invoke (undefined: none recorded, e.g. a Jepsen history). */
function txnEpochKey(e: History[number]): string | undefined {
  if (typeof e.producerId !== 'number' || typeof e.producerEpoch !== 'number') return undefined;
  return `${e.producerId}/${e.producerEpoch}`;
}

/** "topic/partition\0value" → "producerId/epoch" of the first `txn` invoke that sent it. */
function txnSendEpochs(history: History): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of history) {
    if (e.type !== 'invoke' || e.f !== 'txn' || typeof e.topic !== 'string' || !Array.isArray(e.value)) continue;
    const epoch = txnEpochKey(e);
    if (epoch === undefined) continue;
    for (const m of e.value as unknown[]) {
      if (!Array.isArray(m) || m[0] !== 'send' || typeof m[1] !== 'number' || typeof m[2] !== 'string') continue;
      const key = valueKey(e.topic, m[1], m[2]);
      if (!out.has(key)) out.set(key, epoch);
    }
  }
  return out;
}

/** "topic/partition\0value" → the offset an ok `txn` operation acknowledged it at (`[send p [offset value]]`). */
function txnAckedOffsets(history: History): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of history) {
    if (e.type !== 'ok' || e.f !== 'txn' || typeof e.topic !== 'string' || !Array.isArray(e.value)) continue;
    for (const m of e.value as unknown[]) {
      if (!Array.isArray(m) || m[0] !== 'send' || typeof m[1] !== 'number' || !Array.isArray(m[2])) continue;
      const [offset, value] = m[2] as unknown[];
      if (typeof offset === 'number' && typeof value === 'string') out.set(valueKey(e.topic, m[1], value), offset);
    }
  }
  return out;
}

/**
 * The errors with which the transactional producer (model/txn-producer.ts, `fenced`) gives up
 * its producer: the application closes it and opens a new one, whose initTransactions sends
 * InitProducerId without a producer id and epoch (TransactionMetadata.prepareIncrementProducerEpoch,
 * expectedProducerEpoch None: the coordinator's epoch + 1). A `txn` operation completed (fail or
 * info) with one of them ends its instance; the process's next `txn` is a new instance's.
 */
const INSTANCE_ENDING_ERRORS: ReadonlySet<string> = new Set([
  'PRODUCER_FENCED',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'INVALID_TXN_STATE',
  'INVALID_TRANSACTION_TIMEOUT',
]);

/**
 * "producerId/epoch" whose `txn` invokes come from two or more instances → the second one's
 * first invoke (µs). An instance is a history process up to a `txn` completion with an
 * INSTANCE_ENDING_ERRORS error (swarm seed 200004756: one process held producer 2000001 at
 * epoch 3 before the breach and, re-initialised after PRODUCER_FENCED, again after it).
 */
function sharedEpochs(history: History): Map<string, number> {
  const firstUs = new Map<string, Map<string, number>>();
  const generation = new Map<number | string, number>();
  for (const e of history) {
    if (e.f !== 'txn') continue;
    if ((e.type === 'fail' || e.type === 'info') && INSTANCE_ENDING_ERRORS.has(String(e.error))) {
      generation.set(e.process, (generation.get(e.process) ?? 0) + 1);
    }
    const epoch = e.type === 'invoke' ? txnEpochKey(e) : undefined;
    if (epoch === undefined) continue;
    const instance = `${e.process}#${generation.get(e.process) ?? 0}`;
    let byInstance = firstUs.get(epoch);
    if (byInstance === undefined) firstUs.set(epoch, (byInstance = new Map()));
    if (!byInstance.has(instance)) byInstance.set(instance, e.time);
  }
  const out = new Map<string, number>();
  for (const [epoch, byInstance] of firstUs) {
    if (byInstance.size < 2) continue;
    out.set(epoch, [...byInstance.values()].sort((x, y) => x - y)[1]);
  }
  return out;
}

/** "topic/partition\0value" → the number of offsets holding it in the polls from history index `from` on. */
function copiesRead(history: History, from: number, isFinalReader: (process: number | string) => boolean) {
  const offsets = new Map<string, Set<number>>();
  for (let i = from; i < history.length; i++) {
    const e = history[i];
    if (e.type !== 'ok' || e.f !== 'poll' || !isFinalReader(e.process)) continue;
    const v = e.value as { topic?: unknown; partition?: unknown; records?: unknown } | null;
    if (typeof v?.topic !== 'string' || typeof v.partition !== 'number' || !Array.isArray(v.records)) continue;
    for (const rec of v.records as unknown[]) {
      if (!Array.isArray(rec) || typeof rec[0] !== 'number' || typeof rec[1] !== 'string') continue;
      const key = valueKey(v.topic, v.partition, rec[1]);
      let set = offsets.get(key);
      if (set === undefined) offsets.set(key, (set = new Set()));
      set.add(rec[0]);
    }
  }
  const out = new Map<string, number>();
  for (const [key, set] of offsets) out.set(key, set.size);
  return out;
}

/** When the coordinator wrote the hand-out an `assignment` event records (GroupHandOuts). */
function handedOutAt(handOuts: GroupHandOuts, ev: History[number] | undefined): number | undefined {
  if (ev?.f !== 'assignment') return undefined;
  const v = ev.value as Partial<AssignmentValue> | undefined;
  if (typeof v?.group !== 'string' || typeof v.member !== 'string' || typeof v.generation !== 'number')
    return undefined;
  return handOuts.lastAtOrBefore({ group: v.group, member: v.member, generation: v.generation }, ev.time);
}

/** A poll's answer (PromiseEvidence.pollAnswer): when it came, where it started, the position it left. */
interface PollAnswer {
  atUs: number;
  fromOffset: number;
  nextOffset: number;
  /** The offsets of the first and last records it returned (undefined: it returned none). */
  firstRecordOffset?: number;
  lastRecordOffset?: number;
}

/** One poll's records of one partition (PromiseEvidence.reads). */
interface PartitionRead {
  /** When the operation that read them was invoked (a `txn`'s poll micro-op: its transaction). */
  invokedUs: number;
  /** The offset it started from (undefined: not recorded, a `txn`'s poll micro-op). */
  fromOffset?: number;
  records: ReadonlyArray<readonly [number, string]>;
}

/**
 * "topic/partition" → every read of it in the history: each `poll` operation's answer and each
 * `txn` operation's poll micro-op (model/txn-producer.ts: `["poll", {partition: [[offset, value]…]}]`
 * on the operation's topic), whatever the operation's outcome, with its invocation's time.
 */
function readsOf(history: History): Map<string, PartitionRead[]> {
  const out = new Map<string, PartitionRead[]>();
  const add = (topic: string, partition: number, read: PartitionRead) => {
    const key = `${topic}/${partition}`;
    const list = out.get(key) ?? [];
    list.push(read);
    out.set(key, list);
  };
  const invoked = new Map<number | string, History[number]>();
  for (const e of history) {
    if (e.f !== 'poll' && e.f !== 'txn') continue;
    if (e.type === 'invoke') {
      invoked.set(e.process, e);
      continue;
    }
    const inv = invoked.get(e.process);
    invoked.delete(e.process);
    if (inv === undefined || inv.f !== e.f) continue;
    if (e.f === 'poll') addPollRead(inv, e, add);
    else addTxnReads(inv, e, add);
  }
  return out;
}

type AddRead = (topic: string, partition: number, read: PartitionRead) => void;

/** A `poll` operation's answer: `{topic, partition, offset, records, next}`. */
function addPollRead(inv: History[number], done: History[number], add: AddRead): void {
  const v = done.value as { topic?: unknown; partition?: unknown; offset?: unknown; records?: unknown } | null;
  if (typeof v?.topic !== 'string' || typeof v.partition !== 'number' || !Array.isArray(v.records)) return;
  const records = recordPairs(v.records);
  if (records.length === 0) return;
  add(v.topic, v.partition, {
    invokedUs: inv.time,
    fromOffset: typeof v.offset === 'number' ? v.offset : undefined,
    records,
  });
}

/** A `txn` operation's poll micro-ops, answered in its completion's value. */
function addTxnReads(inv: History[number], done: History[number], add: AddRead): void {
  if (typeof inv.topic !== 'string' || !Array.isArray(done.value)) return;
  for (const m of done.value as unknown[]) {
    if (!Array.isArray(m) || m[0] !== 'poll' || typeof m[1] !== 'object' || m[1] === null) continue;
    for (const [key, pairs] of Object.entries(m[1] as Record<string, unknown>)) {
      const records = Array.isArray(pairs) ? recordPairs(pairs) : [];
      if (records.length > 0) add(inv.topic, Number(key), { invokedUs: inv.time, records });
    }
  }
}

/** `[offset, value]` pairs of a poll's records, values as strings. */
function recordPairs(records: readonly unknown[]): Array<readonly [number, string]> {
  const out: Array<readonly [number, string]> = [];
  for (const r of records) if (Array.isArray(r) && typeof r[0] === 'number') out.push([r[0], String(r[1])]);
  return out;
}

/**
 * The answer to the `poll` invoked at history index `i`: the invoking process's next event (a
 * process has one operation out at a time), if it is an `ok` poll naming its start and position.
 */
function pollAnswerAt(history: History, i: number): PollAnswer | undefined {
  const invoke = history[i];
  if (invoke?.type !== 'invoke' || invoke.f !== 'poll') return undefined;
  for (let j = i + 1; j < history.length; j++) {
    const e = history[j];
    if (e.process !== invoke.process) continue;
    if (e.type !== 'ok' || e.f !== 'poll') return undefined;
    const v = e.value as { offset?: unknown; next?: unknown; records?: unknown } | null;
    if (typeof v?.offset !== 'number' || typeof v.next !== 'number') return undefined;
    const answer: PollAnswer = { atUs: e.time, fromOffset: v.offset, nextOffset: v.next };
    const records = Array.isArray(v.records) ? (v.records as unknown[]) : [];
    const offsetOf = (r: unknown) => (Array.isArray(r) && typeof r[0] === 'number' ? r[0] : undefined);
    if (records.length > 0) {
      answer.firstRecordOffset = offsetOf(records[0]);
      answer.lastRecordOffset = offsetOf(records[records.length - 1]);
    }
    return answer;
  }
  return undefined;
}

/**
 * The run's final read: where it starts in the history, whose polls it is, whether it completed,
 * and, when it did not, the partitions whose read had not (empty: the cluster did not say which).
 */
export interface FinalRead {
  fromIndex: number;
  isFinalReader: (process: number | string) => boolean;
  complete: boolean;
  unfinished?: ReadonlyArray<{ topic: string; partition: number }>;
}

/**
 * How many offsets of the completed final read of `topic`/`partition` hold a value; undefined
 * when there is no final read, or that partition's did not complete (all of them when the
 * cluster did not say which).
 */
function finalCopiesOf(
  finalRead: FinalRead | undefined,
  history: History,
): (topic: string, partition: number, value: string) => number | undefined {
  if (finalRead === undefined) return () => undefined;
  const unfinished = new Set((finalRead.unfinished ?? []).map((u) => `${u.topic}/${u.partition}`));
  if (!finalRead.complete && unfinished.size === 0) return () => undefined;
  const copies = copiesRead(history, finalRead.fromIndex, finalRead.isFinalReader);
  return (topic, partition, value) =>
    unfinished.has(`${topic}/${partition}`) ? undefined : (copies.get(valueKey(topic, partition, value)) ?? 0);
}

/**
 * KeptEpoch from the run's last look (driver/run.ts lastSnapshot): each partition's leader replica
 * (the running one in the highest leader epoch) and the epoch of the record it holds at an offset,
 * when that record is the value asked for. No look, no leader or another value there: undefined.
 */
function keptEpochs(topic: string, snap: ClusterSnapshot | undefined): KeptEpoch {
  if (snap === undefined) return () => undefined;
  return (partition, offset, value) => {
    const record = lastLookRecord(topic, snap, partition, offset);
    return record === undefined || record.gap === true || record.value !== value ? undefined : record.epoch;
  };
}

/**
 * ReplacedInLastLook from the run's last look: the leader replica keptEpochs reads holds a record
 * (not a gap) other than `value` at `offset`. No look, no leader, or nothing there: false.
 */
function replacedInLastLook(topic: string, snap: ClusterSnapshot | undefined): ReplacedInLastLook {
  if (snap === undefined) return () => false;
  return (partition, offset, value) => {
    const record = lastLookRecord(topic, snap, partition, offset);
    return record !== undefined && record.gap !== true && record.value !== value;
  };
}

/** The record at `offset` of the running leader replica in the highest leader epoch of `partition`, if any. */
function lastLookRecord(topic: string, snap: ClusterSnapshot, partition: number, offset: number) {
  let leader: ClusterSnapshot['replicas'][number] | undefined;
  for (const r of snap.replicas) {
    if (r.topic !== topic || r.partition !== partition || !r.up || r.role !== 'leader') continue;
    if (leader === undefined || r.leaderEpoch > leader.leaderEpoch) leader = r;
  }
  return leader?.records[offset - leader.logStartOffset];
}

/** The evidence for one run's anomalies: its breaches, its sends, and which duplicates its resends explain. */
export function promiseEvidence(
  tracker: PromiseTracker,
  anomalies: readonly Anomaly[],
  history: History = [],
  finalRead?: FinalRead,
  lastSnapshot?: ClusterSnapshot,
): PromiseEvidence {
  const base: PromiseEvidence = {
    breaches: tracker.breaches,
    resent: tracker.resent,
    appended: tracker.appended,
    resentDuplicates: new Map(),
    lossDuplicates: new Map(),
    sentAtUs: tracker.breaches.length === 0 ? new Map() : sendTimes(history),
    txnSentAtUs: tracker.breaches.length === 0 ? new Map() : txnSendTimes(history),
    txnEpochOf: tracker.breaches.length === 0 ? new Map() : txnSendEpochs(history),
    txnAckedOffsetOf: tracker.breaches.length === 0 ? new Map() : txnAckedOffsets(history),
    txnOutcomes: tracker.txnOutcomes,
    sharedEpochSinceUs: tracker.breaches.length === 0 ? new Map() : sharedEpochs(history),
    hwAtBreach: tracker.hwAtBreach,
    leoAtPowerLoss: tracker.leoAtPowerLoss,
    recoveredLeo: tracker.recoveredLeo,
    finalCopies: finalCopiesOf(tracker.breaches.length > 0 ? finalRead : undefined, history),
    keptEpoch: keptEpochs(tracker.topic, lastSnapshot),
    replacedInLastLook: replacedInLastLook(tracker.topic, lastSnapshot),
    eventTimeUs: (i) => history[i]?.time,
    pollAnswer: (i) => pollAnswerAt(history, i),
    reads: readsLookup(tracker.breaches.length === 0 ? [] : history),
    offsetsPartitionOf: (group) => tracker.offsetsPartitionOf(group),
    handedOutUs: (i) => handedOutAt(tracker.handOuts, history[i]),
    hangingTransactions: tracker.hangingTransactions,
    wedgedTxnProducers: tracker.wedgedTxnProducers,
    hangingAtLivenessEnd: tracker.hangingAtLivenessEnd,
    wedgedAtWorkloadDeadline: tracker.wedgedAtWorkloadDeadline,
    offsetsHungTxnProducers: tracker.offsetsHungTxnProducers,
    offsetsHungAtWorkloadDeadline: tracker.offsetsHungAtWorkloadDeadline,
    zookeeperMode: tracker.zookeeperMode,
  };
  // Every duplicated value a durability breach explains (lossBreach), and one a resend explains (resendBehind).
  const lossDuplicates =
    base.breaches.length === 0
      ? base.lossDuplicates
      : duplicatesExplained(anomalies, (a) => {
          const breach = lossBreach(a, base);
          return breach === undefined ? undefined : { breach, offsets: a.offsets ?? [] };
        });
  const withLoss = { ...base, lossDuplicates };
  if (tracker.resent.size === 0) return withLoss;
  return { ...withLoss, resentDuplicates: duplicatesExplained(anomalies, (a) => resendBehind(a, base)) };
}

/** PromiseEvidence.reads over `history`, its index built at the first question. */
function readsLookup(history: History): (topic: string, partition: number) => readonly PartitionRead[] {
  let byPartition: Map<string, PartitionRead[]> | undefined;
  return (topic, partition) => {
    byPartition ??= readsOf(history);
    return byPartition.get(`${topic}/${partition}`) ?? [];
  };
}

/** "topic/partition\0value" of each value of each duplicate anomaly `explain` explains → what it gave. */
function duplicatesExplained<T>(anomalies: readonly Anomaly[], explain: (a: Anomaly) => T | undefined): Map<string, T> {
  const out = new Map<string, T>();
  for (const a of anomalies) {
    if (a.kind !== 'duplicate' || a.topic === undefined || a.partition === undefined) continue;
    const why = explain(a);
    if (why === undefined) continue;
    for (const v of a.values ?? []) out.set(valueKey(a.topic, a.partition, v), why);
  }
  return out;
}

/**
 * Every anomaly judged: the expected ones carry `expected: true` and `expectedBecause`; a
 * KIP-360 resend also says in its explanation why (reports show the sentence as is).
 */
export function judgeExpected(anomalies: readonly Anomaly[], evidence: PromiseEvidence): Anomaly[] {
  return anomalies.map((a) => {
    const breach = expectedBecause(a, evidence);
    if (breach === undefined) return a;
    return { ...a, expected: true, expectedBecause: breach, explanation: explain(a, breach, evidence) };
  });
}

function explain(a: Anomaly, breach: PromiseBreach, evidence: PromiseEvidence): string {
  if (breach.rule !== 'kip-360-resend') return a.explanation;
  if (a.kind === 'duplicate') {
    return (
      `${a.explanation} The producer re-sent it under a bumped producer epoch after an earlier batch's outcome ` +
      `became unknown (KIP-360 sequence reset), and each copy came under a newer epoch than the one before: ` +
      `Kafka's idempotence does not cover that resend, so this duplicate is a Kafka anomaly, not a loss.`
    );
  }
  const culprit = (a.values ?? [])
    .slice(0, 2)
    .find((v) => evidence.resentDuplicates.has(valueKey(a.topic ?? '', a.partition ?? -1, v)));
  return (
    `${a.explanation} A consequence of the duplicate of ${JSON.stringify(culprit)} above: its second copy sits ` +
    `later in the log than the checker's position for it.`
  );
}
