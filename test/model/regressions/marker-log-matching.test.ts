// Regression (driver: the promise, log-matching on an end-transaction marker). A 100,000-seed
// swarm campaign (base 160,000,000) reported on the correct model, seed 160023953, shrunk:
// "Brokers 2 and 3 disagree at offset 14 of t/0, below both their high watermarks: "COMMIT"
// (epoch 1) against "ABORT" (epoch 5)", after broker 3 lost data in a power loss and was elected
// as KIP-966's last known leader (beyond the promise). The same breach excused the disagreement
// at offset 13 (a client record sent before it) and those of `__transaction_state` (by offset),
// but a marker has no send time: the coordinator's WriteTxnMarkers has the leader write it
// (KafkaApis.handleWriteTxnMarkersRequest → MemoryRecords.withEndTransactionMarker). The promise
// now judges a marker's disagreement by its offset: committed when the breach happened.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('replicas disagree on an end-transaction marker after a last-known-leader election', () => {
  it('seed 160023953: the COMMIT/ABORT disagreement on t/0 is explained by the breach', () => {
    const { result, failing } = rerun(160023953, fixtureInput(160023953));
    expect(failing).toEqual([]);
    const markers = result.verdict.anomalies.filter(
      (a) => a.kind === 'log-matching' && a.topic === 't' && (a.values ?? []).includes('COMMIT'),
    );
    expect(markers.length).toBeGreaterThan(0);
    expect(markers.every((a) => a.expectedBecause?.rule === 'last-known-leader-elected')).toBe(true);
  });
});
