import { MIN_STAGE_SIDE } from './presets.ts';
import type { ResizeImageAsync, RgbImage } from './types.ts';

/**
 * The most pixels a style's working image may have, as a multiple of its stage's. Its target
 * pass is forward-only (a fraction of the stage's forward-and-backward memory), so 4× the
 * stage's pixels (a long side about twice the stage's) stays inside the stage's memory plan;
 * a larger `styleSize` crops the scaled style's centre to this area instead, so its strokes
 * still grow.
 */
export const MAX_STYLE_AREA_PER_STAGE_AREA = 4;

/** Where a style's working image comes from: the whole style scaled to `width`×`height`, then its centre `crop`. */
export interface StyleFit {
  width: number;
  height: number;
  crop: { left: number; top: number; width: number; height: number };
}

/**
 * The style's working size for a stage, as neural-style sizes it: the whole style, aspect
 * ratio kept, its longest side `size` times the stage's longest side (so the optimiser's Gram
 * targets see all of the style, not the crop that covering the stage's shape would leave; a
 * portrait style on a landscape photo kept only its middle 60%). The shorter side is at least
 * MIN_STAGE_SIDE; past MAX_STYLE_AREA_PER_STAGE_AREA the centre is cropped.
 */
export function planStyleFit(style: { width: number; height: number }, width: number, height: number, size: number): StyleFit {
  const s = Math.max((Math.max(width, height) * size) / Math.max(style.width, style.height), MIN_STAGE_SIDE / Math.min(style.width, style.height));
  const sw = Math.max(MIN_STAGE_SIDE, Math.round(style.width * s));
  const sh = Math.max(MIN_STAGE_SIDE, Math.round(style.height * s));
  const k = Math.min(1, Math.sqrt((MAX_STYLE_AREA_PER_STAGE_AREA * width * height) / (sw * sh)));
  const cw = Math.min(sw, Math.max(MIN_STAGE_SIDE, Math.floor(sw * k)));
  const ch = Math.min(sh, Math.max(MIN_STAGE_SIDE, Math.floor(sh * k)));
  return { width: sw, height: sh, crop: { left: Math.floor((sw - cw) / 2), top: Math.floor((sh - ch) / 2), width: cw, height: ch } };
}

/** The style's working image for a stage of `width`×`height` (planStyleFit). */
export async function fitStyleAsync(
  style: RgbImage,
  width: number,
  height: number,
  size: number,
  resizeAsync: ResizeImageAsync,
): Promise<RgbImage> {
  const fit = planStyleFit(style, width, height, size);
  const scaled = fit.width === style.width && fit.height === style.height ? style : await resizeAsync(style, fit.width, fit.height);
  const { left, top, width: cw, height: ch } = fit.crop;
  if (cw === fit.width && ch === fit.height) return scaled;
  const data = new Uint8Array(cw * ch * 3);
  for (let y = 0; y < ch; y++) {
    const from = ((top + y) * fit.width + left) * 3;
    data.set(scaled.data.subarray(from, from + cw * 3), y * cw * 3);
  }
  return { width: cw, height: ch, data };
}
