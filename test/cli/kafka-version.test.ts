// `npm run fuzz -- --kafka-version V` (issue 13): runs the scenario on Kafka release V (its
// defaults and rules, model/versions.ts); the summary names the scenario as NAME@V, which
// re-runs (--scenario NAME@V) reproduce. An unknown version is a usage error.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUZZ, lastJson, runCli } from './helpers.ts';
import type { CampaignSummary } from '../../campaign/summary.ts';

const tmp = mkdtempSync(join(tmpdir(), 'gregor-kv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
/** One worker thread, then --out (its directory follows). */
const ONE_WORKER = ['--workers', '1', '--out'];

describe('fuzz --kafka-version', () => {
  it('runs the scenario on that version and names it NAME@V', () => {
    const args = ['--kafka-version', '3.6', '--seeds', '3', '--base-seed', '21'];
    const r = runCli(FUZZ, [...args, ...ONE_WORKER, join(tmp, 'a'), '--json']);
    expect(r.code).toBe(0);
    expect(lastJson<CampaignSummary>(r.stdout)).toMatchObject({ scenario: 'swarm@3.6', seeds: 3, exitCode: 0 });
  });

  it('the newest version is the plain scenario; an unknown one is a usage error (exit 2)', () => {
    const args = ['--kafka-version', '4.1', '--seeds', '1', '--base-seed', '21'];
    const r = runCli(FUZZ, [...args, ...ONE_WORKER, join(tmp, 'b'), '--json']);
    expect(lastJson<CampaignSummary>(r.stdout)).toMatchObject({ scenario: 'swarm' });
    const bad = runCli(FUZZ, ['--kafka-version', '2.8', '--out', join(tmp, 'c')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--kafka-version');
  });
});
