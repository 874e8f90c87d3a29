import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { REDIS_DOWN_SENTENCE, TeamStoreError } from '../../daemon/team/redis-connection.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { RecordingListener, specAsync, spawnWorkerAsync, testPrefix, type WorkerProcess } from './runner-harness.ts';

/**
 * Redis restarted with its append-only file on (fsync'd on every write, so a SIGKILL loses
 * nothing): waiting jobs survive and complete; while it is down a designer gets a sentence at
 * once; the front door and the worker reconnect by themselves.
 */
const skip = redisMissing() ?? false;
/** Longer than any bounded answer may take, short of the test's own timeout: a hang fails here. */
const NO_HANG_MS = 10_000;

function withinAsync<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} hung`)), NO_HANG_MS))]);
}

describe('team runner: Redis restarted', { skip, timeout: 180_000 }, () => {
  let redis: TestRedis;
  let runner: BullRunner;
  let worker: WorkerProcess;
  const prefix = testPrefix('restart');

  before(async () => {
    redis = await startRedisAsync({ appendOnly: true });
    worker = await spawnWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-r', iterationMs: 100, lockMs: 10_000, stalledMs: 2_000 });
    runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 });
  });

  after(async () => {
    await runner?.closeAsync();
    await worker?.stopAsync('SIGKILL');
    await redis?.stopAsync();
  });

  it('waiting jobs survive a crash of Redis and complete; meanwhile a designer gets a sentence, not a hang', async () => {
    const listener = new RecordingListener();
    const jobIds: string[] = [];
    for (const owner of ['d-1', 'd-2', 'd-3', 'd-4']) {
      const submitted = await runner.submitAsync(await specAsync({ owner, listener }));
      assert.ok(submitted.ok, JSON.stringify(submitted));
      jobIds.push(submitted.jobId);
    }
    await listener.waitForAsync((m) => m.type === 'progress' && m.jobId === jobIds[0], 'the first job running');

    await redis.restartAsync({
      signal: 'SIGKILL',
      whileDownAsync: async () => {
        const refused = await withinAsync(runner.submitAsync(await specAsync({ owner: 'd-5', listener })), 'submit');
        assert.deepEqual(refused, { ok: false, code: 'not-ready', message: REDIS_DOWN_SENTENCE });
        await assert.rejects(withinAsync(runner.listAsync('d-1', 'doc-1'), 'list'), (error: unknown) => error instanceof TeamStoreError && error.message === REDIS_DOWN_SENTENCE);
        await assert.rejects(withinAsync(runner.cancelAsync(jobIds[3]!, 'd-4'), 'cancel'), TeamStoreError);
      },
    });

    for (const jobId of jobIds) assert.equal((await listener.endOfAsync(jobId, 60_000)).type, 'completed', `${jobId} completed`);
    for (const jobId of jobIds) assert.equal(listener.of('result', jobId).length, 1, `${jobId}: one result`);

    // Back without anyone's help: a new job is accepted and runs.
    let again = await runner.submitAsync(await specAsync({ owner: 'd-5', listener }));
    for (let tries = 0; !again.ok && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      again = await runner.submitAsync(await specAsync({ owner: 'd-5', listener }));
    }
    assert.ok(again.ok, JSON.stringify(again));
    assert.equal((await listener.endOfAsync(again.jobId)).type, 'completed');
  });

  it('a front door started while Redis is down starts, answers with the sentence, and serves once Redis is back', async () => {
    let late: BullRunner | undefined;
    try {
      await redis.restartAsync({
        whileDownAsync: async () => {
          late = await withinAsync(startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 }), 'start');
          const refused = await withinAsync(late.submitAsync(await specAsync({ owner: 'd-6', listener: new RecordingListener() })), 'submit');
          assert.deepEqual(refused, { ok: false, code: 'not-ready', message: REDIS_DOWN_SENTENCE });
        },
      });
      const listener = new RecordingListener();
      let submitted = await late!.submitAsync(await specAsync({ owner: 'd-6', listener }));
      for (let tries = 0; !submitted.ok && tries < 50; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        submitted = await late!.submitAsync(await specAsync({ owner: 'd-6', listener }));
      }
      assert.ok(submitted.ok, JSON.stringify(submitted));
      assert.equal((await listener.endOfAsync(submitted.jobId)).type, 'completed');
    } finally {
      await late?.closeAsync();
    }
  });
});
