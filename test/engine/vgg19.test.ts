import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '../../daemon/engine/tf.ts';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import { gramMatrix } from '../../daemon/engine/gram-matrix.ts';
import { Vgg19 } from '../../daemon/engine/vgg19.ts';
import { writeRandomWeightsAsync } from '../../daemon/engine/index.ts';
import { loadVggWeightsAsync } from '../../daemon/engine/weights/load-weights.ts';

await selectBackendAsync('cpu');
const dir = await mkdtemp(join(tmpdir(), 'atelier-vgg-'));
await writeRandomWeightsAsync(dir, { seed: 5 });
const weights = await loadVggWeightsAsync(dir);

test('taps have the shapes of VGG-19: pools halve, conv5_1 sees 1/16 of the input', () => {
  const vgg = new Vgg19(weights, false);
  const x = tf.randomNormal([1, 32, 48, 3], 0, 50) as tf.Tensor4D;
  const f = vgg.features(x, ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_4', 'conv5_1']);
  assert.deepEqual(f.get('relu1_1')!.shape, [1, 32, 48, 4]);
  assert.deepEqual(f.get('relu2_1')!.shape, [1, 16, 24, 6]);
  assert.deepEqual(f.get('relu3_1')!.shape, [1, 8, 12, 8]);
  assert.deepEqual(f.get('relu4_4')!.shape, [1, 4, 6, 8]);
  assert.deepEqual(f.get('conv5_1')!.shape, [1, 2, 3, 8]);
  // conv5_1 is taken before its ReLU (d2l's cut network ends there), so it has negative values.
  assert.ok(tf.min(f.get('conv5_1')!).dataSync()[0] < 0);
  assert.ok(tf.min(f.get('relu4_4')!).dataSync()[0] >= 0);
});

test('the flipped-kernel conv gradient (wasm/cpu path) equals tfjs’ own conv gradient', () => {
  const x = tf.randomNormal([1, 16, 20, 3], 0, 50, 'float32', 1) as tf.Tensor4D;
  const target = tf.randomNormal([8, 8], 0, 1, 'float32', 2);
  const grad = (custom: boolean) => {
    const vgg = new Vgg19(weights, custom);
    return tf.grad((input: tf.Tensor) => {
      const f = vgg.features(input as tf.Tensor4D, ['relu3_1']).get('relu3_1')!;
      return tf.mean(tf.squaredDifference(gramMatrix(f, custom), target));
    })(x).dataSync();
  };
  const a = grad(true);
  const b = grad(false);
  const scale = Math.max(...Array.from(b, Math.abs));
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-4 * scale, `${i}: ${a[i]} vs ${b[i]}`);
});

test('unknown or too-deep layers are refused with the layer’s name', () => {
  const vgg = new Vgg19(weights, false);
  assert.throws(() => vgg.checkTaps(['relu9_9']), /relu9_9/);
});
