// A Kafka broker in ZooKeeper mode (Kafka 2.8–3.x, read at tag 3.6.2), issue 16 items 1–2 in
// a cluster: the KRaft broker's logs, replicas and client handling (model/broker.ts, which
// this class extends) with ZooKeeper in place of the metadata log. It registers under
// /brokers/ids and may be elected controller (model/zk-kafka.ts); as controller it runs
// model/zk-controller.ts and sends its requests through a ControllerChannelManager; as a
// broker it acts on the controller's LeaderAndIsr and UpdateMetadata, fenced by controller
// epoch and broker epoch, and sends its ISR changes to the controller as AlterPartition.
//
// Rules (each from the Kafka class and method named):
// - KafkaApis.handleLeaderAndIsrRequest / handleUpdateMetadataRequest: a request addressed to
//   an older registration of this broker (its broker epoch below this broker's current one:
//   ZkBrokerEpochManager.isBrokerEpochStale, KIP-380) is refused with STALE_BROKER_EPOCH.
// - ReplicaManager.becomeLeaderOrFollower: a LeaderAndIsr of a controller epoch older than the
//   newest this broker has acted on is refused (STALE_CONTROLLER_EPOCH); else the broker takes
//   the request's controller epoch and, for a partition whose leader epoch is newer than its
//   own (equal is ignored from a ZooKeeper controller), becomes leader or follower with the
//   request's leader, ISR and zkVersion (the partition epoch). Variant zombie-controller drops
//   the controller-epoch refusal (as before KAFKA-532 gave control requests a controller epoch).
// - ReplicaManager.maybeUpdateMetadataCache: an UpdateMetadata of an older controller epoch is
//   refused; else the metadata cache (ZkMetadataCache.updateMetadata) takes the live brokers,
//   the partitions' states and the controller id, which clients read and to which the broker
//   sends AlterPartition (MetadataCacheControllerNodeProvider).
// - Partition.isReplicaIsrEligible with a ZkMetadataCache: a follower alive in the cache may
//   join the ISR (no broker-epoch check; the controller refuses members not live).
// - ControllerChannelManager: one queue per live broker, one request in flight; a failed or
//   timed-out send (controller.socket.timeout.ms) is retried after 100 ms (RequestSendThread
//   backoff) until it is answered. A new controller starts with empty queues; a resigning one
//   drops them (ControllerChannelManager.shutdown), as does a broker that left the live set.
// - inter.broker.protocol.version below 2.7 (KafkaServer.startup builds ZkAlterPartitionManager
//   when !isAlterPartitionSupported, 3.9.0-rc3): the leader's ISR change is its own write of the
//   state znode, ReplicationUtils.updateLeaderAndIsr at its partition epoch (the zkVersion of
//   its LeaderAndIsr or last write) with the controller epoch of its LeaderAndIsr
//   (Partition.controllerEpoch); success commits the change at the new version
//   (handleAlterPartitionUpdate) and adds the partition to isrChangeSet; failure is
//   INVALID_UPDATE_VERSION (handleAlterPartitionError: pending until a LeaderAndIsr); a write
//   that throws (SESSIONEXPIRED) leaves the change pending. The isr-change-propagation task
//   (maybePropagateIsrChanges, every 2,500 ms from startup) writes the set as one
//   /isr_change_notification/isr_change_ znode once no change came for 5,000 ms or the last
//   propagation is 60,000 ms old. Variant isr-write-ignores-zkversion: the write is at any version.
// - Producer ids (ProducerIdManager), for idempotent producers and the transaction coordinator:
//   blocks unique per registration (the model numbers them from the registration's czxid
//   instead of asking the controller, AllocateProducerIds → /latest_producer_id_block).
// - As controller, the auto-leader-rebalance-task (KafkaController.scheduleAutoLeaderRebalanceTask):
//   the first check 5 s after failover, the next leader.imbalance.check.interval.seconds after
//   each (auto.leader.rebalance.enable; the check is zk-controller.ts's).
// - Controlled shutdown (KafkaServer.shutdown → controlledShutdown, 3.9.0-rc3): asked to stop
//   (the kernel's requestStop) once registered (startupComplete) with controlled.shutdown.enable
//   (default true), the broker sends ControlledShutdownRequest with its broker epoch to the
//   controller its metadata cache names, if that broker is alive in the cache; an answer without
//   error and no partitions left to move ends it; an error, partitions left, no controller known,
//   a reset connection or no answer within request.timeout.ms (IOException) cost one of
//   controlled.shutdown.max.retries (3) attempts, the next after controlled.shutdown.retry.backoff.ms
//   (5,000 ms); with none left it stops anyway ("Proceeding to do an unclean shutdown"). The
//   kernel's stop timeout still bounds the wait. Meanwhile the broker serves as before; a
//   StopReplica (ReplicaManager.stopReplicas, deletePartition=false) of a leader epoch not older
//   than the partition's stops its fetcher (stopPartitions: removeFetcherForPartitions).
// - Then the ZooKeeper session closes (KafkaServer.shutdown → zkClient.close), so the
//   registration goes at once. Without controlled shutdown (disabled, or not yet registered)
//   that is all.
// - An admin's ElectLeaders (kafka-leader-election.sh from model/zk-cluster.ts's admin node):
//   KafkaApis.handleElectLeaders → ReplicaManager.electLeaders → KafkaController.electLeaders puts the event
//   ReplicaLeaderElection
//   (AdminClientTriggered) on this broker's controller queue, whether or not it is the controller
//   (processReplicaLeaderElection answers NOT_CONTROLLER); the model answers when the event ends, not
//   when the metadata cache shows the new leader (DelayedElectLeader).

import type { Message, TimerHandle } from '../harness/types.ts';
import type { ModelActorFactory, ModelContext } from './cluster-api.ts';
import { Broker, type BrokerParams } from './broker.ts';
import type { ClientRequest, ClientResponse } from './client-protocol.ts';
import { codeProbe } from './code-probes.ts';
import { alterPartitionSupported, leaderBalanceIntervalUs } from './config.ts';
import type { ControllerRequest, ControllerResponse, PartitionState } from './internal-protocol.ts';
import type { Partition, PendingIsrChange } from './partition.ts';
import {
  type ZkAdminElectionOutcome,
  type ZkAdminElectionType,
  ZkControllerCore,
  type ZkControlledShutdownAnswer,
  type ZkControlRequest,
  type ZkLeaderAndIsr,
  type ZkStopReplica,
  type ZkUpdateMetadata,
} from './zk-controller.ts';
import { partitionWrittenProbe, ZkKafkaBroker, type ZkKafkaOptions, type ZkPartitionState } from './zk-kafka.ts';
import { isZkMessage } from './zk-protocol.ts';
import type { StateWatch, ZkRecord } from './zk-record.ts';

/** ElectLeadersRequest for one partition, as the admin (kafka-leader-election.sh, model/zk-cluster.ts) sends it. */
export interface ZkElectLeadersRequest {
  readonly type: 'ZkElectLeadersRequest';
  readonly correlationId: number;
  readonly topic: string;
  readonly partition: number;
  readonly election: ZkAdminElectionType;
}

/** ElectLeadersResponse: the partition's ReplicaElectionResult. */
export interface ZkElectLeadersResponse {
  readonly type: 'ZkElectLeadersResponse';
  readonly correlationId: number;
  readonly outcome: ZkAdminElectionOutcome;
}

/** A controller request as it travels: with the channel's correlation id. */
type ZkControlMessage = ZkControlRequest & { readonly correlationId: number };

interface ZkControlResponse {
  readonly type: 'ZkControlResponse';
  readonly correlationId: number;
  /** NOT_STARTED: no request processing yet (the model's stand-in for a refused connection). */
  readonly error: 'NONE' | 'STALE_BROKER_EPOCH' | 'STALE_CONTROLLER_EPOCH' | 'NOT_STARTED';
}

/** ControlledShutdownRequest (ControlledShutdownRequestData: brokerId, brokerEpoch). */
interface ZkControlledShutdownRequest {
  readonly type: 'ZkControlledShutdownRequest';
  readonly correlationId: number;
  readonly brokerId: number;
  readonly brokerEpoch: number;
}

type ZkControlledShutdownResponse = ZkControlledShutdownAnswer & {
  readonly type: 'ZkControlledShutdownResponse';
  readonly correlationId: number;
};

/** KafkaConfig defaults: controlled.shutdown.max.retries, controlled.shutdown.retry.backoff.ms. */
const CONTROLLED_SHUTDOWN_MAX_RETRIES = 3;
const CONTROLLED_SHUTDOWN_RETRY_BACKOFF_US = 5_000_000;
const CONTROLLED_SHUTDOWN_RETRY_TAG = 'zk-controlled-shutdown-retry';

/** RequestSendThread.backoff. */
const CHANNEL_BACKOFF_US = 100_000;
const CHANNEL_SWEEP_US = 1_000_000;
/** Producer ids per registration block. */
const PRODUCER_ID_BLOCK = 1000;
/** KafkaController.onControllerFailover: scheduleAutoLeaderRebalanceTask(delay = 5, SECONDS). */
const FIRST_REBALANCE_CHECK_US = 5_000_000;

/** A controlled-shutdown attempt's request timeout (NetworkClient's request.timeout.ms). */
function isControlledShutdownTimeout(tag: unknown): tag is { zkControlledShutdownTimeout: number } {
  return (
    typeof tag === 'object' &&
    tag !== null &&
    typeof (tag as { zkControlledShutdownTimeout?: unknown }).zkControlledShutdownTimeout === 'number'
  );
}

/** The auto-leader-rebalance-task's timer, for the controller epoch that scheduled it. */
function isAutoRebalanceTag(tag: unknown): tag is { zkAutoRebalance: number } {
  return (
    typeof tag === 'object' &&
    tag !== null &&
    typeof (tag as { zkAutoRebalance?: unknown }).zkAutoRebalance === 'number'
  );
}

export function createZkBroker(
  params: BrokerParams,
  zk: Omit<ZkKafkaOptions, 'brokerId'>,
  record?: ZkRecord,
): ModelActorFactory {
  return (ctx) => new ZkBroker(ctx, params, zk, record);
}

export class ZkBroker extends Broker {
  readonly zk: ZkKafkaBroker;
  readonly controller: ZkControllerCore;
  /**
   * The driver's watch on admin elections' unclean writes, by the admin's correlation id: told the
   * leader once ZooKeeper commits the write (ZkCommittedState), whatever becomes of this broker or its
   * answer (the election is beyond the promise from that commit on).
   */
  readonly adminUncleanWatches = new Map<number, (leader: number) => void>();
  /** ReplicaManager.controllerEpoch: the newest controller epoch this broker has acted on. */
  controllerEpochSeen = 0;
  /** The metadata cache's controller id (from UpdateMetadata), -1 unknown. */
  private metadataControllerId = -1;
  private readonly channel: ControllerChannel;
  private producerIdCount = 0;
  /** leader.imbalance.check.interval.seconds in µs; 0 = auto.leader.rebalance.enable off. */
  private readonly rebalanceIntervalUs: number;
  /** IBP < 2.7: ISR changes through ZooKeeper (ZkAlterPartitionManager), else AlterPartition. */
  private readonly isrThroughZooKeeper: boolean;
  /** Partition.controllerEpoch: the controller epoch of the LeaderAndIsr each partition leads by. */
  private readonly leaderControllerEpochs = new Map<string, number>();
  private readonly isrChanges = new IsrChangePropagation();
  /** KafkaServer.controlledShutdown: attempts left, -1 when not shutting down. */
  private controlledShutdownRetries = -1;
  /** The attempt in flight: its correlation id, controller and request-timeout timer. */
  private controlledShutdownInFlight: { correlationId: number; controller: number; timer: TimerHandle } | undefined;

  constructor(
    ctx: ModelContext,
    params: BrokerParams,
    zkOpts: Omit<ZkKafkaOptions, 'brokerId'>,
    private readonly record?: ZkRecord,
  ) {
    super(ctx, { ...params, zookeeper: true });
    const timeoutUs = (params.config['controller.socket.timeout.ms'] ?? 30_000) * 1000;
    this.rebalanceIntervalUs = leaderBalanceIntervalUs(params.config);
    this.isrThroughZooKeeper = !alterPartitionSupported(params.config);
    this.channel = new ControllerChannel(ctx, timeoutUs, (req) =>
      record?.onControllerActs(params.brokerId, req.controllerEpoch),
    );
    this.controller = new ZkControllerCore(
      () => this.zk,
      params.brokerId,
      {
        send: (to, request) => this.channel.send(to, request),
        emit: (event) => ctx.emit(event),
        dropBroker: (id) => this.channel.drop(id),
      },
      { isrChangeNotifications: this.isrThroughZooKeeper },
    );
    this.zk = new ZkKafkaBroker(
      ctx,
      { ...zkOpts, brokerId: params.brokerId },
      {
        onRegistered: (brokerEpoch) => this.onRegistered(brokerEpoch),
        onControllerFailover: (epoch) => {
          this.channel.clear();
          this.controller.onControllerFailover(epoch);
          // KafkaController.onControllerFailover: scheduleAutoLeaderRebalanceTask(delay = 5 s).
          if (this.rebalanceIntervalUs > 0) ctx.setTimer(FIRST_REBALANCE_CHECK_US, { zkAutoRebalance: epoch });
        },
        onControllerResignation: () => {
          this.channel.clear();
          this.controller.onControllerResignation();
        },
        onZNodeEvent: (e) => this.controller.onZNodeEvent(e),
      },
    );
    this.zk.start();
    ctx.setTimer(CHANNEL_SWEEP_US, 'zk-channel-sweep');
    if (this.isrThroughZooKeeper) {
      // ZkAlterPartitionManager.start: isr-change-propagation, first run at once (KafkaServer.startup).
      this.isrChanges.reset(ctx.now());
      ctx.setTimer(0, ISR_PROPAGATION_TAG);
    }
  }

  /** Partition.isReplicaIsrEligible: ZkMetadataCache.hasAliveBroker. */
  get zkMetadataCache(): boolean {
    return true;
  }

  override brokerEpoch(): number {
    return this.zk === undefined ? -1 : this.zk.brokerEpoch;
  }

  /** ZkMetadataCache.hasAliveBroker: 0 when alive (no epoch to compare in ZooKeeper mode), else -1. */
  override unfencedBrokerEpoch(brokerId: number): number {
    const b = this.imageBrokers.get(brokerId);
    return b === undefined || b.fenced ? -1 : 0;
  }

  private onRegistered(brokerEpoch: number): void {
    // KafkaServer.startup: request processing starts once the broker is registered.
    this.caughtUp = true;
    this.producerIdCount = 0;
    this.emit({ kind: 'registered', broker: this.brokerId, brokerEpoch });
  }

  // =====================================================================================
  // Dispatch

  override onMessage(from: number, message: Message): void {
    if (isZkMessage(message)) {
      this.zk.handleMessage(from, message);
      return;
    }
    const msg = message as
      | ZkControlMessage
      | ZkControlResponse
      | ZkControlledShutdownRequest
      | ZkControlledShutdownResponse
      | ControllerRequest
      | ClientRequest
      | ZkElectLeadersRequest;
    switch (msg.type) {
      case 'ZkLeaderAndIsr':
      case 'ZkUpdateMetadata':
      case 'ZkStopReplica':
        // KafkaServer.startup enables request processing only once the broker is registered:
        // before, the controller's connection is refused and it tries again (RequestSendThread).
        if (!this.caughtUp) {
          codeProbe('zk-control-request-before-startup');
          return this.answer(from, msg.correlationId, 'NOT_STARTED');
        }
        if (msg.type === 'ZkStopReplica') return this.onStopReplica(from, msg);
        return msg.type === 'ZkLeaderAndIsr' ? this.onLeaderAndIsr(from, msg) : this.onUpdateMetadata(from, msg);
      case 'ZkControlledShutdownRequest':
        return this.onControlledShutdownRequest(from, msg);
      case 'ZkControlledShutdownResponse':
        return this.onControlledShutdownResponse(msg);
      case 'ZkControlResponse':
        return this.channel.onResponse(from, msg.correlationId, msg.error);
      case 'AlterPartitionRequest':
        return this.onAlterPartitionRequest(from, msg);
      case 'InitProducerIdRequest':
        return this.onInitProducerId(from, msg);
      case 'ZkElectLeadersRequest':
        return this.electLeaders(msg, (outcome) => {
          const response: ZkElectLeadersResponse = {
            type: 'ZkElectLeadersResponse',
            correlationId: msg.correlationId,
            outcome,
          };
          this.ctx.send(from, response);
        });
      default:
        super.onMessage(from, message);
    }
  }

  override onTimer(tag: unknown): void {
    if (this.zk.handleTimer(tag)) return;
    if (tag === 'zk-channel-sweep') {
      this.channel.sweep();
      this.ctx.setTimer(CHANNEL_SWEEP_US, 'zk-channel-sweep');
      return;
    }
    if (tag === ISR_PROPAGATION_TAG) {
      this.maybePropagateIsrChanges();
      this.ctx.setTimer(ISR_CHECK_INTERVAL_US, ISR_PROPAGATION_TAG);
      return;
    }
    if (tag === CONTROLLED_SHUTDOWN_RETRY_TAG) return this.controlledShutdownAttempt();
    if (isControlledShutdownTimeout(tag)) return this.onControlledShutdownFailed(tag.zkControlledShutdownTimeout);
    if (this.channel.onTimer(tag)) return;
    if (isAutoRebalanceTag(tag)) return this.onAutoRebalanceTimer(tag.zkAutoRebalance);
    super.onTimer(tag);
  }

  /**
   * The auto-leader-rebalance-task's AutoPreferredReplicaLeaderElection event
   * (processAutoPreferredReplicaLeaderElection): ignored once this controller resigned
   * (onControllerResignation shuts the scheduler down); the next check is scheduled when it ends.
   */
  private onAutoRebalanceTimer(epoch: number): void {
    if (!this.controller.activeIn(epoch)) return;
    this.zk.submit((done) => {
      if (!this.controller.activeIn(epoch)) return done();
      this.controller.checkAndTriggerAutoLeaderRebalance(() => {
        if (this.controller.activeIn(epoch)) this.ctx.setTimer(this.rebalanceIntervalUs, { zkAutoRebalance: epoch });
        done();
      });
    });
  }

  override onDisconnect(peer: number): void {
    const attempt = this.controlledShutdownInFlight;
    // NetworkClientUtils.sendAndReceive: a disconnection is an IOException, the attempt failed.
    if (attempt !== undefined && attempt.controller === peer) this.onControlledShutdownFailed(attempt.correlationId);
    this.zk.handleDisconnect(peer);
    this.channel.onDisconnect(peer);
    super.onDisconnect(peer);
  }

  // =====================================================================================
  // Controlled shutdown (KafkaServer.controlledShutdown), then the controller's side

  /** KafkaServer.shutdown → controlledShutdown: only once startup completed and when enabled. */
  override onStopRequested(): void {
    if (this.controlledShutdownRetries >= 0) return;
    this.controlledShutdownRetries = CONTROLLED_SHUTDOWN_MAX_RETRIES;
    if (!this.caughtUp || this.config['controlled.shutdown.enable'] === false) {
      codeProbe('broker-stops-without-controlled-shutdown');
      return this.ctx.readyToStop();
    }
    this.controlledShutdownAttempt();
  }

  /** One pass of doControlledShutdown's loop: the controller from the metadata cache, if alive there. */
  private controlledShutdownAttempt(): void {
    this.controlledShutdownRetries--;
    const controller = this.metadataControllerId;
    if (controller < 0 || !this.imageBrokers.has(controller)) {
      codeProbe('zk-controlled-shutdown-no-controller');
      return this.controlledShutdownRetryOrStop();
    }
    const correlationId = this.nextCorrelationId();
    const timeoutUs = (this.config['request.timeout.ms'] ?? 30_000) * 1000;
    const timer = this.ctx.setTimer(timeoutUs, { zkControlledShutdownTimeout: correlationId });
    this.controlledShutdownInFlight = { correlationId, controller, timer };
    const request: ZkControlledShutdownRequest = {
      type: 'ZkControlledShutdownRequest',
      correlationId,
      brokerId: this.brokerId,
      brokerEpoch: this.zk.brokerEpoch,
    };
    this.ctx.send(controller, request);
  }

  /** The attempt in flight failed (IOException: reset, or no answer within the request timeout). */
  private onControlledShutdownFailed(correlationId: number): void {
    const attempt = this.controlledShutdownInFlight;
    if (attempt === undefined || attempt.correlationId !== correlationId) return;
    this.ctx.cancelTimer(attempt.timer);
    this.controlledShutdownInFlight = undefined;
    codeProbe('zk-controlled-shutdown-attempt-failed');
    this.controlledShutdownRetryOrStop();
  }

  private onControlledShutdownResponse(msg: ZkControlledShutdownResponse): void {
    const attempt = this.controlledShutdownInFlight;
    if (attempt === undefined || attempt.correlationId !== msg.correlationId) return;
    this.ctx.cancelTimer(attempt.timer);
    this.controlledShutdownInFlight = undefined;
    if (msg.error === 'NONE' && msg.remainingPartitions === 0) {
      codeProbe('zk-controlled-shutdown-succeeded');
      return this.ctx.readyToStop();
    }
    if (msg.error === 'NONE') codeProbe('zk-controlled-shutdown-partitions-remaining');
    this.controlledShutdownRetryOrStop();
  }

  /** Another attempt after the backoff, or, with no retries left, the stop anyway. */
  private controlledShutdownRetryOrStop(): void {
    if (this.controlledShutdownRetries > 0) {
      this.ctx.setTimer(CONTROLLED_SHUTDOWN_RETRY_BACKOFF_US, CONTROLLED_SHUTDOWN_RETRY_TAG);
      return;
    }
    codeProbe('zk-controlled-shutdown-retries-exhausted');
    this.ctx.readyToStop();
  }

  /** KafkaApis.handleControlledShutdownRequest → KafkaController.controlledShutdown (an event). */
  private onControlledShutdownRequest(from: number, req: ZkControlledShutdownRequest): void {
    const reply = (a: ZkControlledShutdownAnswer): void => {
      const response: ZkControlledShutdownResponse = {
        type: 'ZkControlledShutdownResponse',
        correlationId: req.correlationId,
        ...a,
      };
      this.ctx.send(from, response);
    };
    this.zk.submit((done) => this.controller.processControlledShutdown(req.brokerId, req.brokerEpoch, reply, done));
  }

  /**
   * KafkaApis.handleStopReplicaRequest → ReplicaManager.stopReplicas (deletePartition=false): a
   * partition whose leader epoch is not newer than the request's has its fetcher removed
   * (stopPartitions); an older one is FENCED_LEADER_EPOCH, left alone.
   */
  private onStopReplica(from: number, req: ZkStopReplica & { readonly correlationId: number }): void {
    const error = this.fenceControlRequest(req);
    if (error === 'NONE') {
      const p = this.partition(req.topic, req.partition);
      if (p !== undefined && (req.leaderEpoch === -1 || req.leaderEpoch >= p.leaderEpoch) && p.fetch !== null) {
        codeProbe('zk-stop-replica-stopped-fetcher');
        p.fetch = null;
      }
    }
    this.answer(from, req.correlationId, error);
  }

  /** KafkaServer.shutdown: the logs and checkpoints (Broker.onShutdown), then the session closes. */
  override onShutdown(): void {
    super.onShutdown();
    this.zk.close();
  }

  // =====================================================================================
  // The controller's requests

  /** The fencing both control requests share (KafkaApis, then ReplicaManager). */
  private fenceControlRequest(req: ZkControlMessage): ZkControlResponse['error'] {
    const own = this.zk.brokerEpoch;
    if (req.brokerEpoch !== -1 && req.brokerEpoch < own) {
      codeProbe('zk-request-stale-broker-epoch');
      return 'STALE_BROKER_EPOCH';
    }
    if (req.controllerEpoch < this.controllerEpochSeen) {
      // Variant zombie-controller: the check KAFKA-532 brought (ReplicaManager.becomeLeaderOrFollower,
      // maybeUpdateMetadataCache at 3.6.2) is gone, so a zombie controller's request is acted on.
      if (this.variant === 'zombie-controller') codeProbe('zk-request-stale-controller-epoch-accepted');
      else {
        codeProbe('zk-request-stale-controller-epoch');
        return 'STALE_CONTROLLER_EPOCH';
      }
    }
    this.controllerEpochSeen = req.controllerEpoch;
    this.record?.onBrokerActs(this.brokerId, this.ctx.incarnation, req.controllerEpoch);
    return 'NONE';
  }

  private answer(to: number, correlationId: number, error: ZkControlResponse['error']): void {
    const response: ZkControlResponse = { type: 'ZkControlResponse', correlationId, error };
    this.ctx.send(to, response);
  }

  /** KafkaApis.handleLeaderAndIsrRequest → ReplicaManager.becomeLeaderOrFollower. */
  private onLeaderAndIsr(from: number, req: ZkLeaderAndIsr & { readonly correlationId: number }): void {
    const error = this.fenceControlRequest(req);
    if (error === 'NONE') this.becomeLeaderOrFollower(req);
    this.answer(from, req.correlationId, error);
  }

  private becomeLeaderOrFollower(req: ZkLeaderAndIsr): void {
    const me = this.brokerId;
    // "Ignoring LeaderAndIsr request … as itself is not in assigned replica list".
    if (!req.replicas.includes(me)) return;
    const p = this.partition(req.topic, req.partition) ?? this.createPartition(req.topic, req.partition);
    // Only a newer leader epoch is acted on (a ZooKeeper controller's equal epoch is ignored).
    if (req.leaderEpoch <= p.leaderEpoch) return;
    if (req.leader === me) {
      p.makeLeader(req.replicas, req.isr, req.leaderEpoch, req.zkVersion);
      // Partition.makeLeader: controllerEpoch = partitionState.controllerEpoch.
      if (this.isrThroughZooKeeper)
        this.leaderControllerEpochs.set(
          partitionKey(req.topic, req.partition),
          req.stateControllerEpoch ?? req.controllerEpoch,
        );
    } else p.makeFollower(req.replicas, req.leader, req.leaderEpoch, req.zkVersion);
    this.record?.onBrokerApplies(me, req.topic, req.partition, req.leaderEpoch);
  }

  /** KafkaApis.handleUpdateMetadataRequest → ReplicaManager.maybeUpdateMetadataCache. */
  private onUpdateMetadata(from: number, req: ZkUpdateMetadata & { readonly correlationId: number }): void {
    const error = this.fenceControlRequest(req);
    if (error === 'NONE') {
      this.metadataControllerId = req.controllerId;
      // ZkMetadataCache.updateMetadata: the live brokers are replaced, the partitions' states merged.
      this.imageBrokers.clear();
      for (const id of req.liveBrokers)
        this.imageBrokers.set(id, { epoch: 0, fenced: false, inControlledShutdown: false });
      for (const s of req.partitions) {
        let list = this.imagePartitions.get(s.topic);
        if (list === undefined) {
          list = [];
          this.imagePartitions.set(s.topic, list);
        }
        const state: PartitionState = {
          topic: s.topic,
          partition: s.partition,
          replicas: s.replicas,
          isr: s.isr,
          elr: [],
          leader: s.leader,
          leaderEpoch: s.leaderEpoch,
          partitionEpoch: s.zkVersion,
        };
        list[s.partition] = state;
      }
    }
    this.answer(from, req.correlationId, error);
  }

  // =====================================================================================
  // AlterPartition: the leader's side and the controller's

  /** DefaultAlterPartitionManager: to the controller the metadata cache names (IBP < 2.7: ZooKeeper). */
  override sendAlterPartition(p: Partition, change: PendingIsrChange): void {
    if (this.isrThroughZooKeeper) return this.submitToZooKeeper(p, change);
    if (change.correlationId !== 0) codeProbe('alter-partition-resent-after-timeout');
    const correlationId = this.nextCorrelationId();
    change.correlationId = correlationId;
    const to = this.metadataControllerId;
    // No controller known yet: the sweep sends it again once the deadline passes.
    change.deadlineUs = this.nowUs() + (to < 0 ? CHANNEL_SWEEP_US : this.channel.timeoutUs);
    if (to < 0) return;
    const request: ControllerRequest = {
      type: 'AlterPartitionRequest',
      correlationId,
      brokerId: this.brokerId,
      brokerEpoch: this.zk.brokerEpoch,
      topic: p.topic,
      partition: p.partition,
      leaderEpoch: change.leaderEpoch,
      partitionEpoch: change.partitionEpoch,
      newIsrWithEpochs: change.brokerStates,
    };
    this.ctx.send(to, request);
  }

  /**
   * ZkAlterPartitionManager.submit: ReplicationUtils.updateLeaderAndIsr at the partition epoch
   * the change was computed from, its result handed to the partition as an AlterPartition
   * answer (Partition.submitAlterPartition's whenComplete). The write is retried until
   * connected, never timed out, so the sweep does not send it again.
   */
  private submitToZooKeeper(p: Partition, change: PendingIsrChange): void {
    const correlationId = this.nextCorrelationId();
    change.correlationId = correlationId;
    change.deadlineUs = Number.MAX_SAFE_INTEGER;
    const tp = partitionKey(p.topic, p.partition);
    const state: ZkPartitionState = {
      leader: this.brokerId,
      leaderEpoch: change.leaderEpoch,
      isr: change.proposedIsr,
      controllerEpoch: this.leaderControllerEpochs.get(tp) ?? this.controllerEpochSeen,
    };
    // Variant isr-write-ignores-zkversion (KAFKA-2729's family): the write ignores the cached zkVersion.
    const ignoreVersion = this.variant === 'isr-write-ignores-zkversion';
    const expected = ignoreVersion ? -1 : change.partitionEpoch;
    this.zk.updateLeaderAndIsr(
      p.topic,
      p.partition,
      state,
      expected,
      (succeeded, zkVersion) => {
        if (!succeeded) {
          codeProbe('zk-leader-isr-write-failed');
          return p.onAlterPartitionResponse(correlationId, 'INVALID_UPDATE_VERSION', -1, -1, []);
        }
        if (ignoreVersion && zkVersion > change.partitionEpoch + 1) codeProbe('zk-leader-isr-write-clobbered');
        codeProbe('zk-leader-isr-write-applied');
        this.isrChanges.add(p.topic, p.partition, this.ctx.now());
        this.announceLeaderWrite(p, state, zkVersion);
        p.onAlterPartitionResponse(correlationId, 'NONE', change.leaderEpoch, zkVersion, change.proposedIsr);
      },
      () => codeProbe('zk-leader-isr-write-threw'),
    );
  }

  /** The state znode's new record, for the driver (as the controller's writes are announced). */
  private announceLeaderWrite(p: Partition, state: ZkPartitionState, zkVersion: number): void {
    if (this.record !== undefined && !this.record.isCommittedVersion(p.topic, p.partition, zkVersion)) return;
    this.emit(partitionWrittenProbe(p, state, zkVersion));
  }

  /** ZkAlterPartitionManager.maybePropagateIsrChanges (one run at a time: the scheduler's thread). */
  private maybePropagateIsrChanges(): void {
    const nowUs = this.ctx.now();
    const batch = this.isrChanges.due(nowUs);
    if (batch === undefined) return;
    codeProbe('zk-isr-change-propagated');
    this.zk.propagateIsrChanges(
      batch,
      () => this.isrChanges.propagated(nowUs),
      () => this.isrChanges.failed(batch),
    );
  }

  /** KafkaApis.handleAlterPartitionRequest → KafkaController.alterPartitions (an event in turn). */
  /**
   * KafkaApis.handleElectLeaders for one partition (the admin's ElectLeadersRequest, kafka-leader-election.sh):
   * KafkaController.electLeaders queues ReplicaLeaderElection; `reply` gets its result when the event ends.
   */
  private electLeaders(req: ZkElectLeadersRequest, reply: (outcome: ZkAdminElectionOutcome) => void): void {
    const { topic, partition } = req;
    const watch = this.adminUncleanWatches.get(req.correlationId);
    const onUncleanWrite = (w: StateWatch): void => {
      if (watch !== undefined) this.record?.watchCommittedState(topic, partition, w, () => watch(w.leader));
    };
    this.zk.submit((done) =>
      this.controller.processAdminElection(topic, partition, req.election, reply, done, onUncleanWrite),
    );
  }

  private onAlterPartitionRequest(
    from: number,
    req: Extract<ControllerRequest, { type: 'AlterPartitionRequest' }>,
  ): void {
    const reply =
      (a: { error: ControllerResponse['error']; leader: number; leaderEpoch: number }) =>
      (partitionEpoch: number, isr: readonly number[]): void => {
        const response: ControllerResponse = {
          type: 'AlterPartitionResponse',
          correlationId: req.correlationId,
          topic: req.topic,
          partition: req.partition,
          error: a.error,
          leader: a.leader,
          leaderEpoch: a.leaderEpoch,
          partitionEpoch,
          isr,
        };
        this.ctx.send(from, response);
      };
    if (!this.zk.isActive()) return reply({ error: 'NOT_CONTROLLER', leader: -1, leaderEpoch: -1 })(-1, []);
    const request = {
      brokerId: req.brokerId,
      brokerEpoch: req.brokerEpoch,
      topic: req.topic,
      partition: req.partition,
      leaderEpoch: req.leaderEpoch,
      partitionEpoch: req.partitionEpoch,
      newIsr: req.newIsrWithEpochs.map((s) => s.brokerId),
    };
    this.zk.submit((done) =>
      this.controller.processAlterPartition(request, (a) => reply(a)(a.partitionEpoch, a.isr), done),
    );
  }

  /** InitProducerId: ids from a block unique to this registration. */
  private onInitProducerId(from: number, msg: Extract<ClientRequest, { type: 'InitProducerIdRequest' }>): void {
    const ok = this.zk.brokerEpoch >= 0 && this.producerIdCount < PRODUCER_ID_BLOCK;
    if (!ok) codeProbe('init-producer-id-before-registration');
    const response: ClientResponse = {
      type: 'InitProducerIdResponse',
      correlationId: msg.correlationId,
      error: ok ? 'NONE' : 'BROKER_NOT_AVAILABLE',
      producerId: ok ? this.allocateProducerId() : -1,
      producerEpoch: ok ? 0 : -1,
    };
    this.ctx.send(from, response);
  }

  /**
   * ProducerIdManager.generateProducerId, for idempotent producers and the transaction
   * coordinator alike (TransactionCoordinator.handleInitProducerId): the next id of a block unique
   * to this registration. Kafka at IBP >= 3.0 (RPCProducerIdManager) asks the controller for a
   * block (AllocateProducerIds; the controller's ZkProducerIdManager.getNewProducerIdBlock bumps
   * /latest_producer_id_block); the model numbers the block from the registration's czxid
   * instead: the same uniqueness, no round trip. Called once registered (request processing
   * starts then); a block holds PRODUCER_ID_BLOCK ids, more than a run allocates.
   */
  override allocateProducerId(): number {
    const czxid = this.zk.brokerEpoch;
    if (czxid < 0 || this.producerIdCount >= PRODUCER_ID_BLOCK)
      throw new Error(`broker ${this.brokerId}: producer id asked with no block (czxid ${czxid})`);
    // A compact number for the zxid (epoch, counter) of the registration, then the count in its block.
    const block = Math.floor(czxid / 2 ** 32) * 2 ** 20 + (czxid % 2 ** 32);
    return block * PRODUCER_ID_BLOCK + this.producerIdCount++;
  }
}

/** ZkAlterPartitionManager.DefaultIsrPropagationConfig: checkIntervalMs, lingerMs, maxDelayMs. */
const ISR_CHECK_INTERVAL_US = 2_500_000;
const ISR_LINGER_US = 5_000_000;
const ISR_MAX_DELAY_US = 60_000_000;
const ISR_PROPAGATION_TAG = 'zk-isr-change-propagation';

function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/**
 * ZkAlterPartitionManager's isrChangeSet with lastIsrChangeMs and lastIsrPropagationMs. A
 * propagation in flight holds the set's lock in Kafka (the scheduler thread blocks in
 * propagateIsrChanges): the model takes the batch out at once and puts it back if the write
 * throws (Kafka clears the set only after the write returns).
 */
class IsrChangePropagation {
  private readonly set = new Map<string, TopicPartition>();
  private lastChangeUs = 0;
  private lastPropagationUs = 0;
  private inFlight = false;

  reset(nowUs: number): void {
    this.lastChangeUs = nowUs;
    this.lastPropagationUs = nowUs;
  }

  add(topic: string, partition: number, nowUs: number): void {
    this.set.set(partitionKey(topic, partition), { topic, partition });
    this.lastChangeUs = nowUs;
  }

  /** The batch to write now, or undefined (nothing, lingering, or a write in flight). */
  due(nowUs: number): TopicPartition[] | undefined {
    if (this.inFlight || this.set.size === 0) return undefined;
    if (this.lastChangeUs + ISR_LINGER_US >= nowUs && this.lastPropagationUs + ISR_MAX_DELAY_US >= nowUs)
      return undefined;
    const batch = [...this.set.values()];
    this.set.clear();
    this.inFlight = true;
    return batch;
  }

  propagated(startedUs: number): void {
    this.inFlight = false;
    this.lastPropagationUs = startedUs;
  }

  failed(batch: readonly TopicPartition[]): void {
    this.inFlight = false;
    for (const tp of batch) this.set.set(partitionKey(tp.topic, tp.partition), tp);
  }
}

interface ChannelQueue {
  readonly items: ZkControlRequest[];
  /** The correlation id of the head in flight, 0 when none. */
  inFlight: number;
  sentAtUs: number;
}

/** ControllerChannelManager with one RequestSendThread per broker. */
class ControllerChannel {
  private readonly queues = new Map<number, ChannelQueue>();
  private correlation = 0;
  private generation = 0;

  constructor(
    private readonly ctx: ModelContext,
    readonly timeoutUs: number,
    /** Instrumentation: each request put on the wire (model/zk-record.ts). */
    private readonly onTransmit: (request: ZkControlRequest) => void,
  ) {}

  /** ControllerChannelManager.shutdown / startup: every queue dropped. */
  clear(): void {
    this.queues.clear();
    this.generation++;
  }

  /** ControllerChannelManager.removeBroker. */
  drop(id: number): void {
    this.queues.delete(id);
  }

  send(to: number, request: ZkControlRequest): void {
    let q = this.queues.get(to);
    if (q === undefined) {
      q = { items: [], inFlight: 0, sentAtUs: 0 };
      this.queues.set(to, q);
    }
    q.items.push(request);
    if (q.inFlight === 0) this.transmit(to, q);
  }

  private transmit(to: number, q: ChannelQueue): void {
    const head = q.items[0];
    if (head === undefined) {
      q.inFlight = 0;
      return;
    }
    q.inFlight = ++this.correlation;
    q.sentAtUs = this.ctx.now();
    this.onTransmit(head);
    const message: ZkControlMessage = { ...head, correlationId: q.inFlight };
    this.ctx.send(to, message);
  }

  onResponse(from: number, correlationId: number, error: ZkControlResponse['error']): void {
    const q = this.queues.get(from);
    if (q === undefined || q.inFlight !== correlationId) return;
    // Not started: a refused connection, the same request again after the backoff.
    if (error === 'NOT_STARTED') return this.onDisconnect(from);
    q.items.shift();
    this.transmit(from, q);
  }

  /** The connection failed: the head goes again after the backoff. */
  onDisconnect(peer: number): void {
    const q = this.queues.get(peer);
    if (q === undefined || q.inFlight === 0) return;
    q.inFlight = -1;
    this.ctx.setTimer(CHANNEL_BACKOFF_US, { zkChannel: peer, generation: this.generation });
  }

  onTimer(tag: unknown): boolean {
    if (typeof tag !== 'object' || tag === null || !('zkChannel' in tag)) return false;
    const t = tag as { zkChannel: number; generation: number };
    const q = this.queues.get(t.zkChannel);
    if (t.generation !== this.generation || q === undefined || q.inFlight !== -1) return true;
    codeProbe('zk-controller-request-resent');
    this.transmit(t.zkChannel, q);
    return true;
  }

  /** A request unanswered within the socket timeout is sent again. */
  sweep(): void {
    const now = this.ctx.now();
    for (const [to, q] of this.queues) {
      if (q.inFlight > 0 && now - q.sentAtUs >= this.timeoutUs) {
        codeProbe('zk-controller-request-resent');
        this.transmit(to, q);
      }
    }
  }
}
