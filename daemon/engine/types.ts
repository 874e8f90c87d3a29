/**
 * The engine's public types. The engine knows nothing of sockets, Figma or files on disk
 * beyond its weights directory: callers hand it decoded pixels and get pixels back.
 */

/** Interleaved 8-bit RGB pixels, row-major, `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * A single-channel mask, row-major, `data.length === width * height`, values 0..1: 1 where a
 * style applies (white or opaque in the designer's mask), 0 where the source is kept. Any size:
 * the engine scales it to each stage by area (region-mask.ts).
 */
export interface MaskImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** How a weight set expects its input: see `convention.ts`. */
export type InputConventionName = 'caffe' | 'torchvision';

/** Tap points in VGG-19, named after the activation they read (see `vgg-layers.ts`). */
export type LayerName = string;

export type OptimizerName = 'adam' | 'lbfgs';
/**
 * Where stage 1 starts: the content image; neural-style's noise; or the content recoloured to
 * the style's colour mean and covariance (color-transfer.ts), which starts L-BFGS in the
 * style's colour basin instead of the photo's.
 */
export type InitName = 'content' | 'noise' | 'content-recolored';

/**
 * Whose colours the result has: 'style' (the optimisation alone decides); 'content' (the
 * result's luminance with the content's chroma, neural-style's -original_colors 1);
 * 'luminance': the content is first recoloured to the style's colour statistics and
 * stylised as such (Gatys et al. 2016's colour histogram matching, applied to the content),
 * so the style's palette comes through whole and the optimisation works on light and texture.
 */
export type ColorsName = 'style' | 'content' | 'luminance';

/** One resolution of a multi-scale job. */
export interface StageSpec {
  height: number;
  width: number;
  iterations: number;
}

/** Every knob of a job; a preset fills all of them, callers override any. */
export interface StyleOptions {
  preset: string;
  /**
   * Output size of the last stage. When `height` and `width` are 0, the longest side is
   * `maxSide` and the content image's aspect ratio is kept.
   */
  height: number;
  width: number;
  maxSide: number;
  /** Number of stages; each earlier stage is `scale` times smaller than the next. */
  stages: number;
  scale: number;
  /** Iterations per stage (times `iterationSchedule`'s factor for that stage). */
  iterations: number;
  /**
   * Per-stage factors on `iterations`, smallest stage first (one per stage), so a pyramid can
   * spend most iterations where they are cheap; empty: `iterations` at every stage.
   */
  iterationSchedule: number[];
  contentLayers: LayerName[];
  styleLayers: LayerName[];
  contentWeight: number;
  styleWeight: number;
  /**
   * Multiplies `styleWeight` (the preset's or the caller's): a relative style strength that
   * needs no knowledge of the preset's absolute weights. `resolveOptions` folds it into
   * `styleWeight` and reports 1, so resolved options resolve to themselves.
   */
  styleScale: number;
  /**
   * Divides the style weight by the style's Gram energy relative to a reference style's
   * (style-balance.ts), so strongly and weakly textured styles pull alike at one weight.
   */
  normalizeStyle: boolean;
  tvWeight: number;
  /**
   * The style image's working size relative to the content's (neural-style's -style_scale,
   * not to be confused with `styleScale`, a weight): 2 gives brush strokes twice as large, 0.5
   * finer ones. The whole style is used, its aspect ratio kept: its longest side is the stage's
   * longest side times `styleSize` (neural-style's sizing); past four times the stage's pixels
   * its centre is cropped (fit-style.ts).
   */
  styleSize: number;
  colors: ColorsName;
  optimizer: OptimizerName;
  learningRate: number;
  /** Adam only: StepLR period (iterations) and factor. */
  lrStep: number;
  lrGamma: number;
  /** L-BFGS only: history size. */
  historySize: number;
  init: InitName;
  seed: number;
  /** Emit a progress event every N iterations (the last iteration of a stage always reports). */
  progressEvery: number;
  /** Attach a preview image every N iterations (0: never), its longest side at most `previewMaxSide`. */
  previewEvery: number;
  previewMaxSide: number;
}

export interface StyleInput {
  image: RgbImage;
  /** Relative blend weight; weights are normalised to sum to 1. */
  weight: number;
  /**
   * A key identifying this image's pixels (e.g. their hash): the engine caches its Gram
   * targets under it, so one style applied to many frames is analysed once per size.
   */
  cacheKey?: string;
  /**
   * Where this style applies (cysmith/neural-style-tf's style masks): its style loss is taken
   * over the mask only, and past the feather outside every mask the result is the source's
   * pixels. Styles given the same mask object form one region and are blended in it (their
   * weights normalised within it); a style without a mask, in a job where others have one,
   * applies over the whole image. The content and total-variation losses always cover the
   * whole image.
   */
  mask?: MaskImage;
}

/** Fits an image to a stage's size; the default is bilinear with an area prefilter. */
export type ResizeImageAsync = (image: RgbImage, width: number, height: number) => Promise<RgbImage>;

export interface StylizeRequest {
  content: RgbImage;
  styles: StyleInput[];
  /** Preset name plus overrides; unspecified fields come from the preset. */
  options?: Partial<StyleOptions>;
  signal?: AbortSignal;
  resizeAsync?: ResizeImageAsync;
  /**
   * Called with each stage's image as it ends (0-based stage), before the next stage starts:
   * whoever runs the job keeps it so that a job cut short resumes from there (`resume`).
   */
  onStageEndAsync?: (stage: number, image: RgbImage) => Promise<void>;
  /**
   * Starts after stage `stage` (0-based) with `image`, that stage's result as `onStageEndAsync`
   * gave it: the stages up to it are skipped. The same options and inputs must be given.
   */
  resume?: { stage: number; image: RgbImage };
  /**
   * With masks (StyleInput.mask): the width in pixels of the result over which the stylised
   * pixels fade into the source's at the masks' edges (region-mask.ts' featherMask). Default
   * REGION_LIMITS.defaultFeatherPx.
   */
  featherPx?: number;
}

export interface Losses {
  content: number;
  style: number;
  tv: number;
  total: number;
}

/** How a stage runs under the job's memory budget (memory-budget.ts), as planned before any work. */
export interface StageMemorySummary {
  /** Windows of the tiled evaluation (with their side and halo), or null: the stage runs whole. */
  windows: { count: number; height: number; width: number; halo: number } | null;
  /** L-BFGS history kept at this stage (shortened where the budget asks). */
  historySize: number;
  /** The plan's estimate of the stage's peak, in MB (an upper bound: see MEMORY_LIMITS). */
  estimatedMB: number;
}

export interface StartEvent {
  type: 'start';
  backend: string;
  device: string;
  options: StyleOptions;
  stages: StageSpec[];
  /** One per stage, in order; and the budget they were planned under. */
  memory: StageMemorySummary[];
  memoryBudgetMB: number;
  /**
   * What `normalizeStyle` multiplied the style weight by for these styles (style-balance.ts);
   * 1 when it is off. `options.styleWeight` is the preset's, before it.
   */
  styleBalance: number;
}

export interface ProgressEvent {
  type: 'progress';
  /** 1-based stage and iteration within the stage. */
  stage: number;
  stages: number;
  iteration: number;
  iterations: number;
  losses: Losses;
  learningRate: number;
  /** Seconds since the job started, and the estimated seconds left. */
  seconds: number;
  etaSeconds: number;
  /**
   * Seconds this stage has run so far and per iteration: a pyramid's top stages cost many
   * times its first ones per iteration, so callers can show where the time goes.
   */
  stageSeconds: number;
  secondsPerIteration: number;
  preview?: RgbImage;
}

export interface ResultEvent {
  type: 'result';
  image: RgbImage;
  seconds: number;
  losses: Losses;
}

export type StylizeEvent = StartEvent | ProgressEvent | ResultEvent;

/** What the engine reports about itself (the daemon's hello carries it). */
export interface EngineInfo {
  /** Which computes the loss and gradient: 'tfjs' (autograd) or 'onnx' (hand-written graph). */
  engine: string;
  backend: string;
  device: string;
  convention: InputConventionName;
  weightsSource: string;
}
