// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions).
// The transactions scenario reported on the correct model, seed 1000016: "Offset 73 of t/0
// holds 2 different values ("x600-21", "x601-24")", and lost writes of x601-23…25, all sent
// after a power loss of all four brokers (beyond the promise).
//
// The chain: instance 600 of transactional id tx-0 bumped its epoch to 7 (InitProducerId, the
// Empty record at offset 28 of `__transaction_state`/1); the power loss took that record, and
// the coordinator reloaded epoch 6 from what the log kept, then gave epoch 7 again to instance
// 601. Both instances hold producer 3000001 at epoch 7 and neither is fenced; t/0's leader takes
// 601's batches at the sequences 600 had used for x600-20…22 as duplicates
// (ProducerStateEntry.findDuplicateBatch) and acknowledges them at 600's offsets 71, 73, 74.
// Kafka does the same; the promise now explains such anomalies of records sent within a
// transaction after a breach of `__transaction_state` (sharedEpochBreach).
// Replayed at kafka.version 3.9: the run was found before the model had KIP-996 pre-vote
// (4.0 on), which delays the controllers' elections by a pre-vote round; at 4.1 the power
// loss no longer takes the bump.
// Since a consumer under auto.offset.reset=none stops at a LogTruncationException (the
// fixture's consumers use none) instead of seeking back, the run takes another timeline: 601's
// x601-20…22 are acknowledged at 600's offsets 67–69 (x600-14…16, lost with t's own power
// loss), and 600's x600-19, sent at the shared epoch, is acknowledged at 69 as a duplicate of
// 601's batch there and lost: excused only by the breach of `__transaction_state` (without
// sharedEpochBreach the run is a violation, checked by disabling it).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('two instances of a transactional id at one epoch after the coordinator lost the bump', () => {
  it('seed 1000016: the duplicates acknowledged at the other instance offsets are explained', () => {
    const input = fixtureInput(1000016);
    const { result, failing } = rerun(1000016, { ...input, shape: { ...input.shape, kafkaVersion: '3.9' } });
    expect(failing).toEqual([]);
    const lost = result.verdict.anomalies.filter(
      (a) => a.kind === 'lost-write' && a.expectedBecause?.topic === '__transaction_state',
    );
    expect(lost.map((a) => [a.values, a.offsets])).toEqual([[['x600-19'], [69]]]);
    const twice = result.verdict.anomalies.filter((a) => a.kind === 'inconsistent-offsets');
    expect(twice.map((a) => [a.offsets?.[0], [...(a.values ?? [])].sort()])).toEqual([
      [67, ['x600-14', 'x601-20']],
      [68, ['x600-15', 'x601-21']],
      [69, ['x600-16', 'x600-19', 'x601-22']],
    ]);
  });
});
