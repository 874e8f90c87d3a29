import sharp from 'sharp';
import type { RgbImage } from '../engine/index.ts';

/**
 * High-quality resize (Lanczos when shrinking) for the engine's per-stage inputs; an image
 * already at the size is returned as it is.
 */
export async function resizeRgbAsync(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: width < image.width ? 'lanczos3' : 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width, height, data: new Uint8Array(data) };
}

/** Resizes an alpha plane (one byte per pixel) to match a result. */
export async function resizeAlphaAsync(alpha: Uint8Array, from: { width: number; height: number }, width: number, height: number): Promise<Uint8Array> {
  if (from.width === width && from.height === height) return alpha;
  const data = await sharp(alpha, { raw: { width: from.width, height: from.height, channels: 1 } })
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer();
  return new Uint8Array(data);
}
