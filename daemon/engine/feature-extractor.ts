import { selectBackendAsync, type BackendName } from './backend.ts';
import { CONVENTIONS, preprocess } from './convention.ts';
import { imageToTensor } from './resize-image.ts';
import * as tf from './tf.ts';
import type { RgbImage } from './types.ts';
import { Vgg19 } from './vgg19.ts';
import { disposeVggWeights, loadVggWeightsAsync } from './weights/load-weights.ts';

/** One tap's activations as a set of `positions` vectors of `channels` values, row-major. */
export interface FeatureSet {
  channels: number;
  positions: number;
  data: Float32Array;
}

export interface FeatureExtractor {
  /** Activations of `image` at `layers` (tap names such as `relu3_1`), forward pass only. */
  featuresAsync(image: RgbImage, layers: readonly string[]): Promise<Map<string, FeatureSet>>;
  dispose(): void;
}

/**
 * The engine's own VGG-19 and weights, forward only: for measuring images (scripts/quality.ts)
 * with the very network the losses use, rather than a second copy of it.
 */
export async function createFeatureExtractorAsync(weightsDir: string, backend: BackendName = 'auto'): Promise<FeatureExtractor> {
  await selectBackendAsync(backend);
  const weights = await loadVggWeightsAsync(weightsDir);
  const vgg = new Vgg19(weights, false);
  const convention = CONVENTIONS[weights.convention];
  return {
    async featuresAsync(image, layers) {
      vgg.checkTaps(layers);
      const taps = tf.tidy(() => {
        const f = vgg.features(preprocess(imageToTensor(image), convention), layers);
        return layers.map((l) => f.get(l)!);
      });
      const out = new Map<string, FeatureSet>();
      try {
        for (const [i, l] of layers.entries()) {
          const [, h, w, c] = taps[i].shape;
          out.set(l, { channels: c, positions: h * w, data: (await taps[i].data()) as Float32Array });
        }
      } finally {
        for (const t of taps) t.dispose();
      }
      return out;
    },
    dispose() {
      vgg.dispose();
      disposeVggWeights(weights);
    },
  };
}
