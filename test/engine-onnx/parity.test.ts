import { test } from 'node:test';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import type { StageInputs } from '../../daemon/engine/loss-function.ts';
import { createOnnxLossBackendAsync } from '../../daemon/engine/onnx/index.ts';
import { TfjsLossBackend } from '../../daemon/engine/tfjs-loss-backend.ts';
import { disposeVggWeights, loadVggWeightsAsync, type VggWeights } from '../../daemon/engine/weights/load-weights.ts';
import { REAL_WEIGHTS_DIR, skipWithoutSharedWeights } from '../support/shared-data.ts';
import { assertStageParityAsync, generatedWeightsAsync, referenceOptions, testImage, weightSets } from './stage-fixture.ts';

/**
 * The ONNX graph against tfjs autograd on the wasm backend (the tfjs path this machine runs),
 * per loss term and element-wise on the gradient (tolerances in stage-fixture.ts). Images
 * have no equal neighbours, so no max-pool window holds a tie (ties: pool-ties.test.ts).
 */
const active = await selectBackendAsync('wasm');

async function checkAsync(weights: VggWeights, height: number, width: number, label: string): Promise<void> {
  const tfjs = new TfjsLossBackend(weights, active);
  const onnx = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  try {
    const base = referenceOptions(weights.convention, height, width);
    for (const w of weightSets(base)) {
      const inputs: StageInputs = {
        content: testImage(1, height, width),
        // Two styles: the blend of Gram targets is part of what must match.
        styles: [
          { image: testImage(2, height, width), weight: 0.6 },
          { image: testImage(3, height, width), weight: 0.4 },
        ],
        options: { ...base, ...w },
        height,
        width,
      };
      const tag = `${label} weights ${JSON.stringify(w)}`;
      await assertStageParityAsync(tfjs, onnx, inputs, testImage(4, height, width), tag);
    }
  } finally {
    tfjs.dispose();
    onnx.dispose();
  }
}

/** Two overlapping regions: a soft ramp that is zero on the left third, and a hard block; as region-mask.ts reads them. */
function testMasks(height: number, width: number): Float32Array[] {
  const ramp = new Float32Array(height * width);
  const block = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      ramp[y * width + x] = Math.max(0, Math.min(1, (x - width / 3) / (width / 3)));
      block[y * width + x] = y >= height / 4 && y < height - 3 && x < (2 * width) / 3 ? 1 : 0;
    }
  }
  return [ramp, block];
}

async function checkMaskedAsync(weights: VggWeights, height: number, width: number, label: string): Promise<void> {
  const tfjs = new TfjsLossBackend(weights, active);
  const onnx = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  try {
    const base = referenceOptions(weights.convention, height, width);
    const [ramp, block] = testMasks(height, width);
    for (const w of weightSets(base).slice(1)) {
      if (w.styleWeight === 0) continue;
      const inputs: StageInputs = {
        content: testImage(1, height, width),
        styles: [],
        regions: [
          // A region blending two styles, and one with a style of its own at another size.
          { mask: ramp, styles: [{ image: testImage(2, height, width), weight: 0.6 }, { image: testImage(3, height, width), weight: 0.4 }], weight: 1 },
          { mask: block, styles: [{ image: testImage(5, height + 8, width - 6), weight: 1 }], weight: 0.7 },
        ],
        options: { ...base, ...w },
        height,
        width,
      };
      await assertStageParityAsync(tfjs, onnx, inputs, testImage(4, height, width), `${label} masked, weights ${JSON.stringify(w)}`);
    }
  } finally {
    tfjs.dispose();
    onnx.dispose();
  }
}

test('masked regions (two styles, two overlapping masks): the ONNX graph matches tfjs autograd, even and odd sizes', async () => {
  const weights = await generatedWeightsAsync(13);
  try {
    await checkMaskedAsync(weights, 32, 48, 'generated');
    await checkMaskedAsync(weights, 35, 45, 'generated odd');
  } finally {
    disposeVggWeights(weights);
  }
});

test('real VGG-19 weights, masked regions: the ONNX graph matches tfjs autograd (32×48)', { skip: skipWithoutSharedWeights }, async () => {
  const weights = await loadVggWeightsAsync(REAL_WEIGHTS_DIR);
  try {
    await checkMaskedAsync(weights, 32, 48, 'real');
  } finally {
    disposeVggWeights(weights);
  }
});

test('generated weights: same losses and gradient as tfjs (reference layers, 32×48)', async () => {
  const weights = await generatedWeightsAsync(11);
  try {
    await checkAsync(weights, 32, 48, 'generated');
  } finally {
    disposeVggWeights(weights);
  }
});

test('generated weights, odd size: pools that drop a row and a column (35×45)', async () => {
  const weights = await generatedWeightsAsync(12);
  try {
    await checkAsync(weights, 35, 45, 'generated odd');
  } finally {
    disposeVggWeights(weights);
  }
});

test('real VGG-19 weights: same losses and gradient as tfjs (32×48)', { skip: skipWithoutSharedWeights }, async () => {
  const weights = await loadVggWeightsAsync(REAL_WEIGHTS_DIR);
  try {
    await checkAsync(weights, 32, 48, 'real');
  } finally {
    disposeVggWeights(weights);
  }
});
