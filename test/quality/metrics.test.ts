import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeatureSet, RgbImage } from '../../daemon/engine/index.ts';
import { edgeCorrelation, pearson, sobelMagnitude } from '../../scripts/quality/edge-correlation.ts';
import { randomDirections, slicedWasserstein } from '../../scripts/quality/sliced-wasserstein.ts';

function set(channels: number, vectors: number[][]): FeatureSet {
  return { channels, positions: vectors.length, data: Float32Array.from(vectors.flat()) };
}

function randomSet(channels: number, positions: number, seed: number): FeatureSet {
  let a = seed;
  const next = (): number => ((a = (a * 1103515245 + 12345) % 2147483648) / 2147483648) * 10;
  return set(channels, Array.from({ length: positions }, () => Array.from({ length: channels }, next)));
}

test('random directions are unit vectors, the same for the same seed and different for another', () => {
  const a = randomDirections(16, 64, 3);
  assert.equal(a.length, 64);
  for (const d of a) assert.ok(Math.abs(Math.hypot(...d) - 1) < 1e-5);
  assert.deepEqual(randomDirections(16, 64, 3), a);
  assert.notDeepEqual(randomDirections(16, 64, 4)[0], a[0]);
});

test('SWD of a set with itself, and with its positions shuffled, is 0', () => {
  const s = randomSet(8, 200, 7);
  const dirs = randomDirections(8, 64, 1);
  assert.equal(slicedWasserstein(s, s, dirs), 0);
  const vectors = Array.from({ length: 200 }, (_, i) => Array.from(s.data.subarray(i * 8, i * 8 + 8)));
  const shuffled = set(8, vectors.map((_, i) => vectors[(i * 37) % 200]));
  assert.ok(slicedWasserstein(s, shuffled, dirs) < 1e-9);
});

test('in one dimension SWD is the squared shift between a set and its translate', () => {
  const s = set(1, [[0], [1], [4], [9], [2]]);
  const shifted = set(1, [[3], [4], [7], [12], [5]]);
  const dirs = randomDirections(1, 64, 1); // ±1: the shift is 3 along every one
  assert.ok(Math.abs(slicedWasserstein(s, shifted, dirs) - 9) < 1e-5);
});

test('a shift v in C dimensions averages (d·v)² over the sphere: |v|²/C', () => {
  const s = randomSet(4, 300, 11);
  const v = [3, -1, 2, 5]; // |v|² = 39
  const moved = set(4, Array.from({ length: 300 }, (_, i) => Array.from(s.data.subarray(i * 4, i * 4 + 4), (x, k) => x + v[k])));
  const got = slicedWasserstein(s, moved, randomDirections(4, 4000, 2));
  assert.ok(Math.abs(got - 39 / 4) < 0.05 * (39 / 4), `${got}`);
});

test('sets of different sizes with the same distribution are resampled to equal length: about 0', () => {
  const small = set(1, Array.from({ length: 100 }, (_, i) => [i]));
  const twice = set(1, Array.from({ length: 200 }, (_, i) => [i / 2]));
  const far = set(1, Array.from({ length: 200 }, (_, i) => [i]));
  const dirs = randomDirections(1, 8, 1);
  assert.ok(slicedWasserstein(small, twice, dirs) < 0.1);
  assert.ok(slicedWasserstein(small, far, dirs) > 1000);
});

function image(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { width, height, data };
}

const scene = image(40, 30, (x, y) => {
  const v = (x > 12 && x < 28 && y > 8 && y < 20 ? 200 : 40) + ((x * 7 + y * 13) % 17);
  return [v, (v * 3) % 256, 255 - v];
});

test('edge correlation of an image with itself is 1, and with its negative too (magnitudes are sign-blind)', () => {
  assert.ok(Math.abs(edgeCorrelation(scene, scene) - 1) < 1e-9);
  const negative = { ...scene, data: scene.data.map((v) => 255 - v) };
  assert.ok(Math.abs(edgeCorrelation(negative, scene) - 1) < 1e-6);
});

test('edge correlation is blind to contrast and brightness but not to where the edges are', () => {
  // Even levels halve exactly, so only the contrast changes.
  const even = { ...scene, data: scene.data.map((v) => v & ~1) };
  const dimmer = { ...scene, data: even.data.map((v) => v / 2 + 60) };
  assert.ok(Math.abs(edgeCorrelation(dimmer, even) - 1) < 1e-6);
  const flat = image(40, 30, () => [128, 128, 128]);
  assert.equal(edgeCorrelation(flat, scene), 0);
  const stripesV = image(40, 30, (x) => (x % 8 < 4 ? [0, 0, 0] : [255, 255, 255]));
  const stripesH = image(40, 30, (_, y) => (y % 8 < 4 ? [0, 0, 0] : [255, 255, 255]));
  assert.ok(edgeCorrelation(stripesV, stripesH) < 0.1);
  assert.throws(() => edgeCorrelation(scene, image(10, 10, () => [0, 0, 0])), RangeError);
});

test('Sobel of a vertical step of height 1 is 4 on the two columns beside it, 0 elsewhere', () => {
  const w = 6;
  const h = 4;
  const grey = Float32Array.from({ length: w * h }, (_, i) => (i % w >= 3 ? 1 : 0));
  const m = sobelMagnitude(grey, w, h);
  assert.deepEqual(Array.from(m.subarray(0, w - 2)), [0, 4, 4, 0]);
  assert.equal(pearson(Float32Array.of(1, 2, 3), Float32Array.of(3, 2, 1)), -1);
});
