// Regression (promise labelling), ZooKeeper mode: swarm seed 440046972 (`--controller zookeeper`,
// Kafka 3.9, min.insync.replicas 3), its shrunk counterexample (fixtures/seed-440046972.json: 6
// faults, 113 sends). It was reported as a violation of the correct model: duplicate, "p200-32" at
// offsets 25 and 27 of t/0, sent once. The run is beyond the promise (broker 3, leader of epoch 1,
// lost power at 28.006 s), but the duplicate is no consequence of that loss: it is a KIP-360
// resend (KAFKA-14034), which the rule 'kip-360-resend' covers. Every step is Kafka's (@ 3.9.0-rc3):
// - Broker 1 leads epoch 2 (ISR [1, 2, 3], broker 3 cut off from it) and appends "p200-32" at 25
//   and "p200-38" at 26 under producer epoch 0 (77.08 s); the HW stays at 24 (broker 3's fetch
//   state), so the producer gets no answer.
// - Broker 3 leads epoch 3 (80.53 s); the producer, its batch's outcome unknown, bumps its epoch
//   to 1 and re-sends both from sequence 0 (TransactionManager.bumpIdempotentProducerEpoch); broker
//   3 appends "p200-32" at 25 under epoch 1 (80.73 s), unanswered, and loses it in its power loss
//   at 87.61 s.
// - Broker 1 leads epoch 4 (106.0 s) with its own log (25 "p200-32" and 26 "p200-38" of epoch 2,
//   producer epoch 0); brokers 2 and 3 copy them (ReplicaFetcherThread: a follower's batch keeps
//   its leader epoch). Broker 1 takes the retry of "p200-32" at 27 under epoch 1, sequence 0: a new
//   epoch (ProducerAppendInfo.checkSequence accepts sequence 0 when the epoch changes).
// So the copies are epoch 0 at 25 and epoch 1 at 27, strictly growing, as "p200-38"'s at 26 and 28
// (excused). The tracker's AppendIdentities kept one identity per offset and value, the LAST leader
// append there: broker 3's lost epoch-1 copy at 25, so it saw epochs 1, 1 and refused. It now takes
// the append whose leader epoch the last look's leader log carries at that offset (copyIn).
// On e6fcc57 the seed ran otherwise (15,022 events, not 25,471; another duplicate, "p201-29",
// excused as kip-360-resend): the run changed, not the judging.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a KIP-360 duplicate whose lower offset also took the resend, lost with its leader', () => {
  it('seed 440046972 (shrunk): "p200-32" at 25 and 27 is a kip-360-resend, nothing fails', () => {
    const input = fixtureInput(440046972);
    expect(input.shape.zookeeper).toBeDefined();
    const { result, failing } = rerun(440046972, input, 'correct', true);
    expect(failing).toEqual([]);
    const at25 = (result.trace?.timeline ?? []).filter(
      (e) => e.kind === 'append' && e.partition === 0 && e.firstOffset === 25 && e.values[0] === 'p200-32',
    );
    // Broker 1's copy in epoch 2, then broker 3's resend in epoch 3, and followers' copies of epoch 2.
    expect(at25.some((e) => e.kind === 'append' && e.broker === 3 && e.epoch === 3)).toBe(true);
    expect(at25.some((e) => e.kind === 'append' && e.broker === 1 && e.epoch === 2)).toBe(true);
    const dup = result.verdict.anomalies.find((a) => a.kind === 'duplicate' && a.values?.[0] === 'p200-32');
    expect(dup).toMatchObject({ offsets: [25, 27], expected: true, expectedBecause: { rule: 'kip-360-resend' } });
    expect(result.beyondPromise).toBe(true);
  });
});
