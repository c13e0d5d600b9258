// `npm run check` as a spawned process: each exit code, each format, --json, --help, --report.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS, HistoryBuilder, toJsonl } from './helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'gregor-check-cli-'));

function check(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'cli/check.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const kafkaOk = file(
  'a',
  toJsonl(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a', 'b']).events),
);
const kafkaLost = file(
  'b',
  toJsonl(
    new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).send(1, 'c', 2).pollValues(2, 0, ['a']).pollValues(3, 2, ['c'])
      .events,
  ),
);
const kafkaTail = file(
  'e',
  toJsonl(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).assign(9, 0).pollValues(9, 0, ['a']).events),
);

describe('npm run check', () => {
  it('exit 0 on a valid history, with a short summary naming the model it guessed', () => {
    const r = check(kafkaOk);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/model: log \(guessed from Kafka operations/);
    expect(r.out).toMatch(/verdict: VALID/);
    expect(r.err).toBe('');
  });

  it('exit 1 on a violation, with the anomaly in one sentence', () => {
    const r = check(kafkaLost);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/verdict: INVALID/);
    expect(r.out).toMatch(/lost-write: Send of "b"/);
  });

  it('--final-read-complete judges a record beyond the final read as lost', () => {
    expect(check(kafkaTail).code).toBe(0);
    const r = check(kafkaTail, '--final-read-complete');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/lost-write/);
  });

  it('exit 2 with one line on stderr for bad usage or input', () => {
    const cases = [
      check(),
      check(kafkaOk, '--model', 'queue'),
      check(kafkaOk, '--frobnicate'),
      check(join(dir, 'does-not-exist')),
      check(
        file('broken', '{"process":1,"type":"invoke","f":"read","value":null}\n{"process":1,"type":\n'),
        '--format',
        'jsonl',
      ),
      check(join(CORPUS, 'jepsen', 'etcd_000.log'), '--format', 'edn'),
      check(kafkaOk, '--model', 'cas-register'),
    ];
    for (const r of cases) {
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(/^check: /);
    }
    expect(cases[4].err).toMatch(/line 2/);
  });

  it('exit 3 when the search budget runs out', () => {
    const r = check(join(CORPUS, 'jepsen', 'etcd_002.log'), '--max-steps', '10');
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/verdict: UNKNOWN/);
  });

  it('reads each format: etcd log, EDN, JSONL; --format overrides the guess', () => {
    const etcd = check(join(CORPUS, 'jepsen', 'etcd_000.log'));
    expect(etcd.code).toBe(1);
    expect(etcd.out).toMatch(/\(etcd-log, guessed\)/);
    expect(etcd.out).toMatch(/model: cas-register/);
    const edn = check(join(CORPUS, 'kv', 'c01-ok.txt'), '--format', 'edn');
    expect(edn.code).toBe(0);
    expect(edn.out).toMatch(/model: kv/);
    expect(check(join(CORPUS, 'kv', 'c01-bad.txt')).code).toBe(1);
    const strict = check(
      file('c', toJsonl(new HistoryBuilder().send(1, 'a', 0).send(1, 'b', 1).pollValues(2, 0, ['a']).events)),
      '--model',
      'log-strict',
    );
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/model: log-strict \(given/);
  });

  it('--initial sets the register start', () => {
    const h = file('d', toJsonl(new HistoryBuilder().read(1, 7).events));
    expect(check(h).code).toBe(1);
    expect(check(h, '--initial', '7').code).toBe(0);
    expect(check(h, '--initial', 'nil').code).toBe(1);
  });

  it('--json prints a machine verdict', () => {
    const r = check(join(CORPUS, 'jepsen', 'etcd_000.log'), '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out);
    expect(j.model).toBe('cas-register');
    expect(j.format).toBe('etcd-log');
    expect(j.verdict.valid).toBe(false);
    expect(j.verdict.counterexample.failedOp).toBeTypeOf('number');
  });

  it('--help prints the usage and exits 0', () => {
    const r = check('--help');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/usage: npm run check -- HISTORY/);
  });

  it('an empty history is trivially valid', () => {
    const r = check(join(CORPUS, 'jepsen', 'etcd_095.log'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 events/);
  });

  it('--report hands the verdict to the HTML report writer', () => {
    const out = join(dir, 'report.html');
    const r = check(kafkaLost, '--report', out);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/<html/i);
  });
});
