import * as tf from '../tf.ts';

/**
 * Adam exactly as torch.optim.Adam computes it (eps added after the bias-corrected square
 * root), so the parity fixture from PyTorch matches step for step.
 */
export class Adam {
  private m: tf.Tensor;
  private v: tf.Tensor;
  private t = 0;

  constructor(
    shape: number[],
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = tf.zeros(shape);
    this.v = tf.zeros(shape);
  }

  /** Returns the updated parameter; the caller disposes the old one. */
  step(x: tf.Tensor, grad: tf.Tensor, lr: number): tf.Tensor {
    this.t += 1;
    const { m, v, beta1, beta2, eps, t } = this;
    const [nextM, nextV, nextX] = tf.tidy(() => {
      const m1 = tf.add(tf.mul(m, beta1), tf.mul(grad, 1 - beta1));
      const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(grad), 1 - beta2));
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      const denom = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(bc2)), eps);
      return [m1, v1, tf.sub(x, tf.mul(tf.div(m1, denom), lr / bc1))];
    });
    m.dispose();
    v.dispose();
    this.m = nextM;
    this.v = nextV;
    return nextX;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
