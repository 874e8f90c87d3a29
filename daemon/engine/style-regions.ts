import { EngineError } from './engine-error.ts';
import { REGION_LIMITS } from './limits.ts';
import { resizeMask } from './region-mask.ts';
import type { MaskImage, StyleInput } from './types.ts';

/** Styles that share a mask (or, `mask` null, apply over the whole image), blended within it. */
export interface RegionGroup {
  mask: MaskImage | null;
  styles: StyleInput[];
  /** Their blend weights' sum (> 0): each style's weight is divided by it. */
  blendSum: number;
}

/**
 * A job's regions (StyleInput.mask), in the order their first style comes: null when no style
 * has a mask (the unmasked job, computed as it always was). Masks and blend weights are checked
 * here, before any work.
 */
export function groupRegions(styles: readonly StyleInput[]): RegionGroup[] | null {
  if (!styles.some((s) => s.mask)) return null;
  const groups: RegionGroup[] = [];
  styles.forEach((s, i) => {
    if (s.mask) checkMask(s.mask, i);
    const mask = s.mask ?? null;
    const group = groups.find((g) => g.mask === mask);
    if (group) group.styles.push(s);
    else groups.push({ mask, styles: [s], blendSum: 0 });
  });
  for (const g of groups) {
    g.blendSum = g.styles.reduce((sum, s) => sum + s.weight, 0);
    if (!(g.blendSum > 0)) throw new EngineError('bad-options', 'Each mask needs a style with a blend weight above zero.');
  }
  return groups;
}

function checkMask(mask: MaskImage, style: number): void {
  const what = `The mask of style ${style + 1}`;
  if (!(mask.width > 0 && mask.height > 0) || mask.data.length !== mask.width * mask.height) {
    throw new EngineError('bad-image', `${what} is empty or its pixel data does not match its size.`);
  }
  let any = false;
  for (const v of mask.data) {
    if (!(v >= 0 && v <= 1)) throw new EngineError('bad-image', `${what} has values outside 0..1.`);
    any ||= v > 0;
  }
  if (!any) throw new EngineError('bad-image', `${what} is all black or transparent: nothing would be stylised; paint the region white or opaque.`);
}

/** The feather asked for, or the default; refused outside REGION_LIMITS. */
export function resolveFeather(featherPx: number | undefined): number {
  const f = featherPx ?? REGION_LIMITS.defaultFeatherPx;
  if (!(Number.isInteger(f) && f >= 0 && f <= REGION_LIMITS.maxFeatherPx)) {
    throw new EngineError('bad-options', `The feather is a whole number of pixels from 0 to ${REGION_LIMITS.maxFeatherPx}.`);
  }
  return f;
}

/** Each group's mask at width×height (ones over the whole image for a group without one). */
export function regionMasksAt(groups: readonly RegionGroup[], width: number, height: number): Float32Array[] {
  return groups.map((g) => (g.mask ? resizeMask(g.mask, width, height) : new Float32Array(width * height).fill(1)));
}
