/**
 * Measures the Gram energies behind daemon/engine/style-balance.ts: per tap, the mean squared
 * entry of the Gram FᵀF/(c·n) the losses use, of a style at given longest sides.
 * `all` prints every tap of The Scream at 512 px (REFERENCE_GRAM_ENERGY); without it,
 * relu1_1…relu5_1 of the three shared styles at 128, 256 and 512 px.
 *
 *   node --import tsx scripts/measure-gram-energy.ts [all] [weightsDir]
 */
import { createFeatureExtractorAsync, type FeatureSet } from '../daemon/engine/index.ts';
import { TAP_NAMES } from '../daemon/engine/vgg-layers.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const all = process.argv[2] === 'all';
const weightsDir = process.argv[all ? 3 : 2] ?? '../shared/vgg19-keras-uint8';
const ex = await createFeatureExtractorAsync(weightsDir);

function energy({ channels: c, positions: n, data }: FeatureSet): number {
  const G = new Float64Array(c * c);
  for (let p = 0; p < n; p++) {
    const o = p * c;
    for (let i = 0; i < c; i++) {
      const a = data[o + i];
      if (a !== 0) for (let j = i; j < c; j++) G[i * c + j] += a * data[o + j];
    }
  }
  let sq = 0;
  for (let i = 0; i < c; i++) for (let j = i; j < c; j++) sq += (i === j ? 1 : 2) * (G[i * c + j] / (c * n)) ** 2;
  return sq / (c * c);
}

const layers = all ? [...TAP_NAMES] : ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1', 'relu5_1'];
for (const name of all ? ['the_scream'] : ['the_scream', 'starry_night', 'shipwreck']) {
  for (const side of all ? [512] : [128, 256, 512]) {
    const original = (await readImageAsync(`../shared/images/style/${name}.jpg`)).rgb;
    const s = side / Math.max(original.width, original.height);
    const image = await resizeRgbAsync(original, Math.round(original.width * s), Math.round(original.height * s));
    const f = await ex.featuresAsync(image, layers);
    const e = layers.map((l) => energy(f.get(l)!));
    console.log(JSON.stringify({ style: name, side, sum: Number(e.reduce((a, b) => a + b, 0).toPrecision(3)), ...Object.fromEntries(layers.map((l, i) => [l, Number(e[i].toPrecision(3))])) }));
  }
}
ex.dispose();
