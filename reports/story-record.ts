// The lost record's story: from the producer's send, through every append, acknowledgement,
// crash, election and truncation, to the moment the last copy disappeared and what the
// final read found at its offset. A walker over the time-sorted timeline and history, one
// small handler per event kind, that keeps the cluster state it needs (replicas, processes
// up, the controller's record, who holds a copy).
//
// Assumes the focus record was resolved by story.ts (findFocus) and the logs by
// replica-logs.ts; derived from the trace alone, never from the model.

import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import { showValue } from './format.ts';
import { pollOf, sendOf, type Operation, type PairedHistory } from './operations.ts';
import { copiesAt, type RecordVersion, type ReplicaLogs } from './replica-logs.ts';
import { causeText, FaultTimes, list, nodeNamer, type FocusRecord, type StoryStep } from './story-common.ts';

type Ev<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;

interface ReplicaState {
  role: string;
  leaderEpoch: number;
  hw: number;
  leo: number;
}

/** Walks the run once and tells what happened to the focus record. */
export class RecordStory {
  readonly steps: StoryStep[] = [];
  private readonly name: ReturnType<typeof nodeNamer>;
  private readonly v: string;
  private readonly focusCopies: RecordVersion[];
  private readonly relevant = new Set<number>();
  private readonly windowStartUs: number;
  private readonly faults: FaultTimes;
  private readonly replicas = new Map<number, ReplicaState>();
  private readonly up = new Map<number, boolean>();
  private partitionRecord: Ev<'partition'> | undefined;
  /** broker → live copies of the value (any offset). */
  private readonly holders = new Map<number, number>();
  private readonly overwrittenOn = new Set<number>();
  private introduced = false;
  private wasEverHeld = false;
  private readonly readSteps: StoryStep[] = [];
  private firstReadOfValue = false;
  private firstReadOfOther = false;
  private lastCoveringRead: { step: StoryStep; value: string } | undefined;

  constructor(
    private readonly trace: Trace,
    private readonly timeline: readonly TimelineEvent[],
    private readonly paired: PairedHistory,
    private readonly logs: ReplicaLogs,
    readonly focus: FocusRecord,
    anomalyTimesUs: readonly number[],
  ) {
    this.name = nodeNamer(trace);
    this.v = showValue(focus.value, 60);
    const sendOp = focus.sendOp !== undefined ? paired.ops[focus.sendOp] : undefined;
    if (sendOp) focus.producer = this.name(sendOp.process);
    this.focusCopies = logs.versions.filter((version) => version.tp === focus.tp && version.value === focus.value);
    const firstAppendUs = Math.min(Infinity, ...this.focusCopies.map((c) => c.appendedAtUs));
    const earliest = Math.min(sendOp?.startUs ?? Infinity, firstAppendUs);
    // Neither sent nor appended in this trace: start where the anomaly says, else at 0.
    this.windowStartUs = Number.isFinite(earliest) ? earliest : anomalyTimesUs.length ? Math.min(...anomalyTimesUs) : 0;
    if (focus.offset === undefined) focus.offset = this.focusCopies[0]?.offset;
    this.faults = new FaultTimes(timeline);
    this.markRelevantOps();
  }

  /** Operations the story reads: the send, polls of the focus partition, sends of the same value. */
  private markRelevantOps(): void {
    const f = this.focus;
    for (const op of this.paired.ops) {
      const s = sendOf(op);
      const p = s ? undefined : pollOf(op);
      const pollsHere = p !== undefined && p.topic === f.topic && p.partition === f.partition;
      if (op.index === f.sendOp || pollsHere || (s && s.value === f.value)) this.relevant.add(op.index);
    }
  }

  private copies(): number {
    return [...this.holders.values()].filter((n) => n > 0).length;
  }

  private holds(broker: number): boolean {
    return (this.holders.get(broker) ?? 0) > 0;
  }

  private rf(): number {
    return this.partitionRecord?.replicas.length ?? Math.max(this.replicas.size, 1);
  }

  private push(step: StoryStep): void {
    if (step.timeUs >= this.windowStartUs) this.steps.push(step);
  }

  private onFocusPartition(e: { topic: string; partition: number }): boolean {
    return e.topic === this.focus.topic && e.partition === this.focus.partition;
  }

  /** The "Before:" note at the first event of the window: leader, HW, who is down, faults under way. */
  private introduce(timeUs: number): void {
    if (this.introduced) return;
    this.introduced = true;
    const parts: string[] = [];
    const pr = this.partitionRecord;
    if (pr) {
      parts.push(
        pr.leader >= 0
          ? `${this.name(pr.leader)} leads ${this.focus.tp} in epoch ${pr.leaderEpoch}, ISR ${list(pr.isr)}`
          : `${this.focus.tp} has no leader, ISR ${list(pr.isr)}`,
      );
      const leaderState = this.replicas.get(pr.leader);
      if (leaderState) parts.push(`HW ${leaderState.hw}, LEO ${leaderState.leo}`);
    }
    const down = [...this.up].filter(([, isUp]) => !isUp).map(([id]) => this.name(id));
    if (down.length) parts.push(`down: ${down.join(', ')}`);
    parts.push(...this.faults.activeAt(timeUs));
    if (parts.length) this.steps.push({ timeUs, tone: 'note', key: false, text: `Before: ${parts.join('; ')}.` });
  }

  private onSendCompletion(op: Operation, timeUs: number): void {
    const f = this.focus;
    const who = this.name(op.process);
    if (op.status !== 'ok') {
      const error = op.completion?.error ? ` (${op.completion.error})` : '';
      const text =
        op.status === 'info' ? `${who}'s send ends with an unknown outcome${error}.` : `${who}'s send fails${error}.`;
      this.push({ timeUs, tone: 'ack', key: true, op: op.index, text });
      return;
    }
    f.ackedAtUs = timeUs;
    f.copiesAtAck = this.copies();
    f.replicationFactor = this.rf();
    const leader = this.partitionRecord?.leader;
    const leaderHw = leader !== undefined ? this.replicas.get(leader)?.hw : undefined;
    f.leaderHwAtAck = leaderHw;
    f.isrAtAck = this.partitionRecord ? [...this.partitionRecord.isr] : undefined;
    const offsetText = sendOf(op)?.offset ?? f.offset;
    const acks = f.acks !== undefined ? ` (acks=${f.acks})` : '';
    let text = `${who} gets the acknowledgement: offset ${offsetText}${acks}. `;
    text += `At that moment ${this.copies()} of ${this.rf()} replicas held it`;
    if (leaderHw !== undefined && f.offset !== undefined) {
      text += ` and the leader's HW was ${leaderHw}: ${f.offset < leaderHw ? 'committed.' : 'not committed yet.'}`;
    } else text += '.';
    if (this.partitionRecord) text += ` ISR ${list(this.partitionRecord.isr)}.`;
    this.push({ timeUs, tone: 'ack', key: true, op: op.index, text });
  }

  /** Polls of the focus partition that cover the focus offset: the first of each kind, and the last. */
  private onPollCompletion(op: Operation, timeUs: number): void {
    const f = this.focus;
    const poll = pollOf(op);
    if (!poll || !poll.records || f.offset === undefined) return;
    const record = poll.records.find(([offset]) => offset === f.offset);
    if (!record) return;
    const isValue = record[1] === f.value;
    const text =
      `${this.name(op.process)} reads offset ${f.offset} of ${f.tp}: ${showValue(record[1], 60)}` +
      `${isValue ? '' : ` — not ${this.v}`}.`;
    const step: StoryStep = { timeUs, tone: 'read', key: true, op: op.index, text };
    this.lastCoveringRead = { step, value: record[1] };
    if (isValue ? this.firstReadOfValue : this.firstReadOfOther) return;
    if (isValue) this.firstReadOfValue = true;
    else this.firstReadOfOther = true;
    this.readSteps.push(step);
    this.push(step);
  }

  private onOperation(op: Operation, phase: 'invoke' | 'completion', timeUs: number): void {
    if (op.index === this.focus.sendOp) {
      if (phase === 'invoke') {
        const text = `${this.name(op.process)} sends ${this.v} to ${this.focus.tp}.`;
        this.push({ timeUs, tone: 'send', key: true, op: op.index, text });
      } else this.onSendCompletion(op, timeUs);
      return;
    }
    if (phase === 'completion') this.onPollCompletion(op, timeUs);
  }

  private onNode(e: Ev<'node'>): void {
    this.up.set(e.node, e.state === 'up');
    const isReplica = this.replicas.has(e.node) || (this.partitionRecord?.replicas.includes(e.node) ?? false);
    if (!isReplica) return;
    let text = `${this.name(e.node)} ${causeText(e.cause, e.state)}`;
    const faults = this.faults.at(e.t);
    if (faults.length) text += ` [${faults.join('; ')}]`;
    if (e.state === 'down' && this.holds(e.node)) {
      text += this.copies() === 1 ? ` — it holds the only copy of ${this.v}` : ` — it holds a copy of ${this.v}`;
    }
    const tone = e.state === 'down' ? 'fault' : 'heal';
    this.push({
      timeUs: e.t,
      tone,
      key: this.holds(e.node),
      broker: e.node,
      text: `${text}.`,
      fault: faults.length > 0,
    });
  }

  private onFault(e: Ev<'fault'>): void {
    if (this.faults.toldByNode(e.t)) return; // told by the node step at the same instant
    this.push({
      timeUs: e.t,
      tone: e.phase === 'start' ? 'fault' : 'heal',
      key: false,
      text: this.faults.sentence(e),
      fault: true,
    });
  }

  private leaderChangeText(e: Ev<'partition'>): { text: string; key: boolean } {
    let text =
      e.leader >= 0
        ? `The controller elects ${this.name(e.leader)} leader in epoch ${e.leaderEpoch}; ISR ${list(e.isr)}`
        : `The controller leaves ${this.focus.tp} without a leader (epoch ${e.leaderEpoch}); ISR ${list(e.isr)}`;
    if (e.leader < 0 || !this.wasEverHeld || this.copies() === 0) return { text, key: false };
    if (this.holds(e.leader)) return { text: `${text} — it has ${this.v}`, key: false };
    text += ` — it does not have ${this.v}`;
    return { text, key: true };
  }

  private onPartition(e: Ev<'partition'>): void {
    if (!this.onFocusPartition(e)) return;
    const previous = this.partitionRecord;
    this.partitionRecord = e;
    if (!previous) return;
    const leaderChanged = previous.leader !== e.leader || previous.leaderEpoch !== e.leaderEpoch;
    const isrChanged = previous.isr.join(',') !== e.isr.join(',');
    const elrChanged = previous.elr.join(',') !== e.elr.join(',');
    if (!leaderChanged && !isrChanged && !elrChanged) return;
    let { text, key } = leaderChanged ? this.leaderChangeText(e) : { text: '', key: false };
    if (!leaderChanged) {
      text = isrChanged
        ? `The controller changes the ISR to ${list(e.isr)} (partition epoch ${e.partitionEpoch})`
        : `The controller changes the ELR to ${list(e.elr)} (partition epoch ${e.partitionEpoch})`;
    }
    if (elrChanged && (leaderChanged || isrChanged)) text += `; ELR ${list(e.elr)}`;
    this.push({ timeUs: e.t, tone: 'leader', key, broker: e.leader >= 0 ? e.leader : undefined, text: `${text}.` });
  }

  private onReplica(e: Ev<'replica'>): void {
    if (!this.onFocusPartition(e)) return;
    const previous = this.replicas.get(e.broker);
    this.replicas.set(e.broker, { role: e.role, leaderEpoch: e.leaderEpoch, hw: e.hw, leo: e.leo });
    const offset = this.focus.offset;
    if (e.role !== 'leader' || offset === undefined || !this.holds(e.broker) || e.hw <= offset) return;
    if (previous && previous.hw > offset && previous.role === 'leader') return;
    this.push({
      timeUs: e.t,
      tone: 'commit',
      key: true,
      broker: e.broker,
      text:
        `${this.name(e.broker)}, leader in epoch ${e.leaderEpoch}, advances its HW to ${e.hw}: ` +
        `offset ${offset} is committed.`,
    });
  }

  /** Removes n copies on broker at time t; records the loss when it was the last one. */
  private removeCopies(broker: number, n: number, t: number, reason: string): boolean {
    this.holders.set(broker, Math.max(0, (this.holders.get(broker) ?? 0) - n));
    if (this.copies() > 0) return false;
    this.focus.lostAtUs = t;
    this.focus.lostOnBroker = broker;
    this.focus.lostReason = reason;
    return true;
  }

  private roleText(e: Ev<'append'>): string {
    const role = this.replicas.get(e.broker)?.role;
    return role === 'leader' ? `leader in epoch ${e.epoch}` : role === 'follower' ? 'follower' : 'replica';
  }

  private onAppendOfValue(e: Ev<'append'>, at: number): void {
    this.holders.set(
      e.broker,
      (this.holders.get(e.broker) ?? 0) + e.values.filter((x) => x === this.focus.value).length,
    );
    this.wasEverHeld = true;
    if (this.focus.appendedAtUs === undefined) this.focus.appendedAtUs = e.t;
    const verb = this.replicas.get(e.broker)?.role === 'leader' ? 'appends' : 'fetches and appends';
    this.push({
      timeUs: e.t,
      tone: 'append',
      key: true,
      broker: e.broker,
      text:
        `${this.name(e.broker)} (${this.roleText(e)}) ${verb} ${this.v} at offset ${e.firstOffset + at} — ` +
        `copies: ${this.copies()} of ${this.rf()}.`,
    });
  }

  /**
   * Another record at the focus offset: told for the first leader to reuse it and every broker that held the record.
   */
  private onAppendOverOffset(e: Ev<'append'>): void {
    const f = this.focus;
    if (f.offset === undefined || !this.wasEverHeld || this.overwrittenOn.has(e.broker)) return;
    const i = f.offset - e.firstOffset;
    if (i < 0 || i >= e.values.length || this.holds(e.broker)) return;
    const isLeader = this.replicas.get(e.broker)?.role === 'leader';
    const heldBefore = this.focusCopies.some((c) => c.broker === e.broker && c.appendedAtUs <= e.t);
    if (!heldBefore && (!isLeader || this.overwrittenOn.size > 0)) return;
    this.overwrittenOn.add(e.broker);
    const other = showValue(e.values[i], 60);
    const who = `${this.name(e.broker)} (${this.roleText(e)})`;
    const had = f.ackedAtUs !== undefined ? 'was acknowledged at' : 'had on other replicas';
    const text = isLeader
      ? `${who} appends ${other} at offset ${f.offset}, the offset ${this.v} ${had}.`
      : `${who} fetches ${other} into offset ${f.offset}, where it had ${this.v}.`;
    this.push({ timeUs: e.t, tone: 'overwrite', key: true, broker: e.broker, text });
  }

  private onAppend(e: Ev<'append'>): void {
    if (!this.onFocusPartition(e)) return;
    // An append over a live offset implicitly truncates it (replica-logs.ts); count it.
    const overwritten = this.focusCopies.filter(
      (ver) => ver.broker === e.broker && ver.truncatedAtUs === e.t && ver.truncateReason === 'overwritten',
    ).length;
    if (overwritten > 0) this.removeCopies(e.broker, overwritten, e.t, 'overwritten');
    const at = e.values.indexOf(this.focus.value);
    if (at >= 0) this.onAppendOfValue(e, at);
    else this.onAppendOverOffset(e);
  }

  private onTruncate(e: Ev<'truncate'>): void {
    if (!this.onFocusPartition(e)) return;
    const removed = this.focusCopies.filter(
      (ver) => ver.broker === e.broker && ver.truncatedAtUs === e.t && ver.offset >= e.toOffset,
    ).length;
    if (removed === 0) return;
    const last = this.removeCopies(e.broker, removed, e.t, e.reason);
    this.push({
      timeUs: e.t,
      tone: last ? 'loss' : 'truncate',
      key: true,
      broker: e.broker,
      text:
        `${this.name(e.broker)} truncates its log to offset ${e.toOffset} (${e.reason}): ${this.v} is removed — ` +
        `copies: ${this.copies()} of ${this.rf()}.${last ? ' That was the last copy.' : ''}`,
    });
  }

  private onTimeline(e: TimelineEvent): void {
    switch (e.kind) {
      case 'node':
        return this.onNode(e);
      case 'fault':
        return this.onFault(e);
      case 'partition':
        return this.onPartition(e);
      case 'replica':
        return this.onReplica(e);
      case 'append':
        return this.onAppend(e);
      case 'truncate':
        return this.onTruncate(e);
      case 'quorum':
      case 'log-start':
      case 'storage':
        return;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  /**
   * Walks the (time-sorted) timeline and history together; at equal times the cluster's
   * change comes first. The "Before:" note is written at the first relevant event of the window.
   */
  walk(): void {
    const history = this.trace.history ?? [];
    const timeline = this.timeline;
    let ti = 0;
    let hi = 0;
    while (ti < timeline.length || hi < history.length) {
      if (hi >= history.length || (ti < timeline.length && timeline[ti].t <= history[hi].time)) {
        const event = timeline[ti++];
        if (event.t >= this.windowStartUs) this.introduce(event.t);
        this.onTimeline(event);
        continue;
      }
      const event = history[hi++];
      const opIndex = this.paired.opOfEvent.get(event.index);
      if (opIndex === undefined || !this.relevant.has(opIndex)) continue;
      if (event.time >= this.windowStartUs) this.introduce(event.time);
      this.onOperation(this.paired.ops[opIndex], event.type === 'invoke' ? 'invoke' : 'completion', event.time);
    }
    this.introduce(this.windowStartUs);
  }

  private endText(): string {
    const f = this.focus;
    if (f.copiesAtEnd === 0) {
      const holdsNow = f.offset !== undefined && f.finalValueAtOffset !== undefined;
      const now = holdsNow ? `; offset ${f.offset} holds ${showValue(f.finalValueAtOffset, 60)}` : '';
      return `At the end, no replica holds ${this.v}${now}.`;
    }
    const holdersAtEnd = [...this.holders].filter(([, n]) => n > 0).map(([b]) => this.name(b));
    let text = `At the end, ${this.v} is on ${holdersAtEnd.join(', ')}`;
    if (f.finalValueAtOffset !== undefined && f.finalValueAtOffset !== f.value) {
      text += `, but the last read of offset ${f.offset} returned ${showValue(f.finalValueAtOffset, 60)}`;
    }
    return `${text}.`;
  }

  /** The end state, the last read of the offset, and the steps in time order. */
  finish(endUs: number): StoryStep[] {
    const f = this.focus;
    f.copiesAtEnd = this.copies();
    // The final read is the evidence; keep it even if an earlier read of the offset was shown.
    const last = this.lastCoveringRead;
    if (last && !this.readSteps.includes(last.step) && last.step.timeUs >= this.windowStartUs) {
      this.steps.push({ ...last.step, text: last.step.text.replace(/\.$/, ' (last read of this offset).') });
    }
    f.finalValueAtOffset = last?.value ?? this.finalLeaderValue();
    this.steps.push({ timeUs: endUs, tone: f.copiesAtEnd === 0 ? 'loss' : 'note', key: true, text: this.endText() });
    this.steps.sort((a, b) => a.timeUs - b.timeUs);
    // After the last copy is gone, cluster context matters only right after (the rejoin).
    let contextAfterLoss = 0;
    return this.steps.filter((s) => {
      if (s.key || s.tone === 'note' || s.fault || f.lostAtUs === undefined || s.timeUs <= f.lostAtUs) return true;
      return ++contextAfterLoss <= 2;
    });
  }

  /** What the final leader's log holds at the focus offset, when no read covered it. */
  private finalLeaderValue(): string | undefined {
    const leader = this.partitionRecord?.leader;
    const f = this.focus;
    if (leader === undefined || leader < 0 || f.offset === undefined) return undefined;
    return copiesAt(this.logs, f.tp, leader, f.offset).find((ver) => ver.truncatedAtUs === undefined)?.value;
  }
}
