import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '../../daemon/engine/onnx/graph-builder.ts';
import { SessionCache } from '../../daemon/engine/onnx/session-cache.ts';

function model(scale: number): Uint8Array {
  const g = new GraphBuilder();
  g.output('y', g.op('Mul', [g.input('x', [2]), g.scalar(scale)]), [2]);
  return g.encode();
}

const runAsync = async (s: ort.InferenceSession): Promise<number[]> =>
  Array.from((await s.run({ x: new ort.Tensor('float32', Float32Array.of(1, 2), [2]) })).y.data as Float32Array);

test('a key is built once; an evicted session lives until its last user releases it', async () => {
  const cache = new SessionCache(1, {});
  let builds = 0;
  const build = (scale: number) => () => {
    builds += 1;
    return model(scale);
  };
  const a = await cache.acquireAsync('a', build(2));
  assert.equal(await cache.acquireAsync('a', build(2)), a);
  assert.equal(builds, 1);
  cache.release(a);
  // 'b' evicts 'a' while one user still holds it: it must keep working.
  const b = await cache.acquireAsync('b', build(3));
  assert.deepEqual(await runAsync(a), [2, 4]);
  assert.deepEqual(await runAsync(b), [3, 6]);
  cache.release(a);
  await new Promise((resolve) => setImmediate(resolve));
  await assert.rejects(runAsync(a));
  // Evicted keys are rebuilt on the next request.
  const again = await cache.acquireAsync('a', build(2));
  assert.notEqual(again, a);
  assert.equal(builds, 3);
  cache.release(b);
  cache.release(again);
  cache.clear();
});
