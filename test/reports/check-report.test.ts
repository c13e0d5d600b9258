// The `npm run check` report: client lanes only, the counterexample mapped to operations.
import { describe, expect, it } from 'vitest';
import { renderCheckReport } from '../../reports/check-report.ts';
import { buildCheckData, type ReportData } from '../../reports/report-data.ts';
import { registerHistory } from './register-history.ts';

describe('check report', () => {
  const { history, verdict } = registerHistory();
  const data = buildCheckData(history, verdict, {
    source: 'reg.jsonl',
    model: 'register',
    command: 'npm run check -- reg.jsonl --model register',
  });

  it('has client lanes and no cluster', () => {
    expect(data.mode).toBe('check');
    expect(data.lanes.map((l) => l.name)).toEqual(['process 0', 'process 1', 'process 2']);
    expect(data.brokers).toEqual([]);
    expect(data.rep.t).toEqual([]);
    expect(data.focus).toBeNull();
  });

  it('maps the counterexample from history indices to operations', () => {
    expect(data.cex).toEqual({
      prefix: [0],
      failed: 1,
      reason: 'read returned 2 but the register holds 1',
      partitionKey: null,
    });
    expect(data.marked).toEqual([1]);
    expect(data.strings[data.ops.res[1]]).toBe('2'); // what the read returned
    expect(data.ops.st).toEqual([0, 0, 0, 2]);
  });

  it('names the history, the model and the command', () => {
    expect(data.meta).toContainEqual(['history', 'reg.jsonl']);
    expect(data.meta).toContainEqual(['model', 'register']);
    expect(data.headline).toMatchObject({ status: 'violation', label: 'Violation: nonlinearizable' });
    expect(data.command).toBe('npm run check -- reg.jsonl --model register');
  });

  it('renders a self-contained page whose data carries the hostile value only as escaped JSON', () => {
    const hostile = registerHistory(true);
    const html = renderCheckReport(hostile.history, hostile.verdict, { source: '<b>x</b>.jsonl' });
    expect(html).toContain('default-src &#39;none&#39;');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>x</b>');
    const json = html.match(/<script type="application\/json" id="gregor-data">([\s\S]*?)<\/script>/)![1];
    const parsed = JSON.parse(json) as ReportData;
    expect(parsed.cex?.reason).toBe('read returned "</script><img src=x onerror=alert(1)>" but the register holds 1');
  });

  it('works without a counterexample (e.g. a Kafka anomaly found in an external history)', () => {
    const plain = buildCheckData(history, { valid: true, checker: 'kafka', anomalies: [] }, {});
    expect(plain.cex).toBeNull();
    expect(plain.headline.status).toBe('valid');
  });
});
