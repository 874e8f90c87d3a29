import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readPngSize } from '../../protocol/index.ts';
import { runWorkerCommandAsync } from '../../daemon/cli/worker-command.ts';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { REAL_WEIGHTS_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';
import { RecordingListener, specAsync, testPrefix } from './runner-harness.ts';

/** `atelier worker` with the real engine and weights, against a real redis-server. */
const skip = redisMissing() ?? false;

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  return { stream: { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream, text: () => text };
}

describe('atelier worker', { skip, timeout: 240_000 }, () => {
  let redis: TestRedis;

  before(async () => {
    redis = await startRedisAsync();
  });

  after(async () => {
    await redis?.stopAsync();
  });

  it('answers bad usage and an unreachable Redis with a sentence', async () => {
    const err = sink();
    assert.equal(await runWorkerCommandAsync([], { stdout: sink().stream, stderr: err.stream, env: {} }), 2);
    assert.match(err.text(), /Pass --redis redis:\/\/HOST:6379 or set ATELIER_REDIS_URL/);
    const unreachable = sink();
    // Port 1 is never a Redis: refused at once.
    assert.equal(await runWorkerCommandAsync(['--redis', 'redis://127.0.0.1:1'], { stdout: sink().stream, stderr: unreachable.stream, env: {} }), 1);
    assert.match(unreachable.text(), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const badDevice = sink();
    assert.equal(await runWorkerCommandAsync(['--redis', redis.url, '--device', 'x'], { stdout: sink().stream, stderr: badDevice.stream, env: {} }), 2);
  });

  it('computes a job with the real engine, names itself in `started`, and stops on its signal', { skip: skipWithoutSharedWeights }, async () => {
    const prefix = testPrefix('real');
    const runner: BullRunner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 });
    const stop = new AbortController();
    const err = sink();
    const exit = runWorkerCommandAsync(['--redis', redis.url, '--prefix', prefix, '--name', 'real-1', '--weights', REAL_WEIGHTS_DIR], {
      stdout: sink().stream,
      stderr: err.stream,
      env: {},
      signal: stop.signal,
    });
    try {
      for (let i = 0; i < 600 && !runner.info(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.ok(runner.info(), `the worker announced itself:\n${err.text()}`);
      const listener = new RecordingListener();
      const submitted = await runner.submitAsync(await specAsync({ owner: 'r', listener, options: { maxSide: 32, stages: 1, iterations: 2 } }));
      assert.ok(submitted.ok, JSON.stringify(submitted));
      const end = await listener.endOfAsync(submitted.jobId, 120_000);
      assert.equal(end.type, 'completed', JSON.stringify(end));
      assert.equal(listener.of('started')[0]?.worker, 'real-1');
      const [result] = listener.received.filter((r) => r.message.type === 'result');
      assert.deepEqual(readPngSize(result!.images!.get('result')!), { width: 32, height: 32 });
    } finally {
      stop.abort();
      assert.equal(await exit, 0, err.text());
      await runner.closeAsync();
    }
  });
});
