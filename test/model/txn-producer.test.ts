// The transactional producer (model/txn-producer.ts) end to end on real brokers with the
// transaction coordinator: its history (`txn` operations in Jepsen's vocabulary) and a
// read_committed consumer's polls are judged by the Kafka and transactional checkers
// (checkers/txn.ts). The producer's operations name their topic, so their Jepsen keys are read
// as that topic's partitions (checkers/kafka-actions.ts), the ones the consumer polls.

import { describe, expect, it } from 'vitest';
import { createHistoryRecorder, historyProblems } from '../../model/history-recorder.ts';
import type { HistoryRecorder } from '../../model/client-api.ts';
import { checkKafkaAndTxn } from '../../checkers/txn.ts';
import { recordingCodeProbes } from './helpers.ts';
import {
  addProducer,
  addReadCommittedConsumer,
  fenceThenCrashCoordinator,
  producerDone,
  txnCluster as cluster,
} from './txn-helpers.ts';

function outcomes(recorder: HistoryRecorder): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of recorder.events) if (e.f === 'txn' && e.type !== 'invoke') out[e.type] = (out[e.type] ?? 0) + 1;
  return out;
}

describe('the transactional producer', () => {
  it('commits and aborts transactions across partitions; read_committed sees exactly the committed ones', () => {
    const c = cluster();
    const recorder = createHistoryRecorder();
    addProducer(c, 200, recorder, 20, 'a');
    addReadCommittedConsumer(c, 300, recorder);
    expect(c.runUntil(() => producerDone(c, 200), 120_000_000)).toBe(true);
    c.runFor(3_000_000);
    expect(historyProblems(recorder.events)).toEqual([]);
    const o = outcomes(recorder);
    expect(o.ok).toBeGreaterThan(5);
    expect(o.fail).toBeGreaterThan(0);
    const [kafka, txn] = checkKafkaAndTxn(recorder.events, { finalReadComplete: false });
    expect(kafka.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    expect(txn.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    // Every committed value was polled; no aborted one was.
    const polled = new Set<string>();
    for (const e of recorder.events)
      if (e.f === 'poll' && e.type === 'ok')
        for (const [, v] of (e.value as { records?: Array<[number, string]> }).records ?? []) polled.add(v);
    for (const e of recorder.events) {
      if (e.f !== 'txn' || e.type === 'invoke') continue;
      const values = (e.value as Array<[string, number, unknown]>).map((m) =>
        String(Array.isArray(m[2]) ? m[2][1] : m[2]),
      );
      for (const v of values) expect(polled.has(v)).toBe(e.type === 'ok');
    }
  });

  it('on transaction.version 2 (4.1): the produce adds the partition, one epoch per transaction from EndTxn', () => {
    const c = cluster();
    const recorder = createHistoryRecorder();
    const probes = recordingCodeProbes(() => {
      addProducer(c, 200, recorder, 8, 'a');
      expect(c.runUntil(() => producerDone(c, 200), 120_000_000)).toBe(true);
    });
    expect(probes).toContain('txn-v2-partition-added-by-produce');
    expect(probes).toContain('txn-v2-end-txn-epoch-bump');
    // No fault: each transaction ran at the epoch the previous EndTxn answered (InitProducerId gave 0).
    const epochs = recorder.events.filter((e) => e.f === 'txn' && e.type === 'invoke').map((e) => e.producerEpoch);
    expect(epochs).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const [kafka, txn] = checkKafkaAndTxn(recorder.events, { finalReadComplete: false });
    expect(kafka.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    expect(txn.anomalies.filter((a) => a.informational !== true)).toEqual([]);
  });

  it('a second instance with the same transactional.id fences the first; a coordinator crash is survived', () => {
    const c = cluster();
    const recorder = createHistoryRecorder();
    fenceThenCrashCoordinator(c, recorder, 15, 'a', 'b');
    expect(c.runUntil(() => producerDone(c, 200) && producerDone(c, 201), 300_000_000)).toBe(true);
    c.runFor(5_000_000);
    expect(historyProblems(recorder.events)).toEqual([]);
    const fenced = recorder.events.filter((e) => e.f === 'txn' && e.error === 'PRODUCER_FENCED').length;
    const invalidEpoch = recorder.events.filter((e) => e.f === 'txn' && e.error === 'INVALID_PRODUCER_EPOCH').length;
    expect(fenced + invalidEpoch).toBeGreaterThan(0);
    expect(outcomes(recorder).ok).toBeGreaterThan(0);
    const [kafka, txn] = checkKafkaAndTxn(recorder.events, { finalReadComplete: false });
    expect(kafka.anomalies.filter((a) => a.informational !== true)).toEqual([]);
    expect(txn.anomalies.filter((a) => a.informational !== true)).toEqual([]);
  });
});
