import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { float, GraphBuilder, int, ints } from '../../daemon/engine/onnx/graph-builder.ts';

/** The hand-written protobuf encoder, judged by onnxruntime itself: it must load and compute. */
test('a generated model loads in onnxruntime and computes what its nodes say', async () => {
  const g = new GraphBuilder();
  const x = g.input('x', [2, 3]);
  const bias = g.floatTensor('bias', [3], Float32Array.of(10, 20, 30));
  // Gemm's float attribute, Transpose's ints, Gather's negative int64 axis (10-byte varint).
  const scaled = g.op('Gemm', [x, g.floatTensor('eye', [3, 3], Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1))], { alpha: float(0.5) });
  const shifted = g.op('Add', [scaled, bias]);
  g.output('y', g.op('Transpose', [shifted], { perm: ints([1, 0]) }), [3, 2]);
  g.output('last', g.op('Gather', [x, g.indexScalar(2)], { axis: int(-1) }), [2]);
  const session = await ort.InferenceSession.create(g.encode());
  try {
    const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2, 3, 4, 5, 6), [2, 3]) });
    assert.deepEqual(out.y.dims, [3, 2]);
    assert.deepEqual(Array.from(out.y.data as Float32Array), [10.5, 12, 21, 22.5, 31.5, 33]);
    assert.deepEqual(Array.from(out.last.data as Float32Array), [3, 6]);
  } finally {
    await session.release();
  }
});
