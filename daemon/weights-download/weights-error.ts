/**
 * Stable codes for the first-run weights path:
 * - `weights_offline`: the download server cannot be reached (no network, DNS, refused).
 * - `weights_download_failed`: the server answered with an error, or every retry was cut off.
 * - `weights_checksum_mismatch`: the file arrived but is not the expected one; it was deleted.
 * - `weights_file_invalid`: a local or downloaded file is not VGG-19 weights Atelier can read.
 * - `weights_not_found`: `--weights`/`ATELIER_WEIGHTS`/config points at nothing usable.
 */
export type WeightsErrorCode =
  | 'weights_offline'
  | 'weights_download_failed'
  | 'weights_checksum_mismatch'
  | 'weights_file_invalid'
  | 'weights_not_found';

export class WeightsError extends Error {
  readonly code: WeightsErrorCode;

  constructor(code: WeightsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WeightsError';
    this.code = code;
  }
}

/** The sentence every weights error ends with: how to use a copy the designer already has. */
export const LOCAL_COPY_HINT =
  'To use a copy you already have, start Atelier with --weights <path> or set ATELIER_WEIGHTS=<path>, ' +
  'where <path> is the Keras file vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5 or a folder holding weights_manifest.json.';
