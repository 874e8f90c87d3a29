import { rename, rm } from 'node:fs/promises';
import { writeWeightsManifestAsync } from '../engine/index.ts';
import { readKerasVgg19H5Async } from './read-keras-h5-async.ts';

/**
 * Converts a Keras VGG-19 notop HDF5 file into an engine weights folder (float32 shards and
 * `weights_manifest.json`, Caffe convention: the Keras weights expect BGR, 0..255, mean
 * subtracted). Writes into `<outDir>.tmp` and renames it into place, so an interrupted
 * conversion never leaves a half-written folder the next start would trust.
 */
export async function convertKerasH5Async(h5File: string, outDir: string, source: string): Promise<void> {
  const weights = await readKerasVgg19H5Async(h5File);
  const tmp = `${outDir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await writeWeightsManifestAsync(tmp, weights, { convention: 'caffe', source });
  await rm(outDir, { recursive: true, force: true });
  await rename(tmp, outDir);
}
