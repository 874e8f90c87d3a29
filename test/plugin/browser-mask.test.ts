/**
 * Issue 31 end to end in headless Chromium: the built plugin in the harness that plays Figma
 * (test/plugin/browser/), a photo in the frame "Hero" with an ellipse "Spot" inside it, the
 * REAL daemon with the REAL VGG-19 weights from ../shared (skipped without them, or without
 * Chromium). The designer picks Spot as the mask in the panel, sets the edge softness, applies
 * Starry Night; the result layer above Hero keeps every pixel of Hero's export past the feather
 * around Spot, is stylised under it, and Spot itself is not in what was sent. And an Atelier app
 * from before masks (its welcome without "regions"): the panel says to update it. Screenshots:
 * /tmp/n31/B-screens/ (or $ATELIER_MASK_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createEngineAsync, writeRandomWeightsAsync, type Engine } from '../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';
import { pixelAt, pixelsOf, type Pixels } from './png-pixels.ts';

/** Hero (320×200) exported at 128 px: one stage of the pyramid (its floor), quick on a CPU. */
const SIZE = 128;
const ITERATIONS = 40;
const EDGE_PX = 2;
const screenshotDir = process.env.ATELIER_MASK_SCREENSHOT_DIR ?? '/tmp/n31/B-screens';

interface MaskHarness {
  harness: {
    resultPng(): string | null;
    lastJob(): { content: string; width: number; height: number; box: { x: number; y: number; width: number; height: number } | null } | null;
    spotVisible(): boolean | null;
    savedOptions(): string;
  };
}

const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

/** Pixels farther than `margin` from the ellipse inscribed in `box` (content pixels), where the source must show exactly. */
function outsideEllipse(box: { x: number; y: number; width: number; height: number }, margin: number, x: number, y: number): boolean {
  const rx = box.width / 2 + margin;
  const ry = box.height / 2 + margin;
  return ((x + 0.5 - (box.x + box.width / 2)) / rx) ** 2 + ((y + 0.5 - (box.y + box.height / 2)) / ry) ** 2 > 1;
}

function compare(result: Pixels, content: Pixels, box: { x: number; y: number; width: number; height: number }, margin: number) {
  let outside = 0;
  let outsideDiffer = 0;
  let inside = 0;
  let insideDiffer = 0;
  for (let y = 0; y < content.height; y++) {
    for (let x = 0; x < content.width; x++) {
      const a = pixelAt(result, x, y);
      const b = pixelAt(content, x, y);
      const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
      if (outsideEllipse(box, margin, x, y)) {
        outside++;
        if (!same) outsideDiffer++;
      } else if (!outsideEllipse(box, -margin, x, y)) {
        inside++;
        if (!same) insideDiffer++;
      }
    }
  }
  return { outside, outsideDiffer, inside, insideDiffer };
}

const skip = skipWithoutPublicOrigin || skipWithoutSharedWeights;

test('a frame with a shape mask in Chromium, real daemon and weights: past the feather the result is the frame\'s export, under the shape it is stylised', { skip, timeout: 600_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-mask-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work, null, {
      '/img/content': join(SHARED_IMAGES_DIR, 'content', 'tubingen.jpg'),
      '/img/style': join(SHARED_IMAGES_DIR, 'style', 'starry_night.jpg'),
    });
    // The real weights on the default engine (ONNX Runtime where it loads), as the daemon runs them.
    engine = await createEngineAsync({ weightsDir: REAL_WEIGHTS_DIR });
    daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine, logger: createMemoryLogger() });

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
    await figma.grantAsync(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    const query = new URLSearchParams({ port: String(daemon.port), size: String(SIZE), iterations: String(ITERATIONS), mask: 'spot', heroImage: '/img/content', style1Image: '/img/style' });
    await page.goto(`${figma.origin}/?${query}`);
    const ui = page.frameLocator('#plugin');
    await mkdir(screenshotDir, { recursive: true });

    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#pair-code').fill(daemon.pairingCode()!);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });

    await ui.locator('#style-grid button[title^="Starry Night"]').click();
    await ui.locator('#style-title', { hasText: 'Starry Night' }).waitFor();
    // No mask yet: Edge softness is not offered.
    await ui.locator('#advanced summary').click();
    assert.equal(await ui.locator('#opt-edge').isHidden(), true, 'no edge to soften without a mask');
    // Spot is offered as a mask: it lies over Hero.
    await ui.locator('#mask-grid button[title^="Spot"]').click();
    await ui.locator('#mask-title', { hasText: 'Spot' }).waitFor();
    await ui.locator('#opt-edge').waitFor({ state: 'visible' });
    await ui.locator('#opt-edge').fill(String(EDGE_PX));
    await ui.locator('#opt-edge').press('Tab');
    assert.equal(await ui.locator('#mask-update').isHidden(), true, 'this daemon takes regions');
    await ui.locator('#apply:not([disabled])').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: join(screenshotDir, 'plugin-mask-idle.png') });

    await ui.locator('#apply').click();
    await ui.locator('#done-section').waitFor({ state: 'visible', timeout: 540_000 });
    await ui.locator('#done-section').scrollIntoViewIfNeeded();
    await page.waitForTimeout(400); // the harness canvas redraws every 150 ms
    await page.screenshot({ path: join(screenshotDir, 'plugin-mask-done.png') });
    assert.match((await ui.locator('#done-text').textContent()) ?? '', /Hero · Starry Night/);
    assert.equal((await ui.locator('#done-failed').textContent()) ?? '', '');

    const h = await page.evaluate(() => {
      const w = (window as unknown as MaskHarness).harness;
      return { result: w.resultPng(), job: w.lastJob(), spotVisible: w.spotVisible(), saved: w.savedOptions() };
    });
    assert.equal((JSON.parse(h.saved) as { edgeSoftness?: number }).edgeSoftness, EDGE_PX, 'the edge softness is remembered with the other options');
    assert.equal(h.spotVisible, true, 'Spot is shown again after the export');
    assert.ok(h.result && h.job?.box, 'a result, from a job with a mask');
    const content = await pixelsOf(fromBase64(h.job.content));
    const result = await pixelsOf(fromBase64(h.result));
    assert.deepEqual([result.width, result.height], [content.width, content.height], 'the result is the content\'s size');
    // Spot (pink) was hidden while Hero was exported: its centre shows the photo.
    const centre = pixelAt(content, h.job.box.x + h.job.box.width / 2, h.job.box.y + h.job.box.height / 2);
    assert.notDeepEqual(centre.slice(0, 3), [240, 60, 120], 'the mask is not in the content sent');
    // Past the feather (plus a pixel for the mask's anti-aliased edge): Hero's export, exactly.
    const c = compare(result, content, h.job.box, EDGE_PX + 1.5);
    console.log(`[mask] outside: ${c.outside} px, ${c.outsideDiffer} differ; inside: ${c.inside} px, ${c.insideDiffer} differ`);
    assert.ok(c.outside > 1000, 'a good part of Hero is outside the mask');
    assert.equal(c.outsideDiffer, 0, 'every pixel past the feather is the source\'s');
    assert.ok(c.insideDiffer > c.inside * 0.5, 'under the mask the picture is stylised');
    assert.deepEqual(errors, []);
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});

test('an Atelier app from before masks (no "regions" in its welcome): the panel says to update it, Apply stays off, nothing is sent', { skip: skipWithoutPublicOrigin, timeout: 180_000 }, async () => {
  const work = await mkdtemp(join(tmpdir(), 'atelier-mask-old-'));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work);
    // The flow, not the pictures: small generated weights.
    await writeRandomWeightsAsync(join(work, 'weights'), { seed: 1 });
    engine = await createEngineAsync({ weightsDir: join(work, 'weights'), backend: 'cpu' });
    daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine, logger: createMemoryLogger() });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
    await figma.grantAsync(context);
    // The real daemon's socket, with "regions" taken out of its welcome as an older app sends it;
    // what the panel sends is counted on the way.
    const sent: string[] = [];
    await context.routeWebSocket(/^ws:\/\/localhost:/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((message) => {
        if (typeof message === 'string') sent.push((JSON.parse(message) as { type: string }).type);
        else sent.push('binary');
        server.send(message);
      });
      server.onMessage((message) => {
        if (typeof message === 'string') {
          const parsed = JSON.parse(message) as { type: string; capabilities?: string[] };
          if (parsed.type === 'welcome') parsed.capabilities = parsed.capabilities?.filter((c) => c !== 'regions');
          ws.send(JSON.stringify(parsed));
        } else {
          ws.send(message);
        }
      });
    });
    const page = await context.newPage();
    await page.goto(`${figma.origin}/?${new URLSearchParams({ port: String(daemon.port), size: '64', iterations: '10', mask: 'spot' })}`);
    const ui = page.frameLocator('#plugin');
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await ui.locator('#pair-code').fill(daemon.pairingCode()!);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
    await ui.locator('#style-grid button[title^="Starry Night"]').click();
    await ui.locator('#apply:not([disabled])').waitFor({ timeout: 30_000 });
    assert.equal(await ui.locator('#mask-update').isHidden(), true, 'no mask, nothing to say');

    await ui.locator('#mask-grid button[title^="Spot"]').click();
    await ui.locator('#mask-title', { hasText: 'Spot' }).waitFor();
    await ui.locator('#mask-update').waitFor({ state: 'visible' });
    assert.match((await ui.locator('#mask-update').textContent()) ?? '', /needs a newer Atelier app: update Atelier/);
    assert.equal(await ui.locator('#apply').isDisabled(), true, 'Apply is off while the mask cannot be honoured');
    assert.match((await ui.locator('#apply-hint').textContent()) ?? '', /Update Atelier to style part of a frame, or set Mask to None/);
    await ui.locator('#mask-section').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(screenshotDir, 'plugin-mask-old-app.png') });
    assert.equal(sent.includes('stylize'), false, 'no job was sent');

    // Mask → None: whole frames again, which this app can do.
    await ui.locator('#mask-none').click();
    await ui.locator('#mask-title', { hasText: 'None' }).waitFor();
    await ui.locator('#apply:not([disabled])').waitFor();
    assert.equal(await ui.locator('#mask-update').isHidden(), true);
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
});
