/**
 * Issue 31 end to end in headless Chromium: the built plugin in the harness that plays Figma
 * (test/plugin/browser/), a photo in the frame "Hero" with an ellipse "Spot" inside it, the
 * REAL daemon with the REAL VGG-19 weights from ../shared (skipped without them, or without
 * Chromium). The designer picks Spot as the mask in the panel, sets the edge softness, applies
 * Starry Night; the daemon's result keeps Hero's export past the feather around Spot and is
 * stylised under it, and Spot itself is not in what was sent. The layer inserted above Hero is
 * that result made transparent past the feather and one working pixel: the job ran at 128 px,
 * so an opaque result stretched over the 320 px frame would cover it with a blurred copy; on the
 * harness's canvas Hero's own pixels show there, exactly as with the result hidden. And an
 * Atelier app from before masks (its welcome without "regions"): the panel says to update it.
 * Screenshots: /tmp/n31/B-screens/ (or $ATELIER_MASK_SCREENSHOT_DIR).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type FrameLocator } from 'playwright-core';
import { createEngineAsync, writeRandomWeightsAsync, type Engine } from '../../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import { CHROMIUM_PATH, skipWithoutPublicOrigin, type PublicOrigin } from '../support/public-origin.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';
import { CHROMIUM_ARGS, serveFigmaHarnessAsync } from './browser/figma-site.ts';
import { pixelAt, pixelsOf, type Pixels } from './png-pixels.ts';
import { DEFAULT_EDGE_SOFTNESS_PX } from '../../client/limits.ts';

/** Hero (320×200) exported at 128 px: one stage of the pyramid (its floor), quick on a CPU. */
const SIZE = 128;
const ITERATIONS = 40;
const EDGE_PX = 2;
const screenshotDir = process.env.ATELIER_MASK_SCREENSHOT_DIR ?? '/tmp/n31/B-screens';

interface MaskHarness {
  harness: {
    resultPng(): string | null;
    result(): { box: [number, number, number, number] } | null;
    showResult(visible: boolean): boolean;
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

/**
 * The inserted result against the content sent: past `margin` from the ellipse each pixel is
 * either cleared (alpha 0) or, where the window kept it, the daemon's copy of the content;
 * within `-margin` of it, how many are stylised.
 */
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
        if (!same && a[3] !== 0) outsideDiffer++;
      } else if (!outsideEllipse(box, -margin, x, y)) {
        inside++;
        if (!same) insideDiffer++;
      }
    }
  }
  return { outside, outsideDiffer, inside, insideDiffer };
}

/** The inserted result's alpha: cleared past `clearPast` from the ellipse, opaque within `opaqueWithin` of it (content pixels). */
function alphaBands(result: Pixels, box: { x: number; y: number; width: number; height: number }, clearPast: number, opaqueWithin: number) {
  let far = 0;
  let farNotClear = 0;
  let near = 0;
  let nearNotOpaque = 0;
  for (let y = 0; y < result.height; y++) {
    for (let x = 0; x < result.width; x++) {
      const alpha = pixelAt(result, x, y)[3];
      if (outsideEllipse(box, clearPast, x, y)) {
        far++;
        if (alpha !== 0) farNotClear++;
      } else if (!outsideEllipse(box, opaqueWithin, x, y)) {
        near++;
        if (alpha !== 255) nearNotOpaque++;
      }
    }
  }
  return { far, farNotClear, near, nearNotOpaque };
}

/** The real pictures of the first test: Tübingen in Hero, Starry Night as the first style. */
const PICTURES = {
  '/img/content': join(SHARED_IMAGES_DIR, 'content', 'tubingen.jpg'),
  '/img/style': join(SHARED_IMAGES_DIR, 'style', 'starry_night.jpg'),
};

interface Session {
  figma: PublicOrigin;
  daemon: DaemonServer;
  context: BrowserContext;
}

/**
 * The harness site (with `pictures`), a daemon on the real weights (the default engine, ONNX
 * Runtime where it loads, as the daemon runs them) or on small generated ones (the flow, not the
 * pictures), and a Chromium context allowed to reach it; all closed after `body`, whatever happened.
 */
async function withSessionAsync(name: string, weights: 'real' | 'generated', pictures: Record<string, string>, body: (session: Session) => Promise<void>): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), `atelier-${name}-`));
  let browser: Browser | undefined;
  let figma: PublicOrigin | undefined;
  let daemon: DaemonServer | undefined;
  let engine: Engine | undefined;
  try {
    figma = await serveFigmaHarnessAsync(work, null, pictures);
    if (weights === 'real') {
      engine = await createEngineAsync({ weightsDir: REAL_WEIGHTS_DIR });
    } else {
      await writeRandomWeightsAsync(join(work, 'weights'), { seed: 1 });
      engine = await createEngineAsync({ weightsDir: join(work, 'weights'), backend: 'cpu' });
    }
    daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine, logger: createMemoryLogger() });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...figma.chromiumArgs] });
    const context = await browser.newContext({ viewport: { width: 1180, height: 760 } });
    await figma.grantAsync(context);
    await body({ figma, daemon, context });
  } finally {
    await browser?.close();
    await daemon?.close();
    engine?.dispose();
    await figma?.closeAsync();
    await rm(work, { recursive: true, force: true });
  }
}

/** Pairs the panel with the daemon by its code, as the designer types it. */
async function pairAsync(ui: FrameLocator, daemon: DaemonServer): Promise<void> {
  await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
  await ui.locator('#pair-code').fill(daemon.pairingCode()!);
  await ui.locator('#pair-submit').click();
  await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 30_000 });
}

const skip = skipWithoutPublicOrigin || skipWithoutSharedWeights;

test('a frame with a shape mask in Chromium, real daemon and weights: past the feather the result is the frame\'s export, under the shape it is stylised', { skip, timeout: 600_000 }, () => withSessionAsync('mask', 'real', PICTURES, async ({ figma, daemon, context }) => {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const query = new URLSearchParams({ port: String(daemon.port), size: String(SIZE), iterations: String(ITERATIONS), mask: 'spot', heroImage: '/img/content', style1Image: '/img/style' });
  await page.goto(`${figma.origin}/?${query}`);
  const ui = page.frameLocator('#plugin');
  await mkdir(screenshotDir, { recursive: true });

  await pairAsync(ui, daemon);

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
  // Past the feather (plus a pixel for the mask's anti-aliased edge): Hero's export exactly, where not cleared.
  const c = compare(result, content, h.job.box, EDGE_PX + 1.5);
  console.log(`[mask] outside: ${c.outside} px, ${c.outsideDiffer} differ; inside: ${c.inside} px, ${c.insideDiffer} differ`);
  assert.ok(c.outside > 1000, 'a good part of Hero is outside the mask');
  assert.equal(c.outsideDiffer, 0, 'every pixel past the feather is the source\'s');
  assert.ok(c.insideDiffer > c.inside * 0.5, 'under the mask the picture is stylised');

  // The inserted image is see-through past the feather and one working pixel: a square
  // dilation of the mask by EDGE_PX + 1, which reaches √2 times that along a diagonal, and a
  // pixel more for the mask's anti-aliased edge; opaque over the shape and the feather's
  // near side.
  const band = alphaBands(result, h.job.box, (EDGE_PX + 1) * Math.SQRT2 + 1.5, EDGE_PX + 1 - 1.5);
  console.log(`[mask] inserted image ${result.width}×${result.height}: ${band.far} px past the feather, ${band.farNotClear} not transparent; ${band.near} px over the mask, ${band.nearNotOpaque} not opaque`);
  assert.ok(band.far > 1000, 'most of Hero is past the feather');
  assert.equal(band.farNotClear, 0, 'past the feather the inserted image is transparent: the frame itself shows');
  assert.ok(band.near > 1000);
  assert.equal(band.nearNotOpaque, 0, 'over the mask the inserted image is opaque');

  // What the designer sees: the canvas with the result over Hero, and with it hidden. Past
  // the (scaled) band Hero's own pixels show, identical; over the mask the result covers it.
  // The canvas draws the board at its origin, its children at their x, y: the result's box is the clip.
  const [bx, by, bw, bh] = (await page.evaluate(() => (window as unknown as MaskHarness).harness.result()))!.box;
  const origin = (await page.locator('#canvas').boundingBox())!;
  const clip = { x: origin.x + bx, y: origin.y + by, width: bw, height: bh };
  const shown = await pixelsOf(await page.screenshot({ clip, path: join(screenshotDir, 'plugin-mask-canvas-result.png') }));
  assert.equal(await page.evaluate(() => (window as unknown as MaskHarness).harness.showResult(false)), true);
  const hidden = await pixelsOf(await page.screenshot({ clip, path: join(screenshotDir, 'plugin-mask-canvas-hidden.png') }));
  await page.evaluate(() => (window as unknown as MaskHarness).harness.showResult(true));
  assert.deepEqual([shown.width, shown.height], [bw, bh]);
  const scale = content.width / bw;
  let seen = 0;
  let seenDiffer = 0;
  let covered = 0;
  let coveredDiffer = 0;
  for (let sy = 0; sy < shown.height; sy++) {
    for (let sx = 0; sx < shown.width; sx++) {
      const cx = (sx + 0.5) * scale - 0.5;
      const cy = (sy + 0.5) * scale - 0.5;
      const a = pixelAt(shown, sx, sy);
      const b = pixelAt(hidden, sx, sy);
      const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2];
      // One more content pixel for the browser's smoothing of the stretched image.
      if (outsideEllipse(h.job.box, (EDGE_PX + 1) * Math.SQRT2 + 2.5, cx, cy)) {
        seen++;
        if (!same) seenDiffer++;
      } else if (!outsideEllipse(h.job.box, -2, cx, cy)) {
        covered++;
        if (!same) coveredDiffer++;
      }
    }
  }
  console.log(`[mask] canvas: ${seen} px past the feather, ${seenDiffer} differ from Hero alone; ${covered} px over the mask, ${coveredDiffer} differ`);
  assert.ok(seen > 20_000, 'most of Hero on screen is past the feather');
  assert.equal(seenDiffer, 0, 'past the feather the canvas shows Hero itself, not a scaled-up copy');
  assert.ok(coveredDiffer > covered * 0.5, 'over the mask the result covers Hero');
  assert.deepEqual(errors, []);
}));

test('a masked result that finished while the panel was closed is placed transparent past the feather too (its mask kept with the job)', { skip: skipWithoutPublicOrigin, timeout: 300_000 }, () => withSessionAsync('mask-reopen', 'generated', {}, async ({ figma, daemon, context }) => {
  const errors: string[] = [];
  // Enough steps that the window can close while the job runs.
  const params = { port: String(daemon.port), size: '64', iterations: '600', mask: 'spot' };
  const first = await context.newPage();
  first.on('pageerror', (e) => errors.push(String(e)));
  await first.goto(`${figma.origin}/?${new URLSearchParams(params)}`);
  const ui = first.frameLocator('#plugin');
  await pairAsync(ui, daemon);
  await ui.locator('#style-grid button[title^="Starry Night"]').click();
  await ui.locator('#mask-grid button[title^="Spot"]').click();
  await ui.locator('#mask-title', { hasText: 'Spot' }).waitFor();
  await ui.locator('#apply:not([disabled])').click();
  await ui.locator('#progress-detail', { hasText: /step \d+ of \d+/ }).waitFor({ timeout: 120_000 });
  const kept = await first.evaluate(() => {
    const w = (window as unknown as { harness: { documentId(): string; key(): string | null; lastJob(): { box: unknown } | null } }).harness;
    return { document: w.documentId(), key: w.key(), box: w.lastJob()?.box as { x: number; y: number; width: number; height: number } | undefined };
  });
  assert.ok(kept.key && kept.box);
  await first.close();

  const reopened = await context.newPage();
  reopened.on('pageerror', (e) => errors.push(String(e)));
  await reopened.goto(`${figma.origin}/?${new URLSearchParams({ ...params, key: kept.key, document: kept.document })}`);
  const again = reopened.frameLocator('#plugin');
  await again.locator('#waiting-placed', { hasText: 'Inserted “Hero · Starry Night”, which finished while the panel was closed.' }).waitFor({ timeout: 240_000 });
  assert.doesNotMatch((await again.locator('#waiting-placed').textContent()) ?? '', /softer copy/, 'its mask was kept: nothing to warn about');
  const png = await reopened.evaluate(() => (window as unknown as MaskHarness).harness.resultPng());
  assert.ok(png);
  const result = await pixelsOf(fromBase64(png));
  // The harness's stored options set no edge softness: the default's feather.
  const feather = DEFAULT_EDGE_SOFTNESS_PX;
  const band = alphaBands(result, kept.box, (feather + 1) * Math.SQRT2 + 1.5, feather + 1 - 1.5);
  console.log(`[mask reopened] inserted image ${result.width}×${result.height}: ${band.far} px past the feather, ${band.farNotClear} not transparent; ${band.near} px over the mask, ${band.nearNotOpaque} not opaque`);
  assert.ok(band.far > 300 && band.near > 300);
  assert.equal(band.farNotClear, 0, 'past the feather the waiting result is transparent as well');
  assert.equal(band.nearNotOpaque, 0);
  assert.deepEqual(errors, []);
}));

test('an Atelier app from before masks (no "regions" in its welcome): the panel says to update it, Apply stays off, nothing is sent', { skip: skipWithoutPublicOrigin, timeout: 180_000 }, () => withSessionAsync('mask-old', 'generated', {}, async ({ figma, daemon, context }) => {
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
  await pairAsync(ui, daemon);
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
}));
