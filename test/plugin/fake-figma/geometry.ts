/**
 * Figma's geometry as the typings document it (@figma/plugin-typings, plugin-api.d.ts):
 *  - `relativeTransform` is `[[cos r, sin r, x], [-sin r, cos r, y]]` with unit axes, and
 *    `rotation` is `atan2(-m10, m00)` in degrees, about the layer's top-left corner
 *    (DimensionAndPositionMixin.rotation / relativeTransform);
 *  - bounds (`absoluteBoundingBox`, `absoluteRenderBounds`) are axis-aligned rectangles on the
 *    page. Written for the fake on its own, not shared with the plugin: the fake must not trust
 *    the code it tests.
 */
export type Matrix = [[number, number, number], [number, number, number]];
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const IDENTITY: Matrix = [[1, 0, 0], [0, 1, 0]];

export function transformOf(x: number, y: number, rotationDeg: number): Matrix {
  const r = (rotationDeg * Math.PI) / 180;
  const c = Math.cos(r);
  const s = Math.sin(r);
  return [[c, s, x], [-s, c, y]];
}

export function multiply(a: Matrix, b: Matrix): Matrix {
  return [
    [a[0][0] * b[0][0] + a[0][1] * b[1][0], a[0][0] * b[0][1] + a[0][1] * b[1][1], a[0][0] * b[0][2] + a[0][1] * b[1][2] + a[0][2]],
    [a[1][0] * b[0][0] + a[1][1] * b[1][0], a[1][0] * b[0][1] + a[1][1] * b[1][1], a[1][0] * b[0][2] + a[1][1] * b[1][2] + a[1][2]],
  ];
}

/** The axis-aligned box around `box` (in a layer's own space) once `m` is applied. */
export function boundsUnder(m: Matrix, box: Box): Box {
  const corners = [
    [box.x, box.y],
    [box.x + box.width, box.y],
    [box.x, box.y + box.height],
    [box.x + box.width, box.y + box.height],
  ].map(([u, v]) => [m[0][0] * u! + m[0][1] * v! + m[0][2], m[1][0] * u! + m[1][1] * v! + m[1][2]] as const);
  const xs = corners.map((p) => p[0]);
  const ys = corners.map((p) => p[1]);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return tidy({ x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y });
}

export function union(boxes: ReadonlyArray<Box | null>): Box | null {
  const real = boxes.filter((b): b is Box => b !== null);
  if (real.length === 0) return null;
  const x = Math.min(...real.map((b) => b.x));
  const y = Math.min(...real.map((b) => b.y));
  const right = Math.max(...real.map((b) => b.x + b.width));
  const bottom = Math.max(...real.map((b) => b.y + b.height));
  return { x, y, width: right - x, height: bottom - y };
}

export function intersect(a: Box | null, b: Box): Box | null {
  if (!a) return null;
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const right = Math.min(a.x + a.width, b.x + b.width);
  const bottom = Math.min(a.y + a.height, b.y + b.height);
  return right > x && bottom > y ? { x, y, width: right - x, height: bottom - y } : null;
}

export function grow(box: Box, by: number): Box {
  return { x: box.x - by, y: box.y - by, width: box.width + 2 * by, height: box.height + 2 * by };
}

/** Floating-point dust from cos/sin (1e-13) would otherwise turn 300 px into 300.0000000001. */
function tidy(box: Box): Box {
  const r = (v: number) => Math.round(v * 1e6) / 1e6;
  return { x: r(box.x), y: r(box.y), width: r(box.width), height: r(box.height) };
}
