/**
 * Issue 14's hostile run: a sandboxed iframe in headless Chromium (Origin "null", as Figma's
 * plugin frame) tries to lock the designer out and to pass as a paired plugin, against the real
 * plugin UI in the browser harness (test/plugin/browser/) and a real daemon; then a local
 * program takes the daemon's port and tries to pass as the daemon to the paired plugin.
 *   node --import tsx scripts/hostile-iframe.ts [tries=5] [holders=16] [guessers=4] [impersonators=2] [fresh=0]
 * (`fresh`: sockets that each make one guess, holding their slot as long as that allows.)
 * Prints (and writes to .tmp/hostile-iframe.json) whether the paired plugin connected, whether
 * the designer could pair a new one, and what the page and the impostor learned.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { WebSocketServer } from 'ws';
import { createEngineAsync, writeRandomWeightsAsync } from '../daemon/engine/index.ts';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../daemon/server/index.ts';
import { buildPluginAsync } from '../plugin/index.ts';
import { PROTOCOL_VERSION } from '../protocol/index.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const [tries = 5, holders = 16, guessers = 4, impersonators = 2, fresh = 0] = process.argv.slice(2).map(Number);
const here = fileURLToPath(new URL('.', import.meta.url));
const harnessDir = join(here, '..', 'test', 'plugin', 'browser');

const work = await mkdtemp(join(tmpdir(), 'atelier-hostile-'));
const built = await buildPluginAsync({ outDir: join(work, 'dist') });
const bundle = async (entry: string): Promise<string> =>
  (await esbuild.build({ entryPoints: [entry], bundle: true, format: 'iife', target: 'es2020', platform: 'browser', write: false, logLevel: 'warning' })).outputFiles[0]!.text;
const files: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html', body: await readFile(join(harnessDir, 'harness.html'), 'utf8') },
  '/harness.js': { type: 'text/javascript', body: await bundle(join(harnessDir, 'harness-page.ts')) },
  '/code.js': { type: 'text/javascript', body: await readFile(built.code, 'utf8') },
  '/ui.html': { type: 'text/html', body: await readFile(built.ui, 'utf8') },
  '/hostile.js': { type: 'text/javascript', body: await bundle(join(here, 'hostile', 'hostile-page.ts')) },
};
const http: Server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  if (path === '/attacker.html') {
    // The hostile page: a sandboxed iframe, so its sockets carry Origin "null" like the plugin's.
    const port = new URL(request.url ?? '/', 'http://x').searchParams.get('port');
    const src = `<script>HOSTILE_PARAMS="port=${Number(port)}&holders=${holders}&guessers=${guessers}&impersonators=${impersonators}&fresh=${fresh}"</script><script src="http://127.0.0.1:${(http.address() as AddressInfo).port}/hostile.js"></script>`;
    response.writeHead(200, { 'content-type': 'text/html' }).end(`<!doctype html><iframe id="evil" sandbox="allow-scripts" srcdoc='${src}'></iframe>`);
    return;
  }
  const file = files[path];
  if (!file) return void response.writeHead(404).end();
  response.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' }).end(file.body);
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

await writeRandomWeightsAsync(join(work, 'weights'), { seed: 1 });
const engine = await createEngineAsync({ weightsDir: join(work, 'weights'), backend: 'cpu' });
const configDir = join(work, 'config');
const logger = createMemoryLogger();
// Real limits: 20 pairing checks a second, 8 unpaired connections, 1-minute idle close.
let daemon: DaemonServer = await startDaemonServerAsync({ port: 0, configDir, engine, logger, pairingOpenAtStart: false });
const port = daemon.port;
const browser: Browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const seconds = (since: number): number => Number(((performance.now() - since) / 1000).toFixed(1));

async function pluginPage(key: string | null): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1180, height: 700 } });
  await page.goto(`${base}/?port=${port}&iterations=5${key ? `&key=${encodeURIComponent(key)}` : ''}`);
  return page;
}
const statusText = async (page: Page): Promise<string> => (await page.frameLocator('#plugin').locator('#status-text').textContent()) ?? '';

/** The designer opens pairing and types the code into a plugin that has no key; true when it connects. */
async function designerPairsAsync(page: Page): Promise<{ paired: boolean; seconds: number; errors: string[] }> {
  const ui = page.frameLocator('#plugin');
  const started = performance.now();
  const errors: string[] = [];
  daemon.openPairing();
  for (let attempt = 0; attempt < 3; attempt++) {
    const panel = await ui.locator('#panel-pairing').waitFor({ state: 'visible', timeout: 30_000 }).then(() => true, () => false);
    if (!panel) {
      // No unpaired slot came free for this plugin: it shows what the designer would see.
      errors.push(`no pairing panel in 30 s; the plugin showed "${await statusText(page)}"`);
      continue;
    }
    const code = daemon.pairingCode();
    if (!code) {
      // The window was used meanwhile (an attempt that paired but did not show it in time).
      errors.push('the pairing window was closed (used) when the designer typed');
      daemon.openPairing();
      continue;
    }
    await ui.locator('#pair-code').fill(code);
    await ui.locator('#pair-submit').click();
    const outcome = await Promise.race([
      ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 30_000 }).then(() => 'connected'),
      ui.locator('#pair-error:not([hidden])').waitFor({ timeout: 30_000 }).then(async () => (await ui.locator('#pair-error').textContent()) ?? 'error'),
    ]).catch((e: unknown) => `timeout: ${String(e).slice(0, 80)}`);
    if (outcome === 'connected') return { paired: true, seconds: seconds(started), errors };
    errors.push(outcome);
  }
  return { paired: false, seconds: seconds(started), errors };
}

const figures: Record<string, unknown> = { port, tries, holders, guessers, impersonators, fresh };
try {
  // 1. The designer pairs the plugin (no hostile page yet).
  const first = await pluginPage(null);
  figures.firstPairing = await designerPairsAsync(first);
  const key = await first.evaluate(() => (window as unknown as { harness: { key(): string | null } }).harness.key());
  if (!key) throw new Error('the plugin stored no key');
  await first.close();

  // 2. The hostile page starts and keeps at it for the rest of phase A. Pairing is open from
  //    now on (the designer opened it a while ago), so the page's guesses are checked all along.
  daemon.openPairing();
  const attacker = await browser.newPage();
  await attacker.goto(`${base}/attacker.html?port=${port}`);
  const evil = () => attacker.frames().find((f) => f !== attacker.mainFrame())!;
  const learned = async (): Promise<Record<string, unknown>> => (await evil().evaluate(() => (globalThis as unknown as { learned: Record<string, unknown> }).learned)) ?? {};
  const warmup = performance.now();
  while (Number((await learned().catch(() => ({ opened: 0 }))).opened ?? 0) < 24 && seconds(warmup) < 20) await new Promise((r) => setTimeout(r, 250));
  figures.hostileWarmup = await learned();

  // 3. The paired plugin opens, `tries` times, while the page holds sockets and guesses codes.
  const connects: Array<{ connected: boolean; seconds: number; status: string }> = [];
  for (let i = 0; i < tries; i++) {
    const started = performance.now();
    const page = await pluginPage(key);
    const connected = await page.frameLocator('#plugin').locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 20_000 }).then(() => true, () => false);
    connects.push({ connected, seconds: seconds(started), status: await statusText(page) });
    await page.close();
  }
  figures.pairedPluginConnects = connects;

  // 4. The designer pairs a second plugin while the page is at it.
  figures.wrongCodesBeforeTheDesignerTyped = daemon.pairing().failures;
  const second = await pluginPage(null);
  figures.designerPairsDuringAttack = await designerPairsAsync(second);
  figures.windowWrongCodes = daemon.pairing().failures;
  await second.close();
  figures.hostileLearned = await learned();
  await attacker.close();

  // 5. A local program takes the daemon's port (the daemon has stopped) and answers the paired
  //    plugin: a made-up proof, then a bare "paired" welcome.
  await daemon.close();
  const impostorRuns: Record<string, unknown>[] = [];
  for (const mode of ['fake-proof', 'claims-paired'] as const) {
    const seen: string[] = [];
    let connections = 0;
    const servers = ['127.0.0.1', '::1'].map((host) => new WebSocketServer({ host, port }));
    for (const wss of servers) {
      wss.on('error', () => undefined);
      wss.on('connection', (socket) => {
        connections += 1;
        socket.on('message', (data: Buffer) => {
          seen.push(data.toString('utf8').slice(0, 300));
          const message = JSON.parse(data.toString('utf8')) as { type: string };
          if (message.type !== 'hello') return;
          if (mode === 'fake-proof') socket.send(JSON.stringify({ type: 'auth-challenge', nonce: '5a'.repeat(32), proof: 'a5'.repeat(32) }));
          else socket.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, daemon: { name: 'atelier', version: '0.1.0' }, engine: { engine: 'x', backend: 'cpu', device: 'cpu', convention: 'caffe' }, capabilities: [], presets: ['classic'], limits: { maxOutputSide: 4096, maxInputSide: 4096, maxInputPixels: 16777216, maxImageBytes: 1, maxContentImages: 1, maxStyleImages: 1, maxPayloadBytes: 1, maxQueuedJobs: 1 }, paired: true }));
        });
      });
    }
    const page = await pluginPage(key);
    const ui = page.frameLocator('#plugin');
    const shown = await ui.locator('#panel-impostor').waitFor({ state: 'visible', timeout: 20_000 }).then(() => true, () => false);
    const text = shown ? `${await ui.locator('#impostor-title').textContent()} — ${await ui.locator('#impostor-text').textContent()}` : await statusText(page);
    await new Promise((r) => setTimeout(r, 3000));
    impostorRuns.push({
      mode,
      impostorPanelShown: shown,
      text,
      messagesTheImpostorGot: seen.map((s) => (JSON.parse(s) as { type: string }).type),
      keyInAnyFrame: seen.some((s) => s.includes(JSON.parse(key).key)),
      connectionsIn3sAfter: connections,
    });
    for (const wss of servers) await new Promise((r) => wss.close(r));
    if (mode === 'claims-paired') {
      // The real daemon is back on its port; the designer chooses Retry.
      daemon = await startDaemonServerAsync({ port, configDir, engine, logger, pairingOpenAtStart: false });
      await ui.locator('#impostor-retry').click();
      impostorRuns.push({ afterRetryWithRealDaemon: await ui.locator('#status-text', { hasText: 'Connected' }).waitFor({ timeout: 20_000 }).then(() => 'Connected', async () => statusText(page)) });
    }
    await page.close();
  }
  figures.impostorDaemon = impostorRuns;
  figures.daemonLogSecrets = logger.lines.some((l) => JSON.stringify(l).includes(JSON.parse(key).key));
} finally {
  console.log(JSON.stringify(figures, null, 2));
  await mkdir(join(here, '..', '.tmp'), { recursive: true });
  await writeFile(join(here, '..', '.tmp', 'hostile-iframe.json'), JSON.stringify(figures, null, 2) + '\n');
  await browser.close();
  await daemon.close().catch(() => undefined);
  engine.dispose();
  http.close();
  await rm(work, { recursive: true, force: true });
}
