// A ZooKeeper ensemble server (QuorumPeer with its Leader / Follower ZooKeeperServer), as
// ZooKeeper 3.5–3.8 ran under Kafka 2.8–3.x: 1 or 3 (any odd number of) servers, sessions,
// znodes, watches, and its own durability on the kernel disk. Sources read: apache/zookeeper
// at release-3.8.4 (classes named on each rule).
//
// What of Zab is modelled:
// - Leader election (FastLeaderElection.lookForLeader): a LOOKING server proposes itself
//   with (currentEpoch, last logged zxid, id), adopts any better vote (totalOrderPredicate:
//   higher epoch, then higher zxid, then higher id), bumps its logical clock to a newer
//   election's, and decides once a quorum of the same round agrees and no better vote came
//   within finalizeWait (200 ms); servers already FOLLOWING or LEADING answer a looking one
//   with their vote, and a quorum of those (the leader among them, LEADING) lets it join.
//   Unanswered notifications are sent again after a timeout doubling from 200 ms to 60 s.
// - Discovery (Leader.getEpochToPropose, waitForEpochAck; Learner.registerWithLeader): a
//   quorum of FOLLOWERINFO gives the new epoch max(acceptedEpoch) + 1, persisted as
//   acceptedEpoch by every server that ACKEPOCHs it; a learner more recent than the leader is
//   refused. The leader gives up after initLimit × tickTime without a quorum.
// - Sync (LearnerHandler.syncFollower, Learner.syncWithLeader): the leader sends its whole
//   history (DIFF, TRUNC and SNAP collapsed into one message); the follower truncates what
//   it has beyond the common prefix (TRUNC), logs the rest, fsyncs, persists currentEpoch and
//   acks NEWLEADER. With a quorum of NEWLEADER acks the leader's whole history is committed
//   and UPTODATE lets the followers serve (Leader.waitForNewLeaderAck).
// - Broadcast (Leader.propose, processAck, tryToCommit; SyncRequestProcessor): every
//   transaction is appended to the transaction log and fsynced before its ACK is sent (the
//   leader's own ACK included: FileTxnLog.commit with zookeeper.forceSync=yes); a proposal
//   commits when a quorum acked it, in zxid order, and every server applies commits in order.
//   A refused request is an ErrorTxn with a zxid of its own (PrepRequestProcessor).
// - Liveness of the quorum: the leader pings followers every tickTime / 2 and gives up
//   leadership when fewer than a quorum have answered within syncLimit × tickTime
//   (Leader.lead "Not sufficient followers synced"); a follower that hears nothing from its
//   leader within syncLimit × tickTime (initLimit × tickTime while syncing) goes LOOKING.
// - Sessions (SessionTrackerImpl, LearnerSessionTracker, ExpiryQueue): the leader alone
//   decides expiry; followers report the sessions their clients touched with every PING
//   answer; expiry times are rounded up to the next tick; an expired session is a
//   closeSession transaction that deletes its ephemerals. A new leader gives every known
//   session a full timeout. A client reconnecting to a follower is revalidated by the leader
//   (REVALIDATE), which moves the session's owner; a write from a server that is no longer
//   the owner fails with SESSIONMOVED, which closes its connection (FinalRequestProcessor,
//   ZOOKEEPER-710). Negotiated timeouts are clamped to
//   [2, 20] × tickTime. A server refuses a client that has seen a newer zxid than its own.
// - Per-session order (CommitProcessor): a session's reads wait behind its own earlier
//   writes on the server it is connected to; reads are served from the server's own tree
//   (possibly stale: ZooKeeper's sequential consistency, no sync()).
// - Durability: the transaction log (`zookeeper/version-2/log`), `acceptedEpoch` and
//   `currentEpoch` (written to a temporary file, fsynced, renamed: AtomicFileOutputStream)
//   on the node's kernel disk; a restart replays the log (a torn tail is cut, as
//   FileTxnIterator stops at a bad checksum) and starts LOOKING.
// What is not modelled: snapshots (the log is replayed whole), observers, reconfiguration,
// local sessions, ACLs, the sync() call, quotas, containers and TTL nodes, read-only mode,
// the 4-letter words, the leader's proposal batching (every proposal is fsynced at once),
// network-level connection setup of the quorum (messages that find no receiver are lost and
// resent by their own timeouts).

import type { ModelActorFactory, ModelContext } from './cluster-api.ts';
import type { Actor, Message } from '../harness/types.ts';
import { isTorn } from '../harness/disk.ts';
import { codeProbe } from './code-probes.ts';
import { ZkConnectionEnd } from './zk-connection.ts';
import { assert } from './assert.ts';
import {
  isZkMessage,
  makeZxid,
  type ZkLogEntry,
  type ZkMessage,
  type ZkOp,
  type ZkOpResult,
  type ZkServerState,
  type ZkTxn,
  type ZkWriteOp,
  ZK_STREAM_TYPES,
} from './zk-protocol.ts';
import { ZkDataTree, ZkPrepView, type ZkApplied } from './zk-tree.ts';

/** What a server sends a client, and what a client sends a server, on their connection. */
const CLIENT_BOUND: ReadonlySet<string> = new Set([
  'ZkConnectResponse',
  'ZkResponse',
  'ZkWatchEvent',
  'ZkClientPong',
  'ZkClose',
]);
const CLIENT_SENT: ReadonlySet<string> = new Set([
  'ZkConnect',
  'ZkRequest',
  'ZkClientPing',
  'ZkSetWatches',
  'ZkClose',
  'ZkResend',
]);

/** Node ids of ZooKeeper servers: ZK_FIRST_ID + i for myid i + 1. */
const ZK_FIRST_ID = 500;

export function zkServerIds(count: number): number[] {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) ids.push(ZK_FIRST_ID + i);
  return ids;
}

/** zoo.cfg as the seeds' ensembles run it (the sample configuration's values). */
export interface ZkEnsembleConfig {
  readonly servers: readonly number[];
  /** tickTime (default 2000). */
  readonly tickTimeMs?: number;
  /** initLimit in ticks (default 10). */
  readonly initLimit?: number;
  /** syncLimit in ticks (default 5). */
  readonly syncLimit?: number;
}

const LOG = 'zookeeper/version-2/log';
const ACCEPTED_EPOCH = 'zookeeper/version-2/acceptedEpoch';
const CURRENT_EPOCH = 'zookeeper/version-2/currentEpoch';
/** FastLeaderElection.finalizeWait. */
const FINALIZE_WAIT_MS = 200;
/** FastLeaderElection.maxNotificationInterval. */
const MAX_NOTIFICATION_INTERVAL_MS = 60_000;
/** Learner.connectToLeader: a learner retries its connection every second. */
const LEARNER_RETRY_MS = 1000;

type TimerTag = { readonly zk: 'tick' } | { readonly zk: 'fle'; readonly round: number };

interface Vote {
  readonly leader: number;
  readonly zxid: number;
  readonly peerEpoch: number;
  readonly electionEpoch: number;
  readonly state: ZkServerState;
}

type FollowerPhase = 'discovery' | 'sync' | 'synced' | 'broadcast';

/** A client request waiting its turn on this server (per-session order). */
interface QueuedRequest {
  readonly client: number;
  readonly cxid: number;
  readonly op: ZkOp;
}

interface Pending {
  readonly entry: ZkLogEntry;
  readonly acks: Set<number>;
}

/** What the leader's session tracker knows of a session (SessionTrackerImpl.SessionImpl). */
interface TrackedSession {
  timeoutMs: number;
  expireAtUs: number;
  owner: number;
  closing: boolean;
}

/**
 * Instrumentation, not ZooKeeper: told of every transaction a leader commits (Leader.tryToCommit,
 * and its whole history once a quorum acked NEWLEADER), so the invariants can read ZooKeeper's
 * committed state even while no running server has applied it (model/zk-record.ts).
 */
export type ZkCommitListener = (entry: ZkLogEntry) => void;

export function createZkServer(config: ZkEnsembleConfig, onCommit?: ZkCommitListener): ModelActorFactory {
  return (ctx) => new ZkServer(ctx, config, onCommit);
}

export class ZkServer implements Actor<Message> {
  state: ZkServerState = 'looking';
  /** The leader this server follows or is (-1 while looking). */
  leaderId = -1;
  acceptedEpoch = 0;
  currentEpoch = 0;
  /** The transaction log (mirrors the disk file). */
  readonly log: ZkLogEntry[] = [];
  /** The tree this server serves from (rebuilt when it starts serving). */
  tree = new ZkDataTree();
  /** Highest zxid known committed. */
  committedZxid = 0;
  serving = false;
  /** Log entries applied to the tree. */
  private applied = 0;

  private readonly tickMs: number;
  private readonly initLimit: number;
  private readonly syncLimit: number;
  private readonly quorum: number;
  private readonly others: readonly number[];

  // FastLeaderElection
  private logicalClock = 0;
  private proposal: { leader: number; zxid: number; peerEpoch: number } = { leader: -1, zxid: 0, peerEpoch: 0 };
  private readonly recvset = new Map<number, Vote>();
  private readonly outOfElection = new Map<number, Vote>();
  private notificationTimeoutMs = FINALIZE_WAIT_MS;
  private fleRound = 0;
  private finalizing = false;
  private decidedVote: Vote | undefined;

  // Leader
  private newEpoch = -1;
  private leadStartUs = 0;
  private established = false;
  private readonly connecting = new Map<number, number>();
  private readonly epochAcks = new Set<number>();
  private readonly newLeaderAcks = new Set<number>();
  /** Followers that get proposals and commits (LearnerHandler in forwardingFollowers). */
  private readonly forwarding = new Set<number>();
  private readonly followerDeadlineUs = new Map<number, number>();
  private readonly pending: Pending[] = [];
  private counter = 0;
  private prep: ZkPrepView | undefined;
  private readonly sessions = new Map<number, TrackedSession>();

  // Follower
  private phase: FollowerPhase = 'discovery';
  private lastHeardFromLeaderUs = 0;
  private lastFollowerInfoUs = 0;
  private readonly touched = new Set<number>();
  /** Sequence numbers of the leader–learner connections (see acceptStream). */
  private toLeaderSeq = 0;
  private fromLeaderSeq = 1;
  private readonly toLearnerSeq = new Map<number, number>();
  /** This server's ends of its client connections (model/zk-connection.ts). */
  private readonly clientConns = new Map<number, ZkConnectionEnd>();
  /** The ConnectRequest being handled (acceptClientMessage → onConnect). */
  private connectingMessage: ZkMessage | undefined;
  private readonly fromLearnerSeq = new Map<number, number>();

  // Clients served here
  private readonly conns = new Map<number, number>();
  private readonly pendingConnect = new Map<number, number>();
  /** The session id a connecting client asked for (0: a new session), as its FIN names it. */
  private readonly askedSession = new Map<number, number>();
  private readonly queues = new Map<number, QueuedRequest[]>();
  private readonly inflight = new Map<number, QueuedRequest>();
  private nextSessionCounter = 0;

  constructor(
    private readonly ctx: ModelContext,
    config: ZkEnsembleConfig,
    private readonly commitListener: ZkCommitListener = () => {},
  ) {
    this.tickMs = config.tickTimeMs ?? 2000;
    this.initLimit = config.initLimit ?? 10;
    this.syncLimit = config.syncLimit ?? 5;
    this.quorum = Math.floor(config.servers.length / 2) + 1;
    this.others = config.servers.filter((s) => s !== ctx.id);
    this.recover();
    this.ctx.setTimer(this.tickMs * 500, { zk: 'tick' } satisfies TimerTag);
    this.startLooking();
  }

  /** The last zxid in the log (ZKDatabase.getDataTreeLastProcessedZxid at recovery). */
  private send(to: number, msg: ZkMessage): void {
    if (CLIENT_BOUND.has(msg.type)) {
      const conn = this.clientConns.get(to);
      this.ctx.send(to, conn === undefined ? msg : conn.stamp(msg));
      return;
    }
    if (!ZK_STREAM_TYPES.has(msg.type)) {
      this.ctx.send(to, msg);
      return;
    }
    let seq: number;
    if (this.state === 'leading') {
      seq = (this.toLearnerSeq.get(to) ?? 0) + 1;
      this.toLearnerSeq.set(to, seq);
    } else seq = ++this.toLeaderSeq;
    this.ctx.send(to, { ...msg, seq } as ZkMessage);
  }

  /**
   * A client connection is one TCP connection (NIOServerCnxn): nothing on it is lost while it
   * lives (model/zk-connection.ts: a gap is asked again, duplicates dropped). A
   * ConnectRequest opens a connection; what comes stamped with another connection's id
   * travelled on another socket, long closed here.
   */
  private acceptClientMessage(client: number, m: ZkMessage): boolean {
    if (m.type === 'ZkConnect') {
      // Opened in onConnect, once the client's previous connection is dropped.
      this.connectingMessage = m;
      return true;
    }
    const conn = this.clientConns.get(client);
    if (conn === undefined) return true;
    if (m.type === 'ZkResend') {
      if (conn.other(m)) codeProbe('zk-client-other-connection-dropped');
      else for (const r of conn.resendFrom(m.from)) this.ctx.send(client, r);
      return false;
    }
    const arrival = conn.arrive(m);
    if (arrival === 'other-connection') codeProbe('zk-client-other-connection-dropped');
    if (arrival === 'gap') {
      codeProbe('zk-client-connection-resend');
      this.ctx.send(client, conn.resendRequest());
    }
    return arrival === 'deliver';
  }

  /**
   * Learner.readPacket / LearnerHandler.run over one TCP connection: a message after a gap
   * means the connection broke (the follower goes LOOKING, the leader drops the learner);
   * one from before the current connection is ignored. FOLLOWERINFO opens a connection.
   */
  private acceptStream(from: number, m: ZkMessage): boolean {
    const seq = 'seq' in m && typeof m.seq === 'number' ? m.seq : 0;
    if (m.type === 'ZkFollowerInfo') {
      if (this.state !== 'leading') return false;
      this.toLearnerSeq.set(from, 0);
      this.fromLearnerSeq.set(from, seq + 1);
      return true;
    }
    if (this.state === 'following' && from === this.leaderId) {
      if (seq < this.fromLeaderSeq) return false;
      if (seq > this.fromLeaderSeq) {
        this.startLooking();
        return false;
      }
      this.fromLeaderSeq++;
      return true;
    }
    if (this.state === 'leading') {
      const expected = this.fromLearnerSeq.get(from);
      if (expected === undefined || seq < expected) return false;
      if (seq > expected) {
        this.dropLearner(from);
        return false;
      }
      this.fromLearnerSeq.set(from, expected + 1);
    }
    return true;
  }

  lastLoggedZxid(): number {
    return this.log.length === 0 ? 0 : this.log[this.log.length - 1].zxid;
  }

  /** Sessions the leader tracks (empty on a follower). */
  trackedSessions(): ReadonlyMap<number, { readonly owner: number; readonly closing: boolean }> {
    return this.sessions;
  }

  // =====================================================================================
  // Kernel entry points

  onMessage(from: number, msg: Message): void {
    if (!isZkMessage(msg)) return;
    this.handle(from, msg);
  }

  private handle(from: number, m: ZkMessage): void {
    if (ZK_STREAM_TYPES.has(m.type) && !this.acceptStream(from, m)) return;
    if (CLIENT_SENT.has(m.type) && !this.acceptClientMessage(from, m)) return;
    switch (m.type) {
      case 'ZkNotification':
        return this.onNotification(from, m);
      case 'ZkFollowerInfo':
        return this.onFollowerInfo(from, m.acceptedEpoch);
      case 'ZkLeaderInfo':
        return this.onLeaderInfo(from, m.newEpoch);
      case 'ZkAckEpoch':
        return this.onAckEpoch(from, m);
      case 'ZkSync':
        return this.onSync(from, m);
      case 'ZkAckNewLeader':
        return this.onAckNewLeader(from, m.newEpoch, m.lastZxid);
      case 'ZkUpToDate':
        return this.onUpToDate(from, m.newEpoch, m.committedZxid);
      case 'ZkProposal':
        return this.onProposal(from, m.epoch, m.entry);
      case 'ZkAck':
        return this.onAck(from, m.epoch, m.zxid);
      case 'ZkCommit':
        return this.onCommit(from, m.epoch, m.zxid);
      case 'ZkPing':
        return this.onPing(from, m.epoch);
      case 'ZkPingReply':
        return this.onPingReply(from, m.epoch, m.touched);
      case 'ZkForward':
        return this.onForward(from, m);
      case 'ZkRevalidate':
        return this.onRevalidate(from, m.epoch, m.sessionId, m.client);
      case 'ZkRevalidateReply':
        return this.onRevalidateReply(from, m);
      case 'ZkConnect':
        return this.onConnect(from, m.sessionId, m.timeoutMs, m.lastZxidSeen);
      case 'ZkRequest':
        return this.onRequest(from, m.sessionId, m.cxid, m.op);
      case 'ZkClientPing':
        return this.onClientPing(from, m.sessionId);
      case 'ZkSetWatches':
        return this.onSetWatches(from, m);
      case 'ZkClose':
        // A FIN on the connection of that session (a later connection from the same process stays).
        if ((this.conns.get(from) ?? this.askedSession.get(from)) === m.sessionId) this.dropConnection(from);
        return;
      case 'ZkConnectResponse':
      case 'ZkResponse':
      case 'ZkWatchEvent':
      case 'ZkClientPong':
        return;
    }
  }

  onTimer(tag: unknown): void {
    const t = tag as TimerTag;
    if (t.zk === 'tick') {
      this.ctx.setTimer(this.tickMs * 500, { zk: 'tick' } satisfies TimerTag);
      this.onTick();
    } else if (t.zk === 'fle' && t.round === this.fleRound && this.state === 'looking') {
      this.onElectionTimer();
    }
  }

  onDisconnect(peer: number): void {
    if (this.conns.has(peer) || this.pendingConnect.has(peer)) this.dropConnection(peer);
    if (this.state === 'following' && peer === this.leaderId) this.startLooking();
    else if (this.state === 'leading' && this.forwarding.has(peer)) this.dropLearner(peer);
  }

  // =====================================================================================
  // Leader election (FastLeaderElection)

  private startLooking(): void {
    if (this.state !== 'looking' || this.serving) this.stopServing();
    this.state = 'looking';
    this.leaderId = -1;
    this.resetLeaderState();
    this.logicalClock++;
    this.proposal = { leader: this.ctx.id, zxid: this.lastLoggedZxid(), peerEpoch: this.currentEpoch };
    this.recvset.clear();
    this.outOfElection.clear();
    this.notificationTimeoutMs = FINALIZE_WAIT_MS;
    this.recordOwnVote();
    this.sendNotifications();
    this.checkElection();
    if (this.state === 'looking') this.armElectionTimer(this.notificationTimeoutMs);
  }

  private armElectionTimer(ms: number): void {
    this.fleRound++;
    this.ctx.setTimer(ms * 1000, { zk: 'fle', round: this.fleRound } satisfies TimerTag);
  }

  private onElectionTimer(): void {
    if (this.finalizing) {
      this.decide(this.proposal, this.logicalClock);
      return;
    }
    // lookForLeader: no notification in time: send again, and wait twice as long.
    this.sendNotifications();
    this.notificationTimeoutMs = Math.min(this.notificationTimeoutMs * 2, MAX_NOTIFICATION_INTERVAL_MS);
    this.armElectionTimer(this.notificationTimeoutMs);
  }

  private myVote(): Vote {
    if (this.state === 'looking') return { ...this.proposal, electionEpoch: this.logicalClock, state: 'looking' };
    return this.decidedVote ?? { ...this.proposal, electionEpoch: this.logicalClock, state: this.state };
  }

  private notify(to: number): void {
    const v = this.myVote();
    const { leader, zxid, peerEpoch, electionEpoch } = v;
    this.send(to, { type: 'ZkNotification', leader, zxid, peerEpoch, electionEpoch, state: this.state });
  }

  private sendNotifications(): void {
    for (const s of this.others) this.notify(s);
  }

  private recordOwnVote(): void {
    this.recvset.set(this.ctx.id, { ...this.proposal, electionEpoch: this.logicalClock, state: 'looking' });
  }

  /** FastLeaderElection.totalOrderPredicate. */
  private static better(
    a: { leader: number; zxid: number; peerEpoch: number },
    b: { leader: number; zxid: number; peerEpoch: number },
  ): boolean {
    return (
      a.peerEpoch > b.peerEpoch ||
      (a.peerEpoch === b.peerEpoch && (a.zxid > b.zxid || (a.zxid === b.zxid && a.leader > b.leader)))
    );
  }

  private onNotification(from: number, n: Extract<ZkMessage, { type: 'ZkNotification' }>): void {
    if (this.state !== 'looking') {
      // WorkerReceiver: a looking peer is told the current vote.
      if (n.state === 'looking') this.notify(from);
      return;
    }
    const vote: Vote = {
      leader: n.leader,
      zxid: n.zxid,
      peerEpoch: n.peerEpoch,
      electionEpoch: n.electionEpoch,
      state: n.state,
    };
    if (n.state === 'looking') {
      const init = { leader: this.ctx.id, zxid: this.lastLoggedZxid(), peerEpoch: this.currentEpoch };
      if (n.electionEpoch > this.logicalClock) {
        this.logicalClock = n.electionEpoch;
        this.recvset.clear();
        this.proposal = ZkServer.better(vote, init) ? { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch } : init;
        this.finalizing = false;
        this.recordOwnVote();
        this.sendNotifications();
      } else if (n.electionEpoch < this.logicalClock) {
        this.notify(from);
        return;
      } else if (ZkServer.better(vote, this.proposal)) {
        this.proposal = { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch };
        this.finalizing = false;
        this.recordOwnVote();
        this.sendNotifications();
      }
      this.recvset.set(from, vote);
    } else {
      if (n.electionEpoch === this.logicalClock) this.recvset.set(from, vote);
      this.outOfElection.set(from, vote);
    }
    this.checkElection();
  }

  private checkElection(): void {
    // A quorum of the current round on our proposal: finalize after finalizeWait.
    const agree = [...this.recvset.values()].filter(
      (v) =>
        v.electionEpoch === this.logicalClock &&
        v.leader === this.proposal.leader &&
        v.zxid === this.proposal.zxid &&
        v.peerEpoch === this.proposal.peerEpoch,
    ).length;
    if (agree >= this.quorum && !this.finalizing) {
      if (this.quorum === 1 && this.others.length === 0) {
        this.decide(this.proposal, this.logicalClock);
        return;
      }
      this.finalizing = true;
      this.armElectionTimer(FINALIZE_WAIT_MS);
      return;
    }
    // Servers already following a leader: join when a quorum of them names it (leader LEADING).
    const byLeader = new Map<number, number>();
    for (const v of this.outOfElection.values()) byLeader.set(v.leader, (byLeader.get(v.leader) ?? 0) + 1);
    for (const [leader, count] of byLeader) {
      if (leader === this.ctx.id) continue;
      if (count >= this.quorum && this.outOfElection.get(leader)?.state === 'leading') {
        const v = this.outOfElection.get(leader) as Vote;
        this.logicalClock = v.electionEpoch;
        this.decide(v, v.electionEpoch);
        return;
      }
    }
  }

  /** The end of lookForLeader: `vote` is the vote decided on (endVote). */
  private decide(vote: { leader: number; zxid: number; peerEpoch: number }, electionEpoch: number): void {
    const leader = vote.leader;
    this.finalizing = false;
    this.fleRound++;
    this.leaderId = leader;
    const state = leader === this.ctx.id ? 'leading' : 'following';
    this.decidedVote = { leader, zxid: vote.zxid, peerEpoch: vote.peerEpoch, electionEpoch, state };
    if (leader === this.ctx.id) this.lead();
    else this.follow();
  }

  // =====================================================================================
  // Leader: discovery, sync, broadcast (Leader, LearnerHandler)

  private resetLeaderState(): void {
    this.newEpoch = -1;
    this.established = false;
    this.connecting.clear();
    this.epochAcks.clear();
    this.newLeaderAcks.clear();
    this.forwarding.clear();
    this.followerDeadlineUs.clear();
    this.toLearnerSeq.clear();
    this.fromLearnerSeq.clear();
    this.pending.length = 0;
    this.prep = undefined;
    this.sessions.clear();
    this.touched.clear();
  }

  private lead(): void {
    this.state = 'leading';
    this.leadStartUs = this.ctx.now();
    this.connecting.set(this.ctx.id, this.acceptedEpoch);
    this.maybeProposeEpoch();
  }

  private onFollowerInfo(from: number, acceptedEpoch: number): void {
    if (this.state !== 'leading') return;
    this.followerDeadlineUs.set(from, this.ctx.now() + this.initLimit * this.tickMs * 1000);
    if (this.newEpoch < 0) {
      this.connecting.set(from, acceptedEpoch);
      this.maybeProposeEpoch();
    } else {
      // A new LearnerHandler for this learner: whatever the old one had is gone.
      this.forwarding.delete(from);
      this.epochAcks.delete(from);
      this.newLeaderAcks.delete(from);
      this.followerDeadlineUs.set(from, this.ctx.now() + this.initLimit * this.tickMs * 1000);
      this.send(from, { type: 'ZkLeaderInfo', newEpoch: this.newEpoch });
    }
  }

  /** Leader.getEpochToPropose: a quorum connected gives max(acceptedEpoch) + 1. */
  private maybeProposeEpoch(): void {
    if (this.newEpoch >= 0 || this.connecting.size < this.quorum) return;
    this.newEpoch = Math.max(...this.connecting.values()) + 1;
    this.acceptedEpoch = this.newEpoch;
    this.writeEpoch(ACCEPTED_EPOCH, this.newEpoch);
    this.epochAcks.add(this.ctx.id);
    for (const s of this.connecting.keys()) {
      if (s !== this.ctx.id) this.send(s, { type: 'ZkLeaderInfo', newEpoch: this.newEpoch });
    }
    this.maybeSync();
  }

  private onAckEpoch(from: number, m: Extract<ZkMessage, { type: 'ZkAckEpoch' }>): void {
    if (this.state !== 'leading' || m.newEpoch !== this.newEpoch) return;
    // Leader.waitForEpochAck: a learner more recent than the leader is refused.
    const mine = { leader: 0, peerEpoch: this.currentEpoch, zxid: this.lastLoggedZxid() };
    if (ZkServer.better({ leader: 0, peerEpoch: m.currentEpoch, zxid: m.lastZxid }, mine)) return;
    this.followerDeadlineUs.set(from, this.ctx.now() + this.initLimit * this.tickMs * 1000);
    const quorumBefore = this.epochAcks.size >= this.quorum;
    this.epochAcks.add(from);
    if (quorumBefore) this.sendSync(from);
    else this.maybeSync();
  }

  private maybeSync(): void {
    if (this.epochAcks.size < this.quorum || this.currentEpoch === this.newEpoch) return;
    // Leader.lead: with a quorum of epoch acks the leader takes the epoch.
    this.currentEpoch = this.newEpoch;
    this.writeEpoch(CURRENT_EPOCH, this.newEpoch);
    this.newLeaderAcks.add(this.ctx.id);
    for (const s of this.epochAcks) if (s !== this.ctx.id) this.sendSync(s);
    this.maybeEstablish();
  }

  private sendSync(to: number): void {
    this.forwarding.add(to);
    const committedZxid = this.established ? this.committedZxid : -1;
    this.send(to, { type: 'ZkSync', newEpoch: this.newEpoch, log: this.log.slice(), committedZxid });
  }

  private onAckNewLeader(from: number, newEpoch: number, lastZxid: number): void {
    if (this.state !== 'leading' || newEpoch !== this.newEpoch || !this.forwarding.has(from)) return;
    this.followerDeadlineUs.set(from, this.ctx.now() + this.syncLimit * this.tickMs * 1000);
    this.newLeaderAcks.add(from);
    for (const p of this.pending) if (p.entry.zxid <= lastZxid) p.acks.add(from);
    if (this.established) {
      this.send(from, { type: 'ZkUpToDate', newEpoch, committedZxid: this.committedZxid });
      this.tryCommit();
    } else this.maybeEstablish();
  }

  /** Leader.waitForNewLeaderAck: with a quorum the leader's history is committed and served. */
  private maybeEstablish(): void {
    if (this.established || this.newLeaderAcks.size < this.quorum) return;
    this.established = true;
    if (this.newEpoch > 1) codeProbe('zk-leader-change');
    this.counter = 0;
    this.committedZxid = this.lastLoggedZxid();
    for (const entry of this.log) this.commitListener(entry);
    this.rebuildTree(this.committedZxid);
    this.prep = new ZkPrepView(this.tree);
    // SessionTrackerImpl: every session of the database gets a full timeout under the new leader.
    for (const [sessionId, timeoutMs] of this.tree.sessions) {
      this.sessions.set(sessionId, { timeoutMs, expireAtUs: this.expiryFor(timeoutMs), owner: -1, closing: false });
    }
    for (const s of this.newLeaderAcks) {
      if (s === this.ctx.id) continue;
      this.send(s, { type: 'ZkUpToDate', newEpoch: this.newEpoch, committedZxid: this.committedZxid });
    }
    this.serving = true;
  }

  /** ExpiryQueue.roundToNextInterval over tickTime. */
  private expiryFor(timeoutMs: number): number {
    const intervalUs = this.tickMs * 1000;
    return (Math.floor((this.ctx.now() + timeoutMs * 1000) / intervalUs) + 1) * intervalUs;
  }

  private propose(sessionId: number, cxid: number, txn: ZkTxn): void {
    const entry: ZkLogEntry = { zxid: makeZxid(this.currentEpoch, ++this.counter), sessionId, cxid, txn };
    this.appendDurably(entry);
    this.pending.push({ entry, acks: new Set([this.ctx.id]) });
    for (const s of this.forwarding) this.send(s, { type: 'ZkProposal', epoch: this.currentEpoch, entry });
    this.tryCommit();
  }

  private onAck(from: number, epoch: number, zxid: number): void {
    if (this.state !== 'leading' || epoch !== this.currentEpoch) return;
    this.followerDeadlineUs.set(from, this.ctx.now() + this.syncLimit * this.tickMs * 1000);
    for (const p of this.pending) if (p.entry.zxid === zxid) p.acks.add(from);
    this.tryCommit();
  }

  /** Leader.tryToCommit: in zxid order, each once a quorum logged it. */
  private tryCommit(): void {
    while (this.established && this.pending.length > 0 && this.pending[0].acks.size >= this.quorum) {
      const p = this.pending.shift() as Pending;
      for (const s of this.forwarding) this.send(s, { type: 'ZkCommit', epoch: this.currentEpoch, zxid: p.entry.zxid });
      this.committedZxid = p.entry.zxid;
      this.commitListener(p.entry);
      this.applyCommitted(p.entry);
    }
  }

  private onPingReply(from: number, epoch: number, touched: readonly number[]): void {
    if (this.state !== 'leading' || epoch !== this.currentEpoch) return;
    this.followerDeadlineUs.set(from, this.ctx.now() + this.syncLimit * this.tickMs * 1000);
    for (const sessionId of touched) this.touchSession(sessionId);
  }

  /** SessionTrackerImpl.touchSession (from the leader's clients or a learner's PING). */
  private touchSession(sessionId: number): void {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.closing) return;
    s.expireAtUs = this.expiryFor(s.timeoutMs);
  }

  private dropLearner(peer: number): void {
    this.toLearnerSeq.delete(peer);
    this.fromLearnerSeq.delete(peer);
    this.forwarding.delete(peer);
    this.epochAcks.delete(peer);
    this.newLeaderAcks.delete(peer);
    this.followerDeadlineUs.delete(peer);
  }

  private leaderTick(): void {
    const now = this.ctx.now();
    if (!this.established) {
      // Leader.lead: no quorum through discovery and sync within initLimit ticks.
      if (now - this.leadStartUs > this.initLimit * this.tickMs * 1000) this.startLooking();
      return;
    }
    for (const s of this.forwarding) this.send(s, { type: 'ZkPing', epoch: this.currentEpoch });
    let synced = 1;
    for (const s of this.forwarding) if ((this.followerDeadlineUs.get(s) ?? 0) > now) synced++;
    if (synced < this.quorum) {
      codeProbe('zk-leader-lost-quorum');
      this.startLooking();
      return;
    }
    // SessionTrackerImpl.run: expired sessions are closed through the log.
    for (const [sessionId, s] of [...this.sessions].sort((a, b) => a[0] - b[0])) {
      if (s.closing || s.expireAtUs > now) continue;
      s.closing = true;
      codeProbe('zk-session-expired');
      this.propose(sessionId, -1, this.prepOrThrow().prepareClose(sessionId, this.nextZxid()));
    }
  }

  private nextZxid(): number {
    return makeZxid(this.currentEpoch, this.counter + 1);
  }

  private prepOrThrow(): ZkPrepView {
    if (this.prep === undefined) throw new Error('zk: leader without its prep view');
    return this.prep;
  }

  /** A client write reaching the leader (its own client's or forwarded): PrepRequestProcessor. */
  private leaderWrite(
    owner: number,
    sessionId: number,
    cxid: number,
    op: ZkOp | { readonly op: 'createSession'; readonly timeoutMs: number },
  ): void {
    const zxid = this.nextZxid();
    if (op.op === 'createSession') {
      this.sessions.set(sessionId, {
        timeoutMs: op.timeoutMs,
        expireAtUs: this.expiryFor(op.timeoutMs),
        owner,
        closing: false,
      });
      this.propose(sessionId, cxid, { kind: 'createSession', timeoutMs: op.timeoutMs });
      return;
    }
    // SessionTrackerImpl.checkSession: gone or closing → expired; another owner → moved.
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.closing) {
      this.propose(sessionId, cxid, { kind: 'error', code: 'SESSIONEXPIRED' });
      return;
    }
    if (s.owner !== -1 && s.owner !== owner) {
      codeProbe('zk-session-moved-write-refused');
      this.propose(sessionId, cxid, { kind: 'error', code: 'SESSIONMOVED' });
      return;
    }
    s.owner = owner;
    const prep = this.prepOrThrow();
    if (op.op === 'closeSession') {
      s.closing = true;
      this.propose(sessionId, cxid, prep.prepareClose(sessionId, zxid));
    } else if (op.op === 'multi') this.propose(sessionId, cxid, prep.prepare(op.ops, true, sessionId, zxid));
    else if (isWrite(op)) this.propose(sessionId, cxid, prep.prepare([op], false, sessionId, zxid));
  }

  private onForward(from: number, m: Extract<ZkMessage, { type: 'ZkForward' }>): void {
    if (this.state !== 'leading' || !this.established || m.epoch !== this.currentEpoch) return;
    this.leaderWrite(from, m.sessionId, m.cxid, m.op);
  }

  private onRevalidate(from: number, epoch: number, sessionId: number, client: number): void {
    if (this.state !== 'leading' || !this.established || epoch !== this.currentEpoch) return;
    const valid = this.revalidate(sessionId, from);
    const timeoutMs = this.sessions.get(sessionId)?.timeoutMs ?? 0;
    this.send(from, { type: 'ZkRevalidateReply', epoch, sessionId, client, valid, timeoutMs });
  }

  /** LearnerHandler REVALIDATE / ZooKeeperServer.revalidateSession: touch and take ownership. */
  private revalidate(sessionId: number, by: number): boolean {
    const s = this.sessions.get(sessionId);
    if (s === undefined || s.closing) return false;
    if (s.owner !== -1 && s.owner !== by) codeProbe('zk-session-moved');
    s.owner = by;
    s.expireAtUs = this.expiryFor(s.timeoutMs);
    return true;
  }

  // =====================================================================================
  // Follower (Learner, Follower)

  private follow(): void {
    this.state = 'following';
    this.phase = 'discovery';
    this.lastHeardFromLeaderUs = this.ctx.now();
    this.sendFollowerInfo();
  }

  private sendFollowerInfo(): void {
    // A new connection to the leader (Learner.connectToLeader).
    this.toLeaderSeq = 0;
    this.fromLeaderSeq = 1;
    this.lastFollowerInfoUs = this.ctx.now();
    this.send(this.leaderId, {
      type: 'ZkFollowerInfo',
      acceptedEpoch: this.acceptedEpoch,
      lastZxid: this.lastLoggedZxid(),
    });
  }

  private fromLeader(from: number): boolean {
    if (this.state !== 'following' || from !== this.leaderId) return false;
    this.lastHeardFromLeaderUs = this.ctx.now();
    return true;
  }

  private onLeaderInfo(from: number, newEpoch: number): void {
    if (!this.fromLeader(from) || this.phase !== 'discovery') return;
    // Learner.registerWithLeader: an epoch below the accepted one is an error.
    if (newEpoch < this.acceptedEpoch) {
      this.startLooking();
      return;
    }
    if (newEpoch > this.acceptedEpoch) {
      this.acceptedEpoch = newEpoch;
      this.writeEpoch(ACCEPTED_EPOCH, newEpoch);
    }
    this.phase = 'sync';
    this.send(from, {
      type: 'ZkAckEpoch',
      newEpoch,
      currentEpoch: this.currentEpoch,
      lastZxid: this.lastLoggedZxid(),
    });
  }

  /** Learner.syncWithLeader: the leader's history replaces ours past the common prefix. */
  private onSync(from: number, m: Extract<ZkMessage, { type: 'ZkSync' }>): void {
    if (!this.fromLeader(from) || this.phase !== 'sync' || m.newEpoch !== this.acceptedEpoch) return;
    let common = 0;
    while (common < this.log.length && common < m.log.length && this.log[common].zxid === m.log[common].zxid) common++;
    if (common < this.log.length) {
      codeProbe('zk-follower-truncated');
      this.log.length = common;
      this.ctx.disk.truncate(LOG, common);
    }
    for (let i = common; i < m.log.length; i++) {
      this.log.push(m.log[i]);
      this.ctx.disk.append(LOG, m.log[i], 64);
    }
    this.ctx.disk.fsync(LOG);
    this.currentEpoch = m.newEpoch;
    this.writeEpoch(CURRENT_EPOCH, m.newEpoch);
    this.committedZxid = Math.max(0, m.committedZxid);
    this.phase = 'synced';
    this.send(from, { type: 'ZkAckNewLeader', newEpoch: m.newEpoch, lastZxid: this.lastLoggedZxid() });
  }

  private onUpToDate(from: number, newEpoch: number, committedZxid: number): void {
    if (!this.fromLeader(from) || this.phase !== 'synced' || newEpoch !== this.currentEpoch) return;
    this.phase = 'broadcast';
    this.committedZxid = Math.max(this.committedZxid, committedZxid);
    this.rebuildTree(this.committedZxid);
    this.serving = true;
  }

  private onProposal(from: number, epoch: number, entry: ZkLogEntry): void {
    if (!this.fromLeader(from) || epoch !== this.currentEpoch) return;
    if (this.phase !== 'synced' && this.phase !== 'broadcast') return;
    // SyncRequestProcessor: logged and fsynced before the ACK (SendAckRequestProcessor).
    this.appendDurably(entry);
    this.send(from, { type: 'ZkAck', epoch, zxid: entry.zxid });
  }

  private onCommit(from: number, epoch: number, zxid: number): void {
    if (!this.fromLeader(from) || epoch !== this.currentEpoch) return;
    if (this.phase === 'synced') {
      this.committedZxid = Math.max(this.committedZxid, zxid);
      return;
    }
    if (this.phase !== 'broadcast') return;
    // Follower.processPacket COMMIT: apply every logged entry up to it, in order.
    while (this.applied < this.log.length && this.log[this.applied].zxid <= zxid)
      this.applyCommitted(this.log[this.applied]);
    this.committedZxid = Math.max(this.committedZxid, zxid);
  }

  private onPing(from: number, epoch: number): void {
    if (!this.fromLeader(from) || epoch !== this.currentEpoch) return;
    const touched = [...this.touched].sort((a, b) => a - b);
    this.touched.clear();
    this.send(from, { type: 'ZkPingReply', epoch, touched });
  }

  private onRevalidateReply(from: number, m: Extract<ZkMessage, { type: 'ZkRevalidateReply' }>): void {
    if (!this.fromLeader(from) || !this.serving || this.pendingConnect.get(m.client) !== m.sessionId) return;
    this.pendingConnect.delete(m.client);
    this.finishConnect(m.client, m.sessionId, m.valid ? m.timeoutMs : 0);
  }

  private followerTick(): void {
    const now = this.ctx.now();
    const limitTicks = this.phase === 'broadcast' ? this.syncLimit : this.initLimit;
    if (now - this.lastHeardFromLeaderUs > limitTicks * this.tickMs * 1000) {
      codeProbe('zk-follower-lost-leader');
      this.startLooking();
      return;
    }
    if (this.phase === 'discovery' && now - this.lastFollowerInfoUs >= LEARNER_RETRY_MS * 1000) this.sendFollowerInfo();
  }

  private onTick(): void {
    if (this.state === 'leading') this.leaderTick();
    else if (this.state === 'following') this.followerTick();
  }

  // =====================================================================================
  // Serving clients (NIOServerCnxn, ZooKeeperServer, FinalRequestProcessor)

  private rebuildTree(upTo: number): void {
    this.tree = new ZkDataTree();
    this.applied = 0;
    while (this.applied < this.log.length && this.log[this.applied].zxid <= upTo)
      this.tree.apply(this.log[this.applied++]);
  }

  /** The server leaves the quorum: its client connections are closed (ZooKeeperServer.shutdown). */
  private stopServing(): void {
    this.serving = false;
    for (const client of [...this.conns.keys(), ...this.pendingConnect.keys()].sort((a, b) => a - b)) {
      this.send(client, { type: 'ZkClose', sessionId: this.conns.get(client) ?? this.askedSession.get(client) ?? 0 });
    }
    this.askedSession.clear();
    this.conns.clear();
    this.pendingConnect.clear();
    this.queues.clear();
    this.inflight.clear();
  }

  private close(client: number, sessionId = this.conns.get(client) ?? 0): void {
    this.send(client, { type: 'ZkClose', sessionId });
    this.dropConnection(client);
  }

  private dropConnection(client: number): void {
    this.clientConns.delete(client);
    const sessionId = this.conns.get(client);
    this.conns.delete(client);
    this.pendingConnect.delete(client);
    this.askedSession.delete(client);
    this.tree.removeWatcher(client);
    if (sessionId !== undefined) {
      this.queues.delete(sessionId);
      this.inflight.delete(sessionId);
    }
  }

  /** ZooKeeperServer.processConnectRequest. */
  private onConnect(client: number, sessionId: number, timeoutMs: number, lastZxidSeen: number): void {
    const connecting = this.connectingMessage;
    this.connectingMessage = undefined;
    const connId = (connecting as { conn?: number } | undefined)?.conn ?? 0;
    if (this.staleConnect(client, sessionId, connId)) return;
    if (this.conns.has(client) || this.pendingConnect.has(client)) this.dropConnection(client);
    // The new connection's end (model/zk-connection.ts), opened by this ConnectRequest.
    const conn = new ZkConnectionEnd(connId);
    if (connecting !== undefined) conn.arrive(connecting);
    this.clientConns.set(client, conn);
    if (!this.serving) {
      this.send(client, { type: 'ZkClose', sessionId });
      return;
    }
    if (lastZxidSeen > this.tree.lastProcessedZxid) {
      // "Refusing session request for client as it has seen zxid … our last zxid is …".
      codeProbe('zk-connect-refused-client-ahead');
      this.send(client, { type: 'ZkClose', sessionId });
      return;
    }
    const negotiated = Math.min(Math.max(timeoutMs, 2 * this.tickMs), 20 * this.tickMs);
    if (sessionId === 0) {
      const id = this.newSessionId();
      this.pendingConnect.set(client, id);
      this.askedSession.set(client, 0);
      this.submitWrite(id, 0, { op: 'createSession', timeoutMs: negotiated });
      return;
    }
    this.pendingConnect.set(client, sessionId);
    this.askedSession.set(client, sessionId);
    if (this.state === 'leading') {
      this.pendingConnect.delete(client);
      const valid = this.revalidate(sessionId, this.ctx.id);
      this.finishConnect(client, sessionId, valid ? (this.sessions.get(sessionId)?.timeoutMs ?? 0) : 0);
    } else {
      this.send(this.leaderId, { type: 'ZkRevalidate', epoch: this.currentEpoch, sessionId, client });
    }
  }

  /**
   * A ConnectRequest sent on a socket the client has since abandoned for a newer one (its
   * connection id older than the open connection's), arriving late. ZooKeeperServer
   * .processConnectRequest reopens the session on it after serverCnxnFactory.closeSession
   * (sessionId, CLIENT_RECONNECT) closes the session's open connection — the client's live one,
   * which sees the close — and the abandoned socket's own close follows, so nothing answers
   * there (reopenSession's touch of the session is not modelled). A request for a new session
   * (sessionId 0) would leave an orphan session that expires unused: not modelled, the live
   * connection stays. True when it was such a request.
   */
  private staleConnect(client: number, sessionId: number, connId: number): boolean {
    const open = this.clientConns.get(client);
    if (open === undefined || open.id <= connId) return false;
    const live = this.conns.get(client) ?? this.pendingConnect.get(client);
    if (sessionId !== 0 && live === sessionId) {
      codeProbe('zk-stale-connect-closed-live-connection');
      this.close(client, sessionId);
    } else codeProbe('zk-client-other-connection-dropped');
    return true;
  }

  /** SessionTrackerImpl.initializeNextSessionId: the server id in the high bits. */
  private newSessionId(): number {
    const myid = this.ctx.id - ZK_FIRST_ID + 1;
    return myid * 2 ** 40 + this.ctx.incarnation * 2 ** 24 + ++this.nextSessionCounter;
  }

  /** ZooKeeperServer.finishSessionInit: timeout 0 tells the client its session expired. */
  private finishConnect(client: number, sessionId: number, timeoutMs: number): void {
    this.askedSession.delete(client);
    this.send(client, { type: 'ZkConnectResponse', sessionId, timeoutMs });
    if (timeoutMs === 0) {
      codeProbe('zk-reconnect-expired');
      this.send(client, { type: 'ZkClose', sessionId });
      return;
    }
    this.conns.set(client, sessionId);
  }

  private submitWrite(
    sessionId: number,
    cxid: number,
    op: ZkOp | { readonly op: 'createSession'; readonly timeoutMs: number },
  ): void {
    if (this.state === 'leading') this.leaderWrite(this.ctx.id, sessionId, cxid, op);
    else this.send(this.leaderId, { type: 'ZkForward', epoch: this.currentEpoch, sessionId, cxid, op });
  }

  private touch(sessionId: number): void {
    if (this.state === 'leading') this.touchSession(sessionId);
    else this.touched.add(sessionId);
  }

  private onClientPing(client: number, sessionId: number): void {
    if (!this.serving || this.conns.get(client) !== sessionId) {
      if (!this.pendingConnect.has(client)) this.close(client, sessionId);
      return;
    }
    this.touch(sessionId);
    this.send(client, { type: 'ZkClientPong' });
  }

  private onRequest(client: number, sessionId: number, cxid: number, op: ZkOp): void {
    if (!this.serving || this.conns.get(client) !== sessionId) {
      if (!this.pendingConnect.has(client)) this.close(client, sessionId);
      return;
    }
    this.touch(sessionId);
    let queue = this.queues.get(sessionId);
    if (queue === undefined) {
      queue = [];
      this.queues.set(sessionId, queue);
    }
    queue.push({ client, cxid, op });
    this.drain(sessionId);
  }

  /** CommitProcessor: a session's requests in order; reads wait behind its pending write. */
  private drain(sessionId: number): void {
    const queue = this.queues.get(sessionId);
    while (queue !== undefined && queue.length > 0 && !this.inflight.has(sessionId)) {
      const req = queue.shift() as QueuedRequest;
      if (isRead(req.op)) this.answerRead(req);
      else {
        this.inflight.set(sessionId, req);
        this.submitWrite(sessionId, req.cxid, req.op);
      }
    }
  }

  private answerRead(req: QueuedRequest): void {
    const op = req.op;
    const zxid = this.tree.lastProcessedZxid;
    const respond = (error: 'OK' | 'NONODE', result?: ZkOpResult): void =>
      this.send(req.client, { type: 'ZkResponse', cxid: req.cxid, zxid, error, result });
    if (op.op !== 'getData' && op.op !== 'exists' && op.op !== 'getChildren') return;
    const node = this.tree.get(op.path);
    // FinalRequestProcessor / DataTree.getData, statNode, getChildren: watches set as read.
    if (op.op === 'exists') {
      if (op.watch) this.tree.addWatch('data', op.path, req.client);
      respond('OK', node === undefined ? { path: op.path } : { path: op.path, stat: node.stat });
      return;
    }
    if (node === undefined) {
      respond('NONODE');
      return;
    }
    if (op.watch) this.tree.addWatch(op.op === 'getData' ? 'data' : 'child', op.path, req.client);
    if (op.op === 'getData') respond('OK', { path: op.path, data: node.data, stat: node.stat });
    else respond('OK', { path: op.path, children: node.children, stat: node.stat });
  }

  private onSetWatches(client: number, m: Extract<ZkMessage, { type: 'ZkSetWatches' }>): void {
    if (!this.serving || this.conns.get(client) !== m.sessionId) return;
    const firings = this.tree.setWatches(client, m.relativeZxid, m.dataWatches, m.existWatches, m.childWatches);
    for (const f of firings) this.sendWatch(f.client, f.event, f.path);
  }

  private sendWatch(client: number, event: ZkApplied['firings'][number]['event'], path: string): void {
    codeProbe('zk-watch-fired');
    this.send(client, { type: 'ZkWatchEvent', event, path, zxid: this.tree.lastProcessedZxid });
  }

  /** FinalRequestProcessor: apply, fire watches, answer the client if it is connected here. */
  private applyCommitted(entry: ZkLogEntry): void {
    assert(
      this.log[this.applied]?.zxid === entry.zxid,
      'zk applies its log in order: {} at {}',
      entry.zxid,
      this.applied,
    );
    this.applied++;
    const applied = this.tree.apply(entry);
    this.prep?.applied(entry.zxid);
    for (const f of applied.firings) if (this.conns.has(f.client)) this.sendWatch(f.client, f.event, f.path);
    const txn = entry.txn;
    if (txn.kind === 'createSession') {
      for (const [client, sessionId] of this.pendingConnect) {
        if (sessionId !== entry.sessionId) continue;
        this.pendingConnect.delete(client);
        this.finishConnect(client, sessionId, txn.timeoutMs);
        break;
      }
      return;
    }
    if (txn.kind === 'closeSession') this.sessions.delete(entry.sessionId);
    const req = this.inflight.get(entry.sessionId);
    if (req !== undefined && req.cxid === entry.cxid) {
      this.inflight.delete(entry.sessionId);
      // FinalRequestProcessor: SessionMovedException is a connection-level error (ZOOKEEPER-710:
      // a client that reconnected elsewhere while a late revalidation moved its session back):
      // the connection closes instead of answering, and the client reconnects.
      if (txn.kind === 'error' && txn.code === 'SESSIONMOVED') {
        this.close(req.client, entry.sessionId);
        return;
      }
      this.send(req.client, {
        type: 'ZkResponse',
        cxid: req.cxid,
        zxid: entry.zxid,
        error: applied.error,
        result: applied.result,
        results: applied.results,
      });
      this.drain(entry.sessionId);
    }
    if (txn.kind === 'closeSession') {
      // The session's connection closes (NIOServerCnxnFactory.closeSession).
      for (const [client, sessionId] of [...this.conns]) if (sessionId === entry.sessionId) this.close(client);
    }
  }

  // =====================================================================================
  // Durability

  private appendDurably(entry: ZkLogEntry): void {
    this.log.push(entry);
    this.ctx.disk.append(LOG, entry, 64);
    this.ctx.disk.fsync(LOG);
  }

  /** QuorumPeer.writeLongToFile: temporary file, fsync, atomic rename. */
  private writeEpoch(path: string, epoch: number): void {
    const tmp = `${path}.tmp`;
    this.ctx.disk.writeFile(tmp, [epoch], 8);
    this.ctx.disk.fsync(tmp);
    this.ctx.disk.rename(tmp, path);
  }

  private readEpoch(path: string): number {
    const entries = this.ctx.disk.read(path);
    return entries.length > 0 && typeof entries[0] === 'number' ? entries[0] : 0;
  }

  /** FileTxnSnapLog.restore: the log replayed; a torn tail cut (bad checksum). */
  private recover(): void {
    this.acceptedEpoch = this.readEpoch(ACCEPTED_EPOCH);
    this.currentEpoch = this.readEpoch(CURRENT_EPOCH);
    const entries = this.ctx.disk.read(LOG);
    let valid = entries.length;
    for (let i = 0; i < entries.length; i++) {
      if (isTorn(entries[i])) {
        valid = i;
        break;
      }
    }
    if (valid < entries.length) this.ctx.disk.truncate(LOG, valid);
    for (let i = 0; i < valid; i++) this.log.push(entries[i] as ZkLogEntry);
  }
}

function isRead(op: ZkOp): boolean {
  return op.op === 'getData' || op.op === 'exists' || op.op === 'getChildren';
}

function isWrite(op: ZkOp): op is ZkWriteOp {
  return op.op === 'create' || op.op === 'setData' || op.op === 'delete' || op.op === 'check';
}
