// Clients and connection resets (model/client-net.ts, NetworkClient.handleDisconnections): a
// broker process that dies fails the requests outstanding to it at once, and the client
// refreshes its metadata and moves on, instead of waiting request.timeout.ms; a hung broker
// (paused) still costs the whole timeout.

import { describe, expect, it } from 'vitest';
import type { ProducerActor } from '../../../model/producer.ts';
import type { ProduceHook } from './fake-broker.ts';
import { FAST_CONFIG, addProducer, assertWellFormed, fakeRig, sendValues } from './helpers.ts';

const P = 200;
const SLOW_TIMEOUT = { ...FAST_CONFIG, 'request.timeout.ms': 30_000, 'delivery.timeout.ms': 120_000 };

/** Broker 1 leads and swallows produce requests; at 50 ms broker 2 takes over and broker 1 crashes or hangs. */
function run(fault: 'crash' | 'pause'): { okBy: number; firstOk: number; retries: number } {
  const hook: ProduceHook = (_req, b) => (b.ctx.id === 1 ? 'silence' : 'append');
  const rig = fakeRig(21, { brokers: [1, 2], shared: true, hook });
  rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 0, replicas: [1, 2] });
  rig.sim.at(50_000, 'fail over', () => {
    rig.world.partitions.set('t/0', { leader: 2, leaderEpoch: 1, replicas: [1, 2] });
    if (fault === 'crash') rig.sim.crash(1);
    else rig.sim.pause(1);
  });
  addProducer(rig, P, { sends: 5, sendIntervalMs: 5, config: SLOW_TIMEOUT });
  let okBy = -1;
  let firstOk = -1;
  rig.sim.run({
    untilUs: 130_000_000,
    stopWhen: () => {
      const ok = sendValues(rig.recorder.events, 'ok').length;
      if (firstOk < 0 && ok > 0) firstOk = rig.sim.now();
      if (okBy < 0 && ok === 5) okBy = rig.sim.now();
      return okBy >= 0;
    },
  });
  assertWellFormed(rig.recorder.events);
  return { okBy, firstOk, retries: rig.sim.actor<ProducerActor>(P)!.sender!.stats.retries };
}

describe('client disconnects', () => {
  it('a crashed leader fails the in-flight produce at once: the producer retries on the new leader', () => {
    const { okBy, retries } = run('crash');
    expect(retries).toBeGreaterThan(0);
    expect(okBy).toBeGreaterThan(0);
    expect(okBy).toBeLessThan(1_000_000);
  });

  it('a hung (paused) leader is noticed only at request.timeout.ms', () => {
    const { firstOk } = run('pause');
    expect(firstOk).toBeGreaterThan(30_000_000);
  });
});
