import * as tf from '../tf.ts';

export interface LbfgsOptions {
  learningRate: number;
  historySize: number;
  toleranceGrad?: number;
  toleranceChange?: number;
}

/**
 * L-BFGS without line search, restructured from torch.optim.LBFGS so that each call handles one
 * function evaluation: the engine evaluates, reports progress, and asks for the next point.
 * With N evaluations it makes exactly the N updates torch's `step(closure)` with max_iter N makes.
 */
export class Lbfgs {
  private readonly dirs: tf.Tensor1D[] = [];
  private readonly steps: tf.Tensor1D[] = [];
  private readonly ro: number[] = [];
  private hDiag = 1;
  private d?: tf.Tensor1D;
  private t = 0;
  private prevGrad?: tf.Tensor1D;
  private prevLoss = 0;
  private readonly tolGrad: number;
  private readonly tolChange: number;

  constructor(private readonly options: LbfgsOptions) {
    this.tolGrad = options.toleranceGrad ?? 1e-7;
    this.tolChange = options.toleranceChange ?? 1e-9;
  }

  /** The next parameters, or undefined when converged (the caller keeps `x`). */
  step(x: tf.Tensor, grad: tf.Tensor, loss: number): tf.Tensor | undefined {
    const g = tf.reshape(grad, [-1]) as tf.Tensor1D;
    try {
      return this.next(x, g, loss);
    } finally {
      g.dispose();
    }
  }

  private next(x: tf.Tensor, g: tf.Tensor1D, loss: number): tf.Tensor | undefined {
    const gMax = tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]);
    if (gMax <= this.tolGrad) return undefined;

    if (!this.d) {
      this.d = tf.neg(g);
      const gSum = tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]);
      this.t = Math.min(1, 1 / gSum) * this.options.learningRate;
    } else {
      const d = this.d;
      const stepMax = tf.tidy(() => tf.max(tf.abs(tf.mul(d, this.t))).dataSync()[0]);
      if (stepMax <= this.tolChange || Math.abs(loss - this.prevLoss) < this.tolChange) return undefined;
      this.updateHistory(g);
      d.dispose();
      this.d = this.direction(g);
      this.t = this.options.learningRate;
    }
    this.prevGrad?.dispose();
    this.prevGrad = tf.keep(tf.clone(g));
    this.prevLoss = loss;

    const d = this.d;
    const gtd = tf.tidy(() => tf.dot(g, d).dataSync()[0]);
    if (gtd > -this.tolChange) return undefined;
    return tf.tidy(() => tf.add(x, tf.reshape(tf.mul(d, this.t), x.shape)));
  }

  private updateHistory(g: tf.Tensor1D): void {
    const prev = this.prevGrad!;
    const d = this.d!;
    const y = tf.sub(g, prev) as tf.Tensor1D;
    const s = tf.mul(d, this.t) as tf.Tensor1D;
    const ys = tf.tidy(() => tf.dot(y, s).dataSync()[0]);
    if (ys > 1e-10) {
      if (this.dirs.length === this.options.historySize) {
        this.dirs.shift()!.dispose();
        this.steps.shift()!.dispose();
        this.ro.shift();
      }
      this.dirs.push(y);
      this.steps.push(s);
      this.ro.push(1 / ys);
      this.hDiag = ys / tf.tidy(() => tf.dot(y, y).dataSync()[0]);
    } else {
      y.dispose();
      s.dispose();
    }
  }

  /** The two-loop recursion: d = −H·g with the stored curvature pairs. */
  private direction(g: tf.Tensor1D): tf.Tensor1D {
    const n = this.dirs.length;
    const al = new Array<number>(n);
    let q = tf.neg(g) as tf.Tensor1D;
    for (let i = n - 1; i >= 0; i--) {
      al[i] = tf.tidy(() => tf.dot(this.steps[i], q).dataSync()[0]) * this.ro[i];
      const next = tf.tidy(() => tf.sub(q, tf.mul(this.dirs[i], al[i]))) as tf.Tensor1D;
      q.dispose();
      q = next;
    }
    let r = tf.mul(q, this.hDiag) as tf.Tensor1D;
    q.dispose();
    for (let i = 0; i < n; i++) {
      const be = tf.tidy(() => tf.dot(this.dirs[i], r).dataSync()[0]) * this.ro[i];
      const next = tf.tidy(() => tf.add(r, tf.mul(this.steps[i], al[i] - be))) as tf.Tensor1D;
      r.dispose();
      r = next;
    }
    return r;
  }

  dispose(): void {
    for (const t of [...this.dirs, ...this.steps]) t.dispose();
    this.dirs.length = 0;
    this.steps.length = 0;
    this.d?.dispose();
    this.prevGrad?.dispose();
  }
}
