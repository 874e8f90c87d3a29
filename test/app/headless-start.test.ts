import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { PROTOCOL_VERSION, Spake2Client, bytesToHex, equalBytes, hexToBytes, keyProof, spake2Context } from '../../protocol/index.ts';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { writeKerasVgg19H5Async } from '../weights-download/keras-h5-fixture.ts';
import { serveGatedWeightsAsync } from './gated-weights-server.ts';
import { spawnDaemon } from './spawn-daemon.ts';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-app-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

type Json = Record<string, unknown>;

/**
 * Opens a connection and returns a reader of its JSON text messages, in order: the next one,
 * or the next of a type (skipping others); `seen` keeps every message received.
 */
async function connectAsync(url: string): Promise<{ ws: WebSocket; nextAsync(): Promise<Json>; waitForAsync(type: string): Promise<Json>; seen: Json[] }> {
  const seen: Array<Record<string, unknown>> = [];
  const ws = new WebSocket(url);
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(m: Record<string, unknown>) => void> = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    seen.push(message);
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const nextAsync = (): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const queued = queue.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => reject(new Error(`no message from the daemon in 60 s; seen ${JSON.stringify(seen.slice(-3))}`)), 60_000);
      waiting.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  return {
    ws,
    seen,
    async waitForAsync(type) {
      for (;;) {
        const message = await nextAsync();
        if (message.type === type) return message;
      }
    },
    nextAsync,
  };
}

const CLIENT_NAME = 'atelier-test';
/** The code as the terminal shows it (two groups of four), as the plugin sends it: digits only. */
const shownCode = (match: RegExpMatchArray): string => match[1]!.replace(' ', '');
const hello = (auth?: { keyId: string; nonce: string }, capabilities?: string[]): string =>
  JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, client: { name: CLIENT_NAME, version: '1.0.0' }, ...(auth ? { auth } : {}), ...(capabilities ? { capabilities } : {}) });

/** SPAKE2 on the code, as the plugin pairs (the code itself never travels). */
async function pairAsync(client: Awaited<ReturnType<typeof connectAsync>>, code: string, url: string): Promise<{ keyId: string; key: Uint8Array }> {
  const spake = new Spake2Client(code, spake2Context(PROTOCOL_VERSION, CLIENT_NAME, new URL(url).host));
  client.ws.send(JSON.stringify({ type: 'pair', share: bytesToHex(spake.share) }));
  const response = await client.waitForAsync('pair-response');
  const done = spake.finish(hexToBytes(String(response.share)), hexToBytes(String(response.confirm)));
  assert.ok(done, 'the daemon confirmed the code');
  client.ws.send(JSON.stringify({ type: 'pair-confirm', confirm: bytesToHex(done.confirm) }));
  const paired = await client.waitForAsync('paired');
  return { keyId: String(paired.keyId), key: done.key };
}

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
    const code = shownCode(await daemon.waitForAsync(/Pairing code: (\d{4} \d{4})/));
    await daemon.waitForAsync(/Ready: plugins can apply styles/);
    assert.match(daemon.stdout(), new RegExp(`Weights: ${weights.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

    const first = await connectAsync(url);
    first.ws.send(hello());
    const welcome = await first.nextAsync();
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.paired, false);
    const { keyId, key } = await pairAsync(first, code!, url!);
    const done = { key };
    first.ws.close();

    // The key outlives the connection: a new one names it, the daemon proves it, then the client does.
    const second = await connectAsync(url);
    const clientNonce = randomBytes(32);
    second.ws.send(hello({ keyId, nonce: bytesToHex(clientNonce) }));
    const challenge = await second.nextAsync();
    assert.equal(challenge.type, 'auth-challenge', JSON.stringify(challenge));
    const context = { protocol: PROTOCOL_VERSION, keyId, host: new URL(url).host, clientName: CLIENT_NAME, clientNonce, daemonNonce: hexToBytes(String(challenge.nonce)) };
    assert.ok(equalBytes(keyProof(done.key, 'daemon', context), hexToBytes(String(challenge.proof))), 'the daemon proves the key');
    second.ws.send(JSON.stringify({ type: 'auth', proof: bytesToHex(keyProof(done.key, 'plugin', context)) }));
    const welcomeBack = await second.nextAsync();
    assert.equal(welcomeBack.type, 'welcome');
    assert.equal(welcomeBack.paired, true);
    second.ws.close();

    // The used code is gone and pairing closed; Enter on the terminal opens it again, with a new code.
    await daemon.waitForAsync(/Pairing closed \(a plugin paired\)\. To pair a plugin, press Enter here/);
    daemon.child.stdin.write('\n');
    const nextCode = await daemon.waitForAsync(/Pairing code: (\d{4} \d{4})[\s\S]*Pairing code: (\d{4} \d{4})/).then((m) => m[2]!.replace(' ', ''));
    assert.notEqual(nextCode, code);
    assert.ok(!(await readFile(join(env.XDG_CACHE_HOME, 'atelier', 'logs', 'daemon.log'), 'utf8')).includes(code!), 'the code is not in the log');

    const again = spawnDaemon(['--headless', '--port', '0'], env);
    assert.equal(await again.exitedAsync(), 0, again.stderr());
    assert.match(again.stdout(), new RegExp(`already running \\(pid ${daemon.child.pid}\\) at ${url.replace(/[.]/g, '\\.')}.*press Enter in the terminal`));

    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exitedAsync(), 0, daemon.stderr());
    assert.match(daemon.stdout(), /Stopping Atelier/);
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  }

  // Started again with a plugin paired (as at login): no pairing window until the designer asks.
  const restarted = spawnDaemon(['--headless', '--port', '0'], env);
  try {
    await restarted.waitForAsync(/Pairing is closed: a plugin is paired already\. To pair another plugin, press Enter here/);
    await restarted.waitForAsync(/Ready: plugins can apply styles/);
    assert.doesNotMatch(restarted.stdout(), /Pairing code:/);
    restarted.child.stdin.write('\n');
    await restarted.waitForAsync(/Pairing code: \d{4} \d{4}/);
    restarted.child.kill('SIGTERM');
    assert.equal(await restarted.exitedAsync(), 0, restarted.stderr());
  } finally {
    if (restarted.child.exitCode === null) restarted.child.kill('SIGKILL');
  }
});

test('first run: the daemon listens and pairs at once, and plugins see the download, conversion and engine start over the socket', async () => {
  const h5 = join(root, 'notop.h5');
  await writeKerasVgg19H5Async(h5, { seed: 11 });
  const bytes = new Uint8Array(await readFile(h5));
  const server = await serveGatedWeightsAsync(bytes);
  const cache = join(root, 'cache-first-run');
  const daemon = spawnDaemon(['--headless', '--port', '0'], {
    XDG_CONFIG_HOME: join(root, 'config-first-run'),
    XDG_CACHE_HOME: cache,
    ATELIER_WEIGHTS: undefined,
    ATELIER_WEIGHTS_URL: server.url,
    ATELIER_WEIGHTS_SHA256: createHash('sha256').update(bytes).digest('hex'),
  });
  try {
    // The weights host holds half the file back: everything below happens mid-download.
    const [, url] = await daemon.waitForAsync(/Listening on (ws:\/\/127\.0\.0\.1:\d+)/);
    const code = shownCode(await daemon.waitForAsync(/Pairing code: (\d{4} \d{4})/));
    const plugin = await connectAsync(url!);
    plugin.ws.send(hello(undefined, ['daemon-state']));
    const unpaired = await plugin.waitForAsync('welcome');
    assert.equal(unpaired.state, undefined, 'an unpaired client is told nothing of the daemon');
    await pairAsync(plugin, code!, url!); // pairing works before the engine exists
    const welcome = await plugin.waitForAsync('welcome');
    assert.equal(welcome.paired, true);
    assert.equal(welcome.engine, null, 'no engine while the weights download');
    const welcomeState = (welcome.state as { state: string }).state;
    assert.ok(['starting', 'downloading-weights'].includes(welcomeState), welcomeState);
    assert.doesNotMatch(daemon.stdout(), /Engine:/, 'still downloading');

    server.release();
    let ready = await plugin.waitForAsync('daemon-state');
    while (ready.state !== 'ready') ready = await plugin.waitForAsync('daemon-state');
    assert.equal(typeof (ready.engine as { backend?: unknown }).backend, 'string', 'ready carries the engine');

    const states = [welcomeState, ...plugin.seen.filter((m) => m.type === 'daemon-state').map((m) => String(m.state))];
    const distinct = states.filter((s, i) => s !== 'starting' && s !== states[i - 1]);
    assert.deepEqual(distinct, ['downloading-weights', 'verifying-weights', 'converting-weights', 'loading-engine', 'ready']);
    const downloads = plugin.seen.filter((m) => m.type === 'daemon-state' && m.state === 'downloading-weights');
    for (const m of downloads) assert.equal((m.progress as { total: number }).total, bytes.length, 'the size the host announced');

    const out = daemon.stdout();
    assert.match(out, /Downloading weights 100%/);
    assert.match(out, /Checking the downloaded weights/);
    assert.match(out, /Converting the weights/);
    assert.match(out, new RegExp(`Weights: ${server.url.replace(/[.]/g, '\\.')}`));
    assert.ok(out.indexOf('Pairing code') < out.indexOf('Downloading weights 100%'), 'the pairing code comes before the download ends');
    assert.deepEqual(
      (await readdir(join(cache, 'atelier'))).filter((f) => f.endsWith('.h5') || f.endsWith('.part')),
      [],
      'the download is converted and removed',
    );
    plugin.ws.close();
    daemon.child.kill('SIGTERM');
    assert.equal(await daemon.exitedAsync(), 0, daemon.stderr());
  } finally {
    if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
    await server.closeAsync();
  }
});
