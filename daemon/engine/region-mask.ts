import type { MaskImage, RgbImage } from './types.ts';

/**
 * Region masks: where a style applies (cysmith/neural-style-tf's `--style_mask`), and where the
 * result keeps the source's pixels. Plain arrays, no TensorFlow.js: the ONNX worker uses these
 * too, so both engines see the same masks to the bit.
 *
 * A region's style loss at a tap reads the tap's features F [positions, c] through the mask
 * m carried down to the tap's resolution (2×2/2 average pools with floor sizes, the network's
 * own pool geometry: a max pool would dilate the region by a pixel at every block), with
 * w = m² as each position's weight:
 *
 *   G_r = (F⊙m)ᵀ(F⊙m) / (c·Σw)            (a w-weighted mean of f·fᵀ, comparable to the style's Gram)
 *   L_r = (Σw / positions) · Σ (G_r − T)² / c²
 *
 * The first factor of L_r is the region's share of the tap, so that a pixel of a region is
 * pulled as hard as a pixel of an unmasked job, and a mask of ones is the unmasked loss exactly.
 */

/** A mask resampled to width×height by area (each output pixel the mean of the source area it covers); the same size is copied. */
export function resizeMask(mask: MaskImage, width: number, height: number): Float32Array {
  if (mask.width === width && mask.height === height) return Float32Array.from(mask.data);
  const rows = resampleAxis(mask.data, mask.width, mask.height, width, true);
  return Float32Array.from(resampleAxis(rows, width, mask.height, height, false));
}

/** Area resampling along one axis of a row-major plane [height, width]. */
function resampleAxis(src: ArrayLike<number>, width: number, height: number, size: number, alongRows: boolean): Float64Array {
  const from = alongRows ? width : height;
  const out = new Float64Array(alongRows ? size * height : width * size);
  const scale = from / size;
  for (let i = 0; i < size; i++) {
    const a = i * scale;
    const b = (i + 1) * scale;
    for (let k = Math.floor(a); k < Math.min(from, Math.ceil(b)); k++) {
      const cover = (Math.min(b, k + 1) - Math.max(a, k)) / scale;
      if (cover <= 0) continue;
      if (alongRows) for (let y = 0; y < height; y++) out[y * size + i] += src[y * width + k] * cover;
      else for (let x = 0; x < width; x++) out[i * width + x] += src[k * width + x] * cover;
    }
  }
  return out;
}

/** One 2×2/2 average pool with floor sizes, as the network's max pools cut the image. */
export function poolMask(m: Float32Array, height: number, width: number): { data: Float32Array; height: number; width: number } {
  const [h, w] = [Math.floor(height / 2), Math.floor(width / 2)];
  const data = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = 2 * y * width + 2 * x;
      data[y * w + x] = (m[i] + m[i + 1] + m[i + width] + m[i + width + 1]) / 4;
    }
  }
  return { data, height: h, width: w };
}

/** The stage mask [height, width] at a tap's stride (a power of two): pooled once per pool before the tap. */
export function maskAtStride(m: Float32Array, height: number, width: number, stride: number): Float32Array {
  let level = { data: m, height, width };
  for (let s = 1; s < stride; s *= 2) level = poolMask(level.data, level.height, level.width);
  return level.data;
}

/** A region's factors at one tap (see the module's comment); both 0 where the mask is empty at that tap. */
export interface RegionLayerScales {
  /** Multiplies (F⊙m)ᵀ(F⊙m) into G_r: 1/(c·Σw). */
  gram: number;
  /** Multiplies Σ (G_r − T)² into L_r: (Σw/positions)/c². */
  loss: number;
}

export function regionLayerScales(maskAtTap: Float32Array, channels: number): RegionLayerScales {
  let sumW = 0;
  for (const v of maskAtTap) sumW += v * v;
  if (!(sumW > 0)) return { gram: 0, loss: 0 };
  return { gram: 1 / (channels * sumW), loss: sumW / maskAtTap.length / (channels * channels) };
}

/** Quantisation of the feather's sums: integers, so a sum of zeros is zero exactly (no add-then-subtract residue). */
const LEVELS = 65535;

/**
 * The composite's mask m' [height, width] in 0..1: the mask blurred by a tent of `featherPx`
 * (two box blurs, radii ⌊F/2⌋ and ⌈F/2⌉, edges replicated so a mask reaching the border stays
 * whole there). Every pixel farther than F px along rows or columns from any non-zero mask
 * pixel is 0 exactly, every one that far inside a full mask 1 exactly.
 */
export function featherMask(m: Float32Array, width: number, height: number, featherPx: number): Float64Array {
  let q: Float64Array<ArrayBuffer> = Float64Array.from(m, (v) => Math.round(Math.min(1, Math.max(0, v)) * LEVELS));
  const radii = [Math.floor(featherPx / 2), Math.ceil(featherPx / 2)];
  let norm = LEVELS;
  for (const r of radii) {
    if (r === 0) continue;
    q = boxSum(boxSum(q, width, height, r, true), width, height, r, false);
    norm *= (2 * r + 1) * (2 * r + 1);
  }
  return q.map((v) => v / norm);
}

/** Sums over a window of 2r+1 along rows or columns, the edge values repeated beyond the border; integers in, integers out. */
function boxSum(src: Float64Array, width: number, height: number, r: number, alongRows: boolean): Float64Array<ArrayBuffer> {
  const out = new Float64Array(src.length);
  const [n, lines] = alongRows ? [width, height] : [height, width];
  const at = (line: number, i: number): number => (alongRows ? line * width + i : i * width + line);
  const prefix = new Float64Array(n + 1);
  for (let line = 0; line < lines; line++) {
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + src[at(line, i)];
    for (let i = 0; i < n; i++) {
      const lo = i - r;
      const hi = i + r;
      const inside = prefix[Math.min(hi, n - 1) + 1] - prefix[Math.max(lo, 0)];
      const before = lo < 0 ? -lo * src[at(line, 0)] : 0;
      const after = hi > n - 1 ? (hi - n + 1) * src[at(line, n - 1)] : 0;
      out[at(line, i)] = inside + before + after;
    }
  }
  return out;
}

/** source·(1 − m') + stylised·m' per pixel, rounded; where m' is 0 the source's bytes exactly. */
export function compositeOver(source: RgbImage, stylised: RgbImage, feathered: Float64Array): RgbImage {
  const data = new Uint8Array(source.data.length);
  for (let p = 0; p < feathered.length; p++) {
    const a = feathered[p];
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      data[i] = a === 0 ? source.data[i] : Math.round(source.data[i] * (1 - a) + stylised.data[i] * a);
    }
  }
  return { width: source.width, height: source.height, data };
}

/**
 * `base` with each layer's image laid over it through its mask (all at base's size): where
 * masks overlap past 1 they share the pixel in proportion. The regions' recoloured start and
 * `colors: 'luminance'` source, one style's colours per region.
 */
export function blendByMasks(base: RgbImage, layers: ReadonlyArray<{ image: RgbImage; mask: Float32Array }>): RgbImage {
  const data = new Uint8Array(base.data.length);
  const n = base.width * base.height;
  for (let p = 0; p < n; p++) {
    let total = 0;
    for (const l of layers) total += l.mask[p];
    const scale = total > 1 ? 1 / total : 1;
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      let v = base.data[i] * (1 - total * scale);
      for (const l of layers) v += l.image.data[i] * l.mask[p] * scale;
      data[i] = Math.round(v);
    }
  }
  return { width: base.width, height: base.height, data };
}

/** The union of masks (the largest value at each pixel): what the composite keeps stylised. */
export function unionMask(masks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(masks[0].length);
  for (const m of masks) for (let i = 0; i < out.length; i++) out[i] = Math.max(out[i], m[i]);
  return out;
}
