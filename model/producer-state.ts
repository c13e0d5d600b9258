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

import type { ErrorCode } from './client-protocol.ts';
import { assert } from './assert.ts';
import type { ModelRecord } from './replica-log.ts';
import { codeProbe } from './code-probes.ts';

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
}

/** One producer in a snapshot file (ProducerStateManager.writeSnapshot's fields the model has). */
interface SnapshotEntry {
  readonly producerId: number;
  readonly epoch: number;
  readonly batches: readonly BatchMetadata[];
  readonly lastUs: number;
}

export type SequenceCheck =
  | { readonly kind: 'append' }
  | { readonly kind: 'duplicate'; readonly batch: BatchMetadata }
  | { readonly kind: 'error'; readonly error: ErrorCode };

const APPEND: SequenceCheck = { kind: 'append' };

export class ProducerStates {
  private readonly producers = new Map<number, ProducerEntry>();
  /** The replica's clock (µs), for the producers' last timestamps. */
  nowUs: () => number = () => 0;

  /** A leader's check of a client batch (the rules above, in Kafka's order). */
  check(producerId: number, producerEpoch: number, firstSeq: number, lastSeq: number): SequenceCheck {
    const entry = this.producers.get(producerId);
    if (entry === undefined && firstSeq > 0) codeProbe('produce-unknown-producer-mid-sequence');
    if (entry === undefined) return APPEND;
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
      entry = { epoch: producerEpoch, batches: [], lastUs: 0 };
      this.producers.set(producerId, entry);
    }
    entry.lastUs = this.nowUs();
    entry.batches.push(batch);
    if (entry.batches.length > MAX_BATCHES_PER_PRODUCER) entry.batches.shift();
  }

  /** Calls `each` with every producer's id, epoch and last batch (for checkers/replica-invariants.ts). */
  forEachLastBatch(each: (producerId: number, epoch: number, lastSeq: number, lastOffset: number) => void): void {
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last !== undefined) each(id, entry.epoch, last.lastSeq, last.lastOffset);
    }
  }

  /** Feed appended records (whole batches end with lastInBatch) into the state. */
  onRecords(records: readonly ModelRecord[], from: number, to: number): void {
    let batchStart = from;
    for (let i = from; i < to; i++) {
      const r = records[i];
      if (i > batchStart) assertSameBatch(records[batchStart], r, i - batchStart);
      if (!r.lastInBatch) continue;
      const first = records[batchStart];
      if (r.producerId >= 0) {
        this.onBatch(r.producerId, r.producerEpoch, {
          firstSeq: first.sequence,
          lastSeq: r.sequence,
          firstOffset: first.offset,
          lastOffset: r.offset,
        });
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

  /** The state as a snapshot's entries (ProducerStateManager.takeSnapshot). */
  snapshot(): SnapshotEntry[] {
    const out: SnapshotEntry[] = [];
    for (const [producerId, e] of this.producers)
      out.push({ producerId, epoch: e.epoch, batches: e.batches.slice(), lastUs: e.lastUs });
    return out;
  }

  /** Replaces the state with a snapshot's (ProducerStateManager.loadFromSnapshot), then the log [from, end). */
  loadSnapshot(entries: readonly unknown[], records: readonly ModelRecord[], from: number): void {
    this.producers.clear();
    for (const x of entries) {
      const e = x as SnapshotEntry;
      this.producers.set(e.producerId, { epoch: e.epoch, batches: e.batches.slice(), lastUs: e.lastUs });
    }
    this.onRecords(records, from, records.length);
  }

  /**
   * ProducerStateManager.removeExpiredProducers: producers whose last batch is at least
   * `expirationUs` old leave (UnifiedLog's producer-expiration check). Returns how many.
   */
  removeExpired(nowUs: number, expirationUs: number): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (nowUs - e.lastUs < expirationUs) continue;
      this.producers.delete(id);
      n++;
    }
    return n;
  }

  /** Rebuild from the log's records at and above `from` (its log start), after recovery. */
  rebuild(records: readonly ModelRecord[], from = 0): void {
    this.producers.clear();
    this.onRecords(records, from, records.length);
  }

  /**
   * After a truncation (ProducerStateManager.truncateAndReload): the producers whose last
   * batch lies below the log start `from` (a snapshot at or below the target holds them) are
   * kept; the others are rebuilt from the log from `from` on.
   */
  reload(records: readonly ModelRecord[], from: number): void {
    const kept: Array<[number, ProducerEntry]> = [];
    for (const [id, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (last !== undefined && last.lastOffset < from) kept.push([id, entry]);
    }
    this.producers.clear();
    for (const [id, entry] of kept) this.producers.set(id, entry);
    this.onRecords(records, from, records.length);
  }
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
