// The shell every HTML report shares: one self-contained file with inline CSS and JS, the
// data embedded as JSON in a non-executable <script type="application/json">, and a
// Content-Security-Policy meta tag that forbids every network request. Inline code is
// allowed by its SHA-256 hash only, so an injected <script> or on* attribute could not run
// even if escaping failed somewhere.
//
// Assumes: the client script reads its data with
// JSON.parse(document.getElementById(DATA_ELEMENT_ID).textContent) and builds the page with
// textContent / canvas only. Nothing here lets data reach markup unescaped.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { escapeHtml } from './format.ts';

const DATA_ELEMENT_ID = 'gregor-data';

/**
 * JSON safe to place inside <script type="application/json">: `<`, `>` and `&` become
 * \u escapes (so no `</script>` or `<!--` can end or confuse the element), and so do
 * U+2028/U+2029 (legal in JSON, historically not in JS string literals). JSON.parse reads
 * the escapes back to the same characters.
 */
export function embedJson(data: unknown): string {
  const json = JSON.stringify(data);
  if (json === undefined) throw new Error('embedJson: value is not JSON-serialisable');
  return json
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The CSP source expression allowing exactly this inline script or style text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/**
 * The policy: nothing may be fetched, connected to, framed or submitted; only the page's
 * own inline script and style (by hash) run; images only as data: URLs (the favicon).
 */
export function contentSecurityPolicy(scriptText: string | null, styleText: string): string {
  return [
    "default-src 'none'",
    scriptText === null ? "script-src 'none'" : `script-src ${cspHash(scriptText)}`,
    `style-src ${cspHash(styleText)}`,
    'img-src data:',
    "connect-src 'none'",
    "font-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/** Reads a client asset that lives beside this module (reports/client/...). */
export function readClientAsset(relativePath: string): string {
  return readFileSync(new URL(`./client/${relativePath}`, import.meta.url), 'utf8');
}

export interface PageParts {
  title: string;
  style: string;
  /** Inline script; null for a page without any script. */
  script: string | null;
  /** Data for the script, embedded as JSON; omitted when undefined. */
  data?: unknown;
  /** Static markup of the body skeleton. Must not contain data: the caller escapes. */
  bodyHtml: string;
}

/** Assembles the self-contained HTML document. */
export function renderPage(parts: PageParts): string {
  // The static assets are ours; a closing tag inside them would end the element early.
  if (/<\/script/i.test(parts.script ?? '')) throw new Error('renderPage: script text contains </script');
  if (/<\/style/i.test(parts.style)) throw new Error('renderPage: style text contains </style');
  const csp = contentSecurityPolicy(parts.script, parts.style);
  const dataTag =
    parts.data === undefined
      ? ''
      : `<script type="application/json" id="${DATA_ELEMENT_ID}">${embedJson(parts.data)}</script>\n`;
  const scriptTag = parts.script === null ? '' : `<script>${parts.script}</script>\n`;
  return (
    '<!DOCTYPE html>\n' +
    '<html lang="en">\n<head>\n' +
    '<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    '<meta name="referrer" content="no-referrer">\n' +
    '<link rel="icon" href="data:,">\n' +
    `<title>${escapeHtml(parts.title)}</title>\n` +
    `<style>${parts.style}</style>\n` +
    '</head>\n<body>\n' +
    parts.bodyHtml +
    '\n' +
    dataTag +
    scriptTag +
    '</body>\n</html>\n'
  );
}
