import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocksLocalhostFromHttps } from '../../client/browser-access.ts';

// User agents as these browsers send them (from their vendors' documentation and MDN's
// "Browser detection using the user agent"; the Figma desktop app's is Electron's, with Figma/).
const WEBKIT = {
  'Safari on macOS': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Safari on iPhone': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Chrome on iPad (WebKit underneath)': 'Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1',
  'Firefox on iPhone (WebKit underneath)': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/132.0 Mobile/15E148 Safari/605.1.15',
};
const OTHERS = {
  'Chrome on macOS': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36',
  'Edge on Windows': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0',
  'Firefox on macOS': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Figma desktop app (Electron)': 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Figma/125.0.7 Chrome/130.0.6723.191 Electron/33.3.2 Safari/537.36',
  'headless Chromium (the browser tests)': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/150.0.0.0 Safari/537.36',
  'Chrome on Android': 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Mobile Safari/537.36',
};

test('Safari, and every browser on iOS, cannot reach localhost from an https editor', () => {
  for (const [name, ua] of Object.entries(WEBKIT)) assert.equal(blocksLocalhostFromHttps(ua), true, name);
});

test('Chromium browsers (the desktop app included) and Firefox are not taken for Safari', () => {
  for (const [name, ua] of Object.entries(OTHERS)) assert.equal(blocksLocalhostFromHttps(ua), false, name);
});
