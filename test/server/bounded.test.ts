import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Engine } from '../../daemon/engine/index.ts';
import { CLOSE_CODES } from '../../daemon/server/index.ts';
import { parseClientFrame } from '../../protocol/index.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

/** What an unpaired client can make the daemon hold: frames, unread replies, queued jobs. */
let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { maxQueuedJobs: 8, maxQueuedJobsPerClient: 1 });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

/** A raw WebSocket upgrade on a TCP socket, so the test can write frames of any size without building them. */
async function rawUpgradeAsync(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  await new Promise<void>((resolve) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text.includes('\r\n\r\n')) {
        socket.off('data', onData);
        assert.match(text, /^HTTP\/1\.1 101/);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  return socket;
}

/** The header of a masked binary frame declaring `length` payload bytes (RFC 6455 §5.2). */
function binaryFrameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 10);
  return header;
}

test('a 127 MiB frame before pairing is refused from its header: the daemon reads a sliver of it and its memory stays flat', async () => {
  globalThis.gc?.();
  const before = process.memoryUsage();
  const socket = await rawUpgradeAsync(daemon.server.port);
  const size = 127 * 1024 * 1024;
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let written = 0;
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => undefined);
  // The daemon's first word (a close frame, or a reply from one that buffered it all).
  const answered = new Promise((resolve) => socket.once('data', resolve));
  socket.write(binaryFrameHeader(size));
  // Writes until the daemon stops taking bytes; each write waits for the kernel to drain.
  while (!closed && written < size) {
    const ok = socket.write(chunk);
    written += chunk.length;
    if (!ok) {
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
        new Promise<boolean>((resolve) => socket.once('close', () => resolve(false))),
      ]);
      if (!drained) break;
    }
  }
  if (!closed) await Promise.race([answered, new Promise((resolve) => socket.once('close', resolve))]);
  socket.destroy();
  assert.ok(written < 32 * 1024 * 1024, `the daemon took ${written} bytes of the frame before closing`);
  assert.ok(daemon.logger.lines.some((l) => l.event === 'unpaired-too-large' && l.reason === 'frame-too-large'));
  globalThis.gc?.();
  const grown = process.memoryUsage().arrayBuffers - before.arrayBuffers;
  assert.ok(grown < 48 * 1024 * 1024, `array buffers grew by ${grown} bytes`);
  // The daemon goes on serving others.
  const client = await TestClient.connectAsync(daemon.server.url);
  client.hello();
  await client.waitForAsync('welcome');
  client.close();
});

test('an unpaired client may not send a text frame over the protocol limit either, and is closed with 1009', async () => {
  const client = await TestClient.connectAsync(daemon.server.url);
  client.hello();
  await client.waitForAsync('welcome');
  client.sendRaw(JSON.stringify({ type: 'pair', code: '123456', pad: 'x'.repeat(70 * 1024) }));
  assert.equal(await client.closedAsync(), CLOSE_CODES.tooLarge);
});

test('a huge text message is measured without being encoded', () => {
  const Original = globalThis.TextEncoder;
  let encoded = 0;
  globalThis.TextEncoder = class extends Original {
    override encode(input?: string): Uint8Array<ArrayBuffer> {
      encoded += input?.length ?? 0;
      return super.encode(input);
    }
  };
  try {
    const parsed = parseClientFrame('é'.repeat(8 * 1024 * 1024));
    assert.equal(parsed.ok, false);
    assert.equal(!parsed.ok && parsed.code, 'too-large');
    assert.equal(encoded, 0, 'the text was encoded just to be measured');
  } finally {
    globalThis.TextEncoder = Original;
  }
});

test('one client may keep only its share of the queue waiting', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const long = await smallStylizeAsync('long', { iterations: 2000, previewEvery: 0 });
  client.send(long.message, long.images);
  const running = (await client.waitForAsync('accepted')).message;
  const second = await smallStylizeAsync('second', { iterations: 2 });
  client.send(second.message, second.images);
  assert.equal((await client.waitForAsync('accepted')).message.position, 1);
  const third = await smallStylizeAsync('third', { iterations: 2 });
  client.send(third.message, third.images);
  const busy = (await client.waitForAsync('error')).message;
  assert.equal(busy.code, 'busy');
  assert.equal(busy.requestId, 'third');
  assert.match(busy.message, /You already have 1 jobs waiting/);
  // Another client still gets its place.
  const other = (await pairedClientAsync(daemon.server)).client;
  other.send(third.message, third.images);
  assert.equal((await other.waitForAsync('accepted')).message.position, 2);
  client.send({ type: 'cancel', jobId: running.jobId });
  await client.waitForAsync('cancelled');
  await other.waitForAsync('completed');
  client.close();
  other.close();
});
