import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { STALLED_OUT_SENTENCE } from '../../daemon/team/gpu-worker.ts';
import { readTeamStatusAsync } from '../../daemon/team/team-status.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { STAND_IN_CRASH_SEED } from './stand-in-engine.ts';
import { RecordingListener, specAsync, spawnWorkerAsync, testPrefix, type WorkerProcess } from './runner-harness.ts';

/**
 * A job that kills every worker that takes it (the OOM killer's SIGKILL) is not retried for
 * ever: past the stall limit (1 here) it fails with a sentence, and the queue goes on.
 */
const skip = redisMissing() ?? false;

describe('team runner: a job that crashes its workers', { skip, timeout: 180_000 }, () => {
  let redis: TestRedis;
  let runner: BullRunner;
  const prefix = testPrefix('crash');
  const workers: WorkerProcess[] = [];

  before(async () => {
    redis = await startRedisAsync();
    for (const name of ['gpu-x', 'gpu-y', 'gpu-z']) {
      workers.push(await spawnWorkerAsync({ redisUrl: redis.url, prefix, name, iterationMs: 60, lockMs: 1_000, stalledMs: 500, maxStalled: 1 }));
    }
    runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 });
  });

  after(async () => {
    await runner?.closeAsync();
    for (const worker of workers) await worker.stopAsync('SIGKILL');
    await redis?.stopAsync();
  });

  it('fails after the stall limit with a sentence; the surviving worker runs the next job', async () => {
    const listener = new RecordingListener();
    const crashing = await runner.submitAsync(await specAsync({ owner: 'oom', listener, options: { seed: STAND_IN_CRASH_SEED } }));
    assert.ok(crashing.ok);
    const end = await listener.endOfAsync(crashing.jobId, 60_000);
    assert.deepEqual([end.type, end.type === 'error' && end.code, end.type === 'error' && end.message], ['error', 'engine-failed', STALLED_OUT_SENTENCE]);
    const died = workers.filter((w) => w.child.signalCode === 'SIGKILL').map((w) => w.name);
    assert.equal(died.length, 2, `two workers taken down (${died.join(', ')}), not every one`);
    assert.equal(listener.of('started', crashing.jobId).length, 2, 'started twice: once, then resumed once');

    const next = await runner.submitAsync(await specAsync({ owner: 'other', listener }));
    assert.ok(next.ok);
    assert.equal((await listener.endOfAsync(next.jobId)).type, 'completed');
    const status = await readTeamStatusAsync(redis.url, { prefix });
    assert.ok(status.failures.some((f) => f.jobId === crashing.jobId && f.message === STALLED_OUT_SENTENCE));
    assert.deepEqual((await runner.listAsync('oom', 'doc-1')).map((j) => [j.state, j.message]), [['failed', STALLED_OUT_SENTENCE]]);
  });
});
