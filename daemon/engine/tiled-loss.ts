import { CONVENTIONS, preprocess } from './convention.ts';
import { EngineError } from './engine-error.ts';
import { maskAtStride, regionLayerScales } from './region-mask.ts';
import type { StageInputs, StageLossFunction, TileKernel } from './loss-function.ts';
import { imageToTensor } from './resize-image.ts';
import * as tf from './tf.ts';
import { cropNchw, pasteNchw, planTiles, rectAtStride, tapStride, type TilePlan, type TileWindow } from './tile-plan.ts';
import type { InputConventionName, RgbImage } from './types.ts';

/**
 * The exact loss and gradient of a stage evaluated window by window (tile-plan.ts), for any
 * backend that offers a TileKernel: the tiling lives here once, the backends only run one
 * window's forward pass, or its forward and backward pass, on plain arrays.
 *
 * - Content and total variation are sums of local terms: each window adds its owned region's
 *   share. Total variation only looks at neighbouring pixels, so it is computed here on the
 *   whole image (cheap, and exact across window borders).
 * - The style term needs each layer's Gram over the whole image, Σ over windows of FᵀF: pass 1
 *   runs every window forward and sums them; pass 2 runs every window forward and backward
 *   with the whole image's Gram difference as a constant (TileKernel.backwardAsync's D_l).
 * - A window's gradient reaches past its owned region into its halo (the pixels its owned
 *   activations see); windows' gradients are added where they overlap, which is exactly the
 *   chain rule's sum over activations.
 *
 * Targets: the content's features and the styles' Grams are computed window by window too,
 * once per stage, each style over its own windows at its own size. Style Grams are not cached
 * across jobs on this path.
 *
 * Masked regions (StageInputs.regions, region-mask.ts): the kernel is style-masked and each
 * window's style taps are read through the region's mask, pooled down on the whole image and
 * cut as the window is (windows start on the deepest stride, so that is the window's own
 * pooling), times the owned region. Pass 1 runs once per region; pass 2 runs the stage's kernel
 * with the first region and the content, then a style-only kernel per further region.
 */
export async function prepareTiledStageAsync(
  kernel: TileKernel,
  plan: TilePlan,
  inputs: StageInputs,
  convention: InputConventionName,
  /**
   * A kernel for windows of another size (forward passes only), for a style image whose own
   * size (fit-style.ts) tiles into other windows than the stage's; the caller disposes nothing.
   */
  kernelForAsync: (windowHeight: number, windowWidth: number, styleMasked?: boolean) => Promise<TileKernel>,
  /** Checked between windows: one evaluation of a 4096 px stage takes minutes. */
  signal?: AbortSignal,
): Promise<StageLossFunction> {
  const o = inputs.options;
  const checkAbort = (): void => {
    if (signal?.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
  };
  const { height, width } = plan;
  const contentStrides = o.contentLayers.map(tapStride);
  const styleStrides = o.styleLayers.map(tapStride);
  const positions = (stride: number): number => Math.floor(height / stride) * Math.floor(width / stride);

  const content = await toUnitsAsync(inputs.content, convention);
  const contentTargets: Float32Array[] = [];
  for (const w of plan.windows) {
    checkAbort();
    const { content: features } = await kernel.forwardAsync(cutWindow(content, plan, w), w.own, 'content');
    features.forEach((f, l) => {
      const stride = contentStrides[l];
      const r = rectAtStride(w.own, plan.windowHeight, plan.windowWidth, stride);
      const channels = f.length / ((r.bottom - r.top) * (r.right - r.left));
      const [gh, gw] = [Math.floor(height / stride), Math.floor(width / stride)];
      contentTargets[l] ??= new Float32Array(channels * gh * gw);
      pasteNchw(contentTargets[l], channels, gh, gw, f, { ...r, top: r.top + w.top / stride, bottom: r.bottom + w.top / stride, left: r.left + w.left / stride, right: r.right + w.left / stride });
    });
  }

  const regions = inputs.regions;
  const targetSets: Float32Array[][] = [];
  for (const styles of regions ? regions.map((r) => r.styles) : [inputs.styles]) {
    // A style-masked kernel would need masks: then every style is read through an unmasked one.
    targetSets.push(await styleTargetsAsync(styles, regions ? undefined : kernel, kernelForAsync, plan, convention, styleStrides, checkAbort));
  }

  // Per region, per style layer: the whole image's mask at the tap's stride, and its factors.
  const regionMasks = regions?.map((r) => styleStrides.map((s) => maskAtStride(r.mask, height, width, s)));
  const regionScales = regionMasks?.map((masks, g) => masks.map((m, l) => regionLayerScales(m, Math.round(Math.sqrt(targetSets[g][l].length)))));
  /** Region g's style masks for window w: the whole image's cut at the window, zero outside its owned region. */
  const windowMasks = (g: number, w: TileWindow): Float32Array[] =>
    styleStrides.map((s, l) => {
      const [wh, ww, gw] = [Math.floor(plan.windowHeight / s), Math.floor(plan.windowWidth / s), Math.floor(width / s)];
      const r = rectAtStride(w.own, plan.windowHeight, plan.windowWidth, s);
      const out = new Float32Array(wh * ww);
      const whole = regionMasks![g][l];
      for (let y = r.top; y < r.bottom; y++) {
        const from = (y + w.top / s) * gw + w.left / s;
        out.set(whole.subarray(from + r.left, from + r.right), y * ww + r.left);
      }
      return out;
    });
  // Pass 2's further regions run on a style-only kernel of the same windows.
  const extraKernel = regions && regions.length > 1 ? await kernelForAsync(plan.windowHeight, plan.windowWidth, true) : undefined;

  const contentScales = o.contentLayers.map((_, l) => o.contentWeight / contentTargets[l].length);
  let disposed = false;
  return {
    evaluateAsync: async (x) => {
      if (disposed) throw new Error('This stage’s loss function was disposed.');
      const image = (await x.data()) as Float32Array;

      // Pass 1: the whole image's Grams (each region's), then the style loss and its constants.
      let style = 0;
      const coefficientSets: Float32Array[][] = [];
      for (const [g, styleTargets] of targetSets.entries()) {
        const grams = await wholeGramsAsync(kernel, plan, image, checkAbort, regions && ((w) => windowMasks(g, w)));
        coefficientSets.push(grams.map((sum, l) => {
          const c = Math.round(Math.sqrt(sum.length));
          const n = positions(styleStrides[l]);
          const target = styleTargets[l];
          const d = new Float32Array(sum.length);
          let squares = 0;
          if (regions) {
            // G_r = γ·Σ(F⊙m)ᵀ(F⊙m), L_r = λ·Σ(G_r − T)² (region-mask.ts), λ with the region's weight.
            const gamma = regionScales![g][l].gram;
            const lambda = regionScales![g][l].loss * regions[g].weight;
            for (let k = 0; k < sum.length; k++) {
              const diff = gamma * sum[k] - target[k];
              squares += diff * diff;
              d[k] = 4 * o.styleWeight * lambda * gamma * diff;
            }
            style += o.styleWeight * lambda * squares;
            return d;
          }
          for (let k = 0; k < sum.length; k++) {
            const diff = sum[k] / (c * n) - target[k];
            squares += diff * diff;
            d[k] = ((4 * o.styleWeight) / (c * c * c * n)) * diff;
          }
          style += (o.styleWeight * squares) / (c * c);
          return d;
        }));
      }

      // Pass 2: each window's forward and backward pass, gradients added where windows overlap.
      const grad = new Float32Array(image.length);
      let contentLoss = 0;
      for (const w of plan.windows) {
        checkAbort();
        const targets = contentTargets.map((t, l) => {
          const stride = contentStrides[l];
          const r = rectAtStride(w.own, plan.windowHeight, plan.windowWidth, stride);
          const [gh, gw] = [Math.floor(height / stride), Math.floor(width / stride)];
          const channels = t.length / (gh * gw);
          return cropNchw(t, channels, gh, gw, { top: r.top + w.top / stride, bottom: r.bottom + w.top / stride, left: r.left + w.left / stride, right: r.right + w.left / stride });
        });
        const pixels = cutWindow(image, plan, w);
        const { contentSums, grad: g } = await kernel.backwardAsync(pixels, w.own, targets, coefficientSets[0], contentScales, regions && windowMasks(0, w));
        contentSums.forEach((sum, l) => (contentLoss += sum * contentScales[l]));
        addWindow(grad, plan, w, g);
        for (let r = 1; r < coefficientSets.length; r++) {
          addWindow(grad, plan, w, (await extraKernel!.backwardAsync(pixels, w.own, [], coefficientSets[r], [], windowMasks(r, w))).grad);
        }
      }
      const tv = addTotalVariation(image, grad, height, width, o.tvWeight);
      return { content: contentLoss, style, tv, grad: tf.tensor4d(grad, [1, height, width, 3]) };
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      kernel.dispose();
      extraKernel?.dispose();
    },
  };
}

/** The styles' blended Gram targets, each style over its own windows; `kernel` serves windows of its size (absent: always kernelForAsync's). */
async function styleTargetsAsync(
  styles: StageInputs['styles'],
  kernel: TileKernel | undefined,
  kernelForAsync: (windowHeight: number, windowWidth: number) => Promise<TileKernel>,
  plan: TilePlan,
  convention: InputConventionName,
  styleStrides: readonly number[],
  checkAbort: () => void,
): Promise<Float32Array[]> {
  const styleTargets: Float32Array[] = styleStrides.map(() => new Float32Array(0));
  for (const s of styles) {
    // The style at its own size, in windows no larger than the stage's (so no more memory).
    const stylePlan = planTiles(s.image.height, s.image.width, plan.windowHeight, plan.windowWidth, plan.halo, plan.align);
    const sameWindows = kernel !== undefined && stylePlan.windowHeight === plan.windowHeight && stylePlan.windowWidth === plan.windowWidth;
    const styleKernel = sameWindows ? kernel! : await kernelForAsync(stylePlan.windowHeight, stylePlan.windowWidth);
    let grams: Float64Array[];
    try {
      grams = await wholeGramsAsync(styleKernel, stylePlan, await toUnitsAsync(s.image, convention), checkAbort);
    } finally {
      if (!sameWindows) styleKernel.dispose();
    }
    grams.forEach((g, l) => {
      const c = Math.round(Math.sqrt(g.length));
      const stride = styleStrides[l];
      const n = Math.floor(s.image.height / stride) * Math.floor(s.image.width / stride);
      if (styleTargets[l].length === 0) styleTargets[l] = new Float32Array(g.length);
      const w = Math.fround(s.weight);
      for (let k = 0; k < g.length; k++) styleTargets[l][k] += Math.fround(g[k] / (c * n)) * w;
    });
  }
  return styleTargets;
}

async function toUnitsAsync(image: RgbImage, convention: InputConventionName): Promise<Float32Array> {
  const x = tf.tidy(() => preprocess(imageToTensor(image), CONVENTIONS[convention]));
  try {
    return ((await x.data()) as Float32Array).slice();
  } finally {
    x.dispose();
  }
}

/** Σ over windows of each style layer's FᵀF, in float64 (thousands of windows' partial sums). */
async function wholeGramsAsync(
  kernel: TileKernel,
  plan: TilePlan,
  image: Float32Array,
  checkAbort: () => void,
  /** A style-masked kernel's masks for a window (TileKernel.forwardAsync's styleMasks). */
  masksFor?: (w: TileWindow) => Float32Array[],
): Promise<Float64Array[]> {
  const sums: Float64Array[] = [];
  for (const w of plan.windows) {
    checkAbort();
    const { gramSums } = await kernel.forwardAsync(cutWindow(image, plan, w), w.own, 'grams', masksFor?.(w));
    gramSums.forEach((g, l) => {
      sums[l] ??= new Float64Array(g.length);
      for (let k = 0; k < g.length; k++) sums[l][k] += g[k];
    });
  }
  return sums;
}

/** The window's pixels, NHWC, as a compact array (it may be transferred to a worker). */
function cutWindow(image: Float32Array, plan: TilePlan, w: TileWindow): Float32Array {
  const { windowHeight: h, windowWidth: ww, width } = plan;
  const out = new Float32Array(h * ww * 3);
  for (let y = 0; y < h; y++) {
    const from = ((w.top + y) * width + w.left) * 3;
    out.set(image.subarray(from, from + ww * 3), y * ww * 3);
  }
  return out;
}

function addWindow(grad: Float32Array, plan: TilePlan, w: TileWindow, g: Float32Array): void {
  const { windowHeight: h, windowWidth: ww, width } = plan;
  for (let y = 0; y < h; y++) {
    const to = ((w.top + y) * width + w.left) * 3;
    const from = y * ww * 3;
    for (let k = 0; k < ww * 3; k++) grad[to + k] += g[from + k];
  }
}

/**
 * d2l's total variation, 0.5·w·(mean|x[i+1,j]−x[i,j]| + mean|x[i,j+1]−x[i,j]|), on NHWC
 * [1, h, w, 3]; adds its gradient (sign(0) = 0, as torch) into `grad` and returns its value.
 */
export function addTotalVariation(x: Float32Array, grad: Float32Array, h: number, w: number, weight: number): number {
  const nv = (h - 1) * w * 3;
  const nh = h * (w - 1) * 3;
  const kv = Math.fround((0.5 * weight) / nv);
  const kh = Math.fround((0.5 * weight) / nh);
  let sv = 0;
  let sh = 0;
  for (let y = 0; y < h; y++) {
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * w + xx) * 3 + c;
        if (y + 1 < h) {
          const d = x[i + w * 3] - x[i];
          sv += Math.abs(d);
          const s = Math.sign(d) * kv;
          grad[i + w * 3] += s;
          grad[i] -= s;
        }
        if (xx + 1 < w) {
          const d = x[i + 3] - x[i];
          sh += Math.abs(d);
          const s = Math.sign(d) * kh;
          grad[i + 3] += s;
          grad[i] -= s;
        }
      }
    }
  }
  return 0.5 * weight * (sv / nv + sh / nh);
}
