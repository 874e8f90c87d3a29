/**
 * Where the first run's weights come from, and the bounds of fetching them: the one home of
 * these defaults (the config schema takes its defaults from here).
 */

/**
 * The Keras Applications VGG-19 "notop" weights (HDF5, about 80 MB, float32, the 16
 * convolutions only, Caffe/BGR input convention), at the location `keras.applications.VGG19`
 * downloads them from.
 */
export const DEFAULT_WEIGHTS_URL =
  'https://storage.googleapis.com/tensorflow/keras-applications/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';

/** The checksum Keras' `get_file` checks that file against (MD5, as Keras publishes it). */
export const DEFAULT_WEIGHTS_HASH = '253f8cb515780f3b799900260a226db6';

/** File name of the download inside the cache folder; `.part` is appended while it downloads. */
export const DOWNLOAD_FILE_NAME = 'vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5';

/** Folder (inside the cache folder) holding the converted engine weights. */
export const CONVERTED_DIR_NAME = 'vgg19-keras-float32';

export interface DownloadLimits {
  maxAttempts: number;
  retryDelayMs: number;
  stallTimeoutMs: number;
  progressIntervalMs: number;
}

export const DOWNLOAD_LIMITS: Readonly<DownloadLimits> = {
  /** Tries per download: an interrupted response resumes from where it stopped. */
  maxAttempts: 5,
  /** Pause before try n is `retryDelayMs * n`. */
  retryDelayMs: 500,
  /** A response that sends no bytes for this long is abandoned and resumed. */
  stallTimeoutMs: 30_000,
  /** Least time between two progress reports. */
  progressIntervalMs: 250,
};

export { MANIFEST_FILE as MANIFEST_FILE_NAME } from '../engine/index.ts';
