import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineError } from '../engine-error.ts';
import type { InputConventionName } from '../types.ts';
import { VGG19_CONV_LAYERS } from '../vgg-layers.ts';
import {
  INFO_FILE,
  MANIFEST_FILE,
  weightsInfoSchema,
  weightsManifestSchema,
  type WeightSpec,
  type WeightsManifest,
} from './manifest-schema.ts';

/** One convolution's weights as plain arrays: the kernel in Keras' HWIO layout. */
export interface ConvArrays {
  kernel: Float32Array;
  /** [3, 3, in, out]. */
  kernelShape: [number, number, number, number];
  bias: Float32Array;
}

/** The weights as plain arrays, for an engine that needs no TensorFlow.js (the ONNX worker). */
export interface VggWeightArrays {
  layers: Map<string, ConvArrays>;
  convention: InputConventionName;
  source: string;
}

/** What an engine says about its weights without holding them. */
export interface WeightsInfoView {
  convention: InputConventionName;
  source: string;
}

/** A weights folder checked by readWeightsInfoAsync, for a reader elsewhere (the ONNX worker). */
export interface WeightsFolder extends WeightsInfoView {
  dir: string;
}

const BYTES_PER_ELEMENT: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

function byteLength(spec: WeightSpec): number {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const q = spec.quantization?.dtype;
  return n * (q ? BYTES_PER_ELEMENT[q] : 4);
}

async function readJsonAsync(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EngineError(
      'weights-missing',
      `The ${what} ${path} could not be read; point --weights (or ATELIER_WEIGHTS) at a folder holding ${MANIFEST_FILE} and its shards.`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EngineError('weights-corrupt', `The ${what} ${path} is not valid JSON.`, { cause: error });
  }
}

/** IEEE 754 half to single precision (float16-quantized weights). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** One weight's values from its bytes, dequantized as tfjs' decodeWeights does (min + q × scale). */
function decodeWeight(bytes: Uint8Array, spec: WeightSpec): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  if (!q) {
    // Aligned (the usual case): one copy; else element by element. Both little-endian, as tfjs writes.
    if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    else for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else {
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    if (q.dtype === 'uint8') for (let i = 0; i < n; i++) out[i] = min + bytes[i]! * scale;
    else for (let i = 0; i < n; i++) out[i] = min + view.getUint16(i * 2, true) * scale;
  }
  return out;
}

/**
 * The manifest and sidecar checked, and what they say (convention, source), without the shards:
 * enough for an engine whose worker reads the weights itself.
 */
export async function readWeightsInfoAsync(
  dir: string,
  options: { convention?: InputConventionName } = {},
): Promise<WeightsInfoView & { manifest: WeightsManifest }> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const parsed = weightsManifestSchema.safeParse(await readJsonAsync(manifestPath, 'weights manifest'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EngineError(
      'weights-corrupt',
      `The weights manifest ${manifestPath} is malformed at ${issue.path.join('.') || 'top level'}: ${issue.message}.`,
    );
  }

  let convention: InputConventionName = options.convention ?? 'caffe';
  let source = dir;
  const infoPath = join(dir, INFO_FILE);
  const infoRaw = await readFile(infoPath, 'utf8').catch(() => undefined);
  if (infoRaw !== undefined) {
    const info = weightsInfoSchema.safeParse(JSON.parse(infoRaw));
    if (!info.success) {
      throw new EngineError('weights-corrupt', `${infoPath} does not say which input convention the weights use.`);
    }
    convention = options.convention ?? info.data.convention;
    source = info.data.source ?? dir;
  }
  return { manifest: parsed.data, convention, source };
}

/**
 * Reads VGG-19 conv weights from a TensorFlow.js weights folder (float32 or quantized) into
 * plain arrays. Layers are read from block1_conv1 up to the deepest layer present, which must be
 * contiguous: a network cut short is fine (it serves shallower taps), a gap is corruption.
 * Weights of other layers (a dropped classifier) are skipped, not decoded.
 */
export async function readVggWeightArraysAsync(
  dir: string,
  options: { convention?: InputConventionName } = {},
): Promise<VggWeightArrays> {
  const { manifest, convention, source } = await readWeightsInfoAsync(dir, options);
  const manifestPath = join(dir, MANIFEST_FILE);
  const wanted = new Set(VGG19_CONV_LAYERS.flatMap((l) => [`${l.kerasName}/kernel`, `${l.kerasName}/kernel:0`, `${l.kerasName}/bias`, `${l.kerasName}/bias:0`]));
  const arrays = new Map<string, { values: Float32Array; shape: number[] }>();
  for (const group of manifest) {
    const shards: Uint8Array[] = [];
    for (const path of group.paths) {
      const shardPath = join(dir, path);
      try {
        shards.push(await readFile(shardPath));
      } catch (error) {
        throw new EngineError(
          'weights-missing',
          `The weight shard ${shardPath} is missing; the download may be incomplete — fetch the weights again.`,
          { cause: error },
        );
      }
    }
    const total = shards.reduce((n, s) => n + s.byteLength, 0);
    const needed = group.weights.reduce((n, s) => n + byteLength(s), 0);
    if (total < needed) {
      throw new EngineError(
        'weights-corrupt',
        `The weight shards ${group.paths[0]}… in ${dir} hold ${total} bytes but the manifest needs ${needed}; the files are truncated — fetch the weights again.`,
      );
    }
    const buffer = shards.length === 1 ? shards[0]! : Buffer.concat(shards, total);
    shards.length = 0;
    // Trailing bytes (e.g. the start of a dropped fc layer) are ignored.
    let offset = 0;
    for (const spec of group.weights) {
      const length = byteLength(spec);
      if (wanted.has(spec.name) && spec.dtype === 'float32') {
        arrays.set(spec.name, { values: decodeWeight(buffer.subarray(offset, offset + length), spec), shape: spec.shape });
      }
      offset += length;
    }
  }
  return { layers: collectLayers(arrays, manifestPath), convention, source };
}

function collectLayers(arrays: Map<string, { values: Float32Array; shape: number[] }>, manifestPath: string): Map<string, ConvArrays> {
  const layers = new Map<string, ConvArrays>();
  let inChannels = 3;
  for (const layer of VGG19_CONV_LAYERS) {
    const kernel = arrays.get(`${layer.kerasName}/kernel`) ?? arrays.get(`${layer.kerasName}/kernel:0`);
    const bias = arrays.get(`${layer.kerasName}/bias`) ?? arrays.get(`${layer.kerasName}/bias:0`);
    if (!kernel && !bias) break;
    if (!kernel || !bias) {
      throw new EngineError('weights-corrupt', `${manifestPath} has only half of layer ${layer.kerasName} (kernel and bias are both needed).`);
    }
    const [kh, kw, cin, cout] = kernel.shape;
    if (kernel.shape.length !== 4 || kh !== 3 || kw !== 3 || cin !== inChannels || bias.shape.length !== 1 || bias.shape[0] !== cout) {
      throw new EngineError(
        'weights-corrupt',
        `${manifestPath}: layer ${layer.kerasName} has kernel [${kernel.shape}] and bias [${bias.shape}]; expected a 3×3 kernel [3,3,${inChannels},out] and a bias [out].`,
      );
    }
    layers.set(layer.kerasName, { kernel: kernel.values, kernelShape: [3, 3, cin!, cout!], bias: bias.values });
    inChannels = cout!;
  }
  if (layers.size === 0) {
    throw new EngineError('weights-corrupt', `${manifestPath} holds no VGG-19 layer (expected names like block1_conv1/kernel).`);
  }
  return layers;
}
