// The transaction coordinator hosted by a broker (issue 17 item 1): one TxnCoordinatorShard
// (txn-coordinator.ts) per `__transaction_state` partition this broker leads, the marker
// channel to partition leaders, and the WriteTxnMarkers handler every broker runs.
//
// Rules, each from Kafka's source (3.9.0-rc3):
// - Transactional ids are hashed onto partitions: TransactionStateManager.partitionFor =
//   Utils.abs(transactionalId.hashCode) % transaction.state.log.num.partitions.
// - FindCoordinator with key type TRANSACTION (KafkaApis.handleFindCoordinatorRequest): the
//   leader of the id's partition in the metadata image, or COORDINATOR_NOT_AVAILABLE.
// - Election (TransactionCoordinator.onElection): the coordinator epoch is the partition's
//   leader epoch; the load runs on the scheduler thread (modelled as LOAD_DELAY_US) and
//   requests meanwhile get COORDINATOR_LOAD_IN_PROGRESS. Resignation (onResignation) drops
//   the shard: its pending appends fail NOT_COORDINATOR, its markers are forgotten.
// - ZooKeeper mode: a LeaderAndIsr that makes a leader leader again in a later leader epoch
//   (the controller bumps it on every ISR change it makes) is no election: Partition.makeLeader
//   returns isNewLeader = !isLeader, false here, so ReplicaManager.makeLeaders leaves the
//   partition out of partitionsBecomeLeader and RequestHandlerHelper.onLeadershipChange calls
//   neither onElection nor onResignation. The shard goes on in its coordinator epoch, with its
//   cache, pending appends and markers; no reload (probe zk-txn-coordinator-kept-across-epoch).
// - Appends (TransactionStateManager.appendTransactionToLog): ReplicaManager.appendRecords
//   with requiredAcks = -1 and origin COORDINATOR: refused below min.insync.replicas
//   (transaction.state.log.min.isr is the topic's min.insync.replicas), complete when the HW
//   passes them.
// - Markers (TransactionMarkerChannelManager, an InterBrokerSendThread): one WriteTxnMarkers
//   per partition to the leader the image names; an unknown leader waits in the unknown-broker
//   queue (retried every MARKER_RETRY_US here), a request unanswered within request.timeout.ms
//   is a disconnect (TransactionMarkerRequestCompletionHandler: the markers are requeued).
// - WriteTxnMarkers at the partition leader (KafkaApis.handleWriteTxnMarkersRequest):
//   appendRecords(requiredAcks = -1, origin COORDINATOR) per partition, answered once the HW
//   passes the marker (Partition.writeTxnMarkerAndWait); a `__consumer_offsets` partition's
//   marker is the group coordinator's to write (groupCoordinator.completeTransaction, with the
//   new group coordinator; its COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS and
//   NOT_COORDINATOR answer NOT_LEADER_OR_FOLLOWER).
// - abortTimedOutTransactions every transaction.abort.timed.out.transaction.cleanup.interval.ms.
// - KIP-890 part 1, at partition leaders (AddPartitionsToTxnManager.verifyTransaction): a
//   transactional produce is verified with its transactional id's coordinator by an
//   AddPartitionsToTxn with verifyOnly (VerifyPartitionsInTxn here), answered by the shard.
// Assumes: records of `__transaction_state` are TxnTransit JSON (key = the transactional id).

import type { ErrorCode } from './client-protocol.ts';
import { OFFSETS_TOPIC, TXN_STATE_TOPIC, type KafkaConfig, type ProtocolVariant } from './config.ts';
import type { Partition } from './partition.ts';
import type { PartitionState } from './internal-protocol.ts';
import { laterEpochOfSameLeadership, offsetsTopicPartitions, partitionFor } from './group-host.ts';
import { codeProbe, codeProbeWith, type TxnLoaded } from './code-probes.ts';
import type { TxnTransit } from './txn-metadata.ts';
import { transactionV2Enabled } from './versions.ts';
import {
  TxnCoordinatorShard,
  notCoordinator,
  type MarkerSend,
  type TxnError,
  type TxnMessage,
  type TxnShardHost,
} from './txn-coordinator.ts';

/** TransactionStateManager's load runs on the scheduler thread: its time in the model. */
const LOAD_DELAY_US = 5_000;
/** The marker sender thread's retry of an unknown leader or a failed send (InterBrokerSendThread polls). */
const MARKER_RETRY_US = 100_000;

/** transaction.state.log.num.partitions as configured (Kafka's default 50). */
export function txnTopicPartitions(config: KafkaConfig): number {
  return config['transaction.state.log.num.partitions'] ?? 50;
}

/**
 * The producer id a `__transaction_state` record names (its value: the TxnTransit written by
 * TxnHost, TransactionLog.valueToBytes), undefined for anything else. For observers (the
 * promise tracker), which see records only as appended values.
 */
export function txnStateRecordProducerId(value: string): number | undefined {
  try {
    const t = JSON.parse(value) as Partial<TxnTransit> | null;
    return typeof t?.producerId === 'number' ? t.producerId : undefined;
  } catch {
    return undefined;
  }
}

/** TransactionStateManager.partitionFor. */
function txnPartitionFor(transactionalId: string, config: KafkaConfig): number {
  return partitionFor(transactionalId, txnTopicPartitions(config));
}

/** What the transaction host needs from its broker. */
export interface TxnHostBroker {
  readonly brokerId: number;
  readonly config: KafkaConfig;
  readonly variant: 'correct' | ProtocolVariant;
  readonly imagePartitions: ReadonlyMap<string, PartitionState[]>;
  readonly caughtUp: boolean;
  readonly zookeeperMode: boolean;
  nowUs(): number;
  send(to: number, msg: TxnMessage): void;
  setTimer(delayUs: number, tag: unknown): void;
  nextCorrelationId(): number;
  partition(topic: string, partition: number): Partition | undefined;
  allocateProducerId(): number;
  /**
   * WriteTxnMarkers for a `__consumer_offsets` partition, delegated to the group coordinator
   * (GroupCoordinator.completeTransaction); `done` gets the partition's error.
   */
  completeGroupTransaction(
    partition: number,
    marker: { producerId: number; producerEpoch: number; coordinatorEpoch: number; result: 'COMMIT' | 'ABORT' },
    timeoutMs: number,
    done: (error: ErrorCode) => void,
  ): void;
}

export type TxnTimerTag =
  | { readonly type: 'txn-load' | 'txn-expire'; readonly partition: number; readonly leaderEpoch: number }
  | { readonly type: 'txn-abort-scan' }
  | {
      readonly type: 'txn-marker-retry';
      readonly partition: number;
      readonly leaderEpoch: number;
      readonly m: MarkerSend;
    }
  | { readonly type: 'txn-marker-timeout' | 'txn-verify-timeout'; readonly correlationId: number };

/** What a verification comes back with: the coordinator's error, or NETWORK_EXCEPTION (no answer). */
export type VerificationError = TxnError | 'NETWORK_EXCEPTION';

interface InFlightMarker {
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly m: MarkerSend;
}

export class TxnHost {
  private readonly shards = new Map<number, TxnCoordinatorShard>();
  private readonly inFlight = new Map<number, InFlightMarker>();
  /** AddPartitionsToTxnManager's verifications on the wire, by correlation id (KIP-890). */
  private readonly verifications = new Map<number, (error: VerificationError) => void>();
  private scanArmed = false;

  constructor(private readonly broker: TxnHostBroker) {}

  /** The shard of `partition`, if this broker leads it (views, invariants, tests). */
  shard(partition: number): TxnCoordinatorShard | undefined {
    return this.shards.get(partition);
  }

  /** A `__transaction_state` replica changed role, epoch or HW: elect, resign, or complete appends. */
  onReplica(p: Partition): void {
    const s = this.shards.get(p.partition);
    if (s !== undefined && !this.stillCoordinates(p, s)) {
      this.shards.delete(p.partition);
      codeProbe('txn-coordinator-resigned');
      s.unload();
    }
    if (p.role !== 'leader') return;
    const now = this.shards.get(p.partition);
    if (now === undefined) return this.elect(p);
    if (now.isLoaded()) now.onHighWatermark(p.log.hw, !p.belowMinIsrAfterAppend());
  }

  private elect(p: Partition): void {
    const maxTimeoutMs = this.broker.config['transaction.max.timeout.ms'] ?? 900_000;
    const transactionV2 = transactionV2Enabled(this.broker.config, this.broker.variant);
    const config = { maxTimeoutMs, variant: this.broker.variant, transactionV2 };
    const shard = new TxnCoordinatorShard(p.partition, p.leaderEpoch, this.shardHost(p.partition), config);
    this.shards.set(p.partition, shard);
    this.broker.setTimer(LOAD_DELAY_US, { type: 'txn-load', partition: p.partition, leaderEpoch: p.leaderEpoch });
    if (!this.scanArmed) {
      this.scanArmed = true;
      this.broker.setTimer(this.abortScanIntervalUs(), { type: 'txn-abort-scan' } satisfies TxnTimerTag);
    }
  }

  private abortScanIntervalUs(): number {
    return (this.broker.config['transaction.abort.timed.out.transaction.cleanup.interval.ms'] ?? 10_000) * 1000;
  }

  /** The shard's view of its partition and of the network. */
  private shardHost(partition: number): TxnShardHost {
    const b = this.broker;
    return {
      nowMs: () => Math.floor(b.nowUs() / 1000),
      allocateProducerId: () => b.allocateProducerId(),
      append: (t: TxnTransit) => {
        const p = b.partition(TXN_STATE_TOPIC, partition);
        if (p === undefined || p.role !== 'leader') return { error: 'NOT_LEADER_OR_FOLLOWER' };
        if (p.belowMinIsr()) return { error: 'NOT_ENOUGH_REPLICAS' };
        const offset = p.appendAsCoordinator([{ key: t.transactionalId, value: JSON.stringify(t) }]);
        this.armExpiry(partition);
        return { error: 'NONE', offset };
      },
      sendMarker: (m: MarkerSend) => this.sendMarker(partition, m),
      offsetsPartitionOf: (groupId: string) =>
        `${OFFSETS_TOPIC}/${partitionFor(groupId, offsetsTopicPartitions(b.config))}`,
    };
  }

  private armExpiry(partition: number): void {
    const s = this.shards.get(partition);
    if (s === undefined) return;
    const at = s.nextWriteDeadlineMs();
    if (at === Number.POSITIVE_INFINITY) return;
    const delayUs = Math.max(0, at * 1000 - this.broker.nowUs()) + 1000;
    this.broker.setTimer(delayUs, { type: 'txn-expire', partition, leaderEpoch: s.coordinatorEpoch });
  }

  private sendMarker(partition: number, m: MarkerSend): void {
    const s = this.shards.get(partition);
    if (s === undefined || s.coordinatorEpoch !== m.coordinatorEpoch) return;
    const slash = m.tp.lastIndexOf('/');
    const topic = m.tp.slice(0, slash);
    const tpPartition = Number(m.tp.slice(slash + 1));
    const leader = this.broker.imagePartitions.get(topic)?.[tpPartition]?.leader ?? -1;
    if (leader < 0) {
      codeProbe('txn-marker-leader-unknown');
      return this.retryMarker(partition, m);
    }
    const correlationId = this.broker.nextCorrelationId();
    this.inFlight.set(correlationId, { partition, leaderEpoch: m.coordinatorEpoch, m });
    this.broker.send(leader, {
      type: 'WriteTxnMarkersRequest',
      correlationId,
      producerId: m.producerId,
      producerEpoch: m.producerEpoch,
      coordinatorEpoch: m.coordinatorEpoch,
      result: m.result,
      topic,
      partition: tpPartition,
    });
    const timeoutUs = (this.broker.config['request.timeout.ms'] ?? 30_000) * 1000;
    this.broker.setTimer(timeoutUs, { type: 'txn-marker-timeout', correlationId } satisfies TxnTimerTag);
  }

  private retryMarker(partition: number, m: MarkerSend): void {
    const tag: TxnTimerTag = { type: 'txn-marker-retry', partition, leaderEpoch: m.coordinatorEpoch, m };
    this.broker.setTimer(MARKER_RETRY_US, tag);
  }

  /** The leader's answer to one marker (TransactionMarkerRequestCompletionHandler). */
  onMarkerResponse(msg: Extract<TxnMessage, { type: 'WriteTxnMarkersResponse' }>): void {
    this.markerAnswered(msg.correlationId, msg.error);
  }

  private markerAnswered(correlationId: number, error: ErrorCode | 'DISCONNECTED'): void {
    const f = this.inFlight.get(correlationId);
    if (f === undefined) return;
    this.inFlight.delete(correlationId);
    const s = this.shards.get(f.partition);
    if (s === undefined || s.coordinatorEpoch !== f.leaderEpoch) return;
    if (s.onMarkerResult(f.m, error) === 'retry') this.retryMarker(f.partition, f.m);
  }

  onTimer(tag: TxnTimerTag): void {
    switch (tag.type) {
      case 'txn-abort-scan':
        return this.abortScan();
      case 'txn-marker-timeout':
        return this.markerAnswered(tag.correlationId, 'DISCONNECTED');
      case 'txn-verify-timeout':
        return this.verificationAnswered(tag.correlationId, 'NETWORK_EXCEPTION');
      case 'txn-marker-retry': {
        const s = this.shards.get(tag.partition);
        if (s === undefined || s.coordinatorEpoch !== tag.leaderEpoch || !s.markerWanted(tag.m)) return;
        return this.sendMarker(tag.partition, tag.m);
      }
      case 'txn-load':
      case 'txn-expire':
        return this.onShardTimer(tag);
      default:
        return unknownTag(tag);
    }
  }

  private abortScan(): void {
    const nowMs = Math.floor(this.broker.nowUs() / 1000);
    for (const [partition, s] of [...this.shards]) {
      if (!this.leads(partition, s)) continue;
      s.abortTimedOutTransactions(nowMs);
      // TransactionMarkerChannelManager.generateRequests: retryLogAppends first.
      if (s.hasRetryAppends()) s.retryLogAppends();
    }
    this.broker.setTimer(this.abortScanIntervalUs(), { type: 'txn-abort-scan' } satisfies TxnTimerTag);
  }

  private leads(partition: number, s: TxnCoordinatorShard): boolean {
    const p = this.broker.partition(TXN_STATE_TOPIC, partition);
    return p !== undefined && this.shards.get(partition) === s && this.stillCoordinates(p, s);
  }

  /**
   * Is shard `s` (elected in its coordinator epoch) still the coordinator of `p`? While `p` is
   * led here in that epoch; in ZooKeeper mode also in a later leader epoch of the same
   * leadership (laterEpochOfSameLeadership: no TransactionCoordinator.onElection; a shard is
   * dropped whenever its partition stops being led here). KRaft mode elects again there
   * (BrokerMetadataPublisher.updateCoordinator → onElection reloads).
   */
  private stillCoordinates(p: Partition, s: TxnCoordinatorShard): boolean {
    if (p.role !== 'leader') return false;
    if (p.leaderEpoch === s.coordinatorEpoch) return true;
    if (!laterEpochOfSameLeadership(this.broker.zookeeperMode, p, s.coordinatorEpoch)) return false;
    codeProbe('zk-txn-coordinator-kept-across-epoch');
    return true;
  }

  private onShardTimer(tag: { type: 'txn-load' | 'txn-expire'; partition: number; leaderEpoch: number }): void {
    const s = this.shards.get(tag.partition);
    if (s === undefined || s.coordinatorEpoch !== tag.leaderEpoch || !this.leads(tag.partition, s)) return;
    const p = this.broker.partition(TXN_STATE_TOPIC, tag.partition) as Partition;
    if (tag.type === 'txn-expire') {
      s.expireWrites(Math.floor(this.broker.nowUs() / 1000));
      this.armExpiry(tag.partition);
      return;
    }
    if (s.isLoaded()) return;
    const records = p.log.dataRecords();
    const hw = p.log.hw;
    let committed = 0;
    while (committed < records.length && records[committed].offset < hw) committed++;
    const transits = loadableTransits(records);
    codeProbeWith(
      'txn-coordinator-loaded',
      loadedContext(tag.partition, s.coordinatorEpoch, transits, Math.floor(this.broker.nowUs() / 1000)),
    );
    s.load(transits, hw, Math.min(committed, transits.length));
  }

  /**
   * AddPartitionsToTxnManager.verifyTransaction (KIP-890 part 1): an AddPartitionsToTxn with
   * verifyOnly to the coordinator of the transactional id, the leader of its
   * `__transaction_state` partition in the metadata image (getTransactionCoordinator); none →
   * COORDINATOR_NOT_AVAILABLE at once; no answer within request.timeout.ms (the
   * InterBrokerSendThread's timeout) → NETWORK_EXCEPTION. The model sends each verification
   * at once, one partition per request, not batched per coordinator node. With
   * `addPartition` (KIP-890 part 2: a produce v12 of a transaction.version 2 client,
   * transactionSupportedOperation addPartition) the request is not verifyOnly: the coordinator
   * adds the partition.
   */
  verifyTransaction(
    ids: { transactionalId: string; producerId: number; producerEpoch: number },
    partition: string,
    callback: (error: VerificationError) => void,
    addPartition = false,
  ): void {
    const node = this.findCoordinator(ids.transactionalId);
    if (node < 0) return callback('COORDINATOR_NOT_AVAILABLE');
    codeProbe('txn-verification-requested');
    const correlationId = this.broker.nextCorrelationId();
    this.verifications.set(correlationId, callback);
    const add = addPartition ? { addPartition: true as const } : {};
    this.broker.send(node, {
      type: 'TxnRequest',
      correlationId,
      body: { type: 'VerifyPartitionsInTxn', ...ids, partition, ...add },
    });
    const timeoutUs = (this.broker.config['request.timeout.ms'] ?? 30_000) * 1000;
    this.broker.setTimer(timeoutUs, { type: 'txn-verify-timeout', correlationId } satisfies TxnTimerTag);
  }

  /** A coordinator's answer to a verification (AddPartitionsToTxnHandler.onComplete). */
  onTxnResponse(msg: Extract<TxnMessage, { type: 'TxnResponse' }>): void {
    if (msg.body.type !== 'VerifyPartitionsInTxn') return;
    this.verificationAnswered(msg.correlationId, msg.body.error);
  }

  private verificationAnswered(correlationId: number, error: VerificationError): void {
    const callback = this.verifications.get(correlationId);
    if (callback === undefined) return;
    this.verifications.delete(correlationId);
    callback(error);
  }

  /** FindCoordinator, key type TRANSACTION. */
  findCoordinator(transactionalId: string): number {
    const n = txnTopicPartitions(this.broker.config);
    const s = this.broker.imagePartitions.get(TXN_STATE_TOPIC)?.[partitionFor(transactionalId, n)];
    return s === undefined ? -1 : s.leader;
  }

  /** A request for the coordinator of its transactional id: to the shard, if this broker leads its partition. */
  handleTxnRequest(from: number, msg: Extract<TxnMessage, { type: 'TxnRequest' }>): void {
    const partition = txnPartitionFor(msg.body.transactionalId, this.broker.config);
    const s = this.shards.get(partition);
    const reply = (body: Extract<TxnMessage, { type: 'TxnResponse' }>['body']): void =>
      this.broker.send(from, { type: 'TxnResponse', correlationId: msg.correlationId, body });
    if (s === undefined || !this.leads(partition, s) || !this.broker.caughtUp)
      return reply(notCoordinator(msg.body.type));
    s.handle(msg.body, reply);
  }

  /** KafkaApis.handleWriteTxnMarkersRequest for one partition. */
  handleWriteTxnMarkers(from: number, msg: Extract<TxnMessage, { type: 'WriteTxnMarkersRequest' }>): void {
    const p = this.broker.partition(msg.topic, msg.partition);
    const answer = (error: ErrorCode): void =>
      this.broker.send(from, {
        type: 'WriteTxnMarkersResponse',
        correlationId: msg.correlationId,
        topic: msg.topic,
        partition: msg.partition,
        error,
      });
    if (p === undefined || !this.broker.caughtUp) return answer('NOT_LEADER_OR_FOLLOWER');
    const timeoutMs = this.broker.config['request.timeout.ms'] ?? 30_000;
    if (msg.topic === OFFSETS_TOPIC) {
      // "When the new group coordinator is used, writing the end marker is fully delegated to
      // the group coordinator" (groupCoordinator.completeTransaction).
      const { producerId, producerEpoch, coordinatorEpoch, result } = msg;
      const m = { producerId, producerEpoch, coordinatorEpoch, result };
      return this.broker.completeGroupTransaction(msg.partition, m, timeoutMs, answer);
    }
    const marker = { type: msg.result, coordinatorEpoch: msg.coordinatorEpoch } as const;
    const v2 = transactionV2Enabled(this.broker.config, this.broker.variant);
    p.writeTxnMarkerAndWait(msg.producerId, msg.producerEpoch, marker, timeoutMs, (error) => {
      if (error === 'INVALID_PRODUCER_EPOCH' && v2) codeProbe('txn-v2-marker-fenced');
      answer(error);
    });
  }
}

function unknownTag(t: never): never {
  throw new Error(`unknown transaction timer ${JSON.stringify(t)}`);
}

/**
 * The records a coordinator's load reads: TransactionStateManager.loadTransactionsFromLog wraps
 * its read loop in `catch { case t: Throwable => error(...) }` (3.9.0-rc3), so a record it cannot
 * read (a torn tail that a broken recovery kept: variant recovery-trusts-tail, seed 1000114) ends
 * the load there and the partition is served with what was read before it.
 */
/** `txn-coordinator-loaded`'s context: each transactional id's loaded state (its last record). */
function loadedContext(partition: number, epoch: number, transits: readonly TxnTransit[], nowMs: number): TxnLoaded {
  const last = new Map<string, TxnTransit>();
  for (const t of transits) last.set(t.transactionalId, t);
  const txns = [...last.values()].map((t) => ({
    transactionalId: t.transactionalId,
    producerId: t.producerId,
    producerEpoch: t.producerEpoch,
    state: t.state,
    partitions: t.partitions,
  }));
  return { txnStatePartition: partition, coordinatorEpoch: epoch, atMs: nowMs, txns };
}

function loadableTransits(records: readonly { value: string }[]): TxnTransit[] {
  const out: TxnTransit[] = [];
  for (const r of records) {
    try {
      out.push(JSON.parse(r.value) as TxnTransit);
    } catch {
      break;
    }
  }
  return out;
}
