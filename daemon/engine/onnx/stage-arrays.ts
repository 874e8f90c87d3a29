import { CONVENTIONS, preprocess } from '../convention.ts';
import type { StageInputs } from '../loss-function.ts';
import { imageToTensor } from '../resize-image.ts';
import * as tf from '../tf.ts';
import type { InputConventionName, RgbImage } from '../types.ts';
import type { CoreStageInputs } from './onnx-loss-core.ts';

/**
 * RGB pixels → the network's input units, NHWC, exactly as the tfjs path computes them. A
 * compact copy: tfjs may hand out its own storage or a view on the wasm heap, and a view
 * posted to the worker would clone its whole buffer.
 */
export async function toNetworkUnitsAsync(image: RgbImage, convention: InputConventionName): Promise<Float32Array> {
  const x = tf.tidy(() => preprocess(imageToTensor(image), CONVENTIONS[convention]));
  try {
    return ((await x.data()) as Float32Array).slice();
  } finally {
    x.dispose();
  }
}

/** A stage's images as the arrays OnnxLossCore takes, preprocessed on the calling thread. */
export async function toCoreStageInputsAsync(inputs: StageInputs, convention: InputConventionName): Promise<CoreStageInputs> {
  const { contentLayers, styleLayers, contentWeight, styleWeight, tvWeight } = inputs.options;
  return {
    height: inputs.height,
    width: inputs.width,
    content: await toNetworkUnitsAsync(inputs.content, convention),
    styles: await toCoreStylesAsync(inputs.styles, convention),
    options: { contentLayers, styleLayers, contentWeight, styleWeight, tvWeight },
    ...(inputs.regions
      ? {
          regions: await Promise.all(
            inputs.regions.map(async (r) => ({ mask: r.mask, styles: await toCoreStylesAsync(r.styles, convention), weight: r.weight })),
          ),
        }
      : {}),
  };
}

/** Style images as OnnxLossCore takes them, each at its own size. */
export function toCoreStylesAsync(styles: StageInputs['styles'], convention: InputConventionName): Promise<CoreStageInputs['styles']> {
  return Promise.all(
    styles.map(async (s) => ({
      pixels: await toNetworkUnitsAsync(s.image, convention),
      height: s.image.height,
      width: s.image.width,
      weight: s.weight,
      cacheKey: s.cacheKey,
    })),
  );
}
