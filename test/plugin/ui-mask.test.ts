/**
 * Issue 31 in the plugin window: the mask the daemon gets is composed in the window's canvas
 * (plugin/ui/compose-mask.ts) from what the main code sends. The jobs here come from the real
 * main code against the fake Figma (a child ellipse, a shape spilling out of a clipping frame);
 * the composing runs in headless Chromium (skipped where /usr/bin/chromium is absent), and the
 * pixels are read back here: the content's size, white under the shape at the right offset,
 * black elsewhere, cut where a frame clips the shape.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { DEFAULT_JOB_OPTIONS, type JobOptions, type MainToUi } from '../../plugin/bridge/index.ts';
import { MENU_COMMANDS } from '../../plugin/main/index.ts';
import { CHROMIUM_PATH } from '../support/public-origin.ts';
import { CHROMIUM_ARGS } from './browser/figma-site.ts';
import { FakeFigma } from './fake-figma/index.ts';
import { startPluginAsync } from './drive-plugin.ts';
import { pixelAt, pixelsOf } from './png-pixels.ts';

const skip = existsSync(CHROMIUM_PATH) ? false : `no Chromium at ${CHROMIUM_PATH}`;
const options: JobOptions = { ...DEFAULT_JOB_OPTIONS, quality: 'custom', size: 400, iterations: 5 };
type Job = Extract<MainToUi, { type: 'job' }>;

/** Hero 200×100 at (100, 50), exported at 2×; the mask is chosen by name. */
async function jobWithMaskAsync(maskName: 'Blob' | 'Spill'): Promise<Job> {
  const figma = new FakeFigma();
  const hero = figma.frame({ name: 'Hero', x: 100, y: 50, width: 200, height: 100 });
  figma.currentPage.appendChild(hero);
  // On the content: an ellipse in the box (40, 20, 120, 120).
  hero.appendChild(figma.layer('ELLIPSE', { name: 'Blob', x: 20, y: 10, width: 60, height: 60 }));
  // Window (clips) covers content x 180…380, y 0…120; Spill is content x 200…260, y 80…160: its lower part is cut.
  const window = figma.frame({ name: 'Window', x: 90, y: 0, width: 100, height: 60, clipsContent: true });
  hero.appendChild(window);
  window.appendChild(figma.layer('RECTANGLE', { name: 'Spill', x: 10, y: 40, width: 30, height: 40 }));
  const style = figma.imageLayer({ name: 'Starry Night', x: 0, y: 400, width: 100, height: 100 });
  figma.currentPage.appendChild(style);
  const mask = figma.currentPage.findAll((n) => n.name === maskName)[0]!;
  figma.select(hero);
  const ui = await startPluginAsync(figma, MENU_COMMANDS.apply);
  await ui.next('init');
  ui.send({ type: 'start', styleNodeId: style.id, options, maskNodeId: mask.id });
  return ui.next('job');
}

async function composeBundleAsync(): Promise<string> {
  const built = await esbuild.build({
    stdin: {
      contents: "import { composeMaskAsync } from './plugin/ui/compose-mask.ts'; (globalThis as { composeMaskAsync?: unknown }).composeMaskAsync = composeMaskAsync;",
      resolveDir: fileURLToPath(new URL('../..', import.meta.url)),
      loader: 'ts',
    },
    bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning',
  });
  return built.outputFiles[0]!.text;
}

test('the window composes the mask at the content\'s size: white under the shape at its offset, black elsewhere, cut by a clipping frame', { skip, timeout: 60_000 }, async () => {
  const blobJob = await jobWithMaskAsync('Blob');
  const spillJob = await jobWithMaskAsync('Spill');
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><title>mask</title>');
    await page.addScriptTag({ content: await composeBundleAsync() });
    const compose = async (job: Job) => {
      const placement = job.maskPlacement!;
      const out = await page.evaluate(
        async ({ png, box, clips, width, height }) => {
          const fn = (globalThis as unknown as { composeMaskAsync: (p: unknown, w: number, h: number) => Promise<{ image: { png: Uint8Array; width: number; height: number }; covers: boolean }> }).composeMaskAsync;
          const r = await fn({ png: Uint8Array.from(atob(png), (c) => c.charCodeAt(0)), box, clips }, width, height);
          let text = '';
          for (const b of r.image.png) text += String.fromCharCode(b);
          return { png: btoa(text), width: r.image.width, height: r.image.height, covers: r.covers };
        },
        { png: Buffer.from(placement.png).toString('base64'), box: placement.box, clips: placement.clips, width: job.content.width, height: job.content.height },
      );
      return { ...out, pixels: await pixelsOf(new Uint8Array(Buffer.from(out.png, 'base64'))) };
    };

    const blob = await compose(blobJob);
    assert.deepEqual([blob.width, blob.height, blob.pixels.width, blob.pixels.height], [400, 200, 400, 200], 'the content\'s size, as the protocol wants');
    assert.equal(blob.covers, true);
    const grey = (x: number, y: number) => {
      const [r, g, b, a] = pixelAt(blob.pixels, x, y);
      assert.equal(a, 255, 'opaque: the grey is the mask');
      assert.ok(r === g && g === b, `grey at (${x}, ${y})`);
      return r;
    };
    assert.equal(grey(100, 80), 255, 'the ellipse\'s centre (150, 90 on the page) is white');
    assert.ok(grey(100, 24) > 200, 'inside the ellipse\'s top');
    assert.equal(grey(42, 22), 0, 'the corner of the ellipse\'s box is outside it');
    assert.equal(grey(10, 10), 0);
    assert.equal(grey(165, 80), 0, 'past its right edge');
    assert.equal(grey(300, 150), 0);

    const spill = await compose(spillJob);
    const [inside] = pixelAt(spill.pixels, 230, 100);
    const [cut] = pixelAt(spill.pixels, 230, 140);
    const [beside] = pixelAt(spill.pixels, 270, 100);
    assert.equal(inside, 255, 'the shape inside Window');
    assert.equal(cut, 0, 'Window clips the shape: its part below Window is not in the mask');
    assert.equal(beside, 0);

    const away = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = canvas.height = 8;
      canvas.getContext('2d')!.fillRect(0, 0, 8, 8);
      const png = new Uint8Array(await (await new Promise<Blob>((resolve) => canvas.toBlob((b) => resolve(b!), 'image/png'))).arrayBuffer());
      const fn = (globalThis as unknown as { composeMaskAsync: (p: unknown, w: number, h: number) => Promise<{ covers: boolean }> }).composeMaskAsync;
      return (await fn({ png, box: { x: 500, y: 0, width: 8, height: 8 }, clips: [] }, 400, 200)).covers;
    });
    assert.equal(away, false, 'a mask off the content covers nothing (the window then sends nothing)');
  } finally {
    await browser.close();
  }
});
