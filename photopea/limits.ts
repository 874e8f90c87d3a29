/**
 * The Photopea plugin's own limits and defaults. What every editor shares (quality presets,
 * style strength, reconnect backoff) lives in client/limits.ts; protocol-wide bounds in
 * protocol/limits.ts. Neither is repeated here.
 */
import { LIMITS } from '../protocol/index.ts';

export * from '../client/limits.ts';

/**
 * How long Photopea may take to answer one message with "done". Exports and placements of
 * large layers take seconds; a panel whose Photopea never answers (not framed by Photopea,
 * or Photopea busy in a modal dialog) says so instead of waiting for ever.
 */
export const SCRIPT_TIMEOUT_MS = 60_000;

/** Name of the temporary document a layer is exported from (closed at once, also on failure). */
export const TEMP_DOCUMENT_NAME = 'Atelier export (temporary)';

/** The result layer's name: "<source> · <style>". */
export const RESULT_NAME_SEPARATOR = ' · ';

/** At most this many layers are listed as styles (big documents stay fast to list). */
export const MAX_LISTED_LAYERS = 64;

/** Style images (a layer or a dropped file) are scaled down to this longest side before sending. */
export const STYLE_MAX_SIDE = 1024;

/** A dropped style file larger than this is refused before it is read (the daemon's per-image bound). */
export const MAX_DROPPED_FILE_BYTES = LIMITS.MAX_IMAGE_BYTES;

/** localStorage keys (the panel's storage, partitioned under photopea.com by the browser). */
export const KEY_STORAGE_NAME = 'atelier.photopea.key.v1';
export const OPTIONS_KEY = 'atelier.photopea.options.v1';
