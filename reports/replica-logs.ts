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

interface AppendBatch {
  tp: string;
  broker: number;
  timeUs: number;
  firstOffset: number;
  count: number;
  epoch: number;
}

export interface ReplicaLogs {
  /** Every record copy, in the order the timeline created them (= batch order). */
  versions: RecordVersion[];
  batches: AppendBatch[];
}

type AppendEvent = Extract<TimelineEvent, { kind: 'append' }>;
type TruncateEvent = Extract<TimelineEvent, { kind: 'truncate' }>;
type LogStartEvent = Extract<TimelineEvent, { kind: 'log-start' }>;

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
  // The live copy at each offset of each replica ("tp/broker" → offset → version index, or -1).
  // Dense arrays: offsets are small consecutive integers, and 100,000-record logs stay cheap.
  const live = new Map<string, number[]>();
  const liveOf = (tp: string, broker: number) => {
    const key = `${tp}/${broker}`;
    let offsets = live.get(key);
    if (!offsets) live.set(key, (offsets = []));
    return offsets;
  };
  const cut = (versionIndex: number, timeUs: number, reason: string) => {
    versions[versionIndex].truncatedAtUs = timeUs;
    versions[versionIndex].truncateReason = reason;
  };

  const onAppend = (event: AppendEvent) => {
    const tp = tpName(event.topic, event.partition);
    const offsets = liveOf(tp, event.broker);
    const batch = batches.length;
    batches.push({
      tp,
      broker: event.broker,
      timeUs: event.t,
      firstOffset: event.firstOffset,
      count: event.values.length,
      epoch: event.epoch,
    });
    for (let i = 0; i < event.values.length; i++) {
      const offset = event.firstOffset + i;
      const previous = offsets[offset];
      if (previous !== undefined && previous >= 0) cut(previous, event.t, 'overwritten');
      while (offsets.length < offset) offsets.push(-1);
      offsets[offset] = versions.length;
      versions.push({
        tp,
        broker: event.broker,
        offset,
        value: event.values[i],
        epoch: event.epoch,
        appendedAtUs: event.t,
        batch,
      });
    }
  };

  const onTruncate = (event: TruncateEvent) => {
    const offsets = liveOf(tpName(event.topic, event.partition), event.broker);
    for (let offset = Math.max(0, event.toOffset); offset < offsets.length; offset++) {
      if (offsets[offset] >= 0) cut(offsets[offset], event.t, event.reason);
    }
    if (offsets.length > event.toOffset) offsets.length = Math.max(0, event.toOffset);
  };

  // The records below a log start that moved up leave the served log: deleted by retention
  // ('segment-deletion'), or below the leader's log start, or gone with a full truncation.
  const onLogStart = (event: LogStartEvent) => {
    if (event.to <= event.from) return;
    const offsets = liveOf(tpName(event.topic, event.partition), event.broker);
    const why = event.reason === 'segment-deletion' ? 'retention' : `log start (${event.reason})`;
    for (let offset = event.from; offset < Math.min(event.to, offsets.length); offset++) {
      if (offsets[offset] >= 0) cut(offsets[offset], event.t, why);
      offsets[offset] = -1;
    }
  };

  for (const event of sortedTimeline) {
    if (event.kind === 'append') onAppend(event);
    else if (event.kind === 'truncate') onTruncate(event);
    else if (event.kind === 'log-start') onLogStart(event);
  }
  return { versions, batches };
}

/** Is this copy in its replica's log at time t? (Appended at or before t, not yet truncated.) */
export function isLiveAt(version: RecordVersion, timeUs: number): boolean {
  return version.appendedAtUs <= timeUs && (version.truncatedAtUs === undefined || version.truncatedAtUs > timeUs);
}

/** Every copy that ever sat at one offset of one replica, oldest first (a linear scan). */
export function copiesAt(logs: ReplicaLogs, tp: string, broker: number, offset: number): RecordVersion[] {
  return logs.versions.filter((v) => v.tp === tp && v.broker === broker && v.offset === offset);
}
