// Regression (checker: checkers/txn-offsets.ts aborted-offsets-read).
//
// Swarm seed 410055293 (Kafka 4.1, transaction.version 2, KRaft, the correct model) reported
// aborted-offsets-read: "group ctp-tx-0, t-0: a fetch (event 179) returned committed offset 47, but
// no transaction sent it". The tests run fixtures/seed-410055293-shifted.json, a hand-shifted
// schedule derived from the seed's shrink: the cut of broker 2 from broker 1 starts at 4.546 s, not
// 4.959 s. Under the KRaft metadata timing (controller.quorum.append.linger.ms and the rest,
// docs/readme-model.md) the same epoch-8 transaction runs 0.41 s earlier (4.536-4.548 s) and
// completes before the shrink's cut; the cut at 4.546 or 4.547 s falls inside it again. The chain:
// 1. tx-0's transaction at epoch 8 (producer 3000000, invoked at 4.536 s) fetched 24, polled t/0 to
//    43, sent x600-19 (t/0 offset 44), committed offset 44 with TxnOffsetCommit (appended to
//    `__consumer_offsets`/0 at 4.544 s as the producer's transactional batch), then sent
//    EndTxn(COMMIT): the coordinator wrote PrepareCommit (TV2: epoch bumped to 9) at 4.546 s.
// 2. Its client was killed (kill -9) at 6.81 s before the EndTxn answer: the operation has no
//    completion, so the history never says which offset it sent.
// 3. The markers waited on the cut broker 2 ↔ broker 1; the restarted client's InitProducerId was
//    answered CONCURRENT_TRANSACTIONS while tx-0 was in PrepareCommit
//    (TransactionCoordinator.handleInitProducerId, 3.9.0-rc3: `case PrepareAbort | PrepareCommit =>
//    Left(Errors.CONCURRENT_TRANSACTIONS)`), and the COMMIT markers landed at 35.0 s on t/0 and on
//    `__consumer_offsets`/0 (OffsetMetadataManager.replayEndTransactionMarker makes the pending
//    offset 44 the committed one). Correct: the transaction did commit (polls read x600-19).
// The checker only counted offsets a completion recorded. It now lets a transaction cut off without
// a completion after invoking send-offsets, known committed, explain a later fetch of an offset no
// higher than its first record on the source partition (the position its poll reached before its
// own records were appended).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a consume-transform-produce transaction committed after its client was killed', () => {
  it('seed 410055293 (shifted): offset 44, sent by the cut-off epoch-8 transaction, is no aborted-offsets-read', () => {
    const { result, failing } = rerun(410055293, fixtureInput(410055293, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('ok');
    expect(result.verdict.anomalies.filter((a) => a.kind === 'aborted-offsets-read')).toEqual([]);
  });

  it('seed 410055293 (shifted): offset 44 is committed at 4.54 s and its COMMIT marker lands at 35 s', () => {
    const { result } = rerun(410055293, fixtureInput(410055293, 'shifted'), 'correct', true);
    const appends = result.trace!.timeline.filter(
      (e) => e.kind === 'append' && (e as { topic?: string }).topic === '__consumer_offsets',
    ) as Array<{ t: number; broker: number; values: string[] }>;
    const leader = appends.filter((a) => a.broker === 2);
    const commit44 = leader.find((a) => a.values.some((v) => v.includes('"offset":44')));
    expect(commit44?.t).toBeLessThan(6_812_000);
    const marker = leader.find((a) => a.t > commit44!.t && a.values.includes('COMMIT'));
    expect(marker?.t).toBeGreaterThan(19_683_000);
  });
});
