// Kafka's own findings: named chains of Kafka's own behaviour (each step read in Kafka's
// source) that break Kafka's documented promise. The correct model meets them because it
// follows Kafka; they are neither a bug of the model (a violation) nor beyond the promise
// (an expected loss). A run reports them as `kafka-finding`: known, not excused.
//
// Each finding has a white-box witness: a predicate over the run (code probes reached with the
// context their site recorded, model state, fault records) that establishes the exact chain
// happened, and says which anomalies it explains, tied to the topic/partition and offsets (or,
// for liveness, the partitions and operations stuck) that the witness recorded. An anomaly is
// labelled `kafkaFinding: NAME` only when a witness of NAME holds AND explains it; every other
// anomaly of the run keeps its verdict. A probe hit alone never labels anything.
//
// Assumes: the anomalies were judged by the promise tracker first (driver/promise.ts): an
// expected anomaly stays expected, an informational one informational; only failing ones are
// labelled. Witnesses read; they never change the run.

import type { Anomaly } from '../checkers/verdict.ts';
import type { ClusterSnapshot, RecordView, ReplicaSnapshot } from '../checkers/cluster-state.ts';
import type { History } from '../checkers/history.ts';
import type { CodeProbeContextHit } from '../harness/code-probes.ts';
import type { HistoryEvent } from '../checkers/history.ts';
import type {
  DroppedIsrExpansion,
  FetchEpochBelowLeaderCache,
  GroupCoordinatorElected,
  GroupOffsetFetchAnswered,
  KeptBelowLeaderLogStart,
  TxnAnsweredUnreplicatedPartition,
  TxnLoaded,
  ZkResentIsrWrite,
} from '../model/code-probes.ts';
import type { FaultRecord } from './injector.ts';
import { TXN_STATE_TOPIC } from '../model/config.ts';

/** What a witness may read of a run. */
export interface FindingRun {
  /** Code probes hit with a context, in hit order (harness/code-probes.ts). */
  readonly probeContexts: readonly CodeProbeContextHit[];
  /** The fault schedule's records (what fired, when, on which nodes). */
  readonly faults: readonly FaultRecord[];
  readonly history: History;
  /** The last snapshot of the cluster the driver took (after the final read), when it got that far. */
  readonly lastSnapshot?: ClusterSnapshot;
  /** The run was in ZooKeeper mode. */
  readonly zookeeper: boolean;
  /**
   * The follower's records at each hit of fetch-epoch-below-leader-cache-no-divergence, read by
   * the driver at the hit (`followerAtFetchBelowCache`): retention may delete them before the
   * run's last snapshot, after that follower led and served them (swarm seed 150001060).
   */
  readonly fetchesBelowCache?: readonly FollowerAtFetchBelowCache[];
  /**
   * Partitions with a hanging transaction ("topic/partition" → its first offset) when the liveness
   * window closed and at the end of the run (KafkaCluster.hangingTransactions), both.
   */
  readonly hangingTransactions?: ReadonlyArray<readonly [string, number]>;
  /** transaction.state.log.min.isr as configured (Kafka's default 2), before the cap at the replication factor. */
  readonly txnStateMinIsr?: number;
  /**
   * Transactional producers not done at the end of the run: client id → the `__transaction_state`
   * partition of its transactional id (KafkaCluster.txnStatePartitionOfProducers).
   */
  readonly txnProducers?: ReadonlyArray<readonly [number, number]>;
  /**
   * Transactions open on workload leaders when the liveness window closed and at the end of the
   * run, both (KafkaCluster.openTransactionsOnLeaders): ["topic/partition", producer id].
   */
  readonly openTransactions?: ReadonlyArray<readonly [string, number]>;
  /**
   * At the end of the run, a look (KafkaCluster.internalPartitionLook) at each `__transaction_state`
   * partition a zk-alter-partition-resent-bad-version probe names: the last snapshot holds workload
   * topics only.
   */
  readonly txnStateLooks?: readonly ClusterSnapshot[];
  /** The workload topics' min.insync.replicas in force (before the cap at the replication factor). */
  readonly minInsync?: number;
  /**
   * At the end of the run, transactional producers not done whose serving coordinator holds their
   * transactional id in PrepareCommit or PrepareAbort (KafkaCluster.preparedTxnsOfProducers): [client id,
   * state, the partitions whose markers are still unwritten].
   */
  readonly preparedTxns?: ReadonlyArray<readonly [number, string, readonly string[]]>;
}

/** One instance of a finding's chain in a run: what was witnessed, and the anomalies it explains. */
interface FindingWitness {
  /** One sentence: the chain as this run shows it (broker, partition, offsets). */
  readonly description: string;
  explains(a: Anomaly): boolean;
}

export interface KafkaFinding {
  /** Stable name (summaries, reports and labels key on it). */
  readonly name: string;
  /** One sentence: the chain and the promise it breaks. */
  readonly explanation: string;
  /** Where it was read: Kafka class.method @ version, for each step. */
  readonly kafkaSource: string;
  /** A JIRA of Apache Kafka for it, or "no JIRA found" (with what was searched). */
  readonly jira: string;
  /** The regression/finding test that pins a run of it. */
  readonly test: string;
  /** Every instance of the chain in `run` (none: the finding did not happen). */
  witness(run: FindingRun): FindingWitness[];
}

// --- divergence-below-log-start (issue 12) ------------------------------------------------------

const KEPT_BELOW_PROBE = 'follower-kept-records-below-leader-log-start';

/**
 * The anomaly kinds the chain produces at an offset the follower kept: two values acknowledged
 * or read at it (inconsistent-offsets), the retried record answered there and never read back
 * (lost-write), and, once that follower leads or is compared with the others before it moves
 * its log start up, its kept record against the committed one (log-matching, acked-durable,
 * consistent-read: swarm seed 71012620 of base 71003000).
 */
const DIVERGENCE_KINDS: ReadonlySet<string> = new Set([
  'inconsistent-offsets',
  'lost-write',
  'log-matching',
  'acked-durable',
  'consistent-read',
]);

/**
 * Whether the chain of divergence-below-log-start explains `a` (same topic/partition checked by
 * the caller): an anomaly of DIVERGENCE_KINDS whose every offset is one the follower kept and
 * whose values include the very record it kept there; a duplicate of exactly one value of which
 * one copy is the kept record at its kept offset, where a client was acknowledged or read that
 * value (the retry answered there as a duplicate of the kept batch, ProducerStateEntry
 * .batchWithSequenceRange's findFirst: the kept batch is older than the copy the follower later
 * replicated at another offset, swarm seed 150004551); a poll-skip or nonmonotonic-poll from or
 * to a kept value that a client met both at its kept offset and at another offset (the history
 * checker places a value by its first offset, the kept one); a group's commit-skip whose every
 * skipped offset is a kept one and whose every value is the record kept at one of them, met there
 * by a client: the committed log held something else at that offset when the group read past it
 * (a transaction marker, which a consumer never returns: CompletedFetch.nextFetchedRecord), and
 * the checker knows the kept record there only from the retry answered as its duplicate (swarm
 * --controller zookeeper seed 470054322: broker 2 kept p202-12 at offset 16 of t/0, where leader
 * 1 wrote a COMMIT marker that the group moved past and committed 17; broker 2 then led and
 * answered p202-12's retry at 16). Without the run's last snapshot (what clients were
 * acknowledged and read) only DIVERGENCE_KINDS are explained.
 */
function explainedByKeptBelowLogStart(a: Anomaly, keptAt: KeptRecords, snap: ClusterSnapshot | undefined): boolean {
  const offsets = a.offsets ?? [];
  const values = a.values ?? [];
  if (DIVERGENCE_KINDS.has(a.kind))
    return (
      offsets.length > 0 &&
      offsets.every((o) => {
        const value = keptAt.get(o);
        return value !== undefined && values.includes(value);
      })
    );
  if (snap === undefined) return false;
  const metAtKept = (o: number, v: string): boolean => keptAt.get(o) === v && metAt(snap, a, v, o);
  if (a.kind === 'commit-skip')
    return (
      offsets.length > 0 &&
      values.length > 0 &&
      offsets.every((o) => keptAt.has(o)) &&
      values.every((v) => offsets.some((o) => metAtKept(o, v)))
    );
  if (a.kind === 'duplicate')
    return values.length === 1 && offsets.length > 1 && offsets.some((o) => metAtKept(o, values[0]));
  if (a.kind === 'poll-skip' || a.kind === 'nonmonotonic-poll') {
    const ends = values.slice(0, 2);
    return [...keptAt].some(([o, v]) => ends.includes(v) && metAtKept(o, v) && metAtAnotherOffset(snap, a, v, o));
  }
  return false;
}

/**
 * The follower kept, below the leader's log start, records the leader no longer has; one of
 * them may later be named by a duplicate answer at its old offset, or served when that
 * follower leads. Explains the anomalies of the same topic/partition tied to a record it kept
 * at its offset (explainedByKeptBelowLogStart).
 */
function divergenceBelowLogStart(run: FindingRun): FindingWitness[] {
  const out: FindingWitness[] = [];
  for (const hit of run.probeContexts) {
    if (hit.name !== KEPT_BELOW_PROBE) continue;
    const k = hit.context as KeptBelowLeaderLogStart;
    if (k.kept.length === 0) continue;
    const keptAt = new Map(k.kept.map((r) => [r.offset, r.value]));
    const first = k.kept[0].offset;
    const last = k.kept[k.kept.length - 1].offset;
    out.push({
      description:
        `Broker ${k.broker} truncated ${k.topic}/${k.partition} on a divergence to ${k.truncatedTo}, the leader's ` +
        `answer (end offset ${k.leaderEndOffset}) being at or below its log start ${k.leaderLogStart}, and kept ` +
        `offsets ${first}–${last} below it, which the leader no longer has.`,
      explains: (a) =>
        a.topic === k.topic && a.partition === k.partition && explainedByKeptBelowLogStart(a, keptAt, run.lastSnapshot),
    });
  }
  return out;
}

// --- no-divergence-below-log-start (swarm seed 72003580) ---------------------------------------

export const BELOW_CACHE_PROBE = 'fetch-epoch-below-leader-cache-no-divergence';

/** A record a replica holds, by offset. */
type KeptRecords = ReadonlyMap<number, string>;

/** A hit of BELOW_CACHE_PROBE (its context, the same object) and what the follower held then. */
export interface FollowerAtFetchBelowCache {
  readonly fetch: FetchEpochBelowLeaderCache;
  /** The follower's records below the leader's log start, in epochs ≤ the last fetched one, at the hit. */
  readonly kept: readonly KeptRecord[];
  /** The virtual time of the hit (the snapshot read then); absent in hand-built runs that do not need it. */
  readonly atUs?: number;
  /**
   * The follower's ongoing transactions begun below the leader's log start whose producer the
   * leader had no transaction open of and no record of at or above the fetch offset (their marker
   * lies below the follower's fetch position, where no fetch brings it), at the hit.
   */
  readonly openBelow?: readonly OpenTxn[];
}

/**
 * A record the follower held at the hit: its producer id and whether it is a transaction marker
 * are read by the aborted-kept-transaction consequence (abortedKeptTxnSkip); absent in hand-built
 * runs that do not need them.
 */
interface KeptRecord {
  readonly offset: number;
  readonly value: string;
  readonly producerId?: number;
  readonly marker?: 'COMMIT' | 'ABORT';
}

/** A snapshot record as the model shows it (model/replica-log.ts ModelRecord, structurally): its marker type. */
interface MarkerView {
  readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
}

/** An ongoing transaction of a replica's producer state. */
interface OpenTxn {
  readonly producerId: number;
  readonly firstOffset: number;
}

/**
 * What the follower of `k` held at the hit, as `snap` (taken then) shows it: copies, by offset;
 * and, given both replicas' open transactions then, those the follower held open from below the
 * leader's log start and the leader did not.
 */
export function followerAtFetchBelowCache(
  k: FetchEpochBelowLeaderCache,
  snap: ClusterSnapshot,
  open?: { readonly follower: readonly OpenTxn[]; readonly leader: readonly OpenTxn[] },
): FollowerAtFetchBelowCache {
  const kept = keptRecordsBelowLeaderCache(k, snap);
  if (open === undefined) return { fetch: k, kept, atUs: snap.timeUs };
  const leaderLog = snap.replicas.find(
    (r) => r.broker === k.leader && r.topic === k.topic && r.partition === k.partition,
  );
  // Closed on the leader by a marker the follower will never fetch: none of the producer's records
  // lies at or above the fetch offset, what the follower fetches from now on.
  const closedBelowFetch = (t: OpenTxn): boolean =>
    !open.leader.some((l) => l.producerId === t.producerId) &&
    !(leaderLog?.records ?? []).some((r) => r.producerId === t.producerId && r.offset >= k.fetchOffset);
  const openBelow = open.follower.filter((t) => t.firstOffset < k.leaderLogStart && closedBelowFetch(t));
  return { fetch: k, kept, openBelow, atUs: snap.timeUs };
}

/**
 * What the follower of `k` holds in `snap` (the run's last, or one taken at the hit) below the
 * leader's answer to its last fetched epoch (the start of the leader cache's first entry, which
 * truncateFromStart had moved to the log start then), in epochs at or below its last fetched
 * epoch (older than every epoch the leader's cache held): records the leader could no longer
 * compare with its own, and took as matching. The leader's log start may lie below that answer
 * after a restart (zoo guided input of stale-generation-commit, base 1, seed 145): a
 * follower's raise of its log start (UnifiedLog.maybeIncrementLogStartOffset, LeaderOffsetIncremented)
 * is checkpointed only by LogManager's kafka-log-start-offset-checkpoint task, so an unclean
 * restart loads max(checkpoint, first segment's base) (LogLoader.load) and serves again the
 * records below the old log start in that segment, while its cache keeps the raised first entry
 * (LogLoader: truncateFromStartAsyncFlush(logStartOffsetCheckpoint) never moves an entry down).
 */
function keptBelowLeaderCache(k: FetchEpochBelowLeaderCache, snap: ClusterSnapshot | undefined): KeptRecords {
  return new Map(keptRecordsBelowLeaderCache(k, snap).map((r) => [r.offset, r.value]));
}

/** keptBelowLeaderCache's records, with each one's producer id and marker type. */
function keptRecordsBelowLeaderCache(k: FetchEpochBelowLeaderCache, snap: ClusterSnapshot | undefined): KeptRecord[] {
  const kept: KeptRecord[] = [];
  const below = Math.max(k.leaderLogStart, k.leaderEndOffset);
  for (const r of followerOf(k, snap)?.records ?? []) {
    if (r.offset < below && r.epoch <= k.lastFetchedEpoch) kept.push(asKept(r));
  }
  return kept;
}

/** The follower of `k` in `snap`. */
function followerOf(k: FetchEpochBelowLeaderCache, snap: ClusterSnapshot | undefined): ReplicaSnapshot | undefined {
  return snap?.replicas.find((r) => r.broker === k.follower && r.topic === k.topic && r.partition === k.partition);
}

/** A client was acknowledged or read `value` in the anomaly's topic/partition at an offset other than `offset`. */
function metAtAnotherOffset(snap: ClusterSnapshot, where: Anomaly, value: string, offset: number): boolean {
  const elsewhere = (r: { topic: string; partition: number; offset: number; value: string }): boolean =>
    r.topic === where.topic && r.partition === where.partition && r.value === value && r.offset !== offset;
  return snap.acked.some(elsewhere) || snap.consumed.some(elsewhere);
}

/** A client was acknowledged or read `value` in the anomaly's topic/partition at `offset`. */
function metAt(snap: ClusterSnapshot, where: Anomaly, value: string, offset: number): boolean {
  const here = (r: { topic: string; partition: number; offset: number; value: string }): boolean =>
    r.topic === where.topic && r.partition === where.partition && r.value === value && r.offset === offset;
  return snap.acked.some(here) || snap.consumed.some(here);
}

/**
 * Whether the chain explains `a`: an anomaly of DIVERGENCE_KINDS whose every offset holds a kept
 * record named by it; a duplicate of which one copy is a kept record at its offset; a poll-skip
 * or nonmonotonic-poll from or to a kept value that a client also met at another offset (the
 * checker places a value by its first offset in the log, which the kept copy took).
 */
function explainedByKept(a: Anomaly, kept: KeptRecords, snap: ClusterSnapshot): boolean {
  const offsets = a.offsets ?? [];
  const values = a.values ?? [];
  const keptHere = (o: number): boolean => {
    const value = kept.get(o);
    return value !== undefined && values.includes(value);
  };
  if (DIVERGENCE_KINDS.has(a.kind)) return offsets.length > 0 && offsets.every(keptHere);
  if (a.kind === 'duplicate') return offsets.length > 1 && offsets.some(keptHere);
  if (a.kind === 'poll-skip' || a.kind === 'nonmonotonic-poll') {
    const ends = values.slice(0, 2);
    return [...kept].some(([o, v]) => ends.includes(v) && metAtAnotherOffset(snap, a, v, o));
  }
  return false;
}

/**
 * The leader answered a follower whose last fetched epoch is older than every epoch in its
 * cache without a divergence; the follower kept, below that leader's log start, records of
 * those older epochs that the leader never had, entered the ISR, and (when it leads or the
 * others are compared with it) they stand against the committed ones. The kept records are those
 * the follower holds in the last snapshot and those it held at the hit (retention may delete
 * them once it leads: swarm seed 150001060). When a kept record stands where the leader had a
 * transaction marker, the follower's producer state keeps that transaction open (hangingBelowLogStart)
 * until, maybe, a later ABORT of its producer closes it there as aborted (abortedKeptTxnSkip).
 * When a later leader answers the divergence, the follower truncates them while in the ISR
 * (truncatedIntoHeld: its candidate-complete).
 */
function noDivergenceBelowLogStart(run: FindingRun): FindingWitness[] {
  const out: FindingWitness[] = [];
  const snap = run.lastSnapshot;
  if (snap === undefined) return out;
  for (const k of hitsBelowCache(run)) {
    const kept = new Map(keptBelowLeaderCache(k, snap));
    const atHit = run.fetchesBelowCache?.find((f) => f.fetch === k);
    // What it held at the hit, as well: retention may have deleted it before the last snapshot.
    for (const r of atHit?.kept ?? []) if (!kept.has(r.offset)) kept.set(r.offset, r.value);
    const hanging = hangingBelowLogStart(k, atHit?.openBelow ?? [], run.hangingTransactions ?? []);
    if (kept.size === 0 && hanging === undefined) continue;
    // The follower's log after the hit, read once for the witness and each anomaly it is asked about.
    const afterHit = atHit === undefined ? undefined : followerLogAfterHit(atHit, snap);
    const offsets = [...kept.keys()];
    const keptText =
      kept.size === 0
        ? ''
        : `; the follower kept offsets ${Math.min(...offsets)}–${Math.max(...offsets)} of epochs ≤ ` +
          `${k.lastFetchedEpoch} below it`;
    const hangText =
      hanging === undefined
        ? ''
        : `; it kept producer ${hanging.producerId}'s transaction from ${hanging.firstOffset} open (its marker ` +
          `below the leader's log start), which then hung the partition's LSO`;
    out.push({
      description:
        `Leader ${k.leader} served broker ${k.follower}'s fetch of ${k.topic}/${k.partition} at ${k.fetchOffset} ` +
        `with last fetched epoch ${k.lastFetchedEpoch}, older than its cache's first epoch ${k.leaderFirstEpoch} ` +
        `(end offset ${k.leaderEndOffset}, log start ${k.leaderLogStart}): no divergence${keptText}${hangText}` +
        `${abortedKeptTxn(atHit, afterHit)}.`,
      explains: (a) =>
        a.topic === k.topic &&
        a.partition === k.partition &&
        ((hanging !== undefined && a.kind === 'liveness') ||
          explainedByKept(a, kept, snap) ||
          (atHit !== undefined && (truncatedIntoHeld(a, atHit) || abortedKeptTxnSkip(a, atHit, afterHit)))),
    });
  }
  return out;
}

/**
 * Whether `a` is a poll-skip between two reads (successive polls, or records of one poll: the
 * checker's reportStep, which states no offsets) of records the follower of `atHit` held open in
 * a transaction from below the leader's log start (`openBelow`: its COMMIT marker lay below the
 * fetch offset, where no fetch brings it) and a later ABORT marker of the same producer closed on
 * it (swarm seed 450022304, faults shifted: fixtures/seed-450022304-kept-txn-aborted.json). Kafka:
 * a data batch of a new epoch keeps the open transaction (ProducerAppendInfo.appendDataBatch sets
 * currentTxnFirstOffset only when none), the marker completes it from that first offset
 * (.appendEndTxnMarker), UnifiedLog.append indexes it as aborted (LogSegment.updateTxnIndex), a
 * read_committed fetch answers it (UnifiedLog.collectAbortedTransactions), and the consumer skips
 * every transactional batch of that producer from that first offset to the marker
 * (CompletedFetch.nextFetchedRecord, isBatchAborted) @ 3.9.0-rc3 and trunk: the committed records
 * the follower kept. Tied to the chain: the later poll completed after the hit; in the follower's
 * log (held at the hit below the fetch offset, the last snapshot's from it on, whole) both ends of
 * the step stand, every offset between is a marker or that producer's record at or above the
 * transaction's first offset below the ABORT, and every skipped value is one it held at the hit.
 */
function abortedKeptTxnSkip(
  a: Anomaly,
  atHit: FollowerAtFetchBelowCache,
  log: ReadonlyMap<number, KeptRecord> | undefined,
): boolean {
  const [from, to, ...skipped] = a.values ?? [];
  const polledUs = a.timesUs?.[1];
  if (a.kind !== 'poll-skip' || a.offsets !== undefined || skipped.length === 0) return false;
  if (polledUs === undefined || atHit.atUs === undefined || polledUs < atHit.atUs) return false;
  if (log === undefined) return false;
  const [start, end] = stepEnds(log, from, to);
  if (start === undefined || end === undefined) return false;
  return (atHit.openBelow ?? []).some((t) => {
    const abortAt = abortClosing(log, t.producerId, atHit.fetch.fetchOffset);
    if (abortAt === undefined) return false;
    // A data record of the transaction's producer from its first offset up to the ABORT.
    const inTxn = (o: number): boolean => {
      const r = log.get(o);
      if (r === undefined || r.marker !== undefined || r.producerId !== t.producerId) return false;
      return o >= t.firstOffset && o < abortAt;
    };
    for (let o = start + 1; o < end; o++) if (log.get(o)?.marker === undefined && !inTxn(o)) return false;
    const heldInTxn = (v: string): boolean =>
      atHit.kept.some((r) => r.value === v && r.offset > start && r.offset < end && inTxn(r.offset));
    return skipped.every(heldInTxn);
  });
}

/**
 * The follower's log of `atHit`: what it held at the hit below the fetch offset, and from it on what
 * `snap` (the run's last) shows, undefined when retention there has deleted some of that.
 */
function followerLogAfterHit(
  atHit: FollowerAtFetchBelowCache,
  snap: ClusterSnapshot,
): ReadonlyMap<number, KeptRecord> | undefined {
  const k = atHit.fetch;
  const follower = followerOf(k, snap);
  if (follower === undefined || follower.logStartOffset > k.fetchOffset) return undefined;
  const log = new Map<number, KeptRecord>();
  for (const r of atHit.kept) if (r.offset < k.fetchOffset) log.set(r.offset, r);
  for (const r of follower.records) if (r.offset >= k.fetchOffset) log.set(r.offset, asKept(r));
  return log;
}

/**
 * The witness's clause for a transaction of `atHit.openBelow` that an ABORT of its producer closed
 * on the follower later (its offset named; `log`: followerLogAfterHit), or '' when none did.
 */
function abortedKeptTxn(
  atHit: FollowerAtFetchBelowCache | undefined,
  log: ReadonlyMap<number, KeptRecord> | undefined,
): string {
  if (atHit === undefined || log === undefined) return '';
  for (const t of atHit.openBelow ?? []) {
    const abortAt = abortClosing(log, t.producerId, atHit.fetch.fetchOffset);
    if (abortAt !== undefined)
      return (
        `; it kept producer ${t.producerId}'s transaction from ${t.firstOffset} open (its marker below the ` +
        `leader's log start), which its ABORT at ${abortAt} then indexed as aborted`
      );
  }
  return '';
}

/** A snapshot record as a KeptRecord. */
function asKept(r: RecordView): KeptRecord {
  const marker = (r as MarkerView).control?.type;
  return { offset: r.offset, value: r.value, producerId: r.producerId, ...(marker === undefined ? {} : { marker }) };
}

/** The offsets of a step's ends in `log`: `from`'s first record, then `to`'s first after it. */
function stepEnds(log: ReadonlyMap<number, KeptRecord>, from: string, to: string): [number?, number?] {
  const offsets = [...log.keys()].sort((x, y) => x - y);
  const start = offsets.find((o) => log.get(o)!.marker === undefined && log.get(o)!.value === from);
  if (start === undefined) return [];
  return [start, offsets.find((o) => o > start && log.get(o)!.marker === undefined && log.get(o)!.value === to)];
}

/** The offset of `producerId`'s first marker in `log` at or above `from` when it is an ABORT, else undefined. */
function abortClosing(log: ReadonlyMap<number, KeptRecord>, producerId: number, from: number): number | undefined {
  const markers = [...log.values()].filter((r) => r.offset >= from && r.producerId === producerId && r.marker);
  const first = markers.sort((x, y) => x.offset - y.offset)[0];
  return first?.marker === 'ABORT' ? first.offset : undefined;
}

/**
 * Whether `a` is a candidate-complete anomaly of the follower of `atHit` (in the ISR or ELR, its
 * log end below the committed HW), judged at or after the hit, whose log end lies inside what it
 * held at the hit: every offset from that log end up to the fetch offset is a record it held
 * below the leader's answer in an epoch ≤ its last fetched one. The leader took those records as
 * matching and added it to the ISR (Partition.isFollowerInSync reads offsets only); a later
 * leader whose cache's first entry is lower answers the divergence (Partition.readRecords), and
 * the follower, still in the ISR, truncates them (AbstractFetcherThread.truncateOnFetchResponse)
 * until it fetches the committed ones (swarm seed 450055205).
 */
function truncatedIntoHeld(a: Anomaly, atHit: FollowerAtFetchBelowCache): boolean {
  const k = atHit.fetch;
  if (a.kind !== 'candidate-complete' || a.nodes?.length !== 1 || a.nodes[0] !== k.follower) return false;
  const [logEnd, hw] = a.offsets ?? [];
  const judgedUs = a.timesUs?.[0];
  if (logEnd === undefined || hw === undefined || judgedUs === undefined || atHit.atUs === undefined) return false;
  if (judgedUs < atHit.atUs || logEnd >= k.fetchOffset || logEnd >= hw) return false;
  const held = new Set(atHit.kept.map((r) => r.offset));
  for (let o = logEnd; o < k.fetchOffset; o++) if (!held.has(o)) return false;
  return true;
}

/**
 * The hits of BELOW_CACHE_PROBE: those the code-probe recorder kept (the first MAX_CONTEXTS of
 * each probe, harness/code-probes.ts), then those the driver read the follower at and the recorder
 * no longer kept (an idle follower's repeated fetch may fill it first).
 */
function hitsBelowCache(run: FindingRun): FetchEpochBelowLeaderCache[] {
  const hits: FetchEpochBelowLeaderCache[] = [];
  for (const hit of run.probeContexts)
    if (hit.name === BELOW_CACHE_PROBE) hits.push(hit.context as FetchEpochBelowLeaderCache);
  for (const f of run.fetchesBelowCache ?? []) if (!hits.includes(f.fetch)) hits.push(f.fetch);
  return hits;
}

/**
 * The transaction the follower of `k` held open from below the leader's log start, which the
 * leader had closed (`openBelow`, read at the hit), that is the partition's hanging transaction
 * when its liveness or its final read is judged (the same first offset): undefined when none.
 * The follower never fetches that marker (it lies below the leader's log start, and no divergence
 * made it truncate), so, once it leads, its LSO is its log start at most (UnifiedLog
 * .maybeIncrementFirstUnstableOffset) and no read_committed read returns a record it still holds.
 */
function hangingBelowLogStart(
  k: FetchEpochBelowLeaderCache,
  openBelow: readonly OpenTxn[],
  hanging: ReadonlyArray<readonly [string, number]>,
): OpenTxn | undefined {
  const tp = `${k.topic}/${k.partition}`;
  return openBelow.find((t) => hanging.some(([p, first]) => p === tp && first === t.firstOffset));
}

// --- zk-stale-controller-cache (issue 16) -----------------------------------------------------------

const RESENT_WRITE_PROBE = 'zk-alter-partition-resent-bad-version';

function lookOf(look: ClusterSnapshot, w: ZkResentIsrWrite): boolean {
  return look.controller.partitions.some((v) => v.topic === w.topic && v.partition === w.partition);
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * The ZooKeeper-mode controller's write of a leader's ISR change was applied, its answer lost
 * with the connection; sent again, it met BADVERSION and the leader was answered
 * INVALID_UPDATE_VERSION. The witness holds when, at the end of the run, ZooKeeper's state of
 * the partition is still exactly that write at the next zkVersion (nothing wrote the znode
 * since, so no controller sent a newer leader epoch) and the leader still leads in that
 * epoch at the old partition epoch (it never heard of its own change, and a broker ignores a
 * ZooKeeper controller's LeaderAndIsr of the same leader epoch). Explains the liveness
 * anomalies of that partition only: its state is frozen from the write to the end of the run.
 */
function zkStaleControllerCache(run: FindingRun): FindingWitness[] {
  if (!run.zookeeper) return [];
  const out: FindingWitness[] = [];
  for (const hit of run.probeContexts) {
    if (hit.name !== RESENT_WRITE_PROBE) continue;
    const w = hit.context as ZkResentIsrWrite;
    // A workload topic's end state is in the last snapshot; `__transaction_state`'s in its own look.
    const snap = w.topic === TXN_STATE_TOPIC ? run.txnStateLooks?.find((l) => lookOf(l, w)) : run.lastSnapshot;
    if (snap === undefined) continue;
    const zk = snap.controller.partitions.find((v) => v.topic === w.topic && v.partition === w.partition);
    const frozen =
      zk !== undefined &&
      zk.partitionEpoch === w.zkVersion + 1 &&
      zk.leader === w.leader &&
      zk.leaderEpoch === w.leaderEpoch &&
      sameMembers(zk.isr, w.isr);
    if (!frozen) continue;
    const leader = snap.replicas.find(
      (r) => r.broker === w.leader && r.topic === w.topic && r.partition === w.partition,
    );
    const waiting =
      leader !== undefined &&
      leader.up &&
      leader.role === 'leader' &&
      leader.leaderEpoch === w.leaderEpoch &&
      leader.partitionEpoch === w.zkVersion;
    if (!waiting) continue;
    const coordinator =
      frozenTxnCoordinator(run, w, leader, zk.replicas.length) ?? refusedTxnMarkers(run, w, leader, zk.replicas.length);
    out.push({
      description:
        `Controller ${w.controller} (epoch ${w.controllerEpoch}) wrote broker ${w.leader}'s ISR change of ` +
        `${w.topic}/${w.partition} to [${w.isr.join(', ')}] at zkVersion ${w.zkVersion}; its answer lost with the ` +
        `ZooKeeper connection, the resent write met BADVERSION and the leader was answered INVALID_UPDATE_VERSION. ` +
        `At the end ZooKeeper still holds that write (zkVersion ${w.zkVersion + 1}) and broker ${w.leader} still ` +
        `leads in epoch ${w.leaderEpoch} at partition epoch ${w.zkVersion}, waiting for a LeaderAndIsr.` +
        (coordinator?.description ?? ''),
      explains: (a) =>
        (a.kind === 'liveness' && a.topic === w.topic && a.partition === w.partition) ||
        coordinator?.explains(a) === true,
    });
  }
  return out;
}

/** A `__transaction_state` record as the witness reads it (the TxnTransit JSON model/txn-host.ts writes). */
interface TxnStateRecord {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly state: string;
  readonly partitions: readonly string[];
}

function txnStateRecord(value: string): TxnStateRecord | undefined {
  try {
    const t = JSON.parse(value) as Partial<TxnStateRecord> | null;
    const ok =
      typeof t?.transactionalId === 'string' &&
      typeof t.producerId === 'number' &&
      typeof t.state === 'string' &&
      Array.isArray(t.partitions);
    return ok ? (t as TxnStateRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The frozen partition is a `__transaction_state` partition whose leader's committed ISR is below
 * the topic's min.insync.replicas (transaction.state.log.min.isr, capped at the replication factor:
 * Partition.effectiveMinIsr): every write of its transaction coordinator is refused
 * (Partition.appendRecordsToLeader: NotEnoughReplicasException for acks = -1, which
 * TransactionStateManager.appendTransactionToLog answers COORDINATOR_NOT_AVAILABLE), to the end of
 * the run. A transaction its log leaves Ongoing never gets the PrepareCommit/PrepareAbort that must
 * be written before any marker (TransactionCoordinator.endTransaction, abortTimedOutTransactions),
 * so it stays open on its partitions and holds their LSO: explained are the liveness anomalies of a
 * partition whose leader held that producer's transaction open when the liveness window closed or
 * at the end, and those of producers (nodes) whose transactional ids all hash to the frozen partition.
 */
function frozenTxnCoordinator(
  run: FindingRun,
  w: ZkResentIsrWrite,
  leader: ReplicaSnapshot,
  replicationFactor: number,
): { description: string; explains: (a: Anomaly) => boolean } | undefined {
  if (w.topic !== TXN_STATE_TOPIC || leader.isr === undefined) return undefined;
  const minIsr = Math.min(run.txnStateMinIsr ?? 2, replicationFactor);
  if (leader.isr.length >= minIsr) return undefined;
  const last = new Map<string, TxnStateRecord>();
  for (const r of leader.records) {
    const t = txnStateRecord(r.value);
    if (t !== undefined) last.set(t.transactionalId, t);
  }
  const held = new Set<string>();
  for (const t of last.values()) {
    if (t.state !== 'Ongoing') continue;
    for (const tp of t.partitions)
      if ((run.openTransactions ?? []).some(([p, pid]) => p === tp && pid === t.producerId)) held.add(tp);
  }
  const producers = new Set((run.txnProducers ?? []).filter(([, p]) => p === w.partition).map(([c]) => c));
  if (held.size === 0 && producers.size === 0) return undefined;
  const description =
    ` Its committed ISR [${leader.isr.join(', ')}] is below min.insync.replicas ${minIsr}: every write of the ` +
    `transaction coordinator of ${w.topic}/${w.partition} is refused, so its Ongoing transactions ` +
    `never end` +
    (held.size === 0 ? '' : ` and hold the LSO of ${[...held].join(', ')}`) +
    (producers.size === 0 ? '.' : `; producers ${[...producers].join(', ')} wait on that coordinator.`);
  return {
    description,
    explains: (a) =>
      a.kind === 'liveness' &&
      ((a.topic !== undefined && held.has(`${a.topic}/${a.partition}`)) ||
        (a.topic === undefined &&
          a.nodes !== undefined &&
          a.nodes.length > 0 &&
          a.nodes.every((n) => producers.has(n)))),
  };
}

/**
 * The frozen partition is a workload partition whose leader's committed ISR is below
 * min.insync.replicas (capped at the replication factor: Partition.effectiveMinIsr). A transaction
 * coordinator that holds a transactional id in PrepareCommit or PrepareAbort with that partition's
 * marker still unwritten never completes it: markers are appended with requiredAcks -1
 * (KafkaApis.handleWriteTxnMarkersRequest → ReplicaManager.appendRecords), which
 * Partition.appendRecordsToLeader refuses below min ISR (NotEnoughReplicasException), and
 * TransactionMarkerRequestCompletionHandler retries NOT_ENOUGH_REPLICAS for good; meanwhile
 * TransactionCoordinator.handleInitProducerId (and AddPartitionsToTxn, EndTxn) answers
 * CONCURRENT_TRANSACTIONS, so that id's producer begins no transaction again (3.9.0-rc3). Explained
 * are the liveness anomalies of producers (nodes) all of whose transactional ids are held so at the end.
 */
function refusedTxnMarkers(
  run: FindingRun,
  w: ZkResentIsrWrite,
  leader: ReplicaSnapshot,
  replicationFactor: number,
): { description: string; explains: (a: Anomaly) => boolean } | undefined {
  if (w.topic === TXN_STATE_TOPIC || leader.isr === undefined || run.minInsync === undefined) return undefined;
  const minIsr = Math.min(run.minInsync, replicationFactor);
  if (leader.isr.length >= minIsr) return undefined;
  const tp = `${w.topic}/${w.partition}`;
  const held = (run.preparedTxns ?? []).filter(([, , partitions]) => partitions.includes(tp));
  if (held.length === 0) return undefined;
  const producers = new Set(held.map(([client]) => client));
  const states = [...new Set(held.map(([, state]) => state))].join('/');
  return {
    description:
      ` Its committed ISR [${leader.isr.join(', ')}] is below min.insync.replicas ${minIsr}: every transaction ` +
      `marker to ${tp} is refused NOT_ENOUGH_REPLICAS, so the coordinator keeps the transactional ids of ` +
      `producers ${[...producers].join(', ')} in ${states} and answers them CONCURRENT_TRANSACTIONS.`,
    explains: (a) =>
      a.kind === 'liveness' &&
      a.topic === undefined &&
      a.nodes !== undefined &&
      a.nodes.length > 0 &&
      a.nodes.every((n) => producers.has(n)),
  };
}

// --- dropped-isr-expansion (seed 160008005) ------------------------------------------------------

const DROPPED_EXPANSION_PROBE = 'pending-isr-expansion-reset';

/**
 * A leader dropped an in-flight ISR expansion when metadata of its own partition epoch arrived
 * (the probe's context); its HW then no longer waits for the members only that expansion added,
 * unless they are caught up by time (shouldWaitForReplicaToJoinIsr), while the controller may
 * still accept the expansion. Explains a candidate-complete anomaly of that partition, judged
 * at or after the drop, of a broker the expansion added (in the dropped ISR, not the committed
 * one), below a HW above the one at the drop: the controller's ISR holds it below the HW the
 * leader advanced without it.
 */
function droppedIsrExpansion(run: FindingRun): FindingWitness[] {
  const out: FindingWitness[] = [];
  for (const hit of run.probeContexts) {
    if (hit.name !== DROPPED_EXPANSION_PROBE) continue;
    const d = hit.context as DroppedIsrExpansion;
    const added = d.droppedIsr.filter((b) => !d.committedIsr.includes(b));
    if (added.length === 0) continue;
    out.push({
      description:
        `Broker ${d.leader}, leader of ${d.topic}/${d.partition} in epoch ${d.leaderEpoch}, applied metadata of its ` +
        `own partition epoch ${d.partitionEpoch} (ISR [${d.committedIsr.join(', ')}]) while its expansion to ` +
        `[${d.droppedIsr.join(', ')}] was in flight, at ${(d.atUs / 1e6).toFixed(6)} s: its HW stopped waiting ` +
        `for broker(s) ${added.join(', ')}, which the controller could still add to the ISR.`,
      explains: (a) =>
        a.kind === 'candidate-complete' &&
        a.topic === d.topic &&
        a.partition === d.partition &&
        a.nodes !== undefined &&
        a.nodes.length === 1 &&
        added.includes(a.nodes[0]) &&
        a.timesUs !== undefined &&
        a.timesUs.length > 0 &&
        a.timesUs[0] >= d.atUs &&
        a.offsets !== undefined &&
        a.offsets.length === 2 &&
        a.offsets[1] > d.hw,
    });
  }
  return out;
}

// --- deposed-coordinator-offset-fetch (swarm seeds 250064184, 250059851, 250063388) --------------

const ELECTED_PROBE = 'group-coordinator-elected';
const FETCH_ANSWERED_PROBE = 'group-offset-fetch-answered';

/**
 * Whether the operation whose invoke is history event `invoke` (a consume-transform-produce
 * transaction) is the one `f` answered for `tp`: in flight when it was answered (invoked at or
 * before it, completed at or after it, or never), of the same topic, and its fetch-offsets
 * micro-op returned what `f` answered (-1: none, `null` in the history).
 */
function fetchAnsweredBy(history: History, invoke: number, f: GroupOffsetFetchAnswered, offset: number): boolean {
  const ev = history[invoke];
  if (ev === undefined || ev.type !== 'invoke' || ev.f !== 'txn' || ev.time > f.atUs) return false;
  const done = completionOf(history, invoke);
  if (done !== undefined && done.time < f.atUs) return false;
  return done !== undefined && fetchedOf(done, f.offsets[0]?.partition) === (offset < 0 ? null : offset);
}

/**
 * The completion (ok, fail or info) of the operation whose invoke is history event `invoke`: the
 * next event of its process that is not an invoke (undefined: it never completed).
 */
function completionOf(history: History, invoke: number): HistoryEvent | undefined {
  const process = history[invoke]?.process;
  for (let i = invoke + 1; i < history.length; i++) {
    const x = history[i];
    if (x.process === process && x.type !== 'invoke') return x;
  }
  return undefined;
}

/** What a completed transaction's fetch-offsets micro-op returned for partition `k` (undefined: none answered). */
function fetchedOf(done: HistoryEvent, k: number | undefined): number | null | undefined {
  return microOpOffset(done, 'fetch-offsets', k);
}

/** The offset of partition `k` in a completed transaction's `fetch-offsets` or `send-offsets` micro-op. */
function microOpOffset(done: HistoryEvent, name: string, k: number | undefined): number | null | undefined {
  if (!Array.isArray(done.value) || k === undefined) return undefined;
  const m = (done.value as unknown[]).find((x) => Array.isArray(x) && x[0] === name) as unknown[] | undefined;
  const got = m?.[2] as Record<string, number | null> | undefined;
  return got === undefined ? undefined : got[String(k)];
}

/**
 * The committed transactions whose fetch `f` answered with `offset`: for each, the offset its
 * send-offsets committed for the partition and the history index of its completion. A later
 * fetch through the new coordinator returns that offset, regressed below what its transactions
 * had committed (a TxnOffsetCommit failed by the deposed coordinator is retried to the new one).
 */
function staleCommits(history: History, f: GroupOffsetFetchAnswered, offset: number): StaleCommit[] {
  const k = f.offsets[0]?.partition;
  const out: StaleCommit[] = [];
  for (const ev of history) {
    if (ev.type !== 'invoke' || ev.f !== 'txn' || !fetchAnsweredBy(history, ev.index, f, offset)) continue;
    const done = completionOf(history, ev.index);
    const sent = done?.type === 'ok' ? microOpOffset(done, 'send-offsets', k) : undefined;
    if (done !== undefined && typeof sent === 'number') out.push({ sent, doneIndex: done.index });
  }
  return out;
}

interface StaleCommit {
  sent: number;
  doneIndex: number;
}

/**
 * Whether transaction `op` (an invoke) was invoked after one of `commits` completed and its fetch
 * returned the offset that one committed: it read the regressed offset, not a stale answer itself.
 */
function readsStaleCommit(history: History, op: number, commits: readonly StaleCommit[], k: number): boolean {
  const ev = history[op];
  if (ev === undefined || ev.type !== 'invoke' || ev.f !== 'txn') return false;
  const done = completionOf(history, op);
  const fetched = done === undefined ? undefined : fetchedOf(done, k);
  return commits.some((c) => c.doneIndex < op && fetched === c.sent);
}

/**
 * A coordinator of a `__consumer_offsets` partition answered an OffsetFetch at leader epoch e
 * after a broker had been elected leader of that partition at a later epoch (its coordinator
 * loading or serving): a deposed coordinator, which never heard of its replacement, answering
 * from its own state. Explains, of the operation it answered (its fetch returned that answer),
 * a lost-txn-offsets below the committed offset it names, and a double-consume whose later
 * transaction it is (that transaction read from the stale offset, below the earlier one's), or
 * whose later transaction, invoked after a transaction it answered committed offset c below the
 * overlap's end, fetched exactly c from the new coordinator: the stale transaction's
 * TxnOffsetCommit, retried there, regressed the group's offset (swarm --controller zookeeper
 * seed 400087926; ZooKeeper mode: GroupCoordinator.handleFetchOffsets / validateGroupStatus /
 * GroupMetadataManager.getOffsets answer from the cache while the partition stays owned, which
 * only onResignation on a LeaderAndIsr or StopReplica ends: KafkaApis, 3.9.0-rc3).
 */
function deposedCoordinatorOffsetFetch(run: FindingRun): FindingWitness[] {
  const elected = run.probeContexts
    .filter((h) => h.name === ELECTED_PROBE)
    .map((h) => h.context as GroupCoordinatorElected);
  const out: FindingWitness[] = [];
  for (const hit of run.probeContexts) {
    if (hit.name !== FETCH_ANSWERED_PROBE) continue;
    const f = hit.context as GroupOffsetFetchAnswered;
    const next = elected.find((e) => e.partition === f.partition && e.leaderEpoch > f.leaderEpoch && e.atUs <= f.atUs);
    const tp = f.offsets[0];
    if (next === undefined || tp === undefined || f.offsets.length !== 1) continue;
    const staleBelow = (a: Anomaly, committed: number | undefined, op: number | undefined): boolean =>
      a.topic === tp.topic &&
      a.partition === tp.partition &&
      committed !== undefined &&
      tp.offset < committed &&
      op !== undefined &&
      fetchAnsweredBy(run.history, op, f, tp.offset);
    const commits = staleCommits(run.history, f, tp.offset);
    const readsRegressed = (a: Anomaly): boolean =>
      a.topic === tp.topic &&
      a.partition === tp.partition &&
      a.ops?.[1] !== undefined &&
      a.offsets?.[1] !== undefined &&
      readsStaleCommit(
        run.history,
        a.ops[1],
        commits.filter((c) => c.sent < (a.offsets?.[1] ?? 0)),
        tp.partition,
      );
    out.push({
      description:
        `Broker ${f.broker}, coordinator of __consumer_offsets/${f.partition} in leader epoch ${f.leaderEpoch}, ` +
        `answered client ${f.client}'s OffsetFetch of ${tp.topic}/${tp.partition} with ` +
        `${tp.offset < 0 ? 'no committed offset' : `offset ${tp.offset}`} at ${(f.atUs / 1e6).toFixed(6)} s, after ` +
        `broker ${next.broker} had been elected its leader in epoch ${next.leaderEpoch} ` +
        `(${(next.atUs / 1e6).toFixed(6)} s): a deposed coordinator answering from its own state.`,
      explains: (a) =>
        (a.kind === 'lost-txn-offsets' && staleBelow(a, a.offsets?.[0], a.ops?.[1])) ||
        (a.kind === 'double-consume' && (staleBelow(a, a.offsets?.[1], a.ops?.[1]) || readsRegressed(a))),
    });
  }
  return out;
}

// --- txn-partition-added-by-unreplicated-load (swarm seed 360024284) ------------------------------

const ANSWERED_UNREPLICATED_PROBE = 'txn-coordinator-answered-unreplicated-partition';
const TXN_LOADED_PROBE = 'txn-coordinator-loaded';

/** Whether history event `op` is the invoke of a transaction of producer `id` at `epoch`, invoked by `atUs`. */
function sentBy(history: History, op: number | undefined, id: number, epoch: number, atUs: number): boolean {
  const ev = op === undefined ? undefined : history[op];
  return (
    ev !== undefined &&
    ev.type === 'invoke' &&
    ev.f === 'txn' &&
    ev.producerId === id &&
    ev.producerEpoch === epoch &&
    ev.time <= atUs
  );
}

/**
 * A transaction coordinator answered that a partition is in a transaction (AddPartitionsToTxn's
 * "already in the metadata", or the verification's NONE) although only records above the HW at its
 * load listed it (the probe's context); a later coordinator of the same `__transaction_state`
 * partition, at a higher coordinator epoch, loaded that transactional id, same producer id, without
 * the partition (the load probe's context): those records were truncated away, so its abort marks
 * no marker there. Explains a G1a on that partition of a transaction of that producer id and epoch
 * invoked before the answer: its records stayed an open transaction, which the producer's next
 * transaction on the partition committed.
 */
function txnPartitionAddedByUnreplicatedLoad(run: FindingRun): FindingWitness[] {
  const loads = run.probeContexts.filter((h) => h.name === TXN_LOADED_PROBE).map((h) => h.context as TxnLoaded);
  const out: FindingWitness[] = [];
  for (const hit of run.probeContexts) {
    if (hit.name !== ANSWERED_UNREPLICATED_PROBE) continue;
    const w = hit.context as TxnAnsweredUnreplicatedPartition;
    for (const tp of w.partitions) {
      const later = loads.find(
        (l) =>
          l.txnStatePartition === w.txnStatePartition &&
          l.coordinatorEpoch > w.coordinatorEpoch &&
          l.atMs >= w.atMs &&
          l.txns.some(
            (t) =>
              t.transactionalId === w.transactionalId && t.producerId === w.producerId && !t.partitions.includes(tp),
          ),
      );
      if (later === undefined) continue;
      out.push({
        description:
          `The coordinator of __transaction_state/${w.txnStatePartition} in epoch ${w.coordinatorEpoch} answered at ` +
          `${(w.atMs / 1000).toFixed(3)} s that ${tp} is in ${w.transactionalId}'s transaction (producer ` +
          `${w.producerId}, epoch ${w.producerEpoch}), which only records above the HW at its load listed; the ` +
          `coordinator of epoch ${later.coordinatorEpoch} loaded ${w.transactionalId} without ${tp} at ` +
          `${(later.atMs / 1000).toFixed(3)} s, so its abort sent no marker to ${tp}.`,
        explains: (a) =>
          a.kind === 'G1a' &&
          `${a.topic}/${a.partition}` === tp &&
          sentBy(run.history, a.ops?.[0], w.producerId, w.producerEpoch, w.atMs * 1000 + 999),
      });
    }
  }
  return out;
}

/** Every Kafka finding gregor knows, by name. */
export const KAFKA_FINDINGS: readonly KafkaFinding[] = [
  {
    name: 'divergence-below-log-start',
    explanation:
      "After retention moved the leader epoch cache's first entry up, a diverging follower truncates to an offset " +
      "at or above the leader's log start and keeps records below it that the leader never had; a producer retry " +
      'later matched as a duplicate of one of them is acknowledged at an offset that holds another record (even ' +
      'when the leader appended that retry elsewhere and the follower replicated it: the older, kept batch is ' +
      'matched first; a consumer group that had read past that offset, a transaction marker there then, is ' +
      'judged to have skipped the record), and if that follower leads before moving its log start up, it serves ' +
      'them against the committed ones.',
    kafkaSource:
      'LeaderEpochFileCache.truncateFromStart and .endOffsetFor ("This may be inaccurate") @ 3.9.0-rc3 and trunk; ' +
      'AbstractFetcherThread.getOffsetTruncationState; ReplicaFetcherThread.processPartitionData ' +
      '(maybeIncrementLogStartOffset, LeaderOffsetIncremented); ProducerStateManager.onLogStartOffsetIncremented; ' +
      'ProducerStateEntry.findDuplicateBatch, .batchWithSequenceRange (findFirst) and .addBatchMetadata; ' +
      'ProducerAppendInfo.maybeValidateDataBatch (no sequence check on REPLICATION) @ 3.9.0-rc3; ' +
      'UnifiedLog.append (duplicate answered with the old offsets); for the group: CompletedFetch' +
      '.nextFetchedRecord (control batches skipped, the position moved past them) @ 3.9.0-rc3',
    jira:
      'no JIRA found (searched leader epoch cache truncateFromStart / endOffsetFor / divergence below log start); ' +
      "KAFKA-7415 introduced endOffsetFor's answer for an epoch below the first cached one",
    test: 'test/model/findings/divergence-below-log-start.test.ts',
    witness: divergenceBelowLogStart,
  },
  {
    name: 'no-divergence-below-log-start',
    explanation:
      "After retention moved the leader epoch cache's first entry up to the log start, a follower whose last " +
      'fetched epoch is older than every cached one fetches at that log start with records of that epoch below ' +
      'it: the leader answers the end offset of its epoch as the fetch offset (no divergence), serves it and ' +
      'adds it to the ISR; if the answer never reaches it, its log start stays below, and once it leads it ' +
      'serves those records, which the committed log holds otherwise, to consumers. When a kept record stands ' +
      "where the leader wrote a transaction's marker, the follower's producer state keeps that transaction open, " +
      'and once it leads its LSO never passes its log start: a hanging transaction no coordinator knows, and ' +
      'read_committed consumers read none of its records; if an ABORT of that producer (its next transaction) ' +
      'closes it there, that leader indexes the transaction as aborted from the kept first offset, and ' +
      'read_committed consumers skip its committed records. Its producer state keeps the kept batches even once ' +
      'its log start has passed them: when it leads, a producer retry matched as a duplicate of one is ' +
      "acknowledged at that batch's offset, where the committed log holds another record. A later leader whose " +
      "cache's first entry is lower answers the divergence: the follower, in the ISR, truncates below the " +
      'committed HW until it fetches them again, and could be elected meanwhile.',
    kafkaSource:
      'LeaderEpochFileCache.truncateFromStart and .endOffsetFor ("This may be inaccurate"), Partition.readRecords ' +
      "(log start check, then divergence only when the answer's epoch or end offset is below the fetch's), " +
      'Partition.updateFollowerFetchState and maybeExpandIsr, AbstractFetcherThread.addPartitions (first fetch at ' +
      'the log end with latestEpoch), ReplicaFetcherThread.processPartitionData (log start raised only on an ' +
      'answer), UnifiedLog.deletableSegments (nothing at or above the HW), UnifiedLog.truncateTo @ 3.9.0-rc3; ' +
      'for the hanging transaction: ProducerStateManager.onLogStartOffsetIncremented (drops unreplicated ' +
      'transactions only) and .isProducerExpired (never one with an ongoing transaction), ' +
      'UnifiedLog.maybeIncrementFirstUnstableOffset (max of the first unstable offset and the log start), ' +
      'TransactionCoordinator.abortTimedOutTransactions (its own Ongoing transactions only) @ 3.9.0-rc3 and trunk; ' +
      'for the aborted kept transaction: ProducerAppendInfo.appendDataBatch (a new epoch keeps ' +
      'currentTxnFirstOffset) and .appendEndTxnMarker (CompletedTxn from currentTxnFirstOffset), ' +
      'UnifiedLog.append → LogSegment.updateTxnIndex, UnifiedLog.collectAbortedTransactions, CompletedFetch' +
      '.nextFetchedRecord and ' +
      '.isBatchAborted @ 3.9.0-rc3 and trunk; ' +
      'for the duplicate: ProducerStateManager.onLogStartOffsetIncremented (keeps every producer), ' +
      'UnifiedLog.analyzeAndValidateProducerState (ProducerStateEntry.findDuplicateBatch for a CLIENT append) ' +
      'and UnifiedLog.append (a duplicate answered with its first and last offsets) @ 3.9.0-rc3 and trunk; ' +
      'for the truncation in the ISR: Partition.isFollowerInSync (offsets only), AbstractFetcherThread' +
      '.truncateOnFetchResponse and getOffsetTruncationState @ trunk, LeaderEpochFileCache.endOffsetFor @ 4.x; ' +
      "for a leader restarted below its cache's first entry: LogLoader.load (max of the log start checkpoint and " +
      'the first segment base; truncateFromStartAsyncFlush of the checkpoint), LogManager.startup ' +
      '(kafka-log-start-offset-checkpoint, the only writer of a follower-raised log start) @ 3.9.0-rc3',
    jira:
      'no JIRA found (searched leader epoch cache endOffsetFor below first epoch / no divergence / log start); ' +
      "KAFKA-7415 introduced endOffsetFor's answer for an epoch below the first cached one",
    test: 'test/model/findings/no-divergence-below-log-start.test.ts',
    witness: noDivergenceBelowLogStart,
  },
  {
    name: 'zk-stale-controller-cache',
    explanation:
      "In ZooKeeper mode, a controller whose ZooKeeper connection is lost while its write of a leader's " +
      'AlterPartition is applied sends the write again, meets BADVERSION and answers INVALID_UPDATE_VERSION, ' +
      'keeping the old zkVersion; the leader waits for a LeaderAndIsr that only a newer leader epoch (an ' +
      'election, or a failed replica leaving the ISR) would bring, so after every fault healed the partition ' +
      'keeps the ISR that write left in ZooKeeper and its leader never changes the ISR again. When that partition is ' +
      "a __transaction_state one left below transaction.state.log.min.isr, its transaction coordinator's writes are " +
      'all refused, so an Ongoing transaction there never ends and holds the LSO of its partitions.',
    kafkaSource:
      'KafkaZkClient.retryRequestsUntilConnected (CONNECTIONLOSS resent) and .updateLeaderAndIsr (BADVERSION → ' +
      'updatesToRetry); KafkaController.tryProcessAlterPartition (INVALID_UPDATE_VERSION, updateLeaderAndIsrCache ' +
      'of successful updates only); Partition.handleAlterPartitionError (INVALID_UPDATE_VERSION: no retry, ' +
      '"awaiting new the latest metadata"); ReplicaManager.becomeLeaderOrFollower (the same leader epoch from a ' +
      'ZooKeeper controller is ignored) @ 3.6.2 and 3.9.0-rc3; for the transaction coordinator: ' +
      'Partition.appendRecordsToLeader (NotEnoughReplicasException for acks = -1 below min ISR), ' +
      'TransactionStateManager.appendTransactionToLog (NOT_ENOUGH_REPLICAS → COORDINATOR_NOT_AVAILABLE), ' +
      'TransactionCoordinator.abortTimedOutTransactions and endTransaction (markers only after the ' +
      'PrepareCommit/PrepareAbort is written) @ 3.9.0-rc3',
    jira:
      'no JIRA found (searched AlterPartition INVALID_UPDATE_VERSION / bad ZK version / controller cache zkVersion ' +
      '/ retryRequestsUntilConnected CONNECTIONLOSS); KAFKA-14144 is the neighbour where the leader lost the answer',
    test: 'test/model/findings/zk-stale-controller-cache.test.ts',
    witness: zkStaleControllerCache,
  },
  {
    name: 'dropped-isr-expansion',
    explanation:
      'A leader that learned its partition epoch from an AlterPartition answer sends an ISR expansion before the ' +
      'metadata record of that epoch arrives; applying the record replaces its ISR state with the committed ISR, ' +
      'dropping the expansion from the maximal ISR, so the HW advances past the joining follower (caught up by ' +
      'the HW, not by time), while the controller accepts the expansion: an ISR member ends below the HW, and ' +
      'electing it would lose committed records although an in-sync replica is alive.',
    kafkaSource:
      'Partition.makeLeader (partition epoch equal to its own accepted; updateAssignmentAndIsr → ' +
      'CommittedPartitionState; maybeIncrementLeaderHW), Partition.maybeIncrementLeaderHW (maximalIsr or ' +
      'shouldWaitForReplicaToJoinIsr), Partition.isFollowerInSync (follower LEO ≥ HW), ' +
      'Partition.handleAlterPartitionUpdate (an answer for a replaced state ignored), ' +
      'Replica.updateFetchStateOrThrow and .resetReplicaState (lastCaughtUpTimeMs 0 for a follower outside the ISR ' +
      'whose first fetch is behind the leader log end) @ 3.9.0-rc3; Partition.makeLeader, updateAssignmentAndIsr and ' +
      'isFollowerInSync the same @ 4.0.0',
    jira:
      'no JIRA found (searched makeLeader same partition epoch / pending ISR expansion reset / maximal ISR / ' +
      'in-flight AlterPartition expansion dropped / HW past a joining follower); neighbours: the maximal ISR of ' +
      'KIP-497 (apache/kafka PR 9100), shouldWaitForReplicaToJoinIsr of KAFKA-15021',
    test: 'test/model/findings/dropped-isr-expansion.test.ts',
    witness: droppedIsrExpansion,
  },
  {
    name: 'deposed-coordinator-offset-fetch',
    explanation:
      'A broker cut off from the active controller keeps leading a __consumer_offsets partition after the ' +
      'controller elected another leader in a later epoch; its group coordinator stays loaded and answers ' +
      "OffsetFetch (require_stable) from its own state, without the offsets the new coordinator's transactions " +
      'committed since. A consume-transform-produce transaction reads again from that stale offset, and when its ' +
      'TxnOffsetCommit, failed by the deposed coordinator, is retried to the new one, it commits: records ' +
      'processed twice, not exactly once; the next transaction, through the new coordinator, reads the offset ' +
      'so regressed and processes them again.',
    kafkaSource:
      'GroupCoordinatorService.fetchOffsets (requireStable: scheduleWriteOperation with no records, no leadership ' +
      'check beyond the local partition), CoordinatorRuntime.CoordinatorWriteEvent / CoordinatorContext.append ' +
      '(no records: completed at once when no write is pending), GroupCoordinatorService.onResignation (only on ' +
      "the broker's own metadata delta: ReplicaManager.applyDelta) @ trunk (4.0); TxnOffsetCommitHandler " +
      '(NOT_COORDINATOR, REQUEST_TIMED_OUT: lookupCoordinator and retry) @ 3.9.0-rc3; ZooKeeper mode: ' +
      'GroupCoordinator.handleFetchOffsets (validateGroupStatus: isCoordinatorForGroup = ' +
      'GroupMetadataManager.isGroupLocal, the owned partitions), GroupMetadataManager.getOffsets (from the ' +
      'cache), ownership removed only by onResignation (KafkaApis: LeaderAndIsr onLeadershipChange, ' +
      'StopReplica) @ 3.9.0-rc3',
    jira:
      'no JIRA found (searched stale / zombie / deposed group coordinator OffsetFetch after the __consumer_offsets ' +
      'leader moved, broker cut off from the controller); neighbours: KAFKA-4362 (the old coordinator answering ' +
      "after the offsets partition moved, ZooKeeper era), KAFKA-20634 (a deposed coordinator's high watermark)",
    test: 'test/model/findings/deposed-coordinator-offset-fetch.test.ts',
    witness: deposedCoordinatorOffsetFetch,
  },
  {
    name: 'txn-partition-added-by-unreplicated-load',
    explanation:
      'A transaction coordinator loads its __transaction_state partition to the log end, so a record its ' +
      'predecessor appended but never committed (adding a partition to an ongoing transaction) enters its ' +
      "state; a produce to that partition is then verified (the partition is already in the transaction's " +
      'metadata, answered NONE without a write) and appended. When that record is truncated away under a ' +
      'later coordinator (a leader elected from the ELR never had it), the transaction, aborted when its ' +
      'producer is fenced, gets no ABORT marker on that partition: its records stay an open transaction of ' +
      "the producer id there, and the producer's next transaction on the partition joins it and commits it, " +
      'so a read_committed consumer reads records of an aborted transaction.',
    kafkaSource:
      'TransactionStateManager.loadTransactionMetadata (FetchIsolation.LOG_END, to logEndOffset) @ 3.9.0-rc3 and ' +
      'trunk; TransactionCoordinator.handleAddPartitionsToTransaction ("this is an optimization: if the ' +
      'partitions are already in the metadata reply OK immediately") and handleVerifyPartitionsInTransaction @ ' +
      '3.9.0-rc3 and trunk (the 4.x ONGOING && containsAll form the same); TransactionMarkerChannelManager' +
      '.addTxnMarkersToSend (txnMetadata.topicPartitions only) @ 3.9.0-rc3; ProducerAppendInfo.appendDataBatch ' +
      '(a transactional batch keeps an open currentTxnFirstOffset, whatever its epoch) and .appendEndTxnMarker ' +
      '(CompletedTxn from currentTxnFirstOffset) @ trunk and 4.x; UnifiedLog.hasOngoingTransaction(producerId, ' +
      'producerEpoch) @ 4.0',
    jira:
      'no JIRA found (searched transaction coordinator load uncommitted / log end offset / hanging transaction ' +
      "after __transaction_state leader change); the load to the log end was asked for in KAFKA-5059's review " +
      '(apache/kafka PR 2849, junrao: "shouldn\'t we load up to log end offset instead of HW?")',
    test: 'test/model/findings/txn-partition-added-by-unreplicated-load.test.ts',
    witness: txnPartitionAddedByUnreplicatedLoad,
  },
];

/** A failing anomaly a finding may label: neither informational, expected nor already labelled. */
function labellable(a: Anomaly): boolean {
  return a.informational !== true && a.expected !== true && a.kafkaFinding === undefined;
}

/**
 * The anomalies with each failing one that a witnessed finding explains labelled with the
 * finding's name and the witness's sentence; every other anomaly as it was.
 */
export function labelKafkaFindings(
  anomalies: readonly Anomaly[],
  run: FindingRun,
  findings: readonly KafkaFinding[] = KAFKA_FINDINGS,
): Anomaly[] {
  if (!anomalies.some(labellable)) return [...anomalies];
  const witnessed = findings.flatMap((f) => f.witness(run).map((w) => ({ name: f.name, w })));
  if (witnessed.length === 0) return [...anomalies];
  return anomalies.map((a) => {
    if (!labellable(a)) return a;
    const hit = witnessed.find(({ w }) => w.explains(a));
    return hit === undefined ? a : { ...a, kafkaFinding: hit.name, kafkaFindingWitness: hit.w.description };
  });
}
