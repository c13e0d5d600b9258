// KRaft's Raft (KIP-595): one replica of the `__cluster_metadata` log, as Kafka's
// KafkaRaftClient runs it with QuorumState, LeaderState, FollowerState, CandidateState,
// UnattachedState and ResignedState. A voter (a controller) takes part in elections; an
// observer (a broker) only fetches. The owner (QuorumController or a broker) feeds it the
// Raft messages and timers and hears about commits and leader changes through RaftHost.
//
// Rules (each from the Kafka class named on it):
// - Epochs and votes are durable: every transition writes `quorum-state` (write, fsync,
//   rename: FileQuorumStateStore) before anything is sent. A restart resumes the stored state
//   (QuorumState.initialize): a former leader comes back resigned in its epoch, a candidate
//   stays candidate, a voted voter stays voted, a follower follows.
// - Elections: an unattached voter starts one after a random election timeout in
//   [controller.quorum.election.timeout.ms, 2×) (QuorumState.randomElectionTimeoutMs); a
//   follower after controller.quorum.fetch.timeout.ms without a successful fetch
//   (pollFollowerAsVoter). A candidate bumps the epoch, votes for itself and asks every voter;
//   rejected by too many, or timed out, it backs off a random binary-exponential time capped
//   by controller.quorum.election.backoff.max.ms (binaryExponentialElectionBackoffMs).
// - A vote is granted only by an unattached voter that has not voted in the epoch (or voted
//   for this candidate) and whose log is not ahead of the candidate's, comparing (last epoch,
//   end offset) (handleVoteRequest, UnattachedState.canGrantVote); followers, candidates,
//   leaders and resigned voters reject. A request with a higher epoch first moves the voter
//   to unattached in that epoch.
// - The new leader writes a LeaderChange control record at its epoch start and flushes
//   (onBecomeLeader); every append of the leader is flushed before it counts itself
//   (maybeAppendBatches → flushLeaderLog); the HW is the end offset a majority of voters
//   has reached, and only past the epoch start (LeaderState.maybeUpdateHighWatermark).
// - Followers pull: Fetch carries the fetch offset and the last fetched epoch; the leader
//   answers DIVERGING with the end of the largest epoch ≤ it (validateOffsetAndEpoch), the
//   follower truncates there (truncateToEndOffset) and fetches again. A voter flushes
//   what it appended before its next Fetch acknowledges it (appendAsFollower). Its HW is
//   min(leader HW, log end).
// - The leader appends through a BatchAccumulator (KafkaRaftClient.prepareAppend →
//   BatchAccumulator.append): a record gets its offset at once, but reaches the log only when
//   the batch drains, controller.quorum.append.linger.ms (QuorumConfig DEFAULT_QUORUM_LINGER_MS
//   = 25) after the first record appended since the last drain (maybeResetLinger,
//   timeUntilDrain); pollLeader → maybeAppendBatches then appends every batch and flushes
//   (flushLeaderLog). Nothing appended, nothing drains and nothing is flushed. A control
//   record (the LeaderChange of onBecomeLeader) forces the drain (appendControlMessages →
//   forceDrain): it is appended and flushed at once. Records still in the accumulator are
//   lost when the leader leaves (LeaderState.close releases the accumulator).
// - Fetches with nothing to read wait at the leader up to their maxWaitMs (500 ms,
//   FETCH_MAX_WAIT_MS) in the fetch purgatory (handleFetchRequest → fetchPurgatory.await).
//   Only the leader's flush completes them (flushLeaderLog → updateLeaderEndOffsetAndTimestamp
//   → fetchPurgatory.maybeComplete(endOffset), a ThresholdPurgatory: every parked fetch whose
//   offset ≤ the end), or their expiry, or a state change (exceptionally). Up to 4.0 a HW
//   advance completes none (onUpdateLeaderHighWatermark has no purgatory call since commit
//   7e3600e16a7, Nov 2020; read in 3.9.0-rc3 and in 4.0's 53364c53), and the fetch that moved
//   the HW waits too (handleFetchRequest answers at once only an error, records, maxWaitMs 0,
//   a divergence or a snapshot). From 4.1, KIP-1166 (KAFKA-14145, apache/kafka#19800: Fetch
//   v18 carries the fetcher's HW): a HW advance completes every parked fetch, and a fetch whose
//   HW is behind the leader's is answered at once (the voter's fetch that moved it among them);
//   model/versions.ts, raftHwCompletesFetch.
// - Check quorum: a leader that has not had a Fetch from a majority of voters (itself
//   included) within 1.5 × fetch timeout resigns (LeaderState.timeUntilCheckQuorumExpires,
//   pollLeader → transitionToResigned); a resigned voter starts an election after its
//   election timeout (pollResigned). EndQuorumEpoch is not modelled: the others notice by
//   their fetch timeout.
// - The leader repeats BeginQuorumEpoch to the voters every fetch timeout / 2
//   (maybeSendBeginQuorumEpochRequests); a voter receiving it in its epoch or a newer one
//   follows that leader.
// - Any answer that names a newer epoch moves the replica there, following the leader it
//   names if any (maybeHandleCommonResponse).
// - Observers fetch from the leader they know, else from a voter in turn; a fetch with no
//   answer within controller.quorum.request.timeout.ms goes to another voter
//   (pollFollowerAsObserver). Their log is memory only (the model's brokers re-fetch at
//   start).
// - Pre-Vote (KIP-996), from kafka.version 4.0 (model/versions.ts gives the evidence; read in
//   apache/kafka commit 53364c53, version 4.0.0: KafkaRaftClient, QuorumState,
//   ProspectiveState, FollowerState, ResignedState, CandidateState). A voter whose election
//   or fetch timeout expires, or a candidate whose election timed out or backed off, becomes
//   Prospective (QuorumState.transitionToProspective): same epoch, same known leader and vote,
//   nothing persisted; it sends Vote with preVote=true at its current epoch
//   (maybeSendVoteRequests). A majority of granted pre-votes makes it Candidate, the real
//   election (maybeTransitionToCandidate); a majority rejected, or its election timeout,
//   sends it back to follower of the leader it knew, else to unattached in the same epoch
//   (prospectiveTransitionAfterElectionLoss). A pre-vote is granted (canGrantVote of each
//   state) by an unattached, prospective, candidate or resigned voter whose log is not ahead;
//   by a follower only before its first successful fetch from the leader (FollowerState's
//   hasFetchedFromLeader); never by the leader; it records no vote. A resigned voter whose
//   election timeout expires moves to unattached in the next epoch (pollResigned). Before
//   4.0 the timeouts above start a candidate at once, as described before.
// Not modelled: snapshots (the log is never cleaned), reconfiguration.

import type { ModelContext } from './cluster-api.ts';
import type { RaftRoleName } from '../checkers/cluster-state.ts';
import type { KafkaConfig, ProtocolVariant } from './config.ts';
import { rulesOf } from './versions.ts';
import type {
  ControllerRequest,
  ControllerResponse,
  MetadataRecord,
  RaftEntry,
  RaftErrorCode,
  RaftMessage,
} from './internal-protocol.ts';
import { isTorn } from '../harness/disk.ts';
import { codeProbe } from './code-probes.ts';
import { shortenTo } from './arrays.ts';

const METADATA_LOG = '__cluster_metadata/00000000000000000000.log';
/** The entries of an answer that serves none, shared (most answers are empty; entries are read-only). */
const NO_ENTRIES: readonly RaftEntry[] = Object.freeze([]);
const QUORUM_STATE = '__cluster_metadata/quorum-state';

export type RaftRole = RaftRoleName;

type FetchRequest = Extract<ControllerRequest, { type: 'MetadataFetchRequest' }>;
type FetchResponse = Extract<ControllerResponse, { type: 'MetadataFetchResponse' }>;
type VoteRequest = Extract<RaftMessage, { type: 'VoteRequest' }>;

/** What the replica's owner hears. */
export interface RaftHost {
  /** Entries [from, to) became committed (the local HW passed them). */
  handleCommit(from: number, to: number): void;
  /** Role, epoch or leader changed. */
  handleStateChange(): void;
  /** Instrumentation: a leader still leads though no majority of voters fetched within the check-quorum timeout. */
  handleStaleLeadership?(sinceUs: number): void;
}

export interface RaftParams {
  readonly nodeId: number;
  readonly voters: readonly number[];
  readonly isVoter: boolean;
  readonly electionTimeoutMs: number;
  readonly fetchTimeoutMs: number;
  readonly electionBackoffMaxMs: number;
  readonly requestTimeoutMs: number;
  /** controller.quorum.append.linger.ms: how long the leader's BatchAccumulator lingers (Kafka: 25). */
  readonly appendLingerMs: number;
  /** KIP-1166 (4.1): a HW advance completes parked fetches (VersionRules.raftHwCompletesFetch). */
  readonly hwCompletesFetch: boolean;
  /** KIP-996 Pre-Vote (kafka.version ≥ 4.0: VersionRules.preVote). */
  readonly preVote: boolean;
  readonly variant: 'correct' | ProtocolVariant;
}

/** QuorumConfig.DEFAULT_QUORUM_LINGER_MS (controller.quorum.append.linger.ms). */
const DEFAULT_QUORUM_LINGER_MS = 25;

/**
 * The RaftParams a node's KafkaConfig sets (QuorumConfig's settings with Kafka's defaults, the
 * version's rules), the same for a controller's voter and a broker's observer.
 */
export function quorumSettingsOf(config: KafkaConfig): Omit<RaftParams, 'nodeId' | 'voters' | 'isVoter' | 'variant'> {
  const rules = rulesOf(config['kafka.version']);
  return {
    electionTimeoutMs: config['controller.quorum.election.timeout.ms'] ?? 1_000,
    fetchTimeoutMs: config['controller.quorum.fetch.timeout.ms'] ?? 2_000,
    electionBackoffMaxMs: config['controller.quorum.election.backoff.max.ms'] ?? 1_000,
    requestTimeoutMs: config['controller.quorum.request.timeout.ms'] ?? 2_000,
    appendLingerMs: config['controller.quorum.append.linger.ms'] ?? DEFAULT_QUORUM_LINGER_MS,
    hwCompletesFetch: rules.raftHwCompletesFetch,
    preVote: rules.preVote,
  };
}

/** LeaderState.ReplicaState: what the leader knows of a voter or observer. */
export interface ReplicaProgress {
  endOffset: number;
  lastFetchUs: number;
  /** When the replica last caught up to the leader's end (for MaxFollowerLagTimeMs). */
  lastCaughtUpUs: number;
}

interface ParkedFetch {
  readonly from: number;
  readonly req: FetchRequest;
}

/** KafkaRaftClient's FETCH_MAX_WAIT_MS. */
const FETCH_MAX_WAIT_MS = 500;
/** KafkaRaftClient.RETRY_BACKOFF_BASE_MS (election backoff unit). */
const RETRY_BACKOFF_BASE_MS = 100;
/** controller.quorum.retry.backoff.ms default. */
const RETRY_BACKOFF_MS = 20;
const MAX_ENTRIES_PER_FETCH = 1000;
const CHECK_QUORUM_TIMEOUT_FACTOR = 1.5;

export class RaftReplica {
  role: RaftRole = 'unattached';
  epoch = 0;
  leaderId = -1;
  votedId = -1;
  /** The log (live array; mirrors the disk file for a voter). */
  readonly log: RaftEntry[] = [];
  /** Raft high watermark (exclusive), as this replica knows it; never decreases. */
  hw = 0;
  /** Leader: offset of its LeaderChange record. */
  epochStartOffset = 0;
  /** Leader: every voter's and observer's fetch state. */
  readonly progress = new Map<number, ReplicaProgress>();
  private readonly majority: number;
  private readonly fetchTimeoutUs: number;
  private readonly requestTimeoutUs: number;
  /** Bumped on every transition: older state timers are ignored. */
  private gen = 0;
  /**
   * Voters (not the leader) fetched since the check-quorum timer last reset. An array emptied
   * by pops, not a Set: it resets on most voter fetches, and emptying a Set (`clear()`) makes
   * V8 allocate a new table each time.
   */
  private readonly checkQuorumFetched: number[] = [];
  private checkQuorumDeadlineUs = 0;
  private granted = new Set<number>();
  private rejected = new Set<number>();
  private retries = 0;
  private backingOff = false;
  private lastFetchSuccessUs = 0;
  /** FollowerState.hasFetchedFromLeader: a successful Fetch since following this leader (KIP-996). */
  private hasFetchedFromLeader = false;
  /** The correlation id of this election round's Vote requests; other answers are stale (KIP-996 mode). */
  private voteCorrelationId = 0;
  /** Unattached or candidate: when the election timeout expires. */
  private electionDeadlineUs = 0;
  private fetchCorrelationId = 0;
  private fetchTarget = -1;
  private nextVoterIndex = 0;
  private correlation = 0;
  private parked: ParkedFetch[] = [];
  /** Leader: the BatchAccumulator's records, offsets given, not yet drained into the log. */
  private readonly accumulated: RaftEntry[] = [];
  /** Leader: the linger timer runs (BatchAccumulator.lingerTimer: from the first append after a drain). */
  private lingering = false;
  /**
   * completeParked's second list: the two swap, so answering the parked fetches makes no new
   * list (answering sends only: nothing parks meanwhile). Empty between calls.
   */
  private parkedSpare: ParkedFetch[] = [];
  /** maybeUpdateLeaderHw's voter end offsets, reused. */
  private readonly voterOffsetsScratch: number[] = [];
  private readonly announced: { role: RaftRole | ''; epoch: number; leaderId: number; hw: number } = {
    role: '',
    epoch: -1,
    leaderId: -1,
    hw: -1,
  };

  constructor(
    private readonly ctx: ModelContext,
    private readonly params: RaftParams,
    private readonly host: RaftHost,
  ) {
    this.majority = Math.floor(params.voters.length / 2) + 1;
    this.fetchTimeoutUs = params.fetchTimeoutMs * 1000;
    this.requestTimeoutUs = params.requestTimeoutMs * 1000;
    this.nextVoterIndex = ctx.rng.intBetween(0, params.voters.length - 1);
  }

  /** Load the log and the quorum state, and resume (QuorumState.initialize). */
  start(): void {
    if (this.params.isVoter) this.recover();
    const stored = this.params.isVoter ? this.ctx.disk.read(QUORUM_STATE)[0] : undefined;
    const s = stored as { epoch?: number; leaderId?: number; votedId?: number } | undefined;
    const me = this.params.nodeId;
    const lastEpoch = this.lastEpoch();
    if (s === undefined || typeof s.epoch !== 'number' || s.epoch < lastEpoch) {
      this.epoch = Math.max(lastEpoch, s?.epoch ?? 0);
      this.becomeUnattached(this.epoch, -1, false);
    } else if (s.leaderId === me) {
      this.epoch = s.epoch;
      this.becomeResigned(false);
    } else if (s.votedId === me) {
      this.epoch = s.epoch;
      this.votedId = me;
      this.becomeCandidateIn(s.epoch);
    } else if (s.votedId !== undefined && s.votedId >= 0) {
      this.becomeUnattached(s.epoch, s.votedId, false);
    } else if (s.leaderId !== undefined && s.leaderId >= 0) {
      this.becomeFollower(s.epoch, s.leaderId, false);
    } else {
      this.becomeUnattached(s.epoch, -1, false);
    }
    // A lone voter elects itself at once (QuorumState: the only voter becomes candidate, then leader).
    if (this.params.isVoter && this.params.voters.length === 1 && this.role !== 'leader') this.startElection();
  }

  endOffset(): number {
    return this.log.length;
  }

  /**
   * The offset the leader's next record gets: the log end plus the accumulated records
   * (BatchAccumulator.nextOffset; QuorumController's offsetControl.nextWriteOffset).
   */
  nextOffset(): number {
    return this.log.length + this.accumulated.length;
  }

  lastEpoch(): number {
    return this.log.length === 0 ? 0 : this.log[this.log.length - 1].epoch;
  }

  isLeader(): boolean {
    return this.role === 'leader';
  }

  // =====================================================================================
  // Leader appends

  /** The leader's accumulated records, after the log's end (live; instrumentation reads them). */
  pendingEntries(): readonly RaftEntry[] {
    return this.accumulated;
  }

  /**
   * KafkaRaftClient.prepareAppend → BatchAccumulator.append: the record takes the next offset
   * and waits in the accumulator; the first one since the last drain starts the linger timer
   * (maybeResetLinger). Returns the record's offset.
   */
  appendAsLeader(record: MetadataRecord): number {
    if (this.role !== 'leader') throw new Error(`raft ${this.params.nodeId}: append while ${this.role}`);
    const offset = this.nextOffset();
    this.accumulated.push({ epoch: this.epoch, record });
    if (!this.lingering) {
      this.lingering = true;
      this.ctx.setTimer(this.params.appendLingerMs * 1000, { raft: 'linger', gen: this.gen });
    }
    return offset;
  }

  /** pollLeader → maybeAppendBatches once the linger expired: append every batch (appendBatch), then flush. */
  private drain(): void {
    this.lingering = false;
    if (this.role !== 'leader' || this.accumulated.length === 0) return;
    for (const entry of this.accumulated) this.appendToLog(entry);
    shortenTo(this.accumulated, 0);
    this.flushLeader();
  }

  /** KafkaRaftClient.appendBatch: the leader's log takes an entry (page cache, not yet flushed). */
  private appendToLog(entry: RaftEntry): void {
    this.log.push(entry);
    this.ctx.disk.append(METADATA_LOG, entry);
  }

  /**
   * flushLeaderLog: the leader counts its own end offset (updateLeaderEndOffsetAndTimestamp →
   * LeaderState.updateLocalState, which may move the HW), completes every parked fetch
   * (fetchPurgatory.maybeComplete(endOffset): each waits at an offset ≤ the end), and flushes.
   * Called only after appending (maybeAppendBatches drained, or the epoch's LeaderChange).
   */
  private flushLeader(): void {
    this.ctx.disk.fsync(METADATA_LOG);
    const now = this.ctx.now();
    const self = this.progressOf(this.params.nodeId);
    self.endOffset = this.log.length;
    self.lastFetchUs = now;
    self.lastCaughtUpUs = now;
    this.maybeUpdateLeaderHw();
    this.completeParked();
  }

  // =====================================================================================
  // Dispatch

  onMessage(from: number, msg: RaftMessage | FetchRequest | FetchResponse): void {
    switch (msg.type) {
      case 'VoteRequest':
        return this.handleVoteRequest(from, msg);
      case 'VoteResponse':
        return this.handleVoteResponse(from, msg);
      case 'BeginQuorumEpochRequest':
        return this.handleBeginQuorumEpoch(from, msg);
      case 'BeginQuorumEpochResponse':
        this.maybeHandleCommonResponse(msg.leaderId, msg.leaderEpoch);
        return;
      case 'MetadataFetchRequest':
        return this.handleFetchRequest(from, msg);
      case 'MetadataFetchResponse':
        return this.handleFetchResponse(from, msg);
      default: {
        const never: never = msg;
        throw new Error(`raft: unhandled ${JSON.stringify(never)}`);
      }
    }
  }

  /** Timers whose tag has `raft` set; returns false for tags not ours. */
  onTimer(tag: unknown): boolean {
    const t = tag as { raft?: string; gen?: number; from?: number; correlationId?: number };
    if (typeof t !== 'object' || t === null || t.raft === undefined) return false;
    if (t.raft === 'fetch-expiry') {
      const i = this.parkedIndex(t.from, t.correlationId);
      if (i >= 0) {
        const parked = this.parked;
        const p = parked[i];
        // Removed in place, the order kept (splice allocates the array of what it removed).
        for (let j = i + 1; j < parked.length; j++) parked[j - 1] = parked[j];
        parked.pop();
        this.answerFetch(p.from, p.req);
      }
      return true;
    }
    if (t.gen !== this.gen) return true;
    switch (t.raft) {
      case 'linger':
        this.drain();
        return true;
      case 'state':
        this.onStateTimer();
        return true;
      case 'begin-epoch':
        this.sendBeginQuorumEpoch();
        this.ctx.setTimer(Math.floor(this.fetchTimeoutUs / 2), { raft: 'begin-epoch', gen: this.gen });
        return true;
      case 'fetch-retry':
        if (this.fetchCorrelationId !== 0) return true;
        if (this.params.isVoter) this.sendVoterFetch();
        else this.sendObserverFetch();
        return true;
      case 'fetch-timeout':
        this.onFetchTimeout(t.correlationId ?? 0);
        return true;
      default:
        throw new Error(`raft: unknown timer ${JSON.stringify(tag)}`);
    }
  }

  private onStateTimer(): void {
    const now = this.ctx.now();
    switch (this.role) {
      case 'unattached':
        if (this.params.isVoter) this.startElection();
        return;
      case 'resigned':
        if (!this.params.isVoter) return;
        // KIP-996 (pollResigned): unattached in the next epoch, with what is left of the timeout (none).
        if (this.params.preVote) this.becomeUnattached(this.epoch + 1, -1);
        else this.becomeCandidate();
        return;
      case 'prospective':
        // pollProspective: the election timed out before a majority answered.
        codeProbe('raft-prospective-timed-out');
        this.prospectiveLost();
        return;
      case 'candidate':
        if (this.backingOff) {
          // pollCandidate: the backoff is over; stand again (from 4.0: ask for pre-votes first).
          this.backingOff = false;
          this.startElection();
          return;
        }
        // Election timed out: back off, then stand again (pollCandidate); from 4.0, prospective at once.
        if (this.params.preVote) this.becomeProspective();
        else this.startBackingOff();
        return;
      case 'follower': {
        if (!this.params.isVoter) return;
        const left = this.lastFetchSuccessUs + this.fetchTimeoutUs - now;
        if (left > 0) {
          this.ctx.setTimer(left, { raft: 'state', gen: this.gen });
          return;
        }
        codeProbe('raft-fetch-timeout-election');
        this.startElection();
        return;
      }
      case 'leader': {
        const left = this.checkQuorumDeadlineUs - now;
        if (left > 0) {
          this.ctx.setTimer(left, { raft: 'state', gen: this.gen });
          return;
        }
        if (this.params.variant === 'no-check-quorum') {
          // Variant no-check-quorum: the leader stays (the rule before KAFKA-15489's fix).
          this.host.handleStaleLeadership?.(this.checkQuorumDeadlineUs - this.checkQuorumTimeoutUs());
          this.resetCheckQuorum();
          this.armCheckQuorumTimer();
          return;
        }
        codeProbe('raft-check-quorum-resign');
        this.becomeResigned(true);
        return;
      }
      default: {
        const never: never = this.role;
        throw new Error(`raft: role ${String(never)}`);
      }
    }
  }

  /** Announce the new state; tell the owner when `notify`. */
  private stateChanged(notify: boolean): void {
    this.announce();
    if (notify) this.host.handleStateChange();
  }

  /** The 'quorum' probe of a voter (role, epoch, leader, HW), when one of them changed. */
  private announce(): void {
    if (!this.params.isVoter) return;
    const a = this.announced;
    if (a.role === this.role && a.epoch === this.epoch && a.leaderId === this.leaderId && a.hw === this.hw) return;
    a.role = this.role;
    a.epoch = this.epoch;
    a.leaderId = this.leaderId;
    a.hw = this.hw;
    const node = this.params.nodeId;
    this.ctx.emit({ kind: 'quorum', node, role: this.role, epoch: this.epoch, leaderId: this.leaderId, hw: this.hw });
  }

  private send(to: number, msg: RaftMessage | FetchRequest | FetchResponse): void {
    this.ctx.send(to, msg);
  }

  // =====================================================================================
  // Transitions (QuorumState)

  private persist(): void {
    if (!this.params.isVoter) return;
    const disk = this.ctx.disk;
    const tmp = `${QUORUM_STATE}.tmp`;
    disk.writeFile(tmp, [{ epoch: this.epoch, leaderId: this.leaderId, votedId: this.votedId }]);
    disk.fsync(tmp);
    // FileQuorumStateStore.writeElectionStateToFile: Utils.atomicMoveWithFallback flushes the directory.
    disk.rename(tmp, QUORUM_STATE);
    disk.fsyncDir('.');
  }

  private leaveState(): void {
    this.gen++;
    this.backingOff = false;
    // A leader's accumulated records go with its LeaderState (close releases the accumulator).
    shortenTo(this.accumulated, 0);
    this.lingering = false;
    this.fetchCorrelationId = 0;
    if (this.parked.length > 0) {
      // Parked fetches fail: this replica no longer leads (fetchPurgatory on a state change).
      const parked = this.parked;
      this.parked = [];
      for (const p of parked)
        this.sendFetchResponse(p.from, p.req, 'NOT_LEADER_OR_FOLLOWER', p.req.fetchOffset, undefined);
    }
  }

  private randomElectionTimeoutUs(): number {
    const ms = this.params.electionTimeoutMs;
    return (ms + this.ctx.rng.intBetween(0, ms - 1)) * 1000;
  }

  private becomeUnattached(epoch: number, votedId: number, announce = true): void {
    const wasLeader = this.role === 'leader';
    // QuorumState.transitionToUnattached: a candidate or an unattached voter keeps what is left
    // of its election timeout (a disruptive candidate's higher epochs do not postpone it); from
    // 4.0 also a resigned voter, and a prospective one unless a majority rejected it.
    const now = this.ctx.now();
    const keep = announce && (this.role === 'candidate' || this.role === 'unattached' || this.keepsKip996Timeout());
    const timeoutUs = keep ? Math.max(0, this.electionDeadlineUs - now) : this.randomElectionTimeoutUs();
    this.electionDeadlineUs = now + timeoutUs;
    this.leaveState();
    this.role = 'unattached';
    this.epoch = epoch;
    this.leaderId = -1;
    this.votedId = votedId;
    this.retries = 0;
    this.persist();
    if (this.params.isVoter) this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    else this.sendObserverFetch();
    this.stateChanged(announce || wasLeader);
  }

  /** transitionToUnattached's extra cases in 4.0 (KIP-996). */
  private keepsKip996Timeout(): boolean {
    if (!this.params.preVote) return false;
    return this.role === 'resigned' || (this.role === 'prospective' && !this.voteRejected());
  }

  private becomeFollower(epoch: number, leaderId: number, announce = true): void {
    this.leaveState();
    this.votedId = epoch === this.epoch ? this.votedId : -1;
    this.role = 'follower';
    this.epoch = epoch;
    this.leaderId = leaderId;
    this.retries = 0;
    this.persist();
    this.lastFetchSuccessUs = this.ctx.now();
    this.hasFetchedFromLeader = false;
    if (this.params.isVoter) {
      this.ctx.setTimer(this.fetchTimeoutUs, { raft: 'state', gen: this.gen });
      this.sendVoterFetch();
    } else {
      this.sendObserverFetch();
    }
    this.stateChanged(announce);
  }

  private becomeResigned(announce: boolean): void {
    this.leaveState();
    this.role = 'resigned';
    this.leaderId = this.params.nodeId;
    const timeoutUs = this.randomElectionTimeoutUs();
    this.electionDeadlineUs = this.ctx.now() + timeoutUs;
    this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    this.stateChanged(announce);
  }

  /** A timeout calls an election: from 4.0 a pre-vote first (transitionToProspective), before it a candidacy. */
  private startElection(): void {
    if (this.params.preVote) this.becomeProspective();
    else this.becomeCandidate();
  }

  /**
   * QuorumState.transitionToProspective (KIP-996): the epoch, the known leader and the vote stay;
   * nothing is persisted (memoryTransitionTo) and no leader change is fired. Retries carry over
   * from a candidate. A lone voter stands at once (onBecomeProspective → maybeTransitionToCandidate).
   */
  private becomeProspective(): void {
    const retries = this.role === 'candidate' ? this.retries + 1 : 1;
    this.leaveState();
    this.role = 'prospective';
    this.retries = retries;
    this.stateChanged(false);
    this.startPreVoteRound();
  }

  /** ProspectiveState's constructor and its first poll: our own pre-vote, an election timer, PreVote to all. */
  private startPreVoteRound(): void {
    this.granted = new Set([this.params.nodeId]);
    this.rejected = new Set();
    if (this.granted.size >= this.majority) return this.becomeCandidate();
    const timeoutUs = this.randomElectionTimeoutUs();
    this.electionDeadlineUs = this.ctx.now() + timeoutUs;
    this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    this.sendVoteRequests(true);
  }

  /** EpochElection.isVoteRejected: too few voters left to reach a majority. */
  private voteRejected(): boolean {
    return this.rejected.size > this.params.voters.length - this.majority;
  }

  /**
   * prospectiveTransitionAfterElectionLoss: back to following the leader it knew, else unattached
   * in the same epoch, keeping its vote (after a timeout with no election time left: a new round).
   */
  private prospectiveLost(): void {
    if (this.leaderId >= 0) return this.becomeFollower(this.epoch, this.leaderId);
    this.becomeUnattached(this.epoch, this.votedId);
  }

  /** transitionToCandidate: a new epoch, a vote for ourselves, Vote to every voter. */
  private becomeCandidate(): void {
    this.becomeCandidateIn(this.epoch + 1);
  }

  private becomeCandidateIn(epoch: number): void {
    this.leaveState();
    // Retries: one more after a candidacy; from 4.0 a prospective passes on its count (transitionToCandidate).
    const retries = this.role === 'prospective' ? this.retries : this.role === 'candidate' ? this.retries + 1 : 1;
    this.role = 'candidate';
    this.epoch = epoch;
    this.leaderId = -1;
    this.votedId = this.params.nodeId;
    this.retries = retries;
    this.persist();
    this.granted = new Set([this.params.nodeId]);
    this.rejected = new Set();
    codeProbe('raft-election-started');
    this.stateChanged(true);
    if (this.granted.size >= this.majority) return this.becomeLeader();
    const timeoutUs = this.randomElectionTimeoutUs();
    this.electionDeadlineUs = this.ctx.now() + timeoutUs;
    this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    this.sendVoteRequests(false);
  }

  /** buildVoteRequest at our epoch, to every other voter, one correlation id for the round. */
  private sendVoteRequests(preVote: boolean): void {
    const correlationId = this.nextCorrelation();
    this.voteCorrelationId = correlationId;
    const req: RaftMessage = {
      type: 'VoteRequest',
      candidateEpoch: this.epoch,
      candidateId: this.params.nodeId,
      lastOffsetEpoch: this.lastEpoch(),
      lastOffset: this.log.length,
      preVote,
      correlationId,
    };
    for (const v of this.params.voters) if (v !== this.params.nodeId) this.send(v, req);
  }

  private startBackingOff(): void {
    // binaryExponentialElectionBackoffMs: 100 × random(2^retries) capped by the max.
    const bound = 2 << Math.min(20, Math.max(0, this.retries - 1));
    const ms = Math.min(
      RETRY_BACKOFF_BASE_MS * this.ctx.rng.intBetween(0, bound - 1),
      this.params.electionBackoffMaxMs,
    );
    this.gen++;
    this.backingOff = true;
    this.ctx.setTimer(ms * 1000, { raft: 'state', gen: this.gen });
  }

  /** onBecomeLeader: LeaderChange record at the epoch start, flushed; BeginQuorumEpoch to all. */
  private becomeLeader(): void {
    this.leaveState();
    this.role = 'leader';
    this.leaderId = this.params.nodeId;
    this.persist();
    this.progress.clear();
    const now = this.ctx.now();
    for (const v of this.params.voters) this.progress.set(v, { endOffset: -1, lastFetchUs: -1, lastCaughtUpUs: -1 });
    this.epochStartOffset = this.log.length;
    this.resetCheckQuorum();
    if (this.params.voters.length > 1) this.armCheckQuorumTimer();
    codeProbe('raft-leader-elected');
    // appendStartOfEpochControlRecords: a control batch forces the drain, so the next poll appends and flushes it.
    this.appendToLog({
      epoch: this.epoch,
      record: { type: 'LeaderChange', leaderId: this.params.nodeId, epoch: this.epoch },
    });
    this.progressOf(this.params.nodeId).lastFetchUs = now;
    this.stateChanged(true);
    this.flushLeader();
    if (this.params.voters.length > 1) {
      this.sendBeginQuorumEpoch();
      this.ctx.setTimer(Math.floor(this.fetchTimeoutUs / 2), { raft: 'begin-epoch', gen: this.gen });
    }
  }

  private checkQuorumTimeoutUs(): number {
    return Math.floor(this.fetchTimeoutUs * CHECK_QUORUM_TIMEOUT_FACTOR);
  }

  private armCheckQuorumTimer(): void {
    this.ctx.setTimer(this.checkQuorumTimeoutUs(), { raft: 'state', gen: this.gen });
  }

  private resetCheckQuorum(): void {
    shortenTo(this.checkQuorumFetched, 0);
    this.checkQuorumDeadlineUs = this.ctx.now() + this.checkQuorumTimeoutUs();
    if (this.params.voters.length === 1) this.checkQuorumDeadlineUs = Number.POSITIVE_INFINITY;
  }

  private sendBeginQuorumEpoch(): void {
    const req: RaftMessage = { type: 'BeginQuorumEpochRequest', leaderEpoch: this.epoch, leaderId: this.params.nodeId };
    for (const v of this.params.voters) if (v !== this.params.nodeId) this.send(v, req);
  }

  /**
   * maybeHandleCommonResponse / handleTopLevelError: an answer naming a newer epoch (or the
   * leader of ours we did not know) moves us there. Returns true when it did.
   */
  private maybeHandleCommonResponse(leaderId: number, leaderEpoch: number): boolean {
    if (leaderEpoch > this.epoch) {
      if (leaderId >= 0 && leaderId !== this.params.nodeId) this.becomeFollower(leaderEpoch, leaderId);
      else this.becomeUnattached(leaderEpoch, -1);
      return true;
    }
    const nominee = this.role === 'prospective' || this.role === 'candidate';
    const unknownLeader = this.leaderId < 0 && (this.role === 'unattached' || nominee || !this.params.isVoter);
    if (leaderEpoch === this.epoch && leaderId >= 0 && leaderId !== this.params.nodeId && unknownLeader) {
      this.becomeFollower(leaderEpoch, leaderId);
      return true;
    }
    return false;
  }

  // =====================================================================================
  // Vote

  /** KafkaRaftClient.handleVoteRequest. */
  private handleVoteRequest(from: number, req: VoteRequest): void {
    if (!this.params.isVoter) return;
    const answer = (error: RaftErrorCode, voteGranted: boolean): void =>
      this.send(from, {
        type: 'VoteResponse',
        error,
        leaderEpoch: this.epoch,
        leaderId: this.leaderId,
        voteGranted,
        correlationId: req.correlationId,
      });
    if (req.candidateEpoch < this.epoch) return answer('FENCED_LEADER_EPOCH', false);
    // A higher epoch moves us there first, a PreVote's too (KIP-996: it carries the sender's epoch).
    if (req.candidateEpoch > this.epoch) this.becomeUnattached(req.candidateEpoch, -1);
    // The log comparison: the candidate's (last epoch, end offset) must not be behind ours.
    const upToDate =
      req.lastOffsetEpoch > this.lastEpoch() ||
      (req.lastOffsetEpoch === this.lastEpoch() && req.lastOffset >= this.log.length);
    const logOk = upToDate || this.params.variant === 'vote-without-log-check';
    if (this.params.preVote) return answer('NONE', this.decideVoteKip996(req, upToDate, logOk));
    let granted = false;
    if (this.role === 'unattached' && this.leaderId < 0) {
      if (this.votedId >= 0) granted = this.votedId === req.candidateId;
      else granted = logOk;
      if (this.votedId < 0 && !upToDate) codeProbe('raft-vote-rejected-log-behind');
    }
    if (granted && this.votedId < 0) {
      this.votedId = req.candidateId;
      this.persist();
      // transitionToUnattachedVotedState: a fresh election timeout.
      this.gen++;
      const timeoutUs = this.randomElectionTimeoutUs();
      this.electionDeadlineUs = this.ctx.now() + timeoutUs;
      this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    }
    answer('NONE', granted);
  }

  /**
   * handleVoteRequest from 4.0 (KIP-996): QuorumState.canGrantVote, then a granted standard vote
   * recorded by an unattached or prospective voter that has not voted (unattachedAddVotedState,
   * prospectiveAddVotedState: persisted, with a fresh election timeout). A PreVote records nothing.
   */
  private decideVoteKip996(req: VoteRequest, upToDate: boolean, logOk: boolean): boolean {
    const granted = this.canGrantVote(req.candidateId, logOk, req.preVote);
    if (!upToDate) this.probeLogBehind(req.preVote);
    if (req.preVote || !granted || this.votedId >= 0) return granted;
    if (this.role !== 'unattached' && this.role !== 'prospective') return granted;
    this.votedId = req.candidateId;
    this.persist();
    this.gen++;
    if (this.role === 'prospective') {
      // prospectiveAddVotedState: a new ProspectiveState (new election, every voter unrecorded again).
      this.startPreVoteRound();
      return granted;
    }
    const timeoutUs = this.randomElectionTimeoutUs();
    this.electionDeadlineUs = this.ctx.now() + timeoutUs;
    this.ctx.setTimer(timeoutUs, { raft: 'state', gen: this.gen });
    return granted;
  }

  /** A vote that only the log comparison decides was asked by a voter whose log is behind ours. */
  private probeLogBehind(preVote: boolean): void {
    if (preVote) {
      const byLog = this.role !== 'leader' && !(this.role === 'follower' && this.hasFetchedFromLeader);
      if (byLog) codeProbe('raft-prevote-rejected-log-behind');
      return;
    }
    const free = (this.role === 'unattached' || this.role === 'prospective') && this.votedId < 0 && this.leaderId < 0;
    if (free) codeProbe('raft-vote-rejected-log-behind');
  }

  /** EpochState.canGrantVote of the current state, from 4.0 (KIP-996). */
  private canGrantVote(candidateId: number, logOk: boolean, preVote: boolean): boolean {
    const state: GrantState = {
      role: this.role,
      leaderId: this.leaderId,
      votedId: this.votedId,
      hasFetchedFromLeader: this.hasFetchedFromLeader,
    };
    if (preVote && this.role === 'follower' && this.hasFetchedFromLeader) {
      codeProbe('raft-prevote-rejected-leader-known');
    }
    return canGrantVoteKip996(state, candidateId, logOk, preVote);
  }

  private handleVoteResponse(from: number, msg: Extract<RaftMessage, { type: 'VoteResponse' }>): void {
    // From 4.0 an answer to another round is not expected (RequestManager.isResponseExpected).
    if (this.params.preVote && msg.correlationId !== this.voteCorrelationId) return;
    if (this.maybeHandleCommonResponse(msg.leaderId, msg.leaderEpoch)) return;
    if (this.role === 'prospective' && msg.leaderEpoch === this.epoch) return this.recordPreVote(from, msg.voteGranted);
    if (this.role !== 'candidate' || msg.leaderEpoch !== this.epoch) return;
    if (msg.voteGranted) {
      this.granted.add(from);
      if (this.granted.size >= this.majority) this.becomeLeader();
      return;
    }
    this.rejected.add(from);
    // isVoteRejected: not enough voters left to win; back off at once (handleVoteResponse).
    if (this.rejected.size > this.params.voters.length - this.majority && !this.backingOff) this.startBackingOff();
  }

  /** handleVoteResponse of a prospective: maybeTransitionForward on a majority, maybeHandleElectionLoss. */
  private recordPreVote(from: number, granted: boolean): void {
    if (granted) {
      this.granted.add(from);
      if (this.granted.size < this.majority) return;
      codeProbe('raft-prospective-won');
      return this.becomeCandidate();
    }
    this.rejected.add(from);
    if (!this.voteRejected()) return;
    codeProbe('raft-prospective-lost');
    this.prospectiveLost();
  }

  /** KafkaRaftClient.handleBeginQuorumEpochRequest. */
  private handleBeginQuorumEpoch(from: number, req: Extract<RaftMessage, { type: 'BeginQuorumEpochRequest' }>): void {
    if (!this.params.isVoter) return;
    if (req.leaderEpoch < this.epoch) {
      this.send(from, {
        type: 'BeginQuorumEpochResponse',
        error: 'FENCED_LEADER_EPOCH',
        leaderEpoch: this.epoch,
        leaderId: this.leaderId,
      });
      return;
    }
    // maybeTransition: nothing to do when this epoch's leader is already known (a follower, or
    // from 4.0 a prospective that still knows it).
    const knows = this.role === 'follower' || this.role === 'prospective';
    const following = knows && this.epoch === req.leaderEpoch && this.leaderId === req.leaderId;
    if (!following) this.becomeFollower(req.leaderEpoch, req.leaderId);
    this.send(from, {
      type: 'BeginQuorumEpochResponse',
      error: 'NONE',
      leaderEpoch: this.epoch,
      leaderId: this.leaderId,
    });
  }

  // =====================================================================================
  // Fetch: the leader's side

  private progressOf(id: number): ReplicaProgress {
    let p = this.progress.get(id);
    if (p === undefined) {
      p = { endOffset: -1, lastFetchUs: -1, lastCaughtUpUs: -1 };
      this.progress.set(id, p);
    }
    return p;
  }

  /** KafkaRaftClient.handleFetchRequest / tryCompleteFetchRequest. */
  private handleFetchRequest(from: number, req: FetchRequest): void {
    let error: RaftErrorCode = 'NONE';
    // validateLeaderOnlyRequest
    if (req.epoch < this.epoch) error = 'FENCED_LEADER_EPOCH';
    else if (req.epoch > this.epoch) error = 'UNKNOWN_LEADER_EPOCH';
    else if (this.role !== 'leader') error = 'NOT_LEADER_OR_FOLLOWER';
    if (error !== 'NONE') return this.sendFetchResponse(from, req, error, req.fetchOffset, undefined);
    const isVoter = this.params.voters.includes(req.replicaId);
    if (isVoter) this.updateCheckQuorum(req.replicaId);
    const diverging = this.validateOffsetAndEpoch(req.fetchOffset, req.lastFetchedEpoch);
    if (diverging !== undefined) return this.sendFetchResponse(from, req, 'NONE', req.fetchOffset, diverging);
    const now = this.ctx.now();
    const p = this.progressOf(req.replicaId);
    p.endOffset = req.fetchOffset;
    p.lastFetchUs = now;
    if (req.fetchOffset >= this.log.length) p.lastCaughtUpUs = now;
    if (isVoter) this.maybeUpdateLeaderHw();
    // From 4.1 (KIP-1166) a fetcher behind the leader's HW (the voter whose fetch just moved it
    // among them) is answered at once; before, a fetch that reads nothing waits (see the header).
    const behindHw = this.params.hwCompletesFetch && req.highWatermark < this.hw;
    const answerNow = req.fetchOffset < this.log.length || req.maxWaitMs <= 0 || behindHw;
    if (answerNow) return this.answerFetch(from, req);
    this.parked.push({ from, req });
    this.ctx.setTimer(req.maxWaitMs * 1000, { raft: 'fetch-expiry', from, correlationId: req.correlationId });
  }

  /** Index of the parked fetch from `from` with `correlationId`, -1 when answered already (no closure per expiry). */
  private parkedIndex(from: number | undefined, correlationId: number | undefined): number {
    const parked = this.parked;
    for (let i = 0; i < parked.length; i++) {
      if (parked[i].from === from && parked[i].req.correlationId === correlationId) return i;
    }
    return -1;
  }

  /** LeaderState.updateCheckQuorumForFollowingVoter. */
  private updateCheckQuorum(voter: number): void {
    const fetched = this.checkQuorumFetched;
    if (!fetched.includes(voter)) fetched.push(voter);
    if (fetched.length + 1 >= this.majority) this.resetCheckQuorum();
  }

  /** KafkaMetadataLog.validateOffsetAndEpoch: the diverging (epoch, end offset), if any. */
  private validateOffsetAndEpoch(
    fetchOffset: number,
    lastFetchedEpoch: number,
  ): { epoch: number; endOffset: number } | undefined {
    if (fetchOffset === 0) return undefined;
    // endOffsetForEpoch(lastFetchedEpoch), inline: most fetches do not diverge, and this runs
    // on every voter's and observer's fetch, so the answer object is made only when they do.
    const log = this.log;
    let i = log.length - 1;
    while (i >= 0 && log[i].epoch > lastFetchedEpoch) i--;
    const epoch = i >= 0 ? log[i].epoch : 0;
    const endOffset = i + 1;
    if (epoch !== lastFetchedEpoch || fetchOffset > endOffset) return { epoch, endOffset };
    return undefined;
  }

  /** The largest epoch ≤ `epoch` in our log and where it ends (LeaderEpochFileCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    for (let i = this.log.length - 1; i >= 0; i--) {
      const e = this.log[i].epoch;
      if (e <= epoch) return { epoch: e, endOffset: i + 1 };
    }
    return { epoch: 0, endOffset: 0 };
  }

  private answerFetch(from: number, req: FetchRequest): void {
    if (this.role !== 'leader' || req.epoch !== this.epoch) {
      const error: RaftErrorCode = req.epoch < this.epoch ? 'FENCED_LEADER_EPOCH' : 'NOT_LEADER_OR_FOLLOWER';
      return this.sendFetchResponse(from, req, error, req.fetchOffset, undefined);
    }
    this.sendFetchResponse(from, req, 'NONE', req.fetchOffset, undefined);
  }

  private sendFetchResponse(
    to: number,
    req: FetchRequest,
    error: RaftErrorCode,
    fetchOffset: number,
    divergingEpoch: { epoch: number; endOffset: number } | undefined,
  ): void {
    const len = this.log.length;
    const serve = error === 'NONE' && divergingEpoch === undefined && fetchOffset < len;
    const end = Math.min(len, fetchOffset + MAX_ENTRIES_PER_FETCH);
    const msg: { -readonly [K in keyof FetchResponse]: FetchResponse[K] } = {
      type: 'MetadataFetchResponse',
      correlationId: req.correlationId,
      error,
      leaderId: this.role === 'resigned' ? -1 : this.leaderId,
      leaderEpoch: this.epoch,
      baseOffset: fetchOffset,
      entries: serve ? this.log.slice(fetchOffset, end) : NO_ENTRIES,
      highWatermark: this.role === 'leader' ? this.hw : -1,
    };
    // Set last, as the spread it replaces did (same key order), without a temporary object per answer.
    if (divergingEpoch !== undefined) msg.divergingEpoch = divergingEpoch;
    this.send(to, msg);
  }

  /**
   * LeaderState.maybeUpdateHighWatermark; from 4.1 (KIP-1166) a HW that moved answers the parked fetches.
   * The voters' end offsets by descending order, the one at index voters/2 (what a majority
   * holds); sorted in a scratch array this leader reuses (it runs on every voter fetch).
   */
  private maybeUpdateLeaderHw(): void {
    const offsets = this.voterOffsetsScratch;
    const voters = this.params.voters;
    if (offsets.length !== voters.length) offsets.length = voters.length;
    for (let i = 0; i < voters.length; i++) offsets[i] = this.progress.get(voters[i])?.endOffset ?? -1;
    sortDescending(offsets);
    const candidate = offsets[Math.floor(voters.length / 2)];
    if (candidate <= this.epochStartOffset || candidate <= this.hw) return;
    this.advanceHw(candidate);
    if (this.params.hwCompletesFetch) this.completeParked();
  }

  private completeParked(): void {
    if (this.parked.length === 0) return;
    const parked = this.parked;
    this.parked = this.parkedSpare;
    this.parkedSpare = parked;
    for (const p of parked) this.answerFetch(p.from, p.req);
    shortenTo(parked, 0);
  }

  private advanceHw(to: number): void {
    const from = this.hw;
    if (to <= from) return;
    this.hw = to;
    this.announce();
    this.host.handleCommit(from, to);
  }

  // =====================================================================================
  // Fetch: the follower's and the observer's side

  private nextCorrelation(): number {
    return ++this.correlation;
  }

  private sendFetchTo(target: number): void {
    const correlationId = this.nextCorrelation();
    this.fetchCorrelationId = correlationId;
    this.fetchTarget = target;
    const fetchOffset = this.log.length;
    this.send(target, {
      type: 'MetadataFetchRequest',
      correlationId,
      replicaId: this.params.nodeId,
      epoch: this.epoch,
      fetchOffset,
      lastFetchedEpoch: this.lastEpoch(),
      maxWaitMs: FETCH_MAX_WAIT_MS,
      highWatermark: this.hw,
    });
    // A fetch with no answer is sent again after the request timeout (to another voter, for an observer).
    this.ctx.setTimer(FETCH_MAX_WAIT_MS * 1000 + this.requestTimeoutUs, {
      raft: 'fetch-timeout',
      gen: this.gen,
      correlationId,
    });
  }

  /** Fetch timeouts for a request still outstanding. Called from the owner's timer path. */
  onFetchTimeout(correlationId: number): void {
    if (correlationId !== this.fetchCorrelationId) return;
    this.fetchCorrelationId = 0;
    if (this.params.isVoter) {
      if (this.role === 'follower') this.sendVoterFetch();
      return;
    }
    codeProbe('raft-observer-fetch-timeout');
    this.leaderId = -1;
    this.role = 'unattached';
    this.sendObserverFetch();
  }

  private sendVoterFetch(): void {
    if (this.role !== 'follower') return;
    this.sendFetchTo(this.leaderId);
  }

  private sendObserverFetch(): void {
    if (this.params.isVoter) return;
    let target = this.leaderId;
    if (target < 0) {
      const voters = this.params.voters;
      target = voters[this.nextVoterIndex % voters.length];
      this.nextVoterIndex++;
    }
    this.sendFetchTo(target);
  }

  private handleFetchResponse(from: number, msg: FetchResponse): void {
    if (msg.correlationId !== this.fetchCorrelationId || from !== this.fetchTarget) return;
    this.fetchCorrelationId = 0;
    if (this.maybeHandleCommonResponse(msg.leaderId, msg.leaderEpoch)) return;
    if (msg.error !== 'NONE' || msg.leaderEpoch !== this.epoch || this.role !== 'follower') {
      // The one we fetch from does not lead our epoch: an observer asks another voter.
      if (!this.params.isVoter && msg.leaderId < 0) {
        this.leaderId = -1;
        this.role = 'unattached';
      }
      this.ctx.setTimer(RETRY_BACKOFF_MS * 1000, { raft: 'fetch-retry', gen: this.gen });
      return;
    }
    // FollowerState.resetFetchTimeoutForSuccessfulFetch.
    this.lastFetchSuccessUs = this.ctx.now();
    this.hasFetchedFromLeader = true;
    if (msg.divergingEpoch !== undefined) {
      this.truncateToEndOffset(msg.divergingEpoch.epoch, msg.divergingEpoch.endOffset);
    } else if (msg.entries.length > 0 && msg.baseOffset === this.log.length) {
      this.appendAsFollower(msg.entries);
    }
    if (msg.highWatermark >= 0) this.advanceHw(Math.min(msg.highWatermark, this.log.length));
    if (this.params.isVoter) this.sendVoterFetch();
    else this.sendObserverFetch();
  }

  /** appendAsFollower: a voter flushes before its next Fetch acknowledges the entries. */
  private appendAsFollower(entries: readonly RaftEntry[]): void {
    for (const e of entries) {
      this.log.push(e);
      if (this.params.isVoter) this.ctx.disk.append(METADATA_LOG, e);
    }
    if (this.params.isVoter) this.ctx.disk.fsync(METADATA_LOG);
  }

  /** KafkaMetadataLog.truncateToEndOffset with the leader's diverging epoch. */
  private truncateToEndOffset(epoch: number, endOffset: number): void {
    const local = this.endOffsetForEpoch(epoch);
    const to = Math.min(local.endOffset, endOffset, this.log.length);
    if (to >= this.log.length) return;
    codeProbe('raft-divergence-truncation');
    if (to < this.hw) codeProbe('raft-truncation-below-hw');
    this.log.length = to;
    if (this.params.isVoter) this.ctx.disk.truncate(METADATA_LOG, to);
    if (to < this.hw) this.hw = to;
  }

  // =====================================================================================
  // Recovery

  /** The log as the disk has it; a torn tail is cut (KafkaMetadataLog recovery). */
  private recover(): void {
    const entries = this.ctx.disk.read(METADATA_LOG);
    let valid = entries.length;
    for (let i = 0; i < entries.length; i++) {
      if (isTorn(entries[i])) {
        valid = i;
        break;
      }
    }
    if (valid < entries.length) {
      codeProbe('controller-recovery-dropped-tail');
      this.ctx.disk.truncate(METADATA_LOG, valid);
    }
    for (let i = 0; i < valid; i++) this.log.push(entries[i] as RaftEntry);
  }
}

/** What a voter's vote decision depends on, besides the request. */
export interface GrantState {
  readonly role: RaftRole;
  readonly leaderId: number;
  readonly votedId: number;
  /** FollowerState.hasFetchedFromLeader. */
  readonly hasFetchedFromLeader: boolean;
}

/** EpochState.canGrantVote of each state from 4.0 (KIP-996); `logOk`: the requester's log is not behind ours. */
export function canGrantVoteKip996(s: GrantState, candidateId: number, logOk: boolean, preVote: boolean): boolean {
  switch (s.role) {
    case 'leader':
      return false; // LeaderState.canGrantVote
    case 'follower':
      // FollowerState.canGrantVote: only a PreVote, only before a successful fetch from the leader.
      return preVote && !s.hasFetchedFromLeader && logOk;
    case 'candidate':
    case 'resigned':
      return preVote && logOk; // CandidateState / ResignedState.canGrantVote
    case 'unattached':
    case 'prospective':
      return unattachedOrProspectiveCanGrantVote(s.leaderId, s.votedId, candidateId, logOk, preVote);
    default: {
      const never: never = s.role;
      throw new Error(`raft: role ${String(never)}`);
    }
  }
}

/**
 * QuorumState.unattachedOrProspectiveCanGrantVote (4.0, KIP-996): a PreVote by the log alone;
 * a standard vote for the one already voted for, else not while a leader is known, else by the log.
 */
function unattachedOrProspectiveCanGrantVote(
  leaderId: number,
  votedId: number,
  candidateId: number,
  logUpToDate: boolean,
  preVote: boolean,
): boolean {
  if (preVote) return logUpToDate;
  if (votedId >= 0) return votedId === candidateId;
  if (leaderId >= 0) return false;
  return logUpToDate;
}

/** Sorts a few numbers in place, largest first (insertion sort: no allocation, unlike Array.sort). */
function sortDescending(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) {
    const x = xs[i];
    let j = i - 1;
    while (j >= 0 && xs[j] < x) {
      xs[j + 1] = xs[j];
      j--;
    }
    xs[j + 1] = x;
  }
}
