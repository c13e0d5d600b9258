// The workload's consumer client, assign mode: one fetch stream per assigned partition
// (client-fetcher.ts), each starting at offset 0 (auto.offset.reset=earliest, no committed
// offsets) and polling continuously with WorkloadSpec.pollIntervalMs between polls. Each
// stream is one history process: its `assign` op, then its polls, and an `assign` again
// whenever truncation is detected (KIP-320).
//
// Assumes: the assignment is fixed for the run (subscribe mode with a group coordinator is a
// later issue). A restarted consumer starts its streams over from offset 0 on fresh lanes.

import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import type { ClientStatus, ConsumerParams } from './client-api.ts';
import { ClientActorBase } from './client-base.ts';
import { LaneAllocator } from './client-process.ts';
import { msToUs } from './client-net.ts';

export function createConsumer(params: ConsumerParams): ModelActorFactory {
  for (const a of params.assignment) {
    const topic = params.topics.find((t) => t.name === a.topic);
    if (topic === undefined || a.partition < 0 || a.partition >= topic.partitions) {
      throw new Error(
        `consumer ${params.clientId}: assignment ${a.topic}/${a.partition} is not a partition of the topics`,
      );
    }
  }
  const lanes = new LaneAllocator(params.clientId);
  return (ctx) => new ConsumerActor(ctx, params, lanes);
}

export class ConsumerActor extends ClientActorBase implements ClientStatus {
  constructor(ctx: ModelContext, params: ConsumerParams, lanes: LaneAllocator) {
    super(ctx, params.bootstrapBrokers, params.topics, params.config, params.recorder);
    lanes.beginIncarnation(ctx.incarnation);
    this.metadata.requestUpdate();
    const pollGapUs = msToUs(params.workload.pollIntervalMs);
    const variant = params.variant ?? 'correct';
    for (const a of params.assignment) {
      this.createFetcher(a.topic, a.partition, lanes.take(), { pollGapUs, variant }).start(0);
    }
  }

  /** A consumer has no finite work: always done. */
  done(): boolean {
    return true;
  }

  /** Positions of the streams, for tests and views. */
  positions(): Array<{ topic: string; partition: number; offset: number }> {
    return this.fetchers.map((f) => ({ topic: f.topic, partition: f.partition, offset: f.position }));
  }
}
