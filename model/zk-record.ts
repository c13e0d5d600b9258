// The record of what ZooKeeper-mode controllers and brokers do, as it happens (issue 16
// item 5; instrumentation like metadata-image.ts's commit record, not part of Kafka): it keeps
// the violations of the mode's three invariants, which the cluster's snapshot carries to the
// checkers (QuorumSnapshot.violations, checkers/quorum-invariants.ts):
//   zk-one-controller-per-epoch   only one broker acts as controller in a controller epoch
//                                 (registerControllerAndIncrementControllerEpoch's multi makes
//                                 the epoch unique; a zombie of an older epoch may still act);
//   zk-stale-controller-epoch     a broker never acts on a request of a controller epoch older
//                                 than one it acted on (ReplicaManager.becomeLeaderOrFollower,
//                                 maybeUpdateMetadataCache: STALE_CONTROLLER_EPOCH);
//   zk-broker-ahead-of-zookeeper  the leader epoch a broker acts on is never newer than the
//                                 partition state in ZooKeeper (the controller writes the state
//                                 znode before it sends LeaderAndIsr).
// Assumes `zkState` reads ZooKeeper's committed state: every transaction a leader committed,
// in zxid order (ZkCommittedState, fed by the leaders: model/zookeeper.ts ZkCommitListener).
// No running server's tree is that state: a leader applies a commit and answers its client
// before its followers hear the COMMIT (Leader.tryToCommit; Follower.processPacket), so when
// it dies right then the survivors have the transaction logged, not applied, until the next
// leader commits its whole history (Leader.waitForNewLeaderAck); and while fewer than a
// quorum of servers run, the committed state is on stopped servers' disks.

import type { ZkLogEntry, ZkTxn } from './zk-protocol.ts';
import { ZkDataTree } from './zk-tree.ts';

export interface ZkRecordViolation {
  readonly invariant: 'zk-one-controller-per-epoch' | 'zk-stale-controller-epoch' | 'zk-broker-ahead-of-zookeeper';
  readonly timeUs: number;
  readonly detail: string;
}

/** ZooKeeper's committed partition state as the record compares against it (undefined: none yet). */
export type ZkStateReader = (
  topic: string,
  partition: number,
) => { leaderEpoch: number; zkVersion: number } | undefined;

/**
 * ZooKeeper's committed state: the transactions the ensemble's leaders committed, applied in
 * zxid order to a tree of its own. Zab commits one history (a new leader's history holds every
 * committed transaction), so a leader committing its whole history adds only what is newer.
 */
export class ZkCommittedState {
  readonly tree = new ZkDataTree();
  /** Observers waiting for a partition state with a given leader and leader epoch to commit. */
  private leaderWatches: LeaderWatch[] = [];

  /** A leader committed `entry` (model/zookeeper.ts ZkCommitListener). */
  onCommit(entry: ZkLogEntry): void {
    if (entry.zxid <= this.tree.lastProcessedZxid) return;
    this.tree.apply(entry);
    if (this.leaderWatches.length > 0) this.matchLeaderWatches(entry.txn);
  }

  /**
   * Calls `onCommitted` once, when ZooKeeper commits a state znode of topic/partition naming
   * `w.leader` at `w.leaderEpoch`, written by the controller of `w.controllerEpoch`: that
   * controller's election write (an election bumps the leader epoch, and a controller epoch is one
   * controller's). For observers (the driver's promise), never the model.
   */
  watchLeader(topic: string, partition: number, w: StateWatch, onCommitted: () => void): void {
    const suffix = `/brokers/topics/${topic}/partitions/${partition}/state`;
    this.leaderWatches.push({ ...w, suffix, onCommitted });
  }

  private matchLeaderWatches(txn: ZkTxn): void {
    if (txn.kind === 'multi') {
      for (const t of txn.txns) this.matchLeaderWatches(t);
      return;
    }
    if (txn.kind !== 'setData' && txn.kind !== 'create') return;
    const hit = this.leaderWatches.find((w) => txn.path.endsWith(w.suffix) && stateNames(txn.data, w));
    if (hit === undefined) return;
    this.leaderWatches = this.leaderWatches.filter((w) => w !== hit);
    hit.onCommitted();
  }
}

/** A partition state a watch waits for: its leader, leader epoch and the writer's controller epoch. */
export interface StateWatch {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly controllerEpoch: number;
}

interface LeaderWatch extends StateWatch {
  readonly suffix: string;
  readonly onCommitted: () => void;
}

/** Whether the state znode data (TopicPartitionStateZNode) is the watched state. */
function stateNames(data: string, w: LeaderWatch): boolean {
  const s = JSON.parse(data) as { leader?: number; leader_epoch?: number; controller_epoch?: number };
  return s.leader === w.leader && s.leader_epoch === w.leaderEpoch && s.controller_epoch === w.controllerEpoch;
}

export class ZkRecord {
  readonly violations: ZkRecordViolation[] = [];
  /** Controller epoch → the broker that acted as controller in it. */
  private readonly controllerOf = new Map<number, number>();
  /** Broker incarnation → the newest controller epoch it acted on. */
  private readonly actedEpoch = new Map<string, number>();

  constructor(
    private readonly zkState: ZkStateReader,
    private readonly nowUs: () => number,
    /** ZooKeeper's committed state, for observers' watches (watchCommittedState). */
    private readonly committed?: ZkCommittedState,
  ) {}

  /** ZkCommittedState.watchLeader, for the driver (an admin's unclean election, model/zk-broker.ts). */
  watchCommittedState(topic: string, partition: number, w: StateWatch, cb: () => void): void {
    this.committed?.watchLeader(topic, partition, w, cb);
  }

  /** A controller put a request of `epoch` on the wire (ControllerChannelManager). */
  onControllerActs(broker: number, epoch: number): void {
    const first = this.controllerOf.get(epoch);
    if (first === undefined) {
      this.controllerOf.set(epoch, broker);
      return;
    }
    if (first !== broker)
      this.violate(
        'zk-one-controller-per-epoch',
        `brokers ${first} and ${broker} both acted as controller in epoch ${epoch}`,
      );
  }

  /** Incarnation `incarnation` of `broker` acted on a control request of `controllerEpoch`. */
  onBrokerActs(broker: number, incarnation: number, controllerEpoch: number): void {
    const key = `${broker}/${incarnation}`;
    const newest = this.actedEpoch.get(key);
    if (newest !== undefined && controllerEpoch < newest) {
      this.violate(
        'zk-stale-controller-epoch',
        `broker ${broker} acted on a request of controller epoch ${controllerEpoch} after one of epoch ${newest}`,
      );
      return;
    }
    this.actedEpoch.set(key, controllerEpoch);
  }

  /** A broker became leader or follower of a partition in `leaderEpoch` (LeaderAndIsr). */
  onBrokerApplies(broker: number, topic: string, partition: number, leaderEpoch: number): void {
    const state = this.zkState(topic, partition);
    if (state !== undefined && leaderEpoch <= state.leaderEpoch) return;
    this.violate(
      'zk-broker-ahead-of-zookeeper',
      `broker ${broker} acts on ${topic}-${partition} in leader epoch ${leaderEpoch}, ` +
        `ZooKeeper has ${state === undefined ? 'no state' : `leader epoch ${state.leaderEpoch}`}`,
    );
  }

  /**
   * Whether ZooKeeper's committed state of the partition is still at `zkVersion`: a write's
   * writer announces it only then (a newer write's writer announces that one), so the
   * driver's record never goes back when answers arrive out of the order of the writes.
   */
  isCommittedVersion(topic: string, partition: number, zkVersion: number): boolean {
    return this.zkState(topic, partition)?.zkVersion === zkVersion;
  }

  private violate(invariant: ZkRecordViolation['invariant'], detail: string): void {
    this.violations.push({ invariant, timeUs: this.nowUs(), detail });
  }
}
