// Jepsen's transactional Kafka checks (checkers/txn.ts, with checkers/kafka.ts) over histories
// in Jepsen's :txn vocabulary, as recorded: hand-written fixtures under
// test/fixtures/jepsen-kafka-txn (several from jepsen.tests.kafka-test's own cases), hand-built
// histories for the real-time reduction, and property tests: correct executions, serial, with
// overlapping operations or concurrent transactions, aborted and indeterminate ones, are valid.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Anomaly, checkHistory, checkTxn, readHistory, type Verdict } from '../../checkers/index.ts';
import { generateTxnHistory } from '../../checkers/synthetic-txn.ts';
import { HistoryBuilder } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/jepsen-kafka-txn');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const judge = (name: string): Verdict => {
  const read = readHistory(fixture(name));
  return checkHistory(read.history, { sourceLines: read.sourceLines });
};
const errors = (v: Verdict) => v.anomalies.filter((a) => !a.informational).map((a) => a.kind);
const notes = (v: Verdict) =>
  v.anomalies.filter((a) => a.informational && a.kind !== 'not-judged' && a.kind !== 'unseen').map((a) => a.kind);
const only = (v: Verdict, kind: string): Anomaly => {
  const found = v.anomalies.filter((a) => a.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};
const steps = (a: Anomaly) => (a.cycle ?? []).map((s) => [s.rel, s.from, s.to, s.partition, s.values]);

describe("Jepsen's transactional Kafka histories", () => {
  it('valid: committed, aborted (:fail) and indeterminate (:info) transactions, marker gaps', () => {
    const v = judge('valid.edn');
    expect(errors(v)).toEqual([]);
    expect(notes(v)).toEqual([]);
    expect(v.valid).toBe(true);
    expect(v.checker).toBe('kafka + txn');
    expect(v.stats).toMatchObject({
      'txn.transactions': 5,
      'txn.committed': 2,
      'txn.aborted': 1,
      'txn.indeterminate': 2,
      'txn.wrEdges': 8, // transactions 2 and 6 to each poll that returned their records, 16 to the final read
      'kafka.lost': 0,
    });
  });

  it('G1a: a poll returns a record of an aborted transaction', () => {
    const v = judge('aborted-read.edn');
    expect(errors(v)).toEqual(['G1a']);
    const a = only(v, 'G1a');
    expect(a.explanation).toMatch(/the transaction that sent it was aborted/);
    expect(a.values).toEqual(['3']);
    expect(a.ops).toEqual([2, 6]);
  });

  it('G1c: two transactions poll each other, the cycle listed edge by edge', () => {
    const v = judge('g1c.edn');
    expect(errors(v)).toEqual(['G1c']);
    const a = only(v, 'G1c');
    expect(a.ops).toEqual([0, 1]);
    expect(steps(a)).toEqual([
      ['wr', 0, 1, 0, ['1']],
      ['wr', 1, 0, 1, ['2']],
    ]);
    expect(a.cycle![0].explanation).toBe(
      'txn 1 (process 1) polled "1" at offset 0 of key/0, sent by txn 0 (process 0).',
    );
  });

  it('G1c-realtime: a poll sees a record of a transaction still open (it polls a later send)', () => {
    const v = judge('g1c-realtime.edn');
    expect(errors(v)).toEqual(['G1c-realtime']);
    const a = only(v, 'G1c-realtime');
    expect(steps(a)).toEqual([
      ['wr', 0, 3, 0, ['1']],
      ['rt', 3, 5, undefined, undefined],
      ['wr', 5, 0, 1, ['2']],
    ]);
  });

  it('G0 and G1c through a write-write edge are notes: Kafka does not isolate writes', () => {
    const v = judge('g0-allowed.edn');
    expect(errors(v)).toEqual([]);
    expect(v.valid).toBe(true);
    expect(notes(v).sort()).toEqual(['G0', 'G1c']);
    const g0 = only(v, 'G0');
    expect(steps(g0)).toEqual([
      ['ww', 0, 1, 0, ['1', '2']],
      ['ww', 1, 0, 1, ['2', '1']],
    ]);
    expect(g0.cycle![0].offsets).toEqual([0, 2]);
    const g1c = only(v, 'G1c');
    expect(steps(g1c)).toEqual([
      ['wr', 4, 5, 2, ['5']],
      ['ww', 5, 4, 3, ['8', '7']],
    ]);
    expect(g1c.explanation).toMatch(/allowed in Kafka/);
  });

  it('precommitted-read: a transaction polls its own record', () => {
    const v = judge('precommitted-read.edn');
    expect(errors(v)).toEqual(['precommitted-read']);
    expect(only(v, 'precommitted-read').values).toEqual(['1']);
  });

  it('G1b: one poll sees a transaction in part (the record it skipped is in the log)', () => {
    const v = judge('g1b.edn');
    expect(errors(v).sort()).toEqual(['G1b', 'poll-skip']);
    const a = only(v, 'G1b');
    expect(a.values).toEqual(['1', '2']);
    expect(a.offsets).toEqual([0, 1]);
    expect(a.ops).toEqual([0, 6]);
  });

  it('G1b is not claimed for a record no poll ever returned (that is a lost write)', () => {
    const text = fixture('g1b.edn').replace(' [1 2] [3 3]]}', ' [3 3]]}');
    const read = readHistory(text);
    const v = checkHistory(read.history);
    expect(errors(v)).toContain('lost-write');
    expect(errors(v)).not.toContain('G1b');
  });

  it('atomicity: an indeterminate transaction one of whose records was polled committed them all', () => {
    const v = judge('torn.edn');
    expect(errors(v)).toEqual(['lost-write']);
    const a = only(v, 'lost-write');
    expect(a.values).toEqual(['2']);
    expect(a.partition).toBe(1);
    expect(a.explanation).toMatch(/its operation committed/);
  });

  it('the same indeterminate transaction, none of whose records was polled, is not judged lost', () => {
    const text = fixture('torn.edn').replace('{0 [[0 1]], 1 [[2 3]]}', '{1 [[2 3]]}');
    const v = checkHistory(readHistory(text).history);
    expect(errors(v)).toEqual([]);
  });
});

describe('notes and indeterminate transactions', () => {
  it("int-send-skip: another producer's record between a transaction's two sends is a note", () => {
    const b = new HistoryBuilder();
    b.invoke(0, 'send', [
      ['send', 0, 1],
      ['send', 0, 3],
    ]);
    b.invoke(1, 'send', [['send', 0, 2]]).ok(1, 'send', [['send', 0, [1, 2]]]);
    b.ok(0, 'send', [
      ['send', 0, [0, 1]],
      ['send', 0, [2, 3]],
    ]);
    const v = checkHistory(b.events);
    expect(errors(v)).toEqual([]);
    // and a write cycle on one key: 1 before 2 before 3 (Jepsen: "gaps ... are detected via Elle as write cycles")
    expect(notes(v)).toEqual(['int-send-skip', 'G0']);
    expect(only(v, 'int-send-skip').ops).toEqual([0]);
  });

  it('an indeterminate transaction whose record was polled takes part in a cycle', () => {
    const b = new HistoryBuilder();
    b.invoke(0, 'txn', [['send', 0, 1], ['poll']]);
    b.invoke(1, 'txn', [['send', 1, 2], ['poll']]);
    b.info(0, 'txn', [['send', 0, 1], ['poll']], { error: 'timeout' });
    b.ok(1, 'txn', [
      ['send', 1, [0, 2]],
      ['poll', { 0: [[0, 1]] }],
    ]);
    // process 0 is gone (its outcome unknown); its transaction's poll is not known: no cycle
    expect(errors(checkHistory(b.events))).toEqual([]);
    const c = new HistoryBuilder();
    c.invoke(0, 'txn', [['send', 0, 1], ['poll']]);
    c.invoke(1, 'txn', [['send', 1, 2], ['poll']]);
    c.info(0, 'txn', [
      ['send', 0, [0, 1]],
      ['poll', { 1: [[0, 2]] }],
    ]);
    c.ok(1, 'txn', [
      ['send', 1, [0, 2]],
      ['poll', { 0: [[0, 1]] }],
    ]);
    // an info completion that still reports what it polled: the cycle is there
    expect(errors(checkHistory(c.events))).toEqual(['G1c']);
  });
});

describe('the real-time order', () => {
  /** W sends 1; R polls it and completes; X runs after R; Y runs after X and sends what W polls. */
  const chain = (xAfterR: boolean) => {
    const b = new HistoryBuilder();
    b.invoke(0, 'txn', [['send', 0, 1], ['poll']]);
    b.invoke(1, 'poll', [['poll']]).ok(1, 'poll', [['poll', { 0: [[0, 1]] }]]);
    if (!xAfterR) b.invoke(2, 'poll', [['poll']]);
    else b.invoke(2, 'poll', [['poll']]);
    b.ok(2, 'poll', [['poll', {}]]);
    b.invoke(3, 'send', [['send', 1, 2]]).ok(3, 'send', [['send', 1, [0, 2]]]);
    b.ok(0, 'txn', [
      ['send', 0, [0, 1]],
      ['poll', { 1: [[0, 2]] }],
    ]);
    return b.events;
  };

  it('is kept through a reduction: R before X before Y still closes the cycle', () => {
    const v = checkTxn(chain(true));
    expect(errors(v)).toEqual(['G1c-realtime']);
    const a = only(v, 'G1c-realtime');
    expect(a.cycle!.map((s) => s.rel)).toEqual(['wr', 'rt', 'rt', 'wr']);
  });

  it('concurrent operations are not ordered: no cycle when the poll may have come after the commit', () => {
    const b = new HistoryBuilder();
    b.invoke(0, 'txn', [['send', 0, 1], ['poll']]);
    b.invoke(1, 'poll', [['poll']]);
    b.invoke(3, 'send', [['send', 1, 2]]).ok(3, 'send', [['send', 1, [0, 2]]]);
    b.ok(0, 'txn', [
      ['send', 0, [0, 1]],
      ['poll', { 1: [[0, 2]] }],
    ]);
    b.ok(1, 'poll', [['poll', { 0: [[0, 1]] }]]);
    expect(checkTxn(b.events).valid).toBe(true);
  });

  it('an aborted transaction is no node: its records polled are G1a, not a cycle', () => {
    const b = new HistoryBuilder();
    b.invoke(0, 'txn', [['send', 0, 1], ['poll']]);
    b.invoke(1, 'txn', [['send', 1, 2], ['poll']]);
    b.ok(0, 'txn', [
      ['send', 0, [0, 1]],
      ['poll', { 1: [[0, 2]] }],
    ]);
    b.fail(1, 'txn', [['send', 1, 2], ['poll']]);
    const v = checkHistory(b.events);
    expect(errors(v)).toEqual(['G1a']);
  });
});

describe('generated correct transactional executions', () => {
  it('are always valid: serial, overlapping or concurrent; aborted and indeterminate ones too', () => {
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          ops: fc.integer({ min: 1, max: 200 }),
          clients: fc.integer({ min: 1, max: 6 }),
          keys: fc.integer({ min: 1, max: 4 }),
          abortRate: fc.double({ min: 0, max: 0.4, noNaN: true }),
          unknownRate: fc.double({ min: 0, max: 0.3, noNaN: true }),
          maxRecords: fc.integer({ min: 1, max: 6 }),
          mode: fc.constantFrom('serial' as const, 'overlap' as const, 'concurrent' as const),
        }),
        (o) => {
          const history = generateTxnHistory(o);
          const v = checkHistory(history);
          expect(v.anomalies.filter((a) => !a.informational)).toEqual([]);
          expect(v.valid).toBe(true);
          // only interleaved transactions can interleave records (G0, G1c through ww: allowed)
          if (o.mode !== 'concurrent') expect(notes(v).filter((k) => k === 'G0' || k === 'G1c')).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a planted aborted read in a generated history is caught', () => {
    const history = generateTxnHistory({ ops: 150, seed: 7, keys: 2, abortRate: 0.3 });
    const failed = history.find((e) => e.type === 'fail' && JSON.stringify(e.value).includes('"send"'))!;
    const send = (failed.value as unknown[][]).find((m) => m[0] === 'send')!;
    const [, key, [offset, value]] = send as [string, number, [number, number]];
    const poll = history.find((e) => e.type === 'ok' && e.f === 'poll' && e.index > failed.index)!;
    poll.value = [['poll', { [key]: [[offset, value]] }]];
    expect(errors(checkHistory(history))).toContain('G1a');
  });
});

describe('npm run check on a transactional history', () => {
  const run = (...args: string[]) =>
    spawnSync('npm', ['run', '-s', 'check', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('prints the cycle with its edges, puts them in --json and in the --report page', () => {
    const file = join(FIXTURES, 'g1c.edn');
    const text = run(file);
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/anomalies: G1c ×1/);
    expect(text.stdout).toMatch(/\n {6}wr: txn 1 \(process 1\) polled "1" at offset 0 of key\/0, sent by txn 0/);
    const json = JSON.parse(run(file, '--json').stdout) as { verdict: Verdict };
    expect(json.verdict.anomalies.find((a) => a.kind === 'G1c')?.cycle).toHaveLength(2);
    const report = join(mkdtempSync(join(tmpdir(), 'txncheck-')), 'r.html');
    expect(run(file, '--report', report).status).toBe(1);
    expect(readFileSync(report, 'utf8')).toContain('polled \\"2\\" at offset 0 of key/1');
  });
});
