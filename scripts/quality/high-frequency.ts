import type { RgbImage } from '../../daemon/engine/index.ts';
import { greyLevels } from './edge-correlation.ts';

/**
 * How much pixel-scale detail an image carries: the mean squared difference between each
 * interior pixel's grey level and the mean of its 3×3 neighbourhood. Brush strokes and edges
 * give some; pixel noise (the optimiser's high-frequency artefacts, where a strong style weight
 * outruns total variation) gives far more, as no painting has it at that scale.
 */
export function highFrequencyEnergy(image: RgbImage): number {
  const { width, height } = image;
  if (width < 3 || height < 3) throw new RangeError(`A ${width}×${height} image has no interior pixels.`);
  const g = greyLevels(image);
  let sum = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      let box = 0;
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) box += g[(y + dy) * width + x + dx];
      const d = g[y * width + x] - box / 9;
      sum += d * d;
    }
  }
  return sum / ((width - 2) * (height - 2));
}

/**
 * The result's high-frequency energy over the style's, both at the measurement size: about 1 or
 * less where the result's finest detail is the painting's; well above 1, noise.
 */
export function highFrequencyRatio(result: RgbImage, style: RgbImage): number {
  const s = highFrequencyEnergy(style);
  return s > 0 ? highFrequencyEnergy(result) / s : Infinity;
}
