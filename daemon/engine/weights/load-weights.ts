import * as tf from '../tf.ts';
import type { InputConventionName } from '../types.ts';
import { readVggWeightArraysAsync } from './read-weight-arrays.ts';

export interface ConvWeights {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface VggWeights {
  /** Keyed by Keras name (`block1_conv1`); only the layers present, in forward order. */
  layers: Map<string, ConvWeights>;
  convention: InputConventionName;
  source: string;
}

/**
 * Loads VGG-19 conv weights from a TensorFlow.js weights folder (read-weight-arrays.ts) as
 * tfjs tensors, for the tfjs engine and the tests.
 */
export async function loadVggWeightsAsync(
  dir: string,
  options: { convention?: InputConventionName } = {},
): Promise<VggWeights> {
  const arrays = await readVggWeightArraysAsync(dir, options);
  const layers = new Map<string, ConvWeights>();
  for (const [name, c] of arrays.layers) {
    layers.set(name, { kernel: tf.tensor4d(c.kernel, c.kernelShape), bias: tf.tensor1d(c.bias) });
  }
  return { layers, convention: arrays.convention, source: arrays.source };
}

export function disposeVggWeights(weights: VggWeights): void {
  for (const { kernel, bias } of weights.layers.values()) {
    kernel.dispose();
    bias.dispose();
  }
  weights.layers.clear();
}
