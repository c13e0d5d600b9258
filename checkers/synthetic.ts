// Synthetic Kafka histories for property tests and benchmarks: clients run against one
// correct sequential log per partition under random concurrent timing. Every operation takes
// effect at one instant strictly between its invoke and its completion (so the history is
// linearizable by construction); some end `info` (unknown outcome: a send may or may not have
// been appended, a poll returns nothing), a few sends `fail` (not appended). Polls return
// L[from, from+k) at their instant for a random k (log model) or up to the end (strict). The
// history ends, as the simulator's do, with a final read: a fresh process assigns each
// partition at offset 0 and polls it to the end. Optionally a fault is planted that a correct
// Kafka never shows: the log is truncated below an acknowledged record, which later sends
// overwrite ('overwrite') or which nothing replaces ('lose-tail').
// Deterministic for a given seed (mulberry32); values are "v<n>", unique.

import type { History, HistoryEvent } from './history.ts';

export interface SyntheticLogOptions {
  /** Client operations (sends + polls), not counting the final read. */
  ops: number;
  clients?: number;
  partitions?: number;
  /** Fraction of operations that end info. Default 0.05. */
  unknownRate?: number;
  /** Fraction of sends that end fail (not appended). Default 0.01. */
  failRate?: number;
  /** Fraction of operations that are sends. Default 0.5. */
  sendRate?: number;
  /** Most records one poll returns. Default 8. */
  maxRecords?: number;
  /** Polls return everything up to the end (or maxRecords), as log-strict requires. */
  strict?: boolean;
  /** Record maxRecords in polls (log-strict needs it when a poll is capped). */
  recordLimit?: boolean;
  /** End with the final read. Default true. */
  finalRead?: boolean;
  plant?: 'overwrite' | 'lose-tail';
  seed: number;
}

export interface SyntheticLog {
  history: History;
  /** What was planted, if anything, for test messages. */
  planted?: { partition: number; truncatedTo: number; lostValues: string[] };
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A min-heap of (time, sequence) keyed events, as parallel arrays. */
class EventHeap {
  private time: number[] = [];
  private seq: number[] = [];
  private payload: number[] = [];
  private counter = 0;
  get size(): number {
    return this.time.length;
  }
  push(t: number, p: number): void {
    const s = this.counter++;
    let i = this.time.length;
    this.time.push(t);
    this.seq.push(s);
    this.payload.push(p);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.less(parent, i)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  peekTime(): number {
    return this.time[0];
  }
  pop(): number {
    const top = this.payload[0];
    const last = this.time.length - 1;
    this.swap(0, last);
    this.time.pop();
    this.seq.pop();
    this.payload.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.time.length && this.less(l, m)) m = l;
      if (r < this.time.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }
  private less(a: number, b: number): boolean {
    return this.time[a] < this.time[b] || (this.time[a] === this.time[b] && this.seq[a] < this.seq[b]);
  }
  private swap(a: number, b: number): void {
    [this.time[a], this.time[b]] = [this.time[b], this.time[a]];
    [this.seq[a], this.seq[b]] = [this.seq[b], this.seq[a]];
    [this.payload[a], this.payload[b]] = [this.payload[b], this.payload[a]];
  }
}

const TOPIC = 't';

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: one event loop sharing the seeded random stream
export function generateLogHistory(opts: SyntheticLogOptions): SyntheticLog {
  const rand = mulberry32(opts.seed);
  const clients = opts.clients ?? 10;
  const partitions = opts.partitions ?? 1;
  const unknownRate = opts.unknownRate ?? 0.05;
  const failRate = opts.failRate ?? 0.01;
  const sendRate = opts.sendRate ?? 0.5;
  const maxRecords = opts.maxRecords ?? 8;
  const logs: string[][] = Array.from({ length: partitions }, () => []);
  const history: History = [];
  let time = 0;
  // each client slot runs as a process; one whose operation never completes (a crashed
  // client, Jepsen-style) is replaced by a fresh process id
  const procOf = Array.from({ length: clients }, (_, c) => c);
  let nextProc = clients;
  const emit = (process: number, type: HistoryEvent['type'], f: string, value: unknown, error?: string): void => {
    const ev: HistoryEvent = { index: history.length, time, process, type, f, value };
    if (error !== undefined) ev.error = error;
    history.push(ev);
  };

  // per client: the op in flight
  const kind = new Int8Array(clients); // 0 send, 1 poll
  const part = new Int32Array(clients);
  const outcome = new Int8Array(clients); // 0 ok, 1 info, 2 fail
  const sendValue: string[] = new Array(clients).fill('');
  const sendOffset = new Int32Array(clients);
  const pollFrom = new Int32Array(clients);
  let pollRecords: Array<Array<[number, string]>> = Array.from({ length: clients }, () => []);
  const position = Array.from({ length: clients }, () => new Int32Array(partitions));
  let nextValue = 0;
  let started = 0;

  // planting
  let planted: SyntheticLog['planted'];
  const plantAt = opts.plant === 'overwrite' ? Math.floor(opts.ops * (0.3 + 0.4 * rand())) : -1;
  const ackedAt: Array<Map<number, boolean>> = Array.from({ length: partitions }, () => new Map());

  const heap = new EventHeap();
  // payload: client * 4 + phase (0 invoke, 1 take effect, 2 complete)
  for (let c = 0; c < clients; c++) heap.push(Math.floor(rand() * 50), c * 4);
  while (heap.size > 0) {
    time = Math.max(time, heap.peekTime());
    const payload = heap.pop();
    const c = payload >> 2;
    const phase = payload & 3;
    if (phase === 0) {
      if (started >= opts.ops) continue;
      started++;
      if (started === plantAt) plantOverwrite();
      const p = Math.floor(rand() * partitions);
      part[c] = p;
      const r = rand();
      outcome[c] = r < unknownRate ? 1 : 0;
      if (rand() < sendRate) {
        kind[c] = 0;
        const v = `v${nextValue++}`;
        sendValue[c] = v;
        if (outcome[c] === 0 && rand() < failRate) outcome[c] = 2;
        emit(procOf[c], 'invoke', 'send', { topic: TOPIC, partition: p, key: null, value: v });
      } else {
        kind[c] = 1;
        pollFrom[c] = position[c][p];
        emit(procOf[c], 'invoke', 'poll', { topic: TOPIC, partition: p, offset: pollFrom[c] });
      }
      const d1 = 1 + Math.floor(rand() * 100);
      heap.push(time + d1, c * 4 + 1);
    } else if (phase === 1) {
      const p = part[c];
      const log = logs[p];
      if (kind[c] === 0) {
        // an info send may or may not take effect
        const applies = outcome[c] === 0 || (outcome[c] === 1 && rand() < 0.5);
        if (applies) {
          sendOffset[c] = log.length;
          log.push(sendValue[c]);
        }
      } else {
        const from = pollFrom[c];
        const avail = Math.max(0, log.length - from);
        const k = opts.strict ? Math.min(avail, maxRecords) : Math.min(avail, Math.floor(rand() * (maxRecords + 1)));
        const recs: Array<[number, string]> = [];
        for (let i = 0; i < k; i++) recs.push([from + i, log[from + i]]);
        pollRecords[c] = recs;
      }
      const d2 = 1 + Math.floor(rand() * 100);
      heap.push(time + d2, c * 4 + 2);
    } else {
      const p = part[c];
      if (kind[c] === 0) {
        if (outcome[c] === 0) {
          ackedAt[p].set(sendOffset[c], true);
          emit(procOf[c], 'ok', 'send', {
            topic: TOPIC,
            partition: p,
            key: null,
            value: sendValue[c],
            offset: sendOffset[c],
          });
        } else if (outcome[c] === 1) {
          if (rand() < 0.5)
            emit(procOf[c], 'info', 'send', { topic: TOPIC, partition: p, key: null, value: sendValue[c] }, 'timeout');
          else procOf[c] = nextProc++; // never completes
        } else {
          emit(
            procOf[c],
            'fail',
            'send',
            { topic: TOPIC, partition: p, key: null, value: sendValue[c] },
            'NOT_ENOUGH_REPLICAS',
          );
        }
      } else if (outcome[c] === 0) {
        const recs = pollRecords[c];
        const value: Record<string, unknown> = { topic: TOPIC, partition: p, offset: pollFrom[c], records: recs };
        if (opts.recordLimit) value.maxRecords = maxRecords;
        emit(procOf[c], 'ok', 'poll', value);
        position[c][p] = pollFrom[c] + recs.length;
      } else {
        emit(procOf[c], 'info', 'poll', { topic: TOPIC, partition: p, offset: pollFrom[c] }, 'timeout');
      }
      pollRecords[c] = [];
      heap.push(time + Math.floor(rand() * 20), c * 4);
    }
  }
  pollRecords = [];

  if (opts.plant === 'lose-tail') plantTail();
  if (opts.plant !== undefined && planted === undefined) plantTail();

  if (opts.finalRead !== false) {
    const reader = nextProc;
    for (let p = 0; p < partitions; p++) {
      time += 10;
      emit(reader, 'invoke', 'assign', { topic: TOPIC, partition: p, offset: 0 });
      emit(reader, 'ok', 'assign', { topic: TOPIC, partition: p, offset: 0 });
      let from = 0;
      const log = logs[p];
      for (;;) {
        time += 10;
        emit(reader, 'invoke', 'poll', { topic: TOPIC, partition: p, offset: from });
        const k = Math.min(maxRecords, log.length - from);
        const recs: Array<[number, string]> = [];
        for (let i = 0; i < k; i++) recs.push([from + i, log[from + i]]);
        time += 10;
        const value: Record<string, unknown> = { topic: TOPIC, partition: p, offset: from, records: recs };
        if (opts.recordLimit) value.maxRecords = maxRecords;
        emit(reader, 'ok', 'poll', value);
        from += k;
        if (from >= log.length) break;
      }
    }
  }
  return planted === undefined ? { history } : { history, planted };

  /** Truncates a partition below an acknowledged record; later sends overwrite it. */
  function plantOverwrite(): void {
    for (let p = 0; p < partitions; p++) {
      const acked = [...ackedAt[p].keys()].filter((o) => o < logs[p].length);
      if (acked.length === 0) continue;
      const o = acked[Math.floor(rand() * acked.length)];
      const lost = logs[p].slice(o);
      logs[p].length = o;
      planted = { partition: p, truncatedTo: o, lostValues: lost };
      return;
    }
  }

  /** Truncates the end of a partition's log below its last acknowledged record. */
  function plantTail(): void {
    for (let p = 0; p < partitions; p++) {
      const acked = [...ackedAt[p].keys()].filter((o) => o < logs[p].length).sort((a, b) => a - b);
      if (acked.length === 0) continue;
      const o = acked[Math.max(0, acked.length - 1 - Math.floor(rand() * Math.min(3, acked.length)))];
      const lost = logs[p].slice(o);
      logs[p].length = o;
      planted = { partition: p, truncatedTo: o, lostValues: lost };
      return;
    }
  }
}
