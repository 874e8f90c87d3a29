import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import { CONVENTIONS, preprocess } from '../../daemon/engine/convention.ts';
import { resolveOptions } from '../../daemon/engine/index.ts';
import type { LossBackend, StageInputs } from '../../daemon/engine/loss-function.ts';
import { imageToTensor } from '../../daemon/engine/resize-image.ts';
import * as tf from '../../daemon/engine/tf.ts';
import { prepareTiledStageAsync } from '../../daemon/engine/tiled-loss.ts';
import { exactHalo, planTiles, tapStride, type TilePlan } from '../../daemon/engine/tile-plan.ts';
import { TfjsLossBackend } from '../../daemon/engine/tfjs-loss-backend.ts';
import { disposeVggWeights, type VggWeights } from '../../daemon/engine/weights/load-weights.ts';
import { createOnnxLossBackendAsync } from '../../daemon/engine/onnx/index.ts';
import { generatedWeightsAsync, testImage, weightSets } from '../engine-onnx/stage-fixture.ts';

/**
 * The tiled evaluation (tiled-loss.ts) against the whole-stage one of the same backend, at a
 * size where both fit, on windows that do not divide the image (250×300: neither side is a
 * multiple of the 16-pixel stride or of the window). Float32 sums in other orders differ by
 * ~1e-6 relative; a window's missing halo or a misplaced crop moves them by percents.
 */
const LOSS_RTOL = 1e-4;
const GRAD_TOL = 1e-4;
const [H, W] = [250, 300];
const active = await selectBackendAsync('wasm');

function inputsFor(weights: VggWeights, w: Partial<ReturnType<typeof weightSets>[number]> = {}): StageInputs {
  const base = resolveOptions({ preset: 'classic', height: H, width: W, stages: 1 }, weights.convention, { width: W, height: H });
  return {
    content: testImage(1, H, W, true),
    styles: [
      // Styles at their own sizes (fit-style.ts): other windows than the stage's, one of them larger.
      { image: testImage(2, 210, 330), weight: 0.7 },
      { image: testImage(3, 280, 190), weight: 0.3 },
    ],
    options: { ...base, ...w },
    height: H,
    width: W,
  };
}

/** Two overlapping regions across window borders: a soft ramp, zero on the left third, and a hard block with its own style. */
function maskedInputsFor(weights: VggWeights, w: Partial<ReturnType<typeof weightSets>[number]> = {}): StageInputs {
  const inputs = inputsFor(weights, w);
  const ramp = new Float32Array(H * W);
  const block = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      ramp[y * W + x] = Math.max(0, Math.min(1, (x - W / 3) / (W / 3)));
      block[y * W + x] = y >= 40 && y < 220 && x >= 70 && x < 250 ? 1 : 0;
    }
  }
  return {
    ...inputs,
    styles: [],
    regions: [
      { mask: ramp, styles: inputs.styles, weight: 1 },
      { mask: block, styles: [{ image: testImage(5, 260, 240), weight: 1 }], weight: 0.6 },
    ],
  };
}

interface Difference {
  loss: number;
  grad: number;
}

async function compareAsync(backend: LossBackend, inputs: StageInputs, plan: TilePlan): Promise<Difference> {
  const o = inputs.options;
  const x = tf.tidy(() => preprocess(imageToTensor(testImage(4, H, W)), CONVENTIONS[backend.convention]));
  const whole = await backend.prepareStageAsync(inputs);
  const styleMasked = inputs.regions !== undefined;
  const kernel = await backend.prepareTileKernelAsync!({ height: plan.windowHeight, width: plan.windowWidth, contentLayers: o.contentLayers, styleLayers: o.styleLayers, styleMasked });
  const kernelFor = (height: number, width: number, masked?: boolean) =>
    backend.prepareTileKernelAsync!({ height, width, contentLayers: [], styleLayers: o.styleLayers, styleMasked: masked });
  const tiled = await prepareTiledStageAsync(kernel, plan, inputs, backend.convention, kernelFor);
  try {
    const a = await whole.evaluateAsync(x);
    const b = await tiled.evaluateAsync(x);
    let loss = 0;
    for (const part of ['content', 'style', 'tv'] as const) {
      if (a[part] === 0 && b[part] === 0) continue;
      loss = Math.max(loss, Math.abs(a[part] - b[part]) / Math.abs(a[part]));
    }
    const ga = (await a.grad.data()) as Float32Array;
    const gb = (await b.grad.data()) as Float32Array;
    const scale = ga.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    assert.ok(scale > 0, 'the whole-stage gradient is zero: this comparison would prove nothing');
    let grad = 0;
    for (let i = 0; i < ga.length; i++) grad = Math.max(grad, Math.abs(ga[i] - gb[i]) / scale);
    a.grad.dispose();
    b.grad.dispose();
    return { loss, grad };
  } finally {
    x.dispose();
    whole.dispose();
    tiled.dispose();
  }
}

async function checkBackendAsync(label: string, make: (w: VggWeights) => Promise<LossBackend>): Promise<void> {
  const weights = await generatedWeightsAsync(21);
  const backend = await make(weights);
  try {
    const o = inputsFor(weights).options;
    const layers = [...o.contentLayers, ...o.styleLayers];
    const halo = exactHalo(layers);
    const align = tapStride('relu5_1');
    assert.equal(halo, 96);
    const plan = planTiles(H, W, 230, 260, halo, align);
    assert.ok(plan.windows.length >= 4, `${plan.windows.length} windows`);
    assert.ok(H % plan.windowHeight !== 0 && W % plan.windowWidth !== 0);
    for (const w of weightSets(o)) {
      const d = await compareAsync(backend, inputsFor(weights, w), plan);
      assert.ok(d.loss <= LOSS_RTOL, `${label} ${JSON.stringify(w)}: loss differs by ${d.loss}`);
      assert.ok(d.grad <= GRAD_TOL, `${label} ${JSON.stringify(w)}: gradient differs by ${d.grad} of its largest element`);
    }
    // Masked regions (two, overlapping, across window borders): the same function too.
    for (const w of weightSets(o).slice(1)) {
      if (w.styleWeight === 0) continue;
      const d = await compareAsync(backend, maskedInputsFor(weights, w), plan);
      assert.ok(d.loss <= LOSS_RTOL, `${label} masked ${JSON.stringify(w)}: loss differs by ${d.loss}`);
      assert.ok(d.grad <= GRAD_TOL, `${label} masked ${JSON.stringify(w)}: gradient differs by ${d.grad} of its largest element`);
    }
    // The same windows with a halo below the receptive field: no longer the same function.
    const short = planTiles(H, W, 230, 260, 32, align);
    const d = await compareAsync(backend, inputsFor(weights), short);
    assert.ok(d.loss > 100 * LOSS_RTOL || d.grad > 100 * GRAD_TOL, `${label}: a 32-px halo should differ (loss ${d.loss}, grad ${d.grad})`);
  } finally {
    backend.dispose();
    disposeVggWeights(weights);
  }
}

test('tfjs: tiled loss and gradient equal the whole stage’s (classic layers, 250×300, uneven windows)', async () => {
  await checkBackendAsync('tfjs', async (w) => new TfjsLossBackend(w, active));
});

test('onnx: tiled loss and gradient equal the whole stage’s (classic layers, 250×300, uneven windows)', async () => {
  await checkBackendAsync('onnx', (w) => createOnnxLossBackendAsync(w, { executionProvider: 'cpu' }));
});

test('a cancelled job stops between windows', async () => {
  const weights = await generatedWeightsAsync(22);
  const backend = new TfjsLossBackend(weights, active);
  try {
    const inputs = inputsFor(weights);
    const o = inputs.options;
    const plan = planTiles(H, W, 230, 260, exactHalo([...o.contentLayers, ...o.styleLayers]), 16);
    const kernel = await backend.prepareTileKernelAsync({ height: plan.windowHeight, width: plan.windowWidth, contentLayers: o.contentLayers, styleLayers: o.styleLayers });
    const controller = new AbortController();
    const kernelFor = (height: number, width: number) =>
      backend.prepareTileKernelAsync({ height, width, contentLayers: [], styleLayers: o.styleLayers });
    const stage = await prepareTiledStageAsync(kernel, plan, inputs, backend.convention, kernelFor, controller.signal);
    controller.abort();
    const x = tf.tidy(() => preprocess(imageToTensor(testImage(4, H, W)), CONVENTIONS[backend.convention]));
    await assert.rejects(stage.evaluateAsync(x), (e: unknown) => e instanceof Error && (e as { code?: string }).code === 'cancelled');
    x.dispose();
    stage.dispose();
  } finally {
    backend.dispose();
    disposeVggWeights(weights);
  }
});
