import * as tf from './tf.ts';
import type { InputConventionName } from './types.ts';

/**
 * A weight set's input convention. The optimisation variable lives in these units (as in d2l
 * for torchvision weights and neural-style for Caffe weights), so the learning rate and the
 * total-variation weight are per-convention too (see presets.ts).
 */
export interface InputConvention {
  name: InputConventionName;
  /** Channel order the network expects. */
  order: 'rgb' | 'bgr';
  /** x = (pixel / divisor - mean) / std, per channel in the network's order. */
  divisor: number;
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * How many 0–255 pixel levels one unit of the variable spans (averaged over channels):
   * Adam moves each element by about `lr` units per step, so this converts learning rates.
   */
  levelsPerUnit: number;
}

export const CONVENTIONS: Record<InputConventionName, InputConvention> = {
  caffe: {
    name: 'caffe',
    order: 'bgr',
    divisor: 1,
    mean: [103.939, 116.779, 123.68],
    std: [1, 1, 1],
    levelsPerUnit: 1,
  },
  torchvision: {
    name: 'torchvision',
    order: 'rgb',
    divisor: 255,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    levelsPerUnit: (255 * (0.229 + 0.224 + 0.225)) / 3,
  },
};

function reorder(t: tf.Tensor4D, order: 'rgb' | 'bgr'): tf.Tensor4D {
  return order === 'bgr' ? tf.reverse(t, 3) : t;
}

/** RGB 0–255 pixels [1, h, w, 3] → the network's input units. */
export function preprocess(rgb: tf.Tensor4D, c: InputConvention): tf.Tensor4D {
  return tf.tidy(() => {
    const x = tf.div(reorder(tf.cast(rgb, 'float32'), c.order), c.divisor);
    return tf.div(tf.sub(x, tf.tensor1d(c.mean)), tf.tensor1d(c.std));
  });
}

/** The inverse of `preprocess`, clamped to 0–255 RGB (float, not rounded). */
export function postprocess(x: tf.Tensor4D, c: InputConvention): tf.Tensor4D {
  return tf.tidy(() => {
    const pixels = tf.mul(tf.add(tf.mul(x, tf.tensor1d(c.std)), tf.tensor1d(c.mean)), c.divisor);
    return reorder(tf.clipByValue(pixels, 0, 255) as tf.Tensor4D, c.order);
  });
}
