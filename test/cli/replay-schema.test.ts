// `npm run replay -- TRACE.json` on traces edited by hand (issue 11, item 6), as a user types
// it: a schedule that does not fit the schema (an unknown fault kind once ended as exit 3
// `crash` with "Pattern matching error") is one stderr line naming the field, exit 2; an edit
// of what the trace says to run is reported as such (its content hash differs), apart from
// "same trace, different events" (the code or the model changed); older traces without a
// content hash, or without the faults' beyondPromise label, still replay.
// The trace under test is the one `npm run demo` writes (a short, passing run).

import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, lastJson } from './helpers.ts';
import type { Trace } from '../../checkers/trace.ts';
import { contentHashOf } from '../../campaign/tasks.ts';
import { REPLAY_USAGE } from '../../cli/replay.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-replay-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function npm(script: string, args: readonly string[]) {
  const r = spawnSync('npm', ['run', '-s', script, '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let original: Trace;
let n = 0;

/** Writes an edited copy of the demo's trace; returns its path. */
function variantOf(
  edit: (
    t: Record<string, unknown> & {
      faultSchedule: { faults: Array<Record<string, unknown>>; workload: { sends: number } };
    },
  ) => void,
): string {
  const t = JSON.parse(JSON.stringify(original));
  edit(t);
  const path = join(tmp, `t${n++}.trace.json`);
  writeFileSync(path, JSON.stringify(t));
  return path;
}

beforeAll(() => {
  const r = npm('demo', ['--out', tmp]);
  expect(r.code).toBe(0);
  original = JSON.parse(readFileSync(join(tmp, 'demo-seed-1.trace.json'), 'utf8')) as Trace;
}, 240_000);

describe('content hash', () => {
  it('is written with the trace, over what it says to run', () => {
    expect(original.contentHash).toMatch(/^[0-9a-f]{16}$/);
    expect(original.contentHash).toBe(contentHashOf(original));
    expect(contentHashOf({ ...original, seed: original.seed + 1 })).not.toBe(original.contentHash);
  });

  it('an untouched trace replays to its hash, exit 0', () => {
    const r = npm('replay', [variantOf(() => {}), '--json']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hash ${original.hash} matches the trace`);
    expect(lastJson(r.stdout)).toMatchObject({
      hashMatches: true,
      edited: false,
      recordedContentHash: original.contentHash,
    });
  });

  it('an edited schedule: "the trace was edited", run as the edited input, never "the code changed"', () => {
    const r = npm('replay', [variantOf((t) => (t.faultSchedule.workload.sends = 40)), '--json']);
    expect(r.stdout).toMatch(/the trace was edited \(content hash [0-9a-f]{16} ≠ [0-9a-f]{16} recorded\)/);
    expect(r.stdout).not.toContain('the code or the model changed');
    const j = lastJson<{ edited: boolean; outcome: string; exitCode: number }>(r.stdout);
    expect(j.edited).toBe(true);
    expect(j.outcome).toBe('ok');
    expect(r.code).toBe(0);
  });

  it('an edited seed is an edit too', () => {
    const r = npm('replay', [variantOf((t) => (t.seed = 2))]);
    expect(r.stdout).toContain('the trace was edited');
  });

  it('same trace, different events: the code or the model changed, exit 3', () => {
    const r = npm('replay', [variantOf((t) => (t.hash = '0123456789abcdef'))]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('same trace, different events: the code or the model changed');
    expect(r.stdout).not.toContain('edited');
  });

  it('an older trace (no content hash, no beyondPromise labels) still replays to its hash', () => {
    const path = variantOf((t) => {
      delete t.contentHash;
      for (const f of t.faultSchedule.faults) delete f.beyondPromise;
    });
    const r = npm('replay', [path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`hash ${original.hash} matches the trace`);
  });

  it('an older trace that no longer matches cannot tell an edit from a code change, and says so', () => {
    const r = npm('replay', [
      variantOf((t) => {
        delete t.contentHash;
        t.faultSchedule.workload.sends = 40;
      }),
    ]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('or the trace was edited (an older trace: no content hash to tell)');
  });
});

describe('schema: one line naming the field, exit 2', () => {
  const cases: Array<[string, Parameters<typeof variantOf>[0], RegExp]> = [
    [
      'an unknown fault kind',
      (t) => ((t.faultSchedule.faults[0].action as { kind: string }).kind = 'explode'),
      /faultSchedule\.faults\[0\]\.action\.kind: expected kind to be one of crash, .*got "explode"/,
    ],
    [
      'an unknown target',
      (t) => ((t.faultSchedule.faults[0].action as { target: unknown }).target = { kind: 'rack' }),
      /faultSchedule\.faults\[0\]\.action\.target\.kind: expected kind to be one of broker, .*got "rack"/,
    ],
    ['a seed that is a string', (t) => (t.seed = '1'), /: seed: .*expected number, received string/],
    ['an unknown variant', (t) => (t.variant = 'acks-2'), /: variant: expected one of correct, acks-1, .*got "acks-2"/],
    ['another version', (t) => (t.version = 2), /: version: expected 1, got 2: this gregor reads trace version 1/],
    [
      'another format',
      (t) => (t.format = 'jepsen'),
      /: format: expected "gregor-trace", got "jepsen": not a gregor trace/,
    ],
    ['a missing schedule', (t) => delete (t as Record<string, unknown>).faultSchedule, /: faultSchedule: missing$/],
    ['a malformed content hash', (t) => (t.contentHash = 'xyz'), /: contentHash: expected 16 hex digits/],
    [
      'a ZooKeeper-mode variant on a KRaft-mode input',
      (t) => (t.variant = 'zombie-controller'),
      /: variant: zombie-controller changes a rule of ZooKeeper mode only, and faultSchedule\.shape has no zookeeper$/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    it(name, () => {
      const r = npm('replay', [variantOf(edit)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^gregor replay: /);
      expect(lines[0]).toMatch(message);
      expect(lines[0]).not.toContain('Pattern matching');
    });
  }

  it('the usage tells edits from code changes', () => {
    expect(REPLAY_USAGE).toContain('edited');
  });
});
