// The page shell: JSON embedding that cannot break out of its <script> element, and a
// Content-Security-Policy that forbids the network and allows exactly the inline code.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fc, test as fcTest } from '@fast-check/vitest';
import { contentSecurityPolicy, cspHash, embedJson, renderPage } from '../../reports/html-page.ts';

describe('embedJson', () => {
  it('escapes <, >, &, U+2028 and U+2029 and nothing survives that could end the element', () => {
    const value = { s: '</script><img src=x onerror=alert(1)><!-- & \u2028\u2029 -->', n: [1, 2] };
    const out = embedJson(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(out).toContain('\\u003c/script\\u003e');
    expect(out).toContain('\\u0026');
    expect(out).toContain('\\u2028');
    expect(JSON.parse(out)).toEqual(value);
  });

  fcTest.prop([fc.jsonValue()])('round-trips any JSON value and never emits the dangerous characters', (value) => {
    const out = embedJson(value);
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('refuses what JSON cannot represent', () => {
    expect(() => embedJson(undefined)).toThrow(/not JSON-serialisable/);
  });
});

describe('renderPage', () => {
  const style = 'body { color: red; }';
  const script = 'document.body.dataset.ok = "1";';
  const html = renderPage({ title: 'a <b> & "c"', style, script, data: { x: '</script>' }, bodyHtml: '<p>hi</p>' });

  it('carries a CSP meta tag that forbids any network access and pins the inline code by hash', () => {
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]*)">/);
    expect(meta).not.toBeNull();
    const policy = meta![1].replace(/&#39;/g, "'");
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("connect-src 'none'");
    expect(policy).toContain('img-src data:');
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).not.toContain('unsafe-eval');
    expect(policy).not.toMatch(/https?:/);
    const sha = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(policy).toContain(`script-src ${sha(script)}`);
    expect(policy).toContain(`style-src ${sha(style)}`);
  });

  it('puts the exact hashed text in the document and escapes the title', () => {
    expect(html).toContain(`<script>${script}</script>`);
    expect(html).toContain(`<style>${style}</style>`);
    expect(html).toContain('<title>a &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(html).toContain('<script type="application/json" id="gregor-data">{"x":"\\u003c/script\\u003e"}</script>');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });

  it('a page without script forbids scripts altogether', () => {
    expect(contentSecurityPolicy(null, style)).toContain("script-src 'none'");
    expect(renderPage({ title: 't', style, script: null, bodyHtml: '' })).not.toContain('<script');
  });

  it('refuses static assets that would close their own element', () => {
    expect(() => renderPage({ title: 't', style, script: 'x = "</SCRIPT>"', bodyHtml: '' })).toThrow(/<\/script/);
    expect(() => renderPage({ title: 't', style: 'a{} </style>', script: null, bodyHtml: '' })).toThrow(/<\/style/);
  });

  it('cspHash is the base64 SHA-256 in CSP syntax', () => {
    expect(cspHash('')).toBe("'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='");
  });
});
