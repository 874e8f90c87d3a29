import { open } from 'node:fs/promises';
import type H5wasmModule from 'h5wasm/node';
import { VGG19_CONV_LAYERS, type NamedWeight } from '../engine/index.ts';
import { LOCAL_COPY_HINT, WeightsError } from './weights-error.ts';

/**
 * Reads VGG-19's 16 convolutions from a Keras `save_weights` HDF5 file (the layout of
 * `vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5`): one group per layer named
 * `block{b}_conv{i}`, whose `weight_names` attribute lists its datasets relative to the group.
 * The published file names them `block1_conv1_W_1:0` / `block1_conv1_b_1:0` (Keras 1);
 * files saved by Keras 2 name them `block1_conv1/kernel:0` / `block1_conv1/bias:0`. Both are
 * read, and a group without `weight_names` is searched for its one 4-D and one 1-D dataset.
 *
 * Kernels come out HWIO `[3, 3, in, out]` named `block{b}_conv{i}/kernel`, biases `[out]`
 * named `.../bias`, the names the engine's manifest uses. Channel counts are checked to chain
 * (3 in, each layer's input is the previous output) but not fixed, so small generated files work.
 */
export async function readKerasVgg19H5Async(file: string): Promise<NamedWeight[]> {
  // Checked first: h5wasm reports a non-HDF5 file late and noisily (an error page saved by a
  // captive portal is the usual case).
  if (!(await hasHdf5SignatureAsync(file))) throw invalid(file, 'it is not an HDF5 file');
  // Loaded here, not at import: h5wasm's WebAssembly heap took ~480 MB of every process that
  // imported this module (the CLI, the daemon), converting or not (issue 11).
  h5wasm ??= (await import('h5wasm/node')).default;
  await h5wasm.ready;
  let h5: InstanceType<typeof H5wasmModule.File>;
  try {
    h5 = new h5wasm.File(file, 'r');
  } catch (error) {
    throw invalid(file, 'it is not an HDF5 file', error);
  }
  try {
    const weights: NamedWeight[] = [];
    let inChannels = 3;
    for (const layer of VGG19_CONV_LAYERS) {
      const group = h5.get(layer.kerasName);
      if (!(group instanceof h5wasm.Group)) throw invalid(file, `it has no layer "${layer.kerasName}"`);
      const datasets = layerDatasets(group);
      const kernel = datasets.find((d) => d.shape?.length === 4);
      const bias = datasets.find((d) => d.shape?.length === 1);
      if (!kernel || !bias) throw invalid(file, `layer "${layer.kerasName}" lacks a kernel or a bias`);
      const [kh, kw, kin, kout] = kernel.shape as [number, number, number, number];
      if (kh !== 3 || kw !== 3 || kin !== inChannels || bias.shape?.[0] !== kout) {
        throw invalid(
          file,
          `layer "${layer.kerasName}" has kernel [${kernel.shape?.join(', ')}] and bias [${bias.shape?.join(', ')}], expected [3, 3, ${inChannels}, out] and [out]`,
        );
      }
      weights.push({ name: `${layer.kerasName}/kernel`, shape: [3, 3, kin, kout], data: float32Values(kernel, file) });
      weights.push({ name: `${layer.kerasName}/bias`, shape: [kout], data: float32Values(bias, file) });
      inChannels = kout;
    }
    return weights;
  } catch (error) {
    if (error instanceof WeightsError) throw error;
    throw invalid(file, `reading it failed (${error instanceof Error ? error.message : String(error)})`, error);
  } finally {
    h5.close();
  }
}

/** HDF5's 8-byte signature sits at offset 0, 512, 1024, 2048… (a user block may precede it). */
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

async function hasHdf5SignatureAsync(file: string): Promise<boolean> {
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw new WeightsError('weights_not_found', `Cannot open the weights file ${file}. ${LOCAL_COPY_HINT}`, { cause: error });
  });
  try {
    const buffer = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset <= 8192; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
      if (bytesRead < buffer.length) return false;
      if (buffer.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}

let h5wasm: typeof H5wasmModule;

type H5Group = InstanceType<typeof H5wasmModule.Group>;
type H5Dataset = InstanceType<typeof H5wasmModule.Dataset>;

function layerDatasets(group: H5Group): H5Dataset[] {
  const names = group.attrs.weight_names?.value;
  if (Array.isArray(names) && names.length > 0) {
    return names.flatMap((name) => {
      const entity = typeof name === 'string' ? group.get(name) : null;
      return entity instanceof h5wasm.Dataset ? [entity] : [];
    });
  }
  return allDatasets(group, 3);
}

function allDatasets(group: H5Group, depth: number): H5Dataset[] {
  const found: H5Dataset[] = [];
  for (const key of group.keys()) {
    const entity = group.get(key);
    if (entity instanceof h5wasm.Dataset) found.push(entity);
    else if (entity instanceof h5wasm.Group && depth > 0) found.push(...allDatasets(entity, depth - 1));
  }
  return found;
}

function float32Values(dataset: H5Dataset, file: string): Float32Array {
  const value = dataset.value;
  if (value instanceof Float32Array) return value;
  if (value instanceof Float64Array) return Float32Array.from(value);
  throw invalid(file, `dataset ${dataset.path} is not floating point (${String(dataset.dtype)})`);
}

function invalid(file: string, why: string, cause?: unknown): WeightsError {
  return new WeightsError(
    'weights_file_invalid',
    `${file} cannot be used as VGG-19 weights: ${why}. Atelier reads the Keras file vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5. ${LOCAL_COPY_HINT}`,
    cause === undefined ? undefined : { cause },
  );
}
