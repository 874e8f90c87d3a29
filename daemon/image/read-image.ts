import sharp from 'sharp';
import type { RgbImage } from '../engine/index.ts';
import { ImageError } from './image-error.ts';
import { IMAGE_LIMITS } from './limits.ts';

/**
 * What to do with transparency. 'keep' splits the alpha channel off so it can be re-applied to
 * the stylised result (a logo keeps its cut-out); 'composite' flattens onto `background` and
 * drops it (the engine only ever sees RGB).
 */
export type AlphaMode = 'keep' | 'composite';

export interface DecodedImage {
  rgb: RgbImage;
  /** One byte per pixel, present when the source had an alpha channel and alpha is 'keep'. */
  alpha?: Uint8Array;
  /** The encoded format sharp recognised, e.g. 'png', 'jpeg', 'webp'. */
  format: string;
}

export interface ReadImageOptions {
  alpha?: AlphaMode;
  /** Background for 'composite', RGB 0–255 (default white, as a designer's canvas). */
  background?: { r: number; g: number; b: number };
  /** A name for messages (a file path or a layer name). */
  label?: string;
}

const FORMATS = new Set(['png', 'jpeg', 'webp']);

/**
 * Decodes PNG, JPEG or WebP bytes (or a file path) to RGB, honouring EXIF orientation, at the
 * image's own size: callers resize later, so an image already at the working size is never
 * resampled.
 */
export async function readImageAsync(input: string | Uint8Array, options: ReadImageOptions = {}): Promise<DecodedImage> {
  const label = options.label ?? (typeof input === 'string' ? input : 'the image');
  if (typeof input !== 'string' && input.byteLength === 0) {
    throw new ImageError('image-empty', `${label} is empty (0 bytes).`);
  }
  let meta: sharp.Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: IMAGE_LIMITS.maxInputPixels }).metadata();
  } catch (error) {
    const missing = typeof input === 'string' && (error as NodeJS.ErrnoException).message?.includes('missing');
    throw new ImageError(
      'image-unreadable',
      missing ? `${label} does not exist.` : `${label} could not be decoded; save it as PNG, JPEG or WebP.`,
      { cause: error },
    );
  }
  if (!meta.format || !FORMATS.has(meta.format)) {
    throw new ImageError('image-unsupported', `${label} is ${meta.format ?? 'an unknown format'}; use PNG, JPEG or WebP.`);
  }
  const { width = 0, height = 0 } = meta;
  if (width === 0 || height === 0) throw new ImageError('image-empty', `${label} has no pixels.`);
  if (Math.max(width, height) > IMAGE_LIMITS.maxInputSide || width * height > IMAGE_LIMITS.maxInputPixels) {
    throw new ImageError(
      'image-too-large',
      `${label} is ${width}×${height}; the limit is ${IMAGE_LIMITS.maxInputSide} pixels on a side — export it smaller.`,
    );
  }
  const keepAlpha = (options.alpha ?? 'keep') === 'keep' && meta.hasAlpha === true;
  const background = options.background ?? { r: 255, g: 255, b: 255 };
  try {
    // rotate() with no angle applies the EXIF orientation, so a phone photo is upright.
    const base = sharp(input, { limitInputPixels: IMAGE_LIMITS.maxInputPixels }).rotate();
    if (keepAlpha) {
      const { data, info } = await base.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      const n = info.width * info.height;
      const rgb = new Uint8Array(n * 3);
      const alpha = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        rgb[i * 3] = data[i * 4];
        rgb[i * 3 + 1] = data[i * 4 + 1];
        rgb[i * 3 + 2] = data[i * 4 + 2];
        alpha[i] = data[i * 4 + 3];
      }
      return { rgb: { width: info.width, height: info.height, data: rgb }, alpha, format: meta.format };
    }
    const { data, info } = await base.flatten({ background }).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { rgb: { width: info.width, height: info.height, data: new Uint8Array(data) }, format: meta.format };
  } catch (error) {
    throw new ImageError('image-unreadable', `${label} is damaged and could not be decoded fully.`, { cause: error });
  }
}
