import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import { CONVENTIONS, preprocess } from '../../daemon/engine/convention.ts';
import {
  createEngineAsync,
  EngineError,
  planStageMemory,
  REGION_LIMITS,
  resolveOptions,
  writeRandomWeightsAsync,
  type MaskImage,
  type RgbImage,
  type StylizeEvent,
  type StylizeRequest,
} from '../../daemon/engine/index.ts';
import type { StageInputs } from '../../daemon/engine/loss-function.ts';
import { featherMask, resizeMask } from '../../daemon/engine/region-mask.ts';
import { imageToTensor, resizeImageAsync } from '../../daemon/engine/resize-image.ts';
import * as tf from '../../daemon/engine/tf.ts';
import { TfjsLossBackend } from '../../daemon/engine/tfjs-loss-backend.ts';
import { Vgg19 } from '../../daemon/engine/vgg19.ts';
import { disposeVggWeights, loadVggWeightsAsync } from '../../daemon/engine/weights/load-weights.ts';
import { referenceOptions, testImage } from '../engine-onnx/stage-fixture.ts';

/**
 * Masked style regions (StyleInput.mask, region-mask.ts): the loss as defined, and a masked job
 * that leaves the source's pixels outside the mask past the feather.
 */
const dir = await mkdtemp(join(tmpdir(), 'atelier-regions-'));
await writeRandomWeightsAsync(dir, { seed: 21 });

/** A mask that is 1 on a disc and 0 elsewhere. */
function discMask(width: number, height: number, cx: number, cy: number, r: number): MaskImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? 1 : 0;
  return { width, height, data };
}

/** Pixels farther than `px` along rows or columns (Chebyshev) from every non-zero mask pixel. */
function beyond(mask: MaskImage, px: number): number[] {
  const far: number[] = [];
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      let near = false;
      for (let dy = -px; dy <= px && !near; dy++) {
        for (let dx = -px; dx <= px && !near; dx++) {
          const [yy, xx] = [y + dy, x + dx];
          near = yy >= 0 && yy < mask.height && xx >= 0 && xx < mask.width && mask.data[yy * mask.width + xx] > 0;
        }
      }
      if (!near) far.push(y * mask.width + x);
    }
  }
  return far;
}

async function resultOfAsync(gen: AsyncGenerator<StylizeEvent>): Promise<RgbImage> {
  let image: RgbImage | undefined;
  for await (const ev of gen) if (ev.type === 'result') image = ev.image;
  return image!;
}

test('the feather: zero exactly past it, one exactly that far inside a full mask, a ramp between', () => {
  const m = discMask(40, 30, 12, 15, 8);
  const f = featherMask(m.data, 40, 30, 5);
  for (const p of beyond(m, 5)) assert.equal(f[p], 0, `pixel ${p} past the feather`);
  assert.equal(f[15 * 40 + 12], 1, 'the disc’s centre, 8 px inside');
  const edge = f[15 * 40 + 20];
  assert.ok(edge > 0.2 && edge < 0.8, `the disc’s edge is half-way (${edge})`);
  const full = featherMask(new Float32Array(40 * 30).fill(1), 40, 30, 7);
  assert.ok(full.every((v) => v === 1), 'a mask reaching the borders stays whole there');
  const resized = resizeMask(m, 20, 15);
  assert.ok(Math.abs(resized.reduce((s, v) => s + v, 0) * 4 - m.data.reduce((s, v) => s + v, 0)) < 1e-3, 'area resampling keeps the area');
});

test('tfjs: the masked style loss is Σ area share · ‖(F⊙m)ᵀ(F⊙m)/(c·Σm²) − G_s‖²/c², the mask average-pooled down the network', async () => {
  const active = await selectBackendAsync('cpu');
  const weights = await loadVggWeightsAsync(dir);
  const backend = new TfjsLossBackend(weights, active);
  const vgg = new Vgg19(weights, false);
  try {
    const [h, w] = [36, 44];
    const o = { ...referenceOptions(weights.convention, h, w), contentWeight: 0, tvWeight: 0, styleWeight: 3 };
    const mask = discMask(w, h, 14, 20, 11).data;
    for (let x = 30; x < w; x++) mask[5 * w + x] = 0.5; // a soft streak in another place
    const style = testImage(2, 28, 30);
    const inputs: StageInputs = { content: testImage(1, h, w), styles: [], regions: [{ mask, styles: [{ image: style, weight: 1 }], weight: 0.5 }], options: o, height: h, width: w };
    const x = tf.tidy(() => preprocess(imageToTensor(testImage(4, h, w)), CONVENTIONS[weights.convention]));
    const stage = await backend.prepareStageAsync(inputs);
    const { style: got, grad } = await stage.evaluateAsync(x);
    grad.dispose();
    stage.dispose();

    // The same loss in float64 from the network's features, written out independently.
    const featuresOf = async (image: tf.Tensor4D): Promise<Map<string, { data: Float32Array; h: number; w: number; c: number }>> => {
      const f = vgg.features(image, o.styleLayers);
      const out = new Map<string, { data: Float32Array; h: number; w: number; c: number }>();
      for (const [l, t] of f) out.set(l, { data: (await t.data()) as Float32Array, h: t.shape[1], w: t.shape[2], c: t.shape[3] });
      f.forEach((t) => t.dispose());
      return out;
    };
    const fx = await featuresOf(x);
    const styleInput = tf.tidy(() => preprocess(imageToTensor(style), CONVENTIONS[weights.convention]));
    const fs = await featuresOf(styleInput);
    styleInput.dispose();
    x.dispose();
    let expected = 0;
    for (const l of o.styleLayers) {
      const a = fx.get(l)!;
      const s = fs.get(l)!;
      // Average-pool the stage mask to the tap's size: 2×2 blocks, odd rows and columns dropped.
      let m = Array.from(mask);
      let [mh, mw] = [h, w];
      while (mh > a.h) {
        const next: number[] = [];
        for (let y = 0; y < mh >> 1; y++) for (let xx = 0; xx < mw >> 1; xx++) next.push((m[2 * y * mw + 2 * xx] + m[2 * y * mw + 2 * xx + 1] + m[(2 * y + 1) * mw + 2 * xx] + m[(2 * y + 1) * mw + 2 * xx + 1]) / 4);
        [m, mh, mw] = [next, mh >> 1, mw >> 1];
      }
      const c = a.c;
      const area = m.reduce((sum, v) => sum + v * v, 0);
      let sq = 0;
      for (let i = 0; i < c; i++) {
        for (let j = 0; j < c; j++) {
          let g = 0;
          for (let p = 0; p < a.h * a.w; p++) g += a.data[p * c + i] * a.data[p * c + j] * m[p] * m[p];
          let gs = 0;
          for (let p = 0; p < s.h * s.w; p++) gs += s.data[p * c + i] * s.data[p * c + j];
          sq += (g / (c * area) - gs / (c * s.h * s.w)) ** 2;
        }
      }
      expected += (area / (a.h * a.w)) * (sq / (c * c));
    }
    expected *= o.styleWeight * 0.5;
    assert.ok(expected > 0);
    assert.ok(Math.abs(got - expected) <= 1e-4 * expected, `style loss ${got} vs ${expected} written out`);
  } finally {
    vgg.dispose();
    backend.dispose();
    disposeVggWeights(weights);
  }
});

test('tfjs and onnx: a mask of ones is the unmasked loss and gradient', async () => {
  const active = await selectBackendAsync('cpu');
  const weights = await loadVggWeightsAsync(dir);
  const { createOnnxLossBackendAsync } = await import('../../daemon/engine/onnx/index.ts');
  const backends = [new TfjsLossBackend(weights, active), await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu', inWorker: false })];
  try {
    const [h, w] = [32, 40];
    const o = referenceOptions(weights.convention, h, w);
    const styles = [{ image: testImage(2, 30, 30), weight: 1 }];
    const base: StageInputs = { content: testImage(1, h, w), styles, options: o, height: h, width: w };
    const ones: StageInputs = { ...base, styles: [], regions: [{ mask: new Float32Array(h * w).fill(1), styles, weight: 1 }] };
    for (const backend of backends) {
      const x = tf.tidy(() => preprocess(imageToTensor(testImage(4, h, w)), CONVENTIONS[weights.convention]));
      const [a, b] = [await backend.prepareStageAsync(base), await backend.prepareStageAsync(ones)];
      const [ra, rb] = [await a.evaluateAsync(x), await b.evaluateAsync(x)];
      assert.ok(Math.abs(ra.style - rb.style) <= 1e-5 * ra.style, `${backend.engine}: style ${ra.style} vs ${rb.style}`);
      assert.equal(ra.content, rb.content);
      const [ga, gb] = [(await ra.grad.data()) as Float32Array, (await rb.grad.data()) as Float32Array];
      const scale = ga.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assert.ok(ga.every((v, i) => Math.abs(v - gb[i]) <= 1e-5 * scale), `${backend.engine}: gradients agree`);
      [ra.grad, rb.grad, x].forEach((t) => t.dispose());
      a.dispose();
      b.dispose();
    }
  } finally {
    backends.forEach((b) => b.dispose());
    disposeVggWeights(weights);
  }
});

for (const engineName of ['onnx', 'tfjs'] as const) {
  test(`${engineName}: a masked job leaves every pixel past the feather the source's exactly, and stylises inside`, async () => {
    const engine = await createEngineAsync({ weightsDir: dir, engine: engineName, backend: 'cpu', executionProvider: 'cpu' });
    try {
      const content = testImage(1, 48, 64);
      const mask = discMask(64, 48, 22, 24, 12);
      const run = (featherPx?: number): Promise<RgbImage> =>
        resultOfAsync(
          engine.stylize({
            content,
            styles: [{ image: testImage(7, 40, 40), weight: 1, mask }],
            options: { preset: 'atelier', maxSide: 64, iterations: 4 },
            ...(featherPx === undefined ? {} : { featherPx }),
          }),
        );
      for (const featherPx of [3, undefined]) {
        const result = await run(featherPx);
        assert.deepEqual([result.width, result.height], [64, 48]);
        const far = beyond(mask, featherPx ?? REGION_LIMITS.defaultFeatherPx);
        assert.ok(far.length > 1000, 'most of the frame is outside');
        for (const p of far) {
          for (let c = 0; c < 3; c++) assert.equal(result.data[p * 3 + c], content.data[p * 3 + c], `pixel ${p} channel ${c} past the feather ${featherPx}`);
        }
        const centre = (24 * 64 + 22) * 3;
        const changed = [0, 1, 2].some((c) => result.data[centre + c] !== content.data[centre + c]);
        assert.ok(changed, 'the disc’s centre is stylised');
      }
    } finally {
      engine.dispose();
    }
  });
}

test('colours with a mask: the recoloured content (luminance, the recoloured start) stays inside the region; past the feather the source exactly', async () => {
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu' });
  try {
    const content = testImage(1, 48, 64);
    const mask = discMask(64, 48, 40, 20, 10);
    for (const colors of ['luminance', 'content'] as const) {
      const result = await resultOfAsync(
        engine.stylize({
          content,
          styles: [{ image: testImage(9, 40, 40), weight: 1, mask }],
          options: { preset: 'atelier', maxSide: 64, iterations: 2, colors },
          featherPx: 2,
        }),
      );
      for (const p of beyond(mask, 2)) for (let c = 0; c < 3; c++) assert.equal(result.data[p * 3 + c], content.data[p * 3 + c], `${colors}: pixel ${p}`);
    }
  } finally {
    engine.dispose();
  }
});

test('previews of a masked job show the source past the feather too, at their own scale', async () => {
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu' });
  try {
    const content = testImage(1, 48, 64);
    const mask = discMask(64, 48, 22, 24, 12);
    const previews: RgbImage[] = [];
    for await (const ev of engine.stylize({
      content,
      styles: [{ image: testImage(7, 40, 40), weight: 1, mask }],
      options: { preset: 'atelier', maxSide: 64, iterations: 2, previewEvery: 2, previewMaxSide: 32 },
      featherPx: 4,
    })) {
      if (ev.type === 'progress' && ev.preview) previews.push(ev.preview);
    }
    const last = previews.at(-1)!;
    assert.deepEqual([last.width, last.height], [32, 24]);
    const source = await resizeImageAsync(content, 32, 24);
    const small = { width: 32, height: 24, data: resizeMask(mask, 32, 24) };
    const far = beyond(small, 2);
    assert.ok(far.length > 300);
    for (const p of far) for (let c = 0; c < 3; c++) assert.equal(last.data[p * 3 + c], source.data[p * 3 + c], `preview pixel ${p}`);
  } finally {
    engine.dispose();
  }
});

test('refusals: an empty mask, a feather out of range', async () => {
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu', memoryBudgetMB: 1350 });
  try {
    const content = testImage(1, 48, 64);
    const style = testImage(7, 40, 40);
    const attempt = async (request: Partial<StylizeRequest>): Promise<EngineError> => {
      const events: string[] = [];
      try {
        for await (const ev of engine.stylize({ content, styles: [{ image: style, weight: 1 }], options: { iterations: 1 }, ...request })) events.push(ev.type);
      } catch (error) {
        assert.deepEqual(events, [], 'refused before any event');
        assert.ok(error instanceof EngineError);
        return error;
      }
      assert.fail('the job was not refused');
    };
    const empty = await attempt({ styles: [{ image: style, weight: 1, mask: { width: 8, height: 8, data: new Float32Array(64) } }] });
    assert.equal(empty.code, 'bad-image');
    assert.match(empty.message, /mask of style 1 is all black or transparent/);
    const mask = discMask(64, 48, 20, 20, 10);
    const feather = await attempt({ styles: [{ image: style, weight: 1, mask }], featherPx: REGION_LIMITS.maxFeatherPx + 1 });
    assert.equal(feather.code, 'bad-options');
  } finally {
    engine.dispose();
  }
});

test('a masked job whose stage the budget tiles runs in tiles (two regions) and keeps the source past the feather', async () => {
  const [h, w] = [250, 300];
  // Adam: L-BFGS' first steps are too small to move a pixel by one level. Shallow layers: with
  // relu5_1's halo a second region's tile kernel leaves no budget in which 250×300 tiles.
  const options = {
    preset: 'classic',
    height: h,
    width: w,
    stages: 1,
    iterations: 2,
    optimizer: 'adam' as const,
    learningRate: 8,
    styleLayers: ['relu1_1', 'relu2_1'],
    contentLayers: ['relu2_2'],
  };
  const budgetMB = 1250;
  assert.ok(planStageMemory(h, w, resolveOptions(options, 'caffe', { width: w, height: h }), budgetMB, 2).tiles, 'the small budget tiles this stage');
  const engine = await createEngineAsync({ weightsDir: dir, engine: 'onnx', executionProvider: 'cpu', memoryBudgetMB: budgetMB });
  try {
    const content = testImage(1, h, w);
    const left = discMask(w, h, 80, 120, 50);
    const right = discMask(w, h, 220, 130, 40);
    let start: StylizeEvent | undefined;
    let result: RgbImage | undefined;
    for await (const ev of engine.stylize({
      content,
      styles: [
        { image: testImage(7, 120, 120), weight: 1, mask: left },
        { image: testImage(8, 100, 140), weight: 1, mask: right },
      ],
      options,
      featherPx: 3,
    })) {
      if (ev.type === 'start') start = ev;
      if (ev.type === 'result') result = ev.image;
    }
    assert.ok(start?.type === 'start' && start.memory[0].windows && start.memory[0].windows.count > 1, 'planned in windows');
    const farLeft = new Set(beyond(left, 3));
    const far = beyond(right, 3).filter((p) => farLeft.has(p));
    assert.ok(far.length > 20_000);
    for (const p of far) for (let c = 0; c < 3; c++) assert.equal(result!.data[p * 3 + c], content.data[p * 3 + c], `pixel ${p}`);
    for (const mask of [left, right]) {
      const changed = result!.data.filter((v, i) => mask.data[Math.floor(i / 3)] === 1 && v !== content.data[i]).length;
      assert.ok(changed > 1000, `${changed} values changed in a region`);
    }
  } finally {
    engine.dispose();
  }
});
