import assert from 'node:assert/strict';
import sharp from 'sharp';

/**
 * Masks and the check of a masked job's result (issue 31), shared by the daemon's, the restart's
 * and the team runner's tests: white rectangles on black, and "every pixel farther than the
 * feather from every rectangle is the content's own byte for byte".
 */

/** [x0, y0, x1, y1): a rectangle in pixels. */
export type Rect = readonly [number, number, number, number];

/** A greyscale PNG (no alpha: the daemon reads its luminance), white over `rects`, black elsewhere. */
export async function rectMaskAsync(width: number, height: number, rects: readonly Rect[]): Promise<Uint8Array> {
  const grey = Buffer.alloc(width * height);
  for (const [x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) grey.fill(255, y * width + x0, y * width + x1);
  return new Uint8Array(await sharp(grey, { raw: { width, height, channels: 1 } }).png().toBuffer());
}

/** `rect` on an image `factor` times larger (a mask that is a scaled copy of its content). */
export const scaledRect = ([x0, y0, x1, y1]: Rect, factor: number): Rect => [x0 * factor, y0 * factor, x1 * factor, y1 * factor];

async function rgbAsync(png: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/**
 * The result keeps the content's pixels exactly wherever it is farther than `featherPx` (along
 * rows or columns, the engine's Chebyshev distance) from every rectangle, and differs from the
 * content at each rectangle's centre. Returns how many pixels were checked as kept.
 */
export async function assertMaskedResultAsync(resultPng: Uint8Array, contentPng: Uint8Array, rects: readonly Rect[], featherPx: number): Promise<number> {
  const result = await rgbAsync(resultPng);
  const content = await rgbAsync(contentPng);
  assert.deepEqual([result.width, result.height], [content.width, content.height], 'the result has the content\'s size');
  const { width, height } = content;
  const near = (x: number, y: number): boolean => rects.some(([x0, y0, x1, y1]) => x >= x0 - featherPx && x < x1 + featherPx && y >= y0 - featherPx && y < y1 + featherPx);
  let kept = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (near(x, y)) continue;
      const i = (y * width + x) * 3;
      assert.deepEqual([...result.data.subarray(i, i + 3)], [...content.data.subarray(i, i + 3)], `pixel ${x},${y}, past the ${featherPx} px feather, is the content's`);
      kept += 1;
    }
  }
  for (const [x0, y0, x1, y1] of rects) {
    const i = (((y0 + y1) >> 1) * width + ((x0 + x1) >> 1)) * 3;
    assert.notDeepEqual([...result.data.subarray(i, i + 3)], [...content.data.subarray(i, i + 3)], `the region at ${x0},${y0} is stylised`);
  }
  return kept;
}
