// Swarm seed 99103063 (`--controller zookeeper`, chroot /kafka-broker),
// shrunk to two faults: broker 4, sole ISR member and leader of t/0, shuts down cleanly at
// 6.5 s and restarts at 20.6 s; every link of it is slowed by 23.7 s for 30.8 s. Its
// chroot client (KafkaServer.createChrootIfNecessary) lost its session while connecting; the
// model ignored the client's Expired event and waited on the dead client for good, so broker
// 4 never registered, the controller never saw it start, and t/0 stayed leaderless with ISR
// [4] — a liveness failure on the correct model. In Kafka (3.9.0-rc3) the expired session
// fails KafkaZkClient.apply's pathExists / ZooKeeperClient.waitUntilConnected, KafkaServer
// .startup fails and Kafka.main exits; the supervisor starts it again, it registers, and
// KafkaController.onBrokerStartup → triggerOnlinePartitionStateChange elects it (ISR [4]).
// Fix: ZkKafkaBroker.chrootStartupFailed starts over as registrationFailed does.
// The slow began at 14.97 s in the shrunk schedule, before the restart: the chroot client then
// "connected" only by taking the late answer to an earlier attempt, which its socket could no
// longer receive (seed 190019679's fix: a connection's messages carry its attempt's id), and a
// round trip of 47 s never connects. The fixture's slow now begins at 20.645 s, just after the
// chroot client's session was created: the session expires while the client reconnects.
//
// The fixture sets controlled.shutdown.enable=false: its chain was found when a clean stop in ZooKeeper
// mode closed the session at once, before controlled shutdown was modelled, and that setting keeps
// exactly that behaviour (KafkaServer.controlledShutdown is skipped).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a starting broker whose chroot client expired starts over', () => {
  it('seed 99103063: broker 4 registers again and t/0 gets a leader', () => {
    const seed = 99103063;
    const { result, failing } = rerun(seed, fixtureInput(seed, 'zookeeper'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('zk-chroot-startup-failed');
  });
});
