import sharp from 'sharp';
import type { RgbImage } from '../engine/index.ts';
import { resizeAlphaAsync } from './resize-image.ts';

/**
 * Encodes a result as PNG. With `alpha` (from the source, at the source's size) the source's
 * transparency is re-applied, resized to the result, so cut-outs stay cut out.
 */
export async function encodePngAsync(
  image: RgbImage,
  alpha?: { data: Uint8Array; width: number; height: number },
): Promise<Uint8Array> {
  if (!alpha) {
    return new Uint8Array(await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer());
  }
  const a = await resizeAlphaAsync(alpha.data, alpha, image.width, image.height);
  const n = image.width * image.height;
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    rgba[i * 4] = image.data[i * 3];
    rgba[i * 4 + 1] = image.data[i * 3 + 1];
    rgba[i * 4 + 2] = image.data[i * 3 + 2];
    rgba[i * 4 + 3] = a[i];
  }
  return new Uint8Array(await sharp(rgba, { raw: { width: image.width, height: image.height, channels: 4 } }).png().toBuffer());
}
