import { OWN_RESOLUTION } from './limits.ts';
import type { RgbImage } from './types.ts';

interface Grey {
  width: number;
  height: number;
  data: Float32Array;
}

/** Rec. 601 luma of the top-left even-sized part (so that every halving is exact). */
function greyOf(image: RgbImage): Grey {
  const width = image.width & ~1;
  const height = image.height & ~1;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * image.width + x) * 3;
      data[y * width + x] = 0.299 * image.data[i] + 0.587 * image.data[i + 1] + 0.114 * image.data[i + 2];
    }
  }
  return { width, height, data };
}

/** 2×2 block means (the trailing odd row or column dropped). */
function halve(g: Grey): Grey {
  const width = g.width >> 1;
  const height = g.height >> 1;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = 2 * y * g.width + 2 * x;
      data[y * width + x] = (g.data[i] + g.data[i + 1] + g.data[i + g.width] + g.data[i + g.width + 1]) / 4;
    }
  }
  return { width, height, data };
}

/** Bilinear enlargement by 2 with half-pixel centres, to `width`×`height` (2× the input, or one less). */
function double(g: Grey, width: number, height: number): Grey {
  const data = new Float32Array(width * height);
  const clamp = (v: number, hi: number): number => Math.min(hi, Math.max(0, v));
  for (let y = 0; y < height; y++) {
    const sy = clamp((y + 0.5) / 2 - 0.5, g.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(g.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = clamp((x + 0.5) / 2 - 0.5, g.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(g.width - 1, x0 + 1);
      const fx = sx - x0;
      const top = (1 - fx) * g.data[y0 * g.width + x0] + fx * g.data[y0 * g.width + x1];
      const bottom = (1 - fx) * g.data[y1 * g.width + x0] + fx * g.data[y1 * g.width + x1];
      data[y * width + x] = (1 - fy) * top + fy * bottom;
    }
  }
  return { width, height, data };
}

/** Mean squared difference per pixel. */
function energy(a: Grey, b: Grey): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += (a.data[i] - b.data[i]) ** 2;
  return sum / a.data.length;
}

/**
 * The energy of each octave of an image, finest first: what halving the image loses, then what
 * halving the half loses, and so on, per pixel of the grid it is measured on. Natural photos put
 * about as much into each octave (a 1/f² spectrum), so neighbours are within a small factor; an
 * enlargement leaves its top octaves almost empty.
 */
export function octaveEnergies(image: RgbImage, count: number): number[] {
  let g = greyOf(image);
  const energies: number[] = [];
  while (energies.length < count && Math.min(g.width, g.height) >= 2 * OWN_RESOLUTION.minSide) {
    const half = halve(g);
    energies.push(energy(g, double(half, g.width, g.height)));
    g = half;
  }
  return energies;
}

/**
 * How many times an image was enlarged by 2 from the pixels it really has: 0 for a photo at its
 * own resolution, 1 for one enlarged about 2× (a 512 px photo exported at 1024 px), up to
 * OWN_RESOLUTION.maxOctaves. k octaves are empty when the first k octaves' energies are all
 * under OWN_RESOLUTION.emptyOctaveFraction of what the photo's own spectrum predicts for octave
 * k − 1: octave k's energy times its ratio to octave k + 1. Predicting from the photo's own
 * octaves, not from a fixed spectrum, is what tells a detailed photo enlarged from a soft one at
 * its own size: tubingen enlarged 2× has a top octave of 0.72–0.85 times the next, the astronaut
 * at its own 512 px 0.91. The largest such k wins (a 4× enlargement has two near-empty octaves
 * whose ratio to each other is anything). Octaves too faint to measure (flat art) count as the
 * photo's own. Works on the pixels, not on a declared size, because an editor exports a frame at
 * the job's size whatever the photo inside it has.
 */
export function enlargedOctaves(image: RgbImage): number {
  const e = octaveEnergies(image, OWN_RESOLUTION.maxOctaves + 2);
  for (let k = Math.min(OWN_RESOLUTION.maxOctaves, e.length - 2); k >= 1; k--) {
    if (e[k + 1] < OWN_RESOLUTION.minOctaveEnergy || e[k] < OWN_RESOLUTION.minOctaveEnergy) continue;
    const predicted = (e[k] * e[k]) / e[k + 1];
    if (Math.max(...e.slice(0, k)) < OWN_RESOLUTION.emptyOctaveFraction * predicted) return k;
  }
  return 0;
}
