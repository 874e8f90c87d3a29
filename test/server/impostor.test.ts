/**
 * Issue 14, defect 1: the plugin handed its token to whoever answered, and a program that
 * answered "not paired" collected the pairing code and relayed it to the real daemon. Here the
 * real daemon client (client/daemon-client.ts, on `ws` with the browser's socket behaviour)
 * meets programs on [::1] and on 127.0.0.1 that relay to the real daemon or answer themselves.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import type { Engine } from '../../daemon/engine/index.ts';
import { CLOSE_CODES } from '../../daemon/server/index.ts';
import type { StoredKey } from '../../client/index.ts';
import { RECONNECT_INITIAL_MS } from '../../client/limits.ts';
import { PROTOCOL_VERSION, bytesToHex, spake2Context, spake2Respond, hexToBytes, fixtureToFrame, type WelcomeMessage } from '../../protocol/index.ts';
import { loadValidFixtures } from '../protocol/load-fixtures.ts';
import { startPlugin } from './plugin-client.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, openPairingCode, pairedClientAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

const hasIpv6 = await new Promise<boolean>((resolve) => {
  const server: Server = createServer();
  server.once('error', () => resolve(false));
  server.listen(0, '::1', () => server.close(() => resolve(true)));
});

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine);
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

interface Impostor {
  url: string;
  /** Every frame the plugin sent it, as text (binary as hex). */
  fromPlugin: string[];
  /** Connections the plugin opened to it. */
  connections(): number;
  /** Its own upstream link to the real daemon (relay only), for it to try its luck there. */
  upstream(): TestClient | null;
  closeAsync(): Promise<void>;
}

const frameText = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): string => {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  return isBinary ? bytes.toString('hex') : bytes.toString('utf8');
};

/**
 * A program on `host` that relays the plugin to the real daemon (with a Host the daemon
 * accepts: its own address and port), recording everything, or answers itself:
 * `self` welcomes unpaired, plays the daemon's side of SPAKE2 with its own guess, and answers a
 * named key with a made-up proof; `self-paired` simply claims the plugin is paired.
 */
async function startImpostorAsync(host: string, mode: 'relay' | 'self' | 'self-paired', guess = '00000000'): Promise<Impostor> {
  const wss = new WebSocketServer({ host, port: 0, perMessageDeflate: false });
  await new Promise((resolve) => wss.once('listening', resolve));
  const port = (wss.address() as { port: number }).port;
  const fromPlugin: string[] = [];
  let connections = 0;
  let upstream: TestClient | null = null;
  const welcome = (paired: boolean): string | Uint8Array => {
    const fixture = loadValidFixtures().find(({ name }) => name === 'daemon-welcome.json')!.fixture;
    return fixtureToFrame({ ...fixture, message: { ...(fixture.message as WelcomeMessage), paired } });
  };
  wss.on('connection', (socket, request) => {
    connections += 1;
    if (mode === 'relay') {
      const queued: { data: Buffer; isBinary: boolean }[] = [];
      const daemonHost = new URL(daemon.server.url).host;
      void TestClient.connectAsync(daemon.server.url, { host: daemonHost, origin: 'null' }).then((up) => {
        upstream = up;
        up.socket.on('message', (data: Buffer, isBinary: boolean) => socket.send(data, { binary: isBinary }));
        up.socket.on('close', () => socket.close());
        for (const { data, isBinary } of queued) up.socket.send(data, { binary: isBinary });
        queued.length = 0;
      });
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        fromPlugin.push(frameText(data, isBinary));
        if (upstream && upstream.socket.readyState === WebSocket.OPEN) upstream.socket.send(data, { binary: isBinary });
        else queued.push({ data, isBinary });
      });
      return;
    }
    const clientHost = request.headers.host ?? '';
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const text = frameText(data, isBinary);
      fromPlugin.push(text);
      const message = JSON.parse(text) as { type: string; auth?: unknown; share?: string };
      if (message.type === 'hello') {
        if (mode === 'self-paired') return socket.send(welcome(true));
        if (message.auth) return socket.send(JSON.stringify({ type: 'auth-challenge', nonce: '5a'.repeat(32), proof: 'a5'.repeat(32) }));
        return socket.send(welcome(false));
      }
      if (message.type === 'pair' && message.share) {
        // The daemon's side of SPAKE2 with the impostor's one guess at the code.
        const answer = spake2Respond(guess, spake2Context(PROTOCOL_VERSION, 'atelier-figma', clientHost), hexToBytes(message.share))!;
        socket.send(JSON.stringify({ type: 'pair-response', share: bytesToHex(answer.share), confirm: bytesToHex(answer.confirm) }));
      }
    });
  });
  const display = host.includes(':') ? `[${host}]` : host;
  return {
    url: `ws://${display}:${port}`,
    fromPlugin,
    connections: () => connections,
    upstream: () => upstream,
    closeAsync: async () => {
      upstream?.close();
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

const hosts = ['::1', '127.0.0.1'] as const;

for (const host of hosts) {
  const skip = host === '::1' && !hasIpv6 ? 'no IPv6 loopback' : false;

  test(`an impostor on ${host} relaying a pairing to the real daemon learns no code, gets no key, and pairs nothing`, { skip }, async () => {
    const impostor = await startImpostorAsync(host, 'relay');
    const plugin = startPlugin(impostor.url, null);
    try {
      const code = openPairingCode(daemon.server);
      await plugin.waitForAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
      assert.equal(plugin.client.pair(code), true);
      const refused = await plugin.waitForAsync((s) => s.kind === 'pairing-needed' && s.error !== null, 'the pairing answer');
      assert.ok(refused.kind === 'pairing-needed' && /wrong/.test(refused.error!), 'the daemon\'s confirmation, relayed, does not match');
      // What the impostor saw: a hello and one SPAKE2 share; not the code, no confirmation, no key.
      assert.deepEqual(impostor.fromPlugin.map((f) => (JSON.parse(f) as { type: string }).type), ['hello', 'pair']);
      assert.ok(impostor.fromPlugin.every((f) => !f.includes(code)), 'the code never crossed the wire');
      assert.deepEqual(plugin.saved, [], 'the plugin stored no key');
      // Its own link to the daemon, which carried the exchange, is not paired.
      const upstream = impostor.upstream()!;
      upstream.send({ type: 'get-status' });
      assert.equal((await upstream.waitForAsync('error', (m) => m.code === 'not-paired')).message.code, 'not-paired');
      assert.equal(upstream.messages().some((m) => m.type === 'paired'), false);
      assert.equal(daemon.server.pairingCode(), code, 'the code is not burnt: the designer can still pair');
    } finally {
      plugin.client.stop();
      await impostor.closeAsync();
    }
    // The relayed exchange counts as one guess once it is over, and the window still pairs.
    const deadline = Date.now() + 10_000;
    while (daemon.server.pairing().failures < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(daemon.server.pairing().failures, 1, 'one online guess, counted by the window');
    const { client } = await pairedClientAsync(daemon.server);
    client.close();
  });

  test(`an impostor on ${host} answering itself gets one guess: a wrong one gets no confirmation and no code`, { skip }, async () => {
    const impostor = await startImpostorAsync(host, 'self', '00000000');
    const plugin = startPlugin(impostor.url, null);
    try {
      await plugin.waitForAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
      plugin.client.pair('428913');
      await plugin.waitForAsync((s) => s.kind === 'pairing-needed' && s.error !== null, 'the pairing answer');
      assert.deepEqual(impostor.fromPlugin.map((f) => (JSON.parse(f) as { type: string }).type), ['hello', 'pair']);
      assert.ok(impostor.fromPlugin.every((f) => !f.includes('428913')));
      assert.deepEqual(plugin.saved, []);
    } finally {
      plugin.client.stop();
      await impostor.closeAsync();
    }
  });

  test(`a paired plugin reaching an impostor on ${host} shows "not your Atelier app", sends no proof and does not retry on its own`, { skip }, async () => {
    const { client: first, key } = await pairedClientAsync(daemon.server);
    first.close();
    for (const mode of ['relay', 'self', 'self-paired'] as const) {
      const impostor = await startImpostorAsync(host, mode);
      const plugin = startPlugin(impostor.url, key);
      try {
        const state = await plugin.waitForAsync((s) => s.kind === 'impostor', `${mode}: the impostor panel`);
        assert.ok(state.kind === 'impostor' && /could not prove it is the Atelier app/.test(state.message));
        const sent = impostor.fromPlugin.map((f) => JSON.parse(f) as { type: string; auth?: { keyId: string; nonce: string } });
        assert.deepEqual(sent.map((m) => m.type), ['hello'], `${mode}: nothing after hello`);
        assert.ok(!impostor.fromPlugin.some((f) => f.includes(key.key)), 'nothing of the key');
        assert.deepEqual(plugin.saved, [], `${mode}: the key is kept`);
        // Not retried blindly: no new connection while the designer has not chosen Retry.
        await new Promise((resolve) => setTimeout(resolve, 4 * RECONNECT_INITIAL_MS));
        assert.equal(impostor.connections(), 1, `${mode}: one connection only`);
        if (mode === 'relay') {
          const upstream = impostor.upstream()!;
          assert.equal(upstream.messages().some((m) => m.type === 'welcome' && m.paired), false, 'the relay is not paired either');
        }
      } finally {
        plugin.client.stop();
        await impostor.closeAsync();
      }
    }
  });
}

test('a replayed handshake fails: a recorded hello and proof get no session on a new connection', async () => {
  const { client: first, key } = await pairedClientAsync(daemon.server);
  first.close();
  // An observer records what a paired client sends on one connection, byte for byte.
  const recorded = await TestClient.connectAsync(daemon.server.url);
  const sent: (string | Buffer)[] = [];
  const send = recorded.socket.send.bind(recorded.socket);
  recorded.socket.send = ((data: string | Buffer, ...rest: unknown[]) => {
    sent.push(data);
    return (send as (...args: unknown[]) => void)(data, ...rest);
  }) as typeof recorded.socket.send;
  await recorded.authenticateAsync(key);
  recorded.close();
  assert.deepEqual(sent.map((f) => (JSON.parse(String(f)) as { type: string }).type), ['hello', 'auth']);

  const replay = await TestClient.connectAsync(daemon.server.url);
  replay.sendRaw(String(sent[0]));
  await replay.waitForAsync('auth-challenge');
  replay.sendRaw(String(sent[1]));
  const refused = (await replay.waitForAsync('error')).message;
  assert.equal(refused.code, 'bad-token');
  assert.equal(await replay.closedAsync(), CLOSE_CODES.authFailed);
  assert.equal(replay.messages().some((m) => m.type === 'welcome'), false, 'no welcome, no session');
  assert.ok(daemon.logger.lines.some((l) => JSON.stringify(l).includes('"bad-proof"')));
});

test('end to end: the plugin pairs with the real daemon, stores its key, and the next start connects with it alone', async () => {
  const store: { key: StoredKey | null } = { key: null };
  const code = openPairingCode(daemon.server);
  const plugin = startPlugin(daemon.server.url, null);
  try {
    await plugin.waitForAsync((s) => s.kind === 'pairing-needed', 'the pairing panel');
    plugin.client.pair(code);
    await plugin.waitForAsync((s) => s.kind === 'ready', 'ready after pairing');
    assert.equal(plugin.saved.length, 1);
    store.key = plugin.saved[0]!;
    assert.match(store.key!.keyId, /^[0-9a-f]{16}$/);
  } finally {
    plugin.client.stop();
  }
  assert.equal(daemon.server.pairingCode(), null, 'the code is used up');
  const again = startPlugin(daemon.server.url, store.key);
  try {
    await again.waitForAsync((s) => s.kind === 'ready', 'ready with the stored key');
    assert.equal(again.states.some((s) => s.kind === 'pairing-needed'), false, 'no pairing asked');
    assert.deepEqual(again.saved, []);
  } finally {
    again.client.stop();
  }
});

test('a key id seen and replayed in many upgrades takes at most 2 reserved slots, gets no session, and the paired plugin still gets in', async () => {
  const { client: first, key } = await pairedClientAsync(daemon.server);
  first.close();
  const { urlWithHint } = await import('../../client/key-hint.ts');
  const replayers: TestClient[] = [];
  for (let i = 0; i < 24; i++) {
    const replayer = await TestClient.connectAsync(urlWithHint(daemon.server.url, key.keyId)).catch(() => null);
    if (!replayer) continue;
    replayer.hello(key); // the id and a nonce; it cannot answer the challenge
    replayers.push(replayer);
  }
  // Past UNPAIRED_MIN_LIFE_MS, so the replayers outside the reserved slots may be replaced.
  await new Promise((resolve) => setTimeout(resolve, 1200));
  const plugin = await TestClient.connectAsync(urlWithHint(daemon.server.url, key.keyId));
  assert.equal((await plugin.authenticateAsync(key)).message.paired, true, 'the paired plugin got in');
  plugin.send({ type: 'get-status' });
  assert.equal((await plugin.waitForAsync('status')).message.type, 'status');
  plugin.close();
  for (const replayer of replayers) {
    assert.equal(replayer.messages().some((m) => m.type === 'welcome'), false, 'no replayer got a session');
    replayer.close();
  }
});
