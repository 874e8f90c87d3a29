import type { MaskImage } from '../engine/index.ts';
import { readImageAsync } from './read-image.ts';

/** Rec. 601 luma weights: a grey mask's value whatever colour space it was saved in. */
const LUMA = [0.299, 0.587, 0.114] as const;

/**
 * A designer's mask file (PNG, JPEG or WebP; a path or its bytes) as the engine's MaskImage at
 * its own size (the engine scales it to the content, stretching it as the content's frame): its
 * alpha where it has any transparency (a shape exported on a transparent background: opaque =
 * stylised), else its luminance (white = stylised, black = kept). Unreadable files are
 * ImageErrors, as any input image.
 */
export async function readMaskAsync(input: string | Uint8Array, label?: string): Promise<MaskImage> {
  const { rgb, alpha } = await readImageAsync(input, { alpha: 'keep', label: label ?? (typeof input === 'string' ? `The mask ${input}` : 'The mask') });
  const n = rgb.width * rgb.height;
  const data = new Float32Array(n);
  if (alpha && alpha.some((a) => a < 255)) {
    for (let i = 0; i < n; i++) data[i] = alpha[i] / 255;
  } else {
    for (let i = 0; i < n; i++) {
      const v = LUMA[0] * rgb.data[i * 3] + LUMA[1] * rgb.data[i * 3 + 1] + LUMA[2] * rgb.data[i * 3 + 2];
      data[i] = Math.min(1, v / 255);
    }
  }
  return { width: rgb.width, height: rgb.height, data };
}
