import { open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { hashAlgorithmFor, hashFileAsync } from './hash-file-async.ts';
import { LOCAL_COPY_HINT, WeightsError } from './weights-error.ts';
import type { WeightsProgressListener } from './weights-progress.ts';
import { DOWNLOAD_LIMITS, type DownloadLimits } from './weights-source.ts';

export interface DownloadOptions {
  url: string;
  /** Final path; the bytes go to `<dest>.part` until the checksum matches. */
  dest: string;
  /** MD5 (32 hex digits) or SHA-256 (64). */
  expectedHash: string;
  onProgress?: WeightsProgressListener;
  signal?: AbortSignal;
  /** Overrides of `DOWNLOAD_LIMITS` (tests shorten the waits). */
  limits?: Partial<DownloadLimits>;
}

/** Sidecar of a `.part` file: which URL and which version of it the bytes came from. */
const partInfoSchema = z.object({ url: z.string(), validator: z.string().nullable() });
type PartInfo = z.infer<typeof partInfoSchema>;

/** Errors of the connection itself that retrying a second later will not fix. */
const OFFLINE_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * Downloads `url` to `dest`, resuming an earlier `.part` with a Range request (and If-Range, so
 * a changed file on the server restarts cleanly), retrying a cut-off response from where it
 * stopped, and checking the checksum before the file takes its final name. A server that
 * ignores Range (200 instead of 206) restarts the file from its first byte. A bad checksum
 * deletes the bytes and throws `weights_checksum_mismatch`.
 */
export async function downloadFileAsync(options: DownloadOptions): Promise<void> {
  const limits = { ...DOWNLOAD_LIMITS, ...options.limits };
  const { url, dest, signal } = options;
  const part = `${dest}.part`;
  const infoFile = `${dest}.part.json`;
  const expected = options.expectedHash.toLowerCase();

  if (await isFileAsync(dest)) {
    if ((await hashFileAsync(dest, hashAlgorithmFor(expected))) === expected) return;
    await rm(dest, { force: true });
  }

  let lastError: unknown;
  let complete = false;
  for (let attempt = 1; attempt <= limits.maxAttempts && !complete; attempt++) {
    signal?.throwIfAborted();
    if (attempt > 1) await sleepAsync(limits.retryDelayMs * (attempt - 1), signal);
    try {
      complete = await fetchOnceAsync({ url, part, infoFile, signal, limits, onProgress: options.onProgress });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof WeightsError) throw error;
      lastError = error;
    }
  }
  if (!complete) {
    throw new WeightsError(
      'weights_download_failed',
      `The weights download from ${url} kept being cut off (${describe(lastError)}); what arrived is kept and the next start resumes it. ${LOCAL_COPY_HINT}`,
      { cause: lastError },
    );
  }

  options.onProgress?.({ phase: 'verify', file: part });
  const actual = await hashFileAsync(part, hashAlgorithmFor(expected));
  if (actual !== expected) {
    await rm(part, { force: true });
    await rm(infoFile, { force: true });
    throw new WeightsError(
      'weights_checksum_mismatch',
      `The weights downloaded from ${url} are not the expected file (checksum ${actual}, expected ${expected}), so they were deleted. ` +
        `Start Atelier again to download them afresh; if this repeats, a proxy may be altering the download. ${LOCAL_COPY_HINT}`,
    );
  }
  await rename(part, dest);
  await rm(infoFile, { force: true });
}

interface FetchOnceArgs {
  url: string;
  part: string;
  infoFile: string;
  signal: AbortSignal | undefined;
  limits: DownloadLimits;
  onProgress: WeightsProgressListener | undefined;
}

/** One request. True when the `.part` file now holds the whole file; false to try again. */
async function fetchOnceAsync({ url, part, infoFile, signal, limits, onProgress }: FetchOnceArgs): Promise<boolean> {
  const info = await readPartInfoAsync(infoFile);
  let have = info?.url === url ? await fileSizeAsync(part) : 0;
  if (have === 0) await rm(part, { force: true });

  const headers: Record<string, string> = {};
  if (have > 0) {
    headers.Range = `bytes=${have}-`;
    if (info?.validator) headers['If-Range'] = info.validator;
  }

  const controller = new AbortController();
  const onAbort = (): void => controller.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let stallTimer: NodeJS.Timeout | undefined;
  const armStallTimer = (): void => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => controller.abort(new Error(`no data for ${limits.stallTimeoutMs} ms`)), limits.stallTimeoutMs);
  };

  try {
    armStallTimer();
    let response: Response;
    try {
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      const code = errnoOf(error);
      if (code !== undefined && OFFLINE_CODES.has(code)) {
        throw new WeightsError(
          'weights_offline',
          `Atelier needs the VGG-19 weights (about 80 MB) on its first run but cannot reach ${new URL(url).host} (${code}). ` +
            `Connect to the internet and start it again. ${LOCAL_COPY_HINT}`,
          { cause: error },
        );
      }
      throw error;
    }

    if (response.status === 416) {
      // Range not satisfiable: either the part is already whole, or it is longer than the file.
      await response.body?.cancel();
      const total = parseContentRange(response.headers.get('content-range'))?.total;
      if (total !== undefined && total === have) return true;
      await rm(part, { force: true });
      return false;
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      const message =
        `The weights server ${new URL(url).host} answered HTTP ${response.status} ${response.statusText} for ${url}. ` +
        `Check the address (config weightsUrl or ATELIER_WEIGHTS_URL). ${LOCAL_COPY_HINT}`;
      if (response.status >= 500) throw new Error(message);
      throw new WeightsError('weights_download_failed', message);
    }

    let start = 0;
    let total: number | null = null;
    const length = Number(response.headers.get('content-length') ?? NaN);
    if (response.status === 206) {
      const range = parseContentRange(response.headers.get('content-range'));
      if (range === undefined || range.start !== have) {
        // A range we did not ask for: do not splice it in; start over.
        await response.body?.cancel();
        await rm(part, { force: true });
        return false;
      }
      start = have;
      total = range.total ?? null;
    } else {
      have = 0;
      total = Number.isFinite(length) ? length : null;
    }
    if (total === null && Number.isFinite(length)) total = start + length;

    const validator = response.headers.get('etag') ?? response.headers.get('last-modified');
    await writeFile(infoFile, JSON.stringify({ url, validator } satisfies PartInfo));

    const handle = await open(part, start === 0 ? 'w' : 'a');
    let bytes = start;
    const startedAt = performance.now();
    let lastReport = -Infinity;
    const report = (force: boolean): void => {
      const now = performance.now();
      if (!onProgress || (!force && now - lastReport < limits.progressIntervalMs)) return;
      lastReport = now;
      const seconds = (now - startedAt) / 1000;
      onProgress({ phase: 'download', bytes, total, bytesPerSecond: seconds > 0 ? (bytes - start) / seconds : 0, resumedFrom: start });
    };
    try {
      report(true);
      const reader = response.body?.getReader();
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
        armStallTimer();
        await handle.write(read.value);
        bytes += read.value.byteLength;
        report(false);
      }
    } finally {
      await handle.close();
      report(true);
    }
    // A connection closed early without an error still leaves a short file: resume it.
    return total === null || bytes === total;
  } finally {
    clearTimeout(stallTimer);
    signal?.removeEventListener('abort', onAbort);
  }
}

function parseContentRange(header: string | null): { start?: number; total?: number } | undefined {
  if (header === null) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (!match) return undefined;
  return {
    ...(match[1] !== undefined ? { start: Number(match[1]) } : {}),
    ...(match[3] !== '*' ? { total: Number(match[3]) } : {}),
  };
}

async function readPartInfoAsync(file: string): Promise<PartInfo | undefined> {
  try {
    const parsed = partInfoSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function fileSizeAsync(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function isFileAsync(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

function errnoOf(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

function describe(error: unknown): string {
  if (error === undefined) return 'the connection ended early';
  const code = errnoOf(error);
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${message}, ${code}` : message;
}

function sleepAsync(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
