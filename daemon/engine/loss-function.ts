import type * as tf from './tf.ts';
import type { InputConventionName, RgbImage, StyleOptions } from './types.ts';

/**
 * The seam between the optimisation driver (stages, optimisers, progress: engine.ts) and what
 * computes the loss and its gradient. TensorFlow.js autograd is one implementation
 * (tfjs-loss-function.ts); a hand-written ONNX Runtime graph is another (onnx/). Everything else
 * — presets, stages, Adam, L-BFGS, previews, cancellation — is shared, so both produce the same
 * job for the same options.
 */
export interface StageLossFunction {
  /**
   * Loss parts (weighted content, style, total variation) and the gradient of their sum at
   * `x`, a [1, h, w, 3] float32 tensor in the weights' convention units (NHWC). The returned
   * gradient is a new tensor of x's shape that the caller disposes.
   */
  evaluateAsync(x: tf.Tensor4D): Promise<{ content: number; style: number; tv: number; grad: tf.Tensor4D }>;
  dispose(): void;
}

export interface StageInputs {
  /** The content image at the stage's size. */
  content: RgbImage;
  /** Style images at the stage's size with normalised blend weights (summing to 1). */
  styles: Array<{ image: RgbImage; weight: number; cacheKey?: string }>;
  options: StyleOptions;
  height: number;
  width: number;
}

export interface LossBackend {
  /** 'tfjs' or 'onnx'. */
  readonly engine: string;
  /** tfjs backend or ONNX execution provider, e.g. 'wasm', 'cpu', 'cuda'. */
  readonly backend: string;
  /** Human-readable device, e.g. 'CPU (onnxruntime, 2 threads)'. */
  readonly device: string;
  readonly convention: InputConventionName;
  /** The deepest tap the weights reach: deeper layers are refused as bad options. */
  checkLayers(layers: readonly string[]): void;
  /** Targets (content features, blended style Grams) for one stage, and its loss function. */
  prepareStageAsync(inputs: StageInputs): Promise<StageLossFunction>;
  /** Style targets kept across jobs, when the backend caches them (see StyleInput.cacheKey). */
  readonly styleCache?: { readonly size: number; clear(): void };
  dispose(): void;
}
