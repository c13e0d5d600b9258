// Regression: a lost-write false positive of the history checker with retention. Swarm seed
// 71008605 (base 71003000; retention.ms 10 s, combined mode): power losses beyond Kafka's
// promise (min-isr-power-loss) emptied the logs of t/0, whose offset 10 a consumer had read
// as "p200-4"; after the breach "p201-17" was acknowledged at the reopened offset 10 (with
// three copies), and retention then deleted the log up to 14 before any read reached it. The
// checker's retention excuse (checkers/kafka.ts LostWrites.deletedByRetention) asked whether a
// read had gone across offset 10 before the deletion, and counted the early read of "p200-4"
// (made before "p201-17" was even sent): it reported "p201-17" lost. A poll that completed
// before a send was invoked cannot return it; the other value at that offset is
// inconsistent-offsets' to report (here expected: the breach reopened the offset). Fix: such
// polls are not reads across the send's offset.
//
// The fixture is a hand-shifted schedule derived from the seed's shrunk input: its fourth
// fault (a power loss of the active controller's node, 4130 ms) triggers at 7500 ms, not
// 7562 ms. Under the KRaft metadata timing (25 ms append linger, NoOpRecords) node 1, not
// node 2, is the active controller at 7.5 s, so the unshifted faults swapped nodes and the
// consumer re-read the reopened offsets before retention deleted them. Shifted, the fourth
// fault takes node 1 first (7.5 s) and the 43819 ms controller power loss at 7518 ms takes
// node 2 (beyond the promise), as in the seed's original run. The consumer read offset 10 as
// "p201-3" at 2.6 s; "p202-18" was acknowledged at the reopened offset 10 at 52.04 s; the
// consumer's fetch from 0 (52.13 s) was still out when retention raised every replica's log
// start to 14 (72.3-72.7 s), and its reset after the timeout (82.2 s) went past the deleted
// offsets. With the fix undone the checker reports "p202-18" lost (checked).

import { describe, expect, it } from 'vitest';
import { fixtureInput, rerun } from './helpers.ts';

describe('regression: retention deletes a record acknowledged at an offset read before it was sent', () => {
  it('seed 71008605 (shifted): p202-18 at offset 10 is deleted by retention, not lost', () => {
    const { result, failing } = rerun(71008605, fixtureInput(71008605, 'shifted'));
    expect(failing).toEqual([]);
    expect(result.outcome).toBe('expected-loss');
    const deleted = result.verdict.anomalies.find((a) => a.kind === 'deleted-by-retention' && a.topic === 't');
    expect(deleted?.informational).toBe(true);
    // Its earlier value at offset 10 is still reported, as expected by the breach.
    const at10 = result.verdict.anomalies.find((a) => a.kind === 'inconsistent-offsets' && a.offsets?.[0] === 10);
    expect(at10?.values).toEqual(expect.arrayContaining(['p201-3', 'p202-18']));
    expect(at10?.expected).toBe(true);
  });
});
