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
//   controller-state-committed a new active controller's state differs from the image of the
//                              committed log it claimed on.

import type { ModelContext } from './cluster-api.ts';
import type { MetadataRecord, PartitionState, RaftEntry } from './internal-protocol.ts';

export interface Registration {
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

/** Partitions and registrations from applying metadata records in order. */
class MetadataImage {
  readonly partitions: PartitionState[] = [];
  private readonly index = new Map<string, number>();
  readonly brokers = new Map<number, Registration>();

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
          this.brokers.set(r.brokerId, { ...b, fenced: r.fenced, inControlledShutdown });
        }
        return;
      }
      case 'LeaderChange':
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

  /** A voter's HW passed log[from, to): check it against the committed copy; announce what is new. */
  onCommit(voter: number, log: readonly RaftEntry[], from: number, to: number, ctx: ModelContext): void {
    for (let o = from; o < to; o++) {
      const e = log[o];
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

  /** A new active controller claimed with this state: it must be the committed image. */
  onClaim(
    voter: number,
    partitions: readonly PartitionState[],
    registration: (id: number) => Registration | undefined,
    timeUs: number,
  ): void {
    const image = this.image;
    const same =
      partitions.length === image.partitions.length &&
      partitions.every((p, i) => p === image.partitions[i]) &&
      [...image.brokers.values()].every((b) => {
        const r = registration(b.brokerId);
        return r !== undefined && r.epoch === b.epoch && r.fenced === b.fenced;
      });
    if (!same)
      this.raise(
        'controller-state-committed',
        `claim ${voter} ${timeUs}`,
        timeUs,
        `voter ${voter} became the active controller with a state that is not its committed metadata log's`,
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
        return;
      default: {
        const never: never = r;
        throw new Error(`metadata at ${offset}: ${JSON.stringify(never)}`);
      }
    }
  }
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
    default: {
      const never: never = r;
      return JSON.stringify(never);
    }
  }
}
