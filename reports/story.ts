// The lost record's story: from the producer's send, through every append, acknowledgement,
// crash, election and truncation, to the moment the last copy disappeared and what the
// final read found at its offset. It is derived only from the trace (history + timeline +
// verdict), never from the model, so it explains any trace that follows checkers/trace.ts.
//
// Assumes the primary anomaly names the record: its topic/partition and values[0] (and
// offsets[0] if known), or an operation index of the send. Without a record to follow
// (e.g. a nonmonotonic poll) there is no story and the report shows the anomaly alone.

import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import { formatTimeUs, showValue, tpName } from './format.ts';
import { pollOf, sendOf, type Operation, type PairedHistory } from './operations.ts';
import { copiesAt, type ReplicaLogs } from './replica-logs.ts';

export type StoryTone =
  | 'send' // a client asks
  | 'append' // a copy is written
  | 'ack' // the client is told it is safe
  | 'commit' // the HW passes the record
  | 'fault' // a crash, power loss, partition
  | 'heal' // a node restarts, a fault ends
  | 'leader' // the controller changes leader or ISR
  | 'overwrite' // another record takes its offset
  | 'truncate' // a copy is removed
  | 'loss' // the last copy is removed / the end state
  | 'read' // a consumer sees the offset
  | 'note'; // context

export interface StoryStep {
  timeUs: number;
  tone: StoryTone;
  text: string;
  /** The step is about the record itself (not context). */
  key: boolean;
  broker?: number;
  /** Operation index (PairedHistory.ops). */
  op?: number;
}

export interface FocusRecord {
  topic: string;
  partition: number;
  tp: string;
  value: string;
  offset?: number;
  sendOp?: number;
  producer?: string;
  appendedAtUs?: number;
  ackedAtUs?: number;
  /** When the last copy disappeared. */
  lostAtUs?: number;
  lostOnBroker?: number;
  lostReason?: string;
  /** At the acknowledgement: how many replicas held it, out of how many, and the leader's HW. */
  copiesAtAck?: number;
  replicationFactor?: number;
  leaderHwAtAck?: number;
  isrAtAck?: number[];
  /** Copies alive at the end of the trace. */
  copiesAtEnd: number;
  /** What the last read of the offset (or else the final leader's log) holds there. */
  finalValueAtOffset?: string;
  acks?: string;
}

export interface Story {
  focus: FocusRecord | null;
  steps: StoryStep[];
  /** One sentence: what happened to the record. */
  summary: string;
}

/** The anomaly a report leads with: the first real error, else the first anomaly at all. */
export function primaryAnomaly(verdict: Verdict): Anomaly | undefined {
  const errors = verdict.anomalies.filter((a) => !a.informational);
  return errors.find((a) => !a.expected) ?? errors[0] ?? verdict.anomalies[0];
}

interface NameOf {
  (node: number | string): string;
}

/**
 * The client node a history process belongs to. A process id that is a node id is that node;
 * otherwise the simulator's clients number their processes node id × 1000 + lane (one lane
 * per operation in flight, model/client-process.ts), so a process id ≥ 1000 whose quotient
 * is a client node belongs to it. Other processes (imported histories) belong to no node.
 */
export function clientNodeOf(trace: Pick<Trace, 'nodes'>, process: number | string): { node: Trace['nodes'][number]; lane?: number } | undefined {
  const nodes = trace.nodes ?? [];
  const exact = nodes.find((n) => String(n.id) === String(process));
  if (exact) return { node: exact };
  if (typeof process !== 'number' || !Number.isInteger(process) || process < 1000) return undefined;
  const owner = nodes.find((n) => n.id === Math.floor(process / 1000) && n.role !== 'broker' && n.role !== 'controller');
  return owner ? { node: owner, lane: process % 1000 } : undefined;
}

export function nodeNamer(trace: Pick<Trace, 'nodes'>): NameOf {
  const brokerIds = new Set((trace.nodes ?? []).filter((n) => n.role === 'broker').map((n) => n.id));
  const cache = new Map<string, string>();
  return (node) => {
    const key = String(node);
    let name = cache.get(key);
    if (name === undefined) {
      const owner = clientNodeOf(trace, node);
      if (owner) name = owner.lane === undefined ? owner.node.name : `${owner.node.name} lane ${owner.lane}`;
      else name = typeof node === 'number' && (brokerIds.size === 0 || brokerIds.has(node)) ? `broker ${node}` : `process ${node}`;
      cache.set(key, name);
    }
    return name;
  };
}

const CAUSE_TEXT: Record<string, string> = {
  crash: 'crashes (kill -9; the page cache survives)',
  'power-loss': 'loses power (unflushed writes are gone)',
  shutdown: 'shuts down cleanly',
  restart: 'restarts',
  start: 'starts',
};

function list(ids: readonly number[]): string {
  return `[${ids.join(',')}]`;
}

/** Resolves which record the anomaly is about. */
function findFocus(trace: Trace, paired: PairedHistory, anomaly: Anomaly | undefined): Omit<FocusRecord, 'copiesAtEnd'> | null {
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

interface ReplicaState {
  role: string;
  leaderEpoch: number;
  hw: number;
  leo: number;
}

/** Builds the story of the primary anomaly's record. */
export function buildStory(trace: Trace, sortedTimeline: readonly TimelineEvent[], paired: PairedHistory, logs: ReplicaLogs): Story {
  const anomaly = primaryAnomaly(trace.verdict);
  const found = findFocus(trace, paired, anomaly);
  if (!found) {
    return { focus: null, steps: [], summary: anomaly?.explanation ?? 'No anomaly names a record to follow.' };
  }
  const name = nodeNamer(trace);
  const focus: FocusRecord = { ...found, copiesAtEnd: 0 };
  const v = showValue(focus.value, 60);
  const sendOp = focus.sendOp !== undefined ? paired.ops[focus.sendOp] : undefined;
  if (sendOp) focus.producer = name(sendOp.process);

  // Copies of the focus value on the focus partition: version index → alive.
  const focusVersions = new Set<number>();
  logs.versions.forEach((version, i) => {
    if (version.tp === focus.tp && version.value === focus.value) focusVersions.add(i);
  });
  const focusCopies = [...focusVersions].map((i) => logs.versions[i]);
  let firstAppendUs = Infinity;
  for (const i of focusVersions) firstAppendUs = Math.min(firstAppendUs, logs.versions[i].appendedAtUs);
  const earliest = Math.min(sendOp?.startUs ?? Infinity, firstAppendUs);
  // Neither sent nor appended in this trace: start where the anomaly says, else at 0.
  const anomalyTimes = anomaly?.timesUs ?? [];
  const windowStartUs = Number.isFinite(earliest) ? earliest : anomalyTimes.length ? Math.min(...anomalyTimes) : 0;
  if (focus.offset === undefined) {
    const leaderCopy = [...focusVersions].map((i) => logs.versions[i])[0];
    focus.offset = leaderCopy?.offset;
  }

  // Operations the story reads: the send, polls of the focus partition, sends of the same value.
  const relevant = new Set<number>();
  for (const op of paired.ops) {
    const s = sendOf(op);
    const p = s ? undefined : pollOf(op);
    if (op.index === focus.sendOp || (p && p.topic === focus.topic && p.partition === focus.partition) || (s && s.value === focus.value)) relevant.add(op.index);
  }

  const replicas = new Map<number, ReplicaState>();
  const up = new Map<number, boolean>();
  let partitionRecord: Extract<TimelineEvent, { kind: 'partition' }> | undefined;
  const holders = new Map<number, number>(); // broker → live copies of the value (any offset)
  const copies = () => [...holders.values()].filter((n) => n > 0).length;
  const holds = (broker: number) => (holders.get(broker) ?? 0) > 0;
  const rf = () => partitionRecord?.replicas.length ?? Math.max(replicas.size, 1);
  const overwrittenOn = new Set<number>();
  const faultStartOrEndTimes = new Map<number, number[]>(); // time → fault ids
  for (const e of sortedTimeline) {
    if (e.kind === 'fault') faultStartOrEndTimes.set(e.t, [...(faultStartOrEndTimes.get(e.t) ?? []), e.id]);
  }
  const nodeEventTimes = new Set(sortedTimeline.filter((e) => e.kind === 'node').map((e) => e.t));

  const steps: StoryStep[] = [];
  let introduced = false;
  let wasEverHeld = false;
  const readSteps: StoryStep[] = [];
  let firstReadOfValue = false;
  let firstReadOfOther = false;
  let lastCoveringRead: { step: StoryStep; value: string } | undefined;

  const push = (step: StoryStep) => {
    if (step.timeUs >= windowStartUs) steps.push(step);
  };
  const introduce = (timeUs: number) => {
    if (introduced) return;
    introduced = true;
    const parts: string[] = [];
    if (partitionRecord) {
      parts.push(
        partitionRecord.leader >= 0
          ? `${name(partitionRecord.leader)} leads ${focus.tp} in epoch ${partitionRecord.leaderEpoch}, ISR ${list(partitionRecord.isr)}`
          : `${focus.tp} has no leader, ISR ${list(partitionRecord.isr)}`,
      );
      const leaderState = replicas.get(partitionRecord.leader);
      if (leaderState) parts.push(`HW ${leaderState.hw}, LEO ${leaderState.leo}`);
    }
    const down = [...up].filter(([, isUp]) => !isUp).map(([id]) => name(id));
    if (down.length) parts.push(`down: ${down.join(', ')}`);
    if (parts.length) steps.push({ timeUs, tone: 'note', key: false, text: `Before: ${parts.join('; ')}.` });
  };

  const onOperation = (op: Operation, phase: 'invoke' | 'completion', timeUs: number): void => {
    {
      const who = name(op.process);
      if (op.index === focus.sendOp) {
        if (phase === 'invoke') {
          push({ timeUs: timeUs, tone: 'send', key: true, op: op.index, text: `${who} sends ${v} to ${focus.tp}.` });
        } else if (op.status === 'ok') {
          focus.ackedAtUs = timeUs;
          focus.copiesAtAck = copies();
          focus.replicationFactor = rf();
          const leader = partitionRecord?.leader;
          const leaderHw = leader !== undefined ? replicas.get(leader)?.hw : undefined;
          focus.leaderHwAtAck = leaderHw;
          focus.isrAtAck = partitionRecord ? [...partitionRecord.isr] : undefined;
          const offsetText = sendOf(op)?.offset ?? focus.offset;
          let text = `${who} gets the acknowledgement: offset ${offsetText}${focus.acks !== undefined ? ` (acks=${focus.acks})` : ''}. `;
          text += `At that moment ${copies()} of ${rf()} replicas held it`;
          if (leaderHw !== undefined && focus.offset !== undefined) {
            text += focus.offset < leaderHw ? ` and the leader's HW was ${leaderHw}: committed.` : ` and the leader's HW was ${leaderHw}: not committed yet.`;
          } else text += '.';
          if (partitionRecord) text += ` ISR ${list(partitionRecord.isr)}.`;
          push({ timeUs: timeUs, tone: 'ack', key: true, op: op.index, text });
        } else {
          const error = op.completion?.error ? ` (${op.completion.error})` : '';
          push({
            timeUs: timeUs,
            tone: 'ack',
            key: true,
            op: op.index,
            text: op.status === 'info' ? `${who}'s send ends with an unknown outcome${error}.` : `${who}'s send fails${error}.`,
          });
        }
        return;
      }
      // Polls of the focus partition that cover the focus offset.
      const poll = pollOf(op);
      if (!poll || phase !== 'completion' || !poll.records || focus.offset === undefined) return;
      const record = poll.records.find(([offset]) => offset === focus.offset);
      if (!record) return;
      const isValue = record[1] === focus.value;
      const step: StoryStep = {
        timeUs: timeUs,
        tone: 'read',
        key: true,
        op: op.index,
        text: `${who} reads offset ${focus.offset} of ${focus.tp}: ${showValue(record[1], 60)}${isValue ? '' : ` — not ${v}`}.`,
      };
      lastCoveringRead = { step, value: record[1] };
      if ((isValue && !firstReadOfValue) || (!isValue && !firstReadOfOther)) {
        if (isValue) firstReadOfValue = true;
        else firstReadOfOther = true;
        readSteps.push(step);
        push(step);
      }
    }
  };

  // One handler per timeline event kind; the mapped type makes the dispatch exhaustive. (A
  // table rather than ts-pattern's match: this runs for every event of 100,000-op traces.)
  const onTimeline: { [K in TimelineEvent['kind']]: (e: Extract<TimelineEvent, { kind: K }>) => void } = {
    node: (e) => {
        up.set(e.node, e.state === 'up');
        const isReplica = replicas.has(e.node) || (partitionRecord?.replicas.includes(e.node) ?? false);
        if (!isReplica) return;
        const faults = faultStartOrEndTimes.get(e.t);
        let text = `${name(e.node)} ${CAUSE_TEXT[e.cause] ?? `goes ${e.state} (${e.cause})`}`;
        if (faults) text += ` [fault ${faults.join(', ')}]`;
        if (e.state === 'down' && holds(e.node)) text += copies() === 1 ? ` — it holds the only copy of ${v}` : ` — it holds a copy of ${v}`;
        push({ timeUs: e.t, tone: e.state === 'down' ? 'fault' : 'heal', key: holds(e.node), broker: e.node, text: text + '.' });
    },
    fault: (e) => {
        if (nodeEventTimes.has(e.t)) return; // told by the node step at the same instant
        push({ timeUs: e.t, tone: e.phase === 'start' ? 'fault' : 'heal', key: false, text: `Fault ${e.id} ${e.phase === 'start' ? 'begins' : 'ends'}: ${e.description}.` });
    },
    partition: (e) => {
        if (e.topic !== focus.topic || e.partition !== focus.partition) return;
        const previous = partitionRecord;
        partitionRecord = e;
        if (!previous) return;
        const leaderChanged = previous.leader !== e.leader || previous.leaderEpoch !== e.leaderEpoch;
        const isrChanged = previous.isr.join(',') !== e.isr.join(',');
        const elrChanged = previous.elr.join(',') !== e.elr.join(',');
        if (!leaderChanged && !isrChanged && !elrChanged) return;
        let text: string;
        let key = false;
        if (leaderChanged) {
          text =
            e.leader >= 0
              ? `The controller elects ${name(e.leader)} leader in epoch ${e.leaderEpoch}; ISR ${list(e.isr)}`
              : `The controller leaves ${focus.tp} without a leader (epoch ${e.leaderEpoch}); ISR ${list(e.isr)}`;
          if (e.leader >= 0 && wasEverHeld && copies() > 0) {
            if (holds(e.leader)) text += ` — it has ${v}`;
            else {
              text += ` — it does not have ${v}`;
              key = true;
            }
          }
        } else if (isrChanged) {
          text = `The controller changes the ISR to ${list(e.isr)} (partition epoch ${e.partitionEpoch})`;
        } else text = `The controller changes the ELR to ${list(e.elr)} (partition epoch ${e.partitionEpoch})`;
        if (elrChanged && (leaderChanged || isrChanged)) text += `; ELR ${list(e.elr)}`;
        push({ timeUs: e.t, tone: 'leader', key, broker: e.leader >= 0 ? e.leader : undefined, text: text + '.' });
    },
    replica: (e) => {
        if (e.topic !== focus.topic || e.partition !== focus.partition) return;
        const previous = replicas.get(e.broker);
        replicas.set(e.broker, { role: e.role, leaderEpoch: e.leaderEpoch, hw: e.hw, leo: e.leo });
        if (
          e.role === 'leader' &&
          focus.offset !== undefined &&
          holds(e.broker) &&
          e.hw > focus.offset &&
          (!previous || previous.hw <= focus.offset || previous.role !== 'leader')
        ) {
          push({
            timeUs: e.t,
            tone: 'commit',
            key: true,
            broker: e.broker,
            text: `${name(e.broker)}, leader in epoch ${e.leaderEpoch}, advances its HW to ${e.hw}: offset ${focus.offset} is committed.`,
          });
        }
    },
    append: (e) => {
        if (e.topic !== focus.topic || e.partition !== focus.partition) return;
        const state = replicas.get(e.broker);
        const role = state?.role === 'leader' ? `leader in epoch ${e.epoch}` : state?.role === 'follower' ? 'follower' : 'replica';
        // An append over a live offset implicitly truncates it (replica-logs.ts); count it.
        const overwritten = focusCopies
          .filter((ver) => ver.broker === e.broker && ver.truncatedAtUs === e.t && ver.truncateReason === 'overwritten').length;
        if (overwritten > 0) {
          holders.set(e.broker, Math.max(0, (holders.get(e.broker) ?? 0) - overwritten));
          if (copies() === 0) {
            focus.lostAtUs = e.t;
            focus.lostOnBroker = e.broker;
            focus.lostReason = 'overwritten';
          }
        }
        const at = e.values.indexOf(focus.value);
        if (at >= 0) {
          holders.set(e.broker, (holders.get(e.broker) ?? 0) + e.values.filter((x) => x === focus.value).length);
          wasEverHeld = true;
          const offset = e.firstOffset + at;
          if (focus.appendedAtUs === undefined) focus.appendedAtUs = e.t;
          const verb = state?.role === 'leader' ? 'appends' : 'fetches and appends';
          push({
            timeUs: e.t,
            tone: 'append',
            key: true,
            broker: e.broker,
            text: `${name(e.broker)} (${role}) ${verb} ${v} at offset ${offset} — copies: ${copies()} of ${rf()}.`,
          });
          return;
        }
        if (focus.offset === undefined || !wasEverHeld || overwrittenOn.has(e.broker)) return;
        const i = focus.offset - e.firstOffset;
        if (i < 0 || i >= e.values.length || holds(e.broker)) return;
        // Worth telling: the first leader to reuse the offset, and every broker that once held the record.
        const heldBefore = focusCopies.some((c) => c.broker === e.broker && c.appendedAtUs <= e.t);
        if (!heldBefore && (state?.role !== 'leader' || overwrittenOn.size > 0)) return;
        overwrittenOn.add(e.broker);
        const other = showValue(e.values[i], 60);
        push({
          timeUs: e.t,
          tone: 'overwrite',
          key: true,
          broker: e.broker,
          text:
            state?.role === 'leader'
              ? `${name(e.broker)} (${role}) appends ${other} at offset ${focus.offset}, the offset ${v} ${focus.ackedAtUs !== undefined ? 'was acknowledged at' : 'had on other replicas'}.`
              : `${name(e.broker)} (${role}) fetches ${other} into offset ${focus.offset}, where it had ${v}.`,
        });
    },
    truncate: (e) => {
        if (e.topic !== focus.topic || e.partition !== focus.partition) return;
        // How many copies of the value this truncation removes on this broker.
        const removed = focusCopies
          .filter((ver) => ver.broker === e.broker && ver.truncatedAtUs === e.t && ver.offset >= e.toOffset).length;
        if (removed === 0) return;
        holders.set(e.broker, Math.max(0, (holders.get(e.broker) ?? 0) - removed));
        const left = copies();
        const last = left === 0;
        if (last) {
          focus.lostAtUs = e.t;
          focus.lostOnBroker = e.broker;
          focus.lostReason = e.reason;
        }
        push({
          timeUs: e.t,
          tone: last ? 'loss' : 'truncate',
          key: true,
          broker: e.broker,
          text: `${name(e.broker)} truncates its log to offset ${e.toOffset} (${e.reason}): ${v} is removed — copies: ${left} of ${rf()}.${last ? ' That was the last copy.' : ''}`,
        });
    },
  };
  // Walk the (time-sorted) timeline and history together; at equal times the cluster's change
  // comes first. The "Before:" note is written at the first relevant event of the window.
  const history = trace.history ?? [];
  let ti = 0;
  let hi = 0;
  while (ti < sortedTimeline.length || hi < history.length) {
    if (hi >= history.length || (ti < sortedTimeline.length && sortedTimeline[ti].t <= history[hi].time)) {
      const event = sortedTimeline[ti++];
      if (!introduced && event.t >= windowStartUs) introduce(event.t);
      (onTimeline[event.kind] as (e: TimelineEvent) => void)(event);
      continue;
    }
    const event = history[hi++];
    const opIndex = paired.opOfEvent.get(event.index);
    if (opIndex === undefined || !relevant.has(opIndex)) continue;
    if (!introduced && event.time >= windowStartUs) introduce(event.time);
    onOperation(paired.ops[opIndex], event.type === 'invoke' ? 'invoke' : 'completion', event.time);
  }
  if (!introduced) introduce(windowStartUs);

  focus.copiesAtEnd = copies();
  // The final read is the evidence; keep it even if an earlier read of the offset was shown.
  if (lastCoveringRead && !readSteps.includes(lastCoveringRead.step) && lastCoveringRead.step.timeUs >= windowStartUs) {
    steps.push({ ...lastCoveringRead.step, text: lastCoveringRead.step.text.replace(/\.$/, ' (last read of this offset).') });
  }
  focus.finalValueAtOffset = lastCoveringRead?.value ?? finalLeaderValue(trace, focus, partitionRecord?.leader, logs);

  const endUs = Math.max(trace.endTimeUs ?? 0, sortedTimeline.length ? sortedTimeline[sortedTimeline.length - 1].t : 0, history.length ? history[history.length - 1].time : 0);
  const holdersAtEnd = [...holders].filter(([, n]) => n > 0).map(([b]) => name(b));
  let endText: string;
  if (focus.copiesAtEnd === 0) {
    endText = `At the end, no replica holds ${v}`;
    if (focus.offset !== undefined && focus.finalValueAtOffset !== undefined) endText += `; offset ${focus.offset} holds ${showValue(focus.finalValueAtOffset, 60)}`;
  } else {
    endText = `At the end, ${v} is on ${holdersAtEnd.join(', ')}`;
    if (focus.finalValueAtOffset !== undefined && focus.finalValueAtOffset !== focus.value) endText += `, but the last read of offset ${focus.offset} returned ${showValue(focus.finalValueAtOffset, 60)}`;
  }
  steps.push({ timeUs: endUs, tone: focus.copiesAtEnd === 0 ? 'loss' : 'note', key: true, text: endText + '.' });

  steps.sort((a, b) => a.timeUs - b.timeUs);
  // After the last copy is gone, cluster context matters only right after (the rejoin).
  let contextAfterLoss = 0;
  const told = steps.filter((s) => {
    if (s.key || s.tone === 'note' || focus.lostAtUs === undefined || s.timeUs <= focus.lostAtUs) return true;
    return ++contextAfterLoss <= 2;
  });
  return { focus, steps: capContext(told), summary: summarize(focus) };
}

/** What the final leader's log holds at the focus offset, when no read covered it. */
function finalLeaderValue(trace: Trace, focus: FocusRecord, leader: number | undefined, logs: ReplicaLogs): string | undefined {
  if (leader === undefined || leader < 0 || focus.offset === undefined) return undefined;
  const alive = copiesAt(logs, focus.tp, leader, focus.offset).find((ver) => ver.truncatedAtUs === undefined);
  void trace;
  return alive?.value;
}

/** Keeps every key step; keeps at most MAX_CONTEXT context steps, those nearest a key step. */
const MAX_CONTEXT = 24;
function capContext(steps: StoryStep[]): StoryStep[] {
  const context = steps.filter((s) => !s.key && s.tone !== 'note');
  if (context.length <= MAX_CONTEXT) return steps;
  const keyTimes = steps.filter((s) => s.key).map((s) => s.timeUs);
  const distance = (s: StoryStep) => Math.min(...keyTimes.map((t) => Math.abs(t - s.timeUs)));
  const kept = new Set([...context].sort((a, b) => distance(a) - distance(b)).slice(0, MAX_CONTEXT));
  const out = steps.filter((s) => s.key || s.tone === 'note' || kept.has(s));
  const omitted = context.length - kept.size;
  out.push({ timeUs: out[out.length - 1].timeUs, tone: 'note', key: false, text: `${omitted} other cluster events in this period are on the timeline.` });
  return out;
}

export function summarize(focus: FocusRecord): string {
  const v = showValue(focus.value, 60);
  const where = `${focus.tp}${focus.offset !== undefined ? ` offset ${focus.offset}` : ''}`;
  let text = `${v} (${where})`;
  if (focus.ackedAtUs !== undefined) {
    text += ` was acknowledged at ${formatTimeUs(focus.ackedAtUs)}`;
    if (focus.copiesAtAck !== undefined) text += ` with ${focus.copiesAtAck} of ${focus.replicationFactor} copies`;
    const facts: string[] = [];
    if (focus.acks !== undefined) facts.push(`acks=${focus.acks}`);
    if (focus.leaderHwAtAck !== undefined && focus.offset !== undefined)
      facts.push(focus.offset < focus.leaderHwAtAck ? `HW ${focus.leaderHwAtAck}, committed` : `HW ${focus.leaderHwAtAck}, not committed`);
    if (facts.length) text += ` (${facts.join(', ')})`;
  } else if (focus.appendedAtUs !== undefined) text += ` was appended at ${formatTimeUs(focus.appendedAtUs)}`;
  else text += ' was never appended by any replica';
  if (focus.lostAtUs !== undefined) {
    text += ` and lost at ${formatTimeUs(focus.lostAtUs)} when ${focus.lostOnBroker !== undefined ? `broker ${focus.lostOnBroker}` : 'a replica'} truncated its last copy (${focus.lostReason})`;
  } else if (focus.copiesAtEnd > 0 && focus.finalValueAtOffset !== undefined && focus.finalValueAtOffset !== focus.value) {
    text += `, is still on ${focus.copiesAtEnd} replica(s), but reads of offset ${focus.offset} return ${showValue(focus.finalValueAtOffset, 60)}`;
  }
  return text + '.';
}
