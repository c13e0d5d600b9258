// A KRaft controller voter: Kafka's QuorumController over one Raft replica (raft.ts) of the
// metadata log. The active controller (the Raft leader, once it has claimed) handles broker
// registrations with broker epochs, heartbeats and session fencing, leader election (clean
// from the ISR, then the ELR of KIP-966, unclean only when enabled) and AlterPartition
// validation; every voter applies the committed log to its state.
//
// Assumptions and rules (Kafka's QuorumController, ClusterControlManager,
// ReplicationControlManager):
// - Only the active controller writes: a decision is a record handed to the Raft leader
//   (KafkaRaftClient.prepareAppend: its offset given at once, appended after the accumulator's
//   linger, raft.ts) and applied to the active controller's state at once (Kafka's timeline
//   data structures); its answer leaves only when the record is committed (ControllerWriteEvent
//   completes through deferredEventQueue.completeUpTo). An operation that writes nothing sends
//   nothing to Raft (ControllerWriteEvent.run: "it was actually just a read"); its answer still
//   waits for what was written before it (deferredEventQueue.highestPendingOffset). While
//   active, a NoOpRecord every metadata.max.idle.interval.ms (KIP-835).
//   Variant alter-partition-before-commit answers AlterPartition at once instead.
// - The other voters apply records as they commit (QuorumMetaLogListener.handleCommit). A
//   Raft leader claims (handleLeaderChange → claim) once its HW has passed its epoch start,
//   i.e. it has applied every record of the epochs before. On first activation with an empty
//   committed log, it creates the topics of the cluster spec as an administrator would once the
//   brokers are up: when every replica of a topic is registered and unfenced, so the ISR holds
//   only active replicas (ReplicationControlManager.createTopic with a manual assignment: isr =
//   replicas filtered by clusterControl::isActive). The model writes the partition leaderless
//   with its ISR, then elects the first acceptable replica in the same batch (leader epoch 1),
//   as it always has. The clients retry UNKNOWN_TOPIC_OR_PARTITION meanwhile.
// - Losing leadership renounces (QuorumController.renounce): the state goes back to the
//   committed prefix (snapshotRegistry.revertToSnapshot) and waiting answers fail with
//   NOT_CONTROLLER. A non-active voter answers every broker request NOT_CONTROLLER.
// - Heartbeat sessions are volatile: a newly active controller gives every registered broker
//   a fresh session (BrokerHeartbeatManager starts empty on activation).
// - The broker epoch is the offset of the broker's RegisterBroker record. A registration
//   from a new incarnation is refused while the old one still has a live session; once
//   accepted, an unclean previous shutdown (previousBrokerEpoch ≠ the registered epoch)
//   removes the broker from every ISR and ELR (KIP-966), a clean one from every ISR.
// - A broker is unfenced once its heartbeat shows it has applied the metadata log past its
//   registration; it is fenced (removed from ISRs, its leaderships moved) when no heartbeat
//   arrives for broker.session.timeout.ms.
// - AlterPartition is accepted only from the current leader with the current broker epoch,
//   leader epoch and partition epoch, and only if every ISR member is registered, unfenced and
//   (when the request names it) at its current broker epoch (KIP-903).
// - Elections on request (controller-elections.ts): an admin's ElectLeaders, and the
//   preferred-leader rebalance every leader.imbalance.check.interval.seconds while
//   auto.leader.rebalance.enable (QuorumController.maybeScheduleNextBalancePartitionLeaders).
// - The topics of the cluster spec are created at first boot, leaderless with every replica
//   in the ISR (all logs are empty); brokers are elected as they unfence.
// - A record this voter cannot apply halts its process (fatalFault below): QuorumController
//   sends a replay failure, on the active controller (ControllerWriteEvent) or a standby
//   (handleCommit), and any failure while renouncing, to its fatalFaultHandler, which
//   SharedServer.fatalQuorumControllerFaultHandler makes a ProcessTerminatingFaultHandler:
//   Exit.halt(1), no shutdown hook. The node is then down as by kill -9 (a combined node's
//   broker with it) and stays down: Kafka has no supervisor; only the driver (the fault
//   schedule, an operator) starts it again. The correct model never gets there.

import type { Actor, Message } from '../harness/types.ts';
import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import {
  elrEnabled,
  leaderBalanceIntervalUs,
  type KafkaConfig,
  type ProtocolVariant,
  type TopicSpec,
} from './config.ts';
import {
  assertNever,
  type ControllerErrorCode,
  type ControllerRequest,
  type ControllerResponse,
  type MetadataRecord,
  type PartitionState,
  type RaftMessage,
} from './internal-protocol.ts';
import { quorumSettingsOf, RaftReplica, type RaftHost } from './raft.ts';
import type { MetadataCommitLog, VoterState } from './metadata-image.ts';
import { buildPartitionChange, NO_LEADER, type Election } from './partition-change.ts';
import { codeProbe, probeAlterPartitionRejection } from './code-probes.ts';
import {
  electLeader,
  maybeBalancePartitionLeaders,
  type AdminElectionType,
  type ElectionHost,
  type ElectionOutcome,
} from './controller-elections.ts';

/** KRaftConfigs.METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT (metadata.max.idle.interval.ms). */
const METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT = 500;

export interface ControllerParams {
  controllerId: number;
  /** The node ids of the controller quorum's voters (controller.quorum.voters). */
  voters: readonly number[];
  /** The cluster's record of what was committed (instrumentation: views and invariants). */
  commitLog: MetadataCommitLog;
  config: KafkaConfig;
  variant: 'correct' | ProtocolVariant;
  topics: readonly TopicSpec[];
  /** Replica list (preferred leader first) of each partition. */
  assignment: (topic: TopicSpec, partition: number) => number[];
}

export interface BrokerRegistration {
  readonly brokerId: number;
  readonly epoch: number;
  readonly incarnation: number;
  readonly fenced: boolean;
  /** KIP-841: in controlled shutdown (neither an acceptable leader nor ISR-eligible). */
  readonly inControlledShutdown?: boolean;
}

/**
 * The seam every controller mode implements for the cluster driver (describe, snapshots).
 * KRaft runs its controllers as nodes of their own. ZooKeeper mode has none: its controller
 * runs inside the broker the ensemble elects (model/zk-broker.ts, zk-controller.ts), and the
 * cluster is built from ClusterSpec.zookeeper (model/zk-cluster.ts).
 */
interface ControllerNode {
  readonly mode: 'kraft' | 'zookeeper';
  partitionStates(): readonly PartitionState[];
  registration(brokerId: number): BrokerRegistration | undefined;
}

export type ControllerMode = ControllerNode['mode'];

export function createController(mode: ControllerMode, params: ControllerParams): ModelActorFactory {
  switch (mode) {
    case 'kraft':
      return (ctx) => new KraftController(ctx, params);
    case 'zookeeper':
      throw new Error(
        'ZooKeeper mode has no controller node: its controller runs in the brokers (model/zk-broker.ts); ' +
          'build the cluster from ClusterSpec.zookeeper (model/zk-cluster.ts)',
      );
    default:
      return assertNever(mode, 'controller mode');
  }
}

/** BrokerControlState of BrokerHeartbeatManager. */
type BrokerControlState = 'fenced' | 'unfenced' | 'controlled-shutdown' | 'shutdown-now';

/** An answer waiting for the records before it to commit (deferredEventQueue). */
interface DeferredReply {
  /** The log end when it was written: sent once the HW reaches it. */
  readonly end: number;
  readonly to: number;
  readonly msg: ControllerResponse;
}

const SESSION_CHECK_US = 500_000;

/** KraftController.serves: the message types a voter's onMessage acts on. */
const SERVED_TYPES: ReadonlySet<string> = new Set<(RaftMessage | ControllerRequest | ControllerResponse)['type']>([
  'VoteRequest',
  'VoteResponse',
  'BeginQuorumEpochRequest',
  'BeginQuorumEpochResponse',
  'MetadataFetchRequest',
  'MetadataFetchResponse',
  'BrokerRegistrationRequest',
  'BrokerHeartbeatRequest',
  'AlterPartitionRequest',
]);

export class KraftController implements Actor<Message>, ControllerNode, RaftHost, VoterState {
  readonly mode = 'kraft' as const;
  readonly raft: RaftReplica;
  /** Claimed: the active controller of raft epoch `activeEpoch`. */
  active = false;
  private activeEpoch = -1;
  /** Records [0, appliedEnd) of the Raft log are applied to this state. */
  private appliedEnd = 0;
  private deferred: DeferredReply[] = [];
  /** Other listeners of this voter's Raft client (a combined node's broker: SharedServer's loader). */
  private readonly raftListeners: RaftHost[] = [];
  private readonly commitLog: MetadataCommitLog;
  private readonly params: ControllerParams;
  private brokers = new Map<number, BrokerRegistration>();
  /** Last heartbeat (µs) per broker; volatile. */
  private readonly lastContactUs = new Map<number, number>();
  /** Metadata offset (exclusive end) each broker last reported in a heartbeat; volatile. */
  private readonly reportedMetadataEnd = new Map<number, number>();
  /**
   * Brokers in controlled shutdown (BrokerHeartbeatManager.controlledShutdownOffset; volatile):
   * the metadata log end after the records that began it. Shutdown is granted once every
   * active broker has applied the log that far.
   */
  private readonly controlledShutdownEnd = new Map<number, number>();
  private byTopic = new Map<string, PartitionState[]>();
  /** Every partition, in creation order (live; entries replaced on change). */
  private partitionList: PartitionState[] = [];
  private partitionIndex = new Map<string, number>();
  private readonly sessionTimeoutUs: number;
  private readonly minIsrSetting: number;
  private readonly elrEnabled: boolean;
  private readonly uncleanElection: boolean;
  private readonly variant: 'correct' | ProtocolVariant;
  /** leader.imbalance.check.interval.seconds in µs; 0 = auto.leader.rebalance.enable off. */
  private readonly balanceIntervalUs: number;
  /** metadata.max.idle.interval.ms in µs (KIP-835); 0 = no NoOpRecords. */
  private readonly noOpIntervalUs: number;
  /** The NoOpRecord schedule's generation: bumped on claim and renounce, older timers are void (cancelDeferred). */
  private noOpGeneration = 0;

  constructor(
    private readonly ctx: ModelContext,
    params: ControllerParams,
  ) {
    const config = params.config;
    this.sessionTimeoutUs = config['broker.session.timeout.ms'] * 1000;
    this.minIsrSetting = config['min.insync.replicas'];
    this.elrEnabled = elrEnabled(config);
    this.uncleanElection = config['unclean.leader.election.enable'];
    this.variant = params.variant;
    this.params = params;
    this.commitLog = params.commitLog;
    this.commitLog.onVoterStart(params.controllerId);
    ctx.setTimer(SESSION_CHECK_US, 'session-check');
    this.noOpIntervalUs = (config['metadata.max.idle.interval.ms'] ?? METADATA_MAX_IDLE_INTERVAL_MS_DEFAULT) * 1000;
    this.balanceIntervalUs = leaderBalanceIntervalUs(config);
    if (this.balanceIntervalUs > 0) ctx.setTimer(this.balanceIntervalUs, 'leader-balance');
    this.raft = new RaftReplica(
      ctx,
      {
        nodeId: params.controllerId,
        voters: params.voters,
        isVoter: true,
        ...quorumSettingsOf(config),
        variant: params.variant,
      },
      this,
    );
    this.raft.start();
  }

  // =====================================================================================
  // RaftHost: QuorumController's QuorumMetaLogListener

  /** handleCommit: announce, apply (a non-active voter), and send the answers now committed. */
  handleCommit(from: number, to: number): void {
    const log = this.raft.log;
    this.commitLog.onCommit(this.params.controllerId, log, from, to, this.ctx);
    if (!this.active) {
      for (let o = Math.max(from, this.appliedEnd); o < to; o++) this.replay(log[o].record, o);
      if (to > this.appliedEnd) this.appliedEnd = to;
    }
    // Instrumentation: this voter's state agrees with its committed prefix where it just grew.
    const range = { from, to, appliedEnd: this.appliedEnd };
    // The active controller has applied what waits in the Raft accumulator too (after the log's end).
    const pending = this.raft.pendingEntries();
    this.commitLog.checkVoterCommit(this.params.controllerId, this, log, range, this.ctx.now(), pending);
    if (this.active && this.deferred.length > 0) {
      const hw = this.raft.hw;
      let i = 0;
      while (i < this.deferred.length && this.deferred[i].end <= hw) i++;
      const ready = this.deferred.slice(0, i);
      this.deferred = this.deferred.slice(i);
      for (const d of ready) this.ctx.send(d.to, d.msg);
    }
    this.maybeClaim();
    for (const l of this.raftListeners) l.handleCommit(from, to);
  }

  /** handleLeaderChange: renounce when leadership is gone, claim when it is ours and caught up. */
  handleStateChange(): void {
    const raft = this.raft;
    if (raft.role === 'leader') this.commitLog.onLeader(raft.epoch, this.params.controllerId, this.ctx.now());
    if (this.active && (raft.role !== 'leader' || raft.epoch !== this.activeEpoch)) {
      this.renounce();
      // Instrumentation: what renounce kept is exactly the committed prefix.
      this.commitLog.checkVoterState(this.params.controllerId, this, 'renounce', this.ctx.now());
    }
    this.maybeClaim();
    for (const l of this.raftListeners) l.handleStateChange();
  }

  /** RaftClient.register: another listener of the same Raft client, caught up by its own handleCommit. */
  addRaftListener(listener: RaftHost): void {
    this.raftListeners.push(listener);
  }

  /**
   * The messages a voter serves: Raft's, and the brokers' requests on the controller listener.
   * A co-resident broker (combined mode) gets every other message, the controller's answers
   * included. onMessage's switch names the same types.
   */
  static serves(type: string): boolean {
    return SERVED_TYPES.has(type);
  }

  /** The timers this controller (and its Raft replica) sets, told apart from a co-resident broker's. */
  static ownsTimer(tag: unknown): boolean {
    if (tag === 'leader-balance' || tag === 'session-check' || tag === 'fence-stale') return true;
    if (typeof tag !== 'object' || tag === null) return false;
    return (tag as { raft?: unknown }).raft !== undefined || (tag as { noOp?: unknown }).noOp !== undefined;
  }

  handleStaleLeadership(sinceUs: number): void {
    this.commitLog.onStaleLeader(this.params.controllerId, this.raft.epoch, sinceUs, this.ctx.now());
  }

  private maybeClaim(): void {
    const raft = this.raft;
    if (this.active || raft.role !== 'leader' || raft.hw <= raft.epochStartOffset) return;
    this.active = true;
    this.activeEpoch = raft.epoch;
    codeProbe('controller-claimed');
    this.commitLog.checkVoterState(this.params.controllerId, this, 'claim', this.ctx.now());
    // A fresh heartbeat session for every registered broker (BrokerHeartbeatManager).
    const now = this.ctx.now();
    this.lastContactUs.clear();
    this.reportedMetadataEnd.clear();
    this.controlledShutdownEnd.clear();
    for (const id of this.brokers.keys()) this.lastContactUs.set(id, now);
    this.maybeCreateTopics();
    // processBatchEndOffset of the activation: the periodic tasks start, the NoOpRecord writes among them.
    this.noOpGeneration++;
    this.scheduleNextWriteNoOpRecord();
  }

  /** createTopic for each topic of the spec not yet created whose replicas are all active. */
  private maybeCreateTopics(): void {
    for (const topic of this.params.topics) {
      if (this.byTopic.has(topic.name)) continue;
      const assignments: number[][] = [];
      for (let p = 0; p < topic.partitions; p++) assignments.push(this.params.assignment(topic, p));
      if (!assignments.every((replicas) => replicas.every((r) => this.isActive(r)))) continue;
      assignments.forEach((replicas, p) => {
        const isr = replicas.filter((r) => this.isActive(r));
        this.append({
          type: 'Partition',
          state: {
            topic: topic.name,
            partition: p,
            replicas,
            isr,
            elr: [],
            leader: NO_LEADER,
            leaderEpoch: 0,
            partitionEpoch: 0,
          },
        });
      });
      this.generateLeaderAndIsrUpdates(NO_LEADER, NO_LEADER, NO_LEADER, (s) => s.topic === topic.name);
    }
  }

  /** QuorumController.renounce: back to the committed state; waiting answers fail. */
  private renounce(): void {
    this.active = false;
    this.activeEpoch = -1;
    this.noOpGeneration++; // cancelNextWriteNoOpRecord
    codeProbe('controller-renounced');
    const deferred = this.deferred;
    this.deferred = [];
    for (const d of deferred) this.ctx.send(d.to, notController(d.msg));
    this.brokers = new Map();
    this.byTopic = new Map();
    this.partitionList = [];
    this.partitionIndex = new Map();
    const log = this.raft.log;
    const hw = Math.min(this.raft.hw, log.length);
    for (let o = 0; o < hw; o++) this.replay(log[o].record, o);
    this.appliedEnd = hw;
  }

  // =====================================================================================
  // ControllerNode

  partitionStates(): readonly PartitionState[] {
    return this.partitionList;
  }

  registration(brokerId: number): BrokerRegistration | undefined {
    return this.brokers.get(brokerId);
  }

  brokerCount(): number {
    return this.brokers.size;
  }

  // =====================================================================================
  // Dispatch

  onMessage(from: number, message: Message): void {
    const msg = message as ControllerRequest | ControllerResponse | RaftMessage;
    switch (msg.type) {
      case 'VoteRequest':
      case 'VoteResponse':
      case 'BeginQuorumEpochRequest':
      case 'BeginQuorumEpochResponse':
      case 'MetadataFetchRequest':
      case 'MetadataFetchResponse':
        this.raft.onMessage(from, msg);
        return;
      case 'BrokerRegistrationRequest':
        this.handleRegistration(from, msg);
        break;
      case 'BrokerHeartbeatRequest':
        this.handleHeartbeat(from, msg);
        break;
      case 'AlterPartitionRequest':
        this.handleAlterPartition(from, msg);
        break;
      case 'BrokerRegistrationResponse':
      case 'BrokerHeartbeatResponse':
      case 'AlterPartitionResponse':
        return;
      default:
        assertNever(msg, 'controller message');
    }
  }

  onTimer(tag: unknown): void {
    if (tag === 'leader-balance') {
      if (this.active) maybeBalancePartitionLeaders(this.electionHost());
      this.ctx.setTimer(this.balanceIntervalUs, 'leader-balance');
      return;
    }
    if (tag === 'session-check' || tag === 'fence-stale') {
      // One stale broker per event; another stale one is fenced in the next event, at once.
      if (this.active && this.fenceOneStaleBroker()) this.ctx.setTimer(0, 'fence-stale');
      if (tag === 'session-check') this.ctx.setTimer(SESSION_CHECK_US, 'session-check');
      return;
    }
    const noOp = (tag as { noOp?: number } | null)?.noOp;
    if (noOp !== undefined) return this.writeNoOpRecord(noOp);
    if (this.raft.onTimer(tag)) return;
    throw new Error(`controller: unknown timer ${JSON.stringify(tag)}`);
  }

  // =====================================================================================
  // Registration, heartbeats, fencing

  /** ClusterControlManager.registerBroker. */
  private handleRegistration(
    from: number,
    req: Extract<ControllerRequest, { type: 'BrokerRegistrationRequest' }>,
  ): void {
    if (!this.active) return this.refuse(from, req);
    const id = req.brokerId;
    const existing = this.brokers.get(id);
    if (existing !== undefined && existing.incarnation === req.incarnation) {
      // "Amending registration": the same incarnation registering again (its answer was lost)
      // keeps its broker epoch, fencing and controlled-shutdown state.
      this.append({
        type: 'RegisterBroker',
        brokerId: id,
        brokerEpoch: existing.epoch,
        incarnation: req.incarnation,
        fenced: existing.fenced,
        inControlledShutdown: existing.inControlledShutdown === true,
      });
      this.lastContactUs.set(id, this.ctx.now());
      const correlationId = req.correlationId;
      const brokerEpoch = existing.epoch;
      this.reply(from, { type: 'BrokerRegistrationResponse', correlationId, error: 'NONE', brokerEpoch });
      return;
    }
    if (existing !== undefined && existing.incarnation !== req.incarnation && this.hasValidSession(existing)) {
      codeProbe('controller-duplicate-registration-refused');
      this.reply(from, {
        type: 'BrokerRegistrationResponse',
        correlationId: req.correlationId,
        error: 'DUPLICATE_BROKER_REGISTRATION',
        brokerEpoch: -1,
      });
      return;
    }
    if (existing !== undefined && existing.incarnation !== req.incarnation) {
      const clean = req.previousBrokerEpoch === existing.epoch;
      // Announced before the partition changes it causes (Kafka writes those records first,
      // then the RegisterBroker record), so a listener knows why a broker leaves an ELR.
      if (!clean)
        this.ctx.emit({
          kind: 'unclean-shutdown',
          broker: id,
          previousBrokerEpoch: req.previousBrokerEpoch,
          registeredEpoch: existing.epoch,
        });
      if (this.elrEnabled && !clean) {
        // KIP-966: an unclean shutdown may have lost data; leave every ISR and ELR.
        codeProbe('controller-unclean-shutdown-registration');
        this.generateLeaderAndIsrUpdates(NO_LEADER, NO_LEADER, id, (s) => s.isr.includes(id));
        this.generateLeaderAndIsrUpdates(NO_LEADER, NO_LEADER, id, (s) => s.elr.includes(id));
      } else {
        this.generateLeaderAndIsrUpdates(id, NO_LEADER, NO_LEADER, (s) => s.isr.includes(id));
      }
    }
    const brokerEpoch = this.raft.nextOffset();
    // A new incarnation: the old one's heartbeat state goes (heartbeatManager.remove).
    this.controlledShutdownEnd.delete(id);
    this.reportedMetadataEnd.delete(id);
    this.append({ type: 'RegisterBroker', brokerId: id, brokerEpoch, incarnation: req.incarnation });
    this.lastContactUs.set(id, this.ctx.now());
    this.reply(from, {
      type: 'BrokerRegistrationResponse',
      correlationId: req.correlationId,
      error: 'NONE',
      brokerEpoch,
    });
  }

  private hasValidSession(reg: BrokerRegistration): boolean {
    if (reg.fenced) return false;
    const last = this.lastContactUs.get(reg.brokerId) ?? 0;
    return last + this.sessionTimeoutUs >= this.ctx.now();
  }

  /**
   * ReplicationControlManager.processBrokerHeartbeat with
   * BrokerHeartbeatManager.calculateNextBrokerState (KIP-841 controlled shutdown).
   */
  private handleHeartbeat(from: number, req: Extract<ControllerRequest, { type: 'BrokerHeartbeatRequest' }>): void {
    if (!this.active) return this.refuse(from, req);
    const reg = this.brokers.get(req.brokerId);
    if (reg === undefined || reg.epoch !== req.brokerEpoch) {
      codeProbe('controller-heartbeat-stale-broker-epoch');
      this.reply(from, {
        type: 'BrokerHeartbeatResponse',
        correlationId: req.correlationId,
        error: 'STALE_BROKER_EPOCH',
        isFenced: true,
        shouldShutDown: false,
      });
      return;
    }
    const id = reg.brokerId;
    this.lastContactUs.set(id, this.ctx.now());
    this.reportedMetadataEnd.set(id, req.currentMetadataOffset);
    const next = this.nextBrokerState(reg, req);
    switch (next) {
      case 'fenced':
      case 'unfenced':
        // Unfence once the broker has applied the metadata log past its own registration.
        if (reg.fenced && next === 'unfenced') {
          this.append({ type: 'BrokerFencing', brokerId: id, brokerEpoch: reg.epoch, fenced: false });
          this.generateLeaderAndIsrUpdates(NO_LEADER, id, NO_LEADER, (s) => s.leader === NO_LEADER);
          this.maybeCreateTopics();
        }
        break;
      case 'controlled-shutdown':
        if (!this.controlledShutdownEnd.has(id)) {
          // handleBrokerInControlledShutdown: mark the registration, then leave every ISR
          // (leaderships move); the shutdown completes once everyone has seen it.
          if (reg.inControlledShutdown !== true) {
            const brokerEpoch = reg.epoch;
            const change = { brokerId: id, brokerEpoch, fenced: false, inControlledShutdown: true };
            this.append({ type: 'BrokerFencing', ...change });
          }
          this.generateLeaderAndIsrUpdates(id, NO_LEADER, NO_LEADER, (s) => s.isr.includes(id));
          this.controlledShutdownEnd.set(id, this.raft.nextOffset());
          codeProbe('controlled-shutdown-begun');
          this.ctx.emit({ kind: 'controlled-shutdown', broker: id, brokerEpoch: reg.epoch });
        }
        break;
      case 'shutdown-now':
        // handleBrokerFenced (a fenced broker asking to stop has nothing left to hand over).
        if (!reg.fenced) this.fenceBroker(reg);
        this.controlledShutdownEnd.delete(id);
        break;
      default:
        assertNever(next, 'broker control state');
    }
    const now = this.brokers.get(id)!;
    this.reply(from, {
      type: 'BrokerHeartbeatResponse',
      correlationId: req.correlationId,
      error: 'NONE',
      isFenced: now.fenced,
      shouldShutDown: next === 'shutdown-now' && shutdownGranted(),
    });
  }

  /** BrokerHeartbeatManager.calculateNextBrokerState. */
  private nextBrokerState(
    reg: BrokerRegistration,
    req: Extract<ControllerRequest, { type: 'BrokerHeartbeatRequest' }>,
  ): BrokerControlState {
    if (reg.fenced) {
      if (req.wantShutDown) return 'shutdown-now';
      return req.currentMetadataOffset > reg.epoch ? 'unfenced' : 'fenced';
    }
    const end = this.controlledShutdownEnd.get(reg.brokerId);
    if (end === undefined) {
      if (!req.wantShutDown) return 'unfenced';
      return this.hasLeaderships(reg.brokerId) ? 'controlled-shutdown' : 'shutdown-now';
    }
    if (this.hasLeaderships(reg.brokerId)) return 'controlled-shutdown';
    return end <= this.lowestActiveMetadataEnd() ? 'shutdown-now' : 'controlled-shutdown';
  }

  /** BrokerToIsrs.hasLeaderships. */
  private hasLeaderships(brokerId: number): boolean {
    for (let i = 0; i < this.partitionList.length; i++) if (this.partitionList[i].leader === brokerId) return true;
    return false;
  }

  /** BrokerHeartbeatManager.lowestActiveOffset: over unfenced brokers not shutting down. */
  private lowestActiveMetadataEnd(): number {
    let lowest = Number.POSITIVE_INFINITY;
    for (const reg of this.brokers.values()) {
      if (reg.fenced || this.controlledShutdownEnd.has(reg.brokerId)) continue;
      const end = this.reportedMetadataEnd.get(reg.brokerId) ?? 0;
      if (end < lowest) lowest = end;
    }
    return lowest;
  }

  /**
   * QuorumController's fence-stale-brokers event with ReplicationControlManager.
   * maybeFenceOneStaleBroker: one broker (the longest silent) per controller event, so the
   * effect of each fencing is committed before the next; the next event follows at once.
   */
  private fenceOneStaleBroker(): boolean {
    const now = this.ctx.now();
    let stalest: BrokerRegistration | undefined;
    let stalestUs = Number.POSITIVE_INFINITY;
    for (const reg of this.brokers.values()) {
      if (reg.fenced) continue;
      const last = this.lastContactUs.get(reg.brokerId) ?? 0;
      if (last + this.sessionTimeoutUs >= now) continue;
      if (last < stalestUs || (last === stalestUs && stalest !== undefined && reg.brokerId < stalest.brokerId)) {
        stalest = reg;
        stalestUs = last;
      }
    }
    if (stalest === undefined) return false;
    codeProbe('controller-fenced-session-expired');
    this.fenceBroker(stalest);
    this.controlledShutdownEnd.delete(stalest.brokerId);
    return true;
  }

  /** handleBrokerFenced: leave every ISR (leaderships move), then the fence record. */
  private fenceBroker(reg: BrokerRegistration): void {
    this.generateLeaderAndIsrUpdates(reg.brokerId, NO_LEADER, NO_LEADER, (s) => s.isr.includes(reg.brokerId));
    this.append({ type: 'BrokerFencing', brokerId: reg.brokerId, brokerEpoch: reg.epoch, fenced: true });
  }

  /** ClusterControlManager.isActive: registered, unfenced, not in controlled shutdown. */
  private isActive(brokerId: number): boolean {
    const reg = this.brokers.get(brokerId);
    return reg !== undefined && !reg.fenced && reg.inControlledShutdown !== true;
  }

  private minIsrOf(s: PartitionState): number {
    return this.minIsrSetting < s.replicas.length ? this.minIsrSetting : s.replicas.length;
  }

  /**
   * ReplicationControlManager.generateLeaderAndIsrUpdates: for every partition matching,
   * remove `brokerToRemove` / `uncleanBroker` from the ISR and re-run the election, where
   * `brokerToAdd` counts as an acceptable leader even before its unfence record is applied.
   */
  private generateLeaderAndIsrUpdates(
    brokerToRemove: number,
    brokerToAdd: number,
    uncleanBroker: number,
    which: (s: PartitionState) => boolean,
  ): void {
    const isAcceptableLeader = (r: number): boolean =>
      r !== brokerToRemove && r !== uncleanBroker && (r === brokerToAdd || this.isActive(r));
    for (let i = 0; i < this.partitionList.length; i++) {
      const s = this.partitionList[i];
      if (!which(s)) continue;
      const targetIsr = s.isr.filter((r) => r !== brokerToRemove && r !== uncleanBroker);
      const next = buildPartitionChange(s, targetIsr, {
        isAcceptableLeader,
        minIsr: this.minIsrOf(s),
        elrEnabled: this.elrEnabled,
        uncleanElection: this.uncleanElection,
        uncleanShutdownReplicas: uncleanBroker !== NO_LEADER ? [uncleanBroker] : undefined,
        keepLastIsrMember: this.variant === 'last-replica-standing',
      });
      if (next !== null) this.append({ type: 'Partition', state: next });
    }
  }

  // =====================================================================================
  // Elections on request (controller-elections.ts)

  /** ElectLeaders from an admin (kafka-leader-election.sh) for one partition; committed at once. */
  electLeaders(topic: string, partition: number, type: AdminElectionType): ElectionOutcome {
    if (!this.active) return { error: 'NOT_CONTROLLER', leader: NO_LEADER, unclean: false };
    return electLeader(this.electionHost(), topic, partition, type);
  }

  private electionHost(): ElectionHost {
    return {
      partition: (topic, partition) => this.partitionOf(topic, partition),
      partitions: () => this.partitionList.slice(),
      changeOptions: (s, election: Election) => ({
        isAcceptableLeader: (r: number) => this.isActive(r),
        minIsr: this.minIsrOf(s),
        elrEnabled: this.elrEnabled,
        uncleanElection: this.uncleanElection,
        keepLastIsrMember: this.variant === 'last-replica-standing',
        election,
      }),
      appendPartition: (next) => this.append({ type: 'Partition', state: next }),
    };
  }

  // =====================================================================================
  // AlterPartition

  private handleAlterPartition(from: number, req: Extract<ControllerRequest, { type: 'AlterPartitionRequest' }>): void {
    if (!this.active) return this.refuse(from, req);
    const respond = (error: ControllerErrorCode, s: PartitionState | undefined): void => {
      if (error !== 'NONE') probeAlterPartitionRejection(error);
      this.ctx.emit({
        kind: 'alter-partition-applied',
        topic: req.topic,
        partition: req.partition,
        isr: error === 'NONE' && s !== undefined ? s.isr.slice() : req.newIsrWithEpochs.map((b) => b.brokerId),
        accepted: error === 'NONE',
      });
      const answer: ControllerResponse = {
        type: 'AlterPartitionResponse',
        correlationId: req.correlationId,
        topic: req.topic,
        partition: req.partition,
        error,
        leader: s?.leader ?? -1,
        leaderEpoch: s?.leaderEpoch ?? -1,
        partitionEpoch: s?.partitionEpoch ?? -1,
        isr: s?.isr ?? [],
      };
      // Variant alter-partition-before-commit: the answer leaves before the change commits.
      if (this.variant === 'alter-partition-before-commit') this.ctx.send(from, answer);
      else this.reply(from, answer);
    };
    // checkBrokerEpoch: the leader's own registration must be current.
    const sender = this.brokers.get(req.brokerId);
    if (sender === undefined || sender.epoch !== req.brokerEpoch) return respond('STALE_BROKER_EPOCH', undefined);
    const s = this.partitionOf(req.topic, req.partition);
    if (s === undefined) return respond('UNKNOWN_TOPIC_OR_PARTITION', undefined);
    const error = this.validateAlterPartition(req, s);
    if (error !== 'NONE') return respond(error, undefined);
    const next = buildPartitionChange(
      s,
      req.newIsrWithEpochs.map((b) => b.brokerId),
      {
        isAcceptableLeader: (r) => this.isActive(r),
        minIsr: this.minIsrOf(s),
        elrEnabled: this.elrEnabled,
        uncleanElection: false,
        keepLastIsrMember: this.variant === 'last-replica-standing',
      },
    );
    if (next !== null) this.append({ type: 'Partition', state: next });
    const now = this.partitionOf(req.topic, req.partition)!;
    // The change moved the leadership away (e.g. the leader is in controlled shutdown):
    // applied, but the leader must learn it from the metadata (ReplicationControlManager.alterPartition).
    if (now.leader !== req.brokerId) return respond('NEW_LEADER_ELECTED', undefined);
    respond('NONE', now);
  }

  /** ReplicationControlManager.validateAlterPartitionData, in its order. */
  private validateAlterPartition(
    req: Extract<ControllerRequest, { type: 'AlterPartitionRequest' }>,
    s: PartitionState,
  ): ControllerErrorCode {
    if (req.leaderEpoch > s.leaderEpoch || req.partitionEpoch > s.partitionEpoch) return 'NOT_CONTROLLER';
    if (req.leaderEpoch < s.leaderEpoch) return 'FENCED_LEADER_EPOCH';
    if (req.brokerId !== s.leader) {
      codeProbe('alter-partition-invalid-not-leader');
      return 'INVALID_REQUEST';
    }
    // Variant unfenced-alter-partition undoes the partition-epoch fence (the zkVersion
    // conditional update of ZooKeeper days, the partition epoch of KIP-497/KRaft): an ISR
    // change computed from a stale view of the ISR then overwrites newer controller decisions.
    if (req.partitionEpoch < s.partitionEpoch && this.variant !== 'unfenced-alter-partition')
      return 'INVALID_UPDATE_VERSION';
    const newIsr = req.newIsrWithEpochs;
    // Replicas.validateIsr (members are replicas, no duplicates), then the leader must be in it.
    for (let i = 0; i < newIsr.length; i++) {
      const b = newIsr[i].brokerId;
      if (!s.replicas.includes(b) || newIsr.findIndex((x) => x.brokerId === b) !== i) {
        codeProbe('alter-partition-invalid-isr-member');
        return 'INVALID_REQUEST';
      }
    }
    if (!newIsr.some((b) => b.brokerId === s.leader)) {
      codeProbe('alter-partition-invalid-isr-without-leader');
      return 'INVALID_REQUEST';
    }
    // ineligibleReplicasForIsr: not registered, shutting down (KIP-841), fenced, stale epoch (KIP-903).
    for (const b of newIsr) {
      const reg = this.brokers.get(b.brokerId);
      if (reg === undefined) return 'INELIGIBLE_REPLICA';
      // Variant controlled-shutdown-isr (undoes KIP-841): a broker in controlled shutdown may join.
      if (reg.inControlledShutdown === true && this.variant !== 'controlled-shutdown-isr') return 'INELIGIBLE_REPLICA';
      if (reg.fenced) return 'INELIGIBLE_REPLICA';
      // KIP-903: a broker epoch other than the current registration's (-1 = not checked).
      const staleReplicaEpoch = b.brokerEpoch !== -1 && b.brokerEpoch !== reg.epoch;
      if (staleReplicaEpoch) codeProbe('alter-partition-rejected-stale-replica-epoch');
      if (b.brokerEpoch !== -1 && b.brokerEpoch !== reg.epoch) return 'INELIGIBLE_REPLICA';
    }
    return 'NONE';
  }

  // =====================================================================================
  // Metadata log

  /** Append as the Raft leader and apply at once (the active controller's uncommitted state). */
  private append(record: MetadataRecord): void {
    const offset = this.raft.appendAsLeader(record);
    this.replay(record, offset);
    this.appliedEnd = offset + 1;
  }

  /**
   * QuorumController.maybeScheduleNextWriteNoOpRecord (KIP-835): while active, a NoOpRecord every
   * metadata.max.idle.interval.ms, whatever else is written (the event schedules the next one as
   * it runs; renounce cancels it). MetadataVersion.isNoOpRecordSupported is IBP_3_3_IV1 and
   * later: every kafka.version of the model (3.6 on) bootstraps above it.
   */
  private scheduleNextWriteNoOpRecord(): void {
    if (this.noOpIntervalUs > 0) this.ctx.setTimer(this.noOpIntervalUs, { noOp: this.noOpGeneration });
  }

  private writeNoOpRecord(generation: number): void {
    if (!this.active || generation !== this.noOpGeneration) return;
    this.scheduleNextWriteNoOpRecord();
    this.append({ type: 'NoOp' });
  }

  /** An answer that leaves once everything written so far is committed. */
  private reply(to: number, msg: ControllerResponse): void {
    const end = this.raft.nextOffset();
    if (this.raft.hw >= end) this.ctx.send(to, msg);
    else this.deferred.push({ end, to, msg });
  }

  private send(to: number, msg: ControllerResponse): void {
    this.ctx.send(to, msg);
  }

  /** A broker request to a voter that is not the active controller. */
  private refuse(to: number, req: ControllerRequest): void {
    codeProbe('controller-not-active-refused');
    switch (req.type) {
      case 'BrokerRegistrationRequest':
        return this.send(to, {
          type: 'BrokerRegistrationResponse',
          correlationId: req.correlationId,
          error: 'NOT_CONTROLLER',
          brokerEpoch: -1,
        } satisfies ControllerResponse);
      case 'BrokerHeartbeatRequest':
        return this.send(to, {
          type: 'BrokerHeartbeatResponse',
          correlationId: req.correlationId,
          error: 'NOT_CONTROLLER',
          isFenced: true,
          shouldShutDown: false,
        } satisfies ControllerResponse);
      case 'AlterPartitionRequest':
        return this.ctx.send(to, notController(alterPartitionAnswer(req)));
      case 'MetadataFetchRequest':
        return;
      default:
        assertNever(req, 'controller request');
    }
  }

  /** Apply one record to this voter's state (the committed image, or the active controller's). */
  private replay(record: MetadataRecord, offset: number): void {
    switch (record.type) {
      case 'RegisterBroker':
        this.brokers.set(record.brokerId, {
          brokerId: record.brokerId,
          epoch: record.brokerEpoch,
          incarnation: record.incarnation,
          fenced: record.fenced ?? true,
          inControlledShutdown: record.inControlledShutdown === true,
        });
        return;
      case 'BrokerFencing': {
        const reg = this.brokers.get(record.brokerId);
        // ClusterControlManager.replayRegistrationChange throws "Unable to replay ...: no broker
        // registration found for that id" (or "with that epoch found").
        if (reg === undefined || reg.epoch !== record.brokerEpoch) {
          const why = reg === undefined ? 'found for that id' : 'with that epoch found';
          return this.fatalFault(
            `Unable to apply BrokerFencing record at offset ${offset}: no broker registration ${why}`,
          );
        }
        const inControlledShutdown = record.inControlledShutdown ?? reg.inControlledShutdown === true;
        // Spelled out, not spread: V8's generic clone of `{ ...reg }` ran on every fencing change.
        this.brokers.set(record.brokerId, {
          brokerId: reg.brokerId,
          epoch: reg.epoch,
          incarnation: reg.incarnation,
          fenced: record.fenced,
          inControlledShutdown,
        });
        return;
      }
      case 'Partition': {
        const s = record.state;
        const key = `${s.topic}\u0000${s.partition}`;
        const i = this.partitionIndex.get(key);
        if (i === undefined) {
          this.partitionIndex.set(key, this.partitionList.length);
          this.partitionList.push(s);
        } else {
          this.partitionList[i] = s;
        }
        let list = this.byTopic.get(s.topic);
        if (list === undefined) {
          list = [];
          this.byTopic.set(s.topic, list);
        }
        list[s.partition] = s;
        return;
      }
      case 'LeaderChange':
      case 'NoOp':
        return;
      default:
        assertNever(record, 'metadata record');
    }
  }

  /**
   * QuorumController's fatalFaultHandler.handleFault (ProcessTerminatingFaultHandler: log, then
   * Exit.halt(1)): the process dies here, this handler never returns (NodeContext.halt).
   */
  private fatalFault(message: string): never {
    codeProbe('controller-fatal-fault-halt');
    return this.ctx.halt(`quorum controller ${this.params.controllerId}: ${message}`);
  }

  partitionOf(topic: string, partition: number): PartitionState | undefined {
    const list = this.byTopic.get(topic);
    return list === undefined ? undefined : list[partition];
  }
}

/** The NOT_CONTROLLER form of an answer (a renounced controller's waiting answers). */
function notController(msg: ControllerResponse): ControllerResponse {
  switch (msg.type) {
    case 'BrokerRegistrationResponse':
    case 'BrokerHeartbeatResponse':
    case 'AlterPartitionResponse':
      return { ...msg, error: 'NOT_CONTROLLER' };
    case 'MetadataFetchResponse':
      return msg;
    default:
      return assertNever(msg, 'controller response');
  }
}

function alterPartitionAnswer(req: Extract<ControllerRequest, { type: 'AlterPartitionRequest' }>): ControllerResponse {
  return {
    type: 'AlterPartitionResponse',
    correlationId: req.correlationId,
    topic: req.topic,
    partition: req.partition,
    error: 'NOT_CONTROLLER',
    leader: -1,
    leaderEpoch: -1,
    partitionEpoch: -1,
    isr: [],
  };
}

/** Marks the controller's grant of a controlled shutdown (a code probe), and grants it. */
function shutdownGranted(): true {
  codeProbe('controlled-shutdown-granted');
  return true;
}
