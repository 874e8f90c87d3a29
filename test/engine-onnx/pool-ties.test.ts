import assert from 'node:assert/strict';
import { test } from 'node:test';
import { selectBackendAsync } from '../../daemon/engine/backend.ts';
import type { StageInputs } from '../../daemon/engine/loss-function.ts';
import { createOnnxLossBackendAsync } from '../../daemon/engine/onnx/index.ts';
import { TfjsLossBackend } from '../../daemon/engine/tfjs-loss-backend.ts';
import { disposeVggWeights } from '../../daemon/engine/weights/load-weights.ts';
import { assertStageParityAsync, generatedWeightsAsync, referenceOptions, testImage, weightSets } from './stage-fixture.ts';

/**
 * Max-pool ties. The ONNX graph sends a window's gradient to its first maximum in row-major
 * order (onnxruntime's MaxPool Indices), as PyTorch and tfjs' cpu backend do; tfjs' wasm
 * backend picks the last one. On an image with flat regions (tied windows in every layer, and
 * zero TV differences whose sign must be 0) the ONNX gradient equals tfjs-cpu's element-wise.
 */
const active = await selectBackendAsync('cpu');

test('flat regions: tied pool windows and zero TV differences match tfjs (cpu backend)', async () => {
  const weights = await generatedWeightsAsync(21);
  const tfjs = new TfjsLossBackend(weights, active);
  const onnx = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
  const [height, width] = [32, 48];
  try {
    const base = referenceOptions(weights.convention, height, width);
    const at = testImage(5, height, width, true);
    // The evaluation point really has tied 2×2 windows in its flat half.
    const p = (y: number, x: number): number => at.data[(y * width + x) * 3];
    assert.ok(p(0, 0) === p(0, 1) && p(0, 0) === p(1, 0) && p(0, 0) === p(1, 1));
    for (const w of weightSets(base)) {
      const inputs: StageInputs = {
        content: testImage(6, height, width),
        styles: [{ image: testImage(7, height, width, true), weight: 1 }],
        options: { ...base, ...w },
        height,
        width,
      };
      await assertStageParityAsync(tfjs, onnx, inputs, at, `ties weights ${JSON.stringify(w)}`);
    }
  } finally {
    tfjs.dispose();
    onnx.dispose();
    disposeVggWeights(weights);
  }
});
