import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { Engine } from '../../daemon/engine/index.ts';
import { ListenError } from '../../daemon/server/index.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

/**
 * Both loopback addresses are the daemon's: Chromium resolves `localhost` to ::1 first, so a
 * daemon on 127.0.0.1 alone let another process on [::1] receive the plugin's connections.
 */
let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

function listenAsync(port: number, host: string): Promise<Server | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    server.listen(port, host, () => resolve(server));
  });
}

const hasIpv6 = await listenAsync(0, '::1').then((r) => {
  if (r instanceof Error) return false;
  r.close();
  return true;
});

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine);
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

test('the daemon answers on [::1] with the same handshake checks as on 127.0.0.1', { skip: !hasIpv6 && 'this machine has no IPv6 loopback' }, async () => {
  const port = daemon.server.port;
  assert.deepEqual(daemon.server.urls, [`ws://127.0.0.1:${port}`, `ws://[::1]:${port}`]);
  const client = await TestClient.connectAsync(`ws://[::1]:${port}`, { Host: `localhost:${port}`, Origin: 'null' });
  client.hello();
  assert.equal((await client.waitForAsync('welcome')).message.type, 'welcome');
  client.close();
  // A page rebinding its own name to ::1 is refused there too.
  await assert.rejects(TestClient.connectAsync(`ws://[::1]:${port}`, { Host: `attacker.example:${port}` }), (e: unknown) => (e as { statusCode?: number }).statusCode === 403);
  await assert.rejects(TestClient.connectAsync(`ws://[::1]:${port}`, { Origin: 'https://attacker.example' }), (e: unknown) => (e as { statusCode?: number }).statusCode === 403);
});

for (const host of ['::1', '127.0.0.1']) {
  test(`another process on ${host} at the daemon's port stops its start with port_in_use naming the address`, { skip: host === '::1' && !hasIpv6 && 'no IPv6 loopback' }, async () => {
    // A port free on both addresses, then taken on one of them by a stand-in process.
    const probe = await listenAsync(0, '127.0.0.1');
    assert.ok(!(probe instanceof Error));
    const port = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    const squatter = await listenAsync(port, host);
    if (squatter instanceof Error) return; // Someone took the port in between: nothing to learn.
    try {
      const display = host.includes(':') ? `[${host}]` : host;
      await assert.rejects(
        startTestDaemonAsync(engine, { port }),
        (e: unknown) => e instanceof ListenError && e.code === 'port_in_use' && e.message.includes(`${display}:${port}`) && /Another program already listens/.test(e.message),
      );
    } finally {
      squatter.close();
    }
  });
}
