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
//                              every partition it added, at that partition's current leader,
//                              below the HW (TransactionMarkerChannelManager writes the
//                              completion only once every marker was acknowledged with acks=all,
//                              maybeWriteTxnCompletion).
//
// Assumes: checked while no durability breach happened (a breach may take a marker with it);
// the tests run it after every event.

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
  readonly hw: number;
  readonly records: ReadonlyArray<{
    readonly offset: number;
    readonly producerId: number;
    readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
  }>;
}

/** one-coordinator-per-epoch, as sentences (empty = holds). */
export function coordinatorEpochViolations(shards: readonly TxnShardView[]): string[] {
  const out: string[] = [];
  const seen = new Map<string, number>();
  for (const s of shards) {
    if (!s.loaded) continue;
    const key = `${s.partition}@${s.coordinatorEpoch}`;
    const other = seen.get(key);
    if (other !== undefined && other !== s.broker)
      out.push(
        `brokers ${other} and ${s.broker} both coordinate __transaction_state/${s.partition} ` +
          `at coordinator epoch ${s.coordinatorEpoch}`,
      );
    seen.set(key, s.broker);
  }
  return out;
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
      if (log === undefined) continue;
      const has = log.records.some(
        (r) => r.offset < log.hw && r.producerId === t.producerId && r.control?.type === t.result,
      );
      if (!has)
        out.push(
          `transaction ${t.transactionalId} (producer ${t.producerId}) completed with ${t.result}, ` +
            `but the leader of ${tp} has no committed ${t.result} marker of it`,
        );
    }
  }
  return out;
}
