// What the campaign tests share (test/fuzz/campaign.test.ts against the stand-in cluster,
// test/fuzz/guided.test.ts on the real model): a temporary directory removed after the file's
// tests, a fresh output directory per campaign, campaign options over per-file defaults, and
// a writable stream that keeps what was written.
//
// Assumes vitest: `campaignKit` registers an afterAll hook, so call it at a file's top level.

import { afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FuzzOptions } from '../../campaign/fuzz.ts';

export interface CampaignKit {
  /** The file's temporary directory. */
  tmp: string;
  /** A new, not yet existing output directory inside tmp. */
  freshDir(): string;
  /** The file's defaults with a fresh output directory, overridden by `over`. */
  base(over: Partial<FuzzOptions>): FuzzOptions;
}

export function campaignKit(prefix: string, defaults: Omit<FuzzOptions, 'outDir'>): CampaignKit {
  const tmp = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let dirCount = 0;
  const freshDir = (): string => join(tmp, `out-${dirCount++}`);
  return { tmp, freshDir, base: (over) => ({ ...defaults, outDir: freshDir(), ...over }) };
}

/** A stdout/stderr stand-in that keeps the text written to it. */
export class Sink {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}
