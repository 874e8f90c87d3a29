import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createEngineAsync } from '../../daemon/engine/index.ts';
import {
  CONVERTED_DIR_NAME,
  ensureWeightsAsync,
  WeightsError,
  type WeightsProgress,
} from '../../daemon/weights-download/index.ts';
import { writeKerasVgg19H5Async, type FixtureWeight } from './keras-h5-fixture.ts';
import { serveWeightsAsync } from './weights-http-server.ts';

let root: string;
let h5File: string;
let written: FixtureWeight[];
let h5Bytes: Uint8Array;
const fast = { retryDelayMs: 10, progressIntervalMs: 0 };

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'atelier-ensure-'));
  h5File = join(root, 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5');
  written = await writeKerasVgg19H5Async(h5File, { seed: 3, channels: [8, 12, 16, 16, 16] });
  h5Bytes = new Uint8Array(await readFile(h5File));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Reads a float32 manifest back into named arrays, independently of the engine's loader. */
async function readManifestAsync(dir: string): Promise<Map<string, { shape: number[]; data: Float32Array }>> {
  const manifest = JSON.parse(await readFile(join(dir, 'weights_manifest.json'), 'utf8')) as Array<{
    paths: string[];
    weights: Array<{ name: string; shape: number[]; dtype: string }>;
  }>;
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const group of manifest) {
    const bytes = Buffer.concat(await Promise.all(group.paths.map((p) => readFile(join(dir, p)))));
    let offset = 0;
    for (const spec of group.weights) {
      assert.equal(spec.dtype, 'float32');
      const n = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * n));
      out.set(spec.name, { shape: spec.shape, data });
      offset += 4 * n;
    }
  }
  return out;
}

test('first run: downloads the Keras file, checks it, converts it, and the engine loads the result', async () => {
  const server = await serveWeightsAsync(h5Bytes, { cutAfterBytes: Math.floor(h5Bytes.length / 2), cutResponses: 1 });
  const cacheDir = join(root, 'cache-first');
  try {
    const events: WeightsProgress[] = [];
    const resolved = await ensureWeightsAsync({
      weights: null,
      cacheDir,
      url: server.url,
      expectedHash: createHash('sha256').update(h5Bytes).digest('hex'),
      onProgress: (p) => events.push(p),
      limits: fast,
    });
    assert.equal(resolved.origin, 'downloaded');
    assert.equal(resolved.dir, join(cacheDir, CONVERTED_DIR_NAME));
    assert.deepEqual(
      [...new Set(events.map((e) => e.phase))],
      ['download', 'verify', 'convert', 'ready'],
      'phases are reported in order',
    );
    assert.equal(server.requests[1]?.status, 206, 'the cut-off first response was resumed');
    assert.deepEqual((await readdir(cacheDir)).sort(), [CONVERTED_DIR_NAME], 'the download is deleted once converted');

    const converted = await readManifestAsync(resolved.dir);
    assert.equal(converted.size, written.length);
    for (const w of written) {
      const got = converted.get(w.name);
      assert.ok(got, `${w.name} is in the manifest`);
      assert.deepEqual(got.shape, w.shape);
      assert.deepEqual(got.data, w.data);
    }

    const engine = await createEngineAsync({ weightsDir: resolved.dir, backend: 'cpu' });
    try {
      assert.equal(engine.info.convention, 'caffe');
      assert.equal(engine.info.backend, 'cpu');
    } finally {
      engine.dispose();
    }

    const requestsBefore = server.requests.length;
    const again = await ensureWeightsAsync({ weights: null, cacheDir, url: server.url, expectedHash: '0'.repeat(64) });
    assert.equal(again.origin, 'cached');
    assert.equal(server.requests.length, requestsBefore, 'a second start does not download again');
  } finally {
    await server.closeAsync();
  }
});

test('a local Keras .h5 named by the designer is converted once into the cache, again when it changes', async () => {
  const cacheDir = join(root, 'cache-local');
  const phases: string[] = [];
  const first = await ensureWeightsAsync({ weights: h5File, cacheDir, url: 'http://127.0.0.1:9/unused', expectedHash: '0'.repeat(32), onProgress: (p) => phases.push(p.phase) });
  assert.equal(first.origin, 'converted');
  assert.equal(first.source, h5File);
  assert.deepEqual(phases, ['convert', 'ready']);
  const firstMtime = (await stat(join(first.dir, 'weights_manifest.json'))).mtimeMs;

  phases.length = 0;
  const second = await ensureWeightsAsync({ weights: h5File, cacheDir, url: 'http://127.0.0.1:9/unused', expectedHash: '0'.repeat(32), onProgress: (p) => phases.push(p.phase) });
  assert.equal(second.dir, first.dir);
  assert.deepEqual(phases, ['ready'], 'an unchanged file is not converted again');

  const later = new Date(Date.now() + 60_000);
  await utimes(h5File, later, later);
  phases.length = 0;
  await ensureWeightsAsync({ weights: h5File, cacheDir, url: 'http://127.0.0.1:9/unused', expectedHash: '0'.repeat(32), onProgress: (p) => phases.push(p.phase) });
  assert.deepEqual(phases, ['convert', 'ready']);
  assert.ok((await stat(join(first.dir, 'weights_manifest.json'))).mtimeMs >= firstMtime);
});

test('a weights folder named by the designer is used as it is; a missing path says how to fix it', async () => {
  const cacheDir = join(root, 'cache-local');
  const converted = join(cacheDir, (await readdir(cacheDir))[0]);
  const given = await ensureWeightsAsync({ weights: converted, cacheDir: join(root, 'unused'), url: 'http://127.0.0.1:9/', expectedHash: '0'.repeat(32) });
  assert.deepEqual([given.origin, given.dir], ['given', converted]);

  await assert.rejects(
    ensureWeightsAsync({ weights: join(root, 'nope'), cacheDir, url: 'http://127.0.0.1:9/', expectedHash: '0'.repeat(32) }),
    (error: unknown) => error instanceof WeightsError && error.code === 'weights_not_found' && error.message.includes('ATELIER_WEIGHTS'),
  );
  await assert.rejects(
    ensureWeightsAsync({ weights: root, cacheDir, url: 'http://127.0.0.1:9/', expectedHash: '0'.repeat(32) }),
    (error: unknown) => error instanceof WeightsError && error.code === 'weights_not_found' && error.message.includes('weights_manifest.json'),
  );
});
