// A client's metadata cache, as Kafka's Metadata/MetadataUpdater keep it: start from the
// bootstrap brokers, ask one of them for the topics' partitions (leader, leader epoch,
// replicas, ISR), and refresh on demand (an error, a timeout, an unknown leader).
//
// Rules:
// - At most one MetadataRequest in flight; refreshes are at least `retry.backoff.ms` apart
//   (Kafka's metadata refresh backoff), so a storm of errors costs one request per backoff.
// - Last seen leader epochs (Metadata.lastSeenLeaderEpochs): a partition's entry is replaced
//   only by one with a leader epoch ≥ the last seen one (Metadata.updateLatestMetadata: "Got
//   metadata for an older epoch ... not updating"), so a broker with stale metadata cannot move
//   a client back to a deposed leader (KIP-320). A consumer raises the last seen epoch from a
//   committed offset's leader epoch (updateLastSeenEpochIfNewer, called by ConsumerUtils
//   .refreshCommittedOffsets), only for a partition it already has metadata for, and asks for
//   fresh metadata. While the cached entry's epoch is below the last seen one the partition has
//   no current leader (Metadata.currentLeader / partitionMetadataIfCurrent): `partition()`
//   answers leader -1 with the last seen epoch, until metadata at least that new arrives.
// - After a request fails (timeout or disconnect), the next one goes to another broker.
// - The broker list becomes the brokers the last response named (bootstrap only seeds it).
// - Listeners hear of every applied response; they decide what it unblocks.
// - KIP-951: a Produce or Fetch answer with NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH that
//   names the current leader moves the cached leader at once, if its epoch is newer
//   (Metadata.updatePartitionLeadership, called from Sender.handleProduceResponse and
//   AbstractFetch.handleFetchSuccess); the full refresh the error asks for still follows.

import type { TimerHandle } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { ClientResponse, PartitionMetadata } from './client-protocol.ts';
import type { ClientNet, NoResponseReason, PendingRequest, RequestOwner } from './client-net.ts';
import { msToUs } from './client-net.ts';
import type { KafkaConfig } from './config.ts';
import { codeProbe } from './code-probes.ts';

export const METADATA_RETRY_TAG = { type: 'metadata-retry' } as const;

export class ClientMetadata implements RequestOwner {
  private brokers: number[];
  private cursor: number;
  private readonly byTopic = new Map<string, PartitionMetadata[]>();
  /** Metadata.lastSeenLeaderEpochs, per topic by partition (set once a partition's entry is cached). */
  private readonly lastSeenEpochs = new Map<string, number[]>();
  private inFlight: PendingRequest | null = null;
  private updateWanted = false;
  private lastAttemptUs = -Infinity;
  private retryTimer: TimerHandle = -1;
  private readonly backoffUs: number;
  private readonly timeoutUs: number;
  private readonly listeners: Array<() => void> = [];
  /** Responses applied so far. */
  updates = 0;

  constructor(
    private readonly ctx: ModelContext,
    private readonly net: ClientNet,
    bootstrapBrokers: readonly number[],
    private readonly topics: readonly string[],
    config: KafkaConfig,
  ) {
    if (bootstrapBrokers.length === 0) throw new Error(`client ${ctx.id}: no bootstrap brokers`);
    this.brokers = [...bootstrapBrokers];
    this.cursor = ctx.rng.intBetween(0, this.brokers.length - 1);
    this.backoffUs = msToUs(config['retry.backoff.ms']);
    this.timeoutUs = msToUs(config['request.timeout.ms']);
  }

  onUpdate(listener: () => void): void {
    this.listeners.push(listener);
  }

  /**
   * The cached partition, or undefined when none is known yet (Metadata.currentLeader): when a
   * newer leader epoch has been seen than the cached entry's, the entry with no leader (-1) and
   * that epoch (partitionMetadataIfCurrent filters the stale entry out).
   */
  partition(topic: string, partition: number): PartitionMetadata | undefined {
    const cached = this.byTopic.get(topic)?.[partition];
    if (cached === undefined) return undefined;
    const lastSeen = this.lastSeenEpoch(topic, partition);
    if (cached.leaderEpoch >= lastSeen) return cached;
    return { ...cached, leader: -1, leaderEpoch: lastSeen };
  }

  /** Metadata.lastSeenLeaderEpoch: -1 when none (no entry cached for the partition yet). */
  lastSeenEpoch(topic: string, partition: number): number {
    return this.lastSeenEpochs.get(topic)?.[partition] ?? -1;
  }

  /**
   * Metadata.updateLastSeenEpochIfNewer (3.9.0-rc3): raise the partition's last seen leader
   * epoch to `leaderEpoch` when it is newer, and then ask for a full metadata update
   * (needFullUpdate). A partition with no last seen epoch yet is left alone ("Not replacing
   * null epoch"). True when the epoch was raised.
   */
  updateLastSeenEpochIfNewer(topic: string, partition: number, leaderEpoch: number): boolean {
    const epochs = this.lastSeenEpochs.get(topic);
    const old = epochs?.[partition];
    if (epochs === undefined || old === undefined || leaderEpoch <= old) return false;
    codeProbe('client-last-seen-epoch-raised');
    epochs[partition] = leaderEpoch;
    this.requestUpdate();
    return true;
  }

  private setLastSeenEpoch(topic: string, partition: number, leaderEpoch: number): void {
    let epochs = this.lastSeenEpochs.get(topic);
    if (epochs === undefined) {
      epochs = [];
      this.lastSeenEpochs.set(topic, epochs);
    }
    epochs[partition] = leaderEpoch;
  }

  /** A broker to send a non-partition request to (InitProducerId), rotating on failures. */
  anyBroker(): number {
    return this.brokers[this.cursor % this.brokers.length];
  }

  /** Move on to the next broker (the current one did not answer). */
  rotate(): void {
    this.cursor = (this.cursor + 1) % this.brokers.length;
  }

  /** Ask for fresh metadata soon (at once unless the backoff since the last attempt runs). */
  requestUpdate(): void {
    this.updateWanted = true;
    if (this.inFlight !== null || this.retryTimer !== -1) return;
    const waitUs = this.lastAttemptUs + this.backoffUs - this.ctx.now();
    if (waitUs <= 0) this.sendRequest();
    else this.retryTimer = this.ctx.setTimer(Math.ceil(waitUs), METADATA_RETRY_TAG);
  }

  /** Metadata is missing (not stale): a request already in flight will do, else ask. */
  ensureUpdate(): void {
    if (this.inFlight === null) this.requestUpdate();
  }

  onRetryTimer(): void {
    this.retryTimer = -1;
    if (this.updateWanted && this.inFlight === null) this.sendRequest();
  }

  private sendRequest(): void {
    this.updateWanted = false;
    this.lastAttemptUs = this.ctx.now();
    const node = this.anyBroker();
    this.inFlight = this.net.request(
      node,
      { type: 'MetadataRequest', correlationId: this.net.correlationId(), topics: this.topics as string[] },
      this.timeoutUs,
      this,
      null,
    );
  }

  /** KIP-951: take the leader a Produce/Fetch error answer names, when it is newer than ours. */
  learnLeader(response: ClientResponse): void {
    if (response.type !== 'ProduceResponse' && response.type !== 'FetchResponse') return;
    const leader = response.currentLeader;
    if (leader === undefined || leader.leaderId < 0 || leader.leaderEpoch < 0) return;
    const parts = this.byTopic.get(response.topic);
    const cached = parts?.[response.partition];
    // Metadata.updatePartitionLeadership: only a partition we know, only an epoch newer than
    // currentLeader's (the last seen one), which it then becomes.
    if (parts === undefined || cached === undefined) return;
    if (leader.leaderEpoch <= this.lastSeenEpoch(response.topic, response.partition)) return;
    codeProbe('client-leader-from-error-answer');
    parts[response.partition] = { ...cached, leader: leader.leaderId, leaderEpoch: leader.leaderEpoch };
    this.setLastSeenEpoch(response.topic, response.partition, leader.leaderEpoch);
    for (const listener of this.listeners) listener();
  }

  onResponse(_request: PendingRequest, response: ClientResponse): void {
    this.inFlight = null;
    if (response.type !== 'MetadataResponse') return;
    if (response.brokers.length > 0) {
      this.brokers = [...response.brokers];
      this.cursor = this.cursor % this.brokers.length;
    }
    for (const pm of response.partitions) {
      let parts = this.byTopic.get(pm.topic);
      if (parts === undefined) {
        parts = [];
        this.byTopic.set(pm.topic, parts);
      }
      // Metadata.updateLatestMetadata: adopt an epoch at least the last seen one (or the first)
      const lastSeen = parts[pm.partition] === undefined ? -1 : this.lastSeenEpoch(pm.topic, pm.partition);
      if (pm.leaderEpoch >= lastSeen) {
        parts[pm.partition] = pm;
        this.setLastSeenEpoch(pm.topic, pm.partition, pm.leaderEpoch);
      }
    }
    this.updates++;
    for (const listener of this.listeners) listener();
    if (this.updateWanted) this.requestUpdate();
  }

  onNoResponse(_request: PendingRequest, _reason: NoResponseReason): void {
    this.inFlight = null;
    this.rotate();
    this.requestUpdate();
  }
}
