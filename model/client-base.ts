// What every simulated client actor shares: its network (requests, timeouts), its metadata
// cache, optionally a sender (producer side) and partition fetchers (consumer side), and the
// dispatch of their messages and timers. Producer, consumer and probe client extend it.
//
// Assumes: the client only ever receives responses to its own requests (ClientResponse);
// anything else is ignored. Timer tags are plain data with a `type` (the kernel may hash
// them), one kind per mechanism.

import type { Actor, Message } from '../harness/types.ts';
import type { ModelContext } from './cluster-api.ts';
import type { HistoryRecorder } from './client-api.ts';
import type { ClientResponse } from './client-protocol.ts';
import { ClientMetadata, METADATA_RETRY_TAG } from './client-metadata.ts';
import { ClientNet, unreachable, type RequestTimeoutTag } from './client-net.ts';
import { PartitionFetcher, type FetcherOptions, type FetchWakeTag } from './client-fetcher.ts';
import {
  Sender,
  SENDER_WAKE_TAG,
  INIT_PID_RETRY_TAG,
  type DeliveryTimeoutTag,
  type SenderListener,
} from './client-sender.ts';
import type { KafkaConfig, TopicSpec } from './config.ts';

export const NEXT_SEND_TAG = { type: 'next-send' } as const;

type ClientTimerTag =
  | RequestTimeoutTag
  | typeof METADATA_RETRY_TAG
  | typeof SENDER_WAKE_TAG
  | typeof INIT_PID_RETRY_TAG
  | DeliveryTimeoutTag
  | FetchWakeTag
  | typeof NEXT_SEND_TAG;

const RESPONSE_TYPES: ReadonlySet<string> = new Set<ClientResponse['type']>([
  'MetadataResponse',
  'InitProducerIdResponse',
  'ProduceResponse',
  'FetchResponse',
  'OffsetsForLeaderEpochResponse',
  'FindCoordinatorResponse',
  'GroupResponse',
]);

export abstract class ClientActorBase implements Actor<Message> {
  readonly net: ClientNet;
  readonly metadata: ClientMetadata;
  sender: Sender | null = null;
  readonly fetchers: PartitionFetcher[] = [];

  constructor(
    readonly ctx: ModelContext,
    bootstrapBrokers: readonly number[],
    readonly topics: readonly TopicSpec[],
    readonly config: KafkaConfig,
    readonly recorder: HistoryRecorder,
  ) {
    this.net = new ClientNet(ctx);
    this.metadata = new ClientMetadata(
      ctx,
      this.net,
      bootstrapBrokers,
      topics.map((t) => t.name),
      config,
    );
    this.metadata.onUpdate(() => {
      this.sender?.onMetadataUpdate();
      for (let i = 0; i < this.fetchers.length; i++) this.fetchers[i].onMetadataUpdate();
    });
  }

  protected createSender(config: KafkaConfig, listener: SenderListener): Sender {
    this.sender = new Sender(this.ctx, this.net, this.metadata, config, this.recorder, listener);
    return this.sender;
  }

  protected createFetcher(
    topic: string,
    partition: number,
    process: number,
    options: FetcherOptions,
  ): PartitionFetcher {
    const fetcher = new PartitionFetcher(
      this.ctx,
      this.net,
      this.metadata,
      this.config,
      this.recorder,
      this.fetchers.length,
      topic,
      partition,
      process,
      options,
    );
    this.fetchers.push(fetcher);
    return fetcher;
  }

  onMessage(from: number, msg: Message): void {
    if (!RESPONSE_TYPES.has(msg.type)) return;
    const response = msg as ClientResponse;
    if (this.net.handleMessage(from, response)) this.metadata.learnLeader(response);
  }

  /**
   * The connection to a broker reset or was refused: its requests fail ('disconnect') and the
   * metadata is refreshed (NetworkClient.processDisconnection → DefaultMetadataUpdater
   * .handleServerDisconnect → Metadata.requestUpdate).
   */
  onDisconnect(peer: number): void {
    this.net.handleDisconnect(peer);
    this.metadata.requestUpdate();
  }

  onTimer(rawTag: unknown): void {
    const tag = rawTag as ClientTimerTag;
    switch (tag.type) {
      case 'request-timeout':
        this.net.handleTimeout(tag);
        return;
      case 'metadata-retry':
        this.metadata.onRetryTimer();
        return;
      case 'sender-wake':
        this.sender?.onWakeTimer();
        return;
      case 'init-producer-id-retry':
        this.sender?.onInitRetryTimer();
        return;
      case 'delivery-timeout':
        this.sender?.onDeliveryTimeout(tag);
        return;
      case 'fetch-wake':
        this.fetchers[tag.fetcher].onWake();
        return;
      case 'next-send':
        this.onNextSend();
        return;
      default:
        unreachable(tag);
    }
  }

  /** The workload's next send is due (producers only). */
  protected onNextSend(): void {}
}

/** Exponentially distributed gap with the given mean (a Poisson arrival process), integer µs. */
export function exponentialGapUs(rng: { next(): number }, meanMs: number): number {
  if (meanMs <= 0) return 0;
  return Math.round(-Math.log(1 - rng.next()) * meanMs * 1000);
}
