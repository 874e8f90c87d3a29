/**
 * The Photopea plugin end to end in headless Chromium, served as it is in use:
 * - a real daemon (small generated weights) serves the REAL built panel at
 *   http://localhost:<port>/photopea/;
 * - the fake Photopea (test/photopea/fake-photopea/) is an HTTPS page, as www.photopea.com is
 *   (self-signed certificate, --ignore-certificate-errors), that frames that http://localhost
 *   page: so this also checks that an HTTPS page may frame loopback over http and that the
 *   panel inside opens its WebSocket (Chromium treats loopback as potentially trustworthy);
 * - an HTTPS origin the daemon does not list cannot frame it (CSP frame-ancestors).
 * Then: pairing, a style applied (new layer directly above the source, named and sized),
 * a cancelled run (document unchanged), a failed export (no temporary document left).
 * Screenshots go to .tmp/screens/photopea-*.png (or $ATELIER_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createEngineAsync, writeRandomWeightsAsync, type Engine } from '../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { buildPhotopeaAsync } from '../../photopea/build.ts';
import { OPTIONS_KEY } from '../../photopea/limits.ts';
import { staticFiles, type StaticFiles } from '../support/static-files.ts';
import { testImageAsync } from '../server/test-daemon.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * This Chromium blocks third-party storage by default (third-party cookie phase-out); the
 * flag restores what Chrome does for most designers: the panel's localStorage, partitioned
 * under the Photopea site, which keeps its pairing key. (With storage blocked the panel still works
 * and asks for a code each time it loads: photopea/README.md.)
 */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--ignore-certificate-errors', '--disable-features=ThirdPartyCookieDeprecationTrial,TrackingProtection3pcd,TpcdSupportSettings'];
const here = fileURLToPath(new URL('.', import.meta.url));
const screenshotDir = process.env.ATELIER_SCREENSHOT_DIR ?? join(here, '..', '..', '.tmp', 'screens');
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = !existsSync(CHROMIUM) ? `no Chromium at ${CHROMIUM} (apt-get install chromium)` : !hasOpenssl ? 'no openssl for the test certificate' : false;

interface FakeLayerInfo {
  name: string;
  bounds: number[];
  width: number;
  height: number;
  smart: boolean;
  depth: number;
}
interface FakePhotopeaWindow {
  fakePhotopea: {
    layers(): FakeLayerInfo[];
    documents(): string[];
    refusals(): string[];
    scriptErrors(): string[];
    messages(): number;
    overlaps(): number;
    selectLayer(name: string): void;
    failNextExport(): void;
    reloadPlugin(): void;
  };
}

async function serveHttpsAsync(work: string, files: StaticFiles): Promise<Server> {
  const key = join(work, 'key.pem');
  const cert = join(work, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
  const server = createServer({ key: await readFile(key), cert: await readFile(cert) }, staticFiles(files));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const fake = (page: Page) => ({
  layers: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.layers()),
  documents: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.documents()),
  refusals: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.refusals()),
  scriptErrors: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.scriptErrors()),
  failNextExport: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.failNextExport()),
  reloadPlugin: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.reloadPlugin()),
  overlaps: () => page.evaluate(() => (window as unknown as FakePhotopeaWindow).fakePhotopea.overlaps()),
  selectLayer: (name: string) => page.evaluate((n) => (window as unknown as FakePhotopeaWindow).fakePhotopea.selectLayer(n), name),
});

test('Photopea plugin in Chromium: framed over HTTPS, pair, apply a style, cancel, a failed export', { skip, timeout: 300_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-photopea-'));
  let browser: Browser | undefined;
  let https: Server | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    const built = await buildPhotopeaAsync({ outDir: join(work, 'dist') });
    const pageJs = await esbuild.build({
      entryPoints: [join(here, 'fake-photopea', 'page.ts')],
      bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning',
    });
    https = await serveHttpsAsync(work, {
      '/': { type: 'text/html', body: await readFile(join(here, 'fake-photopea', 'harness.html'), 'utf8') },
      '/page.js': { type: 'text/javascript', body: pageJs.outputFiles[0]!.text },
    });
    const httpsPort = (https.address() as AddressInfo).port;

    await writeRandomWeightsAsync(join(work, 'weights'), { seed: 1 });
    engine = await createEngineAsync({ weightsDir: join(work, 'weights'), backend: 'cpu' });
    daemon = await startDaemonServerAsync({
      port: 0,
      configDir: join(work, 'config'),
      engine,
      logger: createMemoryLogger(),
      photopeaPageFile: built.page,
      // The fake Photopea's origin stands in for https://www.photopea.com.
      photopeaFrameAncestors: [`https://127.0.0.1:${httpsPort}`],
    });
    const pluginUrl = `http://localhost:${daemon.port}/photopea/`;

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1100, height: 640 } });
    const consoleErrors: string[] = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`https://127.0.0.1:${httpsPort}/?plugin=${encodeURIComponent(pluginUrl)}`);
    assert.ok(page.url().startsWith('https://'), 'the parent is an HTTPS page, as Photopea is');
    const panel = page.frameLocator('#plugin');
    const photopea = fake(page);
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
    assert.deepEqual(await photopea.refusals(), [], 'Photopea would have run every script');
    assert.deepEqual(await photopea.scriptErrors(), []);

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
    await panel.locator('#progress-detail', { hasText: /step \d+ of 2000/ }).waitFor({ timeout: 60_000 });
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
    assert.match((await panel.locator('#done-text').textContent()) ?? '', /Photopea could not finish Atelier's step \(export failed/);
    assert.deepEqual(await photopea.documents(), ['Poster.psd'], 'no temporary document left behind');
    assert.deepEqual((await photopea.layers()).map((l) => l.name), afterApply);
    assert.deepEqual(await photopea.refusals(), []);

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
    assert.deepEqual(await photopea.refusals(), []);
    assert.equal(await photopea.overlaps(), 0, 'every message waited for the previous "done"');

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

    // An HTTPS origin the daemon does not list cannot frame the panel (frame-ancestors).
    const other = await browser.newPage();
    const refused = other.waitForEvent('console', { predicate: (m) => /frame-ancestors/.test(m.text()), timeout: 30_000 });
    await other.goto(`https://localhost:${httpsPort}/?plugin=${encodeURIComponent(pluginUrl)}`);
    await refused;
    assert.equal(await other.frameLocator('#plugin').locator('#apply').count(), 0, 'the panel did not load');
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await new Promise((resolve) => (https ? https.close(resolve) : resolve(undefined)));
    await rm(work, { recursive: true, force: true });
  }
});
