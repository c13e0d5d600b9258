// A ZooKeeper-mode cluster (issue 16): the ZooKeeper ensemble (model/zookeeper.ts), brokers
// 1..N in ZooKeeper mode (model/zk-broker.ts, one of which the ensemble elects controller),
// the admin that creates the topics, and the views people and checkers read, from the
// ensemble's data tree instead of the KRaft metadata log.
//
// Assumptions:
// - The admin (node 450) runs kafka-leader-election.sh too (the leader-election fault): an
//   ElectLeadersRequest over the network to the controller broker (model/zk-broker.ts).
// - The admin (node 450) creates each topic as kafka-topics.sh --create does in ZooKeeper
//   mode (AdminZkClient.createTopic): it writes the assignment znode /brokers/topics/T, from
//   AdminUtils.assignReplicasToBrokersRackUnaware with its random start index and replica
//   shift; the controller's TopicChange handler takes it from there. It retries until the
//   brokers have created /brokers/topics, and after a connection loss. With a group or
//   transactions it creates `__consumer_offsets` / `__transaction_state` the same way, after
//   the workload's topics (Kafka's AutoTopicCreationManager.createTopicsInZk at the first
//   FindCoordinator; up front here, as KRaft mode's controllers create them).
// - ZooKeeper's state, as the views read it, is the data tree of the running server that has
//   applied the most (its last processed zxid): trees apply only committed transactions. With
//   no server running, the last state read stands. The invariants of model/zk-record.ts read
//   ZooKeeper's committed state instead (ZkCommittedState, told of every leader's commits):
//   a transaction a leader committed and answered may be applied on no running tree yet.
// - KafkaCluster.controllerIds are the ensemble's servers in this mode (the metadata quorum):
//   faults aimed at the quorum's nodes hit ZooKeeper servers. The active controller is a
//   broker (ZkClusterView.activeController).

import type { Actor, Message, SimulationApi } from '../harness/types.ts';
import type { ModelContext, ModelProbe } from './cluster-api.ts';
import type { BrokerParams } from './broker.ts';
import type { PartitionView, QuorumSnapshot } from '../checkers/cluster-state.ts';
import type { ClusterSpec, KafkaConfig, TopicSpec } from './config.ts';
import { ClusterView } from './cluster-view.ts';
import type { MetadataCommitLog } from './metadata-image.ts';
import { topicIdOf } from './topic-id.ts';
import { encodeAssignment, type ZkAdminElectionOutcome } from './zk-controller.ts';
import { ZkBroker, createZkBroker, type ZkElectLeadersRequest, type ZkElectLeadersResponse } from './zk-broker.ts';
import { ZkClient } from './zk-client.ts';
import { ZkCommittedState, ZkRecord } from './zk-record.ts';
import { isZkMessage } from './zk-protocol.ts';
import { createZkServer, zkServerIds, ZkServer } from './zookeeper.ts';

/** The admin's node id (kafka-topics.sh). */
export const ZK_ADMIN_ID = 450;
/** Kafka's zookeeper.session.timeout.ms default. */
const DEFAULT_SESSION_TIMEOUT_MS = 18_000;
const ADMIN_RETRY_US = 500_000;

/** Adds the ensemble, the brokers and the admin; returns the brokers' and servers' ids. */
export function addZooKeeperCluster(
  sim: SimulationApi<ModelProbe>,
  spec: Pick<ClusterSpec, 'brokers' | 'topics' | 'config' | 'variant' | 'zookeeper'>,
  commitLog: MetadataCommitLog,
): { brokerIds: number[]; servers: number[]; record: ZkRecord } {
  const zk = spec.zookeeper;
  if (zk === undefined) throw new Error('addZooKeeperCluster: not a ZooKeeper-mode spec');
  if (spec.brokers < 1 || spec.brokers > 9) throw new Error(`cluster: 1..9 brokers, got ${spec.brokers}`);
  const servers = zkServerIds(zk.servers);
  const sessionTimeoutMs = spec.config['zookeeper.session.timeout.ms'] ?? DEFAULT_SESSION_TIMEOUT_MS;
  const chrootPath = zk.chroot ?? '';
  const committed = new ZkCommittedState();
  for (const id of servers)
    sim.addNode({
      id,
      name: `zookeeper-${id - servers[0] + 1}`,
      factory: createZkServer({ servers }, (entry) => committed.onCommit(entry)),
    });
  const record = new ZkRecord(
    (topic, partition) => {
      const node = committed.tree.get(`${chrootPath}/brokers/topics/${topic}/partitions/${partition}/state`);
      if (node === undefined || node.data === '') return undefined;
      const leaderEpoch = (JSON.parse(node.data) as { leader_epoch: number }).leader_epoch;
      return { leaderEpoch, zkVersion: node.stat.version };
    },
    () => sim.now(),
    committed,
  );
  const brokerIds: number[] = [];
  for (let id = 1; id <= spec.brokers; id++) {
    brokerIds.push(id);
    // controllerIds: unused in ZooKeeper mode (the Raft observer it names never starts).
    const params: BrokerParams = {
      brokerId: id,
      controllerIds: servers,
      commitLog,
      config: spec.config,
      variant: spec.variant,
    };
    sim.addNode({
      id,
      name: `broker-${id}`,
      factory: createZkBroker(params, { servers, sessionTimeoutMs, chroot: zk.chroot }, record),
    });
  }
  sim.addNode({
    id: ZK_ADMIN_ID,
    name: 'admin',
    factory: (ctx) => new ZkAdmin(ctx, servers, sessionTimeoutMs, zk.chroot, spec.topics, brokerIds),
  });
  return { brokerIds, servers, record };
}

/** The running server that has applied the most: ZooKeeper's committed state as the views read it. */
function mostAdvanced(sim: SimulationApi<ModelProbe>, servers: readonly number[]): ZkServer | undefined {
  let best: ZkServer | undefined;
  for (const id of servers) {
    const s = sim.actor<ZkServer>(id);
    if (s instanceof ZkServer && (best === undefined || s.tree.lastProcessedZxid > best.tree.lastProcessedZxid))
      best = s;
  }
  return best;
}

/** AdminUtils.assignReplicasToBrokersRackUnaware (server-common AdminUtils, 3.6). */
function assignReplicasRackUnaware(
  partitions: number,
  replicationFactor: number,
  brokers: readonly number[],
  startIndex: number,
  replicaShift: number,
): number[][] {
  const n = brokers.length;
  if (replicationFactor > n) throw new Error(`replication factor ${replicationFactor} > ${n} brokers`);
  const out: number[][] = [];
  let shift = replicaShift;
  for (let p = 0; p < partitions; p++) {
    if (p > 0 && p % n === 0) shift += 1;
    const first = (p + startIndex) % n;
    const replicas = [brokers[first]];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[(first + 1 + ((shift + j) % (n - 1))) % n]);
    out.push(replicas);
  }
  return out;
}

/**
 * kafka-topics.sh --create against ZooKeeper: writes each topic's assignment znode once. Also
 * kafka-leader-election.sh (Admin.electLeaders): an ElectLeadersRequest over the network to the broker the
 * caller names as controller, its answer handed back; the caller times it out (request.timeout.ms), as
 * a cut or a crash may leave it unanswered (the model's admin does not retry elsewhere).
 */
export class ZkAdmin implements Actor<Message> {
  private client: ZkClient;
  private generation = 0;
  private readonly assignments: string[];
  private next = 0;
  private correlationId = 0;
  private readonly elections = new Map<number, (outcome: ZkAdminElectionOutcome) => void>();

  constructor(
    private readonly ctx: ModelContext,
    private readonly servers: readonly number[],
    private readonly sessionTimeoutMs: number,
    private readonly chroot: string | undefined,
    private readonly topics: readonly TopicSpec[],
    brokers: readonly number[],
  ) {
    this.client = this.newClient();
    this.assignments = topics.map((t) => {
      // RAND.nextInt(brokerList.size()) twice: the start index and the replica shift.
      const start = ctx.rng.intBetween(0, brokers.length - 1);
      const shift = ctx.rng.intBetween(0, brokers.length - 1);
      return encodeAssignment(assignReplicasRackUnaware(t.partitions, t.replicationFactor, brokers, start, shift));
    });
    this.client.start();
    this.createNext();
  }

  /** A client with a session of its own (after an expiry the tool runs again with a new one). */
  private newClient(): ZkClient {
    const { servers, sessionTimeoutMs, chroot } = this;
    const timerKey = `admin-${++this.generation}`;
    return new ZkClient(this.ctx, { servers, sessionTimeoutMs, chroot, timerKey }, () => {});
  }

  private createNext(): void {
    const topic = this.topics[this.next];
    if (topic === undefined) return;
    if (this.client.state === 'expired') {
      this.client = this.newClient();
      this.client.start();
    }
    this.client.create(
      `/brokers/topics/${topic.name}`,
      this.assignments[this.next],
      { ephemeral: false, sequential: false },
      (error) => {
        if (error === 'OK' || error === 'NODEEXISTS') {
          this.next++;
          return this.createNext();
        }
        // NONODE (the brokers have not created /brokers/topics yet), CONNECTIONLOSS: again later.
        this.ctx.setTimer(ADMIN_RETRY_US, 'admin-retry');
      },
    );
  }

  /**
   * Admin.electLeaders for one partition, sent to `controller`; `reply` gets the answer if one comes.
   * Returns the request's correlation id.
   */
  electLeaders(
    controller: number,
    request: Omit<ZkElectLeadersRequest, 'type' | 'correlationId'>,
    reply: (outcome: ZkAdminElectionOutcome) => void,
  ): number {
    const correlationId = ++this.correlationId;
    this.elections.set(correlationId, reply);
    const message: ZkElectLeadersRequest = { type: 'ZkElectLeadersRequest', correlationId, ...request };
    this.ctx.send(controller, message);
    return correlationId;
  }

  onMessage(from: number, msg: Message): void {
    if (isZkMessage(msg)) {
      this.client.handleMessage(from, msg);
      return;
    }
    if (msg.type !== 'ZkElectLeadersResponse') return;
    const response = msg as ZkElectLeadersResponse;
    const reply = this.elections.get(response.correlationId);
    this.elections.delete(response.correlationId);
    reply?.(response.outcome);
  }

  onTimer(tag: unknown): void {
    if (tag === 'admin-retry') return this.createNext();
    if (this.client.handleTimer(tag)) return;
  }

  onDisconnect(peer: number): void {
    this.client.handleDisconnect(peer);
  }
}

interface ZkState {
  readonly partitions: PartitionView[];
  /** Registered broker id → czxid. */
  readonly registered: Map<number, number>;
}

/** The cluster's views in ZooKeeper mode: the controller's state is ZooKeeper's. */
export class ZkClusterView extends ClusterView {
  private last: ZkState = { partitions: [], registered: new Map() };
  private lastReadUs = -1;

  constructor(
    sim: SimulationApi<ModelProbe>,
    brokerIds: readonly number[],
    private readonly topicList: readonly TopicSpec[],
    config: KafkaConfig,
    readonly servers: readonly number[],
    commitLog: MetadataCommitLog,
    private readonly chroot: string,
    private readonly record: ZkRecord,
    /**
     * Every topic the admin created, the internal ones too (`__consumer_offsets`,
     * `__transaction_state`): ZooKeeper's partition state is read for all of them, as KRaft
     * mode's committed image holds them all; `describe` prints the workload's only.
     */
    private readonly createdTopics: readonly TopicSpec[] = topicList,
  ) {
    super(sim, brokerIds, topicList, config, servers, commitLog);
  }

  /** The broker acting as the active controller (it believes so and is running), or undefined. */
  activeController(): ZkBroker | undefined {
    for (const id of this.brokerIds) {
      const b = this.sim.actor<ZkBroker>(id);
      if (b instanceof ZkBroker && b.zk.isActive() && !this.sim.isPaused(id)) return b;
    }
    return undefined;
  }

  /** ZooKeeper's state: the most advanced running server's tree (cached per instant). */
  private state(): ZkState {
    const now = this.sim.now();
    if (now === this.lastReadUs) return this.last;
    const best = mostAdvanced(this.sim, this.servers);
    if (best !== undefined) {
      this.last = readState(best, this.chroot, this.createdTopics);
      this.lastReadUs = now;
    }
    return this.last;
  }

  override controllerUp(): boolean {
    return this.activeController() !== undefined;
  }

  override controllerPartitions(): readonly PartitionView[] {
    return this.state().partitions;
  }

  override controllerPartitionOf(topic: string, partition: number): PartitionView | undefined {
    return this.state().partitions.find((p) => p.topic === topic && p.partition === partition);
  }

  override registration(
    brokerId: number,
  ): { epoch: number; fenced: boolean; inControlledShutdown?: boolean } | undefined {
    const czxid = this.state().registered.get(brokerId);
    return czxid === undefined ? undefined : { epoch: czxid, fenced: false };
  }

  /** No KRaft quorum; the violations are the ZooKeeper-mode record's (model/zk-record.ts). */
  override quorumSnapshot(): QuorumSnapshot {
    return { voters: [], committedEnd: 0, violations: this.record.violations };
  }

  /**
   * kafka-topics.sh --describe as Kafka 2.8–3.x prints it against a ZooKeeper-mode cluster
   * (TopicCommand: topic-level config overrides only, none here; no ELR columns).
   */
  override describe(): string {
    const lines: string[] = [];
    if (!this.controllerUp()) lines.push('(no active controller: the partition state in ZooKeeper)');
    const partitions = this.state().partitions;
    for (const topic of this.topicList) {
      lines.push(
        `Topic: ${topic.name}\tTopicId: ${topicIdOf(this.sim.seed, topic.name)}\t` +
          `PartitionCount: ${topic.partitions}\tReplicationFactor: ${topic.replicationFactor}\tConfigs: `,
      );
      for (const s of partitions) {
        if (s.topic !== topic.name) continue;
        lines.push(
          `\tTopic: ${s.topic}\tPartition: ${s.partition}\tLeader: ${s.leader < 0 ? 'none' : s.leader}\t` +
            `Replicas: ${s.replicas.join(',')}\tIsr: ${s.isr.join(',')}`,
        );
      }
    }
    return lines.join('\n');
  }
}

function readState(server: ZkServer, chroot: string, topics: readonly TopicSpec[]): ZkState {
  const tree = server.tree;
  const registered = new Map<number, number>();
  const ids = tree.get(`${chroot}/brokers/ids`);
  for (const child of ids?.children ?? []) {
    const node = tree.get(`${chroot}/brokers/ids/${child}`);
    if (node !== undefined) registered.set(Number(child), node.stat.czxid);
  }
  const partitions: PartitionView[] = [];
  for (const t of topics) {
    const assignment = tree.get(`${chroot}/brokers/topics/${t.name}`);
    if (assignment === undefined || assignment.data === '') continue;
    const replicasOf = (JSON.parse(assignment.data) as { partitions: Record<string, number[]> }).partitions;
    for (let p = 0; p < t.partitions; p++) {
      const node = tree.get(`${chroot}/brokers/topics/${t.name}/partitions/${p}/state`);
      if (node === undefined || node.data === '') continue;
      const js = JSON.parse(node.data) as { leader: number; leader_epoch: number; isr: number[] };
      partitions.push({
        topic: t.name,
        partition: p,
        replicas: replicasOf[String(p)] ?? [],
        isr: js.isr,
        elr: [],
        leader: js.leader,
        leaderEpoch: js.leader_epoch,
        partitionEpoch: node.stat.version,
      });
    }
  }
  return { partitions, registered };
}
