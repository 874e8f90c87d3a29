/**
 * Issue 31, Figma: a masked result lies above its untouched original, so past the feather it
 * is made transparent (client/mask-pixels.ts clearOutside) and the original itself shows
 * through, rather than the daemon's copy of it at the working size, scaled over the frame.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearOutside, keepOriginalOutside, keepPastPx, keepRegion, keptRegionPixels, type Rgba } from '../../client/mask-pixels.ts';
import { MAX_KEPT_MASK_SCALE } from '../../client/limits.ts';

function image(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number]): Rgba {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  return { width, height, data };
}
const at = (img: Rgba, x: number, y: number) => [...img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4)];

test('past keepPastPx (Chebyshev) from the region the result is transparent; nearer it is the result, alpha and all', () => {
  const width = 40;
  const height = 30;
  // The region: one covered pixel at (10, 10) and a faint one (alpha 1) at (30, 20).
  const region = image(width, height, (x, y) => [0, 0, 0, x === 10 && y === 10 ? 255 : x === 30 && y === 20 ? 1 : 0]);
  // A result with a half-transparent column (x = 12): the frame's own transparency stays.
  const result = image(width, height, (x, y) => [200, x, y, x === 12 ? 128 : 255]);
  const out = clearOutside(result, region, 3);
  assert.deepEqual([out.width, out.height], [width, height]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const near = (Math.abs(x - 10) <= 3 && Math.abs(y - 10) <= 3) || (Math.abs(x - 30) <= 3 && Math.abs(y - 20) <= 3);
      assert.deepEqual(at(out, x, y), near ? at(result, x, y) : [0, 0, 0, 0], `(${x}, ${y})`);
    }
  }
  assert.deepEqual(at(out, 12, 10), [200, 12, 10, 128], 'inside, the result\'s own alpha is kept');
  assert.deepEqual(at(result, 0, 0), [200, 0, 0, 255], 'the result itself is not changed');
});

test('a region that covers everything leaves the result whole; one that covers nothing clears it all', () => {
  const result = image(5, 4, (x, y) => [x, y, 1, 255]);
  assert.deepEqual([...clearOutside(result, image(5, 4, () => [255, 255, 255, 255]), 0).data], [...result.data]);
  assert.ok(clearOutside(result, image(5, 4, () => [255, 255, 255, 0]), 2).data.every((v) => v === 0));
});

test('the transparent band and keepOriginalOutside\'s put-back band are the same pixels (one dilation)', () => {
  const width = 33;
  const height = 21;
  const region = image(width, height, (x, y) => [0, 0, 0, (x - 16) ** 2 / 36 + (y - 10) ** 2 / 16 <= 1 ? 255 : 0]);
  const result = image(width, height, () => [9, 9, 9, 255]);
  const original = image(width, height, () => [1, 2, 3, 255]);
  const past = keepPastPx(2, width, width);
  assert.equal(past, 3, 'at the working size: the feather and one working pixel');
  const cleared = clearOutside(result, region, past);
  const kept = keepOriginalOutside(result, original, region, past);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      assert.equal(at(cleared, x, y)[3] === 0, at(kept, x, y)[0] === 1, `(${x}, ${y})`);
    }
  }
});

test('a region of another size is refused rather than cut the wrong pixels', () => {
  assert.throws(() => clearOutside(image(4, 4, () => [0, 0, 0, 255]), image(2, 2, () => [0, 0, 0, 255]), 1), /clearOutside: 2×2 is not the result's 4×4/);
});

test('a region kept with a job\'s record: exact where it fits, else pooled in blocks that only add covered pixels; none when nothing fits', () => {
  const width = 37;
  const height = 23;
  const region = image(width, height, (x, y) => [0, 0, 0, (x - 18) ** 2 / 100 + (y - 11) ** 2 / 36 <= 1 ? 200 : x === 2 && y === 20 ? 1 : 0]);
  const covered = (img: Rgba, x: number, y: number) => at(img, x, y)[3]! > 0;
  const exact = keepRegion(region, 10_000)!;
  assert.equal(exact.scale, 1);
  const back = keptRegionPixels(exact)!;
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) assert.equal(covered(back, x, y), covered(region, x, y), `(${x}, ${y})`);

  // Less room: coarser blocks, a superset by less than a block.
  const pooled = keepRegion(region, exact.runs.length - 1)!;
  assert.ok(pooled.scale > 1 && pooled.runs.length < exact.runs.length);
  const wide = keptRegionPixels(pooled)!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (covered(region, x, y)) assert.ok(covered(wide, x, y), `(${x}, ${y}) stays covered`);
      if (covered(wide, x, y)) {
        const bx = Math.floor(x / pooled.scale) * pooled.scale;
        const by = Math.floor(y / pooled.scale) * pooled.scale;
        let any = false;
        for (let yy = by; yy < Math.min(height, by + pooled.scale); yy++) for (let xx = bx; xx < Math.min(width, bx + pooled.scale); xx++) any ||= covered(region, xx, yy);
        assert.ok(any, `(${x}, ${y}) is covered only because its block has a covered pixel`);
      }
    }
  }
  assert.equal(keepRegion(region, 0), null, `not even ${MAX_KEPT_MASK_SCALE} px blocks fit`);
});

test('runs that do not fill the region\'s grid are refused (a damaged record)', () => {
  assert.equal(keptRegionPixels({ width: 4, height: 4, scale: 1, runs: '3.2' }), null, 'too short');
  assert.equal(keptRegionPixels({ width: 4, height: 4, scale: 1, runs: 'g.1' }), null, 'too long');
  assert.equal(keptRegionPixels({ width: 4, height: 4, scale: 2, runs: '1.3' })?.data[3], 0, '2×2 grid: the first block uncovered');
});
