import * as tf from './tf.ts';
import type { VggWeights } from './weights/load-weights.ts';
import { VGG19_CONV_LAYERS, tapOrder, type ConvLayer } from './vgg-layers.ts';

interface PreparedLayer {
  layer: ConvLayer;
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
  /** The kernel flipped in space and transposed in/out: the input gradient is a forward conv with it. */
  backKernel?: tf.Tensor4D;
}

/**
 * VGG-19 feature extractor: runs the network only as deep as the deepest requested tap and
 * returns the requested activations by name.
 */
export class Vgg19 {
  private readonly layers: PreparedLayer[] = [];

  constructor(
    weights: VggWeights,
    private readonly customGradients: boolean,
  ) {
    for (const layer of VGG19_CONV_LAYERS) {
      const w = weights.layers.get(layer.kerasName);
      if (!w) break;
      const backKernel = customGradients
        ? tf.tidy(() => tf.transpose(tf.reverse(w.kernel, [0, 1]), [0, 1, 3, 2]))
        : undefined;
      this.layers.push({ layer, kernel: w.kernel, bias: w.bias, backKernel });
    }
  }

  /** The deepest tap this weight set can serve. */
  get deepestTap(): string {
    return this.layers[this.layers.length - 1].layer.relu;
  }

  /** Throws a RangeError naming the layer when a tap is unknown or deeper than the weights. */
  checkTaps(taps: readonly string[]): void {
    for (const t of taps) {
      if (tapOrder(t) > tapOrder(this.deepestTap)) {
        throw new RangeError(`Layer "${t}" is deeper than these weights reach (${this.deepestTap}).`);
      }
    }
  }

  private conv(x: tf.Tensor4D, p: PreparedLayer): tf.Tensor4D {
    if (!p.backKernel) return tf.add(tf.conv2d(x, p.kernel, 1, 'same'), p.bias);
    const back = p.backKernel;
    // Stride 1, 'same' padding, 3×3: dL/dx = conv(dL/dy, flipped and transposed kernel, 'same'),
    // which wasm runs as fast as the forward pass (its Conv2DBackpropInput is ~8× slower).
    const conv = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => ({
      value: tf.conv2d(args[0] as tf.Tensor4D, p.kernel, 1, 'same'),
      gradFunc: (dy: tf.Tensor) => tf.conv2d(dy as tf.Tensor4D, back, 1, 'same'),
    }));
    return tf.add(conv(x) as tf.Tensor4D, p.bias);
  }

  /** Activations at `taps` for input `x` [1, h, w, 3] in the weights' convention. */
  features(x: tf.Tensor4D, taps: readonly string[]): Map<string, tf.Tensor4D> {
    const wanted = new Set(taps);
    const deepest = Math.max(...taps.map(tapOrder));
    const out = new Map<string, tf.Tensor4D>();
    let h = x;
    for (const p of this.layers) {
      if (tapOrder(p.layer.conv) > deepest) break;
      h = this.conv(h, p);
      if (wanted.has(p.layer.conv)) out.set(p.layer.conv, h);
      if (tapOrder(p.layer.relu) > deepest) break;
      h = tf.relu(h);
      if (wanted.has(p.layer.relu)) out.set(p.layer.relu, h);
      if (p.layer.poolAfter) h = tf.maxPool(h, 2, 2, 'valid');
    }
    return out;
  }

  dispose(): void {
    for (const p of this.layers) p.backKernel?.dispose();
  }
}
