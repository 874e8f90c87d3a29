import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RgbImage } from '../../daemon/engine/index.ts';
import { highFrequencyEnergy, highFrequencyRatio } from '../../scripts/quality/high-frequency.ts';

function grey(width: number, height: number, f: (x: number, y: number) => number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(Math.max(0, Math.min(255, Math.round(f(x, y)))), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, data };
}

test('a flat image and a linear ramp have no high-frequency energy; a lone bright pixel has it by hand', () => {
  assert.equal(highFrequencyEnergy(grey(8, 8, () => 90)), 0);
  assert.ok(highFrequencyEnergy(grey(16, 16, (x, y) => 4 * x + 2 * y)) < 1e-6);
  // 3×3 image, the centre 90 over 0: its only interior pixel differs from its box mean by 90 − 10 = 80.
  assert.ok(Math.abs(highFrequencyEnergy(grey(3, 3, (x, y) => (x === 1 && y === 1 ? 90 : 0))) - 6400) < 1e-3);
  assert.throws(() => highFrequencyEnergy(grey(2, 5, () => 0)), RangeError);
});

test('pixel noise over a painting-like picture (broad strokes) gives a ratio far above 1; the picture itself 1', () => {
  let a = 12345;
  const random = (): number => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  const strokes = grey(64, 48, (x, y) => 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7));
  const noisy = grey(64, 48, (x, y) => 128 + 60 * Math.sin(x / 5) * Math.cos(y / 7) + 80 * random());
  assert.equal(highFrequencyRatio(strokes, strokes), 1);
  const r = highFrequencyRatio(noisy, strokes);
  assert.ok(r > 20, `noise ratio ${r}`);
  // Smoothing brings a result below its style's.
  const smooth = grey(64, 48, (x, y) => 128 + 30 * Math.sin(x / 10) * Math.cos(y / 14));
  assert.ok(highFrequencyRatio(smooth, strokes) < 1);
  assert.equal(highFrequencyRatio(strokes, grey(8, 8, () => 7)), Infinity);
});
