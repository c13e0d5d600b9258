// Synthetic transactional Kafka histories in Jepsen's micro-op vocabulary (jepsen.tests.kafka),
// for property tests and the benchmark: correct by construction, so every checker must judge
// them valid. Clients run transactions of 1-4 micro-ops ([:send k v], [:poll]) against one
// log per key, as Kafka does at read_committed: a send appends at once; a poll returns, from
// the process's position, the committed records up to the first record of a transaction still
// open (the last stable offset: never its own nor another open one's); at its end a transaction
// commits (a marker follows its records) or aborts (its records and an abort marker take
// offsets no poll ever returns). Modes: `serial` (one transaction at a time, invoke to
// completion), `overlap` (each transaction runs whole at its invoke, its completion comes later,
// other operations in between) and `concurrent` (transactions open together, their micro-ops
// interleaved, so their records interleave in the logs: G0 cycles, allowed, appear).
// Each process consumes a random half of the keys, assigned (Jepsen's :assign) from the
// beginning. Completions: ok (committed, with offsets), fail (aborted; the consumer goes back to
// where the transaction began, as an application seeking back does), info (either; the process
// is replaced, as Jepsen does, by a fresh one that assigns the same keys and resumes there).
// Operations are tagged :send / :poll when made only of sends / polls (Jepsen's tag-rw).
// Deterministic for a given seed (mulberry32); values are unique integers.

import type { History, HistoryEvent } from './history.ts';
import { mulberry32 } from './synthetic.ts';

export interface SyntheticTxnOptions {
  /** Transactions, not counting assigns. */
  ops: number;
  clients?: number;
  keys?: number;
  /** Fraction of transactions that abort (completed fail). Default 0.1. */
  abortRate?: number;
  /** Fraction that end info (commit or abort, unknown to the client). Default 0.05. */
  unknownRate?: number;
  /** Most records one poll returns per key. Default 8. */
  maxRecords?: number;
  /** See the module comment. Default 'serial'. */
  mode?: 'serial' | 'overlap' | 'concurrent';
  seed: number;
}

interface LogEntry {
  value: number | undefined;
  txn: number;
}

type MicroOp = [string, ...unknown[]];

/** A transaction under way: what it was invoked with, what it did so far. */
interface Running {
  process: number;
  txn: number;
  f: string;
  invokeValue: MicroOp[];
  value: MicroOp[];
  wrote: Set<number>;
  /** The consumer's positions when it began. */
  before: number[];
  /** Micro-ops done. */
  done: number;
  /** Set at the end: the completion. */
  type?: 'ok' | 'fail' | 'info';
}

/** One correct execution; see the module comment. */
export function generateTxnHistory(o: SyntheticTxnOptions): History {
  const w = new TxnWorld(o);
  const mode = o.mode ?? 'serial';
  const running = new Map<number, Running>();
  let begun = 0;
  while (begun < o.ops || running.size > 0) {
    const c = Math.floor(w.rand() * w.clients);
    const r = running.get(c);
    if (r === undefined) {
      if (begun >= o.ops) continue;
      begun++;
      const t = w.begin(c);
      if (mode === 'concurrent') running.set(c, t);
      else {
        while (t.done < t.invokeValue.length) w.step(t);
        w.end(t);
        if (mode === 'serial') w.complete(c, t);
        else running.set(c, t);
      }
    } else if (r.type !== undefined) {
      running.delete(c);
      w.complete(c, r);
    } else if (r.done < r.invokeValue.length) w.step(r);
    else w.end(r);
  }
  return w.history;
}

/** The logs, the clients' consumers and the history being written. */
class TxnWorld {
  readonly rand: () => number;
  readonly clients: number;
  readonly history: History = [];
  private readonly keys: number;
  private readonly maxRecords: number;
  private readonly logs: LogEntry[][];
  /** txn id → 'open' | 'committed' | 'aborted' */
  private readonly status: string[] = [];
  private readonly procOf: number[];
  private nextProcess: number;
  private nextValue = 1;
  private readonly position = new Map<number, number[]>();
  /** Process → the keys it consumes: half of them at random (at least one), as Jepsen assigns a few. */
  private readonly assigned = new Map<number, number[]>();

  constructor(private readonly o: SyntheticTxnOptions) {
    this.rand = mulberry32(o.seed);
    this.keys = o.keys ?? 3;
    this.clients = o.clients ?? 4;
    this.maxRecords = o.maxRecords ?? 8;
    this.logs = Array.from({ length: this.keys }, () => []);
    this.procOf = Array.from({ length: this.clients }, (_, c) => c);
    this.nextProcess = this.clients;
    for (const p of this.procOf) this.start(p);
  }

  private emit(process: number, type: HistoryEvent['type'], f: string, value: unknown, seek = false): void {
    const ev: HistoryEvent = { index: this.history.length, time: this.history.length * 10, process, type, f, value };
    if (seek) ev.seekToBeginning = true;
    this.history.push(ev);
  }

  private start(process: number, resumeAt?: number[], keep?: number[]): void {
    const mine = keep ?? Array.from({ length: this.keys }, (_, k) => k).filter(() => this.rand() < 0.5);
    if (mine.length === 0) mine.push(Math.floor(this.rand() * this.keys));
    const seek = resumeAt === undefined;
    this.emit(process, 'invoke', 'assign', mine, seek);
    this.emit(process, 'ok', 'assign', mine, seek);
    this.assigned.set(process, mine);
    this.position.set(process, resumeAt ?? new Array<number>(this.keys).fill(0));
  }

  /** One poll at the last stable offset: committed records from the position, aborted ones and markers skipped. */
  private poll(pos: number[], mine: readonly number[]): Record<string, Array<[number, number]>> {
    const out: Record<string, Array<[number, number]>> = {};
    for (const k of mine) {
      const got: Array<[number, number]> = [];
      let at = pos[k];
      const limit = 1 + Math.floor(this.rand() * this.maxRecords);
      const log = this.logs[k];
      while (at < log.length && got.length < limit) {
        const e = log[at];
        if (this.status[e.txn] === 'open') break;
        if (e.value !== undefined && this.status[e.txn] === 'committed') got.push([at, e.value]);
        at++;
      }
      pos[k] = at;
      if (got.length > 0) out[String(k)] = got;
    }
    return out;
  }

  /** Client c begins its next transaction: the invoke. */
  begin(c: number): Running {
    const process = this.procOf[c];
    const txn = this.status.length;
    this.status.push('open');
    const invokeValue: MicroOp[] = [];
    for (let i = 1 + Math.floor(this.rand() * 4); i > 0; i--) {
      if (this.rand() < 0.5) invokeValue.push(['send', Math.floor(this.rand() * this.keys), this.nextValue++]);
      else invokeValue.push(['poll']);
    }
    const kinds = new Set(invokeValue.map((m) => m[0]));
    const f = kinds.size === 2 ? 'txn' : kinds.has('send') ? 'send' : 'poll';
    this.emit(process, 'invoke', f, invokeValue);
    const before = [...this.position.get(process)!];
    return { process, txn, f, invokeValue, value: [], wrote: new Set(), before, done: 0 };
  }

  /** Its next micro-op takes effect now. */
  step(t: Running): void {
    const m = t.invokeValue[t.done++];
    if (m[0] === 'send') {
      const k = m[1] as number;
      const v = m[2] as number;
      t.value.push(['send', k, [this.logs[k].length, v]]);
      this.logs[k].push({ value: v, txn: t.txn });
      t.wrote.add(k);
    } else {
      t.value.push(['poll', this.poll(this.position.get(t.process)!, this.assigned.get(t.process)!)]);
    }
  }

  /** It commits or aborts now (the markers); its completion is written later. */
  end(t: Running): void {
    const r = this.rand();
    const abortRate = this.o.abortRate ?? 0.1;
    t.type = r < abortRate ? 'fail' : r < abortRate + (this.o.unknownRate ?? 0.05) ? 'info' : 'ok';
    this.status[t.txn] = t.type === 'ok' || (t.type === 'info' && this.rand() < 0.5) ? 'committed' : 'aborted';
    for (const k of t.wrote) this.logs[k].push({ value: undefined, txn: t.txn }); // the commit or abort marker
    if (t.type !== 'ok') this.position.set(t.process, t.before);
  }

  complete(c: number, p: Running): void {
    this.emit(p.process, p.type!, p.f, p.type === 'info' ? p.invokeValue : p.value);
    if (p.type !== 'info') return;
    // a fresh client resumes where the old one's last known transaction left its consumer
    this.procOf[c] = this.nextProcess++;
    this.start(this.procOf[c], this.position.get(p.process), this.assigned.get(p.process));
  }
}
