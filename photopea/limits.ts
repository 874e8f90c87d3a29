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

/**
 * After app.open, the placed image arrives only once Photopea has loaded it (after its "done"):
 * the panel looks every PLACE_POLL_INTERVAL_MS, at most PLACE_POLL_ATTEMPTS times (15 s in
 * all, ample for a data URL of the largest result), then says the layer did not appear.
 */
export const PLACE_POLL_INTERVAL_MS = 250;
export const PLACE_POLL_ATTEMPTS = 60;

/** Name of the temporary document a layer is exported from (closed by its own script after every export, also after a failure or a time-out). */
export const TEMP_DOCUMENT_NAME = 'Atelier export (temporary)';

/**
 * Name of the layer a selection is filled into for a moment to export it as a mask (removed by
 * the same script; the clean-up after every export removes any left by a script that stopped).
 */
export const MASK_LAYER_NAME = 'Atelier mask (temporary)';

/** The result layer's name: "<source> · <style>". */
export const RESULT_NAME_SEPARATOR = ' · ';

/** At most this many layers are listed as styles (big documents stay fast to list). */
export const MAX_LISTED_LAYERS = 64;

/** Style images (a layer or a dropped file) are scaled down to this longest side before sending. */
export const STYLE_MAX_SIDE = 1024;

/** A dropped style file larger than this is refused before it is read (the daemon's per-image bound). */
export const MAX_DROPPED_FILE_BYTES = LIMITS.MAX_IMAGE_BYTES;

/**
 * Where the panel kept its pairing key before it moved to IndexedDB (read once, moved, deleted),
 * and where its options stay (localStorage, partitioned under photopea.com by the browser).
 */
export const KEY_STORAGE_NAME = 'atelier.photopea.key.v1';
/** IndexedDB database of the panel's non-extractable key (client/key-store.ts). */
export const KEY_DATABASE_NAME = 'atelier-photopea-keys';
export const OPTIONS_KEY = 'atelier.photopea.options.v1';
