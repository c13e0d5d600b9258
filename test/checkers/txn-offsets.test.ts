// The transactional offsets checker (checkers/txn-offsets.ts) over hand-built histories of
// consume-transform-produce transactions (gregor's fetch-offsets / send-offsets micro-ops): a
// valid sequence is silent; each anomaly is found and explained; the history reader accepts
// the micro-ops and `npm run check`'s pipeline runs the checker.

import { describe, expect, it } from 'vitest';
import { checkHistory, checkTxnOffsets, readHistory } from '../../checkers/index.ts';
import type { HistoryEvent } from '../../checkers/history.ts';

type Outcome = 'ok' | 'fail' | 'info';

/** A history of `txn` operations on topic t, one after the other unless `open` leaves one without completion. */
class Txns {
  readonly events: HistoryEvent[] = [];

  /** `sink`: the partition the transactions' sends go to (1; 0 when they write the source partition). */
  constructor(private readonly sink = 1) {}

  /** A consume-transform-produce transaction: fetched `from`, polled `records`, sent `sends`, committed `to`. */
  ctp(
    process: number,
    outcome: Outcome,
    from: number | null,
    records: Array<[number, string]>,
    sends: string[],
    to: number | undefined,
  ): this {
    return this.begin(process, sends).end(process, outcome, from, records, sends, to);
  }

  begin(process: number, sends: string[]): this {
    this.push(process, 'invoke', [
      ['fetch-offsets', 'g'],
      ['poll'],
      ...sends.map((v) => ['send', this.sink, v]),
      ['send-offsets', 'g'],
    ]);
    return this;
  }

  end(
    process: number,
    outcome: Outcome,
    from: number | null,
    records: Array<[number, string]>,
    sends: string[],
    to: number | undefined,
  ): this {
    const done = [
      ['fetch-offsets', 'g', { 0: from }],
      ['poll', { 0: records }],
      ...sends.map((v) => ['send', this.sink, v]),
      to === undefined ? ['send-offsets', 'g'] : ['send-offsets', 'g', { 0: to }],
    ];
    this.push(process, outcome, done);
    return this;
  }

  /** A transaction that only polls partition 1 (a reader of the output). */
  poll(process: number, records: Array<[number, string]>): this {
    this.push(process, 'invoke', [['poll']]);
    this.push(process, 'ok', [['poll', { 1: records }]]);
    return this;
  }

  private push(process: number, type: HistoryEvent['type'], value: unknown): void {
    this.events.push({
      index: this.events.length,
      time: this.events.length,
      process,
      type,
      f: 'txn',
      value,
      topic: 't',
    });
  }
}

const kinds = (h: Txns) => checkTxnOffsets(h.events).anomalies.map((a) => a.kind);

describe('the transactional offsets checker', () => {
  it('is silent on consume-transform-produce done right, aborted transactions re-read', () => {
    const h = new Txns()
      .ctp(
        1,
        'ok',
        null,
        [
          [0, 'a'],
          [1, 'b'],
        ],
        ['A'],
        2,
      )
      .ctp(1, 'fail', 2, [[2, 'c']], ['C'], 3)
      .ctp(2, 'ok', 2, [[2, 'c']], ['C2'], 3)
      .ctp(1, 'info', 3, [], [], undefined)
      .ctp(1, 'ok', 3, [[5, 'd']], ['D'], 6);
    const v = checkTxnOffsets(h.events);
    expect(v.anomalies).toEqual([]);
    expect(v.valid).toBe(true);
    expect(v.stats).toMatchObject({ groupPartitions: 1, consumes: 5 });
  });

  it('aborted-offsets-read: a fetch returns the offset only an aborted transaction sent', () => {
    const h = new Txns().ctp(1, 'ok', null, [[0, 'a']], ['A'], 1).ctp(1, 'fail', 1, [[1, 'b']], ['B'], 2);
    h.ctp(2, 'ok', 2, [[2, 'c']], ['C'], 3);
    const v = checkTxnOffsets(h.events);
    expect(kinds(h)).toEqual(['aborted-offsets-read']);
    expect(v.anomalies[0].explanation).toMatch(/returned committed offset 2, but only aborted transactions sent it/);
    expect(v.anomalies[0].ops).toEqual([2, 4]);
    expect(v.anomalies[0].group).toBe('g');
  });

  // Seed 410055293: transaction X (epoch 8) fetched, polled, sent x600-19 at offset 47 of its own
  // source partition, committed offset 47, and its EndTxn(COMMIT) was written before its client was
  // killed: no completion records the offset it sent; the commit completed later (a poll read X).
  describe('aborted-offsets-read and a transaction cut off after send-offsets (its offset unrecorded)', () => {
    const run = (fetched: number, opts: { readX?: boolean; fetchFirst?: boolean } = {}) => {
      const h = new Txns(0).ctp(1, 'ok', null, [[0, 'a']], ['A'], 2);
      if (opts.fetchFirst === true) h.begin(2, ['B']).begin(1, ['X']);
      else h.begin(1, ['X']).begin(2, ['B']);
      const polled: Array<[number, string]> =
        opts.readX === false
          ? [[1, 'A']]
          : [
              [1, 'A'],
              [5, 'X'],
            ];
      return h.end(2, 'ok', fetched, polled, ['B'], 7);
    };

    it('explains a fetch of an offset no higher than the first record of the committed cut-off transaction', () => {
      expect(kinds(run(5))).toEqual([]);
      expect(kinds(run(4))).toEqual([]);
    });

    it('does not explain an offset above its first record, nor one it is not known to have committed', () => {
      expect(kinds(run(6))).toEqual(['aborted-offsets-read']);
      expect(kinds(run(5, { readX: false }))).toEqual(['aborted-offsets-read']);
    });

    it('does not explain a fetch invoked before the cut-off transaction began', () => {
      expect(kinds(run(5, { fetchFirst: true }))).toEqual(['aborted-offsets-read']);
    });
  });

  it('lost-txn-offsets: a fetch after a committed transaction returns an older offset', () => {
    const h = new Txns().ctp(1, 'ok', null, [[0, 'a']], ['A'], 1).ctp(1, 'ok', 1, [[1, 'b']], ['B'], 2);
    h.ctp(1, 'ok', 1, [[1, 'b']], ['B2'], 2);
    expect(kinds(h)).toEqual(['lost-txn-offsets', 'double-consume']);
    const lost = checkTxnOffsets(h.events).anomalies[0];
    expect(lost.explanation).toMatch(/committed offset 2 .* a later fetch \(event 4\) returned 1/);
  });

  it('lost-txn-offsets: an unknown transaction whose output a poll returned committed its offsets too', () => {
    const h = new Txns().ctp(1, 'info', null, [[0, 'a']], ['A'], 1).poll(3, [[0, 'A']]);
    h.ctp(2, 'ok', null, [[0, 'a']], ['A2'], 1);
    expect(kinds(h)).toEqual(['lost-txn-offsets']);
  });

  it('double-consume: two committed transactions processed the same records', () => {
    // Two concurrent transactions both start from offset 4 and both commit 6.
    const h = new Txns()
      .ctp(1, 'ok', null, [[0, 'a']], ['A'], 4)
      .begin(1, ['B'])
      .begin(2, ['C']);
    h.end(
      1,
      'ok',
      4,
      [
        [4, 'b'],
        [5, 'c'],
      ],
      ['B'],
      6,
    ).end(
      2,
      'ok',
      4,
      [
        [4, 'b'],
        [5, 'c'],
      ],
      ['C'],
      6,
    );
    expect(kinds(h)).toEqual(['double-consume']);
    const d = checkTxnOffsets(h.events).anomalies[0];
    expect(d.explanation).toMatch(/events 2 and 3 both consumed offsets \[4, 6\)/);
    expect(d.ops).toEqual([2, 3]);
  });

  it('the history reader accepts the micro-ops; npm run check runs the checker', () => {
    const h = new Txns().ctp(1, 'ok', null, [[0, 'a']], ['A'], 1).ctp(1, 'fail', 1, [[1, 'b']], ['B'], 2);
    h.ctp(2, 'ok', 2, [[2, 'c']], ['C'], 3);
    const jsonl = h.events.map(({ index: _, ...e }) => JSON.stringify(e)).join('\n');
    const read = readHistory(jsonl);
    const v = checkHistory(read.history, { sourceLines: read.sourceLines });
    expect(v.anomalies.map((a) => a.kind)).toContain('aborted-offsets-read');
    expect(() => readHistory(jsonl.replace('"send-offsets","g",{"0":1}', '"send-offsets","g",{"0":"x"}'))).toThrow(
      /send-offsets micro-op offset/,
    );
  });
});
