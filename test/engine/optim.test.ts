import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '../../daemon/engine/tf.ts';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import { Adam } from '../../daemon/engine/optim/adam.ts';
import { ENGINE_LBFGS_TOLERANCES, Lbfgs } from '../../daemon/engine/optim/lbfgs.ts';
import { stepLearningRate } from '../../daemon/engine/optim/step-lr.ts';

await selectBackendAsync('cpu');

test('Adam follows torch’s update, by hand for two steps', () => {
  const adam = new Adam([1]);
  let x = tf.tensor1d([1]);
  // Step 1, g = 2: m = 0.2, v = 0.004; m̂ = 2, √v̂ = 2 → x = 1 − 0.1·2/(2 + 1e-8).
  x = adam.step(x, tf.tensor1d([2]), 0.1) as tf.Tensor1D;
  const x1 = 1 - (0.1 * 2) / (2 + 1e-8);
  assert.ok(Math.abs(x.dataSync()[0] - x1) < 1e-6);
  // Step 2, g = −1: m = 0.08, v = 0.004995; torch: x −= lr/bc1 · m / (√v/√bc2 + eps).
  x = adam.step(x, tf.tensor1d([-1]), 0.1) as tf.Tensor1D;
  const m = 0.9 * 0.2 + 0.1 * -1;
  const v = 0.999 * 0.004 + 0.001 * 1;
  const x2 = x1 - ((0.1 / (1 - 0.81)) * m) / (Math.sqrt(v) / Math.sqrt(1 - 0.999 ** 2) + 1e-8);
  assert.ok(Math.abs(x.dataSync()[0] - x2) < 1e-6, `${x.dataSync()[0]} vs ${x2}`);
  adam.dispose();
});

test('StepLR multiplies by gamma every step iterations', () => {
  assert.equal(stepLearningRate(0.01, 0, 200, 0.1), 0.01);
  assert.equal(stepLearningRate(0.01, 199, 200, 0.1), 0.01);
  assert.ok(Math.abs(stepLearningRate(0.01, 200, 200, 0.1) - 0.001) < 1e-12);
  assert.ok(Math.abs(stepLearningRate(0.01, 450, 200, 0.1) - 0.0001) < 1e-12);
  assert.equal(stepLearningRate(0.01, 450, 0, 0.1), 0.01);
});

test('L-BFGS minimises an ill-conditioned quadratic far faster than its first step suggests', () => {
  // f(x) = ½ Σ aᵢ xᵢ², condition number 100.
  const a = tf.tensor1d([1, 10, 100, 3]);
  let x: tf.Tensor = tf.tensor1d([1, 1, 1, 1]);
  const lbfgs = new Lbfgs({ learningRate: 1, historySize: 10 });
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const loss = tf.tidy(() => tf.sum(tf.mul(a, tf.square(x))).dataSync()[0] / 2);
    losses.push(loss);
    const grad = tf.mul(a, x);
    const next = lbfgs.step(x, grad, loss);
    grad.dispose();
    if (!next) break;
    x.dispose();
    x = next;
  }
  lbfgs.dispose();
  assert.ok(losses[losses.length - 1] < 1e-6 * losses[0], `losses ${losses.map((l) => l.toExponential(1)).join(' ')}`);
});

test('the optimisers keep their state outside TensorFlow.js: after any number of steps only the returned point is a tensor', () => {
  // A full L-BFGS history (2 pairs, recycled) and Adam's moments would otherwise be tensors
  // in tfjs' heap, which on the wasm backend never shrinks (lbfgs.ts says what that cost).
  const a = tf.tensor1d([1, 10, 100, 3, 30]);
  const before = tf.memory().numTensors;
  for (const make of [() => new Lbfgs({ learningRate: 1, historySize: 2 }), () => new Adam([5])]) {
    const optimiser = make();
    let x: tf.Tensor = tf.tensor1d([1, 1, 1, 1, 1]);
    const losses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const loss = tf.tidy(() => tf.sum(tf.mul(a, tf.square(x))).dataSync()[0] / 2);
      losses.push(loss);
      const grad = tf.mul(a, x);
      const next = optimiser instanceof Lbfgs ? optimiser.step(x, grad, loss) : optimiser.step(x, grad, 0.05);
      grad.dispose();
      if (!next) break;
      x.dispose();
      x = next;
      assert.equal(tf.memory().numTensors, before + 1, `step ${i}: only x is a tensor`);
    }
    optimiser.dispose();
    x.dispose();
    assert.ok(losses[losses.length - 1] < 0.05 * losses[0], `${optimiser.constructor.name} converges: ${losses.map((l) => l.toExponential(1)).join(' ')}`);
  }
  assert.equal(tf.memory().numTensors, before);
  a.dispose();
});

test('with the engine’s tolerances a first step that leaves the float32 loss as it was does not end the stage (torch’s defaults do)', () => {
  // A large stage's first step is 1/Σ|g| of the gradient: here every element moves by 1/n of a
  // level, and a loss of 1e8 in float32 (steps of 8) reads the same after it. Best at 1024 px
  // on chelsea × Starry Night stopped its last stage that way after 2 of 84 iterations.
  const n = 1 << 16;
  const loss = Math.fround(1.0e8 + 3);
  const run = (lbfgs: Lbfgs): boolean => {
    let x = tf.tensor1d(new Float32Array(n).fill(100));
    const grad = tf.tensor1d(new Float32Array(n).fill(2));
    const first = lbfgs.step(x, grad, loss);
    assert.ok(first, 'the first step is taken');
    x.dispose();
    x = first as tf.Tensor1D;
    const grad2 = tf.tensor1d(new Float32Array(n).fill(1.5));
    const second = lbfgs.step(x, grad2, loss);
    x.dispose();
    second?.dispose();
    grad.dispose();
    grad2.dispose();
    lbfgs.dispose();
    return second !== undefined;
  };
  assert.equal(run(new Lbfgs({ learningRate: 1, historySize: 20, ...ENGINE_LBFGS_TOLERANCES })), true, 'the engine goes on');
  assert.equal(run(new Lbfgs({ learningRate: 1, historySize: 20 })), false, 'torch’s defaults stop');
});
