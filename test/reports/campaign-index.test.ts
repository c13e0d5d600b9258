// The campaign index: every violation and expected loss listed (the loss with the rule of
// Kafka's promise it went beyond), with a relative link when a report exists; headers do not
// wrap mid-word; nothing from the entries can become markup, a script or a link outside the
// campaign directory.
import { describe, expect, it } from 'vitest';
import { renderCampaignIndex, safeRelativeHref, type CampaignEntry } from '../../reports/campaign-index.ts';
import { HOSTILE } from '../fixtures/traces/acks1-loss.ts';

const entries: CampaignEntry[] = [
  {
    variant: 'acks=1',
    scenario: 'acks1-leader-crash',
    seed: 42,
    anomalyKinds: ['lost-write', 'acked-durable'],
    reportPath: 'violations/acks1 seed 42.html',
    tracePath: 'traces/42.json',
    explanation: 'v3 was lost.',
    timeUs: 20_350_000,
  },
  {
    variant: 'truncate-to-hw',
    scenario: 'default',
    seed: 7,
    anomalyKinds: ['lost-write'],
    reportPath: 'violations/7.html',
    expected: true,
  },
  {
    variant: 'correct',
    scenario: 'power-loss',
    seed: 9,
    anomalyKinds: ['lost-write'],
    expected: true,
    rule: 'min-isr-power-loss',
    timeUs: 5_000_000,
  },
];

describe('renderCampaignIndex', () => {
  const html = renderCampaignIndex(entries, {
    title: 'nightly',
    seedsRun: 1000,
    command: 'npm run fuzz -- --seeds 1000',
  });

  it('lists every violation with variant, scenario, seed, anomaly kind and a relative link', () => {
    for (const text of [
      'acks=1',
      'acks1-leader-crash',
      '>42<',
      'lost-write',
      'acked-durable',
      'truncate-to-hw',
      '>7<',
      '20.350000 s',
      'v3 was lost.',
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain('<a href="violations/acks1%20seed%2042.html">report</a>');
    expect(html).toContain('<a href="traces/42.json">trace</a>');
    expect(html).toContain('<a href="violations/7.html">report</a>');
    expect(html).toContain('1 violation, 2 expected losses in 1000 seeds');
    expect(html).toContain('lost-write × 3');
  });

  it('lists expected losses with their rule, or says the rule was not recorded; no link without a report', () => {
    const row = (seed: number) =>
      html.slice(
        html.indexOf(`<td class="num">${seed}</td>`),
        html.indexOf('</tr>', html.indexOf(`<td class="num">${seed}</td>`)),
      );
    expect(row(9)).toContain('expected: min-isr-power-loss');
    expect(row(9)).toContain('5.000000 s');
    expect(row(9)).not.toContain('<a ');
    expect(row(7)).toContain('expected: rule not recorded');
  });

  it('never breaks a header inside a word', () => {
    expect(html).toMatch(/th \{[^}]*white-space: nowrap[^}]*\}/);
    expect(html).toContain('<th>Virtual time (run end)</th>');
  });

  it('is static: no script at all, and a CSP that forbids scripts and the network', () => {
    expect(html).not.toContain('<script');
    expect(html).toContain('script-src &#39;none&#39;');
    expect(html).toContain('default-src &#39;none&#39;');
  });

  it('escapes hostile entries and refuses unsafe links', () => {
    const evil = renderCampaignIndex([
      {
        variant: HOSTILE,
        scenario: HOSTILE,
        seed: HOSTILE,
        anomalyKinds: [HOSTILE],
        reportPath: 'javascript:alert(1)',
        explanation: HOSTILE,
      },
      { variant: 'v', scenario: 's', seed: 1, anomalyKinds: ['k'], reportPath: '../../etc/passwd' },
      { variant: 'v', scenario: 's', seed: 2, anomalyKinds: ['k'], reportPath: '/abs.html' },
    ]);
    expect(evil).not.toContain('<img');
    expect(evil).not.toContain('</script><');
    expect(evil).toContain('&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;');
    expect(evil).not.toMatch(/href="(javascript|\.\.|\/abs)/);
    expect(evil.match(/unsafe path/g)).toHaveLength(3);
  });

  it('says so when there is nothing to list', () => {
    expect(renderCampaignIndex([])).toContain('No violations found.');
  });
});

describe('safeRelativeHref', () => {
  it('accepts relative paths and encodes each segment', () => {
    expect(safeRelativeHref('a/b c/d#e?.html')).toBe('a/b%20c/d%23e%3F.html');
    expect(safeRelativeHref('report.html')).toBe('report.html');
  });
  it('rejects schemes, absolute paths, parent segments, empty segments and control characters', () => {
    for (const bad of [
      'javascript:alert(1)',
      'JaVaScRiPt:x',
      'data:text/html,x',
      'file:///etc',
      '/x.html',
      '\\\\host\\x',
      'a/../b',
      '..',
      'a//b',
      'a\nb',
      '',
    ]) {
      expect(safeRelativeHref(bad), bad).toBeNull();
    }
  });
});
