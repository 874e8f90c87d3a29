import { tapOrder } from '../vgg-layers.ts';
import { maxPoolBackward, signTimes, sum } from './backward-ops.ts';
import { float, GraphBuilder, int, ints } from './graph-builder.ts';
import { flippedKernel, type OnnxConv } from './onnx-weights.ts';

/**
 * The ONNX graphs of one stage, generated from the weights and the layer configuration.
 *
 * Layouts: the graph's image input and gradient output are NHWC [1, h, w, 3] like the tfjs
 * tensors the driver holds; inside, everything is NCHW (ONNX's convolution layout), so content
 * targets are [1, c, h', w'] and Gram targets [c, c].
 *
 * The loss graph's backward pass, written out:
 * - conv: the input gradient is a stride-1 'same' convolution of the output gradient with the
 *   kernel flipped in space and transposed in/out (`backwardConv: 'flipped-conv'`), or a
 *   ConvTranspose with the forward kernel (`'conv-transpose'`); the bias has no input gradient.
 * - ReLU: Where(ReLU output > 0, g, 0), the mask tfjs uses (input > 0).
 * - 2×2/2 max-pool: the gradient goes to one maximum per window, the first in row-major window
 *   order (as onnxruntime's MaxPool Indices, PyTorch and tfjs-cpu). Written from a mask rather
 *   than MaxPool's Indices + MaxUnpool, which the WebGPU provider cannot run (webgpu-ops.ts):
 *   the four window positions are cut out with strided Slices, compared to the pooled output
 *   with Equal, and the gradient is routed with Where to the first that matches (what is not
 *   yet routed passes on to the next position); the four quarters are interleaved back with
 *   Reshape/Concat and Pad restores, at zero, the row/column an odd size drops. MaxPool's
 *   output is one of its inputs, copied, so Equal is exact.
 * - content: mean((F−Fc)²)·wc → dF = 2·wc·(F−Fc)/N.
 * - style: G = FᵀF/(c·h·w) with F as [h·w, c]; mean((G−Gs)²)·ws → dG = 2·ws·(G−Gs)/c² and
 *   dF = F·(dG + dGᵀ)/(c·h·w). G and Gs are symmetric, so dG + dGᵀ = 2·dG: in NCHW, with F
 *   as [c, h·w], dF = 4·ws/(c²·c·h·w) · (G−Gs)·F.
 * - masked regions (../region-mask.ts), when `regions` > 0, in place of the style term above:
 *   Fm = F⊙m (m a constant mask input at the tap's size, broadcast over channels),
 *   G_r = γ·Fm·Fmᵀ and L_r = λ·Σ(G_r − T_r)² with γ, λ inputs per region and layer; then
 *   dFm = 4·ws·λ·γ·(G_r − T_r)·Fm and, as m is a constant, dF = dFm⊙m.
 * - total variation: 0.5·wtv·(mean|Δv| + mean|Δh|) → sign(Δ)·0.5·wtv/N spread +/− onto the two
 *   neighbours; sign as Where(Δ > 0, 1, Where(Δ < 0, −1, 0)) (no Sign kernel on WebGPU), so
 *   sign(0) = 0, as torch's |x| gradient at 0.
 * - sums of gradient contributions: a chain of Add (no Sum kernel on WebGPU).
 *
 * Every op here must be one the WebGPU provider implements (webgpu-ops.ts; the op-coverage
 * test reads every generated graph).
 *
 * Loss weights are a graph input [content, style, tv], so one session serves every job of
 * the same size and layers.
 */

export interface StageGraphConfig {
  height: number;
  width: number;
  contentLayers: readonly string[];
  styleLayers: readonly string[];
  /**
   * Tile graphs only: the style taps read their own mask inputs (TILE_GRAPH_NAMES.styleMask, a
   * masked region's mask times the owned region) instead of the owned region's, and the style
   * gradient is multiplied by them again (a soft mask is not its own square).
   */
  styleMasked?: boolean;
}

export interface LossGraphConfig extends StageGraphConfig {
  backwardConv: 'flipped-conv' | 'conv-transpose';
  /**
   * Declare the image input's height and width as symbolic. The graph still bakes this
   * size's constants (Gram normalisation, unpool shapes), so it is only valid at this size;
   * the flag exists to measure what static shapes buy onnxruntime (scripts/bench-onnx.ts).
   */
  symbolicInput?: boolean;
  /**
   * Masked style regions (StageInputs.regions): their count, 0 or absent for the unmasked
   * style term. Masks, targets and factors are inputs (REGION_GRAPH_NAMES), so one session
   * serves every mask of this size.
   */
  regions?: number;
}

/** Inputs of the loss graph's masked regions (buildLossModel with `regions`). */
export const REGION_GRAPH_NAMES = {
  /** [1, 1, h', w']: region r's mask at a tap stride (../region-mask.ts' maskAtStride). */
  mask: (r: number, stride: number) => `region_${r}_mask_${stride}`,
  /** [c, c]: region r's blended style Gram at style layer i. */
  target: (r: number, i: number) => `region_${r}_target_${i}`,
  /** [2·layers]: region r's γ, λ per style layer (../region-mask.ts' RegionLayerScales: gram, loss × the region's weight). */
  scales: (r: number) => `region_${r}_scales`,
} as const;

/** Names of the graphs' inputs and outputs. */
export const GRAPH_NAMES = {
  image: 'x',
  lossWeights: 'loss_weights',
  contentTarget: (i: number) => `content_target_${i}`,
  styleTarget: (i: number) => `style_target_${i}`,
  parts: 'parts',
  grad: 'grad',
  contentFeature: (i: number) => `content_feature_${i}`,
  styleGram: (i: number) => `style_gram_${i}`,
} as const;

interface Tap {
  name: string;
  /** Value name of the activation in the graph. */
  value: string;
  channels: number;
  height: number;
  width: number;
}

interface LayerState {
  conv: OnnxConv;
  weight: string;
  convOut: string;
  reluOut?: string;
  /** The pool's output, when a deeper layer follows (its input is reluOut). */
  pooled?: string;
  height: number;
  width: number;
}

/** Sizes of every tap at a stage size: [1, c, h', w'] with floor halving at each pool. */
export function tapShape(convs: readonly OnnxConv[], tap: string, height: number, width: number): [number, number, number, number] {
  let h = height;
  let w = width;
  for (const c of convs) {
    if (c.layer.conv === tap || c.layer.relu === tap) return [1, c.cout, h, w];
    if (c.layer.poolAfter) {
      h = Math.floor(h / 2);
      w = Math.floor(w / 2);
    }
  }
  throw new RangeError(`Layer "${tap}" is deeper than these weights reach.`);
}

/** The forward pass to the deepest tap; returns the taps and each layer's saved state. */
function forward(
  g: GraphBuilder,
  convs: readonly OnnxConv[],
  cfg: StageGraphConfig,
  x: string,
  backward: boolean,
): { taps: Map<string, Tap>; layers: LayerState[] } {
  const wanted = new Set([...cfg.contentLayers, ...cfg.styleLayers]);
  const deepest = Math.max(...[...wanted].map(tapOrder));
  const taps = new Map<string, Tap>();
  const layers: LayerState[] = [];
  let h = g.op('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
  let height = cfg.height;
  let width = cfg.width;
  for (const conv of convs) {
    if (tapOrder(conv.layer.conv) > deepest) break;
    const weight = g.floatTensor(`${conv.layer.kerasName}_w`, [conv.cout, conv.cin, 3, 3], conv.kernel);
    const bias = g.floatTensor(`${conv.layer.kerasName}_b`, [conv.cout], conv.bias);
    const state: LayerState = { conv, weight, convOut: '', height, width };
    layers.push(state);
    state.convOut = g.op('Conv', [h, weight, bias], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    const tapOf = (name: string, value: string): Tap => ({ name, value, channels: conv.cout, height, width });
    if (wanted.has(conv.layer.conv)) taps.set(conv.layer.conv, tapOf(conv.layer.conv, state.convOut));
    if (tapOrder(conv.layer.relu) > deepest) break;
    state.reluOut = g.op('Relu', [state.convOut]);
    if (wanted.has(conv.layer.relu)) taps.set(conv.layer.relu, tapOf(conv.layer.relu, state.reluOut));
    h = state.reluOut;
    const next = convs[convs.indexOf(conv) + 1];
    if (conv.layer.poolAfter && next && tapOrder(next.layer.conv) <= deepest) {
      // Without the Indices output: onnxruntime's CPU runs its faster blocked pooling, and
      // WebGPU has no Indices output at all.
      h = g.op('MaxPool', [h], { kernel_shape: ints([2, 2]), strides: ints([2, 2]) });
      if (backward) state.pooled = h;
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
    }
  }
  return { taps, layers };
}

/** Gram matrix [c, c] of a tap, G = F·Fᵀ/(c·h·w) with F as [c, h·w]. */
function gram(g: GraphBuilder, t: Tap): { gram: string; flat: string } {
  const flat = g.op('Reshape', [t.value, g.int64Tensor('shape', [t.channels, t.height * t.width])]);
  const norm = t.channels * t.height * t.width;
  return { gram: g.op('Gemm', [flat, flat], { transB: int(1), alpha: float(1 / norm) }), flat };
}

/** Forward-only graph: content features and style Grams of one image (the stage's targets). */
export function buildTargetModel(convs: readonly OnnxConv[], cfg: StageGraphConfig): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input(GRAPH_NAMES.image, [1, cfg.height, cfg.width, 3]);
  const { taps } = forward(g, convs, cfg, x, false);
  cfg.contentLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    g.output(GRAPH_NAMES.contentFeature(i), t.value, [1, t.channels, t.height, t.width]);
  });
  cfg.styleLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    g.output(GRAPH_NAMES.styleGram(i), gram(g, t).gram, [t.channels, t.channels]);
  });
  return g.encode();
}

/** Graph names of the tile graphs (tiled-loss.ts' TileKernel on onnxruntime). */
export const TILE_GRAPH_NAMES = {
  /** [1, 1, h', w']: 1 over the window's owned region at a stride, 0 elsewhere. */
  mask: (stride: number) => `mask_${stride}`,
  /** [1, 1, h', w']: with `styleMasked`, the style taps' mask at a stride (a region's mask over the owned region). */
  styleMask: (stride: number) => `style_mask_${stride}`,
  gramSum: (i: number) => `gram_sum_${i}`,
  /** Content features masked to the owned region, [1, c, h', w']. */
  contentFeature: (i: number) => `tile_content_${i}`,
  contentTarget: (i: number) => `tile_content_target_${i}`,
  /** D_l of TileKernel.backwardAsync, [c, c]. */
  styleCoefficient: (i: number) => `style_coefficient_${i}`,
  contentScales: 'content_scales',
  contentSums: 'content_sums',
  grad: 'grad',
} as const;

/** Strides of the taps, once each: one mask input per stride. */
export function maskStrides(cfg: StageGraphConfig): number[] {
  return [...new Set([...cfg.contentLayers, ...cfg.styleLayers].map(tileTapStride))].sort((a, b) => a - b);
}

function tileTapStride(tap: string): number {
  const block = Number(/^(?:conv|relu)(\d)_/.exec(tap)?.[1]);
  return 2 ** (block - 1);
}

function maskedTaps(g: GraphBuilder, cfg: StageGraphConfig, taps: Map<string, Tap>): Map<string, string> {
  const masks = new Map<number, string>();
  for (const stride of maskStrides(cfg)) {
    masks.set(stride, g.input(TILE_GRAPH_NAMES.mask(stride), [1, 1, Math.floor(cfg.height / stride), Math.floor(cfg.width / stride)]));
  }
  const out = new Map<string, string>();
  for (const name of new Set([...cfg.contentLayers, ...cfg.styleLayers])) {
    out.set(name, g.op('Mul', [taps.get(name)!.value, masks.get(tileTapStride(name))!]));
  }
  return out;
}

/** With `styleMasked`, the style taps times their own masks (one input per stride); else the owned-region taps. */
function styleTaps(g: GraphBuilder, cfg: StageGraphConfig, taps: Map<string, Tap>, owned: Map<string, string>): { values: Map<string, string>; masks: Map<number, string> } {
  const masks = new Map<number, string>();
  if (!cfg.styleMasked) return { values: owned, masks };
  for (const stride of new Set(cfg.styleLayers.map(tileTapStride))) {
    masks.set(stride, g.input(TILE_GRAPH_NAMES.styleMask(stride), [1, 1, Math.floor(cfg.height / stride), Math.floor(cfg.width / stride)]));
  }
  const values = new Map(cfg.styleLayers.map((l) => [l, g.op('Mul', [taps.get(l)!.value, masks.get(tileTapStride(l))!])]));
  return { values, masks };
}

/** Pass 1 of the tiled evaluation: Σ FᵀF over the owned region per style layer, and the owned content features. */
export function buildTileForwardModel(convs: readonly OnnxConv[], cfg: StageGraphConfig): Uint8Array {
  const g = new GraphBuilder();
  const x = g.input(GRAPH_NAMES.image, [1, cfg.height, cfg.width, 3]);
  const { taps } = forward(g, convs, cfg, x, false);
  const masked = maskedTaps(g, { ...cfg, styleLayers: cfg.styleMasked ? [] : cfg.styleLayers }, taps);
  const style = styleTaps(g, cfg, taps, masked).values;
  cfg.contentLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    g.output(TILE_GRAPH_NAMES.contentFeature(i), masked.get(l)!, [1, t.channels, t.height, t.width]);
  });
  cfg.styleLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    const flat = g.op('Reshape', [style.get(l)!, g.int64Tensor('shape', [t.channels, t.height * t.width])]);
    g.output(TILE_GRAPH_NAMES.gramSum(i), g.op('Gemm', [flat, flat], { transB: int(1) }), [t.channels, t.channels]);
  });
  return g.encode();
}

/**
 * Pass 2: Σ (F − Fc)² over the owned region per content layer, and the gradient w.r.t. the
 * window of TileKernel.backwardAsync's S (the masks zero every tap's gradient outside the
 * owned region: D·(F⊙m) has zero columns there).
 */
export function buildTileLossModel(convs: readonly OnnxConv[], cfg: LossGraphConfig): Uint8Array {
  const g = new GraphBuilder();
  const imageShape = [1, cfg.height, cfg.width, 3];
  const x = g.input(GRAPH_NAMES.image, imageShape);
  const { taps, layers } = forward(g, convs, cfg, x, true);
  const masked = maskedTaps(g, { ...cfg, styleLayers: cfg.styleMasked ? [] : cfg.styleLayers }, taps);
  const style = styleTaps(g, cfg, taps, masked);
  const tapGrads = new Map<string, string[]>();
  const addGrad = (value: string, grad: string): void => {
    tapGrads.set(value, [...(tapGrads.get(value) ?? []), grad]);
  };

  const scales = cfg.contentLayers.length > 0 ? g.input(TILE_GRAPH_NAMES.contentScales, [cfg.contentLayers.length]) : undefined;
  const sums: string[] = [];
  const one = g.int64Tensor('shape', [1]);
  cfg.contentLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    const target = g.input(TILE_GRAPH_NAMES.contentTarget(i), [1, t.channels, t.height, t.width]);
    // Targets are zero outside the owned region, where the masked features are too.
    const diff = g.op('Sub', [masked.get(l)!, target]);
    sums.push(g.op('Reshape', [g.op('ReduceSumSquare', [diff], { keepdims: int(0) }), one]));
    const scale = g.op('Gather', [scales!, g.indexScalar(i)], { axis: int(0) });
    addGrad(t.value, g.op('Mul', [diff, g.op('Mul', [scale, g.scalar(2)])]));
  });
  cfg.styleLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    const c = t.channels;
    const d = g.input(TILE_GRAPH_NAMES.styleCoefficient(i), [c, c]);
    const flat = g.op('Reshape', [style.values.get(l)!, g.int64Tensor('shape', [c, t.height * t.width])]);
    const dF = g.op('Reshape', [g.op('MatMul', [d, flat]), g.int64Tensor('shape', [1, c, t.height, t.width])]);
    // ∂/∂F of ½⟨F⊙M, D·(F⊙M)⟩ is M⊙D·(F⊙M); an owned-region mask is 0 or 1, where D·(F⊙M) is already zero outside.
    addGrad(t.value, cfg.styleMasked ? g.op('Mul', [dF, style.masks.get(tileTapStride(l))!]) : dF);
  });
  const gImage = backpropagate(g, cfg, layers, tapGrads);
  const contentSums = sums.length > 0 ? g.op('Concat', sums, { axis: int(0) }) : g.op('Reshape', [g.scalar(0), one]);
  g.output(TILE_GRAPH_NAMES.contentSums, contentSums, [Math.max(1, sums.length)]);
  g.output(TILE_GRAPH_NAMES.grad, gImage, imageShape);
  return g.encode();
}

/** Loss parts [content, style, tv] and the gradient of their sum w.r.t. the image. */
export function buildLossModel(convs: readonly OnnxConv[], cfg: LossGraphConfig): Uint8Array {
  const g = new GraphBuilder();
  const imageShape = cfg.symbolicInput ? [1, 'height', 'width', 3] : [1, cfg.height, cfg.width, 3];
  const x = g.input(GRAPH_NAMES.image, imageShape);
  const lossWeights = g.input(GRAPH_NAMES.lossWeights, [3]);
  const weightOf = (i: number): string => g.op('Gather', [lossWeights, g.indexScalar(i)], { axis: int(0) });
  const [wContent, wStyle, wTv] = [0, 1, 2].map(weightOf);
  const { taps, layers } = forward(g, convs, cfg, x, true);

  // Gradient contributions w.r.t. each tap's value, summed where a layer is tapped twice.
  const tapGrads = new Map<string, string[]>();
  const addGrad = (value: string, grad: string): void => {
    const list = tapGrads.get(value) ?? [];
    list.push(grad);
    tapGrads.set(value, list);
  };

  const contentParts: string[] = [];
  cfg.contentLayers.forEach((l, i) => {
    const t = taps.get(l)!;
    const target = g.input(GRAPH_NAMES.contentTarget(i), [1, t.channels, t.height, t.width]);
    const n = t.channels * t.height * t.width;
    const diff = g.op('Sub', [t.value, target]);
    contentParts.push(g.op('Mul', [g.op('ReduceSumSquare', [diff], { keepdims: int(0) }), g.scalar(1 / n)]));
    addGrad(t.value, g.op('Mul', [diff, g.op('Mul', [wContent, g.scalar(2 / n)])]));
  });

  const styleParts: string[] = [];
  if (cfg.regions) regionStyle(g, cfg, taps, wStyle, styleParts, addGrad);
  // With regions, their masked terms replace the whole image's.
  (cfg.regions ? [] : cfg.styleLayers).forEach((l, i) => {
    const t = taps.get(l)!;
    const c = t.channels;
    const target = g.input(GRAPH_NAMES.styleTarget(i), [c, c]);
    const { gram: G, flat } = gram(g, t);
    const diff = g.op('Sub', [G, target]);
    styleParts.push(g.op('Mul', [g.op('ReduceSumSquare', [diff], { keepdims: int(0) }), g.scalar(1 / (c * c))]));
    const scaled = g.op('Mul', [diff, g.op('Mul', [wStyle, g.scalar(4 / (c * c * c * t.height * t.width))])]);
    const dFlat = g.op('MatMul', [scaled, flat]);
    addGrad(t.value, g.op('Reshape', [dFlat, g.int64Tensor('shape', [1, c, t.height, t.width])]));
  });

  const gImage = backpropagate(g, cfg, layers, tapGrads);

  // Total variation on the NHWC image.
  const { value: tv, grad: tvGrad } = totalVariation(g, x, cfg.height, cfg.width, wTv);

  const content = g.op('Mul', [sum(g, contentParts) ?? g.scalar(0), wContent]);
  const style = g.op('Mul', [sum(g, styleParts)!, wStyle]);
  const one = g.int64Tensor('shape', [1]);
  const parts = g.op('Concat', [content, style, tv].map((p) => g.op('Reshape', [p, one])), { axis: int(0) });
  g.output(GRAPH_NAMES.parts, parts, [3]);
  g.output(GRAPH_NAMES.grad, g.op('Add', [gImage, tvGrad]), imageShape);
  return g.encode();
}

/** The masked regions' style parts (see the module's comment) and their gradients w.r.t. the taps. */
function regionStyle(
  g: GraphBuilder,
  cfg: LossGraphConfig,
  taps: ReadonlyMap<string, Tap>,
  wStyle: string,
  parts: string[],
  addGrad: (value: string, grad: string) => void,
): void {
  const strides = [...new Set(cfg.styleLayers.map(tileTapStride))];
  for (let r = 0; r < cfg.regions!; r++) {
    const masks = new Map(
      strides.map((s) => [s, g.input(REGION_GRAPH_NAMES.mask(r, s), [1, 1, Math.floor(cfg.height / s), Math.floor(cfg.width / s)])]),
    );
    const scales = g.input(REGION_GRAPH_NAMES.scales(r), [2 * cfg.styleLayers.length]);
    cfg.styleLayers.forEach((l, i) => {
      const t = taps.get(l)!;
      const c = t.channels;
      const mask = masks.get(tileTapStride(l))!;
      const target = g.input(REGION_GRAPH_NAMES.target(r, i), [c, c]);
      const gamma = g.op('Gather', [scales, g.indexScalar(2 * i)], { axis: int(0) });
      const lambda = g.op('Gather', [scales, g.indexScalar(2 * i + 1)], { axis: int(0) });
      const flat = g.op('Reshape', [g.op('Mul', [t.value, mask]), g.int64Tensor('shape', [c, t.height * t.width])]);
      const diff = g.op('Sub', [g.op('Mul', [g.op('Gemm', [flat, flat], { transB: int(1) }), gamma]), target]);
      parts.push(g.op('Mul', [g.op('ReduceSumSquare', [diff], { keepdims: int(0) }), lambda]));
      const factor = g.op('Mul', [g.op('Mul', [wStyle, g.scalar(4)]), g.op('Mul', [lambda, gamma])]);
      const dFlat = g.op('MatMul', [g.op('Mul', [diff, factor]), flat]);
      addGrad(t.value, g.op('Mul', [g.op('Reshape', [dFlat, g.int64Tensor('shape', [1, c, t.height, t.width])]), mask]));
    });
  }
}

/** Backward through the network, deepest layer first: the gradient w.r.t. the NHWC image. */
function backpropagate(g: GraphBuilder, cfg: LossGraphConfig, layers: readonly LayerState[], tapGrads: ReadonlyMap<string, string[]>): string {
  let upstream: string | undefined;
  for (let k = layers.length - 1; k >= 0; k--) {
    const s = layers[k];
    if (s.reluOut) {
      // From the layer above: through the pool's maxima when this layer ends a block.
      const fromAbove = upstream && s.pooled
        ? maxPoolBackward(g, s.reluOut, s.pooled, upstream, s.conv.cout, s.height, s.width)
        : upstream;
      const gRelu = sum(g, [...(fromAbove ? [fromAbove] : []), ...(tapGrads.get(s.reluOut) ?? [])]);
      upstream = gRelu && g.op('Where', [g.op('Greater', [s.reluOut, g.scalar(0)]), gRelu, g.scalar(0)]);
    }
    const gConv = sum(g, [...(upstream ? [upstream] : []), ...(tapGrads.get(s.convOut) ?? [])]);
    if (!gConv) throw new Error('internal: a layer on the backward path has no gradient');
    if (cfg.backwardConv === 'conv-transpose') {
      upstream = g.op('ConvTranspose', [gConv, s.weight], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    } else {
      const back = g.floatTensor(`${s.conv.layer.kerasName}_back`, [s.conv.cin, s.conv.cout, 3, 3], flippedKernel(s.conv));
      upstream = g.op('Conv', [gConv, back], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]) });
    }
  }
  return g.op('Transpose', [upstream!], { perm: ints([0, 2, 3, 1]) });
}

function totalVariation(g: GraphBuilder, x: string, h: number, w: number, weight: string): { value: string; grad: string } {
  const axisDiff = (axis: number, size: number): string => {
    const a = g.op('Slice', [x, g.int64Tensor('starts', [1]), g.int64Tensor('ends', [size]), g.int64Tensor('axes', [axis])]);
    const b = g.op('Slice', [x, g.int64Tensor('starts', [0]), g.int64Tensor('ends', [size - 1]), g.int64Tensor('axes', [axis])]);
    return g.op('Sub', [a, b]);
  };
  const dv = axisDiff(1, h);
  const dh = axisDiff(2, w);
  const nv = (h - 1) * w * 3;
  const nh = h * (w - 1) * 3;
  const meanAbs = (d: string, n: number): string => g.op('Mul', [g.op('ReduceL1', [d], { keepdims: int(0) }), g.scalar(1 / n)]);
  const value = g.op('Mul', [g.op('Mul', [g.op('Add', [meanAbs(dv, nv), meanAbs(dh, nh)]), g.scalar(0.5)]), weight]);
  // d/dx of (x[i+1] − x[i]) puts +s on element i+1 and −s on element i.
  const spread = (d: string, n: number, axis: number): string => {
    const s = signTimes(g, d, g.op('Mul', [weight, g.scalar(0.5 / n)]));
    const before = [0, 0, 0, 0, 0, 0, 0, 0];
    const after = [0, 0, 0, 0, 0, 0, 0, 0];
    before[axis] = 1;
    after[4 + axis] = 1;
    return g.op('Sub', [g.op('Pad', [s, g.int64Tensor('pads', before)]), g.op('Pad', [s, g.int64Tensor('pads', after)])]);
  };
  return { value, grad: g.op('Add', [spread(dv, nv, 1), spread(dh, nh, 2)]) };
}
