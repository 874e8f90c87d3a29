import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { createEngineAsync, createFeatureExtractorAsync, type MaskImage, type RgbImage } from '../../daemon/engine/index.ts';
import { StyleDistanceMeter } from '../../scripts/quality/style-distance.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';

/**
 * Two regions, two styles, on the real weights at a small size: each half of the frame takes
 * its own style (the quality module's SWD ratio, scripts/quality/, lower is closer) more than
 * the other half's.
 */
const [WIDTH, HEIGHT] = [128, 96];

async function readAsync(path: string, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(path).resize(width, height, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function crop(image: RgbImage, left: number, right: number): RgbImage {
  const width = right - left;
  const data = new Uint8Array(width * image.height * 3);
  for (let y = 0; y < image.height; y++) data.set(image.data.subarray((y * image.width + left) * 3, (y * image.width + right) * 3), y * width * 3);
  return { width, height: image.height, data };
}

function halfMask(left: boolean): MaskImage {
  const data = new Float32Array(WIDTH * HEIGHT);
  for (let y = 0; y < HEIGHT; y++) for (let x = 0; x < WIDTH; x++) data[y * WIDTH + x] = x < WIDTH / 2 === left ? 1 : 0;
  return { width: WIDTH, height: HEIGHT, data };
}

test('two regions with two styles: each half is closer to its own style than to the other (real weights, 128×96)', { skip: skipWithoutSharedWeights }, async () => {
  const content = await readAsync(join(SHARED_IMAGES_DIR, 'content/tubingen.jpg'), WIDTH, HEIGHT);
  const starry = await readAsync(join(SHARED_IMAGES_DIR, 'style/starry_night.jpg'), 128, 101);
  const scream = await readAsync(join(SHARED_IMAGES_DIR, 'style/the_scream.jpg'), 103, 128);
  const engine = await createEngineAsync({ weightsDir: REAL_WEIGHTS_DIR });
  let result: RgbImage | undefined;
  try {
    for await (const ev of engine.stylize({
      content,
      styles: [
        { image: starry, weight: 1, mask: halfMask(true) },
        { image: scream, weight: 1, mask: halfMask(false) },
      ],
      // A small job: atelier's one stage of 6× the iterations (presets.ts' small-job plan), 72.
      options: { preset: 'atelier', maxSide: WIDTH, iterations: 12 },
    })) {
      if (ev.type === 'result') result = ev.image;
    }
  } finally {
    engine.dispose();
  }
  const extractor = await createFeatureExtractorAsync(REAL_WEIGHTS_DIR);
  const meter = new StyleDistanceMeter(extractor);
  try {
    // Each half without the 8 px beside the seam (the feather, and the other region's reach).
    const halves = { left: [0, WIDTH / 2 - 8], right: [WIDTH / 2 + 8, WIDTH] } as const;
    const ratios: Record<string, Record<string, number>> = {};
    for (const [half, [l, r]] of Object.entries(halves)) {
      ratios[half] = {};
      for (const [name, style] of Object.entries({ starry, scream })) {
        const base = await meter.distanceAsync(crop(content, l, r), style);
        ratios[half][name] = (await meter.distanceAsync(crop(result!, l, r), style)).swd / base.swd;
      }
    }
    console.log(`SWD ratios: ${JSON.stringify(ratios)}`);
    assert.ok(ratios.left.starry < ratios.left.scream, `left half (Starry Night's region): ${JSON.stringify(ratios.left)}`);
    assert.ok(ratios.right.scream < ratios.right.starry, `right half (The Scream's region): ${JSON.stringify(ratios.right)}`);
  } finally {
    extractor.dispose();
  }
});
