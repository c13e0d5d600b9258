// Regression (driver: the promise, G1a after a loss). The transactions scenario (campaign of
// base seed 94000000 after the fixes for seeds 92001250 and 1000016) reported on the correct
// model, seed 94000981: "A poll of t/0 by process 400000 returned "x600-29" at offset 66, but
// the transaction that sent it was aborted", after a power loss of all three brokers (beyond
// the promise).
//
// The fixture is a hand-shifted schedule derived from seed 94000981: its power loss of every
// broker at 9.75 s instead of 9.665 s. Under the KRaft metadata timing (25 ms append linger,
// flush after a drain) the run moved: a power loss anywhere from 7.8 s to 9.7 s no longer
// reaches the chain (no G1a); from 9.75 s to at least 11.7 s it does, with these same offsets.
// The chain below is that of the shifted run.
//
// The chain: x600-29 and x600-30 (offsets 66, 67) were aborted at 7.80 s, the ABORT marker at
// 68 opening a new, unflushed segment; the power loss cuts every replica of t/0 to 68 and
// `__transaction_state`/1 to its PrepareCommit of a later transaction (offset 62). The records
// kept re-open the producer's transaction on recovery; the reloaded coordinator resends that
// COMMIT, t/0 appends it at 68, and it completes the open transaction from 66
// (ProducerAppendInfo.appendEndTxnMarker): the aborted records are committed. Kafka does the
// same; the promise now explains a G1a of records whose abort was answered before a breach of
// their partition.
// The fixture was recorded before the model had KIP-890 part 1: with the leaders' verification
// round trips the same input runs on another timeline, which no longer reaches the chain (none
// of its steps is a produce the verification refuses: the re-opened transaction comes from the
// log and the COMMIT from the coordinator). It reruns with the verification off (the
// hanging-transaction variant), the model of that time.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('an aborted transaction committed by a later marker after its ABORT was lost', () => {
  it('seed 94000981: the aborted reads are explained by the power loss of t/0', () => {
    const { result, failing } = rerun(94000981, fixtureInput(94000981, 'power-loss-9750'), 'hanging-transaction');
    expect(failing).toEqual([]);
    const g1a = result.verdict.anomalies.filter((a) => a.kind === 'G1a');
    expect(g1a.map((a) => a.offsets)).toEqual([[66], [67]]);
    expect(g1a.every((a) => a.expectedBecause?.rule === 'min-isr-power-loss' && a.expectedBecause.topic === 't')).toBe(
      true,
    );
  });
});
