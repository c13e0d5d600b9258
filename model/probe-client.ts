// The driver's own client (DESIGN §5): the liveness probe and the final read, recorded in the
// history like any other client's operations.
//
// - startProbe(): one send to every partition of every topic; once acknowledged at offset o,
//   a stream assigned at o polls until it reads offset o back. probeSucceeded() is true when
//   every partition's probe value was read back at its acknowledged offset. A probe send
//   that ends fail/info is replaced by a new one (new value), and so is one whose record
//   retention deleted before the stream read it back (the stream's reads start above it). The probe always uses
//   acks=all (it must learn an offset to read back); the rest of the config is the cluster's.
// - startFinalRead(): for every partition, first one acks=all marker send (retried with a
//   new value until acknowledged at offset m), then one stream assigned at offset 0 that polls
//   until it has read past m and its position is at or beyond the leader's HW. Because every
//   workload send completed before the marker was appended, everything committed that
//   survived lies below m: the read is complete, even when a fresh leader's HW lags
//   (KIP-101) or stays put while the ISR is short (KIP-966) — the marker cannot be read
//   before the HW has passed it. finalReadDone() says every stream got there.
//
// The driver calls these from outside any handler; sending through the captured ctx then is
// allowed by the kernel. Values are `probe-<clientId>-<n>`, unique within the run.

import type { ModelContext, ModelActorFactory } from './cluster-api.ts';
import type { ClientStatus, HistoryRecorder } from './client-api.ts';
import type { LogRecord } from './client-protocol.ts';
import { ClientActorBase } from './client-base.ts';
import type { PartitionFetcher } from './client-fetcher.ts';
import { LaneAllocator } from './client-process.ts';
import type { SendOp } from './client-sender.ts';
import type { KafkaConfig, TopicSpec } from './config.ts';

export interface ProbeClientParams {
  clientId: number;
  bootstrapBrokers: number[];
  config: KafkaConfig;
  topics: TopicSpec[];
  recorder: HistoryRecorder;
}

type ProbeStatus = 'sending' | 'polling' | 'succeeded' | 'mismatch';

interface PartitionProbe {
  topic: string;
  partition: number;
  status: ProbeStatus;
  value: string;
  offset: number;
  fetcher: PartitionFetcher | null;
}

/** One partition's final read: its marker send, then its stream from offset 0. */
interface FinalStream {
  topic: string;
  partition: number;
  markerValue: string;
  /** Acknowledged offset of the marker, -1 until then. */
  markerOffset: number;
  fetcher: PartitionFetcher | null;
  done: boolean;
}

interface ProbeProgress {
  /** Probe values issued so far, over all incarnations. */
  issued: number;
}

export function createProbeClient(params: ProbeClientParams): ModelActorFactory {
  const lanes = new LaneAllocator(params.clientId);
  const progress: ProbeProgress = { issued: 0 };
  return (ctx) => new ProbeClientActor(ctx, params, lanes, progress);
}

export class ProbeClientActor extends ClientActorBase implements ClientStatus {
  private readonly probes = new Map<string, PartitionProbe>();
  private readonly finalStreams: FinalStream[] = [];
  private finalReadStarted = false;

  constructor(
    ctx: ModelContext,
    private readonly params: ProbeClientParams,
    private readonly lanes: LaneAllocator,
    private readonly progress: ProbeProgress,
  ) {
    super(ctx, params.bootstrapBrokers, params.topics, params.config, params.recorder);
    lanes.beginIncarnation(ctx.incarnation);
    this.createSender({ ...params.config, acks: 'all' }, { onSendDone: (op) => this.onProbeSendDone(op) });
    this.metadata.requestUpdate();
    this.sender!.start();
  }

  // --- liveness probe ----------------------------------------------------------------------

  /** Begin the probe of every partition (idempotent: partitions already probing go on). */
  startProbe(): void {
    for (const topic of this.params.topics) {
      for (let p = 0; p < topic.partitions; p++) {
        const key = `${topic.name}\u0000${p}`;
        if (this.probes.has(key)) continue;
        const probe: PartitionProbe = {
          topic: topic.name,
          partition: p,
          status: 'sending',
          value: '',
          offset: -1,
          fetcher: null,
        };
        this.probes.set(key, probe);
        this.sendProbe(probe);
      }
    }
  }

  /** Every partition's probe value was acknowledged and read back at its offset. */
  probeSucceeded(): boolean {
    if (this.probes.size === 0) return false;
    for (const probe of this.probes.values()) if (probe.status !== 'succeeded') return false;
    return true;
  }

  /** Partitions whose probe read back a different value at the acknowledged offset. */
  probeMismatches(): Array<{ topic: string; partition: number; offset: number; value: string }> {
    const out: Array<{ topic: string; partition: number; offset: number; value: string }> = [];
    for (const p of this.probes.values())
      if (p.status === 'mismatch')
        out.push({ topic: p.topic, partition: p.partition, offset: p.offset, value: p.value });
    return out;
  }

  private sendProbe(probe: PartitionProbe): void {
    probe.status = 'sending';
    probe.value = `probe-${this.params.clientId}-${this.progress.issued++}`;
    this.sender!.send(probe.topic, probe.partition, null, probe.value, this.lanes.take());
  }

  private onProbeSendDone(op: SendOp): void {
    this.lanes.release(op.process);
    const stream = this.finalStreams.find((s) => s.markerValue === op.value);
    if (stream !== undefined) {
      this.onMarkerSendDone(stream, op);
      return;
    }
    const probe = this.probes.get(`${op.topic}\u0000${op.partition}`);
    if (probe === undefined || probe.value !== op.value) return;
    if (op.outcome !== 'ok') {
      this.sendProbe(probe);
      return;
    }
    probe.status = 'polling';
    probe.offset = op.offset;
    const process = this.lanes.take();
    probe.fetcher = this.createFetcher(op.topic, op.partition, process, {
      pollGapUs: 0,
      // The driver's own reads act as an application that catches OffsetOutOfRangeException
      // and seeks back to the log start: a stale leader's answer must not end the probe or the
      // final read (the workload's auto.offset.reset may be 'none').
      resetPolicy: 'earliest',
      afterPoll: (fetcher, records) => this.checkProbeRead(probe, fetcher, records),
    });
    probe.fetcher.start(op.offset);
  }

  private checkProbeRead(probe: PartitionProbe, fetcher: PartitionFetcher, records: readonly LogRecord[]): boolean {
    for (const rec of records) {
      if (rec.offset !== probe.offset) continue;
      probe.status = rec.value === probe.value ? 'succeeded' : 'mismatch';
      this.lanes.release(fetcher.process);
      return true;
    }
    // A read that starts above the probe's offset: the stream was reset to a log start above
    // it (OFFSET_OUT_OF_RANGE, UnifiedLog.read's checkLogStartOffset), so retention deleted the
    // probe's record before it was read back. It can never be read: send a new probe value.
    if (records.length > 0 && records[0].offset > probe.offset) {
      this.lanes.release(fetcher.process);
      this.sendProbe(probe);
      return true;
    }
    return false;
  }

  // --- final read --------------------------------------------------------------------------

  /** Mark the end of every partition, then poll it from offset 0 past the marker and up to its HW (idempotent). */
  startFinalRead(): void {
    if (this.finalReadStarted) return;
    this.finalReadStarted = true;
    for (const topic of this.params.topics) {
      for (let p = 0; p < topic.partitions; p++) {
        const stream: FinalStream = {
          topic: topic.name,
          partition: p,
          markerValue: '',
          markerOffset: -1,
          fetcher: null,
          done: false,
        };
        this.finalStreams.push(stream);
        this.sendMarker(stream);
      }
    }
  }

  private sendMarker(stream: FinalStream): void {
    stream.markerValue = `final-${this.params.clientId}-${this.progress.issued++}`;
    this.sender!.send(stream.topic, stream.partition, null, stream.markerValue, this.lanes.take());
  }

  private onMarkerSendDone(stream: FinalStream, op: SendOp): void {
    if (op.outcome !== 'ok') {
      this.sendMarker(stream);
      return;
    }
    stream.markerOffset = op.offset;
    stream.fetcher = this.createFetcher(stream.topic, stream.partition, this.lanes.take(), {
      pollGapUs: 0,
      resetPolicy: 'earliest',
      afterPoll: (fetcher, _records, highWatermark) => {
        if (fetcher.position <= stream.markerOffset || fetcher.position < highWatermark) return false;
        stream.done = true;
        return true;
      },
    });
    stream.fetcher.start(0);
  }

  /** Every partition was read from 0 past its end marker and up to its HW. */
  finalReadDone(): boolean {
    if (!this.finalReadStarted) return false;
    for (const s of this.finalStreams) if (!s.done) return false;
    return true;
  }

  /** The partitions whose final read has not got there yet (not started: none). */
  finalReadUnfinished(): Array<{ topic: string; partition: number }> {
    return this.finalStreams.filter((s) => !s.done).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Idle: no probe and no final read under way. */
  done(): boolean {
    for (const p of this.probes.values()) if (p.status === 'sending' || p.status === 'polling') return false;
    for (const s of this.finalStreams) if (!s.done) return false;
    return true;
  }
}
