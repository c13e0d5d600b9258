// Turns a trace (or an external history and its verdict) into the compact data the report
// page embeds and draws: client operations, broker/controller states, every record copy,
// truncations, faults and the story of the violation. Columnar arrays of small integers keep
// a 100,000-operation report well under 20 MB; strings (record values, names, errors) are
// interned once in `strings` and referred to by index. The shape and its encoding rules are
// in report-types.ts.
//
// Assumes the trace follows checkers/trace.ts; it depends on nothing else of the simulator.

import type { AssignmentValue, CommitValue, History } from '../checkers/history.ts';
import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import { clip, compareProcesses, formatTimeUs, processKey, showValue, tpName } from './format.ts';
import { pairOperations, pollOf, sendOf, type Operation, type PairedHistory } from './operations.ts';
import { buildReplicaLogs, sortTimeline, type ReplicaLogs } from './replica-logs.ts';
import { REPORT_DATA_FORMAT, type Col, type OpColumns, type ReportData } from './report-types.ts';
import { isBrokerRole, isVoterRole } from './quorum-status.ts';
import {
  buildStory,
  clientNodeOf,
  nodeNamer,
  primaryAnomaly,
  traceEndUs,
  type FocusRecord,
  type Story,
} from './story.ts';

export { type ReportData };

const REPORT_DATA_VERSION = 1;

class Interner {
  readonly strings: string[] = [];
  private readonly ids = new Map<string, number>();
  id(text: string | undefined | null): number {
    if (text === undefined || text === null) return -1;
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(text);
      this.ids.set(text, id);
    }
    return id;
  }
}

function deltaEncode(column: Col): Col {
  const out = new Array<number>(column.length);
  let previous = 0;
  for (let i = 0; i < column.length; i++) {
    out[i] = column[i] - previous;
    previous = column[i];
  }
  return out;
}

const STATUS_CODE = { ok: 0, fail: 1, info: 2, pending: 3 } as const;
const ROLE_CODE: Record<string, number> = { none: 0, leader: 1, follower: 2 };

function valueText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return showValue(value, 200);
}

function pollSummary(records: Array<[number, string]>): string {
  const shown = records.length <= 6 ? records : [...records.slice(0, 3), null, ...records.slice(-2)];
  return shown.map((r) => (r === null ? '…' : `${r[0]}:${clip(r[1], 40)}`)).join(' ');
}

function laneKind(role: string | undefined, ops: Operation[]): string {
  if (role === 'producer' || role === 'consumer') return role;
  if (ops.length && ops.every((op) => op.invoke.f === 'send')) return 'producer';
  if (ops.length && ops.every((op) => op.invoke.f === 'poll' || op.invoke.f === 'assign')) return 'consumer';
  return 'client';
}

interface OpsBuild {
  lanes: ReportData['lanes'];
  ops: OpColumns;
  /** The lane of each operation, by operation index. */
  laneOfOp: number[];
}

/**
 * The groups' data (ReportData.groups): each ok `assignment` of a member opens a span of its
 * lane until the lane's next assignment or leave (or the end); each ok `commit` is listed at
 * its completion. Undefined when the history has no group operation.
 */
function groupsOf(
  paired: PairedHistory,
  laneOfOp: readonly number[],
  tpIndex: (topic: string, partition: number) => number,
  endUs: number,
  clientOf: (process: number | string) => string,
): ReportData['groups'] {
  const spans: NonNullable<ReportData['groups']>['spans'] = [];
  const commits: NonNullable<ReportData['groups']>['commits'] = [];
  const open = new Map<number, (typeof spans)[number]>();
  for (const op of paired.ops) {
    const f = op.invoke.f;
    if (op.status !== 'ok' || (f !== 'assignment' && f !== 'leave' && f !== 'commit')) continue;
    const lane = laneOfOp[op.index];
    const at = op.endUs ?? op.startUs;
    if (f === 'commit') {
      const v = op.invoke.value as CommitValue;
      for (const o of v.offsets ?? [])
        if (typeof o.offset === 'number')
          commits.push({ t: at, group: v.group, tp: tpIndex(o.topic, o.partition), offset: o.offset });
      continue;
    }
    const before = open.get(lane);
    if (before !== undefined) before.t1 = at;
    open.delete(lane);
    if (f === 'leave') continue;
    const v = (op.completion?.value ?? op.invoke.value) as AssignmentValue;
    const span = {
      lane,
      t0: at,
      t1: endUs,
      group: v.group,
      member: v.member,
      client: clientOf(op.process),
      gen: v.generation,
      tps: v.partitions.map((x) => tpIndex(x.topic, x.partition)),
    };
    spans.push(span);
    open.set(lane, span);
  }
  if (spans.length === 0 && commits.length === 0) return undefined;
  commits.sort((a, b) => a.t - b.t);
  return { spans, commits };
}

function buildOps(
  paired: PairedHistory,
  strings: Interner,
  tpIndex: (topic: string, partition: number) => number,
  nameOf: (p: number | string) => string,
  roles: Map<string, string>,
): OpsBuild {
  const byLane = new Map<string, { process: number | string; ops: Operation[] }>();
  for (const op of paired.ops) {
    const key = processKey(op.process);
    let lane = byLane.get(key);
    if (!lane) byLane.set(key, (lane = { process: op.process, ops: [] }));
    lane.ops.push(op);
  }
  const ordered = [...byLane.entries()].sort((a, b) => compareProcesses(a[1].process, b[1].process));
  const laneOf = new Map(ordered.map(([key], i) => [key, i]));
  const lanes = ordered.map(([key, lane]) => ({
    name: nameOf(lane.process),
    kind: laneKind(roles.get(key), lane.ops),
  }));

  const ops: OpColumns = {
    lane: [],
    t0: [],
    dur: [],
    st: [],
    f: [],
    tp: [],
    val: [],
    off: [],
    n: [],
    res: [],
    err: [],
    hi: [],
  };
  const laneOfOp: number[] = [];
  for (const op of paired.ops) {
    const send = sendOf(op);
    const poll = send ? undefined : pollOf(op);
    laneOfOp[op.index] = laneOf.get(processKey(op.process))!;
    ops.lane.push(laneOfOp[op.index]);
    ops.t0.push(op.startUs);
    ops.dur.push(op.endUs === undefined ? -1 : op.endUs - op.startUs);
    ops.st.push(STATUS_CODE[op.status]);
    ops.f.push(strings.id(op.invoke.f));
    ops.err.push(strings.id(op.completion?.error));
    ops.hi.push(op.invoke.index);
    if (send) {
      ops.tp.push(tpIndex(send.topic, send.partition));
      ops.val.push(strings.id(send.value));
      ops.off.push(send.offset ?? -1);
      ops.n.push(-1);
      ops.res.push(-1);
    } else if (poll) {
      ops.tp.push(tpIndex(poll.topic, poll.partition));
      ops.val.push(-1);
      ops.off.push(poll.offset);
      ops.n.push(poll.records ? poll.records.length : -1);
      ops.res.push(poll.records && poll.records.length ? strings.id(pollSummary(poll.records)) : -1);
    } else {
      ops.tp.push(-1);
      ops.val.push(strings.id(valueText(op.invoke.value)));
      ops.off.push(-1);
      ops.n.push(-1);
      const result = op.completion && op.status === 'ok' ? valueText(op.completion.value) : undefined;
      ops.res.push(result !== undefined && result !== valueText(op.invoke.value) ? strings.id(result) : -1);
    }
  }
  ops.t0 = deltaEncode(ops.t0);
  return { lanes, ops, laneOfOp };
}

function anomalyDetails(anomaly: Anomaly): string {
  const parts: string[] = [];
  if (anomaly.topic !== undefined) parts.push(`partition ${tpName(anomaly.topic, anomaly.partition ?? 0)}`);
  if (anomaly.ops?.length) parts.push(`history index ${clipList(anomaly.ops)}`);
  if (anomaly.offsets?.length) parts.push(`offset ${clipList(anomaly.offsets)}`);
  if (anomaly.values?.length)
    parts.push(
      `value ${anomaly.values
        .slice(0, 5)
        .map((x) => showValue(x, 40))
        .join(', ')}${anomaly.values.length > 5 ? ', …' : ''}`,
    );
  if (anomaly.nodes?.length) parts.push(`node ${clipList(anomaly.nodes)}`);
  if (anomaly.timesUs?.length)
    parts.push(
      `at ${anomaly.timesUs.slice(0, 5).map(formatTimeUs).join(', ')}${anomaly.timesUs.length > 5 ? ', …' : ''}`,
    );
  return parts.join(' · ');
}

function clipList(items: readonly number[]): string {
  return items.length <= 8 ? items.join(', ') : `${items.slice(0, 8).join(', ')}, … (${items.length})`;
}

const MAX_ANOMALIES = 200;

function headlineOf(verdict: Verdict, anomaly: Anomaly | undefined): ReportData['headline'] {
  const sentence =
    anomaly?.explanation ??
    (verdict.valid === true
      ? 'The checkers found no anomaly in this history.'
      : verdict.valid === 'unknown'
        ? 'The checker could not decide.'
        : 'The history is not valid.');
  if (anomaly?.kafkaFinding !== undefined && verdict.valid !== false) {
    const label = `Kafka's own finding (known, not excused): ${anomaly.kafkaFinding}: ${anomaly.kind}`;
    const witnessed = anomaly.kafkaFindingWitness === undefined ? '' : ` Witnessed: ${anomaly.kafkaFindingWitness}`;
    return { status: 'kafka-finding', label, sentence: sentence + witnessed, kind: anomaly.kind };
  }
  if (verdict.valid === true) return { status: 'valid', label: 'No violation', sentence, kind: anomaly?.kind ?? null };
  if (verdict.valid === 'unknown')
    return {
      status: 'unknown',
      label: `Unknown${anomaly ? `: ${anomaly.kind}` : ''}`,
      sentence,
      kind: anomaly?.kind ?? null,
    };
  const kind = anomaly?.kind ?? 'invalid';
  if (anomaly?.expected)
    return { status: 'expected', label: `Expected loss, beyond what Kafka promises: ${kind}`, sentence, kind };
  return { status: 'violation', label: `Violation: ${kind}`, sentence, kind };
}

function anomaliesOf(verdict: Verdict): ReportData['anomalies'] {
  return verdict.anomalies.slice(0, MAX_ANOMALIES).map((a) => ({
    kind: a.kind,
    explanation: a.explanation,
    details: anomalyDetails(a),
    informational: a.informational === true,
    expected: a.expected === true,
    ...(a.cycle !== undefined ? { cycle: a.cycle.map((c) => ({ rel: c.rel, text: c.explanation })) } : {}),
  }));
}

function markedOps(anomaly: Anomaly | undefined, paired: PairedHistory): number[] {
  const marked = new Set<number>();
  for (const historyIndex of anomaly?.ops ?? []) {
    const op = paired.opOfEvent.get(historyIndex);
    if (op !== undefined) marked.add(op);
  }
  return [...marked].sort((a, b) => a - b);
}

function configEntries(config: Record<string, unknown> | undefined): Array<[string, string]> {
  return Object.entries(config ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [key, typeof value === 'string' ? value : showValue(value, 200)]);
}

type BaseData = Omit<
  ReportData,
  | 'mode'
  | 'title'
  | 'headline'
  | 'summary'
  | 'meta'
  | 'config'
  | 'command'
  | 'anomalies'
  | 'strings'
  | 'lanes'
  | 'ops'
  | 'marked'
  | 'startUs'
  | 'endUs'
  | 'counts'
>;

function emptyData(): BaseData {
  return {
    format: REPORT_DATA_FORMAT,
    version: REPORT_DATA_VERSION,
    tps: [],
    tpTopic: [],
    tpPartition: [],
    brokers: [],
    controllers: [],
    nodeEv: { t: [], node: [], up: [], cause: [] },
    rep: { t: [], b: [], tp: [], role: [], ep: [], hw: [], leo: [] },
    part: { t: [], tp: [], leader: [], ep: [], pep: [], replicas: [], isr: [], elr: [] },
    quorum: { t: [], node: [], role: [], ep: [], leader: [], hw: [] },
    clusterId: '',
    batches: { t: [], b: [], tp: [], first: [], n: [], ep: [] },
    verVal: [],
    cut: { v: [], t: [], why: [] },
    trunc: { t: [], b: [], tp: [], to: [], why: [] },
    seg: { t: [], b: [], tp: [], off: [], rp: [] },
    faults: [],
    faultEv: { t: [], id: [], start: [] },
    focus: null,
    story: [],
    open: { tp: 0, atUs: 0 },
    expected: null,
    cex: null,
  };
}

type TpIndex = (topic: string, partition: number) => number;

/** Numbers topic-partitions in order of first mention, filling base.tps/tpTopic/tpPartition. */
function tpIndexer(base: BaseData): { index: TpIndex; ids: Map<string, number> } {
  const ids = new Map<string, number>();
  const index = (topic: string, partition: number) => {
    const key = tpName(topic, partition);
    let id = ids.get(key);
    if (id === undefined) {
      id = base.tps.length;
      ids.set(key, id);
      base.tps.push(key);
      base.tpTopic.push(topic);
      base.tpPartition.push(partition);
    }
    return id;
  };
  return { index, ids };
}

/** Brokers: declared ones, plus any id the timeline mentions as a broker. */
function brokersOf(
  trace: Trace,
  timeline: readonly TimelineEvent[],
  nameOf: (p: number) => string,
): BaseData['brokers'] {
  const brokerIds = new Set((trace.nodes ?? []).filter((n) => isBrokerRole(n.role)).map((n) => n.id));
  for (const e of timeline) {
    if (e.kind === 'replica' || e.kind === 'append' || e.kind === 'truncate') brokerIds.add(e.broker);
    if (e.kind === 'partition') e.replicas.forEach((r) => brokerIds.add(r));
  }
  return [...brokerIds].sort((a, b) => a - b).map((id) => ({ id, name: nameOf(id) }));
}

/** Record copies in batch order (logs.versions is already in that order) and the batches that wrote them. */
function pushRecordCopies(base: BaseData, logs: ReplicaLogs, strings: Interner, tpIds: Map<string, number>): void {
  logs.versions.forEach((version, i) => {
    base.verVal.push(strings.id(version.value));
    if (version.truncatedAtUs === undefined) return;
    base.cut.v.push(i);
    base.cut.t.push(version.truncatedAtUs);
    base.cut.why.push(strings.id(version.truncateReason ?? 'truncated'));
  });
  for (const batch of logs.batches) {
    base.batches.t.push(batch.timeUs);
    base.batches.b.push(batch.broker);
    base.batches.tp.push(tpIds.get(batch.tp)!);
    base.batches.first.push(batch.firstOffset);
    base.batches.n.push(batch.count);
    base.batches.ep.push(batch.epoch);
  }
}

/** The human fault schedule, with times filled from the timeline when missing. */
function faultsOf(trace: Trace, timeline: readonly TimelineEvent[]): BaseData['faults'] {
  const faultTimes = new Map<number, { start?: number; end?: number }>();
  for (const e of timeline) {
    if (e.kind !== 'fault') continue;
    const entry = faultTimes.get(e.id) ?? {};
    if (e.phase === 'start' && entry.start === undefined) entry.start = e.t;
    if (e.phase === 'end') entry.end = e.t;
    faultTimes.set(e.id, entry);
  }
  return (trace.faults ?? []).map((f) => ({
    id: f.id,
    description: f.description,
    trigger: f.trigger,
    startUs: f.startUs ?? faultTimes.get(f.id)?.start ?? -1,
    endUs: f.endUs ?? faultTimes.get(f.id)?.end ?? -1,
    beyondPromise: f.beyondPromise === true,
  }));
}

function focusData(focus: FocusRecord, tpIndex: TpIndex): NonNullable<BaseData['focus']> {
  return {
    tp: tpIndex(focus.topic, focus.partition),
    offset: focus.offset ?? -1,
    value: focus.value,
    sendOp: focus.sendOp ?? -1,
    appendedAtUs: focus.appendedAtUs ?? -1,
    ackedAtUs: focus.ackedAtUs ?? -1,
    lostAtUs: focus.lostAtUs ?? -1,
    lostOnBroker: focus.lostOnBroker ?? -1,
    copiesAtEnd: focus.copiesAtEnd,
    finalValue: focus.finalValueAtOffset ?? null,
    producer: focus.producer ?? null,
  };
}

/**
 * Where the page opens: on the violation's partition; at the lost record's acknowledgement
 * (or append) when there is one, else at the moment of the violation, else at the end.
 */
function openingOf(story: Story, tpIndex: TpIndex, endUs: number): BaseData['open'] {
  const tp = story.where ? tpIndex(story.where.topic, story.where.partition) : 0;
  const f = story.focus;
  const atUs = f?.ackedAtUs ?? f?.appendedAtUs ?? story.atUs ?? endUs;
  return { tp, atUs: Math.min(endUs, Math.max(0, atUs)) };
}

/** Why the anomaly is expected (the breach of Kafka's promise), when the driver said. */
function expectedOf(anomaly: Anomaly | undefined): BaseData['expected'] {
  const breach = anomaly?.expected ? anomaly.expectedBecause : undefined;
  if (!breach) return null;
  const topic = breach.topic ?? anomaly?.topic;
  return {
    rule: breach.rule,
    explanation: breach.explanation,
    atUs: breach.atUs,
    event: breach.event,
    partition:
      breach.partition === undefined
        ? null
        : topic !== undefined
          ? tpName(topic, breach.partition)
          : `partition ${breach.partition}`,
    nodes: breach.nodes ?? [],
  };
}

function violationMeta(trace: Trace, endUs: number, opCount: number): Array<[string, string]> {
  return [
    ['scenario', String(trace.scenario)],
    ['variant', String(trace.variant)],
    ['seed', String(trace.seed)],
    ['outcome', String(trace.outcome)],
    ['checker', String(trace.verdict.checker)],
    ['virtual time', formatTimeUs(endUs)],
    ['operations', String(opCount)],
    ['events', String(trace.eventCount)],
    ['event hash', String(trace.hash)],
  ];
}

/** Fills base's cluster columns (brokers, controllers, timeline, copies, faults) from the trace. */
function pushCluster(
  base: BaseData,
  trace: Trace,
  timeline: readonly TimelineEvent[],
  logs: ReplicaLogs,
  strings: Interner,
  tps: ReturnType<typeof tpIndexer>,
): void {
  const nameOf = nodeNamer(trace);
  base.brokers = brokersOf(trace, timeline, nameOf);
  base.clusterId = trace.clusterId ?? '';
  base.controllers = (trace.nodes ?? []).filter((n) => isVoterRole(n.role)).map((n) => ({ id: n.id, name: n.name }));
  const lastHwLeo = new Map<string, [number, number]>();
  for (const e of timeline) pushTimelineEvent(e, base, strings, tps.index, lastHwLeo);
  pushRecordCopies(base, logs, strings, tps.ids);
  base.faults = faultsOf(trace, timeline);
  for (const key of ['nodeEv', 'rep', 'part', 'quorum', 'batches', 'trunc', 'seg', 'faultEv'] as const) {
    (base[key] as { t: Col }).t = deltaEncode((base[key] as { t: Col }).t);
  }
}

/** Everything a violation report draws, derived from the trace alone. */
export function buildViolationData(trace: Trace): { data: ReportData; story: Story; logs: ReplicaLogs } {
  const strings = new Interner();
  const timeline = sortTimeline(trace.timeline ?? []);
  const paired = pairOperations(trace.history ?? []);
  const logs = buildReplicaLogs(timeline);
  const story = buildStory(trace, timeline, paired, logs);
  const base = emptyData();
  const tps = tpIndexer(base);
  // Topic-partitions in order (t-0, t-1, …), so the picker lists them as Kafka does.
  const mentioned = new Map<string, { topic: string; partition: number }>();
  for (const e of [...(story.where ? [story.where] : []), ...timeline]) {
    if ('topic' in e) mentioned.set(tpName(e.topic, e.partition), { topic: e.topic, partition: e.partition });
  }
  const ordered = [...mentioned.values()].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  );
  for (const { topic, partition } of ordered) tps.index(topic, partition);

  const roles = new Map<string, string>();
  for (const op of paired.ops) {
    const owner = clientNodeOf(trace, op.process);
    if (owner) roles.set(processKey(op.process), owner.node.role);
  }
  const { lanes, ops, laneOfOp } = buildOps(paired, strings, tps.index, nodeNamer(trace), roles);
  pushCluster(base, trace, timeline, logs, strings, tps);
  const clientOf = (p: number | string) => clientNodeOf(trace, p)?.node.name ?? `process ${p}`;
  base.groups = groupsOf(paired, laneOfOp, tps.index, traceEndUs(trace, timeline), clientOf);
  if (story.focus) base.focus = focusData(story.focus, tps.index);
  base.story = story.steps.map((s) => ({
    t: s.timeUs,
    tone: s.tone,
    text: s.text,
    key: s.key,
    b: s.broker ?? -1,
    op: s.op ?? -1,
  }));

  const anomaly = primaryAnomaly(trace.verdict);
  const endUs = traceEndUs(trace, timeline);
  base.open = openingOf(story, tps.index, endUs);
  base.expected = expectedOf(anomaly);
  const headline = headlineOf(trace.verdict, anomaly);
  const data: ReportData = {
    ...base,
    mode: 'violation',
    title: `${headline.label} — ${trace.scenario} seed ${trace.seed}`,
    headline,
    summary: anomaly ? story.summary : null,
    meta: violationMeta(trace, endUs, paired.ops.length),
    config: configEntries(trace.config),
    command: String(trace.command ?? ''),
    anomalies: anomaliesOf(trace.verdict),
    strings: strings.strings,
    lanes,
    ops,
    marked: markedOps(anomaly, paired),
    startUs: 0,
    endUs,
    counts: {
      ops: paired.ops.length,
      historyEvents: trace.history?.length ?? 0,
      timelineEvents: timeline.length,
      versions: logs.versions.length,
      orphanCompletions: paired.orphanCompletions,
    },
  };
  return { data, story, logs };
}

type TimelineSink = (
  e: TimelineEvent,
  d: BaseData,
  strings: Interner,
  tpIndex: TpIndex,
  lastHwLeo: Map<string, [number, number]>,
) => void;

/**
 * Appends one timeline event to the columns. A table of handlers, one per kind (the mapped
 * type makes it exhaustive), rather than ts-pattern's match: it runs for every event.
 */
const TIMELINE_COLUMNS: {
  [K in TimelineEvent['kind']]: (
    e: Extract<TimelineEvent, { kind: K }>,
    ...rest: Parameters<TimelineSink> extends [unknown, ...infer R] ? R : never
  ) => void;
} = {
  quorum: (e, d, strings) => {
    d.quorum.t.push(e.t);
    d.quorum.node.push(e.node);
    d.quorum.role.push(strings.id(e.role));
    d.quorum.ep.push(e.epoch);
    d.quorum.leader.push(e.leaderId);
    d.quorum.hw.push(e.hw);
  },
  node: (e, d, strings) => {
    d.nodeEv.t.push(e.t);
    d.nodeEv.node.push(e.node);
    d.nodeEv.up.push(e.state === 'up' ? 1 : 0);
    d.nodeEv.cause.push(strings.id(e.cause));
  },
  replica: (e, d, _strings, tpIndex, lastHwLeo) => {
    const key = `${e.broker}/${tpName(e.topic, e.partition)}`;
    const [hw, leo] = lastHwLeo.get(key) ?? [0, 0];
    lastHwLeo.set(key, [e.hw, e.leo]);
    d.rep.t.push(e.t);
    d.rep.b.push(e.broker);
    d.rep.tp.push(tpIndex(e.topic, e.partition));
    d.rep.role.push(ROLE_CODE[e.role] ?? 0);
    d.rep.ep.push(e.leaderEpoch);
    d.rep.hw.push(e.hw - hw);
    d.rep.leo.push(e.leo - leo);
  },
  partition: (e, d, strings, tpIndex) => {
    d.part.t.push(e.t);
    d.part.tp.push(tpIndex(e.topic, e.partition));
    d.part.leader.push(e.leader);
    d.part.ep.push(e.leaderEpoch);
    d.part.pep.push(e.partitionEpoch);
    d.part.replicas.push(strings.id(e.replicas.join(',')));
    d.part.isr.push(strings.id(e.isr.join(',')));
    d.part.elr.push(strings.id((e.elr ?? []).join(',')));
  },
  truncate: (e, d, strings, tpIndex) => {
    d.trunc.t.push(e.t);
    d.trunc.b.push(e.broker);
    d.trunc.tp.push(tpIndex(e.topic, e.partition));
    d.trunc.to.push(e.toOffset);
    d.trunc.why.push(strings.id(e.reason));
  },
  fault: (e, d) => {
    d.faultEv.t.push(e.t);
    d.faultEv.id.push(e.id);
    d.faultEv.start.push(e.phase === 'start' ? 1 : 0);
  },
  // Appends are carried by batches/verVal (replica-logs.ts), log start moves as their cuts.
  append: () => undefined,
  'log-start': () => undefined,
  storage: (e, d, _strings, tpIndex) => {
    const seg = d.seg!;
    seg.t.push(e.t);
    seg.b.push(e.broker);
    seg.tp.push(tpIndex(e.topic, e.partition));
    seg.off.push(e.offset);
    seg.rp.push(SEGMENT_CHANGE_CODES[e.change]);
  },
};

const pushTimelineEvent: TimelineSink = (e, ...rest) => (TIMELINE_COLUMNS[e.kind] as TimelineSink)(e, ...rest);

export interface CheckMeta {
  /** What was checked, e.g. the history file name. */
  source?: string;
  /** Model the checker used (log, log-strict, register, cas-register, kv). */
  model?: string;
  /** The command that reproduces the check. */
  command?: string;
}

/** Client lanes only, with the linearizability counterexample (npm run check). */
export function buildCheckData(history: History, verdict: Verdict, meta: CheckMeta): ReportData {
  const strings = new Interner();
  const paired = pairOperations(history);
  const base = emptyData();
  const nameOf = (p: number | string) => `process ${p}`;
  const tpIndex = tpIndexer(base).index;
  const { lanes, ops, laneOfOp } = buildOps(paired, strings, tpIndex, nameOf, new Map());
  const anomaly = primaryAnomaly(verdict);
  const headline = headlineOf(verdict, anomaly);
  const counterexample = verdict.counterexample;
  let cex: ReportData['cex'] = null;
  if (counterexample) {
    const opOf = (historyIndex: number) => paired.opOfEvent.get(historyIndex) ?? -1;
    cex = {
      prefix: counterexample.longestPrefix.map(opOf).filter((i) => i >= 0),
      failed: opOf(counterexample.failedOp),
      reason: counterexample.reason,
      partitionKey: counterexample.partitionKey ?? null,
    };
    if (headline.status === 'violation' && !anomaly) headline.sentence = counterexample.reason;
  }
  const endUs = history.length ? history[history.length - 1].time : 0;
  base.groups = groupsOf(paired, laneOfOp, tpIndex, endUs, nameOf);
  const stats = Object.entries(verdict.stats ?? {})
    .filter(([k]) => k !== 'operations')
    .map(([k, v]): [string, string] => [k, String(v)]);
  return {
    ...base,
    mode: 'check',
    title: `${headline.label}${meta.source ? ` — ${meta.source}` : ''}`,
    headline,
    summary: null,
    meta: [
      ...(meta.source ? [['history', meta.source] as [string, string]] : []),
      ...(meta.model ? [['model', meta.model] as [string, string]] : []),
      ['checker', String(verdict.checker)],
      ['operations', String(paired.ops.length)],
      ['history events', String(history.length)],
      ['time span', formatTimeUs(endUs - (history[0]?.time ?? 0))],
      ...stats,
    ],
    config: [],
    command: meta.command ?? '',
    anomalies: anomaliesOf(verdict),
    strings: strings.strings,
    lanes,
    ops,
    marked: markedOps(anomaly, paired),
    startUs: history.length ? history[0].time : 0,
    endUs,
    open: { tp: 0, atUs: history.length ? history[0].time : 0 },
    cex,
    counts: {
      ops: paired.ops.length,
      historyEvents: history.length,
      timelineEvents: 0,
      versions: 0,
      orphanCompletions: paired.orphanCompletions,
    },
  };
}

/** The `seg.rp` column's codes (report-types.ts ReportData.seg). */
const SEGMENT_CHANGE_CODES = { segment: 0, 'recovery-point': 1, 'segment-deleted': 2 } as const;
