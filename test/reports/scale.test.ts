// Scale: a 100,000-operation trace renders to one file well under 20 MB. (Load and scroll
// in a real browser, with the figures printed: test/browser/report.test.ts.)
import { describe, expect, it } from 'vitest';
import { renderViolationReport } from '../../reports/html-report.ts';
import { syntheticTrace } from '../fixtures/traces/synthetic.ts';

describe('a 100,000-operation report', () => {
  it('holds every operation and stays under 20 MB', () => {
    const trace = syntheticTrace({ ops: 100_000 });
    expect(trace.history.filter((e) => e.type === 'invoke').length).toBeGreaterThanOrEqual(100_000);
    const html = renderViolationReport(trace);
    const bytes = Buffer.byteLength(html, 'utf8');
    expect(bytes).toBeLessThan(20 * 1024 * 1024);
    const data = JSON.parse(html.match(/<script type="application\/json" id="gregor-data">([\s\S]*?)<\/script>/)![1]);
    expect(data.counts.ops).toBeGreaterThanOrEqual(100_000);
    expect(data.ops.t0).toHaveLength(data.counts.ops);
    expect(data.focus).not.toBeNull();
    expect(data.focus.copiesAtEnd).toBe(0);
  });
});
