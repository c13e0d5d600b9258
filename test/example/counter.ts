// The example system: a tiny replicated counter that runs on the simulation kernel, so the
// kernel is exercised by a real protocol before Kafka exists. It is test code, not a model.
//
// Shape: one fixed leader, followers, clients. A client sends `inc(amount)` to the leader
// and retries on a timer until it gets `inc-ok`. The leader appends the increment to its
// write-ahead log (disk file `wal`), fsyncs per the fsync policy, and replicates it with
// Raft-style appends (previous index and epoch, conflicting suffix truncated on the
// follower). An increment is committed, and acknowledged to its client with the counter's
// value, once a majority of replicas (the leader included) has it. Heartbeats are empty
// appends; followers watch for a silent leader with a timer they reset on every append.
//
// Durability: the leader's epoch lives in a checkpoint file `epoch` and its commit index in
// `commit`, both written as tmp file + fsync + atomic rename + directory fsync; a truncation
// of the WAL is committed by a directory fsync too. Recovery reads the WAL and
// drops a torn tail entry (a power loss mid-write). With the fsync policy 'always' on the
// leader, an acknowledged increment can never be lost (the leader's log is authoritative);
// with 'never', a leader power loss loses acknowledged increments, which the checks in
// scenario.ts detect — that is the point of the fault model.
//
// Assumes: node ids of replicas and clients are distinct; every handler is synchronous and
// draws randomness only from ctx.rng (unless `plant` deliberately breaks that).

import { match } from 'ts-pattern';
import { isTorn } from '../../harness/index.ts';
import type { Actor, NodeContext, NodeId, TimeUs, TimerHandle } from '../../harness/index.ts';

export type FsyncPolicy =
  | { readonly kind: 'always' }
  | { readonly kind: 'every'; readonly entries: number }
  | { readonly kind: 'never' };

/** Deliberate determinism bugs, for the determinism checker's tests. */
export type Plant = 'none' | 'math-random-payload' | 'math-random-timer';

export interface CounterConfig {
  readonly leader: NodeId;
  readonly followers: readonly NodeId[];
  readonly clients: readonly NodeId[];
  readonly fsync: FsyncPolicy;
  readonly heartbeatUs: TimeUs;
  /** A follower announces a silent leader after this long without an append. */
  readonly leaderSilenceUs: TimeUs;
  readonly checkpointIntervalUs: TimeUs;
  readonly clientRetryUs: TimeUs;
  readonly clientThinkMaxUs: TimeUs;
  readonly opsPerClient: number;
  /** Entries per append message at most. */
  readonly maxBatch: number;
  readonly plant: Plant;
}

export interface Entry {
  readonly epoch: number;
  readonly client: NodeId;
  readonly reqId: number;
  readonly amount: number;
}

export type CounterMessage =
  | { readonly type: 'inc'; readonly reqId: number; readonly amount: number; readonly nonce?: number }
  | { readonly type: 'inc-ok'; readonly reqId: number; readonly index: number; readonly value: number }
  | {
      readonly type: 'append';
      readonly epoch: number;
      readonly prevIndex: number;
      readonly prevEpoch: number;
      readonly entries: readonly Entry[];
      readonly commitIndex: number;
      readonly leaderLastIndex: number;
    }
  | { readonly type: 'append-ok'; readonly epoch: number; readonly matchIndex: number }
  | { readonly type: 'append-nack'; readonly epoch: number; readonly hintIndex: number };

type CounterTimer =
  | { readonly type: 'heartbeat' }
  | { readonly type: 'checkpoint' }
  | { readonly type: 'leader-silence' }
  | { readonly type: 'think' }
  | { readonly type: 'retry'; readonly reqId: number };

export const WAL = 'wal';
export const EPOCH_FILE = 'epoch';
export const COMMIT_FILE = 'commit';

/** Bytes an entry takes on disk (a fixed-size record). */
const ENTRY_BYTES = 32;

/** What recovery found on disk. */
export interface Recovered {
  readonly log: Entry[];
  readonly tornDropped: boolean;
}

/** Read a WAL back after a restart: drop a torn tail entry (and truncate it away). */
export function recoverWal(ctx: NodeContext<CounterMessage>): Recovered {
  const raw = ctx.disk.read(WAL);
  const log: Entry[] = [];
  let tornDropped = false;
  for (const item of raw) {
    if (isTorn(item)) {
      tornDropped = true;
      break;
    }
    log.push(item as Entry);
  }
  if (log.length < raw.length) ctx.disk.truncate(WAL, log.length);
  return { log, tornDropped };
}

/** Write a one-value checkpoint the safe way: tmp file, fsync, atomic rename. */
function writeCheckpoint(ctx: NodeContext<CounterMessage>, path: string, value: number): void {
  const tmp = `${path}.tmp`;
  ctx.disk.writeFile(tmp, [value], 8);
  ctx.disk.fsync(tmp);
  ctx.disk.rename(tmp, path);
  ctx.disk.fsyncDir('.'); // the rename is metadata: durable once the journal commits
}

function readCheckpoint(ctx: NodeContext<CounterMessage>, path: string): number {
  const entries = ctx.disk.read(path);
  return entries.length === 1 && typeof entries[0] === 'number' ? entries[0] : 0;
}

/** Applies the fsync policy after `appended` new entries. */
class WalWriter {
  private unsynced = 0;

  constructor(
    private readonly ctx: NodeContext<CounterMessage>,
    private readonly policy: FsyncPolicy,
  ) {}

  append(entry: Entry): void {
    this.ctx.disk.append(WAL, entry, ENTRY_BYTES);
    this.unsynced++;
    match(this.policy)
      .with({ kind: 'always' }, () => this.sync())
      .with({ kind: 'every' }, (p) => {
        if (this.unsynced >= p.entries) this.sync();
      })
      .with({ kind: 'never' }, () => undefined)
      .exhaustive();
  }

  sync(): void {
    this.ctx.disk.fsync(WAL);
    this.unsynced = 0;
  }
}

// ---------------------------------------------------------------------------------------

export class Leader implements Actor<CounterMessage> {
  readonly epoch: number;
  readonly log: Entry[];
  /** Counter value after each entry: values[i] = sum of amounts of log[0..i]. */
  private readonly values: number[] = [];
  commitIndex: number;
  private readonly matchIndex = new Map<NodeId, number>();
  private readonly nextIndex = new Map<NodeId, number>();
  /** Last request per client: its id and log index (1-based). */
  private readonly lastRequest = new Map<NodeId, { reqId: number; index: number }>();
  private readonly wal: WalWriter;

  constructor(
    private readonly ctx: NodeContext<CounterMessage>,
    private readonly config: CounterConfig,
  ) {
    const { log, tornDropped } = recoverWal(ctx);
    this.log = log;
    this.epoch = readCheckpoint(ctx, EPOCH_FILE) + 1;
    writeCheckpoint(ctx, EPOCH_FILE, this.epoch);
    this.commitIndex = Math.min(readCheckpoint(ctx, COMMIT_FILE), log.length);
    let value = 0;
    log.forEach((entry, i) => {
      value += entry.amount;
      this.values.push(value);
      this.lastRequest.set(entry.client, { reqId: entry.reqId, index: i + 1 });
    });
    this.wal = new WalWriter(ctx, config.fsync);
    for (const f of config.followers) {
      this.matchIndex.set(f, 0);
      this.nextIndex.set(f, log.length + 1);
    }
    ctx.emit({ kind: 'recovered', role: 'leader', entries: log.length, tornDropped, epoch: this.epoch });
    ctx.setTimer(0, { type: 'heartbeat' } satisfies CounterTimer);
    ctx.setTimer(config.checkpointIntervalUs, { type: 'checkpoint' } satisfies CounterTimer);
  }

  onMessage(from: NodeId, msg: CounterMessage): void {
    match(msg)
      .with({ type: 'inc' }, (m) => this.onInc(from, m.reqId, m.amount))
      .with({ type: 'append-ok' }, (m) => {
        if (m.epoch !== this.epoch) return;
        if (m.matchIndex > (this.matchIndex.get(from) ?? 0)) this.matchIndex.set(from, m.matchIndex);
        if (m.matchIndex + 1 > (this.nextIndex.get(from) ?? 1)) this.nextIndex.set(from, m.matchIndex + 1);
        this.advanceCommit();
        if ((this.nextIndex.get(from) ?? 1) <= this.log.length) this.replicate(from);
      })
      .with({ type: 'append-nack' }, (m) => {
        if (m.epoch !== this.epoch) return;
        this.nextIndex.set(from, Math.max(1, Math.min(m.hintIndex + 1, this.nextIndex.get(from) ?? 1)));
        this.replicate(from);
      })
      .with({ type: 'inc-ok' }, { type: 'append' }, () => {
        throw new Error(`leader got ${msg.type}, which only clients and followers receive`);
      })
      .exhaustive();
  }

  onTimer(tag: unknown): void {
    match(tag as CounterTimer)
      .with({ type: 'heartbeat' }, () => {
        for (const f of this.config.followers) this.replicate(f);
        this.ctx.setTimer(this.config.heartbeatUs, { type: 'heartbeat' } satisfies CounterTimer);
      })
      .with({ type: 'checkpoint' }, () => {
        writeCheckpoint(this.ctx, COMMIT_FILE, this.commitIndex);
        this.ctx.setTimer(this.config.checkpointIntervalUs, { type: 'checkpoint' } satisfies CounterTimer);
      })
      .with({ type: 'leader-silence' }, { type: 'think' }, { type: 'retry' }, () => {
        throw new Error(`leader got a ${(tag as CounterTimer).type} timer`);
      })
      .exhaustive();
  }

  onShutdown(): void {
    this.wal.sync();
    writeCheckpoint(this.ctx, COMMIT_FILE, this.commitIndex);
  }

  /** Counter value after the first `index` entries. */
  valueAt(index: number): number {
    return index === 0 ? 0 : this.values[index - 1];
  }

  private onInc(client: NodeId, reqId: number, amount: number): void {
    const last = this.lastRequest.get(client);
    if (last !== undefined && reqId < last.reqId) return; // a stale retry
    if (last !== undefined && reqId === last.reqId) {
      // A retry of an appended request: answer if committed, else the commit will.
      if (last.index <= this.commitIndex) this.reply(client, reqId, last.index);
      return;
    }
    const entry: Entry = { epoch: this.epoch, client, reqId, amount };
    this.log.push(entry);
    this.values.push(this.valueAt(this.log.length - 1) + amount);
    this.wal.append(entry);
    this.lastRequest.set(client, { reqId, index: this.log.length });
    for (const f of this.config.followers) {
      if (this.nextIndex.get(f) === this.log.length) this.replicate(f);
    }
    this.advanceCommit();
  }

  private replicate(follower: NodeId): void {
    const next = Math.min(this.nextIndex.get(follower) ?? 1, this.log.length + 1);
    const prevIndex = next - 1;
    const entries = this.log.slice(prevIndex, prevIndex + this.config.maxBatch);
    this.ctx.send(follower, {
      type: 'append',
      epoch: this.epoch,
      prevIndex,
      prevEpoch: prevIndex === 0 ? 0 : this.log[prevIndex - 1].epoch,
      entries,
      commitIndex: this.commitIndex,
      leaderLastIndex: this.log.length,
    });
    // Optimistic pipelining: the next append starts after what is in flight.
    this.nextIndex.set(follower, prevIndex + entries.length + 1);
  }

  private advanceCommit(): void {
    const matches = [this.log.length, ...this.config.followers.map((f) => this.matchIndex.get(f) ?? 0)];
    matches.sort((a, b) => b - a);
    const majority = Math.floor(matches.length / 2);
    const committable = matches[majority];
    if (committable <= this.commitIndex) return;
    const from = this.commitIndex;
    this.commitIndex = committable;
    this.ctx.emit({ kind: 'commit', index: committable, value: this.valueAt(committable) });
    // Answer every client whose latest request just committed.
    for (const [client, last] of this.lastRequest) {
      if (last.index > from && last.index <= committable) this.reply(client, last.reqId, last.index);
    }
  }

  private reply(client: NodeId, reqId: number, index: number): void {
    this.ctx.send(client, { type: 'inc-ok', reqId, index, value: this.valueAt(index) });
  }
}

// ---------------------------------------------------------------------------------------

export class Follower implements Actor<CounterMessage> {
  readonly log: Entry[];
  private leaderEpoch = 0;
  private silenceTimer: TimerHandle = -1;
  private heardSinceSilence = true;
  private readonly wal: WalWriter;

  constructor(
    private readonly ctx: NodeContext<CounterMessage>,
    private readonly config: CounterConfig,
  ) {
    const { log, tornDropped } = recoverWal(ctx);
    this.log = log;
    this.wal = new WalWriter(ctx, config.fsync);
    ctx.emit({ kind: 'recovered', role: 'follower', entries: log.length, tornDropped });
    this.armSilenceTimer();
  }

  onMessage(from: NodeId, msg: CounterMessage): void {
    match(msg)
      .with({ type: 'append' }, (m) => this.onAppend(from, m))
      .with({ type: 'inc' }, { type: 'inc-ok' }, { type: 'append-ok' }, { type: 'append-nack' }, () => {
        throw new Error(`follower got ${msg.type}`);
      })
      .exhaustive();
  }

  onTimer(tag: unknown): void {
    match(tag as CounterTimer)
      .with({ type: 'leader-silence' }, () => {
        this.silenceTimer = -1;
        this.ctx.emit({ kind: 'leader-silent', epoch: this.leaderEpoch });
        this.heardSinceSilence = false;
        this.armSilenceTimer();
      })
      .with({ type: 'heartbeat' }, { type: 'checkpoint' }, { type: 'think' }, { type: 'retry' }, () => {
        throw new Error(`follower got a ${(tag as CounterTimer).type} timer`);
      })
      .exhaustive();
  }

  onShutdown(): void {
    this.wal.sync();
  }

  private onAppend(leader: NodeId, m: Extract<CounterMessage, { type: 'append' }>): void {
    if (m.epoch < this.leaderEpoch) return; // an older leader incarnation
    this.leaderEpoch = m.epoch;
    this.armSilenceTimer();
    if (!this.heardSinceSilence) {
      this.heardSinceSilence = true;
      this.ctx.emit({ kind: 'leader-back', epoch: m.epoch });
    }
    if (m.prevIndex > this.log.length) {
      this.ctx.send(leader, { type: 'append-nack', epoch: m.epoch, hintIndex: this.log.length });
      return;
    }
    if (m.prevIndex > 0 && this.log[m.prevIndex - 1].epoch !== m.prevEpoch) {
      this.ctx.send(leader, { type: 'append-nack', epoch: m.epoch, hintIndex: m.prevIndex - 1 });
      return;
    }
    m.entries.forEach((entry, k) => {
      const index = m.prevIndex + k + 1;
      if (index <= this.log.length) {
        if (this.log[index - 1].epoch === entry.epoch) return; // already have it
        this.truncateTo(index - 1);
      }
      this.log.push(entry);
      this.wal.append(entry);
    });
    // The leader's log is authoritative: anything beyond its end is a stale suffix.
    if (this.log.length > m.leaderLastIndex) this.truncateTo(m.leaderLastIndex);
    this.ctx.send(leader, { type: 'append-ok', epoch: m.epoch, matchIndex: m.prevIndex + m.entries.length });
  }

  private truncateTo(length: number): void {
    this.ctx.emit({ kind: 'truncate', from: this.log.length, to: length });
    this.log.length = length;
    this.ctx.disk.truncate(WAL, length);
    // Truncation is metadata (harness/disk.ts): commit it, or a power loss brings the
    // conflicting suffix back under entries appended since.
    this.ctx.disk.fsyncDir('.');
  }

  private armSilenceTimer(): void {
    if (this.silenceTimer >= 0) this.ctx.cancelTimer(this.silenceTimer);
    let delayUs = this.config.leaderSilenceUs;
    // Deliberately broken variant: real randomness in a node (the determinism check must catch it).
    if (this.config.plant === 'math-random-timer') delayUs += Math.floor(Math.random() * 1000);
    this.silenceTimer = this.ctx.setTimer(delayUs, { type: 'leader-silence' } satisfies CounterTimer);
  }
}

// ---------------------------------------------------------------------------------------

export class Client implements Actor<CounterMessage> {
  private done = 0;
  private outstanding: { reqId: number; amount: number; retryTimer: TimerHandle } | undefined;
  private nextSeq = 0;

  constructor(
    private readonly ctx: NodeContext<CounterMessage>,
    private readonly config: CounterConfig,
  ) {
    this.think();
  }

  onMessage(_from: NodeId, msg: CounterMessage): void {
    match(msg)
      .with({ type: 'inc-ok' }, (m) => {
        const op = this.outstanding;
        if (op === undefined || m.reqId !== op.reqId) return; // a late duplicate answer
        this.ctx.cancelTimer(op.retryTimer);
        this.outstanding = undefined;
        this.done++;
        this.ctx.emit({ kind: 'ack', reqId: m.reqId, amount: op.amount, index: m.index, value: m.value });
        this.think();
      })
      .with({ type: 'inc' }, { type: 'append' }, { type: 'append-ok' }, { type: 'append-nack' }, () => {
        throw new Error(`client got ${msg.type}`);
      })
      .exhaustive();
  }

  onTimer(tag: unknown): void {
    match(tag as CounterTimer)
      .with({ type: 'think' }, () => {
        // Request ids grow across restarts: the incarnation is the major part.
        const reqId = this.ctx.incarnation * 1_000_000 + this.nextSeq++;
        const amount = this.ctx.rng.intBetween(1, 9);
        this.outstanding = { reqId, amount, retryTimer: -1 };
        this.ctx.emit({ kind: 'invoke', reqId, amount });
        this.sendOutstanding();
      })
      .with({ type: 'retry' }, (t) => {
        const op = this.outstanding;
        if (op === undefined || op.reqId !== t.reqId) throw new Error('client: a retry timer outlived its request');
        this.ctx.emit({ kind: 'retry', reqId: op.reqId });
        this.sendOutstanding();
      })
      .with({ type: 'heartbeat' }, { type: 'checkpoint' }, { type: 'leader-silence' }, () => {
        throw new Error(`client got a ${(tag as CounterTimer).type} timer`);
      })
      .exhaustive();
  }

  get completed(): number {
    return this.done;
  }

  private think(): void {
    if (this.done >= this.config.opsPerClient) return;
    this.ctx.setTimer(this.ctx.rng.intBetween(0, this.config.clientThinkMaxUs), {
      type: 'think',
    } satisfies CounterTimer);
  }

  private sendOutstanding(): void {
    const op = this.outstanding!;
    // Deliberately broken variant: real randomness in a message a node sends.
    const nonce = this.config.plant === 'math-random-payload' ? Math.random() : undefined;
    this.ctx.send(this.config.leader, {
      type: 'inc',
      reqId: op.reqId,
      amount: op.amount,
      ...(nonce === undefined ? {} : { nonce }),
    });
    op.retryTimer = this.ctx.setTimer(this.config.clientRetryUs, {
      type: 'retry',
      reqId: op.reqId,
    } satisfies CounterTimer);
  }
}
