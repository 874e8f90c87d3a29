import type { VggWeights } from '../weights/load-weights.ts';
import { readVggWeightArraysAsync, type VggWeightArrays, type WeightsFolder } from '../weights/read-weight-arrays.ts';
import { VGG19_CONV_LAYERS, type ConvLayer } from '../vgg-layers.ts';

/** One convolution's weights in ONNX's layouts. */
export interface OnnxConv {
  layer: ConvLayer;
  cin: number;
  cout: number;
  /** [cout, cin, 3, 3] (OIHW), as ONNX Conv and ConvTranspose read it. */
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * The weights re-laid from Keras' HWIO to ONNX's OIHW, read once per backend: every generated
 * graph (any size, any layers) embeds these arrays as initializers.
 */
export async function toOnnxWeightsAsync(weights: VggWeights): Promise<OnnxConv[]> {
  const out: OnnxConv[] = [];
  for (const layer of VGG19_CONV_LAYERS) {
    const w = weights.layers.get(layer.kerasName);
    if (!w) break;
    const [, , cin, cout] = w.kernel.shape;
    out.push(relaid(layer, (await w.kernel.data()) as Float32Array, cin, cout, Float32Array.from((await w.bias.data()) as Float32Array)));
  }
  return out;
}

/** A weights folder read straight into ONNX layouts (where the sessions live: the worker, or in-thread). */
export async function readOnnxConvsAsync(folder: WeightsFolder): Promise<OnnxConv[]> {
  return toOnnxConvs(await readVggWeightArraysAsync(folder.dir, folder));
}

/** The same from plain arrays (read-weight-arrays.ts), as the worker reads them itself. */
function toOnnxConvs(weights: VggWeightArrays): OnnxConv[] {
  const out: OnnxConv[] = [];
  for (const layer of VGG19_CONV_LAYERS) {
    const w = weights.layers.get(layer.kerasName);
    if (!w) break;
    const [, , cin, cout] = w.kernelShape;
    out.push(relaid(layer, w.kernel, cin, cout, w.bias));
  }
  return out;
}

function relaid(layer: ConvLayer, hwio: Float32Array, cin: number, cout: number, bias: Float32Array): OnnxConv {
  const kernel = new Float32Array(hwio.length);
  for (let k = 0; k < 9; k++) {
    for (let i = 0; i < cin; i++) {
      for (let o = 0; o < cout; o++) kernel[(o * cin + i) * 9 + k] = hwio[(k * cin + i) * cout + o]!;
    }
  }
  return { layer, cin, cout, kernel, bias };
}

/**
 * The kernel flipped in space and with in/out swapped, [cin, cout, 3, 3]: a stride-1 'same'
 * Conv with it is the input gradient of the forward conv (what ConvTranspose computes).
 */
export function flippedKernel(c: OnnxConv): Float32Array {
  const out = new Float32Array(c.kernel.length);
  for (let o = 0; o < c.cout; o++) {
    for (let i = 0; i < c.cin; i++) {
      for (let k = 0; k < 9; k++) out[(i * c.cout + o) * 9 + (8 - k)] = c.kernel[(o * c.cin + i) * 9 + k];
    }
  }
  return out;
}
