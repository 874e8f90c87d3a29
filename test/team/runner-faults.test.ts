import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { teamKeys } from '../../daemon/team/redis-keys.ts';
import { decodeTeamEvent } from '../../daemon/team/team-events.ts';
import { startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { readTeamStatusAsync } from '../../daemon/team/team-status.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { STAND_IN_FAIL_SEED, STAND_IN_FAIL_SENTENCE } from './stand-in-engine.ts';
import { RecordingListener, specAsync, spawnWorkerAsync, testPrefix, type WorkerProcess } from './runner-harness.ts';

/**
 * Issue 30's faults with real processes: two stand-in GPU workers (test/team/stand-in-worker.ts)
 * on a real redis-server, the front door's BullRunner in this process.
 */
const skip = redisMissing() ?? false;
const ITERATION_MS = 120;

describe('team runner: faults', { skip, timeout: 180_000 }, () => {
  let redis: TestRedis;
  let runner: BullRunner;
  const prefix = testPrefix('faults');
  const workers = new Map<string, WorkerProcess>();

  before(async () => {
    redis = await startRedisAsync();
    // Short lock and stalled checks: a killed worker's job moves on within about two seconds.
    for (const name of ['gpu-a', 'gpu-b']) {
      workers.set(name, await spawnWorkerAsync({ redisUrl: redis.url, prefix, name, iterationMs: ITERATION_MS, lockMs: 1_500, stalledMs: 500 }));
    }
    runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger: createMemoryLogger(), workerPollMs: 200 });
  });

  after(async () => {
    await runner?.closeAsync();
    for (const worker of workers.values()) await worker.stopAsync('SIGKILL');
    await redis?.stopAsync();
  });

  it('a worker killed mid-job: another resumes it from its last stage, and the designer gets exactly one result per image', async () => {
    // What the workers sent on the channel, before the front door's once-only delivery.
    const tap = new Redis(redis.url);
    const sentResults: number[] = [];
    tap.on('messageBuffer', (_channel: Buffer, bytes: Buffer) => {
      const event = decodeTeamEvent(bytes);
      if (event?.kind === 'message' && event.message.type === 'result') sentResults.push(event.message.contentIndex);
    });
    await tap.subscribe(teamKeys(prefix).events);
    const listener = new RecordingListener();
    const submitted = await runner.submitAsync(await specAsync({ owner: 'designer-1', listener, contents: 2 }));
    assert.ok(submitted.ok, JSON.stringify(submitted));
    const jobId = submitted.jobId;
    const first = await listener.waitForAsync((m) => m.type === 'started', 'started');
    assert.equal(first.type, 'started');
    const firstWorker = first.type === 'started' ? first.worker : undefined;
    assert.ok(firstWorker && workers.has(firstWorker), `started names its worker (${firstWorker})`);
    // The second image's first stage is saved once its second stage reports.
    await listener.waitForAsync((m) => m.type === 'progress' && m.contentIndex === 1 && m.stage === 2, 'second image, stage 2');
    await workers.get(firstWorker)!.stopAsync('SIGKILL');

    const end = await listener.endOfAsync(jobId, 60_000);
    assert.equal(end.type, 'completed', JSON.stringify(end));
    const results = listener.of('result', jobId);
    assert.deepEqual(results.map((r) => r.contentIndex).sort(), [0, 1], 'one result per content image, none twice');
    // The second worker sent the first image's kept result again: the designer still got it once.
    assert.deepEqual(sentResults.sort(), [0, 0, 1]);
    tap.disconnect();
    const moved = listener.of('started', jobId).filter((s) => s.worker !== firstWorker);
    assert.equal(moved.length, 1, 'the move shows as a started from another worker');
    assert.equal(moved[0]!.contentIndex, 1);
    assert.equal(moved[0]!.resumedFromStage, 2, 'resumed after the saved first stage');
    assert.equal(listener.of('completed', jobId).length, 1);
    // The finished job is kept for its panel, listed once.
    const listed = await runner.listAsync('designer-1', 'doc-1');
    assert.deepEqual(listed.map((j) => [j.jobId, j.state]), [[jobId, 'finished']]);
  });

  it('a job the engine refuses fails once with the engine’s sentence and is not retried', async () => {
    const listener = new RecordingListener();
    const submitted = await runner.submitAsync(await specAsync({ owner: 'designer-2', listener, options: { seed: STAND_IN_FAIL_SEED } }));
    assert.ok(submitted.ok);
    const end = await listener.endOfAsync(submitted.jobId);
    assert.deepEqual([end.type, end.type === 'error' && end.code, end.type === 'error' && end.message], ['error', 'bad-options', STAND_IN_FAIL_SENTENCE]);
    // A later job by the same designer runs: nothing retried the failed one in between.
    const next = await runner.submitAsync(await specAsync({ owner: 'designer-2', listener }));
    assert.ok(next.ok);
    assert.equal((await listener.endOfAsync(next.jobId)).type, 'completed');
    assert.equal(listener.of('error', submitted.jobId).length, 1, 'one error');
    assert.equal(listener.of('started', submitted.jobId).length, 0, 'never started again');
    const listed = await runner.listAsync('designer-2', 'doc-1');
    assert.deepEqual(listed.find((j) => j.jobId === submitted.jobId), {
      jobId: submitted.jobId,
      state: 'failed',
      message: STAND_IN_FAIL_SENTENCE,
      contentCount: 1,
      placement: listed.find((j) => j.jobId === submitted.jobId)!.placement,
      acceptedAt: listed.find((j) => j.jobId === submitted.jobId)!.acceptedAt,
    });
    const status = await readTeamStatusAsync(redis.url, { prefix });
    assert.ok(status.failures.some((f) => f.jobId === submitted.jobId && f.message === STAND_IN_FAIL_SENTENCE), 'listed among recent failures');
  });

  it('a worker stopped with SIGTERM hands its job back: another worker resumes it, and the designer sees no cancel', async () => {
    workers.set('gpu-c', await spawnWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-c', iterationMs: ITERATION_MS, lockMs: 1_500, stalledMs: 500 }));
    const listener = new RecordingListener();
    const submitted = await runner.submitAsync(await specAsync({ owner: 'designer-8', listener }));
    assert.ok(submitted.ok);
    const first = await listener.waitForAsync((m) => m.type === 'started', 'started');
    const firstWorker = first.type === 'started' ? first.worker : undefined;
    await listener.waitForAsync((m) => m.type === 'progress' && m.stage === 2, 'stage 2');
    await workers.get(firstWorker!)!.stopAsync('SIGTERM');
    assert.equal(workers.get(firstWorker!)!.child.exitCode, 0, 'exited cleanly');
    const end = await listener.endOfAsync(submitted.jobId);
    assert.equal(end.type, 'completed', JSON.stringify(end));
    const again = listener.of('started', submitted.jobId).filter((s) => s.worker !== firstWorker);
    assert.equal(again.length, 1);
    assert.ok((again[0]!.resumedFromStage ?? 0) >= 2, 'resumed after a saved stage');
    assert.equal(listener.of('result', submitted.jobId).length, 1);
  });

  it('a cancel stops the running job within one iteration; a waiting one leaves the queue; other designers’ jobs complete', async () => {
    const mine = new RecordingListener();
    const theirs = new RecordingListener();
    const running = await runner.submitAsync(await specAsync({ owner: 'designer-3', listener: mine, options: { iterations: 30 } }));
    assert.ok(running.ok);
    const waiting = await runner.submitAsync(await specAsync({ owner: 'designer-3', listener: mine }));
    assert.ok(waiting.ok);
    const others = [];
    for (let i = 0; i < 3; i++) {
      const other = await runner.submitAsync(await specAsync({ owner: `designer-${4 + i}`, listener: theirs }));
      assert.ok(other.ok);
      others.push(other.jobId);
    }
    await mine.waitForAsync((m) => m.type === 'progress' && m.jobId === running.jobId && m.iteration >= 2, 'two iterations');
    assert.equal(await runner.cancelAsync(waiting.jobId, 'designer-3'), true);
    assert.equal((await mine.endOfAsync(waiting.jobId)).type, 'cancelled');
    assert.equal(await runner.cancelAsync(running.jobId, 'someone-else'), false, 'only its owner cancels a job');
    assert.equal(await runner.cancelAsync(running.jobId, 'designer-3'), true);
    const progressBefore = mine.of('progress', running.jobId).length;
    const end = await mine.endOfAsync(running.jobId);
    assert.deepEqual(end, { type: 'cancelled', jobId: running.jobId, reason: 'client' });
    // At most the report already on its way and the iteration under way when the cancel arrived.
    assert.ok(mine.of('progress', running.jobId).length - progressBefore <= 2, 'stopped within one iteration');
    assert.equal(mine.of('started', waiting.jobId).length, 0, 'the waiting job never started');
    for (const jobId of others) assert.equal((await theirs.endOfAsync(jobId)).type, 'completed', `${jobId} completed`);
    assert.deepEqual(await runner.listAsync('designer-3', 'doc-1'), [], 'cancelled jobs are not kept');
  });
});
