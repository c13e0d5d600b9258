// Regression (driver: the promise, a breach of `__transaction_state` on the data partitions).
// The transactions scenario reported on the correct model, seed 1000016: "Offset 73 of t/0
// holds 2 different values ("x600-21", "x601-24")", and lost writes of x601-23…25, all sent
// after a power loss of all four brokers (beyond the promise): the reloaded coordinator gave an
// epoch bump it had lost to the other instance of tx-0, and leaders took one instance's batches
// as duplicates of the other's. Kafka does the same; the promise explains such anomalies of
// records sent within a transaction after a breach of `__transaction_state` (sharedEpochBreach).
// Replayed at kafka.version 3.9 (KIP-996 pre-vote from 4.0 delays the controllers' elections).
//
// Under the KRaft metadata timing the shrink's run no longer reaches that situation, so this is
// a schedule hand-built from seed 1000016's shrink (fixtures/seed-1000016-slow-601.json): the
// power loss fires after the first t/0 acknowledgement from 7.72 s on (was 5.958 s), at 7.80 s,
// and one fault is added: once a coordinator has loaded its state after the restart (code probe
// txn-coordinator-loaded, 27.29 s), the link instance 601 ↔ broker 1 (the new coordinator of
// tx-0 and leader of t/0) is slowed by 2 s for 5 s, a slow link Kafka allows.
// The chain: instance 601 of tx-0 bumped producer 3000001 to epoch 9 (InitProducerId at 7.57 s,
// the Empty record at offset 33 of `__transaction_state`/1). The power loss kept that log only up
// to its last segment roll (offset 28), so it took the bump: the coordinator reloaded epoch 8
// (Ongoing, offset 27). Instance 600, still at epoch 8, got OUT_OF_ORDER_SEQUENCE_NUMBER for
// x600-19 (t/0 lost data too), aborted and bumped its epoch with KIP-360's InitProducerId
// (expected epoch 8): it was given epoch 9 again at 28.44 s (TransactionMetadata.
// prepareIncrementProducerEpoch). 601's AddPartitionsToTxn at epoch 9, sent at 28.36 s, reached the
// coordinator on the slow link only at 30.36 s, after that bump, so it was accepted: both
// instances hold producer 3000001 at epoch 9 and neither is fenced. 600 sent x600-21…29 at
// sequences 0–8 (x600-27…29 at 6–8, offsets 71–73, aborted); 601 then sent x601-23…25 at its
// sequences 6–8, and t/0's leader answered them as duplicates (ProducerStateEntry.
// findDuplicateBatch compares the epoch and the sequences only) at 600's offsets 71–73, and 601
// committed: lost writes excused only by the breach of `__transaction_state` (without
// sharedEpochBreach the run is a violation, checked by disabling it; without the slow link 601
// is fenced at 28.36 s and none of this happens). x601-17 and x601-18 had been acknowledged at 72
// and 73 before the power loss, which took them with t/0's own data: the duplicate answers for
// x601-24 and x601-25 there make those offsets hold two values.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('two instances of a transactional id at one epoch after the coordinator lost the bump', () => {
  it('seed 1000016 hand-built (slow 601 link): duplicates acked at the other instance offsets are explained', () => {
    const input = fixtureInput(1000016, 'slow-601');
    const { result, failing } = rerun(1000016, { ...input, shape: { ...input.shape, kafkaVersion: '3.9' } });
    expect(failing).toEqual([]);
    const lost = result.verdict.anomalies.filter(
      (a) => a.kind === 'lost-write' && a.expectedBecause?.topic === '__transaction_state',
    );
    expect(lost.map((a) => [a.values, a.offsets])).toEqual([
      [['x601-23'], [71]],
      [['x601-24'], [72]],
      [['x601-25'], [73]],
    ]);
    const twice = result.verdict.anomalies.filter((a) => a.kind === 'inconsistent-offsets');
    expect(twice.map((a) => [a.offsets?.[0], [...(a.values ?? [])].sort()])).toEqual([
      [72, ['x601-17', 'x601-24']],
      [73, ['x601-18', 'x601-25']],
    ]);
  });
});
