import * as tf from './tf.ts';

/**
 * Gram matrix G = Fᵀ·F / (c·h·w) of features [1, h, w, c], as d2l and neural-style normalise it.
 *
 * With `customGradient`, the backward pass is written out (dF = F·(dG + dGᵀ) / chw) as plain
 * matMuls: tfjs' generic gradient of a transposed matMul is several times slower on wasm.
 */
export function gramMatrix(features: tf.Tensor4D, customGradient: boolean): tf.Tensor2D {
  const [, h, w, c] = features.shape;
  const norm = c * h * w;
  const flat = tf.reshape(features, [h * w, c]) as tf.Tensor2D;
  if (!customGradient) return tf.div(tf.matMul(flat, flat, true, false), norm);
  const gram = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [f, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([f]);
    return {
      value: tf.div(tf.matMul(f, f, true, false), norm) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const sym = tf.add(dy, tf.transpose(dy)) as tf.Tensor2D;
        return tf.div(tf.matMul(saved[0] as tf.Tensor2D, sym), norm);
      },
    };
  });
  return gram(flat) as tf.Tensor2D;
}
