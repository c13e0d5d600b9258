// The ZooKeeper-mode controller's partition work (Kafka 2.8–3.x, read at tag 3.6.2), part of
// issue 16 item 2: what KafkaController does once elected (model/zk-kafka.ts elects it) with
// its ControllerContext, PartitionStateMachine and ReplicaStateMachine, for the partitions
// of the cluster's configured topics. It writes partition state to ZooKeeper fenced by its
// epoch (ZkKafkaBroker.writePartitionState) and hands LeaderAndIsr requests to its host to
// send (ControllerChannelManager is the host's).
//
// Rules (each from the Kafka class and method named):
// - Failover (KafkaController.onControllerFailover, 3.6.0–3.9.0-rc3 alike): initializeControllerContext
//   reads the live brokers and their epochs from /brokers/ids (a child watch is set:
//   BrokerChange), the assignments, then every partition's state with its zkVersion; then, in
//   this order: UpdateMetadata with those states to every live broker (sendUpdateMetadataRequest,
//   "before the state machines are started"); ReplicaStateMachine.startup, one batch per target
//   state: every live replica of a partition with state is sent that state as read
//   (OnlineReplica → OnlineReplica: addLeaderAndIsrRequestForBrokers), then, replica by replica,
//   each replica on a broker not live leaves the ISR of its partitions (OfflineReplica:
//   removeReplicasFromIsr, the state sent to the other replicas); then
//   PartitionStateMachine.startup (initializePartitionState: no state NewPartition, leader live
//   OnlinePartition, else OfflinePartition; triggerOnlinePartitionStateChange, one batch: new
//   partitions initialized (initializeLeaderAndIsrForPartitions: leader = the first live
//   replica of the assignment, ISR = the live replicas, leader epoch 0, sent to the ISR), then
//   offline ones elected).
// - Batches (ControllerBrokerRequestBatch, failover only in the model): a transition's
//   LeaderAndIsr requests are gathered, the last state of a partition for a broker replacing an
//   earlier one (leaderAndIsrRequestMap.put), each adding an UpdateMetadata; sendRequestsToBrokers
//   then sends the LeaderAndIsr requests to brokers still live, then the UpdateMetadata. A
//   ControllerMovedException inside the transition drops the batch (handleStateChanges rethrows
//   before sendRequestsToBrokers).
// - Election (Election.leaderForOffline, offlinePartitionLeaderElection): the first replica
//   of the assignment that is live and in the ISR; the new ISR is the live part of the ISR;
//   the leader epoch is bumped. No candidate: the partition stays offline (no write). Only a
//   successful initialization or election puts a partition back in OnlinePartition
//   (PartitionStateMachine.doHandleStateChanges); OfflineReplica's and AlterPartition's writes leave
//   an OfflinePartition as it is, for the next triggerOnlinePartitionStateChange to elect.
//   unclean.leader.election.enable is not modelled (false).
// - BrokerChange (KafkaController.processBrokerChange, 3.9.0-rc3): against the live-or-shutting-down
//   brokers, new ones are added and start, bounced ones (a newer epoch, KIP-380) are removed, fail,
//   are added again and start, dead ones are removed and fail. onBrokerStartup: UpdateMetadata, the
//   new brokers' replicas OnlineReplica in one batch (each partition's state sent to them), then
//   triggerOnlinePartitionStateChange (one batch: NewPartition initialized, OfflinePartition
//   elected, even when the old leader is back). onBrokerFailure: out of shuttingDownBrokerIds, then
//   onReplicasBecomeOffline: every partition whose leader is not online goes OfflinePartition,
//   triggerOnlinePartitionStateChange (one batch), then the failed replicas OfflineReplica (one
//   batch, replica by replica: out of the ISR, the leader becoming -1 if it was that replica, an
//   ISR of one kept as it is: ReplicaStateMachine.doRemoveReplicasFromIsr; a state read without the
//   replica in its ISR is not written but still sent as LeaderAndIsr to the other replicas,
//   leaderAndIsrsWithoutReplica); with no replica on the failed brokers, no partition whose
//   leader is offline and no state change that succeeded, an UpdateMetadata alone.
// - Every write is a read-modify-write at the zkVersion read, retried from a fresh read on
//   BADVERSION (updatesToRetry); ControllerMovedException (the epoch check failed) stops the
//   work and resigns.
// - UpdateMetadata (ControllerBrokerRequestBatch.addUpdateMetadataRequestForBrokers): after
//   every change of partition state and every broker change, each live broker is sent the
//   live brokers and the partitions' states (the model sends every partition each time:
//   Kafka sends the changed ones, which a broker merges into the same cache).
// - AlterPartition (KafkaController.processAlterPartition, IBP ≥ 2.7: every kafka.version the
//   model has): the leader's broker must be live with the epoch it sent (else
//   STALE_BROKER_EPOCH); against the cached state, a newer leader or partition epoch is
//   NOT_CONTROLLER, an older leader epoch FENCED_LEADER_EPOCH, the same leader, leader epoch
//   and ISR is answered as it is, an older partition epoch INVALID_UPDATE_VERSION, an ISR
//   member not live INELIGIBLE_REPLICA; else the state znode is written at the partition
//   epoch (the zkVersion) the leader sent, BADVERSION answering INVALID_UPDATE_VERSION.
// - Automatic preferred leader election (auto.leader.rebalance.enable, the default): the
//   first check 5 s after failover, then every leader.imbalance.check.interval.seconds
//   (KafkaController.onControllerFailover → scheduleAutoLeaderRebalanceTask,
//   processAutoPreferredReplicaLeaderElection). checkAndTriggerAutoLeaderRebalance groups the
//   partitions by preferred replica; for a broker whose share of partitions led by another
//   (the cached leader) is above leader.imbalance.per.broker.percentage (10), each of those
//   partitions whose preferred replica is live and in the cached ISR
//   (canPreferredReplicaBeLeader) is elected: PartitionStateMachine.doElectLeaderForPartitions
//   reads the state znode again and, if the preferred replica is live and in that ISR
//   (Election.leaderForPreferredReplica), writes it as leader with the leader epoch bumped and
//   the ISR kept (LeaderAndIsr.newLeader); the cache takes the write.
// - ISR change notifications (IBP < 2.7, where leaders write their own ISR changes:
//   model/zk-broker.ts): onControllerFailover registers the child handler on
//   /isr_change_notification and deletes the notifications there (deleteIsrChangeNotifications
//   behind the epoch check) before initializeControllerContext; each child change is the event
//   IsrChangeNotification (processIsrChangeNotification): the notifications are read (the child
//   watch set again), their partitions' states read into the cache (updateLeaderAndIsrCache)
//   and sent to every live broker as UpdateMetadata, then the notifications are deleted behind
//   the epoch check. LeaderAndIsr then carries the state's own controller epoch
//   (LeaderAndIsrPartitionState.controllerEpoch), which the leader writes back. At IBP ≥ 2.7
//   Kafka registers the handler too, but nothing writes there; the model then leaves it out.
// - Controlled shutdown (KafkaController.processControlledShutdown → doControlledShutdown,
//   3.9.0-rc3): not active is NOT_CONTROLLER (ControllerMovedException), a broker epoch older than
//   the cached one STALE_BROKER_EPOCH, a broker not live BROKER_NOT_AVAILABLE; else the broker joins
//   shuttingDownBrokerIds (cleared at failover and when its registration goes: onBrokerFailure). Of
//   its partitions with RF > 1 and a cached state, those it leads are elected in one batch
//   (Election.leaderForControlledShutdown: the first replica live or shutting down, in the ISR and
//   not shutting down; the ISR loses the shutting-down brokers; sent to the live-or-shutting-down
//   replicas; no candidate, no write), those it follows are sent StopReplica (deletePartition=false,
//   one batch) and go OfflineReplica (one batch: StopReplica, out of the ISR as for a failed
//   replica). The answer counts the partitions (RF > 1) it still leads (partitionLeadersOnBroker).
//   Elsewhere a shutting-down broker is not online (ControllerContext.isLiveBroker, liveBrokerIds):
//   offline and preferred elections, new partitions' replicas, AlterPartition's ISR members
//   (INELIGIBLE_REPLICA, KIP-841); it stays in the live set UpdateMetadata lists and is sent to.
// - Batches carry StopReplica after the LeaderAndIsr and UpdateMetadata requests, to live or
//   shutting-down brokers only (ControllerBrokerRequestBatch.sendStopReplicaRequests).
// - Admin-triggered elections (KafkaController.electLeaders → the event ReplicaLeaderElection with
//   AdminClientTriggered → processReplicaLeaderElection, 3.9.0-rc3): not the controller is NOT_CONTROLLER;
//   an unknown partition UNKNOWN_TOPIC_OR_PARTITION; against the cache, PREFERRED with the first replica
//   leading, or UNCLEAN with a live leader, is ELECTION_NOT_NEEDED; else onReplicaElection runs
//   PartitionStateMachine.handleStateChanges(OnlinePartition) in one batch with
//   PreferredReplicaPartitionLeaderElectionStrategy or OfflinePartitionLeaderElectionStrategy(allowUnclean =
//   true) on a fresh read of the state znode (doElectLeaderForPartitions: a state of a later controller epoch,
//   or no candidate, is PREFERRED_LEADER_NOT_AVAILABLE / ELIGIBLE_LEADERS_NOT_AVAILABLE), written at its
//   zkVersion behind the epoch check (BADVERSION retried); a ControllerMovedException ends the event
//   without an answer (onReplicaElection does not catch it for this trigger). UNCLEAN elects a live ISR
//   replica when there is one, else the first live replica with the ISR just it (an unclean election).
// Not modelled: StopReplica for deletion and reassignment (neither is modelled), the
// ZooKeeper-triggered preferred election (/admin/preferred_replica_election), reassignment, deletion.

import type { ModelProbe } from './cluster-api.ts';
import type { StateWatch } from './zk-record.ts';
import { codeProbe, codeProbeWith } from './code-probes.ts';
import type { ControllerErrorCode } from './internal-protocol.ts';
import type { ZkClientEvent } from './zk-client.ts';
import { partitionWrittenProbe, type ZkKafkaBroker, type ZkPartitionState } from './zk-kafka.ts';

export interface ZkPartitionSpec {
  readonly topic: string;
  readonly partition: number;
  /** The replica assignment, preferred leader first. */
  readonly replicas: readonly number[];
}

/** LeaderAndIsrRequest for one broker (one partition per request in the model). */
export interface ZkLeaderAndIsr {
  readonly type: 'ZkLeaderAndIsr';
  readonly controllerId: number;
  readonly controllerEpoch: number;
  /** The receiving broker's epoch as the controller knows it (KIP-380). */
  readonly brokerEpoch: number;
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  /** The state znode's version (the partition epoch). */
  readonly zkVersion: number;
  readonly replicas: readonly number[];
  /**
   * The state's own controller epoch (LeaderAndIsrPartitionState.controllerEpoch), carried
   * only when leaders write their ISR changes (IBP < 2.7): they write it back.
   */
  readonly stateControllerEpoch?: number;
}

/** One partition's state in an UpdateMetadataRequest (UpdateMetadataPartitionState). */
interface ZkPartitionMetadata {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
  readonly replicas: readonly number[];
}

/** UpdateMetadataRequest: the live brokers and the partitions' states. */
export interface ZkUpdateMetadata {
  readonly type: 'ZkUpdateMetadata';
  readonly controllerId: number;
  readonly controllerEpoch: number;
  readonly brokerEpoch: number;
  readonly liveBrokers: readonly number[];
  readonly partitions: readonly ZkPartitionMetadata[];
}

/**
 * StopReplicaRequest for one partition (StopReplicaPartitionState), deletePartition=false: the
 * only kind the model sends (controlled shutdown; deletion and reassignment are not modelled).
 */
export interface ZkStopReplica {
  readonly type: 'ZkStopReplica';
  readonly controllerId: number;
  readonly controllerEpoch: number;
  readonly brokerEpoch: number;
  readonly topic: string;
  readonly partition: number;
  /** The cached leader epoch (ControllerBrokerRequestBatch.addStopReplicaRequestForBrokers). */
  readonly leaderEpoch: number;
}

/** What the controller sends brokers through ControllerChannelManager. */
export type ZkControlRequest = ZkLeaderAndIsr | ZkUpdateMetadata | ZkStopReplica;

/** The answer to a ControlledShutdownRequest (ControlledShutdownResponseData). */
export interface ZkControlledShutdownAnswer {
  /** NOT_CONTROLLER: ControllerMovedException; BROKER_NOT_AVAILABLE: not live (Errors.forException). */
  readonly error: 'NONE' | 'NOT_CONTROLLER' | 'STALE_BROKER_EPOCH' | 'BROKER_NOT_AVAILABLE';
  /** partitionLeadersOnBroker: the partitions (RF > 1) it still leads, as the controller's cache has them. */
  readonly remainingPartitions: number;
}

/** AlterPartition as the leader sends it (AlterPartitionRequestData, one partition). */
export interface ZkAlterPartition {
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
}

/** The answer to an AlterPartition: an error, or the partition's state after it. */
export interface ZkAlterPartitionAnswer {
  readonly error: ControllerErrorCode;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly number[];
}

/** kafka-leader-election.sh --election-type (ElectionType). */
export type ZkAdminElectionType = 'preferred' | 'unclean';

type ZkAdminElectionError =
  | 'NONE'
  | 'NOT_CONTROLLER'
  | 'UNKNOWN_TOPIC_OR_PARTITION'
  | 'ELECTION_NOT_NEEDED'
  | 'PREFERRED_LEADER_NOT_AVAILABLE'
  | 'ELIGIBLE_LEADERS_NOT_AVAILABLE'
  | 'UNKNOWN_SERVER_ERROR';

/** One partition's result of an admin's ElectLeaders (ReplicaElectionResult). */
/**
 * Told of an admin's unclean election write before it is sent (the leader it names outside the ISR read,
 * and its leader epoch), for the driver to watch ZooKeeper commit it: instrumentation, not Kafka.
 */
export type UncleanWriteObserver = (written: StateWatch) => void;

export interface ZkAdminElectionOutcome {
  readonly error: ZkAdminElectionError;
  /** The leader after the election (-1: none or unknown). */
  readonly leader: number;
  /** The leader elected was not in the ISR read (offlinePartitionLeaderElection's unclean branch). */
  readonly unclean: boolean;
}

/** What the controller's host does for it: send to brokers (its channel manager), announce changes. */
export interface ZkControllerOut {
  send(to: number, request: ZkControlRequest): void;
  emit?(event: ModelProbe): void;
  /** ControllerChannelManager.removeBroker: a failed (or bounced) broker's queue goes. */
  dropBroker?(id: number): void;
}

/** How the controller runs. */
export interface ZkControllerOptions {
  /** Leaders write their ISR changes and notify through /isr_change_notification (IBP < 2.7). */
  readonly isrChangeNotifications: boolean;
}

interface Known {
  state: ZkPartitionState;
  zkVersion: number;
}

/** ControllerBrokerRequestBatch: leaderAndIsrRequestMap (broker → partition → state) and the UpdateMetadata. */
interface RequestBatch {
  readonly leaderAndIsr: Map<number, Map<string, ZkLeaderAndIsr>>;
  updateMetadata: boolean;
  /** stopReplicaRequestMap: broker → partition → StopReplica (deletePartition=false). */
  readonly stopReplica: Map<number, Map<string, ZkStopReplica>>;
}

const BROKER_IDS = '/brokers/ids';
/** IsrChangeNotificationZNode.path. */
const ISR_CHANGE_NOTIFICATION = '/isr_change_notification';
/** leader.imbalance.per.broker.percentage's default (ReplicationConfigs); the model has no setting for it. */
const LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = 10;
const BROKER_TOPICS = '/brokers/topics';

/** TopicZNode.encode: the assignment an admin writes at /brokers/topics/T (version 2). */
export function encodeAssignment(replicas: readonly (readonly number[])[]): string {
  const partitions: Record<string, readonly number[]> = {};
  replicas.forEach((r, p) => {
    partitions[String(p)] = r;
  });
  return JSON.stringify({ version: 2, partitions });
}

function decodeAssignment(topic: string, data: string): ZkPartitionSpec[] {
  const js = JSON.parse(data) as { partitions?: Record<string, number[]> };
  return Object.entries(js.partitions ?? {})
    .map(([p, replicas]) => ({ topic, partition: Number(p), replicas }))
    .sort((a, b) => a.partition - b.partition);
}

export class ZkControllerCore {
  active = false;
  epoch = 0;
  /** ControllerContext.liveBrokerIdAndEpochs (liveOrShuttingDownBrokerIds are its keys). */
  readonly liveBrokers = new Map<number, number>();
  /** ControllerContext.shuttingDownBrokerIds: brokers in controlled shutdown, live but not online. */
  readonly shuttingDown = new Set<number>();
  /** ControllerContext.partitionLeadershipInfo. */
  readonly partitionStates = new Map<string, Known>();
  /** Partitions in OfflinePartition (PartitionStateMachine): elected again on any broker startup. */
  private readonly offline = new Set<string>();
  /** ControllerContext.partitionAssignments, from /brokers/topics. */
  private readonly partitions: ZkPartitionSpec[] = [];
  /** The open ControllerBrokerRequestBatch (failover's transitions), or none: requests go at once. */
  private batch: RequestBatch | undefined;
  /** A write met ControllerMovedException in this epoch: the controller resigns next. */
  private movedAway = false;

  constructor(
    private readonly zk: () => ZkKafkaBroker,
    private readonly brokerId: number,
    private readonly out: ZkControllerOut,
    private readonly opts: ZkControllerOptions = { isrChangeNotifications: false },
  ) {}

  /** KafkaController.onControllerFailover. */
  onControllerFailover(epoch: number): void {
    this.active = true;
    this.epoch = epoch;
    this.liveBrokers.clear();
    // ControllerContext.resetContext / initializeControllerContext: shuttingDownBrokerIds.clear().
    this.shuttingDown.clear();
    this.partitionStates.clear();
    this.offline.clear();
    this.partitions.length = 0;
    this.batch = undefined;
    this.movedAway = false;
    this.zk().submit((done) =>
      this.clearIsrChangeNotifications(() =>
        this.readLiveBrokers((live) => {
          for (const [id, e] of live) this.liveBrokers.set(id, e);
          this.readTopics((specs) => {
            this.partitions.push(...specs);
            this.readPartitionStates(() => {
              const alive = this.sameRun();
              if (!alive()) return done();
              // sendUpdateMetadataRequest before the state machines start.
              this.sendUpdateMetadata();
              this.replicaStateMachineStartup(() => {
                if (!alive()) return done();
                this.partitionStateMachineStartup(done);
              });
            });
          });
        }),
      ),
    );
  }

  /**
   * onControllerFailover: zkClient.deleteIsrChangeNotifications(epochZkVersion), the child
   * watch set by its read (only when leaders write ISR changes: IBP < 2.7).
   */
  private clearIsrChangeNotifications(done: () => void): void {
    if (!this.opts.isrChangeNotifications) return done();
    const zk = this.zk();
    zk.readIsrChangeNotifications((children) =>
      zk.deleteIsrChangeNotifications(children, done, () => this.moved(done)),
    );
  }

  /** KafkaController.processIsrChangeNotification, run as a controller event. */
  private processIsrChangeNotification(done: () => void): void {
    if (!this.active) return done();
    const zk = this.zk();
    const alive = this.sameRun();
    zk.readIsrChangeNotifications((children) =>
      zk.readIsrChangePartitions(children, (changed) => {
        // finally: the notifications are deleted, whatever the cache update did.
        const finish = (): void =>
          alive() ? zk.deleteIsrChangeNotifications(children, done, () => this.moved(done)) : done();
        const ps = this.partitions.filter((p) =>
          changed.some((c) => c.topic === p.topic && c.partition === p.partition),
        );
        if (ps.length === 0) return finish();
        codeProbe('zk-isr-change-notification-processed');
        // updateLeaderAndIsrCache(partitions), then UpdateMetadata to the live brokers.
        this.forEachOf(
          ps,
          (p, next) =>
            zk.readPartitionState(p.topic, p.partition, (state, zkVersion) => {
              if (state !== undefined) this.partitionStates.set(key(p), { state, zkVersion });
              next();
            }),
          () => {
            if (alive()) this.sendUpdateMetadata();
            finish();
          },
        );
      }),
    );
  }

  private forEachOf(
    ps: readonly ZkPartitionSpec[],
    step: (p: ZkPartitionSpec, next: () => void) => void,
    done: () => void,
  ): void {
    const alive = this.sameRun();
    const go = (i: number): void => {
      if (i >= ps.length || !alive()) return done();
      step(ps[i], () => go(i + 1));
    };
    go(0);
  }

  /** initializeControllerContext → updateLeaderAndIsrCache: every partition's state and zkVersion. */
  private readPartitionStates(done: () => void): void {
    this.forEachPartition(
      (p, next) =>
        this.zk().readPartitionState(p.topic, p.partition, (state, zkVersion) => {
          if (state !== undefined) this.partitionStates.set(key(p), { state, zkVersion });
          next();
        }),
      done,
    );
  }

  /**
   * ReplicaStateMachine.startup: handleStateChanges(online replicas, OnlineReplica), each live
   * replica of a partition with state sent that state; then handleStateChanges(offline replicas,
   * OfflineReplica), grouped by replica (ascending in the model): doRemoveReplicasFromIsr.
   */
  private replicaStateMachineStartup(done: () => void): void {
    this.newBatch();
    for (const p of this.partitions) {
      if (this.partitionStates.has(key(p))) this.sendLeaderAndIsr(p, p.replicas);
    }
    this.sendRequestsToBrokers();
    const offline = [...new Set(this.partitions.flatMap((p) => p.replicas))]
      .filter((r) => !this.liveBrokers.has(r))
      .sort((a, b) => a - b);
    if (offline.length === 0) return done();
    this.offlineReplicasInOneBatch(offline, done);
  }

  /** ReplicaStateMachine.handleStateChanges(replicas, OfflineReplica): replica by replica, one batch. */
  private offlineReplicasInOneBatch(replicas: readonly number[], done: () => void): void {
    const alive = this.sameRun();
    this.newBatch();
    const go = (i: number): void => {
      if (!alive()) return this.dropBatch(done);
      if (i >= replicas.length) {
        this.sendRequestsToBrokers();
        return done();
      }
      this.offlineReplica(replicas[i], () => go(i + 1));
    };
    go(0);
  }

  /**
   * ReplicaStateMachine.doHandleStateChanges(replica, OfflineReplica): its partitions with state
   * have it removed from the ISR; one without state is only in the UpdateMetadata.
   */
  private offlineReplica(replica: number, done: () => void): void {
    const ps = this.partitions.filter((p) => p.replicas.includes(replica));
    if (ps.some((p) => !this.partitionStates.has(key(p)))) this.sendUpdateMetadata();
    const withState = ps.filter((p) => this.partitionStates.has(key(p)));
    const alive = this.sameRun();
    const go = (i: number): void => {
      if (i >= withState.length || !alive()) return done();
      this.removeFromIsr(withState[i], replica, () => go(i + 1));
    };
    go(0);
  }

  /**
   * PartitionStateMachine.startup: initializePartitionState (a partition whose leader is not online
   * is OfflinePartition), then triggerOnlinePartitionStateChange.
   */
  private partitionStateMachineStartup(done: () => void): void {
    for (const p of this.partitions) {
      const known = this.partitionStates.get(key(p));
      if (known !== undefined && !this.isLive(known.state.leader)) this.offline.add(key(p));
    }
    this.triggerOnlinePartitionStateChange(() => done());
  }

  /**
   * PartitionStateMachine.triggerOnlinePartitionStateChange: NewPartition and OfflinePartition to
   * OnlinePartition in one batch (handleStateChanges → doHandleStateChanges: the new initialized
   * first, then the offline elected, OfflinePartitionLeaderElectionStrategy). `done` is told whether
   * a state change succeeded (an initialization or an election: onReplicasBecomeOffline's test of its results).
   */
  private triggerOnlinePartitionStateChange(done: (changed: boolean) => void): void {
    const fresh = this.partitions.filter((p) => !this.partitionStates.has(key(p)));
    const offline = this.partitions.filter((p) => this.partitionStates.has(key(p)) && this.offline.has(key(p)));
    const alive = this.sameRun();
    this.newBatch();
    const elect = (i: number): void => {
      if (!alive()) return this.dropBatch(() => done(false));
      if (i >= offline.length) {
        this.sendRequestsToBrokers();
        const initialized = fresh.some((p) => this.partitionStates.has(key(p)));
        return done(initialized || offline.some((p) => !this.offline.has(key(p))));
      }
      this.elect(offline[i], () => elect(i + 1));
    };
    const initialize = (i: number): void => {
      if (!alive()) return this.dropBatch(() => done(false));
      if (i >= fresh.length) return elect(0);
      this.initialize(fresh[i], () => initialize(i + 1));
    };
    initialize(0);
  }

  /** initializeControllerContext's topics: /brokers/topics (child watch: TopicChange) and assignments. */
  private readTopics(cb: (specs: ZkPartitionSpec[]) => void): void {
    const zk = this.zk();
    zk.request(
      (c, k) => c.getChildren(BROKER_TOPICS, true, k),
      (_e, result) => {
        const topics = (result?.children ?? []).slice().sort();
        const specs: ZkPartitionSpec[] = [];
        const readOne = (i: number): void => {
          if (i >= topics.length) return cb(specs);
          zk.request(
            (c, k) => c.getData(`${BROKER_TOPICS}/${topics[i]}`, false, k),
            (e2, r2) => {
              if (e2 === 'OK' && r2?.data !== undefined && r2.data !== '')
                specs.push(...decodeAssignment(topics[i], r2.data));
              readOne(i + 1);
            },
          );
        };
        readOne(0);
      },
    );
  }

  /**
   * KafkaController.processTopicChange → onNewPartitionCreation: the partitions of topics
   * new under /brokers/topics (their assignment written by the admin client) are initialized.
   */
  private processTopicChange(done: () => void): void {
    const alive = this.sameRun();
    this.readTopics((specs) => {
      const known = new Set(this.partitions.map(key));
      const fresh = specs.filter((p) => !known.has(key(p)));
      this.partitions.push(...fresh);
      const go = (i: number): void => {
        if (i >= fresh.length || !alive()) return done();
        this.initialize(fresh[i], () => go(i + 1));
      };
      go(0);
    });
  }

  onControllerResignation(): void {
    this.active = false;
    this.batch = undefined;
  }

  /** Whether this controller still acts in `epoch` (a task scheduled in it is still its own). */
  activeIn(epoch: number): boolean {
    return this.active && this.epoch === epoch;
  }

  /**
   * KafkaController.checkAndTriggerAutoLeaderRebalance, run as the controller event
   * AutoPreferredReplicaLeaderElection (the host schedules it and the next one).
   */
  checkAndTriggerAutoLeaderRebalance(done: () => void): void {
    const byPreferred = new Map<number, ZkPartitionSpec[]>();
    for (const p of this.partitions) {
      const head = p.replicas[0];
      if (head === undefined) continue;
      byPreferred.set(head, [...(byPreferred.get(head) ?? []), p]);
    }
    const candidates: ZkPartitionSpec[] = [];
    for (const [preferred, ps] of [...byPreferred].sort((a, b) => a[0] - b[0])) {
      const notPreferred = ps.filter((p) => {
        const known = this.partitionStates.get(key(p));
        return known !== undefined && known.state.leader !== preferred;
      });
      if (notPreferred.length / ps.length <= LEADER_IMBALANCE_PER_BROKER_PERCENTAGE / 100) continue;
      // canPreferredReplicaBeLeader: live and in the cached ISR.
      candidates.push(
        ...notPreferred.filter(
          (p) => this.isLive(preferred) && this.partitionStates.get(key(p))!.state.isr.includes(preferred),
        ),
      );
    }
    const alive = this.sameRun();
    const go = (i: number): void => {
      if (i >= candidates.length || !alive()) return done();
      this.electPreferred(candidates[i], () => go(i + 1));
    };
    go(0);
  }

  /** PreferredReplicaPartitionLeaderElectionStrategy on a fresh read (Election.leaderForPreferredReplica). */
  private electPreferred(p: ZkPartitionSpec, next: () => void): void {
    const preferred = p.replicas[0];
    this.update(
      p,
      (s) => {
        if (!this.isLive(preferred) || !s.isr.includes(preferred)) return undefined;
        codeProbe('zk-auto-leader-rebalance-elected');
        return { ...s, leader: preferred, leaderEpoch: s.leaderEpoch + 1 };
      },
      next,
      { cacheRead: 'on-write', election: true },
    );
  }

  /**
   * KafkaController.processReplicaLeaderElection for an admin's ElectLeaders (AdminClientTriggered,
   * kafka-leader-election.sh), one partition, run as the controller event ReplicaLeaderElection.
   * `reply` is the ElectLeaders callback; it is not called when the event ends in a
   * ControllerMovedException (onReplicaElection rethrows it for this trigger: no answer).
   */
  processAdminElection(
    topic: string,
    partition: number,
    type: ZkAdminElectionType,
    reply: (outcome: ZkAdminElectionOutcome) => void,
    done: () => void,
    onUncleanWrite?: UncleanWriteObserver,
  ): void {
    const answer = (error: ZkAdminElectionError, leader = -1, unclean = false): void => {
      reply({ error, leader, unclean });
      done();
    };
    if (!this.active) return answer('NOT_CONTROLLER');
    const p = this.partitions.find((x) => x.topic === topic && x.partition === partition);
    if (p === undefined) return answer('UNKNOWN_TOPIC_OR_PARTITION');
    // partitionLeadershipInfo(partition).get throws on a partition without state: the event
    // fails (ControllerEventManager logs it) and the admin gets no answer.
    const known = this.partitionStates.get(key(p));
    if (known === undefined) return done();
    // electablePartitions: PREFERRED when the cached leader is not the first replica; UNCLEAN
    // when it has no leader or the leader is not a live broker.
    const leader = known.state.leader;
    const electable = type === 'preferred' ? leader !== p.replicas[0] : leader === -1 || !this.isLive(leader);
    if (!electable) {
      codeProbe('zk-admin-election-not-needed');
      return answer('ELECTION_NOT_NEEDED', leader);
    }
    // onReplicaElection → PartitionStateMachine.handleStateChanges(OnlinePartition), one batch.
    this.newBatch();
    const alive = this.sameRun();
    this.adminElect(p, type, onUncleanWrite, (outcome) => {
      if (outcome === undefined) return this.dropBatch(done);
      // A ZooKeeper call threw (the session expired): handleStateChanges answers every partition with it
      // (ApiError.fromThrowable: UNKNOWN_SERVER_ERROR), the batch unsent; this run's batch is gone already.
      if (!alive()) return answer('UNKNOWN_SERVER_ERROR');
      this.sendRequestsToBrokers();
      answer(outcome.error, outcome.leader, outcome.unclean);
    });
  }

  /**
   * PartitionStateMachine.doElectLeaderForPartitions with PreferredReplicaPartitionLeaderElectionStrategy
   * (Election.leaderForPreferredReplica: the first replica if live and in the ISR read, the ISR kept,
   * LeaderAndIsr to every replica) or OfflinePartitionLeaderElectionStrategy(allowUnclean = true)
   * (Election.leaderForOffline: the first live ISR replica, the ISR cut to its live part; with no live
   * ISR replica the first live replica, the ISR just it; LeaderAndIsr to the live replicas), on a fresh
   * read, retried on BADVERSION (electLeaderForPartitions). No candidate, no state, or a state written by
   * a later controller epoch is StateChangeFailedException: PREFERRED_LEADER_NOT_AVAILABLE /
   * ELIGIBLE_LEADERS_NOT_AVAILABLE. `done(undefined)`: ControllerMovedException.
   */
  private adminElect(
    p: ZkPartitionSpec,
    type: ZkAdminElectionType,
    onUncleanWrite: UncleanWriteObserver | undefined,
    done: (outcome: ZkAdminElectionOutcome | undefined) => void,
  ): void {
    const failed: ZkAdminElectionOutcome = {
      error: type === 'preferred' ? 'PREFERRED_LEADER_NOT_AVAILABLE' : 'ELIGIBLE_LEADERS_NOT_AVAILABLE',
      leader: -1,
      unclean: false,
    };
    const threw = (): void => {
      codeProbe('zk-admin-election-threw');
      done({ error: 'UNKNOWN_SERVER_ERROR', leader: -1, unclean: false });
    };
    this.zk().readPartitionState(
      p.topic,
      p.partition,
      (s, zkVersion) => {
        const cb = done;
        if (s === undefined || s.controllerEpoch > this.epoch) return cb(failed);
        // PartitionLeaderElectionAlgorithms over isReplicaOnline: live and not shutting down.
        const live = p.replicas.filter((r) => this.isLive(r));
        const elected = type === 'preferred' ? leaderForPreferredReplica(p, s, live) : leaderForOffline(p, s, live);
        if (elected === undefined) {
          codeProbe('zk-admin-election-no-candidate');
          return cb(failed);
        }
        const written: ZkPartitionState = { ...elected.state, controllerEpoch: this.epoch };
        if (!s.isr.includes(written.leader)) onUncleanWrite?.(written);
        this.zk().writePartitionState(
          p.topic,
          p.partition,
          written,
          zkVersion,
          (r) => {
            const unclean = !s.isr.includes(written.leader);
            if (r.kind === 'bad-version') return this.adminElect(p, type, onUncleanWrite, cb);
            if (r.kind === 'controller-moved') return this.moved(() => cb(undefined));
            if (r.kind === 'error') return cb({ error: 'UNKNOWN_SERVER_ERROR', leader: -1, unclean: false });
            if (unclean) codeProbe('zk-admin-unclean-election');
            else codeProbe(type === 'preferred' ? 'zk-admin-preferred-election' : 'zk-admin-clean-election');
            this.nowOnline(p);
            this.applied(p, written, r.zkVersion, elected.to);
            cb({ error: 'NONE', leader: written.leader, unclean });
          },
          threw,
        );
      },
      threw,
    );
  }

  /** The controller's child handler on /brokers/ids (BrokerChangeHandler). */
  onZNodeEvent(e: Extract<ZkClientEvent, { path: string }>): void {
    if (e.type !== 'NodeChildrenChanged' || !this.active) return;
    if (e.path === BROKER_IDS) this.zk().submit((done) => this.processBrokerChange(done));
    else if (e.path === BROKER_TOPICS) this.zk().submit((done) => this.processTopicChange(done));
    else if (e.path === ISR_CHANGE_NOTIFICATION && this.opts.isrChangeNotifications)
      this.zk().submit((done) => this.processIsrChangeNotification(done));
  }

  /** The run of this epoch goes on: still active, and no ControllerMovedException met (it aborts the event). */
  private sameRun(): () => boolean {
    const epoch = this.epoch;
    return () => this.active && this.epoch === epoch && !this.movedAway;
  }

  /** KafkaZkClient.getAllBrokerAndEpochsInCluster, with the child watch set. */
  private readLiveBrokers(cb: (live: Map<number, number>) => void): void {
    const zk = this.zk();
    zk.request(
      (c, k) => c.getChildren(BROKER_IDS, true, k),
      (_e, result) => {
        const ids = (result?.children ?? []).map(Number).sort((a, b) => a - b);
        const live = new Map<number, number>();
        const readOne = (i: number): void => {
          if (i >= ids.length) return cb(live);
          zk.request(
            (c, k) => c.getData(`${BROKER_IDS}/${ids[i]}`, false, k),
            (e2, r2) => {
              if (e2 === 'OK' && r2?.stat !== undefined) live.set(ids[i], r2.stat.czxid);
              readOne(i + 1);
            },
          );
        };
        readOne(0);
      },
    );
  }

  private forEachPartition(step: (p: ZkPartitionSpec, next: () => void) => void, done: () => void): void {
    const alive = this.sameRun();
    const go = (i: number): void => {
      if (i >= this.partitions.length || !alive()) return done();
      step(this.partitions[i], () => go(i + 1));
    };
    go(0);
  }

  /** PartitionStateMachine.initializeLeaderAndIsrForPartitions. */
  private initialize(p: ZkPartitionSpec, next: () => void): void {
    const live = p.replicas.filter((r) => this.isLive(r));
    if (live.length === 0) return next();
    const state: ZkPartitionState = { leader: live[0], leaderEpoch: 0, isr: live, controllerEpoch: this.epoch };
    this.ensureParents(p, () =>
      this.zk().writePartitionState(p.topic, p.partition, state, -1, (r) => {
        if (r.kind === 'controller-moved') return this.moved(next);
        if (r.kind === 'ok') {
          this.nowOnline(p);
          this.applied(p, state, r.zkVersion, state.isr);
          return next();
        }
        // Created meanwhile (NODEEXISTS): elect from what is there.
        this.elect(p, next);
      }),
    );
  }

  private ensureParents(p: ZkPartitionSpec, done: () => void): void {
    const zk = this.zk();
    const paths = [`/brokers/topics/${p.topic}`, `/brokers/topics/${p.topic}/partitions`];
    paths.push(`${paths[1]}/${p.partition}`);
    const make = (i: number): void => {
      if (i >= paths.length) return done();
      zk.request(
        (c, k) => c.create(paths[i], '', { ephemeral: false, sequential: false }, k),
        () => make(i + 1),
      );
    };
    make(0);
  }

  /**
   * A read-modify-write of one partition's state: `change` gives the new state from the one
   * read (undefined: nothing to write); BADVERSION retries from a fresh read. The state read
   * goes to the cache (`always`, as ReplicaStateMachine.doRemoveReplicasFromIsr puts even the
   * partitions it leaves alone), or only once written (`on-write`: a failed preferred election
   * puts nothing, PartitionStateMachine.doElectLeaderForPartitions). An election's write is the
   * partition's OnlinePartition transition (`election`); an OfflineReplica write is not.
   */
  private update(p: ZkPartitionSpec, change: ZkStateChange, next: () => void, how: ZkUpdateHow = {}): void {
    const recipients = how.recipients ?? p.replicas;
    this.zk().readPartitionState(p.topic, p.partition, (state, zkVersion) => {
      if (state === undefined) return next();
      if ((how.cacheRead ?? 'always') === 'always') this.partitionStates.set(key(p), { state, zkVersion });
      const proposed = change(state);
      if (proposed === undefined) return next();
      const written = { ...proposed, controllerEpoch: this.epoch };
      this.zk().writePartitionState(p.topic, p.partition, written, zkVersion, (r) => {
        if (r.kind === 'bad-version') return this.update(p, change, next, how);
        if (r.kind === 'controller-moved') return this.moved(next);
        if (r.kind === 'ok') {
          if (how.election === true) this.nowOnline(p);
          this.applied(p, written, r.zkVersion, recipients);
        }
        next();
      });
    });
  }

  /** Election.leaderForOffline with unclean election off. */
  private elect(p: ZkPartitionSpec, next: () => void): void {
    this.update(
      p,
      (s) => {
        const leader = p.replicas.find((r) => this.isLive(r) && s.isr.includes(r));
        if (leader === undefined) {
          codeProbe('zk-offline-partition-no-candidate');
          this.offline.add(key(p));
          return undefined;
        }
        const isr = s.isr.filter((r) => this.isLive(r));
        return { ...s, leader, leaderEpoch: s.leaderEpoch + 1, isr };
      },
      next,
      // ElectionResult.liveReplicas: the online replicas (not those shutting down) hear of it.
      { cacheRead: 'always', recipients: p.replicas.filter((r) => this.isLive(r)), election: true },
    );
  }

  /**
   * Election.leaderForControlledShutdown (ControlledShutdownPartitionLeaderElectionStrategy) on a
   * fresh read (doElectLeaderForPartitions: the cache takes only a write): the first replica of
   * the assignment live or shutting down, in the ISR and not shutting down leads; the ISR loses
   * the brokers shutting down; the live-or-shutting-down replicas are sent it. No candidate: no write.
   */
  private electForControlledShutdown(p: ZkPartitionSpec, next: () => void): void {
    this.update(
      p,
      (s) => {
        const leader = p.replicas.find(
          (r) => this.liveBrokers.has(r) && s.isr.includes(r) && !this.shuttingDown.has(r),
        );
        if (leader === undefined) {
          codeProbe('zk-controlled-shutdown-no-candidate');
          return undefined;
        }
        codeProbe('zk-controlled-shutdown-moved-leader');
        const isr = s.isr.filter((r) => !this.shuttingDown.has(r));
        return { ...s, leader, leaderEpoch: s.leaderEpoch + 1, isr };
      },
      next,
      { cacheRead: 'on-write', recipients: p.replicas.filter((r) => this.liveBrokers.has(r)), election: true },
    );
  }

  /**
   * KafkaController.processControlledShutdown → doControlledShutdown (3.9.0-rc3), a controller
   * event: not active is ControllerMovedException (NOT_CONTROLLER); a broker epoch older than the
   * cached one STALE_BROKER_EPOCH; a broker not live or shutting down BROKER_NOT_AVAILABLE. Else
   * the broker joins shuttingDownBrokerIds; of its partitions with RF > 1 and a cached state, those
   * it leads are elected (PartitionStateMachine.handleStateChanges → OnlinePartition, one batch),
   * those it follows are sent StopReplica (deletePartition=false, one batch) and then go
   * OfflineReplica (one batch: StopReplica again, out of the ISR, the state to the other replicas).
   * The answer counts the partitions (RF > 1) it still leads in the cache (partitionLeadersOnBroker).
   */
  processControlledShutdown(
    id: number,
    brokerEpoch: number,
    reply: (answer: ZkControlledShutdownAnswer) => void,
    done: () => void,
  ): void {
    const fail = (error: ZkControlledShutdownAnswer['error']): void => {
      reply({ error, remainingPartitions: -1 });
      done();
    };
    if (!this.active) return fail('NOT_CONTROLLER');
    const cachedEpoch = this.liveBrokers.get(id);
    // liveBrokerIdAndEpochs(id) of a broker not there throws (UNKNOWN_SERVER_ERROR in Kafka): refused either way.
    if (cachedEpoch === undefined) return fail('BROKER_NOT_AVAILABLE');
    if (brokerEpoch !== -1 && brokerEpoch < cachedEpoch) {
      codeProbe('zk-controlled-shutdown-stale-broker-epoch');
      return fail('STALE_BROKER_EPOCH');
    }
    this.shuttingDown.add(id);
    codeProbe('zk-controlled-shutdown-begun');
    const toActOn = this.partitions.filter(
      (p) => p.replicas.includes(id) && p.replicas.length > 1 && this.partitionStates.has(key(p)),
    );
    const led = toActOn.filter((p) => this.partitionStates.get(key(p))!.state.leader === id);
    const followed = toActOn.filter((p) => this.partitionStates.get(key(p))!.state.leader !== id);
    const alive = this.sameRun();
    const answer = (): void => {
      if (!alive()) return fail('NOT_CONTROLLER');
      reply({ error: 'NONE', remainingPartitions: this.leadersOn(id).length });
      done();
    };
    this.newBatch();
    this.forEachOf(
      led,
      (p, next) => this.electForControlledShutdown(p, next),
      () => {
        if (!alive()) return this.dropBatch(() => fail('NOT_CONTROLLER'));
        this.sendRequestsToBrokers();
        this.newBatch();
        for (const p of followed) this.addStopReplica(p, id);
        this.sendRequestsToBrokers();
        if (followed.length === 0) return answer();
        this.newBatch();
        for (const p of followed) this.addStopReplica(p, id);
        this.forEachOf(
          followed,
          (p, next) => this.removeFromIsr(p, id, next),
          () => {
            if (!alive()) return this.dropBatch(() => fail('NOT_CONTROLLER'));
            this.sendRequestsToBrokers();
            answer();
          },
        );
      },
    );
  }

  /** ControllerContext.partitionLeadersOnBroker: led by `id` in the cache, RF > 1. */
  private leadersOn(id: number): ZkPartitionSpec[] {
    return this.partitions.filter(
      (p) => p.replicas.length > 1 && this.partitionStates.get(key(p))?.state.leader === id,
    );
  }

  /**
   * ReplicaStateMachine.doRemoveReplicasFromIsr for one failed replica. A state read without
   * the replica in its ISR (already out, or a BADVERSION retry finding the write of a lost
   * answer applied) is not written but still returned (`leaderAndIsrsWithoutReplica ++
   * finishedPartitions`), so the OfflineReplica transition sends it as LeaderAndIsr to the
   * other replicas (ReplicaStateMachine.doHandleStateChanges, 3.9.0-rc3): swarm seed 210013840.
   */
  private removeFromIsr(p: ZkPartitionSpec, replica: number, next: () => void): void {
    let readWithout = false;
    this.update(
      p,
      (s) => {
        readWithout = !s.isr.includes(replica);
        if (readWithout) return undefined;
        const leader = s.leader === replica ? -1 : s.leader;
        const isr = s.isr.length === 1 ? s.isr : s.isr.filter((r) => r !== replica);
        return { ...s, leader, leaderEpoch: s.leaderEpoch + 1, isr };
      },
      () => {
        if (readWithout) {
          codeProbe('zk-offline-replica-already-out-of-isr');
          this.sendLeaderAndIsr(
            p,
            p.replicas.filter((r) => r !== replica),
          );
          this.sendUpdateMetadata();
        }
        next();
      },
    );
  }

  /**
   * KafkaController.processBrokerChange (3.9.0-rc3): the brokers read from /brokers/ids against
   * liveOrShuttingDownBrokerIds: new ones are added and start (onBrokerStartup), bounced ones (a
   * newer epoch, KIP-380) are removed, fail (onBrokerFailure), are added again and start, dead ones
   * are removed and fail; the channel drops the bounced and dead brokers' queues first.
   */
  private processBrokerChange(done: () => void): void {
    const alive = this.sameRun();
    this.readLiveBrokers((live) => {
      const asc = (a: number, b: number): number => a - b;
      const added = [...live.keys()].filter((id) => !this.liveBrokers.has(id)).sort(asc);
      const dead = [...this.liveBrokers.keys()].filter((id) => !live.has(id)).sort(asc);
      const bounced = [...live.keys()]
        .filter((id) => this.liveBrokers.has(id) && live.get(id)! > this.liveBrokers.get(id)!)
        .sort(asc);
      for (const id of [...bounced, ...dead]) this.out.dropBroker?.(id);
      const add = (ids: readonly number[]): void => {
        for (const id of ids) this.liveBrokers.set(id, live.get(id)!);
      };
      const remove = (ids: readonly number[]): void => {
        for (const id of ids) this.liveBrokers.delete(id);
      };
      const steps: Array<(next: () => void) => void> = [];
      if (added.length > 0) steps.push((next) => (add(added), this.onBrokerStartup(added, next)));
      if (bounced.length > 0)
        steps.push((next) => {
          remove(bounced);
          this.onBrokerFailure(bounced, () => {
            if (!alive()) return next();
            add(bounced);
            this.onBrokerStartup(bounced, next);
          });
        });
      if (dead.length > 0) steps.push((next) => (remove(dead), this.onBrokerFailure(dead, next)));
      const go = (i: number): void => (i >= steps.length || !alive() ? done() : steps[i](() => go(i + 1)));
      go(0);
    });
  }

  /**
   * KafkaController.onBrokerStartup: UpdateMetadata (the model sends every live broker every
   * partition), the replicas on the new brokers OnlineReplica in one batch (each partition with
   * state sent to them as LeaderAndIsr), then triggerOnlinePartitionStateChange.
   */
  private onBrokerStartup(started: readonly number[], done: () => void): void {
    this.sendUpdateMetadata();
    this.newBatch();
    for (const p of this.partitions) {
      const newcomers = p.replicas.filter((r) => started.includes(r));
      if (newcomers.length > 0 && this.partitionStates.has(key(p))) this.sendLeaderAndIsr(p, newcomers);
    }
    this.sendRequestsToBrokers();
    this.triggerOnlinePartitionStateChange(() => done());
  }

  /** KafkaController.onBrokerFailure: out of shuttingDownBrokerIds, then onReplicasBecomeOffline. */
  private onBrokerFailure(failed: readonly number[], done: () => void): void {
    for (const id of failed) this.shuttingDown.delete(id);
    this.onReplicasBecomeOffline(failed, done);
  }

  /**
   * KafkaController.onReplicasBecomeOffline for the replicas on `failed`: every partition whose
   * leader is not online goes OfflinePartition (partitionsWithOfflineLeader), then
   * triggerOnlinePartitionStateChange (one batch), then the replicas go OfflineReplica (one batch,
   * replica by replica: ReplicaStateMachine.handleStateChanges groups by replica); with no replica
   * and no election that succeeded, an UpdateMetadata tells the brokers of the failure.
   */
  private onReplicasBecomeOffline(failed: readonly number[], done: () => void): void {
    // ControllerContext.partitionsWithOfflineLeader: every partition with state whose leader is not online.
    let withOfflineLeader = false;
    for (const p of this.partitions) {
      const known = this.partitionStates.get(key(p));
      if (known === undefined || this.isLive(known.state.leader)) continue;
      this.offline.add(key(p));
      withOfflineLeader = true;
    }
    const alive = this.sameRun();
    this.triggerOnlinePartitionStateChange((changed) => {
      if (!alive()) return done();
      const replicas = failed.filter((id) => this.partitions.some((p) => p.replicas.includes(id)));
      if (replicas.length === 0) {
        // No partition lost its leader, no state change succeeded, no replica went offline: nothing
        // else tells the brokers of the failure.
        if (!withOfflineLeader && !changed) this.sendUpdateMetadata();
        return done();
      }
      this.offlineReplicasInOneBatch(replicas, done);
    });
  }

  private moved(next: () => void): void {
    // handleStateChanges rethrows ControllerMovedException before sendRequestsToBrokers, and
    // the controller event ends there (ControllerEventManager → triggerControllerMove).
    this.batch = undefined;
    this.movedAway = true;
    this.zk().controllerMoved();
    next();
  }

  /** The run ended (resigned, or moved) inside a transition: its batch is never sent. */
  private dropBatch(done: () => void): void {
    this.batch = undefined;
    done();
  }

  /** ControllerBrokerRequestBatch.newBatch. */
  private newBatch(): void {
    this.batch = { leaderAndIsr: new Map(), updateMetadata: false, stopReplica: new Map() };
  }

  /**
   * ControllerBrokerRequestBatch.sendRequestsToBrokers: the LeaderAndIsr requests to brokers
   * live now (with the epoch known now), then the UpdateMetadata; the batch closes.
   */
  private sendRequestsToBrokers(): void {
    const batch = this.batch;
    this.batch = undefined;
    if (batch === undefined) return;
    for (const [broker, states] of batch.leaderAndIsr) {
      const brokerEpoch = this.liveBrokers.get(broker);
      if (brokerEpoch === undefined) continue;
      for (const req of states.values()) this.out.send(broker, { ...req, brokerEpoch });
    }
    if (batch.updateMetadata) this.sendUpdateMetadata();
    // sendStopReplicaRequests, to liveOrShuttingDownBrokerIds only.
    for (const [broker, states] of batch.stopReplica) {
      const brokerEpoch = this.liveBrokers.get(broker);
      if (brokerEpoch === undefined) continue;
      for (const req of states.values()) this.out.send(broker, { ...req, brokerEpoch });
    }
  }

  /** ControllerContext.isLiveBroker / isReplicaOnline: live and not shutting down (liveBrokerIds). */
  private isLive(broker: number): boolean {
    return this.liveBrokers.has(broker) && !this.shuttingDown.has(broker);
  }

  /** ControllerBrokerRequestBatch.addStopReplicaRequestForBrokers(Seq(broker), p, deletePartition = false). */
  private addStopReplica(p: ZkPartitionSpec, broker: number): void {
    const known = this.partitionStates.get(key(p));
    const request: ZkStopReplica = {
      type: 'ZkStopReplica',
      controllerId: this.brokerId,
      controllerEpoch: this.epoch,
      brokerEpoch: this.liveBrokers.get(broker) ?? -1,
      topic: p.topic,
      partition: p.partition,
      // metadataInstance.leaderEpoch: the cached state's, -1 (NoEpoch) without one.
      leaderEpoch: known === undefined ? -1 : known.state.leaderEpoch,
    };
    if (this.batch === undefined) {
      if (this.liveBrokers.has(broker)) this.out.send(broker, request);
      return;
    }
    const states = this.batch.stopReplica.get(broker) ?? new Map<string, ZkStopReplica>();
    states.set(key(p), request);
    this.batch.stopReplica.set(broker, states);
  }

  /** ControllerBrokerRequestBatch.addLeaderAndIsrRequestForBrokers, to live brokers only. */
  private sendLeaderAndIsr(p: ZkPartitionSpec, to: readonly number[]): void {
    const known = this.partitionStates.get(key(p));
    if (known === undefined) return;
    for (const broker of to) {
      const brokerEpoch = this.liveBrokers.get(broker);
      if (brokerEpoch === undefined) continue;
      const request: ZkLeaderAndIsr = {
        type: 'ZkLeaderAndIsr',
        controllerId: this.brokerId,
        controllerEpoch: this.epoch,
        brokerEpoch,
        topic: p.topic,
        partition: p.partition,
        leader: known.state.leader,
        leaderEpoch: known.state.leaderEpoch,
        isr: known.state.isr,
        zkVersion: known.zkVersion,
        replicas: p.replicas,
        ...(this.opts.isrChangeNotifications ? { stateControllerEpoch: known.state.controllerEpoch } : {}),
      };
      if (this.batch === undefined) {
        this.out.send(broker, request);
        continue;
      }
      // addLeaderAndIsrRequestForBrokers: the later state replaces, and adds an UpdateMetadata.
      const states = this.batch.leaderAndIsr.get(broker) ?? new Map<string, ZkLeaderAndIsr>();
      states.set(key(p), request);
      this.batch.leaderAndIsr.set(broker, states);
      this.batch.updateMetadata = true;
    }
  }

  /**
   * PartitionStateMachine.doHandleStateChanges(OnlinePartition): a partition initialized or elected
   * is put in OnlinePartition (controllerContext.putPartitionState), and only then (3.9.0-rc3).
   */
  private nowOnline(p: ZkPartitionSpec): void {
    this.offline.delete(key(p));
  }

  /**
   * A state written to ZooKeeper: ControllerContext.putPartitionLeadershipInfo, then
   * LeaderAndIsr to `to` and UpdateMetadata to every live broker (sendRequestsToBrokers). The
   * partition's state (OfflinePartition or not) is not touched: ReplicaStateMachine's OfflineReplica
   * (doRemoveReplicasFromIsr) and processAlterPartition put only the leadership info, so a
   * partition left OfflinePartition by a failed election stays so until triggerOnlinePartitionStateChange
   * elects it (swarm seed 360005743).
   */
  private applied(p: ZkPartitionSpec, state: ZkPartitionState, zkVersion: number, to: readonly number[]): void {
    this.partitionStates.set(key(p), { state, zkVersion });
    this.out.emit?.(partitionWrittenProbe(p, state, zkVersion));
    this.sendLeaderAndIsr(p, to);
    this.sendUpdateMetadata();
  }

  /** ControllerBrokerRequestBatch.addUpdateMetadataRequestForBrokers, to every live broker. */
  private sendUpdateMetadata(): void {
    if (this.batch !== undefined) {
      this.batch.updateMetadata = true;
      return;
    }
    const partitions: ZkPartitionMetadata[] = [];
    for (const p of this.partitions) {
      const known = this.partitionStates.get(key(p));
      if (known === undefined) continue;
      const s = known.state;
      partitions.push({
        topic: p.topic,
        partition: p.partition,
        leader: s.leader,
        leaderEpoch: s.leaderEpoch,
        isr: s.isr,
        zkVersion: known.zkVersion,
        replicas: p.replicas,
      });
    }
    const liveBrokers = [...this.liveBrokers.keys()].sort((a, b) => a - b);
    for (const [broker, brokerEpoch] of this.liveBrokers) {
      this.out.send(broker, {
        type: 'ZkUpdateMetadata',
        controllerId: this.brokerId,
        controllerEpoch: this.epoch,
        brokerEpoch,
        liveBrokers,
        partitions,
      });
    }
  }

  /**
   * KafkaController.processAlterPartition (tryProcessAlterPartition), run as a controller
   * event: the checks against the cached state, then KafkaZkClient.updateLeaderAndIsr at the
   * partition epoch the leader sent, behind the controller epoch check.
   */
  processAlterPartition(
    req: ZkAlterPartition,
    reply: (answer: ZkAlterPartitionAnswer) => void,
    done: () => void,
  ): void {
    const fail = (error: ControllerErrorCode): void => {
      reply({ error, leader: -1, leaderEpoch: -1, partitionEpoch: -1, isr: [] });
      done();
    };
    if (!this.active) return fail('NOT_CONTROLLER');
    if (this.liveBrokers.get(req.brokerId) !== req.brokerEpoch) {
      codeProbe('zk-alter-partition-stale-broker-epoch');
      return fail('STALE_BROKER_EPOCH');
    }
    const p = this.partitions.find((x) => x.topic === req.topic && x.partition === req.partition);
    const known = p === undefined ? undefined : this.partitionStates.get(key(p));
    if (p === undefined || known === undefined) return fail('UNKNOWN_TOPIC_OR_PARTITION');
    const current = known.state;
    if (req.partitionEpoch > known.zkVersion || req.leaderEpoch > current.leaderEpoch) return fail('NOT_CONTROLLER');
    if (req.leaderEpoch < current.leaderEpoch) return fail('FENCED_LEADER_EPOCH');
    // LeaderAndIsr.equalsAllowStalePartitionEpoch: already in the desired state.
    if (req.brokerId === current.leader && sameMembers(req.newIsr, current.isr)) {
      reply({ error: 'NONE', ...answerOf(current, known.zkVersion) });
      return done();
    }
    if (req.partitionEpoch < known.zkVersion) {
      codeProbe('zk-alter-partition-stale-version');
      return fail('INVALID_UPDATE_VERSION');
    }
    // KIP-841: every ISR member must be live (not shutting down).
    if (req.newIsr.some((b) => !this.isLive(b))) return fail('INELIGIBLE_REPLICA');
    const state: ZkPartitionState = {
      leader: req.brokerId,
      leaderEpoch: req.leaderEpoch,
      isr: req.newIsr,
      controllerEpoch: this.epoch,
    };
    const alive = this.sameRun();
    this.zk().writePartitionState(p.topic, p.partition, state, req.partitionEpoch, (r) => {
      if (r.kind === 'ok' && alive()) {
        codeProbe('zk-alter-partition-applied');
        // updateLeaderAndIsrCache, then UpdateMetadata (no LeaderAndIsr: the leader has the answer).
        this.applied(p, state, r.zkVersion, []);
        reply({ error: 'NONE', ...answerOf(state, r.zkVersion) });
        return done();
      }
      if (r.kind === 'ok') return fail('NOT_CONTROLLER');
      if (r.kind === 'bad-version') {
        // Resent after a CONNECTIONLOSS, the write met its own earlier application (nothing
        // else writes the znode behind this controller's epoch check): the cache keeps the old
        // zkVersion and the leader waits for a LeaderAndIsr (the Kafka finding
        // zk-stale-controller-cache, driver/kafka-findings.ts).
        if (r.resent) {
          codeProbeWith('zk-alter-partition-resent-bad-version', {
            controller: this.brokerId,
            controllerEpoch: this.epoch,
            topic: p.topic,
            partition: p.partition,
            leader: req.brokerId,
            leaderEpoch: req.leaderEpoch,
            zkVersion: req.partitionEpoch,
            isr: [...req.newIsr],
          });
        }
        return fail('INVALID_UPDATE_VERSION');
      }
      // ControllerMovedException inside tryProcessAlterPartition's try: Kafka answers
      // UNKNOWN_SERVER_ERROR, which the leader retries as it retries NOT_CONTROLLER.
      fail('NOT_CONTROLLER');
    });
  }
}

/** A read-modify-write's new state from the one read (undefined: nothing to write). */
type ZkStateChange = (s: ZkPartitionState) => ZkPartitionState | undefined;

/** How a read-modify-write goes (ZkController.update). */
interface ZkUpdateHow {
  /** The state read goes to the cache always (the default), or only once written. */
  readonly cacheRead?: 'always' | 'on-write';
  /** Sent the written state as LeaderAndIsr (default: every replica). */
  readonly recipients?: readonly number[];
  /** The write is PartitionStateMachine's OnlinePartition transition (an election). */
  readonly election?: boolean;
}

function key(p: ZkPartitionSpec): string {
  return `${p.topic}-${p.partition}`;
}

/** The same leader, leader epoch, ISR and controller epoch. */
function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

function answerOf(s: ZkPartitionState, zkVersion: number): Omit<ZkAlterPartitionAnswer, 'error'> {
  return { leader: s.leader, leaderEpoch: s.leaderEpoch, partitionEpoch: zkVersion, isr: s.isr };
}

/** Election.leaderForPreferredReplica: the first replica, live and in the ISR; LeaderAndIsr.newLeader. */
function leaderForPreferredReplica(
  p: ZkPartitionSpec,
  s: ZkPartitionState,
  live: readonly number[],
): { state: ZkPartitionState; to: readonly number[] } | undefined {
  const head = p.replicas[0];
  if (head === undefined || !live.includes(head) || !s.isr.includes(head)) return undefined;
  return { state: { ...s, leader: head, leaderEpoch: s.leaderEpoch + 1 }, to: p.replicas };
}

/**
 * Election.leaderForOffline with unclean election allowed (PartitionLeaderElectionAlgorithms.
 * offlinePartitionLeaderElection): the first live ISR replica, else the first live replica; the ISR is
 * its live part, or only the new leader when it was not in it (LeaderAndIsr.newLeaderAndIsr; the
 * RECOVERING state of IBP ≥ 3.2 is not modelled, as in model/partition-change.ts).
 */
function leaderForOffline(
  p: ZkPartitionSpec,
  s: ZkPartitionState,
  live: readonly number[],
): { state: ZkPartitionState; to: readonly number[] } | undefined {
  const leader = p.replicas.find((r) => live.includes(r) && s.isr.includes(r)) ?? live[0];
  if (leader === undefined) return undefined;
  const isr = s.isr.includes(leader) ? s.isr.filter((r) => live.includes(r)) : [leader];
  return { state: { ...s, leader, leaderEpoch: s.leaderEpoch + 1, isr }, to: live };
}
