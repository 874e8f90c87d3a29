import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rgbToYcbcr } from '../../daemon/engine/color-transfer.ts';
import { createEngineAsync, type RgbImage, type StyleOptions } from '../../daemon/engine/index.ts';
import { readImageAsync, resizeRgbAsync } from '../../daemon/image/index.ts';
import { REAL_WEIGHTS_DIR, SHARED_IMAGES_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';

function meanChroma(img: RgbImage): [number, number] {
  let cb = 0;
  let cr = 0;
  const n = img.width * img.height;
  for (let i = 0; i < n; i++) {
    const [, b, r] = rgbToYcbcr(img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]);
    cb += b;
    cr += r;
  }
  return [cb / n, cr / n];
}

/** L1 distance of per-channel 16-bin colour histograms (as fractions): 0 same, 6 disjoint. */
function histogramDistance(a: RgbImage, b: RgbImage): number {
  const hist = (img: RgbImage): number[] => {
    const h = new Array<number>(48).fill(0);
    const n = img.width * img.height;
    for (let i = 0; i < n * 3; i++) h[(i % 3) * 16 + (img.data[i] >> 4)] += 1 / n;
    return h;
  };
  const ha = hist(a);
  const hb = hist(b);
  return ha.reduce((s, v, i) => s + Math.abs(v - hb[i]), 0);
}

test('colour modes on the real weights: content keeps the photo’s chroma, luminance takes the style’s palette', { skip: skipWithoutSharedWeights }, async () => {
  const engine = await createEngineAsync({ weightsDir: REAL_WEIGHTS_DIR });
  try {
    const content = await resizeRgbAsync((await readImageAsync(`${SHARED_IMAGES_DIR}/content/tubingen.jpg`)).rgb, 96, 72);
    const style = (await readImageAsync(`${SHARED_IMAGES_DIR}/style/the_scream.jpg`)).rgb;
    const runAsync = async (options: Partial<StyleOptions>): Promise<RgbImage> => {
      for await (const ev of engine.stylize({
        content,
        styles: [{ image: style, weight: 1 }],
        options: { preset: 'classic', maxSide: 96, stages: 1, iterations: 25, ...options },
        resizeAsync: resizeRgbAsync,
      })) {
        if (ev.type === 'result') return ev.image;
      }
      throw new Error('no result');
    };
    const styled = await runAsync({ colors: 'style' });
    const kept = await runAsync({ colors: 'content' });
    const matched = await runAsync({ colors: 'luminance' });
    const [cb, cr] = meanChroma(content);
    const [kb, kr] = meanChroma(kept);
    assert.ok(Math.abs(kb - cb) < 3 && Math.abs(kr - cr) < 3, `kept chroma ${kb},${kr} vs content ${cb},${cr}`);
    const [sb, sr] = meanChroma(styled);
    assert.ok(Math.abs(sb - cb) + Math.abs(sr - cr) > Math.abs(kb - cb) + Math.abs(kr - cr), 'style mode moves the chroma more');
    const styleAtSize = await resizeRgbAsync(style, 72, 92);
    const before = histogramDistance(content, styleAtSize);
    const after = histogramDistance(matched, styleAtSize);
    assert.ok(after < 0.7 * before, `histogram distance to the style ${before.toFixed(3)} → ${after.toFixed(3)}`);
  } finally {
    engine.dispose();
  }
});
