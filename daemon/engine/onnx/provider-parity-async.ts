import { createRandom } from '../random.ts';
import { VGG19_CONV_LAYERS } from '../vgg-layers.ts';
import type { ResolvedProvider } from './execution-provider.ts';
import { PARITY_CHECK } from './limits.ts';
import { OnnxLossCore, type CoreEvaluation } from './onnx-loss-core.ts';
import type { OnnxConv } from './onnx-weights.ts';

/**
 * A tiny loss-and-gradient evaluation on a provider and on the CPU, compared: the check
 * `atelier doctor` and scripts/gpu-check.sh run before trusting a GPU. The graph is the
 * engine's own (vgg-graph.ts: convolutions, the pool mask gradient, Grams, TV), on VGG-19's
 * first two blocks with generated weights at a small odd size (its pools drop a row and a
 * column), so it needs no weights file and takes well under a second once sessions exist.
 */
export interface ParityResult {
  /** Worst relative difference of the three loss parts. */
  lossRelative: number;
  /** Worst element difference of the gradient over the CPU gradient's largest magnitude. */
  gradRelative: number;
  ok: boolean;
  height: number;
  width: number;
}

function tinyConvs(seed: number): OnnxConv[] {
  const r = createRandom(seed);
  const layers = VGG19_CONV_LAYERS.filter((l) => l.block <= 2);
  let cin = 3;
  return layers.map((layer) => {
    const cout = PARITY_CHECK.channels * layer.block;
    // He-style scale keeps activations of the order of the input through four layers.
    const scale = Math.sqrt(2 / (cin * 9));
    const conv: OnnxConv = {
      layer,
      cin,
      cout,
      kernel: Float32Array.from({ length: cout * cin * 9 }, () => r.normal() * scale),
      bias: Float32Array.from({ length: cout }, () => (r.uniform() - 0.5) * 0.1),
    };
    cin = cout;
    return conv;
  });
}

async function evaluateOnAsync(provider: ResolvedProvider, convs: OnnxConv[], images: Float32Array[]): Promise<CoreEvaluation> {
  const { height, width } = PARITY_CHECK;
  const core = new OnnxLossCore(convs, 'atelier-parity-check', provider.sessionOptions, 'flipped-conv');
  try {
    const stage = await core.prepareStageAsync({
      height,
      width,
      content: images[0],
      styles: [{ pixels: images[1], height, width, weight: 1 }],
      options: { contentLayers: ['relu2_1'], styleLayers: ['relu1_1', 'relu2_1'], contentWeight: 1, styleWeight: 1e3, tvWeight: 10 },
    });
    try {
      return await stage.evaluateAsync(images[2]);
    } finally {
      stage.dispose();
    }
  } finally {
    core.dispose();
  }
}

export async function checkProviderParityAsync(provider: ResolvedProvider, cpu: ResolvedProvider): Promise<ParityResult> {
  const { height, width } = PARITY_CHECK;
  const convs = tinyConvs(7);
  const r = createRandom(11);
  const images = [0, 1, 2].map(() => Float32Array.from({ length: height * width * 3 }, () => (r.uniform() - 0.5) * 100));
  const expected = await evaluateOnAsync(cpu, convs, images);
  const actual = await evaluateOnAsync(provider, convs, images);
  const lossRelative = Math.max(
    ...(['content', 'style', 'tv'] as const).map((k) => Math.abs(actual[k] - expected[k]) / Math.max(Math.abs(expected[k]), 1e-30)),
  );
  let maxDiff = 0;
  let maxAbs = 0;
  for (let i = 0; i < expected.grad.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(actual.grad[i] - expected.grad[i]));
    maxAbs = Math.max(maxAbs, Math.abs(expected.grad[i]));
  }
  const gradRelative = maxDiff / Math.max(maxAbs, 1e-30);
  const ok = Number.isFinite(lossRelative) && Number.isFinite(gradRelative) && lossRelative <= PARITY_CHECK.lossTolerance && gradRelative <= PARITY_CHECK.gradTolerance;
  return { lossRelative, gradRelative, ok, height, width };
}
