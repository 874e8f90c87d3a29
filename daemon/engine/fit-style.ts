import type { ResizeImageAsync, RgbImage } from './types.ts';

/** Reflects i into [0, n): …2 1 0 | 0 1 2 … n−1 | n−1 n−2… (mirror tiling without seams). */
function reflect(i: number, n: number): number {
  const period = 2 * n;
  const m = ((i % period) + period) % period;
  return m < n ? m : period - 1 - m;
}

/**
 * The style image at a stage's size without stretching it: scaled (aspect ratio kept) to
 * cover `size` times the stage, then centred on the stage — cropped where it is larger
 * (`size` ≥ 1), mirror-tiled where it is smaller (`size` < 1, finer strokes repeated).
 */
export async function fitStyleAsync(
  style: RgbImage,
  width: number,
  height: number,
  size: number,
  resizeAsync: ResizeImageAsync,
): Promise<RgbImage> {
  const s = Math.max((width * size) / style.width, (height * size) / style.height);
  const sw = Math.max(1, Math.round(style.width * s));
  const sh = Math.max(1, Math.round(style.height * s));
  const scaled = await resizeAsync(style, sw, sh);
  if (sw === width && sh === height) return scaled;
  const ox = Math.floor((sw - width) / 2);
  const oy = Math.floor((sh - height) / 2);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = reflect(y + oy, sh) * sw;
    for (let x = 0; x < width; x++) {
      const from = (row + reflect(x + ox, sw)) * 3;
      const to = (y * width + x) * 3;
      data[to] = scaled.data[from];
      data[to + 1] = scaled.data[from + 1];
      data[to + 2] = scaled.data[from + 2];
    }
  }
  return { width, height, data };
}
