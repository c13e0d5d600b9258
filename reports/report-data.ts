// Turns a trace (or an external history and its verdict) into the compact data the report
// page embeds and draws: client operations, broker/controller states, every record copy,
// truncations, faults and the lost record's story. Columnar arrays of small integers keep a
// 100,000-operation report well under 20 MB; strings (record values, names, errors) are
// interned once in `strings` and referred to by index.
//
// Encoding rules the client (client/report.js) decodes:
// - columns named in DELTA_COLUMNS hold differences from the previous row (rows are sorted
//   by that column), so times compress to a few digits;
// - rep.hw and rep.leo are differences from the previous row of the same broker and
//   partition (they mostly grow by one);
// - -1 means "none" in every integer column that refers to a string, op, time or offset;
// - record copies ("versions") are stored in the order of the append batches that wrote
//   them: batch k wrote versions [sum of n before k, + n), at offsets first, first+1, ...
//
// Assumes the trace follows checkers/trace.ts; it depends on nothing else of the simulator.

import type { History } from '../checkers/history.ts';
import type { Trace, TimelineEvent } from '../checkers/trace.ts';
import type { Anomaly, Verdict } from '../checkers/verdict.ts';
import { clip, compareProcesses, formatTimeUs, processKey, showValue, tpName } from './format.ts';
import { pairOperations, pollOf, sendOf, type Operation, type PairedHistory } from './operations.ts';
import { buildReplicaLogs, sortTimeline, type ReplicaLogs } from './replica-logs.ts';
import { buildStory, clientNodeOf, nodeNamer, primaryAnomaly, type Story } from './story.ts';

export const REPORT_DATA_FORMAT = 'gregor-report-data';
export const REPORT_DATA_VERSION = 1;

/** Columns stored as differences from the previous row. */
export const DELTA_COLUMNS = ['ops.t0', 'nodeEv.t', 'rep.t', 'part.t', 'batches.t', 'trunc.t', 'faultEv.t'] as const;

type Col = number[];

export interface OpColumns {
  /** Lane (index into lanes). */
  lane: Col;
  /** Invoke time µs (delta-encoded). */
  t0: Col;
  /** Completion minus invoke, µs; -1 when it never completed. */
  dur: Col;
  /** 0 ok, 1 fail, 2 info, 3 never completed. */
  st: Col;
  /** Operation name (string id). */
  f: Col;
  /** Topic-partition (index into tps) or -1. */
  tp: Col;
  /** Send: the record value; other ops: the invoke value as text (string id) or -1. */
  val: Col;
  /** Send: acknowledged offset; poll: the offset it fetched from; else -1. */
  off: Col;
  /** Poll: number of records returned; else -1. */
  n: Col;
  /** Completion value as text when it adds something (poll records, register reads), or -1. */
  res: Col;
  /** Error of a fail/info completion (string id) or -1. */
  err: Col;
  /** History index of the invoke. */
  hi: Col;
}

export interface ReportData {
  format: typeof REPORT_DATA_FORMAT;
  version: number;
  mode: 'violation' | 'check';
  title: string;
  headline: { status: 'violation' | 'expected' | 'valid' | 'unknown'; label: string; sentence: string; kind: string | null };
  /** One sentence about the lost record, if there is one. */
  summary: string | null;
  meta: Array<[string, string]>;
  config: Array<[string, string]>;
  command: string;
  anomalies: Array<{ kind: string; explanation: string; details: string; informational: boolean; expected: boolean }>;
  strings: string[];
  lanes: Array<{ name: string; kind: string }>;
  ops: OpColumns;
  /** Operations the primary anomaly involves (op indices). */
  marked: number[];
  /** Time axis: first and last instant, µs. */
  startUs: number;
  endUs: number;
  tps: string[];
  /** Topic name and partition number of each tps entry. */
  tpTopic: string[];
  tpPartition: number[];
  brokers: Array<{ id: number; name: string }>;
  controllers: Array<{ id: number; name: string }>;
  nodeEv: { t: Col; node: Col; up: Col; cause: Col };
  rep: { t: Col; b: Col; tp: Col; role: Col; ep: Col; hw: Col; leo: Col };
  part: { t: Col; tp: Col; leader: Col; ep: Col; pep: Col; replicas: Col; isr: Col; elr: Col };
  batches: { t: Col; b: Col; tp: Col; first: Col; n: Col; ep: Col };
  /** Value (string id) of each record copy, in batch order. */
  verVal: Col;
  /** Truncated copies: version index, time, reason (string id). */
  cut: { v: Col; t: Col; why: Col };
  trunc: { t: Col; b: Col; tp: Col; to: Col; why: Col };
  faults: Array<{ id: number; description: string; trigger: string; startUs: number; endUs: number; beyondPromise: boolean }>;
  faultEv: { t: Col; id: Col; start: Col };
  focus: {
    tp: number;
    offset: number;
    value: string;
    sendOp: number;
    appendedAtUs: number;
    ackedAtUs: number;
    lostAtUs: number;
    lostOnBroker: number;
    copiesAtEnd: number;
    finalValue: string | null;
    producer: string | null;
  } | null;
  story: Array<{ t: number; tone: string; text: string; key: boolean; b: number; op: number }>;
  /** Check reports: the linearizability counterexample in op indices. */
  cex: { prefix: number[]; failed: number; reason: string; partitionKey: string | null } | null;
  /** Figures about the data itself (the client shows them; tests read them). */
  counts: { ops: number; historyEvents: number; timelineEvents: number; versions: number; orphanCompletions: number };
}

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
}

function buildOps(paired: PairedHistory, strings: Interner, tpIndex: (topic: string, partition: number) => number, nameOf: (p: number | string) => string, roles: Map<string, string>): OpsBuild {
  const byLane = new Map<string, { process: number | string; ops: Operation[] }>();
  for (const op of paired.ops) {
    const key = processKey(op.process);
    let lane = byLane.get(key);
    if (!lane) byLane.set(key, (lane = { process: op.process, ops: [] }));
    lane.ops.push(op);
  }
  const ordered = [...byLane.entries()].sort((a, b) => compareProcesses(a[1].process, b[1].process));
  const laneOf = new Map(ordered.map(([key], i) => [key, i]));
  const lanes = ordered.map(([key, lane]) => ({ name: nameOf(lane.process), kind: laneKind(roles.get(key), lane.ops) }));

  const ops: OpColumns = { lane: [], t0: [], dur: [], st: [], f: [], tp: [], val: [], off: [], n: [], res: [], err: [], hi: [] };
  for (const op of paired.ops) {
    const send = sendOf(op);
    const poll = send ? undefined : pollOf(op);
    ops.lane.push(laneOf.get(processKey(op.process))!);
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
  return { lanes, ops };
}

function anomalyDetails(anomaly: Anomaly): string {
  const parts: string[] = [];
  if (anomaly.topic !== undefined) parts.push(`partition ${tpName(anomaly.topic, anomaly.partition ?? 0)}`);
  if (anomaly.ops?.length) parts.push(`history index ${clipList(anomaly.ops)}`);
  if (anomaly.offsets?.length) parts.push(`offset ${clipList(anomaly.offsets)}`);
  if (anomaly.values?.length) parts.push(`value ${anomaly.values.slice(0, 5).map((x) => showValue(x, 40)).join(', ')}${anomaly.values.length > 5 ? ', …' : ''}`);
  if (anomaly.nodes?.length) parts.push(`node ${clipList(anomaly.nodes)}`);
  if (anomaly.timesUs?.length) parts.push(`at ${anomaly.timesUs.slice(0, 5).map(formatTimeUs).join(', ')}${anomaly.timesUs.length > 5 ? ', …' : ''}`);
  return parts.join(' · ');
}

function clipList(items: readonly number[]): string {
  return items.length <= 8 ? items.join(', ') : `${items.slice(0, 8).join(', ')}, … (${items.length})`;
}

const MAX_ANOMALIES = 200;

function headlineOf(verdict: Verdict, anomaly: Anomaly | undefined): ReportData['headline'] {
  const sentence =
    anomaly?.explanation ??
    (verdict.valid === true ? 'The checkers found no anomaly in this history.' : verdict.valid === 'unknown' ? 'The checker could not decide.' : 'The history is not valid.');
  if (verdict.valid === true) return { status: 'valid', label: 'No violation', sentence, kind: anomaly?.kind ?? null };
  if (verdict.valid === 'unknown') return { status: 'unknown', label: `Unknown${anomaly ? `: ${anomaly.kind}` : ''}`, sentence, kind: anomaly?.kind ?? null };
  const kind = anomaly?.kind ?? 'invalid';
  if (anomaly?.expected) return { status: 'expected', label: `Expected loss, beyond what Kafka promises: ${kind}`, sentence, kind };
  return { status: 'violation', label: `Violation: ${kind}`, sentence, kind };
}

function anomaliesOf(verdict: Verdict): ReportData['anomalies'] {
  return verdict.anomalies.slice(0, MAX_ANOMALIES).map((a) => ({
    kind: a.kind,
    explanation: a.explanation,
    details: anomalyDetails(a),
    informational: a.informational === true,
    expected: a.expected === true,
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

function emptyData(): Omit<ReportData, 'mode' | 'title' | 'headline' | 'summary' | 'meta' | 'config' | 'command' | 'anomalies' | 'strings' | 'lanes' | 'ops' | 'marked' | 'startUs' | 'endUs' | 'counts'> {
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
    batches: { t: [], b: [], tp: [], first: [], n: [], ep: [] },
    verVal: [],
    cut: { v: [], t: [], why: [] },
    trunc: { t: [], b: [], tp: [], to: [], why: [] },
    faults: [],
    faultEv: { t: [], id: [], start: [] },
    focus: null,
    story: [],
    cex: null,
  };
}

/** Everything a violation report draws, derived from the trace alone. */
export function buildViolationData(trace: Trace): { data: ReportData; story: Story; logs: ReplicaLogs } {
  const strings = new Interner();
  const timeline = sortTimeline(trace.timeline ?? []);
  const paired = pairOperations(trace.history ?? []);
  const logs = buildReplicaLogs(timeline);
  const story = buildStory(trace, timeline, paired, logs);
  const nameOf = nodeNamer(trace);
  const base = emptyData();

  // Topic-partitions, in order of first mention (the focus partition first).
  const tpIds = new Map<string, number>();
  const tpIndex = (topic: string, partition: number) => {
    const key = tpName(topic, partition);
    let id = tpIds.get(key);
    if (id === undefined) {
      id = base.tps.length;
      tpIds.set(key, id);
      base.tps.push(key);
      base.tpTopic.push(topic);
      base.tpPartition.push(partition);
    }
    return id;
  };
  if (story.focus) tpIndex(story.focus.topic, story.focus.partition);
  for (const e of timeline) if ('topic' in e) tpIndex(e.topic, e.partition);

  const roles = new Map<string, string>();
  for (const op of paired.ops) {
    const owner = clientNodeOf(trace, op.process);
    if (owner) roles.set(processKey(op.process), owner.node.role);
  }
  const { lanes, ops } = buildOps(paired, strings, tpIndex, nameOf, roles);

  // Brokers: declared ones, plus any id the timeline mentions as a broker.
  const brokerIds = new Set((trace.nodes ?? []).filter((n) => n.role === 'broker').map((n) => n.id));
  for (const e of timeline) {
    if (e.kind === 'replica' || e.kind === 'append' || e.kind === 'truncate') brokerIds.add(e.broker);
    if (e.kind === 'partition') e.replicas.forEach((r) => brokerIds.add(r));
  }
  base.brokers = [...brokerIds].sort((a, b) => a - b).map((id) => ({ id, name: nameOf(id) }));
  base.controllers = (trace.nodes ?? []).filter((n) => n.role === 'controller').map((n) => ({ id: n.id, name: n.name }));

  const lastHwLeo = new Map<string, [number, number]>();
  for (const e of timeline) {
    pushTimelineEvent(e, base, strings, tpIndex, lastHwLeo);
  }
  // Record copies in batch order; logs.versions is already in that order.
  for (const version of logs.versions) base.verVal.push(strings.id(version.value));
  logs.versions.forEach((version, i) => {
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

  // Faults: the human schedule, with times filled from the timeline when missing.
  const faultTimes = new Map<number, { start?: number; end?: number }>();
  for (const e of timeline) {
    if (e.kind !== 'fault') continue;
    const entry = faultTimes.get(e.id) ?? {};
    if (e.phase === 'start' && entry.start === undefined) entry.start = e.t;
    if (e.phase === 'end') entry.end = e.t;
    faultTimes.set(e.id, entry);
  }
  base.faults = (trace.faults ?? []).map((f) => ({
    id: f.id,
    description: f.description,
    trigger: f.trigger,
    startUs: f.startUs ?? faultTimes.get(f.id)?.start ?? -1,
    endUs: f.endUs ?? faultTimes.get(f.id)?.end ?? -1,
    beyondPromise: f.beyondPromise === true,
  }));

  const focus = story.focus;
  if (focus) {
    base.focus = {
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
  base.story = story.steps.map((s) => ({ t: s.timeUs, tone: s.tone, text: s.text, key: s.key, b: s.broker ?? -1, op: s.op ?? -1 }));
  for (const key of ['nodeEv', 'rep', 'part', 'batches', 'trunc', 'faultEv'] as const) {
    (base[key] as { t: Col }).t = deltaEncode((base[key] as { t: Col }).t);
  }

  const anomaly = primaryAnomaly(trace.verdict);
  const endUs = Math.max(
    trace.endTimeUs ?? 0,
    timeline.length ? timeline[timeline.length - 1].t : 0,
    trace.history?.length ? trace.history[trace.history.length - 1].time : 0,
  );
  const data: ReportData = {
    ...base,
    mode: 'violation',
    title: `${headlineOf(trace.verdict, anomaly).label} — ${trace.scenario} seed ${trace.seed}`,
    headline: headlineOf(trace.verdict, anomaly),
    summary: focus ? story.summary : null,
    meta: [
      ['scenario', String(trace.scenario)],
      ['variant', String(trace.variant)],
      ['seed', String(trace.seed)],
      ['outcome', String(trace.outcome)],
      ['checker', String(trace.verdict.checker)],
      ['virtual time', formatTimeUs(endUs)],
      ['operations', String(paired.ops.length)],
      ['events', String(trace.eventCount)],
      ['event hash', String(trace.hash)],
    ],
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

type TimelineSink = (e: TimelineEvent, d: ReturnType<typeof emptyData>, strings: Interner, tpIndex: (topic: string, partition: number) => number, lastHwLeo: Map<string, [number, number]>) => void;

/**
 * Appends one timeline event to the columns. A table of handlers, one per kind (the mapped
 * type makes it exhaustive), rather than ts-pattern's match: it runs for every event.
 */
const TIMELINE_COLUMNS: { [K in TimelineEvent['kind']]: (e: Extract<TimelineEvent, { kind: K }>, ...rest: Parameters<TimelineSink> extends [unknown, ...infer R] ? R : never) => void } = {
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
  // Appends are carried by batches/verVal (replica-logs.ts).
  append: () => undefined,
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
  const tpIds = new Map<string, number>();
  const tpIndex = (topic: string, partition: number) => {
    const key = tpName(topic, partition);
    let id = tpIds.get(key);
    if (id === undefined) {
      id = base.tps.length;
      tpIds.set(key, id);
      base.tps.push(key);
      base.tpTopic.push(topic);
      base.tpPartition.push(partition);
    }
    return id;
  };
  const nameOf = (p: number | string) => `process ${p}`;
  const { lanes, ops } = buildOps(paired, strings, tpIndex, nameOf, new Map());
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
    cex,
    counts: { ops: paired.ops.length, historyEvents: history.length, timelineEvents: 0, versions: 0, orphanCompletions: paired.orphanCompletions },
  };
}
