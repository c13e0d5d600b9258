// Rebuilds every replica's log from a trace timeline (checkers/trace.ts): which record sat
// at which offset of which broker, from when (its append) until when (the truncation that
// removed it, if any). One "version" per record copy. The report's per-offset log grid,
// its `kafka-dump-log` view at any instant and the lost record's story all read this.
//
// Assumes the timeline's append/truncate events of one replica are in time order (events
// at equal times keep their order in the array). An append over an offset that still holds a
// record (the model should truncate first) is treated as an implicit truncation with the
// reason "overwritten", so the rebuilt log never holds two live records at one offset.

import type { TimelineEvent } from '../checkers/trace.ts';
import { tpName } from './format.ts';

export interface RecordVersion {
  /** Topic-partition name, e.g. "t-0". */
  tp: string;
  broker: number;
  offset: number;
  value: string;
  /** Leader epoch the record was written in. */
  epoch: number;
  appendedAtUs: number;
  /** When a truncation removed it; undefined while it survives to the end of the trace. */
  truncatedAtUs?: number;
  truncateReason?: string;
  /** Index into ReplicaLogs.batches of the append event that wrote it. */
  batch: number;
}

export interface AppendBatch {
  tp: string;
  broker: number;
  timeUs: number;
  firstOffset: number;
  count: number;
  epoch: number;
}

export interface ReplicaLogs {
  /** Every record copy, in the order the timeline created them. */
  versions: RecordVersion[];
  batches: AppendBatch[];
  /** tp name → broker → offset → indices into versions, oldest first. */
  byReplica: Map<string, Map<number, Map<number, number[]>>>;
}

type AppendEvent = Extract<TimelineEvent, { kind: 'append' }>;
type TruncateEvent = Extract<TimelineEvent, { kind: 'truncate' }>;

/** Sorts timeline events by time, keeping array order for equal times. */
export function sortTimeline(timeline: readonly TimelineEvent[]): TimelineEvent[] {
  return timeline
    .map((event, index) => ({ event, index }))
    .sort((a, b) => a.event.t - b.event.t || a.index - b.index)
    .map((entry) => entry.event);
}

export function buildReplicaLogs(sortedTimeline: readonly TimelineEvent[]): ReplicaLogs {
  const versions: RecordVersion[] = [];
  const batches: AppendBatch[] = [];
  const byReplica = new Map<string, Map<number, Map<number, number[]>>>();
  // Live record per replica and offset: tp → broker → offset → version index.
  const live = new Map<string, Map<number, Map<number, number>>>();

  const replicaMaps = (tp: string, broker: number) => {
    let brokers = byReplica.get(tp);
    if (!brokers) byReplica.set(tp, (brokers = new Map()));
    let offsets = brokers.get(broker);
    if (!offsets) brokers.set(broker, (offsets = new Map()));
    let liveBrokers = live.get(tp);
    if (!liveBrokers) live.set(tp, (liveBrokers = new Map()));
    let liveOffsets = liveBrokers.get(broker);
    if (!liveOffsets) liveBrokers.set(broker, (liveOffsets = new Map()));
    return { offsets, liveOffsets };
  };

  const truncateAt = (liveOffsets: Map<number, number>, fromOffset: number, timeUs: number, reason: string, onlyOffset?: number) => {
    for (const [offset, versionIndex] of liveOffsets) {
      if (onlyOffset !== undefined ? offset !== onlyOffset : offset < fromOffset) continue;
      const version = versions[versionIndex];
      version.truncatedAtUs = timeUs;
      version.truncateReason = reason;
      liveOffsets.delete(offset);
    }
  };

  const onAppend = (event: AppendEvent) => {
    const tp = tpName(event.topic, event.partition);
    const { offsets, liveOffsets } = replicaMaps(tp, event.broker);
    const batch = batches.length;
    batches.push({ tp, broker: event.broker, timeUs: event.t, firstOffset: event.firstOffset, count: event.values.length, epoch: event.epoch });
    event.values.forEach((value, i) => {
      const offset = event.firstOffset + i;
      if (liveOffsets.has(offset)) truncateAt(liveOffsets, offset, event.t, 'overwritten', offset);
      const versionIndex = versions.length;
      versions.push({ tp, broker: event.broker, offset, value, epoch: event.epoch, appendedAtUs: event.t, batch });
      liveOffsets.set(offset, versionIndex);
      let list = offsets.get(offset);
      if (!list) offsets.set(offset, (list = []));
      list.push(versionIndex);
    });
  };

  const onTruncate = (event: TruncateEvent) => {
    const tp = tpName(event.topic, event.partition);
    const { liveOffsets } = replicaMaps(tp, event.broker);
    truncateAt(liveOffsets, event.toOffset, event.t, event.reason);
  };

  for (const event of sortedTimeline) {
    if (event.kind === 'append') onAppend(event);
    else if (event.kind === 'truncate') onTruncate(event);
  }
  return { versions, batches, byReplica };
}

/** Is this copy in its replica's log at time t? (Appended at or before t, not yet truncated.) */
export function isLiveAt(version: RecordVersion, timeUs: number): boolean {
  return version.appendedAtUs <= timeUs && (version.truncatedAtUs === undefined || version.truncatedAtUs > timeUs);
}
