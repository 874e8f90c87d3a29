import type { InputConventionName } from '../types.ts';
import { VGG19_CONV_LAYERS } from '../vgg-layers.ts';
import { createRandom } from '../random.ts';
import { writeWeightsManifestAsync, type NamedWeight } from './write-weights-manifest.ts';

export interface RandomWeightsOptions {
  seed?: number;
  /** Channels per block (default 4, 6, 8, 8, 8): tiny, so tests run in milliseconds. */
  channels?: [number, number, number, number, number];
  convention?: InputConventionName;
  quantize?: boolean;
}

/** He-initialised VGG-19-shaped weights with few channels, for tests and demos without ../shared. */
export function makeRandomWeights(options: RandomWeightsOptions = {}): NamedWeight[] {
  const random = createRandom(options.seed ?? 1);
  const channels = options.channels ?? [4, 6, 8, 8, 8];
  const weights: NamedWeight[] = [];
  let cin = 3;
  for (const layer of VGG19_CONV_LAYERS) {
    const cout = channels[layer.block - 1];
    const kernel = new Float32Array(9 * cin * cout);
    // Caffe-convention inputs span ±128, so scale the first layer down to keep activations O(1..100).
    const std = Math.sqrt(2 / (9 * cin)) * (layer.block === 1 && layer.index === 1 ? 1 / 64 : 1);
    for (let i = 0; i < kernel.length; i++) kernel[i] = random.normal() * std;
    const bias = new Float32Array(cout);
    for (let i = 0; i < cout; i++) bias[i] = random.normal() * 0.01;
    weights.push({ name: `${layer.kerasName}/kernel`, shape: [3, 3, cin, cout], data: kernel });
    weights.push({ name: `${layer.kerasName}/bias`, shape: [cout], data: bias });
    cin = cout;
  }
  return weights;
}

export async function writeRandomWeightsAsync(dir: string, options: RandomWeightsOptions = {}): Promise<void> {
  await writeWeightsManifestAsync(dir, makeRandomWeights(options), {
    convention: options.convention ?? 'caffe',
    source: `random (seed ${options.seed ?? 1})`,
    quantize: options.quantize,
  });
}
