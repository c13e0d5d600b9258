// The durability checker and records deleted by retention (checkers/retention.ts, issue 12):
// a committed record below the log start retention had reached before any read went across it
// is not lost; the excuse is exact — a real loss is still flagged while retention happened
// elsewhere in the log, or after a read went across the record.

import { describe, expect, it } from 'vitest';
import { checkHistory, checkKafka, type Verdict } from '../../checkers/index.ts';
import { readHistory } from '../../checkers/readers/index.ts';
import { HistoryBuilder } from './helpers.ts';

const errors = (v: Verdict) => [...new Set(v.anomalies.filter((a) => !a.informational).map((a) => a.kind))];
const deletedAt = (logStartOffset: number, timeUs: number) => [{ topic: 't', partition: 0, logStartOffset, timeUs }];

/** a@0..e@4 acknowledged; events are 10 µs apart (HistoryBuilder). */
const sends = () =>
  new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).send(1, 'c', 2).send(1, 'd', 3).send(1, 'e', 4);

describe('records deleted by retention', () => {
  it('the final read from the log start: the records below it are deleted, not lost', () => {
    // Final read: assign 0, the consumer's reset to the log start (3), then d, e.
    const h = sends().assign(9, 0).reset(9, 3, 'earliest').pollValues(9, 3, ['d', 'e']);
    const without = checkKafka(h.events, { finalReadComplete: true });
    expect(errors(without)).toEqual(['lost-write']); // a, b, c: the checker alone cannot tell
    const v = checkKafka(h.events, { finalReadComplete: true, retention: deletedAt(3, 100) });
    expect(v.valid).toBe(true);
    const note = v.anomalies.find((a) => a.kind === 'deleted-by-retention')!;
    expect(note.informational).toBe(true);
    expect(note.offsets).toEqual([0, 2]);
    expect(note.values).toEqual(['a', 'b', 'c']);
  });

  it('a real loss above the deleted range is still lost', () => {
    // Retention deleted [0, 2); c@2 is missing from a read that went from 2 to 4.
    const h = sends()
      .assign(9, 0)
      .reset(9, 2, 'earliest')
      .poll(9, 2, [
        [3, 'd'],
        [4, 'e'],
      ]);
    const v = checkKafka(h.events, { finalReadComplete: true, retention: deletedAt(2, 100) });
    expect(errors(v)).toContain('lost-write');
    expect(v.anomalies.find((a) => a.kind === 'lost-write')!.values).toEqual(['c']);
  });

  it('a record a read went across before retention reached it is judged as ever', () => {
    // Process 5 read 0..2 without b (at time 140), then retention deleted [0, 3) at 1000.
    const h = sends()
      .poll(5, 0, [
        [0, 'a'],
        [2, 'c'],
      ])
      .assign(9, 0)
      .reset(9, 3, 'earliest')
      .pollValues(9, 3, ['d', 'e']);
    const v = checkKafka(h.events, { finalReadComplete: true, retention: deletedAt(3, 1000) });
    expect(errors(v)).toContain('lost-write');
    expect(v.anomalies.find((a) => a.kind === 'lost-write')!.values).toEqual(['b']);
    // Deleted before that read: excused.
    const early = checkKafka(h.events, { finalReadComplete: true, retention: deletedAt(3, 0) });
    expect(errors(early)).not.toContain('lost-write');
  });

  it('retention of another partition excuses nothing here', () => {
    const h = sends().assign(9, 0).reset(9, 3, 'earliest').pollValues(9, 3, ['d', 'e']);
    const other = [{ topic: 't', partition: 1, logStartOffset: 3, timeUs: 0 }];
    expect(errors(checkKafka(h.events, { finalReadComplete: true, retention: other }))).toEqual(['lost-write']);
  });

  it("a reset past a deleted position: no poll-skip for the deleted values; latest's own skip informational", () => {
    // Process 5 read a, b; retention deleted [0, 3) at time 0; its fetch from 2 was out of range.
    const earliest = sends().pollValues(5, 0, ['a', 'b']).reset(5, 3, 'earliest').pollValues(5, 3, ['d', 'e']);
    expect(errors(checkKafka(earliest.events))).toEqual(['lost-write', 'poll-skip']); // without the deletion
    expect(checkKafka(earliest.events, { retention: deletedAt(3, 0) }).valid).toBe(true);
    // auto.offset.reset=latest to the HW (5): d and e skipped by the policy, reported informational.
    const latest = sends().pollValues(5, 0, ['a', 'b']).reset(5, 5, 'latest');
    const v = checkKafka(latest.events, { retention: deletedAt(3, 0) });
    expect(v.valid).toBe(true);
    const skip = v.anomalies.find((a) => a.kind === 'poll-skip')!;
    expect(skip.informational).toBe(true);
    expect(skip.values).toEqual(['b', 'd', 'e']);
    // A forward reset whose position was not deleted is a poll-skip, retention or not.
    const notDeleted = sends().pollValues(5, 0, ['a', 'b']).reset(5, 5, 'latest');
    expect(errors(checkKafka(notDeleted.events, { retention: deletedAt(1, 0) }))).toEqual(['poll-skip']);
  });

  it("latest's skip reads nothing in between: what it went over is unseen, not lost (seed 230020730)", () => {
    // Process 5 read a, b; retention deleted [0, 3) at time 0; auto.offset.reset=latest moved it from 2 to 5,
    // where it read f. d and e were skipped by the policy: no read went across them, so none proves them lost.
    const skipped = () => sends().send(1, 'f', 5).pollValues(5, 0, ['a', 'b']).reset(5, 5, 'latest');
    const v = checkKafka(skipped().pollValues(5, 5, ['f']).events, { retention: deletedAt(3, 0) });
    expect(errors(v)).toEqual([]);
    expect(v.anomalies.find((a) => a.kind === 'unseen')!.values).toEqual(['d', 'e']);
    expect(v.anomalies.find((a) => a.kind === 'deleted-by-retention')!.values).toEqual(['c']);
    // A read that went across d without returning it proves it lost, skip or not.
    const across = skipped()
      .pollValues(5, 5, ['f'])
      .poll(6, 3, [
        [4, 'e'],
        [5, 'f'],
      ]);
    const lost = checkKafka(across.events, { retention: deletedAt(3, 0) });
    expect(errors(lost)).toEqual(['lost-write']);
    expect(lost.anomalies.find((a) => a.kind === 'lost-write')!.values).toEqual(['d']);
    // The final read still judges them: one that went across e without it finds it lost.
    const final = skipped()
      .pollValues(5, 5, ['f'])
      .assign(9, 0)
      .reset(9, 3, 'earliest')
      .poll(9, 3, [
        [3, 'd'],
        [5, 'f'],
      ]);
    const judged = checkKafka(final.events, { finalReadComplete: true, retention: deletedAt(3, 0) });
    expect(judged.anomalies.filter((a) => a.kind === 'lost-write').map((a) => a.values)).toEqual([['e']]);
  });
});

describe('a gregor trace carries its deletions by retention', () => {
  it("npm run check reads them from the trace's timeline (log-start events by segment deletion)", () => {
    const h = sends().assign(9, 0).reset(9, 3, 'earliest').pollValues(9, 3, ['d', 'e']);
    const timeline = [
      { t: 50, kind: 'log-start', broker: 1, topic: 't', partition: 0, from: 0, to: 3, reason: 'segment-deletion' },
      { t: 60, kind: 'log-start', broker: 2, topic: 't', partition: 0, from: 0, to: 4, reason: 'leader-log-start' },
    ];
    const read = readHistory(JSON.stringify({ format: 'gregor-trace', history: h.events, timeline }), undefined);
    expect(read.retention).toEqual([{ topic: 't', partition: 0, logStartOffset: 3, timeUs: 50 }]);
    expect(checkHistory(read.history, { finalReadComplete: true, retention: read.retention }).valid).toBe(true);
    expect(checkHistory(read.history, { finalReadComplete: true }).valid).toBe(false);
  });
});
