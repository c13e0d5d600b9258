// One transactional id's state at the transaction coordinator (issue 17 item 1), after Kafka
// 3.9's TransactionMetadata.scala: the states and their valid previous states, and the
// `prepare…` methods that compute a transition (TxnTransitMetadata) and mark it pending until
// its record is committed in `__transaction_state` (completeTransitionTo).
// KIP-890 part 2 (transaction.version 2, Kafka 4.0's TransactionMetadata.scala, which carries
// the transition's clientTransactionVersion): prepareAbortOrCommit bumps the epoch (epoch + 1,
// last epoch = the old one), completeTransitionTo takes the bumped epoch when the
// PrepareCommit/PrepareAbort is committed (validProducerEpoch compares the transit's last epoch
// then), and prepareComplete keeps it.
//
// Assumes: no transactional.id expiration (no Dead state, no tombstones), producer epochs never
// exhausted within a run (isEpochExhausted needs 32,766 bumps; producer id rotation is left
// out), and the `__transaction_state` record value is the TxnTransit as JSON (key = the id).

/** TransactionState (TransactionMetadata.scala), Dead left out (no id expiration). */
export type TxnState =
  | 'Empty'
  | 'Ongoing'
  | 'PrepareCommit'
  | 'PrepareAbort'
  | 'CompleteCommit'
  | 'CompleteAbort'
  | 'PrepareEpochFence';

/** RecordBatch.NO_PRODUCER_EPOCH. */
export const NO_PRODUCER_EPOCH = -1;

/** TxnTransitMetadata: what a transition writes to `__transaction_state` (also the record's value). */
export interface TxnTransit {
  readonly transactionalId: string;
  readonly producerId: number;
  readonly lastProducerId: number;
  readonly producerEpoch: number;
  readonly lastProducerEpoch: number;
  readonly txnTimeoutMs: number;
  readonly state: TxnState;
  /** "topic/partition" keys, sorted. */
  readonly partitions: readonly string[];
  readonly txnStartMs: number;
  readonly lastUpdateMs: number;
  /** TxnTransitMetadata.clientTransactionVersion >= 2 (KIP-890 part 2); absent = an older version. */
  readonly txnV2?: true;
}

/** TransactionState.validPreviousStates. */
function validPrevious(state: TxnState): readonly TxnState[] {
  switch (state) {
    case 'Empty':
      return ['Empty', 'CompleteCommit', 'CompleteAbort'];
    case 'Ongoing':
      return ['Ongoing', 'Empty', 'CompleteCommit', 'CompleteAbort'];
    case 'PrepareCommit':
      return ['Ongoing'];
    case 'PrepareAbort':
      return ['Ongoing', 'PrepareEpochFence'];
    case 'CompleteCommit':
      return ['PrepareCommit'];
    case 'CompleteAbort':
      return ['PrepareAbort'];
    case 'PrepareEpochFence':
      return ['Ongoing'];
    default:
      return unknownState(state);
  }
}

function unknownState(s: never): never {
  throw new Error(`unknown transaction state ${String(s)}`);
}

export class TxnMetadata {
  producerId: number;
  lastProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  readonly partitions = new Set<string>();
  txnStartMs: number;
  lastUpdateMs: number;
  /** The state a transition in flight goes to (TransactionMetadata.pendingState). */
  pendingState: TxnState | null = null;
  /** An epoch fence whose write failed: the next fence does not bump again. */
  hasFailedEpochFence = false;
  /** TransactionMetadata.clientTransactionVersion.supportsEpochBump (KIP-890 part 2). */
  clientTxnV2: boolean;

  constructor(
    readonly transactionalId: string,
    t: Omit<TxnTransit, 'transactionalId'>,
  ) {
    this.producerId = t.producerId;
    this.lastProducerId = t.lastProducerId;
    this.producerEpoch = t.producerEpoch;
    this.lastProducerEpoch = t.lastProducerEpoch;
    this.txnTimeoutMs = t.txnTimeoutMs;
    this.state = t.state;
    for (const p of t.partitions) this.partitions.add(p);
    this.txnStartMs = t.txnStartMs;
    this.lastUpdateMs = t.lastUpdateMs;
    this.clientTxnV2 = t.txnV2 === true;
  }

  pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  /** TransactionMetadata.prepareFenceProducerEpoch: Ongoing → PrepareEpochFence with epoch + 1. */
  prepareFenceProducerEpoch(): TxnTransit {
    const bumped = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepareTransitionTo('PrepareEpochFence', this.producerId, bumped, NO_PRODUCER_EPOCH, {
      partitions: [...this.partitions],
      txnStartMs: this.txnStartMs,
      nowMs: this.lastUpdateMs,
    });
  }

  /**
   * TransactionMetadata.prepareIncrementProducerEpoch: → Empty with epoch + 1; with an expected
   * epoch (KIP-360) a retry of a bump already made returns the current epoch, and an expected
   * epoch that is neither the current nor the last one is PRODUCER_FENCED.
   */
  prepareIncrementProducerEpoch(
    timeoutMs: number,
    expectedEpoch: number | undefined,
    nowMs: number,
  ): TxnTransit | 'PRODUCER_FENCED' {
    const bumped = this.producerEpoch + 1;
    let next: [number, number];
    if (expectedEpoch === undefined) next = [bumped, NO_PRODUCER_EPOCH];
    else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch)
      next = [bumped, this.producerEpoch];
    else if (expectedEpoch === this.lastProducerEpoch) next = [this.producerEpoch, this.lastProducerEpoch];
    else return 'PRODUCER_FENCED';
    return this.prepareTransitionTo('Empty', this.producerId, next[0], next[1], {
      partitions: [],
      txnStartMs: -1,
      nowMs,
      timeoutMs,
    });
  }

  /** TransactionMetadata.prepareAddPartitions: → Ongoing; a new transaction starts its clock. */
  prepareAddPartitions(added: readonly string[], nowMs: number): TxnTransit {
    const starts = this.state === 'Empty' || this.state === 'CompleteAbort' || this.state === 'CompleteCommit';
    return this.prepareTransitionTo('Ongoing', this.producerId, this.producerEpoch, this.lastProducerEpoch, {
      partitions: [...this.partitions, ...added],
      txnStartMs: starts ? nowMs : this.txnStartMs,
      nowMs,
    });
  }

  /**
   * TransactionMetadata.prepareAbortOrCommit: → PrepareCommit or PrepareAbort; with
   * `txnV2` (the client's transaction version supportsEpochBump, KIP-890 part 2) the epoch is
   * bumped: producerEpoch + 1, lastProducerEpoch = producerEpoch.
   */
  prepareAbortOrCommit(state: 'PrepareCommit' | 'PrepareAbort', nowMs: number, txnV2 = false): TxnTransit {
    const [epoch, lastEpoch] = txnV2
      ? [this.producerEpoch + 1, this.producerEpoch]
      : [this.producerEpoch, this.lastProducerEpoch];
    const t = this.prepareTransitionTo(state, this.producerId, epoch, lastEpoch, {
      partitions: [...this.partitions],
      txnStartMs: this.txnStartMs,
      nowMs,
    });
    return txnV2 ? { ...t, txnV2: true } : t;
  }

  /** TransactionMetadata.prepareComplete: PrepareCommit → CompleteCommit, PrepareAbort → CompleteAbort. */
  prepareComplete(nowMs: number): TxnTransit {
    const state = this.state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort';
    this.hasFailedEpochFence = false;
    const t = this.prepareTransitionTo(state, this.producerId, this.producerEpoch, this.lastProducerEpoch, {
      partitions: [],
      txnStartMs: this.txnStartMs,
      nowMs,
    });
    // The transition carries the metadata's clientTransactionVersion (4.0: prepareComplete
    // passes it on), so a TV2 transaction completes as TV2.
    return this.clientTxnV2 ? { ...t, txnV2: true } : t;
  }

  /** TransactionMetadata.removePartition: a marker is written (only while preparing). */
  removePartition(tp: string): void {
    if (this.state !== 'PrepareCommit' && this.state !== 'PrepareAbort')
      throw new Error(`${this.transactionalId}: removing ${tp} in state ${this.state}`);
    this.partitions.delete(tp);
  }

  private prepareTransitionTo(
    state: TxnState,
    producerId: number,
    epoch: number,
    lastEpoch: number,
    o: { partitions: readonly string[]; txnStartMs: number; nowMs: number; timeoutMs?: number },
  ): TxnTransit {
    if (this.pendingState !== null)
      throw new Error(`${this.transactionalId}: transition to ${state} while ${this.pendingState} is pending`);
    if (epoch < 0) throw new Error(`${this.transactionalId}: illegal producer epoch ${epoch}`);
    if (!validPrevious(state).includes(this.state))
      throw new Error(`${this.transactionalId}: ${this.state} is not a valid previous state of ${state}`);
    this.pendingState = state;
    return {
      transactionalId: this.transactionalId,
      producerId,
      lastProducerId: this.producerId,
      producerEpoch: epoch,
      lastProducerEpoch: lastEpoch,
      txnTimeoutMs: o.timeoutMs ?? this.txnTimeoutMs,
      state,
      partitions: [...new Set(o.partitions)].sort(),
      txnStartMs: o.txnStartMs,
      lastUpdateMs: o.nowMs,
    };
  }

  /**
   * TransactionMetadata.completeTransitionTo: the transition's record is committed; the
   * metadata takes it (the checks Kafka makes there throw here too).
   */
  completeTransitionTo(t: TxnTransit): void {
    if (this.pendingState !== t.state)
      throw new Error(`${this.transactionalId}: completing ${t.state} while ${String(this.pendingState)} is pending`);
    const sameEpoch = validProducerEpoch(this, t);
    switch (t.state) {
      case 'Empty':
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.producerId = t.producerId;
        this.lastProducerId = t.lastProducerId;
        break;
      case 'Ongoing':
        if (!sameEpoch) throw new Error(`${this.transactionalId}: Ongoing with another epoch`);
        this.txnStartMs = t.txnStartMs;
        for (const p of t.partitions) this.partitions.add(p);
        break;
      case 'PrepareCommit':
      case 'PrepareAbort':
        if (!sameEpoch) throw new Error(`${this.transactionalId}: ${t.state} with another epoch`);
        if (t.txnV2 === true) {
          // KIP-890 part 2: the bumped epoch is the transaction's from now on.
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
        }
        break;
      case 'CompleteCommit':
      case 'CompleteAbort':
        if (!sameEpoch) throw new Error(`${this.transactionalId}: ${t.state} with another epoch`);
        this.txnStartMs = t.txnStartMs;
        this.partitions.clear();
        if (t.txnV2 === true) {
          this.producerEpoch = t.producerEpoch;
          this.lastProducerEpoch = t.lastProducerEpoch;
        }
        break;
      case 'PrepareEpochFence':
        throw new Error(`${this.transactionalId}: PrepareEpochFence is never completed`);
      default:
        unknownState(t.state);
    }
    this.clientTxnV2 = t.txnV2 === true;
    this.lastUpdateMs = t.lastUpdateMs;
    this.pendingState = null;
    this.state = t.state;
  }
}

/**
 * TransactionMetadata.validProducerEpoch (4.0): a TV2 PrepareCommit/PrepareAbort carries the
 * bumped epoch, so its last epoch must be the current one; otherwise the epochs are equal
 * (producer id rotation on epoch overflow is left out: epochs never run out in a run).
 */
function validProducerEpoch(md: TxnMetadata, t: TxnTransit): boolean {
  const prepare = t.state === 'PrepareCommit' || t.state === 'PrepareAbort';
  const epoch = t.txnV2 === true && prepare ? t.lastProducerEpoch : t.producerEpoch;
  return epoch === md.producerEpoch && t.producerId === md.producerId;
}

/** TransactionLog.readTxnRecordValue: the metadata a loaded record describes. */
export function metadataFromRecord(t: TxnTransit): TxnMetadata {
  return new TxnMetadata(t.transactionalId, t);
}
