/**
 * The plugin end to end in headless Chromium: the real built UI inside a harness page that
 * plays Figma (fake API, real main bundle, Figma-style message relay), a real daemon on small
 * generated weights, pairing, one style applied to a frame, the daemon restarted (setting up
 * first, as on a first run, then ready).
 * The harness is served as figma.com is: from an https origin Chromium treats as public
 * (test/support/public-origin.ts), so Chrome's Local Network Access applies to the plugin's
 * WebSocket to the daemon; the designer has allowed it here (test/plugin/browser-lna.test.ts
 * shows the window when it is blocked).
 * Screenshots go to .tmp/screens/plugin-*.png (or $ATELIER_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { createEngineAsync, writeRandomWeightsAsync, type Engine } from '../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';

/** Enough steps that the progress screenshot lands mid-run on a slow machine, yet quick. */
const ITERATIONS = 80;
const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');

interface HarnessResult {
  name: string;
  parentId: string | null;
  index: number;
  sourceIndex: number;
  box: number[];
  sourceBox: number[];
  fills: { type: string; scaleMode?: string }[];
  png: { width: number; height: number } | null;
  relaunch: string[];
}
interface HarnessWindow {
  harness: {
    ids: { board: string; hero: string };
    result(): HarnessResult | null;
    undo(): void;
    layerNames(): string[];
    resultBuffers(): { byteOffset: number; byteLength: number; bufferLength: number }[];
    key(): string | null;
  };
}

test('designer flow in Chromium: pair, pick a style, apply, result layer above the source', { skip: skipWithoutPublicOrigin, timeout: 240_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-browser-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work);

    await writeRandomWeightsAsync(join(work, 'weights'), { seed: 1 });
    engine = await createEngineAsync({ weightsDir: join(work, 'weights'), backend: 'cpu' });
    const configDir = join(work, 'config');
    const logger = createMemoryLogger();
    daemon = await startDaemonServerAsync({ port: 0, configDir, engine, logger });
    const port = daemon.port;

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 700 } });
    await figma.grantAsync(context);
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    await page.goto(`${figma.origin}/?port=${port}&iterations=${ITERATIONS}`);
    const ui = page.frameLocator('#plugin');
    await mkdir(screenshotDir, { recursive: true });

    // First run: the daemon does not know the plugin yet.
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#sel-title', { hasText: 'Hero' }).waitFor();
    await page.screenshot({ path: join(screenshotDir, 'plugin-pairing.png') });
    await ui.locator('#pair-code').fill('000000');
    await ui.locator('#pair-submit').click();
    await ui.locator('#pair-error', { hasText: 'The code has 8 digits' }).waitFor();
    // A wrong code, typed as shown (two groups): the daemon's answer says it is wrong.
    await ui.locator('#pair-code').fill(daemon.pairingCode() === '00000000' ? '0000 0001' : '0000 0000');
    await ui.locator('#pair-submit').click();
    await ui.locator('#pair-error', { hasText: 'wrong' }).waitFor();
    await ui.locator('#pair-code').fill(daemon.pairingCode()!);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    assert.equal(await ui.locator('#panel-pairing').isHidden(), true);

    // Pick the style from the file's image layers.
    await ui.locator('#style-grid button[title^="Starry Night"]').click();
    await ui.locator('#style-title', { hasText: 'Starry Night' }).waitFor();
    await ui.locator('#apply:not([disabled])').waitFor();
    // The daemon's own estimate (capability 'estimate') is shown before Apply: time and MB of its budget.
    await ui.locator('#estimate', { hasText: /about \d+ (s|min)/ }).waitFor({ timeout: 15_000 });
    assert.match((await ui.locator('#estimate').textContent()) ?? '', /\d+ MB of \d+ MB/);
    await page.screenshot({ path: join(screenshotDir, 'plugin-idle.png') });

    await ui.locator('#apply').click();
    await ui.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(screenshotDir, 'plugin-progress.png') });

    await ui.locator('#done-section').waitFor({ state: 'visible', timeout: 120_000 });
    await page.waitForTimeout(300); // let the harness canvas redraw with the new layer
    await page.screenshot({ path: join(screenshotDir, 'plugin-done.png') });
    assert.match((await ui.locator('#done-text').textContent()) ?? '', /Hero · Starry Night/);

    const result = await page.evaluate(() => (window as unknown as HarnessWindow).harness.result());
    const ids = await page.evaluate(() => (window as unknown as HarnessWindow).harness.ids);
    assert.ok(result, 'a result layer was inserted');
    assert.equal(result.name, 'Hero · Starry Night');
    assert.equal(result.parentId, ids.board, 'same parent as the source');
    assert.equal(result.index, result.sourceIndex + 1, 'directly above the source');
    assert.deepEqual(result.box, result.sourceBox, 'same position and size');
    assert.deepEqual(result.fills, [{ type: 'IMAGE', scaleMode: 'FILL' }]);
    assert.deepEqual(result.png, { width: 64, height: 40 }, 'the daemon\'s image at the working size');
    assert.deepEqual(result.relaunch, ['restyle']);
    const buffers = await page.evaluate(() => (window as unknown as HarnessWindow).harness.resultBuffers());
    assert.equal(buffers.length, 1);
    assert.deepEqual(buffers[0], { byteOffset: 0, byteLength: buffers[0]!.byteLength, bufferLength: buffers[0]!.byteLength }, 'the result crossed as its own buffer, not a view into the WebSocket frame');
    assert.equal(consoleErrors.length, 0, consoleErrors.join('\n'));

    // The daemon restarts: the plugin notices, waits, and comes back paired with its token.
    await daemon.close();
    daemon = undefined;
    await ui.locator('#panel-not-running').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match((await ui.locator('#panel-not-running').textContent()) ?? '', /npm start/);
    assert.match((await ui.locator('#panel-not-running').textContent()) ?? '', /Apps on device/);
    await page.screenshot({ path: join(screenshotDir, 'plugin-daemon-down.png') });
    // It comes back as on a first run: listening at once, still downloading its style model.
    daemon = await startDaemonServerAsync({ port, configDir, logger });
    daemon.reportState({ state: 'downloading-weights', progress: { bytes: 36_000_000, total: 80_000_000 }, message: 'Downloading weights 45% (36.0 of 80.0 MB, 5.1 MB/s)' });
    await ui.locator('#setup-headline', { hasText: 'Setting up Atelier: downloading the style model… 45%' }).waitFor({ timeout: 30_000 });
    assert.equal(await ui.locator('#panel-not-running').isHidden(), true, 'not "not running" while it sets up');
    assert.match((await ui.locator('#status-text').textContent()) ?? '', /Setting up… 45%/);
    assert.equal(await ui.locator('#apply').isDisabled(), true, 'Apply waits for the engine');
    await page.screenshot({ path: join(screenshotDir, 'plugin-setting-up.png') });
    daemon.setEngine(engine);
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await ui.locator('#apply:not([disabled])').waitFor();
    assert.equal(await ui.locator('#panel-setup').isHidden(), true);
    assert.equal(await ui.locator('#panel-pairing').isHidden(), true, 'no second pairing after a restart');
    // Chromium logs each refused connection while the daemon was down; those are expected.
    assert.ok(consoleErrors.every((e) => e.includes('ERR_CONNECTION_REFUSED')), consoleErrors.join('\n'));
    consoleErrors.length = 0;

    // One undo removes the result.
    await page.evaluate(() => (window as unknown as HarnessWindow).harness.undo());
    assert.equal(await page.evaluate(() => (window as unknown as HarnessWindow).harness.result()), null);
    assert.deepEqual(await page.evaluate(() => (window as unknown as HarnessWindow).harness.layerNames()), ['Sky', 'Hero', 'Caption']);

    // Cancel mid-run with another style: nothing is added.
    await ui.locator('#style-grid button[title^="Great Wave"]').click();
    await ui.locator('#style-title', { hasText: 'Great Wave' }).waitFor();
    // A long run from the advanced panel, so the cancel surely lands mid-run.
    await ui.locator('#advanced summary').click();
    await ui.locator('#opt-iterations').fill('1000');
    await ui.locator('#opt-iterations').press('Tab');
    await ui.locator('#quality-summary', { hasText: '1000 steps' }).waitFor();
    await ui.locator('#apply:not([disabled])').click();
    await ui.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    await ui.locator('#cancel').click();
    await ui.locator('#done-text', { hasText: 'Cancelled' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'plugin-cancelled.png') });
    assert.match((await ui.locator('#done-text').textContent()) ?? '', /Nothing was added/);
    assert.deepEqual(await page.evaluate(() => (window as unknown as HarnessWindow).harness.layerNames()), ['Sky', 'Hero', 'Caption']);
    assert.equal(consoleErrors.length, 0, consoleErrors.join('\n'));

    // Figma in dark theme: the same plugin, already paired, with Figma's dark variables.
    const token = await page.evaluate(() => (window as unknown as HarnessWindow).harness.key());
    assert.ok(token, 'the plugin stored its key');
    const dark = await context.newPage();
    dark.on('pageerror', (e) => consoleErrors.push(String(e)));
    await dark.goto(`${figma.origin}/?port=${port}&iterations=${ITERATIONS}&theme=dark&key=${encodeURIComponent(token)}`);
    const darkUi = dark.frameLocator('#plugin');
    await darkUi.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    assert.equal(await darkUi.locator('html').getAttribute('class'), 'figma-dark');
    assert.equal(await darkUi.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(44, 44, 44)');
    await darkUi.locator('#style-grid button[title^="Starry Night"]').click();
    await darkUi.locator('#apply:not([disabled])').waitFor();
    await dark.screenshot({ path: join(screenshotDir, 'plugin-idle-dark.png') });
    await darkUi.locator('#apply').click();
    await darkUi.locator('#done-section').waitFor({ state: 'visible', timeout: 120_000 });
    await dark.waitForTimeout(300);
    await dark.screenshot({ path: join(screenshotDir, 'plugin-done-dark.png') });
    assert.equal(consoleErrors.length, 0, consoleErrors.join('\n'));
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
