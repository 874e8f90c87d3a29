import sharp from 'sharp';
import type { RgbImage } from '../engine/index.ts';
import { resizeAlphaAsync } from './resize-image.ts';

export type PngPurpose = 'result' | 'preview';

/**
 * Results: zlib level 6 with adaptive filtering (a 512×512 result: ~40 ms, less than half the
 * bytes of level 3; the file ends up in the designer's document). Previews are replaced a
 * moment later, so level 3 without filtering (~16 ms; level 1 is both slower and larger on
 * stylised images).
 */
const PNG_OPTIONS: Record<PngPurpose, sharp.PngOptions> = {
  result: { compressionLevel: 6, adaptiveFiltering: true },
  preview: { compressionLevel: 3, adaptiveFiltering: false },
};

/**
 * Encodes an image as PNG. With `alpha` (from the source, at the source's size) the source's
 * transparency is re-applied, resized to the result, so cut-outs stay cut out.
 */
export async function encodePngAsync(
  image: RgbImage,
  alpha?: { data: Uint8Array; width: number; height: number },
  purpose: PngPurpose = 'result',
): Promise<Uint8Array> {
  const png = (s: sharp.Sharp): Promise<Buffer> => s.png(PNG_OPTIONS[purpose]).toBuffer();
  if (!alpha) {
    return new Uint8Array(await png(sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })));
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
  return new Uint8Array(await png(sharp(rgba, { raw: { width: image.width, height: image.height, channels: 4 } })));
}
