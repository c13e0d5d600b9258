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
//
// TxnCoordinatorInvariants judges both over the driver's looks at the cluster (driver/run.ts,
// at each snapshot): every loaded shard each time, and each completed transaction once, at the
// first look after its completion record was committed.
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
    readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
  }>;
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

/** markers-before-complete, as sentences (empty = holds); `leaderLog` undefined = no leader now. */
export function completedMarkerViolations(
  completed: readonly CompletedTxnView[],
  leaderLog: (tp: string) => LeaderLogView | undefined,
): string[] {
  const out: string[] = [];
  for (const t of completed) {
    for (const tp of t.partitions) {
      const log = leaderLog(tp);
      if (log === undefined || hasMarker(log, t)) continue;
      if ((log.logStartOffset ?? 0) === 0)
        out.push(
          `transaction ${t.transactionalId} (producer ${t.producerId}) completed with ${t.result}, ` +
            `but the leader of ${tp} has no ${t.result} marker of it`,
        );
    }
  }
  return out;
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
    for (const v of completedMarkerViolations(fresh, (tp) => look.leaderLog(tp))) {
      this.report({
        kind: 'txn-markers-before-complete',
        explanation: `${capitalised(v)}: the coordinator completed it before every marker was written.`,
        topic: TXN_STATE_TOPIC,
        timesUs: [timeUs],
      });
    }
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
