import * as tf from '../tf.ts';

/**
 * The engine's stopping rule (engine.ts passes it): a stage runs every iteration it was given,
 * as neural-style's L-BFGS does (`tolX = -1, tolFun = -1` in neural_style.lua). torch's
 * defaults (1e-9 below) end a run when the loss or the step stops changing, and the first step
 * is 1/Σ|g| of the gradient: on a large stage with a large loss that step can leave the float32
 * loss exactly as it was, so the stage "converged" after two evaluations. Best (1024 px) on
 * chelsea × Starry Night did: its 1024 px stage stopped at 2 of 84 iterations (SWD ratio 0.40,
 * high-frequency ratio 0.01: the 512 px result enlarged). A zero gradient still stops a stage.
 */
export const ENGINE_LBFGS_TOLERANCES = { toleranceChange: -1 } as const satisfies Partial<LbfgsOptions>;

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
 *
 * Its vectors (history, direction, previous gradient) are plain Float32Arrays, not tensors:
 * on TensorFlow.js' wasm backend, long-lived image-sized tensors interleaved with each
 * iteration's temporaries fragment a heap that never shrinks — a 512×384 stage grew by about
 * 30 MB an iteration until the history was full (about 0.7 GB over 20), against the 4.7 MB
 * a history pair needs. Out here each array is freed as soon as it is dropped, and a full
 * history recycles its oldest pair. Dots and norms accumulate in double precision.
 */
export class Lbfgs {
  /** yᵢ = gᵢ₊₁ − gᵢ, oldest first. */
  private readonly dirs: Float32Array[] = [];
  /** sᵢ = tᵢ·dᵢ, oldest first. */
  private readonly steps: Float32Array[] = [];
  private readonly ro: number[] = [];
  private hDiag = 1;
  private d?: Float32Array;
  private t = 0;
  private prevGrad?: Float32Array;
  private prevLoss = 0;
  private readonly tolGrad: number;
  private readonly tolChange: number;

  constructor(private readonly options: LbfgsOptions) {
    this.tolGrad = options.toleranceGrad ?? 1e-7;
    this.tolChange = options.toleranceChange ?? 1e-9;
  }

  /** The next parameters, or undefined when converged (the caller keeps `x`). */
  step(x: tf.Tensor, grad: tf.Tensor, loss: number): tf.Tensor | undefined {
    // Read only: on the cpu backend this is the tensor's own storage.
    const g = grad.dataSync() as Float32Array;
    if (maxAbs(g, 1) <= this.tolGrad) return undefined;

    if (!this.d) {
      this.d = scaled(g, -1);
      this.t = Math.min(1, 1 / sumAbs(g)) * this.options.learningRate;
    } else {
      if (maxAbs(this.d, this.t) <= this.tolChange || Math.abs(loss - this.prevLoss) < this.tolChange) return undefined;
      this.updateHistory(g);
      this.d = this.direction(g);
      this.t = this.options.learningRate;
    }
    this.prevGrad = copyInto(this.prevGrad, g);
    this.prevLoss = loss;

    if (dot(g, this.d) > -this.tolChange) return undefined;
    const next = Float32Array.from(x.dataSync() as Float32Array);
    axpy(next, this.t, this.d);
    return tf.tensor(next, x.shape, 'float32');
  }

  private updateHistory(g: Float32Array): void {
    const prev = this.prevGrad!;
    const d = this.d!;
    const t = this.t;
    // y·s first, from the float32 values y and s will hold: a rejected pair writes nothing.
    let ys = 0;
    for (let i = 0; i < g.length; i++) ys += Math.fround(g[i]! - prev[i]!) * Math.fround(d[i]! * t);
    if (ys <= 1e-10) return;
    // A full history hands its oldest pair's arrays to the new pair.
    const full = this.dirs.length === this.options.historySize;
    const y = full ? this.dirs.shift()! : new Float32Array(g.length);
    const s = full ? this.steps.shift()! : new Float32Array(g.length);
    if (full) this.ro.shift();
    for (let i = 0; i < g.length; i++) {
      y[i] = g[i]! - prev[i]!;
      s[i] = d[i]! * t;
    }
    this.dirs.push(y);
    this.steps.push(s);
    this.ro.push(1 / ys);
    this.hDiag = ys / dot(y, y);
  }

  /** The two-loop recursion: d = −H·g with the stored curvature pairs, in one array. */
  private direction(g: Float32Array): Float32Array {
    const n = this.dirs.length;
    const al = new Array<number>(n);
    const r = scaled(g, -1);
    for (let i = n - 1; i >= 0; i--) {
      al[i] = dot(this.steps[i]!, r) * this.ro[i]!;
      axpy(r, -al[i]!, this.dirs[i]!);
    }
    for (let i = 0; i < r.length; i++) r[i] = r[i]! * this.hDiag;
    for (let i = 0; i < n; i++) {
      const be = dot(this.dirs[i]!, r) * this.ro[i]!;
      axpy(r, al[i]! - be, this.steps[i]!);
    }
    return r;
  }

  dispose(): void {
    this.dirs.length = 0;
    this.steps.length = 0;
    this.ro.length = 0;
    this.d = undefined;
    this.prevGrad = undefined;
  }
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** max |scale·aᵢ|. */
function maxAbs(a: Float32Array, scale: number): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]!));
  return max * Math.abs(scale);
}

function sumAbs(a: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]!);
  return sum;
}

function scaled(a: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * scale;
  return out;
}

/** y ← y + alpha·x, in place. */
function axpy(y: Float32Array, alpha: number, x: Float32Array): void {
  for (let i = 0; i < y.length; i++) y[i] = y[i]! + alpha * x[i]!;
}

/** `source` copied into `target` when it has the length, else into a new array. */
function copyInto(target: Float32Array | undefined, source: Float32Array): Float32Array {
  if (!target || target.length !== source.length) return Float32Array.from(source);
  target.set(source);
  return target;
}
