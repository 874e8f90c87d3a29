/**
 * Run by webgpu-swiftshader.test.ts in a child process whose Vulkan is SwiftShader: the WebGPU
 * provider's losses and gradients against the CPU provider's (the parity tests' tolerances),
 * through the engine's own path (worker process, sessions, targets); and one loss graph opened
 * with onnxruntime's verbose log, whose node-placement lines the parent reads.
 */
import * as ort from 'onnxruntime-node';
import { createOnnxLossBackendAsync } from '../../daemon/engine/onnx/index.ts';
import { toOnnxWeightsAsync } from '../../daemon/engine/onnx/onnx-weights.ts';
import { buildLossModel } from '../../daemon/engine/onnx/vgg-graph.ts';
import { disposeVggWeights } from '../../daemon/engine/weights/load-weights.ts';
import type { StageInputs } from '../../daemon/engine/loss-function.ts';
import { assertStageParityAsync, generatedWeightsAsync, referenceOptions, testImage, weightSets } from './stage-fixture.ts';

const weights = await generatedWeightsAsync(41);
const cpu = await createOnnxLossBackendAsync(weights, { executionProvider: 'cpu' });
const webgpu = await createOnnxLossBackendAsync(weights, { executionProvider: 'webgpu' });
try {
  console.log(JSON.stringify({ device: webgpu.device, backend: webgpu.backend }));
  // Even and odd sizes (the pool gradient's Pad); an image with flat regions (tied windows).
  for (const [height, width, flat] of [[32, 48, false], [35, 45, true]] as const) {
    const base = referenceOptions(weights.convention, height, width);
    for (const w of weightSets(base)) {
      const inputs: StageInputs = {
        content: testImage(1, height, width),
        styles: [{ image: testImage(2, height, width, flat), weight: 1 }],
        options: { ...base, ...w },
        height,
        width,
      };
      const label = `${height}×${width}${flat ? ' flat' : ''} ${JSON.stringify(w)}`;
      const worst = await assertStageParityAsync(cpu, webgpu, inputs, testImage(3, height, width, flat), label);
      console.log(JSON.stringify({ label, ...worst }));
    }
  }
  const convs = await toOnnxWeightsAsync(weights);
  const o = referenceOptions(weights.convention, 35, 45);
  const model = buildLossModel(convs, { height: 35, width: 45, contentLayers: o.contentLayers, styleLayers: o.styleLayers, backwardConv: 'flipped-conv' });
  const session = await ort.InferenceSession.create(model, { executionProviders: ['webgpu'], logSeverityLevel: 0 });
  await session.release();
} finally {
  cpu.dispose();
  webgpu.dispose();
  disposeVggWeights(weights);
}
