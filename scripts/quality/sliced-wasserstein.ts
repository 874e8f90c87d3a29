import { createRandom, type FeatureSet } from '../../daemon/engine/index.ts';

/**
 * `count` random unit vectors in `channels` dimensions (Gaussian, normalised: uniform on the
 * sphere), from a fixed seed so that every run and every image is measured along the same
 * directions.
 */
export function randomDirections(channels: number, count: number, seed: number): Float32Array[] {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => {
    const d = new Float32Array(channels);
    let norm = 0;
    for (let i = 0; i < channels; i++) {
      d[i] = random.normal();
      norm += d[i] * d[i];
    }
    const s = 1 / Math.sqrt(norm);
    for (let i = 0; i < channels; i++) d[i] *= s;
    return d;
  });
}

/**
 * The set projected on each direction, each projection sorted (its empirical quantile
 * function). Projections run position by position so that each vector is read once.
 */
export function sortedProjections(set: FeatureSet, directions: readonly Float32Array[]): Float32Array[] {
  const { channels: c, positions: n, data } = set;
  const k = directions.length;
  const dirs = new Float32Array(k * c);
  directions.forEach((d, j) => {
    if (d.length !== c) throw new RangeError(`A direction has ${d.length} values for ${c} channels.`);
    dirs.set(d, j * c);
  });
  const out = directions.map(() => new Float32Array(n));
  const acc = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * c;
    acc.fill(0);
    for (let ch = 0; ch < c; ch++) {
      const v = data[o + ch];
      if (v === 0) continue; // ReLU features are mostly zeros
      for (let j = 0; j < k; j++) acc[j] += v * dirs[j * c + ch];
    }
    for (let j = 0; j < k; j++) out[j][i] = acc[j];
  }
  for (const p of out) p.sort();
  return out;
}

/** Mean squared difference of two sorted samples, both resampled to the shorter's length. */
function sortedDistance(pa: Float32Array, pb: Float32Array): number {
  const m = Math.min(pa.length, pb.length);
  const at = (sorted: Float32Array, i: number): number => {
    if (sorted.length === m) return sorted[i];
    // The empirical quantile at (i + 0.5) / m, linear between order statistics.
    const pos = Math.min(sorted.length - 1, Math.max(0, ((i + 0.5) / m) * sorted.length - 0.5));
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  };
  let sum = 0;
  for (let i = 0; i < m; i++) {
    const d = at(pa, i) - at(pb, i);
    sum += d * d;
  }
  return sum / m;
}

/** The sliced distance from projections already sorted along the same directions. */
export function slicedWassersteinSorted(pa: readonly Float32Array[], pb: readonly Float32Array[]): number {
  if (pa.length !== pb.length || pa.length === 0) throw new RangeError('Both sets need the same, non-empty list of directions.');
  return pa.reduce((s, p, j) => s + sortedDistance(p, pb[j]), 0) / pa.length;
}

/**
 * Sliced Wasserstein-2 distance (squared) between two sets of vectors: project both on each
 * direction, sort, resample both quantile functions to the smaller set's length, and average
 * the squared differences over positions and directions. Two sets of different sizes (an
 * output and a style image of another shape) compare as distributions, whatever their order.
 */
export function slicedWasserstein(a: FeatureSet, b: FeatureSet, directions: readonly Float32Array[]): number {
  if (a.channels !== b.channels) throw new RangeError(`The sets have ${a.channels} and ${b.channels} channels.`);
  return slicedWassersteinSorted(sortedProjections(a, directions), sortedProjections(b, directions));
}
