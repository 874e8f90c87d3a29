import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpsServer, globalAgent, get } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { Redis } from 'ioredis';
import type { StoredKey } from '../../client/index.ts';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { PROTOCOL_VERSION, TEAM_INVITE_CAPABILITY } from '../../protocol/index.ts';
import { NO_WORKER_SENTENCE } from '../../daemon/team/bull-runner.ts';
import { FrontDoorError, startFrontDoorAsync, type FrontDoor } from '../../daemon/team/front-door.ts';
import { TEAM_PAIRING_SENTENCES, createInviteAsync, listInvitesAsync } from '../../daemon/team/invites.ts';
import { frontDoorRedis } from '../../daemon/team/redis-connection.ts';
import { ServerSecret } from '../../daemon/team/server-secret.ts';
import { listDesignersAsync, revokeDesignerAsync } from '../../daemon/team/team-keys.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { IdleRunner, opensslMissing, selfSignedAsync, startTestPlugin, type TestPlugin } from './front-door-support.ts';

const skip = redisMissing() ?? opensslMissing() ?? false;
let server: TestRedis;
let dir: string;
let redis: Redis;
let door: FrontDoor;
const runner = new IdleRunner();
const logger = createMemoryLogger();
const secret = ServerSecret.fromBytes(randomBytes(32));
const prefix = `fd:${randomBytes(3).toString('hex')}:`;
let pageFile: string;
let ca: Buffer;
let tlsFiles: { cert: Buffer; key: Buffer };

before(async () => {
  if (skip) return;
  dir = await mkdtemp(join(tmpdir(), 'atelier-front-door-'));
  server = await startRedisAsync();
  const tls = await selfSignedAsync(dir);
  // The plugin's machine trusts the studio's certificate, as an admin installs it.
  ca = tls.cert;
  tlsFiles = tls;
  globalAgent.options.ca = [tls.cert];
  pageFile = join(dir, 'page.html');
  await writeFile(pageFile, '<!doctype html><title>Atelier</title><script>1</script>');
  redis = frontDoorRedis(server.url, logger, 'test');
  door = await startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner, host: '127.0.0.1', port: 0, tls, publicHosts: ['localhost'], version: '0.1.0-test', logger, photopeaPageFile: pageFile, runnerPollMs: 100 });
});
after(async () => {
  await door?.closeAsync();
  redis?.disconnect();
  await server?.stopAsync();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The upgrade's HTTP status (101 when it opened; -1 when no HTTP answer came, e.g. plain ws on a TLS port). */
function upgradeStatusAsync(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, ca });
    ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(-1));
  });
}

/** A fresh plugin pairs with a new invite for `name` on `port`; returns its stored key. */
async function pairWithInviteAsync(name: string, port = door.port): Promise<StoredKey> {
  const invite = await createInviteAsync(redis, secret, name, { prefix });
  const fresh = plugin(null, port);
  await fresh.untilAsync((s) => s.kind === 'pairing-needed', `${name}: the pairing panel`);
  fresh.client.pair(invite.code);
  // Paired: ready, or setting up while the server has no worker.
  await fresh.untilAsync((s) => s.kind === 'ready' || s.kind === 'setting-up', `${name}: paired`);
  fresh.client.stop();
  return fresh.saved.at(-1)!;
}

/** The real plugin client on wss://localhost:PORT (the front door's, or a proxy's). */
function plugin(key: StoredKey | null, port = door.port): TestPlugin {
  return startTestPlugin(`wss://localhost:${port}`, key, ca);
}

test('a designer pairs over wss:// with an invite (once), reconnects with the key, and a revoke closes them (4002) and drops their jobs', { skip }, async () => {
  const invite = await createInviteAsync(redis, secret, 'Ana', { prefix });
  const ana = plugin(null);
  await ana.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
  assert.ok(ana.client.pair(invite.code));
  await ana.untilAsync((s) => s.kind === 'ready', 'ready after pairing');
  const key = ana.saved.at(-1);
  assert.ok(key, 'the plugin stored its key');
  const [designer] = await listDesignersAsync(redis, prefix);
  assert.deepEqual([designer?.name, designer?.keyId], ['Ana', key.keyId]);
  assert.deepEqual(await listInvitesAsync(redis, prefix), [], 'the invite is used up');

  // Another plugin with the same code: the invite is gone.
  const late = plugin(null);
  await late.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
  late.client.pair(invite.code);
  const refused = await late.untilAsync((s) => s.kind === 'pairing-needed' && s.error !== null, 'a refusal');
  assert.match(refused.kind === 'pairing-needed' ? (refused.error ?? '') : '', new RegExp(`No invite starts with ${invite.slot}`));
  late.client.stop();

  // The next session proves the key (the server first) and is ready without a code.
  ana.client.stop();
  const again = plugin(key);
  await again.untilAsync((s) => s.kind === 'ready', 'ready with the stored key');
  const submitted = await runner.submitAsync({ owner: key.keyId } as Parameters<IdleRunner['submitAsync']>[0]);
  assert.ok(submitted.ok);

  await revokeDesignerAsync(redis, 'Ana', prefix);
  await again.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel after the revoke');
  assert.ok(again.closes.includes(4002), `closed with 4002 (got ${again.closes.join(', ')})`);
  assert.deepEqual(again.saved.at(-1), null, 'the plugin forgot the revoked key (the server had proven it)');
  assert.ok(runner.revoked.includes(key.keyId), 'the runner dropped their jobs');
  assert.equal(runner.jobsOf(key.keyId), 0);
  again.client.stop();
});

test('a wrong invite code costs one guess and the plugin is told; the right code then still pairs', { skip }, async () => {
  const invite = await createInviteAsync(redis, secret, 'Bo', { prefix });
  const bo = plugin(null);
  await bo.untilAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
  const wrong = `${invite.slot}${invite.code.slice(2) === '000000' ? '000001' : '000000'}`;
  bo.client.pair(wrong);
  await bo.untilAsync((s) => s.kind === 'pairing-needed' && s.error !== null, 'the wrong-code sentence');
  assert.equal((await listInvitesAsync(redis, prefix)).find((i) => i.slot === invite.slot)?.guesses, 1);
  bo.client.pair(invite.code);
  await bo.untilAsync((s) => s.kind === 'ready', 'ready');
  bo.client.stop();
});

test('the Photopea page is served over https on the public name, connecting only to its own wss: origin', { skip }, async () => {
  const response = await new Promise<{ status: number; csp: string; body: string }>((resolve, reject) => {
    get(`https://localhost:${door.port}/photopea/`, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, csp: String(res.headers['content-security-policy'] ?? ''), body }));
    }).on('error', reject);
  });
  assert.equal(response.status, 200);
  assert.match(response.body, /<title>Atelier<\/title>/);
  assert.match(response.csp, /connect-src 'self'(;|$)/);
  assert.match(response.csp, /frame-ancestors https:\/\/www\.photopea\.com https:\/\/photopea\.com/);
  // A Host that is not a public name (DNS rebinding, a guessed IP) is refused.
  const status = await new Promise<number>((resolve, reject) => {
    get({ host: '127.0.0.1', port: door.port, path: '/photopea/', servername: 'localhost', headers: { host: `evil.example:${door.port}` } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
  assert.equal(status, 403);
});

test('the WebSocket refuses a Host that is not one of the public names, and plain ws:// is not spoken on the TLS port', { skip }, async () => {
  assert.equal(await upgradeStatusAsync(`wss://127.0.0.1:${door.port}`, { host: 'attacker.example' }), 403);
  // The Photopea panel this server serves (its own https origin, on the port really bound with
  // port 0) may open the WebSocket; another https origin may not.
  assert.equal(await upgradeStatusAsync(`wss://localhost:${door.port}`, { origin: `https://localhost:${door.port}` }), 101);
  assert.equal(await upgradeStatusAsync(`wss://localhost:${door.port}`, { origin: 'https://evil.example' }), 403);
  assert.equal(await upgradeStatusAsync(`ws://localhost:${door.port}`), -1, 'no plain HTTP on the TLS port');
});

test('without TLS the front door listens only on loopback, and says so', { skip }, async () => {
  await assert.rejects(
    startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner: new IdleRunner(), host: '0.0.0.0', port: 0, tls: null, publicHosts: ['studio.example'], version: '0', logger }),
    (error: unknown) => error instanceof FrontDoorError && error.code === 'plain_not_loopback' && /--tls-cert FILE --tls-key FILE/.test(error.message),
  );
  await assert.rejects(
    startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner: new IdleRunner(), host: '192.0.2.1', port: 0, tls: { cert: 'x', key: 'y' }, publicHosts: [], version: '0', logger }),
    (error: unknown) => error instanceof FrontDoorError && error.code === 'no_public_host',
  );
});

/**
 * A reverse proxy that terminates TLS and passes WebSocket upgrades on to a loopback front door,
 * its headers as they came (Caddy's reverse_proxy default; nginx with `Host $http_host`), or with
 * Host replaced by the upstream's address (nginx's default `proxy_set_header Host $proxy_host`).
 */
async function proxyAsync(upstreamPortOf: () => number, rewriteHost: boolean): Promise<{ port: number; close(): void }> {
  const proxy = createHttpsServer({ cert: tlsFiles.cert, key: tlsFiles.key }, (_request, response) => response.writeHead(502).end());
  proxy.on('upgrade', (request, socket, head) => {
    const upstreamPort = upstreamPortOf();
    const upstream = connect(upstreamPort, '127.0.0.1', () => {
      const lines = [`${request.method} ${request.url} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        const name = request.rawHeaders[i]!;
        lines.push(`${name}: ${rewriteHost && name.toLowerCase() === 'host' ? `127.0.0.1:${upstreamPort}` : request.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return { port: (proxy.address() as AddressInfo).port, close: () => proxy.close() };
}

test('behind a TLS-terminating reverse proxy (plain ws:// on loopback) a designer pairs and reconnects; a proxy that rewrites Host is refused', { skip }, async () => {
  let upstreamPort = 0;
  const proxy = await proxyAsync(() => upstreamPort, false);
  // The public port is the proxy's, as --public-port says.
  const door2 = await startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner: new IdleRunner(), host: '127.0.0.1', port: 0, tls: null, publicHosts: ['localhost'], publicPort: proxy.port, version: '0.1.0-test', logger });
  upstreamPort = door2.port;
  try {
    assert.match(door2.url, /^ws:\/\/127\.0\.0\.1:/);
    const key = await pairWithInviteAsync('Flo', proxy.port);
    const again = plugin(key, proxy.port);
    await again.untilAsync((s) => s.kind === 'ready', 'ready with the key through the proxy');
    again.client.stop();

    const rewriting = await proxyAsync(() => door2.port, true);
    assert.equal(await upgradeStatusAsync(`wss://localhost:${rewriting.port}`), 403, 'the Host a designer dialed must reach the front door (deploy/nginx.conf: Host $http_host)');
    rewriting.close();
  } finally {
    proxy.close();
    await door2.closeAsync();
  }
});

test('two front doors on one Redis serve the same designers: paired at one, proven at the other at once (the pairing is published)', { skip }, async () => {
  const other = await startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner: new IdleRunner(), host: '127.0.0.1', port: 0, tls: { cert: tlsFiles.cert, key: tlsFiles.key }, publicHosts: ['localhost'], version: '0.1.0-test', logger, runnerPollMs: 100 });
  try {
    const key = await pairWithInviteAsync('Gia');
    const there = plugin(key, other.port);
    await there.untilAsync((s) => s.kind === 'ready', 'ready at the second door with the same key');
    there.client.stop();
  } finally {
    await other.closeAsync();
  }
});

test('the team server speaks of invites, not of a tray menu: its unpaired welcome lists team-invite, a request before pairing and an unknown key get the team sentences', { skip }, async () => {
  const exchange = (hello: Record<string, unknown>, then: Record<string, unknown> | null) =>
    new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
      const ws = new WebSocket(`wss://localhost:${door.port}`, { ca, headers: { origin: 'null' } });
      const seen: Array<Record<string, unknown>> = [];
      ws.on('open', () => ws.send(JSON.stringify(hello)));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as Record<string, unknown>;
        seen.push(message);
        if (message.type === 'welcome' && then) ws.send(JSON.stringify(then));
        if (message.type === 'error') {
          ws.close();
          resolve(seen);
        }
      });
      ws.on('error', reject);
    });
  const hello = { type: 'hello', protocol: PROTOCOL_VERSION, client: { name: 'atelier-figma', version: '0.1.0' } };
  const early = await exchange(hello, { type: 'cancel', jobId: 'job-1' });
  const welcome = early.find((m) => m.type === 'welcome')!;
  assert.ok((welcome.capabilities as string[]).includes(TEAM_INVITE_CAPABILITY), 'plugins send pair.invite to this server');
  assert.deepEqual(early.at(-1), { type: 'error', code: 'not-paired', message: TEAM_PAIRING_SENTENCES.notPaired });
  const stranger = await exchange({ ...hello, auth: { keyId: '0badc0ffee000000', nonce: randomBytes(32).toString('hex') } }, null);
  assert.equal(stranger.at(-1)?.code, 'bad-token');
  assert.equal(stranger.at(-1)?.message, TEAM_PAIRING_SENTENCES.unknownKey);
});

test('no GPU worker: a paired plugin sees the team server setting up (its sentence), then ready when a worker comes', { skip }, async () => {
  const runner = new IdleRunner(null);
  const idle = await startFrontDoorAsync({ redisUrl: server.url, prefix, secret, runner, host: '127.0.0.1', port: 0, tls: { cert: tlsFiles.cert, key: tlsFiles.key }, publicHosts: ['localhost'], version: '0.1.0-test', logger, runnerPollMs: 50 });
  try {
    const key = await pairWithInviteAsync('Hal', idle.port);
    const hal = plugin(key, idle.port);
    const waiting = await hal.untilAsync((s) => s.kind === 'setting-up', 'setting up while no worker runs');
    assert.equal(waiting.kind === 'setting-up' ? waiting.setup.message : '', NO_WORKER_SENTENCE);
    runner.workerInfo = { engine: 'onnx', backend: 'cuda', device: 'gpu-0', convention: 'caffe' };
    const ready = await hal.untilAsync((s) => s.kind === 'ready', 'ready once a worker runs');
    assert.equal(ready.kind === 'ready' ? ready.welcome.engine?.device : null, 'gpu-0');
    hal.client.stop();
  } finally {
    await idle.closeAsync();
  }
});
