// The sequential specifications the linearizability checkers judge against, compiled to
// integer-coded states, and the P-compositional split of a history into independent parts.
//
//   register      read/write of one value; starts at `initial` (default nil).
//   cas-register  register plus cas [from, to]. A cas `fail` with error "compare-failed"
//                 (etcd logs) happened and returned false: the register did not hold `from`.
//                 Any other `fail` did not happen.
//   kv            get/put/append (and read/write/cas) per `key`, each key its own part;
//                 a key starts as "" and nil reads as "" (Porcupine's kv model).
//   log           per topic-partition a sequence L (DESIGN §5): send(v) appends v and returns
//                 its offset |L|; poll(from) returns L[from, from+k) for some k ≥ 0 (no
//                 recency promise). Records must be consecutive offsets from `from`.
//   log-strict    log, and a poll's k reaches the end of L, up to its `maxRecords` if given.
//
// What is dropped before the search: `fail` operations (they did not happen), reads of unknown
// outcome (a read has no effect), `assign` for logs. Unknown-outcome writes are kept: they
// may take effect at any point after their invoke, or never (linearized at the very end).

import type { Operation } from '../ops.ts';
import { HistoryInputError } from '../errors.ts';
import { COMPARE_FAILED } from '../readers/etcd-log.ts';
import type { HistoryEvent, PollValue, SendValue } from '../history.ts';
import { GROUP_OPS } from '../history.ts';
import { NEVER_RETURNS, type CompiledPartition } from './partition.ts';

export type ModelName = 'log' | 'log-strict' | 'register' | 'cas-register' | 'kv';
export const MODEL_NAMES: readonly ModelName[] = ['log', 'log-strict', 'register', 'cas-register', 'kv'];

export interface ModelOptions {
  /** Initial register value (register, cas-register). Default null (nil). */
  initial?: unknown;
}

export interface PreparedHistory {
  partitions: CompiledPartition[];
  /** Operations left out of the search (failed, unknown-outcome reads, assigns). */
  dropped: number;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  return typeof v === 'string' ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
}

function positions(ops: Operation[]): { callPos: Int32Array; retPos: Int32Array } {
  const callPos = new Int32Array(ops.length);
  const retPos = new Int32Array(ops.length);
  for (let i = 0; i < ops.length; i++) {
    callPos[i] = ops[i].invokePos;
    retPos[i] = ops[i].outcome === 'info' ? NEVER_RETURNS : ops[i].completePos;
  }
  return { callPos, retPos };
}

function outcomeWord(op: Operation): string {
  return op.outcome === 'ok' ? '' : op.outcome === 'info' ? ' (unknown outcome)' : ' (failed)';
}

// --- registers and kv ----------------------------------------------------------------------

const READ = 0;
const WRITE = 1;
const CAS = 2;
const CAS_FALSE = 3;
const CAS_MAYBE = 4;
const APPEND = 5;

/** Values of a register, interned by their JSON text. Appends are not supported. */
class Interner {
  private readonly ids = new Map<string, number>();
  readonly values: unknown[] = [];
  id(v: unknown): number {
    const k = v === undefined ? 'null' : JSON.stringify(v);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(k, id);
      this.values.push(v === undefined ? null : v);
    }
    return id;
  }
  show(id: number): string {
    return show(this.values[id]);
  }
}

// String states for kv, where appends make ever longer strings. A state is a node: a root
// string, or (parent state, appended argument). Nodes are interned by content, exactly: a
// polynomial hash (two 26-bit moduli, so products stay exact in doubles) finds candidates,
// and a candidate is accepted only after comparing the materialized strings. An append is
// memoized per (state, argument), so the search pays O(1) per step.
const P1 = 67108859;
const P2 = 67108837;
const B1 = 65599;
const B2 = 92821;

function hashString(s: string): [number, number] {
  let h1 = 0;
  let h2 = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = (h1 * B1 + c) % P1;
    h2 = (h2 * B2 + c) % P2;
  }
  return [h1, h2];
}

function powMod(base: number, exp: number, mod: number): number {
  let r = 1;
  let b = base % mod;
  let e = exp;
  while (e > 0) {
    if (e & 1) r = (r * b) % mod;
    b = (b * b) % mod;
    e = Math.floor(e / 2);
  }
  return r;
}

/** (a, b) → value over typed arrays (open addressing); a, b ≥ 0 integers below 2^31. */
class PairTable {
  private keyA: Int32Array;
  private keyB: Int32Array;
  private val: Int32Array;
  private mask: number;
  private size = 0;
  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.keyA = new Int32Array(n).fill(-1);
    this.keyB = new Int32Array(n);
    this.val = new Int32Array(n);
    this.mask = n - 1;
  }
  private static slot(a: number, b: number, mask: number): number {
    let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x7f4a7c15, 0x85ebca6b);
    h ^= h >>> 15;
    return h & mask;
  }
  get(a: number, b: number): number {
    let i = PairTable.slot(a, b, this.mask);
    for (;;) {
      const k = this.keyA[i];
      if (k < 0) return -1;
      if (k === a && this.keyB[i] === b) return this.val[i];
      i = (i + 1) & this.mask;
    }
  }
  set(a: number, b: number, v: number): void {
    if ((this.size + 1) * 2 > this.keyA.length) this.grow();
    let i = PairTable.slot(a, b, this.mask);
    for (;;) {
      const k = this.keyA[i];
      if (k < 0) {
        this.keyA[i] = a;
        this.keyB[i] = b;
        this.val[i] = v;
        this.size++;
        return;
      }
      if (k === a && this.keyB[i] === b) {
        this.val[i] = v;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }
  private grow(): void {
    const { keyA, keyB, val } = this;
    const n = keyA.length * 2;
    this.keyA = new Int32Array(n).fill(-1);
    this.keyB = new Int32Array(n);
    this.val = new Int32Array(n);
    this.mask = n - 1;
    this.size = 0;
    for (let i = 0; i < keyA.length; i++) if (keyA[i] >= 0) this.set(keyA[i], keyB[i], val[i]);
  }
}

/** Growable Int32Array. */
class IntList {
  data = new Int32Array(1024);
  length = 0;
  push(x: number): void {
    if (this.length === this.data.length) {
      const d2 = new Int32Array(this.data.length * 2);
      d2.set(this.data);
      this.data = d2;
    }
    this.data[this.length++] = x;
  }
}

class StringStates {
  // per state: content hashes, length, and how it was made (parent + argument, or a root)
  private readonly h1 = new IntList();
  private readonly h2 = new IntList();
  private readonly len = new IntList();
  private readonly parent = new IntList();
  private readonly arg = new IntList();
  /** Root strings (puts, reads, the initial value) by state id. */
  private readonly root = new Map<number, string>();
  /** Content hash → the first state with it; further ones chain through sameHash. */
  private readonly byHash = new PairTable();
  private readonly sameHash = new IntList();
  private readonly args: string[] = [];
  private readonly argIds = new Map<string, number>();
  private readonly argH1: number[] = [];
  private readonly argH2: number[] = [];
  private readonly argPow1: number[] = [];
  private readonly argPow2: number[] = [];
  private readonly memo = new PairTable();

  /** The state holding exactly `s`. */
  id(s: string): number {
    const [a, b] = hashString(s);
    const found = this.find(a, b, s.length, () => s);
    return found >= 0 ? found : this.add(a, b, s.length, -1, -1, s);
  }

  /** An append argument. */
  argument(s: string): number {
    let id = this.argIds.get(s);
    if (id === undefined) {
      id = this.args.length;
      this.argIds.set(s, id);
      this.args.push(s);
      const [a, b] = hashString(s);
      this.argH1.push(a);
      this.argH2.push(b);
      this.argPow1.push(powMod(B1, s.length, P1));
      this.argPow2.push(powMod(B2, s.length, P2));
    }
    return id;
  }

  append(state: number, arg: number): number {
    let r = this.memo.get(state, arg);
    if (r < 0) {
      const a = (this.h1.data[state] * this.argPow1[arg] + this.argH1[arg]) % P1;
      const b = (this.h2.data[state] * this.argPow2[arg] + this.argH2[arg]) % P2;
      const len = this.len.data[state] + this.args[arg].length;
      r = this.find(a, b, len, () => this.text(state) + this.args[arg]);
      if (r < 0) r = this.add(a, b, len, state, arg, '');
      this.memo.set(state, arg, r);
    }
    return r;
  }

  text(id: number): string {
    const parts: string[] = [];
    let node = id;
    while (this.parent.data[node] >= 0) {
      parts.push(this.args[this.arg.data[node]]);
      node = this.parent.data[node];
    }
    parts.push(this.root.get(node) ?? '');
    return parts.reverse().join('');
  }

  show(id: number): string {
    const t = this.text(id);
    return JSON.stringify(t.length > 80 ? `${t.slice(0, 36)}…${t.slice(-36)}` : t);
  }

  private find(a: number, b: number, len: number, content: () => string): number {
    let c = this.byHash.get(a, b);
    let want: string | undefined;
    while (c >= 0) {
      if (this.len.data[c] === len) {
        want ??= content();
        if (this.text(c) === want) return c;
      }
      c = this.sameHash.data[c];
    }
    return -1;
  }

  private add(a: number, b: number, len: number, parent: number, arg: number, root: string): number {
    const id = this.h1.length;
    this.h1.push(a);
    this.h2.push(b);
    this.len.push(len);
    this.parent.push(parent);
    this.arg.push(arg);
    if (parent < 0) this.root.set(id, root);
    // chain behind any state with the same hash
    this.sameHash.push(this.byHash.get(a, b));
    this.byHash.set(a, b, id);
    return id;
  }
}

type RegisterFlavour = 'register' | 'cas-register' | 'kv';

const READ_FS = new Set(['read', 'get']);
const WRITE_FS = new Set(['write', 'put']);

function isRead(f: string): boolean {
  return READ_FS.has(f);
}

/** Value of a register op: kv normalizes nil to "". */
function norm(flavour: RegisterFlavour, v: unknown): unknown {
  return flavour === 'kv' && (v === null || v === undefined) ? '' : v;
}

function casArgs(op: Operation): [unknown, unknown] {
  const v = op.invoke.value;
  if (!Array.isArray(v) || v.length !== 2) {
    throw new HistoryInputError(`cas at history index ${op.invoke.index} needs the value [from, to], got ${show(v)}`);
  }
  return [v[0], v[1]];
}

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the register flavours share one table and step
function compileRegister(flavour: RegisterFlavour, key: string, ops: Operation[], initial: unknown): CompiledPartition {
  const n = ops.length;
  const kind = new Int8Array(n);
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  const interner = flavour === 'kv' ? undefined : new Interner();
  const strings = flavour === 'kv' ? new StringStates() : undefined;
  const valueId = (v: unknown): number =>
    strings !== undefined
      ? strings.id(typeof v === 'string' ? v : v === null || v === undefined ? '' : JSON.stringify(v))
      : interner!.id(v);
  const showState = (id: number): string => (strings !== undefined ? strings.show(id) : interner!.show(id));
  const init = valueId(norm(flavour, initial));
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    if (isRead(op.f)) {
      kind[i] = READ;
      a[i] = valueId(norm(flavour, op.complete!.value));
    } else if (WRITE_FS.has(op.f)) {
      kind[i] = WRITE;
      a[i] = valueId(norm(flavour, op.invoke.value));
    } else if (op.f === 'cas') {
      const [from, to] = casArgs(op);
      kind[i] = op.outcome === 'ok' ? CAS : op.outcome === 'info' ? CAS_MAYBE : CAS_FALSE;
      a[i] = valueId(norm(flavour, from));
      b[i] = valueId(norm(flavour, to));
    } else {
      // append (kv only; checked by the caller)
      const arg = op.invoke.value;
      if (typeof arg !== 'string' || strings === undefined) {
        throw new HistoryInputError(
          `append at history index ${op.invoke.index} needs a string value, got ${show(arg)}`,
        );
      }
      kind[i] = APPEND;
      a[i] = strings.argument(arg);
    }
  }
  const noun = flavour === 'kv' ? 'the key' : 'the register';
  const readOnly = new Uint8Array(n);
  for (let i = 0; i < n; i++) readOnly[i] = kind[i] === READ || kind[i] === CAS_FALSE ? 1 : 0;
  return {
    key,
    label: flavour === 'kv' ? `key ${JSON.stringify(key)}` : 'the register',
    ops,
    ...positions(ops),
    readOnly,
    init,
    step(state: number, i: number): number {
      switch (kind[i]) {
        case READ:
          return state === a[i] ? state : -1;
        case WRITE:
          return a[i];
        case CAS:
          return state === a[i] ? b[i] : -1;
        case CAS_FALSE:
          return state !== a[i] ? state : -1;
        case CAS_MAYBE:
          return state === a[i] ? b[i] : state;
        default:
          return strings!.append(state, a[i]);
      }
    },
    explain(state: number, i: number): string {
      const held = showState(state);
      switch (kind[i]) {
        case READ:
          return `it read ${showState(a[i])} but ${noun} held ${held}`;
        case CAS:
          return `its cas expected ${showState(a[i])} but ${noun} held ${held}`;
        case CAS_FALSE:
          return `its cas comparison failed, yet ${noun} held the expected ${held}`;
        default:
          return (
            `it can be applied to ${noun} (${held}), but every order of the remaining concurrent operations ` +
            `fails later`
          );
      }
    },
    describe(i: number): string {
      const op = ops[i];
      const tail = outcomeWord(op);
      switch (kind[i]) {
        case READ:
          return (
            `process ${String(op.process)}: ${op.f}${flavour === 'kv' ? ` ${JSON.stringify(key)}` : ''} → ` +
            `${show(op.complete!.value)}`
          );
        case WRITE:
        case APPEND:
          return (
            `process ${String(op.process)}: ${op.f}${flavour === 'kv' ? ` ${JSON.stringify(key)}` : ''} ` +
            `${show(op.invoke.value)}${tail}`
          );
        case CAS_FALSE:
          return `process ${String(op.process)}: cas ${show(op.invoke.value)} → false`;
        default:
          return `process ${String(op.process)}: cas ${show(op.invoke.value)}${tail}`;
      }
    },
  };
}

// --- logs ----------------------------------------------------------------------------------

const SEND_AT = 0;
const SEND_ANY = 1;
const POLL = 2;
const POLL_BAD = 3;

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: build() and step() share the integer-coded log
function compileLog(key: string, ops: Operation[], strict: boolean): CompiledPartition {
  const n = ops.length;
  // The integer-coded model (value ids, record arrays, the trie of logs) is only needed by
  // the general search; the fast path never calls step(), so it is built on first use.
  let compiled: ReturnType<typeof build> | undefined;
  const model = (): ReturnType<typeof build> => (compiled ??= build());
  // biome-ignore lint/complexity/noExcessiveLinesPerFunction: step() and the trie share build()'s typed arrays
  function build() {
    const kind = new Int8Array(n);
    const a = new Int32Array(n); // value id (send) | from (poll)
    const b = new Int32Array(n); // offset (send at) | record count (poll)
    const recStart = new Int32Array(n);
    const limit = new Float64Array(n);
    const recValues: number[] = [];
    const valueIds = new Map<string, number>();
    const valueNames: string[] = [];
    const vid = (v: unknown): number => {
      const s = String(v);
      let id = valueIds.get(s);
      if (id === undefined) {
        id = valueNames.length;
        valueIds.set(s, id);
        valueNames.push(s);
      }
      return id;
    };
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      if (op.f === 'send') {
        const inv = op.invoke.value as SendValue;
        a[i] = vid(inv.value);
        const done = op.complete?.value as SendValue | undefined;
        if (op.outcome === 'ok' && done !== undefined && typeof done.offset === 'number') {
          kind[i] = SEND_AT;
          b[i] = done.offset;
        } else {
          kind[i] = SEND_ANY;
        }
      } else {
        const pv = op.complete!.value as PollValue;
        const records = pv.records ?? [];
        kind[i] = POLL;
        a[i] = pv.offset;
        b[i] = records.length;
        limit[i] = pv.maxRecords ?? Infinity;
        recStart[i] = recValues.length;
        for (let j = 0; j < records.length; j++) {
          if (records[j][0] !== pv.offset + j) kind[i] = POLL_BAD;
          recValues.push(vid(records[j][1]));
        }
      }
    }
    const V = Math.max(1, valueNames.length);
    // trie of logs: node 0 is the empty log
    let cap = 1024;
    let parent = new Int32Array(cap);
    let depth = new Int32Array(cap);
    let val = new Int32Array(cap);
    parent[0] = -1;
    let nodes = 1;
    const children = new Map<number, number>();
    const child = (state: number, v: number): number => {
      const k = state * V + v;
      let c = children.get(k);
      if (c === undefined) {
        if (nodes === cap) {
          cap *= 2;
          const p2 = new Int32Array(cap);
          p2.set(parent);
          parent = p2;
          const d2 = new Int32Array(cap);
          d2.set(depth);
          depth = d2;
          const v2 = new Int32Array(cap);
          v2.set(val);
          val = v2;
        }
        c = nodes++;
        parent[c] = state;
        depth[c] = depth[state] + 1;
        val[c] = v;
        children.set(k, c);
      }
      return c;
    };
    /** Value id at `offset` in the log ending at `state` (offset < depth). */
    const valueAt = (state: number, offset: number): number => {
      let node = state;
      while (depth[node] > offset + 1) node = parent[node];
      return val[node];
    };
    const pollFits = (state: number, i: number): boolean => {
      const from = a[i];
      const k = b[i];
      const len = depth[state];
      if (k > 0) {
        const last = from + k - 1;
        if (len <= last) return false;
        let node = state;
        while (depth[node] > last + 1) node = parent[node];
        const base = recStart[i];
        for (let j = k - 1; j >= 0; j--) {
          if (val[node] !== recValues[base + j]) return false;
          node = parent[node];
        }
      }
      if (strict) {
        const expectedEnd = Math.max(from, Math.min(len, from + limit[i]));
        if (from + k !== expectedEnd) return false;
      }
      return true;
    };
    return {
      step(state: number, i: number): number {
        switch (kind[i]) {
          case SEND_AT:
            return depth[state] === b[i] ? child(state, a[i]) : -1;
          case SEND_ANY:
            return child(state, a[i]);
          case POLL:
            return pollFits(state, i) ? state : -1;
          default:
            return -1;
        }
      },
      explain(state: number, i: number): string {
        const len = depth[state];
        switch (kind[i]) {
          case SEND_AT:
            return `it was acknowledged at offset ${b[i]} but the log then held ${len} record(s)`;
          case POLL_BAD:
            return `its records are not the consecutive offsets from ${a[i]} that a poll of a log returns`;
          case POLL: {
            const from = a[i];
            const k = b[i];
            if (k > 0 && len < from + k) {
              return `it returned offsets up to ${from + k - 1} but the log then ended at offset ${len - 1}`;
            }
            for (let j = 0; j < k; j++) {
              const have = valueAt(state, from + j);
              if (have !== recValues[recStart[i] + j]) {
                return (
                  `it returned ${show(valueNames[recValues[recStart[i] + j]])} at offset ${from + j} but the ` +
                  `log holds ${show(valueNames[have])} there`
                );
              }
            }
            if (strict) {
              return (
                `it returned ${k} record(s) from offset ${from} but the log then held ` +
                `${Math.max(0, len - from)} from there (log-strict)`
              );
            }
            return `it fits the log here, but every order of the remaining concurrent operations fails later`;
          }
          default:
            return `it can be applied here, but every order of the remaining concurrent operations fails later`;
        }
      },
    };
  }
  const readOnly = new Uint8Array(n);
  for (let i = 0; i < n; i++) readOnly[i] = ops[i].f === 'poll' ? 1 : 0;
  return {
    key,
    label: `partition ${key}`,
    ops,
    ...positions(ops),
    readOnly,
    init: 0,
    step(state: number, i: number): number {
      return model().step(state, i);
    },
    explain(state: number, i: number): string {
      return model().explain(state, i);
    },
    describe(i: number): string {
      return describeLogOp(ops[i].invoke, ops[i].complete);
    },
  };
}

/** "process 3: send "v7" → offset 4", "process 2: poll from 0 → [0:"v1" 1:"v2"]". */
export function describeLogOp(invoke: HistoryEvent, complete: HistoryEvent | undefined): string {
  const who = `process ${String(invoke.process)}`;
  if (invoke.f === 'send') {
    const v = (invoke.value as SendValue).value;
    const done =
      complete !== undefined && complete.type === 'ok' ? (complete.value as SendValue | undefined) : undefined;
    const at =
      done !== undefined && typeof done.offset === 'number'
        ? ` → offset ${done.offset}`
        : complete === undefined || complete.type === 'info'
          ? ' (unknown outcome)'
          : complete.type === 'fail'
            ? ' (failed)'
            : '';
    return `${who}: send ${show(String(v))}${at}`;
  }
  const pv = (complete?.value ?? invoke.value) as PollValue;
  const recs = pv.records ?? [];
  const shown = recs
    .slice(0, 4)
    .map(([o, v]) => `${o}:${show(String(v))}`)
    .join(' ');
  return `${who}: poll from ${pv.offset} → [${shown}${recs.length > 4 ? ` … ${recs.length} records` : ''}]`;
}

// --- splitting and dropping ----------------------------------------------------------------

const REGISTER_FS = new Set(['read', 'write']);
const CAS_REGISTER_FS = new Set(['read', 'write', 'cas']);
const KV_FS = new Set(['get', 'put', 'append', 'read', 'write', 'cas']);

/** Is this operation left out of the search (it cannot constrain or affect the state)? */
function dropped(model: ModelName, op: Operation): boolean {
  if (model === 'log' || model === 'log-strict') {
    if (op.f === 'assign' || GROUP_OPS.has(op.f)) return true;
    if (op.f === 'poll') return op.outcome !== 'ok';
    return op.outcome === 'fail';
  }
  if (isRead(op.f)) return op.outcome !== 'ok' || op.complete === undefined || op.complete.value === undefined;
  if (op.outcome === 'fail') return !(op.f === 'cas' && op.complete?.error === COMPARE_FAILED);
  return false;
}

function modelFs(model: ModelName): ReadonlySet<string> {
  switch (model) {
    case 'register':
      return REGISTER_FS;
    case 'cas-register':
      return CAS_REGISTER_FS;
    case 'kv':
      return KV_FS;
    default:
      return new Set(['send', 'poll', 'assign', ...GROUP_OPS]);
  }
}

/** Splits and compiles a history's operations for `model`. */
export function prepareModel(model: ModelName, ops: Operation[], opts: ModelOptions = {}): PreparedHistory {
  const fs = modelFs(model);
  const groups = new Map<string, Operation[]>();
  let droppedCount = 0;
  for (const op of ops) {
    if (!fs.has(op.f)) {
      throw new HistoryInputError(
        `operation f=${op.f} at history index ${op.invoke.index} is not part of the ${model} model (it knows ` +
          `${[...fs].join(', ')})`,
      );
    }
    if (dropped(model, op)) {
      droppedCount++;
      continue;
    }
    let key: string;
    if (model === 'kv') {
      if (op.invoke.key === undefined) {
        throw new HistoryInputError(`kv operation at history index ${op.invoke.index} has no key`);
      }
      key = typeof op.invoke.key === 'string' ? op.invoke.key : JSON.stringify(op.invoke.key);
    } else if (model === 'log' || model === 'log-strict') {
      const v = op.invoke.value as { topic: string; partition: number };
      key = `${v.topic}/${v.partition}`;
    } else {
      key = 'register';
    }
    let g = groups.get(key);
    if (g === undefined) {
      g = [];
      groups.set(key, g);
    }
    g.push(op);
  }
  const keys = [...groups.keys()].sort();
  const partitions = keys.map((key) => {
    const g = groups.get(key)!;
    switch (model) {
      case 'log':
      case 'log-strict':
        return compileLog(key, g, model === 'log-strict');
      case 'kv':
        return compileRegister('kv', key, g, '');
      default:
        return compileRegister(model, key, g, opts.initial ?? null);
    }
  });
  return { partitions, dropped: droppedCount };
}
