// The group coordinator of one `__consumer_offsets` partition, classic protocol (issue 15):
// the state machine of Kafka's GroupCoordinatorShard with GroupMetadataManager (classic
// groups: JoinGroup, SyncGroup, Heartbeat, LeaveGroup) and OffsetMetadataManager
// (OffsetCommit, OffsetFetch), as the runtime (CoordinatorRuntime) drives it:
// - A request yields records to append to the partition and a response. Responses that
//   depend on a write (SyncGroup of the leader, OffsetCommit) are answered only once the
//   records are committed (the partition's HW passed them: CoordinatorRuntime completes a
//   write's future at `onHighWatermarkUpdated`); the host calls `advanceCommitted(hw)`.
// - OffsetFetch reads the committed offsets only (OffsetMetadataManager.fetchOffsets at
//   `lastCommittedOffset`); OffsetCommit validates against the latest in-memory group
//   (ClassicGroup.validateOffsetCommit).
// - A new leader of the partition loads its log (`load`: CoordinatorLoaderImpl replays every
//   record; GroupMetadataManager.onLoaded reschedules each member's heartbeat) and answers
//   COORDINATOR_LOAD_IN_PROGRESS until then; a resigning one fails its pending writes
//   NOT_COORDINATOR (`unload`).
// Assumes: dynamic members only (no group.instance.id), one protocol (the client's assignor
// name; the members' subscription metadata kept per member and handed to the leader unread),
// member ids handed out by the coordinator (KIP-394: MEMBER_ID_REQUIRED first). The
// host owns time: it calls `expire(nowUs)` at `nextDeadlineUs()`. Hosted by the brokers: model/group-host.ts.

import { codeProbe } from './code-probes.ts';
import type { CoordinatorGroupState } from './cluster-api.ts';
import {
  consumerGroupHeartbeat,
  doublyOwned,
  fenceMember,
  newConsumerGroup,
  replayConsumerRecord,
  validateConsumerOffsetCommit,
  type ConsumerGroup,
  type ConsumerGroupContext,
  type ConsumerGroupRecord,
  type ConsumerHeartbeatRequest,
  type ConsumerHeartbeatResponse,
} from './consumer-group.ts';

type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export type GroupError =
  | 'NONE'
  | 'MEMBER_ID_REQUIRED'
  | 'UNKNOWN_MEMBER_ID'
  | 'ILLEGAL_GENERATION'
  | 'REBALANCE_IN_PROGRESS'
  | 'COORDINATOR_LOAD_IN_PROGRESS'
  | 'NOT_COORDINATOR'
  | 'COORDINATOR_NOT_AVAILABLE'
  /** OffsetFetch with requireStable while a transactional offset is pending (KIP-447). */
  | 'UNSTABLE_OFFSET_COMMIT'
  /** TxnOffsetCommit: the partition's producer state knows a newer epoch (ProducerAppendInfo). */
  | 'INVALID_PRODUCER_EPOCH'
  /** TxnOffsetCommit refused by its verification (KIP-890 part 1, group-host.ts verifyThenCommit). */
  | 'CONCURRENT_TRANSACTIONS'
  | 'INVALID_PRODUCER_ID_MAPPING'
  | 'INVALID_TXN_STATE'
  /** OffsetCommit of a consumer group (KIP-848) naming another member epoch. */
  | 'STALE_MEMBER_EPOCH';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/**
 * The member's protocol metadata the coordinator keeps and hands the leader (ConsumerProtocol
 * Subscription: ownedPartitions and generationId, KIP-429 / KIP-792), opaque to the coordinator.
 */
export interface MemberSubscription {
  owned: TopicPartition[];
  generation: number;
}

/** The records of `__consumer_offsets` (GroupCoordinatorRecordHelpers). */
export type GroupRecord =
  | {
      type: 'GroupMetadata';
      group: string;
      generation: number;
      leader: string | null;
      members: Array<{
        memberId: string;
        sessionTimeoutMs: number;
        rebalanceTimeoutMs: number;
        assignment: TopicPartition[];
      }>;
    }
  | { type: 'OffsetCommit'; group: string; topic: string; partition: number; offset: number; leaderEpoch: number }
  | ConsumerGroupRecord;

export type GroupRequest =
  | {
      type: 'JoinGroup';
      group: string;
      memberId: string;
      sessionTimeoutMs: number;
      rebalanceTimeoutMs: number;
      subscription?: MemberSubscription;
    }
  | {
      type: 'SyncGroup';
      group: string;
      memberId: string;
      generation: number;
      assignments?: Map<string, TopicPartition[]>;
    }
  | { type: 'Heartbeat'; group: string; memberId: string; generation: number }
  | { type: 'LeaveGroup'; group: string; memberId: string }
  | {
      type: 'OffsetCommit';
      group: string;
      memberId: string;
      generation: number;
      offsets: Array<TopicPartition & { offset: number; leaderEpoch: number }>;
    }
  | {
      /**
       * TxnOffsetCommit (KIP-98; KIP-447's member id and generation): offsets committed within the
       * producer's transaction, pending until its marker reaches this partition.
       */
      type: 'TxnOffsetCommit';
      group: string;
      transactionalId: string;
      producerId: number;
      producerEpoch: number;
      memberId: string;
      generation: number;
      offsets: Array<TopicPartition & { offset: number; leaderEpoch: number }>;
    }
  | { type: 'OffsetFetch'; group: string; partitions: TopicPartition[] }
  | ConsumerHeartbeatRequest;

export type GroupResponse =
  | {
      type: 'JoinGroup';
      error: GroupError;
      memberId: string;
      generation: number;
      leader: string | null;
      members: string[];
      /** To the leader: each member's subscription (JoinGroupResponseMember.metadata). */
      subscriptions?: Map<string, MemberSubscription>;
    }
  | { type: 'SyncGroup'; error: GroupError; assignment: TopicPartition[] }
  | { type: 'Heartbeat'; error: GroupError }
  | { type: 'LeaveGroup'; error: GroupError }
  | { type: 'OffsetCommit'; error: GroupError }
  | { type: 'TxnOffsetCommit'; error: GroupError }
  | {
      type: 'OffsetFetch';
      error: GroupError;
      offsets: Array<TopicPartition & { offset: number; leaderEpoch: number }>;
    }
  | ConsumerHeartbeatResponse;

/** A response for the request the host tagged `token`. */
export interface Reply {
  token: number;
  response: GroupResponse;
}

/**
 * What a request or a timer asks of the host: replies to send now, and records to append
 * (then `appended(endOffset, effect)`) whose `afterCommit` replies, and `onCommit`'s, go out
 * once the records are committed.
 */
export interface Effect {
  records: GroupRecord[];
  replies: Reply[];
  afterCommit: Reply[];
  onCommit?: () => Reply[];
  /** A transactional write (TxnOffsetCommit): the batch carries the producer's id and epoch. */
  txn?: { producerId: number; producerEpoch: number };
}

/** A record of the log as the load reads it: a data record (with its batch's producer id) or a marker. */
export type LoadedRecord =
  | { offset: number; record: GroupRecord; producerId?: number }
  | { offset: number; marker: { producerId: number; result: 'COMMIT' | 'ABORT' } };

/** A committed or pending offset, with the log offset of its record (OffsetAndMetadata.recordOffset). */
interface OffsetEntry {
  offset: number;
  leaderEpoch: number;
  recordOffset: number;
}

interface Member {
  id: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  assignment: TopicPartition[];
  /** The metadata of its last JoinGroup (ClassicGroupMember.supportedProtocols). */
  subscription?: MemberSubscription;
  /** The pending JoinGroup's token (ClassicGroupMember.isAwaitingJoin), or -1. */
  joinToken: number;
  /** The pending SyncGroup's token (isAwaitingSync), or -1. */
  syncToken: number;
  heartbeatDeadlineUs: number;
}

interface Group {
  id: string;
  state: GroupState;
  generation: number;
  leader: string | null;
  members: Map<string, Member>;
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED, not yet joined, with their deadline. */
  pending: Map<string, number>;
  /** Members of the generation that have not sent SyncGroup yet (ClassicGroup.pendingSyncMembers). */
  pendingSync: Set<string>;
  joinDeadlineUs: number;
  syncDeadlineUs: number;
  /** The latest offsets, committed or still being written (what OffsetFetch reads). */
  offsets: Map<string, OffsetEntry>;
}

interface PendingWrite {
  /** Offset of the last record of the write in the partition's log. */
  endOffset: number;
  replies: Reply[];
  records: GroupRecord[];
  /** Runs when committed (SyncGroup: the assignment becomes the group's). */
  onCommit?: () => Reply[];
}

export interface CoordinatorConfig {
  'group.initial.rebalance.delay.ms': number;
  /** KIP-848: the consumer groups' session timeout and heartbeat interval (GroupCoordinatorConfig). */
  'group.consumer.session.timeout.ms'?: number;
  'group.consumer.heartbeat.interval.ms'?: number;
  /** A subscribed topic's partition count (the metadata image), -1 if unknown. */
  topicPartitions?: (topic: string) => number;
  /** Zoo variant stale-generation-commit: OffsetCommit skips the member and generation checks. */
  acceptStaleCommits?: boolean;
}

/** A consumer group member's timers (GroupMetadataManager's session and rebalance timeouts). */
interface ConsumerTimers {
  group: string;
  member: string;
  sessionUs: number;
  /** The rebalance timeout, armed while the member revokes at `rebalanceEpoch`. */
  rebalanceUs: number;
  rebalanceEpoch: number;
}

const NEVER = Number.POSITIVE_INFINITY;
/** The record offset of an offset whose record is being appended (set by `appended`). */
const APPENDING = Number.MAX_SAFE_INTEGER;
const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

export class GroupCoordinatorShard {
  private readonly groups = new Map<string, Group>();
  /**
   * OffsetMetadataManager.pendingTransactionalOffsets: producer id → group → "topic/partition"
   * → the offset its TxnOffsetCommit wrote, until the transaction's marker.
   */
  private readonly pendingTxnOffsets = new Map<number, Map<string, Map<string, OffsetEntry>>>();
  /** KIP-848 consumer groups (their offsets live in `groups`, as OffsetMetadataManager keeps them apart). */
  private readonly consumerGroups = new Map<string, ConsumerGroup>();
  /** Each consumer group member's session and rebalance deadlines: `${group}\u0000${member}`. */
  private readonly consumerTimers = new Map<string, ConsumerTimers>();
  private pendingWrites: PendingWrite[] = [];
  private loaded = false;
  private nextMemberId = 0;
  /** Figures for code probes and tests. */
  readonly stats = { rebalances: 0, generationFenced: 0, loads: 0, commitsRejected: 0 };

  constructor(
    /** The `__consumer_offsets` partition and this leadership's epoch: member ids carry them. */
    readonly partition: number,
    readonly leaderEpoch: number,
    private readonly config: CoordinatorConfig,
  ) {}

  isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * CoordinatorLoaderImpl: replays every record of the log (FetchIsolation.LOG_END), then
   * serves (heartbeats rescheduled: GroupMetadataManager.onLoaded). Records above the HW are
   * not committed yet: a read waits for them (see fetchOffsets).
   */
  load(records: ReadonlyArray<LoadedRecord>, highWatermark: number, nowUs: number): void {
    let last = -1;
    for (const r of records) {
      // CoordinatorLoaderImpl: a control batch → replayEndTransactionMarker; a data batch →
      // replay(offset, batch.producerId, …) (OffsetMetadataManager.replay: pending when transactional).
      if ('marker' in r) this.replayEndTransactionMarker(r.marker.producerId, r.marker.result);
      else if ((r.producerId ?? -1) >= 0 && r.record.type === 'OffsetCommit')
        this.replayTxnOffset(r.record, r.producerId!, r.offset);
      else this.replay(r.record, nowUs, r.offset);
      last = r.offset;
    }
    if (last >= highWatermark) this.pendingWrites.push({ endOffset: last, replies: [], records: [] });
    this.onLoadedConsumerGroups(nowUs);
    this.loaded = true;
    this.stats.loads++;
  }

  /**
   * Zoo variant stale-coordinator-cache (KAFKA-7447): the load replays the log, then every group
   * `stale` (this broker's shard of an earlier leadership, never discarded) still caches is kept
   * as cached, as Kafka's GroupMetadataManager.loadGroup did: addGroup is a putIfNotExists, and
   * "Attempt to load group ... failed because there is already a cached group". Only its
   * members' session deadlines restart (GroupCoordinator.onGroupLoaded reschedules heartbeats).
   */
  loadKeepingCache(
    stale: GroupCoordinatorShard,
    records: ReadonlyArray<LoadedRecord>,
    highWatermark: number,
    nowUs: number,
  ): void {
    this.load(records, highWatermark, nowUs);
    for (const [id, g] of stale.groups) {
      for (const m of g.members.values()) m.heartbeatDeadlineUs = nowUs + m.sessionTimeoutMs * 1000;
      this.groups.set(id, g);
    }
  }

  /** Resigned leadership: pending writes fail NOT_COORDINATOR; the shard is discarded. */
  unload(): Reply[] {
    const replies = this.pendingWrites.flatMap((w) =>
      w.replies.map((r) => ({ token: r.token, response: failed(r.response) })),
    );
    // GroupMetadataManager.onUnloaded: pending JoinGroup and SyncGroup answers NOT_COORDINATOR
    for (const g of this.groups.values()) {
      for (const m of g.members.values()) {
        if (m.joinToken >= 0) replies.push({ token: m.joinToken, response: joinError('NOT_COORDINATOR', '') });
        if (m.syncToken >= 0) replies.push({ token: m.syncToken, response: syncError('NOT_COORDINATOR') });
        m.joinToken = -1;
        m.syncToken = -1;
      }
    }
    this.pendingWrites = [];
    this.loaded = false;
    return replies;
  }

  /** The partition's HW moved: writes below it are committed and answered. */
  advanceCommitted(highWatermark: number): Reply[] {
    const out: Reply[] = [];
    while (this.pendingWrites.length > 0 && this.pendingWrites[0].endOffset < highWatermark) {
      const w = this.pendingWrites.shift()!;
      out.push(...w.replies);
      if (w.onCommit !== undefined) out.push(...w.onCommit());
    }
    return out;
  }

  /** The host appended this effect's records, the last at `endOffset`; its commit replies wait. */
  appended(endOffset: number, effect: Effect): void {
    const base = endOffset - effect.records.length + 1;
    effect.records.forEach((r, i) => {
      if (r.type !== 'OffsetCommit') return;
      // OffsetMetadataManager.replay of the written record, with its offset in the log.
      if (effect.txn !== undefined) return this.replayTxnOffset(r, effect.txn.producerId, base + i);
      const e = this.groups.get(r.group)?.offsets.get(tpKey(r));
      if (e !== undefined && e.recordOffset === APPENDING) e.recordOffset = base + i;
    });
    this.pendingWrites.push({
      endOffset,
      replies: effect.afterCommit,
      records: effect.records,
      onCommit: effect.onCommit,
    });
  }

  /** Applies a record of the log (load; a commit's record is applied as it is written). */
  private replay(record: GroupRecord, nowUs: number, recordOffset: number): void {
    if (record.type !== 'OffsetCommit' && record.type !== 'GroupMetadata') return this.replayConsumer(record);
    const g = this.group(record.group);
    if (record.type === 'OffsetCommit') {
      g.offsets.set(tpKey(record), { offset: record.offset, leaderEpoch: record.leaderEpoch, recordOffset });
      return;
    }
    if (this.loaded) return; // GroupMetadata committing later: the in-memory group is already ahead
    g.generation = record.generation;
    g.leader = record.leader;
    g.members.clear();
    for (const m of record.members) {
      g.members.set(m.memberId, {
        id: m.memberId,
        sessionTimeoutMs: m.sessionTimeoutMs,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        assignment: m.assignment,
        joinToken: -1,
        syncToken: -1,
        heartbeatDeadlineUs: nowUs + m.sessionTimeoutMs * 1000,
      });
    }
    g.state = g.members.size === 0 ? 'Empty' : 'Stable';
  }

  /**
   * OffsetMetadataManager.replay of a transactional OffsetCommit record (its batch's producer
   * id set): into pendingTransactionalOffsets (the group is created if missing, as a simple group).
   */
  private replayTxnOffset(r: Extract<GroupRecord, { type: 'OffsetCommit' }>, producerId: number, at: number): void {
    this.group(r.group);
    let byGroup = this.pendingTxnOffsets.get(producerId);
    if (byGroup === undefined) this.pendingTxnOffsets.set(producerId, (byGroup = new Map()));
    let byTp = byGroup.get(r.group);
    if (byTp === undefined) byGroup.set(r.group, (byTp = new Map()));
    byTp.set(tpKey(r), { offset: r.offset, leaderEpoch: r.leaderEpoch, recordOffset: at });
  }

  /**
   * OffsetMetadataManager.replayEndTransactionMarker: the producer's pending offsets go; on
   * COMMIT each becomes the committed offset unless a later record (a higher record offset)
   * already holds one ("we always keep the most recent committed offset").
   */
  replayEndTransactionMarker(producerId: number, result: 'COMMIT' | 'ABORT'): void {
    const pending = this.pendingTxnOffsets.get(producerId);
    if (pending === undefined) return;
    this.pendingTxnOffsets.delete(producerId);
    codeProbe(result === 'COMMIT' ? 'group-txn-offsets-committed' : 'group-txn-offsets-aborted');
    if (result === 'ABORT') return;
    for (const [group, byTp] of pending) {
      const g = this.group(group);
      for (const [key, e] of byTp) {
        const existing = g.offsets.get(key);
        if (existing !== undefined && e.recordOffset <= existing.recordOffset) {
          codeProbe('group-txn-offset-older-than-committed');
          continue;
        }
        g.offsets.set(key, e);
      }
    }
  }

  /** A consumer group record (written now, or loaded): GroupMetadataManager.replay. */
  private replayConsumer(record: ConsumerGroupRecord): void {
    let g = this.consumerGroups.get(record.group);
    if (g === undefined) this.consumerGroups.set(record.group, (g = newConsumerGroup(record.group)));
    replayConsumerRecord(g, record);
  }

  /** GroupMetadataManager.onLoaded: each member's session timeout, and rebalance timeout if revoking. */
  private onLoadedConsumerGroups(nowUs: number): void {
    for (const g of this.consumerGroups.values()) {
      for (const m of g.members.values()) {
        const t = this.timersOf(g.id, m.id, nowUs);
        if (m.state === 'UNREVOKED_PARTITIONS') {
          t.rebalanceUs = nowUs + m.rebalanceTimeoutMs * 1000;
          t.rebalanceEpoch = m.memberEpoch;
        }
      }
    }
  }

  /** Any transactional offset pending (a probe after a load). */
  hasAnyPendingTxnOffsets(): boolean {
    return this.pendingTxnOffsets.size > 0;
  }

  /** OffsetMetadataManager.hasPendingTransactionalOffsets. */
  hasPendingTxnOffsets(group: string, tp: TopicPartition): boolean {
    for (const byGroup of this.pendingTxnOffsets.values()) if (byGroup.get(group)?.has(tpKey(tp)) === true) return true;
    return false;
  }

  private timersOf(group: string, member: string, nowUs: number): ConsumerTimers {
    const key = `${group}\u0000${member}`;
    let t = this.consumerTimers.get(key);
    if (t === undefined) {
      t = { group, member, sessionUs: NEVER, rebalanceUs: NEVER, rebalanceEpoch: -1 };
      this.consumerTimers.set(key, t);
    }
    t.sessionUs = nowUs + (this.config['group.consumer.session.timeout.ms'] ?? 45_000) * 1000;
    return t;
  }

  /** A consumer group, for views and tests. */
  describeConsumerGroup(id: string): Readonly<ConsumerGroup> | undefined {
    return this.consumerGroups.get(id);
  }

  /** The white-box invariant over every consumer group: partitions in two members' current assignments. */
  doublyOwnedPartitions(): string[] {
    return [...this.consumerGroups.values()].flatMap((g) => doublyOwned(g).map((x) => `${g.id}: ${x}`));
  }

  private group(id: string): Group {
    let g = this.groups.get(id);
    if (g === undefined) {
      g = {
        id,
        state: 'Empty',
        generation: 0,
        leader: null,
        members: new Map(),
        pending: new Map(),
        pendingSync: new Set(),
        joinDeadlineUs: NEVER,
        syncDeadlineUs: NEVER,
        offsets: new Map(),
      };
      this.groups.set(id, g);
    }
    return g;
  }

  /** A group's state, for views and invariants. */
  describe(id: string): Readonly<Group> | undefined {
    return this.groups.get(id);
  }

  /** Every group's generation, members and latest offsets (the coordinator invariants' view). */
  groupStates(): CoordinatorGroupState[] {
    const consumer = [...this.consumerGroups.values()].map((g) => ({
      group: g.id,
      generation: g.groupEpoch,
      members: [...g.members.keys()],
      offsets: this.offsetsOf(this.groups.get(g.id)),
      owners: [...g.members.values()].map((m) => ({
        member: m.id,
        partitions: [...m.assigned, ...m.pendingRevocation],
      })),
    }));
    const classic = [...this.groups.values()].filter((g) => !this.consumerGroups.has(g.id));
    const classicStates = classic.map((g) => ({
      group: g.id,
      generation: g.generation,
      members: [...g.members.keys()],
      offsets: this.offsetsOf(g),
    }));
    return [...consumer, ...classicStates];
  }

  private offsetsOf(g: Group | undefined): CoordinatorGroupState['offsets'] {
    return [...(g?.offsets ?? [])].map(([key, o]) => {
      const cut = key.lastIndexOf('/');
      return { topic: key.slice(0, cut), partition: Number(key.slice(cut + 1)), offset: o.offset };
    });
  }

  /** Handles one request; `token` names it in the replies. */
  handle(token: number, req: GroupRequest, nowUs: number): Effect {
    if (!this.loaded) return now({ token, response: errorResponse(req, 'COORDINATOR_LOAD_IN_PROGRESS') });
    switch (req.type) {
      case 'JoinGroup':
        return this.join(token, req, nowUs);
      case 'SyncGroup':
        return this.sync(token, req, nowUs);
      case 'Heartbeat':
        return this.heartbeat(token, req, nowUs);
      case 'LeaveGroup':
        return this.leave(token, req, nowUs);
      case 'OffsetCommit':
        return this.commit(token, req, nowUs);
      case 'TxnOffsetCommit':
        return this.txnCommit(token, req);
      case 'OffsetFetch':
        return this.fetchOffsets(token, req);
      case 'ConsumerGroupHeartbeat':
        return this.consumerHeartbeat(token, req, nowUs);
      default:
        return unreachable(req);
    }
  }

  /**
   * ConsumerGroupHeartbeat (KIP-848), a write operation of the runtime: its records are replayed
   * at once and its answer waits for them to commit (with no records, for the writes before it:
   * CoordinatorRuntime answers a write without records once the last written offset commits).
   */
  private consumerHeartbeat(token: number, req: ConsumerHeartbeatRequest, nowUs: number): Effect {
    const records: GroupRecord[] = [];
    const ctx: ConsumerGroupContext = {
      write: (rs) => {
        for (const r of rs) {
          this.replayConsumer(r);
          records.push(r);
        }
      },
      partitions: this.config.topicPartitions ?? (() => -1),
      heartbeatIntervalMs: this.config['group.consumer.heartbeat.interval.ms'] ?? 5_000,
    };
    let g = this.consumerGroups.get(req.group);
    const classic = this.groups.get(req.group);
    if (g === undefined && req.memberEpoch === 0 && (classic === undefined || classic.members.size === 0)) {
      // getOrMaybeCreateConsumerGroup: a join creates the group (in memory until its records)
      g = newConsumerGroup(req.group);
      this.consumerGroups.set(req.group, g);
    }
    const memberId = `consumer-${this.partition}-${this.leaderEpoch}-${this.nextMemberId}`;
    const response = consumerGroupHeartbeat(g, req, memberId, ctx);
    if (req.memberId === '' && response.error === 'NONE') this.nextMemberId++;
    if (response.error === 'NONE' && g !== undefined) this.consumerTimersAfter(g, req, response, records, nowUs);
    const reply: Reply = { token, response };
    if (records.length > 0) return { records, replies: [], afterCommit: [reply] };
    const last = this.pendingWrites[this.pendingWrites.length - 1];
    if (response.error !== 'NONE' || last === undefined) return now(reply);
    last.replies.push(reply);
    return now();
  }

  /**
   * scheduleConsumerGroupSessionTimeout after each heartbeat; the rebalance timeout armed when
   * the member moved to UNREVOKED_PARTITIONS, cancelled when it moved elsewhere (maybeReconcile);
   * both cancelled when it left (cancelTimers).
   */
  private consumerTimersAfter(
    g: ConsumerGroup,
    req: ConsumerHeartbeatRequest,
    response: ConsumerHeartbeatResponse,
    records: readonly GroupRecord[],
    nowUs: number,
  ): void {
    const key = `${g.id}\u0000${response.memberId}`;
    const m = g.members.get(response.memberId);
    if (req.memberEpoch < 0 || m === undefined) {
      this.consumerTimers.delete(key);
      return;
    }
    const t = this.timersOf(g.id, m.id, nowUs);
    const moved = records.some((r) => r.type === 'ConsumerGroupCurrentMemberAssignment' && r.memberId === m.id);
    if (!moved) return;
    if (m.state === 'UNREVOKED_PARTITIONS') {
      t.rebalanceUs = nowUs + m.rebalanceTimeoutMs * 1000;
      t.rebalanceEpoch = m.memberEpoch;
    } else t.rebalanceUs = NEVER;
  }

  /** The session or rebalance timeout of a consumer group member fired: it is fenced. */
  private expireConsumerMembers(nowUs: number): Effect {
    const out: Effect = now();
    for (const [key, t] of [...this.consumerTimers]) {
      const g = this.consumerGroups.get(t.group);
      const m = g?.members.get(t.member);
      if (g === undefined || m === undefined) {
        this.consumerTimers.delete(key);
        continue;
      }
      const session = t.sessionUs <= nowUs;
      // scheduleConsumerGroupRebalanceTimeout: only if the member is still at that epoch
      const rebalance = t.rebalanceUs <= nowUs && m.memberEpoch === t.rebalanceEpoch;
      if (t.rebalanceUs <= nowUs) t.rebalanceUs = NEVER;
      if (!session && !rebalance) continue;
      codeProbe(session ? 'group-consumer-session-expired' : 'group-consumer-rebalance-timeout');
      this.consumerTimers.delete(key);
      const records: GroupRecord[] = [];
      fenceMember(g, m, {
        write: (rs) => {
          for (const r of rs) {
            this.replayConsumer(r);
            records.push(r);
          }
        },
        partitions: () => -1,
        heartbeatIntervalMs: 0,
      });
      merge(out, { records, replies: [], afterCommit: [] });
    }
    return out;
  }

  /** GroupMetadataManager.classicGroupJoinToClassicGroup: new members (KIP-394) and rejoins. */
  private join(token: number, req: Extract<GroupRequest, { type: 'JoinGroup' }>, nowUs: number): Effect {
    const g = this.group(req.group);
    const replies: Reply[] = [];
    if (req.memberId === '') {
      const id = `member-${this.partition}-${this.leaderEpoch}-${this.nextMemberId++}`;
      g.pending.set(id, nowUs + req.sessionTimeoutMs * 1000);
      replies.push({ token, response: joinError('MEMBER_ID_REQUIRED', id) });
      return now(...replies);
    }
    let m = g.members.get(req.memberId);
    if (m === undefined) {
      if (!g.pending.delete(req.memberId)) return now({ token, response: joinError('UNKNOWN_MEMBER_ID', '') });
      m = {
        id: req.memberId,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        assignment: [],
        joinToken: -1,
        syncToken: -1,
        heartbeatDeadlineUs: NEVER,
      };
      g.members.set(m.id, m);
    } else if (m.joinToken >= 0) {
      // a retried JoinGroup replaces the pending one
      replies.push({ token: m.joinToken, response: joinError('REBALANCE_IN_PROGRESS', m.id) });
    }
    m.joinToken = token;
    m.subscription = req.subscription;
    m.heartbeatDeadlineUs = nowUs + m.rebalanceTimeoutMs * 1000;
    const out: Effect = now(...replies);
    if (g.state !== 'PreparingRebalance') merge(out, this.prepareRebalance(g, nowUs));
    else if (this.allJoined(g)) merge(out, this.completeJoin(g, nowUs));
    return out;
  }

  private allJoined(g: Group): boolean {
    for (const m of g.members.values()) if (m.joinToken < 0) return false;
    return g.pending.size === 0;
  }

  /** GroupMetadataManager.prepareRebalance: pending syncs fail, members have to rejoin. */
  private prepareRebalance(g: Group, nowUs: number): Effect {
    const replies: Reply[] = [];
    if (g.state === 'CompletingRebalance') {
      for (const m of g.members.values()) {
        if (m.syncToken >= 0) replies.push({ token: m.syncToken, response: syncError('REBALANCE_IN_PROGRESS') });
        m.syncToken = -1;
      }
    }
    g.syncDeadlineUs = NEVER;
    const initial = g.state === 'Empty';
    g.state = 'PreparingRebalance';
    this.stats.rebalances++;
    const rebalanceTimeoutMs = Math.max(0, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    if (initial) g.joinDeadlineUs = nowUs + this.config['group.initial.rebalance.delay.ms'] * 1000;
    else if (this.allJoined(g)) return merge(now(...replies), this.completeJoin(g, nowUs));
    else g.joinDeadlineUs = nowUs + rebalanceTimeoutMs * 1000;
    return now(...replies);
  }

  /** GroupMetadataManager.completeClassicGroupJoin: members that did not rejoin are dropped. */
  private completeJoin(g: Group, nowUs: number): Effect {
    g.joinDeadlineUs = NEVER;
    const replies: Reply[] = [];
    for (const m of [...g.members.values()]) if (m.joinToken < 0) g.members.delete(m.id);
    if (g.leader === null || !g.members.has(g.leader)) g.leader = g.members.keys().next().value ?? null;
    g.generation++;
    g.pendingSync.clear();
    if (g.members.size === 0) {
      g.state = 'Empty';
      g.leader = null;
      return { records: [this.metadataRecord(g, new Map())], replies, afterCommit: [] };
    }
    g.state = 'CompletingRebalance';
    const ids = [...g.members.keys()];
    const subscriptions = new Map<string, MemberSubscription>();
    for (const m of g.members.values()) if (m.subscription !== undefined) subscriptions.set(m.id, m.subscription);
    for (const m of g.members.values()) {
      const leader = m.id === g.leader;
      const response: GroupResponse = {
        type: 'JoinGroup',
        error: 'NONE',
        memberId: m.id,
        generation: g.generation,
        leader: g.leader,
        members: leader ? ids : [],
        ...(leader ? { subscriptions } : {}),
      };
      replies.push({ token: m.joinToken, response });
      m.joinToken = -1;
      m.heartbeatDeadlineUs = nowUs + m.sessionTimeoutMs * 1000;
      g.pendingSync.add(m.id);
    }
    const rebalanceTimeoutMs = Math.max(...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    g.syncDeadlineUs = nowUs + rebalanceTimeoutMs * 1000;
    return now(...replies);
  }

  private metadataRecord(g: Group, assignment: ReadonlyMap<string, TopicPartition[]>): GroupRecord {
    const members = [...g.members.values()].map((m) => ({
      memberId: m.id,
      sessionTimeoutMs: m.sessionTimeoutMs,
      rebalanceTimeoutMs: m.rebalanceTimeoutMs,
      assignment: assignment.get(m.id) ?? [],
    }));
    return { type: 'GroupMetadata', group: g.id, generation: g.generation, leader: g.leader, members };
  }

  /** Validation of a member and its generation (ClassicGroup.validateMember, validateSyncGroup). */
  private memberError(g: Group, memberId: string, generation: number): GroupError {
    if (!g.members.has(memberId)) return 'UNKNOWN_MEMBER_ID';
    if (generation !== g.generation) {
      this.stats.generationFenced++;
      return 'ILLEGAL_GENERATION';
    }
    return 'NONE';
  }

  /** GroupMetadataManager.classicGroupSyncToClassicGroup: the leader's assignment is written first. */
  private sync(token: number, req: Extract<GroupRequest, { type: 'SyncGroup' }>, nowUs: number): Effect {
    const g = this.group(req.group);
    const error = g.members.size === 0 ? 'UNKNOWN_MEMBER_ID' : this.memberError(g, req.memberId, req.generation);
    if (error !== 'NONE') return now({ token, response: syncError(error) });
    const m = g.members.get(req.memberId)!;
    if (g.state === 'PreparingRebalance') return now({ token, response: syncError('REBALANCE_IN_PROGRESS') });
    if (g.state === 'Stable') {
      g.pendingSync.delete(m.id);
      return now({ token, response: { type: 'SyncGroup', error: 'NONE', assignment: m.assignment } });
    }
    m.syncToken = token;
    m.heartbeatDeadlineUs = nowUs + m.sessionTimeoutMs * 1000;
    g.pendingSync.delete(m.id);
    if (m.id !== g.leader) return now();
    const assignment = req.assignments ?? new Map<string, TopicPartition[]>();
    const generation = g.generation;
    const record = this.metadataRecord(g, assignment);
    // Once committed, and only if the group is still in this generation's CompletingRebalance,
    // the group is Stable and every member gets its assignment (setAndPropagateAssignment).
    const onCommit = (): Reply[] => {
      if (g.state !== 'CompletingRebalance' || g.generation !== generation) return [];
      g.state = 'Stable';
      g.syncDeadlineUs = NEVER;
      const replies: Reply[] = [];
      for (const x of g.members.values()) {
        x.assignment = assignment.get(x.id) ?? [];
        if (x.syncToken >= 0)
          replies.push({
            token: x.syncToken,
            response: { type: 'SyncGroup', error: 'NONE', assignment: x.assignment },
          });
        x.syncToken = -1;
      }
      return replies;
    };
    return { records: [record], replies: [], afterCommit: [], onCommit };
  }

  /** GroupMetadataManager.classicGroupHeartbeatToClassicGroup. */
  private heartbeat(token: number, req: Extract<GroupRequest, { type: 'Heartbeat' }>, nowUs: number): Effect {
    const g = this.group(req.group);
    const error = this.memberError(g, req.memberId, req.generation);
    const reply = (e: GroupError): Effect => now({ token, response: { type: 'Heartbeat', error: e } });
    if (error !== 'NONE') return reply(error);
    const m = g.members.get(req.memberId)!;
    m.heartbeatDeadlineUs = nowUs + m.sessionTimeoutMs * 1000;
    return reply(g.state === 'PreparingRebalance' ? 'REBALANCE_IN_PROGRESS' : 'NONE');
  }

  /** GroupMetadataManager.classicGroupLeaveToClassicGroup: the member goes, the group rebalances. */
  private leave(token: number, req: Extract<GroupRequest, { type: 'LeaveGroup' }>, nowUs: number): Effect {
    const g = this.group(req.group);
    const m = g.members.get(req.memberId);
    const out: Effect = now({ token, response: { type: 'LeaveGroup', error: m ? 'NONE' : 'UNKNOWN_MEMBER_ID' } });
    if (m !== undefined) merge(out, this.removeMember(g, m, nowUs));
    return out;
  }

  /** GroupMetadataManager.removeMemberAndUpdateClassicGroup. */
  private removeMember(g: Group, m: Member, nowUs: number): Effect {
    const out: Effect = now();
    if (m.joinToken >= 0) out.replies.push({ token: m.joinToken, response: joinError('UNKNOWN_MEMBER_ID', '') });
    if (m.syncToken >= 0) out.replies.push({ token: m.syncToken, response: syncError('UNKNOWN_MEMBER_ID') });
    g.members.delete(m.id);
    g.pendingSync.delete(m.id);
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') merge(out, this.prepareRebalance(g, nowUs));
    else if (g.state === 'PreparingRebalance' && this.allJoined(g)) merge(out, this.completeJoin(g, nowUs));
    return out;
  }

  /** OffsetMetadataManager.commitOffset after ClassicGroup.validateOffsetCommit. */
  private commit(token: number, req: Extract<GroupRequest, { type: 'OffsetCommit' }>, nowUs: number): Effect {
    const g = this.group(req.group);
    let error: GroupError = 'NONE';
    const cg = this.consumerGroups.get(req.group);
    if (cg !== undefined) error = validateConsumerOffsetCommit(cg, req.memberId, req.generation);
    else if (req.generation < 0 && g.state === 'Empty') error = 'NONE';
    else if (req.generation < 0 && req.memberId === '') error = 'UNKNOWN_MEMBER_ID';
    else error = this.memberError(g, req.memberId, req.generation);
    if (error === 'STALE_MEMBER_EPOCH') codeProbe('group-consumer-commit-stale-epoch');
    if (error === 'NONE' && g.state === 'CompletingRebalance') error = 'REBALANCE_IN_PROGRESS';
    // Variant stale-generation-commit: the commit is accepted whatever member and generation it names.
    if (this.config.acceptStaleCommits === true) error = 'NONE';
    if (error !== 'NONE') {
      this.stats.commitsRejected++;
      return now({ token, response: { type: 'OffsetCommit', error } });
    }
    // the offset commit keeps the session alive in Stable and PreparingRebalance
    const m = g.members.get(req.memberId);
    if (m !== undefined) m.heartbeatDeadlineUs = nowUs + m.sessionTimeoutMs * 1000;
    const records: GroupRecord[] = req.offsets.map((o) => ({ type: 'OffsetCommit', group: g.id, ...o }));
    // OffsetMetadataManager.replay: the in-memory (timeline) offsets take the write at once
    for (const r of records)
      if (r.type === 'OffsetCommit')
        g.offsets.set(tpKey(r), { offset: r.offset, leaderEpoch: r.leaderEpoch, recordOffset: APPENDING });
    return { records, replies: [], afterCommit: [{ token, response: { type: 'OffsetCommit', error: 'NONE' } }] };
  }

  /**
   * OffsetMetadataManager.commitTransactionalOffset after validateTransactionalOffsetCommit: an
   * unknown group is accepted only without a generation (a simple group, created), else
   * ILLEGAL_GENERATION; then ClassicGroup.validateOffsetCommit with isTransactional (KIP-447:
   * a member id or generation must name the current member and generation; no
   * REBALANCE_IN_PROGRESS check). The records are written as a transactional batch (the host
   * checks the producer's epoch there) and replayed into the pending offsets once appended.
   */
  private txnCommit(token: number, req: Extract<GroupRequest, { type: 'TxnOffsetCommit' }>): Effect {
    const g = this.groups.get(req.group);
    let error: GroupError = 'NONE';
    if (g === undefined) error = req.generation < 0 ? 'NONE' : 'ILLEGAL_GENERATION';
    else if (req.generation < 0 && g.state === 'Empty') error = 'NONE';
    else if (req.generation >= 0 || req.memberId !== '') error = this.memberError(g, req.memberId, req.generation);
    if (error !== 'NONE') {
      codeProbe('group-txn-offset-commit-fenced');
      this.stats.commitsRejected++;
      return now({ token, response: { type: 'TxnOffsetCommit', error } });
    }
    this.group(req.group);
    const records: GroupRecord[] = req.offsets.map((o) => ({ type: 'OffsetCommit', group: req.group, ...o }));
    const afterCommit: Reply[] = [{ token, response: { type: 'TxnOffsetCommit', error: 'NONE' } }];
    return { records, replies: [], afterCommit, txn: { producerId: req.producerId, producerEpoch: req.producerEpoch } };
  }

  /**
   * OffsetFetch with requireStable (the consumer's ConsumerCoordinator always sets it):
   * GroupCoordinatorService.fetchOffsets runs it as a write with no records, reading the
   * latest offsets (fetchOffsets(request, Long.MAX_VALUE)) and answering once everything
   * written so far is committed (-1: none).
   */
  private fetchOffsets(token: number, req: Extract<GroupRequest, { type: 'OffsetFetch' }>): Effect {
    // OffsetMetadataManager.fetchOffsets with requireStable: UNSTABLE_OFFSET_COMMIT for a
    // partition with a pending transactional offset; the consumer fails the whole fetch on it
    // (ConsumerCoordinator.OffsetFetchResponseHandler) and retries, so one error answers all.
    // Like any answer of this write with no records, it waits for what was written before it.
    const reply: Reply = { token, response: this.offsetsAnswer(req) };
    const last = this.pendingWrites[this.pendingWrites.length - 1];
    if (last === undefined) return now(reply);
    last.replies.push(reply);
    return now();
  }

  /** What OffsetFetch answers now: UNSTABLE_OFFSET_COMMIT, or the latest offsets (-1: none). */
  private offsetsAnswer(req: Extract<GroupRequest, { type: 'OffsetFetch' }>): GroupResponse {
    if (req.partitions.some((tp) => this.hasPendingTxnOffsets(req.group, tp))) {
      codeProbe('group-offset-fetch-unstable');
      return { type: 'OffsetFetch', error: 'UNSTABLE_OFFSET_COMMIT', offsets: [] };
    }
    const g = this.groups.get(req.group);
    const offsets = req.partitions.map((tp) => {
      const c = g?.offsets.get(tpKey(tp));
      return { ...tp, offset: c?.offset ?? -1, leaderEpoch: c?.leaderEpoch ?? -1 };
    });
    return { type: 'OffsetFetch', error: 'NONE', offsets };
  }

  /** The earliest deadline of any group (heartbeat, join, sync), µs. */
  nextDeadlineUs(): number {
    let t = NEVER;
    for (const g of this.groups.values()) {
      t = Math.min(t, g.joinDeadlineUs, g.syncDeadlineUs, ...g.pending.values());
      for (const m of g.members.values()) t = Math.min(t, m.heartbeatDeadlineUs);
    }
    for (const c of this.consumerTimers.values()) t = Math.min(t, c.sessionUs, c.rebalanceUs);
    return t;
  }

  /** Fires every deadline due at `nowUs`: session expiry, join completion, sync expiry. */
  expire(nowUs: number): Effect {
    const out: Effect = this.expireConsumerMembers(nowUs);
    for (const g of this.groups.values()) {
      for (const [id, t] of g.pending) if (t <= nowUs) g.pending.delete(id);
      for (const m of [...g.members.values()]) {
        if (m.heartbeatDeadlineUs > nowUs || !g.members.has(m.id)) continue;
        // GroupMetadataManager.onClassicGroupMemberSessionTimeout
        codeProbe('group-member-expired');
        merge(out, this.removeMember(g, m, nowUs));
      }
      if (g.joinDeadlineUs <= nowUs && g.state === 'PreparingRebalance') merge(out, this.completeJoin(g, nowUs));
      if (g.syncDeadlineUs <= nowUs && g.state === 'CompletingRebalance') {
        // GroupMetadataManager.expirePendingSync: members that did not sync are removed
        g.syncDeadlineUs = NEVER;
        for (const id of [...g.pendingSync]) {
          const m = g.members.get(id);
          if (m !== undefined) merge(out, this.removeMember(g, m, nowUs));
        }
      }
    }
    return out;
  }
}

function merge(into: Effect, more: Effect): Effect {
  into.records.push(...more.records);
  into.replies.push(...more.replies);
  into.afterCommit.push(...more.afterCommit);
  if (more.onCommit !== undefined) {
    const first = into.onCommit;
    const second = more.onCommit;
    into.onCommit = first === undefined ? second : () => [...first(), ...second()];
  }
  return into;
}

/** Replies to send now, nothing to write. */
function now(...replies: Reply[]): Effect {
  return { records: [], replies, afterCommit: [] };
}

function joinError(error: GroupError, memberId: string): GroupResponse {
  return { type: 'JoinGroup', error, memberId, generation: -1, leader: null, members: [] };
}

function syncError(error: GroupError): GroupResponse {
  return { type: 'SyncGroup', error, assignment: [] };
}

/** The same response with NOT_COORDINATOR (a write that never committed here). */
function failed(r: GroupResponse): GroupResponse {
  return errorResponseOfType(r.type, 'NOT_COORDINATOR');
}

function errorResponse(req: GroupRequest, error: GroupError): GroupResponse {
  return errorResponseOfType(req.type, error);
}

function errorResponseOfType(type: GroupResponse['type'], error: GroupError): GroupResponse {
  switch (type) {
    case 'JoinGroup':
      return joinError(error, '');
    case 'SyncGroup':
      return syncError(error);
    // One case each: a union of four types with every GroupError is too many combinations to narrow.
    case 'Heartbeat':
      return { type, error };
    case 'LeaveGroup':
      return { type, error };
    case 'OffsetCommit':
      return { type, error };
    case 'TxnOffsetCommit':
      return { type, error };
    case 'OffsetFetch':
      return { type, error, offsets: [] };
    case 'ConsumerGroupHeartbeat':
      return {
        type,
        error: error === 'COORDINATOR_LOAD_IN_PROGRESS' ? error : 'NOT_COORDINATOR',
        memberId: '',
        memberEpoch: -1,
        heartbeatIntervalMs: 0,
      };
    default:
      return unreachable(type);
  }
}

function unreachable(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
