// Bug zoo: validation-seeks-ahead. After a leader change the consumer validates its position
// (KIP-320: OffsetsForLeaderEpoch for the epoch of the last record it read) and moves to the
// end offset the new leader names even when that lies ahead of the position; Kafka's
// SubscriptionState.maybeCompleteValidation moves only when the end offset is below it
// (truncation), and otherwise keeps the position.
// Schedule (fake brokers, one partition): leader 1 (epoch 1) holds a0..a4; broker 2 holds the
// same and b5 of epoch 2. Consumer 300 reads two records a poll, so it has read a0, a1 when
// broker 2 becomes leader. Its validation answer is "epoch 1 ends at offset 5". The variant
// jumps from 2 to 5, never reading a2..a4; the correct consumer reads on from 2. Consumer 301,
// started later, reads the whole log, so the checker knows what lies at offsets 2..4.
// Caught by: poll-skip (checkers/kafka.ts judges the consumer's own seek as Jepsen would).

import { describe, expect, it } from 'vitest';
import { checkKafka } from '../../../checkers/index.ts';
import type { ProtocolVariant } from '../../../model/config.ts';
import { addConsumer, assertWellFormed, FAST_CONFIG, fakeRig } from '../clients/helpers.ts';

const T0 = [{ topic: 't', partition: 0 }];

function run(variant: 'correct' | ProtocolVariant) {
  const rig = fakeRig(77, { brokers: [1, 2] });
  rig.world.partitions.set('t/0', { leader: 1, leaderEpoch: 1, replicas: [1, 2] });
  rig.broker(1).seed('t', 0, 1, ['a0', 'a1', 'a2', 'a3', 'a4']);
  rig.broker(2).seed('t', 0, 1, ['a0', 'a1', 'a2', 'a3', 'a4']);
  rig.broker(2).seed('t', 0, 2, ['b5']);
  const config = { ...FAST_CONFIG, 'max.poll.records': 2 };
  addConsumer(rig, 300, { assignment: T0, config, pollIntervalMs: 400, variant });
  const moved = { leader: 2, leaderEpoch: 2, replicas: [1, 2] };
  rig.sim.at(200_000, 'leader change', () => rig.world.partitions.set('t/0', moved));
  rig.sim.at(300_000, 'second reader', () => addConsumer(rig, 301, { assignment: T0, config }));
  rig.sim.run({ untilUs: 5_000_000 });
  assertWellFormed(rig.recorder.events);
  return checkKafka(rig.recorder.events).anomalies;
}

describe('zoo: validation-seeks-ahead', () => {
  it('the variant seeks past records it never read: a poll-skip', () => {
    const anomalies = run('validation-seeks-ahead');
    expect(anomalies.filter((a) => a.kind === 'nonmonotonic-poll')).toEqual([]);
    const skips = anomalies.filter((a) => a.kind === 'poll-skip');
    expect(skips).toHaveLength(1);
    expect(skips[0].offsets).toEqual([2, 5]);
    expect(skips[0].values).toEqual(['a1', 'a2', 'a3', 'a4']);
    expect(skips[0].explanation).toMatch(/KIP-320 truncation detection/);
  });

  it('the correct consumer keeps its position after a validation that finds no truncation', () => {
    // The seeded records were never sent (phantom reads): only the poll order is judged here.
    const order = run('correct').filter((a) => a.kind === 'poll-skip' || a.kind === 'nonmonotonic-poll');
    expect(order).toEqual([]);
  });
});
