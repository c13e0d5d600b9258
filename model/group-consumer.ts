// A subscribe-mode consumer (issue 15): a member of one consumer group under the classic
// protocol, after Kafka's ConsumerCoordinator and AbstractCoordinator (the "classic" consumer,
// group.protocol=classic; not KIP-848), reading through the same fetch path as the
// assign-mode consumer (client-fetcher.ts).
//
// What it does, each step from Kafka's client:
// - Finds the coordinator (FindCoordinator to a broker in turn: AbstractCoordinator
//   .ensureCoordinatorReady / lookupCoordinator), joins (JoinGroup; MEMBER_ID_REQUIRED
//   first, KIP-394), and syncs (SyncGroup); the leader computes the eager range assignment
//   (RangeAssignor.assign: per topic, members sorted by id, partitions split in contiguous
//   ranges, the first `n % members` one larger), or, with partition.assignment.strategy=
//   cooperative-sticky, the cooperative-sticky assignment (group-assignor.ts); the JoinGroup
//   carries the member's owned partitions and generation (ConsumerCoordinator.metadata).
// - On an assignment (ConsumerCoordinator.onJoinComplete) it fetches the committed offsets
//   (OffsetFetch; refreshCommittedOffsetsIfNeeded) and starts each partition at its committed
//   offset with the committed leader epoch (KIP-320: validated against the leader first, one
//   of at least that epoch: the epoch raises the metadata's last seen one, client-metadata.ts),
//   or, with no committed offset, by auto.offset.reset; a partition handed back while the stream of
//   its earlier assignment still has a request out starts a fresh stream (assignFromSubscribed).
// - Heartbeats every heartbeat.interval.ms (AbstractCoordinator.HeartbeatThread):
//   REBALANCE_IN_PROGRESS → rejoin; ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID → the generation
//   (and member id) reset, partitions lost, rejoin; NOT_COORDINATOR /
//   COORDINATOR_NOT_AVAILABLE / no answer → coordinator unknown (markCoordinatorUnknown),
//   found again. A member that cannot reach its coordinator keeps fetching what it owns.
// - Eager rebalance (ConsumerCoordinator.onJoinPrepare): the fetches stop (a poll in flight
//   is abandoned: its records never reach the application), the consumed positions are
//   committed synchronously when enable.auto.commit (maybeAutoCommitOffsetsSync), all
//   partitions are revoked, then JoinGroup with the member id. Cooperative (KIP-429): the
//   member keeps fetching what it owns through the rebalance; on its assignment it revokes
//   only what it lost (then rejoins at once: requestRejoin), keeps the rest at its positions
//   and fetches the committed offsets of the added partitions only.
// - Auto commit every auto.commit.interval.ms (maybeAutoCommitOffsetsAsync) of the positions
//   of owned partitions, with generation and member id, and the position's offset epoch
//   (the committed leader epoch, KIP-320).
// - With enable.auto.commit=false, manual commits: after each poll that returned records the
//   application commits its positions (KafkaConsumer.commitAsync); no commit at a rebalance
//   or a close (no rebalance listener). With WorkloadSpec.groupCommitSync the application
//   commits with a blocking KafkaConsumer.commitSync() instead (ConsumerCoordinator
//   .commitOffsetsSync): it polls no more until the commit is answered, retried across
//   retriable errors and coordinator moves, refused (CommitFailedException,
//   RebalanceInProgressException) or given up after default.api.timeout.ms (see commitSync).
// - Leaving (workload churn: KafkaConsumer.close): a last synchronous commit, LeaveGroup,
//   then, after a while, a new subscription as a new member.
//
// History (checkers/history.ts, docs/readme-checkers.md): two processes per membership, each
// with one operation at a time (an OpGate). The member's own: `subscribe`, `assignment` (with
// generation), `leave`, and the polls and seeks of its streams (what the checker counts as
// delivered to the member). Its offsets process: `fetch-offsets` and `commit` (ok; fail on a
// definite refusal; info on NOT_COORDINATOR or no answer: the write may have committed),
// naming group, member and generation, so a commit in flight never holds up the polls (an
// asynchronous commit does not block KafkaConsumer.poll).
//
// - Stalls (WorkloadSpec.groupStall): the application stops polling for a while (processing);
//   heartbeats go on; past max.poll.interval.ms the heartbeat thread leaves the group
//   (AbstractCoordinator.HeartbeatThread → maybeLeaveGroup: LeaveGroup, generation and member
//   id reset, partitions lost) and the member joins again as a new one when it polls again.
//
// Assumes: the group's topics are the workload's (their partition counts fixed); auto.offset.reset
// `none` read as `earliest` for members (see resetPolicy); a JoinGroup or SyncGroup already in
// flight when a stall begins completes in the background (Kafka drives them from poll());
// dynamic membership only.

import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import type { ClientStatus, HistoryRecorder } from './client-api.ts';
import type { ClientResponse } from './client-protocol.ts';
import type { GroupOffset } from '../checkers/history.ts';
import { ClientActorBase, exponentialGapUs } from './client-base.ts';
import { LaneAllocator } from './client-process.ts';
import { msToUs, unreachable, type NoResponseReason, type PendingRequest, type RequestOwner } from './client-net.ts';
import type { OpGate, PartitionFetcher } from './client-fetcher.ts';
import type { KafkaConfig, OffsetResetPolicy, ProtocolVariant, TopicSpec, WorkloadSpec } from './config.ts';
import type { GroupRequest, GroupResponse, TopicPartition } from './group-coordinator.ts';
import type { ConsumerHeartbeatResponse } from './consumer-group.ts';
import { consumerProtocolAvailable } from './versions.ts';
import { cooperativeStickyAssign } from './group-assignor.ts';
import { codeProbe } from './code-probes.ts';

export interface GroupConsumerParams {
  clientId: number;
  bootstrapBrokers: number[];
  config: KafkaConfig;
  topics: TopicSpec[];
  workload: WorkloadSpec;
  group: string;
  recorder: HistoryRecorder;
  variant?: 'correct' | ProtocolVariant;
}

type Phase = 'unjoined' | 'joining' | 'syncing' | 'stable' | 'closing' | 'closed';

type GroupTimer =
  | 'group-heartbeat'
  | 'group-autocommit'
  | 'group-retry'
  | 'group-leave'
  | 'group-rejoin'
  | 'group-stall';

const tpKey = (tp: TopicPartition): string => `${tp.topic}/${tp.partition}`;

export function createGroupConsumer(params: GroupConsumerParams): ModelActorFactory {
  const lanes = new LaneAllocator(params.clientId);
  return (ctx) => new GroupConsumerActor(ctx, params, lanes);
}

/** RangeAssignor.assign: per topic, contiguous ranges over the members sorted by id. */
export function rangeAssign(members: readonly string[], topics: readonly TopicSpec[]): Map<string, TopicPartition[]> {
  const sorted = [...members].sort();
  const out = new Map<string, TopicPartition[]>(sorted.map((m) => [m, []]));
  for (const t of topics) {
    const per = Math.floor(t.partitions / sorted.length);
    const extra = t.partitions % sorted.length;
    sorted.forEach((m, i) => {
      const start = i * per + Math.min(i, extra);
      const n = per + (i < extra ? 1 : 0);
      for (let p = start; p < start + n; p++) out.get(m)!.push({ topic: t.name, partition: p });
    });
  }
  return out;
}

/** The member's one history process: one operation in flight, the others queued in order. */
class ProcessGate implements OpGate {
  private busy = false;
  private waking = false;
  private readonly queue: Array<{ instant: () => void } | { wake: () => void }> = [];

  instant(record: () => void): void {
    if (!this.busy && this.queue.length === 0) record();
    else this.queue.push({ instant: record });
  }

  acquire(wake: () => void): boolean {
    if (!this.busy && (this.waking || this.queue.length === 0)) {
      this.busy = true;
      return true;
    }
    this.queue.push({ wake });
    return false;
  }

  release(): void {
    this.busy = false;
    while (!this.busy && this.queue.length > 0) {
      const next = this.queue.shift()!;
      if ('instant' in next) next.instant();
      else {
        // the waiter acquires again (or has gone away)
        this.waking = true;
        next.wake();
        this.waking = false;
      }
    }
  }
}

class GroupConsumerActor extends ClientActorBase implements ClientStatus, RequestOwner {
  private phase: Phase = 'unjoined';
  private coordinator = -1;
  private lastCoordinator = -1;
  private finding = false;
  private nextBootstrap = 0;
  private memberId = '';
  private generation = -1;
  private owned: TopicPartition[] = [];
  private readonly streams = new Map<string, PartitionFetcher>();
  /** Owned partitions whose stream got its position in this generation (committed or reset). */
  private readonly positioned = new Set<string>();
  private process = -1;
  private gate = new ProcessGate();
  /** The membership's second process: its commits and offset fetches, one at a time. */
  private offsetsProcess = -1;
  private offsetsGate = new ProcessGate();
  /** Requests in flight to the coordinator (its connection). */
  private readonly inFlight = new Set<PendingRequest>();
  private lastHeartbeatOkUs = 0;
  /** The application is between two polls (processing): it holds `stallGate`, so no stream polls. */
  private stalling = false;
  private stallGate: ProcessGate | undefined;
  private stallTicket = 0;
  /** A churn leave (KafkaConsumer.close) that came during a stall: the application closes once it is back. */
  private leaveAfterStall = false;
  private readonly maxPollIntervalUs: number;
  private commitInFlight = false;
  /** A rejoin waits for the synchronous commit on revoke. */
  private afterCommit: (() => void) | null = null;
  private readonly group: string;
  private readonly backoffUs: number;
  private readonly timeoutUs: number;
  private readonly sessionTimeoutMs: number;
  private readonly rebalanceTimeoutMs: number;
  private readonly heartbeatUs: number;
  private readonly autoCommit: boolean;
  private readonly autoCommitUs: number;
  /** WorkloadSpec.groupCommitSync (with enable.auto.commit=false): manual commits by commitSync(). */
  private readonly commitSyncMode: boolean;
  /** default.api.timeout.ms: the bound of a commitSync(). */
  private readonly apiTimeoutUs: number;
  /** The commitSync() the application is blocked in (queued for its process or running), if any. */
  private syncCommit: SyncCommit | null = null;
  private syncTicket = 0;
  /** The member's process (its gate) a commitSync() waits for, if any. */
  private syncQueuedOn: ProcessGate | null = null;
  /** partition.assignment.strategy=cooperative-sticky: the COOPERATIVE rebalance protocol (KIP-429). */
  private readonly cooperative: boolean;
  /** group.protocol=consumer (KIP-848): ConsumerGroupHeartbeat instead of JoinGroup/SyncGroup/Heartbeat. */
  private readonly consumerProtocol: boolean;
  /** KIP-848: the latest assignment the coordinator sent, not reconciled yet (currentTargetAssignment). */
  private target: TopicPartition[] | null = null;
  private reconciling = false;
  private heartbeatInFlight = false;
  /** KIP-848: the next heartbeat carries every field (HeartbeatState.reset after an error). */
  private fullHeartbeat = true;
  /** KIP-848: a heartbeat acknowledging a reconciliation waits for the one in flight. */
  private ackPending = false;
  /** KIP-848: the number of the latest heartbeat sent (only its answer counts). */
  private heartbeatSeq = 0;
  /** KIP-848: bumped whenever every partition is revoked or lost (offset fetches of before are void). */
  private ownershipTicket = 0;
  /** KIP-848: the member epoch of the last `assignment` recorded. */
  private recordedEpoch = -1;
  /** Figures for tests and probes. */
  readonly stats = { generations: 0, commits: 0, commitsFailed: 0, coordinatorMoves: 0, commitSyncRetries: 0 };

  constructor(
    ctx: ModelContext,
    private readonly params: GroupConsumerParams,
    private readonly lanes: LaneAllocator,
  ) {
    super(ctx, params.bootstrapBrokers, params.topics, params.config, params.recorder);
    lanes.beginIncarnation(ctx.incarnation);
    const c = params.config;
    this.group = params.group;
    this.backoffUs = msToUs(c['retry.backoff.ms']);
    this.timeoutUs = msToUs(c['request.timeout.ms']);
    this.sessionTimeoutMs = c['session.timeout.ms'] ?? 45_000;
    this.rebalanceTimeoutMs = c['max.poll.interval.ms'] ?? 300_000;
    this.heartbeatUs = msToUs(c['heartbeat.interval.ms'] ?? 3_000);
    this.autoCommit = c['enable.auto.commit'] ?? true;
    this.autoCommitUs = msToUs(c['auto.commit.interval.ms'] ?? 5_000);
    this.commitSyncMode = !this.autoCommit && params.workload.groupCommitSync === true;
    this.apiTimeoutUs = msToUs(c['default.api.timeout.ms'] ?? 60_000);
    this.maxPollIntervalUs = msToUs(this.rebalanceTimeoutMs);
    this.cooperative = c['partition.assignment.strategy'] === 'cooperative-sticky';
    this.consumerProtocol = c['group.protocol'] === 'consumer' && consumerProtocolAvailable(c['kafka.version']);
    this.scheduleStall();
    this.metadata.requestUpdate();
    this.subscribe();
    ctx.setTimer(this.heartbeatUs, 'group-heartbeat');
    if (this.autoCommit) ctx.setTimer(this.autoCommitUs, 'group-autocommit');
  }

  /** A consumer has no finite work: always done. */
  done(): boolean {
    return true;
  }

  /** KafkaConsumer.subscribe: a new membership on a fresh process. */
  private subscribe(): void {
    this.process = this.lanes.take();
    this.gate = new ProcessGate();
    this.offsetsProcess = this.lanes.take();
    this.offsetsGate = new ProcessGate();
    this.phase = 'unjoined';
    this.memberId = '';
    this.generation = -1;
    this.resetConsumerProtocolState();
    const topics = this.params.topics.map((t) => t.name);
    this.instant('subscribe', { group: this.group, topics });
    const churnMs = this.params.workload.groupChurnMs ?? 0;
    if (churnMs > 0) this.ctx.setTimer(exponentialGapUs(this.ctx.rng, churnMs), 'group-leave');
    this.resume();
  }

  private instant(f: string, value: unknown): void {
    const process = this.process;
    this.gate.instant(() => {
      const time = this.ctx.now();
      this.recorder.record({ time, process, type: 'invoke', f, value });
      this.recorder.record({ time, process, type: 'ok', f, value });
    });
  }

  // --- the coordinator ---------------------------------------------------------------------

  /** Drives the member: find the coordinator, then join unless a member of a generation. */
  private resume(): void {
    if (this.phase === 'closed') return;
    if (this.coordinator < 0) return this.findCoordinator();
    // the application thread joins, in poll() (ensureActiveGroup): not while it is stalled
    if (this.phase === 'unjoined' && !this.stalling) this.sendJoin();
  }

  private findCoordinator(): void {
    if (this.finding) return;
    this.finding = true;
    // NetworkClient.leastLoadedNode, roughly: the brokers in turn, not the coordinator whose
    // connection was just closed (markCoordinatorUnknown) when there is another
    const brokers = this.params.bootstrapBrokers;
    let node = brokers[this.nextBootstrap++ % brokers.length];
    if (node === this.lastCoordinator && brokers.length > 1) node = brokers[this.nextBootstrap++ % brokers.length];
    const correlationId = this.net.correlationId();
    this.net.request(node, { type: 'FindCoordinatorRequest', correlationId, group: this.group }, this.timeoutUs, this, {
      kind: 'find',
    });
  }

  /**
   * AbstractCoordinator.markCoordinatorUnknown: the coordinator is forgotten and its connection
   * closed (client.disconnectAsync), so every request in flight to it fails (a disconnect).
   */
  private markCoordinatorUnknown(): void {
    if (this.coordinator < 0) return;
    codeProbe('group-coordinator-moved');
    this.stats.coordinatorMoves++;
    this.lastCoordinator = this.coordinator;
    this.coordinator = -1;
    const victims = [...this.inFlight];
    for (const v of victims) this.net.abandon(v);
    for (const v of victims) this.onNoResponse(v, 'disconnect');
  }

  private send(body: GroupRequest, context: RequestContext): void {
    const correlationId = this.net.correlationId();
    const msg = { type: 'GroupRequest', correlationId, body } as const;
    this.inFlight.add(this.net.request(this.coordinator, msg, this.timeoutUs, this, context));
  }

  private sendJoin(): void {
    if (this.coordinator < 0) {
      this.phase = 'unjoined';
      return this.resume();
    }
    if (this.consumerProtocol) {
      this.phase = 'joining';
      return this.sendConsumerHeartbeat(0);
    }
    if (this.generation < 0 && this.owned.length > 0) {
      // ConsumerCoordinator.onJoinPrepare with no generation (reset by an error answer while a
      // cooperative member kept its partitions through the rebalance): they are lost
      // (invokePartitionsLost, assignFromSubscribed(empty)), not claimed in the next join
      codeProbe('group-cooperative-partitions-lost-before-join');
      this.revoke();
    }
    this.phase = 'joining';
    this.send(
      {
        type: 'JoinGroup',
        group: this.group,
        memberId: this.memberId,
        sessionTimeoutMs: this.sessionTimeoutMs,
        rebalanceTimeoutMs: this.rebalanceTimeoutMs,
        // ConsumerCoordinator.metadata: the owned partitions and generation (KIP-429, KIP-792)
        subscription: { owned: this.owned.slice(), generation: this.generation },
      },
      { kind: 'join', member: this.process },
    );
  }

  private retryLater(): void {
    this.ctx.setTimer(this.backoffUs, 'group-retry');
  }

  onResponse(request: PendingRequest, response: ClientResponse): void {
    const context = request.context as RequestContext;
    if (context.kind !== 'find' && !this.inFlight.delete(request)) return;
    if (this.staleRequest(context)) return;
    if (response.type === 'FindCoordinatorResponse') {
      this.finding = false;
      if (response.error === 'NONE') {
        this.coordinator = response.nodeId;
        this.resume();
      } else this.retryLater();
      return;
    }
    if (response.type !== 'GroupResponse') throw new Error(`group consumer: unexpected ${response.type}`);
    this.onGroupResponse(context, response.body);
  }

  onNoResponse(request: PendingRequest, _reason: NoResponseReason): void {
    const context = request.context as RequestContext;
    // a coordinator request already failed by markCoordinatorUnknown is not failed twice
    if (context.kind !== 'find' && !this.inFlight.delete(request)) return;
    if (this.staleRequest(context)) return;
    switch (context.kind) {
      case 'find':
        this.finding = false;
        this.retryLater();
        return;
      case 'heartbeat':
        this.markCoordinatorUnknown();
        return;
      case 'consumer-heartbeat':
        return this.onConsumerHeartbeatFailed(context);
      case 'commit':
        this.completeCommit(context, 'info', 'no answer');
        this.markCoordinatorUnknown();
        return;
      case 'fetch-offsets':
        this.completeFetchOffsets(context, null, 'info');
        this.markCoordinatorUnknown();
        return;
      case 'commit-sync':
        return this.onCommitSyncNoResponse(context.ticket);
      case 'poll-timeout-leave':
        return;
      case 'join':
      case 'sync':
      case 'leave':
        this.markCoordinatorUnknown();
        if (context.kind === 'leave') return this.closed();
        this.phase = 'unjoined';
        this.retryLater();
        return;
      default:
        unreachable(context);
    }
  }

  /**
   * A join or sync sent by an earlier membership (a consumer since closed, or a join the member
   * has since given up): its answer, or its failure, is nobody's. ClassicKafkaConsumer.close
   * closes the consumer's NetworkClient (closeQuietly(client)), so a closed consumer's requests
   * reach no later consumer; and AbstractCoordinator acts on the outcome of its current join
   * only (joinFuture, JoinGroupResponseHandler/SyncGroupResponseHandler check the generation).
   * Without this a sync that timed out after close() sent the closed member back to join, on
   * its old process, beside its successor (correct-model seed 60007870).
   */
  private staleRequest(context: RequestContext): boolean {
    if (context.kind === 'consumer-heartbeat')
      return context.member !== this.process || context.seq !== this.heartbeatSeq;
    if (context.kind !== 'join' && context.kind !== 'sync') return false;
    const current =
      context.member === this.process &&
      (context.kind === 'join'
        ? this.phase === 'joining'
        : this.phase === 'syncing' && context.generation === this.generation);
    if (!current) codeProbe('group-stale-join-dropped');
    return !current;
  }

  private onGroupResponse(context: RequestContext, r: GroupResponse): void {
    switch (context.kind) {
      case 'join':
        if (r.type === 'JoinGroup') this.onJoin(r);
        return;
      case 'sync':
        if (r.type === 'SyncGroup') this.onSync(context.generation, r);
        return;
      case 'heartbeat':
        if (r.type === 'Heartbeat') this.onHeartbeat(context.generation, r.error);
        return;
      case 'consumer-heartbeat':
        if (r.type === 'ConsumerGroupHeartbeat') this.onConsumerHeartbeat(context, r);
        return;
      case 'commit':
        if (r.type === 'OffsetCommit') this.onCommit(context, r.error);
        return;
      case 'fetch-offsets':
        if (r.type === 'OffsetFetch') this.onFetchOffsets(context, r);
        return;
      case 'commit-sync':
        if (r.type === 'OffsetCommit') this.onCommitSync(context.ticket, r.error);
        return;
      case 'leave':
        return this.closed();
      case 'find':
      case 'poll-timeout-leave':
        return;
      default:
        unreachable(context);
    }
  }

  /** Errors that send the member to find its coordinator again (AbstractCoordinator). */
  private coordinatorError(error: string): boolean {
    if (error === 'NOT_COORDINATOR' || error === 'COORDINATOR_NOT_AVAILABLE') {
      this.markCoordinatorUnknown();
      return true;
    }
    return error === 'COORDINATOR_LOAD_IN_PROGRESS';
  }

  /** JoinGroupResponseHandler. */
  private onJoin(r: Extract<GroupResponse, { type: 'JoinGroup' }>): void {
    if (this.phase !== 'joining') return;
    switch (r.error) {
      case 'NONE':
        break;
      case 'MEMBER_ID_REQUIRED':
        this.memberId = r.memberId;
        return this.sendJoin();
      case 'UNKNOWN_MEMBER_ID':
        // AbstractCoordinator.resetStateOnResponseError → resetStateAndGeneration: member id and
        // generation reset (the next onJoinPrepare loses what a cooperative member still owns)
        this.memberId = '';
        this.generation = -1;
        this.phase = 'unjoined';
        return this.retryLater();
      default:
        this.coordinatorError(r.error);
        this.phase = 'unjoined';
        return this.retryLater();
    }
    this.memberId = r.memberId;
    this.generation = r.generation;
    if (this.coordinator < 0) {
      // the coordinator was lost meanwhile (AbstractCoordinator: the join future fails)
      this.phase = 'unjoined';
      return this.resume();
    }
    this.phase = 'syncing';
    const body: GroupRequest = {
      type: 'SyncGroup',
      group: this.group,
      memberId: this.memberId,
      generation: r.generation,
    };
    if (r.leader === this.memberId)
      body.assignments = this.cooperative
        ? cooperativeStickyAssign(r.members, r.subscriptions ?? new Map(), this.params.topics)
        : rangeAssign(r.members, this.params.topics);
    this.send(body, { kind: 'sync', generation: r.generation, member: this.process });
  }

  /** SyncGroupResponseHandler, then ConsumerCoordinator.onJoinComplete. */
  private onSync(generation: number, r: Extract<GroupResponse, { type: 'SyncGroup' }>): void {
    if (this.phase !== 'syncing' || generation !== this.generation) return;
    if (r.error !== 'NONE') {
      if (r.error === 'UNKNOWN_MEMBER_ID' || r.error === 'ILLEGAL_GENERATION') {
        this.memberId = r.error === 'UNKNOWN_MEMBER_ID' ? '' : this.memberId;
        this.generation = -1;
      } else this.coordinatorError(r.error);
      this.phase = 'unjoined';
      return this.retryLater();
    }
    this.phase = 'stable';
    this.lastHeartbeatOkUs = this.ctx.now();
    this.stats.generations++;
    if (this.stats.generations > 1) codeProbe('group-rebalance');
    const revoked = this.cooperative ? this.revokeNotAssigned(r.assignment) : 0;
    this.owned = r.assignment.slice();
    if (!this.cooperative) this.positioned.clear();
    const partitions = this.owned.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    this.instant('assignment', { group: this.group, member: this.memberId, generation, partitions });
    if (this.owned.some((tp) => !this.positioned.has(tpKey(tp)))) this.fetchCommitted(generation);
    if (revoked > 0) {
      // ConsumerCoordinator.onJoinComplete (COOPERATIVE): revoked partitions → requestRejoin
      codeProbe('group-cooperative-revoke-and-rejoin');
      this.rejoin();
    }
  }

  /**
   * ConsumerCoordinator.onJoinComplete, COOPERATIVE: the owned partitions not in the new
   * assignment are revoked (their streams stop, a poll in flight abandoned); the ones kept go on
   * from their positions, never sought again (SubscriptionState.assignFromSubscribed keeps the
   * TopicPartitionState of a partition still assigned). Returns how many were revoked.
   */
  private revokeNotAssigned(assignment: readonly TopicPartition[]): number {
    const keep = new Set(assignment.map(tpKey));
    let revoked = 0;
    for (const tp of this.owned) {
      const key = tpKey(tp);
      if (keep.has(key)) continue;
      revoked++;
      this.positioned.delete(key);
      const f = this.streams.get(key);
      f?.stop();
      f?.abandonPoll();
    }
    return revoked;
  }

  // --- the consumer group protocol (KIP-848) -----------------------------------------------

  private resetConsumerProtocolState(): void {
    // a heartbeat still in flight is no longer the member's (its answer is ignored)
    this.heartbeatSeq++;
    this.target = null;
    this.reconciling = false;
    this.heartbeatInFlight = false;
    this.fullHeartbeat = true;
    this.ackPending = false;
    this.recordedEpoch = -1;
  }

  /**
   * ConsumerHeartbeatRequestManager.makeHeartbeatRequest (HeartbeatState.buildRequestData): the
   * member epoch and owned partitions; the rebalance timeout (max.poll.interval.ms) and the
   * subscribed topics on a full request (a join, or the first after an error). The model always
   * sends the owned partitions (Kafka: when changed since the last sent), which the coordinator
   * reads the same way.
   */
  private sendConsumerHeartbeat(memberEpoch: number): void {
    const full = memberEpoch === 0 || this.fullHeartbeat;
    this.fullHeartbeat = false;
    this.heartbeatInFlight = true;
    const body: GroupRequest = {
      type: 'ConsumerGroupHeartbeat',
      group: this.group,
      memberId: this.memberId,
      memberEpoch,
      rebalanceTimeoutMs: full ? this.rebalanceTimeoutMs : -1,
      topics: full ? this.params.topics.map((t) => t.name) : null,
      owned: memberEpoch === 0 ? [] : this.owned.slice(),
    };
    const seq = ++this.heartbeatSeq;
    this.send(body, { kind: 'consumer-heartbeat', member: this.process, memberEpoch, seq });
  }

  /** AbstractMembershipManager.leaveGroup: a heartbeat with LEAVE_GROUP_MEMBER_EPOCH (-1). */
  private sendConsumerLeave(context: Extract<RequestContext, { kind: 'leave' | 'poll-timeout-leave' }>): void {
    const body: GroupRequest = {
      type: 'ConsumerGroupHeartbeat',
      group: this.group,
      memberId: this.memberId,
      memberEpoch: -1,
      rebalanceTimeoutMs: -1,
      topics: null,
      owned: null,
    };
    this.send(body, context);
  }

  /** ConsumerHeartbeatRequestManager.poll: one heartbeat per interval, none while one is in flight. */
  private consumerHeartbeatTick(): void {
    if (this.coordinator < 0) return this.resume();
    if (!this.heartbeatInFlight) this.sendConsumerHeartbeat(this.generation);
  }

  /** ConsumerHeartbeatRequestManager.onResponse / onErrorResponse (3.9; AbstractHeartbeatRequestManager, trunk). */
  private onConsumerHeartbeat(
    context: Extract<RequestContext, { kind: 'consumer-heartbeat' }>,
    r: ConsumerHeartbeatResponse,
  ): void {
    this.heartbeatInFlight = false;
    if (this.phase !== 'joining' && this.phase !== 'stable') return;
    switch (r.error) {
      case 'NONE':
        return this.onConsumerHeartbeatSuccess(r);
      case 'FENCED_MEMBER_EPOCH':
      case 'UNKNOWN_MEMBER_ID':
        return this.consumerFenced();
      case 'NOT_COORDINATOR':
      case 'COORDINATOR_LOAD_IN_PROGRESS':
        // markCoordinatorUnknown (not for a load in progress), the next heartbeat full, retried
        return this.onConsumerHeartbeatFailed(context, r.error === 'COORDINATOR_LOAD_IN_PROGRESS');
      case 'GROUP_ID_NOT_FOUND':
      case 'INVALID_REQUEST':
        return this.consumerFatal(r.error);
      default:
        return unreachable(r.error);
    }
  }

  /**
   * No answer, or a coordinator error: HeartbeatState.reset (the next request is full), the
   * coordinator found again unless it is loading (then retry.backoff.ms); a join not answered
   * is sent again.
   */
  private onConsumerHeartbeatFailed(
    context: Extract<RequestContext, { kind: 'consumer-heartbeat' }>,
    loading = false,
  ): void {
    this.heartbeatInFlight = false;
    this.fullHeartbeat = true;
    if (!loading) this.markCoordinatorUnknown();
    if (context.memberEpoch === 0 && this.phase === 'joining') {
      this.phase = 'unjoined';
      this.retryLater();
    }
  }

  /**
   * AbstractMembershipManager.onHeartbeatSuccess: the member id and epoch the coordinator
   * answered; an assignment in the answer becomes the target to reconcile.
   */
  private onConsumerHeartbeatSuccess(r: ConsumerHeartbeatResponse): void {
    if (r.memberEpoch < 0) return;
    this.memberId = r.memberId;
    this.generation = r.memberEpoch;
    this.lastHeartbeatOkUs = this.ctx.now();
    if (this.phase === 'joining') this.phase = 'stable';
    if (r.assignment !== undefined) this.target = r.assignment.slice();
    if (this.target !== null) this.maybeReconcile();
    else if (!this.reconciling && this.generation !== this.recordedEpoch) this.recordAssignment();
    if (this.ackPending && !this.heartbeatInFlight) {
      this.ackPending = false;
      this.sendConsumerHeartbeat(this.generation);
    }
  }

  /** The member's partitions at its epoch, in the history (the classic SyncGroup's `assignment`). */
  private recordAssignment(): void {
    this.recordedEpoch = this.generation;
    this.stats.generations++;
    if (this.stats.generations > 1) codeProbe('group-rebalance');
    const partitions = this.owned.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    const value = { group: this.group, member: this.memberId, generation: this.generation, partitions };
    // The application learns it at its next poll (queued behind a stall or a commitSync): by
    // then the partitions may be gone (fenced, left past max.poll.interval.ms): not recorded.
    const ticket = this.ownershipTicket;
    const process = this.process;
    this.gate.instant(() => {
      if (ticket !== this.ownershipTicket || process !== this.process) return;
      const time = this.ctx.now();
      const v = { ...value, protocol: 'consumer' };
      this.recorder.record({ time, process, type: 'invoke', f: 'assignment', value: v });
      this.recorder.record({ time, process, type: 'ok', f: 'assignment', value: v });
    });
  }

  /**
   * AbstractMembershipManager.maybeReconcile: the partitions owned but no longer assigned are
   * revoked and the new ones added, after an auto commit of the consumed positions
   * (maybeAutoCommitSyncBeforeRevocation; the model makes one attempt); then the member
   * acknowledges at once (ACKNOWLEDGING: a heartbeat with its owned partitions). A target that
   * changes meanwhile is reconciled next.
   */
  private maybeReconcile(): void {
    if (this.reconciling || this.target === null || this.phase !== 'stable') return;
    const process = this.process;
    this.reconciling = true;
    const go = (): void => {
      if (process !== this.process || !this.reconciling) return;
      this.reconciling = false;
      const target = this.target;
      this.target = null;
      if (this.phase !== 'stable' || target === null) return;
      this.revokeAndAssign(target);
      if (this.target !== null) this.maybeReconcile();
    };
    const owned = new Set(this.owned.map(tpKey));
    const revoking = this.owned.some((tp) => !this.target!.some((x) => tpKey(x) === tpKey(tp)));
    const adding = this.target.some((tp) => !owned.has(tpKey(tp)));
    if (!revoking && !adding) {
      this.reconciling = false;
      this.target = null;
      if (this.generation !== this.recordedEpoch) this.recordAssignment();
      return;
    }
    if (this.autoCommit) this.commit(go);
    else go();
  }

  /** AbstractMembershipManager.revokeAndAssign, then ACKNOWLEDGING: the heartbeat goes now. */
  private revokeAndAssign(target: readonly TopicPartition[]): void {
    this.revokeNotAssigned(target);
    this.owned = target.slice();
    this.recordAssignment();
    if (this.owned.some((tp) => !this.positioned.has(tpKey(tp)))) this.fetchCommitted(this.offsetsEpoch());
    if (this.coordinator < 0) return;
    if (this.heartbeatInFlight) this.ackPending = true;
    else this.sendConsumerHeartbeat(this.generation);
  }

  /**
   * AbstractMembershipManager.transitionToFenced: the epoch reset, the partitions lost (no
   * commit), then a join at epoch 0 with the same member id (after retry.backoff.ms in the
   * model: Kafka rejoins once the application thread ran onPartitionsLost).
   */
  private consumerFenced(): void {
    codeProbe('group-consumer-member-fenced');
    this.generation = -1;
    this.revoke();
    this.resetConsumerProtocolState();
    this.phase = 'unjoined';
    this.retryLater();
  }

  /**
   * transitionToFatal (an error the client does not retry: the default branch of
   * onErrorResponse): the member releases its partitions and the application's poll throws; the
   * model's application closes the consumer and subscribes anew later.
   */
  private consumerFatal(error: string): void {
    codeProbe('group-consumer-fatal-error');
    this.revoke();
    this.instant('leave', { group: this.group, member: this.memberId, error });
    this.resetConsumerProtocolState();
    this.closed();
  }

  // --- offsets -----------------------------------------------------------------------------

  /**
   * What an offset fetch belongs to: the classic generation, or (KIP-848) the membership's
   * ownership, which outlives the member epoch: the epoch moves at every acknowledged
   * reconciliation, while the partitions the fetch is for stay the member's until revoked.
   */
  private offsetsEpoch(): number {
    return this.consumerProtocol ? this.ownershipTicket : this.generation;
  }

  /** refreshCommittedOffsetsIfNeeded: OffsetFetch, then the positions. */
  private fetchCommitted(generation: number): void {
    // the owned partitions with no position in this generation (cooperative: the added ones)
    const partitions = this.owned.filter((tp) => !this.positioned.has(tpKey(tp)));
    if (partitions.length === 0) return;
    const member = this.process;
    const gate = this.offsetsGate;
    const process = this.offsetsProcess;
    const go = (): void => {
      const current = member === this.process && this.phase === 'stable' && this.offsetsEpoch() === generation;
      if (!current || this.coordinator < 0) {
        gate.release();
        if (current) this.retryFetchCommitted(generation);
        return;
      }
      const offsets: GroupOffset[] = partitions.map((tp) => ({ ...tp, offset: null }));
      this.record('invoke', 'fetch-offsets', { group: this.group, offsets }, undefined, process);
      const context: RequestContext = { kind: 'fetch-offsets', generation, process, gate };
      this.send({ type: 'OffsetFetch', group: this.group, partitions }, context);
    };
    const attempt = (): void => {
      if (gate.acquire(attempt)) go();
    };
    attempt();
  }

  private retryFetchCommitted(generation: number): void {
    this.resume();
    this.ctx.setTimer(this.backoffUs, { type: 'group-refetch', generation });
  }

  private record(
    type: 'invoke' | 'ok' | 'fail' | 'info',
    f: string,
    value: unknown,
    error?: string,
    process = this.process,
  ): void {
    this.recorder.record({ time: this.ctx.now(), process, type, f, value, error });
  }

  private completeFetchOffsets(
    context: Extract<RequestContext, { kind: 'fetch-offsets' }>,
    r: Extract<GroupResponse, { type: 'OffsetFetch' }> | null,
    type: 'ok' | 'fail' | 'info',
  ): void {
    const offsets: GroupOffset[] =
      r === null
        ? []
        : r.offsets.map((o) => {
            const g: GroupOffset = { topic: o.topic, partition: o.partition, offset: o.offset < 0 ? null : o.offset };
            if (o.leaderEpoch >= 0) g.leaderEpoch = o.leaderEpoch;
            return g;
          });
    const error = type === 'ok' ? undefined : (r?.error ?? 'no answer');
    this.record(type, 'fetch-offsets', { group: this.group, offsets }, error, context.process);
    context.gate.release();
    if (type !== 'ok' && this.phase === 'stable' && this.offsetsEpoch() === context.generation)
      this.retryFetchCommitted(context.generation);
  }

  private onFetchOffsets(
    context: Extract<RequestContext, { kind: 'fetch-offsets' }>,
    r: Extract<GroupResponse, { type: 'OffsetFetch' }>,
  ): void {
    if (r.error !== 'NONE') {
      this.coordinatorError(r.error);
      return this.completeFetchOffsets(context, r, 'fail');
    }
    this.completeFetchOffsets(context, r, 'ok');
    if (this.phase !== 'stable' || this.offsetsEpoch() !== context.generation) return;
    // KIP-848: a partition revoked while its offset was fetched is not started
    const owned = new Set(this.owned.map(tpKey));
    for (const o of r.offsets) if (owned.has(tpKey(o))) this.startStream(o, o.offset, o.leaderEpoch);
  }

  /** The stream of an owned partition from its committed offset, or by auto.offset.reset. */
  private startStream(tp: TopicPartition, offset: number, leaderEpoch: number): void {
    const key = tpKey(tp);
    this.positioned.add(key);
    let f = this.streams.get(key);
    if (f !== undefined && f.isStopping()) {
      // The stream of an earlier assignment, revoked with a request still out (a validation
      // can wait request.timeout.ms on a lost broker): the new assignment starts afresh, as
      // Kafka's does (SubscriptionState.assignFromSubscribed: a partition revoked by onJoinPrepare
      // comes back as a new TopicPartitionState), at the committed offset, never at the old position.
      codeProbe('group-stream-revoked-with-request-out');
      f = undefined;
    }
    if (f !== undefined && !f.isStopped()) return;
    if (f === undefined) {
      f = this.createFetcher(tp.topic, tp.partition, this.process, {
        pollGapUs: msToUs(this.params.workload.pollIntervalMs),
        variant: this.params.variant,
        gate: this.gate,
        resetPolicy: this.resetPolicy(),
        afterPoll: (_f, records) => this.afterPoll(records.length),
      });
      this.streams.set(key, f);
    }
    if (offset >= 0) f.start(offset, leaderEpoch);
    else {
      codeProbe('group-no-committed-offset');
      f.startWithReset();
    }
  }

  /**
   * auto.offset.reset of the members: the workload's, except `none` (Kafka would throw
   * NoOffsetForPartitionException to an application with no committed offset; the members of
   * the model reset by `earliest` then, so they keep consuming).
   */
  private resetPolicy(): OffsetResetPolicy {
    const policy = this.params.config['auto.offset.reset'] ?? 'latest';
    return policy === 'none' ? 'earliest' : policy;
  }

  /** The consumed positions of the owned partitions (SubscriptionState.allConsumed). */
  private consumed(): GroupOffset[] {
    const out: GroupOffset[] = [];
    for (const tp of this.owned) {
      const f = this.streams.get(tpKey(tp));
      // positions of this generation only (stopped for a revocation or not, they still count)
      // a position whose seek the history has not recorded yet is left for the next commit
      if (f === undefined || !this.positioned.has(tpKey(tp)) || !f.hasValidPosition() || !f.positionRecorded())
        continue;
      const o: GroupOffset = { topic: tp.topic, partition: tp.partition, offset: f.position };
      if (f.lastFetchedEpoch >= 0) o.leaderEpoch = f.lastFetchedEpoch;
      out.push(o);
    }
    return out;
  }

  /**
   * enable.auto.commit=false: the application commits its positions (KafkaConsumer.commitAsync:
   * ConsumerCoordinator.commitOffsetsAsync of SubscriptionState.allConsumed) after each poll
   * that returned records, once it has processed them; a commit still in flight is not doubled
   * (the next poll's commit carries the later positions). Never stops the stream.
   */
  private afterPoll(records: number): boolean {
    if (this.autoCommit || records === 0) return false;
    codeProbe('group-manual-commit');
    if (this.commitSyncMode) this.commitSync();
    else this.commit(null);
    return false;
  }

  /** OffsetCommit of the consumed positions; `then` runs when it completes (sync commit). */
  private commit(then: (() => void) | null): void {
    if (this.commitInFlight || this.coordinator < 0 || this.generation < 0) {
      then?.();
      return;
    }
    this.commitInFlight = true;
    this.afterCommit = then;
    const member = this.process;
    const gate = this.offsetsGate;
    const process = this.offsetsProcess;
    const go = (): void => {
      const generation = this.generation;
      const memberId = this.memberId;
      const offsets = this.consumed();
      if (member !== this.process || offsets.length === 0 || this.coordinator < 0 || generation < 0) {
        gate.release();
        return this.finishCommit();
      }
      this.record('invoke', 'commit', { group: this.group, member: memberId, generation, offsets }, undefined, process);
      const body: GroupRequest = {
        type: 'OffsetCommit',
        group: this.group,
        memberId,
        generation,
        offsets: offsets.map((o) => ({
          topic: o.topic,
          partition: o.partition,
          offset: o.offset as number,
          leaderEpoch: o.leaderEpoch ?? -1,
        })),
      };
      const value = { group: this.group, member: memberId, generation, offsets };
      this.send(body, { kind: 'commit', value, process, gate });
    };
    const attempt = (): void => {
      if (gate.acquire(attempt)) go();
    };
    attempt();
  }

  /** default.api.timeout.ms passed with an attempt in flight: client.poll(future, timer) returns, the loop ends. */
  private commitSyncDeadline(ticket: number): void {
    const s = this.syncCommit;
    if (s !== null && s.ticket === ticket) this.finishCommitSync(s, 'info', 'TimeoutException');
  }

  private finishCommit(): void {
    this.commitInFlight = false;
    const then = this.afterCommit;
    this.afterCommit = null;
    then?.();
  }

  private completeCommit(
    context: Extract<RequestContext, { kind: 'commit' }>,
    type: 'ok' | 'fail' | 'info',
    error?: string,
  ): void {
    this.record(type, 'commit', context.value, error, context.process);
    if (type === 'ok') this.stats.commits++;
    else this.stats.commitsFailed++;
    context.gate.release();
    this.finishCommit();
  }

  /** OffsetCommitResponseHandler. */
  private onCommit(context: Extract<RequestContext, { kind: 'commit' }>, error: string): void {
    if (error === 'NONE') return this.completeCommit(context, 'ok');
    // NOT_COORDINATOR may answer a write that was appended and then lost its leader: unknown.
    this.completeCommit(context, error === 'NOT_COORDINATOR' ? 'info' : 'fail', error);
    if (this.coordinatorError(error)) return;
    // KIP-848: membership is the heartbeat's business; a refused commit (STALE_MEMBER_EPOCH,
    // UNKNOWN_MEMBER_ID) only fails (CommitRequestManager: the commit future fails)
    if (this.consumerProtocol) return;
    if (error === 'UNKNOWN_MEMBER_ID' || error === 'ILLEGAL_GENERATION') this.lose(error);
    else if (error === 'REBALANCE_IN_PROGRESS') this.rejoin();
  }

  // --- commitSync() -----------------------------------------------------------------------

  /**
   * KafkaConsumer.commitSync() after a poll that returned records (ClassicKafkaConsumer.commitSync:
   * ConsumerCoordinator.commitOffsetsSync of SubscriptionState.allConsumed with a timer of
   * default.api.timeout.ms). The application thread blocks: it takes the member's process (no
   * stream polls, no join, a churn close waits) until the commit ends; the heartbeat thread goes
   * on and past max.poll.interval.ms leaves the group as in a stall (pollTimeout). A commitSync
   * already waiting for the process commits the later positions (one call, not two).
   */
  private commitSync(): void {
    if (this.syncQueuedOn === this.gate || this.syncCommit !== null) return;
    const appGate = this.gate;
    this.syncQueuedOn = appGate;
    const member = this.process;
    const begin = (): void => {
      if (this.syncQueuedOn === appGate) this.syncQueuedOn = null;
      if (appGate !== this.gate || member !== this.process || this.phase === 'closing' || this.phase === 'closed')
        return appGate.release();
      this.stalling = true;
      this.stallGate = appGate;
      const ticket = ++this.stallTicket;
      this.ctx.setTimer(this.maxPollIntervalUs, { type: 'group-poll-timeout', ticket });
      this.startCommitSync(this.ctx.now() + this.apiTimeoutUs);
    };
    const attempt = (): void => {
      if (appGate.acquire(attempt)) begin();
    };
    attempt();
  }

  /** The commit's invoke once the offsets process is free; its offsets fixed at the call (allConsumed). */
  private startCommitSync(deadlineUs: number): void {
    const gate = this.offsetsGate;
    const process = this.offsetsProcess;
    const go = (): void => {
      const offsets = this.consumed();
      if (offsets.length === 0) {
        // commitOffsetsSync: empty offsets → no request (invokePendingAsyncCommits)
        gate.release();
        return this.applicationBack();
      }
      codeProbe('group-commit-sync');
      const value = { group: this.group, member: this.memberId, generation: this.generation, offsets };
      this.record('invoke', 'commit', value, undefined, process);
      const ticket = ++this.syncTicket;
      this.syncCommit = { ticket, value, process, gate, deadlineUs, attempts: 0, inFlight: false, maybeApplied: false };
      this.ctx.setTimer(Math.max(0, deadlineUs - this.ctx.now()), { type: 'group-commit-sync-deadline', ticket });
      this.attemptCommitSync(ticket);
    };
    const attempt = (): void => {
      if (gate.acquire(attempt)) go();
    };
    attempt();
  }

  /** One turn of commitOffsetsSync's loop: coordinatorUnknownAndUnreadySync, then sendOffsetCommitRequest. */
  private attemptCommitSync(ticket: number): void {
    const s = this.syncCommit;
    if (s === null || s.ticket !== ticket) return;
    if (this.ctx.now() >= s.deadlineUs) return this.finishCommitSync(s, 'info', 'TimeoutException');
    if (this.generation < 0 || this.generation !== s.value.generation || this.memberId !== s.value.member) {
      // sendOffsetCommitRequest: generationIfStable() == null → RebalanceInProgressException when
      // rebalanceInProgress(), else CommitFailedException; no request sent. A rebalance the
      // heartbeat thread learnt of (requestRejoin) leaves the generation as it is: the blocked
      // application has not rejoined yet, so the commit goes on with it (the model revokes
      // early, in rejoin, but keeps the generation).
      const rebalancing = this.phase === 'joining' || this.phase === 'syncing';
      return this.finishCommitSync(s, 'fail', rebalancing ? 'RebalanceInProgressException' : 'CommitFailedException');
    }
    if (this.coordinator < 0) {
      // coordinatorUnknownAndUnreadySync → ensureCoordinatorReady(timer): FindCoordinator, backoff
      this.resume();
      return this.sleepCommitSync(s);
    }
    s.inFlight = true;
    const v = s.value;
    const offsets = v.offsets.map((o) => ({
      topic: o.topic,
      partition: o.partition,
      offset: o.offset as number,
      leaderEpoch: o.leaderEpoch ?? -1,
    }));
    const body: GroupRequest = {
      type: 'OffsetCommit',
      group: v.group,
      memberId: v.member,
      generation: v.generation,
      offsets,
    };
    this.send(body, { kind: 'commit-sync', ticket });
  }

  /**
   * commitOffsetsSync after a retriable failure: timer.sleep(retryBackoff.backoff(attempts++))
   * (AbstractCoordinator.retryBackoff: ExponentialBackoff of retry.backoff.ms, base 2, capped at
   * retry.backoff.max.ms; its ±20% jitter left out), at most the time left (Timer.sleep), then
   * again while timer.notExpired().
   */
  private sleepCommitSync(s: SyncCommit): void {
    codeProbe('group-commit-sync-retry');
    this.stats.commitSyncRetries++;
    const maxUs = msToUs(this.params.config['retry.backoff.max.ms'] ?? 1_000);
    const backoffUs = Math.min(maxUs, this.backoffUs * 2 ** Math.min(s.attempts++, 30));
    const leftUs = s.deadlineUs - this.ctx.now();
    if (leftUs <= 0) return this.finishCommitSync(s, 'info', 'TimeoutException');
    this.ctx.setTimer(Math.min(backoffUs, leftUs), { type: 'group-commit-sync-retry', ticket: s.ticket });
  }

  /** OffsetCommitResponseHandler.handle, as commitOffsetsSync acts on it (3.9). */
  private onCommitSync(ticket: number, error: string): void {
    const s = this.syncCommit;
    if (s === null || s.ticket !== ticket) return;
    s.inFlight = false;
    switch (error) {
      case 'NONE':
        return this.finishCommitSync(s, 'ok');
      case 'COORDINATOR_LOAD_IN_PROGRESS':
      case 'UNKNOWN_TOPIC_OR_PARTITION':
        // "just retry"
        return this.sleepCommitSync(s);
      case 'COORDINATOR_NOT_AVAILABLE':
      case 'NOT_COORDINATOR':
      case 'REQUEST_TIMED_OUT':
        // markCoordinatorUnknown, retriable; NOT_COORDINATOR / REQUEST_TIMED_OUT may answer a
        // write that was appended and may still commit (as for commitAsync: unknown)
        if (error !== 'COORDINATOR_NOT_AVAILABLE') s.maybeApplied = true;
        this.markCoordinatorUnknown();
        return this.sleepCommitSync(s);
      case 'REBALANCE_IN_PROGRESS':
        // requestRejoin, RebalanceInProgressException (not retriable: commitSync throws)
        this.finishCommitSync(s, 'fail', 'RebalanceInProgressException');
        return this.rejoin();
      case 'UNKNOWN_MEMBER_ID':
      case 'ILLEGAL_GENERATION':
        // generation unchanged (the application thread is blocked here): resetStateOnResponseError,
        // CommitFailedException
        this.finishCommitSync(s, 'fail', `CommitFailedException (${error})`);
        return this.consumerProtocol ? undefined : this.lose(error);
      default:
        return this.finishCommitSync(s, 'fail', error);
    }
  }

  /**
   * No answer (a disconnect, or request.timeout.ms: NetworkClient fails it as a disconnect):
   * CoordinatorResponseHandler.onFailure marks the coordinator unknown; DisconnectException is
   * retriable. The write may have been applied.
   */
  private onCommitSyncNoResponse(ticket: number): void {
    const s = this.syncCommit;
    if (s === null || s.ticket !== ticket) return;
    s.inFlight = false;
    s.maybeApplied = true;
    this.markCoordinatorUnknown();
    this.sleepCommitSync(s);
  }

  /**
   * The commitSync() ends: ok; fail on a definite refusal (info instead when an earlier attempt
   * may have been applied); info on a timeout (commitOffsetsSync returns false →
   * TimeoutException: the last attempt may still be in flight and commit).
   */
  private finishCommitSync(s: SyncCommit, type: 'ok' | 'fail' | 'info', error?: string): void {
    const outcome = type === 'fail' && s.maybeApplied ? 'info' : type;
    this.record(outcome, 'commit', s.value, error, s.process);
    if (outcome === 'ok') this.stats.commits++;
    else this.stats.commitsFailed++;
    this.syncCommit = null;
    s.gate.release();
    this.applicationBack();
  }

  /** The application thread is back from a blocking commitSync(): its process freed, it polls again. */
  private applicationBack(): void {
    this.stalling = false;
    const gate = this.stallGate;
    this.stallGate = undefined;
    gate?.release();
    if (this.leaveAfterStall) {
      this.leaveAfterStall = false;
      return this.leave();
    }
    this.resume();
  }

  // --- membership --------------------------------------------------------------------------

  /** HeartbeatResponseHandler. */
  private onHeartbeat(generation: number, error: string): void {
    if (generation !== this.generation) return;
    // HeartbeatThread: an answer, or REBALANCE_IN_PROGRESS, resets the session (receiveHeartbeat)
    if (error === 'NONE' || error === 'REBALANCE_IN_PROGRESS') this.lastHeartbeatOkUs = this.ctx.now();
    if (error === 'NONE') return;
    if (this.coordinatorError(error)) return;
    if (error === 'REBALANCE_IN_PROGRESS') return this.rejoin();
    if (error === 'UNKNOWN_MEMBER_ID' || error === 'ILLEGAL_GENERATION') this.lose(error);
  }

  /** Partitions lost (onPartitionsLost: no commit), generation reset, join again. */
  private lose(error: string): void {
    if (this.phase !== 'stable') return;
    if (error === 'UNKNOWN_MEMBER_ID') this.memberId = '';
    this.generation = -1;
    this.revoke();
    this.phase = 'unjoined';
    this.resume();
  }

  /**
   * onJoinPrepare: commit the consumed positions, then rejoin. Eager: the fetches stop and
   * every partition is revoked first. Cooperative (KIP-429): only partitions no longer
   * subscribed are revoked (none: the subscription never changes), so the member keeps
   * fetching what it owns through the rebalance.
   */
  private rejoin(): void {
    if (this.phase !== 'stable') return;
    this.phase = 'joining';
    if (!this.cooperative) this.stopStreams();
    const process = this.process;
    const join = (): void => {
      if (process !== this.process) return;
      if (!this.cooperative) this.revoke();
      if (this.phase !== 'joining') return;
      this.phase = 'unjoined';
      this.resume();
    };
    if (this.autoCommit) this.commit(join);
    else join();
  }

  /**
   * The streams stop, and a poll in flight is abandoned: once the member begins a rebalance,
   * a close or loses its partitions, no record fetched for them reaches the application
   * (ConsumerCoordinator.onJoinPrepare revokes them; FetchCollector.fetchRecords drops fetched
   * records of a partition no longer assigned). The member's process is then free for its next
   * assignment, which Kafka hands the application in its next poll() (onJoinComplete), never
   * after a fetch in flight: the application thread does not wait on fetches.
   */
  private stopStreams(): void {
    for (const f of this.streams.values()) f.stop();
    for (const f of this.streams.values()) f.abandonPoll();
  }

  private revoke(): void {
    this.ownershipTicket++;
    this.stopStreams();
    this.owned = [];
    this.positioned.clear();
  }

  /** KafkaConsumer.close: a last commit, LeaveGroup, and a new subscription later. */
  private leave(): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    const wasMember = this.phase === 'stable';
    this.phase = 'closing';
    this.stopStreams();
    const process = this.process;
    const go = (): void => {
      if (process !== this.process) return;
      this.revoke();
      this.instant('leave', { group: this.group, member: this.memberId });
      if (this.coordinator < 0 || this.memberId === '') return this.closed();
      if (this.consumerProtocol) return this.sendConsumerLeave({ kind: 'leave' });
      this.send({ type: 'LeaveGroup', group: this.group, memberId: this.memberId }, { kind: 'leave' });
    };
    if (this.autoCommit && wasMember) this.commit(go);
    else go();
  }

  private closed(): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.generation = -1;
    this.streams.clear();
    this.ctx.setTimer(msToUs(this.sessionTimeoutMs / 4), 'group-rejoin');
  }

  // --- stalls between polls (max.poll.interval.ms) -------------------------------------------

  private scheduleStall(): void {
    const s = this.params.workload.groupStall;
    if (s !== undefined) this.ctx.setTimer(exponentialGapUs(this.ctx.rng, s.everyMs), 'group-stall');
  }

  /**
   * The application stops calling poll() to process what it got, once the poll in flight is
   * answered: it takes the member's process, so no stream polls (and no auto commit, which
   * runs inside poll()). Heartbeats go on (the heartbeat thread); past max.poll.interval.ms the
   * poll timer expires (pollTimeout).
   */
  private stall(): void {
    const s = this.params.workload.groupStall;
    if (s === undefined || this.stalling || this.phase === 'closing' || this.phase === 'closed')
      return this.scheduleStall();
    const gate = this.gate;
    const begin = (): void => {
      if (gate !== this.gate || this.stalling || this.phase === 'closing' || this.phase === 'closed') {
        gate.release();
        return this.scheduleStall();
      }
      this.stalling = true;
      this.stallGate = gate;
      const ticket = ++this.stallTicket;
      this.ctx.setTimer(msToUs(s.forMs), { type: 'group-stall-end', ticket });
      this.ctx.setTimer(this.maxPollIntervalUs, { type: 'group-poll-timeout', ticket });
    };
    const attempt = (): void => {
      if (gate.acquire(attempt)) begin();
    };
    attempt();
  }

  /**
   * AbstractCoordinator.HeartbeatThread: the poll timer expired (Heartbeat.pollTimeoutExpired →
   * handlePollTimeoutExpiry → maybeLeaveGroup): a member with a member id sends LeaveGroup
   * once (no resend), and its generation and member id are reset (resetGenerationOnLeaveGroup);
   * its partitions are lost (onJoinPrepare with no generation: onPartitionsLost, no commit).
   * It joins again as a new member at its next poll (stallEnd).
   */
  private pollTimeout(): void {
    codeProbe('group-poll-timeout');
    const memberId = this.memberId;
    if (memberId !== '' && this.coordinator >= 0 && this.phase !== 'unjoined') {
      // KIP-848: HeartbeatRequestManager.poll, poll timer expired: a leave heartbeat, its answer ignored
      if (this.consumerProtocol) this.sendConsumerLeave({ kind: 'poll-timeout-leave' });
      else this.send({ type: 'LeaveGroup', group: this.group, memberId }, { kind: 'poll-timeout-leave' });
    }
    if (memberId !== '') {
      // the stall holds the member's process: nothing else is in flight on it
      const time = this.ctx.now();
      const value = { group: this.group, member: memberId };
      this.recorder.record({ time, process: this.process, type: 'invoke', f: 'leave', value });
      this.recorder.record({ time, process: this.process, type: 'ok', f: 'leave', value });
    }
    this.revoke();
    // KIP-848 keeps the member id (MembershipManagerImpl.transitionToSendingLeaveGroup resets the
    // epoch only; maybeRejoinStaleMember joins again at epoch 0 under it)
    if (!this.consumerProtocol) this.memberId = '';
    this.generation = -1;
    this.resetConsumerProtocolState();
    if (this.phase !== 'closing' && this.phase !== 'closed') this.phase = 'unjoined';
  }

  /** The application polls again: it joins if it left (ensureActiveGroup), and its streams go on. */
  private stallEnd(): void {
    this.stalling = false;
    const gate = this.stallGate;
    this.stallGate = undefined;
    gate?.release();
    this.scheduleStall();
    if (this.leaveAfterStall) {
      this.leaveAfterStall = false;
      return this.leave();
    }
    this.resume();
  }

  override onTimer(rawTag: unknown): void {
    if (typeof rawTag === 'object' && rawTag !== null) {
      const t = rawTag as { type?: string; ticket?: number };
      if (t.type === 'group-stall-end' || t.type === 'group-poll-timeout') {
        if (!this.stalling || t.ticket !== this.stallTicket) return;
        return t.type === 'group-stall-end' ? this.stallEnd() : this.pollTimeout();
      }
    }
    if (typeof rawTag === 'object' && rawTag !== null) {
      const t = rawTag as { type?: string; ticket?: number };
      if (t.type === 'group-commit-sync-retry') return this.attemptCommitSync(t.ticket!);
      if (t.type === 'group-commit-sync-deadline') return this.commitSyncDeadline(t.ticket!);
    }
    if (typeof rawTag === 'object' && rawTag !== null && (rawTag as { type?: string }).type === 'group-refetch') {
      const generation = (rawTag as { generation: number }).generation;
      if (this.phase === 'stable' && this.offsetsEpoch() === generation) this.fetchCommitted(generation);
      return;
    }
    if (typeof rawTag !== 'string') return super.onTimer(rawTag);
    const tag = rawTag as GroupTimer;
    switch (tag) {
      case 'group-heartbeat':
        this.ctx.setTimer(this.heartbeatUs, 'group-heartbeat');
        return this.heartbeat();
      case 'group-autocommit':
        this.ctx.setTimer(this.autoCommitUs, 'group-autocommit');
        // maybeAutoCommitOffsetsAsync runs inside poll(): none while the application is stalled
        if (this.phase === 'stable' && !this.stalling) this.commit(null);
        return;
      case 'group-retry':
        return this.resume();
      case 'group-leave':
        if (this.stalling) {
          this.leaveAfterStall = true;
          return;
        }
        return this.leave();
      case 'group-stall':
        return this.stall();
      case 'group-rejoin':
        return this.subscribe();
      default:
        unreachable(tag);
    }
  }

  /** HeartbeatThread: a heartbeat per interval while a member; the session judged locally. */
  private heartbeat(): void {
    if (this.phase !== 'stable') return;
    if (this.consumerProtocol) return this.consumerHeartbeatTick();
    if (this.coordinator < 0) return this.resume();
    // AbstractCoordinator.HeartbeatThread: no answer within the session timeout (Heartbeat
    // .sessionTimeoutExpired): coordinator unknown, its connection closed, found again
    if (this.ctx.now() - this.lastHeartbeatOkUs > msToUs(this.sessionTimeoutMs)) this.markCoordinatorUnknown();
    if (this.coordinator < 0) return this.resume();
    // Heartbeat.shouldHeartbeat: one per interval, whether or not the last one was answered
    const generation = this.generation;
    this.send(
      { type: 'Heartbeat', group: this.group, memberId: this.memberId, generation },
      { kind: 'heartbeat', generation },
    );
  }
}

/** A commitSync() in progress (commitOffsetsSync's loop). */
interface SyncCommit {
  ticket: number;
  /** The history value of its invoke: offsets fixed at the call, the same on every attempt. */
  value: { group: string; member: string; generation: number; offsets: GroupOffset[] };
  /** Its history process (the membership's offsets process) and that process's gate. */
  process: number;
  gate: ProcessGate;
  /** default.api.timeout.ms after the call. */
  deadlineUs: number;
  attempts: number;
  inFlight: boolean;
  /** An earlier attempt may have been applied (no answer, NOT_COORDINATOR, REQUEST_TIMED_OUT). */
  maybeApplied: boolean;
}

type RequestContext =
  | { kind: 'find' }
  /** `member`: the membership's process when sent (see staleRequest). */
  | { kind: 'join'; member: number }
  | { kind: 'sync'; generation: number; member: number }
  | { kind: 'heartbeat'; generation: number }
  /** KIP-848: a ConsumerGroupHeartbeat of the membership `member`, naming `memberEpoch`. */
  | { kind: 'consumer-heartbeat'; member: number; memberEpoch: number; seq: number }
  | {
      kind: 'commit';
      value: { group: string; member: string; generation: number; offsets: GroupOffset[] };
      process: number;
      gate: ProcessGate;
    }
  | { kind: 'fetch-offsets'; generation: number; process: number; gate: ProcessGate }
  /** An attempt of the commitSync() numbered `ticket` (see SyncCommit). */
  | { kind: 'commit-sync'; ticket: number }
  | { kind: 'leave' }
  /** maybeLeaveGroup's LeaveGroup: a minimal-effort attempt, its answer ignored. */
  | { kind: 'poll-timeout-leave' };
