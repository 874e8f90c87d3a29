import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { LIMITS, fixtureToFrame } from '../../protocol/index.ts';
import type { Engine } from '../../daemon/engine/index.ts';
import { loadInvalidFixtures } from '../protocol/load-fixtures.ts';
import { TestClient } from './test-client.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;
const MAX_PAYLOAD = 1024 * 1024;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { maxPayloadBytes: MAX_PAYLOAD });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

async function assertServesAJobAsync(client: TestClient, requestId: string): Promise<void> {
  const job = await smallStylizeAsync(requestId, { iterations: 2 });
  client.send(job.message, job.images);
  const result = await client.waitForAsync('result');
  assert.equal((await sharp(result.images.get('result')!).metadata()).width, 32);
  await client.waitForAsync('completed');
}

test('every malformed frame gets an error reply with its code, and the same connection then runs a job', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const fixtures = loadInvalidFixtures().filter((f) => f.fixture.from === 'client');
  const extra: Array<{ name: string; frame: string | Uint8Array; code: string }> = [
    { name: 'oversized text', frame: JSON.stringify({ type: 'get-status', pad: 'x'.repeat(LIMITS.MAX_TEXT_MESSAGE_BYTES) }), code: 'too-large' },
    { name: 'second hello', frame: JSON.stringify({ type: 'hello', protocol: 1, client: { name: 'x', version: '1' } }), code: 'bad-message' },
    { name: 'pair when paired', frame: JSON.stringify({ type: 'pair', code: '123456' }), code: 'bad-message' },
    { name: 'cancel of an unknown job', frame: JSON.stringify({ type: 'cancel', jobId: 'job-unknown' }), code: 'unknown-job' },
    { name: 'random bytes', frame: new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 73 + 11) % 256)), code: 'bad-frame' },
  ];
  const sent = [
    ...fixtures.map(({ name, fixture }) => ({ name, frame: fixtureToFrame(fixture), code: fixture.expectedCode, requestId: fixture.expectedRequestId })),
    ...extra.map((e) => ({ ...e, requestId: undefined })),
  ];
  assert.ok(sent.length >= 50, `${sent.length} malformed frames`);
  for (const { name, frame, code, requestId } of sent) {
    client.sendRaw(frame);
    const { message } = await client.nextAsync();
    assert.equal(message.type, 'error', name);
    if (message.type !== 'error') continue;
    assert.equal(message.code, code, `${name}: ${message.message}`);
    if (requestId !== undefined) assert.equal(message.requestId, requestId, name);
    assert.ok(message.message.length > 15, `${name} has a sentence`);
  }
  const replies = daemon.logger.lines.filter((l) => l.event === 'error-reply').length;
  assert.ok(replies >= sent.length);
  await assertServesAJobAsync(client, 'after-bad-input');
  client.close();
});

test('a corrupt image is refused up front; a truncated one (header intact) fails its job with bad-image', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('corrupt');
  const png = Buffer.from(job.images.get('c0')!);
  // Garbage after the IHDR chunk: the chunk structure itself is broken.
  for (let i = 40; i < png.length - 12; i++) png[i] = (i * 31) & 0xff;
  client.send(job.message, new Map([...job.images, ['c0', new Uint8Array(png)]]));
  const refused = (await client.waitForAsync('error')).message;
  assert.equal(refused.code, 'bad-image');
  assert.equal(refused.requestId, 'corrupt');
  assert.equal(refused.jobId, undefined);

  const truncated = job.images.get('c0')!.subarray(0, Math.floor(job.images.get('c0')!.length * 0.7));
  client.send({ ...job.message, requestId: 'truncated' }, new Map([...job.images, ['c0', truncated]]));
  const { jobId } = (await client.waitForAsync('accepted')).message;
  const failed = (await client.waitForAsync('error')).message;
  assert.equal(failed.code, 'bad-image');
  assert.equal(failed.jobId, jobId);
  assert.equal(failed.requestId, 'truncated');
  await assertServesAJobAsync(client, 'after-corrupt');
  client.close();
});

test('a frame over maxPayload closes only that connection (1009); the daemon keeps serving', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  client.sendRaw(new Uint8Array(MAX_PAYLOAD + 1));
  assert.equal(await client.closedAsync(), 1009);
  const next = (await pairedClientAsync(daemon.server)).client;
  await assertServesAJobAsync(next, 'after-oversized');
  next.close();
});

test('frames before hello are answered with hello-required, never processed', async () => {
  const client = await TestClient.connectAsync(daemon.server.url);
  const job = await smallStylizeAsync('early');
  client.send(job.message, job.images);
  assert.equal(((await client.nextAsync()).message as { code?: string }).code, 'hello-required');
  client.sendRaw('not json');
  assert.equal(((await client.nextAsync()).message as { code?: string }).code, 'bad-json');
  client.close();
});
