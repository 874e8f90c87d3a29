/** Public surface of the first-run weights path: download, check, convert, report. */
export {
  DEFAULT_WEIGHTS_URL,
  DEFAULT_WEIGHTS_HASH,
  DOWNLOAD_FILE_NAME,
  CONVERTED_DIR_NAME,
  DOWNLOAD_LIMITS,
  MANIFEST_FILE_NAME,
  type DownloadLimits,
} from './weights-source.ts';
export { WeightsError, LOCAL_COPY_HINT, type WeightsErrorCode } from './weights-error.ts';
export type { WeightsProgress, WeightsProgressListener } from './weights-progress.ts';
export { downloadFileAsync, type DownloadOptions } from './download-file-async.ts';
export { hashFileAsync, hashAlgorithmFor } from './hash-file-async.ts';
export { readKerasVgg19H5Async } from './read-keras-h5-async.ts';
export { convertKerasH5Async } from './convert-keras-h5-async.ts';
export { ensureWeightsAsync, type EnsureWeightsOptions, type ResolvedWeights } from './ensure-weights-async.ts';
export { findCachedWeightsAsync } from './find-cached-weights-async.ts';
export { formatWeightsProgress, formatBytes } from './format-weights-progress.ts';
