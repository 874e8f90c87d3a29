import type * as tf from './tf.ts';
import type { PixelRect } from './tile-plan.ts';
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
  /** Style images, each at its own working size (fit-style.ts), with normalised blend weights (summing to 1). */
  styles: Array<{ image: RgbImage; weight: number; cacheKey?: string }>;
  options: StyleOptions;
  height: number;
  width: number;
  /**
   * Masked style regions (region-mask.ts): when present, the style loss is the sum of each
   * region's over its mask and `styles` is not used; absent, `styles` blended over the whole
   * image, as an unmasked job.
   */
  regions?: StageRegion[];
}

/** One region of a stage: its mask, its styles (blended within it) and its weight. */
export interface StageRegion {
  /** [height, width] at the stage's size, row-major, 0..1. */
  mask: Float32Array;
  /** As StageInputs.styles: each at its own working size, weights summing to 1. */
  styles: StageInputs['styles'];
  /** Multiplies options.styleWeight for this region (its style balance, style-balance.ts). */
  weight: number;
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
  /**
   * gramEnergy (style-balance.ts) of the styles' blended Grams at `layers`, each style at its
   * own size: what StyleOptions.normalizeStyle divides the style weight by.
   */
  styleEnergyAsync(styles: StageInputs['styles'], layers: readonly string[]): Promise<number>;
  /** Style targets kept across jobs, when the backend caches them (see StyleInput.cacheKey). */
  readonly styleCache?: { readonly size: number; clear(): void };
  /**
   * The per-window forward and backward passes of the tiled evaluation (tiled-loss.ts), for
   * windows of one size; absent: this backend evaluates whole stages only.
   */
  prepareTileKernelAsync?(config: TileKernelConfig): Promise<TileKernel>;
  dispose(): void;
}

/** Which of a tile forward pass' outputs a caller needs. */
export type TileOutputs = 'grams' | 'content';

export interface TileKernelConfig {
  /** The window's size in pixels (every window of a stage has the same). */
  height: number;
  width: number;
  contentLayers: readonly string[];
  styleLayers: readonly string[];
  /** The style taps are read through `styleMasks` (a masked region's, tiled-loss.ts) rather than the owned region. */
  styleMasked?: boolean;
}

/**
 * What a backend computes on one window for the tiled evaluation; arrays are plain float32.
 * Windows are NHWC [1, h, w, 3] in the network's units; `own` is the window's owned region
 * (tile-plan.ts); features and targets are NCHW [c, h', w'] over the owned region at the
 * tap's stride (tile-plan.ts' rectAtStride). Every sum runs over the owned region only.
 */
export interface TileKernel {
  /**
   * Per style layer Σ FᵀF ([c, c], not normalised) and per content layer the features; only
   * what `want` names is computed and returned (the other list is empty): each pass needs one.
   */
  forwardAsync(
    window: Float32Array,
    own: PixelRect,
    want: TileOutputs,
    /**
     * With `styleMasked`: per style layer the window's mask at the tap's stride, [h', w'] over the
     * whole window (zero outside the owned region); F is read as F⊙M in the style sums.
     */
    styleMasks?: readonly Float32Array[],
  ): Promise<{ gramSums: Float32Array[]; content: Float32Array[] }>;
  /**
   * The gradient w.r.t. the window of
   *   S = Σ_content s_l · Σ (F − Fc)²  +  Σ_style ½ · Σ ⟨F, D_l·F⟩
   * (F as [c, positions]; D_l symmetric [c, c], so ∂S/∂F = D_l·F), and Σ (F − Fc)² per
   * content layer. With D_l = 4·w_s/(c³·n)·(G − G_s) over the whole image's Gram G, S's
   * gradient summed over windows is the style loss' gradient. With `styleMasks` (as forwardAsync's),
   * the style terms read F⊙M: ½⟨F⊙M, D_l·(F⊙M)⟩, whose gradient is M⊙D_l·(F⊙M).
   */
  backwardAsync(
    window: Float32Array,
    own: PixelRect,
    contentTargets: readonly Float32Array[],
    styleCoefficients: readonly Float32Array[],
    contentScales: readonly number[],
    styleMasks?: readonly Float32Array[],
  ): Promise<{ contentSums: number[]; grad: Float32Array }>;
  dispose(): void;
}
