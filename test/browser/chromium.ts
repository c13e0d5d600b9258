// Finds and launches the Chromium the report tests drive, with playwright-core.
// Which one: GREGOR_CHROMIUM=system uses Debian's /usr/bin/chromium (and fails, saying so, when
// it is missing); GREGOR_CHROMIUM=packaged uses the Chromium inside the @sparticuz/chromium npm
// package (brotli-compressed in its tarball, so `npm ci` brings it; unpacked once per version
// into the OS temp directory, with the NSS libraries and fonts that come with it, so it needs
// nothing from the OS); unset (or `auto`) prefers /usr/bin/chromium and falls back to the
// packaged one. Nothing ever downloads a browser. Each launch gets a fresh profile directory and
// flags that keep the browser itself off the network (no component updates, sync, QUIC or
// background requests), so any request a test sees comes from the page.

import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

// Names the functions passed to page.evaluate/addInitScript use: they run in the page, where
// these exist. Declared here, module-local, because the project compiles without the DOM lib.
declare const window: { __csp?: string[] };
declare const document: {
  addEventListener(type: string, listener: (e: { violatedDirective: string; blockedURI: string }) => void): void;
};

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

/** Where the browser comes from: Debian's package, or the npm package @sparticuz/chromium. */
export type ChromiumSource = 'system' | 'packaged';

/** The value of GREGOR_CHROMIUM decides; unset or `auto` prefers the system's browser when present. */
export function chromiumSource(setting: string | undefined, systemPath: string = CHROMIUM_PATH): ChromiumSource {
  switch (setting ?? 'auto') {
    case 'system':
      return 'system';
    case 'packaged':
      return 'packaged';
    case 'auto':
    case '':
      return existsSync(systemPath) ? 'system' : 'packaged';
    default:
      throw new Error(`GREGOR_CHROMIUM=${setting} is not one of system, packaged, auto`);
  }
}

/** Throws, saying how to install it, when there is no Chromium at `path`. */
export function requireChromium(path: string = CHROMIUM_PATH): void {
  if (!existsSync(path)) {
    throw new Error(
      `Chromium is not installed at ${path} and GREGOR_CHROMIUM=system asks for it. Install it with ` +
        '`apt-get install chromium` (Debian/Ubuntu), or unset GREGOR_CHROMIUM to use the packaged one.',
    );
  }
}

/** The executable and the environment it needs. */
interface Executable {
  path: string;
  env: Record<string, string>;
}

/** The root of the installed @sparticuz/chromium package (its exports hide package.json, so from its main file). */
function packagedRoot(): string {
  const main = createRequire(import.meta.url).resolve('@sparticuz/chromium'); // <root>/build/cjs/index.cjs
  return join(dirname(main), '..', '..');
}

/** Unpacks a brotli-compressed tarball into `dir` with the OS's tar (Debian's is essential). */
function untarBrotli(file: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  const tar = spawnSync('tar', ['-x', '--no-same-owner', '-C', dir], {
    input: brotliDecompressSync(readFileSync(file)),
  });
  if (tar.status !== 0) throw new Error(`tar could not unpack ${file}: ${tar.stderr.toString().trim()}`);
}

/**
 * Unpacks the packaged Chromium into <tmp>/gregor-chromium-<version>/ unless it is there: the binary, the
 * SwiftShader libraries beside it, the NSS/expat libraries built for it (al2023/lib, put first on
 * LD_LIBRARY_PATH so the OS's need not have them) and its fonts (with a fonts.conf naming this directory).
 * Unpacks into a private directory and renames it into place, so parallel test files cannot see half of it.
 */
export function packagedChromium(): Executable {
  const root = packagedRoot();
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const dir = join(tmpdir(), `gregor-chromium-${version}`);
  const binary = join(dir, 'chromium');
  if (!existsSync(binary)) {
    const bin = join(root, 'bin');
    const staging = mkdtempSync(`${dir}.partial-`);
    writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))));
    chmodSync(join(staging, 'chromium'), 0o755);
    untarBrotli(join(bin, 'swiftshader.tar.br'), staging);
    untarBrotli(join(bin, 'al2023.tar.br'), join(staging, 'al2023'));
    untarBrotli(join(bin, 'fonts.tar.br'), join(staging, 'fonts')); // fonts.conf and fonts/Open_Sans
    writeFileSync(
      join(staging, 'fonts', 'fonts.conf'),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  ` +
        `<dir>${join(dir, 'fonts', 'fonts')}</dir>\n` +
        `  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
    );
    try {
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true }); // another test file unpacked it first
      if (!existsSync(binary)) throw e;
    }
  }
  const libraries = [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return { path: binary, env: { LD_LIBRARY_PATH: libraries, FONTCONFIG_PATH: join(dir, 'fonts') } };
}

/** The browser GREGOR_CHROMIUM chooses (see the top of this file). */
export function findChromium(setting: string | undefined = process.env.GREGOR_CHROMIUM): Executable {
  const source = chromiumSource(setting);
  switch (source) {
    case 'system':
      requireChromium();
      return { path: CHROMIUM_PATH, env: {} };
    case 'packaged':
      return packagedChromium();
    default: {
      const unknown: never = source;
      throw new Error(`unknown Chromium source ${String(unknown)}`);
    }
  }
}

export async function launchChromium(): Promise<Browser> {
  const executable = findChromium();
  const profile = mkdtempSync(join(tmpdir(), 'gregor-chromium-profile-'));
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined) env[key] = value;
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: executable.path,
    env: { ...env, ...executable.env },
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
