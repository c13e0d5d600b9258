// Regression (checker, kafka.ts): a process that assigned a partition at offset 0 after every
// send had completed, and then never polled it (the run ended first, or its consumer went
// elsewhere), made checkKafka throw ("cannot read properties of undefined"): the final-read
// rule looked at the last of its operations on the partition without checking there was one.
// Such a process is not a final read (DESIGN §5 asks for polls to the end, the last one ok),
// so it is skipped, as a read still in flight is.

import { describe, expect, it } from 'vitest';
import { checkKafka } from '../../../checkers/index.ts';
import { HistoryBuilder } from '../helpers.ts';

describe('a final-read stream that never polled', () => {
  it('is not a final read, and the checker does not throw', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).assign(9, 0).events;
    const v = checkKafka(h, { finalReadComplete: true });
    expect(v.valid).toBe(true);
    expect(v.anomalies.filter((a) => a.informational !== true)).toEqual([]);
  });

  it('another process that did read to the end still judges the partition', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .assign(9, 0)
      .assign(8, 0)
      .pollValues(8, 0, ['a']).events;
    const v = checkKafka(h, { finalReadComplete: true });
    expect(v.valid).toBe(false);
    expect(v.anomalies.map((a) => a.kind)).toContain('lost-write');
  });
});
