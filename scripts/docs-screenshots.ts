/**
 * Regenerates the README / docs pictures with the REAL VGG-19 weights from ../shared (never
 * generated weights): the plugin in the browser harness stylising a real photo, light and
 * dark, and a before/after gallery.
 *
 *   node --import tsx scripts/docs-screenshots.ts [--only harness|gallery]
 *
 * To keep the CPU load low the harness runs at the plugin's Draft quality (256 px, 20 steps a
 * pass) and the gallery at the engine's default settings (DEFAULT_PRESET, its stages and
 * iterations) but 256 px on the longest side instead of 512; its last row is two regions
 * (`--region`: The Scream on the left, Starry Night on the right of one photo). Writes
 * docs/plugin-*.png and docs/gallery.jpg. Needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import { chromium, type Page } from 'playwright-core';
import sharp from 'sharp';
import { createEngineAsync } from '../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync } from '../daemon/server/index.ts';
import { buildPluginAsync } from '../plugin/index.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../test/support/shared-data.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = join(root, 'docs');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HARNESS = { size: 256, iterations: 20, content: 'content/tubingen.jpg', styles: [['Starry Night', 'style/starry_night.jpg'], ['The Scream', 'style/the_scream.jpg']] } as const;
const GALLERY_SIDE = 256;
const GALLERY = [
  ['content/tubingen.jpg', 'style/starry_night.jpg'],
  ['content/chelsea.png', 'style/the_scream.jpg'],
  ['content/coffee.png', 'style/shipwreck.jpg'],
] as const;

function contentType(path: string): string {
  return path.endsWith('.html') ? 'text/html' : path.endsWith('.js') ? 'text/javascript' : path.endsWith('.png') ? 'image/png' : 'image/jpeg';
}

async function serveAsync(files: Record<string, string | Buffer>): Promise<Server> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const body = files[path];
    if (body === undefined) response.writeHead(404).end();
    else response.writeHead(200, { 'content-type': contentType(path === '/' ? '.html' : path), 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function harnessShotsAsync(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'atelier-docs-'));
  const engine = await createEngineAsync({ weightsDir: REAL_WEIGHTS_DIR });
  const daemon = await startDaemonServerAsync({ port: 0, configDir: join(work, 'config'), engine, logger: createMemoryLogger() });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  let http: Server | undefined;
  try {
    const built = await buildPluginAsync({ outDir: join(work, 'dist') });
    const harnessJs = await esbuild.build({
      entryPoints: [join(root, 'test/plugin/browser/harness-page.ts')],
      bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning',
    });
    http = await serveAsync({
      '/': await readFile(join(root, 'test/plugin/browser/harness.html')),
      '/harness.js': harnessJs.outputFiles[0]!.text,
      '/code.js': await readFile(built.code),
      '/ui.html': await readFile(built.ui),
      '/img/content': await readFile(join(SHARED_IMAGES_DIR, HARNESS.content)),
      '/img/style1': await readFile(join(SHARED_IMAGES_DIR, HARNESS.styles[0][1])),
      '/img/style2': await readFile(join(SHARED_IMAGES_DIR, HARNESS.styles[1][1])),
    });
    const query = (extra: Record<string, string>) =>
      new URLSearchParams({
        port: String(daemon.port), size: String(HARNESS.size), iterations: String(HARNESS.iterations),
        heroImage: '/img/content', style1Image: '/img/style1', style2Image: '/img/style2',
        style1Name: HARNESS.styles[0][0], style2Name: HARNESS.styles[1][0], ...extra,
      }).toString();
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/?`;
    const shot = (page: Page, name: string) => page.screenshot({ path: join(docs, name) }).then(() => console.log(`[docs] ${name}`));

    // Light theme: pairing, style chosen, a run in progress with its preview, the result.
    const light = await browser.newPage({ viewport: { width: 1180, height: 700 } });
    light.on('pageerror', (e) => console.error(`[docs] page error: ${String(e)}`));
    light.on('console', (m) => { if (m.type() === 'error') console.error(`[docs] console: ${m.text()}`); });
    await light.goto(base + query({}));
    const ui = light.frameLocator('#plugin');
    await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 });
    await shot(light, 'plugin-pairing.png');
    // The daemon opens its pairing window at start, so a code must be there.
    const code = daemon.pairingCode();
    if (code === null) throw new Error('The daemon has no open pairing window to take a screenshot of.');
    await ui.locator('#pair-code').fill(code);
    await ui.locator('#pair-submit').click();
    await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    await ui.locator(`#style-grid button[title^="${HARNESS.styles[0][0]}"]`).click();
    await ui.locator('#apply:not([disabled])').waitFor();
    await shot(light, 'plugin-idle.png');
    await ui.locator('#apply').click();
    await ui.locator('#preview:not([hidden])').waitFor({ timeout: 300_000 });
    await ui.locator('#progress-detail', { hasText: /Pass 2 of \d/ }).waitFor({ timeout: 300_000 });
    await light.waitForTimeout(300);
    await shot(light, 'plugin-progress.png');
    await ui.locator('#done-section').waitFor({ state: 'visible', timeout: 300_000 });
    await light.waitForTimeout(400);
    await shot(light, 'plugin-done.png');
    const token = await light.evaluate(() => (window as unknown as { harness: { key(): string | null } }).harness.key());

    // Dark theme, already paired: the other style, in progress and done.
    const dark = await browser.newPage({ viewport: { width: 1180, height: 700 } });
    await dark.goto(base + query({ theme: 'dark', key: token ?? '' }));
    const darkUi = dark.frameLocator('#plugin');
    await darkUi.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 15_000 });
    await darkUi.locator(`#style-grid button[title^="${HARNESS.styles[1][0]}"]`).click();
    await darkUi.locator('#apply:not([disabled])').waitFor();
    await darkUi.locator('#apply').click();
    await darkUi.locator('#progress-detail', { hasText: /Pass 2 of \d/ }).waitFor({ timeout: 300_000 });
    await darkUi.locator('#preview:not([hidden])').waitFor({ timeout: 300_000 });
    await dark.waitForTimeout(300);
    await shot(dark, 'plugin-progress-dark.png');
    await darkUi.locator('#done-section').waitFor({ state: 'visible', timeout: 300_000 });
    await dark.waitForTimeout(400);
    await shot(dark, 'plugin-done-dark.png');
  } finally {
    await browser.close();
    await daemon.close();
    engine.dispose();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await rm(work, { recursive: true, force: true });
  }
}

/** One row per pair: content, style, result, each GALLERY_SIDE px high, on white. */
/** A row's tiles side by side at GALLERY_SIDE high, 8 px apart. */
async function galleryRowAsync(tiles: Array<string | Buffer>): Promise<Buffer> {
  const scaled = await Promise.all(tiles.map((t) => sharp(t).resize({ height: GALLERY_SIDE }).png().toBuffer({ resolveWithObject: true })));
  const gap = 8;
  const width = scaled.reduce((w, t) => w + t.info.width, 0) + gap * (scaled.length - 1);
  let left = 0;
  const composite = scaled.map((t) => {
    const placed = { input: t.data, left, top: 0 };
    left += t.info.width + gap;
    return placed;
  });
  return sharp({ create: { width, height: GALLERY_SIDE, channels: 3, background: '#ffffff' } }).composite(composite).png().toBuffer();
}

/**
 * The regions row: tubingen with The Scream on its left REGION_SPLIT and Starry Night on the
 * rest (`--region`), beside a picture of which style goes where (each style cut to its region).
 */
const REGION_SPLIT = 0.55;
async function regionsRowAsync(work: string, stylize: (args: string[]) => Promise<void>): Promise<Buffer> {
  const content = join(SHARED_IMAGES_DIR, 'content/tubingen.jpg');
  const { width = 1, height = 1 } = await sharp(content).metadata();
  const split = Math.round(width * REGION_SPLIT);
  const half = async (file: string, left: boolean): Promise<string> => {
    const data = Buffer.alloc(width * height);
    for (let y = 0; y < height; y++) data.fill(255, y * width + (left ? 0 : split), y * width + (left ? split : width));
    const path = join(work, file);
    await sharp(data, { raw: { width, height, channels: 1 } }).png().toFile(path);
    return path;
  };
  const [leftMask, rightMask] = await Promise.all([half('left.png', true), half('right.png', false)]);
  const scream = join(SHARED_IMAGES_DIR, 'style/the_scream.jpg');
  const starry = join(SHARED_IMAGES_DIR, 'style/starry_night.jpg');
  const out = join(work, 'tubingen-regions.png');
  await stylize([content, '--region', `${scream}:${leftMask}`, '--region', `${starry}:${rightMask}`, '-o', out]);
  const cover = (style: string, w: number) => sharp(style).resize({ width: w, height, fit: 'cover' }).png().toBuffer();
  const legend = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: await cover(scream, split), left: 0, top: 0 },
      { input: await cover(starry, width - split), left: split, top: 0 },
    ])
    .png()
    .toBuffer();
  return galleryRowAsync([content, legend, out]);
}

async function galleryAsync(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'atelier-gallery-'));
  const run = promisify(execFile);
  const stylize = async (args: string[]): Promise<void> => {
    const started = Date.now();
    await run(process.execPath, [join(root, 'bin/atelier.js'), 'stylize', ...args, '--weights', REAL_WEIGHTS_DIR, '--max-side', String(GALLERY_SIDE)], { maxBuffer: 16 * 1024 * 1024 });
    console.log(`[docs] ${basename(args[args.indexOf('-o') + 1]!)}: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  };
  try {
    const rows: Buffer[] = [];
    for (const [content, style] of GALLERY) {
      const out = join(work, `${basename(content)}-${basename(style)}.png`);
      await stylize([join(SHARED_IMAGES_DIR, content), join(SHARED_IMAGES_DIR, style), '-o', out]);
      rows.push(await galleryRowAsync([join(SHARED_IMAGES_DIR, content), join(SHARED_IMAGES_DIR, style), out]));
    }
    rows.push(await regionsRowAsync(work, stylize));
    const metas = await Promise.all(rows.map((r) => sharp(r).metadata()));
    const width = Math.max(...metas.map((m) => m.width ?? 0));
    const gap = 8;
    const height = rows.length * GALLERY_SIDE + (rows.length - 1) * gap;
    await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
      .composite(rows.map((input, i) => ({ input, left: 0, top: i * (GALLERY_SIDE + gap) })))
      // JPEG: photos and paintings; a PNG of the same is ten times larger in the repository.
      .jpeg({ quality: 85, mozjpeg: true })
      .toFile(join(docs, 'gallery.jpg'));
    console.log('[docs] gallery.jpg');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

if (skipWithoutSharedWeights) {
  console.error(`[docs] ${skipWithoutSharedWeights}; the docs pictures are made with the real weights only.`);
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`[docs] no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(1);
}
await mkdir(docs, { recursive: true });
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
if (only !== 'gallery') await harnessShotsAsync();
if (only !== 'harness') await galleryAsync();
