/**
 * The Photopea plugin end to end in headless Chromium, served as it is in use:
 * - a real daemon serves the REAL built panel at http://localhost:<port>/photopea/;
 * - the fake Photopea (test/photopea/fake-photopea/: scripts run by the interpreter fake with
 *   pp.js's rules, every output and "done" posted to every frame, app.open's image landing
 *   after "done") is served as www.photopea.com is: https, from an address Chromium treats as
 *   PUBLIC (test/support/public-origin.ts), with Local Network Access granted, so the panel frame
 *   from localhost loads as it does on photopea.com after the designer's Allow;
 * - an HTTPS origin the daemon does not list cannot frame it (CSP frame-ancestors).
 * Then: pairing (the key kept as non-extractable CryptoKeys in IndexedDB, not in localStorage),
 * a style applied (the result named and placed directly above the source once Photopea has
 * loaded it, the source untouched), reads coalesced, a cancelled run (document unchanged), a
 * failed export (no temporary document left), a style from a file.
 * Weights: small generated ones, or the real VGG-19 with ATELIER_PHOTOPEA_REAL_WEIGHTS=1 (for
 * the README's screenshots; minutes on a CPU). Screenshots go to .tmp/screens/photopea-*.png
 * (or $ATELIER_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEngineAsync, writeRandomWeightsAsync, type Engine } from '../../daemon/engine/index.ts';
import { OPTIONS_KEY } from '../../photopea/limits.ts';
import { LOCAL_NETWORK_ACCESS, skipWithoutPublicOrigin } from '../support/public-origin.ts';
import { REAL_WEIGHTS_DIR } from '../support/shared-data.ts';
import { openDaemonPanelAsync, type DaemonPanel } from './fake-photopea/daemon-panel.ts';
import { testImageAsync } from '../server/test-daemon.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const realWeights = process.env.ATELIER_PHOTOPEA_REAL_WEIGHTS === '1';

test('Photopea plugin in Chromium: framed by a public https page, pair, apply a style, cancel, a failed export', { skip: skipWithoutPublicOrigin, timeout: realWeights ? 1_800_000 : 300_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-photopea-'));
  let session: DaemonPanel | undefined;
  let engine: Engine | undefined;
  try {
    let weightsDir = REAL_WEIGHTS_DIR;
    if (!realWeights) {
      weightsDir = join(work, 'weights');
      await writeRandomWeightsAsync(weightsDir, { seed: 1 });
    }
    // The real weights run on the default engine (ONNX Runtime where it loads), as the daemon does.
    engine = await createEngineAsync(realWeights ? { weightsDir } : { weightsDir, backend: 'cpu' });
    session = await openDaemonPanelAsync(work, engine);
    const { site: photopeaSite, daemon, browser, page, pluginUrl, panel, photopea, consoleErrors } = session;
    await page.goto(`${photopeaSite.origin}/?plugin=${encodeURIComponent(pluginUrl)}`);
    assert.ok(page.url().startsWith('https://'), 'the parent is an HTTPS page, as Photopea is');
    await mkdir(screenshotDir, { recursive: true });

    // The panel loaded from the daemon over http inside the HTTPS page, and its WebSocket is up:
    // an unpaired daemon asks for the code.
    await panel.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await panel.locator('#source-title', { hasText: 'Hero' }).waitFor();
    assert.match((await panel.locator('#source-detail').textContent()) ?? '', /Poster\.psd · 160×120/);
    await page.screenshot({ path: join(screenshotDir, 'photopea-1-pairing.png') });
    await panel.locator('#pair-code').fill(daemon.pairingCode()!);
    await panel.locator('#pair-submit').click();
    await panel.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });

    // Item 8: the key is kept as non-extractable CryptoKeys in IndexedDB; nothing in localStorage.
    const kept = await page.frame({ url: /\/photopea\/$/ })!.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open('atelier-photopea-keys', 1);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      const record = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const get = db.transaction('keys', 'readonly').objectStore('keys').get('pairing');
        get.onsuccess = () => resolve(get.result as Record<string, unknown>);
        get.onerror = () => reject(get.error);
      });
      const keys = [record.daemon, record.plugin] as CryptoKey[];
      const exported = await Promise.all(keys.map((k) => crypto.subtle.exportKey('raw', k).then(() => 'exported', () => 'refused')));
      return { keyId: typeof record.keyId, types: keys.map((k) => `${k.algorithm.name}:${k.extractable}`), exported, storage: Object.keys(localStorage) };
    });
    assert.deepEqual(kept, { keyId: 'string', types: ['HMAC:false', 'HMAC:false'], exported: ['refused', 'refused'], storage: [] });

    // Styles are the document's layers by name (groups entered); the source is not one to pick.
    const options = await panel.locator('#style-layer option').allTextContents();
    assert.deepEqual(options, ['Choose a layer…', 'Caption', 'Great Wave', 'Hero', 'Starry Night', 'Background']);
    await panel.locator('#style-layer').selectOption({ label: 'Starry Night' });
    await panel.locator('#apply:not([disabled])').waitFor();
    // The daemon's own estimate (capability 'estimate') for the layer, before Apply.
    await panel.locator('#estimate', { hasText: /about \d+ (s|min) · \d+ MB of \d+ MB \(160×120 px\)/ }).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-2-ready.png') });

    await panel.locator('#apply').click();
    await panel.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-3-progress.png') });
    await panel.locator('#done-text', { hasText: 'Done' }).waitFor({ timeout: 120_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-4-done.png') });
    assert.match((await panel.locator('#done-text').textContent()) ?? '', /Hero · Starry Night/);

    const layers = await photopea.layers();
    assert.deepEqual(layers.map((l) => l.name), ['Caption', 'Extras', 'Great Wave', 'Hero · Starry Night', 'Hero', 'Starry Night', 'Background'], 'directly above the source');
    const result = layers.find((l) => l.name === 'Hero · Starry Night')!;
    const source = layers.find((l) => l.name === 'Hero')!;
    assert.deepEqual(result.bounds, source.bounds, 'at the source\'s position and size');
    assert.deepEqual([result.width, result.height], [160, 120]);
    assert.equal(result.smart, true, 'placed with app.open(url, null, true)');
    assert.equal(result.depth, source.depth);
    assert.deepEqual(await photopea.documents(), ['Poster.psd'], 'the temporary export documents are closed');
    assert.deepEqual(await photopea.crashes(), [], 'Photopea\'s interpreter ran every script to its end');
    assert.equal(source.visible, true, 'the source is not hidden');

    // Item 6: every mouse-enter and focus asks for a read; one read at a time, the latest wins.
    const panelFrame = page.frame({ url: /\/photopea\/$/ })!;
    const beforeAsks = await photopea.messages();
    await panelFrame.evaluate(() => {
      for (let i = 0; i < 10; i++) {
        document.documentElement.dispatchEvent(new PointerEvent('pointerenter'));
        window.dispatchEvent(new FocusEvent('focus'));
      }
    });
    await page.waitForTimeout(1000);
    const reads = (await photopea.messages()) - beforeAsks;
    assert.ok(reads >= 1 && reads <= 2, `20 asks made ${reads} reads (one in flight, then the latest)`);

    // Cancel: a long run, stopped mid-way, leaves the document as it was.
    const afterApply = layers.map((l) => l.name);
    await panel.locator('#opt-keep-colors').check();
    await page.frame({ url: /\/photopea\/$/ })!.evaluate(([key]) => {
      const saved = JSON.parse(localStorage.getItem(key!) ?? '{}') as Record<string, unknown>;
      localStorage.setItem(key!, JSON.stringify({ ...saved, quality: 'custom', iterations: 2000 }));
    }, [OPTIONS_KEY]);
    await photopea.reloadPlugin();
    // The pairing key was kept: no second pairing after the panel reloads.
    await panel.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    assert.equal(await panel.locator('#panel-pairing').isHidden(), true);
    assert.equal(await panel.locator('#opt-keep-colors').isChecked(), true, 'options are remembered');
    await panel.locator('#style-layer').selectOption({ label: 'Great Wave' });
    await panel.locator('#apply:not([disabled])').click();
    await panel.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    await panel.locator('#cancel').click();
    await panel.locator('#done-text', { hasText: 'Cancelled' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-5-cancelled.png') });
    assert.deepEqual((await photopea.layers()).map((l) => l.name), afterApply, 'a cancelled run adds nothing');
    assert.deepEqual(await photopea.documents(), ['Poster.psd']);

    // A failed export: the temporary document is closed, the designer told, nothing added.
    await photopea.failNextExport();
    await panel.locator('#apply:not([disabled])').click();
    await panel.locator('#done-text.error').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-6-failed.png') });
    assert.match((await panel.locator('#done-text').textContent()) ?? '', /Photopea sent no image back/);
    assert.deepEqual(await photopea.documents(), ['Poster.psd'], 'no temporary document left behind');
    assert.deepEqual((await photopea.layers()).map((l) => l.name), afterApply);
    assert.deepEqual(await photopea.crashes(), []);

    // A style from an image file (dropped, or chosen with the panel's file link), on the
    // designer's next pick of a source layer: the result again goes directly above it.
    await photopea.selectLayer('Hero');
    await panel.locator('#refresh').click();
    await panel.locator('#source-title', { hasText: /^Hero$/ }).waitFor();
    await panel.locator('#style-file').setInputFiles({ name: 'wave.png', mimeType: 'image/png', buffer: Buffer.from(await testImageAsync('style', 48, 48)) });
    await panel.locator('#style-title', { hasText: 'Image “wave”' }).waitFor();
    await panel.locator('#quality button[data-quality="draft"]').click();
    await page.screenshot({ path: join(screenshotDir, 'photopea-7-file-style.png') });
    await panel.locator('#apply:not([disabled])').click();
    await panel.locator('#done-text', { hasText: 'Hero · wave' }).waitFor({ timeout: 120_000 });
    const withFile = await photopea.layers();
    assert.deepEqual(withFile.map((l) => l.name), ['Caption', 'Extras', 'Great Wave', 'Hero · Starry Night', 'Hero · wave', 'Hero', 'Starry Night', 'Background']);
    assert.deepEqual(withFile.find((l) => l.name === 'Hero · wave')!.bounds, withFile.find((l) => l.name === 'Hero')!.bounds);
    assert.deepEqual(await photopea.documents(), ['Poster.psd']);
    assert.deepEqual(await photopea.crashes(), []);

    // Dropping an image on the panel chooses it as the style, the same way.
    const dropped = Array.from(await testImageAsync('content', 40, 30));
    await page.frame({ url: /\/photopea\/$/ })!.evaluate((bytes) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], 'dropped sketch.png', { type: 'image/png' }));
      const zone = document.getElementById('style-drop')!;
      zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }, dropped);
    await panel.locator('#style-title', { hasText: 'Image “dropped sketch”' }).waitFor();
    assert.deepEqual(consoleErrors, []);

    // Issue 32: the panel closes mid-job (a reload, as when Photopea's panel is closed and opened
    // again): the job goes on in Atelier, and the panel, opened again on the same document (the
    // job names it by its name), shows it under "From earlier" and adds its result once.
    await page.frame({ url: /\/photopea\/$/ })!.evaluate(([key, iterations]) => {
      const saved = JSON.parse(localStorage.getItem(key as string) ?? '{}') as Record<string, unknown>;
      localStorage.setItem(key as string, JSON.stringify({ ...saved, quality: 'custom', iterations }));
    }, [OPTIONS_KEY, realWeights ? 40 : 400] as const);
    await photopea.reloadPlugin();
    await panel.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    await photopea.selectLayer('Hero');
    await panel.locator('#refresh').click();
    await panel.locator('#source-title', { hasText: /^Hero$/ }).waitFor();
    await panel.locator('#style-layer').selectOption({ label: 'Great Wave' });
    await panel.locator('#apply:not([disabled])').click();
    await panel.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 60_000 });
    const beforeReopen = (await photopea.layers()).map((l) => l.name);
    await photopea.reloadPlugin();
    await panel.locator('#waiting-list li', { hasText: 'Hero · Great Wave' }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-8-reopened.png') });
    await panel.locator('#waiting-placed', { hasText: 'Inserted “Hero · Great Wave”, which finished while the panel was closed.' }).waitFor({ timeout: realWeights ? 1_200_000 : 120_000 });
    await page.screenshot({ path: join(screenshotDir, 'photopea-9-reopened-added.png') });
    const reopened = (await photopea.layers()).map((l) => l.name);
    assert.deepEqual(reopened.filter((n) => !beforeReopen.includes(n)), ['Hero · Great Wave'], 'added once');
    assert.equal(reopened.indexOf('Hero · Great Wave') + 1, reopened.indexOf('Hero'), 'directly above its source');
    for (let i = 0; i < 100 && daemon.waitingResults().length > 0; i++) await page.waitForTimeout(50);
    assert.deepEqual(daemon.waitingResults(), [], 'the daemon forgot it once placed');
    assert.deepEqual(await photopea.crashes(), []);
    assert.deepEqual(consoleErrors, []);

    // An HTTPS origin the daemon does not list cannot frame the panel (frame-ancestors).
    // (Served from the same public address, with Local Network Access allowed there too, so that
    // only the daemon's CSP stands in the way.)
    const otherOrigin = `https://localhost:${photopeaSite.port}`;
    const otherContext = await browser.newContext();
    await otherContext.grantPermissions([LOCAL_NETWORK_ACCESS], { origin: otherOrigin });
    const other = await otherContext.newPage();
    const refused = other.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 30_000 });
    await other.goto(`${otherOrigin}/?plugin=${encodeURIComponent(pluginUrl)}`);
    await refused;
    assert.equal(await other.frameLocator('#plugin').locator('#apply').count(), 0, 'the panel did not load');
  } finally {
    await session?.closeAsync();
    engine?.dispose();
    await rm(work, { recursive: true, force: true });
  }
});
