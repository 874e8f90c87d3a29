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

test('a masked job keeps its regions, feather and mask files across a reopen; a record from before regions loads without any', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    const store = await JobStore.openAsync(dir, createMemoryLogger());
    const masked = { ...record('job-d1-1'), contentCount: 2, styleWeights: [1, 2], regions: [{ content: 1, styles: [1] }, { content: 1, styles: [0] }], featherPx: 6 };
    const masks = [new Uint8Array([7, 7]), new Uint8Array([8])];
    await store.createAsync(masked, { contents: [new Uint8Array([1]), new Uint8Array([2])], styles: [new Uint8Array([3]), new Uint8Array([4])], masks });
    // Written by a daemon from before issue 31: no regions, no featherPx.
    await mkdir(join(dir, 'job-d1-2'));
    await writeFile(join(dir, 'job-d1-2', 'job.json'), JSON.stringify({ ...record('job-d1-2'), version: 1, state: 'active', resultBytes: 0 }));
    await writeFile(join(dir, 'job-d1-2', 'content-0.bin'), new Uint8Array([1]));
    await writeFile(join(dir, 'job-d1-2', 'style-0.bin'), new Uint8Array([2]));

    const reopened = await JobStore.openAsync(dir, createMemoryLogger());
    const kept = reopened.get('job-d1-1')!;
    assert.deepEqual([kept.regions, kept.featherPx], [masked.regions, 6]);
    assert.deepEqual((await reopened.readInputsAsync('job-d1-1'))?.masks.map((m) => [...m]), [[7, 7], [8]], 'the masks, in the regions\' order');
    const older = reopened.get('job-d1-2')!;
    assert.deepEqual([older.regions, older.featherPx], [[], null]);
    assert.deepEqual((await reopened.readInputsAsync('job-d1-2'))?.masks, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a record whose region names a content image or style the job does not have is unreadable: deleted at open', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-jobs-'));
  try {
    for (const [id, regions] of [['job-e1-1', [{ content: 1, styles: [0] }]], ['job-e1-2', [{ content: 0, styles: [1] }]], ['job-e1-3', [{ content: 0, styles: [] }]]] as const) {
      await mkdir(join(dir, id));
      await writeFile(join(dir, id, 'job.json'), JSON.stringify({ ...record(id), version: 1, state: 'active', regions, featherPx: 2 }));
    }
    const logger = createMemoryLogger();
    const store = await JobStore.openAsync(dir, logger);
    assert.deepEqual(store.all(), []);
    assert.equal(logger.lines.filter((l) => l.event === 'job-record-unreadable').length, 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
