import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RgbImage } from '../../daemon/engine/index.ts';
import { enlargedOctaves } from '../../daemon/engine/own-resolution.ts';
import { resizeImageAsync } from '../../daemon/engine/resize-image.ts';
import { readImageAsync, resizeRgbAsync } from '../../daemon/image/index.ts';
import { SHARED_IMAGES_DIR } from '../support/shared-data.ts';

/** A deterministic PRNG (mulberry32), so the texture is the same on every machine. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A photo-like texture with detail down to the pixel: value noise at every octave from 4 px
 * cells to single pixels, equal amplitude each (about a 1/f² spectrum, as photos have).
 */
function texture(side: number, seed: number): RgbImage {
  const next = random(seed);
  const grey = new Float32Array(side * side);
  for (let cell = 1; cell <= 32; cell *= 2) {
    const n = Math.ceil(side / cell) + 1;
    const grid = Float32Array.from({ length: n * n }, () => next() - 0.5);
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const gx = x / cell;
        const gy = y / cell;
        const x0 = Math.floor(gx);
        const y0 = Math.floor(gy);
        const fx = gx - x0;
        const fy = gy - y0;
        const v = (1 - fy) * ((1 - fx) * grid[y0 * n + x0] + fx * grid[y0 * n + x0 + 1]) + fy * ((1 - fx) * grid[(y0 + 1) * n + x0] + fx * grid[(y0 + 1) * n + x0 + 1]);
        grey[y * side + x] += 40 * v;
      }
    }
  }
  const data = new Uint8Array(side * side * 3);
  for (let i = 0; i < side * side; i++) data.fill(Math.max(0, Math.min(255, Math.round(128 + grey[i]))), i * 3, i * 3 + 3);
  return { width: side, height: side, data };
}

test('a texture at its own resolution has no empty octave; enlarged 2× it has one, 4× two', async () => {
  const own = texture(256, 7);
  assert.equal(enlargedOctaves(own), 0);
  // The engine's bilinear resizer. Lanczos (sharp) rings on this texture's single-pixel noise and
  // refills the top octave to 0.67 of the prediction, over the 0.65 bound; on the photos below,
  // which have no such noise, it leaves 0.60 at most (scripts/measure-own-resolution.ts).
  assert.equal(enlargedOctaves(await resizeImageAsync(own, 512, 512)), 1);
  assert.equal(enlargedOctaves(await resizeImageAsync(own, 1024, 1024)), 2);
  assert.equal(enlargedOctaves(await resizeRgbAsync(own, 1024, 1024)), 2);
  // Shrinking keeps an image its own.
  assert.equal(enlargedOctaves(await resizeRgbAsync(texture(512, 8), 256, 256)), 0);
});

test('flat art and an image too small to measure count as the photo’s own', () => {
  const flat: RgbImage = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3).fill(200) };
  assert.equal(enlargedOctaves(flat), 0);
  // A soft gradient: its octaves are too faint to compare, not empty.
  const ramp: RgbImage = { width: 512, height: 512, data: new Uint8Array(512 * 512 * 3) };
  for (let i = 0; i < 512 * 512; i++) ramp.data.fill(Math.floor((i % 512) / 4), i * 3, i * 3 + 3);
  assert.equal(enlargedOctaves(ramp), 0);
  assert.equal(enlargedOctaves(texture(48, 9)), 0);
});

const photos = ['content/astronaut.png', 'content/chelsea.png', 'content/coffee.png', 'content/tubingen.jpg'];
test(
  'the development photos: none enlarged at their own size or smaller, each enlarged 2× has one empty octave',
  { skip: existsSync(join(SHARED_IMAGES_DIR, photos[0])) ? false : `../shared/images is absent (looked in ${SHARED_IMAGES_DIR})` },
  async () => {
    for (const path of photos) {
      const photo = (await readImageAsync(join(SHARED_IMAGES_DIR, path), { alpha: 'composite' })).rgb;
      assert.equal(enlargedOctaves(photo), 0, path);
      assert.equal(enlargedOctaves(await resizeRgbAsync(photo, Math.round(photo.width / 2), Math.round(photo.height / 2))), 0, `${path} halved`);
      for (const resize of [resizeImageAsync, resizeRgbAsync]) {
        assert.equal(enlargedOctaves(await resize(photo, photo.width * 2, photo.height * 2)), 1, `${path} 2× (${resize.name})`);
      }
    }
  },
);
