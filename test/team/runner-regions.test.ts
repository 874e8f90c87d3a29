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

  it('a masked job keeps its mask and regions through Redis: the result keeps every pixel past the feather', async () => {
    const [W, H] = [48, 32];
    const region: Rect = [4, 4, 10, 12];
    const content = await testImageAsync('content', W, H);
    const listener = new RecordingListener();
    const spec: JobSpec = {
      requestId: 'req-masked',
      owner: 'designer-m',
      clientName: 'atelier-figma',
      connectionId: 'conn-m',
      placement: { document: 'doc-m', label: 'Hero · Stripes', data: '{}' },
      contents: [content],
      styles: [{ bytes: await testImageAsync('style', 32, 32, 'jpeg'), weight: 1 }],
      regions: [{ content: 0, mask: await rectMaskAsync(W / 2, H / 2, [region]), styles: [0] }],
      featherPx: 2,
      options: { optimizer: 'adam', stages: 1, width: W, height: H, iterations: 4, previewEvery: 0 },
      progressEvery: 1,
      listener,
    };
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
});
