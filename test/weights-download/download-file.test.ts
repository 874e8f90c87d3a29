import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { downloadFileAsync, WeightsError, type WeightsProgress } from '../../daemon/weights-download/index.ts';
import { serveWeightsAsync } from './weights-http-server.ts';

const body = new Uint8Array(randomBytes(300_000));
const sha256 = createHash('sha256').update(body).digest('hex');
const md5 = createHash('md5').update(body).digest('hex');
const fast = { retryDelayMs: 10, progressIntervalMs: 0 };
let root: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-download-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDirAsync(name: string): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

test('downloads the whole file, checks its SHA-256 and reports progress up to the total', async () => {
  const server = await serveWeightsAsync(body);
  try {
    const dir = await freshDirAsync('whole');
    const dest = join(dir, 'w.h5');
    const events: WeightsProgress[] = [];
    await downloadFileAsync({ url: server.url, dest, expectedHash: sha256, onProgress: (p) => events.push(p), limits: fast });
    assert.deepEqual(new Uint8Array(await readFile(dest)), body);
    assert.deepEqual(await readdir(dir), ['w.h5'], 'no .part or sidecar is left behind');
    const downloads = events.filter((e) => e.phase === 'download');
    const last = downloads.at(-1);
    assert.ok(last && last.phase === 'download');
    assert.equal(last.bytes, body.length);
    assert.equal(last.total, body.length);
    assert.equal(events.at(-1)?.phase, 'verify');
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].range, undefined);
  } finally {
    await server.closeAsync();
  }
});

test('accepts an MD5 checksum, as Keras publishes it', async () => {
  const server = await serveWeightsAsync(body);
  try {
    const dest = join(await freshDirAsync('md5'), 'w.h5');
    await downloadFileAsync({ url: server.url, dest, expectedHash: md5.toUpperCase(), limits: fast });
    assert.deepEqual(new Uint8Array(await readFile(dest)), body);
  } finally {
    await server.closeAsync();
  }
});

test('a response cut off mid-way is resumed with a Range request from the bytes already on disk', async () => {
  const cut = 120_000;
  const server = await serveWeightsAsync(body, { cutAfterBytes: cut, cutResponses: 1 });
  try {
    const dest = join(await freshDirAsync('resume'), 'w.h5');
    const events: WeightsProgress[] = [];
    await downloadFileAsync({ url: server.url, dest, expectedHash: sha256, onProgress: (p) => events.push(p), limits: fast });
    assert.deepEqual(new Uint8Array(await readFile(dest)), body);
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0].status, 200);
    assert.equal(server.requests[1].status, 206);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(server.requests[1].range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= cut, `resumed at ${resumedAt}, after at most the ${cut} bytes sent`);
    assert.equal(server.requests[1].ifRange, '"fixture-v1"', 'the resume names the version it continues');
    assert.ok(events.some((e) => e.phase === 'download' && e.resumedFrom === resumedAt));
  } finally {
    await server.closeAsync();
  }
});

test('a .part left by an earlier run is resumed, not downloaded again', async () => {
  const server = await serveWeightsAsync(body);
  try {
    const dir = await freshDirAsync('earlier');
    const dest = join(dir, 'w.h5');
    await writeFile(`${dest}.part`, body.subarray(0, 100_000));
    await writeFile(`${dest}.part.json`, JSON.stringify({ url: server.url, validator: '"fixture-v1"' }));
    await downloadFileAsync({ url: server.url, dest, expectedHash: sha256, limits: fast });
    assert.deepEqual(new Uint8Array(await readFile(dest)), body);
    assert.deepEqual(server.requests.map((r) => [r.range, r.status]), [['bytes=100000-', 206]]);
  } finally {
    await server.closeAsync();
  }
});

test('a server that ignores Range restarts the file cleanly from the first byte', async () => {
  const server = await serveWeightsAsync(body, { ranges: false });
  try {
    const dir = await freshDirAsync('norange');
    const dest = join(dir, 'w.h5');
    // Garbage in the .part: were it kept and the full body appended, the checksum would fail.
    await writeFile(`${dest}.part`, new Uint8Array(50_000).fill(7));
    await writeFile(`${dest}.part.json`, JSON.stringify({ url: server.url, validator: null }));
    await downloadFileAsync({ url: server.url, dest, expectedHash: sha256, limits: fast });
    assert.deepEqual(new Uint8Array(await readFile(dest)), body);
    assert.equal(server.requests[0].range, 'bytes=50000-');
    assert.equal(server.requests[0].status, 200);
  } finally {
    await server.closeAsync();
  }
});

test('a checksum mismatch deletes the download and says so', async () => {
  const server = await serveWeightsAsync(body);
  try {
    const dir = await freshDirAsync('mismatch');
    const dest = join(dir, 'w.h5');
    const wrong = sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await assert.rejects(
      downloadFileAsync({ url: server.url, dest, expectedHash: wrong, limits: fast }),
      (error: unknown) =>
        error instanceof WeightsError &&
        error.code === 'weights_checksum_mismatch' &&
        error.message.includes(sha256) &&
        error.message.includes('deleted'),
    );
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await server.closeAsync();
  }
});

test('offline: a refused connection explains how to use a local copy', async () => {
  const server = await serveWeightsAsync(body);
  const url = server.url;
  await server.closeAsync();
  const dest = join(await freshDirAsync('offline'), 'w.h5');
  await assert.rejects(
    downloadFileAsync({ url, dest, expectedHash: sha256, limits: fast }),
    (error: unknown) =>
      error instanceof WeightsError &&
      error.code === 'weights_offline' &&
      error.message.includes('--weights') &&
      error.message.includes('ATELIER_WEIGHTS'),
  );
});

test('an HTTP error status fails with the status in the message', async () => {
  const server = await serveWeightsAsync(body, { status: 404 });
  try {
    const dest = join(await freshDirAsync('404'), 'w.h5');
    await assert.rejects(
      downloadFileAsync({ url: server.url, dest, expectedHash: sha256, limits: fast }),
      (error: unknown) => error instanceof WeightsError && error.code === 'weights_download_failed' && error.message.includes('404'),
    );
    assert.equal(server.requests.length, 1, 'a 4xx is not retried');
  } finally {
    await server.closeAsync();
  }
});

test('a connection cut on every try gives up after the configured attempts and keeps the bytes', async () => {
  const server = await serveWeightsAsync(body, { cutAfterBytes: 10_000, cutResponses: 100 });
  try {
    const dest = join(await freshDirAsync('flaky'), 'w.h5');
    await assert.rejects(
      downloadFileAsync({ url: server.url, dest, expectedHash: sha256, limits: { ...fast, maxAttempts: 3 } }),
      (error: unknown) => error instanceof WeightsError && error.code === 'weights_download_failed',
    );
    assert.equal(server.requests.length, 3);
    const kept = await readFile(`${dest}.part`);
    assert.ok(kept.length >= 20_000, `kept ${kept.length} bytes for the next start`);
    assert.deepEqual(new Uint8Array(kept), body.subarray(0, kept.length));
  } finally {
    await server.closeAsync();
  }
});
