import { GraphBuilder, int } from './graph-builder.ts';

/**
 * Backward-pass building blocks written with ops the WebGPU provider implements
 * (webgpu-ops.ts), where ONNX's own op (Sum, Sign, MaxPool's Indices + MaxUnpool) has no
 * WebGPU kernel and would run on the CPU with copies each way, or not at all.
 */

/** The sum of gradient contributions, as a chain of Add (WebGPU has no Sum kernel). */
export function sum(g: GraphBuilder, values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  return values.slice(1).reduce((acc, v) => g.op('Add', [acc, v]), values[0]);
}

/**
 * The gradient of a 2×2/2 max-pool w.r.t. its input [1, c, h, w], from the pooled output
 * [1, c, ⌊h/2⌋, ⌊w/2⌋] and its gradient: each window's gradient goes to its first maximum in
 * row-major order (positions (0,0), (0,1), (1,0), (1,1)); see the file comment.
 */
export function maxPoolBackward(g: GraphBuilder, input: string, pooled: string, grad: string, c: number, h: number, w: number): string {
  const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
  const ends = g.int64Tensor('ends', [2 * ph, 2 * pw]);
  const axes = g.int64Tensor('axes', [2, 3]);
  const steps = g.int64Tensor('steps', [2, 2]);
  const window = (dy: number, dx: number): string =>
    g.op('Slice', [input, g.int64Tensor('starts', [dy, dx]), ends, axes, steps]);
  const zero = g.scalar(0);
  const quarters: string[] = [];
  let rest = grad;
  for (const [dy, dx] of [[0, 0], [0, 1], [1, 0]] as const) {
    const isMax = g.op('Equal', [window(dy, dx), pooled]);
    quarters.push(g.op('Where', [isMax, rest, zero]));
    rest = g.op('Where', [isMax, zero, rest]);
  }
  // No earlier position held the maximum, so the last one does.
  quarters.push(rest);
  const [g00, g01, g10, g11] = quarters;
  const asColumn = g.int64Tensor('shape', [1, c, ph, pw, 1]);
  const row = (a: string, b: string): string =>
    g.op('Concat', [g.op('Reshape', [a, asColumn]), g.op('Reshape', [b, asColumn])], { axis: int(4) });
  // [1, c, ph, pw, 2] → [1, c, ph, 1, 2·pw]: each pooled row becomes its two input rows.
  const asRow = g.int64Tensor('shape', [1, c, ph, 1, 2 * pw]);
  const rows = g.op('Concat', [g.op('Reshape', [row(g00, g01), asRow]), g.op('Reshape', [row(g10, g11), asRow])], { axis: int(3) });
  const full = g.op('Reshape', [rows, g.int64Tensor('shape', [1, c, 2 * ph, 2 * pw])]);
  if (h === 2 * ph && w === 2 * pw) return full;
  return g.op('Pad', [full, g.int64Tensor('pads', [0, 0, 0, 0, 0, 0, h - 2 * ph, w - 2 * pw])]);
}

/** sign(d)·k as Where(d > 0, k, Where(d < 0, −k, 0)) (WebGPU has no Sign kernel). */
export function signTimes(g: GraphBuilder, d: string, k: string): string {
  const zero = g.scalar(0);
  const negative = g.op('Where', [g.op('Less', [d, zero]), g.op('Neg', [k]), zero]);
  return g.op('Where', [g.op('Greater', [d, zero]), k, negative]);
}
