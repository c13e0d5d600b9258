// Builds a simulated Kafka cluster on a kernel Simulation (model/cluster-api.ts): brokers
// 1..N, the KRaft controller, the workload's producers and consumers and the probe client,
// and offers the views people and checkers read (describe, dumpLog, snapshot).
//
// Assumptions:
// - Replica assignment is deterministic: partition p of the t-th topic starts at broker
//   (t + p) mod N + 1 and takes the next RF brokers in order (Kafka spreads replicas the same
//   round-robin way from a random start).
// - Consumers are assigned the partitions round-robin (assign mode); a consumer left with no
//   partition reads one anyway, so every consumer polls something.
// - The views (describe, dumpLog, snapshot) live in cluster-view.ts; the acknowledged and
//   consumed records of a snapshot are folded incrementally from the history.

import type { SimulationApi } from '../harness/types.ts';
import type { AckedRecord, ClusterSnapshot, ConsumedRecord, ReplicaFacts } from '../checkers/cluster-state.ts';
import type { AssignmentValue, History, PollValue, SendValue } from '../checkers/history.ts';
import type { BuildCluster, KafkaCluster, ModelProbe, TxnCoordinatorsState } from './cluster-api.ts';
import {
  controllerIdsOf,
  FIRST_CONSUMER_ID,
  firstGroupConsumerId,
  OFFSETS_TOPIC,
  FIRST_PRODUCER_ID,
  FIRST_TXN_PRODUCER_ID,
  PROBE_CLIENT_ID,
  TXN_STATE_TOPIC,
  type ClusterSpec,
  type TopicSpec,
  type WorkloadSpec,
} from './config.ts';
import { createBroker, type BrokerParams } from './broker.ts';
import { createController, type ControllerParams } from './controller.ts';
import { brokerOn, createCombinedServer } from './combined-server.ts';
import { MetadataCommitLog } from './metadata-image.ts';
import { ClusterView } from './cluster-view.ts';
import { createHistoryRecorder } from './history-recorder.ts';
import { createProducer } from './producer.ts';
import { createConsumer } from './consumer.ts';
import { createGroupConsumer } from './group-consumer.ts';
import { createTxnProducer } from './txn-producer.ts';
import { transactionV2Enabled } from './versions.ts';
import { txnTopicPartitions } from './txn-host.ts';
import { offsetsTopicPartitions, partitionFor } from './group-host.ts';
import type { GroupCoordinatorShard, GroupRecord } from './group-coordinator.ts';
import { consumerGroupDescribeText, type DescribedMember, describeRows } from './group-describe.ts';
import { consumerGroupState } from './consumer-group.ts';
import { clientOfProcess } from './client-process.ts';
import type { Broker } from './broker.ts';
import { createProbeClient, type ProbeClientActor } from './probe-client.ts';
import type { ClientStatus } from './client-api.ts';
import { addZooKeeperCluster, ZK_ADMIN_ID, ZkClusterView } from './zk-cluster.ts';

/**
 * The committed offsets of `group` as the coordinator on `broker` holds them: its
 * `__consumer_offsets/partition` replayed below the HW (the last committed offset).
 */
function committedOffsets(broker: Broker, partition: number, group: string): Map<string, number> {
  const out = new Map<string, number>();
  const log = broker.partition(OFFSETS_TOPIC, partition)?.log;
  if (log === undefined) return out;
  for (const r of log.dataRecords()) {
    if (r.offset >= log.hw) break;
    const rec = JSON.parse(r.value) as GroupRecord;
    if (rec.type === 'OffsetCommit' && rec.group === group) out.set(`${rec.topic}/${rec.partition}`, rec.offset);
  }
  return out;
}

/** Replicas of partition `p` of the `topicIndex`-th topic, preferred leader first. */
function assignReplicas(brokers: number, topicIndex: number, topic: TopicSpec, p: number): number[] {
  if (topic.replicationFactor > brokers)
    throw new Error(`topic ${topic.name}: replication factor ${topic.replicationFactor} > ${brokers} brokers`);
  const start = (topicIndex + p) % brokers;
  const replicas: number[] = [];
  for (let i = 0; i < topic.replicationFactor; i++) replicas.push(((start + i) % brokers) + 1);
  return replicas;
}

/**
 * Adds the cluster's Kafka processes to the simulation: brokers 1..N and the controller voters
 * (dedicated nodes 100, 101, …, or in combined mode one process with both roles on brokers
 * 1..controllers). Shared by buildCluster and the model's tests.
 */
export function addKafkaServers(
  sim: SimulationApi<ModelProbe>,
  spec: Pick<ClusterSpec, 'brokers' | 'controllers' | 'combined' | 'topics' | 'config' | 'variant'>,
  commitLog: MetadataCommitLog,
): { brokerIds: number[]; voters: number[] } {
  if (spec.brokers < 1 || spec.brokers > 9) throw new Error(`cluster: 1..9 brokers, got ${spec.brokers}`);
  const brokerIds: number[] = [];
  for (let i = 1; i <= spec.brokers; i++) brokerIds.push(i);
  const voters = controllerIdsOf(spec);
  if (![1, 3, 5].includes(voters.length)) throw new Error(`cluster: 1, 3 or 5 controllers, got ${voters.length}`);
  const combined = spec.combined === true;
  if (combined && voters.length > spec.brokers)
    throw new Error(`cluster: combined mode needs ${voters.length} brokers for ${voters.length} voters`);
  const { topics, config, variant } = spec;
  const topicIndex = new Map(topics.map((t, i) => [t.name, i] as const));
  const controllerParams = (id: number): ControllerParams => ({
    controllerId: id,
    voters,
    commitLog,
    config,
    variant,
    topics,
    assignment: (t, p) => assignReplicas(spec.brokers, topicIndex.get(t.name)!, t, p),
  });
  const brokerParams = (id: number): BrokerParams => ({
    brokerId: id,
    controllerIds: voters,
    commitLog,
    config,
    variant,
  });
  if (!combined)
    for (const id of voters) {
      const name = voters.length === 1 ? 'controller' : `controller-${id}`;
      sim.addNode({ id, name, factory: createController('kraft', controllerParams(id)) });
    }
  for (const id of brokerIds) {
    // Combined mode: a voter's node is one process with both roles (process.roles=broker,controller).
    const both = combined && voters.includes(id);
    sim.addNode({
      id,
      name: both ? `kafka-${id}` : `broker-${id}`,
      factory: both ? createCombinedServer(brokerParams(id), controllerParams(id)) : createBroker(brokerParams(id)),
    });
  }
  return { brokerIds, voters };
}

/**
 * `__consumer_offsets` (issue 15), when the workload has a group: created at first boot like
 * the other topics (Kafka creates it at the first FindCoordinator:
 * KafkaApis.handleFindCoordinatorRequest → AutoTopicCreationManager.createTopics, which in
 * ZooKeeper mode is createTopicsInZk → AdminZkClient.createTopic: the same assignment znode the
 * admin writes, model/zk-cluster.ts), with
 * offsets.topic.num.partitions and offsets.topic.replication.factor (at most the brokers).
 */
function internalTopics(spec: ClusterSpec, workload: WorkloadSpec): TopicSpec[] {
  const out: TopicSpec[] = [];
  const config = spec.config;
  if ((workload.groupConsumers ?? 0) > 0 || (workload.transactions?.consumeRatio ?? 0) > 0) {
    const replicationFactor = Math.min(spec.brokers, config['offsets.topic.replication.factor'] ?? 3);
    out.push({ name: OFFSETS_TOPIC, partitions: offsetsTopicPartitions(config), replicationFactor });
  }
  // __transaction_state (issue 17), when the workload has transactional producers: created at
  // first boot too (Kafka creates it at the first FindCoordinator of key type TRANSACTION).
  if (workload.transactions !== undefined) {
    const replicationFactor = Math.min(spec.brokers, config['transaction.state.log.replication.factor'] ?? 3);
    out.push({ name: TXN_STATE_TOPIC, partitions: txnTopicPartitions(config), replicationFactor });
  }
  return out;
}

export const buildCluster: BuildCluster = (sim, spec, workload) => new SimulatedCluster(sim, spec, workload);

class SimulatedCluster implements KafkaCluster {
  readonly brokerIds: readonly number[];
  readonly controllerId: number;
  readonly controllerIds: readonly number[];
  readonly commitLog = new MetadataCommitLog();
  readonly producerIds: readonly number[];
  readonly consumerIds: readonly number[];
  private readonly recorder = createHistoryRecorder();
  private readonly view: ClusterView;
  private readonly acked: AckedRecord[] = [];
  private readonly consumed: ConsumedRecord[] = [];
  private scannedHistory = 0;
  /** The two lists results() hands out (one object: it is asked after every event). */
  private readonly resultLists = { acked: this.acked, consumed: this.consumed };
  /** Nodes started after the brokers: ZooKeeper mode's admin. */
  private readonly tools: readonly number[];
  /** Each transactional producer's transactional.id. */
  private readonly txnIdOf = new Map<number, string>();
  /** A consume-transform-produce producer's group (client id → group). */
  private readonly ctpGroupOf = new Map<number, string>();

  constructor(
    private readonly sim: SimulationApi<ModelProbe>,
    readonly spec: ClusterSpec,
    readonly workload: WorkloadSpec,
  ) {
    const groupConsumers = Math.max(0, workload.groupConsumers ?? 0);
    // The controllers create the workload's topics and, with a group, __consumer_offsets and,
    // with transactions, __transaction_state (KRaft mode); in ZooKeeper mode the admin creates
    // them all through ZooKeeper (AdminZkClient.createTopic), the internal ones last.
    const created = [...spec.topics, ...internalTopics(spec, workload)];
    const topics = spec.topics;
    const config = spec.config;
    if (spec.zookeeper !== undefined) {
      // ZooKeeper mode (model/zk-cluster.ts): the ensemble's servers stand where the voters do.
      const { brokerIds, servers, record } = addZooKeeperCluster(sim, { ...spec, topics: created }, this.commitLog);
      this.brokerIds = brokerIds;
      this.controllerIds = servers;
      this.controllerId = servers[0];
      const chroot = spec.zookeeper.chroot ?? '';
      this.view = new ZkClusterView(sim, brokerIds, topics, config, servers, this.commitLog, chroot, record, created);
      this.tools = [ZK_ADMIN_ID];
    } else {
      const { brokerIds, voters } = addKafkaServers(sim, { ...spec, topics: created }, this.commitLog);
      this.brokerIds = brokerIds;
      this.controllerIds = voters;
      this.controllerId = voters[0];
      this.view = new ClusterView(sim, brokerIds, topics, config, voters, this.commitLog);
      this.tools = [];
    }
    const brokerIds = this.brokerIds;

    const producerIds: number[] = [];
    const producers = Math.max(0, spec.producers);
    for (let i = 0; i < producers; i++) {
      const id = FIRST_PRODUCER_ID + i;
      producerIds.push(id);
      const sends = Math.floor(workload.sends / producers) + (i < workload.sends % producers ? 1 : 0);
      const factory = createProducer({
        clientId: id,
        bootstrapBrokers: brokerIds.slice(),
        config,
        topics,
        workload,
        sends,
        valuePrefix: `p${id}-`,
        recorder: this.recorder,
      });
      sim.addNode({ id, name: `producer-${id}`, factory });
    }
    producerIds.push(...this.addTxnProducers());
    this.producerIds = producerIds;

    const all: Array<{ topic: string; partition: number }> = [];
    for (const t of topics) for (let p = 0; p < t.partitions; p++) all.push({ topic: t.name, partition: p });
    const consumerIds: number[] = [];
    const consumers = Math.max(0, spec.consumers);
    for (let i = 0; i < consumers; i++) {
      const id = FIRST_CONSUMER_ID + i;
      consumerIds.push(id);
      const assignment = all.filter((_, k) => k % consumers === i);
      if (assignment.length === 0 && all.length > 0) assignment.push(all[i % all.length]);
      sim.addNode({
        id,
        name: `consumer-${id}`,
        factory: createConsumer({
          clientId: id,
          bootstrapBrokers: brokerIds.slice(),
          config,
          topics,
          workload,
          assignment,
          recorder: this.recorder,
          variant: spec.variant,
        }),
      });
    }
    // Group members first: a fault naming "consumer i" hits a member of the group when there is one.
    this.consumerIds = [...this.addGroupConsumers(groupConsumers), ...consumerIds];

    sim.addNode({
      id: PROBE_CLIENT_ID,
      name: 'probe',
      factory: createProbeClient({
        clientId: PROBE_CLIENT_ID,
        bootstrapBrokers: brokerIds.slice(),
        config,
        topics,
        recorder: this.recorder,
      }),
    });
  }

  /** The workload's transactional producers (issue 17), their ids; they write to the first topic. */
  private addTxnProducers(): number[] {
    const t = this.workload.transactions;
    if (t === undefined) return [];
    const ids: number[] = [];
    for (let i = 0; i < t.producers; i++) {
      const id = FIRST_TXN_PRODUCER_ID + i;
      const transactions = Math.floor(t.transactions / t.producers) + (i < t.transactions % t.producers ? 1 : 0);
      const factory = createTxnProducer({
        clientId: id,
        bootstrapBrokers: this.brokerIds.slice(),
        config:
          t.deliveryTimeoutMs === undefined
            ? this.spec.config
            : { ...this.spec.config, 'delivery.timeout.ms': t.deliveryTimeoutMs },
        topic: this.spec.topics[0],
        transactionalId: this.txnId(id, `tx-${i % t.ids}`),
        transactions,
        maxSends: t.maxSends,
        abortRatio: t.abortRatio,
        transactionTimeoutMs: t.timeoutMs,
        intervalMs: t.intervalMs,
        valuePrefix: `x${id}-`,
        recorder: this.recorder,
        transactionV2: transactionV2Enabled(this.spec.config, this.spec.variant),
        // Consume-transform-produce: one group per transactional id (its instances share it),
        // consuming one partition of the topic.
        ...((t.consumeRatio ?? 0) > 0
          ? {
              consumeRatio: t.consumeRatio,
              group: this.ctpGroup(id, `ctp-tx-${i % t.ids}`),
              sourcePartition: (i % t.ids) % this.spec.topics[0].partitions,
            }
          : {}),
      });
      this.sim.addNode({ id, name: `txn-producer-${id}`, factory });
      ids.push(id);
    }
    return ids;
  }

  private txnId(clientId: number, transactionalId: string): string {
    this.txnIdOf.set(clientId, transactionalId);
    return transactionalId;
  }

  private ctpGroup(clientId: number, group: string): string {
    this.ctpGroupOf.set(clientId, group);
    return group;
  }

  /** The subscribe-mode consumers of the workload's group (issue 15), their ids. */
  private addGroupConsumers(n: number): number[] {
    const first = firstGroupConsumerId(this.spec);
    return Array.from({ length: n }, (_, i) => this.addGroupConsumer(first + i));
  }

  private addGroupConsumer(id: number): number {
    this.sim.addNode({
      id,
      name: `group-consumer-${id}`,
      factory: createGroupConsumer({
        clientId: id,
        bootstrapBrokers: this.brokerIds.slice(),
        config: this.spec.config,
        topics: this.spec.topics,
        workload: this.workload,
        group: this.workload.group ?? 'g1',
        recorder: this.recorder,
        variant: this.spec.variant,
      }),
    });
    return id;
  }

  hangingTransactions(): Map<string, number> {
    const out = new Map<string, number>();
    if (this.workload.transactions === undefined) return out;
    const known = new Set<number>();
    for (const id of this.brokerIds) {
      const b = this.sim.isUp(id) ? brokerOn(this.sim, id) : undefined;
      if (b === undefined) continue;
      for (let p = 0; p < txnTopicPartitions(this.spec.config); p++) {
        const shard = b.txns.shard(p);
        // A wedged transaction is never ended by its coordinator: it knows none of the producer's.
        const wedged = new Set(shard?.wedged() ?? []);
        for (const md of shard?.txns.values() ?? []) {
          const open = md.state === 'Ongoing' || md.state === 'PrepareCommit' || md.state === 'PrepareAbort';
          if ((open || md.pendingState !== null) && !wedged.has(md.transactionalId)) known.add(md.producerId);
        }
      }
    }
    // `__consumer_offsets` too: a TxnOffsetCommit is the producer's transactional batch there, and
    // its pending offsets answer OffsetFetch(requireStable) UNSTABLE_OFFSET_COMMIT until a marker
    // (OffsetMetadataManager.hasPendingTransactionalOffsets, replayEndTransactionMarker).
    const topics = new Set([...this.spec.topics.map((t) => t.name), OFFSETS_TOPIC]);
    for (const s of this.view.controllerPartitions()) {
      if (!topics.has(s.topic)) continue;
      const b = s.leader >= 0 && this.sim.isUp(s.leader) ? brokerOn(this.sim, s.leader) : undefined;
      const open = b?.partition(s.topic, s.partition)?.log.producers.openTransactions() ?? [];
      const hanging = open.filter((o) => !known.has(o.producerId)).map((o) => o.firstOffset);
      if (hanging.length > 0) out.set(`${s.topic}/${s.partition}`, Math.min(...hanging));
    }
    return out;
  }

  wedgedTxnProducers(): Map<number, number> {
    const wedged = new Map<string, number>();
    for (const s of this.view.controllerPartitions()) {
      if (s.topic !== TXN_STATE_TOPIC) continue;
      const b = s.leader >= 0 && this.sim.isUp(s.leader) ? brokerOn(this.sim, s.leader) : undefined;
      for (const id of b?.txns.shard(s.partition)?.wedged() ?? []) wedged.set(id, s.partition);
    }
    const out = new Map<number, number>();
    for (const client of this.unfinishedProducers()) {
      const partition = wedged.get(this.txnIdOf.get(client) ?? '');
      if (partition !== undefined) out.set(client, partition);
    }
    return out;
  }

  txnStatePartitionOfProducers(): Map<number, number> {
    const out = new Map<number, number>();
    const partitions = txnTopicPartitions(this.spec.config);
    for (const client of this.unfinishedProducers()) {
      const transactionalId = this.txnIdOf.get(client);
      if (transactionalId !== undefined) out.set(client, partitionFor(transactionalId, partitions));
    }
    return out;
  }

  preparedTxnsOfProducers(): Array<readonly [number, string, readonly string[]]> {
    const out: Array<readonly [number, string, readonly string[]]> = [];
    const partitions = txnTopicPartitions(this.spec.config);
    const leaders = new Map<number, number>();
    for (const s of this.view.controllerPartitions())
      if (s.topic === TXN_STATE_TOPIC) leaders.set(s.partition, s.leader);
    for (const client of this.unfinishedProducers()) {
      const id = this.txnIdOf.get(client);
      if (id === undefined) continue;
      const partition = partitionFor(id, partitions);
      const leader = leaders.get(partition) ?? -1;
      const b = leader >= 0 && this.sim.isUp(leader) ? brokerOn(this.sim, leader) : undefined;
      const shard = b?.txns.shard(partition);
      const md = shard?.txns.get(id);
      if (md === undefined || shard === undefined || !shard.sendingMarkers(id)) continue;
      const completing =
        (md.state === 'PrepareCommit' && md.pendingState === 'CompleteCommit') ||
        (md.state === 'PrepareAbort' && md.pendingState === 'CompleteAbort');
      if (completing) out.push([client, md.state, [...md.partitions]]);
    }
    return out;
  }

  openTransactionsOnLeaders(): Array<readonly [string, number]> {
    const out: Array<readonly [string, number]> = [];
    if (this.workload.transactions === undefined) return out;
    const topics = new Set(this.spec.topics.map((t) => t.name));
    for (const s of this.view.controllerPartitions()) {
      if (!topics.has(s.topic)) continue;
      const b = s.leader >= 0 && this.sim.isUp(s.leader) ? brokerOn(this.sim, s.leader) : undefined;
      for (const o of b?.partition(s.topic, s.partition)?.log.producers.openTransactions() ?? [])
        out.push([`${s.topic}/${s.partition}`, o.producerId]);
    }
    return out;
  }

  offsetsHungTxnProducers(): Map<number, number> {
    const out = new Map<number, number>();
    if (this.ctpGroupOf.size === 0) return out;
    const hanging = this.hangingTransactions();
    const partitions = offsetsTopicPartitions(this.spec.config);
    for (const client of this.unfinishedProducers()) {
      const group = this.ctpGroupOf.get(client);
      if (group === undefined) continue;
      const partition = partitionFor(group, partitions);
      if (hanging.has(`${OFFSETS_TOPIC}/${partition}`)) out.set(client, partition);
    }
    return out;
  }

  txnCoordinators(): TxnCoordinatorsState {
    const shards: Array<TxnCoordinatorsState['shards'][number]> = [];
    for (const id of this.brokerIds) {
      const b = this.sim.isUp(id) ? brokerOn(this.sim, id) : undefined;
      if (b === undefined) continue;
      for (let p = 0; p < txnTopicPartitions(this.spec.config); p++) {
        const s = b.txns.shard(p);
        if (s === undefined) continue;
        const { coordinatorEpoch, completed } = s;
        shards.push({ broker: id, partition: p, coordinatorEpoch, loaded: s.isLoaded(), completed });
      }
    }
    return { shards, leaderLog: (tp) => this.leaderLogOf(tp) };
  }

  /** The running leader's log of "topic/partition" (undefined: none). */
  private leaderLogOf(tp: string): ReturnType<TxnCoordinatorsState['leaderLog']> {
    const cut = tp.lastIndexOf('/');
    const [topic, partition] = [tp.slice(0, cut), Number(tp.slice(cut + 1))];
    const leader = this.view.controllerPartitions().find((s) => s.topic === topic && s.partition === partition)?.leader;
    const b = leader !== undefined && leader >= 0 && this.sim.isUp(leader) ? brokerOn(this.sim, leader) : undefined;
    const p = b?.partition(topic, partition);
    if (p === undefined || p.role !== 'leader') return undefined;
    return { logStartOffset: p.log.logStartOffset, records: p.log.records };
  }

  get history(): History {
    return this.recorder.events;
  }

  start(): void {
    // KafkaRaftServer.startup: the controller role first (a combined node starts both at once).
    for (const id of this.controllerIds) if (!this.brokerIds.includes(id)) this.sim.start(id);
    for (const id of this.brokerIds) this.sim.start(id);
    for (const id of this.tools) this.sim.start(id);
    for (const id of this.producerIds) this.sim.start(id);
    for (const id of this.consumerIds) this.sim.start(id);
    this.sim.start(PROBE_CLIENT_ID);
  }

  workloadDone(): boolean {
    for (const id of this.producerIds) {
      if (!this.sim.isUp(id)) continue;
      const actor = this.sim.actor<ClientStatus>(id);
      if (actor !== undefined && !actor.done()) return false;
    }
    return true;
  }

  unfinishedProducers(): number[] {
    return this.producerIds.filter((id) => {
      const actor = this.sim.isUp(id) ? this.sim.actor<ClientStatus>(id) : undefined;
      return actor !== undefined && !actor.done();
    });
  }

  openSends(): Array<{ producer: number; topic: string; partition: number }> {
    return this.unfinishedProducers().flatMap((producer) => {
      const parts = this.sim.actor<ClientStatus>(producer)?.sendingTo?.() ?? [];
      return parts.map(({ topic, partition }) => ({ producer, topic, partition }));
    });
  }

  private probe(): ProbeClientActor {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    if (actor === undefined) throw new Error('the probe client is down');
    return actor;
  }

  startProbe(): void {
    this.probe().startProbe();
  }

  probeSucceeded(): boolean {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    return actor !== undefined && actor.probeSucceeded();
  }

  startFinalRead(): void {
    this.probe().startFinalRead();
  }

  finalReadDone(): boolean {
    const actor = this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID);
    return actor !== undefined && actor.finalReadDone();
  }

  finalReadUnfinished(): ReadonlyArray<{ topic: string; partition: number }> {
    return this.sim.actor<ProbeClientActor>(PROBE_CLIENT_ID)?.finalReadUnfinished() ?? [];
  }

  // =====================================================================================
  // Views

  describe(): string {
    return this.view.describe();
  }

  dumpLog(broker: number, topic: string, partition: number): string {
    return this.view.dumpLog(broker, topic, partition);
  }

  describeSegments(broker: number, topic: string, partition: number): string {
    return this.view.describeSegments(broker, topic, partition);
  }

  describeGroup(group: string): string {
    const coordinator = this.coordinatorOf(group);
    if (coordinator === undefined)
      return '\nError: Executing consumer group command failed due to The coordinator is not available.\n';
    const { broker, shard } = coordinator;
    const g = shard.describe(group);
    // a KIP-848 consumer group: each member's current assignment (ConsumerGroupDescription)
    const cg = shard.describeConsumerGroup(group);
    const assignments = cg
      ? [...cg.members.values()].map((m) => ({ id: m.id, assignment: m.assigned }))
      : [...(g?.members.values() ?? [])];
    const members: DescribedMember[] = assignments.map((m) => {
      const name = this.memberClients().get(m.id) ?? '-';
      return { memberId: m.id, host: `/${name}`, clientId: name, partitions: m.assignment };
    });
    const logEndOffset = (topic: string, partition: number): number | undefined => {
      const leader = this.view
        .controllerPartitions()
        .find((s) => s.topic === topic && s.partition === partition)?.leader;
      return leader === undefined || leader < 0 ? undefined : this.replicaFacts(leader, topic, partition)?.hw;
    };
    const rows = describeRows(members, committedOffsets(broker, shard.partition, group), logEndOffset);
    const state = cg ? consumerGroupState(cg) : (g?.state ?? 'Dead');
    return consumerGroupDescribeText(group, state, rows);
  }

  /** The loaded coordinator of `group` on a running broker (the highest leader epoch), if any. */
  private coordinatorOf(group: string): { broker: Broker; shard: GroupCoordinatorShard } | undefined {
    const partition = partitionFor(group, offsetsTopicPartitions(this.spec.config));
    let best: { broker: Broker; shard: GroupCoordinatorShard } | undefined;
    for (const id of this.brokerIds) {
      const broker = this.sim.isUp(id) ? brokerOn(this.sim, id) : undefined;
      const shard = broker?.groups.shard(partition);
      if (broker === undefined || shard === undefined || !shard.isLoaded()) continue;
      if (best === undefined || shard.leaderEpoch > best.shard.leaderEpoch) best = { broker, shard };
    }
    return best;
  }

  /** Member id → the name of the client node it was handed to (the history's assignments). */
  private memberClients(): Map<string, string> {
    const out = new Map<string, string>();
    for (const e of this.recorder.events) {
      if (e.f !== 'assignment' || e.type !== 'ok') continue;
      const client = clientOfProcess(e.process);
      if (client !== undefined) out.set((e.value as AssignmentValue).member, this.sim.nodeName(client));
    }
    return out;
  }

  snapshot(): ClusterSnapshot {
    this.scanHistory();
    return this.view.snapshot(this.acked, this.consumed);
  }

  internalPartitionLook(topic: string, partition: number): ClusterSnapshot | undefined {
    return this.view.internalPartitionLook(topic, partition);
  }

  partitionSnapshot(topic: string, partition: number): ClusterSnapshot {
    this.scanHistory();
    return this.view.partitionSnapshot(topic, partition, this.acked, this.consumed);
  }

  results(): { acked: readonly AckedRecord[]; consumed: readonly ConsumedRecord[] } {
    this.scanHistory();
    return this.resultLists;
  }

  replicaFacts(broker: number, topic: string, partition: number): ReplicaFacts | undefined {
    if (!this.sim.isUp(broker)) return undefined;
    return brokerOn(this.sim, broker)?.partition(topic, partition)?.facts;
  }

  /** Fold new history events into the acked / consumed lists. */
  private scanHistory(): void {
    const events = this.recorder.events;
    for (let i = this.scannedHistory; i < events.length; i++) {
      const e = events[i];
      if (e.f === 'send' && e.type === 'ok') {
        const v = e.value as SendValue;
        if (typeof v.offset === 'number' && v.offset >= 0)
          this.acked.push({ topic: v.topic, partition: v.partition, offset: v.offset, value: v.value, timeUs: e.time });
      } else if (e.f === 'poll' && e.type === 'ok') {
        const v = e.value as PollValue;
        const records = v.records;
        // indexed, not destructured: this runs for every record every consumer polls
        if (records !== undefined)
          for (let j = 0; j < records.length; j++) {
            const r = records[j];
            this.consumed.push({ topic: v.topic, partition: v.partition, offset: r[0], value: r[1], timeUs: e.time });
          }
      }
    }
    this.scannedHistory = events.length;
  }
}
