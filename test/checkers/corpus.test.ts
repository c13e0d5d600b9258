// The Porcupine corpus: every etcd history gets the verdict its README lists (102 of 102, the
// empty etcd_095 read as an empty, trivially valid history) and the six kv files theirs.
// No verdict may depend on a file name: copies under neutral names get the same verdicts.

import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHistory, guessModel, readHistory } from '../../checkers/index.ts';
import { CORPUS } from './helpers.ts';

const LINEARIZABLE = new Set(
  '002 005 007 018 025 031 038 045 048 049 051 053 056 067 075 076 080 087 092 098 100 101 102'.split(' '),
);
const etcdFiles = readdirSync(join(CORPUS, 'jepsen'))
  .filter((f) => f.endsWith('.log'))
  .sort();

function judge(path: string) {
  const read = readHistory(readFileSync(path, 'utf8'));
  return { read, verdict: checkHistory(read.history, { sourceLines: read.sourceLines }) };
}

describe('Porcupine etcd corpus', () => {
  it('has 103 files, 000 to 102', () => {
    expect(etcdFiles).toHaveLength(103);
  });

  it('reads the empty etcd_095 as an empty history, which is trivially valid', () => {
    const { read, verdict } = judge(join(CORPUS, 'jepsen', 'etcd_095.log'));
    expect(read.history).toHaveLength(0);
    expect(verdict.valid).toBe(true);
    expect(verdict.stats?.operations).toBe(0);
  });

  const judged = etcdFiles.filter((f) => f !== 'etcd_095.log');
  it.each(judged)('%s gets the verdict the README lists', (file) => {
    const { read, verdict } = judge(join(CORPUS, 'jepsen', file));
    expect(read.format).toBe('etcd-log');
    expect(guessModel(read.history).model).toBe('cas-register');
    const expected = LINEARIZABLE.has(file.slice(5, 8));
    expect(verdict.valid).toBe(expected);
    if (!expected) {
      // a counterexample: a prefix, the op that cannot be placed (an invoke), and why
      const ce = verdict.counterexample!;
      expect(ce.reason).toMatch(/cannot be linearized/);
      expect(read.history[ce.failedOp].type).toBe('invoke');
      for (const i of ce.longestPrefix) expect(read.history[i].type).toBe('invoke');
    }
  });

  it('judges 102 of 102 histories', () => {
    let right = 0;
    for (const file of judged) {
      const { verdict } = judge(join(CORPUS, 'jepsen', file));
      if (verdict.valid === LINEARIZABLE.has(file.slice(5, 8))) right++;
    }
    expect(right).toBe(102);
  });
});

describe('Porcupine kv corpus', () => {
  const kvFiles = readdirSync(join(CORPUS, 'kv')).sort();
  it('has the six files', () => {
    expect(kvFiles).toEqual(['c01-bad.txt', 'c01-ok.txt', 'c10-bad.txt', 'c10-ok.txt', 'c50-bad.txt', 'c50-ok.txt']);
  });
  it.each(kvFiles)('%s: -ok is linearizable, -bad is not', (file) => {
    const { read, verdict } = judge(join(CORPUS, 'kv', file));
    expect(read.format).toBe('edn');
    expect(guessModel(read.history).model).toBe('kv');
    expect(verdict.valid).toBe(file.includes('-ok'));
  });
});

describe('no verdict depends on a file name', () => {
  it('copies under neutral names get the same verdicts and formats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-neutral-'));
    const samples = [
      join(CORPUS, 'jepsen', 'etcd_000.log'),
      join(CORPUS, 'jepsen', 'etcd_002.log'),
      join(CORPUS, 'kv', 'c10-bad.txt'),
      join(CORPUS, 'kv', 'c10-ok.txt'),
    ];
    samples.forEach((src, i) => {
      const neutral = join(dir, `history-${i}.data`);
      copyFileSync(src, neutral);
      const a = judge(src);
      const b = judge(neutral);
      expect(b.read.format).toBe(a.read.format);
      expect(b.verdict.valid).toBe(a.verdict.valid);
      expect(b.verdict.counterexample).toEqual(a.verdict.counterexample);
    });
  });
});
