// The shape of the data a report page embeds (report-data.ts builds it, client/ draws it).
// Shared by the server side and the browser bundle, so it imports nothing.
//
// Encoding rules the client (client/model.ts) decodes:
// - columns named in DELTA_COLUMNS (report-data.ts) hold differences from the previous row
//   (rows are sorted by that column), so times compress to a few digits;
// - rep.hw and rep.leo are differences from the previous row of the same broker and
//   partition (they mostly grow by one);
// - -1 means "none" in every integer column that refers to a string, op, time or offset;
// - record copies ("versions") are stored in the order of the append batches that wrote
//   them: batch k wrote versions [sum of n before k, + n), at offsets first, first+1, ...

export const REPORT_DATA_FORMAT = 'gregor-report-data';

export type Col = number[];

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
  headline: {
    status: 'violation' | 'kafka-finding' | 'expected' | 'valid' | 'unknown';
    label: string;
    sentence: string;
    kind: string | null;
  };
  /** One sentence about the lost record, if there is one. */
  summary: string | null;
  meta: Array<[string, string]>;
  config: Array<[string, string]>;
  command: string;
  anomalies: Array<{
    kind: string;
    explanation: string;
    details: string;
    informational: boolean;
    expected: boolean;
    /** A dependency cycle's edges (checkers/txn.ts), each with its relation and reason. */
    cycle?: Array<{ rel: string; text: string }>;
  }>;
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
  /** The cluster id kafka-metadata-quorum.sh prints ('' when the trace has none). */
  clusterId: string;
  /** KRaft controller voters' Raft state changes: node id, role (string id), epoch, leader id, HW. */
  quorum: { t: Col; node: Col; role: Col; ep: Col; leader: Col; hw: Col };
  batches: { t: Col; b: Col; tp: Col; first: Col; n: Col; ep: Col };
  /** Value (string id) of each record copy, in batch order. */
  verVal: Col;
  /** Truncated copies: version index, time, reason (string id). */
  cut: { v: Col; t: Col; why: Col };
  trunc: { t: Col; b: Col; tp: Col; to: Col; why: Col };
  /**
   * Segments created (rp 0: at offset `off`), recovery-point moves (rp 1) and segments deleted
   * (rp 2: the one at `off`; reports from before issue 12 item 6 have none); absent in older reports.
   */
  seg?: { t: Col; b: Col; tp: Col; off: Col; rp: Col };
  faults: Array<{
    id: number;
    description: string;
    trigger: string;
    startUs: number;
    endUs: number;
    beyondPromise: boolean;
  }>;
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
  /** Where the page opens: the partition (index into tps) and moment of the violation. */
  open: { tp: number; atUs: number };
  /** Why the primary anomaly is expected: the breach of Kafka's promise (checkers/verdict.ts). */
  expected: {
    rule: string;
    explanation: string;
    atUs: number;
    event: string;
    partition: string | null;
    nodes: number[];
  } | null;
  /**
   * Consumer groups (issue 15), from the history: each assignment a member was handed (its
   * lane, from when until its next assignment or leave, the generation and partitions as tps
   * indices), and every acknowledged commit (completion time, tps index, offset).
   */
  groups?: {
    spans: Array<{
      lane: number;
      t0: number;
      t1: number;
      group: string;
      member: string;
      /** The client node's name (CLIENT-ID; HOST is "/" and it). */
      client: string;
      gen: number;
      tps: number[];
    }>;
    commits: Array<{ t: number; group: string; tp: number; offset: number }>;
  };
  /** Check reports: the linearizability counterexample in op indices. */
  cex: { prefix: number[]; failed: number; reason: string; partitionKey: string | null } | null;
  /** Figures about the data itself (the client shows them; tests read them). */
  counts: { ops: number; historyEvents: number; timelineEvents: number; versions: number; orphanCompletions: number };
}
