import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EngineError, writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import { disposeVggWeights, loadVggWeightsAsync } from '../../daemon/engine/weights/load-weights.ts';
import { makeRandomWeights } from '../../daemon/engine/weights/write-random-weights.ts';
import { readVggWeightArraysAsync } from '../../daemon/engine/weights/read-weight-arrays.ts';
import * as tf from '../../daemon/engine/tf.ts';
import { REAL_WEIGHTS_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';

await selectBackendAsync('cpu');

async function withDirAsync(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-weights-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function rejectsWith(promise: Promise<unknown>, code: string, mentions: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof EngineError, String(error));
    assert.equal(error.code, code);
    assert.ok(error.message.includes(mentions), `"${error.message}" should mention ${mentions}`);
    return true;
  });
}

test('float32 weights load exactly, with their convention', () =>
  withDirAsync(async (dir) => {
    await writeRandomWeightsAsync(dir, { seed: 3, convention: 'torchvision' });
    const expected = makeRandomWeights({ seed: 3 });
    const w = await loadVggWeightsAsync(dir);
    assert.equal(w.convention, 'torchvision');
    assert.equal(w.layers.size, 16);
    const k = w.layers.get('block3_conv1')!.kernel;
    assert.deepEqual(k.shape, [3, 3, 6, 8]);
    assert.deepEqual(Array.from(k.dataSync()), Array.from(expected.find((e) => e.name === 'block3_conv1/kernel')!.data));
    disposeVggWeights(w);
  }));

test('uint8-quantized weights dequantize within half a step', () =>
  withDirAsync(async (dir) => {
    await writeRandomWeightsAsync(dir, { seed: 3, quantize: true });
    const manifest = JSON.parse(await readFile(join(dir, 'weights_manifest.json'), 'utf8'));
    const spec = manifest[0].weights.find((s: { name: string }) => s.name === 'block1_conv2/kernel');
    assert.equal(spec.quantization.dtype, 'uint8');
    const w = await loadVggWeightsAsync(dir);
    const actual = w.layers.get('block1_conv2')!.kernel.dataSync();
    const expected = makeRandomWeights({ seed: 3 }).find((e) => e.name === 'block1_conv2/kernel')!.data;
    for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= spec.quantization.scale / 2 + 1e-7);
    disposeVggWeights(w);
  }));

test('a missing manifest names the file and says what to do', () =>
  withDirAsync(async (dir) => rejectsWith(loadVggWeightsAsync(dir), 'weights-missing', join(dir, 'weights_manifest.json'))));

test('a missing shard is named', () =>
  withDirAsync(async (dir) => {
    await writeRandomWeightsAsync(dir);
    await unlink(join(dir, 'group1-shard1of1.bin'));
    await rejectsWith(loadVggWeightsAsync(dir), 'weights-missing', 'group1-shard1of1.bin');
  }));

test('a truncated shard is corrupt', () =>
  withDirAsync(async (dir) => {
    await writeRandomWeightsAsync(dir);
    await truncate(join(dir, 'group1-shard1of1.bin'), 100);
    await rejectsWith(loadVggWeightsAsync(dir), 'weights-corrupt', 'truncated');
  }));

test('malformed JSON and malformed manifests are corrupt', () =>
  withDirAsync(async (dir) => {
    await writeFile(join(dir, 'weights_manifest.json'), '{not json');
    await rejectsWith(loadVggWeightsAsync(dir), 'weights-corrupt', 'not valid JSON');
    await writeFile(join(dir, 'weights_manifest.json'), JSON.stringify([{ paths: ['../escape.bin'], weights: [] }]));
    await rejectsWith(loadVggWeightsAsync(dir), 'weights-corrupt', 'paths');
  }));

test('a layer with the wrong shape is corrupt, naming the layer', () =>
  withDirAsync(async (dir) => {
    const { writeWeightsManifestAsync } = await import('../../daemon/engine/index.ts');
    const weights = makeRandomWeights();
    const i = weights.findIndex((w) => w.name === 'block2_conv1/kernel');
    weights[i] = { name: weights[i].name, shape: [3, 3, 5, 6], data: new Float32Array(3 * 3 * 5 * 6) };
    await writeWeightsManifestAsync(dir, weights, { convention: 'caffe' });
    await rejectsWith(loadVggWeightsAsync(dir), 'weights-corrupt', 'block2_conv1');
  }));

test('the real Keras VGG-19 weights load: 16 layers in Caffe convention', { skip: skipWithoutSharedWeights }, async () => {
  const w = await loadVggWeightsAsync(REAL_WEIGHTS_DIR);
  assert.equal(w.layers.size, 16);
  assert.equal(w.convention, 'caffe');
  assert.deepEqual(w.layers.get('block1_conv1')!.kernel.shape, [3, 3, 3, 64]);
  assert.deepEqual(w.layers.get('block5_conv4')!.kernel.shape, [3, 3, 512, 512]);
  // Spot-check dequantisation against the manifest's own scale/min for the first byte.
  const manifest = JSON.parse(await readFile(join(REAL_WEIGHTS_DIR, 'weights_manifest.json'), 'utf8'));
  const q = manifest[0].weights[0].quantization;
  const firstByte = (await readFile(join(REAL_WEIGHTS_DIR, manifest[0].paths[0])))[0];
  assert.ok(Math.abs(w.layers.get('block1_conv1')!.kernel.dataSync()[0] - (firstByte * q.scale + q.min)) < 1e-6);
  disposeVggWeights(w);
});

test('every encoding decodes as TensorFlow.js’ decodeWeights does (float32, uint8, uint16, float16)', () =>
  withDirAsync(async (dir) => {
    const kernelShape = [3, 3, 3, 4];
    const n = 3 * 3 * 3 * 4;
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const encodings = [
      { dtype: 'float32' as const, bytes: new Uint8Array(Float32Array.from({ length: n }, () => next() - 0.5).buffer) },
      { dtype: 'uint8' as const, bytes: Uint8Array.from({ length: n }, () => Math.floor(next() * 256)), scale: 0.0123, min: -1.7 },
      { dtype: 'uint16' as const, bytes: new Uint8Array(Uint16Array.from({ length: n }, () => Math.floor(next() * 65536)).buffer), scale: 3.1e-5, min: -0.9 },
      // Every exponent but the one of Inf and NaN, subnormals included, both signs.
      { dtype: 'float16' as const, bytes: new Uint8Array(Uint16Array.from({ length: n }, () => Math.floor(next() * 0x7c00) | (next() < 0.5 ? 0x8000 : 0)).buffer) },
    ];
    for (const e of encodings) {
      const kernel = {
        name: 'block1_conv1/kernel',
        shape: kernelShape,
        dtype: 'float32' as const,
        ...(e.dtype === 'float32' ? {} : { quantization: { dtype: e.dtype, ...(e.dtype === 'float16' ? {} : { scale: e.scale, min: e.min }) } }),
      };
      const bias = { name: 'block1_conv1/bias', shape: [4], dtype: 'float32' as const };
      const biasBytes = new Uint8Array(Float32Array.from([0.5, -0.25, 1, 2]).buffer);
      const shard = new Uint8Array(e.bytes.byteLength + biasBytes.byteLength);
      shard.set(e.bytes);
      shard.set(biasBytes, e.bytes.byteLength);
      await writeFile(join(dir, 'shard1.bin'), shard);
      await writeFile(join(dir, 'weights_manifest.json'), JSON.stringify([{ paths: ['shard1.bin'], weights: [kernel, bias] }]));
      const ours = await readVggWeightArraysAsync(dir);
      const theirs = tf.io.decodeWeights(shard.slice().buffer, [kernel, bias] as tf.io.WeightsManifestEntry[]);
      const expected = (await theirs['block1_conv1/kernel']!.data()) as Float32Array;
      const layer = ours.layers.get('block1_conv1')!;
      assert.deepEqual(layer.kernelShape, kernelShape);
      assert.deepEqual(Array.from(layer.kernel), Array.from(expected), `${e.dtype}: same values as tfjs`);
      assert.deepEqual(Array.from(layer.bias), [0.5, -0.25, 1, 2]);
      for (const t of Object.values(theirs)) t.dispose();
    }
  }));

test('the real weights read as plain arrays hold what TensorFlow.js decodes from them', { skip: skipWithoutSharedWeights }, async () => {
  const manifest = JSON.parse(await readFile(join(REAL_WEIGHTS_DIR, 'weights_manifest.json'), 'utf8')) as Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  const ours = await readVggWeightArraysAsync(REAL_WEIGHTS_DIR);
  assert.equal(ours.layers.size, 16);
  let compared = 0;
  for (const group of manifest) {
    const shards = await Promise.all(group.paths.map((p) => readFile(join(REAL_WEIGHTS_DIR, p))));
    const decoded = tf.io.decodeWeights(new Uint8Array(Buffer.concat(shards)).buffer, group.weights);
    for (const [name, tensor] of Object.entries(decoded)) {
      const [layer, part] = name.split('/');
      const mine = ours.layers.get(layer!);
      if (mine) {
        const values = (await tensor.data()) as Float32Array;
        const got = part!.startsWith('kernel') ? mine.kernel : mine.bias;
        assert.equal(got.length, values.length, name);
        for (let i = 0; i < got.length; i++) if (got[i] !== values[i]) assert.fail(`${name}[${i}]: ${got[i]} vs ${values[i]}`);
        compared += 1;
      }
      tensor.dispose();
    }
  }
  assert.equal(compared, 32, 'every kernel and bias of the 16 layers');
});
