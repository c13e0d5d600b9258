// How fast committed KRaft metadata reaches the brokers (model/raft.ts, model/controller.ts),
// pinned against KafkaRaftClient and QuorumController: a leader's parked metadata fetches are
// answered by its flush after a drain (flushLeaderLog → fetchPurgatory.maybeComplete) or by
// their 500 ms expiry, never by a HW advance alone before 4.1 (KIP-1166 from 4.1); records wait
// in the BatchAccumulator for controller.quorum.append.linger.ms (25) before they are appended;
// a controller operation that writes nothing reaches no Raft code; the active controller
// writes a NoOpRecord every metadata.max.idle.interval.ms (KIP-835). The first tests drive one
// Raft replica by hand through a fake context (every message and timer in view); the last run
// a small cluster and watch what the active controller sends.

import { describe, expect, it } from 'vitest';
import { SeededRng } from '../../harness/rng.ts';
import type { Disk, Message, NodeContext } from '../../harness/types.ts';
import type { ModelContext } from '../../model/cluster-api.ts';
import type { ControllerRequest, ControllerResponse, RaftMessage } from '../../model/internal-protocol.ts';
import { RaftReplica } from '../../model/raft.ts';
import { TestCluster } from './helpers.ts';

type Sent = { t: number; to: number; msg: Message };
type FetchResponse = Extract<ControllerResponse, { type: 'MetadataFetchResponse' }>;
type FetchRequest = Extract<ControllerRequest, { type: 'MetadataFetchRequest' }>;

/** A node context with every message and timer in view; the disk keeps nothing. */
class FakeContext {
  nowUs = 0;
  readonly sent: Sent[] = [];
  readonly timers: Array<{ at: number; tag: unknown }> = [];
  readonly rng = new SeededRng('raft-propagation');
  readonly disk = {
    append() {},
    fsync() {},
    fsyncDir() {},
    read: () => [],
    writeFile() {},
    rename() {},
    truncate() {},
  } as unknown as Disk;
  now(): number {
    return this.nowUs;
  }
  send(to: number, msg: Message): void {
    this.sent.push({ t: this.nowUs, to, msg });
  }
  setTimer(delayUs: number, tag: unknown): number {
    this.timers.push({ at: this.nowUs + delayUs, tag });
    return this.timers.length;
  }
  emit(): void {}
  asContext(): ModelContext {
    return this as unknown as NodeContext as ModelContext;
  }
}

const LEADER = 1;
const OBSERVER = 100;

function raftTag(t: unknown): string | undefined {
  return typeof t === 'object' && t !== null ? (t as { raft?: string }).raft : undefined;
}

/** Fires the earliest pending timer whose raft tag is `kind` (the clock moves to it). */
function fire(ctx: FakeContext, raft: RaftReplica, kind: string): void {
  const i = ctx.timers.findIndex((t) => raftTag(t.tag) === kind);
  if (i < 0) throw new Error(`no ${kind} timer`);
  const [t] = ctx.timers.splice(i, 1);
  ctx.nowUs = Math.max(ctx.nowUs, t.at);
  raft.onTimer(t.tag);
}

/** Voter 1 of {1, 2, 3} elected leader by voter 2's vote, its LeaderChange at offset 0. */
function leaderOf(hwCompletesFetch: boolean, appendLingerMs = 25): { ctx: FakeContext; raft: RaftReplica } {
  const ctx = new FakeContext();
  const host = { handleCommit() {}, handleStateChange() {} };
  const raft = new RaftReplica(
    ctx.asContext(),
    {
      nodeId: LEADER,
      voters: [1, 2, 3],
      isVoter: true,
      electionTimeoutMs: 1_000,
      fetchTimeoutMs: 2_000,
      electionBackoffMaxMs: 1_000,
      requestTimeoutMs: 2_000,
      appendLingerMs,
      hwCompletesFetch,
      preVote: false,
      variant: 'correct',
    },
    host,
  );
  raft.start();
  fire(ctx, raft, 'state');
  const vote = ctx.sent.find((s) => s.to === 2 && s.msg.type === 'VoteRequest')?.msg as
    | Extract<RaftMessage, { type: 'VoteRequest' }>
    | undefined;
  if (vote === undefined) throw new Error('no vote request');
  raft.onMessage(2, {
    type: 'VoteResponse',
    error: 'NONE',
    leaderEpoch: vote.candidateEpoch,
    leaderId: -1,
    voteGranted: true,
    correlationId: vote.correlationId,
  });
  expect(raft.role).toBe('leader');
  expect(raft.log.map((e) => e.record.type)).toEqual(['LeaderChange']);
  return { ctx, raft };
}

let correlation = 0;

function fetchFrom(raft: RaftReplica, replicaId: number, fetchOffset: number, hw = 0): FetchRequest {
  const req: FetchRequest = {
    type: 'MetadataFetchRequest',
    correlationId: ++correlation,
    replicaId,
    epoch: raft.epoch,
    fetchOffset,
    lastFetchedEpoch: fetchOffset === 0 ? 0 : raft.log[fetchOffset - 1].epoch,
    maxWaitMs: 500,
    highWatermark: hw,
  };
  raft.onMessage(replicaId, req);
  return req;
}

function answersTo(ctx: FakeContext, req: FetchRequest): FetchResponse[] {
  return ctx.sent
    .filter((s) => s.msg.type === 'MetadataFetchResponse')
    .map((s) => s.msg as FetchResponse)
    .filter((m) => m.correlationId === req.correlationId);
}

describe('raft: what answers a parked metadata fetch', () => {
  it('before 4.1 a HW advance alone answers no parked fetch: the observer waits for its expiry', () => {
    const { ctx, raft } = leaderOf(false);
    // The observer reads the LeaderChange, then waits at the end of the log.
    expect(answersTo(ctx, fetchFrom(raft, OBSERVER, 0))[0].entries).toHaveLength(1);
    const parkedAtUs = ctx.nowUs;
    const parked = fetchFrom(raft, OBSERVER, 1);
    expect(answersTo(ctx, parked)).toEqual([]);
    // Voter 2 catches up: the HW passes the epoch start; its own fetch, with nothing to read, waits too.
    ctx.nowUs += 3_000;
    const voterFetch = fetchFrom(raft, 2, 1);
    expect(raft.hw).toBe(1);
    expect(answersTo(ctx, parked)).toEqual([]);
    expect(answersTo(ctx, voterFetch)).toEqual([]);
    // The parked fetch's expiry answers it (500 ms after it came), with the HW as it is then.
    fire(ctx, raft, 'fetch-expiry');
    const [answer] = answersTo(ctx, parked);
    expect(answer.highWatermark).toBe(1);
    expect(ctx.sent.find((s) => s.msg === answer)?.t).toBe(parkedAtUs + 500_000);
  });

  it('from 4.1 (KIP-1166) the HW advance answers the parked fetches and the fetch that moved it', () => {
    const { ctx, raft } = leaderOf(true);
    fetchFrom(raft, OBSERVER, 0);
    const parked = fetchFrom(raft, OBSERVER, 1);
    ctx.nowUs += 3_000;
    const voterFetch = fetchFrom(raft, 2, 1);
    expect(answersTo(ctx, parked).map((m) => m.highWatermark)).toEqual([1]);
    expect(answersTo(ctx, voterFetch).map((m) => m.highWatermark)).toEqual([1]);
  });
});

describe('raft: a fetch from behind the leader’s HW (KIP-1166: Fetch v18 carries the fetcher’s HW)', () => {
  for (const [hwCompletesFetch, answered] of [
    [false, false],
    [true, true],
  ] as const) {
    it(`${hwCompletesFetch ? 'from 4.1 is answered at once' : 'before 4.1 waits'} though it reads nothing`, () => {
      const { ctx, raft } = leaderOf(hwCompletesFetch);
      fetchFrom(raft, 2, 1);
      expect(raft.hw).toBe(1);
      // The observer got the LeaderChange before the HW moved: it fetches at the end, knowing HW 0.
      const behind = fetchFrom(raft, OBSERVER, 1, 0);
      expect(answersTo(ctx, behind).map((m) => m.highWatermark)).toEqual(answered ? [1] : []);
      // Knowing the leader's HW it waits, whatever the version.
      expect(answersTo(ctx, fetchFrom(raft, OBSERVER, 1, 1))).toEqual([]);
    });
  }
});

describe('raft: the leader appends through a BatchAccumulator that lingers 25 ms', () => {
  it('a record takes its offset at once, reaches the log and the parked fetches only after the linger', () => {
    const { ctx, raft } = leaderOf(false);
    fetchFrom(raft, OBSERVER, 0);
    const parked = fetchFrom(raft, OBSERVER, 1);
    const t0 = ctx.nowUs;
    ctx.nowUs = t0 + 10_000;
    const offset = raft.appendAsLeader({ type: 'NoOp' });
    expect(offset).toBe(1);
    expect(raft.nextOffset()).toBe(2);
    // Not in the log yet, and nothing answered: the linger timer runs from the first append.
    expect(raft.endOffset()).toBe(1);
    ctx.nowUs = t0 + 20_000;
    expect(raft.appendAsLeader({ type: 'NoOp' })).toBe(2);
    expect(answersTo(ctx, parked)).toEqual([]);
    fire(ctx, raft, 'linger');
    expect(ctx.nowUs).toBe(t0 + 35_000);
    expect(raft.endOffset()).toBe(3);
    // The drain's flush answers the parked fetch, with both records (one batch drained).
    const [answer] = answersTo(ctx, parked);
    expect(answer.entries.map((e) => e.record.type)).toEqual(['NoOp', 'NoOp']);
    expect(ctx.sent.find((s) => s.msg === answer)?.t).toBe(t0 + 35_000);
  });

  it('records still accumulated are gone when the leader loses its leadership', () => {
    const { ctx, raft } = leaderOf(false);
    raft.appendAsLeader({ type: 'NoOp' });
    // A BeginQuorumEpoch of a later epoch from voter 3: this leader follows it.
    raft.onMessage(3, { type: 'BeginQuorumEpochRequest', leaderEpoch: raft.epoch + 1, leaderId: 3 });
    expect(raft.role).toBe('follower');
    expect(raft.nextOffset()).toBe(1);
    fire(ctx, raft, 'linger');
    expect(raft.log).toHaveLength(1);
  });
});

/** Every message a node of `c` sends from now on, with its time (the simulation's send path, wrapped). */
function traceSends(c: TestCluster): Array<{ t: number; from: number; to: number; msg: Message }> {
  const trace: Array<{ t: number; from: number; to: number; msg: Message }> = [];
  const sim = c.sim as unknown as { sendFrom: (slot: { id: number }, inc: number, to: number, m: Message) => void };
  const send = sim.sendFrom.bind(sim);
  sim.sendFrom = (slot, inc, to, m) => {
    trace.push({ t: c.sim.now(), from: slot.id, to, msg: m });
    send(slot, inc, to, m);
  };
  return trace;
}

describe('controller: metadata reaches the brokers as Kafka sends it', () => {
  it('an operation that writes nothing (a routine heartbeat) answers no parked metadata fetch', () => {
    const c = new TestCluster({ config: { 'metadata.max.idle.interval.ms': 0, 'kafka.version': '3.9' } });
    c.start();
    c.runUntil(() => c.settled(), 30_000_000);
    c.runFor(5_000_000);
    const trace = traceSends(c);
    c.runFor(10_000_000);
    const controller = c.controllerIds[0];
    const heartbeats = trace.filter((s) => s.to === controller && s.msg.type === 'BrokerHeartbeatRequest');
    expect(heartbeats.length).toBeGreaterThan(10);
    // Idle: every broker's metadata fetch waits its full 500 ms, whatever the heartbeats do meanwhile.
    let answered = 0;
    for (const s of trace) {
      if (s.from !== controller || s.msg.type !== 'MetadataFetchResponse') continue;
      const r = s.msg as FetchResponse;
      const req = trace.find(
        (q) =>
          q.from === s.to &&
          q.msg.type === 'MetadataFetchRequest' &&
          (q.msg as FetchRequest).correlationId === r.correlationId,
      );
      if (req === undefined) continue;
      answered++;
      expect(r.entries).toHaveLength(0);
      expect(s.t - req.t).toBeGreaterThanOrEqual(500_000);
    }
    expect(answered).toBeGreaterThan(30);
  });

  it('the active controller writes a NoOpRecord every metadata.max.idle.interval.ms (500)', () => {
    const c = new TestCluster({});
    c.start();
    c.runUntil(() => c.settled(), 30_000_000);
    const before = c.commitLog.entries.filter((e) => e.record.type === 'NoOp').length;
    c.runFor(5_000_000);
    const noOps = c.commitLog.entries.filter((e) => e.record.type === 'NoOp').length - before;
    expect(noOps).toBe(10);
  });
});
