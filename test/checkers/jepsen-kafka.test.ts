// Histories recorded elsewhere, taken as they are (issue 11): Jepsen's Kafka workload format
// (micro-op lists, integer keys, :txn, :assign/:subscribe of keys, :seek-to-beginning?),
// times that go backwards, and a gregor trace written on one line. The fixtures under
// test/fixtures/jepsen-kafka are hand-written from jepsen.tests.kafka's documented format.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory, checkKafka, readHistory, type Verdict } from '../../checkers/index.ts';
import { HistoryBuilder } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const FIXTURES = join(ROOT, 'test/fixtures/jepsen-kafka');
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');
const errors = (v: Verdict) => v.anomalies.filter((a) => !a.informational).map((a) => a.kind);

/** `npm run -s check -- ARGS`, as a user types it. */
function npmCheck(...args: string[]) {
  const r = spawnSync('npm', ['run', '-s', 'check', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("Jepsen's Kafka workload format", () => {
  it('reads micro-op sends, polls, a txn, key assigns and a crashed client; valid, with notes', () => {
    const read = readHistory(fixture('valid.edn'));
    expect(read.format).toBe('edn');
    expect(read.history).toHaveLength(24); // the nemesis op is dropped
    expect(read.notes).toEqual([expect.stringMatching(/^time goes backwards at 2 event\(s\), first at line 11/)]);
    const v = checkHistory(read.history, { sourceLines: read.sourceLines });
    expect(v.valid).toBe(true);
    expect(v.checker).toBe('kafka + txn');
    expect(v.stats?.['kafka.sends']).toBe(5);
    expect(v.stats?.['kafka.partitions']).toBe(2);
    expect(v.stats?.['txn.transactions']).toBe(1);
    const notes = v.anomalies.filter((a) => a.kind === 'not-judged').map((a) => a.explanation);
    expect(notes).toEqual([expect.stringMatching(/^Linearizability against a log is not judged/)]);
  });

  it('finds a lost write: the final read (assign with :seek-to-beginning?) passes over offset 2', () => {
    const v = checkKafka(readHistory(fixture('lost-write.edn')).history);
    expect(errors(v)).toEqual(['lost-write', 'poll-skip']);
    const lost = v.anomalies.find((a) => a.kind === 'lost-write')!;
    expect(lost.values).toEqual(['12']);
    expect(lost.offsets).toEqual([2]);
    expect(lost.topic).toBe('key');
    expect(lost.partition).toBe(0);
  });

  it("finds a poll-skip between a process's successive polls of a key", () => {
    const v = checkKafka(readHistory(fixture('poll-skip.edn')).history);
    expect(errors(v)).toEqual(['poll-skip']);
    expect(v.anomalies[0].values).toEqual(['20', '22', '21']);
  });

  it('a subscription lets the group move positions: successive polls are not compared', () => {
    const text = fixture('poll-skip.edn').replaceAll(':f :assign, :value [0]', ':f :subscribe, :value [0]');
    expect(checkKafka(readHistory(text).history).valid).toBe(true);
  });

  it('names the line of a malformed micro-op', () => {
    const bad = '{:index 0, :time 1, :type :invoke, :process 0, :f :send, :value [[:send :x 1]]}\n';
    expect(() => readHistory(bad)).toThrow(/^line 1: send micro-op \["send","x",1\] is not \[:send key value\]/);
    const txn = '{:index 0, :time 1, :type :invoke, :process 0, :f :txn, :value [[:append 0 1]]}\n';
    expect(() => readHistory(txn)).toThrow(/^line 1: micro-op .* is neither :send nor :poll/);
  });
});

describe('the documented JSONL examples', () => {
  const example = (path: string, after: string) => {
    const text = readFileSync(join(ROOT, path), 'utf8');
    const start = text.indexOf('```', text.indexOf(after)) + 3;
    return text.slice(start, text.indexOf('```', start));
  };
  it('README and docs/readme-checkers.md show valid histories', () => {
    for (const [path, after] of [
      ['README.md', 'A gregor JSONL history is one event per line'],
      ['docs/readme-checkers.md', '### The JSONL line format'],
    ]) {
      const read = readHistory(example(path, after));
      expect(read.format).toBe('jsonl');
      expect(read.history.length).toBeGreaterThanOrEqual(4);
      expect(checkHistory(read.history).valid).toBe(true);
    }
  });
});

describe('npm run check on histories recorded elsewhere (spawned as a user types it)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gregor-jepsen-kafka-'));

  it('exit 0 on a Jepsen Kafka history whose times go backwards, saying what was not judged', () => {
    const r = npmCheck(join(FIXTURES, 'valid.edn'));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/model: none \(Jepsen's Kafka micro-ops: the Kafka anomaly and transactional checks only\)/);
    expect(r.out).toMatch(/note: time goes backwards/);
  });

  it('exit 1 on the Jepsen lost write', () => {
    const r = npmCheck(join(FIXTURES, 'lost-write.edn'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/lost-write: Send of "12" to key\/0 by process 1 was acknowledged at offset 2/);
  });

  it('takes a gregor trace written on one line as a trace, without --format', () => {
    const h = new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).assign(9, 0).pollValues(9, 0, ['a', 'b']);
    const history = h.events;
    const trace = join(dir, 'run.trace.json');
    writeFileSync(trace, JSON.stringify({ format: 'gregor-trace', version: 1, history }));
    const r = npmCheck(trace);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(trace, guessed\)/);
  });
});
