import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { isAllowedHost, isAllowedOrigin } from '../../daemon/server/handshake.ts';
import type { Engine } from '../../daemon/engine/index.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { allowedOrigins: ['https://www.figma.com'], maxConnections: 3 });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

async function statusOfHandshakeAsync(headers: Record<string, string>): Promise<number> {
  try {
    const client = await TestClient.connectAsync(daemon.server.url, headers);
    client.close();
    await client.closedAsync();
    return 101;
  } catch (error) {
    const status = (error as { statusCode?: number }).statusCode;
    if (status === undefined) throw error;
    return status;
  }
}

test('host and origin rules', () => {
  assert.equal(isAllowedHost('localhost:7878', 7878), true);
  assert.equal(isAllowedHost('LOCALHOST:7878', 7878), true);
  assert.equal(isAllowedHost('[::1]:7878', 7878), true);
  assert.equal(isAllowedHost('127.0.0.1:7878', 7878), true);
  assert.equal(isAllowedHost('127.0.0.1', 7878), false);
  assert.equal(isAllowedHost('127.0.0.1:7879', 7878), false);
  assert.equal(isAllowedHost('attacker.example:7878', 7878), false);
  assert.equal(isAllowedHost('localhost.attacker.example:7878', 7878), false);
  assert.equal(isAllowedHost(undefined, 7878), false);
  assert.equal(isAllowedOrigin('null', []), true);
  assert.equal(isAllowedOrigin(undefined, []), true);
  assert.equal(isAllowedOrigin('https://www.figma.com', ['https://www.figma.com']), true);
  assert.equal(isAllowedOrigin('https://www.figma.com.attacker.example', ['https://www.figma.com']), false);
  assert.equal(isAllowedOrigin('https://attacker.example', []), false);
});

test('loopback Host names with the right port are accepted', async () => {
  const port = daemon.server.port;
  assert.equal(await statusOfHandshakeAsync({}), 101);
  assert.equal(await statusOfHandshakeAsync({ Host: `localhost:${port}` }), 101);
  assert.equal(await statusOfHandshakeAsync({ Host: `[::1]:${port}` }), 101);
});

test('a foreign Host (DNS rebinding) or another port is refused at the handshake', async () => {
  const port = daemon.server.port;
  assert.equal(await statusOfHandshakeAsync({ Host: `attacker.example:${port}` }), 403);
  assert.equal(await statusOfHandshakeAsync({ Host: `127.0.0.1:${port + 1}` }), 403);
  assert.equal(await statusOfHandshakeAsync({ Host: '127.0.0.1' }), 403);
  const rejected = daemon.logger.lines.filter((l) => l.event === 'handshake-rejected' && l.reason === 'host-not-local');
  assert.equal(rejected.length, 3);
});

/** The status line's code for an upgrade request written by hand (ws and http.request send one Host). */
function rawUpgradeStatusAsync(headerLines: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(daemon.server.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (match) {
        socket.destroy();
        resolve(Number(match[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without a status line: ${JSON.stringify(text)}`)));
    const lines = ['GET / HTTP/1.1', ...headerLines, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

test('an upgrade with two Host lines is refused with 400 (RFC 9112 §3.2), whichever comes first', async () => {
  const local = `Host: localhost:${daemon.server.port}`;
  assert.equal(await rawUpgradeStatusAsync([local]), 101, 'one Host, written by hand, is accepted');
  assert.equal(await rawUpgradeStatusAsync([local, 'Host: attacker.example']), 400);
  assert.equal(await rawUpgradeStatusAsync(['Host: attacker.example', local]), 400);
  assert.equal(await rawUpgradeStatusAsync([local, local.toUpperCase().replace('HOST:', 'host:')]), 400);
});

test('Origin null (Figma) and allow-listed origins pass; any other origin is refused', async () => {
  assert.equal(await statusOfHandshakeAsync({ Origin: 'null' }), 101);
  assert.equal(await statusOfHandshakeAsync({ Origin: 'https://www.figma.com' }), 101);
  assert.equal(await statusOfHandshakeAsync({ Origin: 'https://attacker.example' }), 403);
  assert.equal(await statusOfHandshakeAsync({ Origin: 'http://localhost:3000' }), 403);
});

test('plain HTTP requests outside the Photopea page get 404 and no information', async () => {
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: daemon.server.port, path: '/' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
  assert.equal(status, 404);
});

test('connections beyond the limit: refused with 503 when all are paired; an unpaired one waits for a silent one’s turn to end and takes its slot', async () => {
  const paired = [];
  for (let i = 0; i < 3; i++) paired.push((await pairedClientAsync(daemon.server)).client);
  assert.equal(await statusOfHandshakeAsync({}), 503, 'every slot is a paired plugin’s: nothing to wait for');
  for (const c of paired) c.close();
  await Promise.all(paired.map((c) => c.closedAsync()));

  // Three connections that say nothing fill the limit; the fourth is not refused but waits
  // until the first silent one's turn is over (UNPAIRED_MIN_LIFE_MS), then takes its slot.
  let silent: TestClient[] = [];
  for (let i = 0; i < 100 && silent.length < 3; i++) {
    const client = await TestClient.connectAsync(daemon.server.url).catch(() => null);
    if (client) silent.push(client);
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(silent.length, 3);
  const closes = silent.map((c) => c.closedAsync());
  const fourth = await TestClient.connectAsync(daemon.server.url);
  const replaced = await Promise.race(closes.map((closed, i) => closed.then((code) => ({ i, code }))));
  assert.equal(replaced.code, 4004, 'a silent one was replaced');
  fourth.hello();
  assert.equal((await fourth.waitForAsync('welcome')).message.type, 'welcome', 'and the daemon keeps serving');
  fourth.close();
  silent = silent.filter((_, i) => i !== replaced.i);
  for (const c of silent) c.close();
});
