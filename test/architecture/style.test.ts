// Lines of at most 120 columns in every source file (.ts, .mts, .mjs) of the repository. The
// formatter (Biome, `npm run format`) breaks code at 120 columns but not strings, templates or
// comments; this test holds those to the same width, naming each offending file:line.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, sourceFiles } from './import-graph.ts';

const MAX_COLUMNS = 120;

/** "file:line (N columns)" for each line of `source` longer than MAX_COLUMNS (code points). */
export function longLines(file: string, source: string): string[] {
  const out: string[] = [];
  source.split('\n').forEach((line, i) => {
    const columns = [...line].length;
    if (columns > MAX_COLUMNS) out.push(`${file}:${i + 1} (${columns} columns)`);
  });
  return out;
}

describe('style', () => {
  it(`no source line is longer than ${MAX_COLUMNS} columns`, () => {
    const files = sourceFiles().filter((f) => /\.(ts|mts|mjs)$/.test(f));
    expect(files.length).toBeGreaterThan(100);
    const long = files.flatMap((f) => longLines(f, readFileSync(join(REPO_ROOT, f), 'utf8')));
    expect(long).toEqual([]);
  });

  it('the check flags a planted long line and counts columns, not bytes', () => {
    expect(longLines('x.ts', `ok\n${'a'.repeat(121)}\n${'é'.repeat(120)}`)).toEqual(['x.ts:2 (121 columns)']);
  });
});
