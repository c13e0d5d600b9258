// Drives Debian's Chromium (/usr/bin/chromium) with playwright-core for the report tests.
// Never downloads a browser: without /usr/bin/chromium the tests fail and say how to get it.
// Each launch gets a fresh profile directory and flags that keep the browser itself off the
// network (no component updates, sync, QUIC or background requests), so any request a test
// sees comes from the page.

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Names the functions passed to page.evaluate/addInitScript use: they run in the page, where
// these exist. Declared here, module-local, because the project compiles without the DOM lib.
declare const window: { __csp?: string[] };
declare const document: { addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void };

export const CHROMIUM_PATH = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Throws, saying how to install it, when there is no Chromium at `path`. */
export function requireChromium(path: string = CHROMIUM_PATH): void {
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not installed at ${path}; the browser tests need it. Install it with \`apt-get install chromium\` (Debian/Ubuntu; CI installs it). Playwright's own browser downloads are not used.`,
    );
  }
}

export async function launchChromium(): Promise<Browser> {
  requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'gregor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 1000 },
    acceptDownloads: false,
    serviceWorkers: 'block',
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Everything a page did that a report must never do. */
export interface PageWatch {
  consoleErrors: string[];
  pageErrors: string[];
  /** Every request the page made, including blocked ones (the document itself excluded). */
  requests: string[];
  dialogs: string[];
  page: Page;
  /** CSP violations the page reported (securitypolicyviolation events). */
  cspViolations(): Promise<string[]>;
}

/** Opens a local report file in a new page, with every listener a report test needs. */
export async function openReport(browser: Browser, file: string): Promise<PageWatch> {
  const page = await browser.context.newPage();
  const url = `file://${file}`;
  const watch: PageWatch = {
    consoleErrors: [],
    pageErrors: [],
    requests: [],
    dialogs: [],
    page,
    cspViolations: () => page.evaluate(() => window.__csp ?? []),
  };
  page.on('console', (m) => {
    if (m.type() === 'error') watch.consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => watch.pageErrors.push(e.message));
  page.on('dialog', (d) => {
    watch.dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on('request', (r) => {
    if (r.url() !== url) watch.requests.push(r.url());
  });
  // Anything but the report itself is refused before it reaches the network.
  await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()));
  await page.addInitScript(() => {
    const found: string[] = [];
    window.__csp = found;
    document.addEventListener('securitypolicyviolation', (e) => found.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  await page.goto(url);
  return watch;
}

/** Width and height of a PNG, read from its IHDR chunk; throws if it is not a PNG. */
export function pngSize(bytes: Buffer): { width: number; height: number } {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (bytes.length < 24 || !bytes.subarray(0, 8).equals(signature) || bytes.toString('latin1', 12, 16) !== 'IHDR') {
    throw new Error('not a PNG');
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
