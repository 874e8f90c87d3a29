import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeatureExtractor, FeatureSet, RgbImage } from '../../daemon/engine/index.ts';
import { changedOutside, insidePositions, leftMask, maskZones, parseMaskSpec, selectPositions } from '../../scripts/quality/masked-pairs.ts';
import { SWD_LAYERS, StyleDistanceMeter } from '../../scripts/quality/style-distance.ts';
import { tapStride } from '../../daemon/engine/tile-plan.ts';

function rgb(width: number, height: number, f: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(f(x, y), (y * width + x) * 3);
  return { width, height, data };
}

/** Rows of a 0/1 plane as strings, to compare whole zones at a glance. */
function rows(plane: Uint8Array, width: number): string[] {
  return Array.from({ length: plane.length / width }, (_, y) => Array.from(plane.subarray(y * width, (y + 1) * width)).join(''));
}

test('--mask specs: left:P in (0, 100) is generated, anything else is a file', () => {
  assert.deepEqual(parseMaskSpec('left:60'), { kind: 'left', percent: 60 });
  assert.deepEqual(parseMaskSpec('left:12.5'), { kind: 'left', percent: 12.5 });
  assert.match(parseMaskSpec('left:0') as string, /above 0 and under 100/);
  assert.match(parseMaskSpec('left:100') as string, /above 0 and under 100/);
  assert.deepEqual(parseMaskSpec('masks/sky.png'), { kind: 'file', path: 'masks/sky.png' });
});

test('left:P whitens the left P % of the columns on every row', () => {
  const m = leftMask(10, 3, 60);
  assert.deepEqual(rows(Uint8Array.from(m.data), 10), ['1111110000', '1111110000', '1111110000']);
});

test('zones: outside lies farther than the feather from every touched pixel, inside has its whole feather square in the mask', () => {
  const width = 12;
  const mask = new Float32Array(width * 2);
  for (const y of [0, 1]) {
    mask.fill(1, y * width, y * width + 5);
    mask[y * width + 5] = 0.5; // a soft edge column: touched, not full
  }
  const { outside, inside } = maskZones(mask, width, 2, 2);
  assert.deepEqual(rows(outside, width), ['000000001111', '000000001111']);
  assert.deepEqual(rows(inside, width), ['111000000000', '111000000000']);
  // Feather 0: the mask's own pixels.
  const sharp = maskZones(mask, width, 2, 0);
  assert.deepEqual(rows(sharp.outside, width)[0], '000000111111');
  assert.deepEqual(rows(sharp.inside, width)[0], '111110000000');
  assert.throws(() => maskZones(mask, 5, 2, 1), RangeError);
});

test('only outside pixels that differ in some channel are counted', () => {
  const source = rgb(4, 1, (x) => [x, 10, 20]);
  const result = rgb(4, 1, (x) => (x === 0 ? [99, 10, 20] : x === 2 ? [2, 10, 21] : [x, 10, 20]));
  assert.equal(changedOutside(result, source, Uint8Array.from([0, 1, 1, 1])), 1);
  assert.equal(changedOutside(result, source, Uint8Array.from([1, 1, 1, 1])), 2);
  assert.equal(changedOutside(source, source, Uint8Array.from([1, 1, 1, 1])), 0);
  assert.throws(() => changedOutside(rgb(3, 1, () => [0, 0, 0]), source, new Uint8Array(4)), RangeError);
});

test('a tap position counts as inside when its whole stride block is; its vectors are selected in order', () => {
  // 4×4 pixels, inside the left 3 columns: at stride 2 only the left column of blocks is whole.
  const inside = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 3 ? 1 : 0));
  assert.equal(tapStride('relu2_1'), 2);
  assert.deepEqual(Array.from(insidePositions(inside, 4, 4, 'relu2_1')), [1, 0, 1, 0]);
  assert.deepEqual(Array.from(insidePositions(inside, 4, 4, 'relu1_1')), Array.from(inside));
  const set: FeatureSet = { channels: 2, positions: 4, data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) };
  assert.deepEqual(selectPositions(set, Uint8Array.from([1, 0, 1, 0])), { channels: 2, positions: 2, data: Float32Array.from([1, 2, 5, 6]) });
  assert.throws(() => selectPositions(set, new Uint8Array(3)), RangeError);
});

/** Features = the RGB of each tap position's top-left pixel (a stand-in for VGG with the same grid). */
const pixelExtractor: FeatureExtractor = {
  async featuresAsync(image, layers) {
    return new Map(
      layers.map((l) => {
        const s = tapStride(l);
        const [w, h] = [Math.floor(image.width / s), Math.floor(image.height / s)];
        const data = new Float32Array(w * h * 3);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[(y * w + x) * 3 + c] = image.data[(y * s * image.width + x * s) * 3 + c];
        return [l, { channels: 3, positions: w * h, data }];
      }),
    );
  },
  dispose() {},
};

test('the SWD over a region compares only its positions: a half painted in the style is at distance 0 there', async () => {
  const meter = new StyleDistanceMeter(pixelExtractor);
  const style = rgb(32, 32, () => [200, 40, 10]);
  const image = rgb(32, 32, (x) => (x < 16 ? [200, 40, 10] : [10, 40, 200]));
  const left = { key: 'left half', inside: Uint8Array.from({ length: 32 * 32 }, (_, i) => (i % 32 < 16 ? 1 : 0)) };
  const right = { key: 'right half', inside: left.inside.map((v) => 1 - v) };
  assert.equal(SWD_LAYERS.length, 4);
  assert.equal((await meter.distanceAsync(image, style, {}, left)).swd, 0);
  const whole = (await meter.distanceAsync(image, style)).swd;
  const farSide = (await meter.distanceAsync(image, style, {}, right)).swd;
  assert.ok(whole > 0 && farSide > whole, `whole ${whole}, right half ${farSide}`);
  // A keyed image is cached per region: the same key with another region is measured anew.
  assert.equal((await meter.distanceAsync(image, style, { image: 'img' }, left)).swd, 0);
  assert.equal((await meter.distanceAsync(image, style, { image: 'img' }, right)).swd, farSide);
});
