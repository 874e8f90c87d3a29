import { freemem, totalmem } from 'node:os';
import { EngineError } from './engine-error.ts';
import { deepestOf, exactHalo, minimumWindowSide, planTiles, tapStride, type TilePlan } from './tile-plan.ts';
import type { StageMemorySummary, StyleOptions } from './types.ts';
import { tapOrder, VGG19_CONV_LAYERS } from './vgg-layers.ts';

/**
 * How a stage fits a memory budget: whole or in windows (tiled-loss.ts), and how long an
 * L-BFGS history it can keep. Every constant of the estimate lives here.
 */
export const MEMORY_LIMITS = {
  /**
   * Share of the free memory (os.freemem() when the job starts) a job plans for when no
   * budget is given: the rest is left to the designer's other applications.
   */
  defaultFreeFraction: 0.6,
  /**
   * …but never less than this share of the machine's memory: macOS counts reclaimable cache
   * as used (os.freemem() is often a few hundred MB there), which would refuse ordinary jobs.
   */
  defaultTotalFraction: 0.25,
  /**
   * The share of the budget a plan may fill: memory freed by an earlier stage's sessions is
   * not all returned to the system (allocator fragmentation across onnxruntime's threads), so
   * a job's later stages start above the fixed part. Measured (issue 11): a 2-stage 2048×1536
   * job planned at 4064 MB (share 1) was seen at 4111 MB RSS in its top stage, where that
   * stage alone peaked at 3557 MB.
   */
  planningShare: 0.85,
  /** A budget below this is refused as a setting (the runtime alone needs about this much). */
  minBudgetMB: 1024,
  maxBudgetMB: 1024 * 1024,
  /**
   * What does not grow with the image: Node, TensorFlow.js, onnxruntime, the weights and the
   * sessions' copies of them. Measured (issue 11, `npm run bench -- --memory`, top stage of a
   * classic job): 512×384 whole 1470 MB and 1024×768 whole 2971 MB peak RSS, a line through
   * which meets 0 pixels at ≈ 970 MB.
   */
  fixedBytes: 1000 * 2 ** 20,
  /**
   * Loss-graph bytes per forward activation value (4 bytes each) of a window: the forward
   * activations kept for the backward pass, the backward pass' own, pool masks. Measured
   * (the same two runs): 2.54 KB per pixel whole, of which ~0.6 KB the image-sized arrays
   * below, leaving ~1.9 KB for 580 activation values per pixel (to relu5_1, conv and ReLU
   * outputs) ≈ 0.83 copies of 4 bytes; a 1024×768 stage in 320×320 windows peaked at
   * 1093 MB for an estimate of 1240 MB with 1 copy.
   */
  activationCopies: 1,
  /**
   * Image-sized float32 RGB arrays a stage holds besides the L-BFGS history: the variable,
   * its gradient (tiled sum, tensor, transfer copies), the optimiser's direction, previous
   * gradient and temporaries, the content and style images in network units.
   */
  imageVectors: 12,
  /** The shortest L-BFGS history a budget may impose (below it, L-BFGS is barely L-BFGS). */
  minHistory: 3,
  /**
   * The history is shortened before windows shrink below this side: a window's two halos
   * (2 × 96 px at relu5_1) are computed but not owned, so smaller windows cost time fast
   * (1024×768 in 320×320 windows: 39 s per iteration against 7.8 s whole), and the top stages
   * of a pyramid only refine, where a short history does.
   */
  preferredWindowSide: 1024,
  /**
   * Float32 arrays at the stage's size a masked job holds besides its regions' own: the union
   * of the masks and its feathered copy (float64, two) that the result is composited through.
   */
  compositeVectors: 3,
  /**
   * Copies of the network's weights (to the deepest tap) one tile kernel's two sessions hold
   * (onnx-loss-core.ts' prepareTileKernelAsync): the forward graph's, the loss graph's and its
   * flipped backward kernels. The stage's own kernel is in fixedBytes; a tiled job with two or
   * more regions holds one more, style-only, kernel (tiled-loss.ts). Counted, not measured.
   */
  tileKernelWeightCopies: 3,
} as const;

export const MB = 2 ** 20;

/** The budget a job plans for when none is configured, in MB. */
export function defaultMemoryBudgetMB(free: number = freemem(), total: number = totalmem()): number {
  const share = Math.max(free * MEMORY_LIMITS.defaultFreeFraction, total * MEMORY_LIMITS.defaultTotalFraction);
  return Math.max(MEMORY_LIMITS.minBudgetMB, Math.floor(share / MB));
}

/** Forward activation values per input pixel up to the deepest tap (VGG-19's channels). */
export function activationValuesPerPixel(taps: readonly string[]): number {
  const deepest = tapOrder(deepestOf(taps));
  let values = 0;
  for (const l of VGG19_CONV_LAYERS) {
    if (tapOrder(l.conv) > deepest) break;
    const stride = 2 ** (l.block - 1);
    // The conv's output and its ReLU's: two tensors per layer.
    values += (2 * l.channels) / (stride * stride);
  }
  return values;
}

/** float32 bytes of VGG-19's convolution weights and biases up to the deepest of `taps`. */
export function weightBytesUpTo(taps: readonly string[]): number {
  const deepest = tapOrder(deepestOf(taps));
  let bytes = 0;
  let inputs = 3;
  for (const l of VGG19_CONV_LAYERS) {
    if (tapOrder(l.conv) > deepest) break;
    bytes += 4 * (inputs * l.channels * 9 + l.channels);
    inputs = l.channels;
  }
  return bytes;
}

/** float32 values per stage pixel of a region's masks at the style taps' strides (one per stride). */
function strideMaskValuesPerPixel(styleLayers: readonly string[]): number {
  return [...new Set(styleLayers.map(tapStride))].reduce((sum, s) => sum + 1 / (s * s), 0);
}

export interface StageMemoryPlan {
  /** Windows, or undefined: the stage is evaluated whole. */
  tiles?: TilePlan;
  historySize: number;
  /** The estimated peak, in bytes. */
  estimatedBytes: number;
}

/**
 * The stage's plan under `budgetMB`: whole with the options' history where that fits; else
 * windows, as large as the budget allows, with the history shortened (down to
 * MEMORY_LIMITS.minHistory) where windows of preferredWindowSide would not fit. Throws
 * EngineError('memory-budget') with the megabytes needed when not even the smallest window fits.
 *
 * `regions`: a masked job's region count (style-regions.ts' groups: styles sharing a mask are
 * one region; 0, the default, an unmasked job). Each region adds its masks (at the stage's size
 * and at the style taps' strides, and their window cuts when tiled); a tiled stage with two or
 * more regions holds one more tile kernel (MEMORY_LIMITS.tileKernelWeightCopies).
 */
export function planStageMemory(height: number, width: number, o: StyleOptions, budgetMB: number, regions = 0): StageMemoryPlan {
  const taps = [...o.contentLayers, ...o.styleLayers];
  const perActivationPixel = activationValuesPerPixel(taps) * 4 * MEMORY_LIMITS.activationCopies;
  const contentPerPixel = o.contentLayers.reduce((sum, l) => {
    const c = VGG19_CONV_LAYERS.find((v) => v.conv === l || v.relu === l)!.channels;
    return sum + (4 * c) / tapStride(l) ** 2;
  }, 0);
  const pixels = height * width;
  // The history is plain Float32Arrays (optim/lbfgs.ts), outside tfjs' 4 GB wasm heap: only
  // the budget bounds it.
  const history = o.optimizer === 'lbfgs' ? o.historySize : 0;
  const masked = regions > 0;
  // Whole-image mask arrays, however the stage runs: each region's mask at the stage's size and
  // at the style taps' strides, and the composite's.
  const maskValues = masked ? regions * (1 + strideMaskValuesPerPixel(o.styleLayers)) + MEMORY_LIMITS.compositeVectors : 0;
  const imageBytes = (h: number): number => pixels * (12 * (MEMORY_LIMITS.imageVectors + 2 * h) + contentPerPixel + 4 * maskValues);
  const budget = budgetMB * MB * MEMORY_LIMITS.planningShare;
  // Whole, the loss graph takes every region's masks as inputs. Its masked taps (F⊙m, m⊙dF)
  // cost nothing measurable: a 512×384 atelier stage peaked at 1332 MB unmasked, 1335 MB with
  // one region and 1329 MB with two (4 iterations, process tree); onnxruntime reuses the buffers.
  const whole = MEMORY_LIMITS.fixedBytes + imageBytes(history) + pixels * (perActivationPixel + 4 * regions * strideMaskValuesPerPixel(o.styleLayers));
  if (whole <= budget) return { historySize: o.historySize, estimatedBytes: whole };

  const halo = exactHalo(taps);
  const align = tapStride(deepestOf(taps));
  const minSide = minimumWindowSide(halo, align);
  // A masked window graph takes the window's style masks, one region at a time.
  const perWindowPixel = perActivationPixel + (masked ? 4 * strideMaskValuesPerPixel(o.styleLayers) : 0);
  const fixed = MEMORY_LIMITS.fixedBytes + (regions > 1 ? MEMORY_LIMITS.tileKernelWeightCopies * weightBytesUpTo(taps) : 0);
  const windowPixels = (h: number): number => (budget - fixed - imageBytes(h)) / perWindowPixel;
  const preferred = Math.min(MEMORY_LIMITS.preferredWindowSide, height) * Math.min(MEMORY_LIMITS.preferredWindowSide, width);
  let h = history;
  const floor = o.optimizer === 'lbfgs' ? Math.min(history, MEMORY_LIMITS.minHistory) : 0;
  while (h > floor && windowPixels(h) < preferred) h -= 1;
  const smallest = Math.min(minSide, height) * Math.min(minSide, width);
  const room = windowPixels(h);
  if (!(room >= smallest)) {
    // What a plan of that size needs, over the share of the budget a plan may fill.
    const needed = Math.ceil((fixed + imageBytes(floor) + smallest * perWindowPixel) / MEMORY_LIMITS.planningShare / MB);
    throw new EngineError(
      'memory-budget',
      `A ${width}×${height} stage needs at least ${needed} MB and the memory budget is ${budgetMB} MB; raise memoryBudgetMB (--memory-budget) to ${needed} or more, or choose a smaller size.`,
    );
  }
  // Square where both sides exceed the window; else the whole of the short side.
  const side = Math.floor(Math.sqrt(room));
  let windowHeight = Math.min(height, side);
  let windowWidth = Math.min(width, side);
  if (height <= side) windowWidth = Math.min(width, Math.floor(room / height));
  else if (width <= side) windowHeight = Math.min(height, Math.floor(room / width));
  const tiles = planTiles(height, width, windowHeight, windowWidth, halo, align);
  const estimatedBytes = fixed + imageBytes(h) + tiles.windowHeight * tiles.windowWidth * perWindowPixel;
  return { tiles, historySize: o.optimizer === 'lbfgs' ? h : o.historySize, estimatedBytes };
}

/** A stage's plan as the job's start event reports it (the CLI prints it; windows by count and side). */
export function summarizeStageMemory(plan: StageMemoryPlan): StageMemorySummary {
  const tiles = plan.tiles;
  return {
    windows: tiles ? { count: tiles.windows.length, height: tiles.windowHeight, width: tiles.windowWidth, halo: tiles.halo } : null,
    historySize: plan.historySize,
    estimatedMB: Math.ceil(plan.estimatedBytes / MB),
  };
}
