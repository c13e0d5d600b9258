// The general linearizability checker: Wing & Gong's search with Lowe's cache, laid out as in
// Porcupine (a doubly linked list of call and return entries; linearizing an op lifts its two
// entries out, backtracking puts them back). Built for speed from the start:
//   - states are integers (models.ts), the set of linearized ops is a bitset of 32-bit words;
//   - the cache of visited (bitset, state) pairs is an open-addressing hash table over flat
//     typed arrays, keyed by a Zobrist hash of the bitset (updated in O(1) per step) mixed
//     with the state;
//   - unknown-outcome ops have their return entry after every event, so they may be
//     linearized anywhere after their invoke, and "never" is "at the very end".
// The search is resumable (`run(steps)` continues where it stopped), so independent parts can
// be interleaved with growing step budgets and the first violation found ends the check.
// A budget (steps, cache entries) ends the search with "unknown": it never hangs.
// Assumes callPos is increasing and call/return positions are distinct history positions.

import { type CompiledPartition } from './partition.ts';

export interface SearchBudget {
  /** Search steps (loop iterations) over all parts before giving up (default 20,000,000). */
  maxSteps?: number;
  /** Cached (linearized set, state) pairs in one part before giving up (default 4,000,000). */
  maxStates?: number;
}

export const DEFAULT_MAX_STEPS = 20_000_000;
export const DEFAULT_MAX_STATES = 4_000_000;

export interface SearchResult {
  valid: boolean | 'unknown';
  steps: number;
  states: number;
  /** Partition op indices of the longest linearizable prefix found, in order. */
  longestPrefix: number[];
  /** Partition op index that could not be placed after the longest prefix; -1 if none. */
  failedOp: number;
  /** Model state after the longest prefix. */
  failedState: number;
  /** Why the search stopped without a verdict. */
  unknownReason?: string;
}

export interface Search {
  /** Continues for at most `steps` more steps; the result once finished, else undefined. */
  run(steps: number): SearchResult | undefined;
  /** Steps taken so far. */
  readonly steps: number;
  /** The answer if the search is abandoned now. */
  abandon(reason: string): SearchResult;
}

/** Deterministic 32-bit keys for the Zobrist hash (xorshift32). */
function zobristKeys(n: number, seed: number): Uint32Array {
  const keys = new Uint32Array(n);
  let x = seed >>> 0 || 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    keys[i] = x;
  }
  return keys;
}

function mixState(s: number): number {
  let h = Math.imul(s ^ 0x5bd1e995, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** The (linearized set, state) cache: open addressing over flat typed arrays. */
class StateCache {
  private tableSize = 1 << 12;
  private table = new Int32Array(this.tableSize);
  private cap = 1 << 10;
  private bits: Uint32Array;
  private state = new Int32Array(this.cap);
  private hashA = new Uint32Array(this.cap);
  private hashB = new Uint32Array(this.cap);
  size = 0;
  constructor(private readonly words: number) {
    this.bits = new Uint32Array(this.cap * words);
  }

  /** Adds (bits, state) under hashes (ha, hb); false if it was already there. */
  add(bits: Uint32Array, state: number, ha: number, hb: number): boolean {
    const W = this.words;
    const table = this.table;
    const mask = this.tableSize - 1;
    let slot = ha & mask;
    for (;;) {
      const e = table[slot];
      if (e === 0) break;
      const k = e - 1;
      if (this.hashA[k] === ha && this.hashB[k] === hb && this.state[k] === state) {
        const base = k * W;
        let w = 0;
        while (w < W && this.bits[base + w] === bits[w]) w++;
        if (w === W) return false;
      }
      slot = (slot + 1) & mask;
    }
    if (this.size === this.cap) this.grow();
    const k = this.size++;
    const base = k * W;
    for (let w = 0; w < W; w++) this.bits[base + w] = bits[w];
    this.state[k] = state;
    this.hashA[k] = ha;
    this.hashB[k] = hb;
    table[slot] = k + 1;
    if (this.size * 2 > this.tableSize) this.rehash();
    return true;
  }

  private grow(): void {
    this.cap *= 2;
    const b2 = new Uint32Array(this.cap * this.words);
    b2.set(this.bits);
    this.bits = b2;
    const s2 = new Int32Array(this.cap);
    s2.set(this.state);
    this.state = s2;
    const a2 = new Uint32Array(this.cap);
    a2.set(this.hashA);
    this.hashA = a2;
    const c2 = new Uint32Array(this.cap);
    c2.set(this.hashB);
    this.hashB = c2;
  }

  private rehash(): void {
    this.tableSize *= 2;
    const table = new Int32Array(this.tableSize);
    const mask = this.tableSize - 1;
    for (let k = 0; k < this.size; k++) {
      let slot = this.hashA[k] & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = k + 1;
    }
    this.table = table;
  }
}

// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the search state lives in the closure run() resumes
export function createSearch(p: CompiledPartition, maxStates: number = DEFAULT_MAX_STATES): Search {
  const n = p.ops.length;
  const { callPos, retPos } = p;

  // --- the entry list: 0..n-1 call of op i, n..2n-1 return of op i-n -----------------------
  const HEAD = 2 * n;
  const TAIL = 2 * n + 1;
  const next = new Int32Array(2 * n + 2);
  const prev = new Int32Array(2 * n + 2);
  const order = new Array<number>(2 * n);
  for (let i = 0; i < 2 * n; i++) order[i] = i;
  const posOf = (e: number): number => (e < n ? callPos[e] : retPos[e - n]);
  order.sort((x, y) => {
    const px = posOf(x);
    const py = posOf(y);
    if (px !== py) return px - py;
    // only unknown-outcome returns tie (all at the end): keep invoke order
    return callPos[x - n] - callPos[y - n];
  });
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = TAIL;
  prev[TAIL] = last;

  // --- search state (persisted between run() calls) --------------------------------------
  const W = Math.max(1, (n + 31) >>> 5);
  const bits = new Uint32Array(W);
  const zobA = zobristKeys(n, 0x2545f491);
  const zobB = zobristKeys(n, 0x6c8e9cf5);
  const cache = new StateCache(W);
  const stackOp = new Int32Array(n);
  const stackState = new Int32Array(n);
  let hA = 0;
  let hB = 0;
  let depth = 0;
  let state = p.init;
  let steps = 0;
  let entry = HEAD;
  let bestDepth = 0;
  let bestPrefix: number[] = [];
  let failedOp = -1;
  let failedState = p.init;
  let awaitingFailure = true;
  let fresh = true;
  let finished: SearchResult | undefined;

  const result = (valid: boolean | 'unknown', unknownReason?: string): SearchResult => {
    const r: SearchResult = {
      valid,
      steps,
      states: cache.size,
      longestPrefix: valid === true ? Array.from(stackOp.subarray(0, depth)) : bestPrefix,
      failedOp: valid === false ? failedOp : -1,
      failedState: valid === true ? state : failedState,
    };
    if (unknownReason !== undefined) r.unknownReason = unknownReason;
    return r;
  };

  const readOnly = p.readOnly;
  const stackForced = new Uint8Array(n);
  /** The op whose return comes first among those not linearized (the one that cannot wait). */
  const firstPendingReturn = (): number => {
    let x = next[HEAD];
    while (x < n) x = next[x];
    return x === TAIL ? -1 : x - n;
  };

  // biome-ignore lint/complexity/noExcessiveLinesPerFunction: hot loop: its state stays in locals
  const run = (budgetSteps: number): SearchResult | undefined => {
    if (finished !== undefined) return finished;
    const step = p.step;
    const stopAt = steps + budgetSteps;
    // hot loop on locals; written back on every exit
    let e = entry;
    let d = depth;
    let s = state;
    let ha = hA;
    let hb = hB;
    let k = steps;
    let isFresh = fresh;
    const save = (): void => {
      entry = e;
      depth = d;
      state = s;
      hA = ha;
      hB = hb;
      steps = k;
      fresh = isFresh;
    };
    for (;;) {
      if (k >= stopAt) {
        save();
        return undefined;
      }
      k++;
      // the op to linearize now: an enabled read-only op of a new configuration (forced: it
      // is linearized alone, no alternatives), else the call entry e if the model allows it
      let x = -1;
      let ns = s;
      let forced = 0;
      if (isFresh) {
        isFresh = false;
        e = next[HEAD];
        if (e === TAIL) break;
        let y = e;
        while (y < n && !(readOnly[y] === 1 && step(s, y) >= 0)) y = next[y];
        if (y < n) {
          x = y;
          forced = 1;
        }
      }
      if (x < 0 && e < n) {
        ns = step(s, e);
        if (ns < 0) {
          e = next[e];
          continue;
        }
        x = e;
      }
      if (x >= 0) {
        const w = x >>> 5;
        const m = 1 << (x & 31);
        bits[w] |= m;
        const na = (ha ^ zobA[x]) >>> 0;
        const nb = (hb ^ zobB[x]) >>> 0;
        if (cache.add(bits, ns, (na ^ mixState(ns)) >>> 0, (nb ^ Math.imul(ns + 1, 0x9e3779b1)) >>> 0)) {
          ha = na;
          hb = nb;
          stackOp[d] = x;
          stackState[d] = s;
          stackForced[d] = forced;
          d++;
          s = ns;
          // lift the call and return entries
          const r = x + n;
          next[prev[x]] = next[x];
          prev[next[x]] = prev[x];
          next[prev[r]] = next[r];
          prev[next[r]] = prev[r];
          if (d > bestDepth) {
            bestDepth = d;
            bestPrefix = Array.from(stackOp.subarray(0, d));
            awaitingFailure = true;
          }
          if (forced === 0 && cache.size > maxStates) {
            save();
            finished = result('unknown', `search budget of ${maxStates} cached states exhausted in ${p.label}`);
            return finished;
          }
          isFresh = true;
          continue;
        }
        bits[w] &= ~m;
        // already explored from here: a call tries the next entry; a forced op's configuration is dead
        if (forced === 0) {
          e = next[e];
          continue;
        }
      }
      if (e === TAIL) break;
      // a dead configuration, or the return of an op not linearized yet: backtrack
      if (awaitingFailure) {
        failedOp = firstPendingReturn();
        failedState = s;
        awaitingFailure = false;
      }
      let op: number;
      do {
        if (d === 0) {
          save();
          finished = result(false);
          return finished;
        }
        d--;
        op = stackOp[d];
        s = stackState[d];
        bits[op >>> 5] &= ~(1 << (op & 31));
        ha = (ha ^ zobA[op]) >>> 0;
        hb = (hb ^ zobB[op]) >>> 0;
        // unlift, in reverse order of the lift
        const r = op + n;
        next[prev[r]] = r;
        prev[next[r]] = r;
        next[prev[op]] = op;
        prev[next[op]] = op;
        // popping a forced read-only op means its configuration is dead too
      } while (stackForced[d] === 1);
      e = next[op];
    }
    save();
    finished = result(true);
    return finished;
  };

  return {
    run,
    get steps() {
      return steps;
    },
    abandon(reason: string): SearchResult {
      return finished ?? result('unknown', reason);
    },
  };
}
