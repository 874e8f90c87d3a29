/**
 * Chrome's Local Network Access, as the designer meets it in Figma in a browser (issue 28,
 * item 1). The harness is served as figma.com is, from an https origin Chromium treats as
 * public (test/support/public-origin.ts), with a daemon running on this machine:
 * - permission blocked (the designer answered Block, or headless Chromium's no-prompt): the
 *   plugin's WebSocket never reaches the daemon, and the window names the prompt and where
 *   to allow it later, not only "is Atelier running?";
 * - permission allowed: the same window reaches the daemon (asks for the pairing code);
 * - Safari (its user agent; its refusal stood in by the blocked connection, as WebKit refuses
 *   ws://localhost from an https page: WebKit bug 171934): the window says Safari cannot reach
 *   Atelier and which apps and browsers can, instead of "can't reach, check…".
 * Screenshots go to .tmp/screens/plugin-lna-*.png (or $ATELIER_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const SAFARI_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const VIEWPORT = { width: 1180, height: 700 };

test('Figma in a browser: Local Network Access blocked, allowed, and Safari', { skip: skipWithoutPublicOrigin, timeout: 120_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-lna-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work);
    // No engine: the daemon answers at once (setting up), enough to tell reached from blocked.
    const logger = createMemoryLogger();
    daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), logger });
    const connections = () => logger.lines.filter((l) => l.event === 'connection-open').length;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    await mkdir(screenshotDir, { recursive: true });
    const open = async (context: BrowserContext): Promise<{ page: Page; consoleErrors: string[] }> => {
      const page = await context.newPage();
      const consoleErrors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
      page.on('pageerror', (e) => consoleErrors.push(String(e)));
      await page.goto(`${figma!.origin}/?port=${daemon!.port}`);
      return { page, consoleErrors };
    };

    // Blocked: the daemon is running, yet the window cannot reach it.
    const blocked = await browser.newContext({ viewport: VIEWPORT });
    await figma.denyAsync(blocked);
    const { page, consoleErrors } = await open(blocked);
    const ui = page.frameLocator('#plugin');
    const panel = ui.locator('#panel-not-running');
    await panel.waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#sel-title', { hasText: 'Hero' }).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'plugin-lna-blocked.png') });
    assert.equal(connections(), 0, 'the browser never let the plugin reach the daemon');
    assert.ok(consoleErrors.some((e) => e.includes('ERR_BLOCKED_BY_LOCAL_NETWORK_ACCESS_CHECKS')), `blocked by Local Network Access, not refused:\n${consoleErrors.join('\n')}`);
    assert.equal(await ui.locator('#status-text').textContent(), 'Can’t reach Atelier');
    const checks = (await ui.locator('#not-running-checks').innerText()).replace(/\s+/g, ' ');
    // The prompt as Chrome words it for figma.com, and where its answer is kept.
    assert.match(checks, /Chrome or Edge \(142 or later\)/);
    assert.match(checks, /“www\.figma\.com wants to access apps on this device”/);
    assert.match(checks, /site settings of figma\.com, allow “Apps on device” and “Local network”/);
    assert.match(checks, /npm start/);
    // The desktop app is Chromium too (Electron): no promise that it needs nothing.
    assert.match(checks, /desktop app is built on Electron \(Chromium\), which makes the same check/);
    assert.doesNotMatch(checks, /needs no permission/);
    assert.equal(await ui.locator('#not-running-safari').isHidden(), true);
    await blocked.close();

    // Allowed: the same window, the same daemon, reached (it asks for the pairing code).
    const allowed = await browser.newContext({ viewport: VIEWPORT });
    await figma.grantAsync(allowed);
    const granted = await open(allowed);
    const grantedUi = granted.page.frameLocator('#plugin');
    await grantedUi.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await grantedUi.locator('#status-text').textContent(), 'Pairing needed');
    assert.equal(await grantedUi.locator('#panel-not-running').isHidden(), true);
    assert.ok(connections() >= 1, 'the daemon saw the plugin');
    await granted.page.screenshot({ path: join(screenshotDir, 'plugin-lna-allowed.png') });
    assert.deepEqual(granted.consoleErrors, []);
    await allowed.close();

    // Safari: told plainly which apps and browsers can reach Atelier; no checklist, no retry line.
    const safari = await browser.newContext({ viewport: VIEWPORT, userAgent: SAFARI_UA });
    const onSafari = await open(safari);
    const safariUi = onSafari.page.frameLocator('#plugin');
    await safariUi.locator('#panel-not-running').waitFor({ state: 'visible', timeout: 30_000 });
    await onSafari.page.screenshot({ path: join(screenshotDir, 'plugin-lna-safari.png') });
    assert.equal(await safariUi.locator('#status-text').textContent(), 'Not available in Safari');
    assert.match((await safariUi.locator('#not-running-safari').innerText()).replace(/\s+/g, ' '), /^Safari cannot reach Atelier: .* Use the Figma desktop app, Chrome, Edge or Firefox\.$/);
    assert.equal(await safariUi.locator('#not-running-body').isHidden(), true, 'no "is Atelier running?" checklist');
    assert.equal(await safariUi.locator('#retry-line').isHidden(), true);
    await safari.close();
  } finally {
    await browser?.close();
    await daemon?.close();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
