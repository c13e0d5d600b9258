// The story of a violation that names no record to follow (log-matching, candidate-complete,
// hw-monotonic, one-leader-per-epoch, quorum-superset, liveness, …): the cluster's own steps
// on the violation's partition up to the moment the checker saw it — faults, crashes and
// restarts, leader and ISR changes, appends, HW moves and truncations.
//
// Assumes the anomaly names its partition (topic and/or partition) and times (timesUs; the
// last one is when it was seen); without them the story covers every partition to the end.

import type { Anomaly } from '../checkers/verdict.ts';
import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import { tpName } from './format.ts';
import { causeText, FaultTimes, list, nodeNamer, type StoryStep } from './story-common.ts';

type Ev<K extends TimelineEvent['kind']> = Extract<TimelineEvent, { kind: K }>;

/** At most this many steps besides the faults; the nearest to the violation are kept. */
const MAX_STEPS = 40;

/** The partition the anomaly is about: its topic and partition, or the first topic with that partition. */
export function anomalyPartition(
  anomaly: Anomaly | undefined,
  timeline: readonly TimelineEvent[],
): { topic: string; partition: number } | null {
  if (!anomaly || (anomaly.topic === undefined && anomaly.partition === undefined)) return null;
  for (const e of timeline) {
    if (!('topic' in e)) continue;
    const topicOk = anomaly.topic === undefined || e.topic === anomaly.topic;
    if (topicOk && (anomaly.partition === undefined || e.partition === anomaly.partition))
      return { topic: e.topic, partition: e.partition };
  }
  return anomaly.topic !== undefined ? { topic: anomaly.topic, partition: anomaly.partition ?? 0 } : null;
}

/** When the checker saw the violation: the anomaly's last time, else the end of the run. */
export function violationTimeUs(anomaly: Anomaly | undefined, endUs: number): number {
  const times = anomaly?.timesUs ?? [];
  return times.length ? Math.max(...times) : endUs;
}

class ClusterStory {
  readonly steps: StoryStep[] = [];
  private readonly name: ReturnType<typeof nodeNamer>;
  private readonly faults: FaultTimes;
  private readonly involved: Set<number>;
  private partitionRecord: Ev<'partition'> | undefined;
  private readonly hw = new Map<number, number>();
  /** Per broker, its last append step, extended while it keeps appending in the same epoch. */
  private readonly openAppend = new Map<
    number,
    { step: StoryStep; epoch: number; first: number; last: number; n: number }
  >();
  /** Per broker, its last HW advance step, extended while its HW keeps advancing. */
  private readonly openHw = new Map<number, { step: StoryStep; from: number }>();

  constructor(
    trace: Trace,
    private readonly timeline: readonly TimelineEvent[],
    private readonly tp: { topic: string; partition: number } | null,
    anomaly: Anomaly,
  ) {
    this.name = nodeNamer(trace);
    this.faults = new FaultTimes(timeline);
    this.involved = new Set(anomaly.nodes ?? []);
  }

  private here(e: { topic: string; partition: number }): boolean {
    return this.tp === null || (e.topic === this.tp.topic && e.partition === this.tp.partition);
  }

  /** Adds a step; a step that is not an append or HW advance ends the runs those merge into. */
  private push(step: StoryStep, endsRuns = true): void {
    this.steps.push(step);
    if (!endsRuns) return;
    this.openAppend.clear();
    this.openHw.clear();
  }

  private onNode(e: Ev<'node'>): void {
    const pr = this.partitionRecord;
    if (e.cause === 'start' || (pr && !pr.replicas.includes(e.node) && !this.involved.has(e.node))) return;
    const faults = this.faults.at(e.t);
    const tag = faults.length ? ` [${faults.join('; ')}]` : '';
    const text = `${this.name(e.node)} ${causeText(e.cause, e.state)}${tag}.`;
    const tone = e.state === 'down' ? 'fault' : 'heal';
    this.push({ timeUs: e.t, tone, key: this.involved.has(e.node), broker: e.node, text, fault: faults.length > 0 });
  }

  private onFault(e: Ev<'fault'>): void {
    if (this.faults.toldByNode(e.t)) return;
    this.push({
      timeUs: e.t,
      tone: e.phase === 'start' ? 'fault' : 'heal',
      key: false,
      text: this.faults.sentence(e),
      fault: true,
    });
  }

  private onPartition(e: Ev<'partition'>): void {
    if (!this.here(e)) return;
    const previous = this.partitionRecord;
    this.partitionRecord = e;
    const where = tpName(e.topic, e.partition);
    if (!previous) {
      const leader = e.leader >= 0 ? `${this.name(e.leader)} leads in epoch ${e.leaderEpoch}` : 'no leader';
      this.push({
        timeUs: e.t,
        tone: 'leader',
        key: false,
        text: `The controller creates ${where}: ${leader}, replicas ${list(e.replicas)}, ISR ${list(e.isr)}.`,
      });
      return;
    }
    const leaderChanged = previous.leader !== e.leader || previous.leaderEpoch !== e.leaderEpoch;
    const elr = e.elr.length || previous.elr.length ? `, ELR ${list(e.elr)}` : '';
    let text: string;
    if (leaderChanged) {
      text =
        e.leader >= 0
          ? `The controller elects ${this.name(e.leader)} leader of ${where} in epoch ${e.leaderEpoch}`
          : `The controller leaves ${where} without a leader (epoch ${e.leaderEpoch})`;
    } else if (previous.isr.join(',') !== e.isr.join(',') || previous.elr.join(',') !== e.elr.join(',')) {
      text = `The controller changes ${where}'s ISR (partition epoch ${e.partitionEpoch})`;
    } else return;
    const key = leaderChanged && e.leader >= 0 && this.involved.has(e.leader);
    this.push({
      timeUs: e.t,
      tone: 'leader',
      key,
      broker: e.leader >= 0 ? e.leader : undefined,
      text: `${text}: ISR ${list(e.isr)}${elr}.`,
    });
  }

  private onReplica(e: Ev<'replica'>): void {
    if (!this.here(e)) return;
    const before = this.hw.get(e.broker);
    this.hw.set(e.broker, e.hw);
    if (before === undefined || before === e.hw) return;
    // Leaders' HW moves and any HW that goes down; followers' catching up is on the timeline.
    if (e.role !== 'leader' && e.hw > before) return;
    const who = `${this.name(e.broker)} (${e.role}${e.role === 'leader' ? ` in epoch ${e.leaderEpoch}` : ''})`;
    const open = this.openHw.get(e.broker);
    if (e.hw > before && open) {
      open.step.text = `${who} advances its HW from ${open.from} to ${e.hw} (LEO ${e.leo}).`;
      return;
    }
    const up = e.hw > before;
    const step: StoryStep = {
      timeUs: e.t,
      tone: up ? 'commit' : 'truncate',
      key: !up || this.involved.has(e.broker),
      broker: e.broker,
      text: `${who} ${up ? 'advances' : 'moves back'} its HW from ${before} to ${e.hw} (LEO ${e.leo}).`,
    };
    this.push(step, !up);
    if (up) this.openHw.set(e.broker, { step, from: before });
  }

  private onAppend(e: Ev<'append'>): void {
    if (!this.here(e) || e.values.length === 0) return;
    const last = e.firstOffset + e.values.length - 1;
    const open = this.openAppend.get(e.broker);
    if (open && open.epoch === e.epoch && e.firstOffset === open.last + 1) {
      open.last = last;
      open.n += e.values.length;
      open.step.text = this.appendText(e.broker, e.epoch, open.first, open.last, open.n);
      return;
    }
    const step: StoryStep = {
      timeUs: e.t,
      tone: 'append',
      key: false,
      broker: e.broker,
      text: this.appendText(e.broker, e.epoch, e.firstOffset, last, e.values.length),
    };
    this.push(step, false);
    this.openAppend.set(e.broker, { step, epoch: e.epoch, first: e.firstOffset, last, n: e.values.length });
  }

  private appendText(broker: number, epoch: number, first: number, last: number, n: number): string {
    const offsets = first === last ? `offset ${first}` : `offsets ${first}–${last}`;
    return `${this.name(broker)} appends ${n} record${n === 1 ? '' : 's'} of leader epoch ${epoch} at ${offsets}.`;
  }

  private onTruncate(e: Ev<'truncate'>): void {
    if (!this.here(e)) return;
    this.push({
      timeUs: e.t,
      tone: 'truncate',
      key: this.involved.has(e.broker),
      broker: e.broker,
      text: `${this.name(e.broker)} truncates its log to offset ${e.toOffset} (${e.reason}).`,
    });
  }

  private on(e: TimelineEvent): void {
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

  /** The steps up to and including atUs. */
  walk(atUs: number): void {
    for (const e of this.timeline) {
      if (e.t > atUs) break;
      this.on(e);
    }
  }
}

/** Keeps every fault step and the MAX_STEPS other steps nearest the violation. */
function nearest(steps: StoryStep[]): StoryStep[] {
  const others = steps.filter((s) => !s.fault);
  if (others.length <= MAX_STEPS) return steps;
  const kept = new Set(others.slice(-MAX_STEPS));
  const out = steps.filter((s) => s.fault || kept.has(s));
  const omitted = others.length - MAX_STEPS;
  out.unshift({
    timeUs: out[0].timeUs,
    tone: 'note',
    key: false,
    text: `${omitted} earlier cluster events are on the timeline.`,
  });
  return out;
}

/** The cluster's steps on the anomaly's partition up to when it was seen, ending with the anomaly itself. */
export function clusterStory(
  trace: Trace,
  timeline: readonly TimelineEvent[],
  anomaly: Anomaly,
  endUs: number,
): StoryStep[] {
  const tp = anomalyPartition(anomaly, timeline);
  const atUs = violationTimeUs(anomaly, endUs);
  const story = new ClusterStory(trace, timeline, tp, anomaly);
  story.walk(atUs);
  const steps = nearest(story.steps);
  steps.push({ timeUs: atUs, tone: 'loss', key: true, text: `${anomaly.kind}: ${anomaly.explanation}` });
  return steps;
}
