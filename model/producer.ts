// The workload's producer client: makes `params.sends` sends with unique values
// `${valuePrefix}${n}` (padded to a drawn size when the workload has `valueBytes`: only the
// size is kept, as LogRecord.padBytes, so histories and reports show the label), gaps drawn
// from an exponential distribution with mean WorkloadSpec.sendIntervalMs (ctx.rng), keys
// k0..k{keys-1} (or none) mapped to partitions by Kafka's partitioner, over the topics it is
// given (picked uniformly). Delivery, retries, timeouts and idempotence live in
// client-sender.ts, which also records the history.
//
// Concurrency: the application keeps at most PRODUCER_LANES sends outstanding; each lane is
// one history process (one op in flight per process). When every lane is busy the next send
// waits for one to free, as Kafka's send() blocks when its buffer is full.
//
// Assumes: partition counts are the TopicSpec's (Kafka's partitioner reads them from metadata;
// in the model they never change). The workload counter lives in the factory's closure
// (driver-side, like Jepsen's generator): a restarted producer goes on with fresh values and
// fresh lanes; sends cut off by the crash stay open in the history (unknown outcome).

import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import type { ClientStatus, ProducerParams } from './client-api.ts';
import { ClientActorBase, NEXT_SEND_TAG, exponentialGapUs } from './client-base.ts';
import { LaneAllocator } from './client-process.ts';
import type { SendOp } from './client-sender.ts';
import { Partitioner } from './partitioner.ts';

/** Sends a producer keeps outstanding at most (lanes = history processes). */
const PRODUCER_LANES = 10;

interface WorkloadProgress {
  /** Sends issued so far, over all incarnations. */
  issued: number;
}

export function createProducer(params: ProducerParams): ModelActorFactory {
  if (!Number.isInteger(params.sends) || params.sends < 0)
    throw new Error(`producer ${params.clientId}: sends must be a non-negative integer`);
  if (params.topics.length === 0) throw new Error(`producer ${params.clientId}: no topics`);
  const progress: WorkloadProgress = { issued: 0 };
  const lanes = new LaneAllocator(params.clientId);
  return (ctx) => new ProducerActor(ctx, params, progress, lanes);
}

export class ProducerActor extends ClientActorBase implements ClientStatus {
  private readonly partitioner = new Partitioner();
  private lanesInUse = 0;
  private blocked = false;
  private nextSendTimer = -1;

  constructor(
    ctx: ModelContext,
    private readonly params: ProducerParams,
    private readonly progress: WorkloadProgress,
    private readonly lanes: LaneAllocator,
  ) {
    super(ctx, params.bootstrapBrokers, params.topics, params.config, params.recorder);
    lanes.beginIncarnation(ctx.incarnation);
    const sender = this.createSender(params.config, { onSendDone: (op) => this.onSendDone(op) });
    this.metadata.requestUpdate();
    sender.start();
    this.scheduleNextSend();
  }

  done(): boolean {
    return this.progress.issued >= this.params.sends && this.lanesInUse === 0;
  }

  /** Sends of this incarnation not yet completed. */
  outstanding(): number {
    return this.lanesInUse;
  }

  sendingTo(): Array<{ topic: string; partition: number }> {
    return this.sender?.openPartitions() ?? [];
  }

  private scheduleNextSend(): void {
    if (this.progress.issued >= this.params.sends) return;
    const gapUs = exponentialGapUs(this.ctx.rng, this.params.workload.sendIntervalMs);
    this.nextSendTimer = this.ctx.setTimer(gapUs, NEXT_SEND_TAG);
  }

  protected override onNextSend(): void {
    this.nextSendTimer = -1;
    if (this.progress.issued >= this.params.sends) return;
    if (this.lanesInUse >= PRODUCER_LANES) {
      this.blocked = true;
      return;
    }
    this.issue();
    this.scheduleNextSend();
  }

  private issue(): void {
    const n = this.progress.issued++;
    const { topics, workload } = this.params;
    const topic = topics.length === 1 ? topics[0] : this.ctx.rng.pick(topics);
    const key = workload.keys > 0 ? `k${this.ctx.rng.intBetween(0, workload.keys - 1)}` : null;
    const partition = this.partitioner.partition(topic.name, key, topic.partitions);
    const value = `${this.params.valuePrefix}${n}`;
    const size = workload.valueBytes;
    // Drawn only for a workload with value sizes: the draws of every other workload stay as they were.
    const padBytes = size === undefined ? 0 : Math.max(0, this.ctx.rng.intBetween(size.min, size.max) - value.length);
    const process = this.lanes.take();
    this.lanesInUse++;
    this.sender!.send(topic.name, partition, key, value, process, padBytes);
  }

  private onSendDone(op: SendOp): void {
    this.lanesInUse--;
    this.lanes.release(op.process);
    if (this.blocked && this.nextSendTimer === -1) {
      this.blocked = false;
      this.onNextSend();
    }
  }
}
