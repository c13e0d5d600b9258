// Regression (model: the group coordinator, KIP-890 part 1 for offsets). Swarm seed 250060476
// (base 250,000,000; Kafka 4.1) reported on the correct model: "The producers' sends had not all
// completed (ok, failed or timed out) by …, although every fault healed at …".
//
// The chain (shrunk: one power loss of all three brokers, 2.0 s → 29.6 s, beyond the promise):
// txn-producer-600 ran tx-0 (producer id 1000001, epoch 0), its AddOffsetsToTxn acknowledged, and
// its TxnOffsetCommit was on the wire when the power went. The power loss took tx-0's records in
// `__transaction_state`. After the restart the retried TxnOffsetCommit was written, unverified, as
// a transactional batch of producer 1000001 into `__consumer_offsets`; EndTxn then answered
// INVALID_PRODUCER_ID_MAPPING (the coordinator knew no tx-0), so no marker ever ended that batch:
// the group's pending offset stayed for good, and the next transaction's OffsetFetch
// (requireStable) was answered UNSTABLE_OFFSET_COMMIT forever. Kafka verifies a TxnOffsetCommit
// before writing it (3.7+: GroupCoordinatorService.commitTransactionalOffsets →
// CoordinatorRuntime.scheduleTransactionalWriteOperation → CoordinatorPartitionWriter
// .maybeStartTransactionVerification): the coordinator answers INVALID_PRODUCER_ID_MAPPING, the
// offsets are not written, and the client's TxnOffsetCommitHandler fails the producer (fatal).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a TxnOffsetCommit of a transaction its coordinator lost', () => {
  it('seed 250060476: is refused by its verification, so no pending offset wedges the group', () => {
    const { result, failing } = rerun(250060476, fixtureInput(250060476), 'correct', true);
    expect(failing).toEqual([]);
    expect(result.verdict.anomalies.filter((a) => a.kind === 'liveness')).toEqual([]);
    expect(result.codeProbes).toContain('group-txn-offset-commit-unverified');
    // The transaction of producer 1000001 ends (fail), and the producer goes on with a new id.
    const history = result.trace?.history ?? [];
    const ended = history.find((op) => op.f === 'txn' && op.type !== 'invoke' && op.process === 600_000);
    expect(ended?.type).toBe('fail');
    expect(history.filter((op) => op.f === 'txn' && op.type === 'ok').length).toBeGreaterThan(0);
  });
});
