import * as ort from 'onnxruntime-node';
import type { StyleOptions } from '../types.ts';
import { tapOrder } from '../vgg-layers.ts';
import { SESSION_CACHE_SIZE, TILE_CPU_MEMORY_ARENA, TILE_GRAPH_OPTIMIZATION_LEVEL } from './limits.ts';
import type { OnnxConv } from './onnx-weights.ts';
import { SessionCache } from './session-cache.ts';
import { maskAtStride, regionLayerScales } from '../region-mask.ts';
import { gramEnergy } from '../style-balance.ts';
import { StyleTargetCache, styleTargetKey } from '../style-target-cache.ts';
import type { TileKernel } from '../loss-function.ts';
import { cropNchw, pasteNchw, rectAtStride, tapStride, type PixelRect } from '../tile-plan.ts';
import {
  buildLossModel,
  buildTargetModel,
  buildTileForwardModel,
  buildTileLossModel,
  GRAPH_NAMES,
  maskStrides,
  REGION_GRAPH_NAMES,
  tapShape,
  TILE_GRAPH_NAMES,
  type LossGraphConfig,
  type StageGraphConfig,
} from './vgg-graph.ts';

/**
 * One stage's inputs as plain arrays: images already in the network's units, NHWC
 * [1, height, width, 3] (see stage-arrays.ts). Plain data, so it crosses to the worker as is.
 */
export interface CoreStageInputs {
  height: number;
  width: number;
  content: Float32Array;
  /** Each style at its own working size (fit-style.ts), NHWC [1, height, width, 3]. */
  styles: Array<{ pixels: Float32Array; height: number; width: number; weight: number; cacheKey?: string }>;
  options: Pick<StyleOptions, 'contentLayers' | 'styleLayers' | 'contentWeight' | 'styleWeight' | 'tvWeight'>;
  /** Masked style regions (../loss-function.ts' StageRegion), their styles as `styles`; absent: `styles` over the whole image. */
  regions?: Array<{ mask: Float32Array; styles: CoreStageInputs['styles']; weight: number }>;
}

export interface CoreEvaluation {
  content: number;
  style: number;
  tv: number;
  /** NHWC [1, height, width, 3], owned by the caller. */
  grad: Float32Array;
}

export interface CoreStage {
  evaluateAsync(x: Float32Array): Promise<CoreEvaluation>;
  dispose(): void;
}

/** Session options of the tile graphs on top of the provider's (limits.ts says why). */
const TILE_SESSION_OPTIONS = { graphOptimizationLevel: TILE_GRAPH_OPTIMIZATION_LEVEL, enableCpuMemArena: TILE_CPU_MEMORY_ARENA } as const;

/**
 * What the worker and the calling-thread backend expose for tiles: the engine's TileKernel
 * itself, which already speaks plain arrays.
 */
export type CoreTileKernel = TileKernel;

/** The tap the last convolution's ReLU gives: layers deeper than it are out of reach. */
export function deepestTapOf(convs: readonly Pick<OnnxConv, 'layer'>[]): string {
  return convs[convs.length - 1].layer.relu;
}

export function checkLayersReach(deepestTap: string, layers: readonly string[]): void {
  for (const t of layers) {
    if (tapOrder(t) > tapOrder(deepestTap)) {
      throw new RangeError(`Layer "${t}" is deeper than these weights reach (${deepestTap}).`);
    }
  }
}

/**
 * Loss and gradient by a generated ONNX graph (vgg-graph.ts) on onnxruntime-node, on plain
 * Float32Arrays and without TensorFlow.js, so the same code runs in the worker
 * (onnx-worker.ts) or on the calling thread (onnx-loss-backend.ts).
 *
 * Sessions are built per stage size and layer set, with static shapes, and cached: loss
 * weights and targets are graph inputs, so a cached session serves any job of that size. Per
 * evaluation the only copies are the image into the runtime and the gradient out of it.
 *
 * Static rather than dynamic H/W: the same graph with a symbolic input size ran 3–5% slower
 * (300×450: median 1.79 vs 1.74 s, best 1.73 vs 1.65 s, interleaved in one process), since
 * onnxruntime plans memory and blocked layouts once for known shapes; and a stage runs
 * hundreds of evaluations, so its one-off session build (~1–2 s per graph) is amortised.
 */
export class OnnxLossCore {
  private readonly sessions: SessionCache;
  readonly styleCache = new StyleTargetCache<Float32Array[]>();
  readonly deepestTap: string;

  constructor(
    private readonly convs: readonly OnnxConv[],
    /** The weights' identity, part of every style cache key. */
    private readonly weightsSource: string,
    sessionOptions: ort.InferenceSession.SessionOptions,
    private readonly backwardConv: LossGraphConfig['backwardConv'],
  ) {
    this.deepestTap = deepestTapOf(convs);
    this.sessions = new SessionCache(SESSION_CACHE_SIZE, sessionOptions);
  }

  async prepareStageAsync(inputs: CoreStageInputs): Promise<CoreStage> {
    const { height, width, options: o } = inputs;
    checkLayersReach(this.deepestTap, [...o.contentLayers, ...o.styleLayers]);
    const cfg: StageGraphConfig = { height, width, contentLayers: o.contentLayers, styleLayers: o.styleLayers };
    const layersKey = `${height}x${width}|${o.contentLayers.join(',')}|${o.styleLayers.join(',')}`;
    const targets = await this.targetsAsync(inputs, cfg, layersKey);
    const regions = inputs.regions?.length ?? 0;
    const lossKey = `loss|${layersKey}${regions > 0 ? `|regions ${regions}` : ''}`;
    const session = await this.sessions.acquireAsync(lossKey, () =>
      buildLossModel(this.convs, { ...cfg, backwardConv: this.backwardConv, regions }),
    );
    // Everything but the image is bound once per stage.
    const feeds: Record<string, ort.Tensor> = {
      [GRAPH_NAMES.lossWeights]: new ort.Tensor('float32', Float32Array.of(o.contentWeight, o.styleWeight, o.tvWeight), [3]),
    };
    o.contentLayers.forEach((l, i) => {
      feeds[GRAPH_NAMES.contentTarget(i)] = new ort.Tensor('float32', targets.content[i], tapShape(this.convs, l, height, width));
    });
    if (inputs.regions) Object.assign(feeds, this.regionFeeds(inputs.regions, targets.regions, cfg));
    else {
      o.styleLayers.forEach((l, i) => {
        const c = tapShape(this.convs, l, height, width)[1];
        feeds[GRAPH_NAMES.styleTarget(i)] = new ort.Tensor('float32', targets.style[i], [c, c]);
      });
    }
    let disposed = false;
    return {
      evaluateAsync: async (x) => {
        if (disposed) throw new Error('This stage’s loss function was disposed.');
        const out = await session.run({ ...feeds, [GRAPH_NAMES.image]: new ort.Tensor('float32', x, [1, height, width, 3]) });
        const [content, style, tv] = out[GRAPH_NAMES.parts].data as Float32Array;
        const grad = out[GRAPH_NAMES.grad].data as Float32Array;
        return { content, style, tv, grad };
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.sessions.release(session);
      },
    };
  }

  /** The masked regions' inputs (vgg-graph.ts' REGION_GRAPH_NAMES): masks per stride, Grams, and γ, λ per layer. */
  private regionFeeds(
    regions: NonNullable<CoreStageInputs['regions']>,
    grams: Float32Array[][],
    cfg: StageGraphConfig,
  ): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = {};
    regions.forEach((region, r) => {
      const scales = new Float32Array(2 * cfg.styleLayers.length);
      cfg.styleLayers.forEach((l, i) => {
        const [, c, h, w] = tapShape(this.convs, l, cfg.height, cfg.width);
        const stride = tapStride(l);
        const mask = maskAtStride(region.mask, cfg.height, cfg.width, stride);
        feeds[REGION_GRAPH_NAMES.mask(r, stride)] = new ort.Tensor('float32', mask, [1, 1, h, w]);
        feeds[REGION_GRAPH_NAMES.target(r, i)] = new ort.Tensor('float32', grams[r][i], [c, c]);
        const { gram, loss } = regionLayerScales(mask, c);
        scales[2 * i] = gram;
        scales[2 * i + 1] = loss * region.weight;
      });
      feeds[REGION_GRAPH_NAMES.scales(r)] = new ort.Tensor('float32', scales, [scales.length]);
    });
    return feeds;
  }

  /**
   * The two tile graphs for windows of one size (vgg-graph.ts' buildTileForwardModel and
   * buildTileLossModel), held together for the stage: the tiled evaluation alternates them.
   */
  async prepareTileKernelAsync(cfg: StageGraphConfig): Promise<CoreTileKernel> {
    const { height, width } = cfg;
    checkLayersReach(this.deepestTap, [...cfg.contentLayers, ...cfg.styleLayers]);
    const key = `${height}x${width}|${cfg.contentLayers.join(',')}|${cfg.styleLayers.join(',')}${cfg.styleMasked ? '|style-masked' : ''}`;
    const forwardSession = await this.sessions.acquireAsync(`tile-forward|${key}`, () => buildTileForwardModel(this.convs, cfg), TILE_SESSION_OPTIONS);
    let lossSession: ort.InferenceSession;
    try {
      lossSession = await this.sessions.acquireAsync(
        `tile-loss|${key}`,
        () => buildTileLossModel(this.convs, { ...cfg, backwardConv: this.backwardConv }),
        TILE_SESSION_OPTIONS,
      );
    } catch (error) {
      this.sessions.release(forwardSession);
      throw error;
    }
    // With styleMasked the owned-region masks serve the content taps only (vgg-graph.ts' styleTaps).
    const strides = maskStrides({ ...cfg, styleLayers: cfg.styleMasked ? [] : cfg.styleLayers });
    // The content pass needs no style masks, but every graph input is fed: zeros then.
    const styleMaskFeeds = (styleMasks: readonly Float32Array[] | undefined): Record<string, ort.Tensor> => {
      if (!cfg.styleMasked) return {};
      return Object.fromEntries(
        cfg.styleLayers.map((l, i) => {
          const stride = tapStride(l);
          const dims = [1, 1, Math.floor(height / stride), Math.floor(width / stride)];
          return [TILE_GRAPH_NAMES.styleMask(stride), new ort.Tensor('float32', (styleMasks?.[i] ?? new Float32Array(dims[2] * dims[3])) as Float32Array, dims)];
        }),
      );
    };
    const masks = (own: PixelRect): Record<string, ort.Tensor> =>
      Object.fromEntries(
        strides.map((stride) => {
          const [h, w] = [Math.floor(height / stride), Math.floor(width / stride)];
          const r = rectAtStride(own, height, width, stride);
          const m = new Float32Array(h * w);
          for (let y = r.top; y < r.bottom; y++) m.fill(1, y * w + r.left, y * w + r.right);
          return [TILE_GRAPH_NAMES.mask(stride), new ort.Tensor('float32', m, [1, 1, h, w])];
        }),
      );
    const image = (window: Float32Array): ort.Tensor => new ort.Tensor('float32', window, [1, height, width, 3]);
    const tapSize = (tap: string): [number, number, number] => {
      const [, c, h, w] = tapShape(this.convs, tap, height, width);
      return [c, h, w];
    };
    let disposed = false;
    const live = (): void => {
      if (disposed) throw new Error('This stage’s tile kernel was disposed.');
    };
    return {
      forwardAsync: async (window, own, want, styleMasks) => {
        live();
        const feeds = { [GRAPH_NAMES.image]: image(window), ...masks(own), ...styleMaskFeeds(styleMasks) };
        // Only the outputs asked for: onnxruntime then runs only the nodes they need, and
        // no unused window-sized arrays come out of it.
        if (want === 'grams') {
          const out = await forwardSession.run(feeds, cfg.styleLayers.map((_, i) => TILE_GRAPH_NAMES.gramSum(i)));
          return { gramSums: cfg.styleLayers.map((_, i) => out[TILE_GRAPH_NAMES.gramSum(i)].data as Float32Array), content: [] };
        }
        const out = await forwardSession.run(feeds, cfg.contentLayers.map((_, i) => TILE_GRAPH_NAMES.contentFeature(i)));
        return {
          gramSums: [],
          content: cfg.contentLayers.map((l, i) => {
            const [c, h, w] = tapSize(l);
            return cropNchw(out[TILE_GRAPH_NAMES.contentFeature(i)].data as Float32Array, c, h, w, rectAtStride(own, height, width, tapStride(l)));
          }),
        };
      },
      backwardAsync: async (window, own, contentTargets, styleCoefficients, contentScales, styleMasks) => {
        live();
        const feeds: Record<string, ort.Tensor> = { [GRAPH_NAMES.image]: image(window), ...masks(own), ...styleMaskFeeds(styleMasks) };
        cfg.contentLayers.forEach((l, i) => {
          const [c, h, w] = tapSize(l);
          const full = new Float32Array(c * h * w);
          pasteNchw(full, c, h, w, contentTargets[i], rectAtStride(own, height, width, tapStride(l)));
          feeds[TILE_GRAPH_NAMES.contentTarget(i)] = new ort.Tensor('float32', full, [1, c, h, w]);
        });
        if (cfg.contentLayers.length > 0) {
          feeds[TILE_GRAPH_NAMES.contentScales] = new ort.Tensor('float32', Float32Array.from(contentScales), [contentScales.length]);
        }
        cfg.styleLayers.forEach((l, i) => {
          const c = tapSize(l)[0];
          feeds[TILE_GRAPH_NAMES.styleCoefficient(i)] = new ort.Tensor('float32', styleCoefficients[i] as Float32Array, [c, c]);
        });
        const out = await lossSession.run(feeds);
        const sums = Array.from(out[TILE_GRAPH_NAMES.contentSums].data as Float32Array).slice(0, cfg.contentLayers.length);
        return { contentSums: sums, grad: out[TILE_GRAPH_NAMES.grad].data as Float32Array };
      },
      dispose: () => {
        if (disposed) return;
        disposed = true;
        this.sessions.release(forwardSession);
        this.sessions.release(lossSession);
      },
    };
  }

  /**
   * Content features at the stage size and blended style Grams, each style's taken at its own
   * size (Grams are normalised by positions, so sizes need not match).
   */
  private async targetsAsync(
    { content, styles, options: o, regions }: CoreStageInputs,
    cfg: StageGraphConfig,
    layersKey: string,
  ): Promise<{ content: Float32Array[]; style: Float32Array[]; regions: Float32Array[][] }> {
    const contentFeatures = await this.runTargetsAsync(cfg, `targets|${layersKey}`, content, o.contentLayers.map((_, i) => GRAPH_NAMES.contentFeature(i)));
    // At the stage's own size the content's target session serves (the cache holds one session).
    const sessionFor = (height: number, width: number): { graph: StageGraphConfig; key: string } | undefined =>
      height === cfg.height && width === cfg.width ? { graph: cfg, key: `targets|${layersKey}` } : undefined;
    if (regions) {
      const perRegion: Float32Array[][] = [];
      for (const r of regions) perRegion.push(await this.styleGramsAsync(r.styles, o.styleLayers, sessionFor));
      return { content: contentFeatures, style: [], regions: perRegion };
    }
    return { content: contentFeatures, style: await this.styleGramsAsync(styles, o.styleLayers, sessionFor), regions: [] };
  }

  /** gramEnergy of the styles' blended Grams at `layers` (LossBackend.styleEnergyAsync). */
  async styleEnergyAsync(styles: CoreStageInputs['styles'], layers: readonly string[]): Promise<number> {
    checkLayersReach(this.deepestTap, layers);
    return gramEnergy(await this.styleGramsAsync(styles, layers, () => undefined));
  }

  /** Blended style Grams, each style's at its own size; `sessionFor` may offer a session already held for a size. */
  private async styleGramsAsync(
    styles: CoreStageInputs['styles'],
    layers: readonly string[],
    sessionFor: (height: number, width: number) => { graph: StageGraphConfig; key: string } | undefined,
  ): Promise<Float32Array[]> {
    const gramNames = layers.map((_, i) => GRAPH_NAMES.styleGram(i));
    const perStyle: Float32Array[][] = [];
    for (const { pixels, height, width, cacheKey } of styles) {
      const styleKey = cacheKey && styleTargetKey(cacheKey, width, height, layers, this.weightsSource);
      const hit = styleKey ? this.styleCache.get(styleKey) : undefined;
      if (hit) {
        perStyle.push(hit);
        continue;
      }
      const { graph, key } = sessionFor(height, width) ?? {
        graph: { height, width, contentLayers: [], styleLayers: [...layers] },
        key: `targets|${height}x${width}||${layers.join(',')}`,
      };
      const grams = await this.runTargetsAsync(graph, key, pixels, gramNames);
      if (styleKey) this.styleCache.set(styleKey, grams);
      perStyle.push(grams);
    }
    return layers.map((_, l) => {
      if (perStyle.length === 1) return perStyle[0][l];
      const blended = new Float32Array(perStyle[0][l].length);
      perStyle.forEach((grams, i) => {
        const w = Math.fround(styles[i].weight);
        const g = grams[l];
        for (let k = 0; k < blended.length; k++) blended[k] += g[k] * w;
      });
      return blended;
    });
  }

  /** The target graph's outputs `names` for one image (features or Grams). */
  private async runTargetsAsync(graph: StageGraphConfig, key: string, pixels: Float32Array, names: string[]): Promise<Float32Array[]> {
    if (names.length === 0) return [];
    const session = await this.sessions.acquireAsync(key, () => buildTargetModel(this.convs, graph));
    try {
      const out = await session.run({ [GRAPH_NAMES.image]: new ort.Tensor('float32', pixels, [1, graph.height, graph.width, 3]) }, names);
      return names.map((n) => out[n].data as Float32Array);
    } finally {
      this.sessions.release(session);
    }
  }

  dispose(): void {
    this.sessions.clear();
    this.styleCache.clear();
  }
}

