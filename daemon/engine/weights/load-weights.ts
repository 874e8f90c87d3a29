import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '../tf.ts';
import { EngineError } from '../engine-error.ts';
import type { InputConventionName } from '../types.ts';
import { VGG19_CONV_LAYERS } from '../vgg-layers.ts';
import {
  INFO_FILE,
  MANIFEST_FILE,
  weightsInfoSchema,
  weightsManifestSchema,
  type WeightSpec,
} from './manifest-schema.ts';

export interface ConvWeights {
  kernel: tf.Tensor4D;
  bias: tf.Tensor1D;
}

export interface VggWeights {
  /** Keyed by Keras name (`block1_conv1`); only the layers present, in forward order. */
  layers: Map<string, ConvWeights>;
  convention: InputConventionName;
  source: string;
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

/**
 * Loads VGG-19 conv weights from a TensorFlow.js weights folder (float32 or quantized).
 * Layers are read from block1_conv1 up to the deepest layer present, which must be contiguous:
 * a network cut short is fine (it serves shallower taps), a gap is corruption.
 */
export async function loadVggWeightsAsync(
  dir: string,
  options: { convention?: InputConventionName } = {},
): Promise<VggWeights> {
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

  const tensors = new Map<string, tf.Tensor>();
  try {
    for (const group of parsed.data) {
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
      const buffer = new Uint8Array(total);
      let offset = 0;
      for (const s of shards) {
        buffer.set(s, offset);
        offset += s.byteLength;
      }
      // Trailing bytes (e.g. the start of a dropped fc layer) are ignored by decodeWeights.
      const decoded = tf.io.decodeWeights(buffer.buffer, group.weights as tf.io.WeightsManifestEntry[]);
      for (const [name, t] of Object.entries(decoded)) tensors.set(name, t);
    }
    return { layers: collectLayers(tensors, manifestPath), convention, source };
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
}

function collectLayers(tensors: Map<string, tf.Tensor>, manifestPath: string): Map<string, ConvWeights> {
  const layers = new Map<string, ConvWeights>();
  let inChannels = 3;
  for (const layer of VGG19_CONV_LAYERS) {
    const kernel = tensors.get(`${layer.kerasName}/kernel`) ?? tensors.get(`${layer.kerasName}/kernel:0`);
    const bias = tensors.get(`${layer.kerasName}/bias`) ?? tensors.get(`${layer.kerasName}/bias:0`);
    if (!kernel && !bias) break;
    if (!kernel || !bias) {
      throw new EngineError('weights-corrupt', `${manifestPath} has only half of layer ${layer.kerasName} (kernel and bias are both needed).`);
    }
    const [kh, kw, cin, cout] = kernel.shape;
    if (kernel.rank !== 4 || kh !== 3 || kw !== 3 || cin !== inChannels || bias.shape[0] !== cout) {
      throw new EngineError(
        'weights-corrupt',
        `${manifestPath}: layer ${layer.kerasName} has kernel [${kernel.shape}] and bias [${bias.shape}]; expected a 3×3 kernel [3,3,${inChannels},out] and a bias [out].`,
      );
    }
    layers.set(layer.kerasName, { kernel: tf.keep(tf.clone(kernel)) as tf.Tensor4D, bias: tf.keep(tf.clone(bias)) as tf.Tensor1D });
    inChannels = cout;
  }
  if (layers.size === 0) {
    throw new EngineError('weights-corrupt', `${manifestPath} holds no VGG-19 layer (expected names like block1_conv1/kernel).`);
  }
  return layers;
}

export function disposeVggWeights(weights: VggWeights): void {
  for (const { kernel, bias } of weights.layers.values()) {
    kernel.dispose();
    bias.dispose();
  }
  weights.layers.clear();
}
