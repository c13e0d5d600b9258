// The browser tests fail loudly, with the install command, when Chromium is missing.
import { describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, pngSize, requireChromium } from './chromium.ts';

describe('requireChromium', () => {
  it('names the missing path and the command that installs it', () => {
    expect(() => requireChromium('/nonexistent/chromium')).toThrow(/not installed at \/nonexistent\/chromium.*`apt-get install chromium`/);
  });
  it('uses Debian\'s path', () => {
    expect(CHROMIUM_PATH).toBe('/usr/bin/chromium');
  });
});

describe('pngSize', () => {
  it('reads the IHDR of a PNG and refuses anything else', () => {
    const header = Buffer.from('89504e470d0a1a0a0000000d49484452000005a0000003e8', 'hex');
    expect(pngSize(header)).toEqual({ width: 1440, height: 1000 });
    expect(() => pngSize(Buffer.from('GIF89a........................'))).toThrow(/not a PNG/);
  });
});
