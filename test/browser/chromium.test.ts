// Which Chromium the browser tests use, and that the packaged one (the bare-machine path: nothing
// but `npm ci`) unpacks, launches and renders a page.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, chromiumSource, findChromium, launchChromium, pngSize, requireChromium } from './chromium.ts';

describe('chromiumSource', () => {
  const missing = '/nonexistent/chromium';
  it('prefers the system browser when it is there and falls back to the packaged one', () => {
    expect(chromiumSource(undefined, process.execPath)).toBe('system');
    expect(chromiumSource('auto', process.execPath)).toBe('system');
    expect(chromiumSource(undefined, missing)).toBe('packaged');
    expect(chromiumSource('', missing)).toBe('packaged');
  });
  it('obeys GREGOR_CHROMIUM=system|packaged whatever is installed', () => {
    expect(chromiumSource('system', missing)).toBe('system');
    expect(chromiumSource('packaged', process.execPath)).toBe('packaged');
  });
  it('refuses any other value, naming the allowed ones', () => {
    expect(() => chromiumSource('chrome', missing)).toThrow(
      /GREGOR_CHROMIUM=chrome is not one of system, packaged, auto/,
    );
  });
});

describe('requireChromium', () => {
  it('names the missing path and the command that installs it', () => {
    expect(() => requireChromium('/nonexistent/chromium')).toThrow(
      /not installed at \/nonexistent\/chromium.*`apt-get install chromium`/,
    );
  });
  it("uses Debian's path", () => {
    expect(CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });
});

describe('the packaged Chromium (GREGOR_CHROMIUM=packaged)', () => {
  const saved = process.env.GREGOR_CHROMIUM;
  let dir = '';
  beforeAll(() => {
    process.env.GREGOR_CHROMIUM = 'packaged';
    dir = mkdtempSync(join(tmpdir(), 'gregor-chromium-test-'));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.GREGOR_CHROMIUM;
    else process.env.GREGOR_CHROMIUM = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('unpacks from the npm package into the temp directory, with its own libraries and fonts', () => {
    const executable = findChromium();
    expect(executable.path).toMatch(/gregor-chromium-\d+\.\d+\.\d+\/chromium$/);
    expect(existsSync(executable.path)).toBe(true);
    expect(executable.env.LD_LIBRARY_PATH?.split(':')[0]).toMatch(/al2023\/lib$/);
    expect(existsSync(join(executable.env.LD_LIBRARY_PATH?.split(':')[0] ?? '', 'libnss3.so'))).toBe(true);
    expect(existsSync(join(executable.env.FONTCONFIG_PATH ?? '', 'fonts.conf'))).toBe(true);
  });

  it("launches headless, runs the page's script and takes a screenshot", async () => {
    const file = join(dir, 'page.html');
    writeFileSync(file, '<p id="p">static</p><script>document.getElementById("p").textContent = "scripted"</script>');
    const browser = await launchChromium();
    try {
      const page = await browser.context.newPage();
      await page.goto(`file://${file}`);
      expect(await page.textContent('#p')).toBe('scripted');
      expect(pngSize(await page.screenshot())).toEqual({ width: 1440, height: 1000 });
    } finally {
      await browser.close();
    }
  });
});

describe('pngSize', () => {
  it('reads the IHDR of a PNG and refuses anything else', () => {
    const header = Buffer.from('89504e470d0a1a0a0000000d49484452000005a0000003e8', 'hex');
    expect(pngSize(header)).toEqual({ width: 1440, height: 1000 });
    expect(() => pngSize(Buffer.from('GIF89a........................'))).toThrow(/not a PNG/);
  });
});
