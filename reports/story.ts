// The story of a violation, told from the trace alone (history + timeline + verdict), never
// from the model, so it explains any trace that follows checkers/trace.ts. When the primary
// anomaly names a record (a lost write, an acknowledged record gone), the story follows that
// record (story-record.ts); otherwise (log-matching, candidate-complete, hw-monotonic, …) it
// tells the cluster's steps on the violation's partition up to when it was seen
// (story-cluster.ts).
//
// Assumes the primary anomaly names the record by its topic/partition and values[0] (and
// offsets[0] if known), or an operation index of the send.

import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import { formatTimeUs, showValue, tpName } from './format.ts';
import { sendOf, type PairedHistory } from './operations.ts';
import type { ReplicaLogs } from './replica-logs.ts';
import { anomalyPartition, clusterStory, violationTimeUs } from './story-cluster.ts';
import type { FocusRecord, Story, StoryStep } from './story-common.ts';
import { RecordStory } from './story-record.ts';

export {
  clientNodeOf,
  nodeNamer,
  type FocusRecord,
  type Story,
} from './story-common.ts';

/** Kinds about the cluster's state rather than one record: their story is the cluster's. */
const CLUSTER_KINDS = new Set([
  'log-matching',
  'candidate-complete',
  'hw-monotonic',
  'one-leader-per-epoch',
  'quorum-superset',
  'epoch-cache-complete',
  'liveness',
  'raft-one-leader-per-epoch',
  'raft-stale-leader',
  'raft-committed-durable',
  'metadata-applied-committed',
  'controller-state-committed',
]);

/** The anomaly a report leads with: the first real error, else the first anomaly at all. */
export function primaryAnomaly(verdict: Verdict): Anomaly | undefined {
  const errors = verdict.anomalies.filter((a) => !a.informational);
  // A violation first, then a Kafka finding (known, not excused), then an expected loss.
  return (
    errors.find((a) => !a.expected && a.kafkaFinding === undefined) ??
    errors.find((a) => !a.expected) ??
    errors[0] ??
    verdict.anomalies[0]
  );
}

/** Resolves which record the anomaly is about. */
function findFocus(
  trace: Trace,
  paired: PairedHistory,
  anomaly: Anomaly | undefined,
): Omit<FocusRecord, 'copiesAtEnd'> | null {
  if (!anomaly) return null;
  let sendOpIndex: number | undefined;
  for (const historyIndex of anomaly.ops ?? []) {
    const opIndex = paired.opOfEvent.get(historyIndex);
    if (opIndex !== undefined && sendOf(paired.ops[opIndex])) {
      sendOpIndex = opIndex;
      break;
    }
  }
  const send = sendOpIndex !== undefined ? sendOf(paired.ops[sendOpIndex]) : undefined;
  const value = anomaly.values?.[0] ?? send?.value;
  const topic = anomaly.topic ?? send?.topic;
  const partition = anomaly.partition ?? send?.partition;
  if (value === undefined || topic === undefined || partition === undefined) return null;
  if (sendOpIndex === undefined || send?.value !== value) {
    // Find the send of this value on this partition (prefer an acknowledged one).
    const candidates = paired.ops.filter((op) => {
      const s = sendOf(op);
      return s && s.value === value && s.topic === topic && s.partition === partition;
    });
    const chosen = candidates.find((op) => op.status === 'ok') ?? candidates[0];
    sendOpIndex = chosen?.index;
  }
  const sendOp = sendOpIndex !== undefined ? paired.ops[sendOpIndex] : undefined;
  const offset = anomaly.offsets?.[0] ?? (sendOp ? sendOf(sendOp)?.offset : undefined);
  const acks = trace.config?.['acks'];
  return {
    topic,
    partition,
    tp: tpName(topic, partition),
    value,
    offset,
    sendOp: sendOpIndex,
    acks: acks === undefined ? undefined : String(acks),
  };
}

/** The run's last instant: the trace's end, its last timeline event or its last history event. */
export function traceEndUs(trace: Trace, sortedTimeline: readonly TimelineEvent[]): number {
  const history = trace.history ?? [];
  return Math.max(
    trace.endTimeUs ?? 0,
    sortedTimeline.length ? sortedTimeline[sortedTimeline.length - 1].t : 0,
    history.length ? history[history.length - 1].time : 0,
  );
}

/** Builds the story of the primary anomaly: its record's, else the cluster's on its partition. */
export function buildStory(
  trace: Trace,
  sortedTimeline: readonly TimelineEvent[],
  paired: PairedHistory,
  logs: ReplicaLogs,
): Story {
  const anomaly = primaryAnomaly(trace.verdict);
  const endUs = traceEndUs(trace, sortedTimeline);
  const found = anomaly && !CLUSTER_KINDS.has(anomaly.kind) ? findFocus(trace, paired, anomaly) : null;
  if (!found) {
    if (!anomaly)
      return { focus: null, steps: [], summary: 'No anomaly names a record to follow.', where: null, atUs: null };
    const steps = capContext(clusterStory(trace, sortedTimeline, anomaly, endUs));
    const where = anomalyPartition(anomaly, sortedTimeline);
    return { focus: null, steps, summary: anomaly.explanation, where, atUs: violationTimeUs(anomaly, endUs) };
  }
  const record = new RecordStory(
    trace,
    sortedTimeline,
    paired,
    logs,
    { ...found, copiesAtEnd: 0 },
    anomaly?.timesUs ?? [],
  );
  record.walk();
  const steps = capContext(record.finish(endUs));
  const focus = record.focus;
  const atUs = focus.lostAtUs ?? violationTimeUs(anomaly, endUs);
  return { focus, steps, summary: summarize(focus), where: { topic: focus.topic, partition: focus.partition }, atUs };
}

/** Keeps every key step; keeps at most MAX_CONTEXT context steps, those nearest a key step. */
const MAX_CONTEXT = 24;
function capContext(steps: StoryStep[]): StoryStep[] {
  const context = steps.filter((s) => !s.key && s.tone !== 'note' && !s.fault);
  if (context.length <= MAX_CONTEXT) return steps;
  const keyTimes = steps.filter((s) => s.key).map((s) => s.timeUs);
  const distance = (s: StoryStep) => Math.min(...keyTimes.map((t) => Math.abs(t - s.timeUs)));
  const kept = new Set([...context].sort((a, b) => distance(a) - distance(b)).slice(0, MAX_CONTEXT));
  const out = steps.filter((s) => s.key || s.tone === 'note' || s.fault || kept.has(s));
  const omitted = context.length - kept.size;
  out.push({
    timeUs: out[out.length - 1].timeUs,
    tone: 'note',
    key: false,
    text: `${omitted} other cluster events in this period are on the timeline.`,
  });
  return out;
}

function summarize(focus: FocusRecord): string {
  const v = showValue(focus.value, 60);
  const where = `${focus.tp}${focus.offset !== undefined ? ` offset ${focus.offset}` : ''}`;
  let text = `${v} (${where})`;
  if (focus.ackedAtUs !== undefined) {
    text += ` was acknowledged at ${formatTimeUs(focus.ackedAtUs)}`;
    if (focus.copiesAtAck !== undefined) text += ` with ${focus.copiesAtAck} of ${focus.replicationFactor} copies`;
    const facts: string[] = [];
    if (focus.acks !== undefined) facts.push(`acks=${focus.acks}`);
    if (focus.leaderHwAtAck !== undefined && focus.offset !== undefined)
      facts.push(
        focus.offset < focus.leaderHwAtAck
          ? `HW ${focus.leaderHwAtAck}, committed`
          : `HW ${focus.leaderHwAtAck}, not committed`,
      );
    if (facts.length) text += ` (${facts.join(', ')})`;
  } else if (focus.appendedAtUs !== undefined) text += ` was appended at ${formatTimeUs(focus.appendedAtUs)}`;
  else text += ' was never appended by any replica';
  if (focus.lostAtUs !== undefined) {
    const who = focus.lostOnBroker !== undefined ? `broker ${focus.lostOnBroker}` : 'a replica';
    text += ` and lost at ${formatTimeUs(focus.lostAtUs)} when ${who} truncated its last copy (${focus.lostReason})`;
  } else if (
    focus.copiesAtEnd > 0 &&
    focus.finalValueAtOffset !== undefined &&
    focus.finalValueAtOffset !== focus.value
  ) {
    text += `, is still on ${focus.copiesAtEnd} replica(s), `;
    text += `but reads of offset ${focus.offset} return ${showValue(focus.finalValueAtOffset, 60)}`;
  }
  return text + '.';
}
