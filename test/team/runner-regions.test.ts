import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createMemoryLogger, type JobSpec } from '../../daemon/server/index.ts';
import { startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { startGpuWorkerAsync, type GpuWorker } from '../../daemon/team/gpu-worker.ts';
import { teamKeys } from '../../daemon/team/redis-keys.ts';
import { TeamJobStore } from '../../daemon/team/team-job-store.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { assertMaskedResultAsync, rectMaskAsync, scaledRect, type Rect } from '../server/region-images.ts';
import { createTestEngineAsync, testImageAsync } from '../server/test-daemon.ts';
import { RecordingListener, testPrefix } from './runner-harness.ts';

/**
 * A masked job in team mode (issue 31): a front door's BullRunner queues it in a real Redis, a
 * GPU worker with the real engine (small generated weights) computes it from what Redis kept,
 * and the result keeps the content's pixels outside the region; a panel that reattaches later
 * gets the same result from Redis.
 */
const skip = redisMissing() ?? false;

describe('team runner: masked regions', { skip, timeout: 240_000 }, () => {
  let redis: TestRedis;
  let runner: BullRunner;
  let worker: GpuWorker;
  let engine: Awaited<ReturnType<typeof createTestEngineAsync>>;
  const prefix = testPrefix('regions');

  before(async () => {
    redis = await startRedisAsync();
    engine = await createTestEngineAsync();
    worker = await startGpuWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-regions', engine: engine.engine, engineInfo: engine.engine.info, logger: createMemoryLogger() });
    runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 });
  });

  after(async () => {
    await runner?.closeAsync();
    await worker?.closeAsync();
    await engine?.cleanupAsync();
    await redis?.stopAsync();
  });

  const [W, H] = [48, 32];
  const region: Rect = [4, 4, 10, 12];

  /** A job on one 48×32 content image masked by `region` (a half-size luminance mask), featherPx 2. */
  async function maskedSpecAsync(listener: RecordingListener, options: JobSpec['options']): Promise<JobSpec> {
    return {
      requestId: 'req-masked',
      owner: 'designer-m',
      clientName: 'atelier-figma',
      connectionId: 'conn-m',
      placement: { document: 'doc-m', label: 'Hero · Stripes', data: '{}' },
      contents: [await testImageAsync('content', W, H)],
      styles: [{ bytes: await testImageAsync('style', 32, 32, 'jpeg'), weight: 1 }],
      regions: [{ content: 0, mask: await rectMaskAsync(W / 2, H / 2, [region]), styles: [0] }],
      featherPx: 2,
      options: { optimizer: 'adam', width: W, height: H, previewEvery: 0, ...options },
      progressEvery: 1,
      listener,
    };
  }

  it('a masked job keeps its mask and regions through Redis: the result keeps every pixel past the feather', async () => {
    const listener = new RecordingListener();
    const spec = await maskedSpecAsync(listener, { stages: 1, iterations: 4 });
    const content = spec.contents[0]!;
    const submitted = await runner.submitAsync(spec);
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const end = await listener.endOfAsync(submitted.jobId, 120_000);
    assert.equal(end.type, 'completed', JSON.stringify(end));
    const [result] = listener.received.filter((r) => r.message.type === 'result');
    await assertMaskedResultAsync(result!.images!.get('result')!, content, [scaledRect(region, 2)], 2);

    // What Redis kept of it, as another front door or worker reads it.
    const reader = new Redis(redis.url);
    const record = await new TeamJobStore(reader, teamKeys(prefix)).getAsync(submitted.jobId).finally(() => reader.disconnect());
    assert.deepEqual([record?.regions, record?.featherPx], [[{ content: 0, styles: [0] }], 2]);

    // A panel reopened later: the kept result, once, with the mask's effect.
    const later = new RecordingListener();
    assert.ok(await runner.reattachAsync(submitted.jobId, 'designer-m', later));
    await later.endOfAsync(submitted.jobId);
    const again = later.received.filter((r) => r.message.type === 'result');
    assert.equal(again.length, 1);
    await assertMaskedResultAsync(again[0]!.images!.get('result')!, content, [scaledRect(region, 2)], 2);
  });

  it('a masked job handed back mid-job by a stopping worker is resumed masked by the next one', async () => {
    const listener = new RecordingListener();
    const spec = await maskedSpecAsync(listener, { stages: 2, scale: 2, iterations: 400, progressEvery: 10 });
    const submitted = await runner.submitAsync(spec);
    assert.ok(submitted.ok, JSON.stringify(submitted));
    await listener.waitForAsync((m) => m.type === 'progress' && m.jobId === submitted.jobId && m.stage === 2, 'stage 2 under way', 120_000);
    // The first worker stops (SIGTERM's path): the job goes back to the queue with its first stage kept in Redis.
    await worker.closeAsync();
    worker = await startGpuWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-regions-2', engine: engine.engine, engineInfo: engine.engine.info, logger: createMemoryLogger() });
    const end = await listener.endOfAsync(submitted.jobId, 120_000);
    assert.equal(end.type, 'completed', JSON.stringify(end));
    const moved = listener.of('started', submitted.jobId).at(-1);
    assert.deepEqual([moved?.worker, moved?.resumedFromStage], ['gpu-regions-2', 2], 'the second worker resumed at stage 2');
    const [result] = listener.received.filter((r) => r.message.type === 'result');
    await assertMaskedResultAsync(result!.images!.get('result')!, spec.contents[0]!, [scaledRect(region, 2)], 2);
  });
});
