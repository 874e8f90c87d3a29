import type { ActiveBackend } from './backend.ts';
import { CONVENTIONS, preprocess } from './convention.ts';
import { gramMatrix } from './gram-matrix.ts';
import type { LossBackend, StageInputs, StageLossFunction, TileKernel, TileKernelConfig } from './loss-function.ts';
import { meanSquaredError, totalVariation } from './losses.ts';
import { maskAtStride, regionLayerScales, type RegionLayerScales } from './region-mask.ts';
import { imageToTensor } from './resize-image.ts';
import { gramEnergy } from './style-balance.ts';
import { StyleTargetCache, styleTargetKey } from './style-target-cache.ts';
import * as tf from './tf.ts';
import { rectAtStride, tapStride, type PixelRect } from './tile-plan.ts';
import type { StyleOptions } from './types.ts';
import { VGG19_CONV_LAYERS } from './vgg-layers.ts';
import { Vgg19 } from './vgg19.ts';
import type { VggWeights } from './weights/load-weights.ts';

interface Targets {
  content: tf.Tensor4D[];
  style: tf.Tensor2D[];
  /** Masked regions (StageInputs.regions), each with its blended Grams and, per style layer, its mask [1, h', w', 1] and factors. */
  regions?: RegionTargets[];
}

interface RegionTargets {
  style: tf.Tensor2D[];
  masks: tf.Tensor4D[];
  scales: RegionLayerScales[];
  weight: number;
}

/** Loss and gradient by TensorFlow.js autograd, with hand-written conv/Gram gradients on wasm and cpu. */
export class TfjsLossBackend implements LossBackend {
  readonly engine = 'tfjs';
  readonly backend: string;
  readonly device: string;
  readonly convention;
  readonly styleCache = new StyleTargetCache<tf.Tensor2D[]>((grams) => grams.forEach((g) => g.dispose()));
  private readonly vgg: Vgg19;
  private readonly custom: boolean;
  private readonly cached = new WeakSet<tf.Tensor>();

  constructor(
    private readonly weights: VggWeights,
    active: ActiveBackend,
  ) {
    this.backend = active.name;
    this.device = active.device;
    this.convention = weights.convention;
    this.custom = active.customGradients;
    this.vgg = new Vgg19(weights, active.customGradients);
  }

  checkLayers(layers: readonly string[]): void {
    this.vgg.checkTaps(layers);
  }

  async prepareStageAsync(inputs: StageInputs): Promise<StageLossFunction> {
    const targets = this.targets(inputs);
    const o = inputs.options;
    const dispose = (): void => {
      for (const t of targets.content) t.dispose();
      for (const t of [...targets.style, ...(targets.regions ?? []).flatMap((r) => r.style)]) if (!this.cached.has(t)) t.dispose();
      for (const r of targets.regions ?? []) for (const m of r.masks) m.dispose();
    };
    return {
      evaluateAsync: async (x) => {
        const { parts, grad } = this.lossAndGradient(x, targets, o);
        const [content, style, tv] = await parts.data();
        parts.dispose();
        return { content, style, tv, grad };
      },
      dispose,
    };
  }

  async styleEnergyAsync(styles: StageInputs['styles'], layers: readonly string[]): Promise<number> {
    const grams = this.styleGrams(styles, layers);
    try {
      return gramEnergy(await Promise.all(grams.map(async (g) => (await g.data()) as Float32Array)));
    } finally {
      for (const g of grams) if (!this.cached.has(g)) g.dispose();
    }
  }

  /** Content features and blended style Grams for one stage (style Grams from the cache when keyed). */
  private targets({ content, styles, options: o, regions, height, width }: StageInputs): Targets {
    const convention = CONVENTIONS[this.convention];
    const contentFeatures = tf.tidy(() => {
      const f = this.vgg.features(preprocess(imageToTensor(content), convention), o.contentLayers);
      return o.contentLayers.map((l) => f.get(l)!);
    });
    if (!regions) return { content: contentFeatures, style: this.styleGrams(styles, o.styleLayers) };
    const channels = o.styleLayers.map((l) => this.weights.layers.get(VGG19_CONV_LAYERS.find((c) => c.conv === l || c.relu === l)!.kerasName)!.kernel.shape[3]);
    return {
      content: contentFeatures,
      style: [],
      regions: regions.map((r) => {
        const atTaps = o.styleLayers.map((l) => {
          const s = tapStride(l);
          return { m: maskAtStride(r.mask, height, width, s), h: Math.floor(height / s), w: Math.floor(width / s) };
        });
        return {
          style: this.styleGrams(r.styles, o.styleLayers),
          masks: atTaps.map(({ m, h, w }) => tf.tensor4d(m, [1, h, w, 1])),
          scales: atTaps.map(({ m }, i) => regionLayerScales(m, channels[i])),
          weight: r.weight,
        };
      }),
    };
  }

  /** The styles' blended Grams at `layers`; those in the cache are the cache's (see `cached`). */
  private styleGrams(styles: StageInputs['styles'], layers: readonly string[]): tf.Tensor2D[] {
    const convention = CONVENTIONS[this.convention];
    const perStyle = styles.map(({ image, cacheKey }) => {
      const key = cacheKey && styleTargetKey(cacheKey, image.width, image.height, layers, this.weights.source);
      const hit = key ? this.styleCache.get(key) : undefined;
      if (hit) return hit;
      const grams = tf.tidy(() => {
        const f = this.vgg.features(preprocess(imageToTensor(image), convention), layers);
        return layers.map((l) => gramMatrix(f.get(l)!, this.custom));
      });
      if (key) {
        this.styleCache.set(key, grams);
        for (const g of grams) this.cached.add(g);
      }
      return grams;
    });
    if (perStyle.length === 1) return perStyle[0];
    const style = layers.map((_, l) =>
      tf.tidy(() => tf.addN(perStyle.map((grams, i) => tf.mul(grams[l], styles[i].weight))) as tf.Tensor2D),
    );
    // Unkeyed per-style Grams were only needed for the blend.
    for (const grams of perStyle) for (const g of grams) if (!this.cached.has(g)) g.dispose();
    return style;
  }

  private lossAndGradient(x: tf.Tensor4D, targets: Targets, o: StyleOptions): { parts: tf.Tensor1D; grad: tf.Tensor4D } {
    let parts: tf.Tensor1D | undefined;
    const grad = tf.tidy(() => {
      const taps = [...o.contentLayers, ...o.styleLayers];
      const { grad: g } = tf.valueAndGrad((input: tf.Tensor4D) => {
        const f = this.vgg.features(input, taps);
        const zero = tf.scalar(0);
        const content = o.contentLayers.reduce<tf.Scalar>(
          (sum, l, i) => tf.add(sum, tf.mul(meanSquaredError(f.get(l)!, targets.content[i]), o.contentWeight)),
          zero,
        );
        const style = targets.regions
          ? this.regionStyleLoss(f, targets.regions, o)
          : o.styleLayers.reduce<tf.Scalar>(
              (sum, l, i) => tf.add(sum, tf.mul(meanSquaredError(gramMatrix(f.get(l)!, this.custom), targets.style[i]), o.styleWeight)),
              zero,
            );
        const tv = tf.mul(totalVariation(input), o.tvWeight) as tf.Scalar;
        parts = tf.keep(tf.stack([content, style, tv]) as tf.Tensor1D);
        return tf.addN([content, style, tv]) as tf.Scalar;
      })(x);
      return g;
    });
    return { parts: parts!, grad };
  }

  /** Σ over regions and style layers of L_r (region-mask.ts), weighted by styleWeight and the region's weight. */
  private regionStyleLoss(f: Map<string, tf.Tensor4D>, regions: readonly RegionTargets[], o: StyleOptions): tf.Scalar {
    const terms = regions.flatMap((r) =>
      o.styleLayers.map((l, i) => {
        const features = f.get(l)!;
        const [, h, w, c] = features.shape;
        // gramMatrix divides by c·h·w; the region's Gram divides by c·Σm² instead.
        const g = tf.mul(gramMatrix(tf.mul(features, r.masks[i]) as tf.Tensor4D, this.custom), c * h * w * r.scales[i].gram);
        return tf.mul(tf.sum(tf.squaredDifference(g, r.style[i])), o.styleWeight * r.weight * r.scales[i].loss) as tf.Scalar;
      }),
    );
    return tf.addN(terms) as tf.Scalar;
  }

  /** One window's passes for tiled-loss.ts, on tfjs tensors; crops are slices, so any window size goes. */
  async prepareTileKernelAsync(cfg: TileKernelConfig): Promise<TileKernel> {
    const taps = [...cfg.contentLayers, ...cfg.styleLayers];
    this.vgg.checkTaps(taps);
    const shape: [number, number, number, number] = [1, cfg.height, cfg.width, 3];
    /** A tap's owned region as [1, h', w', c] NHWC. */
    const crop = (f: tf.Tensor4D, tap: string, own: PixelRect): tf.Tensor4D => {
      const r = rectAtStride(own, cfg.height, cfg.width, tapStride(tap));
      return tf.slice(f, [0, r.top, r.left, 0], [1, r.bottom - r.top, r.right - r.left, -1]);
    };
    const toNchw = (t: tf.Tensor4D): tf.Tensor3D => tf.transpose(tf.squeeze(t, [0]), [2, 0, 1]) as tf.Tensor3D;
    const flat = (t: tf.Tensor4D): tf.Tensor2D => tf.reshape(t, [-1, t.shape[3]]) as tf.Tensor2D;
    /** A style tap as [positions, c]: the owned region, or with styleMasked the whole window times its mask (zero outside the owned region). */
    const styleFlat = (f: tf.Tensor4D, tap: string, i: number, own: PixelRect, styleMasks: readonly Float32Array[] | undefined): tf.Tensor2D => {
      if (!cfg.styleMasked) return flat(crop(f, tap, own));
      const [, h, w] = f.shape;
      return flat(tf.mul(f, tf.tensor4d(styleMasks![i], [1, h, w, 1])) as tf.Tensor4D);
    };
    return {
      forwardAsync: async (window, own, want, styleMasks) => {
        const layers = want === 'grams' ? cfg.styleLayers : cfg.contentLayers;
        const outs = tf.tidy(() => {
          const f = this.vgg.features(tf.tensor4d(window, shape), layers);
          return layers.map((l, i) => {
            if (want === 'content') return toNchw(crop(f.get(l)!, l, own));
            const v = styleFlat(f.get(l)!, l, i, own, styleMasks);
            return tf.matMul(v, v, true, false);
          });
        });
        const arrays = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
        outs.forEach((t) => t.dispose());
        return want === 'grams' ? { gramSums: arrays, content: [] } : { gramSums: [], content: arrays };
      },
      backwardAsync: async (window, own, contentTargets, styleCoefficients, contentScales, styleMasks) => {
        let sums: tf.Tensor1D | undefined;
        const grad = tf.tidy(() => {
          const targets = contentTargets.map((t, l) => {
            const r = rectAtStride(own, cfg.height, cfg.width, tapStride(cfg.contentLayers[l]));
            const [h, w] = [r.bottom - r.top, r.right - r.left];
            return tf.transpose(tf.reshape(tf.tensor1d(t), [t.length / (h * w), h, w]), [1, 2, 0]).expandDims(0) as tf.Tensor4D;
          });
          const d = styleCoefficients.map((c) => {
            const n = Math.round(Math.sqrt(c.length));
            return tf.tensor2d(c, [n, n]);
          });
          return tf.grad((input: tf.Tensor) => {
            const f = this.vgg.features(input as tf.Tensor4D, taps);
            const contentParts = cfg.contentLayers.map((l, i) => tf.sum(tf.squaredDifference(crop(f.get(l)!, l, own), targets[i])));
            sums = tf.keep((contentParts.length > 0 ? tf.stack(contentParts) : tf.zeros([0])) as tf.Tensor1D);
            const terms = [
              ...contentParts.map((p, i) => tf.mul(p, contentScales[i])),
              // ½·⟨F, F·D⟩ with F as [positions, c]: its gradient is F·D (D symmetric).
              ...cfg.styleLayers.map((l, i) => {
                const v = styleFlat(f.get(l)!, l, i, own, styleMasks);
                return tf.mul(tf.sum(tf.mul(v, tf.matMul(v, d[i]))), 0.5);
              }),
            ];
            return tf.addN(terms) as tf.Scalar;
          })(tf.tensor4d(window, shape)) as tf.Tensor4D;
        });
        try {
          const contentSums = Array.from((await sums!.data()) as Float32Array);
          return { contentSums, grad: ((await grad.data()) as Float32Array).slice() };
        } finally {
          sums?.dispose();
          grad.dispose();
        }
      },
      dispose: () => undefined,
    };
  }

  dispose(): void {
    this.styleCache.clear();
    this.vgg.dispose();
  }
}
