// The committed JSON fixture matches its builder, and the render CLI's reader accepts it and
// refuses what is not a trace.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../reports/render.ts';
import { acks1LossTrace } from '../fixtures/traces/acks1-loss.ts';

const fixture = fileURLToPath(new URL('../fixtures/traces/acks1-loss.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gregor-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readTrace', () => {
  it('reads the committed acks=1 fixture, which matches its builder (regenerate with write-json.ts)', () => {
    expect(readTrace(fixture)).toEqual(acks1LossTrace());
  });

  it('refuses files that are not gregor traces of this version', () => {
    const write = (name: string, value: unknown) => {
      const file = join(dir, name);
      writeFileSync(file, JSON.stringify(value));
      return file;
    };
    expect(() => readTrace(write('a.json', { format: 'other' }))).toThrow(/not a gregor trace/);
    expect(() => readTrace(write('b.json', { ...acks1LossTrace(), version: 99 }))).toThrow(/trace version 99/);
    expect(() => readTrace(write('c.json', { ...acks1LossTrace(), timeline: undefined }))).toThrow(/no timeline/);
  });
});
