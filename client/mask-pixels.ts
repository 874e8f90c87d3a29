/**
 * A masked job's pixel work in the editors' panels (issue 31), on plain RGBA arrays so Node
 * tests run it: the region as the mask the daemon reads, and what the designer sees past the
 * feather — the original itself, not the daemon's copy of it at the job's working size.
 * Photopea gets the layer's own pixels put back at the layer's size (keepOriginalOutside);
 * Figma, whose result layer lies above the untouched original, gets a result that is
 * transparent there (clearOutside), so the original shows through at any zoom.
 */

import { MAX_KEPT_MASK_SCALE } from './limits.ts';

export interface Rgba {
  width: number;
  height: number;
  /** Row-major RGBA, 4 bytes a pixel (ImageData's layout). */
  data: Uint8ClampedArray;
}

/**
 * The region (an export's alpha: opaque = stylised) as the mask sent to the daemon: each pixel
 * R = G = B = A = its coverage, so it reads the same by alpha (where any pixel is not opaque),
 * by luminance (where all are) or by both (protocol regionSchema: "white or opaque =
 * stylised"). Also says whether any pixel is covered.
 */
export function maskFromAlpha(image: Rgba): { mask: Rgba; covered: boolean } {
  const data = new Uint8ClampedArray(image.data.length);
  let covered = false;
  for (let i = 0; i < data.length; i += 4) {
    const a = image.data[i + 3]!;
    if (a > 0) covered = true;
    data[i] = a;
    data[i + 1] = a;
    data[i + 2] = a;
    data[i + 3] = a;
  }
  return { mask: { width: image.width, height: image.height, data }, covered };
}

/**
 * For each pixel, whether some covered pixel of `alpha` (stride 4, offset 3) lies within
 * `radius` in x and in y (a Chebyshev distance ≤ radius): a square dilation, as two sliding
 * window passes over running counts (time linear in the pixels, whatever the radius).
 */
function nearRegion(image: Rgba, radius: number): Uint8Array {
  const { width, height, data } = image;
  const rows = new Uint8Array(width * height);
  const counts = new Int32Array(Math.max(width, height) + 1);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) counts[x + 1] = counts[x]! + (data[(y * width + x) * 4 + 3]! > 0 ? 1 : 0);
    for (let x = 0; x < width; x++) rows[y * width + x] = counts[Math.min(width, x + radius + 1)]! - counts[Math.max(0, x - radius)]! > 0 ? 1 : 0;
  }
  const out = new Uint8Array(width * height);
  for (let x = 0; x < width; x++) {
    for (let y = 0; y < height; y++) counts[y + 1] = counts[y]! + rows[y * width + x]!;
    for (let y = 0; y < height; y++) out[y * width + x] = counts[Math.min(height, y + radius + 1)]! - counts[Math.max(0, y - radius)]! > 0 ? 1 : 0;
  }
  return out;
}

/** nearRegion of `region` at `keepPastPx`, once every image of `same` is checked to be the result's size. */
function nearResult(caller: string, result: Rgba, same: Rgba[], region: Rgba, keepPastPx: number): Uint8Array {
  for (const other of same) {
    if (other.width !== result.width || other.height !== result.height) throw new Error(`${caller}: ${other.width}×${other.height} is not the result's ${result.width}×${result.height}`);
  }
  return nearRegion(region, Math.max(0, Math.floor(keepPastPx)));
}

/**
 * The result scaled back to the layer's size, with every pixel farther than `keepPastPx` from
 * the region (`region`'s alpha, at the layer's size) set to the original's own bytes. The
 * daemon already keeps the source past its feather, but at the job's working size: scaled back
 * up, those pixels are a blurred copy of the layer, not the layer.
 */
export function keepOriginalOutside(result: Rgba, original: Rgba, region: Rgba, keepPastPx: number): Rgba {
  const near = nearResult('keepOriginalOutside', result, [original, region], region, keepPastPx);
  const { width, height } = result;
  const data = result.data.slice();
  for (let i = 0; i < near.length; i++) {
    if (near[i] === 0) data.set(original.data.subarray(i * 4, i * 4 + 4), i * 4);
  }
  return { width, height, data };
}

/**
 * The result with every pixel farther than `keepPastPx` from the region (`region`'s alpha, the
 * result's size) made fully transparent; nearer, the result's own pixels, alpha included. For
 * a result layer placed above its original (Figma): the daemon's "kept" pixels past the feather
 * are the original at the working size, blurred once scaled over the original; transparent,
 * the original itself shows instead.
 */
export function clearOutside(result: Rgba, region: Rgba, keepPastPx: number): Rgba {
  const near = nearResult('clearOutside', result, [region], region, keepPastPx);
  const { width, height } = result;
  const data = result.data.slice();
  for (let i = 0; i < near.length; i++) {
    if (near[i] === 0) data.fill(0, i * 4, i * 4 + 4);
  }
  return { width, height, data };
}

/**
 * How far from the region (in the layer's pixels) the panel puts the original back: past the
 * feather the daemon applied (in the result's pixels) and one working pixel more, scaled to the
 * layer, so no stylised pixel of the edge, spread by scaling up, is cut off.
 */
export function keepPastPx(featherResultPx: number, layerSide: number, workingSide: number): number {
  return Math.ceil(((featherResultPx + 1) * layerSide) / Math.max(1, workingSide));
}

/**
 * The feather the daemon is asked for, in the result's pixels, for a softness the designer set
 * in the layer's pixels (the job may run at a smaller working size).
 */
export function featherForResult(edgeLayerPx: number, layerSide: number, workingSide: number): number {
  if (edgeLayerPx <= 0) return 0;
  return Math.max(1, Math.round((edgeLayerPx * workingSide) / Math.max(1, layerSide)));
}

/**
 * A region kept small enough to travel with a job's record (a result placed after the panel
 * was closed is cut with it): which pixels it covers (alpha > 0), OR-pooled over `scale`×`scale`
 * blocks, as run lengths over the pooled grid row by row, starting with an uncovered run
 * (base 36, '.' between). Pooling only ever adds covered pixels, so a cut made with it reaches
 * at most `scale` − 1 pixels farther out, never into the stylised part.
 */
export interface KeptRegion {
  width: number;
  height: number;
  scale: number;
  runs: string;
}

/** `region` as a KeptRegion of at most `maxChars` run characters (the finest pooling that fits), or null when none fits. */
export function keepRegion(region: Rgba, maxChars: number): KeptRegion | null {
  for (let scale = 1; scale <= MAX_KEPT_MASK_SCALE; scale *= 2) {
    const runs = pooledRuns(region, scale);
    if (runs.length <= maxChars) return { width: region.width, height: region.height, scale, runs };
  }
  return null;
}

function pooledRuns(region: Rgba, scale: number): string {
  const { width, height, data } = region;
  const w = Math.ceil(width / scale);
  const h = Math.ceil(height / scale);
  const covered = new Uint8Array(w * h);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (data[(y * width + x) * 4 + 3]! > 0) covered[Math.floor(y / scale) * w + Math.floor(x / scale)] = 1;
  }
  const runs: string[] = [];
  let value = 0;
  let length = 0;
  for (const cell of covered) {
    if (cell === value) {
      length++;
      continue;
    }
    runs.push(length.toString(36));
    value = cell;
    length = 1;
  }
  runs.push(length.toString(36));
  return runs.join('.');
}

/** A KeptRegion back at its full size (alpha 255 where covered), or null when its runs do not fill its grid (damaged). */
export function keptRegionPixels(kept: KeptRegion): Rgba | null {
  const { width, height, scale } = kept;
  const w = Math.ceil(width / scale);
  const h = Math.ceil(height / scale);
  const covered = new Uint8Array(w * h);
  let at = 0;
  let value = 0;
  for (const part of kept.runs.split('.')) {
    const length = parseInt(part, 36);
    if (!Number.isSafeInteger(length) || length < 0 || at + length > covered.length) return null;
    covered.fill(value, at, at + length);
    at += length;
    value = 1 - value;
  }
  if (at !== covered.length) return null;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) if (covered[Math.floor(y / scale) * w + Math.floor(x / scale)] === 1) data[(y * width + x) * 4 + 3] = 255;
  }
  return { width, height, data };
}
