/**
 * Measures what daemon/engine/own-resolution.ts decides on: each development image at its own
 * size, shrunk and enlarged by the daemon's resizer (sharp, Lanczos) and the engine's (bilinear),
 * with its octave energies' ratios and the octaves enlargedOctaves counts as empty. For each k
 * it prints the top k octaves' largest energy over what octaves k and k + 1 predict for octave
 * k − 1: under OWN_RESOLUTION.emptyOctaveFraction, those k octaves are empty.
 *
 *   node --import tsx scripts/measure-own-resolution.ts [imagesDir]
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_RESOLUTION } from '../daemon/engine/limits.ts';
import { enlargedOctaves, octaveEnergies } from '../daemon/engine/own-resolution.ts';
import { resizeImageAsync } from '../daemon/engine/resize-image.ts';
import type { RgbImage } from '../daemon/engine/types.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const imagesDir = process.argv[2] ?? '../shared/images';
const SCALES = [0.5, 1, 1.25, 1.5, 1.7, 2, 3, 4];

function emptiness(image: RgbImage): string {
  const e = octaveEnergies(image, OWN_RESOLUTION.maxOctaves + 2);
  const parts: string[] = [];
  for (let k = 1; k + 1 < e.length; k++) parts.push(`k${k} ${(Math.max(...e.slice(0, k)) / ((e[k] * e[k]) / e[k + 1])).toFixed(2)}`);
  return parts.join('  ');
}

for (const folder of ['content', 'style']) {
  for (const file of readdirSync(join(imagesDir, folder)).sort()) {
    const original = (await readImageAsync(join(imagesDir, folder, file), { alpha: 'composite' })).rgb;
    for (const scale of SCALES) {
      const width = Math.round(original.width * scale);
      const height = Math.round(original.height * scale);
      for (const [resizer, resize] of [['sharp', resizeRgbAsync], ['engine', resizeImageAsync]] as const) {
        if (scale === 1 && resizer === 'engine') continue;
        const image = await resize(original, width, height);
        console.log(
          `${file.padEnd(17)} ×${String(scale).padEnd(5)}${String(Math.max(width, height)).padStart(5)} px  ${resizer.padEnd(7)}` +
            `empty octaves ${enlargedOctaves(image)}   ${emptiness(image)}`,
        );
      }
    }
  }
}
