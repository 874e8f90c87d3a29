import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import type { ListedJob, Placement } from '../../protocol/index.ts';
import { assertMaskedResultAsync, rectMaskAsync, scaledRect, type Rect } from '../server/region-images.ts';
import { smallStylizeAsync, testImageAsync } from '../server/test-daemon.ts';
import { TestClient, type TestKey } from '../server/test-client.ts';
import { spawnDaemon, type SpawnedDaemon } from './spawn-daemon.ts';

/**
 * Issue 32: a daemon killed with SIGKILL mid-job (a crash, a power cut) loses no job: at its
 * next start the job resumes from the last stage it finished, or, when it cannot (its inputs
 * are gone), a reopened panel is told it did not finish. The real daemon, as `npm start` runs it.
 */

let root: string;
let env: Record<string, string>;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-restart-'));
  const weights = join(root, 'weights');
  await writeRandomWeightsAsync(weights, { seed: 7 });
  env = { XDG_CONFIG_HOME: join(root, 'config'), XDG_CACHE_HOME: join(root, 'cache'), ATELIER_WEIGHTS: weights };
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const placement: Placement = { document: 'file-kill', label: 'Hero · Starry Night', data: '{"source":"1:2"}' };

async function startAsync(): Promise<{ daemon: SpawnedDaemon; url: string }> {
  const daemon = spawnDaemon(['--headless', '--port', '0'], env);
  const [, url] = await daemon.waitForAsync(/Listening on (ws:\/\/127\.0\.0\.1:\d+)/);
  await daemon.waitForAsync(/Ready: plugins can apply styles/);
  return { daemon, url: url! };
}

/** The job's folder, wherever the daemon keeps its jobs (its cache folder, or its config folder). */
async function jobFolderAsync(jobId: string): Promise<string> {
  for (;;) {
    for (const base of [join(env.XDG_CACHE_HOME!, 'atelier', 'jobs'), join(env.XDG_CONFIG_HOME!, 'atelier', 'jobs')]) {
      if (existsSync(join(base, jobId))) return join(base, jobId);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function killAsync(daemon: SpawnedDaemon): Promise<void> {
  daemon.child.kill('SIGKILL');
  await daemon.exitedAsync();
}

/** A mask at half the content's size (a scaled copy), white over [4, 14) × [4, 20): [8, 28) × [8, 40) on the content. */
const REGION: Rect = [4, 4, 14, 20];

async function submitUntilStageTwoAsync(client: TestClient, requestId: string, masked = false): Promise<string> {
  const job = await smallStylizeAsync(requestId, { stages: 2, scale: 2, width: 64, height: 64, iterations: 400, previewEvery: 0, progressEvery: 10 }, 64);
  const mask = masked ? { regions: [{ content: 'c0', mask: { id: 'm0', mime: 'image/png' as const, width: 32, height: 32 } }], featherPx: 2 } : {};
  if (masked) job.images.set('m0', await rectMaskAsync(32, 32, [REGION]));
  client.send({ ...job.message, ...mask, placement }, job.images);
  const { jobId } = (await client.waitForAsync('accepted', (m) => m.requestId === requestId)).message;
  await client.waitForAsync('progress', (m) => m.jobId === jobId && m.stage === 2);
  return jobId;
}

async function listAsync(url: string, key: TestKey): Promise<{ panel: TestClient; jobs: ListedJob[] }> {
  const panel = await TestClient.connectAsync(url);
  await panel.authenticateAsync(key);
  panel.send({ type: 'list-jobs', document: placement.document });
  return { panel, jobs: (await panel.waitForAsync('jobs')).message.jobs };
}

/** Pairs with the code a first-run daemon prints at start. */
async function pairAsync(daemon: SpawnedDaemon, url: string): Promise<{ client: TestClient; key: TestKey }> {
  const code = /Pairing code: (\d{4}) (\d{4})/.exec(daemon.stdout())!;
  const client = await TestClient.connectAsync(url);
  client.hello();
  await client.waitForAsync('welcome');
  const key = (await client.pairAsync(`${code[1]}${code[2]}`))!;
  await client.waitForAsync('welcome', (m) => m.paired);
  return { client, key };
}

test('SIGKILL mid-job: the restarted daemon resumes the job from its last finished stage and the reopened panel receives the result', async () => {
  let { daemon, url } = await startAsync();
  const { client, key } = await pairAsync(daemon, url);

  const jobId = await submitUntilStageTwoAsync(client, 'killed');
  const folder = await jobFolderAsync(jobId);
  assert.ok((await readdir(folder)).includes('stage-0-0.png'), 'stage 1 ended and its image is on disk');
  await killAsync(daemon);
  client.close();

  ({ daemon, url } = await startAsync());
  try {
    const { panel, jobs } = await listAsync(url, key);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.jobId, jobId);
    assert.notEqual(jobs[0]!.state, 'interrupted', 'it could resume');
    panel.send({ type: 'reattach', jobId });
    const result = await panel.waitForAsync('result', (m) => m.jobId === jobId);
    assert.equal(result.message.image.width, 64);
    await panel.waitForAsync('completed', (m) => m.jobId === jobId);
    const stages = panel.received.flatMap((r) => (r.message.type === 'progress' ? [r.message.stage] : []));
    assert.ok(stages.length > 0 && stages.every((s) => s === 2), `only stage 2 ran after the restart (saw stages ${[...new Set(stages)].join(', ')})`);
    const log = await readFile(join(env.XDG_CACHE_HOME!, 'atelier', 'logs', 'daemon.log'), 'utf8');
    const resume = log.split('\n').find((line) => line.includes('"job-resume"') && line.includes(jobId));
    assert.ok(resume, 'the log says where it resumed');
    assert.equal(JSON.parse(resume).fromStage, 2);
    // The run quoted in the closing note.
    if (process.env.ATELIER_QUOTE_RESTART) console.log(log.split('\n').filter((line) => line.includes(jobId)).join('\n'));
    panel.send({ type: 'placed', jobId });
    panel.send({ type: 'list-jobs', document: placement.document });
    assert.deepEqual((await panel.waitForAsync('jobs', (m) => m.jobs.length === 0)).message.jobs, []);

    // A job that cannot resume (its inputs are gone) is reported, never silently lost.
    const second = await submitUntilStageTwoAsync(panel, 'lost');
    const secondFolder = await jobFolderAsync(second);
    await killAsync(daemon);
    panel.close();
    await rm(join(secondFolder, 'content-0.bin'));
    ({ daemon, url } = await startAsync());
    const reopened = await listAsync(url, key);
    assert.equal(reopened.jobs[0]?.jobId, second);
    assert.equal(reopened.jobs[0]?.state, 'interrupted');
    assert.match(reopened.jobs[0]?.message ?? '', /could not resume; apply the style again/);
    reopened.panel.close();
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exitedAsync();
  }
});

test('a masked job killed mid-job keeps its mask on disk: the resumed result keeps every content pixel past the feather', async () => {
  // A daemon of its own (fresh folders): it shows a pairing code at start, as on a first run.
  env = { ...env, XDG_CONFIG_HOME: join(root, 'config-masked'), XDG_CACHE_HOME: join(root, 'cache-masked') };
  let { daemon, url } = await startAsync();
  try {
    const { client, key } = await pairAsync(daemon, url);
    const jobId = await submitUntilStageTwoAsync(client, 'masked', true);
    const folder = await jobFolderAsync(jobId);
    assert.ok((await readdir(folder)).includes('mask-0.bin'), 'the mask is kept beside the job');
    await killAsync(daemon);
    client.close();

    ({ daemon, url } = await startAsync());
    const { panel } = await listAsync(url, key);
    panel.send({ type: 'reattach', jobId });
    const result = await panel.waitForAsync('result', (m) => m.jobId === jobId);
    await panel.waitForAsync('completed', (m) => m.jobId === jobId);
    const log = await readFile(join(env.XDG_CACHE_HOME!, 'atelier', 'logs', 'daemon.log'), 'utf8');
    assert.ok(log.split('\n').some((line) => line.includes('"job-resume"') && line.includes(jobId)), 'it resumed rather than started over');
    await assertMaskedResultAsync(result.images.get('result')!, await testImageAsync('content', 64, 64), [scaledRect(REGION, 2)], 2);
    panel.close();
  } finally {
    daemon.child.kill('SIGTERM');
    await daemon.exitedAsync();
  }
});
