import type { FeatureSet, MaskImage, RgbImage } from '../../daemon/engine/index.ts';
import { tapStride } from '../../daemon/engine/tile-plan.ts';

/**
 * `npm run quality -- --mask SPEC`: each pair also runs masked, and the figures issue 31 asks
 * of a masked job: its SWD ratio inside the mask against the unmasked job's on the same
 * pixels, and how many pixels past the feather differ from the source (must be none).
 *
 * SPEC is `left:P` (the left P % of the frame white, the rest black) or a mask file, stretched
 * to the content as `atelier stylize --mask` stretches it.
 */
export type MaskSpec = { kind: 'left'; percent: number } | { kind: 'file'; path: string };

export function parseMaskSpec(spec: string): MaskSpec | string {
  const left = /^left:(\d+(?:\.\d+)?)$/.exec(spec);
  if (left) {
    const percent = Number(left[1]);
    if (!(percent > 0 && percent < 100)) return `--mask ${spec}: the left share must be above 0 and under 100 %.`;
    return { kind: 'left', percent };
  }
  return { kind: 'file', path: spec };
}

/** The generated mask `left:P` at width×height: columns x < round(width·P/100) are 1. */
export function leftMask(width: number, height: number, percent: number): MaskImage {
  const data = new Float32Array(width * height);
  const edge = Math.round((width * percent) / 100);
  for (let y = 0; y < height; y++) data.fill(1, y * width, y * width + edge);
  return { width, height, data };
}

/**
 * A square max filter of radius r (Chebyshev distance ≤ r) over a 0/1 plane, rows then columns.
 * Written here rather than taken from the engine's feather, so the measurement does not trust
 * the code it checks.
 */
function dilate(plane: Uint8Array, width: number, height: number, r: number): Uint8Array {
  const rows = new Uint8Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let k = Math.max(0, x - r); k <= Math.min(width - 1, x + r) && !v; k++) v = plane[y * width + k];
      rows[y * width + x] = v;
    }
  }
  const out = new Uint8Array(plane.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let v = 0;
      for (let k = Math.max(0, y - r); k <= Math.min(height - 1, y + r) && !v; k++) v = rows[k * width + x];
      out[y * width + x] = v;
    }
  }
  return out;
}

/**
 * The pixels the done-when speaks of, from the mask at the result's size: `outside`
 * (1) farther than `featherPx` (Chebyshev) from every pixel the mask touches (> 0): these must
 * be the source's exactly; `inside` (1) whose whole (2·featherPx + 1)² square is fully in the
 * mask (= 1): stylised as an unmasked job would, untouched by the feather.
 */
export function maskZones(mask: Float32Array, width: number, height: number, featherPx: number): { outside: Uint8Array; inside: Uint8Array } {
  if (mask.length !== width * height) throw new RangeError(`The mask has ${mask.length} values for ${width}×${height}.`);
  const touched = dilate(Uint8Array.from(mask, (v) => (v > 0 ? 1 : 0)), width, height, featherPx);
  const notFull = dilate(Uint8Array.from(mask, (v) => (v < 1 ? 1 : 0)), width, height, featherPx);
  return { outside: touched.map((v) => 1 - v), inside: notFull.map((v) => 1 - v) };
}

/** How many `outside` pixels of `result` differ from `source` in any channel (both the same size). */
export function changedOutside(result: RgbImage, source: RgbImage, outside: Uint8Array): number {
  if (result.width !== source.width || result.height !== source.height) {
    throw new RangeError(`Sizes differ: ${result.width}×${result.height} and ${source.width}×${source.height}.`);
  }
  let changed = 0;
  for (let i = 0; i < outside.length; i++) {
    if (!outside[i]) continue;
    const o = i * 3;
    if (result.data[o] !== source.data[o] || result.data[o + 1] !== source.data[o + 1] || result.data[o + 2] !== source.data[o + 2]) changed++;
  }
  return changed;
}

/**
 * Which positions of a tap's feature map lie inside: a position at stride s covers an s×s block
 * of pixels (the network's floor-sized pools), and counts when all of the block is `inside`.
 */
export function insidePositions(inside: Uint8Array, width: number, height: number, tap: string): Uint8Array {
  const s = tapStride(tap);
  const [w, h] = [Math.floor(width / s), Math.floor(height / s)];
  const keep = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let all = 1;
      for (let dy = 0; dy < s && all; dy++) for (let dx = 0; dx < s && all; dx++) all = inside[(y * s + dy) * width + x * s + dx];
      keep[y * w + x] = all;
    }
  }
  return keep;
}

/** The feature vectors at the kept positions (row-major positions, channels fastest). */
export function selectPositions(set: FeatureSet, keep: Uint8Array): FeatureSet {
  if (keep.length !== set.positions) throw new RangeError(`${keep.length} flags for ${set.positions} positions.`);
  const c = set.channels;
  const n = keep.reduce((a, v) => a + v, 0);
  const data = new Float32Array(n * c);
  let k = 0;
  for (let i = 0; i < keep.length; i++) {
    if (!keep[i]) continue;
    data.set(set.data.subarray(i * c, (i + 1) * c), k * c);
    k++;
  }
  return { channels: c, positions: n, data };
}
