import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchColorStatistics, restoreChroma, rgbToYcbcr } from '../../daemon/engine/color-transfer.ts';
import { fitStyleAsync, planStyleFit } from '../../daemon/engine/fit-style.ts';
import { MIN_STAGE_SIDE } from '../../daemon/engine/presets.ts';
import type { RgbImage } from '../../daemon/engine/index.ts';
import { resizeImageAsync } from '../../daemon/engine/resize-image.ts';

function image(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { width, height, data };
}

function stats(img: RgbImage): { mean: number[]; cov: number[] } {
  const n = img.width * img.height;
  const mean = [0, 1, 2].map((c) => img.data.filter((_, i) => i % 3 === c).reduce((a, b) => a + b, 0) / n);
  const cov: number[] = [];
  for (const [a, b] of [[0, 0], [0, 1], [0, 2], [1, 1], [1, 2], [2, 2]]) {
    let s = 0;
    for (let i = 0; i < n; i++) s += (img.data[i * 3 + a] - mean[a]) * (img.data[i * 3 + b] - mean[b]);
    cov.push(s / n);
  }
  return { mean, cov };
}

// A bluish photo-like gradient and a warm, correlated "painting".
const photo = image(48, 32, (x, y) => [60 + x, 90 + y, 150 + ((x + y) % 40)]);
const painting = image(40, 40, (x, y) => [150 + ((x * 3) % 90), 80 + ((x * 3) % 90) / 2 + (y % 10), 30 + (y % 25)]);

test('colour matching gives the image the reference’s mean and covariance', () => {
  const matched = matchColorStatistics(photo, painting);
  const got = stats(matched);
  const want = stats(painting);
  got.mean.forEach((m, c) => assert.ok(Math.abs(m - want.mean[c]) < 1.5, `mean ${c}: ${m} vs ${want.mean[c]}`));
  got.cov.forEach((v, k) => assert.ok(Math.abs(v - want.cov[k]) < 0.08 * Math.abs(want.cov[0]) + 3, `cov ${k}: ${v} vs ${want.cov[k]}`));
  const before = stats(photo);
  assert.ok(Math.abs(before.mean[0] - want.mean[0]) > 50, 'the test images start far apart');
});

test('restoring chroma keeps the result’s luminance and puts back the content’s colours', () => {
  const result = image(48, 32, (x, y) => [100 + ((x * 5) % 60), 100 + ((y * 7) % 60), 128]);
  const out = restoreChroma(result, photo);
  for (let i = 0; i < 48 * 32; i += 37) {
    const o = i * 3;
    const [y] = rgbToYcbcr(out.data[o], out.data[o + 1], out.data[o + 2]);
    const [yr] = rgbToYcbcr(result.data[o], result.data[o + 1], result.data[o + 2]);
    const [, cb, cr] = rgbToYcbcr(out.data[o], out.data[o + 1], out.data[o + 2]);
    const [, cbc, crc] = rgbToYcbcr(photo.data[o], photo.data[o + 1], photo.data[o + 2]);
    assert.ok(Math.abs(y - yr) < 1.5, `luma ${y} vs ${yr}`);
    // Where clamping to 0–255 bites, chroma gives way; these pixels are in gamut but for rounding.
    assert.ok(Math.abs(cb - cbc) < 12 && Math.abs(cr - crc) < 12, `chroma ${cb},${cr} vs ${cbc},${crc}`);
  }
  assert.throws(() => restoreChroma(result, painting), RangeError);
});

test('the whole style is used, aspect ratio kept, longest side the stage’s times styleSize; past 4× the stage’s pixels its centre', async () => {
  const style = image(40, 20, (x, y) => [x * 6, y * 12, 7]);
  const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
  // A square stage of 40 and a 2:1 style: the whole style, not the 20-column middle that covering 40×40 would crop.
  const whole = await fitStyleAsync(style, 40, 40, 1, resizeImageAsync);
  assert.deepEqual([whole.width, whole.height], [40, 20]);
  assert.deepEqual(px(whole, 0, 0), [0, 0, 7]);
  assert.deepEqual(px(whole, 39, 19), [39 * 6, 19 * 12, 7]);
  // A portrait stage sizes by its longest side too.
  assert.deepEqual(planStyleFit(style, 30, 60, 1), { width: 60, height: 30, crop: { left: 0, top: 0, width: 60, height: 30 } });
  // Half size: 20×10 would be under MIN_STAGE_SIDE, so the shorter side is held at 16.
  const half = await fitStyleAsync(style, 40, 40, 0.5, resizeImageAsync);
  assert.deepEqual([half.width, half.height], [32, MIN_STAGE_SIDE]);
  // At 4× the style is 160×80 = 8× the stage's 40×40 pixels: its centre, 4× the stage's area, same aspect.
  const fit = planStyleFit(style, 40, 40, 4);
  assert.deepEqual([fit.width, fit.height], [160, 80]);
  assert.deepEqual(fit.crop, { left: 23, top: 12, width: 113, height: 56 });
  const large = await fitStyleAsync(style, 40, 40, 4, resizeImageAsync);
  assert.deepEqual([large.width, large.height], [113, 56]);
  // Larger strokes: neighbouring pixels differ less than at size 1.
  assert.ok(Math.abs(px(large, 51, 20)[0] - px(large, 50, 20)[0]) < Math.abs(px(whole, 21, 10)[0] - px(whole, 20, 10)[0]));
});
