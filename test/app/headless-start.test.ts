import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../../protocol/index.ts';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { writeKerasVgg19H5Async } from '../weights-download/keras-h5-fixture.ts';
import { serveWeightsAsync } from '../weights-download/weights-http-server.ts';
import { spawnDaemon } from './spawn-daemon.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-app-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Opens a connection and returns a reader of its JSON text messages, in order. */
async function connectAsync(url: string): Promise<{ ws: WebSocket; nextAsync(): Promise<Record<string, unknown>> }> {
  const ws = new WebSocket(url);
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    ws,
    nextAsync: () =>
      new Promise((resolve, reject) => {
        const queued = queue.shift();
        if (queued) return resolve(queued);
        const timer = setTimeout(() => reject(new Error('no message from the daemon in 10 s')), 10_000);
        waiting.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      }),
  };
}

const hello = (token?: string): string =>
  JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'atelier-test', version: '1.0.0' }, ...(token ? { token } : {}) });

test('headless start prints the pairing code, pairs a client, refuses a second instance, and stops on SIGTERM', async () => {
  const weights = join(root, 'weights');
  await writeRandomWeightsAsync(weights, { seed: 5 });
  const env = {
    XDG_CONFIG_HOME: join(root, 'config'),
    XDG_CACHE_HOME: join(root, 'cache'),
    ATELIER_WEIGHTS: weights,
  };
  const daemon = spawnDaemon(['--headless', '--port', '0'], env);
  try {
    const [, url] = await daemon.waitForAsync(/Listening on (ws:\/\/127\.0\.0\.1:\d+)/);
    const [, code] = await daemon.waitForAsync(/Pairing code: (\d{6})/);
    assert.match(daemon.stdout(), new RegExp(`Weights: ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    const first = await connectAsync(url);
    first.ws.send(hello());
    const welcome = await first.nextAsync();
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.paired, false);
    first.ws.send(JSON.stringify({ type: 'pair', code }));
    const paired = await first.nextAsync();
    assert.equal(paired.type, 'paired', JSON.stringify(paired));
    assert.equal(typeof paired.token, 'string');
    first.ws.close();

    // The token outlives the connection: a new one says hello with it and is paired at once.
    const second = await connectAsync(url);
    second.ws.send(hello(String(paired.token)));
    const welcomeBack = await second.nextAsync();
    assert.equal(welcomeBack.type, 'welcome');
    assert.equal(welcomeBack.paired, true);
    second.ws.close();

    // The used code is gone; the daemon printed the next one.
    const [, nextCode] = await daemon.waitForAsync(/Pairing code: (\d{6})[\s\S]*Pairing code: (\d{6})/).then((m) => [m[0], m[2]]);
    assert.notEqual(nextCode, code);

    const again = spawnDaemon(['--headless', '--port', '0'], env);
    assert.equal(await again.exitedAsync(), 0, again.stderr());
    assert.match(again.stdout(), new RegExp(`already running \\(pid ${daemon.child.pid}\\) at ${url.replace(/[.]/g, '\\.')}`));

    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exitedAsync(), 0, daemon.stderr());
    assert.match(daemon.stdout(), /Stopping Atelier/);
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  }
});

test('first run without weights downloads the Keras file from ATELIER_WEIGHTS_URL, converts it and starts', async () => {
  const h5 = join(root, 'notop.h5');
  await writeKerasVgg19H5Async(h5, { seed: 11 });
  const bytes = new Uint8Array(await readFile(h5));
  const server = await serveWeightsAsync(bytes);
  const cache = join(root, 'cache-first-run');
  const daemon = spawnDaemon(['--headless', '--port', '0'], {
    XDG_CONFIG_HOME: join(root, 'config-first-run'),
    XDG_CACHE_HOME: cache,
    ATELIER_WEIGHTS: undefined,
    ATELIER_WEIGHTS_URL: server.url,
    ATELIER_WEIGHTS_SHA256: createHash('sha256').update(bytes).digest('hex'),
  });
  try {
    await daemon.waitForAsync(/Pairing code: \d{6}/);
    const out = daemon.stdout();
    assert.match(out, /Downloading weights 100%/);
    assert.match(out, /Checking the downloaded weights/);
    assert.match(out, /Converting the weights/);
    assert.match(out, new RegExp(`Weights: ${server.url.replace(/[.]/g, '\\.')}`));
    assert.deepEqual(
      (await readdir(join(cache, 'atelier'))).filter((f) => f.endsWith('.h5') || f.endsWith('.part')),
      [],
      'the download is converted and removed',
    );
    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exitedAsync(), 0, daemon.stderr());
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
    await server.closeAsync();
  }
});
