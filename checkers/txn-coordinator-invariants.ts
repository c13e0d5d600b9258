// White-box invariants of the transaction coordinator (issue 17 item 4), judged over views of
// the live cluster (the model's shards and logs, structurally); nothing here imports the model.
//
// Rules (each from Kafka's source):
//   one-coordinator-per-epoch  two brokers never both hold a loaded coordinator of one
//                              `__transaction_state` partition with the same coordinator epoch:
//                              the coordinator epoch is the partition's leader epoch
//                              (TransactionCoordinator.onElection), and one epoch has one leader.
//                              So one transactional id has one coordinator per epoch.
//   markers-before-complete    a transaction whose CompleteCommit/CompleteAbort record is
//                              committed has its COMMIT/ABORT marker, from its producer id, in
//                              every partition it added, in the log of that partition's current
//                              leader (TransactionMarkerChannelManager writes the completion
//                              only once every marker was acknowledged with acks=all,
//                              maybeWriteTxnCompletion, so every ISR replica holds it, and a
//                              leader elected from the ISR or ELR too). Not necessarily below
//                              that leader's own HW: a new leader's HW may lag the old one's and
//                              does not advance while the ISR is below min.insync.replicas
//                              (Partition.maybeIncrementLeaderHW, isUnderMinIsr; seed 5000545).
//   no-batch-below-marker-epoch  in a partition's leader log, no data record of a producer
//                              follows a marker of that producer with a higher producer epoch:
//                              appendEndTxnMarker sets the producer's epoch to the marker's
//                              (ProducerStateEntry.update) and ProducerAppendInfo.checkProducerEpoch
//                              refuses a later batch of an older epoch (INVALID_PRODUCER_EPOCH).
//                              Under transaction.version 2 the marker carries the epoch bumped at
//                              EndTxn (KIP-890 part 2), so this says: after a transaction completed,
//                              no batch of its epoch is appended behind its marker (the late
//                              produce that hangs a transaction before KIP-890 has the marker's
//                              epoch, and passes). Judged over the partitions of completed
//                              transactions, each leader log scanned once per look from where the
//                              last look left it.
//
// TxnCoordinatorInvariants judges both over the driver's looks at the cluster (driver/run.ts,
// at each snapshot): every loaded shard each time, and each completed transaction once per
// partition it added, at the first look after its completion record was committed at which that
// partition has a leader (a partition offline then is judged at its next leader's first look:
// the marker is in every ISR and ELR replica, so in the log of whichever is elected).
// Assumes: checked while no durability breach happened (a breach may take a marker with it);
// the tests run it after every event. A marker below the leader's log start offset is gone by
// retention (segment deletion), so a leader whose log start moved up proves nothing missing.

import type { Anomaly } from './verdict.ts';

const TXN_STATE_TOPIC = '__transaction_state';

/** A loaded or loading coordinator shard on a broker. */
export interface TxnShardView {
  readonly broker: number;
  readonly partition: number;
  readonly coordinatorEpoch: number;
  readonly loaded: boolean;
}

/** A transaction whose completion record is committed (TxnCoordinatorShard.completed). */
export interface CompletedTxnView {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly result: 'COMMIT' | 'ABORT';
  /** "topic/partition". */
  readonly partitions: readonly string[];
}

/** A partition's leader log, as far as this invariant reads it. */
export interface LeaderLogView {
  /** Records below it are gone (holes in `records`); absent = 0. */
  readonly logStartOffset?: number;
  readonly records: ReadonlyArray<{
    readonly offset: number;
    readonly producerId: number;
    /** Absent in views that do not judge no-batch-below-marker-epoch (read as 0). */
    readonly producerEpoch?: number;
    readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
  }>;
}

/** no-batch-below-marker-epoch over one log: the first data record behind a higher-epoch marker. */
export function batchBelowMarkerEpoch(
  records: LeaderLogView['records'],
  from = 0,
  markerEpochs = new Map<number, number>(),
): { offset: number; producerId: number; epoch: number; markerEpoch: number } | undefined {
  for (let i = from; i < records.length; i++) {
    const r = records[i];
    if (r === undefined || r.producerId < 0) continue;
    const epoch = r.producerEpoch ?? 0;
    const marker = markerEpochs.get(r.producerId);
    if (r.control !== undefined) {
      markerEpochs.set(r.producerId, Math.max(marker ?? epoch, epoch));
      continue;
    }
    if (marker !== undefined && epoch < marker)
      return { offset: r.offset, producerId: r.producerId, epoch, markerEpoch: marker };
  }
  return undefined;
}

/** Where the last look left one partition's leader log: its records array, the index scanned to, the epochs. */
interface LogScan {
  readonly records: LeaderLogView['records'];
  scanned: number;
  /** The last record scanned: another object there means the log was truncated and written again. */
  last: LeaderLogView['records'][number] | undefined;
  readonly markerEpochs: Map<number, number>;
}

/** Two loaded coordinators of one `__transaction_state` partition at one coordinator epoch. */
interface EpochClash {
  readonly partition: number;
  readonly coordinatorEpoch: number;
  readonly brokers: readonly [number, number];
}

/** one-coordinator-per-epoch, as clashes (empty = holds). */
function coordinatorEpochClashes(shards: readonly TxnShardView[]): EpochClash[] {
  const out: EpochClash[] = [];
  const seen = new Map<string, number>();
  for (const s of shards) {
    if (!s.loaded) continue;
    const key = `${s.partition}@${s.coordinatorEpoch}`;
    const other = seen.get(key);
    if (other !== undefined && other !== s.broker)
      out.push({ partition: s.partition, coordinatorEpoch: s.coordinatorEpoch, brokers: [other, s.broker] });
    seen.set(key, s.broker);
  }
  return out;
}

function clashSentence(c: EpochClash): string {
  return (
    `brokers ${c.brokers[0]} and ${c.brokers[1]} both coordinate ${TXN_STATE_TOPIC}/${c.partition} ` +
    `at coordinator epoch ${c.coordinatorEpoch}`
  );
}

/** one-coordinator-per-epoch, as sentences (empty = holds). */
export function coordinatorEpochViolations(shards: readonly TxnShardView[]): string[] {
  return coordinatorEpochClashes(shards).map(clashSentence);
}

/**
 * markers-before-complete, as sentences (empty = holds); `leaderLog` undefined = no leader now,
 * and such a partition is handed to `offline` (when given) to be judged at a later look.
 */
export function completedMarkerViolations(
  completed: readonly CompletedTxnView[],
  leaderLog: (tp: string) => LeaderLogView | undefined,
  offline?: (t: CompletedTxnView, tp: string) => void,
): string[] {
  const out: string[] = [];
  for (const t of completed) for (const tp of t.partitions) judgeMarker(t, tp, leaderLog, out, offline);
  return out;
}

/** markers-before-complete for `t` on `tp`: a sentence into `out` when it fails, `offline` when no leader. */
function judgeMarker(
  t: CompletedTxnView,
  tp: string,
  leaderLog: (tp: string) => LeaderLogView | undefined,
  out: string[],
  offline?: (t: CompletedTxnView, tp: string) => void,
): void {
  const log = leaderLog(tp);
  if (log === undefined) offline?.(t, tp);
  else if (missingMarker(log, t)) out.push(markerSentence(t, tp));
}

/** `t`'s marker is not in `log`, which retention has not cut (a moved log start proves nothing missing). */
function missingMarker(log: LeaderLogView, t: CompletedTxnView): boolean {
  return !hasMarker(log, t) && (log.logStartOffset ?? 0) === 0;
}

function markerSentence(t: CompletedTxnView, tp: string): string {
  return (
    `transaction ${t.transactionalId} (producer ${t.producerId}) completed with ${t.result}, ` +
    `but the leader of ${tp} has no ${t.result} marker of it`
  );
}

/** The leader's log holds `t`'s marker (searched from its end down: markers are recent). */
function hasMarker(log: LeaderLogView, t: CompletedTxnView): boolean {
  for (let i = log.records.length - 1; i >= 0; i--) {
    const r = log.records[i];
    if (r === undefined) continue;
    if (r.producerId === t.producerId && r.control?.type === t.result) return true;
  }
  return false;
}

/** What the driver sees of the transaction coordinators at one look: the shards, the leaders' logs. */
export interface TxnCoordinatorLook {
  readonly shards: ReadonlyArray<TxnShardView & { readonly completed: readonly CompletedTxnView[] }>;
  leaderLog(tp: string): LeaderLogView | undefined;
}

/**
 * Both invariants over the driver's looks (observe), as anomalies: `txn-one-coordinator-per-epoch`
 * once per (partition, coordinator epoch), `txn-markers-before-complete` once per completed
 * transaction (each judged at the first look after it completed).
 */
export class TxnCoordinatorInvariants {
  /** Each shard's `completed` list → how many of its entries were judged. */
  private readonly judged = new Map<readonly CompletedTxnView[], number>();
  private readonly found: Anomaly[] = [];
  private readonly reported = new Set<string>();
  /** The partitions of completed transactions (no-batch-below-marker-epoch reads their leader logs). */
  private readonly txnPartitions = new Set<string>();
  private readonly scans = new Map<string, LogScan>();
  /** Completed transactions' partitions that had no leader at their look: judged at the first look with one. */
  private offline: Array<{ readonly t: CompletedTxnView; readonly tp: string }> = [];

  anomalies(): Anomaly[] {
    return this.found;
  }

  observe(look: TxnCoordinatorLook, timeUs: number): void {
    for (const c of coordinatorEpochClashes(look.shards)) {
      this.report({
        kind: 'txn-one-coordinator-per-epoch',
        explanation: `${capitalised(clashSentence(c))}: one transactional id has two coordinators at once.`,
        topic: TXN_STATE_TOPIC,
        partition: c.partition,
        nodes: [...c.brokers],
        timesUs: [timeUs],
      });
    }
    const fresh: CompletedTxnView[] = [];
    for (const s of look.shards) {
      fresh.push(...s.completed.slice(this.judged.get(s.completed) ?? 0));
      this.judged.set(s.completed, s.completed.length);
    }
    for (const t of fresh) for (const tp of t.partitions) this.txnPartitions.add(tp);
    for (const tp of this.txnPartitions) this.scanLog(tp, look.leaderLog(tp), timeUs);
    const waiting = this.offline;
    this.offline = [];
    const offline = (t: CompletedTxnView, tp: string) => this.offline.push({ t, tp });
    const violations = completedMarkerViolations(fresh, (tp) => look.leaderLog(tp), offline);
    for (const { t, tp } of waiting) judgeMarker(t, tp, (p) => look.leaderLog(p), violations, offline);
    for (const v of violations) {
      this.report({
        kind: 'txn-markers-before-complete',
        explanation: `${capitalised(v)}: the coordinator completed it before every marker was written.`,
        topic: TXN_STATE_TOPIC,
        timesUs: [timeUs],
      });
    }
  }

  /** no-batch-below-marker-epoch on `tp`'s leader log, from where the last look at the same log left it. */
  private scanLog(tp: string, log: LeaderLogView | undefined, timeUs: number): void {
    if (log === undefined) return;
    let scan = this.scans.get(tp);
    // Another leader's log, or a truncated one: scan it again whole.
    const same = scan !== undefined && scan.records === log.records && log.records[scan.scanned - 1] === scan.last;
    if (scan === undefined || !same) {
      scan = { records: log.records, scanned: 0, last: undefined, markerEpochs: new Map() };
      this.scans.set(tp, scan);
    }
    const bad = batchBelowMarkerEpoch(log.records, scan.scanned, scan.markerEpochs);
    scan.scanned = log.records.length;
    scan.last = log.records[log.records.length - 1];
    if (bad === undefined) return;
    const cut = tp.lastIndexOf('/');
    this.report({
      kind: 'txn-batch-below-marker-epoch',
      explanation:
        `The leader of ${tp} holds a batch of producer ${bad.producerId} at epoch ${bad.epoch} ` +
        `(offset ${bad.offset}) behind a marker of it at epoch ${bad.markerEpoch}: a batch of a fenced epoch ` +
        'was appended.',
      topic: tp.slice(0, cut),
      partition: Number(tp.slice(cut + 1)),
      timesUs: [timeUs],
    });
  }

  private report(a: Anomaly): void {
    if (this.reported.has(a.explanation)) return;
    this.reported.add(a.explanation);
    this.found.push(a);
  }
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
