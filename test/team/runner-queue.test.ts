import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createMemoryLogger } from '../../daemon/server/index.ts';
import { NO_WORKER_SENTENCE, startBullRunnerAsync, type BullRunner } from '../../daemon/team/bull-runner.ts';
import { teamKeys } from '../../daemon/team/redis-keys.ts';
import { formatTeamStatus, readTeamStatusAsync } from '../../daemon/team/team-status.ts';
import { runTeamStatusCommandAsync } from '../../daemon/cli/team-status-command.ts';
import { redisMissing, startRedisAsync, type TestRedis } from '../support/redis-server.ts';
import { RecordingListener, specAsync, spawnWorkerAsync, testPrefix, type WorkerProcess } from './runner-harness.ts';

/**
 * The team queue's rules with one real stand-in worker: fairness by BullMQ priorities,
 * per-designer limits, two front doors on one Redis (and one restarted), revoke, status.
 */
const skip = redisMissing() ?? false;

function collect(): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = { write: (chunk: string) => ((text += chunk), true) } as unknown as NodeJS.WritableStream;
  return { stream, text: () => text };
}

describe('team runner: queue', { skip, timeout: 240_000 }, () => {
  let redis: TestRedis;
  let runner: BullRunner;
  let worker: WorkerProcess;
  const prefix = testPrefix('queue');
  const logger = createMemoryLogger();

  before(async () => {
    redis = await startRedisAsync();
    worker = await spawnWorkerAsync({ redisUrl: redis.url, prefix, name: 'gpu-q', iterationMs: 40 });
    runner = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger, workerPollMs: 200, maxWaitingPerDesigner: 3, maxSidePerDesigner: 128 });
  });

  after(async () => {
    await runner?.closeAsync();
    await worker?.stopAsync('SIGKILL');
    await redis?.stopAsync();
  });

  it('a designer’s second job waits behind other designers’ first; per-designer limits refuse with a sentence', async () => {
    const listener = new RecordingListener();
    const blocker = await runner.submitAsync(await specAsync({ owner: 'z', listener, options: { iterations: 12 } }));
    assert.ok(blocker.ok);
    await listener.waitForAsync((m) => m.type === 'started' && m.jobId === blocker.jobId, 'the blocker running');
    const names = new Map<string, string>();
    for (const [owner, label] of [['a', 'A1'], ['a', 'A2'], ['a', 'A3'], ['b', 'B1'], ['c', 'C1'], ['b', 'B2']] as const) {
      const submitted = await runner.submitAsync(await specAsync({ owner, listener }));
      assert.ok(submitted.ok, `${label}: ${JSON.stringify(submitted)}`);
      names.set(submitted.jobId, label);
    }
    const fourth = await runner.submitAsync(await specAsync({ owner: 'a', listener }));
    assert.deepEqual(fourth.ok ? null : [fourth.code, /3 jobs waiting/.test(fourth.message)], ['busy', true], 'a designer’s waiting jobs are bounded');
    const large = await runner.submitAsync(await specAsync({ owner: 'd', listener, options: { maxSide: 256 } }));
    assert.deepEqual(large.ok ? null : [large.code, large.message.includes('up to 128 pixels')], ['bad-options', true], 'largest side bounded');

    for (const jobId of names.keys()) assert.equal((await listener.endOfAsync(jobId)).type, 'completed');
    const order = listener.of('started').map((s) => names.get(s.jobId)).filter((n) => n !== undefined);
    assert.deepEqual(order, ['A1', 'B1', 'C1', 'A2', 'B2', 'A3']);
  });

  it('a designer’s later jobs move up a rank as each of theirs ends, so they do not wait behind newcomers’ second jobs', async () => {
    const listener = new RecordingListener();
    const names = new Map<string, string>();
    const submitAsync = async (owner: string, label: string, iterations = 4): Promise<string> => {
      const submitted = await runner.submitAsync(await specAsync({ owner, listener, options: { iterations } }));
      assert.ok(submitted.ok, `${label}: ${JSON.stringify(submitted)}`);
      names.set(submitted.jobId, label);
      return submitted.jobId;
    };
    await submitAsync('p', 'P1');
    const p2 = await submitAsync('p', 'P2', 12);
    await submitAsync('p', 'P3');
    await listener.waitForAsync((m) => m.type === 'started' && m.jobId === p2, 'P2 running');
    // P3 is now P's second active job (rank 2); Q's first goes before it, Q's second after it.
    await submitAsync('q', 'Q1');
    await submitAsync('q', 'Q2');
    for (const jobId of names.keys()) assert.equal((await listener.endOfAsync(jobId)).type, 'completed');
    const order = listener.of('started').map((s) => names.get(s.jobId)).filter((n) => n !== undefined);
    assert.deepEqual(order, ['P1', 'P2', 'Q1', 'P3', 'Q2']);
  });

  it('two front doors serve the same designers, and a restarted one finds a running job again', async () => {
    const listener = new RecordingListener();
    const submitted = await runner.submitAsync(await specAsync({ owner: 'e', listener, document: 'doc-e', options: { iterations: 10 } }));
    assert.ok(submitted.ok);
    await listener.waitForAsync((m) => m.type === 'progress' && m.jobId === submitted.jobId, 'running');
    const other = await startBullRunnerAsync({ redisUrl: redis.url, prefix, logger, workerPollMs: 200 });
    try {
      assert.deepEqual(other.info(), { engine: 'stand-in', backend: 'stand-in', device: 'stand-in:gpu-q', convention: 'caffe' });
      assert.deepEqual((await other.listAsync('e', 'doc-e')).map((j) => [j.jobId, j.state]), [[submitted.jobId, 'running']]);
      assert.equal(await other.reattachAsync(submitted.jobId, 'someone-else', new RecordingListener()), false);
      const panel = new RecordingListener();
      assert.equal(await other.reattachAsync(submitted.jobId, 'e', panel), true);
      // A panel reattaching sees where the job is at once.
      assert.equal(panel.messages()[0]?.type, 'started');
      await runner.closeAsync();
      assert.equal((await panel.endOfAsync(submitted.jobId)).type, 'completed');
      assert.equal(panel.of('result').length, 1);
      // Finished: a second reattach gets the result from Redis; placing it forgets the job.
      const later = new RecordingListener();
      assert.equal(await other.reattachAsync(submitted.jobId, 'e', later), true);
      assert.deepEqual(later.messages().map((m) => m.type), ['result', 'completed']);
      assert.equal(await other.placedAsync(submitted.jobId, 'e'), true);
      assert.deepEqual(await other.listAsync('e', 'doc-e'), []);
    } finally {
      runner = other;
    }
  });

  it('a connection’s jobs without a placement end with it; a revoked designer’s jobs and results are gone', async () => {
    const cli = new RecordingListener();
    const unplaced = await runner.submitAsync(await specAsync({ owner: 'f', listener: cli, document: null, connectionId: 'conn-cli', options: { iterations: 30 } }));
    assert.ok(unplaced.ok);
    const watcher = new RecordingListener();
    await cli.waitForAsync((m) => m.type === 'progress', 'running');
    assert.equal(await runner.reattachAsync(unplaced.jobId, 'f', watcher), true);
    assert.equal(runner.connectionClosed('conn-cli', cli), 1);
    assert.deepEqual(await watcher.endOfAsync(unplaced.jobId), { type: 'cancelled', jobId: unplaced.jobId, reason: 'disconnect' });

    const panel = new RecordingListener();
    const kept = await runner.submitAsync(await specAsync({ owner: 'g', listener: panel, document: 'doc-g' }));
    assert.ok(kept.ok);
    assert.equal((await panel.endOfAsync(kept.jobId)).type, 'completed');
    const running = await runner.submitAsync(await specAsync({ owner: 'g', listener: panel, document: 'doc-g', options: { iterations: 30 } }));
    const waiting = await runner.submitAsync(await specAsync({ owner: 'g', listener: panel, document: 'doc-g' }));
    assert.ok(running.ok && waiting.ok);
    await panel.waitForAsync((m) => m.type === 'progress' && m.jobId === running.jobId, 'running');
    await runner.revokeOwnerAsync('g');
    assert.equal((await panel.endOfAsync(running.jobId)).type, 'cancelled');
    assert.equal((await panel.endOfAsync(waiting.jobId)).type, 'cancelled');
    assert.deepEqual(await runner.listAsync('g', 'doc-g'), []);
    const keys = teamKeys(prefix);
    const probe = new Redis(redis.url);
    try {
      assert.equal(await probe.exists(keys.results(kept.jobId), keys.job(kept.jobId)), 0, 'kept results deleted');
    } finally {
      probe.disconnect();
    }
  });

  it('status lists the workers (device, current job, jobs done, heartbeat), waiting jobs per designer and failures', async () => {
    const status = await readTeamStatusAsync(redis.url, { prefix });
    assert.equal(status.workers.length, 1);
    const [w] = status.workers;
    assert.equal(w!.name, 'gpu-q');
    assert.equal(w!.device, 'stand-in:gpu-q');
    assert.ok(w!.jobsDone >= 8, `jobs done counted (${w!.jobsDone})`);
    assert.ok(Date.now() - Date.parse(w!.lastHeartbeat) < 60_000);
    assert.match(formatTeamStatus(status), /gpu-q .*stand-in:gpu-q .*idle .*done/);

    const out = collect();
    const err = collect();
    const code = await runTeamStatusCommandAsync(['--json', '--prefix', prefix], { stdout: out.stream, stderr: err.stream, env: { ATELIER_REDIS_URL: redis.url } });
    assert.equal(code, 0, err.text());
    const json = JSON.parse(out.text()) as { workers: Array<{ name: string }>; waiting: unknown[]; failures: unknown[] };
    assert.deepEqual(json.workers.map((x) => x.name), ['gpu-q']);
    assert.ok(Array.isArray(json.waiting) && Array.isArray(json.failures));
  });

  it('no worker alive: info() is null and a job is refused with a sentence', async () => {
    const lonely = await startBullRunnerAsync({ redisUrl: redis.url, prefix: testPrefix('no-worker'), logger, workerPollMs: 200 });
    try {
      assert.equal(lonely.info(), null);
      assert.deepEqual(await lonely.submitAsync(await specAsync({ owner: 'h', listener: new RecordingListener() })), { ok: false, code: 'not-ready', message: NO_WORKER_SENTENCE });
    } finally {
      await lonely.closeAsync();
    }
    await worker.stopAsync('SIGTERM');
    assert.deepEqual((await readTeamStatusAsync(redis.url, { prefix })).workers, [], 'a stopped worker says goodbye');
  });
});
