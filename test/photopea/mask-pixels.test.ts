/**
 * Issue 31: the panel's pixel work for a masked job (client/mask-pixels.ts): the region as
 * the mask the daemon reads, the feather asked for at the job's size, and the layer's own
 * pixels put back past the feather once the result is scaled back to the layer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featherForResult, keepOriginalOutside, keepPastPx, maskFromAlpha, type Rgba } from '../../client/mask-pixels.ts';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}
const at = (img: Rgba, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

test('the mask is the export\'s alpha in every channel (read alike by alpha or by luminance); an uncovered one says so', () => {
  const region = image(3, 1, (x) => [9, 9, 9, [0, 128, 255][x]!]);
  const { mask, covered } = maskFromAlpha(region);
  assert.equal(covered, true);
  assert.deepEqual([at(mask, 0, 0), at(mask, 1, 0), at(mask, 2, 0)], [[0, 0, 0, 0], [128, 128, 128, 128], [255, 255, 255, 255]]);
  assert.equal(maskFromAlpha(image(2, 2, () => [255, 255, 255, 0])).covered, false);
});

test('past keepPastPx (Chebyshev) from the region the original\'s bytes come back; nearer, the result stays', () => {
  const width = 40;
  const height = 30;
  // The region: one covered pixel at (10, 10) and a soft one at (30, 20).
  const region = image(width, height, (x, y) => [0, 0, 0, x === 10 && y === 10 ? 255 : x === 30 && y === 20 ? 1 : 0]);
  const original = image(width, height, (x, y) => [x, y, 7, 255]);
  const result = image(width, height, () => [200, 100, 50, 255]);
  const out = keepOriginalOutside(result, original, region, 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const near = Math.max(Math.abs(x - 10), Math.abs(y - 10)) <= 3 || Math.max(Math.abs(x - 30), Math.abs(y - 20)) <= 3;
      assert.deepEqual(at(out, x, y), near ? [200, 100, 50, 255] : [x, y, 7, 255], `(${x}, ${y})`);
    }
  }
  assert.deepEqual(at(result, 0, 0), [200, 100, 50, 255], 'the result given is not changed');
  assert.throws(() => keepOriginalOutside(result, image(4, 4, () => [0, 0, 0, 0]), region, 3), /is not the result's 40×30/);
});

test('Edge softness is in the layer\'s pixels: the daemon gets it at the job\'s size; the original comes back one working pixel past it', () => {
  assert.equal(featherForResult(8, 2000, 500), 2);
  assert.equal(featherForResult(1, 2000, 500), 1, 'a soft edge stays soft');
  assert.equal(featherForResult(0, 2000, 500), 0);
  assert.equal(featherForResult(4, 160, 160), 4);
  assert.equal(keepPastPx(2, 2000, 500), 12);
  assert.equal(keepPastPx(4, 160, 160), 5);
});
