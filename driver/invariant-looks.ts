// When the white-box invariant monitor (checkers/invariants.ts) looks at the cluster (issue 18
// item 4). Two kinds of look, both between events (a probe announces a change in the middle of
// an event, when the model's state may be half updated):
//   - a partition look after every event that changed a partition in a way that can break an
//     invariant, judging what that change can break (LookScope): a replica's role or leader
//     epoch, a LEO that went down (the model's `replica` probe), an AlterPartition sent or
//     answered (the leader's maximal ISR): every per-partition invariant; a leader's HW: the
//     true HW with candidate-complete, hw-monotonic and log-matching; a follower's HW: log-
//     matching (it widens what two replicas must agree on). New acknowledged and consumed
//     records in the history are judged (acked-durable, consistent-read) at their partition's
//     next look of any kind or the next full look: they change no replica, and what can make
//     them false later (the current leader changes or truncates) is a change looked at, which
//     judges every record of the partition again. A record false already when it arrives (its
//     leader lost it before the client heard the answer) waits for that next look; if leadership
//     moves back to a replica that holds it first, candidate-complete judged the election. A LEO that
//     only grew breaks nothing: every invariant reads a log end only as a lower bound (a
//     candidate's log must reach the true HW) or below a HW, which a LEO rise leaves alone.
//     Only that partition is judged (InvariantMonitor.observePartition), so a fact that breaks
//     and heals between two full looks is still seen.
//   - a full look (every partition, the controller quorum, and the callers' own judges: the
//     liveness tracker, the transaction coordinators) after the protocol events that change
//     what many partitions are judged by (a controller record, a registration, fencing,
//     controlled shutdown, a truncation, a log start move, a node stopping or starting) and
//     every `everyEvents` events. It stays as a cross-check of the partition looks' incremental
//     bookkeeping (log-matching and acked-durable judge only what is new there) and for the
//     quorum invariants, which are not per partition; the liveness tracker needs its cadence.
// Assumes one source and one monitor for the run; a monitor without observePartition (a
// stand-in) gets the full looks only. Looking never changes the simulation (no event, no draw).

import type { AckedRecord, ClusterSnapshot, ConsumedRecord } from '../checkers/cluster-state.ts';
import { LOOK_ALL, LOOK_LEADER_HW, LOOK_LOG_MATCHING, LOOK_RESULTS, type LookScope } from '../checkers/invariants.ts';
import type { ModelProbe } from '../model/cluster-api.ts';

/** What the looks read: the whole cluster, one partition, the results so far. */
export interface LookSource {
  snapshot(): ClusterSnapshot;
  partitionSnapshot?(topic: string, partition: number): ClusterSnapshot;
  results?(): { acked: readonly AckedRecord[]; consumed: readonly ConsumedRecord[] };
}

/** The monitor the looks feed (driver/run.ts SnapshotMonitor). */
export interface LookedMonitor {
  observe(snapshot: ClusterSnapshot): void;
  observePartition?(look: ClusterSnapshot, scope: LookScope): void;
  onTruncate?(broker: number, topic: string, partition: number, toOffset: number): void;
}

function assertNever(x: never): never {
  throw new Error(`unexpected probe ${JSON.stringify(x)}`);
}

/** What a replica last showed (its `replica` probe). */
interface Shown {
  role: string;
  leaderEpoch: number;
  hw: number;
  leo: number;
}

/** Replicas per topic are keyed partition × REPLICA_KEY + broker. */
const REPLICA_KEY = 1 << 16;

export class InvariantLooks {
  private fullDue = false;
  private eventsAtFull = 0;
  /**
   * Partitions changed since the last look (few: searched linearly), and what to judge of each:
   * the first `changedCount` entries (the arrays are kept, not emptied, between looks).
   */
  private changedCount = 0;
  private readonly changedTopics: string[] = [];
  private readonly changedPartitions: number[] = [];
  private readonly changedScopes: LookScope[] = [];
  /**
   * Partitions with acknowledged or consumed records not judged yet: topic → a flag per
   * partition (1: pending). Flags, not a Set: a Set's delete allocates a new table as it empties.
   */
  private readonly pendingResults = new Map<string, number[]>();
  /** topic → replica key → what it last showed. */
  private readonly shown = new Map<string, Map<number, Shown>>();
  private ackedSeen = 0;
  private consumedSeen = 0;
  /** How many looks of each kind were taken (for tests and the bench). */
  readonly counts = { full: 0, partition: 0 };

  constructor(
    private readonly source: LookSource,
    private readonly monitor: LookedMonitor,
    private readonly everyEvents: number,
    private readonly onFull: (snapshot: ClusterSnapshot) => void = () => {},
  ) {}

  /** A node stopped, crashed, started or restarted: every partition's liveness may differ. */
  onNodeTransition(): void {
    this.fullDue = true;
  }

  /** Every model probe: which look it makes due. */
  onProbe(ev: ModelProbe): void {
    switch (ev.kind) {
      case 'truncate':
        this.monitor.onTruncate?.(ev.broker, ev.topic, ev.partition, ev.toOffset);
        this.fullDue = true;
        return;
      case 'partition':
      case 'registered':
      case 'log-start':
      case 'fenced':
      case 'controlled-shutdown':
        this.fullDue = true;
        return;
      case 'replica':
        this.onReplica(ev);
        return;
      case 'alter-partition-sent':
      case 'alter-partition-applied':
        this.markChanged(ev.topic, ev.partition, LOOK_ALL);
        return;
      case 'unclean-shutdown':
      case 'producer-resequenced':
      case 'append': // the LEO it moves is announced by a `replica` probe
      case 'fetch-served':
      case 'storage':
      case 'quorum':
      case 'follower-fetch':
      case 'coordinator-serving':
      case 'produce-ack':
        return;
      default:
        assertNever(ev);
    }
  }

  /** Between two events: the full look when due, else a look at each partition that changed. */
  between(eventCount: number): void {
    if (this.fullDue || eventCount - this.eventsAtFull >= this.everyEvents) {
      this.full(eventCount);
      return;
    }
    const observePartition = this.monitor.observePartition;
    const partitionSnapshot = this.source.partitionSnapshot;
    const n = this.changedCount;
    if (n === 0 || observePartition === undefined || partitionSnapshot === undefined) return;
    // The results new since the last look are taken in only now, when a partition is looked at:
    // pendingResults is read only here and emptied at a full look (which takes in every result
    // so far), so marking them at every event, as before, marked the same partitions.
    this.markNewResults();
    for (let i = 0; i < n; i++) {
      const topic = this.changedTopics[i];
      const p = this.changedPartitions[i];
      this.counts.partition++;
      const scope = this.changedScopes[i] | (this.takePending(topic, p) ? LOOK_RESULTS : 0);
      observePartition.call(this.monitor, partitionSnapshot.call(this.source, topic, p), scope);
    }
    this.changedCount = 0;
  }

  /** A full look now (also at the run's phase ends). */
  full(eventCount: number): void {
    this.fullDue = false;
    this.eventsAtFull = eventCount;
    this.changedCount = 0;
    for (const flags of this.pendingResults.values()) flags.fill(0);
    const snap = this.source.snapshot();
    this.ackedSeen = snap.acked.length;
    this.consumedSeen = snap.consumed.length;
    this.counts.full++;
    this.monitor.observe(snap);
    this.onFull(snap);
  }

  /** A replica's probe: which look its change calls for (see the top of this file). */
  private onReplica(ev: Extract<ModelProbe, { kind: 'replica' }>): void {
    let byTopic = this.shown.get(ev.topic);
    if (byTopic === undefined) this.shown.set(ev.topic, (byTopic = new Map()));
    const id = ev.partition * REPLICA_KEY + ev.broker;
    const s = byTopic.get(id);
    if (s === undefined) {
      byTopic.set(id, { role: ev.role, leaderEpoch: ev.leaderEpoch, hw: ev.hw, leo: ev.leo });
      this.markChanged(ev.topic, ev.partition, LOOK_ALL);
      return;
    }
    const newRole = s.role !== ev.role || s.leaderEpoch !== ev.leaderEpoch || ev.leo < s.leo;
    const newHw = s.hw !== ev.hw;
    s.role = ev.role;
    s.leaderEpoch = ev.leaderEpoch;
    s.hw = ev.hw;
    s.leo = ev.leo;
    if (newRole) this.markChanged(ev.topic, ev.partition, LOOK_ALL);
    else if (newHw) this.markChanged(ev.topic, ev.partition, ev.role === 'leader' ? LOOK_LEADER_HW : LOOK_LOG_MATCHING);
  }

  private markChanged(topic: string, partition: number, scope: LookScope): void {
    const n = this.changedCount;
    for (let i = 0; i < n; i++) {
      if (this.changedPartitions[i] !== partition || this.changedTopics[i] !== topic) continue;
      this.changedScopes[i] |= scope;
      return;
    }
    this.changedTopics[n] = topic;
    this.changedPartitions[n] = partition;
    this.changedScopes[n] = scope;
    this.changedCount = n + 1;
  }

  /** New acknowledged or consumed records: their partitions have results to judge at their next look. */
  private markNewResults(): void {
    const r = this.source.results?.();
    if (r === undefined) return;
    for (let i = this.ackedSeen; i < r.acked.length; i++) this.markPending(r.acked[i].topic, r.acked[i].partition);
    for (let i = this.consumedSeen; i < r.consumed.length; i++) {
      this.markPending(r.consumed[i].topic, r.consumed[i].partition);
    }
    this.ackedSeen = r.acked.length;
    this.consumedSeen = r.consumed.length;
  }

  private markPending(topic: string, partition: number): void {
    let flags = this.pendingResults.get(topic);
    if (flags === undefined) this.pendingResults.set(topic, (flags = []));
    while (flags.length <= partition) flags.push(0);
    flags[partition] = 1;
  }

  /** Whether the partition had results pending; they are not any more. */
  private takePending(topic: string, partition: number): boolean {
    const flags = this.pendingResults.get(topic);
    if (flags === undefined || flags[partition] !== 1) return false;
    flags[partition] = 0;
    return true;
  }
}
