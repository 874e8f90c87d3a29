import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { Engine } from '../../daemon/engine/index.ts';
import { CLOSE_CODES } from '../../daemon/server/index.ts';
import type { ProgressMessage } from '../../protocol/index.ts';
import { TestClient } from './test-client.ts';
import {
  createTestEngineAsync,
  pairedClientAsync,
  smallStylizeAsync,
  startTestDaemonAsync,
  testImageAsync,
  type TestDaemon,
} from './test-daemon.ts';

let engine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;

before(async () => {
  ({ engine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine, { maxQueuedJobs: 1 });
});

after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

const jobEnds = (d: TestDaemon) => d.logger.lines.filter((l) => l.event === 'job-end');

test('a small job streams monotonic progress, a preview and a result PNG of the requested size', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('first', { width: 40, height: 32, iterations: 5, previewEvery: 2, previewMaxSide: 16 });
  client.send(job.message, job.images);
  const accepted = (await client.waitForAsync('accepted')).message;
  assert.equal(accepted.requestId, 'first');
  assert.equal(accepted.position, 0);
  const started = (await client.waitForAsync('started')).message;
  assert.deepEqual(started.stages, [{ width: 40, height: 32, iterations: 5 }]);
  const result = await client.waitForAsync('result');
  await client.waitForAsync('completed', (m) => m.jobId === accepted.jobId);

  const types = client.messages().map((m) => m.type);
  assert.deepEqual(types.slice(0, 6), ['welcome', 'pair-response', 'paired', 'welcome', 'accepted', 'started']);
  assert.deepEqual(types.slice(-2), ['result', 'completed']);
  const progress = client.received.filter((r) => r.message.type === 'progress');
  const iterations = progress.map((r) => (r.message as ProgressMessage).iteration);
  assert.deepEqual(iterations, [1, 2, 3, 4, 5], 'progressEvery 1 reports every iteration, in order');
  for (const r of progress) {
    const m = r.message as ProgressMessage;
    assert.equal(m.jobId, accepted.jobId);
    assert.ok(m.losses.total === null || m.losses.total >= 0);
  }
  const previews = progress.filter((r) => (r.message as ProgressMessage).preview);
  assert.ok(previews.length >= 2, 'previews at iterations 2 and 4 (and the last)');
  const previewMeta = await sharp(previews[0]!.images.get('preview')!).metadata();
  assert.equal(previewMeta.format, 'png');
  assert.ok(Math.max(previewMeta.width, previewMeta.height) <= 16);

  assert.deepEqual({ w: result.message.image.width, h: result.message.image.height }, { w: 40, h: 32 });
  const png = result.images.get('result')!;
  const meta = await sharp(png).metadata();
  assert.deepEqual({ format: meta.format, width: meta.width, height: meta.height }, { format: 'png', width: 40, height: 32 });
  const timings = result.message.timings;
  assert.ok(timings.engineSeconds > 0 && timings.encodeSeconds >= 0 && timings.decodeSeconds >= 0);
  const end = jobEnds(daemon).find((l) => l.jobId === accepted.jobId);
  assert.equal(end?.outcome, 'completed');
  client.close();
});

test('the same job runs whole on either engine (auto picks onnx here)', async () => {
  assert.equal(engine.info.engine, 'onnx');
  const tfjs = await createTestEngineAsync('tfjs');
  const own = await startTestDaemonAsync(tfjs.engine);
  try {
    assert.equal(tfjs.engine.info.engine, 'tfjs');
    const { client } = await pairedClientAsync(own.server);
    const job = await smallStylizeAsync('tfjs-job', { width: 40, height: 32, iterations: 3 });
    client.send(job.message, job.images);
    const result = await client.waitForAsync('result');
    const meta = await sharp(result.images.get('result')!).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['png', 40, 32]);
    client.close();
  } finally {
    await own.stopAsync();
    await tfjs.cleanupAsync();
  }
});

test('cancel stops a running job within one iteration', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('long', { iterations: 2000, previewEvery: 0 });
  client.send(job.message, job.images);
  const { jobId } = (await client.waitForAsync('accepted')).message;
  await client.waitForAsync('progress', (m) => m.iteration >= 2);
  client.send({ type: 'cancel', jobId });
  const cancelled = (await client.waitForAsync('cancelled')).message;
  assert.deepEqual(cancelled, { type: 'cancelled', jobId, reason: 'client' });
  const request = daemon.logger.lines.find((l) => l.event === 'cancel-requested' && l.jobId === jobId);
  assert.ok(request, 'the daemon logs the iteration it was at when the cancel arrived');
  const iterations = client.received.filter((r) => r.message.type === 'progress').map((r) => (r.message as ProgressMessage).iteration);
  const last = Math.max(...iterations);
  assert.ok(last <= Number(request.iteration) + 1, `last progress ${last}, cancel arrived at ${request.iteration}`);
  assert.ok(!client.messages().some((m) => m.type === 'result'));
  // The same connection can go on working, and the engine is free.
  const next = await smallStylizeAsync('after-cancel', { iterations: 2 });
  client.send(next.message, next.images);
  await client.waitForAsync('completed');
  client.send({ type: 'cancel', jobId });
  assert.equal((await client.waitForAsync('error')).message.code, 'unknown-job');
  client.close();
});

test('two clients\' jobs queue in order, a third request gets busy, and a waiting job can be cancelled', async () => {
  const a = (await pairedClientAsync(daemon.server)).client;
  const b = (await pairedClientAsync(daemon.server)).client;
  const c = (await pairedClientAsync(daemon.server)).client;
  const jobA = await smallStylizeAsync('a', { iterations: 6 });
  const jobB = await smallStylizeAsync('b', { iterations: 2 });
  a.send(jobA.message, jobA.images);
  const acceptedA = (await a.waitForAsync('accepted')).message;
  b.send(jobB.message, jobB.images);
  const acceptedB = (await b.waitForAsync('accepted')).message;
  assert.equal(acceptedA.position, 0);
  assert.equal(acceptedB.position, 1);
  c.send(jobB.message, jobB.images);
  const busy = (await c.waitForAsync('error')).message;
  assert.equal(busy.code, 'busy');
  assert.equal(busy.requestId, 'b');
  b.send({ type: 'get-status' });
  const status = (await b.waitForAsync('status')).message;
  assert.equal(status.running?.jobId, acceptedA.jobId);
  assert.equal(status.running?.mine, false);
  assert.deepEqual(status.queued, [{ jobId: acceptedB.jobId, mine: true, position: 1 }]);

  await b.waitForAsync('queue-position', (m) => m.position === 0);
  await b.waitForAsync('completed');
  await a.waitForAsync('completed');
  const order = daemon.logger.lines
    .filter((l) => (l.event === 'job-start' || l.event === 'job-end') && (l.jobId === acceptedA.jobId || l.jobId === acceptedB.jobId))
    .map((l) => `${l.event} ${l.jobId === acceptedA.jobId ? 'A' : 'B'}`);
  assert.deepEqual(order, ['job-start A', 'job-end A', 'job-start B', 'job-end B']);

  // Cancelling a job that is still waiting.
  const long = await smallStylizeAsync('long', { iterations: 2000, previewEvery: 0 });
  a.send(long.message, long.images);
  const running = (await a.waitForAsync('accepted')).message;
  b.send(jobB.message, jobB.images);
  const waiting = (await b.waitForAsync('accepted')).message;
  assert.equal(waiting.position, 1);
  b.send({ type: 'cancel', jobId: running.jobId });
  assert.equal((await b.waitForAsync('error')).message.code, 'unknown-job', 'b cannot cancel a\'s job');
  b.send({ type: 'cancel', jobId: waiting.jobId });
  assert.deepEqual((await b.waitForAsync('cancelled')).message, { type: 'cancelled', jobId: waiting.jobId, reason: 'client' });
  a.send({ type: 'cancel', jobId: running.jobId });
  await a.waitForAsync('cancelled');
  for (const client of [a, b, c]) client.close();
});

test('a client vanishing mid-job frees the engine for the next job', async () => {
  const a = (await pairedClientAsync(daemon.server)).client;
  const b = (await pairedClientAsync(daemon.server)).client;
  const long = await smallStylizeAsync('vanishing', { iterations: 2000, previewEvery: 0 });
  a.send(long.message, long.images);
  const { jobId } = (await a.waitForAsync('accepted')).message;
  await a.waitForAsync('progress');
  const next = await smallStylizeAsync('next', { iterations: 3 });
  b.send(next.message, next.images);
  assert.equal((await b.waitForAsync('accepted')).message.position, 1);
  a.vanish();
  const result = await b.waitForAsync('result');
  assert.equal(result.message.image.width, 32);
  await b.waitForAsync('completed');
  const end = jobEnds(daemon).find((l) => l.jobId === jobId);
  assert.equal(end?.outcome, 'cancelled');
  assert.equal(end?.reason, 'disconnect');
  b.close();
});

test('a style applied to several frames is analysed once (style-target cache), and each frame gets a result', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const before = engine.styleCache.size;
  // atelier analyses the style twice, each once: at the stage's size, and at STYLE_BALANCE_SIDE
  // for its Gram energy (style-balance.ts); both targets are cached.
  const job = await smallStylizeAsync('batch', { preset: 'atelier', iterations: 2 });
  // A style not used by earlier tests, so that it is not cached yet.
  job.images.set('s0', await testImageAsync('style', 33, 33, 'jpeg'));
  job.message.styles[0]!.image = { ...job.message.styles[0]!.image, width: 33, height: 33 };
  const second = await testImageAsync('content', 48, 32);
  const message = { ...job.message, content: [...job.message.content, { id: 'c1', mime: 'image/png' as const, width: 48, height: 32 }] };
  client.send(message, new Map([...job.images, ['c1', second]]));
  const results = [(await client.waitForAsync('result')).message, (await client.waitForAsync('result')).message];
  await client.waitForAsync('completed');
  assert.deepEqual(results.map((r) => [r.contentIndex, r.contentCount, r.image.width, r.image.height]), [
    [0, 2, 32, 32],
    [1, 2, 32, 32],
  ]);
  assert.equal(engine.styleCache.size, before + 2, 'both frames share the cached style targets');
  client.send(job.message, job.images);
  await client.waitForAsync('completed');
  assert.equal(engine.styleCache.size, before + 2, 'a later job with the same style reuses them');
  client.close();
});

test('requests the engine cannot serve are refused before queueing, with the request id', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const cases: Array<[string, Parameters<typeof smallStylizeAsync>[1], string]> = [
    ['preset', { preset: 'no-such-preset' }, 'bad-options'],
    ['layer', { styleLayers: ['relu9_9'] }, 'bad-options'],
  ];
  for (const [requestId, options, code] of cases) {
    const job = await smallStylizeAsync(requestId, options);
    client.send(job.message, job.images);
    const error = (await client.waitForAsync('error')).message;
    assert.equal(error.code, code);
    assert.equal(error.requestId, requestId);
  }
  const job = await smallStylizeAsync('jpeg-size');
  const wrong = { ...job.message, styles: [{ image: { ...job.message.styles[0]!.image, width: 64 }, weight: 1 }] };
  client.send(wrong, job.images);
  const mismatch = (await client.waitForAsync('error')).message;
  assert.equal(mismatch.code, 'image-mismatch');
  assert.match(mismatch.message, /32x32/);
  assert.ok(!client.messages().some((m) => m.type === 'accepted'));
  client.close();
});

test('shutdown cancels the running job, tells the client and closes the connection', async () => {
  const own = await startTestDaemonAsync(engine);
  const { client } = await pairedClientAsync(own.server);
  const long = await smallStylizeAsync('long', { iterations: 2000, previewEvery: 0 });
  client.send(long.message, long.images);
  const { jobId } = (await client.waitForAsync('accepted')).message;
  await client.waitForAsync('progress');
  await own.stopAsync();
  assert.equal(await client.closedAsync(), CLOSE_CODES.shutdown);
  const tail = client.messages().slice(-2);
  assert.deepEqual(tail[0], { type: 'cancelled', jobId, reason: 'shutdown' });
  assert.equal(tail[1]?.type, 'shutdown');
  await assert.rejects(TestClient.connectAsync(own.server.url));
});
