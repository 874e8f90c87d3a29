import { selectBackendAsync, type ActiveBackend, type BackendName } from './backend.ts';
import { matchColorStatistics, restoreChroma } from './color-transfer.ts';
import { CONVENTIONS, postprocess, preprocess, type InputConvention } from './convention.ts';
import { EngineError } from './engine-error.ts';
import { fitStyleAsync } from './fit-style.ts';
import { defaultMemoryBudgetMB, planStageMemory, summarizeStageMemory, type StageMemoryPlan } from './memory-budget.ts';
import type { LossBackend, StageInputs, StageLossFunction, StageRegion, TileKernel } from './loss-function.ts';
import type { ExecutionProviderChoice } from './onnx/provider-names.ts';
import { Adam } from './optim/adam.ts';
import { ENGINE_LBFGS_TOLERANCES, Lbfgs } from './optim/lbfgs.ts';
import { stepLearningRate } from './optim/step-lr.ts';
import { enlargedOctaves } from './own-resolution.ts';
import { resolveOptions, stagePlan } from './presets.ts';
import { blendByMasks, compositeOver, featherMask, unionMask } from './region-mask.ts';
import { groupRegions, regionMasksAt, resolveFeather, type RegionGroup } from './style-regions.ts';
import { createRandom } from './random.ts';
import { STYLE_BALANCE_SIDE, styleBalanceFactor } from './style-balance.ts';
import { imageToTensor, resizeImageAsync, resizePixels, tensorToImageAsync } from './resize-image.ts';
import * as tf from './tf.ts';
import { TfjsLossBackend } from './tfjs-loss-backend.ts';
import { prepareTiledStageAsync } from './tiled-loss.ts';
import type {
  EngineInfo,
  InputConventionName,
  Losses,
  ResizeImageAsync,
  RgbImage,
  StageSpec,
  StyleOptions,
  StylizeEvent,
  StylizeRequest,
} from './types.ts';
import { disposeVggWeights, loadVggWeightsAsync, type VggWeights } from './weights/load-weights.ts';
import { readWeightsInfoAsync, type WeightsFolder, type WeightsInfoView } from './weights/read-weight-arrays.ts';

export const ENGINE_NAMES = ['auto', 'tfjs', 'onnx'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface EngineOptions {
  /** A folder with a TensorFlow.js weights manifest (see weights/README.md). */
  weightsDir: string;
  /**
   * What computes the loss and gradient: 'tfjs' (autograd), 'onnx' (ONNX Runtime, a
   * hand-written backward graph; several times faster on CPUs, and any GPU vendor), or 'auto':
   * onnx where it loads, else tfjs.
   */
  engine?: EngineName;
  /** ONNX Runtime execution provider (see onnx/README.md); 'auto' tries the platform's GPU first. */
  executionProvider?: ExecutionProviderChoice;
  /** TensorFlow.js backend: also runs the optimiser's arithmetic when the loss runs elsewhere. */
  backend?: BackendName;
  /** Overrides the convention the weights folder declares. */
  convention?: InputConventionName;
  /**
   * Builds the loss/gradient computation instead of TensorFlow.js autograd (the ONNX Runtime
   * path plugs in here); the engine owns and disposes what it returns.
   */
  lossBackendAsync?: (weights: VggWeights) => Promise<LossBackend>;
  /**
   * The memory a job may plan for, in MB: stages that would not fit whole are evaluated in
   * windows (tiled-loss.ts) and the L-BFGS history is shortened at the largest (see
   * memory-budget.ts). Default: a share of the free memory when each job starts.
   */
  memoryBudgetMB?: number;
}

/** Gram targets cached across jobs (see StyleInput.cacheKey). */
export interface StyleCacheView {
  readonly size: number;
  clear(): void;
}

export interface Engine {
  readonly info: EngineInfo;
  /** Runs one job; the generator throws EngineError('cancelled') when `request.signal` aborts. */
  stylize(request: StylizeRequest): AsyncGenerator<StylizeEvent>;
  readonly styleCache: StyleCacheView;
  dispose(): void;
}

export async function createEngineAsync(options: EngineOptions): Promise<Engine> {
  const active = await selectBackendAsync(options.backend);
  if (!options.lossBackendAsync && (options.engine ?? 'auto') !== 'tfjs') {
    // The ONNX worker reads the weights itself: this process never holds them (issue 11).
    const info = await readWeightsInfoAsync(options.weightsDir, { convention: options.convention });
    const onnx = await startOnnxAsync(options, { dir: options.weightsDir, convention: info.convention, source: info.source });
    if (onnx) return new DriverEngine(onnx, info, options.memoryBudgetMB, () => undefined);
  }
  const weights = await loadVggWeightsAsync(options.weightsDir, { convention: options.convention });
  try {
    const loss = options.lossBackendAsync ? await options.lossBackendAsync(weights) : new TfjsLossBackend(weights, active);
    return new DriverEngine(loss, weights, options.memoryBudgetMB, () => disposeVggWeights(weights));
  } catch (error) {
    disposeVggWeights(weights);
    throw error;
  }
}

/** The ONNX engine, or null where it cannot start and the choice allows falling back to tfjs. */
async function startOnnxAsync(options: EngineOptions, weights: WeightsFolder): Promise<LossBackend | null> {
  try {
    // Loaded on demand: onnxruntime-node's native binding is heavy and absent on some platforms.
    const { createOnnxLossBackendAsync } = await import('./onnx/index.ts');
    return await createOnnxLossBackendAsync(weights, { executionProvider: options.executionProvider ?? 'auto' });
  } catch (error) {
    // Bad weights are bad for every engine; a provider asked for by name fails with its own
    // reason, never falls back to tfjs.
    if (error instanceof EngineError && error.code.startsWith('weights-')) throw error;
    const namedProvider = options.executionProvider !== undefined && options.executionProvider !== 'auto';
    if (namedProvider && error instanceof EngineError) throw error;
    if (options.engine === 'onnx' || namedProvider) {
      throw new EngineError(
        'backend-unavailable',
        `The ONNX Runtime engine could not start (${(error as Error).message}); use --engine tfjs.`,
        { cause: error },
      );
    }
    return null;
  }
}

/** The style that weighs most in a blend: colour matching and the recoloured start follow it. */
function dominantStyle(styles: StylizeRequest['styles']): RgbImage {
  return styles.reduce((best, st) => (st.weight > best.weight ? st : best), styles[0]).image;
}

/** The content recoloured to each region's dominant style over that region's mask (`colors: 'luminance'` with regions). */
function regionColors(content: RgbImage, groups: readonly RegionGroup[], masks: readonly Float32Array[]): RgbImage {
  return blendByMasks(content, groups.map((g, r) => ({ image: matchColorStatistics(content, dominantStyle(g.styles)), mask: masks[r] })));
}

function checkImage(image: RgbImage, what: string): void {
  if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 3) {
    throw new EngineError('bad-image', `The ${what} image is empty or its pixel data does not match its size.`);
  }
}

function abortIfRequested(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EngineError('cancelled', 'The job was cancelled.');
}

function yieldToEventLoopAsync(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const NO_STYLE_CACHE: StyleCacheView = { size: 0, clear: () => undefined };

/**
 * The optimisation driver: stages, initialisation, Adam or L-BFGS, progress, previews and
 * cancellation, over whichever LossBackend computes the loss and gradient.
 */
class DriverEngine implements Engine {
  readonly info: EngineInfo;
  private readonly convention: InputConvention;

  constructor(
    private readonly loss: LossBackend,
    private readonly weights: WeightsInfoView,
    private readonly memoryBudgetMB: number | undefined,
    /** Frees the weights this engine loaded itself (tfjs tensors); the ONNX worker holds its own. */
    private readonly disposeWeights: () => void,
  ) {
    this.convention = CONVENTIONS[weights.convention];
    this.info = {
      engine: loss.engine,
      backend: loss.backend,
      device: loss.device,
      convention: weights.convention,
      weightsSource: weights.source,
    };
  }

  get styleCache(): StyleCacheView {
    return this.loss.styleCache ?? NO_STYLE_CACHE;
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
    const groups = groupRegions(styles);
    const featherPx = resolveFeather(request.featherPx);
    // The photo's own resolution, from its pixels: an editor's export of a frame is at the job's
    // size whatever the photo in it has, and the pyramid depends on it (presets.ts, detailStageFactor).
    const options = resolveOptions(request.options, this.weights.convention, { width: content.width, height: content.height, enlargedOctaves: () => enlargedOctaves(content) });
    try {
      this.loss.checkLayers([...options.contentLayers, ...options.styleLayers]);
    } catch (error) {
      throw new EngineError('bad-options', (error as Error).message);
    }
    const resize = request.resizeAsync ?? resizeImageAsync;
    const stages = stagePlan(options);
    // Colour matching and the recoloured init follow the style that weighs most in the blend.
    // With regions, each region's (regionColors), over its mask.
    const dominant = dominantStyle(styles);
    const source =
      options.colors !== 'luminance'
        ? content
        : groups
          ? regionColors(content, groups, regionMasksAt(groups, content.width, content.height))
          : matchColorStatistics(content, dominant);
    // Planned before any work, so a job that cannot fit fails at once.
    const budgetMB = this.memoryBudgetMB ?? defaultMemoryBudgetMB();
    const memory = stages.map((st) => planStageMemory(st.height, st.width, options, budgetMB, groups?.length ?? 0));
    const started = performance.now();
    // The balanced weight goes to the losses (each region its own); the start event reports the
    // options as resolved, and the first region's balance.
    const balances = await Promise.all(
      (groups ?? [{ styles, blendSum }]).map((g) =>
        options.normalizeStyle ? this.styleBalanceAsync(g.styles, g.blendSum, content, options, resize) : Promise.resolve(1),
      ),
    );
    const styleBalance = balances[0];
    const lossOptions = groups || styleBalance === 1 ? options : { ...options, styleWeight: options.styleWeight * styleBalance };
    yield { type: 'start', backend: this.info.backend, device: this.info.device, options, stages, memory: memory.map(summarizeStageMemory), memoryBudgetMB: budgetMB, styleBalance };

    const resume = request.resume;
    if (resume) {
      const at = stages[resume.stage];
      if (!at || at.width !== resume.image.width || at.height !== resume.image.height || resume.stage >= stages.length - 1) {
        throw new EngineError('bad-options', 'The saved stage image does not match this job\'s stages; apply the style again.');
      }
    }
    // Outside every mask, past the feather, the source's pixels exactly (a region without a mask
    // covers everything: nothing to composite).
    const composite =
      groups && groups.every((g) => g.mask)
        ? async (image: RgbImage, feather: number): Promise<RgbImage> => {
            const { width, height } = image;
            return compositeOver(await resize(content, width, height), image, featherMask(unionMask(regionMasksAt(groups, width, height)), width, height, feather));
          }
        : undefined;
    let x: tf.Tensor4D | undefined = resume ? tf.tidy(() => preprocess(imageToTensor(resume.image), this.convention)) : undefined;
    let last: Losses = { content: 0, style: 0, tv: 0, total: 0 };
    try {
      for (const [s, stage] of stages.entries()) {
        if (resume && s <= resume.stage) continue;
        abortIfRequested(signal);
        const contentImage = await resize(source, stage.width, stage.height);
        const fitStyles = (list: readonly StylizeRequest['styles'][number][], sum: number): Promise<StageInputs['styles']> =>
          Promise.all(
            list.map(async (st) => ({
              image: await fitStyleAsync(st.image, stage.width, stage.height, options.styleSize, resize),
              weight: st.weight / sum,
              // The same pixels at another styleSize are other targets.
              cacheKey: st.cacheKey && `${st.cacheKey}|style-size ${options.styleSize}`,
            })),
          );
        const masks = groups && regionMasksAt(groups, stage.width, stage.height);
        const regions: StageRegion[] | undefined = groups
          ? await Promise.all(groups.map(async (g, r) => ({ mask: masks![r], styles: await fitStyles(g.styles, g.blendSum), weight: balances[r] })))
          : undefined;
        const lossFunction = await this.prepareStageAsync(
          {
            content: contentImage,
            styles: regions ? [] : await fitStyles(styles, blendSum),
            options: lossOptions,
            height: stage.height,
            width: stage.width,
            ...(regions ? { regions } : {}),
          },
          memory[s],
          signal,
        );
        try {
          const recolor = async (style: RgbImage): Promise<RgbImage> =>
            matchColorStatistics(contentImage, await fitStyleAsync(style, stage.width, stage.height, options.styleSize, resize));
          const start =
            x || options.init !== 'content-recolored'
              ? contentImage
              : groups
                ? blendByMasks(contentImage, await Promise.all(groups.map(async (g, r) => ({ image: await recolor(dominantStyle(g.styles)), mask: masks![r] }))))
                : await recolor(dominant);
          const init = this.initialVariable(x, start, stage, options);
          x?.dispose();
          x = init;
          const run = this.optimizeStage(x, lossFunction, { ...options, historySize: memory[s].historySize }, stages, s, started, signal);
          for (;;) {
            const next = await run.next();
            if (next.done) {
              x = next.value.x;
              last = next.value.losses;
              break;
            }
            const ev = next.value;
            // A preview shows what the result will: the source outside the masks, the feather at its scale.
            if (composite && ev.type === 'progress' && ev.preview) {
              const scale = ev.preview.width / stages[stages.length - 1].width;
              ev.preview = await composite(ev.preview, Math.round(featherPx * scale));
            }
            yield ev;
          }
        } finally {
          lossFunction.dispose();
        }
        if (request.onStageEndAsync && s < stages.length - 1) {
          const stagePixels = tf.tidy(() => postprocess(x!, this.convention));
          const stageImage = await tensorToImageAsync(stagePixels);
          stagePixels.dispose();
          await request.onStageEndAsync(s, stageImage);
        }
      }
      const pixels = tf.tidy(() => postprocess(x!, this.convention));
      const stylised = await tensorToImageAsync(pixels);
      pixels.dispose();
      const coloured =
        options.colors === 'content' ? restoreChroma(stylised, await resize(content, stylised.width, stylised.height)) : stylised;
      const image = composite ? await composite(coloured, featherPx) : coloured;
      yield { type: 'result', image, seconds: (performance.now() - started) / 1000, losses: last };
    } finally {
      x?.dispose();
    }
  }

  /**
   * What `normalizeStyle` multiplies the style weight by (style-balance.ts): the styles'
   * energy measured once, fitted to a STYLE_BALANCE_SIDE stage of the content's shape (a
   * 512 px job's last stage, so its targets come from the cache there when keyed).
   */
  private async styleBalanceAsync(
    styles: StylizeRequest['styles'],
    blendSum: number,
    content: RgbImage,
    options: StyleOptions,
    resize: ResizeImageAsync,
  ): Promise<number> {
    const s = STYLE_BALANCE_SIDE / Math.max(content.width, content.height);
    const [width, height] = [Math.max(1, Math.round(content.width * s)), Math.max(1, Math.round(content.height * s))];
    const fitted = await Promise.all(
      styles.map(async (st) => ({
        image: await fitStyleAsync(st.image, width, height, options.styleSize, resize),
        weight: st.weight / blendSum,
        cacheKey: st.cacheKey && `${st.cacheKey}|style-size ${options.styleSize}`,
      })),
    );
    return styleBalanceFactor(options.styleLayers, await this.loss.styleEnergyAsync(fitted, options.styleLayers), this.weights.convention);
  }

  /** The stage's loss function: whole, or in the windows its memory plan chose, when the backend can tile. */
  private async prepareStageAsync(inputs: StageInputs, plan: StageMemoryPlan, signal: AbortSignal | undefined): Promise<StageLossFunction> {
    if (!plan.tiles || !this.loss.prepareTileKernelAsync) return this.loss.prepareStageAsync(inputs);
    const { contentLayers, styleLayers } = inputs.options;
    const kernel = await this.loss.prepareTileKernelAsync({
      height: plan.tiles.windowHeight,
      width: plan.tiles.windowWidth,
      contentLayers,
      styleLayers,
      ...(inputs.regions ? { styleMasked: true } : {}),
    });
    try {
      const kernelForAsync = (height: number, width: number, styleMasked?: boolean): Promise<TileKernel> =>
        this.loss.prepareTileKernelAsync!({ height, width, contentLayers: [], styleLayers, ...(styleMasked ? { styleMasked } : {}) });
      return await prepareTiledStageAsync(kernel, plan.tiles, inputs, this.weights.convention, kernelForAsync, signal);
    } catch (error) {
      kernel.dispose();
      throw error;
    }
  }

  /** Stage 1 starts from `start` (the content, maybe recoloured) or noise; later stages from the previous result, upscaled. */
  private initialVariable(previous: tf.Tensor4D | undefined, start: RgbImage, stage: StageSpec, o: StyleOptions): tf.Tensor4D {
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
      return preprocess(imageToTensor(start), c);
    });
  }

  private async *optimizeStage(
    x0: tf.Tensor4D,
    lossFunction: StageLossFunction,
    o: StyleOptions,
    stages: StageSpec[],
    s: number,
    started: number,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<StylizeEvent, { x: tf.Tensor4D; losses: Losses }> {
    const stage = stages[s];
    const adam = o.optimizer === 'adam' ? new Adam(x0.shape) : undefined;
    const lbfgs = o.optimizer === 'lbfgs' ? new Lbfgs({ learningRate: o.learningRate, historySize: o.historySize, ...ENGINE_LBFGS_TOLERANCES }) : undefined;
    const stageStarted = performance.now();
    let x = x0;
    let losses: Losses = { content: 0, style: 0, tv: 0, total: 0 };
    try {
      for (let i = 0; i < stage.iterations; i++) {
        // On the cpu and wasm backends a whole job would otherwise run without giving the event
        // loop a turn: cancel messages, other clients and timers wait. One turn per iteration.
        await yieldToEventLoopAsync();
        abortIfRequested(signal);
        const { content, style, tv, grad } = await lossFunction.evaluateAsync(x);
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
            stageSeconds: (performance.now() - stageStarted) / 1000,
            secondsPerIteration: perIteration,
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
    this.loss.dispose();
    this.disposeWeights();
  }
}
