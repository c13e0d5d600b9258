// The group coordinator hosted by a broker (issue 15): one GroupCoordinatorShard
// (group-coordinator.ts) per `__consumer_offsets` partition this broker leads, as Kafka's
// CoordinatorRuntime runs GroupCoordinatorShard on the partition leaders.
//
// Rules, each from Kafka's source:
// - Groups are hashed onto partitions: GroupCoordinatorService.partitionFor =
//   Utils.abs(groupId.hashCode()) % offsets.topic.num.partitions (Java's String.hashCode;
//   Utils.abs maps Integer.MIN_VALUE to 0).
// - FindCoordinator (KafkaApis.handleFindCoordinatorRequest): any broker names the leader of
//   the group's partition from its metadata image, or COORDINATOR_NOT_AVAILABLE when it has
//   none (or the topic is not there yet).
// - Becoming leader of a partition (CoordinatorRuntime.scheduleLoadOperation, called from
//   the broker's metadata publisher on election) creates a shard that answers
//   COORDINATOR_LOAD_IN_PROGRESS until CoordinatorLoaderImpl has replayed the whole log (read
//   with FetchIsolation.LOG_END), then serves; the load runs on the loader thread, modelled as
//   a delay of LOAD_DELAY_US. Losing leadership (scheduleUnloadOperation) discards the shard
//   and fails its pending writes NOT_COORDINATOR.
// - Writes (CoordinatorPartitionWriter.append) append to the local leader with requiredAcks
//   = 1, no min ISR check; the runtime answers a write once the partition's HW passes it
//   (CoordinatorRuntime.onHighWatermarkUpdated): acks=all semantics.
// - A request for a partition this broker does not lead is answered NOT_COORDINATOR
//   (CoordinatorRuntime.scheduleWriteOperation: NotCoordinatorException).
// Zoo variants (model switches, issue 15): coordinator-acks-1 answers writes at append;
// coordinator-serves-before-load serves a new leadership at once from an empty state (no load);
// stale-coordinator-cache (KAFKA-7447) keeps the shard of a resigned leadership and, leading the
// partition again, serves the groups it cached then instead of its log's. Kafka guards against
// that by ordering loads and unloads by the partition's leader epoch: CoordinatorRuntime
// .scheduleUnloadOperation closes and removes the context of an older epoch, and
// scheduleLoadOperation loads a new one (before KAFKA-10614, GroupMetadataManager's unload and
// load ran unordered and loadGroup kept an already-cached group: putIfNotExists).
//
// Assumes: records of `__consumer_offsets` are the shard's GroupRecords, JSON in the record
// value (key = the group id), appended by the leader with no producer id.

import type { ModelProbe } from './cluster-api.ts';
import type { ClientRequest, ClientResponse, ErrorCode, LogRecord } from './client-protocol.ts';
import { OFFSETS_TOPIC, type KafkaConfig, type ProtocolVariant } from './config.ts';
import type { Partition } from './partition.ts';
import type { PartitionState } from './internal-protocol.ts';
import type { TxnHost, VerificationError } from './txn-host.ts';
import { rulesOf } from './versions.ts';
import { SENTINEL_GUARD } from './partition.ts';
import {
  GroupCoordinatorShard,
  type Effect,
  type GroupRecord,
  type GroupError,
  type GroupRequest,
  type GroupResponse,
  type LoadedRecord,
  type Reply,
} from './group-coordinator.ts';
import { unreachable } from './client-net.ts';
import { codeProbe, codeProbeWith } from './code-probes.ts';

/** CoordinatorLoaderImpl runs on its own thread: the time a load takes in the model. */
const LOAD_DELAY_US = 5_000;

/** Java's String.hashCode (UTF-16 code units, 32-bit wrap-around). */
export function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** GroupCoordinatorService.partitionFor: Utils.abs(groupId.hashCode()) % partitions. */
export function partitionFor(group: string, partitions: number): number {
  const h = javaStringHash(group);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % partitions;
}

/**
 * ZooKeeper mode: `p` is led here in a later leader epoch than `coordinatorEpoch`, the epoch of a
 * coordinator this broker runs for it (the controller bumps the leader epoch on every ISR change it
 * makes). That is no election: Partition.makeLeader returns isNewLeader = !isLeader, so
 * ReplicaManager.makeLeaders leaves the partition out of partitionsBecomeLeader and
 * RequestHandlerHelper.onLeadershipChange calls neither onElection nor onResignation of the group
 * or the transaction coordinator (3.9.0-rc3): the coordinator goes on. KRaft mode elects again
 * there (TopicDelta.localChanges: electedLeaders on a leader epoch bump).
 */
export function laterEpochOfSameLeadership(zookeeperMode: boolean, p: Partition, coordinatorEpoch: number): boolean {
  return zookeeperMode && p.role === 'leader' && p.leaderEpoch > coordinatorEpoch;
}

/** offsets.topic.num.partitions as configured (Kafka's default 50). */
export function offsetsTopicPartitions(config: KafkaConfig): number {
  return config['offsets.topic.num.partitions'] ?? 50;
}

/** A member handed a generation (classic) or member epoch (KIP-848) by a `__consumer_offsets` record. */
export interface GroupHandOut {
  group: string;
  member: string;
  generation: number;
}

/**
 * The hand-outs a `__consumer_offsets` record's value carries: a GroupMetadata record names its
 * generation and each member given an assignment in it (GroupMetadataManager
 * .classicGroupSyncToClassicGroup appends newGroupMetadataRecord and answers the SyncGroups once
 * it is committed); a ConsumerGroupCurrentMemberAssignment record the member's new epoch
 * (GroupMetadataManager.maybeReconcile appends newCurrentAssignmentRecord, and the heartbeat is
 * answered once it is committed) @ 3.9.0-rc3. Anything else (an offset commit, a tombstone, a
 * marker): none.
 */
export function groupRecordHandOuts(value: string): GroupHandOut[] {
  let r: Partial<GroupRecord> | null;
  try {
    r = JSON.parse(value) as Partial<GroupRecord> | null;
  } catch {
    return [];
  }
  if (r?.type === 'GroupMetadata') {
    const g = r as Extract<GroupRecord, { type: 'GroupMetadata' }>;
    return g.members.map((m) => ({ group: g.group, member: m.memberId, generation: g.generation }));
  }
  if (r?.type === 'ConsumerGroupCurrentMemberAssignment') {
    const c = r as Extract<GroupRecord, { type: 'ConsumerGroupCurrentMemberAssignment' }>;
    return c.value === null ? [] : [{ group: c.group, member: c.memberId, generation: c.value.memberEpoch }];
  }
  return [];
}

/** What the group host needs from its broker. */
export interface GroupHostBroker {
  readonly brokerId: number;
  readonly config: KafkaConfig;
  readonly variant: 'correct' | ProtocolVariant;
  readonly imagePartitions: ReadonlyMap<string, PartitionState[]>;
  readonly caughtUp: boolean;
  nowUs(): number;
  send(to: number, msg: ClientResponse): void;
  emit(event: ModelProbe): void;
  setTimer(delayUs: number, tag: unknown): void;
  partition(topic: string, partition: number): Partition | undefined;
  /** The broker's AddPartitionsToTxnManager (txn-host.ts verifyTransaction). */
  readonly txns: Pick<TxnHost, 'verifyTransaction'>;
  /** ZooKeeper mode: Kafka 3.x runs the Scala GroupCoordinator there, whose offset writes are acks=-1. */
  readonly zookeeperMode: boolean;
}

export interface GroupTimerTag {
  readonly type: 'group-load' | 'group-expire';
  readonly partition: number;
  readonly leaderEpoch: number;
}

interface Hosted {
  shard: GroupCoordinatorShard;
  /** The leader epoch this coordinator was elected in: its timers carry this epoch or a later one. */
  readonly electedEpoch: number;
  /**
   * The leader epoch this coordinator serves in: the shard's own, or (ZooKeeper mode) a later
   * epoch of the same leadership, raised without a reload (raiseEpoch).
   */
  epoch: number;
  /** Pending requests: token → (client, correlation id). */
  clients: Map<number, { to: number; correlationId: number }>;
  armedAtUs: number;
  /** Markers written for WriteTxnMarkers, answered once the HW passes them (deferredEventQueue). */
  markerWaits: Array<{ offset: number; deadlineUs: number; done: (error: ErrorCode) => void }>;
}

/** A `__consumer_offsets` record as the load reads it: a group record or a transaction marker. */
function loadedRecord(r: LogRecord): LoadedRecord {
  if (r.control !== undefined)
    return { offset: r.offset, marker: { producerId: r.producerId, result: r.control.type } };
  const record = JSON.parse(r.value) as GroupRecord;
  return r.producerId >= 0 ? { offset: r.offset, record, producerId: r.producerId } : { offset: r.offset, record };
}

/**
 * A record's value for the coordinator invariants' replay: a marker, or a transactional
 * record with its batch's producer id, as JSON; a plain group record as it is.
 */
function servedValue(r: LogRecord): string {
  if (r.control !== undefined)
    return JSON.stringify({ type: 'EndTxnMarker', producerId: r.producerId, result: r.control.type });
  if (r.producerId < 0) return r.value;
  return JSON.stringify({ ...(JSON.parse(r.value) as object), producerId: r.producerId });
}

export class GroupHost {
  private readonly hosted = new Map<number, Hosted>();
  /** Variant stale-coordinator-cache: the shard each resigned leadership left behind. */
  private readonly staleShards = new Map<number, GroupCoordinatorShard>();
  private nextToken = 1;

  constructor(private readonly broker: GroupHostBroker) {}

  /** The shard of `partition`, if this broker leads it (views, invariants, tests). */
  shard(partition: number): GroupCoordinatorShard | undefined {
    return this.hosted.get(partition)?.shard;
  }

  /**
   * A replica of `__consumer_offsets` changed role, epoch or HW (the partition's 'replica'
   * announcement): elect or resign the coordinator (GroupCoordinatorService.onElection /
   * onResignation), or answer the writes the HW now covers.
   */
  onReplica(p: Partition): void {
    const h = this.hosted.get(p.partition);
    if (h !== undefined && laterEpochOfSameLeadership(this.broker.zookeeperMode, p, h.epoch)) this.raiseEpoch(h, p);
    if (h !== undefined && (p.role !== 'leader' || p.leaderEpoch !== h.epoch)) this.resign(p.partition, h);
    if (p.role !== 'leader') return;
    const now = this.hosted.get(p.partition);
    if (now === undefined) return this.elect(p);
    if (now.shard.isLoaded()) this.deliver(now, this.committedReplies(p, now.shard.advanceCommitted(p.log.hw)));
    this.completeMarkers(now, p.log.hw);
  }

  /**
   * ZooKeeper mode, a later leader epoch of this leadership (laterEpochOfSameLeadership: no
   * GroupCoordinator.onElection): the groups stay as cached, pending writes go on, and a load
   * under way ends when it would have (its timer and the armed expiry timer stay valid:
   * timerOfThisLeadership). The epoch is raised only so that the hosted coordinator follows the
   * partition's epoch (onReplica resigns on any other change).
   */
  private raiseEpoch(h: Hosted, p: Partition): void {
    codeProbe('zk-group-coordinator-epoch-raised');
    h.epoch = p.leaderEpoch;
  }

  /**
   * Was a timer tagged `leaderEpoch` set by coordinator `h`? Its leadership began in its elected
   * epoch and has run, in ZooKeeper mode, up to `h.epoch`; an earlier leadership of this broker
   * ended below `h.electedEpoch`.
   */
  private timerOfThisLeadership(h: Hosted, leaderEpoch: number): boolean {
    return leaderEpoch >= h.electedEpoch && leaderEpoch <= h.epoch;
  }

  /** Markers below the HW are written: WriteTxnMarkers answers NONE for them. */
  private completeMarkers(h: Hosted, hw: number): void {
    if (h.markerWaits.length === 0) return;
    const done = h.markerWaits.filter((w) => w.offset < hw);
    h.markerWaits = h.markerWaits.filter((w) => w.offset >= hw);
    for (const w of done) w.done('NONE');
  }

  /**
   * GroupCoordinatorService.completeTransaction → CoordinatorRuntime.scheduleTransactionCompletion
   * for a marker of WriteTxnMarkers (KafkaApis.handleWriteTxnMarkersRequest with the new group
   * coordinator). Not leading or not loaded (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS:
   * withActiveContextOrThrow) answers NOT_LEADER_OR_FOLLOWER, as KafkaApis translates them.
   * CoordinatorContext.completeTransaction appends the marker (requiredAcks = 1; the producer
   * state's checks may refuse it) and replays it (replayEndTransactionMarker; Kafka replays
   * first and reverts on a failed append, the same state); the answer waits for the HW
   * (deferredEventQueue), or times out (OperationTimeout: REQUEST_TIMED_OUT).
   */
  completeTransaction(
    partition: number,
    m: { producerId: number; producerEpoch: number; coordinatorEpoch: number; result: 'COMMIT' | 'ABORT' },
    timeoutMs: number,
    done: (error: ErrorCode) => void,
  ): void {
    const h = this.hosted.get(partition);
    const p = this.broker.partition(OFFSETS_TOPIC, partition);
    if (h === undefined || p === undefined || p.role !== 'leader' || !h.shard.isLoaded()) {
      codeProbe('group-txn-marker-refused');
      return done('NOT_LEADER_OR_FOLLOWER');
    }
    const marker = { type: m.result, coordinatorEpoch: m.coordinatorEpoch } as const;
    const r = p.appendMarkerAsCoordinator(m.producerId, m.producerEpoch, marker);
    if (r.error !== 'NONE') {
      codeProbe('group-txn-marker-refused');
      return done(r.error);
    }
    h.shard.replayEndTransactionMarker(m.producerId, m.result);
    h.markerWaits.push({ offset: r.offset, deadlineUs: this.broker.nowUs() + timeoutMs * 1000, done });
    this.completeMarkers(h, p.log.hw);
    this.arm(h);
  }

  private elect(p: Partition): void {
    const c = this.broker.config;
    const config = {
      'group.initial.rebalance.delay.ms': c['group.initial.rebalance.delay.ms'] ?? 3000,
      // GroupCoordinatorConfig: KIP-848's session timeout (45 s) and heartbeat interval (5 s)
      'group.consumer.session.timeout.ms': c['group.consumer.session.timeout.ms'] ?? 45_000,
      'group.consumer.heartbeat.interval.ms': c['group.consumer.heartbeat.interval.ms'] ?? 5_000,
      // the subscribed topics' partition counts, from the broker's metadata image
      topicPartitions: (topic: string): number => this.broker.imagePartitions.get(topic)?.length ?? -1,
      acceptStaleCommits: this.broker.variant === 'stale-generation-commit',
    };
    const shard = new GroupCoordinatorShard(p.partition, p.leaderEpoch, config);
    const h: Hosted = {
      shard,
      electedEpoch: p.leaderEpoch,
      epoch: p.leaderEpoch,
      clients: new Map(),
      armedAtUs: Number.POSITIVE_INFINITY,
      markerWaits: [],
    };
    this.hosted.set(p.partition, h);
    const at = { broker: this.broker.brokerId, partition: p.partition, leaderEpoch: p.leaderEpoch };
    codeProbeWith('group-coordinator-elected', { ...at, atUs: this.broker.nowUs() });
    if (this.broker.variant === 'coordinator-serves-before-load') {
      // Variant: serves at once, from an empty state; the log is never replayed.
      shard.load([], p.log.hw, this.broker.nowUs());
      this.announceServing(p, h);
      return;
    }
    const tag: GroupTimerTag = { type: 'group-load', partition: p.partition, leaderEpoch: p.leaderEpoch };
    this.broker.setTimer(LOAD_DELAY_US, tag);
  }

  private resign(partition: number, h: Hosted): void {
    this.hosted.delete(partition);
    codeProbe('group-coordinator-resigned');
    this.deliver(h, h.shard.unload());
    // CoordinatorRuntime unload: the deferred events fail (NotCoordinatorException → NOT_LEADER_OR_FOLLOWER).
    const waits = h.markerWaits;
    h.markerWaits = [];
    for (const w of waits) w.done('NOT_LEADER_OR_FOLLOWER');
    // Variant: the unloaded shard's groups stay cached (never removed from the cache).
    if (this.broker.variant === 'stale-coordinator-cache') this.staleShards.set(partition, h.shard);
  }

  onTimer(tag: GroupTimerTag): void {
    const h = this.hosted.get(tag.partition);
    if (h === undefined || !this.timerOfThisLeadership(h, tag.leaderEpoch)) return;
    const p = this.broker.partition(OFFSETS_TOPIC, tag.partition);
    if (p === undefined || p.role !== 'leader') return;
    const now = this.broker.nowUs();
    if (tag.type === 'group-load') {
      if (h.shard.isLoaded()) return;
      codeProbe('group-coordinator-loaded');
      const records = p.log.dataRecords().map(loadedRecord);
      const stale = this.staleShards.get(tag.partition);
      if (stale !== undefined) {
        // Variant stale-coordinator-cache: the groups cached by an earlier leadership win over the log.
        codeProbe('group-coordinator-stale-cache-served');
        this.staleShards.delete(tag.partition);
        h.shard.loadKeepingCache(stale, records, p.log.hw, now);
      } else h.shard.load(records, p.log.hw, now);
      if (h.shard.hasAnyPendingTxnOffsets()) codeProbe('group-txn-pending-offsets-loaded');
      this.announceServing(p, h);
      this.arm(h);
      return;
    }
    h.armedAtUs = Number.POSITIVE_INFINITY;
    if (h.shard.nextDeadlineUs() <= now) this.apply(h, p, h.shard.expire(now));
    const expired = h.markerWaits.filter((w) => w.deadlineUs <= now);
    h.markerWaits = h.markerWaits.filter((w) => w.deadlineUs > now);
    for (const w of expired) w.done('REQUEST_TIMED_OUT');
    this.arm(h);
  }

  /** The coordinator serves from now on: its groups and the log it loaded (the coordinator invariants). */
  private announceServing(p: Partition, h: Hosted): void {
    const shard = h.shard;
    this.broker.emit({
      kind: 'coordinator-serving',
      broker: this.broker.brokerId,
      partition: p.partition,
      leaderEpoch: h.epoch,
      groups: shard.groupStates(),
      log: p.log.dataRecords().map(servedValue),
    });
  }

  private arm(h: Hosted): void {
    let at = h.shard.nextDeadlineUs();
    for (const w of h.markerWaits) at = Math.min(at, w.deadlineUs);
    if (at === Number.POSITIVE_INFINITY || at >= h.armedAtUs) return;
    h.armedAtUs = at;
    const tag: GroupTimerTag = { type: 'group-expire', partition: h.shard.partition, leaderEpoch: h.epoch };
    this.broker.setTimer(Math.max(0, at - this.broker.nowUs()), tag);
  }

  /** KafkaApis.handleFindCoordinatorRequest (key type GROUP). */
  handleFindCoordinator(from: number, msg: Extract<ClientRequest, { type: 'FindCoordinatorRequest' }>): void {
    const n = offsetsTopicPartitions(this.broker.config);
    const s = this.broker.imagePartitions.get(OFFSETS_TOPIC)?.[partitionFor(msg.group, n)];
    const leader = s === undefined ? -1 : s.leader;
    this.broker.send(from, {
      type: 'FindCoordinatorResponse',
      correlationId: msg.correlationId,
      error: leader < 0 ? 'COORDINATOR_NOT_AVAILABLE' : 'NONE',
      nodeId: leader,
    });
  }

  /** A group or offset request: to the shard of the group's partition, if this broker leads it. */
  handleGroupRequest(from: number, msg: Extract<ClientRequest, { type: 'GroupRequest' }>): void {
    const partition = partitionFor(msg.body.group, offsetsTopicPartitions(this.broker.config));
    const h = this.hosted.get(partition);
    const p = this.broker.partition(OFFSETS_TOPIC, partition);
    if (h === undefined || p === undefined || p.role !== 'leader' || !this.broker.caughtUp) {
      const body = notCoordinator(msg.body.type);
      this.broker.send(from, { type: 'GroupResponse', correlationId: msg.correlationId, body });
      return;
    }
    const body = msg.body;
    if (body.type === 'TxnOffsetCommit' && this.verifiesTxnOffsetCommit(p))
      return this.verifyThenCommit(from, msg.correlationId, body, p);
    this.handleHere(h, p, from, msg.correlationId, body);
  }

  private handleHere(h: Hosted, p: Partition, from: number, correlationId: number, body: GroupRequest, guard?: number) {
    if (this.offsetWriteRefused(h, p, body)) {
      const error: GroupError = 'COORDINATOR_NOT_AVAILABLE';
      const reply: GroupResponse =
        body.type === 'OffsetCommit' ? { type: body.type, error } : { type: 'TxnOffsetCommit', error };
      this.broker.send(from, { type: 'GroupResponse', correlationId, body: reply });
      return;
    }
    const token = this.nextToken++;
    h.clients.set(token, { to: from, correlationId });
    this.apply(h, p, h.shard.handle(token, body, this.broker.nowUs()), guard);
    this.arm(h);
  }

  /**
   * ZooKeeper mode's Scala GroupCoordinator (3.x): GroupMetadataManager.storeOffsets appends through
   * appendForGroup with requiredAcks = offsets.commit.required.acks (-1), so Partition
   * .appendRecordsToLeader refuses it while the ISR is below min.insync.replicas
   * (NotEnoughReplicasException), which storeOffsets answers COORDINATOR_NOT_AVAILABLE
   * (maybeConvertOffsetCommitError). The model refuses before the shard handles the commit, so a
   * commit the group would refuse (ILLEGAL_GENERATION…) is refused COORDINATOR_NOT_AVAILABLE
   * instead while below min ISR (GroupCoordinator.doCommitOffsets validates first): the member
   * retries and gets the group's answer once the ISR is back.
   */
  private offsetWriteRefused(h: Hosted, p: Partition, body: GroupRequest): boolean {
    if (!this.broker.zookeeperMode || !h.shard.isLoaded()) return false;
    if (body.type !== 'OffsetCommit' && body.type !== 'TxnOffsetCommit') return false;
    if (!p.belowMinIsr()) return false;
    codeProbe('zk-group-commit-not-enough-replicas');
    return true;
  }

  /**
   * The writes the HW passed, answered. ZooKeeper mode's Scala coordinator answers an offset commit
   * when its DelayedProduce completes: Partition.checkEnoughReplicasReachOffset gives
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND once the HW passes it while the maximal ISR is below
   * min.insync.replicas (possible before 3.7, whose HW advances under min ISR), which storeOffsets
   * answers COORDINATOR_NOT_AVAILABLE; the record stays in the log (its offset is what a load reads).
   */
  private committedReplies(p: Partition, replies: Reply[]): Reply[] {
    if (!this.broker.zookeeperMode || !p.belowMinIsrAfterAppend()) return replies;
    return replies.map((r) => {
      const type = r.response.type;
      if ((type !== 'OffsetCommit' && type !== 'TxnOffsetCommit') || r.response.error !== 'NONE') return r;
      codeProbe('zk-group-commit-not-enough-replicas-after-append');
      return { token: r.token, response: { type, error: 'COORDINATOR_NOT_AVAILABLE' } };
    });
  }

  /** transaction.partition.verification.enable , in a version that verifies offsets (3.7+). */
  private verifiesTxnOffsetCommit(p: Partition): boolean {
    return rulesOf(this.broker.config['kafka.version']).txnOffsetCommitVerification && p.txnVerificationEnabled();
  }

  /**
   * KIP-890 part 1 for TxnOffsetCommit (3.7+): GroupCoordinatorService.commitTransactionalOffsets
   * → CoordinatorRuntime.scheduleTransactionalWriteOperation first runs
   * CoordinatorPartitionWriter.maybeStartTransactionVerification
   * (ReplicaManager.maybeStartTransactionVerificationForPartition, as for a produce: no
   * verification while the producer has an ongoing transaction on the partition, else an
   * AddPartitionsToTxn verifyOnly to the transaction coordinator), and writes the offsets with
   * the guard only once verified; a verification error fails the commit (handleOperationException).
   * The model verifies with verifyOnly also for a TV2 client: its client sends AddOffsetsToTxn
   * first (txn-producer.ts), so the partition is in the transaction whenever the coordinator
   * still knows it.
   */
  private verifyThenCommit(
    from: number,
    correlationId: number,
    body: Extract<GroupRequest, { type: 'TxnOffsetCommit' }>,
    p: Partition,
  ): void {
    const reply = (error: GroupError): void =>
      this.broker.send(from, { type: 'GroupResponse', correlationId, body: { type: 'TxnOffsetCommit', error } });
    const guard = p.maybeStartTransactionVerification(body.producerId, body.producerEpoch);
    if (guard === 'NOT_LEADER_OR_FOLLOWER') return reply('NOT_COORDINATOR');
    const h0 = this.hosted.get(p.partition);
    if (guard === SENTINEL_GUARD && h0 !== undefined) return this.handleHere(h0, p, from, correlationId, body);
    const ids = {
      transactionalId: body.transactionalId,
      producerId: body.producerId,
      producerEpoch: body.producerEpoch,
    };
    this.broker.txns.verifyTransaction(ids, `${OFFSETS_TOPIC}/${p.partition}`, (verified) => {
      const error = txnOffsetCommitErrorOfVerification(verified);
      if (error !== 'NONE') {
        codeProbe('group-txn-offset-commit-unverified');
        return reply(error);
      }
      const h = this.hosted.get(p.partition);
      const now = this.broker.partition(OFFSETS_TOPIC, p.partition);
      if (h === undefined || now === undefined || now.role !== 'leader') return reply('NOT_COORDINATOR');
      this.handleHere(h, now, from, correlationId, body, guard);
    });
  }

  /** Appends an effect's records to the partition (CoordinatorPartitionWriter.append) and answers. */
  private apply(h: Hosted, p: Partition, effect: Effect, guard?: number): void {
    this.deliver(h, effect.replies);
    if (effect.records.length === 0) return;
    if (effect.txn !== undefined) return this.applyTxn(h, p, effect, effect.txn, guard);
    p.appendAsCoordinator(effect.records.map((r) => ({ key: r.group, value: JSON.stringify(r) })));
    h.shard.appended(p.log.leo - 1, effect);
    if (this.broker.variant === 'coordinator-acks-1') {
      // Variant: the write is answered once appended to the leader (requiredAcks = 1 semantics).
      this.deliver(h, h.shard.advanceCommitted(p.log.leo));
      return;
    }
    this.deliver(h, this.committedReplies(p, h.shard.advanceCommitted(p.log.hw)));
  }

  /**
   * A transactional write (TxnOffsetCommit): appended as the producer's transactional batch; a
   * refusal (an older producer epoch) fails the write with that error (GroupCoordinatorService
   * .handleOperationException passes INVALID_PRODUCER_EPOCH on as it is).
   */
  private applyTxn(
    h: Hosted,
    p: Partition,
    effect: Effect,
    txn: { producerId: number; producerEpoch: number },
    guard: number | undefined,
  ): void {
    const batch = effect.records.map((r) => ({ key: r.group, value: JSON.stringify(r) }));
    const r = p.appendTxnAsCoordinator(batch, txn.producerId, txn.producerEpoch, guard);
    if (r.error !== 'NONE') {
      const error: GroupError =
        r.error === 'INVALID_PRODUCER_EPOCH' || r.error === 'INVALID_TXN_STATE' ? r.error : 'NOT_COORDINATOR';
      this.deliver(
        h,
        effect.afterCommit.map((x) => ({ token: x.token, response: { type: 'TxnOffsetCommit', error } })),
      );
      return;
    }
    h.shard.appended(r.offset + batch.length - 1, effect);
    this.deliver(h, this.committedReplies(p, h.shard.advanceCommitted(p.log.hw)));
  }

  /**
   * An OffsetFetch answered from this coordinator's offsets, at its leader epoch: a leader the
   * controller replaced but which has not heard so (cut off from it) still answers from its own
   * state (GroupCoordinatorService.fetchOffsets runs requireStable as a write with no records,
   * CoordinatorRuntime completes it at once when nothing is pending; no leadership check beyond
   * the broker's own metadata image). The Kafka finding deposed-coordinator-offset-fetch reads it.
   */
  private probeFetchAnswered(h: Hosted, client: number, body: Extract<GroupResponse, { type: 'OffsetFetch' }>): void {
    codeProbeWith('group-offset-fetch-answered', {
      broker: this.broker.brokerId,
      partition: h.shard.partition,
      leaderEpoch: h.epoch,
      atUs: this.broker.nowUs(),
      client,
      offsets: body.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset })),
    });
  }

  private deliver(h: Hosted, replies: readonly Reply[]): void {
    for (const r of replies) {
      const c = h.clients.get(r.token);
      if (c === undefined) continue;
      h.clients.delete(r.token);
      if (r.response.type === 'OffsetCommit' && r.response.error !== 'NONE') codeProbe('group-commit-rejected');
      if (r.response.type === 'OffsetFetch' && r.response.error === 'NONE')
        this.probeFetchAnswered(h, c.to, r.response);
      this.broker.send(c.to, { type: 'GroupResponse', correlationId: c.correlationId, body: r.response });
    }
  }
}

/**
 * A TxnOffsetCommit's verification error as the client sees it: AddPartitionsToTxnManager's
 * mapping (AddPartitionsToTxnHandler.onComplete: PRODUCER_FENCED → INVALID_PRODUCER_EPOCH; no
 * answer → NETWORK_EXCEPTION; no coordinator → COORDINATOR_NOT_AVAILABLE), then
 * CoordinatorOperationExceptionHelper.handleOperationException (NETWORK_EXCEPTION →
 * COORDINATOR_LOAD_IN_PROGRESS; the coordinator's other errors as they are).
 */
function txnOffsetCommitErrorOfVerification(error: VerificationError): GroupError {
  switch (error) {
    case 'NONE':
    case 'NOT_COORDINATOR':
    case 'COORDINATOR_NOT_AVAILABLE':
    case 'COORDINATOR_LOAD_IN_PROGRESS':
    case 'CONCURRENT_TRANSACTIONS':
    case 'INVALID_PRODUCER_ID_MAPPING':
    case 'INVALID_TXN_STATE':
      return error;
    case 'PRODUCER_FENCED':
      return 'INVALID_PRODUCER_EPOCH';
    case 'NETWORK_EXCEPTION':
      return 'COORDINATOR_LOAD_IN_PROGRESS';
    case 'INVALID_TRANSACTION_TIMEOUT':
      throw new Error('a verification answered INVALID_TRANSACTION_TIMEOUT');
    default:
      return unreachable(error);
  }
}

function notCoordinator(type: GroupRequest['type']): GroupResponse {
  switch (type) {
    case 'JoinGroup':
      return { type, error: 'NOT_COORDINATOR', memberId: '', generation: -1, leader: null, members: [] };
    case 'SyncGroup':
      return { type, error: 'NOT_COORDINATOR', assignment: [] };
    case 'Heartbeat':
    case 'LeaveGroup':
    case 'OffsetCommit':
    case 'TxnOffsetCommit':
      return { type, error: 'NOT_COORDINATOR' };
    case 'OffsetFetch':
      return { type, error: 'NOT_COORDINATOR', offsets: [] };
    case 'ConsumerGroupHeartbeat':
      return { type, error: 'NOT_COORDINATOR', memberId: '', memberEpoch: -1, heartbeatIntervalMs: 0 };
    default:
      return unreachable(type);
  }
}
