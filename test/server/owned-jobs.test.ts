import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createMemoryLogger, startDaemonServerAsync, type DaemonServer } from '../../daemon/server/index.ts';
import type { Placement } from '../../protocol/index.ts';
import type { Engine } from '../../daemon/engine/index.ts';
import { createTestEngineAsync, pairedClientAsync, smallStylizeAsync, startTestDaemonAsync, type TestDaemon } from './test-daemon.ts';
import { TestClient, type TestKey } from './test-client.ts';

/**
 * Issue 32: a job with a placement belongs to the pairing (its key), not to the connection that
 * asked: closing the panel does not cancel it, and its results wait on disk until a panel of
 * that pairing lists, reattaches and says `placed`.
 */

let testEngine: Engine;
let cleanupEngineAsync: () => Promise<void>;
let daemon: TestDaemon;
const engine = (): Engine => testEngine;

before(async () => {
  ({ engine: testEngine, cleanupAsync: cleanupEngineAsync } = await createTestEngineAsync());
  daemon = await startTestDaemonAsync(engine(), { maxQueuedJobsPerClient: 8 });
});
after(async () => {
  await daemon.stopAsync();
  await cleanupEngineAsync();
});

const placement = (document: string, label = 'Hero · Starry Night'): Placement => ({ document, label, data: JSON.stringify({ source: '1:2', document }) });

async function reopenAsync(server: DaemonServer, key: TestKey): Promise<TestClient> {
  const client = await TestClient.connectAsync(server.url);
  await client.authenticateAsync(key);
  return client;
}

async function listAsync(client: TestClient, document: string) {
  client.send({ type: 'list-jobs', document });
  return (await client.waitForAsync('jobs', (m) => m.document === document)).message.jobs;
}

test('closing the panel mid-job does not cancel it: a reopened panel sees its progress again, gets the result once, and placed forgets it', async () => {
  const { client, key } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('owned', { iterations: 400, previewEvery: 0 });
  client.send({ ...job.message, placement: placement('file-a') }, job.images);
  const { jobId } = (await client.waitForAsync('accepted')).message;
  await client.waitForAsync('progress');
  client.close();
  await client.closedAsync();

  const panel = await reopenAsync(daemon.server, key);
  const listed = await listAsync(panel, 'file-a');
  assert.equal(listed.length, 1);
  assert.equal(listed[0]!.jobId, jobId);
  assert.equal(listed[0]!.state, 'running', 'the job ran on with its panel closed');
  assert.deepEqual(listed[0]!.placement, placement('file-a'), 'the placement comes back as it was sent');
  panel.send({ type: 'reattach', jobId });
  const started = await panel.waitForAsync('started', (m) => m.jobId === jobId);
  assert.equal(started.message.contentCount, 1);
  const progress = (await panel.waitForAsync('progress', (m) => m.jobId === jobId)).message;
  const later = (await panel.waitForAsync('progress', (m) => m.jobId === jobId && m.iteration > progress.iteration)).message;
  assert.ok(later.iteration > progress.iteration, 'live progress continues on the reopened panel');
  const result = await panel.waitForAsync('result', (m) => m.jobId === jobId);
  assert.ok(result.images.get('result')!.byteLength > 0);
  await panel.waitForAsync('completed', (m) => m.jobId === jobId);
  assert.ok(!daemon.logger.lines.some((l) => l.event === 'job-end' && l.jobId === jobId && l.outcome === 'cancelled'));

  // Finished and not yet placed: still listed (the panel may close before it inserts).
  assert.equal((await listAsync(panel, 'file-a'))[0]!.state, 'finished');
  panel.send({ type: 'placed', jobId });
  assert.deepEqual(await listAsync(panel, 'file-a'), [], 'placed: forgotten');
  panel.send({ type: 'reattach', jobId });
  assert.equal((await panel.waitForAsync('error', (m) => m.jobId === jobId)).message.code, 'unknown-job', 'a placed result is not handed out twice');
  panel.close();
});

test('a job that finishes with its panel closed waits on disk, is announced once, and a reopened panel receives it once', async () => {
  const { client, key } = await pairedClientAsync(daemon.server);
  // The record is finished on disk a moment before the tray is told, so the list the tray is
  // sent, not waitingResults(), is what says the job is waiting.
  const announced: Array<{ listed: string[]; label: string | undefined }> = [];
  const off = daemon.server.on('waiting-results', (waiting, ready) => announced.push({ listed: waiting.map((w) => w.jobId), label: ready?.label }));
  const job = await smallStylizeAsync('closed', { iterations: 30, previewEvery: 0 });
  client.send({ ...job.message, placement: placement('file-a', 'Card · Waves') }, job.images);
  const { jobId } = (await client.waitForAsync('accepted')).message;
  client.close();
  await client.closedAsync();
  while (!announced.some((a) => a.listed.includes(jobId))) await new Promise((r) => setTimeout(r, 20));
  off();
  assert.ok(announced.some((a) => a.label === 'Card · Waves'), 'the tray hears that it is ready');
  const waiting = daemon.server.waitingResults().find((w) => w.jobId === jobId)!;
  assert.equal(waiting.editor, 'Figma');
  const files = await readdir(join(daemon.configDir, 'jobs', jobId));
  assert.deepEqual(files.sort(), ['job.json', 'result-0.png'], 'only the result stays (inputs and stage images go)');

  const panel = await reopenAsync(daemon.server, key);
  const [listed] = await listAsync(panel, 'file-a');
  assert.equal(listed!.state, 'finished');
  panel.send({ type: 'reattach', jobId });
  const result = await panel.waitForAsync('result', (m) => m.jobId === jobId);
  assert.equal(result.message.image.width, 32);
  await panel.waitForAsync('completed', (m) => m.jobId === jobId);
  panel.send({ type: 'placed', jobId });
  await listAsync(panel, 'file-a');
  assert.equal(existsSync(join(daemon.configDir, 'jobs', jobId)), false, 'its files are deleted once placed');
  assert.ok(!daemon.server.waitingResults().some((w) => w.jobId === jobId));
  panel.close();
});

test('two files of one pairing each list only their own jobs; another pairing sees, follows and forgets none of them', async () => {
  const { client, key } = await pairedClientAsync(daemon.server);
  const ids: Record<string, string> = {};
  for (const document of ['file-a', 'file-b']) {
    const job = await smallStylizeAsync(`two-${document}`, { iterations: 3, previewEvery: 0 });
    client.send({ ...job.message, placement: placement(document) }, job.images);
    ids[document] = (await client.waitForAsync('accepted', (m) => m.requestId === `two-${document}`)).message.jobId;
    await client.waitForAsync('completed', (m) => m.jobId === ids[document]);
  }
  client.close();
  const panel = await reopenAsync(daemon.server, key);
  assert.deepEqual((await listAsync(panel, 'file-a')).map((j) => j.jobId), [ids['file-a']]);
  assert.deepEqual((await listAsync(panel, 'file-b')).map((j) => j.jobId), [ids['file-b']]);

  const other = (await pairedClientAsync(daemon.server)).client;
  assert.deepEqual(await listAsync(other, 'file-a'), []);
  for (const type of ['reattach', 'placed', 'cancel'] as const) {
    other.send({ type, jobId: ids['file-a']! });
    assert.equal((await other.waitForAsync('error', (m) => m.jobId === ids['file-a'])).message.code, 'unknown-job', `${type} by another pairing`);
  }
  assert.equal((await listAsync(panel, 'file-a')).length, 1, 'still there for its own pairing');
  for (const id of Object.values(ids)) panel.send({ type: 'placed', jobId: id });
  await listAsync(panel, 'file-a');
  panel.close();
  other.close();
});

test('Cancel still ends a job with a placement, and deletes it', async () => {
  const { client } = await pairedClientAsync(daemon.server);
  const job = await smallStylizeAsync('cancel-owned', { iterations: 2000, previewEvery: 0 });
  client.send({ ...job.message, placement: placement('file-c') }, job.images);
  const { jobId } = (await client.waitForAsync('accepted')).message;
  await client.waitForAsync('progress');
  client.send({ type: 'cancel', jobId });
  assert.equal((await client.waitForAsync('cancelled')).message.reason, 'client');
  while (existsSync(join(daemon.configDir, 'jobs', jobId))) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await listAsync(client, 'file-c'), []);
  client.close();
});

test('waiting results are bounded (oldest dropped first) and a revoke deletes every one', async () => {
  const local = await startTestDaemonAsync(engine(), { maxWaitingResults: 2, maxQueuedJobsPerClient: 8 });
  try {
    const { client, key } = await pairedClientAsync(local.server);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const job = await smallStylizeAsync(`bound-${i}`, { iterations: 2, previewEvery: 0 });
      client.send({ ...job.message, placement: placement('file-d') }, job.images);
      const { jobId } = (await client.waitForAsync('accepted', (m) => m.requestId === `bound-${i}`)).message;
      await client.waitForAsync('completed', (m) => m.jobId === jobId);
      ids.push(jobId);
    }
    while (local.server.waitingResults().length > 2) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual((await listAsync(client, 'file-d')).map((j) => j.jobId), ids.slice(1), 'the oldest result went first');
    assert.equal(existsSync(join(local.configDir, 'jobs', ids[0]!)), false);
    client.close();
    await local.server.revokeAllTokensAsync();
    assert.deepEqual(local.server.waitingResults(), []);
    assert.deepEqual(await readdir(join(local.configDir, 'jobs')), [], 'nothing kept past the revoke');
    void key;
  } finally {
    await local.stopAsync();
  }
});

test('a daemon stopped mid-job resumes it at its next start from the last finished stage', async () => {
  const configDir = await mkdtemp(join(tmpdir(), 'atelier-config-'));
  try {
    const first = await startDaemonServerAsync({ port: 0, configDir, engine: engine(), logger: createMemoryLogger(), pairingAttemptIntervalMs: 0 });
    const { client, key } = await pairedClientAsync(first);
    const job = await smallStylizeAsync('restart', { stages: 2, scale: 2, width: 64, height: 64, iterations: 150, previewEvery: 0 }, 64);
    client.send({ ...job.message, placement: placement('file-e') }, job.images);
    const { jobId } = (await client.waitForAsync('accepted')).message;
    await client.waitForAsync('progress', (m) => m.stage === 2);
    const stageFiles = (await readdir(join(configDir, 'jobs', jobId))).filter((f) => f.startsWith('stage-'));
    assert.deepEqual(stageFiles, ['stage-0-0.png'], 'the first stage\'s end is on disk');
    await first.close();

    const logger = createMemoryLogger();
    const second = await startDaemonServerAsync({ port: 0, configDir, engine: engine(), logger, pairingAttemptIntervalMs: 0 });
    try {
      const panel = await reopenAsync(second, key);
      const listed = await listAsync(panel, 'file-e');
      assert.equal(listed[0]?.jobId, jobId);
      assert.ok(listed[0]!.state === 'running' || listed[0]!.state === 'queued' || listed[0]!.state === 'finished');
      const resumed = logger.lines.find((l) => l.event === 'job-resume' && l.jobId === jobId);
      panel.send({ type: 'reattach', jobId });
      await panel.waitForAsync('result', (m) => m.jobId === jobId);
      await panel.waitForAsync('completed', (m) => m.jobId === jobId);
      const resume = resumed ?? logger.lines.find((l) => l.event === 'job-resume' && l.jobId === jobId);
      assert.equal(resume?.fromStage, 2, 'it started again at stage 2, not from scratch');
      const progressStages = panel.received.filter((r) => r.message.type === 'progress').map((r) => (r.message as { stage: number }).stage);
      assert.ok(!progressStages.includes(1), 'stage 1 did not run again');
      panel.close();
    } finally {
      await second.close();
    }
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
});
