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
// Assumes `zkState` reads ZooKeeper's committed state (the most advanced running server's
// tree), so a state a broker acts on has been committed there first; and says 'unknown' when
// fewer than a quorum of servers run (the committed state is then on stopped servers' disks,
// and no running tree need hold it): the third invariant is not judged then.

export interface ZkRecordViolation {
  readonly invariant: 'zk-one-controller-per-epoch' | 'zk-stale-controller-epoch' | 'zk-broker-ahead-of-zookeeper';
  readonly timeUs: number;
  readonly detail: string;
}

/**
 * ZooKeeper's partition state as the record compares against it (undefined: none yet;
 * 'unknown': fewer than a quorum of servers run, so ZooKeeper's state cannot be read).
 */
export type ZkStateReader = (topic: string, partition: number) => { leaderEpoch: number } | undefined | 'unknown';

export class ZkRecord {
  readonly violations: ZkRecordViolation[] = [];
  /** Controller epoch → the broker that acted as controller in it. */
  private readonly controllerOf = new Map<number, number>();
  /** Broker incarnation → the newest controller epoch it acted on. */
  private readonly actedEpoch = new Map<string, number>();

  constructor(
    private readonly zkState: ZkStateReader,
    private readonly nowUs: () => number,
  ) {}

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
    if (state === 'unknown') return;
    if (state !== undefined && leaderEpoch <= state.leaderEpoch) return;
    this.violate(
      'zk-broker-ahead-of-zookeeper',
      `broker ${broker} acts on ${topic}-${partition} in leader epoch ${leaderEpoch}, ` +
        `ZooKeeper has ${state === undefined ? 'no state' : `leader epoch ${state.leaderEpoch}`}`,
    );
  }

  private violate(invariant: ZkRecordViolation['invariant'], detail: string): void {
    this.violations.push({ invariant, timeUs: this.nowUs(), detail });
  }
}
