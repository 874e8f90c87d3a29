import type { Transform } from '@figma/plugin-typings/plugin-api-standalone.js';

/**
 * Figma's 2×3 affine transforms ([[m00, m01, m02], [m10, m11, m12]]), as `relativeTransform`
 * and `absoluteTransform` hold them.
 */
export const IDENTITY_TRANSFORM: Transform = [[1, 0, 0], [0, 1, 0]];

export function multiplyTransforms(a: Transform, b: Transform): Transform {
  return [
    [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1], a[0][0] * b[0][2] + a[0][1] * b[1][2] + a[0][2]],
    [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1], a[1][0] * b[0][2] + a[1][1] * b[1][2] + a[1][2]],
  ];
}

export function invertTransform(m: Transform): Transform {
  const [[a, b, c], [d, e, f]] = m;
  const det = a * e - b * d;
  return [
    [e / det, -b / det, (b * f - c * e) / det],
    [-d / det, a / det, (c * d - a * f) / det],
  ];
}

export function translation(x: number, y: number): Transform {
  return [[1, 0, x], [0, 1, y]];
}
