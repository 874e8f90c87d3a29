/**
 * The ONNX ops (default domain) that onnxruntime's WebGPU execution provider has kernels for,
 * with the opset range each kernel covers — restricted to the ops the engine's graphs use
 * or once used, so the op-coverage test (test/engine-onnx/webgpu-ops.test.ts) can say which
 * node of which generated graph would leave the GPU. An op missing here runs on the CPU
 * provider with a copy each way (onnxruntime's fallback), or fails the run.
 *
 * Source: microsoft/onnxruntime, the WebGPU EP's kernel registrations:
 * - onnxruntime/core/providers/webgpu/webgpu_execution_provider.cc (RegisterKernels' table;
 *   read at commit 003f772bd) for the element-wise, comparison, Where, Reshape, Transpose,
 *   Concat, Gather, Slice, Pad, reduction, MatMul and MaxPool kernels;
 * - the per-kernel files where that snapshot's table still had them commented out and later
 *   versions (onnxruntime-node 1.30 here) register them: nn/conv.cc (efff121c0: Conv 1–10,
 *   11–21, 22+), math/gemm.cc (35c73906a: Gemm 7–8, 9–10, 11–12, 13+), tensor/identity.cc
 *   (577b8d6bf: Identity 1–12 … 25+), nn/conv_transpose.cc (ConvTranspose 1–10, 11+).
 * - nn/pool.cc (8b77e058e): MaxPool is registered with an Indices type, but its Compute
 *   refuses "The Indices output is not supported yet": only single-output MaxPool runs.
 * Not registered at all: Sum, Sign, MaxUnpool (hence backward-ops.ts).
 *
 * Ranges are inclusive; `until` absent means "and every later opset".
 */
export interface WebGpuKernelRange {
  since: number;
  until?: number;
  /** A restriction the registration alone does not show. */
  outputs?: number;
}

export const WEBGPU_OPS: Readonly<Record<string, readonly WebGpuKernelRange[]>> = {
  Add: [{ since: 7, until: 12 }, { since: 13, until: 13 }, { since: 14 }],
  Sub: [{ since: 7, until: 12 }, { since: 13, until: 13 }, { since: 14 }],
  Mul: [{ since: 7, until: 12 }, { since: 13, until: 13 }, { since: 14 }],
  Neg: [{ since: 6, until: 12 }, { since: 13 }],
  Relu: [{ since: 6, until: 12 }, { since: 13, until: 13 }, { since: 14 }],
  Equal: [{ since: 7, until: 10 }, { since: 11, until: 12 }, { since: 13, until: 18 }, { since: 19 }],
  Greater: [{ since: 7, until: 8 }, { since: 9, until: 12 }, { since: 13 }],
  Less: [{ since: 7, until: 8 }, { since: 9, until: 12 }, { since: 13 }],
  Where: [{ since: 9, until: 15 }, { since: 16 }],
  Reshape: [{ since: 5, until: 12 }, { since: 13, until: 13 }, { since: 14, until: 18 }, { since: 19, until: 20 }, { since: 21 }],
  Transpose: [{ since: 1, until: 12 }, { since: 13, until: 20 }],
  Concat: [{ since: 1, until: 3 }, { since: 4, until: 10 }, { since: 11, until: 12 }, { since: 13 }],
  Gather: [{ since: 1, until: 10 }, { since: 11, until: 12 }, { since: 13 }],
  Slice: [{ since: 1, until: 9 }, { since: 10, until: 10 }, { since: 11, until: 12 }, { since: 13 }],
  Pad: [{ since: 2, until: 10 }, { since: 11, until: 12 }, { since: 13, until: 17 }, { since: 18, until: 18 }, { since: 19, until: 20 }, { since: 21, until: 22 }, { since: 23 }],
  ReduceSumSquare: [{ since: 1, until: 10 }, { since: 11, until: 12 }, { since: 13, until: 17 }, { since: 18 }],
  ReduceL1: [{ since: 1, until: 10 }, { since: 11, until: 12 }, { since: 13, until: 17 }, { since: 18 }],
  MatMul: [{ since: 1, until: 12 }, { since: 13 }],
  Gemm: [{ since: 7, until: 8 }, { since: 9, until: 10 }, { since: 11, until: 12 }, { since: 13 }],
  Conv: [{ since: 1, until: 10 }, { since: 11, until: 21 }, { since: 22 }],
  ConvTranspose: [{ since: 1, until: 10 }, { since: 11 }],
  MaxPool: [{ since: 1, until: 7 }, { since: 8, until: 9, outputs: 1 }, { since: 10, until: 10, outputs: 1 }, { since: 11, until: 11, outputs: 1 }, { since: 12, outputs: 1 }],
  Identity: [{ since: 1, until: 12 }, { since: 13, until: 13 }, { since: 14, until: 15 }, { since: 16, until: 18 }, { since: 19, until: 20 }, { since: 21, until: 22 }, { since: 23, until: 23 }, { since: 24, until: 24 }, { since: 25 }],
};

/** Why a node with this op type and output count would not run on WebGPU at this opset, or undefined when it would. */
export function webGpuRefusal(opType: string, opset: number, outputs: number, domain = ''): string | undefined {
  if (domain !== '' && domain !== 'ai.onnx') return `domain "${domain}" has no WebGPU kernels listed`;
  const ranges = WEBGPU_OPS[opType];
  if (!ranges) return `${opType} has no WebGPU kernel`;
  const range = ranges.find((r) => r.since <= opset && (r.until === undefined || opset <= r.until));
  if (!range) return `${opType} has no WebGPU kernel for opset ${opset}`;
  if (range.outputs !== undefined && outputs > range.outputs) return `${opType} on WebGPU supports ${range.outputs} output(s), not ${outputs}`;
  return undefined;
}
