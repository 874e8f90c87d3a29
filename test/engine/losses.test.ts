import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../daemon/engine/tf.ts';
import { gramMatrix } from '../../daemon/engine/gram-matrix.ts';
import { meanSquaredError, totalVariation } from '../../daemon/engine/losses.ts';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';

await selectBackendAsync('cpu');

function near(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * Math.max(1, Math.abs(expected[i])), `[${i}] ${actual[i]} vs ${expected[i]}`);
  }
}

test('Gram matrix is FᵀF / (c·h·w), by hand', () => {
  // Features [1, h=1, w=2, c=2]: channel 0 = (1, 2), channel 1 = (3, 4) → c·h·w = 4.
  const f = tf.tensor4d([1, 3, 2, 4], [1, 1, 2, 2]);
  for (const custom of [false, true]) {
    near(gramMatrix(f, custom).dataSync(), [(1 + 4) / 4, (3 + 8) / 4, (3 + 8) / 4, (9 + 16) / 4]);
  }
});

test('the hand-written Gram gradient equals autodiff', () => {
  const f = tf.randomNormal([1, 3, 4, 5], 0, 1, 'float32', 7) as tf.Tensor4D;
  const target = tf.randomNormal([5, 5], 0, 1, 'float32', 8);
  const loss = (custom: boolean) => (x: tf.Tensor) => meanSquaredError(gramMatrix(x as tf.Tensor4D, custom), target);
  near(tf.grad(loss(true))(f).dataSync(), tf.grad(loss(false))(f).dataSync(), 1e-4);
});

test('MSE is the mean of squared differences', () => {
  near(meanSquaredError(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 6])).dataSync(), [(0 + 4 + 9) / 3]);
});

test('total variation is 0.5·(mean|Δy| + mean|Δx|), by hand', () => {
  // 2×3 single-channel image [[0,1,3],[2,2,7]]: |Δy| = 2,1,4 (mean 7/3); |Δx| = 1,2,0,5 (mean 2).
  const x = tf.tensor4d([0, 1, 3, 2, 2, 7], [1, 2, 3, 1]);
  near(totalVariation(x).dataSync(), [0.5 * (7 / 3 + 2)]);
});

test('total-variation gradient is 0 where neighbours are equal (as torch), and matches finite differences', () => {
  const flat = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
  assert.deepEqual(Array.from(tf.grad((x: tf.Tensor) => totalVariation(x as tf.Tensor4D))(flat).dataSync()), new Array(9).fill(0));

  const values = [0.3, -1.2, 2.5, 0.7, 1.9, -0.4, 1.1, 0.2, -2.2, 0.9, 3.1, -0.6];
  const x = tf.tensor4d(values, [1, 2, 3, 2]);
  const g = tf.grad((t: tf.Tensor) => totalVariation(t as tf.Tensor4D))(x).dataSync();
  const eps = 1e-3;
  values.forEach((_, i) => {
    const plus = values.slice();
    const minus = values.slice();
    plus[i] += eps;
    minus[i] -= eps;
    const numeric =
      (totalVariation(tf.tensor4d(plus, [1, 2, 3, 2])).dataSync()[0] - totalVariation(tf.tensor4d(minus, [1, 2, 3, 2])).dataSync()[0]) / (2 * eps);
    assert.ok(Math.abs(g[i] - numeric) < 1e-3, `element ${i}: ${g[i]} vs ${numeric}`);
  });
});
