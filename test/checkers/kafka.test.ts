// The Kafka anomalies and durability, each with a history that has it and one that does not.

import { describe, expect, it } from 'vitest';
import { checkHistory, checkKafka, type Verdict } from '../../checkers/index.ts';
import { HistoryBuilder } from './helpers.ts';

const kinds = (v: Verdict) => v.anomalies.filter((a) => !a.informational).map((a) => a.kind);
const has = (v: Verdict, kind: string) => v.anomalies.some((a) => a.kind === kind);

describe('lost-write (Jepsen: polls read past it)', () => {
  const base = () => new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).send(1, 'c', 2);
  it('has it: b is never read although a poll returned c at offset 2', () => {
    const v = checkKafka(base().pollValues(2, 0, ['a']).pollValues(3, 2, ['c']).events);
    expect(kinds(v)).toEqual(['lost-write']);
    const a = v.anomalies.find((x) => x.kind === 'lost-write')!;
    expect(a.values).toEqual(['b']);
    expect(a.offsets).toEqual([1]);
    expect(a.ops).toContain(2); // the send's invoke index
  });
  it('has not: every value up to the highest read was read', () => {
    const v = checkKafka(base().pollValues(2, 0, ['a', 'b']).pollValues(3, 2, ['c']).events);
    expect(v.valid).toBe(true);
  });
  it('an info send counts once some poll has seen it', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).sendInvoke(2, 'x').sendInfo(2, 'x').send(1, 'c', 2);
    // one poll sees x at 1; another reads past it to c without x
    h.pollValues(3, 1, ['x']).pollValues(4, 0, ['a']).pollValues(5, 2, ['c']);
    expect(checkKafka(h.events).valid).toBe(true); // x was read (by process 3)
    const lost = new HistoryBuilder().send(1, 'a', 0).sendInvoke(2, 'x').sendInfo(2, 'x').send(1, 'c', 2);
    lost.pollValues(3, 0, ['a']).pollValues(3, 2, ['c']);
    expect(checkKafka(lost.events).valid).toBe(true); // x never seen: not committed, not lost
  });
});

describe('lost-write (the final read)', () => {
  const base = () => new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).sendInvoke(2, 'x').sendInfo(2, 'x');
  it('has it: the final read from 0, after every send, went past an acknowledged record without it', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .send(1, 'c', 2)
      .assign(9, 0)
      .poll(9, 0, [
        [0, 'a'],
        [2, 'c'],
      ]);
    const v = checkKafka(h.events);
    expect(kinds(v)).toContain('lost-write');
    const lost = v.anomalies.find((a) => a.kind === 'lost-write')!;
    expect(lost.values).toEqual(['b']);
  });
  it('a record beyond where the final read ended is lost only when the caller vouches the read was complete', () => {
    const h = base().assign(9, 0).pollValues(9, 0, ['a']).events;
    const unsure = checkKafka(h);
    expect(unsure.valid).toBe(true); // a lagging HW (KIP-101/966) can stop a correct read there
    const note = unsure.anomalies.find((a) => a.kind === 'unseen')!;
    expect(note.informational).toBe(true);
    expect(note.values).toEqual(['b']);
    expect(note.explanation).toMatch(/beyond where its final read ended/);
    const sure = checkKafka(h, { finalReadComplete: true });
    expect(kinds(sure)).toEqual(['lost-write']);
    expect(sure.anomalies[0].explanation).toMatch(/final read/);
    expect(checkHistory(h, { finalReadComplete: true }).valid).toBe(false);
  });
  it('has not: the final read holds every committed record (an unseen info send is not committed)', () => {
    expect(checkKafka(base().assign(9, 0).pollValues(9, 0, ['a', 'b']).events, { finalReadComplete: true }).valid).toBe(
      true,
    );
  });
  it('a short poll that is not a final read proves nothing', () => {
    expect(checkKafka(base().pollValues(9, 0, ['a']).events, { finalReadComplete: true }).valid).toBe(true);
  });
  it('a final read still in flight (or failing) at the end is not judged', () => {
    const h = base().assign(9, 0).pollValues(9, 0, ['a']).pollInvoke(9, 1);
    expect(checkKafka(h.events, { finalReadComplete: true }).valid).toBe(true);
  });
});

describe("lost-write (the final read) does not depend on the process's first assign (issue 11, item 8)", () => {
  // acks=1: a@0 b@1 c@2 d@3 acknowledged by a leader that then lost b, c, d; the new leader
  // took the probe p at 1 and the marker m at 2. The probe process first assigns at 1 (the
  // liveness probe), later at 0 for the final read, as gregor's probe client does.
  const history = () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).send(1, 'c', 2).send(1, 'd', 3);
    h.send(9, 'p', 1).assign(9, 1).pollValues(9, 1, ['p']);
    return h.send(9, 'm', 2).assign(9, 0).pollValues(9, 0, ['a', 'p', 'm']);
  };
  it('finds the final read after an earlier assign elsewhere, and judges every destroyed record lost', () => {
    const v = checkKafka(history().events);
    const lost = v.anomalies.filter((a) => a.kind === 'lost-write').map((a) => a.values![0]);
    expect(lost.sort()).toEqual(['b', 'c', 'd']);
    expect(v.stats?.lost).toBe(3);
    expect(v.stats?.unseen).toBe(0);
    // d lies beyond where the read ended (offset 2), but m was sent after d was acknowledged
    const d = v.anomalies.find((a) => a.kind === 'lost-write' && a.values![0] === 'd')!;
    expect(d.explanation).toMatch(/returned a record sent after this one was acknowledged/);
  });
  it('a record beyond the end that was still in flight when the marker was sent stays unseen', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).sendInvoke(1, 'd').send(9, 'm', 1).sendOk(1, 'd', 2);
    h.assign(9, 2).pollValues(9, 2, ['d']).assign(3, 0).pollValues(3, 0, ['a', 'm']);
    const v = checkKafka(h.events);
    expect(v.valid).toBe(true);
    expect(v.anomalies.find((a) => a.kind === 'unseen')!.explanation).toMatch(/beyond where its final read ended/);
  });
});

describe('duplicate', () => {
  it('has it: one value at two offsets', () => {
    const v = checkKafka(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a', 'b', 'a']).events);
    expect(has(v, 'duplicate')).toBe(true);
    expect(v.anomalies.find((a) => a.kind === 'duplicate')!.offsets).toEqual([0, 2]);
  });
  it('names the operations that put the value at each of its offsets, in offset order', () => {
    const h = new HistoryBuilder().send(1, 'b', 1).send(1, 'a', 0); // send invokes at 0, 2
    h.pollValues(2, 1, ['b', 'a']).pollValues(3, 0, ['a', 'b', 'a']); // poll invokes 4, 6: a at 2 too
    const dup = checkKafka(h.events).anomalies.filter((x) => x.kind === 'duplicate');
    expect(dup.map((d) => [d.values, d.offsets, d.ops])).toEqual([[['a'], [0, 2], [2, 6, 4]]]);
  });
  it('has not', () => {
    expect(
      has(
        checkKafka(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a', 'b']).events),
        'duplicate',
      ),
    ).toBe(false);
  });
});

describe('inconsistent-offsets', () => {
  it('has it: two polls disagree on offset 1', () => {
    const h = new HistoryBuilder()
      .send(1, 'a', 0)
      .send(1, 'b', 1)
      .send(1, 'c', 2)
      .pollValues(2, 0, ['a', 'b'])
      .pollValues(3, 0, ['a', 'c']);
    const v = checkKafka(h.events);
    const a = v.anomalies.find((x) => x.kind === 'inconsistent-offsets')!;
    expect(a.offsets).toEqual([1]);
    expect(a.values).toEqual(['b', 'c']);
  });
  it('names the first four operations that put each value there, the sends before the polls', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1); // send invokes at 0, 2
    h.pollValues(2, 0, ['a', 'b']).pollValues(3, 0, ['a', 'c']).pollValues(4, 1, ['c']); // poll invokes 4, 6, 8
    for (const p of [5, 6, 7, 8]) h.pollValues(p, 1, ['b']); // 10, 12, 14, 16: past the first four of b
    const a = checkKafka(h.events).anomalies.find((x) => x.kind === 'inconsistent-offsets')!;
    expect(a.values).toEqual(['b', 'c']);
    expect(a.ops).toEqual([2, 4, 10, 12, 6, 8]);
  });
  it('has it: the acknowledged offset holds another value', () => {
    const v = checkKafka(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 0).events);
    expect(has(v, 'inconsistent-offsets')).toBe(true);
  });
  it('has not', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a', 'b']).pollValues(3, 1, ['b']);
    expect(checkKafka(h.events).valid).toBe(true);
  });
});

describe('nonmonotonic-poll and poll-skip', () => {
  const base = () => new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).send(1, 'c', 2);
  it('nonmonotonic: a poll that continues where the last ended returns earlier records', () => {
    const v = checkKafka(
      base()
        .pollValues(2, 0, ['a', 'b'])
        .poll(2, 2, [
          [0, 'a'],
          [1, 'b'],
          [2, 'c'],
        ]).events,
    );
    expect(kinds(v)).toEqual(['nonmonotonic-poll']);
  });
  it('an assign resets poll monotonicity', () => {
    expect(
      checkKafka(base().pollValues(2, 0, ['a', 'b']).assign(2, 0).pollValues(2, 0, ['a', 'b', 'c']).events).valid,
    ).toBe(true);
  });
  it('skip: a process jumps over b', () => {
    const v = checkKafka(
      base()
        .pollValues(2, 0, ['a'])
        .poll(2, 1, [[2, 'c']])
        .pollValues(3, 0, ['a', 'b', 'c']).events,
    );
    expect(kinds(v)).toEqual(['poll-skip']);
    expect(v.anomalies.find((a) => a.kind === 'poll-skip')!.values).toEqual(['a', 'c', 'b']);
  });
  it('skip within one poll', () => {
    const h = base()
      .poll(2, 0, [
        [0, 'a'],
        [2, 'c'],
      ])
      .pollValues(3, 0, ['a', 'b', 'c']);
    expect(kinds(checkKafka(h.events))).toEqual(['poll-skip']);
  });
  it('a poll stating another offset than where the last ended is a seek, judged against that offset', () => {
    // back to 0 and forward to 2: both seeks, neither nonmonotonic nor a skip
    expect(checkKafka(base().pollValues(2, 0, ['a', 'b']).pollValues(2, 0, ['a', 'b', 'c']).events).valid).toBe(true);
    expect(
      checkKafka(base().pollValues(2, 0, ['a']).pollValues(2, 2, ['c']).pollValues(3, 0, ['a', 'b', 'c']).events).valid,
    ).toBe(true);
    // a seek to 0 that begins at offset 1 skipped a
    const skip = checkKafka(
      base()
        .pollValues(2, 0, ['a', 'b', 'c'])
        .poll(2, 0, [[1, 'b']]).events,
    );
    expect(kinds(skip)).toEqual(['poll-skip']);
    expect(skip.anomalies[0].explanation).toMatch(/from offset 0 \(a seek\) began at offset 1/);
    expect(skip.anomalies[0].values).toEqual(['b', 'a']);
    // a seek to 2 that returns offset 1 went backwards
    const back = checkKafka(
      base()
        .pollValues(2, 0, ['a'])
        .poll(2, 2, [
          [1, 'b'],
          [2, 'c'],
        ]).events,
    );
    expect(kinds(back)).toEqual(['nonmonotonic-poll']);
    expect(back.anomalies[0].explanation).toMatch(/before the offset it read from/);
  });
  it('within one poll, order is the offsets returned: a duplicate at an earlier offset does not look backwards', () => {
    // a is duplicated at offsets 0 and 3; a poll of [2:c, 3:a] is in order
    const h = base()
      .pollValues(2, 0, ['a', 'b', 'c', 'a'])
      .poll(3, 2, [
        [2, 'c'],
        [3, 'a'],
      ]);
    expect(kinds(checkKafka(h.events))).toEqual(['duplicate']);
    // whereas offsets that go backwards within one poll are nonmonotonic
    const back = base().poll(3, 0, [
      [1, 'b'],
      [0, 'a'],
    ]);
    expect(kinds(checkKafka(back.events))).toEqual(['nonmonotonic-poll']);
  });
  it('a reset by the consumer: a rewind is allowed; a move ahead past unread values is a poll-skip', () => {
    // earliest after reading a, b: back to 0, read again
    const rewind = base().pollValues(2, 0, ['a', 'b']).reset(2, 0, 'earliest').pollValues(2, 0, ['a', 'b', 'c']);
    expect(checkKafka(rewind.events).valid).toBe(true);
    // latest after reading a: to the HW 3, skipping b and c (which process 3 read)
    const skipping = base().pollValues(2, 0, ['a']).reset(2, 3, 'latest').pollValues(3, 0, ['a', 'b', 'c']);
    const ahead = checkKafka(skipping.events);
    expect(kinds(ahead)).toEqual(['poll-skip']);
    expect(ahead.anomalies[0]).toMatchObject({ offsets: [1, 3], values: ['a', 'b', 'c'] });
    expect(ahead.anomalies[0].explanation).toMatch(/auto\.offset\.reset=latest/);
    // latest where the position already is: nothing skipped
    expect(checkKafka(base().pollValues(2, 0, ['a', 'b', 'c']).reset(2, 3, 'latest').events).valid).toBe(true);
    // the first poll after a reset is judged against the reset position
    const late = checkKafka(
      base()
        .pollValues(2, 0, ['a', 'b'])
        .reset(2, 0, 'earliest')
        .poll(2, 0, [[1, 'b']]).events,
    );
    expect(kinds(late)).toEqual(['poll-skip']); // and no lost-write of c: a reset to 0 is no final read
  });
  it('has neither: successive polls continue where the last left off', () => {
    expect(checkKafka(base().pollValues(2, 0, ['a']).pollValues(2, 1, ['b', 'c']).events).valid).toBe(true);
  });
});

describe('nonmonotonic-send', () => {
  it('has it: a later send of one process lands earlier in the log', () => {
    const h = new HistoryBuilder().send(1, 'x', 0).send(2, 'a', 1).send(2, 'b', 0);
    expect(has(checkKafka(h.events), 'nonmonotonic-send')).toBe(true);
  });
  it('has it: against the read order, even without acknowledged offsets', () => {
    const h = new HistoryBuilder().sendInvoke(2, 'a').sendInfo(2, 'a').sendInvoke(3, 'b').sendInfo(3, 'b');
    h.sendInvoke(3, 'c').sendInfo(3, 'c').pollValues(4, 0, ['c', 'b']);
    expect(has(checkKafka(h.events), 'nonmonotonic-send')).toBe(true);
  });
  it('has not', () => {
    expect(has(checkKafka(new HistoryBuilder().send(2, 'a', 0).send(2, 'b', 1).events), 'nonmonotonic-send')).toBe(
      false,
    );
  });
});

describe('G1a', () => {
  it('has it: a poll returns the value of a send that failed', () => {
    const v = checkKafka(new HistoryBuilder().sendInvoke(1, 'x').sendFail(1, 'x').pollValues(2, 0, ['x']).events);
    expect(kinds(v)).toEqual(['G1a']);
  });
  it('has not: the send was of unknown outcome', () => {
    expect(
      checkKafka(new HistoryBuilder().sendInvoke(1, 'x').sendInfo(1, 'x').pollValues(2, 0, ['x']).events).valid,
    ).toBe(true);
  });
  it('a value nobody sent is a phantom read', () => {
    expect(kinds(checkKafka(new HistoryBuilder().send(1, 'a', 0).pollValues(2, 0, ['a', 'zz']).events))).toEqual([
      'phantom-read',
    ]);
  });
});

describe('unseen', () => {
  it('is reported as a figure, not an error', () => {
    const v = checkKafka(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a']).events);
    expect(v.valid).toBe(true);
    const u = v.anomalies.find((a) => a.kind === 'unseen')!;
    expect(u.informational).toBe(true);
    expect(u.values).toEqual(['b']);
    expect(v.stats?.unseen).toBe(1);
  });
  it('is absent when everything acknowledged was read', () => {
    const v = checkKafka(new HistoryBuilder().send(1, 'a', 0).pollValues(2, 0, ['a']).events);
    expect(v.anomalies).toEqual([]);
  });
});

describe('checkHistory on Kafka histories', () => {
  it('runs the anomaly checks and log linearizability, and names both', () => {
    const v = checkHistory(new HistoryBuilder().send(1, 'a', 0).pollValues(2, 0, ['a']).events);
    expect(v.checker).toBe('kafka + linearizability(log)');
    expect(v.valid).toBe(true);
    expect(v.stats?.['kafka.sends']).toBe(1);
  });
  it('a read from the future is not a Kafka anomaly but is not linearizable', () => {
    // the poll completes before the send that wrote b is invoked
    const h = new HistoryBuilder().send(1, 'a', 0).pollValues(2, 0, ['a', 'b']).send(1, 'b', 1);
    const v = checkHistory(h.events);
    expect(v.valid).toBe(false);
    expect(kinds(v)).toEqual(['nonlinearizable']);
    expect(v.counterexample?.reason).toMatch(/cycle/);
  });
});
