import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROTOCOL_VERSION, Spake2Client, bytesToHex, spake2Context } from '../../protocol/index.ts';
import { CLOSE_CODES } from '../../daemon/server/index.ts';
import type { Engine } from '../../daemon/engine/index.ts';
import { TEST_CLIENT_NAME, TestClient } from './test-client.ts';
import { createTestEngineAsync, openPairingCode, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine);
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

function wrongCode(right: string): string {
  return right === '00000000' ? '00000001' : '00000000';
}

test('a paired hello is answered with the full welcome (versions, engine, limits); an unpaired one only with the protocol', async () => {
  const { client, key } = await pairedClientAsync(daemon.server);
  client.close();
  const again = await TestClient.connectAsync(daemon.server.url);
  const { message } = await again.authenticateAsync(key);
  assert.equal(message.protocol, PROTOCOL_VERSION);
  assert.equal(message.paired, true);
  assert.equal(message.engine?.backend, 'cpu');
  assert.equal(message.state?.state, 'ready');
  assert.ok(message.capabilities.includes('daemon-state'));
  assert.ok(message.presets.length > 0);
  assert.equal(message.limits?.maxOutputSide, 4096);
  again.close();
  const unpaired = await TestClient.connectAsync(daemon.server.url);
  unpaired.hello();
  assert.deepEqual((await unpaired.waitForAsync('welcome')).message, { type: 'welcome', protocol: PROTOCOL_VERSION, engine: null, capabilities: [], presets: [], paired: false });
  unpaired.close();
});

test('an unpaired client gets nothing but hello and pairing answered', async () => {
  const client = await TestClient.connectAsync(daemon.server.url);
  client.send({ type: 'get-status' });
  const early = (await client.nextAsync()).message;
  assert.equal(early.type === 'error' && early.code, 'hello-required');
  client.hello();
  await client.waitForAsync('welcome');
  const job = await smallStylizeAsync('r1');
  const attempts = [
    () => client.send({ type: 'get-status' }),
    () => client.send({ type: 'cancel', jobId: 'job-1' }),
    () => client.send(job.message, job.images),
  ];
  for (const attempt of attempts) {
    attempt();
    const { message } = await client.nextAsync();
    assert.equal(message.type, 'error');
    if (message.type === 'error') assert.equal(message.code, 'not-paired');
  }
  assert.deepEqual(client.messages().map((m) => m.type), ['error', 'welcome', 'error', 'error', 'error']);
  client.close();
});

test('the right code pairs by SPAKE2: the code never travels, the key is never sent, and later connections prove it', async () => {
  const code = openPairingCode(daemon.server);
  const { client, key } = await pairedClientAsync(daemon.server);
  assert.equal(daemon.server.pairingCode(), null, 'a used window closes');
  assert.ok(!daemon.logger.lines.some((l) => JSON.stringify(l).includes(`"${code}"`)), 'the code is never logged');
  client.send({ type: 'get-status' });
  assert.equal((await client.nextAsync()).message.type, 'status');
  const wire = JSON.stringify(client.messages());
  assert.ok(!wire.includes(key.key), 'the key never crossed the wire');
  client.close();
  assert.ok(!daemon.logger.lines.some((l) => JSON.stringify(l).includes(key.key)), 'the key is never logged');

  const again = await TestClient.connectAsync(daemon.server.url);
  assert.equal((await again.authenticateAsync(key)).message.paired, true);
  again.send({ type: 'get-status' });
  assert.equal((await again.nextAsync()).message.type, 'status');
  again.close();
});

test('a wrong code fails without a word from the client, and an unknown key id leaves the client unpaired', async () => {
  const client = await TestClient.connectAsync(daemon.server.url);
  client.hello({ keyId: '0123456789abcdef', key: '00'.repeat(32) });
  assert.equal((await client.waitForAsync('welcome')).message.paired, false);
  assert.equal((await client.waitForAsync('error')).message.code, 'bad-token');
  assert.equal(await client.pairAsync(wrongCode(openPairingCode(daemon.server))), null, 'the daemon\'s confirmation does not match a wrong code');
  client.send({ type: 'get-status' });
  const refused = (await client.waitForAsync('error')).message;
  assert.equal(refused.code, 'not-paired');
  // The right code still works after one wrong try (which the window counts).
  const key = await client.pairAsync(daemon.server.pairingCode()!);
  assert.ok(key);
  client.close();
});

test('three wrong codes close that connection; the window stays open and its code still pairs; a closed window says how to open one', async () => {
  const code = openPairingCode(daemon.server);
  const client = await TestClient.connectAsync(daemon.server.url);
  client.hello();
  await client.waitForAsync('welcome');
  for (let i = 0; i < 3; i++) assert.equal(await client.pairAsync(wrongCode(code)), null);
  // The next share settles the third exchange as a wrong code: the connection is closed.
  client.send({ type: 'pair', share: bytesToHex(new Spake2Client(code, spake2Context(PROTOCOL_VERSION, TEST_CLIENT_NAME, client.host)).share) });
  assert.match((await client.waitForAsync('error')).message.message, /wrong too/);
  assert.equal(await client.closedAsync(), CLOSE_CODES.tooManyCodes);
  assert.equal(daemon.server.pairingCode(), code, 'the window and its code are unchanged');
  assert.equal(daemon.server.pairing().failures, 3, 'and the designer is shown the wrong codes');
  const { client: paired } = await pairedClientAsync(daemon.server);
  paired.close();

  const late = await TestClient.connectAsync(daemon.server.url);
  late.hello();
  await late.waitForAsync('welcome');
  await assert.rejects(late.pairAsync(code), /^Error: pairing-closed: .*Pair a new plugin/);
  late.close();
});

test('an incompatible protocol version gets a clear error and the connection is closed', async () => {
  const client = await TestClient.connectAsync(daemon.server.url);
  client.sendRaw(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION + 1, client: { name: 'future', version: '9' }, newField: true }));
  const { message } = await client.waitForAsync('error');
  assert.equal(message.code, 'unsupported-version');
  assert.match(message.message, /Update the Atelier daemon/);
  assert.equal(await client.closedAsync(), CLOSE_CODES.unsupportedVersion);
});

test('a protocol-3 plugin (its pairing transcript joined the context with "|") is told to update, not given a code to fail on', async () => {
  const client = await TestClient.connectAsync(daemon.server.url, { origin: 'null' });
  client.sendRaw(JSON.stringify({ type: 'hello', protocol: 3, client: { name: 'atelier-figma', version: '0.1.0' }, capabilities: ['daemon-state'] }));
  const { message } = await client.waitForAsync('error');
  assert.equal(message.code, 'unsupported-version');
  assert.match(message.message, /The Atelier plugin is older than the daemon \(protocol 3, daemon speaks \d+\)\. Update the Atelier plugin in Figma\./);
  assert.equal(await client.closedAsync(), CLOSE_CODES.unsupportedVersion);
  assert.deepEqual(client.messages().map((m) => m.type), ['error'], 'no welcome, no pairing');
});

test('revoking tokens disconnects paired clients and their tokens stop working', async () => {
  const revokeDaemon = await startTestDaemonAsync(engine);
  try {
    const { client, key } = await pairedClientAsync(revokeDaemon.server);
    assert.equal(await revokeDaemon.server.revokeAllTokensAsync(), 1);
    assert.equal(await client.closedAsync(), CLOSE_CODES.tokenRevoked);
    const again = await TestClient.connectAsync(revokeDaemon.server.url);
    again.hello(key);
    assert.equal((await again.waitForAsync('welcome')).message.paired, false);
    assert.equal((await again.waitForAsync('error')).message.code, 'bad-token');
    again.close();
  } finally {
    await revokeDaemon.stopAsync();
  }
});

test('a client that never says hello is disconnected', async () => {
  const quiet = await startTestDaemonAsync(engine, { helloTimeoutMs: 200 });
  try {
    const client = await TestClient.connectAsync(quiet.server.url);
    assert.equal(await client.closedAsync(), CLOSE_CODES.helloTimeout);
  } finally {
    await quiet.stopAsync();
  }
});

test('a pairing the daemon cannot save is refused with storage-failed, and the code is not burnt', async () => {
  const own = await startTestDaemonAsync(engine);
  const { mkdir, rm: remove } = await import('node:fs/promises');
  // A folder where tokens.json must go makes the save fail for any user (root ignores modes).
  const blocker = join(own.configDir, 'tokens.json');
  try {
    await mkdir(join(blocker, 'in-the-way'), { recursive: true });
    const code = openPairingCode(own.server);
    const client = await TestClient.connectAsync(own.server.url);
    client.hello();
    await client.waitForAsync('welcome');
    await assert.rejects(client.pairAsync(code), /^Error: storage-failed: .*cannot save its paired-plugins file .*tokens\.json/);
    assert.equal(own.server.pairingCode(), code, 'the code is still the one shown');
    client.send({ type: 'get-status' });
    assert.equal((await client.waitForAsync('error')).message.code, 'not-paired');
    await remove(blocker, { recursive: true });
    assert.ok(await client.pairAsync(code), 'the same code pairs once the file can be saved');
    client.close();
  } finally {
    await own.stopAsync();
  }
});

test('an unpaired client that tries no code for a while is closed (4005), and a paired one is not', async () => {
  const idle = await startTestDaemonAsync(engine, { unpairedIdleMs: 200 });
  try {
    const { client: paired } = await pairedClientAsync(idle.server);
    const client = await TestClient.connectAsync(idle.server.url);
    client.hello();
    await client.waitForAsync('welcome');
    assert.equal(await client.closedAsync(), CLOSE_CODES.unpairedIdle);
    paired.send({ type: 'get-status' });
    assert.equal((await paired.waitForAsync('status')).message.type, 'status', 'still connected');
    paired.close();
  } finally {
    await idle.stopAsync();
  }
});
