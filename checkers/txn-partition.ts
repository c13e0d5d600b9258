// The white-box invariant of transactions on one partition (issue 17 item 2): the leader's last
// stable offset and the read_committed answers it gives, judged against what the replica's own
// log says, recomputed here from the records and not taken from the model's producer state.
//
// Rules (each from Kafka's source):
//   lso-above-hw          a leader's LSO is at most its HW (UnifiedLog.lastStableOffset: the
//                         first unstable offset only when below the HW, else the HW).
//   lso-above-open-txn    the LSO is at most the first offset of every transaction the log leaves
//                         open (a transactional batch with no COMMIT/ABORT marker after it:
//                         ProducerStateManager.firstUnstableOffset), raised to the log start
//                         (UnifiedLog.maybeIncrementFirstUnstableOffset: max(it, logStartOffset)):
//                         the records are read from the log start on, so a transaction begun
//                         below it counts as begun at its first retained batch.
//   aborted-index         the aborted-transaction index names exactly the aborted non-empty
//                         transactions of the log, by producer, first offset and marker offset
//                         (LogSegment.updateTxnIndex, TransactionIndex.truncateTo, recovery).
//   read-above-lso        a read_committed answer holds no record at or above the LSO it
//                         announces (UnifiedLog.read with FetchIsolation.TXN_COMMITTED).
//   aborted-read          what a read_committed consumer returns holds no control record and no
//                         record of an aborted transaction (CompletedFetch.nextFetchedRecord).
//
// Assumes: `records` is the replica's whole log in offset order (slots below `logStartOffset`
// may be empty: deleted segments), every record with its batch's producer id and flags; a batch
// ends at a record whose lastInBatch is not false. The aborted-index rule assumes no
// transaction straddles the log start (the records below it are not there to recompute from).

/** A record as this invariant reads it (the model's ModelRecord, structurally). */
interface TxnRecordView {
  readonly offset: number;
  readonly producerId: number;
  readonly value: string;
  readonly transactional?: true;
  readonly control?: { readonly type: 'COMMIT' | 'ABORT' };
}

/** A replica's transactional state, as the model shows it. */
export interface TxnReplicaView {
  readonly role: string;
  readonly hw: number;
  readonly lso: number;
  /** UnifiedLog.logStartOffset; 0 when absent. */
  readonly logStartOffset?: number;
  readonly records: readonly TxnRecordView[];
  readonly abortedTxns: ReadonlyArray<{ producerId: number; firstOffset: number; lastOffset: number }>;
}

/** A read_committed answer and what the consumer made of it. */
export interface ReadCommittedAnswer {
  readonly lastStableOffset: number;
  readonly records: readonly TxnRecordView[];
  /** The records the consumer returned to the application. */
  readonly returned: readonly TxnRecordView[];
}

interface TxnRange {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** Every violated rule, one sentence each; empty when the partition is right. */
export function txnPartitionViolations(replica: TxnReplicaView, answer?: ReadCommittedAnswer): string[] {
  const out: string[] = [];
  const { open, aborted } = transactionsOf(replica.records, replica.logStartOffset ?? 0);
  if (replica.role === 'leader' && replica.lso > replica.hw)
    out.push(`lso-above-hw: the leader's LSO ${replica.lso} is above its HW ${replica.hw}`);
  for (const [producerId, first] of open) {
    if (replica.lso > first)
      out.push(`lso-above-open-txn: LSO ${replica.lso} passes producer ${producerId}'s open transaction at ${first}`);
  }
  const index = replica.abortedTxns.map((t) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}`).join(',');
  const expected = aborted.map((t) => `${t.producerId}:${t.firstOffset}-${t.lastOffset}`).join(',');
  if (index !== expected) out.push(`aborted-index: the index holds [${index}], the log aborts [${expected}]`);
  if (answer !== undefined) {
    for (const r of answer.records) {
      if (r.offset >= answer.lastStableOffset)
        out.push(`read-above-lso: a read_committed answer holds offset ${r.offset}, LSO ${answer.lastStableOffset}`);
    }
    for (const r of answer.returned) {
      if (r.control !== undefined) out.push(`aborted-read: the consumer returned the control record at ${r.offset}`);
      else if (inAborted(aborted, r))
        out.push(`aborted-read: the consumer returned ${r.value} at ${r.offset}, of an aborted transaction`);
    }
  }
  return out;
}

/** The transactions of a log: the open ones (producer → first offset) and the aborted non-empty ones. */
function transactionsOf(
  records: readonly TxnRecordView[],
  logStartOffset: number,
): { open: Map<number, number>; aborted: TxnRange[] } {
  const open = new Map<number, number>();
  const aborted: TxnRange[] = [];
  for (let o = logStartOffset; o < records.length; o++) {
    const r = records[o];
    if (r.control !== undefined) {
      const first = open.get(r.producerId);
      open.delete(r.producerId);
      if (first !== undefined && r.control.type === 'ABORT')
        aborted.push({ producerId: r.producerId, firstOffset: first, lastOffset: r.offset });
    } else if (r.transactional === true && !open.has(r.producerId)) open.set(r.producerId, r.offset);
  }
  return { open, aborted };
}

function inAborted(aborted: readonly TxnRange[], r: TxnRecordView): boolean {
  if (r.transactional !== true) return false;
  for (const t of aborted)
    if (t.producerId === r.producerId && r.offset >= t.firstOffset && r.offset < t.lastOffset) return true;
  return false;
}
