import type { RgbImage } from './types.ts';

/**
 * Colour handling around the optimisation (Gatys, Bethge, Hertzmann, Shechtman 2016,
 * "Preserving color in neural artistic style transfer"), on plain pixels.
 */

type Mat3 = [number, number, number, number, number, number, number, number, number];

function meanAndCovariance(image: RgbImage): { mean: [number, number, number]; cov: Mat3 } {
  const n = image.width * image.height;
  const d = image.data;
  const mean: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) mean[c] += d[i * 3 + c];
  for (let c = 0; c < 3; c++) mean[c] /= n;
  const cov = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
  for (let i = 0; i < n; i++) {
    const r = d[i * 3] - mean[0];
    const g = d[i * 3 + 1] - mean[1];
    const b = d[i * 3 + 2] - mean[2];
    cov[0] += r * r;
    cov[1] += r * g;
    cov[2] += r * b;
    cov[4] += g * g;
    cov[5] += g * b;
    cov[8] += b * b;
  }
  for (const k of [0, 1, 2, 4, 5, 8]) cov[k] /= n;
  cov[3] = cov[1];
  cov[6] = cov[2];
  cov[7] = cov[5];
  return { mean, cov };
}

/** Eigen-decomposition of a symmetric 3×3 matrix by Jacobi rotations: V (columns) and λ. */
function symmetricEigen(m: Mat3): { vectors: Mat3; values: [number, number, number] } {
  const a = [...m] as Mat3;
  const v: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5];
    if (off < 1e-18 * (a[0] * a[0] + a[4] * a[4] + a[8] * a[8] + 1e-30)) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]] as const) {
      const apq = a[p * 3 + q];
      if (Math.abs(apq) < 1e-30) continue;
      const theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k * 3 + p];
        const akq = a[k * 3 + q];
        a[k * 3 + p] = c * akp - s * akq;
        a[k * 3 + q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p * 3 + k];
        const aqk = a[q * 3 + k];
        a[p * 3 + k] = c * apk - s * aqk;
        a[q * 3 + k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k * 3 + p];
        const vkq = v[k * 3 + q];
        v[k * 3 + p] = c * vkp - s * vkq;
        v[k * 3 + q] = s * vkp + c * vkq;
      }
    }
  }
  return { vectors: v, values: [a[0], a[4], a[8]] };
}

/** V·diag(f(λ))·Vᵀ: a function of a symmetric matrix (square root, inverse square root). */
function symmetricPower(m: Mat3, power: number): Mat3 {
  const { vectors: v, values } = symmetricEigen(m);
  // A floor keeps a flat (single-colour) image's inverse finite; 1e-2 levels² is invisible.
  const f = values.map((l) => Math.max(l, 1e-2) ** power);
  const out = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += v[i * 3 + k] * f[k] * v[j * 3 + k];
  return out;
}

function multiply(a: Mat3, b: Mat3): Mat3 {
  const out = [0, 0, 0, 0, 0, 0, 0, 0, 0] as Mat3;
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

/**
 * `image` recoloured so that its RGB mean and covariance are `reference`'s: x' = A(x − μ) + μ',
 * A = Σ'^½ Σ^-½ (Gatys et al. 2016, §2.1, the "image analogies" colour transform). Clamped to
 * 0–255; the content's structure is untouched (a per-pixel affine map).
 */
export function matchColorStatistics(image: RgbImage, reference: RgbImage): RgbImage {
  const from = meanAndCovariance(image);
  const to = meanAndCovariance(reference);
  const a = multiply(symmetricPower(to.cov, 0.5), symmetricPower(from.cov, -0.5));
  const n = image.width * image.height;
  const out = new Uint8Array(n * 3);
  const d = image.data;
  for (let i = 0; i < n; i++) {
    const r = d[i * 3] - from.mean[0];
    const g = d[i * 3 + 1] - from.mean[1];
    const b = d[i * 3 + 2] - from.mean[2];
    for (let c = 0; c < 3; c++) {
      const v = a[c * 3] * r + a[c * 3 + 1] * g + a[c * 3 + 2] * b + to.mean[c];
      out[i * 3 + c] = Math.min(255, Math.max(0, Math.round(v)));
    }
  }
  return { width: image.width, height: image.height, data: out };
}

/** Full-range BT.601 YCbCr (JPEG's): Y 0–255, chroma centred on 128. */
export function rgbToYcbcr(r: number, g: number, b: number): [number, number, number] {
  return [
    0.299 * r + 0.587 * g + 0.114 * b,
    128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
    128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
  ];
}

function ycbcrToRgb(y: number, cb: number, cr: number): [number, number, number] {
  return [y + 1.402 * (cr - 128), y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128), y + 1.772 * (cb - 128)];
}

/**
 * The result's luminance with the content's chroma: neural-style's `-original_colors 1`
 * (luminance-only transfer, Gatys et al. 2016 §2.2, applied after the optimisation). Both
 * images must be the same size.
 */
export function restoreChroma(result: RgbImage, content: RgbImage): RgbImage {
  if (result.width !== content.width || result.height !== content.height) {
    throw new RangeError(`Sizes differ: ${result.width}×${result.height} and ${content.width}×${content.height}.`);
  }
  const n = result.width * result.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const o = i * 3;
    const [y] = rgbToYcbcr(result.data[o], result.data[o + 1], result.data[o + 2]);
    const [, cb, cr] = rgbToYcbcr(content.data[o], content.data[o + 1], content.data[o + 2]);
    const rgb = ycbcrToRgb(y, cb, cr);
    for (let c = 0; c < 3; c++) out[o + c] = Math.min(255, Math.max(0, Math.round(rgb[c])));
  }
  return { width: result.width, height: result.height, data: out };
}
