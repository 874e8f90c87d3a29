import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { JobStore, type JobRecordInput } from '../../daemon/server/job-store.ts';
import { createMemoryLogger } from '../../daemon/server/index.ts';

const record = (jobId: string): JobRecordInput => ({
  jobId,
  owner: '0123456789abcdef',
  clientName: 'atelier-figma',
  requestId: 'r',
  placement: { document: 'file', label: 'Hero · Starry Night', data: '{}' },
  acceptedAt: new Date().toISOString(),
  contentCount: 1,
  styleWeights: [1],
  options: { preset: 'fast' },
  progressEvery: 1,
});

async function finishedStoreAsync(dir: string, ids: string[]): Promise<JobStore> {
  const store = await JobStore.openAsync(dir, createMemoryLogger());
  for (const id of ids) {
    await store.createAsync(record(id), { contents: [new Uint8Array([1])], styles: [new Uint8Array([2])], masks: [] });
    await store.saveResultAsync(id, 0, new Uint8Array(100));
    await store.finishAsync(id, 'finished');
  }
  return store;
}

test('waiting results expire after their age, oldest first, and what is left survives a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    const store = await finishedStoreAsync(dir, ['job-a1-1', 'job-a1-2']);
    const bounds = { maxResults: 10, maxResultBytes: 10_000, maxAgeMs: 60_000 };
    assert.deepEqual(await store.pruneAsync(bounds), [], 'young results stay');
    const dropped = await store.pruneAsync(bounds, Date.now() + 61_000);
    assert.deepEqual(dropped.map((r) => r.jobId), ['job-a1-1', 'job-a1-2'], 'a minute later, both expired');
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the bytes bound drops the oldest results until the rest fit; active jobs are never dropped', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    const store = await finishedStoreAsync(dir, ['job-b1-1', 'job-b1-2', 'job-b1-3']);
    await store.createAsync(record('job-b1-4'), { contents: [new Uint8Array([1])], styles: [new Uint8Array([2])], masks: [] });
    const dropped = await store.pruneAsync({ maxResults: 10, maxResultBytes: 150, maxAgeMs: 60_000 });
    assert.deepEqual(dropped.map((r) => r.jobId), ['job-b1-1', 'job-b1-2']);
    const reopened = await JobStore.openAsync(dir, createMemoryLogger());
    assert.deepEqual(reopened.all().map((r) => [r.jobId, r.state]), [['job-b1-3', 'finished'], ['job-b1-4', 'active']]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a job folder whose record is missing, corrupt or names another job is deleted at open, and logged', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    await finishedStoreAsync(dir, ['job-c1-1']);
    await mkdir(join(dir, 'job-c1-2'));
    await mkdir(join(dir, 'job-c1-3'));
    await writeFile(join(dir, 'job-c1-3', 'job.json'), '{"version":1,');
    await mkdir(join(dir, 'job-c1-4'));
    await writeFile(join(dir, 'job-c1-4', 'job.json'), JSON.stringify({ ...record('job-c1-1'), version: 1, state: 'finished' }));
    const logger = createMemoryLogger();
    const store = await JobStore.openAsync(dir, logger);
    assert.deepEqual(store.all().map((r) => r.jobId), ['job-c1-1']);
    assert.deepEqual((await readdir(dir)).sort(), ['job-c1-1']);
    assert.equal(logger.lines.filter((l) => l.event === 'job-record-unreadable').length, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
