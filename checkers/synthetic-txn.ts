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
  const rand = mulberry32(o.seed);
  const keys = o.keys ?? 3;
  const clients = o.clients ?? 4;
  const maxRecords = o.maxRecords ?? 8;
  const logs: LogEntry[][] = Array.from({ length: keys }, () => []);
  /** txn id → 'open' | 'committed' | 'aborted' */
  const status: string[] = [];
  const history: History = [];
  const emit = (process: number, type: HistoryEvent['type'], f: string, value: unknown, seek = false): void => {
    const ev: HistoryEvent = { index: history.length, time: history.length * 10, process, type, f, value };
    if (seek) ev.seekToBeginning = true;
    history.push(ev);
  };
  const allKeys = Array.from({ length: keys }, (_, k) => k);
  const procOf = Array.from({ length: clients }, (_, c) => c);
  let nextProcess = clients;
  const position = new Map<number, number[]>();
  /** Process → the keys it consumes: half of them at random (at least one), as Jepsen assigns a few. */
  const assigned = new Map<number, number[]>();
  const start = (process: number, resumeAt?: number[], keep?: number[]): void => {
    const mine = keep ?? allKeys.filter(() => rand() < 0.5);
    if (mine.length === 0) mine.push(Math.floor(rand() * keys));
    const seek = resumeAt === undefined;
    emit(process, 'invoke', 'assign', mine, seek);
    emit(process, 'ok', 'assign', mine, seek);
    assigned.set(process, mine);
    position.set(process, resumeAt ?? new Array<number>(keys).fill(0));
  };
  for (const p of procOf) start(p);
  const pending = new Map<number, Pending>();
  let nextValue = 1;
  let done = 0;

  const poll = (pos: number[], mine: readonly number[]): Record<string, Array<[number, number]>> => {
    const out: Record<string, Array<[number, number]>> = {};
    for (const k of mine) {
      const got: Array<[number, number]> = [];
      let at = pos[k];
      const limit = 1 + Math.floor(rand() * maxRecords);
      while (at < logs[k].length && got.length < limit) {
        const e = logs[k][at];
        if (status[e.txn] === 'open') break; // the last stable offset
        if (e.value !== undefined && status[e.txn] === 'committed') got.push([at, e.value]);
        at++;
      }
      pos[k] = at;
      if (got.length > 0) out[String(k)] = got;
    }
    return out;
  };

  const runTxn = (c: number): void => {
    const process = procOf[c];
    const txn = status.length;
    status.push('open');
    const pos = position.get(process)!;
    const before = [...pos];
    const n = 1 + Math.floor(rand() * 4);
    const invokeValue: MicroOp[] = [];
    const value: MicroOp[] = [];
    const wrote = new Set<number>();
    for (let i = 0; i < n; i++) {
      if (rand() < 0.5) {
        const k = Math.floor(rand() * keys);
        const v = nextValue++;
        invokeValue.push(['send', k, v]);
        value.push(['send', k, [logs[k].length, v]]);
        logs[k].push({ value: v, txn });
        wrote.add(k);
      } else {
        invokeValue.push(['poll']);
        value.push(['poll', poll(pos, assigned.get(process)!)]);
      }
    }
    const r = rand();
    const abortRate = o.abortRate ?? 0.1;
    const type = r < abortRate ? 'fail' : r < abortRate + (o.unknownRate ?? 0.05) ? 'info' : 'ok';
    const commits = type === 'ok' || (type === 'info' && rand() < 0.5);
    status[txn] = commits ? 'committed' : 'aborted';
    for (const k of wrote) logs[k].push({ value: undefined, txn }); // the commit or abort marker
    const kinds = new Set(invokeValue.map((m) => m[0]));
    const f = kinds.size === 2 ? 'txn' : kinds.has('send') ? 'send' : 'poll';
    emit(process, 'invoke', f, invokeValue);
    if (type !== 'ok') position.set(process, before);
    pending.set(c, { process, f, invokeValue, type, value: type === 'info' ? invokeValue : value });
  };

  const complete = (c: number): void => {
    const p = pending.get(c)!;
    pending.delete(c);
    emit(p.process, p.type, p.f, p.value);
    if (p.type === 'info') {
      // a fresh client resumes where the old one's last known transaction left its consumer
      procOf[c] = nextProcess++;
      start(procOf[c], position.get(p.process), assigned.get(p.process));
    }
  };

  while (done < o.ops || pending.size > 0) {
    const c = Math.floor(rand() * clients);
    if (pending.has(c)) {
      if (o.overlap !== true || rand() < 0.5 || done >= o.ops) complete(c);
      continue;
    }
    if (done >= o.ops) continue;
    runTxn(c);
    done++;
    if (o.overlap !== true) complete(c);
  }
  return history;
}
