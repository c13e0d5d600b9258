// White-box invariants over the simulator's cluster state (checkers/cluster-state.ts), checked
// as the run goes: a stateful monitor sees each ClusterSnapshot in time order and returns the
// violations it has not reported before (each violation is reported once).
//
// Invariants (DESIGN §5, KAFKA-NOTES "Invariants"; spec properties from Vanlightly's
// kafka-tlaplus kip_966_properties.tla, "VL", and hachikuji's kafka-specification, "HK"):
//   acked-durable        every acknowledged record is in the current leader's log, at its
//                        acknowledged offset, with its value (VL LeaderCompletenessProperty,
//                        which checks inv_pos_acked against the leader log).
//   log-matching         two replicas agree on every offset below the smaller of their HWs
//                        (VL LogMatchingProperty).
//   candidate-complete   every ISR and ELR member has LEO ≥ the true HW
//                        (VL LeaderCandidateCompletenessProperty; HK StrongIsr).
//   consistent-read      a consumed (offset → value) never changes, and the current leader
//                        still holds it (VL ConsistentReadProperty).
//   hw-monotonic         a leader's HW never decreases during its tenure.
//   one-leader-per-epoch at most one broker leads a partition in a given leader epoch, and
//                        the controller never names two leaders for one epoch.
//   isr-eligible         the controller never adds to an ISR a broker it has in controlled
//                        shutdown (KIP-841; Kafka's ReplicationControlManager
//                        .ineligibleReplicasForIsr and Partition.isReplicaIsrEligible). Judged
//                        on members new since the previous snapshot, against that snapshot's
//                        controller view (snapshots follow every controller decision).
//   epoch-cache-complete a live replica's leader-epoch cache covers the first record of its
//                        log: its entry for that offset (the last starting at or before it)
//                        names the record's epoch. LeaderEpochFileCache keeps this by writing
//                        every assign synchronously, so that "the checkpoint file always has
//                        no missing entries" (its comment in truncateFromEndAsyncFlush);
//                        KAFKA-16541 broke it (a truncation's unsynced rewrite left an empty
//                        checkpoint after an OS crash, and recovery rebuilds only past the
//                        recovery point). A cache wrong there answers OffsetsForLeaderEpoch
//                        for old epochs from the wrong entry. Judged at the highest log start
//                        offset the replica has shown (in any incarnation) when that is above
//                        its log start now: a log start moved up (truncateFromStart of the
//                        cache, checkpointed at once) and then lost with a log-start checkpoint
//                        not yet written (log.flush.start.offset.checkpoint.interval.ms; Kafka
//                        writes it late on purpose, UnifiedLog.maybeIncrementLogStartOffset)
//                        comes back below a cache that starts at the old log start, as in
//                        Kafka (LogLoader.load).
//   quorum-superset      (only when minInsyncReplicas is given) when the current leader's ISR
//                        has ≥ min.insync.replicas members, its maximal ISR contains the ISR
//                        and ELR of the partition state it has applied: the controller's
//                        current one when the leader is up to date (VL
//                        ReplicationQuorumSupersetProperty), else the controller's state at the
//                        leader's partition epoch (ReplicaSnapshot.partitionEpoch). Kafka's
//                        Partition.makeLeader applies a partition state whose epoch equals its
//                        own (it may have learned that epoch from the AlterPartition answer
//                        first) and replaces its ISR state with it, dropping an expansion sent
//                        meanwhile, whose answer it then ignores (submitAlterPartition:
//                        partitionState != proposedIsrState). The controller may accept that
//                        expansion, so until the next record arrives the leader's maximal ISR
//                        lacks a member of the controller's ISR. VL's spec applies only
//                        strictly newer metadata, so its stronger form holds there, not in
//                        Kafka. Meanwhile the HW still waits for such a member while it is
//                        caught up and ISR-eligible (shouldWaitForReplicaToJoinIsr), which a
//                        snapshot does not show; candidate-complete judges the outcome. A member
//                        caught up by the HW only (not by time) is passed by the HW: the Kafka
//                        finding dropped-isr-expansion (driver/kafka-findings.ts).
//
// Precisions that keep a correct Kafka free of false positives:
//   - Live replica: its broker process is up AND the broker epoch of the running process is
//     the one the controller has registered (BrokerView.brokerEpoch === registeredEpoch, not
//     -1). A restarted broker that has not re-registered is judged by nothing: its log may be
//     mid-recovery and the controller has not yet reconciled it (VL applies completeness only
//     to RUNNING brokers, which in VL means registered).
//   - Current leader of a partition: the controller's leader for it, live, whose replica is in
//     the leader role with leaderEpoch equal to the controller's leader epoch (VL
//     IsNonStaleLeader). While the elected leader has not yet learned of its election, or the
//     partition is leaderless, acked-durable and consistent-read are not checked for it (VL
//     skips LeaderCompleteness when the leader is not running).
//   - True HW: the highest HW any live replica in the leader role has ever reported for the
//     partition; it never goes backwards. This is VL's inv_true_hwm, which every leader HW
//     advance raises (a stale leader cannot advance its HW past what the new leader holds in
//     a correct Kafka, since its maximal ISR still contains the new leader).
//   - hw-monotonic is kept per leader tenure: (partition, broker, broker epoch, leader epoch).
//     A restarted broker that leads again, even in the same epoch, starts a new tenure (its HW
//     comes back from the checkpoint and may be lower).
//   - one-leader-per-epoch counts a replica's claim when its process is up (a fenced zombie
//     that still acts as leader counts: that is the danger KAFKA-NOTES names).
//   - candidate-complete skips a member whose replica has not loaded the partition (role
//     none, e.g. a broker that just restarted and has not applied the metadata yet): its log
//     is on its disk, not yet in memory, and it is judged once loaded.
//   - log-matching compares live replicas only, over offsets both still hold
//     (≥ both log start offsets, < both HWs and both LEOs), by value.
//   - Records below a replica's log start offset are not judged (retention may remove them).
// Two ways to look (issue 18 item 4):
//   - observe(snapshot): the whole cluster, every invariant in full, O(acked + consumed +
//     replicas² × HW); the caller chooses the cadence (every event, or every N events).
//   - observePartition(look, scope): one partition right after it changed, with the brokers,
//     the controller's record of that partition and its replicas only (driver/invariant-looks.ts
//     says which change calls for which LookScope). The per-partition invariants the scope names
//     are judged there, incrementally where a full pass would cost: acked-durable and consistent-read
//     judge only the records new since the partition's last look, all of them again when its
//     current leader changed (broker, broker epoch, leader epoch) or truncated; log-matching
//     compares each pair of replicas only above the offset it has already compared, lowered
//     by a truncation (onTruncate) and reset when either replica's broker restarted (a new
//     broker epoch). The quorum invariants are not per partition: judged in observe only.

import type { Anomaly } from './verdict.ts';
import { QUORUM_INVARIANT_NAMES, quorumAnomalies, type QuorumInvariantName } from './quorum-invariants.ts';
import type {
  AckedRecord,
  BrokerView,
  ClusterSnapshot,
  ConsumedRecord,
  PartitionView,
  ReplicaSnapshot,
} from './cluster-state.ts';

export type InvariantName =
  | 'acked-durable'
  | 'log-matching'
  | 'candidate-complete'
  | 'consistent-read'
  | 'hw-monotonic'
  | 'one-leader-per-epoch'
  | 'isr-eligible'
  | 'quorum-superset'
  | 'epoch-cache-complete'
  | QuorumInvariantName;

export const INVARIANT_NAMES: readonly InvariantName[] = [
  'acked-durable',
  'log-matching',
  'candidate-complete',
  'consistent-read',
  'hw-monotonic',
  'one-leader-per-epoch',
  'isr-eligible',
  'quorum-superset',
  'epoch-cache-complete',
  ...QUORUM_INVARIANT_NAMES,
];

/**
 * What a partition look judges, a union of these bits: log-matching (a follower's HW moved); what
 * a leader's HW moving can break (the true HW with candidate-complete, hw-monotonic); acked-
 * durable and consistent-read (new acknowledged or consumed records); every per-partition
 * invariant.
 */
export type LookScope = number;
export const LOOK_LOG_MATCHING = 1;
export const LOOK_LEADER_HW = 2;
export const LOOK_RESULTS = 4;
export const LOOK_ALL = 8;

export interface InvariantMonitorOptions {
  /** Which invariants to check (default: all; quorum-superset needs minInsyncReplicas). */
  invariants?: readonly InvariantName[];
  /** Enables quorum-superset. */
  minInsyncReplicas?: number;
}

export interface InvariantMonitor {
  /** Checks one snapshot (snapshots must come in time order); returns new violations. */
  observe(snapshot: ClusterSnapshot): Anomaly[];
  /**
   * Checks one partition right after it changed: `look` is a snapshot that holds every broker,
   * the controller's record of that one partition and its replicas (ClusterView.partitionSnapshot;
   * down replicas need only `up: false`), and every acknowledged and consumed record so far.
   * Looks and snapshots come in one time order. Returns new violations.
   */
  observePartition(look: ClusterSnapshot, scope?: LookScope): Anomaly[];
  /** A replica truncated its log to `toOffset` (its records from there on may differ from what was compared). */
  onTruncate(broker: number, topic: string, partition: number, toOffset: number): void;
  /** Every violation reported so far. */
  readonly anomalies: readonly Anomaly[];
  /** The true HW of a partition so far (0 if never seen). */
  trueHighWatermark(topic: string, partition: number): number;
}

/** topic → partition → its key (made once: keys are asked for at every look, per record). */
const PKEYS = new Map<string, string[]>();

/** A partition's key `topic/partition`. */
function pkey(topic: string, partition: number): string {
  let byPartition = PKEYS.get(topic);
  if (byPartition === undefined) PKEYS.set(topic, (byPartition = []));
  let k = byPartition[partition];
  if (k === undefined) byPartition[partition] = k = `${topic}/${partition}`;
  return k;
}

function isLive(b: BrokerView | undefined): boolean {
  return b !== undefined && b.up && b.brokerEpoch >= 0 && b.brokerEpoch === b.registeredEpoch;
}

/** Value at `offset` in a replica's log, or undefined if it does not hold that offset (or holds a gap there). */
function recordAt(r: ReplicaSnapshot, offset: number): { value: string; epoch: number } | undefined {
  if (offset < r.logStartOffset || offset >= r.leo) return undefined;
  const rec = r.records[offset - r.logStartOffset];
  return rec === undefined || rec.gap === true ? undefined : rec;
}

/**
 * The value an anomaly names for a gap (model/replica-log.ts gapAt's placeholder), which no client
 * sends: the promise judges a gap by its offset (driver/promise.ts gapReopenedInEpoch).
 */
const GAP_PLACEHOLDER = '';

/** Why a replica has no record at `offset`: past its log end, or a gap (a truncation cut the batch). */
function noRecordText(r: ReplicaSnapshot, offset: number): string {
  return offset < r.leo
    ? `holds no record at offset ${offset} (a truncation inside a batch cut it; its log ends at ${r.leo}).`
    : `has no offset ${offset} (its log ends at ${r.leo}).`;
}

/** What the monitor remembers between snapshots. */
interface MonitorState {
  /** partition → true HW. */
  trueHw: Map<string, number>;
  /** partition → leader epoch → broker that led it (replica claims; nested: no key string per look). */
  epochLeader: Map<string, Map<number, number>>;
  /** partition → leader epoch → leader the controller named. */
  controllerEpochLeader: Map<string, Map<number, number>>;
  /** leader tenure → last HW. */
  tenureHw: Map<string, number>;
  /** partition → broker → its latest leader tenure and that tenure's key (tenureKey). */
  tenureKeys: Map<string, Map<number, { brokerEpoch: number; leaderEpoch: number; key: string }>>;
  /** partition → offset → consumed value and when. */
  consumedAt: Map<string, Map<number, { value: string; timeUs: number }>>;
  /** epoch-cache-complete: per replica (partition → broker), the highest log start offset it showed. */
  maxLogStart: Map<string, Map<number, number>>;
  /** quorum-superset: per partition, partition epoch → the controller's ISR ∪ ELR at it. */
  quorumAt: Map<string, Map<number, readonly number[]>>;
  /** isr-eligible: per partition, the controller's ISR in the previous snapshot. */
  previousIsr: Map<string, readonly number[]>;
  /** How many of snapshot.consumed have been taken in. */
  consumedSeen: number;
  /** How many of snapshot.acked have been taken in (into ackedBy). */
  ackedSeen: number;
  /** partition → its acknowledged records, in the order acknowledged. */
  ackedBy: Map<string, AckedRecord[]>;
  /** partition → its consumed records not yet judged against a current leader. */
  consumedNew: Map<string, ConsumedRecord[]>;
  /** partition → what its partition looks judged acked-durable and consistent-read against. */
  judged: Map<string, JudgedMark>;
  /** log-matching: partition → replica pair (lower broker × PAIR_KEY + higher) → how far it was compared. */
  compared: Map<string, Map<number, ComparedMark>>;
}

/** A partition's acknowledged records judged against one leader at one log end (observePartition). */
interface JudgedMark {
  /** The leader judged against (broker -1 forces a full pass). */
  broker: number;
  brokerEpoch: number;
  leaderEpoch: number;
  /** Its log end then: a lower one means it truncated. */
  leo: number;
  /** How many of the partition's acknowledged records were judged. */
  acked: number;
}

/** log-matching's pair key: lower broker × PAIR_KEY + higher broker. */
const PAIR_KEY = 1 << 16;

/** Two replicas compared below `to`, each in the broker epoch given. */
interface ComparedMark {
  epochLo: number;
  epochHi: number;
  to: number;
}

/** One snapshot, indexed for the invariants. */
interface SnapshotView {
  brokers: Map<number, BrokerView>;
  /** partition → its replicas. */
  replicas: Map<string, readonly ReplicaSnapshot[]>;
  /** partition → the controller's record. */
  views: Map<string, PartitionView>;
  replicaOf(k: string, broker: number): ReplicaSnapshot | undefined;
  /** The current leader (see the precisions above), if any. */
  currentLeader(k: string): ReplicaSnapshot | undefined;
}

/** Reports a violation under a key; a key already reported is not reported again. */
type Raise = (key: string, a: Anomaly) => void;

/**
 * SnapshotView as a class: one is built at every snapshot, and its methods, unlike closures
 * made per snapshot, cost nothing to create.
 */
class IndexedSnapshot implements SnapshotView {
  readonly brokers = new Map<number, BrokerView>();
  readonly replicas = new Map<string, readonly ReplicaSnapshot[]>();
  readonly views = new Map<string, PartitionView>();
  /**
   * currentLeader's answers, valid while their `look` is this view's (resetTo starts another
   * look): entries are updated in place, as emptying a Map (clear, delete) allocates a new table.
   */
  private readonly leaderCache = new Map<string, { look: number; leader: ReplicaSnapshot | null }>();
  private lookNumber = 0;

  constructor(s?: ClusterSnapshot) {
    if (s === undefined) return;
    for (const b of s.brokers) this.brokers.set(b.id, b);
    const byPartition = new Map<string, ReplicaSnapshot[]>();
    for (const r of s.replicas) {
      const k = pkey(r.topic, r.partition);
      let l = byPartition.get(k);
      if (l === undefined) byPartition.set(k, (l = []));
      l.push(r);
    }
    for (const [k, l] of byPartition) this.replicas.set(k, l);
    for (const p of s.controller.partitions) this.views.set(pkey(p.topic, p.partition), p);
  }

  /**
   * This view, emptied and filled with a partition look (one controller record, that
   * partition's replicas): one view serves every partition look, no maps made per look.
   */
  resetTo(look: ClusterSnapshot): this {
    this.lookNumber++;
    this.resetBrokers(look.brokers);
    const view = look.controller.partitions[0];
    const first = view ?? look.replicas[0];
    const k = first === undefined ? '' : pkey(first.topic, first.partition);
    setOnly(this.replicas, k, look.replicas.length > 0 ? look.replicas : undefined);
    setOnly(this.views, k, view);
    return this;
  }

  /** The brokers' views and their ids at the last resetTo, in look order. */
  private readonly brokersSeen: BrokerView[] = [];
  private readonly brokerIdsSeen: number[] = [];

  /**
   * `brokers` indexed by id. A look that shows the same view objects with the same ids as the
   * last one (ClusterView refills its look's in place) would build the same map: it is kept.
   */
  private resetBrokers(brokers: readonly BrokerView[]): void {
    const seen = this.brokersSeen;
    const ids = this.brokerIdsSeen;
    let same = seen.length === brokers.length;
    for (let i = 0; same && i < brokers.length; i++) same = seen[i] === brokers[i] && ids[i] === brokers[i].id;
    if (same) return;
    this.brokers.clear();
    seen.length = 0;
    ids.length = 0;
    for (const b of brokers) {
      this.brokers.set(b.id, b);
      seen.push(b);
      ids.push(b.id);
    }
  }

  replicaOf(k: string, broker: number): ReplicaSnapshot | undefined {
    const rs = this.replicas.get(k);
    if (rs === undefined) return undefined;
    for (const r of rs) if (r.broker === broker) return r;
    return undefined;
  }

  currentLeader(k: string): ReplicaSnapshot | undefined {
    const cached = this.leaderCache.get(k);
    if (cached !== undefined && cached.look === this.lookNumber) return cached.leader ?? undefined;
    const found = this.findLeader(k);
    if (cached === undefined) this.leaderCache.set(k, { look: this.lookNumber, leader: found ?? null });
    else {
      cached.look = this.lookNumber;
      cached.leader = found ?? null;
    }
    return found;
  }

  private findLeader(k: string): ReplicaSnapshot | undefined {
    const v = this.views.get(k);
    if (v === undefined || v.leader < 0 || !isLive(this.brokers.get(v.leader))) return undefined;
    const r = this.replicaOf(k, v.leader);
    return r !== undefined && r.up && r.role === 'leader' && r.leaderEpoch === v.leaderEpoch ? r : undefined;
  }
}

/**
 * `m` made to hold only k → value (nothing when value is undefined), in place when it holds
 * only k already: Map.clear allocates a new table, and a partition look is taken after most events.
 */
function setOnly<V>(m: Map<string, V>, k: string, value: V | undefined): void {
  if (value === undefined) {
    if (m.size > 0) m.clear();
    return;
  }
  if (m.size !== 1 || !m.has(k)) m.clear();
  m.set(k, value);
}

function snapshotView(s: ClusterSnapshot): SnapshotView {
  return new IndexedSnapshot(s);
}

/** A live replica in the leader role: its broker's view, else undefined. */
function liveLeaderBroker(v: SnapshotView, r: ReplicaSnapshot): BrokerView | undefined {
  if (r.role !== 'leader' || !r.up) return undefined;
  const b = v.brokers.get(r.broker);
  return isLive(b) ? b : undefined;
}

/** The true HW: the highest HW any live leader has reported; never goes back. */
function advanceTrueHw(v: SnapshotView, state: MonitorState): void {
  for (const [k, rs] of v.replicas) {
    for (const r of rs) {
      if (liveLeaderBroker(v, r) !== undefined && r.hw > (state.trueHw.get(k) ?? 0)) state.trueHw.set(k, r.hw);
    }
  }
}

/** The inner map of `outer` at partition key `k`, made when missing. */
function innerMap<V>(outer: Map<string, Map<number, V>>, k: string): Map<number, V> {
  let inner = outer.get(k);
  if (inner === undefined) outer.set(k, (inner = new Map()));
  return inner;
}

/** one-leader-per-epoch: replicas that act as leader (process up), then the controller's choices. */
function oneLeaderPerEpoch(v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const [k, rs] of v.replicas) {
    for (const r of rs) {
      if (r.role !== 'leader' || !r.up) continue;
      const byEpoch = innerMap(state.epochLeader, k);
      const prevLeader = byEpoch.get(r.leaderEpoch);
      if (prevLeader === undefined) byEpoch.set(r.leaderEpoch, r.broker);
      else if (prevLeader !== r.broker) {
        raise(`olpe:${k}@${r.leaderEpoch}`, {
          kind: 'one-leader-per-epoch',
          explanation:
            `Brokers ${prevLeader} and ${r.broker} both acted as leader of ${k} ` + `in leader epoch ${r.leaderEpoch}.`,
          topic: r.topic,
          partition: r.partition,
          nodes: [prevLeader, r.broker],
        });
      }
    }
  }
  for (const [k, pv] of v.views) {
    if (pv.leader < 0) continue;
    const byEpoch = innerMap(state.controllerEpochLeader, k);
    const prev = byEpoch.get(pv.leaderEpoch);
    if (prev === undefined) byEpoch.set(pv.leaderEpoch, pv.leader);
    else if (prev !== pv.leader) {
      raise(`olpe-ctl:${k}@${pv.leaderEpoch}`, {
        kind: 'one-leader-per-epoch',
        explanation:
          `The controller named broker ${prev} and later broker ${pv.leader} leader of ${k} ` +
          `for the same leader epoch ${pv.leaderEpoch}.`,
        topic: pv.topic,
        partition: pv.partition,
        nodes: [prev, pv.leader],
      });
    }
  }
}

/** hw-monotonic: a leader's HW never decreases within its tenure. */
function hwMonotonic(v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const [k, rs] of v.replicas) {
    for (const r of rs) {
      const b = liveLeaderBroker(v, r);
      if (b !== undefined) hwMonotonicOf(k, r, b, state, raise);
    }
  }
}

/** hw-monotonic of one live leader. */
function hwMonotonicOf(k: string, r: ReplicaSnapshot, b: BrokerView, state: MonitorState, raise: Raise): void {
  const tk = tenureKey(state, k, r.broker, b.brokerEpoch, r.leaderEpoch);
  const prev = state.tenureHw.get(tk);
  if (prev !== undefined && r.hw < prev) {
    raise(`hwm:${tk}:${prev}`, {
      kind: 'hw-monotonic',
      explanation:
        `The high watermark of ${k} on its leader, broker ${r.broker} (leader epoch ${r.leaderEpoch}), ` +
        `went back from ${prev} to ${r.hw}.`,
      topic: r.topic,
      partition: r.partition,
      offsets: [prev, r.hw],
      nodes: [r.broker],
    });
  }
  if (prev === undefined || r.hw > prev) state.tenureHw.set(tk, r.hw);
}

/**
 * A leader tenure's key `partition|broker|broker epoch|leader epoch`, kept per partition and
 * broker for its latest tenure (asked at every look of a leader's HW: not made again each time).
 */
function tenureKey(state: MonitorState, k: string, broker: number, brokerEpoch: number, leaderEpoch: number): string {
  let byBroker = state.tenureKeys.get(k);
  if (byBroker === undefined) state.tenureKeys.set(k, (byBroker = new Map()));
  const t = byBroker.get(broker);
  if (t !== undefined && t.brokerEpoch === brokerEpoch && t.leaderEpoch === leaderEpoch) return t.key;
  const key = `${k}|${broker}|${brokerEpoch}|${leaderEpoch}`;
  byBroker.set(broker, { brokerEpoch, leaderEpoch, key });
  return key;
}

function firstEntryText(cache: ReplicaSnapshot['epochCache']): string {
  if (cache.length === 0) return 'the cache is empty.';
  return `its first entry is epoch ${cache[0].epoch} at ${cache[0].startOffset}.`;
}

/** epoch-cache-complete: the epoch cache of a live, loaded replica covers its first record. */
function epochCacheComplete(v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const [k, rs] of v.replicas) {
    for (const r of rs) {
      if (!r.up) continue;
      const byBroker = innerMap(state.maxLogStart, k);
      const highest = Math.max(byBroker.get(r.broker) ?? 0, r.logStartOffset);
      byBroker.set(r.broker, highest);
      if (r.role === 'none' || highest >= r.leo || !isLive(v.brokers.get(r.broker))) continue;
      // The first record: past gaps (model/replica-log.ts gapAt), which no epoch covers.
      let offset = highest;
      while (offset < r.leo - 1 && r.records[offset - r.logStartOffset]?.gap === true) offset++;
      const first = r.records[offset - r.logStartOffset];
      if (first?.gap === true) continue;
      let covering: { epoch: number; startOffset: number } | undefined;
      for (const e of r.epochCache) if (e.startOffset <= offset) covering = e;
      if (covering !== undefined && covering.epoch === first.epoch) continue;
      raise(`ecc:${k}:${r.broker}:${offset}`, {
        kind: 'epoch-cache-complete',
        explanation:
          `Broker ${r.broker}'s leader-epoch cache for ${k} does not cover its first record (offset ${offset}, ` +
          `epoch ${first.epoch}): ` +
          (covering !== undefined ? `the entry there names epoch ${covering.epoch}.` : firstEntryText(r.epochCache)),
        topic: r.topic,
        partition: r.partition,
        offsets: [offset],
        nodes: [r.broker],
      });
    }
  }
}

/** acked-durable: each acknowledged record is in the current leader's log at its offset. */
function ackedDurable(s: ClusterSnapshot, v: SnapshotView, raise: Raise): void {
  // Every acknowledged record at every snapshot: the partition key and its leader are looked up
  // once per run of records of one partition, not built again for each record.
  let topic: string | undefined;
  let partition = -1;
  let k = '';
  let leader: ReplicaSnapshot | undefined;
  for (const a of s.acked) {
    if (a.topic !== topic || a.partition !== partition) {
      topic = a.topic;
      partition = a.partition;
      k = pkey(topic, partition);
      leader = v.currentLeader(k);
    }
    if (leader !== undefined) judgeAck(a, k, leader, s.timeUs, raise);
  }
}

/** acked-durable for one record against the current leader. */
function judgeAck(a: AckedRecord, k: string, leader: ReplicaSnapshot, nowUs: number, raise: Raise): void {
  if (a.offset < leader.logStartOffset) return;
  const rec = recordAt(leader, a.offset);
  if (rec !== undefined && rec.value === a.value) return;
  const who = `the current leader, broker ${leader.broker} (epoch ${leader.leaderEpoch})`;
  raise(`acked:${k}:${a.offset}:${a.value}`, {
    kind: 'acked-durable',
    explanation:
      `Record ${JSON.stringify(a.value)} was acknowledged at offset ${a.offset} of ${k}, but ${who}, ` +
      (rec === undefined ? noRecordText(leader, a.offset) : `holds ${JSON.stringify(rec.value)} there.`),
    topic: a.topic,
    partition: a.partition,
    offsets: [a.offset],
    values: rec === undefined ? [a.value] : [a.value, rec.value],
    nodes: [leader.broker],
    timesUs: [a.timeUs, nowUs],
  });
}

/** Takes in the acknowledged records new since the last look, per partition. */
function ingestAcked(s: ClusterSnapshot, state: MonitorState): void {
  // The list of the partition of the record before is looked up again only when the partition changes.
  let l: AckedRecord[] | undefined;
  for (let i = state.ackedSeen; i < s.acked.length; i++) {
    const a = s.acked[i];
    const before = i > state.ackedSeen ? s.acked[i - 1] : undefined;
    if (l === undefined || before === undefined || before.partition !== a.partition || before.topic !== a.topic) {
      const k = pkey(a.topic, a.partition);
      l = state.ackedBy.get(k);
      if (l === undefined) state.ackedBy.set(k, (l = []));
    }
    l.push(a);
  }
  state.ackedSeen = s.acked.length;
}

/**
 * acked-durable and consistent-read of one partition at a partition look: the records new since
 * its last look, or all of them when its current leader is another one or truncated since.
 */
function resultsAt(
  k: string,
  s: ClusterSnapshot,
  v: SnapshotView,
  state: MonitorState,
  judge: { acked: boolean; consumed: boolean },
  raise: Raise,
): void {
  const leader = v.currentLeader(k);
  if (leader === undefined) return; // judged in full once a current leader is there (another one)
  const acked = state.ackedBy.get(k) ?? [];
  const brokerEpoch = v.brokers.get(leader.broker)!.brokerEpoch;
  let mark = state.judged.get(k);
  const same =
    mark !== undefined &&
    mark.broker === leader.broker &&
    mark.brokerEpoch === brokerEpoch &&
    mark.leaderEpoch === leader.leaderEpoch &&
    leader.leo >= mark.leo;
  if (judge.acked) {
    for (let i = same ? mark!.acked : 0; i < acked.length; i++) judgeAck(acked[i], k, leader, s.timeUs, raise);
  }
  if (mark === undefined) state.judged.set(k, (mark = { broker: 0, brokerEpoch: 0, leaderEpoch: 0, leo: 0, acked: 0 }));
  mark.broker = leader.broker;
  mark.brokerEpoch = brokerEpoch;
  mark.leaderEpoch = leader.leaderEpoch;
  mark.leo = leader.leo;
  mark.acked = acked.length;
  const fresh = state.consumedNew.get(k);
  if (judge.consumed) {
    if (!same) {
      state.consumedAt.get(k)?.forEach((c, offset) => judgeConsumed(k, offset, c, leader, s.timeUs, raise));
    } else if (fresh !== undefined) {
      const byOffset = state.consumedAt.get(k)!;
      for (const c of fresh) judgeConsumed(k, c.offset, byOffset.get(c.offset)!, leader, s.timeUs, raise);
    }
  }
  if (fresh !== undefined) emptyList(fresh);
}

/**
 * Empties a list kept for reuse (MonitorState.consumedNew), by pops: a Map entry deleted or a
 * length set to 0 allocates again at the next record (a Map's new table, the array's store).
 */
function emptyList(list: unknown[]): void {
  while (list.length > 0) list.pop();
}

/** log-matching: live replicas agree below both their HWs (the first disagreement per pair). */
function logMatching(v: SnapshotView, raise: Raise): void {
  for (const [k, rs] of v.replicas) {
    const live = rs.filter((r) => r.up && isLive(v.brokers.get(r.broker)));
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) firstDisagreement(k, live[i], live[j], raise);
    }
  }
}

/**
 * log-matching of one partition at a partition look: each pair of live replicas compared only
 * above the offset compared at its last look (lowered by onTruncate), from the start again when
 * either broker restarted since (another broker epoch).
 */
function logMatchingAt(k: string, v: SnapshotView, state: MonitorState, raise: Raise): void {
  const rs = v.replicas.get(k);
  if (rs === undefined) return;
  let marks = state.compared.get(k);
  if (marks === undefined) state.compared.set(k, (marks = new Map()));
  for (let i = 0; i < rs.length; i++) {
    const x = rs[i];
    const bx = v.brokers.get(x.broker);
    if (!x.up || !isLive(bx)) continue;
    for (let j = i + 1; j < rs.length; j++) {
      const y = rs[j];
      const by = v.brokers.get(y.broker);
      if (!y.up || !isLive(by)) continue;
      const xLow = x.broker < y.broker;
      const pair = xLow ? x.broker * PAIR_KEY + y.broker : y.broker * PAIR_KEY + x.broker;
      const epochLo = xLow ? bx!.brokerEpoch : by!.brokerEpoch;
      const epochHi = xLow ? by!.brokerEpoch : bx!.brokerEpoch;
      let mark = marks.get(pair);
      const same = mark !== undefined && mark.epochLo === epochLo && mark.epochHi === epochHi;
      const from = same ? mark!.to : 0;
      const to = firstDisagreement(k, x, y, raise, from);
      if (same && to <= mark!.to) continue;
      if (mark === undefined) marks.set(pair, (mark = { epochLo, epochHi, to: 0 }));
      mark.epochLo = epochLo;
      mark.epochHi = epochHi;
      mark.to = Math.max(to, from);
    }
  }
}

/** A record in a log-matching explanation: its value and epoch, or that the replica has a gap there. */
function shownRecord(r: { value: string; epoch: number; gap?: true }): string {
  if (r.gap === true) return 'no record (a gap a truncation inside a batch left)';
  return `${JSON.stringify(r.value)} (epoch ${r.epoch})`;
}

/** log-matching marks: a replica that truncated to `toOffset` is compared again from there. */
function lowerCompared(state: MonitorState, k: string, broker: number, toOffset: number): void {
  for (const [pair, mark] of state.compared.get(k) ?? []) {
    const lo = Math.floor(pair / PAIR_KEY);
    const hi = pair % PAIR_KEY;
    if ((lo === broker || hi === broker) && mark.to > toOffset) mark.to = toOffset;
  }
}

/** Compares two replicas from `fromOffset` (or both log starts) to both HWs and LEOs; returns where it stopped. */
function firstDisagreement(k: string, x: ReplicaSnapshot, y: ReplicaSnapshot, raise: Raise, fromOffset = 0): number {
  const from = Math.max(x.logStartOffset, y.logStartOffset, fromOffset);
  const to = Math.min(x.hw, y.hw, x.leo, y.leo);
  for (let o = from; o < to; o++) {
    const rx = x.records[o - x.logStartOffset];
    const ry = y.records[o - y.logStartOffset];
    if (rx === undefined || ry === undefined || (rx.value === ry.value && rx.gap === ry.gap)) continue;
    const [lo, hi] = x.broker < y.broker ? [x, y] : [y, x];
    const [vlo, vhi] = x.broker < y.broker ? [rx, ry] : [ry, rx];
    raise(`lm:${k}:${lo.broker}:${hi.broker}:${o}`, {
      kind: 'log-matching',
      explanation:
        `Brokers ${lo.broker} and ${hi.broker} disagree at offset ${o} of ${k}, below both their high watermarks: ` +
        `${shownRecord(vlo)} against ${shownRecord(vhi)}.`,
      topic: x.topic,
      partition: x.partition,
      offsets: [o],
      // a gap's value is its placeholder's, '' (model/replica-log.ts gapAt): the promise judges it by its offset
      values: [vlo.value, vhi.value],
      nodes: [lo.broker, hi.broker],
    });
    return to;
  }
  return to;
}

/** candidate-complete: every live, loaded ISR/ELR member holds the log up to the true HW. */
function candidateComplete(v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const [k, pv] of v.views) {
    const hw = state.trueHw.get(k) ?? 0;
    if (hw === 0) continue;
    for (const b of pv.isr) candidateCompleteOf(v, k, pv, b, 'ISR', hw, raise);
    for (const b of pv.elr) candidateCompleteOf(v, k, pv, b, 'ELR', hw, raise);
  }
}

/** candidate-complete of one ISR or ELR member `b` (`set` names which). */
function candidateCompleteOf(
  v: SnapshotView,
  k: string,
  pv: PartitionView,
  b: number,
  set: 'ISR' | 'ELR',
  hw: number,
  raise: Raise,
): void {
  const bv = v.brokers.get(b);
  if (!isLive(bv)) return;
  const r = v.replicaOf(k, b);
  // a replica not loaded yet (role none: e.g. just restarted, metadata not applied) has
  // its log on disk but not in memory; it is judged once it has loaded the partition
  if (r === undefined || !r.up || r.role === 'none') return;
  if (r.leo >= hw) return;
  raise(`cc:${k}:${b}:${bv!.brokerEpoch}:${hw}`, {
    kind: 'candidate-complete',
    explanation:
      `Broker ${b} is in the ${set} of ${k} and could be elected, but its log ends at ${r.leo}, ` +
      `below the committed high watermark ${hw}: electing it would lose committed records.`,
    topic: pv.topic,
    partition: pv.partition,
    offsets: [r.leo, hw],
    nodes: [b],
  });
}

/** quorum-superset: a leader with ≥ min.insync.replicas in its ISR has a maximal ISR ⊇ the ISR ∪ ELR applied. */
/**
 * isr-eligible: the controller never adds to an ISR a broker it has in controlled shutdown
 * (KIP-841; ReplicationControlManager.ineligibleReplicasForIsr). Judged on members new since the
 * previous snapshot, against this snapshot's controller view (snapshots follow every controller
 * decision).
 */
function isrEligible(v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const [k, p] of v.views) {
    const before = state.previousIsr.get(k);
    state.previousIsr.set(k, p.isr);
    if (before === undefined || before === p.isr) continue;
    for (const b of p.isr) {
      if (before.includes(b) || v.brokers.get(b)?.inControlledShutdown !== true) continue;
      raise(`isre:${k}:${b}:${p.partitionEpoch}`, {
        kind: 'isr-eligible',
        explanation:
          `The controller added broker ${b} to the ISR of ${k} (partition epoch ${p.partitionEpoch}) while ` +
          'it was in controlled shutdown: a stopping broker must not rejoin an ISR (KIP-841).',
        topic: p.topic,
        partition: p.partition,
        nodes: [b],
      });
    }
  }
}

/** Whether `list` is `a` followed by `b`, element by element. */
function isConcatOf(list: readonly number[], a: readonly number[], b: readonly number[]): boolean {
  if (list.length !== a.length + b.length) return false;
  for (let i = 0; i < a.length; i++) if (list[i] !== a[i]) return false;
  for (let i = 0; i < b.length; i++) if (list[a.length + i] !== b[i]) return false;
  return true;
}

/** Whether every member of `xs` is in `of`. */
function isSubset(xs: readonly number[], of: readonly number[]): boolean {
  for (let i = 0; i < xs.length; i++) if (!of.includes(xs[i])) return false;
  return true;
}

function quorumSuperset(v: SnapshotView, state: MonitorState, minIsr: number, raise: Raise): void {
  for (const [k, pv] of v.views) {
    // The controller's ISR ∪ ELR at each partition epoch seen, for leaders that lag.
    const byEpoch = innerMap(state.quorumAt, k);
    // The cached ISR ∪ ELR is kept while it equals the view's (compared in place: no array per look).
    let current = byEpoch.get(pv.partitionEpoch);
    if (current === undefined || !isConcatOf(current, pv.isr, pv.elr)) {
      current = [...pv.isr, ...pv.elr];
      byEpoch.set(pv.partitionEpoch, current);
    }
    const leader = v.currentLeader(k);
    if (leader === undefined || leader.isr === undefined || leader.maximalIsr === undefined) continue;
    if (leader.isr.length < minIsr) continue;
    let quorum: readonly number[] = current;
    let whose = "the controller's ISR/ELR";
    const applied = leader.partitionEpoch;
    if (applied !== undefined && applied >= 0 && applied < pv.partitionEpoch) {
      const then = byEpoch.get(applied);
      if (then === undefined) continue; // that state was never seen: nothing to compare with
      quorum = then;
      whose = `the ISR/ELR of partition epoch ${applied}, the state it has applied`;
    }
    const maximal = leader.maximalIsr;
    if (isSubset(quorum, maximal)) continue;
    const missing = quorum.filter((b) => !maximal.includes(b));
    raise(`qs:${k}:${leader.leaderEpoch}:${missing.join(',')}`, {
      kind: 'quorum-superset',
      explanation:
        `The leader of ${k}, broker ${leader.broker}, has ${leader.isr.length} ≥ min.insync.replicas in its ISR, ` +
        `but its maximal ISR [${maximal.join(', ')}] lacks broker(s) ${missing.join(', ')} of ${whose}, ` +
        `so it could commit records they do not have.`,
      topic: pv.topic,
      partition: pv.partition,
      nodes: [leader.broker, ...missing],
    });
  }
}

/** consistent-read: a consumed (offset → value) never changes and the current leader still holds it. */
function consistentRead(s: ClusterSnapshot, v: SnapshotView, state: MonitorState, raise: Raise): void {
  for (const fresh of state.consumedNew.values()) emptyList(fresh);
  for (const [k, byOffset] of state.consumedAt) {
    const leader = v.currentLeader(k);
    if (leader === undefined) continue;
    // forEach, not for-of over entries: no [offset, record] array made per record consumed.
    byOffset.forEach((c, offset) => judgeConsumed(k, offset, c, leader, s.timeUs, raise));
  }
}

/** Takes in the consumed records new since the last look: a second value at one offset is a violation. */
function ingestConsumed(s: ClusterSnapshot, state: MonitorState, raise: Raise): void {
  // A poll's records are of one partition: its key and lists are looked up once per run of them.
  let k = '';
  let topic: string | undefined;
  let partition = -1;
  let byOffset: Map<number, { value: string; timeUs: number }> | undefined;
  let fresh: ConsumedRecord[] | undefined;
  for (let i = state.consumedSeen; i < s.consumed.length; i++) {
    const c = s.consumed[i];
    if (byOffset === undefined || fresh === undefined || c.partition !== partition || c.topic !== topic) {
      topic = c.topic;
      partition = c.partition;
      k = pkey(topic, partition);
      byOffset = state.consumedAt.get(k);
      if (byOffset === undefined) state.consumedAt.set(k, (byOffset = new Map()));
      fresh = state.consumedNew.get(k);
      if (fresh === undefined) state.consumedNew.set(k, (fresh = []));
    }
    fresh.push(c);
    const prev = byOffset.get(c.offset);
    // kept is the record itself (its value and time), not a copy
    if (prev === undefined) byOffset.set(c.offset, c);
    else if (prev.value !== c.value) {
      raise(`cr-twice:${k}:${c.offset}:${c.value}`, {
        kind: 'consistent-read',
        explanation:
          `Offset ${c.offset} of ${k} was consumed as ${JSON.stringify(prev.value)} ` +
          `and later as ${JSON.stringify(c.value)}.`,
        topic: c.topic,
        partition: c.partition,
        offsets: [c.offset],
        values: [prev.value, c.value],
        timesUs: [prev.timeUs, c.timeUs],
      });
    }
  }
  state.consumedSeen = s.consumed.length;
}

/** consistent-read for one consumed offset against the current leader. */
function judgeConsumed(
  k: string,
  offset: number,
  c: { value: string; timeUs: number },
  leader: ReplicaSnapshot,
  nowUs: number,
  raise: Raise,
): void {
  if (offset < leader.logStartOffset) return;
  const rec = recordAt(leader, offset);
  if (rec !== undefined && rec.value === c.value) return;
  const who = `the current leader, broker ${leader.broker} (epoch ${leader.leaderEpoch})`;
  const gap = rec === undefined && offset < leader.leo;
  raise(`cr:${k}:${offset}:${leader.broker}:${leader.leaderEpoch}`, {
    kind: 'consistent-read',
    explanation:
      `Offset ${offset} of ${k} was consumed as ${JSON.stringify(c.value)}, but ${who}, ` +
      (rec === undefined
        ? gap
          ? `now holds no record there (a truncation inside a batch cut it; its log ends at ${leader.leo}).`
          : `no longer has that offset (its log ends at ${leader.leo}).`
        : `now holds ${JSON.stringify(rec.value)} there.`),
    topic: leader.topic,
    partition: leader.partition,
    offsets: [offset],
    // a gap's value is its placeholder's, '' (model/replica-log.ts gapAt), as log-matching names it
    values: rec !== undefined ? [c.value, rec.value] : gap ? [c.value, GAP_PLACEHOLDER] : [c.value],
    nodes: [leader.broker],
    timesUs: [c.timeUs, nowUs],
  });
}

/**
 * One `raise` for a monitor's life (not a closure made at every snapshot): `current` holds the
 * snapshot being judged and the violations it found; each key is raised once.
 */
function monitorRaise(all: Anomaly[]): { current: { out: Anomaly[]; timeUs: number }; raise: Raise } {
  const reported = new Set<string>();
  const current = { out: [] as Anomaly[], timeUs: 0 };
  const raise: Raise = (key, a) => {
    if (reported.has(key)) return;
    reported.add(key);
    const full: Anomaly = { ...a, timesUs: a.timesUs ?? [current.timeUs] };
    current.out.push(full);
    all.push(full);
  };
  return { current, raise };
}

/** A monitor's state before its first look. */
function newMonitorState(): MonitorState {
  return {
    trueHw: new Map(),
    epochLeader: new Map(),
    controllerEpochLeader: new Map(),
    tenureHw: new Map(),
    tenureKeys: new Map(),
    consumedAt: new Map(),
    quorumAt: new Map(),
    previousIsr: new Map(),
    consumedSeen: 0,
    maxLogStart: new Map(),
    ackedSeen: 0,
    ackedBy: new Map(),
    consumedNew: new Map(),
    judged: new Map(),
    compared: new Map(),
  };
}

export function createInvariantMonitor(opts: InvariantMonitorOptions = {}): InvariantMonitor {
  const enabled = new Set<InvariantName>(opts.invariants ?? INVARIANT_NAMES);
  if (opts.minInsyncReplicas === undefined) enabled.delete('quorum-superset');
  const state = newMonitorState();
  const all: Anomaly[] = [];
  const quorumSeen = { count: 0 };
  const judge = { acked: enabled.has('acked-durable'), consumed: enabled.has('consistent-read') };
  const { current, raise } = monitorRaise(all);

  const observe = (s: ClusterSnapshot): Anomaly[] => {
    const out: Anomaly[] = [];
    current.out = out;
    current.timeUs = s.timeUs;
    const v = snapshotView(s);
    ingestAcked(s, state);
    ingestConsumed(s, state, raise);
    advanceTrueHw(v, state);
    if (enabled.has('one-leader-per-epoch')) oneLeaderPerEpoch(v, state, raise);
    if (enabled.has('hw-monotonic')) hwMonotonic(v, state, raise);
    if (enabled.has('acked-durable')) ackedDurable(s, v, raise);
    if (enabled.has('log-matching')) logMatching(v, raise);
    if (enabled.has('candidate-complete')) candidateComplete(v, state, raise);
    if (enabled.has('isr-eligible')) isrEligible(v, state, raise);
    if (enabled.has('quorum-superset')) quorumSuperset(v, state, opts.minInsyncReplicas!, raise);
    if (enabled.has('consistent-read')) consistentRead(s, v, state, raise);
    if (enabled.has('epoch-cache-complete')) epochCacheComplete(v, state, raise);
    // The controller quorum's invariants (checkers/quorum-invariants.ts).
    for (const a of quorumAnomalies(s, (n) => enabled.has(n), quorumSeen)) {
      const full: Anomaly = { ...a, timesUs: a.timesUs ?? [s.timeUs] };
      out.push(full);
      all.push(full);
    }
    return out;
  };

  // One partition (the look's only controller record, or else its replicas' partition).
  const lookView = new IndexedSnapshot();
  /** A look narrower than LOOK_ALL: only what its bits name. */
  const judgeScoped = (look: ClusterSnapshot, v: IndexedSnapshot, scope: LookScope): void => {
    if ((scope & LOOK_RESULTS) !== 0) {
      ingestAcked(look, state);
      ingestConsumed(look, state, raise);
    }
    const matching = (scope & (LOOK_LOG_MATCHING | LOOK_LEADER_HW)) !== 0 && enabled.has('log-matching');
    for (const k of v.replicas.keys()) {
      if ((scope & LOOK_RESULTS) !== 0) resultsAt(k, look, v, state, judge, raise);
      if (matching) logMatchingAt(k, v, state, raise);
    }
    if ((scope & LOOK_LEADER_HW) === 0) return;
    advanceTrueHw(v, state);
    if (enabled.has('hw-monotonic')) hwMonotonic(v, state, raise);
    if (enabled.has('candidate-complete')) candidateComplete(v, state, raise);
  };
  const observePartition = (look: ClusterSnapshot, scope: LookScope = LOOK_ALL): Anomaly[] => {
    const out: Anomaly[] = [];
    current.out = out;
    current.timeUs = look.timeUs;
    const v = lookView.resetTo(look);
    if ((scope & LOOK_ALL) === 0) {
      judgeScoped(look, v, scope);
      return out;
    }
    ingestAcked(look, state);
    ingestConsumed(look, state, raise);
    advanceTrueHw(v, state);
    if (enabled.has('one-leader-per-epoch')) oneLeaderPerEpoch(v, state, raise);
    if (enabled.has('hw-monotonic')) hwMonotonic(v, state, raise);
    for (const k of v.replicas.keys()) {
      resultsAt(k, look, v, state, judge, raise);
      if (enabled.has('log-matching')) logMatchingAt(k, v, state, raise);
    }
    if (enabled.has('candidate-complete')) candidateComplete(v, state, raise);
    if (enabled.has('isr-eligible')) isrEligible(v, state, raise);
    if (enabled.has('quorum-superset')) quorumSuperset(v, state, opts.minInsyncReplicas!, raise);
    if (enabled.has('epoch-cache-complete')) epochCacheComplete(v, state, raise);
    return out;
  };

  return {
    observe,
    observePartition,
    onTruncate(broker: number, topic: string, partition: number, toOffset: number): void {
      const k = pkey(topic, partition);
      const mark = state.judged.get(k);
      if (mark !== undefined && mark.broker === broker) mark.broker = -1;
      lowerCompared(state, k, broker, toOffset);
    },
    get anomalies() {
      return all;
    },
    trueHighWatermark(topic: string, partition: number): number {
      return state.trueHw.get(pkey(topic, partition)) ?? 0;
    },
  };
}
