/**
 * The engine's loss and gradient on one ONNX Runtime provider against the CPU provider, on the
 * real weights and images, reference layers, at one size (default 64×96): what
 * scripts/gpu-check.sh prints as the WebGPU-vs-CPU parity. One JSON line; exit 1 past the
 * parity tests' tolerances (test/engine-onnx/stage-fixture.ts: losses 1e-3 relative,
 * gradients 1e-4 of the largest element, loosened tenfold for a GPU as onnx/limits.ts'
 * PARITY_CHECK does).
 *
 *   node --import tsx scripts/provider-parity.ts [--provider webgpu] [--size 64x96] [--weights DIR]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CONVENTIONS, preprocess } from '../daemon/engine/convention.ts';
import { EXECUTION_PROVIDER_NAMES, type ExecutionProviderChoice } from '../daemon/engine/index.ts';
import { createOnnxLossBackendAsync } from '../daemon/engine/onnx/index.ts';
import { PARITY_CHECK } from '../daemon/engine/onnx/limits.ts';
import { resolveOptions } from '../daemon/engine/presets.ts';
import { imageToTensor } from '../daemon/engine/resize-image.ts';
import * as tf from '../daemon/engine/tf.ts';
import { loadVggWeightsAsync } from '../daemon/engine/weights/load-weights.ts';
import { readImageAsync, resizeRgbAsync } from '../daemon/image/index.ts';

const { values } = parseArgs({
  options: {
    provider: { type: 'string', default: 'webgpu' },
    size: { type: 'string', default: '64x96' },
    weights: { type: 'string', default: process.env.ATELIER_WEIGHTS ?? '../shared/vgg19-keras-uint8' },
    images: { type: 'string', default: '../shared/images' },
  },
});
const provider = values.provider as ExecutionProviderChoice;
if (!EXECUTION_PROVIDER_NAMES.includes(provider)) throw new Error(`--provider must be one of ${EXECUTION_PROVIDER_NAMES.join(', ')}`);
const [height, width] = values.size.split('x').map(Number);
if (!existsSync(`${values.weights}/weights_manifest.json`)) {
  console.error(`provider-parity: no weights at ${values.weights}; pass --weights DIR.`);
  process.exit(2);
}
const weights = await loadVggWeightsAsync(values.weights);
const image = async (path: string) => resizeRgbAsync((await readImageAsync(path, { alpha: 'composite' })).rgb, width, height);
const content = await image(`${values.images}/content/tubingen.jpg`);
const style = await image(`${values.images}/style/starry_night.jpg`);
const options = resolveOptions({ preset: 'reference', height, width, stages: 1 }, weights.convention, { width, height });
const inputs = { content, styles: [{ image: style, weight: 1 }], options, height, width };
// Evaluated halfway between content and style, where no loss part and no gradient is zero.
const between = { width, height, data: content.data.map((v, i) => (v + style.data[i]) >> 1) };
const x = tf.tidy(() => preprocess(imageToTensor(between), CONVENTIONS[weights.convention]));
const results = [];
for (const name of ['cpu', provider] as const) {
  const backend = await createOnnxLossBackendAsync(weights, { executionProvider: name });
  const stage = await backend.prepareStageAsync(inputs);
  const r = await stage.evaluateAsync(x);
  results.push({ device: backend.device, content: r.content, style: r.style, tv: r.tv, grad: (await r.grad.data()) as Float32Array });
  r.grad.dispose();
  stage.dispose();
  backend.dispose();
}
const [cpu, other] = results;
const lossRelative = Math.max(...(['content', 'style', 'tv'] as const).map((k) => Math.abs(other[k] - cpu[k]) / Math.max(Math.abs(cpu[k]), 1e-30)));
let maxDiff = 0;
let maxAbs = 0;
cpu.grad.forEach((v, i) => {
  maxDiff = Math.max(maxDiff, Math.abs(other.grad[i] - v));
  maxAbs = Math.max(maxAbs, Math.abs(v));
});
const gradRelative = maxDiff / maxAbs;
const ok = lossRelative <= PARITY_CHECK.lossTolerance && gradRelative <= PARITY_CHECK.gradTolerance;
console.log(JSON.stringify({ parity: `${provider} vs cpu`, size: `${height}x${width}`, device: other.device, losses: { cpu: [cpu.content, cpu.style, cpu.tv], provider: [other.content, other.style, other.tv] }, lossRelative, gradRelative, ok }));
x.dispose();
process.exit(ok ? 0 : 1);
