// Known limitation, pinned (README "What is not there yet": 3.6–4.0 without ELR). swarm@3.6
// seed 111 reported on the correct model: "Offset 0 of t/0 holds 2 different values ("p200-0",
// "probe-400-0")", broker 1 in the ISR with an empty log. It is KIP-966's "last replica
// standing" loss, which Kafka 3.6 has; the promise tracker judges every version by KIP-966's
// promise, so the run stays a violation.
//
// The chain (shrunk run; node 1 is broker and sole controller): p200-0 commits at t/0 offset 0
// on all three replicas (HW 1 at 103 ms with the ISR {1, 2, 3}: not KAFKA-15583, whose missing
// min-ISR hold in 3.6.0's Partition.maybeIncrementLeaderHW only matters for an HW raised while
// the ISR is short). Cuts between node 1 and brokers 2 and 3 stop their heartbeats; the
// controller fences each at its session timeout and removes it from every ISR
// (ReplicationControlManager.handleBrokerFenced → generateLeaderAndIsrUpdates, 3.6.0): {1, 3} at
// 6.525 s, {1} at 12.525 s (each record committed 25 ms after the fencing, the
// controller.quorum.append.linger.ms; 6.5 s and 12.5 s before the KRaft metadata timing). Node 1
// then loses power with offset 0 unflushed (no flush policy; recovery point 0) and restarts empty.
// In 3.6.0, PartitionChangeBuilder.build never writes an empty ISR (`!targetIsr.isEmpty()`), so
// broker 1 stays the ISR's last member while fenced; and nothing on re-registration marks an
// unclean shutdown (3.6.0's BrokerRegistrationRequest has no previousBrokerEpoch; 3.7.0's
// ClusterControlManager.registerBroker only logs "TODO(KIP-966)"). Back at 19.85 s, the restarted
// controller refuses broker 1's new incarnation while the session it gave the old one is valid
// (registerBroker: DuplicateBrokerRegistrationException), fences it when that session expires
// (leader -1, ISR still {1}), registers it, and once it is unfenced elects it from the ISR {1}
// with leader epoch 3 (25.93 s); broker 3 truncates to 0 (diverging epoch) and the probe's record
// takes offset 0.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

type Timeline = NonNullable<ReturnType<typeof rerun>['result']['trace']>['timeline'];

/** The controller records of t/0 in `timeline`: [time µs, leader, isr]. */
function t0Records(timeline: Timeline): [number, number, number[]][] {
  const out: [number, number, number[]][] = [];
  for (const e of timeline) {
    if (e.kind === 'partition' && e.topic === 't' && e.partition === 0) out.push([e.t, e.leader, [...e.isr]]);
  }
  return out;
}

describe('swarm@3.6 seed 111: the sole ISR member loses power, stays in the ISR and is re-elected empty', () => {
  it('loses the committed p200-0 exactly as Kafka 3.6 does', () => {
    const { result, failing } = rerun(111, fixtureInput(111, 'swarm36'), 'correct', true);
    const timeline = result.trace?.timeline ?? [];
    expect(t0Records(timeline)).toEqual([
      [86_337, -1, [1, 2, 3]],
      [86_337, 1, [1, 2, 3]],
      [6_525_000, 1, [1, 3]],
      [12_525_000, 1, [1]],
      [25_904_835, -1, [1]],
      [25_930_453, 1, [1]],
      [25_958_327, 1, [1, 3]],
    ]);
    const powerLoss = timeline.filter((e) => e.kind === 'node' && e.state === 'down');
    expect(powerLoss.map((e) => (e.kind === 'node' ? [e.t, e.node, e.cause] : []))).toEqual([
      [12_525_000, 1, 'power-loss'],
    ]);
    const recovered = timeline.filter((e) => e.kind === 'truncate' && e.topic === 't' && e.broker === 1);
    expect(recovered.map((e) => (e.kind === 'truncate' ? [e.t, e.toOffset, e.reason] : []))).toEqual([
      [19_851_000, 0, 'recovery'],
    ]);
    expect(failing.map((f) => f.split(':')[0])).toEqual([
      'inconsistent-offsets',
      'lost-write',
      'candidate-complete',
      'acked-durable',
      'consistent-read',
      'candidate-complete',
      'consistent-read',
    ]);
    expect(failing[1]).toContain('"p200-0"');
  });
});
