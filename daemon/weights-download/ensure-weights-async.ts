import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { convertKerasH5Async } from './convert-keras-h5-async.ts';
import { downloadFileAsync } from './download-file-async.ts';
import { findCachedWeightsAsync } from './find-cached-weights-async.ts';
import { LOCAL_COPY_HINT, WeightsError } from './weights-error.ts';
import type { WeightsProgressListener } from './weights-progress.ts';
import { CONVERTED_DIR_NAME, DOWNLOAD_FILE_NAME, MANIFEST_FILE_NAME, type DownloadLimits } from './weights-source.ts';

export interface EnsureWeightsOptions {
  /** A weights folder or Keras .h5 file the designer named (flag, environment or config); null: use the cache. */
  weights: string | null;
  /** Atelier's cache folder: downloads and conversions live here. */
  cacheDir: string;
  url: string;
  expectedHash: string;
  onProgress?: WeightsProgressListener;
  signal?: AbortSignal;
  limits?: Partial<DownloadLimits>;
}

export interface ResolvedWeights {
  /** A folder the engine loads (`weights_manifest.json` and shards). */
  dir: string;
  /** Where they came from, in words, for the status line and the log. */
  source: string;
  /** `given`: a folder the designer named; `converted`: from their .h5; `cached` or `downloaded`: the first-run path. */
  origin: 'given' | 'converted' | 'cached' | 'downloaded';
}

/** Marker beside a conversion of the designer's own .h5, so an edited file is converted again. */
const convertedFromSchema = z.object({ file: z.string(), size: z.number(), mtimeMs: z.number() });
const CONVERTED_FROM_FILE = 'atelier-converted-from.json';

/**
 * Finds or makes the engine's weights: the designer's folder as it is, the designer's Keras
 * .h5 converted into the cache, the cache's earlier conversion, or (first run) the Keras file
 * downloaded, checked, converted and its download deleted. Reports each step to `onProgress`.
 */
export async function ensureWeightsAsync(options: EnsureWeightsOptions): Promise<ResolvedWeights> {
  const resolved = options.weights === null ? await fromCacheAsync(options) : await fromGivenAsync(options.weights, options);
  options.onProgress?.({ phase: 'ready', dir: resolved.dir, source: resolved.source });
  return resolved;
}

async function fromGivenAsync(given: string, options: EnsureWeightsOptions): Promise<ResolvedWeights> {
  const path = resolve(given);
  const info = await stat(path).catch(() => undefined);
  if (info?.isDirectory()) {
    if (!(await existsAsync(join(path, MANIFEST_FILE_NAME)))) {
      throw new WeightsError('weights_not_found', `The weights folder ${path} has no ${MANIFEST_FILE_NAME}. ${LOCAL_COPY_HINT}`);
    }
    return { dir: path, source: path, origin: 'given' };
  }
  if (!info?.isFile()) {
    throw new WeightsError('weights_not_found', `The weights path ${path} does not exist. ${LOCAL_COPY_HINT}`);
  }
  const key = createHash('sha256').update(path).digest('hex').slice(0, 16);
  const dir = join(options.cacheDir, `converted-${key}`);
  const marker = { file: path, size: info.size, mtimeMs: info.mtimeMs };
  const previous = await readJsonAsync(join(dir, CONVERTED_FROM_FILE), convertedFromSchema);
  if (!(previous && previous.file === marker.file && previous.size === marker.size && previous.mtimeMs === marker.mtimeMs)) {
    options.onProgress?.({ phase: 'convert', file: path });
    await mkdir(options.cacheDir, { recursive: true });
    await convertKerasH5Async(path, dir, path);
    await writeFile(join(dir, CONVERTED_FROM_FILE), JSON.stringify(marker));
  }
  return { dir, source: path, origin: 'converted' };
}

async function fromCacheAsync(options: EnsureWeightsOptions): Promise<ResolvedWeights> {
  const cached = await findCachedWeightsAsync(options.cacheDir);
  if (cached) return { dir: cached, source: options.url, origin: 'cached' };
  const dir = join(options.cacheDir, CONVERTED_DIR_NAME);
  await mkdir(options.cacheDir, { recursive: true });
  const download = join(options.cacheDir, DOWNLOAD_FILE_NAME);
  await downloadFileAsync({
    url: options.url,
    dest: download,
    expectedHash: options.expectedHash,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.limits ? { limits: options.limits } : {}),
  });
  options.onProgress?.({ phase: 'convert', file: download });
  await convertKerasH5Async(download, dir, options.url);
  // The conversion holds the same numbers; keeping the 80 MB download as well helps no one.
  await rm(download, { force: true });
  return { dir, source: options.url, origin: 'downloaded' };
}

async function existsAsync(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJsonAsync<T>(file: string, schema: z.ZodType<T>): Promise<T | undefined> {
  try {
    const parsed = schema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
