// The committed metadata log as the cluster has it, for the views and the white-box quorum
// invariants (instrumentation, not protocol: no node reads it to decide anything). Voters
// report each commit (their Raft HW passing entries), new leaders report their epochs, brokers
// report what they apply; this keeps the first copy of every committed entry, the image those
// entries give (partitions, registrations), and announces each committed record once to the
// driver (the 'partition', 'registered' and 'fenced' probes).
//
// Assumes: entries are compared by identity (the network and the disks pass them by
// reference), so "the same entry" means the one the leader wrote. What it records as broken:
//   raft-one-leader-per-epoch  two voters became leader in one epoch;
//   raft-stale-leader          a leader kept leading with no Fetch from a majority of voters for
//                              the check-quorum timeout (1.5 × controller.quorum.fetch.timeout.ms);
//   raft-committed-durable     a voter's HW passed an offset whose entry differs from the one
//                              committed there before (a committed record lost or changed);
//   metadata-applied-committed a broker applied an entry that is not the committed one at its
//                              offset, or above the cluster's commit point;
//   controller-state-committed a voter's controller state differs from the image of its own
//                              committed prefix: checked on every voter whenever its HW passes
//                              records (the keys those records touch, and the entity counts), and
//                              in full when it claims or renounces. Each voter has a shadow image
//                              fed only by its own commits (reset when it restarts), so the check
//                              costs one image update per committed record and voter, never a
//                              replay.

import type { ModelContext } from './cluster-api.ts';
import type { MetadataRecord, PartitionState, RaftEntry } from './internal-protocol.ts';

interface Registration {
  readonly brokerId: number;
  readonly epoch: number;
  readonly incarnation: number;
  readonly fenced: boolean;
  readonly inControlledShutdown?: boolean;
}

export type QuorumInvariant =
  | 'raft-one-leader-per-epoch'
  | 'raft-stale-leader'
  | 'raft-committed-durable'
  | 'metadata-applied-committed'
  | 'controller-state-committed';

export interface QuorumViolation {
  readonly invariant: QuorumInvariant;
  readonly timeUs: number;
  readonly detail: string;
}

/**
 * A voter's controller state as the agreement check reads it: QuorumController's image of the
 * records it applied (for the active controller, its uncommitted ones too).
 */
export interface VoterState {
  partitionStates(): readonly PartitionState[];
  partitionOf(topic: string, partition: number): PartitionState | undefined;
  registration(brokerId: number): Registration | undefined;
  brokerCount(): number;
}

/** Partitions and registrations from applying metadata records in order. */
class MetadataImage {
  readonly partitions: PartitionState[] = [];
  private readonly index = new Map<string, number>();
  readonly brokers = new Map<number, Registration>();

  partitionOf(topic: string, partition: number): PartitionState | undefined {
    const i = this.index.get(`${topic}\u0000${partition}`);
    return i === undefined ? undefined : this.partitions[i];
  }

  apply(r: MetadataRecord): void {
    switch (r.type) {
      case 'Partition': {
        const key = `${r.state.topic}\u0000${r.state.partition}`;
        const i = this.index.get(key);
        if (i === undefined) {
          this.index.set(key, this.partitions.length);
          this.partitions.push(r.state);
        } else this.partitions[i] = r.state;
        return;
      }
      case 'RegisterBroker':
        this.brokers.set(r.brokerId, {
          brokerId: r.brokerId,
          epoch: r.brokerEpoch,
          incarnation: r.incarnation,
          fenced: r.fenced ?? true,
          inControlledShutdown: r.inControlledShutdown === true,
        });
        return;
      case 'BrokerFencing': {
        const b = this.brokers.get(r.brokerId);
        if (b !== undefined && b.epoch === r.brokerEpoch) {
          const inControlledShutdown = r.inControlledShutdown ?? b.inControlledShutdown === true;
          // Spelled out, not spread (V8's generic clone of `{ ...b }` ran on every fencing change).
          this.brokers.set(r.brokerId, {
            brokerId: b.brokerId,
            epoch: b.epoch,
            incarnation: b.incarnation,
            fenced: r.fenced,
            inControlledShutdown,
          });
        }
        return;
      }
      case 'LeaderChange':
      case 'NoOp':
        return;
      default: {
        const never: never = r;
        throw new Error(`metadata image: ${JSON.stringify(never)}`);
      }
    }
  }
}

export class MetadataCommitLog {
  /** The first copy of every committed entry, by offset. */
  readonly entries: RaftEntry[] = [];
  readonly image = new MetadataImage();
  readonly violations: QuorumViolation[] = [];
  /** epoch → the voter that became leader in it. */
  readonly epochLeaders = new Map<number, number>();
  private readonly reported = new Set<string>();
  /** Per voter: the image of its own committed prefix (what its state must agree with). */
  private readonly voterImages = new Map<number, MetadataImage>();

  private raise(invariant: QuorumInvariant, key: string, timeUs: number, detail: string): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.violations.push({ invariant, timeUs, detail });
  }

  onLeader(epoch: number, voter: number, timeUs: number): void {
    const before = this.epochLeaders.get(epoch);
    if (before === undefined) this.epochLeaders.set(epoch, voter);
    else if (before !== voter)
      this.raise(
        'raft-one-leader-per-epoch',
        `leader ${epoch}`,
        timeUs,
        `voters ${before} and ${voter} both became Raft leader in epoch ${epoch}`,
      );
  }

  /** A leader reached its check-quorum deadline with no majority's Fetch since `sinceUs`, and stayed. */
  onStaleLeader(voter: number, epoch: number, sinceUs: number, timeUs: number): void {
    this.raise(
      'raft-stale-leader',
      `stale ${voter} ${epoch}`,
      timeUs,
      `voter ${voter} still leads epoch ${epoch} although no majority of voters has fetched from it since ` +
        `${(sinceUs / 1e6).toFixed(3)} s (check quorum: it must resign after 1.5 × controller.quorum.fetch.timeout.ms)`,
    );
  }

  /** A voter (re)started: its state and committed prefix start empty (its HW is 0 until it learns one). */
  onVoterStart(voter: number): void {
    this.voterImages.set(voter, new MetadataImage());
  }

  private voterImage(voter: number): MetadataImage {
    let image = this.voterImages.get(voter);
    if (image === undefined) {
      image = new MetadataImage();
      this.voterImages.set(voter, image);
    }
    return image;
  }

  /** A voter's HW passed log[from, to): check it against the committed copy; announce what is new. */
  onCommit(voter: number, log: readonly RaftEntry[], from: number, to: number, ctx: ModelContext): void {
    const own = this.voterImage(voter);
    for (let o = from; o < to; o++) {
      const e = log[o];
      own.apply(e.record);
      if (o < this.entries.length) {
        if (this.entries[o] !== e) {
          const was = this.entries[o];
          this.raise(
            'raft-committed-durable',
            `commit ${o}`,
            ctx.now(),
            `voter ${voter} committed offset ${o} as ${describe(e)} (epoch ${e.epoch}), but ${describe(was)} ` +
              `(epoch ${was.epoch}) was committed there before`,
          );
        }
        continue;
      }
      this.entries.push(e);
      this.announce(e.record, o, ctx);
    }
  }

  /** A broker applied log[from, to) of its fetched metadata log. */
  onBrokerApply(broker: number, log: readonly RaftEntry[], from: number, to: number, timeUs: number): void {
    for (let o = from; o < to; o++) {
      if (o >= this.entries.length || this.entries[o] !== log[o]) {
        const why =
          o >= this.entries.length ? `above the commit point ${this.entries.length}` : 'not the committed one';
        this.raise(
          'metadata-applied-committed',
          `apply ${broker} ${o}`,
          timeUs,
          `broker ${broker} applied metadata offset ${o} (${describe(log[o])}), ${why}`,
        );
        return;
      }
    }
  }

  /**
   * After a voter applied what its HW passed, log[from, to): every key those records touch must
   * read in its state as in its committed prefix, unless a record it applied above the HW (the
   * active controller's uncommitted tail, log[to, appliedEnd), then `pending`: the records its
   * Raft accumulator still holds past the log's end) touched the key again; with no such tail,
   * the entity counts must match too.
   */
  checkVoterCommit(
    voter: number,
    state: VoterState,
    log: readonly RaftEntry[],
    range: { from: number; to: number; appliedEnd: number },
    timeUs: number,
    pending: readonly RaftEntry[] = [],
  ): void {
    const own = this.voterImage(voter);
    const { from, to, appliedEnd } = range;
    if (appliedEnd <= to && !sameCounts(state, own))
      return this.stateDiffers(
        voter,
        timeUs,
        `holds ${countsOf(state)}, its committed prefix [0, ${to}) ${countsOf(own)}`,
      );
    let tail: Set<string> | undefined;
    for (let o = from; o < to; o++) {
      const r = log[o].record;
      const key = keyOf(r);
      if (key === undefined) continue;
      if (appliedEnd > to) {
        tail ??= keysOf(log, to, appliedEnd, pending);
        if (tail.has(key)) continue;
      }
      const why = differenceAt(r, state, own);
      if (why !== undefined) return this.stateDiffers(voter, timeUs, `${why} after its HW passed offset ${o}`);
    }
  }

  /** A voter claimed (became the active controller) or renounced: its whole state against its committed prefix. */
  checkVoterState(voter: number, state: VoterState, when: 'claim' | 'renounce', timeUs: number): void {
    const own = this.voterImage(voter);
    let why: string | undefined;
    if (!sameCounts(state, own)) why = `holds ${countsOf(state)}, its committed prefix ${countsOf(own)}`;
    for (let i = 0; why === undefined && i < own.partitions.length; i++) {
      const p = own.partitions[i];
      if (state.partitionOf(p.topic, p.partition) !== p) why = `partition ${p.topic}-${p.partition} differs`;
    }
    for (const b of own.brokers.values()) {
      if (why !== undefined) break;
      if (!sameRegistration(state.registration(b.brokerId), b))
        why = `the registration of broker ${b.brokerId} differs`;
    }
    if (why !== undefined)
      this.stateDiffers(voter, timeUs, `${why} when it ${when === 'claim' ? 'claimed' : 'renounced'}`);
  }

  private stateDiffers(voter: number, timeUs: number, why: string): void {
    this.raise(
      'controller-state-committed',
      `state ${voter}`,
      timeUs,
      `voter ${voter}'s controller state is not the image of its committed metadata log: ${why}`,
    );
  }

  /** One probe per committed record, as the single controller announced it on commit. */
  private announce(r: MetadataRecord, offset: number, ctx: ModelContext): void {
    const previous = r.type === 'RegisterBroker' ? this.image.brokers.get(r.brokerId) : undefined;
    this.image.apply(r);
    switch (r.type) {
      case 'RegisterBroker': {
        // A new registration fences the one it replaces (an amended one replaces nothing).
        const amended = previous !== undefined && previous.incarnation === r.incarnation;
        if (previous !== undefined && !previous.fenced && !amended) ctx.emit({ kind: 'fenced', broker: r.brokerId });
        ctx.emit({ kind: 'registered', broker: r.brokerId, brokerEpoch: r.brokerEpoch });
        return;
      }
      case 'BrokerFencing':
        if (r.fenced) ctx.emit({ kind: 'fenced', broker: r.brokerId });
        return;
      case 'Partition': {
        const s = r.state;
        ctx.emit({
          kind: 'partition',
          topic: s.topic,
          partition: s.partition,
          leader: s.leader,
          leaderEpoch: s.leaderEpoch,
          partitionEpoch: s.partitionEpoch,
          replicas: s.replicas.slice(),
          isr: s.isr.slice(),
          elr: s.elr.slice(),
        });
        return;
      }
      case 'LeaderChange':
      case 'NoOp':
        return;
      default: {
        const never: never = r;
        throw new Error(`metadata at ${offset}: ${JSON.stringify(never)}`);
      }
    }
  }
}

/** The controller state's key a record writes (none for a LeaderChange). */
function keyOf(r: MetadataRecord): string | undefined {
  switch (r.type) {
    case 'Partition':
      return `p${r.state.topic}\u0000${r.state.partition}`;
    case 'RegisterBroker':
    case 'BrokerFencing':
      return `b${r.brokerId}`;
    case 'LeaderChange':
    case 'NoOp':
      return undefined;
    default: {
      const never: never = r;
      throw new Error(`metadata key: ${JSON.stringify(never)}`);
    }
  }
}

/** The keys of the records at [from, to) of `log` followed by `pending`. */
function keysOf(log: readonly RaftEntry[], from: number, to: number, pending: readonly RaftEntry[]): Set<string> {
  const keys = new Set<string>();
  const end = log.length + pending.length;
  for (let o = from; o < to && o < end; o++) {
    const key = keyOf((o < log.length ? log[o] : pending[o - log.length]).record);
    if (key !== undefined) keys.add(key);
  }
  return keys;
}

/** How the state and the committed image differ at the key `r` writes, if they do. */
function differenceAt(r: MetadataRecord, state: VoterState, image: MetadataImage): string | undefined {
  switch (r.type) {
    case 'Partition': {
      const { topic, partition } = r.state;
      return state.partitionOf(topic, partition) === image.partitionOf(topic, partition)
        ? undefined
        : `partition ${topic}-${partition} differs`;
    }
    case 'RegisterBroker':
    case 'BrokerFencing':
      return sameRegistration(state.registration(r.brokerId), image.brokers.get(r.brokerId))
        ? undefined
        : `the registration of broker ${r.brokerId} differs`;
    case 'LeaderChange':
    case 'NoOp':
      return undefined;
    default: {
      const never: never = r;
      throw new Error(`metadata difference: ${JSON.stringify(never)}`);
    }
  }
}

function sameRegistration(a: Registration | undefined, b: Registration | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.epoch === b.epoch &&
    a.incarnation === b.incarnation &&
    a.fenced === b.fenced &&
    (a.inControlledShutdown === true) === (b.inControlledShutdown === true)
  );
}

function sameCounts(state: VoterState, image: MetadataImage): boolean {
  return state.partitionStates().length === image.partitions.length && state.brokerCount() === image.brokers.size;
}

function countsOf(x: VoterState | MetadataImage): string {
  const partitions = x instanceof MetadataImage ? x.partitions.length : x.partitionStates().length;
  const brokers = x instanceof MetadataImage ? x.brokers.size : x.brokerCount();
  return `${partitions} partitions and ${brokers} registrations`;
}

function describe(e: RaftEntry | undefined): string {
  if (e === undefined) return 'nothing';
  const r = e.record;
  switch (r.type) {
    case 'Partition':
      return `Partition ${r.state.topic}-${r.state.partition} epoch ${r.state.partitionEpoch}`;
    case 'RegisterBroker':
      return `RegisterBroker ${r.brokerId}`;
    case 'BrokerFencing':
      return `BrokerFencing ${r.brokerId} fenced=${r.fenced}`;
    case 'LeaderChange':
      return `LeaderChange ${r.leaderId}`;
    case 'NoOp':
      return 'NoOp';
    default: {
      const never: never = r;
      return JSON.stringify(never);
    }
  }
}
