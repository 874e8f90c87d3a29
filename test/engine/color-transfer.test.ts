import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchColorStatistics, restoreChroma, rgbToYcbcr } from '../../daemon/engine/color-transfer.ts';
import { fitStyleAsync } from '../../daemon/engine/fit-style.ts';
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

test('the style keeps its aspect ratio: centre-cropped at size 1, mirror-tiled below 1', async () => {
  const style = image(40, 20, (x, y) => [x * 6, y * 12, 7]);
  const cropped = await fitStyleAsync(style, 20, 20, 1, resizeImageAsync);
  assert.deepEqual([cropped.width, cropped.height], [20, 20]);
  // Scaled to cover 20×20 it stays 40×20; the middle 20 columns are taken.
  for (const [x, y] of [[0, 0], [19, 19], [7, 3]]) {
    assert.deepEqual(Array.from(cropped.data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3)), [(x + 10) * 6, y * 12, 7]);
  }
  const tiled = await fitStyleAsync(style, 20, 20, 0.5, resizeImageAsync);
  // At half size it is 20×10, centred (rows 5–14) and mirrored above and below itself.
  const px = (img: RgbImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
  assert.deepEqual(px(tiled, 4, 4), px(tiled, 4, 5));
  assert.deepEqual(px(tiled, 4, 17), px(tiled, 4, 12));
  assert.notDeepEqual(px(tiled, 4, 5), px(tiled, 4, 14));
  const larger = await fitStyleAsync(style, 20, 20, 2, resizeImageAsync);
  // Twice the size: each stroke covers twice the pixels, so neighbours differ half as much.
  assert.ok(Math.abs(px(larger, 11, 10)[0] - px(larger, 10, 10)[0]) < Math.abs(px(cropped, 11, 10)[0] - px(cropped, 10, 10)[0]));
});
