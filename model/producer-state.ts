// Per-producer idempotence state of one replica (Kafka's ProducerStateManager): for every
// producer id, its producer epoch and the metadata of its last five batches, so a retried
// batch is recognised as a duplicate and answered with its original offsets, and a gap in
// sequence numbers is refused. Leaders and followers both keep it (a follower may become
// leader); it is rebuilt from the log after recovery or truncation, as Kafka reloads it.
//
// Rules (KIP-98, KIP-360), checked in Kafka's order (UnifiedLog.analyzeAndValidateProducerState,
// then ProducerAppendInfo.appendDataBatch):
// - same epoch: a batch equal (first and last sequence) to one of the last five is a
//   duplicate (ProducerStateEntry.findDuplicateBatch, which looks at the current epoch's
//   batches only); otherwise its first sequence must follow the last one (checkSequence);
// - an older epoch is fenced: INVALID_PRODUCER_EPOCH (checkProducerEpoch);
// - a newer epoch must start at sequence 0, else OUT_OF_ORDER_SEQUENCE_NUMBER (checkSequence);
// - a producer with no state (new, or its batches were truncated away) may start anywhere.
// Replicated batches are not checked (AppendOrigin.REPLICATION): onRecords takes them as they
// are, a new epoch replacing the entry (ProducerStateEntry.addBatch).
// Snapshots (ProducerStateManager.takeSnapshot / readSnapshot): the whole state as plain
// entries, which replica-log.ts writes to `<offset>.snapshot` at each roll and reads back at
// recovery. Expiration (removeExpiredProducers): a producer whose last batch is
// producer.id.expiration.ms old leaves; its next batch, at any sequence, is then taken as a new
// producer's (checkSequence: no current epoch, "accept writes with any sequence number"; the
// same in 3.6–4.1, so an expired or retention-deleted producer never gets UNKNOWN_PRODUCER_ID
// from a produce: KIP-360 moved that case to the broker).
// The model's records carry no timestamp: a producer's time is the replica's clock at its last
// append (or at the rebuild that found it).
// Asserted (model/assert.ts) for every batch fed in record by record: its records share the
// producer id, producer epoch and leader epoch, and their sequence numbers are consecutive.
//
// Transactions (KIP-98; issue 17 item 2), after ProducerAppendInfo and ProducerStateManager:
// each producer's entry carries its coordinator epoch and the first offset of its ongoing
// transaction (currentTxnFirstOffset). A transactional data batch with none open begins one
// (appendDataBatch); a non-transactional batch while one is open is refused with
// INVALID_TXN_STATE. An end-transaction marker (a control batch) is checked for its producer
// epoch (INVALID_PRODUCER_EPOCH) and coordinator epoch (TRANSACTION_COORDINATOR_FENCED,
// checkCoordinatorEpoch) unless replicated, then closes the open transaction (a CompletedTxn,
// for the aborted-transaction index) and updates the entry (ProducerStateEntry.update: the
// marker's producer and coordinator epochs; the batches are kept unless the epoch is new).
// A completed transaction stays "unreplicated" until the HW passes its marker (completeTxn,
// onHighWatermarkUpdated): the first unstable offset is the earliest first offset of an
// ongoing or unreplicated transaction.

import type { ErrorCode } from './client-protocol.ts';
import { assert } from './assert.ts';
import type { ModelRecord } from './replica-log.ts';
import { codeProbe } from './code-probes.ts';
import { shortenTo } from './arrays.ts';

const MAX_BATCHES_PER_PRODUCER = 5;

export interface BatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  /** ProducerStateEntry.lastTimestamp: µs of its last batch here. */
  lastUs: number;
  /** ProducerStateEntry.coordinatorEpoch: of the last marker, -1 before any. */
  coordinatorEpoch?: number;
  /** ProducerStateEntry.currentTxnFirstOffset: the open transaction's first offset, absent if none. */
  txnFirstOffset?: number;
}

/** One producer in a snapshot file (ProducerStateManager.writeSnapshot's fields the model has). */
interface SnapshotEntry {
  readonly producerId: number;
  readonly epoch: number;
  readonly batches: readonly BatchMetadata[];
  readonly lastUs: number;
  readonly coordinatorEpoch?: number;
  readonly txnFirstOffset?: number;
}

type MarkerCheck = 'NONE' | 'INVALID_PRODUCER_EPOCH' | 'TRANSACTION_COORDINATOR_FENCED';

/** CompletedTxn: a transaction a marker closed (firstOffset..lastOffset = the marker's offset). */
export interface CompletedTxn {
  readonly producerId: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly isAborted: boolean;
}

/** TxnMetadata of ProducerStateManager's ongoingTxns / unreplicatedTxns, keyed by first offset. */
interface TxnMetadata {
  readonly producerId: number;
  readonly firstOffset: number;
  /** The marker's offset once completed, -1 while ongoing. */
  lastOffset: number;
}

export type SequenceCheck =
  | { readonly kind: 'append'; readonly unknownProducer?: true; readonly noStateAtSequenceZero?: true }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'error'; readonly error: ErrorCode };

const APPEND: SequenceCheck = { kind: 'append' };
/** A batch of a producer this replica has no state for, at a sequence above 0: taken as new. */
const APPEND_UNKNOWN: SequenceCheck = { kind: 'append', unknownProducer: true };
/**
 * A batch at sequence 0 of a producer this replica has no state for: a new producer's first
 * batch, or the retry of one whose state is gone (the driver's tracker tells them apart).
 */
const APPEND_NO_STATE_SEQUENCE_ZERO: SequenceCheck = { kind: 'append', noStateAtSequenceZero: true };

export class ProducerStates {
  private readonly producers = new Map<number, ProducerEntry>();
  /** The replica's clock (µs), for the producers' last timestamps. */
  nowUs: () => number = () => 0;
  /** ProducerStateManager.ongoingTxns, in first-offset order (appended in log order). */
  private readonly ongoingTxns: TxnMetadata[] = [];
  /** ProducerStateManager.unreplicatedTxns: completed, marker not yet below the HW. */
  private readonly unreplicatedTxns: TxnMetadata[] = [];

  /** A leader's check of a client batch (the rules above, in Kafka's order). */
  check(producerId: number, producerEpoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined && firstSeq > 0) codeProbe('produce-unknown-producer-mid-sequence');
    if (entry === undefined) return firstSeq > 0 ? APPEND_UNKNOWN : APPEND_NO_STATE_SEQUENCE_ZERO;
    if (producerEpoch === entry.epoch) {
      const dup = findDuplicate(entry.batches, firstSeq, lastSeq);
      if (dup !== undefined) return { kind: 'duplicate', batch: dup };
    }
    if (producerEpoch < entry.epoch) return { kind: 'error', error: 'INVALID_PRODUCER_EPOCH' };
    if (producerEpoch > entry.epoch)
      return firstSeq === 0 ? APPEND : { kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' };
    const batches = entry.batches;
    const last = batches[batches.length - 1];
    if (last !== undefined && firstSeq !== last.lastSeq + 1) codeProbe('produce-out-of-order-sequence');
    if (last !== undefined && firstSeq !== last.lastSeq + 1)
      return { kind: 'error', error: 'OUT_OF_ORDER_SEQUENCE_NUMBER' };
    return APPEND;
  }

  onBatch(producerId: number, producerEpoch: number, batch: BatchMetadata): void {
    let entry = this.producers.get(producerId);
    if (entry === undefined || entry.epoch !== producerEpoch) {
      entry = withTxnStateOf({ epoch: producerEpoch, batches: [], lastUs: 0 }, entry);
      this.producers.set(producerId, entry);
    }
    entry.lastUs = this.nowUs();
    entry.batches.push(batch);
    if (entry.batches.length > MAX_BATCHES_PER_PRODUCER) entry.batches.shift();
  }

  /**
   * ProducerAppendInfo.maybeValidateDataBatch for origin COORDINATOR (a group coordinator's
   * transactional offset commit): checkProducerEpoch only, no sequence check.
   */
  checkCoordinatorBatch(producerId: number, producerEpoch: number): ErrorCode {
    const entry = this.producers.get(producerId);
    if (entry !== undefined && producerEpoch < entry.epoch) codeProbe('txn-offset-commit-old-producer-epoch');
    return entry !== undefined && producerEpoch < entry.epoch ? 'INVALID_PRODUCER_EPOCH' : 'NONE';
  }

  // --- transactions (KIP-98) -------------------------------------------------------------

  /**
   * ProducerAppendInfo.appendDataBatch's transaction check, after the sequence check: a
   * non-transactional batch while the producer's transaction is open is INVALID_TXN_STATE.
   */
  checkTxnState(producerId: number, transactional: boolean): ErrorCode {
    const open = this.producers.get(producerId)?.txnFirstOffset;
    if (open !== undefined && !transactional) codeProbe('txn-non-transactional-batch-in-open-txn');
    return open !== undefined && !transactional ? 'INVALID_TXN_STATE' : 'NONE';
  }

  /**
   * UnifiedLog.hasOngoingTransaction: the producer's entry has a currentTxnFirstOffset; with
   * `producerEpoch` (Kafka 4.0's hasOngoingTransaction(producerId, producerEpoch)) also at that
   * epoch: a batch of a newer epoch finds the transaction of the older one possibly complete.
   */
  hasOngoingTransaction(producerId: number, producerEpoch?: number): boolean {
    const entry = this.producers.get(producerId);
    if (entry?.txnFirstOffset === undefined) return false;
    return producerEpoch === undefined || entry.epoch === producerEpoch;
  }

  /** ProducerAppendInfo.appendDataBatch: a transactional batch with none open begins a transaction. */
  onTransactionalBatch(producerId: number, firstOffset: number): void {
    const entry = this.producers.get(producerId);
    if (entry === undefined || entry.txnFirstOffset !== undefined) return;
    entry.txnFirstOffset = firstOffset;
    this.ongoingTxns.push({ producerId, firstOffset, lastOffset: -1 });
  }

  /**
   * A leader's (origin COORDINATOR) check of an end-transaction marker, as appendEndTxnMarker:
   * checkProducerEpoch (an older producer epoch: InvalidProducerEpochException), then
   * checkCoordinatorEpoch (an older coordinator epoch: TransactionCoordinatorFencedException).
   */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number): MarkerCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return 'NONE';
    if (producerEpoch < entry.epoch) codeProbe('txn-marker-old-producer-epoch');
    if (producerEpoch < entry.epoch) return 'INVALID_PRODUCER_EPOCH';
    if ((entry.coordinatorEpoch ?? -1) > coordinatorEpoch) codeProbe('txn-marker-coordinator-fenced');
    if ((entry.coordinatorEpoch ?? -1) > coordinatorEpoch) return 'TRANSACTION_COORDINATOR_FENCED';
    return 'NONE';
  }

  /**
   * ProducerAppendInfo.appendEndTxnMarker then ProducerStateManager.update / completeTxn: the
   * entry takes the marker's producer and coordinator epochs and loses its open transaction
   * (and its batches, if the producer epoch is new); a non-empty transaction is returned
   * completed (an empty one changes no LSO).
   */
  onMarker(
    producerId: number,
    producerEpoch: number,
    coordinatorEpoch: number,
    offset: number,
    aborted: boolean,
  ): CompletedTxn | undefined {
    const entry = this.producers.get(producerId);
    const first = entry?.txnFirstOffset;
    // ProducerStateEntry.update(producerEpoch, coordinatorEpoch, ...): maybeUpdateProducerEpoch
    // drops the batches only for a new producer epoch; the marker adds none.
    if (entry === undefined || entry.epoch !== producerEpoch)
      this.producers.set(producerId, { epoch: producerEpoch, batches: [], lastUs: this.nowUs(), coordinatorEpoch });
    else {
      entry.coordinatorEpoch = coordinatorEpoch;
      entry.txnFirstOffset = undefined;
    }
    if (first === undefined) return undefined;
    const i = this.ongoingTxns.findIndex((t) => t.firstOffset === first);
    assert(i >= 0, 'an open transaction of producer {} at {} is ongoing', producerId, first);
    const [txn] = this.ongoingTxns.splice(i, 1);
    txn.lastOffset = offset;
    insertByFirstOffset(this.unreplicatedTxns, txn);
    return { producerId, firstOffset: first, lastOffset: offset, isAborted: aborted };
  }

  /**
   * ProducerStateManager.lastStableOffset(completedTxn), the LSO the aborted index stores: the
   * first offset of the earliest transaction still ongoing of another producer, else past the marker.
   */
  lastStableOffsetAfter(txn: CompletedTxn): number {
    for (const t of this.ongoingTxns) if (t.producerId !== txn.producerId) return t.firstOffset;
    return txn.lastOffset + 1;
  }

  /** ProducerStateManager.onHighWatermarkUpdated: completed transactions below the HW are done. */
  onHighWatermarkUpdated(hw: number): void {
    this.removeUnreplicatedTransactions(hw);
  }

  /**
   * ProducerStateManager.onLogStartOffsetIncremented: completed transactions whose marker lies
   * below the new log start are done (removeUnreplicatedTransactions(logStartOffset)). Ongoing
   * transactions stay, even those whose first offset is now below the log start: UnifiedLog
   * bounds the first unstable offset by the log start instead (maybeIncrementFirstUnstableOffset).
   */
  onLogStartOffsetIncremented(logStartOffset: number): void {
    this.removeUnreplicatedTransactions(logStartOffset);
  }

  /** ProducerStateManager.removeUnreplicatedTransactions: drops those whose marker is below `offset`. */
  private removeUnreplicatedTransactions(offset: number): void {
    const u = this.unreplicatedTxns;
    if (u.length === 0) return;
    let kept = 0;
    for (let i = 0; i < u.length; i++) if (u[i].lastOffset >= offset) u[kept++] = u[i];
    shortenTo(u, kept);
  }

  /** ProducerStateManager.firstUnstableOffset: the earliest ongoing or unreplicated transaction, -1 if none. */
  firstUnstableOffset(): number {
    const ongoing = this.ongoingTxns[0]?.firstOffset ?? -1;
    const unreplicated = this.unreplicatedTxns[0]?.firstOffset ?? -1;
    if (unreplicated < 0) return ongoing;
    if (ongoing < 0) return unreplicated;
    return ongoing < unreplicated ? ongoing : unreplicated;
  }

  /** The open transactions as (producer id, first offset), earliest first (tests, invariants). */
  openTransactions(): Array<{ producerId: number; firstOffset: number }> {
    return this.ongoingTxns.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
  }

  /** Calls `each` with every producer's id, epoch and last batch (for checkers/replica-invariants.ts). */
  forEachLastBatch(each: (producerId: number, epoch: number, lastSeq: number, lastOffset: number) => void): void {
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last !== undefined) each(id, entry.epoch, last.lastSeq, last.lastOffset);
    }
  }

  /**
   * Feed appended records (whole batches end with lastInBatch) into the state, as a replicated
   * append (AppendOrigin.REPLICATION: nothing is checked); `completed` hears of every
   * transaction a marker among them closes (UnifiedLog.append, loadProducersFromRecords).
   */
  onRecords(records: readonly ModelRecord[], from: number, to: number, completed?: (txn: CompletedTxn) => void): void {
    let batchStart = from;
    for (let i = from; i < to; i++) {
      const r = records[i];
      if (i > batchStart) assertSameBatch(records[batchStart], r, i - batchStart);
      if (!r.lastInBatch) continue;
      const first = records[batchStart];
      if (r.control !== undefined) {
        const done = this.onMarker(
          r.producerId,
          r.producerEpoch,
          r.control.coordinatorEpoch,
          r.offset,
          r.control.type === 'ABORT',
        );
        if (done !== undefined) completed?.(done);
      } else if (r.producerId >= 0) {
        this.onBatch(r.producerId, r.producerEpoch, {
          firstSeq: first.sequence,
          lastSeq: r.sequence,
          firstOffset: first.offset,
          lastOffset: r.offset,
        });
        if (r.transactional === true) this.onTransactionalBatch(r.producerId, first.offset);
      }
      batchStart = i + 1;
    }
  }

  /**
   * Variant no-producer-state-reload: truncation keeps the state of the batches it removed
   * (Kafka reloads it: UnifiedLog.truncateTo → ProducerStateManager.truncateAndReload), so a
   * retry of a batch cut away is answered as a duplicate at offsets that now hold other records.
   */
  keepOnTruncate = false;

  /** The state as a snapshot's entries (ProducerStateManager.takeSnapshot, with the transaction fields). */
  snapshot(): SnapshotEntry[] {
    const out: SnapshotEntry[] = [];
    for (const [producerId, e] of this.producers) {
      const entry: { -readonly [K in keyof SnapshotEntry]: SnapshotEntry[K] } = {
        producerId,
        epoch: e.epoch,
        batches: e.batches.slice(),
        lastUs: e.lastUs,
      };
      if (e.coordinatorEpoch !== undefined) entry.coordinatorEpoch = e.coordinatorEpoch;
      if (e.txnFirstOffset !== undefined) entry.txnFirstOffset = e.txnFirstOffset;
      out.push(entry);
    }
    return out;
  }

  /**
   * Replaces the state with a snapshot's (ProducerStateManager.loadFromSnapshot: an entry with
   * a current transaction's first offset is an ongoing transaction again), then the log [from, end).
   */
  loadSnapshot(
    entries: readonly unknown[],
    records: readonly ModelRecord[],
    from: number,
    completed?: (txn: CompletedTxn) => void,
  ): void {
    this.clear();
    for (const x of entries) {
      const e = x as SnapshotEntry;
      this.keep(e.producerId, {
        epoch: e.epoch,
        batches: e.batches.slice(),
        lastUs: e.lastUs,
        ...(e.coordinatorEpoch !== undefined ? { coordinatorEpoch: e.coordinatorEpoch } : {}),
        ...(e.txnFirstOffset !== undefined ? { txnFirstOffset: e.txnFirstOffset } : {}),
      });
    }
    this.onRecords(records, from, records.length, completed);
  }

  /**
   * ProducerStateManager.removeExpiredProducers: producers whose last batch is at least
   * `expirationUs` old leave (UnifiedLog's producer-expiration check; isProducerExpired also
   * keeps a producer with an open transaction). Returns how many.
   */
  removeExpired(nowUs: number, expirationUs: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (e.txnFirstOffset !== undefined || nowUs - e.lastUs < expirationUs) continue;
      this.producers.delete(id);
      n++;
    }
    return n;
  }

  /**
   * Rebuild from the log's records at and above `from` (its log start), after recovery or
   * truncation (ProducerStateManager.truncateAndReload / truncateFullyAndStartAt clear the
   * transactions too).
   */
  rebuild(records: readonly ModelRecord[], from = 0, completed?: (txn: CompletedTxn) => void): void {
    this.clear();
    this.onRecords(records, from, records.length, completed);
  }

  /**
   * After a truncation (ProducerStateManager.truncateAndReload): the producers whose last
   * batch lies below the log start `from` (a snapshot at or below the target holds them) are
   * kept; the others are rebuilt from the log from `from` on.
   */
  reload(records: readonly ModelRecord[], from: number, completed?: (txn: CompletedTxn) => void): void {
    const kept: Array<[number, ProducerEntry]> = [];
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last !== undefined && last.lastOffset < from) kept.push([id, entry]);
    }
    this.clear();
    for (const [id, entry] of kept) this.keep(id, entry);
    this.onRecords(records, from, records.length, completed);
  }

  private clear(): void {
    this.producers.clear();
    this.ongoingTxns.length = 0;
    this.unreplicatedTxns.length = 0;
  }

  /** An entry loaded back (snapshot, or kept over a truncation), its open transaction ongoing again. */
  private keep(producerId: number, entry: ProducerEntry): void {
    this.producers.set(producerId, entry);
    if (entry.txnFirstOffset !== undefined)
      insertByFirstOffset(this.ongoingTxns, { producerId, firstOffset: entry.txnFirstOffset, lastOffset: -1 });
  }
}

/** ProducerStateEntry.maybeUpdateProducerEpoch keeps the coordinator epoch and the open transaction. */
function withTxnStateOf(entry: ProducerEntry, old: ProducerEntry | undefined): ProducerEntry {
  if (old?.coordinatorEpoch !== undefined) entry.coordinatorEpoch = old.coordinatorEpoch;
  if (old?.txnFirstOffset !== undefined) entry.txnFirstOffset = old.txnFirstOffset;
  return entry;
}

function insertByFirstOffset(list: TxnMetadata[], txn: TxnMetadata): void {
  let i = list.length;
  while (i > 0 && list[i - 1].firstOffset > txn.firstOffset) i--;
  list.splice(i, 0, txn);
}

/** ProducerStateEntry.batchWithSequenceRange: the cached batch with exactly these sequences. */
function findDuplicate(
  batches: readonly BatchMetadata[],
  firstSeq: number,
  lastSeq: number,
): BatchMetadata | undefined {
  for (let i = 0; i < batches.length; i++) {
    const b = batches[i];
    if (b.firstSeq === firstSeq && b.lastSeq === lastSeq) return b;
  }
  return undefined;
}

/** Record `r`, `k` records after `first` in the same batch, carries the batch's identity and the k-th next sequence. */
function assertSameBatch(first: ModelRecord, r: ModelRecord, k: number): void {
  assert(
    r.producerId === first.producerId && r.producerEpoch === first.producerEpoch && r.epoch === first.epoch,
    'one producer and leader epoch per batch: offset {} has producer {} epoch {}, the batch at {} producer {}',
    r.offset,
    r.producerId,
    r.producerEpoch,
    first.offset,
    first.producerId,
  );
  const expected = first.producerId >= 0 ? first.sequence + k : -1;
  assert(
    r.sequence === expected,
    'consecutive sequences in a batch: offset {} has sequence {}, expected {} (batch at {})',
    r.offset,
    r.sequence,
    expected,
    first.offset,
  );
}
