// The campaign's code-probe line (campaign/probes.ts): a warning names the never-hit probes a
// correct-model campaign is expected to reach, and only counts those the catalog marks
// unreachable without a bug variant or a setting.

import { describe, expect, it } from 'vitest';
import { probeSummaryLine } from '../../campaign/probes.ts';
import { CODE_PROBE_INFO, CODE_PROBE_NAMES } from '../../model/code-probes.ts';

const reachable = CODE_PROBE_NAMES.filter((n) => CODE_PROBE_INFO[n].reachable === undefined);
const marked = CODE_PROBE_NAMES.filter((n) => CODE_PROBE_INFO[n].reachable !== undefined);
const counts = (zero: readonly string[]) =>
  Object.fromEntries(CODE_PROBE_NAMES.map((n) => [n, zero.includes(n) ? 0 : 3]));

describe('probeSummaryLine', () => {
  it('the catalog has both kinds of probe', () => {
    expect(reachable.length).toBeGreaterThan(0);
    expect(marked.length).toBeGreaterThan(0);
  });

  it('warns by name about a reachable probe never hit, and counts the marked ones', () => {
    const line = probeSummaryLine(counts([reachable[0], marked[0], marked[1]]));
    const total = CODE_PROBE_NAMES.length;
    expect(line).toBe(
      `  warning: ${total - 3}/${total} code probes hit; never hit: ${reachable[0]}; ` +
        '2 more never hit, marked unreachable without a bug variant or a setting',
    );
  });

  it('does not warn when only marked probes were never hit', () => {
    const line = probeSummaryLine(counts([marked[0]]));
    expect(line).not.toContain('warning');
    expect(line).toContain('1 more never hit');
  });

  it('says nothing when no probe was recorded', () => {
    expect(probeSummaryLine({})).toBeNull();
  });
});
