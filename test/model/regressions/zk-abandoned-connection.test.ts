// ZooKeeper mode: swarm seed 190019679 (base 190,000,000), shrunk to one fault: every link of
// broker 1 (the controller, and the leader of t/0 with replicas [1, 2, 3], one ZooKeeper
// server) slowed by 11.5 s from 9.75 s for 58.9 s. Leader 1 shrinks the ISR to [1] at 22 s;
// the controller writes it to ZooKeeper (applied), its connection times out and the write is
// sent again (KafkaZkClient.retryRequestsUntilConnected). With a 23-s round trip every connect
// attempt times out before its answer, yet the model's client took the answer to the attempt
// before as its own and "connected" on a socket it had closed; the server then opened the
// current attempt's connection and sent the resent write's answer (BADVERSION) on it, which
// the client dropped as a duplicate of the other connection's numbers. The controller's event
// waited for good, every later AlterPartition queued behind it, and ZooKeeper kept ISR [1]
// after the heal: a liveness failure on the correct model (not the Kafka finding
// zk-stale-controller-cache, whose controller does answer INVALID_UPDATE_VERSION).
// In ZooKeeper each attempt is a new socket (ClientCnxnSocketNIO.connect from
// ClientCnxn.SendThread.startConnect; cleanup closes the old one), so a late answer to an old
// attempt never reaches the new one. Fix: a client connection's messages carry the attempt's
// id (model/zk-connection.ts); the client's session expires while it cannot connect, another
// broker takes over as controller, and t/0 recovers its ISR.

import { describe, expect, it } from 'vitest';
import { ZkConnectionEnd } from '../../../model/zk-connection.ts';
import type { ZkMessage } from '../../../model/zk-protocol.ts';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a late answer on an abandoned connection attempt', () => {
  it('seed 190019679: the client ignores it, its session expires, t/0 recovers', () => {
    const seed = 190019679;
    const { result, failing } = rerun(seed, fixtureInput(seed, 'zookeeper'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.codeProbes).toContain('zk-client-other-connection-dropped');
    expect(result.codeProbes).toContain('zk-session-expired');
  });

  it("one connection's end drops what another connection's end sent, and delivers its own", () => {
    const server = new ZkConnectionEnd(7);
    const earlier = new ZkConnectionEnd(3);
    const close: ZkMessage = { type: 'ZkClose', sessionId: 1 };
    const answer: ZkMessage = { type: 'ZkConnectResponse', sessionId: 1, timeoutMs: 6000 };
    const client = new ZkConnectionEnd(7);
    expect(client.arrive(earlier.stamp(answer))).toBe('other-connection');
    expect(client.arrive(server.stamp(answer))).toBe('deliver');
    expect(client.arrive(earlier.stamp(close))).toBe('other-connection');
    expect(client.arrive(server.stamp(close))).toBe('deliver');
    expect(client.other(earlier.resendRequest())).toBe(true);
    expect(client.other(server.resendRequest())).toBe(false);
  });
});
