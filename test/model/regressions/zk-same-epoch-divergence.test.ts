// ZooKeeper mode (issue 16): swarm seed 99004432 (`--controller zookeeper`), shrunk. Broker 1,
// the controller and the leader of t/0 in epoch 3, loses power (torn tail) and comes back
// without offsets 11–34: a min-isr-power-loss breach (in ZooKeeper mode one such replica is
// beyond the promise). When its old session expires a new controller fails over, finds
// broker 1 live and leading, and keeps leader epoch 3 (PartitionStateMachine
// .initializePartitionState); broker 1 takes epoch 3 as new (ReplicaManager
// .becomeLeaderOrFollower) and leads from offset 11. Broker 3 keeps "p200-11" at offset 11 in
// epoch 3 (a divergence inside one epoch the epoch-based truncation cannot see), so
// "p200-35", sent after the breach and acknowledged at offset 11, is lost once broker 3
// leads. The promise excused only records sent before the breach; in ZooKeeper mode a
// record acknowledged after it at an offset committed at the breach is excused too.
// Run with auto.leader.rebalance.enable=false: the seed was found before the ZooKeeper-mode
// controller had its automatic preferred-leader election, which (first check 5 s after each
// failover) moves this shrunk schedule's leaderships elsewhere; with it off the run is the one
// found, and the mechanism is Kafka's under that setting.
// Since a ZooKeeper client ignores a late close of an earlier connection attempt (seed
// 190019679's fix: a connection's messages carry its attempt's id), the shrunk faults under
// the seed's own draws no longer reach the chain; they did under the draws of seed 131004528
// until the controller's failover followed KafkaController.onControllerFailover's order
// (UpdateMetadata, then the states as read to every live replica, then OfflineReplica, then
// elections), which moves that schedule. Under the draws of seed 131004429 the chain held
// ("p200-120" acknowledged at offset 112 inside epoch 1 and lost) until the controller handled
// broker changes in batches (KafkaController.onBrokerFailure → onReplicasBecomeOffline), which
// moved it too. The fixture (seed-99004432-zookeeper-same-epoch.json) is now hand-shifted from
// that schedule: its last fault, the torn-tail controller power loss (broker 2 at 8.040 s),
// fires 6,738 ms after its 22nd produce answer instead of 7,093 ms. Under seed 131004429's draws
// broker 1, the controller and the leader of t/0 in epoch 1, loses power at 26.813 s; back at
// 34.131 s, it leads again in epoch 1 and appends "p200-124" (sent at 26.814 s, after the breach)
// at offset 108 in epoch 1 at 46.407 s, where brokers 2 and 3 keep "p200-108" in epoch 1; it is
// acknowledged at offset 108 and lost once broker 2 leads in epoch 5 (without the reopenedInEpoch
// excuse the run is a violation: lost-write and acked-durable at offset 108, checked by disabling
// it).
//
// The fixture sets controlled.shutdown.enable=false: its chain was found when a clean stop in ZooKeeper
// mode closed the session at once, before controlled shutdown was modelled, and that setting keeps
// exactly that behaviour (KafkaServer.controlledShutdown is skipped).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a record acknowledged at an offset a power loss re-opened inside one leader epoch', () => {
  it('seed 99004432 (draws of 131004429): losing "p200-124", acked at offset 108 after the breach, is expected', () => {
    const input = fixtureInput(99004432, 'zookeeper-same-epoch');
    const timing = { ...input.shape.timing, 'auto.leader.rebalance.enable': false };
    const { result, failing } = rerun(131004429, { ...input, shape: { ...input.shape, timing } });
    expect(failing).toEqual([]);
    const lost = result.verdict.anomalies.filter(
      (a) => (a.kind === 'lost-write' || a.kind === 'acked-durable') && a.values?.[0] === 'p200-124',
    );
    expect(lost.map((a) => a.offsets?.[0])).toEqual([108, 108]);
    expect(lost.map((a) => a.kind).sort()).toEqual(['acked-durable', 'lost-write']);
    expect(lost.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss')).toBe(true);
  });
});
