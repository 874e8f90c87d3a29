import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { maxPoolBackward } from '../../daemon/engine/onnx/backward-ops.ts';
import { GraphBuilder, ints } from '../../daemon/engine/onnx/graph-builder.ts';
import { createRandom } from '../../daemon/engine/random.ts';

/**
 * The mask form of the 2×2/2 max-pool gradient (backward-ops.ts, WebGPU ops only) against the
 * form the engine used before: MaxPool's Indices output + MaxUnpool, where onnxruntime's CPU
 * kernel keeps the first maximum in row-major window order. Inputs are drawn from 3 levels,
 * so most windows hold ties (two, three or four equal maxima); odd sizes drop a row/column.
 * The two must agree exactly: both only copy gradient values, never add them.
 */
async function runAsync(model: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    const out = await session.run(feeds);
    return out.dx.data as Float32Array;
  } finally {
    await session.release();
  }
}

for (const [c, h, w] of [[3, 6, 8], [2, 7, 9], [4, 5, 4]] as const) {
  test(`mask gradient equals MaxPool-Indices + MaxUnpool, ties and all (${c}×${h}×${w})`, async () => {
    const [ph, pw] = [Math.floor(h / 2), Math.floor(w / 2)];
    const r = createRandom(h * 100 + w);
    const x = Float32Array.from({ length: c * h * w }, () => Math.floor(r.uniform() * 3));
    const dy = Float32Array.from({ length: c * ph * pw }, () => r.uniform() * 2 - 1);
    const feeds = {
      x: new ort.Tensor('float32', x, [1, c, h, w]),
      dy: new ort.Tensor('float32', dy, [1, c, ph, pw]),
    };
    const pool = { kernel_shape: ints([2, 2]), strides: ints([2, 2]) };

    const old = new GraphBuilder();
    old.input('x', [1, c, h, w]);
    old.input('dy', [1, c, ph, pw]);
    // MaxPool with its Indices output, as the graph had it.
    const [, indices] = old.opMulti('MaxPool', ['x'], 2, pool);
    old.output('dx', old.op('MaxUnpool', ['dy', indices, old.int64Tensor('shape', [1, c, h, w])], pool), [1, c, h, w]);

    const mask = new GraphBuilder();
    mask.input('x', [1, c, h, w]);
    mask.input('dy', [1, c, ph, pw]);
    const pooled = mask.op('MaxPool', ['x'], pool);
    mask.output('dx', maxPoolBackward(mask, 'x', pooled, 'dy', c, h, w), [1, c, h, w]);

    const expected = await runAsync(old.encode(), feeds);
    const actual = await runAsync(mask.encode(), feeds);
    // The input really has tied windows.
    let tied = 0;
    for (let k = 0; k < c; k++) {
      for (let i = 0; i < ph; i++) {
        for (let j = 0; j < pw; j++) {
          const v = [0, 1].flatMap((a) => [0, 1].map((b) => x[(k * h + 2 * i + a) * w + 2 * j + b]));
          if (v.filter((e) => e === Math.max(...v)).length > 1) tied += 1;
        }
      }
    }
    assert.ok(tied > 0, 'some windows hold ties');
    assert.deepEqual(Array.from(actual), Array.from(expected));
  });
}
