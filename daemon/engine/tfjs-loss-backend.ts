import type { ActiveBackend } from './backend.ts';
import { CONVENTIONS, preprocess } from './convention.ts';
import { gramMatrix } from './gram-matrix.ts';
import type { LossBackend, StageInputs, StageLossFunction } from './loss-function.ts';
import { meanSquaredError, totalVariation } from './losses.ts';
import { imageToTensor } from './resize-image.ts';
import { StyleTargetCache, styleTargetKey } from './style-target-cache.ts';
import * as tf from './tf.ts';
import type { StyleOptions } from './types.ts';
import { Vgg19 } from './vgg19.ts';
import type { VggWeights } from './weights/load-weights.ts';

interface Targets {
  content: tf.Tensor4D[];
  style: tf.Tensor2D[];
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
      for (const t of targets.style) if (!this.cached.has(t)) t.dispose();
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

  /** Content features and blended style Grams for one stage (style Grams from the cache when keyed). */
  private targets({ content, styles, options: o }: StageInputs): Targets {
    const convention = CONVENTIONS[this.convention];
    const contentFeatures = tf.tidy(() => {
      const f = this.vgg.features(preprocess(imageToTensor(content), convention), o.contentLayers);
      return o.contentLayers.map((l) => f.get(l)!);
    });
    const perStyle = styles.map(({ image, cacheKey }) => {
      const key = cacheKey && styleTargetKey(cacheKey, image.width, image.height, o.styleLayers, this.weights.source);
      const hit = key ? this.styleCache.get(key) : undefined;
      if (hit) return hit;
      const grams = tf.tidy(() => {
        const f = this.vgg.features(preprocess(imageToTensor(image), convention), o.styleLayers);
        return o.styleLayers.map((l) => gramMatrix(f.get(l)!, this.custom));
      });
      if (key) {
        this.styleCache.set(key, grams);
        for (const g of grams) this.cached.add(g);
      }
      return grams;
    });
    if (perStyle.length === 1) return { content: contentFeatures, style: perStyle[0] };
    const style = o.styleLayers.map((_, l) =>
      tf.tidy(() => tf.addN(perStyle.map((grams, i) => tf.mul(grams[l], styles[i].weight))) as tf.Tensor2D),
    );
    // Unkeyed per-style Grams were only needed for the blend.
    for (const grams of perStyle) for (const g of grams) if (!this.cached.has(g)) g.dispose();
    return { content: contentFeatures, style };
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
        const style = o.styleLayers.reduce<tf.Scalar>(
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

  dispose(): void {
    this.styleCache.clear();
    this.vgg.dispose();
  }
}
