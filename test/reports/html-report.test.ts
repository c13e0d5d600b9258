// The violation report as a document: self-contained (no external resource of any kind),
// CSP pinned to the inline code, data embedded as escaped JSON, and hostile strings from the
// trace present only inside that JSON, never as markup.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderViolationReport } from '../../reports/html-report.ts';
import type { ReportData } from '../../reports/report-data.ts';
import { acks1LossTrace, HOSTILE } from '../fixtures/traces/acks1-loss.ts';

function parts(html: string) {
  const data = html.match(/<script type="application\/json" id="gregor-data">([\s\S]*?)<\/script>/);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => m[1]);
  const csp = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/)?.[1].replace(/&#39;/g, "'");
  return { json: data?.[1], data: data ? (JSON.parse(data[1]) as ReportData) : undefined, scripts, styles, csp };
}
const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('renderViolationReport', () => {
  const html = renderViolationReport(acks1LossTrace());
  const p = parts(html);

  it('is one self-contained document: no URL, no src/href to anything but the data: favicon', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/\bsrc\s*=/i);
    expect([...html.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1])).toEqual(['data:,']);
    expect(html).not.toMatch(/@import|url\(/);
    expect(p.scripts).toHaveLength(1);
    expect(p.styles).toHaveLength(1);
  });

  it('has a CSP that forbids the network and allows exactly its own script and style', () => {
    expect(p.csp).toBeDefined();
    expect(p.csp).toContain("default-src 'none'");
    expect(p.csp).toContain(`script-src ${sha(p.scripts[0])}`);
    expect(p.csp).toContain(`style-src ${sha(p.styles[0])}`);
    expect(p.csp).not.toContain('unsafe-inline');
  });

  it('embeds the data as JSON the page can read back', () => {
    expect(p.data?.mode).toBe('violation');
    expect(p.data?.headline).toMatchObject({ status: 'violation', label: 'Violation: lost-write' });
    expect(p.data?.focus).toMatchObject({ value: 'v3', offset: 3, lostOnBroker: 1, copiesAtEnd: 0, finalValue: 'v4' });
    expect(p.data?.command).toBe('npm run fuzz -- --scenario acks1-leader-crash --variant acks=1 --seed 42');
  });

  it('never lets the client script touch innerHTML, eval or the network', () => {
    const script = p.scripts[0];
    expect(script).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
    expect(script).not.toMatch(/fetch\(|XMLHttpRequest|WebSocket|sendBeacon|importScripts/);
  });
});

describe('hostile strings', () => {
  const html = renderViolationReport(acks1LossTrace({ lostValue: HOSTILE, hostileEverywhere: true }));
  const p = parts(html);

  it('appear in the document only as escaped JSON', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html.match(/<\/script>/g)).toHaveLength(2); // the data element and the script, nothing injected
    expect(p.json).toContain('\\u003c/script\\u003e\\u003cimg src=x onerror=alert(1)\\u003e');
  });

  it('come back unchanged from the embedded JSON', () => {
    expect(p.data?.focus?.value).toBe(HOSTILE);
    expect(p.data?.strings).toContain(HOSTILE);
    expect(p.data?.meta).toContainEqual(['scenario', `acks1-leader-crash ${HOSTILE}`]);
    expect(p.data?.faults[0].description).toBe(`crash (kill -9) of broker 1 ${HOSTILE}`);
    expect(p.data?.command.endsWith(HOSTILE)).toBe(true);
  });

  it('are escaped in the <title>', () => {
    expect(html).toMatch(/<title>[^<]*&lt;\/script&gt;&lt;img src=x onerror=alert\(1\)&gt;[^<]*<\/title>/);
  });
});
