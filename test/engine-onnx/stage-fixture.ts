import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONVENTIONS, preprocess } from '../../daemon/engine/convention.ts';
import { resolveOptions, writeRandomWeightsAsync, type RgbImage, type StyleOptions } from '../../daemon/engine/index.ts';
import type { LossBackend, StageInputs } from '../../daemon/engine/loss-function.ts';
import { createRandom } from '../../daemon/engine/random.ts';
import { imageToTensor } from '../../daemon/engine/resize-image.ts';
import * as tf from '../../daemon/engine/tf.ts';
import { loadVggWeightsAsync, type VggWeights } from '../../daemon/engine/weights/load-weights.ts';

/**
 * Tolerances of the ONNX path against the tfjs path, on float32 both:
 * - losses, relative: 1e-3. Measured on the real weights at 32×48: ≤ 2.6e-4 against tfjs'
 *   wasm backend (its XNNPACK convolutions drift 1.6e-4 at relu4_1 where onnxruntime and tfjs'
 *   cpu backend agree to 1.5e-5), ≤ 2e-6 on the generated weights.
 * - gradients, element-wise: |a − b| ≤ 1e-4 · max|b|. Measured: ≤ 2.6e-6 · max|b|.
 * A wrong sign, scale, layer, mask or pool rule moves elements by tens of percent of the max.
 */
export const LOSS_RTOL = 1e-3;
export const GRAD_TOL = 1e-4;

/** Generated VGG-19-shaped weights; `channels` per block as writeRandomWeightsAsync takes them (default: tiny). */
export async function generatedWeightsAsync(seed: number, channels?: [number, number, number, number, number]): Promise<VggWeights> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-onnx-'));
  await writeRandomWeightsAsync(dir, { seed, channels });
  return loadVggWeightsAsync(dir);
}

/**
 * A test image: smooth bands plus noise (no two neighbours equal), with its left half one
 * flat colour when `flat` (equal neighbours: tied max-pool windows, zero TV differences).
 */
export function testImage(seed: number, height: number, width: number, flat = false): RgbImage {
  const r = createRandom(seed);
  const data = new Uint8Array(height * width * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        const v = flat && x < width / 2 ? 90 + 30 * c : 128 + 90 * Math.sin(0.3 * x + c + seed) * Math.cos(0.2 * y) + 25 * r.normal();
        data[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { width, height, data };
}

export function referenceOptions(convention: VggWeights['convention'], height: number, width: number): StyleOptions {
  return resolveOptions({ preset: 'reference', height, width, stages: 1 }, convention, { width, height });
}

/** Loss-weight sets that isolate each term, then the preset's own mix. */
export function weightSets(o: StyleOptions): Array<Pick<StyleOptions, 'contentWeight' | 'styleWeight' | 'tvWeight'>> {
  return [
    { contentWeight: 1, styleWeight: 0, tvWeight: 0 },
    { contentWeight: 0, styleWeight: 1, tvWeight: 0 },
    { contentWeight: 0, styleWeight: 0, tvWeight: 1 },
    { contentWeight: o.contentWeight, styleWeight: o.styleWeight, tvWeight: o.tvWeight },
  ];
}

/** Evaluates both backends on one stage at `at` and asserts losses and gradients agree. */
export async function assertStageParityAsync(
  reference: LossBackend,
  candidate: LossBackend,
  inputs: StageInputs,
  at: RgbImage,
  label: string,
): Promise<{ worstGrad: number; worstLoss: number }> {
  const x = tf.tidy(() => preprocess(imageToTensor(at), CONVENTIONS[reference.convention]));
  const a = await reference.prepareStageAsync(inputs);
  const b = await candidate.prepareStageAsync(inputs);
  try {
    const ra = await a.evaluateAsync(x);
    const rb = await b.evaluateAsync(x);
    let worstLoss = 0;
    for (const part of ['content', 'style', 'tv'] as const) {
      const diff = Math.abs(ra[part] - rb[part]);
      const rel = diff / Math.max(Math.abs(ra[part]), Number.MIN_VALUE);
      if (ra[part] !== 0 || rb[part] !== 0) worstLoss = Math.max(worstLoss, rel);
      assert.ok(diff <= LOSS_RTOL * Math.abs(ra[part]), `${label}: ${part} loss tfjs ${ra[part]} vs onnx ${rb[part]}`);
    }
    const ga = (await ra.grad.data()) as Float32Array;
    const gb = (await rb.grad.data()) as Float32Array;
    assert.deepEqual(rb.grad.shape, x.shape);
    const scale = ga.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(scale > 0, `${label}: the reference gradient is zero, so this comparison would prove nothing`);
    let worstGrad = 0;
    for (let i = 0; i < ga.length; i++) {
      const d = Math.abs(ga[i] - gb[i]);
      worstGrad = Math.max(worstGrad, d / scale);
      if (d > GRAD_TOL * scale) assert.fail(`${label}: gradient element ${i}: tfjs ${ga[i]} vs onnx ${gb[i]} (max |g| ${scale})`);
    }
    ra.grad.dispose();
    rb.grad.dispose();
    return { worstGrad, worstLoss };
  } finally {
    x.dispose();
    a.dispose();
    b.dispose();
  }
}
