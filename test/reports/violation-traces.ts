// Variations of the acks=1 fixture for the report's story and opening tests:
// - whiteBoxTrace: the violation is a white-box one (candidate-complete) on t-1, not the
//   trace's first partition, and a fourth broker holds no replica of anything;
// - expectedTrace: the loss is expected, beyond Kafka's promise, with the PromiseBreach the
//   driver attaches (checkers/verdict.ts).
import type { Trace } from '../../checkers/trace.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';

const S = 1_000_000;

/** The moment the white-box violation is seen: broker 1's crash has just shrunk t-1's ISR. */
export const WHITE_BOX_AT_US = 13.05 * S;

export function whiteBoxTrace(): Trace {
  const trace = acks1LossTrace({ extraPartition: true });
  trace.nodes.push({ id: 4, name: 'broker 4', role: 'broker' });
  trace.verdict = {
    valid: false,
    checker: 'invariants',
    anomalies: [
      {
        kind: 'candidate-complete',
        explanation:
          'Broker 2 is in the ISR of t-1 and could be elected, but its log ends at 1, ' +
          'below the committed high watermark 2.',
        topic: 't',
        partition: 1,
        nodes: [2],
        timesUs: [WHITE_BOX_AT_US],
      },
    ],
  };
  return trace;
}

export const BREACH = {
  rule: 'acks-1-unreplicated',
  explanation:
    'acks=1 acknowledges a record the followers have not fetched; Kafka promises nothing for it if the leader fails',
  partition: 0,
  nodes: [1],
  atUs: 4.05 * S,
  event: 'crash (kill -9) of broker 1',
};

export function expectedTrace(): Trace {
  const trace = acks1LossTrace();
  for (const a of trace.verdict.anomalies) {
    if (a.informational) continue;
    a.expected = true;
    a.expectedBecause = BREACH;
  }
  trace.outcome = 'expected';
  return trace;
}
