// Synthetic transactional Kafka histories in Jepsen's micro-op vocabulary (jepsen.tests.kafka),
// for property tests and the benchmark: correct by construction, so every checker must judge
// them valid. Clients run transactions of 1-4 micro-ops ([:send k v], [:poll]) against one
// read_committed log per key; each transaction takes effect at one instant strictly between its
// invoke and its completion (with `overlap`, other operations' events fall in between; without,
// the execution is serial). At that instant its sends are appended and its polls return, from
// the process's position, the committed records up to the first record of a transaction still
// open (the last stable offset, i.e. never its own); then it commits (a marker follows its
// records) or aborts (its records and an abort marker take offsets no poll ever returns).
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
  /** Let operations' invokes and completions interleave (the effects stay serial). Default false. */
  overlap?: boolean;
  seed: number;
}

interface LogEntry {
  value: number | undefined;
  txn: number;
}

type MicroOp = [string, ...unknown[]];

interface Pending {
  process: number;
  f: string;
  invokeValue: MicroOp[];
  type: 'ok' | 'fail' | 'info';
  value: MicroOp[];
}

/** One correct execution; see the module comment. */
export function generateTxnHistory(o: SyntheticTxnOptions): History {
  const w = new TxnWorld(o);
  const pending = new Map<number, Pending>();
  let done = 0;
  while (done < o.ops || pending.size > 0) {
    const c = Math.floor(w.rand() * w.clients);
    const p = pending.get(c);
    if (p !== undefined) {
      if (o.overlap !== true || w.rand() < 0.5 || done >= o.ops) {
        pending.delete(c);
        w.complete(c, p);
      }
      continue;
    }
    if (done >= o.ops) continue;
    const next = w.runTxn(c);
    done++;
    if (o.overlap === true) pending.set(c, next);
    else w.complete(c, next);
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

  /** Client c's next transaction, taking effect now; its completion is returned, not yet written. */
  runTxn(c: number): Pending {
    const process = this.procOf[c];
    const txn = this.status.length;
    this.status.push('open');
    const pos = this.position.get(process)!;
    const before = [...pos];
    const invokeValue: MicroOp[] = [];
    const value: MicroOp[] = [];
    const wrote = new Set<number>();
    for (let i = 1 + Math.floor(this.rand() * 4); i > 0; i--) {
      if (this.rand() < 0.5) {
        const k = Math.floor(this.rand() * this.keys);
        const v = this.nextValue++;
        invokeValue.push(['send', k, v]);
        value.push(['send', k, [this.logs[k].length, v]]);
        this.logs[k].push({ value: v, txn });
        wrote.add(k);
      } else {
        invokeValue.push(['poll']);
        value.push(['poll', this.poll(pos, this.assigned.get(process)!)]);
      }
    }
    const r = this.rand();
    const abortRate = this.o.abortRate ?? 0.1;
    const type = r < abortRate ? 'fail' : r < abortRate + (this.o.unknownRate ?? 0.05) ? 'info' : 'ok';
    this.status[txn] = type === 'ok' || (type === 'info' && this.rand() < 0.5) ? 'committed' : 'aborted';
    for (const k of wrote) this.logs[k].push({ value: undefined, txn }); // the commit or abort marker
    const kinds = new Set(invokeValue.map((m) => m[0]));
    const f = kinds.size === 2 ? 'txn' : kinds.has('send') ? 'send' : 'poll';
    this.emit(process, 'invoke', f, invokeValue);
    if (type !== 'ok') this.position.set(process, before);
    return { process, f, invokeValue, type, value: type === 'info' ? invokeValue : value };
  }

  complete(c: number, p: Pending): void {
    this.emit(p.process, p.type, p.f, p.value);
    if (p.type !== 'info') return;
    // a fresh client resumes where the old one's last known transaction left its consumer
    this.procOf[c] = this.nextProcess++;
    this.start(this.procOf[c], this.position.get(p.process), this.assigned.get(p.process));
  }
}
