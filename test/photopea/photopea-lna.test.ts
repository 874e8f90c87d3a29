/**
 * Chrome's Local Network Access, as the designer meets it in Photopea (issue 27, item 7).
 * The fake Photopea (test/photopea/fake-photopea/, as it is) is served as www.photopea.com is,
 * from an https origin Chromium treats as public (test/support/public-origin.ts); it frames the
 * real panel from the daemon at http://localhost:<port>/photopea/ and, as Photopea's plugin
 * button does, shows the plugin's icon from there.
 * - Blocked (the designer answered Block to "www.photopea.com wants to access apps on this
 *   device", or headless Chromium's no-prompt): the frame never loads (Chromium puts its own
 *   error page there), the icon does not load, the daemon sees no panel connect. The panel
 *   cannot say a word about it: only the README (and the tray's link) can.
 * - Allowed: the same page loads the panel, which reaches the daemon and asks for the code.
 * Also: the panel's own "can't reach" view names the prompt, where to allow it later, and Safari.
 * Screenshots go to .tmp/screens/photopea-lna-*.png (or $ATELIER_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { PHOTOPEA_ICON_PATH, PHOTOPEA_PAGE_PATH } from '../../daemon/server/limits.ts';
import { serveFakePhotopeaAsync } from './fake-photopea/site.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { CHROMIUM_ARGS } from '../plugin/browser/figma-site.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const VIEWPORT = { width: 1100, height: 640 };

test('the panel\'s "not answering" view names Chrome\'s prompt, where to allow it later, and Safari', async () => {
  const html = await readFile(new URL('../../photopea/index.html', import.meta.url), 'utf8');
  const panel = html.slice(html.indexOf('id="panel-not-running"'), html.indexOf('<!-- ATELIER_SHARED:connection-panels -->'));
  const text = panel.replace(/<!--[\s\S]*?-->/g, '').replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
  assert.match(text, /Chrome and Edge \(142 or later\) ask “www\.photopea\.com wants to access apps on this device”/);
  assert.match(text, /site settings of photopea\.com/);
  assert.match(text, /“Apps on device”/);
  assert.match(text, /Safari cannot host this panel: use Chrome, Edge or Firefox\./);
});

test('Photopea in a browser: Local Network Access blocked (no panel at all) and allowed', { skip: skipWithoutPublicOrigin, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-photopea-lna-'));
  let browser: Browser | undefined;
  let photopea: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  try {
    const served = await serveFakePhotopeaAsync(work);
    photopea = served.site;
    // No engine: the daemon answers at once, enough to tell reached from blocked.
    const logger = createMemoryLogger();
    daemon = await startDaemonServerAsync({
      port: 0,
      configDir: join(work, 'config'),
      logger,
      photopeaPageFile: served.panelPage,
      photopeaFrameAncestors: [photopea.origin],
    });
    const connections = () => logger.lines.filter((l) => l.event === 'connection-open').length;
    const panelUrl = `http://localhost:${daemon.port}${PHOTOPEA_PAGE_PATH}`;
    const iconUrl = `http://localhost:${daemon.port}${PHOTOPEA_ICON_PATH}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...photopea.chromiumArgs] });
    await mkdir(screenshotDir, { recursive: true });
    const openPhotopea = async (context: BrowserContext) => {
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      const framed = page.waitForEvent('framenavigated', { predicate: (f) => f.parentFrame() === page.mainFrame() && f.url() !== 'about:blank', timeout: 30_000 });
      await page.goto(`${photopea!.origin}/?plugin=${encodeURIComponent(panelUrl)}`);
      const frame = await framed;
      // Photopea's plugin button shows the icon from the same address.
      const icon = await page.evaluate((url) => new Promise<string>((resolve) => {
        const img = new Image();
        img.onload = () => resolve('loaded');
        img.onerror = () => resolve('failed');
        img.src = url;
      }), iconUrl);
      return { page, frame, icon, consoleErrors };
    };

    // Blocked: Photopea's panel area holds Chromium's error page, not Atelier's panel.
    const blocked = await browser.newContext({ viewport: VIEWPORT });
    await photopea.denyAsync(blocked);
    const denied = await openPhotopea(blocked);
    await denied.page.waitForTimeout(500); // let the error page paint before the screenshot
    await denied.page.screenshot({ path: join(screenshotDir, 'photopea-lna-blocked.png') });
    assert.ok(denied.page.url().startsWith('https://'), 'the parent is an https page, as Photopea is');
    assert.equal(denied.frame.url(), 'chrome-error://chromewebdata/', 'the panel frame was refused');
    assert.equal(denied.page.frames().some((f) => f.url().startsWith(panelUrl)), false);
    assert.equal(await denied.page.frameLocator('#plugin').locator('#status-text').count(), 0, 'no Atelier panel, so no word from it');
    assert.equal(denied.icon, 'failed', 'the plugin button has no icon');
    assert.equal(connections(), 0, 'the daemon never saw the panel');
    // Refused by the permission, not because nothing listens: Chromium names the address space.
    assert.ok(denied.consoleErrors.some((e) => /Permission was denied for this request to access the `loopback` address space/.test(e)), denied.consoleErrors.join('\n'));
    await blocked.close();

    // Allowed: the panel loads from the daemon and reaches it (local to local).
    const allowed = await browser.newContext({ viewport: VIEWPORT });
    await photopea.grantAsync(allowed);
    const granted = await openPhotopea(allowed);
    assert.equal(granted.frame.url(), panelUrl);
    const panel = granted.page.frameLocator('#plugin');
    await panel.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await panel.locator('#status-text').textContent(), 'Pairing needed');
    assert.equal(granted.icon, 'loaded');
    assert.ok(connections() >= 1, 'the daemon saw the panel');
    await granted.page.screenshot({ path: join(screenshotDir, 'photopea-lna-allowed.png') });
    // Atelier quits: the loaded panel says so, and prepares the designer for the next load.
    await daemon.close();
    daemon = undefined;
    await panel.locator('#panel-not-running').waitFor({ state: 'visible', timeout: 15_000 });
    const view = (await panel.locator('#panel-not-running').innerText()).replace(/\s+/g, ' ');
    assert.match(view, /npm start/);
    assert.match(view, /“www\.photopea\.com wants to access apps on this device”/);
    assert.match(view, /Safari cannot host this panel/);
    await granted.page.screenshot({ path: join(screenshotDir, 'photopea-lna-not-answering.png') });
    await allowed.close();
  } finally {
    await browser?.close();
    await daemon?.close();
    await photopea?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
