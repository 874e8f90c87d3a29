import type { RgbImage } from '../../daemon/engine/index.ts';

/** Rec. 601 luma, 0–255. */
export function greyLevels(image: RgbImage): Float32Array {
  const n = image.width * image.height;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = 0.299 * image.data[i * 3] + 0.587 * image.data[i * 3 + 1] + 0.114 * image.data[i * 3 + 2];
  return g;
}

/** Sobel gradient magnitude at every interior pixel ((w−2)·(h−2) values, row-major). */
export function sobelMagnitude(grey: Float32Array, width: number, height: number): Float32Array {
  const out = new Float32Array(Math.max(0, (width - 2) * (height - 2)));
  let k = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const at = (dx: number, dy: number): number => grey[(y + dy) * width + x + dx];
      const gx = at(1, -1) + 2 * at(1, 0) + at(1, 1) - at(-1, -1) - 2 * at(-1, 0) - at(-1, 1);
      const gy = at(-1, 1) + 2 * at(0, 1) + at(1, 1) - at(-1, -1) - 2 * at(0, -1) - at(1, -1);
      out[k++] = Math.hypot(gx, gy);
    }
  }
  return out;
}

/** Pearson correlation; 0 when either side is constant (no edges to agree on). */
export function pearson(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`Cannot correlate ${a.length} with ${b.length} values.`);
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/**
 * How much of the content's structure a result keeps: the Pearson correlation of the Sobel
 * gradient magnitudes of the two images' grey levels. Both must be the same size.
 */
export function edgeCorrelation(result: RgbImage, content: RgbImage): number {
  if (result.width !== content.width || result.height !== content.height) {
    throw new RangeError(`Sizes differ: ${result.width}×${result.height} and ${content.width}×${content.height}.`);
  }
  const { width, height } = result;
  return pearson(sobelMagnitude(greyLevels(result), width, height), sobelMagnitude(greyLevels(content), width, height));
}
