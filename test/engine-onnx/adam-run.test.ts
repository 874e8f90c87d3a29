import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createEngineAsync, writeRandomWeightsAsync, type Losses, type StyleOptions } from '../../daemon/engine/index.ts';
import { REAL_WEIGHTS_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';
import { testImage } from './stage-fixture.ts';

/**
 * A whole job on each engine through the shared driver: the losses of every iteration agree
 * within 5e-3 relative, the tolerance the PyTorch parity test allows Adam. Measured: Adam
 * ≤ 2.5e-4 (per-evaluation differences of ~1e-4 between tfjs-wasm and onnxruntime
 * convolutions, not amplified over a few steps); L-BFGS ≤ 1.6e-3 over 5 iterations (its
 * unscaled steps amplify them, as in the PyTorch parity test).
 */
const RTOL = 5e-3;

async function lossesAsync(weightsDir: string, engine: 'tfjs' | 'onnx', options: Partial<StyleOptions>): Promise<Losses[]> {
  const e = await createEngineAsync({ weightsDir, engine, backend: 'wasm', executionProvider: 'cpu' });
  assert.equal(e.info.engine, engine);
  const [height, width] = [options.height!, options.width!];
  const seen: Losses[] = [];
  try {
    for await (const ev of e.stylize({
      content: testImage(31, height, width),
      styles: [{ image: testImage(32, height, width), weight: 1 }],
      options: { ...options, progressEvery: 1 },
    })) {
      if (ev.type === 'progress') seen.push(ev.losses);
    }
  } finally {
    e.dispose();
  }
  return seen;
}

async function compareAsync(weightsDir: string, options: Partial<StyleOptions>): Promise<void> {
  const a = await lossesAsync(weightsDir, 'tfjs', options);
  const b = await lossesAsync(weightsDir, 'onnx', options);
  assert.equal(a.length, (options.stages ?? 1) * options.iterations!);
  assert.equal(b.length, a.length);
  a.forEach((la, i) => {
    for (const k of ['content', 'style', 'tv', 'total'] as const) {
      const lb = b[i][k];
      // A component below a millionth of the total is compared to that millionth.
      const scale = Math.max(Math.abs(la[k]), 1e-6 * Math.abs(la.total));
      assert.ok(Math.abs(la[k] - lb) <= RTOL * scale, `iteration ${i + 1}: ${k} tfjs ${la[k]} vs onnx ${lb}`);
    }
  });
  // The run must actually optimise, or equal losses would prove little.
  assert.ok(a[options.iterations! - 1].total < a[0].total);
}

test('a two-stage Adam job gives the same losses per iteration on both engines (generated weights)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-onnx-run-'));
  await writeRandomWeightsAsync(dir, { seed: 41 });
  await compareAsync(dir, { preset: 'reference', height: 32, width: 48, stages: 2, iterations: 6 });
});

test('an L-BFGS job (classic preset: relu4_2, relu5_1) gives the same losses per iteration (generated weights)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-onnx-run-'));
  await writeRandomWeightsAsync(dir, { seed: 42 });
  await compareAsync(dir, { preset: 'classic', height: 32, width: 48, stages: 1, iterations: 5, maxSide: 0 });
});

test('a two-stage Adam job gives the same losses per iteration on both engines (real weights)', { skip: skipWithoutSharedWeights }, async () => {
  await compareAsync(REAL_WEIGHTS_DIR, { preset: 'reference', height: 32, width: 48, stages: 2, iterations: 4 });
});
