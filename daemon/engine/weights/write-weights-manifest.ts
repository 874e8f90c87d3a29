import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InputConventionName } from '../types.ts';
import { INFO_FILE, MANIFEST_FILE, type WeightSpec, type WeightsInfo, type WeightsManifest } from './manifest-schema.ts';

export interface NamedWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface WriteWeightsOptions {
  convention: InputConventionName;
  source?: string;
  /** Store uint8 with a per-tensor scale and min, as tfjs' converter does with --quantize_uint8. */
  quantize?: boolean;
  shardBytes?: number;
}

const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

function quantizeUint8(data: Float32Array): { bytes: Uint8Array; scale: number; min: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) bytes[i] = Math.round((data[i] - min) / scale);
  return { bytes, scale, min };
}

/** Writes a TensorFlow.js weights folder (manifest, shards, and Atelier's convention sidecar). */
export async function writeWeightsManifestAsync(
  dir: string,
  weights: NamedWeight[],
  options: WriteWeightsOptions,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const specs: WeightSpec[] = [];
  const chunks: Uint8Array[] = [];
  for (const w of weights) {
    if (options.quantize) {
      const { bytes, scale, min } = quantizeUint8(w.data);
      specs.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'uint8', scale, min, original_dtype: 'float32' } });
      chunks.push(bytes);
    } else {
      specs.push({ name: w.name, shape: w.shape, dtype: 'float32' });
      chunks.push(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength));
    }
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  const shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const path = `group1-shard${i + 1}of${count}.bin`;
    paths.push(path);
    await writeFile(join(dir, path), all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)));
  }
  const manifest: WeightsManifest = [{ paths, weights: specs }];
  const info: WeightsInfo = { convention: options.convention, ...(options.source ? { source: options.source } : {}) };
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  await writeFile(join(dir, INFO_FILE), JSON.stringify(info, null, 2));
}
