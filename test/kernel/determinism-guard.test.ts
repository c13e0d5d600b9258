// The determinism guard (DESIGN §2): simulated code — harness (the kernel), model, scenarios and the
// per-run driver (driver/) that runs inside a simulation — uses no real clock, real randomness, real
// timers, promises or async. The scanner lives in guard-scan.ts; here it runs over the
// repository (failing with the list of offenders), and over planted snippets so that a
// scanner that stopped seeing anything would fail too.

import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { codeOnly, formatOffences, isExempt, scanRepository, scanSource } from './guard-scan.ts';

describe('determinism guard over the repository', () => {
  it('finds no real time, randomness, timers, promises or async in simulated code', () => {
    const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
    const { files, offences } = scanRepository(repoRoot);
    expect(files).toContain('harness/simulation.ts');
    expect(files).toContain('driver/injector.ts');
    expect(files.some((f) => f.startsWith('model/'))).toBe(true);
    expect(offences, `forbidden uses in simulated code:\n${formatOffences(offences)}`).toEqual([]);
  });
});

describe('the scanner', () => {
  const names = (source: string) => scanSource('x.ts', source).map((o) => o.name);

  it('flags every forbidden name in code', () => {
    expect(names('const x = Math.random();')).toEqual(['Math.random']);
    expect(names('const t = Date.now();')).toEqual(['Date']);
    expect(names('const t = new Date();')).toEqual(['Date']);
    expect(names('const t = performance.now();')).toEqual(['performance.now']);
    expect(names('const t = process.hrtime.bigint();')).toEqual(['process.hrtime']);
    expect(names('setTimeout(f, 1); setImmediate(f); setInterval(f, 2);')).toEqual([
      'setTimeout',
      'setImmediate',
      'setInterval',
    ]);
    expect(names('const b = crypto.getRandomValues(a);')).toEqual(['crypto']);
    expect(names("import { randomBytes } from 'node:crypto';")).toEqual(['import node:crypto']);
    expect(names("import { performance } from 'perf_hooks';")).toEqual(['import perf_hooks']);
    expect(names('export async function f() {}')).toEqual(['async']);
    expect(names('const f = async () => 1;')).toEqual(['async']);
    expect(names('const v = await g();')).toEqual(['await']);
    expect(names('function f(): Promise<void> { return Promise.resolve(); }')).toEqual(['Promise']);
    expect(names('queueMicrotask(f); process.nextTick(f);')).toEqual(['queueMicrotask', 'process.nextTick']);
  });

  it('ignores comments, strings, look-alike identifiers and allowed lines', () => {
    expect(names('// a Math.random call would break replays')).toEqual([]);
    expect(names('/* Date.now() */ const a = 1;')).toEqual([]);
    expect(names("throw new Error('no Date here, nor setTimeout');")).toEqual([]);
    expect(names('const s = `at ${timeUs} µs, not Date.now()`;')).toEqual([]);
    expect(names('const s = `${Math.random()}`;')).toEqual(['Math.random']);
    expect(names('const tracker = new PromiseTracker(); const beyondPromise = true; const updateDate = 1;')).toEqual(
      [],
    );
    expect(names('ctx.setTimer(10, "t"); const asyncish = 1;')).toEqual([]);
    expect(names('const re = /Date\\.now/g; const x = 1;')).toEqual([]);
    expect(names('const ms = Date.now(); // determinism-guard: allow (progress display only)')).toEqual([]);
  });

  it('keeps line numbers through multi-line comments and templates', () => {
    const source = ['/* line 1', ' * line 2 */', 'const s = `a', 'b ${x} c`;', 'const t = Date.now();'].join('\n');
    expect(codeOnly(source).split('\n').length).toBe(5);
    expect(scanSource('f.ts', source).map((o) => o.line)).toEqual([5]);
  });

  it('exempts only the driver files', () => {
    expect(isExempt('cli/fuzz.ts')).toBe(true);
    expect(isExempt('campaign/progress.ts')).toBe(true);
    expect(isExempt('driver/injector.ts')).toBe(false);
    expect(isExempt('harness/simulation.ts')).toBe(false);
    expect(isExempt('model/broker.ts')).toBe(false);
  });
});
