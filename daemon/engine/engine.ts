import * as tf from './tf.ts';
import { selectBackendAsync, type ActiveBackend, type BackendName } from './backend.ts';
import { CONVENTIONS, postprocess, preprocess, type InputConvention } from './convention.ts';
import { EngineError } from './engine-error.ts';
import { gramMatrix } from './gram-matrix.ts';
import { meanSquaredError, totalVariation } from './losses.ts';
import { Adam } from './optim/adam.ts';
import { Lbfgs } from './optim/lbfgs.ts';
import { stepLearningRate } from './optim/step-lr.ts';
import { resolveOptions, stagePlan } from './presets.ts';
import { createRandom } from './random.ts';
import { imageToTensor, resizeImageAsync, resizePixels, tensorToImageAsync } from './resize-image.ts';
import { StyleTargetCache } from './style-target-cache.ts';
import type {
  EngineInfo,
  InputConventionName,
  Losses,
  RgbImage,
  StageSpec,
  StyleOptions,
  StylizeEvent,
  StylizeRequest,
} from './types.ts';
import { Vgg19 } from './vgg19.ts';
import { disposeVggWeights, loadVggWeightsAsync, type VggWeights } from './weights/load-weights.ts';

export interface EngineOptions {
  /** A folder with a TensorFlow.js weights manifest (see weights/README.md). */
  weightsDir: string;
  backend?: BackendName;
  /** Overrides the convention the weights folder declares. */
  convention?: InputConventionName;
}

export interface Engine {
  readonly info: EngineInfo;
  /** Runs one job; the generator throws EngineError('cancelled') when `request.signal` aborts. */
  stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent>;
  /** Gram targets cached across jobs (see StyleInput.cacheKey). */
  readonly styleCache: StyleTargetCache;
  dispose(): void;
}

export async function createEngineAsync(options: EngineOptions): Promise<Engine> {
  const backend = await selectBackendAsync(options.backend);
  const weights = await loadVggWeightsAsync(options.weightsDir, { convention: options.convention });
  return new TfjsEngine(backend, weights);
}

function checkImage(image: RgbImage, what: string): void {
  if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 3) {
    throw new EngineError('bad-image', `The ${what} image is empty or its pixel data does not match its size.`);
  }
}

function abortIfRequested(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
}

interface Targets {
  content: tf.Tensor4D[];
  style: tf.Tensor2D[];
}

class TfjsEngine implements Engine {
  readonly info: EngineInfo;
  readonly styleCache = new StyleTargetCache();
  private readonly vgg: Vgg19;
  private readonly convention: InputConvention;

  constructor(
    private readonly backend: ActiveBackend,
    private readonly weights: VggWeights,
  ) {
    this.vgg = new Vgg19(weights, backend.customGradients);
    this.convention = CONVENTIONS[weights.convention];
    this.info = {
      engine: 'tfjs',
      backend: backend.name,
      device: backend.device,
      convention: weights.convention,
      weightsSource: weights.source,
    };
  }

  async *stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent> {
    const { content, styles, signal } = request;
    checkImage(content, 'content');
    if (styles.length === 0) throw new EngineError('bad-image', 'Choose at least one style image.');
    styles.forEach((s, i) => checkImage(s.image, `style ${i + 1}`));
    const blend = styles.map((s) => s.weight);
    const blendSum = blend.reduce((a, b) => a + b, 0);
    if (!blend.every((w) => Number.isFinite(w) && w >= 0) || !(blendSum > 0)) {
      throw new EngineError('bad-options', 'Style blend weights must be zero or more and not all zero.');
    }
    const options = resolveOptions(request.options, this.weights.convention, content);
    try {
      this.vgg.checkTaps([...options.contentLayers, ...options.styleLayers]);
    } catch (error) {
      throw new EngineError('bad-options', (error as Error).message);
    }
    const resize = request.resizeAsync ?? resizeImageAsync;
    const stages = stagePlan(options);
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    yield { type: 'start', backend: this.backend.name, device: this.backend.device, options, stages };

    let x: tf.Tensor4D | undefined;
    let last: Losses = { content: 0, style: 0, tv: 0, total: 0 };
    try {
      for (const [s, stage] of stages.entries()) {
        abortIfRequested(signal);
        const contentImage = await resize(content, stage.width, stage.height);
        const styleImages = await Promise.all(styles.map((st) => resize(st.image, stage.width, stage.height)));
        const targets = this.targets(contentImage, styleImages, styles, blend.map((w) => w / blendSum), options);
        const init = this.initialVariable(x, contentImage, stage, options);
        x?.dispose();
        x = init;
        try {
          const run = this.optimizeStage(x, targets, options, stages, s, started, signal);
          for (;;) {
            const next = await run.next();
            if (next.done) {
              x = next.value.x;
              last = next.value.losses;
              break;
            }
            yield next.value;
          }
        } finally {
          for (const t of targets.content) t.dispose();
          for (const t of targets.style) if (!this.isCached(t)) t.dispose();
        }
      }
      const pixels = tf.tidy(() => postprocess(x!, this.convention));
      const image = await tensorToImageAsync(pixels);
      pixels.dispose();
      yield { type: 'result', image, seconds: seconds(), losses: last };
    } finally {
      x?.dispose();
    }
  }

  private cachedGrams = new WeakSet<tf.Tensor>();

  private isCached(t: tf.Tensor): boolean {
    return this.cachedGrams.has(t);
  }

  /** Content features and blended style Grams for one stage (style Grams from the cache when keyed). */
  private targets(
    content: RgbImage,
    styleImages: RgbImage[],
    styles: StylizeRequest['styles'],
    blend: number[],
    o: StyleOptions,
  ): Targets {
    const custom = this.backend.customGradients;
    const contentFeatures = tf.tidy(() => {
      const f = this.vgg.features(preprocess(imageToTensor(content), this.convention), o.contentLayers);
      return o.contentLayers.map((l) => f.get(l)!);
    });
    const perStyle = styleImages.map((image, i) => {
      const key = styles[i].cacheKey;
      const cacheKey = key && `${key}|${image.width}x${image.height}|${o.styleLayers.join(',')}|${this.weights.source}`;
      const hit = cacheKey ? this.styleCache.get(cacheKey) : undefined;
      if (hit) return hit;
      const grams = tf.tidy(() => {
        const f = this.vgg.features(preprocess(imageToTensor(image), this.convention), o.styleLayers);
        return o.styleLayers.map((l) => gramMatrix(f.get(l)!, custom));
      });
      if (cacheKey) {
        this.styleCache.set(cacheKey, grams);
        for (const g of grams) this.cachedGrams.add(g);
      }
      return grams;
    });
    const style = o.styleLayers.map((_, l) => {
      if (perStyle.length === 1) return perStyle[0][l];
      return tf.tidy(() => tf.addN(perStyle.map((grams, i) => tf.mul(grams[l], blend[i]))) as tf.Tensor2D);
    });
    // Unkeyed per-style Grams were only needed for the blend.
    if (perStyle.length > 1) for (const grams of perStyle) for (const g of grams) if (!this.isCached(g)) g.dispose();
    return { content: contentFeatures, style };
  }

  /** Stage 1 starts from the content (or noise); later stages from the previous result, upscaled. */
  private initialVariable(previous: tf.Tensor4D | undefined, content: RgbImage, stage: StageSpec, o: StyleOptions): tf.Tensor4D {
    const c = this.convention;
    return tf.tidy(() => {
      if (previous) {
        // Upscale in pixel space, clamped but not rounded, then back to the network's units.
        return preprocess(resizePixels(postprocess(previous, c), stage.width, stage.height), c);
      }
      if (o.init === 'noise') {
        const random = createRandom(o.seed);
        const n = stage.height * stage.width * 3;
        const noise = new Float32Array(n);
        // neural-style's init: N(0, 1e-3) around the mean image, in the network's units.
        for (let i = 0; i < n; i++) noise[i] = random.normal() * 1e-3;
        return tf.tensor4d(noise, [1, stage.height, stage.width, 3]);
      }
      return preprocess(imageToTensor(content), c);
    });
  }

  /** Loss parts [content, style, tv] and the gradient of their sum w.r.t. x. */
  private lossAndGradient(x: tf.Tensor4D, targets: Targets, o: StyleOptions): { parts: tf.Tensor1D; grad: tf.Tensor4D } {
    const custom = this.backend.customGradients;
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
          (sum, l, i) => tf.add(sum, tf.mul(meanSquaredError(gramMatrix(f.get(l)!, custom), targets.style[i]), o.styleWeight)),
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

  private async *optimizeStage(
    x0: tf.Tensor4D,
    targets: Targets,
    o: StyleOptions,
    stages: StageSpec[],
    s: number,
    started: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<StylizeEvent, { x: tf.Tensor4D; losses: Losses }> {
    const stage = stages[s];
    const adam = o.optimizer === 'adam' ? new Adam(x0.shape) : undefined;
    const lbfgs = o.optimizer === 'lbfgs' ? new Lbfgs({ learningRate: o.learningRate, historySize: o.historySize }) : undefined;
    const stageStarted = performance.now();
    let x = x0;
    let losses: Losses = { content: 0, style: 0, tv: 0, total: 0 };
    try {
      for (let i = 0; i < stage.iterations; i++) {
        abortIfRequested(signal);
        const { parts, grad } = this.lossAndGradient(x, targets, o);
        const [content, style, tv] = await parts.data();
        parts.dispose();
        losses = { content, style, tv, total: content + style + tv };
        const lr = adam ? stepLearningRate(o.learningRate, i, o.lrStep, o.lrGamma) : o.learningRate;
        const next = adam ? adam.step(x, grad, lr) : lbfgs!.step(x, grad, losses.total);
        grad.dispose();
        const converged = next === undefined;
        if (next) {
          x.dispose();
          x = next as tf.Tensor4D;
        }
        const iteration = i + 1;
        const lastOfStage = iteration === stage.iterations || converged;
        if (iteration % o.progressEvery === 0 || lastOfStage) {
          const perIteration = (performance.now() - stageStarted) / 1000 / iteration;
          const pixels = stage.height * stage.width;
          const eta =
            (converged ? 0 : (stage.iterations - iteration) * perIteration) +
            stages.slice(s + 1).reduce((sum, st) => sum + st.iterations * perIteration * ((st.height * st.width) / pixels), 0);
          const wantPreview = o.previewEvery > 0 && (iteration % o.previewEvery === 0 || lastOfStage);
          yield {
            type: 'progress',
            stage: s + 1,
            stages: stages.length,
            iteration,
            iterations: stage.iterations,
            losses,
            learningRate: lr,
            seconds: (performance.now() - started) / 1000,
            etaSeconds: eta,
            ...(wantPreview ? { preview: await this.previewAsync(x, o.previewMaxSide) } : {}),
          };
        }
        if (converged) break;
      }
      return { x, losses };
    } catch (error) {
      x.dispose();
      throw error;
    } finally {
      adam?.dispose();
      lbfgs?.dispose();
    }
  }

  private async previewAsync(x: tf.Tensor4D, maxSide: number): Promise<RgbImage> {
    const [, h, w] = x.shape;
    const s = Math.min(1, maxSide / Math.max(h, w));
    const pixels = tf.tidy(() => {
      const p = postprocess(x, this.convention);
      return s < 1 ? resizePixels(p, Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))) : p;
    });
    try {
      return await tensorToImageAsync(pixels);
    } finally {
      pixels.dispose();
    }
  }

  dispose(): void {
    this.styleCache.clear();
    this.vgg.dispose();
    disposeVggWeights(this.weights);
  }
}
