/**
 * Every bound the protocol enforces, in one place. The daemon validates against these and
 * reports them in `welcome.limits`, so the plugin can refuse a request before sending it.
 */

/** Default TCP port of the daemon on 127.0.0.1 (the plugin manifest's networkAccess names it too). */
export const DEFAULT_DAEMON_PORT = 7878;

/**
 * Where a server (the daemon on this computer, a studio's team server) serves the Photopea
 * panel page over HTTP(S), beside its WebSocket: the panel moves between servers by this path.
 */
export const PHOTOPEA_PAGE_PATH = '/photopea/';

/** The names of this computer's loopback addresses, as a browser writes them in a URL's host. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Longest side of an output image (and of each stage), in pixels. */
export const MAX_OUTPUT_SIDE = 4096;
/** Longest side of an uploaded content or style image; larger uploads should be scaled first. */
export const MAX_INPUT_SIDE = 8192;
/** Pixel count of an uploaded image, checked before decoding (decompression bombs). */
export const MAX_INPUT_PIXELS = 40_000_000;
/** Encoded size of one uploaded image. */
export const MAX_IMAGE_BYTES = 48 * 1024 * 1024;

/** Images per stylize request. */
export const MAX_CONTENT_IMAGES = 16;
export const MAX_STYLE_IMAGES = 4;
/**
 * Regions (a mask image each) per stylize request: one for every content image of a full batch
 * (a Figma selection masked by one shape), or several styles' regions on fewer images.
 */
export const MAX_REGIONS = MAX_CONTENT_IMAGES;
/**
 * The widest feather of a masked job's edge, in pixels of the result: the engine's own bound
 * (daemon/engine/limits.ts REGION_LIMITS.maxFeatherPx; test/protocol checks they agree).
 */
export const MAX_FEATHER_PX = 256;

/** A text frame, and the JSON header of a binary frame, are at most this long. */
export const MAX_TEXT_MESSAGE_BYTES = 64 * 1024;
export const MAX_FRAME_HEADER_BYTES = 64 * 1024;

/** Ids chosen by clients (request ids, image ids) and by the daemon (job ids). */
export const MAX_ID_LENGTH = 64;

/** Option ranges of a stylize request (see `style-options.ts`). */
/** The smallest stage must survive VGG-19's four poolings. */
export const MIN_STAGE_SIDE = 16;
export const MAX_STAGES = 6;
export const MAX_STAGE_SCALE = 4;
export const MAX_ITERATIONS = 5000;
export const MAX_LOSS_WEIGHT = 1e12;
export const MAX_LEARNING_RATE = 1000;
export const MAX_LR_STEP = 100_000;
export const MAX_HISTORY_SIZE = 100;
export const MAX_LAYERS = 16;
export const MAX_SEED = 0xffff_ffff;
export const MAX_PROGRESS_EVERY = 10_000;
export const MIN_PREVIEW_SIDE = 16;
export const MAX_PREVIEW_SIDE = 1024;
/**
 * `styleScale` multiplies the preset's style weight: 1 leaves it as it is; the bounds are
 * symmetric on a log scale (1/20 to 20), wide enough for "a hint of" to "almost only" style.
 */
export const MIN_STYLE_SCALE = 0.05;
export const MAX_STYLE_SCALE = 20;
/** The designer-facing sentence of a `daemon-state` message. */
export const MAX_STATE_MESSAGE_LENGTH = 500;
/** Capabilities a client may announce in `hello`. */
export const MAX_CLIENT_CAPABILITIES = 16;

/**
 * Pairing codes are this many decimal digits. Eight (10^8 codes) let the daemon check guesses
 * twenty times a second for less risk per pairing window than six digits at one a second
 * (daemon/server/limits.ts), so a flood of guesses delays the designer's own code by a fraction
 * of a second, not by the length of the queue in seconds.
 */
export const PAIRING_CODE_DIGITS = 8;
/** A team invite's code starts with this many digits naming the invite (sent in `pair.invite`); the rest is its secret. */
export const INVITE_SLOT_DIGITS = 2;
/**
 * A paired plugin names its pairing in the upgrade URL (`/?k=<keyId>`), so the daemon can give
 * it a slot reserved for paired plugins before any message. The key id is random, chosen by
 * the daemon at pairing, and not derived from the key: it is a lookup id only, proves nothing
 * (the key does, in the challenge–response) and an observer who replays it gets a reserved
 * slot for at most a hello timeout, a few per key (daemon/server/limits.ts), nothing more.
 */
export const KEY_HINT_PARAM = 'k';
export const KEY_HINT_HEX_LENGTH = 16;

/**
 * A stylize request's placement (client-messages.ts `placementSchema`): what the editor needs to
 * put a result in place later, kept by the daemon beside the result and handed back unread.
 * The document name fits a Photopea document's name or a Figma file's key; the label is the
 * tray's sentence ("Hero · Starry Night"); the data holds one layer id, region and result name
 * per content image (MAX_CONTENT_IMAGES of them) with room to spare.
 */
export const MAX_PLACEMENT_DOCUMENT_CHARS = 256;
export const MAX_PLACEMENT_LABEL_CHARS = 200;
export const MAX_PLACEMENT_DATA_CHARS = 16 * 1024;
/** Jobs one `jobs` answer lists (the daemon keeps fewer waiting results than this; see daemon/server/limits.ts). */
export const MAX_LISTED_JOBS = 64;
