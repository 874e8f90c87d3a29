/**
 * Issue 32 in Chromium: the plugin window closed mid-job and opened again in the same file
 * (the harness page loaded again with the file's id and the stored key) shows the job's live
 * progress under "From earlier", then inserts its result once. The real built UI and main code
 * on the fake Figma, and a real daemon: small generated weights, or the real VGG-19 with
 * ATELIER_REAL_WEIGHTS=1 (for the closing note's screenshots).
 * Screenshots go to .tmp/screens/plugin-reopened-*.png (or $ATELIER_SCREENSHOT_DIR).
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
import { REAL_WEIGHTS_DIR } from '../support/shared-data.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const realWeights = process.env.ATELIER_REAL_WEIGHTS === '1';
/** Long enough that the window closes and opens again mid-run, on either weights. */
const ITERATIONS = realWeights ? 60 : 600;

interface HarnessWindow {
  harness: { documentId(): string; resultCount(): number; key(): string | null };
}

test('the window closed mid-job and opened again: live progress under "From earlier", then the result inserted once', { skip: skipWithoutPublicOrigin, timeout: 300_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-reopen-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work);
    let weightsDir = REAL_WEIGHTS_DIR;
    if (!realWeights) {
      weightsDir = join(work, 'weights');
      await writeRandomWeightsAsync(weightsDir, { seed: 1 });
    }
    engine = await createEngineAsync({ weightsDir, backend: 'cpu' });
    daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine, logger: createMemoryLogger() });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 700 } });
    await figma.grantAsync(context);
    await mkdir(screenshotDir, { recursive: true });
    const errors: string[] = [];

    const first = await context.newPage();
    first.on('pageerror', (e) => errors.push(String(e)));
    await first.goto(`${figma.origin}/?port=${daemon.port}&iterations=${ITERATIONS}`);
    const ui = first.frameLocator('#plugin');
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#pair-code').fill(daemon.pairingCode()!);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    await ui.locator('#style-grid button[title^="Starry Night"]').click();
    await ui.locator('#apply:not([disabled])').click();
    await ui.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 120_000 });
    const document = await first.evaluate(() => (window as unknown as HarnessWindow).harness.documentId());
    const key = await first.evaluate(() => (window as unknown as HarnessWindow).harness.key());
    assert.match(document, /^[0-9a-z]{16}$/, 'the file got its id at its first job');
    assert.ok(key);
    // The designer closes the window (the plugin ends with its page) while the job runs.
    await first.close();

    const reopened = await context.newPage();
    reopened.on('pageerror', (e) => errors.push(String(e)));
    await reopened.goto(`${figma.origin}/?port=${daemon.port}&iterations=${ITERATIONS}&key=${encodeURIComponent(key)}&document=${document}`);
    const again = reopened.frameLocator('#plugin');
    await again.locator('#waiting-section').waitFor({ state: 'visible', timeout: 30_000 });
    await again.locator('#waiting-list li', { hasText: 'Hero · Starry Night' }).waitFor();
    await again.locator('#waiting-list li .muted', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    await reopened.screenshot({ path: join(screenshotDir, 'plugin-reopened-progress.png') });
    await again.locator('#waiting-placed', { hasText: 'Inserted “Hero · Starry Night”, which finished while the panel was closed.' }).waitFor({ timeout: 240_000 });
    await reopened.waitForTimeout(300); // the harness canvas redraws with the new layer
    await reopened.screenshot({ path: join(screenshotDir, 'plugin-reopened-inserted.png') });
    assert.equal(await reopened.evaluate(() => (window as unknown as HarnessWindow).harness.resultCount()), 1, 'inserted once');
    assert.equal(await again.locator('#waiting-list li').count(), 0);
    assert.deepEqual(errors, []);
    // The daemon forgot it: nothing waits any more.
    const deadline = Date.now() + 10_000;
    while (daemon.waitingResults().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(daemon.waitingResults(), []);
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
