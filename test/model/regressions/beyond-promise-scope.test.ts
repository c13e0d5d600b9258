// What a run beyond the durability promise excuses (issue 18 item 6, driver/promise.ts
// expectedBecause): the loss of records sent before the breach and what that loss leads to.
//
// Swarm seed 18004268 (base 18000000, the correct model), reported as a duplicate when
// duplicates stopped being excused wholesale beyond the promise: producer 200 sent p200-51 at
// 14.3 s; broker 1 appended it at offset 51, it was committed and both consumers read it there
// at 44 s. Broker 1 was killed, broker 2 lost power with a torn tail, recovered to offset 48
// (what its page cache had written back) and was elected as the last known leader (KIP-966;
// the breach, at 67.7 s); broker 1 truncated to it. The producer's send was still unanswered;
// its retry reached broker 2, whose producer state had lost the batch with the log
// (ProducerStateManager is rebuilt from the log), so it appended p200-51 again at offset 48
// (ProducerAppendInfo.checkSequence accepts it: the producer is unknown after the
// truncation). The consumers read it there too: two offsets for one send, and one copy left
// in the log. That is Kafka's behaviour once the promise is broken (the lost copy is a loss of
// a record sent before the breach), so the duplicate is expected; a duplicate whose copies all
// survive stays a violation (test/fuzz/promise.test.ts, and the planted dedupe bug of
// planted-dedupe-bug.test.ts).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('a duplicate beyond the promise', () => {
  it('seed 18004268: a record read, lost with the last known leader and appended again by the retry', () => {
    const { result, failing } = rerun(18004268, fixtureInput(18004268));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.find((a) => a.kind === 'duplicate' && a.values?.includes('p200-51'));
    expect(dup).toMatchObject({ expected: true, offsets: [48, 51] });
    expect(dup!.expectedBecause).toMatchObject({ rule: 'last-known-leader-elected', partition: 0 });
    expect(dup!.expectedBecause!.event).toMatch(/election of broker 2/);
    expect(result.outcome).toBe('expected-loss');
  });
});
