import * as tf from '../tf.ts';

/**
 * Adam exactly as torch.optim.Adam computes it (eps added after the bias-corrected square
 * root), so the parity fixture from PyTorch matches step for step. Its moments are plain
 * Float32Arrays, for the reason L-BFGS' vectors are (lbfgs.ts): long-lived image-sized tensors
 * fragment TensorFlow.js' wasm heap, which never shrinks.
 */
export class Adam {
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;

  constructor(
    shape: number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    const size = shape.reduce((a, b) => a * b, 1);
    this.m = new Float32Array(size);
    this.v = new Float32Array(size);
  }

  /** Returns the updated parameter; the caller disposes the old one. */
  step(x: tf.Tensor, grad: tf.Tensor, lr: number): tf.Tensor {
    this.t += 1;
    const { m, v, beta1, beta2, eps, t } = this;
    // Read only: on the cpu backend these are the tensors' own storage.
    const g = grad.dataSync() as Float32Array;
    const xs = x.dataSync() as Float32Array;
    const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, t));
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const next = new Float32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      const gi = g[i]!;
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
      next[i] = xs[i]! - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / sqrtBc2 + eps);
    }
    return tf.tensor(next, x.shape, 'float32');
  }

  /** Nothing to release: the moments are garbage-collected with the optimiser. */
  dispose(): void {}
}
