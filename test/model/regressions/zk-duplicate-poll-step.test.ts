// ZooKeeper mode: swarm seed 490044623 (`--controller zookeeper`, main 2afe327), as shrunk to 3
// faults. Broker 2, leader of t/0 in epoch 0 (ISR [2, 3, 1]), loses power at 2.694 s with
// offsets 20–24 committed (the breach, min-isr-power-loss) and comes back with its log ending at
// 20; its controller never elected anyone else, so it leads epoch 0 again (reopenedInEpoch) and
// appends "p201-8" (sent 3 ms after the breach) at 20, "p200-10" at 21, "p202-7" at 22. Its
// followers, which kept 20–24 from before, truncate only to 23 (the epoch's end on the leader)
// and keep 20–22 as they were (log-matching, expected). The producer never has "p201-8"
// answered; broker 2 is isolated, then killed, and broker 3, elected in epoch 1 without the
// producer's batch at 20, takes the retry of "p201-8" at 35 (the duplicate, expected:
// 'reopened-copy'). Consumer 301000 read 20–22 from broker 2, later 28–34, then 35–42: its
// offsets only grew. The checker places a value at its first copy across polls, so 34 ("p200-15")
// then 35 ("p201-8", placed at 20) read as a nonmonotonic-poll "14 position(s) earlier", which no
// rule excused ('consequence' asks for a record sent before the breach; the KIP-360 path only
// looks at resent duplicates): the run was a violation. Now duplicateStepBehind (driver/promise.ts)
// excuses such a step by the duplicate's breach when the two polls' offsets grew by one.
// Old main e6fcc57 ran this seed differently (6,305 events against 8,040) and called it an
// expected loss.

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('ZooKeeper mode: a poll step onto the later copy of a duplicate a power loss explains', () => {
  it('seed 490044623: the nonmonotonic-poll is the expected duplicate seen again', () => {
    const { result, failing } = rerun(490044623, fixtureInput(490044623, 'zookeeper'));
    expect(failing).toEqual([]);
    const dup = result.verdict.anomalies.filter((a) => a.kind === 'duplicate');
    expect(dup.map((a) => [a.values, a.offsets])).toEqual([[['p201-8'], [20, 35]]]);
    const step = result.verdict.anomalies.filter((a) => a.kind === 'nonmonotonic-poll');
    expect(step.map((a) => a.values)).toEqual([['p200-15', 'p201-8']]);
    for (const a of [...dup, ...step]) expect(a.expectedBecause?.rule).toBe('min-isr-power-loss');
    expect(result.outcome).toBe('expected-loss');
  });
});
